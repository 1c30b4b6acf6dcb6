// SPDX-License-Identifier: MIT
/*
 * check_soak.c - a long storm at the shipped default sizes: SOAK_SECONDS
 * (default 600) of getppid calls at SOAK_RATE per second (default 20000),
 * traced from a configuration file that sets nothing but the group, the
 * probe and the metrics file, so that the ring (256 pages), the queues
 * (65536 records), the workers (2), the rotation (64M, 8 kept) and the
 * flush policy are tracelogd's defaults, writing JSON lines to a file.
 *
 * Every few seconds the daemon's VmRSS and descriptors are sampled, and
 * the log's files are looked at: never more than rotate_keep rotated
 * files, none over rotate_size.  Each file the log ever had is kept by a
 * hard link (a rotation past rotate_keep removes the oldest), so that at
 * the end every line it ever wrote is counted.
 *
 * Asserted: nothing lost (ring, queue, sink), the accounting invariant
 * exactly (calls = the "stopped" line's written = event lines counted in
 * all the files), RSS growth under 1% from the mark (10% of the storm, at
 * least a minute or half of it) to the end, the descriptor count the same
 * at the end as at the mark.
 *
 * The default rate holds at the default sizes on the shared 2-CPU
 * development VM with other suites' storms running; a full-rate storm does
 * not (bench/README.md: losses when other suites share the CPUs).
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "integration/itest.h"

#define EVENT		"syscalls/sys_enter_getppid"
#define ROTATE_SIZE	(64ULL << 20)	/* the defaults this test relies on */
#define ROTATE_KEEP	8
#define SAMPLE_MS	2000

static const char *skip;

/*
 * The tracefs group: the file's name and the runner's pid, so that two
 * runs of this file (two builds, a sanitizer's and the plain one) can run
 * side by side; its lock file goes at the end (group_lock_remove).
 */
static char group[64];

static void group_name(void)
{
	snprintf(group, sizeof(group), "%s_%d", "check_soak", (int)getpid());
}

/* the daemon's lock of the group: its holder is gone, and it is ours */
static void group_lock_remove(void)
{
	char p[128];

	snprintf(p, sizeof(p), "/run/tracelogd/%s.lock", group);
	if (unlink(p) < 0 && errno != ENOENT)
		fprintf(stderr, "%s: %s\n", p, strerror(errno));
}


static long env_long(const char *name, long def, long min)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 10);
	ck_assert_msg(!*end && n >= min, "%s=%s: a number of at least %ld", name, v, min);
	return n;
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
 * undoes a mount and removes the directories with their logs
 * (gigabytes after a soak).  A test that ends well undoes it all itself,
 * then made_done().
 */
struct made {
	pid_t daemon;
	pid_t child;		/* the storm */
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

/*
 * rate calls per second in bursts every 10 ms, from the byte on go on; a
 * child that falls behind (the machine is busy) does not catch up, so
 * that the rate never goes above the one asked for.
 */
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
		struct timespec next, now;

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
		while (poll(&pfd, 1, 0) == 0) {
			for (k = 0; k < burst; k++)
				syscall(SYS_getppid);
			calls += burst;
			next.tv_nsec += (long)TICK_NS;
			if (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > next.tv_sec ||
			    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
				next = now;
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

/* ------------------------------------------------------------------ */
/* The daemon's process                                                */

/* the sample name of the Prometheus text file at p; -1 when absent */
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
/* The log's files                                                     */

/*
 * Every file that was the log, kept by a hard link in seen/ named for
 * its inode: the rotation past rotate_keep unlinks the oldest name, not
 * the file.
 */
struct files {
	char log[128];
	char seen[128];
	size_t n;		/* files kept */
	ino_t inodes[4096];
};

static void keep_file(struct files *fs, const char *p)
{
	char tmp[192], name[192];
	struct stat st;
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s/new", fs->seen);
	if (link(p, tmp) < 0) {
		ck_assert_msg(errno == ENOENT, "link %s: %s", p, strerror(errno));
		return;		/* not there (yet, or any more) */
	}
	/* the file linked, whatever a rotation did to the name meanwhile */
	ck_assert_int_eq(stat(tmp, &st), 0);
	for (i = 0; i < fs->n && fs->inodes[i] != st.st_ino; i++)
		;
	if (i < fs->n) {
		unlink(tmp);
		return;
	}
	ck_assert_uint_lt(fs->n, sizeof(fs->inodes) / sizeof(fs->inodes[0]));
	fs->inodes[fs->n++] = st.st_ino;
	snprintf(name, sizeof(name), "%s/%llu", fs->seen, (unsigned long long)st.st_ino);
	ck_assert_int_eq(rename(tmp, name), 0);
}

/*
 * A look at the log's files: the current one and the two newest rotated
 * ones are kept (a file is the current one for about 14 s at the default
 * rate: two rotations between two looks are already far away); no
 * rotated file beyond rotate_keep, none over rotate_size.  Returns the
 * number of rotated files there.
 */
static unsigned look(struct files *fs)
{
	char p[192];
	struct stat st;
	unsigned k, rotated = 0;

	keep_file(fs, fs->log);
	for (k = 1; k <= 2; k++) {
		snprintf(p, sizeof(p), "%s.%u", fs->log, k);
		keep_file(fs, p);
	}
	for (k = 1; k <= ROTATE_KEEP + 4; k++) {
		snprintf(p, sizeof(p), "%s.%u", fs->log, k);
		if (stat(p, &st) < 0)
			continue;
		ck_assert_msg(k <= ROTATE_KEEP, "%s: more rotated files than rotate_keep (%d)", p,
			      ROTATE_KEEP);
		ck_assert_msg((unsigned long long)st.st_size <= ROTATE_SIZE, "%s: %lld bytes", p,
			      (long long)st.st_size);
		rotated++;
	}
	return rotated;
}

struct tally {
	size_t events, other, lines, bad;
	unsigned long long lost;	/* sum of the "lost" lines */
	json_t *stopped;		/* a reference */
};

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* every line of the file at p is a whole JSON object with a type */
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
			if (ty->bad++ < 10)
				fprintf(stderr, "%s: not a whole JSON line: %.200s\n", p, buf);
		} else if (!strcmp(type, "event")) {
			if (!strcmp(jstr(j, "event"), EVENT) &&
			    json_number_value(json_object_get(j, "tid")) == (double)tid)
				ty->events++;
			else
				ty->other++;
		} else if (!strcmp(type, "lost")) {
			ty->lost += (unsigned long long)json_number_value(json_object_get(j, "count"));
		} else if (!strcmp(type, "daemon") && !strcmp(jstr(j, "state"), "stopped")) {
			json_decref(ty->stopped);
			ty->stopped = json_incref(j);
		}
		json_decref(j);
	}
	free(buf);
	fclose(f);
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

static void rm_rf(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
}

/* ------------------------------------------------------------------ */

struct sample {
	double t;		/* seconds since the storm began */
	long rss;		/* KiB */
	int fds;
};

START_TEST(test_soak)
{
	char dir[] = "/tmp/tracelogd-soak.XXXXXX", conf[300], metrics[160], p[256];
	const char *args[] = { "-c", conf, NULL };
	long seconds = env_long("SOAK_SECONDS", 600, 10), rate = env_long("SOAK_RATE", 20000, 100);
	/*
	 * The mark: 10% of the storm, but not before the warm-up is over
	 * (the workers' queues have gone round once, a rotation has been
	 * made), which takes tens of seconds on a loaded machine: a short
	 * storm is judged from its middle.
	 */
	double mark_s = (double)seconds * 0.1 > 60 ? (double)seconds * 0.1 :
			(double)seconds * 0.5 < 60 ? (double)seconds * 0.5 : 60;
	size_t nsamples = 0, i, at10 = 0;
	struct sample *smp;
	struct files *fs;
	struct storm s;
	struct tally ty = { 0 };
	struct tld t;
	long calls, rss_max = 0;
	int fd_min = 1 << 30, fd_max = 0, fd_end = -1;
	unsigned rotated = 0, rotated_max = 0;
	double elapsed, rotations, growth;
	uint64_t t0, end;
	char cpus[64];
	int hotplug = 0, ret;

	if (skip)
		return;
	snprintf(cpus, sizeof(cpus), "%s", cpus_online());
	fs = calloc(1, sizeof(*fs));
	smp = calloc((size_t)seconds * 1000 / SAMPLE_MS + 16, sizeof(*smp));
	ck_assert(fs && smp);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	made_dir(dir, false);
	snprintf(fs->log, sizeof(fs->log), "%s/events.jsonl", dir);
	snprintf(fs->seen, sizeof(fs->seen), "%s/seen", dir);
	ck_assert_int_eq(mkdir(fs->seen, 0700), 0);
	snprintf(metrics, sizeof(metrics), "%s/tracelogd.prom", dir);

	storm_start(&s, rate);
	itest_conf_new(conf, sizeof(conf));
	made_dir(conf, true);
	/* the defaults, but for the group, the metrics file and the probe */
	itest_conf_write(conf, "[daemon]\ngroup = %s\nmetrics_file = %s\n\n"
			 "[tracepoint ppid]\nevent = " EVENT "\nfilter = common_pid == %d\n",
			 group, metrics, s.pid);
	ret = tld_start_log(&t, args, fs->log);
	made_tld(&t);
	ck_assert_int_eq(ret, 0);
	printf("soak: %ld s of getppid at %ld calls/s, default sizes, log %s, CPUs %s\n", seconds,
	       rate, fs->log, cpus);

	storm_go(&s);
	t0 = itest_now_ns();
	end = t0 + (uint64_t)seconds * 1000000000ULL;
	for (;;) {
		uint64_t now = itest_now_ns();
		struct sample *x = &smp[nsamples];

		ck_assert_msg(waitpid(t.pid, NULL, WNOHANG) == 0, "tracelogd ended: %s",
			      tld_stderr(&t));
		x->t = (double)(now - t0) / 1e9;
		if (strcmp(cpus_online(), cpus)) {
			snprintf(cpus, sizeof(cpus), "%s", cpus_online());
			printf("soak: CPUs online changed to %s at %.0f s\n", cpus, x->t);
			hotplug++;
		}
		x->rss = itest_rss_kib(t.pid);
		x->fds = itest_fd_count(t.pid);
		rotated = look(fs);
		if (rotated > rotated_max)
			rotated_max = rotated;
		if (!at10 && x->t >= mark_s)
			at10 = nsamples;
		if (at10) {
			rss_max = x->rss > rss_max ? x->rss : rss_max;
			fd_min = x->fds < fd_min ? x->fds : fd_min;
			fd_max = x->fds > fd_max ? x->fds : fd_max;
		}
		nsamples++;
		if (now >= end)
			break;
		itest_sleep_ms(end - now < SAMPLE_MS * 1000000ULL ? (long)((end - now) / 1000000) + 1 :
			 SAMPLE_MS);
	}
	/*
	 * The end: the storm still runs.  A descriptor may be open for a
	 * moment (a rotation's new file, the metrics file being written):
	 * look again for up to 2 s for the count of the mark.
	 */
	for (i = 0; i < 20; i++) {
		fd_end = itest_fd_count(t.pid);
		if (fd_end == smp[at10].fds)
			break;
		itest_sleep_ms(100);
	}
	calls = storm_stop(&s);
	elapsed = (double)(itest_now_ns() - t0) / 1e9;
	ck_assert_int_eq(made_stop(&t), 0);
	look(fs);

	growth = 100.0 * (double)(smp[nsamples - 1].rss - smp[at10].rss) / (double)smp[at10].rss;
	printf("soak: %ld calls in %.1f s: %.0f events/s\n", calls, elapsed, (double)calls / elapsed);
	printf("soak: VmRSS KiB: first %ld (%.0f s), at the mark %ld (%.0f s), last %ld (%.0f s), "
	       "max after the mark %ld; growth from the mark %+.2f%%\n", smp[0].rss, smp[0].t,
	       smp[at10].rss, smp[at10].t, smp[nsamples - 1].rss, smp[nsamples - 1].t, rss_max,
	       growth);
	printf("soak: descriptors: %d at the start, %d at the mark, %d..%d after it, %d at "
	       "the end\n", smp[0].fds, smp[at10].fds, fd_min, fd_max, fd_end);
	rotations = metric(metrics, "tracelogd_log_rotations_total");
	printf("soak: %.0f rotations, at most %u rotated files at once (rotate_keep %d), %zu files "
	       "kept to count\n", rotations, rotated_max, ROTATE_KEEP, fs->n);

	for (i = 0; i < fs->n; i++) {
		snprintf(p, sizeof(p), "%s/%llu", fs->seen, (unsigned long long)fs->inodes[i]);
		tally_file(&ty, p, s.pid);
	}
	printf("soak: %zu lines, %zu events of the child, %llu lost told; stopped line: emitted "
	       "%lld written %lld lost ring %lld queue %lld invalid %lld sink %lld\n", ty.lines,
	       ty.events, ty.lost, jnum(ty.stopped, "emitted"), jnum(ty.stopped, "written"),
	       jnum(ty.stopped, "lost.ring"), jnum(ty.stopped, "lost.queue"),
	       jnum(ty.stopped, "lost.invalid"), jnum(ty.stopped, "lost.sink"));

	/* nothing lost, every call written, every written line in a file */
	ck_assert_msg(ty.stopped != NULL, "no stopped line");
	ck_assert_uint_eq(ty.bad, 0);
	ck_assert_uint_eq(ty.other, 0);
	ck_assert_int_eq(jnum(ty.stopped, "lost.ring"), 0);
	ck_assert_int_eq(jnum(ty.stopped, "lost.queue"), 0);
	ck_assert_int_eq(jnum(ty.stopped, "lost.invalid"), 0);
	ck_assert_int_eq(jnum(ty.stopped, "lost.sink"), 0);
	ck_assert_int_eq(jnum(ty.stopped, "lost.total"), 0);
	ck_assert_uint_eq(ty.lost, 0);
	ck_assert_msg(jnum(ty.stopped, "emitted") == calls, "emitted %lld, %ld calls%s",
		      jnum(ty.stopped, "emitted"), calls, hotplug ? " (CPUs went offline during "
		      "the storm: the engine does not see the events of a CPU that came back)" : "");
	ck_assert_int_eq(jnum(ty.stopped, "written"), calls);
	/* a file missed between two looks would show here, as fewer events */
	ck_assert_msg(rotations >= 0 && (double)fs->n == rotations + 1,
		      "%zu files kept for %.0f rotations", fs->n, rotations);
	ck_assert_uint_eq(ty.events, (size_t)calls);
	ck_assert_uint_le(rotated_max, ROTATE_KEEP);
	ck_assert_msg(seconds < 600 || rotations > ROTATE_KEEP,
		      "%.0f rotations: the storm never went past rotate_keep", rotations);

	/*
	 * memory and descriptors flat from the mark to the end; memory
	 * not under a sanitizer, whose runtime's own memory grows with the
	 * work (ASan's quarantine, TSan's history): LeakSanitizer and
	 * valgrind look for our leaks there
	 */
	if (!itest_sanitized())
		ck_assert_msg(growth < 1.0, "VmRSS grew %.2f%% from %ld to %ld KiB", growth,
			      smp[at10].rss, smp[nsamples - 1].rss);
	ck_assert_int_eq(fd_end, smp[at10].fds);

	json_decref(ty.stopped);
	free(smp);
	free(fs);
	tld_cleanup(&t);
	itest_conf_remove(conf);
	rm_rf(dir);
	made_done();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("soak");
	TCase *tc = tcase_create("soak");
	SRunner *sr;
	const char *v = getenv("SOAK_SECONDS");
	int failed;

	skip = itest_skip_reason();
	if (skip)
		printf("SKIP: soak: %s\n", skip);
	setvbuf(stdout, NULL, _IONBF, 0);
	made_map();
	group_name();
	/* the storm, then counting every line it wrote (about 5 µs a line) */
	tcase_set_timeout(tc, (double)(v && atol(v) > 0 ? atol(v) : 600) * 1.5 + 600);
	tcase_add_unchecked_fixture(tc, NULL, undo_made);
	tcase_add_test(tc, test_soak);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	group_lock_remove();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
