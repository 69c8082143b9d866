"""Fixtures of the web tests: an app on a fresh home, a signed-in test client per role, and the app
served on a free loopback port.

A test that needs its app configured (CSRF on, limits, a page size) calls ``make_env(tmp_path,
...)`` itself. Every test in this folder carries the ``db`` marker (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web_support import WebEnv, make_env, served_app, stop_made_queues


@pytest.fixture(autouse=True)
def _stop_queue_consumers() -> Iterator[None]:
    """After each web test, the render-queue consumer thread of every app it made (started by
    its first render) is stopped, so none outlives the test's database."""
    yield
    stop_made_queues()


@pytest.fixture
def web_env(tmp_path: Path) -> WebEnv:
    """The app on a fresh home (testing config, CSRF off) with one account per role."""
    return make_env(tmp_path)


@pytest.fixture
def anonymous(web_env: WebEnv) -> FlaskClient:
    """A client of ``web_env`` that has not signed in."""
    return web_env.client()


@pytest.fixture
def contributor(web_env: WebEnv) -> FlaskClient:
    return web_env.client("contributor")


@pytest.fixture
def other_contributor(web_env: WebEnv) -> FlaskClient:
    """A second contributor ("other"), who must not see the first one's photos."""
    return web_env.client("other")


@pytest.fixture
def editor(web_env: WebEnv) -> FlaskClient:
    return web_env.client("editor")


@pytest.fixture
def admin(web_env: WebEnv) -> FlaskClient:
    return web_env.client("admin")


@pytest.fixture
def proofreader(web_env: WebEnv) -> FlaskClient:
    return web_env.client("proofreader")


@pytest.fixture
def expert(web_env: WebEnv) -> FlaskClient:
    """An expert reviewer (审读专家): reads proofs, comments, signs an expert opinion."""
    return web_env.client("expert")


@pytest.fixture
def serve_app() -> Iterator[Callable[[Flask], str]]:
    """``serve_app(app)`` serves ``app`` on a free loopback port (waitress, as ``album serve``)
    and returns its base URL; every server started so is stopped after the test."""
    with ExitStack() as stack:
        yield lambda app: stack.enter_context(served_app(app))
