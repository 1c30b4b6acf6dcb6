// SPDX-License-Identifier: MIT
/*
 * check_crash.c - crash recovery, and tracefs missing at start.
 *
 * kill -9: tracelogd runs from a file with a uprobe and a uretprobe (on a
 * private copy of helper_probe, so that no other test's runs hit them)
 * and a getppid tracepoint filtered to a storm child of ours, and is
 * killed with SIGKILL at KILLS moments drawn from a seeded PRNG: in its
 * start-up (right after the fork, around the "started" line), in a storm,
 * in a SIGHUP reload, in a stop after SIGTERM.  It is started again each
 * time with the same group and the same log.  Every start must work: the
 * probes the killed run left are removed (and counted on stderr), the
 * stale lock file is no obstacle, a line the kill tore at the end of the
 * log is cut and counted in a "log-repaired" line.  The last run is
 * stopped cleanly: exit 0, nothing of the group left in tracefs, every
 * line of the log JSON (jansson and jq), and its accounting exact against
 * the calls the storm made.  CRASH_SEED=N replays a run.
 *
 * No tracefs: the daemon runs in a mount namespace of its own where
 * tracefs is not mounted.  With CAP_SYS_ADMIN it mounts it on
 * /sys/kernel/tracing (even with /sys read-only there: a mount over a
 * directory of a read-only mount is allowed) and says so on stderr; the
 * host's mounts do not change.  Without CAP_SYS_ADMIN (the systemd unit's
 * case) it exits 1 naming the mount and the command that makes it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "integration/itest.h"

#define TRACEFS		"/sys/kernel/tracing"
#define GROUP		"check_crash"
#define GROUP_MNT	"check_crash_mnt"
#define LOCK_FILE	"/run/tracelogd/" GROUP ".lock"
#define KILLS		20
#define LAST_PPID	50000		/* the last run's storm: getppid calls */
#define LAST_CALLS	5000		/* and helper calls (an entry and a return each) */

static const char *skip;

/* ------------------------------------------------------------------ */
/* Small tools                                                         */

static uint64_t rng_state;

/* xorshift64*: the same seed gives the same moments */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void sleep_us(unsigned us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* the whole of a file (free it), "" when it cannot be read */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f) {
		do {
			if (n + 4096 + 1 > cap) {
				cap = (n + 4096 + 1) * 2;
				buf = realloc(buf, cap);
				ck_assert_ptr_nonnull(buf);
			}
			r = fread(buf + n, 1, 4096, f);
			n += r;
		} while (r > 0);
		fclose(f);
	}
	if (!buf)
		buf = malloc(1);
	ck_assert_ptr_nonnull(buf);
	buf[n] = 0;
	return buf;
}

/* lines of a tracefs list naming an event of group ("p:GROUP/NAME ...") */
static unsigned group_lines(const char *file, const char *group)
{
	char path[128], needle[96], *text, *line, *save = NULL;
	unsigned n = 0;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	snprintf(needle, sizeof(needle), ":%s/", group);
	text = read_text(path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += strstr(line, needle) != NULL;
	free(text);
	return n;
}

/* bytes after the log's last newline: the front of a torn line */
static long torn_tail(const char *path)
{
	char *text = read_text(path), *nl = strrchr(text, '\n');
	long n = (long)strlen(text) - (nl ? (long)(nl + 1 - text) : 0);

	free(text);
	return n;
}

/* {"type":"daemon","state":STATE} lines of the log, a torn last line ignored */
static size_t daemon_count(const char *path, const char *state)
{
	char *line = NULL, want[96];
	size_t cap = 0, n = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "\"state\":\"%s\"", state);
	while ((len = getline(&line, &cap, f)) > 0)
		n += line[len - 1] == '\n' && !strncmp(line, "{\"type\":\"daemon\",", 17) &&
		     strstr(line, want) != NULL;
	free(line);
	fclose(f);
	return n;
}

/* the last {"type":"daemon","state":STATE} line (json_decref it), or NULL */
static json_t *daemon_last(const char *path, const char *state)
{
	struct tlog l;
	json_t *j;

	tlog_read(&l, path);
	j = tlog_daemon(&l, state);
	json_incref(j);
	tlog_free(&l);
	return j;
}

/*
 * In a child of the test: SIGKILL when the test dies (a failed assertion
 * ends it), so that no daemon or storm of ours outlives it.  A daemon
 * killed so leaves its probes, which the next run's start removes.
 */
static void orphan_dies(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

/* ------------------------------------------------------------------ */
/* The storm: a child of ours that makes getppid calls on request      */

struct storm {
	pid_t pid;
	int go;			/* write a long: that many calls */
	int done;		/* one byte back when they are made */
};

static void storm_start(struct storm *s)
{
	int a[2], b[2];
	long n, i;

	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		orphan_dies();
		close(a[1]);
		close(b[0]);
		while (read(a[0], &n, sizeof(n)) == (ssize_t)sizeof(n)) {
			for (i = 0; i < n; i++)
				syscall(SYS_getppid);
			if (write(b[1], "d", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	s->go = a[1];
	s->done = b[0];
}

static void storm_send(struct storm *s, long n)
{
	ck_assert_int_eq(write(s->go, &n, sizeof(n)), (ssize_t)sizeof(n));
}

static void storm_wait(struct storm *s)
{
	char c;

	ck_assert_int_eq(read(s->done, &c, 1), 1);
}

static void storm_end(struct storm *s)
{
	int status;

	close(s->go);
	ck_assert_int_eq(waitpid(s->pid, &status, 0), s->pid);
	close(s->done);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* the helper copy: "calls n" in a child; returns its pid */
static pid_t helper_calls(const char *helper, long n)
{
	char num[32];
	pid_t pid;

	snprintf(num, sizeof(num), "%ld", n);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			dup2(fd, 0);
		orphan_dies();
		execl(helper, "helper_crash", "calls", num, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void helper_wait(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "helper exit status %d",
		      status);
}

/* a copy of helper_probe in dir: its own inode, its own uprobes */
static void helper_copy(const char *dir, char *out, size_t len)
{
	char src[PATH_MAX], *text;
	const char *helpers = getenv("HELPERS");
	int in, fd;
	ssize_t n;
	char buf[65536];

	snprintf(src, sizeof(src), "%s/helper_probe", helpers ? helpers : "build/tests");
	snprintf(out, len, "%s/helper_crash", dir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in >= 0, "%s: %s", src, strerror(errno));
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ck_assert_msg(fd >= 0, "%s: %s", out, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(fd, buf, (size_t)n), n);
	close(in);
	ck_assert_int_eq(close(fd), 0);
	text = realpath(out, NULL);
	ck_assert_ptr_nonnull(text);
	snprintf(out, len, "%s", text);
	free(text);
}

/* ------------------------------------------------------------------ */
/* A daemon run, started and watched by hand (the log is shared)        */

struct run {
	pid_t pid;
	bool reaped;
	int status;
	char err[PATH_MAX];	/* its stderr */
};

static void run_spawn(struct run *r, const char *const *args, const char *err)
{
	const char *argv[32];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->err, sizeof(r->err), "%s", err);
	argv[n++] = getenv("TRACELOGD");
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		union { const char **c; char **v; } u = { argv };

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		orphan_dies();
		execv(argv[0], u.v);
		_exit(127);
	}
}

static bool run_exited(struct run *r)
{
	if (!r->reaped && waitpid(r->pid, &r->status, WNOHANG) == r->pid)
		r->reaped = true;
	return r->reaped;
}

static int run_wait(struct run *r)
{
	if (!r->reaped) {
		ck_assert_int_eq(waitpid(r->pid, &r->status, 0), r->pid);
		r->reaped = true;
	}
	return r->status;
}

/* wait up to ms for the log to hold n STATE lines; 0, or -1 (exited, timed out) */
static int run_wait_state(struct run *r, const char *log, const char *state, size_t n, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	do {
		if (daemon_count(log, state) >= n)
			return 0;
		if (run_exited(r))
			return daemon_count(log, state) >= n ? 0 : -1;
		sleep_us(2000);
	} while (now_ms() < end);
	return -1;
}

/* ------------------------------------------------------------------ */
/* kill -9                                                             */

#define CONF_FMT \
	"[daemon]\n" \
	"group = " GROUP "\n" \
	"rotate_size = 0\n" \
	"\n" \
	"[tracepoint ppid]\n" \
	"event = syscalls/sys_enter_getppid\n" \
	"filter = common_pid == %d\n" \
	"\n" \
	"[uprobe target]\n" \
	"binary = %s\n" \
	"function = tl_probe_target\n" \
	"fetch = n=%%di:s32\n" \
	"\n" \
	"[uretprobe target_ret]\n" \
	"binary = %s\n" \
	"function = tl_probe_target\n" \
	"fetch = r=$retval:%s\n" \
	"%s"

/* the second file: another type recreates target_ret, one probe more */
#define CONF_B_EXTRA \
	"\n" \
	"[tracepoint pid]\n" \
	"event = syscalls/sys_enter_getpid\n" \
	"filter = common_pid == %d\n"

struct crash {
	char dir[64];
	char conf[300];
	char log[PATH_MAX];
	char helper[PATH_MAX];
	struct storm storm;
	bool conf_b;		/* the file in force is the second one */
	unsigned starts;	/* runs that wrote their "started" line */
	unsigned repaired;	/* torn tails cut */
	unsigned removed;	/* leftover probes the starts removed */
	unsigned stale_locks;	/* starts over a lock file a killed run left */
};

static void crash_conf(struct crash *c, bool b)
{
	char extra[128] = "";

	if (b)
		snprintf(extra, sizeof(extra), CONF_B_EXTRA, c->storm.pid);
	itest_conf_write(c->conf, CONF_FMT, c->storm.pid, c->helper, c->helper, b ? "s64" : "s32",
			 extra);
	c->conf_b = b;
}

enum moment { M_START, M_STARTED, M_STORM, M_RELOAD, M_STOP, M_NR };

static const char *const moment_name[M_NR] = {
	"start-up (after the fork)", "start-up (around started)", "storm", "reload", "stop",
};

/*
 * What a start must find and do, read before it: the group's leftovers in
 * tracefs, a torn tail in the log, a lock file with a dead owner.
 */
struct before {
	unsigned uprobes, dynamic;	/* group lines in uprobe_events, dynamic_events */
	long tail;			/* bytes of a torn last line */
	size_t started, repaired;	/* "started" and "log-repaired" lines so far */
	size_t reloaded, stopped;
	bool lock;			/* the lock file is there */
};

static void before_read(struct crash *c, struct before *b)
{
	b->uprobes = group_lines("uprobe_events", GROUP);
	b->dynamic = group_lines("dynamic_events", GROUP);
	b->tail = torn_tail(c->log);
	b->started = daemon_count(c->log, "started");
	b->repaired = daemon_count(c->log, "log-repaired");
	b->reloaded = daemon_count(c->log, "reloaded");
	b->stopped = daemon_count(c->log, "stopped");
	b->lock = access(LOCK_FILE, F_OK) == 0;
}

static struct run crash_start(struct crash *c, unsigned k, struct before *b)
{
	const char *args[] = { "-c", c->conf, "-o", c->log, NULL };
	char err[PATH_MAX];
	struct run r;

	before_read(c, b);
	snprintf(err, sizeof(err), "%s/stderr.%u", c->dir, k);
	run_spawn(&r, args, err);
	return r;
}

/* after the "started" line of a start: what it found was dealt with */
static void crash_started(struct crash *c, struct run *r, const struct before *b)
{
	char *err = read_text(r->err), want[128];
	json_t *rep;

	c->starts++;
	ck_assert_uint_eq(daemon_count(c->log, "started"), b->started + 1);
	/* exactly this run's probes: the two uprobes, no leftover beside them */
	ck_assert_uint_eq(group_lines("uprobe_events", GROUP), 2);
	ck_assert_uint_eq(group_lines("dynamic_events", GROUP), 2);
	ck_assert_uint_eq(b->uprobes, b->dynamic);
	if (b->uprobes) {
		snprintf(want, sizeof(want), "group " GROUP ": removed %u probe%s left by an earlier instance",
			 b->uprobes, b->uprobes == 1 ? "" : "s");
		ck_assert_msg(strstr(err, want), "no \"%s\" on stderr:\n%s", want, err);
		c->removed += b->uprobes;
	} else {
		ck_assert_msg(!strstr(err, "left by an earlier instance"), "stderr:\n%s", err);
	}
	if (b->lock)
		c->stale_locks++;
	/* a torn last line: cut, and said in one line of the log and on stderr */
	if (b->tail > 0) {
		ck_assert_uint_eq(daemon_count(c->log, "log-repaired"), b->repaired + 1);
		rep = daemon_last(c->log, "log-repaired");
		ck_assert_ptr_nonnull(rep);
		ck_assert_int_eq(jget_int(rep, "torn_bytes"), b->tail);
		json_decref(rep);
		snprintf(want, sizeof(want), "cut the last %ld bytes, a line torn by an earlier instance",
			 b->tail);
		ck_assert_msg(strstr(err, want), "no \"%s\" on stderr:\n%s", want, err);
		c->repaired++;
	} else {
		ck_assert_uint_eq(daemon_count(c->log, "log-repaired"), b->repaired);
	}
	free(err);
}

static void crash_wait_started(struct crash *c, struct run *r, const struct before *b)
{
	char *log;
	size_t len;

	if (run_wait_state(r, c->log, "started", b->started + 1, 60000) < 0) {
		/* a "started" line glued to a torn one is no line of its own */
		log = read_text(c->log);
		len = strlen(log);
		ck_abort_msg("no new \"started\" line (tracelogd %s %d), stderr:\n%s\nthe log ends:\n%s",
			     r->reaped ? "exited, status" : "still runs, pid", r->reaped ? r->status : r->pid,
			     read_text(r->err), log + (len > 600 ? len - 600 : 0));
	}
	crash_started(c, r, b);
}

/* the front of an event line, as a kill in the middle of a write leaves it */
static void tear(struct crash *c, unsigned len)
{
	static const char line[] = "{\"type\":\"event\",\"ts\":\"2026-12-04T05:00:00.000000000Z\","
				   "\"mono_ns\":1,\"probe\":\"target\",\"event\":\"" GROUP "/target\"";
	/* a kill before the log was made: a log of nothing but a torn line */
	int fd = open(c->log, O_WRONLY | O_APPEND | O_CREAT, 0640);

	ck_assert_int_ge(fd, 0);
	if (len > sizeof(line) - 1)
		len = sizeof(line) - 1;
	ck_assert_int_eq(write(fd, line, len), (ssize_t)len);
	close(fd);
}

static void crash_kill(struct crash *c, unsigned k, enum moment m)
{
	struct before b;
	struct run r;
	unsigned delay = 0;
	pid_t helper = 0;
	bool storm = false, killed;
	char lockpid[32] = "";
	const char *note = "";
	long tail;

	r = crash_start(c, k, &b);
	switch (m) {
	case M_START:
		/* start-up takes 10 to 100 ms: half of the kills in its first 20 */
		delay = rnd_below(2) ? rnd_below(20000) : rnd_below(150000);
		break;
	case M_STARTED:
		crash_wait_started(c, &r, &b);
		delay = rnd_below(20000);
		break;
	case M_STORM:
		crash_wait_started(c, &r, &b);
		storm_send(&c->storm, 20000 + rnd_below(80000));
		helper = helper_calls(c->helper, 2000 + rnd_below(8000));
		storm = true;
		delay = rnd_below(200000);
		break;
	case M_RELOAD:
		crash_wait_started(c, &r, &b);
		crash_conf(c, !c->conf_b);
		ck_assert_int_eq(kill(r.pid, SIGHUP), 0);
		delay = rnd_below(100000);
		break;
	case M_STOP:
		crash_wait_started(c, &r, &b);
		storm_send(&c->storm, 10000);
		storm_wait(&c->storm);
		ck_assert_int_eq(kill(r.pid, SIGTERM), 0);
		delay = rnd_below(2) ? rnd_below(10000) : rnd_below(100000);
		break;
	case M_NR:
		break;
	}
	sleep_us(delay);
	/* never reaped before the kill: the pid is still ours */
	killed = !run_exited(&r);
	if (killed)
		ck_assert_int_eq(kill(r.pid, SIGKILL), 0);
	run_wait(&r);
	if (storm) {
		storm_wait(&c->storm);
		helper_wait(helper);
	}
	if (killed && !(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL))
		killed = false;
	/* where the kill fell, as far as the log tells */
	if (m == M_START)
		note = daemon_count(c->log, "started") > b.started ? ", after started" : ", before started";
	else if (m == M_RELOAD)
		note = daemon_count(c->log, "reloaded") > b.reloaded ? ", after the reload" :
								      ", in the reload";
	else if (m == M_STOP)
		note = daemon_count(c->log, "stopped") > b.stopped ? ", after stopped" : ", before stopped";
	/* only a stop may have ended on its own before the kill, and cleanly */
	if (!killed)
		ck_assert_msg(m == M_STOP && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
			      "run %u (%s) ended by itself, status %d: %s", k, moment_name[m],
			      r.status, read_text(r.err));
	if (access(LOCK_FILE, F_OK) == 0) {
		char *t = read_text(LOCK_FILE);

		snprintf(lockpid, sizeof(lockpid), "%.*s", (int)strcspn(t, "\n"), t);
		free(t);
	}
	/* sometimes the kill is made to tear a line too */
	tail = torn_tail(c->log);
	if (rnd_below(3) == 0 && tail == 0)
		tear(c, 1 + rnd_below(100));
	printf("kill %2u: %-26s at %6u us: %s%s; left %u probes, lock file %s%s, torn tail %ld bytes%s\n",
	       k, moment_name[m], delay, killed ? "killed" : "had exited (0)", note,
	       group_lines("uprobe_events", GROUP), lockpid[0] ? "of pid " : "absent", lockpid,
	       torn_tail(c->log), tail ? " (torn by the kill)" : torn_tail(c->log) ? " (added)" : "");
}

START_TEST(test_kill9)
{
	struct crash c = { 0 };
	struct before b;
	struct tlog l;
	struct run r;
	json_t *st;
	const char *env = getenv("CRASH_SEED");
	uint64_t seed;
	size_t i, first = 0, ppid = 0, in = 0, out = 0, other = 0;
	unsigned long long lost = 0;
	long long written, total, emitted;
	pid_t helper;
	char cmd[PATH_MAX + 64];
	unsigned k;
	int status;

	if (skip)
		return;
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!seed)
		seed = 1;
	rng_state = seed;
	printf("kill -9: seed %" PRIu64 " (CRASH_SEED=%" PRIu64 " replays it)\n", seed, seed);

	snprintf(c.dir, sizeof(c.dir), "/tmp/tracelogd-crash.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c.dir));
	snprintf(c.log, sizeof(c.log), "%s/events.jsonl", c.dir);
	helper_copy(c.dir, c.helper, sizeof(c.helper));
	itest_conf_new(c.conf, sizeof(c.conf));
	storm_start(&c.storm);
	crash_conf(&c, false);
	/* an earlier run that failed may have left probes: the first start removes them */
	printf("kill -9: %u probes of group " GROUP " in tracefs before the first start\n",
	       group_lines("uprobe_events", GROUP));

	for (k = 0; k < KILLS; k++)
		crash_kill(&c, k, (enum moment)(k % M_NR));

	/* the last run: a clean start, a counted storm, a clean stop */
	r = crash_start(&c, KILLS, &b);
	crash_wait_started(&c, &r, &b);
	first = daemon_count(c.log, "started");
	storm_send(&c.storm, LAST_PPID);
	helper = helper_calls(c.helper, LAST_CALLS);
	storm_wait(&c.storm);
	helper_wait(helper);
	ck_assert_int_eq(kill(r.pid, SIGTERM), 0);
	status = run_wait(&r);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "last stop: status %d: %s",
		      status, read_text(r.err));
	storm_end(&c.storm);

	/* nothing of the group stays, nor its lock */
	ck_assert_uint_eq(group_lines("uprobe_events", GROUP), 0);
	ck_assert_uint_eq(group_lines("dynamic_events", GROUP), 0);
	ck_assert_int_ne(access(LOCK_FILE, F_OK), 0);

	/* every line is JSON: for jansson, and for jq */
	tlog_read(&l, c.log);
	ck_assert_uint_eq(l.bad, 0);
	ck_assert_int_eq(torn_tail(c.log), 0);
	snprintf(cmd, sizeof(cmd), "jq -c .type '%s' >/dev/null", c.log);
	if (system("command -v jq >/dev/null") == 0) {
		ck_assert_msg(system(cmd) == 0, "jq refused %s", c.log);
		printf("kill -9: jq reads all %zu lines\n", l.n);
	} else {
		printf("kill -9: jq is not installed: the log was checked with jansson only\n");
	}

	/* the last run's lines: after its "started" line */
	for (i = 0, k = 0; i < l.n; i++) {
		const char *type = json_string_value(json_object_get(l.lines[i], "type"));
		const char *state = json_string_value(json_object_get(l.lines[i], "state"));

		if (!strcmp(type, "daemon") && state && !strcmp(state, "started") && ++k == first)
			break;
	}
	ck_assert_uint_lt(i, l.n);
	st = NULL;
	for (i++; i < l.n; i++) {
		json_t *o = l.lines[i];
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *probe = json_string_value(json_object_get(o, "probe"));

		if (!strcmp(type, "event")) {
			if (!strcmp(probe, "ppid") &&
			    json_integer_value(json_object_get(o, "tid")) == c.storm.pid)
				ppid++;
			else if (!strcmp(probe, "target"))
				in++;
			else if (!strcmp(probe, "target_ret"))
				out++;
			else
				other++;
		} else if (!strcmp(type, "lost")) {
			lost += (unsigned long long)json_integer_value(json_object_get(o, "count"));
		} else if (!strcmp(type, "daemon")) {
			ck_assert_ptr_null(st);		/* "stopped" is the last daemon line */
			if (!strcmp(json_string_value(json_object_get(o, "state")), "stopped"))
				st = o;
		}
	}
	ck_assert_ptr_nonnull(st);
	written = jget_int(st, "written");
	total = jget_int(st, "lost.total");
	emitted = jget_int(st, "emitted");
	/* counted at the starts that were watched to their "started" line */
	printf("kill -9: %u kills; %u starts watched: they removed %u leftover probes, passed %u "
	       "stale lock files, cut %u torn lines\n", KILLS, c.starts, c.removed, c.stale_locks,
	       c.repaired);
	printf("kill -9: last run: %d getppid + %d helper calls = %d events emitted; "
	       "written %lld (ppid %zu, target %zu, target_ret %zu, other %zu), lost %llu "
	       "(ring %lld, queue %lld, invalid %lld, sink %lld), stopped says emitted %lld\n",
	       LAST_PPID, LAST_CALLS, LAST_PPID + 2 * LAST_CALLS, written, ppid, in, out, other,
	       lost, jget_int(st, "lost.ring"), jget_int(st, "lost.queue"),
	       jget_int(st, "lost.invalid"), jget_int(st, "lost.sink"), emitted);
	ck_assert_uint_eq(other, 0);
	ck_assert_int_eq(written, (long long)(ppid + in + out));
	ck_assert_int_eq(total, (long long)lost);
	ck_assert_int_eq(total, jget_int(st, "lost.ring") + jget_int(st, "lost.queue") +
				jget_int(st, "lost.invalid") + jget_int(st, "lost.sink"));
	ck_assert_int_eq(emitted, written + total);
	/* the kernel's count: every call of the storm, written or counted lost */
	ck_assert_int_eq(emitted, LAST_PPID + 2 * LAST_CALLS);
	ck_assert_uint_le(ppid, LAST_PPID);
	ck_assert_uint_le(in, LAST_CALLS);
	ck_assert_uint_le(out, LAST_CALLS);
	/* every start but those killed before their "started" line was seen */
	ck_assert_uint_ge(c.starts, KILLS - KILLS / M_NR + 1);

	tlog_free(&l);
	unlink(c.log);
	for (k = 0; k <= KILLS; k++) {
		snprintf(cmd, sizeof(cmd), "%s/stderr.%u", c.dir, k);
		unlink(cmd);
	}
	unlink(c.helper);
	rmdir(c.dir);
	itest_conf_remove(c.conf);
}
END_TEST

/* ------------------------------------------------------------------ */
/* tracefs not mounted                                                 */

enum ns_mode {
	NS_MOUNT,		/* tracefs unmounted: the daemon may mount it */
	NS_MOUNT_RO,		/* and /sys read-only */
	NS_NO_ADMIN,		/* and no CAP_SYS_ADMIN: it cannot */
};

/*
 * tracelogd args in a mount namespace of its own where tracefs is not
 * mounted anywhere.  The namespace is private from the start: nothing
 * done in it reaches the host's mounts.
 */
static void ns_spawn(struct run *r, const char *const *args, const char *err, enum ns_mode mode)
{
	const char *argv[32];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->err, sizeof(r->err), "%s", err);
	argv[n++] = getenv("TRACELOGD");
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		union { const char **c; char **v; } u = { argv };
		char line[512], dev[128], path[256], type[64];
		bool again = true;
		FILE *f;

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			fprintf(stderr, "child: namespace: %s\n", strerror(errno));
			_exit(125);
		}
		/* every tracefs (and the debugfs automount of it), until none is left */
		while (again) {
			again = false;
			f = fopen("/proc/mounts", "re");
			if (!f)
				_exit(125);
			while (fgets(line, sizeof(line), f))
				if (sscanf(line, "%127s %255s %63s", dev, path, type) == 3 &&
				    !strcmp(type, "tracefs")) {
					if (umount2(path, MNT_DETACH) < 0) {
						fprintf(stderr, "child: umount %s: %s\n", path,
							strerror(errno));
						_exit(125);
					}
					again = true;
				}
			fclose(f);
		}
		/* per mount (MS_BIND): the host's sysfs stays writable */
		if (mode == NS_MOUNT_RO &&
		    mount("none", "/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
			fprintf(stderr, "child: remount /sys read-only: %s\n", strerror(errno));
			_exit(125);
		}
		/* root without CAP_SYS_ADMIN: out of the bounding set, exec keeps it out */
		if (mode == NS_NO_ADMIN && prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) < 0) {
			fprintf(stderr, "child: drop CAP_SYS_ADMIN: %s\n", strerror(errno));
			_exit(125);
		}
		orphan_dies();
		execv(argv[0], u.v);
		_exit(127);
	}
}

/* the host's tracefs mount points, "path path " */
static void host_tracefs(char *out, size_t len)
{
	char *text = read_text("/proc/mounts"), *line, *save = NULL;
	char dev[128], path[256], type[64];
	size_t off = 0;

	out[0] = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%127s %255s %63s", dev, path, type) == 3 && !strcmp(type, "tracefs"))
			off += (size_t)snprintf(out + off, len - off, "%s ", path);
	free(text);
}

static size_t count_str(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* traced in a namespace without tracefs: it mounts tracefs and works */
static void nomount_traced(enum ns_mode mode)
{
	char dir[] = "/tmp/tracelogd-crash.XXXXXX", log[PATH_MAX], err[PATH_MAX];
	char helper[PATH_MAX], spec[PATH_MAX + 64], filter[64], mounts[2][512], *text;
	const char *args[] = { "-e", "syscalls/sys_enter_getppid", "-f", filter, "-p", spec,
			       "--group", GROUP_MNT, "-o", log, NULL };
	struct storm s;
	struct tlog l;
	struct run r;
	json_t *st;
	size_t ppid, calls;
	pid_t h;
	int status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	helper_copy(dir, helper, sizeof(helper));
	snprintf(spec, sizeof(spec), "uprobe:mnt_target:%s:tl_probe_target n=%%di:s32", helper);
	storm_start(&s);
	snprintf(filter, sizeof(filter), "common_pid == %d", s.pid);
	host_tracefs(mounts[0], sizeof(mounts[0]));

	ns_spawn(&r, args, err, mode);
	ck_assert_msg(run_wait_state(&r, log, "started", 1, 60000) == 0,
		      "tracelogd did not start (status %d): %s", r.status, read_text(err));
	storm_send(&s, 20000);
	h = helper_calls(helper, 1000);
	storm_wait(&s);
	helper_wait(h);
	ck_assert_int_eq(kill(r.pid, SIGTERM), 0);
	status = run_wait(&r);
	storm_end(&s);
	text = read_text(err);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, text);
	/* said once, on stderr */
	ck_assert_uint_eq(count_str(text, "tracefs was not mounted: mounted it on " TRACEFS "\n"), 1);
	/* the host's mounts are as they were, the group is empty */
	host_tracefs(mounts[1], sizeof(mounts[1]));
	ck_assert_str_eq(mounts[0], mounts[1]);
	ck_assert_uint_eq(group_lines("uprobe_events", GROUP_MNT), 0);
	ck_assert_uint_eq(group_lines("dynamic_events", GROUP_MNT), 0);

	tlog_read(&l, log);
	ck_assert_uint_eq(l.bad, 0);
	st = tlog_daemon(&l, "stopped");
	ck_assert_ptr_nonnull(st);
	ppid = tlog_count(&l, "syscalls/sys_enter_getppid", s.pid);
	calls = tlog_count(&l, GROUP_MNT "/mnt_target", 0);
	printf("no tracefs%s: mounted it, stderr \"%.*s\"; 20000 getppid + 1000 calls: "
	       "written %lld (ppid %zu, calls %zu), lost %llu; host tracefs at %s\n",
	       mode == NS_MOUNT_RO ? " (/sys read-only)" : "", (int)strcspn(text, "\n"), text,
	       jget_int(st, "written"), ppid, calls, tlog_lost(&l), mounts[1]);
	ck_assert_int_eq(jget_int(st, "written"), (long long)(ppid + calls));
	ck_assert_int_eq((long long)tlog_lost(&l), jget_int(st, "lost.total"));
	ck_assert_int_eq(jget_int(st, "emitted"), 21000);
	free(text);
	tlog_free(&l);
	unlink(log);
	unlink(err);
	unlink(helper);
	rmdir(dir);
}

START_TEST(test_nomount_mounts)
{
	if (skip)
		return;
	nomount_traced(NS_MOUNT);
}
END_TEST

START_TEST(test_nomount_ro_sys)
{
	if (skip)
		return;
	nomount_traced(NS_MOUNT_RO);
}
END_TEST

/* no CAP_SYS_ADMIN: exit 1, naming the mount and the fix; nothing made */
START_TEST(test_nomount_refused)
{
	char dir[] = "/tmp/tracelogd-crash.XXXXXX", log[PATH_MAX], err[PATH_MAX];
	char conf[300], *text;
	const char *cli[] = { "-e", "syscalls/sys_enter_getppid", "--group", GROUP_MNT, "-o", log,
			      NULL };
	const char *file[] = { "-c", conf, "-o", log, NULL };
	const char *const *args[] = { cli, file };
	struct run r;
	int i, status;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	itest_conf_new(conf, sizeof(conf));
	itest_conf_write(conf, "[daemon]\ngroup = " GROUP_MNT "\n[tracepoint ppid]\n"
			 "event = syscalls/sys_enter_getppid\nfilter = common_pid == 1\n");
	for (i = 0; i < 2; i++) {
		ns_spawn(&r, args[i], err, NS_NO_ADMIN);
		status = run_wait(&r);
		text = read_text(err);
		printf("no tracefs, no CAP_SYS_ADMIN (%s): exit %d, stderr: %s",
		       i ? "-c" : "-e", WIFEXITED(status) ? WEXITSTATUS(status) : -1, text);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d: %s", status,
			      text);
		ck_assert_msg(strstr(text, "tracefs is not mounted and mounting it on " TRACEFS
				     " failed: Operation not permitted"), "%s", text);
		ck_assert_msg(strstr(text, "mount -t tracefs nodev " TRACEFS), "%s", text);
		ck_assert_msg(strstr(text, "systemctl start sys-kernel-tracing.mount"), "%s", text);
		/* one line, and no log made */
		ck_assert_uint_eq(count_str(text, "\n"), 1);
		ck_assert_int_ne(access(log, F_OK), 0);
		free(text);
	}
	ck_assert_uint_eq(group_lines("uprobe_events", GROUP_MNT), 0);
	unlink(err);
	rmdir(dir);
	itest_conf_remove(conf);
}
END_TEST

/*
 * After a failed test: the probes its killed daemons left (a passing test
 * leaves none).  The daemons die with the test (orphan_dies()), their perf
 * fds a moment later: EBUSY until then.
 */
static void remove_leftovers(const char *group)
{
	char line[4096], *sp, name[160], needle[96];
	int tries, fd, left = 0;
	FILE *f;

	snprintf(needle, sizeof(needle), ":%s/", group);
	for (tries = 0; tries < 50; tries++) {
		left = 0;
		f = fopen(TRACEFS "/dynamic_events", "re");
		if (!f)
			return;
		/* outside a test: no ck_assert here */
		while (fgets(line, sizeof(line), f)) {
			if (!(sp = strstr(line, needle)) || (size_t)(sp - line) > 2)
				continue;
			snprintf(name, sizeof(name), "-:%.*s\n", (int)strcspn(sp + 1, " \n"), sp + 1);
			fd = open(TRACEFS "/dynamic_events", O_WRONLY | O_APPEND | O_CLOEXEC);
			if (fd < 0 || write(fd, name, strlen(name)) < 0)
				left++;
			if (fd >= 0)
				close(fd);
		}
		fclose(f);
		if (!left)
			return;
		sleep_us(100000);
	}
	printf("group %s: %d probes could not be removed\n", group, left);
}

int main(void)
{
	Suite *s = suite_create("crash");
	TCase *kill9 = tcase_create("kill -9");
	TCase *nomount = tcase_create("tracefs not mounted");
	SRunner *sr;
	int failed;

	skip = itest_skip_reason();
	if (skip)
		printf("SKIP: crash: %s\n", skip);
	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(kill9, 900);
	tcase_add_test(kill9, test_kill9);
	tcase_set_timeout(nomount, 300);
	tcase_add_test(nomount, test_nomount_mounts);
	tcase_add_test(nomount, test_nomount_ro_sys);
	tcase_add_test(nomount, test_nomount_refused);
	suite_add_tcase(s, kill9);
	suite_add_tcase(s, nomount);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed && !skip) {
		remove_leftovers(GROUP);
		remove_leftovers(GROUP_MNT);
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
