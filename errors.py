"""The closed set of error codes that riskpool's operations can fail with.

Why one enum for the whole product: a failure must keep its meaning from the
place that detects it (a ledger invariant, a domain rule) to the client that
reads it (GraphQL ``userErrors.code``). TigerBeetle's result codes are the
model: every refusal has a precise, stable name, never a generic "error".

The ledger and the domain raise :class:`RiskpoolError` subclasses carrying one
of these codes; the API layer maps them one-to-one. Adding a code is an API
change and belongs in the schema's changelog.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class ErrorCode(enum.StrEnum):
    """Every reason an operation of riskpool can be refused."""

    # -- ledger ---------------------------------------------------------------
    UNBALANCED = "UNBALANCED"
    """An entry's postings do not sum to zero in every currency."""
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    """A posting's currency differs from its account's currency."""
    UNKNOWN_BOOK = "UNKNOWN_BOOK"
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    UNKNOWN_ENTRY = "UNKNOWN_ENTRY"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    """The account is closed (or not yet open) on the entry's effective date."""
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    """A balance flag (no overdraft / no over-credit) would be violated."""
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    """The idempotency key was used before with a different payload."""
    ALREADY_REVERSED = "ALREADY_REVERSED"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    """Zero, non-finite, or more decimals than the currency has."""
    INVALID_ENTRY = "INVALID_ENTRY"
    """Malformed entry: too few postings, cross-book postings, bad metadata."""
    DUPLICATE = "DUPLICATE"
    """A book or account with that code already exists."""
    INVALID_ACCOUNT = "INVALID_ACCOUNT"
    """Malformed account definition (bad code, currency, dates, flags, parent)."""
    APPEND_ONLY = "APPEND_ONLY"
    """A recorded fact (an entry, a posting, the domain's or reconciliation's
    history) cannot be changed or removed; a mistake is corrected by a new record."""
    PERIOD_CLOSED = "PERIOD_CLOSED"
    """The entry's business date lies in a period its book has closed (结账); a
    correction posts in the open period as an adjusting entry."""
    FUTURE_DATE = "FUTURE_DATE"
    """A business date after today's business date (Asia/Shanghai, the server's clock)."""
    BACKDATED_TOO_FAR = "BACKDATED_TOO_FAR"
    """A business date further back than the back-dating window allows."""

    # -- domain ---------------------------------------------------------------
    NOT_FOUND = "NOT_FOUND"
    GUARANTEE_NOT_ACCEPTED = "GUARANTEE_NOT_ACCEPTED"
    """A guaranteed loan may enter the pool only once its guarantor has accepted (issue 15)."""
    VALIDATION = "VALIDATION"
    """Input does not satisfy a field-level rule (format, range, check digit)."""
    POLICY_VIOLATION = "POLICY_VIOLATION"
    """A rule of the policy in force refuses the action (caps, term, eligibility)."""
    INVALID_TRANSITION = "INVALID_TRANSITION"
    """The claim's state does not allow this action."""
    TRIGGER_NOT_MET = "TRIGGER_NOT_MET"
    """A claim was filed before the policy's trigger (days overdue / lawsuit) held."""
    PREPAYMENT_REQUIRED = "PREPAYMENT_REQUIRED"
    """A guaranteed loan's claim needs the guarantor's prepayment to the bank first."""
    INSTITUTION_SUSPENDED = "INSTITUTION_SUSPENDED"
    ALREADY_COMPENSATED = "ALREADY_COMPENSATED"
    """The loan's principal was already compensated (or is in an open claim)."""
    MISSING_EVIDENCE = "MISSING_EVIDENCE"

    # -- access ---------------------------------------------------------------
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    UNAVAILABLE = "UNAVAILABLE"
    """The database cannot be reached right now; nothing was changed, retry later."""

    # -- reconciliation -------------------------------------------------------
    STATEMENT_INVALID = "STATEMENT_INVALID"
    """A statement file is malformed: wrong encoding, bad amount or date, a broken tag."""
    STATEMENT_UNBALANCED = "STATEMENT_UNBALANCED"
    """Opening balance + Σ lines ≠ closing balance: the sums differ."""
    STATEMENT_RUNNING_BALANCE = "STATEMENT_RUNNING_BALANCE"
    """A running balance printed by the bank disagrees with the amounts before it."""
    STATEMENT_OUT_OF_PERIOD = "STATEMENT_OUT_OF_PERIOD"
    """A line is booked after the statement's closing date, or the statement closes
    before it opens."""
    STATEMENT_EMPTY = "STATEMENT_EMPTY"
    """The file holds nothing (no bytes, or only whitespace)."""
    STATEMENT_TRUNCATED = "STATEMENT_TRUNCATED"
    """A fragment: statement tags without their header, or a statement cut off
    before its closing balance."""
    STATEMENT_NOT_BANK = "STATEMENT_NOT_BANK"
    """A statement of another kind (investment, brokerage, 401k): not a bank account's."""
    LAYOUT_AMBIGUOUS = "LAYOUT_AMBIGUOUS"
    """A table's header fits several bank layouts; the import must name one."""
    STATEMENT_DISCONTINUOUS = "STATEMENT_DISCONTINUOUS"
    """A statement does not start where the account's previous one ended."""
    STATEMENT_ACCOUNT_UNKNOWN = "STATEMENT_ACCOUNT_UNKNOWN"
    """A statement of a bank account the fund has not registered (or in another
    currency than the registered one): nothing of the file is stored."""
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    """A statement file exceeds the configured size limit; it was not read."""
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    """The file is none of the statement formats (or bank layouts) we read."""
    UNSAFE_INPUT = "UNSAFE_INPUT"
    """An XML DTD, entity declaration or zip bomb: refused before it is expanded."""
    ALREADY_MATCHED = "ALREADY_MATCHED"
    """A statement line or ledger posting is already in another live match."""


class RiskpoolError(Exception):
    """A refusal with a stable :class:`ErrorCode`, an optional field and a message.

    Raised before anything is written (or inside a transaction that is then
    rolled back), so a caller that catches it knows nothing changed.
    """

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!s}, {self.message!r}, field={self.field!r})"


DATABASE_REFUSALS: Mapping[str, ErrorCode] = MappingProxyType(
    {
        "RP001": ErrorCode.UNBALANCED,
        "RP002": ErrorCode.INVALID_ENTRY,
        "RP003": ErrorCode.APPEND_ONLY,
        "RP004": ErrorCode.PERIOD_CLOSED,
        "RP005": ErrorCode.FUTURE_DATE,
    }
)
"""The database's own refusals, one code each: the SQLSTATE that its functions
raise (``RAISE EXCEPTION … USING ERRCODE = 'RP001'`` on PostgreSQL, a class of
our own) and, since SQLite has no SQLSTATE, the exact message of its triggers'
``RAISE(ABORT, 'RP001')``. The only place where a database refusal becomes an
:class:`ErrorCode`; :func:`riskpool.db.refusal` reads an exception with it.
The SQL files that raise them are in ``ledger/sql``, ``domain/persistence/sql``
and ``reconciliation/sql``; ``tests/ledger/test_database_guards.py`` proves
each one on both dialects.
"""
