"""Settings in one place: environment variables, an optional ``album.toml`` in the home folder, defaults.

The *home* folder holds everything one installation owns: the SQLite database (unless a URL
points elsewhere), the media store and rendered proofs.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from album.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOME = REPO_ROOT / "media"
DEFAULT_LAYOUTS = REPO_ROOT / "layouts"
DEFAULT_CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
# How photos found to be monochrome are separated for print (see album/render/grey.py): black
# ink only, black with the profile's own four-colour black in the deepest shadows, or the same
# four-colour conversion as colour photos.
GREY_PHOTOS = ("k_only", "gcr", "cmyk")
RENDER_PARTS = ("auto", "queue", "local")
DEFAULT_GREY_PHOTOS = "k_only"


@dataclass(frozen=True)
class Limits:
    """Bounds on what an upload may be; both are checked before any pixel is decoded."""

    max_upload_bytes: int = 80 * 1024 * 1024
    max_pixels: int = 120_000_000


@dataclass(frozen=True)
class MediaSettings:
    """The S3 side of the media store; credentials left empty come from boto3's own chain
    (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``~/.aws``, an instance role)."""

    url: str = ""
    endpoint_url: str = ""
    # The endpoint as browsers reach it, when the servers use an inner one (presigned links).
    public_endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""
    # The local read-through copy of what this machine has read (HOME/s3-cache) stays under it.
    cache_bytes: int = 20 * 1024**3
    # How long a presigned download link (proof PDFs) stays valid.
    presign_seconds: int = 300

    @property
    def is_s3(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    media_root: Path
    layouts_dir: Path = DEFAULT_LAYOUTS
    cmyk_profile: Path = DEFAULT_CMYK_PROFILE
    limits: Limits = field(default_factory=Limits)
    workers: int = 0
    grey_photos: str = DEFAULT_GREY_PHOTOS
    # Where the web app counts failed sign-ins: in the process (one server) or a shared store
    # such as ``redis://host:6379/0`` when several web processes serve the same album.
    limiter_storage: str = "memory://"
    # How many reverse proxies stand in front of the web app and append to X-Forwarded-For (and
    # set X-Forwarded-Proto/Host): their word is trusted for the client address only then.
    proxy_hops: int = 0
    # Render jobs go through a Huey queue: SQLite in the home by default, Redis
    # (``redis://host:6379/0``) when workers on several machines share it.
    queue_url: str = ""
    # A running job beats every ``heartbeat_seconds``; one silent for ``stale_after_seconds`` is
    # taken for dead and retried, up to ``max_attempts`` starts in all.
    heartbeat_seconds: float = 5.0
    stale_after_seconds: float = 30.0
    max_attempts: int = 3
    # Where originals, the derived-image cache and finished proofs live: the home's folder
    # (``media_root``) when empty, or an S3-compatible bucket and prefix (``s3://bucket/prefix``).
    media: MediaSettings = field(default_factory=MediaSettings)
    # Whether a queued print or proof render is drawn in parts by every worker of the queue
    # (album.part_jobs): "auto" when the queue is Redis (workers on several machines), "queue"
    # always, "local" never. ``album render`` on the command line always draws in one process.
    render_parts: str = "auto"
    # Sheets per part of a render drawn in parts, and the wait before a failed part is retried.
    part_sheets: int = 16
    part_retry_seconds: float = 5.0

    @property
    def proofs_dir(self) -> Path:
        return self.home / "proofs"

    @property
    def queue_path(self) -> Path:
        """The embedded queue's SQLite file (used when no ``queue_url`` is set)."""
        return self.home / "queue.sqlite3"


def resolve_home(home: str | os.PathLike[str] | None) -> Path:
    """``--home`` wins, then ``ALBUM_HOME``, then the repository's own ``media/``."""
    if home:
        return Path(home).expanduser().resolve()
    env = os.environ.get("ALBUM_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_HOME


def load_settings(home: str | os.PathLike[str] | None = None, **overrides: object) -> Settings:
    """Build settings for ``home``; keyword overrides win over the file and the environment."""
    root = resolve_home(home)
    values: dict[str, object] = {}
    toml_path = root / "album.toml"
    if toml_path.exists():
        try:
            values.update(tomllib.loads(toml_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{toml_path}: not valid TOML ({exc})") from exc
    for key, variable in (("database_url", "ALBUM_DATABASE_URL"), ("limiter_storage", "ALBUM_LIMITER_STORAGE"),
                          ("grey_photos", "ALBUM_GREY_PHOTOS"), ("queue_url", "ALBUM_QUEUE_URL"),
                          ("media_url", "ALBUM_MEDIA_URL"), ("s3_endpoint_url", "ALBUM_S3_ENDPOINT_URL"),
                          ("render_parts", "ALBUM_RENDER_PARTS"), ("proxy_hops", "ALBUM_PROXY_HOPS")):
        if os.environ.get(variable):
            values[key] = os.environ[variable]
    values.update({k: v for k, v in overrides.items() if v is not None})

    limits = Limits(
        max_upload_bytes=int(values.pop("max_upload_bytes", Limits.max_upload_bytes)),
        max_pixels=int(values.pop("max_pixels", Limits.max_pixels)),
    )
    database_url = str(values.pop("database_url", "") or f"sqlite:///{root / 'album.db'}")
    grey_photos = str(values.pop("grey_photos", "") or DEFAULT_GREY_PHOTOS)
    if grey_photos not in GREY_PHOTOS:
        raise ConfigError(f"grey_photos = {grey_photos!r}: expected one of {', '.join(GREY_PHOTOS)}")
    render_parts = str(values.pop("render_parts", "") or "auto")
    if render_parts not in RENDER_PARTS:
        raise ConfigError(f"render_parts = {render_parts!r}: expected one of {', '.join(RENDER_PARTS)}")
    return Settings(
        home=root,
        database_url=database_url,
        media_root=Path(str(values.pop("media_root", root / "store"))),
        layouts_dir=Path(str(values.pop("layouts_dir", DEFAULT_LAYOUTS))),
        cmyk_profile=Path(str(values.pop("cmyk_profile", DEFAULT_CMYK_PROFILE))),
        limits=limits,
        workers=int(values.pop("workers", 0) or 0),
        grey_photos=grey_photos,
        limiter_storage=str(values.pop("limiter_storage", "") or "memory://"),
        proxy_hops=_proxy_hops(values.pop("proxy_hops", 0)),
        queue_url=_queue_url(str(values.pop("queue_url", "") or "")),
        heartbeat_seconds=float(values.pop("heartbeat_seconds", Settings.heartbeat_seconds)),
        stale_after_seconds=float(values.pop("stale_after_seconds", Settings.stale_after_seconds)),
        max_attempts=max(1, int(values.pop("max_attempts", Settings.max_attempts))),
        media=_media_settings(values),
        render_parts=render_parts,
        part_sheets=max(1, int(values.pop("part_sheets", Settings.part_sheets))),
        part_retry_seconds=float(values.pop("part_retry_seconds", Settings.part_retry_seconds)),
    )


def _queue_url(url: str) -> str:
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"queue_url = {url!r}: expected a redis:// URL (or none for the embedded queue)")
    return url


def _media_settings(values: dict[str, object]) -> MediaSettings:
    url = str(values.pop("media_url", "") or "")
    if url:
        parse_media_url(url)
    return MediaSettings(
        url=url.rstrip("/"),
        endpoint_url=str(values.pop("s3_endpoint_url", "") or ""),
        public_endpoint_url=str(values.pop("s3_public_endpoint_url", "") or ""),
        region=str(values.pop("s3_region", "") or ""),
        access_key_id=str(values.pop("s3_access_key_id", "") or ""),
        secret_access_key=str(values.pop("s3_secret_access_key", "") or ""),
        cache_bytes=int(float(values.pop("s3_cache_gb", 20)) * 1024**3),
        presign_seconds=int(values.pop("presign_seconds", MediaSettings.presign_seconds)),
    )


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def parse_media_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → (``bucket``, ``some/prefix``); a clear error otherwise."""
    if not url.startswith("s3://"):
        raise ConfigError(f"media_url = {url!r}：应为 s3://存储桶/前缀（或留空，使用本机媒体库）")
    bucket, _, prefix = url[len("s3://"):].partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ConfigError(f"media_url = {url!r}：存储桶名 {bucket!r} 不合规"
                          "（3–63 个小写字母、数字、点或连字符）")
    prefix = prefix.strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise ConfigError(f"media_url = {url!r}：前缀 {prefix!r} 不合规")
    return bucket, prefix


def _proxy_hops(value: object) -> int:
    try:
        hops = int(str(value or 0))
    except ValueError:
        hops = -1
    if not 0 <= hops <= 5:
        raise ConfigError(f"proxy_hops = {value!r}: expected the number of reverse proxies, 0 to 5")
    return hops
