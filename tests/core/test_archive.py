"""``album export`` → ``album import-archive`` into a new home gives the same album: originals by
sha256, chapters and their order, photo order, captions, pins, cover, users (hashes only), and the
same page plan from ``album book``. A broken archive is one clear line and exit status 1."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from album.accounts import create_user
from album.arrange import reorder_chapters, reorder_photos
from album.catalog import create_album, get_or_create_chapter
from album.db import transaction
from album.home import open_home
from album.ingest.importer import import_paths
from album.campaign.rounds import add_round, set_target
from album.campaign.units import save_unit
from album.models import (
    Album, Chapter, CollectionRound, LetterSent, Photo, Pin, ProgressReport, Proof, Release, ReviewLevel,
    ReviewState, Role, SignOff, Target, Unit, UnitLevel, User)
from album.store import sha256_file
from cli_support import run_album

pytestmark = pytest.mark.db
PASSWORD = "备份-secret-7788"


def album(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_album(home, *args, check=False, timeout=300, env=env)


def build_source(settings, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    """Two chapters in a non-default order, reordered photos, a deleted photo (an id gap), pins."""
    home = open_home(settings, create=True)
    photos = sorted((corpus / "photos").glob("*.jpg"))
    with transaction(home.factory) as s:
        album_id = create_album(s, "备份测试").id
        create_user(s, "editor1", PASSWORD, Role.editor, display_name="编辑甲", unit="宣传部")
        create_user(s, "投稿人", PASSWORD, Role.contributor)
    import_paths(home.factory, home.store, settings.limits, album_id, photos[:6], chapter="甲篇",
                 status=ReviewState.accepted)
    import_paths(home.factory, home.store, settings.limits, album_id, photos[6:11], chapter="乙篇",
                 status=ReviewState.accepted)
    with transaction(home.factory) as s:
        album_row = s.get(Album, album_id)
        first, second = (get_or_create_chapter(s, album_row, t) for t in ("甲篇", "乙篇"))
        first.opener_text = "第一篇的导语"
        reorder_chapters(s, album_row, [second.id, first.id])
        doomed = s.scalars(select(Photo).where(Photo.chapter_id == first.id).order_by(Photo.position)).first()
        s.delete(doomed)
        s.flush()
        kept = s.scalars(select(Photo).where(Photo.chapter_id == first.id).order_by(Photo.id)).all()
        reorder_photos(s, first, [p.id for p in reversed(kept)])
        for n, photo in enumerate(s.scalars(select(Photo).order_by(Photo.id)), 1):
            photo.caption = f"第{n}张：村口的“新路”\n通车那天"
            photo.photographer = f"摄影者{n}"
        s.add(Pin(album_id=album_id, template="alone", photo_ids=[kept[0].id]))
        s.add(Pin(album_id=album_id, template="spread", photo_ids=[kept[-1].id]))
        album_row.cover_photo_id = kept[1].id
        _campaign(s, album_row, first)
        add_review_record(s, album_id, s.scalars(select(User).where(User.username == "editor1")).one().id)
    home.close()


def _campaign(s, album_row: Album, chapter: Chapter) -> None:  # type: ignore[no-untyped-def]
    """Units (a county made before its 市州, so its parent has the higher id), people and photos in
    them, a round with targets, an issued 通报 and a letter sent."""
    county = save_unit(s, None, name="昭觉县", level=UnitLevel.county, contact="吉克", phone="0834-1",
                       email="zj@example.cn", aliases=["昭觉"])
    city = save_unit(s, None, name="凉山彝族自治州", level=UnitLevel.city, aliases=["凉山州"])
    county.parent_id = city.id
    s.scalars(select(User).where(User.username == "editor1")).one().unit_id = county.id
    for photo in s.scalars(select(Photo).order_by(Photo.id).limit(3)):
        photo.unit, photo.unit_id = "凉山州", city.id
    found = add_round(s, album_row, date(2026, 9, 1), date(2026, 10, 31), "第一批")
    set_target(s, found, 15, level=UnitLevel.county)
    set_target(s, found, 40, unit=city)
    set_target(s, found, 5, unit=county, chapter=chapter)
    s.add(ProgressReport(album_id=album_row.id, number=1, round_id=found.id, issued_on=date(2026, 10, 1)))
    s.add(LetterSent(album_id=album_row.id, unit_id=county.id, round_id=found.id, sent_on=date(2026, 10, 2),
                     figures={"target": 15, "actual": 2}))


def add_review_record(s, album_id: int, editor_id: int) -> None:  # type: ignore[no-untyped-def]
    """A proof whose 初审 was returned and then corrected to a pass, and a release from it."""
    proof = Proof(album_id=album_id, number=1, kind="proof", status="done", pdf_path="/gone/001-proof.pdf")
    printed = Proof(album_id=album_id, number=2, kind="print", status="done", pdf_path="/gone/002-print.pdf")
    s.add_all([proof, printed, ReviewLevel(album_id=album_id, level="review1", user_id=editor_id)])
    s.flush()
    common = {"album_id": album_id, "proof_id": proof.id, "stage": "review1", "user_id": editor_id,
              "role": "editor", "signer_name": "编辑甲", "proof_sha256": "ab" * 32}
    returned = SignOff(**common, decision="return", opinion="第2页说明有误")
    s.add(returned)
    s.flush()
    s.add(SignOff(**common, decision="pass", opinion="已改", corrects_id=returned.id))
    s.add(Release(album_id=album_id, signed_proof_id=proof.id, print_proof_id=printed.id,
                  content_hash="cd" * 32, signers={"proof_number": 1, "初审": "编辑甲"}, created_by=editor_id))


def snapshot(settings) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything that must survive the round trip, with ids replaced by content (sha256)."""
    home = open_home(settings)
    try:
        with transaction(home.factory) as s:
            sha = {p.id: p.sha256 for p in s.scalars(select(Photo))}
            album_row = s.scalars(select(Album)).one()
            chapters = [(c.title, c.opener_text, c.position,
                         [(sha[p.id], p.position, p.caption, p.photographer, p.status.value, p.width_px)
                          for p in s.scalars(select(Photo).where(Photo.chapter_id == c.id).order_by(Photo.position))])
                        for c in s.scalars(select(Chapter).order_by(Chapter.position))]
            return {
                "album": (album_row.title, album_row.trim_width_mm, sha.get(album_row.cover_photo_id)),
                "chapters": chapters,
                "pins": sorted((p.template, tuple(sha[i] for i in p.photo_ids)) for p in s.scalars(select(Pin))),
                "users": sorted((u.username, u.role.value, u.display_name, u.unit, u.password_hash)
                                for u in s.scalars(select(User))),
                "files": sorted((h, sha256_file(home.store.original_path(h))) for h in sha.values()),
                "review": review_record(s),
                "ids": sha,
                "campaign": _campaign_snapshot(s, sha),
            }
    finally:
        home.close()


def review_record(s) -> list[object]:  # type: ignore[no-untyped-def]
    """Sign-offs, levels and releases with ids replaced by what they point at."""
    number = {p.id: p.number for p in s.scalars(select(Proof))}
    user = {u.id: u.username for u in s.scalars(select(User))}
    records = s.scalars(select(SignOff).order_by(SignOff.id)).all()
    opinion = {r.id: r.opinion for r in records}
    return [
        [(number[r.proof_id], r.stage, r.decision, r.opinion, user[r.user_id], opinion.get(r.corrects_id))
         for r in records],
        [(lv.level, user[lv.user_id]) for lv in s.scalars(select(ReviewLevel))],
        [(number[r.signed_proof_id], number[r.print_proof_id], r.signers, user[r.created_by])
         for r in s.scalars(select(Release))],
    ]
def _campaign_snapshot(s, sha: dict[int, str]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    unit = {u.id: u.name for u in s.scalars(select(Unit))}
    chapter = {c.id: c.title for c in s.scalars(select(Chapter))}
    rounds = {r.id: r.number for r in s.scalars(select(CollectionRound))}
    return {
        "units": sorted((u.name, u.level.value, unit.get(u.parent_id), u.contact, u.phone, u.email, tuple(u.aliases))
                        for u in s.scalars(select(Unit))),
        "people": sorted((u.username, unit.get(u.unit_id)) for u in s.scalars(select(User))),
        "photos": sorted((sha[p.id], p.unit, unit.get(p.unit_id)) for p in s.scalars(select(Photo))),
        "rounds": [(r.number, r.name, r.starts_on, r.deadline) for r in s.scalars(select(CollectionRound))],
        "targets": sorted((rounds[t.round_id], unit.get(t.unit_id) or "", t.level, chapter.get(t.chapter_id) or "",
                           t.count) for t in s.scalars(select(Target))),
        "reports": [(r.number, rounds[r.round_id], r.issued_on) for r in s.scalars(select(ProgressReport))],
        "letters": [(unit[x.unit_id], rounds[x.round_id], x.sent_on, x.figures) for x in s.scalars(select(LetterSent))],
    }


def page_plan(home: Path, ids: dict[int, str], env: dict[str, str] | None = None) -> list[str]:
    result = album(home, "book", env=env)
    assert result.returncode == 0, result.stderr
    return [re.sub(r"#(\d+)", lambda m: "#" + ids[int(m[1])][:12], line) for line in result.stdout.splitlines()]


@pytest.fixture
def target(tmp_path: Path, database_url: str | None, make_database_url):  # type: ignore[no-untyped-def]
    """A new, empty home (with a database of its own on a server) and the env to reach it."""
    env = dict(os.environ)
    if database_url is not None:
        env["ALBUM_DATABASE_URL"] = make_database_url()
    return tmp_path / "restored", env


def test_round_trip_gives_the_same_album(settings, corpus: Path, tmp_path: Path, target) -> None:
    from album.config import load_settings

    build_source(settings, corpus)
    before = snapshot(settings)
    assert len(before["files"]) == 10 and before["pins"] and before["album"][2]
    plan_before = page_plan(settings.home, before["ids"])
    assert any("#" in line for line in plan_before)

    archive = tmp_path / "备份.zip"
    exported = album(settings.home, "export", str(archive))
    assert exported.returncode == 0, exported.stderr
    assert PASSWORD.encode() not in archive.read_bytes(), "a clear-text password went into the backup"

    new_home, env = target
    restored = album(new_home, "import-archive", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "10 张照片" in restored.stdout

    after_settings = load_settings(new_home, database_url=env.get("ALBUM_DATABASE_URL"))
    after = snapshot(after_settings)
    assert before["review"][0][1][5] == "第2页说明有误"  # the correction points at the returned record
    assert len(before["campaign"]["units"]) == 2 and before["campaign"]["letters"]
    for key in ("album", "chapters", "pins", "users", "files", "review", "campaign"):
        assert after[key] == before[key], key
    assert after["files"], "the restored album has no files"
    assert all(h == content for h, content in after["files"])
    assert page_plan(new_home, after["ids"], env) == plan_before
    check = album(new_home, "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.slow  # about 10 s: an export, then five broken archives each through a new `album` process
def test_broken_archives_are_refused_with_one_clear_line(settings, corpus: Path, tmp_path: Path, target) -> None:
    build_source(settings, corpus)
    good = tmp_path / "good.zip"
    assert album(settings.home, "export", str(good)).returncode == 0
    new_home, env = target

    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    assert "备份文件无法读取" in _one_line_error(album(new_home, "import-archive", str(not_zip), env=env))

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "备份文件无法读取" in _one_line_error(album(new_home, "import-archive", str(truncated), env=env))

    no_json = tmp_path / "no-json.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(no_json, "w") as dst:
        for item in src.infolist():
            if item.filename != "album.json":
                dst.writestr(item, src.read(item))
    assert "album.json" in _one_line_error(album(new_home, "import-archive", str(no_json), env=env))

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("originals/") and not any(
                    i.filename.startswith("originals/") for i in dst.infolist()):
                data = data[:-16] + b"\0" * 16
            dst.writestr(item, data)
    assert "已损坏" in _one_line_error(album(new_home, "import-archive", str(tampered), env=env))

    # None of the refusals left a row or an original behind (check: no orphans), and the good
    # archive still restores into the same home.
    left = album(new_home, "check", env=env)
    assert left.returncode == 0, left.stdout + left.stderr
    restored = album(new_home, "import-archive", str(good), env=env)
    assert restored.returncode == 0, restored.stderr
    check = album(new_home, "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
