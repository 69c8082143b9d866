"""Start-up benchmark: how long a quick ``album`` command takes, against named baselines.

    .venv/bin/python bench/startup_bench.py [--runs 15] [--baseline 3c4f079]

A person types ``album chapters`` many times a day; most of its time is the interpreter and
imports, not the query. Each run here is a fresh process, timed from outside (wall) and from the
kernel (user + system CPU), on a small album (3 photos, 3 chapters) made once in a temporary home:

- **baseline**: the same command from the commit named by ``--baseline`` (by default the last
  one before the stage packages and lazy commands), checked out with ``git worktree`` and run
  with this venv's interpreter;
- **current**: this working tree;
- **floor**: ``python -c "import sqlalchemy.orm, album.models"``, the imports no database command
  can avoid, so the distance between *current* and *floor* is what is left to win.

Read the load average in the header: wall time moves with other programs on the machine, CPU
time much less.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one run of ``cmd``, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(name: str, cmd: list[str], cwd: Path, env: dict[str, str], runs: int) -> None:
    timed(cmd, cwd, env)  # warm the page cache and any bytecode caches
    samples = [timed(cmd, cwd, env) for _ in range(runs)]
    walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
    print(f"| {name:<9} | {statistics.median(walls):6.3f} | {min(walls):6.3f} | "
          f"{statistics.median(cpus):6.3f} |")


def make_home(home: Path) -> None:
    album = [PYTHON, "-m", "album.cli", "--home", str(home)]
    subprocess.run([*album, "init", "--title", "启动测试"], check=True, stdout=subprocess.DEVNULL)
    photos = sorted((ROOT / "demo" / "photos").glob("*.jpg"))[:3]
    for chapter, photo in zip(("旗帜引领", "时代先锋", "产业就业扶贫"), photos):
        subprocess.run([*album, "import", str(photo), "--chapter", chapter], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", default="3c4f079",
                        help="commit to compare with (default: before the stage packages)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, {args.runs} runs each\n")
    with tempfile.TemporaryDirectory(prefix="huace-startup-") as tmp:
        work = Path(tmp)
        home = work / "home"
        make_home(home)
        baseline = work / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(baseline),
                        args.baseline], check=True)
        try:
            env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
            chapters = ["-m", "album.cli", "--home", str(home), "chapters"]
            print("| run       | median s | min s | median CPU s |")
            print("|-----------|--------|--------|--------|")
            measure(f"baseline", [PYTHON, *chapters], baseline, {**env, "PYTHONPATH": str(baseline)},
                    args.runs)
            measure("current", [PYTHON, *chapters], ROOT, {**env, "PYTHONPATH": str(ROOT)}, args.runs)
            measure("floor", [PYTHON, "-c", "import sqlalchemy.orm, album.models"], ROOT,
                    {**env, "PYTHONPATH": str(ROOT)}, args.runs)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
                           check=False)
    print(f"\nbaseline = commit {args.baseline}; command: album --home HOME chapters")


if __name__ == "__main__":
    main()
