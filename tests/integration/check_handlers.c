// SPDX-License-Identifier: MIT
/*
 * check_handlers.c - the handlers besides json on the real kernel, through
 * a configuration file: the example plugin counts a storm of getppid calls
 * filtered by pid, exactly (and the same as the JSON log); the pretty
 * handler prints an exec whose file name carries terminal escapes, with
 * every escape made visible; a plugin file others may write, and a
 * journald that is not there, stop the daemon before it traces, with a
 * message naming the file.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "integration/itest.h"

#define STORM_N 100000

static const char *skip;

/* a directory for the test's files: the plugin copy, the config, outputs */
static char dir[64];

static void dir_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tracelogd-handlers.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
}

static void dir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/name */
static const char *in_dir(char *out, size_t len, const char *name)
{
	ck_assert_int_lt(snprintf(out, len, "%s/%s", dir, name), (int)len);
	return out;
}

/* the example plugin copied into dir as root's, mode mode */
static void install_plugin(char *path, size_t len, mode_t mode)
{
	char src[PATH_MAX], cmd[PATH_MAX * 2 + 32];

	ck_assert_ptr_nonnull(getenv("HELPERS"));
	snprintf(src, sizeof(src), "%s/../plugins/example_count.so", getenv("HELPERS"));
	ck_assert_msg(access(src, R_OK) == 0, "%s: %s (make builds it)", src, strerror(errno));
	in_dir(path, len, "example_count.so");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, path);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(chown(path, 0, 0), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* the configuration at path, as tracelogd takes it: root's, mode 0600 */
static void __attribute__((format(printf, 2, 3))) write_conf(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
}

static char *read_text(const char *path)
{
	char *buf = calloc(1, 1 << 20);
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_ptr_nonnull(buf);
	if (fd < 0)
		return buf;
	while ((n = read(fd, buf + len, (1 << 20) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	return buf;
}

/* a child that waits for a byte on a pipe, then runs fn, then exits */
struct child {
	pid_t pid;
	int go;
};

static void child_start(struct child *c, void (*fn)(void *), void *arg)
{
	int p[2];
	char b;

	ck_assert_int_eq(pipe(p), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		fn(arg);
		_exit(0);
	}
	close(p[0]);
	c->go = p[1];
}

static void child_run(struct child *c)
{
	int status;

	ck_assert_int_eq(write(c->go, "g", 1), 1);
	close(c->go);
	ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void getppid_storm(void *arg)
{
	long n = (long)arg, i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/*
 * tld_start with tracelogd's standard output going to path: the child
 * inherits our descriptor 1 for the time of the fork.
 */
static int start_capture(struct tld *t, const char *const *args, const char *path)
{
	int saved = dup(STDOUT_FILENO), fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	ret = tld_start(t, args);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return ret;
}

/* ------------------------------------------------------------------ */

START_TEST(test_plugin_count)
{
	char plugin[128], conf[128], out[128], want[256];
	const char *args[] = { "-c", conf, NULL };
	struct tld t;
	struct tlog l;
	struct child c;
	json_t *st;
	char *text;
	size_t n;
	unsigned long long lost;

	if (skip)
		return;
	install_plugin(plugin, sizeof(plugin), 0755);
	in_dir(conf, sizeof(conf), "tracelogd.ini");
	in_dir(out, sizeof(out), "count.txt");
	child_start(&c, getppid_storm, (void *)(long)STORM_N);
	write_conf(conf,
		   "[daemon]\n"
		   "log = %s/unused.jsonl\n"
		   "group = tlh_count\n"
		   "overflow = block\n"
		   "ring_pages = 1024\n"
		   "\n"
		   "[tracepoint getppid]\n"
		   "event = syscalls/sys_enter_getppid\n"
		   "filter = common_pid == %d\n"
		   "handler = json, plugin:%s:example_count_event\n",
		   dir, c.pid, plugin);
	setenv("EXAMPLE_COUNT_OUTPUT", out, 1);
	ck_assert_int_eq(tld_start(&t, args), 0);
	unsetenv("EXAMPLE_COUNT_OUTPUT");
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);

	tlog_read(&l, t.log);
	ck_assert_uint_eq(l.bad, 0);
	st = tlog_daemon(&l, "stopped");
	ck_assert_ptr_nonnull(st);
	n = tlog_count(&l, "syscalls/sys_enter_getppid", c.pid);
	lost = tlog_lost(&l);
	text = read_text(out);
	printf("plugin: %d calls, %zu in the log, %llu reported lost; the plugin says:\n%s",
	       STORM_N, n, lost, text);
	/* the plugin saw exactly what the log saw: the same records, in the same workers */
	snprintf(want, sizeof(want), "# example_count: %zu records\n%zu\t0\tgetppid\tcheck_handlers\n",
		 n, n);
	ck_assert_str_eq(text, want);
	if (lost == 0)
		ck_assert_uint_eq(n, STORM_N);
	else
		ck_assert_uint_ge(n + lost, STORM_N);
	free(text);
	tlog_free(&l);
	tld_cleanup(&t);
}
END_TEST

static void exec_path(void *arg)
{
	const char *path = arg;

	execl(path, path, (char *)NULL);
	_exit(1);
}

/* an exec through a link whose name paints the terminal and sets its title */
START_TEST(test_pretty_exec)
{
	static const char evil[] = "\x1b[31mx\x1b]0;t\x07";
	char conf[128], out[128], link[128], head[256], line[512];
	const char *args[] = { "-c", conf, NULL };
	struct tld t;
	struct tlog l;
	struct child c;
	char *text, *p;
	size_t blocks = 0;

	if (skip)
		return;
	in_dir(conf, sizeof(conf), "tracelogd.ini");
	in_dir(out, sizeof(out), "stdout.txt");
	snprintf(link, sizeof(link), "%s/%s", dir, evil);
	ck_assert_int_eq(symlink("/bin/true", link), 0);
	child_start(&c, exec_path, link);
	write_conf(conf,
		   "[daemon]\n"
		   "log = %s/unused.jsonl\n"
		   "group = tlh_pretty\n"
		   "\n"
		   "[tracepoint exec]\n"
		   "event = sched/sched_process_exec\n"
		   "filter = common_pid == %d\n"
		   "handler = pretty, json\n",
		   dir, c.pid);
	ck_assert_int_eq(start_capture(&t, args, out), 0);
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);

	tlog_read(&l, t.log);
	ck_assert_uint_eq(tlog_count(&l, "sched/sched_process_exec", c.pid), 1);
	text = read_text(out);
	printf("pretty:\n%s", text);
	ck_assert_msg(!strchr(text, 0x1b) && !strchr(text, 0x07), "a raw escape reached the output");
	/* the comm is the link's name (12 bytes: not cut) */
	snprintf(head, sizeof(head), " exec sched/sched_process_exec cpu ");
	for (p = text; (p = strstr(p, head)); p++) {
		char *nl = strchr(p, '\n');
		char *start = p;

		while (start > text && start[-1] != '\n')
			start--;
		ck_assert_ptr_nonnull(nl);
		/* HH:MM:SS.nnnnnnnnn */
		ck_assert_msg(p - start == 18 && start[2] == ':' && start[5] == ':' && start[8] == '.',
			      "%.*s", (int)(nl - start), start);
		snprintf(line, sizeof(line), " pid %d/%d \\x1b[31mx\\x1b]0;t\\x07\n", c.pid, c.pid);
		ck_assert_msg(!strncmp(nl - strlen(line) + 1, line, strlen(line)), "%.*s",
			      (int)(nl - start), start);
		snprintf(line, sizeof(line),
			 "    filename = %s/\\x1b[31mx\\x1b]0;t\\x07\n"
			 "    pid      = %d\n"
			 "    old_pid  = %d\n", dir, c.pid, c.pid);
		ck_assert_msg(!strncmp(nl + 1, line, strlen(line)), "%s", nl + 1);
		blocks++;
	}
	ck_assert_uint_eq(blocks, 1);
	free(text);
	tlog_free(&l);
	unlink(link);
	tld_cleanup(&t);
}
END_TEST

/* a plugin anyone may rewrite is never loaded: the daemon stops before tracing */
START_TEST(test_plugin_refused)
{
	char plugin[128], conf[128];
	const char *args[] = { "-c", conf, NULL };
	const char *err;
	struct tld t;

	if (skip)
		return;
	install_plugin(plugin, sizeof(plugin), 0757);
	in_dir(conf, sizeof(conf), "tracelogd.ini");
	write_conf(conf,
		   "[daemon]\n"
		   "log = %s/unused.jsonl\n"
		   "group = tlh_refused\n"
		   "\n"
		   "[tracepoint exec]\n"
		   "event = sched/sched_process_exec\n"
		   "handler = plugin:%s:example_count_event\n",
		   dir, plugin);
	ck_assert_int_eq(tld_run(&t, args), 2);
	err = tld_stderr(&t);
	ck_assert_msg(strstr(err, plugin) && strstr(err, "world-writable"), "%s", err);
	tld_cleanup(&t);

	/* the same through -n */
	{
		const char *nargs[] = { "-c", conf, "-n", NULL };

		ck_assert_int_eq(tld_run(&t, nargs), 2);
		err = tld_stderr(&t);
		ck_assert_msg(strstr(err, plugin) && strstr(err, "world-writable"), "%s", err);
		tld_cleanup(&t);
	}

	/* a function the plugin does not have */
	ck_assert_int_eq(chmod(plugin, 0755), 0);
	write_conf(conf,
		   "[daemon]\n"
		   "log = %s/unused.jsonl\n"
		   "group = tlh_refused\n"
		   "\n"
		   "[tracepoint exec]\n"
		   "event = sched/sched_process_exec\n"
		   "handler = plugin:%s:no_such_function\n",
		   dir, plugin);
	ck_assert_int_eq(tld_run(&t, args), 2);
	err = tld_stderr(&t);
	ck_assert_msg(strstr(err, plugin) && strstr(err, "no function no_such_function"), "%s", err);
	tld_cleanup(&t);
}
END_TEST

/* journald = yes where no journald runs: a clear refusal, no crash */
START_TEST(test_journald_missing)
{
	char conf[128];
	const char *args[] = { "-c", conf, NULL };
	const char *err;
	struct tld t;
	int ret;

	if (skip)
		return;
	if (access("/run/systemd/journal/socket", F_OK) == 0) {
		printf("SKIP: journald missing: this host has a journal\n");
		return;
	}
	in_dir(conf, sizeof(conf), "tracelogd.ini");
	write_conf(conf,
		   "[daemon]\n"
		   "log = %s/unused.jsonl\n"
		   "group = tlh_journal\n"
		   "journald = yes\n"
		   "\n"
		   "[tracepoint exec]\n"
		   "event = sched/sched_process_exec\n",
		   dir);
	ret = tld_run(&t, args);
	err = tld_stderr(&t);
	ck_assert_msg(ret == 1 || ret == 2, "exit %d: %s", ret, err);
	ck_assert_msg(strstr(err, "/run/systemd/journal/socket does not exist"), "%s", err);
	tld_cleanup(&t);
}
END_TEST

static Suite *handlers_suite(void)
{
	Suite *s = suite_create("handlers");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "plugin count", test_plugin_count },
		{ "pretty exec", test_pretty_exec },
		{ "plugin refused", test_plugin_refused },
		{ "journald missing", test_journald_missing },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_set_timeout(tc, 300);
		tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
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
	sr = srunner_create(handlers_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
