"""The 通报 (XLSX and PDF) and the reminder letters, written by the real ``album`` command on the
synthetic campaign and read back: the XLSX equals the figures, the PDF names every lagging unit
with its figures, letters go to exactly the lagging units with their own figures."""

from __future__ import annotations

import subprocess
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from album.campaign.progress import campaign_progress
from album.db import transaction
from album.home import open_home
from album.models import Album, LetterSent, ProgressReport
from album.reports.columns import dimensions
from campaign_support import build_campaign
from cli_support import run_album

pytestmark = pytest.mark.db
DAY = "2026-11-20"


@pytest.fixture
def campaign_home(settings):
    home = open_home(settings, create=True)
    with transaction(home.factory) as s:
        camp = build_campaign(s)
    home.close()
    return settings, camp


def _progress(settings, camp, round_number=None):  # type: ignore[no-untyped-def]
    home = open_home(settings)
    try:
        with transaction(home.factory) as s:
            return campaign_progress(s, s.get(Album, camp.album_id), round_number=round_number,
                                     today=date.fromisoformat(DAY))
    finally:
        home.close()


def _pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_xlsx_report_equals_the_figures_and_is_numbered(campaign_home, tmp_path) -> None:
    settings, camp = campaign_home
    out = tmp_path / "通报.xlsx"
    result = run_album(settings.home, "report", "progress", "--round", "2", "--date", DAY, "-o", str(out))
    assert "第1期" in result.stdout
    progress = _progress(settings, camp, 2)
    book = load_workbook(out)
    assert book.sheetnames == ["概况", "按单位", "按市州", "按篇目", "滞后单位"]
    assert "（第1期）" in book["概况"]["A1"].value and "第2批征集" in book["概况"]["A3"].value
    for title, columns, rows in dimensions(progress):
        sheet = book[title]
        assert sheet.freeze_panes == "B2"
        assert [c.value for c in sheet[1]] == [c.header for c in columns]
        got = [[cell.value for cell in r] for r in sheet.iter_rows(min_row=2)]
        want = [[c.value(row) for c in columns] for row in rows]
        assert got == [[None if v == "" else v for v in r] for r in want], title
        assert len(got) == len(rows) > 0
        assert sheet.column_dimensions["A"].width > 20
    run_album(settings.home, "report", "progress", "--round", "2", "--date", DAY, "-o", str(out))
    assert "（第2期）" in load_workbook(out)["概况"]["A1"].value
    home = open_home(settings)
    with transaction(home.factory) as s:
        assert s.scalars(select(ProgressReport.number).order_by(ProgressReport.number)).all() == [1, 2]
    home.close()


def test_pdf_report_names_every_lagging_unit_with_its_figures(campaign_home, tmp_path) -> None:
    settings, camp = campaign_home
    out = tmp_path / "通报.pdf"
    run_album(settings.home, "report", "progress", "--date", DAY, "-o", str(out))
    text = _pdf_text(out)
    progress = _progress(settings, camp)
    head = [line.strip() for line in text.splitlines() if line.strip()][:3]
    assert head == ["《合成征集画册》图片征集工作进展通报", "第1期", "2026年11月20日"]
    assert progress.lagging
    section = text[text.index("一、未完成目标的单位"):text.index("二、各市州报送情况")]
    lines = [" ".join(line.split()) for line in section.splitlines()]
    for row in progress.lagging:
        figures = f"{row.name} {row.city + ' ' if row.city != row.name else row.city + ' '}{row.target} {row.actual} {row.shortfall}"
        assert any(line.startswith(figures) for line in lines), (figures, lines[:8])
    on_target = [r.name for r in progress.units if not r.lagging]
    assert on_target and not any(line.startswith(name + " ") for line in lines for name in on_target)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Helvetica" not in fonts and all(" yes " in line for line in fonts.splitlines()[2:])


@pytest.mark.slow  # about 6 s each: three `album` processes and a letter per lagging unit
@pytest.mark.parametrize("kind", ["pdf", "zip"])
def test_letters_go_to_exactly_the_lagging_units_with_their_own_figures(campaign_home, tmp_path, kind) -> None:
    settings, camp = campaign_home
    progress = _progress(settings, camp, 1)
    out = tmp_path / f"催报函.{kind}"
    result = run_album(settings.home, "report", "letters", "--round", "1", "--date", DAY, "--due", "2026-12-10",
                       "--contact", "张三 028-12345678", "-o", str(out))
    assert f"已写出 {len(progress.lagging)} 封催报函" in result.stdout
    if kind == "pdf":
        pages = _pdf_text(out).split("\f")[:-1]
    else:
        with zipfile.ZipFile(out) as zf:
            pages = []
            for name in zf.namelist():
                (tmp_path / "one.pdf").write_bytes(zf.read(name))
                pages += _pdf_text(tmp_path / "one.pdf").split("\f")[:-1]
    assert len(pages) == len(progress.lagging)
    for page, row in zip(pages, progress.lagging):
        flat = "".join(page.split())
        assert flat.count("：") and f"{row.name}：" in flat
        assert f"有效报送照片{row.actual}张，目标为{row.target}张，尚差{row.shortfall}张" in flat
        assert f"本级共报送{row.figures.submitted}张" in flat and "2026年12月10日前" in flat
        assert "张三028-12345678" in flat
    home = open_home(settings)
    with transaction(home.factory) as s:
        assert s.scalar(select(func.count(LetterSent.id))) == len(progress.lagging)
    home.close()
    again = _progress(settings, camp, 1)
    assert all(r.letters_sent == 1 for r in again.lagging)
    run_album(settings.home, "report", "letters", "--round", "1", "--date", DAY, "-o", str(tmp_path / "二次.pdf"))
    assert "本函为第2次催报" in "".join(_pdf_text(tmp_path / "二次.pdf").split())


def test_report_commands_fail_in_one_chinese_line(campaign_home, tmp_path) -> None:
    settings, _ = campaign_home
    for args, message in [(("progress", "-o", str(tmp_path / "x.docx")), "通报只能输出为 .xlsx 或 .pdf"),
                          (("progress", "--round", "9", "-o", str(tmp_path / "x.pdf")), "没有第 9 批征集"),
                          (("letters", "--date", "2026-13-01", "-o", str(tmp_path / "x.pdf")), "日期“2026-13-01”无效")]:
        result = run_album(settings.home, "report", *args, check=False)
        assert result.returncode == 1 and result.stderr.strip() == f"错误：{result.stderr.strip()[3:]}"
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("x.*")) and not list(tmp_path.glob(".tmp-*"))
