"""An album ingested and rendered with its media on S3 (moto's server on loopback): no original
lands in the local media folder, the renderer reads the originals through the local copy, and
the finished proof is in the bucket; a worker whose prepared images are in the bucket's cache
downloads no original at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pytest

from album.config import MediaSettings, load_settings
from album.s3store import S3MediaStore
from cli_support import run_album
from queue_support import home_with_photos
from s3_support import album_toml_lines, s3_client

# Two renders: about 12 s. The subject is the store, so it runs once, on SQLite (no db marker).
pytestmark = pytest.mark.slow


def test_ingest_and_render_with_every_original_on_s3(tmp_path: Path, corpus: Path,
                                                     s3_media: MediaSettings) -> None:
    settings = load_settings(tmp_path / "home")
    opened, _ = home_with_photos(settings, corpus, 3, **album_toml_lines(s3_media))  # ingest
    assert isinstance(opened.store, S3MediaStore)
    opened.close()
    home = settings.home
    out = tmp_path / "proof.pdf"
    run_album(home, "render", "--proof", "-o", str(out))

    assert not (home / "store" / "originals").exists()  # nothing in the local media folder
    bucket, prefix = s3_media.url.removeprefix("s3://").split("/", 1)
    keys = [o["Key"] for o in s3_client(s3_media.endpoint_url).list_objects_v2(Bucket=bucket)["Contents"]]
    originals = [k for k in keys if k.startswith(f"{prefix}/originals/")]
    assert len(originals) == 3
    shared = s3_client(s3_media.endpoint_url).get_object(Bucket=bucket, Key=f"{prefix}/objects/proofs/1/001-proof.pdf")
    assert shared["Body"].read() == out.read_bytes()
    copies = {p.name for p in (home / "s3-cache" / "originals").rglob("*") if p.is_file()}
    assert copies == {k.rsplit("/", 1)[1] for k in originals}  # read through the local copy
    with pikepdf.open(out) as pdf:
        placed = sum(len(page.get_images()) for page in pdf.pages)
    assert placed >= 3

    shutil.rmtree(home / "s3-cache")  # a fresh worker: prepared images are in the bucket's cache
    run_album(home, "render", "--proof", "-o", str(tmp_path / "again.pdf"))
    assert not (home / "s3-cache" / "originals").exists()  # so no original was downloaded
