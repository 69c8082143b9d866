"""The ``album`` command end to end, as a user runs it: real database, real files, real PDFs
checked with poppler's tools."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest

from cli_support import run_album as album
from corpus_derived import mirrored_photo

MM = 72 / 25.4
CAPTION_TEMPLATES = [
    "第{n}号照片：村民在新修的水泥路上合影，道路两旁是成片的茶园（摄于春季）。",
    "驻村工作队走访第{n}户脱贫家庭，了解“两不愁三保障”落实情况。",
    "扶贫车间里，第{n}组工人正在加工出口订单，月收入达3,200元。",
]


def boxes(pdf: Path) -> list[dict[str, list[float]]]:
    out = subprocess.run(["pdfinfo", "-box", "-f", "1", "-l", "9999", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    pages: dict[int, dict[str, list[float]]] = {}
    for m in re.finditer(r"Page\s+(\d+)\s+(\w+):\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", out):
        pages.setdefault(int(m[1]), {})[m[2]] = [float(m[i]) for i in range(3, 7)]
    return [pages[k] for k in sorted(pages)]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, corpus):
    """An album of 22 photos (the corpus's 21 and one of them mirrored) in 2 chapters with Chinese
    captions, rendered for print."""
    tmp = tmp_path_factory.mktemp("cli")
    home = tmp / "home"
    photos = sorted((corpus / "photos").glob("*.jpg"))
    photos.append(mirrored_photo(corpus / "photos/kde-kite.jpg", tmp / "derived"))
    assert len(photos) >= 22
    sheet = tmp / "说明.csv"
    captions = {}
    with open(sheet, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["文件名", "图片说明", "摄影", "供稿单位", "地点", "日期", "篇目"])
        for n, photo in enumerate(photos, 1):
            caption = CAPTION_TEMPLATES[n % 3].format(n=n)
            captions[photo.name] = caption
            writer.writerow([photo.name, caption, f"摄影者{n % 4}", "某县融媒体中心", "某县", "2020-06-01",
                             "产业就业扶贫" if n % 2 else "基础建设扶贫"])
    album(home, "init", "--title", "脱贫攻坚纪实", "--trim", "210x285")
    imported = album(home, "import", *map(str, photos), "--captions", str(sheet))
    out = tmp / "book.pdf"
    result = album(home, "render", "--print", "-o", str(out))
    return {"home": home, "pdf": out, "captions": captions, "import": imported, "render": result,
            "count": len(photos)}


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_chapters_lists_both_with_counts(rendered):
    out = album(rendered["home"], "chapters").stdout
    odd, even = (rendered["count"] + 1) // 2, rendered["count"] // 2
    assert re.search(rf"1\s+产业就业扶贫\s+{odd} 张", out), out
    assert re.search(rf"2\s+基础建设扶贫\s+{even} 张", out), out


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_every_font_embedded(rendered):
    out = subprocess.run(["pdffonts", str(rendered["pdf"])], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, "no fonts at all"
    for row in rows:
        emb = row.split()[-5]
        assert emb == "yes", row


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_trim_and_bleed_boxes_on_every_page(rendered):
    pages = boxes(rendered["pdf"])
    assert len(pages) % 4 == 0 and len(pages) >= 12
    for i, page in enumerate(pages, 1):
        tx0, ty0, tx1, ty1 = page["TrimBox"]
        bx0, by0, bx1, by1 = page["BleedBox"]
        assert (tx1 - tx0) / MM == pytest.approx(210, abs=0.01), i
        assert (ty1 - ty0) / MM == pytest.approx(285, abs=0.01), i
        for trim, bleed, sign in ((tx0, bx0, -1), (ty0, by0, -1), (tx1, bx1, 1), (ty1, by1, 1)):
            assert (bleed - trim) * sign / MM == pytest.approx(3, abs=0.01), i
        mx0, my0, mx1, my1 = page["MediaBox"]
        assert mx0 <= bx0 and my0 <= by0 and mx1 >= bx1 and my1 >= by1


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_every_caption_in_the_text(rendered):
    text = subprocess.run(["pdftotext", str(rendered["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert rendered["captions"], "no captions to look for"
    for name, caption in rendered["captions"].items():
        assert re.sub(r"\s+", "", caption) in flat, name


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_images_cmyk_near_300_ppi(rendered):
    out = subprocess.run(["pdfimages", "-list", str(rendered["pdf"])], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert len(out) >= 22
    for row in out:
        cols = row.split()
        assert cols[5] == "cmyk", row
        assert int(cols[12]) <= 455, row  # never upsampled past the target range


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_preflight_report_written_beside_the_pdf(rendered):
    pdf = rendered["pdf"]
    assert pdf.with_suffix(".preflight.json").is_file() and pdf.with_suffix(".preflight.html").is_file()
    assert "预检" in rendered["render"].stdout


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_reimport_is_recognised(rendered, corpus):
    photo = next(iter(sorted((corpus / "photos").glob("kde-*.jpg"))))
    out = album(rendered["home"], "import", str(photo)).stdout
    assert "新增 0 张，重复 1 张" in out


def test_errors_are_one_line_and_exit_1(tmp_path):
    home = tmp_path / "h"
    missing = album(home, "chapters", check=False)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "init" in missing.stderr
    album(home, "init", "--title", "T")
    again = album(home, "init", "--title", "T", check=False)
    assert again.returncode == 1 and again.stderr.count("\n") == 1
    bad_trim = album(tmp_path / "h2", "init", "--title", "T", "--trim", "abc", check=False)
    assert bad_trim.returncode == 1 and "210x285" in bad_trim.stderr
    no_kind = album(home, "render", "-o", str(tmp_path / "x.pdf"), check=False)
    assert no_kind.returncode == 1 and "--print" in no_kind.stderr


def test_home_falls_back_to_environment(tmp_path):
    env_home = tmp_path / "envhome"
    result = album(None, "init", "--title", "环境", check=False, timeout=120,
                   env={"ALBUM_HOME": str(env_home), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert (env_home / "album.db").is_file()


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_cover_sheet_width_from_page_count_and_caliper(rendered, tmp_path):
    cover = tmp_path / "cover.pdf"
    album(rendered["home"], "render", "--cover", "-o", str(cover))
    pages = len(boxes(rendered["pdf"]))
    (page,) = boxes(cover)
    spine = -(-pages // 2) * 0.1  # default caliper 0.1 mm per leaf
    tx0, _, tx1, _ = page["TrimBox"]
    bx0, _, bx1, _ = page["BleedBox"]
    assert (tx1 - tx0) / MM == pytest.approx(2 * 210 + spine, abs=0.01)
    assert (bx1 - bx0) / MM == pytest.approx(2 * 210 + spine + 2 * 3, abs=0.01)


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_preflight_exit_status_follows_errors(rendered, tmp_path):
    clean = album(rendered["home"], "preflight", "--pdf", str(rendered["pdf"]), check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    proof = tmp_path / "proof.pdf"
    album(rendered["home"], "render", "--proof", "-o", str(proof))
    as_print = album(rendered["home"], "preflight", "--pdf", str(proof), check=False)
    assert as_print.returncode == 1
    assert "GTS_PDFX" in as_print.stdout and "DeviceRGB" in as_print.stdout
    as_proof = album(rendered["home"], "preflight", "--proof", "--pdf", str(proof), check=False)
    assert as_proof.returncode == 0, as_proof.stdout


def test_settings_command_changes_print_settings_and_refuses_bad_profiles(tmp_path):
    home = tmp_path / "s"
    album(home, "init", "--title", "设置")
    preface = tmp_path / "前言.txt"
    preface.write_text("这是前言。", encoding="utf-8")
    out = album(home, "settings", "--page-multiple", "8", "--caliper", "0.12", "--intent", "perceptual",
                "--preface", str(preface), "--trim", "A4").stdout
    assert "页数倍数：8" in out and "0.12 mm" in out and "perceptual" in out and "210×297" in out
    assert "前言：5 字" in out
    assert "黑白照片：只印黑版" in out  # the home's grey_photos, k_only by default
    rgb = album(home, "settings", "--icc", "/usr/share/color/icc/ghostscript/default_rgb.icc", check=False)
    assert rgb.returncode == 1 and "CMYK" in rgb.stderr and rgb.stderr.count("\n") == 1
    missing = album(home, "settings", "--icc", str(tmp_path / "none.icc"), check=False)
    assert missing.returncode == 1 and "找不到 ICC" in missing.stderr
    assert "默认" in album(home, "settings").stdout  # nothing half-applied by the refused calls
    cmyk = album(home, "settings", "--icc", "/usr/share/color/icc/ghostscript/default_cmyk.icc").stdout
    assert "输出特性文件：/usr/share/color/icc/ghostscript/default_cmyk.icc" in cmyk
    assert "默认" in album(home, "settings", "--icc", "").stdout


@pytest.mark.slow  # the module-scoped `rendered` renders a whole album through the CLI
def test_each_render_is_a_numbered_proof_with_its_settings(rendered):
    from album.config import load_settings
    from album.db import transaction
    from album.home import open_home
    from album.models import Proof

    home = open_home(load_settings(rendered["home"]))
    try:
        with transaction(home.factory) as s:
            proofs = s.query(Proof).order_by(Proof.number).all()
            first = proofs[0]
            assert [p.number for p in proofs] == list(range(1, len(proofs) + 1))
            assert (first.kind, first.status, first.pdf_path) == ("print", "done", str(rendered["pdf"]))
            assert first.settings["ppi"] == 300 and first.settings["mode"] == "print"
            assert first.settings["profile"].endswith("default_cmyk.icc")
            assert first.settings["trim_mm"] == [210.0, 285.0] and first.page_count > 0
            assert first.preflight["errors"] == 0 and first.report_path.endswith(".preflight.json")
    finally:
        home.close()
