"""Preflight of what the publisher and the map-review rules require before 付印: a valid ISBN, and
a 审图号, 标准地图 source or exemption for every photo in the book that shows a map. A proof may
lack them (warning); a final render may not (error)."""

from __future__ import annotations

import pytest

from album.layout.book import Book, Page, PhotoFrame, Rect
from album.preflight.checks import PreflightInput, PreflightPhoto, run_preflight

ISBN = "978-7-5380-3309-0"


def book(*photo_ids: int) -> Book:
    pages = [Page(n, "photo", "t", [PhotoFrame(Rect(20, 20, 170, 110), pid, f"sha-{pid}")])
             for n, pid in enumerate(photo_ids, start=3)]
    return Book("测试画册", 210, 285, 3, pages, styles={})


def photo(pid: int, **kw) -> PreflightPhoto:
    return PreflightPhoto(pid, 3000, 2000, f"sha-{pid}", caption="说明", photographer="张三", unit="县馆",
                          dhash=pid * 0x0F0F0F0F0F, **kw)


def found(report, code: str) -> list[tuple[str, int | None, int | None]]:
    return [(i.severity, i.page, i.photo_id) for i in report.items if i.code == code]


@pytest.mark.parametrize("isbn,words", [("", "没有填写书号"), ("9787538033091", "校验位不对"),
                                        ("978753803309", "位数不对")])
def test_missing_or_invalid_isbn_warns_on_a_proof_and_stops_a_final_render(isbn: str, words: str) -> None:
    proof = run_preflight(book(1), PreflightInput.of([photo(1)], isbn=isbn), pdf_path=None, mode="proof")
    final = run_preflight(book(1), PreflightInput.of([photo(1)], isbn=isbn, final=True), pdf_path=None,
                          mode="print")
    assert found(proof, "isbn") == [("warning", None, None)] and not proof.has_errors
    assert found(final, "isbn") == [("error", None, None)] and final.has_errors
    assert words in next(i.message for i in final.items if i.code == "isbn")


def test_valid_isbn_passes_both() -> None:
    for final in (False, True):
        report = run_preflight(book(1), PreflightInput.of([photo(1)], isbn=ISBN, final=final),
                               pdf_path=None, mode="print")
        assert found(report, "isbn") == [] and report.items == []


def test_flagged_map_without_basis_warns_on_a_proof_and_stops_a_final_render() -> None:
    photos = [photo(1, has_map=True), photo(2, has_map=True, map_basis="approval", map_reference=""),
              photo(3), photo(4, has_map=True)]  # 4 is not in the book: nothing to approve
    proof = run_preflight(book(1, 2, 3), PreflightInput.of(photos, isbn=ISBN), pdf_path=None, mode="proof")
    final = run_preflight(book(1, 2, 3), PreflightInput.of(photos, isbn=ISBN, final=True), pdf_path=None,
                          mode="print")
    assert found(proof, "map-approval") == [("warning", 3, 1), ("warning", 4, 2)]
    assert found(final, "map-approval") == [("error", 3, 1), ("error", 4, 2)]
    assert "照片 #1 含地图，但没有审图号" in final.items[0].message


@pytest.mark.parametrize("basis,reference", [("approval", "GS（2019）1822号"),
                                             ("standard", "自然资源部标准地图服务 GS（2016）1600号"),
                                             ("exempt", "手绘示意图，不表示行政区域界线")])
def test_a_map_with_its_basis_passes(basis: str, reference: str) -> None:
    photos = [photo(1, has_map=True, map_basis=basis, map_reference=reference)]
    report = run_preflight(book(1), PreflightInput.of(photos, isbn=ISBN, final=True), pdf_path=None,
                           mode="print")
    assert report.items == []
