/* SPDX-License-Identifier: MIT */
/*
 * probes-private.h - what the files of probes/ share, and what the unit
 * tests reach beyond probes.h: close names for typos, the tracefs
 * error_log reader, the checks of values bound for tracefs.
 */
#ifndef TRACELOGD_PROBES_PRIVATE_H
#define TRACELOGD_PROBES_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "probes.h"

void probe_seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* probe_edit_distance - Levenshtein distance; 1000 past 127 characters. */
size_t probe_edit_distance(const char *a, const char *b);

/*
 * Close names for a typo: feed every candidate, keep the best few.
 * probe_close_add() skips candidates too far from want to be useful.
 */
#define PROBE_CLOSE_MAX 4
struct probe_close {
	const char *want;
	size_t n;
	struct {
		size_t d;
		char name[128];
	} best[PROBE_CLOSE_MAX];
};

void probe_close_init(struct probe_close *c, const char *want);
void probe_close_add(struct probe_close *c, const char *cand);
/* "a, b, c", closest first, into buf; empty when none */
void probe_close_format(const struct probe_close *c, char *buf, size_t len);

/*
 * probe_ident_valid - an identifier: [A-Za-z_][A-Za-z0-9_]*, 1 to max
 * characters (probe, group and field names).
 */
bool probe_ident_valid(const char *s, size_t len, size_t max);

/*
 * probe_text_check - every byte of s is printable ASCII (a tab allowed
 * when tabs), and none is ';'.  Returns 0, or -EINVAL with a message
 * saying what byte, where, and why, prefixed with what.
 */
int probe_text_check(const char *what, const char *s, bool tabs, char *err, size_t errlen);

/*
 * probe_error_log_explain - the entry of a tracefs error_log text (log)
 * for the command cmd (the last entry when cmd is NULL): "trace_uprobe:
 * error: Invalid register name (at \"x=%zz\")".  When entries of several
 * commands match, the last one.  Returns 0 with the words in out, or
 * -ENOENT when no entry matches (out empty).
 */
int probe_error_log_explain(const char *log, const char *cmd, char *out, size_t len);

/*
 * probe_kprobe_explain - why function may be missing: looks it up in
 * /proc/kallsyms (kallsyms text given for tests, NULL reads the file).
 * Returns 0 when the symbol exists (out empty), -ENOENT with "no kernel
 * symbol X in /proc/kallsyms; close names: ..." in out, or another -errno.
 */
int probe_kprobe_explain(const char *function, const char *kallsyms, char *out, size_t len);

#endif
