"""Rows of a spreadsheet people send (CSV or XLSX): captions sheets, unit lists.

CSV files exported from Chinese Excel are often GB18030 rather than UTF-8, so both are tried.
Every failure is an IngestError that names the sheet (``label``) in Chinese words.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from album.errors import IngestError
from album.messages import explain_error


def read_rows(path: Path, label: str) -> list[list[object]]:
    """The non-empty rows of a CSV or XLSX file (first sheet), header row included."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path, label)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, label)
    raise IngestError(f"{label}：只支持 CSV 或 XLSX 文件")


def cell_text(value: object) -> str:
    """A cell as text: dates as YYYY-MM-DD, None as ''."""
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")  # type: ignore[union-attr]
    return str(value).strip()


def _csv_rows(path: Path, label: str) -> list[list[object]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{label}：无法读取（{explain_error(exc)}）") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise IngestError(f"{label}：无法识别文字编码（请存为 UTF-8）")
    try:
        return [list(row) for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise IngestError(f"{label}：CSV 格式错误（{explain_error(exc)}）") from exc


def _xlsx_rows(path: Path, label: str) -> list[list[object]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise IngestError(f"{label}：无法读取 Excel 文件（{explain_error(exc)}）") from exc
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True) if any(c is not None for c in r)]
    finally:
        book.close()
