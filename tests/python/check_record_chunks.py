#!/usr/bin/python3
"""Descent records moved from the checkpoint into the result as stored.

The checkpoint keeps /descents' columns in the result's chunks, deflated as
they are committed, and the end of the job copies those chunks as they are
(src/io/chunk_copy.hpp). TRILOBITE_RECORD_CHUNKS=off forces the old path:
the records read back from the checkpoint's rows and deflated at the end.
Each job below runs both ways, and the two files must agree: every dataset
bit for bit and every attribute but `created`, and every stored chunk of
/descents byte for byte with the same chunk shape and filters. The counts
TRILOBITE_DRIVER_STATS prints say which path each run took (unset, the CPU
backend takes the old one; "on" forces the new one here). Runs killed and
resumed, a resume with another --compression, a checkpoint written without
the chunks, and --compression 0 (nothing to move) end in the same files; a
resume takes the chunks its checkpoint stored for committed rows as they are
(counted in the same line) unless they were deflated at another level. The
losses recorded are checked against the landscape evaluated here at the end
points, so that rows moved out of place fail even if both paths agreed.

Usage: /usr/bin/python3 tests/python/check_record_chunks.py TRILOBITE WORK_DIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_resume import case, failures, refuses_a_bad_switch  # noqa: E402  (runs a check, prints ok or FAIL)
from compare_results import Differ, compare  # noqa: E402

EXE = None
WORK = None
MOVED = re.compile(r"records: (\d+) rows, (\d+) chunks moved from the checkpoint as stored")
KEPT = re.compile(r"chunks moved from the checkpoint as stored \((\d+) taken from the checkpoint resumed, "
                  r"(\d+) deflated here\)")
DEFLATED = re.compile(r"records: (\d+) rows, deflated from the checkpoint's rows")


def run(args, where, chunks="on", env=None, check=0):
    e = dict(os.environ, OMP_NUM_THREADS="2", TRILOBITE_DRIVER_STATS="1")
    e.pop("TRILOBITE_RECORD_CHUNKS", None)
    if chunks is not None:
        e["TRILOBITE_RECORD_CHUNKS"] = chunks
    e.update(env or {})
    d = os.path.join(WORK, where)
    os.makedirs(d, exist_ok=True)
    p = subprocess.run([EXE] + args + ["-q", "-o", "out.h5"], cwd=d, env=e, capture_output=True, text=True)
    if check is not None and p.returncode != check:
        raise AssertionError("%s (%s): exit %d: %s" % (" ".join(args), chunks, p.returncode, p.stderr.strip()))
    return p


def path_taken(p):
    """('moved', rows, chunks) or ('deflated', rows, 0) from the stage counts."""
    m = MOVED.search(p.stderr)
    if m:
        return ("moved", int(m.group(1)), int(m.group(2)))
    m = DEFLATED.search(p.stderr)
    assert m, "no records line in: %s" % p.stderr
    return ("deflated", int(m.group(1)), 0)


def kept_and_deflated(p):
    """The checkpoint's chunks this run took from the checkpoint it resumed, and those it deflated."""
    m = KEPT.search(p.stderr)
    assert m, "no chunk counts in: %s" % p.stderr
    return int(m.group(1)), int(m.group(2))


def same_chunks(x, y, where):
    """Every chunked dataset of /descents: chunk shape, filters, and each stored chunk's bytes."""
    chunks = 0
    for name, a in x["descents"].items():
        b = y["descents"][name]
        if a.chunks != b.chunks or a.compression != b.compression or a.compression_opts != b.compression_opts \
                or a.shuffle != b.shuffle:
            raise AssertionError("%s: /descents/%s stored otherwise: %s %s %s vs %s %s %s" % (
                where, name, a.chunks, a.compression, a.compression_opts, b.chunks, b.compression,
                b.compression_opts))
        if a.chunks is None:
            continue
        n = a.id.get_num_chunks()
        assert n == b.id.get_num_chunks(), "%s: /descents/%s: %d chunks vs %d" % (
            where, name, n, b.id.get_num_chunks())
        for i in range(n):
            offset = a.id.get_chunk_info(i).chunk_offset
            ma, ca = a.id.read_direct_chunk(offset)
            mb, cb = b.id.read_direct_chunk(offset)
            if ma != mb or ca != cb:
                raise AssertionError("%s: /descents/%s: the chunk at %s differs (%d vs %d bytes)" % (
                    where, name, offset, len(ca), len(cb)))
            chunks += 1
    return chunks


def same_files(a, b, where):
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        counter = [0, 0]
        try:
            compare(x, y, "", {"created", "command_line"}, counter)
        except Differ as e:
            raise AssertionError("%s: the files differ: %s" % (where, e))
        return counter[0], same_chunks(x, y, where)


def himmelblau(p):
    x, y = p[:, 0], p[:, 1]
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def losses_fit_the_end_points(path, f):
    with h5py.File(path, "r") as h:
        end, loss = h["descents/end"][()], h["descents/loss"][()]
    want = f(end)
    bad = ~np.isclose(loss, want, rtol=1e-9, atol=1e-12)
    assert not bad.any(), "%d losses do not fit their end points (first at row %d)" % (
        bad.sum(), np.argmax(bad))


def both_ways(name, args, expect="moved"):
    off = run(args, os.path.join(name, "off"), "off")
    on = run(args, os.path.join(name, "on"), "on")
    assert path_taken(off)[0] == "deflated", "%s off: %s" % (name, path_taken(off))
    got = path_taken(on)
    assert got[0] == expect, "%s on: %s, expected %s" % (name, got, expect)
    a, b = (os.path.join(WORK, name, w, "out.h5") for w in ("off", "on"))
    datasets, chunks = same_files(a, b, name)
    print("     %s: %d rows, %d chunks moved; %d datasets and %d stored chunks alike" % (
        name, got[1], got[2], datasets, chunks))
    return a, b, got


def a_partial_last_chunk():
    # 70,001 rows: the start and end chunks hold 32,768 rows, the others
    # 65,536; the last of each is partial, and commits of 5,000 rows end
    # inside chunks.
    a, b, got = both_ways("partial", ["descend", "-l", "himmelblau", "--starts", "70001", "--chunk", "5000",
                                      "--steps", "400"])
    assert got[2] == 3 + 3 + 5 * 2, "%d chunks moved" % got[2]
    losses_fit_the_end_points(b, himmelblau)


def a_sample_in_three_dimensions():
    # 21,845-row chunks of (n, 3) points, never aligned with the commits.
    both_ways("sample3d", ["descend", "-l", "rastrigin", "--dim", "3", "--starts", "90000", "--chunk", "7000",
                           "--steps", "200", "--records", "sample", "--sample", "45000"])


def run_with_a_basin_map_f32():
    both_ways("run_f32", ["run", "-l", "himmelblau", "--starts", "40000", "--basin-res", "40", "--grid-res", "24",
                          "--chunk", "3000", "--precision", "f32", "--steps", "400"])


def no_compression_moves_nothing():
    both_ways("level0", ["descend", "-l", "himmelblau", "--starts", "20000", "--chunk", "3000", "--steps", "400",
                         "--compression", "0"], expect="deflated")


def kill_then_resume(name, args, attempts, resume_args=None, reference_args=None, final="on", expect="moved"):
    """Kills `args` at each fault of `attempts` in turn, then resumes to the end; the file must be
    the uninterrupted run's of `reference_args` by the old path."""
    where = os.path.join(WORK, name, "killed")
    os.makedirs(where, exist_ok=True)
    for f in ("out.h5", "out.h5.partial"):
        if os.path.exists(os.path.join(where, f)):
            os.remove(os.path.join(where, f))
    for i, (fault, chunks) in enumerate(attempts):
        extra = (resume_args or args) + ["--resume", "out.h5"] if i else args
        p = run(extra, os.path.join(name, "killed"), chunks, env={"TRILOBITE_FAULT": fault}, check=None)
        assert p.returncode == -signal.SIGKILL, "%s %s: exit %d: %s" % (name, fault, p.returncode, p.stderr)
        assert os.path.exists(os.path.join(where, "out.h5.partial")), "%s: no checkpoint after %s" % (name, fault)
    p = run((resume_args or args) + ["--resume", "out.h5"], os.path.join(name, "killed"), final)
    got = path_taken(p)
    assert got[0] == expect, "%s resumed: %s, expected %s" % (name, got, expect)
    run(reference_args or args, os.path.join(name, "ref"), "off")
    datasets, chunks = same_files(os.path.join(WORK, name, "ref", "out.h5"), os.path.join(where, "out.h5"), name)
    print("     %s: %d chunks moved after %d kills; %d datasets and %d stored chunks alike" % (
        name, got[2], len(attempts), datasets, chunks))
    return os.path.join(where, "out.h5"), p


RESUMED = ["descend", "-l", "himmelblau", "--starts", "70001", "--chunk", "6000", "--steps", "400"]


def killed_inside_chunks_then_resumed():
    # Killed after 3 commits (2 chunks of descents), then again before the
    # resumed run's fourth. The whole copy is 6 MiB of chunks, under the 16
    # MiB the checkpoint's writer holds before it deflates: none was stored
    # before the kills, so the last run deflates all 16.
    out, p = kill_then_resume("resumed", RESUMED, [("kill-after-commit:3", "on"), ("kill-before-commit:4", "on")])
    losses_fit_the_end_points(out, himmelblau)
    assert kept_and_deflated(p) == (0, 16), kept_and_deflated(p)


# 600,000 rows in commits of 65,536: 3.6 MiB of chunks a commit, so the
# writer stores chunks (past 16 MiB held) before the kills below. The copy
# has 2 x 19 chunks of points (32,768 rows each) and 5 x 10 of the other
# columns (65,536 values each): 88.
STORED = ["descend", "-l", "himmelblau", "--starts", "600000", "--chunk", "65536", "--steps", "100"]
STORED_CHUNKS = 2 * 19 + 5 * 10


def chunks_below(rows):
    """Chunks of the copy holding only rows below `rows`: those a resume may take as stored."""
    return 2 * (rows // 32768) + 5 * (rows // 65536)


def a_resume_takes_the_chunks_stored_before_the_kill():
    # Killed after 6 commits (the empty first one and 5 x 65,536 rows), then
    # the resumed run killed before its own fourth commit (its first holds
    # the copied rows, then 2 more chunks: 7 x 65,536 rows committed). Each
    # resume takes the chunks its checkpoint stored for committed rows as
    # they are and deflates the others from the rows; any chunk taken from
    # the wrong place, of rows not committed, or taken and deflated again
    # would leave bytes other than the uninterrupted run's.
    out, p = kill_then_resume("kept", STORED, [("kill-after-commit:6", "on"), ("kill-before-commit:4", "on")])
    losses_fit_the_end_points(out, himmelblau)
    kept, deflated = kept_and_deflated(p)
    assert path_taken(p)[2] == STORED_CHUNKS, path_taken(p)
    assert 0 < kept <= chunks_below(7 * 65536), "%d chunks taken, at most %d" % (kept, chunks_below(7 * 65536))
    assert kept + deflated == STORED_CHUNKS, "%d taken + %d deflated, %d chunks" % (kept, deflated, STORED_CHUNKS)
    print("     kept: %d chunks taken from the checkpoint resumed, %d deflated" % (kept, deflated))


def a_resume_under_another_compression_takes_none():
    # The checkpoint stored chunks at level 4; the resume writes level 1 and
    # must deflate all of them again (taken as they are, they would be level
    # 4 chunks in a level 1 file).
    _, p = kill_then_resume("kept_level1", STORED, [("kill-after-commit:6", "on")], STORED + ["--compression", "1"],
                            STORED + ["--compression", "1"])
    assert kept_and_deflated(p) == (0, STORED_CHUNKS), kept_and_deflated(p)


def resumed_with_another_compression():
    # The checkpoint deflated at level 4; the resumed run writes level 1:
    # its fresh checkpoint keeps the chunks at level 1 and they are moved.
    kill_then_resume("level1", RESUMED, [("kill-after-commit:6", "on")], RESUMED + ["--compression", "1"],
                     RESUMED + ["--compression", "1"])


def resumed_from_a_checkpoint_without_chunks():
    kill_then_resume("from_off", RESUMED, [("kill-after-commit:5", "off")])


def resumed_without_chunks():
    kill_then_resume("to_off", RESUMED, [("kill-after-commit:5", "on")], final="off", expect="deflated")


def the_cpu_deflates_at_the_end_unless_told():
    # Unset: chunks are moved only where the descents run on a device.
    p = run(["descend", "-l", "himmelblau", "--starts", "20000", "--steps", "400", "--backend", "cpu"],
            "default", None)
    assert path_taken(p)[0] == "deflated", "the CPU backend: %s" % (path_taken(p),)


def a_bad_value_is_refused():
    refuses_a_bad_switch(EXE, WORK, "TRILOBITE_RECORD_CHUNKS", "later")


def main():
    global EXE, WORK
    EXE, WORK = os.path.abspath(sys.argv[1]), sys.argv[2]
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    for fn in [a_partial_last_chunk, a_sample_in_three_dimensions, run_with_a_basin_map_f32,
               no_compression_moves_nothing, killed_inside_chunks_then_resumed, resumed_with_another_compression,
               a_resume_takes_the_chunks_stored_before_the_kill, a_resume_under_another_compression_takes_none,
               resumed_from_a_checkpoint_without_chunks, resumed_without_chunks,
               the_cpu_deflates_at_the_end_unless_told, a_bad_value_is_refused]:
        case(fn)
    if failures:
        sys.exit("check_record_chunks: %d failed: %s" % (len(failures), ", ".join(failures)))


if __name__ == "__main__":
    main()
