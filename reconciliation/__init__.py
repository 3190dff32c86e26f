"""riskpool.reconciliation — the pool's bank statements against the ledger.

Imports the ledger, never the domain or graphql; it never posts without an
explicit, recorded decision by a person.
"""
