#!/bin/sh
# test_kprobe_smoke.sh - runs inside the VM (tests/vm/run.sh), without
# tracelogd: proves the harness and that the stock kernel's kprobes and
# kretprobes work, fetch arguments included, on a loopback TCP connection.
#
#   p:smoke/conn tcp_v4_connect   the sockaddr_in the client passes (%si)
#   r:smoke/acc  inet_csk_accept  the accepted struct sock ($retval): the
#                                 struct sock_common offsets tracelogd's
#                                 kretprobe test relies on, checked against
#                                 the connections in /proc/net/tcp
#   p:smoke/open do_sys_openat2   a user-space string argument (ustring)
# Exactly N connections (opens) must give exactly N events of each probe.
T=/sys/kernel/tracing
N=3
PORT=8080
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

echo "uname -r: $(uname -r)"
for f in kprobe_events uprobe_events dynamic_events; do
	if [ -e "$T/$f" ]; then
		echo "$T/$f: exists"
	else
		echo "$T/$f: missing"
	fi
done
if [ ! -w "$T/kprobe_events" ]; then
	fail "no $T/kprobe_events"
	exit 1
fi

# network order port 8080 (0x1f90) read as a little-endian u16
port_le=$(((PORT >> 8) | ((PORT & 255) << 8)))
# 127.0.0.1 (network order) read as a little-endian u32
lo32=0x100007f

# struct sockaddr_in: family at +0, port (be16) at +2, address at +4
echo 'p:smoke/conn tcp_v4_connect family=+0(%si):u16 port=+2(%si):u16 addr=+4(%si):x32' >>"$T/kprobe_events" ||
	fail "cannot create p:smoke/conn: $(tail -n 2 "$T/error_log")"
# struct sock_common: skc_daddr +0, skc_rcv_saddr +4, skc_dport (be16) +12,
# skc_num (host order) +14
# shellcheck disable=SC2016 # $retval is the kernel's
echo 'r:smoke/acc inet_csk_accept ret=$retval daddr=+0($retval):x32 saddr=+4($retval):x32 dport=+12($retval):u16 sport=+14($retval):u16' >>"$T/kprobe_events" ||
	fail "cannot create r:smoke/acc: $(tail -n 2 "$T/error_log")"
echo 'p:smoke/open do_sys_openat2 dfd=%di:s32 path=+0(%si):ustring' >>"$T/kprobe_events" ||
	fail "cannot create p:smoke/open: $(tail -n 2 "$T/error_log")"
echo "kprobe_events:"
sed 's/^/  /' "$T/kprobe_events"

echo "smoke" >/tmp/smoke-open
# a kretprobe sees only calls entered after it was armed: enable before
# httpd blocks in accept()
echo 0 >"$T/tracing_on"
: >"$T/trace"
echo 1 >"$T/events/smoke/enable"
echo 1 >"$T/tracing_on"

mkdir -p /www
echo "hello from the VM" >/www/index.html
busybox httpd -f -p "127.0.0.1:$PORT" -h /www &
httpd=$!
# wait for the listening socket (state 0A) without connecting to it
i=0
while ! grep -q ": 0100007F:$(printf %04X "$PORT") 00000000:0000 0A" /proc/net/tcp; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		fail "httpd is not listening on 127.0.0.1:$PORT"
		break
	fi
	sleep 0.1
done

ok=0
i=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	body=$(busybox wget -q -O - "http://127.0.0.1:$PORT/")
	[ "$body" = "hello from the VM" ] && ok=$((ok + 1))
done
i=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	cat /tmp/smoke-open >/dev/null
done
echo 0 >"$T/events/smoke/enable"
# the peer (client) ports of the connections to PORT, in hex as in
# /proc/net/tcp (TIME_WAIT keeps them for a minute)
hexport=$(printf %04X "$PORT")
awk -v p="$hexport" 'NR > 1 {
	split($2, l, ":"); split($3, r, ":")
	if (l[2] == p && $4 != "0A") print r[2]; else if (r[2] == p) print l[2]
}' /proc/net/tcp | sort -u >/tmp/peers
echo "client ports in /proc/net/tcp: $(peers_dec)"
kill "$httpd"
wait "$httpd" 2>/dev/null
if [ "$ok" = "$N" ]; then
	pass "$N wget requests served by busybox httpd"
else
	fail "$ok of $N wget requests served"
fi

grep -E ' (conn|acc): |path="/tmp/smoke-open"' "$T/trace" >/tmp/events
echo "trace:"
sed 's/^/  /' /tmp/events

# kprobe: every connect passed AF_INET (2), 127.0.0.1 and the port
conn=$(grep -c ' conn: ' /tmp/events)
good=$(grep ' conn: ' /tmp/events |
	grep -c " family=2 port=$port_le addr=$lo32\$")
if [ "$conn" = "$N" ] && [ "$good" = "$N" ]; then
	pass "kprobe tcp_v4_connect: $N events, family=2 port=$port_le addr=$lo32"
else
	fail "kprobe tcp_v4_connect: $conn events ($good with family=2 port=$port_le addr=$lo32), want $N"
fi

# kretprobe: every accepted socket is 127.0.0.1:PORT <- 127.0.0.1:ephemeral
acc=$(grep -c ' acc: ' /tmp/events)
good=0
grep ' acc: ' /tmp/events | sed 's/.* daddr=\([^ ]*\) saddr=\([^ ]*\) dport=\([0-9]*\) sport=\([0-9]*\)$/\1 \2 \3 \4/' >/tmp/acc
while read -r daddr saddr dport sport; do
	peer=$(((dport >> 8) | ((dport & 255) << 8)))
	if [ "$daddr" = "$lo32" ] && [ "$saddr" = "$lo32" ] && [ "$sport" = "$PORT" ] &&
		grep -qx "$(printf %04X "$peer")" /tmp/peers; then
		good=$((good + 1))
		echo "  accepted 127.0.0.1:$sport <- 127.0.0.1:$peer"
	fi
done </tmp/acc
if [ "$acc" = "$N" ] && [ "$good" = "$N" ]; then
	pass "kretprobe inet_csk_accept: $N events, daddr=saddr=127.0.0.1 sport=$PORT"
else
	fail "kretprobe inet_csk_accept: $acc events ($good with 127.0.0.1:$PORT <- 127.0.0.1:peer in /proc/net/tcp), want $N"
fi

# kprobe with a user string: each cat opened the file once, relative to AT_FDCWD
opens=$(grep -c ' open: .* dfd=-100 path="/tmp/smoke-open"$' /tmp/events)
if [ "$opens" = "$N" ]; then
	pass "kprobe do_sys_openat2: $N events, dfd=-100 path=\"/tmp/smoke-open\""
else
	fail "kprobe do_sys_openat2: $opens events with dfd=-100 path=\"/tmp/smoke-open\", want $N"
fi

echo '-:smoke/conn' >>"$T/kprobe_events" || fail "cannot remove smoke/conn"
echo '-:smoke/acc' >>"$T/kprobe_events" || fail "cannot remove smoke/acc"
echo '-:smoke/open' >>"$T/kprobe_events" || fail "cannot remove smoke/open"
if grep -q smoke "$T/kprobe_events"; then
	fail "probes left in kprobe_events: $(cat "$T/kprobe_events")"
else
	pass "probes removed"
fi

echo "$fails failed"
[ "$fails" = 0 ]
