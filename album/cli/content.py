"""``album init`` and ``album chapters``: make an album and list its chapters."""

from __future__ import annotations

import click

from album.catalog import (
    chapter_summaries,
    create_album,
    current_album,
    find_album,
    parse_trim,
)
from album.cli.common import open_ctx_home
from album.db import transaction
from album.errors import AlbumError


@click.command()
@click.option("--title", required=True, help="Album title, e.g. 脱贫攻坚纪实.")
@click.option("--trim", default="210x285", show_default=True,
              help="Trim size WxH in mm, or a preset: 大16开, A4, 横16开, 方形.")
@click.pass_context
def init(ctx: click.Context, title: str, trim: str) -> None:
    """Create a new album in the home folder."""
    size = parse_trim(trim)
    home = open_ctx_home(ctx, create=True)
    with transaction(home.factory) as session:
        if find_album(session) is not None:
            raise AlbumError(f"{home.settings.home} 里已经有画册了")
        album = create_album(session, title, size)
        click.echo(f"已创建画册《{album.title}》：{size[0]:g}×{size[1]:g} mm，位于 {home.settings.home}")


@click.command()
@click.pass_context
def chapters(ctx: click.Context) -> None:
    """List chapters in order with their photo counts."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        rows = chapter_summaries(session, current_album(session))
    if not rows:
        click.echo("（还没有篇目）")
    for i, row in enumerate(rows, 1):
        click.echo(f"{i:>3}  {row.title}\t{row.photos} 张（已采用 {row.accepted}）")
