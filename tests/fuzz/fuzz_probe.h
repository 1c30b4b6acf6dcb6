/* SPDX-License-Identifier: MIT */
/*
 * fuzz_probe.h - what fuzz_probe_spec and fuzz_conf check on a probe spec
 * that was accepted: the tracefs command it makes is one line of one
 * command, creating GROUP/NAME and nothing else, with exactly its fetch
 * arguments as separate words (a value can never write a second command,
 * another probe, or a removal).
 */
#ifndef TRACELOGD_FUZZ_PROBE_H
#define TRACELOGD_FUZZ_PROBE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probes.h"
#include "fuzz.h"

static inline bool fuzz_ident(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) > PROBE_NAME_MAX)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/*
 * fuzz_check_spec - an accepted spec: a valid name, and its tracefs
 * command well formed.  A uprobe is marked resolved (at a made-up file
 * offset) so that its command can be made: nothing here touches a file.
 */
static void fuzz_check_spec(struct probe_spec *s)
{
	char buf[PROBE_CMD_MAX], err[512], want[PROBE_NAME_MAX * 2 + 16];
	const char *p, *sp;
	size_t i, n, words;
	int r;

	FUZZ_CHECK(fuzz_ident(s->name), "name \"%s\"", s->name ? s->name : "(null)");
	for (i = 0; i < s->nr_args; i++)
		FUZZ_CHECK(s->args[i].field && s->args[i].fetch, "arg %zu", i);
	for (i = 0; i < s->nr_hints; i++)
		FUZZ_CHECK(s->hints[i].field && s->hints[i].render, "hint %zu", i);
	if (!probe_spec_is_dynamic(s)) {
		FUZZ_CHECK(s->kind == PROBE_TRACEPOINT, "kind %d", (int)s->kind);
		r = probe_spec_command(s, "tracelogd", buf, sizeof(buf), err, sizeof(err));
		FUZZ_CHECK(r == -EINVAL, "a command for a tracepoint: %d", r);
		return;
	}
	if ((s->kind == PROBE_UPROBE || s->kind == PROBE_URETPROBE) && !s->resolved) {
		s->resolved = true;
		s->file_offset = 0x1040 + s->offset;
	}
	r = probe_spec_command(s, "tracelogd", buf, sizeof(buf), err, sizeof(err));
	if (r == -E2BIG)
		return;
	FUZZ_NOTE(r >= 0, "an accepted spec makes no command (%d): %s", r, err);
	if (r < 0)
		return;
	n = strlen(buf);
	FUZZ_CHECK((size_t)r == n && n <= PROBE_CMD_MAX - 2, "length %d / %zu", r, n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)buf[i] >= 0x20 && (unsigned char)buf[i] < 0x7f,
			   "byte 0x%02x at %zu of the command: %s", (unsigned char)buf[i], i, buf);

	/* "p:tracelogd/NAME ", "r:...", "rN:..." and nothing else first */
	p = buf;
	if (*p == 'r' && p[1] != ':')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	else
		p++;
	snprintf(want, sizeof(want), ":tracelogd/%s ", s->name);
	FUZZ_CHECK((buf[0] == 'p' || buf[0] == 'r') && !strncmp(p, want, strlen(want)),
		   "command head: %s", buf);
	FUZZ_CHECK((buf[0] == 'p') == (s->kind == PROBE_KPROBE || s->kind == PROBE_UPROBE),
		   "p/r for kind %d: %s", (int)s->kind, buf);

	/* the target, then exactly one NAME=FETCH word per argument */
	p += strlen(want);
	FUZZ_CHECK(*p && *p != ' ', "no target: %s", buf);
	for (words = 0, sp = p; sp; words++) {
		const char *w = sp;

		sp = strchr(w, ' ');
		n = sp ? (size_t)(sp - w) : strlen(w);
		FUZZ_CHECK(n > 0, "an empty word: %s", buf);
		if (words > 0 && words <= s->nr_args) {
			const struct probe_arg *a = &s->args[words - 1];
			size_t fl = strlen(a->field);

			FUZZ_CHECK(n == fl + 1 + strlen(a->fetch) && !strncmp(w, a->field, fl) &&
				   w[fl] == '=' && !strncmp(w + fl + 1, a->fetch, n - fl - 1),
				   "word %zu is not %s=%s: %s", words, a->field, a->fetch, buf);
			FUZZ_CHECK(fuzz_ident(a->field), "field \"%s\"", a->field);
		}
		if (sp)
			sp++;
	}
	FUZZ_CHECK(words == 1 + s->nr_args, "%zu words for %zu arguments: %s", words,
		   s->nr_args, buf);
}

#endif
