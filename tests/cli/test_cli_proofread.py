"""``album proofread`` (printed and as XLSX, read back with openpyxl) and ``album glossary``."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from album.catalog import current_album, get_or_create_chapter
from album.config import load_settings
from album.db import transaction
from album.home import open_home
from album.models import Photo, ReviewState
from cli_support import run_album

CAPTIONS = [
    ("布拖县(乐安镇)的安置点,共安置3千人。", "吉克 阿呷", "凉山州扶贫开发局"),
    ("2016—2020年，全县累计减贫1.8万户7.6万人。", "吉克阿呷", "凉山彝族自治州扶贫开发局"),
    ("墙上写着《脱贫攻坚故事。", "吉克阿呷", "凉山州扶贫开发局"),
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run_album(home, "init", "--title", "凉山脱贫攻坚纪实")
    opened = open_home(load_settings(home))
    with transaction(opened.factory) as session:
        album = current_album(session)
        chapter = get_or_create_chapter(session, album, "易地搬迁")
        for n, (caption, photographer, unit) in enumerate(CAPTIONS, start=1):
            session.add(Photo(album_id=album.id, chapter_id=chapter.id, position=n, sha256=f"{n:064x}",
                              original_name=f"{n}.jpg", format="JPEG", width_px=600, height_px=400,
                              caption=caption, photographer=photographer, unit=unit,
                              status=ReviewState.accepted))
    opened.close()
    return home


def test_proofread_prints_findings_and_exits_0(home: Path) -> None:
    result = run_album(home, "proofread")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert "#1\tpunct.halfwidth\t中文里的括号应用全角“（）”\t“(乐安镇)” → （乐安镇）" in lines
    assert "#1\tnum.magnitude\t阿拉伯数字不与“千”连用，应写作 3000\t“3千” → 3000" in lines
    assert any(line.startswith("#3\tpunct.unbalanced") and line.endswith("（需人工核改）") for line in lines)
    assert "摄影写法不一致：吉克阿呷（2）；吉克 阿呷（1） → 建议“吉克阿呷”" in lines
    assert lines[-1] == "校对完成：2 张照片的说明共 4 处问题（3 处可自动修改），名称写法不一致 2 组"


def test_proofread_writes_xlsx(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "校对报告.xlsx"
    result = run_album(home, "proofread", "-o", str(out))
    assert "报告已写入" in result.stdout
    book = load_workbook(out)
    assert book.sheetnames == ["校对结果", "名称一致性"]
    findings = book["校对结果"]
    rows = list(findings.iter_rows(values_only=True))
    assert rows[0] == ("照片编号", "篇目", "规则", "问题类型", "说明", "原文", "建议改为", "图片说明")
    assert len(rows) == 5
    assert rows[1][:4] == (1, "易地搬迁", "punct.halfwidth", "半角标点")
    assert rows[1][5:] == ("(乐安镇)", "（乐安镇）", CAPTIONS[0][0])
    assert rows[4][2] == "punct.unbalanced" and rows[4][6] == "（需人工核改）"
    assert findings.freeze_panes == "A2" and findings.column_dimensions["H"].width == 70
    names = list(book["名称一致性"].iter_rows(values_only=True))
    assert names == [("字段", "建议写法", "各种写法（照片数）"),
                     ("摄影", "吉克阿呷", "吉克阿呷（2）；吉克 阿呷（1）"),
                     ("供稿单位", "凉山彝族自治州扶贫开发局", "凉山州扶贫开发局（2）；凉山彝族自治州扶贫开发局（1）")]
    assert book["名称一致性"].freeze_panes == "A2"

    wrong = run_album(home, "proofread", "-o", str(tmp_path / "报告.csv"), check=False)
    assert wrong.returncode == 1 and wrong.stderr.strip() == "错误：报告文件应以 .xlsx 结尾：报告.csv"


@pytest.mark.slow  # seven album runs, about 5 s
def test_glossary_add_preview_apply(home: Path) -> None:
    run_album(home, "glossary", "add", "凉山彝族自治州", "凉山州")
    assert run_album(home, "glossary", "list").stdout.strip() == "凉山彝族自治州 ← 凉山州"
    refused = run_album(home, "glossary", "add", "凉山州", "凉山州", check=False)
    assert refused.returncode == 1 and "不能同时是正确写法" in refused.stderr

    declined = run_album(home, "glossary", "apply", input="n\n")
    assert "#1 供稿单位：凉山州扶贫开发局 → 凉山彝族自治州扶贫开发局" in declined.stdout
    assert "未修改" in declined.stdout
    applied = run_album(home, "glossary", "apply", "--yes")
    assert applied.stdout.strip().endswith("已修改 2 张照片的 2 处")
    assert run_album(home, "glossary", "apply").stdout.strip() == "词表没有可替换的内容"
    assert "供稿单位写法不一致" not in run_album(home, "proofread").stdout
