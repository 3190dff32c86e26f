"""riskpool — the back end of a municipal tech-loan risk-sharing fund.

The repository root *is* the import package ``riskpool`` (see pyproject's
``package-dir``). Components: :mod:`riskpool.ledger` (double-entry core),
:mod:`riskpool.domain` (the fund's model and use cases),
:mod:`riskpool.reconciliation` (bank statements against the ledger) and
``riskpool.graphql`` (the API; a namespace package so that it never shadows
graphql-core).
"""

__version__ = "0.1.0"
