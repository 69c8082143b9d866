"""Grey photos in the print PDF, separated the way a printing house's RIP does it: Ghostscript
renders the page to CMYK (tiff32nc passes DeviceCMYK through untouched) and the plates are
read over each photo's area. A grey photo and a grey-but-RGB photo print in black ink only
next to a colour photo that keeps its four colours; with ``grey_photos = "cmyk"`` in
album.toml the grey photos get four colours again."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from sqlalchemy import select

from album.catalog import create_album, get_or_create_chapter
from album.config import load_settings
from album.db import transaction
from album.home import open_home
from album.ingest.captions import PhotoMeta
from album.ingest.importer import import_paths
from album.layout.book import Book, PhotoFrame
from album.models import Album, Photo, Pin, ReviewState
from album.preflight.pdf import scan_pdf, validate_pdfx
from album.publish import render_album
from album.render.marks import PrintSheet
from album.store import sha256_file

DPI = 72
INSET_PX = 3  # keep clear of the photo's edges, where Ghostscript blends with the page


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    files = {"grey": folder / "wood-grey.jpg", "rgb-grey": folder / "dune-rgb-grey.jpg",
             "colour": corpus / "photos" / "mate-greenmeadow.jpg"}
    with Image.open(corpus / "photos" / "mate-wood.jpg") as im:
        im.convert("L").save(files["grey"], quality=92)
    with Image.open(corpus / "photos" / "mate-dune.jpg") as im:
        im.convert("L").convert("RGB").save(files["rgb-grey"], quality=92)
    return files


@pytest.fixture(scope="module")
def home_dir(tmp_path_factory: pytest.TempPathFactory, photos: dict[str, Path]) -> Path:
    """An album of the three photos, pinned to one page (a wide photo over two)."""
    root = tmp_path_factory.mktemp("grey") / "home"
    home = open_home(load_settings(root), create=True)
    try:
        with transaction(home.factory) as s:
            album = create_album(s, "黑白")
            get_or_create_chapter(s, album, "黑白与彩色")
            album_id = album.id
        names = ["grey", "colour", "rgb-grey"]
        captions = {photos[n].name: PhotoMeta(caption=f"{n} 照片", photographer="测试",
                                              chapter="黑白与彩色") for n in names}
        report = import_paths(home.factory, home.store, home.settings.limits, album_id,
                              [photos[n] for n in names], captions=captions,
                              status=ReviewState.accepted)
        assert report.count("added") == 3
        with transaction(home.factory) as s:
            ids = {p.sha256: p.id for p in s.scalars(select(Photo).where(Photo.album_id == album_id))}
            s.add(Pin(album_id=album_id, template="three-one-two",
                      photo_ids=[ids[sha256_file(photos[n])] for n in names]))
    finally:
        home.close()
    return root


@pytest.fixture(autouse=True)
def _setting_from_album_toml_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALBUM_GREY_PHOTOS", raising=False)


def _render(home_dir: Path, out: Path) -> tuple[Path, Book]:
    home = open_home(load_settings(home_dir))
    try:
        with transaction(home.factory) as s:
            album_id = s.scalars(select(Album)).one().id
        outcome = render_album(home, album_id, "print", out_path=out)
        return out, outcome.book
    finally:
        home.close()


def _areas(book: Book, photos: dict[str, Path]) -> tuple[int, dict[str, tuple[int, ...]]]:
    """The page holding the photos, and each photo's pixel box on it at DPI."""
    sheet = PrintSheet.for_trim(book.trim_width_mm, book.trim_height_mm, book.bleed_mm, True)
    shas = {sha256_file(path): name for name, path in photos.items()}
    found = {shas[f.sha256]: (page.number, f) for page in book.pages for f in page.frames
             if isinstance(f, PhotoFrame) and f.sha256 in shas}
    pages = {number for number, _ in found.values()}
    assert len(found) == 3 and len(pages) == 1, "the pin puts the three photos on one page"
    px = DPI / 25.4
    boxes = {}
    for name, (_, frame) in found.items():
        x0 = sheet.margin * DPI / 72 + frame.rect.x_mm * px
        y0 = sheet.margin * DPI / 72 + frame.rect.y_mm * px
        boxes[name] = (round(x0) + INSET_PX, round(y0) + INSET_PX,
                       round(x0 + frame.rect.width_mm * px) - INSET_PX,
                       round(y0 + frame.rect.height_mm * px) - INSET_PX)
    return pages.pop(), boxes


def _separated(pdf: Path, page: int) -> Image.Image:
    out = pdf.with_name(f"{pdf.stem}-p{page}.tif")
    subprocess.run(["gs", "-q", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiff32nc", f"-r{DPI}",
                    f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={out}", str(pdf)],
                   check=True, timeout=300)
    with Image.open(out) as im:
        return im.convert("CMYK")


def _plates(page: Image.Image, box: tuple[int, ...]) -> dict[str, ImageStat.Stat]:
    area = page.crop(box)
    return {name: ImageStat.Stat(plate) for name, plate in zip("CMYK", area.split())}


def test_grey_photos_print_in_black_ink_beside_a_colour_photo(home_dir, photos, tmp_path):
    pdf, book = _render(home_dir, tmp_path / "k-only.pdf")  # no album.toml: k_only by default
    page_number, boxes = _areas(book, photos)
    page = _separated(pdf, page_number)
    for name in ("grey", "rgb-grey"):
        plates = _plates(page, boxes[name])
        assert [plates[ink].extrema[0] for ink in "CMY"] == [(0, 0)] * 3, name
        low, high = plates["K"].extrema[0]
        assert high - low > 150, (name, low, high)  # the photo is there, in black
    colour = _plates(page, boxes["colour"])
    assert all(colour[ink].mean[0] > 20 for ink in "CMY"), {k: v.mean for k, v in colour.items()}

    assert validate_pdfx(pdf) == []
    scan = scan_pdf(pdf)
    assert scan.images and {image.colour for image in scan.images} == {"CMYK"}


def test_cmyk_setting_gives_grey_photos_four_colours(home_dir, photos, tmp_path):
    (home_dir / "album.toml").write_text('grey_photos = "cmyk"\n', encoding="utf-8")
    try:
        pdf, book = _render(home_dir, tmp_path / "cmyk.pdf")
    finally:
        (home_dir / "album.toml").unlink()
    page_number, boxes = _areas(book, photos)
    page = _separated(pdf, page_number)
    for name in ("grey", "rgb-grey"):
        plates = _plates(page, boxes[name])
        assert all(plates[ink].mean[0] > 20 for ink in "CMY"), (name, plates["C"].mean)
    assert validate_pdfx(pdf) == []
