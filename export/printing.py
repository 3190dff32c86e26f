"""Writing directives with beancount's printer, fast enough for a million postings.

Why a subclass of :class:`beancount.parser.printer.EntryPrinter`: the stock
printer spends most of its time on work our files never need — it renders
every posting's *weight* (and aligns that column) even when weights are not
printed, and walks an ``isinstance`` chain for every metadata value. Measured
on two-posting transactions with metadata it writes ~40,000–60,000 postings/s,
below the export's target. :class:`ExportPrinter` overrides only the two hot
methods with a fast path for the shapes the export emits (postings with plain
units — no cost, no price — and metadata of strings and decimals) and hands
anything else to the stock implementation. Its output is **byte-identical** to
the stock printer's; ``tests/export/test_printing.py`` proves that on
generated transactions, so the file is exactly what beancount itself prints.

Options (``option "title" …``) are not directives and beancount has no
printer for them; :func:`option_line` writes them with beancount's own string
escaping and refuses option names beancount does not know.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TextIO

from beancount.core import amount, data, display_context
from beancount.parser import options, printer
from beancount.utils import misc_utils

#: beancount's own escaping of ``"`` and ``\\`` inside strings.
_escape: Callable[[str], str] = misc_utils.escape_string


def display_context_for(currencies: dict[str, int]) -> display_context.DisplayContext:
    """A display context that prints each currency with exactly its decimals.

    ``currencies`` maps a currency to its number of minor-unit decimals (CNY:
    2), so ``1000`` fen prints as ``10.00 CNY`` whatever the data looked like.
    """
    context = display_context.DisplayContext()
    for currency, exponent in sorted(currencies.items()):
        context.update(Decimal(1).scaleb(-exponent), currency)
    return context


def option_line(name: str, value: str) -> str:
    """``option "name" "value"`` for an option beancount knows."""
    if name not in options.OPTIONS:
        raise ValueError(f"beancount has no option {name!r}")
    return f'option "{_escape(name)}" "{_escape(value)}"\n'


class ExportPrinter(printer.EntryPrinter):
    """beancount's ``EntryPrinter`` with fast paths; same output (see module docstring)."""

    def _metadata_lines(self, meta: Any, prefix: str, parts: list[str]) -> None:
        """Append ``write_metadata``'s lines to ``parts``; rare value types go to it."""
        ignore = self.META_IGNORE
        for key, value in meta.items():
            if key in ignore or key.startswith("__"):
                continue
            kind = type(value)
            if kind is str:
                if '"' in value or "\\" in value:
                    value = _escape(value)
                parts.append(f'{prefix}{key}: "{value}"\n')
            elif kind is Decimal:
                parts.append(f"{prefix}{key}: {value}\n")
            else:
                buffer = io.StringIO()
                super().write_metadata({key: value}, buffer, prefix)  # type: ignore[no-untyped-call]
                parts.append(buffer.getvalue())

    def write_metadata(self, meta: Any, oss: Any, prefix: str | None = None) -> None:
        if meta is None:
            return
        parts: list[str] = []
        self._metadata_lines(meta, self.prefix if prefix is None else prefix, parts)
        oss.write("".join(parts))

    def Transaction(self, entry: data.Transaction, oss: Any) -> None:
        postings = entry.postings
        simple = not self.render_weight and not self.min_width_account
        numbers: list[Decimal] = []
        currencies: list[str] = []
        if simple:
            for posting in postings:
                units = posting.units
                if (
                    posting.cost is not None
                    or posting.price is not None
                    or units is None
                    or type(units) is not amount.Amount
                    or type(units.number) is not Decimal
                    or not units.number.is_finite()
                ):
                    simple = False
                    break
                numbers.append(units.number)
                currencies.append(units.currency)
        if not simple:
            super().Transaction(entry, oss)  # type: ignore[no-untyped-call]
            return

        strings = []
        if entry.payee:
            strings.append(f'"{_escape(entry.payee)}"')
        if entry.narration:
            strings.append(f'"{_escape(entry.narration)}"')
        elif entry.payee:
            strings.append('""')
        if entry.tags:
            strings.extend(f"#{tag}" for tag in sorted(entry.tags))
        if entry.links:
            strings.extend(f"^{link}" for link in sorted(entry.links))
        parts = [f"{entry.date} {printer.render_flag(entry.flag)} {' '.join(strings)}\n"]
        if entry.meta is not None:
            self._metadata_lines(entry.meta, self.prefix, parts)

        # The stock printer aligns "number CURRENCY" on the currency's first
        # letter: numbers right-aligned, currencies left-aligned.
        fmt = self.dformat.format
        accounts = [f"{p.flag} {p.account}" if p.flag else p.account for p in postings]
        rendered = [fmt(n, c) + " " for n, c in zip(numbers, currencies, strict=True)]
        width_account = max(map(len, accounts)) if accounts else 1
        before = max(map(len, rendered)) if rendered else 0
        after = max(map(len, currencies)) if currencies else 0
        width_position = max(1, before + after)
        prefix = self.prefix
        for posting, account, number, currency in zip(
            postings, accounts, rendered, currencies, strict=True
        ):
            position = f"{number:>{before}}{currency:{after}}"
            parts.append(f"{prefix}{account:{width_account}}  {position:{width_position}}".rstrip())
            parts.append("\n")
            if posting.meta:
                self._metadata_lines(posting.meta, "    ", parts)
        oss.write("".join(parts))


class DirectiveWriter:
    """Streams directives into a text file the way ``printer.print_entries`` lays them out.

    A blank line goes before every transaction and wherever the directive
    type changes, as in ``print_entries``; directives must be given in
    beancount's sort order for the file to read naturally (the loader sorts
    anyway).
    """

    def __init__(self, out: TextIO, context: display_context.DisplayContext) -> None:
        self.out = out
        self._printer = ExportPrinter(context)  # type: ignore[no-untyped-call]
        self._print: Callable[[data.Directive], str] = self._printer
        self._previous: type | None = None
        self.count = 0

    def write(self, directive: data.Directive) -> None:
        kind = type(directive)
        if kind is data.Transaction or kind is data.Commodity or kind is not self._previous:
            self.out.write("\n")
            self._previous = kind
        if isinstance(directive, data.Transaction) and type(self._printer) is ExportPrinter:
            # What ``EntryPrinter.__call__`` does, minus its per-entry StringIO
            # (it writes no source comment: ``write_source`` is off).
            self._printer.Transaction(directive, self.out)
        else:
            self.out.write(self._print(directive))
        self.count += 1

    def write_all(self, directives: Iterable[data.Directive]) -> None:
        for directive in directives:
            self.write(directive)


def format_directives(
    directives: Iterable[data.Directive], context: display_context.DisplayContext
) -> str:
    """All ``directives`` as one string (tests and small exports)."""
    buffer = io.StringIO()
    DirectiveWriter(buffer, context).write_all(directives)
    return buffer.getvalue()
