"""Name consistency: the same photographer, unit or place spelled several ways, grouped.

Two spellings are one name when they agree after these steps (the heuristics, in order):
1. full-width letters and digits become half-width (ＡＢ１ → AB1), Latin letters lower case;
2. every space goes (张 三, 昭觉县 支尔莫乡, a full-width space);
3. an autonomous prefecture or county is shortened to its common form: the first characters, up
   to the nationality names ending in 族, then 州/县/旗 (凉山彝族自治州 → 凉山州, 峨边彝族自治县 →
   峨边县, 阿坝藏族羌族自治州 → 阿坝州). Both forms are in use; the long one is the official name.

The suggestion is a spelling already used: a tidy one (no stray space, no full-width digit)
before an untidy one, the official long form before a short one, then the most frequent, then
the longer. When no variant is tidy, the tidied most frequent one is suggested.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
AUTONOMOUS = re.compile(f"([{HAN}]{{2,}}?)(?:[{HAN}]{{1,3}}族)+自治([州县旗])")
SPACES = re.compile(r"\s+")
HAN_SPACE = re.compile(f"(?<=[{HAN}])\\s+|\\s+(?=[{HAN}])")
FULLWIDTH_ALNUM = re.compile("[０-９Ａ-Ｚａ-ｚ]")


@dataclass(frozen=True)
class NameGroup:
    """Spellings taken for one name, most used first, and the one to use."""

    key: str
    suggestion: str
    variants: tuple[tuple[str, int], ...]  # (spelling, how many photos use it)


def tidy(name: str) -> str:
    """Half-width letters and digits, one space between Latin words, none beside Chinese."""
    name = FULLWIDTH_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), name)
    name = SPACES.sub(" ", name.replace("\u3000", " ")).strip()
    return HAN_SPACE.sub("", name)


def short_form(name: str) -> str:
    """凉山彝族自治州昭觉县 → 凉山州昭觉县 (heuristic 3 above)."""
    return AUTONOMOUS.sub(r"\1\2", name)


def name_key(name: str) -> str:
    """What two spellings of one name have in common."""
    folded = unicodedata.normalize("NFKC", name).lower()
    return short_form(SPACES.sub("", folded))


def group_names(names: Iterable[str]) -> list[NameGroup]:
    """Groups of two or more spellings of one name (blank names skipped), by key."""
    counts = Counter(name for name in names if name.strip())
    by_key: dict[str, Counter[str]] = {}
    for name, count in counts.items():
        by_key.setdefault(name_key(name), Counter())[name] = count
    groups = []
    for key, spellings in sorted(by_key.items()):
        if len(spellings) < 2:
            continue
        ranked = sorted(spellings.items(), key=lambda item: (-item[1], item[0]))
        groups.append(NameGroup(key, _suggest(spellings), tuple(ranked)))
    return groups


def _suggest(spellings: Counter[str]) -> str:
    def rank(name: str) -> tuple[bool, bool, int, int]:
        return (tidy(name) == name, short_form(name) != name, spellings[name], len(name))

    best = max(sorted(spellings), key=rank)
    return best if tidy(best) == best else tidy(best)
