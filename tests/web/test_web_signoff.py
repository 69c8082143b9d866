"""Sign-off through the web: who may sign which stage, the 审稿单 download, the 付印 button's gate."""

from __future__ import annotations

import subprocess
from pathlib import Path

from flask.testing import FlaskClient

from album.db import transaction
from album.models import Proof, Release, SignOff
from web_support import WebEnv, add_proof


def sheet_text(client: FlaskClient, proof_id: int, tmp_path: Path) -> str:
    response = client.get(f"/proofs/{proof_id}/review-sheet")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_expert_reads_proofs_signs_an_opinion_and_nothing_else(web_env: WebEnv, expert: FlaskClient,
                                                                editor: FlaskClient, tmp_path: Path) -> None:
    proof_id = add_proof(web_env, pages=4)
    assert expert.get("/").headers["Location"].endswith("/proofs/")
    assert expert.get("/contribute/upload").status_code == 403
    assert expert.get("/editor/review").status_code == 403
    page = expert.get(f"/proofs/{proof_id}").get_data(as_text=True)
    assert '<option value="expert">专家审读</option>' in page and 'value="review1"' not in page
    assert "上传照片" not in page

    refused = expert.post(f"/proofs/{proof_id}/sign", data={"stage": "review1", "decision": "pass"},
                          follow_redirects=True).get_data(as_text=True)
    assert "你的角色不能签署初审" in refused
    signed = expert.post(f"/proofs/{proof_id}/sign", data={
        "stage": "expert", "decision": "pass_with_changes", "opinion": "第3页易地扶贫搬迁安置点名称应核实"},
        follow_redirects=True).get_data(as_text=True)
    assert "已签署专家审读意见" in signed and "第3页易地扶贫搬迁安置点名称应核实" in signed
    with transaction(web_env.home.factory) as session:
        assert [(r.stage, r.decision, r.signer_name) for r in session.query(SignOff)] == [
            ("expert", "pass_with_changes", "expert-姓名")]

    text = sheet_text(editor, proof_id, tmp_path)
    assert "专家审读" in text and "修改后通过" in text and "expert-姓名" in text
    assert "第3页易地扶贫搬迁安置点名称应核实" in text.replace(" ", "")


def test_final_render_button_is_gated(web_env: WebEnv, editor: FlaskClient, admin: FlaskClient) -> None:
    add_proof(web_env, pages=4)
    assert "付印（须最新校样终审通过" not in editor.get("/proofs/").get_data(as_text=True)
    assert "付印（须最新校样终审通过" in admin.get("/proofs/").get_data(as_text=True)
    by_editor = editor.post("/proofs/start", data={"kind": "print", "final": "1"}, follow_redirects=True)
    assert "付印只能由终审人或管理员签发" in by_editor.get_data(as_text=True)
    by_admin = admin.post("/proofs/start", data={"kind": "print", "final": "1"}, follow_redirects=True)
    assert "最新的校样第1版尚未终审，不能付印" in by_admin.get_data(as_text=True)
    with transaction(web_env.home.factory) as session:
        assert session.query(Proof).count() == 1 and session.query(Release).count() == 0
