"""Maps in photos (审图号): a published map needs a map-review number, a 标准地图 source, or a
stated reason why it is exempt. The photo carries the flag, the basis and the reference.

审图号 look like ``GS（2019）1822号`` (national), ``川S（2021）00012号`` (provincial) or
``GS京（2022）1061号``; half-width brackets and spaces are normalised to the printed form.
"""

from __future__ import annotations

import re

from album.errors import AlbumError

MAP_BASES = {"approval": "审图号", "standard": "标准地图", "exempt": "豁免"}
REFERENCE_HINTS = {"approval": "如 GS（2019）1822号", "standard": "标准地图的来源及其审图号",
                   "exempt": "不需审图的理由"}
_APPROVAL = re.compile(r"(?:GS[\u4e00-\u9fff]?|[\u4e00-\u9fff]S)（\d{4}）\d{1,6}号")


def normalise_reference(text: str) -> str:
    """Half-width brackets to full-width, no spaces inside a 审图号."""
    text = " ".join((text or "").split())
    return text.replace("(", "（").replace(")", "）")


def clean_map_flag(has_map: bool, basis: str, reference: str) -> tuple[bool, str, str]:
    """(has_map, basis, reference) as stored. A flag may be saved without a basis yet (the
    contributor may not know it): preflight asks for it before 付印. A basis needs a reference."""
    basis = (basis or "").strip()
    reference = normalise_reference(reference)
    if not has_map:
        return False, "", ""
    if basis and basis not in MAP_BASES:
        raise AlbumError(f"地图依据应为 {'、'.join(MAP_BASES.values())} 之一")
    if len(reference) > 200:
        raise AlbumError("地图依据说明太长（最多 200 字）")
    if basis and not reference:
        raise AlbumError(f"请填写{MAP_BASES[basis]}（{REFERENCE_HINTS[basis]}）")
    if basis == "approval":
        compact = reference.replace(" ", "")
        if not _APPROVAL.fullmatch(compact):
            raise AlbumError(f"审图号“{reference}”格式不对，应如 GS（2019）1822号 或 川S（2021）00012号")
        reference = compact
    return True, basis, reference


def approval_numbers(text: str) -> list[str]:
    """The 审图号 found in a reference (a 标准地图 source usually cites the map's own)."""
    return _APPROVAL.findall(normalise_reference(text).replace(" ", ""))


def map_from_sheet(cell: str) -> tuple[bool, str, str]:
    """The captions sheet's 地图 column as (has_map, basis, reference): a 审图号 itself; "标准地图 …"
    (the source); "豁免：理由"; or just "是"/"含地图" (flagged, basis to follow). Never refuses:
    what cannot be read flags the photo without a basis, so preflight asks for it."""
    text = normalise_reference(cell)
    if not text or text in ("否", "无", "不含", "N", "n", "no", "No", "0"):
        return False, "", ""
    if _APPROVAL.fullmatch(text.replace(" ", "")):
        return True, "approval", text.replace(" ", "")
    if text.startswith("标准地图") and len(text) > len("标准地图"):
        return True, "standard", text[:200]
    for word in ("豁免", "免审"):
        if text.startswith(word):
            reason = text[len(word):].lstrip("：: ")
            return (True, "exempt", reason[:200]) if reason else (True, "", "")
    return True, "", ""


def map_problem(has_map: bool, basis: str, reference: str) -> str | None:
    """What a flagged photo still lacks before 付印, or None."""
    if not has_map:
        return None
    if basis not in MAP_BASES or not reference.strip():
        return "含地图，但没有审图号、标准地图来源或豁免理由"
    return None
