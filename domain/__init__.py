"""riskpool.domain — the fund's pure model: policies, parties, loans, claims and pool rules.

Pure Python on purpose (no SQLAlchemy, no strawberry, no ledger import): the
rules of the scheme are the part auditors and the city argue about, so they
must run and be tested without a database. Money movements leave this package
only as :class:`riskpool.domain.flows.MovementPlan` values that the service
layer hands to the ledger.
"""
