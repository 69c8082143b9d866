"""Administrators: accounts and roles. Passwords are generated here and shown once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from album import accounts
from album.errors import AlbumError
from album.models import Role
from web.access import ADMINS, requires
from web.context import Account, db, form_action

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires(ADMINS)
def users():  # type: ignore[no-untyped-def]
    return render_template("users.html", users=accounts.list_users(db()), roles=list(Role))


def _role(value: str) -> Role:
    if value not in Role.__members__:
        raise AlbumError("请选择角色")
    return Role(value)


@bp.post("/users")
@requires(ADMINS)
def create():  # type: ignore[no-untyped-def]
    form = request.form
    password = form.get("password", "").strip() or accounts.random_password()
    with form_action() as result:
        user = accounts.create_user(db(), form.get("username", ""), password, _role(form.get("role", "")),
                                    display_name=form.get("display_name", ""), unit=form.get("unit", ""))
    if result.ok:
        flash(f"已创建用户 {user.username}，初始密码：{password}（只显示这一次）", "secret")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>")
@requires(ADMINS)
def update(user_id: int):  # type: ignore[no-untyped-def]
    user = accounts.get_user(db(), user_id)
    form = request.form
    with form_action(f"已更新用户 {user.username}"):
        accounts.update_profile(db(), user, display_name=form.get("display_name", user.display_name),
                                unit=form.get("unit", user.unit))
        accounts.set_role(db(), user, _role(form.get("role", user.role.value)))
        accounts.set_active(db(), user, form.get("active") == "1")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@requires(ADMINS)
def reset_password(user_id: int):  # type: ignore[no-untyped-def]
    user = accounts.get_user(db(), user_id)
    password = accounts.random_password()
    accounts.set_password(db(), user, password)  # ends the user's sessions
    db().commit()
    if user.id == current_user.id:
        login_user(Account(user))  # the admin's own new session, in the new epoch
    who = "您自己" if user.id == current_user.id else user.username
    flash(f"{who}的新密码：{password}（只显示这一次）", "secret")
    return redirect(url_for("admin.users"))
