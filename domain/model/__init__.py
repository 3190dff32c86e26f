"""riskpool.domain.model — the fund's pure model: policies, parties, loans, claims, pool rules.

Pure Python on purpose (no SQLAlchemy, no strawberry, no ledger, no database;
the import contract ``pure-model`` in ``.importlinter`` checks it): the rules of
the scheme are the part auditors and the city argue about, so they run and are
tested without a database. Money movements leave the model only as
:class:`riskpool.domain.model.flows.MovementPlan` values, which the handlers
(:mod:`riskpool.domain.handlers`) hand to the ledger.
"""
