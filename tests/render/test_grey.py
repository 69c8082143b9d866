"""Grey photos in black ink, at the image stage: which photos count as grey, what inks their
print JPEG holds per setting, that colour photos are untouched, and the setting itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from locations import CORPUS
from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat

from album.config import DEFAULT_CMYK_PROFILE, load_settings
from album.errors import ConfigError
from album.layout.book import Crop
from album.render.colour import to_lab
from album.render.grey import GREY_TOLERANCE, is_monochrome
from album.render.images import make_request, prepare_image
from album.store import LocalMediaStore

PROFILE = DEFAULT_CMYK_PROFILE
# Ghostscript's "sGray" profile, to tag a grey photo with: it reads level 128 as L* 61, where
# untagged grey (taken as sRGB) is L* 54.
GREY_PROFILE = Path("/usr/share/color/icc/ghostscript/sgray.icc")
# Photos of the corpus that are grey already: an L JPEG and an RGB JPEG with equal channels.
GREY_IN_CORPUS = {"kde-grey.jpg", "kde-coldripple.jpg"}


@pytest.fixture(scope="module")
def grey_files(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Path]:
    """A colour photo made grey three ways, and toned sepia (which is not grey)."""
    folder = tmp_path_factory.mktemp("grey")
    with Image.open(corpus / "photos" / "mate-wood.jpg") as original:
        grey = original.convert("L")
    files = {"l": folder / "wood-l.jpg", "rgb": folder / "wood-rgb.jpg",
             "sepia": folder / "wood-sepia.jpg", "png": folder / "wood-la.png",
             "tagged": folder / "wood-l-tagged.jpg"}
    grey.save(files["l"], quality=92)
    grey.save(files["tagged"], quality=92, icc_profile=GREY_PROFILE.read_bytes())
    grey.convert("RGB").save(files["rgb"], quality=92)
    ImageOps.colorize(grey, (40, 26, 13), (255, 240, 192)).save(files["sepia"], quality=92)
    grey.convert("LA").save(files["png"])
    return files


def prep(store: LocalMediaStore, path: Path, grey_photos: str, mode: str = "print"):
    return prepare_image(path, store=store, crop=Crop(), orientation=1, placed_w_mm=120,
                         placed_h_mm=80, ppi=150, mode=mode, cmyk_profile=PROFILE,
                         grey_photos=grey_photos)


def plates(path: Path) -> list[Image.Image]:
    with Image.open(path) as im:
        assert im.mode == "CMYK"
        return [plate.copy() for plate in im.split()]


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "photos").glob("*.jpg")))
def test_corpus_photos_are_grey_only_when_they_have_no_colour(corpus: Path, name: str) -> None:
    with Image.open(corpus / "photos" / name) as im:
        im.draft("RGB", (512, 512))
        assert is_monochrome(im if im.mode == "L" else im.convert("RGB")) == (name in GREY_IN_CORPUS)


def test_grey_made_three_ways_is_grey_and_sepia_is_not(grey_files: dict[str, Path]) -> None:
    for kind in ("l", "rgb"):
        with Image.open(grey_files[kind]) as im:
            assert is_monochrome(im), kind
    with Image.open(grey_files["sepia"]) as im:
        assert not is_monochrome(im)


def test_tolerance_is_a_small_tint_not_a_toned_print() -> None:
    grey = Image.linear_gradient("L").resize((300, 200))
    for shift, grey_expected in ((GREY_TOLERANCE, True), (GREY_TOLERANCE + 4, False)):
        red = grey.point(lambda v, s=shift: min(255, v + s))
        assert is_monochrome(Image.merge("RGB", (red, grey, grey))) is grey_expected, shift


@pytest.mark.parametrize("kind", ["l", "rgb", "png"])
def test_k_only_prints_grey_photos_in_black_ink_alone(store, grey_files, kind: str) -> None:
    prepared = prep(store, grey_files[kind], "k_only")
    c, m, y, k = plates(prepared.path)
    assert prepared.colour_mode == "CMYK"
    assert [plate.getextrema() for plate in (c, m, y)] == [(0, 0)] * 3
    low, high = k.getextrema()
    assert high - low > 150  # the photo's tones are all there, in K


@pytest.mark.parametrize("kind", ["l", "tagged"])
def test_k_only_keeps_the_photos_lightness(store, grey_files, kind: str) -> None:
    """The K plate is the grey through the profile's K tone curve: read back through the
    profile, its lightness follows the four-colour print of the same photo, except in the
    deepest shadows, which K alone cannot print as dark. A grey profile embedded in the photo
    counts, as it does for the four-colour conversion."""
    k_only = prep(store, grey_files[kind], "k_only")
    four = prep(store, grey_files[kind], "cmyk")
    with Image.open(k_only.path) as a, Image.open(four.path) as b:
        assert a.getchannel("C").getextrema() == (0, 0)
        la = to_lab(a, cmyk_profile=PROFILE, intent="relative").getchannel("L")
        lb = to_lab(b, cmyk_profile=PROFILE, intent="relative").getchannel("L")
    midtones = lb.point(lambda v: 255 if 100 <= v <= 230 else 0)  # L* 40..90
    difference = ImageStat.Stat(ImageChops.difference(la, lb), mask=midtones)
    assert difference.mean[0] < 3 * 2.55  # within 3 L* on average


def test_gcr_adds_colour_only_where_black_alone_is_not_dark_enough(store, corpus) -> None:
    """Solid K prints L* 22 on this profile; the photo's black goes to the profile's
    four-colour black (L* 17). So only greys darker than about L* 12 in the photo (sRGB level
    ~30) need C, M and Y; everything lighter is black ink alone."""
    original = corpus / "photos" / "kde-grey.jpg"
    prepared = prep(store, original, "gcr")
    c, m, y, k = plates(prepared.path)
    with Image.open(original) as im:
        assert im.mode == "L"
        source = im.resize(k.size, Image.Resampling.BOX)
    # Eroded masks, so that resampling differences at the edges between them do not count.
    lighter = source.point(lambda v: 255 if v > 45 else 0).filter(ImageFilter.MinFilter(9))
    darkest = source.point(lambda v: 255 if v < 15 else 0).filter(ImageFilter.MinFilter(9))
    area = ImageStat.Stat(lighter).sum[0] / 255
    assert area > 0.3 * k.width * k.height and ImageStat.Stat(darkest).mean[0] > 0.5
    for plate in (c, m, y):
        # The separation puts no colour there; the JPEG of a plate with deep shadows nearby
        # rings by a few levels (a four-colour grey here would carry over 150).
        inked = plate.point(lambda v: 255 if v else 0)
        assert ImageStat.Stat(inked, mask=lighter).sum[0] / 255 < 0.02 * area
        assert ImageStat.Stat(plate, mask=lighter).extrema[0][1] <= 16
        assert ImageStat.Stat(plate, mask=darkest).mean[0] > 60
    assert ImageStat.Stat(k, mask=darkest).mean[0] > 200


def test_cmyk_setting_keeps_four_colour_for_grey(store, grey_files) -> None:
    c, m, y, _ = plates(prep(store, grey_files["l"], "cmyk").path)
    assert all(ImageStat.Stat(plate).mean[0] > 20 for plate in (c, m, y))


def test_colour_photo_is_byte_identical_whatever_the_setting(store, corpus) -> None:
    photo = corpus / "photos" / "mate-greenmeadow.jpg"
    outputs = {name: prep(store, photo, name) for name in ("k_only", "gcr", "cmyk")}
    assert len({p.path for p in outputs.values()}) == 3  # three cache entries...
    assert len({p.path.read_bytes() for p in outputs.values()}) == 1  # ...of the same JPEG
    c, m, y, _ = plates(outputs["k_only"].path)
    assert all(ImageStat.Stat(plate).mean[0] > 10 for plate in (c, m, y))


def test_a_changed_setting_renders_again_and_proofs_do_not_care(store, grey_files) -> None:
    first = prep(store, grey_files["rgb"], "k_only")
    assert prep(store, grey_files["rgb"], "k_only").from_cache
    changed = prep(store, grey_files["rgb"], "cmyk")
    assert not changed.from_cache and changed.path != first.path

    def key(grey_photos: str, mode: str) -> str:
        return make_request(grey_files["rgb"], crop=Crop(), orientation=1, placed_w_mm=120,
                            placed_h_mm=80, ppi=150, mode=mode, cmyk_profile=PROFILE,
                            grey_photos=grey_photos).cache_key()
    assert len({key(g, "print") for g in ("k_only", "gcr", "cmyk")}) == 3
    assert len({key(g, "proof") for g in ("k_only", "gcr", "cmyk")}) == 1
    # A proof is sRGB whatever the setting: the grey photo stays grey RGB.
    proof = prep(store, grey_files["rgb"], "k_only", mode="proof")
    with Image.open(proof.path) as im:
        assert im.mode == "RGB" and is_monochrome(im)


def test_unknown_setting_is_refused(store, grey_files) -> None:
    with pytest.raises(ValueError):
        prep(store, grey_files["l"], "black")


def test_setting_read_from_album_toml_and_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ALBUM_GREY_PHOTOS", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    assert load_settings(home).grey_photos == "k_only"
    (home / "album.toml").write_text('grey_photos = "gcr"\n', encoding="utf-8")
    assert load_settings(home).grey_photos == "gcr"
    monkeypatch.setenv("ALBUM_GREY_PHOTOS", "cmyk")
    assert load_settings(home).grey_photos == "cmyk"
    monkeypatch.setenv("ALBUM_GREY_PHOTOS", "grey")
    with pytest.raises(ConfigError, match="grey_photos"):
        load_settings(home)


def test_embedded_grey_profile_changes_the_k_plate(store, grey_files) -> None:
    """The same pixels tagged with a flatter grey profile are lighter colours, so less black."""
    plain = plates(prep(store, grey_files["l"], "k_only").path)[3]
    tagged = plates(prep(store, grey_files["tagged"], "k_only").path)[3]
    assert ImageStat.Stat(tagged).mean[0] < ImageStat.Stat(plain).mean[0] - 10
