"""``album proofread`` (the caption proofreading report) and ``album glossary`` (the album's
correct spellings, applied in bulk after a preview).

``album proofread`` is a report: it exits 0 whatever it finds, so it can run in scripts and
before every proof; preflight carries the same findings as warnings.
"""

from __future__ import annotations

import io
from pathlib import Path

import click
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from album import proofreading
from album.catalog import current_album
from album.cli.common import open_ctx_home
from album.db import transaction
from album.errors import AlbumError
from album.proofread.names import NameGroup
from album.proofread.rules import RULE_NAMES
from album.store import atomic_write_bytes

FINDING_COLUMNS = (("照片编号", 10), ("篇目", 16), ("规则", 18), ("问题类型", 14), ("说明", 48),
                   ("原文", 16), ("建议改为", 16), ("图片说明", 70))
NAME_COLUMNS = (("字段", 10), ("建议写法", 30), ("各种写法（照片数）", 70))
FIELD_NAMES = {field: proofreading.FIELDS[field][0] for field in proofreading.NAME_FIELDS}


def _shown(text: str | None) -> str:
    if text is None:
        return "（需人工核改）"
    return text if text.strip() else "（删除）" if not text else "（空格）"


def _spellings(group: NameGroup) -> str:
    return "；".join(f"{name}（{count}）" for name, count in group.variants)


@click.command("proofread")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report as XLSX (e.g. 校对报告.xlsx) instead of printing it.")
@click.pass_context
def proofread_cmd(ctx: click.Context, output: Path | None) -> None:
    """Proofread every caption (GB/T 15834 punctuation, GB/T 15835 numbers) and list names spelled
    several ways. Exit status 0 even with findings: it is a report."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        findings = proofreading.album_findings(session, album)
        groups = proofreading.name_groups(session, album)
    if output is not None:
        if output.suffix.lower() != ".xlsx":
            raise AlbumError(f"报告文件应以 .xlsx 结尾：{output.name}")
        atomic_write_bytes(output, _workbook(findings, groups))
    else:
        for item in findings:
            f = item.finding
            click.echo(f"#{item.photo_id}\t{f.rule}\t{f.message}\t“{f.text}” → {_shown(f.suggestion)}")
        for field, field_groups in groups.items():
            for group in field_groups:
                click.echo(f"{FIELD_NAMES[field]}写法不一致：{_spellings(group)} → 建议“{group.suggestion}”")
    photos = len({item.photo_id for item in findings})
    fixable = sum(1 for item in findings if item.finding.fixable)
    name_count = sum(len(g) for g in groups.values())
    click.echo(f"校对完成：{photos} 张照片的说明共 {len(findings)} 处问题（{fixable} 处可自动修改），"
               f"名称写法不一致 {name_count} 组" + (f"；报告已写入 {output}" if output else ""))


def _sheet(sheet, columns: tuple[tuple[str, int], ...], rows: list[list]) -> None:  # type: ignore[no-untyped-def]
    sheet.append([title for title, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _workbook(findings: list[proofreading.PhotoFinding], groups: dict[str, list[NameGroup]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "校对结果"
    _sheet(sheet, FINDING_COLUMNS, [
        [item.photo_id, item.chapter or "未分篇", item.finding.rule, RULE_NAMES[item.finding.rule],
         item.finding.message, item.finding.text, _shown(item.finding.suggestion), item.caption]
        for item in findings])
    _sheet(book.create_sheet("名称一致性"), NAME_COLUMNS, [
        [FIELD_NAMES[field], group.suggestion, _spellings(group)]
        for field, field_groups in groups.items() for group in field_groups])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- glossary -------------------------------------------------------------------------------


@click.group("glossary")
def glossary_cmd() -> None:
    """The album glossary: correct spellings and the variants to replace with them."""


@glossary_cmd.command("list")
@click.pass_context
def glossary_list(ctx: click.Context) -> None:
    """List the glossary's entries."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        entries = proofreading.glossary(current_album(session))
    if not entries:
        click.echo("（词表为空）")
    for entry in entries:
        click.echo(f"{entry.correct} ← {'、'.join(entry.variants)}")


@glossary_cmd.command("add")
@click.argument("correct")
@click.argument("variants", nargs=-1, required=True)
@click.pass_context
def glossary_add(ctx: click.Context, correct: str, variants: tuple[str, ...]) -> None:
    """Add CORRECT with the VARIANTS it replaces (replaces an entry for the same CORRECT)."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        entry = proofreading.add_glossary_entry(session, current_album(session), correct, list(variants),
                                                expected_version=None)
    click.echo(f"已加入词表：{entry.correct} ← {'、'.join(entry.variants)}")


@glossary_cmd.command("remove")
@click.argument("correct")
@click.pass_context
def glossary_remove(ctx: click.Context, correct: str) -> None:
    """Remove the entry whose correct spelling is CORRECT."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        proofreading.remove_glossary_entry(session, current_album(session), correct, expected_version=None)
    click.echo(f"已从词表删除：{correct}")


@glossary_cmd.command("apply")
@click.option("--yes", is_flag=True, help="Apply without asking after the preview.")
@click.pass_context
def glossary_apply(ctx: click.Context, yes: bool) -> None:
    """Show what the glossary would change (photo, field, before → after), then apply it in one
    transaction; a photo edited after the preview refuses the whole apply."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        changes = proofreading.preview_glossary(session, current_album(session))
    if not changes:
        click.echo("词表没有可替换的内容")
        return
    for change in changes:
        click.echo(f"#{change.photo_id} {change.field_name}：{change.before} → {change.after}")
    if not yes and not click.confirm(f"应用这 {len(changes)} 处修改？", default=False):
        click.echo("未修改")
        return
    seen = {change.photo_id: change.version for change in changes}
    with transaction(home.factory) as session:
        applied = proofreading.apply_glossary_changes(session, current_album(session), seen)
    click.echo(f"已修改 {len({c.photo_id for c in applied})} 张照片的 {len(applied)} 处")
