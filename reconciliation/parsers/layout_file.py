"""Bank layouts that users define in a TOML file (``riskpool reconcile import --layout FILE``).

Why a file: every bank (and every version of its online banking) names its CSV
and Excel columns its own way; finance staff must be able to describe a new
export without a code change. The file says, for each field, which header names
hold it — the same :class:`~riskpool.reconciliation.parsers.tabular.ColumnMapping`
the built-in layouts are, so a user's layout gets every check theirs get (full
header signature, running balances proved). Example::

    name = "zzbank-corporate"
    bank = "郑州银行"
    booking_date = "交易日期"
    value_date = "起息日"
    balance = "余额"
    bank_reference = "流水号"
    counterparty_name = "对方户名"
    counterparty_account = "对方账号"
    purpose = ["摘要", "用途"]          # several columns, joined
    [amount]                            # one of: signed / debit+credit / amount+flag
    debit = "借方发生额"
    credit = "贷方发生额"

A field's value is a header name or a list of alternatives (the first present
is used). Anything else — an unknown key, a missing amount rule, a non-string
name — is refused with ``VALIDATION`` naming the key, never half-read.
"""

from __future__ import annotations

import tomllib
from typing import Any

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation.parsers.tabular import (
    AmountRule,
    ColumnMapping,
    Columns,
    DebitCreditAmounts,
    FlaggedAmount,
    SignedAmount,
)

MAX_LAYOUT_BYTES = 64 * 1024
COLUMN_FIELDS = (
    "booking_date",
    "value_date",
    "balance",
    "bank_reference",
    "end_to_end_id",
    "counterparty_name",
    "counterparty_account",
    "payer_name",
    "payer_account",
    "payee_name",
    "payee_account",
    "currency",
    "account",
    "transaction_code",
)
MARK_FIELDS = ("reversal_marks", "opening_labels", "closing_labels", "footer_prefixes")
AMOUNT_KEYS = {"signed", "debit", "credit", "amount", "flag", "debit_marks", "credit_marks"}


def _refuse(key: str, message: str) -> RiskpoolError:
    return RiskpoolError(ErrorCode.VALIDATION, f"layout file: {key}: {message}", field="layout")


def _names(key: str, value: Any) -> Columns:
    """A header name or a list of alternatives, as a tuple of non-empty strings."""
    values = [value] if isinstance(value, str) else value
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v.strip() for v in values)
    ):
        raise _refuse(key, "a header name or a list of header names")
    return tuple(v.strip() for v in values)


def _amount(value: Any) -> AmountRule:
    if not isinstance(value, dict):
        raise _refuse("amount", "a table: signed = …, or debit = … and credit = …, or amount/flag")
    unknown = set(value) - AMOUNT_KEYS
    if unknown:
        raise _refuse("amount", f"unknown keys {', '.join(sorted(unknown))}")
    keys = set(value) - {"debit_marks", "credit_marks"}
    if keys == {"signed"}:
        return SignedAmount(_names("amount.signed", value["signed"]))
    if keys == {"debit", "credit"}:
        return DebitCreditAmounts(
            _names("amount.debit", value["debit"]), _names("amount.credit", value["credit"])
        )
    if keys == {"amount", "flag"}:
        marks: dict[str, tuple[str, ...]] = {}
        for key in ("debit_marks", "credit_marks"):
            if key in value:
                marks[key] = _names(f"amount.{key}", value[key])
        return FlaggedAmount(
            _names("amount.amount", value["amount"]), _names("amount.flag", value["flag"]), **marks
        )
    raise _refuse("amount", "exactly one of: signed; debit and credit; amount and flag")


def load_layout(data: bytes) -> ColumnMapping:
    """The layout a TOML file describes (``VALIDATION`` naming the key when it is wrong)."""
    if len(data) > MAX_LAYOUT_BYTES:
        raise _refuse("file", f"larger than {MAX_LAYOUT_BYTES} bytes")
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _refuse("file", f"not UTF-8 TOML ({exc})") from None
    known = {"name", "bank", "amount", "purpose", "newest_first", "default_currency"}
    unknown = set(doc) - known - set(COLUMN_FIELDS) - set(MARK_FIELDS)
    if unknown:
        raise _refuse(", ".join(sorted(unknown)), "unknown key")
    for key in ("name", "bank"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise _refuse(key, "required, a non-empty string")
    if "booking_date" not in doc or "amount" not in doc:
        raise _refuse("booking_date, amount", "both are required")
    fields: dict[str, Any] = {
        key: _names(key, doc[key]) for key in (*COLUMN_FIELDS, *MARK_FIELDS) if key in doc
    }
    if "purpose" in doc:
        purpose = doc["purpose"]
        parts = [purpose] if isinstance(purpose, str) else purpose
        if not isinstance(parts, list):
            raise _refuse("purpose", "a header name or a list of them")
        fields["purpose"] = tuple(_names("purpose", part) for part in parts)
    if "newest_first" in doc:
        if not isinstance(doc["newest_first"], bool):
            raise _refuse("newest_first", "true or false (omit it to detect)")
        fields["newest_first"] = doc["newest_first"]
    if "default_currency" in doc:
        currency = doc["default_currency"]
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
            raise _refuse("default_currency", "a three-letter ISO 4217 code")
        fields["default_currency"] = currency.upper()
    return ColumnMapping(
        name=doc["name"].strip(), bank=doc["bank"].strip(), amount=_amount(doc["amount"]), **fields
    )
