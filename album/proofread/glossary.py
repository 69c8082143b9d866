"""The album glossary: a correct spelling and the variants to replace with it.

Stored as ``Album.glossary``, a JSON list of ``{"correct": "...", "variants": ["...", ...]}``.
Replacing never touches text that already reads the correct form, so the variant 凉山州 of
凉山彝族自治州 and the variant 昭觉 of 昭觉县 leave 昭觉县 alone (no 昭觉县县).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from album.errors import AlbumError

MAX_LENGTH = 200


@dataclass(frozen=True)
class GlossaryEntry:
    correct: str
    variants: tuple[str, ...]

    def to_json(self) -> dict:
        return {"correct": self.correct, "variants": list(self.variants)}


def make_entry(correct: str, variants: list[str] | str) -> GlossaryEntry:
    """One entry from what a person typed: variants a list, or one string split at 、，, ; or lines."""
    if isinstance(variants, str):
        variants = re.split(r"[、，,;；\n]+", variants)
    correct = (correct or "").strip()
    cleaned = tuple(dict.fromkeys(v.strip() for v in variants if v and v.strip()))
    if not correct:
        raise AlbumError("请填写正确写法")
    if not cleaned:
        raise AlbumError(f"请为“{correct}”填写至少一个需要替换的写法")
    if correct in cleaned:
        raise AlbumError(f"“{correct}”不能同时是正确写法和需要替换的写法")
    if any(len(text) > MAX_LENGTH for text in (correct, *cleaned)):
        raise AlbumError(f"词条太长（最多 {MAX_LENGTH} 字）")
    return GlossaryEntry(correct, cleaned)


def parse_glossary(data: object) -> list[GlossaryEntry]:
    """The stored JSON as entries; a variant may belong to one entry only."""
    if not isinstance(data, list):
        raise AlbumError("词表格式不正确：应为词条列表")
    entries = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("variants"), list):
            raise AlbumError("词表格式不正确：每个词条应有 correct 和 variants")
        entries.append(make_entry(str(item.get("correct", "")), [str(v) for v in item["variants"]]))
    check_glossary(entries)
    return entries


def check_glossary(entries: list[GlossaryEntry]) -> None:
    """Refuse a glossary whose entries contradict each other."""
    seen: dict[str, str] = {}
    corrects = {entry.correct for entry in entries}
    for entry in entries:
        for variant in entry.variants:
            if variant in seen and seen[variant] != entry.correct:
                raise AlbumError(f"“{variant}”已在“{seen[variant]}”的词条中")
            if variant in corrects:
                raise AlbumError(f"“{variant}”是另一个词条的正确写法，不能再作为需要替换的写法")
            seen[variant] = entry.correct


def apply_glossary(text: str, entries: list[GlossaryEntry]) -> str:
    """``text`` with every variant outside an occurrence of its correct form replaced."""
    for entry in entries:
        protected = [m.span() for m in re.finditer(re.escape(entry.correct), text)]
        pattern = re.compile("|".join(re.escape(v) for v in sorted(entry.variants, key=len, reverse=True)))
        pieces, last = [], 0
        for m in pattern.finditer(text):
            if any(start < m.end() and m.start() < end for start, end in protected):
                continue
            pieces.append(text[last:m.start()] + entry.correct)
            last = m.end()
        text = "".join(pieces) + text[last:]
    return text


def changed_parts(before: str, after: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """``before`` and ``after`` cut into (changed?, text) runs, so a preview marks only what moves."""
    old: list[tuple[bool, str]] = []
    new: list[tuple[bool, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if i2 > i1:
            old.append((tag != "equal", before[i1:i2]))
        if j2 > j1:
            new.append((tag != "equal", after[j1:j2]))
    return old, new
