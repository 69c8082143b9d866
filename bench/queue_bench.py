"""Queue benchmark: a cold print render drawn directly, through the queue by one worker, and in
parts by one and by two ``album worker`` processes, on the render bench's album; part times
recorded, and a cost model for more workers built from them.

    .venv/bin/python bench/queue_bench.py [--photos 480] [--work DIR] [--json out.json]

Every run starts cold (image cache and proofs emptied). The direct run is render_bench's cold
print (a child process). A queued run starts real ``album worker`` processes on the workload's
home (SQLite queue), waits until they listen, enqueues the render and polls its row until it is
done; its wall time runs from the enqueue to the poll that sees ``done`` (so it includes the
workers' pickup latency: they poll an idle queue at most once a second). CPU s is user + system
time summed over every process of the measured trees as psutil last sampled it (rusage of
children reported a third of that on this machine: image processes forked from a forkserver are
not the worker's children); peak RSS/PSS is sampled over the same trees. ``render_parts`` is set per run through
``ALBUM_RENDER_PARTS``: ``local`` (the job is drawn whole by the worker that takes it) or
``queue`` (drawn in parts).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workload as wl  # noqa: E402
from render_bench import TreeSampler, measure, row  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OVERHEAD_TARGET = 0.05
MODEL_WORKERS = (1, 2, 4, 8)


def start_workers(home: Path, count: int, parts: str, logs: Path) -> list[subprocess.Popen[bytes]]:
    """``count`` real ``album worker`` processes, returned once each says it listens."""
    env = {**os.environ, "ALBUM_RENDER_PARTS": parts, "PYTHONPATH": str(REPO)}
    procs = []
    for index in range(count):
        log = logs / f"worker-{parts}-{count}-{index}.log"
        log.unlink(missing_ok=True)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "album.cli", "--home", str(home), "worker"],
            stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True))
        deadline = time.monotonic() + 60
        while "渲染队列" not in log.read_text(errors="replace"):
            if procs[-1].poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker did not start: {log.read_text(errors='replace')}")
            time.sleep(0.05)
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(60)


def queued(workload: wl.Workload, parts: str, count: int, logs: Path) -> dict:
    """One cold print render through the queue with ``count`` workers."""
    from sqlalchemy import select

    from album.db import transaction
    from album.models import Proof, RenderPart
    from album.tasks import RenderQueue, start_render

    wl.reset_outputs(workload.home)
    home = wl.open_workload(workload)
    queue = RenderQueue(home)
    procs = start_workers(workload.home, count, parts, logs)
    try:
        with TreeSampler([p.pid for p in procs]) as peak:
            start = time.perf_counter()
            proof_id = start_render(queue, workload.album_id, "print", user_id=None)
            while True:
                with transaction(home.factory) as session:
                    proof = session.get(Proof, proof_id)
                    if proof.status in ("done", "failed", "cancelled"):
                        session.expunge(proof)
                        break
                time.sleep(0.05)
            wall = time.perf_counter() - start
    finally:
        stop_workers(procs)
    if proof.status != "done":
        raise SystemExit(f"queued render {parts}/{count} ended {proof.status}: {proof.error}")
    with transaction(home.factory) as session:
        rows = session.scalars(select(RenderPart).where(RenderPart.proof_id == proof_id)
                               .order_by(RenderPart.index)).all()
        spans = [(_utc(r.heartbeat_at).timestamp() - r.seconds, _utc(r.heartbeat_at).timestamp(),
                  r.seconds, r.stop_sheet - r.first_sheet, r.worker) for r in rows]
    home.close()
    result = {"wall": wall, "pages": proof.page_count, "bytes": Path(proof.pdf_path).stat().st_size,
              "cpu": peak.cpu_seen, "peak_rss": peak.rss, "peak_pss": peak.pss, "parts": [s[2] for s in spans],
              "sheets": [s[3] for s in spans], "workers_used": len({s[4] for s in spans})}
    if spans:
        created = _utc(proof.created_at).timestamp()
        result["plan"] = min(s[0] for s in spans) - created
        result["join"] = _utc(proof.finished_at).timestamp() - max(s[1] for s in spans)
    return result


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def makespan(times: list[float], workers: int) -> float:
    """Parts taken in order by whichever of ``workers`` is free first, as the queue hands them."""
    free = [0.0] * workers
    for t in times:
        first = free.index(min(free))
        free[first] += t
    return max(free)


def report(workload: wl.Workload, res: dict) -> None:
    direct, whole, one, two = res["direct"], res["queue_whole"], res["parts_1"], res["parts_2"]
    print(f"\nhuace queue benchmark — {time.strftime('%Y-%m-%d %H:%M')}, nproc={os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"album: {workload.describe()}; {direct['pages']} pages\n")
    print("| run                            |  wall s |   CPU s | pages/s | peak RSS MB | peak PSS MB | output MB | notes |")
    print("|--------------------------------|--------:|--------:|--------:|------------:|------------:|----------:|-------|")
    print(row("direct (album render)", direct, f"{direct['parts']} memory parts, one process"))
    print(row("queue, 1 worker, drawn whole", whole, "render_parts = local"))
    for label, r in (("queue, 1 worker, in parts", one), ("queue, 2 workers, in parts", two)):
        print(row(label, r, f"{len(r['parts'])} parts, plan {r['plan']:.1f} s, join+PDF/X+preflight "
                            f"{r['join']:.1f} s, {r['workers_used']} workers drew"))
    overhead = whole["wall"] / direct["wall"] - 1
    parts_overhead = one["wall"] / direct["wall"] - 1
    print(f"\n- queue overhead (1 worker, drawn whole) against direct: {overhead:+.1%} — "
          f"{'met' if overhead <= OVERHEAD_TARGET else 'MISSED'} (target ≤ 5 %)")
    print(f"- drawn in parts by 1 worker against direct: {parts_overhead:+.1%}")
    print(f"- 2 workers against 1 (in parts, both on this {os.cpu_count()}-core machine): "
          f"{one['wall'] / two['wall']:.2f} × faster")
    times = one["parts"]
    print(f"\npart times (1 worker, s): n={len(times)}, sum {sum(times):.1f}, min {min(times):.1f}, "
          f"median {sorted(times)[len(times) // 2]:.1f}, max {max(times):.1f}; sheets per part "
          f"{one['sheets'][0]}")
    print("  " + " ".join(f"{t:.1f}" for t in times))
    serial = one["plan"] + one["join"]
    print(f"\nMODEL (not measured): one worker per {os.cpu_count()}-core machine like this one, "
          f"serial {one['plan']:.1f} s plan + {one['join']:.1f} s join/PDF-X/preflight, the "
          f"measured part times handed out in order (FIFO)")
    print("| workers | model wall s | Amdahl bound s | speed-up vs 1 |")
    print("|--------:|-------------:|---------------:|--------------:|")
    base = serial + makespan(times, 1)
    for n in MODEL_WORKERS:
        model = serial + makespan(times, n)
        print(f"| {n} | {model:.1f} | {serial + sum(times) / n:.1f} | {base / model:.2f} |")


def overhead(workload: wl.Workload, out: Path) -> None:
    walls: dict[str, list[float]] = {"direct": [], "queued": []}
    for which in ("direct", "queued", "queued", "direct"):
        print(f"… {which}", file=sys.stderr, flush=True)
        if which == "direct":
            wl.reset_outputs(workload.home)
            walls[which].append(measure("cold", workload, 0, out / "direct.pdf")["wall"])
        else:
            walls[which].append(queued(workload, "local", 1, out)["wall"])
    direct, queue = sum(walls["direct"]) / 2, sum(walls["queued"]) / 2
    print(f"\nqueue overhead, {workload.photos} photos, cold print, load average "
          f"{os.getloadavg()[0]:.2f}: direct {walls['direct'][0]:.1f} / {walls['direct'][1]:.1f} s, "
          f"queued {walls['queued'][0]:.1f} / {walls['queued'][1]:.1f} s; means {direct:.1f} vs "
          f"{queue:.1f} s: {queue / direct - 1:+.1%} — "
          f"{'met' if queue / direct - 1 <= OVERHEAD_TARGET else 'MISSED'} (target ≤ 5 %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=480)
    parser.add_argument("--camera-share", type=float, default=0.5)
    parser.add_argument("--work", type=Path, help="keep inputs and homes here to reuse them")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--overhead", action="store_true",
                        help="only direct vs queued (drawn whole), in the order direct, queued, "
                             "queued, direct, so that a load drifting over the run cancels out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="huace-qbench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        workload = wl.build(work, args.photos, args.camera_share)
        out = work / "out"
        out.mkdir(exist_ok=True)
        if args.overhead:
            overhead(workload, out)
            return
        res = {}
        print("… direct", file=sys.stderr, flush=True)
        wl.reset_outputs(workload.home)
        direct = measure("cold", workload, 0, out / "direct.pdf")
        res["direct"] = {**direct, "cpu": direct["cpu_seen"]}
        for key, parts, count in (("queue_whole", "local", 1), ("parts_1", "queue", 1),
                                  ("parts_2", "queue", 2)):
            print(f"… {key}", file=sys.stderr, flush=True)
            res[key] = queued(workload, parts, count, out)
        if args.json:
            args.json.write_text(json.dumps(res, indent=1))
        report(workload, res)


if __name__ == "__main__":
    main()
