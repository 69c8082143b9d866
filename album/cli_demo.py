"""``album demo`` (build the demo album and its PDFs) and ``album serve`` (the web app)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click

from album.captions import read_captions
from album.catalog import create_album, find_album, get_or_create_chapter, parse_trim
from album.cli_common import Progress, open_ctx_home
from album.config import REPO_ROOT
from album.db import transaction
from album.ingest import import_paths
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
    out.mkdir(parents=True, exist_ok=True)
    for kind in ("proof", "print"):
        target = out / f"demo-{kind}.pdf"
        with Progress(f"渲染 {target.name}") as bar:
            outcome = render_album(home, album_id, kind, out_path=target, progress=bar)
        summary = outcome.preflight.summary()
        click.echo(f"已写出 {target}（{outcome.report.page_count} 页；预检 错误 "
                   f"{summary['errors']} 项，警告 {summary['warnings']} 项）")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo-accounts/--no-demo-accounts", default=True, show_default=True,
              help="Create (or reset) one account per role and print their passwords.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, demo_accounts: bool) -> None:
    """Serve the web app on the album home (embedded SQLite and local media by default)."""
    from waitress import serve as serve_wsgi

    from album.accounts import seed_demo_users
    from album.jobs import fail_interrupted
    from web import create_app

    home_path = ctx.find_root().obj.home
    app = create_app({"ALBUM_HOME": str(home_path)})
    # One server process: a render still queued or running now was left by a process that died.
    interrupted = fail_interrupted(app.extensions["album_home"])
    click.echo(f"上次中断的渲染任务：{interrupted} 个已标记为失败")
    if demo_accounts:
        home = open_ctx_home(ctx)
        click.echo("演示账号（每次启动重新生成密码）：")
        for username, password in seed_demo_users(home).items():
            click.echo(f"  {username:<14} {password}")
    click.echo(f"打开 http://{host}:{port}/ ；按 Ctrl-C 停止")
    serve_wsgi(app, host=host, port=port, threads=8, max_request_body_size=app.config.get(
        "MAX_CONTENT_LENGTH") or 1 << 30)


COMMANDS = [demo, serve]
