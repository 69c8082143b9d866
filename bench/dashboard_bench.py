"""Dashboard benchmark: how long the editors' 征集进度 page takes at 300 units and 3,000 photos.

    .venv/bin/python bench/dashboard_bench.py [--runs 15]

The synthetic campaign of the tests (tests/campaign_support.py: 21 市州, 219 县, 60 省直部门 =
300 units, 300 contributors, 3,000 photos, 2 rounds, inserted in bulk) in a temporary home on
SQLite, served by the real app through Flask's test client, signed in as an editor. Each run is
one whole request (queries, figures, template, SVG chart), after one warm-up request. Lines:

- **baseline**: ``GET /editor/review``, the review queue editors already open all day, on the
  same album (one page of 60 photos);
- **floor**: ``campaign_progress()`` alone, the grouped queries and the arithmetic without a page;
- **dashboard**: ``GET /editor/progress`` (whole campaign) and ``?round=2`` (one round).

The target is 0.3 s (issue 12). Peak RSS is this process's, after all runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGET_S = 0.3


def measure(name: str, call: Callable[[], object], runs: int) -> float:
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    print(f"| {name:<28} | {median:6.3f} | {min(samples):6.3f} |")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from album.accounts import create_user
    from album.campaign.progress import campaign_progress
    from album.db import transaction
    from album.models import Album, Role
    from campaign_support import build_campaign
    from web import create_app

    with tempfile.TemporaryDirectory(prefix="huace-dashboard-bench-") as tmp:
        app = create_app({"ALBUM_HOME": str(Path(tmp) / "home"), "TESTING": True, "WTF_CSRF_ENABLED": False,
                          "SECRET_KEY": "bench"})
        home = app.extensions["album_home"]
        start = time.perf_counter()
        with transaction(home.factory) as s:
            s.query(Album).delete()
            camp = build_campaign(s, cities=21, counties=219, departments=60, contributors=300, photos=3000)
            create_user(s, "bench-editor", "bench-password-1", Role.editor)
        print(f"campaign built in {time.perf_counter() - start:.1f} s: {len(camp.units)} units, "
              f"{len(camp.photos)} photos; load average {os.getloadavg()[0]:.2f}; {args.runs} runs each")
        client = app.test_client()
        client.post("/login", data={"username": "bench-editor", "password": "bench-password-1"})

        def page(url: str) -> Callable[[], object]:
            def get() -> object:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response
            return get

        def floor() -> object:
            with transaction(home.factory) as s:
                return campaign_progress(s, s.get(Album, camp.album_id))

        print("| what                         | median s | min s  |")
        print("|------------------------------|----------|--------|")
        measure("baseline: /editor/review", page("/editor/review?status=all"), args.runs)
        measure("floor: campaign_progress()", floor, args.runs)
        whole = measure("dashboard: /editor/progress", page("/editor/progress"), args.runs)
        one = measure("dashboard: ?round=2", page("/editor/progress?round=2"), args.runs)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak_mb:.0f} MB; target {TARGET_S} s: "
              f"{'met' if max(whole, one) <= TARGET_S else 'NOT met'}")
        home.close()


if __name__ == "__main__":
    main()
