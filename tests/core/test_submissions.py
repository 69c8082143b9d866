"""The contributor's and the reviewer's rules, in the core (the web only calls them): who sees
which photo, who may withdraw it, and what a page comment must be."""

from __future__ import annotations

import io

import pytest

from album import proofs, submissions
from album.accounts import create_user
from album.catalog import create_album
from album.db import transaction
from album.errors import AlbumError, IngestError, NotFoundError
from album.ingest.upload import ingest_upload
from album.models import Album, Photo, Proof, ReviewState, Role


@pytest.fixture
def people(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        create_album(session, "审校画册")
        return {name: create_user(session, name, "correct-horse-1", role).id
                for name, role in (("county", Role.contributor), ("city", Role.contributor),
                                   ("editor", Role.editor))}


def _photo(session, owner: int, status: ReviewState, n: int) -> Photo:  # type: ignore[no-untyped-def]
    album = session.query(Album).one()
    photo = Photo(album_id=album.id, sha256=f"{n:064x}", original_name=f"{n}.jpg", format="JPEG",
                  width_px=300, height_px=200, status=status, submitter_id=owner)
    session.add(photo)
    session.flush()
    return photo


def test_contributor_sees_and_withdraws_only_own_pending_photos(db, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        pending = _photo(session, people["county"], ReviewState.submitted, 1).id
        accepted = _photo(session, people["county"], ReviewState.accepted, 2).id
    with transaction(db) as session:
        assert submissions.visible_photo(session, pending, viewer_id=people["county"], is_editor=False).id == pending
        assert submissions.visible_photo(session, pending, viewer_id=people["editor"], is_editor=True).id == pending
        with pytest.raises(NotFoundError):  # someone else's photo answers like a missing one
            submissions.visible_photo(session, pending, viewer_id=people["city"], is_editor=False)
        with pytest.raises(NotFoundError):
            submissions.own_photo(session, pending, people["city"])
        with pytest.raises(AlbumError, match="已被采用"):
            submissions.withdraw(session, submissions.own_photo(session, accepted, people["county"]))
        submissions.withdraw(session, submissions.own_photo(session, pending, people["county"]))
    with transaction(db) as session:
        assert {p.id for p in session.query(Photo)} == {accepted}


def test_upload_refuses_hostile_name_oversize_and_someone_elses_photo(db, store, settings, people,
                                                                      corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = (corpus / "exif/jpg/Canon_40D.jpg").read_bytes()
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    with transaction(db) as session:
        album = session.query(Album).one()
        photo, created = ingest_upload(session, store, settings.limits, album, io.BytesIO(data), "佳能.jpg",
                                       tmp_dir=uploads, submitter_id=people["county"], unit="某县")
        assert created and photo.original_name == "佳能.jpg" and photo.unit == "某县"
        with pytest.raises(IngestError) as same:
            ingest_upload(session, store, settings.limits, album, io.BytesIO(data), "again.jpg",
                          tmp_dir=uploads, submitter_id=people["city"])
        assert same.value.code == "duplicate"
        with pytest.raises(IngestError) as hostile:
            ingest_upload(session, store, settings.limits, album, io.BytesIO(data), "../../etc/x.jpg",
                          tmp_dir=uploads, submitter_id=people["city"])
        assert hostile.value.code == "unsafe-path"
        small = type(settings.limits)(max_upload_bytes=len(data) - 1, max_pixels=settings.limits.max_pixels)
        with pytest.raises(IngestError) as big:
            ingest_upload(session, store, small, album, io.BytesIO(data), "big.jpg",
                          tmp_dir=uploads, submitter_id=people["city"])
        assert big.value.code == "too-large" and "文件太大" in str(big.value)
    assert list(uploads.iterdir()) == []  # every temporary copy is gone
    with transaction(db) as session:
        assert session.query(Photo).count() == 1


def test_comments_need_a_page_of_the_proof_and_some_words(db, people) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        album = session.query(Album).one()
        proof = Proof(album_id=album.id, number=1, kind="proof", status="done", settings={}, pdf_path="/x.pdf")
        session.add(proof)
        session.flush()
        with pytest.raises(AlbumError, match="页码"):
            proofs.add_comment(session, proof, page=21, page_count=20, author_id=people["editor"], text="图说有误")
        with pytest.raises(AlbumError, match="意见"):
            proofs.add_comment(session, proof, page=3, page_count=20, author_id=people["editor"], text="  ")
        proofs.add_comment(session, proof, page=3, page_count=20, author_id=people["editor"], text="第三页图说有误")
        proofs.add_comment(session, proof, page=3, page_count=20, author_id=people["editor"], text="人名待核")
        comments = proofs.proof_comments(session, proof)
        assert [c.page for c in comments] == [3, 3]
        comments[0].resolved = True
        assert proofs.open_comments_by_page(proofs.proof_comments(session, proof)) == {3: 1}
        assert proofs.list_proofs(session, album) == [proof]
