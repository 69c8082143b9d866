"""Turn a ReportLab print PDF into PDF/X-4 (ISO 15930-7) with pikepdf, and check that it is one.

ReportLab draws the pages; it knows nothing of output intents, XMP or PDF/X box rules. This
module adds what a printing house's checker looks for, in place and atomically: one
``/GTS_PDFX`` output intent embedding the CMYK output profile, XMP metadata that agrees with
/Info, a trailer /ID, header version 1.6, TrimBox/BleedBox rules, and no interactive content.

Output condition of the default profile: Ghostscript's ``default_cmyk.icc`` describes itself as
"Artifex CMYK SWOP Profile". It is Artifex's own SWOP-like characterisation, not a profile built
from the registered CGATS TR 001 data set, so naming ``CGATS TR 001`` would claim a printing
condition the profile was never certified against (a checker may then substitute the registered
data for ours). The honest declaration is ``Custom`` with /Info set to the profile's own
description, and the embedded profile is what a RIP uses. Profiles whose description matches a
well-known registered characterisation get the registered identifier (see ``REGISTERED``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name
from pikepdf.models.metadata import decode_pdf_date

from album.errors import RenderError
from album.icc import IccProfileInfo, read_icc
from album.print_spec import PDF_HEADER_VERSION, PDFX_VERSION

ICC_REGISTRY = "http://www.color.org"

# Profile description (lower-cased) → (registered OutputConditionIdentifier, OutputCondition).
REGISTERED: dict[str, tuple[str, str]] = {
    "coated fogra39 (iso 12647-2:2004)": (
        "FOGRA39", "Offset printing, according to ISO 12647-2:2004/Amd 1, paper type 1 or 2"),
    "iso coated v2 (eci)": (
        "FOGRA39", "Offset printing, according to ISO 12647-2:2004/Amd 1, paper type 1 or 2"),
    "iso coated v2 300% (eci)": (
        "FOGRA39", "Offset printing, according to ISO 12647-2:2004/Amd 1, paper type 1 or 2"),
    "pso coated v3": ("FOGRA51", "Offset printing, according to ISO 12647-2:2013, PS1"),
    "pso uncoated v3 (fogra52)": ("FOGRA52", "Offset printing, according to ISO 12647-2:2013, PS5"),
    "japan color 2001 coated": ("JC200103", "Japan Color 2001 Coated"),
    "u.s. web coated (swop) v2": ("CGATS TR 001", "SWOP (Publication) Grade 1 Paper"),
}


def output_condition(
    info: IccProfileInfo, identifier: str | None = None, condition: str | None = None
) -> tuple[str, str, str | None]:
    """(OutputConditionIdentifier, OutputCondition, registry name or None) for a profile."""
    registered = REGISTERED.get(info.description.lower())
    if identifier:
        known = identifier in {r[0] for r in REGISTERED.values()}
        return identifier, condition or info.description or identifier, ICC_REGISTRY if known else None
    if registered:
        return registered[0], condition or registered[1], ICC_REGISTRY
    return "Custom", condition or info.description or "Custom CMYK", None


def apply_pdfx(
    pdf_path: Path,
    *,
    icc_path: Path,
    title: str,
    condition_identifier: str | None = None,
    condition: str | None = None,
    trapped: bool = False,
    subject: str | None = None,
) -> None:
    """Rewrite ``pdf_path`` in place as PDF/X-4; the old file stays whole if anything fails.
    ``subject`` (the 付印 record of a released book) goes to /Subject and XMP dc:description."""
    icc_data, icc = read_icc(icc_path)  # before touching the PDF: bad config must not half-write
    pdf_path = Path(pdf_path)
    if not pdf_path.is_file():
        raise RenderError(f"找不到要转换为 PDF/X-4 的文件：{pdf_path}")
    identifier, cond_text, registry = output_condition(icc, condition_identifier, condition)
    fd, tmp_name = tempfile.mkstemp(dir=pdf_path.parent, prefix=".tmp-pdfx-", suffix=".pdf")
    os.close(fd)
    tmp = Path(tmp_name)
    shutil.copymode(pdf_path, tmp)  # the rewritten file keeps the original's permissions
    try:
        try:
            pdf = pikepdf.open(pdf_path)
        except pikepdf.PdfError as exc:
            raise RenderError(f"{pdf_path.name}: 无法读取 PDF（{exc}）") from exc
        with pdf:
            if pdf.is_encrypted:
                raise RenderError(f"{pdf_path.name}: PDF 已加密，PDF/X 不允许加密")
            _strip_interactive(pdf)
            # A checker judges every font and image a page lists, used or not; drop the unused.
            # (ReportLab's initial Helvetica is *used*, by a Tf in each page preamble: the
            # writer avoids it with FontSet.canvas_options(); validate_pdfx reports it.)
            pdf.remove_unreferenced_resources()
            _fix_boxes(pdf)
            _set_output_intent(pdf, icc_data, icc, identifier, cond_text, registry)
            _set_metadata(pdf, title, trapped, subject)
            pdf.save(tmp, force_version=PDF_HEADER_VERSION, fix_metadata_version=False)
        os.replace(tmp, pdf_path)
    finally:
        tmp.unlink(missing_ok=True)


def _strip_interactive(pdf: pikepdf.Pdf) -> None:
    """Remove what PDF/X forbids: annotations, actions, JavaScript, forms, transfer functions,
    PostScript XObjects. Outline entries keep their destination but lose any action."""
    root = pdf.Root
    for key in ("/OpenAction", "/AA", "/AcroForm"):
        if key in root:
            del root[key]
    if "/Names" in root and "/JavaScript" in root.Names:
        del root.Names["/JavaScript"]
    if "/Outlines" in root:
        _strip_outline_actions(root.Outlines, set())
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        for key in ("/Annots", "/AA"):
            if key in page.obj:
                del page.obj[key]
        node = page.obj
        while node is not None and "/Resources" not in node:  # resources may be inherited
            node = node.get("/Parent")
        _clean_resources(node.get("/Resources") if node is not None else None, seen)


def _strip_outline_actions(node: pikepdf.Object, seen: set[tuple[int, int]]) -> None:
    item = node.get("/First")
    while item is not None and item.objgen not in seen:
        seen.add(item.objgen)
        action = item.get("/A")
        if action is not None:
            if action.get("/S") == Name.GoTo and "/D" in action and "/Dest" not in item:
                item.Dest = action.D
            del item["/A"]
        _strip_outline_actions(item, seen)
        item = item.get("/Next")


def _clean_resources(resources: pikepdf.Object | None, seen: set[tuple[int, int]]) -> None:
    if resources is None or not isinstance(resources, Dictionary):
        return
    if resources.is_indirect:
        if resources.objgen in seen:
            return
        seen.add(resources.objgen)
    for gs in (resources.get("/ExtGState") or {}).values():
        for key in ("/TR", "/TR2"):
            if key in gs and not (key == "/TR2" and gs[key] == Name.Default):
                del gs[key]
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return
    for name in list(xobjects.keys()):
        xobj = xobjects[name]
        if xobj.get("/Subtype") == Name.PS or xobj.get("/Subtype2") == Name.PS:
            del xobjects[name]
        elif xobj.get("/Subtype") == Name.Form:
            _clean_resources(xobj.get("/Resources"), seen)
    for pattern in (resources.get("/Pattern") or {}).values():
        _clean_resources(pattern.get("/Resources"), seen)


def _box(page: pikepdf.Object, key: str) -> list[float] | None:
    value = page.get(key)
    if value is None:
        return None
    llx, lly, urx, ury = (float(v) for v in value)
    return [min(llx, urx), min(lly, ury), max(llx, urx), max(lly, ury)]


def _contains(outer: list[float], inner: list[float], tol: float = 0.01) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _fix_boxes(pdf: pikepdf.Pdf) -> None:
    """Enforce TrimBox-only and MediaBox ⊇ BleedBox ⊇ TrimBox. A missing TrimBox is a writer
    bug, not something to guess: inventing a trim would move where the guillotine cuts."""
    for number, page in enumerate(pdf.pages, start=1):
        obj = page.obj
        media = [float(v) for v in page.mediabox]
        media = [min(media[0], media[2]), min(media[1], media[3]),
                 max(media[0], media[2]), max(media[1], media[3])]
        obj.MediaBox = Array(media)
        trim = _box(obj, "/TrimBox")
        if trim is None:
            raise RenderError(f"第 {number} 页没有 TrimBox（成品尺寸），无法生成 PDF/X-4")
        if "/ArtBox" in obj:
            del obj["/ArtBox"]
        bleed = _box(obj, "/BleedBox")
        if bleed is not None:
            bleed = [max(bleed[0], media[0]), max(bleed[1], media[1]),
                     min(bleed[2], media[2]), min(bleed[3], media[3])]
            obj.BleedBox = Array(bleed)
        if not _contains(bleed or media, trim):
            raise RenderError(f"第 {number} 页的 TrimBox 超出了 BleedBox/MediaBox")
        obj.TrimBox = Array(trim)


def _set_output_intent(
    pdf: pikepdf.Pdf, icc_data: bytes, icc: IccProfileInfo,
    identifier: str, condition: str, registry: str | None,
) -> None:
    profile = pikepdf.Stream(pdf, icc_data)
    profile.N = icc.components
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFX,
        OutputConditionIdentifier=identifier,
        OutputCondition=condition,
        Info=icc.description or condition,
        DestOutputProfile=pdf.make_indirect(profile),
    )
    if registry:
        intent.RegistryName = registry
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def pdf_date(moment: datetime) -> str:
    """PDF 1.6 date string ``D:YYYYMMDDHHmmSS+HH'mm'`` (with the closing apostrophe 1.x asks for)."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{mins:02d}'"


def _set_metadata(pdf: pikepdf.Pdf, title: str, trapped: bool, subject: str | None) -> None:
    """Write /Info and XMP from the same values so that checkers find them in agreement."""
    now = datetime.now().astimezone().replace(microsecond=0)
    info = pdf.docinfo
    created = now
    if "/CreationDate" in info:
        try:
            created = decode_pdf_date(str(info.CreationDate))
        except ValueError:
            created = now
    if created.tzinfo is None:
        created = created.astimezone()
    for key in ("/Author", "/Creator", "/Subject", "/Keywords"):
        # ReportLab's placeholders say nothing and would be copied into XMP.
        if key in info and str(info[key]).strip() in ("anonymous", "unspecified", ""):
            del info[key]
    info.Title = title
    if subject:
        info.Subject = subject
    info.CreationDate = pdf_date(created)
    info.ModDate = pdf_date(now)
    info.Trapped = Name("/True") if trapped else Name("/False")
    info.GTS_PDFXVersion = PDFX_VERSION
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        document_id = str(meta.get("xmpMM:DocumentID") or f"uuid:{uuid.uuid4()}")
        try:
            version = int(str(meta.get("xmpMM:VersionID") or "0")) + 1
        except ValueError:
            version = 1
        meta["dc:title"] = title
        meta["xmp:CreateDate"] = created.isoformat()
        meta["xmp:ModifyDate"] = now.isoformat()
        meta["xmp:MetadataDate"] = now.isoformat()
        if "/Creator" in info:
            meta["xmp:CreatorTool"] = str(info.Creator)
        if "/Producer" in info:
            meta["pdf:Producer"] = str(info.Producer)
        if "/Author" in info:
            meta["dc:creator"] = [str(info.Author)]
        if "/Subject" in info:
            meta["dc:description"] = str(info.Subject)
        meta["pdf:Trapped"] = "True" if trapped else "False"
        meta["pdfxid:GTS_PDFXVersion"] = PDFX_VERSION
        meta["xmpMM:DocumentID"] = document_id
        meta["xmpMM:InstanceID"] = f"uuid:{uuid.uuid4()}"
        meta["xmpMM:VersionID"] = str(version)
        meta["xmpMM:RenditionClass"] = "default"
