// SPDX-License-Identifier: MIT
/*
 * check_security.c - what the daemon does with the power it runs with, on
 * the real kernel, as root:
 *
 *   exec         tracelogd under strace -f (execve, execveat) with a uprobe
 *                and a tracepoint, a counted storm, SIGHUP, another storm,
 *                SIGINT: the only execve is strace starting the daemon; the
 *                accounting invariant holds exactly.  The daemon's parent has
 *                umask 0: the log, its rotations, the metrics file and the
 *                group's lock file are 0640 or stricter all the same.
 *   symbols      build/tracelogd imports no system, popen, exec*, spawn or
 *                fork; dlopen only from daemon/plugin.o (handler =
 *                plugin:/PATH.so:FUNCTION, a root-owned file opened first and
 *                loaded from that descriptor).
 *   cli          hostile -e, -p, -f, -o, --group and numbers refused, exit 2,
 *                with a message naming the option; every configuration of
 *                tests/conf/bad/ refused through -c -n with exactly the
 *                errors its "# expect:" lines say; tracefs untouched.
 *   unit         systemd/tracelogd.service: systemd-analyze security
 *                --offline=true scores it 2.0 or less, and its hardening
 *                directives are there (tests/systemd/ scores it too, inside
 *                the container it boots).
 *
 * Group check_security; the daemon, strace and the storm are killed by pid
 * when an assertion ends a test.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "integration/itest.h"

#define GROUP	"check_security"
#define LOCK	"/run/tracelogd/" GROUP ".lock"
#define CALLS	3000	/* per probe and round: two rounds */

static const char *skip;

static const char *srcdir(void)
{
	const char *d = getenv("TRACELOGD_SRCDIR");

	return d && *d ? d : ".";
}

/* ------------------------------------------------------------------ */
/* What a test made, undone when an assertion ends it                  */

static struct {
	pid_t strace;		/* strace, the daemon's parent */
	pid_t daemon;
	pid_t storm;
} made;

static void undo_made(void)
{
	if (made.daemon > 0)
		kill(made.daemon, SIGKILL);
	if (made.strace > 0) {
		kill(made.strace, SIGKILL);
		waitpid(made.strace, NULL, 0);
	}
	if (made.storm > 0) {
		kill(made.storm, SIGKILL);
		waitpid(made.storm, NULL, 0);
	}
	memset(&made, 0, sizeof(made));
}

/* no dynamic event of our group is left in tracefs */
static void assert_group_gone(void)
{
	char line[512];
	FILE *f = fopen("/sys/kernel/tracing/dynamic_events", "r");
	int n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, GROUP "/"))
			n++;
	fclose(f);
	ck_assert_msg(n == 0, "%d dynamic events of group " GROUP " left in tracefs", n);
}

/* ------------------------------------------------------------------ */
/* exec: strace, storm, SIGHUP, modes                                  */

/*
 * The storm: a child that makes CALLS getppid calls for each byte it reads
 * (the filter keeps its own), and answers a byte when done.
 */
static void storm_start(int *go, int *done)
{
	int p[2], q[2];
	char b;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(q, O_CLOEXEC), 0);
	made.storm = fork();
	ck_assert_int_ge(made.storm, 0);
	if (made.storm == 0) {
		close(p[1]);
		close(q[0]);
		while (read(p[0], &b, 1) == 1) {
			for (int i = 0; i < CALLS; i++)
				syscall(SYS_getppid);
			if (write(q[1], "d", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	*go = p[1];
	*done = q[0];
}

static void storm_round(int go, int done)
{
	char b;

	ck_assert_int_eq(write(go, "g", 1), 1);
	ck_assert_int_eq(read(done, &b, 1), 1);
}

/* DIR/helper_probe calls CALLS: CALLS hits of the uprobe on that copy */
static void helper_round(const char *helper)
{
	char n[16];
	int status;
	pid_t pid;

	snprintf(n, sizeof(n), "%d", CALLS);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(helper, helper, "calls", n, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	ck_assert_msg(in >= 0, "%s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_msg(out >= 0, "%s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	ck_assert_int_eq(fchmod(out, mode), 0);
	ck_assert_int_eq(close(out), 0);
}

static bool file_has(const char *path, const char *a, const char *b)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, a) && (!b || strstr(line, b));
	fclose(f);
	return found;
}

/* the mode of path, which must be 0640 or stricter; printed */
static void assert_mode(const char *what, const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "%s %s: %s", what, path, strerror(errno));
	printf("mode %s: %04o (%s)\n", what, (unsigned)(st.st_mode & 07777), path);
	ck_assert_msg(!(st.st_mode & 07137), "%s %s is mode %04o: more than 0640", what, path,
		      (unsigned)(st.st_mode & 07777));
}

struct tally {
	size_t events, uprobe, ppid, other_events, bad, lost_lines, stats, reloaded;
	json_t *stopped;
};

static void tally_file(struct tally *ty, const char *path)
{
	struct tlog l;
	size_t i;

	tlog_read(&l, path);
	ty->bad += l.bad;
	for (i = 0; i < l.n; i++) {
		json_t *j = l.lines[i];
		const char *type = json_string_value(json_object_get(j, "type"));

		if (!strcmp(type, "event")) {
			const char *probe = json_string_value(json_object_get(j, "probe"));

			ty->events++;
			if (probe && !strcmp(probe, "target"))
				ty->uprobe++;
			else if (probe && !strcmp(probe, "ppid"))
				ty->ppid++;
			else
				ty->other_events++;
		} else if (!strcmp(type, "lost")) {
			ty->lost_lines += (size_t)json_integer_value(json_object_get(j, "count"));
		} else if (!strcmp(type, "stats")) {
			ty->stats++;
		} else if (!strcmp(type, "daemon")) {
			const char *state = json_string_value(json_object_get(j, "state"));

			if (state && !strcmp(state, "reloaded"))
				ty->reloaded++;
			if (state && !strcmp(state, "stopped")) {
				json_decref(ty->stopped);
				ty->stopped = json_incref(j);
			}
		}
	}
	tlog_free(&l);
}

/* the execve and execveat lines strace wrote; each printed */
static size_t strace_execs(const char *path, const char *daemon_path, size_t *own)
{
	char line[4096], want[4200];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	snprintf(want, sizeof(want), "execve(\"%s\",", daemon_path);
	*own = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "execve(") && !strstr(line, "execveat("))
			continue;
		n++;
		*own += strstr(line, want) && strstr(line, ") = 0");
		printf("strace: %s", line);
	}
	fclose(f);
	return n;
}

START_TEST(exec_only_daemon)
{
	const char *tracelogd = getenv("TRACELOGD"), *helpers = getenv("HELPERS");
	char conf[512], helper[512], strace_out[512], metrics[512], lock_seen[8] = "no";
	char path[600], err[512];
	struct tally ty = { 0 };
	struct tld t;
	json_t *started;
	struct tlog l;
	int go, done, status, i, rotated = 0;
	size_t execs, own;
	long long written, ring, queue, invalid, sink, emitted, calls;

	if (skip) {
		printf("SKIP: %s\n", skip);
		return;
	}
	if (system("strace -V >/dev/null 2>&1") != 0) {
		printf("SKIP: exec: strace is not installed (make deps-test installs it)\n");
		return;
	}
	ck_assert_ptr_nonnull(helpers);
	tld_init(&t);
	snprintf(helper, sizeof(helper), "%s/helper_probe", t.dir);
	snprintf(strace_out, sizeof(strace_out), "%s/strace.out", t.dir);
	snprintf(metrics, sizeof(metrics), "%s/metrics.prom", t.dir);
	snprintf(path, sizeof(path), "%s/helper_probe", helpers);
	/* a copy of our own: another test's runs of helper_probe do not hit it */
	copy_file(path, helper, 0755);
	storm_start(&go, &done);

	itest_conf_new(conf, sizeof(conf));
	itest_conf_write(conf,
			 "[daemon]\n"
			 "log = %s\n"
			 "group = " GROUP "\n"
			 "rotate_size = 64K\n"
			 "rotate_keep = 1000\n"
			 "stats_interval = 1s\n"
			 "metrics_file = %s\n"
			 "[uprobe target]\n"
			 "binary = %s\n"
			 "function = tl_probe_target\n"
			 "fetch = n=%%di:s32 s=+0(%%si):string\n"
			 "[tracepoint ppid]\n"
			 "event = syscalls/sys_enter_getppid\n"
			 "filter = common_pid == %d\n",
			 t.log, metrics, helper, (int)made.storm);

	made.strace = fork();
	ck_assert_int_ge(made.strace, 0);
	if (made.strace == 0) {
		int fd = open(t.err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		/* whatever the daemon creates must not depend on this */
		umask(0);
		/*
		 * LeakSanitizer cannot scan a traced process: it fails the
		 * daemon's exit.  A build without ASan ignores the variable.
		 */
		{
			const char *asan = getenv("ASAN_OPTIONS");
			char opts[1024];

			snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0", asan ? asan : "",
				 asan && *asan ? ":" : "");
			setenv("ASAN_OPTIONS", opts, 1);
		}
		execlp("strace", "strace", "-f", "-qq", "--seccomp-bpf",
		       "-e", "trace=execve,execveat", "-o", strace_out,
		       tracelogd, "-c", conf, (char *)NULL);
		_exit(127);
	}
	t.pid = made.strace;
	for (i = 0; i < 6000 && !file_has(t.log, "\"state\":\"started\"", NULL); i++) {
		ck_assert_msg(waitpid(made.strace, &status, WNOHANG) == 0,
			      "tracelogd under strace exited before starting: %s", tld_stderr(&t));
		itest_sleep_ms(10);
	}
	tlog_read(&l, t.log);
	started = tlog_daemon(&l, "started");
	ck_assert_msg(started != NULL, "no started line within 60 s: %s", tld_stderr(&t));
	made.daemon = (pid_t)jget_int(started, "pid");
	tlog_free(&l);
	ck_assert_int_gt(made.daemon, 0);
	if (access(LOCK, F_OK) == 0) {
		assert_mode("lock file", LOCK);
		snprintf(lock_seen, sizeof(lock_seen), "yes");
	}
	assert_mode("log", t.log);

	storm_round(go, done);
	helper_round(helper);
	ck_assert_int_eq(kill(made.daemon, SIGHUP), 0);
	/* stderr, not the log: the "reloaded" line may be in a rotated file by now */
	for (i = 0; i < 6000 && !strstr(tld_stderr(&t), "tracelogd: reloaded:"); i++)
		itest_sleep_ms(10);
	ck_assert_msg(strstr(tld_stderr(&t), "tracelogd: reloaded:"), "not reloaded within 60 s: %s",
		      tld_stderr(&t));
	storm_round(go, done);
	helper_round(helper);
	/* a stats tick has written the metrics file */
	for (i = 0; i < 1000 && access(metrics, F_OK); i++)
		itest_sleep_ms(10);
	assert_mode("metrics file", metrics);
	assert_mode("log", t.log);
	snprintf(path, sizeof(path), "%s.1", t.log);
	assert_mode("rotated log", path);

	ck_assert_int_eq(kill(made.daemon, SIGINT), 0);
	ck_assert_int_eq(waitpid(made.strace, &status, 0), made.strace);
	made.strace = made.daemon = 0;
	t.pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x: %s",
		      status, tld_stderr(&t));
	close(go);
	ck_assert_int_eq(waitpid(made.storm, &status, 0), made.storm);
	made.storm = 0;
	close(done);
	assert_group_gone();

	for (i = 1; i <= 1000; i++) {
		snprintf(path, sizeof(path), "%s.%d", t.log, i);
		if (access(path, F_OK))
			break;
		rotated++;
	}
	printf("rotated logs: %d\n", rotated);
	ck_assert_int_gt(rotated, 0);
	snprintf(path, sizeof(path), "%s.%d", t.log, rotated);
	assert_mode("oldest rotated log", path);

	/* the only program started is the daemon, by strace */
	execs = strace_execs(strace_out, tracelogd, &own);
	printf("execve/execveat calls: %zu, of them the daemon's own: %zu\n", execs, own);
	ck_assert_uint_eq(execs, 1);
	ck_assert_uint_eq(own, 1);

	/* every file, the current one last: the stopped line is in it */
	for (i = rotated; i >= 1; i--) {
		snprintf(path, sizeof(path), "%s.%d", t.log, i);
		tally_file(&ty, path);
	}
	tally_file(&ty, t.log);
	ck_assert_ptr_nonnull(ty.stopped);
	written = jget_int(ty.stopped, "written");
	ring = jget_int(ty.stopped, "lost.ring");
	queue = jget_int(ty.stopped, "lost.queue");
	invalid = jget_int(ty.stopped, "lost.invalid");
	sink = jget_int(ty.stopped, "lost.sink");
	emitted = jget_int(ty.stopped, "emitted");
	calls = 4LL * CALLS;
	printf("exec storm: %lld calls (2 x %d uprobe, 2 x %d getppid) = %zu event lines "
	       "(%zu uprobe, %zu getppid) + %lld ring + %lld queue + %lld invalid + %lld sink lost; "
	       "emitted %lld, written %lld, %zu reload, %zu stats lines\n",
	       calls, CALLS, CALLS, ty.events, ty.uprobe, ty.ppid, ring, queue, invalid, sink,
	       emitted, written, ty.reloaded, ty.stats);
	ck_assert_uint_eq(ty.bad, 0);
	ck_assert_uint_eq(ty.other_events, 0);
	ck_assert_uint_eq(ty.reloaded, 1);
	ck_assert_int_eq(written, (long long)ty.events);
	ck_assert_int_eq(emitted, calls);
	ck_assert_int_eq((long long)ty.events + ring + queue + invalid + sink, calls);
	ck_assert_int_eq(jget_int(ty.stopped, "lost.total"), ring + queue + invalid + sink);
	ck_assert_int_eq((long long)ty.lost_lines, ring + queue + invalid + sink);
	ck_assert_uint_le(ty.uprobe, 2 * CALLS);
	ck_assert_uint_le(ty.ppid, 2 * CALLS);
	printf("lock file seen while running: %s\n", lock_seen);
	json_decref(ty.stopped);

	unlink(strace_out);
	unlink(metrics);
	unlink(helper);
	for (i = 1; i <= rotated; i++) {
		snprintf(path, sizeof(path), "%s.%d", t.log, i);
		unlink(path);
	}
	itest_conf_remove(conf);
	tld_cleanup(&t);
	(void)err;
}
END_TEST

/* ------------------------------------------------------------------ */
/* symbols                                                             */

/* the undefined dynamic symbols of an object, one per line, by nm */
static char *undefined_symbols(const char *file, bool dynamic)
{
	char cmd[1024];
	static char buf[1 << 16];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm %s--undefined-only '%s' 2>&1", dynamic ? "-D " : "", file);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	ck_assert_msg(pclose(p) == 0, "%s: %s", cmd, buf);
	return buf;
}

/* symbol (a whole name, any version) is in nm's output */
static bool has_symbol(const char *nm, const char *symbol)
{
	size_t len = strlen(symbol);
	const char *p;

	for (p = nm; (p = strstr(p, symbol)); p += len)
		if (p > nm && p[-1] == ' ' && (p[len] == '\n' || p[len] == '@' || !p[len]))
			return true;
	return false;
}

START_TEST(symbols)
{
	static const char *const never[] = {
		"system", "popen", "execv", "execve", "execvp", "execvpe", "execl", "execle",
		"execlp", "execveat", "fexecve", "posix_spawn", "posix_spawnp", "fork", "vfork",
		"dlmopen", "__libc_system",
	};
	const char *tracelogd = getenv("TRACELOGD");
	char build[512], pattern[600], *nm, *slash;
	size_t i, k, objects = 0, with_dlopen = 0;
	const char *const dirs[] = { "daemon", "engine", "probes", "conf" };

	ck_assert_ptr_nonnull(tracelogd);
	nm = undefined_symbols(tracelogd, true);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		ck_assert_msg(!has_symbol(nm, never[i]), "%s imports %s", tracelogd, never[i]);
	printf("nm -D %s: none of %zu process-starting symbols; dlopen %s\n", tracelogd,
	       sizeof(never) / sizeof(never[0]), has_symbol(nm, "dlopen") ? "imported" : "not imported");

	/* dlopen: the plugin handler's, and no other object's */
	snprintf(build, sizeof(build), "%s", tracelogd);
	slash = strrchr(build, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = 0;
	for (k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
		glob_t g;

		snprintf(pattern, sizeof(pattern), "%s/%s/*.o", build, dirs[k]);
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (i = 0; i < g.gl_pathc; i++) {
			bool dl = has_symbol(undefined_symbols(g.gl_pathv[i], false), "dlopen");

			objects++;
			if (!dl)
				continue;
			with_dlopen++;
			ck_assert_msg(strstr(g.gl_pathv[i], "/daemon/plugin.o"),
				      "%s calls dlopen: only daemon/plugin.c loads code", g.gl_pathv[i]);
		}
		globfree(&g);
	}
	printf("objects calling dlopen: %zu of %zu (daemon/plugin.o)\n", with_dlopen, objects);
	ck_assert_uint_gt(objects, 10);
	ck_assert_uint_le(with_dlopen, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* cli                                                                 */

/* tracelogd args... exits 2 and says needle on stderr; nothing traced */
static void cli_refused(const char *needle, const char *const *args)
{
	const char *argv[32];
	struct tld t;
	size_t n = 0;
	int ret;

	argv[n++] = "-n";
	argv[n++] = "--group";
	argv[n++] = GROUP;
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	ret = tld_run(&t, argv);
	ck_assert_msg(ret == 2, "%s: exit %d, not 2: %s", args[-1], ret, tld_stderr(&t));
	ck_assert_msg(strstr(tld_stderr(&t), needle), "stderr lacks \"%s\": %s", needle,
		      tld_stderr(&t));
	printf("cli refused: %s", tld_stderr(&t));
	tld_cleanup(&t);
}

#define REFUSED(needle, ...) cli_refused(needle, (const char *const[]){ __VA_ARGS__, NULL })
#define TP "sched/sched_process_exec"

static size_t bad_expected(const char *text, const char *file, char want[][1024], size_t max)
{
	const char *p = text;
	size_t n = 0;

	while (!strncmp(p, "# expect: ", 10) && n < max) {
		const char *msg = p + 10, *eol = strchr(msg, '\n');
		size_t digits = strspn(msg, "0123456789");

		ck_assert_ptr_nonnull(eol);
		snprintf(want[n], sizeof(want[n]), "%s:%s%.*s", file,
			 digits && msg[digits] == ':' ? "" : " ", (int)(eol - msg), msg);
		n++;
		p = eol + 1;
	}
	return n;
}

START_TEST(cli_hostile)
{
	char pattern[600], dir[] = "/tmp/check_security.XXXXXX", file[700], *text, want[16][1024];
	size_t i, k, n, files = 0, errors = 0;
	glob_t g;

	if (skip) {
		printf("SKIP: %s\n", skip);
		return;
	}
	/* -e, -p, -f: a second tracefs command, a redirection, numbers past 2^64 */
	REFUSED("expected SYSTEM/EVENT", "-e", TP ">/sys/kernel/tracing/set_event");
	REFUSED("expected SYSTEM/EVENT", "-e", TP " -:kprobes/x");
	REFUSED("expected SYSTEM/EVENT", "-e", "sched/sched_process_exec\nsched/sched_switch");
	REFUSED("';' at byte", "-p", "uprobe:x:/bin/bash:readline;-:kprobes/x");
	REFUSED("expected FIELD=FETCHARG", "-p",
		"uprobe:x:/bin/bash:readline a=%di:u64 p:" GROUP "/evil /bin/sh:0x10");
	REFUSED("unexpected text after the argument", "-p",
		"uprobe:x:/bin/bash:readline a=%di:u64>/sys/kernel/tracing/uprobe_events");
	REFUSED("would start a second tracefs command", "-p", "uprobe:x:/bin/bash:readline\n-:kprobes/x");
	REFUSED("-f: ';' at byte 8", "-e", TP, "-f", "pid > 1; echo x >> /sys/kernel/tracing/kprobe_events");
	REFUSED("-f: a filter is one line", "-e", TP, "-f", "pid > 1\n-:kprobes/x");
	REFUSED("-f: column 11: C1 control character U+009B", "-e", TP, "-f", "comm == \"a\xc2\x9b" "31m\"");
	REFUSED("-f: column 11: bidirectional formatting character U+202E", "-e", TP, "-f",
		"comm == \"a\xe2\x80\xae" "b\"");
	REFUSED("-f: column 11: byte 0xff is not valid UTF-8", "-e", TP, "-f", "comm == \"a\xff\"");
	/* names */
	REFUSED("--group: a group name", "-e", TP, "--group", "../kprobes");
	REFUSED("--group: a group name", "-e", TP, "--group", "");
	REFUSED("--group: a group name", "-e", TP, "--group",
		"g123456789012345678901234567890123456789012345678901234567890123");
	REFUSED("a probe name is 1 to 63", "-p", "tracepoint::" TP);
	/* paths */
	REFUSED("-o: a tab in a path", "-e", TP, "-o", "/tmp/a\tb.jsonl");
	REFUSED("-o: column 7: control character 0x1b", "-e", TP, "-o", "/tmp/a\x1b[31m");
	REFUSED("-o: column 7: bidirectional formatting character U+202E", "-e", TP, "-o",
		"/tmp/a\xe2\x80\xae" "lnosj.b");
	REFUSED("-o: column 7: byte 0xfe is not valid UTF-8", "-e", TP, "-o", "/tmp/a\xfe");
	REFUSED("--metrics-file: column 6: control character 0x07", "-e", TP, "--stats-interval", "1",
		"--metrics-file", "/tmp/\x07");
	/* numbers */
	REFUSED("--ring-pages", "-e", TP, "--ring-pages", "18446744073709551616");
	REFUSED("--ring-pages", "-e", TP, "--ring-pages", "1099511627776");
	REFUSED("--workers", "-e", TP, "--workers", "18446744073709551617");
	REFUSED("--queue-depth", "-e", TP, "--queue-depth", "4294967296");
	REFUSED("--rotate-size", "-e", TP, "-o", "/tmp/x.jsonl", "--rotate-size", "18446744073709551616");
	REFUSED("--rotate-keep", "-e", TP, "--rotate-keep", "99999999999999999999999");
	REFUSED("0x10000000000000000", "-p", "uprobe:x:/bin/bash:0x10000000000000000");

	/* -c: every bad configuration, as root's own file */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pattern, sizeof(pattern), "%s/tests/conf/bad/*.ini", srcdir());
	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		const char *args[] = { "-n", "-c", file, NULL };
		struct tld t;
		FILE *f;
		long len;
		int ret;

		snprintf(file, sizeof(file), "%s/%s", dir, base);
		copy_file(g.gl_pathv[i], file, 0600);
		f = fopen(file, "rb");
		ck_assert_ptr_nonnull(f);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		text = calloc(1, (size_t)len + 1);
		ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		n = bad_expected(text, file, want, 16);
		free(text);
		ck_assert_msg(n > 0, "%s: no # expect: line", g.gl_pathv[i]);
		ret = tld_run(&t, args);
		ck_assert_msg(ret == 2, "-c %s: exit %d, not 2: %s", g.gl_pathv[i], ret, tld_stderr(&t));
		for (k = 0; k < n; k++)
			ck_assert_msg(strstr(tld_stderr(&t), want[k]), "-c %s: stderr lacks \"%s\":\n%s",
				      g.gl_pathv[i], want[k], tld_stderr(&t));
		errors += n;
		files++;
		tld_cleanup(&t);
		unlink(file);
	}
	globfree(&g);
	rmdir(dir);
	printf("cli -c: %zu bad configurations refused with exit 2, %zu errors as expected\n",
	       files, errors);
	ck_assert_uint_ge(files, 130);
	assert_group_gone();
}
END_TEST

/* ------------------------------------------------------------------ */
/* unit                                                                */

START_TEST(unit_hardening)
{
	static const char *const directives[] = {
		"CapabilityBoundingSet=CAP_PERFMON\n", "NoNewPrivileges=yes\n",
		"ProtectSystem=strict\n", "ProtectHome=yes\n", "PrivateTmp=yes\n",
		"PrivateDevices=yes\n", "PrivateNetwork=yes\n", "IPAddressDeny=any\n",
		"RestrictAddressFamilies=AF_UNIX\n", "RestrictNamespaces=yes\n",
		"RestrictSUIDSGID=yes\n", "MemoryDenyWriteExecute=yes\n", "LockPersonality=yes\n",
		"ProtectKernelModules=yes\n", "ProtectKernelLogs=yes\n",
		"ProtectControlGroups=yes\n", "SystemCallArchitectures=native\n",
		"SystemCallFilter=@system-service perf_event_open\n",
		"SystemCallFilter=~@privileged @resources\n", "UMask=0027\n",
		"LogsDirectoryMode=0750\n",
	};
	char unit[600], cmd[800], line[1024], *text;
	double score = -1;
	size_t i;
	long len;
	FILE *f;

	snprintf(unit, sizeof(unit), "%s/systemd/tracelogd.service", srcdir());
	f = fopen(unit, "r");
	ck_assert_msg(f != NULL, "%s: %s", unit, strerror(errno));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		char *at = strstr(text, directives[i]);

		ck_assert_msg(at && (at == text || at[-1] == '\n'), "%s lacks %.*s", unit,
			      (int)strlen(directives[i]) - 1, directives[i]);
	}
	/* root, but no capability beyond CAP_PERFMON and no user namespace way back */
	ck_assert_ptr_null(strstr(text, "\nAmbientCapabilities="));
	ck_assert_ptr_null(strstr(text, "CAP_SYS_ADMIN\n"));
	free(text);
	printf("unit: %zu hardening directives present\n", sizeof(directives) / sizeof(directives[0]));

	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
		printf("systemd-analyze is not on this host (it is in the systemd package, not "
		       "installed here): the score is checked by tests/systemd/run.sh inside its "
		       "container; the directives above were checked\n");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "timeout 120 systemd-analyze security --offline=true --no-pager '%s' 2>&1", unit);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "Overall exposure level for ");

		if (p && (p = strchr(p, ':')))
			score = strtod(p + 1, NULL);
	}
	pclose(f);
	printf("systemd-analyze security --offline=true %s: %.1f\n", unit, score);
	ck_assert_msg(score >= 0, "no \"Overall exposure level\" from: %s", cmd);
	ck_assert_msg(score <= 2.0, "exposure %.1f > 2.0", score);
}
END_TEST

static Suite *security_suite(void)
{
	Suite *s = suite_create("security");
	TCase *tc;

	tc = tcase_create("exec");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, NULL, undo_made);
	tcase_add_test(tc, exec_only_daemon);
	suite_add_tcase(s, tc);

	tc = tcase_create("symbols");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, symbols);
	suite_add_tcase(s, tc);

	tc = tcase_create("cli");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, cli_hostile);
	suite_add_tcase(s, tc);

	tc = tcase_create("unit");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, unit_hardening);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(security_suite());
	int failed;

	skip = itest_skip_reason();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
