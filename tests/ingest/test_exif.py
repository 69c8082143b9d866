"""EXIF facts from real camera files in the corpus."""

from __future__ import annotations

from datetime import datetime

import pytest
from PIL import Image, ImageOps

from album.ingest.exif import read_exif


def test_gps_in_decimal_degrees_and_date(corpus):
    facts = read_exif(corpus / "exif/jpg/gps/DSCN0010.jpg")
    assert facts.taken_at == datetime(2008, 10, 22, 16, 28, 39)
    assert facts.camera_make == "NIKON"
    assert facts.camera_model == "COOLPIX P6000"
    assert facts.gps_lat == pytest.approx(43.46745, abs=1e-4)
    assert facts.gps_lon == pytest.approx(11.88513, abs=1e-4)


@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("shape", ["landscape", "portrait"])
def test_orientation_read_for_every_value(corpus, shape, n):
    path = corpus / f"exif/jpg/orientation/{shape}_{n}.jpg"
    facts = read_exif(path)
    assert facts.orientation == n
    with Image.open(path) as im:
        upright = ImageOps.exif_transpose(im)
        assert (upright.width > upright.height) == (shape == "landscape")
    assert facts.swaps_axes == (n >= 5)


@pytest.mark.parametrize(
    "name",
    ["pillow/broken.png", "exif/jpg/corrupted.jpg", "pillow/exif_gps_typeerror.jpg",
     "exif/jpg/tests/36-memory_error.jpg", "exif/jpg/tests/87_OSError.jpg", "pillow/invalid-exif.jpg"],
)
def test_broken_exif_gives_empty_facts_not_an_error(corpus, name):
    facts = read_exif(corpus / name)
    assert 1 <= facts.orientation <= 8
    if facts.gps_lat is not None:
        assert -90 <= facts.gps_lat <= 90
