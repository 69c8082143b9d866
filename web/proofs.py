"""Proofs: start a render job, follow its progress, view pages and spreads, comment on pages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from album.errors import AlbumError, NotFoundError
from album.models import Comment, Proof
from album.thumbs import PAGE_WIDTHS, page_thumbnail, pdf_page_count
from web import album, db, get_home
from web.access import EDITORS, SIGNED_IN, requires

bp = Blueprint("proofs", __name__, url_prefix="/proofs")

KIND_NAMES = {"proof": "校样", "print": "印刷文件", "cover": "封面"}
STATUS_NAMES = {"queued": "排队中", "running": "渲染中", "done": "完成", "failed": "失败"}
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def get_proof(proof_id: int) -> Proof:
    proof = db().get(Proof, proof_id)
    if proof is None or proof.album_id != album().id:
        raise NotFoundError(f"没有编号为 {proof_id} 的校样")
    return proof


def status_json(proof: Proof) -> dict:
    return {
        "id": proof.id,
        "number": proof.number,
        "status": proof.status,
        "status_name": STATUS_NAMES.get(proof.status, proof.status),
        "progress": round(float(proof.progress or 0), 3),
        "percent": int(round(float(proof.progress or 0) * 100)),
        "page_count": proof.page_count,
        "preflight": proof.preflight or {},
        "error": proof.error,
        "view_url": url_for("proofs.view", proof_id=proof.id),
        "pdf_url": url_for("proofs.pdf", proof_id=proof.id),
    }


@bp.get("/")
@requires(SIGNED_IN)
def index():  # type: ignore[no-untyped-def]
    proofs = db().scalars(
        select(Proof).where(Proof.album_id == album().id).order_by(Proof.number.desc()).limit(200)
    ).all()
    return render_template("proofs.html", proofs=proofs, KIND_NAMES=KIND_NAMES, STATUS_NAMES=STATUS_NAMES)


@bp.post("/start")
@requires(EDITORS)
def start():  # type: ignore[no-untyped-def]
    from album.jobs import start_render

    kind = request.form.get("kind", "proof")
    if kind not in ("proof", "print"):
        raise AlbumError("请选择校样或印刷文件")
    spreads = request.form.get("spreads") == "1" and kind == "proof"
    proof_id = start_render(get_home(), album().id, kind, user_id=current_user.id, spreads=spreads)
    flash(f"已开始渲染{KIND_NAMES[kind]}", "info")
    return redirect(url_for("proofs.index", started=proof_id))


@bp.get("/api/<int:proof_id>/status")
@requires(SIGNED_IN)
def api_status(proof_id: int):  # type: ignore[no-untyped-def]
    return jsonify(ok=True, proof=status_json(get_proof(proof_id)))


def _page_count(proof: Proof) -> int:
    if proof.page_count:
        return proof.page_count
    path = Path(proof.pdf_path)
    return pdf_page_count(path) if proof.status == "done" and path.is_file() else 0


def spreads_of(count: int) -> list[list[int | None]]:
    """Facing pages as a reader sees them: page 1 alone on the right, then 2–3, 4–5, …"""
    rows: list[list[int | None]] = [[None, 1]] if count else []
    for left in range(2, count + 1, 2):
        rows.append([left, left + 1 if left + 1 <= count else None])
    return rows


@bp.get("/<int:proof_id>")
@requires(SIGNED_IN)
def view(proof_id: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    count = _page_count(proof)
    mode = "spreads" if request.args.get("view") == "spreads" else "pages"
    comments = db().scalars(
        select(Comment).where(Comment.proof_id == proof.id).order_by(Comment.resolved, Comment.page, Comment.id)
    ).all()
    by_page: dict[int, int] = {}
    for comment in comments:
        if not comment.resolved:
            by_page[comment.page] = by_page.get(comment.page, 0) + 1
    return render_template(
        "proof_view.html", proof=proof, pages=list(range(1, count + 1)), spreads=spreads_of(count),
        mode=mode, comments=comments, open_by_page=by_page, KIND_NAMES=KIND_NAMES,
        STATUS_NAMES=STATUS_NAMES, selected_page=request.args.get("page", 1, type=int),
    )


@bp.get("/<int:proof_id>/page/<int:page>")
@requires(SIGNED_IN)
def page_image(proof_id: int, page: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    if proof.status != "done":
        raise NotFoundError("校样尚未完成")
    width = request.args.get("w", PAGE_WIDTHS[0], type=int)
    path = page_thumbnail(get_home().store, Path(proof.pdf_path), page,
                          width if width in PAGE_WIDTHS else PAGE_WIDTHS[0])
    response = send_file(path, mimetype="image/png", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/<int:proof_id>/pdf")
@requires(SIGNED_IN)
def pdf(proof_id: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    path = Path(proof.pdf_path)
    if proof.status != "done" or not path.is_file():
        raise NotFoundError("校样文件不存在或尚未完成")
    name = f"{album().title}-{KIND_NAMES.get(proof.kind, proof.kind)}-第{proof.number}版.pdf"
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/<int:proof_id>/report")
@requires(SIGNED_IN)
def report(proof_id: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    if not proof.report_path:
        raise NotFoundError("这一版没有预检报告")
    html = Path(proof.report_path).with_suffix(".html")
    path = html if html.is_file() else Path(proof.report_path)
    if not path.is_file():
        raise NotFoundError("预检报告文件不存在")
    response = send_file(path, mimetype="text/html" if path.suffix == ".html" else "application/json")
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


@bp.post("/<int:proof_id>/comments")
@requires(SIGNED_IN)
def comment(proof_id: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    page = request.form.get("page", 0, type=int)
    text = request.form.get("text", "").strip()
    if not 1 <= page <= max(1, _page_count(proof)):
        flash("页码超出范围", "error")
    elif not text or len(text) > 2000:
        flash("请填写意见（最多 2000 字）", "error")
    else:
        db().add(Comment(proof_id=proof.id, page=page, author_id=current_user.id, text=text))
        db().commit()
        flash(f"已在第 {page} 页留下意见", "info")
    return redirect(url_for("proofs.view", proof_id=proof.id, page=page,
                            view=request.form.get("view") or None))


@bp.post("/comments/<int:comment_id>/resolve")
@requires(EDITORS)
def resolve(comment_id: int):  # type: ignore[no-untyped-def]
    found = db().get(Comment, comment_id)
    if found is None:
        abort(404)
    proof = get_proof(found.proof_id)
    found.resolved = request.form.get("resolved", "1") == "1"
    db().commit()
    return redirect(url_for("proofs.view", proof_id=proof.id, page=found.page))
