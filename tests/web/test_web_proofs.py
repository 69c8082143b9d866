"""Proofs through the web: status JSON, page viewer and spreads, page images, comments, a real render."""

from __future__ import annotations

import io
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image
from flask.testing import FlaskClient

from album.db import transaction
from album.accounts import create_user
from album.models import Comment, Proof, Release, Role
from web.proofs import spreads_of
from web_support import PASSWORD, WebEnv, add_chapter, add_proof, make_pdf, upload


def test_spreads_put_page_one_on_the_right() -> None:
    assert spreads_of(0) == []
    assert spreads_of(1) == [[None, 1]]
    assert spreads_of(4) == [[None, 1], [2, 3], [4, None]]
    assert spreads_of(5) == [[None, 1], [2, 3], [4, 5]]


def test_proof_list_status_viewer_and_page_images(web_env: WebEnv, contributor: FlaskClient) -> None:
    done = add_proof(web_env, pages=5)
    running = add_proof(web_env, status="running", number=2)

    listing = contributor.get("/proofs/").get_data(as_text=True)
    assert "第 1 版" in listing and "错误 1</span>，警告 3" in listing
    assert f'data-status-url="/proofs/api/{running}/status"' in listing
    assert "开始渲染" not in listing  # only editors start renders

    status = contributor.get(f"/proofs/api/{running}/status").get_json()["proof"]
    assert (status["status"], status["percent"]) == ("running", 40)
    assert contributor.get(f"/proofs/{running}/pdf").status_code == 404

    page = contributor.get(f"/proofs/{done}").get_data(as_text=True)
    assert page.count(f'src="/proofs/{done}/page/') == 5 + 1  # five thumbnails + the selected page
    spreads = contributor.get(f"/proofs/{done}?view=spreads").get_data(as_text=True)
    assert spreads.count('class="spread"') == 3 and 'class="page blank"' in spreads

    image = contributor.get(f"/proofs/{done}/page/2")
    assert image.status_code == 200 and image.mimetype == "image/png"
    with Image.open(io.BytesIO(image.data)) as img:
        assert img.width == 240 and 330 < img.height < 350  # A4-ish portrait
    cached = list((web_env.home.store.cache).rglob("*-p2-w240.png"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    assert contributor.get(f"/proofs/{done}/page/2").data == image.data
    assert cached[0].stat().st_mtime_ns == mtime  # served from the cache, not re-rendered
    assert contributor.get(f"/proofs/{done}/page/6").status_code == 404

    download = contributor.get(f"/proofs/{done}/pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "attachment" in download.headers["Content-Disposition"]


def test_comments_pinned_to_pages_and_resolved_by_editors(web_env: WebEnv, contributor: FlaskClient,
                                                          editor: FlaskClient) -> None:
    proof_id = add_proof(web_env, pages=3)
    contributor.post(f"/proofs/{proof_id}/comments", data={"page": 2, "text": "第二页的说明有错字"})
    out_of_range = contributor.post(f"/proofs/{proof_id}/comments", data={"page": 9, "text": "x"},
                                 follow_redirects=True)
    assert "页码超出范围" in out_of_range.get_data(as_text=True)
    page = editor.get(f"/proofs/{proof_id}?page=2").get_data(as_text=True)
    assert "第二页的说明有错字" in page and "1 条意见" in page
    with transaction(web_env.home.factory) as session:
        comment = session.query(Comment).one()
        assert (comment.page, comment.author_id) == (2, web_env.user_ids["contributor"])
    assert contributor.post(f"/proofs/comments/{comment.id}/resolve").status_code == 403
    assert editor.post(f"/proofs/comments/{comment.id}/resolve", data={"resolved": "1"}).status_code == 302
    with transaction(web_env.home.factory) as session:
        assert session.get(Comment, comment.id).resolved is True
    assert "1 条意见" not in editor.get(f"/proofs/{proof_id}").get_data(as_text=True)


@pytest.mark.slow  # renders a whole album
def test_real_render_from_the_web(web_env: WebEnv, contributor: FlaskClient, editor: FlaskClient,
                                  tmp_path: Path, corpus: Path) -> None:
    add_chapter(web_env, "山乡巨变")
    ids = []
    for name, caption in (("exif/jpg/gps/DSCN0010.jpg", "梯田春耕"), ("exif/jpg/orientation/landscape_6.jpg", "新修的村道")):
        photo = upload(contributor, corpus / name).get_json()["photo"]
        contributor.post(photo["save_url"], json={"caption": caption, "photographer": "王五",
                                                  "chapter": "山乡巨变", "version": photo["version"]})
        ids.append(photo["id"])
    editor.post("/editor/review", data={"photo": ids, "action": "accept"})
    started = editor.post("/proofs/start", data={"kind": "proof"})
    assert started.status_code == 302
    proof_id = int(started.headers["Location"].rsplit("=", 1)[1])
    status = finished(editor, proof_id)
    assert status["status"] == "done", status["error"]
    assert status["percent"] == 100 and status["page_count"] >= 4
    assert "errors" in status["preflight"]
    pdf = tmp_path / "dl.pdf"
    pdf.write_bytes(editor.get(f"/proofs/{proof_id}/pdf").data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "梯田春耕" in text and "新修的村道" in text
    with transaction(web_env.home.factory) as session:
        assert session.get(Proof, proof_id).created_by == web_env.user_ids["editor"]
    assert editor.get(f"/proofs/{proof_id}/page/1").status_code == 200
    assert editor.get(f"/proofs/{proof_id}/report").status_code == 200

    # 三审 on this proof, then 付印 by the 终审 holder: the small phone photos fail preflight at
    # print size, so the release is refused with the reason and leaves no PDF and no record.
    with transaction(web_env.home.factory) as session:
        create_user(session, "chief", PASSWORD, Role.editor, display_name="总编")
    chief = web_env.client("chief")
    for client, stage in ((editor, "review1"), (web_env.client("admin"), "review2"), (chief, "review3")):
        answer = client.post(f"/proofs/{proof_id}/sign", data={"stage": stage, "decision": "pass"},
                             follow_redirects=True).get_data(as_text=True)
        assert "已签署" in answer, answer
    started = chief.post("/proofs/start", data={"kind": "print", "final": "1"})
    final_id = int(started.headers["Location"].rsplit("=", 1)[1])
    status = finished(chief, final_id)
    assert status["status"] == "failed" and "预检发现" in status["error"] and "未付印" in status["error"]
    with transaction(web_env.home.factory) as session:
        assert not Path(session.get(Proof, final_id).pdf_path).exists()
        assert session.query(Release).count() == 0


def finished(client: FlaskClient, proof_id: int) -> dict:
    """The proof's status once its render has ended (or after two minutes)."""
    deadline = time.monotonic() + 120
    while True:
        status = client.get(f"/proofs/api/{proof_id}/status").get_json()["proof"]
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.3)

