"""User accounts: create, authenticate, change roles. Passwords are stored only as salted hashes.

The web layer (Flask-Login) wraps these; nothing here knows about HTTP, so the CLI and tests can
manage accounts the same way.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from album.db import transaction
from album.errors import AlbumError, NotFoundError
from album.home import Home
from album.models import Role, User
from album.unit_names import match_unit_id

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}$")
MIN_PASSWORD = 8
# A hash of a random password, so a login for an unknown user costs as much as a real one.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8), method="scrypt")


HASH_METHOD = "scrypt"
# werkzeug's scrypt parameters (N=2^15, r=8, p=1); a stored hash with other ones is upgraded.
HASH_PREFIX = "scrypt:32768:8:1$"


def hash_password(password: str) -> str:
    """A salted scrypt hash (memory-hard, so a stolen database is slow to attack)."""
    return generate_password_hash(password, method=HASH_METHOD)


def needs_rehash(password_hash: str) -> bool:
    """True for hashes made with an older method or weaker parameters than ``hash_password``."""
    return not password_hash.startswith(HASH_PREFIX)


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AlbumError(f"密码至少需要 {MIN_PASSWORD} 个字符")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role = Role.contributor,
    *,
    display_name: str = "",
    unit: str = "",
) -> User:
    """Add a user; the username must be unique (case-insensitive) and the password long enough."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AlbumError("用户名须为 2–40 个字母、数字、汉字或 _ . -")
    _check_password_rules(password)
    taken = session.scalar(
        select(func.count(User.id)).where(func.lower(User.username) == username.lower())
    )
    if taken:
        raise AlbumError(f"用户名 {username} 已被使用")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=Role(role),
        display_name=display_name.strip() or username,
        unit=unit.strip(),
        unit_id=match_unit_id(session, unit),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way).

    A correct password stored under an older hash method is rehashed on the spot; the caller's
    commit keeps the upgrade.
    """
    user = _named(session, username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def session_token(user: User) -> str:
    """What a session cookie carries: the user's id and the epoch the session was issued in."""
    return f"{user.id}:{user.session_epoch}"


def user_for_session(session: Session, token: str) -> User | None:
    """The signed-in person for a session cookie's token, or None when the account is disabled or
    the session was ended (signed out, new password) after the cookie was issued."""
    user_id, _, epoch = token.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session of ``user`` on every device: cookies issued before (copies included)
    no longer sign anyone in."""
    user.session_epoch = (user.session_epoch or 0) + 1


def _named(session: Session, username: str) -> User | None:
    """The account with this name, however its case or surrounding spaces were typed."""
    return session.scalars(select(User).where(func.lower(User.username) == username.strip().lower())).first()


def find_user(session: Session, username: str) -> User:
    """The account with this name (case-insensitive)."""
    user = _named(session, username)
    if user is None:
        raise NotFoundError(f"没有名为 {username} 的用户")
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"没有编号为 {user_id} 的用户")
    return user


def _admins_left(session: Session, excluding: User) -> int:
    return session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.admin, User.active.is_(True), User.id != excluding.id
        )
    ) or 0


def set_role(session: Session, user: User, role: Role) -> None:
    """Change a role; the last active admin cannot demote themself (nobody could undo it)."""
    role = Role(role)
    if user.role == Role.admin and role != Role.admin and _admins_left(session, user) == 0:
        raise AlbumError("至少要保留一名管理员")
    user.role = role


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    if not active and user.role == Role.admin and _admins_left(session, user) == 0:
        raise AlbumError("不能停用最后一名管理员")
    if user.active and not active:
        end_sessions(user)
    user.active = active


def set_password(session: Session, user: User, password: str) -> None:
    """A new password ends every session signed in with the old one."""
    _check_password_rules(password)
    user.password_hash = hash_password(password)
    end_sessions(user)


def update_profile(session: Session, user: User, *, display_name: str, unit: str) -> None:
    """Name and unit; the unit's text links the account to the unit it names, if any."""
    user.display_name = display_name.strip() or user.username
    user.unit = unit.strip()
    user.unit_id = match_unit_id(session, user.unit)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def count_users(home: Home) -> int:
    with transaction(home.factory) as session:
        return session.scalar(select(func.count(User.id))) or 0


def random_password() -> str:
    """Readable random password: no look-alike characters, 12 of them (~70 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


DEMO_USERS = (
    ("admin", Role.admin, "管理员", ""),
    ("editor", Role.editor, "编辑", "画册编辑部"),
    ("contributor", Role.contributor, "供稿人甲", "县融媒体中心"),
    ("contributor2", Role.contributor, "供稿人乙", "县文旅局"),
    ("proofreader", Role.proofreader, "校对员", "出版社校对科"),
    ("expert", Role.expert, "审读专家", "省地方志专家组"),
)


def create_demo_users(home: Home) -> dict[str, str]:
    """The demo's accounts, one per role (two contributors), made with random passwords where
    missing: username → password of each account made now. An existing account is never
    changed (its password is the one its owner chose or was given)."""
    made: dict[str, str] = {}
    with transaction(home.factory) as session:
        for username, role, display_name, unit in DEMO_USERS:
            if session.scalars(select(User).where(User.username == username)).first() is None:
                password = random_password()
                create_user(session, username, password, role, display_name=display_name, unit=unit)
                made[username] = password
    return made
