#!/usr/bin/python3
"""Ranks against threads, and what one writer absorbs (docs/scaling.md).

Runs each case as 1 rank x T threads (no mpirun) and as R ranks x 1 thread
(mpirun -np R), alternating, --repeats times, and prints the median wall
time of each and their ratio. With --writer, runs single-process jobs with
TRILOBITE_DRIVER_STATS=1 and prints what the writer's absorb and commit
took per chunk, per item and per recorded byte.

Usage: /usr/bin/python3 bench/ranks.py TRILOBITE [--ranks 2] [--threads 2] [--repeats 3] [--writer]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

MPI_ARGS = ["--oversubscribe", "--allow-run-as-root", "--mca", "btl", "self,vader",
            "--mca", "btl_vader_single_copy_mechanism", "none", "-x", "OMP_NUM_THREADS", "--bind-to", "none"]

CASES = {
    "descend six-hump-camel 2-D, 2e5 starts": ["descend", "-l", "six-hump-camel", "--starts", "200000",
                                               "--chunk", "8192"],
    "network mlp:2-16-16-1 two-moons, 256 trainings": ["descend", "--model", "mlp:2-16-16-1", "--loss", "bce", "--data", "two-moons",
                                                       "--starts", "256", "--batch-size", "32", "--epochs", "20",
                                                       "--chunk", "16"],
}

# Writer cases: the job, items in it, and the bytes one item's record holds.
WRITER = [
    ("descend six-hump-camel 2-D, records all", ["descend", "-l", "six-hump-camel", "--starts", "200000",
                                                 "--chunk", "8192"], 200000, 16 * 2 + 29),
    ("descend six-hump-camel 2-D, records none", ["descend", "-l", "six-hump-camel", "--starts", "200000",
                                                  "--chunk", "8192", "--records", "none"], 200000, 0),
    ("basins himmelblau 512x512", ["basins", "-l", "himmelblau", "--basin-res", "512", "--chunk", "16384"],
     512 * 512, 13),
    ("network mlp:2-16-16-1, 256 trainings", CASES["network mlp:2-16-16-1 two-moons, 256 trainings"], 256,
     2 * 337 * 8 + 5 * 8 + 8 + 1 + 4),
]


def wall(cmd, env, cwd):
    t0 = time.monotonic()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trilobite")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--writer", action="store_true")
    a = ap.parse_args()
    exe = os.path.abspath(a.trilobite)
    work = tempfile.mkdtemp(prefix="trilobite-ranks-")
    try:
        if a.writer:
            print("| job | chunks | absorb+commit s | chunks/s | items/s | record MB/s |")
            print("|---|---|---|---|---|---|")
            for name, args, items, rec in WRITER:
                env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), TRILOBITE_DRIVER_STATS="1")
                p = subprocess.run([exe] + args + ["-q", "--force", "-o", "w.h5"], env=env, cwd=work,
                                   capture_output=True, text=True, check=True)
                m = re.search(r"(\d+) chunks computed here.*absorb\+commit ([0-9.]+) s", p.stderr)
                chunks, take = int(m.group(1)), float(m.group(2))
                print("| %s | %d | %.3f | %.0f | %.3g | %s |" % (
                    name, chunks, take, chunks / take, items / take,
                    "%.0f" % (items * rec / take / 1e6) if rec else "-"))
            return
        mpirun = shutil.which("mpirun")
        print("| case | 1 rank x %d threads (s) | %d ranks x 1 thread (s) | ranks / threads |" % (a.threads, a.ranks))
        print("|---|---|---|---|")
        for name, args in CASES.items():
            out = args + ["-q", "--force", "-o", "r.h5"]
            threads, ranks = [], []
            for _ in range(a.repeats):
                threads.append(wall([exe] + out, dict(os.environ, OMP_NUM_THREADS=str(a.threads)), work))
                ranks.append(wall([mpirun, "-np", str(a.ranks)] + MPI_ARGS + [exe] + out,
                                  dict(os.environ, OMP_NUM_THREADS="1"), work))
            t, r = statistics.median(threads), statistics.median(ranks)
            print("| %s | %.2f | %.2f | %.2f |" % (name, t, r, r / t))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
