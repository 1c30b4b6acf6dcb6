// SPDX-License-Identifier: MIT
/*
 * check_trace.c - tracelogd on the real kernel, counted: a child makes
 * exactly N getppid calls and the log holds N events for its tid (or the
 * shortfall is reported as lost); exec and task names; all the syscall
 * tracepoints at once; forced loss with exact accounting; bad input.
 * Every line of every log must parse as JSON.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "integration/itest.h"

#define STORM_N 200000

static const char *skip;

/* a child that waits for a byte on a pipe, then runs fn, then exits */
struct child {
	pid_t pid;
	int go;			/* write end */
	int done;		/* read end: closed by the child when it is done */
};

static void child_start(struct child *c, void (*fn)(void *), void *arg)
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
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		fn(arg);
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	c->go = p[1];
	c->done = q[0];
}

static void child_run(struct child *c)
{
	int status;

	ck_assert_int_eq(write(c->go, "g", 1), 1);
	close(c->go);
	ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
	close(c->done);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void getppid_storm(void *arg)
{
	long n = (long)arg, i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void check_stopped(struct tlog *l)
{
	json_t *st = tlog_daemon(l, "stopped");

	ck_assert_msg(st != NULL, "no stopped line");
	ck_assert_uint_eq(l->bad, 0);
	/* the "lost" lines add up to the totals of the stopped line */
	ck_assert_int_eq((long long)tlog_lost(l),
			 jget_int(st, "lost.ring") + jget_int(st, "lost.queue") +
			 jget_int(st, "lost.invalid") + jget_int(st, "lost.sink"));
}

/*
 * Trace with args while fn runs in a child, which writes len bytes of
 * results to the fd it is given: read them into out, stop, read the log.
 */
static void traced_child(const char **args, void (*fn)(void *), void *out, size_t len,
			 struct child *c, struct tld *t, struct tlog *l)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	child_start(c, fn, (void *)(long)p[1]);
	close(p[1]);
	ck_assert_int_eq(tld_start(t, args), 0);
	child_run(c);
	ck_assert_int_eq(read(p[0], out, len), (ssize_t)len);
	close(p[0]);
	ck_assert_int_eq(tld_stop(t), 0);
	tlog_read(l, t->log);
	check_stopped(l);
}

START_TEST(test_getppid_exact)
{
	struct tld t;
	struct tlog l;
	struct child c;
	const char *args[] = { "-e", "syscalls/sys_enter_getppid", NULL };
	size_t n;
	unsigned long long lost;

	if (skip)
		return;
	child_start(&c, getppid_storm, (void *)(long)STORM_N);
	ck_assert_int_eq(tld_start(&t, args), 0);
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	n = tlog_count(&l, "syscalls/sys_enter_getppid", c.pid);
	lost = tlog_lost(&l);
	printf("getppid: %d calls, %zu events for the child, %llu reported lost\n",
	       STORM_N, n, lost);
	if (lost == 0)
		ck_assert_uint_eq(n, STORM_N);
	else
		ck_assert_uint_ge(n + lost, STORM_N);
	tlog_free(&l);
	tld_cleanup(&t);
}
END_TEST

/*
 * Each event's mono_ns against the traced call's own clock_gettime
 * (CLOCK_MONOTONIC) just before and just after it: the record's time must
 * lie between the two, give or take the error the started line states for
 * perf's clock (the offset to CLOCK_MONOTONIC is measured, not exact).
 */
#define BRACKETS 2000

struct brackets {
	uint64_t t0[BRACKETS], t1[BRACKETS];
};

static void bracketed_calls(void *arg)
{
	static struct brackets b;
	int fd = (int)(long)arg, i;

	for (i = 0; i < BRACKETS; i++) {
		b.t0[i] = itest_now_ns();
		syscall(SYS_getppid);
		b.t1[i] = itest_now_ns();
	}
	if (write(fd, &b, sizeof(b)) != (ssize_t)sizeof(b))
		_exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void time_check(const char *clock_opt)
{
	static struct brackets b;
	struct tld t;
	struct tlog l;
	struct child c;
	const char *args[] = { "-e", "syscalls/sys_enter_getppid", "--clock", clock_opt, NULL };
	uint64_t *mono, worst = 0, tolerance = 0;
	size_t i, n = 0, inside = 0;
	const char *clock;
	json_t *st;

	traced_child(args, bracketed_calls, &b, sizeof(b), &c, &t, &l);
	ck_assert_int_eq(jget_int(tlog_daemon(&l, "stopped"), "lost.total"), 0);
	st = tlog_daemon(&l, "started");
	ck_assert(st != NULL);
	clock = json_string_value(json_object_get(st, "clock"));
	ck_assert(clock != NULL);
	/* perf's clock on any kernel that can measure its offset, as this one */
	ck_assert_str_eq(clock, clock_opt);
	/*
	 * perf's: the offset is measured every 100 ms, each time to within
	 * its own error; the started line gives the first.  The bound allows
	 * for the later ones being several times wider (a preempted
	 * measurement).  monotonic: exact.
	 */
	if (!strcmp(clock, "perf"))
		tolerance = 10 * (uint64_t)jget_int(st, "clock_error_ns") + 2000;
	else
		ck_assert_ptr_null(json_object_get(st, "clock_error_ns"));
	mono = calloc(BRACKETS, sizeof(*mono));
	ck_assert(mono != NULL);
	for (i = 0; i < l.n; i++) {
		json_t *o = l.lines[i];

		if (json_integer_value(json_object_get(o, "tid")) != c.pid)
			continue;
		ck_assert_uint_lt(n, BRACKETS);
		mono[n++] = (uint64_t)json_integer_value(json_object_get(o, "mono_ns"));
	}
	ck_assert_uint_eq(n, BRACKETS);
	qsort(mono, n, sizeof(*mono), cmp_u64);
	for (i = 0; i < n; i++) {
		uint64_t out = 0;

		if (mono[i] < b.t0[i])
			out = b.t0[i] - mono[i];
		else if (mono[i] > b.t1[i])
			out = mono[i] - b.t1[i];
		else
			inside++;
		if (out > worst)
			worst = out;
	}
	printf("time: clock %s, stated error %lld ns; %zu of %d events inside their call's "
	       "clock_gettime bracket, worst outside by %llu ns (bound %llu ns)\n",
	       clock, json_object_get(st, "clock_error_ns") ? jget_int(st, "clock_error_ns") : 0,
	       inside, BRACKETS, (unsigned long long)worst, (unsigned long long)tolerance);
	ck_assert_uint_le(worst, tolerance);
	free(mono);
	tlog_free(&l);
	tld_cleanup(&t);
}

START_TEST(test_time_true)
{
	if (skip)
		return;
	time_check("perf");
	time_check("monotonic");
}
END_TEST

static long thread_tid;

static void *thread_storm(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	getppid_storm((void *)1000L);
	return NULL;
}

static void threaded_storm(void *arg)
{
	pthread_t t;
	int fd = (int)(long)arg;

	/* threads started after tracing: their pid comes from the FORK record */
	pthread_create(&t, NULL, thread_storm, NULL);
	pthread_join(t, NULL);
	if (write(fd, &thread_tid, sizeof(thread_tid)) != (ssize_t)sizeof(thread_tid))
		_exit(1);
}

/* pid is the process, tid the thread, for a thread born while tracing */
START_TEST(test_thread_ids)
{
	struct tld t;
	struct tlog l;
	struct child c;
	const char *args[] = { "-e", "syscalls/sys_enter_getppid", NULL };
	long tid = 0;
	size_t i, n = 0;

	if (skip)
		return;
	traced_child(args, threaded_storm, &tid, sizeof(tid), &c, &t, &l);
	for (i = 0; i < l.n; i++) {
		json_t *o = l.lines[i];

		if (json_integer_value(json_object_get(o, "tid")) != tid)
			continue;
		n++;
		ck_assert_int_eq(json_integer_value(json_object_get(o, "pid")), c.pid);
		ck_assert_str_eq(json_string_value(json_object_get(o, "comm")), "check_trace");
	}
	ck_assert_int_ne(tid, c.pid);
	ck_assert_uint_eq(n, 1000);
	tlog_free(&l);
	tld_cleanup(&t);
}
END_TEST

static void rename_then_storm(void *arg)
{
	(void)arg;
	getppid_storm((void *)1000L);
	prctl(PR_SET_NAME, "tld-renamed", 0, 0, 0);
	getppid_storm((void *)1000L);
}

START_TEST(test_comm_rename)
{
	struct tld t;
	struct tlog l;
	struct child c;
	const char *args[] = { "-e", "syscalls/sys_enter_getppid", NULL };
	char filter[64];
	size_t i, before = 0, after = 0, other = 0;

	if (skip)
		return;
	child_start(&c, rename_then_storm, NULL);
	snprintf(filter, sizeof(filter), "common_pid == %d", c.pid);
	{
		const char *fargs[] = { args[0], args[1], "-f", filter, NULL };

		ck_assert_int_eq(tld_start(&t, fargs), 0);
	}
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	for (i = 0; i < l.n; i++) {
		json_t *o = l.lines[i];
		const char *comm;

		if (strcmp(json_string_value(json_object_get(o, "type")), "event"))
			continue;
		comm = json_string_value(json_object_get(o, "comm"));
		if (!strcmp(comm, "check_trace"))
			before++;
		else if (!strcmp(comm, "tld-renamed"))
			after++;
		else
			other++;
	}
	printf("comm: %zu events as check_trace, %zu as tld-renamed, %zu other\n",
	       before, after, other);
	ck_assert_uint_eq(before, 1000);
	ck_assert_uint_eq(after, 1000);
	ck_assert_uint_eq(other, 0);
	tlog_free(&l);
	tld_cleanup(&t);
}
END_TEST

static void exec_true(void *arg)
{
	(void)arg;
	execl("/bin/true", "true", (char *)NULL);
	_exit(1);
}

START_TEST(test_exec)
{
	struct tld t;
	struct tlog l;
	struct child c;
	const char *args[] = { "-e", "sched/sched_process_exec", "-e", "sched:sched_process_exit", NULL };
	size_t i, execs = 0, exits = 0;

	if (skip)
		return;
	child_start(&c, exec_true, NULL);
	ck_assert_int_eq(tld_start(&t, args), 0);
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	for (i = 0; i < l.n; i++) {
		json_t *o = l.lines[i], *f = json_object_get(o, "fields");
		const char *ev = json_string_value(json_object_get(o, "event"));

		/* the main thread: a sanitizer's helper thread exits at exec too */
		if (!ev || json_integer_value(json_object_get(o, "tid")) != c.pid)
			continue;
		if (!strcmp(ev, "sched/sched_process_exec")) {
			execs++;
			ck_assert_str_eq(json_string_value(json_object_get(f, "filename")), "/bin/true");
			ck_assert_str_eq(json_string_value(json_object_get(o, "comm")), "true");
			ck_assert_int_eq(json_integer_value(json_object_get(f, "pid")), c.pid);
			ck_assert_str_eq(json_string_value(json_object_get(o, "probe")), "sched_process_exec");
			ck_assert(json_is_integer(json_object_get(o, "mono_ns")));
			ck_assert(json_is_integer(json_object_get(o, "cpu")));
			ck_assert_int_eq(strlen(json_string_value(json_object_get(o, "ts"))), 30);
		} else if (!strcmp(ev, "sched/sched_process_exit")) {
			exits++;
			ck_assert_str_eq(json_string_value(json_object_get(f, "comm")), "true");
			ck_assert_str_eq(json_string_value(json_object_get(o, "comm")), "true");
		}
	}
	ck_assert_uint_eq(execs, 1);
	ck_assert_uint_eq(exits, 1);
	tlog_free(&l);
	tld_cleanup(&t);
}
END_TEST

static void exec_storm(void *arg)
{
	int i, j;

	(void)arg;
	/* two parallel loops, so parent and child often sit on different CPUs */
	for (j = 0; j < 2; j++) {
		if (fork() == 0) {
			for (i = 0; i < 300; i++) {
				pid_t p = fork();

				if (p == 0) {
					execl("/bin/sh", "sh", "-c", "cat /dev/null", (char *)NULL);
					_exit(127);
				}
				waitpid(p, NULL, 0);
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
}

/*
 * Every exec event carries the new name.  The task-name records of a
 * child come from its CPU's ring and its FORK from its parent's: read in
 * either order, the name at the time of the event must win.
 */
START_TEST(test_exec_storm_comm)
{
	struct tld t;
	struct tlog l;
	struct child c;
	const char *args[] = { "-e", "sched/sched_process_exec", NULL };
	size_t i, n = 0, bad = 0;

	if (skip)
		return;
	child_start(&c, exec_storm, NULL);
	ck_assert_int_eq(tld_start(&t, args), 0);
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	for (i = 0; i < l.n; i++) {
		json_t *o = l.lines[i];
		const char *file, *base, *comm;

		if (strcmp(json_string_value(json_object_get(o, "type")), "event"))
			continue;
		file = json_string_value(json_object_get(json_object_get(o, "fields"), "filename"));
		comm = json_string_value(json_object_get(o, "comm"));
		base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		n++;
		if (strncmp(comm, base, 15) || strlen(comm) != (strlen(base) < 15 ? strlen(base) : 15)) {
			if (bad++ < 5)
				printf("exec of %s logged with comm %s\n", file, comm);
		}
	}
	printf("exec storm: %zu exec events, %zu with a stale comm\n", n, bad);
	ck_assert_uint_ge(n, 600);
	ck_assert_uint_eq(bad, 0);
	tlog_free(&l);
	tld_cleanup(&t);
}
END_TEST

START_TEST(test_all_syscalls)
{
	struct tld t;
	struct tlog l;
	const char *args[] = { "-e", "syscalls/*", "--duration", "3", NULL };
	json_t *started;
	size_t i, events = 0;

	if (skip)
		return;
	ck_assert_int_eq(tld_run(&t, args), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	started = tlog_daemon(&l, "started");
	ck_assert_ptr_nonnull(started);
	printf("syscalls/*: %zu tracepoints", json_array_size(json_object_get(started, "probes")));
	ck_assert_uint_gt(json_array_size(json_object_get(started, "probes")), 300);
	for (i = 0; i < l.n; i++)
		if (!strcmp(json_string_value(json_object_get(l.lines[i], "type")), "event"))
			events++;
	printf(", %zu events in 3 s\n", events);
	ck_assert_uint_gt(events, 0);
	/* the accounting of the stopped line holds */
	ck_assert_int_eq(jget_int(tlog_daemon(&l, "stopped"), "written"), (long long)events);
	tlog_free(&l);
	tld_cleanup(&t);
}
END_TEST

/*
 * A tiny ring and a tiny queue under a filtered storm: every one of the
 * child's calls is written or counted lost, exactly.
 */
static void forced_loss(const char *overflow)
{
	struct tld t;
	struct tlog l;
	struct child c;
	char filter[64];
	json_t *st;
	size_t n;
	long long ring, queue, invalid, sink;

	child_start(&c, getppid_storm, (void *)(long)STORM_N);
	snprintf(filter, sizeof(filter), "common_pid == %d", c.pid);
	{
		const char *args[] = { "-e", "syscalls/sys_enter_getppid", "-f", filter,
				       "--ring-pages", "1", "--queue-depth", "16",
				       "--workers", "1", "--overflow", overflow, NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	st = tlog_daemon(&l, "stopped");
	n = tlog_count(&l, "syscalls/sys_enter_getppid", c.pid);
	ring = jget_int(st, "lost.ring");
	queue = jget_int(st, "lost.queue");
	invalid = jget_int(st, "lost.invalid");
	sink = jget_int(st, "lost.sink");
	printf("forced loss (%s): %d emitted = %zu written + %lld ring + %lld queue + %lld invalid + %lld sink\n",
	       overflow, STORM_N, n, ring, queue, invalid, sink);
	ck_assert_int_gt(ring + queue, 0);
	ck_assert_int_eq((long long)n + ring + queue + invalid + sink, STORM_N);
	ck_assert_int_eq(jget_int(st, "written"), (long long)n);
	ck_assert_int_eq(jget_int(st, "emitted"), STORM_N);
	/* block: the reader waits for the worker, so only the ring loses */
	if (!strcmp(overflow, "block"))
		ck_assert_int_eq(queue, 0);
	tlog_free(&l);
	tld_cleanup(&t);
}

START_TEST(test_forced_loss)
{
	if (!skip)
		forced_loss("drop");
}
END_TEST

START_TEST(test_forced_loss_block)
{
	if (!skip)
		forced_loss("block");
}
END_TEST

static void expect_fail(const char *const *args, int code, const char *needle)
{
	struct tld t;
	const char *err;

	ck_assert_int_eq(tld_run(&t, args), code);
	err = tld_stderr(&t);
	ck_assert_msg(strstr(err, needle), "stderr \"%s\" lacks \"%s\"", err, needle);
	/* one line */
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
	tld_cleanup(&t);
}

START_TEST(test_bad_input)
{
	if (skip)
		return;
	{
		const char *a[] = { "-e", "sched/sched_proces_exec", NULL };

		expect_fail(a, 2, "sched/sched_process_exec");
	}
	{
		const char *a[] = { "-e", "sched_process_exec", NULL };

		expect_fail(a, 2, "expected SYSTEM/EVENT");
	}
	{
		const char *a[] = { "-e", "sched/x;echo", NULL };

		expect_fail(a, 2, "expected SYSTEM/EVENT");
	}
	{
		const char *a[] = { "-e", "sched/sched_process_exec", "-f", "no_such_field == 1", NULL };

		expect_fail(a, 1, "filter");
	}
	{
		const char *a[] = { "-e", "sched/sched_process_exec", "--ring-pages", "3", NULL };

		expect_fail(a, 2, "power of two");
	}
	{
		const char *a[] = { "--bogus", NULL };

		expect_fail(a, 2, "unknown option");
	}
	{
		const char *a[] = { NULL };

		expect_fail(a, 2, "nothing to trace");
	}
}
END_TEST

START_TEST(test_output_unwritable)
{
	struct tld t;
	const char *args[] = { "-e", "sched/sched_process_exec", "-o", "/proc/nonexistent/x.jsonl", NULL };
	const char *err;

	if (skip)
		return;
	/* the later -o wins over the harness's */
	ck_assert_int_eq(tld_run(&t, args), 1);
	err = tld_stderr(&t);
	ck_assert_msg(strstr(err, "/proc/nonexistent/x.jsonl"), "%s", err);
	tld_cleanup(&t);
}
END_TEST

START_TEST(test_not_root)
{
	struct tld t;
	const char *args[] = { "-e", "sched/sched_process_exec", "-o", "-", NULL };
	const char *err;

	if (skip)
		return;
	ck_assert_int_eq(tld_run_as(&t, args, 65534, 0), 1);
	err = tld_stderr(&t);
	ck_assert_msg(strstr(err, "needs root"), "%s", err);
	tld_cleanup(&t);
}
END_TEST

START_TEST(test_fd_limit)
{
	struct tld t;
	const char *args[] = { "-e", "syscalls/*", NULL };
	const char *err;

	if (skip)
		return;
	/* 720 tracepoints on every CPU cannot fit in 200 descriptors */
	ck_assert_int_eq(tld_run_as(&t, args, 0, 200), 1);
	err = tld_stderr(&t);
	ck_assert_msg(strstr(err, "file descriptors") && strstr(err, "limit is 200"), "%s", err);
	tld_cleanup(&t);
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "getppid exact", test_getppid_exact },
		{ "time true", test_time_true },
		{ "comm rename", test_comm_rename },
		{ "thread ids", test_thread_ids },
		{ "exec", test_exec },
		{ "exec storm comm", test_exec_storm_comm },
		{ "all syscalls", test_all_syscalls },
		{ "forced loss", test_forced_loss },
		{ "forced loss block", test_forced_loss_block },
		{ "bad input", test_bad_input },
		{ "output unwritable", test_output_unwritable },
		{ "not root", test_not_root },
		{ "fd limit", test_fd_limit },
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
	sr = srunner_create(trace_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
