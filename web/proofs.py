"""Proofs: start a render job, follow its progress, view pages and spreads, comment on pages,
sign a stage (三审三校, 专家审读), download the 审稿单, and start the 付印 render."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from album import proofs as proof_records
from album import release, signoff
from album.accounts import find_user
from album.errors import AlbumError, NotFoundError
from album.messages import PROOF_KIND_NAMES as KIND_NAMES
from album.messages import PROOF_STATUS_NAMES as STATUS_NAMES
from album.models import Proof
from album.thumbs import PAGE_WIDTHS, page_thumbnail, pdf_page_count
from web.access import EDITORS, SIGNED_IN, requires
from web.context import album, db, form_action, get_home, get_queue

bp = Blueprint("proofs", __name__, url_prefix="/proofs")

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def get_proof(proof_id: int) -> Proof:
    return proof_records.get_proof(db(), album(), proof_id)


def _me():  # type: ignore[no-untyped-def]
    """The signed-in user's row (the session's Account is a detached copy)."""
    return find_user(db(), current_user.username)


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
    proofs = proof_records.list_proofs(db(), album())
    return render_template("proofs.html", proofs=proofs, KIND_NAMES=KIND_NAMES, STATUS_NAMES=STATUS_NAMES,
                           releases=release.releases(db(), album()),
                           may_release=release.may_release(db(), album(), _me()))


@bp.post("/start")
@requires(EDITORS)
def start():  # type: ignore[no-untyped-def]
    from album.publish import check_release
    from album.tasks import start_render

    kind = request.form.get("kind", "proof")
    if kind not in ("proof", "print"):
        raise AlbumError("请选择校样或印刷文件")
    spreads = request.form.get("spreads") == "1" and kind == "proof"
    final = request.form.get("final") == "1"
    if final:
        if kind != "print" or not release.may_release(db(), album(), _me()):
            raise AlbumError("付印只能由终审人或管理员签发，并且只用于印刷文件")
        with form_action() as gate:
            check_release(get_home(), album().id)
        if not gate.ok:
            return redirect(url_for("proofs.index"))
    proof_id = start_render(get_queue(), album().id, kind, user_id=current_user.id, spreads=spreads,
                            final=final)
    flash("已开始付印渲染" if final else f"已开始渲染{KIND_NAMES[kind]}", "info")
    return redirect(url_for("proofs.index", started=proof_id))


@bp.post("/<int:proof_id>/cancel")
@requires(EDITORS)
def cancel(proof_id: int):  # type: ignore[no-untyped-def]
    """Cancel a render: a queued one never starts, a running one stops at its next step."""
    from album.jobs import cancel_job

    proof = get_proof(proof_id)
    with form_action() as result:
        status = cancel_job(db(), proof)
        result.done = (f"已取消第 {proof.number} 版的渲染" if status == "cancelled"
                       else f"正在取消第 {proof.number} 版的渲染，将在下一步停止")
    return redirect(url_for("proofs.index"))


@bp.get("/api/<int:proof_id>/status")
@requires(SIGNED_IN)
def api_status(proof_id: int):  # type: ignore[no-untyped-def]
    return jsonify(ok=True, proof=status_json(get_proof(proof_id)))


def _page_count(proof: Proof) -> int:
    if proof.page_count or proof.status != "done":
        return proof.page_count or 0
    path = proof_records.proof_file(get_home().store, proof)
    return pdf_page_count(path) if path is not None else 0


def _done_file(proof: Proof, suffix: str = ".pdf") -> Path:
    """The finished proof's file as this process can read it (fetched from a remote store)."""
    path = proof_records.proof_file(get_home().store, proof, suffix) if proof.status == "done" else None
    if path is None:
        raise NotFoundError("校样文件不存在或尚未完成")
    return path


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
    comments = proof_records.proof_comments(db(), proof)
    by_page = proof_records.open_comments_by_page(comments)
    signed = signoff.signed_on(db(), proof) if proof.kind == "proof" else []
    return render_template(
        "proof_view.html", proof=proof, pages=list(range(1, count + 1)), spreads=spreads_of(count),
        mode=mode, comments=comments, open_by_page=by_page, KIND_NAMES=KIND_NAMES,
        STATUS_NAMES=STATUS_NAMES, selected_page=request.args.get("page", 1, type=int),
        signed=signed, my_stages=signoff.stages_for(current_user.role) if proof.kind == "proof" else (),
        mine=[r for r in signed if r.user_id == current_user.id],
        STAGE_NAMES=signoff.STAGE_NAMES, DECISION_NAMES=signoff.DECISION_NAMES,
    )


@bp.post("/<int:proof_id>/sign")
@requires(SIGNED_IN)
def sign(proof_id: int):  # type: ignore[no-untyped-def]
    """Sign a stage on this proof (or correct one's own signature on it)."""
    proof = get_proof(proof_id)
    stage = request.form.get("stage", "")
    corrects_id = request.form.get("corrects", 0, type=int)
    with form_action(f"已签署{signoff.STAGE_NAMES.get(stage, '')}意见"):
        corrects = signoff.get_sign_off(db(), proof, corrects_id) if corrects_id else None
        signoff.sign(db(), proof, _me(), stage=stage, decision=request.form.get("decision", ""),
                     opinion=request.form.get("opinion", ""), corrects=corrects, store=get_home().store)
    return redirect(url_for("proofs.view", proof_id=proof.id) + "#signoff")


@bp.get("/<int:proof_id>/review-sheet")
@requires(SIGNED_IN)
def review_sheet(proof_id: int):  # type: ignore[no-untyped-def]
    """The 审稿单 of this proof as a PDF, drawn now from the sign-off records."""
    proof = get_proof(proof_id)
    with tempfile.TemporaryDirectory(prefix="review-sheet-") as work:
        path = Path(work) / "sheet.pdf"
        signoff.write_review_sheet_of(db(), album(), proof, path)
        data = path.read_bytes()
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{album().title}-审稿单-校样第{proof.number}版.pdf")


@bp.get("/<int:proof_id>/page/<int:page>")
@requires(SIGNED_IN)
def page_image(proof_id: int, page: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    if proof.status != "done":
        raise NotFoundError("校样尚未完成")
    width = request.args.get("w", PAGE_WIDTHS[0], type=int)
    path = page_thumbnail(get_home().store, _done_file(proof), page,
                          width if width in PAGE_WIDTHS else PAGE_WIDTHS[0])
    response = send_file(path, mimetype="image/png", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/<int:proof_id>/pdf")
@requires(SIGNED_IN)
def pdf(proof_id: int):  # type: ignore[no-untyped-def]
    """The PDF, to a reader who may see this proof: streamed from the local store, or a redirect
    to a presigned link valid for a few minutes when the store is S3 (the bytes never pass here)."""
    proof = get_proof(proof_id)
    if proof.status != "done":
        raise NotFoundError("校样文件不存在或尚未完成")
    name = f"{album().title}-{KIND_NAMES.get(proof.kind, proof.kind)}-第{proof.number}版.pdf"
    url = proof_records.proof_download_url(get_home().store, proof, name)
    if url is not None:
        response = redirect(url, code=302)
        response.headers["Cache-Control"] = "no-store"  # the link is personal and short-lived
        return response
    return send_file(_done_file(proof), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/<int:proof_id>/report")
@requires(SIGNED_IN)
def report(proof_id: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    if not proof.report_path:
        raise NotFoundError("这一版没有预检报告")
    store = get_home().store
    path = (proof_records.proof_file(store, proof, ".preflight.html")
            or proof_records.proof_file(store, proof, ".preflight.json"))
    if path is None:
        raise NotFoundError("预检报告文件不存在")
    response = send_file(path, mimetype="text/html" if path.suffix == ".html" else "application/json")
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


@bp.post("/<int:proof_id>/comments")
@requires(SIGNED_IN)
def comment(proof_id: int):  # type: ignore[no-untyped-def]
    proof = get_proof(proof_id)
    page = request.form.get("page", 0, type=int)
    with form_action(f"已在第 {page} 页留下意见"):
        proof_records.add_comment(db(), proof, page=page, page_count=_page_count(proof),
                                  author_id=current_user.id, text=request.form.get("text", ""))
    return redirect(url_for("proofs.view", proof_id=proof.id, page=page,
                            view=request.form.get("view") or None))


@bp.post("/comments/<int:comment_id>/resolve")
@requires(EDITORS)
def resolve(comment_id: int):  # type: ignore[no-untyped-def]
    found = proof_records.get_comment(db(), album(), comment_id)
    found.resolved = request.form.get("resolved", "1") == "1"
    db().commit()
    return redirect(url_for("proofs.view", proof_id=found.proof_id, page=found.page))
