#!/usr/bin/python3
"""Checks a plane through a network's weight space (`trilobite grid --model`)
as docs/format.md describes it: /plane opens in xarray (engine h5netcdf) with
the named coordinates alpha and beta on the loss and accuracy maps, param and
direction on the stored vectors; the coordinates are the documented lattice;
the XDMF file beside it names the maps; and the center's node matches the
center's own loss computed here with NumPy from the stored vectors and the
CSV data.

Usage: /usr/bin/python3 tests/python/check_plane.py PLANE.h5 DATA.csv
Prints "ok" and exits 0, or prints one line naming the failure and exits 1.
"""

import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402


def fail(message):
    print(message)
    sys.exit(1)


def main(path, csv):
    ds = xr.open_dataset(path, group="plane", engine="h5netcdf")
    for name in ("loss", "accuracy"):
        if ds[name].dims != ("beta", "alpha"):
            fail("%s has dims %s, not (beta, alpha)" % (name, ds[name].dims))
    if ds["directions"].dims != ("direction", "param") or ds["center"].dims != ("param",):
        fail("center/directions dims: %s %s" % (ds["center"].dims, ds["directions"].dims))
    alpha, beta = ds["alpha"].values, ds["beta"].values
    if len(alpha) != 51 or not np.allclose(alpha, np.linspace(-1, 1, 51), atol=1e-15):
        fail("alpha is not 51 nodes over [-1, 1]")
    if not np.allclose(beta, alpha, atol=0):
        fail("beta differs from alpha")
    # The center (alpha = beta = 0): a tanh network with a bce logit.
    data = np.loadtxt(csv, delimiter=",", skiprows=1, dtype=np.float32).astype(np.float64)
    x, y = data[:, :2], data[:, 2]
    w = ds["center"].values
    hid = 8
    W1, b1 = w[: 2 * hid].reshape(hid, 2), w[2 * hid: 3 * hid]
    W2, b2 = w[3 * hid: 4 * hid], w[4 * hid]
    z = np.tanh(x @ W1.T + b1) @ W2 + b2
    loss = np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))
    got = float(ds["loss"].sel(alpha=0.0, beta=0.0))
    if abs(got - loss) > 1e-10 * max(1.0, abs(loss)):
        fail("loss at the center %.17g, NumPy %.17g" % (got, loss))
    xmf = open(path[: -len(".h5")] + ".xmf").read()
    for name in ("plane/loss", "plane/accuracy", "plane/alpha", "plane/beta"):
        if name not in xmf:
            fail("the XDMF file does not name /%s" % name)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
