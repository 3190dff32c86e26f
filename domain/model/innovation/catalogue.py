"""The versioned catalogue of innovation-points indicators ("18 + N").

Why the catalogue is data and not code paths: the national guideline
(《“创新积分制”工作指引（全国试行版）》, 2024) fixes a core of 18 indicators in
three groups, but leaves the weights per growth stage, two auxiliary
indicators and any number of local indicators ("20+N" in the Zhengzhou
high-tech zone) to the zone. A score is only reproducible if the exact
indicator set, units, ranges and weights it was computed with can be named
later, so a catalogue is an immutable value with a ``version``; adding a local
indicator yields a *new* version (``NAT-2024+L1``, ``+L2``, …) and scores record
the version they used.

The national core (:data:`NATIONAL_CORE`), all "higher is better":

==========  ===  =====================================================  =======
group       n    indicators                                             unit
==========  ===  =====================================================  =======
TECHNOLOGY  7    R&D expense; its growth; its share of revenue; share    mixed
                 of tech staff; invention patent applications in the
                 main business; PCT applications; technology contract
                 turnover
GROWTH      6    high-tech product revenue; revenue; revenue growth;     mixed
                 share of staff with a postgraduate degree; R&D
                 super-deduction amount; return on net assets
AUXILIARY   5    graduates hired; provincial-or-higher platforms (last   mixed
                 two years); provincial-or-higher science awards (last
                 two years); and two configurable ones — by default
                 equity financing raised and standards drafted
==========  ===  =====================================================  =======

Weights are points per stage (start-up, growth, mature), 100 per stage over
the core — our defaults, documented in docs/innovation.md: start-ups weigh
technology and growth *rates*, mature firms scale (revenue, high-tech revenue,
super-deduction, ROE). Local indicators bring their own points; scoring
divides every weight by the stage's total, so adding a local indicator scales
the core down proportionally instead of breaking the 100.

Technology and growth indicators are required in a submission; auxiliary and
local ones are optional, and an absent one counts as 0 (no award, no
platform) — the common case, which a required field would turn into noise.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from riskpool.domain.model.text import MAX_NAME, MAX_REASON, require_text
from riskpool.errors import ErrorCode, RiskpoolError


class Stage(enum.StrEnum):
    """A firm's growth stage: the cohort it is compared with, and the weights it gets."""

    STARTUP = "STARTUP"
    GROWTH = "GROWTH"
    MATURE = "MATURE"


class IndicatorGroup(enum.StrEnum):
    """The guideline's three groups, plus the zone's own (local) indicators."""

    TECHNOLOGY = "TECHNOLOGY"
    GROWTH = "GROWTH"
    AUXILIARY = "AUXILIARY"
    LOCAL = "LOCAL"


class Unit(enum.StrEnum):
    """What a value measures, and so how many decimals it may carry.

    ``YUAN``: an amount of CNY, to the fen; ``PERCENT``: a percentage (12.5 =
    12.5%), two decimals; ``COUNT``: a whole number of things or people.
    """

    YUAN = "YUAN"
    PERCENT = "PERCENT"
    COUNT = "COUNT"

    @property
    def decimals(self) -> int:
        return 0 if self is Unit.COUNT else 2


class Direction(enum.StrEnum):
    """Whether a larger value is better (every core indicator) or worse (e.g. a local
    "days of tax arrears")."""

    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
    LOWER_IS_BETTER = "LOWER_IS_BETTER"


_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
_YUAN_MAX = Decimal("1000000000000.00")  # 1万亿: far above any firm, far below BIGINT fen
_COUNT_MAX = Decimal(1_000_000)


def _weights(value: Mapping[Stage, Decimal], code: str) -> Mapping[Stage, Decimal]:
    result: dict[Stage, Decimal] = {}
    for stage in Stage:
        weight = value.get(stage, Decimal(0))
        if not isinstance(weight, Decimal) or not weight.is_finite() or weight < 0:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"{code}: the {stage} weight must be a non-negative Decimal",
                field=f"weights.{stage}",
            )
        result[stage] = weight
    unknown = set(value) - set(Stage)
    if unknown:
        raise RiskpoolError(ErrorCode.VALIDATION, f"{code}: unknown stages {unknown}")
    return MappingProxyType(result)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator of the catalogue.

    Attributes:
        code: stable key used in submissions and contributions (``RD_EXPENSE``).
        name: the guideline's Chinese name, shown to people.
        group: TECHNOLOGY, GROWTH, AUXILIARY or LOCAL.
        unit: what the value measures; decides the decimals allowed.
        minimum / maximum: the admitted range, inclusive (a 12,000% revenue
            growth is a typo, not a unicorn).
        weights: points per stage (see the module docstring).
        required: a submission without it is refused.
        direction: whether more is better.
        description: what exactly is counted, for the person filling it in.
    """

    code: str
    name: str
    group: IndicatorGroup
    unit: Unit
    minimum: Decimal
    maximum: Decimal
    weights: Mapping[Stage, Decimal] = field(hash=False)
    required: bool = True
    direction: Direction = Direction.HIGHER_IS_BETTER
    description: str = ""

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                f"indicator code {self.code!r}: 2–40 of A–Z, 0–9, _, starting with a letter",
                field="code",
            )
        require_text(self.name, "name", max_length=MAX_NAME)
        require_text(
            self.description, "description", max_length=MAX_REASON, multiline=True, allow_empty=True
        )
        object.__setattr__(self, "group", IndicatorGroup(self.group))
        object.__setattr__(self, "unit", Unit(self.unit))
        object.__setattr__(self, "direction", Direction(self.direction))
        for bound in (self.minimum, self.maximum):
            if not isinstance(bound, Decimal) or not bound.is_finite():
                raise RiskpoolError(
                    ErrorCode.VALIDATION, f"{self.code}: bounds must be Decimals", field="range"
                )
        if self.minimum >= self.maximum:
            raise RiskpoolError(
                ErrorCode.VALIDATION, f"{self.code}: minimum must be below maximum", field="range"
            )
        object.__setattr__(self, "weights", _weights(self.weights, self.code))

    def weight(self, stage: Stage) -> Decimal:
        return self.weights[stage]


DEFAULT_TIER_CUTS: Final = (Decimal(20), Decimal(40), Decimal(60), Decimal(80))
"""Percentile cut points: five tiers of a fifth of the cohort each (tier 1 lowest)."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """An immutable, versioned set of indicators with the default tier bands.

    ``tier_cuts`` are percentile cut points, strictly increasing in (0, 100):
    ``k`` cuts make ``k + 1`` tiers (see :func:`riskpool.domain.model.innovation.scoring.tier_for`).
    """

    version: str
    indicators: tuple[Indicator, ...]
    tier_cuts: tuple[Decimal, ...] = DEFAULT_TIER_CUTS

    def __post_init__(self) -> None:
        if not self.version.strip():
            raise RiskpoolError(ErrorCode.VALIDATION, "catalogue version is empty", field="version")
        codes = [i.code for i in self.indicators]
        duplicates = {c for c in codes if codes.count(c) > 1}
        if duplicates:
            raise RiskpoolError(
                ErrorCode.DUPLICATE, f"duplicate indicator codes {sorted(duplicates)}", field="code"
            )
        for stage in Stage:
            if sum((i.weight(stage) for i in self.indicators), Decimal(0)) <= 0:
                raise RiskpoolError(
                    ErrorCode.VALIDATION, f"no weight at all for stage {stage}", field="weights"
                )
        validate_tier_cuts(self.tier_cuts)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, code: object) -> bool:
        return any(i.code == code for i in self.indicators)

    def by_code(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise RiskpoolError(ErrorCode.NOT_FOUND, f"no indicator {code!r}", field="code")

    def group(self, group: IndicatorGroup) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.group is group)

    @property
    def local(self) -> tuple[Indicator, ...]:
        return self.group(IndicatorGroup.LOCAL)

    def total_weight(self, stage: Stage) -> Decimal:
        return sum((i.weight(stage) for i in self.indicators), Decimal(0))

    def with_local(self, indicators: Iterable[Indicator]) -> Catalogue:
        """This catalogue plus local indicators, as the next versions ``<core>+L<n>``.

        Only LOCAL indicators may be added; the core is fixed by its version.
        """
        added = tuple(indicators)
        for indicator in added:
            if indicator.group is not IndicatorGroup.LOCAL:
                raise RiskpoolError(
                    ErrorCode.VALIDATION, "only LOCAL indicators can be added", field="group"
                )
        if not added:
            return self
        base = self.version.split("+L", 1)[0]
        count = len(self.local) + len(added)
        return replace(self, version=f"{base}+L{count}", indicators=self.indicators + added)


def validate_tier_cuts(cuts: Iterable[Decimal]) -> tuple[Decimal, ...]:
    """Percentile cut points, strictly increasing in (0, 100); at least one."""
    values = tuple(cuts)
    if not values:
        raise RiskpoolError(ErrorCode.VALIDATION, "at least one tier cut", field="tierCuts")
    previous = Decimal(0)
    for cut in values:
        if not isinstance(cut, Decimal) or not cut.is_finite() or not previous < cut < 100:
            raise RiskpoolError(
                ErrorCode.VALIDATION,
                "tier cuts must be strictly increasing percentiles in (0, 100)",
                field="tierCuts",
            )
        previous = cut
    return values


def local_indicator(
    *,
    code: str,
    name: str,
    unit: Unit,
    minimum: Decimal,
    maximum: Decimal,
    weights: Mapping[Stage, Decimal],
    direction: Direction = Direction.HIGHER_IS_BETTER,
    description: str = "",
) -> Indicator:
    """A zone's own indicator (the "N" of "20+N"): optional, and coded ``L_…``.

    The ``L_`` prefix keeps local codes from ever colliding with a future
    national one.
    """
    if not code.startswith("L_"):
        raise RiskpoolError(
            ErrorCode.VALIDATION, "local indicator codes start with L_", field="code"
        )
    return Indicator(
        code=code,
        name=name,
        group=IndicatorGroup.LOCAL,
        unit=unit,
        minimum=minimum,
        maximum=maximum,
        weights=weights,
        required=False,
        direction=direction,
        description=description,
    )


def _core(
    code: str,
    name: str,
    group: IndicatorGroup,
    unit: Unit,
    points: tuple[int, int, int],
    *,
    minimum: Decimal = Decimal(0),
    maximum: Decimal | None = None,
    description: str = "",
) -> Indicator:
    if maximum is None:
        maximum = {Unit.YUAN: _YUAN_MAX, Unit.COUNT: _COUNT_MAX, Unit.PERCENT: Decimal(100)}[unit]
    return Indicator(
        code=code,
        name=name,
        group=group,
        unit=unit,
        minimum=minimum,
        maximum=maximum,
        weights={s: Decimal(p) for s, p in zip(Stage, points, strict=True)},
        required=group is not IndicatorGroup.AUXILIARY,
        description=description,
    )


_T, _G, _A = IndicatorGroup.TECHNOLOGY, IndicatorGroup.GROWTH, IndicatorGroup.AUXILIARY
_RATE_MIN, _RATE_MAX = Decimal(-100), Decimal(10000)

# points per stage: (STARTUP, GROWTH, MATURE); each stage sums to 100 over the 18.
NATIONAL_CORE: Final = Catalogue(
    version="NAT-2024",
    indicators=(
        _core("RD_EXPENSE", "研发费用金额", _T, Unit.YUAN, (6, 7, 8),
              description="当年研发费用总额（元）"),
        _core("RD_EXPENSE_GROWTH", "研发费用增长率", _T, Unit.PERCENT, (8, 7, 5),
              minimum=_RATE_MIN, maximum=_RATE_MAX, description="较上年增长（%）"),
        _core("RD_INTENSITY", "研发费用占营业收入比例", _T, Unit.PERCENT, (10, 9, 7),
              maximum=_RATE_MAX, description="研发费用 ÷ 营业收入（%），初创企业可超过100"),
        _core("TECH_STAFF_SHARE", "科技人员占职工总数比例", _T, Unit.PERCENT, (8, 7, 6)),
        _core("INVENTION_PATENT_APPLICATIONS", "主营业务领域发明专利申请量", _T, Unit.COUNT,
              (8, 7, 7), description="当年申请量（件）"),
        _core("PCT_APPLICATIONS", "PCT专利申请量", _T, Unit.COUNT, (4, 4, 3)),
        _core("TECH_CONTRACT_TURNOVER", "技术合同成交额", _T, Unit.YUAN, (6, 4, 4)),
        _core("HIGH_TECH_PRODUCT_REVENUE", "高新技术产品（服务）收入", _G, Unit.YUAN, (5, 8, 10)),
        _core("REVENUE", "营业收入", _G, Unit.YUAN, (3, 6, 9)),
        _core("REVENUE_GROWTH", "营业收入增长率", _G, Unit.PERCENT, (10, 9, 6),
              minimum=_RATE_MIN, maximum=_RATE_MAX),
        _core("POSTGRADUATE_SHARE", "研究生学历人员占职工总数比例", _G, Unit.PERCENT, (5, 5, 4)),
        _core("RD_SUPER_DEDUCTION", "研发费用加计扣除额", _G, Unit.YUAN, (4, 6, 8)),
        _core("RETURN_ON_NET_ASSETS", "净资产收益率", _G, Unit.PERCENT, (3, 6, 8),
              minimum=Decimal(-1000), maximum=Decimal(1000)),
        _core("GRADUATES_HIRED", "吸纳高校应届毕业生人数", _A, Unit.COUNT, (4, 3, 3)),
        _core("PROVINCIAL_PLATFORMS", "近两年省级及以上研发或创新平台数", _A, Unit.COUNT,
              (4, 3, 3)),
        _core("PROVINCIAL_AWARDS", "近两年省级及以上科技奖励数", _A, Unit.COUNT, (4, 3, 3)),
        _core("EQUITY_FINANCING", "当年获得股权融资额（可配置）", _A, Unit.YUAN, (5, 3, 3)),
        _core("STANDARDS_DRAFTED", "主导或参与制定标准数（可配置）", _A, Unit.COUNT, (3, 3, 3)),
    ),
)  # fmt: skip
"""The national core of 18 indicators with our default stage weights (see the module docstring)."""

CATALOGUES: Final[Mapping[str, Catalogue]] = MappingProxyType(
    {NATIONAL_CORE.version: NATIONAL_CORE}
)
"""Core catalogues by version. A new national version is shipped by adding it here;
local versions are derived with :meth:`Catalogue.with_local`."""

CURRENT_CORE: Final = NATIONAL_CORE
"""The core new submissions and scoring runs use (with the zone's local indicators)."""


def core_catalogue(version: str) -> Catalogue:
    """The core catalogue of ``version`` (``NAT-2024+L3`` → ``NAT-2024``); ``NOT_FOUND`` else."""
    base = version.split("+L", 1)[0]
    try:
        return CATALOGUES[base]
    except KeyError:
        raise RiskpoolError(
            ErrorCode.NOT_FOUND, f"no catalogue {version!r}", field="catalogueVersion"
        ) from None
