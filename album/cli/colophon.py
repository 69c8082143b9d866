"""``album colophon``: show the 版权页 and cover data (书名, 编者, ISBN, CIP…), or change those
given; like ``album settings``, an option left out keeps its value and ``''`` clears it."""

from __future__ import annotations

from pathlib import Path

import click

from album.arrange import update_colophon
from album.catalog import current_album
from album.cli.common import open_ctx_home
from album.colophon import FIELDS, LABELS
from album.db import transaction


def _options(command):  # type: ignore[no-untyped-def]
    """One option per field (--book-title, --print-run, --cip-number …); the CIP record lines come
    from a text file, like the preface in ``album settings``."""
    for f in reversed(FIELDS):
        if f.multiline:
            command = click.option(
                "--cip", "cip_lines", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help=f"{f.label}: a UTF-8 text file with the CIP record lines as the publisher gave them.")(command)
        else:
            flag = "--" + f.key.replace("_", "-")
            command = click.option(flag, f.key, help=f"{f.label}, e.g. {f.example}")(command)
    return command


@click.command("colophon")
@_options
@click.pass_context
def colophon_cmd(ctx: click.Context, cip_lines: Path | None, **given: str | None) -> None:
    """Show the copyright page and cover data, or change those given (ISBN checked and
    hyphenated, price with two decimals)."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        values = dict(album.colophon or {})
        values.update({key: value for key, value in given.items() if value is not None})
        if cip_lines is not None:
            values["cip_lines"] = cip_lines.read_text(encoding="utf-8")
        stored = update_colophon(session, album, values, expected_version=album.version)
        rows = [(LABELS[f.key], stored.get(f.key, "")) for f in FIELDS]
    for label, value in rows:
        shown = value.replace("\n", "\n    ") if value else "（未填）"
        click.echo(f"{label}：{shown}")
