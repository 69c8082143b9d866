"""``album units`` and ``album campaign`` as a user types them: a unit list in, captions' texts
mapped, units merged, rounds and targets set; every mistake one Chinese line and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import run_album

pytestmark = [pytest.mark.db, pytest.mark.slow]  # slow: about 15 s of `album` processes

UNITS = "单位名称,上级单位,联系人,电话,邮箱,别名\n凉山彝族自治州,,阿依,0834-1,,凉山州\n昭觉县,凉山彝族自治州,吉克,0834-2,,昭觉\n"


def _fails(home: Path, *args: str) -> str:
    result = run_album(home, *args, check=False)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    return lines[0]


def test_units_and_campaign_commands(tmp_path: Path, corpus: Path) -> None:
    home = tmp_path / "home"
    run_album(home, "init", "--title", "征集")
    sheet = tmp_path / "说明.csv"
    photos = sorted((corpus / "photos").glob("*.jpg"))[:3]
    sheet.write_text("文件名,供稿单位\n" + "".join(f"{p.name},{u}\n" for p, u in zip(photos, ["昭觉", "喜德县", "喜德县"])),
                     encoding="utf-8")
    run_album(home, "import", *map(str, photos), "--captions", str(sheet))
    names = tmp_path / "名单.csv"
    names.write_bytes(UNITS.encode("gb18030"))
    out = run_album(home, "units", "import", str(names)).stdout
    assert "新增 2 个" in out and "1 张照片对应到了单位" in out and "尚有 1 个供稿单位名称未对应" in out
    listing = run_album(home, "units", "list").stdout.splitlines()
    assert listing == ["凉山彝族自治州\t市州\t-\t阿依\t0834-1\t-\t凉山州",
                       "昭觉县\t县（市、区）\t凉山彝族自治州\t吉克\t0834-2\t-\t昭觉"]
    assert run_album(home, "units", "unmatched").stdout.strip() == "喜德县\t2 张"
    more = tmp_path / "more.csv"
    extra = sorted((corpus / "photos").glob("*.jpg"))[3]
    more.write_text(f"文件名,供稿单位\n{extra.name},美姑县\n", encoding="utf-8")
    out = run_album(home, "import", str(extra), "--captions", str(more)).stdout
    assert "供稿单位不在单位名单中：喜德县（2 张）、美姑县（1 张）；用 album units map 名称 单位 对应" in out
    run_album(home, "units", "map", "美姑县", "凉山州")
    assert "“喜德县”已对应到 凉山彝族自治州：2 张照片" in run_album(home, "units", "map", "喜德县", "凉山州").stdout
    assert "所有照片的供稿单位都已对应到单位" in run_album(home, "units", "unmatched").stdout
    assert "已将 昭觉县 并入 凉山彝族自治州：1 张照片" in run_album(home, "units", "merge", "凉山州", "昭觉").stdout

    assert "已添加第 1 批征集" in run_album(home, "campaign", "add-round", "--start", "2026-09-01",
                                          "--deadline", "2026-10-31").stdout
    assert "与第 1 批征集（2026-09-01—2026-10-31）时间重叠" in _fails(
        home, "campaign", "add-round", "--start", "2026-10-01", "--deadline", "2026-11-30")
    assert "截止日期早于开始日期" in _fails(home, "campaign", "add-round", "--start", "2026-12-01", "--deadline", "2026-11-30")
    run_album(home, "campaign", "add-round", "--start", "2026-11-01", "--deadline", "2026-12-31", "--name", "冬季")
    assert run_album(home, "campaign", "rounds").stdout.splitlines() == [
        "1\t第1批\t2026-09-01 至 2026-10-31", "2\t冬季\t2026-11-01 至 2026-12-31"]
    assert "每个市州目标 40 张" in run_album(home, "campaign", "target", "40", "--round", "1", "--level", "市州").stdout
    assert "凉山彝族自治州《乡村新貌》目标 5 张" in run_album(
        home, "campaign", "target", "5", "--round", "1", "--unit", "凉山州", "--chapter", "乡村新貌").stdout
    assert "级别“乡镇”应为" in _fails(home, "campaign", "target", "5", "--round", "1", "--level", "乡镇")
    assert "没有名为“攀枝花市”的单位" in _fails(home, "campaign", "target", "5", "--round", "1", "--unit", "攀枝花市")
    assert "没有第 3 批征集" in _fails(home, "campaign", "target", "5", "--round", "3", "--level", "县")
    assert "请给出 --unit 或 --level 之一" in _fails(home, "campaign", "target", "5", "--round", "1")

    bad = tmp_path / "坏名单.csv"
    bad.write_text("名称,上级单位\n甲县,乙州\n", encoding="utf-8")
    assert "第 2 行：上级单位“乙州”不在名单中" in _fails(home, "units", "import", str(bad))
    assert "没有名为“丙县”的单位" in _fails(home, "units", "merge", "凉山州", "丙县")
