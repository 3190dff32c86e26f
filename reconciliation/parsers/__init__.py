"""Statement parsers: one module per format, one entry point for all.

:func:`read_statement_file` is what the import (CLI, upload API) calls: it
reads the file within the size limit, recognises its format, parses it into
the canonical model and returns it — or raises a
:class:`~riskpool.reconciliation.errors.StatementError` and returns nothing.
It does not prove the statements; that is
:func:`riskpool.reconciliation.integrity.prove_file`, which also needs the
account's previous closing balance from the database.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from moneyed import Money

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.model import StatementFile, StatementFormat
from riskpool.reconciliation.parsers.camt053 import parse_camt053
from riskpool.reconciliation.parsers.detect import DEFAULT_MAX_BYTES, read_source, sniff_format
from riskpool.reconciliation.parsers.mt940 import parse_mt940
from riskpool.reconciliation.parsers.ofx import parse_ofx
from riskpool.reconciliation.parsers.tabular import LAYOUTS, ColumnMapping, parse_tabular

__all__ = ["DEFAULT_MAX_BYTES", "LAYOUTS", "ColumnMapping", "parse_bytes", "read_statement_file"]


def parse_bytes(
    data: bytes,
    *,
    format: StatementFormat | None = None,
    mapping: ColumnMapping | str | None = None,
    account: str | None = None,
    opening_balance: Money | None = None,
    encoding: str | None = None,
) -> StatementFile:
    """Parse the bytes of one statement file (format sniffed unless given).

    ``mapping`` (a :class:`ColumnMapping` or a name of :data:`LAYOUTS`),
    ``account`` and ``opening_balance`` concern CSV/XLSX only; ``encoding``
    overrides the detection for text formats.
    """
    kind = format or sniff_format(data)
    if kind is StatementFormat.MT940:
        return parse_mt940(data, encoding=encoding)
    if kind is StatementFormat.CAMT053:
        return parse_camt053(data)
    if kind is StatementFormat.OFX:
        return parse_ofx(data)
    if isinstance(mapping, str) and mapping not in LAYOUTS:
        raise StatementError(
            ErrorCode.UNSUPPORTED_FORMAT,
            f"unknown bank layout {mapping!r} (known: {', '.join(LAYOUTS)})",
        )
    chosen = LAYOUTS[mapping] if isinstance(mapping, str) else mapping
    return parse_tabular(
        data,
        format=kind,
        mapping=chosen,
        account=account,
        opening_balance=opening_balance,
        encoding=encoding,
    )


def read_statement_file(
    source: bytes | str | os.PathLike[str] | BinaryIO,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    format: StatementFormat | None = None,
    mapping: ColumnMapping | str | None = None,
    account: str | None = None,
    opening_balance: Money | None = None,
    encoding: str | None = None,
) -> StatementFile:
    """Read and parse one statement file, refusing it above ``max_bytes`` unread.

    A refusal names the file (see :meth:`StatementError.in_file`)."""
    src = read_source(source, max_bytes=max_bytes)
    try:
        return parse_bytes(
            src.data,
            format=format,
            mapping=mapping,
            account=account,
            opening_balance=opening_balance,
            encoding=encoding,
        )
    except StatementError as error:
        raise error.in_file(src.name) from None
