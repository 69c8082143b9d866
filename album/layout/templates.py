"""Load and validate the page templates in ``layouts/`` into a :class:`TemplateSet`.

Each template is one TOML file (name = file stem); ``styles.toml`` holds the named text styles
and ``book.toml`` the margins, folio, running head and book structure. Every fault raises a
:class:`LayoutError` that names the file and the field, because the people who edit these files
are not the people who wrote this code. The format is described in ``layouts/README.md``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from album.errors import LayoutError
from album.layout.book import TextStyle
from album.layout.template_model import (
    EPS,
    FLOWS,
    FOLIO_KINDS,
    KINDS,
    PHOTO_KINDS,
    PLACEHOLDERS,
    REFERENCE_TRIM_MM,
    RESERVED_NAMES,
    RUNNING_HEAD_KINDS,
    SPECIAL_FILES,
    WHITE_SPACE,
    BookRules,
    CaptionSlot,
    Frac,
    Margins,
    PageMark,
    PhotoSlot,
    Template,
    TemplateSet,
    TextSlot,
    check_text_clear_of_photos,
    check_text_geometry,
    placeholders,
    touches_trim,
)
from album.print_spec import SAFE_MM

__all__ = ["load_templates", "TemplateSet", "Template", "LayoutError"]

_MISSING = object()


class _Table:
    """One TOML table read with messages that say where a bad value sits."""

    def __init__(self, data: Any, where: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise LayoutError(f"{where}: 应为一个表（table）")
        self.data, self.where = data, where
        for key in data:
            if key not in allowed:
                raise LayoutError(f"{where}: 未知字段 “{key}”（可用：{', '.join(allowed)}）")

    def _get(self, key: str, default: Any) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise LayoutError(f"{self.where}: 缺少字段 “{key}”")
        return default

    def fail(self, key: str, problem: str) -> LayoutError:
        return LayoutError(f"{self.where}: 字段 “{key}” {problem}")

    def num(self, key: str, default: Any = _MISSING, lo: float | None = None,
            hi: float | None = None) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"应为数字，实际是 {value!r}")
        if (lo is not None and value < lo - EPS) or (hi is not None and value > hi + EPS):
            raise self.fail(key, f"应在 {lo if lo is not None else '-∞'}..{hi if hi is not None else '∞'} 之间，实际是 {value}")
        return float(value)

    def text(self, key: str, default: Any = _MISSING, choices: tuple[str, ...] = ()) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"应为字符串，实际是 {value!r}")
        if choices and value not in choices:
            raise self.fail(key, f"应为 {' | '.join(choices)} 之一，实际是 “{value}”")
        return value

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"应为 true 或 false，实际是 {value!r}")
        return value

    def names(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self._get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"应为字符串列表，实际是 {value!r}")
        return tuple(value)

    def tables(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "应写成 [[" + key + "]] 表数组")
        return value

    def frac(self) -> Frac:
        f = Frac(self.num("x", lo=0, hi=1), self.num("y", lo=0, hi=1),
                 self.num("w", lo=0, hi=1), self.num("h", lo=0, hi=1))
        if f.w <= EPS or f.h <= EPS:
            raise self.fail("w" if f.w <= EPS else "h", "须大于 0")
        if f.x + f.w > 1 + EPS:
            raise self.fail("w", f"使框超出页面（x + w = {f.x + f.w:g} > 1）")
        if f.y + f.h > 1 + EPS:
            raise self.fail("h", f"使框超出页面（y + h = {f.y + f.h:g} > 1）")
        return f

    def style(self, key: str, styles: dict[str, TextStyle], default: Any = _MISSING) -> str:
        name = self.text(key, default)
        if name not in styles:
            raise self.fail(key, f"引用了 styles.toml 中没有的样式 “{name}”")
        return name


def load_templates(directory: Path) -> TemplateSet:
    """Read every template plus ``styles.toml`` and ``book.toml``; raise on the first fault."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LayoutError(f"版式目录不存在：{directory}")
    styles = _parse_styles(_read(directory / "styles.toml"), "styles.toml")
    rules = _parse_rules(_read(directory / "book.toml"), "book.toml", styles)
    templates: dict[str, Template] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name in SPECIAL_FILES:
            continue
        if path.stem in RESERVED_NAMES:
            raise LayoutError(f"{path.name}: 模板名 “{path.stem}” 是保留字，请改文件名")
        template = _parse_template(_read(path), path, styles)
        check_text_geometry(template, *REFERENCE_TRIM_MM, rules)
        check_text_clear_of_photos(template, *REFERENCE_TRIM_MM, rules.margins)
        templates[template.name] = template
    _check_references(templates, rules)
    return TemplateSet(templates=templates, styles=styles, rules=rules)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise LayoutError(f"缺少版式文件：{path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LayoutError(f"{path.name}: 不是有效的 TOML（{exc}）") from exc


def _parse_styles(data: dict[str, Any], where: str) -> dict[str, TextStyle]:
    styles: dict[str, TextStyle] = {}
    for name, body in data.items():
        t = _Table(body, f"{where}: [{name}]",
                   ("font", "size_pt", "leading", "align", "min_size_pt", "gray", "rule_below_pt"))
        size = t.num("size_pt", lo=3, hi=200)
        min_size = t.num("min_size_pt", None, lo=3, hi=size) if "min_size_pt" in body else None
        styles[name] = TextStyle(
            name=name, font=t.text("font", "song", ("song", "hei")),  # type: ignore[arg-type]
            size_pt=size, leading=t.num("leading", 1.5, lo=1.0, hi=4.0),
            align=t.text("align", "justify", ("left", "center", "right", "justify")),  # type: ignore[arg-type]
            min_size_pt=min_size, gray=t.num("gray", 1.0, lo=0.0, hi=1.0),
            rule_below_pt=t.num("rule_below_pt", 0.0, lo=0.0, hi=3.0))
    for required in ("caption", "credit"):
        if required not in styles:
            raise LayoutError(f"{where}: 缺少图注必需的样式 [{required}]")
    return styles


def _parse_rules(data: dict[str, Any], where: str, styles: dict[str, TextStyle]) -> BookRules:
    t = _Table(data, where, ("safe_mm", "front_matter", "back_matter", "opener", "fallback",
                             "photo_openers", "margins", "folio", "running_head"))
    safe = t.num("safe_mm", SAFE_MM, lo=0)
    m = _Table(t._get("margins", _MISSING), f"{where}: [margins]",
               ("top", "bottom", "inner", "outer"))
    margins = Margins(*(m.num(k, lo=safe, hi=100) for k in ("top", "bottom", "inner", "outer")))
    marks = []
    for key in ("folio", "running_head"):
        allowed = ("offset_mm", "height_mm", "style_verso", "style_recto")
        if key == "running_head":
            allowed += ("text_verso", "text_recto")
        mt = _Table(t._get(key, _MISSING), f"{where}: [{key}]", allowed)
        mark = PageMark(
            offset_mm=mt.num("offset_mm", lo=safe, hi=100), height_mm=mt.num("height_mm", lo=1, hi=50),
            style_verso=mt.style("style_verso", styles), style_recto=mt.style("style_recto", styles),
            text_verso=mt.text("text_verso", ""), text_recto=mt.text("text_recto", ""))
        for field_name in ("text_verso", "text_recto"):
            _check_placeholders(mt, field_name, getattr(mark, field_name))
        marks.append(mark)
    return BookRules(
        margins=margins, safe_mm=safe, folio=marks[0], running_head=marks[1],
        front_matter=t.names("front_matter", ("title", "copyright", "preface", "toc")),
        back_matter=t.names("back_matter", ("index", "afterword")),
        opener=t.text("opener", "opener"), fallback=t.text("fallback", "single-caption"),
        photo_openers=t.names("photo_openers", []))


def _check_placeholders(t: _Table, key: str, text: str) -> None:
    for name in placeholders(text):
        if name not in PLACEHOLDERS:
            raise t.fail(key, f"用了未知的占位符 {{{name}}}（可用：{', '.join(PLACEHOLDERS)}）")


def _parse_template(data: dict[str, Any], path: Path, styles: dict[str, TextStyle]) -> Template:
    where = path.name
    t = _Table(data, where, ("kind", "description", "cost", "folio", "running_head", "recto",
                             "mirror", "toc_title", "family", "white_space", "photo", "caption", "text"))
    kind = t.text("kind", choices=KINDS)
    photos = tuple(_parse_photo(body, f"{where}: [[photo]] #{i + 1}")
                   for i, body in enumerate(t.tables("photo")))
    names = [p.name for p in photos]
    if len(set(names)) != len(names):
        raise t.fail("photo", "中的 name 有重复")
    if kind in PHOTO_KINDS and not photos:
        raise t.fail("photo", f"缺失：{kind} 类模板至少要有一个 [[photo]] 照片位")
    if kind not in PHOTO_KINDS + ("opener",) and photos:
        raise t.fail("photo", f"{kind} 类模板不能有照片位")
    captions = tuple(_parse_caption(body, f"{where}: [[caption]] #{i + 1}", photos, styles)
                     for i, body in enumerate(t.tables("caption")))
    texts = tuple(_parse_text(body, f"{where}: [[text]] #{i + 1}", styles)
                  for i, body in enumerate(t.tables("text")))
    if sum(1 for x in texts if x.flow) > 1:
        raise t.fail("text", "中最多只能有一个 flow 文字框")
    if t.text("family", "") in RESERVED_NAMES:
        raise t.fail("family", f"不能用保留名（{'、'.join(RESERVED_NAMES)}）")
    return Template(
        name=path.stem, kind=kind, source=path, photos=photos, captions=captions, texts=texts,
        cost=t.num("cost", 1.0, lo=0, hi=100), folio=t.flag("folio", kind in FOLIO_KINDS),
        running_head=t.flag("running_head", kind in RUNNING_HEAD_KINDS),
        recto=t.flag("recto", kind in ("title", "half-title", "preface", "toc", "opener", "index",
                                        "afterword")),
        mirror=t.flag("mirror", False), toc_title=t.text("toc_title", ""),
        description=t.text("description", ""), family=t.text("family", "") or path.stem,
        deliberate_white=t.text("white_space", "filled", choices=WHITE_SPACE) == "deliberate")


def _parse_photo(body: Any, where: str) -> PhotoSlot:
    t = _Table(body, where, ("name", "area", "x", "y", "w", "h", "min_aspect", "max_aspect",
                             "fit", "bleed"))
    area = t.text("area", "margin", ("margin", "trim"))
    frac = t.frac()
    fit = t.text("fit", "fill", ("fill", "contain"))
    any_aspect = _MISSING if fit == "fill" else None
    lo, hi = t._get("min_aspect", any_aspect), t._get("max_aspect", any_aspect)
    lo = 0.01 if lo is None else t.num("min_aspect", lo=0.05, hi=20)
    hi = 100.0 if hi is None else t.num("max_aspect", lo=0.05, hi=20)
    if hi < lo:
        raise t.fail("max_aspect", f"小于 min_aspect（{hi:g} < {lo:g}）")
    bleed = t.flag("bleed", False)
    if bleed and (area != "trim" or not touches_trim(frac)):
        raise t.fail("bleed", "为 true，但框没有碰到裁切边（出血框须 area = \"trim\" 且贴边）")
    return PhotoSlot(name=t.text("name"), area=area, frac=frac, min_aspect=lo, max_aspect=hi,
                     fit=fit, bleed=bleed)


def _parse_caption(body: Any, where: str, photos: tuple[PhotoSlot, ...],
                   styles: dict[str, TextStyle]) -> CaptionSlot:
    t = _Table(body, where, ("photo", "area", "x", "y", "w", "h", "style", "credit_style",
                             "attach", "gap_mm", "valign"))
    photo = t.text("photo")
    slot = next((p for p in photos if p.name == photo), None)
    if slot is None:
        raise t.fail("photo", f"指向不存在的照片位 “{photo}”")
    attach = t.flag("attach", False)
    if attach and slot.fit != "contain":
        raise t.fail("attach", "只能用于 fit = \"contain\" 的照片位")
    return CaptionSlot(
        photo=photo, area=t.text("area", "margin", ("margin", "trim")), frac=t.frac(),
        style=t.style("style", styles, "caption"), credit_style=t.style("credit_style", styles, "credit"),
        attach=attach, gap_mm=t.num("gap_mm", 2.0, lo=0, hi=50),
        valign=t.text("valign", "top", ("top", "middle", "bottom")))


def _parse_text(body: Any, where: str, styles: dict[str, TextStyle]) -> TextSlot:
    t = _Table(body, where, ("name", "area", "x", "y", "w", "h", "style", "text", "flow",
                             "entry", "first_only", "valign", "role"))
    text = t.text("text") if "text" in body else None
    flow = t.text("flow", choices=FLOWS) if "flow" in body else None
    if (text is None) == (flow is None):
        raise t.fail("text", "与 “flow” 须二选一（固定文字用 text，长文用 flow）")
    for key, value in (("text", text or ""), ("entry", t.text("entry", ""))):
        _check_placeholders(t, key, value)
    default_role = {"toc": "toc", "index": "index"}.get(flow or "", "text")
    return TextSlot(
        name=t.text("name"), area=t.text("area", "margin", ("margin", "trim")), frac=t.frac(),
        style=t.style("style", styles), text=text, flow=flow,
        entry=t.text("entry", "{chapter_title}"), first_only=t.flag("first_only", False),
        valign=t.text("valign", "top", ("top", "middle", "bottom")), role=t.text("role", default_role))


def _check_references(templates: dict[str, Template], rules: BookRules) -> None:
    where = "book.toml"
    for field_name, names in (("front_matter", rules.front_matter),
                              ("back_matter", rules.back_matter),
                              ("opener", (rules.opener,)), ("fallback", (rules.fallback,)),
                              ("photo_openers", rules.photo_openers)):
        for name in names:
            if name not in templates:
                raise LayoutError(f"{where}: 字段 “{field_name}” 引用了不存在的模板 “{name}”")
    if templates[rules.opener].kind != "opener" or templates[rules.opener].photos:
        raise LayoutError(f"{where}: 字段 “opener” 的模板 “{rules.opener}” 须是不带照片位的 opener 类"
                          "（没有合适照片的篇章都用它）")
    for name in rules.photo_openers:
        t = templates[name]
        if t.kind != "opener" or len(t.photos) != 1 or t.photos[0].fit != "fill":
            raise LayoutError(f"{where}: 字段 “photo_openers” 的模板 “{name}” 须是 opener 类、"
                              "恰有一个 fit = \"fill\" 的照片位")
    fb = templates[rules.fallback]
    if fb.kind != "photo" or len(fb.photos) != 1 or fb.photos[0].fit != "contain":
        raise LayoutError(f"{where}: 字段 “fallback” 的模板 “{rules.fallback}” 须是单图、"
                          "fit = \"contain\" 的照片页（它要接受任何比例）")
