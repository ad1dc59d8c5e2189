#!/usr/bin/python3
"""The numbers of network files recomputed in float64 NumPy
(tests/python/nn_reference.py) from what the file stores -- weights,
directions, control points -- and the data, never from trilobite's own
value of the same quantity:

- every training's final loss, gradient norm, accuracy, test loss and test
  accuracy from its stored end weights (float64 and float32 trainings);
- the trainings themselves, replayed from the stored start weights with the
  documented batch order, optimizer, schedule, warm-up and weight decay;
- the minima: probe rows, grouping by function, counts, representatives,
  their losses, mean accuracies and steps, the order by loss;
- curvature: the top Hessian eigenvalues against a dense Hessian by
  differences of the NumPy gradient, Hutchinson's trace against v.Hv with
  the documented probe vectors, the density's quadrature (its moments are
  v.H^k v / P), its broadening and grid;
- barriers: every point of the straight and Bezier paths and the matrices;
- planes: every node of the loss, accuracy and test maps, and a line's
  barrier; the test split of --test-fraction and --standardize;
- traces, a sweep's per-value summaries and a basin map's maps.

Part `small` uses generated CSV sets (seconds); part `fashion` a 784-16-16-10
network on a subset of Fashion-MNIST written as IDX files, and exits 77
(skipped) when Debian's dataset-fashion-mnist is not installed.

Usage: /usr/bin/python3 tests/python/check_network_numbers.py TRILOBITE WORK_DIR small|fashion
Prints one line per check and "ok"; exits 1 naming the first failure.
"""
import gzip
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nn_reference as ref  # noqa: E402

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
# float64 results: the reference sums in another order, so agreement to a
# few hundred units in the last place of the largest term.
F64 = 1e-11
# float32 evaluation of float64-stored weights: a pass of float32 sums over
# at most a few thousand rows and 800 inputs, about sqrt(terms) * 6e-8 of the
# largest term; 2e-5 of max(1, |loss|) leaves room above it.
F32 = 2e-5


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def note(msg):
    print(msg, flush=True)


def trilobite(exe, work, args):
    p = subprocess.run([exe] + args + ["-q", "--force"], cwd=work, capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="2"))
    if p.returncode != 0:
        fail("trilobite %s: %s" % (" ".join(args), p.stderr.strip()))
    return p.stdout


def attrs(f):
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}


def close(got, want, rel, what):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    err = np.abs(got - want) / np.maximum(1.0, np.abs(want))
    if got.shape != want.shape or not np.all(err <= rel):
        k = int(np.argmax(err)) if got.shape == want.shape else -1
        fail("%s: %s against NumPy %s (relative %.3g > %g)" % (
            what, got.ravel()[k] if k >= 0 else got.shape, want.ravel()[k] if k >= 0 else want.shape,
            float(err.max()) if k >= 0 else np.inf, rel))
    return float(err.max()) if err.size else 0.0


def accuracy_agrees(got, want, margin, n, rel, what):
    """A float32 evaluation may decide differently on rows whose float64
    decision margin is within its rounding: allow those, no other."""
    ambiguous = int(np.sum(margin < 1e-3)) if rel > F64 else 0
    if abs(got - want) * n > ambiguous + 1e-9:
        fail("%s: accuracy %.17g, NumPy %.17g (%d ambiguous rows of %d)" % (what, got, want, ambiguous, n))


# ---- data --------------------------------------------------------------------
def write_csv(path, x, y):
    """float32 values to 9 digits, which read back to the same float32."""
    with open(path, "w") as f:
        f.write(",".join("f%d" % j for j in range(x.shape[1])) + ",label\n")
        for row, label in zip(x, y):
            f.write(",".join("%.9g" % v for v in row) + ",%d\n" % label)
    return x.astype(np.float32).astype(np.float64), y.astype(np.float64)


def three_arms(n, seed):
    """Three noisy arms of a spiral, classes 0, 1, 2."""
    rng = np.random.default_rng(seed)
    k = np.arange(n) % 3
    r = rng.random(n)
    t = 2 * np.pi * k / 3 + 2.5 * r
    x = np.stack([r * np.cos(t), r * np.sin(t)], 1) * 2 + 0.15 * rng.standard_normal((n, 2))
    return x.astype(np.float32), k


# ---- the checks of one network file -----------------------------------------
def check_descents(f, net, train, test, rel, what):
    """Each training's stored final numbers from its stored end weights."""
    d = f["descents"]
    end, status = d["end"][...], d["status"][...]
    worst = 0.0
    for r in range(end.shape[0]):
        if status[r] == 2:
            continue
        loss, acc, margin = net.evaluate(end[r], *train)
        worst = max(worst, close(d["loss"][r], loss, rel, "%s run %d loss" % (what, r)))
        accuracy_agrees(d["accuracy"][r], acc, margin, len(train[1]), rel, "%s run %d" % (what, r))
        g = np.linalg.norm(net.gradient(end[r], *train))
        # The norm of a float32 gradient: its entries carry the rounding of
        # the float32 sums, relative to the largest row term (|g| itself
        # may be small); F32 of max(1, |g|) plus that absolute floor.
        if abs(d["grad_norm"][r] - g) > rel * max(1.0, g) + (0 if rel <= F64 else 1e-4):
            fail("%s run %d grad_norm %.17g, NumPy %.17g" % (what, r, d["grad_norm"][r], g))
        if test is not None:
            tl, ta, tm = net.evaluate(end[r], *test)
            worst = max(worst, close(d["test_loss"][r], tl, rel, "%s run %d test_loss" % (what, r)))
            accuracy_agrees(d["test_accuracy"][r], ta, tm, len(test[1]), rel, "%s run %d test" % (what, r))
        tol = float(f.attrs["tol"])
        if status[r] == 0 and not d["grad_norm"][r] <= tol:
            fail("%s run %d converged with grad_norm %g > tol %g" % (what, r, d["grad_norm"][r], tol))
        if status[r] == 1 and d["grad_norm"][r] <= tol and int(f.attrs["batch_size"]) == 0:
            fail("%s run %d max-steps with grad_norm %g <= tol" % (what, r, d["grad_norm"][r]))
    note("%s: %d trainings' loss, grad_norm, accuracy%s from their end weights (worst relative %.2g)" % (
        what, end.shape[0], " and test metrics" if test is not None else "", worst))


def sweep_settings(f):
    """Row s x n_starts + i of a sweep trains run i at setting s (value i1,
    value2 i2, s = i1 n_values2 + i2): each row's settings and run."""
    root, sw = attrs(f), f["sweep"]
    runs = int(root["n_starts"])
    values = sw["value"][...]
    values2 = sw["value2"][...] if "value2" in sw else [None]
    out = []
    for v1 in values:
        for v2 in values2:
            for i in range(runs):
                s = dict(root)
                s[sw.attrs["parameter"].decode() if isinstance(sw.attrs["parameter"], bytes) else sw.attrs["parameter"]] = v1
                if v2 is not None:
                    p2 = sw.attrs["parameter2"]
                    s[p2.decode() if isinstance(p2, bytes) else p2] = v2
                out.append((s, i))
    return out


def replay(f, net, train, what, rel, rows_settings=None):
    """Every training from its stored start weights, step by step; a
    sweep's rows with their own settings (sweep_settings)."""
    root = attrs(f)
    d = f["descents"]
    start, end, steps = d["start"][...], d["end"][...], d["steps"][...]
    x, y = train
    n, batch, seed = len(y), int(root["batch_size"]), int(root["seed"])
    worst = 0.0
    for r in range(start.shape[0]):
        settings, run = rows_settings[r] if rows_settings else (root, r)
        w, opt = start[r].copy(), ref.Optimizer(settings)
        if batch:
            rows = [o[a:a + batch] for e in range(int(root["epochs"]))
                    for o in [ref.batch_order(seed, run, e, n)] for a in range(0, n, batch)]
        else:
            rows = [None] * int(steps[r])
        if len(rows) != steps[r]:
            fail("%s run %d: %d steps stored, the documented plan has %d" % (what, r, steps[r], len(rows)))
        for t, b in enumerate(rows):
            g = net.gradient(w, x, y) if b is None else net.gradient(w, x[b], y[b])
            if b is None and not np.linalg.norm(g) > float(root["tol"]):
                fail("%s run %d: step %d taken at gradient norm %g <= tol" % (what, r, t, np.linalg.norm(g)))
            w = opt.step(w, g, ref.rate(t, settings))
        err = np.max(np.abs(w - end[r])) / max(1.0, np.max(np.abs(end[r])))
        if err > rel:
            fail("%s run %d: replayed end weights %.3g from the stored ones (relative to the largest)" % (what, r, err))
        worst = max(worst, err)
    note("%s: %d trainings replayed from their start weights (%s, %s, %d steps; worst %.2g)" % (
        what, start.shape[0], root["optimizer"], root["lr_schedule"], int(steps[0]), worst))


def check_init(f, net, kind, what):
    """The stored start weights follow the documented --init laws, layer
    by layer over all runs: bounds and zero biases exactly, and the
    Kolmogorov-Smirnov distance to the law below 2.2 / sqrt(n) (a law this
    far off would pass by chance with probability 1e-4; the seed is fixed,
    so the check is deterministic)."""
    import math
    start = f["descents/start"][...]
    per_layer = [ref.layers_of(w, net.widths) for w in start]
    for l, (i, o) in enumerate(zip(net.widths[:-1], net.widths[1:])):
        W = np.concatenate([layers[l][0].ravel() for layers in per_layer])
        b = np.concatenate([layers[l][1] for layers in per_layer])
        if kind == "he":
            sd = math.sqrt(2 / i)
            cdf = lambda v: 0.5 * (1 + ref.erf(v / (sd * math.sqrt(2))))  # noqa: E731
        else:
            bound = 1 / math.sqrt(i) if kind == "torch" else math.sqrt(6 / (i + o))
            if np.max(np.abs(W)) > bound:
                fail("%s layer %d: a weight %g beyond the bound %g" % (what, l, np.max(np.abs(W)), bound))
            cdf = lambda v: (v + bound) / (2 * bound)  # noqa: E731
        if kind == "torch":
            if np.max(np.abs(b)) > 1 / math.sqrt(i):
                fail("%s layer %d: a bias beyond 1/sqrt(in)" % (what, l))
        elif np.any(b != 0):
            fail("%s layer %d: %s biases are not zero" % (what, l, kind))
        v = np.sort(W)
        F = cdf(v)
        ks = max(np.max(np.arange(1, len(v) + 1) / len(v) - F), np.max(F - np.arange(len(v)) / len(v)))
        if ks > 2.2 / math.sqrt(len(v)):
            fail("%s layer %d: %s weights %.3g from their law (Kolmogorov-Smirnov, %d draws)" % (what, l, kind, ks, len(v)))
    note("%s: start weights follow --init %s" % (what, kind))


def check_minima(f, net, train, rel, what):
    """Probe rows, grouping by function in run order, and the table. With
    float32 outputs a distance within 1e-5 of the tolerance could fall
    either side of it: such a run makes the grouping undecidable here."""
    d, m, nw = f["descents"], f["minima"], f["network"]
    x, y = train
    n = len(y)
    probe = int(nw.attrs.get("probe", 0)) or len(nw["probe_rows"])
    want_rows = np.arange(n) if n <= probe else (np.arange(probe) * n) // probe
    if not np.array_equal(nw["probe_rows"][...], want_rows):
        fail("%s: /network/probe_rows is not row floor(k n / m)" % what)
    tol = float(nw.attrs["function_tol"])
    end, status, label = d["end"][...], d["status"][...], d["minimum"][...]
    reps, outs, groups, near_tol = [], [], [], 0
    for r in range(end.shape[0]):
        if status[r] == 2:
            if label[r] != -1:
                fail("%s run %d diverged but is in minimum %d" % (what, r, label[r]))
            continue
        o = net.link(end[r], x[want_rows]).ravel()
        dist = [np.sqrt(np.mean((o - p) ** 2)) for p in outs]
        near_tol += sum(abs(v - tol) < (1e-9 if rel <= F64 else 1e-5) for v in dist)
        k = int(np.argmin(dist)) if dist else -1
        if k >= 0 and dist[k] <= tol:
            groups[k].append(r)
        else:
            reps.append(r)
            outs.append(o)
            groups.append([r])
    if near_tol:
        fail("%s: %d distances at the tolerance; choose another --function-tol" % (what, near_tol))
    # The file's rows are sorted by the representative's loss.
    loss = d["loss"][...]
    order = sorted(range(len(reps)), key=lambda k: (loss[reps[k]], reps[k]))
    if len(order) != len(m["count"]):
        fail("%s: %d minima in the file, %d by the documented rule" % (what, len(m["count"]), len(order)))
    acc = d["accuracy"][...]
    test_acc = d["test_accuracy"][...] if "test_accuracy" in d else None
    for row, k in enumerate(order):
        g = groups[k]
        if not all(label[r] == row for r in g):
            fail("%s: minimum %d should hold runs %s, /descents/minimum says %s" % (what, row, g, label[g]))
        checks = {"representative": reps[k], "count": len(g), "fraction": len(g) / end.shape[0],
                  "loss": loss[reps[k]], "accuracy": acc[reps[k]], "mean_accuracy": np.mean(acc[g]),
                  "mean_steps": np.mean(d["steps"][...][g]), "converged": int(np.sum(status[g] == 0))}
        if test_acc is not None:
            checks.update(test_accuracy=test_acc[reps[k]], mean_test_accuracy=np.mean(test_acc[g]),
                          test_loss=d["test_loss"][reps[k]])
        for name, want in checks.items():
            if abs(float(m[name][row]) - float(want)) > 1e-12 * max(1.0, abs(float(want))):
                fail("%s: /minima/%s[%d] %r, from /descents %r" % (what, name, row, m[name][row], want))
        if not np.array_equal(m["weights"][row], end[reps[k]]):
            fail("%s: /minima/weights[%d] are not run %d's end weights" % (what, row, reps[k]))
    note("%s: %d runs in %d minima by function (sizes %s), table and order recomputed" % (
        what, end.shape[0], len(order), sorted((len(g) for g in groups), reverse=True)))


def most_populous(count, k):
    """The k largest counts; ties to the lower row (the lower loss)."""
    return sorted(range(len(count)), key=lambda i: (-count[i], i))[:k]


def check_curvature(f, net, train, how_many, what):
    """hessian_top, hessian_trace and the density against a dense Hessian
    at the `how_many` (--hessian-minima) most populous minima."""
    m, root = f["minima"], attrs(f)
    seed, P = int(root["seed"]), net.P
    top = m["hessian_top"][...]
    examined = [i for i in range(top.shape[0]) if np.isfinite(top[i, 0])]
    if examined != sorted(most_populous(m["count"][...], how_many)):
        fail("%s: minima %s examined, the %d most populous are %s" % (
            what, examined, how_many, sorted(most_populous(m["count"][...], how_many))))
    nodes_all = m["density_nodes"][...] if "density_nodes" in m else None
    report = []
    for i in examined:
        w = m["weights"][i]
        H = net.hessian(w, *train)
        lam, U = np.linalg.eigh(H)
        scale = max(1.0, np.max(np.abs(lam)))
        # Differences of the gradient: eigenvalues to about 1e-9 of the
        # largest; 1e-6 leaves room and is far below any Lanczos error.
        want = lam[::-1][:top.shape[1]]
        if np.max(np.abs(top[i] - want)) > 1e-6 * scale:
            fail("%s minimum %d: hessian_top %s, dense eigenvalues %s" % (what, i, top[i], want))
        msg = "top %s" % np.array2string(top[i], precision=5)
        if "hessian_trace" in m:
            samples = int(f["network"].attrs["hutchinson"])
            vs = [ref.rademacher(seed, i, s, P) for s in range(samples)]
            est = np.mean([v @ H @ v for v in vs])
            if abs(m["hessian_trace"][i] - est) > 1e-6 * scale * P:
                fail("%s minimum %d: hessian_trace %.12g, mean v.Hv %.12g (trace %.6g)" % (
                    what, i, m["hessian_trace"][i], est, np.trace(H)))
            msg += ", trace %.5g (v.Hv %.5g, exact %.5g)" % (m["hessian_trace"][i], est, np.trace(H))
        if nodes_all is not None:
            nodes, weights, exact = nodes_all[i], m["density_weights"][i], 0
            for p in range(nodes.shape[0]):
                v = ref.rademacher(seed, i, p, P)
                ok = np.isfinite(nodes[p])
                # Gauss quadrature of S nodes integrates degree < 2S exactly:
                # moments 0..3 are v.H^k v / |v|^2, |v|^2 = P.
                for k in range(4):
                    want_k = v @ np.linalg.matrix_power(H, k) @ v / P
                    got_k = np.sum(weights[p][ok] * nodes[p][ok] ** k)
                    if abs(got_k - want_k) > 1e-6 * scale ** k:
                        fail("%s minimum %d probe %d: quadrature moment %d %.12g, v.H^k v/P %.12g" % (
                            what, i, p, k, got_k, want_k))
                if np.any(nodes[p][ok] < lam[0] - 1e-6 * scale) or np.any(nodes[p][ok] > lam[-1] + 1e-6 * scale):
                    fail("%s minimum %d probe %d: nodes outside the spectrum [%g, %g]" % (what, i, p, lam[0], lam[-1]))
                if ok.sum() < nodes.shape[1] or ok.sum() == P:
                    # Lanczos ran until its Krylov space was invariant: the
                    # nodes are H's distinct eigenvalues, each weighted by
                    # v's share in its eigenspace, sum (u_k . v)^2 / P.
                    th = nodes[p][ok]
                    near = np.argmin(np.abs(lam[:, None] - th[None, :]), 1)
                    if np.max(np.abs(lam - th[near])) > 1e-6 * scale:
                        fail("%s minimum %d probe %d: an eigenvalue no node reaches" % (what, i, p))
                    share = np.bincount(near, weights=(U.T @ v) ** 2 / P, minlength=len(th))
                    if np.max(np.abs(share - weights[p][ok])) > 1e-6:
                        fail("%s minimum %d probe %d: node weights %s, eigenspace shares %s" % (
                            what, i, p, weights[p][ok], share))
                    exact += 1
            msg += ", %d probes' quadrature moments (%d complete: nodes and weights)" % (nodes.shape[0], exact)
        report.append("#%d %s" % (i, msg))
    for i in range(top.shape[0]):
        if i not in examined and "hessian_trace" in m and np.isfinite(m["hessian_trace"][i]):
            fail("%s minimum %d: a trace but no top eigenvalue" % (what, i))
    if nodes_all is not None:
        check_density(m, examined, what)
    note("%s: curvature at %d minima against dense Hessians: %s" % (what, len(examined), "; ".join(report)))


def check_density(m, examined, what):
    nodes, weights = m["density_nodes"][...], m["density_weights"][...]
    grid, rho = m["eigenvalue"][...], m["density"][...]
    sigma = float(m["density"].attrs["sigma"])
    seen = np.concatenate([nodes[i][np.isfinite(nodes[i])] for i in examined])
    lo, hi = seen.min(), seen.max()
    if abs(sigma - np.sqrt(1e-5 * max(1.0, hi - lo))) > 1e-15:
        fail("%s: density sigma %.17g, PyHessian's rule %.17g" % (what, sigma, np.sqrt(1e-5 * max(1.0, hi - lo))))
    close(grid, np.linspace(lo - 5 * sigma, hi + 5 * sigma, len(grid)), 1e-13, what + " density grid")
    for i in examined:
        ok = np.isfinite(nodes[i])
        th, wt = nodes[i][ok], weights[i][ok]
        want = (wt[None, :] * np.exp(-(grid[:, None] - th[None, :]) ** 2 / (2 * sigma ** 2))).sum(1)
        want /= nodes.shape[1] * sigma * np.sqrt(2 * np.pi)
        scale = max(1e-300, want.max())
        if np.max(np.abs(rho[i] - want)) > 1e-12 * scale:
            fail("%s minimum %d: density differs from its nodes broadened by sigma" % (what, i))


def average_ranks(v):
    order = np.argsort(v, kind="stable")
    r = np.empty(len(v))
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
            j += 1
        r[order[i:j + 1]] = 0.5 * (i + j)
        i = j + 1
    return r


def unit_pairs(seed, index, stream, step, blocks):
    """Philox4x32-10's uniform pairs: counter (index, stream << 24 | block,
    step); u = the top 53 bits of w0 2^32 + w1 (and of w2, w3) / 2^53."""
    blocks = np.asarray(blocks, np.uint64)
    w = ref.philox4x32_10(np.full_like(blocks, index & ref.MASK32), np.full_like(blocks, index >> 32),
                          np.uint64(stream << 24) | blocks, np.full_like(blocks, step), seed & ref.MASK32, seed >> 32)
    hi = ((w[0] << np.uint64(32)) | w[1]) >> np.uint64(11)
    lo = ((w[2] << np.uint64(32)) | w[3]) >> np.uint64(11)
    return np.stack([hi, lo], 1).astype(np.float64) * 2.0 ** -53


def check_bezier_training(f, net, train, what):
    """Each pair's control point replayed from the midpoint: step s draws t
    and the rows (with replacement) from Philox keyed by the seed with
    counter (a << 32 | b, stream 10 << 24 | block, s): block 0's first
    uniform is t, block 1 + r/2 gives rows r, r + 1 as floor(u n); then
    c -= lr 2t(1-t) grad L(theta(t)) (docs/networks.md)."""
    b, W = f["barriers"], f["minima"]["weights"][...]
    seed, steps = int(f.attrs["seed"]), int(b.attrs["bezier_steps"])
    lr, batch = float(b.attrs["bezier_lr"]), int(b.attrs["bezier_batch"])
    x, y = train
    n = len(y)
    worst = 0.0
    for p, (ia, ib) in enumerate(zip(b["minimum_a"][...], b["minimum_b"][...])):
        A, B = W[ia], W[ib]
        c = 0.5 * (A + B)
        pair = int(ia) << 32 | int(ib)
        for step in range(steps):
            u = unit_pairs(seed, pair, 10, step, np.arange(1 + (batch + 1) // 2 if batch else 1))
            t = u[0, 0]
            theta = (1 - t) ** 2 * A + 2 * t * (1 - t) * c + t * t * B
            if batch:
                rows = np.minimum(n - 1, (u[1:].ravel()[:batch] * n).astype(np.int64))
                g = net.gradient(theta, x[rows], y[rows])
            else:
                g = net.gradient(theta, x, y)
            c = c - lr * 2 * t * (1 - t) * g
        err = np.max(np.abs(c - b["bezier_control"][p])) / max(1.0, np.max(np.abs(c)))
        if err > 1e-10:
            fail("%s pair %d: the replayed control point is %.3g from the stored one" % (what, p, err))
        worst = max(worst, err)
    note("%s: %d pairs' Bezier control points replayed over %d steps (batch %d; worst %.2g)" % (
        what, len(b["minimum_a"]), steps, batch, worst))


def check_spearman(f, printed, what):
    """descend's printed rank correlations of the top eigenvalue and the
    trace with the test accuracy over the examined minima (ties: average
    ranks), from the file's columns; printed to 3 significant digits."""
    import re
    found = re.search(r"Spearman rho\(top eigenvalue\) (\S+?)(?:, rho\(trace\) (\S+))?\n", printed)
    if not found:
        fail("%s: no Spearman line in\n%s" % (what, printed))
    m = f["minima"]
    seen = np.isfinite(m["hessian_top"][:, 0])
    acc = average_ranks(m["test_accuracy"][...][seen])
    for got, column in zip(found.groups(), (m["hessian_top"][:, 0], m["hessian_trace"][...] if "hessian_trace" in m else None)):
        if got is None:
            continue
        want = np.corrcoef(average_ranks(column[seen]), acc)[0, 1]
        if abs(float(got) - want) > 5e-4 * max(1.0, abs(want)):
            fail("%s: printed Spearman rho %s, from the file %.6f" % (what, got, want))
    note("%s: printed %s over %d minima recomputed" % (what, found.group(0).strip(), int(seen.sum())))


def check_barriers(f, net, train, how_many, what):
    """Every point of every pair's paths among the `how_many`
    (--barrier-minima) most populous minima, and the matrices."""
    m, b = f["minima"], f["barriers"]
    chosen = sorted(most_populous(m["count"][...], how_many))
    pairs = [(a, c) for a in chosen for c in chosen if a < c]
    if sorted(zip(b["minimum_a"][...], b["minimum_b"][...])) != pairs:
        fail("%s: barrier pairs %s, those of the most populous %s" % (
            what, list(zip(b["minimum_a"][...], b["minimum_b"][...])), pairs))
    mat = m["barriers"][...]
    off = np.isfinite(mat) & ~np.eye(len(mat), dtype=bool)
    if off.sum() != len(pairs) * 2 or np.any(np.diag(mat) != 0):
        fail("%s: %d barriers stored off the diagonal for %d pairs, diagonal %s" % (
            what, off.sum(), len(pairs), np.diag(mat)))
    t, W = b["t"][...], m["weights"][...]
    close(t, np.arange(len(t)) / (len(t) - 1), 1e-15, what + " /barriers/t")
    paths = [("line_loss", "barriers", None)]
    if "bezier_loss" in b:
        paths.append(("bezier_loss", "bezier_barriers", b["bezier_control"][...]))
    worst = 0.0
    for p, (ia, ib) in enumerate(zip(b["minimum_a"][...], b["minimum_b"][...])):
        A, B = W[ia], W[ib]
        for curve, matrix, control in paths:
            want = []
            for s in t:
                theta = A + s * (B - A) if control is None else (1 - s) ** 2 * A + 2 * s * (1 - s) * control[p] + s * s * B
                want.append(net.loss_value(theta, *train))
            worst = max(worst, close(b[curve][p], want, F64, "%s %s pair %d" % (what, curve, p)))
            height = max(want) - max(want[0], want[-1])
            for u, v in ((ia, ib), (ib, ia)):
                if abs(m[matrix][u, v] - height) > F64 * max(1.0, max(want)):
                    fail("%s /minima/%s[%d, %d] %.17g, from the path %.17g" % (what, matrix, u, v, m[matrix][u, v], height))
    note("%s: %d pairs' %s recomputed at %d points (worst %.2g)" % (
        what, len(b["minimum_a"]), " and ".join(c for c, _, _ in paths), len(t), worst))


def check_plane(path, net, train, test, rel, what):
    with h5py.File(path, "r") as f:
        p = f["plane"]
        c, D, alpha = p["center"][...], p["directions"][...], p["alpha"][...]
        line = "beta" not in p
        beta = np.zeros(1) if line else p["beta"][...]
        maps = {k: p[k][...].reshape(len(beta), len(alpha)) for k in ("loss", "accuracy", "test_loss", "test_accuracy")
                if k in p}
        a = attrs(p)
        seed = f.attrs["seed"]
    worst = 0.0
    ends = []
    for i1, bv in enumerate(beta):
        for i0, av in enumerate(alpha):
            theta = c + av * D[0] + (0 if line else bv * D[1])
            for sets, (lk, ak) in ((train, ("loss", "accuracy")), (test, ("test_loss", "test_accuracy"))):
                if sets is None:
                    continue
                loss, acc, margin = net.evaluate(theta, *sets)
                worst = max(worst, close(maps[lk][i1, i0], loss, rel, "%s %s at (%g, %g)" % (what, lk, av, bv)))
                accuracy_agrees(maps[ak][i1, i0], acc, margin, len(sets[1]), rel, "%s (%g, %g)" % (what, av, bv))
    if line and "barrier" in a:
        inside = (alpha >= 0) & (alpha <= 1)
        for sets, prefix in ((train, ""), (test, "test_")):
            if sets is None:
                continue
            ends = [net.loss_value(c, *sets), net.loss_value(c + D[0], *sets)]
            close(a[prefix + "end_loss"], ends, rel, what + " " + prefix + "end_loss")
            peak = max(maps[prefix + "loss"][0][inside].max(), max(ends))
            close(a[prefix + "barrier"], peak - max(ends), rel, what + " " + prefix + "barrier")
    if a["directions"] in ("random", "filter"):
        # The documented Gaussian draws (libm's log, cos, sin: 1e-12); for
        # filter directions each neuron's incoming row scaled to the
        # center's row, biases zero or the center's (--filter-bias).
        for k in range(D.shape[0]):
            z = ref.gaussian_direction(int(seed), k, net.P)
            if a["directions"] == "filter":
                for (Wz, bz), (Wc, bc) in zip(ref.layers_of(z, net.widths), ref.layers_of(c, net.widths)):
                    Wz *= (np.linalg.norm(Wc, axis=1) / np.linalg.norm(Wz, axis=1))[:, None]
                    bz[:] = bc if a["filter_bias"] == "center" else 0
            close(D[k], z, 1e-12, "%s %s direction %d" % (what, a["directions"], k))
    note("%s: %d nodes of %s recomputed (worst relative %.2g)%s%s" % (
        what, len(alpha) * len(beta), ", ".join(maps), worst, ", and the line's barrier" if line and "barrier" in a else "",
        ", %s directions from their draws" % a["directions"] if a["directions"] in ("random", "filter") else ""))


def check_pca(plane_path, trained_path, run, what):
    """--directions pca: the principal axes of the recorded weights (SVD of
    the records minus their mean; unit length; largest entry positive), the
    last record as center, the projected path and the explained variance."""
    with h5py.File(trained_path, "r") as t:
        k = list(t["trajectories/descent"][...]).index(run)
        X = t["trajectories/position"][k, :int(t["trajectories/length"][k])]
    with h5py.File(plane_path, "r") as f:
        p = f["plane"]
        c, D = p["center"][...], p["directions"][...]
        path = np.stack([p["path_alpha"][...], p["path_beta"][...]], 1)
        explained = p.attrs["explained_variance"]
    _, sv, Vt = np.linalg.svd(X - X.mean(0), full_matrices=False)
    want = Vt[:2] * np.sign(Vt[:2][np.arange(2), np.argmax(np.abs(Vt[:2]), 1)])[:, None]
    close(D, want, 1e-9, what + " pca directions")
    if not np.array_equal(c, X[-1]):
        fail("%s: the center is not the last record" % what)
    close(path, (X - c) @ D.T, 1e-12, what + " path_alpha, path_beta")
    close(explained, sv[:2] ** 2 / np.sum(sv ** 2), 1e-9, what + " explained_variance")
    note("%s: directions, center, path and explained variance %s from %d records" % (
        what, np.array2string(explained, precision=4), len(X)))


def check_trajectories(f, net, train, what):
    tr = f["trajectories"]
    pos, loss, acc, length = tr["position"][...], tr["loss"][...], tr["accuracy"][...], tr["length"][...]
    count = 0
    for k in range(pos.shape[0]):
        for r in range(int(length[k])):
            l, a, margin = net.evaluate(pos[k, r], *train)
            close(loss[k, r], l, F64, "%s trajectory %d record %d loss" % (what, k, r))
            accuracy_agrees(acc[k, r], a, margin, len(train[1]), F64, "%s trajectory %d record %d" % (what, k, r))
            count += 1
    note("%s: %d trace records' loss and accuracy from their weights" % (what, count))


def nearest_rank_median(v):
    s = np.sort(v)
    return s[int(np.ceil(0.5 * len(s))) - 1]


def check_sweep(f, what):
    d, s = f["descents"], f["sweep"]
    runs = int(f.attrs["n_starts"])
    settings = len(s["value"]) * (len(s["value2"]) if "value2" in s else 1)
    status, label = d["status"][...], d["minimum"][...]
    flat = {k: s[k][...].reshape(settings, *s[k].shape[2 if "value2" in s else 1:]) for k in s
            if k not in ("value", "value2", "minimum")}
    for v in range(settings):
        rows = slice(v * runs, (v + 1) * runs)
        ok = status[rows] != 2
        want = {"fraction_converged": np.mean(status[rows] == 0), "fraction_diverged": np.mean(status[rows] == 2),
                "minima_reached": len(set(label[rows][ok]))}
        for name in ("loss", "accuracy", "test_loss", "test_accuracy"):
            if name in d:
                x = d[name][rows][ok]
                want["mean_" + name] = np.mean(x)
                want["median_" + name] = nearest_rank_median(x)
        for name, value in want.items():
            if abs(float(flat[name][v]) - float(value)) > 1e-12 * max(1.0, abs(float(value))):
                fail("%s setting %d: /sweep/%s %r, from /descents %r" % (what, v, name, flat[name][v], value))
        counts = np.bincount(label[rows][ok], minlength=flat["count"].shape[-1])
        if not np.array_equal(flat["count"][v], counts):
            fail("%s setting %d: /sweep/count %s, from /descents/minimum %s" % (what, v, flat["count"][v], counts))
    note("%s: %d settings' summaries recomputed from /descents" % (what, settings))


def check_basins(f, what):
    d, g = f["descents"], f["basins"]
    shape = g["label"].shape
    for name, src in (("label", "minimum"), ("steps", "steps"), ("status", "status"), ("loss", "loss"),
                      ("accuracy", "accuracy"), ("test_loss", "test_loss"), ("test_accuracy", "test_accuracy")):
        if name in g and not np.array_equal(g[name][...], d[src][...].reshape(shape), equal_nan=name != "label"):
            fail("%s: /basins/%s is not /descents/%s cell by cell" % (what, name, src))
    close(g["fraction"][...], f["minima"]["count"][...] / np.prod(shape), 1e-15, what + " /basins/fraction")
    note("%s: %d x %d cells' maps are their trainings' rows" % (what, shape[0], shape[1]))


def check_reference(train):
    """The reference's own backpropagation against central differences of
    its loss, for every activation and loss (error about h^2, 1e-8 here)."""
    rng = np.random.default_rng(1)
    x, y = train[0][:40], train[1][:40]
    for act in ("sigmoid", "tanh", "relu", "gelu", "identity"):
        for loss, out, labels in (("xent", 3, y), ("bce", 1, (y == 1).astype(np.float64)), ("mse", 3, y),
                                  ("mse", 1, y)):
            net = ref.Net([2, 4, 3, out], act, loss, 0.01)
            w = rng.standard_normal(net.P)
            g = net.gradient(w, x, labels)
            h = 1e-5
            fd = np.array([(net.loss_value(w + h * e, x, labels) - net.loss_value(w - h * e, x, labels)) / (2 * h)
                           for e in np.eye(net.P)])
            if np.max(np.abs(g - fd)) > 1e-7 * max(1.0, np.max(np.abs(fd))):
                fail("the reference's %s %s gradient is %.3g from differences" % (act, loss, np.max(np.abs(g - fd))))
    note("reference: backpropagation agrees with differences for 5 activations x 4 losses")


# ---- the parts ---------------------------------------------------------------
def part_small(exe, work):
    xa, ya = three_arms(150, 3)
    train = write_csv(os.path.join(work, "train.csv"), xa, ya)
    check_reference(train)
    xt, yt = three_arms(60, 4)
    test = write_csv(os.path.join(work, "test.csv"), xt, yt)
    data = ["--data", "train.csv", "--test-data", "test.csv"]

    # Nesterov mini-batches with a warm-up and a step schedule, weight decay,
    # exact gelu, two hidden layers, curvature with as many Lanczos steps
    # as weights, barriers with Bezier curves.
    model = ["--model", "mlp:2-6-5-3", "--activation", "gelu", "--loss", "xent", "--weight-decay", "0.001"]
    net = ref.Net([2, 6, 5, 3], "gelu", "xent", 0.001)
    printed = trilobite(exe, work, ["descend", "--backend", "cpu"] + model + data + [
        "--starts", "6", "--batch-size", "16", "--epochs", "4", "--optimizer", "nesterov", "--lr", "0.2",
        "--lr-schedule", "step", "--lr-step-every", "10", "--lr-gamma", "0.5", "--warmup-steps", "5",
        "--precision", "f64", "--seed", "11", "--function-tol", "0.08", "--hessian-minima", "3", "--hessian-top", "2",
        "--lanczos-steps", "1000", "--hutchinson", "3", "--density", "2", "--density-steps", "1000",
        "--density-bins", "400", "--barrier-minima", "3", "--barrier-points", "9", "--bezier-steps", "20",
        "-o", "a.h5"])
    with h5py.File(os.path.join(work, "a.h5"), "r") as f:
        what = "gelu xent nesterov f64"
        replay(f, net, train, what, 1e-10)
        check_descents(f, net, train, test, F64, what)
        check_minima(f, net, train, F64, what)
        check_curvature(f, net, train, 3, what)
        check_barriers(f, net, train, 3, what)
        check_spearman(f, printed, what)
        check_bezier_training(f, net, train, what)

    # The same trainings in float32: the stored numbers of float32 passes.
    trilobite(exe, work, ["descend", "--backend", "cpu"] + model + data + [
        "--starts", "6", "--batch-size", "16", "--epochs", "4", "--optimizer", "nesterov", "--lr", "0.2",
        "--seed", "11", "--hessian-minima", "0", "--barrier-minima", "0", "-o", "a32.h5"])
    with h5py.File(os.path.join(work, "a32.h5"), "r") as f:
        check_descents(f, net, train, test, F32, "gelu xent nesterov f32")
        # 40 float32 steps (6e-8 each, relative) on weights of order 1,
        # amplified by the momentum: 8.8e-7 measured.
        replay(f, net, train, "gelu xent nesterov f32", 1e-5)

    # Planes through run 0's end: every node, float64 filter directions
    # and float32 random ones; the line between runs 0 and 1 and its barrier.
    for prec, rel, extra in (("f64", F64, ["--grid-res", "9"]), ("f32", F32, ["--grid-res", "7", "--directions", "random", "--box", "-0.3:0.3"])):
        trilobite(exe, work, ["grid"] + model + data + ["--center", "a.h5:0", "--precision", prec] + extra + ["-o", "p%s.h5" % prec])
        check_plane(os.path.join(work, "p%s.h5" % prec), net, train, test, rel, "plane %s" % prec)
    trilobite(exe, work, ["grid"] + model + data + ["--directions", "through", "--through", "a.h5:0,a.h5:1",
                                                   "--grid-res", "21", "--box", "-0.25:1.25", "--precision", "f64", "-o", "line.h5"])
    check_plane(os.path.join(work, "line.h5"), net, train, test, F64, "line f64")

    # Full batch Adam with a cosine schedule, mse on one-hot classes,
    # sigmoid, traced; then rmsprop with exp decay on bce/relu with a
    # --test-fraction split and --standardize.
    net_c = ref.Net([2, 5, 3], "sigmoid", "mse")
    trilobite(exe, work, ["descend", "--backend", "cpu", "--model", "mlp:2-5-3", "--activation", "sigmoid", "--loss", "mse"] + data + [
        "--starts", "8", "--steps", "60", "--optimizer", "adam", "--lr", "0.05", "--lr-schedule", "cosine",
        "--lr-min", "0.001", "--warmup-steps", "4", "--init", "he", "--precision", "f64", "--function-tol", "0.05",
        "--hessian-minima", "2", "--lanczos-steps", "1000", "--barrier-minima", "0", "--trace", "0,3", "--trace-every", "7",
        "--trace-weights", "-o", "c.h5"])
    with h5py.File(os.path.join(work, "c.h5"), "r") as f:
        what = "sigmoid mse adam full-batch f64"
        replay(f, net_c, train, what, 1e-10)
        check_descents(f, net_c, train, test, F64, what)
        check_minima(f, net_c, train, F64, what)
        check_curvature(f, net_c, train, 2, what)
        check_trajectories(f, net_c, train, what)
        check_init(f, net_c, "he", what)
    trilobite(exe, work, ["grid", "--model", "mlp:2-5-3", "--activation", "sigmoid", "--loss", "mse"] + data + [
        "--directions", "pca", "--trajectory", "c.h5:3", "--grid-res", "5", "--precision", "f64", "-o", "pca.h5"])
    check_pca(os.path.join(work, "pca.h5"), os.path.join(work, "c.h5"), 3, "pca plane f64")
    check_plane(os.path.join(work, "pca.h5"), net_c, train, test, F64, "pca plane f64")

    check_split(exe, work, xa, ya)

    # Softmax regression by full-batch gradient descent to --tol: each run
    # stops at the first step whose gradient norm is within it.
    net_l = ref.Net([2, 3], "identity", "xent")
    trilobite(exe, work, ["descend", "--backend", "cpu", "--model", "mlp:2-3", "--loss", "xent"] + data + [
        "--starts", "4", "--steps", "3000", "--lr", "2", "--tol", "1e-3", "--precision", "f64", "--hessian-minima", "0",
        "-o", "l.h5"])
    with h5py.File(os.path.join(work, "l.h5"), "r") as f:
        what = "softmax regression to tol f64"
        if not np.all(f["descents/status"][...] == 0):
            fail("%s: statuses %s, all should converge" % (what, f["descents/status"][...]))
        replay(f, net_l, train, what, 1e-9)
        check_descents(f, net_l, train, test, F64, what)
        check_minima(f, net_l, train, F64, what)

    # A run: trainings with mse on one output (accuracy: the rounded
    # output), then the plane through its lowest minimum.
    yb = (ya == 1).astype(np.int64)
    bin_train = write_csv(os.path.join(work, "run-train.csv"), xa, yb)
    bin_test = write_csv(os.path.join(work, "run-test.csv"), xt, (yt == 1).astype(np.int64))
    net_r = ref.Net([2, 5, 1], "tanh", "mse")
    trilobite(exe, work, ["run", "--backend", "cpu", "--model", "mlp:2-5-1", "--activation", "tanh", "--loss", "mse",
                          "--data", "run-train.csv", "--test-data", "run-test.csv", "--starts", "6", "--steps", "80",
                          "--lr", "0.3", "--precision", "f64", "--function-tol", "0.05", "--hessian-minima", "0",
                          "--barrier-minima", "0", "--grid-res", "11", "-o", "r.h5"])
    with h5py.File(os.path.join(work, "r.h5"), "r") as f:
        what = "run tanh mse f64"
        replay(f, net_r, bin_train, what, 1e-10)
        check_descents(f, net_r, bin_train, bin_test, F64, what)
        check_minima(f, net_r, bin_train, F64, what)
        if not np.array_equal(f["plane/center"][...], f["minima/weights"][0]):
            fail("%s: the plane's center is not minimum 0's weights" % what)
    check_plane(os.path.join(work, "r.h5"), net_r, bin_train, bin_test, F64, "run plane f64")

    # A sweep of the rate and a basin map of initialisations.
    trilobite(exe, work, ["sweep", "--backend", "cpu", "--model", "mlp:2-4-3", "--activation", "tanh"] + data + [
        "--starts", "5", "--batch-size", "25", "--epochs", "3", "--vary", "lr=0.05:0.8:3:log", "--precision", "f64", "--function-tol", "0.05",
        "--hessian-minima", "0", "--barrier-minima", "0", "-o", "s.h5"])
    with h5py.File(os.path.join(work, "s.h5"), "r") as f:
        net_s = ref.Net([2, 4, 3], "tanh", "xent")
        replay(f, net_s, train, "sweep f64", 1e-10, sweep_settings(f))
        check_descents(f, net_s, train, test, F64, "sweep f64")
        check_sweep(f, "sweep f64")
        check_minima(f, net_s, train, F64, "sweep f64")
    trilobite(exe, work, ["sweep", "--backend", "cpu", "--model", "mlp:2-4-3", "--activation", "tanh"] + data + [
        "--starts", "3", "--batch-size", "40", "--epochs", "2", "--optimizer", "momentum", "--lr-schedule", "exp",
        "--lr-gamma", "0.97", "--vary", "lr=0.05:0.4:3", "--vary", "momentum=0:0.9:2", "--precision", "f64",
        "--hessian-minima", "0", "--barrier-minima", "0", "-o", "s2.h5"])
    with h5py.File(os.path.join(work, "s2.h5"), "r") as f:
        replay(f, net_s, train, "2-D sweep f64", 1e-10, sweep_settings(f))
        check_descents(f, net_s, train, test, F64, "2-D sweep f64")
        check_sweep(f, "2-D sweep f64")
    trilobite(exe, work, ["basins", "--backend", "cpu", "--model", "mlp:2-4-3", "--activation", "tanh"] + data + [
        "--batch-size", "25", "--epochs", "2", "--basin-res", "4", "--probe", "40", "--function-tol", "0.1", "--hessian-minima", "0", "-o", "b.h5"])
    with h5py.File(os.path.join(work, "b.h5"), "r") as f:
        net_b = ref.Net([2, 4, 3], "tanh", "xent")
        check_descents(f, net_b, train, test, F32, "basins f32")
        check_basins(f, "basins f32")
        check_minima(f, net_b, train, F32, "basins f32")


def check_split(exe, work, xa, ya):
    """--test-fraction's documented choice of rows and --standardize's
    training statistics, seen through the stored losses."""
    yb = (ya == 1).astype(np.int64)
    write_csv(os.path.join(work, "bin.csv"), xa, yb)
    seed, frac = 5, 0.3
    n = len(yb)
    rows = np.arange(n, dtype=np.uint64)
    w = ref.philox4x32_10(rows & np.uint64(ref.MASK32), rows >> np.uint64(32), np.full_like(rows, 5 << 24),
                          np.zeros_like(rows), seed, 0)
    u = (w[0] << np.uint64(32)) | w[1]
    k = int(round(frac * n))
    is_test = np.zeros(n, bool)
    is_test[np.argsort(u, kind="stable")[:k]] = True
    x = xa.astype(np.float64)
    mean, std = x[~is_test].mean(0), x[~is_test].std(0)
    xs = ((x - mean) / std).astype(np.float32).astype(np.float64)
    train = (xs[~is_test], yb[~is_test].astype(np.float64))
    test = (xs[is_test], yb[is_test].astype(np.float64))
    net = ref.Net([2, 7, 1], "relu", "bce")
    trilobite(exe, work, ["descend", "--backend", "cpu", "--model", "mlp:2-7-1", "--activation", "relu", "--loss", "bce",
                          "--data", "bin.csv", "--test-fraction", str(frac), "--standardize", "--seed", str(seed),
                          "--starts", "4", "--batch-size", "10", "--epochs", "3", "--optimizer", "rmsprop", "--lr", "0.01",
                          "--lr-schedule", "exp", "--lr-gamma", "0.98", "--init", "glorot", "--precision", "f64", "--hessian-minima", "0",
                          "--barrier-minima", "0", "-o", "d.h5"])
    with h5py.File(os.path.join(work, "d.h5"), "r") as f:
        what = "relu bce rmsprop split f64"
        if int(f["network"].attrs["n_test"]) != k:
            fail("%s: %d test rows, round(F n) = %d" % (what, int(f["network"].attrs["n_test"]), k))
        replay(f, net, train, what, 1e-10)
        check_descents(f, net, train, test, F64, what)
        check_init(f, net, "glorot", what)


def read_idx(name, count, features):
    with gzip.open(os.path.join(FASHION_DIR, name)) as f:
        raw = f.read()
    offset = 16 if features else 8
    return np.frombuffer(raw, np.uint8, offset=offset)[:count * max(1, features)].reshape(count, -1) if features \
        else np.frombuffer(raw, np.uint8, offset=offset)[:count]


def write_idx(path, a, rank_dims):
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, len(rank_dims)]))
        for d in rank_dims:
            f.write(int(d).to_bytes(4, "big"))
        f.write(np.ascontiguousarray(a, np.uint8).tobytes())


def part_fashion(exe, work):
    if not os.path.isdir(FASHION_DIR):
        print("skipped: %s is not installed (Debian's dataset-fashion-mnist)" % FASHION_DIR)
        return 77
    # The first 1000 training and 300 test images as IDX files (the spec
    # IMAGES,LABELS), read as trilobite reads them: bytes / 255 in float32.
    sets = {}
    for part, count, prefix in (("train", 1000, "train"), ("test", 300, "t10k")):
        x = read_idx(prefix + "-images-idx3-ubyte.gz", count, 784)
        y = read_idx(prefix + "-labels-idx1-ubyte.gz", count, 0)
        write_idx(os.path.join(work, part + "-x.idx"), x, (count, 28, 28))
        write_idx(os.path.join(work, part + "-y.idx"), y, (count,))
        sets[part] = ((x.astype(np.float32) / np.float32(255)).astype(np.float64), y.astype(np.float64))
    data = ["--data", "train-x.idx,train-y.idx", "--test-data", "test-x.idx,test-y.idx"]
    model = ["--model", "mlp:784-16-16-10", "--activation", "sigmoid", "--loss", "xent"]
    net = ref.Net([784, 16, 16, 10], "sigmoid", "xent")
    train, test = sets["train"], sets["test"]
    trilobite(exe, work, ["descend", "--backend", "cpu"] + model + data + [
        "--starts", "3", "--batch-size", "32", "--epochs", "3", "--optimizer", "momentum", "--lr-schedule", "cosine",
        "--precision", "f64", "--function-tol", "0.005", "--hessian-minima", "1", "--lanczos-steps", "30", "--barrier-minima", "2",
        "--barrier-points", "5", "-o", "f64.h5"])
    with h5py.File(os.path.join(work, "f64.h5"), "r") as f:
        what = "784-16-16-10 momentum cosine f64"
        replay(f, net, train, what, 1e-10)
        check_descents(f, net, train, test, F64, what)
        check_minima(f, net, train, F64, what)
        check_barriers(f, net, train, 2, what)
        check_top_eigenvalue(f, net, train, what)
    trilobite(exe, work, ["descend", "--backend", "cpu"] + model + data + [
        "--starts", "3", "--batch-size", "32", "--epochs", "2", "--hessian-minima", "0", "--barrier-minima", "0",
        "-o", "f32.h5"])
    with h5py.File(os.path.join(work, "f32.h5"), "r") as f:
        check_descents(f, net, train, test, F32, "784-16-16-10 sgd f32")
        # The float32 training against the float64 replay: 64 steps of
        # float32 rounding (6e-8 a step, relative) on weights of order 1;
        # 1.6e-7 measured, 1e-5 leaves room for other compilers' sums.
        replay(f, net, train, "784-16-16-10 sgd f32", 1e-5)
        check_init(f, net, "torch", "784-16-16-10 sgd f32")
    trilobite(exe, work, ["grid"] + model + data + ["--center", "f32.h5:0", "--grid-res", "5", "-o", "fp.h5"])
    check_plane(os.path.join(work, "fp.h5"), net, train, test, F32, "784-16-16-10 plane f32")

    # `--data fashion-mnist` itself: all 60,000 training and 10,000 test
    # images, two full-batch steps in float64.
    full = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        x = read_idx(prefix + "-images-idx3-ubyte.gz", 60000 if part == "train" else 10000, 784)
        y = read_idx(prefix + "-labels-idx1-ubyte.gz", len(x), 0)
        full[part] = ((x.astype(np.float32) / np.float32(255)).astype(np.float64), y.astype(np.float64))
    trilobite(exe, work, ["descend", "--backend", "cpu"] + model + [
        "--data", "fashion-mnist", "--starts", "1", "--steps", "2", "--tol", "0", "--precision", "f64",
        "--hessian-minima", "0", "--barrier-minima", "0", "-o", "full.h5"])
    with h5py.File(os.path.join(work, "full.h5"), "r") as f:
        what = "784-16-16-10 on all of Fashion-MNIST f64"
        replay(f, net, full["train"], what, 1e-10)
        check_descents(f, net, full["train"], full["test"], F64, what)
    return 0


def check_top_eigenvalue(f, net, train, what):
    """At 13,002 weights no dense Hessian: our own Lanczos (full
    reorthogonalisation, 60 steps) on products by differences of the NumPy
    gradient. Ritz values never exceed the top eigenvalue, and both
    converge from below: the stored one must agree to 1e-4."""
    m = f["minima"]
    i = int(np.where(np.isfinite(m["hessian_top"][:, 0]))[0][0])
    w = m["weights"][i]
    rng = np.random.default_rng(0)
    q = rng.standard_normal(net.P)
    Q, alphas, betas = [q / np.linalg.norm(q)], [], []
    for _ in range(60):
        v = net.hessian_vector(w, *train, Q[-1])
        alphas.append(Q[-1] @ v)
        for u in Q:
            v -= (u @ v) * u
        for u in Q:
            v -= (u @ v) * u
        betas.append(np.linalg.norm(v))
        Q.append(v / betas[-1])
    T = np.diag(alphas) + np.diag(betas[:-1], 1) + np.diag(betas[:-1], -1)
    mine = np.linalg.eigvalsh(T)[-1]
    got = m["hessian_top"][i, 0]
    if abs(got - mine) > 1e-4 * abs(mine):
        fail("%s minimum %d: hessian_top %.10g, NumPy Lanczos %.10g" % (what, i, got, mine))
    note("%s: minimum %d's top eigenvalue %.8g (NumPy Lanczos on differenced products %.8g)" % (what, i, got, mine))


def main():
    exe, work, part = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    os.makedirs(work, exist_ok=True)
    ref.check_philox()
    rc = part_small(exe, work) if part == "small" else part_fashion(exe, work)
    if rc:
        return rc
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
