"""EXIF facts a photo album needs: date taken, camera, GPS in decimal degrees, orientation.

exifread is used because it reads the tags without decoding pixels and copes with the broken
maker notes real cameras write; a file whose EXIF cannot be parsed simply has no EXIF facts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import exifread

logging.getLogger("exifread").setLevel(logging.ERROR)

DATE_TAGS = ("EXIF DateTimeOriginal", "EXIF DateTimeDigitized", "Image DateTime")


@dataclass(frozen=True)
class ExifFacts:
    taken_at: datetime | None = None
    camera_make: str = ""
    camera_model: str = ""
    gps_lat: float | None = None
    gps_lon: float | None = None
    orientation: int = 1

    @property
    def swaps_axes(self) -> bool:
        """Orientations 5–8 are stored rotated by 90°: width and height swap when upright."""
        return self.orientation in (5, 6, 7, 8)


def read_exif(path: Path) -> ExifFacts:
    """Read EXIF from ``path``; unreadable or absent EXIF gives empty facts, never an error."""
    try:
        with open(path, "rb") as fh:
            tags = exifread.process_file(fh, details=False)
    except Exception:  # noqa: BLE001 - exifread raises anything on hostile input
        return ExifFacts()
    return ExifFacts(
        taken_at=_date(tags),
        camera_make=_text(tags.get("Image Make")),
        camera_model=_text(tags.get("Image Model")),
        gps_lat=_gps(tags, "GPS GPSLatitude", "GPS GPSLatitudeRef", "S", 90),
        gps_lon=_gps(tags, "GPS GPSLongitude", "GPS GPSLongitudeRef", "W", 180),
        orientation=_orientation(tags.get("Image Orientation")),
    )


def _text(tag: Any) -> str:
    if tag is None:
        return ""
    return str(tag).replace("\x00", "").strip()[:120]


def _date(tags: dict[str, Any]) -> datetime | None:
    for name in DATE_TAGS:
        raw = _text(tags.get(name))
        for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d"):
            try:
                return datetime.strptime(raw[: len("0000:00:00 00:00:00")], fmt)
            except ValueError:
                continue
    return None


def _orientation(tag: Any) -> int:
    try:
        value = int(tag.values[0])
    except (AttributeError, IndexError, TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def _gps(tags: dict[str, Any], name: str, ref_name: str, negative: str, limit: int) -> float | None:
    tag = tags.get(name)
    try:
        d, m, s = (Fraction(v.num, v.den) if hasattr(v, "num") else Fraction(v) for v in tag.values)
        value = float(d + m / 60 + s / 3600)
    except (AttributeError, TypeError, ValueError, ZeroDivisionError):
        return None
    if _text(tags.get(ref_name)).upper().startswith(negative):
        value = -value
    if not -limit <= value <= limit:
        return None
    return round(value, 7)
