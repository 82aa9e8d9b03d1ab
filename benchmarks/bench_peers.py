"""deeplinear against what a user would otherwise use: torch (autograd), JAX (jit) and diffrax.

Run in an environment with the peers (benchmarks/requirements-peers.txt, not the book's
requirements) and the library on the path::

    python -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install -r benchmarks/requirements-peers.txt
    PYTHONPATH=lib /tmp/peers-venv/bin/python benchmarks/bench_peers.py

Prints the tables and writes benchmarks/results/peers.md. Targets (issue 13, "Speed"):

* value and gradient of the quadratic loss within 1.2x of JAX (jit) at (h, width) = (6, 64),
  (4, 256), (20, 16);
* ``gradient_flow`` (depth 4, width 10, small start, to t = 1100) within 1.5x of diffrax's
  Dopri8 (jit, compile time excluded) at equal dense-output accuracy.

Every answer is checked against deeplinear's before it is timed (loss and gradient to 1e-12
relative; the flows' interpolated weights against a tight reference), so a fast wrong answer
cannot pass. One thread each (OpenBLAS, torch, XLA), CPU time of this process, best of several
repeats: on a shared machine compare the ratios of one run, not times across runs. A peer that
cannot be imported is named and skipped; with none, the results file is left as it is.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
import importlib
import platform
import sys
import time
from datetime import date
from pathlib import Path

from machine import cpu_model  # benchmarks/machine.py (scripts run from this folder)

import numpy as np
import scipy
from scipy.integrate import solve_ivp

import deeplinear as dl
from deeplinear._flow_core import _make_rhs, _max_step
from deeplinear.trajectory import _Packer

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "peers.md"
PEERS = ("torch", "jax", "diffrax")


def import_peers() -> tuple[dict, dict]:
    """The importable peers, and why the others are not."""
    found, missing = {}, {}
    for name in PEERS:
        try:
            found[name] = importlib.import_module(name)
        except Exception as err:  # noqa: BLE001  (any import failure: report it)
            missing[name] = f"{type(err).__name__}: {err}"
    if "jax" in found:
        found["jax"].config.update("jax_enable_x64", True)
    if "torch" in found:
        found["torch"].set_num_threads(1)
    return found, missing


def best_time(fn, number: int, repeats: int = 7) -> float:
    """Best over ``repeats`` of the mean CPU time of ``number`` calls, in seconds."""
    best = np.inf
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(number):
            fn()
        best = min(best, (time.process_time() - t0) / number)
    return best


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} us" if seconds < 1e-3 else (f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s")


# --------------------------------------------------------------------------- value and gradient


def _loss_np(W, S):
    P = W[0]
    for M in W[1:]:
        P = M @ P
    R = S - P
    return 0.5 * float(np.sum(R * R))


def vg_contenders(W, S, peers):
    """name -> (callable returning (loss, [grads]) as numpy)."""
    out = {
        "dl.loss_and_gradient": lambda: dl.loss_and_gradient(W, S),
        "dl.loss + dl.gradient (before: two calls)": lambda: (dl.loss(W, S), dl.gradient(W, S)),
    }
    if "torch" in peers:
        torch = peers["torch"]
        Wt = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in W]
        St = torch.tensor(S, dtype=torch.float64)

        def torch_vg():
            P = Wt[0]
            for M in Wt[1:]:
                P = M @ P
            L = 0.5 * ((St - P) ** 2).sum()
            G = torch.autograd.grad(L, Wt)
            return float(L.detach()), [g.numpy() for g in G]

        out["torch (autograd)"] = torch_vg
    if "jax" in peers:
        jax, jnp = peers["jax"], importlib.import_module("jax.numpy")

        def loss(Wj, Sj):
            P = Wj[0]
            for M in Wj[1:]:
                P = M @ P
            R = Sj - P
            return 0.5 * jnp.sum(R * R)

        f = jax.jit(jax.value_and_grad(loss))
        Wj, Sj = [jnp.asarray(w) for w in W], jnp.asarray(S)
        f(Wj, Sj)[0].block_until_ready()  # compile

        def jax_vg():
            L, G = f(Wj, Sj)
            L.block_until_ready()
            return float(L), [np.asarray(g) for g in G]

        def jax_vg_device():  # results left on the device: the cost of the computation alone
            L, G = f(Wj, Sj)
            jax.block_until_ready(G)

        out["JAX (jit)"] = jax_vg
        out["JAX (jit), results not copied to numpy"] = jax_vg_device
    return out


def bench_value_and_gradient(peers) -> list[dict]:
    rows = []
    for h, width in ((6, 64), (4, 256), (20, 16)):
        rng = np.random.default_rng(0)
        d = (width,) * (h + 1)
        W = dl.random_init(d, rng, 1.0, fan_in=True)
        S = np.diag(np.linspace(3.0, 1.0, width))
        L_ref, G_ref = dl.loss_and_gradient(W, S)
        assert abs(L_ref - _loss_np(W, S)) <= 1e-12 * L_ref
        number = max(3, int(2e-2 / (h * width**3 * 1e-9 + 2e-6)))
        times, errors = {}, {}
        for name, fn in vg_contenders(W, S, peers).items():
            res = fn()
            if res is not None:  # check the answer before timing it
                L, G = res
                err = max(abs(L - L_ref) / L_ref, max(float(np.max(np.abs(g - r)) / np.max(np.abs(r))) for g, r in zip(G, G_ref)))
                assert err < 1e-12, f"{name} disagrees with deeplinear at h = {h}, width {width}: {err:.2g}"
                errors[name] = err
            times[name] = best_time(fn, number)
        rows.append({"h": h, "width": width, "times": times, "errors": errors})
        print(f"h = {h}, width {width}: " + ", ".join(f"{k} {fmt(v)}" for k, v in times.items()), flush=True)
    return rows


# --------------------------------------------------------------------------- flow


T_END = 1100.0
T_OUT = np.linspace(0.0, T_END, 221)


def flow_problem():
    S = np.diag(np.linspace(5.0, 1.0, 10))
    W0 = dl.random_init((10,) * 5, np.random.default_rng(1), 0.05)
    return W0, S


def flow_error(Y: np.ndarray, ref: np.ndarray) -> float:
    """Largest entry error of the weights at the output times, relative to the largest weight."""
    return float(np.max(np.abs(Y - ref)) / np.max(np.abs(ref)))


def diffrax_flow(peers, W0, S, rtol, atol, solver_name="Dopri8"):
    """A jitted diffrax solve of the same flow, saving at T_OUT; returns (run, states)."""
    jax, jnp, diffrax = peers["jax"], importlib.import_module("jax.numpy"), peers["diffrax"]
    shapes = [w.shape for w in W0]
    offs = np.concatenate([[0], np.cumsum([a * b for a, b in shapes])]).astype(int)
    Sj = jnp.asarray(S)

    def vf(t, y, args):
        W = [y[offs[i]:offs[i + 1]].reshape(s) for i, s in enumerate(shapes)]
        pre = [W[0]]
        for M in W[1:]:
            pre.append(M @ pre[-1])
        B = Sj - pre.pop()
        out = [None] * len(W)
        for j in range(len(W) - 1, 0, -1):
            out[j] = (B @ pre[j - 1].T).ravel()
            B = W[j].T @ B
        out[0] = B.ravel()
        return jnp.concatenate(out)

    solver = getattr(diffrax, solver_name)()
    term = diffrax.ODETerm(vf)
    ctrl = diffrax.PIDController(rtol=rtol, atol=atol)
    ts = jnp.asarray(T_OUT)

    @jax.jit
    def solve(y0):
        sol = diffrax.diffeqsolve(term, solver, 0.0, T_END, None, y0, stepsize_controller=ctrl,
                                  saveat=diffrax.SaveAt(ts=ts), max_steps=400_000)
        return sol.ys, sol.stats["num_steps"]

    y0 = jnp.asarray(np.concatenate([w.ravel() for w in W0]))
    ys, _ = solve(y0)
    ys.block_until_ready()  # compile

    def run():
        ys, steps = solve(y0)
        ys.block_until_ready()
        return ys, steps

    ys, steps = run()
    return run, np.asarray(ys).T, int(steps)


def bench_flow(peers) -> dict:
    W0, S = flow_problem()
    packer = _Packer([w.shape for w in W0])
    rhs = _make_rhs(packer, S)
    y0 = packer.pack(W0)
    cap = _max_step("auto", W0, S)
    t0 = time.process_time()
    ref = solve_ivp(rhs, (0.0, T_END), y0, method="DOP853", t_eval=T_OUT, rtol=1e-13, atol=1e-17, max_step=cap / 4).y
    print(f"flow reference: {time.process_time() - t0:.1f} s", flush=True)
    out = {"cap": cap, "rows": []}

    def add(name, fn, states, nfev, steps, repeats=3):
        err = flow_error(states, ref)
        seconds = best_time(fn, 1, repeats)
        out["rows"].append({"name": name, "time": seconds, "error": err, "nfev": nfev, "steps": steps})
        print(f"{name}: {fmt(seconds)}, error {err:.1e}, nfev {nfev}, steps {steps}", flush=True)

    tr = dl.gradient_flow(W0, S, (0.0, T_END), t_eval=T_OUT)
    add("dl.gradient_flow (t_eval: 221 times)", lambda: dl.gradient_flow(W0, S, (0.0, T_END), t_eval=T_OUT),
        np.array([packer.pack(w) for w in tr.weights]).T, tr.nfev, None)
    plain = solve_ivp(rhs, (0.0, T_END), y0, method="DOP853", t_eval=T_OUT, rtol=1e-10, atol=1e-14, max_step=cap)
    add("solve_ivp, same settings (DOP853, rtol 1e-10, atol 1e-14, same max_step)",
        lambda: solve_ivp(rhs, (0.0, T_END), y0, method="DOP853", t_eval=T_OUT, rtol=1e-10, atol=1e-14, max_step=cap),
        plain.y, plain.nfev, plain.t.size)
    if "diffrax" in peers and "jax" in peers:
        for solver_name in ("Dopri8", "Tsit5"):
            for rtol in (1e-10, 1e-11, 1e-12):
                run, states, steps = diffrax_flow(peers, W0, S, rtol, rtol * 1e-4, solver_name)
                add(f"diffrax {solver_name} (jit), rtol {rtol:g}, atol {rtol * 1e-4:g}", run, states, None, steps)
    t0 = time.process_time()
    conv = dl.gradient_flow(W0, S, (0.0, 1e9))
    out["converged"] = (conv.status, conv.t_stop, conv.nfev, time.process_time() - t0, conv.message)
    print(f"t_span = (0, 1e9): {conv.status} at t = {conv.t_stop:.1f}, nfev {conv.nfev}", flush=True)
    return out


# --------------------------------------------------------------------------- report


def versions(peers) -> str:
    parts = [f"Python {platform.python_version()}", f"numpy {np.__version__}", f"scipy {scipy.__version__}"]
    for name in ("torch", "jax", "diffrax"):
        if name in peers:
            parts.append(f"{name} {peers[name].__version__}")
    if "jax" in peers:
        parts.append(f"jaxlib {importlib.import_module('jaxlib').__version__}")
    return ", ".join(parts)


def report(vg, flow, peers, missing, load0, load1) -> str:
    lines = ["# deeplinear against torch, JAX and diffrax", ""]
    lines.append(
        f"Date: {date.today().isoformat()}. Machine: {cpu_model()}, {os.cpu_count()} cores, {versions(peers)}; "
        f"one thread each (OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, torch.set_num_threads(1), "
        f"XLA single-threaded); load average {load0:.1f} at start and {load1:.1f} at the end (other jobs share the "
        "machine: times are CPU times of this process, best of several repeats; compare the ratios of one run).")
    if missing:
        lines += ["", "Not importable, so not measured: " + "; ".join(f"{k} ({v})" for k, v in missing.items()) + "."]
    lines += ["", "## Value and gradient of the quadratic loss", "",
              "Random weights `random_init((w,)*(h+1), default_rng(0), 1.0, fan_in=True)`, Sigma = diag(linspace(3, 1, w)). "
              "Every contender's loss and gradient agree with deeplinear's to the relative error shown (checked < 1e-12) before being timed. "
              "deeplinear validates its inputs on every call (the peers do not).", "",
              "| h | width | contender | time | ratio to dl.loss_and_gradient | relative difference from deeplinear |", "|---|---|---|---|---|---|"]
    for r in vg:
        base = r["times"]["dl.loss_and_gradient"]
        for name, t in r["times"].items():
            e = r["errors"].get(name)
            lines.append(f"| {r['h']} | {r['width']} | {name} | {fmt(t)} | {t / base:.2f} | {'' if e is None else f'{e:.1e}'} |")
    if "jax" in peers:
        lines += ["", "dl.loss_and_gradient / JAX (jit) (target <= 1.2): " + ", ".join(
            f"(h, width) = ({r['h']}, {r['width']}): {r['times']['dl.loss_and_gradient'] / r['times']['JAX (jit)']:.2f} "
            f"(against JAX without the copy to numpy: {r['times']['dl.loss_and_gradient'] / r['times']['JAX (jit), results not copied to numpy']:.2f})"
            for r in vg) + "."]
    lines += ["", "## Gradient flow: depth 4, width 10, small start, to t = 1100", "",
              "Sigma = diag(linspace(5, 1, 10)), W0 = random_init((10,)*5, default_rng(1), 0.05) (the issue's problem: "
              f"the last plateau ends near t = 1110); weights at 221 evenly spaced times on [0, 1100]. Error: the largest entry "
              "error of those weights against a tight reference (DOP853, rtol 1e-13, atol 1e-17, a quarter of the step cap), "
              f"relative to the largest weight. deeplinear's step cap max_step = 'auto' is {flow['cap']:.4f} here.", "",
              "| contender | time | ratio to dl.gradient_flow | error | RHS evaluations | steps |", "|---|---|---|---|---|---|"]
    base = flow["rows"][0]["time"]
    for r in flow["rows"]:
        lines.append(f"| {r['name']} | {fmt(r['time'])} | {r['time'] / base:.2f} | {r['error']:.1e} | "
                     f"{'' if r['nfev'] is None else r['nfev']} | {'' if r['steps'] is None else r['steps']} |")
    dl_err = flow["rows"][0]["error"]
    dopri = [r for r in flow["rows"] if "Dopri8" in r["name"]]
    if dopri:
        ok = [r for r in dopri if r["error"] <= dl_err] or [min(dopri, key=lambda r: r["error"])]
        best = min(ok, key=lambda r: r["time"])
        lines += ["", f"At equal accuracy (the cheapest Dopri8 setting whose error is at most deeplinear's {dl_err:.1e}, or the most "
                  f"accurate one if none is): {best['name']}, error {best['error']:.1e}; dl.gradient_flow / that = "
                  f"{base / best['time']:.2f} (target <= 1.5)."]
    status, t_stop, nfev, seconds, message = flow["converged"]
    lines += ["", f"`dl.gradient_flow(W0, Sigma, t_span=(0, 1e9))`: status {status!r}, stopped at t = {t_stop:.1f} after "
              f"{nfev} evaluations in {seconds:.2f} s ({message})."]
    return "\n".join(lines) + "\n"


def main() -> int:
    peers, missing = import_peers()
    for name, why in missing.items():
        print(f"could not import {name}: {why}", flush=True)
    if not peers:
        print("no peer importable (see benchmarks/requirements-peers.txt); results file left unchanged")
        return 0
    load0 = os.getloadavg()[0]
    vg = bench_value_and_gradient(peers)
    flow = bench_flow(peers)
    text = report(vg, flow, peers, missing, load0, os.getloadavg()[0])
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
