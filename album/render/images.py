"""Photos as the PDF needs them: upright, cropped, resampled down to the placed size at the
target ppi, colour-converted (CMYK through the output profile for print, sRGB for proof) and
encoded as JPEG into the media store's cache.

Each prepared image is keyed by everything that decides its pixels, so an unchanged photo is
processed once however often the album is rendered. Work runs in a process pool; the writer
only ever holds file paths, never decoded pixels.
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
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from album.book import Crop
from album.errors import ConfigError, RenderError
from album.store import MediaStore, sha256_file

# Bump when the pipeline changes in a way that changes pixels, so old cache entries are ignored.
PIPELINE_VERSION = 1
MM_PER_INCH = 25.4
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
INTENTS = {
    "relative": ImageCms.Intent.RELATIVE_COLORIMETRIC,
    "perceptual": ImageCms.Intent.PERCEPTUAL,
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

    def cache_key(self) -> str:
        parts = [
            PIPELINE_VERSION, self.sha256, [self.crop.left, self.crop.top, self.crop.right,
                                            self.crop.bottom],
            self.orientation, self.target_w_px, self.target_h_px, self.mode,
            self.profile_sha256, self.intent, JPEG_SETTINGS[self.mode],
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@dataclass(frozen=True)
class PreparedImage:
    path: Path
    width_px: int
    height_px: int
    colour_mode: str  # "CMYK", "RGB" (sRGB) or "L"
    effective_ppi: float  # the original's pixels over the placed crop
    from_cache: bool = False


def target_pixels(placed_w_mm: float, placed_h_mm: float, ppi: int) -> tuple[int, int]:
    return (max(1, round(placed_w_mm / MM_PER_INCH * ppi)),
            max(1, round(placed_h_mm / MM_PER_INCH * ppi)))


def make_request(original: Path, *, crop: Crop, orientation: int | None, placed_w_mm: float,
                 placed_h_mm: float, ppi: int, mode: str, cmyk_profile: Path,
                 intent: str = "relative", sha256: str | None = None,
                 profile_sha256: str | None = None) -> ImageRequest:
    if mode not in JPEG_SETTINGS:
        raise ValueError(f"unknown mode {mode!r}")
    if intent not in INTENTS:
        raise ValueError(f"unknown rendering intent {intent!r}")
    if not (0 <= crop.left < crop.right <= 1 and 0 <= crop.top < crop.bottom <= 1):
        raise RenderError(f"照片裁切范围无效：{crop}")
    tw, th = target_pixels(placed_w_mm, placed_h_mm, ppi)
    return ImageRequest(
        original=Path(original), sha256=sha256 or sha256_file(Path(original)), crop=crop,
        orientation=orientation, target_w_px=tw, target_h_px=th, placed_w_mm=placed_w_mm,
        placed_h_mm=placed_h_mm, mode=mode, cmyk_profile=Path(cmyk_profile),
        profile_sha256=profile_sha256 or profile_digest(Path(cmyk_profile)), intent=intent)


def prepare_image(original: Path, *, store: MediaStore, crop: Crop, orientation: int | None,
                  placed_w_mm: float, placed_h_mm: float, ppi: int, mode: str,
                  cmyk_profile: Path, intent: str = "relative",
                  sha256: str | None = None) -> PreparedImage:
    """Prepare one photo for a frame of the given placed size, from the cache when possible."""
    request = make_request(original, crop=crop, orientation=orientation,
                           placed_w_mm=placed_w_mm, placed_h_mm=placed_h_mm, ppi=ppi,
                           mode=mode, cmyk_profile=cmyk_profile, intent=intent, sha256=sha256)
    return cached_image(request, store) or process_request(request, store)


def cached_image(request: ImageRequest, store: MediaStore) -> PreparedImage | None:
    """The prepared image if both the JPEG and its facts are in the cache."""
    key = request.cache_key()
    jpeg, facts = store.cache_path(key, ".jpg"), store.cache_path(key, ".json")
    if not (jpeg.is_file() and facts.is_file()):
        return None
    try:
        data = json.loads(facts.read_text(encoding="utf-8"))
        return PreparedImage(path=jpeg, width_px=int(data["width_px"]),
                             height_px=int(data["height_px"]),
                             colour_mode=str(data["colour_mode"]),
                             effective_ppi=float(data["effective_ppi"]), from_cache=True)
    except (ValueError, KeyError, OSError):
        return None  # a damaged entry is simply made again


def process_request(request: ImageRequest, store: MediaStore) -> PreparedImage:
    """Decode, orient, crop, resample, convert and encode; write JPEG then facts to the cache."""
    image, effective_ppi = _load_upright_crop(request)
    image = _convert_colour(image, request)
    buf = io.BytesIO()
    image.save(buf, "JPEG", **JPEG_SETTINGS[request.mode])
    key = request.cache_key()
    path = store.put_cache(key, ".jpg", buf.getvalue())
    prepared = PreparedImage(path=path, width_px=image.width, height_px=image.height,
                             colour_mode=image.mode, effective_ppi=effective_ppi)
    facts = {k: v for k, v in asdict(prepared).items() if k not in ("path", "from_cache")}
    store.put_cache(key, ".json", json.dumps(facts).encode())
    return prepared


def _open(path: Path) -> Image.Image:
    try:
        return Image.open(path)
    except FileNotFoundError as exc:
        raise RenderError(f"找不到照片原件：{path.name}") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise RenderError(f"照片无法读取：{path.name}（{exc}）") from exc


def _load_upright_crop(request: ImageRequest) -> tuple[Image.Image, float]:
    im = _open(request.original)
    orientation = request.orientation
    if orientation is None:
        orientation = im.getexif().get(0x0112, 1)
    if orientation not in range(1, 9):
        orientation = 1
    raw_w, raw_h = im.size
    swapped = orientation in (5, 6, 7, 8)
    up_w, up_h = (raw_h, raw_w) if swapped else (raw_w, raw_h)
    crop = request.crop
    crop_w_px = (crop.right - crop.left) * up_w
    crop_h_px = (crop.bottom - crop.top) * up_h
    effective_ppi = min(crop_w_px / (request.placed_w_mm / MM_PER_INCH),
                        crop_h_px / (request.placed_h_mm / MM_PER_INCH))
    # Shrink factor that still fills the frame; >= 1 means the original is too small: keep it.
    scale = min(1.0, max(request.target_w_px / crop_w_px, request.target_h_px / crop_h_px))

    if im.format == "JPEG" and scale < 0.5:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 while staying >= the pixels we need.
        need = (max(1, int(raw_w * scale) + 1), max(1, int(raw_h * scale) + 1))
        im.draft(im.mode, need)
    try:
        im.load()
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise RenderError(f"照片数据损坏，无法解码：{request.original.name}（{exc}）") from exc
    icc = im.info.get("icc_profile")
    im = _normalise_mode(im)
    if orientation in TRANSPOSE:
        im = im.transpose(TRANSPOSE[orientation])
    if icc:
        im.info["icc_profile"] = icc

    w, h = im.size  # upright size after draft
    box = (crop.left * w, crop.top * h, crop.right * w, crop.bottom * h)
    out_w = max(1, round(crop_w_px * scale))
    out_h = max(1, round(crop_h_px * scale))
    if scale < 1.0 or (w, h) != (up_w, up_h):
        out = im.resize((out_w, out_h), Image.Resampling.LANCZOS, box=box)
    else:
        out = im.crop(tuple(round(v) for v in box))
    out.info["icc_profile"] = icc
    return out, effective_ppi


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


def _convert_colour(im: Image.Image, request: ImageRequest) -> Image.Image:
    icc = im.info.get("icc_profile")
    if request.mode == "print":
        if im.mode == "CMYK":
            return im  # already separated for print; converting again would alter the inks
        return _transform(im, icc, "CMYK", request)
    if im.mode == "RGB" and not icc:
        return im  # untagged RGB is taken as sRGB
    return _transform(im, icc, "RGB", request)


def _transform(im: Image.Image, icc: bytes | None, out_mode: str,
               request: ImageRequest) -> Image.Image:
    """Convert through ICC profiles. Untagged L and RGB are read as sRGB; untagged CMYK (only
    met in proofs) as the album's CMYK profile."""
    source = _source_profile_bytes(icc, im.mode)
    if source is not None:
        source_id = "sha256:" + hashlib.sha256(source).hexdigest()
        _PROFILE_BYTES[source_id] = source
    elif im.mode == "CMYK":
        source_id = str(request.cmyk_profile)
    else:
        im = im.convert("RGB")
        source_id = "srgb"
    target_id = "srgb" if out_mode == "RGB" else str(request.cmyk_profile)
    transform = _build_transform(source_id, target_id, im.mode, out_mode, request.intent)
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
    if ident.startswith("sha256:"):
        return ImageCms.ImageCmsProfile(io.BytesIO(_PROFILE_BYTES[ident]))
    return ImageCms.ImageCmsProfile(ident)


@lru_cache(maxsize=32)
def _build_transform(source_id: str, target_id: str, in_mode: str, out_mode: str,
                     intent: str) -> ImageCms.ImageCmsTransform:
    try:
        return ImageCms.buildTransform(
            _profile(source_id), _profile(target_id), in_mode, out_mode,
            renderingIntent=INTENTS[intent], flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
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


def _worker(request: ImageRequest, store: MediaStore) -> PreparedImage:
    return process_request(request, store)


class ImagePool:
    """Prepares many requests: cache hits are answered at once, misses go to worker
    processes (or run inline when only one worker is wanted). ``get`` blocks per request."""

    def __init__(self, store: MediaStore, workers: int = 0) -> None:
        self.store = store
        self.workers = workers or os.cpu_count() or 1
        self._pending: dict[str, Future[PreparedImage]] = {}
        self._done: dict[str, PreparedImage] = {}
        self._executor: ProcessPoolExecutor | None = None
        self.processed = 0
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
                self._done[key] = _worker(request, self.store)
                self.processed += 1

    def get(self, request: ImageRequest) -> PreparedImage:
        key = request.cache_key()
        if key not in self._done:
            if key not in self._pending:
                self.submit_all([request])
            if key in self._pending:
                try:
                    self._done[key] = self._pending.pop(key).result()
                except BrokenProcessPool as exc:
                    raise RenderError("图像处理进程意外退出（内存不足或被终止），请重试或减少并行数") from exc
                self.processed += 1
        return self._done[key]


def _mp_context() -> multiprocessing.context.BaseContext:
    """fork when this process has a single thread (fast, and scripts need no ``__main__``
    guard); forkserver otherwise, because forking a threaded process (a web server running
    the render in a thread) can copy locks held by other threads and deadlock the child."""
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


__all__ = ["ImagePool", "ImageRequest", "PreparedImage", "make_request", "prepare_image",
           "profile_digest", "target_pixels"]
