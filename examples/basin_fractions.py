#!/usr/bin/python3
"""The basin-of-attraction map and the share of each minimum's basin: of the
basin-map cells and of the random descents.

Usage: python3 examples/basin_fractions.py RESULT.h5 OUT.png
(a result with /basins, e.g. from `trilobite run`). Needs xarray with
h5netcdf and matplotlib; runs headless (Agg).
"""

import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from result_file import require_groups  # noqa: E402
from system_python import require  # noqa: E402

require("matplotlib", "numpy", "xarray", "h5netcdf")


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: E402


def main(path, png):
    require_groups(path, "basins", "minima")
    basins = xr.open_dataset(path, group="basins", engine="h5netcdf")
    minima = xr.open_dataset(path, group="minima", engine="h5netcdf")
    m = minima.sizes["minimum"]
    colours = plt.get_cmap("tab20")(np.arange(max(m, 1)) % 20)
    # Label -1 (did not converge) in grey, then one colour per minimum.
    cmap = ListedColormap(np.vstack([[0.6, 0.6, 0.6, 1.0], colours[:m]]))
    norm = BoundaryNorm(np.arange(-1.5, m + 0.5), cmap.N)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), width_ratios=[1, 1.1])
    basins.label.plot.pcolormesh(ax=left, cmap=cmap, norm=norm, add_colorbar=False)
    pos = minima.position.values
    axis0, axis1 = int(basins.attrs["axis0"]), int(basins.attrs["axis1"])
    if m:
        left.scatter(pos[:, axis0], pos[:, axis1], c=colours[:m], edgecolors="k", s=60, zorder=3)
        for i in range(m):
            left.annotate(str(i), (pos[i, axis0], pos[i, axis1]), xytext=(4, 4),
                          textcoords="offset points", fontsize=9)
    left.set_title("basin map (grey: no minimum)")
    left.set_aspect("equal")

    index = np.arange(m)
    right.bar(index - 0.2, minima.basin_fraction.values, 0.4, color=colours[:m], edgecolor="k",
              label="basin-map cells")
    right.bar(index + 0.2, minima.fraction.values, 0.4, color=colours[:m], edgecolor="k",
              hatch="//", label="random descents")
    right.set_xticks(index)
    right.set_xticklabels(["%d\n%.3g" % (i, l) for i, l in enumerate(minima.loss.values)])
    right.set_xlabel("minimum (index, loss)")
    right.set_ylabel("fraction")
    unconverged = float(basins.attrs["unconverged_fraction"])
    right.set_title("basin fractions (%.1f%% of cells unconverged)" % (100 * unconverged))
    right.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: basin_fractions.py RESULT.h5 OUT.png")
    main(sys.argv[1], sys.argv[2])
