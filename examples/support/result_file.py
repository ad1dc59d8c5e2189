"""Checks that a result file is one an example can draw, before it reads it.

The examples draw the analytic landscapes' groups (/grid, /minima,
/basins). A network's file (`--model`) has other groups, drawn by
`trilobite render`; a file without a group the example needs gets one line
naming it, instead of a traceback.
"""

import os
import sys


def require_groups(path, *groups):
    import h5py

    name = os.path.basename(sys.argv[0])
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        sys.exit("%s: cannot read '%s' as HDF5 (%s)" % (name, path, e))
    with f:
        if f.attrs.get("landscape") == "network":
            sys.exit("%s: '%s' is a network result (--model); `trilobite render` draws its planes, basin maps "
                     "and densities (docs/networks.md)" % (name, path))
        missing = [g for g in groups if g not in f]
        if missing:
            sys.exit("%s: '%s' has no %s (`trilobite run` writes /grid, /minima and /basins)"
                     % (name, path, ", ".join("/" + g for g in missing)))
