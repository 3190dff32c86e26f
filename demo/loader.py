"""Loading the demo: the plan sent to the composition root's bus, one command at a time.

Every command carries a fixed idempotency key (``demo:…``), so a second load
replays every command from its record and writes nothing, and a load that was
interrupted completes where it stopped. The loader never reads the database
itself: what it needs later (ids, the seed claims' paid amounts, each loan's
final state) comes back as the commands' results, replays included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from moneyed import Money

from riskpool.bootstrap import App
from riskpool.demo.plan import (
    AUDITOR,
    BY_ROLE,
    CITY,
    FIGURES_AS_OF,
    FINANCE,
    INNOVATION_YEAR,
    INSTITUTIONS,
    OPERATOR,
    SCIENCE,
    TRANSFER_DATE,
    WARNINGS_AS_OF,
    ClaimPlan,
    LoanPlan,
    Move,
    Plan,
    demo_plan,
    indicator_values,
)
from riskpool.domain.commands import Command
from riskpool.domain.commands import claims as cc
from riskpool.domain.commands import funds as fc
from riskpool.domain.commands import innovation as ic
from riskpool.domain.commands import loans as lc
from riskpool.domain.commands import parties as pc
from riskpool.domain.commands.guarantees import AcceptGuarantee
from riskpool.domain.model.chart import BookCode
from riskpool.domain.model.claim import Claim
from riskpool.domain.model.innovation.catalogue import Stage, Unit
from riskpool.domain.model.loan import Loan
from riskpool.domain.model.money import cny, money_sum
from riskpool.domain.model.parties import Actor, Role
from riskpool.ledger.model import JournalEntry

T = TypeVar("T")


HISTORY_STARTS = date(2018, 11, 1)
"""The day the demo's history begins: firms are registered as of it."""


def at(day: date) -> datetime:
    """10:00 Beijing time on ``day``, as an aware UTC timestamp."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


@dataclass(slots=True)
class Loaded:
    """What the load's commands returned: the demo's records as they now stand."""

    institution_ids: dict[str, int] = field(default_factory=dict)
    firm_ids: dict[int, int] = field(default_factory=dict)
    loans: dict[str, Loan] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    transfer: tuple[JournalEntry, ...] = ()


class Loader:
    """Sends the plan to the bus; see the module docstring."""

    def __init__(self, app: App, plan: Plan | None = None) -> None:
        self.app = app
        self.plan = plan or demo_plan()
        self.loaded = Loaded()

    async def send(self, command: Command[T], actor: Actor, on: date) -> T:
        """Import ``command`` as ``actor`` did it at 10:00 Beijing time on ``on``.

        Every demo record is history (2018–2025), so every one goes through the
        bus's one import path, as the operator, keeping its original date.
        """
        return await self.app.bus.import_history(command, actor, at=at(on), importer=OPERATOR)

    def bank(self, name: str) -> Actor:
        return Actor(Role.INSTITUTION, f"{name}经办人", self.loaded.institution_ids[name])

    async def run(self) -> Loaded:
        await self.app.set_up()
        await self._institutions()
        await self._firms()
        await self._tranches()
        for loan in self.plan.era1:
            await self._loan(loan)
        await self._fusion()
        await self._pool_income(1)
        await self._pool_income(2)
        await self._fee()
        for loan in self.plan.era2:
            await self._loan(loan)
        await self._pool_income(3)
        await self._innovation()
        await self._near_trigger()
        return self.loaded

    async def _institutions(self) -> None:
        for name, kind, since in INSTITUTIONS:
            command = pc.RegisterInstitution(
                name=name,
                kind=kind,
                cooperating_since=since,
                idempotency_key=f"demo:institution:{name}",
            )
            created = await self.send(command, OPERATOR, since)
            assert created.id is not None
            self.loaded.institution_ids[name] = created.id

    async def _firms(self) -> None:
        for i, firm in enumerate(self.plan.firms):
            command = pc.RegisterFirm(
                name=firm.name,
                uscc=firm.uscc,
                sector=firm.sector,
                annual_revenue=cny(firm.revenue),
                innovation_tier=firm.tier,
                idempotency_key=f"demo:firm:{firm.uscc}",
            )
            created = await self.send(command, OPERATOR, HISTORY_STARTS)
            assert created.id is not None
            self.loaded.firm_ids[i] = created.id

    async def _tranches(self) -> None:
        tranches = (
            (date(2018, 11, 30), 30_000_000),
            (date(2019, 6, 28), 30_000_000),
            (date(2020, 6, 30), 40_000_000),
        )
        for n, (on, amount) in enumerate(tranches, 1):
            command = fc.ReserveTranche(
                tranche_no=n,
                on=on,
                amount=cny(amount),
                idempotency_key=f"demo:fund:reserve-tranche-{n}",
            )
            await self.send(command, FINANCE, on)

    def _seed_claims(self) -> list[Claim]:
        return [c for contract, c in self.loaded.claims.items() if contract.startswith("ZKD1-")]

    async def _fusion(self) -> None:
        """Top the reserve back up, fund the pool, move the reserve in: 1.7亿."""
        paid: Money = money_sum(
            c.paid_amount for c in self._seed_claims() if c.paid_amount is not None
        )
        await self.send(
            fc.TopUp(
                book=BookCode.ZKD_RESERVE,
                on=date(2025, 1, 20),
                amount=paid,
                reference="DEMO-补足2024年7月风险补偿支出",
                idempotency_key="demo:fund:reserve-topup-2025",
            ),
            FINANCE,
            date(2025, 1, 20),
        )
        await self.send(
            fc.AllocateFunds(
                book=BookCode.CITY_POOL,
                on=date(2025, 2, 6),
                amount=cny(70_000_000),
                reference="DEMO-郑好融并入及新增财政拨款",
                idempotency_key="demo:fund:pool-allocation-2025",
            ),
            FINANCE,
            date(2025, 2, 6),
        )
        self.loaded.transfer = await self.send(
            fc.TransferReserveToPool(
                on=TRANSFER_DATE,
                amount=cny(100_000_000),
                idempotency_key="demo:fund:reserve-transfer",
            ),
            FINANCE,
            TRANSFER_DATE,
        )

    async def _pool_income(self, quarter: int) -> None:
        on, amount = {
            1: (date(2025, 3, 21), "211791.67"),
            2: (date(2025, 6, 21), "500233.54"),
            3: (date(2025, 9, 21), "495410.07"),
        }[quarter]
        command = fc.RecordInterest(
            book=BookCode.CITY_POOL,
            on=on,
            amount=cny(amount),
            period=f"2025Q{quarter}",
            idempotency_key=f"demo:fund:interest-2025Q{quarter}",
        )
        await self.send(command, OPERATOR, on)

    async def _fee(self) -> None:
        command = fc.ChargeManagementFee(
            book=BookCode.CITY_POOL,
            on=date(2025, 7, 15),
            amount=cny("600000.00"),
            period="2025H1",
            idempotency_key="demo:fund:fee-2025H1",
        )
        await self.send(command, OPERATOR, date(2025, 7, 15))

    async def _loan(self, plan: LoanPlan) -> None:
        lender = self.bank(plan.lender)
        key = f"demo:{plan.contract_no}"
        ids = self.loaded.institution_ids
        loan = await self.send(
            lc.GrantLoan(
                contract_no=plan.contract_no,
                lender_id=ids[plan.lender],
                firm_id=self.loaded.firm_ids[plan.firm],
                loan_type=plan.loan_type,
                credit_line=cny(plan.credit),
                granted_on=plan.granted_on,
                maturity=plan.maturity,
                guarantor_id=ids[plan.guarantor] if plan.guarantor is not None else None,
                idempotency_key=f"{key}:grant",
            ),
            lender,
            plan.granted_on,
        )
        assert loan.id is not None
        loan_id = loan.id
        if plan.guarantor is not None:  # the guarantor consents before pool entry (issue 15)
            guarantor = Actor(Role.INSTITUTION, f"{plan.guarantor}经办人", ids[plan.guarantor])
            accept = AcceptGuarantee(loan_id=loan_id, idempotency_key=f"{key}:accept")
            await self.send(accept, guarantor, plan.granted_on)
        self.loaded.loans[plan.contract_no] = await self.send(
            lc.EnterPool(loan_id=loan_id, idempotency_key=f"{key}:enter"),
            lender,
            plan.granted_on,
        )
        for n, move in enumerate(plan.pre, 1):
            await self._move(plan, loan_id, move, n)
        if plan.overdue_since is not None:
            command = lc.MarkOverdue(
                loan_id=loan_id, since=plan.overdue_since, idempotency_key=f"{key}:overdue"
            )
            self.loaded.loans[plan.contract_no] = await self.send(
                command, lender, plan.overdue_since
            )
        if plan.lawsuit_on is not None:
            lawsuit = lc.RecordLawsuit(
                loan_id=loan_id, filed_on=plan.lawsuit_on, idempotency_key=f"{key}:lawsuit"
            )
            self.loaded.loans[plan.contract_no] = await self.send(lawsuit, lender, plan.lawsuit_on)
        if plan.claim is not None:
            await self._claim(plan, loan_id, plan.claim)
        for n, move in enumerate(plan.post, len(plan.pre) + 1):
            await self._move(plan, loan_id, move, n)

    async def _move(self, plan: LoanPlan, loan_id: int, move: Move, n: int) -> None:
        key = f"demo:{plan.contract_no}:{move.kind}-{n}"
        amount = cny(move.amount)
        command: Command[Loan]
        actor = self.bank(plan.lender)
        if move.kind == "disburse":
            command = lc.DisburseLoan(
                loan_id=loan_id, on=move.on, amount=amount, idempotency_key=key
            )
        elif move.kind == "repay":
            command = lc.RepayLoan(loan_id=loan_id, on=move.on, amount=amount, idempotency_key=key)
        elif move.kind == "prepay":
            assert plan.guarantor is not None
            actor = self.bank(plan.guarantor)
            command = lc.RecordPrepayment(
                loan_id=loan_id, on=move.on, amount=amount, idempotency_key=key
            )
        else:
            actor = self.bank(plan.guarantor or plan.lender)
            command = lc.RecordRecovery(
                loan_id=loan_id,
                on=move.on,
                amount=amount,
                reference=move.reference,
                idempotency_key=key,
            )
        self.loaded.loans[plan.contract_no] = await self.send(command, actor, move.on)

    async def _claim(self, plan: LoanPlan, loan_id: int, c: ClaimPlan) -> None:
        claimant = self.bank(plan.guarantor or plan.lender)
        prefix = f"demo:{plan.contract_no}:claim"
        claim = await self.send(
            cc.SubmitClaim(
                loan_id=loan_id,
                claimed_principal=cny(c.claimed),
                documents=f"DEMO-补偿申请材料-{c.ref}",
                idempotency_key=f"{prefix}:submit",
            ),
            claimant,
            c.submitted,
        )
        assert claim.id is not None
        claim_id, year, no = claim.id, c.submitted.year, c.ref[-3:]
        steps: list[tuple[Actor, Command[Claim], date]] = []

        def key(action: str) -> str:
            return f"{prefix}:{action}"

        if c.commissioned:
            steps.append(
                (
                    OPERATOR,
                    cc.CommissionAudit(
                        claim_id=claim_id, idempotency_key=key("commission_audit"),
                    ),
                    c.commissioned,
                )
            )  # fmt: skip
        if c.audited:
            assert c.audited_loss is not None
            steps.append(
                (
                    AUDITOR,
                    cc.RecordAudit(
                        claim_id=claim_id, audit_report_ref=f"DEMO-审计报告-{c.ref}",
                        audited_principal_loss=cny(c.audited_loss),
                        idempotency_key=key("record_audit"),
                    ),
                    c.audited,
                )
            )  # fmt: skip
        if c.reviewed:
            steps.append(
                (
                    SCIENCE,
                    cc.ReviewClaim(
                        claim_id=claim_id,
                        review_opinion="经审核，贷款合规、损失属实，同意按政策比例补偿",
                        finance_concurrence_reference=f"DEMO-郑财金〔{year}〕{no}号",
                        finance_concurrence_by=FINANCE.subject,
                        idempotency_key=key("review"),
                    ),
                    c.reviewed,
                )
            )  # fmt: skip
        if c.approved:
            steps.append(
                (
                    CITY,
                    cc.ApproveClaim(
                        claim_id=claim_id, approval_document_no=f"DEMO-郑政文〔{year}〕{no}号",
                        idempotency_key=key("approve"),
                    ),
                    c.approved,
                )
            )  # fmt: skip
        if c.paid:
            steps.append(
                (
                    OPERATOR,
                    cc.PayClaim(
                        claim_id=claim_id, payment_reference=f"DEMO-PAY-{c.ref}",
                        idempotency_key=key("pay"),
                    ),
                    c.paid,
                )
            )  # fmt: skip
        if c.rejected:
            on, role, reason = c.rejected
            steps.append(
                (
                    BY_ROLE[role],
                    cc.RejectClaim(claim_id=claim_id, reason=reason, idempotency_key=key("reject")),
                    on,
                )
            )
        if c.withdrawn:
            on, reason = c.withdrawn
            steps.append(
                (
                    claimant,
                    cc.WithdrawClaim(
                        claim_id=claim_id, idempotency_key=key("withdraw"), reason=reason,
                    ),
                    on,
                )
            )  # fmt: skip
        for actor, step, on in steps:
            claim = await self.send(step, actor, on)
        self.loaded.claims[plan.contract_no] = claim

    # -- innovation points and warnings (appended; see the plan's docstring) -------------

    async def _innovation(self) -> None:
        """A local indicator, 2024 values for every firm, one scoring run."""
        await self.send(
            ic.DefineLocalIndicator(
                code="L_TAX_PAID",
                name="纳税总额（郑州高新区）",
                unit=Unit.YUAN,
                minimum=Decimal(0),
                maximum=Decimal("1000000000000.00"),
                weights={stage: Decimal(3) for stage in Stage},
                description="DEMO: 当年实际缴纳税费总额（元）",
                idempotency_key="demo:innovation:L_TAX_PAID",
            ),
            OPERATOR,
            date(2025, 1, 10),
        )
        for i, (stage, values) in enumerate(indicator_values(self.plan.firms)):
            firm = self.plan.firms[i]
            await self.send(
                ic.SubmitIndicators(
                    firm_id=self.loaded.firm_ids[i],
                    year=INNOVATION_YEAR,
                    stage=stage,
                    values=values,
                    source="DEMO-指数平台",
                    idempotency_key=f"demo:innovation:{INNOVATION_YEAR}:{firm.uscc}",
                ),
                OPERATOR,
                date(2025, 1, 15),
            )
        await self.send(
            ic.RunScoring(
                year=INNOVATION_YEAR,
                idempotency_key=f"demo:innovation:{INNOVATION_YEAR}:scoring",
            ),
            OPERATOR,
            date(2025, 1, 20),
        )

    async def _near_trigger(self) -> None:
        """Mark one generic 2.0 loan overdue 40 days before :data:`WARNINGS_AS_OF`."""
        plan = next(
            p
            for p in self.plan.era2
            if p.overdue_since is None and p.claim is None and p.granted_on <= FIGURES_AS_OF
        )
        loan = self.loaded.loans[plan.contract_no]
        assert loan.id is not None
        command = lc.MarkOverdue(
            loan_id=loan.id,
            since=WARNINGS_AS_OF - timedelta(days=40),
            idempotency_key=f"demo:{plan.contract_no}:near-trigger-overdue",
        )
        self.loaded.loans[plan.contract_no] = await self.send(
            command, self.bank(plan.lender), WARNINGS_AS_OF - timedelta(days=40)
        )
