"""Chinese line breaking, shrink-to-fit and text drawing, checked on real fonts and real PDFs."""

from __future__ import annotations

import random
import re
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import pikepdf
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from album.errors import RenderError
from album.layout.book import Rect, TextBlock, TextFrame, TextStyle
from album.layout.linebreak import (
    BLANK_LEFT,
    CLOSING,
    OPENING,
    WORD,
    Metrics,
    break_lines,
    line_width,
)
from album.render.fonts import FontSet, load_fonts
from album.render.text import PT_PER_MM, draw_text_frame, fit_text_frame

HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
         "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物")
CLOSERS = ["，", "。", "、", "；", "：", "？", "！", "）", "」", "》", "”", "……", "——", "。”"]
OPENERS = ["（", "「", "《", "“"]
WORDS = ["Canon", "EOS", "R5", "2023", "3.5", "1,000", "COVID-19", "50%", "photography", "DJI"]
SIZE = 10.0


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return load_fonts()


@pytest.fixture(scope="module")
def measure(fonts: FontSet) -> Metrics:
    name = fonts.name("song")
    return Metrics(lambda s: stringWidth(s, name, SIZE), SIZE)


def random_text(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(5, 30)):
        roll = rng.random()
        if roll < 0.2:
            parts.append(rng.choice([" ", ""]) + rng.choice(WORDS) + rng.choice([" ", ""]))
        else:
            opener = rng.choice(OPENERS) if roll < 0.35 else ""
            closer = rng.choice(CLOSERS) if rng.random() < 0.5 else ""
            parts.append(opener + "".join(rng.choices(HANZI, k=rng.randint(1, 6))) + closer)
    return "".join(parts)


def squeeze(s: str) -> str:
    return re.sub(r"\s", "", s)


def test_random_mixes_never_break_the_rules(measure) -> None:
    rng = random.Random(20231126)
    for _ in range(400):
        text = random_text(rng)
        width = SIZE * rng.randint(8, 30)
        lines = break_lines(text, width, measure)
        assert squeeze("".join(lines)) == squeeze(text), text  # nothing lost
        for line in lines:
            assert line, text
            assert line[0] not in CLOSING, (text, lines)
            assert line[-1] not in OPENING, (text, lines)
            assert line_width(line, measure) <= width + 0.01, (text, lines)
        # Words that fit a line are never cut (only a word wider than the line may be).
        found = Counter(w for line in lines for w in WORD.findall(line))
        whole = Counter(w for w in WORD.findall(text) if measure.measure(w) <= width)
        assert not whole - found, (text, lines)


def test_closing_mark_takes_the_previous_character_along(measure) -> None:
    nine = SIZE * 9
    assert break_lines("一二三四五六七八九，十", nine, measure) == ["一二三四五六七八", "九，十"]
    # Two closers in a row (。”) both stay off the line start.
    assert break_lines("一二三四五六七八九。”十", nine, measure) == ["一二三四五六七八", "九。”十"]


def test_opening_mark_never_ends_a_line(measure) -> None:
    lines = break_lines("一二三四五六七八《九十》", SIZE * 9, measure)
    assert lines == ["一二三四五六七八", "《九十》"]


def test_ellipsis_and_dash_stay_together(measure) -> None:
    for mark in ("……", "——"):
        for chars in range(4, 12):
            lines = break_lines(f"一二三四五六七{mark}八九十", SIZE * chars, measure)
            assert not [line for line in lines if line.startswith(mark[0])], lines
            assert any(mark in line for line in lines), lines


def test_latin_words_and_numbers_stay_whole(measure) -> None:
    text = "拍摄器材 Canon EOS R5，光圈 f/2.8，快门 1/250 秒，ISO 100，约 3.5 公里外的 COVID-19 检测点"
    for chars in range(6, 20):
        lines = break_lines(text, SIZE * chars, measure)
        for word in ("Canon", "EOS", "R5", "2.8", "1/250", "100", "3.5", "COVID-19"):
            assert any(word in line for line in lines), (chars, lines)


def test_a_number_goes_to_the_next_line_with_its_unit(measure) -> None:
    width = line_width("一二三四五六2023", measure)  # room for the year, not for 年
    assert break_lines("一二三四五六2023年七八", width, measure) == ["一二三四五六", "2023年七八"]
    width = line_width("一二三四五六100万", measure)
    assert break_lines("一二三四五六100万元七八", width, measure) == ["一二三四五六", "100万元七八"]
    width = line_width("全程约 3.5", measure)
    assert break_lines("全程约 3.5 公里", width, measure) == ["全程约", "3.5 公里"]


def test_a_closing_mark_fits_into_the_last_half_em(measure) -> None:
    # set half-width at the line end, the comma needs only half an em: no character is pushed
    lines = break_lines("一二三四五六七八，九十", SIZE * 8.5, measure)
    assert lines == ["一二三四五六七八，", "九十"]


def test_the_last_line_never_holds_a_lone_character(measure) -> None:
    lines = break_lines("一二三四五六七八九十。", SIZE * 9, measure)
    assert lines == ["一二三四五六七八", "九十。"]
    assert break_lines("好。", SIZE * 9, measure) == ["好。"]  # a one-line text may be one character


def test_a_word_wider_than_the_line_is_cut_to_fit(measure) -> None:
    url = "https://example.org/a-very-long-address-for-the-photo-archive"
    lines = break_lines(url, 60.0, measure)
    assert len(lines) > 2
    assert "".join(lines) == url
    assert all(line_width(line, measure) <= 60.0 for line in lines)


def test_newlines_start_paragraphs_and_indents_are_kept(measure) -> None:
    assert break_lines("甲\n\n乙", 100.0, measure) == ["甲", "", "乙"]
    assert break_lines("　　第一段", 100.0, measure) == ["　　第一段"]
    with pytest.raises(RenderError):
        break_lines("甲", 0, measure)


def styles(min_size: float | None = 7.0, align: str = "justify") -> dict[str, TextStyle]:
    return {
        "body": TextStyle("body", font="song", size_pt=SIZE, leading=1.5, align=align,  # type: ignore[arg-type]
                          min_size_pt=min_size),
        "head": TextStyle("head", font="hei", size_pt=16, leading=1.3, align="left"),
        "toc": TextStyle("toc", font="song", size_pt=SIZE, leading=1.6, align="left"),
    }


PREFACE = ("　　二〇二三年春，县里组织摄影爱好者走进乡村，用镜头记录“美丽乡村”建设的点点滴滴。"
           "这本画册收录了来自全县各单位的 312 幅作品，拍摄时间跨度近十年（2014—2023），涵盖农业、"
           "教育、文化、生态等方面。每一幅照片背后，都有一段值得讲述的故事……")


def frame(text: str, height_mm: float, *, style: str = "body", width_mm: float = 80,
          **kw) -> TextFrame:
    return TextFrame(Rect(10, 10, width_mm, height_mm), (TextBlock(text, style),), **kw)


def test_text_that_fits_is_left_alone(fonts: FontSet) -> None:
    fitted = fit_text_frame(frame("清晨的梯田。摄影：张三", 10), styles(), fonts)
    assert fitted.scale == 1.0 and fitted.issues == () and fitted.fits
    assert fitted.blocks[0].size_pt == SIZE


def test_too_long_text_shrinks_to_the_largest_size_that_fits(fonts: FontSet) -> None:
    fitted = fit_text_frame(frame(PREFACE, 22, role="text"), styles(), fonts)
    size = fitted.blocks[0].size_pt
    assert fitted.fits and 7.0 <= size < SIZE
    assert [i.kind for i in fitted.issues] == ["shrunk"]
    assert fitted.issues[0].size_pt == pytest.approx(size, abs=0.01)
    one_step_up = {"body": TextStyle("body", size_pt=size + 0.25, leading=1.5)}
    assert not fit_text_frame(frame(PREFACE, 22), one_step_up, fonts).fits


def test_text_that_cannot_fit_is_kept_whole_and_reported(fonts: FontSet) -> None:
    fitted = fit_text_frame(frame(PREFACE * 3, 15, role="caption", photo_ids=(4, 9)),
                            styles(min_size=8.0), fonts)
    assert not fitted.fits
    assert fitted.blocks[0].size_pt == 8.0
    assert squeeze("".join(fitted.blocks[0].lines)) == squeeze(PREFACE * 3)
    overflow = [i for i in fitted.issues if i.kind == "overflow"]
    assert overflow and overflow[0].photo_ids == (4, 9) and overflow[0].role == "caption"


def test_style_without_minimum_never_shrinks(fonts: FontSet) -> None:
    fitted = fit_text_frame(frame(PREFACE, 10), styles(min_size=None), fonts)
    assert fitted.blocks[0].size_pt == SIZE
    assert [i.kind for i in fitted.issues] == ["overflow"]


def test_missing_glyph_is_reported_not_dropped(fonts: FontSet) -> None:
    fitted = fit_text_frame(frame("摄影：王\U00020000", 10), styles(), fonts)
    missing = [i for i in fitted.issues if i.kind == "missing-glyph"]
    assert missing and "\U00020000" in missing[0].message
    assert "\U00020000" in fitted.blocks[0].lines[0]


def test_unknown_style_is_an_error(fonts: FontSet) -> None:
    with pytest.raises(RenderError, match="nosuch"):
        fit_text_frame(frame("甲", 10, style="nosuch"), styles(), fonts)


# --- real PDFs ----------------------------------------------------------------------------

PAGE_H = 200 * PT_PER_MM


def draw(path: Path, frames: list[TextFrame], fonts: FontSet, *, cmyk: bool = True,
         style_map: dict[str, TextStyle] | None = None) -> list:
    canvas = Canvas(str(path), pagesize=(150 * PT_PER_MM, PAGE_H), **fonts.canvas_options())
    issues = []
    for f in frames:
        issues += draw_text_frame(canvas, f, style_map or styles(), fonts,
                                  x_pt=f.rect.x_mm * PT_PER_MM,
                                  top_pt=PAGE_H - f.rect.y_mm * PT_PER_MM, cmyk=cmyk)
    canvas.showPage()
    canvas.save()
    return issues


def bbox_lines(path: Path) -> list[tuple[float, float, float, str]]:
    """(top, xMin, xMax, text) per printed line, from ``pdftotext -bbox``."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    rows: dict[float, list[tuple[float, float, str]]] = defaultdict(list)
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    for x0, y0, x1, word in re.findall(pattern, html):
        rows[round(float(y0), 1)].append((float(x0), float(x1), word))
    return [(top, min(w[0] for w in ws), max(w[1] for w in ws), "".join(w[2] for w in ws))
            for top, ws in sorted(rows.items())]


def test_pdf_embeds_fonts_and_text_reads_back(tmp_path: Path, fonts: FontSet) -> None:
    pdf = tmp_path / "text.pdf"
    head = TextFrame(Rect(10, 10, 100, 12), (TextBlock("第一章　山河锦绣", "head"),), role="title")
    draw(pdf, [head, frame(PREFACE, 60, role="text", width_mm=100)], fonts)
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:]]
    faces = {r[0].split("+")[1] for r in rows}
    assert {f for f in faces if not f.endswith("-Halt")} == {"NotoSerifCJKsc-Regular", "NotoSansCJKsc-Regular"}
    assert "NotoSerifCJKsc-Regular-Halt" in faces  # compressed marks (album.render.halt)
    assert all(r[-5:-3] == ["yes", "yes"] for r in rows)  # embedded, subset
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert squeeze(text) == squeeze("第一章山河锦绣" + PREFACE)


def test_justified_lines_reach_the_right_edge(tmp_path: Path, fonts: FontSet) -> None:
    pdf = tmp_path / "justify.pdf"
    draw(pdf, [frame(PREFACE + "\n短的一段。", 80, width_mm=100)], fonts)
    left, right = 10 * PT_PER_MM, 110 * PT_PER_MM
    lines = bbox_lines(pdf)
    assert len(lines) >= 5
    *body, last_of_first, second_paragraph = lines
    for _, x0, x1, text in body:
        # A mark set half-width at a line end or start is drawn from the half-width face: its
        # advance box, like its ink, ends at the frame's edge.
        assert x1 == pytest.approx(right, abs=0.1)
        if text[0] in BLANK_LEFT:
            assert x0 == pytest.approx(left, abs=0.1)
        else:
            assert x0 >= left - 0.01  # the first line is indented
    assert any(text[0] in BLANK_LEFT for *_, text in body)
    assert last_of_first[2] < right - 5  # the paragraph's last line is not stretched
    assert second_paragraph[3] == "短的一段。" and second_paragraph[1] == pytest.approx(left, abs=0.1)


def test_toc_entry_has_page_number_flush_right_with_leader(tmp_path: Path,
                                                          fonts: FontSet) -> None:
    pdf = tmp_path / "toc.pdf"
    toc = TextFrame(Rect(10, 10, 100, 30), (
        TextBlock("第一章　田园牧歌", "toc", trailing="5"),
        TextBlock("第二章　古镇新颜：一个名字很长很长很长很长很长很长很长很长很长的章节标题",
                  "toc", trailing="123"),
    ), role="toc")
    draw(pdf, [toc], fonts)
    right = 110 * PT_PER_MM
    lines = bbox_lines(pdf)
    assert len(lines) == 3
    for index in (0, 2):
        assert lines[index][2] == pytest.approx(right, abs=0.1)
        assert "....." in lines[index][3]
    assert lines[0][3].endswith("5") and lines[2][3].endswith("123")


def test_print_text_is_pure_black_ink(tmp_path: Path, fonts: FontSet) -> None:
    pdf = tmp_path / "cmyk.pdf"
    gray = {"body": TextStyle("body", size_pt=9, gray=0.7)}
    draw(pdf, [frame("图说：清晨的梯田", 10), frame("灰色图说", 10, style="body")], fonts,
         style_map={**styles(), **gray})
    ops = operators(pdf)
    assert ("k", [0, 0, 0, 0.7]) in ops
    assert not [op for op, _ in ops if op in ("rg", "RG", "g", "G", "sc", "scn", "cs")]


def test_proof_text_uses_grey(tmp_path: Path, fonts: FontSet) -> None:
    pdf = tmp_path / "rgb.pdf"
    draw(pdf, [frame("图说：清晨的梯田", 10)], fonts, cmyk=False)
    ops = operators(pdf)
    assert ("g", [0]) in ops and not [op for op, _ in ops if op in ("k", "K")]


def operators(pdf: Path) -> list[tuple[str, list[float]]]:
    with pikepdf.open(pdf) as doc:
        return [(str(op), [float(x) for x in operands])
                for operands, op in pikepdf.parse_content_stream(doc.pages[0])
                if str(op) in ("k", "K", "rg", "RG", "g", "G", "sc", "scn", "cs")]


def test_vertical_alignment_and_overflow_drawn_in_full(tmp_path: Path, fonts: FontSet) -> None:
    pdf = tmp_path / "valign.pdf"
    bottom_mm = 10 + 30
    issues = draw(pdf, [frame("落款：县文联", 30, vertical_align="bottom"),
                        frame(PREFACE * 2, 12, style="body", width_mm=60)], fonts,
                  style_map=styles(min_size=9.0))
    lines = bbox_lines(pdf)
    signed = next(line for line in lines if "落款" in line[3])
    assert signed[0] > (bottom_mm - 8) * PT_PER_MM  # sits in the frame's last line
    assert [i.kind for i in issues] == ["overflow"]
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert squeeze(PREFACE * 2) in squeeze(text)
