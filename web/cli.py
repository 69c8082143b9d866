"""``album serve``: the web app on an album home, registered on the ``album`` command through the
``album.commands`` entry point (pyproject.toml), so that ``album`` itself never imports ``web``."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app on the album home (embedded SQLite and local media by default).

    Accounts are never changed here: make them with ``album user add`` (or ``album demo``)."""
    from waitress import serve as serve_wsgi

    from album.accounts import count_users
    from album.jobs import fail_interrupted
    from web import create_app

    app = create_app({"ALBUM_HOME": str(ctx.find_root().obj.home)})
    home = app.extensions["album_home"]
    # One server process: a render still queued or running now was left by a process that died.
    interrupted = fail_interrupted(home)
    click.echo(f"上次中断的渲染任务：{interrupted} 个已标记为失败")
    if count_users(home) == 0:
        click.echo("还没有任何账号：请先运行 album user add 用户名 --role admin --password-stdin", err=True)
    click.echo(f"打开 http://{host}:{port}/ ；按 Ctrl-C 停止")
    serve_wsgi(app, host=host, port=port, threads=8, max_request_body_size=app.config.get(
        "MAX_CONTENT_LENGTH") or 1 << 30)
