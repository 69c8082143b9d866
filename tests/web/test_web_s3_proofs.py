"""Proofs on an S3 media store (moto's server on loopback): the web app checks who asks, then
redirects to a presigned link that really returns the PDF; pages, the preflight report and
signing read the file from the bucket, so any web process on any machine can serve them."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from album.config import MediaSettings
from album.db import transaction
from album.models import Proof, SignOff
from album.proofs import share_proof_files
from album.store import sha256_file
from queue_support import write_toml
from s3_support import album_toml_lines
from web_support import WebEnv, make_env, make_pdf, stop_queue


@pytest.fixture
def s3_env(tmp_path: Path, s3_media: MediaSettings):  # type: ignore[no-untyped-def]
    write_toml(tmp_path / "home", album_toml_lines(s3_media))
    env = make_env(tmp_path)
    yield env
    stop_queue(env)


def _proof_rendered_elsewhere(env: WebEnv, tmp_path: Path) -> tuple[int, bytes]:
    """A finished proof whose files exist only in the bucket (its worker's disk is gone)."""
    worker_disk = tmp_path / "worker"
    worker_disk.mkdir()
    pdf = make_pdf(worker_disk / "001-proof.pdf", pages=3)
    pdf.with_suffix(".preflight.html").write_text("<p>预检报告</p>", encoding="utf-8")
    share_proof_files(env.home.store, env.album_id(), 1, "proof", pdf)
    data = pdf.read_bytes()
    with transaction(env.home.factory) as session:
        proof = Proof(album_id=env.album_id(), number=1, kind="proof", status="done", page_count=3,
                      pdf_path=str(pdf), pdf_sha256=sha256_file(pdf),
                      report_path=str(pdf.with_suffix(".preflight.json")))
        session.add(proof)
        session.flush()
        proof_id = proof.id
    for path in worker_disk.iterdir():
        path.unlink()
    return proof_id, data


def test_download_redirects_to_a_presigned_link_after_the_access_check(
        s3_env: WebEnv, tmp_path: Path, s3_endpoint: str) -> None:
    proof_id, data = _proof_rendered_elsewhere(s3_env, tmp_path)

    anonymous = s3_env.client().get(f"/proofs/{proof_id}/pdf")
    assert anonymous.status_code in (302, 401)
    assert s3_endpoint not in anonymous.headers.get("Location", "")  # no link without a sign-in
    assert s3_env.client("proofreader").get(f"/proofs/{proof_id + 1}/pdf").status_code == 404

    answer = s3_env.client("proofreader").get(f"/proofs/{proof_id}/pdf")
    assert answer.status_code == 302 and answer.headers["Cache-Control"] == "no-store"
    link = answer.headers["Location"]
    assert link.startswith(f"{s3_endpoint}/") and "X-Amz-Expires=300" in link
    with urllib.request.urlopen(link, timeout=10) as got:  # the bucket itself answers
        assert got.read() == data
        assert got.headers["Content-Type"] == "application/pdf"
        assert "attachment" in got.headers["Content-Disposition"]


def test_links_name_the_endpoint_browsers_reach(tmp_path: Path, s3_media: MediaSettings) -> None:
    public = s3_media.endpoint_url.replace("127.0.0.1", "localhost")  # as a proxy would publish it
    write_toml(tmp_path / "home", {**album_toml_lines(s3_media), "s3_public_endpoint_url": public})
    env = make_env(tmp_path)
    proof_id, data = _proof_rendered_elsewhere(env, tmp_path)
    link = env.client("editor").get(f"/proofs/{proof_id}/pdf").headers["Location"]
    assert link.startswith(f"{public}/")
    with urllib.request.urlopen(link, timeout=10) as got:
        assert got.read() == data


def test_pages_report_and_signing_read_the_proof_from_the_bucket(s3_env: WebEnv, tmp_path: Path) -> None:
    proof_id, _ = _proof_rendered_elsewhere(s3_env, tmp_path)
    reader: FlaskClient = s3_env.client("proofreader")
    page = reader.get(f"/proofs/{proof_id}/page/2")
    assert page.status_code == 200 and page.mimetype == "image/png"
    assert "预检报告" in reader.get(f"/proofs/{proof_id}/report").get_data(as_text=True)
    reader.post(f"/proofs/{proof_id}/sign", data={"stage": "proof1", "decision": "pass", "opinion": ""})
    with transaction(s3_env.home.factory) as session:
        assert [s.stage for s in session.query(SignOff).filter_by(proof_id=proof_id)] == ["proof1"]
