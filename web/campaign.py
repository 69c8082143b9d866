"""The collection campaign in the browser: the editors' progress dashboard with its 通报 and
letters downloads, and the unit list (edit, import, map unmatched 供稿单位 names, merge)."""

from __future__ import annotations

import tempfile
from datetime import date
from io import BytesIO
from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, send_file, url_for

from album.campaign import units as unit_ops
from album.campaign.progress import campaign_progress
from album.arrange import PhotoScope, get_chapter
from album.campaign import rounds as round_ops
from album.campaign.rounds import get_round, list_rounds, round_window
from album.campaign.unit_list import import_unit_list
from album.catalog import chapter_summaries
from album.errors import AlbumError
from album.models import UnitLevel
from album.reports.columns import CHAPTER_COLUMNS, CITY_COLUMNS, UNIT_COLUMNS, percent, sorted_rows
from album.reports.wording import summary_lines
from web.access import EDITORS, requires
from web.context import album, db, form_action

bp = Blueprint("campaign", __name__, url_prefix="/editor")


def review_scope(args) -> tuple[PhotoScope, dict]:  # type: ignore[no-untyped-def]
    """The review queue's campaign filters (unit, 市州, round) from the query string, and what
    its form needs to show them."""
    unit_id, city_id, number = (args.get(k, type=int) or None for k in ("unit_id", "city", "round"))
    start = end = None
    if number is not None:
        start, end = round_window(get_round(db(), album(), number))
    everyone = unit_ops.list_units(db())
    return (PhotoScope(unit_id=unit_id, city_id=city_id, uploaded_from=start, uploaded_before=end),
            {"unit_list": everyone, "cities": [u for u in everyone if u.level == UnitLevel.city],
             "rounds": list_rounds(db(), album()), "unit_id": unit_id, "city": city_id, "round": number})


def _filters() -> dict:
    args = request.args if request.method == "GET" else request.form
    return {"round_number": args.get("round", type=int) or None, "city_id": args.get("city", type=int) or None}


@bp.get("/progress")
@requires(EDITORS)
def progress():  # type: ignore[no-untyped-def]
    filters = _filters()
    figures = campaign_progress(db(), album(), **filters)
    sort, descending = request.args.get("sort", ""), request.args.get("desc") == "1"
    cities = [u for u in unit_ops.list_units(db()) if u.level == UnitLevel.city]
    return render_template(
        "progress.html", progress=figures, rounds=list_rounds(db(), album()), cities=cities,
        round=filters["round_number"], city=filters["city_id"], sort=sort, desc=descending,
        unit_rows=sorted_rows(figures.units, UNIT_COLUMNS, sort, descending), summary=summary_lines(figures),
        UNIT_COLUMNS=UNIT_COLUMNS, CITY_COLUMNS=CITY_COLUMNS, CHAPTER_COLUMNS=CHAPTER_COLUMNS, percent=percent)


def _download(write, name: str):  # type: ignore[no-untyped-def]
    """Run ``write(path)`` into a temporary file and send what it wrote."""
    suffix = Path(name).suffix
    with tempfile.TemporaryDirectory(dir=current_app.config["UPLOAD_TMP_DIR"]) as tmp:
        out = Path(tmp) / f"out{suffix}"
        write(out)
        data = out.read_bytes()
    return send_file(BytesIO(data), as_attachment=True, download_name=name)


@bp.post("/progress/report")
@requires(EDITORS)
def report():  # type: ignore[no-untyped-def]
    from album.reports.progress_report import issue_report, write_progress_report

    kind = request.form.get("format", "xlsx")
    if kind not in ("xlsx", "pdf"):
        raise AlbumError("通报只能输出为 XLSX 或 PDF")
    figures = campaign_progress(db(), album(), **_filters())
    issued = issue_report(db(), album(), figures)
    response = _download(lambda out: write_progress_report(figures, issued.number, issued.issued_on, out),
                         f"通报第{issued.number}期.{kind}")
    db().commit()
    return response


@bp.post("/progress/letters")
@requires(EDITORS)
def letters():  # type: ignore[no-untyped-def]
    from album.reports.letters import send_letters

    kind = request.form.get("format", "pdf")
    if kind not in ("pdf", "zip"):
        raise AlbumError("催报函只能输出为 PDF 或 zip")
    due_text = request.form.get("due", "")
    try:
        due = date.fromisoformat(due_text) if due_text else None
    except ValueError:
        raise AlbumError(f"日期“{due_text}”无效，应写作 2026-12-31") from None
    figures = campaign_progress(db(), album(), **_filters())
    response = _download(lambda out: send_letters(db(), album(), figures, out, due=due,
                                                  contact=request.form.get("contact", "")), f"催报函.{kind}")
    db().commit()
    return response


@bp.get("/rounds")
@requires(EDITORS)
def rounds():  # type: ignore[no-untyped-def]
    everyone = unit_ops.list_units(db())
    return render_template("rounds.html", rounds=list_rounds(db(), album()),
                           targets=round_ops.list_targets(db(), album()), units=everyone,
                           chapters=chapter_summaries(db(), album()), LEVEL_NAMES=unit_ops.LEVEL_NAMES)


def _day(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AlbumError(f"请填写{label}（如 2026-12-31）") from None


@bp.post("/rounds")
@requires(EDITORS)
def add_round():  # type: ignore[no-untyped-def]
    form = request.form
    with form_action() as result:
        found = round_ops.add_round(db(), album(), _day(form.get("start", ""), "开始日期"),
                                    _day(form.get("deadline", ""), "截止日期"), form.get("name", ""))
        result.done = f"已添加第 {found.number} 批征集"
    return redirect(url_for("campaign.rounds"))


@bp.post("/rounds/target")
@requires(EDITORS)
def set_target():  # type: ignore[no-untyped-def]
    """``whom`` is a unit id or ``level:county`` (the level's default)."""
    form = request.form
    whom, chapter_id = form.get("whom", ""), form.get("chapter", type=int)
    with form_action() as result:
        found = get_round(db(), album(), form.get("round", 0, type=int))
        count = form.get("count", type=int)
        if count is None:
            raise AlbumError("请填写目标张数")
        level = UnitLevel(whom[6:]) if whom.startswith("level:") and whom[6:] in UnitLevel.__members__ else None
        unit = unit_ops.get_unit(db(), int(whom)) if whom.isdigit() else None
        chapter = get_chapter(db(), album(), chapter_id) if chapter_id else None
        round_ops.set_target(db(), found, count, unit=unit, level=level, chapter=chapter)
        result.done = f"第 {found.number} 批目标已设为 {count} 张" if count else "已删除该目标"
    return redirect(url_for("campaign.rounds"))


@bp.get("/units")
@requires(EDITORS)
def units():  # type: ignore[no-untyped-def]
    found = unit_ops.list_units(db())
    return render_template("units.html", units=found, names={u.id: u.name for u in found},
                           unmatched=unit_ops.unmatched_names(db(), album()), LEVEL_NAMES=unit_ops.LEVEL_NAMES,
                           levels=list(UnitLevel), edit=None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@requires(EDITORS)
def unit(unit_id: int):  # type: ignore[no-untyped-def]
    return _save(unit_ops.get_unit(db(), unit_id))


@bp.route("/units/new", methods=["GET", "POST"])
@requires(EDITORS)
def new_unit():  # type: ignore[no-untyped-def]
    return _save(None)


def _save(found):  # type: ignore[no-untyped-def]
    if request.method == "POST":
        form = request.form
        with form_action("已保存单位") as result:
            parent = form.get("parent_id", type=int)
            unit_ops.save_unit(db(), found, name=form.get("name", ""), level=UnitLevel(form.get("level", "county")),
                               parent_id=parent or None, contact=form.get("contact", ""), phone=form.get("phone", ""),
                               email=form.get("email", ""), aliases=unit_ops.split_aliases(form.get("aliases", "")))
        if result.ok:
            return redirect(url_for("campaign.units"))
    everyone = unit_ops.list_units(db())
    return render_template("unit_form.html", unit=found, LEVEL_NAMES=unit_ops.LEVEL_NAMES, levels=list(UnitLevel),
                           cities=[u for u in everyone if u.level == UnitLevel.city])


@bp.post("/units/import")
@requires(EDITORS)
def import_units():  # type: ignore[no-untyped-def]
    upload = request.files.get("file")
    with form_action() as result:
        if upload is None or not upload.filename:
            raise AlbumError("请选择单位名单文件（CSV 或 XLSX）")
        with tempfile.TemporaryDirectory(dir=current_app.config["UPLOAD_TMP_DIR"]) as tmp:
            path = Path(tmp) / Path(upload.filename).name
            upload.save(path)
            done = import_unit_list(db(), path)
        moved = unit_ops.map_unmatched_photos(db(), album())
        result.done = f"已导入单位名单：新增 {done.created} 个，更新 {done.updated} 个；{moved} 张照片对应到了单位"
    return redirect(url_for("campaign.units"))


@bp.post("/units/map")
@requires(EDITORS)
def map_names():  # type: ignore[no-untyped-def]
    """Every unmatched name given a unit in the form is mapped at once."""
    mapping = {}
    for key, value in request.form.items():
        if key.startswith("map:") and value.isdigit():
            mapping[key[4:]] = int(value)
    with form_action() as result:
        if not mapping:
            raise AlbumError("请为至少一个名称选择对应的单位")
        moved = unit_ops.map_names(db(), album(), mapping)
        result.done = f"已对应 {len(mapping)} 个名称，{moved} 张照片归入相应单位"
    return redirect(url_for("campaign.units"))


@bp.post("/units/merge")
@requires(EDITORS)
def merge():  # type: ignore[no-untyped-def]
    keep, other = request.form.get("keep", type=int), request.form.get("other", type=int)
    with form_action() as result:
        if not keep or not other:
            raise AlbumError("请选择保留的单位和并入的单位")
        kept, gone = unit_ops.get_unit(db(), keep), unit_ops.get_unit(db(), other)
        gone_name = gone.name
        moved = unit_ops.merge_units(db(), kept, gone)
        result.done = f"已将 {gone_name} 并入 {kept.name}：{moved} 张照片随之移入"
    return redirect(url_for("campaign.units"))
