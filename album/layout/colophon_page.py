"""The copyright page (版权页) from the album's colophon fields: the CIP block in the
GB/T 12451-2023 arrangement (heading, the record lines as the publisher gave them, the 核字号
line closed by a rule), then the 版本记录.

印张 and 字数 depend on the finished book, so the page is first laid out with the widest values
they can take and set again with the real ones once every page is planned (``fill_colophon``):
the copyright page keeps its page count. Definitions are in ``album.colophon``.
"""

from __future__ import annotations

from collections.abc import Mapping

from album.colophon import (
    CIP_HEADING,
    kai_of,
    print_sheets,
    thousand_words,
    word_count,
)
from album.layout.book import Page, TextBlock, TextStyle
from album.layout.snapshot import AlbumSnapshot
from album.map_approval import approval_numbers

# What the first layout reserves: no book reaches 10,000 印张 or 100 million characters.
RESERVED_SHEETS = "8888.888"
RESERVED_WORDS = "99999千字"
CIP_HEADING_STYLE = "cip-heading"
CIP_NUMBER_STYLE = "cip-number"
# Text the book makes up itself rather than the editors' text: not part of 字数.
APPARATUS_ROLES = ("folio", "running-head", "toc", "index")


def colophon_blocks(s: AlbumSnapshot, styles: Mapping[str, TextStyle], style: str,
                    sheets: str = RESERVED_SHEETS, words: str = RESERVED_WORDS) -> list[TextBlock]:
    """The copyright page's paragraphs; the CIP styles fall back to ``style`` in layout folders
    that do not define them."""
    c = dict(s.colophon)
    own = {name: name if name in styles else style for name in (CIP_HEADING_STYLE, CIP_NUMBER_STYLE)}
    blocks: list[TextBlock] = []
    cip = c.get("cip_lines", "").splitlines()
    if cip or c.get("cip_number"):
        blocks.append(TextBlock(CIP_HEADING, own[CIP_HEADING_STYLE]))
        blocks += [TextBlock(line, style) for line in cip]
        if c.get("cip_number"):
            blocks.append(TextBlock(c["cip_number"], own[CIP_NUMBER_STYLE]))
    publisher = c.get("publisher") or s.publisher
    if publisher and c.get("place"):
        publisher = f"{publisher}（{c['place']}）"
    kai = kai_of(c.get("format", ""))
    record = [
        ("书名", c.get("book_title") or s.title),
        ("编者", c.get("editor", "")),
        ("出版发行", publisher),
        ("地址", c.get("address", "")),
        ("印刷", c.get("printer", "")),
        ("开本", c.get("format", "")),
        ("印张", sheets if kai else ""),
        ("字数", words),
        ("版次", c.get("edition", "")),
        ("印次", c.get("impression", "")),
        ("印数", c.get("print_run", "")),
        ("书号", f"ISBN {c['isbn']}" if c.get("isbn") else ""),
        ("定价", f"{c['price']}元" if c.get("price") else ""),
        ("审图号", "、".join(map_numbers(s))),
    ]
    blocks += [TextBlock(f"{label}：{value}", style) for label, value in record if value]
    return blocks


def map_numbers(s: AlbumSnapshot) -> list[str]:
    """The 审图号 of the maps shown in the book, in book order, each once."""
    seen: dict[str, None] = {}
    for chapter in s.chapters:
        for photo in chapter.photos:
            if photo.has_map and photo.map_basis in ("approval", "standard"):
                seen.update(dict.fromkeys(approval_numbers(photo.map_reference)))
    return list(seen)


def book_figures(pages: list[Page], colophon_pages: list[Page], format_text: str) -> tuple[str, str]:
    """(印张, 字数) of the planned book, as the copyright page prints them."""
    skip = {p.number for p in colophon_pages}
    texts = [block.text + block.trailing
             for page in pages if page.number not in skip
             for frame in page.text_frames() if frame.role not in APPARATUS_ROLES
             for block in frame.blocks]
    kai = kai_of(format_text)
    sheets = print_sheets(len(pages), kai) if kai else ""
    return sheets, thousand_words(word_count(texts))
