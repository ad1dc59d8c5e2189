#!/usr/bin/python3
"""The network groups open in xarray with named coordinates: /minima with
its eigenvalue density (which integrates to about 1 over its eigenvalue
axis, by NumPy's trapezoid rule here) and barrier matrix, /barriers, and the
/basins of a basin map of initialisations (label over beta x alpha, its
cells' starts recomputed from the stored center and directions).

Usage: /usr/bin/python3 tests/python/check_network_groups.py TRILOBITE WORK_DIR
"""
import os
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr


def run(exe, work, args):
    p = subprocess.run([exe] + args + ["-q", "--force"], cwd=work, capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="2"))
    if p.returncode != 0:
        sys.exit("FAIL %s: %s" % (" ".join(args), p.stderr.strip()))


def main():
    exe, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    run(exe, work, ["descend", "--backend", "cpu", "--model", "mlp:2-6-2", "--activation", "tanh", "--data", "two-moons", "--starts", "24",
                    "--batch-size", "32", "--epochs", "10", "--density", "2", "--hessian-minima", "3", "-o", "d.h5"])
    m = xr.open_dataset(os.path.join(work, "d.h5"), group="minima", engine="h5netcdf")
    assert m.density.dims == ("minimum", "eigenvalue"), m.density.dims
    examined = [k for k in range(m.sizes["minimum"]) if np.isfinite(m.density[k, 0])]
    assert examined, "no examined minimum"
    for k in examined:
        mass = np.trapz(m.density[k].values, m.eigenvalue.values)
        assert abs(mass - 1) < 1e-3, "minimum %d: the density integrates to %g" % (k, mass)
    assert m.barriers.dims == ("minimum", "minimum_other"), m.barriers.dims
    b = xr.open_dataset(os.path.join(work, "d.h5"), group="barriers", engine="h5netcdf")
    assert b.line_loss.dims == ("pair", "t"), b.line_loss.dims

    # docs/networks.md's pairing of sharpness and test accuracy, run as
    # written there on a file with a test set and Hutchinson's trace.
    run(exe, work, ["descend", "--backend", "cpu", "--model", "mlp:2-6-2", "--activation", "tanh", "--data", "two-moons",
                    "--test-fraction", "0.2", "--starts", "8", "--steps", "200", "--hessian-minima", "3",
                    "--hutchinson", "2", "-o", "f.h5"])
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "networks.md")
    text = open(docs).read()
    at = text.index("**Sharpness against test accuracy.**")
    snippet = text[text.index("```python\n", at) + len("```python\n"):text.index("```\n", text.index("```python\n", at) + 3)]
    here = os.getcwd()
    os.chdir(work)
    try:
        shown = {}
        exec(snippet, {"print": lambda table: shown.setdefault("table", table)})
    finally:
        os.chdir(here)
    table = shown["table"]
    assert list(table.columns) == ["hessian_top", "hessian_trace", "test_accuracy"], table.columns
    assert len(table) == 3 and table.notnull().all().all(), table

    run(exe, work, ["basins", "--backend", "cpu", "--model", "mlp:2-4-1", "--loss", "bce", "--data", "two-moons", "--batch-size", "32",
                    "--epochs", "2", "--basin-res", "5", "-o", "b.h5"])
    g = xr.open_dataset(os.path.join(work, "b.h5"), group="basins", engine="h5netcdf")
    assert g.label.dims == ("beta", "alpha"), g.label.dims
    with h5py.File(os.path.join(work, "b.h5"), "r") as f:
        start = f["descents/start"][...]
    for i, beta in enumerate(g.beta.values):
        for j, alpha in enumerate(g.alpha.values):
            want = g.center.values + alpha * g.directions.values[0] + beta * g.directions.values[1]
            assert np.allclose(start[i * 5 + j], want, rtol=0, atol=1e-12), (i, j)
    print("network groups: ok")


if __name__ == "__main__":
    main()
