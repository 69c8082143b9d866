"""The campaign's figures: by unit, by 市州 (its own photos plus its counties') and by 篇目.

Everything the dashboard, the 通报 and the letters show comes from ``campaign_progress``, in a
fixed number of grouped queries however many units there are. Definitions:

- 报送 (submitted): every photo uploaded in the window; 有效 = 报送 − 未采用, and it is 有效
  photos that count toward a target; 采用率 = 采用 ÷ 报送.
- low resolution: the long side has fewer pixels than 300 ppi across the album's trim width
  (the largest usual placement short of a spread).
- likely duplicate: another photo of the album has the same difference hash (dHash).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from album.campaign.rounds import round_window
from album.errors import NotFoundError
from album.models import Album, Chapter, CollectionRound, LetterSent, Photo, ReviewState, Target, Unit, UnitLevel
from album.units import pixels_for

TARGET_PPI = 300


@dataclass
class Figures:
    submitted: int = 0
    pending: int = 0
    accepted: int = 0
    rejected: int = 0
    with_caption: int = 0
    with_photographer: int = 0
    with_place: int = 0
    with_date: int = 0
    low_ppi: int = 0
    duplicates: int = 0
    last_upload: datetime | None = None
    rejected_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def counted(self) -> int:
        """有效报送: what counts toward a target."""
        return self.submitted - self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.submitted if self.submitted else None

    def add(self, other: Figures) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "last_upload":
                setattr(self, f.name, max((d for d in (mine, theirs) if d), default=None))
            elif f.name == "rejected_by_reason":
                for reason, n in theirs.items():
                    mine[reason] = mine.get(reason, 0) + n
            else:
                setattr(self, f.name, mine + theirs)


@dataclass
class Row:
    """One line of a dimension: a unit, a 市州 with its counties, or a chapter."""

    key: int | None
    name: str
    figures: Figures
    target: int | None = None
    actual: int = 0  # 有效 photos measured against the target
    level: UnitLevel | None = None
    city: str = ""  # the 市州 a county belongs to (its own name for a 市州)
    city_id: int | None = None
    contact: str = ""
    phone: str = ""
    email: str = ""
    letters_sent: int = 0

    @property
    def shortfall(self) -> int:
        return max(0, (self.target or 0) - self.actual)

    @property
    def lagging(self) -> bool:
        return self.target is not None and self.actual < self.target


@dataclass
class Progress:
    album_title: str
    round: CollectionRound | None
    deadline: date | None
    today: date
    units: list[Row]
    cities: list[Row]
    chapters: list[Row]
    totals: Figures
    without_unit: Figures

    @property
    def days_left(self) -> int | None:
        return (self.deadline - self.today).days if self.deadline else None

    @property
    def lagging(self) -> list[Row]:
        """Units behind their target, largest shortfall first (市州 measured with their counties)."""
        return sorted((r for r in self.units if r.lagging), key=lambda r: (-r.shortfall, r.name))


def campaign_progress(session: Session, album: Album, *, round_number: int | None = None,
                      city_id: int | None = None, today: date | None = None) -> Progress:
    """The figures for one round (or the whole campaign), optionally only one 市州's units."""
    today = today or date.today()
    rounds = list(session.scalars(select(CollectionRound).where(CollectionRound.album_id == album.id)
                                  .order_by(CollectionRound.number)))
    chosen = next((r for r in rounds if r.number == round_number), None) if round_number else None
    if round_number and chosen is None:
        raise NotFoundError(f"没有第 {round_number} 批征集")
    in_scope = [chosen] if chosen else rounds
    units = list(session.execute(select(Unit.id, Unit.name, Unit.level, Unit.parent_id, Unit.contact,
                                        Unit.phone, Unit.email).order_by(Unit.name)))
    chapters = list(session.execute(select(Chapter.id, Chapter.title).where(Chapter.album_id == album.id)
                                    .order_by(Chapter.position)))
    cells = _photo_cells(session, album, chosen)
    targets = list(session.scalars(select(Target).where(Target.round_id.in_([r.id for r in in_scope]))))
    letters = dict(session.execute(select(LetterSent.unit_id, func.count(LetterSent.id))
                                   .where(LetterSent.album_id == album.id).group_by(LetterSent.unit_id)).all())

    by_unit: dict[int | None, Figures] = defaultdict(Figures)
    by_chapter: dict[int | None, Figures] = defaultdict(Figures)
    totals = Figures()
    for (unit_id, chapter_id), figures in cells.items():
        by_unit[unit_id].add(figures)
        by_chapter[chapter_id].add(figures)
        totals.add(figures)

    names = {u.id: u for u in units}
    unit_targets, chapter_targets = _resolve_targets(targets, units)
    children: dict[int, list[int]] = defaultdict(list)
    for u in units:
        if u.parent_id is not None:
            children[u.parent_id].append(u.id)

    unit_rows: list[Row] = []
    city_rows: list[Row] = []
    for u in units:
        own = by_unit.get(u.id, Figures())
        combined = Figures()
        combined.add(own)
        if u.level == UnitLevel.city:
            for child in children[u.id]:
                combined.add(by_unit.get(child, Figures()))
        city = names.get(u.parent_id) if u.parent_id else (u if u.level == UnitLevel.city else None)
        row = Row(key=u.id, name=u.name, figures=own, target=unit_targets.get(u.id), actual=combined.counted,
                  level=u.level, city=city.name if city else "", city_id=city.id if city else None,
                  contact=u.contact, phone=u.phone, email=u.email, letters_sent=letters.get(u.id, 0))
        if city_id is None or row.city_id == city_id:
            unit_rows.append(row)
        if u.level == UnitLevel.city and (city_id is None or u.id == city_id):
            city_rows.append(Row(key=u.id, name=u.name, figures=combined, target=row.target, actual=combined.counted,
                                 level=u.level, city=u.name, city_id=u.id, letters_sent=row.letters_sent))
    # 市州 each followed by its counties, then the 省直部门: the order offices read a 通报 in.
    unit_rows.sort(key=lambda r: (r.city_id is None, r.city, r.level != UnitLevel.city, r.name))
    chapter_rows = [Row(key=cid, name=title, figures=by_chapter.get(cid, Figures()),
                        target=chapter_targets.get(cid), actual=by_chapter.get(cid, Figures()).counted)
                    for cid, title in chapters]
    if None in by_chapter:
        chapter_rows.append(Row(key=None, name="（未分篇目）", figures=by_chapter[None], actual=by_chapter[None].counted))
    return Progress(album_title=album.title, round=chosen, deadline=in_scope[-1].deadline if in_scope else None,
                    today=today, units=unit_rows, cities=city_rows, chapters=chapter_rows, totals=totals,
                    without_unit=by_unit.get(None, Figures()))


def _resolve_targets(targets: list[Target], units: list) -> tuple[dict[int, int], dict[int, int]]:
    """Per unit: its own total target, else its level's default, summed over the rounds.
    Per chapter: the units' chapter targets (own, else level default), summed."""
    own: dict[tuple[int, int, int | None], int] = {}
    default: dict[tuple[int, str, int | None], int] = {}
    rounds = {t.round_id for t in targets}
    chapter_ids = {t.chapter_id for t in targets if t.chapter_id is not None}
    for t in targets:
        if t.unit_id is not None:
            own[(t.round_id, t.unit_id, t.chapter_id)] = t.count
        else:
            default[(t.round_id, t.level, t.chapter_id)] = t.count
    unit_targets: dict[int, int] = {}
    chapter_targets: dict[int, int] = {}
    for u in units:
        for r in rounds:
            for chapter_id in (None, *chapter_ids):
                count = own.get((r, u.id, chapter_id), default.get((r, u.level.value, chapter_id)))
                if count is None:
                    continue
                if chapter_id is None:
                    unit_targets[u.id] = unit_targets.get(u.id, 0) + count
                else:
                    chapter_targets[chapter_id] = chapter_targets.get(chapter_id, 0) + count
    return unit_targets, chapter_targets


def _photo_cells(session: Session, album: Album, chosen: CollectionRound | None) -> dict[tuple, Figures]:
    """Figures per (unit, chapter) of the photos uploaded in the round: two grouped queries."""
    scope = [Photo.album_id == album.id]
    if chosen is not None:
        start, end = round_window(chosen)
        scope += [Photo.created_at >= start, Photo.created_at < end]
    low_px = pixels_for(album.trim_width_mm, TARGET_PPI)
    long_side = case((Photo.width_px >= Photo.height_px, Photo.width_px), else_=Photo.height_px)
    twins = (select(Photo.dhash).where(Photo.album_id == album.id, Photo.dhash != "")
             .group_by(Photo.dhash).having(func.count(Photo.id) > 1))

    def count_if(condition) -> object:  # type: ignore[no-untyped-def]
        return func.sum(case((condition, 1), else_=0))

    query = select(
        Photo.unit_id, Photo.chapter_id, func.count(Photo.id),
        count_if(Photo.status == ReviewState.submitted), count_if(Photo.status == ReviewState.accepted),
        count_if(Photo.status == ReviewState.rejected),
        count_if(Photo.caption != ""), count_if(Photo.photographer != ""), count_if(Photo.place != ""),
        count_if(or_(Photo.date_text != "", Photo.taken_at.is_not(None))),
        count_if(long_side < low_px), count_if(Photo.dhash.in_(twins)), func.max(Photo.created_at),
    ).where(*scope).group_by(Photo.unit_id, Photo.chapter_id)
    cells: dict[tuple, Figures] = {}
    for unit_id, chapter_id, *numbers, last in session.execute(query):
        cells[(unit_id, chapter_id)] = Figures(*(int(n or 0) for n in numbers), last_upload=last)
    reasons = select(Photo.unit_id, Photo.chapter_id, Photo.reject_reason, func.count(Photo.id)).where(
        and_(*scope, Photo.status == ReviewState.rejected)).group_by(
        Photo.unit_id, Photo.chapter_id, Photo.reject_reason)
    for unit_id, chapter_id, reason, n in session.execute(reasons):
        cells[(unit_id, chapter_id)].rejected_by_reason[reason.strip() or "未注明原因"] = n
    return cells


def unit_progress(session: Session, album: Album, unit_id: int | None, today: date | None = None) -> Row | None:
    """One unit's line of the whole campaign (what a contributor sees of their unit), or None."""
    if unit_id is None:
        return None
    return next((r for r in campaign_progress(session, album, today=today).units if r.key == unit_id), None)
