"""Render benchmark: cold print, warm re-render after one caption change, proof, and the naive
and floor baselines on the same album, printed as one table from one run.

    .venv/bin/python bench/render_bench.py [--photos 480] [--workers N] [--camera-share 0.5]
    .venv/bin/python bench/render_bench.py --scaling      # peak RSS at N = 240 vs N = 960
    .venv/bin/python bench/render_bench.py --profile      # pyinstrument profile of a cold render

Each measured run is a child process (a fresh interpreter, so one run's memory does not carry
into the next); wall time is taken inside it around the work alone. CPU seconds are user +
system time of the child and all its descendants (image workers), from the kernel's rusage:
unlike wall time, they barely move when other programs load the machine. Peak RSS is the
largest sum of resident memory over the child and its descendants, sampled every 50 ms with
psutil; forked workers share pages with their parent, so that sum counts shared pages more
than once and overstates. Peak PSS (proportional set size) counts shared pages once and is the
true footprint. Needs psutil (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workload as wl  # noqa: E402

TARGETS = {"cold_vs_floor": 1.3, "naive_speedup": 3.0, "warm_share": 0.10,
           "proof_share": 0.35, "rss_mb": 600, "rss_spread": 0.15}


# ---- child side: one measured run ----

def run_phase(phase: str, workload: wl.Workload, workers: int, out: Path) -> dict:
    from album.publish import plan_book, render_album

    home = wl.open_workload(workload, workers)
    try:
        if phase == "warm":
            wl.change_one_caption(home, workload.album_id)
        if phase in ("naive", "floor", "floor_icc", "decode"):
            import baselines

            book = plan_book(home, workload.album_id)
            start = time.perf_counter()
            if phase == "naive":
                size = baselines.naive_pdf(book, home.store, out)
            elif phase == "decode":
                baselines.run_decode(baselines.floor_jobs(book, home.store, cmyk=False), workers)
                size = 0
            else:
                jobs = baselines.floor_jobs(book, home.store, cmyk=phase == "floor_icc")
                baselines.run_floor(jobs, workers)
                size = 0
            return {"wall": time.perf_counter() - start, "pages": book.page_count,
                    "bytes": size}
        kind = "proof" if phase == "proof" else "print"
        start = time.perf_counter()
        outcome = render_album(home, workload.album_id, kind, out_path=out)
        wall = time.perf_counter() - start
        r = outcome.report
        return {"wall": wall, "pages": r.page_count, "bytes": out.stat().st_size,
                "processed": r.images_processed, "cached": r.images_cached,
                "passthrough": r.images_passthrough, "parts": r.parts,
                "preflight_errors": outcome.preflight.summary()["errors"]}
    finally:
        home.close()


# ---- parent side ----

class TreeSampler(threading.Thread):
    """Peak resident memory summed over processes and all their descendants, sampled every
    50 ms while the ``with`` block runs: ``rss`` (shared pages counted in each process) and
    ``pss`` (shared pages counted once). ``cpu_seen`` sums the last user + system time sampled
    of every process seen (a cross-check of rusage; a process's last 50 ms may be missed)."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.roots = [psutil.Process(pid) for pid in pids]
        self.rss = self.pss = 0
        self._cpu: dict[int, float] = {}
        self._halt = threading.Event()

    def __enter__(self) -> TreeSampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._halt.set()
        self.join()

    @property
    def cpu_seen(self) -> float:
        return sum(self._cpu.values())

    def run(self) -> None:
        tree, listed = list(self.roots), 0.0
        while not self._halt.is_set():
            if time.monotonic() - listed > 0.25:  # walking /proc for children is the costly part
                found = list(self.roots)
                for root in self.roots:
                    try:
                        found += root.children(recursive=True)
                    except psutil.Error:
                        pass
                tree, listed = found, time.monotonic()
            rss = pss = 0
            for p in tree:
                try:
                    mem = p.memory_full_info()
                    rss, pss = rss + mem.rss, pss + mem.pss
                    times = p.cpu_times()
                    self._cpu[p.pid] = times.user + times.system
                except psutil.Error:
                    pass
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            self._halt.wait(0.05)


def measure(phase: str, workload: wl.Workload, workers: int, out: Path) -> dict:
    """Run one phase in a child process and sample its process tree's memory."""
    cmd = [sys.executable, __file__, "--phase", phase, "--manifest",
           str(workload.home / "workload.json"), "--workers", str(workers), "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    with TreeSampler([child.pid]) as peak:
        stdout, _ = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"phase {phase} failed (exit {child.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss"], result["peak_pss"], result["cpu_seen"] = peak.rss, peak.pss, peak.cpu_seen
    # rusage counts only waited-for descendants: image workers forked from a forkserver (a
    # render run beside a heartbeat thread) are not, so the sampled tree's figure is used when
    # it is the larger.
    rusage = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["cpu"] = max(rusage, peak.cpu_seen)
    return result


def row(name: str, r: dict, note: str = "") -> str:
    pages_s = r["pages"] / r["wall"] if r["wall"] else 0
    size = f"{r['bytes'] / 2**20:9.1f}" if r["bytes"] else "      —  "
    return (f"| {name:<30} | {r['wall']:7.1f} | {r['cpu']:7.1f} | {pages_s:7.2f} "
            f"| {r['peak_rss'] / 2**20:8.0f} | {r['peak_pss'] / 2**20:8.0f} | {size} | {note} |")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main_table(args: argparse.Namespace, work: Path) -> None:
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    workload = wl.build(work, args.photos, args.camera_share)
    setup = time.perf_counter() - t0
    out = work / "out"
    out.mkdir(exist_ok=True)
    workers = args.workers or os.cpu_count() or 1
    res = {}
    for phase in ("cold", "warm", "proof", "naive", "floor", "floor_icc", "decode"):
        print(f"… {phase}", file=sys.stderr, flush=True)
        res[phase] = measure(phase, workload, workers, out / f"{phase}.pdf")
    cold, warm, proof = res["cold"], res["warm"], res["proof"]
    naive, floor, floor_icc, decode = res["naive"], res["floor"], res["floor_icc"], res["decode"]
    print(f"\nhuace render benchmark — {time.strftime('%Y-%m-%d %H:%M')}, nproc={os.cpu_count()}, "
          f"workers={workers}, load average before {load_before[0]:.2f} / after "
          f"{os.getloadavg()[0]:.2f}")
    print(f"album: {workload.describe()}; {cold['pages']} pages, 210×285 mm + 3 mm bleed "
          f"(setup {setup:.0f} s, not timed)\n")
    print("| run                            |  wall s |   CPU s | pages/s | peak RSS MB | peak PSS MB | output MB | notes |")
    print("|--------------------------------|--------:|--------:|--------:|------------:|------------:|----------:|-------|")
    print(row("cold print (300 ppi CMYK)", cold,
              f"{cold['processed']} processed, {cold['passthrough']} as is, {cold['parts']} parts, "
              f"preflight errors {cold['preflight_errors']}"))
    print(row("warm print, 1 caption changed", warm,
              f"{warm['processed']} processed, {warm['cached']} from cache"))
    print(row("proof (150 ppi sRGB, cold)", proof,
              f"{proof['processed']} processed, {proof['passthrough']} as is"))
    print(row("baseline naive ReportLab", naive, "originals drawn into the same frames"))
    print(row("baseline floor", floor, "draft decode + resample + encode, pool"))
    print(row("floor + CMYK conversion (info)", floor_icc, "floor plus the ICC transform"))
    print(row("baseline decode once", decode, "each original fully decoded once, pool"))
    checks = [
        ("cold print ≤ 1.3 × floor", cold["wall"] / floor["wall"], "×", cold["wall"] <= 1.3 * floor["wall"]),
        ("cold print ≤ 5 × decoding each original once", cold["wall"] / decode["wall"], "×",
         cold["wall"] <= 5 * decode["wall"]),
        ("the same in CPU time (immune to other load)", cold["cpu"] / decode["cpu"], "×",
         cold["cpu"] <= 5 * decode["cpu"]),
        ("cold print ≥ 3 × faster than naive", naive["wall"] / cold["wall"], "× faster",
         naive["wall"] >= 3 * cold["wall"]),
        ("print output smaller than naive", cold["bytes"] / naive["bytes"], "× naive's size",
         cold["bytes"] < naive["bytes"]),
        ("warm ≤ 10 % of cold", warm["wall"] / cold["wall"], "of cold", warm["wall"] <= 0.1 * cold["wall"]),
        ("proof ≤ 35 % of cold print", proof["wall"] / cold["wall"], "of cold",
         proof["wall"] <= 0.35 * cold["wall"]),
        ("peak RSS ≤ 600 MB (cold print)", cold["peak_rss"] / 2**20, "MB",
         cold["peak_rss"] <= 600 * 2**20),
    ]
    print("\nTargets (judged on wall time; CPU-time ratios beside them are immune to other load):")
    for label, value, unit, ok in checks:
        print(f"- {label}: {value:.2f} {unit} — {verdict(ok)}")
    print(f"- CPU time: cold/floor {cold['cpu'] / floor['cpu']:.2f}, "
          f"cold/(floor + CMYK) {cold['cpu'] / floor_icc['cpu']:.2f}, "
          f"warm/cold {warm['cpu'] / cold['cpu']:.3f}, proof/cold {proof['cpu'] / cold['cpu']:.2f}")
    print(f"- wall: cold/(floor + CMYK conversion) {cold['wall'] / floor_icc['wall']:.2f}")


def scaling(args: argparse.Namespace, work: Path) -> None:
    workers = args.workers or os.cpu_count() or 1
    out = work / "out"
    out.mkdir(exist_ok=True)
    results = {}
    for n in (240, 960):
        print(f"… building and rendering N={n}", file=sys.stderr, flush=True)
        workload = wl.build(work, n, args.camera_share)
        results[n] = measure("cold", workload, workers, out / f"scaling-{n}.pdf")
    a, b = results[240]["peak_rss"], results[960]["peak_rss"]
    print(f"\npeak RSS scaling, cold print, nproc={os.cpu_count()}, workers={workers}, "
          f"camera share {args.camera_share:.0%}\n")
    print("| photos | pages | wall s | CPU s | peak RSS MB | peak PSS MB | output MB | parts |")
    print("|-------:|------:|-------:|------:|------------:|------------:|----------:|------:|")
    for n, r in results.items():
        print(f"| {n} | {r['pages']} | {r['wall']:.1f} | {r['cpu']:.1f} "
              f"| {r['peak_rss'] / 2**20:.0f} | {r['peak_pss'] / 2**20:.0f} "
              f"| {r['bytes'] / 2**20:.0f} | {r['parts']} |")
    spread = abs(b - a) / a
    print(f"\nN=960 vs N=240 peak RSS: {spread:+.1%} — {verdict(spread <= 0.15)} (target within 15 %)")


def profile(args: argparse.Namespace, work: Path) -> None:
    """A cold print render in one process (workers=1) under pyinstrument, so the image work
    shows next to the PDF work; the text report goes to stdout, HTML next to the PDFs."""
    from pyinstrument import Profiler

    from album.publish import render_album

    workload = wl.build(work, args.photos, args.camera_share)
    home = wl.open_workload(workload, workers=1)
    profiler = Profiler(interval=0.005)
    profiler.start()
    render_album(home, workload.album_id, "print", out_path=work / "profile.pdf")
    profiler.stop()
    home.close()
    (work / "profile.html").write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=480)
    parser.add_argument("--workers", type=int, default=0, help="image workers; 0 = one per CPU")
    parser.add_argument("--camera-share", type=float, default=0.5,
                        help="share of photos made from upscaled camera-size sources")
    parser.add_argument("--work", type=Path, help="keep inputs and homes here to reuse them")
    parser.add_argument("--scaling", action="store_true", help="compare N=240 and N=960")
    parser.add_argument("--profile", action="store_true", help="profile one cold render")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        workload = wl.load_manifest(args.manifest)
        print(json.dumps(run_phase(args.phase, workload, args.workers, args.out)))
        return
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        run(args, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="huace-bench-") as tmp:
            run(args, Path(tmp))


def run(args: argparse.Namespace, work: Path) -> None:
    if args.scaling:
        scaling(args, work)
    elif args.profile:
        profile(args, work)
    else:
        main_table(args, work)


if __name__ == "__main__":
    main()
