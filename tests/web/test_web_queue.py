"""Render jobs from the web: the app consumes its own queue (no separate worker needed), and
editors cancel a queued or a running render on the proofs page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from album.db import transaction
from album.ingest.importer import import_paths
from album.models import Proof, ReviewState
from queue_support import QUICK, proof_row, wait_for, write_toml
from web_support import PASSWORD, WebEnv, make_env, meta_csrf, stop_queue


def _with_photos(env: WebEnv, corpus: Path, count: int) -> None:
    photos = sorted((corpus / "photos").glob("*.jpg"))[:count]
    import_paths(env.home.factory, env.home.store, env.home.settings.limits, env.album_id(), photos,
                 chapter="第一篇", status=ReviewState.accepted)


def _signed_in(env: WebEnv, username: str) -> tuple[FlaskClient, str]:
    """A client signed in with CSRF on, and the token its pages carry."""
    client = env.app.test_client()
    token = meta_csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client, meta_csrf(client.get("/proofs/").get_data(as_text=True))


@pytest.fixture
def quiet_env(tmp_path: Path, corpus: Path) -> Iterator[WebEnv]:
    """CSRF on, and no consumer in the app (as ``album serve --no-worker``): jobs stay queued."""
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True, ALBUM_EMBEDDED_WORKER=False)
    _with_photos(env, corpus, 2)
    yield env
    stop_queue(env)


def test_editor_cancels_a_queued_render_and_it_never_starts(quiet_env: WebEnv) -> None:
    editor, token = _signed_in(quiet_env, "editor")
    contributor, other_token = _signed_in(quiet_env, "contributor")
    started = editor.post("/proofs/start", data={"kind": "proof", "csrf_token": token})
    proof_id = int(started.headers["Location"].rsplit("=", 1)[1])
    assert proof_row(quiet_env.home, proof_id).status == "queued"
    listing = editor.get("/proofs/").get_data(as_text=True)
    assert f'action="/proofs/{proof_id}/cancel"' in listing
    assert f'action="/proofs/{proof_id}/cancel"' not in contributor.get("/proofs/").get_data(as_text=True)

    assert editor.post(f"/proofs/{proof_id}/cancel").status_code == 400  # no CSRF token
    assert contributor.post(f"/proofs/{proof_id}/cancel", data={"csrf_token": other_token}).status_code == 403
    assert proof_row(quiet_env.home, proof_id).status == "queued"
    answer = editor.post(f"/proofs/{proof_id}/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "已取消第 1 版的渲染" in answer.get_data(as_text=True)
    again = editor.post(f"/proofs/{proof_id}/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "已经结束，无法取消" in again.get_data(as_text=True)

    queue = quiet_env.app.extensions["album_queue"]
    assert queue.pending() == 1  # its id is still on the queue: the worker must skip it
    queue.start_consumer()
    later = editor.post("/proofs/start", data={"kind": "proof", "csrf_token": token})
    later_id = int(later.headers["Location"].rsplit("=", 1)[1])
    wait_for(quiet_env.home, later_id, lambda p: p.status == "done", what="done")
    row = proof_row(quiet_env.home, proof_id)
    assert (row.status, row.attempts) == ("cancelled", 0) and not Path(row.pdf_path).exists()
    status = editor.get(f"/proofs/api/{proof_id}/status").get_json()["proof"]
    assert status["status_name"] == "已取消"


@pytest.mark.slow  # a cold print render of 14 photos, stopped in the middle
def test_editor_cancels_a_running_render_and_no_pdf_is_left(tmp_path: Path, corpus: Path) -> None:
    write_toml(tmp_path / "home", QUICK)
    env = make_env(tmp_path)
    try:
        _with_photos(env, corpus, 14)
        editor = env.client("editor")
        started = editor.post("/proofs/start", data={"kind": "print"})
        proof_id = int(started.headers["Location"].rsplit("=", 1)[1])
        wait_for(env.home, proof_id, lambda p: p.status == "running" and p.progress > 0,
                 what="running with progress")
        answer = editor.post(f"/proofs/{proof_id}/cancel", follow_redirects=True).get_data(as_text=True)
        assert "正在取消第 1 版的渲染" in answer
        assert "正在取消" in editor.get("/proofs/").get_data(as_text=True)
        row = wait_for(env.home, proof_id, lambda p: p.status not in ("running", "cancelling"),
                       what="cancelled")
        assert (row.status, row.error, row.attempts) == ("cancelled", "", 1)
        assert row.progress < 0.99, "stopped in the middle, not at the end"
        pdf = Path(row.pdf_path)
        time.sleep(0.5)
        assert not pdf.exists() and not pdf.with_suffix(".preflight.json").exists()
        assert not list(pdf.parent.glob(".tmp-render-*")), "the render's temp folder is removed"
        with transaction(env.home.factory) as session:
            assert session.query(Proof).filter(Proof.status == "done").count() == 0
    finally:
        stop_queue(env)
