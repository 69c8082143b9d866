"""The media store on an S3-compatible object store (AWS S3, MinIO, Ceph, moto) through boto3.

Keys mirror the local folder under ``media_url``'s prefix: ``originals/ab/<sha256>``,
``cache/ab/<key><suffix>``, ``objects/<key>`` (render parts, finished proofs). An object exists
only once its upload is complete (S3 never shows half an object), and an original is uploaded
only after its bytes were hashed to the sha256 it is stored under, so a corrupt or truncated
file never becomes an original. Reads go through a bounded local copy (HOME/s3-cache): a worker
downloads the originals its pages need, once.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from album.config import MediaSettings, parse_media_url
from album.errors import ConfigError, MediaStoreError
from album.readcache import ReadThroughCache
from album.store import CHUNK, check_object_key, sha256_file

MISSING = ("404", "NoSuchKey", "NotFound")
BUCKET_REASONS = {"404": "存储桶不存在", "NoSuchBucket": "存储桶不存在", "403": "没有访问权限（请检查密钥）",
                  "AccessDenied": "没有访问权限（请检查密钥）"}
# Objects above this go up in parts (a print PDF can be GBs); the object appears at completion.
TRANSFER = TransferConfig(multipart_threshold=64 * 1024 * 1024, multipart_chunksize=64 * 1024 * 1024)


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in MISSING


@contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """Turn boto3's failures into one line a user can act on."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise MediaStoreError(f"S3 媒体库{what}失败：{error.get('Code')} {error.get('Message', '')}".strip()) from exc
    except BotoCoreError as exc:
        raise MediaStoreError(f"S3 媒体库{what}失败：{exc}") from exc


def make_client(media: MediaSettings) -> Any:
    """A boto3 S3 client for these settings (path-style addressing for a custom endpoint)."""
    credentials = {}
    if media.access_key_id and media.secret_access_key:
        credentials = {"aws_access_key_id": media.access_key_id,
                       "aws_secret_access_key": media.secret_access_key}
    config = Config(signature_version="s3v4", connect_timeout=5, read_timeout=60,
                    retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path" if media.endpoint_url else "auto"})
    return boto3.session.Session().client(
        "s3", endpoint_url=media.endpoint_url or None, region_name=media.region or None,
        config=config, **credentials)


class S3MediaStore:
    """``MediaStore`` on a bucket and prefix, with a read-through copy in ``cache_root``."""

    remote = True

    def __init__(self, media: MediaSettings, cache_root: Path, *, grace_seconds: float = 600.0) -> None:
        self.media = media
        self.bucket, self.prefix = parse_media_url(media.url)
        self.local = ReadThroughCache(cache_root, media.cache_bytes, grace_seconds)
        self._client: Any = None
        self._pid = 0
        self._presigner: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Image workers get the settings, not the connection; each process opens its own."""
        return {**self.__dict__, "_client": None, "_pid": 0, "_presigner": None}

    @property
    def client(self) -> Any:
        if self._client is None or self._pid != os.getpid():
            self._client = make_client(self.media)
            self._pid = os.getpid()
        return self._client

    def check_bucket(self) -> None:
        """Fail early, with the reason, when the bucket cannot be reached."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            code = str(exc.response.get("Error", {}).get("Code")) if isinstance(exc, ClientError) else ""
            reason = BUCKET_REASONS.get(code, code or str(exc))
            where = f"（端点 {self.media.endpoint_url}）" if self.media.endpoint_url else ""
            raise ConfigError(f"无法访问 S3 存储桶 {self.bucket}{where}：{reason}") from exc

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    # originals

    def original_path(self, sha256: str) -> Path:
        """A local file with the original's bytes, downloaded (and checked) on first use; a path
        that does not exist when the bucket has no such original, as the local store answers."""
        name = _original_name(sha256)
        hit = self.local.hit(name)
        if hit is not None:
            return hit
        try:
            return self.local.fill(name, lambda fh: self._download_checked(name, sha256, fh))
        except FileNotFoundError:
            return self.local.path(name)

    def original_location(self, sha256: str) -> Path:
        """Where ``original_path`` puts the local copy, without fetching it: a render names the
        originals of every frame but downloads only those whose prepared image is not cached."""
        return self.local.path(_original_name(sha256))

    def has_original(self, sha256: str) -> bool:
        return self._exists(_original_name(sha256))

    def put_original(self, src: Path, sha256: str | None = None) -> str:
        """Upload ``src`` under its sha256 unless the bucket has it; a file whose bytes do not
        hash to ``sha256`` (damaged, cut short) is refused and leaves nothing behind."""
        actual = sha256_file(src)
        if sha256 is not None and actual != sha256:
            raise MediaStoreError(f"文件 {Path(src).name} 的内容与校验值不符（已损坏或不完整），未存入媒体库")
        name = _original_name(actual)
        if not self._exists(name):
            self.upload(name, src, actual)
        self.local.fill(name, lambda fh: _copy_file(src, fh))
        return actual

    def remove_original(self, sha256: str) -> None:
        name = _original_name(sha256)
        with _s3_errors("删除原图"):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))
        self.local.drop(name)

    def iter_originals(self) -> Iterator[str]:
        for name in self._list("originals/"):
            yield name.rsplit("/", 1)[-1]

    def original_digest(self, sha256: str) -> str | None:
        """The sha256 of the bytes the bucket holds now (read from the bucket, not the copy)."""
        return self.digest(_original_name(sha256))

    def move_original_aside(self, sha256: str, dest: Path) -> None:
        """Download the original to ``dest`` and only then remove it from the bucket."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "wb") as fh:
            self._stream(_original_name(sha256), fh.write)
        self.remove_original(sha256)

    # derived-image cache

    def cache_path(self, key: str, suffix: str) -> Path:
        """The cached derived file, fetched from the bucket if another machine made it."""
        name = f"cache/{key[:2]}/{key}{suffix}"
        hit = self.local.hit(name)
        if hit is not None:
            return hit
        try:
            return self.local.fill(name, lambda fh: self._stream(name, fh.write))
        except FileNotFoundError:
            return self.local.path(name)

    def put_cache(self, key: str, suffix: str, data: bytes) -> Path:
        name = f"cache/{key[:2]}/{key}{suffix}"
        with _s3_errors("写入缓存"):
            self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data,
                                   ChecksumSHA256=_b64(hashlib.sha256(data).digest()))
        return self.local.fill(name, lambda fh: fh.write(data))

    # shared objects

    def put_object(self, key: str, src: Path) -> None:
        self.upload(f"objects/{check_object_key(key)}", src, sha256_file(src))

    def fetch_object(self, key: str) -> Path:
        """A local copy of the object as the bucket holds it now (raises FileNotFoundError)."""
        name = f"objects/{check_object_key(key)}"
        with _s3_errors("读取对象"):
            try:
                etag = self.client.head_object(Bucket=self.bucket, Key=self.key(name))["ETag"].strip('"')
            except ClientError as exc:
                if _missing(exc):
                    raise FileNotFoundError(key) from exc
                raise
        # The ETag in the local name: an object written again under the same key is fetched anew.
        local = f"objects/.v/{etag}/{check_object_key(key)}"
        return self.local.hit(local) or self.local.fill(local, lambda fh: self._stream(name, fh.write))

    def remove_objects(self, prefix: str) -> None:
        names = list(self._list(f"objects/{check_object_key(prefix)}/"))
        with _s3_errors("删除对象"):
            for start in range(0, len(names), 1000):
                batch = [{"Key": self.key(n)} for n in names[start:start + 1000]]
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def digest(self, name: str) -> str | None:
        """The sha256 of the bytes under ``name`` (e.g. ``objects/proofs/1/003-proof.pdf``) as
        the bucket holds them now, None if there is no such object."""
        digest = hashlib.sha256()
        try:
            self._stream(name, digest.update)
        except FileNotFoundError:
            return None
        return digest.hexdigest()

    def download_url(self, key: str, filename: str) -> str | None:
        """A presigned GET of ``objects/<key>``, valid for ``presign_seconds``, saved as ``filename``."""
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        if self._presigner is None:  # signed for the host the browser will ask
            public = self.media.public_endpoint_url
            self._presigner = make_client(replace(self.media, endpoint_url=public)) if public else self.client
        with _s3_errors("生成下载链接"):
            return self._presigner.generate_presigned_url(
                "get_object", ExpiresIn=self.media.presign_seconds,
                Params={"Bucket": self.bucket, "Key": self.key(f"objects/{check_object_key(key)}"),
                        "ResponseContentDisposition": disposition,
                        "ResponseContentType": "application/pdf" if filename.endswith(".pdf") else
                        "application/octet-stream"})

    def leftover_files(self) -> list[Path]:
        return self.local.leftovers()

    # plumbing

    def _exists(self, name: str) -> bool:
        with _s3_errors("查询"):
            try:
                self.client.head_object(Bucket=self.bucket, Key=self.key(name))
            except ClientError as exc:
                if _missing(exc):
                    return False
                raise
        return True

    def _list(self, under: str) -> Iterator[str]:
        start = len(self.key(""))
        with _s3_errors("列出对象"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.key(under))
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][start:]

    def upload(self, name: str, src: Path, sha256: str) -> None:
        """Put ``src`` (whose bytes hash to ``sha256``) under ``name``, whole or not at all."""
        extra = {"Metadata": {"sha256": sha256}}
        with _s3_errors("上传"):
            if Path(src).stat().st_size < TRANSFER.multipart_threshold:
                with open(src, "rb") as fh:  # one PUT the server checks against the sha256
                    self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=fh,
                                           ChecksumSHA256=_b64(bytes.fromhex(sha256)), **extra)
            else:
                self.client.upload_file(str(src), self.bucket, self.key(name), ExtraArgs=extra,
                                        Config=TRANSFER)

    def _stream(self, name: str, sink: Any) -> None:
        """Feed the object's bytes to ``sink``; FileNotFoundError when there is none."""
        with _s3_errors("读取"):
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
            except ClientError as exc:
                if _missing(exc):
                    raise FileNotFoundError(name) from exc
                raise
            for chunk in body.iter_chunks(CHUNK):
                sink(chunk)

    def _download_checked(self, name: str, sha256: str, fh: BinaryIO) -> None:
        digest = hashlib.sha256()

        def both(chunk: bytes) -> None:
            digest.update(chunk)
            fh.write(chunk)

        self._stream(name, both)
        if digest.hexdigest() != sha256:
            raise MediaStoreError(f"S3 媒体库中的原图 {sha256[:12]}… 内容与校验值不符；请运行 album check")


def _original_name(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _copy_file(src: Path, fh: BinaryIO) -> None:
    with open(src, "rb") as source:
        shutil.copyfileobj(source, fh, CHUNK)
