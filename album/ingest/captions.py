"""Captions sheets (CSV or XLSX) that contributors send beside their photos.

Columns are matched by their Chinese headers (文件名, 图片说明, 摄影, 供稿单位, 地点, 日期, 篇目,
地图) or the English ones (file, caption, photographer, unit, place, date, chapter, map). CSV files exported
from Chinese Excel are often GB18030 rather than UTF-8, so both are tried.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from album.errors import IngestError
from album.messages import explain_error

HEADERS = {
    "文件名": "file", "file": "file", "filename": "file",
    "图片说明": "caption", "说明": "caption", "caption": "caption",
    "摄影": "photographer", "摄影者": "photographer", "photographer": "photographer",
    "供稿单位": "unit", "供稿": "unit", "unit": "unit",
    "地点": "place", "place": "place",
    "日期": "date", "拍摄日期": "date", "date": "date",
    "篇目": "chapter", "篇章": "chapter", "chapter": "chapter",
    "地图": "map", "含地图": "map", "审图号": "map", "map": "map",
}


@dataclass(frozen=True)
class PhotoMeta:
    """What a person says about a photo; empty fields leave EXIF-derived values alone."""

    caption: str = ""
    photographer: str = ""
    unit: str = ""
    place: str = ""
    date: str = ""
    chapter: str = ""
    map: str = ""  # 含地图: a 审图号, "标准地图 …", "豁免：理由" or "是" (album.map_approval.map_from_sheet)

    def merged(self, other: PhotoMeta) -> PhotoMeta:
        """Fields of ``other`` that are set win over ours."""
        return replace(self, **{k: v for k, v in vars(other).items() if v})


def read_captions(path: Path) -> dict[str, PhotoMeta]:
    """Map each file name (without folders) to its metadata; raise IngestError on a bad sheet."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    else:
        raise IngestError(f"说明表 {path.name}：只支持 CSV 或 XLSX 文件")
    if not rows:
        raise IngestError(f"说明表 {path.name} 是空的")
    header = [HEADERS.get(str(h or "").strip().lower()) for h in rows[0]]
    if "file" not in header:
        raise IngestError(f"说明表 {path.name} 缺少“文件名”（file）列")
    result: dict[str, PhotoMeta] = {}
    for row in rows[1:]:
        values = {key: _cell(value) for key, value in zip(header, row) if key}
        name = PurePath(values.pop("file", "").replace("\\", "/")).name
        if name:
            result[name] = PhotoMeta(**values)
    return result


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")  # type: ignore[union-attr]
    return str(value).strip()


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise IngestError(f"说明表 {path.name}：无法识别文字编码（请存为 UTF-8）")
    try:
        return [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise IngestError(f"说明表 {path.name}：CSV 格式错误（{explain_error(exc)}）") from exc


def _xlsx_rows(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise IngestError(f"说明表 {path.name}：无法读取 Excel 文件（{type(exc).__name__}）") from exc
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True) if any(c is not None for c in r)]
    finally:
        book.close()
