// SPDX-License-Identifier: MIT
/*
 * check_conf.c - the INI configuration: good files parse to the expected
 * structs (and to the same probe specs as the command line), every bad one
 * in tests/conf/bad/ gives exactly the errors its "# expect:" lines say,
 * the file permission checks, the shipped and example files, the values'
 * parsers and the reload diff.  No root: files are made in a temporary
 * directory, and the owner check is given the test's own uid.
 *
 * Paths are relative to the source tree, the current directory when run
 * by make (TRACELOGD_SRCDIR overrides).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf-private.h"
#include "spec-conf.h"

static const char *srcdir(void)
{
	const char *d = getenv("TRACELOGD_SRCDIR");

	return d && *d ? d : ".";
}

/* text must parse; the errors otherwise in the failure message */
static struct conf *parse_ok(const char *text)
{
	struct conf_errors *errs = NULL;
	struct conf *conf = NULL;
	int ret = conf_parse_text("test.ini", text, strlen(text), &conf, &errs);

	if (ret < 0)
		ck_abort_msg("refused (%d): %s%s", ret,
			     conf_errors_count(errs) ? conf_errors_text(errs, 0) : "(no message)",
			     conf_errors_count(errs) > 1 ? " ..." : "");
	ck_assert_ptr_nonnull(conf);
	ck_assert_ptr_null(errs);
	return conf;
}

/* text must be refused with exactly the n errors given ("LINE: msg") */
static void parse_bad(const char *text, size_t len, size_t n, const char *const *want)
{
	struct conf_errors *errs = NULL;
	struct conf *conf = NULL;
	char buf[8192];
	size_t i;
	int ret = conf_parse_text("t.ini", text, len, &conf, &errs);

	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_ptr_null(conf);
	ck_assert_ptr_nonnull(errs);
	for (i = 0; i < conf_errors_count(errs) && i < n; i++) {
		snprintf(buf, sizeof(buf), "t.ini:%s", want[i]);
		ck_assert_str_eq(conf_errors_text(errs, i), buf);
	}
	ck_assert_msg(conf_errors_count(errs) == n, "%zu errors, %zu expected; first extra: %s",
		      conf_errors_count(errs), n,
		      conf_errors_count(errs) > n ? conf_errors_text(errs, n) : "-");
	conf_errors_free(errs);
}

#define TP_EXEC "[tracepoint exec]\nevent = sched/sched_process_exec\n"

/* ------------------------------------------------------------------ */
/* [daemon]                                                            */

START_TEST(daemon_defaults)
{
	struct conf *c = parse_ok(TP_EXEC);
	const struct conf_daemon *d = &c->daemon;

	ck_assert_str_eq(c->file, "test.ini");
	ck_assert_str_eq(d->log, "/var/log/tracelogd/events.jsonl");
	ck_assert_uint_eq(d->rotate_size, 64u << 20);
	ck_assert_uint_eq(d->rotate_keep, 8);
	ck_assert_uint_eq(d->workers, 2);
	ck_assert_uint_eq(d->ring_pages, 256);
	ck_assert_uint_eq(d->queue_depth, 65536);
	ck_assert_int_eq(d->overflow, CONF_OVERFLOW_DROP);
	ck_assert_int_eq(d->clock, CONF_CLOCK_PERF);
	ck_assert_int_eq(d->flush, CONF_FLUSH_IDLE);
	ck_assert_uint_eq(d->flush_interval_ms, 1000);
	ck_assert_uint_eq(d->stats_interval_ms, 60000);
	ck_assert_ptr_null(d->metrics_file);
	ck_assert_str_eq(d->group, "tracelogd");
	ck_assert_uint_eq(d->nr_handlers, 1);
	ck_assert_int_eq(d->handlers[0].kind, CONF_HANDLER_JSON);
	ck_assert(!d->journald);
	conf_free(c);
}
END_TEST

START_TEST(daemon_all_keys)
{
	struct conf *c = parse_ok("[daemon]\n"
				  "log = /srv/log/ev.jsonl\n"
				  "rotate_size = 10K\n"
				  "rotate_keep = 0\n"
				  "workers = 256\n"
				  "ring_pages = 1048576\n"
				  "queue_depth = 16\n"
				  "overflow = block\n"
				  "clock = monotonic\n"
				  "flush = interval\n"
				  "flush_interval = 250ms\n"
				  "stats_interval = 2h\n"
				  "metrics_file = /var/lib/node/tracelogd.prom\n"
				  "group = tl_test2\n"
				  "handler = pretty, plugin:/usr/lib/x/p.so:on_event\n"
				  "handler = json\n"
				  "journald = on\n" TP_EXEC);
	const struct conf_daemon *d = &c->daemon;

	ck_assert_str_eq(d->log, "/srv/log/ev.jsonl");
	ck_assert_uint_eq(d->rotate_size, 10240);
	ck_assert_uint_eq(d->rotate_keep, 0);
	ck_assert_uint_eq(d->workers, 256);
	ck_assert_uint_eq(d->ring_pages, 1u << 20);
	ck_assert_uint_eq(d->queue_depth, 16);
	ck_assert_int_eq(d->overflow, CONF_OVERFLOW_BLOCK);
	ck_assert_int_eq(d->clock, CONF_CLOCK_MONOTONIC);
	ck_assert_int_eq(d->flush, CONF_FLUSH_INTERVAL);
	ck_assert_uint_eq(d->flush_interval_ms, 250);
	ck_assert_uint_eq(d->stats_interval_ms, 2 * 3600 * 1000);
	ck_assert_str_eq(d->metrics_file, "/var/lib/node/tracelogd.prom");
	ck_assert_str_eq(d->group, "tl_test2");
	ck_assert_uint_eq(d->nr_handlers, 3);
	ck_assert_int_eq(d->handlers[0].kind, CONF_HANDLER_PRETTY);
	ck_assert_int_eq(d->handlers[1].kind, CONF_HANDLER_PLUGIN);
	ck_assert_str_eq(d->handlers[1].path, "/usr/lib/x/p.so");
	ck_assert_str_eq(d->handlers[1].function, "on_event");
	ck_assert_int_eq(d->handlers[2].kind, CONF_HANDLER_JSON);
	ck_assert(d->journald);
	/* a probe without handler gets the daemon's list, in its order */
	ck_assert_uint_eq(c->probes[0].nr_handlers, 3);
	ck_assert_str_eq(c->probes[0].handlers[1].function, "on_event");
	conf_free(c);
}
END_TEST

START_TEST(daemon_values)
{
	struct conf *c;

	c = parse_ok("[daemon]\nlog = -\nrotate_size = 0\nstats_interval = 0\nflush = line\n"
		     "flush_interval = 1h\njournald = FALSE\nring_pages = 1\n" TP_EXEC);
	ck_assert_str_eq(c->daemon.log, "-");
	ck_assert_uint_eq(c->daemon.rotate_size, 0);
	ck_assert_uint_eq(c->daemon.stats_interval_ms, 0);
	ck_assert_int_eq(c->daemon.flush, CONF_FLUSH_LINE);
	ck_assert_uint_eq(c->daemon.flush_interval_ms, 3600 * 1000);
	ck_assert(!c->daemon.journald);
	ck_assert_uint_eq(c->daemon.ring_pages, 1);
	conf_free(c);

	c = parse_ok("[daemon]\nrotate_size = 1024G\nstats_interval = 90\nflush_interval = 10ms\n"
		     "queue_depth = 16777216\n" TP_EXEC);
	ck_assert_uint_eq(c->daemon.rotate_size, 1ull << 40);
	ck_assert_uint_eq(c->daemon.stats_interval_ms, 90000);
	ck_assert_uint_eq(c->daemon.flush_interval_ms, 10);
	ck_assert_uint_eq(c->daemon.queue_depth, 1u << 24);
	conf_free(c);
}
END_TEST

START_TEST(daemon_values_bad)
{
	static const char *const want[] = {
		"5: unknown key \"rotate_size_is_not_here\" in [daemon]",
		"8: expected KEY = VALUE, a [section] or a comment (values are one line)",
	};
	const char *t = "[daemon]\nrotate_size = 1024G\nstats_interval = 90\nflush_interval = 10ms\n"
			"rotate_size_is_not_here = 1\n" TP_EXEC "xx";

	parse_bad(t, strlen(t), 2, want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Probe sections                                                      */

START_TEST(probe_tracepoint)
{
	struct conf *c = parse_ok("[tracepoint tcp]\n"
				  "event = sock/inet_sock_set_state\n"
				  "filter = protocol == 6 && newstate == 1\n"
				  "render.saddr = ipv4\n"
				  "render.daddr_v6 = ipv6\n"
				  "handler = pretty\n"
				  "\n[tracepoint accepts]\n"
				  "event = syscalls:sys_exit_accept*\n"
				  "enabled = no\n");
	const struct conf_probe *p = &c->probes[0];

	ck_assert_uint_eq(c->nr_probes, 2);
	ck_assert_str_eq(p->name, "tcp");
	ck_assert_ptr_eq(p->name, p->spec->name);
	ck_assert_int_eq(p->spec->kind, PROBE_TRACEPOINT);
	ck_assert_str_eq(p->spec->system, "sock");
	ck_assert_str_eq(p->spec->event, "inet_sock_set_state");
	ck_assert(!probe_spec_is_glob(p->spec));
	ck_assert_str_eq(p->filter, "protocol == 6 && newstate == 1");
	ck_assert_uint_eq(p->spec->nr_hints, 2);
	ck_assert_str_eq(p->spec->hints[0].field, "saddr");
	ck_assert_str_eq(p->spec->hints[0].render, "ipv4");
	ck_assert_str_eq(p->spec->hints[1].field, "daddr_v6");
	ck_assert_str_eq(p->spec->hints[1].render, "ipv6");
	ck_assert_uint_eq(p->nr_handlers, 1);
	ck_assert_int_eq(p->handlers[0].kind, CONF_HANDLER_PRETTY);
	ck_assert(p->enabled);
	ck_assert_uint_eq(p->line, 1);

	p = &c->probes[1];
	ck_assert_str_eq(p->name, "accepts");
	ck_assert_str_eq(p->spec->target, "syscalls/sys_exit_accept*");
	ck_assert_str_eq(p->spec->system, "syscalls");
	ck_assert_str_eq(p->spec->event, "sys_exit_accept*");
	ck_assert(probe_spec_is_glob(p->spec));
	ck_assert(!p->enabled);
	ck_assert_ptr_null(p->filter);
	ck_assert_uint_eq(p->line, 8);
	ck_assert_ptr_eq(conf_probe_find(c, "accepts"), p);
	ck_assert_ptr_null(conf_probe_find(c, "nosuch"));
	conf_free(c);
}
END_TEST

START_TEST(probe_kprobes)
{
	struct conf *c = parse_ok("[kprobe openat]\n"
				  "function = do_sys_openat2\n"
				  "fetch = dfd=$arg1:s32   filename=+0($arg2):ustring\tflags=+0($arg3):x64\n"
				  "[kprobe inside]\n"
				  "function = ext4:ext4_file_open+0x10\n"
				  "[kretprobe accept]\n"
				  "function = inet_csk_accept\n"
				  "fetch = daddr=+0($retval):u32 dport=+12($retval):u16\n"
				  "maxactive = 64\n"
				  "render.daddr = ipv4\n"
				  "render.dport = port\n"
				  "render.__probe_ret_ip = hex\n");
	const struct conf_probe *p = &c->probes[0];

	ck_assert_uint_eq(c->nr_probes, 3);
	ck_assert_int_eq(p->spec->kind, PROBE_KPROBE);
	ck_assert_str_eq(p->spec->function, "do_sys_openat2");
	ck_assert_uint_eq(p->spec->nr_args, 3);
	ck_assert_str_eq(p->spec->args[0].field, "dfd");
	ck_assert_str_eq(p->spec->args[0].fetch, "$arg1:s32");
	ck_assert_str_eq(p->spec->args[1].field, "filename");
	ck_assert_str_eq(p->spec->args[1].fetch, "+0($arg2):ustring");
	ck_assert_str_eq(p->spec->args[2].fetch, "+0($arg3):x64");

	p = &c->probes[1];
	ck_assert_str_eq(p->spec->function, "ext4:ext4_file_open");
	ck_assert_uint_eq(p->spec->func_offset, 16);

	p = &c->probes[2];
	ck_assert_int_eq(p->spec->kind, PROBE_KRETPROBE);
	ck_assert_uint_eq(p->spec->maxactive, 64);
	ck_assert_uint_eq(p->spec->nr_args, 2);
	ck_assert_uint_eq(p->spec->nr_hints, 3);
	ck_assert_str_eq(p->spec->hints[1].field, "dport");
	ck_assert_str_eq(p->spec->hints[1].render, "port");
	conf_free(c);
}
END_TEST

START_TEST(probe_uprobes)
{
	struct conf *c = parse_ok("[uprobe rl]\n"
				  "binary = /bin/bash\n"
				  "function = readline\n"
				  "fetch = prompt=+0(%di):string\n"
				  "[uretprobe rl_ret]\n"
				  "function = readline\n"
				  "binary = /bin/bash\n"
				  "fetch = line=+0($retval):string\n"
				  "filter = line != \"\"\n"
				  "[uprobe m]\n"
				  "binary = /lib/x86_64-linux-gnu/libc.so.6\n"
				  "function = malloc@GLIBC_2.2.5+4\n"
				  "[uprobe at]\n"
				  "binary = /usr/bin/x\n"
				  "offset = 4096\n"
				  "[uretprobe at_hex]\n"
				  "binary = /usr/bin/x\n"
				  "offset = 0x1F40\n");
	const struct conf_probe *p = &c->probes[0];

	ck_assert_uint_eq(c->nr_probes, 5);
	ck_assert_int_eq(p->spec->kind, PROBE_UPROBE);
	ck_assert_str_eq(p->spec->path, "/bin/bash");
	ck_assert_str_eq(p->spec->symbol, "readline");
	ck_assert_str_eq(p->spec->target, "/bin/bash:readline");
	ck_assert_str_eq(p->spec->args[0].fetch, "+0(%di):string");

	p = &c->probes[1];
	ck_assert_int_eq(p->spec->kind, PROBE_URETPROBE);
	ck_assert_str_eq(p->spec->symbol, "readline");
	ck_assert_str_eq(p->filter, "line != \"\"");

	p = &c->probes[2];
	ck_assert_str_eq(p->spec->symbol, "malloc@GLIBC_2.2.5");
	ck_assert_uint_eq(p->spec->offset, 4);

	p = &c->probes[3];
	ck_assert_ptr_null(p->spec->symbol);
	ck_assert_str_eq(p->spec->target, "/usr/bin/x:0x1000");
	ck_assert_uint_eq(p->spec->offset, 4096);

	p = &c->probes[4];
	ck_assert_uint_eq(p->spec->offset, 0x1f40);
	conf_free(c);
}
END_TEST

/* a section and the command line's -p text make the same probe */
START_TEST(probe_same_as_command_line)
{
	static const struct {
		const char *ini, *cmdline;
	} t[] = {
		{ "[kretprobe accept]\nfunction = inet_csk_accept\n"
		  "fetch = daddr=+0($retval):u32 dport=+12($retval):u16\nmaxactive = 8\n"
		  "render.daddr = ipv4\n",
		  "kretprobe:accept:inet_csk_accept daddr=+0($retval):u32 dport=+12($retval):u16 "
		  "maxactive=8 render.daddr=ipv4" },
		{ "[kprobe open]\nfunction = do_sys_openat2+4\nfetch = f=+0($arg2):ustring\n",
		  "kprobe:open:do_sys_openat2+4 f=+0($arg2):ustring" },
		{ "[uprobe rl]\nbinary = /bin/bash\nfunction = readline\nfetch = p=+0(%di):string\n",
		  "uprobe:rl:/bin/bash:readline p=+0(%di):string" },
		{ "[uretprobe rl]\nbinary = /bin/bash\noffset = 0x100\nfetch = r=$retval:s32\n",
		  "uretprobe:rl:/bin/bash:0x100 r=$retval:s32" },
		{ "[tracepoint e]\nevent = sched/sched_process_exec\nrender.pid = hex\n",
		  "tracepoint:e:sched/sched_process_exec render.pid=hex" },
	};
	char a[PROBE_CMD_MAX], b[PROBE_CMD_MAX], err[512];
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct conf *c = parse_ok(t[i].ini);
		struct probe_spec *s = NULL, *f = c->probes[0].spec;

		ck_assert_int_eq(probe_spec_parse(t[i].cmdline, &s, err, sizeof(err)), 0);
		ck_assert_int_eq(f->kind, s->kind);
		ck_assert_str_eq(f->name, s->name);
		ck_assert_str_eq(f->target, s->target);
		ck_assert_uint_eq(f->maxactive, s->maxactive);
		ck_assert_uint_eq(f->nr_args, s->nr_args);
		for (k = 0; k < f->nr_args; k++) {
			ck_assert_str_eq(f->args[k].field, s->args[k].field);
			ck_assert_str_eq(f->args[k].fetch, s->args[k].fetch);
		}
		ck_assert_uint_eq(f->nr_hints, s->nr_hints);
		for (k = 0; k < f->nr_hints; k++) {
			ck_assert_str_eq(f->hints[k].field, s->hints[k].field);
			ck_assert_str_eq(f->hints[k].render, s->hints[k].render);
		}
		if (probe_spec_is_dynamic(s)) {
			/* what reaches tracefs, with a uprobe's resolution faked alike */
			f->resolved = s->resolved = true;
			f->file_offset = s->file_offset = 0x1234;
			ck_assert_int_gt(probe_spec_command(f, "tracelogd", a, sizeof(a), err, sizeof(err)), 0);
			ck_assert_int_gt(probe_spec_command(s, "tracelogd", b, sizeof(b), err, sizeof(err)), 0);
			ck_assert_str_eq(a, b);
		}
		probe_spec_free(s);
		conf_free(c);
	}
}
END_TEST

START_TEST(probe_handlers)
{
	struct conf *c = parse_ok("[daemon]\nhandler = pretty\n"
				  "[tracepoint a]\nevent = sched/sched_process_exec\n"
				  "handler = plugin:/opt/tl/a.so:one , plugin:/opt/tl/a.so:two\n"
				  "handler = json\n"
				  "[tracepoint b]\nevent = sched/sched_process_exit\n");
	const struct conf_probe *p = &c->probes[0];

	ck_assert_uint_eq(p->nr_handlers, 3);
	ck_assert_int_eq(p->handlers[0].kind, CONF_HANDLER_PLUGIN);
	ck_assert_str_eq(p->handlers[0].path, "/opt/tl/a.so");
	ck_assert_str_eq(p->handlers[0].function, "one");
	ck_assert_str_eq(p->handlers[1].function, "two");
	ck_assert_int_eq(p->handlers[2].kind, CONF_HANDLER_JSON);
	ck_assert_ptr_null(p->handlers[2].path);
	p = &c->probes[1];
	ck_assert_uint_eq(p->nr_handlers, 1);
	ck_assert_int_eq(p->handlers[0].kind, CONF_HANDLER_PRETTY);
	conf_free(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Syntax: what libinih and the reader take                            */

START_TEST(syntax_dialect)
{
	/* BOM, CRLF, comments of both kinds, inline ; comments, indentation,
	   key: value, blank lines, a comment after a section header */
	const char *t = "\xef\xbb\xbf; a comment\r\n"
			"# another\r\n"
			"\r\n"
			"  [daemon]   ; the daemon\r\n"
			"\tworkers = 4 ; four\r\n"
			"    log:/tmp/x.jsonl\r\n"
			"[ tracepoint   exec ] # spaces inside\r\n"
			"event=sched/sched_process_exec\r\n"
			"filter = comm == \"a;b\"\r\n";
	struct conf *c = parse_ok(t);

	ck_assert_uint_eq(c->daemon.workers, 4);
	ck_assert_str_eq(c->daemon.log, "/tmp/x.jsonl");
	ck_assert_str_eq(c->probes[0].name, "exec");
	ck_assert_uint_eq(c->probes[0].line, 7);
	/* ';' is a comment only after a space */
	ck_assert_str_eq(c->probes[0].filter, "comm == \"a;b\"");
	conf_free(c);
}
END_TEST

/* long lines go through libinih whole, and line numbers stay right after them */
START_TEST(syntax_long_lines)
{
	static const char *const want[] = {
		"4: the line is longer than 4096 bytes",
		"5: unknown key \"after\" in [kprobe k]",
	};
	char *t = malloc(16384), *p;
	struct conf *c;
	size_t i;

	ck_assert_ptr_nonnull(t);
	p = t + sprintf(t, "[kprobe k]\nfunction = vfs_read\nfetch =");
	for (i = 0; i < 120; i++)
		p += sprintf(p, " a_longer_field_%03zu=+%zu(%%di):u64", i, i * 8);
	ck_assert_uint_gt((size_t)(p - t), 3000);
	ck_assert_uint_lt((size_t)(p - t), 4096);
	strcpy(p, "\nfilter = a_longer_field_000 == 1\n");
	c = parse_ok(t);
	ck_assert_uint_eq(c->probes[0].spec->nr_args, 120);
	ck_assert_str_eq(c->probes[0].filter, "a_longer_field_000 == 1");
	conf_free(c);

	/* one byte over, then an error on the next line */
	p = t + sprintf(t, "[kprobe k]\nfunction = vfs_read\n\nfilter = ");
	memset(p, 'x', 4096);
	p += 4096;
	strcpy(p, "\nafter = 1\n");
	parse_bad(t, strlen(t), 2, want);
	free(t);
}
END_TEST

START_TEST(syntax_no_terminator)
{
	/* the length is what counts: no NUL needed, and a last line without \n */
	const char *t = TP_EXEC "filter = pid > 1GARBAGE";
	struct conf *c = NULL;
	struct conf_errors *e = NULL;

	ck_assert_int_eq(conf_parse_text("n.ini", t, strlen(t) - 7, &c, &e), 0);
	ck_assert_str_eq(c->probes[0].filter, "pid > 1");
	conf_free(c);
	/* errs may be NULL */
	ck_assert_int_eq(conf_parse_text("n.ini", "[x]", 3, &c, NULL), -EINVAL);
	ck_assert_ptr_null(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The bad configurations: tests/conf/bad/ *.ini                       */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	buf = malloc(CONF_FILE_MAX + 1);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, CONF_FILE_MAX, f);
	fclose(f);
	buf[*len] = 0;
	return buf;
}

/* the "# expect: LINE: message" lines at the top, as "PATH:LINE: message" */
static size_t expected(const char *path, const char *text, char want[][1024], size_t max)
{
	const char *p = text;
	size_t n = 0;

	while (!strncmp(p, "# expect: ", 10) && n < max) {
		const char *msg = p + 10, *eol = strchr(msg, '\n');
		size_t digits = strspn(msg, "0123456789");

		ck_assert_ptr_nonnull(eol);
		if (digits && msg[digits] == ':')
			snprintf(want[n], sizeof(want[n]), "%s:%.*s", path, (int)(eol - msg), msg);
		else
			snprintf(want[n], sizeof(want[n]), "%s: %.*s", path, (int)(eol - msg), msg);
		n++;
		p = eol + 1;
	}
	return n;
}

static size_t bad_multi;	/* files expecting more than one error */

/* what is wrong with path's errors, appended to report; true when all is right */
static bool check_bad_file(const char *path, char *report, size_t len)
{
	char want[16][1024], *text;
	struct conf_errors *errs = NULL;
	struct conf *conf = NULL;
	size_t tlen, n, i, off = strlen(report);
	int ret;

	text = read_file(path, &tlen);
	n = expected(path, text, want, 16);
	ck_assert_msg(n > 0, "%s: no \"# expect:\" line at the top", path);
	if (n > 1)
		bad_multi++;
	ret = conf_parse_text(path, text, tlen, &conf, &errs);
	free(text);
	if (ret != -EINVAL || conf) {
		snprintf(report + off, len - off, "%s: parsed (%d)\n", path, ret);
		conf_free(conf);
		conf_errors_free(errs);
		return false;
	}
	for (i = 0; i < n || i < conf_errors_count(errs); i++) {
		const char *got = conf_errors_text(errs, i);

		if (i < n && got && !strcmp(got, want[i]))
			continue;
		snprintf(report + off, len - off, "\n  got:    %s\n  wanted: %s", got ? got : "-",
			 i < n ? want[i] : "-");
		conf_errors_free(errs);
		return false;
	}
	conf_errors_free(errs);
	return true;
}

START_TEST(bad_corpus)
{
	static char report[65536];
	char pattern[4096];
	size_t i, failed = 0;
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/tests/conf/bad/*.ini", srcdir());
	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	ck_assert_msg(g.gl_pathc >= 130, "%zu bad configurations, 130 at least", g.gl_pathc);
	bad_multi = 0;
	report[0] = 0;
	for (i = 0; i < g.gl_pathc; i++)
		failed += !check_bad_file(g.gl_pathv[i], report, sizeof(report));
	ck_assert_msg(!failed, "%zu of %zu bad configurations are not refused as expected:%s",
		      failed, g.gl_pathc, report);
	ck_assert_uint_ge(bad_multi, 5);
	printf("bad configurations: %zu refused as expected, %zu with several errors\n", g.gl_pathc,
	       bad_multi);
	globfree(&g);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors: all of them, in line order                                  */

START_TEST(errors_all_sorted)
{
	/* the missing event is found after the section's keys: still first */
	static const char *const want[] = {
		"1: missing key \"event\" in [tracepoint a]",
		"2: unknown key \"evnt\" in [tracepoint a]",
		"4: workers: 0 is out of range (1 to 256)",
		"5: duplicate key \"workers\" in [daemon] (first at line 4)",
		"7: unknown key \"nosuch\" in [tracepoint b]",
	};
	const char *t = "[tracepoint a]\nevnt = x/y\n[daemon]\nworkers = 0\nworkers = 1\n"
			"[tracepoint b]\nnosuch = 1\nevent = a/b\n";
	struct conf_errors *errs = NULL;
	struct conf *c = NULL;

	parse_bad(t, strlen(t), 5, want);
	ck_assert_int_eq(conf_parse_text("t.ini", t, strlen(t), &c, &errs), -EINVAL);
	ck_assert_uint_eq(conf_errors_line(errs, 0), 1);
	ck_assert_uint_eq(conf_errors_line(errs, 4), 7);
	ck_assert_str_eq(conf_errors_message(errs, 2), "workers: 0 is out of range (1 to 256)");
	ck_assert_ptr_null(conf_errors_text(errs, 5));
	ck_assert_uint_eq(conf_errors_dropped(errs), 0);
	conf_errors_free(errs);
}
END_TEST

START_TEST(errors_capped)
{
	size_t n = CONF_ERRORS_MAX + 500, i;
	char *t = malloc(n * 8 + 64), *p = t;
	struct conf_errors *errs = NULL;
	struct conf *c = NULL;

	p += sprintf(p, "%s", TP_EXEC);
	for (i = 0; i < n; i++)
		p += sprintf(p, "bad\n");
	ck_assert_int_eq(conf_parse_text("t.ini", t, (size_t)(p - t), &c, &errs), -EINVAL);
	ck_assert_uint_eq(conf_errors_count(errs), CONF_ERRORS_MAX);
	ck_assert_uint_eq(conf_errors_dropped(errs), 500);
	ck_assert_uint_eq(conf_errors_line(errs, 0), 3);
	conf_errors_free(errs);
	free(t);

	ck_assert_uint_eq(conf_errors_count(NULL), 0);
	conf_errors_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The file: owner, mode, kind                                         */

static char tmpdir[] = "/tmp/check_conf.XXXXXX";

static void tmp_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char path[4200];

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(tmpdir);
	strcpy(tmpdir, "/tmp/check_conf.XXXXXX");
}

/* a file in tmpdir with text and mode (not masked by the umask) */
static const char *tmp_file(const char *name, const char *text, mode_t mode)
{
	static char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);	/* a read-only one from the test before */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* conf_load_owner(path, uid) fails with ret and the one error "path: msg" */
static void load_refused(const char *path, uid_t uid, int ret, const char *msg)
{
	struct conf_errors *errs = NULL;
	struct conf *c = NULL;
	char want[4400];

	ck_assert_int_eq(conf_load_owner(path, uid, &c, &errs), ret);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(conf_errors_count(errs), 1);
	snprintf(want, sizeof(want), "%s: %s", path, msg);
	ck_assert_str_eq(conf_errors_text(errs, 0), want);
	ck_assert_uint_eq(conf_errors_line(errs, 0), 0);
	conf_errors_free(errs);
}

START_TEST(file_modes)
{
	static const struct {
		mode_t mode;
		const char *msg;
	} bad[] = {
		{ 0666, "is group- and world-writable (mode 0666): chmod go-w it" },
		{ 0620, "is group-writable (mode 0620): chmod go-w it" },
		{ 0664, "is group-writable (mode 0664): chmod go-w it" },
		{ 0602, "is world-writable (mode 0602): chmod go-w it" },
		{ 0777, "is group- and world-writable (mode 0777): chmod go-w it" },
		{ 01646, "is world-writable (mode 1646): chmod go-w it" },
	};
	static const mode_t good[] = { 0644, 0600, 0400, 0444, 0640, 0755 };
	struct conf *c = NULL;
	struct conf_errors *errs = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		load_refused(tmp_file("m.ini", TP_EXEC, bad[i].mode), getuid(), -EPERM, bad[i].msg);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *path = tmp_file("g.ini", TP_EXEC, good[i]);

		ck_assert_int_eq(conf_load_owner(path, getuid(), &c, &errs), 0);
		ck_assert_ptr_null(errs);
		ck_assert_str_eq(c->file, path);
		ck_assert_str_eq(c->probes[0].name, "exec");
		conf_free(c);
	}
}
END_TEST

START_TEST(file_owner)
{
	const char *path = tmp_file("o.ini", TP_EXEC, 0644);
	struct conf_errors *errs = NULL;
	struct conf *c = NULL;
	char msg[128];
	int fd;

	snprintf(msg, sizeof(msg), "is owned by uid %u, not uid %u", (unsigned)getuid(),
		 (unsigned)getuid() + 1);
	load_refused(path, getuid() + 1, -EPERM, msg);

	/* conf_load wants root: the test's files are root's only when run as root */
	if (getuid() == 0) {
		ck_assert_int_eq(conf_load(path, &c, &errs), 0);
		conf_free(c);
	} else {
		snprintf(msg, sizeof(msg), "is owned by uid %u, not root: chown root it",
			 (unsigned)getuid());
		ck_assert_int_eq(conf_load(path, &c, &errs), -EPERM);
		ck_assert_str_eq(conf_errors_message(errs, 0), msg);
		conf_errors_free(errs);
	}

	fd = conf_file_open(path, getuid(), msg, sizeof(msg));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
}
END_TEST

START_TEST(file_kinds)
{
	char link[4200], fifo[4200], big[4200], *text;
	const char *path = tmp_file("t.ini", TP_EXEC, 0644);
	struct conf_errors *errs = NULL;
	struct conf *c = NULL;
	size_t n = CONF_FILE_MAX + 10;
	FILE *f;

	snprintf(link, sizeof(link), "%s/link.ini", tmpdir);
	ck_assert_int_eq(symlink(path, link), 0);
	load_refused(link, getuid(), -ELOOP, "is a symbolic link: name the file itself");

	load_refused(tmpdir, getuid(), -EINVAL, "is not a regular file");

	/* O_NONBLOCK: a FIFO is refused, not waited on */
	snprintf(fifo, sizeof(fifo), "%s/fifo.ini", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	load_refused(fifo, getuid(), -EINVAL, "is not a regular file");

	snprintf(big, sizeof(big), "%s/nosuch.ini", tmpdir);
	load_refused(big, getuid(), -ENOENT, "No such file or directory");

	snprintf(big, sizeof(big), "%s/big.ini", tmpdir);
	f = fopen(big, "w");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, n);
	memset(text, '#', n);
	fwrite(text, 1, n, f);
	fclose(f);
	free(text);
	chmod(big, 0644);
	load_refused(big, getuid(), -EFBIG, "larger than 1048576 bytes");

	/* errs may be NULL */
	ck_assert_int_eq(conf_load_owner(link, getuid(), &c, NULL), -ELOOP);
	ck_assert_int_eq(conf_load_owner(path, getuid(), &c, &errs), 0);
	conf_free(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The shipped configuration and the examples                          */

static struct conf *parse_path(const char *path)
{
	struct conf_errors *errs = NULL;
	struct conf *c = NULL;
	size_t len;
	char *text = read_file(path, &len);
	int ret = conf_parse_text(path, text, len, &c, &errs);

	ck_assert_msg(ret == 0, "%s refused: %s", path,
		      conf_errors_count(errs) ? conf_errors_text(errs, 0) : "?");
	free(text);
	return c;
}

START_TEST(shipped_default)
{
	static const char *const want[] = {
		"exec", "sched/sched_process_exec", "exit", "sched/sched_process_exit",
		"connect", "syscalls/sys_enter_connect", "connect_ret", "syscalls/sys_exit_connect",
		"accept_ret", "syscalls/sys_exit_accept", "accept4_ret", "syscalls/sys_exit_accept4",
		"tcp_state", "sock/inet_sock_set_state",
	};
	char path[4096];
	struct conf *c;
	size_t i;

	snprintf(path, sizeof(path), "%s/conf/tracelogd.ini", srcdir());
	c = parse_path(path);
	ck_assert_uint_eq(c->nr_probes, sizeof(want) / sizeof(want[0]) / 2);
	for (i = 0; i < c->nr_probes; i++) {
		ck_assert_str_eq(c->probes[i].name, want[2 * i]);
		ck_assert_str_eq(c->probes[i].spec->target, want[2 * i + 1]);
		ck_assert_int_eq(c->probes[i].spec->kind, PROBE_TRACEPOINT);
		ck_assert(c->probes[i].enabled);
	}
	/* the daemon keys it writes out are the defaults */
	{
		struct conf *d = parse_ok(TP_EXEC);

		ck_assert(conf_daemon_equal(&c->daemon, &d->daemon));
		conf_free(d);
	}
	conf_free(c);
}
END_TEST

START_TEST(shipped_examples)
{
	bool kinds[PROBE_URETPROBE + 1] = { false };
	char pattern[4096];
	glob_t g;
	size_t i, k;

	snprintf(pattern, sizeof(pattern), "%s/conf/examples/*.ini", srcdir());
	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	ck_assert_uint_ge(g.gl_pathc, 3);
	for (i = 0; i < g.gl_pathc; i++) {
		struct conf *c = parse_path(g.gl_pathv[i]);

		for (k = 0; k < c->nr_probes; k++)
			kinds[c->probes[k].spec->kind] = true;
		conf_free(c);
	}
	globfree(&g);
	for (k = 0; k <= PROBE_URETPROBE; k++)
		ck_assert_msg(kinds[k], "no example of a %s", probe_kind_name((enum probe_kind)k));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Values                                                              */

START_TEST(values_numbers)
{
	uint64_t v;
	char buf[32];

	ck_assert_int_eq(conf_value_size("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(conf_value_size("3k", &v), 0);
	ck_assert_uint_eq(v, 3072);
	ck_assert_int_eq(conf_value_size("2G", &v), 0);
	ck_assert_uint_eq(v, 2ull << 30);
	ck_assert_int_eq(conf_value_size("17179869184G", &v), -ERANGE);
	ck_assert_int_eq(conf_value_size("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(conf_value_size("18446744073709551615", &v), 0);
	ck_assert_int_eq(conf_value_size("", &v), -EINVAL);
	ck_assert_int_eq(conf_value_size("M", &v), -EINVAL);
	ck_assert_int_eq(conf_value_size("1T", &v), -EINVAL);
	ck_assert_int_eq(conf_value_size("+1", &v), -EINVAL);
	ck_assert_int_eq(conf_value_size("1 K", &v), -EINVAL);
	ck_assert_int_eq(conf_value_size("1KK", &v), -EINVAL);

	ck_assert_int_eq(conf_value_duration("90", &v), 0);
	ck_assert_uint_eq(v, 90000);
	ck_assert_int_eq(conf_value_duration("5m", &v), 0);
	ck_assert_uint_eq(v, 300000);
	ck_assert_int_eq(conf_value_duration("15ms", &v), 0);
	ck_assert_uint_eq(v, 15);
	ck_assert_int_eq(conf_value_duration("1d", &v), -EINVAL);
	ck_assert_int_eq(conf_value_duration("1.5s", &v), -EINVAL);
	ck_assert_int_eq(conf_value_duration("99999999999999999h", &v), -ERANGE);

	ck_assert_int_eq(conf_value_uint_hex("0x10", &v), 0);
	ck_assert_uint_eq(v, 16);
	ck_assert_int_eq(conf_value_uint_hex("010", &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(conf_value_uint_hex("0x", &v), -EINVAL);
	ck_assert_int_eq(conf_value_uint_hex("0x10000000000000000", &v), -ERANGE);

	conf_format_size(64 << 20, buf, sizeof(buf));
	ck_assert_str_eq(buf, "64M");
	conf_format_size(3072, buf, sizeof(buf));
	ck_assert_str_eq(buf, "3K");
	conf_format_size(1536, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1536");
	conf_format_size(1000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1000");
	conf_format_duration(90000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "90s");
	conf_format_duration(7200000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2h");
	conf_format_duration(1500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1500ms");
}
END_TEST

START_TEST(values_bool_path)
{
	bool b;

	ck_assert_int_eq(conf_value_bool("Yes", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(conf_value_bool("off", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(conf_value_bool("1", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(conf_value_bool("y", &b), -EINVAL);
	ck_assert_int_eq(conf_value_bool("", &b), -EINVAL);

	ck_assert_ptr_null(conf_value_path("/var/log/x.jsonl"));
	ck_assert_ptr_null(conf_value_path("/a/..b/c.."));
	ck_assert_ptr_null(conf_value_path("/a/./b"));
	ck_assert_str_eq(conf_value_path("x"), "is not an absolute path");
	ck_assert_str_eq(conf_value_path(""), "is not an absolute path");
	ck_assert_str_eq(conf_value_path("/.."), "has a \"..\" component");
	ck_assert_str_eq(conf_value_path("/a/../b"), "has a \"..\" component");
	ck_assert_str_eq(conf_value_path("/a//b"), "has an empty component (//)");
	ck_assert_str_eq(conf_value_path("/a/"), "ends with /");
	ck_assert_str_eq(conf_value_path("/"), "ends with /");
	ck_assert_str_eq(conf_value_path("/var/log/a\tb"), "has a tab in it");
	ck_assert_str_eq(conf_value_path("/var/log/a\x1b[31m"), "has a control character in it");
	ck_assert_str_eq(conf_value_path("/var/log/a\x7f"), "has a control character in it");
	/* UTF-8 names are names: only what looks like something else is refused */
	ck_assert_ptr_null(conf_value_path("/var/log/caf\xc3\xa9.jsonl"));
}
END_TEST

START_TEST(values_utf8)
{
	static const struct {
		const char *s;
		const char *msg;	/* NULL: valid */
	} t[] = {
		{ "plain ascii\twith a tab", NULL },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL },	/* é € 😀 */
		{ "\xef\xbf\xbf", NULL },				/* U+FFFF */
		{ "\xf4\x8f\xbf\xbf", NULL },				/* U+10FFFF */
		{ "a\x7f", "column 2: control character 0x7f" },
		{ "ab\r", "column 3: control character 0x0d" },
		{ "\x80", "column 1: byte 0x80 is not valid UTF-8" },
		{ "x\xc3", "column 2: byte 0xc3 is not valid UTF-8" },	/* cut short */
		{ "\xc1\xbf", "column 1: byte 0xc1 is not valid UTF-8" },	/* overlong */
		{ "\xe0\x80\xaf", "column 1: byte 0xe0 is not valid UTF-8" },	/* overlong */
		{ "\xed\xa0\x80", "column 1: byte 0xed is not valid UTF-8" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "column 1: byte 0xf4 is not valid UTF-8" },	/* > U+10FFFF */
		{ "\xf5\x80\x80\x80", "column 1: byte 0xf5 is not valid UTF-8" },
		{ "ok\xe2\x82", "column 3: byte 0xe2 is not valid UTF-8" },
	};
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int ret = conf_text_check(t[i].s, strlen(t[i].s), msg, sizeof(msg));

		if (!t[i].msg) {
			ck_assert_msg(ret == 0, "%zu refused: %s", i, msg);
		} else {
			ck_assert_int_eq(ret, -EINVAL);
			ck_assert_str_eq(msg, t[i].msg);
		}
	}
	ck_assert_int_eq(conf_text_check("a\0b", 3, msg, sizeof(msg)), -EINVAL);
	ck_assert_str_eq(msg, "column 2: NUL byte");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reload: conf_diff                                                   */

#define DIFF_OLD \
	"[daemon]\nworkers = 2\n" \
	"[tracepoint keep]\nevent = sched/sched_process_exec\nrender.pid = hex\nrender.old_pid = hex\n" \
	"[tracepoint gone]\nevent = sched/sched_process_exit\n" \
	"[tracepoint filt]\nevent = sched/sched_process_fork\nfilter = child_pid > 1\n" \
	"[kprobe fetch]\nfunction = vfs_read\nfetch = a=%di:u64\n" \
	"[tracepoint hand]\nevent = sched/sched_process_exec\n" \
	"[tracepoint onoff]\nevent = sched/sched_process_exec\n" \
	"[uprobe kind]\nbinary = /bin/bash\nfunction = readline\n"

/* the same probes, some changed, in another order, and one new */
#define DIFF_NEW \
	"[tracepoint added]\nevent = sched/sched_process_exit\n" \
	"[uretprobe kind]\nbinary = /bin/bash\nfunction = readline\n" \
	"[tracepoint onoff]\nevent = sched/sched_process_exec\nenabled = no\n" \
	"[tracepoint hand]\nevent = sched/sched_process_exec\nhandler = json, pretty\n" \
	"[kprobe fetch]\nfunction = vfs_read\nfetch = a=%di:u32\n" \
	"[tracepoint filt]\nevent = sched/sched_process_fork\nfilter = child_pid > 2\n" \
	"[tracepoint keep]\nevent = sched/sched_process_exec\nrender.old_pid = hex\nrender.pid = hex\n"

/*
 * Values that try to be more than a value: a second statement in a filter,
 * and characters that make a line read other than it does.
 */
START_TEST(values_hostile)
{
	static const struct {
		const char *s, *want;	/* want NULL: accepted */
	} text[] = {
		{ "comm == \"caf\xc3\xa9\"", NULL },
		{ "x = \xe2\x80\x8b", NULL },			/* U+200B, no direction */
		{ "a\xc2\xa0" "b", NULL },				/* U+00A0, past the C1 range */
		{ "a\xc2\x80" "b", "column 2: C1 control character U+0080" },
		{ "a\xc2\x9b" "31m", "column 2: C1 control character U+009B" },
		{ "a\xc2\x9f", "column 2: C1 control character U+009F" },
		{ "\xe2\x80\xaa", "column 1: bidirectional formatting character U+202A" },
		{ "ab\xe2\x80\xae", "column 3: bidirectional formatting character U+202E" },
		{ "\xe2\x81\xa6", "column 1: bidirectional formatting character U+2066" },
		{ "\xe2\x81\xa9", "column 1: bidirectional formatting character U+2069" },
		{ "\xe2\x80\x8f", "column 1: bidirectional formatting character U+200F" },
		{ "\xd8\x9c", "column 1: bidirectional formatting character U+061C" },
	};
	static const struct {
		const char *s;
		size_t at;	/* 0: accepted */
	} filter[] = {
		{ "pid > 1 && comm != \"sh\"", 0 },
		{ "comm == \"a;b\"", 0 },
		{ "comm == 'a;b' || pid == 2", 0 },
		{ "comm == \"it's\"", 0 },
		{ "pid > 1;", 8 },
		{ "pid > 1 ; echo x > /sys/kernel/tracing/kprobe_events", 9 },
		{ "comm == \"a\"; pid == 1", 12 },
		{ ";", 1 },
	};
	char msg[512], want[512];
	size_t i;

	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		int ret = conf_text_check(text[i].s, strlen(text[i].s), msg, sizeof(msg));

		if (!text[i].want) {
			ck_assert_msg(ret == 0, "text %zu refused: %s", i, msg);
			continue;
		}
		ck_assert_int_eq(ret, -EINVAL);
		ck_assert_str_eq(msg, text[i].want);
	}
	for (i = 0; i < sizeof(filter) / sizeof(filter[0]); i++) {
		const char *why = conf_value_filter(filter[i].s, msg, sizeof(msg));

		if (!filter[i].at) {
			ck_assert_msg(why == NULL, "filter \"%s\" refused: %s", filter[i].s, msg);
			continue;
		}
		ck_assert_ptr_nonnull(why);
		snprintf(want, sizeof(want), "';' at byte %zu is not", filter[i].at);
		ck_assert_msg(!strncmp(why, want, strlen(want)), "filter \"%s\": %s", filter[i].s, why);
	}
}
END_TEST

START_TEST(diff_reload)
{
	static const struct {
		const char *name;
		enum conf_change change;
	} want[] = {
		{ "gone", CONF_REMOVED }, { "added", CONF_ADDED }, { "kind", CONF_CHANGED },
		{ "onoff", CONF_CHANGED }, { "hand", CONF_CHANGED }, { "fetch", CONF_CHANGED },
		{ "filt", CONF_CHANGED }, { "keep", CONF_UNCHANGED },
	};
	struct conf *o = parse_ok(DIFF_OLD), *n = parse_ok(DIFF_NEW);
	struct conf_diff *d = NULL;
	size_t i;

	ck_assert_int_eq(conf_diff(o, n, &d), 0);
	ck_assert_uint_eq(d->nr_items, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < d->nr_items; i++) {
		const struct conf_diff_item *it = &d->items[i];
		const struct conf_probe *p = it->new ? it->new : it->old;

		ck_assert_str_eq(p->name, want[i].name);
		ck_assert_msg(it->change == want[i].change, "%s: %s, not %s", p->name,
			      conf_change_name(it->change), conf_change_name(want[i].change));
		ck_assert(!it->old == (it->change == CONF_ADDED));
		ck_assert(!it->new == (it->change == CONF_REMOVED));
	}
	ck_assert_uint_eq(d->count[CONF_ADDED], 1);
	ck_assert_uint_eq(d->count[CONF_REMOVED], 1);
	ck_assert_uint_eq(d->count[CONF_CHANGED], 5);
	ck_assert_uint_eq(d->count[CONF_UNCHANGED], 1);
	ck_assert(!d->daemon_changed);	/* workers = 2 is the default */
	ck_assert_ptr_eq(d->items[0].old, conf_probe_find(o, "gone"));
	conf_diff_free(d);

	/* a configuration against itself: nothing changes */
	ck_assert_int_eq(conf_diff(o, o, &d), 0);
	ck_assert_uint_eq(d->count[CONF_UNCHANGED], o->nr_probes);
	ck_assert_uint_eq(d->nr_items, o->nr_probes);
	conf_diff_free(d);
	conf_diff_free(NULL);
	conf_free(o);
	conf_free(n);
}
END_TEST

START_TEST(diff_daemon)
{
	struct conf *a = parse_ok("[daemon]\nstats_interval = 60s\n" TP_EXEC);
	struct conf *b = parse_ok("[daemon]\nstats_interval = 1m\n" TP_EXEC);
	struct conf *c = parse_ok("[daemon]\nmetrics_file = /x/m.prom\n" TP_EXEC);
	struct conf *e = parse_ok("[daemon]\nhandler = json, pretty\n" TP_EXEC);
	struct conf_diff *d = NULL;

	ck_assert_int_eq(conf_diff(a, b, &d), 0);
	ck_assert(!d->daemon_changed);
	conf_diff_free(d);
	ck_assert_int_eq(conf_diff(a, c, &d), 0);
	ck_assert(d->daemon_changed);
	ck_assert_uint_eq(d->count[CONF_UNCHANGED], 1);
	conf_diff_free(d);
	/* the daemon's handlers are the probe's too: both change */
	ck_assert_int_eq(conf_diff(a, e, &d), 0);
	ck_assert(d->daemon_changed);
	ck_assert_uint_eq(d->count[CONF_CHANGED], 1);
	conf_diff_free(d);
	ck_assert_str_eq(conf_change_name(CONF_UNCHANGED), "unchanged");
	conf_free(a);
	conf_free(b);
	conf_free(c);
	conf_free(e);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("daemon");
	tcase_add_test(tc, daemon_defaults);
	tcase_add_test(tc, daemon_all_keys);
	tcase_add_test(tc, daemon_values);
	tcase_add_test(tc, daemon_values_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("probes");
	tcase_add_test(tc, probe_tracepoint);
	tcase_add_test(tc, probe_kprobes);
	tcase_add_test(tc, probe_uprobes);
	tcase_add_test(tc, probe_same_as_command_line);
	tcase_add_test(tc, probe_handlers);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, syntax_dialect);
	tcase_add_test(tc, syntax_long_lines);
	tcase_add_test(tc, syntax_no_terminator);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad configurations");
	tcase_add_test(tc, bad_corpus);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, errors_all_sorted);
	tcase_add_test(tc, errors_capped);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, file_modes);
	tcase_add_test(tc, file_owner);
	tcase_add_test(tc, file_kinds);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped");
	tcase_add_test(tc, shipped_default);
	tcase_add_test(tc, shipped_examples);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, values_numbers);
	tcase_add_test(tc, values_bool_path);
	tcase_add_test(tc, values_utf8);
	tcase_add_test(tc, values_hostile);
	suite_add_tcase(s, tc);

	tc = tcase_create("diff");
	tcase_add_test(tc, diff_reload);
	tcase_add_test(tc, diff_daemon);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
