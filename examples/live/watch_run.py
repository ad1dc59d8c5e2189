#!/usr/bin/python3
"""Watch a long trilobite run from Python while it writes.

descend, basins and run commit their descents chunk by chunk to
FILE.partial in HDF5's single-writer/multiple-reader (SWMR) mode, so a
reader may open it at any time and see a consistent file. This script keeps
it open, refreshes the progress record every few seconds and prints how far
the run is and how the descents have ended so far (for a network, `--model`,
the trainings; for sweep and critical, the descents and searches done).

    trilobite descend --starts 100000000 --records none -o big.h5 &
    python3 examples/live/watch_run.py big.h5.partial --interval 2

It stops when the run is finished (the checkpoint is removed once big.h5 is
written) or interrupted. See docs/format.md, "Checkpoint files".
"""
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from system_python import require  # noqa: E402

require("h5py")

import argparse
import time

import h5py


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("partial", help="the run's checkpoint, FILE.partial")
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between looks")
    ap.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the file to appear")
    a = ap.parse_args()

    deadline = time.time() + a.wait
    while not os.path.exists(a.partial):
        if time.time() > deadline:
            raise SystemExit("watch_run: no %s" % a.partial)
        time.sleep(0.05)

    # swmr=True: the writer may still be appending (and a killed writer's
    # file opens only this way).
    with h5py.File(a.partial, "r", swmr=True) as f:
        # A network's checkpoint (--model) counts trainings, trace rows and
        # minima, and keeps the status counts in the state slot the progress
        # record names (docs/format.md, "Checkpoint files").
        network = f.attrs.get("landscape") in (b"network", "network")
        job = f.attrs["job"]
        job = job.decode() if isinstance(job, bytes) else job
        n_starts = int(f.attrs["n_starts"]) if network or job in ("descend", "run", "sweep", "critical") else 0
        per = " per setting" if network and job == "sweep" else ""
        progress = f["checkpoint_state/progress"]
        last = None
        while True:
            progress.refresh()
            p = progress[()]
            if p[-1] > 0 and network:
                done, slot = int(p[0]), int(p[3])
                ints = f["checkpoint_state/slot%d/ints" % slot]
                ints.refresh()
                conv, maxs, div = (int(v) for v in ints[:3])
                line = "trainings %d (of %d%s); so far %d converged, %d max-steps, %d diverged" % (
                    done, n_starts, per, conv, maxs, div)
            elif p[-1] > 0 and job == "sweep":  # the rows of every setting, then the quenches of noisy ones
                line = "sweep descents %d (%d starts per setting), %d quenched" % (int(p[0]), n_starts, int(p[1]))
            elif p[-1] > 0 and job == "critical":  # one counter: the searches done
                line = "searches %d of %d" % (int(p[0]), n_starts)
            elif p[-1] > 0:  # at least one commit
                done, cells = int(p[0]), int(p[2])
                conv, maxs, div = (int(v) for v in p[3:6])
                line = "descents %d of %d, basin cells %d; so far %d converged, %d max-steps, %d diverged" % (
                    done, n_starts, cells, conv, maxs, div)
            if p[-1] > 0:
                if line != last:
                    print(line, flush=True)
                    last = line
            if not os.path.exists(a.partial):
                break
            time.sleep(a.interval)
    print("finished" if os.path.exists(a.partial[: -len(".partial")]) else "stopped", flush=True)


if __name__ == "__main__":
    main()
