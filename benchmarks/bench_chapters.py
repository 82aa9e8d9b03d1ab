"""Time every chapter notebook run live, top to bottom, in a fresh kernel.

Run inside the project's environment (`make bench`, or `.venv/bin/python
benchmarks/bench_chapters.py`). Writes benchmarks/results/chapters.md. Target (issue 15, "Fast
live runs"): every chapter runs in at most 20 s on a 2-core machine.

Each notebook is executed as a reader runs it (Restart & Run All): a new kernel per chapter,
started in chapters/, and *without* the ``DEEPLINEAR_BUILD=1`` that the book's build exports, so
the explorers render their live form. The machine may be shared with other jobs, so besides the
wall time the CPU time of the kernel process (user + system, its children included) is recorded:
it is roughly what the run takes on an otherwise idle core.

    python benchmarks/bench_chapters.py                    # all chapters, results/chapters.md
    python benchmarks/bench_chapters.py --cells open-problems   # also time each cell, no file written
    python benchmarks/bench_chapters.py --repeat 3         # best of 3 runs per chapter
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from machine import cpu_model  # benchmarks/machine.py (scripts run from this folder)

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
TARGET = 20.0  # seconds, wall time of one chapter's live run
BIN = Path(sys.executable).parent


def reader_env() -> dict[str, str]:
    """The environment of a reader's kernel: the project's interpreter, no build flag."""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    env.pop("DEEPLINEAR_BUILD", None)
    return env


def kernel_cpu(pid: int) -> float:
    """CPU seconds (user + system, children included) the kernel process has used."""
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def run(path: Path, cells: bool = False) -> dict:
    """Execute one notebook in a fresh kernel; wall and CPU times, per cell when asked."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTERS)}})
    per_cell = []
    start = time.perf_counter()
    with client.setup_kernel(env=reader_env()):
        started = time.perf_counter()
        pid = client.km.provisioner.process.pid
        cpu0 = kernel_cpu(pid)
        for index, cell in enumerate(nb.cells):
            t0, c0 = time.perf_counter(), kernel_cpu(pid) if cells else 0.0
            client.execute_cell(cell, index)
            if cell.cell_type == "code":
                per_cell.append((index, time.perf_counter() - t0, (kernel_cpu(pid) if cells else 0.0) - c0,
                                 cell.source))
        done = time.perf_counter()
        cpu = kernel_cpu(pid)
    return {"start": started - start, "run": done - started, "cpu": cpu, "cpu_run": cpu - cpu0,
            "load": os.getloadavg()[0], "cells": per_cell if cells else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter slugs (default: every chapter)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per chapter; the best is kept")
    parser.add_argument("--cells", action="store_true", help="print the slowest cells' times (wall, CPU); write no file")
    args = parser.parse_args()
    paths = ([CHAPTERS / f"{slug}.ipynb" for slug in args.chapters] if args.chapters
             else sorted(CHAPTERS.glob("*.ipynb")))
    load_start = os.getloadavg()[0]
    results = {}
    for path in paths:
        runs = [run(path, cells=args.cells) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["run"])
        results[path.stem] = best
        print(f"{path.stem}: run {best['run']:.1f} s wall, kernel CPU {best['cpu']:.1f} s "
              f"(start {best['start']:.1f} s)", flush=True)
        if args.cells:
            for index, secs, cpu, source in sorted(best["cells"], key=lambda c: -c[2])[:8]:
                first = source.strip().splitlines()[0][:80] if source.strip() else ""
                print(f"    cell {index:3d}: {secs:6.2f} s wall, {cpu:6.2f} s CPU  {first}")
    if args.cells or args.chapters:
        return
    load_end = os.getloadavg()[0]
    order = sorted(results.items(), key=lambda kv: -kv[1]["run"])
    slowest, worst = order[0]
    by_cpu, most = max(results.items(), key=lambda kv: kv[1]["cpu"])
    over = [slug for slug, r in order if r["run"] > TARGET]
    cores = os.cpu_count()
    lines = [
        "# Chapter notebooks: live run times",
        "",
        f"Measured {date.today().isoformat()} on {cores} cores ({cpu_model()}), Python "
        f"{platform.python_version()}, load average {load_start:.1f} at start and {load_end:.1f} at the end. "
        "Produced by `benchmarks/bench_chapters.py`"
        + (f", best of {args.repeat} runs per chapter." if args.repeat > 1 else ", one run per chapter."),
        "",
        "Each chapter runs as a reader runs it: a fresh kernel, every cell top to bottom, explorers in",
        "their live form (no `DEEPLINEAR_BUILD`). *Run* is the wall time from the kernel being ready to",
        "the last cell's end; *kernel CPU* is the CPU time (user + system) of the kernel process from its",
        "start, imports included; *load* is the machine's 1-minute load average when the run ended. The",
        "machine may be shared with other jobs: when the load exceeds the cores, the wall time is",
        "inflated (roughly by load / cores) while the CPU time is not, so the CPU time plus the kernel",
        "start bounds what the run takes on an otherwise idle machine (from above: it counts the start",
        "twice).",
        "",
        f"**Slowest: {slowest}, {worst['run']:.1f} s wall** ({worst['cpu']:.1f} s kernel CPU); most CPU: "
        f"{by_cpu}, {most['cpu']:.1f} s. Target: at most {TARGET:.0f} s per chapter; "
        + (f"over it in wall time: {', '.join(over)}." if over else "every chapter within it in wall time."),
        "",
        "| chapter | run, wall (s) | kernel CPU (s) | kernel start (s) | load | wall within 20 s | CPU + start within 20 s |",
        "|---|---:|---:|---:|---:|:---:|:---:|",
    ]
    for slug, r in order:
        lines.append(f"| {slug} | {r['run']:.1f} | {r['cpu']:.1f} | {r['start']:.1f} | {r['load']:.1f} | "
                     f"{'yes' if r['run'] <= TARGET else 'no'} | {'yes' if r['cpu'] + r['start'] <= TARGET else 'no'} |")
    total = sum(r["run"] for r in results.values())
    lines += ["", f"All {len(results)} chapters: {total:.0f} s of live runs in total."]
    out = ROOT / "benchmarks" / "results" / "chapters.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
