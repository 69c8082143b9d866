"""The ``album`` command. Every failure is one line on standard error and exit status 1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from album.captions import read_captions
from album.catalog import chapter_summaries, create_album, current_album, find_album, parse_trim
from album.config import load_settings
from album.db import transaction
from album.errors import AlbumError
from album.cli_common import open_ctx_home
from album.home import Home
from album.ingest import import_paths
from album.models import ReviewState


class AlbumGroup(click.Group):
    """Turns AlbumError (and unexpected errors) into a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except AlbumError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI contract is one line, never a traceback
            first_line = (str(exc).strip().splitlines() or [""])[0]
            click.echo(f"错误：{type(exc).__name__}: {first_line}", err=True)
            sys.exit(1)


@click.group(cls=AlbumGroup)
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Album home folder (database + media). Default: $ALBUM_HOME, else the repository's media/.")
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """huace 画册: compile a photo album and write print-ready PDFs."""
    ctx.obj = load_settings(home)


def _home(ctx: click.Context, create: bool = False) -> Home:
    return open_ctx_home(ctx, create=create)


@main.command()
@click.option("--title", required=True, help="Album title, e.g. 脱贫攻坚纪实.")
@click.option("--trim", default="210x285", show_default=True,
              help="Trim size WxH in mm, or a preset: 大16开, A4, 横16开, 方形.")
@click.pass_context
def init(ctx: click.Context, title: str, trim: str) -> None:
    """Create a new album in the home folder."""
    size = parse_trim(trim)
    home = _home(ctx, create=True)
    with transaction(home.factory) as session:
        if find_album(session) is not None:
            raise AlbumError(f"{home.settings.home} 里已经有画册了")
        album = create_album(session, title, size)
        click.echo(f"已创建画册《{album.title}》：{size[0]:g}×{size[1]:g} mm，位于 {home.settings.home}")


@main.command("import")
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
    home = _home(ctx)
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


@main.command()
@click.pass_context
def chapters(ctx: click.Context) -> None:
    """List chapters in order with their photo counts."""
    home = _home(ctx)
    with transaction(home.factory) as session:
        rows = chapter_summaries(session, current_album(session))
    if not rows:
        click.echo("（还没有篇目）")
    for i, row in enumerate(rows, 1):
        click.echo(f"{i:>3}  {row.title}\t{row.photos} 张（已采用 {row.accepted}）")


def _register() -> None:
    from album import cli_admin, cli_demo, cli_render

    for module in (cli_render, cli_demo, cli_admin):
        for command in module.COMMANDS:
            main.add_command(command)


_register()


if __name__ == "__main__":
    main()
