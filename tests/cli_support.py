"""Running the real ``album`` command from tests, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ALBUM = [sys.executable, "-m", "album.cli"]


def run_album(home: Path, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """``album --home HOME ARGS``; with ``check`` a non-zero exit fails the test with its stderr."""
    result = subprocess.run([*ALBUM, "--home", str(home), *args], capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"album {' '.join(args)} failed: {result.stderr}")
    return result
