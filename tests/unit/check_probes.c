// SPDX-License-Identifier: MIT
/*
 * check_probes.c - probe specs (good, bad, hostile), fetch arguments, the
 * tracefs command lines they become, ELF symbols resolved to file offsets
 * (executables PIE and not, stripped, a shared library with versioned
 * symbols, libc, corrupt and non-ELF files), the tracefs error_log reader
 * and close names.  No root, no tracefs: everything here is text and
 * files.
 *
 * The ELF fixtures are built by the Makefile into build/tests/elf/ (next
 * to this test's binary); each executable prints, with --offsets, where
 * its functions are in their files as the running process maps them,
 * which is what the resolver must find.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes.h"
#include "probes-private.h"

static char err[2048];

/* ------------------------------------------------------------------ */
/* Specs                                                               */

static struct probe_spec *parse_ok(const char *text)
{
	struct probe_spec *s = NULL;
	int ret = probe_spec_parse(text, &s, err, sizeof(err));

	ck_assert_msg(ret == 0, "\"%s\" refused: %s", text, err);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* the command of a spec, with a uprobe's resolution faked */
static const char *command_of(struct probe_spec *s, const char *group)
{
	static char cmd[PROBE_CMD_MAX];
	int n;

	if (s->kind == PROBE_UPROBE || s->kind == PROBE_URETPROBE) {
		s->resolved = true;
		s->file_offset = s->symbol ? 0x1234 + s->offset : s->offset;
	}
	n = probe_spec_command(s, group, cmd, sizeof(cmd), err, sizeof(err));
	ck_assert_msg(n > 0, "command refused: %s", err);
	ck_assert_uint_eq((size_t)n, strlen(cmd));
	return cmd;
}

START_TEST(test_spec_good)
{
	static const struct {
		const char *text, *cmd;
	} cases[] = {
		{ "uprobe:readline:/bin/bash:readline",
		  "p:tracelogd/readline /bin/bash:0x1234" },
		{ "uretprobe:rl_ret:/bin/bash:readline line=+0($retval):string",
		  "r:tracelogd/rl_ret /bin/bash:0x1234 line=+0($retval):string" },
		{ "uprobe:f:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc@GLIBC_2.2.5 size=%di:u64",
		  "p:tracelogd/f /usr/lib/x86_64-linux-gnu/libc.so.6:0x1234 size=%di:u64" },
		{ "uprobe:f:/bin/true:0x1f00", "p:tracelogd/f /bin/true:0x1f00" },
		{ "uprobe:f:/bin/true:main+0x10 a=%di:s32", "p:tracelogd/f /bin/true:0x1244 a=%di:s32" },
		{ "uprobe:f:./rel/path-1.2_x+y@z,w~:f@@V_2.1", "p:tracelogd/f ./rel/path-1.2_x+y@z,w~:0x1234" },
		{ "kprobe:open:do_sys_openat2 dfd=%di:s32 name=+0(%si):string",
		  "p:tracelogd/open do_sys_openat2 dfd=%di:s32 name=+0(%si):string" },
		{ "kprobe:o:do_sys_openat2+8", "p:tracelogd/o do_sys_openat2+8" },
		{ "kprobe:o:do_sys_openat2+0x10", "p:tracelogd/o do_sys_openat2+16" },
		{ "kprobe:m:ext4:ext4_file_open", "p:tracelogd/m ext4:ext4_file_open" },
		{ "kprobe:a:0xffffffff81000000", "p:tracelogd/a 0xffffffff81000000" },
		{ "kprobe:c:foo.isra.0 a=$arg1 b=$arg2:x32 c=$comm d=$stack e=$stack3 f=@jiffies:u64",
		  "p:tracelogd/c foo.isra.0 a=$arg1 b=$arg2:x32 c=$comm d=$stack e=$stack3 f=@jiffies:u64" },
		{ "kretprobe:accept:inet_csk_accept daddr=+0($retval):u32 saddr=+4($retval):u32 "
		  "dport=+12($retval):u16 sport=+14($retval):u16 render.daddr=ipv4 render.dport=port",
		  "r:tracelogd/accept inet_csk_accept daddr=+0($retval):u32 saddr=+4($retval):u32 "
		  "dport=+12($retval):u16 sport=+14($retval):u16" },
		{ "kretprobe:acc:inet_csk_accept maxactive=16 r=$retval:x64",
		  "r16:tracelogd/acc inet_csk_accept r=$retval:x64" },
		{ "  kprobe:t:f\ta=%di   b=+8(-16(+0(%sp))):u8[4]\t ",
		  "p:tracelogd/t f a=%di b=+8(-16(+0(%sp))):u8[4]" },
		{ "kprobe:u:f p=+u0(%si):ustring q=\\123 r=\\-1 s=%ax:b4@2/32 t=%bx:symbol v=%cx:symstr",
		  "p:tracelogd/u f p=+u0(%si):ustring q=\\123 r=\\-1 s=%ax:b4@2/32 t=%bx:symbol v=%cx:symstr" },
		{ "uprobe:w:/bin/true:main x=@+0x10:u64 y=@0x601000:x8[16] z=%r15:s64",
		  "p:tracelogd/w /bin/true:0x1234 x=@+0x10:u64 y=@0x601000:x8[16] z=%r15:s64" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probe_spec *s = parse_ok(cases[i].text);

		ck_assert_str_eq(command_of(s, "tracelogd"), cases[i].cmd);
		probe_spec_free(s);
	}
}
END_TEST

START_TEST(test_spec_fields)
{
	struct probe_spec *s;

	s = parse_ok("uretprobe:rl_ret:/bin/bash:readline line=+0($retval):string render.line=hex");
	ck_assert_int_eq(s->kind, PROBE_URETPROBE);
	ck_assert_str_eq(s->name, "rl_ret");
	ck_assert_str_eq(s->target, "/bin/bash:readline");
	ck_assert_str_eq(s->path, "/bin/bash");
	ck_assert_str_eq(s->symbol, "readline");
	ck_assert_uint_eq(s->offset, 0);
	ck_assert(!s->resolved);
	ck_assert_uint_eq(s->nr_args, 1);
	ck_assert_str_eq(s->args[0].field, "line");
	ck_assert_str_eq(s->args[0].fetch, "+0($retval):string");
	ck_assert_uint_eq(s->nr_hints, 1);
	ck_assert_str_eq(s->hints[0].field, "line");
	ck_assert_str_eq(s->hints[0].render, "hex");
	ck_assert(probe_spec_is_dynamic(s));
	probe_spec_free(s);

	s = parse_ok("uprobe:x:/lib/libc.so.6:malloc@GLIBC_2.2.5+4");
	ck_assert_str_eq(s->symbol, "malloc@GLIBC_2.2.5");
	ck_assert_uint_eq(s->offset, 4);
	probe_spec_free(s);

	s = parse_ok("uprobe:x:/bin/true:0xABCdef");
	ck_assert_ptr_null(s->symbol);
	ck_assert_uint_eq(s->offset, 0xabcdef);
	probe_spec_free(s);

	s = parse_ok("kretprobe:acc:inet_csk_accept maxactive=4096");
	ck_assert_uint_eq(s->maxactive, 4096);
	ck_assert_str_eq(s->function, "inet_csk_accept");
	probe_spec_free(s);

	s = parse_ok("tracepoint:exitret:syscalls/sys_exit_openat render.ret=errno");
	ck_assert_int_eq(s->kind, PROBE_TRACEPOINT);
	ck_assert_str_eq(s->system, "syscalls");
	ck_assert_str_eq(s->event, "sys_exit_openat");
	ck_assert(!probe_spec_is_dynamic(s));
	ck_assert_uint_eq(s->nr_hints, 1);
	ck_assert_int_eq(probe_spec_command(s, "tracelogd", err, sizeof(err), err, sizeof(err)), -EINVAL);
	probe_spec_free(s);

	/* render hints on the probe's own fields */
	s = parse_ok("uprobe:x:/bin/true:main render.__probe_ip=hex");
	probe_spec_free(s);
}
END_TEST

START_TEST(test_spec_builder)
{
	struct probe_spec *s = probe_spec_new(PROBE_KRETPROBE, "acc", err, sizeof(err));

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(probe_spec_check(s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(probe_spec_set_target(s, "inet_csk_accept", err, sizeof(err)), 0);
	ck_assert_int_eq(probe_spec_add_tokens(s, "daddr=+0($retval):u32  dport=+12($retval):u16",
					       err, sizeof(err)), 0);
	ck_assert_int_eq(probe_spec_add_token(s, "render.daddr=ipv4", err, sizeof(err)), 0);
	/* a failed token leaves the spec as it was */
	ck_assert_int_eq(probe_spec_add_token(s, "x=%zz", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(probe_spec_add_token(s, "render.daddr=ipv6", err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(s->nr_args, 2);
	ck_assert_uint_eq(s->nr_hints, 1);
	ck_assert_int_eq(probe_spec_check(s, err, sizeof(err)), 0);
	ck_assert_str_eq(command_of(s, "grp2"),
			 "r:grp2/acc inet_csk_accept daddr=+0($retval):u32 dport=+12($retval):u16");
	/* the target can be replaced */
	ck_assert_int_eq(probe_spec_set_target(s, "tcp_v4_connect", err, sizeof(err)), 0);
	ck_assert_str_eq(s->function, "tcp_v4_connect");
	probe_spec_free(s);
	probe_spec_free(NULL);

	ck_assert_ptr_null(probe_spec_new(PROBE_UPROBE, "a-b", err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(probe_spec_new(PROBE_UPROBE, "", err, sizeof(err)));
	ck_assert_ptr_null(probe_spec_new(PROBE_UPROBE, "9lives", err, sizeof(err)));
	ck_assert_ptr_null(probe_spec_new(PROBE_UPROBE, "x\n-:tracelogd/y", err, sizeof(err)));

	ck_assert_int_eq(probe_kind_parse("kretprobe", 9), PROBE_KRETPROBE);
	ck_assert_int_eq(probe_kind_parse("kretprobes", 10), -EINVAL);
	ck_assert_str_eq(probe_kind_name(PROBE_URETPROBE), "uretprobe");
}
END_TEST

/* -EINVAL with a message containing needle, and nothing allocated */
static void parse_bad(const char *text, const char *needle)
{
	struct probe_spec *s = (struct probe_spec *)1;
	int ret;

	err[0] = 0;
	ret = probe_spec_parse(text, &s, err, sizeof(err));
	ck_assert_msg(ret == -EINVAL, "\"%s\" accepted (ret %d)", text, ret);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, needle), "\"%s\": message \"%s\" lacks \"%s\"", text, err, needle);
	/* a message is one line of printable text */
	for (const char *p = err; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
			      "\"%s\": unprintable byte in the message", text);
}

START_TEST(test_spec_injection)
{
	char big[6000];

	/* a second command, by every route */
	parse_bad("uprobe:x:/bin/true:main\n-:tracelogd/x", "line break");
	parse_bad("uprobe:x:/bin/true:main a=%di\n-:othergrp/y", "line break");
	parse_bad("uprobe:x:/bin/true:main\r", "line break");
	parse_bad("kprobe:x\n:foo", "line break");
	parse_bad("uprobe:x:/bin/true:main;rm", "';'");
	parse_bad("uprobe:x:/bin/true:main a=%di;-:tracelogd/x", "';'");
	parse_bad("-:tracelogd/x", "KIND:NAME:TARGET");
	parse_bad("-:tracelogd/x:y", "unknown kind");
	parse_bad("kprobe:-:tracelogd/x", "probe name");
	parse_bad("kprobe:x:-:tracelogd/x", "expected [MODULE:]FUNCTION");
	parse_bad("uprobe:x:-/bin/true:main", "path");
	parse_bad("uprobe:x:/bin/true:main a=-:x", "fetch argument");
	parse_bad("uprobe:x:/bin/true:main -:tracelogd/y", "expected FIELD=FETCHARG");
	parse_bad("kprobe:x:foo a=%di -:othergrp/y", "expected FIELD=FETCHARG");
	/* redirections and paths out of the group */
	parse_bad("uprobe:x:/bin/true>/tmp/x:main", "path");
	parse_bad("uprobe:x:/bin/t$(id):main", "path");
	parse_bad("uprobe:x:/bin/t`id`:main", "path");
	parse_bad("uprobe:x:/bin/t rue:main", "BINARY:FUNCTION");
	parse_bad("uprobe:../../x:/bin/true:main", "probe name");
	parse_bad("uprobe:x/../y:/bin/true:main", "probe name");
	parse_bad("tracepoint:x:../sched/sched_process_exec", "SYSTEM/EVENT");
	parse_bad("tracepoint:x:sched/../../kprobe_events", "SYSTEM/EVENT");
	parse_bad("kprobe:x:foo a=%di>b", "unexpected text");
	parse_bad("kprobe:x:foo a>b=%di", "expected FIELD=FETCHARG");
	parse_bad("uprobe:x:/bin/true:main%return", "FUNCTION");
	parse_bad("uprobe:x:/bin/true:0x10(0x20)", "hex offset");
	parse_bad("kprobe:x:foo%return", "FUNCTION");
	parse_bad("kprobe:x:foo a=\\\"str\"", "string immediates");
	/* huge values */
	parse_bad("uprobe:x:/bin/true:0x99999999999999999999", "too large");
	parse_bad("uprobe:x:/bin/true:main+99999999999999999999", "offset after +");
	parse_bad("uprobe:x:/bin/true:main+0x100000000", "offset after +");
	parse_bad("kprobe:x:foo+99999999999999999999", "offset after +");
	parse_bad("kprobe:x:0x1ffffffffffffffff", "too large");
	parse_bad("kprobe:x:foo a=+99999999999999999999(%di):u32", "too large");
	parse_bad("kprobe:x:foo a=+0x8000000000000000(%di):u32", "too large");
	parse_bad("kprobe:x:foo a=$stack99999999", "too large");
	parse_bad("kprobe:x:foo a=$arg99999", "too large");
	parse_bad("kprobe:x:foo a=%di:u8[65]", "array");
	parse_bad("kprobe:x:foo a=%di:u8[0]", "array");
	parse_bad("kretprobe:x:foo maxactive=4097", "maxactive");
	parse_bad("kretprobe:x:foo maxactive=0", "maxactive");
	parse_bad("kretprobe:x:foo maxactive=99999999999999999999999", "maxactive");
	parse_bad("kprobe:x123456789x123456789x123456789x123456789x123456789x123456789x123456789:foo",
		  "longer than 63");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "kprobe:x:foo ", 13);
	parse_bad(big, "longer than");
	memcpy(big, "kprobe:x:foo a=", 15);
	big[1500] = 0;
	parse_bad(big, "fetch argument");
	/* not printable ASCII */
	parse_bad("uprobe:x:/bin/tr\xffue:main", "not printable ASCII");
	parse_bad("uprobe:x:/bin/true:ma\xc3\xa9n", "not printable ASCII");
	parse_bad("kprobe:x:foo a=%di name\xe2\x80\xa8=%si", "not printable ASCII");
	parse_bad("kprobe:x:foo\x01", "control character");
	parse_bad("kprobe:x:foo a=%di\x1b[2J", "control character");
	parse_bad("kprobe:x:foo\x7f", "control character");
	parse_bad("", "KIND:NAME:TARGET");
	parse_bad("   ", "KIND:NAME:TARGET");
}
END_TEST

START_TEST(test_spec_bad)
{
	parse_bad("bogus:x:y", "unknown kind");
	parse_bad("uprobe:x", "KIND:NAME:TARGET");
	parse_bad("uprobe::/bin/true:main", "probe name");
	parse_bad("uprobe:9x:/bin/true:main", "probe name");
	parse_bad("uprobe:x:/bin/true", "BINARY:FUNCTION");
	parse_bad("uprobe:x::main", "BINARY:FUNCTION");
	parse_bad("uprobe:x:/bin/true:", "BINARY:FUNCTION");
	parse_bad("uprobe:x:/bin/true:main@", "FUNCTION[@VERSION]");
	parse_bad("uprobe:x:/bin/true:@GLIBC", "FUNCTION[@VERSION]");
	parse_bad("uprobe:x:/bin/true:main@@@V", "FUNCTION[@VERSION]");
	parse_bad("uprobe:x:/bin/true:9main", "FUNCTION[@VERSION]");
	parse_bad("uprobe:x:/bin/true:main+", "offset after +");
	parse_bad("uprobe:x:/bin/true:main+010", "offset after +");
	parse_bad("uprobe:x:/bin/true:0x", "hex offset");
	parse_bad("uretprobe:x:/bin/true:main+4", "entry");
	parse_bad("kretprobe:x:foo+4", "entry");
	parse_bad("kprobe:x:a:b:c", "[MODULE:]FUNCTION");
	parse_bad("kprobe:x:9foo", "[MODULE:]FUNCTION");
	parse_bad("kprobe:x:", "no target after kprobe:x:");
	parse_bad("kprobe:x:foo maxactive=4", "maxactive is for kretprobes");
	parse_bad("tracepoint:x:sched", "SYSTEM/EVENT");
	parse_bad("tracepoint:x:sched/*", "SYSTEM/EVENT");
	parse_bad("tracepoint:x:sched/sched_process_exec a=%di", "fixed");
	/* fields */
	parse_bad("uprobe:x:/bin/true:main junk", "expected FIELD=FETCHARG");
	parse_bad("uprobe:x:/bin/true:main =%di", "expected FIELD=FETCHARG");
	parse_bad("uprobe:x:/bin/true:main 1a=%di", "FIELD");
	parse_bad("uprobe:x:/bin/true:main a=%di a=%si", "given twice");
	parse_bad("uprobe:x:/bin/true:main common_pid=%di", "reserved");
	parse_bad("uprobe:x:/bin/true:main __probe_ip=%di", "reserved");
	parse_bad("uprobe:x:/bin/true:main a=", "fetch argument");
	parse_bad("uprobe:x:/bin/true:main a=$arg1", "$argN does not work on uprobes");
	parse_bad("uprobe:x:/bin/true:main a=$retval", "needs a return probe");
	parse_bad("kprobe:x:foo a=$retval", "needs a return probe");
	parse_bad("uprobe:x:/bin/true:main a=%rdi", "without a prefix");
	parse_bad("uprobe:x:/bin/true:main a=%edi", "without a prefix");
	parse_bad("uprobe:x:/bin/true:main a=%zz", "not an x86_64 register");
	parse_bad("uprobe:x:/bin/true:main a=%", "register name");
	parse_bad("uprobe:x:/bin/true:main a=$foo", "not a variable");
	parse_bad("kprobe:x:foo a=$arg0", "counts from 1");
	parse_bad("uprobe:x:/bin/true:main a=+0(%di", ") expected");
	parse_bad("uprobe:x:/bin/true:main a=+0%di", "( expected");
	parse_bad("uprobe:x:/bin/true:main a=+(%di)", "a number expected");
	parse_bad("uprobe:x:/bin/true:main a=+010(%di)", "octal");
	parse_bad("uprobe:x:/bin/true:main a=%di:u12", "8, 16, 32 or 64");
	parse_bad("uprobe:x:/bin/true:main a=%di:int", "not a type");
	parse_bad("uprobe:x:/bin/true:main a=%di:u32:u32", "unexpected text");
	parse_bad("uprobe:x:/bin/true:main a=%di:symbol", "for kprobes");
	parse_bad("uprobe:x:/bin/true:main a=%di:%pd", "for kprobes");
	parse_bad("uprobe:x:/bin/true:main a=@jiffies", "not a symbol");
	parse_bad("kprobe:x:foo a=@+4", "for uprobes");
	parse_bad("uprobe:x:/bin/true:main a=%di:b9@0/8", "bitfield");
	parse_bad("uprobe:x:/bin/true:main a=%di:b0@0/8", "bitfield");
	parse_bad("uprobe:x:/bin/true:main a=%di:b4@2", "bitfield");
	parse_bad("uprobe:x:/bin/true:main a=%di:b4@2/24", "bitfield");
	parse_bad("uprobe:x:/bin/true:main a=+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(%di))))))))))",
		  "nested too deep");
	parse_bad("uprobe:x:/bin/true:main a=\\", "a number expected");
	/* hints */
	parse_bad("uprobe:x:/bin/true:main render.a=ipv4", "no field a is fetched");
	parse_bad("uprobe:x:/bin/true:main a=%di render.a=ipv4 render.a=hex", "twice");
	parse_bad("uprobe:x:/bin/true:main a=%di render.=hex", "render.FIELD=HINT");
	parse_bad("uprobe:x:/bin/true:main a=%di render.a=", "HINT is one of");
	parse_bad("uprobe:x:/bin/true:main a=%di render.a=ip-v4", "HINT is one of");
}
END_TEST

START_TEST(test_fetcharg)
{
	static const struct {
		enum probe_kind kind;
		const char *fetch;
		int ok;
	} cases[] = {
		{ PROBE_KPROBE, "%di", 1 },
		{ PROBE_KPROBE, "%orig_ax:x64", 1 },
		{ PROBE_KPROBE, "%flags", 1 },
		{ PROBE_KPROBE, "$arg1:s32", 1 },
		{ PROBE_KPROBE, "$arg128", 1 },
		{ PROBE_KPROBE, "$arg129", 0 },
		{ PROBE_KPROBE, "$comm", 1 },
		{ PROBE_KPROBE, "$COMM", 1 },
		{ PROBE_KPROBE, "$comm:string", 1 },
		{ PROBE_KPROBE, "$stack", 1 },
		{ PROBE_KPROBE, "$stack0", 1 },
		{ PROBE_KPROBE, "$retval", 0 },
		{ PROBE_KRETPROBE, "$retval", 1 },
		{ PROBE_KRETPROBE, "+0($retval):u32", 1 },
		{ PROBE_KRETPROBE, "$retvalue", 0 },
		{ PROBE_URETPROBE, "$retval:s32", 1 },
		{ PROBE_UPROBE, "$retval", 0 },
		{ PROBE_UPROBE, "$arg1", 0 },
		{ PROBE_UPROBE, "+0(%si):string", 1 },
		{ PROBE_UPROBE, "+0(%si):ustring", 1 },
		{ PROBE_UPROBE, "-8(%sp):x64", 1 },
		{ PROBE_UPROBE, "@+0x1000:u32", 1 },
		{ PROBE_UPROBE, "@0x601040:s16", 1 },
		{ PROBE_UPROBE, "@sym", 0 },
		{ PROBE_KPROBE, "@jiffies", 1 },
		{ PROBE_KPROBE, "@jiffies+8:u64", 1 },
		{ PROBE_KPROBE, "@jiffies-8", 1 },
		{ PROBE_KPROBE, "@0xffffffff81000000:u64", 1 },
		{ PROBE_KPROBE, "+u8(%si):ustring", 1 },
		{ PROBE_KPROBE, "+0(+8(%di)):u8[16]", 1 },
		{ PROBE_KPROBE, "%di:%pd", 1 },
		{ PROBE_KPROBE, "%di:%pD", 1 },
		{ PROBE_KPROBE, "%di:char", 1 },
		{ PROBE_KPROBE, "%di:char[8]", 1 },
		{ PROBE_KPROBE, "%di:string[2]", 1 },
		{ PROBE_KPROBE, "%di:b1@63/64", 1 },
		{ PROBE_KPROBE, "%di:b1@64/64", 0 },
		{ PROBE_KPROBE, "\\0x10", 1 },
		{ PROBE_KPROBE, "\\+5", 1 },
		{ PROBE_KPROBE, "\\x", 0 },
		{ PROBE_KPROBE, "0x10", 0 },
		{ PROBE_KPROBE, "%DI", 0 },
		{ PROBE_KPROBE, "%di:U32", 0 },
		{ PROBE_KPROBE, "%di:u32 ", 0 },
		{ PROBE_KPROBE, "%di:stringx", 0 },
		{ PROBE_TRACEPOINT, "%di", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = probe_fetcharg_check(cases[i].kind, cases[i].fetch, err, sizeof(err));

		ck_assert_msg((ret == 0) == cases[i].ok, "%s \"%s\": %s (%s)",
			      probe_kind_name(cases[i].kind), cases[i].fetch,
			      ret ? "refused" : "accepted", ret ? err : "");
		if (ret)
			ck_assert_int_eq(ret, -EINVAL);
	}
}
END_TEST

START_TEST(test_command)
{
	struct probe_spec *s = parse_ok("kprobe:x:foo a=%di");
	char small[8], toks[200];
	int i;

	/* a group must be a name */
	ck_assert_int_eq(probe_spec_command(s, "a/b", small, sizeof(small), err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(probe_spec_command(s, "-", small, sizeof(small), err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(probe_spec_command(s, "", small, sizeof(small), err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(probe_spec_command(s, "g\n-:x", small, sizeof(small), err, sizeof(err)), -EINVAL);
	/* too small a buffer */
	ck_assert_int_eq(probe_spec_command(s, "g", small, sizeof(small), err, sizeof(err)), -E2BIG);
	probe_spec_free(s);

	/* a uprobe needs its offset */
	s = parse_ok("uprobe:x:/bin/true:main");
	ck_assert_int_eq(probe_spec_command(s, "g", err, sizeof(err), err, sizeof(err)), -EINVAL);
	probe_spec_free(s);

	/* many long fields: more than a tracefs line takes */
	s = parse_ok("kprobe:x:foo");
	for (i = 0; i < 120; i++) {
		snprintf(toks, sizeof(toks), "f%d=+1000000(+1000000(+1000000(%%di))):string", i);
		ck_assert_int_eq(probe_spec_add_token(s, toks, err, sizeof(err)), 0);
	}
	{
		char cmd[PROBE_CMD_MAX];

		ck_assert_int_eq(probe_spec_command(s, "g", cmd, sizeof(cmd), err, sizeof(err)), -E2BIG);
		ck_assert_msg(strstr(err, "characters"), "%s", err);
	}
	probe_spec_free(s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ELF                                                                 */

static char elf_dir[PATH_MAX];
static char tmp_dir[64];

static void elf_setup(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ck_assert_int_gt(n, 0);
	exe[n] = 0;
	snprintf(elf_dir, sizeof(elf_dir), "%s/elf", dirname(exe));
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/check_probes.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

static void elf_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *fixture(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", elf_dir, name);
	ck_assert_msg(access(path, R_OK) == 0, "%s is missing (make builds it)", path);
	return path;
}

/* what "target --offsets" prints for name */
static uint64_t runtime_offset(const char *target, const char *name)
{
	char cmd[PATH_MAX + 64], line[256], key[128];
	unsigned long long off, found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s --offsets", fixture(target));
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%127s %llx", key, &off) == 2 && !strcmp(key, name))
			found = off;
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(found, "%s --offsets did not say where %s is", target, name);
	return found;
}

static uint64_t resolve_ok(const char *path, const char *symbol, uint64_t offset)
{
	uint64_t off = 0;
	int ret = probe_uprobe_resolve(path, symbol, offset, &off, err, sizeof(err));

	ck_assert_msg(ret == 0, "%s:%s: %s", path, symbol ? symbol : "(offset)", err);
	return off;
}

static void resolve_bad(const char *path, const char *symbol, uint64_t offset, int want,
			const char *needle)
{
	uint64_t off = 0x5a5a;
	int ret;

	err[0] = 0;
	ret = probe_uprobe_resolve(path, symbol, offset, &off, err, sizeof(err));
	ck_assert_msg(ret == want, "%s:%s: %d, not %d (%s)", path, symbol ? symbol : "-", ret,
		      want, err);
	ck_assert_uint_eq(off, 0x5a5a);
	ck_assert_msg(strstr(err, needle), "%s:%s: message \"%s\" lacks \"%s\"", path,
		      symbol ? symbol : "-", err, needle);
}

START_TEST(test_elf_executables)
{
	static const char *const targets[] = { "target_pie", "target_nopie", "target_stripped" };
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *t = targets[i];
		uint64_t want = runtime_offset(t, "tl_func");

		ck_assert_uint_eq(resolve_ok(fixture(t), "tl_func", 0), want);
		ck_assert_uint_eq(resolve_ok(fixture(t), "tl_func", 4), want + 4);
		/* the same place given as a file offset */
		ck_assert_uint_eq(resolve_ok(fixture(t), NULL, want), want);
	}
	/* symbols only .symtab has */
	resolve_ok(fixture("target_nopie"), "tl_ifunc_impl", 0);
	resolve_bad(fixture("target_stripped"), "tl_ifunc_impl", 0, -ENOENT, "no function");
	/* two local functions of one name */
	resolve_bad(fixture("target_nopie"), "tl_dup", 0, -EINVAL, "ambiguous");
	/* not functions */
	resolve_bad(fixture("target_pie"), "tl_data_object", 0, -EINVAL, "data object");
	resolve_bad(fixture("target_pie"), "tl_ifunc", 0, -EINVAL, "IFUNC");
	resolve_bad(fixture("target_pie"), "tl_func", 100000, -EINVAL, "past the end");
	/* a file offset outside the code: the ELF header */
	resolve_bad(fixture("target_pie"), NULL, 0, -EINVAL, "not in executable code");
	resolve_bad(fixture("target_pie"), NULL, UINT64_MAX, -EINVAL, "not in executable code");
	/* missing, with close names */
	resolve_bad(fixture("target_pie"), "tl_fnuc", 0, -ENOENT, "close names: tl_func");
	resolve_bad(fixture("target_stripped"), "tl_funk", 0, -ENOENT, "tl_func");
	resolve_bad(fixture("target_pie"), "zzzzzzzzzzzzzzzzzzzzzzzzzz", 0, -ENOENT, "no function");
	/* an executable's undefined reference is not a definition */
	resolve_bad(fixture("target_nopie"), "tl_lib", 0, -ENOENT, "no function");
}
END_TEST

START_TEST(test_elf_shared_library)
{
	char lib[PATH_MAX + 64];
	uint64_t lib_off = runtime_offset("target_pie", "tl_lib");
	uint64_t v2 = runtime_offset("target_pie", "tl_ver");
	uint64_t v1 = runtime_offset("target_pie", "tl_ver@VERS_1");

	snprintf(lib, sizeof(lib), "%s", fixture("libtarget.so"));
	ck_assert_uint_ne(v1, v2);
	ck_assert_uint_eq(resolve_ok(lib, "tl_lib", 0), lib_off);
	ck_assert_uint_eq(resolve_ok(lib, "tl_lib@VERS_1", 0), lib_off);
	/* a plain name is the default version */
	ck_assert_uint_eq(resolve_ok(lib, "tl_ver", 0), v2);
	ck_assert_uint_eq(resolve_ok(lib, "tl_ver@@VERS_2", 0), v2);
	ck_assert_uint_eq(resolve_ok(lib, "tl_ver@VERS_2", 0), v2);
	ck_assert_uint_eq(resolve_ok(lib, "tl_ver@VERS_1", 0), v1);
	resolve_bad(lib, "tl_ver@@VERS_1", 0, -ENOENT, "no function");
	resolve_bad(lib, "tl_ver@VERS_3", 0, -ENOENT, "no function");
	/* local in the version script: in .symtab only */
	resolve_ok(lib, "tl_ver_old", 0);
}
END_TEST

START_TEST(test_elf_libc)
{
	const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";
	uint64_t a, b;

	if (access(libc, R_OK)) {
		printf("SKIP: libc tests: %s is not here\n", libc);
		return;
	}
	a = resolve_ok(libc, "malloc", 0);
	b = resolve_ok(libc, "malloc@GLIBC_2.2.5", 0);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_eq(a, b);
	ck_assert_uint_eq(resolve_ok(libc, "getpid", 0), resolve_ok(libc, "getpid@@GLIBC_2.2.5", 0));
	resolve_bad(libc, "malloc@GLIBC_9.9", 0, -ENOENT, "no function");
	resolve_bad(libc, "mallocc", 0, -ENOENT, "malloc");
	/* an IFUNC: the resolver, not the code that runs */
	resolve_bad(libc, "strlen", 0, -EINVAL, "IFUNC");
}
END_TEST

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static char *read_all(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

START_TEST(test_elf_not_elf)
{
	char path[128];
	uint64_t off;

	snprintf(path, sizeof(path), "%s/text", tmp_dir);
	write_file(path, "#!/bin/sh\necho hello\n", 21);
	resolve_bad(path, "main", 0, -ENOEXEC, "not an ELF file");
	resolve_bad(path, NULL, 0, -ENOEXEC, "not an ELF file");
	snprintf(path, sizeof(path), "%s/empty", tmp_dir);
	write_file(path, "", 0);
	resolve_bad(path, "main", 0, -ENOEXEC, "not an ELF file");
	snprintf(path, sizeof(path), "%s/ar", tmp_dir);
	write_file(path, "!<arch>\n", 8);
	resolve_bad(path, "main", 0, -ENOEXEC, "not an ELF file");
	resolve_bad(tmp_dir, "main", 0, -EINVAL, "not a regular file");
	resolve_bad("/nonexistent/bin", "main", 0, -ENOENT, "No such file");
	ck_assert_int_lt(probe_uprobe_resolve("/dev/null", "main", 0, &off, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_elf_corrupt)
{
	static const size_t cuts[] = { 4, 16, 52, 63, 64, 65, 120, 200, 500, 1000, 4096, 8192 };
	char path[128];
	size_t len, i, k;
	char *elf = read_all(fixture("target_pie"), &len), *copy;
	unsigned seed = 12345;
	uint64_t off;
	int ret;

	snprintf(path, sizeof(path), "%s/corrupt", tmp_dir);
	/* truncated: refused, never a crash */
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]) && cuts[i] < len; i++) {
		write_file(path, elf, cuts[i]);
		err[0] = 0;
		ret = probe_uprobe_resolve(path, "tl_func", 0, &off, err, sizeof(err));
		ck_assert_msg(ret < 0, "cut at %zu: accepted", cuts[i]);
		ck_assert_msg(err[0], "cut at %zu: no message", cuts[i]);
	}
	write_file(path, elf, 63);
	resolve_bad(path, "tl_func", 0, -ENOEXEC, "ELF");
	write_file(path, elf, len / 2);
	ck_assert_int_lt(probe_uprobe_resolve(path, "tl_func", 0, &off, err, sizeof(err)), 0);
	/* section headers pointing outside the file */
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, elf, len);
	memset(copy + 0x28, 0x7f, 8);	/* e_shoff */
	write_file(path, copy, len);
	ck_assert_int_lt(probe_uprobe_resolve(path, "tl_func", 0, &off, err, sizeof(err)), 0);
	/* program headers pointing outside the file */
	memcpy(copy, elf, len);
	memset(copy + 0x20, 0x7f, 8);	/* e_phoff */
	write_file(path, copy, len);
	resolve_bad(path, "tl_func", 0, -ENOEXEC, "corrupt");
	/* random damage in the headers and tables: any answer but a crash */
	for (k = 0; k < 300; k++) {
		memcpy(copy, elf, len);
		for (i = 0; i < 8; i++) {
			size_t at;

			seed = seed * 1103515245 + 12345;
			at = k < 150 ? (seed >> 8) % 256 : len - 1 - (seed >> 8) % (len < 4096 ? len : 4096);
			copy[at] = (char)(seed >> 24);
		}
		write_file(path, copy, len);
		err[0] = 0;
		ret = probe_uprobe_resolve(path, "tl_func", 0, &off, err, sizeof(err));
		ck_assert_msg(ret == 0 || err[0], "damage %zu: an error without a message", k);
	}
	free(copy);
	free(elf);
}
END_TEST

/*
 * A file offset past the end of the file: the program headers of a
 * truncated (or lying) ELF file still cover it, and the kernel would refuse
 * it only when the probe is made.  Refused here, with the file's size.
 */
START_TEST(test_elf_offset_past_eof)
{
	const char *srcdir = getenv("TRACELOGD_SRCDIR");
	char path[128], repro[PATH_MAX];
	size_t len, rlen, i;
	char *elf = read_all(fixture("target_pie"), &len), *data;
	uint64_t want = runtime_offset("target_pie", "tl_func"), off;
	Elf64_Ehdr eh;
	int patched = 0;

	snprintf(path, sizeof(path), "%s/truncated", tmp_dir);
	/* cut just before tl_func: the headers are whole, the code is not */
	ck_assert_uint_lt(want, len);
	write_file(path, elf, (size_t)want);
	resolve_bad(path, NULL, want, -ENOEXEC, "past the end of the");
	resolve_bad(path, NULL, want + 16, -ENOEXEC, "truncated or corrupt ELF");
	/* the last byte before the cut is still fine */
	write_file(path, elf, (size_t)want + 1);
	ck_assert_uint_eq(resolve_ok(path, NULL, want), want);

	/* by symbol: the executable segment's p_offset moved past the end */
	memcpy(&eh, elf, sizeof(eh));
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, elf + eh.e_phoff + i * eh.e_phentsize, sizeof(ph));
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		ph.p_offset += (uint64_t)len;
		memcpy(elf + eh.e_phoff + i * eh.e_phentsize, &ph, sizeof(ph));
		patched++;
	}
	ck_assert_int_gt(patched, 0);
	write_file(path, elf, len);
	resolve_bad(path, "tl_func", 0, -ENOEXEC, "past the end of the");
	resolve_bad(path, "tl_func", 4, -ENOEXEC, "tl_func+4 is at file offset");
	free(elf);

	/* the fuzzer's find: byte 0 the symbol (0: a file offset), 1-8 the offset */
	snprintf(repro, sizeof(repro), "%s/tests/fuzz/corpus/fuzz_elf/repro_offset_past_eof",
		 srcdir && *srcdir ? srcdir : ".");
	data = read_all(repro, &rlen);
	ck_assert_uint_gt(rlen, 9);
	ck_assert_int_eq(data[0], 0);
	memcpy(&off, data + 1, 8);
	write_file(path, data + 9, rlen - 9);
	ck_assert_uint_ge(off, rlen - 9);
	resolve_bad(path, NULL, off, -ENOEXEC, "past the end of the");
	printf("elf past eof: offset 0x%" PRIx64 " in a %zu-byte file refused: %s\n", off,
	       rlen - 9, err);
	free(data);
}
END_TEST

START_TEST(test_spec_resolve)
{
	struct probe_spec *s;
	char text[PATH_MAX + 128], cmd[PROBE_CMD_MAX], want[PATH_MAX + 128], real[PATH_MAX];
	uint64_t off = runtime_offset("target_pie", "tl_func");

	/* a path with .. is made canonical before it reaches tracefs */
	snprintf(text, sizeof(text), "uprobe:f:%s/../elf/target_pie:tl_func a=%%di:s32", elf_dir);
	s = parse_ok(text);
	ck_assert_int_eq(probe_spec_resolve(s, err, sizeof(err)), 0);
	ck_assert(s->resolved);
	ck_assert_uint_eq(s->file_offset, off);
	ck_assert_ptr_nonnull(realpath(fixture("target_pie"), real));
	ck_assert_str_eq(s->path, real);
	ck_assert_int_gt(probe_spec_command(s, "tracelogd", cmd, sizeof(cmd), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "p:tracelogd/f %s:0x%" PRIx64 " a=%%di:s32", real, off);
	ck_assert_str_eq(cmd, want);
	/* resolving twice is harmless */
	ck_assert_int_eq(probe_spec_resolve(s, err, sizeof(err)), 0);
	probe_spec_free(s);

	snprintf(text, sizeof(text), "uprobe:f:%s/target_pie:nosuch", elf_dir);
	s = parse_ok(text);
	ck_assert_int_eq(probe_spec_resolve(s, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "uprobe:f: ") == err, "%s", err);
	probe_spec_free(s);

	s = parse_ok("uprobe:f:/nonexistent/x:main");
	ck_assert_int_eq(probe_spec_resolve(s, err, sizeof(err)), -ENOENT);
	probe_spec_free(s);

	/* other kinds have nothing to resolve */
	s = parse_ok("kprobe:k:do_sys_openat2");
	ck_assert_int_eq(probe_spec_resolve(s, err, sizeof(err)), 0);
	probe_spec_free(s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* error_log, kallsyms, close names                                    */

static const char error_log[] =
	"[ 1827.033862] trace_uprobe: error: Invalid register name\n"
	"  Command: p:exptest/rl /usr/bin/bash:0x1 x=%zz\n"
	"                                            ^\n"
	"[ 1833.318975] trace_uprobe: error: $arg* can be used only on function entry or exit\n"
	"  Command: p:exptest/rl /usr/bin/bash:0xc6c20 x=$arg1\n"
	"                                                ^\n"
	"[ 1840.000001] trace_kprobe: error: Failed to register probe event\n"
	"  Command: p:tracelogd/open nosuchfn\n"
	"                            ^\n";

START_TEST(test_error_log)
{
	char out[512];

	ck_assert_int_eq(probe_error_log_explain(error_log, "p:exptest/rl /usr/bin/bash:0x1 x=%zz",
						 out, sizeof(out)), 0);
	ck_assert_str_eq(out, "trace_uprobe: error: Invalid register name (at \"x=%zz\")");
	ck_assert_int_eq(probe_error_log_explain(error_log, "p:exptest/rl /usr/bin/bash:0xc6c20 x=$arg1",
						 out, sizeof(out)), 0);
	ck_assert_str_eq(out, "trace_uprobe: error: $arg* can be used only on function entry or exit (at \"x=$arg1\")");
	ck_assert_int_eq(probe_error_log_explain(error_log, "p:tracelogd/open nosuchfn", out,
						 sizeof(out)), 0);
	ck_assert_str_eq(out, "trace_kprobe: error: Failed to register probe event (at \"nosuchfn\")");
	/* the last entry */
	ck_assert_int_eq(probe_error_log_explain(error_log, NULL, out, sizeof(out)), 0);
	ck_assert(strstr(out, "Failed to register"));
	/* someone else's command: not ours to quote */
	ck_assert_int_eq(probe_error_log_explain(error_log, "p:tracelogd/other x", out, sizeof(out)), -ENOENT);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(probe_error_log_explain("", NULL, out, sizeof(out)), -ENOENT);
	/* a filter error from an instance's error_log */
	ck_assert_int_eq(probe_error_log_explain(
		"[ 1841.261588] event filter parse error: error: Field not found\n"
		"  Command: no_such_field == 1\n"
		"                         ^\n", NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "event filter parse error: error: Field not found (at \"==\")");
	/* damaged text: no crash, no match */
	ck_assert_int_eq(probe_error_log_explain("[ 1.0] x\n  Command: ", NULL, out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(probe_error_log_explain("[ 1.0] x\n  Command: abc\n", NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "x");
	ck_assert_int_eq(probe_error_log_explain("[ 1.0] x\n  Command: abc\n                        ^",
						 NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "x");
}
END_TEST

START_TEST(test_kallsyms)
{
	static const char ks[] =
		"ffffffff81000000 T _stext\n"
		"ffffffff81234560 T do_sys_openat2\n"
		"ffffffff81234999 t do_sys_open\n"
		"ffffffff81300000 D jiffies\n"
		"ffffffffc0001000 t ext4_file_open\t[ext4]\n";
	char out[512];

	ck_assert_int_eq(probe_kprobe_explain("do_sys_openat2", ks, out, sizeof(out)), 0);
	ck_assert_int_eq(probe_kprobe_explain("ext4:ext4_file_open", ks, out, sizeof(out)), 0);
	ck_assert_int_eq(probe_kprobe_explain("0xffffffff81000000", ks, out, sizeof(out)), 0);
	ck_assert_int_eq(probe_kprobe_explain("do_sys_openat3", ks, out, sizeof(out)), -ENOENT);
	ck_assert_msg(strstr(out, "close names: do_sys_open, do_sys_openat2"), "%s", out);
	ck_assert_int_eq(probe_kprobe_explain("jiffies", ks, out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(probe_kprobe_explain("xfs:ext4_file_open", ks, out, sizeof(out)), -ENOENT);
}
END_TEST

START_TEST(test_close_names)
{
	struct probe_close c;
	char out[256];

	probe_close_init(&c, "readlin");
	probe_close_add(&c, "readline");
	probe_close_add(&c, "rl_readline_state");
	probe_close_add(&c, "xmalloc");
	probe_close_add(&c, "readline");
	probe_close_add(&c, "");
	probe_close_format(&c, out, sizeof(out));
	ck_assert_str_eq(out, "readline, rl_readline_state");
	probe_close_init(&c, "x");
	probe_close_format(&c, out, sizeof(out));
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(probe_edit_distance("kitten", "sitting"), 3);
	ck_assert(probe_ident_valid("_a1", 3, 63));
	ck_assert(!probe_ident_valid("1a", 2, 63));
	ck_assert(!probe_ident_valid("a.b", 3, 63));
}
END_TEST

/* a crafted ELF's symbol names never reach a message (found by fuzz_elf) */
START_TEST(test_close_names_plain)
{
	struct probe_close c;
	char buf[256];

	probe_close_init(&c, "tl_li");
	probe_close_add(&c, "tl\nlib");
	probe_close_add(&c, "tl\x1b[2Jlib");
	probe_close_add(&c, "tl_l\xc3\xa9");
	probe_close_add(&c, "tl_lib");
	probe_close_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "tl_lib");
}
END_TEST

static Suite *probes_suite(void)
{
	Suite *s = suite_create("probes");
	TCase *tc;

	tc = tcase_create("spec");
	tcase_add_test(tc, test_spec_good);
	tcase_add_test(tc, test_spec_fields);
	tcase_add_test(tc, test_spec_builder);
	tcase_add_test(tc, test_command);
	suite_add_tcase(s, tc);

	tc = tcase_create("spec refused");
	tcase_add_test(tc, test_spec_injection);
	tcase_add_test(tc, test_spec_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("fetch args");
	tcase_add_test(tc, test_fetcharg);
	suite_add_tcase(s, tc);

	tc = tcase_create("elf");
	tcase_add_checked_fixture(tc, elf_setup, elf_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_elf_executables);
	tcase_add_test(tc, test_elf_shared_library);
	tcase_add_test(tc, test_elf_libc);
	tcase_add_test(tc, test_elf_not_elf);
	tcase_add_test(tc, test_elf_corrupt);
	tcase_add_test(tc, test_elf_offset_past_eof);
	tcase_add_test(tc, test_spec_resolve);
	suite_add_tcase(s, tc);

	tc = tcase_create("close names");
	tcase_add_test(tc, test_close_names_plain);
	suite_add_tcase(s, tc);
	tc = tcase_create("kernel words");
	tcase_add_test(tc, test_error_log);
	tcase_add_test(tc, test_kallsyms);
	tcase_add_test(tc, test_close_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(probes_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
