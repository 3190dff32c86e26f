"""The 银行存款余额调节表 as Excel and PDF (issue 17, point 6).

The PDF's text is read back with pypdf: the Chinese headings must be there as
text (an embedded CJK font with its Unicode map), not as empty boxes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from recon_db import BANK, MARCH, service, statement

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation.records import SheetFormat
from riskpool.reconciliation.service import ReconciliationService
from riskpool.reconciliation.sheet import AGE_BANDS, age_band
from riskpool.reconciliation.sheet_pdf import cjk_font

AS_OF = date(2025, 4, 30)


async def reconciled(database: Any) -> ReconciliationService:
    """March imported (a line of 50.00 proposed, not confirmed), a bank-only line added."""
    recon = await service(database.db)
    lines = [*MARCH, (date(2025, 3, 31), "-12.50", "FEE", "B4")]
    await recon.import_file("alice", statement(lines), filename="march.sta")
    await recon.run("alice")
    return recon


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


async def test_the_pdf_carries_the_chinese_table_aged_items_and_sign_off(database: Any) -> None:
    recon = await reconciled(database)
    (document,) = await recon.adjustment_documents(
        AS_OF, SheetFormat.PDF, preparer="张三", reviewer="李四"
    )
    assert document.content.startswith(b"%PDF-")
    assert document.filename == f"调节表-{BANK}-2025-04-30.pdf"
    assert document.content_type == "application/pdf"
    text = pdf_text(document.content)
    for heading in (
        "银行存款余额调节表",
        "企业账面余额",
        "银行对账单余额",
        "银行已收、企业未收",
        "企业已付、银行未付",
        "调节后的存款余额",
        "未达账项",
        "账龄分析",
        "编制人：张三",
        "复核人：李四",
        "郑州银行",
        BANK,
    ):
        assert heading in text, heading
    assert "-12.50" in text and "30天以内" in text and "31–90天" in text
    assert "调节相符" in text


async def test_the_workbook_holds_exact_amounts_and_ages(database: Any) -> None:
    recon = await reconciled(database)
    (document,) = await recon.adjustment_documents(
        AS_OF, SheetFormat.XLSX, preparer="张三", reviewer="李四"
    )
    assert document.filename.endswith(".xlsx")
    book = load_workbook(BytesIO(document.content))
    assert book.sheetnames == ["调节表", "未达账项"]
    table = book["调节表"]
    assert table["A1"].value == "银行存款余额调节表"
    rows = [tuple(c.value for c in row) for row in table.iter_rows()]
    assert ("编制人", "张三", "复核人", "李四") in rows
    (books_row,) = [r for r in rows if r[0] == "企业账面余额"]
    assert Decimal(str(books_row[1])) == Decimal("850.00")  # the ledger's three postings
    assert Decimal(str(books_row[3])) == Decimal("837.50")  # the bank, with its fee
    assert table.cell(7, 2).number_format == "#,##0.00"
    items = [tuple(c.value for c in row) for row in book["未达账项"].iter_rows()]
    fee = next(r for r in items if r[3] == "B4")
    assert fee[0] == "银行已付、企业未付" and fee[5] == 30 and fee[6] == "30天以内"
    interest = next(r for r in items if r[3] == "B3")  # a proposal: outstanding until confirmed
    assert interest[5] == 51 and interest[6] == "31–90天"


async def test_the_reviewer_is_another_person_and_named(database: Any) -> None:
    recon = await reconciled(database)
    for preparer, reviewer, code in (
        ("张三", "张三", ErrorCode.FORBIDDEN),
        ("张三", "  ", ErrorCode.VALIDATION),
        ("", "李四", ErrorCode.VALIDATION),
    ):
        with pytest.raises(RiskpoolError) as refused:
            await recon.adjustment_documents(
                AS_OF, SheetFormat.PDF, preparer=preparer, reviewer=reviewer
            )
        assert refused.value.code is code


def test_age_bands_are_inclusive_and_cover_every_age() -> None:
    assert [age_band(d) for d in (0, 30, 31, 90, 91, 180, 181, 5000)] == [
        "30天以内",
        "30天以内",
        "31–90天",
        "31–90天",
        "91–180天",
        "91–180天",
        "180天以上",
        "180天以上",
    ]
    assert age_band(-1) == AGE_BANDS[0][2]


def test_no_cjk_font_is_a_refusal_naming_the_package(tmp_path: Path) -> None:
    with pytest.raises(RiskpoolError) as refused:
        cjk_font((tmp_path / "missing.ttc",))
    assert refused.value.code is ErrorCode.UNAVAILABLE
    assert "fonts-wqy-microhei" in refused.value.message
