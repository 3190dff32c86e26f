"""Who may read the ledger through the API.

Decision: the books are the fund's, not an institution's; an institution user
sees its own loans and claims (and their payouts) in those areas, never the
pool's journal. Every other role, the read-only viewer included, may read it.
"""

from __future__ import annotations

from riskpool.domain.parties import Role

LEDGER_READERS = (
    Role.OPERATOR,
    Role.AUDITOR,
    Role.SCIENCE_BUREAU,
    Role.FINANCE_BUREAU,
    Role.CITY_GOVERNMENT,
    Role.VIEWER,
)
