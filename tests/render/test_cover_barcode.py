"""The back cover's ISBN block: the EAN-13 symbol read back by a real decoder (zbarimg) from the
rasterised sheet, its place on the trim measured in the pixels, 100 % K and PDF/X-4 intact."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from album.preflight.pdf import scan_pdf, validate_pdfx
from album.render.cover import BackCover, cover_geometry, render_cover
from album.render.fonts import load_fonts

ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
DPI = 300
PX_PER_MM = DPI / 25.4
ISBN = "978-7-5380-3309-0"

pytestmark = pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools (zbarimg) not installed")


@pytest.fixture(scope="module")
def cover(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("barcode")
    g = cover_geometry(210, 285, 240, 0.1)
    pdf = tmp / "cover.pdf"
    render_cover(pdf, geometry=g, title="山乡巨变", subtitle="凉山脱贫攻坚影像志", publisher="四川人民出版社",
                 fonts=load_fonts(), icc_path=ICC, back=BackCover(ISBN, "298.00"))
    with pikepdf.open(pdf) as doc:
        page = doc.pages[0].obj
        media, trim = [float(v) for v in page.MediaBox], [float(v) for v in page.TrimBox]
    # The back panel alone, trim to fold, rasterised at 300 dpi (pdftoppm crops in pixels).
    left = round(trim[0] / 72 * DPI)
    top = round((media[3] - trim[3]) / 72 * DPI)
    width, height = round(g.trim_w_mm * PX_PER_MM), round(g.trim_h_mm * PX_PER_MM)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", "-x", str(left), "-y", str(top),
                    "-W", str(width), "-H", str(height), str(pdf), str(tmp / "back")], check=True)
    return {"pdf": pdf, "png": tmp / "back.png", "geometry": g}


def test_barcode_reads_back_as_the_isbn(cover) -> None:
    out = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sean13.enable", str(cover["png"])],
                         capture_output=True, text=True)
    assert out.stdout.split() == [ISBN.replace("-", "")], out.stderr


def _ink(png: Path) -> Image.Image:
    """Dark pixels as 255, paper as 0."""
    return Image.open(png).convert("L").point(lambda v: 255 if v < 128 else 0)


def _clear(ink: Image.Image, box: tuple[int, int, int, int]) -> bool:
    return ink.crop(box).getbbox() is None


def test_isbn_block_sits_bottom_right_15_mm_clear_with_quiet_zones(cover) -> None:
    g = cover["geometry"]
    ink = _ink(cover["png"])
    # The lower right quarter of the back holds only the ISBN line, the symbol and the price.
    x0, y0 = round((g.trim_w_mm / 2 + 20) * PX_PER_MM), round(g.trim_h_mm / 2 * PX_PER_MM)
    found = ink.crop((x0, y0, ink.width, ink.height)).getbbox()
    assert found, "nothing drawn bottom right of the back cover"
    left, top, right, bottom = found[0] + x0, found[1] + y0, found[2] + x0, found[3] + y0
    assert g.trim_w_mm - right / PX_PER_MM >= 15.0, f"{g.trim_w_mm - right / PX_PER_MM:.1f} mm from the fold"
    assert g.trim_h_mm - bottom / PX_PER_MM >= 15.0, f"{g.trim_h_mm - bottom / PX_PER_MM:.1f} mm from the foot"
    assert left / PX_PER_MM >= 15.0 and top > y0  # bottom right, well inside the trim
    # The bars: columns inked over at least 20 mm. Left of the first bar 11 modules (3.6 mm) and
    # right of the last 7 modules (2.3 mm) stay clear over the bars' height above the digits.
    tall = round(20 * PX_PER_MM)
    columns = [x for x in range(left, right)
               if sum(1 for y in range(top, bottom) if ink.getpixel((x, y))) >= tall]
    assert columns, "no bars found"
    first, last = columns[0], columns[-1]
    bar_bottom = max(y for y in range(top, bottom) if ink.getpixel((first, y)))
    bar_top = bar_bottom
    while ink.getpixel((first, bar_top - 1)):  # up the guard bar's own run, not into the ISBN line
        bar_top -= 1
    upper = (bar_top, bar_top + round(15 * PX_PER_MM))
    assert _clear(ink, (first - round(3.6 * PX_PER_MM), upper[0], first - 1, upper[1])), "left quiet zone"
    assert _clear(ink, (last + 2, upper[0], last + round(2.3 * PX_PER_MM), upper[1])), "right quiet zone"
    width_mm = (last - first + 1) / PX_PER_MM
    assert 30.5 <= width_mm <= 31.8, width_mm  # 95 modules of 0.33 mm: the symbol at 100 %


def test_cover_stays_cmyk_pdfx_with_fonts_embedded_and_text_set(cover) -> None:
    pdf = cover["pdf"]
    assert validate_pdfx(pdf) == []
    assert scan_pdf(pdf).problems == []  # no DeviceRGB, every font embedded (the digits too)
    with pikepdf.open(pdf) as doc:
        content = doc.pages[0].obj.Contents.read_bytes().decode("latin-1")
    assert " rg" not in content and " RG" not in content
    assert "0 0 0 1 k" in content  # the bars in 100 % K
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert f"ISBN{ISBN}" in text and "定价：298.00元" in text
