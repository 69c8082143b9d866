"""``album layouts``, ``album pin`` and ``album book`` as an editor uses them: list the templates,
pin a template, a spread or a page of its own for some photos, and read the page plan back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_support import run_album as album
from locations import CORPUS, LAYOUTS

PLAN_LINE = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)((?:\s+#\d+)*)\s*$")


def plan(home: Path) -> list[tuple[int, str, str, list[int]]]:
    """``album book`` parsed: (page, kind, template, photo ids) per page."""
    out = album(home, "book").stdout
    rows = []
    for line in out.splitlines():
        m = PLAN_LINE.match(line)
        assert m, f"unreadable plan line {line!r}"
        rows.append((int(m[1]), m[2], m[3], [int(i) for i in re.findall(r"#(\d+)", m[4])]))
    return rows


def pages_of(rows: list[tuple[int, str, str, list[int]]], photo_id: int) -> list[tuple[int, str, list[int]]]:
    return [(n, template, ids) for n, _kind, template, ids in rows if photo_id in ids]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """One chapter of ten landscapes (2560 × 1600) and two portraits."""
    home = tmp_path_factory.mktemp("layout") / "home"
    landscapes = sorted((CORPUS / "photos").glob("kde-*.jpg"))[:10]
    portraits = [CORPUS / "exif/jpg/orientation/portrait_1.jpg", CORPUS / "exif/jpg/orientation/landscape_6.jpg"]
    album(home, "init", "--title", "版式测试")
    album(home, "import", *map(str, landscapes[:5] + portraits + landscapes[5:]), "--chapter", "第一篇")
    return home


@pytest.fixture(scope="module")
def ids(home: Path) -> list[int]:
    """Photo ids in book order, from the unpinned plan."""
    return [i for _n, _k, _t, row in plan(home) for i in row]


def test_layouts_lists_every_template_file() -> None:
    out = album(None, "layouts", timeout=120).stdout
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    files = {p.stem for p in LAYOUTS.glob("*.toml")} - {"book", "styles"}
    assert listed == files
    three = next(line for line in out.splitlines() if line.startswith("three-one-two "))
    assert "photo" in three and "3 张照片" in three


def test_unpinned_plan_holds_every_photo_once(home: Path, ids: list[int]) -> None:
    assert sorted(ids) == list(range(min(ids), min(ids) + 12))
    rows = plan(home)
    assert len(rows) % 4 == 0
    assert [n for n, *_ in rows] == list(range(1, len(rows) + 1))


def test_pinned_template_is_used_for_exactly_those_photos(home: Path, ids: list[int]) -> None:
    chosen = ids[7:10]  # three landscapes after the portraits
    before = [t for _n, _k, t, row in plan(home) if row == chosen]
    assert before != ["three-one-two"]  # otherwise the pin would prove nothing
    out = album(home, "pin", "three-one-two", *map(str, chosen))
    assert "three-one-two" in out.stdout
    rows = plan(home)
    assert [(t, row) for _n, _k, t, row in rows if set(row) & set(chosen)] == [("three-one-two", chosen)]
    album(home, "pin", "--remove", "three-one-two", *map(str, chosen))
    assert not [t for _n, _k, t, _row in plan(home) if t == "three-one-two"]


def test_pin_spread_puts_the_photo_across_an_even_odd_pair(home: Path, ids: list[int]) -> None:
    photo = ids[2]
    album(home, "pin", "spread", str(photo))
    try:
        where = pages_of(plan(home), photo)
        assert len(where) == 2, where
        (left, t1, row1), (right, t2, row2) = where
        assert left % 2 == 0 and right == left + 1
        assert t1 == t2 and t1.startswith("spread") and row1 == row2 == [photo]
    finally:
        album(home, "pin", "--remove", "spread", str(photo))


def test_pin_alone_gives_the_photo_a_page_of_its_own(home: Path, ids: list[int]) -> None:
    photos = next(row for *_x, row in plan(home) if len(row) >= 2)[:2]  # sharing a page now
    album(home, "pin", "alone", *map(str, photos))
    try:
        rows = plan(home)
        assert len(photos) == 2, photos
        for photo in photos:
            where = pages_of(rows, photo)
            assert len(where) == 1 and where[0][2] == [photo], where
    finally:
        album(home, "pin", "--remove", "alone", *map(str, photos))


def test_unknown_template_is_one_line_error(home: Path, ids: list[int]) -> None:
    result = album(home, "pin", "no-such-layout", str(ids[0]), check=False)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no-such-layout" in result.stderr
    assert "three-one-two" in result.stderr  # the message says what there is
    missing = album(home, "pin", "alone", "99999", check=False)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1


def test_broken_template_folder_is_named_in_one_line(tmp_path: Path) -> None:
    """A designer's template whose caption lands on its photo is refused on load, by file and
    field, before any book is made with it."""
    import shutil

    layouts = tmp_path / "layouts"
    shutil.copytree(LAYOUTS, layouts)
    hero = layouts / "hero-top.toml"
    text = hero.read_text(encoding="utf-8")
    assert "y = 0.687" in text
    hero.write_text(text.replace("y = 0.687", "y = 0.5", 1), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    (home / "album.toml").write_text(f'layouts_dir = "{layouts}"\n', encoding="utf-8")
    album(home, "init", "--title", "T")
    result = album(home, "layouts", check=False)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "hero-top.toml" in result.stderr and "压在照片位" in result.stderr


def test_chapters_sets_the_opener_photo(home: Path, ids: list[int]) -> None:
    chosen = next(row for _n, kind, _t, row in plan(home) if kind == "opener")
    assert len(chosen) == 1  # the engine opens on its best landscape
    other = next(i for i in ids[8:] if i != chosen[0])  # a landscape after the two portraits
    out = album(home, "chapters", "--opener-photo", "1", str(other)).stdout
    assert f"篇章页照片 #{other}" in out
    try:
        rows = plan(home)
        assert [row for _n, kind, _t, row in rows if kind == "opener"] == [[other]]
        assert len(pages_of(rows, other)) == 1
        wrong = album(home, "chapters", "--opener-photo", "2", str(other), check=False)
        assert wrong.returncode == 1 and "没有第 2 篇" in wrong.stderr
    finally:
        album(home, "chapters", "--opener-photo", "1", "0")
    assert "篇章页照片" not in album(home, "chapters").stdout
    assert [row for _n, kind, _t, row in plan(home) if kind == "opener"] == [chosen]
