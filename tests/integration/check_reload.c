// SPDX-License-Identifier: MIT
/*
 * check_reload.c - the engine changed while it traces: an event opened, an
 * event closed and a filter replaced during a storm, with exact counts for
 * the event that stays (no gap) and for the ones that come and go.
 * Uses the engine library directly; root and the real kernel.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "integration/itest.h"

#define PHASE_N 20000

static const char *skip;

struct counter {
	uint64_t n;		/* atomic */
	uint32_t tid;
};

static void count(const struct engine_record *rec, unsigned worker, void *arg)
{
	struct counter *c = arg;

	(void)worker;
	if (rec->tid == c->tid)
		__atomic_add_fetch(&c->n, 1, __ATOMIC_RELAXED);
}

/* a child that runs one phase per byte it reads, and answers each */
static pid_t phased_child(int *go, int *done)
{
	int a[2], b[2];
	pid_t pid;
	char phase;

	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	pid = fork();
	if (pid == 0) {
		close(a[1]);
		close(b[0]);
		while (read(a[0], &phase, 1) == 1) {
			for (int i = 0; i < PHASE_N; i++) {
				syscall(SYS_getppid);
				syscall(SYS_getpid);
			}
			if (write(b[1], &phase, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	*go = a[1];
	*done = b[0];
	return pid;
}

static void phase(int go, int done)
{
	char c = 'p';

	ck_assert_int_eq(write(go, &c, 1), 1);
	ck_assert_int_eq(read(done, &c, 1), 1);
}

START_TEST(test_open_close_filter)
{
	struct engine_opts o = { .workers = 2 };
	struct counter ppid = { 0 }, pid_ev = { 0 };
	struct engine_event *evp, *evq;
	struct engine_stats st;
	struct engine *e;
	char err[512], filter[64];
	int go, done, status;
	pid_t child;

	if (skip)
		return;
	child = phased_child(&go, &done);
	ppid.tid = pid_ev.tid = (uint32_t)child;
	snprintf(filter, sizeof(filter), "common_pid == %d", child);

	e = engine_new(&o, err, sizeof(err));
	ck_assert_msg(e != NULL, "%s", err);
	ck_assert_ptr_nonnull(engine_tracefs_dir(err, sizeof(err)));
	evp = engine_event_add(e, "syscalls", "sys_enter_getppid", err, sizeof(err));
	ck_assert_msg(evp != NULL, "%s", err);
	ck_assert_int_eq(engine_event_set_filter(evp, filter), 0);
	ck_assert_int_eq(engine_event_handler_add(evp, count, &ppid), 0);
	ck_assert_msg(engine_start(e, err, sizeof(err)) == 0, "%s", err);

	/* 1: getppid only */
	phase(go, done);

	/* 2: getpid opened while getppid traces on */
	evq = engine_event_add(e, "syscalls", "sys_enter_getpid", err, sizeof(err));
	ck_assert_msg(evq != NULL, "%s", err);
	ck_assert_int_eq(engine_event_set_filter(evq, filter), 0);
	ck_assert_int_eq(engine_event_handler_add(evq, count, &pid_ev), 0);
	ck_assert_msg(engine_event_open(e, evq, err, sizeof(err)) == 0, "%s", err);
	phase(go, done);

	/* 3: getpid closed: none of this phase's getpid calls count */
	ck_assert_int_eq(engine_event_close(e, evq), 0);
	phase(go, done);

	/* 4: getppid's filter now matches nobody: no event of this phase */
	ck_assert_msg(engine_event_update_filter(e, evp, "common_pid == 1", err, sizeof(err)) == 0,
		      "%s", err);
	phase(go, done);

	/* 5: a bad filter is refused and the one in force stays */
	ck_assert_int_lt(engine_event_update_filter(e, evp, "no_such_field == 3", err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "filter"));
	/* 6: back to the child: counts again */
	ck_assert_msg(engine_event_update_filter(e, evp, filter, err, sizeof(err)) == 0, "%s", err);
	phase(go, done);

	close(go);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	close(done);
	engine_stop(e);
	engine_stats_get(e, &st);
	printf("reload: getppid %llu (expect %d), getpid %llu (expect %d), lost ring %llu queue %llu\n",
	       (unsigned long long)ppid.n, 4 * PHASE_N, (unsigned long long)pid_ev.n, PHASE_N,
	       (unsigned long long)st.lost[ENGINE_STAGE_RING],
	       (unsigned long long)st.lost[ENGINE_STAGE_QUEUE]);
	ck_assert_uint_eq(st.lost[ENGINE_STAGE_INVALID], 0);
	ck_assert_uint_eq(engine_event_count(evq), pid_ev.n);
	if (itest_sanitized()) {
		/*
		 * A sanitizer build reads slower than the child calls: what
		 * it lost and what it counted still add up to every call of
		 * phases 1, 2, 3 and 6, and nothing of phases 3 (getpid) and 4.
		 */
		ck_assert_uint_le(ppid.n, 4 * PHASE_N);
		ck_assert_uint_le(pid_ev.n, PHASE_N);
		ck_assert_uint_eq(ppid.n + pid_ev.n + st.lost[ENGINE_STAGE_RING] +
				  st.lost[ENGINE_STAGE_QUEUE], 5 * PHASE_N);
	} else {
		ck_assert_uint_eq(st.lost[ENGINE_STAGE_RING] + st.lost[ENGINE_STAGE_QUEUE], 0);
		/* phases 1, 2, 3 and 6: every call, no gap across the changes */
		ck_assert_uint_eq(ppid.n, 4 * PHASE_N);
		ck_assert_uint_eq(pid_ev.n, PHASE_N);
	}
	engine_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("open close filter");
	SRunner *sr;
	int failed;

	skip = itest_skip_reason();
	if (skip)
		printf("SKIP: reload: %s\n", skip);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_open_close_filter);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
