"""The guarantor's acceptance of a loan it is named on (issue 15).

Until the named guarantor accepts, ``enterPool`` refuses the loan with
``GUARANTEE_NOT_ACCEPTED``. The resolver only translates.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from riskpool.domain.commands.guarantees import AcceptGuarantee
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.mutations import attempt
from riskpool.graphql.loans.mutations import LoanPayload
from riskpool.graphql.loans.types import LoanNode


@strawberry.type
class GuaranteeMutation:
    @strawberry.mutation(
        description="The named guarantor (its own user): accept to guarantee a loan, so that "
        "it may enter the pool. Accepting again changes nothing."
    )
    async def accept_guarantee(
        self, info: Info[Context, None], loan_id: int, idempotency_key: str | None = None
    ) -> LoanPayload:
        context = info.context
        actor = context.actor()
        command = AcceptGuarantee(loan_id=loan_id, idempotency_key=idempotency_key)
        result, errors = await attempt(lambda: context.app.handle(command, actor))
        return LoanPayload(loan=LoanNode.of(result) if result else None, user_errors=errors)
