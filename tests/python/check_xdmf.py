#!/usr/bin/python3
"""Reads a result's XDMF file the way an XDMF reader does, with nothing but
the XML parser and h5py, and checks it against the HDF5 file: every grid a
2DRectMesh with VXVY geometry, every HeavyData reference relative (the base
name of the HDF5 file beside it) and pointing at a dataset whose shape and
type match what the XML declares, and every 2-D dataset of each lattice
group offered as a node attribute.

Usage: /usr/bin/python3 tests/python/check_xdmf.py RESULT.h5
Prints "ok" or names the failure and exits 1. ParaView's own readers are
checked by scripts/check-xdmf-paraview.py (pvpython).
"""

import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

TYPES = {("Float", 8): "<f8", ("Int", 8): "<i8", ("Int", 4): "<i4", ("Char", 1): "|i1"}


def fail(msg):
    sys.exit("check_xdmf: %s" % msg)


def resolve(item, h5_base, h5):
    """The dataset a DataItem points at, after checking type and shape."""
    if item.get("Format") != "HDF":
        fail("DataItem format %s, expected HDF" % item.get("Format"))
    file_part, _, path = item.text.strip().partition(":")
    if file_part != h5_base:
        fail("DataItem names %r, expected the relative base name %r" % (file_part, h5_base))
    if path not in h5:
        fail("DataItem points at %s, which the file lacks" % path)
    ds = h5[path]
    dims = tuple(int(d) for d in item.get("Dimensions").split())
    if ds.shape != dims:
        fail("%s: XML says %s, the file has %s" % (path, dims, ds.shape))
    want = TYPES.get((item.get("NumberType"), int(item.get("Precision"))))
    if want is None or np.dtype(want) != ds.dtype:
        fail("%s: XML says %s/%s, the file has %s" % (path, item.get("NumberType"),
                                                    item.get("Precision"), ds.dtype))
    return ds


def main(h5_path):
    xmf_path = os.path.splitext(h5_path)[0] + ".xmf"
    root = ET.parse(xmf_path).getroot()
    if root.tag != "Xdmf" or root.get("Version") != "3.0":
        fail("root element is not Xdmf version 3.0")
    h5_base = os.path.basename(h5_path)
    with h5py.File(h5_path, "r") as h5:
        lattices = [name for name, g in h5.items()
                    if isinstance(g, h5py.Group) and int(g.attrs.get("axis1", -1)) >= 0]
        grids = root.find("Domain").findall("Grid")
        if sorted(g.get("Name") for g in grids) != sorted(lattices):
            fail("grids %s, but the 2-D lattices are %s" % ([g.get("Name") for g in grids], lattices))
        for grid in grids:
            name = grid.get("Name")
            topo, geo = grid.find("Topology"), grid.find("Geometry")
            if topo.get("TopologyType") != "2DRectMesh" or geo.get("GeometryType") != "VXVY":
                fail("/%s: not a 2DRectMesh with VXVY geometry" % name)
            n1, n0 = (int(d) for d in topo.get("Dimensions").split())
            vx, vy = (resolve(i, h5_base, h5) for i in geo.findall("DataItem"))
            if vx.shape != (n0,) or vy.shape != (n1,):
                fail("/%s: VX, VY lengths %s, %s for Dimensions (n1, n0) = (%d, %d)"
                     % (name, vx.shape, vy.shape, n1, n0))
            attrs = {}
            for a in grid.findall("Attribute"):
                if a.get("Center") != "Node":
                    fail("/%s/%s: not node-centred" % (name, a.get("Name")))
                ds = resolve(a.find("DataItem"), h5_base, h5)
                if ds.dims[1][0] != vx or ds.dims[0][0] != vy:
                    fail("/%s/%s: its dimension scales are not the geometry's VX, VY" % (name, a.get("Name")))
                attrs[a.get("Name")] = ds
            want = [k for k, v in h5[name].items() if isinstance(v, h5py.Dataset) and v.shape == (n1, n0)]
            if sorted(attrs) != sorted(want):
                fail("/%s: attributes %s, the group's lattice datasets are %s" % (name, sorted(attrs), want))
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_xdmf.py RESULT.h5")
    main(sys.argv[1])
