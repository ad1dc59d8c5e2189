#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp) with clang, libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer (the whole library
# instrumented: cmake -DTRILOBITE_FUZZ=ON) and runs each for a bounded time
# through ctest (label `fuzz`), two at a time.
#
# Usage, from anywhere in the repository:
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS] [TARGET_REGEX]   defaults: build-fuzz 25 (all)
# Environment:
#   FUZZ_CXX    the compiler (default clang++; must support -fsanitize=fuzzer)
#   FUZZ_ARGS   extra libFuzzer flags for every run
# Needs clang, its libFuzzer runtime and OpenMP (Debian: clang
# libclang-rt-14-dev libomp-dev; scripts/install-deps.sh installs them).
# Writes only under BUILD_DIR; each target's corpus (seeds plus what the
# fuzzer adds), findings and log are in BUILD_DIR/tests/fuzz/run/<target>/.
# Exit code: 0 when no run found anything; 1 on a finding or a failed build;
# 2 on bad arguments or a missing toolchain.
#
# A new target is one file tests/fuzz/fuzz_<name>.cpp defining
# LLVMFuzzerTestOneInput, plus seeds in tests/fuzz/corpus/fuzz_<name>/
# (see tests/fuzz/CMakeLists.txt); this script picks it up unchanged.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build-fuzz}
seconds=${2:-25}
filter=${3:-}
cxx=${FUZZ_CXX:-clang++}

die() { echo "fuzz.sh: $*" >&2; exit 2; }

[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, got '$seconds'"
case $build in /*) ;; *) build=$root/$build ;; esac

command -v "$cxx" >/dev/null 2>&1 ||
  die "'$cxx' not found: install clang and its libFuzzer runtime (Debian: apt-get install clang libclang-rt-14-dev libomp-dev) or set FUZZ_CXX"
cc=${FUZZ_CC:-${cxx/clang++/clang}}

# Probe the runtime with a two-line target so that a missing libFuzzer gives
# one clear line instead of a page of linker errors.
mkdir -p "$build/probe"
probe=$build/probe/probe
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }' >"$probe.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe.cpp" -o "$probe" 2>"$probe.log"; then
  sed 's/^/  /' "$probe.log" | head -n 5 >&2
  die "'$cxx' cannot build with -fsanitize=fuzzer,address,undefined: the libFuzzer/sanitizer runtime is missing (Debian: apt-get install libclang-rt-14-dev)"
fi

start=$SECONDS
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
  -DTRILOBITE_FUZZ=ON -DTRILOBITE_TESTS=OFF -DTRILOBITE_BENCH=OFF -DTRILOBITE_CUDA=OFF -DTRILOBITE_MPI=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  -DTRILOBITE_FUZZ_SECONDS="$seconds" >"$build/configure.log" ||
  { cat "$build/configure.log" >&2; echo "fuzz.sh: configure failed" >&2; exit 1; }
cmake --build "$build" -j2 || { echo "fuzz.sh: build failed" >&2; exit 1; }
echo "fuzz.sh: built in $((SECONDS - start)) s with $("$cxx" --version | head -n 1)"

args=(--test-dir "$build" -L fuzz -j2 --output-on-failure)
[[ -n $filter ]] && args+=(-R "$filter")
ctest "${args[@]}" || { echo "fuzz.sh: a fuzz target found something (see above)" >&2; exit 1; }
echo "fuzz.sh: no findings, $seconds s per target"
