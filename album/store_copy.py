"""``album store copy``: put an existing home's media into an S3 bucket, each object checked.

Every file is uploaded under the key the S3 store reads it by (originals, optionally the
derived-image cache, finished proofs with their reports), then read back from the bucket and
hashed: the copy counts only when the bucket's bytes have the local file's sha256. An object
already there with the right sha256 is not sent again, so a copy that stopped half-way is
finished by running it again. The home itself is left as it was; switching it over is one line
in album.toml, printed at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from album.config import MediaSettings
from album.db import transaction
from album.errors import ConfigError
from album.home import Home
from album.models import Proof
from album.proofs import REPORT_SUFFIXES, proof_key
from album.s3store import S3MediaStore
from album.store import LocalMediaStore, sha256_file


@dataclass
class CopyReport:
    uploaded: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # there before, with the right sha256
    mismatched: list[str] = field(default_factory=list)  # in the bucket, but not the local bytes
    damaged_here: list[str] = field(default_factory=list)  # local originals not matching their name

    @property
    def ok(self) -> bool:
        return not (self.mismatched or self.damaged_here)

    def lines(self) -> list[str]:
        out = [f"已上传并校验 {len(self.uploaded)} 个文件，已存在且校验一致 {len(self.already)} 个"]
        out += [f"校验不符（存储桶中的内容与本地文件不同）：{name}" for name in self.mismatched]
        out += [f"本地原图已损坏，未复制（请先运行 album check）：{name}" for name in self.damaged_here]
        return out


@dataclass(frozen=True)
class Item:
    name: str  # the key under the bucket's prefix, e.g. originals/ab/<sha256>
    path: Path


def copy_home(home: Home, target: MediaSettings, *, with_cache: bool = False,
              progress: Callable[[int, int], None] | None = None) -> CopyReport:
    """Copy the home's local media to ``target`` (an ``s3://`` media URL and its endpoint)."""
    if not isinstance(home.store, LocalMediaStore):
        raise ConfigError("这个画册的媒体库已在 S3 上；store copy 只从本机媒体库复制")
    bucket = S3MediaStore(target, home.settings.home / "s3-cache")
    bucket.check_bucket()
    items = list(_items(home, home.store, with_cache))
    report = CopyReport()
    for done, item in enumerate(items, 1):
        _copy_one(bucket, item, report)
        if progress:
            progress(done, len(items))
    return report


def _copy_one(bucket: S3MediaStore, item: Item, report: CopyReport) -> None:
    sha = sha256_file(item.path)
    if item.name.startswith("originals/") and sha != item.path.name:
        report.damaged_here.append(item.name)
        return
    if bucket.digest(item.name) == sha:
        report.already.append(item.name)
        return
    bucket.upload(item.name, item.path, sha)
    if bucket.digest(item.name) == sha:
        report.uploaded.append(item.name)
    else:
        report.mismatched.append(item.name)


def _items(home: Home, store: LocalMediaStore, with_cache: bool) -> Iterator[Item]:
    for sha in store.iter_originals():
        yield Item(f"originals/{sha[:2]}/{sha}", store.original_path(sha))
    if with_cache and store.cache.is_dir():
        for path in sorted(store.cache.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield Item("cache/" + path.relative_to(store.cache).as_posix(), path)
    with transaction(home.factory) as session:
        proofs = session.execute(select(Proof.album_id, Proof.number, Proof.kind, Proof.pdf_path)
                                 .where(Proof.status == "done").order_by(Proof.id)).all()
    for album_id, number, kind, pdf_path in proofs:
        for suffix in (*REPORT_SUFFIXES, ".pdf"):
            path = Path(pdf_path).with_suffix(suffix)
            if path.is_file():
                yield Item(f"objects/{proof_key(album_id, number, kind, suffix)}", path)


def toml_lines(target: MediaSettings) -> list[str]:
    """What album.toml needs to read the media from the bucket from now on."""
    lines = [f'media_url = "{target.url}"']
    if target.endpoint_url:
        lines.append(f's3_endpoint_url = "{target.endpoint_url}"')
    if target.region:
        lines.append(f's3_region = "{target.region}"')
    return lines
