"""The fast printer prints exactly what beancount's printer prints; links and options are valid."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from beancount.core import amount, data, display_context
from beancount.parser import printer
from hypothesis import given, settings
from hypothesis import strategies as st

from riskpool.export import naming
from riskpool.export.printing import (
    ExportPrinter,
    display_context_for,
    format_directives,
    option_line,
)

CONTEXT = display_context_for({"CNY": 2, "USD": 2, "JPY": 0})

accounts = st.sampled_from(
    [
        "Assets:CITY-POOL-资金池:1002-银行存款:100201-银行存款-资金池专户",
        "Equity:POOL:A3001",
        "Expenses:POOL:A5001",
        "Liabilities:X:A2201-2E-1",
    ]
)
currencies = st.sampled_from(["CNY", "USD", "JPY"])
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
meta_values = st.one_of(
    texts,
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**12, min_value=-(10**12)
    ),
    st.booleans(),
    st.none(),
    st.dates(),
)
meta = st.dictionaries(st.from_regex(r"[a-z][a-z_]{1,10}", fullmatch=True), meta_values, max_size=5)


@st.composite
def transactions(draw: Any) -> data.Transaction:
    postings = []
    for _ in range(draw(st.integers(1, 4))):
        number = draw(
            st.decimals(
                allow_nan=False,
                allow_infinity=False,
                places=2,
                max_value=10**11,
                min_value=-(10**11),
            )
        )
        postings.append(
            data.Posting(
                draw(accounts),
                amount.Amount(number, draw(currencies)),
                None,
                None,
                draw(st.sampled_from([None, "!"])),
                draw(st.one_of(st.none(), meta)),
            )
        )
    return data.Transaction(
        draw(meta),
        draw(st.dates(min_value=datetime.date(1990, 1, 1))),
        draw(st.sampled_from(["*", "!", "S"])),
        draw(st.one_of(st.none(), texts)),
        draw(texts),
        frozenset(draw(st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)))),
        frozenset(draw(st.lists(st.from_regex(r"[a-z][a-z0-9-/]{0,8}", fullmatch=True)))),
        postings,
    )


@settings(max_examples=300, deadline=None)
@given(transactions())
def test_export_printer_output_is_byte_identical_to_beancounts_printer(
    txn: data.Transaction,
) -> None:
    assert ExportPrinter(CONTEXT)(txn) == printer.EntryPrinter(CONTEXT)(txn)


# Any finite decimal (exponents, trailing zeros, ``0E-7``) and the keys the
# stock printer skips, for the metadata fast path and its per-key cache.
any_decimals = st.decimals(allow_nan=False, allow_infinity=False)
wide_meta = st.dictionaries(
    st.one_of(
        st.from_regex(r"[a-z][a-z_]{1,10}", fullmatch=True),
        st.sampled_from(["filename", "lineno", "__tolerances__", "__x"]),
    ),
    st.one_of(meta_values, any_decimals),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(wide_meta, st.sampled_from([None, "  ", "    ", "\t", ""]))
def test_export_printer_metadata_is_byte_identical(
    meta: dict[str, Any], prefix: str | None
) -> None:
    ours, stock = io.StringIO(), io.StringIO()
    fast = ExportPrinter(CONTEXT)
    fast.write_metadata(meta, ours, prefix)
    fast.write_metadata(meta, ours, prefix)  # again, from the per-key cache
    printer.EntryPrinter(CONTEXT).write_metadata(meta, stock, prefix)
    printer.EntryPrinter(CONTEXT).write_metadata(meta, stock, prefix)
    assert ours.getvalue() == stock.getvalue()


@st.composite
def plain_transactions(draw: Any) -> data.Transaction:
    """Transactions of any decimals and metadata, including no postings at all."""
    txn = draw(transactions())
    postings = [
        posting._replace(
            units=amount.Amount(draw(any_decimals), posting.units.currency),
            meta=draw(st.one_of(st.none(), wide_meta)),
        )
        for posting in txn.postings[: draw(st.integers(0, 4))]
    ]
    return txn._replace(postings=postings, meta=draw(wide_meta))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(transactions(), plain_transactions()), min_size=1, max_size=6))
def test_one_export_printer_prints_many_transactions_like_beancount(
    txns: list[data.Transaction],
) -> None:
    fast, stock = ExportPrinter(CONTEXT), printer.EntryPrinter(CONTEXT)
    assert [fast(txn) for txn in txns] == [stock(txn) for txn in txns]


@settings(max_examples=100, deadline=None)
@given(
    transactions(),
    st.lists(
        st.one_of(
            transactions(),
            plain_transactions(),
            st.builds(
                lambda day, name: data.Open({}, day, name, ["CNY"], None),
                st.dates(min_value=datetime.date(1990, 1, 1)),
                accounts,
            ),
        ),
        max_size=6,
    ),
)
def test_directive_writer_lays_out_a_file_like_print_entries(
    first: data.Transaction, rest: list[Any]
) -> None:
    directives = [first, *rest]
    stock = io.StringIO()
    printer.print_entries(directives, CONTEXT, file=stock)
    assert format_directives(directives, CONTEXT) == stock.getvalue()


def test_export_printer_follows_its_options_and_context() -> None:
    """Weights, a minimum account width, another prefix or context: still the stock output."""
    posting = data.Posting(
        "Assets:POOL:A1002", amount.Amount(Decimal("1.5"), "JPY"), None, None, None, {"k": "v"}
    )
    txn = data.Transaction(
        {"a": Decimal("1")},
        datetime.date(2025, 1, 1),
        "*",
        None,
        "x",
        frozenset(),
        frozenset(),
        [posting, posting._replace(units=amount.Amount(Decimal("-1.5"), "JPY"))],
    )
    for options in ({"render_weight": True}, {"min_width_account": 40}, {"prefix": "    "}):
        stock = printer.EntryPrinter(CONTEXT, **options)
        assert ExportPrinter(CONTEXT, **options)(txn) == stock(txn)
    fast = ExportPrinter(CONTEXT)
    assert fast(txn) == printer.EntryPrinter(CONTEXT)(txn)
    for currency in ("/NQH21", "c1", "X", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        odd = txn._replace(
            postings=[
                txn.postings[0]._replace(units=amount.Amount(Decimal("2"), currency)),
                txn.postings[1],
            ]
        )
        assert fast(odd) == printer.EntryPrinter(CONTEXT)(odd)
    other = display_context_for({"JPY": 3})
    fast.dcontext = other
    fast.dformat = other.build(precision=display_context.Precision.MOST_COMMON)
    assert fast(txn) == printer.EntryPrinter(other)(txn)


def test_export_printer_hands_costs_and_prices_to_the_stock_printer() -> None:
    posting = data.Posting(
        "Assets:POOL:A1002",
        amount.Amount(Decimal("10.00"), "CNY"),
        None,
        amount.Amount(Decimal("0.14"), "USD"),
        None,
        None,
    )
    txn = data.Transaction(
        {}, datetime.date(2025, 1, 1), "*", None, "fx", frozenset(), frozenset(), [posting]
    )
    assert ExportPrinter(CONTEXT)(txn) == printer.EntryPrinter(CONTEXT)(txn)


def test_links_keep_only_link_characters_and_stay_distinct() -> None:
    values = ["L-2024/0031", "L_2024", "L 2024", "贷款1", "42"]
    links = [naming.link("loan", v) for v in values]
    assert len(set(links)) == len(values)
    assert all(all(c.isascii() and (c.isalnum() or c in "-_/.") for c in x) for x in links)


def test_option_line_escapes_and_refuses_unknown_options() -> None:
    assert option_line("title", 'a "b" \\') == 'option "title" "a \\"b\\" \\\\"\n'
    with pytest.raises(ValueError):
        option_line("no_such_option", "x")
