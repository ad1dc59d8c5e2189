#!/usr/bin/env bash
# shellcheck disable=SC2317  # the step functions are called through run_step
# Build and check the CUDA backend on a GPU machine that has nvcc, CMake,
# ninja and Python but no package registry: the libraries the build needs
# travel as Debian packages (fetched elsewhere by fetch-debs.sh) and are
# unpacked into a private prefix, never into /, so the machine's own
# libraries stay as they are.
#
# Usage, from the repository root:
#   scripts/gpu-check.sh [DEBS_DIR]          DEBS_DIR defaults to .debs
# Environment:
#   OUT        where logs and result files go (default /tmp/gpu-out)
#   PREFIX     the private prefix (default /tmp/trilo-prefix; outside the source
#              tree, where the install export refuses include paths)
#   BUILD_DIR  the build tree (default build-gpu, ignored by git: a later call
#              on a machine still warm rebuilds only what changed)
#   GPU_CHECK_FRESH=1     start the build tree afresh
#   GPU_CHECK_STEPS       steps to run, in this order (default: all of
#                         "unpack configure build smi test run formula
#                         critical ranks bench profile kernels write pipeline
#                         networks peers")
#   GPU_CHECK_WRITE_BACKENDS  backends of the write step (default "cuda cpu")
#   GPU_CHECK_CMAKE_ARGS  extra arguments for the configure step
#   GPU_CHECK_TARGETS     build only these targets (default: all)
#   GPU_CHECK_CTEST_REGEX run only the tests whose names match
# Files in $OUT (at most 8, so all of them come back from the device tool):
#   summary.txt  each step's exit code and time, versions, nvidia-smi, the
#                kernels' compile times;  build.log  configure and build;
#   ctest.log;  run.log (the default run on each backend, then the
#   critical-point census on each);  formula.log (formulas on the GPU: their
#   tests, two runs, the bench);  bench.log (bench, then the profile and
#   write and pipeline steps), bench.json;  peers.log. Eight in all: what a device call
#   returns at most.
# Exit code: 0 when every step that ran passed, else 1.
set -uo pipefail

debs=${1:-.debs}
OUT=${OUT:-/tmp/gpu-out}
PREFIX=${PREFIX:-/tmp/trilo-prefix}
BUILD_DIR=${BUILD_DIR:-$PWD/build-gpu}
steps=${GPU_CHECK_STEPS:-unpack configure build smi test run formula critical ranks bench profile kernels write pipeline networks peers}
extra_cmake_args=${GPU_CHECK_CMAKE_ARGS:-}
mkdir -p "$OUT"
summary=$OUT/summary.txt
: >"$summary"
failed=0

note() { echo "$*" | tee -a "$summary"; }
wants() { [[ " $steps " == *" $1 "* ]]; }
# Runs one step with its output appended to a log; records rc and seconds.
run_step() {
  local name=$1 log=$2
  shift 2
  local t0=$SECONDS rc
  echo "== $name: $*" >>"$log"
  "$@" >>"$log" 2>&1
  rc=$?
  note "step $name: rc=$rc, $((SECONDS - t0)) s (log: $(basename "$log"))"
  if ((rc != 0)); then
    failed=1
    tail -n 40 "$log"
  fi
  return "$rc"
}

# ---- the private prefix ------------------------------------------------------
# The Debian packages install under usr/; the serial HDF5 keeps its headers in
# usr/include/hdf5/serial and its libraries under usr/lib/<triplet>/hdf5/serial
# (symlinks to ../../libhdf5_serial*.so), which is the layout FindHDF5 knows
# when HDF5_ROOT points there. HDF5's own wrappers (h5cc) would name /usr
# paths, so they are not used.
triplet=x86_64-linux-gnu
usr=$PREFIX/usr
libdir=$usr/lib/$triplet
hdf5_root=$libdir/hdf5/serial
export CMAKE_PREFIX_PATH=$usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
export CPATH=$usr/include:$usr/include/hdf5/serial${CPATH:+:$CPATH}
export LIBRARY_PATH=$libdir${LIBRARY_PATH:+:$LIBRARY_PATH}
# Also how the linker finds libhdf5's own dependencies (libsz, libaec) and how
# the programs find libhdf5_serial.so.103 at run time.
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export HDF5_ROOT=$hdf5_root
# `trilobite render` and its tests find the carried DejaVu font here.
export TRILOBITE_FONT=$usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
# Debian's package configs declare old policy versions; CMake 4 refuses those
# without this (older CMake ignores it).
export CMAKE_POLICY_VERSION_MINIMUM=3.5

unpack() {
  shopt -s nullglob
  local files=("$debs"/*.deb)
  if ((${#files[@]} == 0)); then
    echo "no .deb files in '$debs' (run scripts/fetch-gpu-debs.sh $debs first)"
    return 1
  fi
  mkdir -p "$PREFIX"
  local f
  for f in "${files[@]}"; do
    echo "unpack $f"
    dpkg -x "$f" "$PREFIX" || return 1
  done
  local need
  for need in "$hdf5_root/include/hdf5.h" "$hdf5_root/libhdf5.so" "$hdf5_root/libhdf5_hl.so" \
              "$usr/include/Random123/philox.h" "$usr/share/cmake/CLI11/CLI11Config.cmake" \
              "$usr/share/eigen3/cmake/Eigen3Config.cmake" "$libdir/cmake/GTest/GTestConfig.cmake" \
              "$usr/include/freetype2/ft2build.h" "$TRILOBITE_FONT"; do
    [[ -e $need ]] || { echo "missing after unpacking: $need"; return 1; }
  done
}

# The Python of the file-format tests: the first python3 on the PATH that
# has what they import (on the GPU image, not /usr/bin/python3).
test_python=$(command -v python3 || true)
if [[ -n $test_python ]] && ! "$test_python" -c 'import h5py, xarray, numpy, PIL' >/dev/null 2>&1; then
  test_python=
fi

configure() {
  if [[ ${GPU_CHECK_FRESH:-0} == 1 ]]; then rm -rf "$BUILD_DIR"; fi
  # shellcheck disable=SC2086  # extra_cmake_args is a list of words
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTRILOBITE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DTRILOBITE_TESTS=ON -DTRILOBITE_BENCH=ON \
    -DCMAKE_PREFIX_PATH="$usr" \
    -DHDF5_ROOT="$hdf5_root" -DHDF5_NO_FIND_PACKAGE_CONFIG_FILE=ON \
    ${test_python:+-DTRILOBITE_SYSTEM_PYTHON="$test_python"} \
    $extra_cmake_args || return 1
  # Say where each dependency was found, so a log shows the prefix was used.
  grep -E '^(HDF5_[A-Za-z0-9_]*(LIBRARY_RELEASE|INCLUDE_DIR)|CLI11_DIR|Eigen3_DIR|GTest_DIR|benchmark_DIR|RANDOM123_INCLUDE_DIR):' \
    "$BUILD_DIR/CMakeCache.txt"
}

build() {
  # shellcheck disable=SC2086  # a list of target names
  cmake --build "$BUILD_DIR" ${GPU_CHECK_TARGETS:+--target $GPU_CHECK_TARGETS} || return 1
}

# The compile time of each CUDA translation unit, from ninja's log.
kernel_times() {
  [[ -f $BUILD_DIR/.ninja_log ]] || return 0
  note "CUDA compile times (s):"
  awk -F'\t' '$4 ~ /\.cu\.o$/ { printf "  %7.1f  %s\n", ($2 - $1) / 1000, $4 }' \
    "$BUILD_DIR/.ninja_log" | tee -a "$summary"
}

smi() {
  nvidia-smi && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
}

run_tests() {
  local exclude=()
  if [[ -z $test_python ]]; then
    echo "note: no python3 with h5py, xarray, numpy and PIL: the Python checks are skipped"
    exclude=(-E 'python_|peers_|examples_|xdmf_matches|checkpoint_resume|json_summary|config_replay')
  elif ! "$test_python" -c 'import h5netcdf' >/dev/null 2>&1; then
    # xarray reads our groups through h5netcdf, which the GPU image lacks.
    echo "note: $test_python lacks h5netcdf: the xarray checks are skipped"
    exclude=(-E 'python_reads_result_file|python_reads_sweep_file|examples_run_headless')
  fi
  ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel 8 --timeout 120 "${exclude[@]}" \
    ${GPU_CHECK_CTEST_REGEX:+-R "$GPU_CHECK_CTEST_REGEX"}
}

run_backend() {
  local backend=$1
  local exe=$BUILD_DIR/trilobite file=/tmp/gpu-check-$backend-run.h5
  rm -f "$file"
  time "$exe" run --backend "$backend" -o "$file" || return 1
  "$exe" info "$file"
}

# Formulas on the GPU (docs/formulas.md): the device tests that skip without
# a device must run here (a skip fails this step), a formula run twice on a
# fresh cache (the second from the cached cubin), the built-in beside it, and
# the formula-over-built-in rates.
run_formula() {
  local exe=$BUILD_DIR/trilobite tests=$BUILD_DIR/tests/trilobite_tests
  local cache=/tmp/trilo-formula-cache tmp=/tmp/trilo-formula
  rm -rf "$cache" "$tmp" && mkdir -p "$tmp" || return 1
  local f="0.4*x^4 - 2*x^2 + 0.5*y^2 + 0.1*x*y - 0.5*exp(-((x-1.5)^2+(y+0.5)^2))"
  TRILOBITE_CACHE_DIR=$cache "$tests" --gtest_filter='*OnTheGpu*:EveryBackend/1.Formula*' >"$tmp/tests.log" 2>&1
  local rc=$?
  cat "$tmp/tests.log"
  ((rc == 0)) || return 1
  if grep -q '^\[  SKIPPED \]' "$tmp/tests.log"; then echo "formula GPU tests were skipped"; return 1; fi
  local k
  for k in 1 2; do
    echo "-- formula run $k (cache $cache)"
    time TRILOBITE_CACHE_DIR=$cache "$exe" run --backend cuda --expr "$f" --box -2.5:2.5 -o "$tmp/formula-$k.h5" || return 1
  done
  ls -l "$cache"
  "$exe" run --backend cuda -o "$tmp/builtin.h5" || return 1
  "$exe" info "$tmp/formula-2.h5"
  "$exe" info "$tmp/builtin.h5"
  TRILOBITE_CACHE_DIR=$cache "$exe" bench --formula --backend cuda --precision f64,f32 --starts 1000000
}

# The critical-point census on both backends: the same counts (Rastrigin 2-D:
# 121 minima, 220 saddles, 100 maxima).
run_critical() {
  local exe=$BUILD_DIR/trilobite tmp=/tmp/trilo-critical
  mkdir -p "$tmp"
  for be in cuda cpu; do
    "$exe" critical -l rastrigin --backend "$be" --json --force -o "$tmp/critical-$be.h5" || return 1
  done
  # Above 16 dimensions each GPU thread holds three 64 x 64 matrices in
  # local memory (core/critical.hpp), which the driver reserves for every
  # resident thread (about 26 GB on an H100): does the launch succeed, and
  # how long does it take? (Logged, not failed: the answer decides whether
  # such searches should go to the CPU.)
  local t0=$SECONDS rc=0
  "$exe" critical -l rastrigin --dim 20 --starts 4096 --backend cuda --grid-res 8 -q --force \
    -o "$tmp/critical-20d.h5" || rc=$?
  echo "critical 20-D on cuda: exit $rc after $((SECONDS - t0)) s"
}

# One job over 1 and 2 ranks on the GPU (both ranks share the one device),
# with the writer's statistics; the files must be identical. Open MPI comes
# from the prefix (OPAL_PREFIX relocates Debian's build there).
run_ranks() {
  local exe=$BUILD_DIR/trilobite tmp=/tmp/trilo-ranks mpirun=$PREFIX/usr/bin/mpirun
  [[ -x $mpirun ]] || { echo "no mpirun in $PREFIX (fetch-gpu-debs.sh carries openmpi-bin)"; return 1; }
  mkdir -p "$tmp"
  local args=(descend -l rastrigin --dim 6 --starts 4000000 --chunk 262144 --backend cuda --records none -q --force)
  for np in 1 2; do
    /usr/bin/time -f "np $np: %e s" env OPAL_PREFIX="$PREFIX/usr" TRILOBITE_DRIVER_STATS=1 \
      "$mpirun" -np "$np" --allow-run-as-root --oversubscribe -x TRILOBITE_DRIVER_STATS -x LD_LIBRARY_PATH \
      "$exe" "${args[@]}" -o "$tmp/np$np.h5" || return 1
  done
  python3 tests/python/compare_results.py "$tmp/np1.h5" "$tmp/np2.h5" --ignore created command_line
}

# trilobite bench on both backends (table and JSON), then the peers (NumPy,
# JAX, PyTorch) with their agreement checks.
run_bench() {
  local exe=$BUILD_DIR/trilobite
  "$exe" bench --starts 1000,100000,1000000 --repeats 3 || return 1
  "$exe" bench --backend cuda --starts 10000000 --repeats 5 --json >"$OUT/bench.json" || return 1
}
# What limits the descent kernel: its registers and stack (spills), then
# Nsight Compute's throughput, occupancy and launch sections for one launch
# of quartic-dimple f32 (4M descents of 100 steps).
run_profile() {
  local exe=$BUILD_DIR/trilobite obj=$BUILD_DIR/CMakeFiles/trilobite_lib.dir/kernels/descend.cu.o
  cuobjdump --dump-resource-usage "$obj" | grep -E 'Function .*descend_(interleaved_)?kernel|REG:' |
    grep -E -A1 'descend_(interleaved_)?kernel' | grep -v '^--' | paste - - | sed -E 's/ +/ /g' | head -60
  ncu --kernel-name regex:descend_kernel --launch-count 1 --section SpeedOfLight \
    --section ComputeWorkloadAnalysis --section Occupancy --section LaunchStats \
    --section WarpStateStats "$exe" descend -l quartic-dimple --precision f32 \
    --starts 4000000 --steps 100 --tol 0 --no-polish --records none -q --force -o /tmp/gpu-check-profile.h5
}
# The device reduction and the descent kernel's variants (kernels/descend.cu,
# TRILOBITE_DESCENT_KERNEL): the reduction's typed tests, which must run here,
# not skip; each variant's end points against the general kernel's (they
# compute the same, so the files must match); the bench case quartic-dimple
# f32 at 10^7 descents for each variant, the general kernel first and last to
# show the drift; Nsight Compute on the general kernel, tuned-fixed and
# tuned-fixed-ilp2 (two descents a thread). The rates and FP32 fractions go
# to the summary.
kernel_variants="general hoist step32 gd tuned fixed tuned-fixed ilp2 tuned-fixed-ilp2 tuned-fixed-ilp4"
run_kernels() {
  local exe=$BUILD_DIR/trilobite tests=$BUILD_DIR/tests/trilobite_tests tmp=/tmp/trilo-kernels v rc=0
  mkdir -p "$tmp"
  "$tests" --gtest_filter='ReducedCellsOn/*:CellKey.*:DescentTuning.*:DescentInterleaved.*:DescentKernelVariants.*' \
    >"$tmp/tests.log" 2>&1 || rc=1
  cat "$tmp/tests.log"
  if grep -q '^\[  SKIPPED \]' "$tmp/tests.log"; then echo "device tests were skipped"; rc=1; fi
  note "kernels: device reduction and variant tests rc=$rc ($(grep -c '^\[       OK \]' "$tmp/tests.log") passed)"
  for v in $kernel_variants; do
    TRILOBITE_DESCENT_KERNEL=$v "$exe" descend -l quartic-dimple --precision f32 --starts 200000 \
      --backend cuda --records all -q --force -o "$tmp/$v.h5" || rc=1
    if [[ $v != general ]]; then
      python3 tests/python/compare_results.py "$tmp/general.h5" "$tmp/$v.h5" --ignore created command_line ||
        { echo "variant $v: end points differ from the general kernel's"; rc=1; }
    fi
  done
  for v in general $kernel_variants; do
    TRILOBITE_DESCENT_KERNEL=$v "$exe" bench --backend cuda --cases quartic-dimple-2d --precision f32 \
      --starts 10000000 --repeats 5 --json >"$tmp/bench-$v.json" || { rc=1; continue; }
    python3 - "$v" "$tmp/bench-$v.json" <<'PY' | tee -a "$summary"
import json, sys
r = json.load(open(sys.argv[2]))["results"][0]
print(f"kernels: {sys.argv[1]:8s} {r['steps_per_s'] / 1e9:7.1f}G steps/s, {100 * r['peak_fraction']:5.1f}% of FP32 peak, "
      f"e2e {r['e2e_steps_per_s'] / 1e9:6.1f}G steps/s")
PY
  done
  for v in general tuned-fixed tuned-fixed-ilp2; do
    echo "-- ncu: $v"
    TRILOBITE_DESCENT_KERNEL=$v ncu --kernel-name 'regex:descend_(interleaved_)?kernel' --launch-count 1 --section SpeedOfLight \
      --section WarpStateStats --section InstructionStats "$exe" descend -l quartic-dimple --precision f32 \
      --starts 4000000 --steps 100 --tol 0 --no-polish --records none -q --force -o "$tmp/ncu.h5" || rc=1
  done
  return "$rc"
}
# Writing against computing (a large run should not be twice as
# slow as its compute): the same grid and descents with and without the
# file's cost, on each backend; appended to bench.log.
run_write() {
  local exe=$BUILD_DIR/trilobite w=/tmp/gpu-check-write.h5 backend args t0
  for backend in ${GPU_CHECK_WRITE_BACKENDS:-cuda cpu}; do
    for args in "grid --grid-res 8192 --compression 0" "grid --grid-res 8192" \
                "descend --starts 10000000 --records none" "descend --starts 10000000 --records all"; do
      rm -f "$w"
      t0=$(date +%s%N)
      # shellcheck disable=SC2086  # $args is a list of words
      "$exe" $args --backend "$backend" -q -o "$w" >/dev/null || return 1
      echo "write: $backend: $args: $((($(date +%s%N) - t0) / 1000000)) ms, $(stat -c %s "$w") bytes"
    done
  done
  rm -f "$w"
}
# ---- the job at the kernels' pace -------------------------------------------
# Whole descend jobs stage by stage (bench/README.md, --pipeline): on the
# zero-cost backend (the host's own work alone) and on the GPU, 10^8
# descents without records at the default chunk and at 2^20, and 10^7 with
# every record; appended to bench.log. The CUDA backend reduces the end
# points of --records none/sample jobs by merge cell on the device
# (Backend::descend_cells): first the files of that path against the end
# points' (TRILOBITE_REDUCE_CELLS=off), which must match, with the chunks
# that fell back counted; then the 10^8 job with the reduction and without,
# and the 10^7 job with its records deflated as they are committed and moved
# into the result as stored (the default on a GPU) and without
# (TRILOBITE_RECORD_CHUNKS=off).
run_pipeline() {
  local exe=$BUILD_DIR/trilobite tmp=/tmp/trilo-pipeline rec path rc=0
  mkdir -p "$tmp/on" "$tmp/off"
  for rec in "none" "sample --sample 1000"; do
    for path in on off; do
      # shellcheck disable=SC2086  # $rec is a list of words
      (cd "$tmp/$path" && TRILOBITE_REDUCE_CELLS=$path TRILOBITE_DRIVER_STATS=1 "$exe" descend \
        -l six-hump-camel --starts 3000000 --chunk 262144 --backend cuda --records $rec -q --force \
        -o out.h5 2>&1 | grep -E '^(cells|stages):') || rc=1
    done
    python3 tests/python/compare_results.py "$tmp/off/out.h5" "$tmp/on/out.h5" --ignore created ||
      { echo "pipeline: --records $rec: the device reduction's file differs from the end points'"; rc=1; }
  done
  # Each run's table to the log; its "kernels," line (the job against its
  # kernel time, the GPU-pace target) to the summary as well.
  pipeline() {
    local label=$1
    shift
    "$exe" bench --pipeline --backend cuda --repeats 1 "$@" >"$tmp/table.txt" || { cat "$tmp/table.txt"; return 1; }
    cat "$tmp/table.txt"
    { grep '^kernels,' "$tmp/table.txt" || echo "kernels: no kernel time reported"; } |
      sed "s/^/pipeline ($label): /" | tee -a "$summary"
  }
  pipeline "device reduction" --starts 100000000 --records none --chunk 65536,1048576 || return 1
  echo "-- the same without the device reduction (TRILOBITE_REDUCE_CELLS=off)"
  TRILOBITE_REDUCE_CELLS=off pipeline "end points" --starts 100000000 --records none --chunk 65536,1048576 ||
    return 1
  pipeline "records all" --starts 10000000 --records all || return 1
  echo "-- the same with the records deflated after the loop (TRILOBITE_RECORD_CHUNKS=off)"
  TRILOBITE_RECORD_CHUNKS=off pipeline "records all, deflated after" --starts 10000000 --records all || return 1
  return "$rc"
}
# ------------------------------------------------------------------------------
# NumPy runs on one core: 10^5 starts keep it to minutes; the GPU peers get
# 10^6 starts (and 10^7 for the headline case) so the device is filled.
run_peers() {
  local py=bench/peers/peers.py exe=$BUILD_DIR/trilobite rc=0
  python3 "$py" --trilobite "$exe" --peers numpy --starts 100000 --steps 100 || rc=1
  python3 "$py" --trilobite "$exe" --peers jax,torch --starts 1000000 --steps 100 || rc=1
  python3 "$py" --trilobite "$exe" --peers jax,torch --cases quartic-dimple-2d --precision f32 \
    --starts 10000000 --steps 100 || rc=1
  return "$rc"
}

# ---- networks on the GPU ------------------------------------------------------
# The CPU-against-GPU network tests (a skip fails this step), then the bench's
# network cases on the GPU: two-moons always, the 13,002-weight network on
# Fashion-MNIST (ensembles of 1024, batch 32 and 128) where the dataset
# package is installed. Run with GPU_CHECK_STEPS=networks (or add it to the
# list); appended to bench.log.
run_networks() {
  local exe=$BUILD_DIR/trilobite tests=$BUILD_DIR/tests/trilobite_tests tmp=/tmp/trilo-networks
  mkdir -p "$tmp"
  "$tests" --gtest_filter='NnGpu.*:EnsemblePlan*:*EnsemblePlanGemms*' >"$tmp/tests.log" 2>&1
  local rc=$?
  cat "$tmp/tests.log"
  ((rc == 0)) || return 1
  # Every device test must run; only the check of the refusal without a device skips.
  if grep '^\[  SKIPPED \] NnGpu\.' "$tmp/tests.log" | grep -qv WithoutADevice; then
    echo "network GPU tests were skipped"
    return 1
  fi
  "$exe" bench --cases mlp2-moons-b32 --backend all --precision f32 --starts 1024 --steps 100 --repeats 3 || return 1
  if [[ -d /usr/share/datasets/fashion-mnist ]]; then
    "$exe" bench --cases mlp784-fmnist-b32,mlp784-fmnist-b128 --backend cuda --precision f32 --starts 1024 \
      --steps 100 --repeats 3 || return 1
    # Whole trainings of the bench's ensemble (1024 networks, batch 32: 61.44M
    # sample gradients an epoch), one epoch and two: against the bench's rate
    # above, the one epoch shows what the uploads and the end's evaluation
    # cost (its orders are made before the device starts), the second epoch
    # what an epoch costs with its orders made on the host beside the
    # device's epoch before (pinned buffers, kernels/network_train.cu).
    local t0 epochs
    for epochs in 1 2; do
      t0=$(date +%s%N)
      "$exe" descend --model mlp:784-16-16-10 --activation sigmoid --loss xent --data fashion-mnist --starts 1024 \
        --batch-size 32 --epochs "$epochs" --hessian-minima 0 --barrier-minima 0 --backend cuda -q --force \
        -o "$tmp/train.h5" | tail -n 3 || return 1
      note "networks: 1024 trainings of 784-16-16-10, $epochs epoch(s) of batch 32 on cuda: $((($(date +%s%N) - t0) / 1000000)) ms end to end"
    done
  else
    echo "note: /usr/share/datasets/fashion-mnist is absent: the 13,002-weight network cases are not run"
  fi
}

note "gpu-check: $(date -u +%FT%TZ) on $(hostname), debs=$debs prefix=$PREFIX build=$BUILD_DIR"
note "steps: $steps"
{ cmake --version | head -1; ninja --version; nvcc --version | tail -2; c++ --version | head -1; } \
  >>"$summary" 2>&1

buildlog=$OUT/build.log
: >"$buildlog"
ok=1
if wants unpack; then run_step unpack "$buildlog" unpack || ok=0; fi
if ((ok)) && wants configure; then run_step configure "$buildlog" configure || ok=0; fi
if ((ok)) && wants build; then
  run_step build "$buildlog" build || ok=0
  kernel_times
fi
if wants smi; then
  note "---- nvidia-smi"
  smi >>"$summary" 2>&1 || { note "nvidia-smi failed"; failed=1; }
fi
if ((ok)) && wants test; then
  : >"$OUT/ctest.log"
  run_step test "$OUT/ctest.log" run_tests
fi
if ((ok)) && wants run; then
  : >"$OUT/run.log"
  run_step gpu-run "$OUT/run.log" run_backend cuda
  run_step cpu-run "$OUT/run.log" run_backend cpu
fi
if ((ok)) && wants formula; then
  : >"$OUT/formula.log"
  run_step formula "$OUT/formula.log" run_formula
fi
if ((ok)) && wants critical; then
  run_step critical "$OUT/run.log" run_critical
fi
if ((ok)) && wants ranks; then
  run_step ranks "$OUT/run.log" run_ranks
fi
if ((ok)) && wants bench; then
  : >"$OUT/bench.log"
  run_step bench "$OUT/bench.log" run_bench
fi
if ((ok)) && wants profile; then
  touch "$OUT/bench.log"
  run_step profile "$OUT/bench.log" run_profile
fi
if ((ok)) && wants kernels; then
  touch "$OUT/bench.log"
  run_step kernels "$OUT/bench.log" run_kernels
fi
if ((ok)) && wants write; then
  run_step write "$OUT/bench.log" run_write
fi
if ((ok)) && wants pipeline; then
  touch "$OUT/bench.log"
  run_step pipeline "$OUT/bench.log" run_pipeline
fi
if ((ok)) && wants networks; then
  touch "$OUT/bench.log"
  run_step networks "$OUT/bench.log" run_networks
fi
if ((ok)) && wants peers; then
  : >"$OUT/peers.log"
  run_step peers "$OUT/peers.log" run_peers
fi
note "gpu-check: $( ((failed)) && echo FAILED || echo passed)"
exit "$failed"
