"""The columns of each dimension (by unit, by 市州, by 篇目), shared by the dashboard, the XLSX
and the PDF so that all three say the same thing under the same header."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from album.campaign.progress import Progress, Row
from album.campaign.units import LEVEL_NAMES


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    value: Callable[[Row], object]
    width: int = 8  # in characters, for XLSX column widths


def _rate(r: Row) -> float | None:
    rate = r.figures.acceptance_rate
    return round(rate, 3) if rate is not None else None


def _reasons(r: Row) -> str:
    return "；".join(f"{reason} {n}" for reason, n in sorted(r.figures.rejected_by_reason.items()))


def _last(r: Row) -> str:
    last: datetime | None = r.figures.last_upload
    return last.strftime("%Y-%m-%d") if last else ""


FIGURES = (
    Column("submitted", "报送", lambda r: r.figures.submitted, 6),
    Column("pending", "待审", lambda r: r.figures.pending, 6),
    Column("accepted", "采用", lambda r: r.figures.accepted, 6),
    Column("rejected", "未采用", lambda r: r.figures.rejected, 6),
    Column("reasons", "未采用原因", _reasons, 24),
    Column("rate", "采用率", _rate, 7),
    Column("caption", "有说明", lambda r: r.figures.with_caption, 6),
    Column("photographer", "有摄影", lambda r: r.figures.with_photographer, 6),
    Column("place", "有地点", lambda r: r.figures.with_place, 6),
    Column("date", "有日期", lambda r: r.figures.with_date, 6),
    Column("low_ppi", "分辨率不足", lambda r: r.figures.low_ppi, 9),
    Column("duplicates", "疑似重复", lambda r: r.figures.duplicates, 8),
    Column("last", "最近上传", _last, 11),
)
TARGETS = (
    Column("target", "目标", lambda r: r.target, 6),
    Column("actual", "有效报送", lambda r: r.actual, 8),
    Column("shortfall", "差额", lambda r: r.shortfall if r.target is not None else None, 6),
    Column("lagging", "进度", lambda r: "滞后" if r.lagging else ("达标" if r.target is not None else ""), 6),
    Column("letters", "已发函", lambda r: r.letters_sent, 6),
)
UNIT_COLUMNS = (Column("name", "单位", lambda r: r.name, 22),
                Column("level", "级别", lambda r: LEVEL_NAMES.get(r.level, "") if r.level else "", 11),
                Column("city", "所属市州", lambda r: r.city, 16), *FIGURES, *TARGETS)
CITY_COLUMNS = (Column("name", "市州（含所辖县）", lambda r: r.name, 22), *FIGURES, *TARGETS)
CHAPTER_COLUMNS = (Column("name", "篇目", lambda r: r.name, 20), *FIGURES,
                   Column("target", "目标", lambda r: r.target, 6), Column("actual", "有效报送", lambda r: r.actual, 8))
LAGGING_COLUMNS = (Column("name", "单位", lambda r: r.name, 22), Column("city", "所属市州", lambda r: r.city, 16),
                   Column("target", "目标", lambda r: r.target, 6), Column("actual", "有效报送", lambda r: r.actual, 8),
                   Column("shortfall", "差额", lambda r: r.shortfall, 6),
                   Column("letters", "已发函", lambda r: r.letters_sent, 6),
                   Column("contact", "联系人", lambda r: r.contact, 10), Column("phone", "电话", lambda r: r.phone, 14))


def dimensions(progress: Progress) -> list[tuple[str, tuple[Column, ...], list[Row]]]:
    """(title, columns, rows) of each dimension, in the order the report shows them."""
    return [("按单位", UNIT_COLUMNS, progress.units), ("按市州", CITY_COLUMNS, progress.cities),
            ("按篇目", CHAPTER_COLUMNS, progress.chapters), ("滞后单位", LAGGING_COLUMNS, progress.lagging)]


def percent(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float) else ("" if value is None else str(value))


def sorted_rows(rows: list[Row], columns: tuple[Column, ...], key: str, descending: bool) -> list[Row]:
    """Rows ordered by one column (blank values last), as the dashboard's header links ask."""
    column = next((c for c in columns if c.key == key), None)
    if column is None:
        return rows
    filled = [r for r in rows if column.value(r) not in (None, "")]
    blank = [r for r in rows if column.value(r) in (None, "")]
    return sorted(filled, key=column.value, reverse=descending) + blank  # type: ignore[arg-type]
