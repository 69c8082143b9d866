"""Which unit a 供稿单位 text means: its name or one of its aliases, spaces ignored.

Shared by ingest (a new photo's unit) and the campaign's unit operations (import, mapping,
merging), so a caption's text is matched the same way wherever it arrives.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.models import Unit, User

_SPACES = re.compile(r"[\s\u3000]+")


def normalise_unit_name(text: str) -> str:
    """The form names are compared in: no spaces (ASCII or full-width) anywhere."""
    return _SPACES.sub("", text or "")


def unit_name_index(session: Session) -> dict[str, int]:
    """Every unit's name and aliases (normalised) → the unit's id."""
    index: dict[str, int] = {}
    for unit_id, name, aliases in session.execute(select(Unit.id, Unit.name, Unit.aliases)):
        for known in (*(aliases or ()), name):  # the name wins over another unit's alias
            index[normalise_unit_name(known)] = unit_id
    return index


def match_unit_id(session: Session, text: str) -> int | None:
    """The unit ``text`` names, or None when no unit has that name or alias."""
    key = normalise_unit_name(text)
    return unit_name_index(session).get(key) if key else None


def unit_id_for(session: Session, text: str, submitter_id: int | None) -> int | None:
    """A new photo's unit: the one its 供稿单位 text names, else its submitter's unit."""
    found = match_unit_id(session, text)
    if found is None and submitter_id is not None:
        found = session.scalar(select(User.unit_id).where(User.id == submitter_id))
    return found
