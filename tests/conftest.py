"""Shared fixtures: a fresh album home per test on a real SQLite file and a real media folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from album.config import Settings, load_settings
from album.db import create_schema, make_engine, session_factory
from album.store import LocalMediaStore

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"test corpus missing at {CORPUS}")
    return CORPUS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = os.environ.get("ALBUM_TEST_DATABASE_URL")
    return load_settings(tmp_path / "home", database_url=url)


@pytest.fixture
def engine(settings: Settings):
    settings.home.mkdir(parents=True, exist_ok=True)
    eng = make_engine(settings.database_url)
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine):
    """A session factory bound to the test database."""
    return session_factory(engine)


@pytest.fixture
def store(settings: Settings) -> LocalMediaStore:
    return LocalMediaStore(settings.media_root)
