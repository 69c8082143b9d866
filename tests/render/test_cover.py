"""The cover sheet: geometry from page count and caliper, boxes read back, spine text, PDF/X-4."""

from __future__ import annotations

import io
import math
from itertools import pairwise
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from album.errors import ConfigError, RenderError
from album.preflight.pdf import scan_pdf
from album.render.cover import cover_geometry, front_photo_of_file, render_cover
from album.render.fonts import load_fonts
from album.render.spine import VERTICAL_FORMS
from album.preflight.pdf import validate_pdfx
from album.print_spec import SAFE_MM

ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
PT = 72 / 25.4


@pytest.fixture(scope="module")
def fonts():
    return load_fonts()


def _boxes_mm(path: Path) -> dict[str, list[float]]:
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0].obj
        return {key: [float(v) / PT for v in page[key]]
                for key in ("/MediaBox", "/TrimBox", "/BleedBox")}


@pytest.mark.parametrize("pages,caliper", [(96, 0.1), (96, 0.13), (201, 0.1), (201, 0.13)])
def test_sheet_width_follows_page_count_and_caliper(tmp_path: Path, fonts, pages: int,
                                                    caliper: float) -> None:
    g = cover_geometry(210, 285, pages, caliper)
    spine = math.ceil(pages / 2) * caliper
    assert g.spine_mm == pytest.approx(spine)
    assert g.sheet_w_mm == pytest.approx(2 * 210 + spine + 2 * 3)
    assert g.sheet_h_mm == pytest.approx(285 + 6)
    out = tmp_path / "cover.pdf"
    render_cover(out, geometry=g, title="山乡巨变", subtitle="摄影作品集", publisher="县文化馆",
                 fonts=fonts, icc_path=ICC)
    boxes = _boxes_mm(out)
    trim, bleed, media = boxes["/TrimBox"], boxes["/BleedBox"], boxes["/MediaBox"]
    assert trim[2] - trim[0] == pytest.approx(2 * 210 + spine, abs=0.01)
    assert trim[3] - trim[1] == pytest.approx(285, abs=0.01)
    assert bleed[2] - bleed[0] == pytest.approx(2 * 210 + spine + 2 * 3, abs=0.01)
    assert bleed[3] - bleed[1] == pytest.approx(291, abs=0.01)
    assert [round(trim[i] - bleed[i], 2) for i in (0, 1)] == [3.0, 3.0]
    # Room outside the bleed for crop and fold marks.
    assert media[0] <= bleed[0] - 8 and media[2] >= bleed[2] + 8
    assert validate_pdfx(out) == []


def _text_in(path: Path, x0_mm: float, x1_mm: float) -> str:
    """Text inside a vertical strip of the trim (x in mm from the left trim edge)."""
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[0]
        with pikepdf.open(path) as pdf:
            trim = [float(v) for v in pdf.pages[0].obj.TrimBox]
        text = page.get_textpage().get_text_bounded(
            left=trim[0] + x0_mm * PT, bottom=trim[1], right=trim[0] + x1_mm * PT, top=trim[3])
        return "".join(text.split())
    finally:
        doc.close()


def test_spine_title_set_vertically_when_wide_enough(tmp_path: Path, fonts) -> None:
    wide = cover_geometry(210, 285, 160, 0.1)  # 8 mm spine
    out = tmp_path / "wide.pdf"
    render_cover(out, geometry=wide, title="山乡巨变", publisher="文化馆", fonts=fonts, icc_path=ICC)
    spine_text = _text_in(out, wide.spine_x_mm, wide.front_x_mm)
    assert spine_text == "山乡巨变文化馆"
    assert "山乡巨变" in _text_in(out, wide.front_x_mm, wide.front_x_mm + 210)

    narrow = cover_geometry(210, 285, 80, 0.1)  # 4 mm: no room for type on the spine
    out = tmp_path / "narrow.pdf"
    render_cover(out, geometry=narrow, title="山乡巨变", publisher="文化馆", fonts=fonts,
                 icc_path=ICC)
    assert _text_in(out, narrow.spine_x_mm, narrow.front_x_mm) == ""


def test_front_photo_is_prepared_to_cmyk(tmp_path: Path, corpus: Path, fonts) -> None:
    g = cover_geometry(210, 285, 120, 0.12)
    out = tmp_path / "photo.pdf"
    render_cover(out, geometry=g, title="春天", subtitle="", publisher="",
                 front_photo=front_photo_of_file(corpus / "photos" / "mate-greenmeadow.jpg"), fonts=fonts,
                 icc_path=ICC)
    scan = scan_pdf(out)
    assert scan.problems == []
    assert [image.colour for image in scan.images] == ["CMYK"]
    # The photo fills the front panel including its top and outer bleed: 213 × (0.6·285 + 3) mm
    # at the original's resolution (never upsampled), so its aspect matches that block.
    image = scan.images[0]
    assert image.width_px / image.height_px == pytest.approx(213 / 174, rel=0.01)


def test_bad_inputs_leave_nothing_behind(tmp_path: Path, fonts) -> None:
    g = cover_geometry(210, 285, 120, 0.12)
    out = tmp_path / "cover.pdf"
    with pytest.raises(ConfigError):
        render_cover(out, geometry=g, title="x", fonts=fonts, icc_path=tmp_path / "none.icc")
    with pytest.raises(RenderError, match="封面照片"):
        render_cover(out, geometry=g, title="x", fonts=fonts, icc_path=ICC,
                     front_photo=front_photo_of_file(tmp_path / "missing.jpg"))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RenderError):
        cover_geometry(210, 285, 0, 0.1)


def test_exif_rotated_front_photo_is_upright_and_not_stretched(tmp_path: Path, fonts) -> None:
    """A phone photo stored on its side with EXIF orientation 6 (turn 90° clockwise to view): the
    cover crops it in upright coordinates around its focal point, like any page photo."""
    from PIL import Image

    upright = Image.new("RGB", (1800, 1200), (200, 30, 30))  # landscape: red sky...
    upright.paste((30, 30, 200), (0, 600, 1800, 1200))  # ...over blue water
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the camera wrote it: 1200 × 1800
    exif = Image.Exif()
    exif[0x0112] = 6
    original = tmp_path / "phone.jpg"
    stored.save(original, quality=95, exif=exif)

    front = front_photo_of_file(original)
    assert (front.photo.width_px, front.photo.height_px, front.photo.orientation) == (1800, 1200, 6)
    g = cover_geometry(210, 285, 120, 0.12)
    out = tmp_path / "cover.pdf"
    render_cover(out, geometry=g, title="春天", front_photo=front, fonts=fonts, icc_path=ICC)

    image = scan_pdf(out).images[0]
    block_w, block_h = 210 + 3, 285 * 0.6 + 3  # the front's photo block with its bleed
    assert image.width_px / image.height_px == pytest.approx(block_w / block_h, rel=0.01)
    # Rasterise and look at the block: red above, blue below, as the photographer saw it.
    page = pdfium.PdfDocument(str(out))[0].render(scale=0.5).to_pil().convert("RGB")
    with pikepdf.open(out) as pdf:
        trim = [float(v) for v in pdf.pages[0].obj.TrimBox]
        media_h = float(pdf.pages[0].obj.MediaBox[3])
    scale = 0.5
    x_mid = (trim[0] + (g.front_x_mm + 105) * PT) * scale
    y_top = (media_h - trim[3] + 20 * PT) * scale  # 20 mm below the top trim
    y_low = (media_h - trim[3] + 150 * PT) * scale  # 150 mm below it, still inside the block
    top, low = page.getpixel((int(x_mid), int(y_top))), page.getpixel((int(x_mid), int(y_low)))
    assert top[0] > 120 and top[2] < 100, top
    assert low[2] > 120 and low[0] < 100, low


def _spine_chars(path: Path, g) -> list[tuple[str, tuple[float, ...], float]]:
    """(character, box in pt, rotation in radians as PDFium reports it) for every visible
    character whose box centre lies on the spine, in the order they were written."""
    doc = pdfium.PdfDocument(str(path))
    try:
        with pikepdf.open(path) as pdf:
            trim_x0 = float(pdf.pages[0].obj.TrimBox[0])
        left, right = trim_x0 + g.spine_x_mm * PT, trim_x0 + g.front_x_mm * PT
        textpage = doc[0].get_textpage()
        chars = []
        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1)
            box = textpage.get_charbox(i)
            if ch.strip() and left < (box[0] + box[2]) / 2 < right:
                chars.append((ch, box, pdfium_c.FPDFText_GetCharAngle(textpage.raw, i)))
        return chars
    finally:
        doc.close()


def test_spine_turns_latin_and_numbers_and_keeps_chinese_upright(tmp_path: Path, fonts) -> None:
    """Vertical setting: 山乡巨变 upright and stacked, then "Photos 2026" as one run turned 90°
    clockwise (its letters follow each other downwards, each glyph on its side), all on the
    spine's axis; the publisher's ISBN run the same at the foot."""
    g = cover_geometry(210, 285, 300, 0.13)  # 19.5 mm spine
    out = tmp_path / "cover.pdf"
    render_cover(out, geometry=g, title="山乡巨变 Photos 2026", publisher="ISBN 出版社",
                 fonts=fonts, icc_path=ICC)
    chars = _spine_chars(out, g)
    assert "".join(ch for ch, _, _ in chars) == "山乡巨变Photos2026ISBN出版社"
    axis = (g.spine_x_mm + g.spine_mm / 2) * PT
    with pikepdf.open(out) as pdf:
        axis += float(pdf.pages[0].obj.TrimBox[0])

    for ch, box, angle in chars:
        left, bottom, right, top = box
        if ch.isascii():
            assert angle == pytest.approx(math.pi / 2, abs=0.01), ch  # a quarter turn...
            if ch.isdigit():
                # ...so a digit (about 0.55 em wide and 0.73 em tall upright) lies on its side.
                assert right - left > 1.2 * (top - bottom), (ch, box)
            if ch.isupper() or ch.isdigit():
                # Their middle is on the axis, like a Chinese character's.
                assert (left + right) / 2 == pytest.approx(axis, abs=0.5 * PT), (ch, box)
        else:
            assert angle == pytest.approx(0, abs=0.01), ch
            assert (left + right) / 2 == pytest.approx(axis, abs=0.5 * PT), (ch, box)
    # One after another down the spine, never overlapping: Chinese stacked, and the turned
    # runs written downwards, which is what a clockwise turn gives.
    for (a, box_a, _), (b, box_b, _) in pairwise(chars):
        assert box_b[3] <= box_a[1] + 0.2, (a, box_a, b, box_b)
    # Inside the trim's safe zone, between the folds.
    with pikepdf.open(out) as pdf:
        trim = [float(v) for v in pdf.pages[0].obj.TrimBox]
    assert all(trim[1] + SAFE_MM * PT <= box[1] and box[3] <= trim[3] - SAFE_MM * PT
               for _, box, _ in chars)
    assert validate_pdfx(out) == []


def test_long_spine_title_shrinks_to_fit_above_the_publisher(tmp_path: Path, fonts) -> None:
    """About 260 mm of title at the spine's usual size (55 % of 8 mm), with 218 mm free above
    the publisher: it is set smaller, whole, and keeps its distance from the publisher."""
    g = cover_geometry(210, 285, 160, 0.1)  # 8 mm spine
    title = ("红旗渠 Red Flag Canal 太行山上的人工天河 影像志 1960—2026 年纪念版"
             "——河南省林州市人民群众自力更生艰苦奋斗的历史见证")
    out = tmp_path / "cover.pdf"
    render_cover(out, geometry=g, title=title, publisher="河南人民出版社", fonts=fonts,
                 icc_path=ICC)
    chars = _spine_chars(out, g)
    title_chars = len("".join(title.split()))
    vertical = "".join(title.split()).translate(VERTICAL_FORMS)  # —— is set ︱︱
    assert "".join(ch for ch, _, _ in chars) == vertical + "河南人民出版社"
    # Consecutive upright characters are 1.15 em apart: the em the title was set at.
    tops = [box[3] for ch, box, angle in chars[:title_chars] if angle == 0 and not ch.isascii()]
    em_pt = (tops[0] - tops[1]) / 1.15
    usual_pt = min(g.spine_mm * 0.55 * PT, 18.0)
    assert 7.0 <= em_pt < 0.9 * usual_pt, (em_pt, usual_pt)
    title_bottom = chars[title_chars - 1][1][1]
    publisher_top = chars[title_chars][1][3]
    assert title_bottom - publisher_top >= 7 * PT  # the air above the publisher is kept
    for (_, box_a, _), (_, box_b, _) in pairwise(chars):
        assert box_b[3] <= box_a[1] + 0.2


def test_spine_punctuation_in_vertical_forms_and_short_numbers_across(tmp_path: Path, fonts) -> None:
    """，《》“” are drawn as their vertical forms ︐︽︾﹁﹂ (read back as those characters), the
    comma in the top right of its em; a two-digit number stands upright across the column in
    one em (纵中横), while a four-digit one is still turned."""
    g = cover_geometry(210, 285, 300, 0.13)  # 19.5 mm spine
    out = tmp_path / "cover.pdf"
    render_cover(out, geometry=g, title="山乡，《巨变》“15”年 2026", publisher="出版社", fonts=fonts,
                 icc_path=ICC)
    chars = _spine_chars(out, g)
    assert "".join(ch for ch, _, _ in chars) == "山乡︐︽巨变︾﹁15﹂年2026出版社"
    with pikepdf.open(out) as pdf:
        axis = float(pdf.pages[0].obj.TrimBox[0]) + (g.spine_x_mm + g.spine_mm / 2) * PT

    def centre(i: int) -> tuple[float, float]:
        box = chars[i][1]
        return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2

    step = centre(0)[1] - centre(1)[1]  # one em and the gap, from 山 to 乡
    comma_x, comma_y = centre(2)
    assert comma_x > axis + 0.1 * step and comma_y > centre(1)[1] - step  # top right of its em
    assert all(angle == pytest.approx(0, abs=0.01) for ch, _, angle in chars[:12])
    one, five = chars[8][1], chars[9][1]  # 纵中横: side by side on one baseline, in one em
    assert one[2] <= five[0] + 0.2 and one[1] == pytest.approx(five[1], abs=0.3)
    assert (one[0] + five[2]) / 2 == pytest.approx(axis, abs=0.5 * PT)
    assert five[2] - one[0] <= step / 1.15 + 0.2
    assert centre(7)[1] - centre(10)[1] < 3.3 * step  # ﹁ 15 ﹂: three ems down the spine
    assert all(angle == pytest.approx(math.pi / 2, abs=0.01) for _, _, angle in chars[12:16])  # 2026


@pytest.mark.parametrize("grey_photos,black_only", [("k_only", True), ("cmyk", False)])
def test_grey_front_photo_follows_the_grey_setting(tmp_path: Path, corpus: Path, fonts,
                                                   grey_photos: str, black_only: bool) -> None:
    g = cover_geometry(210, 285, 120, 0.12)
    out = tmp_path / "cover.pdf"
    render_cover(out, geometry=g, title="黑白", front_photo=front_photo_of_file(
        corpus / "photos" / "kde-grey.jpg"), fonts=fonts, icc_path=ICC, grey_photos=grey_photos)
    with pikepdf.open(out) as pdf:
        images = list(pdf.pages[0].get_images().values())
        assert len(images) == 1 and images[0].ColorSpace == "/DeviceCMYK"
        jpeg = images[0].read_raw_bytes()
    with Image.open(io.BytesIO(jpeg)) as im:
        c, m, y, _ = [plate.getextrema() for plate in im.split()]
    assert ((c, m, y) == ((0, 0),) * 3) is black_only
