#!/usr/bin/env python3
"""The network trainings of `trilobite bench --networks` written the way a
user would write them without trilobite -- NumPy (forward and backward by
hand) and PyTorch on the CPU (autograd; one nn.Module per network, and the
whole ensemble as batched matrix products) -- checked against trilobite,
then timed side by side with it in one run.

Agreement first: trilobite trains a few networks (`descend --records all`),
and each peer trains the same networks from the file's /descents/start, on
the same rows, with the same batch order -- recomputed here from the
documented Fisher-Yates shuffle and a Philox4x32-10 of our own (below) --
and its end weights must match /descents/end (float64: 1e-8 relative to the
largest weight; float32: 2e-3). Then rates: sample-gradients per second
(rows through forward and backward, summed over the ensemble) for the same
number of networks and steps, and the ratio ours / peer. Exit status 1 when
any agreement check fails.

PyTorch comes from Debian's python3-torch (1.13), installed here with
apt-get when it is missing and --peers names it.

    bench/peers/nn_peers.py --trilobite build/trilobite [--cases mlp784-fmnist-b32,...]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time


def threads_asked(argv):
    """--threads N (default 1), read before NumPy and PyTorch start their pools."""
    for k, arg in enumerate(argv):
        if arg == "--threads" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


# Every side gets the same cores: BLAS and OpenMP pools sized before import.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = threads_asked(sys.argv)

import numpy as np  # noqa: E402

# ---- the cases, as src/jobs/bench_networks.cpp defines them ---------------
FAMILIES = {
    "mlp784-fmnist-b": ([784, 16, 16, 10], "sigmoid", "xent", "fashion-mnist"),
    "mlp2-moons-b": ([2, 16, 16, 1], "tanh", "bce", "two-moons"),
}
LR = 0.1      # the networks' default learning rate (plain gradient descent)
SEED = 1      # trilobite's default seed: initial weights and batch order
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def parse_case(name):
    for prefix, (widths, act, loss, data) in FAMILIES.items():
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            return widths, act, loss, data, int(name[len(prefix):])
    raise SystemExit(f"nn_peers.py: '{name}' is not mlp784-fmnist-b<B> or mlp2-moons-b<B>")


# ---- data -----------------------------------------------------------------
def fashion_mnist():
    """The training set as trilobite reads it: bytes / 255 in float32."""
    with gzip.open(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(FASHION_DIR, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x.astype(np.float32) / np.float32(255), y.astype(np.float32)


def moons_csv(path, n=500):
    """Two interleaved half circles with noise, written as CSV (float32
    values printed to 9 digits, which read back to the same float32), so
    that trilobite and the peers train on the same rows."""
    rng = np.random.default_rng(7)
    k = np.arange(n) % 2
    t = np.pi * rng.random(n)
    x = np.where(k == 0, np.cos(t), 1 - np.cos(t))
    y = np.where(k == 0, np.sin(t), 0.5 - np.sin(t))
    pts = (np.stack([x, y], 1) + 0.1 * rng.standard_normal((n, 2))).astype(np.float32)
    with open(path, "w") as f:
        f.write("x0,x1,label\n")
        for (a, b), c in zip(pts, k):
            f.write(f"{a:.9g},{b:.9g},{c}\n")
    return pts, k.astype(np.float32)


# ---- Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC 2011), vectorised -------
PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57   # round multipliers
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85   # key schedule (Weyl) increments
MASK32 = 0xFFFFFFFF


def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """Ten rounds on counters (arrays of 32-bit values held in uint64) and a
    two-word key; returns the four output words."""
    c = [np.asarray(v, np.uint64) & np.uint64(MASK32) for v in (c0, c1, c2, c3)]
    k0, k1 = np.uint64(k0 & MASK32), np.uint64(k1 & MASK32)
    for r in range(10):
        if r:
            k0 = np.uint64((int(k0) + PHILOX_W0) & MASK32)
            k1 = np.uint64((int(k1) + PHILOX_W1) & MASK32)
        p0 = np.uint64(PHILOX_M0) * c[0]
        p1 = np.uint64(PHILOX_M1) * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & np.uint64(MASK32),
             (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & np.uint64(MASK32)]
    return c


# Known answers from Random123's kat_vectors: counter (4 words), key (2), output.
PHILOX_KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((MASK32,) * 4, (MASK32, MASK32), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def check_philox():
    for ctr, key, want in PHILOX_KAT:
        got = tuple(int(v) for v in philox4x32_10(*ctr, *key))
        if got != want:
            raise SystemExit(f"nn_peers.py: Philox4x32-10 of {ctr}, {key} gave {got}, not {want}")


def batch_order(seed, run, epoch, n):
    """docs/networks.md: Fisher-Yates from the end; row i swaps with
    j = floor(u (i+1) / 2^64), u = w0 2^32 + w1 of Philox4x32-10 with key
    (seed) and counter (run, 7 << 24 | i, epoch)."""
    i = np.arange(n - 1, 0, -1, dtype=np.uint64)
    w = philox4x32_10(np.full_like(i, run & MASK32), np.full_like(i, run >> 32),
                      np.uint64(7 << 24) | i, np.full_like(i, epoch), seed & MASK32, seed >> 32)
    m = i + np.uint64(1)  # < 2^24 + 1, so both partial products fit in 64 bits
    j = (w[0] * m + ((w[1] * m) >> np.uint64(32))) >> np.uint64(32)
    order = np.arange(n, dtype=np.int64)
    for a, b in zip(i.astype(np.int64).tolist(), j.astype(np.int64).tolist()):
        order[a], order[b] = order[b], order[a]
    return order


def batches(n, batch, epochs, run, steps=None):
    """The rows of each step, in training order (batch 0: every row, one
    step per epoch)."""
    if batch == 0:
        return [np.arange(n)] * (epochs if steps is None else steps)
    out = []
    for e in range(epochs):
        order = batch_order(SEED, run, e, n)
        for first in range(0, n, batch):
            out.append(order[first:first + batch])
            if steps is not None and len(out) == steps:
                return out
    return out


# ---- the flat weight vector: per layer W (out x in, row-major), then b ----
def unflatten(w, widths):
    layers, at = [], 0
    for i, o in zip(widths[:-1], widths[1:]):
        W = w[at:at + i * o].reshape(o, i)
        at += i * o
        layers.append((W, w[at:at + o]))
        at += o
    return layers


# ---- NumPy: forward and backward by hand ----------------------------------
def numpy_step(w, widths, act, loss, x, y, lr):
    layers = unflatten(w, widths)   # views into w: the update below writes w
    a = [x]
    for l, (W, b) in enumerate(layers):
        z = a[-1] @ W.T + b
        a.append(z if l == len(layers) - 1 else
                 (1 / (1 + np.exp(-z)) if act == "sigmoid" else np.tanh(z)))
    z, n = a[-1], x.shape[0]
    if loss == "xent":
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(n), y.astype(np.int64)] -= 1
        delta = p / z.dtype.type(n)
    else:
        delta = (1 / (1 + np.exp(-z)) - y[:, None]) / z.dtype.type(n)
    grads = []
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        grads.append((delta.T @ a[l], delta.sum(0)))
        if l:
            back = delta @ W
            delta = back * (a[l] * (1 - a[l]) if act == "sigmoid" else 1 - a[l] * a[l])
    lr = w.dtype.type(lr)
    for (W, b), (gW, gb) in zip(layers, reversed(grads)):
        W -= lr * gW
        b -= lr * gb


def numpy_train(w0, widths, act, loss, X, Y, steps_rows):
    w = w0.copy()
    for rows in steps_rows:
        numpy_step(w, widths, act, loss, X[rows], Y[rows], LR)
    return w


# ---- PyTorch: autograd, one nn.Module per network --------------------------
def torch_module(torch, widths, act, w0):
    mods = []
    for l, (i, o) in enumerate(zip(widths[:-1], widths[1:])):
        mods.append(torch.nn.Linear(i, o))
        if l < len(widths) - 2:
            mods.append(torch.nn.Sigmoid() if act == "sigmoid" else torch.nn.Tanh())
    net = torch.nn.Sequential(*mods).to(torch.float64 if w0.dtype == np.float64 else torch.float32)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(w0.copy()), net.parameters())
    return net


def torch_loss(torch, loss, out, y):
    if loss == "xent":
        return torch.nn.functional.cross_entropy(out, y.long())
    return torch.nn.functional.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))


def torch_train(torch, w0, widths, act, loss, X, Y, steps_rows):
    net = torch_module(torch, widths, act, w0)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    for rows in steps_rows:
        idx = torch.from_numpy(rows)
        opt.zero_grad()
        torch_loss(torch, loss, net(X[idx]), Y[idx]).backward()
        opt.step()
    return torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy().astype(np.float64)


# ---- PyTorch, the ensemble at once: batched matrix products ---------------
def torch_bmm_train(torch, W0, widths, act, loss, X, Y, steps_rows_per_run):
    """All networks in one graph: layer weights stacked (runs x out x in),
    each network's batch its own rows (runs x batch x in), torch.baddbmm."""
    R = W0.shape[0]
    params = []
    for (W, b) in unflatten(np.arange(W0.shape[1]), widths):
        params.append((torch.from_numpy(W0[:, W.ravel()].reshape(R, *W.shape).copy()).requires_grad_(),
                       torch.from_numpy(W0[:, b].reshape(R, 1, -1).copy()).requires_grad_()))
    f = torch.sigmoid if act == "sigmoid" else torch.tanh
    for s in range(len(steps_rows_per_run[0])):
        idx = torch.from_numpy(np.stack([runs[s] for runs in steps_rows_per_run]))
        a = X[idx]
        for l, (W, b) in enumerate(params):
            a = torch.baddbmm(b, a, W.transpose(1, 2))
            if l < len(params) - 1:
                a = f(a)
        # Mean over each network's rows, summed over networks: each
        # network's gradient is that of its own mean loss.
        if loss == "xent":
            L = torch.nn.functional.cross_entropy(a.reshape(-1, a.shape[-1]), Y[idx].reshape(-1).long(),
                                                  reduction="sum") / idx.shape[1]
        else:
            L = torch.nn.functional.binary_cross_entropy_with_logits(
                a[..., 0], Y[idx].to(a.dtype), reduction="sum") / idx.shape[1]
        grads = torch.autograd.grad(L, [p for wb in params for p in wb])
        with torch.no_grad():
            for p, g in zip([p for wb in params for p in wb], grads):
                p -= LR * g
    return np.concatenate([np.concatenate([W.detach().numpy().reshape(R, -1), b.detach().numpy().reshape(R, -1)], 1)
                           for W, b in params], 1).astype(np.float64)


def import_torch(install):
    try:
        import torch
        return torch
    except ImportError:
        if not install:
            return None
    print("nn_peers.py: installing Debian's python3-torch with apt-get", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "python3-torch"], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    import torch
    return torch


# ---- trilobite -------------------------------------------------------------
def data_args(data, csv):
    return ["--data", csv if data == "two-moons" else "fashion-mnist"]


def ours_starts_and_ends(exe, widths, act, loss, data, csv, batch, runs, epochs, prec):
    import h5py
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "nets.h5")
        subprocess.run([exe, "descend", "--backend", "cpu", "--model", "mlp:" + "-".join(map(str, widths)), "--activation", act,
                        "--loss", loss, *data_args(data, csv), "--starts", str(runs), "--batch-size", str(batch),
                        *(["--epochs", str(epochs)] if batch else ["--steps", str(epochs), "--tol", "0"]), "--precision", prec, "--records", "all",
                        "--hessian-minima", "0", "--seed", str(SEED), "-q", "-o", path],
                       check=True, stdout=subprocess.DEVNULL)
        with h5py.File(path) as f:
            return np.array(f["descents/start"]), np.array(f["descents/end"])


def ours_rate(exe, case, runs, steps, repeats, threads):
    out = subprocess.run([exe, "bench", "--cases", case, "--precision", "f32", "--starts", str(runs),
                          "--steps", str(steps), "--repeats", str(repeats), "--threads", str(threads),
                          "--json"], check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    return doc["network_results"][0]["sample_gradients_per_s"], doc["backends"]["cpu"]["fp32_peak_flops"]


def median_time(fn, repeats):
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trilobite", required=True)
    ap.add_argument("--cases", default="mlp784-fmnist-b32,mlp784-fmnist-b128,mlp2-moons-b32")
    ap.add_argument("--peers", default="numpy,torch", help="numpy, torch (torch: a loop of modules and bmm)")
    ap.add_argument("--check-runs", type=int, default=2, help="networks trained for the agreement check")
    ap.add_argument("--check-epochs", type=int, default=1)
    ap.add_argument("--check-precision", default="f64", choices=["f64", "f32"])
    ap.add_argument("--runs", type=int, default=16, help="networks in the timed ensemble")
    ap.add_argument("--steps", type=int, default=100, help="SGD steps per network, timed")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1,
                    help="threads of every side: trilobite's OpenMP, BLAS, PyTorch (default 1: a loaded "
                         "machine stalls PyTorch's per-operation thread pool)")
    ap.add_argument("--no-rates", action="store_true", help="the agreement checks only")
    a = ap.parse_args()
    peers = a.peers.split(",")
    check_philox()
    for p in peers:
        if p not in ("numpy", "torch"):
            raise SystemExit(f"nn_peers.py: --peers: '{p}' is not one of numpy, torch")
    torch = import_torch(True) if "torch" in peers else None
    if torch is not None:
        torch.set_num_threads(a.threads)

    ok = True
    rows = []
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "moons.csv")
        for case in a.cases.split(","):
            widths, act, loss, data, batch = parse_case(case)
            X, Y = fashion_mnist() if data == "fashion-mnist" else moons_csv(csv)
            n = X.shape[0]
            # Agreement: the same networks, rows and order.
            dtype = np.float64 if a.check_precision == "f64" else np.float32
            tol = 1e-8 if dtype == np.float64 else 2e-3
            start, end = ours_starts_and_ends(a.trilobite, widths, act, loss, data, csv, batch, a.check_runs,
                                              a.check_epochs, a.check_precision)
            Xd, Yd = X.astype(dtype), Y
            for r in range(a.check_runs):
                order = batches(n, batch, a.check_epochs, r)
                w0 = start[r].astype(dtype)
                got = {}
                if "numpy" in peers:
                    got["numpy"] = numpy_train(w0, widths, act, loss, Xd, Yd, order)
                if torch is not None:
                    Xt, Yt = torch.from_numpy(Xd), torch.from_numpy(Yd)
                    got["torch"] = torch_train(torch, w0, widths, act, loss, Xt, Yt, order)
                    got["torch-bmm"] = torch_bmm_train(torch, w0[None, :], widths, act, loss, Xt, Yt, [order])[0]
                for peer, w in got.items():
                    err = np.max(np.abs(w - end[r])) / max(1.0, np.max(np.abs(end[r])))
                    good = err <= tol
                    ok &= bool(good)
                    print(f"{case} {a.check_precision} run {r}: {peer} end weights within {err:.2e} of trilobite's "
                          f"({len(order)} steps) {'ok' if good else 'DISAGREE (tolerance %g)' % tol}")
            if a.no_rates:
                continue
            # Rates, float32, the same ensemble size and steps.
            ours, peak = ours_rate(a.trilobite, case, a.runs, a.steps, a.repeats, a.threads)
            X32 = X.astype(np.float32)
            W0 = np.stack([start[r % a.check_runs] for r in range(a.runs)]).astype(np.float32)
            per_epoch = -(-n // batch) if batch else 1
            plans = [batches(n, batch, -(-a.steps // per_epoch), r, a.steps) for r in range(a.runs)]
            samples = a.runs * sum(len(rws) for rws in plans[0])
            rate = {"trilobite": ours}
            if "numpy" in peers:
                t = median_time(lambda: [numpy_train(W0[r], widths, act, loss, X32, Y, plans[r])
                                         for r in range(a.runs)], a.repeats)
                rate["numpy"] = samples / t
            if torch is not None:
                Xt, Yt = torch.from_numpy(X32), torch.from_numpy(Y)
                t = median_time(lambda: [torch_train(torch, W0[r], widths, act, loss, Xt, Yt, plans[r])
                                         for r in range(a.runs)], a.repeats)
                rate["torch"] = samples / t
                t = median_time(lambda: torch_bmm_train(torch, W0, widths, act, loss, Xt, Yt, plans), a.repeats)
                rate["torch-bmm"] = samples / t
            # Matrix-product flops of forward and backward per row, as trilobite counts them.
            macs = [i * o for i, o in zip(widths[:-1], widths[1:])]
            flops = sum(2 * m * (2 if l == 0 else 3) for l, m in enumerate(macs))
            rows.append((case, rate, flops / peak))
    if rows:
        print(f"\nsample-gradients/s, float32, {a.runs} networks x {a.steps} steps, median of {a.repeats}, "
              f"{a.threads} threads")
        print(f"{'case':20s} {'peer':10s} {'sample-grad/s':>14s} {'%fp32 peak':>10s} {'ours/peer':>10s}")
        for case, rate, flop_over_peak in rows:
            for peer, v in rate.items():
                ratio = "" if peer == "trilobite" else f"{rate['trilobite'] / v:.2f}x"
                print(f"{case:20s} {peer:10s} {v:14.4g} {100 * v * flop_over_peak:9.2f}% {ratio:>10s}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
