#!/bin/sh
# mkroot.sh [-b BINARY] [PACKAGE...] - make sure the cached Debian 12 root exists
# and holds systemd, the PACKAGEs and the Debian packages of the shared libraries
# BINARY loads; print its path.
#
# Idempotent: the first run debootstraps (about a minute, needs the mirror), later
# runs only check the cached root's dpkg database (instant, offline).  A root that
# misses a package is built again from scratch, never patched.  The cache
# (TRACELOGD_SYSTEMD_CACHE, default /var/cache/tracelogd-systemd) is never booted:
# run.sh boots an overlay of it.  TRACELOGD_SYSTEMD_MIRROR overrides the mirror
# (default: the one the host's apt uses).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

binary=
while getopts b: opt; do
	case $opt in
	b) binary=$OPTARG ;;
	*) echo "usage: $0 [-b BINARY] [PACKAGE...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

[ "$(id -u)" = 0 ] || sd_die "mkroot.sh needs root (debootstrap, chroot)"
sh "$here/../../tools/deps.sh" debootstrap systemd-container

want="$SD_BASE_PKGS $*"
if [ -n "$binary" ]; then
	[ -x "$binary" ] || sd_die "$binary: not an executable (run make first)"
	want="$want $(sd_binary_pkgs "$binary" | tr '\n' ' ')"
fi
# shellcheck disable=SC2086
want=$(printf '%s\n' $want | sort -u | tr '\n' ' ')

mkdir -p "$SD_CACHE"
exec 9>"$SD_CACHE/lock"
flock 9

if [ -e "$SD_CACHE/root.ok" ]; then
	# shellcheck disable=SC2086
	missing=$(sd_root_missing "$SD_ROOT" $want | tr '\n' ' ')
	if [ -z "$missing" ]; then
		echo "$SD_ROOT"
		exit 0
	fi
	sd_log "the cached root lacks: $missing- building it again"
fi

rm -f "$SD_CACHE/root.ok"
rm -rf "$SD_ROOT" "$SD_ROOT.new"
mirror=$(sd_mirror)
sd_log "debootstrap $SD_SUITE from $mirror into $SD_ROOT (about a minute)"
include=$(echo "$want" | sed 's/^ *//; s/ *$//; s/  */,/g')
if ! debootstrap --variant=minbase --include="$include" "$SD_SUITE" "$SD_ROOT.new" \
	"$mirror" >"$SD_CACHE/debootstrap.log" 2>&1; then
	tail -n 20 "$SD_CACHE/debootstrap.log" >&2
	sd_die "debootstrap failed (log: $SD_CACHE/debootstrap.log)"
fi

r=$SD_ROOT.new
echo tracelogd-test >"$r/etc/hostname"
# A machine id now, so the first boot of every copy is not a "first boot"
# (systemd-firstboot would prompt on the console).
tr -d '-' </proc/sys/kernel/random/uuid >"$r/etc/machine-id"
# Nothing reads the console; the tests drive the container with nsenter.
for u in systemd-firstboot.service console-getty.service getty@.service \
	apt-daily.timer apt-daily-upgrade.timer; do
	ln -sf /dev/null "$r/etc/systemd/system/$u"
done
rm -f "$r"/var/cache/apt/archives/*.deb
mv "$r" "$SD_ROOT"
touch "$SD_CACHE/root.ok"
sd_log "root ready: $SD_ROOT"
echo "$SD_ROOT"
