#!/bin/bash
# bench/run.sh - tracelogd against perf on the same event storm, same run.
#
# usage: bench/run.sh [-n CALLS] [-r RUNS] [-e EXECS] [-p RING_PAGES] [-b BUILD]
#                     [-l SECONDS] [-u UPROBE_CALLS]
#
# A generator pinned to CPU 0 makes CALLS getppid(2) calls; each consumer is
# pinned to CPU 1:
#   baseline      no tracing
#   tracelogd     JSON lines to a file (shipped default ring and queue sizes),
#                 then the same with --clock monotonic
#   perf record   perf record -e syscalls:sys_enter_getppid -a -m RING_PAGES
#   perf script   perf record, then perf script over its perf.data (CPU summed)
#   floors        sample_cost -v: the same calls with only the tracepoint
#                 counted (no sample), then with tracelogd's sample and with
#                 perf record's, each drained by a thread that only moves the
#                 ring's tail: the kernel's share of each tool's overhead
# Then an exec storm (EXECS fork+exec of /bin/true) and a uprobe storm
# (UPROBE_CALLS calls of a probed function) under tracelogd and perf record,
# and tracelogd's start-up time with every syscalls/* tracepoint.
# Prints one markdown table: medians of RUNS runs with the min-max spread.
# Needs root.  Timings are never asserted anywhere: this is a benchmark.
set -u

CALLS=5000000
RUNS=3
EXECS=2000
PAGES=256
BUILD=build
LONG=0
UCALLS=100000
while getopts "n:r:e:p:b:l:u:" o; do
	case $o in
	n) CALLS=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	e) EXECS=$OPTARG ;;
	p) PAGES=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	l) LONG=$OPTARG ;;
	u) UCALLS=$OPTARG ;;
	*) echo "usage: $0 [-n CALLS] [-r RUNS] [-e EXECS] [-p RING_PAGES] [-b BUILD]" >&2; exit 2 ;;
	esac
done

TLD=$BUILD/tracelogd
GEN=$BUILD/bench/gen_getppid
GEXEC=$BUILD/bench/gen_exec
GUP=$(realpath "$BUILD/bench/gen_uprobe")
COST=$BUILD/bench/sample_cost
for f in "$TLD" "$GEN" "$GEXEC" "$GUP" "$COST"; do
	[ -x "$f" ] || { echo "bench: $f missing: run 'make bench'" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 2; }
command -v perf >/dev/null || { echo "bench: perf missing (Debian package linux-perf)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/tracelogd-bench.XXXXXX)
CHILD=""
cleanup() {
	[ -n "$CHILD" ] && kill -KILL "$CHILD" 2>/dev/null
	perf probe -q -d 'probe_gen_uprobe:*' 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# results: one line per measurement: "consumer metric value"
RES=$TMP/results
: >"$RES"
put() { echo "$1 $2 $3" >>"$RES"; }
# last CONSUMER METRIC: the value this run put
last() { awk -v c="$1" -v m="$2" '$1 == c && $2 == m { v = $3 } END { print v }' "$RES"; }

# wait_for FILE PATTERN SECONDS
wait_for() {
	local i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		sleep 0.01
		i=$((i + 1))
		[ $i -gt $(($3 * 100)) ] && return 1
	done
	return 0
}

# time_start OUT CMD...: run CMD under GNU time on CPU 1, in the background
time_start() {
	local out=$1
	shift
	taskset -c 1 /usr/bin/time -f "%U %S %M" -o "$out" "$@" &
	CHILD=$!
}

# the pid of the command GNU time runs
child_of() { pgrep -P "$1" | head -n 1; }

# GNU time's last line (a command ended by a signal adds a line before it)
time_cpu() { tail -n 1 "$1" | awk '{ printf "%.3f", $1 + $2 }'; }
time_rss() { tail -n 1 "$1" | awk '{ print $3 }'; }

gen() { taskset -c 0 "$GEN" "$CALLS"; }

# tld_getppid NAME [OPTION...]: tracelogd writing JSON lines to a file
tld_getppid() {
	local name=$1 out ns pid cpu ev lost rss all rss_live
	shift

	rm -f "$TMP/t.jsonl"
	time_start "$TMP/t.time" "$TLD" "$@" -e syscalls/sys_enter_getppid -o "$TMP/t.jsonl"
	wait_for "$TMP/t.jsonl" '"state":"started"' 30 || { echo "bench: tracelogd did not start" >&2; exit 1; }
	out=$(gen)
	ns=$(echo "$out" | awk '{ print $5 }')
	pid=$(echo "$out" | awk '{ print $7 }')
	rss_live=$(awk '/VmRSS/ { print $2 }' "/proc/$(child_of $CHILD)/status" 2>/dev/null)
	kill -INT "$(child_of $CHILD)"
	wait "$CHILD"
	CHILD=""
	cpu=$(time_cpu "$TMP/t.time")
	rss=$(time_rss "$TMP/t.time")
	ev=$(grep -c "\"tid\":$pid," "$TMP/t.jsonl")
	lost=$(tail -n 1 "$TMP/t.jsonl" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
	all=$(tail -n 1 "$TMP/t.jsonl" | sed -n 's/.*"written":\([0-9]*\).*/\1/p')
	put "$name" ns "$ns"
	put "$name" events "$ev"
	put "$name" lost "$lost"
	put "$name" cpu_s_per_M "$(echo "$cpu $all" | awk '{ printf "%.3f", $1 / ($2 / 1e6) }')"
	put "$name" rss_kb "$rss"
	put "$name" rss_live_kb "${rss_live:-0}"
	put "$name" bytes_per_event "$(stat -c %s "$TMP/t.jsonl" | awk -v n="$all" '{ printf "%.0f", $1 / n }')"
	rm -f "$TMP/t.jsonl"
}

# floor KEY: sample_cost's variant KEY on the same number of calls
floor() { put "floor_$1" ns "$("$COST" -v "$1" "$CALLS" | awk '{ print $5 }')"; }

run_getppid() {
	local r=$1 out ns pid cpu ev lost rss

	# baseline
	out=$(gen)
	put baseline ns "$(echo "$out" | awk '{ print $5 }')"

	# the floors: the kernel's cost of each sample with no consumer work,
	# each measured next to its tool
	floor counted
	floor tracelogd

	# tracelogd: JSON lines to a file; the default clock, then the kernel's
	# CLOCK_MONOTONIC (--clock monotonic), what the default saves
	tld_getppid tracelogd
	tld_getppid tracelogd_mono --clock monotonic

	# perf record, then perf script on the same data
	floor perf
	rm -f "$TMP/p.data"
	time_start "$TMP/p.time" perf record -q -e syscalls:sys_enter_getppid -a -m "$PAGES" -o "$TMP/p.data"
	sleep 2	# perf record gives no ready signal
	out=$(gen)
	ns=$(echo "$out" | awk '{ print $5 }')
	kill -INT "$(child_of $CHILD)"
	wait "$CHILD"
	CHILD=""
	cpu=$(time_cpu "$TMP/p.time")
	rss=$(time_rss "$TMP/p.time")
	local stats samples lsamples
	stats=$(perf report -i "$TMP/p.data" --stats 2>/dev/null)
	samples=$(echo "$stats" | awk '/SAMPLE events:/ { n = $3 } END { print n + 0 }')
	lsamples=$(echo "$stats" | awk '/LOST_SAMPLES events:/ { if ($3 > n) n = $3 } END { print n + 0 }')
	put perf_record ns "$ns"
	put perf_record events "$samples"
	put perf_record lost "$lsamples"
	put perf_record cpu_s_per_M "$(echo "$cpu $samples" | awk '{ printf "%.3f", $1 / ($2 / 1e6) }')"
	put perf_record rss_kb "$rss"
	put perf_record bytes_per_event "$(stat -c %s "$TMP/p.data" | awk -v n="$samples" '{ printf "%.0f", $1 / n }')"

	taskset -c 1 /usr/bin/time -f "%U %S %M" -o "$TMP/s.time" \
		perf script -i "$TMP/p.data" >"$TMP/s.txt" 2>/dev/null
	local scpu lines
	scpu=$(time_cpu "$TMP/s.time")
	lines=$(wc -l <"$TMP/s.txt")
	put perf_script events "$lines"
	put perf_script cpu_s_per_M "$(echo "$cpu $scpu $samples" | awk '{ printf "%.3f", ($1 + $2) / ($3 / 1e6) }')"
	put perf_script rss_kb "$(time_rss "$TMP/s.time")"
	rm -f "$TMP/p.data" "$TMP/s.txt"

	# paired within the run, so that the machine's drift between runs cancels
	local b t p ft fp
	b=$(last baseline ns); t=$(last tracelogd ns); p=$(last perf_record ns)
	ft=$(last floor_tracelogd ns); fp=$(last floor_perf ns)
	put pair overhead_ratio "$(echo "$t $b $p" | awk '{ printf "%.3f", ($1 - $2) / ($3 - $2) }')"
	put pair floor_ratio "$(echo "$ft $b $fp" | awk '{ printf "%.3f", ($1 - $2) / ($3 - $2) }')"
	put pair tracelogd_over_floor "$(echo "$t $ft" | awk '{ printf "%.0f", $1 - $2 }')"
	put pair perf_over_floor "$(echo "$p $fp" | awk '{ printf "%.0f", $1 - $2 }')"
	echo "run $r: getppid done" >&2
}

run_exec() {
	local out

	out=$(taskset -c 0 "$GEXEC" "$EXECS")
	put exec_baseline us "$(echo "$out" | awk '{ print $5 }')"

	rm -f "$TMP/e.jsonl"
	time_start "$TMP/e.time" "$TLD" -e sched/sched_process_exec -e sched/sched_process_exit -o "$TMP/e.jsonl"
	wait_for "$TMP/e.jsonl" '"state":"started"' 30 || exit 1
	out=$(taskset -c 0 "$GEXEC" "$EXECS")
	put exec_tracelogd us "$(echo "$out" | awk '{ print $5 }')"
	kill -INT "$(child_of $CHILD)"
	wait "$CHILD"
	CHILD=""
	put exec_tracelogd events "$(grep -c '"event":"sched/sched_process_exec"' "$TMP/e.jsonl")"
	put exec_tracelogd lost "$(tail -n 1 "$TMP/e.jsonl" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')"

	rm -f "$TMP/pe.data"
	time_start "$TMP/pe.time" perf record -q -e sched:sched_process_exec -e sched:sched_process_exit -a -m "$PAGES" -o "$TMP/pe.data"
	sleep 2
	out=$(taskset -c 0 "$GEXEC" "$EXECS")
	put exec_perf_record us "$(echo "$out" | awk '{ print $5 }')"
	kill -INT "$(child_of $CHILD)"
	wait "$CHILD"
	CHILD=""
	rm -f "$TMP/pe.data"
}

run_uprobe() {
	local out

	out=$(taskset -c 0 "$GUP" "$UCALLS")
	put uprobe_baseline ns "$(echo "$out" | awk '{ print $5 }')"

	rm -f "$TMP/u.jsonl"
	time_start "$TMP/u.time" "$TLD" --group tldbench -p "uprobe:ub:$GUP:bench_target x=%di:s32" -o "$TMP/u.jsonl"
	wait_for "$TMP/u.jsonl" '"state":"started"' 30 || exit 1
	out=$(taskset -c 0 "$GUP" "$UCALLS")
	put uprobe_tracelogd ns "$(echo "$out" | awk '{ print $5 }')"
	kill -INT "$(child_of $CHILD)"
	wait "$CHILD"
	CHILD=""
	put uprobe_tracelogd events "$(grep -c '"probe":"ub"' "$TMP/u.jsonl")"
	put uprobe_tracelogd lost "$(tail -n 1 "$TMP/u.jsonl" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')"

	perf probe -q -x "$GUP" -a 'bench_target x=%di:s32' >/dev/null 2>&1
	rm -f "$TMP/pu.data"
	time_start "$TMP/pu.time" perf record -q -e probe_gen_uprobe:bench_target -a -m "$PAGES" -o "$TMP/pu.data"
	sleep 2
	out=$(taskset -c 0 "$GUP" "$UCALLS")
	put uprobe_perf_record ns "$(echo "$out" | awk '{ print $5 }')"
	kill -INT "$(child_of $CHILD)"
	wait "$CHILD"
	CHILD=""
	perf probe -q -d 'probe_gen_uprobe:*' >/dev/null 2>&1
	rm -f "$TMP/pu.data"
}

run_startup() {
	local t0 t1

	rm -f "$TMP/s.jsonl"
	t0=$(date +%s%N)
	"$TLD" -e 'syscalls/*' -o "$TMP/s.jsonl" &
	CHILD=$!
	wait_for "$TMP/s.jsonl" '"state":"started"' 60 || exit 1
	t1=$(date +%s%N)
	kill -INT "$CHILD"
	wait "$CHILD"
	CHILD=""
	put startup ms "$(( (t1 - t0) / 1000000 ))"
	put startup tracepoints "$(head -n 1 "$TMP/s.jsonl" | grep -o 'syscalls/' | wc -l)"
	rm -f "$TMP/s.jsonl"
}

run_long() {
	local gp tp i rss0 rss fds lost t=0

	time_start "$TMP/l.time" "$TLD" -e syscalls/sys_enter_getppid -o /dev/null
	sleep 1
	tp=$(child_of $CHILD)
	taskset -c 0 "$GEN" 100000000000 >/dev/null &
	gp=$!
	echo "long storm: seconds rss_kb fds" >"$TMP/long.txt"
	while [ $t -lt "$LONG" ]; do
		sleep 10
		t=$((t + 10))
		rss=$(awk '/VmRSS/ { print $2 }' "/proc/$tp/status")
		fds=$(ls "/proc/$tp/fd" | wc -l)
		echo "$t $rss $fds" >>"$TMP/long.txt"
		[ -z "${rss0:-}" ] && rss0=$rss
	done
	kill -KILL "$gp"
	wait "$gp" 2>/dev/null
	kill -INT "$tp"
	wait "$CHILD"
	CHILD=""
	echo
	echo "long storm, $LONG s, tracelogd → /dev/null, samples every 10 s (s rss_kb fds):"
	tail -n +2 "$TMP/long.txt" | tr '\n' ';'
	echo
	awk 'NR == 1 { next } NR == 2 { first = $2 } { last = $2 } $2 + 0 > max { max = $2 + 0 }
	     END { printf "RSS first %d KiB (at 10 s), last %d KiB, max %d KiB, growth %.2f%%\n", first, last, max, (last - first) * 100 / first }' "$TMP/long.txt"
}

for r in $(seq 1 "$RUNS"); do
	run_getppid "$r"
	run_exec
	run_uprobe
	run_startup
done

# median and min-max of each (consumer, metric)
summ() {
	local vals
	vals=$(awk -v c="$1" -v m="$2" '$1 == c && $2 == m { print $3 }' "$RES" | sort -g)
	[ -z "$vals" ] && { echo "–"; return; }
	echo "$vals" | awk '{ v[NR] = $1 } END {
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (v[1] == v[NR]) printf "%s", fmt(med); else printf "%s (%s–%s)", fmt(med), fmt(v[1]), fmt(v[NR]) }
		function fmt(x) { return (x == int(x) || x >= 100) ? sprintf("%.0f", x) : sprintf("%.3g", x) }'
}
med() {
	awk -v c="$1" -v m="$2" '$1 == c && $2 == m { print $3 }' "$RES" | sort -g |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "getppid storm: $CALLS calls on CPU 0, consumer on CPU 1, ring $PAGES pages/CPU, $RUNS runs: median (min–max)"
echo
echo "| consumer | ns/call | events written | events lost | CPU s per M events | peak RSS KiB | bytes/event |"
echo "|---|---|---|---|---|---|---|"
echo "| none (baseline) | $(summ baseline ns) | – | – | – | – | – |"
echo "| tracelogd → JSON file | $(summ tracelogd ns) | $(summ tracelogd events) | $(summ tracelogd lost) | $(summ tracelogd cpu_s_per_M) | $(summ tracelogd rss_kb) | $(summ tracelogd bytes_per_event) |"
echo "| tracelogd --clock monotonic | $(summ tracelogd_mono ns) | $(summ tracelogd_mono events) | $(summ tracelogd_mono lost) | $(summ tracelogd_mono cpu_s_per_M) | $(summ tracelogd_mono rss_kb) | $(summ tracelogd_mono bytes_per_event) |"
echo "| perf record | $(summ perf_record ns) | $(summ perf_record events) | $(summ perf_record lost) | $(summ perf_record cpu_s_per_M) | $(summ perf_record rss_kb) | $(summ perf_record bytes_per_event) |"
echo "| perf record + perf script | (as above) | $(summ perf_script events) | (as above) | $(summ perf_script cpu_s_per_M) | $(summ perf_script rss_kb) | – |"
echo "| floor: tracepoint counted, no sample | $(summ floor_counted ns) | – | – | – | – | – |"
echo "| floor: tracelogd's sample (RAW\\|TIME), tail only | $(summ floor_tracelogd ns) | – | – | – | – | – |"
echo "| floor: perf record's sample, tail only | $(summ floor_perf ns) | – | – | – | – | – |"
echo
b=$(med baseline ns); t=$(med tracelogd ns); p=$(med perf_record ns); tm=$(med tracelogd_mono ns)
tc=$(med tracelogd cpu_s_per_M); pc=$(med perf_record cpu_s_per_M); sc=$(med perf_script cpu_s_per_M)
echo "Ratios of medians: traced overhead (ns/call − baseline) tracelogd / perf record = $(echo "$t $b $p" | awk '{ printf "%.2f", ($1 - $2) / ($3 - $2) }');"
echo "the same with --clock monotonic = $(echo "$tm $b $p" | awk '{ printf "%.2f", ($1 - $2) / ($3 - $2) }');"
fc=$(med floor_counted ns); fp=$(med floor_perf ns)
echo "the tracepoint counted without a sample / perf record's sample (floors) = $(echo "$fc $b $fp" | awk '{ printf "%.2f", ($1 - $2) / ($3 - $2) }');"
echo "paired within each run, median (min–max): traced overhead tracelogd / perf record = $(summ pair overhead_ratio),"
echo "floors (kernel only) tracelogd's sample / perf record's = $(summ pair floor_ratio),"
echo "ns/call each consumer adds over its floor: tracelogd $(summ pair tracelogd_over_floor), perf record $(summ pair perf_over_floor);"
echo "consumer CPU per event tracelogd / perf record = $(echo "$tc $pc" | awk '{ printf "%.2f", $1 / $2 }');"
echo "perf record + perf script / tracelogd = $(echo "$sc $tc" | awk '{ printf "%.1f", $1 / $2 }')×."
echo "tracelogd RSS while tracing (VmRSS at the end of the storm): $(summ tracelogd rss_live_kb) KiB."
echo
echo "uprobe storm: $UCALLS calls of a probed function, ns per call: baseline $(summ uprobe_baseline ns), tracelogd $(summ uprobe_tracelogd ns), perf record $(summ uprobe_perf_record ns); tracelogd events $(summ uprobe_tracelogd events), lost $(summ uprobe_tracelogd lost)."
echo
echo "exec storm: $EXECS fork+exec of /bin/true, µs per exec: baseline $(summ exec_baseline us), tracelogd $(summ exec_tracelogd us), perf record $(summ exec_perf_record us); tracelogd exec events $(summ exec_tracelogd events), lost $(summ exec_tracelogd lost)."
echo
[ "$LONG" -gt 0 ] && run_long
echo
echo "start-up with every syscalls/* tracepoint ($(summ startup tracepoints) tracepoints) enabled and tracing: $(summ startup ms) ms."
