#!/bin/sh
# test_tracelogd_kprobe.sh - runs inside the VM (tests/vm/run.sh) with
# /bin/tracelogd and /bin/jq: tracelogd traces a kprobe with fetch arguments,
# a kretprobe on inet_csk_accept and a tracepoint, and a loopback TCP
# connection made in the VM appears with the right addresses and ports.
#
#   conn    kprobe tcp_v4_connect: the sockaddr_in the client passes
#   accept  kretprobe inet_csk_accept: the accepted struct sock (offsets of
#           struct sock_common on x86_64: skc_daddr +0, skc_rcv_saddr +4,
#           skc_dport +12 (be16), skc_num +14; test_kprobe_smoke.sh checks
#           them against /proc/net/tcp on this kernel)
#   open    kprobe do_sys_openat2: a user-space string (ustring)
#   exec    tracepoint sched/sched_process_exec
# N connections, opens and execs must give exactly N events each.  The specs
# ask for render hints (render.daddr=ipv4, render.dport=port): when the log
# renders them, addresses must read "127.0.0.1" and network-order ports the
# port in host order; when it writes them raw (the hints not implemented yet),
# the u32 16777343 and the byte-swapped u16.  Either way, exact values.
# Exit 77 (skipped) when tracelogd has no -p (no kprobe support yet).
T=/sys/kernel/tracing
N=3
PORT=8080
LOG=/tmp/tracelogd.jsonl
OPENED=/tmp/vm-open-probe
fails=0
pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
# the client ports in /tmp/peers (hex, as in /proc/net/tcp), in decimal
peers_dec() {
	while read -r h; do printf '%d ' "0x$h"; done </tmp/peers
}
skip() {
	echo "SKIP: $*"
	exit 77
}
# the probes, in tracelogd's -p syntax (probes/probes.h):
# KIND:NAME:TARGET FIELD=FETCHARG:TYPE... render.FIELD=HINT...
CONN='kprobe:conn:tcp_v4_connect family=+0(%si):u16 port=+2(%si):u16 addr=+4(%si):u32'
CONN="$CONN render.port=port render.addr=ipv4"
# shellcheck disable=SC2016 # $retval is the kernel's
ACCEPT='kretprobe:accept:inet_csk_accept daddr=+0($retval):u32 saddr=+4($retval):u32'
# shellcheck disable=SC2016
ACCEPT="$ACCEPT"' dport=+12($retval):u16 sport=+14($retval):u16'
ACCEPT="$ACCEPT render.daddr=ipv4 render.saddr=ipv4 render.dport=port"
OPEN='kprobe:open:do_sys_openat2 dfd=%di:s32 path=+0(%si):ustring'

command -v tracelogd >/dev/null || skip "no tracelogd in the VM (give check-vm.sh its path)"
tracelogd -h 2>&1 | grep -Eq -- '(^|[[ ,|])-p([] ,=]|$)' ||
	skip "tracelogd lacks kprobe support (no -p in tracelogd -h)"
if ! command -v jq >/dev/null; then
	fail "no jq in the VM (install jq on the host)"
	exit 1
fi
[ -w "$T/kprobe_events" ] || { fail "no $T/kprobe_events"; exit 1; }
echo "tracelogd: $(tracelogd --version 2>&1)"
dyn_before=$(cat "$T/dynamic_events")

swap16() { echo $((($1 >> 8) | (($1 & 255) << 8))); }
# jq: events of one probe; an address as the log has it: a rendered
# "a.b.c.d" as is, a raw u32 (network order read little-endian) as "raw:a.b.c.d"
# shellcheck disable=SC2016 # $p is jq's
JQ_DEFS='def ip4: if type == "number" then "raw:" +
		([., ./256, ./65536, ./16777216 | floor % 256 | tostring] | join("."))
	else tostring end;
def of($p): select(.type == "event" and
	(.probe == $p or ((.event // "") | tostring | endswith("/" + $p))));'
# want_port PORT RENDERED: how the log must write network-order PORT
want_port() {
	if [ "$2" = yes ]; then echo "$1"; else swap16 "$1"; fi
}

echo vm >"$OPENED"
tracelogd -p "$CONN" -p "$ACCEPT" -p "$OPEN" -e sched/sched_process_exec \
	-o "$LOG" --duration 240 2>/tmp/tracelogd.err &
tpid=$!
# a kretprobe sees only calls entered after it was armed: wait for
# "started" (every event enabled) before httpd blocks in accept()
i=0
while ! grep -q '"state":"started"' "$LOG" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 600 ] || ! kill -0 "$tpid" 2>/dev/null; then
		fail "tracelogd did not start: $(cat /tmp/tracelogd.err)"
		kill "$tpid" 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
pass "tracelogd started ($(grep -c . "$LOG") lines so far)"
echo "dynamic_events while tracing:"
sed 's/^/  /' "$T/dynamic_events"

# the workload: N loopback HTTP requests, N opens, N execs
mkdir -p /www
echo "hello from the VM" >/www/index.html
busybox httpd -f -p "127.0.0.1:$PORT" -h /www &
httpd=$!
hexport=$(printf %04X "$PORT")
i=0
while ! grep -q ": 0100007F:$hexport 00000000:0000 0A" /proc/net/tcp; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { fail "httpd is not listening on 127.0.0.1:$PORT"; break; }
	sleep 0.1
done
ok=0
i=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	[ "$(busybox wget -q -O - "http://127.0.0.1:$PORT/")" = "hello from the VM" ] && ok=$((ok + 1))
	cat "$OPENED" >/dev/null
	tracelogd --version >/dev/null 2>&1
done
[ "$ok" = "$N" ] || fail "$ok of $N wget requests served"
# the client ports of the connections (TIME_WAIT keeps them for a minute)
awk -v p="$hexport" 'NR > 1 {
	split($2, l, ":"); split($3, r, ":")
	if (l[2] == p && $4 != "0A") print r[2]; else if (r[2] == p) print l[2]
}' /proc/net/tcp | sort -u >/tmp/peers

# stop tracelogd before httpd: killing httpd ends the accept() it is blocked
# in, and the kretprobe would report that return too (NULL, fields 0).
# SIGTERM: a background job of a non-interactive shell ignores SIGINT.
kill -TERM "$tpid"
wait "$tpid"
rc=$?
kill "$httpd"
wait "$httpd" 2>/dev/null
if [ "$rc" = 0 ]; then
	pass "tracelogd exited 0 on SIGTERM"
else
	fail "tracelogd exited $rc: $(cat /tmp/tracelogd.err)"
fi

echo "log (open events of other files left out):"
jq -c "$JQ_DEFS"' select(.type != "event" or .probe != "open" or .fields.path == "'"$OPENED"'")' "$LOG" |
	sed 's/^/  /'

# conn: every connect passed AF_INET, 127.0.0.1 and PORT
jq -r "$JQ_DEFS"' of("conn") | [.fields.family, (.fields.addr | ip4), .fields.port] | @tsv' "$LOG" >/tmp/conn
good=0
while read -r family addr port; do
	case $addr in raw:*) r=no ;; *) r=yes ;; esac
	if [ "$family" = 2 ] && [ "${addr#raw:}" = 127.0.0.1 ] &&
		[ "$port" = "$(want_port "$PORT" $r)" ]; then
		good=$((good + 1))
		echo "  connect to $addr port $port (rendered: $r)"
	fi
done </tmp/conn
if [ "$(wc -l </tmp/conn)" = "$N" ] && [ "$good" = "$N" ]; then
	pass "kprobe conn: $N events with family=2 addr=127.0.0.1 port=$PORT"
else
	fail "kprobe conn: $(wc -l </tmp/conn) events, $good with family=2 addr=127.0.0.1 port=$PORT; want $N"
fi

# accept: every accepted socket is 127.0.0.1:PORT <- 127.0.0.1:client port,
# in httpd
jq -r "$JQ_DEFS"' of("accept") | [.pid, (.fields.daddr | ip4), (.fields.saddr | ip4), .fields.dport, .fields.sport] | @tsv' "$LOG" >/tmp/accept
good=0
while read -r pid daddr saddr dport sport; do
	case $daddr in raw:*) r=no ;; *) r=yes ;; esac
	peer=$(want_port "$dport" $r) # an involution: back to host order
	if [ "$pid" = "$httpd" ] && [ "${daddr#raw:}" = 127.0.0.1 ] &&
		[ "$saddr" = "$daddr" ] && [ "$sport" = "$PORT" ] &&
		grep -qx "$(printf %04X "$peer")" /tmp/peers; then
		good=$((good + 1))
		echo "  accepted $daddr:$sport <- $saddr:$peer (dport $dport, rendered: $r)"
	fi
done </tmp/accept
if [ "$(wc -l </tmp/accept)" = "$N" ] && [ "$good" = "$N" ]; then
	pass "kretprobe accept: $N events, 127.0.0.1:$PORT <- 127.0.0.1:(client port), pid $httpd"
else
	fail "kretprobe accept: $(wc -l </tmp/accept) events, $good with daddr=saddr=127.0.0.1 sport=$PORT, dport a client port ($(peers_dec)) and pid $httpd; want $N"
fi

# open: a user-space string, and a signed int (AT_FDCWD)
n=$(jq -c "$JQ_DEFS"' of("open") | select(.fields.path == "'"$OPENED"'" and .fields.dfd == -100)' "$LOG" | wc -l)
if [ "$n" = "$N" ]; then
	pass "kprobe open: $N events with path=$OPENED dfd=-100"
else
	fail "kprobe open: $n events with path=$OPENED dfd=-100, want $N"
fi

# exec: the tracepoint, next to the probes
n=$(jq -c 'select(.type == "event" and .event == "sched/sched_process_exec" and .fields.filename == "/bin/tracelogd")' "$LOG" | wc -l)
if [ "$n" = "$N" ]; then
	pass "tracepoint sched_process_exec: $N events of /bin/tracelogd"
else
	fail "tracepoint sched_process_exec: $n events of /bin/tracelogd, want $N"
fi

# accounting: emitted = written + lost, nothing lost
acct=$(jq -r 'select(.type == "daemon" and .state == "stopped") |
	"\(.emitted) \(.written) \(.lost.total)"' "$LOG")
# shellcheck disable=SC2086 # split into the three numbers
set -- $acct
if [ $# = 3 ] && [ "$1" = $(($2 + $3)) ] && [ "$3" = 0 ]; then
	pass "accounting: emitted $1 = written $2, lost 0"
else
	fail "accounting: stopped line says emitted/written/lost = '${acct:-missing}'"
fi

if [ "$(cat "$T/dynamic_events")" = "$dyn_before" ]; then
	pass "dynamic_events as before the run"
else
	fail "dynamic_events left behind: $(cat "$T/dynamic_events")"
fi

echo "$fails failed"
[ "$fails" = 0 ]
