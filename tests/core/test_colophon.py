"""Colophon fields: the ISBN checked and hyphenated by python-stdnum, 开本 → 开数 → 印张, prices,
CIP 核字号, and the 审图号 of maps."""

from __future__ import annotations

import pytest

from album.colophon import (
    clean_colophon,
    format_isbn,
    isbn_digits,
    isbn_problem,
    kai_of,
    print_sheets,
    thousand_words,
    word_count,
)
from album.errors import AlbumError
from album.map_approval import approval_numbers, clean_map_flag, map_from_sheet, map_problem


@pytest.mark.parametrize("raw,printed", [
    ("9787538033090", "978-7-5380-3309-0"),  # the example, 7-5380 = a four-digit publisher
    ("978-7-5380-3309-0", "978-7-5380-3309-0"),
    ("ISBN 978 7 5380 3309 0", "978-7-5380-3309-0"),
    ("9787020002207", "978-7-02-000220-7"),  # 人民文学出版社: a two-digit publisher prefix
    ("9787108041531", "978-7-108-04153-1"),  # 三联书店: three digits — no fixed pattern fits all
])
def test_valid_isbn_is_hyphenated_by_registration_group(raw: str, printed: str) -> None:
    assert isbn_problem(raw) is None
    assert format_isbn(raw) == printed
    assert isbn_digits(printed) == printed.replace("-", "")


def test_ten_digit_isbn_becomes_isbn13() -> None:
    # The old ten-digit form 7-5380-3309-2: 978 in front and the check digit recomputed.
    assert isbn_problem("7-5380-3309-2") is None
    assert format_isbn("7-5380-3309-2") == "978-7-5380-3309-0"


@pytest.mark.parametrize("raw,words", [
    ("9787538033091", "校验位不对"),  # wrong check digit
    ("7-5380-3309-5", "校验位不对"),  # ISBN-10 with a wrong check digit
    ("978753803309", "位数不对"),  # 12 digits
    ("97875380330900", "位数不对"),  # 14 digits
    ("978-7-5380-330A-0", "格式不对"),
    ("", "没有填写书号"),
])
def test_invalid_isbn_is_refused_in_chinese(raw: str, words: str) -> None:
    assert words in (isbn_problem(raw) or "")
    if raw:
        with pytest.raises(AlbumError, match=words):
            clean_colophon({"isbn": raw})


@pytest.mark.parametrize("pages,kai,sheets", [(240, 16, "15"), (200, 16, "12.5"), (196, 16, "12.25"),
                                              (100, 32, "3.125"), (96, 8, "12")])
def test_print_sheets_are_pages_over_kai(pages: int, kai: int, sheets: str) -> None:
    assert print_sheets(pages, kai) == sheets


def test_format_price_and_cip_number_are_normalised() -> None:
    c = clean_colophon({"format": "889 x 1194  1/16", "price": "298", "cip_number": "(2026)第012345号",
                        "isbn": "9787538033090", "cip_lines": "  第一行 \n\n ISBN 978-7-5380-3309-0  ",
                        "editor": "  凉山州   地方志办公室 编 ", "printer": ""})
    assert c == {"format": "889×1194 1/16", "price": "298.00",
                 "cip_number": "中国版本图书馆CIP数据核字（2026）第012345号",
                 "isbn": "978-7-5380-3309-0", "cip_lines": "第一行\nISBN 978-7-5380-3309-0",
                 "editor": "凉山州 地方志办公室 编"}
    assert kai_of(c["format"]) == 16
    for field, value, words in (("format", "大16开", "开本"), ("format", "889×1194 1/17", "开数 17"),
                                ("price", "二百元", "定价"), ("price", "-3", "定价"),
                                ("cip_number", "123456", "核字号"), ("editor", "编" * 201, "编者太长")):
        with pytest.raises(AlbumError, match=words):
            clean_colophon({field: value})


def test_words_count_every_non_space_character_in_thousands_rounded_up() -> None:
    assert word_count(["山乡 巨变，2026 年", "A b\u3000c\n"]) == 13
    assert [thousand_words(n) for n in (1, 999, 1000, 1001, 120000)] == ["1千字", "1千字", "1千字", "2千字",
                                                                         "120千字"]


def test_map_flag_needs_a_well_formed_reference_once_a_basis_is_chosen() -> None:
    assert clean_map_flag(True, "approval", "GS (2019) 1822号") == (True, "approval", "GS（2019）1822号")
    assert clean_map_flag(True, "approval", "川S（2021）00012号")[2] == "川S（2021）00012号"
    assert clean_map_flag(True, "", "") == (True, "", "")  # a contributor may not know the basis yet
    assert clean_map_flag(False, "approval", "GS（2019）1822号") == (False, "", "")
    with pytest.raises(AlbumError, match="审图号“GS2019-1822”格式不对"):
        clean_map_flag(True, "approval", "GS2019-1822")
    with pytest.raises(AlbumError, match="请填写豁免"):
        clean_map_flag(True, "exempt", " ")
    with pytest.raises(AlbumError, match="地图依据"):
        clean_map_flag(True, "guess", "x")
    assert map_problem(True, "", "") and map_problem(False, "", "") is None
    assert map_problem(True, "exempt", "示意图，不涉及国界、行政区域界线") is None
    assert approval_numbers("自然资源部标准地图服务 GS(2016)1600号") == ["GS（2016）1600号"]


@pytest.mark.parametrize("cell,flag", [
    ("", (False, "", "")), ("否", (False, "", "")),
    ("是", (True, "", "")), ("含地图", (True, "", "")),
    ("GS (2019) 1822号", (True, "approval", "GS（2019）1822号")),
    ("标准地图 自然资源部 GS(2016)1600号", (True, "standard", "标准地图 自然资源部 GS（2016）1600号")),
    ("豁免：手绘示意图", (True, "exempt", "手绘示意图")), ("豁免", (True, "", "")),
])
def test_captions_sheet_map_column(cell: str, flag: tuple) -> None:
    assert map_from_sheet(cell) == flag
