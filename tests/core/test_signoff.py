"""Sign-off on proofs (三审三校, 专家审读): the rules in album.signoff and the database behind them."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from web_support import make_pdf

from album.accounts import create_user
from album.db import transaction
from album.models import Album, Comment, Proof, ReviewLevel, Role, SignOff
from album.signoff import SignOffError, sign, signed_on, stage_status, stages_for
from album.store import sha256_file

PEOPLE = {"zhang": Role.editor, "li": Role.editor, "wang": Role.admin, "zhao": Role.proofreader,
          "chen": Role.expert, "liu": Role.contributor}


@pytest.fixture
def album_id(db) -> int:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        album = Album(title="脱贫攻坚画册")
        session.add(album)
        session.flush()
        for name, role in PEOPLE.items():
            create_user(session, name, "password-123", role, display_name=f"{name}同志")
        return album.id


def add_proof(db, album_id: int, folder: Path, number: int) -> int:  # type: ignore[no-untyped-def]
    pdf = make_pdf(folder / f"proof-{number}.pdf", pages=4)
    with transaction(db) as session:
        proof = Proof(album_id=album_id, number=number, kind="proof", status="done",
                      pdf_path=str(pdf), page_count=4, pdf_sha256=sha256_file(pdf),
                      finished_at=datetime.now(timezone.utc))
        session.add(proof)
        session.flush()
        return proof.id


def signs(db, proof_id: int, who: str, stage: str, decision: str = "pass", opinion: str = "",
          corrects: int | None = None) -> int:  # type: ignore[no-untyped-def]
    from album.accounts import find_user

    with transaction(db) as session:
        record = sign(session, session.get(Proof, proof_id), find_user(session, who), stage=stage,
                      decision=decision, opinion=opinion,
                      corrects=None if corrects is None else session.get(SignOff, corrects))
        return record.id


def refused(db, proof_id: int, who: str, stage: str, **kwargs: object) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignOffError) as caught:
        signs(db, proof_id, who, stage, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_three_levels_by_three_people_in_order(db, album_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proof = add_proof(db, album_id, tmp_path, 1)
    assert "初审尚未通过" in refused(db, proof, "li", "review2")
    signs(db, proof, "zhang", "review1", opinion="图片说明统一了地名写法")
    signs(db, proof, "li", "review2")
    signs(db, proof, "wang", "review3")
    with transaction(db) as session:
        records = signed_on(session, session.get(Proof, proof))
        assert [(r.stage, r.signer_name, r.decision) for r in records] == [
            ("review1", "zhang同志", "pass"), ("review2", "li同志", "pass"), ("review3", "wang同志", "pass")]
        assert {r.proof_sha256 for r in records} == {sha256_file(tmp_path / "proof-1.pdf")}
        assert stage_status(session, session.get(Proof, proof), "review3").passed


def test_one_person_cannot_hold_two_levels_and_the_database_agrees(db, album_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proof = add_proof(db, album_id, tmp_path, 1)
    signs(db, proof, "zhang", "review1")
    message = refused(db, proof, "zhang", "review2")
    assert "同一人不能签署两级审稿" in message and "已负责初审" in message
    signs(db, proof, "li", "review2")
    assert "复审由li同志负责" in refused(db, add_proof(db, album_id, tmp_path, 2), "wang", "review2")
    # Beneath the rule: the table refuses a second level for the same person outright.
    with pytest.raises(IntegrityError), transaction(db) as session:
        zhang = session.scalars(select(ReviewLevel.user_id).where(ReviewLevel.level == "review1")).one()
        session.add(ReviewLevel(album_id=album_id, level="review3", user_id=zhang))


def test_final_review_waits_for_every_comment_on_that_proof(db, album_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proof = add_proof(db, album_id, tmp_path, 1)
    signs(db, proof, "zhang", "review1")
    signs(db, proof, "li", "review2")
    with transaction(db) as session:
        session.add(Comment(proof_id=proof, page=3, text="第3页图注“合作社”名称有误"))
    assert "还有 1 条意见未处理" in refused(db, proof, "wang", "review3")
    # 退改 is never blocked by open comments: it is how the reviewer sends them back.
    returned = signs(db, proof, "wang", "review3", decision="return", opinion="请先改第3页")
    with transaction(db) as session:
        session.execute(update(Comment).where(Comment.proof_id == proof).values(resolved=True))
    signs(db, proof, "wang", "review3", decision="pass", corrects=returned)
    with transaction(db) as session:
        status = stage_status(session, session.get(Proof, proof), "review3")
        assert status.passed and status.record.corrects_id == returned and status.record.round == 1


def test_sign_offs_are_append_only_and_corrected_by_new_records(db, album_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proof = add_proof(db, album_id, tmp_path, 1)
    first = signs(db, proof, "zhang", "review1", decision="return", opinion="第5页照片与说明不符")
    assert "已签署；如需改动，请提交更正" in refused(db, proof, "zhang", "review1")
    assert "初审尚未通过" in refused(db, proof, "li", "review2")  # 退改 does not pass the level
    with pytest.raises(DBAPIError), transaction(db) as session:
        session.get(SignOff, first).opinion = "改过的意见"
    with pytest.raises(DBAPIError), transaction(db) as session:
        session.delete(session.get(SignOff, first))
    assert "只能更正自己" in refused(db, proof, "li", "review1", corrects=first)
    second = signs(db, proof, "zhang", "review1", decision="pass_with_changes",
                   opinion="已按意见改正第5页", corrects=first)
    assert "已被更正过" in refused(db, proof, "zhang", "review1", corrects=first)
    signs(db, proof, "li", "review2")
    with transaction(db) as session:
        rows = session.query(SignOff).order_by(SignOff.id).all()
        assert [(r.id, r.opinion, r.corrects_id) for r in rows[:2]] == [
            (first, "第5页照片与说明不符", None), (second, "已按意见改正第5页", first)]


def test_levels_carry_over_to_later_proofs(db, album_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one = add_proof(db, album_id, tmp_path, 1)
    signs(db, one, "zhang", "review1")
    signs(db, one, "li", "review2")
    two = add_proof(db, album_id, tmp_path, 2)
    signs(db, two, "wang", "review3")
    with transaction(db) as session:
        assert [r.stage for r in signed_on(session, session.get(Proof, two))] == ["review3"]


def test_roles_sign_only_their_stages(db, album_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proof = add_proof(db, album_id, tmp_path, 1)
    assert stages_for(Role.expert) == ("expert",)
    assert stages_for(Role.proofreader) == ("proof1", "proof2", "proof3", "read")
    assert stages_for(Role.contributor) == ()
    assert "你的角色不能签署初审" in refused(db, proof, "chen", "review1")
    assert "你的角色不能签署一校" in refused(db, proof, "liu", "proof1")
    assert "二校尚未通过" in refused(db, proof, "zhao", "proof3")
    signs(db, proof, "zhao", "proof1")
    signs(db, proof, "zhao", "proof2")
    signs(db, proof, "chen", "expert", decision="pass_with_changes", opinion="建议第12页补充村名")
    assert "请写明审读意见" in refused(db, proof, "zhang", "proof3", decision="return")
    assert "请选择审读结论" in refused(db, proof, "zhao", "proof3", decision="maybe")


def test_a_proof_file_changed_after_rendering_cannot_be_signed(db, album_id: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proof = add_proof(db, album_id, tmp_path, 1)
    with open(tmp_path / "proof-1.pdf", "ab") as handle:
        handle.write(b"% appended later\n")
    assert "生成后被改动过" in refused(db, proof, "zhang", "review1")
    with transaction(db) as session:
        session.add(Proof(album_id=album_id, number=2, kind="print", status="done", pdf_path="x.pdf"))
        session.flush()
        printed = session.query(Proof).filter_by(number=2).one().id
    assert "只能在已完成的校样上签署" in refused(db, printed, "zhang", "review1")
