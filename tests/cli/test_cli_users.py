"""``album user``: the first admin of a fresh home, and every account after, from the command line."""

from __future__ import annotations

import http.cookiejar
import urllib.parse
import urllib.request
from pathlib import Path

from cli_support import run_album
from web_support import album_serve, first_answer, meta_csrf

from album.accounts import authenticate
from album.config import load_settings
from album.db import transaction
from album.home import open_home
from album.models import Role, User


def _users(home: Path) -> dict[str, tuple[Role, bool]]:
    opened = open_home(load_settings(home))
    try:
        with transaction(opened.factory) as session:
            return {u.username: (u.role, u.active) for u in session.query(User)}
    finally:
        opened.close()


def test_first_admin_on_a_fresh_home_then_every_command(tmp_path: Path) -> None:
    home = tmp_path / "home"  # nothing here yet: no album, no demo accounts
    made = run_album(home, "user", "add", "boss", "--role", "admin", "--password-stdin",
                     input="boss-password-1\n")
    assert "已创建用户 boss（管理员）" in made.stdout
    assert _users(home) == {"boss": (Role.admin, True)}
    opened = open_home(load_settings(home))
    with transaction(opened.factory) as session:
        assert authenticate(session, "boss", "boss-password-1") is not None
    opened.close()

    run_album(home, "user", "add", "王编辑", "--role", "editor", "--unit", "省地方志办", "--password-stdin",
              input="editor-password-1\n")
    listed = run_album(home, "user", "list").stdout.splitlines()
    assert listed == ["boss\t管理员\t-\t在用", "王编辑\t编辑\t省地方志办\t在用"]
    run_album(home, "user", "set-role", "王编辑", "contributor")
    run_album(home, "user", "passwd", "王编辑", "--password-stdin", input="another-password-2\n")
    run_album(home, "user", "disable", "王编辑")
    assert _users(home) == {"boss": (Role.admin, True), "王编辑": (Role.contributor, False)}

    # Refusals: one line each, nothing changed.
    short = run_album(home, "user", "add", "li", "--role", "editor", "--password-stdin", input="short\n", check=False)
    assert short.returncode == 1 and "密码至少需要 8 个字符" in short.stderr
    last_admin = run_album(home, "user", "disable", "boss", check=False)
    assert last_admin.returncode == 1 and "最后一名管理员" in last_admin.stderr
    nobody = run_album(home, "user", "passwd", "nobody", "--password-stdin", input="whatever-123\n", check=False)
    assert nobody.returncode == 1 and "没有名为 nobody 的用户" in nobody.stderr
    no_password = run_album(home, "user", "add", "zhao", "--role", "editor", "--password-stdin", input="", check=False)
    assert no_password.returncode == 1 and "标准输入" in no_password.stderr
    assert set(_users(home)) == {"boss", "王编辑"}

    # The web app on this home: the admin made here signs in; serve made no account of its own.
    with album_serve(home) as server:
        assert first_answer(f"{server.base}/login") == 200
        assert _sign_in(server.base, "boss", "boss-password-1").endswith("/editor/review")
    assert set(_users(home)) == {"boss", "王编辑"}


def _sign_in(base: str, username: str, password: str) -> str:
    """Sign in through the login form as a browser does (cookie + CSRF token); the URL landed on."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(f"{base}/login", timeout=10) as page:
        token = meta_csrf(page.read().decode("utf-8"))
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    with browser.open(f"{base}/login", data=form, timeout=10) as landed:
        return landed.geturl()
