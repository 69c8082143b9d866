"""Every file of the Pillow corpus and each hostile case through the CLI import: a specific
reason for each bad file, acceptance for each good one, and no leftover row or file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from album.catalog import create_album
from album.config import Limits
from album.db import transaction
from album.home import open_home
from album.ingest.importer import import_paths
from cli_support import run_album
from hostile_files import REFUSED, english_in, png_bomb


@pytest.fixture
def hostile_dir(tmp_path, corpus) -> tuple[Path, dict[str, str]]:
    """Hostile files and the reason code each must get."""
    d = tmp_path / "hostile"
    d.mkdir()
    (d / "empty.jpg").write_bytes(b"")
    (d / "page.jpg").write_text("<!doctype html><script>alert(1)</script>", encoding="utf-8")
    (d / "run.jpg").write_text("#!/bin/sh\nrm -rf /\n", encoding="utf-8")
    (d / "doc.png").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n")
    (d / "bomb.png").write_bytes(png_bomb(40000, 40000))
    (d / "half.jpg").write_bytes((corpus / "photos/kde-kite.jpg").read_bytes()[:200_000])
    expected = {"empty.jpg": "empty", "page.jpg": "not-image", "run.jpg": "not-image",
                "doc.png": "not-image", "bomb.png": "too-many-pixels", "half.jpg": "corrupt"}
    archive = d / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(corpus / "pillow/hopper.jpg", "ok/hopper.jpg")
        zf.writestr("../../escape.jpg", (corpus / "pillow/hopper.png").read_bytes())
        zf.writestr("/abs/path.jpg", (corpus / "pillow/hopper.png").read_bytes())
        zf.writestr("C:/windows/x.jpg", (corpus / "pillow/hopper.png").read_bytes())
        zf.writestr("gpj.\u202eexe.jpg", (corpus / "pillow/hopper.png").read_bytes())
        zf.writestr("zeros.jpg", b"\0" * (8 << 20), compress_type=zipfile.ZIP_DEFLATED)
    expected.update({"ok/hopper.jpg": "added", "../../escape.jpg": "unsafe-path",
                     "/abs/path.jpg": "unsafe-path", "C:/windows/x.jpg": "unsafe-path",
                     "gpj.\u202eexe.jpg": "unsafe-path", "zeros.jpg": "zip-bomb"})
    bad_zip = d / "broken.zip"
    bad_zip.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    return d, expected


def test_every_pillow_corpus_file_through_core_import(settings, corpus):
    home = open_home(settings, create=True)
    with transaction(home.factory) as s:
        album_id = create_album(s, "对抗").id
    files = sorted(p for p in (corpus / "pillow").iterdir() if p.is_file())
    assert files, "no Pillow corpus files"
    report = import_paths(home.factory, home.store, settings.limits, album_id, files)
    outcomes = {o.name: o for o in report.outcomes}
    assert set(outcomes) == {p.name for p in files}
    for name, outcome in outcomes.items():
        if name in REFUSED:
            assert (outcome.status, outcome.code) == ("refused", REFUSED[name]), name
            assert outcome.reason, name
            assert not english_in(outcome.reason), (name, outcome.reason)
        else:
            assert outcome.status in ("added", "duplicate"), (name, outcome.reason)
    added = report.count("added")
    assert added == len({p.name for p in files} - set(REFUSED)) - report.count("duplicate")
    assert len(list(home.store.iter_originals())) == added
    home.close()


def test_hostile_files_through_cli_leave_nothing_behind(tmp_path, hostile_dir):
    d, expected = hostile_dir
    home = tmp_path / "home"
    run_album(home, "init", "--title", "对抗")
    result = run_album(home, "import", str(d), check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "新增 1 张" in result.stdout
    assert expected
    for name, code in expected.items():
        if code != "added":
            assert name.split("/")[-1] in result.stderr or name in result.stderr, name
    assert "broken.zip" in result.stderr
    check = run_album(home, "check", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    originals = list((home / "store" / "originals").rglob("*"))
    assert len([p for p in originals if p.is_file()]) == 1
    assert not (tmp_path / "escape.jpg").exists() and not Path("/abs/path.jpg").exists()


def test_hostile_codes_are_specific(settings, hostile_dir):
    d, expected = hostile_dir
    home = open_home(settings, create=True)
    with transaction(home.factory) as s:
        album_id = create_album(s, "对抗").id
    report = import_paths(home.factory, home.store, settings.limits, album_id, sorted(d.iterdir()))
    got = {o.name: (o.code or o.status) for o in report.outcomes}
    assert expected
    for name, code in expected.items():
        assert got[name] == code, (name, got[name])
    assert got["broken.zip"] == "bad-zip"
    home.close()


def test_oversized_file_refused_by_configured_limit(settings, large_photo):
    home = open_home(settings, create=True)
    with transaction(home.factory) as s:
        album_id = create_album(s, "对抗").id
    small = Limits(max_upload_bytes=1_000_000, max_pixels=settings.limits.max_pixels)
    report = import_paths(home.factory, home.store, small, album_id,
                          [large_photo])  # about 2 MB
    assert report.outcomes[0].code == "too-large" and "MB" in report.outcomes[0].reason
    assert list(home.store.iter_originals()) == []
    home.close()
