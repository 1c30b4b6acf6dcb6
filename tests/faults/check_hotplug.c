// SPDX-License-Identifier: MIT
/*
 * check_hotplug.c - CPU hotplug while tracing, counted exactly.  Two
 * children make getppid calls at a steady rate, one pinned to cpu0 and
 * one to cpu1 (filtered by their pids in the kernel), and tell how many
 * they made; every call is an event line or counted lost in the
 * "stopped" line, whose counts the "lost" lines repeat.
 *
 *   cycles       cpu1 offline for about 2 s and back online, three times:
 *                the daemon lives, one cpu-offline and one cpu-online line
 *                per cycle, no event on cpu1 while it is offline, events
 *                of the cpu1 child on cpu1 again after each online, the
 *                same descriptors before and after
 *   tiny ring    the same, two cycles, with a one-page ring: losses in the
 *                rings (also those the kernel had not reported yet when
 *                the CPU went) are counted, exactly
 *   pending loss the daemon stopped (SIGSTOP) while the cpu1 child fills
 *                a one-page ring, cpu1 taken offline, the daemon continued:
 *                the kernel never wrote the LOST record of what that ring
 *                refused (it writes one only with the next record that
 *                fits), so only the events' own counts (PERF_FORMAT_LOST),
 *                read when the CPU goes, can tell it: cpu 1 "lost" lines
 *                before the cpu-offline line, and the count exact
 *   quick flip   cpu1 offline and online again while the daemon is stopped
 *                (SIGSTOP): cpu1 is online at every look, but its events
 *                are dead; the daemon sees it by their time enabled, which
 *                stopped, says cpu-offline then cpu-online and traces cpu1
 *                again, counted exactly
 *   reload offline  a reload while cpu1 is offline narrows a filter (the
 *                cpu1 child no longer passes it) and adds an event (its
 *                getppid exits): once cpu1 is back, it traces with the new
 *                filter and the new event, as cpu0 does
 *   start offline  the daemon started with cpu1 offline traces cpu0, then
 *                cpu1 from its cpu-online line on
 *   no fds       the same, with the daemon's descriptor limit lowered
 *                (prlimit) so that cpu1's rings cannot be opened when it
 *                comes: one cpu-untraced line naming the cause, one warning
 *                however many tries, cpu0 traced on; the limit raised
 *                again, cpu1 is traced within a second or so
 *
 * A child pinned to cpu1 loses its affinity when cpu1 goes offline (the
 * kernel lets it run anywhere).  The test pins it to cpu0 then, and back
 * to cpu1 only once the daemon said cpu-online: between the CPU coming
 * online and the daemon's next look at it (up to its sweep interval)
 * nothing traces that CPU, so a call made there would be neither emitted
 * nor lost and the count could not be exact.
 *
 * cpu1 is always brought back online: at the start of each test, from an
 * atexit handler when an assertion ends a test, from the runner's teardown
 * in the parent (also after a timeout kill) and on SIGINT or SIGTERM.  The
 * daemon and the children are killed by pid.  The group is check_hotplug
 * (the tests make no dynamic probe: nothing to remove in tracefs).  cpu1
 * is the machine's: two runs of these tests (two builds, say) take turns
 * on a lock file, or each would count the other's offline lines.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "integration/itest.h"

#define EVENT		"syscalls/sys_enter_getppid"
#define EVENT_RET	"syscalls/sys_exit_getppid"
#define GROUP		"check_hotplug"
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define RATE		40000		/* calls per second of each child */
#define OFFLINE_MS	2000
#define ONLINE_MS	1000
#define WAIT_LINE_MS	10000		/* for a cpu-offline or cpu-online line */
#define LOCK_FILE	"/tmp/tracelogd-check-hotplug.lock"

static const char *skip;

/* ------------------------------------------------------------------ */
/* cpu1, and what the test made, undone whatever happens               */

/* 1 online, 0 offline, -1 unknown */
static int cpu1_state(void)
{
	char b = 0;
	int fd = open(CPU1_ONLINE, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &b, 1) != 1)
		b = 0;
	close(fd);
	return b == '1' ? 1 : b == '0' ? 0 : -1;
}

/* async-signal-safe: used from the signal handler too */
static int cpu1_set(bool online)
{
	int fd = open(CPU1_ONLINE, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, online ? "1" : "0", 1) != 1)
		ret = -1;
	close(fd);
	return ret;
}

/*
 * The pids to kill, in a page shared with the runner's parent: Check
 * forks a process per test, and a test it kills on timeout runs no
 * atexit handler.
 */
struct made {
	pid_t daemon;
	pid_t child[2];
};

static struct made *made;

static void undo_made(void)
{
	int i;

	if (!made)
		return;
	for (i = 0; i < 2; i++)
		if (made->child[i] > 0) {
			kill(made->child[i], SIGKILL);
			made->child[i] = 0;
		}
	if (made->daemon > 0) {
		kill(made->daemon, SIGKILL);
		made->daemon = 0;
	}
	if (cpu1_state() == 0 && cpu1_set(true) < 0)
		fprintf(stderr, "cannot bring cpu1 back online: %s\n", strerror(errno));
}

/* the runner's teardown, in the parent, after each test */
static void teardown(void)
{
	undo_made();
}

static void on_signal(int sig)
{
	cpu1_set(true);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* at the start of a test: cpu1 online, whatever an earlier run left */
static void cpu1_ensure_online(void)
{
	if (cpu1_state() == 0) {
		printf("cpu1 was offline at the start: brought online\n");
		ck_assert_int_eq(cpu1_set(true), 0);
	}
	ck_assert_int_eq(cpu1_state(), 1);
}

static void cpu1_offline(void)
{
	ck_assert_msg(cpu1_set(false) == 0, "cpu1 offline: %s", strerror(errno));
	ck_assert_int_eq(cpu1_state(), 0);
}

static void cpu1_online(void)
{
	ck_assert_msg(cpu1_set(true) == 0, "cpu1 online: %s", strerror(errno));
	ck_assert_int_eq(cpu1_state(), 1);
}

/* ------------------------------------------------------------------ */
/* The children: getppid at RATE until told to stop                    */

struct gen {
	pid_t pid;
	int go;			/* a byte: start; closed: stop */
	int result;		/* the child's count of calls, at its end */
};

static void pin(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ck_assert_msg(sched_setaffinity(pid, sizeof(set), &set) == 0,
		      "pinning %d to cpu%d: %s", pid, cpu, strerror(errno));
}

/* a child pinned to cpu, waiting for the byte on go */
static void gen_start(struct gen *g, int slot, int cpu)
{
	int p[2], q[2];
	char b;

	/* close-on-exec: the daemon must not hold the children's pipes open */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(q, O_CLOEXEC), 0);
	g->pid = fork();
	ck_assert_int_ge(g->pid, 0);
	if (g->pid == 0) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		long calls = 0, k;
		struct timespec next;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/*
		 * Only its own pipe ends: the first child's go must reach
		 * POLLHUP when the test closes it, not stay open in the second.
		 */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[0] && fd != q[1])
				close(fd);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		clock_gettime(CLOCK_MONOTONIC, &next);
		/* a POLLHUP on go (the test closed it) ends the storm */
		while (poll(&pfd, 1, 0) == 0) {
			for (k = 0; k < RATE / 1000; k++)
				syscall(SYS_getppid);
			calls += RATE / 1000;
			next.tv_nsec += 1000000L;
			if (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
		if (write(q[1], &calls, sizeof(calls)) != (ssize_t)sizeof(calls))
			_exit(1);
		_exit(0);
	}
	made->child[slot] = g->pid;
	close(p[0]);
	close(q[1]);
	g->go = p[1];
	g->result = q[0];
	pin(g->pid, cpu);
}

static void gen_go(struct gen *g)
{
	ck_assert_int_eq(write(g->go, "g", 1), 1);
}

/* stop it; the number of calls it made */
static long gen_stop(struct gen *g, int slot)
{
	long calls = -1;
	int status;

	close(g->go);
	ck_assert_int_eq(read(g->result, &calls, sizeof(calls)), (ssize_t)sizeof(calls));
	ck_assert_int_eq(waitpid(g->pid, &status, 0), g->pid);
	made->child[slot] = 0;
	close(g->result);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return calls;
}

/* ------------------------------------------------------------------ */
/* The daemon's process                                                */

static void daemon_alive(struct tld *t)
{
	ck_assert_msg(t->pid > 0 && waitpid(t->pid, NULL, WNOHANG) == 0,
		      "tracelogd died: %s", tld_stderr(t));
}

static void start_daemon(struct tld *t, const struct gen *g, const char *ring_pages)
{
	char filter[96];

	snprintf(filter, sizeof(filter), "common_pid == %d || common_pid == %d",
		 g[0].pid, g[1].pid);
	{
		const char *args[] = { "-e", EVENT, "-f", filter, "--group", GROUP,
				       "--ring-pages", ring_pages, NULL };

		ck_assert_int_eq(tld_start(t, args), 0);
	}
	made->daemon = t->pid;
}

/* ------------------------------------------------------------------ */
/* Reading the log: one pass, one line at a time (it is large)         */

#define MAX_WINDOWS 8

/* [from, to) in CLOCK_MONOTONIC ns */
struct window {
	uint64_t from, to;
	size_t n;		/* events of the cpu1 child on cpu1 inside */
};

struct tally {
	size_t lines, bad;
	size_t events;			/* of the children */
	size_t other;			/* events of anyone else: the filter says none */
	size_t cpu1_events;
	size_t offline_lines, online_lines, untraced_lines;
	char untraced_error[256];	/* of the first cpu-untraced line of cpu 1 */
	int order_bad;			/* a cpu line out of turn, or not of cpu 1 */
	unsigned long long drained;	/* sum of the cpu-offline lines' "drained" */
	unsigned long long lost_lines;	/* sum of "lost" counts */
	unsigned long long lost_cpu1;	/* of cpu 1, before the first cpu-offline line */
	long long emitted, written, ring, queue, invalid, sink;	/* the stopped line; -1: none */
	struct window on[MAX_WINDOWS];	/* cpu1 traced and the child pinned there */
	struct window off[MAX_WINDOWS];	/* cpu1 offline */
	size_t nr_on, nr_off;
};

/* the n-th (from 1) descriptor number pid does not use */
static int fd_free_nth(pid_t pid, int n)
{
	char p[64];
	struct dirent *de;
	bool used[4096] = { false };
	DIR *d;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/fd", pid);
	d = opendir(p);
	ck_assert_msg(d != NULL, "%s: %s", p, strerror(errno));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) < 4096)
			used[atoi(de->d_name)] = true;
	closedir(d);
	for (fd = 0; fd < 4096; fd++)
		if (!used[fd] && --n == 0)
			return fd;
	return -1;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

static void tally_event(struct tally *ty, json_t *o, const pid_t *pids)
{
	long long tid = json_integer_value(json_object_get(o, "tid"));
	long long cpu = json_integer_value(json_object_get(o, "cpu"));
	uint64_t mono = (uint64_t)json_integer_value(json_object_get(o, "mono_ns"));
	size_t i;

	if (strcmp(jstr(o, "event"), EVENT) || (tid != pids[0] && tid != pids[1])) {
		ty->other++;
		return;
	}
	ty->events++;
	if (cpu != 1)
		return;
	ty->cpu1_events++;
	for (i = 0; i < ty->nr_on; i++)
		if (tid == pids[1] && mono >= ty->on[i].from && mono < ty->on[i].to)
			ty->on[i].n++;
	for (i = 0; i < ty->nr_off; i++)
		if (mono >= ty->off[i].from && mono < ty->off[i].to)
			ty->off[i].n++;
}

static void tally_daemon(struct tally *ty, json_t *o)
{
	const char *state = jstr(o, "state");
	bool cpu1 = jget_int(o, "cpu") == 1;

	if (!strcmp(state, "cpu-offline")) {
		/* offline lines and online lines take turns, from online */
		if (!cpu1 || ty->offline_lines != ty->online_lines)
			ty->order_bad++;
		ty->offline_lines++;
		ty->drained += (unsigned long long)jget_int(o, "drained");
	} else if (!strcmp(state, "cpu-online")) {
		if (!cpu1 || ty->online_lines + 1 != ty->offline_lines + (ty->offline_lines == 0))
			ty->order_bad++;
		ty->online_lines++;
	} else if (!strcmp(state, "cpu-untraced")) {
		if (cpu1 && !ty->untraced_lines)
			snprintf(ty->untraced_error, sizeof(ty->untraced_error), "%s",
				 jstr(o, "error"));
		ty->untraced_lines++;
	} else if (!strcmp(state, "stopped")) {
		ty->emitted = jget_int(o, "emitted");
		ty->written = jget_int(o, "written");
		ty->ring = jget_int(o, "lost.ring");
		ty->queue = jget_int(o, "lost.queue");
		ty->invalid = jget_int(o, "lost.invalid");
		ty->sink = jget_int(o, "lost.sink");
	}
}

/* windows in ty are set by the caller before */
static void tally_read(struct tally *ty, const char *path, const pid_t *pids)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	ty->emitted = ty->written = ty->ring = ty->queue = ty->invalid = ty->sink = -1;
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *o;
		const char *type;

		ty->lines++;
		o = line[len - 1] == '\n' ? json_loadb(line, (size_t)len, 0, &je) : NULL;
		if (!o || !json_is_object(o)) {
			fprintf(stderr, "%s:%zu: not a whole JSON object: %.200s\n", path, ty->lines, line);
			ty->bad++;
			json_decref(o);
			continue;
		}
		type = jstr(o, "type");
		if (!strcmp(type, "event"))
			tally_event(ty, o, pids);
		else if (!strcmp(type, "lost")) {
			ty->lost_lines += (unsigned long long)jget_int(o, "count");
			if (jget_int(o, "cpu") == 1 && !ty->offline_lines)
				ty->lost_cpu1 += (unsigned long long)jget_int(o, "count");
		}
		else if (!strcmp(type, "daemon"))
			tally_daemon(ty, o);
		json_decref(o);
	}
	free(line);
	fclose(f);
}

/*
 * Every call is an event line or counted lost, exactly; the "lost" lines
 * add up to the stopped line's losses.
 */
static void tally_check(const struct tally *ty, long calls, const char *what)
{
	printf("%s: %ld calls = %zu events + %lld ring + %lld queue + %lld invalid + %lld sink "
	       "lost (emitted %lld, written %lld, lost lines %llu)\n", what, calls, ty->events,
	       ty->ring, ty->queue, ty->invalid, ty->sink, ty->emitted, ty->written, ty->lost_lines);
	ck_assert_uint_eq(ty->bad, 0);
	ck_assert_uint_eq(ty->other, 0);
	ck_assert_msg(ty->written >= 0, "no stopped line");
	ck_assert_int_eq(ty->written, (long long)ty->events);
	ck_assert_int_eq((long long)ty->events + ty->ring + ty->queue + ty->invalid + ty->sink, calls);
	ck_assert_int_eq(ty->emitted, calls);
	ck_assert_int_eq((long long)ty->lost_lines, ty->ring + ty->queue + ty->invalid + ty->sink);
}

/* ------------------------------------------------------------------ */
/* The tests                                                           */

/*
 * cycles of cpu1 offline and back under the storm; ring_pages as
 * --ring-pages.  Returns nothing: asserts.
 */
static void hotplug_cycles(int cycles, const char *ring_pages, const char *what)
{
	struct tld t;
	struct gen g[2];
	struct tally ty;
	pid_t pids[2];
	int fds_before, fds_after, i;
	long rss_before, rss_after, calls;
	uint64_t t0;

	cpu1_ensure_online();
	gen_start(&g[0], 0, 0);
	gen_start(&g[1], 1, 1);
	start_daemon(&t, g, ring_pages);
	fds_before = itest_fd_count(t.pid);
	rss_before = itest_rss_kib(t.pid);
	memset(&ty, 0, sizeof(ty));
	t0 = itest_now_ns();
	gen_go(&g[0]);
	gen_go(&g[1]);
	itest_sleep_ms(ONLINE_MS / 2);
	ty.on[ty.nr_on].from = t0;	/* pinned to cpu1 from the start */
	for (i = 0; i < cycles; i++) {
		uint64_t t_off, t_wait, t_on, t_traced;

		ty.on[ty.nr_on++].to = itest_now_ns();
		cpu1_offline();
		t_off = itest_now_ns();
		/* it runs anywhere now, which is cpu0: keep it there */
		pin(g[1].pid, 0);
		ck_assert_msg(tld_wait_daemon(&t, "cpu-offline", (size_t)i + 1, WAIT_LINE_MS) == 0,
			      "no cpu-offline line %d: %s", i + 1, tld_stderr(&t));
		t_wait = itest_now_ns();
		if (t_wait - t_off < OFFLINE_MS * 1000000ULL)
			itest_sleep_ms((long)((OFFLINE_MS * 1000000ULL - (t_wait - t_off)) / 1000000));
		t_on = itest_now_ns();
		ty.off[ty.nr_off].from = t_off;
		ty.off[ty.nr_off++].to = t_on;
		cpu1_online();
		ck_assert_msg(tld_wait_daemon(&t, "cpu-online", (size_t)i + 1, WAIT_LINE_MS) == 0,
			      "no cpu-online line %d: %s", i + 1, tld_stderr(&t));
		t_traced = itest_now_ns();
		pin(g[1].pid, 1);
		ty.on[ty.nr_on].from = itest_now_ns();
		printf("%s: cycle %d: cpu-offline line %.0f ms after the offline, "
		       "cpu-online line %.0f ms after the online\n", what, i + 1,
		       (double)(t_wait - t_off) / 1e6, (double)(t_traced - t_on) / 1e6);
		daemon_alive(&t);
		itest_sleep_ms(ONLINE_MS);
	}
	ty.on[ty.nr_on++].to = itest_now_ns();
	daemon_alive(&t);
	fds_after = itest_fd_count(t.pid);
	rss_after = itest_rss_kib(t.pid);
	calls = gen_stop(&g[0], 0);
	calls += gen_stop(&g[1], 1);
	pids[0] = g[0].pid;
	pids[1] = g[1].pid;
	ck_assert_int_eq(tld_stop(&t), 0);
	made->daemon = 0;
	tally_read(&ty, t.log, pids);

	printf("%s: %zu lines, %zu events, %zu on cpu1, %zu cpu-offline and %zu cpu-online lines, "
	       "%llu records drained at offline\n", what, ty.lines, ty.events, ty.cpu1_events,
	       ty.offline_lines, ty.online_lines, ty.drained);
	printf("%s: tracelogd fds %d before, %d after; RSS %ld kB before, %ld kB after\n", what,
	       fds_before, fds_after, rss_before, rss_after);
	for (i = 0; i < (int)ty.nr_on; i++)
		printf("%s: cpu1 child on cpu1, window %d (%.0f ms): %zu events\n", what, i,
		       (double)(ty.on[i].to - ty.on[i].from) / 1e6, ty.on[i].n);
	for (i = 0; i < (int)ty.nr_off; i++)
		printf("%s: cpu1 offline, window %d (%.0f ms): %zu events on cpu1\n", what, i,
		       (double)(ty.off[i].to - ty.off[i].from) / 1e6, ty.off[i].n);
	tally_check(&ty, calls, what);

	ck_assert_uint_eq(ty.offline_lines, (size_t)cycles);
	ck_assert_uint_eq(ty.online_lines, (size_t)cycles);
	ck_assert_int_eq(ty.order_bad, 0);
	ck_assert_uint_eq(ty.untraced_lines, 0);
	/* the cpu1 child traced on cpu1 before the first offline and after each online */
	for (i = 0; i < (int)ty.nr_on; i++)
		ck_assert_msg(ty.on[i].n > 0, "no event of the cpu1 child on cpu1 in window %d", i);
	for (i = 0; i < (int)ty.nr_off; i++)
		ck_assert_uint_eq(ty.off[i].n, 0);
	/* each cycle closed what it opened */
	ck_assert_int_eq(fds_after, fds_before);
	tld_cleanup(&t);
}

START_TEST(test_cycles)
{
	if (skip)
		return;
	hotplug_cycles(3, "256", "cycles");
}
END_TEST

START_TEST(test_tiny_ring)
{
	if (skip)
		return;
	hotplug_cycles(2, "1", "tiny ring");
}
END_TEST

START_TEST(test_pending_loss)
{
	struct tld t;
	struct gen g[2];
	struct tally ty;
	pid_t pids[2];
	long calls;

	if (skip)
		return;
	cpu1_ensure_online();
	gen_start(&g[0], 0, 0);
	gen_start(&g[1], 1, 1);
	start_daemon(&t, g, "1");
	memset(&ty, 0, sizeof(ty));
	gen_go(&g[0]);
	gen_go(&g[1]);
	itest_sleep_ms(300);
	/* no reader: the one-page rings fill, the kernel counts what they refuse */
	ck_assert_int_eq(kill(t.pid, SIGSTOP), 0);
	itest_sleep_ms(300);
	cpu1_offline();
	pin(g[1].pid, 0);
	ck_assert_int_eq(kill(t.pid, SIGCONT), 0);
	ck_assert_msg(tld_wait_daemon(&t, "cpu-offline", 1, WAIT_LINE_MS) == 0,
		      "no cpu-offline line: %s", tld_stderr(&t));
	itest_sleep_ms(300);
	cpu1_online();
	ck_assert_msg(tld_wait_daemon(&t, "cpu-online", 1, WAIT_LINE_MS) == 0,
		      "no cpu-online line: %s", tld_stderr(&t));
	pin(g[1].pid, 1);
	itest_sleep_ms(500);
	daemon_alive(&t);
	calls = gen_stop(&g[0], 0);
	calls += gen_stop(&g[1], 1);
	pids[0] = g[0].pid;
	pids[1] = g[1].pid;
	ck_assert_int_eq(tld_stop(&t), 0);
	made->daemon = 0;
	tally_read(&ty, t.log, pids);
	printf("pending loss: %zu events, %llu lost on cpu1 before its cpu-offline line, "
	       "%llu records drained at offline\n", ty.events, ty.lost_cpu1, ty.drained);
	tally_check(&ty, calls, "pending loss");
	ck_assert_uint_eq(ty.offline_lines, 1);
	ck_assert_uint_eq(ty.online_lines, 1);
	ck_assert_int_eq(ty.order_bad, 0);
	ck_assert_uint_gt(ty.lost_cpu1, 0);
	tld_cleanup(&t);
}
END_TEST

START_TEST(test_quick_flip)
{
	struct tld t;
	struct gen g[2];
	struct tally ty;
	pid_t pids[2];
	long calls;
	uint64_t t_cont;

	if (skip)
		return;
	cpu1_ensure_online();
	gen_start(&g[0], 0, 0);
	gen_start(&g[1], 1, 1);
	start_daemon(&t, g, "256");
	memset(&ty, 0, sizeof(ty));
	gen_go(&g[0]);
	gen_go(&g[1]);
	itest_sleep_ms(300);
	ck_assert_int_eq(kill(t.pid, SIGSTOP), 0);
	cpu1_offline();
	pin(g[1].pid, 0);
	cpu1_online();
	ck_assert_int_eq(kill(t.pid, SIGCONT), 0);
	t_cont = itest_now_ns();
	ck_assert_msg(tld_wait_daemon(&t, "cpu-online", 1, WAIT_LINE_MS) == 0,
		      "no cpu-online line: %s", tld_stderr(&t));
	printf("quick flip: cpu-online line %.0f ms after SIGCONT\n",
	       (double)(itest_now_ns() - t_cont) / 1e6);
	pin(g[1].pid, 1);
	ty.on[0].from = itest_now_ns();
	itest_sleep_ms(ONLINE_MS);
	ty.on[0].to = itest_now_ns();
	ty.nr_on = 1;
	daemon_alive(&t);
	calls = gen_stop(&g[0], 0);
	calls += gen_stop(&g[1], 1);
	pids[0] = g[0].pid;
	pids[1] = g[1].pid;
	ck_assert_int_eq(tld_stop(&t), 0);
	made->daemon = 0;
	tally_read(&ty, t.log, pids);
	printf("quick flip: %zu events, %zu on cpu1, %zu of the cpu1 child on cpu1 after the "
	       "cpu-online line, %llu records drained at offline\n", ty.events, ty.cpu1_events,
	       ty.on[0].n, ty.drained);
	tally_check(&ty, calls, "quick flip");
	ck_assert_uint_eq(ty.offline_lines, 1);
	ck_assert_uint_eq(ty.online_lines, 1);
	ck_assert_int_eq(ty.order_bad, 0);
	ck_assert_uint_eq(ty.untraced_lines, 0);
	ck_assert_uint_gt(ty.on[0].n, 0);
	tld_cleanup(&t);
}
END_TEST

/*
 * A: the getppid entries of both children.  B: those of the cpu0 child
 * only, and the getppid exits of the cpu1 child.
 */
#define CONF_A \
	"[daemon]\n" \
	"group = " GROUP "\n" \
	"\n" \
	"[tracepoint ppid]\n" \
	"event = " EVENT "\n" \
	"filter = common_pid == %d || common_pid == %d\n"

#define CONF_B \
	"[daemon]\n" \
	"group = " GROUP "\n" \
	"\n" \
	"[tracepoint ppid]\n" \
	"event = " EVENT "\n" \
	"filter = common_pid == %d\n" \
	"\n" \
	"[tracepoint ppid_ret]\n" \
	"event = " EVENT_RET "\n" \
	"filter = common_pid == %d\n"

struct reload_tally {
	size_t enter[2][2];	/* [child][cpu] entries after the reload line */
	size_t exit[2][2];	/* [child][cpu] exits, all */
	size_t exit_cpu1_after;	/* of the cpu1 child on cpu1, after its cpu-online line */
	size_t events, other, bad;
	unsigned long long lost_lines;
	long long emitted, written, lost_total;
	size_t offline_lines, online_lines, reloaded_lines;
};

static void reload_tally_read(struct reload_tally *rt, const char *path, const pid_t *pids,
			      uint64_t t_reloaded, uint64_t t_online)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	memset(rt, 0, sizeof(*rt));
	rt->emitted = rt->written = rt->lost_total = -1;
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *o = line[len - 1] == '\n' ? json_loadb(line, (size_t)len, 0, &je) : NULL;
		const char *type, *state;

		if (!o || !json_is_object(o)) {
			rt->bad++;
			json_decref(o);
			continue;
		}
		type = jstr(o, "type");
		state = jstr(o, "state");
		if (!strcmp(type, "event")) {
			long long tid = json_integer_value(json_object_get(o, "tid"));
			long long cpu = json_integer_value(json_object_get(o, "cpu"));
			uint64_t mono = (uint64_t)json_integer_value(json_object_get(o, "mono_ns"));
			int k = tid == pids[0] ? 0 : tid == pids[1] ? 1 : -1;
			bool ret = !strcmp(jstr(o, "event"), EVENT_RET);

			rt->events++;
			if (k < 0 || cpu < 0 || cpu > 1) {
				rt->other++;
			} else if (ret) {
				rt->exit[k][cpu]++;
				if (k == 1 && cpu == 1 && mono > t_online)
					rt->exit_cpu1_after++;
			} else if (mono > t_reloaded) {
				rt->enter[k][cpu]++;
			}
		} else if (!strcmp(type, "lost")) {
			rt->lost_lines += (unsigned long long)jget_int(o, "count");
		} else if (!strcmp(state, "cpu-offline")) {
			rt->offline_lines++;
		} else if (!strcmp(state, "cpu-online")) {
			rt->online_lines++;
		} else if (!strcmp(state, "reloaded")) {
			rt->reloaded_lines++;
		} else if (!strcmp(state, "stopped")) {
			rt->emitted = jget_int(o, "emitted");
			rt->written = jget_int(o, "written");
			rt->lost_total = jget_int(o, "lost.total");
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
}

START_TEST(test_reload_offline)
{
	char conf[256];
	const char *args[] = { "-c", conf, NULL };
	struct reload_tally rt;
	struct tld t;
	struct gen g[2];
	pid_t pids[2];
	uint64_t t_reloaded, t_online;

	if (skip)
		return;
	cpu1_ensure_online();
	gen_start(&g[0], 0, 0);
	gen_start(&g[1], 1, 1);
	itest_conf_new(conf, sizeof(conf));
	itest_conf_write(conf, CONF_A, g[0].pid, g[1].pid);
	ck_assert_int_eq(tld_start(&t, args), 0);
	made->daemon = t.pid;
	gen_go(&g[0]);
	gen_go(&g[1]);
	itest_sleep_ms(300);
	cpu1_offline();
	pin(g[1].pid, 0);
	ck_assert_msg(tld_wait_daemon(&t, "cpu-offline", 1, WAIT_LINE_MS) == 0,
		      "no cpu-offline line: %s", tld_stderr(&t));
	itest_conf_write(conf, CONF_B, g[0].pid, g[1].pid);
	ck_assert_int_eq(kill(t.pid, SIGHUP), 0);
	ck_assert_msg(tld_wait_daemon(&t, "reloaded", 1, WAIT_LINE_MS) == 0,
		      "no reloaded line: %s", tld_stderr(&t));
	t_reloaded = itest_now_ns();
	cpu1_online();
	ck_assert_msg(tld_wait_daemon(&t, "cpu-online", 1, WAIT_LINE_MS) == 0,
		      "no cpu-online line: %s", tld_stderr(&t));
	t_online = itest_now_ns();
	pin(g[1].pid, 1);
	itest_sleep_ms(ONLINE_MS);
	daemon_alive(&t);
	gen_stop(&g[0], 0);
	gen_stop(&g[1], 1);
	pids[0] = g[0].pid;
	pids[1] = g[1].pid;
	ck_assert_int_eq(tld_stop(&t), 0);
	made->daemon = 0;
	reload_tally_read(&rt, t.log, pids, t_reloaded, t_online);
	printf("reload offline: after the reload, entries: cpu0 child %zu on cpu0, %zu on cpu1; "
	       "cpu1 child %zu on cpu0, %zu on cpu1\n", rt.enter[0][0], rt.enter[0][1],
	       rt.enter[1][0], rt.enter[1][1]);
	printf("reload offline: exits: cpu0 child %zu, cpu1 child %zu on cpu0 and %zu on cpu1 "
	       "(%zu after its cpu-online line); %zu events, written %lld, emitted %lld, "
	       "lost %lld (lines %llu)\n", rt.exit[0][0] + rt.exit[0][1], rt.exit[1][0],
	       rt.exit[1][1], rt.exit_cpu1_after, rt.events, rt.written, rt.emitted,
	       rt.lost_total, rt.lost_lines);
	ck_assert_uint_eq(rt.bad, 0);
	ck_assert_uint_eq(rt.other, 0);
	ck_assert_uint_eq(rt.offline_lines, 1);
	ck_assert_uint_eq(rt.online_lines, 1);
	ck_assert_uint_eq(rt.reloaded_lines, 1);
	/* the accounting of the stopped line holds */
	ck_assert_int_eq(rt.written, (long long)rt.events);
	ck_assert_int_eq(rt.emitted, rt.written + rt.lost_total);
	ck_assert_int_eq((long long)rt.lost_lines, rt.lost_total);
	/* cpu1 came back with the new filter: no entry of the cpu1 child anywhere */
	ck_assert_uint_eq(rt.enter[1][0] + rt.enter[1][1], 0);
	ck_assert_uint_gt(rt.enter[0][0], 0);
	/* and with the new event, on cpu1 too; of the cpu1 child only */
	ck_assert_uint_gt(rt.exit_cpu1_after, 0);
	ck_assert_uint_eq(rt.exit[0][0] + rt.exit[0][1], 0);
	tld_cleanup(&t);
	itest_conf_remove(conf);
}
END_TEST

START_TEST(test_start_offline)
{
	struct tld t;
	struct gen g[2];
	struct tally ty;
	pid_t pids[2];
	long calls;
	uint64_t t_on, t_start;

	if (skip)
		return;
	cpu1_ensure_online();
	gen_start(&g[0], 0, 0);
	gen_start(&g[1], 1, 1);
	cpu1_offline();
	pin(g[1].pid, 0);
	t_start = itest_now_ns();
	start_daemon(&t, g, "256");
	memset(&ty, 0, sizeof(ty));
	gen_go(&g[0]);
	gen_go(&g[1]);
	itest_sleep_ms(300);
	t_on = itest_now_ns();
	cpu1_online();
	ck_assert_msg(tld_wait_daemon(&t, "cpu-online", 1, WAIT_LINE_MS) == 0,
		      "no cpu-online line: %s", tld_stderr(&t));
	pin(g[1].pid, 1);
	printf("start offline: started in %.0f ms with cpu1 offline, cpu-online line %.0f ms "
	       "after the online\n", (double)(t_on - t_start) / 1e6 - 300,
	       (double)(itest_now_ns() - t_on) / 1e6);
	ty.on[0].from = itest_now_ns();
	ty.off[0].from = 0;
	ty.off[0].to = t_on;
	ty.nr_off = 1;
	itest_sleep_ms(ONLINE_MS);
	ty.on[0].to = itest_now_ns();
	ty.nr_on = 1;
	daemon_alive(&t);
	calls = gen_stop(&g[0], 0);
	calls += gen_stop(&g[1], 1);
	pids[0] = g[0].pid;
	pids[1] = g[1].pid;
	ck_assert_int_eq(tld_stop(&t), 0);
	made->daemon = 0;
	tally_read(&ty, t.log, pids);
	printf("start offline: %zu events, %zu on cpu1 (%zu of the cpu1 child after the "
	       "cpu-online line), %zu on cpu1 before the online\n", ty.events, ty.cpu1_events,
	       ty.on[0].n, ty.off[0].n);
	tally_check(&ty, calls, "start offline");
	ck_assert_uint_eq(ty.offline_lines, 0);
	ck_assert_uint_eq(ty.online_lines, 1);
	ck_assert_int_eq(ty.order_bad, 0);
	ck_assert_uint_eq(ty.untraced_lines, 0);
	ck_assert_uint_eq(ty.off[0].n, 0);
	ck_assert_uint_gt(ty.on[0].n, 0);
	tld_cleanup(&t);
}
END_TEST

/* how many times needle is in the text */
static int count_str(const char *text, const char *needle)
{
	int n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text += strlen(needle);
	}
	return n;
}

START_TEST(test_no_fds)
{
	struct tld t;
	struct gen g[2];
	struct tally ty;
	struct rlimit low, high;
	pid_t pids[2];
	long calls;
	int warnings;

	if (skip)
		return;
	cpu1_ensure_online();
	gen_start(&g[0], 0, 0);
	gen_start(&g[1], 1, 1);
	cpu1_offline();
	pin(g[1].pid, 0);
	start_daemon(&t, g, "256");
	/*
	 * One descriptor left: not the three (two rings and the event) cpu1
	 * needs.  The soft limit only: raising a hard one back would take
	 * CAP_SYS_RESOURCE.
	 */
	ck_assert_int_eq(prlimit(t.pid, RLIMIT_NOFILE, NULL, &high), 0);
	low = high;
	low.rlim_cur = (rlim_t)fd_free_nth(t.pid, 2);
	ck_assert_msg(prlimit(t.pid, RLIMIT_NOFILE, &low, NULL) == 0, "prlimit: %s", strerror(errno));
	memset(&ty, 0, sizeof(ty));
	gen_go(&g[0]);
	gen_go(&g[1]);
	cpu1_online();
	ck_assert_msg(tld_wait_daemon(&t, "cpu-untraced", 1, WAIT_LINE_MS) == 0,
		      "no cpu-untraced line: %s", tld_stderr(&t));
	/* tried again every second meanwhile, and told once */
	itest_sleep_ms(2500);
	daemon_alive(&t);
	ck_assert_msg(prlimit(t.pid, RLIMIT_NOFILE, &high, NULL) == 0, "prlimit: %s", strerror(errno));
	ck_assert_msg(tld_wait_daemon(&t, "cpu-online", 1, WAIT_LINE_MS) == 0,
		      "no cpu-online line: %s", tld_stderr(&t));
	pin(g[1].pid, 1);
	ty.on[0].from = itest_now_ns();
	itest_sleep_ms(ONLINE_MS);
	ty.on[0].to = itest_now_ns();
	ty.nr_on = 1;
	daemon_alive(&t);
	calls = gen_stop(&g[0], 0);
	calls += gen_stop(&g[1], 1);
	pids[0] = g[0].pid;
	pids[1] = g[1].pid;
	ck_assert_int_eq(tld_stop(&t), 0);
	made->daemon = 0;
	warnings = count_str(tld_stderr(&t), "cannot be traced");
	tally_read(&ty, t.log, pids);
	printf("no fds: descriptor limit %llu: %zu cpu-untraced lines (\"%s\"), %d warnings, "
	       "%zu events of the cpu1 child on cpu1 once traced\n",
	       (unsigned long long)low.rlim_cur, ty.untraced_lines, ty.untraced_error, warnings,
	       ty.on[0].n);
	tally_check(&ty, calls, "no fds");
	ck_assert_uint_eq(ty.untraced_lines, 1);
	ck_assert_msg(strstr(ty.untraced_error, "too many open files"),
		      "the cpu-untraced line of cpu 1 does not name the cause: \"%s\"",
		      ty.untraced_error);
	ck_assert_int_eq(warnings, 1);
	ck_assert_uint_eq(ty.online_lines, 1);
	ck_assert_uint_eq(ty.offline_lines, 0);
	ck_assert_uint_gt(ty.on[0].n, 0);
	tld_cleanup(&t);
}
END_TEST

static Suite *hotplug_suite(void)
{
	Suite *s = suite_create("hotplug");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "cycles", test_cycles },
		{ "tiny ring", test_tiny_ring },
		{ "pending loss", test_pending_loss },
		{ "quick flip", test_quick_flip },
		{ "reload offline", test_reload_offline },
		{ "start offline", test_start_offline },
		{ "no fds", test_no_fds },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_set_timeout(tc, 300);
		tcase_add_unchecked_fixture(tc, NULL, teardown);
		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	skip = itest_skip_reason();
	if (!skip && access(CPU1_ONLINE, W_OK) != 0)
		skip = "no writable " CPU1_ONLINE ": this machine cannot take cpu1 offline";
	if (skip)
		printf("SKIP: hotplug: %s\n", skip);
	setvbuf(stdout, NULL, _IONBF, 0);
	made = mmap(NULL, sizeof(*made), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (made == MAP_FAILED) {
		perror("mmap");
		return EXIT_FAILURE;
	}
	memset(made, 0, sizeof(*made));
	if (!skip) {
		/* held to the end, by the forked tests too; released when we exit */
		int fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
			printf("hotplug: waiting for another run to finish (%s)\n", LOCK_FILE);
			if (flock(fd, LOCK_EX) < 0) {
				close(fd);
				fd = -1;
			}
		}
		if (fd < 0) {
			perror(LOCK_FILE);
			return EXIT_FAILURE;
		}
	}
	atexit(undo_made);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sr = srunner_create(hotplug_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	undo_made();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
