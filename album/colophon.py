"""The 版权页 (colophon) and cover data a publisher supplies: fields, labels, checks, and the two
figures computed from the book itself (印张 and 字数).

The fields are stored in ``Album.colophon`` (a JSON dict of the keys of ``FIELDS``, only those
filled in), already normalised: the ISBN hyphenated ISBN-13, the price with two decimals, the
CIP number as the full 核字号 line.

字数 (word count) is defined as the number of characters of the text set in the book, where
every character that is not white space counts one (CJK characters, punctuation, Latin letters
and digits alike), over every text frame of every page except page furniture (folios, running
heads), the tables the book generates itself (contents, photographer index) and the copyright
page. Publishers state it in thousands: ``thousand_words`` rounds *up* to whole 千字, so the
figure never understates the text.

印张 (printed sheets) is the page count of the book block divided by the 开数 of the 开本
(``889×1194 1/16`` → 16): 240 pages at 16开 are 15 印张, 200 pages 12.5 印张.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from album.errors import AlbumError


@dataclass(frozen=True)
class ColophonField:
    key: str
    label: str  # as the settings form and the copyright page say it
    limit: int
    multiline: bool = False
    example: str = ""


FIELDS: tuple[ColophonField, ...] = (
    ColophonField("book_title", "书名", 200, example="山乡巨变：凉山脱贫攻坚影像志"),
    ColophonField("editor", "编者", 200, example="凉山彝族自治州地方志办公室 编"),
    ColophonField("publisher", "出版者", 200, example="四川人民出版社"),
    ColophonField("place", "出版地", 60, example="成都"),
    ColophonField("address", "地址", 200, example="成都市锦江区三色路238号"),
    ColophonField("printer", "印刷者", 200, example="四川新华印刷有限责任公司"),
    ColophonField("format", "开本", 60, example="889×1194 1/16"),
    ColophonField("edition", "版次", 60, example="2026年12月第1版"),
    ColophonField("impression", "印次", 60, example="2026年12月第1次印刷"),
    ColophonField("print_run", "印数", 60, example="1—3000册"),
    ColophonField("price", "定价", 20, example="298.00"),
    ColophonField("isbn", "ISBN", 30, example="978-7-5380-3309-0"),
    ColophonField("cip_lines", "CIP数据", 2000, multiline=True,
                  example="山乡巨变：凉山脱贫攻坚影像志／凉山彝族自治州地方志办公室编．—成都：四川人民出版社，2026.12"),
    ColophonField("cip_number", "CIP数据核字号", 60, example="（2026）第123456号"),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
LABELS = {f.key: f.label for f in FIELDS}

CIP_HEADING = "图书在版编目（CIP）数据"
CIP_NUMBER_PREFIX = "中国版本图书馆CIP数据核字"
_FORMAT = re.compile(r"^(\d{3,4})\s*(?:mm|毫米)?\s*[×xX*]\s*(\d{3,4})\s*(?:mm|毫米)?\s+1\s*/\s*(\d{1,3})\s*(?:开)?$")
_CIP_NUMBER = re.compile(r"^(?:" + CIP_NUMBER_PREFIX + r")?\s*[（(]\s*(\d{4})\s*[）)]\s*第?\s*(\d{4,8})\s*号?$")
_PRICE = re.compile(r"^(?:定价[：:]?)?\s*(\d{1,6}(?:\.\d{1,2})?)\s*(?:元)?$")


def format_isbn(raw: str) -> str:
    """The ISBN as printed: ISBN-13 hyphenated by its registration groups (python-stdnum), e.g.
    9787538033090 → 978-7-5380-3309-0. A valid ISBN-10 is converted to ISBN-13."""
    problem = isbn_problem(raw)
    if problem:
        raise AlbumError(problem)
    return stdnum_isbn.format(_number(raw), convert=True)


def _number(raw: str) -> str:
    """What people paste: "ISBN 978-7-…" or "ISBN：978…"; the number without the label."""
    return re.sub(r"^\s*ISBN\s*[：:]?", "", raw or "", flags=re.IGNORECASE).strip()


def isbn_problem(raw: str) -> str | None:
    """Why ``raw`` is not a usable ISBN, in Chinese, or None when it is."""
    raw = _number(raw)
    if not raw:
        return "没有填写书号（ISBN）"
    try:
        stdnum_isbn.validate(raw)
    except InvalidChecksum:
        return f"书号（ISBN）{raw.strip()} 的校验位不对，请核对出版社给的书号"
    except InvalidLength:
        return f"书号（ISBN）{raw.strip()} 的位数不对（应为 13 位，或旧式 10 位）"
    except (InvalidFormat, InvalidComponent):
        return f"书号（ISBN）{raw.strip()} 格式不对，只能包含数字和连字符"
    return None


def isbn_digits(isbn: str) -> str:
    """The 13 digits the EAN-13 barcode encodes."""
    return stdnum_isbn.to_isbn13(stdnum_isbn.compact(isbn))


def kai_of(format_text: str) -> int | None:
    """The 开数 of a 开本 such as ``889×1194 1/16`` (16), or None when it does not say."""
    match = _FORMAT.match((format_text or "").strip())
    return int(match.group(3)) if match else None


def print_sheets(pages: int, kai: int) -> str:
    """印张: pages ÷ 开数, as few decimals as it needs (240 pages at 16开 → "15", 200 → "12.5")."""
    return f"{Decimal(pages) / Decimal(kai):.3f}".rstrip("0").rstrip(".")


def word_count(texts: Iterable[str]) -> int:
    """Characters of ``texts`` that are not white space (see the module docstring)."""
    return sum(1 for text in texts for c in text if not c.isspace())


def thousand_words(count: int) -> str:
    """字数 as a publisher writes it: thousands rounded up, "120千字"."""
    return f"{max(1, math.ceil(count / 1000))}千字"


def clean_colophon(values: Mapping[str, str]) -> dict[str, str]:
    """Check and normalise the form's fields; only filled-in fields are kept. Raises AlbumError
    naming the field for anything a printer or the ISBN agency would refuse."""
    out: dict[str, str] = {}
    for f in FIELDS:
        text = str(values.get(f.key, "") or "").strip()
        if not f.multiline:
            text = " ".join(text.split())
        else:
            text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        if len(text) > f.limit:
            raise AlbumError(f"{f.label}太长（最多 {f.limit} 字）")
        if text:
            out[f.key] = _normalised(f, text)
    return out


def _normalised(f: ColophonField, text: str) -> str:
    if f.key == "isbn":
        return format_isbn(text)
    if f.key == "format":
        match = _FORMAT.match(text)
        if not match:
            raise AlbumError(f"开本“{text}”格式不对，应写成如“889×1194 1/16”（纸张宽×高 毫米，开数）")
        width, height, kai = match.groups()
        if int(kai) not in (8, 12, 16, 18, 20, 24, 32, 36, 64):
            raise AlbumError(f"开本“{text}”的开数 {kai} 不常见，应为 8、12、16、18、20、24、32、36 或 64")
        return f"{width}×{height} 1/{kai}"
    if f.key == "price":
        match = _PRICE.match(text)
        if not match:
            raise AlbumError(f"定价“{text}”格式不对，应为金额，如 298 或 298.00")
        try:
            return f"{Decimal(match.group(1)):.2f}"
        except InvalidOperation:
            raise AlbumError(f"定价“{text}”格式不对，应为金额，如 298 或 298.00") from None
    if f.key == "cip_number":
        match = _CIP_NUMBER.match(text)
        if not match:
            raise AlbumError(f"CIP数据核字号“{text}”格式不对，应如“（2026）第123456号”")
        return f"{CIP_NUMBER_PREFIX}（{match.group(1)}）第{match.group(2)}号"
    return text


def price_text(price: str) -> str:
    """"298.00" → "定价：298.00元" (the back cover's line)."""
    return f"定价：{price}元"
