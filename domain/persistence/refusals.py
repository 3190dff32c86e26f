"""Database errors that the unit of work turns into typed outcomes — by error code, never text.

Two kinds matter below the API:

* the **idempotency race**: a unique violation on the idempotency record's
  own key, recognised on the very insert of that record by the driver's
  error code (PostgreSQL SQLSTATE ``23505`` with the record table's
  constraint or table name from asyncpg; SQLite's extended result code
  ``SQLITE_CONSTRAINT_PRIMARYKEY``/``_UNIQUE``, whose table is the one the
  failed statement inserted into);
* the **input refusal**, the last line of defence behind the domain's own
  checks: PostgreSQL's data exceptions (class ``22``: text too long, number
  out of range, bad encoding) are malformed input (``VALIDATION``), and any
  other unique violation (``23505``) is a duplicate (``DUPLICATE``). The
  unit of work has rolled back by then, so nothing was written.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from riskpool.errors import ErrorCode, RiskpoolError

UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE = frozenset({"SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"})


def sqlstate(error: DBAPIError) -> str | None:
    """PostgreSQL's SQLSTATE of the error (SQLAlchemy's asyncpg adapter exposes it)."""
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def is_unique_violation_of(error: DBAPIError, table: str, constraint: str) -> bool:
    """Whether ``error`` is a unique violation of ``table``'s key ``constraint``.

    Meant for the statement that inserted into ``table``: on SQLite the error
    carries no table name, so the caller's statement is what names it.
    """
    orig = error.orig
    if getattr(orig, "sqlite_errorname", None) in _SQLITE_UNIQUE:
        return True
    if sqlstate(error) != UNIQUE_VIOLATION:
        return False
    cause = getattr(orig, "__cause__", None)  # asyncpg's own exception
    names = {getattr(cause, "constraint_name", None), getattr(cause, "table_name", None)}
    return bool(names & {table, constraint})


def input_refusal(error: DBAPIError) -> RiskpoolError | None:
    """A database refusal that is the input's fault, as a typed error; else ``None``."""
    state = sqlstate(error)
    if state is None:
        return None
    if state.startswith("22"):
        return RiskpoolError(ErrorCode.VALIDATION, "a value is malformed or out of range")
    if state == UNIQUE_VIOLATION:
        return RiskpoolError(ErrorCode.DUPLICATE, "that record exists already")
    return None
