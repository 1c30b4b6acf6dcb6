// SPDX-License-Identifier: MIT
/*
 * check_signals.c - signals and an unwritable log under a getppid storm,
 * counted exactly: a child makes getppid calls at a steady rate (filtered
 * by its pid in the kernel) and tells how many it made; every one is an
 * event line in one of the log's files or counted lost in the "stopped"
 * line, whose counts the "lost" lines repeat.
 *
 *   signals      100 SIGHUP and 100 SIGUSR1 interleaved, the configuration
 *                switching between two files (a tracepoint and a uprobe
 *                added, then removed) and the log renamed away before every
 *                fourth SIGUSR1, as logrotate does: no crash, every reload
 *                and reopen reported, descriptors and RSS as before
 *   read-only    the log's directory bind-mounted read-only over itself,
 *                then SIGUSR1: the reopen fails, the daemon traces on and
 *                counts the lines it cannot write as sink losses, in its
 *                metrics at once and in the log once it is writable again
 *   chmod 0500   the same with the directory's mode: root (CAP_DAC_OVERRIDE)
 *                creates the file anyway, so nothing is lost; the
 *                read-only mount is the real test
 *
 * Each test uses the group check_signals_PID and removes what it made: the
 * daemon is stopped and the child killed by pid, a bind mount is always
 * undone (also when an assertion ends the test: see struct made).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "integration/itest.h"

#define EVENT	"syscalls/sys_enter_getppid"

static const char *skip;

/*
 * The tracefs group: the file's name and the runner's pid, so that two
 * runs of this file (two builds, a sanitizer's and the plain one) can run
 * side by side; its lock file goes at the end (group_lock_remove).
 */
static char group[64];

static void group_name(void)
{
	snprintf(group, sizeof(group), "%s_%d", "check_signals", (int)getpid());
}

/* the daemon's lock of the group: its holder is gone, and it is ours */
static void group_lock_remove(void)
{
	char p[128];

	snprintf(p, sizeof(p), "/run/tracelogd/%s.lock", group);
	if (unlink(p) < 0 && errno != ENOENT)
		fprintf(stderr, "%s: %s\n", p, strerror(errno));
}


/* /sys/devices/system/cpu/online ("0-1"), in a static buffer */
static const char *cpus_online(void)
{
	static char buf[64];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* ------------------------------------------------------------------ */
/* What the test made, undone even when an assertion ends it          */

/*
 * What a test made, in memory shared with the runner: a failed assertion
 * ends the test's process with _exit() (Check forks one per test), and
 * the runner's teardown (undo_made) then stops the daemon and the child,
 * undoes a mount, restores a mode and removes the directories with their logs
 * (gigabytes after a soak).  A test that ends well undoes it all itself,
 * then made_done().
 */
struct made {
	pid_t daemon;
	pid_t child;		/* the storm */
	char mounted[128];	/* a bind mount over this directory */
	char chmodded[128];	/* a directory made 0500 */
	char dirs[6][300];	/* removed with all they hold */
};

static struct made *made;

/* the memory the test's process and the runner share */
static void made_map(void)
{
	made = mmap(NULL, sizeof(*made), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (made == MAP_FAILED) {
		perror("mmap");
		exit(EXIT_FAILURE);
	}
	memset(made, 0, sizeof(*made));
}

/* the runner's teardown of each test (its process has ended) */
static void undo_made(void)
{
	if (made->mounted[0] && umount2(made->mounted, MNT_DETACH) < 0)
		fprintf(stderr, "umount %s: %s\n", made->mounted, strerror(errno));
	if (made->chmodded[0] && chmod(made->chmodded, 0700) < 0)
		fprintf(stderr, "chmod %s: %s\n", made->chmodded, strerror(errno));
	if (made->child > 0)
		kill(made->child, SIGKILL);
	if (made->daemon > 0 && kill(made->daemon, SIGINT) == 0) {
		/* a clean stop removes its probes from tracefs; SIGKILL after 10 s */
		for (int w = 0; w < 1000 && itest_alive(made->daemon); w++)
			itest_sleep_ms(10);
		if (itest_alive(made->daemon))
			kill(made->daemon, SIGKILL);
	}
	for (size_t i = 0; i < sizeof(made->dirs) / sizeof(made->dirs[0]); i++)
		if (made->dirs[i][0]) {
			char cmd[400];

			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", made->dirs[i]);
			if (system(cmd) != 0)
				fprintf(stderr, "%s: failed\n", cmd);
		}
	memset(made, 0, sizeof(*made));
}

/* dir (or the directory of the file dir, with file) is removed after a failure */
static void made_dir(const char *dir, bool file)
{
	for (size_t i = 0; i < sizeof(made->dirs) / sizeof(made->dirs[0]); i++)
		if (!made->dirs[i][0]) {
			snprintf(made->dirs[i], sizeof(made->dirs[i]), "%s", dir);
			if (file && strrchr(made->dirs[i], '/'))
				*strrchr(made->dirs[i], '/') = 0;
			return;
		}
	ck_abort_msg("more than 6 directories");
}

/* the daemon of tld_start_log() (whatever it returned): stopped, its directory removed */
static void made_tld(const struct tld *t)
{
	made->daemon = t->pid;
	made_dir(t->dir, false);
}

/* tld_stop(), after which the daemon is no one's to stop */
static int made_stop(struct tld *t)
{
	int ret = tld_stop(t);

	made->daemon = 0;
	return ret;
}

/* the test ended well and removed what it made itself */
static void made_done(void)
{
	memset(made, 0, sizeof(*made));
}

/* ------------------------------------------------------------------ */
/* The storm: getppid at a steady rate until told to stop              */

#define TICK_NS	(10 * 1000000ULL)

struct storm {
	pid_t pid;
	int go;			/* a byte: start; closed: stop */
	int result;		/* the child's count of calls, at its end */
};

/* rate calls per second, in bursts every 10 ms, from the byte on go on */
static void storm_start(struct storm *s, long rate)
{
	int p[2], q[2];
	char b;

	/* close-on-exec: the daemon must not hold the storm's pipes open */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(q, O_CLOEXEC), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		cpu_set_t cpu0;
		long burst = rate / 100 > 0 ? rate / 100 : 1, calls = 0, k;
		struct timespec next;

		close(p[1]);
		close(q[0]);
		/*
		 * On CPU 0, as bench/ runs its generators: CPU 0 cannot be
		 * taken offline, so another suite's CPU hotplug test cannot
		 * take the storm's events away from this count.
		 */
		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		if (sched_setaffinity(0, sizeof(cpu0), &cpu0) < 0)
			_exit(1);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		clock_gettime(CLOCK_MONOTONIC, &next);
		/* a POLLHUP on go (the test closed it) ends the storm */
		while (poll(&pfd, 1, 0) == 0) {
			for (k = 0; k < burst; k++)
				syscall(SYS_getppid);
			calls += burst;
			next.tv_nsec += (long)TICK_NS;
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
	close(p[0]);
	close(q[1]);
	s->go = p[1];
	s->result = q[0];
	made->child = s->pid;
}

static void storm_go(struct storm *s)
{
	ck_assert_int_eq(write(s->go, "g", 1), 1);
}

/* stop it; the number of calls it made */
static long storm_stop(struct storm *s)
{
	long calls = -1;
	int status;

	close(s->go);
	ck_assert_int_eq(read(s->result, &calls, sizeof(calls)), (ssize_t)sizeof(calls));
	ck_assert_int_eq(waitpid(s->pid, &status, 0), s->pid);
	made->child = 0;
	close(s->result);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return calls;
}

static const char *storm_filter(const struct storm *s)
{
	static char f[64];

	snprintf(f, sizeof(f), "common_pid == %d", s->pid);
	return f;
}

/* ------------------------------------------------------------------ */
/* The daemon's process: descriptors, memory, stderr                   */

/* what the daemon's descriptors point to, one per line (for a failure) */
static void fd_list(pid_t pid, char *buf, size_t len)
{
	char p[64], q[320], target[256];
	struct dirent *de;
	size_t off = 0;
	DIR *d;

	buf[0] = 0;
	snprintf(p, sizeof(p), "/proc/%d/fd", pid);
	d = opendir(p);
	if (!d)
		return;
	while ((de = readdir(d)) && off + 300 < len) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(q, sizeof(q), "%s/%s", p, de->d_name);
		n = readlink(q, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		off += (size_t)snprintf(buf + off, len - off, "  %s -> %s\n", de->d_name, target);
	}
	closedir(d);
}

static size_t count_str(const char *text, const char *needle)
{
	size_t n = 0;

	for (; (text = strstr(text, needle)); text += strlen(needle))
		n++;
	return n;
}

/* all of the daemon's stderr (tld_stderr() keeps 8 KiB); free it */
static char *stderr_text(struct tld *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(t->err, "r"), *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;

	ck_assert_ptr_nonnull(m);
	while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (f)
		fclose(f);
	fclose(m);
	return buf;
}

/* the last 1500 bytes of text, for a failure's message (a pointer into text) */
static const char *tail(const char *text)
{
	size_t len = strlen(text);

	return len > 1500 ? text + len - 1500 : text;
}

/* n occurrences of needle in the daemon's stderr */
static int stderr_has(struct tld *t, const char *needle, size_t n)
{
	char *text = stderr_text(t);
	int ret = count_str(text, needle) >= n;

	free(text);
	return ret;
}

/* wait up to ms for n occurrences of needle in the daemon's stderr */
static int wait_stderr_n(struct tld *t, const char *needle, size_t n, long ms)
{
	uint64_t end = itest_now_ns() + (uint64_t)ms * 1000000ULL;

	for (;;) {
		if (stderr_has(t, needle, n))
			return 1;
		if (itest_now_ns() > end || waitpid(t->pid, NULL, WNOHANG) == t->pid)
			return 0;
		itest_sleep_ms(2);
	}
}

static off_t file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* ------------------------------------------------------------------ */
/* The metrics file (Prometheus text)                                  */

/* the sample name (with its labels) of the file at p; -1 when absent */
static double metric(const char *p, const char *name)
{
	char line[512];
	size_t len = strlen(name);
	double v = -1;
	FILE *f = fopen(p, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ') {
			v = strtod(line + len + 1, NULL);
			break;
		}
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------ */
/* Counting over the log's files, a line at a time (they are large)    */

struct tally {
	size_t events;		/* the child's getppid events */
	size_t other;		/* any other event line */
	size_t lines, bad;	/* bad: not a JSON object with a type, or torn */
	size_t reloaded, reload_failed, stats;
	unsigned long long lost_lines;	/* sum of the "lost" lines' counts */
	unsigned long long lost_sink;	/* of those, stage "sink" */
	size_t sink_lines;		/* "lost" lines of stage "sink" */
	json_t *stopped;		/* the "stopped" line (a reference) */
	json_t *last_stats;		/* the last "stats" line (a reference) */
};

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

static void tally_file(struct tally *ty, const char *p, pid_t tid)
{
	FILE *f = fopen(p, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;

	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	while ((len = getline(&buf, &cap, f)) > 0) {
		json_t *j = json_loadb(buf, (size_t)len, JSON_DECODE_INT_AS_REAL, NULL);
		const char *type = j ? jstr(j, "type") : "";

		ty->lines++;
		if (!json_is_object(j) || !*type || buf[len - 1] != '\n') {
			fprintf(stderr, "%s:%zu: not a whole JSON line: %.200s\n", p, ty->lines, buf);
			ty->bad++;
		} else if (!strcmp(type, "event")) {
			if (!strcmp(jstr(j, "event"), EVENT) &&
			    json_number_value(json_object_get(j, "tid")) == (double)tid)
				ty->events++;
			else
				ty->other++;
		} else if (!strcmp(type, "lost")) {
			unsigned long long n = (unsigned long long)
				json_number_value(json_object_get(j, "count"));

			ty->lost_lines += n;
			if (!strcmp(jstr(j, "stage"), "sink")) {
				ty->lost_sink += n;
				ty->sink_lines++;
			}
		} else if (!strcmp(type, "stats")) {
			ty->stats++;
			json_decref(ty->last_stats);
			ty->last_stats = json_incref(j);
		} else if (!strcmp(type, "daemon")) {
			const char *state = jstr(j, "state");

			ty->reloaded += !strcmp(state, "reloaded");
			ty->reload_failed += !strcmp(state, "reload-failed");
			if (!strcmp(state, "stopped")) {
				json_decref(ty->stopped);
				ty->stopped = json_incref(j);
			}
		}
		json_decref(j);
	}
	free(buf);
	fclose(f);
}

static void tally_free(struct tally *ty)
{
	json_decref(ty->stopped);
	json_decref(ty->last_stats);
	memset(ty, 0, sizeof(*ty));
}

/* a number in nested objects of o ("lost.ring"); -1 when absent */
static long long jnum(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = o ? json_object_get(o, path) : NULL;
	return json_is_number(o) ? (long long)json_number_value(o) : -1;
}

/* a number of the stopped line */
static long long stopped_int(const struct tally *ty, const char *path)
{
	return jnum(ty->stopped, path);
}

#define STATS_PREFIX "{\"type\":\"stats\","

/* the last "stats" line of the file at p (json_decref it), or NULL */
static json_t *last_stats(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	json_t *last = NULL;

	if (!f)
		return NULL;
	while ((len = getline(&buf, &cap, f)) > 0)
		if (!strncmp(buf, STATS_PREFIX, strlen(STATS_PREFIX)) && buf[len - 1] == '\n') {
			json_decref(last);
			last = json_loadb(buf, (size_t)len, JSON_DECODE_INT_AS_REAL, NULL);
		}
	free(buf);
	fclose(f);
	return last;
}

/*
 * The accounting invariant, exactly: the kernel emitted one event per call
 * (the filter keeps the child's alone), and each is written or counted in
 * one of the stopped line's stages; the "lost" lines say the same.
 */
static void tally_check(const struct tally *ty, long calls, const char *what)
{
	long long written = stopped_int(ty, "written"), ring = stopped_int(ty, "lost.ring"),
		  queue = stopped_int(ty, "lost.queue"), invalid = stopped_int(ty, "lost.invalid"),
		  sink = stopped_int(ty, "lost.sink");

	printf("%s: %ld calls = %zu event lines + %lld ring + %lld queue + %lld invalid + %lld sink "
	       "lost; stopped line: emitted %lld written %lld\n", what, calls, ty->events, ring,
	       queue, invalid, sink, stopped_int(ty, "emitted"), written);
	ck_assert_uint_eq(ty->bad, 0);
	ck_assert_msg(ty->stopped != NULL, "%s: no stopped line", what);
	ck_assert_uint_eq(ty->other, 0);
	ck_assert_int_eq(written, (long long)ty->events);
	ck_assert_msg((long long)ty->events + ring + queue + invalid + sink == calls,
		      "%s: %lld events accounted for, %ld calls (CPUs online now: %s; the engine "
		      "does not see the events of a CPU taken offline and back meanwhile)", what,
		      (long long)ty->events + ring + queue + invalid + sink, calls, cpus_online());
	ck_assert_int_eq(stopped_int(ty, "emitted"), calls);
	ck_assert_int_eq(stopped_int(ty, "lost.total"), ring + queue + invalid + sink);
	ck_assert_int_eq((long long)ty->lost_lines, ring + queue + invalid + sink);
	ck_assert_int_eq((long long)ty->lost_sink, sink);
}

static void rm_rf(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
}

/* no dynamic event of ours is left in tracefs */
static void assert_group_gone(void)
{
	char line[512], want[80];
	FILE *f = fopen("/sys/kernel/tracing/dynamic_events", "r");

	if (!f)
		return;

	snprintf(want, sizeof(want), ":%s/", group);
	while (fgets(line, sizeof(line), f))
		ck_assert_msg(!strstr(line, want), "left in tracefs: %s", line);
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* 100 SIGHUP and 100 SIGUSR1 under a storm                            */

#define SIG_ROUNDS	100
#define SIG_RATE	50000		/* calls per second */
/*
 * What RSS may grow by over the 200 signals.  The engine keeps a closed
 * event's description (and the log its emitter) until it exits, about
 * 2 KiB per event: the 50 reloads to B open 100 events, about 200 KiB
 * (measured: +208 KiB); the rest is allowance for malloc's own growth.
 */
#define RSS_SLACK_KIB	1024

/*
 * Two configurations: A traces the child's getppid; B adds a tracepoint
 * (getpid, which the child never calls) and a uprobe on the helper
 * (which nobody runs), and changes the flush interval (applied at once).
 * A reload between them opens and closes perf events and creates and
 * removes a dynamic event: what would leak if anything did.  The getppid
 * probe is the same in both, so it traces on with no gap.  No rotation
 * by size: the test counts the files it renamed itself, and the default
 * 64M is reached in 6 s at SIG_RATE (a warm-up under a sanitizer takes 60).
 */
#define CONF \
	"[daemon]\n" \
	"group = %s\n" \
	"rotate_size = 0\n" \
	"stats_interval = 1s\n" \
	"metrics_file = %s\n" \
	"%s" \
	"\n" \
	"[tracepoint ppid]\n" \
	"event = " EVENT "\n" \
	"filter = common_pid == %d\n" \
	"%s"

#define CONF_B_TRACEPOINT \
	"\n" \
	"[tracepoint pid]\n" \
	"event = syscalls/sys_enter_getpid\n" \
	"filter = common_pid == %d\n"

#define CONF_B_UPROBE \
	"\n" \
	"[uprobe target]\n" \
	"binary = %s\n" \
	"function = tl_probe_target\n" \
	"fetch = n=%%di:s32\n"

/* configuration A, or B (b); helper: the uprobe's binary, or NULL */
static void write_conf(const char *path, bool b, const char *metrics, pid_t child,
		       const char *helper)
{
	char extra[PATH_MAX + 256];
	int n = 0;

	extra[0] = 0;
	if (b) {
		n = snprintf(extra, sizeof(extra), CONF_B_TRACEPOINT, child);
		if (helper)
			snprintf(extra + n, sizeof(extra) - (size_t)n, CONF_B_UPROBE, helper);
	}
	itest_conf_write(path, CONF, group, metrics, b ? "flush_interval = 500ms\n" : "", child,
			 extra);
}

START_TEST(test_signals)
{
	char dir[] = "/tmp/tracelogd-signals.XXXXXX", log[128], metrics[128], p[192];
	char conf[300], helper[PATH_MAX], fds[8192];
	const char *args[] = { "-c", conf, "-v", NULL };
	const char *reloaded = "tracelogd: reloaded: ", *reopened = "tracelogd: SIGUSR1: log ";
	int fd_before, fd_after = -1, renamed = 0, stable, ret, i;
	long rss_before, rss_after, calls;
	struct storm s;
	struct tally ty = { 0 };
	struct tld t;
	const char *hdir = getenv("HELPERS");
	char *err;
	uint64_t t0;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	made_dir(dir, false);
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	snprintf(metrics, sizeof(metrics), "%s/tracelogd.prom", dir);
	snprintf(p, sizeof(p), "%s/helper_probe", hdir ? hdir : ".");
	if (!hdir || !realpath(p, helper)) {
		printf("signals: no helper_probe (HELPERS): the reloads switch a tracepoint only\n");
		helper[0] = 0;
	}
	storm_start(&s, SIG_RATE);
	itest_conf_new(conf, sizeof(conf));
	made_dir(conf, true);
	write_conf(conf, false, metrics, s.pid, NULL);
	ret = tld_start_log(&t, args, log);
	made_tld(&t);
	ck_assert_int_eq(ret, 0);
	storm_go(&s);

	/*
	 * Warmed up: a worker's queue is a byte ring mapped untouched, whose
	 * pages become resident as the records go round it the first time
	 * (8 MiB at the default queue_depth, all the child's records going to
	 * one worker): before that, RSS grows with no leak.  Wait until it
	 * stayed the same for 2 s; not under a sanitizer, whose RSS is not
	 * checked (and does not settle in the 60 s the wait allows).
	 */
	for (i = 0; i < 5000 && file_size(log) < (1 << 20); i++)
		itest_sleep_ms(2);
	rss_before = itest_rss_kib(t.pid);
	for (i = 0, stable = 0; i < 240 && stable < 8 && !itest_sanitized(); i++) {
		long r;

		itest_sleep_ms(250);
		r = itest_rss_kib(t.pid);
		stable = r == rss_before ? stable + 1 : 0;
		rss_before = r;
	}
	printf("signals: warm-up: VmRSS steady at %ld KiB after %.2f s\n", rss_before,
	       (double)i / 4);
	fd_before = itest_fd_count(t.pid);
	fd_list(t.pid, fds, sizeof(fds));
	printf("signals: before: %d descriptors, VmRSS %ld KiB\n", fd_before, rss_before);

	t0 = itest_now_ns();
	for (i = 0; i < SIG_ROUNDS; i++) {
		int hup_first = i % 2 == 0;

		/*
		 * Each signal is sent once the last one of its kind was taken
		 * (a pending signal does not queue twice), so that every one of
		 * them must be reported; the two kinds arrive together.
		 */
		write_conf(conf, i % 2 == 0, metrics, s.pid, helper[0] ? helper : NULL);
		if (i % 4 == 3) {
			/* logrotate: rename, then SIGUSR1 */
			snprintf(p, sizeof(p), "%s.r%d", log, renamed);
			ck_assert_int_eq(rename(log, p), 0);
			renamed++;
		}
		ck_assert_int_eq(kill(t.pid, hup_first ? SIGHUP : SIGUSR1), 0);
		ck_assert_int_eq(kill(t.pid, hup_first ? SIGUSR1 : SIGHUP), 0);
		ck_assert_msg(wait_stderr_n(&t, reloaded, (size_t)i + 1, 60000),
			      "round %d: no reload reported: %s", i, tail(tld_stderr(&t)));
		ck_assert_msg(wait_stderr_n(&t, reopened, (size_t)i + 1, 60000),
			      "round %d: no reopen reported: %s", i, tail(tld_stderr(&t)));
	}
	printf("signals: %d SIGHUP and %d SIGUSR1 handled in %.1f s, the log renamed %d times\n",
	       SIG_ROUNDS, SIG_ROUNDS, (double)(itest_now_ns() - t0) / 1e9, renamed);

	/*
	 * Settled: the configuration is A again (the last reload), nothing is
	 * being reloaded or reopened.  A descriptor may be open for a moment
	 * (the metrics file being written): look again for up to 5 s.
	 */
	for (i = 0; i < 50; i++) {
		fd_after = itest_fd_count(t.pid);
		if (fd_after == fd_before)
			break;
		itest_sleep_ms(100);
	}
	rss_after = itest_rss_kib(t.pid);
	printf("signals: after: %d descriptors, VmRSS %ld KiB (%+ld KiB)\n", fd_after, rss_after,
	       rss_after - rss_before);
	if (fd_after != fd_before) {
		char now[8192];

		fd_list(t.pid, now, sizeof(now));
		ck_abort_msg("descriptors: %d before, %d after\nbefore:\n%safter:\n%s", fd_before,
			     fd_after, fds, now);
	}
	/*
	 * A sanitizer's runtime holds memory of its own that grows with what
	 * the program does (ASan's quarantine, TSan's history and sync
	 * objects): VmRSS says nothing of our leaks there, which LeakSanitizer
	 * and valgrind look for.
	 */
	if (!itest_sanitized())
		ck_assert_msg(rss_after <= rss_before + RSS_SLACK_KIB,
			      "VmRSS grew from %ld to %ld KiB over %d signals", rss_before,
			      rss_after, 2 * SIG_ROUNDS);

	calls = storm_stop(&s);
	ck_assert_int_eq(made_stop(&t), 0);
	err = stderr_text(&t);
	printf("signals: stderr: %zu reloads and %zu reopens reported\n", count_str(err, reloaded),
	       count_str(err, reopened));
	ck_assert_uint_eq(count_str(err, reloaded), SIG_ROUNDS);
	ck_assert_uint_eq(count_str(err, reopened), SIG_ROUNDS);
	/* no reload or reopen refused anything (a CPU taken offline would) */
	{
		const char *bad[] = { "cannot", "reload failed", "reload: " };

		for (i = 0; i < 3; i++) {
			const char *at = strstr(err, bad[i]), *sol = at;

			while (sol && sol > err && sol[-1] != '\n')
				sol--;
			ck_assert_msg(!at, "on stderr: %.*s (CPUs online now: %s)",
				      (int)strcspn(sol ? sol : "", "\n"), sol ? sol : "", cpus_online());
		}
	}
	free(err);

	for (i = 0; i < renamed; i++) {
		snprintf(p, sizeof(p), "%s.r%d", log, i);
		tally_file(&ty, p, s.pid);
	}
	tally_file(&ty, log, s.pid);
	printf("signals: %zu lines in %d files, %zu reloaded lines, %zu stats lines\n", ty.lines,
	       renamed + 1, ty.reloaded, ty.stats);
	tally_check(&ty, calls, "signals");
	ck_assert_uint_eq(ty.reloaded, SIG_ROUNDS);
	ck_assert_uint_eq(ty.reload_failed, 0);
	/* the final metrics: every reopen counted, none after a deletion */
	printf("signals: metrics: %.0f reopens, %.0f written\n",
	       metric(metrics, "tracelogd_log_reopens_total"),
	       metric(metrics, "tracelogd_written_total"));
	ck_assert(metric(metrics, "tracelogd_log_reopens_total") == SIG_ROUNDS);
	ck_assert(metric(metrics, "tracelogd_written_total") == (double)ty.events);
	assert_group_gone();

	tally_free(&ty);
	for (i = 0; i < renamed; i++) {
		snprintf(p, sizeof(p), "%s.r%d", log, i);
		unlink(p);
	}
	tld_cleanup(&t);
	itest_conf_remove(conf);
	rm_rf(dir);
	made_done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* The log's directory unwritable while the storm goes on              */

#define RO_RATE		20000
#define RO_SINK_MIN	5000	/* sink losses seen before the directory is writable */

/*
 * The directory becomes read-only under the open file: the file is still
 * written through its descriptor (it was opened before) until SIGUSR1
 * closes it; then no file can be opened, the daemon says so once,
 * counts each event line as a sink loss and keeps tracing; its metrics
 * show the log down.  Once the directory is writable again (the daemon's
 * periodic check, or the next SIGUSR1, reopens it) the losses are told in
 * a "lost" line of stage "sink", on stderr with their count, and in the
 * stats and metrics.
 */
START_TEST(test_readonly_dir)
{
	char dir[] = "/tmp/tracelogd-ro.XXXXXX", mdir[] = "/tmp/tracelogd-rom.XXXXXX";
	char log[128], metrics[128], filter[64], want[256];
	struct storm s;
	struct tally ty = { 0 };
	struct tld t;
	double sink_down = 0;
	off_t size_down;
	long calls;
	int i;
	char *err;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	made_dir(dir, false);
	ck_assert_ptr_nonnull(mkdtemp(mdir));
	made_dir(mdir, false);
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	/* the metrics elsewhere: they must tell while the log cannot */
	snprintf(metrics, sizeof(metrics), "%s/tracelogd.prom", mdir);
	storm_start(&s, RO_RATE);
	snprintf(filter, sizeof(filter), "%s", storm_filter(&s));
	{
		const char *args[] = { "-e", EVENT, "-f", filter, "--group", group, "-v",
				       "--stats-interval", "1", "--metrics-file", metrics, NULL };
		int ret = tld_start_log(&t, args, log);

		made_tld(&t);
		ck_assert_int_eq(ret, 0);
	}
	storm_go(&s);
	for (i = 0; i < 5000 && file_size(log) < (256 << 10); i++)
		itest_sleep_ms(2);

	/* read-only: a bind mount of the directory over itself, remounted ro */
	ck_assert_int_eq(mount(dir, dir, NULL, MS_BIND, NULL), 0);
	snprintf(made->mounted, sizeof(made->mounted), "%s", dir);
	ck_assert_int_eq(mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	ck_assert_int_lt(open(log, O_WRONLY | O_APPEND | O_CLOEXEC), 0);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(kill(t.pid, SIGUSR1), 0);
	ck_assert_msg(wait_stderr_n(&t, "SIGUSR1: cannot reopen the log", 1, 10000),
		      "no failed reopen: %s", tail(tld_stderr(&t)));
	ck_assert_msg(wait_stderr_n(&t, "cannot open: Read-only file system", 1, 10000),
		      "no outage message: %s", tail(tld_stderr(&t)));
	size_down = file_size(log);

	/* the storm goes on; the metrics show the log down, and the losses grow */
	for (i = 0; i < 3000; i++) {
		sink_down = metric(metrics, "tracelogd_lost_total{stage=\"sink\"}");
		if (sink_down >= RO_SINK_MIN && metric(metrics, "tracelogd_log_up") == 0)
			break;
		itest_sleep_ms(10);
	}
	printf("read-only: metrics while down: log_up %.0f, sink lost %.0f, up %.0f\n",
	       metric(metrics, "tracelogd_log_up"), sink_down, metric(metrics, "tracelogd_up"));
	ck_assert(metric(metrics, "tracelogd_log_up") == 0);
	ck_assert(metric(metrics, "tracelogd_up") == 1);
	ck_assert(sink_down >= RO_SINK_MIN);
	/* a second SIGUSR1 while down: refused again, still running */
	ck_assert_int_eq(kill(t.pid, SIGUSR1), 0);
	ck_assert_msg(wait_stderr_n(&t, "SIGUSR1: cannot reopen the log", 2, 10000),
		      "no second failed reopen: %s", tail(tld_stderr(&t)));
	ck_assert_int_eq(waitpid(t.pid, NULL, WNOHANG), 0);
	ck_assert_int_eq(file_size(log), size_down);

	/* writable again, and logrotate's SIGUSR1 */
	ck_assert_int_eq(umount2(dir, 0), 0);
	made->mounted[0] = 0;
	ck_assert_int_eq(kill(t.pid, SIGUSR1), 0);
	ck_assert_msg(wait_stderr_n(&t, "written again", 1, 10000), "no recovery: %s",
		      tail(tld_stderr(&t)));
	ck_assert_msg(wait_stderr_n(&t, "SIGUSR1: log ", 1, 10000), "no reopen: %s", tail(tld_stderr(&t)));
	/* a stats line after the outage, written, that tells the losses */
	for (i = 0; i < 500; i++) {
		json_t *st = last_stats(log);
		bool told = st && json_is_true(json_object_get(json_object_get(st, "log"), "up")) &&
			    jnum(st, "lost.sink") >= RO_SINK_MIN;

		json_decref(st);
		if (told)
			break;
		itest_sleep_ms(20);
	}
	ck_assert_msg(i < 500, "no stats line with the sink's losses after the outage");
	calls = storm_stop(&s);
	ck_assert_int_eq(made_stop(&t), 0);
	err = stderr_text(&t);
	printf("read-only: stderr:\n%s", err);

	tally_file(&ty, log, s.pid);
	tally_check(&ty, calls, "read-only");
	/* one outage, told once: one "lost" line of the sink, its count on stderr */
	ck_assert_int_ge(stopped_int(&ty, "lost.sink"), RO_SINK_MIN);
	ck_assert_uint_eq(ty.sink_lines, 1);
	ck_assert_uint_eq(count_str(err, "cannot open: Read-only file system"), 1);
	ck_assert_uint_eq(count_str(err, "written again"), 1);
	snprintf(want, sizeof(want), "written again (after open: Read-only file system); %lld event "
		 "lines lost", stopped_int(&ty, "lost.sink"));
	ck_assert_msg(strstr(err, want), "no \"%s\" in: %s", want, tail(err));
	free(err);
	ck_assert_int_eq(jnum(ty.last_stats, "lost.sink"), stopped_int(&ty, "lost.sink"));
	/* the metrics after the stop: the same count, the log up */
	printf("read-only: metrics after the stop: sink lost %.0f, log_up %.0f\n",
	       metric(metrics, "tracelogd_lost_total{stage=\"sink\"}"),
	       metric(metrics, "tracelogd_log_up"));
	ck_assert(metric(metrics, "tracelogd_lost_total{stage=\"sink\"}") ==
		  (double)stopped_int(&ty, "lost.sink"));
	ck_assert(metric(metrics, "tracelogd_log_up") == 1);

	tally_free(&ty);
	tld_cleanup(&t);
	rm_rf(dir);
	rm_rf(mdir);
	made_done();
}
END_TEST

/*
 * chmod 0500 on the directory, the log renamed away, SIGUSR1: the reopen
 * must create the file in a directory without write permission.  The
 * daemon runs as root, and CAP_DAC_OVERRIDE ignores the mode: the file is
 * created and nothing is lost.  (A daemon without that capability would
 * take the read-only path above, which does not depend on privileges.)
 */
START_TEST(test_chmod_dir)
{
	char dir[] = "/tmp/tracelogd-chmod.XXXXXX", log[128], moved[160], filter[64];
	struct storm s;
	struct tally ty = { 0 };
	struct tld t;
	long calls;
	int i;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	made_dir(dir, false);
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	snprintf(moved, sizeof(moved), "%s.1", log);
	storm_start(&s, RO_RATE);
	snprintf(filter, sizeof(filter), "%s", storm_filter(&s));
	{
		const char *args[] = { "-e", EVENT, "-f", filter, "--group", group, "-v", NULL };
		int ret = tld_start_log(&t, args, log);

		made_tld(&t);
		ck_assert_int_eq(ret, 0);
	}
	storm_go(&s);
	for (i = 0; i < 5000 && file_size(log) < (256 << 10); i++)
		itest_sleep_ms(2);
	ck_assert_int_eq(rename(log, moved), 0);
	ck_assert_int_eq(chmod(dir, 0500), 0);
	snprintf(made->chmodded, sizeof(made->chmodded), "%s", dir);
	ck_assert_int_eq(kill(t.pid, SIGUSR1), 0);
	ck_assert_msg(wait_stderr_n(&t, "SIGUSR1: log ", 1, 10000), "no reopen: %s", tail(tld_stderr(&t)));
	ck_assert_int_ge(file_size(log), 0);
	printf("chmod 0500: root created %s in a 0500 directory (CAP_DAC_OVERRIDE): "
	       "modes do not stop root; the read-only mount is the real test\n", log);
	itest_sleep_ms(500);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	made->chmodded[0] = 0;
	calls = storm_stop(&s);
	ck_assert_int_eq(made_stop(&t), 0);
	ck_assert_msg(!strstr(tail(tld_stderr(&t)), "cannot"), "%s", tail(tld_stderr(&t)));

	tally_file(&ty, moved, s.pid);
	tally_file(&ty, log, s.pid);
	tally_check(&ty, calls, "chmod 0500");
	ck_assert_int_eq(stopped_int(&ty, "lost.sink"), 0);
	tally_free(&ty);
	unlink(moved);
	tld_cleanup(&t);
	rm_rf(dir);
	made_done();
}
END_TEST

static Suite *signals_suite(void)
{
	Suite *s = suite_create("signals");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "signals", test_signals },
		{ "read-only dir", test_readonly_dir },
		{ "chmod dir", test_chmod_dir },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_unchecked_fixture(tc, NULL, undo_made);
		tcase_set_timeout(tc, 600);
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
	if (skip)
		printf("SKIP: signals: %s\n", skip);
	setvbuf(stdout, NULL, _IONBF, 0);
	made_map();
	group_name();
	sr = srunner_create(signals_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	group_lock_remove();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
