"""The copyright page laid out from the colophon fields (pure: snapshot in, Book out)."""

from __future__ import annotations

import math

import pytest

from album.colophon import clean_colophon
from album.layout.book import Book
from album.layout.paginate import paginate
from album.layout.snapshot import AlbumSnapshot, ChapterSnapshot, PhotoSnapshot
from album.layout.templates import load_templates
from locations import LAYOUTS

COLOPHON = clean_colophon({
    "book_title": "山乡巨变", "editor": "凉山州地方志办公室 编", "publisher": "四川人民出版社",
    "place": "成都", "printer": "四川新华印刷有限责任公司", "format": "889×1194 1/16",
    "edition": "2026年12月第1版", "impression": "2026年12月第1次印刷", "print_run": "1—3000册",
    "price": "298", "isbn": "9787538033090", "cip_number": "（2026）第123456号",
    "cip_lines": "山乡巨变／凉山州地方志办公室编．—成都：四川人民出版社，2026.12\nISBN 978-7-5380-3309-0",
})


@pytest.fixture(scope="module")
def templates():
    return load_templates(LAYOUTS)


def snapshot(photos: int = 9, colophon: dict | None = COLOPHON, maps: tuple = (), **kw) -> AlbumSnapshot:
    refs = dict(maps)
    shots = tuple(PhotoSnapshot(i, f"{i:064d}", 3000, 2000, caption=f"第{i}张照片的说明。", photographer="张三",
                                has_map=i in refs, map_basis=refs.get(i, ("", ""))[0],
                                map_reference=refs.get(i, ("", ""))[1])
                  for i in range(1, photos + 1))
    return AlbumSnapshot("山乡巨变", colophon=tuple(sorted((colophon or {}).items())),
                         chapters=(ChapterSnapshot(100, "产业", photos=shots),), **kw)


def copyright_lines(book: Book) -> list[str]:
    pages = [p for p in book.pages if p.kind == "copyright"]
    assert len(pages) == 1
    return [b.text for f in pages[0].text_frames() for b in f.blocks]


def test_cip_block_then_version_record(templates) -> None:
    book = paginate(snapshot(), templates)
    lines = copyright_lines(book)
    assert lines[:4] == ["图书在版编目（CIP）数据",
                         "山乡巨变／凉山州地方志办公室编．—成都：四川人民出版社，2026.12",
                         "ISBN 978-7-5380-3309-0", "中国版本图书馆CIP数据核字（2026）第123456号"]
    record = dict(line.split("：", 1) for line in lines[4:])
    assert list(record) == ["书名", "编者", "出版发行", "印刷", "开本", "印张", "字数", "版次", "印次", "印数",
                            "书号", "定价"]
    assert record["出版发行"] == "四川人民出版社（成都）"
    assert record["书号"] == "ISBN 978-7-5380-3309-0" and record["定价"] == "298.00元"
    # 印张 from the planned page count, counted here from the Book's pages.
    assert len(book.pages) % 4 == 0
    expected = len(book.pages) / 16
    assert float(record["印张"]) == expected and record["印张"] == f"{expected:g}"
    styles = {b.style for p in book.pages if p.kind == "copyright" for f in p.text_frames() for b in f.blocks}
    assert book.styles["cip-number"].rule_below_pt > 0 and "cip-number" in styles


def test_word_count_follows_the_text_and_the_page_count_stays(templates) -> None:
    # Counted here from the inputs: title 4 + 目录 heading 2 + 第一篇 3 + 产业 2 + the captions and
    # credits + 摄影者索引 5 (+ 前言 2 with a preface); TOC and index entries, folios, running heads
    # and the copyright page itself are not text of the book.
    captions = sum(len(f"第{i}张照片的说明。") for i in range(1, 10))
    base = 4 + 2 + 3 + 2 + captions + 9 * len("摄影：张三") + 5
    short = paginate(snapshot(preface=""), templates)

    def words(book: Book) -> str:
        return dict(line.split("：", 1) for line in copyright_lines(book)[4:])["字数"]

    assert base < 1000 and words(short) == "1千字"
    # Exactly 3,000 characters is 3千字; one more is 4千字 (rounded up): an off-by-one shows.
    exact = paginate(snapshot(preface="乡" * (3000 - base - 2)), templates)
    over = paginate(snapshot(preface="乡" * (3001 - base - 2)), templates)
    assert (words(exact), words(over)) == ("3千字", "4千字")
    # The copyright page is laid out once with the widest figures: never more than one page.
    assert [p.kind for p in over.pages].count("copyright") == 1


def test_map_numbers_listed_once_in_book_order(templates) -> None:
    maps = ((3, ("approval", "川S（2021）00012号")), (5, ("standard", "标准地图服务 GS（2019）1822号")),
            (7, ("approval", "川S（2021）00012号")), (8, ("exempt", "示意图")), (9, ("", "")))
    lines = copyright_lines(paginate(snapshot(maps=maps), templates))
    assert lines[-1] == "审图号：川S（2021）00012号、GS（2019）1822号"


def test_without_colophon_the_free_copyright_text_stays(templates) -> None:
    book = paginate(snapshot(colophon=None, copyright_text="版权所有\n翻印必究"), templates)
    assert copyright_lines(book) == ["版权所有", "翻印必究"]
    default = paginate(snapshot(colophon=None), templates)
    assert copyright_lines(default) == ["书名：山乡巨变"]


def test_no_format_no_sheets(templates) -> None:
    colophon = {k: v for k, v in COLOPHON.items() if k != "format"}
    record = copyright_lines(paginate(snapshot(colophon=colophon), templates))
    assert not any(line.startswith(("印张", "开本")) for line in record)
    assert any(line.startswith("字数：") for line in record)
