"""One entry to render the 调节表 document as a file of the format asked for."""

from __future__ import annotations

from riskpool.reconciliation import sheet_pdf, sheet_xlsx
from riskpool.reconciliation.records import Document, SheetFormat
from riskpool.reconciliation.sheet import AdjustmentSheet


def render_document(sheet: AdjustmentSheet, format: SheetFormat) -> Document:
    """The file's name, MIME type and bytes (CPU work: called in a worker thread)."""
    if format is SheetFormat.PDF:
        return Document(
            f"{sheet.filename_stem}.pdf", sheet_pdf.CONTENT_TYPE, sheet_pdf.render_pdf(sheet)
        )
    return Document(
        f"{sheet.filename_stem}.xlsx", sheet_xlsx.CONTENT_TYPE, sheet_xlsx.render_xlsx(sheet)
    )
