"""``album store copy`` moves a home's media to S3 (moto's server on loopback), verified by
sha256 and idempotent; after the switch ``album check`` finds a changed or missing original in
the bucket, and ``--repair`` moves the changed one aside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from album.config import load_settings
from album.db import transaction
from album.models import Proof
from album.thumbs import photo_thumbnail
from cli_support import run_album
from queue_support import home_with_photos
from s3_support import ACCESS_KEY, SECRET_KEY, new_bucket, s3_client
from web_support import make_pdf

# Seven album commands: about 18 s. The subject is the store, so it runs once, on SQLite (no db marker).
pytestmark = pytest.mark.slow


def _done_proof(home, album_id: int) -> Path:  # type: ignore[no-untyped-def]
    home.settings.proofs_dir.mkdir(parents=True, exist_ok=True)
    pdf = make_pdf(home.settings.proofs_dir / "001-proof.pdf", pages=2)
    pdf.with_suffix(".preflight.json").write_text('{"version": 1}', encoding="utf-8")
    with transaction(home.factory) as session:
        session.add(Proof(album_id=album_id, number=1, kind="proof", status="done", pdf_path=str(pdf),
                          report_path=str(pdf.with_suffix(".preflight.json"))))
    return pdf


def test_store_copy_verifies_skips_on_rerun_and_check_finds_tampering(
        tmp_path: Path, corpus: Path, s3_endpoint: str) -> None:
    settings = load_settings(tmp_path / "home")
    home, album_id = home_with_photos(settings, corpus, 3)
    shas = sorted(home.store.iter_originals())
    photo_thumbnail(home.store, shas[0])  # one derived image in the cache
    _done_proof(home, album_id)
    home.close()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_DEFAULT_REGION": "us-east-1"}
    bucket = new_bucket(s3_endpoint)
    url = f"s3://{bucket}/huace"
    copy = ("store", "copy", "--to", url, "--endpoint-url", s3_endpoint, "--with-cache")

    first = run_album(settings.home, *copy, env=env).stdout
    assert "已上传并校验 6 个文件，已存在且校验一致 0 个" in first  # 3 originals, 1 thumbnail, PDF + report
    assert f'media_url = "{url}"' in first and f's3_endpoint_url = "{s3_endpoint}"' in first
    keys = sorted(o["Key"] for o in s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"])
    assert f"huace/originals/{shas[0][:2]}/{shas[0]}" in keys
    assert "huace/objects/proofs/1/001-proof.pdf" in keys and "huace/objects/proofs/1/001-proof.preflight.json" in keys
    again = run_album(settings.home, *copy, env=env).stdout
    assert "已上传并校验 0 个文件，已存在且校验一致 6 个" in again

    original = home.store.original_path(shas[1])
    kept = original.read_bytes()
    original.write_bytes(kept[:-100])  # damaged on the local disk: not copied, exit 1
    damaged = run_album(settings.home, "store", "copy", "--to", f"s3://{bucket}/other",
                        "--endpoint-url", s3_endpoint, env=env, check=False)
    assert damaged.returncode == 1
    assert f"本地原图已损坏，未复制（请先运行 album check）：originals/{shas[1][:2]}" in damaged.stdout
    original.write_bytes(kept)

    printed = [line.strip() for line in first.splitlines() if line.strip().startswith(("media_url", "s3_"))]
    with open(settings.home / "album.toml", "a", encoding="utf-8") as toml:
        toml.write("\n".join(printed) + "\n")  # the switch, as the command says
    assert "检查通过" in run_album(settings.home, "check", env=env).stdout
    assert "已在 S3 上" in run_album(settings.home, *copy, env=env, check=False).stderr

    client = s3_client(s3_endpoint)
    client.put_object(Bucket=bucket, Key=f"huace/originals/{shas[0][:2]}/{shas[0]}", Body=b"not the photo")
    client.delete_object(Bucket=bucket, Key=f"huace/originals/{shas[2][:2]}/{shas[2]}")
    found = run_album(settings.home, "check", env=env, check=False)
    assert found.returncode == 1
    assert f"原图 {shas[0][:12]}… 内容与校验值不符" in found.stdout and f"（{shas[2][:12]}…）" in found.stdout
    repaired = run_album(settings.home, "check", "--repair", env=env).stdout
    assert (settings.home / "lost+found" / shas[0]).read_bytes() == b"not the photo"
    assert "已移到" in repaired and f"（{shas[2][:12]}…）" in repaired  # the missing one is still reported
    assert not client.list_objects_v2(Bucket=bucket, Prefix=f"huace/originals/{shas[0][:2]}/{shas[0]}").get("Contents")
