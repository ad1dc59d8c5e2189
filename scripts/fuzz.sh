#!/usr/bin/env bash
# Build the formula-parser fuzz target (tests/fuzz/fuzz_expr_parser.cpp) with
# clang's libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, and run
# it for a bounded time on a copy of the seed corpus.
#
# Usage, from anywhere in the repository:
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS]     defaults: build/fuzz 30
# Environment:
#   FUZZ_CXX    the compiler (default clang++; must support -fsanitize=fuzzer)
#   FUZZ_ARGS   extra libFuzzer flags appended to the run
# Needs clang and its libFuzzer runtime (Debian: clang-14 libclang-rt-14-dev).
# Writes only under BUILD_DIR: the binary, corpus/ (the seeds plus whatever
# the fuzzer adds; kept between runs), artifacts/ (crashing, slow or
# memory-hungry inputs) and fuzz.log. The source tree is never written.
# Exit code: 0 when the run found nothing; 1 on a finding or any failure,
# 2 on bad arguments or a missing toolchain.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build/fuzz}
seconds=${2:-30}
cxx=${FUZZ_CXX:-clang++}

die() { echo "fuzz.sh: $*" >&2; exit 2; }

[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, got '$seconds'"
case $build in /*) ;; *) build=$root/$build ;; esac

command -v "$cxx" >/dev/null 2>&1 ||
  die "'$cxx' not found: install clang and its libFuzzer runtime (Debian: apt-get install clang-14 libclang-rt-14-dev) or set FUZZ_CXX"

mkdir -p "$build/obj" "$build/corpus" "$build/artifacts"
build=$(cd "$build" && pwd)

flags=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1 -std=c++17 -I "$root/src")

# Probe the runtime with a two-line target so that a missing libFuzzer gives
# one clear line instead of a page of linker errors.
probe=$build/obj/probe
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }' >"$probe.cpp"
if ! "$cxx" "${flags[@]}" "$probe.cpp" -o "$probe" 2>"$probe.log"; then
  sed 's/^/  /' "$probe.log" | head -n 5 >&2
  die "'$cxx' cannot build with -fsanitize=fuzzer,address,undefined: the libFuzzer/sanitizer runtime is missing (Debian: apt-get install libclang-rt-14-dev)"
fi

# src/expr without expr_landscape.cpp, which needs other parts of the project.
sources=()
for f in "$root"/src/expr/*.cpp; do
  [[ $(basename "$f") == expr_landscape.cpp ]] || sources+=("$f")
done
sources+=("$root/tests/fuzz/fuzz_expr_parser.cpp")

echo "fuzz.sh: building $build/fuzz_expr_parser with $("$cxx" --version | head -n 1)"
start=$SECONDS
pids=()
objects=()
for f in "${sources[@]}"; do
  o=$build/obj/$(basename "${f%.cpp}").o
  objects+=("$o")
  "$cxx" "${flags[@]}" -c "$f" -o "$o" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[[ $status == 0 ]] || { echo "fuzz.sh: compilation failed" >&2; exit 1; }
"$cxx" "${flags[@]}" "${objects[@]}" -o "$build/fuzz_expr_parser"
echo "fuzz.sh: built in $((SECONDS - start)) s"

cp "$root"/tests/fuzz/corpus/* "$build/corpus/"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "fuzz.sh: fuzzing for $seconds s; corpus $build/corpus, findings in $build/artifacts"
set +e
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
"$build/fuzz_expr_parser" "$build/corpus" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/" ${FUZZ_ARGS:-} 2>&1 | tee "$build/fuzz.log"
rc=${PIPESTATUS[0]}
set -e
if [[ $rc != 0 ]]; then
  echo "fuzz.sh: FINDING (exit $rc): see $build/fuzz.log; reproduce with" >&2
  echo "  $build/fuzz_expr_parser $build/artifacts/<file>" >&2
  exit 1
fi
echo "fuzz.sh: no findings in $seconds s"
