"""Refusals of statement files, with the place where the file breaks.

Why a subclass of :class:`~riskpool.errors.RiskpoolError`: the code still flows
unchanged to the API (``STATEMENT_INVALID``, ``STATEMENT_UNBALANCED`` …), but a
finance clerk who is told "refused" also needs *where* — the line of the file,
the figure that was expected and the one that was found — to ask the bank the
right question. Those details travel as data on the exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskpool.errors import ErrorCode, RiskpoolError


@dataclass(frozen=True, slots=True)
class Break:
    """One place where a statement contradicts itself or its predecessor.

    ``line`` is the 1-based line (or row) of the source file where the
    contradiction shows, or ``None`` when it concerns the statement as a whole
    (e.g. its closing balance). ``expected`` and ``found`` are the figures as
    text (amounts as plain decimals with currency), so the report can be shown
    as it is.
    """

    kind: str
    line: int | None
    expected: str
    found: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "statement"
        return f"{where}: {self.message} (expected {self.expected}, found {self.found})"


class StatementError(RiskpoolError):
    """A statement file refused as a whole; nothing of it may be stored.

    ``line`` is the 1-based line/row of the source where parsing stopped, if
    known; ``breaks`` lists every integrity break found (empty for parse
    errors).
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        breaks: tuple[Break, ...] = (),
    ) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(code, message + where, field=field)
        self.line = line
        self.breaks = breaks


def invalid(message: str, *, line: int | None = None, field: str | None = None) -> StatementError:
    """Shorthand for the most common refusal: a malformed file."""
    return StatementError(ErrorCode.STATEMENT_INVALID, message, line=line, field=field)
