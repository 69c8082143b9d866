"""Security plumbing of the web app: the persistent secret key, login throttling, response headers.

Kept apart from the views so each guarantee lives in one place and its test can name it.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import Flask, Response, g, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded

SECRET_KEY_FILE = "secret_key"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Failed sign-ins allowed per username + address, and per address over all usernames (guessing
# one password against many accounts), in one window; both are app config keys.
LOGIN_LIMIT = "5 per 15 minutes"
LOGIN_IP_LIMIT = "30 per 15 minutes"


def persistent_secret_key(home: Path) -> str:
    """The key in ``HOME/secret_key``, created on first start, so sessions survive a restart.

    The file is written complete under a temporary name (mode 0600) and linked into place: a
    second process starting at the same moment either wins the link or reads the winner's key,
    and nobody ever reads a half-written file.
    """
    target = home / SECRET_KEY_FILE
    if not target.exists():
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f".{SECRET_KEY_FILE}.{secrets.token_hex(6)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(32))
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, target)
            except FileExistsError:
                pass  # another process was first; its key is the one
        finally:
            tmp.unlink(missing_ok=True)
    key = target.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(f"{target} is too short to be a secret key; delete it to get a new one")
    return key


def _login_username() -> str:
    return request.form.get("username", "").strip().lower()[:80]


def _client_address() -> str:
    # Behind a reverse proxy (`proxy_hops` > 0) ProxyFix has made this the real client.
    return request.remote_addr or "unknown"


def _login_failed(_response: Response) -> bool:
    """Only a wrong password counts (the login view says so); a good sign-in never does."""
    return bool(g.get("login_failed"))


def init_login_limits(app: Flask) -> Limiter:
    """Throttle POST /login: after too many failures every attempt, right or wrong, gets 429.

    The counters live where ``limiter_storage`` (album.toml or ``ALBUM_LIMITER_STORAGE``) says:
    in memory for the single-process server ``album serve`` runs, in Redis when several web
    processes share the album, so a guesser cannot spread attempts over processes.
    """
    app.config.setdefault("LOGIN_LIMIT", LOGIN_LIMIT)
    app.config.setdefault("LOGIN_IP_LIMIT", LOGIN_IP_LIMIT)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter = Limiter(_client_address, app=app, default_limits=[])
    view = app.view_functions["auth.login"]
    per_user = limiter.limit(
        lambda: app.config["LOGIN_LIMIT"], key_func=lambda: f"{_login_username()}|{_client_address()}",
        methods=["POST"], deduct_when=_login_failed, scope="login-user",
    )
    per_address = limiter.limit(
        lambda: app.config["LOGIN_IP_LIMIT"], key_func=_client_address,
        methods=["POST"], deduct_when=_login_failed, scope="login-address",
    )
    app.view_functions["auth.login"] = per_address(per_user(view))
    return limiter


def retry_after(limiter: Limiter, exc: RateLimitExceeded) -> int:
    """Seconds until the breached window frees a slot (the window's length if unknown)."""
    current: RequestLimit | None = limiter.current_limit
    if current is not None and current.breached:
        return max(1, int(current.reset_at - time.time()) + 1)
    return int(exc.limit.limit.get_expiry())


def wait_words(seconds: int) -> str:
    return f"{(seconds + 59) // 60} 分钟" if seconds > 60 else f"{seconds} 秒"


def add_security_headers(response: Response) -> Response:
    """after_request: the same headers on pages, JSON and files (a view may narrow the CSP)."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response
