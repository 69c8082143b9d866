"""The numbered progress report (通报, 第N期): issued once per number, written as XLSX or PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from album.campaign.progress import Progress
from album.errors import AlbumError
from album.models import Album, ProgressReport
from album.reports.columns import dimensions
from album.reports.files import atomic_output
from album.reports.wording import report_title, summary_lines


def issue_report(session: Session, album: Album, progress: Progress, *, number: int | None = None,
                 issued_on: date | None = None) -> ProgressReport:
    """The 通报 of that number if it was issued already (written again), else the next one."""
    if number is not None:
        if number < 1:
            raise AlbumError("通报期号须为正整数")
        found = session.scalar(select(ProgressReport).where(
            ProgressReport.album_id == album.id, ProgressReport.number == number))
        if found is not None:
            return found
    else:
        number = (session.scalar(select(func.max(ProgressReport.number))
                                 .where(ProgressReport.album_id == album.id)) or 0) + 1
    report = ProgressReport(album_id=album.id, number=number, round_id=progress.round.id if progress.round else None,
                            issued_on=issued_on or progress.today)
    session.add(report)
    session.flush()
    return report


def write_progress_report(progress: Progress, number: int, issued_on: date, out: Path) -> Path:
    """Write the 通报 as ``.xlsx`` or ``.pdf`` (by the file's suffix), atomically."""
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        with atomic_output(out) as tmp:
            _write_xlsx(progress, number, issued_on, tmp)
    elif suffix == ".pdf":
        from album.render.report_pdf import write_report_pdf
        from album.reports.progress_pdf import progress_document

        with atomic_output(out) as tmp:
            write_report_pdf(progress_document(progress, number, issued_on), tmp)
    else:
        raise AlbumError(f"通报只能输出为 .xlsx 或 .pdf：{out.name}")
    return out


def _write_xlsx(progress: Progress, number: int, issued_on: date, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    summary = book.active
    summary.title = "概况"
    summary.append([report_title(progress.album_title, number)])
    summary.append([f"{issued_on:%Y年%m月%d日}"])
    for line in summary_lines(progress):
        summary.append([line])
    summary["A1"].font = Font(bold=True, size=14)
    summary.column_dimensions["A"].width = 110
    for title, columns, rows in dimensions(progress):
        sheet = book.create_sheet(title)
        sheet.append([c.header for c in columns])
        for row in rows:
            sheet.append([c.value(row) for c in columns])
        for i, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = column.width * 1.9 + 2
            sheet.cell(1, i).font = Font(bold=True)
            sheet.cell(1, i).alignment = Alignment(horizontal="center", wrap_text=True)
            if column.key == "rate":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "0%"
        sheet.freeze_panes = "B2"
    book.save(path)
