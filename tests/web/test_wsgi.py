"""``web.wsgi:app``, gunicorn's entry: the album home comes from ``ALBUM_HOME`` and the process
never renders — a render started through it waits on the queue for an ``album worker``."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import pytest
from web_support import PASSWORD, meta_csrf

from album.accounts import create_user
from album.db import transaction
from album.models import Proof, Role


def test_wsgi_app_serves_album_home_and_leaves_renders_to_the_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALBUM_HOME", str(tmp_path / "home"))
    monkeypatch.delitem(sys.modules, "web.wsgi", raising=False)
    app = importlib.import_module("web.wsgi").app
    home = app.extensions["album_home"]
    assert home.settings.home == tmp_path / "home"
    with transaction(home.factory) as session:
        create_user(session, "编辑", PASSWORD, Role.editor)

    client = app.test_client()
    token = meta_csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "编辑", "password": PASSWORD, "csrf_token": token}).status_code == 302
    token = meta_csrf(client.get("/proofs/").get_data(as_text=True))
    assert client.post("/proofs/start", data={"kind": "proof", "csrf_token": token}).status_code == 302

    queue = app.extensions["album_queue"]
    time.sleep(1.0)  # an embedded consumer would have taken the job by now
    with transaction(home.factory) as session:
        assert [p.status for p in session.query(Proof)] == ["queued"]
    assert queue.pending() == 1
    home.close()
