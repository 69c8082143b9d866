"""Preflight over tiny Books, real corpus photos and real PDFs drawn with ReportLab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from album.layout.book import Book, Crop, Page, PhotoFrame, Rect, TextBlock, TextFrame
from album.preflight.checks import (
    PreflightInput,
    PreflightPhoto,
    effective_ppi,
    near_duplicate_pairs,
    photo_dhash,
    run_preflight,
    write_report,
)
from album.render.options import PageTextIssue, RenderReport
from album.render.pdfx import apply_pdfx
from album.render.text import TextIssue
from album.store import sha256_file

ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
FONT = "PreflightZenHei"
W, H, BLEED = 210.0, 285.0, 3.0


def photo(id: int, width_px: int = 3000, height_px: int = 2000, **kw) -> PreflightPhoto:
    defaults = dict(sha256=f"sha-{id}", caption="晨雾中的村庄", photographer="李明", unit="县文化馆")
    defaults.update(kw)
    return PreflightPhoto(id=id, width_px=width_px, height_px=height_px, **defaults)


def frame(photo_id: int, width_mm: float = 200.0, height_mm: float = 100.0,
          crop: Crop = Crop()) -> PhotoFrame:
    return PhotoFrame(rect=Rect(5, 20, width_mm, height_mm), photo_id=photo_id,
                      sha256=f"sha-{photo_id}", crop=crop)


def book(*pages: list) -> Book:
    return Book(title="测试画册", trim_width_mm=W, trim_height_mm=H, bleed_mm=BLEED,
                pages=[Page(number=n, kind="photo", template="t", frames=list(frames))
                       for n, frames in enumerate(pages, start=1)], styles={})


def items(report, code: str) -> list:
    return [i for i in report.items if i.code == code]


def test_effective_ppi_thresholds_with_page_numbers() -> None:
    # 200 mm wide = 7.874 in: 2000 px → 254 ppi, 1400 px → 178 ppi, 1000 px → 127 ppi.
    inp = PreflightInput.of([photo(1, 2000, 1000), photo(2, 1400, 700), photo(3, 1000, 500),
                             photo(4, 4000, 2000)])
    left_half = Crop(left=0.5)  # 4000 px, half of it shown: 2000 px over 100 mm = 508 ppi
    b = book([frame(1)], [frame(2)], [frame(3), frame(4, 100, 50, left_half)])
    report = run_preflight(b, inp, pdf_path=None)
    low = {(i.photo_id, i.severity, i.page) for i in items(report, "low-ppi")}
    assert low == {(2, "warning", 2), (3, "error", 3)}
    assert report.has_errors
    assert "127 ppi" in next(i.message for i in items(report, "low-ppi") if i.photo_id == 3)


def test_crop_counts_against_resolution() -> None:
    inp = PreflightInput.of([photo(1, 2000, 1000)])
    assert not items(run_preflight(book([frame(1)]), inp, pdf_path=None), "low-ppi")
    cropped = book([frame(1, crop=Crop(left=0.25, right=0.75, top=0.25, bottom=0.75))])
    assert [i.severity for i in items(run_preflight(cropped, inp, pdf_path=None), "low-ppi")] == [
        "error"]


def test_missing_caption_credit_and_unaccepted_photos() -> None:
    inp = PreflightInput.of([photo(1, caption=" "), photo(2, photographer=""),
                             photo(3, status="submitted"), photo(4, status="rejected")])
    report = run_preflight(book([frame(1), frame(2)]), inp, pdf_path=None)
    assert [(i.photo_id, i.page) for i in items(report, "caption-missing")] == [(1, 1)]
    assert [i.photo_id for i in items(report, "credit-missing")] == [2]
    states = {i.photo_id: i.severity for i in items(report, "not-accepted")}
    assert states == {3: "warning", 4: "info"}
    assert not report.has_errors


def test_exact_and_near_duplicates(tmp_path: Path, corpus: Path) -> None:
    kite = corpus / "photos" / "kde-kite.jpg"
    smaller = tmp_path / "kite-small.jpg"
    with Image.open(kite) as im:
        im.resize((im.width // 3, im.height // 3)).save(smaller, quality=70)
    other = corpus / "photos" / "mate-storm.jpg"
    inp = PreflightInput.of([
        photo(1, path=kite, sha256=sha256_file(kite)),
        photo(2, path=smaller, sha256=sha256_file(smaller)),
        photo(3, path=other, sha256=sha256_file(other)),
        photo(4, path=kite, sha256=sha256_file(kite)),
    ])
    report = run_preflight(book([frame(1), frame(2)], [frame(3), frame(4)]), inp, pdf_path=None)
    assert [(i.photo_id, i.page) for i in items(report, "duplicate")] == [(4, 2)]
    near = items(report, "near-duplicate")
    assert [(i.photo_id, i.page) for i in near] == [(2, 1)], [i.message for i in near]
    assert "#1" in near[0].message
    assert (photo_dhash(kite) ^ photo_dhash(other)).bit_count() > 16


def test_band_search_finds_the_same_pairs_as_brute_force() -> None:
    import random

    rng = random.Random(7)
    hashes = {i: rng.getrandbits(64) for i in range(300)}
    for i in range(300, 340):  # near copies: flip up to 6 bits of an existing hash
        value = hashes[i - 300]
        for bit in rng.sample(range(64), rng.randint(0, 6)):
            value ^= 1 << bit
        hashes[i] = value
    brute = sorted((a, b, (hashes[a] ^ hashes[b]).bit_count()) for a in hashes for b in hashes
                   if a < b and (hashes[a] ^ hashes[b]).bit_count() <= 6)
    assert near_duplicate_pairs(hashes, 6) == brute
    assert len(brute) >= 40


def test_text_in_bleed_and_outside_safe_zone() -> None:
    text = (TextBlock("说明", "caption"),)
    b = book([TextFrame(Rect(10, 20, 100, 10), text),
              TextFrame(Rect(3, 270, 100, 10), text, role="caption"),
              TextFrame(Rect(150, -2, 70, 10), text, role="title")])
    report = run_preflight(b, PreflightInput(), pdf_path=None)
    assert [(i.severity, i.page) for i in items(report, "text-outside-safe-zone")] == [("warning", 1)]
    bleed = items(report, "text-in-bleed")
    assert len(bleed) == 1 and bleed[0].severity == "error" and "标题" in bleed[0].message


def test_text_issues_from_the_render_report(tmp_path: Path) -> None:
    rr = RenderReport(out_path=tmp_path / "x.pdf", mode="print", text_issues=[
        PageTextIssue(3, TextIssue("shrunk", "caption", (7,), "字号由 9 点缩小到 8.5 点", 8.5)),
        PageTextIssue(4, TextIssue("overflow", "text", (), "文字超出文字框 3.0 毫米", 8.0)),
        PageTextIssue(4, TextIssue("missing-glyph", "caption", (9,), "没有这些字符：𠀀", 9.0)),
    ])
    report = run_preflight(book([], [], [], []), PreflightInput(), pdf_path=None, render_report=rr)
    shrunk = items(report, "text-shrunk")
    assert [(i.severity, i.page, i.photo_id) for i in shrunk] == [("warning", 3, 7)]
    assert shrunk[0].message == "图片说明：字号由 9 点缩小到 8.5 点"
    assert [(i.severity, i.page) for i in items(report, "text-overflow")] == [("error", 4)]
    assert [(i.severity, i.photo_id) for i in items(report, "missing-glyph")] == [("error", 9)]


def _pdf(path: Path, corpus: Path, *, rgb_image: bool, trim_w: float = W) -> Path:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                                       subfontIndex=0))
    with Image.open(corpus / "photos" / "mate-storm.jpg") as im:
        im.thumbnail((400, 400))
        rgb = im.convert("RGB")
    rgb.save(path.with_suffix(".rgb.jpg"))
    ImageCms.profileToProfile(rgb, ImageCms.createProfile("sRGB"), ImageCms.getOpenProfile(
        str(ICC)), outputMode="CMYK").save(path.with_suffix(".cmyk.jpg"))
    s, b = 12 * mm, BLEED * mm
    c = Canvas(str(path), pagesize=(trim_w * mm + 2 * s, H * mm + 2 * s), initialFontName=FONT)
    c.setTrimBox((s, s, s + trim_w * mm, s + H * mm))
    c.setBleedBox((s - b, s - b, s + trim_w * mm + b, s + H * mm + b))
    c.drawImage(str(path.with_suffix(".cmyk.jpg")), s, s + 150 * mm, 100 * mm, 70 * mm)
    if rgb_image:
        c.drawImage(str(path.with_suffix(".rgb.jpg")), s, s + 40 * mm, 100 * mm, 70 * mm)
    c.setFillColorCMYK(0, 0, 0, 1)
    c.setFont(FONT, 12)
    c.drawString(s + 20 * mm, s + 20 * mm, "第一章")
    c.showPage()
    c.save()
    apply_pdfx(path, icc_path=ICC, title="测试画册")
    return path


def test_clean_pdf_has_no_pdf_items(tmp_path: Path, corpus: Path) -> None:
    pdf = _pdf(tmp_path / "ok.pdf", corpus, rgb_image=False)
    report = run_preflight(book([]), PreflightInput(), pdf_path=pdf)
    assert [i for i in report.items if i.code.startswith("pdf-")] == []


def test_rgb_image_and_wrong_trim_in_pdf(tmp_path: Path, corpus: Path) -> None:
    pdf = _pdf(tmp_path / "rgb.pdf", corpus, rgb_image=True, trim_w=200)
    report = run_preflight(book([]), PreflightInput(), pdf_path=pdf)
    not_cmyk = items(report, "pdf-image-not-cmyk")
    assert len(not_cmyk) == 1 and not_cmyk[0].page == 1 and "RGB" in not_cmyk[0].message
    assert items(report, "pdf-rgb")  # the PDF/X checker agrees
    trim = items(report, "pdf-trim-size")
    assert len(trim) == 1 and "200.00×285.00" in trim[0].message
    # The proof is sRGB by design: no colour or PDF/X complaints there.
    proof = run_preflight(book([]), PreflightInput(), pdf_path=pdf, mode="proof")
    assert not any(i.code.startswith("pdf-") for i in proof.items)


def test_json_and_escaped_html(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script> & 晨雾'
    inp = PreflightInput.of([photo(1, 1000, 500, caption=hostile, photographer=""),
                             photo(2, status="submitted")])
    b = book([frame(1)])
    report = run_preflight(b, inp, pdf_path=None)
    # The message quotes the photo, not the caption; make one that carries it to test escaping.
    report.add("info", "caption-text", f"说明：{hostile}", 1, 1)
    json_path, html_path = tmp_path / "r.json", tmp_path / "r.html"
    write_report(report, json_path, html_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["summary"]["errors"] == 1 and data["summary"]["has_errors"] is True
    assert {i["code"] for i in data["items"]} >= {"low-ppi", "credit-missing", "not-accepted"}
    assert any(i["message"] == f"说明：{hostile}" for i in data["items"])
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 晨雾" in page
    assert "预检报告" in page and "错误 1 项" in page


@pytest.mark.parametrize("mode", ["print", "proof"])
def test_missing_pdf_is_an_error(tmp_path: Path, mode: str) -> None:
    inp = PreflightInput(isbn="978-7-5380-3309-0")  # a complete colophon: only the PDF is missing
    report = run_preflight(book([]), inp, pdf_path=tmp_path / "none.pdf", mode=mode)
    assert [i.code for i in report.items] == ["pdf-missing"]


def test_writer_print_pdf_passes_pdf_checks(tmp_path: Path, corpus: Path) -> None:
    """End to end with the real writer: its print PDF meets every PDF rule preflight knows,
    and preflight's ppi agrees with what the writer measured."""
    from album.layout.book import TextStyle
    from album.render.options import RenderOptions
    from album.render.pdf import render_book
    from album.store import LocalMediaStore

    store = LocalMediaStore(tmp_path / "store")
    original = corpus / "photos" / "mate-greenmeadow.jpg"  # 1280 × 1024
    sha = store.put_original(original)
    rect = Rect(-BLEED, -BLEED, W + 2 * BLEED, 150)
    keep = (1280 / 1024) / (rect.width_mm / rect.height_mm)  # the frame is wider: trim height
    pages = [Page(1, "photo", "top", [
        PhotoFrame(rect, 1, sha, Crop(top=(1 - keep) / 2, bottom=(1 + keep) / 2), bleeds=True),
        TextFrame(Rect(20, 160, 170, 10), (TextBlock("晨雾中的草地。", "caption"),),
                  role="caption", photo_ids=(1,))])]
    b = Book("端到端", W, H, BLEED, pages, {"caption": TextStyle("caption", size_pt=9)})
    out = tmp_path / "print.pdf"
    rr = render_book(b, store, out, RenderOptions(mode="print"))
    inp = PreflightInput.of([photo(1, 1280, 1024, sha256=sha, path=original)])
    report = run_preflight(b, inp, pdf_path=out, render_report=rr)
    assert [i for i in report.items if i.code.startswith("pdf-")] == []
    low = items(report, "low-ppi")
    assert [i.severity for i in low] == ["warning"]  # 1280 px across 216 mm = 150.5 ppi
    placed = pages[0].photo_frames()[0]
    assert effective_ppi(placed, inp.photos[1]) == pytest.approx(rr.images[0].effective_ppi, abs=0.1)


def test_empty_chapter_is_an_error_on_its_opener_page() -> None:
    """Paginated from a snapshot whose second chapter has no accepted photo: preflight names the
    chapter and the page of its opener; a chapter with photos passes."""
    from locations import LAYOUTS

    from album.layout.paginate import paginate
    from album.layout.snapshot import AlbumSnapshot, ChapterSnapshot, PhotoSnapshot
    from album.layout.templates import load_templates

    photos = tuple(PhotoSnapshot(id=i, sha256=f"sha-{i}", width_px=4000, height_px=3000, caption="说明",
                                 photographer="李明") for i in (1, 2))
    snapshot = AlbumSnapshot(title="测试画册", trim_width_mm=W, trim_height_mm=H, chapters=(
        ChapterSnapshot(id=1, title="旗帜引领", photos=photos),
        ChapterSnapshot(id=2, title="时代先锋"),
    ))
    planned = paginate(snapshot, load_templates(LAYOUTS))
    assert [(c.title, c.photo_count) for c in planned.chapters] == [("旗帜引领", 2), ("时代先锋", 0)]
    inp = PreflightInput.of([photo(1), photo(2)])
    report = run_preflight(planned, inp, pdf_path=None)
    empty = items(report, "empty-chapter")
    assert len(empty) == 1 and empty[0].severity == "error" and report.has_errors
    assert "时代先锋" in empty[0].message and empty[0].page == planned.chapters[1].opener_page
    assert planned.pages[empty[0].page - 1].kind == "opener"


@pytest.mark.parametrize("focal_x,warned", [(0.5, True), (0.49, True), (0.47, False), (0.53, False), (0.2, False)])
def test_focal_point_in_the_gutter_of_a_spread_is_a_warning(focal_x: float, warned: bool) -> None:
    """A panorama across pages 2–3 (cut at the fold like the layout does); its focal point at
    the fold, or 4 mm from it (0.49), would be bound into the spine; 13 mm away (0.47) is clear."""
    from album.layout.photo_pages import split_spread

    whole = PhotoFrame(rect=Rect(-BLEED, 30, 2 * W + 2 * BLEED, 120), photo_id=7, sha256="sha-7", bleeds=True)
    left, right = split_spread([whole], W)
    pages = [Page(number=n, kind=kind, template="t", frames=frames)
             for n, kind, frames in ((1, "photo", []), (2, "spread", left), (3, "spread", right))]
    planned = Book(title="测试画册", trim_width_mm=W, trim_height_mm=H, bleed_mm=BLEED, pages=pages, styles={})
    report = run_preflight(planned, PreflightInput.of([photo(7, 9000, 2600, focal_x=focal_x)]), pdf_path=None)
    found = items(report, "focal-in-gutter")
    assert len(found) == (1 if warned else 0), [i.message for i in report.items]
    if warned:
        assert found[0].severity == "warning" and found[0].page == 2 and found[0].photo_id == 7
