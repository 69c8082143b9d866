"""Colour in the print PDF, checked the way a printing house's RIP sees it: Ghostscript renders
every page, and the ink values of a CMYK original and of a photo with a non-sRGB ICC profile
come out close to what ImageCms makes of the original."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageOps, ImageStat

from album.layout.book import PhotoFrame
from album.catalog import create_album, get_or_create_chapter
from album.ingest.captions import PhotoMeta
from album.config import DEFAULT_CMYK_PROFILE, load_settings
from album.db import transaction
from album.home import open_home
from album.ingest.importer import import_paths
from album.models import ReviewState
from album.publish import render_album
from album.render.marks import PrintSheet
from album.store import sha256_file

pytestmark = pytest.mark.slow  # renders a whole album and rasterises it with Ghostscript

DPI = 72
SAMPLES = {
    "pil_sample_cmyk.jpg": "一张 CMYK 原图：应保持原有的油墨值。",
    "icc_profile_big.jpg": "带非 sRGB 色彩配置文件（TIFF RGB）的照片。",
}


@pytest.fixture(scope="module")
def printed(tmp_path_factory, corpus: Path):
    tmp = tmp_path_factory.mktemp("colour")
    pillow = corpus / "pillow"
    home = open_home(load_settings(tmp / "home"), create=True)
    with transaction(home.factory) as s:
        album = create_album(s, "色彩")
        get_or_create_chapter(s, album, "色彩")
        album_id = album.id
    captions = {name: PhotoMeta(caption=text, photographer="测试", chapter="色彩")
                for name, text in SAMPLES.items()}
    report = import_paths(home.factory, home.store, home.settings.limits, album_id,
                          [pillow / name for name in SAMPLES], captions=captions,
                          status=ReviewState.accepted)
    assert report.count("added") == 2
    outcome = render_album(home, album_id, "print", out_path=tmp / "print.pdf")
    yield {"pdf": tmp / "print.pdf", "book": outcome.book, "home": home, "pillow": pillow, "tmp": tmp}
    home.close()


def test_ghostscript_renders_every_page_and_qpdf_is_clean(printed):
    gs = subprocess.run(["gs", "-q", "-dBATCH", "-dNOPAUSE", "-dPDFSTOPONERROR", "-sDEVICE=nullpage",
                         str(printed["pdf"])], capture_output=True, text=True, timeout=300)
    assert gs.returncode == 0 and "Error" not in gs.stdout + gs.stderr, gs.stdout + gs.stderr
    qpdf = subprocess.run(["qpdf", "--check", str(printed["pdf"])], capture_output=True, text=True)
    assert qpdf.returncode == 0, qpdf.stdout


def _cmyk_page(pdf, page: int, tmp) -> Image.Image:
    """The page as Ghostscript separates it: DeviceCMYK values pass through untouched."""
    out = tmp / f"sep-{page}.tif"
    subprocess.run(["gs", "-q", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiff32nc", f"-r{DPI}",
                    f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={out}", str(pdf)],
                   check=True, timeout=300)
    return Image.open(out).convert("CMYK")


def _to_cmyk(image: Image.Image, profile: bytes | None) -> Image.Image:
    """What ImageCms makes of the original for the press: its own profile (sRGB when it has
    none) to the output profile, relative colorimetric with black-point compensation."""
    if image.mode == "CMYK":
        return image
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile)) if profile else ImageCms.createProfile("sRGB")
    transform = ImageCms.buildTransform(
        source, ImageCms.ImageCmsProfile(str(DEFAULT_CMYK_PROFILE)), image.mode, "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
    return ImageCms.applyTransform(image, transform)


def _distance(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_colour_of_placed_photo_is_plausible(printed, name):
    home, book = printed["home"], printed["book"]
    sha = sha256_file(printed["pillow"] / name)
    page, frame = next((p, f) for p in book.pages for f in p.frames
                       if isinstance(f, PhotoFrame) and f.sha256 == sha)
    sheet = PrintSheet.for_trim(book.trim_width_mm, book.trim_height_mm, book.bleed_mm, True)
    scale = DPI / 72
    mm = 72 / 25.4
    x0 = (sheet.margin + frame.rect.x_mm * mm) * scale
    y0 = (sheet.margin + frame.rect.y_mm * mm) * scale
    x1 = x0 + frame.rect.width_mm * mm * scale
    y1 = y0 + frame.rect.height_mm * mm * scale
    inset = 3
    area = _cmyk_page(printed["pdf"], page.number, printed["tmp"]).crop(
        (round(x0) + inset, round(y0) + inset, round(x1) - inset, round(y1) - inset))
    shown = ImageStat.Stat(area).mean

    with Image.open(home.store.original_path(sha)) as original:
        icc = original.info.get("icc_profile")
        upright = ImageOps.exif_transpose(original)
        c = frame.crop
        w, h = upright.size
        region = upright.crop((round(c.left * w), round(c.top * h), round(c.right * w), round(c.bottom * h)))
        expected = ImageStat.Stat(_to_cmyk(region, icc)).mean
        naive = ImageStat.Stat(_to_cmyk(region, None)).mean
    assert _distance(shown, expected) < 8, (name, shown, expected)
    if icc:
        # Ignoring the photo's own profile (reading it as sRGB) gives other inks; the PDF must
        # be nearer the profile-aware conversion than that.
        assert _distance(naive, expected) > 8, (naive, expected)
        assert _distance(shown, expected) < _distance(shown, naive)
