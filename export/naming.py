"""Stable, valid beancount names for the ledger's books, accounts, links and keys.

Why a scheme of our own rather than the account's name: beancount account
components must match its account regex, and whether non-ASCII letters (the
Chinese names accountants use) are accepted has changed between beancount
versions and tools. Names are therefore built from the *codes* (the book's
and the account's), which never change once created — an auditor comparing
this year's export with last year's finds every account under the same name.
The Chinese name travels in the ``open`` directive's metadata instead.

The encoding is injective within a book: ASCII letters and digits are kept,
every other character (including ``-`` itself) becomes ``-XX-`` with its
code point in upper-case hex, so two different codes can never map to the
same component, and the original code can be read back.
"""

from __future__ import annotations

import re
from functools import lru_cache

from riskpool.ledger.model import AccountType

#: Root component of each account type (beancount's five defaults).
ROOTS: dict[AccountType, str] = {
    AccountType.ASSET: "Assets",
    AccountType.LIABILITY: "Liabilities",
    AccountType.NET_ASSETS: "Equity",
    AccountType.INCOME: "Income",
    AccountType.EXPENSE: "Expenses",
}

#: Prefix of an account-code component: always an upper-case letter, so a
#: component is valid whatever the code starts with, and so it can never
#: collide with the fixed name of :func:`opening_balances_account`.
ACCOUNT_PREFIX = "A"

OPENING_BALANCES = "Opening-Balances"

_PLAIN = re.compile(r"[A-Za-z0-9]")
_ALL_PLAIN = re.compile(r"[A-Za-z0-9]*")
_LINK_SAFE = re.compile(r"[A-Za-z0-9\-./]")
_ALL_LINK_SAFE = re.compile(r"[A-Za-z0-9\-./]*")
_COMPONENT = re.compile(r"[A-Z0-9][A-Za-z0-9\-]*")
_KEY = re.compile(r"[a-z][a-zA-Z0-9\-_]+")


def _encode(text: str, keep: re.Pattern[str], escape: str) -> str:
    if (_ALL_PLAIN if keep is _PLAIN else _ALL_LINK_SAFE).fullmatch(text):
        return text  # the common case, without a per-character walk
    return "".join(
        char if keep.fullmatch(char) else f"{escape}{ord(char):X}{escape}" for char in text
    )


def component(code: str) -> str:
    """A code as the ASCII text of an account component (without prefix)."""
    return _encode(code, _PLAIN, "-")


def book_component(book_code: str) -> str:
    """The book's component; ``B`` is prefixed when the code would not start one."""
    encoded = component(book_code)
    return encoded if _COMPONENT.fullmatch(encoded) else f"B{encoded}"


def account_name(book_code: str, account_type: AccountType, account_code: str) -> str:
    """``Assets:POOL:A1002`` for asset account ``1002`` of book ``POOL``."""
    return (
        f"{ROOTS[account_type]}:{book_component(book_code)}:"
        f"{ACCOUNT_PREFIX}{component(account_code)}"
    )


def opening_balances_account(book_code: str) -> str:
    """Equity account that balances the brought-forward balances of a period export."""
    return f"Equity:{book_component(book_code)}:{OPENING_BALANCES}"


@lru_cache(maxsize=65_536)
def link(kind: str, value: str) -> str:
    """A beancount link (without ``^``): ``claim-42``, ``entry-17``.

    Characters a link cannot hold (including ``_``) become ``_XX_`` (hex code
    point), keeping distinct ids distinct; the exact id is in metadata too.
    """
    return f"{kind}-{_encode(value, _LINK_SAFE, '_')}"


def is_metadata_key(key: str) -> bool:
    """Whether ``key`` can be written as a beancount metadata key as it is."""
    return _KEY.fullmatch(key) is not None
