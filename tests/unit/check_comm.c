// SPDX-License-Identifier: MIT
/* check_comm.c - task names by tid and time: renames, forks, exits, growth. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comm-private.h"

static struct comm_table t;

static void setup(void)
{
	ck_assert_int_eq(comm_table_init(&t), 0);
}

static void teardown(void)
{
	comm_table_fini(&t);
}

static const char *get(uint32_t tid, uint64_t time)
{
	static char out[COMM_LEN + 1];

	comm_table_get(&t, tid, time, out);
	out[COMM_LEN] = 0;
	return out;
}

START_TEST(test_rename_by_time)
{
	comm_table_set(&t, 100, 10, "bash", 4);
	comm_table_set(&t, 100, 50, "ls", 2);
	ck_assert_str_eq(get(100, 20), "bash");
	ck_assert_str_eq(get(100, 50), "ls");
	ck_assert_str_eq(get(100, 99), "ls");
	/* before every known name: the oldest one */
	ck_assert_str_eq(get(100, 5), "bash");
	ck_assert_str_eq(get(7, 5), "");
	/* a late, older record goes in time order */
	comm_table_set(&t, 100, 30, "sh", 2);
	ck_assert_str_eq(get(100, 35), "sh");
	ck_assert_str_eq(get(100, 20), "bash");
	/* a repeat changes nothing */
	comm_table_set(&t, 100, 30, "sh", 2);
	ck_assert_str_eq(get(100, 40), "sh");
}
END_TEST

START_TEST(test_truncate)
{
	comm_table_set(&t, 1, 1, "a-very-long-task-name-indeed", 28);
	ck_assert_uint_eq(strlen(get(1, 1)), COMM_LEN - 1);
}
END_TEST

START_TEST(test_fork_exit)
{
	comm_table_set(&t, 10, 1, "parent", 6);
	comm_table_fork(&t, 10, 11, 5);
	ck_assert_str_eq(get(11, 6), "parent");
	comm_table_exit(&t, 11, 100);
	ck_assert_str_eq(get(11, 99), "parent");	/* until expired */
	comm_table_expire(&t, 50);
	ck_assert_str_eq(get(11, 99), "parent");
	comm_table_expire(&t, 101);
	ck_assert_str_eq(get(11, 99), "");
	ck_assert_str_eq(get(10, 99), "parent");
}
END_TEST

/*
 * The order the reader sees across CPUs: the child's COMM and EXIT (its
 * CPU) before its FORK (the parent's CPU).  Found by the exec test under
 * load: the late FORK took the exit for a reused tid and dropped "cat".
 */
START_TEST(test_out_of_order)
{
	comm_table_set(&t, 902, 100, "sh", 2);
	comm_table_set(&t, 904, 855, "cat", 3);
	comm_table_exit(&t, 904, 990);
	comm_table_fork(&t, 902, 904, 763);
	ck_assert_str_eq(get(904, 894), "cat");
	ck_assert_str_eq(get(904, 800), "sh");
	/* a later task with the same tid starts afresh */
	comm_table_fork(&t, 902, 904, 2000);
	comm_table_set(&t, 904, 2100, "ls", 2);
	ck_assert_str_eq(get(904, 2050), "sh");
	ck_assert_str_eq(get(904, 2200), "ls");
	ck_assert_str_eq(get(904, 894), "sh");	/* the old life is forgotten */
	/* an EXIT read late never moves the exit time back */
	comm_table_exit(&t, 904, 3000);
	comm_table_exit(&t, 904, 990);
	comm_table_expire(&t, 2500);
	ck_assert_str_eq(get(904, 2200), "ls");
}
END_TEST

/* the previous task's EXIT, read after the new task's FORK and COMM */
START_TEST(test_old_exit_late)
{
	comm_table_set(&t, 7, 100, "old", 3);
	comm_table_set(&t, 6, 100, "sh", 2);
	comm_table_fork(&t, 6, 7, 300);
	comm_table_set(&t, 7, 310, "new", 3);
	comm_table_exit(&t, 7, 200);		/* the old task's, read late */
	comm_table_expire(&t, 250);
	ck_assert_str_eq(get(7, 400), "new");	/* still alive, not expired */
}
END_TEST

START_TEST(test_many)
{
	uint32_t tid;
	char name[16];

	/* growth, then deletion of most: every survivor still found */
	for (tid = 1; tid <= 50000; tid++) {
		snprintf(name, sizeof(name), "t%u", tid);
		ck_assert_int_eq(comm_table_set(&t, tid, tid, name, strlen(name)), 0);
	}
	for (tid = 1; tid <= 50000; tid++)
		if (tid % 3)
			comm_table_exit(&t, tid, tid + 1);
	comm_table_expire(&t, 60000);
	for (tid = 1; tid <= 50000; tid++) {
		snprintf(name, sizeof(name), "t%u", tid);
		ck_assert_str_eq(get(tid, 100000), tid % 3 ? "" : name);
	}
	ck_assert_uint_eq(t.used, 50000 / 3);
}
END_TEST

START_TEST(test_seed)
{
	char self[COMM_LEN + 1], want[COMM_LEN + 2] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	int n = comm_table_seed(&t, "/proc");

	/* our own name as /proc has it (valgrind runs us as memcheck-amd64-) */
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), f));
	fclose(f);
	want[strcspn(want, "\n")] = 0;
	ck_assert_int_gt(n, 0);
	comm_table_get(&t, (uint32_t)getpid(), 1, self);
	self[COMM_LEN] = 0;
	ck_assert_str_eq(self, want);
}
END_TEST

static Suite *comm_suite(void)
{
	Suite *s = suite_create("comm");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "rename", test_rename_by_time },
		{ "truncate", test_truncate },
		{ "fork exit", test_fork_exit },
		{ "out of order", test_out_of_order },
		{ "old exit late", test_old_exit_late },
		{ "many", test_many },
		{ "seed", test_seed },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(comm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
