"""Dashboard statistics of the pool's loans and funds, computed in SQL.

Why SQL aggregates and not the model: a dashboard asks about every pool loan
at once (a million in the benchmark); rebuilding each :class:`Loan` to sum it
in Python would load every movement row into memory. Here each figure is one
``SUM``/``COUNT`` over the tables, grouped by the database (``GROUP BY``), in
a fixed number of statements whatever the number of loans; Python only turns
the few result rows into ``Money``. The figures follow the model's own
definitions (``Loan.outstanding``, ``ClaimTrigger.is_met``,
:mod:`riskpool.domain.model.suspension`), and the tests check them against it.

Which loans count (the *scope*)
-------------------------------
A loan counts when it **entered the pool on or before** ``as_of``
(``pool_entry_on <= as_of``; loans never admitted are not the fund's
business), narrowed by the optional filters of :class:`StatsQuery`:
``policy_code`` (the policy the loan is bound to, e.g. ``"ZKD-2025"`` for
郑科贷2.0), ``loan_type``, ``institution_id`` (loans where that institution is
the **lender or the guarantor**), and ``visible_to`` — the scoping of an
institution user, set by :mod:`riskpool.domain.views.statistics`, who sees
only its own loans and never another institution's id or name (applied in the
SQL, never after the fact).

The figures (:class:`LoanFigures`), all in CNY, as of the end of ``as_of``
-------------------------------------------------------------------------
Amounts are summed as BIGINT fen and converted exactly (PostgreSQL returns
``NUMERIC`` for ``sum(bigint)``; it is turned into ``int``, never ``float``).

*Flows* — money that moved in the reporting window ``[date_from, as_of]``
(from the beginning when ``date_from`` is ``None``):

``credit_granted`` (授信)
    Σ credit line of scope loans **granted** in the window.
``disbursed`` (放贷)
    Σ disbursements **dated** in the window.
``repaid``
    Σ principal repayments dated in the window, recoveries (追偿) included.
``compensation_paid``
    Σ amount of the claims' ``PAY`` trail records whose time falls in the
    window, read as Beijing business dates (the trail, not ``claims.state``,
    so that a claim paid after ``as_of`` is not paid *as of* it).

*Stocks* — the position at the end of ``as_of``, whatever ``date_from`` says:

``outstanding``
    Σ (disbursed − repaid) over all movements dated ≤ ``as_of``: the
    principal borrowers still owe, exactly ``Loan.outstanding(as_of)``. A
    compensated loan stays outstanding until repaid or recovered (the
    borrower's debt is unchanged by the pool's payout).
``loan_count`` / ``firm_count``
    Scope loans, and the distinct firms that borrowed them. ``firm_count``
    is *not* additive across rows: a firm borrowing from two banks counts
    once in the total and once under each bank.
``overdue_principal`` (逾期本金)
    ``outstanding`` of loans overdue on ``as_of`` by **any** number of days
    (``overdue_since <= as_of``) — the banks' usual reading of 逾期. Loans
    past the claim trigger are the ``loss_numerator`` below. The loan table
    keeps only the current overdue mark, so for a past ``as_of`` a loan since
    marked current reads as never having been overdue.
``overdue_rate`` = ``overdue_principal / outstanding`` (``None`` when 0).
``compensation_pending``
    Σ compensation of claims **approved** on or before ``as_of`` and not
    paid by then: what the funds owe (their 应付风险补偿款 for these loans).
``claims_in_review``
    Σ claimed principal of claims filed on or before ``as_of`` that by then
    were neither approved nor rejected nor withdrawn (the audit and review
    pipeline; the compensation is unknown until the audit).
``loss_numerator`` / ``loss_base`` / ``loss_rate``
    :mod:`riskpool.domain.model.suspension`'s definition, as of ``as_of``: a loan
    compensated by then (a ``PAY`` record ≤ ``as_of``) counts its audited
    principal loss in both; any other loan counts its ``outstanding`` in the
    base, and in the numerator when its policy's claim trigger holds (overdue
    *more* than the trigger days, or a lawsuit filed ≤ ``as_of``).
    ``loss_rate = loss_numerator / loss_base`` (``None`` when the base is 0).
    Grouped by :attr:`GroupBy.CLAIMANT` it is the rate suspension compares
    with the policy's threshold.

Rows: groups and buckets
------------------------
``group_by`` splits the scope by lender (``INSTITUTION``), by the party that
bears the loss (``CLAIMANT``), ``LOAN_TYPE``, ``POLICY`` or the firm's
``SECTOR``. Every loan is in exactly one group, so every figure but
``firm_count`` (and the rates) sums over the rows to :attr:`StatsResult.totals`.

``TIER`` groups by the firm's current innovation tier.

``bucket`` splits by calendar period, labelled ``"2025-01"``,
``"2025-Q1"`` or ``"2025"``. Each figure lands in the period of **its own
defining date**, so that a bucket series is both a chart and an additive
breakdown:

* ``credit_granted``, ``loan_count``, ``firm_count`` and every stock figure
  (``outstanding``, ``overdue_principal``, ``compensation_pending``,
  ``claims_in_review``, the loss figures) — the loan's **grant date**: a
  vintage (cohort) view, "what became of the loans granted that month";
* ``disbursed`` and ``repaid`` — the **movement's date** ("how much was lent
  that month");
* ``compensation_paid`` — the **payment's** Beijing business date.

Periods with nothing in them are not returned. Stocks of loans granted
before ``date_from`` keep their own (earlier) periods, so the rows always add
up to the totals. ``group_by`` and ``bucket`` together give one row per
group and period.

The funds (:class:`PoolFigures`) come from the ledger's postings, see
:func:`pool_statistics`.

Time stamps: claim trail times are compared with the UTC instant at which a
Beijing business day ends. On SQLite that relies on the repositories storing
UTC wall times (SQLite keeps no offset); services should pass UTC instants.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from moneyed import Money
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from riskpool.domain.model.chart import Acct, BookCode, fund_book_on
from riskpool.domain.model.claim import ClaimAction
from riskpool.domain.model.dates import BUSINESS_TZ
from riskpool.domain.model.money import CNY
from riskpool.domain.model.policies_shipped import SHIPPED_POLICIES
from riskpool.domain.model.policy import LoanType
from riskpool.domain.persistence.tables import (
    claim_events,
    claims,
    firms,
    institutions,
    loan_movements,
    loans,
)
from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.money import from_minor
from riskpool.ledger.schema import accounts, books, entries, postings

__all__ = [
    "Bucket",
    "GroupBy",
    "LoanFigures",
    "PoolFigures",
    "StatsKey",
    "StatsQuery",
    "StatsResult",
    "loan_statistics",
    "pool_statistics",
]


class GroupBy(enum.StrEnum):
    INSTITUTION = "INSTITUTION"
    """The lending bank (``loans.lender_id``); key: institution id, label: its name."""
    CLAIMANT = "CLAIMANT"
    """Who bears the loss: the guarantor of a guaranteed loan, else the bank (suspension's view)."""
    LOAN_TYPE = "LOAN_TYPE"
    """``BANK_DIRECT`` (银行直贷类) or ``GUARANTEED`` (担保类)."""
    POLICY = "POLICY"
    """The policy the loan entered the pool under (新老划断); label: the policy's name."""
    SECTOR = "SECTOR"
    """The borrowing firm's sector."""
    TIER = "TIER"
    """The borrowing firm's current innovation-points tier (创新积分制); key ``None``
    (label "未评级") for firms never scored. Current, not as of ``as_of``: the
    firms table keeps only the latest tier (the loan keeps its tier at entry)."""


class Bucket(enum.StrEnum):
    MONTH = "MONTH"
    """Labels like ``"2025-01"``."""
    QUARTER = "QUARTER"
    """Labels like ``"2025-Q1"``."""
    YEAR = "YEAR"
    """Labels like ``"2025"``."""


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """What to compute; see the module docstring for the scope and every figure."""

    as_of: date
    group_by: GroupBy | None = None
    bucket: Bucket | None = None
    policy_code: str | None = None
    institution_id: int | None = None
    """A filter: loans this institution lends or guarantees."""
    loan_type: LoanType | None = None
    date_from: date | None = None
    """Start of the window of the flow figures (inclusive); ``None``: since the beginning."""
    visible_to: int | None = None
    """The reader's scope when it is an institution user: only loans it lends or
    guarantees count, a filter on another institution matches nothing, and the
    rows of other institutions (grouped by ``INSTITUTION`` or ``CLAIMANT``) are
    merged into one row without key or label, so no other tenant is named."""

    def __post_init__(self) -> None:
        if self.as_of >= date.max:
            # The figures are "as of the end of the day": the next day must exist.
            raise RiskpoolError(ErrorCode.VALIDATION, "as_of is out of range", field="asOf")
        if self.date_from is not None and self.date_from > self.as_of:
            raise RiskpoolError(ErrorCode.VALIDATION, "date_from is after as_of", field="date_from")


@dataclass(frozen=True, slots=True)
class StatsKey:
    """Which row: ``group`` (institution id, loan type, policy code or sector) with its
    display ``label``, and/or the ``bucket`` label; all ``None`` for the totals."""

    group: int | str | None = None
    label: str | None = None
    bucket: str | None = None


@dataclass(frozen=True, slots=True)
class LoanFigures:
    """One row of figures (the totals or one group/period); definitions in the module docstring."""

    key: StatsKey
    credit_granted: Money
    disbursed: Money
    repaid: Money
    outstanding: Money
    loan_count: int
    firm_count: int
    overdue_principal: Money
    compensation_paid: Money
    compensation_pending: Money
    claims_in_review: Money
    loss_numerator: Money
    loss_base: Money

    @property
    def overdue_rate(self) -> Decimal | None:
        """``overdue_principal / outstanding``, unrounded; ``None`` when nothing is outstanding."""
        return _ratio(self.overdue_principal, self.outstanding)

    @property
    def loss_rate(self) -> Decimal | None:
        """``loss_numerator / loss_base``, unrounded; ``None`` when the base is 0."""
        return _ratio(self.loss_numerator, self.loss_base)


@dataclass(frozen=True, slots=True)
class StatsResult:
    """The totals of the scope and its rows (groups and/or periods), ordered by key."""

    query: StatsQuery
    totals: LoanFigures
    rows: tuple[LoanFigures, ...]


@dataclass(frozen=True, slots=True)
class PoolFigures:
    """The two funds on ``as_of`` (end of day), from the ledger.

    ``reserve_cash`` / ``pool_cash``: balance of account ``100201`` (the
    fund's bank account) in the ``ZKD_RESERVE`` and ``CITY_POOL`` books, Σ
    postings with ``effective_date <= as_of`` — what ``Ledger.balance(book,
    "100201", as_of)`` answers. ``compensation_payable``: approved but unpaid
    compensation, the credit balance of ``2201`` in both books.
    ``outstanding``: principal outstanding of every pool loan (all policies,
    no institution scope; :attr:`LoanFigures.outstanding`).
    ``floor``: the floor of the policy in force on ``as_of``, which applies to
    the fund that bears compensation that day (``floor_book``: the reserve
    before the 2025 fusion, the city pool from it); ``None`` before any policy.
    """

    as_of: date
    reserve_cash: Money
    pool_cash: Money
    compensation_payable: Money
    outstanding: Money
    policy_code: str | None
    floor_book: BookCode
    floor: Money | None

    @property
    def cash(self) -> Money:
        """Cash of both funds."""
        total: Money = self.reserve_cash + self.pool_cash
        return total

    @property
    def available(self) -> Money:
        """Cash less what is already approved for payout."""
        rest: Money = self.cash - self.compensation_payable
        return rest

    @property
    def coverage(self) -> Decimal | None:
        """``cash / outstanding`` (unrounded); ``None`` when no principal is outstanding.

        How many yuan of fund money stand behind each yuan of pool-loan
        principal; payable compensation is not deducted (see :attr:`available`).
        """
        return _ratio(self.cash, self.outstanding)

    @property
    def shortfall(self) -> Money:
        """How far ``floor_book``'s cash is below the floor (0.00 when not below, or no floor).

        The amount the annual settlement top-up (动态补足) would bring in.
        """
        if self.floor is None:
            return _money(0)
        cash = self.pool_cash if self.floor_book is BookCode.CITY_POOL else self.reserve_cash
        gap: Money = self.floor - cash
        return gap if gap.amount > 0 else _money(0)


# -- helpers --------------------------------------------------------------------------------


def _ratio(numerator: Money, denominator: Money) -> Decimal | None:
    if denominator.amount == 0:
        return None
    result: Decimal = numerator.amount / denominator.amount
    return result


def _money(units: int) -> Money:
    return from_minor(units, CNY)


def _units(value: Any) -> int:
    """An exact integer from a SQL sum: ``int`` (SQLite) or integral ``Decimal`` (PostgreSQL)."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"non-integral fen sum {value!r}")
        return int(value)
    if isinstance(value, int):
        return value
    raise TypeError(f"unexpected sum type {type(value).__name__}")


def _day_start(day: date) -> datetime:
    """The UTC instant at which Beijing business day ``day`` begins."""
    return datetime.combine(day, time(), BUSINESS_TZ).astimezone(UTC)


def _int_sum(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """``SUM`` kept BIGINT on PostgreSQL (``sum(bigint)`` is NUMERIC there): narrower rows
    to join and sort; an overflow raises, it never rounds."""
    return cast(func.sum(value), BigInteger)


def _zero() -> ColumnElement[Any]:
    return cast(literal_column("0"), BigInteger)


_DISBURSEMENT = "DISBURSEMENT"
_REPAYMENT = "REPAYMENT"

_LOAN_TYPE_LABELS = {LoanType.BANK_DIRECT: "银行直贷类", LoanType.GUARANTEED: "担保类"}

_SUMMED = (
    "credit_granted",
    "disbursed",
    "repaid",
    "outstanding",
    "overdue",
    "paid",
    "pending",
    "in_review",
    "loss_bad",
    "loss_base",
    "loan_n",
)
"""Additive measure columns of the fact rows (each summed by the outer query)."""


# -- the dialect-specific SQL (the only place) -----------------------------------------------


def _bucket_label(dialect: str, bucket: Bucket, day: ColumnElement[Any]) -> ColumnElement[str]:
    """The period label of a date column: ``"2025-01"``, ``"2025-Q1"`` or ``"2025"``."""
    if dialect == "sqlite":
        year = func.strftime("%Y", day)
        if bucket is Bucket.MONTH:
            return func.strftime("%Y-%m", day)
        if bucket is Bucket.YEAR:
            return year
        quarter = (cast(func.strftime("%m", day), Integer) + 2) // 3
        return year + "-Q" + cast(quarter, String)
    if dialect == "postgresql":
        pattern = {Bucket.MONTH: "YYYY-MM", Bucket.QUARTER: 'YYYY-"Q"Q', Bucket.YEAR: "YYYY"}
        return func.to_char(day, pattern[bucket])
    raise RiskpoolError(ErrorCode.VALIDATION, f"no statistics for dialect {dialect}")


def _business_date(dialect: str, moment: ColumnElement[Any]) -> ColumnElement[Any]:
    """The Beijing calendar date of a stored UTC instant (UTC+8: China has no DST)."""
    if dialect == "sqlite":
        return func.date(moment, "+8 hours")
    if dialect == "postgresql":
        return cast(func.timezone(literal_column("INTERVAL '+08:00'"), moment), Date)
    raise RiskpoolError(ErrorCode.VALIDATION, f"no statistics for dialect {dialect}")


# -- loan statistics -------------------------------------------------------------------------


def _scope_conditions(query: StatsQuery) -> list[ColumnElement[bool]]:
    """The scope of the module docstring, as ``WHERE`` conditions on ``loans``."""
    conditions: list[ColumnElement[bool]] = [
        loans.c.pool_entry_on.is_not(None),
        loans.c.pool_entry_on <= query.as_of,
    ]
    if query.policy_code is not None:
        conditions.append(loans.c.policy_code == query.policy_code)
    if query.loan_type is not None:
        conditions.append(loans.c.loan_type == LoanType(query.loan_type).value)
    for institution_id in (query.institution_id, query.visible_to):
        if institution_id is not None:
            conditions.append(
                or_(loans.c.lender_id == institution_id, loans.c.guarantor_id == institution_id)
            )
    if query.visible_to is not None and query.institution_id not in (None, query.visible_to):
        # Another tenant's id answers as a missing one: nothing (not the loans shared with it).
        conditions.append(false())
    return conditions


def _own_only(query: StatsQuery, key: ColumnElement[Any]) -> ColumnElement[bool] | None:
    """For an institution reader, whether an institution-valued group ``key`` is its own."""
    return None if query.visible_to is None else key == query.visible_to


def _scope(query: StatsQuery) -> FromClause:
    """Scope loans with the per-loan columns the measures need, plus the group key/label."""
    key: ColumnElement[Any] = null()
    label: ColumnElement[Any] = cast(null(), String)
    source: FromClause = loans
    if query.group_by is GroupBy.INSTITUTION:
        key = loans.c.lender_id
        label = institutions.c.name
        source = loans.join(institutions, institutions.c.id == loans.c.lender_id)
    elif query.group_by is GroupBy.CLAIMANT:
        # A guaranteed loan always has a guarantor and a bank-direct one never: the claimant.
        key = func.coalesce(loans.c.guarantor_id, loans.c.lender_id)
        label = institutions.c.name
        source = loans.join(institutions, institutions.c.id == key)
    elif query.group_by is GroupBy.LOAN_TYPE:
        key = loans.c.loan_type
    elif query.group_by is GroupBy.POLICY:
        key = loans.c.policy_code
    elif query.group_by is GroupBy.SECTOR:
        key = firms.c.sector
        label = firms.c.sector
        source = loans.join(firms, firms.c.id == loans.c.firm_id)
    elif query.group_by is GroupBy.TIER:
        key = firms.c.innovation_tier
        source = loans.join(firms, firms.c.id == loans.c.firm_id)
    own = _own_only(query, key)
    if own is not None and query.group_by in (GroupBy.INSTITUTION, GroupBy.CLAIMANT):
        key, label = case((own, key), else_=null()), case((own, label), else_=cast(null(), String))
    return (
        select(
            loans.c.id.label("loan_id"),
            loans.c.firm_id,
            loans.c.granted_on,
            loans.c.credit_line,
            loans.c.overdue_since,
            loans.c.lawsuit_filed_on,
            loans.c.policy_code,
            key.label("gkey"),
            label.label("glabel"),
        )
        .select_from(source)
        .where(*_scope_conditions(query))
        .subquery("scoped")
    )


def _scope_ids(query: StatsQuery) -> FromClause:
    """Just the ids of the scope loans: restricts the per-loan aggregates (no label joins)."""
    return select(loans.c.id.label("loan_id")).where(*_scope_conditions(query)).subquery("in_scope")


def _triggered(scoped: FromClause, as_of: date) -> ColumnElement[bool]:
    """Whether the claim trigger of the loan's own policy holds on ``as_of`` (ClaimTrigger.is_met).

    "Overdue more than N days" is ``overdue_since < as_of − N days``, computed
    in Python per shipped policy so the SQL needs no date arithmetic.
    """
    since, sued = scoped.c.overdue_since, scoped.c.lawsuit_filed_on
    clauses: list[ColumnElement[bool]] = []
    for policy in SHIPPED_POLICIES:
        cutoff = as_of - timedelta(days=policy.trigger.days_overdue_more_than)
        holds = and_(since.is_not(None), since < cutoff)
        if policy.trigger.lawsuit_counts:
            holds = or_(holds, and_(sued.is_not(None), sued <= as_of))
        clauses.append(and_(scoped.c.policy_code == policy.code, holds))
    return or_(false(), *clauses)


def _fact_select(
    scoped: FromClause, fact_date: ColumnElement[Any], **measures: ColumnElement[Any]
) -> Select[Any]:
    """One branch of the fact rows, its columns in the one order every branch shares.

    Measures not given are 0; ``firm_id`` (for ``COUNT(DISTINCT)``) is NULL
    unless given, so that only loan rows count firms.
    """
    return select(
        scoped.c.gkey,
        scoped.c.glabel,
        fact_date.label("fact_date"),
        *(measures.get(name, _zero()).label(name) for name in _SUMMED),
        measures.get("firm_id", cast(null(), BigInteger)).label("firm_id"),
    )


def _facts(query: StatsQuery, dialect: str, *, bucketed: bool) -> FromClause:
    """Fact rows carrying the additive measures, one statement's worth of subqueries.

    Always: one row per scope loan (its stocks, credit and counts, dated by
    its grant date). Unbucketed, the loan row also carries the loan's flows
    (from the per-loan aggregates). Bucketed, the flows come as their own rows
    dated by their events instead — movement rows and ``PAY`` rows.
    """
    as_of, date_from = query.as_of, query.date_from
    scoped, in_scope = _scope(query), _scope_ids(query)
    cutoff = _day_start(as_of + timedelta(days=1))
    m, e, c = loan_movements, claim_events, claims
    disb, rep = m.c.kind == _DISBURSEMENT, m.c.kind == _REPAYMENT
    in_window = m.c.on_date >= date_from if date_from is not None else None

    def window(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return and_(condition, in_window) if in_window is not None else condition

    # Per loan: movements up to as_of (outstanding) and within the window (flows).
    mv = (
        select(
            m.c.loan_id,
            _int_sum(case((disb, m.c.amount), else_=0)).label("disbursed_to_date"),
            _int_sum(case((rep, m.c.amount), else_=0)).label("repaid_to_date"),
            _int_sum(case((window(disb), m.c.amount), else_=0)).label("disbursed"),
            _int_sum(case((window(rep), m.c.amount), else_=0)).label("repaid"),
        )
        .select_from(m.join(in_scope, in_scope.c.loan_id == m.c.loan_id))
        .where(m.c.on_date <= as_of, m.c.kind.in_((_DISBURSEMENT, _REPAYMENT)))
        .group_by(m.c.loan_id)
        .subquery("mv")
    )
    # Per claim: its state as of the end of as_of, from the trail (a row exists iff filed by then).
    pay_in_window = e.c.action == ClaimAction.PAY.value
    if date_from is not None:
        pay_in_window = and_(pay_in_window, e.c.at >= _day_start(date_from))
    ev = (
        select(
            e.c.claim_id,
            func.max(case((e.c.action == ClaimAction.APPROVE.value, 1), else_=0)).label("approved"),
            func.max(case((e.c.action == ClaimAction.PAY.value, 1), else_=0)).label("paid"),
            func.max(
                case(
                    (e.c.action.in_((ClaimAction.REJECT.value, ClaimAction.WITHDRAW.value)), 1),
                    else_=0,
                )
            ).label("closed"),
            _int_sum(case((pay_in_window, e.c.amount), else_=0)).label("paid_amount"),
        )
        .where(e.c.at < cutoff)
        .group_by(e.c.claim_id)
        .subquery("ev")
    )
    # Per loan: its claims' figures (at most one claim per loan is ever paid).
    cl = (
        select(
            c.c.loan_id,
            func.max(ev.c.paid).label("compensated"),
            _int_sum(case((ev.c.paid == 1, c.c.audited_loss), else_=0)).label("compensated_loss"),
            _int_sum(ev.c.paid_amount).label("paid"),
            _int_sum(
                case((and_(ev.c.approved == 1, ev.c.paid == 0), c.c.compensation), else_=0)
            ).label("pending"),
            _int_sum(
                case((and_(ev.c.approved == 0, ev.c.closed == 0), c.c.claimed_principal), else_=0)
            ).label("in_review"),
        )
        .select_from(
            c.join(ev, ev.c.claim_id == c.c.id).join(in_scope, in_scope.c.loan_id == c.c.loan_id)
        )
        .group_by(c.c.loan_id)
        .subquery("cl")
    )

    outstanding = func.coalesce(mv.c.disbursed_to_date, 0) - func.coalesce(mv.c.repaid_to_date, 0)
    compensated = func.coalesce(cl.c.compensated, 0) == 1
    compensated_loss = func.coalesce(cl.c.compensated_loss, 0)
    overdue = and_(scoped.c.overdue_since.is_not(None), scoped.c.overdue_since <= as_of)
    credit: ColumnElement[Any] = scoped.c.credit_line
    if date_from is not None:
        credit = case((scoped.c.granted_on >= date_from, scoped.c.credit_line), else_=0)

    def flow(column: ColumnElement[Any]) -> ColumnElement[Any]:
        return _zero() if bucketed else func.coalesce(column, 0)

    loan_rows = _fact_select(
        scoped,
        scoped.c.granted_on,
        credit_granted=credit,
        disbursed=flow(mv.c.disbursed),
        repaid=flow(mv.c.repaid),
        outstanding=outstanding,
        overdue=case((overdue, outstanding), else_=0),
        paid=flow(cl.c.paid),
        pending=func.coalesce(cl.c.pending, 0),
        in_review=func.coalesce(cl.c.in_review, 0),
        loss_bad=case(
            (compensated, compensated_loss), (_triggered(scoped, as_of), outstanding), else_=0
        ),
        loss_base=case((compensated, compensated_loss), else_=outstanding),
        loan_n=cast(literal_column("1"), BigInteger),
        firm_id=scoped.c.firm_id,
    ).select_from(
        scoped.outerjoin(mv, mv.c.loan_id == scoped.c.loan_id).outerjoin(
            cl, cl.c.loan_id == scoped.c.loan_id
        )
    )
    if not bucketed:
        return loan_rows.subquery("facts")
    movement_rows = (
        _fact_select(
            scoped,
            m.c.on_date,
            disbursed=case((disb, m.c.amount), else_=0),
            repaid=case((rep, m.c.amount), else_=0),
        )
        .select_from(m.join(scoped, scoped.c.loan_id == m.c.loan_id))
        .where(m.c.on_date <= as_of, window(m.c.kind.in_((_DISBURSEMENT, _REPAYMENT))))
    )
    pay_rows = (
        _fact_select(scoped, _business_date(dialect, e.c.at), paid=e.c.amount)
        .select_from(
            e.join(c, c.c.id == e.c.claim_id).join(scoped, scoped.c.loan_id == c.c.loan_id)
        )
        .where(pay_in_window, e.c.at < cutoff)
    )
    return union_all(loan_rows, movement_rows, pay_rows).subquery("facts")


def _figures_statement(query: StatsQuery, dialect: str, *, rows: bool) -> Select[Any]:
    """The aggregate over the fact rows: grouped for ``rows``, one row for the totals."""
    bucketed = rows and query.bucket is not None
    facts = _facts(query, dialect, bucketed=bucketed)
    keys: list[ColumnElement[Any]] = []
    if rows and query.group_by is not None:
        keys += [facts.c.gkey, facts.c.glabel]
    if bucketed:
        assert query.bucket is not None
        keys.append(_bucket_label(dialect, query.bucket, facts.c.fact_date).label("bucket"))
    statement = select(
        *keys,
        *(func.coalesce(func.sum(facts.c[name]), 0).label(name) for name in _SUMMED),
        func.count(distinct(facts.c.firm_id)).label("firm_count"),
    )
    if keys:
        statement = statement.group_by(*keys).order_by(*keys)
    return statement


def _group_label(group_by: GroupBy | None, key: Any, label: Any) -> str | None:
    if group_by is GroupBy.LOAN_TYPE:
        return _LOAN_TYPE_LABELS.get(LoanType(key), str(key))
    if group_by is GroupBy.POLICY:
        known = {p.code: p.name for p in SHIPPED_POLICIES}
        return known.get(str(key), str(key))
    if group_by is GroupBy.TIER:
        return "未评级" if key is None else f"第{int(key)}档"
    return None if label is None else str(label)


def _row_figures(row: Any, key: StatsKey) -> LoanFigures:
    m = row._mapping
    return LoanFigures(
        key=key,
        credit_granted=_money(_units(m["credit_granted"])),
        disbursed=_money(_units(m["disbursed"])),
        repaid=_money(_units(m["repaid"])),
        outstanding=_money(_units(m["outstanding"])),
        loan_count=_units(m["loan_n"]),
        firm_count=_units(m["firm_count"]),
        overdue_principal=_money(_units(m["overdue"])),
        compensation_paid=_money(_units(m["paid"])),
        compensation_pending=_money(_units(m["pending"])),
        claims_in_review=_money(_units(m["in_review"])),
        loss_numerator=_money(_units(m["loss_bad"])),
        loss_base=_money(_units(m["loss_base"])),
    )


async def loan_statistics(conn: AsyncConnection, query: StatsQuery) -> StatsResult:
    """The figures of ``query``'s scope as of ``query.as_of``: totals and grouped rows.

    Two aggregate statements at most (the totals, and the rows when
    ``group_by`` or ``bucket`` is given), each a single ``GROUP BY`` over
    per-loan aggregates — no per-loan round trips, no correlated subqueries.
    The rows add up to the totals when both statements see the same data:
    run them in one transaction (on PostgreSQL at REPEATABLE READ if writers
    are busy; READ COMMITTED gives each statement its own snapshot).
    """
    dialect = conn.dialect.name
    totals_row = (await conn.execute(_figures_statement(query, dialect, rows=False))).one()
    totals = _row_figures(totals_row, StatsKey())
    if query.group_by is None and query.bucket is None:
        return StatsResult(query=query, totals=totals, rows=())
    result = await conn.execute(_figures_statement(query, dialect, rows=True))
    figures: list[LoanFigures] = []
    for row in result:
        m = row._mapping
        group = m["gkey"] if query.group_by is not None else None
        key = StatsKey(
            group=group,
            label=_group_label(query.group_by, group, m["glabel"])
            if query.group_by is not None
            else None,
            bucket=m["bucket"] if query.bucket is not None else None,
        )
        figures.append(_row_figures(row, key))
    return StatsResult(query=query, totals=totals, rows=tuple(figures))


# -- pool statistics -------------------------------------------------------------------------


async def pool_statistics(conn: AsyncConnection, as_of: date) -> PoolFigures:
    """Cash, payable, coverage and floor of the funds at the end of ``as_of``.

    One aggregate over the ledger's postings (cash and payable of both fund
    books, ``effective_date <= as_of``) and the loan totals for the coverage.
    """
    fund_books = (BookCode.ZKD_RESERVE.value, BookCode.CITY_POOL.value)
    statement = (
        select(books.c.code.label("book"), accounts.c.code.label("account"))
        .add_columns(func.coalesce(func.sum(postings.c.amount), 0).label("balance"))
        .select_from(
            postings.join(entries, entries.c.id == postings.c.entry_id)
            .join(accounts, accounts.c.id == postings.c.account_id)
            .join(books, books.c.id == accounts.c.book_id)
        )
        .where(
            books.c.code.in_(fund_books),
            accounts.c.code.in_((Acct.CASH, Acct.COMPENSATION_PAYABLE)),
            entries.c.effective_date <= as_of,
        )
        .group_by(books.c.code, accounts.c.code)
    )
    balances = {
        (row.book, row.account): _units(row.balance) for row in await conn.execute(statement)
    }
    payable = -sum(balances.get((book, Acct.COMPENSATION_PAYABLE), 0) for book in fund_books)
    loans_now = await loan_statistics(conn, StatsQuery(as_of=as_of))
    policy = next((p for p in SHIPPED_POLICIES if p.in_force_on(as_of)), None)
    return PoolFigures(
        as_of=as_of,
        reserve_cash=_money(balances.get((BookCode.ZKD_RESERVE.value, Acct.CASH), 0)),
        pool_cash=_money(balances.get((BookCode.CITY_POOL.value, Acct.CASH), 0)),
        compensation_payable=_money(payable),
        outstanding=loans_now.totals.outstanding,
        policy_code=policy.code if policy is not None else None,
        floor_book=fund_book_on(as_of),
        floor=policy.pool_floor if policy is not None else None,
    )
