"""The 调节表 as a PDF (fpdf2) with its Chinese text rendered in an embedded CJK font.

Why a system font and not one shipped in the package: a CJK font is 5–20 MB;
Debian packages it (``fonts-wqy-microhei``, ``fonts-noto-cjk``), and the
server's and the tests' set-up install it. fpdf2 embeds only the glyphs used
(a subset) with their Unicode map, so the file is small and its text can be
extracted and searched. No font found is a refusal that says which package to
install (``UNAVAILABLE``), never a PDF of empty boxes.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from riskpool.errors import ErrorCode, RiskpoolError
from riskpool.reconciliation.sheet import TITLE, AdjustmentSheet, amount_text

CONTENT_TYPE = "application/pdf"

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
)
"""Where Debian's CJK font packages put their fonts, preferred first."""


def cjk_font(candidates: tuple[Path, ...] = FONT_CANDIDATES) -> Path:
    """The first installed CJK font, or ``UNAVAILABLE`` naming the package to install."""
    for path in candidates:
        if path.is_file():
            return path
    raise RiskpoolError(
        ErrorCode.UNAVAILABLE,
        "no CJK font to render the 调节表: install the Debian package fonts-wqy-microhei "
        "(or fonts-noto-cjk)",
    )


def render_pdf(sheet: AdjustmentSheet, font: Path | None = None) -> bytes:
    """One A4 page (more if the open items need it): table, open items aged, sign-off."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"{TITLE} {sheet.bank_account} {sheet.as_of.isoformat()}")
    pdf.set_creator("riskpool")
    path = str(font or cjk_font())
    pdf.add_font("cjk", "", path)
    pdf.add_font("cjk", "B", path)  # table headings ask for bold; the font has one weight
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for text in (
        f"开户银行：{sheet.bank}    账号：{sheet.bank_account}    币种：{sheet.currency}",
        f"科目：{sheet.ledger_account}    截止日期：{sheet.as_of.isoformat()}    "
        f"编制时间：{sheet.prepared_at:%Y-%m-%d %H:%M} UTC",
    ):
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = (55, 40, 55, 40)
    with pdf.table(col_widths=widths, text_align=("LEFT", "RIGHT", "LEFT", "RIGHT")) as table:
        table.row(("项目（企业账面）", "金额", "项目（银行对账单）", "金额"))
        for books_label, books_amount, bank_label, bank_amount in sheet.rows:
            table.row(
                (books_label, amount_text(books_amount), bank_label, amount_text(bank_amount))
            )
    pdf.ln(2)
    verdict = (
        "结论：调节相符"
        if sheet.balanced
        else f"结论：调节不符，差额 {amount_text(sheet.difference)}"
    )
    pdf.cell(0, 7, verdict, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, "未达账项（按未达天数）", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    with pdf.table(
        col_widths=(34, 20, 26, 28, 52, 14, 16),
        text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "RIGHT", "LEFT"),
    ) as table:
        table.row(("类别", "日期", "金额", "参考号", "摘要", "天数", "账龄"))
        for x in sheet.items:
            table.row(
                (
                    x.kind,
                    x.day.isoformat(),
                    amount_text(x.amount),
                    x.reference[:24],
                    x.text[:40],
                    str(x.age_days),
                    x.band,
                )
            )
    pdf.ln(2)
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, "账龄分析", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    with pdf.table(col_widths=(60, 30, 50), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row(("账龄", "笔数", "金额合计"))
        for row in sheet.ageing:
            table.row((row.band, str(row.count), amount_text(row.total)))
    pdf.ln(6)
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 8, f"编制人：{sheet.preparer}        复核人：{sheet.reviewer}")
    return bytes(pdf.output())
