"""Contributors: upload photos (one XHR per file), describe them, follow their review state.

Who may see, change or withdraw which photo is decided in ``album.submissions``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from album.arrange import edit_submission, find_photos
from album.campaign.progress import unit_progress
from album.catalog import chapter_summaries
from album.errors import AlbumError, ConflictError, IngestError
from album.ingest.upload import ingest_upload
from album.messages import REVIEW_STATE_NAMES, gps_words, size_words
from album.models import Photo, ReviewState
from album.submissions import own_photo, visible_photo
from album.submissions import withdraw as withdraw_photo
from album.thumbs import PHOTO_SIZES, photo_thumbnail
from web.access import CONTRIBUTORS, requires
from web.context import album, db, get_home, photo_fields, version_of

bp = Blueprint("contribute", __name__, url_prefix="/contribute")
UPLOAD_STATUS = {"too-large": 413, "duplicate": 409}  # other refusals answer 422


def _visible(photo_id: int) -> Photo:
    return visible_photo(db(), photo_id, viewer_id=current_user.id, is_editor=current_user.is_editor)


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
        "place": photo.place,
        "place_hint": gps_words(photo.gps_lat, photo.gps_lon),
        "date_text": photo.date_text,
        "chapter": photo.chapter.title if photo.chapter else "",
        "has_map": photo.has_map,
        "map_basis": photo.map_basis,
        "map_reference": photo.map_reference,
        "version": photo.version,
        "status": photo.status.value,
        "status_name": REVIEW_STATE_NAMES[photo.status],
        "duplicate": duplicate,
        "save_url": url_for("contribute.api_save", photo_id=photo.id),
    }


@bp.get("/upload")
@requires(CONTRIBUTORS)
def upload():  # type: ignore[no-untyped-def]
    chapters = chapter_summaries(db(), album())
    limit = get_home().settings.limits.max_upload_bytes
    return render_template("upload.html", chapters=chapters, limit_bytes=limit, limit_words=size_words(limit))


@bp.post("/api/upload")
@requires(CONTRIBUTORS)
def api_upload():  # type: ignore[no-untyped-def]
    """Store one uploaded file; the answer is JSON with the photo's form values or the reason."""
    home = get_home()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(ok=False, error="没有收到文件", code="no-file"), 400
    try:
        photo, created = ingest_upload(
            db(), home.store, home.settings.limits, album(), upload.stream, upload.filename,
            tmp_dir=current_app.config["UPLOAD_TMP_DIR"], submitter_id=current_user.id, unit=current_user.unit)
        answer = photo_json(photo, duplicate=not created)
        db().commit()
    except IngestError as exc:
        db().rollback()
        code = getattr(exc, "code", "refused")
        return jsonify(ok=False, error=str(exc), code=code), UPLOAD_STATUS.get(code, 422)
    return jsonify(ok=True, photo=answer), 201 if created else 200


@bp.post("/api/photo/<int:photo_id>")
@requires(CONTRIBUTORS)
def api_save(photo_id: int):  # type: ignore[no-untyped-def]
    """Save the description of one of my photos (from the upload page's per-photo form)."""
    photo = own_photo(db(), photo_id, current_user.id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(ok=False, error="请求格式不正确", code="bad-request"), 400
    edit_submission(
        db(), photo, current_user.id, chapter_title=str(data.get("chapter", "")),
        expected_version=version_of(data.get("version")), **photo_fields(data),
    )
    db().commit()
    return jsonify(ok=True, photo=photo_json(photo))


@bp.get("/mine")
@requires(CONTRIBUTORS)
def mine():  # type: ignore[no-untyped-def]
    status_arg = request.args.get("status", "")
    status = ReviewState(status_arg) if status_arg in ReviewState.__members__ else None
    page = find_photos(db(), album(), submitter_id=current_user.id, status=status,
                       page=request.args.get("page", 1, type=int) or 1,
                       per_page=current_app_per_page())
    return render_template("mine.html", page=page, status=status_arg, STATUS_NAMES=REVIEW_STATE_NAMES,
                           unit_row=unit_progress(db(), album(), current_user.unit_id))


def current_app_per_page() -> int:
    return int(current_app.config["PER_PAGE"])


@bp.route("/photo/<int:photo_id>", methods=["GET", "POST"])
@requires(CONTRIBUTORS)
def edit(photo_id: int):  # type: ignore[no-untyped-def]
    photo = _visible(photo_id)
    if photo.submitter_id != current_user.id:
        # An editor following a link to someone's submission lands on the editor's page for it.
        return redirect(url_for("editor.photo", photo_id=photo_id))
    error = ""
    if request.method == "POST":
        try:
            edit_submission(
                db(), photo, current_user.id, chapter_title=request.form.get("chapter", ""),
                expected_version=version_of(request.form.get("version")), **photo_fields(request.form),
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
                           STATUS_NAMES=REVIEW_STATE_NAMES)


@bp.post("/photo/<int:photo_id>/withdraw")
@requires(CONTRIBUTORS)
def withdraw(photo_id: int):  # type: ignore[no-untyped-def]
    photo = own_photo(db(), photo_id, current_user.id)
    withdraw_photo(db(), photo)
    db().commit()
    flash(f"已撤回 {photo.original_name}", "info")
    return redirect(url_for("contribute.mine"))


@bp.get("/photo/<int:photo_id>/thumb")
@requires(CONTRIBUTORS)
def thumb(photo_id: int):  # type: ignore[no-untyped-def]
    photo = _visible(photo_id)
    size = request.args.get("size", PHOTO_SIZES[0], type=int)
    path = photo_thumbnail(get_home().store, photo.sha256, size if size in PHOTO_SIZES else PHOTO_SIZES[0])
    response = send_file(path, mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
