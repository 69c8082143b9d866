"""``album units``: the list of contributing units — import it, list it, map captions' unmatched
供稿单位 texts to units, merge two units."""

from __future__ import annotations

from pathlib import Path

import click

from album.campaign import units as unit_ops
from album.campaign.unit_list import import_unit_list
from album.catalog import current_album, find_album
from album.cli.common import open_ctx_home
from album.db import transaction


@click.group()
def units() -> None:
    """Contributing units (供稿单位): import, list, unmatched, map, merge."""


@units.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_cmd(ctx: click.Context, path: Path) -> None:
    """Import a unit list (CSV or XLSX: 单位名称, 上级单位, 联系人, 电话, 邮箱, 别名[, 级别]); then point
    photos whose 供稿单位 text names a unit at it."""
    home = open_ctx_home(ctx, create=True)
    with transaction(home.factory) as session:
        result = import_unit_list(session, path)
        album = find_album(session)
        moved = unit_ops.map_unmatched_photos(session, album) if album else 0
        left = unit_ops.unmatched_names(session, album) if album else []
    click.echo(f"已导入单位名单：新增 {result.created} 个，更新 {result.updated} 个；{moved} 张照片对应到了单位")
    if left:
        click.echo(f"尚有 {len(left)} 个供稿单位名称未对应（album units unmatched 查看）")


@units.command("list")
@click.pass_context
def list_cmd(ctx: click.Context) -> None:
    """List units: name, level, parent, contact, phone, e-mail, aliases."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        found = unit_ops.list_units(session)
        parents = {u.id: u.name for u in found}
        rows = [(u.name, unit_ops.LEVEL_NAMES[u.level], parents.get(u.parent_id, "-"), u.contact or "-",
                 u.phone or "-", u.email or "-", "、".join(u.aliases) or "-") for u in found]
    if not rows:
        click.echo("（还没有单位：album units import 名单.xlsx）")
    for row in rows:
        click.echo("\t".join(row))


@units.command("unmatched")
@click.pass_context
def unmatched(ctx: click.Context) -> None:
    """供稿单位 texts of photos that no unit stands for yet, with their photo counts."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        rows = unit_ops.unmatched_names(session, current_album(session))
    if not rows:
        click.echo("所有照片的供稿单位都已对应到单位")
    for row in rows:
        click.echo(f"{row.name}\t{row.photos} 张")


@units.command("map")
@click.argument("text")
@click.argument("unit")
@click.pass_context
def map_cmd(ctx: click.Context, text: str, unit: str) -> None:
    """Map the 供稿单位 TEXT to UNIT: its photos move there and TEXT becomes an alias."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        target = unit_ops.find_unit(session, unit)
        moved = unit_ops.map_names(session, current_album(session), {text: target.id})
        click.echo(f"“{text}”已对应到 {target.name}：{moved} 张照片")


@units.command("merge")
@click.argument("keep")
@click.argument("other")
@click.pass_context
def merge(ctx: click.Context, keep: str, other: str) -> None:
    """Merge OTHER into KEEP: photos, people, targets and letters move; OTHER's names become aliases."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        kept, gone = unit_ops.find_unit(session, keep), unit_ops.find_unit(session, other)
        gone_name = gone.name
        moved = unit_ops.merge_units(session, kept, gone)
        click.echo(f"已将 {gone_name} 并入 {kept.name}：{moved} 张照片随之移入")
