"""riskpool.domain — the fund's model and its use cases, in four subpackages.

* :mod:`~riskpool.domain.model` — the pure model (policies, parties, loans,
  claims, pool rules, innovation points): no SQLAlchemy, no strawberry, no ledger;
* :mod:`~riskpool.domain.commands` and :mod:`~riskpool.domain.handlers` — the
  use cases: frozen commands, handlers of (command, actor, unit of work), the bus;
* :mod:`~riskpool.domain.persistence` — tables, repositories, the unit of work;
* :mod:`~riskpool.domain.views` — the reads (principal, connection, scope).

:mod:`~riskpool.domain.permissions` is the one table of role × operation that
handlers and views both ask.
"""
