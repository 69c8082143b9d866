"""Contributors: upload photos (one XHR per file), describe them, follow their review state.

A contributor sees only their own photos, and may change or withdraw one until it is accepted;
any other photo id answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path, PurePosixPath

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from album.arrange import edit_submission, find_photos
from album.captions import PhotoMeta
from album.catalog import chapter_summaries
from album.db import transaction
from album.errors import AlbumError, ConflictError, IngestError, NotFoundError
from album.ingest import ingest_file
from album.sniff import refuse
from album.models import Album, Photo, ReviewState
from album.store import CHUNK
from album.thumbs import PHOTO_SIZES, photo_thumbnail
from web import album, db, get_home
from web.access import SIGNED_IN, requires

bp = Blueprint("contribute", __name__, url_prefix="/contribute")

MAX_NAME_CHARS = 255  # what common file systems allow for one name
STATUS_NAMES = {ReviewState.submitted: "待审", ReviewState.accepted: "已采用", ReviewState.rejected: "未采用"}


def visible_photo(photo_id: int) -> Photo:
    """The photo if the current user may see it (editors: any; contributors: their own)."""
    photo = db().get(Photo, photo_id)
    if photo is None or (not current_user.is_editor and photo.submitter_id != current_user.id):
        raise NotFoundError(f"没有编号为 {photo_id} 的照片")
    return photo


def own_photo(photo_id: int) -> Photo:
    """The photo if the current user submitted it: only the submitter may change or withdraw it."""
    photo = db().get(Photo, photo_id)
    if photo is None or photo.submitter_id != current_user.id:
        raise NotFoundError(f"没有编号为 {photo_id} 的照片")
    return photo


def gps_place(photo: Photo) -> str:
    """Coordinates as a starting point for 地点 when the camera recorded them."""
    if photo.gps_lat is None or photo.gps_lon is None:
        return ""
    ns = "北纬" if photo.gps_lat >= 0 else "南纬"
    ew = "东经" if photo.gps_lon >= 0 else "西经"
    return f"{ns}{abs(photo.gps_lat):.4f}°，{ew}{abs(photo.gps_lon):.4f}°"


def photo_json(photo: Photo, duplicate: bool = False) -> dict:
    return {
        "id": photo.id,
        "name": photo.original_name,
        "thumb": url_for("contribute.thumb", photo_id=photo.id),
        "width": photo.width_px,
        "height": photo.height_px,
        "caption": photo.caption,
        "photographer": photo.photographer,
        "unit": photo.unit,
        "place": photo.place or gps_place(photo),
        "date_text": photo.date_text,
        "chapter": photo.chapter.title if photo.chapter else "",
        "version": photo.version,
        "status": photo.status.value,
        "status_name": STATUS_NAMES[photo.status],
        "duplicate": duplicate,
        "save_url": url_for("contribute.api_save", photo_id=photo.id),
    }


@bp.get("/upload")
@requires(SIGNED_IN)
def upload():  # type: ignore[no-untyped-def]
    chapters = chapter_summaries(db(), album())
    limit = get_home().settings.limits.max_upload_bytes
    return render_template("upload.html", chapters=chapters, limit_bytes=limit, limit_words=size_words(limit))


@bp.post("/api/upload")
@requires(SIGNED_IN)
def api_upload():  # type: ignore[no-untyped-def]
    """Store one uploaded file; the answer is JSON with the photo's form values or the reason."""
    home = get_home()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(ok=False, error="没有收到文件", code="no-file"), 400
    try:
        name = check_upload_name(upload.filename)
    except IngestError as exc:
        return jsonify(ok=False, error=str(exc), code=getattr(exc, "code", "refused")), 422
    # The temporary copy lives in the home (UPLOAD_TMP_DIR), where a leftover would be seen.
    with tempfile.TemporaryDirectory(prefix="upload-", dir=current_app.config["UPLOAD_TMP_DIR"]) as tmp:
        local = Path(tmp) / "upload"
        written = 0
        with open(local, "wb") as out:
            for chunk in iter(lambda: upload.stream.read(CHUNK), b""):
                written += len(chunk)
                if written > home.settings.limits.max_upload_bytes:
                    limit = size_words(home.settings.limits.max_upload_bytes)
                    return jsonify(ok=False, error=f"文件太大（上限 {limit}）", code="too-large"), 413
                out.write(chunk)
        try:
            with transaction(home.factory) as session:
                target = session.get(Album, album().id)
                meta = PhotoMeta(unit=current_user.unit)
                photo, created = ingest_file(
                    session, home.store, home.settings.limits, target, local, name=name, meta=meta,
                    submitter_id=current_user.id, status=ReviewState.submitted,
                )
                session.flush()
                if not created and photo.submitter_id != current_user.id:
                    return jsonify(ok=False, error="这张照片已经有人提交过了", code="duplicate"), 409
                answer = photo_json(photo, duplicate=not created)
        except IngestError as exc:
            return jsonify(ok=False, error=str(exc), code=getattr(exc, "code", "refused")), 422
    return jsonify(ok=True, photo=answer), 201 if created else 200


def check_upload_name(name: str) -> str:
    """The name a browser sent, refused when only a hostile client would send it.

    Browsers send a bare file name; folders, ``..``, an absolute path, control or direction
    characters (U+202E makes ``gpj.exe`` look like ``exe.jpg``) or an endless name mean someone
    crafted the request. The name is only ever a label (files are stored by content hash), but
    it is shown to editors, so it is refused with the reason rather than quietly rewritten.
    """
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in PurePosixPath(posix).parts:
        raise refuse("unsafe-path", "文件名不安全：不能含有路径（如 ../ 或 /）")
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise refuse("unsafe-path", "文件名含有控制字符或文字方向控制符")
    if len(name) > MAX_NAME_CHARS:
        raise refuse("name-too-long", f"文件名过长（最多 {MAX_NAME_CHARS} 个字符）")
    return PurePosixPath(posix).name


def size_words(size: int) -> str:
    """A byte count as people say it: 80 MB, 300 KB."""
    if size >= 1 << 20:
        return f"{size / (1 << 20):.0f} MB"
    return f"{max(1, size // 1024)} KB"


def _form_fields(source: dict) -> dict:
    return {
        "caption": str(source.get("caption", "")),
        "photographer": str(source.get("photographer", "")),
        "unit": str(source.get("unit", "")),
        "place": str(source.get("place", "")),
        "date_text": str(source.get("date_text", "")),
    }


def _version(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@bp.post("/api/photo/<int:photo_id>")
@requires(SIGNED_IN)
def api_save(photo_id: int):  # type: ignore[no-untyped-def]
    """Save the description of one of my photos (from the upload page's per-photo form)."""
    photo = own_photo(photo_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(ok=False, error="请求格式不正确", code="bad-request"), 400
    edit_submission(
        db(), photo, current_user.id, chapter_title=str(data.get("chapter", "")),
        expected_version=_version(data.get("version")), **_form_fields(data),
    )
    db().commit()
    return jsonify(ok=True, photo=photo_json(photo))


@bp.get("/mine")
@requires(SIGNED_IN)
def mine():  # type: ignore[no-untyped-def]
    status_arg = request.args.get("status", "")
    status = ReviewState(status_arg) if status_arg in ReviewState.__members__ else None
    page = find_photos(db(), album(), submitter_id=current_user.id, status=status,
                       page=request.args.get("page", 1, type=int) or 1,
                       per_page=current_app_per_page())
    return render_template("mine.html", page=page, status=status_arg, STATUS_NAMES=STATUS_NAMES)


def current_app_per_page() -> int:
    return int(current_app.config["PER_PAGE"])


@bp.route("/photo/<int:photo_id>", methods=["GET", "POST"])
@requires(SIGNED_IN)
def edit(photo_id: int):  # type: ignore[no-untyped-def]
    photo = visible_photo(photo_id)
    if photo.submitter_id != current_user.id:
        # An editor following a link to someone's submission lands on the editor's page for it.
        return redirect(url_for("editor.photo", photo_id=photo_id))
    error = ""
    if request.method == "POST":
        try:
            edit_submission(
                db(), photo, current_user.id, chapter_title=request.form.get("chapter", ""),
                expected_version=_version(request.form.get("version")), **_form_fields(request.form),
            )
            db().commit()
            flash("已保存", "info")
            return redirect(url_for("contribute.mine"))
        except ConflictError:
            raise
        except AlbumError as exc:
            if photo.status == ReviewState.accepted:
                raise
            db().rollback()
            error = str(exc)
    chapters = chapter_summaries(db(), album())
    return render_template("photo_form.html", photo=photo, error=error, chapters=chapters,
                           place=photo.place or gps_place(photo), STATUS_NAMES=STATUS_NAMES)


@bp.post("/photo/<int:photo_id>/withdraw")
@requires(SIGNED_IN)
def withdraw(photo_id: int):  # type: ignore[no-untyped-def]
    photo = own_photo(photo_id)
    if photo.status == ReviewState.accepted:
        raise AlbumError("照片已被采用，不能撤回；如需撤下请联系编辑")
    db().delete(photo)
    db().commit()
    flash(f"已撤回 {photo.original_name}", "info")
    return redirect(url_for("contribute.mine"))


@bp.get("/photo/<int:photo_id>/thumb")
@requires(SIGNED_IN)
def thumb(photo_id: int):  # type: ignore[no-untyped-def]
    photo = visible_photo(photo_id)
    size = request.args.get("size", PHOTO_SIZES[0], type=int)
    path = photo_thumbnail(get_home().store, photo.sha256, size if size in PHOTO_SIZES else PHOTO_SIZES[0])
    response = send_file(path, mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
