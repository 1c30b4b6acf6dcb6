#!/bin/sh
# check-vm.sh [TRACELOGD] - the VM tests (make check-vm): set up, then boot
# one VM per tests/vm/test_*.sh, test_kprobe_smoke.sh first, one at a time.
#
# TRACELOGD (argument, or the environment variable) is the tracelogd binary
# to put in the VMs as /bin/tracelogd, with its libraries; jq goes in too.
# A test exiting 77 is skipped (its SKIP: line says why).  Console logs and
# outputs are kept in TRACELOGD_VM_LOGDIR (default: vm/ next to TRACELOGD,
# e.g. build/vm/).  The last line is "N passed, N failed"; the exit status is
# 1 if any test failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$here/lib.sh"

tracelogd=${1:-${TRACELOGD:-}}
sh "$here/setup.sh" || vm_die "setup failed"

set --
if [ -n "$tracelogd" ]; then
	[ -x "$tracelogd" ] || vm_die "$tracelogd: not an executable (build it first)"
	set -- "$tracelogd=/bin/tracelogd"
	logdir=${TRACELOGD_VM_LOGDIR:-$(dirname "$tracelogd")/vm}
else
	echo "vm: no tracelogd given: the tests that need it skip" >&2
	logdir=${TRACELOGD_VM_LOGDIR:-$VM_CACHE/logs}
fi
if jq=$(command -v jq); then
	set -- "$@" "$jq=/bin/jq"
fi
mkdir -p "$logdir"

passed=0 failed=0 skipped=0
# run_one TEST FILE...: boot one VM for TEST, count the result
run_one() {
	_t=$1
	shift
	_name=$(basename "$_t" .sh)
	echo "== vm $_name"
	TRACELOGD_VM_LOG="$logdir/$_name.console" sh "$here/run.sh" "$_t" "$@" \
		>"$logdir/$_name.out" 2>&1
	_rc=$?
	sed 's/^/   /' "$logdir/$_name.out"
	case $_rc in
	0)
		passed=$((passed + 1))
		echo "PASS: $_name"
		;;
	77)
		skipped=$((skipped + 1))
		echo "SKIP: $_name: $(sed -n 's/^SKIP: //p' "$logdir/$_name.out" | head -n 1)"
		;;
	*)
		failed=$((failed + 1))
		echo "FAIL: $_name (rc=$_rc; console log $logdir/$_name.console)"
		;;
	esac
}
run_one "$here/test_kprobe_smoke.sh" "$@"
for t in "$here"/test_*.sh; do
	[ "$t" = "$here/test_kprobe_smoke.sh" ] || run_one "$t" "$@"
done
[ "$skipped" = 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
