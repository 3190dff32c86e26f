"""Use cases of the fund as handlers of commands, and the table that routes them.

Each handler takes ``(command, actor, unit_of_work)``: it asks the permission
table (:func:`riskpool.domain.permissions.authorize`) before it reads
anything, loads through the unit of work's repositories, calls the model,
saves, and tells the ledger what to post. It never opens, commits or retries a
transaction; the :class:`~riskpool.domain.handlers.bus.MessageBus` does, one
unit of work per command. :data:`riskpool.domain.handlers.routes.ROUTES` is the one
list of what can be asked.
"""
