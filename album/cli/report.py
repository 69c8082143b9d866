"""``album report``: printable reports of the album's work (the 审稿单 of a proof)."""

from __future__ import annotations

from pathlib import Path

import click

from album.catalog import current_album
from album.cli.common import open_ctx_home
from album.db import transaction
from album.proofs import proof_by_number
from album.signoff import write_review_sheet_of


@click.group()
def report() -> None:
    """Printable reports: the 审稿单 of a proof."""


@report.command("review")
@click.option("--proof", "number", type=int, required=True, help="The proof's number (校样第N版).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def review(ctx: click.Context, number: int, output: Path) -> None:
    """The 审稿单 of a proof: every stage with its opinion, signer and date (A4 PDF)."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        write_review_sheet_of(session, album, proof_by_number(session, album, number), output)
    click.echo(f"审稿单：{output}")
