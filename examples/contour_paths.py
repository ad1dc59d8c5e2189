#!/usr/bin/python3
"""Contour map of the loss with the traced descent paths and the minima.

Usage: python3 examples/contour_paths.py RESULT.h5 OUT.png
(a result with /grid, and /trajectories from `--trace i,j,...`). Needs
h5py and matplotlib; runs headless (Agg).
"""

import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from result_file import require_groups  # noqa: E402
from system_python import require  # noqa: E402

require("h5py", "matplotlib", "numpy")


import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

KIND_MARKERS = {0: ("*", "minimum"), 1: ("X", "saddle"), 2: ("D", "degenerate"), 3: ("^", "maximum")}


def main(path, png):
    require_groups(path, "grid", "minima")
    with h5py.File(path, "r") as f:
        g = f["grid"]
        axis0, axis1 = int(g.attrs["axis0"]), int(g.attrs["axis1"])
        if axis1 < 0:
            sys.exit("contour_paths: the grid is one-dimensional")
        loss = g["loss"][()]
        name1, name0 = (d.label or list(d.keys())[0] for d in g["loss"].dims)
        x, y = g[name0][()], g[name1][()]
        fig, ax = plt.subplots(figsize=(7, 6))
        # Loss spans decades on most landscapes: contour its rank-preserving log.
        shifted = np.log1p(loss - np.nanmin(loss))
        cs = ax.contourf(x, y, shifted, levels=30, cmap="viridis")
        ax.contour(x, y, shifted, levels=30, colors="k", linewidths=0.3, alpha=0.5)
        fig.colorbar(cs, ax=ax, label="log(1 + loss - min loss)")
        if "trajectories" in f:
            t = f["trajectories"]
            for j, n in enumerate(t["length"][()]):
                p = t["position"][j, :n, :]
                ax.plot(p[:, axis0], p[:, axis1], "-", color="white", lw=1.2)
                ax.plot(p[0, axis0], p[0, axis1], "o", color="white", ms=4)
                ax.annotate(str(t["descent"][j]), (p[0, axis0], p[0, axis1]), color="white",
                            fontsize=8, xytext=(3, 3), textcoords="offset points")
        m = f["minima"]
        pos, kind = m["position"][()], m["kind"][()]
        for code, (marker, label) in KIND_MARKERS.items():
            sel = kind == code
            if np.any(sel):
                ax.plot(pos[sel, axis0], pos[sel, axis1], marker, color="red", ms=11,
                        mec="k", ls="none", label=label)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(y[0], y[-1])
        ax.set_xlabel(name0)
        ax.set_ylabel(name1)
        ax.set_title("%s: descent paths and minima" % f.attrs["landscape"])
        if len(kind):
            ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(png, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: contour_paths.py RESULT.h5 OUT.png")
    main(sys.argv[1], sys.argv[2])
