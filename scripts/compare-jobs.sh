#!/usr/bin/env bash
# Runs the same set of small jobs with two trilobite binaries and compares
# every result file bit for bit (every dataset, every attribute), so that a
# change to how jobs are driven can be shown not to change what they write.
#
# Usage: scripts/compare-jobs.sh BASELINE NEW [WORK_DIR]
#
# The runs (each with both binaries, in directories of the same name so the
# command lines match):
#   grid      rastrigin 150x150, --tile 700 (33 tiles), --threads 1 and 2
#   descend   six-hump-camel 3000 starts, --chunk 256: --records all,
#             --records sample --sample 100, --records none; --threads 1 and 2
#   descend   explicit starts (--start x3) with --trace 0,2 --trace-every 7
#   descend   --chunk 1000 (3 chunks, the last short) and --chunk 7 (429)
#   descend   rastrigin 3-D, 60000 starts, --chunk 20000, and 16-D, 20000
#             starts, --chunk 8192: many clusters, chunks searched in parallel
#   descend   himmelblau, 200000 starts, --chunk 50000: few minima, chunks
#             counted on every core
#   descend   --noise 0.3 (descents that run out of steps are quenched,
#             some diverge) and --lr-schedule cosine --warmup-steps 20,
#             --chunk 256
#   basins    himmelblau --basin-res 60, --chunk 333 (11 chunks, last short)
#   run       quartic-dimple 1500 starts, --grid-res 50 --tile 300,
#             --basin-res 40 --chunk 250, --threads 1 and 2
#   critical  rastrigin 2000 searches, --chunk 300, --threads 1 and 2
#   sweep     lr=0.01:0.3:5, 400 starts, --chunk 150 (chunks cut at values)
#   sweep     noise=0:2:4 (the quench of noisy values), 300 starts, --chunk 64
#   network   descend --model mlp:2-4-2 on two-moons: 50 mini-batch
#             trainings --chunk 7; 40 with a test set, f64, Hutchinson traces,
#             --chunk 3; 30 full-batch with --records none, --chunk 4
#   resumed   descend, the noisy descend, critical and the noise sweep
#             killed after their 3rd commit (TRILOBITE_FAULT=kill-after-commit:3)
#             and continued with --resume by the NEW binary, compared with the baseline's
#             uninterrupted run
#
# Ignored, and only these, all root attributes:
#   created          the time the file was written
#   program_version  names the build (it may carry a commit)
# Everything else (the stored configuration, the command line — both
# binaries run as `trilobite` from the same directory names — backend,
# device and every dataset) must be identical. The resumed runs' command
# lines carry --resume, so those comparisons also ignore command_line.
#
# Prints one line per run and "all N runs identical", or names the first
# difference; exit status 0 only when every run is identical.
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: scripts/compare-jobs.sh BASELINE NEW [WORK_DIR]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
compare="$here/../tests/python/compare_results.py"
work=$(realpath -m "${3:-$(mktemp -d)}")
mkdir -p "$work/bin-base" "$work/bin-new"
# Both binaries run under the same name (argv[0] is part of the stored
# command line): `trilobite`, found on PATH in a directory per side.
ln -sf "$(realpath "$1")" "$work/bin-base/trilobite"
ln -sf "$(realpath "$2")" "$work/bin-new/trilobite"
export OMP_NUM_THREADS=2
ignore=(created program_version)
runs=0
failed=0

# run NAME ARGS...: the job with both binaries, then the comparison.
run() {
  local name=$1
  shift
  local side
  for side in base new; do
    mkdir -p "$work/$side/$name"
    (cd "$work/$side/$name" && rm -f out.h5 out.h5.partial out.xmf &&
      PATH="$work/bin-$side:$PATH" trilobite "$@" -q -o out.h5 > log.txt 2>&1) ||
      { echo "FAIL $name: $side exited $? ($(tail -1 "$work/$side/$name/log.txt"))"; failed=$((failed + 1)); return; }
  done
  check "$name" "$work/base/$name/out.h5" "$work/new/$name/out.h5" "${ignore[@]}"
}

# check NAME A B IGNORED...
check() {
  local name=$1 a=$2 b=$3
  shift 3
  runs=$((runs + 1))
  local msg
  if msg=$(/usr/bin/python3 "$compare" "$a" "$b" --ignore "$@" 2>&1); then
    echo "ok   $name: $msg"
  else
    echo "FAIL $name: $msg"
    failed=$((failed + 1))
  fi
}

# resumed NAME ARGS...: NEW killed after its 3rd commit, then resumed;
# compared with the baseline's uninterrupted run of the same name.
resumed() {
  local name=$1
  shift
  local dir="$work/new/$name-resumed"
  mkdir -p "$dir"
  { (cd "$dir" && rm -f out.h5 out.h5.partial out.xmf &&
    TRILOBITE_FAULT=kill-after-commit:3 PATH="$work/bin-new:$PATH" trilobite "$@" -q -o out.h5 \
      > log.txt 2>&1); } 2> /dev/null
  if [[ ! -f $dir/out.h5.partial || -f $dir/out.h5 ]]; then
    echo "FAIL $name-resumed: the killed run left no checkpoint"
    failed=$((failed + 1))
    return
  fi
  (cd "$dir" && PATH="$work/bin-new:$PATH" trilobite "$@" -q --resume out.h5 -o out.h5 >> log.txt 2>&1) ||
    { echo "FAIL $name-resumed: resume exited $?"; failed=$((failed + 1)); return; }
  check "$name-resumed" "$work/base/$name/out.h5" "$dir/out.h5" "${ignore[@]}" command_line
}

t0=$(date +%s)
for t in 1 2; do
  run grid-t$t grid -l rastrigin --grid-res 150 --tile 700 --threads $t
  run descend-all-t$t descend -l six-hump-camel --starts 3000 --chunk 256 --seed 3 --threads $t
  run run-t$t run -l quartic-dimple --starts 1500 --grid-res 50 --tile 300 --basin-res 40 \
    --chunk 250 --seed 5 --threads $t
  run critical-t$t critical -l rastrigin --starts 2000 --chunk 300 --seed 2 --threads $t
done
run descend-sample descend -l six-hump-camel --starts 3000 --chunk 256 --seed 3 --records sample --sample 100
run descend-none descend -l six-hump-camel --starts 3000 --chunk 256 --seed 3 --records none
run descend-chunk1000 descend -l six-hump-camel --starts 3000 --chunk 1000 --seed 3
run descend-chunk7 descend -l six-hump-camel --starts 3000 --chunk 7 --seed 3
# Chunks large enough for the parallel search of known clusters, with many
# clusters appearing along the way: 3-D cell keys (27 cells), 16-D points.
run descend-rastrigin3d descend -l rastrigin --dim 3 --starts 60000 --chunk 20000 --seed 4 --records sample --sample 500
run descend-rastrigin16d descend -l rastrigin --dim 16 --starts 20000 --chunk 8192 --seed 4 --records none
# Few minima, large chunks: after the first chunk every point finds its
# cluster, and the chunks are counted on every core.
run descend-himmelblau-large descend -l himmelblau --starts 200000 --chunk 50000 --seed 6 --records sample --sample 2000
run descend-noise descend -l six-hump-camel --starts 3000 --chunk 256 --seed 3 --lr 0.05 \
  --noise 0.3 --steps 600 --quench-steps 2000
run descend-cosine descend -l six-hump-camel --starts 3000 --chunk 256 --seed 3 --lr 0.05 \
  --steps 120 --lr-schedule cosine --lr-min 0.001 --warmup-steps 20
run descend-explicit descend -l himmelblau --start 0.5,0.5 --start -3,2 --start 4,-4 --trace 0,2 \
  --trace-every 7 --chunk 2
run basins basins -l himmelblau --basin-res 60 --chunk 333
run sweep-lr sweep -l six-hump-camel --vary lr=0.01:0.3:5 --starts 400 --chunk 150 --steps 2000
run sweep-noise sweep -l six-hump-camel --vary noise=0:2:4 --lr 0.05 --starts 300 --chunk 64 --steps 800
run network-sgd descend --model mlp:2-4-2 --activation relu --data two-moons --starts 50 \
  --batch-size 16 --epochs 2 --chunk 7 --threads 2
run network-test descend --model mlp:2-4-2 --activation relu --data two-moons --starts 40 \
  --batch-size 16 --epochs 3 --chunk 3 --test-fraction 0.25 --precision f64 --hutchinson 4
run network-none descend --model mlp:2-3-2 --activation tanh --data two-moons --starts 30 \
  --steps 50 --chunk 4 --threads 1 --records none
resumed descend-all-t2 descend -l six-hump-camel --starts 3000 --chunk 256 --seed 3 --threads 2
resumed descend-noise descend -l six-hump-camel --starts 3000 --chunk 256 --seed 3 --lr 0.05 \
  --noise 0.3 --steps 600 --quench-steps 2000
resumed critical-t2 critical -l rastrigin --starts 2000 --chunk 300 --seed 2 --threads 2
resumed sweep-noise sweep -l six-hump-camel --vary noise=0:2:4 --lr 0.05 --starts 300 --chunk 64 --steps 800
t1=$(date +%s)

if [[ $failed -eq 0 ]]; then
  echo "all $runs runs identical ($((t1 - t0)) s; files under $work)"
  exit 0
fi
echo "$failed of $runs runs differ or failed (files under $work)"
exit 1
