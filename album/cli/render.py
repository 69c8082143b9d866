"""``album`` commands that plan and render the book: layouts, pin, book, render, preflight."""

from __future__ import annotations

from pathlib import Path

import click

from album.arrange import unpin_photos
from album.catalog import current_album
from album.cli.common import Progress, open_ctx_home
from album.db import transaction
from album.errors import AlbumError
from album.layout.paginate import describe_book
from album.layout.stats import describe_stats
from album.layout.templates import load_templates
from album.messages import SEVERITY_NAMES
from album.models import Pin
from album.preflight.checks import run_preflight, write_report
from album.preflight.input import build_preflight_input
from album.publish import book_quality, plan_book, render_album


@click.command()
@click.pass_context
def layouts(ctx: click.Context) -> None:
    """List the page templates in the layouts folder."""
    home = open_ctx_home(ctx)
    templates = load_templates(home.settings.layouts_dir)
    for template in templates.describe():
        click.echo(template)


@click.command()
@click.argument("template")
@click.argument("photo_ids", nargs=-1, type=int, required=True)
@click.option("--remove", is_flag=True, help="Remove pins on these photos instead.")
@click.pass_context
def pin(ctx: click.Context, template: str, photo_ids: tuple[int, ...], remove: bool) -> None:
    """Pin TEMPLATE (a layout name, 'alone' or 'spread') for the given photo ids."""
    home = open_ctx_home(ctx)
    if template not in ("alone", "spread") and not remove:
        names = load_templates(home.settings.layouts_dir).names()
        if template not in names:
            raise AlbumError(f"没有名为 {template} 的版式；可用：{', '.join(sorted(names))}")
    with transaction(home.factory) as session:
        album = current_album(session)
        unpin_photos(session, album, photo_ids)
        if not remove:
            session.add(Pin(album_id=album.id, template=template, photo_ids=list(photo_ids)))
    click.echo(("已取消" if remove else f"已固定版式 {template}：") + "、".join(map(str, photo_ids)))


@click.command()
@click.option("--stats", is_flag=True,
              help="Page quality instead: photo cover of the margin box, white space, crop loss, "
                   "effective ppi, template runs, full-bleed pages per chapter.")
@click.pass_context
def book(ctx: click.Context, stats: bool) -> None:
    """Print the page plan: page number, template, photos (or its quality figures)."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album_id = current_album(session).id
    if stats:
        for line in describe_stats(book_quality(home, album_id)):
            click.echo(line)
        return
    plan = plan_book(home, album_id)
    for line in describe_book(plan):
        click.echo(line)
    for warning in plan.warnings:
        click.echo(f"注意：{warning}", err=True)


@click.command()
@click.option("--print", "kind", flag_value="print", help="Print PDF: CMYK, bleed, marks, PDF/X-4.")
@click.option("--proof", "kind", flag_value="proof", help="Proof PDF (校样): sRGB, 150 ppi, watermark.")
@click.option("--cover", "kind", flag_value="cover", help="Cover sheet: back + spine + front with bleed.")
@click.option("--spreads", is_flag=True, help="Proof only: facing pages side by side.")
@click.option("--final", is_flag=True,
              help="Print only: the 付印 render. Refused unless 终审 passed on the latest proof "
                   "and the album has not changed since; recorded as a release.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def render(ctx: click.Context, kind: str | None, spreads: bool, final: bool, output: Path) -> None:
    """Render the album to a PDF and write its preflight report beside it.

    A print render without --final carries "未付印 校样第N版" outside the trim."""
    if kind is None:
        raise AlbumError("请选择 --print、--proof 或 --cover")
    if final and kind != "print":
        raise AlbumError("--final 只用于印刷文件（--print）")
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album_id = current_album(session).id
    with Progress("渲染") as bar:
        outcome = render_album(home, album_id, kind, out_path=output, spreads=spreads, final=final,
                               progress=bar)
    summary = outcome.preflight.summary()
    label = {"print": "印刷文件", "proof": "校样", "cover": "封面"}[kind]
    click.echo(
        f"第 {outcome.number} 版{label}：{output}，"
        f"{outcome.report.page_count} 页；预检 错误 {summary['errors']} 项，警告 {summary['warnings']} 项"
    )
    if final:
        click.echo(f"已付印：{outcome.release_note}")


@click.command()
@click.option("--pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also check this written PDF (colour, fonts, boxes, PDF/X-4).")
@click.option("--proof", "mode", flag_value="proof", help="The PDF is a proof: skip print-only rules.")
@click.option("--print", "mode", flag_value="print", default=True, help="The PDF is for print (default).")
@click.pass_context
def preflight(ctx: click.Context, pdf: Path | None, mode: str) -> None:
    """Check the album (and optionally a PDF) for what a printing house would reject.

    Exit status 1 when any error is found."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        inp = build_preflight_input(session, album, home.store)
        album_id = album.id
    book_plan = plan_book(home, album_id)
    report = run_preflight(book_plan, inp, pdf_path=pdf, mode=mode)
    if pdf is not None:
        write_report(report, pdf.with_suffix(".preflight.json"), pdf.with_suffix(".preflight.html"))
    for item in report.items:
        where = f"第 {item.page} 页 " if item.page else ""
        click.echo(f"[{SEVERITY_NAMES[item.severity]}] {where}{item.message}")
    summary = report.summary()
    click.echo(f"预检：错误 {summary['errors']} 项，警告 {summary['warnings']} 项")
    if report.has_errors:
        ctx.exit(1)
