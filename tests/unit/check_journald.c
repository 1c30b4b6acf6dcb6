// SPDX-License-Identifier: MIT
/*
 * check_journald.c - the journald handler without a journal: the entry's
 * fields as journald_msg_build() makes them (names, values, the one-line
 * MESSAGE, binary values, rendering hints, unreadable fields), and the
 * refusal to open when journald's socket is missing, not a socket, or
 * has nobody listening.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "event-private.h"	/* the handlers journald added */
#include "handler_records.h"
#include "journald.h"

static char err[1024];

/* the entry as "NAME=value" lines (values with \n shown as \n) */
static char *entry_text(const struct journald_msg *m)
{
	size_t i, j, n = 0;
	char *s = malloc(65536);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < m->nr_iov; i++) {
		const char *p = m->iov[i].iov_base;

		for (j = 0; j < m->iov[i].iov_len && n < 65000; j++) {
			if (p[j] == '\n') {
				s[n++] = '\\';
				s[n++] = 'n';
			} else {
				s[n++] = p[j];
			}
		}
		s[n++] = '\n';
	}
	s[n] = 0;
	return s;
}

/* the value of item NAME, or NULL */
static const struct iovec *item(const struct journald_msg *m, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < m->nr_iov; i++)
		if (m->iov[i].iov_len > n && !memcmp(m->iov[i].iov_base, name, n) &&
		    ((const char *)m->iov[i].iov_base)[n] == '=')
			return &m->iov[i];
	return NULL;
}

START_TEST(test_field_names)
{
	char name[JOURNALD_FIELD_MAX + 1];
	char longname[200];

	ck_assert_uint_eq(journald_field_name(name, "filename"), 20);
	ck_assert_str_eq(name, "TRACELOGD_F_FILENAME");
	journald_field_name(name, "__probe_ip");
	ck_assert_str_eq(name, "TRACELOGD_F___PROBE_IP");
	journald_field_name(name, "a.b-c d\xc3\xa9" "9");
	ck_assert_str_eq(name, "TRACELOGD_F_A_B_C_D__9");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ck_assert_uint_eq(journald_field_name(name, longname), JOURNALD_FIELD_MAX);
	ck_assert_uint_eq(strlen(name), JOURNALD_FIELD_MAX);
	ck_assert(!strncmp(name, "TRACELOGD_F_XXXX", 16));
}
END_TEST

START_TEST(test_entry_exec)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 275389, 0);
	struct journald_emitter *em = journald_emitter_new(ev, "exec", NULL, 0, err, sizeof(err));
	struct journald_msg m = { 0 };
	char *s;

	ck_assert_msg(em != NULL, "%s", err);
	rec->tid = 275390;
	rec->time = 911006068149;
	ck_assert_int_eq(journald_msg_build(&m, em, rec, 1795311107123456789ll - 911006068149ll), 0);
	s = entry_text(&m);
	ck_assert_str_eq(s,
		"MESSAGE=exec sched/sched_process_exec pid 275389/275390 sh filename=/bin/sh pid=275389 old_pid=275389\n"
		"PRIORITY=6\n"
		"SYSLOG_IDENTIFIER=tracelogd\n"
		"TRACELOGD_PROBE=exec\n"
		"TRACELOGD_EVENT=sched/sched_process_exec\n"
		"TRACELOGD_PID=275389\n"
		"TRACELOGD_TID=275390\n"
		"TRACELOGD_CPU=1\n"
		"TRACELOGD_COMM=sh\n"
		"TRACELOGD_TS=1795311107123456\n"
		"TRACELOGD_MONO_NS=911006068149\n"
		"TRACELOGD_F_FILENAME=/bin/sh\n"
		"TRACELOGD_F_PID=275389\n"
		"TRACELOGD_F_OLD_PID=275389\n");
	free(s);
	/* the same buffers again, for a shorter record: nothing of the first left */
	free(rec);
	rec = exec_record(ev, "/x", 2, 5, 0);
	ck_assert_int_eq(journald_msg_build(&m, em, rec, 0), 0);
	ck_assert_uint_eq(m.nr_iov, 14);
	ck_assert_int_eq(m.iov[13].iov_len, strlen("TRACELOGD_F_OLD_PID=5"));
	ck_assert(!memcmp(m.iov[13].iov_base, "TRACELOGD_F_OLD_PID=5", m.iov[13].iov_len));
	ck_assert(!memcmp(item(&m, "TRACELOGD_TS")->iov_base, "TRACELOGD_TS=1795311107123456", 29));
	ck_assert_uint_eq(item(&m, "TRACELOGD_F_FILENAME")->iov_len, strlen("TRACELOGD_F_FILENAME=/x"));
	journald_msg_free(&m);
	journald_emitter_free(em);
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* strings: the bytes themselves in the fields, escaped and cut in MESSAGE */
START_TEST(test_entry_binary)
{
	static const char fn[] = "/tmp/\x1b[31mx\ny\xff";
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, fn, sizeof(fn) - 1, 7, 0);
	struct journald_emitter *em = journald_emitter_new(ev, "exec", NULL, 0, err, sizeof(err));
	struct journald_msg m = { 0 };
	const struct iovec *v;
	char *big;
	size_t i;

	ck_assert_ptr_nonnull(em);
	memcpy(rec->comm, "\x1b]0;t\x07", 7);
	ck_assert_int_eq(journald_msg_build(&m, em, rec, 0), 0);
	v = item(&m, "TRACELOGD_F_FILENAME");
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->iov_len, 21 + sizeof(fn) - 1);
	ck_assert(!memcmp((const char *)v->iov_base + 21, fn, sizeof(fn) - 1));
	v = item(&m, "TRACELOGD_COMM");
	ck_assert_uint_eq(v->iov_len, 15 + 6);
	ck_assert(!memcmp((const char *)v->iov_base + 15, "\x1b]0;t\x07", 6));
	v = item(&m, "MESSAGE");
	for (i = 0; i < v->iov_len; i++)
		ck_assert((unsigned char)((const char *)v->iov_base)[i] >= 0x20);
	ck_assert_int_eq(v->iov_len, strlen("MESSAGE=exec sched/sched_process_exec pid 7/7 \\x1b]0;t\\x07"
					    " filename=/tmp/\\x1b[31mx\\x0ay\\xff pid=7 old_pid=7"));
	ck_assert(!memcmp(v->iov_base, "MESSAGE=exec sched/sched_process_exec pid 7/7 \\x1b]0;t\\x07"
			  " filename=/tmp/\\x1b[31mx\\x0ay\\xff pid=7 old_pid=7", v->iov_len));
	free(rec);

	/* a long value: whole in its field, cut in MESSAGE */
	big = malloc(5000);
	memset(big, 'b', 5000);
	rec = exec_record(ev, big, 5000, 7, 0);
	ck_assert_int_eq(journald_msg_build(&m, em, rec, 0), 0);
	ck_assert_uint_eq(item(&m, "TRACELOGD_F_FILENAME")->iov_len, 21 + 5000);
	v = item(&m, "MESSAGE");
	ck_assert_ptr_nonnull(memmem(v->iov_base, v->iov_len, "b...[+4744 bytes] pid=7", 23));
	free(big);
	free(rec);
	journald_msg_free(&m);
	journald_emitter_free(em);
	engine_event_free(ev);
}
END_TEST

START_TEST(test_entry_unreadable)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 9, 300);
	struct journald_emitter *em = journald_emitter_new(ev, "exec", NULL, 0, err, sizeof(err));
	struct journald_msg m = { 0 };
	const struct iovec *v;

	ck_assert_int_eq(journald_msg_build(&m, em, rec, 0), 0);
	ck_assert_ptr_null(item(&m, "TRACELOGD_F_FILENAME"));
	ck_assert_ptr_nonnull(item(&m, "TRACELOGD_F_PID"));
	ck_assert_uint_eq(m.nr_iov, 13);
	v = item(&m, "MESSAGE");
	ck_assert_int_eq(v->iov_len, strlen("MESSAGE=exec sched/sched_process_exec pid 9/9 sh pid=9 old_pid=9"));
	journald_msg_free(&m);
	journald_emitter_free(em);
	free(rec);
	engine_event_free(ev);
}
END_TEST

START_TEST(test_entry_hints)
{
	struct engine_event *ev = event_parse("tracelogd", fmt_accept);
	struct engine_record *rec = accept_record(ev, -2);
	const struct jlog_hint hints[] = {
		{ "daddr", JLOG_RENDER_IPV4 }, { "dport", JLOG_RENDER_PORT },
		{ "ret", JLOG_RENDER_ERRNO }, { "__probe_func", JLOG_RENDER_HEX },
	};
	const struct jlog_hint bad[] = { { "a4", JLOG_RENDER_PORT } };
	struct journald_emitter *em = journald_emitter_new(ev, "acc", hints, 4, err, sizeof(err));
	struct journald_msg m = { 0 };
	char *s;

	ck_assert_msg(em != NULL, "%s", err);
	ck_assert_int_eq(journald_msg_build(&m, em, rec, 0), 0);
	s = entry_text(&m);
	ck_assert_msg(strstr(s, "\nTRACELOGD_F___PROBE_FUNC=0x7f0000001000\n"
			      "TRACELOGD_F___PROBE_RET_IP=139637976738492\n"
			      "TRACELOGD_F_DADDR=127.0.0.1\n"
			      "TRACELOGD_F_DPORT=22\n"
			      "TRACELOGD_F_DELTA=-5\n"
			      "TRACELOGD_F_RET=ENOENT\n"
			      "TRACELOGD_F_A4=[192, 168, 0, 254]\n"
			      "TRACELOGD_F_SK=0xffff888012345678\n"), "%s", s);
	ck_assert_msg(strstr(s, "MESSAGE=acc tracelogd/accept pid 42/43 sshd __probe_func=0x7f0000001000 "
			     "__probe_ret_ip=139637976738492 daddr=127.0.0.1 dport=22 delta=-5 ret=ENOENT "
			     "a4=[192, 168, 0, 254] sk=0xffff888012345678\n"), "%s", s);
	free(s);
	journald_msg_free(&m);
	journald_emitter_free(em);
	errno = 0;
	ck_assert_ptr_null(journald_emitter_new(ev, "acc", bad, 1, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err, "probe acc: render.a4: this hint needs a 2-byte integer"), "%s", err);
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* two fields whose names differ only where journald cannot tell */
START_TEST(test_entry_name_clash)
{
	static const char fmt[] =
		"name: clash\n"
		"ID: 7\n"
		"format:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
		"\n"
		"\tfield:int Mode;\toffset:8;\tsize:4;\tsigned:1;\n"
		"\tfield:int mode;\toffset:12;\tsize:4;\tsigned:1;\n"
		"\n"
		"print fmt: \"%d\", REC->mode\n";
	struct engine_event *ev = event_parse("t", fmt);
	struct journald_emitter *em = journald_emitter_new(ev, "c", NULL, 0, err, sizeof(err));
	struct engine_record *rec = calloc(1, sizeof(*rec) + 16);
	struct journald_msg m = { 0 };
	int32_t a = 1, b = 2;

	ck_assert_msg(em != NULL, "%s", err);
	rec->event = ev;
	rec->raw_size = 16;
	memcpy(rec->raw + 8, &a, 4);
	memcpy(rec->raw + 12, &b, 4);
	ck_assert_int_eq(journald_msg_build(&m, em, rec, 0), 0);
	ck_assert_ptr_nonnull(item(&m, "TRACELOGD_F_MODE"));
	ck_assert_ptr_nonnull(item(&m, "TRACELOGD_F_MODE_1"));
	ck_assert(!memcmp(item(&m, "TRACELOGD_F_MODE_1")->iov_base, "TRACELOGD_F_MODE_1=2", 20));
	ck_assert(!memcmp(item(&m, "TRACELOGD_COMM")->iov_base, "TRACELOGD_COMM=", 15));
	journald_msg_free(&m);
	journald_emitter_free(em);
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* ------------------------------------------------------------------ */

static char dir[64];

static void dir_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_journald.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_teardown(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/socket", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/file", dir);
	unlink(p);
	rmdir(dir);
}

static int bind_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

START_TEST(test_open_refusals)
{
	char path[128];
	struct journald *jd;
	int fd;

	snprintf(path, sizeof(path), "%s/socket", dir);
	errno = 0;
	ck_assert_ptr_null(journald_open(path, 2, err, sizeof(err)));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_msg(strstr(err, path) && strstr(err, "does not exist") &&
		      strstr(err, "systemd-journald"), "%s", err);

	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_ptr_null(journald_open(path, 2, err, sizeof(err)));
	ck_assert_int_eq(errno, ENOTSOCK);
	ck_assert_msg(strstr(err, "is not a socket"), "%s", err);

	/* a socket file whose journald is gone */
	snprintf(path, sizeof(path), "%s/socket", dir);
	close(bind_socket(path));
	ck_assert_ptr_null(journald_open(path, 2, err, sizeof(err)));
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_msg(strstr(err, "nothing listens on") && strstr(err, path), "%s", err);
	unlink(path);

	/* this host's own journal, when it has none */
	if (access(JOURNALD_SOCKET, F_OK) < 0) {
		jd = journald_open(NULL, 1, err, sizeof(err));
		ck_assert_ptr_null(jd);
		ck_assert_msg(strstr(err, JOURNALD_SOCKET " does not exist"), "%s", err);
	}
}
END_TEST

/*
 * A socket that listens: the handler opens, and sending where there is no
 * journal (sd_journal_sendv() writes to JOURNALD_SOCKET, absent here) is
 * never fatal.  libsystemd reports success when the socket is missing
 * (ENOENT: it drops the entry silently), so both calls count as sent.
 */
START_TEST(test_open_and_send)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 9, 0);
	struct journald_stats st;
	struct journald *jd;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/socket", dir);
	fd = bind_socket(path);
	jd = journald_open(path, 2, err, sizeof(err));
	ck_assert_msg(jd != NULL, "%s", err);
	ck_assert_int_eq(journald_add_event(jd, ev, "exec", NULL, 0, err, sizeof(err)), 0);
	ck_assert_uint_eq(ev->nr_handlers, 1);
	ev->handlers[0].fn(rec, 1, ev->handlers[0].arg);
	ev->handlers[0].fn(rec, 0, ev->handlers[0].arg);
	journald_stats_get(jd, &st);
	ck_assert_uint_eq(st.sent + st.dropped, 2);
	journald_close(jd);
	close(fd);
	free(rec);
	engine_event_free(ev);
}
END_TEST

static Suite *journald_suite(void)
{
	Suite *s = suite_create("journald");
	TCase *tc;

	tc = tcase_create("entry");
	tcase_add_test(tc, test_field_names);
	tcase_add_test(tc, test_entry_exec);
	tcase_add_test(tc, test_entry_binary);
	tcase_add_test(tc, test_entry_unreadable);
	tcase_add_test(tc, test_entry_hints);
	tcase_add_test(tc, test_entry_name_clash);
	suite_add_tcase(s, tc);

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_open_refusals);
	tcase_add_test(tc, test_open_and_send);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(journald_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
