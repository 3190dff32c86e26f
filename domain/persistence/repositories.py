"""Repositories: rebuild domain objects from rows, write back what changed.

Each repository keeps, per object it loaded or added, how much of its
append-only history is already stored; ``save`` inserts only the tail and
updates the few mutable columns. Each also records in ``written`` the tables
it wrote, which the unit of work reads at commit (the statistics cache's
data version moves exactly when a domain table changed). ``get(..., lock=True)`` takes a row lock
(``FOR UPDATE`` on PostgreSQL; SQLite's write transaction is exclusive), so
two concurrent use cases on one loan or claim run one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from moneyed import Money
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.claim import (
    Claim,
    ClaimAction,
    ClaimEvent,
    ClaimState,
    Concurrence,
    Evidence,
)
from riskpool.domain.model.loan import (
    Disbursement,
    GuarantorPrepayment,
    Loan,
    PoolEntry,
    Repayment,
    RepaymentKind,
)
from riskpool.domain.model.parties import (
    Actor,
    CooperationStatus,
    Firm,
    Institution,
    InstitutionKind,
    Role,
    StatusChange,
)
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.model.policy import LoanType
from riskpool.domain.persistence.tables import (
    claim_events,
    claims,
    firms,
    institution_status_changes,
    institutions,
    loan_movements,
    loans,
)
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.money import from_minor, to_minor

CNY = "CNY"


def fen(amount: Money) -> int:
    return to_minor(amount)


def money(units: int | None) -> Money | None:
    return None if units is None else from_minor(int(units), CNY)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _actor_columns(actor: Actor | None) -> dict[str, Any]:
    if actor is None:
        return {"actor_role": None, "actor_subject": None, "actor_institution_id": None}
    return {
        "actor_role": actor.role.value,
        "actor_subject": actor.subject,
        "actor_institution_id": actor.institution_id,
    }


def _actor(row: Any) -> Actor | None:
    if row.actor_role is None:
        return None
    return Actor(Role(row.actor_role), row.actor_subject, row.actor_institution_id)


def _not_found(what: str, ident: object) -> RiskpoolError:
    return RiskpoolError(ErrorCode.NOT_FOUND, f"no {what} #{ident}", field="id")


# -- institutions ---------------------------------------------------------------


class InstitutionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.written: set[str] = set()
        self._stored: dict[int, int] = {}

    async def add(self, institution: Institution) -> Institution:
        exists = await self.conn.execute(
            select(institutions.c.id).where(institutions.c.name == institution.name)
        )
        if exists.first() is not None:
            raise RiskpoolError(
                ErrorCode.DUPLICATE, f"institution {institution.name} exists", field="name"
            )
        result = await self.conn.execute(
            insert(institutions)
            .values(
                name=institution.name,
                kind=institution.kind.value,
                cooperating_since=institution.cooperating_since,
            )
            .returning(institutions.c.id)
        )
        institution.id = int(result.scalar_one())
        self.written.add(institutions.name)
        self._stored[institution.id] = 0
        await self.save(institution)
        return institution

    async def get(self, institution_id: int, *, lock: bool = False) -> Institution:
        found = await self.get_many([institution_id], lock=lock)
        if institution_id not in found:
            raise _not_found("institution", institution_id)
        return found[institution_id]

    async def get_many(self, ids: Iterable[int], *, lock: bool = False) -> dict[int, Institution]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = (
            select(institutions).where(institutions.c.id.in_(wanted)).order_by(institutions.c.id)
        )
        if lock:
            query = query.with_for_update()
        rows = (await self.conn.execute(query)).all()
        history = (
            await self.conn.execute(
                select(institution_status_changes)
                .where(institution_status_changes.c.institution_id.in_(wanted))
                .order_by(
                    institution_status_changes.c.institution_id, institution_status_changes.c.seq
                )
            )
        ).all()
        changes: dict[int, list[StatusChange]] = {row.id: [] for row in rows}
        for change in history:
            changes[change.institution_id].append(
                StatusChange(
                    status=CooperationStatus(change.status),
                    on=change.on_date,
                    reason=change.reason,
                    by=_actor(change),
                )
            )
        result: dict[int, Institution] = {}
        for row in rows:
            result[row.id] = Institution(
                id=row.id,
                name=row.name,
                kind=InstitutionKind(row.kind),
                cooperating_since=row.cooperating_since,
                history=tuple(changes[row.id]),
            )
            self._stored[row.id] = len(changes[row.id])
        return result

    async def save(self, institution: Institution) -> None:
        assert institution.id is not None
        stored = self._stored.get(institution.id, 0)
        new = institution.history[stored:]
        if new:
            await self.conn.execute(
                insert(institution_status_changes),
                [
                    {
                        "institution_id": institution.id,
                        "seq": stored + offset + 1,
                        "status": change.status.value,
                        "on_date": change.on,
                        "reason": change.reason,
                        **_actor_columns(change.by),
                    }
                    for offset, change in enumerate(new)
                ],
            )
            self.written.add(institution_status_changes.name)
        self._stored[institution.id] = len(institution.history)


# -- firms -----------------------------------------------------------------------


class FirmRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.written: set[str] = set()

    async def add(self, firm: Firm) -> Firm:
        exists = await self.conn.execute(select(firms.c.id).where(firms.c.uscc == firm.uscc))
        if exists.first() is not None:
            raise RiskpoolError(ErrorCode.DUPLICATE, f"firm {firm.uscc} exists", field="uscc")
        result = await self.conn.execute(
            insert(firms)
            .values(
                name=firm.name,
                uscc=firm.uscc,
                sector=firm.sector,
                annual_revenue=fen(firm.annual_revenue),
                innovation_tier=firm.innovation_tier,
            )
            .returning(firms.c.id)
        )
        self.written.add(firms.name)
        return Firm(
            name=firm.name,
            uscc=firm.uscc,
            sector=firm.sector,
            annual_revenue=firm.annual_revenue,
            innovation_tier=firm.innovation_tier,
            id=int(result.scalar_one()),
        )

    async def get(self, firm_id: int) -> Firm:
        found = await self.get_many([firm_id])
        if firm_id not in found:
            raise _not_found("firm", firm_id)
        return found[firm_id]

    async def get_many(self, ids: Iterable[int]) -> dict[int, Firm]:
        rows = await self.conn.execute(select(firms).where(firms.c.id.in_(sorted(set(ids)))))
        return {
            row.id: Firm(
                name=row.name,
                uscc=row.uscc,
                sector=row.sector,
                annual_revenue=from_minor(row.annual_revenue, CNY),
                innovation_tier=row.innovation_tier,
                id=row.id,
            )
            for row in rows
        }


# -- loans -----------------------------------------------------------------------


class LoanRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.written: set[str] = set()
        self._stored: dict[int, tuple[int, int, int]] = {}

    async def add(self, loan: Loan) -> Loan:
        exists = await self.conn.execute(
            select(loans.c.id).where(loans.c.contract_no == loan.contract_no)
        )
        if exists.first() is not None:
            raise RiskpoolError(
                ErrorCode.DUPLICATE, f"loan contract {loan.contract_no} exists", field="contractNo"
            )
        result = await self.conn.execute(
            insert(loans).values(**self._columns(loan)).returning(loans.c.id)
        )
        loan.id = int(result.scalar_one())
        self.written.add(loans.name)
        self._stored[loan.id] = (0, 0, 0)
        await self.save(loan)
        return loan

    @staticmethod
    def _columns(loan: Loan) -> dict[str, Any]:
        return {
            "contract_no": loan.contract_no,
            "lender_id": loan.lender_id,
            "guarantor_id": loan.guarantor_id,
            "firm_id": loan.firm_id,
            "loan_type": loan.loan_type.value,
            "credit_line": fen(loan.credit_line),
            "granted_on": loan.granted_on,
            "maturity": loan.maturity,
            "overdue_since": loan.overdue_since,
            "lawsuit_filed_on": loan.lawsuit_filed_on,
            "pool_entry_on": loan.pool_entry.on if loan.pool_entry else None,
            "policy_code": loan.pool_entry.policy_code if loan.pool_entry else None,
            "pool_entry_tier": loan.pool_entry.innovation_tier if loan.pool_entry else None,
        }

    async def get(self, loan_id: int, *, lock: bool = False) -> Loan:
        found = await self.get_many([loan_id], lock=lock)
        if loan_id not in found:
            raise _not_found("loan", loan_id)
        return found[loan_id]

    async def for_firm(self, firm_id: int) -> list[Loan]:
        ids = await self.conn.execute(select(loans.c.id).where(loans.c.firm_id == firm_id))
        return list((await self.get_many([row.id for row in ids])).values())

    async def for_institution(self, institution_id: int) -> list[Loan]:
        ids = await self.conn.execute(
            select(loans.c.id).where(
                (loans.c.lender_id == institution_id) | (loans.c.guarantor_id == institution_id)
            )
        )
        return list((await self.get_many([row.id for row in ids])).values())

    async def lends_to(self, institution_id: int, firm_id: int) -> bool:
        """Whether the institution lends to or guarantees a loan of the firm."""
        found = await self.conn.execute(
            select(loans.c.id)
            .where(
                loans.c.firm_id == firm_id,
                (loans.c.lender_id == institution_id) | (loans.c.guarantor_id == institution_id),
            )
            .limit(1)
        )
        return found.first() is not None

    async def get_many(self, ids: Sequence[int], *, lock: bool = False) -> dict[int, Loan]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = select(loans).where(loans.c.id.in_(wanted)).order_by(loans.c.id)
        if lock:
            query = query.with_for_update()
        rows = (await self.conn.execute(query)).all()
        movements = (
            await self.conn.execute(
                select(loan_movements)
                .where(loan_movements.c.loan_id.in_(wanted))
                .order_by(loan_movements.c.id)
            )
        ).all()
        history: dict[int, tuple[list[Disbursement], list[Repayment], list[GuarantorPrepayment]]]
        history = {row.id: ([], [], []) for row in rows}
        for m in movements:
            amount = from_minor(m.amount, CNY)
            bucket = history[m.loan_id]
            if m.kind == "DISBURSEMENT":
                bucket[0].append(Disbursement(m.on_date, amount))
            elif m.kind == "REPAYMENT":
                bucket[1].append(Repayment(m.on_date, amount, RepaymentKind(m.repayment_kind)))
            else:
                bucket[2].append(GuarantorPrepayment(m.on_date, amount, int(m.guarantor_id)))
        result: dict[int, Loan] = {}
        for row in rows:
            d, r, p = history[row.id]
            result[row.id] = Loan(
                id=row.id,
                contract_no=row.contract_no,
                lender_id=row.lender_id,
                guarantor_id=row.guarantor_id,
                firm_id=row.firm_id,
                loan_type=LoanType(row.loan_type),
                credit_line=from_minor(row.credit_line, CNY),
                granted_on=row.granted_on,
                maturity=row.maturity,
                disbursements=tuple(d),
                repayments=tuple(r),
                prepayments=tuple(p),
                overdue_since=row.overdue_since,
                lawsuit_filed_on=row.lawsuit_filed_on,
                pool_entry=(
                    PoolEntry(row.pool_entry_on, row.policy_code, row.pool_entry_tier)
                    if row.pool_entry_on is not None
                    else None
                ),
            )
            self._stored[row.id] = (len(d), len(r), len(p))
        return result

    async def save(self, loan: Loan) -> None:
        assert loan.id is not None
        columns = self._columns(loan)
        await self.conn.execute(update(loans).where(loans.c.id == loan.id).values(**columns))
        self.written.add(loans.name)
        nd, nr, np_ = self._stored.get(loan.id, (0, 0, 0))
        rows: list[dict[str, Any]] = []
        for d in loan.disbursements[nd:]:
            rows.append(self._movement(loan.id, "DISBURSEMENT", d.on, d.amount))
        for r in loan.repayments[nr:]:
            rows.append(
                self._movement(loan.id, "REPAYMENT", r.on, r.amount, repayment_kind=r.kind.value)
            )
        for p in loan.prepayments[np_:]:
            rows.append(
                self._movement(loan.id, "PREPAYMENT", p.on, p.amount, guarantor_id=p.guarantor_id)
            )
        if rows:
            await self.conn.execute(insert(loan_movements), rows)
            self.written.add(loan_movements.name)
        self._stored[loan.id] = (
            len(loan.disbursements),
            len(loan.repayments),
            len(loan.prepayments),
        )

    @staticmethod
    def _movement(loan_id: int, kind: str, on: Any, amount: Money, **extra: Any) -> dict[str, Any]:
        return {
            "loan_id": loan_id,
            "kind": kind,
            "on_date": on,
            "amount": fen(amount),
            "repayment_kind": extra.get("repayment_kind"),
            "guarantor_id": extra.get("guarantor_id"),
        }


# -- claims ----------------------------------------------------------------------


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in sorted(evidence.provided()):
        value = getattr(evidence, name)
        if isinstance(value, Money):
            data[name] = {"amount": str(value.amount), "currency": value.currency.code}
        elif isinstance(value, Concurrence):
            data[name] = {
                "reference": value.reference,
                "role": value.actor.role.value,
                "subject": value.actor.subject,
            }
        else:
            data[name] = value
    return data


def _evidence(data: dict[str, Any]) -> Evidence:
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "audited_principal_loss":
            values[name] = Money(value["amount"], value["currency"])
        elif name == "finance_concurrence":
            values[name] = Concurrence(
                Actor(Role(value["role"]), value["subject"]), value["reference"]
            )
        else:
            values[name] = value
    return Evidence(**values)


class ClaimRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.written: set[str] = set()
        self._stored: dict[int, int] = {}

    async def add(self, claim: Claim) -> Claim:
        result = await self.conn.execute(
            insert(claims).values(**self._columns(claim)).returning(claims.c.id)
        )
        claim.id = int(result.scalar_one())
        self.written.add(claims.name)
        self._stored[claim.id] = 0
        await self.save(claim)
        return claim

    @staticmethod
    def _columns(claim: Claim) -> dict[str, Any]:
        loss, comp, paid = claim.audited_principal_loss, claim.compensation, claim.paid_amount
        return {
            "loan_id": claim.loan_id,
            "claimant_id": claim.claimant_id,
            "loan_type": claim.loan_type.value,
            "policy_code": claim.policy.code,
            "claimed_principal": fen(claim.claimed_principal),
            "state": claim.state.value,
            "audited_loss": fen(loss) if loss is not None else None,
            "compensation": fen(comp) if comp is not None else None,
            "paid_amount": fen(paid) if paid is not None else None,
            "submitted_at": claim.submitted_at.astimezone(UTC),
            "updated_at": claim.trail[-1].at.astimezone(UTC),
            "innovation_tier": claim.innovation_tier,
        }

    async def get(self, claim_id: int, *, lock: bool = False) -> Claim:
        found = await self.get_many([claim_id], lock=lock)
        if claim_id not in found:
            raise _not_found("claim", claim_id)
        return found[claim_id]

    async def for_loan(self, loan_id: int) -> list[Claim]:
        ids = await self.conn.execute(
            select(claims.c.id).where(claims.c.loan_id == loan_id).order_by(claims.c.id)
        )
        found = await self.get_many([row.id for row in ids])
        return [found[i] for i in sorted(found)]

    async def for_loans(self, loan_ids: Iterable[int]) -> list[Claim]:
        ids = await self.conn.execute(
            select(claims.c.id).where(claims.c.loan_id.in_(sorted(set(loan_ids))))
        )
        found = await self.get_many([row.id for row in ids])
        return [found[i] for i in sorted(found)]

    async def get_many(self, ids: Sequence[int], *, lock: bool = False) -> dict[int, Claim]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = select(claims).where(claims.c.id.in_(wanted)).order_by(claims.c.id)
        if lock:
            query = query.with_for_update()
        rows = (await self.conn.execute(query)).all()
        events = (
            await self.conn.execute(
                select(claim_events)
                .where(claim_events.c.claim_id.in_(wanted))
                .order_by(claim_events.c.claim_id, claim_events.c.seq)
            )
        ).all()
        trails: dict[int, list[ClaimEvent]] = {row.id: [] for row in rows}
        for e in events:
            actor = _actor(e)
            assert actor is not None
            trails[e.claim_id].append(
                ClaimEvent(
                    seq=e.seq,
                    action=ClaimAction(e.action),
                    source=ClaimState(e.source) if e.source else None,
                    target=ClaimState(e.target),
                    actor=actor,
                    at=_utc(e.at),
                    evidence=_evidence(e.evidence),
                    reason=e.reason,
                    amount=money(e.amount),
                )
            )
        result: dict[int, Claim] = {}
        for row in rows:
            result[row.id] = Claim(
                id=row.id,
                loan_id=row.loan_id,
                claimant_id=row.claimant_id,
                loan_type=LoanType(row.loan_type),
                policy=SHIPPED_POLICIES.by_code(row.policy_code),
                claimed_principal=from_minor(row.claimed_principal, CNY),
                trail=trails[row.id],
                innovation_tier=row.innovation_tier,
            )
            self._stored[row.id] = len(trails[row.id])
        return result

    async def save(self, claim: Claim) -> None:
        assert claim.id is not None
        await self.conn.execute(
            update(claims).where(claims.c.id == claim.id).values(**self._columns(claim))
        )
        self.written.add(claims.name)
        stored = self._stored.get(claim.id, 0)
        new = claim.trail[stored:]
        if new:
            await self.conn.execute(
                insert(claim_events),
                [
                    {
                        "claim_id": claim.id,
                        "seq": e.seq,
                        "action": e.action.value,
                        "source": e.source.value if e.source else None,
                        "target": e.target.value,
                        **_actor_columns(e.actor),
                        "at": e.at.astimezone(UTC),
                        "evidence": evidence_json(e.evidence),
                        "reason": e.reason,
                        "amount": fen(e.amount) if e.amount is not None else None,
                    }
                    for e in new
                ],
            )
            self.written.add(claim_events.name)
        self._stored[claim.id] = len(claim.trail)
