"""`trilobite render` pictures read back by an independent decoder (Pillow,
Debian's python3-pil): sizes, the basin colours at Himmelblau's four known
minima, the saddles and maximum of a `trilobite critical` file, and the
sweep plot of a `trilobite sweep` file.

Usage: check_render.py TRILOBITE_EXE WORK_DIR
"""
import os
import subprocess
import sys
from collections import Counter

import h5py
import numpy as np
from PIL import Image

exe, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
env = dict(os.environ, OMP_NUM_THREADS="2")

# Himmelblau's minima (all loss 0), saddles and maximum: Himmelblau,
# "Applied Nonlinear Programming" (1972); values as tabulated e.g. in
# Wikipedia's "Himmelblau's function".
MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
SADDLES = [(0.086677, 2.884254), (-3.073026, -0.081353), (3.385154, 0.073852),
           (-0.127961, -1.953715)]
MAXIMUM = (-0.270845, -0.923039)


def run(*args):
    p = subprocess.run([exe, *args], env=env, capture_output=True, text=True)
    assert p.returncode == 0, (args, p.returncode, p.stderr)
    return p.stdout


def frames(im):
    """Panel frames from the PNG comment:
    name -> (x0, y0, x1, y1, lo0, hi0, lo1, hi1, log0)."""
    out = {}
    for part in im.info["Comment"].split("; ")[1:]:
        f = dict(kv.split("=") for kv in part.split() if "=" in kv)
        px = [int(v) for v in f["px"].split(",")]
        data = [float(v) for v in f["data"].split(",")]
        out[f["panel"]] = px + data + [part.endswith(" log0")]
    return out


def pixel_of(frame, u, v):
    x0, y0, x1, y1, lo0, hi0, lo1, hi1, log0 = frame
    fu = np.log(u / lo0) / np.log(hi0 / lo0) if log0 else (u - lo0) / (hi0 - lo0)
    return (int(x0 + fu * (x1 - x0)), int(y1 - (v - lo1) / (hi1 - lo1) * (y1 - y0)))


h5 = os.path.join(work, "himmelblau.h5")
run("run", "-l", "himmelblau", "--backend", "cpu", "--grid-res", "64", "--basin-res", "64",
    "--starts", "256", "--trace", "0,1", "--force", "-o", h5)

# Default layout: loss and basins side by side.
png = os.path.join(work, "both.png")
run("render", h5, "--force", "-o", png)
with Image.open(png) as im:
    im.verify()  # checks the chunk CRCs
with Image.open(png) as im:
    assert im.format == "PNG" and im.mode == "RGB", (im.format, im.mode)
    assert im.size[0] == 1500, im.size
    assert set(frames(im)) == {"loss", "basins"}, frames(im)
    im.load()

# Requested size, basin map only.
png = os.path.join(work, "basins.png")
run("render", h5, "--force", "-o", png, "--panel", "basins", "--size", "700x600")
with Image.open(png) as im:
    assert im.size == (700, 600), im.size
    rgb = im.convert("RGB")
    f = frames(im)["basins"]
    # The colour around each minimum (a ring 0.3 to 0.5 away, avoiding the
    # marker): four minima, four basins, four different colours.
    colours = []
    for (mu, mv) in MINIMA:
        ring = Counter()
        for a in np.linspace(0, 2 * np.pi, 24, endpoint=False):
            for r in (0.3, 0.4, 0.5):
                ring[rgb.getpixel(pixel_of(f, mu + r * np.cos(a), mv + r * np.sin(a)))] += 1
        colour, n = ring.most_common(1)[0]
        assert n >= 36, (mu, mv, ring)  # the ring lies in one basin
        colours.append(colour)
    assert len(set(colours)) == 4, colours
    for c in colours:
        assert max(c) - min(c) > 40, c  # a hue, not the grey of "no minimum" or white/black
    # The same four colours cover the map (and nothing else does, beyond
    # marker and line pixels).
    x0, y0, x1, y1 = f[:4]
    area = Counter(rgb.crop((x0, y0, x1, y1)).getdata())
    big = {c for c, n in area.items() if n > 0.05 * (x1 - x0) * (y1 - y0)}
    assert big == set(colours), (big, colours)

# A real sweep file: the sweep plot by default, on a log axis for log spacing.
sweep = os.path.join(work, "sweep.h5")
run("sweep", "-l", "himmelblau", "--vary", "lr=0.001:0.05:5:log", "--starts", "200", "--steps",
    "2000", "--backend", "cpu", "--force", "-o", sweep)
with h5py.File(sweep) as f:
    values = f["sweep/value"][...]
    diverged = f["sweep/fraction_diverged"][...]
png = os.path.join(work, "sweep.png")
out = run("render", sweep, "--force", "-o", png)
assert "sweep" in out, out
with Image.open(png) as im:
    assert im.size == (960, 560), im.size
    f = frames(im)["sweep"]
    assert f[8], im.info["Comment"]  # log spacing: a log axis
    rgb = im.convert("RGB")
    # The diverged series is drawn as black squares at (value, fraction diverged).
    assert rgb.getpixel(pixel_of(f, values[-1], diverged[-1])) == (0, 0, 0), diverged

# A real critical-point file (with its loss grid): saddles and the maximum
# marked where the literature puts them.
crit = os.path.join(work, "critical.h5")
run("critical", "-l", "himmelblau", "--starts", "4000", "--grid-res", "64", "--backend", "cpu",
    "--force", "-o", crit)
png = os.path.join(work, "critical.png")
run("render", crit, "--force", "-o", png, "--panel", "loss", "--no-contours")
with Image.open(png) as im:
    rgb = im.convert("RGB")
    f = frames(im)["loss"]
    for (u, v) in SADDLES:  # white triangles
        assert rgb.getpixel(pixel_of(f, u, v)) == (255, 255, 255), (u, v)
    assert rgb.getpixel(pixel_of(f, *MAXIMUM)) == (0, 0, 0)  # a black triangle
# Without /critical the same places show the loss colours.
png = os.path.join(work, "plain.png")
run("render", h5, "--force", "-o", png, "--panel", "loss", "--no-contours")
with Image.open(png) as im:
    rgb = im.convert("RGB")
    f = frames(im)["loss"]
    for (u, v) in SADDLES + [MAXIMUM]:
        assert rgb.getpixel(pixel_of(f, u, v)) not in ((255, 255, 255), (0, 0, 0)), (u, v)
print("render pictures ok")
