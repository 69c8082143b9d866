"""``album campaign``: collection rounds (征集批次) and their targets."""

from __future__ import annotations

from datetime import date

import click

from album.campaign import rounds as round_ops
from album.campaign.units import LEVEL_BY_NAME, find_unit
from album.catalog import current_album, get_or_create_chapter
from album.cli.common import open_ctx_home
from album.db import transaction
from album.errors import AlbumError


def parse_day(text: str) -> date:
    """YYYY-MM-DD, as every date on the command line."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AlbumError(f"日期“{text}”无效，应写作 2026-12-31") from None


@click.group()
def campaign() -> None:
    """Collection rounds and targets: rounds, add-round, target."""


@campaign.command("rounds")
@click.pass_context
def rounds(ctx: click.Context) -> None:
    """List the rounds with their dates."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        found = [(r.number, r.name, r.starts_on, r.deadline) for r in round_ops.list_rounds(session, current_album(session))]
    if not found:
        click.echo("（还没有征集批次：album campaign add-round --start … --deadline …）")
    for number, name, start, deadline in found:
        click.echo(f"{number}\t{name}\t{start} 至 {deadline}")


@campaign.command("add-round")
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--deadline", required=True, help="Last day (included), YYYY-MM-DD.")
@click.option("--name", default="", help="Name, default 第N批.")
@click.pass_context
def add_round(ctx: click.Context, start: str, deadline: str, name: str) -> None:
    """Add the next collection round."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        found = round_ops.add_round(session, current_album(session), parse_day(start), parse_day(deadline), name)
        click.echo(f"已添加第 {found.number} 批征集：{found.starts_on} 至 {found.deadline}")


@campaign.command("target")
@click.argument("count", type=click.IntRange(min=0))
@click.option("--round", "round_number", type=int, required=True, help="Round number.")
@click.option("--unit", default="", help="A unit's name or alias.")
@click.option("--level", default="", help="Default for every unit of a level: 省直部门, 市州 or 县.")
@click.option("--chapter", default="", help="Only photos for this chapter (篇目).")
@click.pass_context
def target(ctx: click.Context, count: int, round_number: int, unit: str, level: str, chapter: str) -> None:
    """Set the target COUNT of a unit or of every unit of a level (0 removes it). A 市州's target
    counts its counties' photos too."""
    if bool(unit) == bool(level):
        raise AlbumError("请给出 --unit 或 --level 之一")
    if level and level not in LEVEL_BY_NAME:
        raise AlbumError(f"级别“{level}”应为 省直部门、市州 或 县")
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        found = round_ops.get_round(session, album, round_number)
        whom = find_unit(session, unit) if unit else None
        round_ops.set_target(session, found, count, unit=whom, level=LEVEL_BY_NAME[level] if level else None,
                             chapter=get_or_create_chapter(session, album, chapter) if chapter else None)
        click.echo(f"第 {found.number} 批：{whom.name if whom else '每个' + level}"
                   f"{'《' + chapter + '》' if chapter else ''}目标 {count} 张")
