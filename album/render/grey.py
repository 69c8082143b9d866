"""Grey photos in black ink.

A photo without colour, converted through the output profile like any other, prints every grey
with cyan, magenta and yellow under the black: more ink, and a tint wherever the press drifts.
Photos found to be monochrome are separated here instead, along one neutral ink path chosen by
the home setting ``grey_photos``:

- ``k_only``: black alone, from paper white to solid K; C = M = Y = 0 exactly.
- ``gcr``: black alone up to solid K, then on towards the profile's own four-colour black, so
  only shadows darker than K alone can print get C, M and Y: the strongest grey-component
  replacement there is, and never more ink than the profile puts on its black.
- ``cmyk``: not separated here; the colour pipeline converts the photo as before.

The tone curve is the output profile's own: the path's inks are read back to L* through the
profile, whose tables hold the press's dot gain, and each grey level of the photo, measured as
L* through the photo's own profile, gets the inks that print that L*. The photo's black goes
to the path's darkest point and its white to paper, scaled in luminance Y as LittleCMS's
black-point compensation does, so midtones come out as light as in the four-colour conversion.

Detection, on the cropped and resampled photo: an L image is grey; an RGB one is when, reduced
to block means about ``SAMPLE_PX`` on its long side (the averaging removes JPEG and sensor
chroma noise), no block's channels differ by more than ``GREY_TOLERANCE`` levels of 255.
Sepia and other toned prints differ by tens of levels in the midtones and stay in colour.
CMYK originals are left alone: they are separated already.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from PIL import Image, ImageChops

from album.render.colour import convert_colour, to_lab

SAMPLE_PX = 256
GREY_TOLERANCE = 6
# Points on the leg from solid K to the four-colour black (``gcr``); the K leg has one per level.
RICH_STEPS = 64

Ink = tuple[float, float, float, float]


def is_monochrome(im: Image.Image) -> bool:
    """True for a photo with no colour in it (see the module's note for the thresholds)."""
    if im.mode == "L":
        return True
    if im.mode != "RGB":
        return False
    sample = im.reduce(max(1, max(im.size) // SAMPLE_PX))  # block means: cheap and averaging
    r, g, b = sample.split()
    high = ImageChops.lighter(ImageChops.lighter(r, g), b)
    low = ImageChops.darker(ImageChops.darker(r, g), b)
    return ImageChops.subtract(high, low).getextrema()[1] <= GREY_TOLERANCE


def separate_grey(im: Image.Image, *, black: str, cmyk_profile: Path,
                  intent: str) -> Image.Image:
    """The monochrome photo ``im`` (L or RGB) as CMYK inks along the ``black`` path
    (``k_only`` or ``gcr``)."""
    lightness = _source_lightness(im, cmyk_profile, intent)
    path = _ink_path(str(cmyk_profile), black, intent)
    inks = [_inks_for(target, path) for target in _compensated(lightness, path[-1][0])]
    grey = im if im.mode == "L" else im.convert("L")
    plates = [grey.point([round(ink[channel]) for ink in inks]) for channel in range(4)]
    return Image.merge("CMYK", plates)


def _source_lightness(im: Image.Image, cmyk_profile: Path, intent: str) -> list[float]:
    """L* of each of the 256 grey levels of ``im``'s mode, read through its own profile."""
    ramp = Image.new(im.mode, (256, 1))
    ramp.putdata([v if im.mode == "L" else (v, v, v) for v in range(256)])
    ramp.info["icc_profile"] = im.info.get("icc_profile")
    lab = to_lab(ramp, cmyk_profile=cmyk_profile, intent=intent)
    return [lab.getpixel((v, 0))[0] * 100 / 255 for v in range(256)]


@lru_cache(maxsize=8)
def _ink_path(cmyk_profile: str, black: str, intent: str) -> tuple[tuple[float, Ink], ...]:
    """(L*, inks) along the neutral path from paper to its darkest point, L* strictly falling.
    Inks that print the same 8-bit L* are averaged into one point, so the curve can be
    inverted without steps."""
    steps: list[Ink] = [(0, 0, 0, k) for k in range(256)]
    if black == "gcr":
        solid, end = steps[-1], _four_colour_black(cmyk_profile, intent)
        steps += [tuple(round(a + (b - a) * i / RICH_STEPS) for a, b in zip(solid, end))
                  for i in range(1, RICH_STEPS + 1)]
    elif black != "k_only":
        raise ValueError(f"unknown grey separation {black!r}")
    ramp = Image.new("CMYK", (len(steps), 1))
    ramp.putdata(steps)
    lab = to_lab(ramp, cmyk_profile=Path(cmyk_profile), intent="relative")
    groups: list[tuple[int, list[Ink]]] = []
    for i, ink in enumerate(steps):
        level = lab.getpixel((i, 0))[0]
        if groups and level == groups[-1][0]:
            groups[-1][1].append(ink)
        elif not groups or level < groups[-1][0]:
            groups.append((level, [ink]))
    return tuple((level * 100 / 255, _mean(inks)) for level, inks in groups)


def _four_colour_black(cmyk_profile: str, intent: str) -> Ink:
    """What the colour pipeline prints for black: the profile's darkest neutral."""
    black = convert_colour(Image.new("RGB", (1, 1)), mode="print",
                           cmyk_profile=Path(cmyk_profile), intent=intent)
    return black.getpixel((0, 0))


def _mean(inks: list[Ink]) -> Ink:
    return tuple(sum(channel) / len(inks) for channel in zip(*inks))


def _compensated(lightness: list[float], darkest: float) -> list[float]:
    """Black-point compensation along the grey axis: the photo's L* range onto paper ..
    ``darkest``, linear in luminance Y."""
    y_black = _y(darkest)
    return [_l_star(y_black + (1 - y_black) * _y(level)) for level in lightness]


def _inks_for(target: float, path: tuple[tuple[float, Ink], ...]) -> Ink:
    """Inks that print L* ``target``, interpolated between the two nearest points."""
    if target >= path[0][0]:
        return path[0][1]
    for (l0, ink0), (l1, ink1) in pairwise(path):
        if target >= l1:
            t = (l0 - target) / (l0 - l1)
            return tuple(a + (b - a) * t for a, b in zip(ink0, ink1))
    return path[-1][1]


def _y(l_star: float) -> float:
    """CIE luminance Y (0..1) of lightness L*."""
    return ((l_star + 16) / 116) ** 3 if l_star > 8 else l_star / 903.3


def _l_star(y: float) -> float:
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 903.3
