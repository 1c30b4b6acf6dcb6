// SPDX-License-Identifier: MIT
/*
 * suggest.c - close names for a typo, and the error message helper of
 * probes/.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probes-private.h"

void probe_seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

size_t probe_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[128], prev, tmp;

	if (la > 127 || lb > 127)
		return 1000;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

void probe_close_init(struct probe_close *c, const char *want)
{
	memset(c, 0, sizeof(*c));
	c->want = want;
}

void probe_close_add(struct probe_close *c, const char *cand)
{
	size_t lw = strlen(c->want), lc = strlen(cand), limit = 2 + lw / 4, d, i, worst;

	if (!lc || lc > 127 || !lw)
		return;
	/*
	 * Names come from files and the kernel: one that is not a plain
	 * symbol (a crafted ELF's "tl\nlib") must not reach a message.
	 */
	for (i = 0; i < lc; i++) {
		char ch = cand[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '@' ||
		      ch == '$'))
			return;
	}
	/* one containing the other ("readlin", "malloc_usable_size") is close */
	if (lw >= 3 && lc >= 3 && (strstr(cand, c->want) || strstr(c->want, cand)))
		d = 1 + (lc > lw ? lc - lw : lw - lc) / 4;
	else if ((lc > lw ? lc - lw : lw - lc) > limit)
		return;	/* the length alone says it is far: skip the O(n*m) */
	else if ((d = probe_edit_distance(c->want, cand)) > limit)
		return;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->best[i].name, cand))
			return;
	if (c->n < PROBE_CLOSE_MAX) {
		i = c->n++;
	} else {
		for (worst = 0, i = 1; i < c->n; i++)
			if (c->best[i].d > c->best[worst].d)
				worst = i;
		if (d >= c->best[worst].d)
			return;
		i = worst;
	}
	c->best[i].d = d;
	snprintf(c->best[i].name, sizeof(c->best[i].name), "%s", cand);
}

void probe_close_format(const struct probe_close *c, char *buf, size_t len)
{
	size_t order[PROBE_CLOSE_MAX], i, k, off = 0;

	if (!len)
		return;
	buf[0] = 0;
	for (i = 0; i < c->n; i++)
		order[i] = i;
	/* closest first; equal distances alphabetically, for stable messages */
	for (i = 0; i < c->n; i++)
		for (k = i + 1; k < c->n; k++) {
			size_t a = order[i], b = order[k];

			if (c->best[b].d < c->best[a].d ||
			    (c->best[b].d == c->best[a].d &&
			     strcmp(c->best[b].name, c->best[a].name) < 0)) {
				order[i] = b;
				order[k] = a;
			}
		}
	for (i = 0; i < c->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					c->best[order[i]].name);
}

bool probe_ident_valid(const char *s, size_t len, size_t max)
{
	size_t i;

	if (!len || len > max)
		return false;
	if (s[0] >= '0' && s[0] <= '9')
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

int probe_text_check(const char *what, const char *s, bool tabs, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r') {
			probe_seterr(err, errlen,
				     "%s: a line break (byte %zu) would start a second tracefs command",
				     what, i + 1);
			return -EINVAL;
		}
		if (ch == '\t' && tabs)
			continue;
		if (ch < 0x20 || ch == 0x7f) {
			probe_seterr(err, errlen, "%s: control character 0x%02x at byte %zu",
				     what, ch, i + 1);
			return -EINVAL;
		}
		if (ch >= 0x80) {
			probe_seterr(err, errlen,
				     "%s: byte 0x%02x at byte %zu is not printable ASCII (what reaches tracefs must be)",
				     what, ch, i + 1);
			return -EINVAL;
		}
		if (ch == ';') {
			probe_seterr(err, errlen, "%s: ';' at byte %zu is not allowed", what, i + 1);
			return -EINVAL;
		}
	}
	return 0;
}
