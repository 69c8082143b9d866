"""Chinese line breaking and punctuation widths after CLREQ, one rule set for measuring and drawing.

Pure: glyph widths come from the caller's ``Metrics`` (ReportLab's advances when drawing), and
every adjustment below is a fraction of an em on top of them, so ``line_width`` is exactly the
advance ``place_line`` draws.

- 禁则: no line starts with closing punctuation, none ends with opening punctuation; a mark that
  would break a rule goes to the next line together with its neighbour.
- Latin words and numbers stay whole, and so does a number with its unit or measure word
  (``NUMBER_UNIT``: 2023年, 15%, 3.5 米, 100万元, 12个); Chinese numerals are ordinary hanzi.
- 标点挤压: the faces are set in the mainland (GB) style, where ，。、；：？！ and the closing
  brackets sit in the left half of their em and the opening brackets in the right half. Where two
  such marks meet with blank between them, half an em of it goes: the first mark's blank right
  half when it has one (，“  。”  ）。), else the second's blank left half (（“).
- Line start: an opening bracket that starts a line is set half-width, its ink flush with the
  left edge (齐头), so a justified column keeps a straight edge; a paragraph indent (full-width
  spaces) keeps the mark full-width behind it.
- Line end: a mark with a blank right half that ends a line is set half-width, so its ink meets
  the right edge and the line may take the mark in that half em instead of pushing a character
  down and stretching by a whole em.
- Justification: the slack of a line goes to its break opportunities (between groups), never
  inside a word, a number with its unit, or between a bracket and its character. Lines are broken
  greedily, then evened out: a line gives groups to a looser justified line below it.
- Marks are full-width: a face that draws one narrower than an em (WenQuanYi Zen Hei's curly
  quotes, a third of an em) has it padded to an em on its blank side, so the rules above hold.
- 孤字: a paragraph of two or more lines never ends with one character alone (with or without its
  punctuation); the line above gives its last breakable group to the last line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Literal, NamedTuple

from album.errors import RenderError

EPSILON = 0.01
HALF_EM = 0.5

CLOSING = frozenset(
    "，。、；：？！）」』》〉】〕〗〙〛｝］｠…—‥’”〞％‰℃°・·～ー々〆ゝゞ゛゜"
    "ぁぃぅぇぉっゃゅょァィゥェォッャュョ"
    "，．：；？！）］｝｡､"
    ",.;:!?)]}%"
)
OPENING = frozenset("（「『《〈【〔〖〘〚｛［｟“‘〝￥＄£€$([{")
SPACES = frozenset(" \t\u3000\u00a0")

# Marks whose em box is half blank in the GB style (see the module docstring).
BLANK_LEFT = frozenset("（〔［｛〈《「『【〖〘〚“‘")
BLANK_RIGHT = frozenset("）〕］｝〉》」』】〗〙〛”’，。、；：？！")
# Marks the CJK faces draw (about) one em wide though Unicode calls them ambiguous: the curly
# quotes are the CJK face's full-width glyphs, not a Latin face's proportional ones.
WIDE_MARKS = frozenset("“”‘’…—‥")

# A Latin word or number, with inner connectors: 3.5, 1,000, 12:30, COVID-19, 50%, e-mail.
WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:[.,:'’\-_/+&@][0-9A-Za-z\u00c0-\u024f]+)*%?")
# Units and measure words kept on the line of the number before them, longest first, optionally
# behind one space, 多/余 and a magnitude (万 亿 千 百): dates and times, percent and degrees, lengths,
# areas, weights and volumes, money, and the measure words captions count people and things with.
UNITS = (
    "平方公里 平方千米 平方米 立方米 公里 千米 厘米 毫米 公顷 公斤 千克 毫升 千瓦 小时 分钟 周年 世纪 年代 "
    "年 月 日 号 时 分 秒 天 周 岁 % ％ ‰ ℃ ° 米 亩 吨 克 斤 升 瓦 度 元 倍 "
    "个 人 名 位 户 家 所 座 栋 套 间 条 项 次 届 期 批 张 幅 盏 辆 台 头 只 棵 株 块 本 册 篇 页 件 "
    "种 类 支 部 艘 架 层 级 场 处"
).split()
NUMBER_UNIT = re.compile("[ \u00a0]?[多余]?(?:[万亿千百]?(?:" + "|".join(map(re.escape, UNITS))
                         + ")|[万亿千百])")

Measure = Callable[[str], float]


@dataclass(frozen=True)
class Metrics:
    """How wide text is in one face at one size, in the caller's unit (points when drawing)."""

    measure: Measure
    em: float


def units(text: str) -> list[str]:
    """Split into the smallest pieces a line may be broken between (words, numbers with units)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        match = WORD.match(text, i)
        if match:
            end = match.end()
            unit = NUMBER_UNIT.match(text, end) if match.group()[-1].isdigit() else None
            if unit:
                end = unit.end()
            out.append(text[i:end])
            i = end
        else:
            out.append(text[i])
            i += 1
    return out


def _is_space(piece: str) -> bool:
    return piece[0] in SPACES


def _break_allowed(pieces: list[str], i: int) -> bool:
    before = next((pieces[j] for j in range(i - 1, -1, -1) if not _is_space(pieces[j])), None)
    after = next((pieces[j] for j in range(i, len(pieces)) if not _is_space(pieces[j])), None)
    if before is None or after is None:
        return True
    return after[0] not in CLOSING and before[-1] not in OPENING


def squeeze(pieces: Sequence[str], *, line_start: bool = True,
            line_end: bool = True) -> list[tuple[float, float]]:
    """Ems taken off before and after each piece: adjacent marks, and the line's two ends."""
    out = [[0.0, 0.0] for _ in pieces]
    for i in range(len(pieces) - 1):
        if _pair_em(pieces[i], pieces[i + 1]):
            if pieces[i] in BLANK_RIGHT:
                out[i][1] = HALF_EM
            else:
                out[i + 1][0] = HALF_EM
    if pieces and line_start and pieces[0] in BLANK_LEFT:
        out[0][0] = HALF_EM
    if pieces and line_end and pieces[-1] in BLANK_RIGHT:
        out[-1][1] = HALF_EM
    return [(b, a) for b, a in out]


def _is_mark(piece: str) -> bool:
    return piece in BLANK_LEFT or piece in BLANK_RIGHT


def _pair_em(before: str, after: str) -> float:
    """What two adjacent pieces lose between them: half an em when two marks meet over blank."""
    if _is_mark(before) and _is_mark(after) and (before in BLANK_RIGHT or after in BLANK_LEFT):
        return HALF_EM
    return 0.0


def squeezed_em(text: str, *, line_start: bool = True, line_end: bool = True) -> float:
    """How many ems punctuation compression takes off ``text`` set as one line."""
    return sum(b + a for b, a in squeeze(units(text), line_start=line_start, line_end=line_end))


def line_width(line: str, metrics: Metrics) -> float:
    """The advance of ``line`` as drawn: natural widths, marks padded to an em, less the
    compressed punctuation."""
    return _pieces_width(units(line), metrics)


def _pieces_width(pieces: Sequence[str], metrics: Metrics) -> float:
    natural = sum(metrics.measure(piece) + _padding(piece, metrics) for piece in pieces)
    return natural - sum(b + a for b, a in squeeze(pieces)) * metrics.em


def _padding(piece: str, metrics: Metrics) -> float:
    """What makes a mark full-width when the face draws it narrower (WenQuanYi's quotes are a
    third of an em): the blank goes on the side GB style leaves blank."""
    if not _is_mark(piece):
        return 0.0
    return max(0.0, metrics.em - metrics.measure(piece))


class Run(NamedTuple):
    """One run of a placed line: ``x`` is where it starts drawn from the full face."""

    x: float
    text: str
    halved: Literal["", "left", "right"] = ""  # a lone compressed mark: the half taken off


def place_line(line: str, metrics: Metrics, width: float, *, stretch: bool) -> list[Run]:
    """Where each run of ``line`` starts (from the line's left end) when drawn.

    A stretched line gets the same extra space at every break opportunity (between groups), so
    nothing is spaced inside a word, a number with its unit, or a bracket and its first character.
    A full-width mark that is compressed is a run of its own, so the renderer can draw it from
    a half-width face instead.
    """
    pieces = units(line)
    cuts = _group_starts(pieces)
    natural = line_width(line, metrics)
    gap = (width - natural) / (len(cuts) - 1) if stretch and len(cuts) > 1 and natural < width else 0.0
    runs: list[Run] = []
    cursor, joinable = 0.0, False
    for i, (piece, (before, after)) in enumerate(zip(pieces, squeeze(pieces))):
        if i and i in cuts:
            cursor += gap
            joinable = joinable and gap == 0.0
        padding = _padding(piece, metrics)
        lead = padding if piece in BLANK_LEFT else 0.0
        halved = "" if padding or (before and after) else "left" if before else "right" if after else ""
        if joinable and before == 0.0 and padding == 0.0 and not halved:
            runs[-1] = Run(runs[-1].x, runs[-1].text + piece)
        else:
            runs.append(Run(cursor + lead - before * metrics.em, piece, halved))  # type: ignore[arg-type]
        cursor += metrics.measure(piece) + padding - (before + after) * metrics.em
        joinable = after == 0.0 and padding == 0.0 and not halved
    return runs


def _group_starts(pieces: list[str]) -> set[int]:
    """Where groups start: pieces no break may fall between (before closing marks, after opening
    marks) form one group. The test looks past spaces, so stripping a space at a break never
    uncovers a bad mark."""
    return {i for i in range(len(pieces)) if i == 0 or _break_allowed(pieces, i)}


def break_lines(text: str, width: float, metrics: Metrics) -> list[str]:
    """Break ``text`` into lines whose drawn advance (``line_width``) is at most ``width``.

    Each ``\\n`` starts a new paragraph. A group wider than the whole line (a very long URL,
    a run of dashes) is the only thing ever cut, and then only where it must be.
    """
    if width <= 0:
        raise RenderError("文字框宽度必须大于零")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_break_paragraph(paragraph.rstrip("\r"), width, metrics))
    return lines


def _break_paragraph(paragraph: str, width: float, metrics: Metrics) -> list[str]:
    """Greedy breaking over groups of pieces, then evening out and 孤字; widths are summed from
    cached piece widths, which is what ``line_width`` computes for the joined line."""
    if not paragraph.strip():
        return [""]
    face = Metrics(lru_cache(maxsize=None)(metrics.measure), metrics.em)

    def fits(line: list[list[str]]) -> bool:
        return _pieces_width(_rstrip(_flat(line)), face) <= width + EPSILON

    lines: list[list[list[str]]] = []
    current = _Line(face)  # leading spaces of the paragraph (an indent) are kept
    for group in _piece_groups(units(paragraph)):
        if current.groups and not current.fits_with(group, width):
            if _text(current.groups).strip():
                lines.append(current.groups)
                current = _Line(face)
            group = _lstrip(group)
        if not group:
            continue
        while not current.fits_with(group, width):
            # Too wide even alone: cut it, never beyond the point where nothing fits.
            text = "".join(group)
            cut = _longest_fitting_prefix(_text(current.groups), text, width, face)
            lines.append(current.groups + [[text[:cut]]])
            current, group = _Line(face), _lstrip(units(text[cut:]))
        current.add(group)
    if _text(current.groups).strip():
        lines.append(current.groups)
    _even_out_stretch(lines, width, face)
    _avoid_lone_character(lines, fits)
    return [_text(line).rstrip() for line in lines]


class _Line:
    """A line being filled group by group, its width kept as running sums so that trying the
    next group costs the group's pieces only; the sums are ``_pieces_width``'s terms."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.groups: list[list[str]] = []
        self.natural = 0.0
        self.inner_em = 0.0  # compression between adjacent pieces

    def _terms(self, group: list[str]) -> tuple[float, float]:
        natural = sum(self.metrics.measure(p) + _padding(p, self.metrics) for p in group)
        inner = sum(_pair_em(a, b) for a, b in pairwise(group))
        if self.groups:
            inner += _pair_em(self.groups[-1][-1], group[0])
        return natural, inner

    def fits_with(self, group: list[str], width: float) -> bool:
        if _is_space(group[-1]):  # trailing spaces are stripped at a line end: no wider
            pieces = _rstrip(_flat(self.groups + [group]))
            return _pieces_width(pieces, self.metrics) <= width + EPSILON
        natural, inner = self._terms(group)
        first = self.groups[0][0] if self.groups else group[0]
        start = HALF_EM if first in BLANK_LEFT else 0.0
        end = HALF_EM if group[-1] in BLANK_RIGHT else 0.0
        squeezed = self.inner_em + inner + start + end
        return self.natural + natural - squeezed * self.metrics.em <= width + EPSILON

    def add(self, group: list[str]) -> None:
        natural, inner = self._terms(group)
        self.natural += natural
        self.inner_em += inner
        self.groups.append(group)


def _piece_groups(pieces: list[str]) -> list[list[str]]:
    starts = sorted(_group_starts(pieces)) + [len(pieces)]
    return [pieces[a:b] for a, b in pairwise(starts)]


def _flat(line: list[list[str]]) -> list[str]:
    return [piece for group in line for piece in group]


def _text(line: list[list[str]]) -> str:
    return "".join(_flat(line))


def _rstrip(pieces: list[str]) -> list[str]:
    end = len(pieces)
    while end and _is_space(pieces[end - 1]):
        end -= 1
    return pieces[:end]


def _lstrip(pieces: list[str]) -> list[str]:
    start = 0
    while start < len(pieces) and _is_space(pieces[start]):
        start += 1
    return pieces[start:]


def _longest_fitting_prefix(current: str, group: str, width: float, metrics: Metrics) -> int:
    cut = 1
    while cut < len(group) and line_width(current + group[:cut + 1], metrics) <= width + EPSILON:
        cut += 1
    return cut


def stretch_em(line: str, width: float, metrics: Metrics) -> float:
    """Extra space per break opportunity, in ems, when ``line`` is justified to ``width``."""
    return _stretch(units(line.rstrip()), width, metrics)


def _stretch(pieces: list[str], width: float, metrics: Metrics) -> float:
    gaps = len(_group_starts(pieces)) - 1
    slack = width - _pieces_width(pieces, metrics)
    return slack / gaps / metrics.em if gaps > 0 else 0.0


def _even_out_stretch(lines: list[list[list[str]]], width: float, metrics: Metrics) -> None:
    """Move groups down from a line to a looser justified line below it while that makes the
    looser of the two tighter: a number kept with its unit may otherwise leave one line gappy.

    Runs from the bottom up so room made low in the paragraph can travel upwards; the last line
    is never stretched and so never takes part. Line count and breaking rules are unchanged.
    """
    def stretch(line: list[list[str]]) -> float:
        return _stretch(_rstrip(_flat(line)), width, metrics)

    for upper in range(len(lines) - 3, -1, -1):
        while True:
            above, below = lines[upper], lines[upper + 1]
            keep = len(above) - 1
            if keep == 0:
                break
            moved_above = above[:keep]
            moved_below = [_lstrip(above[keep]), *below]
            if not _text(moved_above).strip() or _pieces_width(
                    _rstrip(_flat(moved_below)), metrics) > width + EPSILON:
                break
            now = max(stretch(above), stretch(below))
            if max(stretch(moved_above), stretch(moved_below)) >= now - EPSILON:
                break
            lines[upper], lines[upper + 1] = moved_above, moved_below


def is_lone_character(line: str) -> bool:
    """A line holding a single character besides punctuation and spaces (孤字)."""
    return sum(1 for c in line if c not in SPACES and c not in CLOSING and c not in OPENING) == 1


def _avoid_lone_character(lines: list[list[list[str]]],
                          fits: Callable[[list[list[str]]], bool]) -> None:
    """Give the last line the previous line's last group when the last line is a 孤字."""
    if len(lines) < 2 or not is_lone_character(_text(lines[-1])):
        return
    previous = lines[-2]
    keep = len(previous) - 1
    while keep > 0 and not _text(previous[keep:keep + 1]).strip():
        keep -= 1
    if keep == 0 or not _text(previous[:keep]).strip():
        return
    last = [_lstrip(previous[keep]), *lines[-1]]
    if fits(last):
        lines[-2:] = [previous[:keep], last]
