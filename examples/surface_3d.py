#!/usr/bin/python3
"""The loss surface of a trilobite result as a 3-D surface.

Usage: python3 examples/surface_3d.py RESULT.h5 OUT.png
Needs h5py, xarray with h5netcdf, and matplotlib (Debian: python3-h5py,
python3-xarray, python3-h5netcdf, python3-matplotlib). Runs headless (Agg).
"""

import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from result_file import require_groups  # noqa: E402
from system_python import require  # noqa: E402

require("matplotlib", "numpy", "xarray", "h5netcdf")


import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402


def main(path, png):
    require_groups(path, "grid")
    grid = xr.open_dataset(path, group="grid", engine="h5netcdf")
    if grid.loss.ndim != 2:
        sys.exit("surface_3d: the grid is not two-dimensional")
    name1, name0 = grid.loss.dims  # stored (n1, n0): the first axis varies fastest
    x, y = np.meshgrid(grid[name0].values, grid[name1].values)
    z = grid.loss.values
    # A few huge values (the box corners of a steep landscape) would flatten
    # the rest: clip the surface at the 98th percentile.
    top = np.nanpercentile(z, 98)
    fig = plt.figure(figsize=(7, 5.5))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(x, y, np.minimum(z, top), cmap="viridis", linewidth=0, antialiased=True,
                    rstride=1, cstride=1)
    ax.set_xlabel(name0)
    ax.set_ylabel(name1)
    ax.set_zlabel(grid.loss.attrs.get("long_name", "loss"))
    with xr.open_dataset(path, engine="h5netcdf") as root:
        title = root.attrs.get("landscape", "")
    ax.set_title("%s (clipped at %.3g)" % (title, top))
    fig.tight_layout()
    fig.savefig(png, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: surface_3d.py RESULT.h5 OUT.png")
    main(sys.argv[1], sys.argv[2])
