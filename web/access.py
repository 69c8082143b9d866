"""Who may call which view: declared once per view with ``@requires`` and enforced in one hook.

The declaration is stored on the view function itself (``view.allowed_roles``), so the route
table can be read back from ``app.url_map`` + ``app.view_functions``: the route-matrix test does
exactly that, and a view without a declaration is refused outright (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden, Unauthorized

from album.models import Role

F = TypeVar("F", bound=Callable)

PUBLIC: frozenset[Role] | None = None  # anyone, signed in or not
SIGNED_IN = frozenset(Role)
EDITORS = frozenset({Role.editor, Role.admin})
# Everyone who sends photos. Proofreaders and expert reviewers read proofs and nothing else.
CONTRIBUTORS = frozenset({Role.contributor, Role.editor, Role.admin})
ADMINS = frozenset({Role.admin})
UNDECLARED = "undeclared"


def requires(roles: frozenset[Role] | None) -> Callable[[F], F]:
    """Declare the roles a view needs; ``PUBLIC`` (None) means no sign-in at all."""

    def mark(view: F) -> F:
        view.allowed_roles = roles  # type: ignore[attr-defined]
        return view

    return mark


def allowed_roles(app: Flask, endpoint: str) -> frozenset[Role] | None | str:
    view = app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", UNDECLARED)


def wants_json() -> bool:
    """Fetch endpoints live under ``/api/``; their errors are JSON, never an HTML page."""
    return "/api/" in request.path


def enforce_roles() -> object | None:
    """before_request hook: check the current view's declaration against the signed-in role."""
    if request.endpoint is None:
        return None  # 404 or 405: werkzeug answers on its own
    roles = allowed_roles(current_app, request.endpoint)
    if roles == UNDECLARED:
        raise Forbidden("此页面未声明访问权限")
    if roles is PUBLIC:
        return None
    if not current_user.is_authenticated:
        if wants_json() or request.method != "GET":
            raise Unauthorized("请先登录")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in roles:  # type: ignore[operator]
        raise Forbidden("您没有权限访问此页面")
    return None
