"""``album settings``: show the album's settings, or change those given."""

from __future__ import annotations

from pathlib import Path

import click

from album.arrange import update_album
from album.catalog import current_album, get_photo
from album.cli.common import open_ctx_home
from album.db import transaction
from album.layout.snapshot import PAGE_MULTIPLES
from album.messages import GREY_PHOTOS_NAMES


def _text_file(path: Path | None) -> str | None:
    return None if path is None else path.read_text(encoding="utf-8").strip()


@click.command("settings")
@click.option("--title")
@click.option("--subtitle")
@click.option("--publisher")
@click.option("--trim", help="Trim WxH in mm or a preset (大16开, A4, 横16开, 方形).")
@click.option("--page-multiple", type=click.Choice([str(n) for n in PAGE_MULTIPLES]),
              help="Pad the page count to a multiple of this (a signature).")
@click.option("--caliper", type=float, help="Paper caliper in mm per leaf (spine width).")
@click.option("--icc", help="The printing house's CMYK output profile (.icc); '' for the default.")
@click.option("--intent", type=click.Choice(["relative", "perceptual"]), help="Rendering intent for photos.")
@click.option("--preface", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Preface text file.")
@click.option("--afterword", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Afterword text file.")
@click.option("--copyright", "copyright_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Copyright page text file.")
@click.option("--cover-photo", type=int, help="Photo id for the front cover.")
@click.pass_context
def settings_cmd(ctx: click.Context, title: str | None, subtitle: str | None, publisher: str | None,
                 trim: str | None, page_multiple: str | None, caliper: float | None, icc: str | None,
                 intent: str | None, preface: Path | None, afterword: Path | None,
                 copyright_file: Path | None, cover_photo: int | None) -> None:
    """Show the album's settings, or change those given (front matter, trim, print settings)."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        album = current_album(session)
        update_album(
            session, album, expected_version=album.version,
            title=title if title is not None else album.title,
            subtitle=subtitle if subtitle is not None else album.subtitle,
            publisher=publisher if publisher is not None else album.publisher,
            trim=trim or "",
            preface=_text_file(preface) if preface else album.preface,
            afterword=_text_file(afterword) if afterword else album.afterword,
            copyright_text=_text_file(copyright_file) if copyright_file else album.copyright_text,
            page_multiple=int(page_multiple) if page_multiple else album.page_multiple,
            paper_caliper_mm=caliper if caliper is not None else album.paper_caliper_mm,
            icc_profile_path=album.icc_profile_path if icc is None else (str(Path(icc).resolve()) if icc else ""),
        )
        if intent:
            album.rendering_intent = intent
        if cover_photo is not None:
            album.cover_photo_id = get_photo(session, cover_photo).id
        grey = home.settings.grey_photos
        rows = [
            ("标题", album.title), ("副标题", album.subtitle), ("出版单位", album.publisher),
            ("成品尺寸", f"{album.trim_width_mm:g}×{album.trim_height_mm:g} mm，出血 {album.bleed_mm:g} mm"),
            ("页数倍数", str(album.page_multiple)), ("纸张厚度", f"{album.paper_caliper_mm:g} mm/张"),
            ("输出特性文件", album.icc_profile_path or f"默认：{home.settings.cmyk_profile}"),
            ("色彩意图", album.rendering_intent),
            ("黑白照片", f"{GREY_PHOTOS_NAMES[grey]}（album.toml 中 grey_photos = \"{grey}\"）"),
            ("封面照片", str(album.cover_photo_id or "（第一张已采用的照片）")),
            ("前言", f"{len(album.preface)} 字"), ("后记", f"{len(album.afterword)} 字"),
            ("版权页", f"{len(album.copyright_text)} 字"),
        ]
    for label, value in rows:
        click.echo(f"{label}：{value}")
