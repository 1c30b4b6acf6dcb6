// SPDX-License-Identifier: MIT
/*
 * check_plugin.c - handler plugins: the loader's refusals (missing file,
 * relative path, symbolic link, group- or world-writable, wrong owner, not
 * a shared object, no descriptor, another ABI, a failing init, a missing
 * function), each with a message naming the file (and the symbol); the
 * accessors a plugin sees on a record built from a canned format; the
 * example plugin counting records from two workers.
 *
 * The plugins are copied into a private directory first, mode 0755: the
 * build directory's umask is not the test's business.  They must belong
 * to the user running the test (plugin_load()'s owner is geteuid()).
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event-private.h"	/* the handlers plugin_attach added */
#include "handler_records.h"
#include "plugin.h"
#include "tracelogd-plugin.h"

static char err[1024];
static char dir[64];

static void dir_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_plugin.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* build/REL copied to DIR/name with mode; its path in out */
static void install(const char *rel, const char *name, mode_t mode, char *out, size_t len)
{
	char src[PATH_MAX], buf[65536];
	int in, o;
	ssize_t n;

	build_path(src, sizeof(src), rel);
	snprintf(out, len, "%s/%s", dir, name);
	in = open(src, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in >= 0, "%s: %s (build it with make)", src, strerror(errno));
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(o, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(o, buf, (size_t)n), n);
	close(in);
	close(o);
	ck_assert_int_eq(chmod(out, mode), 0);
}

/* plugin_load() must fail with errno want and a message holding every needle */
static void refused(const char *path, uid_t owner, int want, const char *n1, const char *n2)
{
	struct plugin *p;

	err[0] = 0;
	errno = 0;
	p = plugin_load(path, owner, 2, err, sizeof(err));
	ck_assert_msg(p == NULL, "%s loaded", path);
	ck_assert_msg(errno == want, "%s: errno %d (%s), want %d: %s", path, errno, strerror(errno),
		      want, err);
	ck_assert_msg(strstr(err, path), "the message does not name %s: %s", path, err);
	ck_assert_msg(!n1 || strstr(err, n1), "no \"%s\" in: %s", n1, err);
	ck_assert_msg(!n2 || strstr(err, n2), "no \"%s\" in: %s", n2, err);
}

START_TEST(test_refuse_files)
{
	char path[256], link[256];

	snprintf(path, sizeof(path), "%s/missing.so", dir);
	refused(path, geteuid(), ENOENT, "No such file", NULL);
	errno = 0;
	ck_assert_ptr_null(plugin_load("plugins/x.so", geteuid(), 1, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err, "plugins/x.so: the path must be absolute"), "%s", err);

	install("../plugins/example_count.so", "ww.so", 0757, path, sizeof(path));
	refused(path, geteuid(), EPERM, "world-writable", "chmod go-w");
	install("../plugins/example_count.so", "gw.so", 0775, path, sizeof(path));
	refused(path, geteuid(), EPERM, "group-writable", NULL);
	install("../plugins/example_count.so", "ok.so", 0755, path, sizeof(path));
	refused(path, geteuid() + 1, EPERM, "is owned by uid", NULL);
	snprintf(link, sizeof(link), "%s/link.so", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	refused(link, geteuid(), ELOOP, "symbolic link", NULL);
	refused(dir, geteuid(), EINVAL, "not a regular file", NULL);
}
END_TEST

START_TEST(test_refuse_contents)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/text.so", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("not an ELF file\n", f);
	fclose(f);
	chmod(path, 0644);
	refused(path, geteuid(), ENOEXEC, "cannot load it", NULL);
	/* dlerror() names the descriptor it was loaded through: never shown */
	ck_assert_msg(!strstr(err, "/proc/self/fd"), "%s", err);

	/* RTLD_NOW: a symbol nothing defines is refused at load, not at the first call */
	install("plugins/undef.so", "undef.so", 0755, path, sizeof(path));
	refused(path, geteuid(), ENOEXEC, "cannot load it: undefined symbol: tracelogd_fixture_nowhere",
		NULL);
	install("plugins/nodesc.so", "nodesc.so", 0755, path, sizeof(path));
	refused(path, geteuid(), ENOEXEC, "not a tracelogd plugin: no symbol tracelogd_plugin",
		"TRACELOGD_PLUGIN_DEFINE");
	install("plugins/abi2.so", "abi2.so", 0755, path, sizeof(path));
	refused(path, geteuid(), ENOEXEC, "tracelogd_plugin.abi is 2", "loads ABI 1 plugins");
	install("plugins/initfail.so", "initfail.so", 0755, path, sizeof(path));
	refused(path, geteuid(), EINVAL, "initfail init failed: no configuration for me", NULL);
}
END_TEST

START_TEST(test_refuse_symbol)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct plugin *p;
	char path[256];

	install("plugins/good.so", "good.so", 0755, path, sizeof(path));
	p = plugin_load(path, geteuid(), 2, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(plugin_attach(p, ev, "exec", "no_such_function", err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, path) && strstr(err, "no function no_such_function"), "%s", err);
	/* static functions are not exported either */
	ck_assert_int_eq(plugin_attach(p, ev, "exec", "good_init", err, sizeof(err)), -ENOENT);
	ck_assert_uint_eq(ev->nr_handlers, 0);
	plugin_unload(p);
	engine_event_free(ev);
}
END_TEST

/* ------------------------------------------------------------------ */

/* the good fixture's record of its last call, through its own symbol */
static const char *seen(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	const char *(*fn)(void);
	const char *s;

	ck_assert_msg(h != NULL, "%s is not loaded: %s", path, dlerror());
	*(void **)&fn = dlsym(h, "fixture_seen");
	ck_assert_ptr_nonnull(fn);
	s = fn();
	dlclose(h);
	return s;
}

START_TEST(test_accessors)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_event *acc = event_parse("tracelogd", fmt_accept);
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 275389, 0);
	struct engine_record *short_rec = exec_record(ev, "/bin/sh", 7, 1, 400);
	struct engine_record *arec = accept_record(acc, -2);
	struct plugin_stats st;
	struct plugin *p;
	char path[256], want[512];

	install("plugins/good.so", "good.so", 0755, path, sizeof(path));
	p = plugin_load(path, geteuid(), 3, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);

	rec->tid = 275390;
	rec->time = 1000;
	ck_assert_int_eq(plugin_call(p, "fixture_event", rec, "exec", 2, 5000), 0);
	ck_assert_str_eq(seen(path),
		"exec sched/sched_process_exec 275389/275390 1 sh 2 3 6000 |"
		" filename:3=/bin/sh pid:1=275389 old_pid:1=275389 | idx(pid)=1 idx(nope)=-2");
	/* a dynamic field pointing outside the record reads as an error */
	ck_assert_int_eq(plugin_call(p, "fixture_event", short_rec, "exec", 0, 0), 0);
	ck_assert_msg(strstr(seen(path), " filename:3=? pid:1=1 "), "%s", seen(path));
	/* every field type: integers signed and not, arrays, pointers */
	ck_assert_int_eq(plugin_call(p, "fixture_event", arec, "acc", 1, 0), 0);
	snprintf(want, sizeof(want),
		 "acc tracelogd/accept 42/43 3 sshd 1 8 %llu | __probe_func:1=139637976731648"
		 " __probe_ret_ip:1=139637976738492 daddr:1=16777343 dport:1=5632 delta:1=-5"
		 " ret:1=-2 a4:4=192,168,0,254 sk:2=18446612682375452280 | idx(pid)=-2 idx(nope)=-2",
		 (unsigned long long)REC_TIME);
	ck_assert_str_eq(seen(path), want);
	ck_assert_int_eq(plugin_call(p, "fixture_fail", rec, "exec", 0, 0), -EIO);
	ck_assert_int_eq(plugin_call(p, "nope", rec, "exec", 0, 0), -ENOENT);
	plugin_stats_get(p, &st);
	ck_assert_uint_eq(st.calls, 4);
	ck_assert_uint_eq(st.failures, 1);
	ck_assert_str_eq(plugin_path(p), path);
	plugin_unload(p);
	free(rec);
	free(short_rec);
	free(arec);
	engine_event_free(ev);
	engine_event_free(acc);
}
END_TEST

/* the handler the engine runs: plugin_attach() adds it to the event */
START_TEST(test_attach_handler)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, "/usr/bin/true", 13, 77, 0);
	struct plugin_stats st;
	struct plugin *p;
	char path[256];

	install("plugins/good.so", "good.so", 0755, path, sizeof(path));
	p = plugin_load(path, geteuid(), 2, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(plugin_attach(p, ev, "execs", "fixture_event", err, sizeof(err)), 0);
	ck_assert_int_eq(plugin_attach(p, ev, "execs", "fixture_fail", err, sizeof(err)), 0);
	ck_assert_uint_eq(ev->nr_handlers, 2);
	ev->handlers[0].fn(rec, 1, ev->handlers[0].arg);
	ev->handlers[1].fn(rec, 1, ev->handlers[1].arg);
	ck_assert_msg(!strncmp(seen(path), "execs sched/sched_process_exec 77/77 1 sh 1 3 ", 46),
		      "%s", seen(path));
	plugin_stats_get(p, &st);
	ck_assert_uint_eq(st.calls, 2);
	ck_assert_uint_eq(st.failures, 1);
	plugin_unload(p);
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* two plugins loaded and unloaded in turn: each is itself, never the other */
START_TEST(test_load_twice)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, "/x", 2, 1, 0);
	char good[256], count[256];
	struct plugin *a, *b;
	int i;

	install("plugins/good.so", "good.so", 0755, good, sizeof(good));
	install("../plugins/example_count.so", "count.so", 0755, count, sizeof(count));
	setenv("EXAMPLE_COUNT_OUTPUT", "/dev/null", 1);
	for (i = 0; i < 3; i++) {
		a = plugin_load(good, geteuid(), 1, err, sizeof(err));
		ck_assert_msg(a != NULL, "%s", err);
		b = plugin_load(count, geteuid(), 1, err, sizeof(err));
		ck_assert_msg(b != NULL, "%s", err);
		ck_assert_int_eq(plugin_call(a, "fixture_event", rec, "p", 0, 0), 0);
		ck_assert_int_eq(plugin_call(b, "example_count_event", rec, "p", 0, 0), 0);
		ck_assert_int_eq(plugin_call(a, "example_count_event", rec, "p", 0, 0), -ENOENT);
		ck_assert_int_eq(plugin_call(b, "fixture_event", rec, "p", 0, 0), -ENOENT);
		plugin_unload(i % 2 ? a : b);
		plugin_unload(i % 2 ? b : a);
	}
	unsetenv("EXAMPLE_COUNT_OUTPUT");
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* ------------------------------------------------------------------ */

START_TEST(test_example_count)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_event *acc = event_parse("tracelogd", fmt_accept);
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 1, 0);
	struct engine_record *ok = accept_record(acc, 3), *bad = accept_record(acc, -2);
	char path[256], out[256], text[4096];
	struct plugin *p;
	size_t n;
	FILE *f;
	int i;

	install("../plugins/example_count.so", "example_count.so", 0755, path, sizeof(path));
	snprintf(out, sizeof(out), "%s/summary.txt", dir);
	setenv("EXAMPLE_COUNT_OUTPUT", out, 1);
	p = plugin_load(path, geteuid(), 2, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(plugin_attach(p, ev, "exec", "example_count_event", err, sizeof(err)), 0);
	ck_assert_int_eq(plugin_attach(p, acc, "acc", "example_count_event", err, sizeof(err)), 0);
	/* one comm on both workers: merged in the summary */
	for (i = 0; i < 1000; i++)
		ev->handlers[0].fn(rec, (unsigned)i % 2, ev->handlers[0].arg);
	strcpy(rec->comm, "bash");
	for (i = 0; i < 10; i++)
		ev->handlers[0].fn(rec, 1, ev->handlers[0].arg);
	memcpy(rec->comm, "\x1b[1mx", 6);
	ev->handlers[0].fn(rec, 0, ev->handlers[0].arg);
	/* a signed "ret" below zero counts as an error */
	for (i = 0; i < 5; i++)
		acc->handlers[0].fn(i < 2 ? bad : ok, 0, acc->handlers[0].arg);
	plugin_unload(p);	/* fini writes the summary */
	unsetenv("EXAMPLE_COUNT_OUTPUT");

	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	ck_assert_str_eq(text,
		"# example_count: 1016 records\n"
		"1000\t0\texec\tsh\n"
		"10\t0\texec\tbash\n"
		"5\t2\tacc\tsshd\n"
		"1\t0\texec\t\\x1b[1mx\n");
	free(rec);
	free(ok);
	free(bad);
	engine_event_free(ev);
	engine_event_free(acc);
}
END_TEST

static Suite *plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc;

	tc = tcase_create("refuse");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_refuse_files);
	tcase_add_test(tc, test_refuse_contents);
	tcase_add_test(tc, test_refuse_symbol);
	suite_add_tcase(s, tc);

	tc = tcase_create("call");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_accessors);
	tcase_add_test(tc, test_attach_handler);
	tcase_add_test(tc, test_load_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("example_count");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_example_count);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(plugin_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
