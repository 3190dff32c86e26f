"""A firm's indicator values for one year, validated against a catalogue version.

Why a submission keeps its source and submitter: a score decides whether a
firm's loan may enter the pool, so a disputed score must be traceable to who
said what, from which data (the firm's own report, the tax bureau's R&D
super-deduction data, the index platform …). Submissions are append-only:
a correction is a new submission for the same firm and year, and scoring
reads the latest one.

Validation collects *every* problem before refusing (errors are data): the
person filling in 18 values wants to see all their mistakes at once, not one
per round trip. :class:`SubmissionRejected` carries them; the API turns each
into a ``userError`` with the indicator's code as the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from riskpool.domain.model.innovation.catalogue import Catalogue, Indicator, Stage
from riskpool.domain.model.parties import Actor
from riskpool.domain.model.text import MAX_REFERENCE, require_text
from riskpool.errors import ErrorCode, RiskpoolError

MIN_YEAR = 2000
MAX_YEAR = 2100


class SubmissionRejected(RiskpoolError):
    """A submission with one or more invalid fields; ``problems`` lists each one."""

    def __init__(self, problems: tuple[RiskpoolError, ...]) -> None:
        first = problems[0]
        super().__init__(
            first.code,
            f"{len(problems)} problem(s) in the submission; first: {first.message}",
            field=first.field,
        )
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Submission:
    """Validated indicator values of one firm for one year.

    Attributes:
        firm_id: the firm.
        year: the business year the values describe (not the filing year).
        stage: the firm's growth stage that year, as declared; it picks the
            cohort and the weights.
        catalogue_version: the catalogue the values were checked against.
        values: indicator code → value, each exact to its unit's decimals and
            within its range; optional indicators may be absent.
        source: where the values come from (企业自报, 税务数据, 指数平台 …).
        submitted_by: who entered them.
        submitted_at: when (aware).
        id: storage id, once stored.
    """

    firm_id: int
    year: int
    stage: Stage
    catalogue_version: str
    values: Mapping[str, Decimal] = field(hash=False)
    source: str
    submitted_by: Actor
    submitted_at: datetime
    id: int | None = None

    def __post_init__(self) -> None:
        require_text(self.source, "source", max_length=MAX_REFERENCE, allow_empty=True)

    def value(self, indicator: Indicator) -> Decimal:
        """The value of ``indicator``; 0 when an optional one is absent (see the catalogue)."""
        return self.values.get(indicator.code, Decimal(0))


def _check_value(indicator: Indicator, raw: object) -> Decimal | RiskpoolError:
    """The value in canonical form (quantized to its unit's decimals), or the problem."""
    where = f"values.{indicator.code}"
    if not isinstance(raw, Decimal) or not raw.is_finite():
        return RiskpoolError(
            ErrorCode.VALIDATION, f"{indicator.code}: not a finite decimal", field=where
        )
    if not indicator.minimum <= raw <= indicator.maximum:
        return RiskpoolError(
            ErrorCode.VALIDATION,
            f"{indicator.code}: {raw} is outside [{indicator.minimum}, {indicator.maximum}] "
            f"({indicator.unit})",
            field=where,
        )
    canonical = raw.quantize(Decimal(1).scaleb(-indicator.unit.decimals))
    if canonical != raw:
        return RiskpoolError(
            ErrorCode.VALIDATION,
            f"{indicator.code}: at most {indicator.unit.decimals} decimals for {indicator.unit}",
            field=where,
        )
    return canonical


def validate_submission(
    catalogue: Catalogue,
    *,
    firm_id: int,
    year: int,
    stage: Stage | str,
    values: Mapping[str, Decimal | None],
    source: str,
    submitted_by: Actor,
    submitted_at: datetime,
) -> Submission:
    """Check ``values`` against ``catalogue`` and return the :class:`Submission`.

    Refused (all problems at once, :class:`SubmissionRejected`, code
    ``VALIDATION``): a year outside 2000–2100, an unknown stage, an empty
    source, a naive timestamp, an unknown indicator code, a missing required
    indicator, a value that is not a finite decimal, has more decimals than
    its unit or lies outside its range. ``None`` values count as absent.
    """
    problems: list[RiskpoolError] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        problems.append(
            RiskpoolError(
                ErrorCode.VALIDATION, f"year must be in {MIN_YEAR}–{MAX_YEAR}", field="year"
            )
        )
    try:
        stage = Stage(stage)
    except ValueError:
        problems.append(
            RiskpoolError(ErrorCode.VALIDATION, f"unknown stage {stage!r}", field="stage")
        )
    if not source.strip():
        problems.append(RiskpoolError(ErrorCode.VALIDATION, "source is empty", field="source"))
    if submitted_at.tzinfo is None:
        problems.append(
            RiskpoolError(ErrorCode.VALIDATION, "submitted_at must be aware", field="submittedAt")
        )
    present = {code: value for code, value in values.items() if value is not None}
    for code in sorted(set(present) - {i.code for i in catalogue}):
        problems.append(
            RiskpoolError(
                ErrorCode.VALIDATION,
                f"{code} is not an indicator of catalogue {catalogue.version}",
                field=f"values.{code}",
            )
        )
    checked: dict[str, Decimal] = {}
    for indicator in catalogue:
        if indicator.code not in present:
            if indicator.required:
                problems.append(
                    RiskpoolError(
                        ErrorCode.VALIDATION,
                        f"{indicator.code} ({indicator.name}) is required",
                        field=f"values.{indicator.code}",
                    )
                )
            continue
        raw = present[indicator.code]
        checked_value = _check_value(indicator, raw)
        if isinstance(checked_value, RiskpoolError):
            problems.append(checked_value)
        else:
            checked[indicator.code] = checked_value
    if problems:
        raise SubmissionRejected(tuple(problems))
    assert isinstance(stage, Stage)
    return Submission(
        firm_id=firm_id,
        year=year,
        stage=stage,
        catalogue_version=catalogue.version,
        values=MappingProxyType(dict(sorted(checked.items()))),
        source=source.strip(),
        submitted_by=submitted_by,
        submitted_at=submitted_at,
    )
