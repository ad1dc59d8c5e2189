#!/usr/bin/python3
"""Every examples/*.py refuses a file it cannot draw with one line on stderr
and exit status 1, never a traceback: a network result (`--model`, whose
groups `trilobite render` draws) and a grid-only result (no /minima, no
/basins) where the example needs them.

Usage: /usr/bin/python3 tests/python/check_examples_refuse.py TRILOBITE EXAMPLES_DIR WORK_DIR
"""

import glob
import os
import subprocess
import sys


def make(exe, work, args, out):
    p = subprocess.run([exe] + args + ["-q", "--force", "-o", os.path.join(work, out)], capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="2"))
    if p.returncode != 0:
        sys.exit("check_examples_refuse: %s failed: %s" % (" ".join(args), p.stderr.strip()))
    return os.path.join(work, out)


def main(exe, examples, work):
    os.makedirs(work, exist_ok=True)
    network = make(exe, work, ["descend", "--backend", "cpu", "--model", "mlp:2-3-1", "--loss", "bce", "--data", "xor",
                               "--starts", "2", "--steps", "5", "--hessian-top", "0"], "network.h5")
    grid_only = make(exe, work, ["grid", "-l", "himmelblau", "--grid-res", "16"], "grid.h5")
    cases = [(network, "is a network result")]
    for script in sorted(glob.glob(os.path.join(examples, "*.py"))):
        name = os.path.basename(script)
        for path, says in cases + ([(grid_only, "has no /")] if name != "surface_3d.py" else []):
            png = os.path.join(work, "refused.png")
            p = subprocess.run([sys.executable, script, path, png], capture_output=True, text=True,
                               env=dict(os.environ, MPLBACKEND="Agg"))
            lines = p.stderr.strip().splitlines()
            if p.returncode != 1 or len(lines) != 1 or says not in lines[0]:
                sys.exit("check_examples_refuse: %s on %s: status %d, stderr:\n%s" % (name, path, p.returncode, p.stderr))
            if os.path.exists(png):
                sys.exit("check_examples_refuse: %s on %s wrote a picture" % (name, path))
            print("%s on %s: %s" % (name, os.path.basename(path), lines[0]))
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: check_examples_refuse.py TRILOBITE EXAMPLES_DIR WORK_DIR")
    main(*sys.argv[1:])
