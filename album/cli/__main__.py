"""``python -m album.cli``: the same command as the installed ``album``."""

from album.cli import main

main()
