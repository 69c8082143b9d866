"""Captions sheets (CSV or XLSX) that contributors send beside their photos.

Columns are matched by their Chinese headers (文件名, 图片说明, 摄影, 供稿单位, 地点, 日期, 篇目,
地图) or the English ones (file, caption, photographer, unit, place, date, chapter, map); reading
the file itself (CSV or XLSX, UTF-8 or GB18030) is album/ingest/tables.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from album.errors import IngestError
from album.ingest.tables import cell_text, read_rows

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
    rows = read_rows(path, f"说明表 {path.name}")
    if not rows:
        raise IngestError(f"说明表 {path.name} 是空的")
    header = [HEADERS.get(str(h or "").strip().lower()) for h in rows[0]]
    if "file" not in header:
        raise IngestError(f"说明表 {path.name} 缺少“文件名”（file）列")
    result: dict[str, PhotoMeta] = {}
    for row in rows[1:]:
        values = {key: cell_text(value) for key, value in zip(header, row) if key}
        name = PurePath(values.pop("file", "").replace("\\", "/")).name
        if name:
            result[name] = PhotoMeta(**values)
    return result
