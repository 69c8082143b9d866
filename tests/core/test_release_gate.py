"""The 付印 gate's content hash covers the installation's print settings too: a grey-photo
separation changed in album.toml after 终审 changes the printed file, so it stops the release."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from web_support import make_pdf

from album.accounts import create_user
from album.catalog import create_album
from album.config import load_settings
from album.db import transaction
from album.home import open_home
from album.models import Proof, Role
from album.publish import album_content_hash, check_release
from album.release import ReleaseRefused
from album.signoff import sign
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
