"""The demo data set's plan: the seed's money story, plus synthetic loans and claims around it.

Pure data: every figure and every date. :mod:`riskpool.demo.loader` sends it
to the composition root's bus as commands, never by writing rows itself, so
every domain rule and every ledger invariant is exercised by the data it
produces. It is **deterministic** (no clock, no unseeded randomness: every date is fixed
between 2018-10 and 2025-09, the one :class:`random.Random` has a fixed seed)
and **idempotent**: every command carries a fixed idempotency key, so a
replay returns the first result and writes nothing. Loading twice therefore
changes nothing, and loading into a partially loaded database completes it.

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
  suffix), valid 统一社会信用代码 from :func:`riskpool.domain.model.uscc.generate_uscc`
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Final

from riskpool.domain.model.dates import add_months
from riskpool.domain.model.innovation.catalogue import Stage
from riskpool.domain.model.parties import Actor, InstitutionKind, Role
from riskpool.domain.model.policy import LoanType
from riskpool.domain.model.uscc import generate_uscc

DEMO_SEED: Final = 20181001
"""Seed of the demo's one random generator (the date 郑科贷 started)."""

TRANSFER_DATE: Final = date(2025, 2, 10)
"""The reserve's 1亿 moves into the city pool (synthetic date, after the 2025-02-06 fusion)."""

FIGURES_AS_OF: Final = date(2025, 6, 30)
"""The date of the seed's 郑科贷2.0 figures (4.9亿 credit, 2.8亿 disbursed)."""

_ZKD2_CREDIT: Final = 490_000_000
_ZKD2_DISBURSED: Final = 280_000_000
LAST_DAY: Final = date(2025, 9, 30)

INNOVATION_YEAR: Final = 2024
"""The business year of the demo's innovation-points submissions and scoring run."""

WARNINGS_AS_OF: Final = LAST_DAY
"""Reference date on which the demo raises loan, institution and concentration warnings."""

POOL_WARNING_AS_OF: Final = date(2025, 2, 7)
"""Between the pool's allocation and the reserve's transfer: the pool is below its floor."""

OPERATOR: Final = Actor(Role.OPERATOR, "运营管理机构")
FINANCE: Final = Actor(Role.FINANCE_BUREAU, "市财政局")
SCIENCE: Final = Actor(Role.SCIENCE_BUREAU, "市科技局")
AUDITOR: Final = Actor(Role.AUDITOR, "第三方审计机构（DEMO会计师事务所）")
CITY: Final = Actor(Role.CITY_GOVERNMENT, "市政府")
BY_ROLE: Final = {a.role: a for a in (OPERATOR, FINANCE, SCIENCE, AUDITOR, CITY)}

ZZB: Final = "郑州银行"

# name, kind, cooperating since (the 2018 ones cooperated under 郑科贷1.0 already).
INSTITUTIONS: Final[tuple[tuple[str, InstitutionKind, date], ...]] = (
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
_BANKS: Final = tuple(n for n, k, _ in INSTITUTIONS if k is InstitutionKind.BANK)
_GUARANTORS: Final = tuple(n for n, k, _ in INSTITUTIONS if k is InstitutionKind.GUARANTOR)
_SINCE: Final = {n: s for n, _, s in INSTITUTIONS}

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


@dataclass(frozen=True, slots=True)
class PlannedFirm:
    name: str
    uscc: str
    sector: str
    revenue: int
    tier: int


@dataclass(frozen=True, slots=True)
class Move:
    """A loan movement: ``kind`` is disburse, repay, prepay or recover (amounts in yuan)."""

    on: date
    kind: str
    amount: Decimal
    reference: str = ""


@dataclass(frozen=True, slots=True)
class ClaimPlan:
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
class LoanPlan:
    contract_no: str
    lender: str
    guarantor: str | None
    firm: int
    credit: Decimal
    granted_on: date
    term_months: int
    pre: tuple[Move, ...]
    overdue_since: date | None = None
    lawsuit_on: date | None = None
    claim: ClaimPlan | None = None
    post: tuple[Move, ...] = ()

    @property
    def maturity(self) -> date:
        return add_months(self.granted_on, self.term_months)

    @property
    def loan_type(self) -> LoanType:
        return LoanType.BANK_DIRECT if self.guarantor is None else LoanType.GUARANTEED


@dataclass(frozen=True, slots=True)
class Plan:
    firms: tuple[PlannedFirm, ...]
    era1: tuple[LoanPlan, ...]
    era2: tuple[LoanPlan, ...]


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


def _firms(rng: random.Random) -> tuple[PlannedFirm, ...]:
    result: list[PlannedFirm] = []
    usccs: set[str] = set()
    for i in range(_FIRM_COUNT):
        stem = _STEMS[i % len(_STEMS)]
        sector, suffix = _SECTORS[(i + (i // len(_STEMS)) * 4) % len(_SECTORS)]
        uscc = generate_uscc(DEMO_SEED + i)
        assert uscc not in usccs, "demo USCC collision"
        usccs.add(uscc)
        revenue = rng.randrange(50, 3001) * 100_000  # 5 million to 300 million
        result.append(PlannedFirm(f"郑州{stem}{suffix}", uscc, sector, revenue, rng.randint(1, 5)))
    return tuple(result)


def _seed_loans() -> list[LoanPlan]:
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
            LoanPlan(
                contract_no="",
                lender=ZZB,
                guarantor=None,
                firm=n - 1,
                credit=_d(credit),
                granted_on=granted,
                term_months=24,
                pre=(Move(dis_on, "disburse", _d(credit)), Move(rep_on, "repay", _d(repaid))),
                overdue_since=overdue,
                claim=ClaimPlan(
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


def _era1(rng: random.Random) -> tuple[LoanPlan, ...]:
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
        moves = [Move(disbursed_on, "disburse", _d(credit))]
        half_on = add_months(granted, term // 2)
        if maturity <= LAST_DAY:  # matured: principal repaid at maturity (到期还本)
            moves.append(Move(maturity, "repay", _d(credit)))
        elif half_on <= LAST_DAY:
            moves.append(Move(half_on, "repay", _d(_round_down(credit * 3 // 10, 100_000))))
        plans.append(
            LoanPlan(
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


def _with_contract(plan: LoanPlan, contract_no: str) -> LoanPlan:
    return LoanPlan(
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


def _scenarios() -> list[LoanPlan]:
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
        claim: ClaimPlan | None = None,
        post: Sequence[Move] = (),
    ) -> LoanPlan:
        return LoanPlan(
            contract_no="",
            lender=lender,
            guarantor=guarantor,
            firm=firm,
            credit=_d(credit),
            granted_on=granted,
            term_months=24,
            pre=tuple(Move(on, kind, _d(amount)) for on, kind, amount in pre),
            overdue_since=overdue,
            lawsuit_on=lawsuit,
            claim=claim,
            post=tuple(post),
        )

    def paid(ref: str, claimed: int, dates: tuple[date, date, date], loss: int) -> ClaimPlan:
        submitted, commissioned, audited = dates
        return ClaimPlan(
            ref, _d(claimed), submitted, commissioned, audited, _d(loss),
            reviewed=date(2025, 8, 26), approved=date(2025, 9, 3), paid=date(2025, 9, 10),
        )  # fmt: skip

    return [
        loan(30, ZZB, None, 8_000_000, date(2025, 2, 14),
             [(date(2025, 2, 20), "disburse", 6_000_000)], overdue=date(2025, 5, 20),
             claim=paid("2025-001", 6_000_000,
                        (date(2025, 7, 25), date(2025, 7, 30), date(2025, 8, 15)), 6_000_000),
             post=[Move(date(2025, 9, 24), "recover", _d(1_200_000), "追偿-2025-001")]),
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
             claim=ClaimPlan("2025-004", _d(4_000_000), date(2025, 8, 5), date(2025, 8, 8),
                              date(2025, 8, 22), _d(4_000_000), reviewed=date(2025, 9, 5),
                              approved=date(2025, 9, 18))),
        loan(34, ZZB, g2, 3_000_000, date(2025, 3, 6),
             [(date(2025, 3, 12), "disburse", 3_000_000), (date(2025, 7, 1), "prepay", 3_000_000)],
             overdue=date(2025, 5, 15),
             claim=ClaimPlan("2025-005", _d(3_000_000), date(2025, 7, 29), date(2025, 8, 4),
                              date(2025, 8, 25), _d(3_000_000), reviewed=date(2025, 9, 16))),
        loan(35, rural, None, 2_000_000, date(2025, 3, 11),
             [(date(2025, 3, 14), "disburse", 2_000_000)], overdue=date(2025, 6, 1),
             claim=ClaimPlan("2025-006", _d(2_000_000), date(2025, 8, 12), date(2025, 8, 15),
                              date(2025, 9, 5), _d(1_900_000))),
        loan(36, joint_b, None, 5_000_000, date(2025, 3, 4),
             [(date(2025, 3, 10), "disburse", 4_500_000)], overdue=date(2025, 7, 20),
             lawsuit=date(2025, 8, 8),
             claim=ClaimPlan("2025-007", _d(4_500_000), date(2025, 8, 18), date(2025, 8, 22))),
        loan(37, big_b, g3, 4_000_000, date(2025, 3, 18),
             [(date(2025, 3, 25), "disburse", 4_000_000), (date(2025, 8, 20), "prepay", 2_500_000),
              (date(2025, 8, 28), "prepay", 1_500_000)], overdue=date(2025, 6, 15),
             claim=ClaimPlan("2025-008", _d(4_000_000), date(2025, 9, 5))),
        loan(38, joint_c, None, 3_000_000, date(2025, 2, 20),
             [(date(2025, 2, 27), "disburse", 3_000_000)], overdue=date(2025, 5, 8),
             claim=ClaimPlan("2025-009", _d(3_000_000), date(2025, 7, 18), date(2025, 7, 22),
                              rejected=(date(2025, 8, 8), Role.AUDITOR,
                                        "经审计，贷款资金被挪用于购置商业房产，不符合郑科贷2.0贷款用途要求"))),
        loan(39, village, None, 2_000_000, date(2025, 2, 13),
             [(date(2025, 2, 18), "disburse", 1_500_000)], overdue=date(2025, 4, 25),
             claim=ClaimPlan("2025-010", _d(1_500_000), date(2025, 7, 8),
                              withdrawn=(date(2025, 7, 30), "借款人已归还全部逾期本金，申请撤回")),
             post=[Move(date(2025, 7, 29), "repay", _d(1_500_000))]),
        loan(40, private, g4, 5_000_000, date(2025, 3, 20),
             [(date(2025, 3, 26), "disburse", 5_000_000), (date(2025, 9, 15), "prepay", 1_200_000)],
             overdue=date(2025, 7, 1)),
    ]  # fmt: skip


def _era2(rng: random.Random) -> tuple[LoanPlan, ...]:
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

    generic: list[LoanPlan] = []
    for i in range(n):
        guarantor = rng.choice(_GUARANTORS) if i % 3 == 2 else None
        term = rng.choice((12, 24, 36))
        first_on = min(granted[i] + timedelta(days=3 + i % 7), FIGURES_AS_OF)
        moves: list[Move] = []
        if disbursed[i] >= 2_000_000 and i % 3 == 1:
            first = _round_down(disbursed[i] * 6 // 10, 100_000)
            second_on = first_on + (FIGURES_AS_OF - first_on) // 2
            moves += [
                Move(first_on, "disburse", _d(first)),
                Move(second_on, "disburse", _d(disbursed[i] - first)),
            ]
        else:
            moves.append(Move(first_on, "disburse", _d(disbursed[i])))
        total = disbursed[i]
        headroom = credits[i] - disbursed[i]
        if i % 5 == 1 and headroom >= 500_000:  # drawn again after the figures' date
            more = headroom if headroom <= 3_000_000 else _round_down(headroom // 2, 100_000)
            moves.append(Move(date(2025, 7, 8) + timedelta(days=i % 45), "disburse", _d(more)))
            total += more
        if i % 6 == 2:  # a regular principal repayment
            moves.append(
                Move(
                    date(2025, 9, 15), "repay", _d(max(100_000, _round_down(total // 10, 100_000)))
                )
            )
        generic.append(
            LoanPlan(
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
    later: list[LoanPlan] = []
    for i in range(8):  # granted after 2025-06-30: outside the seed's figures
        granted_on = date(2025, 7, 3) + timedelta(days=i * 11)
        credit = rng.choice((3, 5, 6, 8, 10)) * 1_000_000
        later.append(
            LoanPlan(
                contract_no="",
                lender=rng.choice(lenders),
                guarantor=rng.choice(_GUARANTORS) if i % 3 == 1 else None,
                firm=78 + i,
                credit=_d(credit),
                granted_on=granted_on,
                term_months=rng.choice((12, 24, 36)),
                pre=(
                    Move(
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
def demo_plan() -> Plan:
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
    return Plan(firms_, era1, era2)


def indicator_values(
    planned: Sequence[PlannedFirm],
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
