#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time (ctest `fuzz_<name>`).
# Usage: run_target.sh BINARY SEEDS_DIR WORK_DIR SECONDS [LIBFUZZER_FLAG...]
# WORK_DIR gets corpus/ (the seeds plus what the fuzzer adds; kept between
# runs), artifacts/ (inputs that crashed, hung, leaked or ran out of memory)
# and fuzz.log. The source tree is never written.
# Exit code 0 when the run found nothing; 1 on a finding.
set -uo pipefail
binary=$1 seeds=$2 work=$3 seconds=$4
shift 4
name=$(basename "$binary")
mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
[[ -d $seeds ]] && cp "$seeds"/* "$work/corpus/" 2>/dev/null
# The targets write their scratch files under TMPDIR; one thread each.
export TMPDIR=$work/tmp OMP_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(dirname "${BASH_SOURCE[0]}")/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -timeout: an input that takes 20 s is a hang; -rss_limit_mb also bounds
# every single allocation (libFuzzer's malloc limit defaults to it).
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
"$binary" "$work/corpus" -max_total_time="$seconds" -max_len=4096 -timeout=20 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" ${FUZZ_ARGS:-} \
  >"$work/fuzz.log" 2>&1
rc=$?
if [[ $rc != 0 ]]; then
  tail -n 60 "$work/fuzz.log"
  echo "$name: FINDING (exit $rc): see $work/fuzz.log; reproduce with" >&2
  echo "  $binary $work/artifacts/<file>" >&2
  exit 1
fi
grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$work/fuzz.log"
echo "$name: no findings in $seconds s"
