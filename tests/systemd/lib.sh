# shellcheck shell=sh
# lib.sh - shared by the tests/systemd scripts (sourced, not run).
#
# The cache (TRACELOGD_SYSTEMD_CACHE, default /var/cache/tracelogd-systemd):
#   <cache>/root        a debootstrap'ed Debian 12 with systemd, never booted and
#                       never written to by a test (tests run on an overlay of it)
#   <cache>/root.ok     written last by mkroot.sh: the root is complete
#   <cache>/lock        flock: exclusive while mkroot.sh checks or builds the
#                       root, shared while run.sh's overlay uses it

# shellcheck disable=SC2034 # used by the scripts that source this
SD_CACHE=${TRACELOGD_SYSTEMD_CACHE:-/var/cache/tracelogd-systemd}
SD_ROOT=$SD_CACHE/root
SD_SUITE=${TRACELOGD_SYSTEMD_SUITE:-bookworm}
# What every root holds; mkroot.sh adds the packages of the libraries the
# binary links (libinih1 is here already so that the cache need not be built
# again the day the daemon first links it).
SD_BASE_PKGS="systemd systemd-sysv dbus libinih1"

sd_die() {
	echo "systemd-tests: $*" >&2
	exit 1
}

sd_log() {
	echo "systemd-tests: $*" >&2
}

# sd_mirror: the Debian mirror the host's apt uses (deb822 or one-line sources),
# or TRACELOGD_SYSTEMD_MIRROR.
sd_mirror() {
	if [ -n "${TRACELOGD_SYSTEMD_MIRROR:-}" ]; then
		echo "$TRACELOGD_SYSTEMD_MIRROR"
		return
	fi
	_m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
	[ -n "$_m" ] || _m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\// && $i !~ /security/) { print $i; exit } }')
	echo "${_m:-http://deb.debian.org/debian}"
}

# sd_binary_pkgs BINARY: the Debian packages holding the shared libraries BINARY
# loads (from the host's dpkg database), one per line.
sd_binary_pkgs() {
	ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		while read -r _lib; do
			dpkg -S "$_lib" 2>/dev/null || dpkg -S "$(readlink -f "$_lib")" 2>/dev/null ||
				sd_log "warning: no Debian package owns $_lib"
		done | cut -d: -f1 | sort -u
}

# sd_root_missing ROOT PKG...: print the packages not installed in ROOT.
sd_root_missing() {
	_r=$1
	shift
	for _p in "$@"; do
		dpkg-query --admindir="$_r/var/lib/dpkg" -W -f='${Status}' "$_p" 2>/dev/null |
			grep -q "install ok installed" || echo "$_p"
	done
}
