"""Text hygiene: what a name, a reference or a reason may contain, and how long it may be.

Why in the domain: the same rule must hold whichever door the text came in by
(GraphQL, the CLI, the demo, an import) and on both databases — PostgreSQL
counts ``VARCHAR(n)`` in characters and refuses longer text, SQLite stores
anything. So the model refuses first, with a typed ``VALIDATION`` naming the
field, and the limits here are never above the columns' own.

What is refused, and why:
  * control characters (``Cc``: ESC, NUL, DEL, C1 codes): they rewrite
    terminals and logs; only multi-line fields (reasons, opinions) accept
    line feed, carriage return and tab;
  * format characters (``Cf``): bidirectional overrides and isolates
    (U+202A–U+202E, U+2066–U+2069) make ``银行A`` display as another name,
    zero-width characters (U+200B–U+200D, U+2060, U+FEFF) make two names that
    look identical differ — both defeat a person comparing names on screen;
  * line and paragraph separators (U+2028, U+2029) outside multi-line fields;
  * lone surrogates and private-use characters, which no document of the fund
    contains and which PostgreSQL cannot always store.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from riskpool.errors import ErrorCode, RiskpoolError

MAX_NAME: Final = 200
"""Institution and firm names (the registry's 200-character field)."""
MAX_SECTOR: Final = 100
MAX_SUBJECT: Final = 200
"""Who acted: a login subject or an office's name."""
MAX_CONTRACT_NO: Final = 64
MAX_REFERENCE: Final = 200
"""Document numbers and references (audit report, approval, payment, letters)."""
MAX_REASON: Final = 2000
"""Free text a person writes: reasons, opinions, a claim package's description."""

_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_MULTILINE_ALLOWED: Final = frozenset("\n\r\t")


def unsafe_character(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first refused character of ``value`` and its position, or ``None`` if it is clean."""
    for position, ch in enumerate(value):
        if multiline and ch in _MULTILINE_ALLOWED:
            continue
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return position, ch
    return None


def require_text(
    value: object,
    field: str,
    *,
    max_length: int,
    multiline: bool = False,
    allow_empty: bool = False,
) -> str:
    """Return ``value`` if it is clean text of at most ``max_length`` characters.

    ``VALIDATION`` (with ``field``) for a non-string, a blank value (unless
    ``allow_empty``), an over-long one, or one containing a refused character;
    the message names the character's code point, never echoes the text.
    """
    if not isinstance(value, str):
        raise RiskpoolError(ErrorCode.VALIDATION, f"{field} must be text", field=field)
    if not allow_empty and not value.strip():
        raise RiskpoolError(ErrorCode.VALIDATION, f"{field} is empty", field=field)
    if len(value) > max_length:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"{field} is over {max_length} characters", field=field
        )
    found = unsafe_character(value, multiline=multiline)
    if found is not None:
        position, ch = found
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            f"{field} contains a control, bidirectional or invisible character "
            f"(U+{ord(ch):04X} at position {position})",
            field=field,
        )
    return value


def optional_text(
    value: str | None, field: str, *, max_length: int, multiline: bool = False
) -> str | None:
    """:func:`require_text` for a field that may be absent or blank (blank means absent)."""
    if value is None:
        return None
    return require_text(value, field, max_length=max_length, multiline=multiline, allow_empty=True)
