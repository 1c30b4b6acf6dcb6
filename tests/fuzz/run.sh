#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh - run each libFuzzer harness for a while, one after the other, and
# print what it did: executions, the coverage it reached, crashes.
#
#   sh tests/fuzz/run.sh FUZZ_DIR SECONDS HARNESS...
#
# FUZZ_DIR holds the harness binaries (make fuzz builds them there).  Each
# harness reads its seeds from tests/fuzz/corpus/NAME and writes what it
# finds new to FUZZ_DIR/corpus/NAME (the seeds in git stay as they are; copy
# interesting finds back by hand, after minimizing with -merge=1).  A crash
# is saved as FUZZ_DIR/artifacts/NAME-crash-... and fails the run.
# FUZZ_ARGS is passed to every harness (-jobs, -rss_limit_mb, ...).
set -u

dir=$1
secs=$2
shift 2
src=$(dirname "$0")
failed=""

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
# libtraceevent's own leaks (tests/sanitizer.supp); tracelogd's are reported
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$src/../sanitizer.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

summary=""
for name in "$@"; do
	bin=$dir/$name
	work=$dir/corpus/$name
	seeds=$src/corpus/$name
	log=$dir/$name.log
	mkdir -p "$work" "$dir/artifacts" "$seeds"
	dict=""
	[ -f "$src/$name.dict" ] && dict="-dict=$src/$name.dict"
	echo "== $name: $secs s (log: $log)"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
		-artifact_prefix="$dir/artifacts/$name-" $dict ${FUZZ_ARGS:-} \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 | sed 's/^#[0-9]*[[:space:]]*[A-Z]*[[:space:]]*//')
	corpus=$(find "$work" "$seeds" -type f | wc -l)
	if [ $rc -ne 0 ]; then
		failed="$failed $name"
		echo "   FAILED (exit $rc): the report is in $log; the input in $dir/artifacts/"
		grep -aE 'ERROR: |check failed|NOTE: |SUMMARY: |^artifact_prefix|Test unit written' "$log" | head -n 8 | sed 's/^/   /'
	fi
	line=$(printf '%-18s executions %-10s %s' "$name" "${execs:-?}" "${cov:-cov: ?}")
	echo "   $line (corpus files: $corpus)"
	summary="$summary$line
"
done

echo "== fuzzing summary ($secs s each)"
printf '%s' "$summary"
if [ -n "$failed" ]; then
	echo "FAILED:$failed"
	exit 1
fi
