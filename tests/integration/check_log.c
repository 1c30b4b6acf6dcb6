// SPDX-License-Identifier: MIT
/*
 * check_log.c - the log under a real event storm, counted exactly: a
 * child makes N getppid calls (filtered by its pid in the kernel) and
 * every one is either a line in one of the log's files or counted lost.
 *
 *   rotation     the lines across events.jsonl, .1 ... .K, none over the size
 *   reopen       SIGUSR1 after renaming the file away, three times mid-storm
 *   disk full    a 2 MB tmpfs filled up, then space freed: no torn line,
 *                the sink's losses told in "lost" lines, written = N - lost
 *   dir removed  the log's directory removed, then made again
 *   flush        --flush interval: lines come without an idle flush
 *   stats        "stats" lines every second, the metrics file parses
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "integration/itest.h"

#define EVENT "syscalls/sys_enter_getppid"

static const char *skip;

/* ------------------------------------------------------------------ */
/* A child making its calls in phases, each on a byte from the test    */

struct child {
	pid_t pid;
	int go;			/* write a byte: next phase */
	int done;		/* read a byte: that phase is over */
};

static void child_start(struct child *c, const long *calls, int phases)
{
	int p[2], q[2];
	char b;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		close(p[1]);
		close(q[0]);
		for (int i = 0; i < phases; i++) {
			if (read(p[0], &b, 1) != 1)
				_exit(1);
			for (long k = 0; k < calls[i]; k++)
				syscall(SYS_getppid);
			if (write(q[1], "d", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	c->go = p[1];
	c->done = q[0];
}

static void phase_go(struct child *c)
{
	ck_assert_int_eq(write(c->go, "g", 1), 1);
}

static void phase_wait(struct child *c)
{
	char b;

	ck_assert_int_eq(read(c->done, &b, 1), 1);
}

static void phase(struct child *c)
{
	phase_go(c);
	phase_wait(c);
}

static void child_end(struct child *c)
{
	int status;

	close(c->go);
	ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
	close(c->done);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* the filter that keeps the child's calls only */
static const char *child_filter(const struct child *c)
{
	static char f[64];

	snprintf(f, sizeof(f), "common_pid == %d", c->pid);
	return f;
}

static off_t file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* wait up to ms for needle in tracelogd's stderr */
static int wait_stderr(struct tld *t, const char *needle, long ms)
{
	for (; ms > 0; ms -= 20) {
		if (strstr(tld_stderr(t), needle))
			return 1;
		itest_sleep_ms(20);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Counting over several files                                         */

struct tally {
	size_t events;		/* the child's */
	size_t lines;
	size_t bad;		/* not JSON, or torn */
	unsigned long long lost_lines_total;	/* sum of "lost" counts */
	unsigned long long lost_sink;		/* of stage "sink" */
	long long written, ring, queue, invalid, sink;	/* the stopped line; -1: none */
};

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

static void tally_file(struct tally *ty, const char *p, long tid)
{
	struct tlog l;
	json_t *st;
	size_t i;

	tlog_read(&l, p);
	ty->events += tlog_count(&l, EVENT, tid);
	ty->lines += l.n;
	ty->bad += l.bad;
	ty->lost_lines_total += tlog_lost(&l);
	for (i = 0; i < l.n; i++)
		if (!strcmp(jstr(l.lines[i], "type"), "lost") &&
		    !strcmp(jstr(l.lines[i], "stage"), "sink"))
			ty->lost_sink += (unsigned long long)jget_int(l.lines[i], "count");
	st = tlog_daemon(&l, "stopped");
	if (st) {
		ty->written = jget_int(st, "written");
		ty->ring = jget_int(st, "lost.ring");
		ty->queue = jget_int(st, "lost.queue");
		ty->invalid = jget_int(st, "lost.invalid");
		ty->sink = jget_int(st, "lost.sink");
	}
	tlog_free(&l);
}

static void tally_init(struct tally *ty)
{
	memset(ty, 0, sizeof(*ty));
	ty->written = -1;
}

/* every line of every file is whole JSON; the stopped line's sums hold */
static void tally_check(const struct tally *ty, long calls, const char *what)
{
	printf("%s: %ld calls = %zu events in the files + %lld ring + %lld queue + %lld invalid "
	       "+ %lld sink lost\n", what, calls, ty->events, ty->ring, ty->queue, ty->invalid,
	       ty->sink);
	ck_assert_uint_eq(ty->bad, 0);
	ck_assert_msg(ty->written >= 0, "no stopped line");
	ck_assert_int_eq(ty->written, (long long)ty->events);
	ck_assert_int_eq((long long)ty->events + ty->ring + ty->queue + ty->invalid + ty->sink, calls);
	ck_assert_int_eq((long long)ty->lost_lines_total, ty->ring + ty->queue + ty->invalid + ty->sink);
	ck_assert_int_eq((long long)ty->lost_sink, ty->sink);
}

static void rm_rf(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
}

/* ------------------------------------------------------------------ */

#define ROTATE_N 200000

START_TEST(test_rotation)
{
	char dir[] = "/tmp/tracelogd-rot.XXXXXX", log[128], p[160];
	long calls[] = { ROTATE_N };
	struct child c;
	struct tally ty;
	struct tld t;
	unsigned k, files = 1;
	off_t size;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	child_start(&c, calls, 1);
	{
		const char *args[] = { "-e", EVENT, "-f", child_filter(&c), "--rotate-size", "1M",
				       "--rotate-keep", "500", NULL };

		ck_assert_int_eq(tld_start_log(&t, args, log), 0);
	}
	phase(&c);
	child_end(&c);
	ck_assert_int_eq(tld_stop(&t), 0);

	tally_init(&ty);
	tally_file(&ty, log, c.pid);
	ck_assert_int_le(file_size(log), 1 << 20);
	for (k = 1; k <= 500; k++) {
		snprintf(p, sizeof(p), "%s.%u", log, k);
		size = file_size(p);
		if (size < 0)
			break;
		ck_assert_int_le(size, 1 << 20);
		ck_assert_int_gt(size, (1 << 20) - 1000);	/* full, to a line */
		tally_file(&ty, p, c.pid);
		files++;
	}
	snprintf(p, sizeof(p), "%s.%u", log, k + 1);
	ck_assert_int_lt(file_size(p), 0);	/* no gap in the chain */
	printf("rotation: %u files\n", files);
	ck_assert_uint_gt(files, 20);
	tally_check(&ty, ROTATE_N, "rotation");
	tld_cleanup(&t);
	rm_rf(dir);
}
END_TEST

#define REOPEN_N 1000000

START_TEST(test_reopen)
{
	char dir[] = "/tmp/tracelogd-reopen.XXXXXX", log[128], p[160];
	long calls[] = { REOPEN_N };
	struct child c;
	struct tally ty;
	struct tld t;
	size_t before;
	int i, moved = 0;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	child_start(&c, calls, 1);
	{
		const char *args[] = { "-e", EVENT, "-f", child_filter(&c), NULL };

		ck_assert_int_eq(tld_start_log(&t, args, log), 0);
	}
	phase_go(&c);
	/* as logrotate does: rename, then SIGUSR1; each time the file has grown */
	for (i = 0; i < 3; i++) {
		for (int w = 0; w < 500 && file_size(log) < 2 << 20; w++)
			itest_sleep_ms(2);
		snprintf(p, sizeof(p), "%s.r%d", log, i);
		ck_assert_int_eq(rename(log, p), 0);
		ck_assert_int_eq(kill(t.pid, SIGUSR1), 0);
		moved++;
		for (int w = 0; w < 500 && file_size(log) < 0; w++)
			itest_sleep_ms(2);
	}
	phase_wait(&c);
	child_end(&c);
	ck_assert_int_eq(tld_stop(&t), 0);

	tally_init(&ty);
	for (i = 0; i < moved; i++) {
		snprintf(p, sizeof(p), "%s.r%d", log, i);
		before = ty.events;
		tally_file(&ty, p, c.pid);
		printf("reopen: %s: %zu events\n", p, ty.events - before);
		ck_assert_uint_gt(ty.events, before);
	}
	before = ty.events;
	tally_file(&ty, log, c.pid);
	printf("reopen: %s: %zu events\n", log, ty.events - before);
	tally_check(&ty, REOPEN_N, "reopen");
	tld_cleanup(&t);
	rm_rf(dir);
}
END_TEST

/*
 * A 2 MB tmpfs, 1.5 MB of it taken by a filler: the first phase's lines
 * (about 6 MB) fill it and the rest are lost; the filler goes, and the
 * second phase's lines all fit.
 */
#define FULL_N1 20000
#define FULL_N2 2000

START_TEST(test_disk_full)
{
	char dir[] = "/tmp/tracelogd-full.XXXXXX", log[128], filler[128];
	long calls[] = { FULL_N1, FULL_N2 };
	static char zeros[1 << 16];
	struct child c;
	struct tally ty;
	struct tld t;
	int fd, i;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0700") < 0) {
		printf("SKIP: disk full: cannot mount a tmpfs: %s\n", strerror(errno));
		rmdir(dir);
		return;
	}
	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 24; i++)	/* 1.5 MB */
		ck_assert_int_eq(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
	close(fd);

	child_start(&c, calls, 2);
	{
		const char *args[] = { "-e", EVENT, "-f", child_filter(&c), NULL };

		ck_assert_int_eq(tld_start_log(&t, args, log), 0);
	}
	phase(&c);
	ck_assert_msg(wait_stderr(&t, "No space left on device", 5000),
		      "no disk-full message: %s", tld_stderr(&t));
	itest_sleep_ms(1000);		/* the first phase all handled, on a full disk */
	ck_assert_int_eq(unlink(filler), 0);
	ck_assert_msg(wait_stderr(&t, "written again", 5000), "no recovery message: %s",
		      tld_stderr(&t));
	phase(&c);
	child_end(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	printf("disk full: stderr: %s", tld_stderr(&t));

	tally_init(&ty);
	tally_file(&ty, log, c.pid);
	tally_check(&ty, FULL_N1 + FULL_N2, "disk full");
	ck_assert_int_gt(ty.sink, 0);
	ck_assert_uint_ge(ty.events, FULL_N2 - (size_t)(ty.ring + ty.queue));
	tld_cleanup(&t);
	ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
	rmdir(dir);
}
END_TEST

#define DIR_N 1000

START_TEST(test_dir_removed)
{
	char dir[] = "/tmp/tracelogd-dir.XXXXXX", sub[96], log[128];
	long calls[] = { DIR_N, DIR_N, DIR_N };
	struct child c;
	struct tally ty;
	struct tld t;
	const char *err;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/logs", dir);
	ck_assert_int_eq(mkdir(sub, 0750), 0);
	snprintf(log, sizeof(log), "%s/events.jsonl", sub);
	child_start(&c, calls, 3);
	{
		const char *args[] = { "-e", EVENT, "-f", child_filter(&c), NULL };

		ck_assert_int_eq(tld_start_log(&t, args, log), 0);
	}
	phase(&c);
	itest_sleep_ms(500);
	rm_rf(sub);
	ck_assert_msg(wait_stderr(&t, "No such file or directory", 5000), "no message: %s",
		      tld_stderr(&t));
	phase(&c);		/* all lost: the log is down */
	itest_sleep_ms(1000);
	ck_assert_int_eq(mkdir(sub, 0750), 0);
	ck_assert_msg(wait_stderr(&t, "written again", 5000), "no recovery: %s", tld_stderr(&t));
	phase(&c);
	child_end(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	err = tld_stderr(&t);
	printf("dir removed: stderr: %s", err);
	/*
	 * each change of the log said once: down, then up again with the
	 * count (other lines, a CPU taken offline by someone, do not count)
	 */
	{
		int lines = 0;

		for (const char *q = err; (q = strstr(q, "tracelogd: log ")); q++)
			lines++;
		ck_assert_int_eq(lines, 2);
	}
	ck_assert_ptr_nonnull(strstr(err, "1000 event lines"));

	tally_init(&ty);
	tally_file(&ty, log, c.pid);
	ck_assert_uint_eq(ty.bad, 0);
	printf("dir removed: %zu events in the new file, %llu told lost, stopped: written %lld, "
	       "sink %lld, ring %lld, queue %lld\n", ty.events, ty.lost_sink, ty.written, ty.sink,
	       ty.ring, ty.queue);
	/* the first phase went to the deleted file, the second was counted lost */
	ck_assert_int_eq(ty.sink, DIR_N);
	ck_assert_int_eq((long long)ty.lost_sink, DIR_N);
	ck_assert_int_eq(ty.ring + ty.queue, 0);
	ck_assert_uint_eq(ty.events, DIR_N);
	ck_assert_int_eq(ty.written, 2 * DIR_N);
	tld_cleanup(&t);
	rm_rf(dir);
}
END_TEST

/* --flush interval: a line reaches the file within the interval, no idle needed */
START_TEST(test_flush_interval)
{
	long calls[] = { 10 };
	struct child c;
	struct tlog l;
	struct tld t;
	size_t n = 0;
	int i;

	if (skip)
		return;
	child_start(&c, calls, 1);
	{
		const char *args[] = { "-e", EVENT, "-f", child_filter(&c), "--flush", "interval",
				       "--flush-interval", "0.2", NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	phase(&c);
	for (i = 0; i < 100 && n < 10; i++) {
		itest_sleep_ms(20);
		tlog_read(&l, t.log);
		n = tlog_count(&l, EVENT, c.pid);
		tlog_free(&l);
	}
	printf("flush interval: 10 events in the file after %d ms\n", i * 20);
	ck_assert_uint_eq(n, 10);
	child_end(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tld_cleanup(&t);
}
END_TEST

static int metrics_value(const char *text, const char *name, double *v)
{
	const char *p = text;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ')
			return sscanf(p + len, " %lf", v) == 1 ? 0 : -1;
		p += len;
	}
	return -1;
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* every line: # HELP / # TYPE, or name{labels} value */
static void metrics_parse(const char *text)
{
	regex_t re;
	const char *line, *nl;
	size_t samples = 0;

	ck_assert_int_eq(regcomp(&re, "^[a-zA-Z_:][a-zA-Z0-9_:]*"
				 "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\")*\\})?"
				 " -?[0-9.]+([eE][-+]?[0-9]+)?$", REG_EXTENDED), 0);
	for (line = text; *line; line = nl + 1) {
		char l[512];

		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		snprintf(l, sizeof(l), "%.*s", (int)(nl - line), line);
		if (!strncmp(l, "# HELP ", 7) || !strncmp(l, "# TYPE ", 7))
			continue;
		ck_assert_msg(regexec(&re, l, 0, NULL, 0) == 0, "not a sample: %s", l);
		samples++;
	}
	regfree(&re);
	ck_assert_uint_gt(samples, 10);
}

START_TEST(test_stats)
{
	char dir[] = "/tmp/tracelogd-stats.XXXXXX", metrics[128];
	long calls[] = { 100000 };
	struct child c;
	struct tlog l;
	struct tld t;
	json_t *stopped;
	char *text;
	double v;
	size_t i, nstats = 0;
	long long prev = -1, last_events = 0;

	if (skip)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(metrics, sizeof(metrics), "%s/tracelogd.prom", dir);
	child_start(&c, calls, 1);
	{
		const char *args[] = { "-e", EVENT, "-f", child_filter(&c), "--stats-interval", "1",
				       "--metrics-file", metrics, NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	phase(&c);
	/* two stats lines after the storm (a sanitizer build may be slow) */
	for (i = 0; i < 1000 && nstats < 2; i++) {
		size_t k;

		itest_sleep_ms(20);
		tlog_read(&l, t.log);
		for (nstats = 0, k = 0; k < l.n; k++)
			nstats += !strcmp(jstr(l.lines[k], "type"), "stats") &&
				  jget_int(json_object_get(json_object_get(l.lines[k], "probes"),
							   "sys_enter_getppid"), "events") > 0;
		tlog_free(&l);
	}
	nstats = 0;
	text = slurp(metrics);
	metrics_parse(text);
	ck_assert_int_eq(metrics_value(text, "tracelogd_up", &v), 0);
	ck_assert(v == 1);
	free(text);
	child_end(&c);
	ck_assert_int_eq(tld_stop(&t), 0);

	tlog_read(&l, t.log);
	ck_assert_uint_eq(l.bad, 0);
	stopped = tlog_daemon(&l, "stopped");
	ck_assert_ptr_nonnull(stopped);
	for (i = 0; i < l.n; i++) {
		json_t *s = l.lines[i], *p;
		long long ev;

		if (strcmp(jstr(s, "type"), "stats"))
			continue;
		nstats++;
		p = json_object_get(json_object_get(s, "probes"), "sys_enter_getppid");
		ck_assert_ptr_nonnull(p);
		ev = jget_int(p, "events");
		ck_assert_int_ge(ev, prev);
		ck_assert(json_number_value(json_object_get(p, "rate")) >= 0);
		ck_assert_int_ge(jget_int(p, "lost.queue"), 0);
		ck_assert_int_ge(jget_int(s, "queue.records"), 0);
		ck_assert(json_is_array(json_object_get(json_object_get(s, "queue"), "bytes")));
		ck_assert(json_is_true(json_object_get(json_object_get(s, "log"), "up")));
		ck_assert_int_le(jget_int(s, "written"), jget_int(stopped, "written"));
		prev = last_events = ev;
	}
	printf("stats: %zu stats lines, last says %lld events\n", nstats, last_events);
	ck_assert_uint_ge(nstats, 2);
	ck_assert_int_gt(last_events, 0);
	ck_assert_int_le(last_events, calls[0]);

	/* after the stop: up 0, and the final counts */
	text = slurp(metrics);
	metrics_parse(text);
	ck_assert_int_eq(metrics_value(text, "tracelogd_up", &v), 0);
	ck_assert(v == 0);
	ck_assert_int_eq(metrics_value(text, "tracelogd_written_total", &v), 0);
	ck_assert(v == (double)jget_int(stopped, "written"));
	ck_assert_int_eq(metrics_value(text, "tracelogd_events_total{probe=\"sys_enter_getppid\"}", &v), 0);
	ck_assert(v == (double)(jget_int(stopped, "written") + jget_int(stopped, "lost.sink")));
	free(text);
	tlog_free(&l);
	tld_cleanup(&t);
	rm_rf(dir);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "rotation", test_rotation },
		{ "reopen", test_reopen },
		{ "disk full", test_disk_full },
		{ "dir removed", test_dir_removed },
		{ "flush interval", test_flush_interval },
		{ "stats", test_stats },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_set_timeout(tc, 300);
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
		printf("SKIP: integration tests: %s\n", skip);
	setvbuf(stdout, NULL, _IONBF, 0);
	sr = srunner_create(log_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
