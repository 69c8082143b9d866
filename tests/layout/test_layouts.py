"""Template files: the shipped set loads, and every kind of fault names its file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from album.errors import LayoutError
from album.layout.templates import load_templates
from album.layout.template_model import REFERENCE_TRIM_MM, resolve
from locations import LAYOUTS


REQUIRED = {
    "full-bleed": "photo", "single-caption": "photo", "two-stacked": "photo",
    "two-side": "photo", "three-one-two": "photo", "four-grid": "photo",
    "spread-bleed": "spread", "photo-text": "photo", "opener": "opener", "title": "title",
    "half-title": "half-title", "copyright": "copyright", "preface": "preface", "toc": "toc",
    "index": "index", "afterword": "afterword",
}


@pytest.fixture
def layouts_copy(tmp_path: Path) -> Path:
    target = tmp_path / "layouts"
    shutil.copytree(LAYOUTS, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_templates_load_with_every_required_kind() -> None:
    ts = load_templates(LAYOUTS)
    for name, kind in REQUIRED.items():
        assert ts[name].kind == kind, name
    assert ts["spread-bleed"].pages == 2
    assert {"caption", "credit", "body"} <= set(ts.styles)
    assert ts.rules.margins.inner >= ts.rules.safe_mm


def test_full_bleed_frame_extends_exactly_by_the_bleed() -> None:
    ts = load_templates(LAYOUTS)
    t = ts["full-bleed"]
    slot = t.photos[0]
    r = resolve(t, slot.area, slot.frac, *REFERENCE_TRIM_MM, ts.rules.margins, True, 3.0)
    assert (r.x_mm, r.y_mm, r.width_mm, r.height_mm) == pytest.approx((-3, -3, 216, 291))


def test_margin_box_is_mirrored_between_recto_and_verso() -> None:
    ts = load_templates(LAYOUTS)
    t, m = ts["two-stacked"], ts.rules.margins
    slot = t.photos[0]
    recto = resolve(t, slot.area, slot.frac, *REFERENCE_TRIM_MM, m, True)
    verso = resolve(t, slot.area, slot.frac, *REFERENCE_TRIM_MM, m, False)
    assert recto.x_mm == pytest.approx(m.inner)
    assert verso.x_mm == pytest.approx(m.outer)
    assert recto.width_mm == pytest.approx(210 - m.inner - m.outer)


def test_adding_a_file_adds_a_template(layouts_copy: Path) -> None:
    (layouts_copy / "five-strip.toml").write_text(
        'kind = "photo"\n' + "".join(
            f'[[photo]]\nname = "p{i}"\nx = 0.0\ny = {i * 0.2}\nw = 1.0\nh = 0.18\n'
            'min_aspect = 3.0\nmax_aspect = 6.0\n' for i in range(5)), encoding="utf-8")
    ts = load_templates(layouts_copy)
    assert len(ts["five-strip"].photos) == 5
    assert ts["five-strip"] in ts.photo_templates()


@pytest.mark.parametrize("file, old, new, expected", [
    ("two-side.toml", 'kind = "photo"', 'kind = "photo"\ncolour = "red"', ["two-side.toml", "colour"]),
    ("two-side.toml", 'name = "left"\n', "", ["two-side.toml", "[[photo]] #1", "name"]),
    ("two-side.toml", "h = 0.68", 'h = "big"', ["two-side.toml", "[[photo]] #1", "h", "数字"]),
    ("two-side.toml", "y = 0.04\nw = 0.485\nh = 0.68", "y = 0.6\nw = 0.485\nh = 0.68",
     ["two-side.toml", "[[photo]] #1", "h", "超出页面"]),
    ("two-side.toml", "max_aspect = 0.8", "max_aspect = 0.3",
     ["two-side.toml", "max_aspect", "min_aspect"]),
    ("two-side.toml", 'photo = "left"', 'photo = "middle"', ["two-side.toml", "[[caption]] #1", "middle"]),
    ("two-stacked.toml", "max_aspect = 2.3\n", "max_aspect = 2.3\nbleed = true\n",
     ["two-stacked.toml", "bleed"]),
    ("four-grid.toml", 'kind = "photo"', 'kind = "poster"', ["four-grid.toml", "kind", "poster"]),
    ("opener.toml", 'style = "opener-title"', 'style = "shouting"', ["opener.toml", "style", "shouting"]),
    ("opener.toml", 'text = "{chapter_title}"', 'text = "{chapter_name}"', ["opener.toml", "chapter_name"]),
    ("title.toml", 'kind = "title"', 'kind = "title"\n[[photo]]\nname="x"\nx=0\ny=0\nw=1\nh=1\nmin_aspect=1\nmax_aspect=2',
     ["title.toml", "photo"]),
    ("styles.toml", "size_pt = 9\n", "size_pt = -9\n", ["styles.toml", "size_pt"]),
    ("book.toml", "inner = 20", "inner = 3", ["book.toml", "[margins]", "inner"]),
    ("book.toml", 'fallback = "single-caption"', 'fallback = "two-side"', ["book.toml", "fallback"]),
    ("book.toml", 'opener = "opener"', 'opener = "chapter"', ["book.toml", "opener", "chapter"]),
    ("wide.toml", "[[photo]]", "[[photo]\n", ["wide.toml", "TOML"]),
    ("spread-panorama-band.toml", 'white_space = "deliberate"', 'white_space = "airy"',
     ["spread-panorama-band.toml", "white_space", "deliberate", "airy"]),
])
def test_faults_name_file_and_field(layouts_copy: Path, file: str, old: str, new: str,
                                    expected: list[str]) -> None:
    _edit(layouts_copy / file, old, new)
    with pytest.raises(LayoutError) as info:
        load_templates(layouts_copy)
    for part in expected:
        assert part in str(info.value)


def test_text_outside_safe_zone_is_refused(layouts_copy: Path) -> None:
    (layouts_copy / "poster.toml").write_text(
        'kind = "text"\n[[text]]\nname = "slogan"\narea = "trim"\nstyle = "body"\ntext = "{title}"\n'
        "x = 0.0\ny = 0.5\nw = 1.0\nh = 0.1\n", encoding="utf-8")
    with pytest.raises(LayoutError, match=r"poster\.toml.*slogan.*安全区"):
        load_templates(layouts_copy)


def test_spread_caption_may_not_cross_the_gutter(layouts_copy: Path) -> None:
    _edit(layouts_copy / "spread-bleed.toml", "x = 0.5513", "x = 0.3")
    with pytest.raises(LayoutError, match=r"spread-bleed\.toml.*订口"):
        load_templates(layouts_copy)


def test_reserved_template_name_is_refused(layouts_copy: Path) -> None:
    shutil.copy(layouts_copy / "wide.toml", layouts_copy / "alone.toml")
    with pytest.raises(LayoutError, match="alone"):
        load_templates(layouts_copy)


def test_missing_styles_file_is_reported(layouts_copy: Path) -> None:
    (layouts_copy / "styles.toml").unlink()
    with pytest.raises(LayoutError, match="styles.toml"):
        load_templates(layouts_copy)


def test_describe_lists_every_template_with_its_slots() -> None:
    ts = load_templates(LAYOUTS)
    lines = ts.describe()
    assert len(lines) == len(ts.names()) == len(ts.templates)
    line = next(x for x in lines if x.startswith("two-side "))
    assert "2 张照片" in line and "0.4–0.8" in line
    assert "任意比例" in next(x for x in lines if x.startswith("single-caption "))
