#!/usr/bin/python3
"""The cells path of the descent jobs, through the real binary on the CPU.

With TRILOBITE_REDUCE_CELLS=on every chunk's end points are reduced by merge
cell (Backend::descend_cells) and the cells clustered
(MinimaAccumulator::add_cells); a chunk whose cells cannot be clustered
falls back to its end points. Each job below is run with the path off and
on, in two directories under the same file name, and the two files must be
the same: every dataset bit for bit and every attribute but `created`. The
counts that TRILOBITE_DRIVER_STATS prints say that the path was taken, and,
where the end points are spread over most of the merge distance, that
chunks fell back. A value other than on or off is refused before any work.

Usage: /usr/bin/python3 tests/python/check_reduce_cells.py TRILOBITE WORK_DIR
"""
import os
import re
import shutil
import subprocess
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_resume import case, failures, refuses_a_bad_switch  # noqa: E402  (runs a check, prints ok or FAIL)
from compare_results import Differ, compare  # noqa: E402

EXE = None
WORK = None
STATS = re.compile(r"cells: (\d+) chunks reduced by merge cell, (\d+) of them fell back")


def run(args, where, path):
    env = dict(os.environ, OMP_NUM_THREADS="2", TRILOBITE_DRIVER_STATS="1", TRILOBITE_REDUCE_CELLS=path)
    d = os.path.join(WORK, where)
    os.makedirs(d, exist_ok=True)
    p = subprocess.run([EXE] + args + ["-q", "--force", "-o", "out.h5"], cwd=d, env=env, capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise AssertionError("%s (%s): exit %d: %s" % (" ".join(args), path, p.returncode, p.stderr.strip()))
    m = STATS.search(p.stderr)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def both_ways(name, args):
    """Runs `args` off and on; the files must agree. Returns (chunks, fallbacks) of the run on."""
    off = run(args, os.path.join(name, "off"), "off")
    on = run(args, os.path.join(name, "on"), "on")
    assert off == (0, 0), "the path off reduced %d chunks" % off[0]
    a, b = (os.path.join(WORK, name, w, "out.h5") for w in ("off", "on"))
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        counter = [0, 0]
        try:
            compare(x, y, "", {"created"}, counter)
        except Differ as e:
            raise AssertionError("%s: the files differ: %s" % (name, e))
    print("     %s: %d chunks reduced, %d fell back; %d datasets, %d attributes alike" %
          (name, on[0], on[1], counter[0], counter[1]))
    return on


# (name, arguments, chunks reduced, chunks that fall back: "none", "some",
# "all" or "any")
CASES = [
    # Few minima, converged end points far inside the merge distance.
    ("quartic_none", ["descend", "-l", "quartic-dimple", "--starts", "20000", "--chunk", "3000", "--records",
                      "none"], 7, "none"),
    ("camel_sample", ["descend", "-l", "six-hump-camel", "--starts", "9000", "--chunk", "777", "--records",
                      "sample", "--sample", "100"], 12, "none"),
    # Many minima in 3-D: three coordinates key the cells; every label kept.
    ("rastrigin_all", ["descend", "-l", "rastrigin", "--dim", "3", "--starts", "12000", "--chunk", "4000",
                       "--steps", "400"], 3, "none"),
    # Descents that run out of steps are quenched, some diverge.
    ("noisy", ["descend", "-l", "six-hump-camel", "--starts", "3000", "--chunk", "256", "--noise", "0.3",
               "--records", "sample", "--sample", "50"], 12, "any"),
    # The basin map and the descents of one job, f32.
    ("run_f32", ["run", "-l", "himmelblau", "--starts", "3000", "--basin-res", "40", "--grid-res", "24",
                 "--chunk", "500", "--precision", "f32", "--records", "none"], 6 + 4, "none"),
    # Small chunks whose end points spread over about a third of the merge
    # distance: some chunks are clustered by cell, the others fall back.
    ("mixed", ["descend", "-l", "quartic-dimple", "--starts", "3000", "--chunk", "20", "--tol", "7e-3",
               "--merge-tol", "0.02", "--records", "sample", "--sample", "200"], 150, "some"),
    # A loose gradient tolerance and a tight merge distance: end points
    # spread over most of it, and the chunks fall back to them.
    ("spread", ["descend", "-l", "quartic-dimple", "--starts", "6000", "--chunk", "1000", "--tol", "0.5",
                "--merge-tol", "0.02", "--records", "sample", "--sample", "300"], 6, "all"),
]


def job_case(name, args, chunks, fallbacks):
    def check():
        got, fell = both_ways(name, args)
        assert got == chunks, "%d chunks reduced, expected %d" % (got, chunks)
        if fallbacks == "none":
            assert fell == 0, "%d chunks fell back" % fell
        elif fallbacks == "some":
            assert 0 < fell < chunks, "%d of %d chunks fell back" % (fell, chunks)
        elif fallbacks == "all":
            assert fell == chunks, "%d of %d chunks fell back" % (fell, chunks)
    check.__name__ = name
    return check


def a_bad_value_is_refused():
    refuses_a_bad_switch(EXE, WORK, "TRILOBITE_REDUCE_CELLS", "device")


def main():
    global EXE, WORK
    EXE, WORK = os.path.abspath(sys.argv[1]), sys.argv[2]
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    for fn in [job_case(*c) for c in CASES] + [a_bad_value_is_refused]:
        case(fn)
    if failures:
        sys.exit("check_reduce_cells: %d failed: %s" % (len(failures), ", ".join(failures)))


if __name__ == "__main__":
    main()
