#!/bin/sh
# run.sh SCRIPT [FILE...] - boot the cached kernel under qemu (TCG) with an
# initramfs holding SCRIPT (as /test.sh) and FILEs (see mkinitramfs.sh), print
# what SCRIPT printed and exit with its status.
#
# Exit status: SCRIPT's own (77 means skipped, by convention), or 124 when the
# VM hit the time limit, 125 when the console has no end marker (kernel panic,
# init crash) or the harness failed.  The console log is kept at
# TRACELOGD_VM_LOG when set; otherwise its tail is printed on a failure.
#
#   TRACELOGD_VM_TIMEOUT   seconds before the VM is killed (300)
#   TRACELOGD_VM_SMP       virtual CPUs (1; each is a host thread under TCG)
#   TRACELOGD_VM_MEM       memory (512M)
#   TRACELOGD_VM_APPEND    extra kernel command line
#   TRACELOGD_VM_LOG       where to keep the console log
#   TRACELOGD_VM_CACHE     cache directory (see setup.sh)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$here/lib.sh"

[ $# -ge 1 ] || vm_die "usage: run.sh SCRIPT [FILE|SRC=DEST...]"
script=$1
shift
[ -r "$script" ] || vm_die "$script: no such file"
tmo=${TRACELOGD_VM_TIMEOUT:-300}
smp=${TRACELOGD_VM_SMP:-1}
mem=${TRACELOGD_VM_MEM:-512M}

[ -r "$VM_CACHE/current" ] || sh "$here/setup.sh"
kdir=$(vm_kernel_dir)
command -v qemu-system-x86_64 >/dev/null 2>&1 || vm_die "qemu-system-x86_64 missing: run tests/vm/setup.sh"

work=$(mktemp -d "$VM_CACHE/run.XXXXXX")
qpid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$qpid" ]; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log=${TRACELOGD_VM_LOG:-$work/console.log}
mkdir -p "$(dirname "$log")"
sh "$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" "$script=/test.sh" "$@"

# One qemu at a time on this machine: TCG keeps a host core busy per vCPU.
exec 9>"$VM_CACHE/qemu.lock"
if ! flock -n 9; then
	echo "vm: waiting for another VM test to finish ($VM_CACHE/qemu.lock)" >&2
	flock -w "$tmo" 9 || vm_die "another VM test held $VM_CACHE/qemu.lock for $tmo s"
fi

start=$(date +%s)
# stdin from /dev/null: -nographic would otherwise put a terminal in raw mode
timeout -k 5 "$tmo" qemu-system-x86_64 -accel tcg -cpu max -smp "$smp" -m "$mem" \
	-nographic -no-reboot -nic none \
	-kernel "$kdir/vmlinuz" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 oops=panic quiet ${TRACELOGD_VM_APPEND:-}" \
	</dev/null >"$log" 2>"$work/qemu.err" &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=""
exec 9>&-
secs=$(($(date +%s) - start))

# the serial console ends lines with \r\n
tr -d '\r' <"$log" >"$work/console.txt"
end=$(sed -n 's/^=== TEST END rc=\([0-9]*\) ===$/\1/p' "$work/console.txt" | tail -n 1)
if grep -qx '=== TEST BEGIN ===' "$work/console.txt"; then
	sed -n '/^=== TEST BEGIN ===$/,/^=== TEST END rc=[0-9]* ===$/p' "$work/console.txt" |
		sed -e '1d' -e '/^=== TEST END rc=[0-9]* ===$/d'
fi
sed -n '/^=== DMESG ===$/,/^=== DMESG END ===$/p' "$work/console.txt"

fail() {
	echo "vm: $1" >&2
	if [ -s "$work/qemu.err" ]; then
		echo "vm: qemu stderr:" >&2
		sed 's/^/vm:   /' "$work/qemu.err" >&2
	fi
	if ! grep -qx '=== TEST BEGIN ===' "$work/console.txt"; then
		echo "vm: last lines of the console:" >&2
		tail -n 40 "$work/console.txt" | sed 's/^/vm:   /' >&2
	fi
	[ -z "${TRACELOGD_VM_LOG:-}" ] || echo "vm: console log: $log" >&2
	exit "$2"
}
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	fail "VM timed out after $tmo s (TRACELOGD_VM_TIMEOUT)" 124
fi
[ -n "$end" ] || fail "no '=== TEST END rc=N ===' marker on the console: the VM died (qemu exit $qrc, ${secs} s)" 125
echo "vm: $(basename "$script"): rc=$end in ${secs} s (kernel $(basename "$kdir"))" >&2
exit "$end"
