"""Helpers shared by the ``album`` command's modules."""

from __future__ import annotations

import click

from album.home import Home, open_home


def open_ctx_home(ctx: click.Context, create: bool = False) -> Home:
    """Open the home named by ``--home`` for this command and close it when the command ends."""
    root = ctx.find_root()
    home = open_home(root.obj, create=create)
    root.call_on_close(home.close)
    return home


class Progress:
    """A click progress bar fed with fractions 0..1 (what the renderer reports)."""

    def __init__(self, label: str) -> None:
        self.bar = click.progressbar(length=1000, label=label, show_percent=True)
        self.done = 0

    def __enter__(self) -> Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, fraction: float) -> None:
        step = int(max(0.0, min(1.0, fraction)) * 1000)
        if step > self.done:
            self.bar.update(step - self.done)
            self.done = step
