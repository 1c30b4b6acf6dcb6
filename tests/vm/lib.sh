# shellcheck shell=sh
# lib.sh - shared by the tests/vm scripts (sourced, not run).
#
# The cache (TRACELOGD_VM_CACHE, default /var/cache/tracelogd-vm) holds one
# directory per kernel release, filled by setup.sh:
#   <cache>/<kver>/vmlinuz, config, package, lib/modules/<kver>/...
#   <cache>/current     the release the tests boot (one line)
#   <cache>/qemu.lock   held while a VM runs: one qemu at a time per machine

VM_CACHE=${TRACELOGD_VM_CACHE:-/var/cache/tracelogd-vm}

vm_die() {
	echo "vm: $*" >&2
	exit 1
}

# vm_kernel_dir: print the cached kernel's directory, or fail with a hint.
vm_kernel_dir() {
	[ -r "$VM_CACHE/current" ] ||
		vm_die "no kernel cached in $VM_CACHE: run tests/vm/setup.sh (as root)"
	_kver=$(cat "$VM_CACHE/current")
	[ -r "$VM_CACHE/$_kver/vmlinuz" ] ||
		vm_die "$VM_CACHE/$_kver/vmlinuz is missing: run tests/vm/setup.sh again"
	echo "$VM_CACHE/$_kver"
}
