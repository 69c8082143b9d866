"""Page quality of an album's plan, for this code or another checkout (issue 15's before/after).

    .venv/bin/python bench/book_quality.py HOME [--album 1] [--code DIR] [--label after] [--pages]

The plan is made by the code in ``--code`` (default: this checkout) in a child process, on the
home that code built (a home's schema belongs to its code), and written out as plain JSON; the
figures are then taken with this checkout's ``album.layout.stats``, so both states are measured
by the same rules. Older plans carry no pins (the benchmark and demo albums have none) and no
template family on their pages: the family comes from the template set of the code that planned.
Prints one Markdown row (``--pages``: the whole ``album book --stats`` table before it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the child imports another checkout's album: nothing from it at import time
    from album.layout.book import Book
    from album.layout.stats import BookStats

REPO = Path(__file__).resolve().parents[1]
HEADER = ("| album, state | pages | photo pages | blank pages | photo pages > 35 % white "
          "| unpinned crops > 30 % | runs > 3 (longest) | chapters with full bleed "
          "| chapters lacking one (≥ 250 ppi photo) | median cover | paginate s |")


def dump(home_dir: Path, album_id: int) -> dict:
    """The plan and the photos it was made from, with the code on ``sys.path``."""
    from album.config import load_settings
    from album.db import transaction
    from album.home import open_home
    from album.layout.paginate import paginate
    from album.layout.templates import load_templates
    from album.models import Album
    from album.snapshots import snapshot_album

    home = open_home(load_settings(home_dir))
    try:
        with transaction(home.factory) as session:
            snapshot = snapshot_album(session, session.get(Album, album_id))
        templates = load_templates(home.settings.layouts_dir)
        start = time.perf_counter()
        book = paginate(snapshot, templates)
        seconds = time.perf_counter() - start
    finally:
        home.close()
    family = {name: t.family or name for name, t in templates.templates.items()}
    return {
        "trim": [book.trim_width_mm, book.trim_height_mm, book.bleed_mm],
        "paginate_s": seconds,
        "pages": [{"number": p.number, "kind": p.kind, "template": p.template,
                   "family": family.get(p.template, p.template), "chapter_id": p.chapter_id,
                   "pinned": getattr(p, "pinned", False),
                   "deliberate_white": getattr(p, "deliberate_white", False),
                   "frames": [{"rect": [f.rect.x_mm, f.rect.y_mm, f.rect.width_mm, f.rect.height_mm],
                               "photo_id": f.photo_id, "bleeds": f.bleeds,
                               "crop": [f.crop.left, f.crop.top, f.crop.right, f.crop.bottom]}
                              for f in p.photo_frames()]}
                  for p in book.pages],
        "chapters": [{"id": c.id, "title": c.title,
                      "photos": [[p.id, p.width_px, p.height_px, p.focal_x, p.focal_y]
                                 for p in c.photos]}
                     for c in snapshot.chapters],
    }


def measure(plan: dict) -> tuple[BookStats, Book]:
    """The plan rebuilt as this checkout's Book and snapshot, and its figures."""
    from album.layout.book import Book, Crop, Page, PhotoFrame, Rect
    from album.layout.snapshot import AlbumSnapshot, ChapterSnapshot, PhotoSnapshot
    from album.layout.stats import book_stats
    from album.layout.templates import load_templates

    w, h, bleed = plan["trim"]
    pages = [Page(number=p["number"], kind=p["kind"], template=p["template"], chapter_id=p["chapter_id"],
                  family=p["family"], pinned=p["pinned"], deliberate_white=p["deliberate_white"],
                  frames=[PhotoFrame(Rect(*f["rect"]), f["photo_id"], "", Crop(*f["crop"]), 1, f["bleeds"])
                          for f in p["frames"]])
             for p in plan["pages"]]
    book = Book(title="", trim_width_mm=w, trim_height_mm=h, bleed_mm=bleed, pages=pages, styles={},
                margins=load_templates(REPO / "layouts").rules.margins)
    chapters = tuple(ChapterSnapshot(id=c["id"], title=c["title"], photos=tuple(
        PhotoSnapshot(id=i, sha256="", width_px=pw, height_px=ph, focal_x=fx, focal_y=fy)
        for i, pw, ph, fx, fy in c["photos"])) for c in plan["chapters"])
    snapshot = AlbumSnapshot(title="", trim_width_mm=w, trim_height_mm=h, bleed_mm=bleed, chapters=chapters)
    return book_stats(book, snapshot), book


def row(label: str, plan: dict) -> str:
    from statistics import median

    stats, book = measure(plan)
    longest = max((run[1] for run in stats.runs()), default=0)
    white = ", ".join(str(p.number) for p in stats.over_white)
    lacking = ", ".join(c.title for c in stats.chapters_lacking_bleed)
    blanks = sum(p.kind == "blank" for p in book.pages)
    cover = median(p.coverage for p in stats.pages) if stats.pages else 0.0
    return (f"| {label} | {book.page_count} | {len(stats.pages)} | {blanks} "
            f"| {len(stats.over_white)}{f' (p. {white})' if white else ''} | {len(stats.over_crop)} "
            f"| {len(stats.long_runs)} ({longest}) "
            f"| {sum(c.has_full_bleed for c in stats.chapters)}/{len(stats.chapters)} "
            f"| {len(stats.chapters_lacking_bleed)}{f' ({lacking})' if lacking else ''} "
            f"| {cover:.0%} | {plan['paginate_s']:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path, help="the album home (built by the code in --code)")
    parser.add_argument("--album", type=int, default=1, help="album id")
    parser.add_argument("--code", type=Path, default=REPO, help="checkout that makes the plan")
    parser.add_argument("--label", default="", help="first cell of the row")
    parser.add_argument("--pages", action="store_true", help="print the per-page table too")
    parser.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        print(json.dumps(dump(args.home, args.album)))
        return
    code = args.code.resolve()
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, __file__, str(args.home), "--album", str(args.album), "--dump"],
                         env=env, cwd=code, check=True, capture_output=True, text=True).stdout
    plan = json.loads(out.strip().splitlines()[-1])
    if args.pages:
        from album.layout.stats import describe_stats

        print("\n".join(describe_stats(measure(plan)[0])), end="\n\n")
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    print(row(args.label or str(args.home), plan))


if __name__ == "__main__":
    main()
