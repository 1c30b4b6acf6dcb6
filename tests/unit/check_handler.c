// SPDX-License-Identifier: MIT
/*
 * check_handler.c - handler_attach(): each handler spec onto an event
 * (json, pretty, journald, plugin:...), in order, with the probe's hints;
 * bad specs, and a sink that cannot open, refused with messages naming
 * the probe, without changing the event's handlers; a plugin named by two
 * probes loaded once.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event-private.h"	/* the handlers attached */
#include "handler.h"
#include "handler_records.h"

static char err[1024];
static char dir[64];

static void dir_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_handler.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("TZ", "UTC", 1);
	tzset();
}

static void dir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	return text;
}

START_TEST(test_spec_parse)
{
	enum handler_kind k;
	char *path, *fn;

	ck_assert_int_eq(handler_spec_parse("json", &k, &path, &fn, err, sizeof(err)), 0);
	ck_assert_int_eq(k, HANDLER_JSON);
	ck_assert_ptr_null(path);
	ck_assert_int_eq(handler_spec_parse("pretty", &k, &path, &fn, err, sizeof(err)), 0);
	ck_assert_int_eq(k, HANDLER_PRETTY);
	ck_assert_int_eq(handler_spec_parse("journald", &k, &path, &fn, err, sizeof(err)), 0);
	ck_assert_int_eq(k, HANDLER_JOURNALD);
	/* the function is after the last colon: a path may hold colons */
	ck_assert_int_eq(handler_spec_parse("plugin:/opt/a:b/x.so:count_1", &k, &path, &fn, err,
					    sizeof(err)), 0);
	ck_assert_int_eq(k, HANDLER_PLUGIN);
	ck_assert_str_eq(path, "/opt/a:b/x.so");
	ck_assert_str_eq(fn, "count_1");
	free(path);
	free(fn);

	ck_assert_int_eq(handler_spec_parse("xml", &k, &path, &fn, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "\"xml\" is not json, pretty, journald or plugin:"), "%s", err);
	ck_assert_int_eq(handler_spec_parse("JSON", &k, &path, &fn, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(handler_spec_parse("plugin:x.so:f", &k, &path, &fn, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "must be absolute"), "%s", err);
	ck_assert_int_eq(handler_spec_parse("plugin:/x.so", &k, &path, &fn, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(handler_spec_parse("plugin:/x.so:", &k, &path, &fn, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(handler_spec_parse("plugin:/x.so:9f", &k, &path, &fn, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(handler_spec_parse("plugin:/x.so:f;g", &k, &path, &fn, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "expected plugin:/PATH.so:FUNCTION"), "%s", err);
	ck_assert_int_eq(handler_spec_parse("plugin::f", &k, &path, &fn, err, sizeof(err)), -EINVAL);
}
END_TEST

/* json, pretty and a plugin on one event: each gets the record, in order */
START_TEST(test_attach_all)
{
	char log[128], pretty[128], plugin[128], spec[256], out[128], cmd[1024];
	struct engine_event *ev = event_parse("tracelogd", fmt_accept);
	struct engine_record *rec = accept_record(ev, -2);
	const struct jlog_hint hints[] = { { "daddr", JLOG_RENDER_IPV4 } };
	struct handler_opts o = { 0 };
	struct handler_stats st;
	struct handler_ctx *ctx;
	struct jlog *jl;
	const char *text;
	size_t i;

	snprintf(log, sizeof(log), "%s/events.jsonl", dir);
	snprintf(pretty, sizeof(pretty), "%s/pretty.txt", dir);
	snprintf(out, sizeof(out), "%s/count.txt", dir);
	build_path(spec, sizeof(spec), "../plugins/example_count.so");
	snprintf(plugin, sizeof(plugin), "%s/count.so", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 0755 '%s'", spec, plugin, plugin);
	ck_assert_int_eq(system(cmd), 0);
	setenv("EXAMPLE_COUNT_OUTPUT", out, 1);

	jl = jlog_open(log, 2, err, sizeof(err));
	ck_assert_msg(jl != NULL, "%s", err);
	o.jlog = jl;
	o.workers = 2;
	o.pretty_path = pretty;
	o.plugin_owner = geteuid();
	ctx = handler_ctx_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(ctx);
	ck_assert_msg(handler_attach(ctx, ev, "acc", "json", hints, 1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(handler_attach(ctx, ev, "acc", "pretty", hints, 1, err, sizeof(err)) == 0, "%s", err);
	snprintf(spec, sizeof(spec), "plugin:%s:example_count_event", plugin);
	ck_assert_msg(handler_attach(ctx, ev, "acc", spec, hints, 1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(ev->nr_handlers, 3);
	for (i = 0; i < ev->nr_handlers; i++)
		ev->handlers[i].fn(rec, 1, ev->handlers[i].arg);
	handler_ctx_stats_get(ctx, &st);
	ck_assert_uint_eq(st.pretty_written, 1);
	ck_assert_uint_eq(st.plugin_calls, 1);
	ck_assert_uint_eq(st.plugins, 1);
	handler_ctx_free(ctx);		/* the plugin's fini writes its summary */
	jlog_close(jl);
	unsetenv("EXAMPLE_COUNT_OUTPUT");

	text = slurp(log);
	ck_assert_msg(strstr(text, "\"probe\":\"acc\"") && strstr(text, "\"daddr\":\"127.0.0.1\""),
		      "%s", text);
	text = slurp(pretty);
	/* rec->time is on CLOCK_MONOTONIC: the block shows it as today's time */
	ck_assert_msg(text[2] == ':' && text[5] == ':' && text[8] == '.' &&
		      !strncmp(text + 18, " acc tracelogd/accept cpu 3 pid 42/43 sshd\n", 43) &&
		      strstr(text, "    daddr          = 127.0.0.1\n"), "%s", text);
	text = slurp(out);
	ck_assert_str_eq(text, "# example_count: 1 records\n1\t1\tacc\tsshd\n");
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* refusals leave the event's handlers as they were, and say which probe */
START_TEST(test_attach_refusals)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	const struct jlog_hint bad[] = { { "nope", JLOG_RENDER_HEX } };
	struct handler_opts o = { 0 };
	struct handler_ctx *ctx;
	char sock[128], spec[256];

	snprintf(sock, sizeof(sock), "%s/journal.socket", dir);
	o.journal_socket = sock;
	o.plugin_owner = geteuid();
	o.pretty_path = "/proc/nonexistent/pretty.txt";
	ctx = handler_ctx_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(ctx);

	ck_assert_int_eq(handler_attach(ctx, ev, "exec", "json", NULL, 0, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "probe exec: handler json: no log is open"), "%s", err);
	ck_assert_int_eq(handler_attach(ctx, ev, "exec", "yaml", NULL, 0, err, sizeof(err)), -EINVAL);
	ck_assert_msg(!strncmp(err, "probe exec: handler \"yaml\"", 26), "%s", err);
	ck_assert_int_eq(handler_attach(ctx, ev, "exec", "journald", NULL, 0, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "probe exec: journald: ") && strstr(err, sock) &&
		      strstr(err, "does not exist"), "%s", err);
	ck_assert_int_eq(handler_attach(ctx, ev, "exec", "pretty", NULL, 0, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "probe exec: pretty: cannot open /proc/nonexistent/pretty.txt"),
		      "%s", err);
	snprintf(spec, sizeof(spec), "plugin:%s/none.so:f", dir);
	ck_assert_int_eq(handler_attach(ctx, ev, "exec", spec, NULL, 0, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "probe exec: plugin ") && strstr(err, "/none.so: No such file"),
		      "%s", err);
	ck_assert_uint_eq(ev->nr_handlers, 0);
	handler_ctx_free(ctx);

	/* a hint the event has no field for: refused by pretty as by json */
	o.pretty_path = "/dev/null";
	ctx = handler_ctx_new(&o, err, sizeof(err));
	ck_assert_int_eq(handler_attach(ctx, ev, "exec", "pretty", bad, 1, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "probe exec: render.nope"), "%s", err);
	ck_assert_uint_eq(ev->nr_handlers, 0);
	handler_ctx_free(ctx);
	engine_event_free(ev);
}
END_TEST

/* one plugin file, two probes: loaded once, one state for both */
START_TEST(test_plugin_shared)
{
	struct engine_event *a = event_parse("sched", fmt_exec);
	struct engine_event *b = event_parse("tracelogd", fmt_accept);
	struct engine_record *ra = exec_record(a, "/bin/sh", 7, 1, 0);
	struct engine_record *rb = accept_record(b, 0);
	struct conf_handler ch = { CONF_HANDLER_PLUGIN, NULL, (char *)"example_count_event" };
	struct handler_opts o = { 0 };
	struct handler_stats st;
	struct handler_ctx *ctx;
	char plugin[128], src[256], cmd[1024], out[128];

	build_path(src, sizeof(src), "../plugins/example_count.so");
	snprintf(plugin, sizeof(plugin), "%s/count.so", dir);
	snprintf(out, sizeof(out), "%s/count.txt", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 0755 '%s'", src, plugin, plugin);
	ck_assert_int_eq(system(cmd), 0);
	setenv("EXAMPLE_COUNT_OUTPUT", out, 1);
	ch.path = plugin;
	o.plugin_owner = geteuid();
	o.workers = 1;
	ctx = handler_ctx_new(&o, err, sizeof(err));
	ck_assert_msg(handler_attach_conf(ctx, a, "exec", &ch, NULL, 0, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(handler_attach_conf(ctx, b, "acc", &ch, NULL, 0, err, sizeof(err)) == 0, "%s", err);
	a->handlers[0].fn(ra, 0, a->handlers[0].arg);
	b->handlers[0].fn(rb, 0, b->handlers[0].arg);
	b->handlers[0].fn(rb, 0, b->handlers[0].arg);
	handler_ctx_stats_get(ctx, &st);
	ck_assert_uint_eq(st.plugins, 1);
	ck_assert_uint_eq(st.plugin_calls, 3);
	handler_ctx_free(ctx);
	unsetenv("EXAMPLE_COUNT_OUTPUT");
	ck_assert_str_eq(slurp(out), "# example_count: 3 records\n2\t0\tacc\tsshd\n1\t0\texec\tsh\n");
	free(ra);
	free(rb);
	engine_event_free(a);
	engine_event_free(b);
}
END_TEST

static Suite *handler_suite(void)
{
	Suite *s = suite_create("handler");
	TCase *tc;

	tc = tcase_create("spec");
	tcase_add_test(tc, test_spec_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("attach");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_attach_all);
	tcase_add_test(tc, test_attach_refusals);
	tcase_add_test(tc, test_plugin_shared);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(handler_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
