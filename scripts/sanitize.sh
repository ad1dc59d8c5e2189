#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer: clang, CPU backend (CUDA off: no device here),
# every UBSan report fatal. Run by .ci/run after the README's test command.
# Usage: scripts/sanitize.sh [BUILD_DIR]     default: build-asan
# Environment: SANITIZE_CXX, the compiler (default clang++).
#
# clang rather than g++: GCC's instrumentation of the lanes path
# (cpu/descend_lanes.cpp, every landscape x optimizer flattened into one
# function per instruction set) takes 25 minutes of one core for that file
# alone; clang takes about one. clang's -fsanitize=undefined also includes
# float-cast-overflow, which GCC's leaves out.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
cxx=${SANITIZE_CXX:-clang++}
command -v "$cxx" >/dev/null 2>&1 ||
  { echo "sanitize.sh: '$cxx' not found (Debian: apt-get install clang libclang-rt-14-dev libomp-dev)" >&2; exit 2; }
cc=${cxx/clang++/clang}
cc=${cc/g++/gcc}
start=$SECONDS
# MPI off: this is the suite's build without MPI (the launch guard's refusal
# of several ranks is tested here; the MPI build's ranks by check_ranks.py).
cmake -S . -B "$dir" -G Ninja -DTRILOBITE_CUDA=OFF -DTRILOBITE_BENCH=OFF -DTRILOBITE_MPI=OFF \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
cmake --build "$dir" -j2
echo "sanitize.sh: built in $((SECONDS - start)) s"
# Three tests cannot run here:
# - consumer_finds_installed_package installs the library and links a
#   separate project against it without the sanitizer runtime, which an
#   instrumented static library needs (undefined __asan_*/__ubsan_* symbols);
# - ResourceLimits.AnAddressSpaceLimitIsTheMemoryAvailable runs trilobite
#   under RLIMIT_AS = 1 GiB, and AddressSanitizer reserves terabytes of
#   address space for its shadow memory, so the process cannot start;
# - ReadGuardDeathTest.OutsideTheGuardASignalIsNotCaught checks that a
#   SIGSEGV outside the guard kills the process by that signal, and
#   AddressSanitizer installs its own SIGSEGV handler, which reports and
#   exits instead.
# Everything else runs, the Python-driven tests included (they run this
# build's trilobite).
excluded="^(consumer_finds_installed_package|ResourceLimits.AnAddressSpaceLimitIsTheMemoryAvailable|ReadGuardDeathTest.OutsideTheGuardASignalIsNotCaught)$"
# libhdf5 1.10 leaks on its own error paths (damaged files in the bad-input
# catalogue): the fuzz targets' suppressions, which name only libhdf5.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0 \
  ctest --test-dir "$dir" -j2 --output-on-failure -E "$excluded"
echo "sanitize.sh: test suite passed under ASan and UBSan in $((SECONDS - start)) s (build included)"
