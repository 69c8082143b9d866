"""The image pipeline on real corpus files: upright, cropped, never upsampled, right colour."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from album.layout.book import Crop
from album.config import DEFAULT_CMYK_PROFILE
from album.errors import RenderError
from album.render.images import ImagePool, make_request, prepare_image
from album.store import LocalMediaStore

PROFILE = DEFAULT_CMYK_PROFILE


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    a, b = a.convert("RGB"), b.convert("RGB")
    if a.size != b.size:
        b = b.resize(a.size, Image.Resampling.BILINEAR)
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def exif_orientation(path: Path) -> int:
    with Image.open(path) as im:
        return int(im.getexif().get(0x0112, 1))


def prep(store: LocalMediaStore, path: Path, *, mode: str = "proof", crop: Crop = Crop(),
         w_mm: float = 500, h_mm: float = 500, ppi: int | None = None,
         orientation: int | None = None):
    return prepare_image(path, store=store, crop=crop,
                         orientation=exif_orientation(path) if orientation is None else orientation,
                         placed_w_mm=w_mm, placed_h_mm=h_mm,
                         ppi=ppi or (300 if mode == "print" else 150), mode=mode,
                         cmyk_profile=PROFILE)


SAME_SIZE_TURNS = [None, Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM,
                   Image.Transpose.ROTATE_180]


def closest_turn(out: Image.Image, expected: Image.Image) -> tuple[object, float]:
    """Which flip of ``expected`` ``out`` matches, and how much better than the runner-up.
    Robust to colour conversion, which shifts every variant alike."""
    diffs = sorted((mean_diff(out, expected if t is None else expected.transpose(t)),
                    "upright" if t is None else t.name) for t in SAME_SIZE_TURNS)
    return diffs[0][1], diffs[1][0] - diffs[0][0]


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
def test_every_exif_orientation_comes_out_upright(store, corpus, kind):
    folder = corpus / "exif" / "jpg" / "orientation"
    with Image.open(folder / f"{kind}_1.jpg") as ref_file:
        reference = ref_file.convert("RGB")
    for n in range(1, 9):
        path = folder / f"{kind}_{n}.jpg"
        assert exif_orientation(path) == n
        prepared = prep(store, path)
        with Image.open(path) as original, Image.open(prepared.path) as out:
            expected = ImageOps.exif_transpose(original).convert("RGB")
            assert out.size == expected.size == reference.size, n
            # Same as Pillow's own exif_transpose, and the same scene as the upright file.
            assert closest_turn(out, expected)[0] == "upright", n
            turn, margin = closest_turn(out, reference)
            assert turn == "upright" and margin > 10, n


def test_orientation_read_from_file_when_not_given(store, corpus):
    path = corpus / "pillow" / "hopper_orientation_6.jpg"
    prepared = prepare_image(path, store=store, crop=Crop(), orientation=None, placed_w_mm=50,
                             placed_h_mm=50, ppi=150, mode="proof", cmyk_profile=PROFILE)
    with Image.open(path) as original, Image.open(prepared.path) as out:
        assert mean_diff(out, ImageOps.exif_transpose(original)) < 6


def test_crop_is_respected_on_the_upright_photo(store, corpus):
    path = corpus / "exif" / "jpg" / "orientation" / "portrait_6.jpg"  # stored landscape
    crop = Crop(left=0.5, top=0.0, right=1.0, bottom=0.5)
    prepared = prep(store, path, crop=crop)
    with Image.open(path) as original, Image.open(prepared.path) as out:
        upright = ImageOps.exif_transpose(original).convert("RGB")
        w, h = upright.size
        quadrants = {(qx, qy): upright.crop((qx * w // 2, qy * h // 2, (qx + 1) * w // 2,
                                             (qy + 1) * h // 2))
                     for qx in (0, 1) for qy in (0, 1)}
        assert out.size == quadrants[1, 0].size
        # The file carries a non-sRGB profile, so colours shift a little; the top-right
        # quarter must still match far better than any other.
        diffs = sorted((mean_diff(out, q), key) for key, q in quadrants.items())
        assert diffs[0][1] == (1, 0) and diffs[1][0] - diffs[0][0] > 10


def test_large_original_resampled_to_placed_size_times_ppi(store, large_photo):
    path = large_photo  # 5640 x 3172
    # 120 x 67.5 mm has the photo's 16:9 aspect; at 300 ppi that is 1417 x 797 pixels.
    prepared = prep(store, path, mode="print", w_mm=120, h_mm=67.5)
    assert (prepared.width_px, prepared.height_px) == (1417, 797)
    assert prepared.effective_ppi == pytest.approx(5640 / (120 / 25.4), rel=1e-3)
    with Image.open(prepared.path) as out:
        assert out.size == (1417, 797)
        assert out.mode == "CMYK"


def test_small_original_is_never_upsampled(store, corpus):
    path = corpus / "pillow" / "flower2.jpg"  # 300 x 225
    crop = Crop(0.0, 0.0, 0.5, 1.0)
    prepared = prep(store, path, mode="print", crop=crop, w_mm=100, h_mm=150)
    assert (prepared.width_px, prepared.height_px) == (150, 225)
    assert prepared.effective_ppi == pytest.approx(150 / (100 / 25.4), rel=1e-3)


def test_print_is_cmyk_and_proof_is_rgb(store, corpus):
    path = corpus / "photos" / "kde-kite.jpg"
    for mode, expected in (("print", "CMYK"), ("proof", "RGB")):
        prepared = prep(store, path, mode=mode, w_mm=80, h_mm=50)
        with Image.open(prepared.path) as out:
            assert out.mode == expected == prepared.colour_mode


@pytest.mark.parametrize("name", ["photos/kde-grey.jpg", "pillow/16bit.cropped.tif",
                                  "pillow/pil123rgba.png", "pillow/hopper.gif",
                                  "pillow/p_trns_single.png", "pillow/icc_profile_big.jpg",
                                  "pillow/tiff_strip_cmyk_16l_jpeg.tif"])
def test_unusual_modes_become_cmyk_for_print(store, corpus, name):
    prepared = prep(store, corpus / name, mode="print", w_mm=40, h_mm=40)
    with Image.open(prepared.path) as out:
        assert out.mode == "CMYK"


def test_transparent_png_is_flattened_on_white(store, corpus):
    path = corpus / "pillow" / "pil123rgba.png"
    prepared = prep(store, path, mode="proof", w_mm=40, h_mm=40)
    with Image.open(path) as original, Image.open(prepared.path) as out:
        alpha = original.getchannel("A")
        clear = [xy for xy in ((x, y) for x in range(0, original.width, 7)
                               for y in range(0, original.height, 7)) if alpha.getpixel(xy) == 0]
        assert clear, "test file should have transparent pixels"
        rgb = out.convert("RGB")
        white = [xy for xy in clear if min(rgb.getpixel(xy)) > 235]
        assert len(white) > 0.9 * len(clear)  # the rest is JPEG ringing at edges


def test_cmyk_original_stays_cmyk_and_plausible(store, corpus):
    cmyk_path = corpus / "pillow" / "pil_sample_cmyk.jpg"
    rgb_path = corpus / "pillow" / "pil_sample_rgb.jpg"  # the same picture in RGB
    printed = prep(store, cmyk_path, mode="print", w_mm=50, h_mm=50)
    proof = prep(store, cmyk_path, mode="proof", w_mm=50, h_mm=50)
    with Image.open(cmyk_path) as original, Image.open(printed.path) as out:
        assert out.mode == "CMYK"
        # Not converted a second time: the inks are the original's, up to JPEG noise.
        diff = ImageStat.Stat(ImageChops.difference(original, out)).mean
        assert max(diff) < 4
    with Image.open(rgb_path) as rgb, Image.open(proof.path) as out:
        assert out.mode == "RGB"
        assert mean_diff(out, rgb) < 30
        assert mean_diff(out, ImageChops.invert(rgb.convert("RGB"))) > 60


def test_second_call_is_a_cache_hit(store, corpus):
    path = corpus / "photos" / "mate-dune.jpg"
    first = prep(store, path, mode="print", w_mm=60, h_mm=40)
    stamp = first.path.stat().st_mtime_ns
    second = prep(store, path, mode="print", w_mm=60, h_mm=40)
    assert not first.from_cache and second.from_cache
    assert second.path == first.path and second.path.stat().st_mtime_ns == stamp
    assert (second.width_px, second.height_px, second.effective_ppi) == (
        first.width_px, first.height_px, first.effective_ppi)
    other = prep(store, path, mode="print", w_mm=60, h_mm=40, crop=Crop(0.1, 0, 1, 1))
    assert not other.from_cache and other.path != first.path


def test_pool_processes_in_workers_then_hits_cache(store, corpus):
    photos = sorted((corpus / "photos").glob("kde-*.jpg"))[:4]
    requests = [make_request(p, crop=Crop(), orientation=1, placed_w_mm=64, placed_h_mm=40,
                             ppi=150, mode="proof", cmyk_profile=PROFILE) for p in photos]
    with ImagePool(store, workers=2) as pool:
        pool.submit_all(requests + requests[:1])
        results = [pool.get(r) for r in requests]
    assert (pool.processed, pool.cached) == (4, 0)
    assert all(r.path.is_file() and (r.width_px, r.height_px) == (378, 236) for r in results)
    with ImagePool(store, workers=2) as pool:
        pool.submit_all(requests)
        assert [pool.get(r).path for r in requests] == [r.path for r in results]
    assert (pool.processed, pool.cached) == (0, 4)


@pytest.mark.parametrize("name", ["pillow/truncated_jpeg.jpg", "pillow/hopper.heif",
                                  "pillow/broken.png"])
def test_unreadable_original_raises_render_error(store, corpus, name):
    with pytest.raises(RenderError, match="照片"):
        prep(store, corpus / name, mode="print", w_mm=40, h_mm=40, orientation=1)


@pytest.mark.parametrize("w_mm,resampled", [(120, True), (300, True), (360, False), (470, False)])
def test_a_crop_within_450_ppi_is_cropped_not_resampled(store, large_photo, w_mm: float, resampled: bool):
    """5640 px across 120 mm is 1194 ppi and across 300 mm 477 ppi: both resampled to 300 ppi.
    Across 360 mm (398 ppi) and 470 mm (305 ppi) every pixel of the crop is kept."""
    h_mm = w_mm * 3172 / 5640
    prepared = prep(store, large_photo, mode="print", w_mm=w_mm, h_mm=h_mm)
    target_w = round(w_mm / 25.4 * 300)
    if resampled:
        assert abs(prepared.width_px - target_w) <= 1  # the fill scale rounds to the pixel
    else:
        assert (prepared.width_px, prepared.height_px) == (5640, 3172)
        assert prepared.width_px <= 1.5 * target_w
