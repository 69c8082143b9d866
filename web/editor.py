"""Editors: the review queue, chapters and their order, photos in chapters, pins, album settings."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from album import arrange, proofreading
from album.catalog import TRIM_PRESETS, chapter_summaries
from album.colophon import FIELDS as COLOPHON_FIELDS
from album.errors import AlbumError
from album.layout.snapshot import PAGE_MULTIPLES
from album.messages import REVIEW_STATE_NAMES as STATUS_NAMES
from album.models import ReviewState
from album.proofread.rules import proofread
from web.access import EDITORS, requires
from web.campaign import review_scope
from web.context import album, colophon_values, db, form_action, get_home, photo_fields, version_of

bp = Blueprint("editor", __name__, url_prefix="/editor")


def _ids(values: object) -> list[int]:
    if not isinstance(values, list):
        raise AlbumError("请求格式不正确")
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise AlbumError("请求格式不正确") from None


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise AlbumError("请求格式不正确")
    return data


@bp.get("/review")
@requires(EDITORS)
def review():  # type: ignore[no-untyped-def]
    args = request.args
    status_arg = args.get("status", "submitted")
    status = ReviewState(status_arg) if status_arg in ReviewState.__members__ else None
    chapter_arg = args.get("chapter", "")
    scope, campaign_filters = review_scope(args)
    page = arrange.find_photos(
        db(), album(), status=status,
        chapter_id=int(chapter_arg) if chapter_arg.isdigit() else None,
        unassigned=chapter_arg == "none",
        submitter_id=args.get("contributor", type=int),
        unit=args.get("unit", ""),
        scope=scope, oldest_first=args.get("order", "oldest") != "newest",
        page=args.get("page", 1, type=int) or 1,
        per_page=int(current_app.config["PER_PAGE"]),
    )
    submitters = arrange.submitters(db(), album())
    return render_template(
        "review.html", page=page, status=status_arg, chapter=chapter_arg,
        contributor=args.get("contributor", ""), unit=args.get("unit", ""),
        chapters=chapter_summaries(db(), album()), submitters=submitters,
        units=arrange.units_in_album(db(), album()), STATUS_NAMES=STATUS_NAMES,
        order=args.get("order", "oldest"), **campaign_filters,
    )


@bp.post("/review")
@requires(EDITORS)
def review_bulk():  # type: ignore[no-untyped-def]
    ids = [int(v) for v in request.form.getlist("photo") if v.isdigit()]
    accept = request.form.get("action") == "accept"
    with form_action() as result:
        count = arrange.bulk_review(db(), album(), ids, accept, request.form.get("reason", ""))
        result.done = f"已{'采用' if accept else '不采用'} {count} 张照片"
    return redirect(url_for("editor.review", **request.args))


@bp.route("/chapters", methods=["GET", "POST"])
@requires(EDITORS)
def chapters():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        with form_action() as result:
            chapter = arrange.create_chapter(db(), album(), request.form.get("title", ""),
                                             request.form.get("opener_text", ""))
            result.done = f"已新建篇目“{chapter.title}”"
        return redirect(url_for("editor.chapters"))
    unassigned = arrange.find_photos(db(), album(), status=ReviewState.accepted, unassigned=True,
                                     per_page=1).total
    return render_template("chapters.html", chapters=chapter_summaries(db(), album()),
                           unassigned=unassigned)


@bp.post("/api/chapters/order")
@requires(EDITORS)
def api_chapter_order():  # type: ignore[no-untyped-def]
    arrange.reorder_chapters(db(), album(), _ids(_json_body().get("ids")))
    db().commit()
    return jsonify(ok=True)


@bp.route("/chapter/<int:chapter_id>", methods=["GET", "POST"])
@requires(EDITORS)
def chapter(chapter_id: int):  # type: ignore[no-untyped-def]
    current = arrange.get_chapter(db(), album(), chapter_id)
    if request.method == "POST":
        with form_action("篇目已保存"):
            arrange.edit_chapter(db(), current, title=request.form.get("title", ""),
                                 opener_text=request.form.get("opener_text", ""),
                                 expected_version=version_of(request.form.get("version")))
        return redirect(url_for("editor.chapter", chapter_id=chapter_id))
    return _arrangement(current, arrange.chapter_photos(db(), current))


@bp.post("/chapter/<int:chapter_id>/opener-photo")
@requires(EDITORS)
def chapter_opener_photo(chapter_id: int):  # type: ignore[no-untyped-def]
    current = arrange.get_chapter(db(), album(), chapter_id)
    value = request.form.get("opener_photo", "")
    with form_action("已设定篇章页照片" if value.isdigit() and value != "0" else "篇章页照片改由系统选择"):
        arrange.set_opener_photo(db(), current, int(value) if value.isdigit() and value != "0" else None)
    return redirect(url_for("editor.chapter", chapter_id=chapter_id))


def _arrangement(current, photos, page=None):  # type: ignore[no-untyped-def]
    pins = arrange.pins_by_photo(db(), album())
    page_pins = list({id(pins[p.id]): pins[p.id] for p in photos if p.id in pins}.values())
    return render_template(
        "chapter.html", chapter=current, photos=photos, page=page, pins=pins, page_pins=page_pins,
        chapters=chapter_summaries(db(), album()),
        templates=arrange.list_templates(get_home().settings.layouts_dir),
        STATUS_NAMES=STATUS_NAMES,
    )


@bp.get("/unassigned")
@requires(EDITORS)
def unassigned():  # type: ignore[no-untyped-def]
    page = arrange.find_photos(db(), album(), status=ReviewState.accepted, unassigned=True,
                               page=request.args.get("page", 1, type=int) or 1,
                               per_page=int(current_app.config["PER_PAGE"]))
    return _arrangement(None, page.photos, page)


@bp.post("/chapter/<int:chapter_id>/delete")
@requires(EDITORS)
def chapter_delete(chapter_id: int):  # type: ignore[no-untyped-def]
    current = arrange.get_chapter(db(), album(), chapter_id)
    title = current.title
    arrange.delete_chapter(db(), current)
    db().commit()
    flash(f"已删除篇目“{title}”，其中的照片移到“未分篇”", "info")
    return redirect(url_for("editor.chapters"))


@bp.post("/api/chapter/<int:chapter_id>/order")
@requires(EDITORS)
def api_photo_order(chapter_id: int):  # type: ignore[no-untyped-def]
    current = arrange.get_chapter(db(), album(), chapter_id)
    arrange.reorder_photos(db(), current, _ids(_json_body().get("ids")))
    db().commit()
    return jsonify(ok=True)


@bp.post("/api/photo/<int:photo_id>/move")
@requires(EDITORS)
def api_move(photo_id: int):  # type: ignore[no-untyped-def]
    data = _json_body()
    photo = arrange.get_album_photo(db(), album(), photo_id)
    target = data.get("chapter_id")
    chapter = arrange.get_chapter(db(), album(), int(target)) if target not in (None, "", 0, "0") else None
    arrange.move_photo(db(), photo, chapter)
    db().commit()
    return jsonify(ok=True, chapter_id=photo.chapter_id)


@bp.post("/api/photo/<int:photo_id>/focal")
@requires(EDITORS)
def api_focal(photo_id: int):  # type: ignore[no-untyped-def]
    data = _json_body()
    photo = arrange.get_album_photo(db(), album(), photo_id)
    try:
        x, y = float(data.get("x")), float(data.get("y"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AlbumError("焦点坐标应在 0 到 1 之间") from None
    arrange.set_focal_point(db(), photo, x, y)
    db().commit()
    return jsonify(ok=True, x=photo.focal_x, y=photo.focal_y)


@bp.route("/photo/<int:photo_id>", methods=["GET", "POST"])
@requires(EDITORS)
def photo(photo_id: int):  # type: ignore[no-untyped-def]
    current = arrange.get_album_photo(db(), album(), photo_id)
    error = ""
    if request.method == "POST":
        with form_action("照片说明已保存", flash_error=False) as result:
            arrange.edit_photo(db(), current, expected_version=version_of(request.form.get("version")),
                               **photo_fields(request.form))
        if result.ok:
            return redirect(url_for("editor.photo", photo_id=photo_id))
        error = result.error
    return render_template("editor_photo.html", photo=current, error=error,
                           chapters=chapter_summaries(db(), album()), STATUS_NAMES=STATUS_NAMES,
                           findings=proofread(current.caption))


@bp.post("/photo/<int:photo_id>/review")
@requires(EDITORS)
def photo_review(photo_id: int):  # type: ignore[no-untyped-def]
    arrange.get_album_photo(db(), album(), photo_id)
    accept = request.form.get("action") == "accept"
    with form_action("已采用" if accept else "已标记为不采用"):
        arrange.bulk_review(db(), album(), [photo_id], accept, request.form.get("reason", ""))
    return redirect(url_for("editor.photo", photo_id=photo_id))


@bp.post("/pins")
@requires(EDITORS)
def pin():  # type: ignore[no-untyped-def]
    back = request.form.get("back", "")
    back = back if back.startswith("/") and not back.startswith("//") else url_for("editor.chapters")
    with form_action("版式已固定"):
        templates = arrange.list_templates(get_home().settings.layouts_dir)
        ids = [int(v) for v in request.form.getlist("photo") if v.isdigit()]
        arrange.pin_photos(db(), album(), request.form.get("template", ""), ids, templates)
    return redirect(back)


@bp.post("/pins/<int:pin_id>/delete")
@requires(EDITORS)
def unpin(pin_id: int):  # type: ignore[no-untyped-def]
    arrange.unpin(db(), album(), pin_id)
    db().commit()
    flash("已取消固定版式", "info")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("editor.chapters"))


@bp.route("/settings", methods=["GET", "POST"])
@requires(EDITORS)
def settings():  # type: ignore[no-untyped-def]
    current = album()
    error = ""
    if request.method == "POST":
        form = request.form
        with form_action("画册设置已保存", flash_error=False) as result:
            arrange.update_album(
                db(), current, expected_version=version_of(form.get("version")),
                title=form.get("title", ""), subtitle=form.get("subtitle", ""),
                publisher=form.get("publisher", ""), trim=form.get("trim", ""),
                preface=form.get("preface", ""), afterword=form.get("afterword", ""),
                copyright_text=form.get("copyright_text", ""),
                page_multiple=form.get("page_multiple", 4, type=int),
                paper_caliper_mm=form.get("paper_caliper_mm", 0.1, type=float),
                icc_profile_path=form.get("icc_profile_path", ""),
            )
            if "colophon_form" in form:
                arrange.update_colophon(db(), current, colophon_values(form),
                                        expected_version=version_of(form.get("version")))
        if result.ok:
            return redirect(url_for("editor.settings"))
        error = result.error

    return render_template("settings.html", album=current, error=error, presets=TRIM_PRESETS,
                           page_multiples=PAGE_MULTIPLES, colophon_fields=COLOPHON_FIELDS)


# --- caption proofreading and the glossary --------------------------------------------------


@bp.post("/photo/<int:photo_id>/proofread")
@requires(EDITORS)
def photo_proofread(photo_id: int):  # type: ignore[no-untyped-def]
    """应用 one finding (named by rule and span) or, with ``all``, every suggestion."""
    current = arrange.get_album_photo(db(), album(), photo_id)
    form = request.form
    version = version_of(form.get("version"))
    with form_action() as result:
        if form.get("all"):
            count = proofreading.apply_all_caption_findings(db(), current, expected_version=version)
            result.done = f"已按校对建议修改 {count} 处"
        else:
            finding = proofreading.apply_caption_finding(
                db(), current, expected_version=version, rule=form.get("rule", ""),
                start=form.get("start", -1, type=int), end=form.get("end", -1, type=int))
            result.done = f"已将“{finding.text}”改为“{finding.suggestion}”"
    return redirect(url_for("editor.photo", photo_id=photo_id))


@bp.route("/glossary", methods=["GET", "POST"])
@requires(EDITORS)
def glossary():  # type: ignore[no-untyped-def]
    """The album glossary: add or remove entries; below, what applying it would change."""
    current = album()
    if request.method == "POST":
        form = request.form
        version = version_of(form.get("version"))
        with form_action() as result:
            if form.get("action") == "remove":
                proofreading.remove_glossary_entry(db(), current, form.get("correct", ""), expected_version=version)
                result.done = f"已从词表删除“{form.get('correct', '')}”"
            else:
                entry = proofreading.add_glossary_entry(db(), current, form.get("correct", ""),
                                                        form.get("variants", ""), expected_version=version)
                result.done = f"已加入词表：{entry.correct}"
        return redirect(url_for("editor.glossary"))
    return render_template("editor_glossary.html", album=current, entries=proofreading.glossary(current),
                           changes=proofreading.preview_glossary(db(), current),
                           groups=proofreading.name_groups(db(), current),
                           FIELD_NAMES={f: n for f, (n, _) in proofreading.FIELDS.items()})


@bp.post("/glossary/apply")
@requires(EDITORS)
def glossary_apply():  # type: ignore[no-untyped-def]
    """Apply the glossary to the photos the preview showed, at the versions it showed."""
    seen: dict[int, int] = {}
    for value in request.form.getlist("seen"):
        photo_id, _, version = value.partition(":")
        if not (photo_id.isdigit() and version.isdigit()):
            raise AlbumError("请求格式不正确")
        seen[int(photo_id)] = int(version)
    with form_action() as result:
        changes = proofreading.apply_glossary_changes(db(), album(), seen)
        result.done = f"已按词表修改 {len({c.photo_id for c in changes})} 张照片的 {len(changes)} 处"
    return redirect(url_for("editor.glossary"))
