"""The 版权页 end to end through ``album``: colophon fields set on the command line, a map flagged
on a photo, preflight before and after, and the rendered copyright page read back with pdftotext;
印张 and 字数 compared with figures this test works out itself from what it put in."""

from __future__ import annotations

import csv
import math
import re
import subprocess
from pathlib import Path

import pytest

from album.arrange import set_photo_map
from album.catalog import current_album
from album.config import load_settings
from album.db import transaction
from album.home import open_home
from album.models import Photo
from album.preflight.input import build_preflight_input
from album.preflight.checks import run_preflight
from album.publish import plan_book
from cli_support import run_album as album

TITLE = "山乡巨变"
CHAPTER = "产业就业扶贫"
CAPTIONS = ["村民在新修的水泥路上合影，道路两旁是成片的茶园。", "驻村工作队走访脱贫家庭，了解“两不愁三保障”落实情况。",
            "扶贫车间里，工人正在加工出口订单，月收入达3,200元。", "易地扶贫搬迁安置点全景（示意图中标出了安置点位置）。"]
CREDIT = "摄影：王小明　供稿：某县融媒体中心"


def pdftext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [] if first is None else ["-f", str(first), "-l", str(last or first)]
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages_of(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


@pytest.fixture(scope="module")
def home(tmp_path_factory, corpus):
    tmp = tmp_path_factory.mktemp("colophon")
    home = tmp / "home"
    photos = sorted((corpus / "photos").glob("mate-*.jpg"))[:4]
    sheet = tmp / "说明.csv"
    with open(sheet, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["文件名", "图片说明", "摄影", "供稿单位", "篇目", "含地图"])
        for photo, caption in zip(photos, CAPTIONS):  # the last shows a map, basis not known yet
            writer.writerow([photo.name, caption, "王小明", "某县融媒体中心", CHAPTER,
                             "是" if caption == CAPTIONS[3] else ""])
    album(home, "init", "--title", TITLE, "--trim", "210x285")
    album(home, "import", *map(str, photos), "--captions", str(sheet))
    cip = tmp / "cip.txt"
    cip.write_text(f"{TITLE}：凉山脱贫攻坚影像志／凉山州地方志办公室编．—成都：四川人民出版社，2026.12\n"
                   "ISBN 978-7-5380-3309-0\nⅠ．①山…　Ⅱ．①凉…　Ⅲ．①摄影集—中国—现代　Ⅳ．①J421\n",
                   encoding="utf-8")
    album(home, "colophon", "--editor", "凉山州地方志办公室 编", "--publisher", "四川人民出版社",
          "--place", "成都", "--printer", "四川新华印刷有限责任公司", "--format", "889x1194 1/16",
          "--edition", "2026年12月第1版", "--impression", "2026年12月第1次印刷", "--print-run", "1—3000册",
          "--price", "298", "--cip", str(cip), "--cip-number", "(2026)第123456号")
    return home


def _preflight(home: Path, final: bool):  # type: ignore[no-untyped-def]
    h = open_home(load_settings(home))
    with transaction(h.factory) as session:
        a = current_album(session)
        inp = build_preflight_input(session, a, h.store)
        album_id = a.id
    inp.final = final
    return run_preflight(plan_book(h, album_id), inp, pdf_path=None, mode="proof")


def _flag_map(home: Path, caption: str, basis: str, reference: str) -> None:
    h = open_home(load_settings(home))
    with transaction(h.factory) as session:
        photo = session.query(Photo).filter(Photo.caption == caption).one()
        set_photo_map(photo, True, basis, reference)


def test_bad_isbn_refused_on_one_line_and_nothing_stored(home: Path) -> None:
    bad = album(home, "colophon", "--isbn", "9787538033091", "--price", "300", check=False)
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0
    assert "书号（ISBN）9787538033091 的校验位不对" in bad.stderr
    shown = album(home, "colophon").stdout
    assert "ISBN：（未填）" in shown and "定价：298.00" in shown  # the price of the refused call not kept


def test_preflight_asks_for_isbn_and_map_basis_warning_on_proof_error_on_final(home: Path) -> None:
    album(home, "colophon", "--isbn", "")
    out = album(home, "preflight").stdout
    assert "[警告] 没有填写书号（ISBN）" in out
    assert re.search(r"\[警告\] 第 \d+ 页 照片 #\d+ 含地图，但没有审图号", out)
    final = _preflight(home, final=True)
    assert {(i.code, i.severity) for i in final.items if i.code in ("isbn", "map-approval")} == {
        ("isbn", "error"), ("map-approval", "error")}


@pytest.mark.slow  # renders the book
def test_copyright_page_figures_and_map_number_read_back(home: Path, tmp_path: Path) -> None:
    album(home, "colophon", "--isbn", "9787538033090")
    _flag_map(home, CAPTIONS[3], "approval", "川S (2021) 00012号")
    assert [i.code for i in _preflight(home, final=True).items if i.severity == "error"] == []

    # 字数 worked out here from what went in: the title page (书名), the 目录 heading, the opener
    # (第一篇 + chapter title), each caption with its credit line, the 摄影者索引 heading; plus a
    # preface sized so the total is exactly 3,000 characters (and 前言 heading), so one character
    # too many or too few in the book's count would print 4千字 or be caught by the second render.
    base = (len(TITLE) + len("目录") + len("第一篇") + len(CHAPTER)
            + sum(len("".join(c.split())) for c in CAPTIONS) + 4 * len("".join(CREDIT.split()))
            + len("摄影者索引") + len("前言"))
    preface = tmp_path / "前言.txt"
    preface.write_text("乡" * (3000 - base), encoding="utf-8")
    album(home, "settings", "--preface", str(preface))
    pdf = tmp_path / "proof.pdf"
    album(home, "render", "--proof", "-o", str(pdf))

    whole = "".join(pdftext(pdf).split())
    for caption in CAPTIONS:  # every caption is set, so the count above holds
        assert "".join(caption.split()) in whole
    assert whole.count("".join(CREDIT.split())) == 4

    page = pdftext(pdf, 2)
    lines = [line.strip() for line in page.splitlines() if line.strip()]  # the 校样 watermark too
    heading, number = lines.index("图书在版编目（CIP）数据"), lines.index("中国版本图书馆CIP数据核字（2026）第123456号")
    assert heading < lines.index("ISBN 978-7-5380-3309-0") < number < lines.index("书名：山乡巨变")
    record = dict(re.findall(r"^(\S+?)：(.+)$", page, re.M))
    pages = pages_of(pdf)
    assert record["印张"] == f"{pages / 16:g}"
    assert record["字数"] == f"{math.ceil(3000 / 1000)}千字"
    assert record["审图号"] == "川S（2021）00012号"
    assert record["书号"] == "ISBN 978-7-5380-3309-0" and record["定价"] == "298.00元"
    assert record["开本"] == "889×1194 1/16" and record["出版发行"] == "四川人民出版社（成都）"

    preface.write_text("乡" * (3001 - base), encoding="utf-8")
    album(home, "settings", "--preface", str(preface))
    more = tmp_path / "proof-2.pdf"
    album(home, "render", "--proof", "-o", str(more))
    assert re.search(r"^字数：(.+)$", pdftext(more, 2), re.M)[1] == "4千字"
