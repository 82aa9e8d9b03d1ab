"""Speed of the landscape tools: analytic Hessian, matrix-free extreme eigenvalues, k smallest
critical values.

Run inside the project's environment: ``python benchmarks/bench_landscape.py``. Prints a table
and writes benchmarks/results/landscape.md. Targets (issue "The library, part 2: the loss
landscape"):

* analytic Hessian (dense) for about 1,000 weights: < 1 s;
* extreme Hessian eigenvalues, matrix-free (Lanczos on Hessian-vector products), for about
  100,000 weights: < 10 s;
* the 20 smallest critical values for 30 singular values and rank bound 15 (best-first search,
  about 6e8 admissible learnt sets are never enumerated): < 0.1 s.

Each measurement is the median of several runs; each also checks its result against an
independent computation, so a fast wrong answer cannot pass.

BLAS threads: the products here are small (100 x 100), where OpenBLAS gains nothing from
threads, and on a shared, loaded machine its threads spin against other jobs: a Hessian-vector
product at 100,000 weights took 0.2-0.7 s with 2 threads against 0.02 s with 1 (measured
2026-11-23, load average 7). The script therefore pins one BLAS thread unless
``OPENBLAS_NUM_THREADS`` is already set, and records the setting.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", os.environ["OPENBLAS_NUM_THREADS"])
import platform
import statistics
import sys
import time
from datetime import date
from math import comb
from pathlib import Path

import numpy as np

import deeplinear as dl

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "landscape.md"


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_hessian() -> list[tuple[str, str, str]]:
    rng = np.random.default_rng(0)
    widths = (10,) * 11  # h = 10 layers of 10 x 10: 1,000 weights
    W = [rng.standard_normal((10, 10)) / np.sqrt(10) for _ in range(10)]
    Sigma = np.diag(np.linspace(3, 0.3, 10))
    t, H = median_time(lambda: dl.hessian(W, Sigma), 7)
    v = rng.standard_normal(H.shape[0])
    err = np.max(np.abs(H @ v - dl.hessian_vector_product(W, Sigma, v))) / np.max(np.abs(H @ v))
    cp = dl.critical_point(tuple(range(1, 11)), Sigma, widths)
    t2, H2 = median_time(lambda: dl.hessian(cp.weights, Sigma), 7)
    lam = np.linalg.eigvalsh(H2)[-1]
    return [
        (f"analytic Hessian, {H.shape[0]} weights (h = 10, widths 10), random point", f"{t * 1e3:.1f} ms",
         f"< 1 s; H v vs matrix-free: rel. diff {err:.1e}"),
        (f"analytic Hessian, {H2.shape[0]} weights, balanced global minimum", f"{t2 * 1e3:.1f} ms",
         f"< 1 s; lambda_max = {lam:.6f} vs h sigma_1^(2-2/h) = {10 * 3 ** 1.8:.6f}"),
    ]


def bench_lanczos() -> list[tuple[str, str, str]]:
    rows = []
    widths = (100,) * 11  # h = 10 layers of 100 x 100: 100,000 weights
    sig = np.linspace(3, 0.1, 100)
    Sigma = np.diag(sig)
    cp = dl.critical_point(tuple(range(1, 101)), Sigma, widths)
    t, res = median_time(lambda: dl.extreme_eigenvalues(cp.weights, Sigma, which="largest"), 3)
    pred = 10 * sig[0] ** 1.8
    rows.append((f"largest Hessian eigenvalue, {res.n_weights} weights, balanced global minimum",
                 f"{t:.2f} s", f"< 10 s; {res.lambda_max:.8f} vs h sigma_1^(2-2/h) = {pred:.8f}; {res.n_matvec} H-v products"))
    rng = np.random.default_rng(1)
    W = [np.linalg.qr(rng.standard_normal((100, 100)))[0] * 1.05 for _ in range(10)]
    t, res = median_time(lambda: dl.extreme_eigenvalues(W, Sigma, which="both"), 3)
    # check: the Rayleigh quotient of the largest never exceeds it (random probes), and the
    # smallest is below the smallest Rayleigh quotient of random probes
    op = dl.hessian_operator(W, Sigma)
    probes = rng.standard_normal((op.shape[0], 5))
    rq = [(p @ (op @ p)) / (p @ p) for p in probes.T]
    ok = res.lambda_min <= min(rq) and res.lambda_max >= max(rq)
    rows.append((f"smallest and largest Hessian eigenvalues, {res.n_weights} weights, random orthogonal-like point",
                 f"{t:.2f} s", f"< 10 s; [{res.lambda_min:.4f}, {res.lambda_max:.4f}] brackets random Rayleigh quotients: {ok}; "
                 f"{res.n_matvec} H-v products"))
    return rows


def bench_critical_values() -> list[tuple[str, str, str]]:
    s = np.arange(30, 0, -1.0)
    t, cv = median_time(lambda: dl.critical_values(s, (30, 15, 30), k=20), 21)
    n_sets = sum(comb(30, c) for c in range(16))
    ok = cv.values[0] == 0.5 * sum(x**2 for x in range(1, 16)) and list(cv.values) == sorted(cv.values)
    # independent check on a smaller instance: k smallest == the full enumeration's first k
    s2 = np.random.default_rng(2).uniform(0.5, 5, 14)
    full = dl.critical_values(s2, (14, 7, 14))
    part = dl.critical_values(s2, (14, 7, 14), k=20)
    ok = ok and part.values == full.values[:20] and part.subsets == full.subsets[:20]
    return [(f"20 smallest critical values, 30 singular values, rank bound 15 ({n_sets:.2e} admissible sets)",
             f"{t * 1e3:.2f} ms", f"< 0.1 s; agrees with full enumeration on a 14-value instance: {ok}")]


def main() -> int:
    rows = bench_hessian() + bench_lanczos() + bench_critical_values()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    header = (
        f"Date: {date.today().isoformat()}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, load average {load:.1f} "
        "(other jobs share the machine; timings are medians)."
    )
    lines = ["# Landscape benchmarks", "", header, "", "| measure | time | target and check |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
