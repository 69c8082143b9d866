"""Where a file comes in: the name it carries, its size, and the one bounded copy made of it.

Every source of files (a browser upload, a zip member, a file on disk) goes through these
checks, so each rule lives once: a name that only a hostile client would send is refused with
its reason, a file over ``max_upload_bytes`` is refused with the same message wherever it came
from, and a copy stops writing the moment it passes the limit.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from album.config import Limits
from album.errors import IngestError
from album.messages import size_words
from album.store import CHUNK

MAX_NAME_CHARS = 255  # what common file systems allow for one name


def refuse(code: str, message: str) -> IngestError:
    """An IngestError carrying a machine-readable ``code`` beside the Chinese message."""
    err = IngestError(message)
    err.code = code  # type: ignore[attr-defined]
    return err


def check_name(name: str) -> str:
    """The base name of ``name``, refused when only a crafted request or archive would carry it.

    Folders inside an archive are fine (``照片/风筝.jpg``), but ``..``, an absolute or drive path,
    control or direction characters (U+202E makes ``gpj.exe`` look like ``exe.jpg``) and endless
    names are refused with the reason rather than quietly rewritten: the name is only a label
    (files are stored by content hash), but editors see it.
    """
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in PurePosixPath(posix).parts:
        raise refuse("unsafe-path", "文件名不安全：不能含有路径（如 ../ 或 /）")
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise refuse("unsafe-path", "文件名含有控制字符或文字方向控制符")
    base = PurePosixPath(posix).name
    if len(base) > MAX_NAME_CHARS:
        raise refuse("name-too-long", f"文件名过长（最多 {MAX_NAME_CHARS} 个字符）")
    return base or "unnamed"


def too_large_message(limits: Limits, size: int | None = None) -> str:
    got = f"{size_words(size)}，" if size is not None else ""
    return f"文件太大：{got}上限 {size_words(limits.max_upload_bytes)}"


def check_size(size: int, limits: Limits) -> None:
    """Refuse a file over the configured upload limit before a byte of it is decoded."""
    if size > limits.max_upload_bytes:
        raise refuse("too-large", too_large_message(limits, size))


def copy_limited(src: BinaryIO, dest: Path, limits: Limits) -> int:
    """Copy ``src`` to ``dest`` in chunks, refusing (and removing ``dest``) once past the limit."""
    written = 0
    try:
        with open(dest, "wb") as out:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                written += len(chunk)
                if written > limits.max_upload_bytes:
                    raise refuse("too-large", too_large_message(limits))
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return written
