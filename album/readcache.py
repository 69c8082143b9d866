"""A bounded local folder of copies of remote objects, so each machine downloads what it reads once.

Entries are whole files or nothing: each is written to a temporary file beside its place and
renamed in. Reading an entry marks it used (its modification time); when the folder grows past
its bound the least recently used entries go, except those used within ``grace_seconds`` — a
render may still be about to read them — so during one large render the bound is soft. The
folder is walked once when a process first writes, then again only when what it has added since
passes the bound (or a tenth of it beyond what could not be removed), not on every write.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from album.store import atomic_write, stale_temp_files


class ReadThroughCache:
    def __init__(self, root: Path, max_bytes: int, grace_seconds: float = 600.0) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.grace_seconds = grace_seconds
        self._total: int | None = None  # bytes in the folder as this process last counted them
        self._next_walk = 0

    def path(self, name: str) -> Path:
        """Where the entry ``name`` (a relative key like ``originals/ab/<sha256>``) lives."""
        return self.root.joinpath(*name.split("/"))

    def hit(self, name: str) -> Path | None:
        """The entry's path if it is here (marked used), else None."""
        path = self.path(name)
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        return path

    def fill(self, name: str, write: Callable[[BinaryIO], None]) -> Path:
        """Make the entry ``name`` from what ``write`` writes; a failed write leaves no entry."""
        dest = self.path(name)
        atomic_write(dest, write, durable=False)  # a copy of what the bucket keeps
        self._added(dest)
        return dest

    def drop(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def leftovers(self) -> list[Path]:
        """Temporary files of writes that were interrupted (a killed process)."""
        return stale_temp_files([self.root])

    def _added(self, path: Path) -> None:
        if self._total is not None:
            self._total += path.stat().st_size
        if self._total is None or self._total > self._next_walk:
            self._total = self.trim(keep=path)
            self._next_walk = max(self.max_bytes, self._total + self.max_bytes // 10)

    def trim(self, keep: Path | None = None) -> int:
        """Remove least recently used entries until the folder fits its bound; return its size."""
        entries = []
        for path in self.root.rglob("*"):
            if path.name.startswith(".tmp-"):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # another process trimmed it meanwhile
            if path.is_file():
                entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        recent = time.time() - self.grace_seconds
        for mtime, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            if path == keep or mtime > recent:
                continue
            path.unlink(missing_ok=True)
            total -= size
        return total
