"""``album`` commands that look after a home: check, export, import-archive."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from album.archive import export_archive, import_archive
from album.cli.common import open_ctx_home
from album.integrity import check_home


@click.command()
@click.option("--repair", is_flag=True, help="Move orphans aside (never delete originals), remove temp files.")
@click.pass_context
def check(ctx: click.Context, repair: bool) -> None:
    """Verify database ↔ media store: every row has its file, every file its row, hashes match."""
    report = check_home(open_ctx_home(ctx), repair=repair)
    for line in report.lines():
        click.echo(line)
    for line in report.repaired:
        click.echo(line)
    if report.clean:
        click.echo("检查通过：数据库与原图一致")
    elif not repair:
        click.echo(f"发现 {len(report.lines())} 个问题；可用 --repair 修复", err=True)
        sys.exit(1)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export(ctx: click.Context, out: Path) -> None:
    """Write a backup zip: database content as JSON, originals, settings, layouts."""
    counts = export_archive(open_ctx_home(ctx), out)
    click.echo(f"已备份到 {out}：{counts['photos']} 张照片，{counts['chapters']} 个篇目，"
               f"{counts['users']} 个账号")


@click.command("import-archive")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_archive_cmd(ctx: click.Context, archive: Path) -> None:
    """Restore a backup zip into this (empty) home."""
    counts = import_archive(open_ctx_home(ctx, create=True), archive)
    click.echo(f"已恢复：{counts['photos']} 张照片，{counts['chapters']} 个篇目，{counts['users']} 个账号")
