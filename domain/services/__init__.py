"""Read services that predate the views (warnings, innovation scores, the catalogue).

Writes are commands handled by :mod:`riskpool.domain.handlers`; nothing here
changes data.
"""
