#!/usr/bin/python3
"""Runs every examples/*.py headless on a small result and checks that each
draws a PNG that is not blank: it decodes, is at least 300 x 300 pixels, and
has many distinct colours.

Usage: /usr/bin/python3 tests/python/run_examples.py EXAMPLES_DIR RESULT.h5 WORK_DIR
Prints "ok" or names the failing example and exits 1.
"""

import glob
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402


def main(examples, result, work):
    scripts = sorted(glob.glob(os.path.join(examples, "*.py")))
    names = [os.path.basename(s) for s in scripts]
    for want in ["surface_3d.py", "contour_paths.py", "basin_fractions.py"]:
        if want not in names:
            sys.exit("run_examples: %s is missing" % want)
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DISPLAY", None)  # headless, whatever the caller's session
    for script in scripts:
        png = os.path.join(work, "example_" + os.path.basename(script)[:-3] + ".png")
        if os.path.exists(png):
            os.remove(png)
        p = subprocess.run([sys.executable, script, result, png], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            sys.exit("run_examples: %s failed: %s" % (script, p.stderr.strip()[-800:]))
        img = mpimg.imread(png)
        colours = len(np.unique(img.reshape(-1, img.shape[-1]), axis=0))
        if img.shape[0] < 300 or img.shape[1] < 300 or colours < 50:
            sys.exit("run_examples: %s drew a trivial picture (%s, %d colours)" % (script, img.shape, colours))
        print("%s: %dx%d, %d colours" % (os.path.basename(png), img.shape[1], img.shape[0], colours))
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: run_examples.py EXAMPLES_DIR RESULT.h5 WORK_DIR")
    main(*sys.argv[1:])
