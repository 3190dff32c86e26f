"""How the command line prints a listing: a rich table for people, JSON or CSV for programs.

Why one module: every listing command used to lay out its own rich table, so
amounts were left-aligned in one, cut to 80 columns in another and printed as
``-0.00`` in a third. A command now describes its rows once (:class:`Listing`)
and :func:`render` prints them in the format asked for (``--format``):

* ``table``: amounts right-aligned and never wrapped or cut (their column is at
  least as wide as its widest amount, with thousands separators); rich measures
  Chinese characters as two cells, so wide text lines up.
* ``json``: one array of ``{"title", "rows": [{column: value}]}`` objects;
  amounts are exact decimal strings without separators (never floats).
* ``csv``: one header line, a ``listing`` column naming the table of each row.

Zero is always ``0.00``: a sum that cancels out to ``Decimal("-0.00")`` is
printed without its sign (:func:`amount_text`).
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from moneyed import Money
from rich.console import Console
from rich.table import Column as RichColumn
from rich.table import Table

Cell = str | int | Decimal | Money | None
"""What a row holds: text, a count, an amount (Decimal or Money) or nothing."""


class OutputFormat(enum.StrEnum):
    """``--format`` of every listing command."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Column:
    """One column; ``amount`` columns are right-aligned and never cut."""

    header: str
    amount: bool = False


@dataclass(slots=True)
class Listing:
    """A titled table of rows, printed by :func:`render` in any :class:`OutputFormat`."""

    title: str
    columns: Sequence[Column]
    rows: list[Sequence[Cell]] = field(default_factory=list)

    def add(self, *cells: Cell) -> None:
        """Append one row; it must have one cell per column."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)


def amount_text(value: Decimal, *, grouped: bool) -> str:
    """An exact amount as text; zero has no sign (``-0.00`` misleads a reader and a chart)."""
    if value == 0:
        value = abs(value)
    return f"{value:,}" if grouped else str(value)


def cell_text(cell: Cell, *, grouped: bool) -> str:
    """A cell as text: amounts exact (grouped for people), nothing as the empty string."""
    if cell is None:
        return ""
    if isinstance(cell, Money):
        return amount_text(cell.amount, grouped=grouped)
    if isinstance(cell, Decimal):
        return amount_text(cell, grouped=grouped)
    return str(cell)


def rich_table(listing: Listing) -> Table:
    """The listing as a rich table for a terminal or a file."""
    columns = []
    for index, column in enumerate(listing.columns):
        if column.amount:
            widest = max(
                [len(column.header)]
                + [len(cell_text(row[index], grouped=True)) for row in listing.rows]
            )
            columns.append(
                RichColumn(column.header, justify="right", no_wrap=True, min_width=widest)
            )
        else:
            columns.append(RichColumn(column.header, overflow="fold"))
    table = Table(*columns, title=listing.title)
    for row in listing.rows:
        table.add_row(*(cell_text(cell, grouped=True) for cell in row))
    return table


def as_json(listings: Sequence[Listing]) -> str:
    """The listings as one JSON array; amounts stay exact strings."""
    return json.dumps(
        [
            {
                "title": listing.title,
                "rows": [
                    {
                        column.header: _json_cell(cell)
                        for column, cell in zip(listing.columns, row, strict=True)
                    }
                    for row in listing.rows
                ],
            }
            for listing in listings
        ],
        ensure_ascii=False,
        indent=2,
    )


def _json_cell(cell: Cell) -> str | int | None:
    if cell is None or isinstance(cell, int):
        return cell
    return cell_text(cell, grouped=False)


def as_csv(listings: Sequence[Listing]) -> str:
    """The listings as CSV: a ``listing`` column, then each listing's columns.

    Listings with different columns share one header made of the union of their
    columns in first-seen order; a cell a listing lacks is empty.
    """
    headers: list[str] = []
    for listing in listings:
        for column in listing.columns:
            if column.header not in headers:
                headers.append(column.header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["listing", *headers])
    for listing in listings:
        for row in listing.rows:
            by_header = {
                column.header: cell_text(cell, grouped=False)
                for column, cell in zip(listing.columns, row, strict=True)
            }
            writer.writerow([listing.title, *(by_header.get(h, "") for h in headers)])
    return buffer.getvalue()


def render(
    listings: Sequence[Listing],
    output: OutputFormat,
    console: Console,
    *,
    notes: Sequence[str] = (),
) -> None:
    """Print the listings in ``output``; ``notes`` (one-line remarks) only in a table.

    Why notes stay out of JSON and CSV: a program reading the output must get
    exactly the data, nothing it would have to skip.
    """
    if output is OutputFormat.JSON:
        console.file.write(as_json(listings) + "\n")
    elif output is OutputFormat.CSV:
        console.file.write(as_csv(listings))
    else:
        for listing in listings:
            console.print(rich_table(listing))
        for note in notes:
            console.print(note, soft_wrap=True)
