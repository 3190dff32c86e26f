"""Readable, stable and valid beancount names for the ledger's books, accounts, links and keys.

Why the Chinese names are in the account names: an auditor browsing Fava
reads ``资产:…:1002-银行存款``, not ``A1002``. Beancount 3 accepts any letter
of any script in an account component (its regex is
:data:`beancount.core.account.ACC_COMP_NAME_RE`: a first character that is an
upper-case letter or a digit, then letters, digits and ``-``), so a component
is ``<code>-<name>``: ``100201-银行存款-资金池专户``.

Why the code comes first: codes never change once created and sort the way
the chart of accounts is printed, so an account keeps its place (and,
unless it is renamed, its name) from one year's export to the next, and Fava
lists accounts in code order.

Why the mapping is injective (two accounts can never share a name): a
component is ``code part`` + (``-`` + ``name part`` if the name leaves
anything). The *code part* is an injective encoding that never contains
``-``: ASCII letters and digits are kept, every other character — and ``X``
itself, and a first character that is not a digit — is written ``X<hex>X``
with its code point in upper-case hex (``1002.01`` → ``1002X2EX01``). So the
code is read back from the text before the first ``-``, and codes are unique
within a book (the ledger refuses duplicates). The *name part* only has to
be readable: characters the regex refuses (spaces, full-width brackets, ``_``
…) become ``-``. Every account component starts with a digit or ``X``, so the
fixed ``Opening-Balances`` component can never collide with one.

Sub-accounts sit under their parents (the ledger's parent relation), so
Fava's tree rolls a parent's sub-accounts up into it:
``Assets:CITY-POOL-市科技金融风险分担资金池:1002-银行存款:100201-银行存款-资金池专户``.

Book components are ``<code>-<name>`` too, with refused characters of the
code turned into ``-`` for readability (``CITY_POOL`` → ``CITY-POOL``); that
is not injective on its own, so a file holding several books checks that
their components differ (:func:`require_distinct`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from beancount.core import account as bean_account

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.ledger.model import Account, AccountType, Book

#: Root component of each account type (beancount's five defaults).
ROOTS: dict[AccountType, str] = {
    AccountType.ASSET: "Assets",
    AccountType.LIABILITY: "Liabilities",
    AccountType.NET_ASSETS: "Equity",
    AccountType.INCOME: "Income",
    AccountType.EXPENSE: "Expenses",
}

#: Escape character of the code part (see the module docstring).
ESCAPE = "X"

OPENING_BALANCES = "Opening-Balances"

#: Prefix of a book component whose code does not start the way beancount requires.
BOOK_PREFIX = "B"

_PLAIN_CODE = re.compile(r"[0-9][A-WYZa-z0-9]*")
_ASCII_PLAIN = re.compile(r"[A-Za-z0-9]")
_LINK_SAFE = re.compile(r"[A-Za-z0-9\-./]")
_ALL_LINK_SAFE = re.compile(r"[A-Za-z0-9\-./]*")
_KEY = re.compile(r"[a-z][a-zA-Z0-9\-_]+")
_DASHES = re.compile(r"-{2,}")


def _is_valid_component(text: str) -> bool:
    """beancount's own test of an account component (not a root)."""
    return bool(bean_account.is_valid_leaf(text)) and ":" not in text


@lru_cache(maxsize=8_192)
def allowed_inside(char: str) -> bool:
    """Whether beancount accepts ``char`` after the first character of a component.

    Asked of beancount's regex itself (``0`` is always a valid first character),
    so this follows whatever the installed beancount accepts.
    """
    return len(char) == 1 and _is_valid_component("0" + char)


def code_part(code: str) -> str:
    """The injective, ``-``-free encoding of an account code (see the module docstring)."""
    if not code:
        raise ValueError("an account code is never empty")
    if _PLAIN_CODE.fullmatch(code):
        return code  # the common case: digits
    out = []
    for position, char in enumerate(code):
        plain = _ASCII_PLAIN.fullmatch(char) is not None and char != ESCAPE
        if plain and (position > 0 or char.isdigit()):
            out.append(char)
        else:
            out.append(f"{ESCAPE}{ord(char):X}{ESCAPE}")
    return "".join(out)


def name_part(name: str) -> str:
    """``name`` with every character beancount refuses turned into ``-`` (runs collapsed)."""
    text = "".join(char if allowed_inside(char) else "-" for char in name)
    return _DASHES.sub("-", text).strip("-")


def component(code: str, name: str) -> str:
    """``100201-银行存款-资金池专户``: an account's own component."""
    readable = name_part(name)
    encoded = code_part(code)
    return f"{encoded}-{readable}" if readable else encoded


def book_component(book: Book) -> str:
    """``CITY-POOL-市科技金融风险分担资金池``: the book's component, under every root."""
    code = name_part(book.code)
    if not code or not _is_valid_component(code[0]):
        code = f"{BOOK_PREFIX}-{code}" if code else BOOK_PREFIX
    name = name_part(book.name)
    return f"{code}-{name}" if name else code


def account_names(book: Book, accounts: Sequence[Account]) -> dict[str, str]:
    """Every account's full beancount name, by code, sub-accounts under their parents.

    The root follows the account's own type; the path below the book runs
    through its ancestors (the ledger opens a parent before its children, so
    the chain ends). Raises ``INVALID_ACCOUNT`` for a parent that is not in
    ``accounts`` or a cycle, which a sound ledger never has.
    """
    by_code = {a.code: a for a in accounts}
    own = {a.code: component(a.code, a.name) for a in accounts}
    top = book_component(book)
    names: dict[str, str] = {}
    for account in accounts:
        path = [own[account.code]]
        seen = {account.code}
        parent = account.parent
        while parent is not None:
            ancestor = by_code.get(parent)
            if ancestor is None or parent in seen:
                raise RiskpoolError(
                    ErrorCode.INVALID_ACCOUNT,
                    f"{book.code}:{account.code} has an unusable parent {parent}",
                    field="parent",
                )
            seen.add(parent)
            path.append(own[parent])
            parent = ancestor.parent
        names[account.code] = ":".join([ROOTS[account.type], top, *reversed(path)])
    return names


def opening_balances_account(book: Book) -> str:
    """Equity account that balances the brought-forward balances of a period export."""
    return f"Equity:{book_component(book)}:{OPENING_BALANCES}"


def require_distinct(books: Iterable[Book]) -> None:
    """Refuse (``DUPLICATE``) books whose components would merge in one file."""
    seen: dict[str, str] = {}
    for book in books:
        name = book_component(book)
        if name in seen:
            raise RiskpoolError(
                ErrorCode.DUPLICATE,
                f"books {seen[name]} and {book.code} would share the beancount name {name}",
                field="book",
            )
        seen[name] = book.code


def _encode(text: str, keep: re.Pattern[str], escape: str) -> str:
    if _ALL_LINK_SAFE.fullmatch(text):
        return text  # the common case, without a per-character walk
    return "".join(
        char if keep.fullmatch(char) else f"{escape}{ord(char):X}{escape}" for char in text
    )


@lru_cache(maxsize=65_536)
def link(kind: str, value: str) -> str:
    """A beancount link (without ``^``): ``claim-42``, ``contract-ZKD1-2019-002``.

    Characters a link cannot hold (including ``_``) become ``_XX_`` (hex code
    point), keeping distinct references distinct; the exact value is in
    metadata too.
    """
    return f"{kind}-{_encode(value, _LINK_SAFE, '_')}"


def is_metadata_key(key: str) -> bool:
    """Whether ``key`` can be written as a beancount metadata key as it is."""
    return _KEY.fullmatch(key) is not None
