"""A float64 NumPy reference of trilobite's networks, written from
docs/networks.md alone: the flat weight order, the activations, the losses
with their links and accuracies, backpropagation, the optimizers and the
learning-rate schedules (docs/format.md, root attributes), and Hessians by
central differences of the gradient. The checks in check_network_numbers.py
recompute what a network file stores with it.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "peers"))
from nn_peers import MASK32, batch_order, check_philox, philox4x32_10  # noqa: E402,F401

erf = np.vectorize(math.erf, otypes=[np.float64])


def layers_of(w, widths):
    """Per layer W (out x in, row-major), then b (out): views into w."""
    out, at = [], 0
    for i, o in zip(widths[:-1], widths[1:]):
        W = w[at:at + i * o].reshape(o, i)
        at += i * o
        out.append((W, w[at:at + o]))
        at += o
    assert at == len(w), "the weight vector has %d entries, the model %d" % (len(w), at)
    return out


def activation(name, z):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "gelu":  # the exact erf form
        return 0.5 * z * (1 + erf(z / math.sqrt(2)))
    if name == "identity":
        return z
    raise ValueError(name)


def activation_slope(name, z, a):
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "gelu":
        return 0.5 * (1 + erf(z / math.sqrt(2))) + z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    if name == "identity":
        return np.ones_like(z)
    raise ValueError(name)


class Net:
    """mlp:widths with `act` on every hidden layer and `loss` on the linear
    output; `decay` adds decay/2 |w|^2 to the loss."""

    def __init__(self, widths, act, loss, decay=0.0):
        self.widths, self.act, self.loss, self.decay = list(widths), act, loss, decay
        self.P = sum(i * o + o for i, o in zip(widths[:-1], widths[1:]))

    def forward(self, w, x):
        """The outputs z (rows x K) and every layer's (input, pre-activation)."""
        a, keep = np.asarray(x, np.float64), []
        ls = layers_of(w, self.widths)
        for k, (W, b) in enumerate(ls):
            z = a @ W.T + b
            keep.append((a, z))
            a = z if k == len(ls) - 1 else activation(self.act, z)
        return a, keep

    def targets(self, y, K):
        if self.loss == "xent" or (self.loss == "mse" and K > 1):
            t = np.zeros((len(y), K))
            t[np.arange(len(y)), y.astype(np.int64)] = 1
            return t
        return np.asarray(y, np.float64)[:, None]

    def row_losses(self, z, y):
        """Each row's loss and dL/dz (not yet divided by the rows)."""
        if self.loss == "xent":
            m = z.max(1, keepdims=True)
            e = np.exp(z - m)
            s = e.sum(1, keepdims=True)
            lse = m[:, 0] + np.log(s[:, 0])
            yi = y.astype(np.int64)
            return lse - z[np.arange(len(y)), yi], e / s - self.targets(y, z.shape[1])
        if self.loss == "bce":
            t = np.asarray(y, np.float64)
            v = z[:, 0]
            return np.maximum(v, 0) - t * v + np.log1p(np.exp(-np.abs(v))), (1 / (1 + np.exp(-v)) - t)[:, None]
        if self.loss == "mse":
            t = self.targets(y, z.shape[1])
            K = z.shape[1]
            return ((z - t) ** 2).sum(1) / K, 2 * (z - t) / K
        raise ValueError(self.loss)

    def loss_value(self, w, x, y):
        z, _ = self.forward(w, x)
        return float(np.mean(self.row_losses(z, y)[0]) + 0.5 * self.decay * np.dot(w, w))

    def correct(self, z, y):
        """Which rows are classified right, and each row's decision margin
        (how far the outputs are from changing the decision)."""
        K = z.shape[1]
        if self.loss == "bce":
            return (z[:, 0] > 0) == (y > 0.5), np.abs(z[:, 0])
        if self.loss == "mse" and K == 1:
            r = z[:, 0]
            return np.round(r) == y, np.abs(np.abs(r - np.floor(r)) - 0.5)
        s = np.sort(z, 1)
        return np.argmax(z, 1) == y.astype(np.int64), s[:, -1] - s[:, -2]

    def evaluate(self, w, x, y):
        """Loss (with the decay term), accuracy and each row's decision margin."""
        z, _ = self.forward(w, x)
        ok, margin = self.correct(z, y)
        return float(np.mean(self.row_losses(z, y)[0]) + 0.5 * self.decay * np.dot(w, w)), float(np.mean(ok)), margin

    def gradient(self, w, x, y):
        """dL/dw of the mean loss over the rows (decay included), by backpropagation."""
        z, keep = self.forward(w, x)
        _, dz = self.row_losses(z, y)
        delta = dz / len(y)
        ls = layers_of(w, self.widths)
        grads = [None] * len(ls)
        for k in range(len(ls) - 1, -1, -1):
            a_in, _ = keep[k]
            grads[k] = np.concatenate([(delta.T @ a_in).ravel(), delta.sum(0)])
            if k:
                _, z_prev = keep[k - 1]
                delta = (delta @ ls[k][0]) * activation_slope(self.act, z_prev, a_in)
        return np.concatenate(grads) + self.decay * w

    def link(self, w, x):
        """Outputs through the link: softmax (xent), sigmoid (bce), raw (mse)."""
        z, _ = self.forward(w, x)
        if self.loss == "xent":
            e = np.exp(z - z.max(1, keepdims=True))
            return e / e.sum(1, keepdims=True)
        if self.loss == "bce":
            return 1 / (1 + np.exp(-z))
        return z

    def hessian(self, w, x, y, h=1e-5):
        """Dense Hessian by central differences of the analytic gradient:
        error about h^2 |g'''| + eps |g| / h, near 1e-10 here; symmetrised."""
        H = np.empty((self.P, self.P))
        for j in range(self.P):
            e = np.zeros(self.P)
            e[j] = h
            H[:, j] = (self.gradient(w + e, x, y) - self.gradient(w - e, x, y)) / (2 * h)
        return 0.5 * (H + H.T)

    def hessian_vector(self, w, x, y, v, h=1e-5):
        """H v by a central difference of the gradient along v/|v|."""
        n = np.linalg.norm(v)
        u = v / n
        return n * (self.gradient(w + h * u, x, y) - self.gradient(w - h * u, x, y)) / (2 * h)


def rate(t, root):
    """docs/format.md, root attributes: the rate of step t (from 0)."""
    lr, warm = float(root["lr"]), int(root["warmup_steps"])
    if t < warm:
        return lr * (t + 1) / warm
    u = t - warm
    kind = root["lr_schedule"]
    kind = kind.decode() if isinstance(kind, bytes) else kind
    if kind == "constant":
        return lr
    if kind == "step":
        return lr * float(root["lr_gamma"]) ** (u // int(root["lr_step_every"]))
    if kind == "exp":
        return lr * float(root["lr_gamma"]) ** u
    if kind == "cosine":
        lo, span = float(root["lr_min"]), int(root["lr_horizon"])
        return lo + (lr - lo) * (1 + math.cos(math.pi * u / span)) / 2
    raise ValueError(kind)


class Optimizer:
    """torch.optim's updates as docs/networks.md states them (weight decay
    is in the gradient already)."""

    def __init__(self, root):
        kind = root["optimizer"]
        self.kind = kind.decode() if isinstance(kind, bytes) else kind
        self.mu, self.b1, self.b2 = float(root["momentum"]), float(root["beta1"]), float(root["beta2"])
        self.rho, self.eps = float(root["rho"]), float(root["eps"])
        self.t, self.m, self.v = 0, None, None

    def step(self, w, g, lr):
        self.t += 1
        if self.m is None:
            self.m, self.v = np.zeros_like(w), np.zeros_like(w)
        if self.kind == "gd":
            return w - lr * g
        if self.kind in ("momentum", "nesterov"):
            self.m = g.copy() if self.t == 1 else self.mu * self.m + g
            return w - lr * (self.m if self.kind == "momentum" else g + self.mu * self.m)
        if self.kind == "adam":
            self.m = self.b1 * self.m + (1 - self.b1) * g
            self.v = self.b2 * self.v + (1 - self.b2) * g * g
            mh, vh = self.m / (1 - self.b1 ** self.t), self.v / (1 - self.b2 ** self.t)
            return w - lr * mh / (np.sqrt(vh) + self.eps)
        if self.kind == "rmsprop":
            self.v = self.rho * self.v + (1 - self.rho) * g * g
            return w - lr * g / (np.sqrt(self.v) + self.eps)
        raise ValueError(self.kind)


def rademacher(seed, minimum, sample, n):
    """The Hutchinson/density probe vector: entry j is bit j mod 32 of word
    (j mod 128) / 32 of Philox4x32-10 with key (seed) and counter (minimum,
    stream 8 << 24 | j / 128, sample); bit 1 is +1."""
    blocks = np.arange((n + 127) // 128, dtype=np.uint64)
    w = philox4x32_10(np.full_like(blocks, minimum & MASK32), np.full_like(blocks, minimum >> 32),
                      np.uint64(8 << 24) | blocks, np.full_like(blocks, sample), seed & MASK32, seed >> 32)
    j = np.arange(n)
    word = np.stack(w, 1)[j // 128, (j % 128) // 32]
    bit = (word >> (j % 32).astype(np.uint64)) & np.uint64(1)
    return np.where(bit == 1, 1.0, -1.0)


def unit_words(words, open_closed=False):
    """53 random bits of a pair of 32-bit words to [0, 1), or to (0, 1]."""
    bits = ((words[0] << np.uint64(32)) | words[1]) >> np.uint64(11)
    return (bits.astype(np.float64) + (1 if open_closed else 0)) * 2.0 ** -53


def gaussian_direction(seed, k, P):
    """A plane's Gaussian direction k (docs/networks.md, planes): entry j
    is of normal pair q = floor(j/2), from Philox4x32-10 with key (seed) and
    counter (k, stream 9 << 24 | q mod 2^24, q >> 24) by Box-Muller:
    r = sqrt(-2 ln u1), u1 in (0, 1] from w0, w1; angle 2 pi u2, u2 in [0, 1)
    from w2, w3; the pair (r cos, r sin)."""
    q = np.arange((P + 1) // 2, dtype=np.uint64)
    w = philox4x32_10(np.full_like(q, k & MASK32), np.full_like(q, k >> 32), np.uint64(9 << 24) | (q & np.uint64(0xFFFFFF)),
                      q >> np.uint64(24), seed & MASK32, seed >> 32)
    r = np.sqrt(-2 * np.log(unit_words(w[:2], True)))
    a = 2 * np.pi * unit_words(w[2:])
    return np.stack([r * np.cos(a), r * np.sin(a)], 1).ravel()[:P]
