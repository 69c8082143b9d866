"""Preflight warns about caption proofreading findings of the photos that print."""

from __future__ import annotations

from album.layout.book import Book, Page, PhotoFrame, Rect
from album.preflight.checks import PreflightInput, PreflightPhoto, run_preflight


def _book(*photo_ids: int) -> Book:
    pages = [Page(number=n, kind="photo", template="t",
                  frames=[PhotoFrame(rect=Rect(5, 20, 100, 70), photo_id=pid, sha256=f"sha-{pid}")])
             for n, pid in enumerate(photo_ids, start=1)]
    return Book(title="凉山脱贫攻坚纪实", trim_width_mm=210, trim_height_mm=285, bleed_mm=3, pages=pages,
                styles={})


def _photo(pid: int, caption: str, status: str = "accepted") -> PreflightPhoto:
    return PreflightPhoto(id=pid, width_px=3000, height_px=2000, sha256=f"sha-{pid}", status=status,
                          caption=caption, photographer="吉克阿呷", dhash=pid * 0x0F0F0F0F)


def test_caption_findings_are_warnings_with_photo_and_page() -> None:
    inp = PreflightInput.of([
        _photo(1, "2019年10月，最后一批搬迁户领到了新居钥匙。"),
        _photo(2, "布拖县(乐安镇)的安置点,共安置3千人。"),
        _photo(3, "墙上写着《脱贫攻坚故事。"),
        _photo(4, "不在书里,不查。", status="submitted"),
    ])
    report = run_preflight(_book(1, 2, 3), inp, pdf_path=None, mode="proof")
    found = [i for i in report.items if i.code == "caption-proofread"]
    assert [(i.severity, i.photo_id, i.page) for i in found] == [("warning", 2, 2)] * 3 + [("warning", 3, 3)]
    assert found[0].message == ("照片 #2 图片说明“(乐安镇)”：中文里的括号应用全角“（）”，"
                                "建议改为“（乐安镇）”（punct.halfwidth）")
    assert "“3千”" in found[2].message and "建议改为“3000”" in found[2].message
    assert "请人工核改" in found[3].message and "punct.unbalanced" in found[3].message
    assert not report.has_errors


def test_clean_captions_give_no_warning() -> None:
    inp = PreflightInput.of([_photo(1, "易地扶贫搬迁后，沐恩邸社区的孩子们在新学校里上课。")])
    report = run_preflight(_book(1), inp, pdf_path=None, mode="proof")
    assert [i for i in report.items if i.code == "caption-proofread"] == []
