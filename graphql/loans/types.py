"""GraphQL types of loans: the loan, its movements, its pool entry; relations via loaders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from riskpool.domain.model import loan as model
from riskpool.domain.model.policy import LoanType as DomainLoanType
from riskpool.domain.views import loans as loan_views
from riskpool.graphql.core import loaders
from riskpool.graphql.core.context import Context
from riskpool.graphql.core.scalars import MoneyType
from riskpool.graphql.parties.types import FirmType, InstitutionType, _int

if TYPE_CHECKING:
    from riskpool.graphql.claims.types import ClaimNode

LoanType = strawberry.enum(DomainLoanType, name="LoanType")
LoanStatus = strawberry.enum(loan_views.LoanStatus, name="LoanStatus")
LoanSort = strawberry.enum(loan_views.LoanSort, name="LoanSort")
RepaymentKind = strawberry.enum(model.RepaymentKind, name="RepaymentKind")


@strawberry.type
class Disbursement:
    on: date
    amount: MoneyType


@strawberry.type
class Repayment:
    on: date
    amount: MoneyType
    kind: RepaymentKind  # type: ignore[valid-type]


@strawberry.type
class GuarantorPrepayment:
    on: date
    amount: MoneyType
    guarantor_id: int


@strawberry.type
class PoolEntry:
    on: date
    policy_code: str


@strawberry.type(name="Loan", description="A tech loan: credit line, movements, pool entry.")
class LoanNode(relay.Node):
    loan_id: relay.NodeID[int]
    contract_no: str
    loan_type: LoanType  # type: ignore[valid-type]
    credit_line: MoneyType
    granted_on: date
    maturity: date
    disbursed: MoneyType
    repaid: MoneyType
    recovered: MoneyType
    outstanding: MoneyType
    prepaid: MoneyType
    overdue_since: date | None
    lawsuit_filed_on: date | None
    pool_entry: PoolEntry | None
    disbursements: list[Disbursement]
    repayments: list[Repayment]
    prepayments: list[GuarantorPrepayment]
    lender_id: strawberry.Private[int]
    guarantor_id: strawberry.Private[int | None]
    firm_id: strawberry.Private[int]

    @strawberry.field(description="The integer id that mutations take (e.g. claimId).")
    def database_id(self) -> int:
        return self.loan_id

    @classmethod
    def of(cls, loan: model.Loan) -> LoanNode:
        assert loan.id is not None
        return cls(
            loan_id=loan.id,
            contract_no=loan.contract_no,
            loan_type=loan.loan_type,
            credit_line=MoneyType.of(loan.credit_line),
            granted_on=loan.granted_on,
            maturity=loan.maturity,
            disbursed=MoneyType.of(loan.disbursed()),
            repaid=MoneyType.of(loan.repaid()),
            recovered=MoneyType.of(loan.recovered()),
            outstanding=MoneyType.of(loan.outstanding()),
            prepaid=MoneyType.of(loan.prepaid()),
            overdue_since=loan.overdue_since,
            lawsuit_filed_on=loan.lawsuit_filed_on,
            pool_entry=(
                PoolEntry(on=loan.pool_entry.on, policy_code=loan.pool_entry.policy_code)
                if loan.pool_entry
                else None
            ),
            disbursements=[
                Disbursement(on=d.on, amount=MoneyType.of(d.amount)) for d in loan.disbursements
            ],
            repayments=[
                Repayment(on=r.on, amount=MoneyType.of(r.amount), kind=r.kind)
                for r in loan.repayments
            ],
            prepayments=[
                GuarantorPrepayment(
                    on=p.on, amount=MoneyType.of(p.amount), guarantor_id=p.guarantor_id
                )
                for p in loan.prepayments
            ],
            lender_id=loan.lender_id,
            guarantor_id=loan.guarantor_id,
            firm_id=loan.firm_id,
        )

    @strawberry.field
    async def lender(self, info: Info[Context, None]) -> InstitutionType | None:
        found = await loaders.institutions(info.context).load(self.lender_id)
        return InstitutionType.of(found) if found else None

    @strawberry.field
    async def guarantor(self, info: Info[Context, None]) -> InstitutionType | None:
        if self.guarantor_id is None:
            return None
        found = await loaders.institutions(info.context).load(self.guarantor_id)
        return InstitutionType.of(found) if found else None

    @strawberry.field
    async def firm(self, info: Info[Context, None]) -> FirmType | None:
        found = await loaders.firms(info.context).load(self.firm_id)
        return FirmType.of(found) if found else None

    @strawberry.field
    async def claims(
        self, info: Info[Context, None]
    ) -> list[Annotated[ClaimNode, strawberry.lazy("riskpool.graphql.claims.types")]]:
        from riskpool.graphql.claims.types import ClaimNode

        ids = await loaders.claim_ids_by_loan(info.context).load(self.loan_id)
        found = await loaders.claims(info.context).load_many(ids)
        return [ClaimNode.of(c) for c in found if c is not None]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[LoanNode | None]:
        found = await loaders.loans(info.context).load_many([_int(n) for n in node_ids])
        return [cls.of(loan) if loan is not None else None for loan in found]
