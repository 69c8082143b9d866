"""``album report``: the office's documents — the 审稿单 of a proof, the progress report (通报)
and reminder letters."""

from __future__ import annotations

from pathlib import Path

import click

from album.campaign.progress import campaign_progress
from album.catalog import current_album
from album.cli.campaign import parse_day
from album.cli.common import open_ctx_home
from album.db import transaction
from album.proofs import proof_by_number
from album.signoff import write_review_sheet_of

OUT = click.Path(dir_okay=False, path_type=Path)


@click.group()
def report() -> None:
    """Reports: the 审稿单 of a proof, progress (通报), letters (催报函)."""


@report.command("progress")
@click.option("--round", "round_number", type=int, default=None, help="Round number (default: all rounds).")
@click.option("--number", type=int, default=None, help="Issue number 第N期 (default: the next one; an issued number is written again).")
@click.option("--date", "day", default="", help="Date of the report, YYYY-MM-DD (default: today).")
@click.option("-o", "--output", type=OUT, required=True, help="通报.xlsx or 通报.pdf.")
@click.pass_context
def progress(ctx: click.Context, round_number: int | None, number: int | None, day: str, output: Path) -> None:
    """Write the numbered progress report (通报) as XLSX or PDF, with the dashboard's figures."""
    from album.reports.progress_report import issue_report, write_progress_report

    home = open_ctx_home(ctx)
    today = parse_day(day) if day else None
    with transaction(home.factory) as session:
        album = current_album(session)
        figures = campaign_progress(session, album, round_number=round_number, today=today)
        issued = issue_report(session, album, figures, number=number, issued_on=today)
        write_progress_report(figures, issued.number, issued.issued_on, output)
        click.echo(f"已写出第{issued.number}期通报：{output}（{len(figures.units)} 个单位，"
                   f"{len(figures.lagging)} 个未完成目标）")


@report.command("letters")
@click.option("--round", "round_number", type=int, default=None, help="Round number (default: all rounds).")
@click.option("--due", default="", help="Date to report by, YYYY-MM-DD (default: the round's deadline).")
@click.option("--contact", default="", help="Contact line printed in the letter, e.g. 张三 028-12345678.")
@click.option("--issuer", default="", help="Issuing office (default: the album's publisher).")
@click.option("--date", "day", default="", help="Date of the letters, YYYY-MM-DD (default: today).")
@click.option("-o", "--output", type=OUT, required=True, help="催报函.pdf (one file) or 催报函.zip (one PDF per unit).")
@click.pass_context
def letters(ctx: click.Context, round_number: int | None, due: str, contact: str, issuer: str, day: str,
            output: Path) -> None:
    """Write a reminder letter to every unit behind its target and record them as sent."""
    from album.reports.letters import send_letters

    home = open_ctx_home(ctx)
    today = parse_day(day) if day else None
    with transaction(home.factory) as session:
        album = current_album(session)
        figures = campaign_progress(session, album, round_number=round_number, today=today)
        sent = send_letters(session, album, figures, output, due=parse_day(due) if due else None,
                            contact=contact, issuer=issuer, issued_on=today)
        click.echo(f"已写出 {len(sent)} 封催报函：{output}")


@report.command("review")
@click.option("--proof", "number", type=int, required=True, help="The proof's number (校样第N版).")
@click.option("-o", "--output", type=OUT, required=True)
@click.pass_context
def review(ctx: click.Context, number: int, output: Path) -> None:
    """The 审稿单 of a proof: every stage with its opinion, signer and date (A4 PDF)."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        write_review_sheet_of(session, album, proof_by_number(session, album, number), output)
    click.echo(f"审稿单：{output}")
