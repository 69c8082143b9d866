"""``album store copy``: move a home's media to an S3-compatible bucket, verified by sha256."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from album.cli.common import open_ctx_home
from album.config import MediaSettings
from album.store_copy import copy_home, toml_lines


@click.group()
def store() -> None:
    """The media store: copy a home's originals, cache and proofs to S3."""


@store.command("copy")
@click.option("--to", "to", required=True, metavar="s3://BUCKET/PREFIX", help="Target bucket and prefix.")
@click.option("--endpoint-url", default="", help="S3-compatible endpoint (MinIO, Ceph…); AWS when empty.")
@click.option("--region", default="", help="Region of the bucket (default: boto3's own setting).")
@click.option("--with-cache", is_flag=True, help="Copy the derived-image cache too (else made again on use).")
@click.pass_context
def copy(ctx: click.Context, to: str, endpoint_url: str, region: str, with_cache: bool) -> None:
    """Upload originals (and proofs; the cache with --with-cache), read each back and compare its
    sha256; skip what is already there intact. Credentials: s3_access_key_id/s3_secret_access_key
    in album.toml or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. Exit 1 on any mismatch."""
    home = open_ctx_home(ctx)
    own = home.settings.media
    target = replace(MediaSettings(access_key_id=own.access_key_id, secret_access_key=own.secret_access_key),
                     url=to.rstrip("/"), endpoint_url=endpoint_url or own.endpoint_url, region=region or own.region)
    with click.progressbar(length=1, label="复制到 S3") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        report = copy_home(home, target, with_cache=with_cache, progress=progress)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        click.echo("复制未完成：有文件校验不符，请检查后重新运行", err=True)
        sys.exit(1)
    click.echo("复制完成。在 album.toml 中写入以下设置即可改用 S3 媒体库：")
    for line in toml_lines(target):
        click.echo(f"  {line}")
