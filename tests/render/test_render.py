"""The PDF writer, checked by reading real PDFs back with poppler, qpdf and pikepdf."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageStat

from album.layout.book import Book, Crop, Page, PhotoFrame, Rect, TextBlock, TextFrame, TextStyle
from album.errors import RenderError
from album.render.marks import PrintSheet, crop_mark_lines, mm
from album.render.options import RenderOptions
from album.preflight.pdf import validate_pdfx
from album.render.pdf import render_book
from album.store import LocalMediaStore

W, H, BLEED = 210.0, 285.0, 3.0
PT = 72 / 25.4
WATERMARK = "校样 第3版 2026-11-26"
STYLES = {
    "caption": TextStyle("caption", font="song", size_pt=9),
    "folio": TextStyle("folio", font="hei", size_pt=8, align="center"),
}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def fill_crop(photo: float, rect: Rect) -> Crop:
    """Centred crop of an upright photo of aspect ``photo`` filling ``rect`` without
    distortion, as pagination computes it."""
    frame = rect.width_mm / rect.height_mm
    if photo > frame:
        keep = frame / photo
        return Crop(left=(1 - keep) / 2, right=(1 + keep) / 2)
    keep = photo / frame
    return Crop(top=(1 - keep) / 2, bottom=(1 + keep) / 2)


def caption(rect: Rect, text: str) -> TextFrame:
    return TextFrame(rect=rect, blocks=(TextBlock(text, "caption"),), role="caption")


def folio(n: int) -> TextFrame:
    return TextFrame(rect=Rect(95, 272, 20, 5), blocks=(TextBlock(str(n), "folio"),),
                     role="folio")


def build_book(store: LocalMediaStore, corpus: Path, large: Path) -> tuple[Book, dict[int, Path]]:
    names = {1: "kde-path.jpg", 2: "kde-colorfulcups.jpg", 4: "kde-fallenleaf.jpg",
             5: "mate-storm.jpg", 6: "kde-grey.jpg", 7: "mate-freshflower.jpg"}
    files = {pid: corpus / "photos" / n for pid, n in names.items()}
    files[3] = large  # 5640 x 3172, 18 MP
    files[8] = corpus / "exif" / "jpg" / "orientation" / "portrait_6.jpg"  # small, turned
    sha = {pid: store.put_original(p) for pid, p in files.items()}

    def photo(pid: int, rect: Rect, bleeds: bool = False, orientation: int = 1) -> PhotoFrame:
        with Image.open(files[pid]) as im:
            size = im.size if orientation < 5 else im.size[::-1]
        crop = fill_crop(size[0] / size[1], rect)
        return PhotoFrame(rect=rect, photo_id=pid, sha256=sha[pid], crop=crop,
                          orientation=orientation, bleeds=bleeds)

    full = Rect(-BLEED, -BLEED, W + 2 * BLEED, H + 2 * BLEED)
    pages = [
        Page(1, "photo", "full-bleed", [photo(1, full, bleeds=True)]),
        Page(2, "photo", "two", [photo(2, Rect(20, 20, 170, 110)),
                                 caption(Rect(20, 133, 170, 10), "彩色的杯子，摄于二〇二四年春。"),
                                 photo(3, Rect(20, 150, 170, 95.6)), folio(2)]),
        Page(3, "photo", "top-bleed", [photo(4, Rect(-BLEED, -BLEED, W + 2 * BLEED, 150),
                                             bleeds=True),
                                       caption(Rect(20, 160, 170, 10), "落叶。"), folio(3)]),
        Page(4, "photo", "two", [photo(5, Rect(20, 20, 120, 80)),
                                 photo(6, Rect(20, 110, 120, 75)), folio(4)]),
        Page(5, "photo", "one", [photo(8, Rect(30, 30, 150, 200), orientation=6), folio(5)]),
        Page(6, "photo", "small", [photo(7, Rect(40, 40, 100, 75)), folio(6)]),
    ]
    return Book("测试画册", W, H, BLEED, pages, STYLES), files


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, corpus, large_photo):
    """One print and one proof render of the same six-page book, shared by the tests below."""
    root = tmp_path_factory.mktemp("render")
    store = LocalMediaStore(root / "store")
    book, files = build_book(store, corpus, large_photo)
    progress: list[float] = []
    print_pdf, proof_pdf = root / "out" / "print.pdf", root / "out" / "proof.pdf"
    print_report = render_book(book, store, print_pdf, RenderOptions(mode="print", workers=2),
                               progress=progress.append)
    proof_report = render_book(book, store, proof_pdf,
                               RenderOptions(mode="proof", watermark=WATERMARK, workers=2))
    return dict(book=book, store=store, files=files, root=root, print_pdf=print_pdf,
                proof_pdf=proof_pdf, print_report=print_report, proof_report=proof_report,
                progress=progress)


def page_boxes(pdf: Path, pages: int) -> dict[int, dict[str, list[float]]]:
    out = run("pdfinfo", "-box", "-f", "1", "-l", str(pages), str(pdf))
    boxes: dict[int, dict[str, list[float]]] = {}
    for m in re.finditer(r"Page\s+(\d+) (\w+Box):\s+([\d.\s-]+)", out):
        boxes.setdefault(int(m[1]), {})[m[2]] = [float(v) for v in m[3].split()]
    return boxes


def test_print_page_boxes_trim_exact_and_bleed_3mm(rendered):
    boxes = page_boxes(rendered["print_pdf"], 6)
    assert sorted(boxes) == [1, 2, 3, 4, 5, 6]
    for n, b in boxes.items():
        tx0, ty0, tx1, ty1 = b["TrimBox"]
        assert (tx1 - tx0, ty1 - ty0) == pytest.approx((W * PT, H * PT), abs=0.01), n
        bleed = [tx0 - 3 * PT, ty0 - 3 * PT, tx1 + 3 * PT, ty1 + 3 * PT]
        assert b["BleedBox"] == pytest.approx(bleed, abs=0.01), n
        mx0, my0, mx1, my1 = b["MediaBox"]
        # room for crop marks beyond the bleed
        assert mx0 <= bleed[0] - 8 * PT and mx1 >= bleed[2] + 8 * PT, n
    with pikepdf.open(rendered["print_pdf"]) as pdf:
        assert len(pdf.pages) == 6
        for page in pdf.pages:
            assert "/TrimBox" in page.obj and "/ArtBox" not in page.obj


def test_print_images_cmyk_at_300_ppi(rendered):
    lines = run("pdfimages", "-list", str(rendered["print_pdf"])).splitlines()[2:]
    rows = [line.split() for line in lines]
    assert len(rows) == 8
    report = rendered["print_report"]
    by_page = {(img.page, img.pixels_w, img.pixels_h): img for img in report.images}
    for row in rows:
        page, w, h, colour, enc = int(row[0]), int(row[3]), int(row[4]), row[5], row[8]
        x_ppi, y_ppi = int(row[12]), int(row[13])
        assert colour == "cmyk" and enc == "jpeg", row
        placed = by_page[page, w, h]
        if placed.effective_ppi >= 300:
            assert 295 <= x_ppi <= 455 and 295 <= y_ppi <= 455, row
        else:  # never upsampled: the original's own pixels, at its lower resolution
            assert x_ppi == pytest.approx(placed.effective_ppi, abs=2), row
    low = report.low_resolution(150)
    # the full-bleed page stretches a 1600-pixel-high photo over 291 mm; the turned one is tiny
    assert [(img.page, img.photo_id) for img in low] == [(1, 1), (5, 8)]


def test_print_has_no_device_rgb(rendered):
    with pikepdf.open(rendered["print_pdf"]) as pdf:
        assert len(pdf.pages) == 6
        for page in pdf.pages:
            ops = {str(op) for _, op in pikepdf.parse_content_stream(page)}
            assert not ops & {"rg", "RG"}, ops
            xobjects = page.obj.Resources.get("/XObject", {})
            images = [x for x in xobjects.values() if x.get("/Subtype") == "/Image"]
            assert images or not page.obj.Resources.get("/XObject")
            for xobj in images:
                assert xobj.ColorSpace == "/DeviceCMYK"
            cs = page.obj.Resources.get("/ColorSpace", {})
            assert all("RGB" not in str(v) for v in cs.values())


def test_print_fonts_embedded_and_file_valid(rendered):
    fonts = run("pdffonts", str(rendered["print_pdf"])).splitlines()[2:]
    assert fonts, "captions and folios should bring fonts"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts
    check = subprocess.run(["qpdf", "--check", str(rendered["print_pdf"])], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert run("pdfinfo", str(rendered["print_pdf"])).count("Pages:           6")


def test_print_is_pdfx(rendered):
    assert rendered["print_report"].pdfx_applied
    assert validate_pdfx(rendered["print_pdf"]) == []


def test_cmyk_images_show_true_colours(rendered, tmp_path):
    """Pillow's Adobe CMYK JPEGs are stored inverted; the PDF must still show the photo as it
    is, not as a negative."""
    run("pdftoppm", "-r", "30", "-f", "2", "-l", "2", "-png", str(rendered["print_pdf"]),
        str(tmp_path / "p"))
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    sheet = PrintSheet.for_trim(W, H, BLEED, True)
    scale = 30 / 72
    x0 = (sheet.margin + mm(20)) * scale
    top = (sheet.margin + mm(20)) * scale
    box = (round(x0) + 2, round(top) + 2, round(x0 + mm(170) * scale) - 2,
           round(top + mm(110) * scale) - 2)
    shown = ImageStat.Stat(page.crop(box)).mean
    with Image.open(rendered["files"][2]) as src:
        original = ImageStat.Stat(src.convert("RGB").resize((64, 40))).mean
    assert len(shown) == len(original) == 3, (shown, original)
    assert all(abs(a - b) < 30 for a, b in zip(shown, original)), (shown, original)


def test_crop_marks_outside_bleed(rendered, tmp_path):
    dpi = 100
    run("pdftoppm", "-r", str(dpi), "-f", "2", "-l", "2", "-gray", str(rendered["print_pdf"]),
        str(tmp_path / "m"))
    page = Image.open(next(tmp_path.glob("m*.pgm")))
    sheet = PrintSheet.for_trim(W, H, BLEED, True)
    media_h = sheet.media_size[1]

    def px(x: float, y: float) -> int:  # PDF points (y up) to a gray value
        return page.getpixel((int(x * dpi / 72), int((media_h - y) * dpi / 72)))

    lines = crop_mark_lines(sheet, BLEED)
    assert len(lines) == 8
    bx0, by0, bx1, by1 = sheet.bleed_box
    for x0, y0, x1, y1 in lines:
        assert px((x0 + x1) / 2, (y0 + y1) / 2) < 128, (x0, y0)
        for x, y in ((x0, y0), (x1, y1)):  # both ends outside the bleed box
            assert not (bx0 < x < bx1 and by0 < y < by1)
    tx0, ty0, tx1, ty1 = sheet.trim_box

    def from_trim(x: float, y: float) -> float:
        return max(tx0 - x, x - tx1, ty0 - y, y - ty1)

    for x0, y0, x1, y1 in lines:  # every point of a mark is >= 3 mm from the trimmed page
        assert min(from_trim(x0, y0), from_trim(x1, y1)) >= mm(3) - 0.01
    assert px(tx0 - mm(1.5), ty0) > 200  # nothing between trim and marks on a white page


def test_report_and_progress(rendered):
    report = rendered["print_report"]
    assert report.page_count == 6 and report.sheet_count == 6
    assert len(report.images) == 8 and {i.colour_mode for i in report.images} == {"CMYK"}
    assert report.images_processed == 8 and report.images_cached == 0
    progress = rendered["progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert not list(rendered["print_pdf"].parent.glob(".tmp-*"))


def test_second_render_takes_every_image_from_cache(rendered):
    out = rendered["root"] / "again.pdf"
    report = render_book(rendered["book"], rendered["store"], out,
                         RenderOptions(mode="print", workers=2))
    assert (report.images_processed, report.images_cached) == (0, 8)
    assert len(report.images) == 8
    assert all(img.from_cache for img in report.images)


def test_proof_is_srgb_150ppi_trim_size_with_watermark(rendered):
    pdf = rendered["proof_pdf"]
    rows = [line.split() for line in run("pdfimages", "-list", str(pdf)).splitlines()[2:]]
    assert len(rows) == 8 and {r[5] for r in rows} == {"rgb"}
    report = {(i.page, i.pixels_w): i for i in rendered["proof_report"].images}
    for r in rows:
        if report[int(r[0]), int(r[3])].effective_ppi >= 150:
            assert 148 <= int(r[12]) <= 230 and 148 <= int(r[13]) <= 230, r
    boxes = page_boxes(pdf, 6)
    assert sorted(boxes) == [1, 2, 3, 4, 5, 6]
    for b in boxes.values():
        assert b["MediaBox"] == pytest.approx([0, 0, W * PT, H * PT], abs=0.01)
    # -raw keeps the rotated watermark's characters in drawing order
    text = re.sub(r"\s+", "", run("pdftotext", "-raw", str(pdf), "-"))
    assert text.count(WATERMARK.replace(" ", "")) == 6


def test_proof_spreads_pair_facing_pages(rendered):
    out = rendered["root"] / "spreads.pdf"
    report = render_book(rendered["book"], rendered["store"], out,
                         RenderOptions(mode="proof", spreads=True, watermark=WATERMARK))
    assert report.page_count == 6 and report.sheet_count == 4  # 1 | 2-3 | 4-5 | 6
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)",
                       run("pdfinfo", "-f", "1", "-l", "4", str(out)))
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {
        (round(2 * W * PT), round(H * PT))}
    # page 1 sits alone on the right: the left half of the first sheet is blank
    run("pdftoppm", "-r", "20", "-f", "1", "-l", "1", "-gray", str(out),
        str(rendered["root"] / "s"))
    sheet = Image.open(next(rendered["root"].glob("s*.pgm")))
    left = sheet.crop((0, 0, sheet.width // 2, sheet.height))
    right = sheet.crop((sheet.width // 2, 0, sheet.width, sheet.height))
    assert ImageStat.Stat(left).mean[0] > 220 > ImageStat.Stat(right).mean[0]


def test_failed_render_leaves_previous_pdf_untouched(rendered, corpus, tmp_path):
    out = tmp_path / "book.pdf"
    out.write_bytes(b"previous proof")
    store = rendered["store"]
    good = rendered["book"].pages[1]
    bad_sha = store.put_original(corpus / "pillow" / "truncated_jpeg.jpg")
    # Fails while drawing page 2, after page 1 went into the temporary PDF.
    broken = Book("坏", W, H, BLEED, [good, Page(2, "photo", "one", [PhotoFrame(
        Rect(10, 10, 50, 50), 99, bad_sha)])], STYLES)
    with pytest.raises(RenderError, match="照片"):
        render_book(broken, store, out, RenderOptions(mode="proof", workers=1))
    assert out.read_bytes() == b"previous proof"
    assert [p.name for p in tmp_path.iterdir()] == ["book.pdf"]
    missing = Book("缺", W, H, BLEED, [Page(1, "photo", "one", [PhotoFrame(
        Rect(10, 10, 50, 50), 98, "0" * 64)])], STYLES)
    with pytest.raises(RenderError, match="原件缺失"):
        render_book(missing, store, out, RenderOptions(mode="proof"))
    assert out.read_bytes() == b"previous proof"


def test_spreads_are_refused_for_print():
    with pytest.raises(ValueError):
        RenderOptions(mode="print", spreads=True)
    assert RenderOptions(mode="print").ppi == 300 and RenderOptions(mode="proof").ppi == 150
