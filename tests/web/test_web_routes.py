"""Every route × every role, generated from the app's URL map, against the one declaration per view.

A new route without ``@requires`` fails here (and is refused at run time); a route whose gate
lets the wrong role through fails here too. Contributors must not reach each other's photos.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from album.db import transaction
from album.models import Comment, Pin, Proof, ReviewState, Role, Unit, UnitLevel, User
from web.access import PUBLIC, UNDECLARED, allowed_roles
from web_support import WebEnv, add_chapter, add_photo, login, make_env, make_pdf, upload

PROOF_NUMBERS = itertools.count(1)  # counting down from 10⁶, clear of real renders
# Actions only the submitter may take; for anyone else the photo does not exist.
OWNER_ONLY = {"contribute.withdraw", "contribute.api_save"}
ROLES = {None: None, "contributor": Role.contributor, "other": Role.contributor,
         "editor": Role.editor, "admin": Role.admin, "proofreader": Role.proofreader,
         "expert": Role.expert}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> WebEnv:
    return make_env(tmp_path_factory.mktemp("routes"))


@pytest.fixture(scope="module")
def clients(env: WebEnv) -> dict[str | None, FlaskClient]:
    return {name: env.client(name) for name in ROLES}


def fresh_objects(env: WebEnv, corpus_photo: Path | None = None) -> dict[str, int]:
    """New rows for one request, so a destructive POST never spoils the next one."""
    album_id = env.album_id()
    chapter_id = add_chapter(env, f"篇-{datetime.now().timestamp()}")
    photo_id = add_photo(env, "contributor", chapter_id=chapter_id)
    pdf = make_pdf(env.home_path / f"p{photo_id}.pdf", 2)
    report = pdf.with_suffix(".preflight.json")
    report.write_text('{"errors": 0}', encoding="utf-8")
    report.with_suffix(".html").write_text("<p>预检通过</p>", encoding="utf-8")
    with transaction(env.home.factory) as session:
        proof = Proof(album_id=album_id, number=1_000_000 - next(PROOF_NUMBERS), kind="proof", status="done", progress=1.0,
                      pdf_path=str(pdf), page_count=2, report_path=str(report), finished_at=datetime.now(timezone.utc))
        session.add(proof)
        session.flush()
        comment = Comment(proof_id=proof.id, page=1, text="意见", author_id=env.user_ids["editor"])
        pin = Pin(album_id=album_id, template="alone", photo_ids=[photo_id])
        user = User(username=f"u{next(PROOF_NUMBERS)}", password_hash="unusable", role=Role.contributor)
        unit = Unit(name=f"单位{next(PROOF_NUMBERS)}", level=UnitLevel.county)
        session.add_all([comment, pin, user, unit])
        session.flush()
        return {"photo_id": photo_id, "chapter_id": chapter_id, "proof_id": proof.id,
                "comment_id": comment.id, "pin_id": pin.id, "user_id": user.id, "unit_id": unit.id, "page": 1}


def routes(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, rule.rule, method))
    return found


def test_every_view_declares_its_roles(env: WebEnv) -> None:
    assert env.app.view_functions, "the app has no views"
    for endpoint in env.app.view_functions:
        assert allowed_roles(env.app, endpoint) != UNDECLARED, f"{endpoint} has no @requires"
    assert allowed_roles(env.app, "static") is PUBLIC
    assert len(routes(env.app)) > 30


def test_undeclared_view_is_refused(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    env.app.add_url_rule("/sneaky", "sneaky", lambda: "secret")
    response = env.client("admin").get("/sneaky")
    assert response.status_code == 403
    assert b"secret" not in response.data


def test_route_matrix(env: WebEnv, clients: dict[str | None, FlaskClient]) -> None:
    from flask import url_for

    checked = 0
    stable = fresh_objects(env)
    for endpoint, rule, method in routes(env.app):
        declared = allowed_roles(env.app, endpoint)
        for who, role in ROLES.items():
            ids = fresh_objects(env) if method == "POST" else stable
            with env.app.test_request_context():
                args = {k: v for k, v in ids.items() if f"<int:{k}>" in rule}
                url = url_for(endpoint, **args)
            client = clients[who]
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={}, json=None)
            status = response.status_code
            where = f"{method} {url} as {who}: {status}"
            assert status < 500, where
            if declared is PUBLIC:
                assert status not in (401, 403), where
            elif who is None:
                if method == "GET" and "/api/" not in url:
                    assert status == 302 and "/login" in response.headers["Location"], where
                else:
                    assert status == 401, where
            elif role not in declared:
                assert status == 403, where
            elif (who == "other" and "photo_id" in args and endpoint.startswith("contribute.")) \
                    or (who in ("editor", "admin") and endpoint in OWNER_ONLY):
                assert status == 404, where  # someone else's photo: as if it did not exist
            else:
                assert status not in (401, 403, 404), where
            if endpoint == "auth.logout" and who is not None:
                login(client, who)
            checked += 1
    assert checked >= 7 * 35


def test_contributors_cannot_see_each_other(web_env: WebEnv, contributor: FlaskClient,
                                            other_contributor: FlaskClient, editor: FlaskClient, corpus: Path) -> None:
    answer = upload(contributor, corpus / "exif/jpg/gps/DSCN0010.jpg").get_json()
    photo_id = answer["photo"]["id"]
    assert contributor.post(f"/contribute/api/photo/{photo_id}",
                  json={"caption": "甲的秘密说明", "version": answer["photo"]["version"]}).status_code == 200

    assert "甲的秘密说明" in contributor.get("/contribute/mine").get_data(as_text=True)
    listing = other_contributor.get("/contribute/mine").get_data(as_text=True)
    assert "甲的秘密说明" not in listing and f"/contribute/photo/{photo_id}" not in listing
    assert other_contributor.get(f"/contribute/photo/{photo_id}/thumb").status_code == 404
    assert other_contributor.get(f"/contribute/photo/{photo_id}").status_code == 404
    assert other_contributor.post(f"/contribute/photo/{photo_id}", data={"caption": "改"}).status_code == 404
    assert other_contributor.post(f"/contribute/api/photo/{photo_id}", json={"caption": "改"}).status_code == 404
    assert other_contributor.post(f"/contribute/photo/{photo_id}/withdraw").status_code == 404
    # The same file uploaded by B is refused without revealing A's data.
    dup = upload(other_contributor, corpus / "exif/jpg/gps/DSCN0010.jpg")
    assert dup.status_code == 409 and "甲的秘密说明" not in dup.get_data(as_text=True)
    # Editors see everyone's photos; A's photo is untouched.
    assert "甲的秘密说明" in editor.get("/editor/review").get_data(as_text=True)
    assert editor.get(f"/contribute/photo/{photo_id}/thumb").status_code == 200
    assert contributor.get(f"/contribute/photo/{photo_id}/thumb").status_code == 200


def test_contributor_cannot_edit_after_acceptance(web_env: WebEnv, contributor: FlaskClient) -> None:
    photo_id = add_photo(web_env, "contributor", caption="原说明", status=ReviewState.accepted)
    response = contributor.post(f"/contribute/api/photo/{photo_id}", json={"caption": "新说明"})
    assert response.status_code == 422
    assert "已被采用" in response.get_json()["error"]
    assert contributor.post(f"/contribute/photo/{photo_id}/withdraw").status_code == 422
    assert "原说明" in contributor.get("/contribute/mine").get_data(as_text=True)
    assert "修改</a>" not in contributor.get("/contribute/mine").get_data(as_text=True)
