"""``album init`` and ``album chapters``: make an album and list its chapters."""

from __future__ import annotations

import click

from album.arrange import get_chapter, set_opener_photo
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
@click.option("--opener-photo", nargs=2, type=int, metavar="CHAPTER PHOTO", default=None,
              help="Open chapter number CHAPTER (1, 2, … as listed) on photo id PHOTO; "
                   "PHOTO 0 lets the layout choose again.")
@click.pass_context
def chapters(ctx: click.Context, opener_photo: tuple[int, int] | None) -> None:
    """List chapters in order with their photo counts and the opener photo an editor picked."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        if opener_photo is not None:
            number, photo_id = opener_photo
            rows = chapter_summaries(session, album)
            if not 1 <= number <= len(rows):
                raise AlbumError(f"没有第 {number} 篇（共 {len(rows)} 篇）")
            set_opener_photo(session, get_chapter(session, album, rows[number - 1].id), photo_id or None)
            session.flush()
        rows = chapter_summaries(session, album)
    if not rows:
        click.echo("（还没有篇目）")
    for i, row in enumerate(rows, 1):
        pick = f"\t篇章页照片 #{row.opener_photo_id}" if row.opener_photo_id else ""
        click.echo(f"{i:>3}  {row.title}\t{row.photos} 张（已采用 {row.accepted}）{pick}")
