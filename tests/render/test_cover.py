"""The cover sheet: geometry from page count and caliper, boxes read back, spine text, PDF/X-4."""

from __future__ import annotations

import math
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from album.errors import ConfigError, RenderError
from album.preflight.pdf import scan_pdf
from album.render.cover import cover_geometry, front_photo_of_file, render_cover
from album.render.fonts import load_fonts
from album.preflight.pdf import validate_pdfx

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
