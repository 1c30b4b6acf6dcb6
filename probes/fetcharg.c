// SPDX-License-Identifier: MIT
/*
 * fetcharg.c - fetch arguments checked against the kernel's syntax
 * (Documentation/trace/kprobetrace.rst, uprobetracer.rst, and the README
 * file of tracefs), before they reach tracefs:
 *
 *   FETCHARG := %REG | $retval | $comm | $stack | $stackN | $argN
 *             | @ADDR | @+FILEOFF (uprobes) | @SYM[+-OFF] (kprobes)
 *             | [+-][u]OFF(FETCHARG) | \IMM
 *   TYPE     := u8..u64 | s8..s64 | x8..x64 | char | string | ustring
 *             | symbol | symstr | %pd | %pD (kprobes) | bW@O/C ; TYPE[N]
 *
 * Numbers are decimal or 0x hex: a leading zero would be octal to the
 * kernel's kstrtol(.., 0), so "010" is refused rather than misread.  The
 * kernel keeps the last word (a $stack index it finds too big, a string
 * type on a register): its refusal is quoted from error_log.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probes-private.h"

#define FETCH_DEPTH_MAX		8
#define FETCH_ARRAY_MAX		64	/* the kernel's MAX_ARRAY_LEN */
#define FETCH_STACK_MAX		65535	/* syntax only: the kernel knows its own limit */

struct fa {
	enum probe_kind kind;
	const char *text;	/* the whole argument, for messages */
	const char *p;
	char *err;
	size_t errlen;
};

static bool is_return(enum probe_kind k)
{
	return k == PROBE_KRETPROBE || k == PROBE_URETPROBE;
}

static bool is_uprobe(enum probe_kind k)
{
	return k == PROBE_UPROBE || k == PROBE_URETPROBE;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int fa_fail(struct fa *a, const char *fmt, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, what);
	probe_seterr(a->err, a->errlen, "fetch argument \"%s\": %s", a->text, msg);
	return -EINVAL;
}

/*
 * A number: decimal without leading zeros, or 0x hex; at most max.
 * Advances a->p.  Returns 0, or -EINVAL with a message.
 */
static int fa_num(struct fa *a, uint64_t max, uint64_t *v)
{
	const char *p = a->p;
	uint64_t n = 0;
	unsigned digit;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		if (!is_xdigit(*p))
			return fa_fail(a, "%s: hex digits expected after 0x", a->p);
		for (; is_xdigit(*p); p++) {
			digit = is_digit(*p) ? (unsigned)(*p - '0') :
				(unsigned)((*p | 0x20) - 'a' + 10);
			if (n > (UINT64_MAX - digit) / 16)
				return fa_fail(a, "%s: number too large", a->p);
			n = n * 16 + digit;
		}
	} else if (is_digit(*p)) {
		if (p[0] == '0' && is_digit(p[1]))
			return fa_fail(a, "%s: a leading 0 means octal to the kernel; write decimal or 0x hex",
				       a->p);
		for (; is_digit(*p); p++) {
			digit = (unsigned)(*p - '0');
			if (n > (UINT64_MAX - digit) / 10)
				return fa_fail(a, "%s: number too large", a->p);
			n = n * 10 + digit;
		}
	} else {
		return fa_fail(a, "%s: a number expected", a->p);
	}
	if (n > max)
		return fa_fail(a, "%s: number too large", a->p);
	a->p = p;
	*v = n;
	return 0;
}

#if defined(__x86_64__)
/* the names of arch/x86/kernel/ptrace.c's regoffset_table */
static const char *const regs[] = {
	"ax", "bx", "cx", "dx", "si", "di", "bp", "sp", "r8", "r9", "r10", "r11",
	"r12", "r13", "r14", "r15", "ip", "flags", "cs", "ss", "ds", "es", "fs",
	"gs", "orig_ax", NULL
};
#endif

static int fa_reg(struct fa *a)
{
	const char *s = ++a->p;
	char name[16];
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || is_digit(s[n]) || s[n] == '_')
		n++;
	if (!n || n >= sizeof(name))
		return fa_fail(a, "%s: a register name expected after %%", s);
	memcpy(name, s, n);
	name[n] = 0;
	a->p = s + n;
#if defined(__x86_64__)
	for (size_t i = 0; regs[i]; i++)
		if (!strcmp(regs[i], name))
			return 0;
	if (name[0] == 'r' || name[0] == 'e') {
		for (size_t i = 0; regs[i]; i++)
			if (!strcmp(regs[i], name + 1))
				return fa_fail(a, "%%%s: the kernel names x86_64 registers without a prefix (%%ax %%bx %%cx %%dx %%si %%di %%bp %%sp %%r8..%%r15 %%ip)",
					       name);
	}
	return fa_fail(a, "%%%s: not an x86_64 register (%%ax %%bx %%cx %%dx %%si %%di %%bp %%sp %%r8..%%r15 %%ip %%flags)",
		       name);
#else
	return 0;
#endif
}

static int fa_var(struct fa *a)
{
	const char *s = a->p + 1;
	uint64_t n;

	if (!strncmp(s, "retval", 6) && !(s[6] >= 'a' && s[6] <= 'z')) {
		if (!is_return(a->kind))
			return fa_fail(a, "%s needs a return probe (kretprobe or uretprobe)", "$retval");
		a->p = s + 6;
		return 0;
	}
	if ((!strncmp(s, "comm", 4) || !strncmp(s, "COMM", 4)) && !(s[4] >= 'a' && s[4] <= 'z')) {
		a->p = s + 4;
		return 0;
	}
	if (!strncmp(s, "stack", 5)) {
		a->p = s + 5;
		if (!is_digit(*a->p))
			return 0;
		return fa_num(a, FETCH_STACK_MAX, &n);
	}
	if (!strncmp(s, "arg", 3)) {
		if (is_uprobe(a->kind))
			return fa_fail(a, "%s does not work on uprobes: fetch arguments from registers (x86_64: %%di %%si %%dx %%cx %%r8 %%r9)",
				       "$argN");
		a->p = s + 3;
		if (!is_digit(*a->p) || *a->p == '0')
			return fa_fail(a, "%s: $argN counts from 1", a->p);
		return fa_num(a, PROBE_ARGS_MAX, &n);
	}
	return fa_fail(a, "$%s: not a variable ($retval $comm $stack $stackN $argN)", s);
}

/* @ADDR, @+FILEOFF (uprobes), @SYM[+-OFF] (kprobes) */
static int fa_mem(struct fa *a)
{
	uint64_t n;

	a->p++;
	if (*a->p == '+') {
		if (!is_uprobe(a->kind))
			return fa_fail(a, "%s: @+OFFSET (a file offset) is for uprobes", a->p - 1);
		a->p++;
		return fa_num(a, INT64_MAX, &n);
	}
	if (is_digit(*a->p))
		return fa_num(a, UINT64_MAX, &n);
	if (is_uprobe(a->kind))
		return fa_fail(a, "%s: uprobes take @ADDRESS or @+FILEOFFSET, not a symbol", a->p - 1);
	if (!((*a->p >= 'a' && *a->p <= 'z') || (*a->p >= 'A' && *a->p <= 'Z') || *a->p == '_'))
		return fa_fail(a, "%s: @ADDRESS or @SYMBOL expected", a->p - 1);
	while ((*a->p >= 'a' && *a->p <= 'z') || (*a->p >= 'A' && *a->p <= 'Z') ||
	       is_digit(*a->p) || *a->p == '_' || *a->p == '.')
		a->p++;
	if (*a->p == '+' || *a->p == '-') {
		a->p++;
		return fa_num(a, INT64_MAX, &n);
	}
	return 0;
}

static int fa_fetch(struct fa *a, unsigned depth)
{
	uint64_t n;
	int ret;

	if (depth > FETCH_DEPTH_MAX)
		return fa_fail(a, "%s", "dereferences nested too deep");
	switch (*a->p) {
	case '%':
		return fa_reg(a);
	case '$':
		return fa_var(a);
	case '@':
		return fa_mem(a);
	case '+':
	case '-':
		a->p++;
		if (*a->p == 'u')
			a->p++;
		ret = fa_num(a, INT64_MAX, &n);
		if (ret < 0)
			return ret;
		if (*a->p != '(')
			return fa_fail(a, "%s: ( expected after the offset of a dereference", a->p);
		a->p++;
		ret = fa_fetch(a, depth + 1);
		if (ret < 0)
			return ret;
		if (*a->p != ')')
			return fa_fail(a, "%s: ) expected", *a->p ? a->p : "end");
		a->p++;
		return 0;
	case '\\':
		a->p++;
		if (*a->p == '"')
			return fa_fail(a, "%s: string immediates are not supported", a->p - 1);
		if (*a->p == '-' || *a->p == '+')
			a->p++;
		return fa_num(a, UINT64_MAX, &n);
	default:
		return fa_fail(a, "%s: expected %%REG, $retval, $comm, $stack, $argN, @ADDR, +OFF(...) or \\IMM",
			       *a->p ? a->p : "end");
	}
}

static int fa_type(struct fa *a)
{
	static const char *const named[] = { "char", "string", "ustring", "symbol", "symstr",
					     "%pd", "%pD", NULL };
	const char *t = a->p;
	uint64_t w, o, c;
	size_t i, len;
	int ret;

	if ((t[0] == 'u' || t[0] == 's' || t[0] == 'x') && is_digit(t[1])) {
		a->p++;
		ret = fa_num(a, 64, &w);
		if (ret < 0)
			return ret;
		if (w != 8 && w != 16 && w != 32 && w != 64)
			return fa_fail(a, "%s: integer types are 8, 16, 32 or 64 bits wide", t);
	} else if (t[0] == 'b' && is_digit(t[1])) {
		a->p++;
		if (fa_num(a, 64, &w) < 0 || *a->p != '@')
			return fa_fail(a, "%s: a bitfield is bWIDTH@OFFSET/CONTAINER (b4@2/32)", t);
		a->p++;
		if (fa_num(a, 63, &o) < 0 || *a->p != '/')
			return fa_fail(a, "%s: a bitfield is bWIDTH@OFFSET/CONTAINER (b4@2/32)", t);
		a->p++;
		if (fa_num(a, 64, &c) < 0)
			return fa_fail(a, "%s: a bitfield is bWIDTH@OFFSET/CONTAINER (b4@2/32)", t);
		if ((c != 8 && c != 16 && c != 32 && c != 64) || !w || w + o > c)
			return fa_fail(a, "%s: a bitfield needs a container of 8, 16, 32 or 64 bits holding WIDTH+OFFSET",
				       t);
	} else {
		for (i = 0; named[i]; i++) {
			len = strlen(named[i]);
			if (!strncmp(t, named[i], len) &&
			    !((t[len] >= 'a' && t[len] <= 'z') || is_digit(t[len])))
				break;
		}
		if (!named[i])
			return fa_fail(a, ":%s: not a type (u8..u64 s8..s64 x8..x64 char string ustring symbol symstr bW@O/C)",
				       t);
		if (is_uprobe(a->kind) && i >= 3)
			return fa_fail(a, ":%s: kernel symbols and file names are for kprobes", named[i]);
		a->p += len;
	}
	if (*a->p == '[') {
		a->p++;
		if (fa_num(a, FETCH_ARRAY_MAX, &w) < 0 || !w || *a->p != ']')
			return fa_fail(a, "%s: an array is TYPE[N] with N from 1 to 64", t);
		a->p++;
	}
	return 0;
}

int probe_fetcharg_check(enum probe_kind kind, const char *fetch, char *err, size_t errlen)
{
	struct fa a = { .kind = kind, .text = fetch, .p = fetch, .err = err, .errlen = errlen };
	int ret;

	if (kind == PROBE_TRACEPOINT) {
		probe_seterr(err, errlen, "fetch argument \"%s\": a tracepoint's fields are fixed", fetch);
		return -EINVAL;
	}
	if (strlen(fetch) > 1024)
		return fa_fail(&a, "%s", "too long (1024 characters at most)");
	ret = fa_fetch(&a, 0);
	if (ret < 0)
		return ret;
	if (*a.p == ':') {
		a.p++;
		ret = fa_type(&a);
		if (ret < 0)
			return ret;
	}
	if (*a.p)
		return fa_fail(&a, "%s: unexpected text after the argument", a.p);
	return 0;
}
