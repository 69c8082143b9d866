"""The 付印 gate's content hash covers the installation's print settings too: a grey-photo
separation changed in album.toml after 终审 changes the printed file, so it stops the release."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from web_support import make_pdf

from album.accounts import create_user
from album.arrange import create_chapter, set_opener_photo
from album.catalog import create_album
from album.config import load_settings
from album.db import transaction
from album.home import open_home
from album.models import Photo, Proof, ReviewState, Role
from album.publish import album_content_hash, check_release
from album.release import ReleaseRefused
from album.signoff import sign
from album.snapshots import snapshot_album
from album.store import sha256_file


def test_a_changed_grey_setting_after_final_review_stops_the_release(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = open_home(settings, create=True)
    with transaction(home.factory) as session:
        album = create_album(session, "脱贫攻坚画册")
        people = [create_user(session, name, "password-123", role)
                  for name, role in (("zhang", Role.editor), ("li", Role.editor), ("wang", Role.admin))]
        pdf = make_pdf(tmp_path / "proof.pdf")
        proof = Proof(album_id=album.id, number=1, kind="proof", status="done", pdf_path=str(pdf),
                      pdf_sha256=sha256_file(pdf), content_hash=album_content_hash(home, session, album),
                      finished_at=datetime.now(timezone.utc))
        session.add(proof)
        session.flush()
        for user, stage in zip(people, ("review1", "review2", "review3")):
            sign(session, proof, user, stage=stage, decision="pass", opinion="")
        album_id = album.id
    assert check_release(home, album_id).proof_number == 1
    home.close()

    (settings.home / "album.toml").write_text('grey_photos = "cmyk"\n', encoding="utf-8")
    changed = open_home(load_settings(settings.home, database_url=settings.database_url))
    try:
        with pytest.raises(ReleaseRefused, match="终审之后画册内容已有改动"):
            check_release(changed, album_id)
    finally:
        changed.close()


def test_the_opener_photo_pick_is_in_the_snapshot_and_the_content_hash(settings) -> None:  # type: ignore[no-untyped-def]
    """Picking another opener photo changes the printed book, so a release signed before the
    pick must not go to print: the snapshot carries the pick and the hash covers the snapshot."""
    home = open_home(settings, create=True)
    try:
        with transaction(home.factory) as session:
            album = create_album(session, "篇章页画册")
            user = create_user(session, "zhang", "password-123", Role.editor)
            chapter = create_chapter(session, album, "第一篇")
            ids = []
            for i in (1, 2):
                photo = Photo(album_id=album.id, sha256=f"{i:064x}", original_name=f"{i}.jpg",
                              format="JPEG", width_px=4500, height_px=3000, caption=f"图{i}",
                              status=ReviewState.accepted, submitter_id=user.id,
                              chapter_id=chapter.id, position=i)
                session.add(photo)
                session.flush()
                ids.append(photo.id)
            auto = album_content_hash(home, session, album)
            set_opener_photo(session, chapter, ids[1])
            session.flush()
            assert snapshot_album(session, album).chapters[0].opener_photo_id == ids[1]
            picked = album_content_hash(home, session, album)
            set_opener_photo(session, chapter, ids[0])
            session.flush()
            other = album_content_hash(home, session, album)
            set_opener_photo(session, chapter, None)
            session.flush()
            assert len({auto, picked, other}) == 3
            assert album_content_hash(home, session, album) == auto
    finally:
        home.close()
