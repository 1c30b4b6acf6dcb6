#!/bin/sh
# run.sh [-m auto|full|simple|shim] [-b BUILD] - tracelogd under a real systemd.
#
# Installs tracelogd with `make install DESTDIR=... PREFIX=/usr/local` into a
# throw-away overlay of the cached Debian 12 root (mkroot.sh), boots it with
# systemd-nspawn, drives it with nsenter and prints one line per test:
# "PASS name", "FAIL name: reason" or "SKIP name: reason", then "N passed, N
# failed".  Exits 0 when nothing failed.  Lines starting with "#" are
# information.  On failure the console, the journal and the event log are kept
# in BUILD/systemd/.
#
# Modes (-m, or TRACELOGD_SYSTEMD_MODE):
#   full    the shipped unit as it is: Type=notify, tracelogd -c FILE with
#           tests/systemd/tracelogd-test.ini.  Every test runs.
#   simple  the current daemon, which reads no configuration and speaks no
#           sd_notify: a drop-in makes the unit Type=simple with a command line.
#           The notify, reload and watchdog tests say SKIP.
#   shim    as simple, with notify-shim.c speaking sd_notify for the daemon:
#           proves the notify, reload and watchdog tests themselves.
#   auto    full when `tracelogd -h` lists -c, else simple (the default).
#
# Every mode adds WatchdogSec=TRACELOGD_SYSTEMD_WATCHDOG (5 s; the unit ships
# 30 s) so the hang test takes seconds.  Needs root.
set -u
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
[ "$(id -u)" = 0 ] || sd_die "run.sh needs root (overlay mount, systemd-nspawn)"
bin=$top/$build/tracelogd
# the binary first: the mode depends on it, and the root gets the libraries it links
make -s -C "$top" BUILD="$build" "$build/tracelogd" || sd_die "make $build/tracelogd failed"
wd=${TRACELOGD_SYSTEMD_WATCHDOG:-5}

if [ "$mode" = auto ]; then
	if "$bin" -h 2>&1 | grep -qE -- '(^|[[:space:]])-c([, ]|$)'; then
		mode=full
	else
		mode=simple
		echo "# mode simple: $build/tracelogd -h lists no -c (no configuration file yet)"
	fi
fi
case $mode in
full | simple | shim) ;;
*) sd_die "unknown mode $mode (full, simple, shim or auto)" ;;
esac
echo "# mode $mode, watchdog ${wd}s"

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; }

run=
root=
mounted=
nspawn_pid=
leader=
group=tlsdsd_$$
machine=tracelogd-test-$$
log_in=/var/log/tracelogd/events.jsonl
unit=tracelogd.service
keep=$top/$build/systemd

# in_ct SECONDS COMMAND...: run COMMAND inside the container (all its namespaces),
# with a clean environment, killed after SECONDS.
in_ct() {
	_t=$1
	shift
	timeout "$_t" nsenter -t "$leader" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

prop() {
	in_ct 10 systemctl show -p "$1" --value "$unit"
}

cursor() {
	in_ct 10 journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p'
}

# journal_since CURSOR: the unit's messages after CURSOR
journal_since() {
	in_ct 10 journalctl -u "$unit" -o cat --no-pager --after-cursor="$1"
}

# notified CURSOR PID TAG...: whether PID sent each TAG (READY=1, ...) in this
# order after CURSOR, each in a later message than the one before
notified() {
	_c=$1
	_pid=$2
	shift 2
	journal_since "$_c" | awk -v pid="$_pid" -v tags="$*" '
		BEGIN { n = split(tags, tag, " "); k = 1 }
		k <= n && index($0, "notification message from PID " pid " (") && index($0, tag[k]) { k++ }
		END { exit k > n ? 0 : 1 }'
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds, at
# most SECONDS (journald writes asynchronously, the daemon flushes on a timer)
wait_for() {
	_n=$(($1 * 5))
	shift
	while ! "$@"; do
		[ $_n -gt 0 ] || return 1
		sleep 0.2
		_n=$((_n - 1))
	done
}

# journal_has CURSOR TEXT: whether the unit's messages after CURSOR contain TEXT
journal_has() {
	journal_since "$1" | grep -qF "$2"
}

# daemon_said: the last words of the daemon in the journal (or of systemd about it)
daemon_said() {
	_w=$(in_ct 10 journalctl -u "$unit" -o cat --no-pager SYSLOG_IDENTIFIER=tracelogd | tail -n 2)
	[ -n "$_w" ] || _w=$(in_ct 10 journalctl -u "$unit" -o cat --no-pager | tail -n 2)
	echo "$_w" | tr '\n' ' '
}

# group_probes: this run's dynamic events in tracefs, one per line
group_probes() {
	for _f in uprobe_events kprobe_events dynamic_events; do
		[ -r "/sys/kernel/tracing/$_f" ] && cat "/sys/kernel/tracing/$_f"
	done | grep -E "^[a-z]:$group/" | awk '{ print $1 }' | sort -u
}

save_logs() {
	mkdir -p "$keep"
	[ -n "$run" ] && cp "$run/console.log" "$keep/console.log" 2>/dev/null
	[ -n "$leader" ] && in_ct 20 journalctl -b --no-pager >"$keep/journal.txt" 2>&1
	[ -n "$root" ] && cp "$root$log_in" "$keep/events.jsonl" 2>/dev/null
	echo "# console, journal and event log kept in $keep"
}

# shutdown_ct: power the container off (by its pids), at worst kill it; 1 when
# it had to be killed
shutdown_ct() {
	[ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null || return 0
	[ -n "$leader" ] && in_ct 10 systemctl poweroff --no-block >/dev/null 2>&1
	_i=0
	while kill -0 "$nspawn_pid" 2>/dev/null && [ $_i -lt 60 ]; do
		sleep 0.5
		_i=$((_i + 1))
		# SIGTERM makes systemd-nspawn shut the container down cleanly
		[ $_i = 20 ] && kill -TERM "$nspawn_pid" 2>/dev/null
	done
	_rc=0
	if kill -0 "$nspawn_pid" 2>/dev/null; then
		sd_log "the container did not power off: killing it"
		[ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
		kill -KILL "$nspawn_pid" 2>/dev/null
		_rc=1
	fi
	wait "$nspawn_pid" 2>/dev/null
	nspawn_pid=
	return $_rc
}

cleanup() {
	_rc=$?
	trap - EXIT INT TERM
	shutdown_ct
	# probes of this run's group only, whatever happened (the stop test has
	# already said so if the daemon left any)
	if [ -d /sys/kernel/tracing ]; then
		for _p in $(group_probes); do
			sd_log "removing leftover probe ${_p#*:}"
			for _f in dynamic_events uprobe_events kprobe_events; do
				[ -w "/sys/kernel/tracing/$_f" ] &&
					echo "-:${_p#*:}" >>"/sys/kernel/tracing/$_f" 2>/dev/null && break
			done
		done
	fi
	if [ -n "$mounted" ]; then
		umount "$root" 2>/dev/null || umount -l "$root"
	fi
	[ -n "$run" ] && rm -rf "$run"
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_start=$(date +%s)
# finish: power off, keep the logs of a failed run, print the count and exit
finish() {
	[ "$failed" -gt 0 ] && save_logs
	shutdown_ct || fail poweroff "the container did not power off within 30 s and was killed"
	echo "# $(($(date +%s) - t_start)) s"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

# --- the root: an overlay of the cache, so the cache stays as debootstrap left it
cache_root=$(sh "$here/mkroot.sh" -b "$bin") || sd_die "mkroot.sh failed"
# shared while the overlay uses the cache: mkroot.sh rebuilds it under the
# exclusive lock only
exec 8>"$SD_CACHE/lock"
flock -s 8
[ -e "$SD_CACHE/root.ok" ] || sd_die "the cached root went away: run again"
run=$(mktemp -d /var/tmp/tracelogd-systemd.XXXXXX) || sd_die "mktemp failed"
root=$run/root
mkdir -p "$root" "$run/upper" "$run/work"
if mount -t overlay overlay \
	-o "lowerdir=$cache_root,upperdir=$run/upper,workdir=$run/work" "$root" 2>/dev/null; then
	mounted=1
else
	echo "# overlay mount failed: copying the root"
	cp -a --reflink=auto "$cache_root/." "$root/" || sd_die "copying $cache_root failed"
fi

# --- install
if ! make -s -C "$top" install DESTDIR="$root" PREFIX=/usr/local BUILD="$build" \
	>"$run/install.log" 2>&1; then
	fail install "make install DESTDIR=... failed: $(tail -n 3 "$run/install.log" | tr '\n' ' ')"
	finish
fi
if [ ! -x "$root/usr/local/sbin/tracelogd" ] || [ ! -f "$root/lib/systemd/system/$unit" ]; then
	fail install "make install did not install /usr/local/sbin/tracelogd and /lib/systemd/system/$unit"
	finish
fi
pass install

dropin=$root/etc/systemd/system/$unit.d
mkdir -p "$dropin"
cli="-e sched/sched_process_exec -e sched/sched_process_exit -p uprobe:bash_main:/bin/bash:main --group $group -o $log_in"
case $mode in
full)
	sed "s/@GROUP@/$group/" "$here/tracelogd-test.ini" >"$run/test.ini"
	install -D -m 0644 "$run/test.ini" "$root/etc/tracelogd/tracelogd.ini"
	printf '[Service]\nWatchdogSec=%ss\n' "$wd" >"$dropin/50-test.conf"
	;;
simple)
	cat >"$dropin/50-test.conf" <<-EOF
		# the daemon reads no configuration and speaks no sd_notify yet
		[Service]
		Type=simple
		WatchdogSec=0
		ExecStart=
		ExecStart=/usr/local/sbin/tracelogd $cli
	EOF
	;;
shim)
	if ! ${CC:-cc} -O2 -std=gnu11 -Wall -o "$run/notify-shim" "$here/notify-shim.c" 2>"$run/cc.log"; then
		fail install "notify-shim.c does not build: $(head -n 3 "$run/cc.log" | tr '\n' ' ')"
		finish
	fi
	install -D -m 0755 "$run/notify-shim" "$root/usr/local/libexec/tracelogd-test/notify-shim"
	cat >"$dropin/50-test.conf" <<-EOF
		# notify-shim speaks sd_notify for the daemon
		[Service]
		WatchdogSec=${wd}s
		ExecStart=
		ExecStart=/usr/local/libexec/tracelogd-test/notify-shim $log_in /usr/local/sbin/tracelogd $cli
	EOF
	;;
esac
# started at boot, as an installed and enabled service is
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf "/lib/systemd/system/$unit" "$root/etc/systemd/system/multi-user.target.wants/$unit"
marker=/usr/local/bin/tlsdmark$$
cp "$root/usr/bin/true" "$root$marker"

# --- the unit's exposure (the shipped file, without the test drop-in)
score=$(systemd-analyze security --offline=true --no-pager "$root/lib/systemd/system/$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
	fail security-score "systemd-analyze security --offline=true gave no score"
elif awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	echo "# systemd-analyze security --offline=true: $score"
	pass security-score
else
	fail security-score "exposure $score > 2.0"
fi

# --- boot
systemd-nspawn -D "$root" -M "$machine" -b --keep-unit --register=no --console=read-only \
	--bind=/sys/kernel/tracing --capability=CAP_PERFMON,CAP_SYS_ADMIN \
	--system-call-filter=perf_event_open </dev/null >"$run/console.log" 2>&1 &
nspawn_pid=$!
t0=$(date +%s)
i=0
while [ -z "$leader" ] && [ $i -lt 300 ] && kill -0 "$nspawn_pid" 2>/dev/null; do
	leader=$(pgrep -P "$nspawn_pid" -x systemd | head -n 1)
	[ -n "$leader" ] || sleep 0.1
	i=$((i + 1))
done
state=
if [ -n "$leader" ]; then
	i=0
	while [ $i -lt 120 ]; do
		state=$(in_ct 130 systemctl is-system-running --wait 2>/dev/null)
		case $state in running | degraded | maintenance | stopping | offline) break ;; esac
		sleep 1
		i=$((i + 1))
	done
fi
case $state in
running) echo "# booted in $(($(date +%s) - t0)) s"; pass boot ;;
degraded)
	fail boot "degraded: $(in_ct 10 systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | tr '\n' ' ')"
	;;
*)
	fail boot "the container did not boot (state '${state:-none}'): $(tail -n 5 "$run/console.log" | tr '\n' ' ')"
	finish
	;;
esac
# systemd logs sd_notify messages at debug level only
in_ct 10 systemctl log-level debug

if in_ct 20 systemd-analyze verify --man=no "$unit" >"$run/verify.log" 2>&1; then
	pass unit-verify
else
	fail unit-verify "$(grep -v '^$' "$run/verify.log" | head -n 3 | tr '\n' ' ')"
fi

# --- started at boot and READY
active=$(prop ActiveState)
sub=$(prop SubState)
main=$(prop MainPID)
status_text=$(prop StatusText)
if [ "$active/$sub" != active/running ]; then
	fail ready "$unit is $active/$sub after boot: $(daemon_said)"
elif [ "$(prop NRestarts)" != 0 ]; then
	fail ready "$unit was restarted $(prop NRestarts) times during boot"
elif [ "$mode" != simple ] && [ -z "$status_text" ]; then
	fail ready "active, but no STATUS= text"
else
	[ -n "$status_text" ] && echo "# StatusText=$status_text"
	pass ready
fi

# --- the sandbox is in force on the running daemon
st=$(in_ct 10 cat "/proc/$main/status" 2>/dev/null)
capeff=$(echo "$st" | awk '/^CapEff:/ { print $2 }')
mi=$(in_ct 10 cat "/proc/$main/mountinfo" 2>/dev/null)
root_opts=$(echo "$mi" | awk '$5 == "/" { print $6 }' | tail -n 1)
tr_opts=$(echo "$mi" | awk '$5 == "/sys/kernel/tracing" { print $6 }' | tail -n 1)
if [ -z "$st" ] || [ "$main" = 0 ]; then
	fail sandbox "no main process to look at"
elif [ "$(echo "$st" | awk '/^NoNewPrivs:/ { print $2 }')" != 1 ]; then
	fail sandbox "NoNewPrivs is not set"
elif [ "$(echo "$st" | awk '/^Seccomp:/ { print $2 }')" != 2 ]; then
	fail sandbox "no seccomp filter"
elif [ $(((0x$capeff >> 21) & 1)) = 1 ]; then
	fail sandbox "the daemon has CAP_SYS_ADMIN (CapEff $capeff)"
elif [ $(((0x$capeff >> 38) & 1)) != 1 ]; then
	fail sandbox "the daemon lacks CAP_PERFMON (CapEff $capeff)"
elif [ "${root_opts%%,*}" != ro ]; then
	fail sandbox "/ is not read-only for the daemon ($root_opts)"
elif [ "${tr_opts%%,*}" != rw ]; then
	fail sandbox "/sys/kernel/tracing is not writable for the daemon (${tr_opts:-not mounted})"
else
	pass sandbox
fi

# --- events reach the log
n=5
i=0
while [ $i -lt 100 ] && ! grep -q '"state":"started"' "$root$log_in" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
j=0
while [ $j -lt $n ]; do
	in_ct 10 "$marker"
	j=$((j + 1))
done
count_marker() {
	jq -R --arg f "$marker" \
		'fromjson? | select(.type == "event" and .event == "sched/sched_process_exec" and .fields.filename == $f) | 1' \
		"$root$log_in" 2>/dev/null | grep -c .
}
i=0
got=0
while [ $i -lt 50 ]; do
	got=$(count_marker)
	[ "$got" -ge $n ] && break
	sleep 0.2
	i=$((i + 1))
done
sleep 0.5
got=$(count_marker)
fmode=$(stat -c %a "$root$log_in" 2>/dev/null)
dmode=$(stat -c %a "$root/var/log/tracelogd" 2>/dev/null)
if [ ! -f "$root$log_in" ]; then
	fail log-events "no $log_in"
elif [ "$got" != $n ]; then
	fail log-events "$got exec events of $marker in $log_in, expected $n"
elif [ "$fmode" != 640 ] || [ "$dmode" != 750 ]; then
	fail log-events "modes: $log_in $fmode (want 640), its directory $dmode (want 750)"
else
	pass log-events
fi

# --- the clock: perf's, its offset measured from the daemon's own thread,
# which the sandbox allows (else the daemon falls back to CLOCK_MONOTONIC)
clk=$(jq -r 'select(.type == "daemon" and .state == "started") | "\(.clock) \(.clock_error_ns)"' \
	"$root$log_in" 2>/dev/null | tail -n 1)
case $clk in
"perf "[0-9]*) pass "clock ($clk ns)" ;;
*) fail clock "the started line says clock \"${clk:-nothing}\", expected perf with clock_error_ns" ;;
esac

# --- reload: RELOADING=1 then READY=1, same process; in full mode the new config applies
if [ "$mode" = simple ]; then
	skip reload "simple mode: the daemon does not reload or speak sd_notify yet"
else
	c=$(cursor)
	main=$(prop MainPID)
	why=
	if [ "$mode" = full ]; then
		printf '\n[uprobe bash_loop]\nbinary = /bin/bash\nfunction = reader_loop\n' >>"$run/test.ini"
		install -m 0644 "$run/test.ini" "$root/etc/tracelogd/tracelogd.ini"
	fi
	if ! in_ct 30 systemctl reload "$unit" >"$run/reload.log" 2>&1; then
		why="systemctl reload failed: $(tr '\n' ' ' <"$run/reload.log")"
	else
		wait_for 10 notified "$c" "$main" RELOADING=1 READY=1 ||
			why="no RELOADING=1 then READY=1 from PID $main in the journal"
	fi
	if [ -z "$why" ] && [ "$(prop ActiveState)/$(prop SubState)" != active/running ]; then
		why="$unit is $(prop ActiveState)/$(prop SubState) after the reload"
	fi
	if [ -z "$why" ] && [ "$(prop MainPID)" != "$main" ]; then
		why="the main process changed ($main -> $(prop MainPID)): a restart, not a reload"
	fi
	if [ -z "$why" ] && [ "$mode" = full ]; then
		i=0
		while [ $i -lt 50 ] && ! group_probes | grep -q "/bash_loop\$"; do
			sleep 0.2
			i=$((i + 1))
		done
		group_probes | grep -q "/bash_loop\$" ||
			why="the probe the reloaded configuration adds ($group/bash_loop) is not in tracefs"
	fi
	if [ -n "$why" ]; then
		fail reload "$why"
	else
		[ "$mode" = shim ] && echo "# reload: the shim does not re-read a configuration"
		pass reload
	fi
fi

# --- the watchdog restarts a hung daemon
if [ "$mode" = simple ]; then
	skip watchdog "simple mode: the daemon sends no WATCHDOG=1 yet (the test drop-in sets WatchdogSec=0)"
else
	c=$(cursor)
	main=$(prop MainPID)
	nr=$(prop NRestarts)
	i=0
	limit=$(((wd + 30) * 5))
	why="not restarted within $((wd + 30)) s of SIGSTOP"
	case $main in
	'' | 0 | 1 | *[!0-9]*)
		# never "kill -STOP 0": that would stop the harness itself
		why="the daemon is not running (MainPID '$main')"
		limit=0
		;;
	*) in_ct 10 sh -c "kill -STOP $main" ;;
	esac
	while [ $i -lt $limit ]; do
		if [ "$(prop NRestarts)" -gt "$nr" ] 2>/dev/null && [ "$(prop MainPID)" != "$main" ] &&
			[ "$(prop MainPID)" != 0 ] && [ "$(prop SubState)" = running ]; then
			why=
			break
		fi
		sleep 0.2
		i=$((i + 1))
	done
	if [ -z "$why" ] && ! wait_for 5 journal_has "$c" "result 'watchdog'"; then
		why="restarted, but not by the watchdog (no \"Failed with result 'watchdog'\" in the journal)"
	fi
	if [ -n "$why" ]; then
		fail watchdog "$why"
	else
		echo "# watchdog: PID $main hung, PID $(prop MainPID) runs after $((i / 5)) s"
		pass watchdog
	fi
fi

# --- stop: exit 0, a last "stopped" line, no probe left in tracefs
before=$(group_probes | tr '\n' ' ')
c=$(cursor)
main=$(prop MainPID)
why=
if [ -z "$before" ]; then
	why="no probe of group $group in tracefs before the stop: nothing to check"
elif ! in_ct 100 systemctl stop "$unit" >"$run/stop.log" 2>&1; then
	why="systemctl stop failed: $(tr '\n' ' ' <"$run/stop.log")"
elif [ "$(prop Result)" != success ] || [ "$(prop ExecMainStatus)" != 0 ]; then
	why="Result=$(prop Result), exit status $(prop ExecMainStatus)"
elif [ -n "$(group_probes)" ]; then
	why="left in tracefs: $(group_probes | tr '\n' ' ')"
elif ! tail -n 1 "$root$log_in" | grep -q '"state":"stopped"'; then
	why="the log does not end with the stopped line"
elif [ "$mode" != simple ] && ! wait_for 5 notified "$c" "$main" STOPPING=1; then
	why="no STOPPING=1 from PID $main in the journal"
fi
if [ -n "$why" ]; then
	fail stop "$why"
else
	echo "# stop removed: $before"
	pass stop
fi

finish
