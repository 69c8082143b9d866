"""Checks on a written PDF: the PDF/X-4 rules (ISO 15930-7 as checkers apply them) and what the
print preflight wants to know about each page (image colour spaces, boxes against the trim).

No free PDF/X validator exists, so this reads the file with pikepdf and walks every page's
content, resources, form XObjects, patterns and soft masks once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name
from pikepdf.models.metadata import decode_pdf_date

from album.icc import parse_icc
from album.print_spec import PDFX_VERSION
from album.units import pt_to_mm

XMP_REQUIRED = (
    "pdfxid:GTS_PDFXVersion", "xmpMM:DocumentID", "xmpMM:VersionID", "xmpMM:RenditionClass",
    "xmp:CreateDate", "xmp:ModifyDate", "dc:title", "pdf:Trapped",
)
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class PdfProblem:
    code: str
    message: str
    page: int | None = None

    def text(self) -> str:
        where = f"第 {self.page} 页：" if self.page else ""
        return f"[{self.code}] {where}{self.message}"


@dataclass(frozen=True)
class ImageUse:
    page: int
    name: str
    colour: str  # "CMYK", "RGB", "Gray", "Lab", "ICC-CMYK", ... as found
    width_px: int
    height_px: int

    @property
    def is_cmyk(self) -> bool:
        return self.colour in ("CMYK", "ICC-CMYK")


@dataclass
class PdfScan:
    problems: list[PdfProblem] = field(default_factory=list)
    images: list[ImageUse] = field(default_factory=list)
    boxes_mm: list[dict[str, list[float]]] = field(default_factory=list)  # per page, in mm
    page_count: int = 0


def validate_pdfx(pdf_path: Path) -> list[str]:
    """PDF/X-4 problems in ``pdf_path`` as readable lines, ``[]`` when it conforms.

    No free validator exists for PDF/X, so this is the project's own checker; each line starts
    with a ``[code]``.
    """
    return [problem.text() for problem in check_pdfx(Path(pdf_path))]


def check_pdfx(pdf_path: Path) -> list[PdfProblem]:
    return scan_pdf(pdf_path).problems


def scan_pdf(pdf_path: Path) -> PdfScan:
    """Open ``pdf_path`` once and collect PDF/X problems, placed images and page boxes."""
    scan = PdfScan()
    try:
        pdf = pikepdf.open(pdf_path)
    except pikepdf.PasswordError:
        scan.problems.append(PdfProblem("encrypted", "PDF 已加密（PDF/X 不允许加密）"))
        return scan
    except pikepdf.PdfError as exc:
        scan.problems.append(PdfProblem("unreadable", f"无法读取 PDF：{exc}"))
        return scan
    with pdf:
        _check_document(pdf, scan.problems)
        walker = _Walker(scan)
        for number, page in enumerate(pdf.pages, start=1):
            scan.boxes_mm.append(_check_page_boxes(page.obj, number, scan.problems))
            walker.page(page, number)
        scan.page_count = len(pdf.pages)
    return scan


def _check_document(pdf: pikepdf.Pdf, problems: list[PdfProblem]) -> None:
    add = lambda code, msg: problems.append(PdfProblem(code, msg))  # noqa: E731
    if pdf.is_encrypted:
        add("encrypted", "PDF 已加密（PDF/X 不允许加密）")
    if tuple(int(p) for p in pdf.pdf_version.split(".")) > (1, 6):
        add("pdf-version", f"文件头版本 {pdf.pdf_version} 高于 PDF/X-4 允许的 1.6")
    ids = pdf.trailer.get("/ID")
    if ids is None or len(ids) != 2:
        add("trailer-id", "文件尾缺少 /ID")
    root = pdf.Root
    for key, what in (("/OpenAction", "打开动作"), ("/AA", "附加动作"), ("/AcroForm", "交互表单")):
        if key in root:
            add("interactive", f"文档含有{what}（{key}）")
    if "/Names" in root and "/JavaScript" in root.Names:
        add("javascript", "文档含有 JavaScript")
    _check_output_intent(root, add)
    _check_metadata(pdf, add)


def _check_output_intent(root: pikepdf.Object, add) -> None:
    intents = [oi for oi in (root.get("/OutputIntents") or []) if oi.get("/S") == Name.GTS_PDFX]
    if len(intents) != 1:
        add("output-intent", f"应有且仅有一个 /GTS_PDFX 输出意图，实有 {len(intents)} 个")
        return
    intent = intents[0]
    identifier = str(intent.get("/OutputConditionIdentifier", "")).strip()
    if not identifier:
        add("output-intent", "输出意图缺少 OutputConditionIdentifier")
    if not str(intent.get("/OutputCondition", "")).strip():
        add("output-intent", "输出意图缺少 OutputCondition")
    if identifier == "Custom" and not str(intent.get("/Info", "")).strip():
        add("output-intent", "OutputConditionIdentifier 为 Custom 时必须有 /Info")
    profile = intent.get("/DestOutputProfile")
    if not isinstance(profile, pikepdf.Stream):
        add("output-profile", "输出意图没有嵌入 ICC 特性文件（DestOutputProfile）")
        return
    try:
        info = parse_icc(profile.read_bytes(), "DestOutputProfile")
    except (ValueError, pikepdf.PdfError) as exc:
        add("output-profile", f"嵌入的 ICC 特性文件无效：{exc}")
        return
    declared = int(profile.get("/N", 0))
    if info.components != declared:
        add("output-profile", f"嵌入特性文件的 /N = {declared}，与其色彩空间 {info.colour_space} 不符")
    if info.device_class != "prtr":
        add("output-profile", f"嵌入特性文件不是输出设备（prtr）类，而是 {info.device_class}")


def _parse_date(value: object) -> datetime | None:
    text = str(value)
    try:
        return decode_pdf_date(text) if text.startswith("D:") else datetime.fromisoformat(text)
    except ValueError:
        return None


def _check_metadata(pdf: pikepdf.Pdf, add) -> None:
    info = pdf.docinfo
    if not str(info.get("/Title", "")).strip():
        add("info", "/Info 缺少 Title")
    trapped = info.get("/Trapped")
    if trapped not in (Name("/True"), Name("/False")):
        add("info", "/Info 的 Trapped 必须为 /True 或 /False")
    if "/GTS_PDFXVersion" in info and str(info.GTS_PDFXVersion) != PDFX_VERSION:
        add("info", f"/Info 的 GTS_PDFXVersion 为 {info.GTS_PDFXVersion}，应为 {PDFX_VERSION}")
    if "/Metadata" not in pdf.Root:
        add("xmp", "文档没有 XMP 元数据")
        return
    meta = pdf.open_metadata()
    for key in XMP_REQUIRED:
        if not str(meta.get(key) or "").strip():
            add("xmp", f"XMP 缺少 {key}")
    version = meta.get("pdfxid:GTS_PDFXVersion")
    if version and str(version) != PDFX_VERSION:
        add("xmp", f"XMP 的 GTS_PDFXVersion 为 {version}，应为 {PDFX_VERSION}")
    title = meta.get("dc:title")
    if title and str(title) != str(info.get("/Title", "")):
        add("xmp-info", "XMP 的 dc:title 与 /Info Title 不一致")
    xmp_trapped = meta.get("pdf:Trapped")
    if xmp_trapped and trapped is not None and str(xmp_trapped) != str(trapped).lstrip("/"):
        add("xmp-info", "XMP 的 pdf:Trapped 与 /Info Trapped 不一致")
    for xmp_key, info_key in (("xmp:CreateDate", "/CreationDate"), ("xmp:ModifyDate", "/ModDate")):
        xmp_value, info_value = meta.get(xmp_key), info.get(info_key)
        if info_value is None:
            add("info", f"/Info 缺少 {info_key[1:]}")
        elif xmp_value and _parse_date(xmp_value) != _parse_date(info_value):
            add("xmp-info", f"XMP 的 {xmp_key} 与 /Info {info_key[1:]} 不一致")


def _rect(value: pikepdf.Object | None) -> list[float] | None:
    if value is None:
        return None
    a, b, c, d = (float(v) for v in value)
    return [min(a, c), min(b, d), max(a, c), max(b, d)]


def _inside(outer: list[float], inner: list[float], tol: float = 0.01) -> bool:
    return all(inner[i] >= outer[i] - tol for i in (0, 1)) and all(
        inner[i] <= outer[i] + tol for i in (2, 3))


def _inherited(page: pikepdf.Object, key: str) -> pikepdf.Object | None:
    node = page
    while node is not None:
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def _check_page_boxes(page: pikepdf.Object, number: int, problems: list[PdfProblem]) -> dict:
    media = _rect(_inherited(page, "/MediaBox"))
    trim, art, bleed = _rect(page.get("/TrimBox")), _rect(page.get("/ArtBox")), _rect(page.get("/BleedBox"))
    add = lambda code, msg: problems.append(PdfProblem(code, msg, number))  # noqa: E731
    if media is None:
        add("boxes", "缺少 MediaBox")
        return {}
    if trim is None and art is None:
        add("boxes", "缺少 TrimBox（成品尺寸）")
    if trim is not None and art is not None:
        add("boxes", "同时有 TrimBox 和 ArtBox（PDF/X 只允许其一）")
    outer = bleed or _rect(_inherited(page, "/CropBox")) or media
    if bleed is not None and not _inside(media, bleed):
        add("boxes", "BleedBox 超出 MediaBox")
    if trim is not None and not _inside(outer, trim):
        add("boxes", "TrimBox 超出 BleedBox/MediaBox")
    boxes = {"media": media, "trim": trim, "bleed": bleed}
    return {k: [pt_to_mm(v) for v in box] for k, box in boxes.items() if box is not None}


def colour_family(cs: pikepdf.Object | None) -> str:
    """A short name for a PDF colour space: CMYK, RGB, Gray, ICC-CMYK, Indexed-RGB, Lab…"""
    if cs is None:
        return "none"
    if isinstance(cs, Name):
        return {"/DeviceRGB": "RGB", "/RGB": "RGB", "/DeviceCMYK": "CMYK", "/CMYK": "CMYK",
                "/DeviceGray": "Gray", "/G": "Gray", "/Pattern": "Pattern"}.get(str(cs), str(cs)[1:])
    if isinstance(cs, pikepdf.Array) and len(cs) > 0:
        kind = str(cs[0])
        if kind == "/ICCBased":
            return "ICC-" + {4: "CMYK", 3: "RGB", 1: "Gray"}.get(int(cs[1].get("/N", 0)), "?")
        if kind in ("/Indexed", "/I") and len(cs) > 1:
            return "Indexed-" + colour_family(cs[1])
        if kind in ("/Separation", "/DeviceN") and len(cs) > 2:
            return kind[1:] + "-" + colour_family(cs[2])
        if kind == "/Pattern" and len(cs) > 1:
            return "Pattern-" + colour_family(cs[1])
        return kind[1:]
    return "?"


def uses_device_rgb(cs: pikepdf.Object | None) -> bool:
    family = colour_family(cs)
    return family == "RGB" or family.endswith("-RGB") and not family.startswith("ICC")


class _Walker:
    """Visits every content stream and resource dictionary a page reaches, each object once."""

    def __init__(self, scan: PdfScan) -> None:
        self.scan = scan
        self.seen: set[tuple[int, int]] = set()

    def _first_visit(self, obj: pikepdf.Object) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in self.seen:
            return False
        self.seen.add(obj.objgen)
        return True

    def add(self, code: str, message: str, page: int) -> None:
        self.scan.problems.append(PdfProblem(code, message, page))

    def page(self, page: pikepdf.Page, number: int) -> None:
        obj = page.obj
        if "/Annots" in obj and len(obj.Annots):
            self.add("annotations", f"含有 {len(obj.Annots)} 个注释（PDF/X 打印文件不应含注释）", number)
        if "/AA" in obj:
            self.add("interactive", "页面含有附加动作（/AA）", number)
        self._group(obj.get("/Group"), number)
        self._content(page, number, "页面内容")
        self._resources(_inherited(obj, "/Resources"), number)

    def _group(self, group: pikepdf.Object | None, number: int) -> None:
        if group is not None and uses_device_rgb(group.get("/CS")):
            self.add("rgb", "透明度组使用 DeviceRGB", number)

    def _content(self, source: pikepdf.Object | pikepdf.Page, number: int, where: str) -> None:
        try:
            instructions = pikepdf.parse_content_stream(source, "rg RG cs CS INLINE IMAGE")
        except pikepdf.PdfError as exc:
            self.add("content", f"{where}无法解析：{exc}", number)
            return
        reported: set[str] = set()
        for operands, operator in instructions:
            op = str(operator)
            bad = None
            if op in ("rg", "RG"):
                bad = f"{where}使用 DeviceRGB 颜色（{op} 运算符）"
            elif op in ("cs", "CS") and operands and uses_device_rgb(operands[0]):
                bad = f"{where}选用 DeviceRGB 颜色空间（{op} 运算符）"
            elif op == "INLINE IMAGE":
                image = operands[0].obj
                cs = image.get("/CS", image.get("/ColorSpace"))
                if uses_device_rgb(cs):
                    bad = f"{where}含有 RGB 内嵌图像"
            if bad and bad not in reported:
                reported.add(bad)
                self.add("rgb", bad, number)

    def _resources(self, res: pikepdf.Object | None, number: int) -> None:
        if not isinstance(res, Dictionary) or not self._first_visit(res):
            return
        for name, cs in (res.get("/ColorSpace") or {}).items():
            if uses_device_rgb(cs):
                self.add("rgb", f"资源颜色空间 {name} 使用 DeviceRGB", number)
        for name, shading in (res.get("/Shading") or {}).items():
            if uses_device_rgb(shading.get("/ColorSpace")):
                self.add("rgb", f"渐变 {name} 使用 DeviceRGB", number)
        for name, pattern in (res.get("/Pattern") or {}).items():
            if not self._first_visit(pattern):
                continue
            shading = pattern.get("/Shading")
            if shading is not None and uses_device_rgb(shading.get("/ColorSpace")):
                self.add("rgb", f"图案 {name} 的渐变使用 DeviceRGB", number)
            if isinstance(pattern, pikepdf.Stream):
                self._content(pattern, number, f"图案 {name} ")
                self._resources(pattern.get("/Resources"), number)
        for gs in (res.get("/ExtGState") or {}).values():
            self._ext_gstate(gs, number)
        for name, font in (res.get("/Font") or {}).items():
            self._font(name, font, number)
        for name, xobj in (res.get("/XObject") or {}).items():
            self._xobject(str(name), xobj, number)

    def _ext_gstate(self, gs: pikepdf.Object, number: int) -> None:
        if not self._first_visit(gs):
            return
        if "/TR" in gs or ("/TR2" in gs and gs.TR2 != Name.Default):
            self.add("transfer", "图形状态含有传递函数（/TR）", number)
        smask = gs.get("/SMask")
        if isinstance(smask, Dictionary) and isinstance(smask.get("/G"), pikepdf.Stream):
            self._xobject("SMask", smask.G, number)

    def _font(self, name: object, font: pikepdf.Object, number: int) -> None:
        if not self._first_visit(font) or font.get("/Subtype") == Name.Type3:
            return
        target = font
        if font.get("/Subtype") == Name.Type0 and font.get("/DescendantFonts"):
            target = font.DescendantFonts[0]
        descriptor = target.get("/FontDescriptor")
        if descriptor is None or not any(key in descriptor for key in FONT_FILES):
            base = str(font.get("/BaseFont", name)).lstrip("/")
            self.add("font-embedding", f"字体 {base} 未嵌入", number)

    def _xobject(self, name: str, xobj: pikepdf.Object, number: int) -> None:
        if not isinstance(xobj, pikepdf.Stream) or not self._first_visit(xobj):
            return
        subtype = xobj.get("/Subtype")
        if subtype == Name.PS or xobj.get("/Subtype2") == Name.PS:
            self.add("postscript", f"含有 PostScript XObject {name}", number)
        elif subtype == Name.Image:
            if xobj.get("/ImageMask", False):
                return
            cs = xobj.get("/ColorSpace")
            family = "JPX" if cs is None and xobj.get("/Filter") == Name.JPXDecode else colour_family(cs)
            self.scan.images.append(ImageUse(number, name.lstrip("/"), family,
                                             int(xobj.get("/Width", 0)), int(xobj.get("/Height", 0))))
            if uses_device_rgb(cs):
                self.add("rgb", f"图像 {name.lstrip('/')} 是 DeviceRGB", number)
            smask = xobj.get("/SMask")
            if isinstance(smask, pikepdf.Stream):
                self._first_visit(smask)
        elif subtype == Name.Form:
            self._group(xobj.get("/Group"), number)
            self._content(xobj, number, f"表单 {name.lstrip('/')} ")
            self._resources(xobj.get("/Resources"), number)
