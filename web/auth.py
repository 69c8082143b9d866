"""Sign in and out; the start page sends each role where its work is."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from album.accounts import authenticate, end_sessions, get_user
from web.access import PUBLIC, SIGNED_IN, requires
from web.context import Account, db

bp = Blueprint("auth", __name__)


@bp.get("/")
@requires(PUBLIC)
def index():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_editor:
        return redirect(url_for("editor.review"))
    if not current_user.contributes:
        return redirect(url_for("proofs.index"))
    return redirect(url_for("contribute.upload"))


def _safe_next(target: str | None) -> str | None:
    """Only local paths: an open redirect would let a link send people to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login():  # type: ignore[no-untyped-def]
    """Sign in; failures are counted per name and address (web.security throttles them)."""
    if request.method == "POST":
        user = authenticate(db(), request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            g.login_failed = True
            flash("用户名或密码不正确", "error")
            return render_template("login.html", username=request.form.get("username", ""))
        db().commit()  # authenticate may have upgraded an old password hash
        login_user(Account(user))
        return redirect(_safe_next(request.args.get("next")) or url_for("auth.index"))
    return render_template("login.html", username="")


@bp.post("/logout")
@requires(SIGNED_IN)
def logout():  # type: ignore[no-untyped-def]
    """Sign out everywhere: the session ends on the server, so a copied cookie opens nothing."""
    end_sessions(get_user(db(), current_user.id))
    db().commit()
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
