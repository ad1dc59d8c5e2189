#!/usr/bin/python3
"""Checkpoints, interruption, resume, records and determinism of the
descent jobs (descend, basins, run), through the real binary.

A run killed (SIGKILL, at chosen commits through TRILOBITE_FAULT and at
arbitrary moments) or interrupted (SIGINT) and then resumed with --resume
must give the uninterrupted run's file: every dataset bit for bit and every
attribute except `created` and `command_line`. The same holds across thread
counts and chunk sizes. --records none/sample keep the same /minima, and
peak memory does not grow with the number of starts.

Usage: /usr/bin/python3 tests/python/check_resume.py TRILOBITE WORK_DIR
"""
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_results import Differ, compare  # noqa: E402

EXE = None
WORK = None
IGNORE = {"created", "command_line"}
failures = []


def run(args, env=None, check=None):
    e = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    e.update(env or {})
    p = subprocess.run([EXE] + args + ["-q"], cwd=WORK, env=e, capture_output=True, text=True)
    if check is not None and p.returncode != check:
        raise AssertionError("%s: exit %d, expected %d: %s" % (" ".join(args), p.returncode, check, p.stderr.strip()))
    return p


def same_file(a, b, what, ignore=IGNORE):
    with h5py.File(os.path.join(WORK, a), "r") as x, h5py.File(os.path.join(WORK, b), "r") as y:
        try:
            compare(x, y, "", ignore, [0, 0])
        except Differ as e:
            raise AssertionError("%s: %s vs %s: %s" % (what, a, b, e))


def case(fn):
    try:
        fn()
        print("ok   %s" % fn.__name__)
    except AssertionError as e:
        failures.append(fn.__name__)
        print("FAIL %s: %s" % (fn.__name__, e))


def refuses_a_bad_switch(exe, work, var, value):
    """A diagnostic switch (environment variable) set to a value it does not
    know: one line naming it, exit 2, nothing written."""
    d = os.path.join(work, "bad")
    os.makedirs(d, exist_ok=True)
    env = dict(os.environ, **{var: value})
    p = subprocess.run([exe, "descend", "-l", "himmelblau", "--starts", "100", "-q", "-o", "out.h5"], cwd=d,
                       env=env, capture_output=True, text=True)
    assert p.returncode == 2, "exit %d" % p.returncode
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and var in lines[0], p.stderr
    assert os.listdir(d) == [], "left %s" % os.listdir(d)


def clean(*names):
    for n in names:
        for f in (n, n + ".partial", n + ".partial.resuming", n + ".partial.creating"):
            p = os.path.join(WORK, f)
            if os.path.exists(p):
                os.remove(p)


JOBS = {
    "descend": ["descend", "-l", "himmelblau", "--starts", "30000", "--chunk", "2000"],
    # A learning-rate schedule, and noise: every cell quenched at its end.
    "basins": ["basins", "-l", "six-hump-camel", "--basin-res", "96", "--chunk", "1000",
               "--lr-schedule", "cosine", "--warmup-steps", "100", "--steps", "1500", "--noise", "0.05"],
    "critical": ["critical", "-l", "himmelblau", "--starts", "3000", "--chunk", "200", "--grid-res", "16"],
    "sweep": ["sweep", "-l", "himmelblau", "--vary", "noise=0:0.3:3", "--starts", "2000", "--chunk", "300",
              "--steps", "400"],
    "run": ["run", "-l", "himmelblau", "--starts", "12000", "--basin-res", "64", "--grid-res", "32",
            "--chunk", "1000", "--records", "sample", "--sample", "1000", "--trace", "0,5"],
    # Trainings of a network: the minima are functions, grouped as the
    # trainings come in; traced trainings keep their records (and weights).
    "net-descend": ["descend", "--model", "mlp:2-4-1", "--activation", "tanh", "--loss", "bce", "--data",
                    "two-moons", "--starts", "48", "--chunk", "4", "--steps", "300", "--trace", "3,10,47",
                    "--trace-every", "50", "--trace-weights", "--hessian-minima", "2"],
    # A basin map of initialisations: mini-batch SGD, a test set, every
    # cell's outcome in /basins.
    "net-basins": ["basins", "--model", "mlp:2-4-1", "--activation", "tanh", "--loss", "bce", "--data",
                   "two-moons", "--test-fraction", "0.2", "--basin-res", "8", "--chunk", "5", "--batch-size",
                   "32", "--epochs", "2", "--hessian-minima", "1"],
    # A network run: the trainings checkpointed, the plane through the
    # lowest minimum recomputed from them after a resume.
    "net-run": ["run", "--model", "mlp:2-4-1", "--activation", "tanh", "--loss", "bce", "--data", "two-moons",
                "--starts", "48", "--chunk", "4", "--steps", "300", "--hessian-minima", "1", "--grid-res", "9"],
}


def reference(job):
    name = "ref_%s.h5" % job
    if not os.path.exists(os.path.join(WORK, name)):
        run(JOBS[job] + ["-o", name], check=0)
    return name


def killed_at_commits_then_resumed():
    # Each list: the commits at which successive attempts die (counted from
    # each attempt's start; a resumed attempt's first commit is the copy).
    plans = [["kill-before-commit:1"], ["kill-after-commit:1"], ["kill-before-commit:5"],
             ["kill-after-commit:9", "kill-before-commit:3", "kill-after-commit:2"]]
    for job in JOBS:
        ref = reference(job)
        for plan in plans:
            out = "kill_%s.h5" % job
            clean(out)
            for i, fault in enumerate(plan):
                args = JOBS[job] + ["-o", out] + (["--resume", out] if i else [])
                p = run(args, env={"TRILOBITE_FAULT": fault})
                assert p.returncode == -signal.SIGKILL, "%s %s: exit %d: %s" % (job, fault, p.returncode, p.stderr)
                # A fresh run's checkpoint gets its name only after its
                # first commit: killed around it, there is nothing to resume.
                created = i > 0 or fault not in ("kill-before-commit:1", "kill-after-commit:1")
                assert os.path.exists(os.path.join(WORK, out + ".partial")) == created, \
                    "%s %s: checkpoint %s" % (job, fault, "missing" if created else "left before its first commit")
                assert not os.path.exists(os.path.join(WORK, out)), "%s %s: a result file" % (job, fault)
                if created and plan is plans[2]:  # `info` names what the checkpoint has committed
                    info = subprocess.run([EXE, "info", out + ".partial"], cwd=WORK, capture_output=True,
                                          text=True).stdout
                    said = {"critical": "searches", "sweep": "descents"}.get(job, "descents, ")
                    said = "trainings" if job.startswith("net") else said
                    assert "committed: " in info and said in info, "%s: info of the checkpoint: %r" % (job, info)
            run(JOBS[job] + ["-o", out] + (["--resume", out] if created else []), check=0)
            assert not os.path.exists(os.path.join(WORK, out + ".partial")), "checkpoint left after success"
            same_file(ref, out, "%s killed at %s" % (job, plan))


def killed_at_arbitrary_moments_then_resumed():
    # Long enough (quartic-dimple, ~1000 steps a descent) to be killed mid-run.
    args = ["descend", "--starts", "200000", "--chunk", "4000"]
    ref = "ref_async.h5"
    if not os.path.exists(os.path.join(WORK, ref)):
        run(args + ["-o", ref], check=0)
    killed = 0
    for delay in (0.15, 0.4, 0.9):
        out = "async.h5"
        clean(out)
        env = dict(os.environ, OMP_NUM_THREADS="2")
        p = subprocess.Popen([EXE] + args + ["-o", out, "-q"], cwd=WORK, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        rc = p.wait()
        if rc == -signal.SIGKILL:
            assert not os.path.exists(os.path.join(WORK, out)), "a killed run left a result file"
            if os.path.exists(os.path.join(WORK, out + ".partial")):
                killed += 1
                run(args + ["-o", out, "--resume", out + ".partial"], check=0)
            else:  # killed before its first checkpoint (a GPU's start-up is slow): run afresh
                run(args + ["-o", out], check=0)
        same_file(ref, out, "descend killed after %.2f s" % delay)
    assert killed >= 1, "no run was still going when killed"


def interrupted_run_leaves_a_readable_checkpoint():
    out = "int.h5"
    clean(out)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    # A long run (one CPU thread, ~1000 steps a descent; a GPU would finish
    # before the signal), stopped by SIGINT once its checkpoint exists.
    args = ["descend", "--starts", "400000", "--chunk", "4000", "--backend", "cpu"]
    p = subprocess.Popen([EXE] + args + ["-o", out, "-q"], cwd=WORK, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    partial = os.path.join(WORK, out + ".partial")
    for _ in range(200):
        if os.path.exists(partial):
            break
        time.sleep(0.02)
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate()
    assert p.returncode == 130, "exit %d: %s" % (p.returncode, err)
    assert "--resume" in err and err.count("\n") == 1, "message: %r" % err
    # Closed cleanly: plain h5py reads it, marked incomplete.
    with h5py.File(partial, "r") as f:
        assert f.attrs["checkpoint"] in (b"incomplete", "incomplete")
        done = int(f["checkpoint_state/progress"][0])
        assert 0 < done < 400000, "descents done: %d" % done
        assert f["descents/end"].shape[0] >= done
    run(args + ["-o", out, "--resume", out], check=0)
    full = "int_ref.h5"
    if not os.path.exists(os.path.join(WORK, full)):
        run(args + ["-o", full], check=0)
    same_file(full, out, "descend interrupted by SIGINT")


def a_file_appearing_meanwhile_is_left_alone():
    # Another run (or program) creates the target while this one works: the
    # end of the run must not replace it, and must keep its own result.
    args = ["descend", "--starts", "200000", "--chunk", "4000"]
    ref = "ref_async.h5"
    if not os.path.exists(os.path.join(WORK, ref)):
        run(args + ["-o", ref], check=0)
    out = "appeared.h5"
    clean(out)
    target, partial = os.path.join(WORK, out), os.path.join(WORK, out + ".partial")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.Popen([EXE] + args + ["-o", out, "-q"], cwd=WORK, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(500):
        if os.path.exists(partial):
            break
        time.sleep(0.01)
    with open(target, "w") as f:
        f.write("someone else's\n")
    _, err = p.communicate()
    kept = "%s.tmp-%d" % (out, p.pid)
    assert p.returncode == 1, "exit %d: %s" % (p.returncode, err)
    assert err == "trilobite: error: '%s' appeared while this run was working and was left alone; " \
        "the result is '%s' (rename it, or run again with --force to replace)\n" % (out, kept), "message: %r" % err
    with open(target) as f:
        assert f.read() == "someone else's\n", "the file that appeared was replaced"
    same_file(ref, kept, "the result kept beside the target", IGNORE | {"device"})
    os.remove(os.path.join(WORK, kept))
    clean(out)


def results_do_not_depend_on_threads_or_chunks():
    for job in ("descend", "basins", "net-basins"):
        ref = reference(job)
        for threads, chunk in (("1", "777"), ("2", "5000")):
            out = "det_%s_%s.h5" % (job, threads)
            clean(out)
            args = [a for a in JOBS[job]]
            args[args.index("--chunk") + 1] = chunk
            run(args + ["-o", out, "--threads", threads], check=0)
            # The stored configuration and device name record the options as given.
            same_file(ref, out, "%s with %s threads, chunk %s" % (job, threads, chunk),
                      IGNORE | {"config", "device"})


def resume_may_store_with_another_compression():
    # --compression changes how the result is stored, not what it holds.
    ref = reference("descend")
    out = "zresume.h5"
    clean(out)
    run(JOBS["descend"] + ["-o", out], env={"TRILOBITE_FAULT": "kill-after-commit:3"})
    run(JOBS["descend"] + ["-o", out, "--resume", out, "--compression", "0"], check=0)
    same_file(ref, out, "resumed with --compression 0", IGNORE | {"config"})
    with h5py.File(os.path.join(WORK, out), "r") as f, h5py.File(os.path.join(WORK, ref), "r") as g:
        assert f["descents/end"].compression is None, f["descents/end"].compression
        assert g["descents/end"].compression == "gzip", g["descents/end"].compression
    clean(out)


def resume_with_other_settings_is_refused():
    out = "refuse.h5"
    clean(out)
    run(JOBS["descend"] + ["-o", out], env={"TRILOBITE_FAULT": "kill-after-commit:3"})
    p = run(JOBS["descend"] + ["-o", out, "--resume", out, "--lr", "0.002"], check=2)
    assert "lr" in p.stderr and p.stderr.count("\n") == 1, p.stderr
    p = run(JOBS["descend"] + ["-o", out, "--resume", out, "--lr-schedule", "cosine"], check=2)
    assert "lr-schedule" in p.stderr and p.stderr.count("\n") == 1, p.stderr
    # The stored options, as the message suggests, resume it.
    info = subprocess.run([EXE, "info", "--config", out + ".partial"], cwd=WORK, capture_output=True, text=True)
    assert info.returncode == 0 and "starts = 30000" in info.stdout, info.stderr
    with open(os.path.join(WORK, "refuse.toml"), "w") as f:
        f.write(info.stdout)
    shutil.copy(os.path.join(WORK, out + ".partial"), os.path.join(WORK, "viaconfig.h5.partial"))
    run(["descend", "--config", "refuse.toml", "--resume", "viaconfig.h5"], check=0)
    same_file(reference("descend"), "viaconfig.h5", "resumed through info --config")
    p = run(JOBS["descend"][:1] + ["-l", "himmelblau", "--starts", "31000", "-o", out, "--resume", out], check=2)
    assert "starts" in p.stderr, p.stderr
    p = run(["basins", "-l", "himmelblau", "-o", out, "--resume", out], check=2)
    assert "descend" in p.stderr, p.stderr
    # A fresh run onto an interrupted one must say so ...
    p = run(JOBS["descend"] + ["-o", out], check=2)
    assert "--resume" in p.stderr and "--force" in p.stderr, p.stderr
    # ... and --force starts again from nothing.
    run(JOBS["descend"] + ["-o", out, "--force"], check=0)
    same_file(reference("descend"), out, "descend --force over a checkpoint")
    # Nothing to resume, or not a checkpoint.
    p = run(JOBS["descend"] + ["-o", "none.h5", "--resume", "none.h5"], check=2)
    assert "no checkpoint" in p.stderr, p.stderr
    shutil.copy(os.path.join(WORK, out), os.path.join(WORK, "fake.h5.partial"))
    p = run(JOBS["descend"] + ["-o", "fake.h5", "--resume", "fake.h5"], check=2)
    assert "not a trilobite checkpoint" in p.stderr, p.stderr
    with open(os.path.join(WORK, "text.h5.partial"), "w") as f:
        f.write("not hdf5\n")
    p = run(JOBS["descend"] + ["-o", "text.h5", "--resume", "text.h5"], check=2)
    assert "not an HDF5 file" in p.stderr, p.stderr


def network_resume_checks_settings_and_records():
    # Trainings without recorded weights resume too, and a resume with
    # another batch size or model is refused, naming the setting.
    base = JOBS["net-descend"][:JOBS["net-descend"].index("--trace")] + ["--records", "none"]
    ref, out = "ref_net_none.h5", "net_none.h5"
    if not os.path.exists(os.path.join(WORK, ref)):
        run(base + ["-o", ref], check=0)
    clean(out)
    run(base + ["-o", out], env={"TRILOBITE_FAULT": "kill-after-commit:4"})
    p = run(base + ["-o", out, "--resume", out, "--batch-size", "16"], check=2)
    assert "batch" in p.stderr and p.stderr.count("\n") == 1, p.stderr
    changed = [a if a != "mlp:2-4-1" else "mlp:2-5-1" for a in base]
    p = run(changed + ["-o", out, "--resume", out], check=2)
    assert "model" in p.stderr and p.stderr.count("\n") == 1, p.stderr
    run(base + ["-o", out, "--resume", out], check=0)
    same_file(ref, out, "network trainings without weights, resumed")
    with h5py.File(os.path.join(WORK, out), "r") as f:
        assert "start" not in f["descents"], "weights stored with --records none"


def records_none_and_sample_keep_the_minima():
    ref = reference("descend")
    for mode in ("none", "sample"):
        out = "rec_%s.h5" % mode
        clean(out)
        sample = ["--sample", "700"] if mode == "sample" else []  # --sample is refused otherwise
        run(JOBS["descend"] + ["-o", out, "--records", mode] + sample, check=0)
        with h5py.File(os.path.join(WORK, ref), "r") as a, h5py.File(os.path.join(WORK, out), "r") as b:
            try:
                compare(a["minima"], b["minima"], "/minima", set(), [0, 0])
            except Differ as e:
                raise AssertionError("--records %s: %s" % (mode, e))
            assert b.attrs["records"] in (mode, mode.encode())
            if mode == "none":
                assert "descents" not in b, "/descents written with --records none"
                continue
            every = int(b["descents"].attrs["recorded_every"])
            assert every == -(-30000 // 700), "every %d" % every
            idx = b["descents/descent"][()]
            assert np.array_equal(idx, np.arange(0, 30000, every)), "sample indices"
            for name in ("start", "end", "loss", "steps", "status", "minimum"):
                assert np.array_equal(a["descents"][name][()][idx], b["descents"][name][()]), name


def watched_lines(args, out):
    """Runs `trilobite ARGS -q -o OUT` on one thread with examples/live/watch_run.py
    following its checkpoint; both must succeed. The watcher's lines."""
    clean(out)
    watcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "live",
                           "watch_run.py")
    run_p = subprocess.Popen([EXE] + args + ["-q", "-o", out], cwd=WORK, env=dict(os.environ, OMP_NUM_THREADS="1"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    w = subprocess.run([sys.executable, watcher, os.path.join(WORK, out + ".partial"), "--interval", "0.1"],
                       capture_output=True, text=True, timeout=300)
    run_p.communicate()
    assert run_p.returncode == 0 and w.returncode == 0, w.stderr
    return w.stdout.strip().split("\n")


def a_run_can_be_watched_while_it_writes():
    # quartic-dimple at lr 0.01 (a third of its default rate): slow enough to be watched.
    lines = watched_lines(["descend", "--starts", "60000", "--chunk", "2000", "--lr", "0.01"], "live.h5")
    done = [int(l.split()[1]) for l in lines if l.startswith("descents")]
    assert len(done) >= 2 and done == sorted(done) and done[0] < 60000, "watcher saw: %s" % lines
    assert lines[-1] == "finished", lines[-1]


def a_network_run_can_be_watched_while_it_writes():
    # A network's checkpoint counts trainings and keeps their status counts
    # in its state slot: the watcher reads those, not a descent job's record.
    lines = watched_lines(["descend", "--backend", "cpu", "--model", "mlp:2-32-32-1", "--activation", "tanh",
                           "--loss", "bce", "--data", "two-moons", "--data-size", "20000", "--starts", "24",
                           "--chunk", "4", "--batch-size", "32", "--epochs", "60", "--hessian-minima", "0",
                           "--barrier-minima", "0"], "live_net.h5")
    seen = [l for l in lines if l != "finished"]
    assert seen and all(l.startswith("trainings ") and "(of 24)" in l for l in seen), "watcher saw: %s" % lines
    done = []
    for l in seen:
        words = l.replace(",", "").replace(";", "").split()
        n, conv, maxs, div = int(words[1]), int(words[6]), int(words[8]), int(words[10])
        assert conv + maxs + div == n, "counts do not add up: %s" % l
        done.append(n)
    assert len(done) >= 2 and done == sorted(done) and done[0] < 24, "watcher saw: %s" % lines
    assert lines[-1] == "finished", lines[-1]


def sweeps_and_censuses_can_be_watched_while_they_write():
    # Their checkpoints count sweep rows and quenches, or searches: the
    # watcher prints those, not a descent job's fields.
    for args, first, total in (
            (["sweep", "--vary", "lr=0.001:0.01:3", "--starts", "60000", "--chunk", "4000", "--steps", "2000"],
             "sweep descents", "(60000 starts per setting)"),
            (["critical", "-l", "rastrigin", "--dim", "4", "--starts", "200000", "--chunk", "10000"],
             "searches", "of 200000")):
        lines = watched_lines(args, "live_%s.h5" % args[0])
        seen = [l for l in lines if l != "finished"]
        assert len(seen) >= 2 and all(l.startswith(first) and total in l for l in seen), "watcher saw: %s" % lines
        done = [int(l[len(first):].split()[0]) for l in seen]
        assert done == sorted(done), "watcher saw: %s" % lines
        assert lines[-1] == "finished", lines[-1]


def peak_memory_does_not_grow_with_starts():
    if "ASAN_OPTIONS" in os.environ:
        # AddressSanitizer's quarantine keeps freed memory: RSS says nothing.
        print("     (skipped under AddressSanitizer)")
        return
    # From 10^6 starts on: below that, the chunk buffers (two of 65536
    # descents in flight), HDF5's chunk caches and the writer thread's malloc
    # arena are still filling up (measured 37 -> 50 MiB from 10^5 to 10^6
    # with --records all, then 52 MiB at 3x10^6).
    rss = {}
    small_n, big_n = 1000000, 3000000
    for n in (small_n, big_n):
        for mode in ("none", "all"):
            out = "mem_%s_%d.h5" % (mode, n)
            clean(out)
            probe = ("import resource, subprocess, sys; "
                     "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
                     "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            p = subprocess.run([sys.executable, "-c", probe, EXE, "descend", "-l", "himmelblau", "--starts",
                                str(n), "--records", mode, "-q", "-o", out], cwd=WORK, capture_output=True,
                               text=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
            rc, kib = p.stdout.split()
            assert rc == "0", p.stderr
            rss[(mode, n)] = int(kib) / 1024.0
            os.remove(os.path.join(WORK, out))
    for mode in ("none", "all"):
        small, big = rss[(mode, small_n)], rss[(mode, big_n)]
        print("     peak RSS, --records %s: %.1f MiB at 1e6 starts, %.1f MiB at 3e6" % (mode, small, big))
        # Records of the 2x10^6 more descents alone would be ~120 MiB.
        assert big - small < 16, "--records %s: %.1f -> %.1f MiB" % (mode, small, big)


def main():
    global EXE, WORK
    EXE, WORK = os.path.abspath(sys.argv[1]), sys.argv[2]
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    for fn in (killed_at_commits_then_resumed, killed_at_arbitrary_moments_then_resumed,
               interrupted_run_leaves_a_readable_checkpoint, a_file_appearing_meanwhile_is_left_alone,
               results_do_not_depend_on_threads_or_chunks,
               resume_with_other_settings_is_refused, resume_may_store_with_another_compression,
               network_resume_checks_settings_and_records, records_none_and_sample_keep_the_minima,
               a_run_can_be_watched_while_it_writes, a_network_run_can_be_watched_while_it_writes,
               sweeps_and_censuses_can_be_watched_while_they_write,
               peak_memory_does_not_grow_with_starts):
        case(fn)
    if failures:
        sys.exit("check_resume: %d failed: %s" % (len(failures), ", ".join(failures)))


if __name__ == "__main__":
    main()
