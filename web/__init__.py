"""The web app: contributors upload, editors review and arrange, everyone sees the proofs.

``create_app(config)`` builds a fresh app for one album home; nothing happens at import time.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, flash, g, jsonify, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from album.accounts import user_for_session
from album.catalog import ensure_album
from album.config import load_settings
from album.db import CONCURRENT_EDIT_ERRORS, transaction
from album.errors import AlbumError, ConflictError, NotFoundError
from album.home import open_home
from album.ingest.intake import too_large_message
from album.map_approval import MAP_BASES
from album.messages import ROLE_NAMES, gps_words
from web import admin, auth, campaign, contribute, editor, proofs
from web.access import PUBLIC, enforce_roles, requires, wants_json
from web.context import Account, close_db, db, get_home
from web.security import (
    add_security_headers,
    init_login_limits,
    persistent_secret_key,
    retry_after,
    wait_words,
)

log = logging.getLogger(__name__)
CONFLICT_MESSAGE = str(ConflictError())
ERROR_TITLES = {
    400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "找不到页面", 405: "不支持的操作",
    409: "修改冲突", 413: "文件太大", 422: "无法处理", 429: "尝试过多", 500: "服务器出错",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app for the album home named by ``ALBUM_HOME`` (or the default home).

    Without a ``SECRET_KEY`` in ``config`` the key kept in ``HOME/secret_key`` is used (created
    on first start), so signed-in people stay signed in across a restart.
    """
    app = Flask(__name__)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        PER_PAGE=60,
        ALBUM_HOME=None,
    )
    app.config.update(config or {})
    settings = load_settings(app.config["ALBUM_HOME"])
    home = open_home(settings, create=True)
    app.extensions["album_home"] = home
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret_key(settings.home)
    app.config.setdefault("UPLOAD_TMP_DIR", str(settings.home / "tmp"))
    Path(app.config["UPLOAD_TMP_DIR"]).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("MAX_CONTENT_LENGTH", settings.limits.max_upload_bytes + (1 << 20))
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.limiter_storage)
    if settings.proxy_hops:  # the limiter and the logs see the client, not the proxy
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    with transaction(home.factory) as session:
        ensure_album(session)

    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = "请先登录"

    @login.user_loader
    def load_user(token: str) -> Account | None:
        user = user_for_session(db(), token)
        return Account(user) if user is not None else None

    for module in (auth, contribute, editor, proofs, admin, campaign):
        app.register_blueprint(module.bp)
    requires(PUBLIC)(app.view_functions["static"])
    limiter = init_login_limits(app)
    app.before_request(enforce_roles)
    app.teardown_appcontext(close_db)
    app.after_request(add_security_headers)
    app.context_processor(lambda: {"csrf_token": generate_csrf, "ROLE_NAMES": ROLE_NAMES,
                                   "page_url": page_url, "gps_words": gps_words,
                                   "MAP_BASES": MAP_BASES})
    _register_errors(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many_attempts(exc: RateLimitExceeded):  # type: ignore[no-untyped-def]
        seconds = retry_after(limiter, exc)
        message = f"登录失败次数过多，请 {wait_words(seconds)}后再试"
        if request.endpoint == "auth.login":
            flash(message, "error")
            page = render_template("login.html", username=request.form.get("username", ""))
            response = app.make_response((page, 429))
        else:
            response = app.make_response(error_response(429, message, "too-many-attempts"))
        response.headers["Retry-After"] = str(seconds)
        return response

    return app


def page_url(number: int) -> str:
    """This page's URL with the same filters and another page number."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": number}
    return url_for(request.endpoint or "auth.index", **args)


def error_response(status: int, message: str, code: str = ""):  # type: ignore[no-untyped-def]
    session = g.get("db")
    if session is not None:
        session.rollback()
    if wants_json():
        return jsonify(ok=False, error=message, code=code or str(status)), status
    return render_template("error.html", status=status, title=ERROR_TITLES.get(status, "出错了"),
                           message=message), status


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        return error_response(400, "表单已过期或来源无效，请刷新页面后重试", "csrf")

    @app.errorhandler(ConflictError)
    def conflict(exc: Exception):  # type: ignore[no-untyped-def]
        message = str(exc) if isinstance(exc, ConflictError) else CONFLICT_MESSAGE
        return error_response(409, message, "conflict")

    for error in CONCURRENT_EDIT_ERRORS:
        app.register_error_handler(error, conflict)

    @app.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError):  # type: ignore[no-untyped-def]
        return error_response(404, str(exc), "not-found")

    @app.errorhandler(AlbumError)
    def album_error(exc: AlbumError):  # type: ignore[no-untyped-def]
        return error_response(422, str(exc), getattr(exc, "code", "invalid"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        messages = {
            400: "请求有误", 401: "请先登录", 403: "您没有权限访问此页面", 404: "找不到您要的页面或内容",
            405: "不支持这种请求方式",
        }
        description = exc.description if status in (401, 403) and exc.description and \
            not exc.description.startswith("You ") and not exc.description.startswith("The ") else ""
        if status == 413:  # the request body itself is over the upload limit: the same words
            return error_response(413, too_large_message(get_home().settings.limits), "too-large")
        return error_response(status, description or messages.get(status, "请求无法完成"))

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s", request.path)
        return error_response(500, "服务器出错了，请稍后重试；如果一再出现，请告知管理员")
