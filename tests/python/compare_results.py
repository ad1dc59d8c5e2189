#!/usr/bin/python3
"""Compares two trilobite result files: every group, every dataset (type,
shape and every byte) and every attribute of every object must be the same,
except the root attributes named with --ignore (default: created).

Usage: /usr/bin/python3 tests/python/compare_results.py A.h5 B.h5 [--ignore NAME ...]
Prints "identical (N datasets, M attributes)" and exits 0, or names the first
difference and exits 1.
"""

import sys

import h5py
import numpy as np


class Differ(Exception):
    pass


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return all(x == y for x, y in zip(a.ravel(), b.ravel()))
    return a.tobytes() == b.tobytes()  # bit for bit: NaN equals NaN, -0 differs from 0


def compare_attrs(a, b, where, ignore, counter):
    names_a, names_b = set(a.attrs) - ignore, set(b.attrs) - ignore
    if names_a != names_b:
        raise Differ("%s: attributes differ: %s" % (where, sorted(names_a ^ names_b)))
    for name in sorted(names_a):
        if name in ("DIMENSION_LIST", "REFERENCE_LIST"):
            continue  # object references: compared through the scales they name
        if not same_value(a.attrs[name], b.attrs[name]):
            raise Differ("%s: attribute %s differs: %r vs %r" % (where, name, a.attrs[name], b.attrs[name]))
        counter[1] += 1


def compare(a, b, where, root_ignore, counter):
    compare_attrs(a, b, where or "/", root_ignore if not where else set(), counter)
    if set(a) != set(b):
        raise Differ("%s: members differ: %s" % (where or "/", sorted(set(a) ^ set(b))))
    for name in a:
        x, y, path = a[name], b[name], where + "/" + name
        if isinstance(x, h5py.Group) != isinstance(y, h5py.Group):
            raise Differ("%s: a group in one file, a dataset in the other" % path)
        if isinstance(x, h5py.Group):
            compare(x, y, path, root_ignore, counter)
            continue
        if x.dtype != y.dtype or x.shape != y.shape:
            raise Differ("%s: %s%s vs %s%s" % (path, x.dtype, x.shape, y.dtype, y.shape))
        if not same_value(x[()], y[()]):
            raise Differ("%s: values differ" % path)
        dims_x = [[d.name for d in dim.values()] for dim in x.dims]
        dims_y = [[d.name for d in dim.values()] for dim in y.dims]
        if dims_x != dims_y:
            raise Differ("%s: dimension scales differ" % path)
        compare_attrs(x, y, path, set(), counter)
        counter[0] += 1


def main(argv):
    if len(argv) < 3 or (len(argv) > 3 and argv[3] != "--ignore"):
        sys.exit("usage: compare_results.py A.h5 B.h5 [--ignore NAME ...]")
    ignore = set(argv[4:]) if len(argv) > 3 else {"created"}
    counter = [0, 0]
    with h5py.File(argv[1], "r") as a, h5py.File(argv[2], "r") as b:
        try:
            compare(a, b, "", ignore, counter)
        except Differ as e:
            sys.exit("compare_results: %s vs %s: %s" % (argv[1], argv[2], e))
    print("identical (%d datasets, %d attributes)" % tuple(counter))


if __name__ == "__main__":
    main(sys.argv)
