"""Web security guarantees, one test each: CSRF on every state-changing route (read from the URL
map), cookie flags, password hashes, login throttling, headers on every kind of response, no stack
trace for a user, a secret key that survives a restart, and ``album serve`` leaving queued jobs to the queue and
putting back (or failing) the ones whose worker went silent."""

from __future__ import annotations

import logging
import re
import stat
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from web_support import (
    PASSWORD,
    WebEnv,
    add_chapter,
    add_photo,
    album_serve,
    first_answer,
    login,
    make_env,
    make_pdf,
    meta_csrf,
    upload,
)
from werkzeug.security import generate_password_hash

from album.accounts import create_user, set_password
from album.db import transaction
from album.models import Proof, ReviewState, Role, User
from web import create_app
from web.access import PUBLIC, requires
from web.security import CSP, SECRET_KEY_FILE, SECURITY_HEADERS, persistent_secret_key

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
WRONG = "wrong-password-9"


def csrf_login(client: FlaskClient, username: str) -> str:
    """Sign in the way a browser does (token from the form); return the session's CSRF token."""
    token = meta_csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.data[:300]
    return meta_csrf(client.get("/proofs/").get_data(as_text=True))


def state_changing_routes(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING):
            found.append((rule.endpoint, rule.rule, method))
    return found


def is_csrf_refusal(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code != 400:
        return False
    if response.is_json:
        return response.get_json().get("code") == "csrf"
    return "表单已过期或来源无效" in response.get_data(as_text=True)


def test_every_state_changing_route_refuses_a_request_without_token(tmp_path: Path) -> None:
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True)
    assert not env.app.extensions["csrf"]._exempt_views and not env.app.extensions["csrf"]._exempt_blueprints
    routes = state_changing_routes(env.app)
    assert len(routes) >= 20 and ("auth.login", "/login", "POST") in routes
    clients: dict[str | None, FlaskClient] = {None: env.client()}
    tokens = {}
    for who in ("contributor", "editor", "admin"):
        clients[who] = env.client()
        tokens[who] = csrf_login(clients[who], who)
    checked = 0
    for endpoint, rule, method in routes:
        url = re.sub(r"<int:\w+>", "1", rule)
        for who, client in clients.items():
            for body in ({"data": {"caption": "x", "version": "1"}}, {"json": {"caption": "x"}}):
                response = client.open(url, method=method, **body)
                assert is_csrf_refusal(response), f"{method} {url} as {who}: {response.status_code}"
                checked += 1
            # A token from another session is no token either.
            if who is not None:
                stolen = tokens["admin" if who != "admin" else "editor"]
                response = client.open(url, method=method, headers={"X-CSRFToken": stolen}, json={})
                assert is_csrf_refusal(response), f"{method} {url} as {who} with a foreign token"
    assert checked == len(routes) * len(clients) * 2
    # The same requests with the session's own token get past the check (whatever the view says).
    for endpoint, rule, method in routes:
        if endpoint in ("auth.logout", "auth.login"):
            continue
        url = re.sub(r"<int:\w+>", "1", rule)
        response = clients["admin"].open(url, method=method, headers={"X-CSRFToken": tokens["admin"]}, json={})
        assert not is_csrf_refusal(response), f"{method} {url} refused with a valid token"
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"


def test_session_cookie_is_httponly_and_samesite(web_env: WebEnv, anonymous: FlaskClient) -> None:
    response = anonymous.post("/login", data={"username": "editor", "password": PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert web_env.app.config["REMEMBER_COOKIE_HTTPONLY"] and web_env.app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_passwords_are_stored_as_salted_scrypt(web_env: WebEnv) -> None:
    with transaction(web_env.home.factory) as session:
        hashes = {u.username: u.password_hash for u in session.query(User)}
    assert hashes, "no accounts"
    for username, stored in hashes.items():
        method, salt, digest = stored.split("$")
        assert method == "scrypt:32768:8:1", username
        assert len(salt) >= 16 and re.fullmatch(r"[0-9a-f]{128}", digest), username
        assert PASSWORD not in stored
    assert len(set(hashes.values())) == len(hashes)  # same password, different salts


def test_old_password_hash_is_upgraded_at_sign_in(web_env: WebEnv) -> None:
    with transaction(web_env.home.factory) as session:
        user = session.query(User).filter_by(username="editor").one()
        user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha1:1000")
    login(web_env.client(), "editor")
    with transaction(web_env.home.factory) as session:
        assert session.query(User).filter_by(username="editor").one().password_hash.startswith("scrypt:32768:8:1$")
    login(web_env.client(), "editor")  # and the new hash still lets the same password in


def attempt(client: FlaskClient, username: str, password: str, address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_login_attempts_are_rate_limited(tmp_path: Path) -> None:
    env = make_env(tmp_path, LOGIN_LIMIT="5 per 15 minutes", LOGIN_IP_LIMIT="12 per 15 minutes")
    for _ in range(8):  # correct passwords never count
        assert attempt(env.client(), "contributor", PASSWORD).status_code == 302
    client = env.client()
    for _ in range(5):
        failed = attempt(client, "Contributor ", WRONG)  # same account however it is typed
        assert failed.status_code == 200 and "用户名或密码不正确" in failed.get_data(as_text=True)
    blocked = attempt(client, "contributor", WRONG)
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "登录失败次数过多" in page and "分钟后再试" in page
    assert 800 <= int(blocked.headers["Retry-After"]) <= 901
    assert set(SECURITY_HEADERS) <= set(blocked.headers.keys())
    right_but_late = attempt(client, "contributor", PASSWORD)
    assert right_but_late.status_code == 429
    assert client.get("/contribute/upload").status_code == 302  # still not signed in
    # The lock is per account and address: another account, or the same from elsewhere, still works.
    assert attempt(env.client(), "other", PASSWORD).status_code == 302
    assert attempt(env.client(), "contributor", PASSWORD, address="10.0.0.2").status_code == 302
    # Guessing over many accounts from one address runs into the per-address limit.
    for name in ("editor", "admin", "other", "nobody", "x1", "x2", "x3"):
        assert attempt(client, name, WRONG).status_code == 200
    sprayed = attempt(client, "admin", PASSWORD)
    assert sprayed.status_code == 429
    assert attempt(env.client(), "admin", PASSWORD, address="10.0.0.3").status_code == 302
    assert client.get("/login").status_code == 200  # the form itself is never throttled


def test_login_limit_window_passes(tmp_path: Path) -> None:
    env = make_env(tmp_path, LOGIN_LIMIT="2 per 2 seconds")
    client = env.client()
    attempt(client, "editor", WRONG)
    attempt(client, "editor", WRONG)
    blocked = attempt(client, "editor", PASSWORD)
    assert blocked.status_code == 429 and "秒后再试" in blocked.get_data(as_text=True)
    time.sleep(int(blocked.headers["Retry-After"]) + 0.2)
    assert attempt(client, "editor", PASSWORD).status_code == 302


def assert_security_headers(response, what: str, csp: str = CSP) -> None:  # type: ignore[no-untyped-def]
    assert SECURITY_HEADERS, "no security headers to check"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (what, name)
    assert response.headers.get("Content-Security-Policy") == csp, what
    assert "unsafe-inline" not in csp or "script-src" not in csp, what


def test_security_headers_on_pages_json_and_files(web_env: WebEnv, contributor: FlaskClient, editor: FlaskClient,
                                                   corpus: Path) -> None:
    photo = upload(contributor, corpus / "exif/jpg/Canon_40D.jpg").get_json()["photo"]
    pdf = make_pdf(web_env.home_path / "p.pdf", 1)
    with transaction(web_env.home.factory) as session:
        proof = Proof(album_id=web_env.album_id(), number=1, kind="proof", status="done", progress=1.0,
                      pdf_path=str(pdf), page_count=1, finished_at=datetime.now(timezone.utc))
        session.add(proof)
        session.flush()
        proof_id = proof.id
    responses = {
        "html page": (contributor.get("/contribute/mine"), "text/html"),
        "login page": (web_env.client().get("/login"), "text/html"),
        "html error": (contributor.get("/no/such/page"), "text/html"),
        "json": (contributor.get(f"/proofs/api/{proof_id}/status"), "application/json"),
        "json error": (contributor.post("/contribute/api/upload", data={}), "application/json"),
        "thumbnail": (contributor.get(photo["thumb"]), "image/jpeg"),
        "static": (contributor.get("/static/app.css"), "text/css"),
        "pdf": (editor.get(f"/proofs/{proof_id}/pdf"), "application/pdf"),
        "page image": (editor.get(f"/proofs/{proof_id}/page/1"), "image/png"),
        "redirect": (web_env.client().get("/editor/review"), "text/html"),
    }
    for what, (response, mimetype) in responses.items():
        assert response.mimetype == mimetype, what
        assert_security_headers(response, what)


def test_no_stack_trace_shown_outside_testing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    env = make_env(tmp_path, TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=None)
    assert not env.app.testing and not env.app.debug

    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals /etc/passwd")

    env.app.add_url_rule("/boom", "boom", requires(PUBLIC)(boom))
    env.app.add_url_rule("/api/boom", "api_boom", requires(PUBLIC)(boom), methods=["GET"])
    with caplog.at_level(logging.ERROR):
        page = env.client().get("/boom")
    assert page.status_code == 500 and page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert "服务器出错了" in body and "secret" not in body and "Traceback" not in body and "File \"" not in body
    assert "secret internals" in caplog.text  # the operator's log keeps it
    api = env.client().get("/api/boom")
    assert api.status_code == 500 and api.get_json() == {"ok": False, "error": api.get_json()["error"], "code": "500"}
    assert "secret" not in api.get_data(as_text=True)
    # A real view whose database fails: the SQL and the driver's words stay in the log too.
    editor = env.client("editor")
    with env.home.factory() as session:
        session.execute(text("ALTER TABLE photos RENAME TO photos_gone"))
        session.commit()
    broken = editor.get("/editor/review")
    assert broken.status_code == 500
    body = broken.get_data(as_text=True)
    assert "服务器出错了" in body and "photos" not in body and "SELECT" not in body and "sqlite" not in body.lower()


def test_secret_key_is_kept_in_the_home_and_survives_a_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = {"ALBUM_HOME": str(home), "TESTING": True, "WTF_CSRF_ENABLED": False}
    first = create_app(config)
    key_file = home / SECRET_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text().strip() and len(first.config["SECRET_KEY"]) == 64
    with transaction(first.extensions["album_home"].factory) as session:
        create_user(session, "editor", PASSWORD, Role.editor)
    before = first.test_client()
    login(before, "editor")
    session_cookie = before.get_cookie("session")
    assert session_cookie is not None
    first.extensions["album_home"].close()

    restarted = create_app(config)
    assert restarted.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    after = restarted.test_client()
    after.set_cookie("session", session_cookie.value)
    assert after.get("/editor/review").status_code == 200  # still signed in
    restarted.extensions["album_home"].close()

    given = create_app({**config, "ALBUM_HOME": str(tmp_path / "other"), "SECRET_KEY": "from-config-" + "k" * 20})
    assert given.config["SECRET_KEY"].startswith("from-config-")
    assert not (tmp_path / "other" / SECRET_KEY_FILE).exists()


def test_secret_key_created_once_when_processes_race(tmp_path: Path) -> None:
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(persistent_secret_key(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_KEY_FILE]  # no temporary file left
    (tmp_path / SECRET_KEY_FILE).write_text("short")
    with pytest.raises(RuntimeError, match="too short"):
        persistent_secret_key(tmp_path)


@pytest.mark.slow  # two real `album serve` runs and two renders
def test_serve_keeps_queued_renders_and_retries_or_fails_interrupted_ones(tmp_path: Path) -> None:
    """A restart no longer fails queued jobs: they are in the queue and render when a consumer
    runs (``album serve`` itself, not with --no-worker). A queue job whose worker went silent is
    put back; a direct render left running by a dead process is failed, as before."""
    from album.tasks import RenderQueue, start_render

    home = tmp_path / "home"
    env = make_env(tmp_path)
    chapter = add_chapter(env, "第一篇")
    for n in range(2):
        add_photo(env, "contributor", f"照片{n}", status=ReviewState.accepted, chapter_id=chapter, position=n)
    queue = RenderQueue(env.home)
    assert start_render(queue, env.album_id(), "proof", user_id=None)  # proof number 1, on the queue
    long_ago = datetime.now(timezone.utc) - timedelta(minutes=5)
    with transaction(env.home.factory) as session:
        for number, status, attempts, worker in ((2, "running", 0, ""), (3, "running", 1, "other-host:7"),
                                                 (4, "done", 1, "other-host:7")):
            session.add(Proof(album_id=env.album_id(), number=number, kind="proof", status=status,
                              attempts=attempts, worker=worker, heartbeat_at=long_ago,
                              pdf_path=str(home / "proofs" / f"{number:03d}-proof.pdf")))
    with transaction(env.home.factory) as session:
        accounts_before = {u.username: (u.password_hash, u.role, u.active) for u in session.query(User)}
    env.home.close()
    with album_serve(home, "--no-worker") as server:
        assert any("上次中断的渲染任务：1 个重新排队，1 个已标记为失败" in line for line in server.lines), server.lines
        assert any("留给 album worker" in line for line in server.lines), server.lines
        assert first_answer(f"{server.base}/login") == 200, "server did not answer"
        time.sleep(1.0)
    reopened = create_app({"ALBUM_HOME": str(home), "SECRET_KEY": "x" * 32})
    factory = reopened.extensions["album_home"].factory

    def states() -> dict[int, tuple[str, str, int]]:
        with transaction(factory) as session:
            return {p.number: (p.status, p.error, p.attempts) for p in session.query(Proof)}

    assert states()[1][0] == states()[3][0] == "queued", "--no-worker renders nothing"
    assert states()[2][0] == "failed" and "中断" in states()[2][1]
    assert states()[4][0] == "done"

    with album_serve(home) as server:
        assert any("上次中断的渲染任务：0 个重新排队，0 个已标记为失败" in line for line in server.lines), server.lines
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and {states()[1][0], states()[3][0]} != {"done"}:
            time.sleep(0.2)
    assert (states()[1][0], states()[1][2]) == ("done", 1), states()
    assert (states()[3][0], states()[3][2]) == ("done", 2), "the retried job counts its second start"
    with transaction(factory) as session:
        accounts_after = {u.username: (u.password_hash, u.role, u.active) for u in session.query(User)}
    assert accounts_after == accounts_before, "album serve must never change an account"
    assert (home / SECRET_KEY_FILE).exists()  # serve without a configured key made one
    reopened.extensions["album_home"].close()


def _copy_session(env: WebEnv, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie (as a thief would)."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "signing in set no session cookie"
    copy = env.app.test_client()
    copy.set_cookie("session", cookie.value)
    return copy


def _signed_out(client: FlaskClient) -> bool:
    answer = client.get("/editor/review")
    return answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_copied_session_cookie_ends_with_logout_new_password_or_disabling(web_env: WebEnv, admin) -> None:  # type: ignore[no-untyped-def]
    """Signing out ends the session on the server: a cookie copied before 退出 opens nothing after."""
    editor = web_env.client("editor")
    copied = _copy_session(web_env, editor)
    assert copied.get("/editor/review").status_code == 200  # the copy works while the session lives
    assert editor.post("/logout").status_code == 302
    assert _signed_out(copied) and _signed_out(editor)

    # A new password (set by an admin) ends every session of that user...
    user_id = web_env.user_ids["editor"]
    editor = web_env.client("editor")
    copied = _copy_session(web_env, editor)
    assert copied.get("/editor/review").status_code == 200
    assert admin.post(f"/admin/users/{user_id}/password").status_code == 302
    assert _signed_out(copied) and _signed_out(editor)

    # ...and so does disabling the account.
    with transaction(web_env.home.factory) as session:
        set_password(session, session.get(User, user_id), PASSWORD)
    editor = web_env.client("editor")
    copied = _copy_session(web_env, editor)
    assert copied.get("/editor/review").status_code == 200
    form = {"display_name": "editor", "unit": "", "role": "editor"}  # no "active": disabled
    assert admin.post(f"/admin/users/{user_id}", data=form).status_code == 302
    assert _signed_out(copied) and _signed_out(editor)
    # The admin who reset passwords is still signed in (their own session was not touched).
    assert admin.get("/admin/users").status_code == 200


def test_admin_resetting_own_password_stays_signed_in(web_env: WebEnv, admin) -> None:  # type: ignore[no-untyped-def]
    copied = _copy_session(web_env, admin)
    answer = admin.post(f"/admin/users/{web_env.user_ids['admin']}/password", follow_redirects=True)
    assert "您自己的新密码" in answer.get_data(as_text=True)
    assert admin.get("/admin/users").status_code == 200  # signed in again, in the new epoch
    assert copied.get("/admin/users").status_code == 302  # the old session is over


def test_behind_a_proxy_the_limiter_counts_the_forwarded_client_and_never_without_one(
        tmp_path: Path, make_database_url, monkeypatch: pytest.MonkeyPatch) -> None:
    """``proxy_hops = 1``: two people behind the one proxy address are counted apart by their
    X-Forwarded-For; with no proxy configured the header is ignored, so a guesser cannot dodge
    the limit by inventing addresses."""
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "album.toml").write_text("proxy_hops = 1\n", encoding="utf-8")
    behind = make_env(tmp_path, LOGIN_IP_LIMIT="2 per 15 minutes").client()

    def from_(client: FlaskClient, forwarded: str) -> int:
        return client.post("/login", data={"username": "editor", "password": WRONG},
                           environ_base={"REMOTE_ADDR": "10.9.9.9"},
                           headers={"X-Forwarded-For": forwarded}).status_code

    assert [from_(behind, "198.51.100.7") for _ in range(3)] == [200, 200, 429]
    assert from_(behind, "198.51.100.8") == 200, "another client behind the same proxy"

    monkeypatch.setenv("ALBUM_DATABASE_URL", make_database_url())  # a second album of its own
    direct = make_env(tmp_path / "direct", LOGIN_IP_LIMIT="2 per 15 minutes").client()
    assert [from_(direct, f"198.51.100.{n}") for n in range(3)] == [200, 200, 429]


def test_proxy_hops_must_be_a_small_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from album.config import load_settings
    from album.errors import ConfigError

    monkeypatch.setenv("ALBUM_PROXY_HOPS", "2")
    assert load_settings(tmp_path).proxy_hops == 2
    monkeypatch.setenv("ALBUM_PROXY_HOPS", "yes")
    with pytest.raises(ConfigError, match="proxy_hops"):
        load_settings(tmp_path)


def test_login_limits_are_shared_by_web_processes_through_redis(tmp_path: Path, make_database_url,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two apps on one album (as two gunicorn workers would be) count failed sign-ins together
    when ``limiter_storage`` names a Redis server; with the in-process default each counts alone."""
    from web_support import redis_server

    with redis_server() as url:
        (tmp_path / "home").mkdir()
        (tmp_path / "home" / "album.toml").write_text(f'limiter_storage = "{url}"\n', encoding="utf-8")
        first = make_env(tmp_path, LOGIN_LIMIT="3 per 15 minutes")
        assert first.app.config["RATELIMIT_STORAGE_URI"] == url
        second = create_app({"ALBUM_HOME": str(tmp_path / "home"), "TESTING": True, "WTF_CSRF_ENABLED": False,
                             "SECRET_KEY": first.app.config["SECRET_KEY"], "LOGIN_LIMIT": "3 per 15 minutes"})
        a, b = first.app.test_client(), second.test_client()
        outcomes = [attempt(client, "editor", WRONG).status_code for client in (a, b, a)]
        assert outcomes == [200, 200, 200]
        assert attempt(b, "editor", WRONG).status_code == 429  # the fourth, in the other process
        assert attempt(a, "editor", PASSWORD).status_code == 429
        second.extensions["album_home"].close()

    monkeypatch.setenv("ALBUM_DATABASE_URL", make_database_url())  # a second album of its own
    alone = make_env(tmp_path / "memory", LOGIN_LIMIT="3 per 15 minutes")
    assert alone.app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    other = create_app({"ALBUM_HOME": str(tmp_path / "memory" / "home"), "TESTING": True, "WTF_CSRF_ENABLED": False,
                        "SECRET_KEY": "m" * 32, "LOGIN_LIMIT": "3 per 15 minutes"})
    a, b = alone.app.test_client(), other.test_client()
    assert [attempt(client, "editor", WRONG).status_code for client in (a, b, a, b)] == [200, 200, 200, 200]
    other.extensions["album_home"].close()
