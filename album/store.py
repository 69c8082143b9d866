"""Content-addressed media store: each original kept once under its sha256, derived images cached.

Every write goes to a temporary file in the destination folder and is renamed into place, so a
crash leaves either the whole file or nothing. ``MediaStore`` is the seam; ``LocalMediaStore`` is
the folder implementation, ``album.s3store.S3MediaStore`` the S3-compatible one.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024
# A temporary file younger than this may belong to a write in progress (an upload, a render on
# another worker): ``album check`` leaves it alone, so a check on a live deployment breaks nothing.
TEMP_GRACE_SECONDS = 15 * 60


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stale_temp_files(folders: Iterable[Path]) -> list[Path]:
    """The ``.tmp-*`` files under ``folders`` older than TEMP_GRACE_SECONDS: writes that a
    killed process left, not ones still under way."""
    cutoff = time.time() - TEMP_GRACE_SECONDS
    found = []
    for folder in folders:
        if folder.is_dir():
            for tmp in sorted(folder.rglob(".tmp-*")):
                try:
                    if tmp.stat().st_mtime < cutoff:
                        found.append(tmp)
                except FileNotFoundError:
                    pass  # finished (renamed) or removed while we looked
    return found


def atomic_write_bytes(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` so that readers see the old file or the whole new one."""
    atomic_copy(io.BytesIO(data), dest)


def atomic_copy(src: BinaryIO, dest: Path) -> None:
    """Copy ``src`` into a temporary file beside ``dest``, flush it to disk, rename it into place."""
    atomic_write(dest, lambda fh: shutil.copyfileobj(src, fh, CHUNK))


def atomic_write(dest: Path, write: Callable[[BinaryIO], None], *, durable: bool = True) -> None:
    """Let ``write`` fill a temporary file beside ``dest`` and rename it into place: readers see
    the whole file or none. ``durable``: flushed to disk first (not needed for a mere copy of
    something kept elsewhere); a failed write leaves no file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_object_key(key: str) -> str:
    """``key`` without outer slashes, refused when it is empty or climbs out (``..``)."""
    parts = key.strip("/").split("/")
    if not key.strip("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"bad object key {key!r}")
    return "/".join(parts)


class MediaStore(Protocol):
    """Where originals, derived images and shared files live: ``LocalMediaStore`` (a folder) or
    ``album.s3store.S3MediaStore`` (a bucket). Readers always get a local path: a remote store
    downloads into its bounded read-through copy first. ``remote`` tells whether files written
    on this machine (finished proofs) must be put into the store for other machines to read."""

    remote: bool

    def put_original(self, src: Path, sha256: str | None = None) -> str: ...
    def original_path(self, sha256: str) -> Path: ...
    def original_location(self, sha256: str) -> Path: ...
    def original_digest(self, sha256: str) -> str | None: ...
    def move_original_aside(self, sha256: str, dest: Path) -> None: ...
    def has_original(self, sha256: str) -> bool: ...
    def remove_original(self, sha256: str) -> None: ...
    def iter_originals(self) -> Iterator[str]: ...
    def cache_path(self, key: str, suffix: str) -> Path: ...
    def put_cache(self, key: str, suffix: str, data: bytes) -> Path: ...
    def put_object(self, key: str, src: Path) -> None: ...
    def fetch_object(self, key: str) -> Path: ...
    def remove_objects(self, prefix: str) -> None: ...
    def download_url(self, key: str, filename: str) -> str | None: ...
    def leftover_files(self) -> list[Path]: ...


class LocalMediaStore:
    """Originals under ``root/originals/ab/<sha256>``, derived images under ``root/cache``, other
    shared files (render parts, keyed like ``parts/12/0003.pdf``; finished proofs
    stay where the render wrote them) under ``root/objects``."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.originals = self.root / "originals"
        self.cache = self.root / "cache"
        self.objects = self.root / "objects"

    def original_path(self, sha256: str) -> Path:
        return self.originals / sha256[:2] / sha256

    def original_location(self, sha256: str) -> Path:
        """Where ``original_path`` will put the original; here, where it is."""
        return self.original_path(sha256)

    def has_original(self, sha256: str) -> bool:
        return self.original_path(sha256).is_file()

    def put_original(self, src: Path, sha256: str | None = None) -> str:
        """Store ``src`` under its sha256 unless it is already there; return the sha256.

        A caller that has just hashed ``src`` passes the digest so the file is read once."""
        sha = sha256 or sha256_file(src)
        dest = self.original_path(sha)
        if not dest.exists():
            with open(src, "rb") as fh:
                atomic_copy(fh, dest)
        return sha

    def remove_original(self, sha256: str) -> None:
        self.original_path(sha256).unlink(missing_ok=True)

    def original_digest(self, sha256: str) -> str | None:
        """The sha256 of the stored bytes now, None if the original is not there."""
        path = self.original_path(sha256)
        return sha256_file(path) if path.is_file() else None

    def move_original_aside(self, sha256: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(self.original_path(sha256)), dest)

    def iter_originals(self) -> Iterator[str]:
        if not self.originals.is_dir():
            return
        for sub in sorted(self.originals.iterdir()):
            if sub.is_dir():
                for f in sorted(sub.iterdir()):
                    if f.is_file() and not f.name.startswith("."):
                        yield f.name

    def cache_path(self, key: str, suffix: str) -> Path:
        return self.cache / key[:2] / f"{key}{suffix}"

    def put_cache(self, key: str, suffix: str, data: bytes) -> Path:
        dest = self.cache_path(key, suffix)
        atomic_write_bytes(dest, data)
        return dest

    def put_object(self, key: str, src: Path) -> None:
        """Keep a copy of ``src`` under ``key`` where every worker of this home can read it."""
        with open(src, "rb") as fh:
            atomic_copy(fh, self._object_path(key))

    def fetch_object(self, key: str) -> Path:
        """A local path to read the object ``key`` from (raises FileNotFoundError if absent)."""
        path = self._object_path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path

    def remove_objects(self, prefix: str) -> None:
        """Remove every object whose key starts with the folder ``prefix`` (e.g. ``parts/12``)."""
        shutil.rmtree(self._object_path(prefix), ignore_errors=True)

    def download_url(self, key: str, filename: str) -> str | None:
        """None: a local file is streamed by the web app itself."""
        return None

    def leftover_files(self) -> list[Path]:
        """Temporary files of interrupted writes (never complete originals)."""
        return stale_temp_files([self.originals, self.cache, self.objects])

    def _object_path(self, key: str) -> Path:
        return self.objects.joinpath(*check_object_key(key).split("/"))
