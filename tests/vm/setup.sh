#!/bin/sh
# setup.sh - make the VM tests runnable: install qemu, busybox-static, cpio,
# kmod (depmod) and jq when missing, and cache Debian's cloud kernel with its
# modules.
#
# Idempotent.  The kernel is the one linux-image-cloud-amd64 depends on in the
# local apt lists (resolved without network); it is downloaded only when that
# release is not cached yet.  If the download fails and an older release is
# cached, that one is used with a warning, so later runs work offline.
#
#   TRACELOGD_VM_CACHE        cache directory (/var/cache/tracelogd-vm)
#   TRACELOGD_VM_KERNEL_PKG   pin a package, e.g. linux-image-6.1.0-50-cloud-amd64
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$here/lib.sh"

is_root() { [ "$(id -u)" = 0 ]; }

# --- host packages --------------------------------------------------------
missing=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
command -v depmod >/dev/null 2>&1 || missing="$missing kmod"
command -v jq >/dev/null 2>&1 || missing="$missing jq" # checks the log in the VM
# a dynamic busybox cannot run in the initramfs without its libraries: want
# busybox-static (it replaces the busybox package, same /bin/busybox path)
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	missing="$missing busybox-static"
fi
if [ -n "$missing" ]; then
	is_root || vm_die "missing Debian packages:$missing (run as root, or apt-get install them)"
	echo "vm setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
		vm_die "apt-get install$missing failed"
fi

# --- kernel ---------------------------------------------------------------
cached=""
[ -r "$VM_CACHE/current" ] && cached=$(cat "$VM_CACHE/current")

pkg=${TRACELOGD_VM_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' | head -n 1) || pkg=""
fi
if [ -z "$pkg" ]; then
	[ -n "$cached" ] || vm_die "cannot resolve linux-image-cloud-amd64 (run apt-get update) and no kernel is cached"
	echo "vm setup: warning: cannot resolve linux-image-cloud-amd64; using cached $cached" >&2
	kver=$cached
else
	kver=${pkg#linux-image-}
fi

if [ -r "$VM_CACHE/$kver/vmlinuz" ] && [ -d "$VM_CACHE/$kver/lib/modules/$kver" ]; then
	echo "$kver" >"$VM_CACHE/current.tmp" && mv "$VM_CACHE/current.tmp" "$VM_CACHE/current"
	echo "vm setup: kernel $kver (cached in $VM_CACHE/$kver)"
	exit 0
fi

is_root || vm_die "kernel $kver is not cached in $VM_CACHE: run this as root once"
mkdir -p "$VM_CACHE"
tmp=$(mktemp -d "$VM_CACHE/.setup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# apt-get download fetches as user _apt: let it write the directory
chmod 0755 "$tmp"
chown _apt "$tmp" 2>/dev/null || true
echo "vm setup: downloading $pkg"
if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null); then
	if [ -n "$cached" ] && [ -r "$VM_CACHE/$cached/vmlinuz" ]; then
		echo "vm setup: warning: apt-get download $pkg failed; using cached $cached" >&2
		exit 0
	fi
	vm_die "apt-get download $pkg failed"
fi
deb=$(ls "$tmp"/*.deb)
dpkg-deb -x "$deb" "$tmp/x"
[ -r "$tmp/x/boot/vmlinuz-$kver" ] || vm_die "$deb has no boot/vmlinuz-$kver"
mkdir -p "$tmp/k/lib/modules"
mv "$tmp/x/boot/vmlinuz-$kver" "$tmp/k/vmlinuz"
mv "$tmp/x/boot/config-$kver" "$tmp/k/config"
# Debian ships modules without modules.dep (made by depmod at install time)
for d in "$tmp/x/lib/modules/$kver" "$tmp/x/usr/lib/modules/$kver"; do
	[ -d "$d" ] && mv "$d" "$tmp/k/lib/modules/$kver" && break
done
[ -d "$tmp/k/lib/modules/$kver" ] || vm_die "$deb has no lib/modules/$kver"
depmod -b "$tmp/k" "$kver"
dpkg-deb -f "$deb" Package Version >"$tmp/k/package"
rm -rf "$VM_CACHE/${kver:?}"
mv "$tmp/k" "$VM_CACHE/$kver"
echo "$kver" >"$VM_CACHE/current.tmp" && mv "$VM_CACHE/current.tmp" "$VM_CACHE/current"
echo "vm setup: kernel $kver cached in $VM_CACHE/$kver"
# keep one release (about 100 MB each)
for d in "$VM_CACHE"/*-cloud-amd64; do
	[ "$d" = "$VM_CACHE/$kver" ] || [ ! -d "$d" ] || rm -rf "$d"
done
