"""The reconciliation area of the API: statement upload, runs, proposals, decisions, report."""
