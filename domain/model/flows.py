"""Every money movement of the fund, as a pure, balanced *movement plan*.

Why plans and not postings: the domain decides *what* moves (which book,
which accounts, how much, why) and the ledger decides *how* it is stored
(idempotency, hash chain, no-overdraft locks). A :class:`MovementPlan` is
the whole contract between them: the service layer translates it into one
ledger entry, using ``key`` as the idempotency key.

Sign convention (the ledger's): a leg's amount is debit-positive — a debit
is ``+``, a credit ``−`` — and the legs of a plan sum to zero, checked in the
constructor (``UNBALANCED``). Each plan posts to one book only; a movement
between the two funds is two plans (see :func:`reserve_transfer_to_pool`).

The flows (book: Dr / Cr):
  reserve tranche          ZKD_RESERVE: 银行存款 / 财政拨款
  pool allocation          CITY_POOL:   银行存款 / 财政拨款
  Finance Bureau top-up    either fund: 银行存款 / 动态补足
  reserve → pool transfer  ZKD_RESERVE: 划出至市资金池 / 银行存款
                           CITY_POOL:   银行存款 / 郑科贷准备金划入
  claim approved           fund: 风险补偿支出 / 应付风险补偿款
  claim paid               fund: 应付风险补偿款 / 银行存款
  guarantor prepayment     MEMO: 担保代偿备查 / 对方科目
  recovery returned        fund: 银行存款 / 追偿回缴收入
  interest earned          fund: 银行存款 / 利息收入
  management fee           fund: 运营管理费 / 银行存款  (refused above the cap)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from moneyed import Money

from riskpool.domain.model.chart import FUND_BOOKS, Acct, BookCode, book
from riskpool.domain.model.claim import Claim, ClaimState
from riskpool.domain.model.compensation import (
    check_management_fee,
    fund_management_fee,
    recovery_return,
    topup_shortfall,
)
from riskpool.domain.model.loan import GuarantorPrepayment, Loan
from riskpool.domain.model.money import money_sum, require_amount, zero
from riskpool.domain.model.policy import Policy
from riskpool.domain.model.text import MAX_REFERENCE, require_text
from riskpool.errors import ErrorCode, RiskpoolError

MetaValue = str | int


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a plan: an account code of the plan's book and a debit-positive amount."""

    account: str
    amount: Money


@dataclass(frozen=True, slots=True)
class MovementPlan:
    """A balanced movement in one book, ready for the ledger.

    Attributes:
        book: the book posted to.
        effective_date: the business date of the movement.
        description: Chinese text for the journal (what an auditor reads).
        legs: at least two; debit-positive; sum to zero; leaf accounts of ``book``.
        key: deterministic idempotency key — the same business fact always
            yields the same key, so a retried use case cannot post twice.
        metadata: ids and references (claim_id, loan_id, institution_id …),
            ``str`` or ``int`` values only.
    """

    book: BookCode
    effective_date: date
    description: str
    legs: tuple[Leg, ...]
    key: str
    metadata: Mapping[str, MetaValue] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def __post_init__(self) -> None:
        chart = book(self.book)
        if len(self.legs) < 2:
            raise RiskpoolError(ErrorCode.INVALID_ENTRY, "a plan needs at least two legs")
        if not self.description.strip() or not self.key.strip():
            raise RiskpoolError(ErrorCode.INVALID_ENTRY, "a plan needs a description and a key")
        for leg in self.legs:
            require_amount(leg.amount, f"legs.{leg.account}", allow_negative=True)
            chart.account(leg.account)
            if leg.account not in chart.leaf_codes:
                raise RiskpoolError(
                    ErrorCode.INVALID_ENTRY, f"{leg.account} is a parent account", field="legs"
                )
        total = money_sum(leg.amount for leg in self.legs)
        if total.amount != 0:
            raise RiskpoolError(
                ErrorCode.UNBALANCED, f"legs of {self.key} sum to {total}, not zero", field="legs"
            )
        for name, value in self.metadata.items():
            if not isinstance(name, str) or isinstance(value, bool):
                raise RiskpoolError(ErrorCode.INVALID_ENTRY, f"bad metadata {name!r}")
            if not isinstance(value, str | int):
                raise RiskpoolError(ErrorCode.INVALID_ENTRY, f"bad metadata value for {name!r}")
            if isinstance(value, str):  # references a person typed: clean, bounded text
                require_text(value, name, max_length=MAX_REFERENCE, allow_empty=True)
        object.__setattr__(self, "book", BookCode(self.book))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def amount(self) -> Money:
        """Σ debits (= Σ credits): the size of the movement."""
        return money_sum(leg.amount for leg in self.legs if leg.amount.amount > 0)


def _two_legs(debit: str, credit: str, amount: Money) -> tuple[Leg, Leg]:
    return Leg(debit, amount), Leg(credit, -amount)


def _fund(book_code: BookCode) -> BookCode:
    code = BookCode(book_code)
    if code not in FUND_BOOKS:
        raise RiskpoolError(ErrorCode.INVALID_ENTRY, f"{code} is not a fund book", field="book")
    return code


def _positive(amount: Money) -> Money:
    return require_amount(amount, "amount")


# -- funding --------------------------------------------------------------------------------


def finance_allocation(
    *, book_code: BookCode, on: date, amount: Money, reference: str, description: str = ""
) -> MovementPlan:
    """The Finance Bureau allocates money to a fund (财政拨款): Dr 银行存款 / Cr 财政拨款."""
    code = _fund(book_code)
    return MovementPlan(
        book=code,
        effective_date=on,
        description=description or f"市财政局拨入资金（{reference}）",
        legs=_two_legs(Acct.CASH, Acct.FINANCE_ALLOCATION, _positive(amount)),
        key=f"finance-allocation:{code}:{reference}",
        metadata={"reference": reference},
    )


def reserve_tranche(
    *, on: date, amount: Money, tranche_no: int, document_no: str = "郑政办[2018]97号"
) -> MovementPlan:
    """One of the tranches that set up the 1亿 郑科贷 reserve (分3次设立)."""
    if tranche_no < 1:
        raise RiskpoolError(ErrorCode.VALIDATION, "tranche numbers start at 1", field="tranche_no")
    plan = finance_allocation(
        book_code=BookCode.ZKD_RESERVE,
        on=on,
        amount=amount,
        reference=f"tranche-{tranche_no}",
        description=f"市财政局拨入郑科贷风险补偿准备金第{tranche_no}期（{document_no}）",
    )
    return _with(
        plan, key=f"reserve-tranche:{tranche_no}", tranche_no=tranche_no, document_no=document_no
    )


def finance_topup(*, book_code: BookCode, on: date, amount: Money, reference: str) -> MovementPlan:
    """The Finance Bureau tops a fund up (动态补足): Dr 银行存款 / Cr 动态补足."""
    code = _fund(book_code)
    return MovementPlan(
        book=code,
        effective_date=on,
        description=f"市财政局动态补足（{reference}）",
        legs=_two_legs(Acct.CASH, Acct.FINANCE_TOPUP, _positive(amount)),
        key=f"finance-topup:{code}:{reference}",
        metadata={"reference": reference},
    )


def settlement_topup(
    *, book_code: BookCode, on: date, policy: Policy, balance: Money, reference: str
) -> MovementPlan | None:
    """The annual-settlement top-up to the policy's floor, or ``None`` if none is due."""
    shortfall = topup_shortfall(policy.pool_floor, balance)
    if shortfall.amount == 0:
        return None
    plan = finance_topup(book_code=book_code, on=on, amount=shortfall, reference=reference)
    return _with(
        plan,
        description=f"年度清算动态补足至底线 {policy.pool_floor.amount} 元（{reference}）",
        floor=str(policy.pool_floor.amount),
        balance_before=str(balance.amount),
        policy_code=policy.code,
    )


def reserve_transfer_to_pool(
    *, on: date, amount: Money, document_no: str = "郑政办〔2025〕9号"
) -> tuple[MovementPlan, MovementPlan]:
    """The 郑科贷 reserve moves into the city pool: one plan per book, each balanced.

    Reserve: Dr 划出至市资金池 / Cr 银行存款; pool: Dr 银行存款 / Cr 郑科贷准备金划入.
    Post both in one transaction; the shared ``transfer`` metadata links them.
    """
    amount = _positive(amount)
    meta: dict[str, MetaValue] = {"document_no": document_no, "transfer": f"zkd-to-pool:{on}"}
    out = MovementPlan(
        book=BookCode.ZKD_RESERVE,
        effective_date=on,
        description=f"郑科贷风险补偿准备金划转至市风险分担资金池（{document_no}）",
        legs=_two_legs(Acct.TRANSFER_OUT, Acct.CASH, amount),
        key=f"reserve-transfer:{on}:out",
        metadata=meta,
    )
    into = MovementPlan(
        book=BookCode.CITY_POOL,
        effective_date=on,
        description=f"郑科贷风险补偿准备金划入市风险分担资金池（{document_no}）",
        legs=_two_legs(Acct.CASH, Acct.TRANSFER_IN, amount),
        key=f"reserve-transfer:{on}:in",
        metadata=meta,
    )
    return out, into


# -- claims ---------------------------------------------------------------------------------


def _claim_meta(claim: Claim) -> dict[str, MetaValue]:
    if claim.id is None:
        raise RiskpoolError(ErrorCode.VALIDATION, "the claim is not persisted", field="claim")
    return {
        "claim_id": claim.id,
        "loan_id": claim.loan_id,
        "institution_id": claim.claimant_id,
        "policy_code": claim.policy.code,
    }


def compensation_approved(claim: Claim, *, book_code: BookCode, on: date) -> MovementPlan:
    """An approved claim becomes a payable: Dr 风险补偿支出 / Cr 应付风险补偿款."""
    if claim.state not in (ClaimState.APPROVED, ClaimState.PAID):
        raise RiskpoolError(
            ErrorCode.INVALID_TRANSITION, f"claim is {claim.state}, not approved", field="claim"
        )
    amount = claim.compensation
    assert amount is not None  # an approved claim was audited
    meta = _claim_meta(claim)
    return MovementPlan(
        book=_fund(book_code),
        effective_date=on,
        description=f"风险补偿经市政府批准，确认应付补偿款（补偿申请 {claim.id}）",
        legs=_two_legs(Acct.COMPENSATION_EXPENSE, Acct.COMPENSATION_PAYABLE, amount),
        key=f"claim:{claim.id}:approved",
        metadata=meta,
    )


def compensation_payment(claim: Claim, *, book_code: BookCode, on: date) -> MovementPlan:
    """The operator pays the claimant: Dr 应付风险补偿款 / Cr 银行存款."""
    if claim.state is not ClaimState.PAID:
        raise RiskpoolError(
            ErrorCode.INVALID_TRANSITION, f"claim is {claim.state}, not paid", field="claim"
        )
    amount = claim.paid_amount
    assert amount is not None
    meta = _claim_meta(claim)
    pay_event = claim.trail[-1]
    if pay_event.evidence.payment_reference:
        meta["payment_reference"] = pay_event.evidence.payment_reference
    return MovementPlan(
        book=_fund(book_code),
        effective_date=on,
        description=f"运营管理机构支付风险补偿款（补偿申请 {claim.id}）",
        legs=_two_legs(Acct.COMPENSATION_PAYABLE, Acct.CASH, amount),
        key=f"claim:{claim.id}:paid",
        metadata=meta,
    )


def recovery_returned(
    claim: Claim,
    *,
    book_code: BookCode,
    on: date,
    recovered_total: Money,
    already_returned: Money,
    reference: str,
) -> MovementPlan | None:
    """The pool's pro-rata share of recoveries after compensation (回缴), or ``None``.

    The amount is computed, never typed in: see
    :func:`riskpool.domain.model.compensation.recovery_return`.
    """
    if claim.state is not ClaimState.PAID:
        raise RiskpoolError(
            ErrorCode.INVALID_TRANSITION, "only compensated claims share recoveries", field="claim"
        )
    paid, loss = claim.paid_amount, claim.audited_principal_loss
    assert paid is not None and loss is not None
    due = recovery_return(
        compensated=paid,
        principal_loss=loss,
        recovered_total=recovered_total,
        already_returned=already_returned,
    )
    if due.amount == 0:
        return None
    meta = _claim_meta(claim)
    meta.update(reference=reference, recovered_total=str(recovered_total.amount))
    return MovementPlan(
        book=_fund(book_code),
        effective_date=on,
        description=f"追偿款按比例回缴资金池（补偿申请 {claim.id}，{reference}）",
        legs=_two_legs(Acct.CASH, Acct.RECOVERY_INCOME, due),
        key=f"claim:{claim.id}:recovery:{reference}",
        metadata=meta,
    )


def guarantor_prepayment_memo(loan: Loan, prepayment: GuarantorPrepayment) -> MovementPlan:
    """Record off-balance that the guarantor prepaid the bank (代偿): MEMO Dr 备查 / Cr 对方科目."""
    if loan.id is None:
        raise RiskpoolError(ErrorCode.VALIDATION, "the loan is not persisted", field="loan")
    index = next((i for i, p in enumerate(loan.prepayments, 1) if p is prepayment), None)
    if index is None:
        raise RiskpoolError(ErrorCode.NOT_FOUND, "prepayment not recorded on this loan")
    return MovementPlan(
        book=BookCode.MEMO,
        effective_date=prepayment.on,
        description=f"担保公司向合作银行先行代偿（贷款 {loan.id}，第{index}笔）",
        legs=_two_legs(Acct.PREPAYMENT_MEMO, Acct.PREPAYMENT_MEMO_CONTRA, prepayment.amount),
        key=f"loan:{loan.id}:prepayment:{index}",
        metadata={
            "loan_id": loan.id,
            "institution_id": prepayment.guarantor_id,
            "bank_institution_id": loan.lender_id,
        },
    )


# -- income and costs -----------------------------------------------------------------------


def interest_income(*, book_code: BookCode, on: date, amount: Money, period: str) -> MovementPlan:
    """Interest on the fund's bank account accrues to the fund: Dr 银行存款 / Cr 利息收入."""
    code = _fund(book_code)
    return MovementPlan(
        book=code,
        effective_date=on,
        description=f"资金专户利息收入（{period}）",
        legs=_two_legs(Acct.CASH, Acct.INTEREST_INCOME, _positive(amount)),
        key=f"interest:{code}:{period}",
        metadata={"period": period},
    )


def management_fee(
    *,
    book_code: BookCode,
    on: date,
    amount: Money,
    policy: Policy,
    fund_balance: Money,
    already_charged_in_year: Money,
    period: str,
    interest_available: Money | None = None,
    year_fraction: Decimal = Decimal(1),
) -> MovementPlan:
    """The operator's fee: Dr 运营管理费 / Cr 银行存款; ``POLICY_VIOLATION`` above the cap.

    ``interest_available`` (interest earned and not yet used for fees) splits
    the fee in the metadata into the part paid out of interest and the part
    out of the pool's principal — interest is used first.
    """
    code = _fund(book_code)
    check_management_fee(
        policy,
        amount,
        fund_balance=fund_balance,
        already_charged_in_year=already_charged_in_year,
        year_fraction=year_fraction,
    )
    funding = fund_management_fee(
        amount, interest_available if interest_available is not None else zero()
    )
    return MovementPlan(
        book=code,
        effective_date=on,
        description=f"运营管理机构管理费（{period}，上限 {policy.management_fee_cap_rate:%}/年）",
        legs=_two_legs(Acct.MANAGEMENT_FEE, Acct.CASH, amount),
        key=f"management-fee:{code}:{period}",
        metadata={
            "period": period,
            "policy_code": policy.code,
            "from_interest": str(funding.from_interest.amount),
            "from_principal": str(funding.from_principal.amount),
        },
    )


def _with(
    plan: MovementPlan, *, key: str | None = None, description: str | None = None, **meta: MetaValue
) -> MovementPlan:
    """A copy of ``plan`` with another key/description and extra metadata."""
    return MovementPlan(
        book=plan.book,
        effective_date=plan.effective_date,
        description=description or plan.description,
        legs=plan.legs,
        key=key or plan.key,
        metadata={**plan.metadata, **meta},
    )
