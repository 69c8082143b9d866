"""The S3 media store against a real S3 API (moto's server on loopback): originals, cache and
objects round trip; reads go through the local copy once; nothing half-written reaches the bucket;
settings name the bucket and endpoint, and a bad one is refused with the reason."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from album.config import MediaSettings, load_settings
from album.errors import ConfigError, MediaStoreError
from album.home import open_home
from album.s3store import S3MediaStore
from s3_support import ACCESS_KEY, SECRET_KEY, new_bucket, s3_client


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _keys(media: MediaSettings) -> list[str]:
    bucket = media.url.removeprefix("s3://").split("/")[0]
    listing = s3_client(media.endpoint_url).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_originals_cache_and_objects_round_trip(s3_media: MediaSettings, tmp_path: Path) -> None:
    store = S3MediaStore(s3_media, tmp_path / "copy")
    photo = _file(tmp_path, "a.jpg", os.urandom(200_000))
    sha = store.put_original(photo)
    assert sha == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert store.put_original(photo, sha) == sha  # stored once
    assert list(store.iter_originals()) == [sha] and store.has_original(sha)
    assert store.original_digest(sha) == sha

    elsewhere = S3MediaStore(s3_media, tmp_path / "other-machine")  # an empty local copy
    assert elsewhere.original_path(sha).read_bytes() == photo.read_bytes()
    assert not elsewhere.original_path("0" * 64).exists()  # absent: a path that is not there

    assert not elsewhere.cache_path("ab12", ".jpg").exists()
    store.put_cache("ab12", ".jpg", b"derived")
    assert elsewhere.cache_path("ab12", ".jpg").read_bytes() == b"derived"  # made on another machine

    part = _file(tmp_path, "0003.pdf", b"%PDF part 3")
    store.put_object("parts/7/0003.pdf", part)
    assert elsewhere.fetch_object("parts/7/0003.pdf").read_bytes() == b"%PDF part 3"
    store.put_object("parts/7/0003.pdf", _file(tmp_path, "again.pdf", b"%PDF part 3, retried"))
    assert elsewhere.fetch_object("parts/7/0003.pdf").read_bytes() == b"%PDF part 3, retried"
    store.remove_objects("parts/7")
    with pytest.raises(FileNotFoundError):
        elsewhere.fetch_object("parts/7/0003.pdf")
    with pytest.raises(ValueError):
        store.put_object("../escape", part)

    store.remove_original(sha)
    assert not store.has_original(sha) and list(store.iter_originals()) == []
    prefix = s3_media.url.split("/", 3)[3]
    assert _keys(s3_media) == [f"{prefix}/cache/ab/ab12.jpg"]


def test_a_worker_downloads_each_original_once_and_the_copy_stays_bounded(
        s3_media: MediaSettings, tmp_path: Path) -> None:
    store = S3MediaStore(s3_media, tmp_path / "up")
    shas = [store.put_original(_file(tmp_path, f"{i}.jpg", os.urandom(100_000))) for i in range(3)]
    worker = S3MediaStore(MediaSettings(**{**s3_media.__dict__, "cache_bytes": 250_000}),
                          tmp_path / "worker", grace_seconds=0)
    downloads: list[str] = []
    worker.client.meta.events.register("before-call.s3.GetObject",
                                       lambda params, **_: downloads.append(params["url_path"]))
    first = worker.original_path(shas[0])
    assert worker.original_path(shas[0]) == first and len(downloads) == 1  # the second read is local
    second = worker.original_path(shas[1])
    a_minute_ago = time.time() - 60
    os.utime(second, (a_minute_ago, a_minute_ago))  # the first one was used since
    worker.original_path(shas[2])
    copies = sorted(p.name for p in (tmp_path / "worker").rglob("*") if p.is_file())
    assert copies == sorted([shas[0], shas[2]])  # over 250 kB: the least recently used went
    assert len(downloads) == 3


def test_nothing_half_written_reaches_the_bucket(s3_media: MediaSettings, tmp_path: Path) -> None:
    store = S3MediaStore(s3_media, tmp_path / "copy")
    whole = os.urandom(300_000)
    truncated = _file(tmp_path, "cut.jpg", whole[:150_000])
    with pytest.raises(MediaStoreError, match="内容与校验值不符"):
        store.put_original(truncated, hashlib.sha256(whole).hexdigest())
    assert _keys(s3_media) == [] and list((tmp_path / "copy").rglob("*.jpg")) == []

    sha = store.put_original(_file(tmp_path, "whole.jpg", whole))
    bucket = s3_media.url.removeprefix("s3://").split("/")[0]
    s3_client(s3_media.endpoint_url).put_object(  # damaged in the bucket, behind the store's back
        Bucket=bucket, Key=_keys(s3_media)[0], Body=whole[:1000])
    fresh = S3MediaStore(s3_media, tmp_path / "fresh")
    with pytest.raises(MediaStoreError, match="album check"):
        fresh.original_path(sha)
    assert not fresh.local.path(f"originals/{sha[:2]}/{sha}").exists()
    assert fresh.leftover_files() == []


def test_settings_from_toml_and_environment(s3_endpoint: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = new_bucket(s3_endpoint)
    monkeypatch.setenv("ALBUM_MEDIA_URL", f"s3://{bucket}/campaign/2026")
    monkeypatch.setenv("ALBUM_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    home = open_home(load_settings(tmp_path / "home"), create=True)
    try:
        assert isinstance(home.store, S3MediaStore)
        assert (home.store.bucket, home.store.prefix) == (bucket, "campaign/2026")
        home.store.put_original(_file(tmp_path, "p.jpg", b"photo bytes"))
        assert list(home.store.iter_originals())
    finally:
        home.close()

    for url, reason in (("http://example.org/x", "应为 s3://"), ("s3://Bad_Bucket/x", "存储桶名"),
                        ("s3://ok-bucket/a/../b", "前缀")):
        monkeypatch.setenv("ALBUM_MEDIA_URL", url)
        with pytest.raises(ConfigError, match=reason):
            load_settings(tmp_path / "home")
    monkeypatch.setenv("ALBUM_MEDIA_URL", "s3://no-such-bucket-here/x")
    with pytest.raises(ConfigError, match="无法访问 S3 存储桶 no-such-bucket-here.*：存储桶不存在"):
        open_home(load_settings(tmp_path / "home"))
    monkeypatch.setenv("ALBUM_MEDIA_URL", f"s3://{bucket}/x")
    monkeypatch.setenv("ALBUM_S3_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ConfigError, match="无法访问 S3 存储桶"):
        open_home(load_settings(tmp_path / "home"))
