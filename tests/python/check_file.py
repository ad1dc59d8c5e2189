#!/usr/bin/python3
"""Checks that a trilobite result file reads as documented in docs/format.md,
both through h5py and through xarray (engine h5netcdf): named dimensions with
their coordinate values in every group, shapes, and the invariants that tie
the groups together.

Usage: /usr/bin/python3 tests/python/check_file.py FILE
Prints "ok" and exits 0, or prints one line naming the failure and exits 1.
Needs Debian's python3-h5py, python3-xarray and python3-h5netcdf.
"""

import sys
import tomllib
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

PROVENANCE = [
    "format_version", "program", "program_version", "command_line", "created", "job",
    "landscape", "dim", "box_lo", "box_hi", "optimizer", "lr", "max_steps", "tol",
    "precision", "backend", "device", "seed", "merge_tol",
]
# The groups each job writes; /minima is always there (possibly empty).
GROUPS_BY_JOB = {
    "run": ["grid", "descents", "minima", "basins"],
    "grid": ["grid", "minima"],
    "descend": ["descents", "minima"],
    "basins": ["basins", "minima"],
    "sweep": ["minima", "sweep"],
}
STATUS_FLAGS = ([0, 1, 2], "converged max-steps diverged")
KIND_FLAGS = ([0, 1, 2, 3], "minimum saddle degenerate maximum")


class CheckFailed(Exception):
    pass


def check(ok, message):
    if not ok:
        raise CheckFailed(message)


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def axis_name(axis, dim):
    """The coordinate names the program gives: x, y, z up to 3-D, else w1, w2, ..."""
    return "xyz"[axis] if dim <= 3 else "w%d" % (axis + 1)


FRACTIONS = {"fraction", "basin_fraction"}  # the dimensionless shares: units "1"


def open_group(path, group):
    """The group through xarray; every dimension must be named and carry
    coordinates, and every variable (coordinates too) a long_name; fractions
    have units "1" (the landscapes themselves are dimensionless: no units)."""
    ds = xr.open_dataset(path, group=group, engine="h5netcdf")
    for dim in ds.dims:
        check(not str(dim).startswith("phony_dim"), "/%s: unnamed dimension %s" % (group, dim))
        check(dim in ds.coords, "/%s: dimension %s has no coordinate variable" % (group, dim))
        check(len(ds[dim].values) == ds.sizes[dim], "/%s: coordinate %s has the wrong length" % (group, dim))
    for name in list(ds.data_vars) + list(ds.coords):
        long_name = ds[name].attrs.get("long_name", "")
        check(isinstance(long_name, str) and long_name.strip(),
              "/%s/%s: no long_name through xarray" % (group, name))
        if name in FRACTIONS:
            check(ds[name].attrs.get("units") == "1", "/%s/%s: units is not \"1\"" % (group, name))
    return ds


def check_same(h5, ds, group, name):
    """The variable reads the same through h5py and xarray."""
    a, b = h5[group][name][()], ds[name].values
    check(a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"),
          "/%s/%s differs between h5py and xarray" % (group, name))


def check_flags(h5, group, name, flags):
    attrs = h5[group][name].attrs
    check(list(attrs.get("flag_values", [])) == flags[0] and
          text(attrs.get("flag_meanings", "")) == flags[1],
          "/%s/%s: flag_values/flag_meanings missing or wrong" % (group, name))


def lattice_names(h5, group):
    """[name0] or [name0, name1], from the group's axis0/axis1 attributes."""
    g, dim = h5[group], int(h5.attrs["dim"])
    axis0, axis1 = int(g.attrs["axis0"]), int(g.attrs["axis1"])
    return [axis_name(axis0, dim)] + ([axis_name(axis1, dim)] if axis1 >= 0 else [])


def check_lattice(h5, path, group, variables):
    """A lattice group: coordinates named after the plane's axes, values as in h5py."""
    g, dim = h5[group], int(h5.attrs["dim"])
    names = lattice_names(h5, group)
    want_dims = tuple(reversed(names))  # (n1, n0): the first axis varies fastest
    check(len(g.attrs["origin"]) == dim, "/%s: origin has the wrong length" % group)
    with open_group(path, group) as ds:
        for name in names:
            check(name in ds.coords, "/%s: no coordinate %s" % (group, name))
            check(np.array_equal(ds[name].values, g[name][()]),
                  "/%s: coordinate %s differs from h5py's" % (group, name))
        shape = tuple(len(g[n]) for n in want_dims)
        for v in variables:
            check(ds[v].dims == want_dims, "/%s/%s: dims %s, expected %s" % (group, v, ds[v].dims, want_dims))
            check(ds[v].shape == shape, "/%s/%s: shape %s, expected %s" % (group, v, ds[v].shape, shape))
            check_same(h5, ds, group, v)


def check_grid(h5, path):
    variables = ["loss", "grad_norm"] + ["grad_" + n for n in lattice_names(h5, "grid")]
    check_lattice(h5, path, "grid", variables)


def check_minima(h5, path):
    g = h5["minima"]
    m = len(g["minimum"])
    dim = int(h5.attrs["dim"])
    check(int(g.attrs["n_minima"]) == m, "/minima: n_minima disagrees with the data")
    with open_group(path, "minima") as ds:
        check(ds["position"].dims == ("minimum", "coord"), "/minima/position: wrong dims")
        check(ds.sizes["coord"] == dim, "/minima: coord is not the space's dimension")
        for v in ["position", "loss", "grad_norm", "eigenvalues", "kind", "count", "fraction",
                  "mean_steps", "basin_count", "basin_fraction", "fraction_ci_lo",
                  "fraction_ci_hi", "basin_fraction_ci_lo", "basin_fraction_ci_hi", "steps_p50",
                  "steps_p90", "steps_p99"]:
            check_same(h5, ds, "minima", v)
        check(np.all(ds["fraction_ci_lo"].values <= ds["fraction"].values)
              and np.all(ds["fraction"].values <= ds["fraction_ci_hi"].values),
              "/minima: a fraction lies outside its interval")
        loss = ds["loss"].values
        # Values within 1e-9 (relative, absolute below 1) are ties, ordered by position.
        slack = 1e-9 * np.maximum(1.0, np.abs(loss[1:]))
        check(np.all(np.diff(loss) >= -slack), "/minima: not sorted by loss")
        check(np.all(np.isin(ds["kind"].values, KIND_FLAGS[0])), "/minima/kind: unknown code")
        check(ds["fraction"].values.sum() <= 1 + 1e-9, "/minima: fractions sum to more than 1")
        check(ds["basin_fraction"].values.sum() <= 1 + 1e-9,
              "/minima: basin fractions sum to more than 1")
    check_flags(h5, "minima", "kind", KIND_FLAGS)
    return m


def check_labels(labels, status, m, where):
    check(np.all((labels >= -1) & (labels < m)), "%s: label outside [-1, %d)" % (where, m))
    check(np.all(labels[status != 0] == -1), "%s: a descent that did not converge has a label" % where)


def check_descents(h5, path, m):
    g = h5["descents"]
    with open_group(path, "descents") as ds:
        n = ds.sizes["descent"]
        check(ds["start"].dims == ("descent", "coord") and ds["end"].dims == ("descent", "coord"),
              "/descents: start/end dims are not (descent, coord)")
        for v in ["start", "end", "loss", "grad_norm", "steps", "status", "minimum"]:
            check(ds[v].dims[0] == "descent", "/descents/%s: first dimension is not descent" % v)
            check_same(h5, ds, "descents", v)
        check(np.array_equal(ds["descent"].values, np.arange(n)), "/descents: descent is not 0..n-1")
        status, labels = ds["status"].values, ds["minimum"].values
        check(np.all(np.isin(status, STATUS_FLAGS[0])), "/descents/status: unknown or unwritten rows")
        check_labels(labels, status, m, "/descents/minimum")
    check_flags(h5, "descents", "status", STATUS_FLAGS)
    if m:
        counts = np.bincount(labels[labels >= 0], minlength=m)
        check(np.array_equal(counts, h5["minima/count"][()]),
              "/minima/count disagrees with /descents/minimum")


def check_basins(h5, path, m):
    check_lattice(h5, path, "basins", ["label", "steps", "status"])
    g = h5["basins"]
    label, status = g["label"][()], g["status"][()]
    check(np.all(np.isin(status, STATUS_FLAGS[0])), "/basins/status: unknown code")
    check_labels(label, status, m, "/basins/label")
    check_flags(h5, "basins", "status", STATUS_FLAGS)
    with open_group(path, "basins") as ds:
        check(ds["fraction"].dims == ("minimum",) and ds.sizes["minimum"] == m,
              "/basins/fraction: not one per minimum")
        check_same(h5, ds, "basins", "fraction")
        check(ds["fraction"].values.sum() <= 1 + 1e-9, "/basins: fractions sum to more than 1")
    unconverged = float(g.attrs["unconverged_fraction"])
    check(abs(unconverged - np.mean(status != 0)) <= 1e-12, "/basins: wrong unconverged_fraction")


def check_trajectories(h5, path):
    with open_group(path, "trajectories") as ds:
        check(ds["position"].dims == ("trajectory", "record", "coord"),
              "/trajectories/position: wrong dims")
        for v in ["descent", "length", "step", "position", "loss"]:
            check_same(h5, ds, "trajectories", v)
        r = ds.sizes["record"]
        for i, n in enumerate(ds["length"].values):
            check(0 <= n <= r, "/trajectories: length beyond the record dimension")
            check(np.all(ds["step"].values[i, n:] == -1), "/trajectories/step: padding is not -1")


def check_sweep(h5, path, m):
    g = h5["sweep"]
    n_starts = int(g.attrs["n_starts"])
    check(text(g.attrs["spacing"]) in ("linear", "log"), "/sweep: unknown spacing")
    with open_group(path, "sweep") as ds:
        check(ds.sizes["minimum"] == m, "/sweep: minimum is not /minima's length")
        for v in ["count", "fraction", "fraction_ci_lo", "fraction_ci_hi", "quenched_count",
                  "quenched_fraction", "quenched_fraction_ci_lo", "quenched_fraction_ci_hi"]:
            check(ds[v].dims == ("value", "minimum"), "/sweep/%s: wrong dims" % v)
            check_same(h5, ds, "sweep", v)
        for v in ["fraction_diverged", "fraction_max_steps", "median_steps"]:
            check(ds[v].dims == ("value",), "/sweep/%s: wrong dims" % v)
            check_same(h5, ds, "sweep", v)
        check(np.all(np.diff(ds["value"].values) > 0), "/sweep: values not ascending")
        f = ds["fraction"].values
        check(np.allclose(f, ds["count"].values / n_starts), "/sweep: fraction is not count / n_starts")
        total = f.sum(axis=1) + ds["fraction_diverged"].values + ds["fraction_max_steps"].values
        check(np.all(total <= 1 + 1e-9), "/sweep: outcomes add up to more than 1")
        check(np.all(ds["fraction_ci_lo"].values <= f) and np.all(f <= ds["fraction_ci_hi"].values),
              "/sweep: a fraction lies outside its interval")


def main(path):
    with h5py.File(path, "r") as h5:
        for name in PROVENANCE:
            check(name in h5.attrs, "root attribute %s is missing" % name)
        check(text(h5.attrs["program"]) == "trilobite", "program is not trilobite")
        check(int(h5.attrs["format_version"]) == 1, "format_version is not 1")
        dim = int(h5.attrs["dim"])
        check(len(h5.attrs["box_lo"]) == dim and len(h5.attrs["box_hi"]) == dim, "box has the wrong length")
        if "config" in h5.attrs:  # the resolved options (trilobite info --config)
            config = tomllib.loads(text(h5.attrs["config"]))
            job_table = config.get(text(h5.attrs["job"]))
            check(isinstance(job_table, dict) and job_table, "config: no [%s] table" % text(h5.attrs["job"]))
            check("output" not in job_table, "config: stores the output path")
            check("force" not in job_table, "config: stores --force (an action, not a setting)")
        job = text(h5.attrs["job"])
        for group in GROUPS_BY_JOB.get(job, ["minima"]):
            check(group in h5, "job %s wrote no /%s" % (job, group))
        m = check_minima(h5, path)
        if "grid" in h5:
            check_grid(h5, path)
        if "descents" in h5:
            check_descents(h5, path, m)
        if "basins" in h5:
            check_basins(h5, path, m)
        if "trajectories" in h5:
            check_trajectories(h5, path)
        if "sweep" in h5:
            check_sweep(h5, path, m)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_file.py FILE")
    try:
        main(sys.argv[1])
    except CheckFailed as e:
        sys.exit("check_file: %s: %s" % (sys.argv[1], e))
    except Exception as e:  # a file h5py or xarray cannot read is a failure too
        message = " ".join(str(e).split())
        sys.exit("check_file: %s: %s: %s" % (sys.argv[1], type(e).__name__, message))
    print("ok")
