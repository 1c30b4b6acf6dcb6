#!/bin/sh
# mkinitramfs.sh OUT.cpio.gz FILE... - build a test initramfs.
#
# Contents: /bin/busybox (busybox-static) with a symlink for every applet,
# each FILE, every shared library an ELF FILE links (ldd, with the dynamic
# loader), /etc/passwd, group and hosts, the kernel modules named in
# TRACELOGD_VM_MODULES (with their dependencies, from the cached kernel), and
# an /init that runs /test.sh between console markers and powers off.
#
# FILE is SRC (copied to /bin/<basename of SRC>) or SRC=DEST (an absolute
# path in the initramfs).  The test script is passed as SCRIPT=/test.sh.
#
# The /init prints, on the console (ttyS0):
#   === TEST BEGIN ===
#   ...the output of /test.sh (stdout and stderr)...
#   === TEST END rc=N ===
# then, when rc is neither 0 nor 77 (skipped), the kernel's messages of level
# err and worse, if any, between "=== DMESG ===" and "=== DMESG END ===", and
# powers the VM off.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$here/lib.sh"

[ $# -ge 1 ] || vm_die "usage: mkinitramfs.sh OUT.cpio.gz FILE|SRC=DEST..."
out=$1
shift
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
outdir=$(dirname "$out")
mkdir -p "$outdir"

busybox=/bin/busybox
[ -x "$busybox" ] || vm_die "$busybox missing: run tests/vm/setup.sh"
! ldd "$busybox" >/dev/null 2>&1 ||
	vm_die "$busybox is dynamically linked: install busybox-static (tests/vm/setup.sh)"
command -v cpio >/dev/null 2>&1 || vm_die "cpio missing: run tests/vm/setup.sh"

root=$(mktemp -d "$outdir/.initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
trap 'exit 130' INT TERM

# put SRC at DEST (absolute, in the initramfs), following symlinks
put() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
}

# the libraries an ELF file links, with the dynamic loader (none for a
# static binary or a script)
libs_of() {
	if ! _ldd=$(ldd "$1" 2>/dev/null); then
		return 0
	fi
	if echo "$_ldd" | grep -q 'not found'; then
		echo "$_ldd" | grep 'not found' >&2
		vm_die "$1: shared libraries not found"
	fi
	echo "$_ldd" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'
}

mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/root" "$root/run"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done

for f in "$@"; do
	case $f in
	*=/*) src=${f%%=*} dest=${f#*=} ;;
	*=*) vm_die "$f: DEST must be an absolute path" ;;
	*) src=$f dest=/bin/$(basename "$f") ;;
	esac
	[ -f "$src" ] || vm_die "$src: no such file"
	rm -f "$root$dest" # an applet symlink of the same name
	put "$src" "$dest"
	for l in $(libs_of "$src"); do
		[ -e "$root$l" ] || put "$l" "$l"
	done
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost
EOF

# kernel modules (none are needed for the serial console, tracefs and
# loopback TCP: the cloud kernel has them built in)
modules=${TRACELOGD_VM_MODULES:-}
if [ -n "$modules" ]; then
	kdir=$(vm_kernel_dir)
	kver=$(basename "$kdir")
	mdir=$kdir/lib/modules/$kver
	for m in $modules; do
		# modules.dep: "kernel/a/m.ko: kernel/b/dep.ko ..."; names use - or _
		line=$(awk -v m="$m" '{
			n = $1; sub(/:$/, "", n); sub(/.*\//, "", n); sub(/\.ko.*$/, "", n)
			gsub(/-/, "_", n); gsub(/-/, "_", m)
			if (n == m) { print; exit }
		}' "$mdir/modules.dep")
		[ -n "$line" ] || vm_die "module $m not found in $mdir/modules.dep"
		for ko in $(echo "$line" | tr -d :); do
			[ -e "$root/lib/modules/$kver/$ko" ] ||
				put "$mdir/$ko" "/lib/modules/$kver/$ko"
		done
	done
	for f in modules.dep modules.alias modules.builtin modules.order; do
		[ -e "$mdir/$f" ] && put "$mdir/$f" "/lib/modules/$kver/$f"
	done
fi
echo "$modules" >"$root/etc/modules"

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# /init of the tracelogd VM test initramfs (tests/vm/mkinitramfs.sh)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tracefs nodev /sys/kernel/tracing || echo "init: cannot mount tracefs"
mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
for m in $(cat /etc/modules); do
	modprobe "$m" || echo "init: modprobe $m failed"
done
ip link set lo up || echo "init: cannot bring up lo"
echo "init: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s"
echo "=== TEST BEGIN ==="
cd /root && sh /test.sh
rc=$?
echo "=== TEST END rc=$rc ==="
# kernel errors, if any, after a failure (77 is a skip)
d=$(dmesg -r | grep '^<[0-3]>')
if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "$d" ]; then
	echo "=== DMESG ==="
	echo "$d"
	echo "=== DMESG END ==="
fi
echo "init: powering off, up $(cut -d' ' -f1 /proc/uptime) s"
sync
poweroff -f
echo o >/proc/sysrq-trigger
sleep 10
EOF
chmod 0755 "$root/init"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
