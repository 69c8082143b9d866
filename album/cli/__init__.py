"""The ``album`` command. Every failure is one line on standard error and exit status 1.

Subcommands are imported only when they run, so ``album chapters`` loads the catalog and not
the renderer. Packages beside ``album`` add commands through the ``album.commands`` entry-point
group (the web app's ``serve``), so ``album`` never imports them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from album.config import load_settings
from album.errors import AlbumError

PLUGIN_GROUP = "album.commands"
COMMANDS = {
    "init": "album.cli.content:init",
    "import": "album.cli.importing:import_cmd",
    "chapters": "album.cli.content:chapters",
    "settings": "album.cli.settings:settings_cmd",
    "colophon": "album.cli.colophon:colophon_cmd",
    "layouts": "album.cli.render:layouts",
    "pin": "album.cli.render:pin",
    "book": "album.cli.render:book",
    "render": "album.cli.render:render",
    "preflight": "album.cli.render:preflight",
    "check": "album.cli.maintenance:check",
    "export": "album.cli.maintenance:export",
    "import-archive": "album.cli.maintenance:import_archive_cmd",
    "demo": "album.cli.demo:demo",
    "user": "album.cli.users:user",
    "report": "album.cli.report:report",
    "proofread": "album.cli.proofread:proofread_cmd",
    "glossary": "album.cli.proofread:glossary_cmd",
    "units": "album.cli.units_cmd:units",
    "campaign": "album.cli.campaign:campaign",
    "worker": "album.cli.worker:worker",
    "store": "album.cli.store_cmd:store",
}


def plugin_commands() -> dict[str, str]:
    """Commands other installed packages register for ``album`` (name → ``module:attribute``)."""
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=PLUGIN_GROUP)}


class AlbumGroup(click.Group):
    """Loads each command on demand; turns AlbumError (and unexpected errors) into a one-line
    message and exit status 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name) or plugin_commands().get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)

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
