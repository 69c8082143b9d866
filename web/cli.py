"""``album serve``: the web app on an album home, registered on the ``album`` command through the
``album.commands`` entry point (pyproject.toml), so that ``album`` itself never imports ``web``."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True,
              help="Do not render here: leave the queue to `album worker` processes.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, no_worker: bool) -> None:
    """Serve the web app on the album home (embedded SQLite and local media by default).

    Render jobs go through the home's queue; this process consumes it too unless --no-worker.
    Accounts are never changed here: make them with ``album user add`` (or ``album demo``)."""
    from waitress import serve as serve_wsgi

    from album.accounts import count_users
    from album.tasks import RenderQueue
    from web import create_app

    app = create_app({"ALBUM_HOME": str(ctx.find_root().obj.home), "ALBUM_EMBEDDED_WORKER": not no_worker})
    home = app.extensions["album_home"]
    queue = app.extensions["album_queue"] = RenderQueue(home)
    # A job queued before a restart is still in the queue and is left there; one whose worker
    # went silent is put back (or failed once out of attempts, or if it was a direct render).
    swept = queue.sweep()
    click.echo(f"上次中断的渲染任务：{len(swept.retried)} 个重新排队，{len(swept.failed)} 个已标记为失败")
    if no_worker:
        click.echo("渲染任务留给 album worker 进程处理")
    else:
        queue.start_consumer()
        click.echo("渲染任务在本进程中处理")
    if count_users(home) == 0:
        click.echo("还没有任何账号：请先运行 album user add 用户名 --role admin --password-stdin", err=True)
    click.echo(f"打开 http://{host}:{port}/ ；按 Ctrl-C 停止")
    serve_wsgi(app, host=host, port=port, threads=8, max_request_body_size=app.config.get(
        "MAX_CONTENT_LENGTH") or 1 << 30)
