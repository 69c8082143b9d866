"""Proofreading rules for one caption: a string in, findings (rule, message, span, suggestion) out.

Each rule is one function that yields findings; ``proofread`` runs them all. A finding's
``suggestion`` is the fixed text for ``text[start:end]``; None where no fix can be guessed safely
(an unpaired bracket), so a person decides. Only Chinese context is touched: ``3.5米``, ``GDP``,
``A.B`` and URLs keep their half-width marks, and spaces between Chinese and Latin or digits are
left alone (house style decides those, not the standard).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
OPENING = "“‘（《〈「『【"
CLOSING = "”’）》〉」』】"
CJK_PUNCT = "，。、；：？！…—·" + OPENING + CLOSING
SPACE = " \t\u3000\u00a0"
HALF_TO_FULL = {",": "，", ".": "。", ":": "：", ";": "；", "?": "？", "!": "！"}
HAN_RE = re.compile(f"[{HAN}]")


@dataclass(frozen=True)
class Finding:
    """One problem in a caption: ``text[start:end]`` should read ``suggestion``."""

    rule: str
    message: str
    start: int
    end: int
    text: str
    suggestion: str | None

    @property
    def fixable(self) -> bool:
        return self.suggestion is not None


def _finding(rule: str, message: str, caption: str, start: int, end: int,
             suggestion: str | None) -> Finding:
    return Finding(rule, message, start, end, caption[start:end], suggestion)


# --- punctuation (GB/T 15834-2011) ----------------------------------------------------------

HALFWIDTH_MARK = re.compile(
    f"(?P<before>(?<=[{HAN}{CLOSING}])[{SPACE}]*)?(?<!\\.)(?P<mark>[,.:;?!])(?!\\.)"
    f"(?P<after>[{SPACE}]*(?=[{HAN}{OPENING}]))?")
HALFWIDTH_PARENS = re.compile(r"\(([^()\n]*)\)")


def halfwidth_punctuation(caption: str) -> Iterator[Finding]:
    """``,.:;?!()`` beside Chinese text; a mark between digits or letters (3.5, A.B) is not."""
    for m in HALFWIDTH_MARK.finditer(caption):
        if m.group("before") is None and m.group("after") is None:
            continue
        mark = m.group("mark")
        yield _finding("punct.halfwidth", f"中文里的标点应用全角：“{mark}”应为“{HALF_TO_FULL[mark]}”",
                       caption, m.start(), m.end(), HALF_TO_FULL[mark])
    for m in HALFWIDTH_PARENS.finditer(caption):
        before = caption[m.start() - 1:m.start()]
        after = caption[m.end():m.end() + 1]
        if HAN_RE.search(m.group(1)) or HAN_RE.match(before) or HAN_RE.match(after):
            yield _finding("punct.halfwidth", "中文里的括号应用全角“（）”", caption, m.start(), m.end(),
                           f"（{m.group(1)}）")


DOUBLE_QUOTED = re.compile(r'"([^"\n]*)"')
SINGLE_QUOTED = re.compile(r"'([^'\n]*)'")


def straight_quotes(caption: str) -> Iterator[Finding]:
    """Straight quotes around Chinese words become “” (‘’ inside “”); an apostrophe (Xi'an) stays."""
    for m in DOUBLE_QUOTED.finditer(caption):
        if _chinese_around(caption, m):
            yield _finding("punct.quote", "中文里的引号应用弯引号“”", caption, m.start(), m.end(),
                           f"“{m.group(1)}”")
    for m in SINGLE_QUOTED.finditer(caption):
        if _chinese_around(caption, m):
            head = caption[:m.start()]
            inner = head.count("“") > head.count("”") or head.count('"') % 2 == 1
            yield _finding("punct.quote", "中文里的引号应用弯引号（引号内再用单引号‘’）", caption,
                           m.start(), m.end(), f"‘{m.group(1)}’" if inner else f"“{m.group(1)}”")


def _chinese_around(caption: str, m: re.Match[str]) -> bool:
    return bool(HAN_RE.search(m.group(1)) or HAN_RE.match(caption[m.start() - 1:m.start()])
                or HAN_RE.match(caption[m.end():m.end() + 1]))


# Each family of paired marks: outer pair, inner pair. Levels alternate (GB/T 15834 4.5, 4.9).
PAIR_FAMILIES = (("《》", "〈〉", "书名号"), ("“”", "‘’", "引号"))


def paired_marks(caption: str) -> Iterator[Finding]:
    """书名号 and 引号: 〈〉 only inside 《》, ‘’ only inside “”; every mark closed."""
    for outer, inner, name in PAIR_FAMILIES:
        openers, closers = outer[0] + inner[0], outer[1] + inner[1]
        stack: list[int] = []
        for i, char in enumerate(caption):
            if char in openers:
                stack.append(i)
            elif char in closers:
                if not stack:
                    yield _finding("punct.unbalanced", f"{name}“{char}”前面缺少对应的前半个", caption,
                                   i, i + 1, None)
                    continue
                start = stack.pop()
                want = inner if len(stack) % 2 else outer
                if caption[start] != want[0] or char != want[1]:
                    level = "内层" if len(stack) % 2 else "外层"
                    yield _finding("punct.nesting", f"{name}的{level}应用“{want}”", caption, start, i + 1,
                                   want[0] + caption[start + 1:i] + want[1])
        for start in stack:
            yield _finding("punct.unbalanced", f"{name}“{caption[start]}”没有对应的后半个", caption,
                           start, start + 1, None)


SERIAL_DUNHAO = re.compile("(?<=[》”])、(?=[《“])")


def dunhao_between_groups(caption: str) -> Iterator[Finding]:
    """《史记》、《汉书》: marks already separate the titles, so no 顿号 between them (GB/T 15834 5.1.6)."""
    for m in SERIAL_DUNHAO.finditer(caption):
        yield _finding("punct.dunhao", "并列的书名号或引号之间不用顿号", caption, m.start() - 1, m.end() + 1,
                       caption[m.start() - 1] + caption[m.end()])


ELLIPSIS = re.compile(r"\.{3,}|。{3,}|[·・]{3,}|(?<!…)(?:…|…{3}|…{5,})(?!…)")


def ellipsis(caption: str) -> Iterator[Finding]:
    """The 省略号 is six dots in two characters: …… (twelve, ……………, may close a paragraph)."""
    if not HAN_RE.search(caption):
        return
    for m in ELLIPSIS.finditer(caption):
        yield _finding("punct.ellipsis", "省略号应为“……”（两个“…”）", caption, m.start(), m.end(), "……")


DASH = re.compile(f"(?<=[{HAN}])[{SPACE}]*(?:-{{1,3}}|–{{1,2}}|－{{1,2}}|(?<!—)—(?!—))[{SPACE}]*(?=[{HAN}])")


def dash(caption: str) -> Iterator[Finding]:
    """A dash between Chinese words is the 破折号 ——, two characters long."""
    for m in DASH.finditer(caption):
        yield _finding("punct.dash", "中文破折号应为“——”", caption, m.start(), m.end(), "——")


DOUBLED = re.compile(r"([，、；：？！])\1+|(?<!。)。。(?!。)")


def doubled_punctuation(caption: str) -> Iterator[Finding]:
    """The same mark twice (，， 。。 ！！); …… and —— are single marks and not counted."""
    for m in DOUBLED.finditer(caption):
        yield _finding("punct.doubled", f"标点“{m.group(0)[0]}”重复", caption, m.start(), m.end(),
                       m.group(0)[0])


SPACES = re.compile(f"(?<=[{HAN}{CJK_PUNCT}])[{SPACE}]+(?=[{HAN}{CJK_PUNCT}])")


def spaces_in_chinese(caption: str) -> Iterator[Finding]:
    """No space between Chinese characters, or between them and Chinese punctuation."""
    for m in SPACES.finditer(caption):
        yield _finding("space.chinese", "汉字和中文标点之间不应有空格", caption, m.start(), m.end(), "")


# --- numbers (GB/T 15835-2011) --------------------------------------------------------------

YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)(年?)\s*(?:[-–－~～〜]|—{2,})\s*((?:19|20)\d\d)(?=年)")


def year_range(caption: str) -> Iterator[Finding]:
    """2019-2021年 → 2019—2021年: a span of years takes the 一字线 “—” (GB/T 15834 4.13.3)."""
    for m in YEAR_RANGE.finditer(caption):
        yield _finding("num.year_range", "年份起止用一字线“—”连接，如“2019—2021年”", caption,
                       m.start(), m.end(), f"{m.group(1)}{m.group(2)}—{m.group(3)}")


NUMBER = r"\d+(?:\.\d+)?"
RANGE_UNIT = re.compile(
    f"(?<![\\d.])({NUMBER})(%|％|万|亿)?[{SPACE}]*([-–－~～〜]|—{{1,2}})[{SPACE}]*({NUMBER})(%|％|万|亿)")


def range_units(caption: str) -> Iterator[Finding]:
    """15～30% → 15%～30%, 9～16亿 → 9亿～16亿: both ends carry % or 万/亿, joined by ～ (GB/T 15835 4.5)."""
    for m in RANGE_UNIT.finditer(caption):
        low, low_unit, joiner, high, unit = m.groups()
        if low_unit == unit and joiner == "～":
            continue
        yield _finding("num.range_unit", f"数值范围两端都要写“{unit}”，中间用浪纹线“～”", caption,
                       m.start(), m.end(), f"{low}{unit}～{high}{unit}")


# A two-digit year is only taken for one where the words say a date: 19年10月, 于19年, 19年底.
SHORT_YEAR = re.compile(
    r"(?<![\d.])(\d\d)年(?=\d{1,2}月)"
    r"|(?:^|(?<=[于在从自至到，、（]))(\d\d)年(?=[底初末]|[^\d来间前后里内多代级度中时半]|$)")


def two_digit_year(caption: str, today: date | None = None) -> Iterator[Finding]:
    """19年 → 2019年: a year is written in full (GB/T 15835 5.2.2); the century is a guess to check."""
    this_year = (today or date.today()).year
    for m in SHORT_YEAR.finditer(caption):
        digits = m.group(1) or m.group(2)
        full = 2000 + int(digits) if 2000 + int(digits) <= this_year else 1900 + int(digits)
        yield _finding("num.short_year", f"年份应写全，不能简写为“{digits}年”（请核实是否为{full}年）",
                       caption, m.start(), m.end(), f"{full}年")


MIXED_MAGNITUDE = re.compile(f"(?<![\\d.])({NUMBER})([千百])(?![米克瓦伏卡焦字帕赫]|分之)")


def mixed_magnitude(caption: str) -> Iterator[Finding]:
    """3千人 → 3000人: 千 and 百 are not mixed with Arabic digits (万 and 亿 may be, GB/T 15835 5.1.3);
    3千米, 5千克, 2千瓦 are units and stay."""
    for m in MIXED_MAGNITUDE.finditer(caption):
        value = f"{(Decimal(m.group(1)) * (1000 if m.group(2) == '千' else 100)).normalize():f}"
        yield _finding("num.magnitude", f"阿拉伯数字不与“{m.group(2)}”连用，应写作 {value}", caption,
                       m.start(), m.end(), value)


FULLWIDTH_DIGITS = re.compile("[０-９]+(?:[．.][０-９]+)?")
TO_HALF = str.maketrans("０１２３４５６７８９．", "0123456789.")


def fullwidth_digits(caption: str) -> Iterator[Finding]:
    """Arabic digits are half-width (GB/T 15835 4.1.1)."""
    for m in FULLWIDTH_DIGITS.finditer(caption):
        yield _finding("num.fullwidth", "阿拉伯数字应用半角", caption, m.start(), m.end(),
                       m.group(0).translate(TO_HALF))


CHINESE_DIGITS = "〇零一二三四五六七八九"
CHINESE_YEAR = re.compile(f"(?<![{CHINESE_DIGITS}十百千万亿])[一二][{CHINESE_DIGITS}]{{3}}(?![{CHINESE_DIGITS}十百千万亿])")


def chinese_year_zero(caption: str) -> Iterator[Finding]:
    """二零一九 → 二〇一九: as a digit in a year, zero is written 〇 (GB/T 15835 5.1.2)."""
    for m in CHINESE_YEAR.finditer(caption):
        if "零" in m.group(0):
            yield _finding("num.year_zero", "年份中的“零”应写作“〇”", caption, m.start(), m.end(),
                           m.group(0).replace("零", "〇"))


RULES: tuple[Callable[[str], Iterator[Finding]], ...] = (
    halfwidth_punctuation, straight_quotes, paired_marks, dunhao_between_groups, ellipsis, dash,
    doubled_punctuation, spaces_in_chinese, year_range, range_units, two_digit_year,
    mixed_magnitude, fullwidth_digits, chinese_year_zero,
)
RULE_NAMES = {
    "punct.halfwidth": "半角标点", "punct.quote": "直引号", "punct.nesting": "标点嵌套",
    "punct.unbalanced": "标点不成对", "punct.dunhao": "多余顿号", "punct.ellipsis": "省略号",
    "punct.dash": "破折号", "punct.doubled": "标点重复", "space.chinese": "多余空格",
    "num.year_range": "年份起止", "num.range_unit": "数值范围", "num.short_year": "年份简写",
    "num.magnitude": "数字与千百连用", "num.fullwidth": "全角数字", "num.year_zero": "年份中的零",
}


def proofread(caption: str) -> list[Finding]:
    """Every finding in ``caption``, in reading order; one finding per rule and span."""
    found = {(f.rule, f.start, f.end): f for rule in RULES for f in rule(caption)}
    return sorted(found.values(), key=lambda f: (f.start, f.end, f.rule))


def apply_finding(caption: str, finding: Finding) -> str:
    """``caption`` with one finding's suggestion in place; refuses a finding made on other text."""
    if finding.suggestion is None:
        raise ValueError("this finding has no suggestion")
    if caption[finding.start:finding.end] != finding.text:
        raise ValueError("the caption changed since the finding was made")
    return caption[:finding.start] + finding.suggestion + caption[finding.end:]


def apply_findings(caption: str, findings: list[Finding]) -> str:
    """The fixable findings that do not overlap an earlier one, applied together."""
    chosen: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, f.end)):
        if finding.fixable and (not chosen or finding.start >= chosen[-1].end):
            chosen.append(finding)
    for finding in reversed(chosen):
        caption = apply_finding(caption, finding)
    return caption


def apply_all(caption: str, passes: int = 5) -> str:
    """Apply every suggestion; overlapping ones (a quote pair around a wrong comma) take more than
    one pass, so repeat until nothing fixable is left."""
    for _ in range(passes):
        fixed = apply_findings(caption, proofread(caption))
        if fixed == caption:
            break
        caption = fixed
    return caption
