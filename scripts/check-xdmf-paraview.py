#!/usr/bin/env pvpython
"""Opens a trilobite result through its XDMF file with ParaView's own XDMF
readers, "XDMF Reader" (Xdmf2) and "Xdmf3 Reader T" (headless, no display
needed), and checks what ParaView sees against
the HDF5 file read with h5py: one rectilinear grid per 2-D lattice group,
the node coordinates, and every attribute array value for value (which also
proves the (n1, n0) storage order is read with x varying fastest).

Usage: pvpython scripts/check-xdmf-paraview.py RESULT.xmf
       (Debian: apt-get install paraview; pvpython uses the system python3,
       so python3-h5py must be installed too.)
Prints one line per grid and "ok", or names the failure and exits 1.
"""

import os
import sys

import h5py
import numpy as np
from paraview import servermanager
from paraview.simple import XDMFReader, Xdmf3ReaderT
from vtkmodules.util.numpy_support import vtk_to_numpy


def fail(msg):
    sys.exit("check-xdmf-paraview: %s" % msg)


def blocks(data):
    """The leaf datasets of a multiblock, with their block names."""
    if data.IsA("vtkMultiBlockDataSet"):
        for i in range(data.GetNumberOfBlocks()):
            name = data.GetMetaData(i).Get(data.NAME()) if data.HasMetaData(i) else str(i)
            for sub_name, sub in blocks(data.GetBlock(i)):
                yield (sub_name or name), sub
    else:
        yield None, data


def check(data, h5_path, reader_name):
    seen = []
    with h5py.File(h5_path, "r") as h5:
        for name, grid in blocks(data):
            if grid is None or not grid.IsA("vtkRectilinearGrid"):
                fail("%s: block %s is not a rectilinear grid" % (reader_name, name))
            g = h5[name]
            arrays = [grid.GetPointData().GetArrayName(i)
                      for i in range(grid.GetPointData().GetNumberOfArrays())]
            ref = g[arrays[0]]
            n1, n0 = ref.shape
            dims = grid.GetDimensions()
            if tuple(dims[:2]) != (n0, n1) or dims[2] != 1:
                fail("/%s: ParaView sees %s nodes, the file has (n0, n1) = (%d, %d)" % (name, dims, n0, n1))
            name0, name1 = ref.dims[1].keys()[0], ref.dims[0].keys()[0]
            if not np.array_equal(vtk_to_numpy(grid.GetXCoordinates()), g[name0][()]):
                fail("/%s: x coordinates differ from /%s/%s" % (name, name, name0))
            if not np.array_equal(vtk_to_numpy(grid.GetYCoordinates()), g[name1][()]):
                fail("/%s: y coordinates differ from /%s/%s" % (name, name, name1))
            for a in arrays:
                got = vtk_to_numpy(grid.GetPointData().GetArray(a))
                want = g[a][()].ravel()  # C order of (n1, n0): x fastest, as VTK
                if got.shape != want.shape or not np.array_equal(got, want, equal_nan=want.dtype.kind == "f"):
                    fail("/%s/%s: values differ from the HDF5 file" % (name, a))
            seen.append(name)
            print("%s: /%s: %d x %d rectilinear grid, arrays %s"
                  % (reader_name, name, n0, n1, ", ".join(arrays)))
    if not seen:
        fail("%s: no grid" % reader_name)


def main(xmf):
    # Absolute: given a bare "run.xmf", ParaView 5.11's XDMF 3 reader looks
    # for "run.xmfrun.h5" (the GUI always passes absolute paths).
    xmf = os.path.abspath(xmf)
    h5_path = xmf[: -len(".xmf")] + ".h5"
    for reader_name, reader in [("XDMFReader", XDMFReader(FileNames=[xmf])),
                                ("Xdmf3ReaderT", Xdmf3ReaderT(FileName=[xmf]))]:
        reader.UpdatePipeline()
        check(servermanager.Fetch(reader), h5_path, reader_name)
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: pvpython check-xdmf-paraview.py RESULT.xmf")
    main(sys.argv[1])
