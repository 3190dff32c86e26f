"""GraphQL types of the innovation points and the early warnings (translations of domain records).

Decimals that are not money (indicator values, weights, scores, rates) travel
as plain decimal strings, like ``Amount``: exact, never floats.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from riskpool.domain.model.innovation import catalogue as cat
from riskpool.domain.model.innovation import scoring
from riskpool.domain.model.innovation import warnings as warn
from riskpool.domain.model.innovation.submission import Submission
from riskpool.domain.persistence.innovation import ScoringRun
from riskpool.graphql.core.scalars import MoneyType
from riskpool.graphql.parties.types import Role

Stage = strawberry.enum(cat.Stage, name="InnovationStage")
IndicatorGroup = strawberry.enum(cat.IndicatorGroup, name="IndicatorGroup")
IndicatorUnit = strawberry.enum(cat.Unit, name="IndicatorUnit")
IndicatorDirection = strawberry.enum(cat.Direction, name="IndicatorDirection")
WarningKind = strawberry.enum(warn.WarningKind, name="WarningKind")
ConcentrationDimension = strawberry.enum(warn.ConcentrationDimension, name="ConcentrationDimension")


def plain(value: Decimal) -> str:
    """A Decimal as a plain string (no exponent form)."""
    return format(value, "f")


def rate(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.000001")), "f")


@strawberry.type
class StageWeight:
    stage: Stage  # type: ignore[valid-type]
    weight: str = strawberry.field(description="Points for the stage (decimal string).")


@strawberry.type(name="Indicator", description="One indicator of the innovation-points catalogue.")
class IndicatorType:
    code: str
    name: str
    group: IndicatorGroup  # type: ignore[valid-type]
    unit: IndicatorUnit  # type: ignore[valid-type]
    minimum: str
    maximum: str
    required: bool
    direction: IndicatorDirection  # type: ignore[valid-type]
    description: str
    weights: list[StageWeight]

    @classmethod
    def of(cls, i: cat.Indicator) -> IndicatorType:
        return cls(
            code=i.code,
            name=i.name,
            group=i.group,
            unit=i.unit,
            minimum=plain(i.minimum),
            maximum=plain(i.maximum),
            required=i.required,
            direction=i.direction,
            description=i.description,
            weights=[StageWeight(stage=s, weight=plain(w)) for s, w in i.weights.items()],
        )


@strawberry.type(name="InnovationCatalogue", description="A versioned indicator catalogue.")
class CatalogueType:
    version: str
    tier_cuts: list[str] = strawberry.field(description="Percentile cut points of the tiers.")
    indicators: list[IndicatorType]

    @classmethod
    def of(cls, c: cat.Catalogue) -> CatalogueType:
        return cls(
            version=c.version,
            tier_cuts=[plain(t) for t in c.tier_cuts],
            indicators=[IndicatorType.of(i) for i in c.indicators],
        )


@strawberry.type
class IndicatorValue:
    code: str
    value: str


@strawberry.type(name="InnovationSubmission", description="A firm's values for one year.")
class SubmissionType:
    submission_id: int
    firm_id: int
    year: int
    stage: Stage  # type: ignore[valid-type]
    catalogue_version: str
    values: list[IndicatorValue]
    source: str
    submitted_by_role: Role  # type: ignore[valid-type]
    submitted_by_subject: str
    submitted_at: datetime

    @classmethod
    def of(cls, s: Submission) -> SubmissionType:
        assert s.id is not None
        return cls(
            submission_id=s.id,
            firm_id=s.firm_id,
            year=s.year,
            stage=s.stage,
            catalogue_version=s.catalogue_version,
            values=[IndicatorValue(code=k, value=plain(v)) for k, v in s.values.items()],
            source=s.source,
            submitted_by_role=s.submitted_by.role,
            submitted_by_subject=s.submitted_by.subject,
            submitted_at=s.submitted_at,
        )


@strawberry.type(description="How one indicator contributed to a score: points = 100 × share × n.")
class Contribution:
    code: str
    value: str
    cohort_min: str | None = strawberry.field(
        description="The cohort's lowest value; null for an institution user (other firms' data)."
    )
    cohort_max: str | None = strawberry.field(
        description="The cohort's highest value; null for an institution user (other firms' data)."
    )
    normalised: str = strawberry.field(description="Min–max within the cohort, 6 decimals.")
    weight_share: str = strawberry.field(description="weight ÷ the stage's total (6 decimals).")
    points: str

    @classmethod
    def of(cls, c: scoring.Contribution, *, cohort: bool = True) -> Contribution:
        return cls(
            code=c.code,
            value=plain(c.value),
            cohort_min=plain(c.cohort_min) if cohort else None,
            cohort_max=plain(c.cohort_max) if cohort else None,
            normalised=plain(c.normalised),
            weight_share=rate(c.weight_share),
            points=plain(c.points),
        )


@strawberry.type(description="A firm's score in its stage cohort, with every contribution.")
class FirmScore:
    firm_id: int
    year: int
    stage: Stage  # type: ignore[valid-type]
    catalogue_version: str
    score: str
    percentile: str
    tier: int
    cohort_size: int | None = strawberry.field(
        description="Firms in the stage cohort; null for an institution user (a pool-wide count)."
    )
    submission_id: int | None
    contributions: list[Contribution]

    @classmethod
    def of(cls, s: scoring.FirmScore, *, cohort: bool = True) -> FirmScore:
        return cls(
            firm_id=s.firm_id,
            year=s.year,
            stage=s.stage,
            catalogue_version=s.catalogue_version,
            score=plain(s.score),
            percentile=plain(s.percentile),
            tier=s.tier,
            cohort_size=s.cohort_size if cohort else None,
            submission_id=s.submission_id,
            contributions=[Contribution.of(c, cohort=cohort) for c in s.contributions],
        )


@strawberry.type(description="A stored scoring run and the scores the reader may see.")
class ScoringRunType:
    run_id: int
    year: int
    catalogue_version: str
    tier_cuts: list[str]
    firm_count: int = strawberry.field(
        description="Firms scored in the run; for an institution user, those it may see."
    )
    run_by_role: Role  # type: ignore[valid-type]
    run_by_subject: str
    run_at: datetime
    scores: list[FirmScore]

    @classmethod
    def of(
        cls, run: ScoringRun, scores: tuple[scoring.FirmScore, ...], *, cohort: bool = True
    ) -> ScoringRunType:
        """``cohort=False`` withholds the cohort figures (for an institution reader)."""
        return cls(
            run_id=run.id,
            year=run.year,
            catalogue_version=run.catalogue_version,
            tier_cuts=[plain(t) for t in run.tier_cuts],
            firm_count=run.firm_count,
            run_by_role=run.run_by.role,
            run_by_subject=run.run_by.subject,
            run_at=run.run_at,
            scores=[FirmScore.of(s, cohort=cohort) for s in scores],
        )


# -- early warnings ----------------------------------------------------------------------------


@strawberry.interface(description="An early warning: its kind, a sentence, and typed figures.")
class EarlyWarning:
    kind: WarningKind  # type: ignore[valid-type]
    message: str
    institution_id: int | None


@strawberry.type
class LoanNearTriggerWarning(EarlyWarning):
    loan_id: int
    contract_no: str
    lender_id: int
    firm_id: int
    overdue_since: date
    days_overdue: int
    trigger_days: int
    days_to_trigger: int
    outstanding: MoneyType


@strawberry.type
class InstitutionNearSuspensionWarning(EarlyWarning):
    name: str
    loss_rate: str
    threshold: str
    margin: str
    headroom: str
    breached: bool
    bad: MoneyType
    base: MoneyType


@strawberry.type
class PoolBelowFloorWarning(EarlyWarning):
    book: str
    cash: MoneyType
    compensation_payable: MoneyType
    projected: MoneyType
    floor: MoneyType
    margin: MoneyType
    top_up_needed: MoneyType


@strawberry.type
class ConcentrationWarning(EarlyWarning):
    dimension: ConcentrationDimension  # type: ignore[valid-type]
    key: str
    label: str
    exposure: MoneyType
    total: MoneyType
    share: str
    limit: str


WARNING_TYPES: list[type] = [
    LoanNearTriggerWarning,
    InstitutionNearSuspensionWarning,
    PoolBelowFloorWarning,
    ConcentrationWarning,
]


def warning_of(w: warn.EarlyWarning) -> EarlyWarning:
    """The GraphQL type of a domain warning, with a one-line Chinese message."""
    if isinstance(w, warn.LoanNearTrigger):
        return LoanNearTriggerWarning(
            kind=w.kind,
            message=(
                f"贷款 {w.contract_no} 已逾期 {w.days_overdue} 天，距补偿触发线还有 "
                f"{w.days_to_trigger} 天"
            ),
            institution_id=w.institution_id,
            loan_id=w.loan_id,
            contract_no=w.contract_no,
            lender_id=w.lender_id,
            firm_id=w.firm_id,
            overdue_since=w.overdue_since,
            days_overdue=w.days_overdue,
            trigger_days=w.trigger_days,
            days_to_trigger=w.days_to_trigger,
            outstanding=MoneyType.of(w.outstanding),
        )
    if isinstance(w, warn.InstitutionNearSuspension):
        return InstitutionNearSuspensionWarning(
            kind=w.kind,
            message=f"{w.name} 损失率 {w.loss_rate:.2%}，暂停阈值 {w.threshold:.2%}",
            institution_id=w.institution_id,
            name=w.name,
            loss_rate=rate(w.loss_rate),
            threshold=rate(w.threshold),
            margin=rate(w.margin),
            headroom=rate(w.headroom),
            breached=w.breached,
            bad=MoneyType.of(w.bad),
            base=MoneyType.of(w.base),
        )
    if isinstance(w, warn.PoolBelowFloor):
        return PoolBelowFloorWarning(
            kind=w.kind,
            message=(
                f"资金池扣除已批未付补偿后余额 {w.projected.amount} 元，低于下限 "
                f"{w.floor.amount} 元，需补足 {w.top_up_needed.amount} 元"
            ),
            institution_id=None,
            book=w.book,
            cash=MoneyType.of(w.cash),
            compensation_payable=MoneyType.of(w.compensation_payable),
            projected=MoneyType.of(w.projected),
            floor=MoneyType.of(w.floor),
            margin=MoneyType.of(w.margin),
            top_up_needed=MoneyType.of(w.top_up_needed),
        )
    return ConcentrationWarning(
        kind=w.kind,
        message=f"{w.label} 占在池贷款余额 {w.share:.2%}，超过上限 {w.limit:.2%}",
        institution_id=w.institution_id,
        dimension=w.dimension,
        key=w.key,
        label=w.label,
        exposure=MoneyType.of(w.exposure),
        total=MoneyType.of(w.total),
        share=rate(w.share),
        limit=rate(w.limit),
    )
