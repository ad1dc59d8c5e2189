#!/usr/bin/python3
"""One job over several MPI ranks, through the real binary under mpirun.

Every job (descend, basins, grid, run, critical, sweep, and over networks
descend, grid and basins)
run by `mpirun -np N` for N = 1, 2, 3 must write the file a one-process run
writes: every dataset bit for bit and every attribute except `created`.
Also: a run whose writer is killed resumes under another rank count; a
rank other than the writer that dies stops the job within seconds with a
line naming it, and the checkpoint resumes to the same file; bad input is
refused once, with exit status 2, by every rank; what a job prints is
printed once.

Usage: /usr/bin/python3 tests/python/check_ranks.py TRILOBITE WORK_DIR MPI_BUILT(ON|OFF)
Exits 77 (skipped) when the binary was built without MPI or mpirun is missing.
"""
import os
import shutil
import subprocess
import sys
import time

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_results import Differ, compare  # noqa: E402

EXE = None
WORK = None
MPIRUN = None
failures = []

# The CI machine has 2 cores: more ranks than cores, and root.
MPI_ARGS = ["--oversubscribe", "--allow-run-as-root", "--mca", "btl", "self,vader",
            "--mca", "btl_vader_single_copy_mechanism", "none", "-x", "OMP_NUM_THREADS", "-x", "TRILOBITE_FAULT"]


def env(fault=None):
    e = dict(os.environ, OMP_NUM_THREADS="1")
    e.pop("TRILOBITE_FAULT", None)
    if fault:
        e["TRILOBITE_FAULT"] = fault
    else:
        e["TRILOBITE_FAULT"] = ""
    return e


def run(where, args, ranks=0, fault=None, timeout=300, fresh=True):
    """In directory WORK/where, writing out.h5 there (so that the stored
    command lines of two runs match); ranks 0: one process without mpirun,
    else mpirun -np ranks."""
    d = os.path.join(WORK, where)
    if fresh:
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, exist_ok=True)
    cmd = [EXE] + args + ["-o", "out.h5"]
    if ranks > 0:
        cmd = [MPIRUN, "-np", str(ranks)] + MPI_ARGS + cmd
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=d, env=env(fault), capture_output=True, text=True, timeout=timeout)
    p.seconds = time.monotonic() - t0
    return p


def expect(p, status, what):
    if p.returncode != status:
        raise AssertionError("%s: exit %d, expected %d: %s" % (what, p.returncode, status,
                                                                (p.stderr.strip() or p.stdout.strip())[-600:]))


def exists(where, name="out.h5"):
    return os.path.exists(os.path.join(WORK, where, name))


def same_file(a, b, what, ignore=("created",)):
    """The out.h5 of directories a and b."""
    with h5py.File(os.path.join(WORK, a, "out.h5"), "r") as x, h5py.File(os.path.join(WORK, b, "out.h5"), "r") as y:
        try:
            compare(x, y, "", set(ignore), [0, 0])
        except Differ as e:
            raise AssertionError("%s: %s vs %s: %s" % (what, a, b, e))


def stdout_lines(p):
    # The last line says how long the job took.
    return [l for l in p.stdout.splitlines() if not l.startswith("wrote ")]


def case(fn):
    try:
        fn()
        print("ok   %s" % fn.__name__, flush=True)
    except (AssertionError, subprocess.TimeoutExpired) as e:
        failures.append(fn.__name__)
        print("FAIL %s: %s" % (fn.__name__, e), flush=True)


JOBS = {
    "descend": ["descend", "-l", "six-hump-camel", "--starts", "3000", "--chunk", "256", "--seed", "3"],
    "basins": ["basins", "-l", "himmelblau", "--basin-res", "40", "--chunk", "300"],
    "grid": ["grid", "-l", "rastrigin", "--grid-res", "100", "--tile", "700"],
    "run": ["run", "-l", "quartic-dimple", "--starts", "1500", "--grid-res", "50", "--tile", "300",
            "--basin-res", "40", "--chunk", "250"],
    "critical": ["critical", "-l", "rastrigin", "--starts", "2000", "--chunk", "300", "--grid-res", "40"],
    "sweep": ["sweep", "--vary", "noise=0:2:4", "--starts", "300", "--chunk", "64"],
    "network": ["descend", "--backend", "cpu", "--model", "mlp:2-4-2", "--data", "two-moons", "--starts", "24", "--batch-size", "16",
                "--epochs", "3", "--chunk", "5", "--trace", "3,12", "--trace-weights"],
    "init-basins": ["basins", "--backend", "cpu", "--model", "mlp:2-4-2", "--data", "two-moons", "--batch-size", "16", "--epochs", "2",
                    "--basin-res", "6", "--chunk", "5"],
    "plane": ["grid", "--model", "mlp:2-4-2", "--data", "two-moons", "--center", "../network-1p/out.h5:0",
              "--directions", "filter", "--grid-res", "21"],
    # Trainings over the ranks, then the plane through the lowest minimum on the writer.
    "network-run": ["run", "--backend", "cpu", "--model", "mlp:2-4-2", "--data", "two-moons", "--starts", "12",
                    "--steps", "200", "--chunk", "3", "--grid-res", "11"],
}


def jobs_equal_one_process_run():
    for name, args in JOBS.items():
        one = run(name + "-1p", args)
        expect(one, 0, name + " in one process")
        for n in (1, 2, 3):
            p = run("%s-np%d" % (name, n), args, ranks=n)
            expect(p, 0, "%s under mpirun -np %d" % (name, n))
            same_file(name + "-1p", "%s-np%d" % (name, n), "%s, -np %d" % (name, n))
            if stdout_lines(p) != stdout_lines(one):
                raise AssertionError("%s -np %d printed\n%s\ninstead of\n%s" % (name, n, p.stdout, one.stdout))
            if p.stderr.count("trilobite ") > 1:  # the job's opening line, once
                raise AssertionError("%s -np %d: stderr repeats: %s" % (name, n, p.stderr))


def the_issue_command():
    # The default chunk sizes: one chunk of descents, grid tiles, basin cells.
    args = ["run", "-l", "six-hump-camel", "--seed", "7", "-q"]
    expect(run("camel-np3", args, ranks=3), 0, "mpirun -np 3 run")
    expect(run("camel-1p", args), 0, "run")
    same_file("camel-np3", "camel-1p", "run -l six-hump-camel --seed 7")


def resume_with_another_rank_count():
    args = JOBS["descend"] + ["-q"]
    # The writer (rank 0) killed right after its 3rd commit, under 3 ranks.
    p = run("res", args, ranks=3, fault="kill-after-commit:3", timeout=60)
    if p.returncode == 0:
        raise AssertionError("the killed run exited 0")
    if not exists("res", "out.h5.partial"):
        raise AssertionError("no checkpoint after the writer was killed")
    expect(run("res", args + ["--resume", "out.h5"], ranks=2, fresh=False), 0, "resume under 2 ranks")
    same_file("descend-1p", "res", "resumed under 2 ranks", ignore=("created", "command_line"))
    # Critical, the sweep and the network jobs: killed under 2 ranks,
    # resumed in one process.
    for name in ("critical", "sweep", "network", "init-basins"):
        p = run(name + "-res", JOBS[name] + ["-q"], ranks=2, fault="kill-after-commit:2", timeout=60)
        if p.returncode == 0:
            raise AssertionError(name + ": the killed run exited 0")
        expect(run(name + "-res", JOBS[name] + ["-q", "--resume", "out.h5"], fresh=False), 0,
               name + " resumed in one process")
        same_file(name + "-1p", name + "-res", name + " resumed", ignore=("created", "command_line"))


def a_dead_rank_stops_the_job():
    args = ["descend", "-l", "six-hump-camel", "--starts", "40000", "--chunk", "200", "--seed", "5", "-q"]
    p = run("dead", args, ranks=3, fault="kill-rank:1:3", timeout=60)
    if p.returncode == 0:
        raise AssertionError("a job whose rank 1 was killed exited 0")
    if p.seconds > 30:
        raise AssertionError("the job took %.1f s to stop after rank 1 died" % p.seconds)
    if "rank 1" not in p.stderr:
        raise AssertionError("no line names rank 1: %s" % p.stderr[-800:])
    if not exists("dead", "out.h5.partial"):
        raise AssertionError("no checkpoint left to resume")
    if exists("dead"):
        raise AssertionError("a result file was written by a job that failed")
    expect(run("dead", args + ["--resume", "out.h5"], fresh=False), 0, "resume in one process")
    expect(run("dead-1p", args), 0, "uninterrupted")
    same_file("dead-1p", "dead", "resumed after a dead rank", ignore=("created", "command_line"))


def bad_input_refused_once():
    for args in (["descend", "--starts", "-5"],
                 ["descend", "-l", "no-such-landscape"],
                 ["descend", "--backend", "cpu", "--model", "mlp:2-3-1", "--data", "/no/such/file.csv"],
                 ["info", "nothing.h5"]):
        p = run("bad", args, ranks=3, timeout=60)
        expect(p, 2, " ".join(args))
        lines = [l for l in p.stderr.splitlines() if l.startswith("trilobite")]
        if len(lines) != 1 or "error:" not in lines[0]:
            raise AssertionError("%s: expected one error line, got: %r" % (" ".join(args), p.stderr))
        if exists("bad") or exists("bad", "out.h5.partial"):
            raise AssertionError("%s: a refused job left a file" % " ".join(args))


def main():
    global EXE, WORK, MPIRUN
    EXE, WORK, built = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    MPIRUN = shutil.which("mpirun")
    if built.upper() not in ("ON", "1", "TRUE") or MPIRUN is None:
        print("skipped: %s" % ("trilobite was built without MPI" if MPIRUN else "mpirun is not installed"))
        return 77
    os.makedirs(WORK, exist_ok=True)
    for fn in (jobs_equal_one_process_run, the_issue_command, resume_with_another_rank_count,
               a_dead_rank_stops_the_job, bad_input_refused_once):
        case(fn)
    if failures:
        print("%d failed: %s" % (len(failures), ", ".join(failures)))
        return 1
    print("all ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
