"""付印 through the command line: the gate on ``album render --print --final``, the release it
records, the slug on an unreleased print, and the 审稿单 read back from its PDF."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pikepdf
import pytest
from cli_support import run_album
from locations import CORPUS
from sqlalchemy import select
from sqlalchemy.orm import Session

from album.accounts import create_user, find_user
from album.catalog import current_album
from album.config import load_settings
from album.db import transaction
from album.home import open_home
from album.models import Photo, Proof, Release, Role
from album.proofs import proof_by_number
from album.signoff import sign

pytestmark = pytest.mark.slow


@contextmanager
def session_of(home: Path) -> Iterator[Session]:
    opened = open_home(load_settings(home))
    try:
        with transaction(opened.factory) as session:
            yield session
    finally:
        opened.close()


def signs(home: Path, number: int, who: str, stage: str, opinion: str = "") -> None:
    with session_of(home) as session:
        album_proof = session.scalars(select(Proof).where(Proof.number == number)).one()
        sign(session, album_proof, find_user(session, who), stage=stage, decision="pass", opinion=opinion)


def words_outside_trim(pdf: Path, page: int) -> list[str]:
    """Words pdftotext finds on ``page`` that lie wholly outside the page's TrimBox."""
    with pikepdf.open(pdf) as doc:
        media = [float(v) for v in doc.pages[page - 1].MediaBox]
        x0, y0, x1, y1 = (float(v) for v in doc.pages[page - 1].TrimBox)
    height = media[3] - media[1]
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    outside = []
    for line in html.splitlines():
        if "<word " not in line:
            continue
        attrs = dict(part.split("=", 1) for part in line.split("<word ", 1)[1].split(">", 1)[0].split())
        top = height - float(attrs["yMax"].strip('"'))  # to PDF coordinates, y up
        bottom = height - float(attrs["yMin"].strip('"'))
        if bottom < y0 or top > y1 or float(attrs["xMax"].strip('"')) < x0 or float(attrs["xMin"].strip('"')) > x1:
            outside.append(line.split(">", 1)[1].split("<", 1)[0])
    return outside


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def album_with_reviewers(home: Path, *colophon: str) -> None:
    """Three photos in one chapter, the given colophon options, and three reviewers."""
    run_album(home, "init", "--title", "脱贫攻坚画册")
    photos = sorted((CORPUS / "photos").glob("kde-*.jpg"))[:3]
    run_album(home, "import", *map(str, photos), "--chapter", "产业就业扶贫")
    if colophon:
        run_album(home, "colophon", *colophon)
    with session_of(home) as session:
        for name, role in (("zhang", Role.editor), ("li", Role.editor), ("wang", Role.admin)):
            create_user(session, name, "password-123", role, display_name={"zhang": "张初审", "li": "李复审", "wang": "王终审"}[name])


def test_a_final_render_without_an_isbn_is_not_released(tmp_path: Path) -> None:
    home = tmp_path / "home"
    album_with_reviewers(home)
    run_album(home, "render", "--proof", "-o", str(tmp_path / "proof.pdf"))
    for who, stage in (("zhang", "review1"), ("li", "review2"), ("wang", "review3")):
        signs(home, 1, who, stage)
    refused = run_album(home, "render", "--print", "--final", "-o", str(tmp_path / "final.pdf"), check=False)
    assert refused.returncode == 1 and "预检发现" in refused.stderr and "未付印" in refused.stderr
    assert not (tmp_path / "final.pdf").exists()
    report = json.loads((tmp_path / "final.preflight.json").read_text(encoding="utf-8"))
    assert any(i["severity"] == "error" and "ISBN" in i["message"] for i in report["items"]), report["items"]
    with session_of(home) as session:
        assert session.query(Release).count() == 0


def test_final_render_waits_for_final_review_of_the_unchanged_album(tmp_path: Path) -> None:
    home = tmp_path / "home"
    album_with_reviewers(home, "--isbn", "9787538033090", "--price", "298")  # a final render needs the 书号

    def final(number: int) -> subprocess.CompletedProcess[str]:
        return run_album(home, "render", "--print", "--final", "-o", str(tmp_path / f"final-{number}.pdf"), check=False)

    nothing = final(1)
    assert nothing.returncode == 1 and "还没有校样" in nothing.stderr
    run_album(home, "render", "--proof", "-o", str(tmp_path / "proof-1.pdf"))
    unsigned = final(2)
    assert unsigned.returncode == 1 and "最新的校样第1版尚未终审" in unsigned.stderr
    assert not (tmp_path / "final-2.pdf").exists()

    draft = tmp_path / "draft.pdf"
    run_album(home, "render", "--print", "-o", str(draft))
    assert "未付印" in " ".join(words_outside_trim(draft, 1))
    assert "校样第1版" in " ".join(words_outside_trim(draft, 3))

    signs(home, 1, "zhang", "review1", "地名已统一")
    signs(home, 1, "li", "review2")
    signs(home, 1, "wang", "review3")
    released = run_album(home, "render", "--print", "--final", "-o", str(tmp_path / "final-3.pdf"))
    assert "已付印：付印 校样第1版；初审 张初审；复审 李复审；终审 王终审" in released.stdout
    meta = info(tmp_path / "final-3.pdf")
    assert meta["Subject"] == "付印 校样第1版；初审 张初审；复审 李复审；终审 王终审"
    with pikepdf.open(tmp_path / "final-3.pdf") as doc, doc.open_metadata() as xmp:
        assert xmp["dc:description"] == meta["Subject"]
    outside = " ".join(words_outside_trim(tmp_path / "final-3.pdf", 1))
    assert "付印" in outside and "未付印" not in outside

    with session_of(home) as session:
        photo = session.scalars(select(Photo).order_by(Photo.id)).first()
        photo.caption = "终审之后改过的图片说明"
    changed = final(4)
    assert changed.returncode == 1 and "终审之后画册内容已有改动" in changed.stderr
    run_album(home, "render", "--proof", "-o", str(tmp_path / "proof-2.pdf"))
    new_proof = final(5)
    assert new_proof.returncode == 1 and "最新的校样第" in new_proof.stderr and "尚未终审" in new_proof.stderr
    with session_of(home) as session:
        number = session.scalars(select(Proof.number).where(Proof.kind == "proof").order_by(Proof.number.desc())).first()
    signs(home, number, "wang", "review3", "图注已改，同意付印")
    run_album(home, "render", "--print", "--final", "-o", str(tmp_path / "final-6.pdf"))
    assert "终审之后改过的图片说明" in subprocess.run(["pdftotext", str(tmp_path / "final-6.pdf"), "-"],
                                              capture_output=True, text=True, check=True).stdout

    with session_of(home) as session:
        rows = session.scalars(select(Release).order_by(Release.id)).all()
        assert [(r.signers["proof_number"], r.signers["终审"]) for r in rows] == [(1, "王终审"), (number, "王终审")]
        assert [session.get(Proof, r.print_proof_id).pdf_path for r in rows] == [
            str((tmp_path / "final-3.pdf").resolve()), str((tmp_path / "final-6.pdf").resolve())]
        failed = session.scalars(select(Proof).where(Proof.status == "failed")).all()
        assert failed == []  # a refused final never reserved a number

    sheet = tmp_path / "审稿单.pdf"
    run_album(home, "report", "review", "--proof", str(number), "-o", str(sheet))
    text = subprocess.run(["pdftotext", "-layout", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    assert "审稿单" in text and "脱贫攻坚画册" in text and f"第{number}版" in text
    for expected in ("初审", "张初审", "地名已统一", "签于校样第1版", "终审", "王终审", "图注已改，同意付印", "一校", "通读", "专家审读"):
        assert expected in text, expected
    with session_of(home) as session:
        pages = proof_by_number(session, current_album(session), number).page_count
    assert pages > 4 and f"{pages}页" in text.replace(" ", "")
