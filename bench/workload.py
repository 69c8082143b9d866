"""The benchmark's album: N photos made from the photos in this repository, imported through the
real ingest path.

The repository holds 21 distinct desktop-size photos (1.3–5 MP, most 4 MP): the demo album's
(demo/photos) and the test corpus's (tests/corpus/photos; 14 files are in both and count once).
A real album has hundreds of distinct camera files (12–45 MP), so the workload is made from
them like this, and says so:
- one 18 MP photo among the desktop-size sources: a repository photo cut to 16:9 and upscaled
  (LANCZOS) to 5640 × 3172, JPEG quality 95;
- camera-size sources: a few repository photos upscaled (LANCZOS) to 12–24 MP and saved as a
  camera would (JPEG quality 95, 4:2:0). These and the 18 MP one are as large and as slow to
  decode as camera files, but hold no more detail than their 4–5 MP originals, so they compress
  better than real ones;
- every photo of the album is its own file: a source's bytes with a JPEG comment (COM segment)
  naming the photo, so the pixels are the source's but the sha256 is new, as ingest requires;
- photos reusing a source get different focal points, so their crops (and cache keys) differ.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import struct
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from album.ingest.captions import PhotoMeta
from album.catalog import create_album
from album.config import load_settings
from album.db import transaction
from album.home import Home, open_home
from album.ingest.importer import import_paths
from album.models import Album, Photo, ReviewState

REPO = Path(__file__).resolve().parents[1]
PHOTO_DIRS = (REPO / "demo" / "photos", REPO / "tests" / "corpus" / "photos")
LARGE_SOURCE, LARGE_SIZE = "mate-wood.jpg", (5640, 3172)  # the one 18 MP source, upscaled
CAMERA_MEGAPIXELS = (12, 16, 20, 24)
CAMERA_SOURCES = 8
PHOTOS_PER_CHAPTER = 60
PLACES = ["江畔", "山村", "古镇", "新区", "田野", "港口", "校园", "工地"]
SCENES = ["清晨的薄雾笼罩着", "午后的阳光照亮了", "傍晚时分，人们聚在", "雨后初晴，",
          "节日里，张灯结彩的", "丰收季节，金黄的"]


@dataclass(frozen=True)
class Workload:
    home: Path
    album_id: int
    photos: int
    corpus_photos: int
    camera_photos: int
    camera_sources: tuple[str, ...]
    input_bytes: int

    def describe(self) -> str:
        sizes = "/".join(str(mp) for mp in CAMERA_MEGAPIXELS)
        return (f"{self.photos} photos, each its own file ({self.input_bytes / 2**20:.0f} MB): "
                f"{self.corpus_photos} from the {len(repo_photos())} repository photos (~4 MP) "
                f"plus one of them UPSCALED to 18 MP, "
                f"{self.camera_photos} from {len(self.camera_sources)} repository photos UPSCALED "
                f"to camera size ({sizes} MP, q95) — see bench/workload.py")


def repo_photos() -> list[Path]:
    """The distinct photos of demo/photos and tests/corpus/photos (same bytes count once), by name."""
    seen: dict[str, Path] = {}
    for folder in PHOTO_DIRS:
        for path in sorted(folder.glob("*.jpg")):
            seen.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return sorted(seen.values(), key=lambda p: p.name)


def upscale(src: Path, dest: Path, size: tuple[int, int]) -> Path:
    """``src`` cut to the aspect of ``size`` around its centre, upscaled (LANCZOS), JPEG q95."""
    if not dest.is_file():
        with Image.open(src) as im:
            im = im.convert("RGB")
            if im.width * size[1] > size[0] * im.height:  # too wide: trim the sides
                w = round(im.height * size[0] / size[1])
                im = im.crop(((im.width - w) // 2, 0, (im.width - w) // 2 + w, im.height))
            elif im.width * size[1] < size[0] * im.height:  # too tall: trim top and bottom
                h = round(im.width * size[1] / size[0])
                im = im.crop((0, (im.height - h) // 2, im.width, (im.height - h) // 2 + h))
            im.resize(size, Image.Resampling.LANCZOS).save(dest, "JPEG", quality=95)
    return dest


def large_source(out_dir: Path) -> Path:
    """The one 18 MP photo among the desktop-size sources; made once per folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    src = next(p for p in repo_photos() if p.name == LARGE_SOURCE)
    return upscale(src, out_dir / f"large-18mp-{src.stem}.jpg", LARGE_SIZE)


def camera_sources(out_dir: Path, count: int = CAMERA_SOURCES) -> list[Path]:
    """Upscaled copies of the first ``count`` repository photos (all landscape); made once per
    folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for index, src in enumerate(repo_photos()[:count]):
        mp = CAMERA_MEGAPIXELS[index % len(CAMERA_MEGAPIXELS)]
        with Image.open(src) as im:
            scale = (mp * 1e6 / (im.width * im.height)) ** 0.5
            size = (round(im.width * scale), round(im.height * scale))
        made.append(upscale(src, out_dir / f"camera-{mp}mp-{src.stem}.jpg", size))
    return made


def write_variant(src: Path, dest: Path, tag: str) -> None:
    """``src`` with a COM segment after SOI: same pixels, different bytes."""
    data = src.read_bytes()
    if data[:2] != b"\xff\xd8":
        raise ValueError(f"{src} is not a JPEG")
    comment = tag.encode()
    dest.write_bytes(data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
                     + data[2:])


def build(work: Path, photos: int, camera_share: float, seed: int = 7) -> Workload:
    """A fresh home under ``work`` with one accepted album of ``photos`` photos (reused when a
    previous run built the same one; its image cache and proofs are always emptied)."""
    key = f"home-{photos}-{round(camera_share * 100)}-{seed}"
    home_dir = work / key
    manifest = home_dir / "workload.json"
    if manifest.is_file():
        workload = load_manifest(manifest)
        reset_outputs(workload.home)
        return workload
    shutil.rmtree(home_dir, ignore_errors=True)
    rng = random.Random(seed)
    cameras = camera_sources(work / "camera")
    corpus = repo_photos() + [large_source(work / "camera")]
    n_camera = round(photos * camera_share)
    inputs = home_dir / "inputs"
    inputs.mkdir(parents=True)
    captions: dict[str, PhotoMeta] = {}
    chapters = max(1, round(photos / PHOTOS_PER_CHAPTER))
    order = [True] * n_camera + [False] * (photos - n_camera)
    rng.shuffle(order)
    for i, is_camera in enumerate(order):
        src = cameras[i % len(cameras)] if is_camera else corpus[i % len(corpus)]
        name = f"p{i:04d}-{src.stem}.jpg"
        write_variant(src, inputs / name, f"huace bench photo {i}")
        place = PLACES[i % len(PLACES)]
        captions[name] = PhotoMeta(
            caption=f"{SCENES[i % len(SCENES)]}{place}的街巷与田畴（第{i + 1}幅）。",
            photographer=f"摄影者{i % 23 + 1}", unit=f"{place}文化站", place=place,
            chapter=f"第{i * chapters // photos + 1}篇 {PLACES[(i * chapters // photos) % 8]}纪事")
    home = open_home(load_settings(home_dir), create=True)
    try:
        with transaction(home.factory) as session:
            album_id = create_album(session, "画册性能测试", (210.0, 285.0)).id
        report = import_paths(home.factory, home.store, home.settings.limits, album_id, [inputs],
                              captions=captions, status=ReviewState.accepted)
        if report.count("added") != photos:
            raise RuntimeError(f"ingest added {report.count('added')} of {photos} photos")
        with transaction(home.factory) as session:
            for photo in session.scalars(select(Photo).where(Photo.album_id == album_id)):
                photo.focal_x, photo.focal_y = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
    finally:
        home.close()
    workload = Workload(home=home_dir, album_id=album_id, photos=photos,
                        corpus_photos=photos - n_camera, camera_photos=n_camera,
                        camera_sources=tuple(p.name for p in cameras),
                        input_bytes=sum(p.stat().st_size for p in inputs.iterdir()))
    shutil.rmtree(inputs)  # the store holds the originals now
    manifest.write_text(json.dumps(asdict(workload), default=str))
    return workload


def load_manifest(path: Path) -> Workload:
    data = json.loads(path.read_text())
    return Workload(**{**data, "home": Path(data["home"]),
                       "camera_sources": tuple(data["camera_sources"])})


def reset_outputs(home_dir: Path) -> None:
    """Empty the image cache and proofs, so the next render is cold."""
    for sub in (home_dir / "store" / "cache", home_dir / "proofs"):
        shutil.rmtree(sub, ignore_errors=True)


def open_workload(workload: Workload, workers: int = 0) -> Home:
    """The workload's home; ``workers`` 0 keeps the default of one image worker per CPU."""
    return open_home(load_settings(workload.home, workers=workers or None))


def change_one_caption(home: Home, album_id: int) -> int:
    """An editor's typical small edit: one caption in the middle of the album reworded."""
    with transaction(home.factory) as session:
        album = session.get(Album, album_id)
        assert album is not None
        photos = session.scalars(select(Photo).where(Photo.album_id == album_id)
                                 .order_by(Photo.id)).all()
        photo = photos[len(photos) // 2]
        photo.caption = photo.caption.rstrip("。") + "（说明已修订）。"
        return photo.id
