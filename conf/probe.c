// SPDX-License-Identifier: MIT
/*
 * probe.c - a probe section, [KIND NAME], into the struct probe_spec the
 * command line's -p makes: the keys become the spec's target and tokens,
 * checked by probes/ (names, targets, fetch arguments, maxactive) so that
 * the file and the command line accept exactly the same probes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"
#include "spec-conf.h"

/*
 * The log's rendering hints (daemon/jlog.h, JLOG_RENDER_NAMES): named here
 * so that a typo is reported with its line; whether a hint fits the
 * field's type is checked when the event is opened.
 */
static const char *const render_names[] = { "ipv4", "ipv6", "hex", "errno", "port", NULL };
#define RENDER_TEXT "ipv4, ipv6, hex, errno or port"

static const char *const keys_tracepoint[] = {
	"event", "filter", "render.", "handler", "enabled", NULL
};
static const char *const keys_kprobe[] = {
	"function", "fetch", "filter", "render.", "handler", "enabled", NULL
};
static const char *const keys_kretprobe[] = {
	"function", "fetch", "maxactive", "filter", "render.", "handler", "enabled", NULL
};
static const char *const keys_uprobe[] = {
	"binary", "function", "offset", "fetch", "filter", "render.", "handler", "enabled", NULL
};
static const char *const repeatable[] = { "handler", NULL };

struct ctx {
	const struct conf_section *sec;
	const bool *skip;
	struct conf_errors *errs;
	struct probe_spec *spec;
	char err[1024];
};

void conf_probe_release(struct conf_probe *p)
{
	probe_spec_free(p->spec);
	free(p->filter);
	conf_handlers_free(p->handlers, p->nr_handlers);
	memset(p, 0, sizeof(*p));
}

/* the entry for key to use, or NULL: none, or one already reported */
static const struct conf_entry *entry(const struct ctx *c, const char *key)
{
	const struct conf_entry *e = conf_section_find(c->sec, key);

	return e && !c->skip[e - c->sec->entries] ? e : NULL;
}

/* a required key: its entry, or NULL (reported when not given at all) */
static const struct conf_entry *required(const struct ctx *c, const char *key)
{
	if (!conf_section_find(c->sec, key)) {
		conf_error_add(c->errs, c->sec->line, "missing key \"%s\" in %s", key, c->sec->title);
		return NULL;
	}
	return entry(c, key);
}

/* an entry with a value, or NULL (reported when it is empty) */
static const struct conf_entry *valued(const struct ctx *c, const struct conf_entry *e)
{
	if (e && !e->value[0]) {
		conf_error_add(c->errs, e->line, "%s: no value", e->key);
		return NULL;
	}
	return e;
}

/* uprobe, uretprobe: BINARY:FUNCTION or BINARY:0xOFFSET */
static int uprobe_target(struct ctx *c, char **target)
{
	const struct conf_entry *bin, *fn, *off, *fe, *oe;
	const char *why;
	uint64_t v = 0;

	*target = NULL;
	bin = valued(c, required(c, "binary"));
	fn = valued(c, entry(c, "function"));
	off = valued(c, entry(c, "offset"));
	if (bin) {
		why = conf_value_path(bin->value);
		if (why) {
			conf_error_add(c->errs, bin->line, "binary: \"%s\" %s", bin->value, why);
			bin = NULL;
		}
	}
	if (fn && strchr(fn->value, ':')) {
		conf_error_add(c->errs, fn->line,
			       "function: \"%s\": expected FUNCTION[@VERSION][+OFFSET] (the binary is a key of its own)",
			       fn->value);
		fn = NULL;
	}
	if (off && conf_value_uint_hex(off->value, &v) < 0) {
		conf_error_add(c->errs, off->line,
			       "offset: \"%s\" is not a file offset (a number, decimal or 0x hex)",
			       off->value);
		off = NULL;
	}
	fe = conf_section_find(c->sec, "function");
	oe = conf_section_find(c->sec, "offset");
	if (!fe && !oe) {
		conf_error_add(c->errs, c->sec->line, "missing key \"function\" or \"offset\" in %s",
			       c->sec->title);
		return 0;
	}
	if (fe && oe) {
		conf_error_add(c->errs, fe->line > oe->line ? fe->line : oe->line,
			       "function and offset both given in %s: the probe goes on one or the other",
			       c->sec->title);
		return 0;
	}
	if (!bin || (!fn && !off))
		return 0;
	if (fn ? asprintf(target, "%s:%s", bin->value, fn->value) < 0 :
		 asprintf(target, "%s:0x%" PRIx64, bin->value, v) < 0) {
		*target = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* the target key(s) into the spec: 1 set, 0 not (reported), -ENOMEM */
static int target_set(struct ctx *c)
{
	const struct conf_entry *e = NULL;
	char *target = NULL;
	int ret;

	switch (c->sec->kind) {
	case PROBE_TRACEPOINT:
		e = valued(c, required(c, "event"));
		if (!e)
			return 0;
		ret = probe_spec_set_event(c->spec, e->value, c->err, sizeof(c->err));
		break;
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		e = valued(c, required(c, "function"));
		if (!e)
			return 0;
		ret = probe_spec_set_target(c->spec, e->value, c->err, sizeof(c->err));
		break;
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
	default:
		ret = uprobe_target(c, &target);
		if (ret < 0 || !target)
			return ret;
		e = entry(c, "function");
		if (!e)
			e = entry(c, "offset");
		ret = probe_spec_set_target(c->spec, target, c->err, sizeof(c->err));
		free(target);
		break;
	}
	if (ret == -EINVAL)
		conf_error_add(c->errs, e->line, "%s", c->err);
	return ret < 0 ? ret : 1;
}

/* fetch = FIELD=FETCHARG[:TYPE] ...: 1 all taken, 0 not (reported), -ENOMEM */
static int fetch_add(struct ctx *c)
{
	const struct conf_entry *e = valued(c, entry(c, "fetch"));
	const char *p;
	char tok[CONF_LINE_MAX + 1];
	int ok = 1, ret;

	if (!e)
		return !conf_section_find(c->sec, "fetch");
	for (p = e->value;;) {
		size_t n;

		p += strspn(p, " \t");
		if (!*p)
			break;
		n = strcspn(p, " \t");
		memcpy(tok, p, n);
		tok[n] = 0;
		p += n;
		if (!strncmp(tok, "render.", 7) || !strncmp(tok, "maxactive=", 10)) {
			conf_error_add(c->errs, e->line,
				       "fetch: \"%s\": render hints and maxactive are keys of their own (render.FIELD = HINT, maxactive = N)",
				       tok);
			ok = 0;
			continue;
		}
		ret = probe_spec_add_token(c->spec, tok, c->err, sizeof(c->err));
		if (ret == -ENOMEM)
			return ret;
		if (ret < 0) {
			conf_error_add(c->errs, e->line, "%s", c->err);
			ok = 0;
		}
	}
	return ok;
}

static bool field_fetched(const struct probe_spec *s, const char *field)
{
	size_t i;

	if (!strncmp(field, "__probe_", 8))
		return true;
	for (i = 0; i < s->nr_args; i++)
		if (!strcmp(s->args[i].field, field))
			return true;
	return false;
}

/* render.FIELD = HINT: 0 or -ENOMEM; fields checked when fetched is true */
static int render_add(struct ctx *c, const struct conf_entry *e, bool fetched)
{
	const char *field = e->key + 7;
	char *tok;
	size_t i;
	int ret;

	for (i = 0; render_names[i]; i++)
		if (!strcmp(e->value, render_names[i]))
			break;
	if (!render_names[i]) {
		conf_error_add(c->errs, e->line, "%s: \"%s\" is not " RENDER_TEXT, e->key, e->value);
		return 0;
	}
	if (asprintf(&tok, "%s=%s", e->key, e->value) < 0)
		return -ENOMEM;
	ret = probe_spec_add_token(c->spec, tok, c->err, sizeof(c->err));
	free(tok);
	if (ret == -EINVAL) {
		conf_error_add(c->errs, e->line, "%s", c->err);
		return 0;
	}
	if (ret < 0)
		return ret;
	if (fetched && probe_spec_is_dynamic(c->spec) && !field_fetched(c->spec, field))
		conf_error_add(c->errs, e->line, "%s: no field %s is fetched (fetch = %s=...)",
			       e->key, field, field);
	return 0;
}

int conf_probe_parse(struct conf_probe *p, const struct conf_section *sec,
		     struct conf_errors *errs)
{
	const char *const *keys;
	struct ctx c = { .sec = sec, .errs = errs };
	size_t before = errs->n + errs->dropped, i;
	const struct conf_entry *e;
	bool *skip;
	char msg[512];
	int ret = 0, fetched = 1;
	bool bad = false;

	switch (sec->kind) {
	case PROBE_TRACEPOINT:
		keys = keys_tracepoint;
		break;
	case PROBE_KPROBE:
		keys = keys_kprobe;
		break;
	case PROBE_KRETPROBE:
		keys = keys_kretprobe;
		break;
	default:
		keys = keys_uprobe;
		break;
	}
	skip = calloc(sec->nr_entries + 1, sizeof(*skip));
	if (!skip)
		return -ENOMEM;
	c.skip = skip;
	conf_section_check_keys(sec, keys, repeatable, skip, errs);
	p->line = sec->line;
	p->enabled = true;
	c.spec = p->spec = probe_spec_new(sec->kind, sec->name, c.err, sizeof(c.err));
	if (!p->spec) {
		if (errno == ENOMEM) {
			ret = -ENOMEM;
			goto out;
		}
		conf_error_add(errs, sec->line, "%s", c.err);
		goto out;	/* the name's messages would all be about it */
	}
	p->name = p->spec->name;
	ret = target_set(&c);
	if (ret < 0)
		goto out;
	if (sec->kind != PROBE_TRACEPOINT) {
		ret = fetch_add(&c);
		if (ret < 0)
			goto out;
		fetched = ret;
	}
	e = valued(&c, entry(&c, "maxactive"));
	if (e) {
		char *tok;

		if (asprintf(&tok, "maxactive=%s", e->value) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		ret = probe_spec_add_token(c.spec, tok, c.err, sizeof(c.err));
		free(tok);
		if (ret == -ENOMEM)
			goto out;
		if (ret < 0)
			conf_error_add(errs, e->line, "%s", c.err);
	}
	ret = 0;
	for (i = 0; i < sec->nr_entries; i++) {
		e = &sec->entries[i];
		if (skip[i])
			continue;
		if (!strncmp(e->key, "render.", 7)) {
			ret = render_add(&c, e, fetched);
		} else if (!strcmp(e->key, "handler")) {
			if (!valued(&c, e))
				continue;
			ret = conf_handlers_add(&p->handlers, &p->nr_handlers, e->value, msg,
						sizeof(msg));
			if (ret == -EINVAL)
				conf_error_add(errs, e->line, "%s", msg);
		} else if (!strcmp(e->key, "enabled")) {
			if (valued(&c, e) && conf_value_bool(e->value, &p->enabled) < 0)
				conf_error_add(errs, e->line, "enabled: \"%s\" is not yes or no", e->value);
		} else if (!strcmp(e->key, "filter")) {
			if (!valued(&c, e))
				continue;
			if (conf_value_filter(e->value, msg, sizeof(msg)))
				conf_error_add(errs, e->line, "filter: %s", msg);
			else if (!(p->filter = strdup(e->value)))
				ret = -ENOMEM;
		}
		if (ret == -ENOMEM)
			goto out;
		ret = 0;
	}
	/* skipped keys were reported (unknown, duplicate, bad bytes): the spec lacks them */
	for (i = 0; i < sec->nr_entries && !skip[i]; i++)
		;
	if (i < sec->nr_entries)
		bad = true;
	if (!bad && errs->n + errs->dropped == before &&
	    probe_spec_check(p->spec, c.err, sizeof(c.err)) < 0)
		conf_error_add(errs, sec->line, "%s", c.err);
out:
	free(skip);
	if (ret < 0 || bad || errs->n + errs->dropped != before || !p->spec) {
		conf_probe_release(p);
		return ret < 0 ? ret : 0;
	}
	return 1;
}
