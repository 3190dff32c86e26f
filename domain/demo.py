"""The demo data set: the seed's money story, plus synthetic loans and claims around it.

``await load_demo(db)`` fills a migrated database through the use cases only
(:mod:`riskpool.domain.services`), never by writing rows itself, so every
domain rule and every ledger invariant is exercised by the data it produces.
It is **deterministic** (no clock, no unseeded randomness: every date is fixed
between 2018-10 and 2025-09, the one :class:`random.Random` has a fixed seed)
and **idempotent**: each money-moving call carries a fixed idempotency key, so
a replay returns the first result, and every other creation (institution,
firm, loan, pool entry, overdue mark, lawsuit) is skipped when it already
exists. Loading twice therefore changes nothing, and loading into a partially
loaded database completes it.

The story, with every figure and where it comes from
----------------------------------------------------

**Seed** (``seed/000_964f3a04f8525353.txt``, BRIEF "Facts from the seed") —
reproduced exactly and checked by ``tests/services/test_demo.py`` from the
ledger and the domain tables:

* 郑政办[2018]97号 sets up the 郑科贷 risk-compensation reserve: **1亿 in 3
  tranches** (the split and dates are synthetic: 30,000,000.00 on 2018-11-30,
  30,000,000.00 on 2019-06-28, 40,000,000.00 on 2020-06-30).
* 2024-07, the first compensation: **2,319,300.00 to 郑州银行 for 2 loans**
  under 郑科贷1.0 (80%). Synthetic split: audited losses 1,624,125.00 and
  1,275,000.00 (the loans' outstanding principal after partial repayment),
  × 80% = 1,299,300.00 + 1,020,000.00; approved 2024-07-05, paid 2024-07-18.
* 郑政办〔2025〕9号 (2025-02-06) merges 郑科贷 with 郑好融: **15 cooperating
  institutions** (郑州银行 named; the other 14 generic: 9 banks, 5 guarantee
  companies).
* The Finance Bureau **tops the reserve back up by 2,319,300.00** (2025-01-20,
  computed from the two paid claims), so that the reserve holds exactly 1亿
  again; it **allocates 70,000,000.00** to the new city pool (2025-02-06) and
  the reserve's **1亿 is transferred** into the pool (2025-02-10): the pool
  holds **exactly 170,000,000.00** at the end of the transfer date (1.7亿).
  Dates of the top-up, allocation and transfer are synthetic; every other pool
  movement is dated after the transfer.
* 郑科贷2.0 as of 2025-06-30: loans that entered the pool under ``ZKD-2025``
  and were granted by 2025-06-30 have credit lines summing to exactly
  **490,000,000.00** (4.9亿 授信), and their disbursements dated on or before
  2025-06-30 sum to exactly **280,000,000.00** (2.8亿 放贷). Later
  disbursements and 8 loans granted in 2025-07…09 are outside those figures.

**Synthetic** (plausible, documented, not from the seed):

* 86 firms with generic Chinese names (郑州 + a made-up word + a sector
  suffix), valid 统一社会信用代码 from :func:`riskpool.domain.uscc.generate_uscc`
  (seeds ``DEMO_SEED + i``), revenue and innovation tiers from the seeded RNG.
* 30 郑科贷1.0 loans (2018-12 … 2024-11, 1–5 million, 12–36 months, about one in
  four guaranteed), the two seed loans among them; the matured ones were repaid
  at maturity, the running ones partly.
* 76 郑科贷2.0 loans: 11 scenario loans (table below), 57 generic loans granted
  2025-02-12 … 2025-06-27 whose totals are adjusted to the seed's figures, and
  8 loans granted after 2025-06-30. At most 15 million a loan and at most two
  pool loans a firm, so the 20,000,000.00 per-firm cap across lenders holds.
* Claims in every workflow state, on 2.0 loans (50% bank-direct, 20% guaranteed):

  ====================  ==========  =====================================  ============
  state                 type        trigger                                compensation
  ====================  ==========  =====================================  ============
  PAID (2025-09-10)     bank        overdue since 2025-05-20               3,000,000.00
  PAID (2025-09-10)     guaranteed  overdue; 代偿 3,000,000 + 2,000,000      1,000,000.00
  PAID (2025-09-10)     bank        overdue; audited loss below the claim  1,400,000.00
  APPROVED              bank        overdue                                2,000,000.00
  REVIEWED              guaranteed  overdue; 代偿 3,000,000                   600,000.00
  AUDITED               bank        overdue                                  950,000.00
  AUDIT_COMMISSIONED    bank        **lawsuit** (only 29 days overdue)     —
  SUBMITTED             guaranteed  overdue; 代偿 2,500,000 + 1,500,000      —
  REJECTED              bank        overdue; refused by the auditor        —
  WITHDRAWN             bank        overdue; the borrower paid up          —
  ====================  ==========  =====================================  ============

  plus one guaranteed loan with a partial 代偿 (1,200,000.00) and no claim yet.
  Each 代偿 is a MEMO-book entry.
* One recovery (追偿) after compensation: 1,200,000.00 recovered on the first
  paid loan on 2025-09-24; the pool gets back its pro-rata 600,000.00.
* Interest on the pool account (about 1.15% a year): 211,791.67 (2025-03-21),
  500,233.54 (2025-06-21), 495,410.07 (2025-09-21); the operator's fee for
  2025-H1, 600,000.00 on 2025-07-15, within the 1%-a-year cap and paid out of
  interest.
* Document numbers, audit-report and payment references are invented and
  marked as such by their ``DEMO`` prefix.

**Innovation points and early warnings** (synthetic, appended after the money
story, so none of the figures above moves):

* one local indicator, ``L_TAX_PAID`` (纳税总额, 3 points a stage): the
  catalogue becomes ``NAT-2024+L1`` — the "N" of "20+N";
* 2024 indicator values for all 86 firms (``DEMO-指数平台``, 2025-01-15),
  from a second seeded generator; the stage is the firm's revenue tercile
  (lowest third start-up, middle growth, top mature); zero auxiliary values
  are left out (absent = 0);
* one scoring run for 2024 (2025-01-20) with the default 20/40/60/80 bands:
  each stage cohort has about 29 firms, so every tier 1–5 occurs, and each
  firm's current tier is the scored one (the loans keep the tier they
  entered the pool with);
* one generic 2.0 loan marked overdue since 2025-08-21, so on
  :data:`WARNINGS_AS_OF` (2025-09-30) it is 40 days overdue and approaching
  the 60-day trigger. On that date the default limits also raise
  INSTITUTION_NEAR_SUSPENSION (several claimants are above 5%: the demo never
  runs an assessment) and CONCENTRATION (郑州银行 above 20% of outstanding
  principal, 电子信息 above 15%). POOL_BELOW_FLOOR cannot occur on that date
  without changing the seed's 1.7亿: it shows on :data:`POOL_WARNING_AS_OF`
  (2025-02-07), between the 70,000,000.00 allocation and the 1亿 transfer,
  when the city pool held less than its 100,000,000.00 floor.

Bank statements for reconciliation are not produced here (reconciliation
reads the ledger, which this module fills).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Final

from moneyed import Money
from sqlalchemy import Table, func, select

from riskpool.db import Database
from riskpool.domain.chart import Acct, BookCode
from riskpool.domain.claim import Claim, ClaimAction, Concurrence, Evidence
from riskpool.domain.dates import add_months
from riskpool.domain.innovation.catalogue import Stage, Unit
from riskpool.domain.money import cny, money_sum
from riskpool.domain.parties import Actor, InstitutionKind, Role
from riskpool.domain.persistence.innovation_tables import (
    innovation_scoring_runs,
    innovation_submissions,
)
from riskpool.domain.persistence.tables import (
    claims,
    firms,
    institutions,
    loan_movements,
    loans,
)
from riskpool.domain.policies_shipped import ZKD_2025
from riskpool.domain.policy import LoanType
from riskpool.domain.services.claims import ClaimService
from riskpool.domain.services.funds import FundService
from riskpool.domain.services.innovation import InnovationService
from riskpool.domain.services.loans import LoanService
from riskpool.domain.services.parties import PartyService
from riskpool.domain.uscc import generate_uscc
from riskpool.domain.views import innovation as innovation_views
from riskpool.ledger.money import from_minor
from riskpool.ledger.schema import entries as ledger_entries
from riskpool.ledger.store import LedgerStore

__all__ = [
    "DEMO_SEED",
    "FIGURES_AS_OF",
    "INNOVATION_YEAR",
    "POOL_WARNING_AS_OF",
    "TRANSFER_DATE",
    "WARNINGS_AS_OF",
    "DemoReport",
    "load_demo",
    "summarize",
]

DEMO_SEED: Final = 20181001
"""Seed of the demo's one random generator (the date 郑科贷 started)."""

TRANSFER_DATE: Final = date(2025, 2, 10)
"""The reserve's 1亿 moves into the city pool (synthetic date, after the 2025-02-06 fusion)."""

FIGURES_AS_OF: Final = date(2025, 6, 30)
"""The date of the seed's 郑科贷2.0 figures (4.9亿 credit, 2.8亿 disbursed)."""

_ZKD2_CREDIT: Final = 490_000_000
_ZKD2_DISBURSED: Final = 280_000_000
_LAST_DAY: Final = date(2025, 9, 30)

INNOVATION_YEAR: Final = 2024
"""The business year of the demo's innovation-points submissions and scoring run."""

WARNINGS_AS_OF: Final = _LAST_DAY
"""Reference date on which the demo raises loan, institution and concentration warnings."""

POOL_WARNING_AS_OF: Final = date(2025, 2, 7)
"""Between the pool's allocation and the reserve's transfer: the pool is below its floor."""

OPERATOR: Final = Actor(Role.OPERATOR, "运营管理机构")
FINANCE: Final = Actor(Role.FINANCE_BUREAU, "市财政局")
SCIENCE: Final = Actor(Role.SCIENCE_BUREAU, "市科技局")
AUDITOR: Final = Actor(Role.AUDITOR, "第三方审计机构（DEMO会计师事务所）")
CITY: Final = Actor(Role.CITY_GOVERNMENT, "市政府")
_BY_ROLE: Final = {a.role: a for a in (OPERATOR, FINANCE, SCIENCE, AUDITOR, CITY)}

ZZB: Final = "郑州银行"

# name, kind, cooperating since (the 2018 ones cooperated under 郑科贷1.0 already).
_INSTITUTIONS: Final[tuple[tuple[str, InstitutionKind, date], ...]] = (
    (ZZB, InstitutionKind.BANK, date(2018, 10, 1)),
    ("某国有大型银行甲郑州分行", InstitutionKind.BANK, date(2018, 10, 1)),
    ("某国有大型银行乙郑州分行", InstitutionKind.BANK, date(2019, 3, 1)),
    ("某股份制银行甲郑州分行", InstitutionKind.BANK, date(2018, 12, 1)),
    ("某股份制银行乙郑州分行", InstitutionKind.BANK, date(2020, 5, 1)),
    ("某股份制银行丙郑州分行", InstitutionKind.BANK, date(2025, 2, 6)),
    ("某城市商业银行郑州分行", InstitutionKind.BANK, date(2021, 7, 1)),
    ("郑州某农村商业银行", InstitutionKind.BANK, date(2019, 9, 1)),
    ("郑州某村镇银行", InstitutionKind.BANK, date(2025, 2, 6)),
    ("某民营银行河南分行", InstitutionKind.BANK, date(2025, 2, 6)),
    ("郑州市某科技融资担保有限公司", InstitutionKind.GUARANTOR, date(2018, 10, 1)),
    ("河南省某融资担保集团有限公司", InstitutionKind.GUARANTOR, date(2019, 6, 1)),
    ("郑州某中小企业融资担保有限公司", InstitutionKind.GUARANTOR, date(2020, 1, 1)),
    ("郑州高新区某融资担保有限公司", InstitutionKind.GUARANTOR, date(2025, 2, 6)),
    ("郑州某创新融资担保有限公司", InstitutionKind.GUARANTOR, date(2025, 2, 6)),
)
_BANKS: Final = tuple(n for n, k, _ in _INSTITUTIONS if k is InstitutionKind.BANK)
_GUARANTORS: Final = tuple(n for n, k, _ in _INSTITUTIONS if k is InstitutionKind.GUARANTOR)
_SINCE: Final = {n: s for n, _, s in _INSTITUTIONS}

_STEMS: Final = (
    "智芯", "华研", "睿视", "天瑞", "博越", "恒拓", "中瑞", "启明", "云帆", "鼎盛",
    "嘉禾", "新锐", "科信", "远航", "磐石", "晶辉", "正弘", "思源", "汇智", "凌云",
    "金穗", "安泰", "卓研", "蓝海", "星辰", "长青", "瀚海", "明德", "拓普", "宏图",
    "锐达", "致远", "聚能", "昊天", "煜辉", "辰光", "睿智", "盛邦", "德润", "泽众",
    "融创", "铭泰",
)  # fmt: skip
_SECTORS: Final = (
    ("电子信息", "电子科技有限公司"),
    ("软件和信息技术服务", "信息技术有限公司"),
    ("生物医药", "生物医药科技有限公司"),
    ("新材料", "新材料科技有限公司"),
    ("高端装备制造", "智能装备有限公司"),
    ("新能源", "新能源科技有限公司"),
    ("节能环保", "环保科技有限公司"),
    ("现代农业科技", "农业科技有限公司"),
    ("智能传感器", "传感技术有限公司"),
)
_FIRM_COUNT: Final = 86


# -- the plan: pure data, built once ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Firm:
    name: str
    uscc: str
    sector: str
    revenue: int
    tier: int


@dataclass(frozen=True, slots=True)
class _Move:
    """A loan movement: ``kind`` is disburse, repay, prepay or recover (amounts in yuan)."""

    on: date
    kind: str
    amount: Decimal
    reference: str = ""


@dataclass(frozen=True, slots=True)
class _ClaimPlan:
    ref: str
    claimed: Decimal
    submitted: date
    commissioned: date | None = None
    audited: date | None = None
    audited_loss: Decimal | None = None
    reviewed: date | None = None
    approved: date | None = None
    paid: date | None = None
    rejected: tuple[date, Role, str] | None = None
    withdrawn: tuple[date, str] | None = None


@dataclass(frozen=True, slots=True)
class _LoanPlan:
    contract_no: str
    lender: str
    guarantor: str | None
    firm: int
    credit: Decimal
    granted_on: date
    term_months: int
    pre: tuple[_Move, ...]
    overdue_since: date | None = None
    lawsuit_on: date | None = None
    claim: _ClaimPlan | None = None
    post: tuple[_Move, ...] = ()

    @property
    def maturity(self) -> date:
        return add_months(self.granted_on, self.term_months)

    @property
    def loan_type(self) -> LoanType:
        return LoanType.BANK_DIRECT if self.guarantor is None else LoanType.GUARANTEED


@dataclass(frozen=True, slots=True)
class _Plan:
    firms: tuple[_Firm, ...]
    era1: tuple[_LoanPlan, ...]
    era2: tuple[_LoanPlan, ...]


def _d(value: int | str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _round_down(value: int, unit: int) -> int:
    return value // unit * unit


def _adjust(values: list[int], target: int, low: Sequence[int], high: Sequence[int]) -> None:
    """Nudge ``values`` in place, in whole millions then in 100,000s, until they sum to ``target``.

    Cycles through the list so the nudges spread evenly; each value stays within
    ``[low[i], high[i]]``. ``target`` and the values are multiples of 100,000.
    """
    for step in (1_000_000, 100_000):
        index, stalled = 0, 0
        while abs(target - sum(values)) >= step:
            i = index % len(values)
            index += 1
            up = target > sum(values)
            if up and values[i] + step <= high[i]:
                values[i] += step
                stalled = 0
            elif not up and values[i] - step >= low[i]:
                values[i] -= step
                stalled = 0
            else:
                stalled += 1
                if stalled > len(values):
                    break
    if sum(values) != target:
        raise AssertionError(f"demo plan cannot reach {target}")  # pragma: no cover


def _firms(rng: random.Random) -> tuple[_Firm, ...]:
    result: list[_Firm] = []
    usccs: set[str] = set()
    for i in range(_FIRM_COUNT):
        stem = _STEMS[i % len(_STEMS)]
        sector, suffix = _SECTORS[(i + (i // len(_STEMS)) * 4) % len(_SECTORS)]
        uscc = generate_uscc(DEMO_SEED + i)
        assert uscc not in usccs, "demo USCC collision"
        usccs.add(uscc)
        revenue = rng.randrange(50, 3001) * 100_000  # 5 million to 300 million
        result.append(_Firm(f"郑州{stem}{suffix}", uscc, sector, revenue, rng.randint(1, 5)))
    return tuple(result)


def _seed_loans() -> list[_LoanPlan]:
    """The two 郑州银行 loans of the 2024-07 compensation (seed: 2 loans, 2,319,300.00)."""
    specs = (
        # granted, credit, disbursed on, repaid on, repaid, overdue since, loss (= outstanding),
        # submitted, commissioned, audited
        (date(2022, 3, 15), 3_000_000, date(2022, 3, 22), date(2023, 3, 22), "1375875.00",
         date(2023, 12, 21), "1624125.00", date(2024, 3, 5), date(2024, 3, 12), date(2024, 5, 20)),
        (date(2022, 6, 10), 2_000_000, date(2022, 6, 15), date(2023, 6, 15), "725000.00",
         date(2024, 1, 10), "1275000.00", date(2024, 3, 25), date(2024, 3, 29), date(2024, 5, 24)),
    )  # fmt: skip
    result = []
    for n, (granted, credit, dis_on, rep_on, repaid, overdue, loss, sub, com, aud) in enumerate(
        specs, 1
    ):
        result.append(
            _LoanPlan(
                contract_no="",
                lender=ZZB,
                guarantor=None,
                firm=n - 1,
                credit=_d(credit),
                granted_on=granted,
                term_months=24,
                pre=(_Move(dis_on, "disburse", _d(credit)), _Move(rep_on, "repay", _d(repaid))),
                overdue_since=overdue,
                claim=_ClaimPlan(
                    ref=f"2024-{n:03d}",
                    claimed=_d(loss),
                    submitted=sub,
                    commissioned=com,
                    audited=aud,
                    audited_loss=_d(loss),
                    reviewed=date(2024, 6, 14),
                    approved=date(2024, 7, 5),
                    paid=date(2024, 7, 18),
                ),
            )
        )
    return result


def _era1(rng: random.Random) -> tuple[_LoanPlan, ...]:
    """郑科贷1.0 loans, 2018-12 … 2024-11: the two seed loans plus 28 ordinary ones."""
    plans = _seed_loans()
    start, span = date(2018, 12, 10), (date(2024, 11, 30) - date(2018, 12, 10)).days
    for i in range(28):
        granted = start + timedelta(days=i * span // 28 + rng.randrange(0, 20))
        banks = [b for b in _BANKS if _SINCE[b] <= granted]
        guarantors = [g for g in _GUARANTORS if _SINCE[g] <= granted]
        guarantor = rng.choice(guarantors) if i % 4 == 3 else None
        credit = rng.choice((10, 15, 20, 30, 40, 50)) * 100_000
        term = rng.choice((12, 24, 36))
        maturity = add_months(granted, term)
        disbursed_on = granted + timedelta(days=7)
        moves = [_Move(disbursed_on, "disburse", _d(credit))]
        half_on = add_months(granted, term // 2)
        if maturity <= _LAST_DAY:  # matured: principal repaid at maturity (到期还本)
            moves.append(_Move(maturity, "repay", _d(credit)))
        elif half_on <= _LAST_DAY:
            moves.append(_Move(half_on, "repay", _d(_round_down(credit * 3 // 10, 100_000))))
        plans.append(
            _LoanPlan(
                contract_no="",
                lender=rng.choice(banks),
                guarantor=guarantor,
                firm=2 + i,
                credit=_d(credit),
                granted_on=granted,
                term_months=term,
                pre=tuple(moves),
            )
        )
    plans.sort(key=lambda p: (p.granted_on, p.firm))
    return tuple(
        _with_contract(p, f"ZKD1-{p.granted_on.year}-{n:03d}") for n, p in enumerate(plans, 1)
    )


def _with_contract(plan: _LoanPlan, contract_no: str) -> _LoanPlan:
    return _LoanPlan(
        contract_no=contract_no,
        lender=plan.lender,
        guarantor=plan.guarantor,
        firm=plan.firm,
        credit=plan.credit,
        granted_on=plan.granted_on,
        term_months=plan.term_months,
        pre=plan.pre,
        overdue_since=plan.overdue_since,
        lawsuit_on=plan.lawsuit_on,
        claim=plan.claim,
        post=plan.post,
    )


def _scenarios() -> list[_LoanPlan]:
    """The 2.0 loans whose claims show every workflow state (see the module docstring)."""
    _, big_a, big_b, joint_a, joint_b, joint_c, city, rural, village, private = _BANKS
    g1, g2, g3, g4, _ = _GUARANTORS

    def loan(
        firm: int,
        lender: str,
        guarantor: str | None,
        credit: int,
        granted: date,
        pre: Sequence[tuple[date, str, int]],
        *,
        overdue: date,
        lawsuit: date | None = None,
        claim: _ClaimPlan | None = None,
        post: Sequence[_Move] = (),
    ) -> _LoanPlan:
        return _LoanPlan(
            contract_no="",
            lender=lender,
            guarantor=guarantor,
            firm=firm,
            credit=_d(credit),
            granted_on=granted,
            term_months=24,
            pre=tuple(_Move(on, kind, _d(amount)) for on, kind, amount in pre),
            overdue_since=overdue,
            lawsuit_on=lawsuit,
            claim=claim,
            post=tuple(post),
        )

    def paid(ref: str, claimed: int, dates: tuple[date, date, date], loss: int) -> _ClaimPlan:
        submitted, commissioned, audited = dates
        return _ClaimPlan(
            ref, _d(claimed), submitted, commissioned, audited, _d(loss),
            reviewed=date(2025, 8, 26), approved=date(2025, 9, 3), paid=date(2025, 9, 10),
        )  # fmt: skip

    return [
        loan(30, ZZB, None, 8_000_000, date(2025, 2, 14),
             [(date(2025, 2, 20), "disburse", 6_000_000)], overdue=date(2025, 5, 20),
             claim=paid("2025-001", 6_000_000,
                        (date(2025, 7, 25), date(2025, 7, 30), date(2025, 8, 15)), 6_000_000),
             post=[_Move(date(2025, 9, 24), "recover", _d(1_200_000), "追偿-2025-001")]),
        loan(31, joint_a, g1, 5_000_000, date(2025, 2, 18),
             [(date(2025, 2, 25), "disburse", 5_000_000), (date(2025, 6, 20), "prepay", 3_000_000),
              (date(2025, 7, 10), "prepay", 2_000_000)], overdue=date(2025, 5, 10),
             claim=paid("2025-002", 5_000_000,
                        (date(2025, 7, 22), date(2025, 7, 28), date(2025, 8, 14)), 5_000_000)),
        loan(32, big_a, None, 4_000_000, date(2025, 2, 26),
             [(date(2025, 3, 5), "disburse", 3_500_000), (date(2025, 4, 5), "repay", 500_000)],
             overdue=date(2025, 5, 5),
             claim=paid("2025-003", 3_000_000,
                        (date(2025, 7, 15), date(2025, 7, 21), date(2025, 8, 12)), 2_800_000)),
        loan(33, city, None, 6_000_000, date(2025, 3, 3),
             [(date(2025, 3, 10), "disburse", 4_000_000)], overdue=date(2025, 5, 28),
             claim=_ClaimPlan("2025-004", _d(4_000_000), date(2025, 8, 5), date(2025, 8, 8),
                              date(2025, 8, 22), _d(4_000_000), reviewed=date(2025, 9, 5),
                              approved=date(2025, 9, 18))),
        loan(34, ZZB, g2, 3_000_000, date(2025, 3, 6),
             [(date(2025, 3, 12), "disburse", 3_000_000), (date(2025, 7, 1), "prepay", 3_000_000)],
             overdue=date(2025, 5, 15),
             claim=_ClaimPlan("2025-005", _d(3_000_000), date(2025, 7, 29), date(2025, 8, 4),
                              date(2025, 8, 25), _d(3_000_000), reviewed=date(2025, 9, 16))),
        loan(35, rural, None, 2_000_000, date(2025, 3, 11),
             [(date(2025, 3, 14), "disburse", 2_000_000)], overdue=date(2025, 6, 1),
             claim=_ClaimPlan("2025-006", _d(2_000_000), date(2025, 8, 12), date(2025, 8, 15),
                              date(2025, 9, 5), _d(1_900_000))),
        loan(36, joint_b, None, 5_000_000, date(2025, 3, 4),
             [(date(2025, 3, 10), "disburse", 4_500_000)], overdue=date(2025, 7, 20),
             lawsuit=date(2025, 8, 8),
             claim=_ClaimPlan("2025-007", _d(4_500_000), date(2025, 8, 18), date(2025, 8, 22))),
        loan(37, big_b, g3, 4_000_000, date(2025, 3, 18),
             [(date(2025, 3, 25), "disburse", 4_000_000), (date(2025, 8, 20), "prepay", 2_500_000),
              (date(2025, 8, 28), "prepay", 1_500_000)], overdue=date(2025, 6, 15),
             claim=_ClaimPlan("2025-008", _d(4_000_000), date(2025, 9, 5))),
        loan(38, joint_c, None, 3_000_000, date(2025, 2, 20),
             [(date(2025, 2, 27), "disburse", 3_000_000)], overdue=date(2025, 5, 8),
             claim=_ClaimPlan("2025-009", _d(3_000_000), date(2025, 7, 18), date(2025, 7, 22),
                              rejected=(date(2025, 8, 8), Role.AUDITOR,
                                        "经审计，贷款资金被挪用于购置商业房产，不符合郑科贷2.0贷款用途要求"))),
        loan(39, village, None, 2_000_000, date(2025, 2, 13),
             [(date(2025, 2, 18), "disburse", 1_500_000)], overdue=date(2025, 4, 25),
             claim=_ClaimPlan("2025-010", _d(1_500_000), date(2025, 7, 8),
                              withdrawn=(date(2025, 7, 30), "借款人已归还全部逾期本金，申请撤回")),
             post=[_Move(date(2025, 7, 29), "repay", _d(1_500_000))]),
        loan(40, private, g4, 5_000_000, date(2025, 3, 20),
             [(date(2025, 3, 26), "disburse", 5_000_000), (date(2025, 9, 15), "prepay", 1_200_000)],
             overdue=date(2025, 7, 1)),
    ]  # fmt: skip


def _era2(rng: random.Random) -> tuple[_LoanPlan, ...]:
    """郑科贷2.0 loans: the scenarios, generic loans hitting 4.9亿/2.8亿, and later loans."""
    scenarios = _scenarios()
    credit_left = _ZKD2_CREDIT - sum(int(p.credit) for p in scenarios)
    disbursed_left = _ZKD2_DISBURSED - sum(
        int(m.amount) for p in scenarios for m in p.pre if m.kind == "disburse"
    )
    n, start, end = 57, date(2025, 2, 12), date(2025, 6, 27)
    lenders = (ZZB, ZZB, ZZB, *_BANKS[1:])
    # firms 2..21 borrowed under 1.0 as well (at most 5 million there): two pool loans each.
    generic_firms = [2 + i for i in range(20)] + [41 + i for i in range(n - 20)]  # ..77
    granted = [start + timedelta(days=i * (end - start).days // (n - 1)) for i in range(n)]
    credits = [rng.choice((3, 5, 6, 8, 10, 12, 15)) * 1_000_000 for _ in range(n)]
    _adjust(credits, credit_left, [2_000_000] * n, [15_000_000] * n)
    shares = [rng.choice((3, 4, 5, 6, 7, 8, 10)) for _ in range(n)]
    disbursed = [
        max(500_000, _round_down(c * s // 10, 100_000))
        for c, s in zip(credits, shares, strict=True)
    ]
    _adjust(disbursed, disbursed_left, [500_000] * n, credits)

    generic: list[_LoanPlan] = []
    for i in range(n):
        guarantor = rng.choice(_GUARANTORS) if i % 3 == 2 else None
        term = rng.choice((12, 24, 36))
        first_on = min(granted[i] + timedelta(days=3 + i % 7), FIGURES_AS_OF)
        moves: list[_Move] = []
        if disbursed[i] >= 2_000_000 and i % 3 == 1:
            first = _round_down(disbursed[i] * 6 // 10, 100_000)
            second_on = first_on + (FIGURES_AS_OF - first_on) // 2
            moves += [
                _Move(first_on, "disburse", _d(first)),
                _Move(second_on, "disburse", _d(disbursed[i] - first)),
            ]
        else:
            moves.append(_Move(first_on, "disburse", _d(disbursed[i])))
        total = disbursed[i]
        headroom = credits[i] - disbursed[i]
        if i % 5 == 1 and headroom >= 500_000:  # drawn again after the figures' date
            more = headroom if headroom <= 3_000_000 else _round_down(headroom // 2, 100_000)
            moves.append(_Move(date(2025, 7, 8) + timedelta(days=i % 45), "disburse", _d(more)))
            total += more
        if i % 6 == 2:  # a regular principal repayment
            moves.append(
                _Move(
                    date(2025, 9, 15), "repay", _d(max(100_000, _round_down(total // 10, 100_000)))
                )
            )
        generic.append(
            _LoanPlan(
                contract_no="",
                lender=rng.choice(lenders),
                guarantor=guarantor,
                firm=generic_firms[i],
                credit=_d(credits[i]),
                granted_on=granted[i],
                term_months=term,
                pre=tuple(moves),
            )
        )
    later: list[_LoanPlan] = []
    for i in range(8):  # granted after 2025-06-30: outside the seed's figures
        granted_on = date(2025, 7, 3) + timedelta(days=i * 11)
        credit = rng.choice((3, 5, 6, 8, 10)) * 1_000_000
        later.append(
            _LoanPlan(
                contract_no="",
                lender=rng.choice(lenders),
                guarantor=rng.choice(_GUARANTORS) if i % 3 == 1 else None,
                firm=78 + i,
                credit=_d(credit),
                granted_on=granted_on,
                term_months=rng.choice((12, 24, 36)),
                pre=(
                    _Move(
                        granted_on + timedelta(days=5),
                        "disburse",
                        _d(_round_down(credit * 6 // 10, 100_000)),
                    ),
                ),
            )
        )
    plans = sorted([*scenarios, *generic, *later], key=lambda p: (p.granted_on, p.firm))
    return tuple(_with_contract(p, f"ZKD2-2025-{n:03d}") for n, p in enumerate(plans, 1))


@cache
def _plan() -> _Plan:
    rng = random.Random(DEMO_SEED)
    firms_ = _firms(rng)
    era1 = _era1(rng)
    era2 = _era2(rng)
    by_june = [p for p in era2 if p.granted_on <= FIGURES_AS_OF]
    assert sum(int(p.credit) for p in by_june) == _ZKD2_CREDIT
    assert (
        sum(
            int(m.amount)
            for p in era2
            for m in p.pre
            if m.kind == "disburse" and m.on <= FIGURES_AS_OF
        )
        == _ZKD2_DISBURSED
    )
    return _Plan(firms_, era1, era2)


# -- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What the demo database holds (read back from it, so a replay reports the same).

    ``first_compensation_claim_ids``: the two 2024-07 郑科贷1.0 claims of 郑州银行;
    ``transfer_entry_ids``: the reserve's and the pool's entries of the 1亿 transfer;
    ``pool_cash_after_transfer``: the pool's cash at the end of :data:`TRANSFER_DATE`;
    ``zkd2_credit`` / ``zkd2_disbursed``: the 郑科贷2.0 figures as of :data:`FIGURES_AS_OF`.
    """

    institutions: int
    firms: int
    loans: int
    loans_by_policy: Mapping[str, int]
    claims_by_state: Mapping[str, int]
    ledger_entries: int
    zhengzhou_bank_id: int | None
    first_compensation_claim_ids: tuple[int, ...]
    transfer_entry_ids: tuple[int, ...]
    pool_cash_after_transfer: Money
    pool_cash: Money
    zkd2_credit: Money
    zkd2_disbursed: Money


async def summarize(db: Database) -> DemoReport:
    """Read the demo's key figures back from the database (one read transaction)."""
    plan = _plan()
    seed_contracts = [p.contract_no for p in plan.era1 if p.claim is not None]
    async with db.transaction(write=False) as conn:

        async def count(table: Table) -> int:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

        by_policy = {
            str(row[0]): int(row[1])
            for row in await conn.execute(
                select(loans.c.policy_code, func.count()).group_by(loans.c.policy_code)
            )
            if row[0] is not None
        }
        by_state = {
            str(row[0]): int(row[1])
            for row in await conn.execute(
                select(claims.c.state, func.count()).group_by(claims.c.state)
            )
        }
        zzb = (
            await conn.execute(select(institutions.c.id).where(institutions.c.name == ZZB))
        ).scalar_one_or_none()
        seed_claims = tuple(
            int(row[0])
            for row in await conn.execute(
                select(claims.c.id)
                .select_from(claims.join(loans, loans.c.id == claims.c.loan_id))
                .where(loans.c.contract_no.in_(seed_contracts))
                .order_by(claims.c.id)
            )
        )
        ledger = LedgerStore(conn)
        transfer = [
            await ledger.entry_by_key(f"reserve-transfer:{TRANSFER_DATE}:{side}")
            for side in ("out", "in")
        ]
        zkd2 = loans.c.policy_code == ZKD_2025.code
        credit = (
            await conn.execute(
                select(func.coalesce(func.sum(loans.c.credit_line), 0)).where(
                    zkd2, loans.c.granted_on <= FIGURES_AS_OF
                )
            )
        ).scalar_one()
        disbursed = (
            await conn.execute(
                select(func.coalesce(func.sum(loan_movements.c.amount), 0))
                .select_from(loan_movements.join(loans, loans.c.id == loan_movements.c.loan_id))
                .where(
                    zkd2,
                    loan_movements.c.kind == "DISBURSEMENT",
                    loan_movements.c.on_date <= FIGURES_AS_OF,
                )
            )
        ).scalar_one()
        return DemoReport(
            institutions=await count(institutions),
            firms=await count(firms),
            loans=await count(loans),
            loans_by_policy=MappingProxyType(dict(sorted(by_policy.items()))),
            claims_by_state=MappingProxyType(dict(sorted(by_state.items()))),
            ledger_entries=await count(ledger_entries),
            zhengzhou_bank_id=int(zzb) if zzb is not None else None,
            first_compensation_claim_ids=seed_claims,
            transfer_entry_ids=tuple(e.id for e in transfer if e is not None),
            pool_cash_after_transfer=await ledger.balance(
                BookCode.CITY_POOL.value, Acct.CASH, TRANSFER_DATE
            ),
            pool_cash=await ledger.balance(BookCode.CITY_POOL.value, Acct.CASH),
            zkd2_credit=_fen(int(credit)),
            zkd2_disbursed=_fen(int(disbursed)),
        )


def _fen(units: int) -> Money:
    return from_minor(units, "CNY")


# -- loading ------------------------------------------------------------------------------------


def _at(day: date) -> datetime:
    """10:00 Beijing time on ``day``, as an aware UTC timestamp."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


@dataclass(slots=True)
class _LoanState:
    id: int
    entered: bool
    overdue: bool
    sued: bool


class _Loader:
    def __init__(self, db: Database) -> None:
        self.parties = PartyService(db)
        self.loans = LoanService(db)
        self.claims = ClaimService(db)
        self.funds = FundService(db)
        self.innovation = InnovationService(db)
        self.db = db
        self.plan = _plan()
        self.institution_ids: dict[str, int] = {}
        self.firm_ids: dict[int, int] = {}
        self.loan_state: dict[str, _LoanState] = {}
        self.seed_claims: list[Claim] = []

    def bank(self, name: str) -> Actor:
        return Actor(Role.INSTITUTION, f"{name}经办人", self.institution_ids[name])

    async def run(self) -> None:
        await self.funds.setup()
        await self._prefetch()
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

    async def _prefetch(self) -> None:
        """What exists already: the per-item checks that make non-keyed steps idempotent."""
        async with self.db.transaction(write=False) as conn:
            rows = await conn.execute(select(institutions.c.name, institutions.c.id))
            self.institution_ids = {row.name: int(row.id) for row in rows}
            rows = await conn.execute(select(firms.c.uscc, firms.c.id))
            by_uscc = {row.uscc: int(row.id) for row in rows}
            self.firm_ids = {
                i: by_uscc[f.uscc] for i, f in enumerate(self.plan.firms) if f.uscc in by_uscc
            }
            rows = await conn.execute(
                select(
                    loans.c.contract_no,
                    loans.c.id,
                    loans.c.pool_entry_on,
                    loans.c.overdue_since,
                    loans.c.lawsuit_filed_on,
                )
            )
            self.loan_state = {
                row.contract_no: _LoanState(
                    int(row.id),
                    row.pool_entry_on is not None,
                    row.overdue_since is not None,
                    row.lawsuit_filed_on is not None,
                )
                for row in rows
            }

    async def _institutions(self) -> None:
        for name, kind, since in _INSTITUTIONS:
            if name not in self.institution_ids:
                created = await self.parties.register_institution(
                    OPERATOR, name=name, kind=kind, cooperating_since=since
                )
                assert created.id is not None
                self.institution_ids[name] = created.id

    async def _firms(self) -> None:
        for i, firm in enumerate(self.plan.firms):
            if i not in self.firm_ids:
                created = await self.parties.register_firm(
                    OPERATOR,
                    name=firm.name,
                    uscc=firm.uscc,
                    sector=firm.sector,
                    annual_revenue=cny(firm.revenue),
                    innovation_tier=firm.tier,
                )
                assert created.id is not None
                self.firm_ids[i] = created.id

    async def _tranches(self) -> None:
        tranches = (
            (date(2018, 11, 30), 30_000_000),
            (date(2019, 6, 28), 30_000_000),
            (date(2020, 6, 30), 40_000_000),
        )
        for n, (on, amount) in enumerate(tranches, 1):
            await self.funds.reserve_tranche(
                FINANCE,
                tranche_no=n,
                on=on,
                amount=cny(amount),
                idempotency_key=f"demo:fund:reserve-tranche-{n}",
            )

    async def _fusion(self) -> None:
        """Top the reserve back up, fund the pool, move the reserve in: 1.7亿."""
        paid = money_sum(c.paid_amount for c in self.seed_claims if c.paid_amount is not None)
        await self.funds.top_up(
            FINANCE,
            book=BookCode.ZKD_RESERVE,
            on=date(2025, 1, 20),
            amount=paid,
            reference="DEMO-补足2024年7月风险补偿支出",
            idempotency_key="demo:fund:reserve-topup-2025",
        )
        await self.funds.allocate(
            FINANCE,
            book=BookCode.CITY_POOL,
            on=date(2025, 2, 6),
            amount=cny(70_000_000),
            reference="DEMO-郑好融并入及新增财政拨款",
            idempotency_key="demo:fund:pool-allocation-2025",
        )
        await self.funds.transfer_reserve_to_pool(
            FINANCE,
            on=TRANSFER_DATE,
            amount=cny(100_000_000),
            idempotency_key="demo:fund:reserve-transfer",
        )

    async def _pool_income(self, quarter: int) -> None:
        on, amount = {
            1: (date(2025, 3, 21), "211791.67"),
            2: (date(2025, 6, 21), "500233.54"),
            3: (date(2025, 9, 21), "495410.07"),
        }[quarter]
        await self.funds.record_interest(
            OPERATOR,
            book=BookCode.CITY_POOL,
            on=on,
            amount=cny(amount),
            period=f"2025Q{quarter}",
            idempotency_key=f"demo:fund:interest-2025Q{quarter}",
        )

    async def _fee(self) -> None:
        await self.funds.charge_management_fee(
            OPERATOR,
            book=BookCode.CITY_POOL,
            on=date(2025, 7, 15),
            amount=cny("600000.00"),
            period="2025H1",
            idempotency_key="demo:fund:fee-2025H1",
        )

    async def _loan(self, plan: _LoanPlan) -> None:
        lender = self.bank(plan.lender)
        state = self.loan_state.get(plan.contract_no)
        if state is None:
            loan = await self.loans.grant(
                lender,
                contract_no=plan.contract_no,
                lender_id=self.institution_ids[plan.lender],
                firm_id=self.firm_ids[plan.firm],
                loan_type=plan.loan_type,
                credit_line=cny(plan.credit),
                granted_on=plan.granted_on,
                maturity=plan.maturity,
                guarantor_id=(
                    self.institution_ids[plan.guarantor] if plan.guarantor is not None else None
                ),
            )
            assert loan.id is not None
            state = _LoanState(loan.id, entered=False, overdue=False, sued=False)
            self.loan_state[plan.contract_no] = state
        if not state.entered:
            await self.loans.enter_pool(lender, state.id, on=plan.granted_on)
            state.entered = True
        for n, move in enumerate(plan.pre, 1):
            await self._move(plan, state.id, move, n)
        if plan.overdue_since is not None and not state.overdue:
            await self.loans.mark_overdue(lender, state.id, since=plan.overdue_since)
            state.overdue = True
        if plan.lawsuit_on is not None and not state.sued:
            await self.loans.record_lawsuit(lender, state.id, filed_on=plan.lawsuit_on)
            state.sued = True
        if plan.claim is not None:
            await self._claim(plan, state.id, plan.claim)
        for n, move in enumerate(plan.post, len(plan.pre) + 1):
            await self._move(plan, state.id, move, n)

    async def _move(self, plan: _LoanPlan, loan_id: int, move: _Move, n: int) -> None:
        key = f"demo:{plan.contract_no}:{move.kind}-{n}"
        amount = cny(move.amount)
        if move.kind == "disburse":
            await self.loans.disburse(
                self.bank(plan.lender), loan_id, on=move.on, amount=amount, idempotency_key=key
            )
        elif move.kind == "repay":
            await self.loans.repay(
                self.bank(plan.lender), loan_id, on=move.on, amount=amount, idempotency_key=key
            )
        elif move.kind == "prepay":
            assert plan.guarantor is not None
            await self.loans.record_prepayment(
                self.bank(plan.guarantor), loan_id, on=move.on, amount=amount, idempotency_key=key
            )
        else:
            await self.loans.record_recovery(
                self.bank(plan.guarantor or plan.lender),
                loan_id,
                on=move.on,
                amount=amount,
                reference=move.reference,
                idempotency_key=key,
            )

    async def _claim(self, plan: _LoanPlan, loan_id: int, c: _ClaimPlan) -> None:
        claimant = self.bank(plan.guarantor or plan.lender)
        prefix = f"demo:{plan.contract_no}:claim"
        claim = await self.claims.submit(
            claimant,
            loan_id=loan_id,
            claimed_principal=cny(c.claimed),
            evidence=Evidence(documents=f"DEMO-补偿申请材料-{c.ref}"),
            at=_at(c.submitted),
            idempotency_key=f"{prefix}:submit",
        )
        assert claim.id is not None
        year = c.submitted.year
        steps: list[tuple[Actor, ClaimAction, date, Evidence | None, str | None]] = []
        if c.commissioned:
            steps.append((OPERATOR, ClaimAction.COMMISSION_AUDIT, c.commissioned, None, None))
        if c.audited:
            assert c.audited_loss is not None
            evidence = Evidence(
                audit_report_ref=f"DEMO-审计报告-{c.ref}",
                audited_principal_loss=cny(c.audited_loss),
            )
            steps.append((AUDITOR, ClaimAction.RECORD_AUDIT, c.audited, evidence, None))
        if c.reviewed:
            evidence = Evidence(
                review_opinion="经审核，贷款合规、损失属实，同意按政策比例补偿",
                finance_concurrence=Concurrence(FINANCE, f"DEMO-郑财金〔{year}〕{c.ref[-3:]}号"),
            )
            steps.append((SCIENCE, ClaimAction.REVIEW, c.reviewed, evidence, None))
        if c.approved:
            evidence = Evidence(approval_document_no=f"DEMO-郑政文〔{year}〕{c.ref[-3:]}号")
            steps.append((CITY, ClaimAction.APPROVE, c.approved, evidence, None))
        if c.paid:
            evidence = Evidence(payment_reference=f"DEMO-PAY-{c.ref}")
            steps.append((OPERATOR, ClaimAction.PAY, c.paid, evidence, None))
        if c.rejected:
            on, role, reason = c.rejected
            steps.append((_BY_ROLE[role], ClaimAction.REJECT, on, None, reason))
        if c.withdrawn:
            on, reason = c.withdrawn
            steps.append((claimant, ClaimAction.WITHDRAW, on, None, reason))
        for actor, action, day, attached, why in steps:
            claim = await self.claims.act(
                actor,
                claim.id,
                action,
                at=_at(day),
                evidence=attached,
                reason=why,
                idempotency_key=f"{prefix}:{action.value.lower()}",
            )
        if plan.contract_no.startswith("ZKD1-"):
            self.seed_claims.append(claim)

    # -- innovation points and warnings (appended; see the module docstring) -------------

    async def _innovation(self) -> None:
        """A local indicator, 2024 values for every firm, one scoring run (each only once)."""
        async with self.db.transaction(write=False) as conn:
            catalogue = await innovation_views.catalogue(OPERATOR, conn)
        if "L_TAX_PAID" not in catalogue:
            await self.innovation.define_local_indicator(
                OPERATOR,
                code="L_TAX_PAID",
                name="纳税总额（郑州高新区）",
                unit=Unit.YUAN,
                minimum=Decimal(0),
                maximum=Decimal("1000000000000.00"),
                weights={stage: Decimal(3) for stage in Stage},
                description="DEMO: 当年实际缴纳税费总额（元）",
                at=_at(date(2025, 1, 10)),
            )
        async with self.db.transaction(write=False) as conn:
            submitted = {
                int(row.firm_id)
                for row in await conn.execute(
                    select(innovation_submissions.c.firm_id).where(
                        innovation_submissions.c.year == INNOVATION_YEAR
                    )
                )
            }
            scored = (
                await conn.execute(
                    select(func.count())
                    .select_from(innovation_scoring_runs)
                    .where(innovation_scoring_runs.c.year == INNOVATION_YEAR)
                )
            ).scalar_one()
        for i, (stage, values) in enumerate(_indicator_values(self.plan.firms)):
            if self.firm_ids[i] not in submitted:
                await self.innovation.submit(
                    OPERATOR,
                    firm_id=self.firm_ids[i],
                    year=INNOVATION_YEAR,
                    stage=stage,
                    values=values,
                    source="DEMO-指数平台",
                    at=_at(date(2025, 1, 15)),
                )
        if not scored:
            await self.innovation.score(OPERATOR, year=INNOVATION_YEAR, at=_at(date(2025, 1, 20)))

    async def _near_trigger(self) -> None:
        """Mark one generic 2.0 loan overdue 40 days before :data:`WARNINGS_AS_OF`."""
        plan = next(
            p
            for p in self.plan.era2
            if p.overdue_since is None and p.claim is None and p.granted_on <= FIGURES_AS_OF
        )
        state = self.loan_state[plan.contract_no]
        if not state.overdue:
            await self.loans.mark_overdue(
                self.bank(plan.lender), state.id, since=WARNINGS_AS_OF - timedelta(days=40)
            )
            state.overdue = True


def _indicator_values(
    planned: Sequence[_Firm],
) -> list[tuple[Stage, dict[str, Decimal | None]]]:
    """Synthetic 2024 values of every firm, from their own seeded generator (pure data).

    Integers only from the generator, turned into exact Decimals (never floats).
    """
    rng = random.Random(DEMO_SEED + INNOVATION_YEAR)
    by_revenue = sorted(range(len(planned)), key=lambda i: (planned[i].revenue, i))
    stage_of = {
        i: (Stage.STARTUP, Stage.GROWTH, Stage.MATURE)[rank * 3 // len(planned)]
        for rank, i in enumerate(by_revenue)
    }
    result: list[tuple[Stage, dict[str, Decimal | None]]] = []
    for i, firm in enumerate(planned):
        revenue = firm.revenue
        intensity = rng.randrange(200, 2500)  # basis points of revenue, /100 = %
        rd = revenue * intensity // 10_000
        values: dict[str, Decimal | None] = {
            "RD_EXPENSE": Decimal(rd),
            "RD_EXPENSE_GROWTH": Decimal(rng.randrange(-2000, 8000)) / 100,
            "RD_INTENSITY": Decimal(intensity) / 100,
            "TECH_STAFF_SHARE": Decimal(rng.randrange(1000, 8000)) / 100,
            "INVENTION_PATENT_APPLICATIONS": Decimal(rng.randrange(0, 40)),
            "PCT_APPLICATIONS": Decimal(rng.randrange(0, 4)),
            "TECH_CONTRACT_TURNOVER": Decimal(rng.randrange(0, 500) * 10_000),
            "HIGH_TECH_PRODUCT_REVENUE": Decimal(revenue * rng.randrange(30, 95) // 100),
            "REVENUE": Decimal(revenue),
            "REVENUE_GROWTH": Decimal(rng.randrange(-1500, 6000)) / 100,
            "POSTGRADUATE_SHARE": Decimal(rng.randrange(200, 4000)) / 100,
            "RD_SUPER_DEDUCTION": Decimal(rd),
            "RETURN_ON_NET_ASSETS": Decimal(rng.randrange(-1000, 3000)) / 100,
            "L_TAX_PAID": Decimal(revenue * rng.randrange(3, 9) // 100),
        }
        auxiliary = {
            "GRADUATES_HIRED": rng.randrange(0, 30),
            "PROVINCIAL_PLATFORMS": rng.randrange(0, 3),
            "PROVINCIAL_AWARDS": rng.randrange(0, 2),
            "EQUITY_FINANCING": rng.randrange(0, 5) * 2_000_000,
            "STANDARDS_DRAFTED": rng.randrange(0, 3),
        }
        values.update({code: Decimal(v) for code, v in auxiliary.items() if v})
        result.append((stage_of[i], values))
    return result


async def load_demo(db: Database) -> DemoReport:
    """Load the demo data set into a migrated database; idempotent (see the module docstring).

    Returns the :func:`summarize` report of what the database then holds.
    """
    await _Loader(db).run()
    return await summarize(db)
