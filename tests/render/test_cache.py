"""Incremental renders through the real path (ingest → render_album): the image cache is hit
when nothing that decides an image's pixels changed, exactly the changed crop is processed
again, and an original already fit for its frame is embedded byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from album.ingest.captions import PhotoMeta
from album.catalog import create_album
from album.config import load_settings
from album.db import transaction
from album.home import Home, open_home
from album.ingest.importer import import_paths
from album.models import Chapter, Photo, Pin, ReviewState
from album.publish import render_album

pytestmark = pytest.mark.slow  # renders whole albums, cold and warm

CORPUS_PHOTOS = ["kde-path.jpg", "kde-kite.jpg", "mate-storm.jpg", "kde-fallenleaf.jpg",
                 "mate-wood.jpg", "mate-dune.jpg", "kde-eveningglow.jpg", "mate-garden.jpg"]
# Sized for the single-caption template (contain, so never cropped): the type area is
# 150–190 mm wide, so 2300 px is at or above 300 ppi and under 1.5 × the target; 1150 px the
# same at the proof's 150 ppi.
CMYK_SIZE, RGB_SIZE = (2300, 1533), (1150, 767)


def gradient(size: tuple[int, int], mode: str) -> Image.Image:
    w, h = size
    im = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (im, im.transpose(Image.Transpose.ROTATE_90).resize(size),
                               Image.new("L", size, 90))).convert(mode)


@pytest.fixture(scope="module")
def album(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> tuple[Home, int, Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("cache")
    files = root / "in"
    files.mkdir()
    captions = {}
    for i, name in enumerate(CORPUS_PHOTOS):
        (files / name).write_bytes((corpus / "photos" / name).read_bytes())
        captions[name] = PhotoMeta(caption=f"第{i + 1}幅照片的说明。", photographer="测试",
                                   chapter="第一篇" if i < 4 else "第二篇")
    gradient(CMYK_SIZE, "CMYK").save(files / "ready-cmyk.jpg", quality=90)
    gradient(RGB_SIZE, "RGB").save(files / "ready-rgb.jpg", quality=90)
    for name in ("ready-cmyk.jpg", "ready-rgb.jpg"):
        captions[name] = PhotoMeta(caption="已按版面尺寸准备好的照片。", chapter="第二篇")
    home = open_home(load_settings(root / "home", workers=2), create=True)
    with transaction(home.factory) as session:
        album_id = create_album(session, "缓存测试").id
    report = import_paths(home.factory, home.store, home.settings.limits, album_id, [files],
                          captions=captions, status=ReviewState.accepted)
    assert report.count("added") == len(captions)
    with transaction(home.factory) as session:
        ids = {p.original_name: p.id for p in session.scalars(select(Photo))}
        for name in ("ready-cmyk.jpg", "ready-rgb.jpg"):
            session.add(Pin(album_id=album_id, template="single-caption", photo_ids=[ids[name]]))
    yield home, album_id, files, ids
    home.close()


def render(home: Home, album_id: int, kind: str = "print"):
    return render_album(home, album_id, kind)


def placed(outcome, photo_id: int):
    return next(img for img in outcome.report.images if img.photo_id == photo_id)


def test_cold_then_warm_after_caption_change(album):
    home, album_id, files, ids = album
    cold = render(home, album_id)
    photos = len(ids)
    # Every photo but the print-ready CMYK one went through the pipeline once.
    assert (cold.report.images_processed, cold.report.images_passthrough) == (photos - 1, 1)
    assert cold.report.images_cached == 0
    with transaction(home.factory) as session:
        session.get(Photo, ids["kde-kite.jpg"]).caption = "改过的说明：风筝飞得更高了。"
    warm = render(home, album_id)
    assert warm.report.images_processed == 0 and warm.report.images_passthrough == 0
    assert warm.report.images_cached == photos
    assert "风筝飞得更高了" in "".join(
        b.text for p in warm.book.pages for f in p.text_frames() for b in f.blocks)


def test_reordering_chapters_renders_from_cache(album):
    home, album_id, _, ids = album
    render(home, album_id)
    with transaction(home.factory) as session:
        chapters = session.scalars(select(Chapter).order_by(Chapter.position, Chapter.id)).all()
        first, second = chapters[0].position, chapters[1].position
        chapters[0].position, chapters[1].position = second + 1, first
    again = render(home, album_id)
    assert again.report.images_processed == 0 and again.report.images_cached == len(ids)


def test_one_moved_crop_is_the_only_image_processed(album):
    home, album_id, _, ids = album
    before = render(home, album_id)
    # A photo that its frame crops sideways: moving its focal point moves the crop.
    frame = next(f for p in before.book.pages for f in p.photo_frames()
                 if f.crop.right - f.crop.left < 0.9)
    with transaction(home.factory) as session:
        photo = session.get(Photo, frame.photo_id)
        photo.focal_x = 0.0 if photo.focal_x > 0.25 else 1.0
    after = render(home, album_id)
    moved = next(f for p in after.book.pages for f in p.photo_frames()
                 if f.photo_id == frame.photo_id)
    assert moved.crop != frame.crop
    assert after.report.images_processed == 1
    assert after.report.images_cached == len(ids) - 1


def test_print_ready_cmyk_original_is_embedded_byte_for_byte(album):
    home, album_id, files, ids = album
    outcome = render(home, album_id)
    pdf = outcome.pdf_path.read_bytes()
    cmyk = placed(outcome, ids["ready-cmyk.jpg"])
    assert cmyk.passthrough and cmyk.colour_mode == "CMYK"
    assert (cmyk.pixels_w, cmyk.pixels_h) == CMYK_SIZE
    assert (files / "ready-cmyk.jpg").read_bytes() in pdf
    # The RGB one is not fit for print: converted to CMYK, so its bytes are not in the PDF.
    rgb = placed(outcome, ids["ready-rgb.jpg"])
    assert not rgb.passthrough and rgb.colour_mode == "CMYK"
    assert (files / "ready-rgb.jpg").read_bytes() not in pdf
    assert outcome.preflight.summary()["errors"] == 0


def test_proof_ready_srgb_original_is_embedded_byte_for_byte(album):
    home, album_id, files, ids = album
    outcome = render(home, album_id, "proof")
    pdf = outcome.pdf_path.read_bytes()
    rgb = placed(outcome, ids["ready-rgb.jpg"])
    assert rgb.passthrough and (rgb.pixels_w, rgb.pixels_h) == RGB_SIZE
    assert (files / "ready-rgb.jpg").read_bytes() in pdf
    cmyk = placed(outcome, ids["ready-cmyk.jpg"])
    assert not cmyk.passthrough and cmyk.colour_mode == "RGB"
    # A corpus photo is twice the proof's pixels: resampled, not passed through.
    kite = placed(outcome, ids["kde-kite.jpg"])
    assert not kite.passthrough and kite.effective_ppi > 1.5 * 150
