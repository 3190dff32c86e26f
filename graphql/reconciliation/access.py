"""Who may do what in reconciliation through the API.

Decision: finance staff are operator users, so importing statements, running
the matching and deciding proposals are the operator's (the four-eyes rule,
checked by the use case, then needs two different operator users). Everyone
who may read the pool's journal may read the reconciliation; institution
users never see the pool's bank account.
"""

from __future__ import annotations

from riskpool.domain.parties import Role
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.graphql.core.context import Context

RECONCILERS = (Role.OPERATOR,)
READERS = (
    Role.OPERATOR,
    Role.AUDITOR,
    Role.SCIENCE_BUREAU,
    Role.FINANCE_BUREAU,
    Role.CITY_GOVERNMENT,
    Role.VIEWER,
)


def reconciler(context: Context) -> str:
    """The acting operator's subject; a refusal (``FORBIDDEN``) for any other role.

    Raised as a :class:`RiskpoolError` so a mutation returns it in ``userErrors``.
    """
    principal = context.require()
    if principal.role not in RECONCILERS:
        raise RiskpoolError(
            ErrorCode.FORBIDDEN, f"role {principal.role.value.lower()} may not reconcile"
        )
    return principal.subject
