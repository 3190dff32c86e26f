"""Persistence of the domain: tables, repositories and the unit of work.

This is the edge of the domain: the model modules in ``riskpool.domain``
import none of it. Repositories rebuild model objects from rows (the model
re-checks its invariants while rehydrating) and write back what changed;
histories (loan movements, claim events, status changes) are append-only.
Amounts are CNY, stored as BIGINT fen.
"""
