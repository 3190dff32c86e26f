"""riskpool.export — the books as beancount files, for auditors.

Reads the ledger (never the domain's tables) and writes beancount's own data
types through beancount's printer, so the result is checked by the same
loader that ``bean-check`` and Fava use.
"""
