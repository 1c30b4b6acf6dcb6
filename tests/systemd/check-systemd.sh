#!/bin/sh
# check-systemd.sh [-m auto|full|simple|shim] [-b BUILD] - `make check-systemd`.
#
# tracelogd under a real systemd: installs the host packages the harness needs,
# makes sure the cached Debian 12 root exists (mkroot.sh: about a minute the first
# time, then instant and offline), and runs run.sh, which installs tracelogd into
# an overlay of it, boots it with systemd-nspawn and runs the tests.  Prints
# PASS/FAIL/SKIP lines and "N passed, N failed"; exits nonzero on a failure.
# See tests/systemd/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

mode=${TRACELOGD_SYSTEMD_MODE:-auto}
build=build
while getopts m:b: opt; do
	case $opt in
	m) mode=$OPTARG ;;
	b) build=$OPTARG ;;
	*) echo "usage: $0 [-m auto|full|simple|shim] [-b BUILD]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || sd_die "the systemd tests need root (debootstrap, overlay mounts, systemd-nspawn)"
if [ ! -r /sys/kernel/tracing/uprobe_events ]; then
	sd_die "no /sys/kernel/tracing/uprobe_events: tracefs is not mounted there, or the kernel has no uprobes (the tests put one in the group they check)"
fi
# debootstrap and systemd-nspawn; nsenter (util-linux), pgrep (procps), jq, cc
sh "$top/tools/deps.sh" debootstrap systemd-container util-linux procps jq gcc

exec sh "$here/run.sh" -m "$mode" -b "$build"
