#!/usr/bin/python3
"""What a run prints: `--json` is one JSON object on stdout and nothing else,
and its counts, minima and output path agree with the file written (read
with h5py); the progress bar appears on a terminal (a pseudo-terminal here)
and never when stderr is a pipe.

Usage: /usr/bin/python3 tests/python/check_cli_output.py TRILOBITE_EXE WORK_DIR
Prints "ok" or names the failure and exits 1.
"""

import json
import os
import subprocess
import sys

import h5py
import numpy as np


def fail(msg):
    sys.exit("check_cli_output: %s" % msg)


def check_json(exe, work):
    out = os.path.join(work, "cli_output.h5")
    args = [exe, "run", "-l", "himmelblau", "--grid-res", "32", "--basin-res", "24",
            "--starts", "300", "--backend", "cpu", "--json", "--force", "-o", out]
    p = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
    if p.returncode != 0:
        fail("run --json exited %d: %s" % (p.returncode, p.stderr))
    try:
        j = json.loads(p.stdout)  # the whole of stdout: anything else there fails here
    except json.JSONDecodeError as e:
        fail("stdout is not one JSON value: %s" % e)
    if "\r" in p.stderr:
        fail("a progress bar on stderr, which is a pipe")
    if j["output"] != out or j["xdmf"] != out[:-3] + ".xmf" or not os.path.exists(j["xdmf"]):
        fail("output paths %r, %r" % (j["output"], j["xdmf"]))
    with h5py.File(out, "r") as h5:
        status = h5["descents/status"][()]
        c = j["counts"]
        if c["descents"]["total"] != len(status) or c["descents"]["converged"] != int(np.sum(status == 0)):
            fail("descent counts %s disagree with /descents/status" % c["descents"])
        if c["basin_cells"]["total"] != h5["basins/label"].size or c["grid_points"] != h5["grid/loss"].size:
            fail("lattice counts disagree with the file")
        m = h5["minima"]
        if c["minima"] != len(m["loss"]) or len(j["minima"]) != len(m["loss"]):
            fail("%d minima in JSON, %d in the file" % (len(j["minima"]), len(m["loss"])))
        for i, row in enumerate(j["minima"]):
            if row["index"] != i or row["count"] != int(m["count"][i]) or \
               row["loss"] != float(m["loss"][i]) or row["position"] != list(m["position"][i]):
                fail("minimum %d differs between JSON and /minima" % i)
    for key in ["grid", "descents", "basins", "minima", "total"]:
        if not (j["timings_s"][key] >= 0):
            fail("timing %s missing or negative" % key)
    if j["job"] != "run" or j["landscape"] != "himmelblau" or j["dim"] != 2:
        fail("job, landscape or dim wrong in JSON")


def stderr_on_a_terminal(args):
    """Runs args with stderr on a pseudo-terminal; returns (status, what it drew)."""
    master, slave = os.openpty()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave,
                         env=dict(os.environ, OMP_NUM_THREADS="2"))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return p.wait(), b"".join(chunks).decode(errors="replace")


def check_terminal(exe, work):
    out = os.path.join(work, "cli_output_tty.h5")
    args = [exe, "run", "--grid-res", "64", "--basin-res", "64", "--starts", "8192",
            "--backend", "cpu", "--force", "-o", out]
    status, text = stderr_on_a_terminal(args)
    if status != 0:
        fail("run on a terminal failed: %s" % text[-500:])
    for what in ["grid [", "descents [", "basin map ["]:
        if what not in text:
            fail("no %s...] progress bar on a terminal" % what)
    if "\r" not in text or "100% 8192/8192" not in text or "/s" not in text or " left" not in text:
        fail("progress bar lacks \\r updates, count, rate or time left: %r" % text[-400:])
    status, text = stderr_on_a_terminal(args + ["--quiet"])
    if status != 0 or text:
        fail("--quiet on a terminal still wrote %r" % text[:200])


def main(exe, work):
    check_json(exe, work)
    check_terminal(exe, work)
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: check_cli_output.py TRILOBITE_EXE WORK_DIR")
    main(sys.argv[1], sys.argv[2])
