#!/usr/bin/env python3
"""The same descents written the way a user would write them without
trilobite -- NumPy vectorised over starts on the CPU; JAX (vmap + jit +
lax.fori_loop) and PyTorch (batched tensors, autograd) where installed --
timed side by side with `trilobite bench` in one run.

For every case it first checks agreement: the peer runs plain gradient
descent from the exact starts trilobite used (read from a `trilobite
descend` file) and its end points must match trilobite's. Then it times
both and prints steps per second and the ratio ours / peer. Exit status 1
when any agreement check fails.

    bench/peers/peers.py --trilobite build/trilobite [--starts 100000] [--steps 100]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

# JAX takes most of the GPU's memory at its first use unless told not to;
# trilobite (a subprocess here) and PyTorch share the device with it.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

# Learning rates as `trilobite bench` uses them (src/jobs/bench.cpp).
def learning_rate(land):
    return 1e-4 if land == "rosenbrock" else 1e-3


def default_box(land, dim):
    lo, hi = {"quartic-dimple": (-2.5, 2.5), "rosenbrock": (-2.0, 2.0),
              "rastrigin": (-5.12, 5.12), "bowl": (-2.0, 2.0)}[land]
    return np.full(dim, lo), np.full(dim, hi)


# ---- NumPy: analytic gradients, vectorised over the starts (rows) ---------
def numpy_grad(land):
    if land == "quartic-dimple":
        def g(w):
            x, y = w[:, 0], w[:, 1]
            e = np.exp(-((x - 1.5) ** 2 + (y + 0.5) ** 2))
            return np.stack([1.6 * x ** 3 - 4 * x + 0.1 * y + (x - 1.5) * e,
                             y + 0.1 * x + (y + 0.5) * e], axis=1)
    elif land == "rosenbrock":
        def g(w):
            out = np.zeros_like(w)
            a = w[:, 1:] - w[:, :-1] ** 2
            out[:, :-1] += -400 * w[:, :-1] * a - 2 * (1 - w[:, :-1])
            out[:, 1:] += 200 * a
            return out
    elif land == "rastrigin":
        def g(w):
            return 2 * w + 20 * np.pi * np.sin(2 * np.pi * w)
    elif land == "bowl":
        def g(w):
            return 2 * w
    else:
        raise SystemExit(f"peers.py: no NumPy form of {land}")
    return g


def numpy_descend(land, w0, lr, steps):
    g = numpy_grad(land)
    w = w0.copy()
    lr = w.dtype.type(lr)
    for _ in range(steps):
        w -= lr * g(w)
    return w


# ---- JAX and PyTorch: the loss written once, gradients by autodiff --------
def loss_expr(land, w, lib):
    if land == "quartic-dimple":
        x, y = w[..., 0], w[..., 1]
        return (0.4 * x ** 4 - 2 * x ** 2 + 0.5 * y ** 2 + 0.1 * x * y
                - 0.5 * lib.exp(-((x - 1.5) ** 2 + (y + 0.5) ** 2)))
    if land == "rosenbrock":
        a, b = w[..., :-1], w[..., 1:]
        return (100 * (b - a ** 2) ** 2 + (1 - a) ** 2).sum(-1)
    if land == "rastrigin":
        return 10 * w.shape[-1] + (w ** 2 - 10 * lib.cos(2 * np.pi * w)).sum(-1)
    if land == "bowl":
        return (w ** 2).sum(-1)
    raise SystemExit(f"peers.py: no form of {land}")


# Each peer is (put, compute, fetch): put moves starts where the peer
# computes, compute runs the descents and waits for them, fetch brings the
# end points back as a NumPy array. The timed part is compute alone, as
# trilobite's GPU rate is its kernels' (device events).
def make_numpy(land, lr, steps):
    return (lambda w0: w0.copy()), (lambda w: numpy_descend(land, w, lr, steps)), (lambda w: w), "cpu"


def make_jax(land, lr, steps):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    grad = jax.grad(lambda w: loss_expr(land, w, jnp))

    @jax.jit
    def run(w0):
        def one(w):
            return jax.lax.fori_loop(0, steps, lambda _, v: v - lr * grad(v), w)
        return jax.vmap(one)(w0)

    def put(w0):
        return jax.device_put(w0).block_until_ready()

    def compute(w):
        return run(w).block_until_ready()
    return put, compute, np.asarray, jax.devices()[0].platform


def make_torch(land, lr, steps):
    import torch
    dev = "cuda" if torch.cuda.is_available() else "cpu"

    def put(w0):
        return torch.tensor(w0, device=dev)

    def compute(w0):
        w = w0.clone().requires_grad_(True)
        for _ in range(steps):
            loss = loss_expr(land, w, torch).sum()
            (g,) = torch.autograd.grad(loss, w)
            with torch.no_grad():
                w -= lr * g
        if dev == "cuda":
            torch.cuda.synchronize()
        return w.detach()
    return put, compute, (lambda w: w.cpu().numpy()), dev


# ---- trilobite itself -----------------------------------------------------
def ours_starts_and_ends(exe, land, dim, prec, n, steps, backend):
    import h5py
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "agree.h5")
        subprocess.run([exe, "descend", "-l", land, "--dim", str(dim), "--starts", str(n),
                        "--steps", str(steps), "--tol", "0", "--quench-steps", "0", "--lr", repr(learning_rate(land)),
                        "--diverge-factor", "1e12", "--precision", prec, "--backend", backend,
                        "--no-polish", "-o", path],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with h5py.File(path) as f:
            return f["descents/start"][...], f["descents/end"][...], f["descents/steps"][...]


def ours_rates(exe, case, prec, n, steps, repeats):
    out = subprocess.run([exe, "bench", "--cases", case, "--precision", prec, "--starts", str(n),
                          "--steps", str(steps), "--repeats", str(repeats), "--json"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    return {r["backend"]: (r["steps_per_s"], r["e2e_steps_per_s"]) for r in doc["results"]}


def median_rate(compute, w, n, steps, repeats):
    compute(w)  # warm-up (and JIT compilation)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        compute(w)
        times.append(time.perf_counter() - t0)
    return n * steps / float(np.median(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trilobite", required=True)
    ap.add_argument("--cases", default="quartic-dimple-2d,rosenbrock-2d,rosenbrock-16d,rastrigin-2d,rastrigin-16d")
    ap.add_argument("--precision", default="f64,f32")
    ap.add_argument("--starts", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--check-starts", type=int, default=1024)
    ap.add_argument("--peers", default="numpy,jax,torch", help="those not installed are skipped")
    a = ap.parse_args()

    peers = []
    for p in a.peers.split(","):
        try:
            if p == "jax":
                import jax  # noqa: F401
            elif p == "torch":
                import torch  # noqa: F401
            peers.append(p)
        except ImportError:
            print(f"peers.py: {p} is not installed; skipped", file=sys.stderr)

    failures = 0
    rows = []
    rng = np.random.default_rng(1)
    for case in a.cases.split(","):
        land, dim = case.rsplit("-", 1)
        dim = int(dim[:-1])
        lr = learning_rate(land)
        lo, hi = default_box(land, dim)
        for prec in a.precision.split(","):
            dtype = np.float64 if prec == "f64" else np.float32
            tol = 1e-9 if prec == "f64" else 2e-3
            ours = ours_rates(a.trilobite, case, prec, a.starts, a.steps, a.repeats)
            start, end, steps_done = ours_starts_and_ends(a.trilobite, land, dim, prec, a.check_starts,
                                                          a.steps, "cpu")
            ok_rows = steps_done == a.steps  # a diverged descent stops early: not comparable
            w_time = (lo + (hi - lo) * rng.random((a.starts, dim))).astype(dtype)
            for peer in peers:
                make = {"numpy": make_numpy, "jax": make_jax, "torch": make_torch}[peer]
                put, compute, fetch, where = make(land, lr, a.steps)
                got = fetch(compute(put(start.astype(dtype))))
                err = np.abs(got - end)[ok_rows] / (1 + np.abs(end[ok_rows]))
                worst = float(err.max()) if err.size else float("nan")
                agree = bool(err.size) and worst <= tol  # nothing compared is no agreement
                failures += not agree
                rate = median_rate(compute, put(w_time), a.starts, a.steps, a.repeats)
                # Compare like with like: a GPU peer against our GPU, a CPU one against our CPU.
                mine, mine_e2e = ours.get("cuda" if where in ("gpu", "cuda") else "cpu", (0, 0))
                rows.append((case, prec, peer, where, rate, mine, mine_e2e, worst, int(ok_rows.sum()),
                             agree))
    # ours steps/s: computing alone (on a GPU the kernels, by device events),
    # as the peer's rate is; ours e2e/s adds bringing every result to the host.
    print(f"{'case':18} {'prec':4} {'peer':6} {'on':4} {'peer steps/s':>13} {'ours steps/s':>13} "
          f"{'ours/peer':>9} {'ours e2e/s':>11} {'max rel diff':>12} {'compared':>8} agree")
    for case, prec, peer, where, rate, mine, mine_e2e, worst, compared, agree in rows:
        ratio = f"{mine / rate:9.1f}" if mine else "      n/a"
        mine_s = f"{mine:13.4g}" if mine else "          n/a"
        print(f"{case:18} {prec:4} {peer:6} {where:4} {rate:13.4g} {mine_s} {ratio} {mine_e2e:11.4g} "
              f"{worst:12.2e} {compared:8d} {'yes' if agree else 'NO'}")
    if failures:
        print(f"peers.py: {failures} agreement check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
