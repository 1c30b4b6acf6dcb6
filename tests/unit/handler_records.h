/* SPDX-License-Identifier: MIT */
/*
 * handler_records.h - canned events and hand-built records for the unit
 * tests of the handlers (pretty, journald, plugins, handler_attach):
 * sched_process_exec as the 6.x kernel writes its format, and a
 * kretprobe with numbers, arrays and addresses for the rendering hints.
 */
#ifndef TRACELOGD_TEST_HANDLER_RECORDS_H
#define TRACELOGD_TEST_HANDLER_RECORDS_H

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static const char fmt_exec[] =
	"name: sched_process_exec\n"
	"ID: 365\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid, REC->old_pid\n";

/* a kretprobe on inet_csk_accept with fetched fields of every shape */
static const char fmt_accept[] =
	"name: accept\n"
	"ID: 2001\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 daddr;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:u16 dport;\toffset:28;\tsize:2;\tsigned:0;\n"
	"\tfield:s16 delta;\toffset:30;\tsize:2;\tsigned:1;\n"
	"\tfield:s32 ret;\toffset:32;\tsize:4;\tsigned:1;\n"
	"\tfield:u8 a4[];\toffset:36;\tsize:4;\tsigned:0;\n"
	"\tfield:void * sk;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\n"
	"print fmt: \"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip\n";

#define ACCEPT_RAW_SIZE 48

/* 2026-11-22T01:31:47.123456789Z */
#define REC_TIME 1795311107123456789ull

static inline struct engine_event *event_parse(const char *system, const char *fmt)
{
	char err[512];
	struct engine_event *ev = engine_event_parse(system, fmt, strlen(fmt), err, sizeof(err));

	ck_assert_msg(ev != NULL, "%s", err);
	return ev;
}

/*
 * An exec record with filename bytes fn[0..len) (a NUL added after them,
 * as the kernel stores it).  loc_len, when not 0, overrides the length in
 * the __data_loc word (to point outside the record).
 */
static inline struct engine_record *exec_record(const struct engine_event *ev, const char *fn,
					 size_t len, int32_t pid, unsigned loc_len)
{
	size_t raw_size = 20 + len + 1;
	struct engine_record *rec = calloc(1, sizeof(*rec) + raw_size + 8);
	uint16_t type = 365;
	uint32_t loc = (uint32_t)((loc_len ? loc_len : len + 1) << 16) | 20;

	ck_assert_ptr_nonnull(rec);
	rec->event = ev;
	rec->time = REC_TIME;
	rec->pid = rec->tid = (uint32_t)pid;
	rec->cpu = 1;
	rec->raw_size = (uint32_t)raw_size;
	strcpy(rec->comm, "sh");
	memcpy(rec->raw, &type, 2);
	memcpy(rec->raw + 4, &pid, 4);
	memcpy(rec->raw + 8, &loc, 4);
	memcpy(rec->raw + 12, &pid, 4);
	memcpy(rec->raw + 16, &pid, 4);
	memcpy(rec->raw + 20, fn, len);
	return rec;
}

static inline struct engine_record *accept_record(const struct engine_event *ev, int32_t ret)
{
	struct engine_record *rec = calloc(1, sizeof(*rec) + ACCEPT_RAW_SIZE);
	unsigned char *r = rec->raw;
	uint16_t type = 2001, dport_be = (uint16_t)((22 >> 8) | (22 << 8));
	int16_t delta = -5;
	uint64_t func = 0x7f0000001000ull, ret_ip = 0x7f0000002abcull, sk = 0xffff888012345678ull;
	static const unsigned char daddr[4] = { 127, 0, 0, 1 }, a4[4] = { 192, 168, 0, 254 };

	ck_assert_ptr_nonnull(rec);
	rec->event = ev;
	rec->time = REC_TIME;
	rec->pid = 42;
	rec->tid = 43;
	rec->cpu = 3;
	rec->raw_size = ACCEPT_RAW_SIZE;
	strcpy(rec->comm, "sshd");
	memcpy(r, &type, 2);
	memcpy(r + 8, &func, 8);
	memcpy(r + 16, &ret_ip, 8);
	memcpy(r + 24, daddr, 4);
	memcpy(r + 28, &dport_be, 2);
	memcpy(r + 30, &delta, 2);
	memcpy(r + 32, &ret, 4);
	memcpy(r + 36, a4, 4);
	memcpy(r + 40, &sk, 8);
	return rec;
}

/* dir/name next to this test binary's directory: build/tests/.. */
static inline void build_path(char *out, size_t len, const char *rel)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	ck_assert_int_gt(n, 0);
	exe[n] = 0;
	slash = strrchr(exe, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = 0;		/* build/tests */
	ck_assert_int_lt(snprintf(out, len, "%s/%s", exe, rel), (int)len);
}

#endif
