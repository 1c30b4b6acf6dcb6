// SPDX-License-Identifier: MIT
/*
 * errors.c - the list of a file's errors, each "FILE:LINE: message",
 * handed to the caller to print: the library prints nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

struct conf_errors *conf_errors_new(const char *file)
{
	struct conf_errors *errs = calloc(1, sizeof(*errs));

	if (!errs)
		return NULL;
	errs->file = strdup(file ? file : "(config)");
	if (!errs->file) {
		free(errs);
		errno = ENOMEM;
		return NULL;
	}
	return errs;
}

void conf_errors_free(struct conf_errors *errs)
{
	size_t i;

	if (!errs)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->v[i].text);
	free(errs->v);
	free(errs->file);
	free(errs);
}

void conf_error_add(struct conf_errors *errs, unsigned line, const char *fmt, ...)
{
	struct conf_error *e;
	char *msg = NULL, *text = NULL;
	va_list ap;
	int n, pre;	/* lengths of the message and of the text */

	if (errs->n >= CONF_ERRORS_MAX) {
		errs->dropped++;
		return;
	}
	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? errs->cap * 2 : 16;

		e = realloc(errs->v, cap * sizeof(*e));
		if (!e) {
			errs->nomem = true;
			return;
		}
		errs->v = e;
		errs->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errs->nomem = true;
		return;
	}
	if (line)
		pre = asprintf(&text, "%s:%u: %s", errs->file, line, msg);
	else
		pre = asprintf(&text, "%s: %s", errs->file, msg);
	free(msg);
	if (pre < 0) {
		errs->nomem = true;
		return;
	}
	e = &errs->v[errs->n];
	e->line = line;
	e->seq = errs->n;
	e->text = text;
	e->msg = text + (pre - n);
	errs->n++;
}

static int cmp_error(const void *a, const void *b)
{
	const struct conf_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void conf_errors_sort(struct conf_errors *errs)
{
	if (errs->n > 1)
		qsort(errs->v, errs->n, sizeof(errs->v[0]), cmp_error);
}

size_t conf_errors_count(const struct conf_errors *errs)
{
	return errs ? errs->n : 0;
}

size_t conf_errors_dropped(const struct conf_errors *errs)
{
	return errs ? errs->dropped : 0;
}

const char *conf_errors_text(const struct conf_errors *errs, size_t i)
{
	return errs && i < errs->n ? errs->v[i].text : NULL;
}

unsigned conf_errors_line(const struct conf_errors *errs, size_t i)
{
	return errs && i < errs->n ? errs->v[i].line : 0;
}

const char *conf_errors_message(const struct conf_errors *errs, size_t i)
{
	return errs && i < errs->n ? errs->v[i].msg : NULL;
}
