"""A loan to a technology firm, from credit grant to pool entry, overdue and prepayment.

Why the loan is the aggregate that guards money facts: every claim rule reads
it — outstanding principal caps what may be claimed, days overdue decide the
trigger, the guarantor's prepayments gate a guaranteed claim, and the pool
entry fixes which policy applies (新老划断). So its history is append-only
(disbursements, repayments, prepayments are frozen records) and is kept in
date order, which makes "outstanding on a date" a simple, unambiguous sum.

Invariants (each refused with a typed error):
  * a guaranteed loan has a guarantor, a bank-direct loan has none;
  * Σ disbursements ≤ credit line; a repayment ≤ outstanding principal;
  * Σ guarantor prepayments ≤ outstanding principal (the guarantor pays the
    bank for the borrower; the borrower's debt is unchanged, it now owes the guarantor);
  * money movements (disbursements, repayments, prepayments) are recorded in
    non-decreasing date order, none before the grant date;
  * a loan enters the pool at most once, under the policy in force that day.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from moneyed import Money

from riskpool.domain.model.dates import add_months
from riskpool.domain.model.money import money_sum, require_amount
from riskpool.domain.model.parties import Firm, Institution, InstitutionKind
from riskpool.domain.model.plausibility import require_plausible_date
from riskpool.domain.model.policy import LoanType, Policy
from riskpool.domain.model.text import MAX_CONTRACT_NO, optional_text
from riskpool.errors import ErrorCode, RiskpoolError


@dataclass(frozen=True, slots=True)
class Disbursement:
    """Money paid out to the firm under the credit line (放贷)."""

    on: date
    amount: Money


class RepaymentKind(enum.StrEnum):
    """``REGULAR``: the borrower repays; ``RECOVERY``: money recovered after default (追偿).

    Both reduce the borrower's principal; a recovery after compensation is
    also partly owed back to the pool (see ``compensation.recovery_return``).
    """

    REGULAR = "REGULAR"
    RECOVERY = "RECOVERY"


@dataclass(frozen=True, slots=True)
class Repayment:
    """Principal repaid (or recovered); interest is not the fund's business."""

    on: date
    amount: Money
    kind: RepaymentKind = RepaymentKind.REGULAR


@dataclass(frozen=True, slots=True)
class GuarantorPrepayment:
    """The guarantee company pays the bank on the borrower's behalf (代偿) before claiming."""

    on: date
    amount: Money
    guarantor_id: int


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """The loan's entry into the risk pool (入池) and the policy bound on that day.

    ``innovation_tier`` is the firm's innovation-points tier on that day, kept
    because a policy may raise the compensation ratio by tier: like the
    policy, the tier the pool accepted the risk on is the one that counts,
    whatever later scoring runs say.
    """

    on: date
    policy_code: str
    innovation_tier: int | None = None


class Loan:
    """A tech loan: credit line, disbursements, repayments, overdue status and pool entry.

    Build a new loan with :meth:`grant` (checks the parties' kinds); the
    constructor is for rehydration from storage and checks structure only.
    """

    def __init__(
        self,
        *,
        lender_id: int,
        firm_id: int,
        loan_type: LoanType,
        credit_line: Money,
        granted_on: date,
        maturity: date,
        guarantor_id: int | None = None,
        id: int | None = None,
        contract_no: str = "",
        disbursements: tuple[Disbursement, ...] = (),
        repayments: tuple[Repayment, ...] = (),
        prepayments: tuple[GuarantorPrepayment, ...] = (),
        overdue_since: date | None = None,
        lawsuit_filed_on: date | None = None,
        pool_entry: PoolEntry | None = None,
    ) -> None:
        loan_type = LoanType(loan_type)
        if loan_type is LoanType.GUARANTEED and guarantor_id is None:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "a guaranteed loan needs a guarantor", field="guarantor_id"
            )
        if loan_type is LoanType.BANK_DIRECT and guarantor_id is not None:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "a bank-direct loan has no guarantor", field="guarantor_id"
            )
        require_amount(credit_line, "credit_line")
        optional_text(contract_no, "contract_no", max_length=MAX_CONTRACT_NO)
        require_plausible_date(granted_on, "granted_on")
        if maturity <= granted_on:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "maturity must be after the grant date", field="maturity"
            )
        self.id = id
        self.contract_no = contract_no
        self.lender_id = lender_id
        self.guarantor_id = guarantor_id
        self.firm_id = firm_id
        self.loan_type = loan_type
        self.credit_line = credit_line
        self.granted_on = granted_on
        self.maturity = maturity
        self.overdue_since = overdue_since
        self.lawsuit_filed_on = lawsuit_filed_on
        self.pool_entry = pool_entry
        self._disbursements: list[Disbursement] = []
        self._repayments: list[Repayment] = []
        self._prepayments: list[GuarantorPrepayment] = []
        # Replay the history through the guards, in date order, so stored data obeys the
        # invariants. On the same day disbursements go first and repayments last, the most
        # lenient order: any history the commands accepted live is accepted here too.
        rank = {Disbursement: 0, GuarantorPrepayment: 1, Repayment: 2}
        history: list[Disbursement | GuarantorPrepayment | Repayment] = [
            *disbursements,
            *prepayments,
            *repayments,
        ]
        history.sort(key=lambda m: (m.on, rank[type(m)]))
        for movement in history:
            if isinstance(movement, Disbursement):
                self.disburse(movement.on, movement.amount)
            elif isinstance(movement, GuarantorPrepayment):
                self.record_prepayment(movement.on, movement.amount, movement.guarantor_id)
            else:
                self.repay(movement.on, movement.amount, movement.kind)

    @classmethod
    def grant(
        cls,
        *,
        lender: Institution,
        firm: Firm,
        loan_type: LoanType,
        credit_line: Money,
        granted_on: date,
        maturity: date,
        guarantor: Institution | None = None,
        contract_no: str = "",
    ) -> Loan:
        """A new loan (授信): the lender must be a bank, a guarantor a guarantee company."""
        if lender.kind is not InstitutionKind.BANK:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "the lender must be a bank", field="lender_id"
            )
        if guarantor is not None and guarantor.kind is not InstitutionKind.GUARANTOR:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "the guarantor must be a guarantee company",
                field="guarantor_id",
            )
        if lender.id is None or firm.id is None or (guarantor is not None and guarantor.id is None):
            raise RiskpoolError(ErrorCode.VALIDATION, "parties must be persisted (have ids) first")
        return cls(
            lender_id=lender.id,
            guarantor_id=guarantor.id if guarantor is not None else None,
            firm_id=firm.id,
            loan_type=loan_type,
            credit_line=credit_line,
            granted_on=granted_on,
            maturity=maturity,
            contract_no=contract_no,
        )

    def __repr__(self) -> str:
        return (
            f"Loan(id={self.id!r}, type={self.loan_type}, lender={self.lender_id}, "
            f"credit={self.credit_line}, outstanding={self.outstanding()})"
        )

    # -- derived figures ------------------------------------------------------

    @property
    def disbursements(self) -> tuple[Disbursement, ...]:
        return tuple(self._disbursements)

    @property
    def repayments(self) -> tuple[Repayment, ...]:
        return tuple(self._repayments)

    @property
    def prepayments(self) -> tuple[GuarantorPrepayment, ...]:
        return tuple(self._prepayments)

    @property
    def claimant_id(self) -> int:
        """The institution that bears the loss and files claims: bank or guarantee company."""
        if self.loan_type is LoanType.GUARANTEED:
            assert self.guarantor_id is not None  # constructor invariant
            return self.guarantor_id
        return self.lender_id

    @property
    def institution_ids(self) -> frozenset[int]:
        ids = {self.lender_id}
        if self.guarantor_id is not None:
            ids.add(self.guarantor_id)
        return frozenset(ids)

    def disbursed(self, on: date | None = None) -> Money:
        """Σ disbursements (up to and including ``on``, if given)."""
        return money_sum(d.amount for d in self._disbursements if on is None or d.on <= on)

    def repaid(self, on: date | None = None) -> Money:
        """Σ principal repayments and recoveries (up to and including ``on``, if given)."""
        return money_sum(r.amount for r in self._repayments if on is None or r.on <= on)

    def recovered(self, on: date | None = None) -> Money:
        """Σ recoveries (追偿) only."""
        return money_sum(
            r.amount
            for r in self._repayments
            if r.kind is RepaymentKind.RECOVERY and (on is None or r.on <= on)
        )

    def outstanding(self, on: date | None = None) -> Money:
        """Principal the borrower still owes (on ``on``, if given)."""
        result: Money = self.disbursed(on) - self.repaid(on)
        return result

    def prepaid(self, on: date | None = None) -> Money:
        """Σ guarantor prepayments to the bank (up to and including ``on``, if given)."""
        return money_sum(p.amount for p in self._prepayments if on is None or p.on <= on)

    def days_overdue(self, on: date) -> int:
        """Days the principal has been overdue on ``on``; 0 when current.

        Counted as ``on − overdue_since``: a loan overdue since 1 March is 1
        day overdue on 2 March and 61 days overdue on 1 May.
        """
        if self.overdue_since is None or on < self.overdue_since:
            return 0
        return (on - self.overdue_since).days

    @property
    def last_movement_on(self) -> date | None:
        """Date of the latest disbursement, repayment or prepayment; new ones may not predate it."""
        dates = [d.on for d in self._disbursements]
        dates += [r.on for r in self._repayments]
        dates += [p.on for p in self._prepayments]
        return max(dates) if dates else None

    # -- commands -------------------------------------------------------------

    def _require_in_order(self, on: date) -> None:
        if on < self.granted_on:
            raise RiskpoolError(
                ErrorCode.VALIDATION, f"{on} is before the grant date {self.granted_on}", field="on"
            )
        last = self.last_movement_on
        if last is not None and on < last:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"{on} is before the last recorded movement {last}",
                field="on",
            )

    def disburse(self, on: date, amount: Money) -> Disbursement:
        """Pay out under the credit line (放贷); the total may not exceed it."""
        require_amount(amount, "amount")
        self._require_in_order(on)
        if on > self.maturity:
            raise RiskpoolError(ErrorCode.VALIDATION, "disbursement after maturity", field="on")
        if self.disbursed() + amount > self.credit_line:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"disbursing {amount} would exceed the credit line {self.credit_line} "
                f"(already disbursed {self.disbursed()})",
                field="amount",
            )
        record = Disbursement(on=on, amount=amount)
        self._disbursements.append(record)
        return record

    def repay(
        self, on: date, amount: Money, kind: RepaymentKind = RepaymentKind.REGULAR
    ) -> Repayment:
        """Record principal repaid (or recovered); it may not exceed the outstanding principal."""
        require_amount(amount, "amount")
        self._require_in_order(on)
        if amount > self.outstanding():
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"repaying {amount} exceeds the outstanding principal {self.outstanding()}",
                field="amount",
            )
        record = Repayment(on=on, amount=amount, kind=RepaymentKind(kind))
        self._repayments.append(record)
        return record

    def mark_overdue(self, since: date) -> None:
        """The principal is overdue from ``since`` (the first unpaid due date)."""
        if self.overdue_since is not None:
            raise RiskpoolError(
                ErrorCode.VALIDATION, f"already overdue since {self.overdue_since}", field="since"
            )
        if not self._disbursements or since < self._disbursements[0].on:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "nothing was disbursed by that date", field="since"
            )
        self.overdue_since = since

    def mark_current(self) -> None:
        """The borrower has caught up: the overdue clock stops (a lawsuit record stays)."""
        self.overdue_since = None

    def record_lawsuit(self, filed_on: date) -> None:
        """The lender has sued the borrower (起诉); a trigger of its own under the policy."""
        if filed_on < self.granted_on:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "lawsuit before the grant date", field="filed_on"
            )
        if self.lawsuit_filed_on is not None:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"lawsuit already recorded on {self.lawsuit_filed_on}",
                field="filed_on",
            )
        self.lawsuit_filed_on = filed_on

    def record_prepayment(self, on: date, amount: Money, guarantor_id: int) -> GuarantorPrepayment:
        """The guarantor paid the bank for the borrower (代偿); guaranteed loans only."""
        require_amount(amount, "amount")
        if self.loan_type is not LoanType.GUARANTEED:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "only guaranteed loans have prepayments", field="loan_type"
            )
        if guarantor_id != self.guarantor_id:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "prepayment by another than the guarantor",
                field="guarantor_id",
            )
        self._require_in_order(on)
        if self.prepaid() + amount > self.outstanding():
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"prepayments would exceed the outstanding principal {self.outstanding()}",
                field="amount",
            )
        record = GuarantorPrepayment(on=on, amount=amount, guarantor_id=guarantor_id)
        self._prepayments.append(record)
        return record

    def enter_pool(
        self,
        policy: Policy,
        on: date,
        *,
        firm: Firm,
        lender: Institution,
        guarantor: Institution | None = None,
        firm_exposure_elsewhere: Money,
    ) -> PoolEntry:
        """Admit the loan into the pool (入池) under ``policy``, binding it for good.

        ``firm_exposure_elsewhere`` is the credit the firm already holds in the
        pool through its *other* loans, at any lender. The rules, in order:

        ==================================  ==================================
        rule                                refusal (code, field)
        ==================================  ==================================
        parties are this loan's             VALIDATION (firm/lender/guarantor)
        not in the pool already             VALIDATION, ``pool_entry``
        entry on/after grant, before        VALIDATION, ``on``
        maturity
        policy in force on ``on``           POLICY_VIOLATION, ``policy``
        policy covers the loan type         POLICY_VIOLATION, ``loan_type``
        lender / guarantor active           INSTITUTION_SUSPENDED, ``lender_id``
                                            / ``guarantor_id``
        not overdue, not sued               POLICY_VIOLATION, ``overdue_since``
                                            / ``lawsuit_filed_on``
        term ≤ max months                   POLICY_VIOLATION, ``maturity``
        firm credit ≤ per-firm cap          POLICY_VIOLATION, ``credit_line``
        firm sector eligible                POLICY_VIOLATION, ``firm.sector``
        firm tier ≥ minimum                 POLICY_VIOLATION, ``firm.innovation_tier``
        ==================================  ==================================

        Why refuse overdue or sued loans: the pool shares the risk of new
        lending; a loan already in default is a loss looking for a payer.
        """
        if firm.id != self.firm_id:
            raise RiskpoolError(ErrorCode.VALIDATION, "not this loan's firm", field="firm")
        if lender.id != self.lender_id:
            raise RiskpoolError(ErrorCode.VALIDATION, "not this loan's lender", field="lender")
        if (guarantor.id if guarantor is not None else None) != self.guarantor_id:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "not this loan's guarantor", field="guarantor"
            )
        require_amount(firm_exposure_elsewhere, "firm_exposure_elsewhere", allow_zero=True)
        if self.pool_entry is not None:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"already in the pool since {self.pool_entry.on}",
                field="pool_entry",
            )
        if not self.granted_on <= on < self.maturity:
            raise RiskpoolError(
                ErrorCode.VALIDATION, "pool entry must lie between grant and maturity", field="on"
            )
        if not policy.in_force_on(on):
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION,
                f"policy {policy.code} is not in force on {on}",
                field="policy",
            )
        policy.ratio_for(self.loan_type)
        for institution, field_name in ((lender, "lender_id"), (guarantor, "guarantor_id")):
            if institution is not None and not institution.is_active:
                raise RiskpoolError(
                    ErrorCode.INSTITUTION_SUSPENDED,
                    f"{institution.name} is suspended and may not bring loans into the pool",
                    field=field_name,
                )
        if self.days_overdue(on) > 0:
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION,
                "an overdue loan cannot enter the pool",
                field="overdue_since",
            )
        if self.lawsuit_filed_on is not None and self.lawsuit_filed_on <= on:
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION,
                "a loan under lawsuit cannot enter the pool",
                field="lawsuit_filed_on",
            )
        if policy.max_term_months is not None and self.maturity > add_months(
            self.granted_on, policy.max_term_months
        ):
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION,
                f"term from {self.granted_on} to {self.maturity} exceeds "
                f"{policy.max_term_months} months",
                field="maturity",
            )
        if policy.per_firm_credit_cap is not None:
            total = firm_exposure_elsewhere + self.credit_line
            if total > policy.per_firm_credit_cap:
                raise RiskpoolError(
                    ErrorCode.POLICY_VIOLATION,
                    f"firm credit in the pool would be {total}, above the cap "
                    f"{policy.per_firm_credit_cap}",
                    field="credit_line",
                )
        if policy.eligible_sectors is not None and firm.sector not in policy.eligible_sectors:
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION,
                f"sector {firm.sector!r} is not eligible",
                field="firm.sector",
            )
        if policy.min_innovation_tier is not None and (
            firm.innovation_tier is None or firm.innovation_tier < policy.min_innovation_tier
        ):
            raise RiskpoolError(
                ErrorCode.POLICY_VIOLATION,
                f"innovation tier {firm.innovation_tier} is below {policy.min_innovation_tier}",
                field="firm.innovation_tier",
            )
        entry = PoolEntry(on=on, policy_code=policy.code, innovation_tier=firm.innovation_tier)
        self.pool_entry = entry
        return entry


def firm_pool_exposure(
    loans: Iterable[Loan], firm_id: int, *, excluding: Loan | None = None
) -> Money:
    """Σ credit lines of ``firm_id``'s pool loans (all lenders), except ``excluding``.

    The figure :meth:`Loan.enter_pool` needs as ``firm_exposure_elsewhere``.
    """
    return money_sum(
        loan.credit_line
        for loan in loans
        if loan.firm_id == firm_id and loan.pool_entry is not None and loan is not excluding
    )
