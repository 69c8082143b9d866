"""A book drawn in several parts and joined reads back as one PDF: every page in order with its
boxes, images and embedded fonts, and PDF/X for print; the same with the pikepdf fallback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest

from album.layout.book import Book, Crop, Page, PhotoFrame, Rect, TextBlock, TextFrame, TextStyle
from album.render import pdf as writer
from album.render.options import RenderOptions
from album.render.parts import join_parts
from album.preflight.pdf import validate_pdfx
from album.store import LocalMediaStore

STYLES = {"caption": TextStyle("caption", font="song", size_pt=9)}
NAMES = ["kde-path.jpg", "kde-kite.jpg", "mate-storm.jpg", "kde-fallenleaf.jpg", "mate-dune.jpg"]


def small_book(store: LocalMediaStore, corpus: Path) -> Book:
    pages = []
    for number, name in enumerate(NAMES, start=1):
        sha = store.put_original(corpus / "photos" / name)
        pages.append(Page(number, "photo", "one", [
            PhotoFrame(Rect(20, 20, 170, 100), number, sha, Crop(0.05, 0.0, 0.95, 0.9)),
            TextFrame(Rect(20, 125, 170, 10), (TextBlock(f"第{number}页：{name}", "caption"),),
                      role="caption"),
        ]))
    return Book("分段测试", 210, 285, 3, pages, STYLES)


@pytest.fixture
def one_sheet_parts(monkeypatch):
    """Close a part after every sheet, so five pages make five parts."""
    monkeypatch.setattr(writer, "PART_IMAGE_BYTES", 1)


@pytest.mark.parametrize("mode", ["print", "proof"])
def test_book_in_parts_reads_back_whole(one_sheet_parts, tmp_path, corpus, mode):
    store = LocalMediaStore(tmp_path / "store")
    out = tmp_path / f"{mode}.pdf"
    report = writer.render_book(small_book(store, corpus), store, out,
                                RenderOptions(mode=mode, workers=1))
    assert report.parts == len(NAMES) and report.page_count == len(NAMES)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{mode}.pdf", "store"]
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == len(NAMES)
        for page in pdf.pages:
            images = list(page.get_images().values())
            assert len(images) == 1
            assert images[0].ColorSpace == ("/DeviceCMYK" if mode == "print" else "/DeviceRGB")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    # Pages in the order drawn, across part boundaries.
    positions = [text.index(f"第{n}页") for n in range(1, len(NAMES) + 1)]
    assert positions == sorted(positions)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    # Columns end with: emb sub uni object-number generation.
    assert fonts and all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts)
    if mode == "print":
        assert report.pdfx_applied and validate_pdfx(out) == []


def test_pikepdf_fallback_joins_the_same_pages(one_sheet_parts, tmp_path, corpus):
    store = LocalMediaStore(tmp_path / "store")
    out = tmp_path / "proof.pdf"
    writer.render_book(small_book(store, corpus), store, out, RenderOptions(mode="proof"))
    # Split the joined file back into parts, then join them without the qpdf program.
    parts = []
    with pikepdf.open(out) as pdf:
        for i, page in enumerate(pdf.pages):
            part = pikepdf.new()
            part.pages.append(page)
            parts.append(tmp_path / f"p{i}.pdf")
            part.save(parts[-1])
    joined = tmp_path / "joined.pdf"
    join_parts(parts, joined, qpdf=None)
    with pikepdf.open(out) as a, pikepdf.open(joined) as b:
        assert len(a.pages) == len(b.pages) == len(NAMES)
        for pa, pb in zip(a.pages, b.pages):
            ia, ib = (next(iter(p.get_images().values())) for p in (pa, pb))
            assert ia.read_raw_bytes() == ib.read_raw_bytes()
