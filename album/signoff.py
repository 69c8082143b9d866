"""Sign-off on proofs: the publisher's 三审三校 and the office's expert review, as records.

A sign-off is a signature on one proof PDF (its sha256 is kept with it) at one stage. The rules
live here and the database backs them: sign-offs are append-only (triggers refuse UPDATE and
DELETE; a correction is a new record naming the one it replaces), and ``review_levels`` holds
one person per review level and one level per person, so nobody signs two of 初审/复审/终审.

Levels carry over from proof to proof: 初审 and 复审 are usually signed on early proofs and
终审 on the last one. What a stage "stands at" is its newest record, corrections applied, on
this proof or an earlier one of the same album.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from album.errors import AlbumError, NotFoundError
from album.models import Album, Comment, Proof, ReviewLevel, Role, SignOff, User
from album.proofs import proof_file
from album.store import MediaStore, sha256_file

if TYPE_CHECKING:
    from album.render.review_sheet import ReviewSheet

# Stage ids in the order a book goes through them, with the names on the 审稿单.
REVIEW_LEVELS = ("review1", "review2", "review3")
PROOF_ROUNDS = ("proof1", "proof2", "proof3", "read")
EXPERT = "expert"
STAGES = (*REVIEW_LEVELS, *PROOF_ROUNDS, EXPERT)
STAGE_NAMES = {
    "review1": "初审", "review2": "复审", "review3": "终审",
    "proof1": "一校", "proof2": "二校", "proof3": "三校", "read": "通读",
    EXPERT: "专家审读",
}
DECISION_NAMES = {"pass": "通过", "pass_with_changes": "修改后通过", "return": "退改"}
PASSING = frozenset({"pass", "pass_with_changes"})
OPINION_MAX = 5000

# Who may sign which stage. An expert signs only the expert opinion; a proofreader only the
# proofreading rounds; editors and admins sign review levels and may also proofread.
STAGE_ROLES = {
    **{stage: frozenset({Role.editor, Role.admin}) for stage in REVIEW_LEVELS},
    **{stage: frozenset({Role.proofreader, Role.editor, Role.admin}) for stage in PROOF_ROUNDS},
    EXPERT: frozenset({Role.expert}),
}


class SignOffError(AlbumError):
    """A sign-off the rules refuse; the message says which rule, in the reader's words."""


def stages_for(role: Role) -> tuple[str, ...]:
    """The stages ``role`` may sign, in book order."""
    return tuple(stage for stage in STAGES if role in STAGE_ROLES[stage])


def sign_offs(session: Session, album_id: int) -> list[SignOff]:
    """Every record of the album, oldest first."""
    return list(session.scalars(
        select(SignOff).where(SignOff.album_id == album_id).order_by(SignOff.id)))


def effective(records: list[SignOff]) -> list[SignOff]:
    """Records that stand: those no later record corrects."""
    corrected = {r.corrects_id for r in records if r.corrects_id is not None}
    return [r for r in records if r.id not in corrected]


@dataclass(frozen=True)
class StageStatus:
    stage: str
    record: SignOff | None  # the newest standing record up to the proof, or None

    @property
    def passed(self) -> bool:
        return self.record is not None and self.record.decision in PASSING


def stage_status(session: Session, proof: Proof, stage: str) -> StageStatus:
    """Where ``stage`` stands for ``proof``: its newest standing record on this proof or an
    earlier one (levels signed on an earlier proof carry over)."""
    rows = session.execute(
        select(SignOff, Proof.number).join(Proof, SignOff.proof_id == Proof.id)
        .where(SignOff.album_id == proof.album_id, Proof.number <= proof.number)
        .order_by(Proof.number, SignOff.id)
    ).all()
    standing = effective([row[0] for row in rows])
    at_stage = [r for r in standing if r.stage == stage]
    return StageStatus(stage, at_stage[-1] if at_stage else None)


def signed_on(session: Session, proof: Proof) -> list[SignOff]:
    """The standing records signed on this very proof, in stage order then time."""
    records = effective(sign_offs(session, proof.album_id))
    mine = [r for r in records if r.proof_id == proof.id]
    return sorted(mine, key=lambda r: (STAGES.index(r.stage), r.id))


def _check_proof_file(proof: Proof, store: MediaStore | None) -> str:
    if proof.kind != "proof" or proof.status != "done":
        raise SignOffError("只能在已完成的校样上签署审读意见")
    path = proof_file(store, proof) if store is not None else Path(proof.pdf_path)
    if path is None or not path.is_file():
        raise SignOffError(f"校样第{proof.number}版的文件已不在，无法签署")
    digest = sha256_file(path)
    if proof.pdf_sha256 and digest != proof.pdf_sha256:
        raise SignOffError(f"校样第{proof.number}版的文件在生成后被改动过，不能在其上签署")
    return digest


def _check_level_holder(session: Session, proof: Proof, stage: str, user: User) -> None:
    """One person per level and one level per person, for the whole album."""
    holders = {h.level: h for h in session.scalars(
        select(ReviewLevel).where(ReviewLevel.album_id == proof.album_id))}
    mine = [h.level for h in holders.values() if h.user_id == user.id]
    if mine and mine[0] != stage:
        raise SignOffError(
            f"同一人不能签署两级审稿：{user.display_name or user.username}已负责"
            f"{STAGE_NAMES[mine[0]]}，不能再签{STAGE_NAMES[stage]}")
    holder = holders.get(stage)
    if holder is not None and holder.user_id != user.id:
        other = session.get(User, holder.user_id)
        raise SignOffError(f"{STAGE_NAMES[stage]}由{_person(other)}负责，其他人不能签署")
    if holder is None:
        session.add(ReviewLevel(album_id=proof.album_id, level=stage, user_id=user.id))


def _check_previous_passed(session: Session, proof: Proof, stage: str) -> None:
    for chain in (REVIEW_LEVELS, PROOF_ROUNDS):
        if stage in chain and chain.index(stage) > 0:
            before = chain[chain.index(stage) - 1]
            if not stage_status(session, proof, before).passed:
                raise SignOffError(
                    f"{STAGE_NAMES[before]}尚未通过，不能签{STAGE_NAMES[stage]}")


def _check_comments_resolved(session: Session, proof: Proof) -> None:
    open_count = len(list(session.scalars(
        select(Comment.id).where(Comment.proof_id == proof.id, Comment.resolved.is_(False)))))
    if open_count:
        raise SignOffError(f"校样第{proof.number}版还有 {open_count} 条意见未处理，不能签终审")


def _person(user: User | None) -> str:
    return "（已删除的用户）" if user is None else (user.display_name or user.username)


def sign(session: Session, proof: Proof, user: User, *, stage: str, decision: str,
         opinion: str, corrects: SignOff | None = None, store: MediaStore | None = None) -> SignOff:
    """Record ``user``'s signature on ``proof`` at ``stage``; refuse what the rules forbid.
    ``store`` is where the proof's file is read from (by default its recorded path).

    A stage is signed once per proof (an expert opinion once per expert); signing it again is
    a correction, which names the record it replaces and must come from the same person.
    """
    if stage not in STAGES:
        raise SignOffError("未知的审校环节")
    if decision not in DECISION_NAMES:
        raise SignOffError("请选择审读结论：通过、修改后通过或退改")
    opinion = opinion.strip()
    if len(opinion) > OPINION_MAX:
        raise SignOffError(f"审读意见最多 {OPINION_MAX} 字")
    if decision != "pass" and not opinion:
        raise SignOffError(f"结论为“{DECISION_NAMES[decision]}”时请写明审读意见")
    if not user.active or user.role not in STAGE_ROLES[stage]:
        raise SignOffError(f"你的角色不能签署{STAGE_NAMES[stage]}")
    digest = _check_proof_file(proof, store)
    if corrects is not None:
        if corrects.proof_id != proof.id or corrects.stage != stage or corrects.user_id != user.id:
            raise SignOffError("只能更正自己在本校样同一环节的签署")
        if corrects not in effective(sign_offs_on_stage(session, proof, stage)):
            raise SignOffError("这条签署已被更正过，请更正最新的一条")
    else:
        mine = [r for r in effective(sign_offs_on_stage(session, proof, stage))
                if stage != EXPERT or r.user_id == user.id]
        if mine:
            raise SignOffError(
                f"校样第{proof.number}版的{STAGE_NAMES[stage]}已签署；如需改动，请提交更正")
    if stage in REVIEW_LEVELS:
        _check_level_holder(session, proof, stage, user)
    _check_previous_passed(session, proof, stage)
    if stage == "review3" and decision in PASSING:
        _check_comments_resolved(session, proof)
    if corrects is not None:
        round_ = corrects.round
    else:
        round_ = 1 + len([r for r in sign_offs(session, proof.album_id)
                          if r.stage == stage and r.corrects_id is None])
    record = SignOff(
        album_id=proof.album_id, proof_id=proof.id, stage=stage,
        round=round_, user_id=user.id,
        role=user.role.value, signer_name=_person(user), opinion=opinion, decision=decision,
        proof_sha256=digest, corrects_id=None if corrects is None else corrects.id)
    session.add(record)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent signer took the level first
        raise SignOffError("审稿级别已由他人同时签署，请刷新后再试") from exc
    return record


def sign_offs_on_stage(session: Session, proof: Proof, stage: str) -> list[SignOff]:
    return list(session.scalars(select(SignOff).where(
        SignOff.proof_id == proof.id, SignOff.stage == stage).order_by(SignOff.id)))


def get_sign_off(session: Session, proof: Proof, sign_off_id: int) -> SignOff:
    record = session.get(SignOff, sign_off_id)
    if record is None or record.proof_id != proof.id:
        raise NotFoundError(f"本校样没有编号为 {sign_off_id} 的签署")
    return record


def _day(record: SignOff) -> str:
    """The local date of a signature (SQLite hands back UTC times without their zone)."""
    moment = record.created_at
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone().strftime("%Y-%m-%d")


def review_sheet(session: Session, album: Album, proof: Proof) -> ReviewSheet:
    """The 审稿单 of ``proof``: every stage in book order, signed or left blank. A review level
    signed on an earlier proof is shown with the proof it was signed on."""
    from datetime import date

    from album.render.review_sheet import ReviewSheet, SheetRow

    here = signed_on(session, proof)
    rows: list[SheetRow] = []
    for stage in STAGES:
        records = [r for r in here if r.stage == stage]
        if not records and stage in REVIEW_LEVELS:
            carried = stage_status(session, proof, stage).record
            records = [] if carried is None else [carried]
        for record in records:
            notes = []
            if record.proof_id != proof.id:
                notes.append(f"签于校样第{session.get(Proof, record.proof_id).number}版")
            if record.corrects_id is not None:
                old = session.get(SignOff, record.corrects_id)
                notes.append(f"更正{_day(old)}的签署，原结论：{DECISION_NAMES[old.decision]}")
            rows.append(SheetRow(STAGE_NAMES[stage], DECISION_NAMES[record.decision], record.opinion,
                                 record.signer_name, _day(record), "；".join(notes)))
        if not records:
            rows.append(SheetRow(STAGE_NAMES[stage], "", "", "", ""))
    finished = proof.finished_at or proof.created_at
    return ReviewSheet(
        book_title=album.title, proof_number=proof.number,
        proof_date=finished.strftime("%Y-%m-%d") if finished else "", page_count=proof.page_count,
        proof_sha256=proof.pdf_sha256, rows=tuple(rows), issued=date.today().isoformat())


def write_review_sheet_of(session: Session, album: Album, proof: Proof, out_path: Path) -> None:
    """Write the 审稿单 of ``proof`` as a PDF at ``out_path``."""
    from album.render.review_sheet import write_review_sheet

    if proof.kind != "proof":
        raise SignOffError(f"第{proof.number}版不是校样，没有审稿单")
    write_review_sheet(review_sheet(session, album, proof), out_path)
