"""riskpool.cli_output: the three formats of a listing, and zero without a sign."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from moneyed import Money
from rich.cells import cell_len
from rich.console import Console

from riskpool.cli_output import (
    Column,
    Listing,
    OutputFormat,
    amount_text,
    as_csv,
    as_json,
    render,
)


def _listing() -> Listing:
    listing = Listing("余额", [Column("名称"), Column("amount", amount=True)])
    listing.add("银行存款-资金池专户", Money("174126731.52", "CNY"))
    listing.add("cash", Decimal("-0.00"))
    listing.add("none", None)
    return listing


def test_zero_never_has_a_sign() -> None:
    assert amount_text(Decimal("-0.00"), grouped=True) == "0.00"
    assert amount_text(Decimal("-0.00"), grouped=False) == "0.00"
    assert amount_text(Decimal("-1234.50"), grouped=True) == "-1,234.50"


def test_json_and_csv_carry_exact_amounts() -> None:
    (parsed,) = json.loads(as_json([_listing()]))
    assert parsed["rows"][0] == {"名称": "银行存款-资金池专户", "amount": "174126731.52"}
    assert parsed["rows"][1]["amount"] == "0.00" and parsed["rows"][2]["amount"] is None
    rows = list(csv.reader(io.StringIO(as_csv([_listing()]))))
    assert rows[0] == ["listing", "名称", "amount"]
    assert rows[1] == ["余额", "银行存款-资金池专户", "174126731.52"]


def test_csv_of_listings_with_different_columns_shares_one_header() -> None:
    other = Listing("other", [Column("amount", amount=True), Column("note")])
    other.add(Decimal("1.00"), "x")
    rows = list(csv.reader(io.StringIO(as_csv([_listing(), other]))))
    assert rows[0] == ["listing", "名称", "amount", "note"]
    assert rows[-1] == ["other", "", "1.00", "x"]


def test_a_narrow_terminal_never_cuts_an_amount_and_wide_text_lines_up() -> None:
    out = io.StringIO()
    render([_listing()], OutputFormat.TABLE, Console(file=out, width=24))
    text = out.getvalue()
    assert "174,126,731.52" in text
    lines = [line for line in text.splitlines() if line.startswith("│")]
    assert len({cell_len(line) for line in lines}) == 1


def test_a_row_must_fill_every_column() -> None:
    listing = Listing("t", [Column("a"), Column("b")])
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        listing.add("only one")
