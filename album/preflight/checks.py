"""Preflight: what a printing house would reject, found before they see it.

Reads the Book (placed sizes, crops, text frames), a database-free ``PreflightInput`` about the
photos, optionally the writer's ``RenderReport`` (text that had to shrink or did not fit) and the
written PDF (colour, fonts, boxes, PDF/X-4). Messages are Chinese: editors read them.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from album.colophon import isbn_problem
from album.layout.book import Book, PhotoFrame
from album.layout.stats import WHITE_LIMIT, page_coverage
from album.map_approval import map_problem
from album.messages import REVIEW_STATE_NAMES, SEVERITY_NAMES
from album.phash import dhash_image
from album.preflight.pdf import scan_pdf
from album.print_spec import GUTTER_ZONE_MM, PPI_ERROR, PPI_WARNING, SAFE_MM
from album.proofread.rules import proofread
from album.store import atomic_write_bytes

Severity = Literal["error", "warning", "info"]
TOLERANCE_MM = 0.01
ROLE_LABELS = {"text": "正文", "caption": "图片说明", "folio": "页码", "running-head": "书眉",
               "title": "标题", "toc": "目录", "index": "索引"}
# TextIssue kinds: overflowing text or a missing glyph prints wrong; shrunk type is a judgement.
TEXT_ISSUES: dict[str, tuple[Severity, str]] = {
    "overflow": ("error", "text-overflow"),
    "missing-glyph": ("error", "missing-glyph"),
    "shrunk": ("warning", "text-shrunk"),
}


@dataclass(frozen=True)
class PreflightPhoto:
    """One photo of the album's chapters, any review state. Pixel sizes are upright."""

    id: int
    width_px: int
    height_px: int
    sha256: str
    status: str = "accepted"  # submitted / accepted / rejected
    caption: str = ""
    photographer: str = ""
    unit: str = ""
    focal_x: float = 0.5  # what cropping keeps in view, as fractions of the upright size
    focal_y: float = 0.5
    path: Path | None = None  # the original, to compute the perceptual hash
    dhash: int | None = None  # precomputed 64-bit difference hash, wins over ``path``
    has_map: bool = False  # 含地图: needs a 审图号, a 标准地图 source or an exemption
    map_basis: str = ""
    map_reference: str = ""


@dataclass
class PreflightInput:
    photos: dict[int, PreflightPhoto] = field(default_factory=dict)
    ppi_warning: float = PPI_WARNING
    ppi_error: float = PPI_ERROR
    safe_mm: float = SAFE_MM
    near_duplicate_bits: int = 6  # dHash distance (of 64) at or below which photos look alike
    final: bool = False  # a 付印 render: what a proof may carry as a warning stops it
    isbn: str = ""  # the colophon's ISBN, as stored

    @classmethod
    def of(cls, photos: list[PreflightPhoto], **settings: Any) -> PreflightInput:
        return cls(photos={p.id: p for p in photos}, **settings)


@dataclass(frozen=True)
class PreflightItem:
    severity: Severity
    code: str
    message: str
    page: int | None = None
    photo_id: int | None = None


@dataclass
class PreflightReport:
    mode: str
    items: list[PreflightItem] = field(default_factory=list)
    pdf_path: str | None = None
    page_count: int = 0
    checked_at: str = field(default_factory=lambda: datetime.now().astimezone().isoformat(
        timespec="seconds"))

    def add(self, severity: Severity, code: str, message: str, page: int | None = None,
            photo_id: int | None = None) -> None:
        self.items.append(PreflightItem(severity, code, message, page, photo_id))

    def count(self, severity: Severity) -> int:
        return sum(1 for item in self.items if item.severity == severity)

    @property
    def has_errors(self) -> bool:
        return self.count("error") > 0

    def codes(self) -> set[str]:
        return {item.code for item in self.items}

    def summary(self) -> dict[str, Any]:
        by_code: dict[str, int] = defaultdict(int)
        for item in self.items:
            by_code[item.code] += 1
        return {"errors": self.count("error"), "warnings": self.count("warning"),
                "infos": self.count("info"), "has_errors": self.has_errors,
                "codes": dict(sorted(by_code.items())), "checked_at": self.checked_at}

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "mode": self.mode, "pdf": self.pdf_path,
                "page_count": self.page_count, "summary": self.summary(),
                "items": [asdict(item) for item in self.items]}


def run_preflight(book: Book, snapshot_info: PreflightInput, *, pdf_path: Path | None,
                  render_report: Any = None, mode: str = "print") -> PreflightReport:
    """All checks; ``mode="proof"`` skips what only a print PDF must meet (CMYK, PDF/X, boxes)."""
    report = PreflightReport(mode=mode, pdf_path=str(pdf_path) if pdf_path else None,
                             page_count=book.page_count)
    _check_photos(book, snapshot_info, report)
    _check_review_state(snapshot_info, report)
    _check_chapters(book, report)
    _check_gutter(book, snapshot_info, report)
    _check_white_space(book, report)
    _check_duplicates(book, snapshot_info, report)
    _check_text_frames(book, snapshot_info, report)
    _check_caption_proofreading(book, snapshot_info, report)
    _check_publication_data(book, snapshot_info, report)
    if render_report is not None:
        _check_text_issues(book, render_report, report)
    if pdf_path is not None:
        _check_pdf(book, Path(pdf_path), mode, report)
    order = {"error": 0, "warning": 1, "info": 2}
    report.items.sort(key=lambda i: (order[i.severity], i.page or 0, i.code))
    return report


def effective_ppi(frame: PhotoFrame, photo: PreflightPhoto) -> float:
    """Pixels of the upright original inside the crop over the placed size, the poorer axis."""
    return frame.crop.effective_ppi(photo.width_px, photo.height_px, frame.rect.width_mm, frame.rect.height_mm)


def _placements(book: Book) -> list[tuple[int, PhotoFrame]]:
    return [(page.number, f) for page in book.pages for f in page.photo_frames()]


def _check_photos(book: Book, inp: PreflightInput, report: PreflightReport) -> None:
    first_page: dict[int, int] = {}
    for number, frame in _placements(book):
        photo = inp.photos.get(frame.photo_id)
        if photo is None:
            report.add("error", "photo-unknown", f"照片 #{frame.photo_id} 不在相册资料中", number,
                       frame.photo_id)
            continue
        if frame.photo_id in first_page:
            report.add("warning", "placed-twice",
                       f"照片 #{frame.photo_id} 重复排入（首次在第 {first_page[frame.photo_id]} 页）",
                       number, frame.photo_id)
        else:
            first_page[frame.photo_id] = number
        ppi = effective_ppi(frame, photo)
        if ppi < inp.ppi_error:
            report.add("error", "low-ppi",
                       f"照片 #{photo.id} 有效分辨率仅 {ppi:.0f} ppi，低于 {inp.ppi_error:.0f} ppi，"
                       "印刷会明显模糊；请换用更大的原图或缩小版面", number, photo.id)
        elif ppi < inp.ppi_warning:
            report.add("warning", "low-ppi",
                       f"照片 #{photo.id} 有效分辨率 {ppi:.0f} ppi，低于 {inp.ppi_warning:.0f} ppi，"
                       "细节可能偏软", number, photo.id)
    for photo_id, number in first_page.items():
        photo = inp.photos[photo_id]
        if not photo.caption.strip():
            report.add("warning", "caption-missing", f"照片 #{photo_id} 缺少图片说明", number, photo_id)
        if not photo.photographer.strip():
            report.add("warning", "credit-missing", f"照片 #{photo_id} 缺少作者署名", number, photo_id)


def _check_chapters(book: Book, report: PreflightReport) -> None:
    """A chapter with no accepted photo still gets an opener and a line in the contents: an empty
    篇目 in a printed book, so it stops the print."""
    for chapter in book.chapters:
        if chapter.photo_count == 0:
            report.add("error", "empty-chapter",
                       f"第{chapter.number}篇《{chapter.title}》没有已采用的照片，书中只有篇章页和目录条目；"
                       "请采用照片、移入照片或删除该篇目", chapter.opener_page)


def _check_white_space(book: Book, report: PreflightReport) -> None:
    """A photo page whose photos leave more than WHITE_LIMIT of the margin box empty looks
    unfinished in a picture book: one small photo at the top and nothing under it. A template
    that declares its white space deliberate (a panorama band) is a designer's choice."""
    if book.margins is None:
        return
    for page in book.pages:
        if page.kind != "photo" or page.deliberate_white:
            continue
        coverage = page_coverage(page, book)
        if 1.0 - coverage > WHITE_LIMIT + 1e-9:
            report.add("warning", "white-space",
                       f"第{page.number}页照片只占版心的 {coverage:.0%}，空白 {1 - coverage:.0%}，"
                       f"超过 {WHITE_LIMIT:.0%}：可换版式、放大照片或与相邻页合并", page.number)


def _check_gutter(book: Book, inp: PreflightInput, report: PreflightReport) -> None:
    """A photo across a spread whose focal point lies within GUTTER_ZONE_MM of the fold: the face
    or the subject disappears into the binding."""
    width = book.trim_width_mm
    for verso, recto in zip(book.pages, book.pages[1:]):
        if verso.number % 2:
            continue  # a spread is an even (left) page and the odd page after it
        at_fold = {f.photo_id: f for f in verso.frames
                   if isinstance(f, PhotoFrame) and f.rect.right_mm >= width - TOLERANCE_MM}
        for frame in recto.frames:
            if not (isinstance(frame, PhotoFrame) and frame.rect.x_mm <= TOLERANCE_MM and frame.photo_id in at_fold):
                continue
            photo = inp.photos.get(frame.photo_id)
            if photo is None:
                continue
            distance = min(_distance_to_fold(at_fold[frame.photo_id], photo.focal_x, width),
                           _distance_to_fold(frame, photo.focal_x, 0.0))
            if distance < GUTTER_ZONE_MM:
                report.add("warning", "focal-in-gutter",
                           f"照片 #{photo.id} 跨页排版，焦点距装订线仅 {distance:.0f} 毫米（应不少于 "
                           f"{GUTTER_ZONE_MM:.0f} 毫米），主体会陷入书脊；请移动焦点或改用单页版式",
                           verso.number, photo.id)


def _distance_to_fold(frame: PhotoFrame, focal_x: float, fold_x: float) -> float:
    """How far from the fold the focal point lands on this half, or infinity if not on it."""
    crop = frame.crop
    if not crop.left <= focal_x <= crop.right or crop.right <= crop.left:
        return float("inf")
    x = frame.rect.x_mm + (focal_x - crop.left) / (crop.right - crop.left) * frame.rect.width_mm
    return abs(x - fold_x)


def _check_review_state(inp: PreflightInput, report: PreflightReport) -> None:
    for photo in inp.photos.values():
        if photo.status == "accepted":
            continue
        label = REVIEW_STATE_NAMES.get(photo.status, photo.status)
        severity: Severity = "info" if photo.status == "rejected" else "warning"
        report.add(severity, "not-accepted",
                   f"照片 #{photo.id} 在章节中但尚未采用（{label}），未排入画册", None, photo.id)


def photo_dhash(path: Path) -> int:
    """64-bit difference hash of the upright photo: survives resizing and recompression."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return _dhash_cached(str(resolved), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4096)
def _dhash_cached(path: str, _size: int, _mtime_ns: int) -> int:
    with Image.open(path) as im:
        im.draft("L", (64, 64))  # JPEG decodes at 1/8 scale: fast on 40 MP originals
        return dhash_image(im)


def near_duplicate_pairs(hashes: dict[int, int], max_bits: int) -> list[tuple[int, int, int]]:
    """Pairs (a, b, distance) within ``max_bits``; by pigeonhole two such hashes agree exactly on
    at least one of ``max_bits + 1`` bands, so only photos sharing a band are compared."""
    bands = max_bits + 1
    edges = [round(64 * i / bands) for i in range(bands + 1)]
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for photo_id, value in hashes.items():
        for band in range(bands):
            width = edges[band + 1] - edges[band]
            buckets[band, (value >> edges[band]) & ((1 << width) - 1)].append(photo_id)
    found: dict[tuple[int, int], int] = {}
    for members in buckets.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                key = (min(a, b), max(a, b))
                if key not in found:
                    distance = (hashes[a] ^ hashes[b]).bit_count()
                    if distance <= max_bits:
                        found[key] = distance
    return sorted((a, b, d) for (a, b), d in found.items())


def _check_duplicates(book: Book, inp: PreflightInput, report: PreflightReport) -> None:
    pages = {f.photo_id: n for n, f in reversed(_placements(book))}
    candidates = [p for p in inp.photos.values() if p.status != "rejected"]
    by_sha: dict[str, list[int]] = defaultdict(list)
    for photo in candidates:
        by_sha[photo.sha256].append(photo.id)
    for ids in by_sha.values():
        for other in sorted(ids)[1:]:
            report.add("warning", "duplicate",
                       f"照片 #{other} 与 #{min(ids)} 是同一个文件", pages.get(other), other)
    hashes: dict[int, int] = {}
    for ids in by_sha.values():  # one photo per file: copies are already reported above
        photo = inp.photos[min(ids)]
        if photo.dhash is not None:
            hashes[photo.id] = photo.dhash
        elif photo.path is not None:
            try:
                hashes[photo.id] = photo_dhash(photo.path)
            except (OSError, UnidentifiedImageError) as exc:
                report.add("info", "hash-failed", f"照片 #{photo.id} 无法比对相似度（{exc}）",
                           pages.get(photo.id), photo.id)
    for a, b, distance in near_duplicate_pairs(hashes, inp.near_duplicate_bits):
        report.add("warning", "near-duplicate",
                   f"照片 #{b} 与 #{a} 几乎相同（差异 {distance}/64），可能是同一张照片的不同版本",
                   pages.get(b), b)


def _check_publication_data(book: Book, inp: PreflightInput, report: PreflightReport) -> None:
    """What the publisher and the map-review rules require before 付印: a valid ISBN, and for
    every photo in the book flagged 含地图 a 审图号, a 标准地图 source or a stated exemption.
    A proof may still lack them (warning); a final render may not (error)."""
    severity: Severity = "error" if inp.final else "warning"
    problem = isbn_problem(inp.isbn)
    if problem:
        report.add(severity, "isbn", f"{problem}；付印前须在画册设置的版权页信息中填写出版社提供的书号")
    pages = {f.photo_id: n for n, f in reversed(_placements(book))}
    for photo_id, number in sorted(pages.items(), key=lambda item: item[1]):
        photo = inp.photos.get(photo_id)
        if photo is None:
            continue  # reported as photo-unknown
        problem = map_problem(photo.has_map, photo.map_basis, photo.map_reference)
        if problem:
            report.add(severity, "map-approval",
                       f"照片 #{photo_id} {problem}；公开出版的地图须经审核，请在照片页填写", number, photo_id)


def _check_text_frames(book: Book, inp: PreflightInput, report: PreflightReport) -> None:
    """Text beyond the trim is cut off (error); text inside the trim but nearer than the safe
    margin risks being trimmed when the guillotine wanders (warning)."""
    w, h, safe = book.trim_width_mm, book.trim_height_mm, inp.safe_mm
    for page in book.pages:
        for frame in page.text_frames():
            r = frame.rect
            gap = min(r.x_mm, r.y_mm, w - r.right_mm, h - r.bottom_mm)
            role = ROLE_LABELS.get(frame.role, frame.role)
            if gap < -TOLERANCE_MM:
                report.add("error", "text-in-bleed",
                           f"{role}文字框超出成品边界 {-gap:.1f} mm，会被裁掉", page.number)
            elif gap < safe - TOLERANCE_MM:
                report.add("warning", "text-outside-safe-zone",
                           f"{role}文字框距成品边仅 {gap:.1f} mm，应至少 {safe:g} mm",
                           page.number)


def _check_caption_proofreading(book: Book, inp: PreflightInput, report: PreflightReport) -> None:
    """GB/T 15834/15835 findings in the captions that print: warnings, since an editor may have
    meant it (album.proofread.rules); fixed on the photo page or listed by ``album proofread``."""
    pages = {f.photo_id: n for n, f in reversed(_placements(book))}
    for photo_id, page in sorted(pages.items(), key=lambda item: (item[1], item[0])):
        photo = inp.photos.get(photo_id)
        for finding in proofread(photo.caption) if photo is not None else ():
            fix = f"，建议改为“{finding.suggestion}”" if finding.suggestion else "，请人工核改"
            report.add("warning", "caption-proofread",
                       f"照片 #{photo_id} 图片说明“{finding.text}”：{finding.message}{fix}"
                       f"（{finding.rule}）", page, photo_id)


def _check_text_issues(book: Book, render_report: Any, report: PreflightReport) -> None:
    """The writer's text issues (``album.render.text.TextIssue``: kind, role, photo_ids,
    message), read by attribute so preflight needs no ReportLab import."""
    for entry in getattr(render_report, "text_issues", []) or []:
        issue = getattr(entry, "issue", entry)
        page = getattr(entry, "page", None)
        kind = str(getattr(issue, "kind", "") or "")
        role = str(getattr(issue, "role", "") or "")
        detail = str(getattr(issue, "message", "") or issue)
        message = f"{ROLE_LABELS.get(role, role)}：{detail}" if role else detail
        photo_ids = tuple(getattr(issue, "photo_ids", ()) or ())
        photo_id = photo_ids[0] if photo_ids else None
        severity, code = TEXT_ISSUES.get(kind, ("warning", "text-issue"))
        report.add(severity, code, message, page, photo_id)


def _check_pdf(book: Book, pdf_path: Path, mode: str, report: PreflightReport) -> None:
    if not pdf_path.is_file():
        report.add("error", "pdf-missing", f"找不到 PDF 文件：{pdf_path.name}")
        return
    scan = scan_pdf(pdf_path)
    for problem in scan.problems:
        if mode == "print" or problem.code in ("font-embedding", "unreadable", "encrypted"):
            report.add("error", f"pdf-{problem.code}", problem.message, problem.page)
    if mode != "print":
        return
    for image in scan.images:
        if image.colour in ("Gray", "ICC-Gray"):
            report.add("info", "pdf-image-gray", f"图像 {image.name} 为灰度，只印黑版", image.page)
        elif not image.is_cmyk:
            report.add("error", "pdf-image-not-cmyk",
                       f"图像 {image.name} 的颜色空间是 {image.colour}，印刷文件应为 CMYK", image.page)
    if scan.page_count and scan.page_count != book.page_count:
        report.add("warning", "pdf-page-count",
                   f"PDF 有 {scan.page_count} 页，排版结果为 {book.page_count} 页")
    _check_boxes(book, scan.boxes_mm, report)


def _check_boxes(book: Book, boxes: list[dict[str, list[float]]], report: PreflightReport) -> None:
    w, h, b = book.trim_width_mm, book.trim_height_mm, book.bleed_mm
    for number, page in enumerate(boxes, start=1):
        trim, bleed = page.get("trim"), page.get("bleed")
        if trim is None:
            continue  # reported by the PDF/X checker
        tw, th = trim[2] - trim[0], trim[3] - trim[1]
        if abs(tw - w) > TOLERANCE_MM or abs(th - h) > TOLERANCE_MM:
            report.add("error", "pdf-trim-size",
                       f"TrimBox 为 {tw:.2f}×{th:.2f} mm，成品尺寸应为 {w:g}×{h:g} mm", number)
        if bleed is None:
            report.add("error", "pdf-bleed-box", "缺少 BleedBox（出血框）", number)
            continue
        offsets = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
        if any(abs(o - b) > TOLERANCE_MM for o in offsets):
            shown = "、".join(f"{o:.2f}" for o in offsets)
            report.add("error", "pdf-bleed-box",
                       f"BleedBox 应比 TrimBox 每边大 {b:g} mm，实为 {shown} mm", number)


def write_report(report: PreflightReport, json_path: Path, html_path: Path) -> None:
    """Both files written atomically: JSON for programs, a self-contained HTML page for people."""
    data = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    atomic_write_bytes(Path(json_path), data.encode("utf-8"))
    atomic_write_bytes(Path(html_path), render_html(report).encode("utf-8"))


def render_html(report: PreflightReport) -> str:
    esc = html.escape
    rows = "\n".join(
        f'<tr class="{esc(i.severity)}"><td>{esc(SEVERITY_NAMES.get(i.severity, i.severity))}</td>'
        f"<td>{i.page if i.page is not None else '—'}</td>"
        f"<td>{'#' + str(i.photo_id) if i.photo_id is not None else '—'}</td>"
        f"<td>{esc(i.message)}</td><td><code>{esc(i.code)}</code></td></tr>"
        for i in report.items)
    verdict = ("有错误，须修改后才能付印" if report.has_errors
               else "没有错误，可以付印" if report.mode == "print" else "没有错误")
    kind = "印刷文件" if report.mode == "print" else "校样"
    table = (f"<table><thead><tr><th>级别</th><th>页码</th><th>照片</th><th>问题</th>"
             f"<th>代码</th></tr></thead><tbody>\n{rows}\n</tbody></table>"
             if report.items else "<p>未发现问题。</p>")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>预检报告 — {esc(kind)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", sans-serif;
       margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }}
h1 {{ font-size: 1.5rem; }} .meta {{ color: #666; }}
.verdict {{ font-weight: bold; padding: .6rem 1rem; border-radius: 4px; }}
.verdict.bad {{ background: #fde8e8; color: #a11; }} .verdict.ok {{ background: #e7f6ea; color: #165c26; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; white-space: nowrap; }}
td:nth-child(-n+3) {{ white-space: nowrap; }}
tr.error td:first-child {{ color: #b00; font-weight: bold; }}
tr.warning td:first-child {{ color: #a60; }} tr.info td:first-child {{ color: #567; }}
code {{ color: #777; font-size: .85em; }}
</style></head><body>
<h1>预检报告（{esc(kind)}）</h1>
<p class="meta">文件：{esc(Path(report.pdf_path).name) if report.pdf_path else '（未检查 PDF）'}；
共 {report.page_count} 页；检查时间：{esc(report.checked_at)}</p>
<p class="verdict {'bad' if report.has_errors else 'ok'}">{esc(verdict)}：错误 {report.count('error')} 项，
警告 {report.count('warning')} 项，提示 {report.count('info')} 项</p>
{table}
</body></html>
"""
