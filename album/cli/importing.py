"""``album import``: photo files, folders and zips into the album, with an optional captions sheet."""

from __future__ import annotations

from pathlib import Path

import click

from album.campaign.units import has_units, unmatched_names
from album.catalog import current_album
from album.cli.common import open_ctx_home
from album.db import transaction
from album.ingest.captions import read_captions
from album.ingest.importer import import_paths
from album.models import ReviewState


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--chapter", default="", help="Chapter (篇目) to put the photos in; created if needed.")
@click.option("--captions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Captions sheet (CSV or XLSX) with 文件名, 图片说明, 摄影, 供稿单位, 地点, 日期, 篇目.")
@click.option("--submitted", is_flag=True,
              help="Leave the photos for review (待审) instead of accepting them.")
@click.pass_context
def import_cmd(ctx: click.Context, paths: tuple[Path, ...], chapter: str, captions: Path | None,
               submitted: bool) -> None:
    """Import photo files, folders or zip archives."""
    home = open_ctx_home(ctx)
    sheet = read_captions(captions) if captions else None
    with transaction(home.factory) as session:
        album_id = current_album(session).id
    status = ReviewState.submitted if submitted else ReviewState.accepted
    with click.progressbar(length=0, label="导入", show_pos=True) as bar:
        def advance(outcome):  # type: ignore[no-untyped-def]
            bar.update(1)
            if outcome.status == "refused":
                click.echo(f"\n未导入 {outcome.name}：{outcome.reason}", err=True)

        report = import_paths(
            home.factory, home.store, home.settings.limits, album_id, paths,
            chapter=chapter, captions=sheet, status=status, progress=advance,
        )
    click.echo(
        f"新增 {report.count('added')} 张，重复 {report.count('duplicate')} 张，"
        f"未导入 {report.count('refused')} 张"
    )
    with transaction(home.factory) as session:
        left = unmatched_names(session, current_album(session)) if has_units(session) else []
    if left:
        names = "、".join(f"{u.name}（{u.photos} 张）" for u in left[:10])
        click.echo(f"供稿单位不在单位名单中：{names}{' 等' if len(left) > 10 else ''}；"
                   f"用 album units map 名称 单位 对应")
