"""Refusals of statement files, with the place where the file breaks.

Why a subclass of :class:`~riskpool.errors.RiskpoolError`: the code still flows
unchanged to the API (``STATEMENT_INVALID``, ``STATEMENT_UNBALANCED`` …), but a
finance clerk who is told "refused" also needs *where* — the line of the file,
the figure that was expected and the one that was found — to ask the bank the
right question. Those details travel as data on the exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from riskpool.errors import ErrorCode, RiskpoolError


@dataclass(frozen=True, slots=True)
class Break:
    """One place where a statement contradicts itself or its predecessor.

    ``line`` is the 1-based line (or row) of the source file where the
    contradiction shows, or ``None`` when it concerns the statement as a whole
    (e.g. its closing balance); ``statement`` the bank's id of the statement.
    ``message`` states the rule that is broken. ``expected`` and ``found`` are the figures as
    text (amounts as plain decimals with currency), so the report can be shown
    as it is.
    """

    kind: str
    line: int | None
    expected: str
    found: str
    message: str
    statement: str | None = None

    def __str__(self) -> str:
        """``statement S, line n: the rule (expected …, found …)`` — rule, place, figures."""
        parts = [f"statement {self.statement}"] if self.statement else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        where = ", ".join(parts)
        text = f"{self.message} (expected {self.expected}, found {self.found})"
        return f"{where}: {text}" if where else text


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
        where = f" (line {line})" if line is not None and f"line {line}:" not in message else ""
        # (a message made of breaks names its lines already)
        super().__init__(code, message + where, field=field)
        self.detail = message
        self.line = line
        self.breaks = breaks
        self.file: str | None = None

    def in_file(self, name: str) -> StatementError:
        """The same refusal, naming the file: the clerk may have uploaded several.

        The message then reads ``file: rule … (line n)`` — the file, the rule
        and the place, which is what a clerk needs to ask the bank."""
        if self.file is not None:
            return self
        if self.detail.startswith(f"{name}:"):  # the reader named it already
            self.file = name
            return self
        located = StatementError(
            self.code,
            f"{name}: {self.detail}",
            line=self.line,
            field=self.field,
            breaks=self.breaks,
        )
        located.file = name
        return located


def invalid(message: str, *, line: int | None = None, field: str | None = None) -> StatementError:
    """Shorthand for the most common refusal: a malformed file."""
    return StatementError(ErrorCode.STATEMENT_INVALID, message, line=line, field=field)


_REPR = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")


def describe(error: BaseException) -> str:
    """A library's exception as text for a finance clerk: never a Python repr.

    Libraries put ``<mt940.tags.Statement object at 0x…>`` or ``<_io.BytesIO
    object at 0x…>`` into their messages; such a repr tells the clerk nothing
    and leaks an address, so it is replaced by the object's class name.
    """
    text = str(error.args[0]) if error.args and isinstance(error.args[0], str) else str(error)
    text = _REPR.sub(lambda match: match.group(1), text)
    return text or type(error).__name__
