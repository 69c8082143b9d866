"""PDF/X-4 post-processing and the checker, on real print-like PDFs drawn with ReportLab."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageCms
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from album.errors import ConfigError, RenderError
from album.render.pdfx import (
    apply_pdfx, output_condition)
from album.icc import IccProfileInfo, parse_icc, read_icc
from album.preflight.pdf import validate_pdfx

ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT = "TestZenHei"
TRIM_W, TRIM_H, BLEED, SLUG = 210.0, 285.0, 3.0, 12.0


@pytest.fixture(scope="module")
def cmyk_jpeg(tmp_path_factory, corpus: Path) -> Path:
    with Image.open(corpus / "photos" / "kde-kite.jpg") as im:
        im.thumbnail((600, 600))
        cmyk = ImageCms.profileToProfile(im.convert("RGB"), ImageCms.createProfile("sRGB"),
                                         ImageCms.getOpenProfile(str(ICC)), outputMode="CMYK")
    out = tmp_path_factory.mktemp("img") / "kite-cmyk.jpg"
    cmyk.save(out, quality=90)
    return out


def make_print_pdf(path: Path, image: Path, *, rgb_fill: bool = False, base14: bool = False,
                   pages: int = 2) -> Path:
    """A small print-like PDF: CMYK photo into the bleed, CJK text in 100 % K, boxes set."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_FILE, subfontIndex=0))
    w, h, b, s = TRIM_W * mm, TRIM_H * mm, BLEED * mm, SLUG * mm
    c = Canvas(str(path), pagesize=(w + 2 * s, h + 2 * s), initialFontName=FONT)
    for n in range(pages):
        c.setTrimBox((s, s, s + w, s + h))
        c.setBleedBox((s - b, s - b, s + w + b, s + h + b))
        c.drawImage(str(image), s - b, s + 120 * mm, w + 2 * b, h - 120 * mm + b)
        c.setFillColorCMYK(0, 0, 0, 1)
        c.setFont(FONT, 18)
        c.drawString(s + 20 * mm, s + 90 * mm, f"春天的田野，第 {n + 1} 页")
        if rgb_fill:
            c.setFillColorRGB(1, 0, 0)
            c.rect(s + 20 * mm, s + 40 * mm, 30 * mm, 20 * mm, stroke=0, fill=1)
        if base14:
            c.setFont("Helvetica", 10)
            c.drawString(s + 20 * mm, s + 20 * mm, "Helvetica is not embedded")
        c.showPage()
    c.save()
    return path


@pytest.fixture
def pdfx_file(tmp_path: Path, cmyk_jpeg: Path) -> Path:
    pdf = make_print_pdf(tmp_path / "book.pdf", cmyk_jpeg)
    apply_pdfx(pdf, icc_path=ICC, title="春天的田野")
    return pdf


def test_output_intent_embeds_the_cmyk_profile(pdfx_file: Path) -> None:
    with pikepdf.open(pdfx_file) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == pikepdf.Name.GTS_PDFX
        # Ghostscript's own SWOP-like profile is not registered data: Custom plus /Info.
        assert str(intent.OutputConditionIdentifier) == "Custom"
        assert str(intent.Info) == "Artifex CMYK SWOP Profile"
        assert str(intent.OutputCondition)
        profile = intent.DestOutputProfile
        assert int(profile.N) == 4
        assert profile.read_bytes() == ICC.read_bytes()


def test_metadata_version_and_id(pdfx_file: Path) -> None:
    with pikepdf.open(pdfx_file) as pdf:
        assert pdf.pdf_version == "1.6"
        assert len(pdf.trailer.ID) == 2
        assert str(pdf.docinfo.Title) == "春天的田野"
        assert pdf.docinfo.Trapped == pikepdf.Name("/False")
        meta = pdf.open_metadata()
        assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
        assert meta["dc:title"] == "春天的田野"
        assert meta["pdf:Trapped"] == "False"
        assert meta["xmpMM:RenditionClass"] == "default"
        assert str(meta["xmpMM:DocumentID"]).startswith("uuid:")
        assert len(pdf.pages) > 0, "no pages"
        for page in pdf.pages:
            assert "/TrimBox" in page.obj and "/ArtBox" not in page.obj
            assert "/Annots" not in page.obj


def test_rewrite_keeps_file_permissions(tmp_path: Path, cmyk_jpeg: Path) -> None:
    pdf = make_print_pdf(tmp_path / "perm.pdf", cmyk_jpeg, pages=1)
    pdf.chmod(0o640)
    apply_pdfx(pdf, icc_path=ICC, title="权限")
    assert pdf.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["perm.pdf"]


def test_clean_file_passes_qpdf_ghostscript_and_checker(pdfx_file: Path) -> None:
    qpdf = subprocess.run(["qpdf", "--check", str(pdfx_file)], capture_output=True, text=True)
    assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
    assert "No syntax or stream encoding errors" in qpdf.stdout
    gs = subprocess.run(["gs", "-q", "-dBATCH", "-dNOPAUSE", "-dPDFSTOPONERROR",
                         "-sDEVICE=nullpage", str(pdfx_file)], capture_output=True, text=True)
    assert gs.returncode == 0 and "Error" not in gs.stdout + gs.stderr, gs.stdout + gs.stderr
    assert validate_pdfx(pdfx_file) == []


def test_reportlab_file_without_pdfx_is_rejected(tmp_path: Path, cmyk_jpeg: Path) -> None:
    problems = validate_pdfx(make_print_pdf(tmp_path / "plain.pdf", cmyk_jpeg))
    assert any(p.startswith("[output-intent]") for p in problems)
    assert any(p.startswith("[xmp]") for p in problems)
    assert not any(p.startswith("[pdf-version]") for p in problems)  # ReportLab writes 1.4


def test_checker_catches_rgb_fill(tmp_path: Path, cmyk_jpeg: Path) -> None:
    pdf = make_print_pdf(tmp_path / "rgb.pdf", cmyk_jpeg, rgb_fill=True, pages=1)
    apply_pdfx(pdf, icc_path=ICC, title="RGB")
    problems = validate_pdfx(pdf)
    assert problems == ["[rgb] 第 1 页：页面内容使用 DeviceRGB 颜色（rg 运算符）"]


def test_checker_catches_unembedded_base14_font(tmp_path: Path, cmyk_jpeg: Path) -> None:
    pdf = make_print_pdf(tmp_path / "helv.pdf", cmyk_jpeg, base14=True, pages=1)
    apply_pdfx(pdf, icc_path=ICC, title="字体")
    assert validate_pdfx(pdf) == ["[font-embedding] 第 1 页：字体 Helvetica 未嵌入"]


def test_checker_catches_missing_trimbox_and_rgb_image(pdfx_file: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(pdfx_file) as pdf:
        del pdf.pages[1].obj["/TrimBox"]
        image = next(iter(pdf.pages[0].Resources.XObject.values()))
        image.ColorSpace = pikepdf.Name.DeviceRGB
        pdf.save(broken)
    problems = validate_pdfx(broken)
    assert "[boxes] 第 2 页：缺少 TrimBox（成品尺寸）" in problems
    assert any(p.startswith("[rgb] 第 1 页：图像") for p in problems)


def test_checker_catches_info_disagreeing_with_xmp(pdfx_file: Path, tmp_path: Path) -> None:
    edited = tmp_path / "edited.pdf"
    with pikepdf.open(pdfx_file) as pdf:
        pdf.docinfo.Title = "另一个标题"
        pdf.docinfo.Trapped = pikepdf.Name("/Unknown")
        pdf.save(edited)
    problems = validate_pdfx(edited)
    assert "[xmp-info] XMP 的 dc:title 与 /Info Title 不一致" in problems
    assert "[info] /Info 的 Trapped 必须为 /True 或 /False" in problems


def test_apply_strips_annotations_and_artbox(tmp_path: Path, cmyk_jpeg: Path) -> None:
    pdf_path = make_print_pdf(tmp_path / "annot.pdf", cmyk_jpeg, pages=1)
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0].obj
        page.ArtBox = page.TrimBox
        page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")))]))
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(2)")
        pdf.save(pdf_path)
    assert any(p.startswith("[annotations]") for p in validate_pdfx(pdf_path))
    apply_pdfx(pdf_path, icc_path=ICC, title="注释")
    assert validate_pdfx(pdf_path) == []
    with pikepdf.open(pdf_path) as pdf:
        assert "/OpenAction" not in pdf.Root and "/ArtBox" not in pdf.pages[0].obj


def test_applying_twice_keeps_one_intent_and_document_id(pdfx_file: Path) -> None:
    with pikepdf.open(pdfx_file) as pdf:
        first_id = str(pdf.open_metadata()["xmpMM:DocumentID"])
    apply_pdfx(pdfx_file, icc_path=ICC, title="春天的田野（第二版）", trapped=True)
    with pikepdf.open(pdfx_file) as pdf:
        meta = pdf.open_metadata()
        assert len(pdf.Root.OutputIntents) == 1
        assert str(meta["xmpMM:DocumentID"]) == first_id
        assert meta["xmpMM:VersionID"] == "2"
        assert meta["pdf:Trapped"] == "True" and pdf.docinfo.Trapped == pikepdf.Name("/True")
    assert validate_pdfx(pdfx_file) == []


def test_missing_trimbox_refused(tmp_path: Path, cmyk_jpeg: Path) -> None:
    pdf_path = make_print_pdf(tmp_path / "notrim.pdf", cmyk_jpeg, pages=1)
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        del pdf.pages[0].obj["/TrimBox"]
        pdf.save(pdf_path)
    before = pdf_path.read_bytes()
    with pytest.raises(RenderError, match="TrimBox"):
        apply_pdfx(pdf_path, icc_path=ICC, title="x")
    assert pdf_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["notrim.pdf"]


@pytest.mark.parametrize("kind", ["missing", "garbage", "rgb-profile", "truncated"])
def test_bad_icc_is_a_config_error_before_any_work(tmp_path: Path, cmyk_jpeg: Path,
                                                   kind: str) -> None:
    pdf_path = make_print_pdf(tmp_path / "book.pdf", cmyk_jpeg, pages=1)
    before = pdf_path.read_bytes()
    icc = tmp_path / "profile.icc"
    if kind == "garbage":
        icc.write_bytes(b"not a profile at all" * 20)
    elif kind == "rgb-profile":
        shutil.copy("/usr/share/color/icc/ghostscript/srgb.icc", icc)
    elif kind == "truncated":
        icc.write_bytes(ICC.read_bytes()[:5000])
    with pytest.raises(ConfigError, match="ICC|CMYK") as info:
        apply_pdfx(pdf_path, icc_path=icc, title="x")
    assert str(icc) in str(info.value)
    assert pdf_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["book.pdf"] + ([] if kind == "missing" else ["profile.icc"]))


def test_icc_header_and_registered_names() -> None:
    _, info = read_icc(ICC)
    assert (info.colour_space, info.device_class, info.components) == ("CMYK", "prtr", 4)
    assert info.description == "Artifex CMYK SWOP Profile"
    with pytest.raises(ValueError, match="acsp"):
        parse_icc(b"\0" * 200, "zeros")
    assert output_condition(info) == ("Custom", "Artifex CMYK SWOP Profile", None)
    fogra = IccProfileInfo("CMYK", "prtr", "Coated FOGRA39 (ISO 12647-2:2004)", "2.1")
    ident, _, registry = output_condition(fogra)
    assert (ident, registry) == ("FOGRA39", "http://www.color.org")
    assert output_condition(info, "JC200103")[0::2] == ("JC200103", "http://www.color.org")
