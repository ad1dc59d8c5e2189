#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (g++, CPU backend; CUDA off). Usage: scripts/sanitize.sh [BUILD_DIR]
# Not yet part of .ci/run (issue 7 wires it in); run by hand before then.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
cmake -S . -B "$dir" -G Ninja -DTRILOBITE_CUDA=OFF -DTRILOBITE_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
cmake --build "$dir" -j2
# The fuzz test builds its own sanitized target; the package consumer, the
# NumPy peers, the examples and ParaView run code that is not ours.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$dir" -j2 --output-on-failure -E "fuzz|consumer|peers|examples|xdmf_opens"
