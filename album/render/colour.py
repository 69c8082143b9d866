"""Colour management for the image pipeline: ICC transforms through LittleCMS, built once per
process and profile pair.

Print images go to CMYK through the album's output profile, proofs to sRGB. An embedded source
profile is honoured when it describes the pixels' colour space; untagged RGB and grey are read
as sRGB, untagged CMYK (only met in proofs) as the album's CMYK profile.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms

from album.errors import ConfigError
from album.store import sha256_file

INTENTS = {
    "relative": ImageCms.Intent.RELATIVE_COLORIMETRIC,
    "perceptual": ImageCms.Intent.PERCEPTUAL,
}


def convert_colour(im: Image.Image, *, mode: str, cmyk_profile: Path,
                   intent: str) -> Image.Image:
    """CMYK through the output profile for print, sRGB for proofs; the embedded profile, when
    it fits the pixels, says what the source colours mean."""
    icc = im.info.get("icc_profile")
    if mode == "print":
        if im.mode == "CMYK":
            return im  # already separated for print; converting again would alter the inks
        return _transform(im, icc, "CMYK", cmyk_profile, intent)
    if im.mode == "RGB" and not icc:
        return im  # untagged RGB is taken as sRGB
    return _transform(im, icc, "RGB", cmyk_profile, intent)


def to_lab(im: Image.Image, *, cmyk_profile: Path, intent: str) -> Image.Image:
    """CIELAB (Pillow's 8-bit LAB: L* 0..100 as 0..255, media-relative) through the image's
    own profile, as ``convert_colour`` reads it; untagged CMYK is read through the output
    profile. The grey separation measures lightness with it, of photos and of inks alike."""
    return _transform(im, im.info.get("icc_profile"), "LAB", cmyk_profile, intent)


def _transform(im: Image.Image, icc: bytes | None, out_mode: str, cmyk_profile: Path,
               intent: str) -> Image.Image:
    """Convert through ICC profiles. Untagged L and RGB are read as sRGB; untagged CMYK (only
    met in proofs and grey separation) as the album's CMYK profile."""
    source = _source_profile_bytes(icc, im.mode)
    if source is not None:
        source_id = "sha256:" + hashlib.sha256(source).hexdigest()
        _PROFILE_BYTES[source_id] = source
    elif im.mode == "CMYK":
        source_id = str(cmyk_profile)
    else:
        im = im.convert("RGB")
        source_id = "srgb"
    target_id = {"RGB": "srgb", "LAB": "lab"}.get(out_mode, str(cmyk_profile))
    transform = _build_transform(source_id, target_id, im.mode, out_mode, intent)
    out = ImageCms.applyTransform(im, transform)
    assert out is not None
    return out


# Embedded source profiles of this process, by "sha256:<digest>", for _build_transform.
_PROFILE_BYTES: dict[str, bytes] = {}


def _source_profile_bytes(icc: bytes | None, mode: str) -> bytes | None:
    """The embedded profile when it is readable and fits the image's colour space."""
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError):
        return None
    space = profile.profile.xcolor_space.strip()
    expected = {"L": "GRAY", "RGB": "RGB", "CMYK": "CMYK"}[mode]
    return icc if space == expected else None


def _profile(ident: str) -> ImageCms.ImageCmsProfile:
    if ident == "srgb":
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    if ident == "lab":
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
    if ident.startswith("sha256:"):
        return ImageCms.ImageCmsProfile(io.BytesIO(_PROFILE_BYTES[ident]))
    return ImageCms.ImageCmsProfile(ident)


@lru_cache(maxsize=32)
def _build_transform(source_id: str, target_id: str, in_mode: str, out_mode: str,
                     intent: str) -> ImageCms.ImageCmsTransform:
    # Lab is a measurement, not a device: black-point compensation would stretch the
    # profile's black to L* 0 and hide how dark the inks really print.
    flags = 0 if target_id == "lab" else ImageCms.Flags.BLACKPOINTCOMPENSATION
    try:
        return ImageCms.buildTransform(
            _profile(source_id), _profile(target_id), in_mode, out_mode,
            renderingIntent=INTENTS[intent], flags=flags)
    except (OSError, ImageCms.PyCMSError) as exc:
        raise ConfigError(f"色彩转换失败（ICC 配置文件不可用）：{exc}") from exc


def profile_digest(path: Path) -> str:
    """sha256 of the output profile; part of every cache key, so a new profile re-converts."""
    try:
        return _profile_digest(str(path), path.stat().st_mtime_ns)
    except OSError as exc:
        raise ConfigError(f"找不到 CMYK 色彩配置文件：{path}") from exc


@lru_cache(maxsize=8)
def _profile_digest(path: str, _mtime: int) -> str:
    return sha256_file(Path(path))
