"""Runs an example under the system Python when this interpreter lacks its modules.

The Quick start installs h5py, xarray and matplotlib for /usr/bin/python3
(Debian packages); a `python3` earlier on the PATH (a virtualenv, conda)
may not have them. `require("h5py", ...)` then re-runs the script with
/usr/bin/python3, or exits with one line naming what is missing.
"""

import importlib.util
import os
import sys

SYSTEM = "/usr/bin/python3"


def require(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    here = os.path.realpath(sys.executable or "")
    if here != os.path.realpath(SYSTEM) and os.access(SYSTEM, os.X_OK):
        os.execv(SYSTEM, [SYSTEM] + sys.argv)
    sys.exit("%s: needs the Python modules %s (scripts/install-deps.sh installs them for %s)"
             % (os.path.basename(sys.argv[0]), ", ".join(missing), SYSTEM))
