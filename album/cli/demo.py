"""``album demo``: build the demo album from ``demo/`` and render its proof and print PDFs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click

from album.accounts import create_demo_users
from album.catalog import create_album, find_album, get_or_create_chapter, parse_trim
from album.cli.common import Progress, open_ctx_home
from album.config import REPO_ROOT
from album.db import transaction
from album.ingest.captions import read_captions
from album.ingest.importer import import_paths
from album.models import ReviewState
from album.publish import render_album

DEMO = REPO_ROOT / "demo"


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for demo-proof.pdf and demo-print.pdf.")
@click.pass_context
def demo(ctx: click.Context, out: Path) -> None:
    """Build the demo album from demo/ (once) and render its proof and print PDFs."""
    home = open_ctx_home(ctx, create=True)
    settings = tomllib.loads((DEMO / "album.toml").read_text(encoding="utf-8"))
    with transaction(home.factory) as session:
        album = find_album(session)
        if album is None:
            album = create_album(session, settings["title"], parse_trim("210x285"))
            for key in ("subtitle", "publisher", "preface", "afterword", "copyright_text"):
                setattr(album, key, settings.get(key, ""))
            for title, opener in settings["chapters"].items():
                get_or_create_chapter(session, album, title).opener_text = opener
        album_id = album.id
    report = import_paths(
        home.factory, home.store, home.settings.limits, album_id, [DEMO / "photos"],
        captions=read_captions(DEMO / "captions.csv"), status=ReviewState.accepted,
    )
    click.echo(f"演示画册：新增 {report.count('added')} 张，已有 {report.count('duplicate')} 张")
    made = create_demo_users(home)
    if made:
        click.echo("演示账号（密码只显示这一次；忘记时用 album user passwd 重设）：")
        for username, password in made.items():
            click.echo(f"  {username:<14} {password}")
    out.mkdir(parents=True, exist_ok=True)
    for kind in ("proof", "print"):
        target = out / f"demo-{kind}.pdf"
        with Progress(f"渲染 {target.name}") as bar:
            outcome = render_album(home, album_id, kind, out_path=target, progress=bar)
        summary = outcome.preflight.summary()
        click.echo(f"已写出 {target}（{outcome.report.page_count} 页；预检 错误 "
                   f"{summary['errors']} 项，警告 {summary['warnings']} 项）")
