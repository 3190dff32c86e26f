"""The unified social credit code (统一社会信用代码, GB 32100-2015) of a firm.

Why check it in the domain: the code is how the scheme tells firms apart
across lenders — the per-firm credit cap sums exposure by it — so a mistyped
code would silently split one firm into two and let it exceed the cap.

Structure (18 characters of ``CHARSET``):
  1     registration authority (9 = market regulation),
  2     entity category (1 = enterprise),
  3–8   administrative division of the registering authority (410100 = 郑州市),
  9–17  subject identifier (the former organisation code, GB 11714),
  18    check character over the first 17: ``31 − (Σ value×weight mod 31)``,
        with 31 written as ``0``; a character's value is its index in ``CHARSET``.

Validation checks the charset, the length, the plausibility of positions
1–17 (a known authority, a category, a division, a subject that is not one
repeated character) and the 18th character; a refusal never states the
expected check character. :func:`generate_uscc` additionally gives positions
9–17 a valid GB 11714 check digit so that demo codes look real.
"""

from __future__ import annotations

import random
import string
from typing import Final

from riskpool.errors import ErrorCode, RiskpoolError

CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100 (no I, O, S, V, Z); index = value."""

WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""Weights of positions 1–17 (3^i mod 31)."""

_VALUE: Final = {ch: i for i, ch in enumerate(CHARSET)}

ZHENGZHOU_DIVISION: Final = "410100"


def check_character(first17: str) -> str:
    """The 18th character for the 17 characters ``first17``; ``VALIDATION`` if malformed."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            "need 17 characters of the GB 32100 charset",
            field="uscc",
        )
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` is a well-formed USCC with a correct check character (exact form)."""
    try:
        validate_uscc(code)
    except RiskpoolError:
        return False
    return True


def validate_uscc(code: str, field: str = "uscc") -> str:
    """Return ``code`` if valid; ``VALIDATION`` with a precise message otherwise."""
    if len(code) != 18:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"USCC must have 18 characters, got {len(code)}", field=field
        )
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise RiskpoolError(
            ErrorCode.VALIDATION, f"USCC has characters outside GB 32100: {bad}", field=field
        )
    _require_structure(code, field)
    if code[17] != check_character(code[:17]):
        # Never say which character was expected: that would turn the error into an
        # oracle that completes any 17 characters into a code that passes.
        raise RiskpoolError(
            ErrorCode.VALIDATION, "USCC check character does not match", field=field
        )
    return code


AUTHORITIES: Final = frozenset("123456789ANY")
"""Position 1, the registration authority (登记管理部门) codes GB 32100 assigns."""


def _require_structure(code: str, field: str) -> None:
    """Positions 1–17 must be plausible, not merely checksum-consistent.

    ``000000000000000000`` has a correct check character (all values sum to 0),
    yet names no authority, category, division or subject: refuse such codes.
    """
    division, subject = code[2:8], code[8:17]
    if (
        code[0] not in AUTHORITIES
        or code[1] not in "123456789"
        or not division.isdigit()
        or division[0] not in "12345678"
        or len(set(subject)) == 1
    ):
        raise RiskpoolError(
            ErrorCode.VALIDATION,
            "USCC names no valid registration authority, category, division or subject",
            field=field,
        )


def normalize_uscc(text: str, field: str = "uscc") -> str:
    """Strip blanks and upper-case user input, then validate it."""
    return validate_uscc("".join(text.split()).upper(), field)


def _org_code_check(body8: str) -> str:
    """GB 11714 check digit of an 8-character organisation code body."""
    values = [int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10 for ch in body8]
    total = sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def generate_uscc(
    rng: random.Random | int | None = None, *, division: str = ZHENGZHOU_DIVISION
) -> str:
    """A valid, realistic-looking enterprise USCC (``91`` + division + subject id + check).

    Deterministic for an ``int`` seed or a seeded ``random.Random``: tests and
    the demo get the same codes on every run.
    """
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    if len(division) != 6 or not division.isdigit():
        raise RiskpoolError(ErrorCode.VALIDATION, "division must be 6 digits", field="division")
    letters = [ch for ch in CHARSET if ch in string.ascii_uppercase]
    alphabet = string.digits * 3 + "".join(letters)  # mostly digits, as real codes are
    body8 = "".join(rng.choice(alphabet) for _ in range(8))
    first17 = "91" + division + body8 + _org_code_check(body8)
    return first17 + check_character(first17)
