"""Fonts: the real Noto CJK faces converted to TrueType, cached, registered and embedded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from reportlab.pdfgen.canvas import Canvas

from album.errors import ConfigError
from album.render import fonts as fonts_module
from album.render.fonts import (
    CANDIDATES, Candidate, cached_truetype, load_fonts, repertoire,
)

NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")


def gb2312_chars() -> list[str]:
    chars = []
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


def test_noto_faces_are_truetype_and_cover_gb2312() -> None:
    fonts = load_fonts()
    assert fonts.song.family == "Noto Serif CJK SC"
    assert fonts.hei.family == "Noto Sans CJK SC"
    for role in ("song", "hei"):
        ttf = TTFont(str(fonts.paths[role]), lazy=True)
        assert "glyf" in ttf and "CFF " not in ttf
        cmap = ttf.getBestCmap()
        gb = gb2312_chars()
        assert len(gb) == 7445  # 682 symbols + 6763 hanzi
        assert not [ch for ch in gb if ord(ch) not in cmap]
        assert fonts.missing_glyphs("".join(gb) + "·—…“”《》ABCéü①℃　，", role) == set()


def test_load_fonts_is_memoised_and_names_are_registered() -> None:
    from reportlab.pdfbase import pdfmetrics

    assert load_fonts() is load_fonts()
    fonts = load_fonts()
    assert fonts.name("song") != fonts.name("hei")
    assert pdfmetrics.getFont(fonts.name("song")).face.name.startswith(b"NotoSerifCJKsc")
    with pytest.raises(ConfigError):
        fonts.name("kai")  # type: ignore[arg-type]


def test_missing_glyphs_names_what_the_face_lacks() -> None:
    fonts = load_fonts()
    # U+20000 (CJK Extension B) is beyond the repertoire; whitespace is never "missing".
    assert fonts.missing_glyphs("张\U00020000三 \n", "song") == {"\U00020000"}


def test_every_font_in_the_pdf_is_embedded_and_subset(tmp_path: Path) -> None:
    fonts = load_fonts()
    pdf = tmp_path / "fonts.pdf"
    canvas = Canvas(str(pdf), **fonts.canvas_options())
    canvas.setFont(fonts.name("song"), 12)
    canvas.drawString(72, 700, "宋体：摄影 2023年")
    canvas.setFont(fonts.name("hei"), 12)
    canvas.drawString(72, 680, "黑体：第一章")
    canvas.save()
    rows = pdffonts(pdf)
    assert len(rows) == 2
    for row in rows:
        assert "Helvetica" not in row[0] and "Times" not in row[0]
        assert row[-5:-2] == ["yes", "yes", "yes"]  # emb, sub, uni


def test_a_plain_canvas_would_reference_helvetica(tmp_path: Path) -> None:
    """Why canvas_options exists: without it ReportLab names an unembedded base-14 font."""
    load_fonts()
    pdf = tmp_path / "plain.pdf"
    canvas = Canvas(str(pdf))
    canvas.line(72, 72, 144, 144)  # no text at all, still the preamble names Helvetica
    canvas.showPage()
    canvas.save()
    assert any(row[0] == "Helvetica" for row in pdffonts(pdf))


def test_conversion_is_cached_atomically(tmp_path: Path) -> None:
    points = frozenset(ord(ch) for ch in "画册摄影，。ABC")
    first = cached_truetype(NOTO_SERIF, 2, tmp_path, points)
    stamp = first.stat().st_mtime_ns
    second = cached_truetype(NOTO_SERIF, 2, tmp_path, points)
    assert second == first and second.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temp file left behind
    assert cached_truetype(NOTO_SERIF, 2, tmp_path, points | {ord("书")}) != first

    converted = TTFont(str(first))
    source = TTFont(str(NOTO_SERIF), fontNumber=2, lazy=True)
    cmap, source_cmap = converted.getBestCmap(), source.getBestCmap()
    assert set(cmap) == points
    glyph = converted["glyf"][cmap[ord("画")]]
    assert glyph.numberOfContours > 3
    # Advance widths survive the conversion: layout measured on one is true for the other.
    for cp in points:
        assert converted["hmtx"][cmap[cp]][0] == source["hmtx"][source_cmap[cp]][0]


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUACE_FONT_CACHE", str(tmp_path / "env-cache"))
    assert fonts_module.cache_root() == tmp_path / "env-cache"
    assert fonts_module.cache_root(tmp_path / "arg") == tmp_path / "arg"


def test_falls_back_to_uming_and_wenquanyi(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CANDIDATES, "song", CANDIDATES["song"][1:])
    monkeypatch.setitem(CANDIDATES, "hei", CANDIDATES["hei"][1:])
    fonts = load_fonts(tmp_path / "fallback")
    assert fonts.song.family == "AR PL UMing CN"
    assert fonts.hei.family == "WenQuanYi Zen Hei"
    assert fonts.song.embedded_file.name == "uming.ttc"
    made = sorted(p.name for p in (tmp_path / "fallback").glob("*.ttf"))
    assert all("-halt-" in name for name in made) and len(made) == 2  # TrueType already: no conversion
    assert fonts.missing_glyphs("摄影张三", "song") == set()
    pdf = tmp_path / "fallback.pdf"
    canvas = Canvas(str(pdf), **fonts.canvas_options())
    canvas.setFont(fonts.name("song"), 12)
    canvas.drawString(72, 700, "明体备用字体")
    canvas.setFont(fonts.name("hei"), 12)
    canvas.drawString(72, 680, "黑体备用字体")
    canvas.save()
    names = [row[0] for row in pdffonts(pdf)]
    assert any("UMing" in n for n in names) and any("WenQuanYi" in n for n in names)


def test_no_font_at_all_names_the_package(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    nowhere = Candidate("No Such CJK Face", (str(tmp_path / "absent.ttc"),), False)
    monkeypatch.setitem(CANDIDATES, "song", (nowhere,))
    with pytest.raises(ConfigError, match="fonts-noto-cjk"):
        load_fonts(tmp_path / "none")


def test_repertoire_is_stable_and_broad() -> None:
    points = repertoire()
    assert {ord(c) for c in gb2312_chars()} <= points
    assert ord("镕") in points and ord("堃") in points  # name characters outside GB 2312
    assert ord("⸺") in points and ord("’") in points


def test_fontconfig_finds_a_face_away_from_the_known_paths(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    moved = Candidate("Noto Serif CJK SC", (str(tmp_path / "elsewhere.ttc"),), True)
    monkeypatch.setitem(CANDIDATES, "song", (moved,))
    candidate, source, index = fonts_module._find("song")
    assert source.name == "NotoSerifCJK-Regular.ttc"  # Regular is preferred over Bold
    assert index == 2  # the SC face of the collection
