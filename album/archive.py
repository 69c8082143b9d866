"""Backup and restore: one zip with the database content as JSON, the originals, settings and
the layout templates in use. Restoring into an empty home gives the same album: same originals
(by sha256), chapters, order, captions, pins, users (password hashes, never clear text), the
collection campaign (units, rounds, targets, reports and letters), and the review record:
sign-offs with their corrections, who holds each review level, and releases.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, inspect, select
from sqlalchemy.orm import Session

from album.catalog import find_album
from album.db import transaction
from album.errors import AlbumError
from album.home import Home
from album.models import (
    Album,
    Base,
    Chapter,
    CollectionRound,
    Comment,
    LetterSent,
    Photo,
    Pin,
    ProgressReport,
    Proof,
    Release,
    ReviewLevel,
    SignOff,
    Target,
    Unit,
    User,
)
from album.store import sha256_file

FORMAT = "huace-archive/1"
# In dependency order; sign-offs after proofs, each correction after the record it corrects.
TABLES: tuple[type[Base], ...] = (Unit, User, Album, Chapter, Photo, Pin, Proof, Comment,
                                  CollectionRound, Target, ProgressReport, LetterSent,
                                  ReviewLevel, SignOff, Release)
# Columns pointing at a row inserted after the one holding them: set once every row is in.
DEFERRED = {("albums", "cover_photo_id"): "photos", ("units", "parent_id"): "units",
            ("chapters", "opener_photo_id"): "photos"}


def _row(obj: Base) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in inspect(type(obj)).columns:
        value = getattr(obj, column.key)
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        out[column.key] = value
    return out


def export_archive(home: Home, out_path: Path) -> dict[str, int]:
    """Write the archive atomically; return counts of what went in."""
    with transaction(home.factory) as session:
        data = {model.__tablename__: [_row(o) for o in session.scalars(select(model).order_by(model.id))]
                for model in TABLES}
    shas = sorted({p["sha256"] for p in data["photos"]})
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out_path.parent, prefix=".tmp-", suffix=".zip", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        with zipfile.ZipFile(tmp_path, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("album.json", json.dumps({"format": FORMAT, "tables": data},
                                                 ensure_ascii=False, indent=1))
            for sha in shas:
                zf.write(home.store.original_path(sha), f"originals/{sha}")
            settings_file = home.settings.home / "album.toml"
            if settings_file.is_file():
                zf.write(settings_file, "settings/album.toml")
            for layout in sorted(home.settings.layouts_dir.glob("*.toml")):
                zf.write(layout, f"layouts/{layout.name}")
        tmp_path.replace(out_path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return {"photos": len(data["photos"]), "originals": len(shas), "chapters": len(data["chapters"]),
            "users": len(data["users"])}


def import_archive(home: Home, archive: Path) -> dict[str, int]:
    """Restore ``archive`` into ``home``, which must hold no album yet."""
    with transaction(home.factory) as session:
        if find_album(session) is not None:
            raise AlbumError("目标目录里已有画册；请恢复到一个新的目录")
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AlbumError(f"备份文件无法读取：{exc}") from exc
    with zf, tempfile.TemporaryDirectory(prefix="huace-restore-") as tmp:
        try:
            doc = json.loads(zf.read("album.json"))
        except (KeyError, ValueError) as exc:
            raise AlbumError("备份文件缺少 album.json 或其内容损坏") from exc
        if doc.get("format") != FORMAT:
            raise AlbumError(f"不认识的备份格式：{doc.get('format')!r}")
        tables = doc["tables"]
        # Verify every original before storing any, so a damaged archive leaves nothing behind.
        verified: list[Path] = []
        for sha in sorted({p["sha256"] for p in tables["photos"]}):
            local = Path(tmp) / sha
            try:
                with zf.open(f"originals/{sha}") as src, open(local, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (KeyError, zipfile.BadZipFile, OSError) as exc:
                raise AlbumError(f"备份中缺少原图 {sha[:12]}… 或无法读取") from exc
            if sha256_file(local) != sha:
                raise AlbumError(f"备份中的原图 {sha[:12]}… 已损坏")
            verified.append(local)
        stored = [local.name for local in verified if not home.store.has_original(local.name)]
        try:
            for local in verified:
                home.store.put_original(local, local.name)  # verified against its name above
            with transaction(home.factory) as session:
                counts = _insert_rows(session, tables)
        except BaseException:
            for sha in stored:
                home.store.remove_original(sha)
            raise
        names = zf.namelist()
        if "settings/album.toml" in names and not (home.settings.home / "album.toml").exists():
            (home.settings.home / "album.toml").write_bytes(zf.read("settings/album.toml"))
    return counts


def _insert_rows(session: Session, tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Insert with fresh ids (so any database's sequences stay right) and remap references."""
    maps: dict[str, dict[int, int]] = {}
    refs = {"album_id": "albums", "chapter_id": "chapters", "submitter_id": "users",
            "created_by": "users", "author_id": "users", "proof_id": "proofs",
            "cover_photo_id": "photos", "unit_id": "units", "parent_id": "units",
            "round_id": "collection_rounds", "user_id": "users", "signed_proof_id": "proofs",
            "print_proof_id": "proofs", "corrects_id": "sign_offs"}
    deferred: list[tuple[str, int, str, int]] = []
    objects: dict[tuple[str, int], Base] = {}
    for model in TABLES:
        name = model.__tablename__
        maps[name] = {}
        columns = {c.key: c for c in inspect(model).columns}
        for raw in tables.get(name, []):
            values = {}
            for key, value in raw.items():
                if key not in columns or key == "id":
                    continue
                if (name, key) in DEFERRED:
                    if value is not None:
                        deferred.append((name, raw["id"], key, value))
                    continue
                if key in refs and value is not None:
                    value = maps.get(refs[key], {}).get(value)
                if value is not None and isinstance(columns[key].type, DateTime):
                    value = datetime.fromisoformat(value)
                elif value is not None and isinstance(columns[key].type, Date):
                    value = date.fromisoformat(value)
                values[key] = value
            obj = model(**values)
            session.add(obj)
            session.flush()
            maps[name][raw["id"]] = obj.id
            objects[(name, raw["id"])] = obj
    for pin in session.scalars(select(Pin)):
        pin.photo_ids = [maps["photos"][pid] for pid in pin.photo_ids if pid in maps["photos"]]
    for name, old_id, key, old in deferred:
        setattr(objects[(name, old_id)], key, maps[DEFERRED[(name, key)]].get(old))
    return {name: len(rows) for name, rows in maps.items()}
