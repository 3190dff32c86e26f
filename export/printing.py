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
the stock printer's; ``tests/export/test_export_printing.py`` proves that on
generated transactions, metadata and directive sequences (against
``EntryPrinter`` and ``print_entries``), so the file is exactly what beancount
itself prints.

What the fast path saves, per transaction: the weight column, the per-entry
``StringIO`` (:class:`DirectiveWriter` writes each transaction, blank line
included, with one ``write``), the ``isinstance`` chain and escaping of plain
metadata values (strings without ``"``/``\\`` are written as they are), and
the repeated lookups that depend only on the key or currency — each metadata
key's ``"  key: "`` and each currency's number format are built once per
printer.

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
    """beancount's ``EntryPrinter`` with fast paths; same output (see module docstring).

    Per-key metadata prefixes and per-currency number formatters are cached
    on the instance (they depend only on the key, the indentation and the
    display context); everything a directive varies in is rendered afresh.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        #: ``{prefix: {key: "prefix key: " or "" when the key is not printed}}``.
        self._heads: dict[str, dict[str, str]] = {}
        #: ``currency -> formatter`` of ``_formats_of`` (rebuilt if ``dformat`` changes).
        self._formats: dict[str, Callable[[Decimal], str]] = {}
        self._formats_of: Any = None

    def _heads_for(self, prefix: str) -> dict[str, str]:
        heads = self._heads.get(prefix)
        if heads is None:
            heads = self._heads[prefix] = {}
        return heads

    def _head(self, key: str, prefix: str) -> str:
        """``"prefix key: "``, or ``""`` for a key ``write_metadata`` skips."""
        ignored = key in self.META_IGNORE or key.startswith("__")
        head = "" if ignored else f"{prefix}{key}: "
        heads = self._heads_for(prefix)
        if len(heads) < 4_096:
            heads[key] = head
        return head

    def _number_format(self, currency: str) -> Callable[[Decimal], str] | None:
        """``self.dformat.format(·, currency)`` as one cached callable.

        ``None`` for a currency that does not start with an upper-case letter
        (the stock printer aligns on the first one, which would then not be
        the currency's first character): the fast path does not apply.
        """
        if not ("A" <= currency[:1] <= "Z"):
            return None
        dformat = self.dformat
        if self._formats_of is not dformat:
            self._formats = {}
            self._formats_of = dformat
        funcs = dformat.fmtfuncs
        func: Callable[[Decimal], str] = funcs.get(currency) or funcs["__default__"]
        if len(self._formats) < 4_096:
            self._formats[currency] = func
        return func

    def _metadata_lines(
        self, meta: Any, prefix: str, parts: list[str], heads: dict[str, str] | None = None
    ) -> None:
        """Append ``write_metadata``'s lines to ``parts``; rare value types go to it.

        ``heads`` is ``self._heads_for(prefix)``, if the caller has it at hand.
        """
        if heads is None:
            heads = self._heads_for(prefix)
        append = parts.append
        for key, value in meta.items():
            head = heads.get(key)
            if head is None:
                head = self._head(key, prefix)
            if not head:
                continue
            kind = type(value)
            if kind is str:
                if '"' in value or "\\" in value:
                    value = _escape(value)
                append(f'{head}"{value}"\n')
            elif kind is Decimal:
                append(f"{head}{value!s}\n")
            else:
                buffer = io.StringIO()
                super().write_metadata({key: value}, buffer, prefix)  # type: ignore[no-untyped-call]
                append(buffer.getvalue())

    def write_metadata(self, meta: Any, oss: Any, prefix: str | None = None) -> None:
        if meta is None:
            return
        parts: list[str] = []
        self._metadata_lines(meta, self.prefix if prefix is None else prefix, parts)
        oss.write("".join(parts))

    def Transaction(self, entry: data.Transaction, oss: Any) -> None:
        text = self.render_transaction(entry)
        if text is None:
            super().Transaction(entry, oss)  # type: ignore[no-untyped-call]
        else:
            oss.write(text)

    def render_transaction(self, entry: data.Transaction, lead: str = "") -> str | None:
        """``lead`` and what ``Transaction`` writes, or ``None`` if the fast path does not apply.

        It applies to postings with plain units (an ``Amount`` of a finite
        ``Decimal``; no cost, no price) when weights are not rendered and no
        minimum account width is set.
        """
        if self.render_weight or self.min_width_account:
            return None
        if self._formats_of is not self.dformat:
            self._formats = {}
            self._formats_of = self.dformat
        formats = self._formats
        amount_type = amount.Amount
        # First every posting's pieces (and whether all of them are simple):
        # the column widths depend on all of them.
        rows = []
        width_account = before = after = 0
        for posting in entry.postings:
            units = posting.units
            if (
                posting.cost is not None
                or posting.price is not None
                or type(units) is not amount_type
            ):
                return None
            number, currency = units
            if type(number) is not Decimal or type(currency) is not str or not number.is_finite():
                return None
            fmt = formats.get(currency)
            if fmt is None:
                fmt = self._number_format(currency)
                if fmt is None:
                    return None
            # The stock printer aligns "number CURRENCY" on the currency's first
            # letter: numbers right-aligned, currencies left-aligned.
            number_text = fmt(number) + " "
            flag = posting.flag
            account = f"{flag} {posting.account}" if flag else posting.account
            if len(account) > width_account:
                width_account = len(account)
            if len(number_text) > before:
                before = len(number_text)
            if len(currency) > after:
                after = len(currency)
            rows.append((account, number_text, currency, posting.meta))
        if not rows:
            width_account = 1

        strings = []
        payee = entry.payee
        narration = entry.narration
        if payee:
            if '"' in payee or "\\" in payee:
                payee = _escape(payee)
            strings.append(f'"{payee}"')
        if narration:
            if '"' in narration or "\\" in narration:
                narration = _escape(narration)
            strings.append(f'"{narration}"')
        elif payee:
            strings.append('""')
        if entry.tags:
            strings.extend(f"#{tag}" for tag in sorted(entry.tags))
        if entry.links:
            strings.extend(f"^{link}" for link in sorted(entry.links))
        parts = [f"{lead}{entry.date} {entry.flag or ''} {' '.join(strings)}\n"]
        prefix = self.prefix
        if entry.meta is not None:
            self._metadata_lines(entry.meta, prefix, parts)

        width_position = max(1, before + after)
        append = parts.append
        lines = self._metadata_lines
        heads = self._heads_for("    ")
        for account, number_text, currency, meta in rows:
            position = f"{number_text:>{before}}{currency:{after}}"
            append(f"{prefix}{account:{width_account}}  {position:{width_position}}".rstrip())
            append("\n")
            if meta:
                lines(meta, "    ", parts, heads)
        return "".join(parts)


class DirectiveWriter:
    """Streams directives into a text file the way ``printer.print_entries`` lays them out.

    A blank line goes before every transaction and wherever the directive
    type changes, as in ``print_entries``; directives must be given in
    beancount's sort order for the file to read naturally (the loader sorts
    anyway).
    """

    def __init__(self, out: TextIO, context: display_context.DisplayContext) -> None:
        self.out = out
        self._printer = ExportPrinter(context)
        self._print: Callable[[data.Directive], str] = self._printer
        self._previous: type | None = None
        self.count = 0

    def write(self, directive: data.Directive) -> None:
        kind = type(directive)
        out = self.out
        self.count += 1
        if kind is data.Transaction:
            self._previous = kind
            fast = self._printer
            if type(fast) is ExportPrinter:
                # What ``EntryPrinter.__call__`` does (it writes no source
                # comment: ``write_source`` is off), minus its per-entry
                # StringIO, and the blank line in the same write.
                text = fast.render_transaction(directive, "\n")  # type: ignore[arg-type]
                if text is not None:
                    out.write(text)
                    return
            out.write("\n")
            out.write(self._print(directive))
            return
        if kind is data.Commodity or kind is not self._previous:
            out.write("\n")
            self._previous = kind
        out.write(self._print(directive))

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
