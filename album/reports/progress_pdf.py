"""The 通报 as a document to draw: summary, chart by 市州, the tables, the lagging units.

The PDF has room for fewer columns than the XLSX; the ones it shows carry the same headers and
values (album/reports/columns.py)."""

from __future__ import annotations

from datetime import date

from album.campaign.progress import Progress, Row
from album.reports.columns import CHAPTER_COLUMNS, CITY_COLUMNS, LAGGING_COLUMNS, UNIT_COLUMNS, Column, percent
from album.reports.wording import report_title, summary_lines
from album.render.report_pdf import Bar, BarChart, ReportDocument, TableBlock

PDF_KEYS = ("name", "city", "submitted", "accepted", "rejected", "rate", "low_ppi", "target", "actual",
            "shortfall", "letters")
CHAPTER_KEYS = ("name", "submitted", "pending", "accepted", "rejected", "rate", "target", "actual")
WIDE = {"name": 30.0, "city": 24.0, "contact": 16.0, "phone": 24.0}  # mm; the rest share what is left
PAGE_WIDTH_MM = 170.0


def _block(title: str, columns: tuple[Column, ...], rows: list[Row], keys: tuple[str, ...] | None = None) -> TableBlock:
    chosen = [c for c in columns if keys is None or c.key in keys]
    fixed = sum(WIDE.get(c.key, 0) for c in chosen)
    narrow = (PAGE_WIDTH_MM - fixed) / max(1, sum(1 for c in chosen if c.key not in WIDE))
    return TableBlock(
        title=title, headers=[c.header for c in chosen],
        rows=[[percent(c.value(r)) for c in chosen] for r in rows],
        widths_mm=[WIDE.get(c.key, narrow) for c in chosen],
        highlight_rows=frozenset(i for i, r in enumerate(rows) if r.lagging))


def progress_document(progress: Progress, number: int, issued_on: date, issuer: str = "") -> ReportDocument:
    chart = BarChart(title="各市州有效报送与目标（含所辖县）",
                     bars=[Bar(r.name, r.actual, r.target) for r in progress.cities],
                     legend="绿色：已达目标；红色：未达目标；竖线：目标数")
    return ReportDocument(
        title=report_title(progress.album_title), number_line=f"第{number}期",
        date_line=f"{issued_on:%Y年%m月%d日}", summary=summary_lines(progress),
        blocks=[chart,
                _block("一、未完成目标的单位", LAGGING_COLUMNS, progress.lagging),
                _block("二、各市州报送情况（含所辖县）", CITY_COLUMNS, progress.cities, PDF_KEYS),
                _block("三、各单位报送情况", UNIT_COLUMNS, progress.units, PDF_KEYS),
                _block("四、各篇目报送情况", CHAPTER_COLUMNS, progress.chapters, CHAPTER_KEYS)],
        issuer=issuer or f"《{progress.album_title}》编纂办公室")

