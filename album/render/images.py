"""Photos as the PDF needs them: upright, cropped, resampled down to the placed size at the
target ppi, colour-converted (CMYK through the output profile for print, sRGB for proof; grey
photos in print to black ink as ``grey_photos`` says, see ``grey``) and encoded as JPEG into the
media store's cache.

Each prepared image is keyed by everything that decides its pixels, so an unchanged photo is
processed once however often the album is rendered. An original that is already what the PDF
needs is not processed at all but embedded as it is (see ``passthrough``); that decision is
cached too. Work runs in a process pool; the writer only ever holds file paths, never decoded
pixels.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from album.config import DEFAULT_GREY_PHOTOS, GREY_PHOTOS
from album.errors import RenderError
from album.layout.book import Crop
from album.messages import explain_error
from album.render.colour import INTENTS, convert_colour, profile_digest
from album.render.grey import is_monochrome, separate_grey
from album.render.passthrough import MAX_OVERSIZE, embeddable_as_is
from album.store import MediaStore, sha256_file
from album.units import exif_orientation, pixels_for, upright_size

# Bump when the pipeline changes in a way that changes pixels, so old cache entries are ignored.
# 2: originals already fit for the frame are embedded as they are.
PIPELINE_VERSION = 3  # 3: a crop within MAX_OVERSIZE of the target is cropped, not resampled
# Print: 4:4:4, because a CMYK JPEG has no luminance/chroma split; subsampling would halve the
# resolution of the K plate that carries the detail. Proof: 4:2:0 is fine on screen and small.
JPEG_SETTINGS = {
    "print": {"quality": 92, "subsampling": 0},
    "proof": {"quality": 85, "subsampling": 2},
}
# Pillow's names for the EXIF orientations 2..8, turning the stored pixels upright.
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
@dataclass(frozen=True)
class ImageRequest:
    """Everything that decides a prepared image's pixels; picklable for the worker pool."""

    original: Path
    sha256: str
    crop: Crop
    orientation: int | None  # None: read it from the file's EXIF
    target_w_px: int
    target_h_px: int
    placed_w_mm: float
    placed_h_mm: float
    mode: str  # "print" or "proof"
    cmyk_profile: Path
    profile_sha256: str
    intent: str
    grey_photos: str = DEFAULT_GREY_PHOTOS  # print only: how monochrome photos are separated

    def cache_key(self) -> str:
        parts = [
            PIPELINE_VERSION, self.sha256, [self.crop.left, self.crop.top, self.crop.right,
                                            self.crop.bottom],
            self.orientation, self.target_w_px, self.target_h_px, self.mode,
            self.profile_sha256, self.intent, JPEG_SETTINGS[self.mode],
        ]
        if self.mode == "print" and self.grey_photos != "cmyk":
            # Only where it can change pixels: "cmyk" is the pipeline as it was before grey
            # separation, so its entries (and every proof's) stay valid.
            parts.append(self.grey_photos)
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@dataclass(frozen=True)
class PreparedImage:
    """A JPEG ready to embed. ``path`` is a cache file, or the original itself when
    ``passthrough`` (then the PDF holds the original's bytes)."""

    path: Path
    width_px: int
    height_px: int
    colour_mode: str  # "CMYK", "RGB" (sRGB) or "L"
    effective_ppi: float  # the original's pixels over the placed crop
    from_cache: bool = False
    passthrough: bool = False


def target_pixels(placed_w_mm: float, placed_h_mm: float, ppi: int) -> tuple[int, int]:
    return pixels_for(placed_w_mm, ppi), pixels_for(placed_h_mm, ppi)


def make_request(original: Path, *, crop: Crop, orientation: int | None, placed_w_mm: float,
                 placed_h_mm: float, ppi: int, mode: str, cmyk_profile: Path,
                 intent: str = "relative", sha256: str | None = None,
                 profile_sha256: str | None = None,
                 grey_photos: str = DEFAULT_GREY_PHOTOS) -> ImageRequest:
    if mode not in JPEG_SETTINGS:
        raise ValueError(f"unknown mode {mode!r}")
    if intent not in INTENTS:
        raise ValueError(f"unknown rendering intent {intent!r}")
    if grey_photos not in GREY_PHOTOS:
        raise ValueError(f"unknown grey separation {grey_photos!r}")
    if not (0 <= crop.left < crop.right <= 1 and 0 <= crop.top < crop.bottom <= 1):
        raise RenderError(f"照片裁切范围无效：{crop}")
    tw, th = target_pixels(placed_w_mm, placed_h_mm, ppi)
    return ImageRequest(
        original=Path(original), sha256=sha256 or sha256_file(Path(original)), crop=crop,
        orientation=orientation, target_w_px=tw, target_h_px=th, placed_w_mm=placed_w_mm,
        placed_h_mm=placed_h_mm, mode=mode, cmyk_profile=Path(cmyk_profile),
        profile_sha256=profile_sha256 or profile_digest(Path(cmyk_profile)), intent=intent,
        grey_photos=grey_photos)


def prepare_image(original: Path, *, store: MediaStore, crop: Crop, orientation: int | None,
                  placed_w_mm: float, placed_h_mm: float, ppi: int, mode: str,
                  cmyk_profile: Path, intent: str = "relative", sha256: str | None = None,
                  grey_photos: str = DEFAULT_GREY_PHOTOS) -> PreparedImage:
    """Prepare one photo for a frame of the given placed size, from the cache when possible."""
    request = make_request(original, crop=crop, orientation=orientation,
                           placed_w_mm=placed_w_mm, placed_h_mm=placed_h_mm, ppi=ppi,
                           mode=mode, cmyk_profile=cmyk_profile, intent=intent, sha256=sha256,
                           grey_photos=grey_photos)
    return cached_image(request, store) or process_request(request, store)


def cached_image(request: ImageRequest, store: MediaStore) -> PreparedImage | None:
    """The prepared image if its facts are in the cache, with the JPEG they point to: the
    cached one, or the original for a pass-through."""
    key = request.cache_key()
    facts = store.cache_path(key, ".json")
    try:
        data = json.loads(facts.read_text(encoding="utf-8"))
        passthrough = bool(data.get("passthrough", False))
        jpeg = _fetch_original(request, store) if passthrough else store.cache_path(key, ".jpg")
        if not jpeg.is_file():
            return None
        return PreparedImage(path=jpeg, width_px=int(data["width_px"]),
                             height_px=int(data["height_px"]),
                             colour_mode=str(data["colour_mode"]),
                             effective_ppi=float(data["effective_ppi"]), from_cache=True,
                             passthrough=passthrough)
    except (ValueError, KeyError, TypeError, OSError):
        return None  # missing or damaged: simply made again


def process_request(request: ImageRequest, store: MediaStore) -> PreparedImage:
    """Decode, orient, crop, resample, convert and encode; write JPEG then facts to the cache.
    An original that is already fit for the frame is only recorded, not processed."""
    request = replace(request, original=_fetch_original(request, store))
    fit = embeddable_as_is(request.original, mode=request.mode, crop=request.crop,
                           orientation=request.orientation, target_w_px=request.target_w_px,
                           target_h_px=request.target_h_px)
    if fit is not None:
        effective_ppi = request.crop.effective_ppi(fit.width_px, fit.height_px, request.placed_w_mm,
                                                   request.placed_h_mm)
        prepared = PreparedImage(path=request.original, width_px=fit.width_px,
                                 height_px=fit.height_px, colour_mode=fit.colour_mode,
                                 effective_ppi=effective_ppi, passthrough=True)
        _put_facts(store, request.cache_key(), prepared)
        return prepared
    image, effective_ppi = _load_upright_crop(request)
    image = _separate(image, request)
    buf = io.BytesIO()
    image.save(buf, "JPEG", **JPEG_SETTINGS[request.mode])
    key = request.cache_key()
    path = store.put_cache(key, ".jpg", buf.getvalue())
    prepared = PreparedImage(path=path, width_px=image.width, height_px=image.height,
                             colour_mode=image.mode, effective_ppi=effective_ppi)
    _put_facts(store, key, prepared)
    return prepared


def _fetch_original(request: ImageRequest, store: MediaStore) -> Path:
    """The original as a local file, fetched only now that its pixels or bytes are needed (a
    remote store); ``request.original`` itself when it is a file outside the store (a cover
    rendered without one)."""
    if request.original.is_file():
        return request.original
    return store.original_path(request.sha256)


def _separate(image: Image.Image, request: ImageRequest) -> Image.Image:
    """The photo in the PDF's colour: grey photos in print along their own ink path, everything
    else through the colour pipeline."""
    if request.mode == "print" and request.grey_photos != "cmyk" and is_monochrome(image):
        return separate_grey(image, black=request.grey_photos, cmyk_profile=request.cmyk_profile,
                             intent=request.intent)
    return convert_colour(image, mode=request.mode, cmyk_profile=request.cmyk_profile,
                          intent=request.intent)


def _put_facts(store: MediaStore, key: str, prepared: PreparedImage) -> None:
    """Written last: its presence is what makes a cache entry count."""
    facts = {k: v for k, v in asdict(prepared).items() if k not in ("path", "from_cache")}
    store.put_cache(key, ".json", json.dumps(facts).encode())


def _open(path: Path) -> Image.Image:
    try:
        return Image.open(path)
    except FileNotFoundError as exc:
        raise RenderError(f"找不到照片原件：{path.name}") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise RenderError(f"照片无法读取：{path.name}（{explain_error(exc)}）") from exc


def _load_upright_crop(request: ImageRequest) -> tuple[Image.Image, float]:
    im = _open(request.original)
    orientation = exif_orientation(im.getexif().get(0x0112) if request.orientation is None else request.orientation)
    raw_w, raw_h = im.size
    up_w, up_h = upright_size(raw_w, raw_h, orientation)
    crop = request.crop
    crop_w_px = (crop.right - crop.left) * up_w
    crop_h_px = (crop.bottom - crop.top) * up_h
    effective_ppi = crop.effective_ppi(up_w, up_h, request.placed_w_mm, request.placed_h_mm)
    # Shrink factor that still fills the frame; >= 1 means the original is too small: keep it.
    # A crop already within MAX_OVERSIZE of the target (300–450 ppi in print) is only cropped:
    # resampling it would cost a LANCZOS pass for pixels the printer can use anyway.
    scale = min(1.0, max(request.target_w_px / crop_w_px, request.target_h_px / crop_h_px))
    if scale >= 1.0 / MAX_OVERSIZE:
        scale = 1.0

    if im.format == "JPEG" and scale < 0.5:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 while staying >= the pixels we need.
        need = (max(1, int(raw_w * scale) + 1), max(1, int(raw_h * scale) + 1))
        im.draft(im.mode, need)
    try:
        im.load()
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise RenderError(f"照片数据损坏，无法解码：{request.original.name}（{explain_error(exc)}）") from exc
    icc = im.info.get("icc_profile")
    im = _normalise_mode(im)

    # Crop and resample in the stored orientation and turn only the small result upright:
    # turning the full decoded picture first would cost a copy of it in time and memory.
    left, top, right, bottom = _stored_box(crop, orientation)
    w, h = im.size  # stored size after draft
    box = (left * w, top * h, right * w, bottom * h)
    out_w = max(1, round(crop_w_px * scale))
    out_h = max(1, round(crop_h_px * scale))
    if scale < 1.0 or (w, h) != (raw_w, raw_h):
        size = upright_size(out_w, out_h, orientation)  # the same turn, back to stored axes
        out = im.resize(size, Image.Resampling.LANCZOS, box=box)
    else:
        out = im.crop(tuple(round(v) for v in box))
    if orientation in TRANSPOSE:
        out = out.transpose(TRANSPOSE[orientation])
    out.info["icc_profile"] = icc
    return out, effective_ppi


def _stored_box(crop: Crop, orientation: int) -> tuple[float, float, float, float]:
    """The crop (fractions of the upright picture) as fractions of the stored pixels, for the
    EXIF orientation that turns stored into upright."""
    l, t, r, b = crop.left, crop.top, crop.right, crop.bottom
    return {
        1: (l, t, r, b),
        2: (1 - r, t, 1 - l, b),
        3: (1 - r, 1 - b, 1 - l, 1 - t),
        4: (l, 1 - b, r, 1 - t),
        5: (t, l, b, r),
        6: (t, 1 - r, b, 1 - l),
        7: (1 - b, 1 - r, 1 - t, 1 - l),
        8: (1 - b, l, 1 - t, r),
    }[orientation]


def _normalise_mode(im: Image.Image) -> Image.Image:
    """Bring any decoded image to 8-bit L, RGB or CMYK; transparency is flattened on white
    paper, because print has no alpha."""
    if im.mode in ("L", "RGB", "CMYK"):
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: scale 0..65535 down to 0..255 (convert("L") would clip instead).
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "F":
        return im.point(lambda v: v * 255).convert("L")
    if im.mode == "1":
        return im.convert("L")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
            im.mode == "P" and "transparency" in im.info) or "transparency" in im.info:
        rgba = im.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return im.convert("RGB")


def _worker(request: ImageRequest, store: MediaStore) -> PreparedImage:
    return process_request(request, store)


class ImagePool:
    """Prepares many requests: cache hits are answered at once, misses go to worker
    processes (or run inline when only one worker is wanted). ``get`` blocks per request.
    Counters: ``processed`` images went through the pixel pipeline, ``passed_through`` were
    found fit to embed as they are, ``cached`` were answered from the cache."""

    def __init__(self, store: MediaStore, workers: int = 0) -> None:
        self.store = store
        self.workers = workers or os.cpu_count() or 1
        self._pending: dict[str, Future[PreparedImage]] = {}
        self._done: dict[str, PreparedImage] = {}
        self._executor: ProcessPoolExecutor | None = None
        self.processed = 0
        self.passed_through = 0
        self.cached = 0

    def __enter__(self) -> ImagePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def submit_all(self, requests: Iterable[ImageRequest]) -> None:
        misses: dict[str, ImageRequest] = {}
        for request in requests:
            key = request.cache_key()
            if key in self._done or key in self._pending or key in misses:
                continue
            hit = cached_image(request, self.store)
            if hit is not None:
                self._done[key] = hit
                self.cached += 1
            else:
                misses[key] = request
        if self.workers > 1 and (len(misses) > 1 or self._executor is not None):
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=min(self.workers, len(misses)), mp_context=_mp_context())
            for key, request in misses.items():
                self._pending[key] = self._executor.submit(_worker, request, self.store)
        else:
            for key, request in misses.items():
                self._done[key] = self._count(_worker(request, self.store))

    def get(self, request: ImageRequest) -> PreparedImage:
        key = request.cache_key()
        if key not in self._done:
            if key not in self._pending:
                self.submit_all([request])
            if key in self._pending:
                try:
                    self._done[key] = self._count(self._pending.pop(key).result())
                except BrokenProcessPool as exc:
                    raise RenderError("图像处理进程意外退出（内存不足或被终止），请重试或减少并行数") from exc
        return self._done[key]

    def _count(self, prepared: PreparedImage) -> PreparedImage:
        if prepared.passthrough:
            self.passed_through += 1
        else:
            self.processed += 1
        return prepared


def _mp_context() -> multiprocessing.context.BaseContext:
    """fork when this process has a single thread (fast, and scripts need no ``__main__``
    guard); forkserver otherwise, because forking a threaded process (a web server running
    the render in a thread) can copy locks held by other threads and deadlock the child."""
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # The server imports the pipeline once and its children inherit it: otherwise every
        # pool (one per part of a render drawn in parts) pays ~0.7 s of imports per process.
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


__all__ = ["ImagePool", "ImageRequest", "PreparedImage", "make_request", "prepare_image",
           "profile_digest", "target_pixels"]
