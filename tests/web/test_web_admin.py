"""Administrators manage accounts through the web; new passwords are shown once and work."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from album.db import transaction
from album.models import Role, User
from web_support import WebEnv, login


def test_admin_creates_users_changes_roles_and_resets_passwords(web_env: WebEnv, admin: FlaskClient) -> None:
    created = admin.post("/admin/users", data={"username": "新编辑", "display_name": "赵六",
                                                "unit": "市档案馆", "role": "editor"}, follow_redirects=True)
    text = created.get_data(as_text=True)
    password = re.search(r"初始密码：(\w+)（只显示这一次）", text).group(1)
    fresh = web_env.client()
    login(fresh, "新编辑", password)
    assert fresh.get("/editor/review").status_code == 200

    with transaction(web_env.home.factory) as session:
        user_id = session.query(User).filter_by(username="新编辑").one().id
    admin.post(f"/admin/users/{user_id}", data={"display_name": "赵六", "unit": "市档案馆",
                                                "role": "contributor", "active": "1"})
    assert fresh.get("/editor/review").status_code == 403  # the role change applies at once

    admin.post(f"/admin/users/{user_id}", data={"role": "contributor"})  # no "active": disabled
    assert fresh.get("/contribute/mine").status_code == 302  # signed out: sent to the login page

    reset = admin.post(f"/admin/users/{user_id}/password", follow_redirects=True).get_data(as_text=True)
    new_password = re.search(r"的新密码：(\w+)", reset).group(1)
    admin.post(f"/admin/users/{user_id}", data={"role": "contributor", "active": "1"})
    login(web_env.client(), "新编辑", new_password)

    last_admin = admin.post(f"/admin/users/{web_env.user_ids['admin']}", data={"role": "editor", "active": "1"},
                            follow_redirects=True)
    assert "至少要保留一名管理员" in last_admin.get_data(as_text=True)
    with transaction(web_env.home.factory) as session:
        assert session.get(User, web_env.user_ids["admin"]).role == Role.admin
    duplicate = admin.post("/admin/users", data={"username": "editor", "role": "editor"}, follow_redirects=True)
    assert "已被使用" in duplicate.get_data(as_text=True)
