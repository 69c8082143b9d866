"""What every view shares for one request: the album home, the request's database session, the
current album and the signed-in account, and the unit of work a form submits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, flash, g
from flask_login import UserMixin

from album.accounts import session_token
from album.arrange import PHOTO_TEXT_FIELDS
from album.colophon import FIELD_KEYS as COLOPHON_KEYS
from album.catalog import current_album
from album.errors import AlbumError, ConflictError
from album.home import Home
from album.models import Album, Role, User
from album.tasks import RenderQueue

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_QUEUE_LOCK = threading.Lock()


class Account(UserMixin):
    """The signed-in person as plain values, loaded once per request."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.token = session_token(user)
        self.username = user.username
        self.display_name = user.display_name or user.username
        self.unit = user.unit
        self.unit_id = user.unit_id
        self.role = user.role

    def get_id(self) -> str:
        """The session cookie holds the token, so ending the user's sessions ends this one."""
        return self.token

    @property
    def is_editor(self) -> bool:
        return self.role in (Role.editor, Role.admin)

    @property
    def contributes(self) -> bool:
        """Sends photos; a proofreader or an expert reviewer only reads proofs."""
        return self.role not in (Role.proofreader, Role.expert)


def get_home() -> Home:
    return current_app.extensions["album_home"]


def get_queue() -> RenderQueue:
    """The home's render queue, opened on first use. Unless the app runs without one
    (``ALBUM_EMBEDDED_WORKER`` false: ``album serve --no-worker``), this process consumes it
    too, from its first render on, so one machine needs no separate worker."""
    with _QUEUE_LOCK:
        queue = current_app.extensions.get("album_queue")
        if queue is None:
            queue = current_app.extensions["album_queue"] = RenderQueue(get_home())
    if current_app.config.get("ALBUM_EMBEDDED_WORKER", True):
        queue.start_consumer()
    return queue


def db() -> Session:
    """The request's database session (opened on first use, closed when the request ends)."""
    if "db" not in g:
        g.db = get_home().factory()
    return g.db


def close_db(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def album() -> Album:
    return current_album(db())


@dataclass
class FormResult:
    """What a form action came to: ``ok`` after a commit, else the ``error`` to show."""

    done: str = ""
    error: str = ""
    ok: bool = False


@contextmanager
def form_action(done: str = "", *, flash_error: bool = True) -> Iterator[FormResult]:
    """One form's unit of work: commit and flash ``done`` (the body may set ``result.done``);
    an edit conflict goes on to the 409 page; any other AlbumError is rolled back and shown —
    flashed, or kept in ``result.error`` for the form to show beside its fields."""
    result = FormResult(done)
    try:
        yield result
        db().commit()
    except ConflictError:
        db().rollback()
        raise
    except AlbumError as exc:
        db().rollback()
        result.error = str(exc)
        if flash_error:
            flash(result.error, "error")
        return
    result.ok = True
    if result.done:
        flash(result.done, "info")


def photo_fields(source: dict) -> dict:
    """The caption and credit fields of a photo form or JSON body, as plain strings; the map
    flag (含地图, basis, reference) too when the form shows it (it says so with ``map_form``)."""
    fields: dict = {key: str(source.get(key, "")) for key in PHOTO_TEXT_FIELDS}
    if "map_form" in source:
        fields["has_map"] = str(source.get("has_map", "")).lower() in ("1", "on", "true", "yes")
        fields["map_basis"] = str(source.get("map_basis", "") or "")
        fields["map_reference"] = str(source.get("map_reference", "") or "")
    return fields


def colophon_values(source: dict) -> dict[str, str]:
    """The 版权页 fields of the album settings form, as plain strings."""
    return {key: str(source.get(key, "")) for key in COLOPHON_KEYS}


def version_of(value: object) -> int | None:
    """The record version a form was loaded with, or None when it did not say."""
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
