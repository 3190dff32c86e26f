"""The acting reconciler, for the reconciliation mutations.

Who may reconcile is the permission table's (``Operation.RECONCILE``: finance
staff are operator users); this only asks it and names the person, whom the
reconciliation service records on every decision (its four-eyes rule then
needs two different operator users). Reads ask the table in their views.
"""

from __future__ import annotations

from riskpool.domain.permissions import Operation, authorize
from riskpool.graphql.core.context import Context


def reconciler(context: Context) -> str:
    """The acting operator's subject; a refusal (``FORBIDDEN``) for any other role.

    Raised as a :class:`~riskpool.errors.RiskpoolError` so a mutation returns it
    in ``userErrors``.
    """
    actor = context.actor()
    authorize(actor, Operation.RECONCILE)
    return actor.subject
