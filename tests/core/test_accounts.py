"""Accounts: hashing, unique names, authentication, roles and the last admin, demo users."""

from __future__ import annotations

import pytest

from album.accounts import (
    authenticate,
    create_demo_users,
    create_user,
    set_active,
    set_password,
    set_role,
)
from album.config import Settings
from album.db import transaction
from album.errors import AlbumError
from album.home import open_home
from album.models import Role, User


def test_passwords_are_hashed_and_checked(db) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        user = create_user(session, "zhang", "long-enough-pw", Role.editor, display_name="张编辑")
        assert user.password_hash.startswith("scrypt:") and "long-enough-pw" not in user.password_hash
    with transaction(db) as session:
        assert authenticate(session, "zhang", "long-enough-pw").display_name == "张编辑"
        assert authenticate(session, "ZHANG", "long-enough-pw") is not None  # names are case-blind
        assert authenticate(session, "zhang", "wrong-password") is None
        assert authenticate(session, "nobody", "long-enough-pw") is None


def test_bad_names_passwords_and_duplicates_are_refused(db) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        create_user(session, "王小明", "long-enough-pw")
        with pytest.raises(AlbumError, match="已被使用"):
            create_user(session, "王小明", "another-password")
        with pytest.raises(AlbumError, match="至少需要 8"):
            create_user(session, "li", "short")
        with pytest.raises(AlbumError, match="用户名"):
            create_user(session, "a b<script>", "long-enough-pw")


def test_inactive_users_cannot_sign_in_and_one_admin_remains(db) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        admin = create_user(session, "root", "long-enough-pw", Role.admin)
        user = create_user(session, "li", "long-enough-pw")
        set_active(session, user, False)
        assert authenticate(session, "li", "long-enough-pw") is None
        with pytest.raises(AlbumError, match="至少要保留一名管理员"):
            set_role(session, admin, Role.editor)
        with pytest.raises(AlbumError, match="最后一名管理员"):
            set_active(session, admin, False)
        set_role(session, user, Role.admin)
        set_active(session, user, True)
        set_role(session, admin, Role.editor)  # another admin exists now
        assert admin.role == Role.editor
        set_password(session, user, "a-new-password")
    with transaction(db) as session:
        assert authenticate(session, "li", "a-new-password") is not None


def test_demo_users_one_per_role_and_existing_accounts_never_changed(settings: Settings) -> None:
    home = open_home(settings, create=True)
    try:
        with transaction(home.factory) as session:
            create_user(session, "editor", "chosen-by-editor", Role.editor)
        made = create_demo_users(home)
        assert set(made) == {"admin", "contributor", "contributor2", "proofreader", "expert"}  # "editor" existed
        assert create_demo_users(home) == {}
        with transaction(home.factory) as session:
            assert session.query(User).count() == 6
            roles = {u.username: u.role for u in session.query(User)}
            assert roles["admin"] == Role.admin and roles["editor"] == Role.editor
            assert roles["contributor"] == roles["contributor2"] == Role.contributor
            assert authenticate(session, "editor", "chosen-by-editor") is not None
            for name, password in made.items():
                assert authenticate(session, name, password) is not None
    finally:
        home.close()
