"""CSV and XLSX statement exports of Chinese banks, by declarative column mapping.

Why declarative: every bank's online banking exports a different table, and
the bank may change it without notice. A :class:`ColumnMapping` names, for
each field of :class:`~riskpool.reconciliation.model.StatementLine`, the
header(s) that hold it and how the amount's sign is given. Adding a bank is
writing a mapping, not code; a mapping for a bank not listed here can be
passed to :func:`parse_tabular` directly.

What every mapping handles (the variations seen across banks):

* encodings: GB18030, UTF-8, UTF-8 with BOM (see :mod:`.detect`);
* a preamble above the header row (账号, 币种, 期初余额 …) and footer rows
  (合计, 总计 …) below the data;
* amounts with thousands separators; ``-``/``--`` placeholders for empty cells;
  spreadsheet-protected cells such as ``="6222…"``;
* the sign: one signed column (:class:`SignedAmount`), separate debit/credit
  columns (:class:`DebitCreditAmounts`, 借方 = money out, 贷方 = money in, as
  on the customer's statement), or an unsigned amount with a 借/贷 flag
  (:class:`FlaggedAmount`);
* newest-first files (detected from the dates, and on a single day from the
  running balances), which are turned to oldest-first;
* reversals: a 摘要/交易类型 containing 冲正 (or another configured mark).

Balances: a running balance column (余额) gives the opening (first balance −
first amount, flagged derived) and closing balance and is checked line by
line by the integrity proof; a preamble 期初余额/期末余额 is used as stated.
Without either, the caller must pass the opening balance (the previous
statement's closing), or the file is refused — an export that cannot be
proved is not evidence.

The built-in layouts (invented from the banks' public export formats; the
header names are what a mapping matches, column order does not matter):

``cmb`` — 招商银行 (China Merchants Bank), CSV, GB18030, oldest first::

    招商银行账务明细
    账号：,755912345610001
    币种：,人民币
    交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,收(付)方名称,收(付)方帐号,用途

  dates ``20250103``; separate 借方金额/贷方金额 columns.

``icbc`` — 工商银行 (ICBC), CSV, GB18030, oldest first, 合计 footer::

    凭证号,本方账号,对方账号,交易时间,借/贷,借方发生额,贷方发生额,对方行号,摘要,用途,对方单位名称,余额,交易流水号

  交易时间 ``2025-01-03 10:15:22``; amounts with thousands separators; the
  account on every row (本方账号), so one file may hold several accounts.

``boc`` — 中国银行 (Bank of China), XLSX or CSV, oldest first::

    交易日期,交易时间,起息日期,交易类型,交易货币,交易金额,交易后余额,付款人账号,付款人名称,收款人账号,收款人名称,交易流水号,客户业务编号,用途,摘要

  one signed 交易金额 (``-`` = out); the counterparty is the payer of money
  in and the payee of money out; 客户业务编号 is the end-to-end id.

``bocom`` — 交通银行 (Bank of Communications), CSV, UTF-8 with BOM, newest first::

    交易日期,交易时间,摘要,借贷标志,交易金额,余额,对方账号,对方户名,会计流水号,用途,起息日

  an unsigned 交易金额 with 借贷标志 借/贷; ``-`` in empty cells.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from moneyed import Money

from riskpool.errors import ErrorCode
from riskpool.ledger.money import to_minor
from riskpool.reconciliation.errors import StatementError, describe, invalid
from riskpool.reconciliation.model import StatementFile, StatementFormat
from riskpool.reconciliation.parsers.common import (
    LineDraft,
    StatementDraft,
    booking_order,
    check_date,
    clean_text,
    finish,
    minor_units,
    normalize_currency,
    parse_amount,
    parse_date,
    parse_decimal,
)
from riskpool.reconciliation.parsers.detect import text_lines

Columns = tuple[str, ...]
"""Accepted header names for one field; the first present in the file is used."""


@dataclass(frozen=True, slots=True)
class SignedAmount:
    """One column with a signed amount: ``+`` money in, ``-`` money out."""

    column: Columns


@dataclass(frozen=True, slots=True)
class DebitCreditAmounts:
    """Separate columns: ``debit`` (借方, money out) and ``credit`` (贷方, money in)."""

    debit: Columns
    credit: Columns


@dataclass(frozen=True, slots=True)
class FlaggedAmount:
    """An unsigned amount and a flag column saying 借 (out) or 贷 (in)."""

    amount: Columns
    flag: Columns
    debit_marks: tuple[str, ...] = ("借", "D", "DR", "支出", "付", "出", "-")
    credit_marks: tuple[str, ...] = ("贷", "C", "CR", "收入", "收", "入", "+")


AmountRule = SignedAmount | DebitCreditAmounts | FlaggedAmount


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Where one bank's export keeps each field. Empty tuple = not in the file.

    ``purpose`` lists several columns (摘要, 用途 …) that are joined with a
    space. ``payer_*``/``payee_*`` are for banks that print both parties
    instead of the counterparty: the payer of money in and the payee of money
    out become the counterparty. ``newest_first`` ``None`` means "detect".
    """

    name: str
    bank: str
    booking_date: Columns
    amount: AmountRule
    value_date: Columns = ()
    balance: Columns = ()
    bank_reference: Columns = ()
    end_to_end_id: Columns = ()
    counterparty_name: Columns = ()
    counterparty_account: Columns = ()
    payer_name: Columns = ()
    payer_account: Columns = ()
    payee_name: Columns = ()
    payee_account: Columns = ()
    purpose: tuple[Columns, ...] = ()
    currency: Columns = ()
    account: Columns = ()
    transaction_code: Columns = ()
    newest_first: bool | None = None
    reversal_marks: tuple[str, ...] = ("冲正", "冲账", "抹账", "退汇")
    account_labels: tuple[str, ...] = ("账号", "帐号", "账户", "本方账号", "查询账号")
    currency_labels: tuple[str, ...] = ("币种", "货币")
    opening_labels: tuple[str, ...] = ("期初余额", "上日余额", "起始余额")
    closing_labels: tuple[str, ...] = ("期末余额", "本日余额", "截止余额")
    footer_prefixes: tuple[str, ...] = ("合计", "总计", "本页合计", "借方合计", "贷方合计", "共")
    default_currency: str = "CNY"

    def required(self) -> tuple[Columns, ...]:
        """The fields without which a row is no statement line."""
        match self.amount:
            case SignedAmount(column):
                return (self.booking_date, column)
            case DebitCreditAmounts(debit, credit):
                return (self.booking_date, debit, credit)
            case FlaggedAmount(amount, flag):
                return (self.booking_date, amount, flag)

    def signature(self) -> tuple[Columns, ...]:
        """Every column the layout names: what a header must carry to be taken for it."""
        return self.all_columns()

    def all_columns(self) -> tuple[Columns, ...]:
        optional = (
            self.value_date,
            self.balance,
            self.bank_reference,
            self.end_to_end_id,
            self.counterparty_name,
            self.counterparty_account,
            self.payer_name,
            self.payer_account,
            self.payee_name,
            self.payee_account,
            self.currency,
            self.account,
            self.transaction_code,
            *self.purpose,
        )
        return self.required() + tuple(columns for columns in optional if columns)


CMB = ColumnMapping(
    name="cmb",
    bank="招商银行",
    booking_date=("交易日",),
    value_date=("起息日",),
    amount=DebitCreditAmounts(debit=("借方金额",), credit=("贷方金额",)),
    balance=("余额",),
    bank_reference=("流水号",),
    counterparty_name=("收(付)方名称",),
    counterparty_account=("收(付)方帐号", "收(付)方账号"),
    purpose=(("摘要",), ("用途",)),
    transaction_code=("交易类型",),
)
ICBC = ColumnMapping(
    name="icbc",
    bank="工商银行",
    booking_date=("交易时间",),
    amount=DebitCreditAmounts(debit=("借方发生额",), credit=("贷方发生额",)),
    balance=("余额",),
    bank_reference=("交易流水号",),
    counterparty_name=("对方单位名称",),
    counterparty_account=("对方账号",),
    purpose=(("摘要",), ("用途",)),
    account=("本方账号",),
    transaction_code=("凭证号",),
)
BOC = ColumnMapping(
    name="boc",
    bank="中国银行",
    booking_date=("交易日期",),
    value_date=("起息日期",),
    amount=SignedAmount(column=("交易金额",)),
    balance=("交易后余额",),
    bank_reference=("交易流水号",),
    end_to_end_id=("客户业务编号",),
    payer_name=("付款人名称",),
    payer_account=("付款人账号",),
    payee_name=("收款人名称",),
    payee_account=("收款人账号",),
    purpose=(("用途",), ("摘要",)),
    currency=("交易货币",),
    transaction_code=("交易类型",),
)
BOCOM = ColumnMapping(
    name="bocom",
    bank="交通银行",
    booking_date=("交易日期",),
    value_date=("起息日",),
    amount=FlaggedAmount(amount=("交易金额",), flag=("借贷标志",)),
    balance=("余额",),
    bank_reference=("会计流水号",),
    counterparty_name=("对方户名",),
    counterparty_account=("对方账号",),
    purpose=(("摘要",), ("用途",)),
)
LAYOUTS: dict[str, ColumnMapping] = {m.name: m for m in (CMB, ICBC, BOC, BOCOM)}
"""The built-in bank layouts, by name."""

MAX_HEADER_SEARCH_ROWS = 50
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
"""A zip bomb guard: an XLSX whose parts unpack to more than this is refused."""
MAX_XLSX_RATIO = 200


@dataclass(slots=True)
class _Row:
    number: int
    cells: Sequence[object]
    raw: str


@dataclass(slots=True)
class _Header:
    index: dict[str, int]
    preamble: dict[str, str] = field(default_factory=dict)
    line: int | None = None


def parse_tabular(
    data: bytes,
    *,
    format: StatementFormat,
    mapping: ColumnMapping | None = None,
    account: str | None = None,
    opening_balance: Money | None = None,
    encoding: str | None = None,
) -> StatementFile:
    """The statement(s) of a CSV or XLSX export.

    ``mapping`` ``None`` recognises one of :data:`LAYOUTS` from the header
    row. ``account`` is required when the file names no account; if both
    do, they must agree. Raises ``UNSUPPORTED_FORMAT`` when no layout fits.
    """
    rows = _xlsx_rows(data) if format is StatementFormat.XLSX else _csv_rows(data, encoding)
    head = list(itertools.islice(rows, MAX_HEADER_SEARCH_ROWS))
    if not any(_cell_text(cell) for row in head for cell in row.cells):
        raise StatementError(ErrorCode.STATEMENT_EMPTY, "the file holds no rows")
    header_row, chosen, header = _find_header(head, mapping)
    file_account = _preamble_value(header.preamble, chosen.account_labels)
    if account is not None and file_account is not None and _norm(file_account) != _norm(account):
        raise invalid(f"file is for account {file_account}, not {account}", field="account")
    default_account = _norm(account or file_account or "") or None
    currency_text = _preamble_value(header.preamble, chosen.currency_labels)
    default_currency = normalize_currency(currency_text or chosen.default_currency)

    per_account: dict[str, list[LineDraft]] = {}
    shared: dict[str, str] = {}
    for row in itertools.chain(head[header_row + 1 :], rows):
        draft = _line(row, chosen, header, default_account, default_currency)
        if draft is not None:
            _share(draft, shared)
            per_account.setdefault(draft.account, []).append(draft)
    del head
    opening_text = _preamble_value(header.preamble, chosen.opening_labels)
    closing_text = _preamble_value(header.preamble, chosen.closing_labels)
    if not per_account:
        raise invalid("no statement rows below the header", line=header.line)
    if len(per_account) > 1 and (opening_text or closing_text or opening_balance):
        raise invalid("stated balances are ambiguous in a file with several accounts")
    drafts = []
    for account_number, lines in per_account.items():
        lines = _chronological(lines, chosen)
        currency = lines[0].currency
        if any(line.currency != currency for line in lines):
            raise invalid("several currencies for one account", line=lines[0].source_line)
        drafts.append(
            _statement(
                chosen, account_number, currency, lines, opening_text, closing_text, opening_balance
            )
        )
    return finish(format, data, drafts)


def _norm(account: str) -> str:
    return account.replace(" ", "").replace("-", "")


def _preamble_value(preamble: dict[str, str], labels: tuple[str, ...]) -> str | None:
    for label in labels:
        if label in preamble:
            return preamble[label]
    return None


def _csv_rows(data: bytes, encoding: str | None) -> Iterator[_Row]:
    """The rows of a CSV, one at a time, each with its physical line(s) as raw text.

    Why a generator over lines decoded in chunks: the file's text, rows, cells
    and raw lines are never all held at once (a 20 MiB export used to take 27
    times its size); only the parsed lines are kept.
    """
    sample = list(itertools.islice(text_lines(data, encoding), 20))
    delimiter = (
        "\t" if sum(s.count("\t") for s in sample) > sum(s.count(",") for s in sample) else ","
    )
    consumed: list[str] = []

    def physical() -> Iterator[str]:
        for line in text_lines(data, encoding, keepends=True):
            consumed.append(line)
            yield line

    reader = csv.reader(physical(), delimiter=delimiter)
    number = 1
    try:
        for cells in reader:
            raw = "".join(consumed).rstrip("\r\n")
            consumed.clear()
            yield _Row(number, cells, raw)
            number = reader.line_num + 1
    except csv.Error as error:
        raise invalid(f"malformed CSV: {error}", line=reader.line_num) from None


def _xlsx_rows(data: bytes) -> Iterator[_Row]:
    # openpyxl parses the sheet XML with defusedxml when it is installed (it is).
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise invalid(f"not a readable XLSX file: {describe(error)}") from None
    if unpacked > MAX_XLSX_UNCOMPRESSED or unpacked > MAX_XLSX_RATIO * max(len(data), 1):
        raise StatementError(
            ErrorCode.UNSAFE_INPUT, f"XLSX unpacks to {unpacked} bytes (zip bomb guard)"
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises KeyError, InvalidFileException, zip errors …
        raise invalid(f"not a readable XLSX file: {describe(error)}") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            yield _Row(number, cells, ",".join("" if c is None else str(c) for c in cells))
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    text = "" if value is None else str(value).strip()
    if text.startswith('="') and text.endswith('"'):  # Excel-protected number
        text = text[2:-1]
    return text.strip().strip("\t")


def _find_header(
    rows: Sequence[_Row], mapping: ColumnMapping | None
) -> tuple[int, ColumnMapping, _Header]:
    """The header row and the layout whose *full* signature it carries.

    Why the full signature: two headers (交易日期 + 交易金额) are shared by
    many banks' exports, and a file taken for the wrong bank is read with the
    wrong signs or without its running balance. A built-in layout is chosen
    only when every column it names is in the header; a header that carries
    the full signature of more than one layout is refused
    (``LAYOUT_AMBIGUOUS``) with the candidates listed, for the clerk to name
    one. A mapping passed by the caller needs only its required columns.
    """
    preamble: dict[str, str] = {}
    for position, row in enumerate(rows):
        names = [_cell_text(cell) for cell in row.cells]
        present = set(names)
        if mapping is not None:
            fits = [mapping] if _has(present, mapping.required()) else []
        else:
            fits = [c for c in LAYOUTS.values() if _has(present, c.signature())]
        if len(fits) > 1:
            raise StatementError(
                ErrorCode.LAYOUT_AMBIGUOUS,
                f"the header row fits several bank layouts ({', '.join(c.name for c in fits)}): "
                "name the bank's layout for this import",
                line=row.number,
            )
        if fits:
            index: dict[str, int] = {}
            for column, name in enumerate(names):
                index.setdefault(name, column)
            return position, _with_balance(fits[0], names), _Header(index, preamble, row.number)
        _read_preamble(names, preamble)
    wanted = mapping.name if mapping is not None else ", ".join(LAYOUTS)
    near = _nearest(rows, mapping)
    raise StatementError(
        ErrorCode.UNSUPPORTED_FORMAT,
        f"no header row of a known bank layout ({wanted}) in the first {len(rows)} rows" + near,
    )


def _has(present: set[str], groups: Sequence[Columns]) -> bool:
    return all(any(name in present for name in columns) for columns in groups)


def _nearest(rows: Sequence[_Row], mapping: ColumnMapping | None) -> str:
    """What the closest layout misses, so the clerk can tell a changed export."""
    candidates = [mapping] if mapping is not None else list(LAYOUTS.values())
    best: tuple[int, ColumnMapping, list[str]] | None = None
    for row in rows:
        present = {_cell_text(cell) for cell in row.cells}
        for candidate in candidates:
            groups = candidate.required() if mapping is not None else candidate.signature()
            missing = [columns[0] for columns in groups if not any(n in present for n in columns)]
            found = len(groups) - len(missing)
            if found >= 2 and (best is None or found > best[0]):
                best = (found, candidate, missing)
    if best is None:
        return ""
    return f"; closest is {best[1].name} ({best[1].bank}), which misses {', '.join(best[2])}"


_BALANCE_MARK = "余额"


def _with_balance(mapping: ColumnMapping, names: Sequence[str]) -> ColumnMapping:
    """``mapping``, made to read the file's running balance if it has one and the
    mapping names none: a balance column the bank prints is evidence and is
    proved against the amounts, never ignored."""
    if mapping.balance:
        return mapping
    balances = [name for name in names if name.endswith(_BALANCE_MARK)]
    if len(balances) != 1:
        return mapping
    return replace(mapping, balance=(balances[0],))


def _read_preamble(cells: list[str], preamble: dict[str, str]) -> None:
    """``账号：,123`` or ``账号：123`` pairs above the header row."""
    for position, cell in enumerate(cells):
        for separator in ("：", ":"):
            if separator in cell:
                label, _, value = cell.partition(separator)
                label = label.strip()
                value = value.strip()
                if not value:
                    following = [c for c in cells[position + 1 :] if c]
                    value = following[0] if following else ""
                if label and value and label not in preamble:
                    preamble[label] = value
                break
        else:
            if position + 1 < len(cells) and cell and cells[position + 1] and position == 0:
                preamble.setdefault(cell, cells[position + 1])


def _get(row: _Row, header: _Header, columns: Columns) -> object:
    for name in columns:
        position = header.index.get(name)
        if position is not None:
            return row.cells[position] if position < len(row.cells) else None
    return None


def _text_of(row: _Row, header: _Header, columns: Columns) -> str | None:
    value = _get(row, header, columns)
    return clean_text(_cell_text(value)) if value is not None else None


def _amount_of(value: object, currency: str, *, line: int, field: str) -> int | None:
    """Minor units from a cell: text, int, or an XLSX float (via its shortest repr)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return minor_units(Decimal(value), currency, line=line, field=field)
    if isinstance(value, float):
        # openpyxl gives XLSX numbers as floats; repr() is the shortest string that
        # round-trips, i.e. the decimal the spreadsheet stored, and minor_units
        # refuses it if it has more decimals than the currency.
        return minor_units(
            parse_decimal(repr(value), line=line, field=field), currency, line=line, field=field
        )
    text = clean_text(_cell_text(value))
    if text is None:
        return None
    return parse_amount(text, currency, line=line, field=field)


def _date_of(value: object, *, line: int, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return check_date(value, line=line, field=field)
    text = clean_text(_cell_text(value))
    if text is None:
        return None
    return parse_date(text, line=line, field=field)


def _line(
    row: _Row,
    mapping: ColumnMapping,
    header: _Header,
    default_account: str | None,
    default_currency: str,
) -> LineDraft | None:
    texts = [_cell_text(cell) for cell in row.cells]
    if not any(texts):
        return None
    first = next(text for text in texts if text)
    date_text = _text_of(row, header, mapping.booking_date) or ""
    if any(first.startswith(p) or date_text.startswith(p) for p in mapping.footer_prefixes):
        return None
    line = row.number
    booking = _date_of(_get(row, header, mapping.booking_date), line=line, field="booking_date")
    if booking is None:
        raise invalid("row without booking date", line=line, field="booking_date")
    currency_text = _text_of(row, header, mapping.currency) if mapping.currency else None
    currency = normalize_currency(currency_text, line=line) if currency_text else default_currency
    amount = _signed_amount(row, header, mapping.amount, currency, line)
    account = _text_of(row, header, mapping.account) if mapping.account else None
    account = _norm(account) if account else default_account
    if account is None:
        raise invalid("the file names no account; pass the account", line=line, field="account")
    if default_account is not None and account != default_account:
        raise invalid(f"row for account {account}, expected {default_account}", line=line)
    name = _text_of(row, header, mapping.counterparty_name) if mapping.counterparty_name else None
    counter = (
        _text_of(row, header, mapping.counterparty_account)
        if mapping.counterparty_account
        else None
    )
    if name is None and (mapping.payer_name or mapping.payee_name):
        name = _text_of(row, header, mapping.payer_name if amount > 0 else mapping.payee_name)
    if counter is None and (mapping.payer_account or mapping.payee_account):
        counter = _text_of(
            row, header, mapping.payer_account if amount > 0 else mapping.payee_account
        )
    purpose = " ".join(
        text for columns in mapping.purpose if (text := _text_of(row, header, columns))
    )
    code = _text_of(row, header, mapping.transaction_code) if mapping.transaction_code else None
    balance = (
        _amount_of(_get(row, header, mapping.balance), currency, line=line, field="balance")
        if mapping.balance
        else None
    )
    value_date = (
        _date_of(_get(row, header, mapping.value_date), line=line, field="value_date")
        if mapping.value_date
        else None
    )
    marks_in = f"{purpose} {code or ''}"
    return LineDraft(
        account=account,
        currency=currency,
        booking_date=booking,
        value_date=value_date,
        amount_minor=amount,
        bank_reference=_text_of(row, header, mapping.bank_reference)
        if mapping.bank_reference
        else None,
        end_to_end_id=_text_of(row, header, mapping.end_to_end_id)
        if mapping.end_to_end_id
        else None,
        counterparty_name=name,
        counterparty_account=_norm(counter) if counter else None,
        purpose=purpose,
        running_balance_minor=balance,
        is_reversal=any(mark in marks_in for mark in mapping.reversal_marks),
        transaction_code=code,
        raw=row.raw,
        source_line=line,
    )


def _signed_amount(row: _Row, header: _Header, rule: AmountRule, currency: str, line: int) -> int:
    match rule:
        case SignedAmount(column):
            value = _amount_of(_get(row, header, column), currency, line=line, field="amount")
            if value is None:
                raise invalid("row without amount", line=line, field="amount")
            return value
        case DebitCreditAmounts(debit_columns, credit_columns):
            debit = _amount_of(_get(row, header, debit_columns), currency, line=line, field="debit")
            credit = _amount_of(
                _get(row, header, credit_columns), currency, line=line, field="credit"
            )
            if debit and credit:
                raise invalid("both debit and credit amount on one row", line=line)
            if (debit or 0) < 0 or (credit or 0) < 0:
                raise invalid("negative amount in a debit/credit column", line=line)
            if debit is None and credit is None:
                raise invalid("row without amount", line=line, field="amount")
            return (credit or 0) - (debit or 0)
        case FlaggedAmount(amount_columns, flag_columns, debit_marks, credit_marks):
            value = _amount_of(
                _get(row, header, amount_columns), currency, line=line, field="amount"
            )
            if value is None:
                raise invalid("row without amount", line=line, field="amount")
            if value < 0:
                raise invalid("negative amount with a 借/贷 flag", line=line, field="amount")
            flag = _cell_text(_get(row, header, flag_columns)).upper()
            if flag in debit_marks:
                return -value
            if flag in credit_marks:
                return value
            raise invalid(f"借贷标志 must be 借 or 贷, found {flag!r}", line=line, field="flag")


def _balances_chain(lines: Sequence[LineDraft], sign: int = 1) -> bool:
    """Running balances consistent in this order (every line must carry one).

    With ``sign`` −1 the amounts are taken the other way round: a file whose
    balances chain only so has its debit and credit columns swapped.
    """
    previous: int | None = None
    for line in lines:
        if line.running_balance_minor is None:
            return False
        if (
            previous is not None
            and previous + sign * line.amount_minor != line.running_balance_minor
        ):
            return False
        previous = line.running_balance_minor
    return True


def _chronological(lines: list[LineDraft], mapping: ColumnMapping) -> list[LineDraft]:
    """Oldest first, in the order the bank booked them.

    Where every row carries a running balance, the balances say the order:
    the file's, or its reverse (newest-first exports). Otherwise — or when
    neither chains, and the proof is then to name the first break — the
    order is the booking dates' (:func:`booking_order`). The order of lines
    is not part of the proof; the running balances are.

    Refuses a file whose balances chain only with every amount's sign
    inverted: its debit/credit (or 借/贷) columns are the other way round
    from the layout, and storing it would book every movement backwards.
    """
    if mapping.newest_first is not None:
        return lines[::-1] if mapping.newest_first else lines
    if all(line.running_balance_minor is not None for line in lines) and len(lines) > 1:
        if _balances_chain(lines):
            return lines
        if _balances_chain(lines[::-1]):
            return lines[::-1]
        if _balances_chain(lines, -1) or _balances_chain(lines[::-1], -1):
            raise StatementError(
                ErrorCode.STATEMENT_RUNNING_BALANCE,
                f"the running balances follow the amounts only with every sign inverted: "
                f"layout {mapping.name} reads this bank's debit and credit the other way "
                "round; name the right layout",
                line=lines[0].source_line,
            )
    return booking_order(lines)


def _share(line: LineDraft, shared: dict[str, str]) -> None:
    """One string object for values that repeat from row to row (accounts, names)."""
    line.account = shared.setdefault(line.account, line.account)
    line.currency = shared.setdefault(line.currency, line.currency)
    if line.counterparty_name is not None:
        line.counterparty_name = shared.setdefault(line.counterparty_name, line.counterparty_name)
    if line.counterparty_account is not None:
        line.counterparty_account = shared.setdefault(
            line.counterparty_account, line.counterparty_account
        )
    if line.transaction_code is not None:
        line.transaction_code = shared.setdefault(line.transaction_code, line.transaction_code)


def _statement(
    mapping: ColumnMapping,
    account: str,
    currency: str,
    lines: list[LineDraft],
    opening_text: str | None,
    closing_text: str | None,
    opening_balance: Money | None,
) -> StatementDraft:
    total = sum(line.amount_minor for line in lines)
    derived = True
    if opening_text is not None:
        opening = parse_amount(opening_text, currency, line=None, field="opening")
        derived = False
    elif opening_balance is not None:
        opening = to_minor(opening_balance)
        if opening_balance.currency.code != currency:
            raise invalid("opening balance in another currency", field="opening")
        derived = False
    elif lines[0].running_balance_minor is not None:
        opening = lines[0].running_balance_minor - lines[0].amount_minor
    else:
        raise invalid(
            "the file has no balances; pass the opening balance (previous closing)",
            field="opening",
        )
    if closing_text is not None:
        closing = parse_amount(closing_text, currency, line=None, field="closing")
    elif lines[-1].running_balance_minor is not None:
        closing = lines[-1].running_balance_minor
    else:
        closing = opening + total
    first, last = lines[0].booking_date, lines[-1].booking_date
    return StatementDraft(
        statement_id=f"{mapping.name}:{account}:{first.isoformat()}:{last.isoformat()}",
        account=account,
        currency=currency,
        opening_date=first,
        opening_minor=opening,
        closing_date=last,
        closing_minor=closing,
        opening_derived=derived,
        lines=lines,
    )


def iter_layouts() -> Iterator[ColumnMapping]:
    """The built-in layouts, for documentation and the CLI's ``--layout`` choices."""
    yield from LAYOUTS.values()
