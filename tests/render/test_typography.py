"""Chinese typography to CLREQ in drawn captions: punctuation compression, numbers with their
units, no 孤字, full-width quotes from the CJK face. Checked on PDFs read back with pypdfium2
(character origins, boxes and font names), over a sweep of caption widths."""

from __future__ import annotations

import ctypes
import re
import subprocess
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from album.config import DEFAULT_LAYOUTS
from album.layout.book import Rect, TextBlock, TextFrame, TextStyle
from album.layout.linebreak import (
    CLOSING,
    OPENING,
    is_lone_character,
    squeezed_em,
    stretch_em,
)
from album.layout.templates import load_templates
from album.layout.text_measure import block_lines, text_em
from album.render.fonts import CANDIDATES, FontSet, load_fonts
from album.render.text import (
    PT_PER_MM,
    draw_text_frame,
    fit_text_frame,
    line_width,
    metrics,
)

MM = 72 / 25.4
KEY = "钥匙，“新家”"

# Realistic captions with the number-and-unit pairs each must keep on one line (as read back,
# without spaces).
CAPTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("2023年10月1日，全县第一条高速公路正式通车，全长86.5公里，总投资超过100万元的配套工程同步完工。",
     ("2023年", "10月", "1日", "86.5公里", "100万元")),
    ("合作社理事长算了一笔账：种植面积从200亩扩大到1,500亩，亩均收入提高40%以上，入社农户187户。",
     ("200亩", "1,500亩", "187户")),
    ("搬入新居的第一天，老李接过钥匙，“新家”比老屋大了整整3倍，卫生间、厨房一应俱全，他说：“这是做梦也想不到的。”",
     ("3倍",)),
    ("截至2022年底，全县森林覆盖率达到68.3%，比十年前提高了15%，新增造林面积12万亩，栽种苗木360万株。",
     ("2022年", "68.3%", "15%", "12万亩", "360万株")),
    ("易地扶贫搬迁安置点共建成住房620套、幼儿园2所、卫生室3个，安置群众1,860人，配套建设扶贫车间5个。",
     ("620套", "2所", "3个", "1,860人", "5个")),
    ("凌晨4时30分，护林员已经在海拔1,200米的山脊上巡查，每天步行约 15 公里，一年走坏的鞋有12双。",
     ("4时", "30分", "1,200米", "15公里")),
    ("县医院远程会诊中心，专家通过5G网络为偏远乡镇的127名患者会诊，单次会诊平均用时25分钟。",
     ("127名", "25分钟")),
    ("村小学新建的多媒体教室里，孩子们“同上一堂课”；今年秋季入学新生共计46人，比去年增加了一成。",
     ("46人",)),
]
WIDTHS_MM = [30 + i * 90 / 39 for i in range(40)]  # 40 widths from 30 to 120 mm


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return load_fonts()


@pytest.fixture(scope="module")
def caption_style() -> TextStyle:
    return load_templates(DEFAULT_LAYOUTS).styles["caption"]


@dataclass(frozen=True)
class Glyph:
    char: str
    origin_x: float  # points, page space
    box_left: float
    box_right: float
    baseline: float  # points from the page's top
    font: str


def read_glyphs(pdf_path: Path) -> list[list[Glyph]]:
    """Every drawn character of every page: its origin, box and font, spaces left out."""
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        pages = []
        for page in pdf:
            height = page.get_height()
            text = page.get_textpage()
            glyphs = []
            for i in range(text.count_chars()):
                c = text.get_text_range(i, 1)
                if not c.strip():
                    continue
                x0, _y0, x1, _y1 = text.get_charbox(i)
                ox, oy = ctypes.c_double(), ctypes.c_double()
                pdfium_raw.FPDFText_GetCharOrigin(text.raw, i, ox, oy)
                glyphs.append(Glyph(c, ox.value, x0, x1, height - oy.value, font_name(text, i)))
            pages.append(glyphs)
        return pages
    finally:
        pdf.close()


def font_name(text: pdfium.PdfTextPage, index: int) -> str:
    flags = ctypes.c_int()
    size = pdfium_raw.FPDFText_GetFontInfo(text.raw, index, None, 0, flags)
    buffer = ctypes.create_string_buffer(size)
    pdfium_raw.FPDFText_GetFontInfo(text.raw, index, buffer, size, flags)
    return buffer.value.decode()


def draw_frames(path: Path, pages: list[list[TextFrame]], styles: dict[str, TextStyle],
                fonts: FontSet, page_w_mm: float = 140, page_h_mm: float = 297) -> None:
    canvas = Canvas(str(path), pagesize=(page_w_mm * MM, page_h_mm * MM), **fonts.canvas_options())
    for frames in pages:
        for f in frames:
            draw_text_frame(canvas, f, styles, fonts, x_pt=f.rect.x_mm * MM,
                            top_pt=(page_h_mm - f.rect.y_mm) * MM, cmyk=False)
        canvas.showPage()
    canvas.save()


def frame_lines(glyphs: list[Glyph], rect: Rect) -> list[str]:
    """The lines drawn inside ``rect``, top to bottom, each left to right."""
    inside = [g for g in glyphs if rect.y_mm * MM <= g.baseline <= rect.bottom_mm * MM]
    rows: dict[float, list[Glyph]] = {}
    for g in sorted(inside, key=lambda g: g.baseline):
        key = next((k for k in rows if abs(k - g.baseline) < 1.0), g.baseline)
        rows.setdefault(key, []).append(g)
    return ["".join(g.char for g in sorted(row, key=lambda g: g.origin_x))
            for _, row in sorted(rows.items())]


# --- punctuation compression ---------------------------------------------------------------

def test_key_and_new_home_is_set_half_an_em_narrower(tmp_path: Path, fonts: FontSet,
                                                     caption_style: TextStyle) -> None:
    size = caption_style.size_pt
    face = metrics(fonts.name("song"), size)
    natural = stringWidth(KEY, fonts.name("song"), size)
    assert natural == pytest.approx(7 * size)
    # the measuring function the drawing uses, and the paginator's estimate, see the same
    assert squeezed_em(KEY, line_start=False, line_end=False) == 0.5
    assert line_width(KEY + "到了", face) == pytest.approx(natural + 2 * size - size / 2)
    assert text_em(KEY) == pytest.approx(6.5)
    # and so does the PDF: from 钥 to the character after the closing quote is 6.5 em, not 7
    pdf = tmp_path / "key.pdf"
    text = KEY + "到了"
    block = TextFrame(Rect(10, 10, 100, 20), (TextBlock(text, "caption"),), role="caption")
    draw_frames(pdf, [[block]], {"caption": caption_style}, fonts)
    glyphs = read_glyphs(pdf)[0]
    assert "".join(g.char for g in glyphs) == text
    at = {g.char: g for g in glyphs}
    assert at["到"].origin_x - at["钥"].origin_x == pytest.approx(6.5 * size, abs=0.02)
    assert at["“"].origin_x - at["，"].origin_x == pytest.approx(0.5 * size, abs=0.02)
    # the compressed comma and the quote do not collide: the quote's ink starts after the comma's
    assert at["，"].box_right < at["“"].box_left
    assert at["新"].origin_x - at["“"].origin_x == pytest.approx(size, abs=0.02)


def test_adjacent_marks_lose_one_blank_half(fonts: FontSet) -> None:
    face = metrics(fonts.name("song"), 10)
    for pair, squeezed in [("。”", 0.5), ("）。", 0.5), ("（“", 0.5), ("”，", 0.5), ("，“", 0.5),
                           ("（）", 0.0), ("。 “", 0.0), ("字，字", 0.0)]:
        assert squeezed_em(pair, line_start=False, line_end=False) == squeezed, pair
    # a line-start opening bracket and a line-end closing mark are set half-width
    assert line_width("“好”", face) == pytest.approx(20.0)
    assert line_width("好", face) == pytest.approx(10.0)


# --- quotation marks ------------------------------------------------------------------------

def test_quotes_are_the_cjk_face_full_width(tmp_path: Path, fonts: FontSet,
                                           caption_style: TextStyle) -> None:
    size = caption_style.size_pt
    text = "他说“好”字，又说‘行’字，拍摄于Hamburg。"
    pdf = tmp_path / "quotes.pdf"
    frame = TextFrame(Rect(10, 10, 110, 20), (TextBlock(text, "caption"),), role="caption")
    draw_frames(pdf, [[frame]], {"caption": caption_style}, fonts)
    glyphs = read_glyphs(pdf)[0]
    assert "".join(g.char for g in glyphs) == text
    cjk_font = next(g.font for g in glyphs if g.char == "说")
    assert "CJK" in cjk_font
    for i, g in enumerate(glyphs):
        if g.char in "“”‘’":
            assert g.font == cjk_font, (g.char, g.font)
            # one full em from this origin to the next character's (no neighbour is a mark)
            assert glyphs[i + 1].origin_x - g.origin_x == pytest.approx(size, abs=0.02), g.char
            # GB style: an opening quote's ink in the right half of its em, a closing one's left
            middle = g.origin_x + size / 2
            if g.char in "“‘":
                assert g.box_left >= middle - 0.01
            else:
                assert g.box_right <= middle + 0.01


def test_a_face_with_narrow_quotes_still_sets_them_full_width(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WenQuanYi Zen Hei (the Hei fallback) draws “ ” a third of an em wide: padded to an em."""
    for role in ("song", "hei"):  # both fallbacks: TrueType already, nothing to convert
        monkeypatch.setitem(CANDIDATES, role, CANDIDATES[role][1:])
    fonts = load_fonts(tmp_path / "fallback")
    assert fonts.hei.family == "WenQuanYi Zen Hei"
    size = 12.0
    assert stringWidth("“", fonts.name("hei"), size) < size / 2
    style = TextStyle("head", font="hei", size_pt=size, leading=1.3, align="left")
    text = "他说“好”字"
    pdf = tmp_path / "narrow.pdf"
    frame = TextFrame(Rect(10, 10, 100, 20), (TextBlock(text, "head"),), role="title")
    draw_frames(pdf, [[frame]], {"head": style}, fonts)
    at = {g.char: g for g in read_glyphs(pdf)[0]}
    assert at["好"].origin_x - at["说"].origin_x == pytest.approx(2 * size, abs=0.02)
    assert at["字"].origin_x - at["好"].origin_x == pytest.approx(2 * size, abs=0.02)
    # each quote's ink on its GB side of the em it now fills
    assert at["“"].box_left >= at["说"].origin_x + 1.5 * size - 0.01
    assert at["”"].box_right <= at["好"].origin_x + 1.5 * size + 0.01


def test_a_compressed_comma_in_wenquanyi_keeps_clear_of_the_next_glyph(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WenQuanYi Zen Hei centres its comma in the em: compressed to half an em it would run
    into the next mark; drawn from the half-width face its ink stays in the half it keeps."""
    for role in ("song", "hei"):
        monkeypatch.setitem(CANDIDATES, role, CANDIDATES[role][1:])
    fonts = load_fonts(tmp_path / "fallback")
    assert fonts.hei.family == "WenQuanYi Zen Hei"
    size = 12.0
    style = TextStyle("head", font="hei", size_pt=size, leading=1.3, align="left")
    pdf = tmp_path / "wqy.pdf"
    frame = TextFrame(Rect(10, 10, 100, 20), (TextBlock("钥匙，“新家”。（好）", "head"),), role="title")
    draw_frames(pdf, [[frame]], {"head": style}, fonts)
    glyphs = read_glyphs(pdf)[0]
    comma = next(i for i, g in enumerate(glyphs) if g.char == "，")
    assert glyphs[comma].font.endswith("-Halt")
    for a, b in pairwise(glyphs):
        assert a.box_right <= b.box_left + 0.01, (a, b)
    assert glyphs[comma].box_right <= glyphs[comma].origin_x + size / 2  # in the half it keeps


def test_pdftotext_reads_every_caption_line_as_drawn(tmp_path: Path, fonts: FontSet,
                                                     caption_style: TextStyle) -> None:
    """A compressed mark is drawn from the half-width face, so no run starts back inside the
    one before it: text extraction gets each line whole (it used to break the line after
    钥匙， and before a closing quote)."""
    pdf = tmp_path / "captions.pdf"
    pages = [[TextFrame(Rect(5, 5 + n * 36, width, 34), (TextBlock(text, "caption"),), role="caption")
              for n, (text, _) in enumerate(CAPTIONS)] for width in (40, 75, 120)]
    draw_frames(pdf, pages, {"caption": caption_style}, fonts)
    for number, (frames, glyphs) in enumerate(zip(pages, read_glyphs(pdf)), 1):
        drawn = [line for frame in frames for line in frame_lines(glyphs, frame.rect)]
        raw = subprocess.run(["pdftotext", "-raw", "-f", str(number), "-l", str(number), str(pdf), "-"],
                             check=True, capture_output=True, text=True).stdout
        assert [re.sub(r"\s", "", line) for line in raw.splitlines() if line.strip()] == drawn


# --- the sweep over caption widths ----------------------------------------------------------

@pytest.fixture(scope="module")
def sweep(tmp_path_factory, fonts: FontSet, caption_style: TextStyle) -> list[tuple]:
    """Each caption drawn at each width, one page per width; (caption, pairs, width, lines)."""
    pdf = tmp_path_factory.mktemp("sweep") / "sweep.pdf"
    styles = {"caption": caption_style}
    pages = []
    for width in WIDTHS_MM:
        pages.append([TextFrame(Rect(5, 5 + n * 36, width, 34), (TextBlock(text, "caption"),),
                                role="caption") for n, (text, _) in enumerate(CAPTIONS)])
    draw_frames(pdf, pages, styles, fonts)
    out = []
    for frames, glyphs in zip(pages, read_glyphs(pdf)):
        for frame, (text, pairs) in zip(frames, CAPTIONS):
            out.append((text, pairs, frame, frame_lines(glyphs, frame.rect)))
    return out


def test_every_caption_of_the_sweep_is_drawn_whole_and_wraps(sweep) -> None:
    for text, _, frame, lines in sweep:
        assert "".join(lines) == re.sub(r"\s", "", text), (frame.rect.width_mm, lines)
        for line in lines:
            assert line[0] not in CLOSING and line[-1] not in OPENING, (frame.rect.width_mm, lines)
    assert sum(len(lines) > 1 for *_, lines in sweep) == len(sweep)
    assert len(sweep) == 40 * len(CAPTIONS)


def test_a_number_never_parts_from_its_unit(sweep) -> None:
    at_line_start = 0
    for _, pairs, frame, lines in sweep:
        joined = "".join(lines)
        breaks = set()
        offset = 0
        for line in lines[:-1]:
            offset += len(line)
            breaks.add(offset)
        for pair in pairs:
            for match in re.finditer(re.escape(pair), joined):
                inside = set(range(match.start() + 1, match.end()))
                assert not inside & breaks, (frame.rect.width_mm, pair, lines)
                at_line_start += match.start() in breaks
    # the sweep does put line breaks right before these pairs, so the rule was exercised
    assert at_line_start > 40, at_line_start


def test_no_caption_ends_with_a_lone_character(sweep) -> None:
    for _, _, frame, lines in sweep:
        assert len(lines) < 2 or not is_lone_character(lines[-1]), (frame.rect.width_mm, lines)


def test_the_paginators_estimate_never_counts_fewer_lines_than_drawn(
        sweep, fonts: FontSet, caption_style: TextStyle) -> None:
    for text, _, frame, lines in sweep:
        block = frame.blocks[0]
        estimate = block_lines(block, caption_style, frame.rect.width_mm)
        fitted = fit_text_frame(frame, {"caption": caption_style}, fonts)
        assert list(fitted.blocks[0].lines) and len(fitted.blocks[0].lines) == len(lines)
        assert estimate >= len(lines), (frame.rect.width_mm, estimate, lines)


def test_keeping_numbers_whole_leaves_no_gappy_line(sweep, fonts: FontSet,
                                                    caption_style: TextStyle) -> None:
    """A number pushed down with its unit would leave its line gappy; the lines above give up
    characters so the stretch is shared (at 30 mm a caption line holds only about nine hanzi)."""
    worst = 0.0
    for _, _, frame, _ in sweep:
        block = fit_text_frame(frame, {"caption": caption_style}, fonts).blocks[0]
        face = metrics(block.font_name, block.size_pt)
        for line in block.lines[:-1]:
            worst = max(worst, stretch_em(line, frame.rect.width_mm * PT_PER_MM, face))
    assert 0.3 < worst <= 0.7, worst
