"""``album user``: accounts from the command line — the first admin of a new home, and every
account after it — without the web app. Passwords come on standard input, never as arguments
(which other users of the machine can read in the process list)."""

from __future__ import annotations

import sys

import click

from album import accounts
from album.cli.common import open_ctx_home
from album.db import transaction
from album.errors import AlbumError
from album.messages import ROLE_NAMES
from album.models import Role

ROLES = click.Choice([role.value for role in Role])


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise AlbumError("请在标准输入中给出密码（例如 echo 密码 | album user add …）")
    return password


@click.group()
def user() -> None:
    """Manage accounts: add, list, set-role, passwd, disable."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLES, required=True)
@click.option("--unit", default="", help="Contributing unit (供稿单位) of the person.")
@click.option("--display-name", default="", help="Name shown in the app (default: NAME).")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.pass_context
def add(ctx: click.Context, name: str, role: str, unit: str, display_name: str, password_stdin: bool) -> None:
    """Add an account."""
    password = _password_from_stdin()
    home = open_ctx_home(ctx, create=True)
    with transaction(home.factory) as session:
        made = accounts.create_user(session, name, password, Role(role), display_name=display_name, unit=unit)
        click.echo(f"已创建用户 {made.username}（{ROLE_NAMES[made.role]}）")


@user.command("list")
@click.pass_context
def list_cmd(ctx: click.Context) -> None:
    """List accounts: name, role, unit, state."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        rows = [(u.username, ROLE_NAMES[u.role], u.unit, "在用" if u.active else "已停用")
                for u in accounts.list_users(session)]
    if not rows:
        click.echo("（还没有账号）")
    for name, role, unit, state in rows:
        click.echo(f"{name}\t{role}\t{unit or '-'}\t{state}")


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=ROLES)
@click.pass_context
def set_role(ctx: click.Context, name: str, role: str) -> None:
    """Change an account's role."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        found = accounts.find_user(session, name)
        accounts.set_role(session, found, Role(role))
        click.echo(f"{found.username} 现在是{ROLE_NAMES[found.role]}")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the new password from standard input.")
@click.pass_context
def passwd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password; the account's sessions end."""
    password = _password_from_stdin()
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        found = accounts.find_user(session, name)
        accounts.set_password(session, found, password)
        click.echo(f"已为 {found.username} 设置新密码，其已登录的会话均已退出")


@user.command("disable")
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable an account; its sessions end and it can no longer sign in."""
    home = open_ctx_home(ctx)
    with transaction(home.factory) as session:
        found = accounts.find_user(session, name)
        accounts.set_active(session, found, False)
        click.echo(f"已停用 {found.username}")
