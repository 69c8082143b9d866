"""Reminder letters (点对点发函, 催报函) to the units behind their target: one A4 page each with
that unit's own figures and shortfall, written as one PDF or a zip of one PDF per unit, and
recorded so the next 通报 can say how many letters a unit has had."""

from __future__ import annotations

import re
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from album.campaign.progress import Progress, Row
from album.errors import AlbumError
from album.models import Album, LetterSent, UnitLevel
from album.reports.files import atomic_output
from album.reports.wording import round_words
from album.render.report_pdf import Letter, write_letters_pdf

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def letter_for(row: Row, progress: Progress, *, reference: str, due: date, contact: str, issuer: str,
               issued_on: date) -> Letter:
    f = row.figures
    scope = "（含所辖县（市、区））" if row.level == UnitLevel.city else ""
    paragraphs = [
        f"《{progress.album_title}》图片征集工作开展以来，贵单位给予了积极支持。截至{progress.today:%Y年%m月%d日}，"
        f"{round_words(progress)}中，贵单位{scope}有效报送照片 {row.actual} 张，目标为 {row.target} 张，"
        f"尚差 {row.shortfall} 张。贵单位本级共报送 {f.submitted} 张，其中采用 {f.accepted} 张、"
        f"未采用 {f.rejected} 张、待审 {f.pending} 张。",
        f"请贵单位抓紧组织，于{due:%Y年%m月%d日}前补报不少于 {row.shortfall} 张照片，"
        f"并随图附齐图片说明、摄影者、拍摄地点和拍摄日期。",
    ]
    if row.letters_sent:
        paragraphs.append(f"此前已就此事发函 {row.letters_sent} 次，本函为第 {row.letters_sent + 1} 次催报，请予重视。")
    if contact:
        paragraphs.append(f"联系人：{contact}")
    paragraphs.append("特此函告。")
    return Letter(title=f"关于加快报送《{progress.album_title}》图片的函", reference=reference,
                  addressee=row.name, paragraphs=paragraphs, issuer=issuer, date_line=f"{issued_on:%Y年%m月%d日}")


def send_letters(session: Session, album: Album, progress: Progress, out: Path, *, due: date | None = None,
                 contact: str = "", issuer: str = "", issued_on: date | None = None) -> list[Row]:
    """Write a letter to every lagging unit (``out``: .pdf for one file, .zip for one per unit)
    and record each as sent. Return the units written to."""
    rows = progress.lagging
    if not rows:
        raise AlbumError("没有未完成目标的单位，无需发函")
    due = due or progress.deadline or progress.today
    issued_on = issued_on or progress.today
    issuer = issuer or album.publisher or f"《{album.title}》编纂办公室"
    first = (session.scalar(select(func.count(LetterSent.id)).where(LetterSent.album_id == album.id)) or 0) + 1
    letters = [letter_for(row, progress, reference=f"催报函〔{issued_on.year}〕{first + i}号", due=due,
                          contact=contact, issuer=issuer, issued_on=issued_on) for i, row in enumerate(rows)]
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        with atomic_output(out) as tmp:
            write_letters_pdf(letters, tmp)
    elif suffix == ".zip":
        with atomic_output(out) as tmp, tempfile.TemporaryDirectory(prefix="huace-letters-") as work:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for n, (row, letter) in enumerate(zip(rows, letters), start=1):
                    one = Path(work) / f"{n}.pdf"
                    write_letters_pdf([letter], one)
                    zf.write(one, f"{n:03d}-{_UNSAFE.sub('_', row.name)}.pdf")
    else:
        raise AlbumError(f"催报函只能输出为 .pdf 或 .zip：{out.name}")
    for row in rows:
        session.add(LetterSent(album_id=album.id, unit_id=row.key, round_id=progress.round.id if progress.round else None,
                               sent_on=issued_on, figures={"target": row.target, "actual": row.actual,
                                                           "shortfall": row.shortfall,
                                                           "submitted": row.figures.submitted,
                                                           "accepted": row.figures.accepted}))
    session.flush()
    return rows
