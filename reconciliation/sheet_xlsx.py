"""The 调节表 as an Excel workbook (openpyxl): the table, the open items aged, the sign-off.

Amounts are written as exact decimals with the ``#,##0.00`` number format, so
finance staff can sum them in Excel; the sheet names and headings are Chinese,
as the form is.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from riskpool.reconciliation.sheet import TITLE, AdjustmentSheet, amount_text

MONEY = "#,##0.00"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_xlsx(sheet: AdjustmentSheet) -> bytes:
    """The workbook's bytes: sheet 调节表 (the table and sign-off), sheet 未达账项."""
    book = Workbook()
    table = book.active
    if table is None:  # a new workbook always has its first sheet
        raise RuntimeError("openpyxl created a workbook without a sheet")
    table.title = "调节表"
    table.append([TITLE])
    table["A1"].font = Font(bold=True, size=14)
    table.append(["开户银行", sheet.bank, "账号", sheet.bank_account])
    table.append(["科目", sheet.ledger_account, "币种", sheet.currency])
    table.append(
        ["截止日期", sheet.as_of.isoformat(), "编制时间", f"{sheet.prepared_at:%Y-%m-%d %H:%M} UTC"]
    )
    table.append([])
    table.append(["项目", "金额", "项目", "金额"])
    for cell in table[table.max_row]:
        cell.font = Font(bold=True)
    for books_label, books_amount, bank_label, bank_amount in sheet.rows:
        table.append([books_label, books_amount, bank_label, bank_amount])
        table.cell(table.max_row, 2).number_format = MONEY
        table.cell(table.max_row, 4).number_format = MONEY
    table.append([])
    table.append(
        [
            "结论",
            "调节相符" if sheet.balanced else f"调节不符，差额 {amount_text(sheet.difference)}",
        ]
    )
    table.append([])
    table.append(["编制人", sheet.preparer, "复核人", sheet.reviewer])
    for column, width in (("A", 30), ("B", 20), ("C", 30), ("D", 20)):
        table.column_dimensions[column].width = width

    items = book.create_sheet("未达账项")
    items.append(["类别", "日期", "金额", "参考号", "摘要", "未达天数", "账龄"])
    for cell in items[1]:
        cell.font = Font(bold=True)
    for x in sheet.items:
        items.append([x.kind, x.day.isoformat(), x.amount, x.reference, x.text, x.age_days, x.band])
        items.cell(items.max_row, 3).number_format = MONEY
    items.append([])
    items.append(["账龄分析", "笔数", "金额合计"])
    items.cell(items.max_row, 1).font = Font(bold=True)
    for row in sheet.ageing:
        items.append([row.band, row.count, row.total])
        items.cell(items.max_row, 3).number_format = MONEY
    for column, width in (
        ("A", 22),
        ("B", 12),
        ("C", 18),
        ("D", 22),
        ("E", 40),
        ("F", 10),
        ("G", 12),
    ):
        items.column_dimensions[column].width = width
        items[f"{column}1"].alignment = Alignment(horizontal="center")
    out = BytesIO()
    book.save(out)
    return out.getvalue()
