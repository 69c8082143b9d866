"""The persistent model: Album ▸ Chapter ▸ Photo, pins, users, proofs and their comments.

Geometry is in millimetres, pixel sizes end in ``_px``. Photo pixel sizes are stored *upright*
(after EXIF orientation), because that is the shape the layout engine must fit.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from album.print_spec import BLEED_MM


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class ReviewState(str, enum.Enum):
    submitted = "submitted"
    accepted = "accepted"
    rejected = "rejected"


class Role(str, enum.Enum):
    contributor = "contributor"
    editor = "editor"
    admin = "admin"
    proofreader = "proofreader"  # 校对: reads proofs and signs the proofreading rounds
    expert = "expert"  # 审读专家: reads proofs, comments and signs an expert opinion, nothing else


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    active: Mapped[bool] = mapped_column(default=True)
    # Moved on by sign-out, a new password or disabling: sessions issued before stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Collection campaign (#12): the person's 供稿单位 as a row; ``unit`` stays the text typed.
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True, default=None
    )


class Album(Base):
    __tablename__ = "albums"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    publisher: Mapped[str] = mapped_column(String(200), default="")
    trim_width_mm: Mapped[float] = mapped_column(Float, default=210.0)
    trim_height_mm: Mapped[float] = mapped_column(Float, default=285.0)
    bleed_mm: Mapped[float] = mapped_column(Float, default=BLEED_MM)
    page_multiple: Mapped[int] = mapped_column(Integer, default=4)
    paper_caliper_mm: Mapped[float] = mapped_column(Float, default=0.1)
    preface: Mapped[str] = mapped_column(Text, default="")
    afterword: Mapped[str] = mapped_column(Text, default="")
    copyright_text: Mapped[str] = mapped_column(Text, default="")
    cover_photo_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # 版权页 and cover data (书名, 编者, ISBN, CIP…): see album/colophon.py for the fields.
    colophon: Mapped[dict] = mapped_column(JSON, default=dict)
    # Caption glossary: [{"correct": "凉山彝族自治州", "variants": ["凉山州"]}, …].
    glossary: Mapped[list] = mapped_column(JSON, default=list)
    icc_profile_path: Mapped[str] = mapped_column(String(500), default="")
    rendering_intent: Mapped[str] = mapped_column(String(40), default="relative")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    chapters: Mapped[list[Chapter]] = relationship(
        back_populates="album", order_by="Chapter.position", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}


class Chapter(Base):
    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    opener_text: Mapped[str] = mapped_column(Text, default="")
    # The photo the editor picked for the chapter opener (None: the layout engine chooses). A plain
    # id like Album.cover_photo_id: a second key between chapters and photos would make every join
    # between them ambiguous, and a photo that is gone simply falls back to the engine's choice.
    opener_photo_id: Mapped[int | None] = mapped_column(Integer, default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    album: Mapped[Album] = relationship(back_populates="chapters")
    photos: Mapped[list[Photo]] = relationship(back_populates="chapter", order_by="Photo.position")
    __mapper_args__ = {"version_id_col": version}


class Photo(Base):
    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("album_id", "sha256", name="uq_photo_album_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="SET NULL"), index=True, default=None
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(10))
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)
    orientation: Mapped[int] = mapped_column(Integer, default=1)
    byte_size: Mapped[int] = mapped_column(Integer, default=0)
    dhash: Mapped[str] = mapped_column(String(16), default="")  # 64-bit difference hash, hex

    caption: Mapped[str] = mapped_column(Text, default="")
    photographer: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    taken_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    date_text: Mapped[str] = mapped_column(String(60), default="")
    camera_make: Mapped[str] = mapped_column(String(120), default="")
    camera_model: Mapped[str] = mapped_column(String(120), default="")
    gps_lat: Mapped[float | None] = mapped_column(Float, default=None)
    gps_lon: Mapped[float | None] = mapped_column(Float, default=None)
    focal_x: Mapped[float] = mapped_column(Float, default=0.5)
    focal_y: Mapped[float] = mapped_column(Float, default=0.5)
    # A photo showing a map needs a 审图号, a 标准地图 source or a stated exemption before 付印.
    has_map: Mapped[bool] = mapped_column(default=False, server_default=false())
    map_basis: Mapped[str] = mapped_column(String(20), default="", server_default="")
    map_reference: Mapped[str] = mapped_column(String(200), default="", server_default="")

    status: Mapped[ReviewState] = mapped_column(
        Enum(ReviewState, native_enum=False, length=20), default=ReviewState.submitted, index=True
    )
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    submitter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Collection campaign (#12): the unit ``unit`` (the caption's 供稿单位 as printed) maps to.
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True, default=None
    )

    chapter: Mapped[Chapter | None] = relationship(back_populates="photos")
    submitter: Mapped[User | None] = relationship()
    __mapper_args__ = {"version_id_col": version}

    @property
    def aspect(self) -> float:
        return self.width_px / self.height_px


class Pin(Base):
    """An editor's override: a template for given photos, a photo alone, or a spread."""

    __tablename__ = "pins"

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(100))
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Proof(Base):
    """One rendered version of the album (kind: proof, print or cover) and its job state."""

    __tablename__ = "proofs"
    __table_args__ = (UniqueConstraint("album_id", "number", name="uq_proof_album_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    pdf_path: Mapped[str] = mapped_column(String(500), default="")
    report_path: Mapped[str] = mapped_column(String(500), default="")
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    preflight: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    # What was read (album.release.content_hash of the snapshot) and what was written.
    content_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # A running job's worker writes this every few seconds; a stale one is retried or failed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "host:pid" of the process that owns the job, so a live render is never taken for a dead one.
    worker: Mapped[str] = mapped_column(String(120), default="")
    # A render drawn in parts by several workers (album.part_jobs): how many, and how many are
    # done; 0 parts is a render drawn whole by one process.
    parts_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    parts_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class RenderPart(Base):
    """One part of a render drawn in parts: sheets ``first_sheet`` to ``stop_sheet`` (exclusive),
    with its own job state (claimed, heartbeat, attempts) so a dead or failed part is retried
    alone. ``seconds`` is how long the drawing took, for the benchmark's cost model."""

    __tablename__ = "render_parts"
    __table_args__ = (UniqueConstraint("proof_id", "index", name="uq_render_part_proof_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proof_id: Mapped[int] = mapped_column(ForeignKey("proofs.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    first_sheet: Mapped[int] = mapped_column(Integer)
    stop_sheet: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(120), default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proof_id: Mapped[int] = mapped_column(ForeignKey("proofs.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship()


class SignOff(Base):
    """One signature on a proof at one stage (三审, 三校一读, 专家审读): append-only.

    Never updated or deleted (database triggers refuse both); a correction is a new row whose
    ``corrects_id`` names the one it replaces.
    """

    __tablename__ = "sign_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id"), index=True)
    proof_id: Mapped[int] = mapped_column(ForeignKey("proofs.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=1)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    signer_name: Mapped[str] = mapped_column(String(120))
    opinion: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(20))
    proof_sha256: Mapped[str] = mapped_column(String(64))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("sign_offs.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class ReviewLevel(Base):
    """Who holds 初审, 复审 and 终审 for an album: one person per level, one level per person.

    The two unique constraints are the database's own guard of "no one signs two levels".
    """

    __tablename__ = "review_levels"
    __table_args__ = (
        UniqueConstraint("album_id", "level", name="uq_review_level_album_level"),
        UniqueConstraint("album_id", "user_id", name="uq_review_level_album_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Release(Base):
    """A 付印: the print PDF released from a proof that passed 终审, with who signed it."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id"), index=True)
    signed_proof_id: Mapped[int] = mapped_column(ForeignKey("proofs.id"))
    print_proof_id: Mapped[int] = mapped_column(ForeignKey("proofs.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    signers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- collection campaign (#12): contributing units, rounds, targets, reports and letters ------


class UnitLevel(str, enum.Enum):
    province = "province"  # 省直部门
    city = "city"  # 市州
    county = "county"  # 县（市、区）


class Unit(Base):
    """A contributing unit (供稿单位). A county's parent is its 市州; 市州 and 省直 have none.

    ``aliases`` are the other names captions use for it (简称, old names, names of merged units).
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[UnitLevel] = mapped_column(Enum(UnitLevel, native_enum=False, length=20))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True, default=None
    )
    contact: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CollectionRound(Base):
    """A 征集批次: photos uploaded from ``starts_on`` to ``deadline`` (both days included)."""

    __tablename__ = "collection_rounds"
    __table_args__ = (UniqueConstraint("album_id", "number", name="uq_round_album_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)


class Target(Base):
    """How many photos a round asks for: of one unit (``unit_id``), or of every unit of a
    ``level`` when the unit has none of its own; optionally of one chapter (篇目) only."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("collection_rounds.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True, default=None)
    level: Mapped[str] = mapped_column(String(20), default="")
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), default=None
    )
    count: Mapped[int] = mapped_column(Integer)


class ProgressReport(Base):
    """One issued 通报 (第 ``number`` 期), so the next one takes the next number."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("album_id", "number", name="uq_progress_report_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("collection_rounds.id", ondelete="SET NULL"), default=None)
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LetterSent(Base):
    """A reminder letter (催报函) sent to a unit, with the figures it quoted."""

    __tablename__ = "letters_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("collection_rounds.id", ondelete="SET NULL"), default=None)
    sent_on: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
