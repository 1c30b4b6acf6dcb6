// SPDX-License-Identifier: MIT
/*
 * fuzz_conf.c - libFuzzer harness for the INI configuration parser
 * (conf_parse_text, conf/): any text, no crash, no leak, and
 *
 *  - refused: -EINVAL with at least one error, each "fuzz.ini:LINE: ..."
 *    or "fuzz.ini: ..." on one line, sorted by line, no line past the end;
 *  - accepted: the values within the ranges conf/tracelogd.ini documents,
 *    every probe findable by its unique name and equal to itself, the same
 *    text parsed twice gives configurations that conf_diff() finds equal,
 *    and each probe's tracefs command is one well-formed command
 *    (fuzz_probe.h).
 *
 * What a value may hold that the security rules of the project refuse
 * (a ".." path component, a control byte in any string or message) is a
 * NOTE: printed once, fatal with FUZZ_STRICT=1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "probes.h"
#include "fuzz.h"
#include "fuzz_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* no control byte but tab: nothing that ends a line or drives a terminal */
static bool printable(const char *s)
{
	for (; s && *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

static bool has_dotdot(const char *p)
{
	const char *q;

	for (q = p; q && (q = strstr(q, "..")); q += 2)
		if ((q == p || q[-1] == '/') && (q[2] == '\0' || q[2] == '/'))
			return true;
	return false;
}

static void check_path(const char *what, const char *p, bool dash)
{
	if (!p)
		return;
	FUZZ_CHECK(p[0] == '/' || (dash && !strcmp(p, "-")), "%s \"%s\" not absolute", what, p);
	FUZZ_NOTE(!has_dotdot(p), "%s \"%s\" has a .. component", what, p);
	FUZZ_NOTE(printable(p), "%s has a control byte", what);
}

static void check_handlers(const struct conf_handler *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		FUZZ_CHECK(h[i].kind <= CONF_HANDLER_PLUGIN, "handler kind %d", (int)h[i].kind);
		if (h[i].kind == CONF_HANDLER_PLUGIN) {
			FUZZ_CHECK(h[i].path && h[i].function, "plugin without path or function");
			check_path("plugin", h[i].path, false);
		}
	}
}

static void check_errors(const struct conf_errors *errs, size_t lines)
{
	size_t i, n = conf_errors_count(errs);
	unsigned prev = 0;

	FUZZ_CHECK(n > 0 || conf_errors_dropped(errs) > 0, "refused without an error");
	FUZZ_CHECK(n <= CONF_ERRORS_MAX, "%zu errors kept", n);
	for (i = 0; i < n; i++) {
		const char *t = conf_errors_text(errs, i), *m = conf_errors_message(errs, i);
		unsigned line = conf_errors_line(errs, i);

		FUZZ_CHECK(t && m && *m, "error %zu", i);
		FUZZ_CHECK(!strncmp(t, "fuzz.ini:", 9), "error %zu: %s", i, t);
		FUZZ_CHECK(line >= prev, "errors not sorted: line %u after %u", line, prev);
		FUZZ_CHECK(line <= lines, "line %u of %zu: %s", line, lines, t);
		FUZZ_CHECK(!strchr(t, '\n'), "a newline in an error: %s", t);
		FUZZ_NOTE(printable(t), "a control byte in an error: %s", t);
		prev = line;
	}
}

static void check_conf(const struct conf *c, const uint8_t *data, size_t size)
{
	const struct conf_daemon *d = &c->daemon;
	struct conf *again = NULL;
	struct conf_errors *errs = NULL;
	struct conf_diff *diff = NULL;
	size_t i, k;
	int r;

	FUZZ_CHECK(c->file && !strcmp(c->file, "fuzz.ini"), "file");
	FUZZ_CHECK(d->log, "no log");
	check_path("log", d->log, true);
	check_path("metrics_file", d->metrics_file, false);
	FUZZ_CHECK(d->rotate_keep <= 1000, "rotate_keep %u", d->rotate_keep);
	FUZZ_CHECK(d->workers >= 1 && d->workers <= 256, "workers %u", d->workers);
	FUZZ_CHECK(d->ring_pages >= 1 && d->ring_pages <= 1048576 &&
		   !(d->ring_pages & (d->ring_pages - 1)), "ring_pages %u", d->ring_pages);
	FUZZ_CHECK(d->queue_depth >= 16 && d->queue_depth <= 16777216, "queue_depth %u",
		   d->queue_depth);
	FUZZ_CHECK(d->overflow <= CONF_OVERFLOW_BLOCK && d->flush <= CONF_FLUSH_LINE, "enums");
	FUZZ_CHECK(fuzz_ident(d->group), "group \"%s\"", d->group ? d->group : "(null)");
	check_handlers(d->handlers, d->nr_handlers);

	for (i = 0; i < c->nr_probes; i++) {
		const struct conf_probe *p = &c->probes[i];

		FUZZ_CHECK(p->spec && p->name == p->spec->name, "probe %zu", i);
		FUZZ_CHECK(conf_probe_find(c, p->name) == p, "probe %s not found", p->name);
		for (k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(c->probes[k].name, p->name), "probe %s twice", p->name);
		FUZZ_CHECK(conf_probe_equal(p, p), "probe %s differs from itself", p->name);
		FUZZ_NOTE(printable(p->filter), "probe %s: a control byte in the filter", p->name);
		check_handlers(p->handlers, p->nr_handlers);
		if (p->spec->path)
			FUZZ_NOTE(!has_dotdot(p->spec->path), "probe %s: path %s", p->name,
				  p->spec->path);
	}

	/* the same text again: nothing changed */
	r = conf_parse_text("fuzz.ini", (const char *)data, size, &again, &errs);
	FUZZ_CHECK(r == 0 && again && !errs, "a second parse: %d", r);
	r = conf_diff(c, again, &diff);
	FUZZ_CHECK(r == 0 && diff, "conf_diff %d", r);
	FUZZ_CHECK(!diff->daemon_changed && diff->count[CONF_UNCHANGED] == c->nr_probes &&
		   diff->nr_items == c->nr_probes, "a reload of the same text changes something");
	conf_diff_free(diff);
	conf_free(again);

	/* last: this marks uprobes resolved */
	for (i = 0; i < c->nr_probes; i++)
		fuzz_check_spec(c->probes[i].spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	struct conf_errors *errs = NULL;
	size_t lines = 1, i;
	int r;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = conf_parse_text("fuzz.ini", (const char *)data, size, &c, &errs);
	if (r == 0) {
		FUZZ_CHECK(c && !errs, "accepted with errors");
		check_conf(c, data, size);
	} else {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "ret %d", r);
		FUZZ_CHECK(!c, "a configuration with ret %d", r);
		if (r == -EINVAL) {
			FUZZ_CHECK(errs, "-EINVAL without errors");
			check_errors(errs, lines);
		}
	}
	conf_errors_free(errs);
	conf_free(c);
	return 0;
}
