"""Running the real ``album`` command from tests, as a user would.

``run_album`` runs a command to its end; ``album_argv`` is its command line, for the tests that
must start the command themselves (``Popen``) to watch it, kill it or talk to it while it runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ALBUM = [sys.executable, "-m", "album.cli"]


def album_argv(home: Path | None, *args: str) -> list[str]:
    """The command line of ``album --home HOME ARGS`` (``album ARGS`` when ``home`` is None)."""
    return [*ALBUM, *(("--home", str(home)) if home is not None else ()), *args]


def run_album(home: Path | None, *args: str, check: bool = True, timeout: int = 600,
              env: dict[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``album --home HOME ARGS`` run to its end, output captured as text, ``env`` its environment
    (None: this process's), ``input`` its standard input; with ``check`` a non-zero exit fails
    the test with its stderr."""
    result = subprocess.run(album_argv(home, *args), capture_output=True, text=True, timeout=timeout, env=env,
                            input=input)
    if check and result.returncode != 0:
        pytest.fail(f"album {' '.join(args)} failed: {result.stderr}")
    return result
