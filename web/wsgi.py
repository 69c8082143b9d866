"""The WSGI entry for running many web processes: ``gunicorn web.wsgi:app`` (docs/deploy.md).

The album home comes from ``ALBUM_HOME`` (and its album.toml: database, queue, limiter storage,
proxy hops). These processes never render: ``album worker`` processes consume the queue, so a
web process stays free for requests and can be restarted without losing a render.
"""

from __future__ import annotations

from web import create_app

app = create_app({"ALBUM_EMBEDDED_WORKER": False})
