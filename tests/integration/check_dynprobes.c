// SPDX-License-Identifier: MIT
/*
 * check_dynprobes.c - dynamic probes on the real kernel, counted: uprobes and
 * uretprobes on helper_probe (an int, a string and the return value of
 * every call), a libc function through the shared library, rendering hints
 * on real records, refusals that leave tracefs untouched, the leftovers of
 * a kill -9 removed at restart (and another group's probe left alone), two
 * groups side by side, and kprobes (refused with the reason on a kernel
 * without them; traced for real on one with them).
 *
 * Every test leaves uprobe_events and dynamic_events exactly as it found
 * them, and asserts it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "integration/itest.h"
#include "probes.h"

#define TRACEFS "/sys/kernel/tracing"

static const char *skip;
static char helper[PATH_MAX];		/* helper_probe, canonical */

/* ------------------------------------------------------------------ */
/* tracefs state                                                       */

static char *read_text(const char *path)
{
	char *buf = calloc(1, 1 << 20);
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY);

	ck_assert_ptr_nonnull(buf);
	if (fd < 0)
		return buf;	/* a kernel without the file: empty */
	while ((n = read(fd, buf + len, (1 << 20) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	return buf;
}

struct snap {
	char *uprobe_events, *dynamic_events;
};

static void snap_take(struct snap *s)
{
	s->uprobe_events = read_text(TRACEFS "/uprobe_events");
	s->dynamic_events = read_text(TRACEFS "/dynamic_events");
}

/* tracefs is as the snapshot found it; frees the snapshot */
static void snap_check(struct snap *s)
{
	char *u = read_text(TRACEFS "/uprobe_events"), *d = read_text(TRACEFS "/dynamic_events");

	ck_assert_msg(!strcmp(u, s->uprobe_events), "uprobe_events changed:\n--- before\n%s--- after\n%s",
		      s->uprobe_events, u);
	ck_assert_msg(!strcmp(d, s->dynamic_events), "dynamic_events changed:\n--- before\n%s--- after\n%s",
		      s->dynamic_events, d);
	free(u);
	free(d);
	free(s->uprobe_events);
	free(s->dynamic_events);
}

static int tracefs_write(const char *file, const char *line)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		return -errno;
	if (write(fd, line, strlen(line)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Children                                                            */

/* a child that waits for a byte on a pipe, then execs helper_probe args */
struct child {
	pid_t pid;
	int go;
};

static void child_start(struct child *c, const char *mode, long n)
{
	char num[32];
	int p[2];
	char b;

	snprintf(num, sizeof(num), "%ld", n);
	ck_assert_int_eq(pipe(p), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		close(p[0]);
		execl(helper, "helper_probe", mode, num, (char *)NULL);
		_exit(127);
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

/* ------------------------------------------------------------------ */
/* Logs                                                                */

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* the event lines of event for pid, in log order (a json array, borrowed refs) */
static json_t *events_of(const struct tlog *l, const char *event, pid_t pid)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++) {
		json_t *o = l->lines[i];

		if (strcmp(jstr(o, "type"), "event") || strcmp(jstr(o, "event"), event))
			continue;
		if (pid && json_integer_value(json_object_get(o, "pid")) != pid)
			continue;
		json_array_append(a, o);
	}
	return a;
}

static void check_stopped(struct tlog *l)
{
	json_t *st = tlog_daemon(l, "stopped");

	ck_assert_msg(st != NULL, "no stopped line");
	ck_assert_uint_eq(l->bad, 0);
	ck_assert_int_eq(jget_int(st, "lost.total"), 0);
}

static void expect_fail(const char *const *args, int code, const char *needle)
{
	struct tld t;
	const char *err;
	int ret;

	ret = tld_run(&t, args);
	err = tld_stderr(&t);
	ck_assert_msg(ret == code, "exit %d, not %d: %s", ret, code, err);
	ck_assert_msg(strstr(err, needle), "stderr \"%s\" lacks \"%s\"", err, needle);
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
	tld_cleanup(&t);
}

static char *spec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a probe spec with the helper's path substituted for %s (freed by the test) */
static char *spec(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
	va_end(ap);
	return s;
}

/* ------------------------------------------------------------------ */
/* uprobes                                                             */

#define CALLS 1000

START_TEST(test_uprobe_args)
{
	struct snap snap;
	struct tld t;
	struct tlog l;
	struct child c;
	char *entry = spec("uprobe:tl_in:%s:tl_probe_target n=%%di:s32 s=+0(%%si):ustring s2=+0(%%si):string",
			   helper);
	char *ret = spec("uretprobe:tl_out:%s:tl_probe_target r=$retval:s32", helper);
	const char *args[] = { "-p", entry, "-p", ret, NULL };
	json_t *in, *out;
	size_t i;

	if (skip)
		return;
	snap_take(&snap);
	child_start(&c, "calls", CALLS);
	ck_assert_int_eq(tld_start(&t, args), 0);
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	in = events_of(&l, "tracelogd/tl_in", c.pid);
	out = events_of(&l, "tracelogd/tl_out", c.pid);
	printf("uprobe: %d calls, %zu entry and %zu return events\n", CALLS, json_array_size(in),
	       json_array_size(out));
	ck_assert_uint_eq(json_array_size(in), CALLS);
	ck_assert_uint_eq(json_array_size(out), CALLS);
	/* one thread's events stay in order: call i is the i-th of each */
	for (i = 0; i < CALLS; i++) {
		json_t *e = json_array_get(in, i), *f = json_object_get(e, "fields");
		json_t *r = json_object_get(json_array_get(out, i), "fields");
		char want[32];

		snprintf(want, sizeof(want), "item-%zu", i);
		ck_assert_int_eq(json_integer_value(json_object_get(f, "n")), (long long)i);
		ck_assert_str_eq(jstr(f, "s"), want);
		ck_assert_str_eq(jstr(f, "s2"), want);
		ck_assert_int_eq(json_integer_value(json_object_get(r, "r")),
				 (long long)(2 * i + strlen(want)));
		ck_assert_str_eq(jstr(e, "probe"), "tl_in");
		ck_assert_str_eq(jstr(e, "comm"), "helper_probe");
		ck_assert(!strncmp(jstr(f, "__probe_ip"), "0x", 2));
		ck_assert(!strncmp(jstr(r, "__probe_func"), "0x", 2));
	}
	json_decref(in);
	json_decref(out);
	tlog_free(&l);
	tld_cleanup(&t);
	snap_check(&snap);
	free(entry);
	free(ret);
}
END_TEST

/* a libc function, through the shared library, by plain and versioned name */
START_TEST(test_uprobe_libc)
{
	const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";
	struct snap snap;
	struct tld t;
	struct tlog l;
	struct child c;
	char filter[64], *in, *out;
	json_t *ins, *outs;
	size_t i;

	if (skip)
		return;
	if (access(libc, R_OK)) {
		printf("SKIP: libc uprobe: no %s\n", libc);
		return;
	}
	snap_take(&snap);
	in = spec("uprobe:gp:%s:getpid", libc);
	out = spec("uretprobe:gp_ret:%s:getpid@GLIBC_2.2.5 pid=$retval:s32", libc);
	child_start(&c, "getpid", 500);
	snprintf(filter, sizeof(filter), "common_pid == %d", c.pid);
	{
		const char *args[] = { "-p", in, "-f", filter, "-p", out, "-f", filter, NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	ins = events_of(&l, "tracelogd/gp", 0);
	outs = events_of(&l, "tracelogd/gp_ret", 0);
	printf("libc getpid: 500 calls, %zu entry and %zu return events (filtered on the pid)\n",
	       json_array_size(ins), json_array_size(outs));
	ck_assert_uint_eq(json_array_size(ins), 500);
	ck_assert_uint_eq(json_array_size(outs), 500);
	for (i = 0; i < 500; i++) {
		ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(ins, i), "pid")), c.pid);
		ck_assert_int_eq(json_integer_value(json_object_get(
			json_object_get(json_array_get(outs, i), "fields"), "pid")), c.pid);
	}
	json_decref(ins);
	json_decref(outs);
	tlog_free(&l);
	tld_cleanup(&t);
	snap_check(&snap);
	free(in);
	free(out);
}
END_TEST

/* rendering hints on records of the real kernel */
START_TEST(test_render)
{
	struct snap snap;
	struct tld t;
	struct tlog l;
	struct child c;
	char *sa = spec("uprobe:sa:%s:tl_probe_sockaddr port=+2(%%di):u16 addr=+4(%%di):u32 "
			"a6=+8(%%si):u8[16] port6=+2(%%si):u16 raw=+4(%%di):u32 "
			"render.port=port render.addr=ipv4 render.a6=ipv6 render.port6=port render.raw=hex",
			helper);
	const char *args[] = { "-p", sa, NULL };
	json_t *ev;
	size_t i;

	if (skip)
		return;
	snap_take(&snap);
	child_start(&c, "sockaddr", 10);
	ck_assert_int_eq(tld_start(&t, args), 0);
	child_run(&c);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	ev = events_of(&l, "tracelogd/sa", c.pid);
	ck_assert_uint_eq(json_array_size(ev), 10);
	for (i = 0; i < 10; i++) {
		json_t *f = json_object_get(json_array_get(ev, i), "fields");

		ck_assert_str_eq(jstr(f, "addr"), "127.0.0.1");
		ck_assert_int_eq(json_integer_value(json_object_get(f, "port")), 22);
		ck_assert_str_eq(jstr(f, "a6"), "::1");
		ck_assert_int_eq(json_integer_value(json_object_get(f, "port6")), 443);
		ck_assert_str_eq(jstr(f, "raw"), "0x100007f");
	}
	json_decref(ev);
	tlog_free(&l);
	tld_cleanup(&t);
	snap_check(&snap);
	free(sa);
}
END_TEST

static void open_missing(void *arg)
{
	long i, n = (long)arg;

	for (i = 0; i < n; i++)
		if (open("/nonexistent/tracelogd-itest", O_RDONLY) >= 0)
			_exit(1);
}

/* a tracepoint given with -p: its probe name and an errno hint */
START_TEST(test_tracepoint_probe)
{
	struct snap snap;
	struct tld t;
	struct tlog l;
	char filter[64];
	json_t *ev;
	pid_t pid;
	int p[2];
	char b;
	size_t i;

	if (skip)
		return;
	snap_take(&snap);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		open_missing((void *)100L);
		_exit(0);
	}
	close(p[0]);
	snprintf(filter, sizeof(filter), "common_pid == %d", pid);
	{
		const char *args[] = { "-p", "tracepoint:openret:syscalls/sys_exit_openat render.ret=errno",
				       "-f", filter, NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	ck_assert_int_eq(write(p[1], "g", 1), 1);
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	ev = events_of(&l, "syscalls/sys_exit_openat", pid);
	ck_assert_uint_eq(json_array_size(ev), 100);
	for (i = 0; i < 100; i++) {
		json_t *o = json_array_get(ev, i);

		ck_assert_str_eq(jstr(o, "probe"), "openret");
		ck_assert_str_eq(jstr(json_object_get(o, "fields"), "ret"), "ENOENT");
	}
	json_decref(ev);
	tlog_free(&l);
	tld_cleanup(&t);
	snap_check(&snap);
}
END_TEST

/* refusals: a clear one-line error, exit 2 (1 for the filter), tracefs untouched */
START_TEST(test_refusals)
{
	struct snap snap;
	char *good, *a, *b;

	if (skip)
		return;
	snap_take(&snap);
	good = spec("uprobe:good:%s:tl_probe_target n=%%di:s32", helper);

	a = spec("uprobe:x:%s:tl_probe_targte", helper);
	{
		const char *args[] = { "-p", a, NULL };

		expect_fail(args, 2, "no function tl_probe_targte; close names: tl_probe_target");
	}
	free(a);
	{
		const char *args[] = { "-p", "uprobe:x:/etc/passwd:main", NULL };

		expect_fail(args, 2, "not an ELF file");
	}
	{
		const char *args[] = { "-p", "uprobe:x:/nonexistent/bin:main", NULL };

		expect_fail(args, 2, "No such file");
	}
	/* injection attempts */
	a = spec("uprobe:x:%s:tl_probe_target\n-:othergrp/x", helper);
	{
		const char *args[] = { "-p", a, NULL };

		expect_fail(args, 2, "line break");
	}
	free(a);
	a = spec("uprobe:x:%s:tl_probe_target n=%%di;-:othergrp/x", helper);
	{
		const char *args[] = { "-p", a, NULL };

		expect_fail(args, 2, "';'");
	}
	free(a);
	{
		const char *args[] = { "-p", "uprobe:-:othergrp/x:/bin/true:main", NULL };

		expect_fail(args, 2, "probe name");
	}
	{
		const char *args[] = { "-p", good, "--group", "a/../b", NULL };

		expect_fail(args, 2, "--group");
	}
	/* a group of the kernel's own tracepoints is not ours */
	{
		const char *args[] = { "-p", good, "--group", "sched", NULL };

		expect_fail(args, 1, "group sched holds events that are not tracelogd's");
	}
	/* what the kernel cannot do on uprobes */
	a = spec("uprobe:x:%s:tl_probe_target n=$arg1", helper);
	{
		const char *args[] = { "-p", a, NULL };

		expect_fail(args, 2, "$argN does not work on uprobes");
	}
	free(a);
	/* tracefs refuses: its error_log words, the probe's name and the command */
	a = spec("uprobe:x:%s:tl_probe_target s=%%di:string", helper);
	{
		const char *args[] = { "-p", good, "-p", a, NULL };

		expect_fail(args, 2, "String accepts only memory argument");
		expect_fail(args, 2, "uprobe:x: tracefs refused \"p:tracelogd/x ");
	}
	free(a);
	/* an invalid filter: the kernel's words */
	{
		const char *args[] = { "-p", good, "-f", "nosuch == 1", NULL };

		expect_fail(args, 1, "Field not found");
	}
	/* hints the fields cannot take, or that do not exist */
	a = spec("uprobe:x:%s:tl_probe_target n=%%di:s32 render.n=ipv6", helper);
	b = spec("uprobe:x:%s:tl_probe_target n=%%di:s32 render.n=ipv5", helper);
	{
		const char *args[] = { "-p", a, NULL };
		const char *args2[] = { "-p", b, NULL };

		expect_fail(args, 2, "a 16-byte array");
		expect_fail(args2, 2, "the hints are ipv4, ipv6, hex, errno, port");
	}
	free(a);
	free(b);
	{
		const char *args[] = { "-p", good, "-p", good, NULL };

		expect_fail(args, 2, "two probes are named good");
	}
	free(good);
	snap_check(&snap);
}
END_TEST

/* the uprobe lines of group in uprobe_events */
static size_t group_lines(const char *group)
{
	char *u = read_text(TRACEFS "/uprobe_events"), *p = u, key[80];
	size_t n = 0;

	snprintf(key, sizeof(key), ":%s/", group);
	while ((p = strstr(p, key))) {
		n++;
		p++;
	}
	free(u);
	return n;
}

START_TEST(test_kill_restart)
{
	struct snap snap;
	struct tld t;
	char other[PATH_MAX + 64], err[512], *a, *b;
	uint64_t off;
	int status;

	if (skip)
		return;
	snap_take(&snap);
	/* someone else's probe, in another group */
	ck_assert_int_eq(probe_uprobe_resolve(helper, "tl_probe_target", 0, &off, err, sizeof(err)), 0);
	snprintf(other, sizeof(other), "p:tlg_other/x %s:0x%" PRIx64 "\n", helper, off);
	ck_assert_int_eq(tracefs_write("uprobe_events", other), 0);

	a = spec("uprobe:crashy:%s:tl_probe_target n=%%di:s32", helper);
	b = spec("uretprobe:crashy2:%s:tl_probe_target", helper);
	{
		const char *args[] = { "--group", "tlg_crash", "-p", a, "-p", b, NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	ck_assert_uint_eq(group_lines("tlg_crash"), 2);
	kill(t.pid, SIGKILL);
	ck_assert_int_eq(waitpid(t.pid, &status, 0), t.pid);
	t.pid = 0;
	tld_cleanup(&t);
	/* what a crash leaves behind */
	ck_assert_uint_eq(group_lines("tlg_crash"), 2);

	/* a restart in the same group removes it, and only it */
	{
		const char *args[] = { "--group", "tlg_crash", "-p", a, "--duration", "0.5", NULL };
		const char *e;

		ck_assert_int_eq(tld_run(&t, args), 0);
		e = tld_stderr(&t);
		ck_assert_msg(strstr(e, "group tlg_crash: removed 2 probes left by an earlier instance"),
			      "%s", e);
		tld_cleanup(&t);
	}
	ck_assert_uint_eq(group_lines("tlg_crash"), 0);
	ck_assert_uint_eq(group_lines("tlg_other"), 1);

	ck_assert_int_eq(tracefs_write("uprobe_events", "-:tlg_other/x\n"), 0);
	free(a);
	free(b);
	snap_check(&snap);
}
END_TEST

START_TEST(test_two_groups)
{
	struct snap snap;
	struct tld ta, tb;
	struct tlog la, lb;
	struct child c;
	char *p = spec("uprobe:both:%s:tl_probe_target n=%%di:s32", helper);
	const char *args_a[] = { "--group", "tlg_a", "-p", p, NULL };
	const char *args_b[] = { "--group", "tlg_b", "-p", p, NULL };

	if (skip)
		return;
	snap_take(&snap);
	child_start(&c, "calls", 300);
	ck_assert_int_eq(tld_start(&ta, args_a), 0);
	ck_assert_int_eq(tld_start(&tb, args_b), 0);
	/* the same group twice is refused, and leaves the first alone */
	expect_fail(args_a, 1, "group tlg_a is in use by another tracelogd");
	child_run(&c);
	ck_assert_int_eq(tld_stop(&ta), 0);
	ck_assert_int_eq(tld_stop(&tb), 0);
	tlog_read(&la, ta.log);
	tlog_read(&lb, tb.log);
	check_stopped(&la);
	check_stopped(&lb);
	printf("two groups: %zu and %zu events of 300 calls\n",
	       tlog_count(&la, "tlg_a/both", c.pid), tlog_count(&lb, "tlg_b/both", c.pid));
	ck_assert_uint_eq(tlog_count(&la, "tlg_a/both", c.pid), 300);
	ck_assert_uint_eq(tlog_count(&lb, "tlg_b/both", c.pid), 300);
	tlog_free(&la);
	tlog_free(&lb);
	tld_cleanup(&ta);
	tld_cleanup(&tb);
	free(p);
	snap_check(&snap);
}
END_TEST

/* ------------------------------------------------------------------ */
/* kprobes                                                             */

static void kprobe_open_child(void *arg)
{
	open_missing(arg);
}

/* a loopback TCP connection accepted by the child: returns its two ports */
static void tcp_accept_child(unsigned short *server_port, unsigned short *client_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int ls, cs, as;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(ls, 0);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(ls, 1), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&a, &len), 0);
	*server_port = ntohs(a.sin_port);
	cs = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(cs, (struct sockaddr *)&a, sizeof(a)), 0);
	len = sizeof(a);
	ck_assert_int_eq(getsockname(cs, (struct sockaddr *)&a, &len), 0);
	*client_port = ntohs(a.sin_port);
	as = accept(ls, NULL, NULL);
	ck_assert_int_ge(as, 0);
	close(as);
	close(cs);
	close(ls);
}

START_TEST(test_kprobes)
{
	const char *kopen = "kprobe:kopen:do_sys_openat2 dfd=%di:s32 name=+0(%si):ustring";
	const char *kacc = "kretprobe:kacc:inet_csk_accept maxactive=16 daddr=+0($retval):u32 "
			   "saddr=+4($retval):u32 dport=+12($retval):u16 sport=+14($retval):u16 "
			   "render.daddr=ipv4 render.saddr=ipv4 render.dport=port";
	struct snap snap;
	struct tld t;
	struct tlog l;
	char filter[64], why[512];
	unsigned short sport, cport;
	json_t *ev;
	pid_t pid;
	size_t i;
	int p[2];
	char b;

	if (skip)
		return;
	snap_take(&snap);
	if (probe_kind_check(PROBE_KPROBE, why, sizeof(why)) == -EOPNOTSUPP) {
		const char *a1[] = { "-p", kopen, NULL };
		const char *a2[] = { "-p", kacc, NULL };

		/* refused up front, with the reason, and nothing created */
		expect_fail(a1, 2, "kprobe_events does not exist");
		expect_fail(a2, 2, "kretprobe:kacc: this kernel cannot create kprobes and kretprobes");
		printf("SKIP: kprobes: %s\n", why);
		snap_check(&snap);
		return;
	}

	/* a kprobe with fetch arguments, counted */
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		kprobe_open_child((void *)100L);
		_exit(0);
	}
	close(p[0]);
	snprintf(filter, sizeof(filter), "common_pid == %d", pid);
	{
		const char *args[] = { "-p", kopen, "-f", filter, NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	ck_assert_int_eq(write(p[1], "g", 1), 1);
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	ev = events_of(&l, "tracelogd/kopen", pid);
	printf("kprobe do_sys_openat2: 100 opens, %zu events\n", json_array_size(ev));
	ck_assert_uint_eq(json_array_size(ev), 100);
	for (i = 0; i < 100; i++) {
		json_t *f = json_object_get(json_array_get(ev, i), "fields");

		ck_assert_str_eq(jstr(f, "name"), "/nonexistent/tracelogd-itest");
		ck_assert_int_eq(json_integer_value(json_object_get(f, "dfd")), -100);
	}
	json_decref(ev);
	tlog_free(&l);
	tld_cleanup(&t);

	/* a kretprobe on accept, rendered */
	{
		const char *args[] = { "-p", kacc, NULL };

		ck_assert_int_eq(tld_start(&t, args), 0);
	}
	tcp_accept_child(&sport, &cport);
	ck_assert_int_eq(tld_stop(&t), 0);
	tlog_read(&l, t.log);
	check_stopped(&l);
	ev = events_of(&l, "tracelogd/kacc", getpid());
	ck_assert_uint_ge(json_array_size(ev), 1);
	{
		json_t *f = json_object_get(json_array_get(ev, 0), "fields");

		ck_assert_str_eq(jstr(f, "daddr"), "127.0.0.1");
		ck_assert_str_eq(jstr(f, "saddr"), "127.0.0.1");
		ck_assert_int_eq(json_integer_value(json_object_get(f, "dport")), cport);
		ck_assert_int_eq(json_integer_value(json_object_get(f, "sport")), sport);
	}
	json_decref(ev);
	tlog_free(&l);
	tld_cleanup(&t);
	snap_check(&snap);
}
END_TEST

static Suite *probes_suite(void)
{
	Suite *s = suite_create("probes");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "uprobe args", test_uprobe_args },
		{ "uprobe libc", test_uprobe_libc },
		{ "render", test_render },
		{ "tracepoint probe", test_tracepoint_probe },
		{ "refusals", test_refusals },
		{ "kill restart", test_kill_restart },
		{ "two groups", test_two_groups },
		{ "kprobes", test_kprobes },
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
	const char *dir = getenv("HELPERS");
	char path[PATH_MAX];
	SRunner *sr;
	int failed;

	setvbuf(stdout, NULL, _IONBF, 0);
	skip = itest_skip_reason();
	if (!skip && !dir)
		skip = "HELPERS is not set (run them with make check-integration)";
	if (!skip) {
		snprintf(path, sizeof(path), "%s/helper_probe", dir);
		if (!realpath(path, helper))
			skip = "helper_probe is not built (make check-integration builds it)";
	}
	if (!skip && !engine_tracefs_dir(path, sizeof(path)))
		skip = "tracefs cannot be mounted";
	if (!skip && access(TRACEFS "/uprobe_events", F_OK))
		skip = "this kernel has no uprobe_events (CONFIG_UPROBE_EVENTS)";
	if (skip)
		printf("SKIP: probe integration tests: %s\n", skip);
	sr = srunner_create(probes_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
