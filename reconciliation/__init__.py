"""riskpool.reconciliation — the pool's bank statements against the ledger.

Imports the ledger, never the domain or graphql; it never posts without an
explicit, recorded decision by a person.

One concept per module: ``model`` (the canonical statement), ``parsers``
(MT940, camt.053, OFX, Chinese bank CSV/XLSX), ``dedup`` (line identity),
``integrity`` (the proof before storing), ``matching`` (the rule waterfall),
``report`` (the 银行存款余额调节表) — all pure — then ``tables``, ``store`` and
``records`` (persistence), ``service`` (the use cases: import, run, confirm,
reject, report) and ``demo`` (statements generated from the demo ledger).
See docs/reconciliation.md.
"""
