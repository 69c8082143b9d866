"""Chinese fonts for the PDF writer: find a Song and a Hei face, make them embeddable, register them.

ReportLab embeds TrueType outlines only, while the best free CJK faces (Noto Serif/Sans CJK)
ship as CFF-based OpenType collections. So the simplified-Chinese face is picked from the
collection, subset to a fixed repertoire (all of GB 2312, the whole basic CJK block for rare
names, punctuation, Latin) and its cubic outlines are converted to quadratic TrueType ones.
The result is cached on disk, keyed by source file, mtime and repertoire version, so the
slow step runs once per machine. AR PL UMing and WenQuanYi Zen Hei already carry TrueType
outlines and are registered directly when Noto CJK is absent.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

from album.errors import ConfigError
from album.layout.book import FontRole
from album.render.halt import halt_path

# Bump when the repertoire or the conversion changes, so cached files are rebuilt.
REPERTOIRE_VERSION = 1
CACHE_ENV = "HUACE_FONT_CACHE"
DEFAULT_CACHE = Path("~/.cache/huace/fonts")
# cu2qu tolerance in font units (1000/em): far below what print can show.
MAX_CURVE_ERROR = 1.0


@dataclass(frozen=True)
class Candidate:
    """One face we know how to use: its family name and where Debian puts it."""

    family: str
    paths: tuple[str, ...]
    needs_conversion: bool  # CFF outlines that must become TrueType first


CANDIDATES: dict[FontRole, tuple[Candidate, ...]] = {
    "song": (
        Candidate("Noto Serif CJK SC", (
            "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
            "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
        ), True),
        Candidate("AR PL UMing CN", ("/usr/share/fonts/truetype/arphic/uming.ttc",), False),
    ),
    "hei": (
        Candidate("Noto Sans CJK SC", (
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        ), True),
        Candidate("WenQuanYi Zen Hei", ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",), False),
    ),
}

REGISTERED_NAMES: dict[FontRole, str] = {"song": "HuaceSong", "hei": "HuaceHei"}


@lru_cache(maxsize=1)
def repertoire() -> frozenset[int]:
    """Code points every converted face keeps: whatever real captions and names need."""
    points: set[int] = set()
    for row in range(0xA1, 0xF8):  # all of GB 2312: symbols, kana, Cyrillic, hanzi
        for cell in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    ranges = [
        (0x20, 0x7E), (0xA0, 0x17F),  # ASCII, Latin-1, Latin Extended-A (names, pinyin)
        (0x1CD, 0x1DC), (0x2010, 0x205E),  # pinyin with caron; general punctuation
        (0x2100, 0x218F), (0x2190, 0x21FF),  # letterlike (℃ №), number forms, arrows
        (0x2460, 0x24FF), (0x2E3A, 0x2E3B),  # circled numbers, two-/three-em dashes
        (0x3000, 0x303F), (0x3200, 0x32FF),  # CJK symbols and punctuation, enclosed CJK
        (0x4E00, 0x9FFF),  # the whole basic CJK block: rare characters in personal names
        (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),  # vertical/fullwidth forms
    ]
    for low, high in ranges:
        points.update(range(low, high + 1))
    points.update((0x02C7, 0x02C9, 0x02CA, 0x02CB, 0x02D9, 0x00B7, 0x2022, 0x25CB, 0x25CF))
    return frozenset(points)


@dataclass(frozen=True)
class Face:
    role: FontRole
    name: str  # the ReportLab font name
    family: str
    source: Path  # the installed font file
    subfont_index: int
    embedded_file: Path  # the TrueType file ReportLab reads (the cache file or the source)
    codepoints: frozenset[int]
    halt_name: str = ""  # its half-width punctuation face (album.render.halt), registered


@dataclass(frozen=True)
class FontSet:
    """The registered Song and Hei faces; ``name(role)`` is what ``canvas.setFont`` takes."""

    song: Face
    hei: Face

    def face(self, role: FontRole) -> Face:
        if role not in ("song", "hei"):
            raise ConfigError(f"未知的字体角色：{role}（应为 song 或 hei）")
        return self.song if role == "song" else self.hei

    def name(self, role: FontRole) -> str:
        return self.face(role).name

    @property
    def paths(self) -> dict[str, Path]:
        return {"song": self.song.embedded_file, "hei": self.hei.embedded_file}

    def canvas_options(self) -> dict[str, object]:
        """Keyword arguments for ``reportlab.pdfgen.canvas.Canvas``.

        A canvas otherwise writes ``/F1 12 Tf`` with Helvetica into every page preamble, an
        unembedded base-14 font that print preflight rejects.
        """
        return {"initialFontName": self.song.name, "initialFontSize": 10}

    def missing_glyphs(self, text: str, role: FontRole) -> set[str]:
        """Characters of ``text`` the face cannot draw (whitespace is never drawn, so skipped)."""
        have = self.face(role).codepoints
        return {ch for ch in text if not ch.isspace() and ord(ch) not in have}


_lock = threading.Lock()
_loaded: dict[Path, FontSet] = {}
_HALT: dict[str, tuple[str, frozenset[int]]] = {}  # face name → its halt face and the marks in it


def cache_root(cache_dir: Path | None = None) -> Path:
    """Explicit argument, then ``HUACE_FONT_CACHE``, then ``~/.cache/huace/fonts``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def load_fonts(cache_dir: Path | None = None) -> FontSet:
    """Find, convert (once per machine) and register both faces; memoised per process."""
    root = cache_root(cache_dir).resolve()
    with _lock:
        if root not in _loaded:
            found = {role: _find(role) for role in ("song", "hei")}
            _convert_in_parallel([f for f in found.values() if f[0].needs_conversion], root)
            _loaded[root] = FontSet(song=_load_face("song", found["song"], root),
                                    hei=_load_face("hei", found["hei"], root))
        return _loaded[root]


def _find(role: FontRole) -> tuple[Candidate, Path, int]:
    for candidate in CANDIDATES[role]:
        found = _locate(candidate)
        if found is not None:
            return candidate, found[0], found[1]
    families = "、".join(c.family for c in CANDIDATES[role])
    kind = "宋体（正文、图说）" if role == "song" else "黑体（标题）"
    raise ConfigError(
        f"找不到可用的{kind}中文字体（{families}）。"
        "请安装 Debian 软件包 fonts-noto-cjk：sudo apt-get install fonts-noto-cjk"
    )


def _convert_in_parallel(found: list[tuple[Candidate, Path, int]], cache: Path) -> None:
    """First run only: convert both CFF faces at once, each takes tens of seconds."""
    todo = [(source, index) for _, source, index in found
            if not _cache_target(source, index, cache, repertoire()).is_file()]
    workers = min(len(todo), os.cpu_count() or 1)
    if workers < 2:
        return  # one face, or one core: _load_face converts in this process
    # spawn, not fork: the web server calling this may have threads holding locks.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in [pool.submit(cached_truetype, src, idx, cache) for src, idx in todo]:
            future.result()


def _load_face(role: FontRole, found: tuple[Candidate, Path, int], cache: Path) -> Face:
    candidate, source, index = found
    if candidate.needs_conversion:
        ttf, ttf_index = cached_truetype(source, index, cache), 0
    else:
        ttf, ttf_index = source, index
    # The file is part of the name so two caches in one process (tests) never collide.
    digest = hashlib.sha1(f"{ttf}|{ttf_index}".encode()).hexdigest()[:8]
    name = f"{REGISTERED_NAMES[role]}-{digest}"
    codepoints = _register(name, ttf, ttf_index)
    _HALT[name] = (f"{name}-halt", _register(f"{name}-halt", halt_path(ttf, ttf_index, cache), 0))
    return Face(role, name, candidate.family, source, index, ttf, codepoints, f"{name}-halt")


def halt_font(font_name: str, char: str) -> str | None:
    """The registered half-width face that draws ``char`` for ``font_name``, if there is one."""
    halt = _HALT.get(font_name)
    if halt is None or ord(char) not in halt[1]:
        return None
    return halt[0]


def _register(name: str, path: Path, index: int) -> frozenset[int]:
    try:
        pdfmetrics.getFont(name)
    except KeyError:
        try:
            pdfmetrics.registerFont(RLTTFont(name, str(path), subfontIndex=index))
        except Exception as exc:  # ReportLab raises TTFError and plain errors alike
            raise ConfigError(f"字体文件无法使用：{path}（{exc}）") from exc
    font = TTFont(str(path), fontNumber=index, lazy=True) if path.suffix.lower() == ".ttc" \
        else TTFont(str(path), lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def _locate(candidate: Candidate) -> tuple[Path, int] | None:
    """The file and collection index holding ``candidate.family``, or None."""
    paths = [Path(p) for p in candidate.paths if Path(p).is_file()]
    if not paths:
        paths = _fc_list(candidate.family)
    for path in paths:
        index = _face_index(path, candidate.family)
        if index is not None:
            return path, index
    return None


def _fc_list(family: str) -> list[Path]:
    """Ask fontconfig where a family lives, for systems that keep fonts elsewhere.

    Upright text weights first: a family is often spread over Regular and Bold files.
    """
    if shutil.which("fc-list") is None:
        return []
    result = subprocess.run(
        ["fc-list", "--format", "%{file}\t%{style}\n", family], capture_output=True,
        text=True, check=False, timeout=30,
    )
    preferred = ("regular", "book", "light", "medium")
    found: dict[Path, int] = {}
    for line in result.stdout.splitlines():
        file, _, style = line.partition("\t")
        styles = style.lower().split(",")
        rank = min((preferred.index(s) for s in styles if s in preferred), default=len(preferred))
        if Path(file).is_file():
            found[Path(file)] = min(rank, found.get(Path(file), rank))
    return sorted(found, key=lambda path: (found[path], str(path)))


def _face_index(path: Path, family: str) -> int | None:
    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            fonts = TTCollection(str(path), lazy=True).fonts
        else:
            fonts = [TTFont(str(path), lazy=True)]
    except Exception:  # an unreadable file is simply not a candidate
        return None
    for index, font in enumerate(fonts):
        names = {font["name"].getDebugName(i) for i in (1, 4, 16)}
        if family in names:
            return index
    return None


def cached_truetype(source: Path, index: int, cache: Path,
                    codepoints: frozenset[int] | None = None) -> Path:
    """The TrueType version of one CFF face, built on first use and then read from ``cache``."""
    codepoints = repertoire() if codepoints is None else codepoints
    target = _cache_target(source, index, cache, codepoints)
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    font = convert_cff_face(source, index, codepoints)
    fd, tmp = tempfile.mkstemp(prefix=target.stem, suffix=".tmp", dir=cache)
    os.close(fd)
    try:
        font.save(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is shared by its users
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _cache_target(source: Path, index: int, cache: Path, codepoints: frozenset[int]) -> Path:
    stat = source.stat()
    points = hashlib.sha1(repr(sorted(codepoints)).encode()).hexdigest()
    key_text = (f"{source.resolve()}|{stat.st_mtime_ns}|{stat.st_size}|{index}|"
                f"{REPERTOIRE_VERSION}|{points}")
    key = hashlib.sha1(key_text.encode()).hexdigest()[:16]
    return cache / f"{source.stem}-{index}-{key}.ttf"


def convert_cff_face(source: Path, index: int, codepoints: frozenset[int]) -> TTFont:
    """One face of a CFF collection, cut to ``codepoints``, with quadratic TrueType outlines.

    Follows fontTools' ``Snippets/otf2ttf.py`` but redraws only the glyphs the repertoire
    maps to and leaves the others empty; the TrueType subsetter then drops them. Subsetting
    the CFF first is three times slower (it re-reads every charstring to prune hints).
    """
    font = TTFont(str(source), fontNumber=index, lazy=False)
    if "CFF " not in font:
        return _subset(font, codepoints)
    cmap = font.getBestCmap() or {}
    wanted = {".notdef"} | {cmap[cp] for cp in codepoints if cp in cmap}
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for glyph_name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        if glyph_name in wanted:
            glyph_set[glyph_name].draw(Cu2QuPen(pen, MAX_CURVE_ERROR, reverse_direction=True))
        glyf.glyphs[glyph_name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for glyph_name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[glyph_name] = (hmtx[glyph_name][0], glyph.xMin)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    font["maxp"] = maxp
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: smaller, and ReportLab needs none
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = None
    font.sfntVersion = "\x00\x01\x00\x00"
    return _subset(font, codepoints)


def _subset(font: TTFont, codepoints: frozenset[int]) -> TTFont:
    """Keep ``codepoints`` only; layout and vertical tables go, ReportLab uses neither."""
    options = ft_subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx"]
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    return font
