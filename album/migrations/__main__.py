"""``python -m album.migrations [--home DIR] <alembic command>``: Alembic's CLI on the packaged scripts.

Examples::

    python -m album.migrations revision --autogenerate -m "photos: add rating"
    python -m album.migrations --home media current
    python -m album.migrations --home media history

``revision`` without ``--home`` compares the models with a throwaway SQLite database brought to
head, so writing a migration needs no real database. Other commands act on the home's database
(``--home``, else ``$ALBUM_HOME``; ``$ALBUM_DATABASE_URL`` wins as everywhere).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic.config import CommandLine

from album.migrations import alembic_config, upgrade


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    home: str | None = None
    if "--home" in args:
        at = args.index("--home")
        if at + 1 >= len(args):
            sys.exit("--home needs a folder")
        home = args[at + 1]
        del args[at:at + 2]
    cli = CommandLine(prog="python -m album.migrations")
    options = cli.parser.parse_args(args)
    if not hasattr(options, "cmd"):
        cli.parser.error("too few arguments")
    is_revision = options.cmd[0].__name__ == "revision"
    with tempfile.TemporaryDirectory(prefix="huace-migrate-") as tmp:
        if is_revision and home is None:
            from album.db import make_engine

            url = f"sqlite:///{Path(tmp) / 'head.db'}"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
        else:
            from album.config import load_settings

            url = load_settings(home).database_url
        cli.run_cmd(alembic_config(url=url), options)


if __name__ == "__main__":
    main()
