// SPDX-License-Identifier: MIT
/*
 * spec.c - probe specs: "KIND:NAME:TARGET [TOKEN ...]" parsed and checked
 * (syntax in probes.h), and the tracefs command line they become.
 *
 * What reaches tracefs is built here from parts that were each checked:
 * names are identifiers, paths and symbols come from small character sets,
 * fetch arguments follow the kernel's grammar, and every byte is printable
 * ASCII without ';'.  So a command is always one line that starts with
 * "p:" or "r" and names GROUP/NAME: it can never remove a probe, define a
 * second one or touch another group.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes-private.h"

#define PATH_LEN_MAX	1024
#define SYMBOL_LEN_MAX	254	/* FUNCTION[@VERSION], as uprobe.c's resolver takes it */

static const char *const kind_names[] = {
	[PROBE_TRACEPOINT] = "tracepoint",
	[PROBE_KPROBE] = "kprobe",
	[PROBE_KRETPROBE] = "kretprobe",
	[PROBE_UPROBE] = "uprobe",
	[PROBE_URETPROBE] = "uretprobe",
};

static const char *const renders_hint = "ipv4, ipv6, hex, errno or port";

const char *probe_kind_name(enum probe_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[kind];
	return "?";
}

int probe_kind_parse(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strlen(kind_names[i]) == len && !strncmp(kind_names[i], s, len))
			return (int)i;
	return -EINVAL;
}

bool probe_spec_is_dynamic(const struct probe_spec *spec)
{
	return spec->kind != PROBE_TRACEPOINT;
}

static bool is_uprobe(const struct probe_spec *s)
{
	return s->kind == PROBE_UPROBE || s->kind == PROBE_URETPROBE;
}

static bool is_kprobe(const struct probe_spec *s)
{
	return s->kind == PROBE_KPROBE || s->kind == PROBE_KRETPROBE;
}

static bool is_return(const struct probe_spec *s)
{
	return s->kind == PROBE_KRETPROBE || s->kind == PROBE_URETPROBE;
}

static bool in_set(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr(extra, c));
}

static bool all_in_set(const char *s, size_t len, const char *extra)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!in_set(s[i], extra))
			return false;
	return true;
}

/* a number: decimal without a leading zero, or 0x hex, the whole of s[0..len) */
static int parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t n = 0;
	size_t i = 0;
	unsigned d;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++) {
			char c = s[i];

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				d = (unsigned)((c | 0x20) - 'a' + 10);
			else
				return -EINVAL;
			if (n > (UINT64_MAX - d) / 16)
				return -ERANGE;
			n = n * 16 + d;
		}
	} else {
		if (!len || (s[0] == '0' && len > 1))
			return -EINVAL;
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			d = (unsigned)(s[i] - '0');
			if (n > (UINT64_MAX - d) / 10)
				return -ERANGE;
			n = n * 10 + d;
		}
	}
	*v = n;
	return 0;
}

/* "%s:%s" prefix for messages */
static const char *who(const struct probe_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", probe_kind_name(s->kind), s->name);
	return buf;
}

struct probe_spec *probe_spec_new(enum probe_kind kind, const char *name,
				  char *err, size_t errlen)
{
	struct probe_spec *s;
	int ret;

	if ((unsigned)kind > PROBE_URETPROBE) {
		probe_seterr(err, errlen, "unknown probe kind %d", (int)kind);
		errno = EINVAL;
		return NULL;
	}
	ret = probe_text_check("probe name", name, false, err, errlen);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	if (!probe_ident_valid(name, strlen(name), PROBE_NAME_MAX)) {
		probe_seterr(err, errlen,
			     "%s:%.80s: a probe name is 1 to %d letters, digits and _, not starting with a digit",
			     probe_kind_name(kind), name, PROBE_NAME_MAX);
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strdup(name))) {
		free(s);
		probe_seterr(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->kind = kind;
	return s;
}

void probe_spec_free(struct probe_spec *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_args; i++) {
		free(s->args[i].field);
		free(s->args[i].fetch);
	}
	free(s->args);
	for (i = 0; i < s->nr_hints; i++) {
		free(s->hints[i].field);
		free(s->hints[i].render);
	}
	free(s->hints);
	free(s->name);
	free(s->target);
	free(s->path);
	free(s->symbol);
	free(s->function);
	free(s->system);
	free(s->event);
	free(s);
}

/* FUNCTION[@VERSION] or FUNCTION@@VERSION */
static bool symbol_valid(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *v;
	size_t blen = at ? (size_t)(at - s) : len;

	if (!blen || (s[0] >= '0' && s[0] <= '9') || !all_in_set(s, blen, "_."))
		return false;
	if (!at)
		return true;
	v = at + 1;
	if (v < s + len && *v == '@')
		v++;
	return v < s + len && all_in_set(v, (size_t)(s + len - v), "_.");
}

/* PATH:SYMBOL[@VERSION][+OFF] or PATH:0xFILEOFFSET */
static int target_uprobe(struct probe_spec *s, const char *t, char **path, char **symbol,
			 uint64_t *offset, char *err, size_t errlen)
{
	const char *colon = strrchr(t, ':'), *loc, *plus;
	char w[96];
	size_t plen, slen;
	int ret;

	who(s, w, sizeof(w));
	if (!colon || colon == t || !colon[1]) {
		probe_seterr(err, errlen, "%s: the target is BINARY:FUNCTION or BINARY:0xOFFSET", w);
		return -EINVAL;
	}
	plen = (size_t)(colon - t);
	loc = colon + 1;
	if (plen > PATH_LEN_MAX || !all_in_set(t, plen, "_./+-@,~") || t[0] == '-' ||
	    memchr(t, ':', plen)) {
		probe_seterr(err, errlen,
			     "%s: the binary's path may hold letters, digits and _ . / + - @ , ~ only (%d characters at most, not starting with -)",
			     w, PATH_LEN_MAX);
		return -EINVAL;
	}
	if (loc[0] == '0' && (loc[1] == 'x' || loc[1] == 'X')) {
		ret = parse_u64(loc, strlen(loc), offset);
		if (ret < 0) {
			probe_seterr(err, errlen, "%s: %s: %s", w, loc,
				     ret == -ERANGE ? "offset too large" : "not a hex offset");
			return -EINVAL;
		}
		*symbol = NULL;
	} else {
		plus = strchr(loc, '+');
		slen = plus ? (size_t)(plus - loc) : strlen(loc);
		if (slen > SYMBOL_LEN_MAX) {
			probe_seterr(err, errlen, "%s: a function name of %zu characters: %d at most",
				     w, slen, SYMBOL_LEN_MAX);
			return -EINVAL;
		}
		if (!symbol_valid(loc, slen)) {
			probe_seterr(err, errlen,
				     "%s: \"%s\": expected FUNCTION[@VERSION][+OFFSET] (letters, digits, _ and .) or 0xOFFSET",
				     w, loc);
			return -EINVAL;
		}
		*offset = 0;
		if (plus) {
			ret = parse_u64(plus + 1, strlen(plus + 1), offset);
			if (ret < 0 || *offset > UINT32_MAX) {
				probe_seterr(err, errlen, "%s: \"%s\": the offset after + is a number up to 0xffffffff",
					     w, plus);
				return -EINVAL;
			}
			if (*offset && is_return(s)) {
				probe_seterr(err, errlen,
					     "%s: a return probe goes on the function's entry: no +OFFSET", w);
				return -EINVAL;
			}
		}
		*symbol = strndup(loc, slen);
		if (!*symbol)
			return -ENOMEM;
	}
	*path = strndup(t, plen);
	if (!*path) {
		free(*symbol);
		*symbol = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* [MODULE:]FUNCTION[+OFF] or 0xADDRESS */
static int target_kprobe(struct probe_spec *s, const char *t, char **function,
			 uint64_t *offset, char *err, size_t errlen)
{
	const char *plus = strchr(t, '+'), *colon;
	size_t flen = plus ? (size_t)(plus - t) : strlen(t);
	uint64_t v;
	char w[96];
	int ret;

	who(s, w, sizeof(w));
	*offset = 0;
	if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		ret = parse_u64(t, strlen(t), &v);
		if (ret < 0) {
			probe_seterr(err, errlen, "%s: \"%s\": %s", w, t,
				     ret == -ERANGE ? "address too large" : "not a hex address");
			return -EINVAL;
		}
		*function = strdup(t);
		return *function ? 0 : -ENOMEM;
	}
	colon = memchr(t, ':', flen);
	if (!flen || flen > 127 ||
	    (colon && (!probe_ident_valid(t, (size_t)(colon - t), 63) ||
		       memchr(colon + 1, ':', flen - (size_t)(colon - t) - 1))) ||
	    !probe_ident_valid(colon ? colon + 1 : t, 1, 1) ||
	    !all_in_set(colon ? colon + 1 : t, colon ? flen - (size_t)(colon - t) - 1 : flen, "_.")) {
		probe_seterr(err, errlen,
			     "%s: \"%s\": expected [MODULE:]FUNCTION[+OFFSET] (letters, digits, _ and .) or 0xADDRESS",
			     w, t);
		return -EINVAL;
	}
	if (plus) {
		ret = parse_u64(plus + 1, strlen(plus + 1), offset);
		if (ret < 0 || *offset > UINT32_MAX) {
			probe_seterr(err, errlen, "%s: \"%s\": the offset after + is a number up to 0xffffffff",
				     w, plus);
			return -EINVAL;
		}
		if (*offset && is_return(s)) {
			probe_seterr(err, errlen,
				     "%s: a return probe goes on the function's entry: no +OFFSET", w);
			return -EINVAL;
		}
	}
	*function = strndup(t, flen);
	return *function ? 0 : -ENOMEM;
}

int probe_spec_set_target(struct probe_spec *s, const char *target, char *err, size_t errlen)
{
	char *path = NULL, *symbol = NULL, *function = NULL, *system = NULL, *event = NULL;
	char *copy = NULL, w[96];
	uint64_t offset = 0;
	const char *slash;
	int ret;

	who(s, w, sizeof(w));
	ret = probe_text_check(w, target, false, err, errlen);
	if (ret < 0)
		return ret;
	if (!*target) {
		probe_seterr(err, errlen, "%s: no target after %s:", w, w);
		return -EINVAL;
	}
	if (strchr(target, ' ') || strchr(target, '\t')) {
		probe_seterr(err, errlen, "%s: the target is one word", w);
		return -EINVAL;
	}
	switch (s->kind) {
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
		ret = target_uprobe(s, target, &path, &symbol, &offset, err, errlen);
		break;
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		ret = target_kprobe(s, target, &function, &offset, err, errlen);
		break;
	case PROBE_TRACEPOINT:
		slash = strchr(target, '/');
		if (!slash || !probe_name_valid(target, (size_t)(slash - target)) ||
		    !probe_name_valid(slash + 1, strlen(slash + 1))) {
			probe_seterr(err, errlen, "%s: \"%s\": expected SYSTEM/EVENT (letters, digits and _)",
				     w, target);
			return -EINVAL;
		}
		system = strndup(target, (size_t)(slash - target));
		event = strdup(slash + 1);
		ret = system && event ? 0 : -ENOMEM;
		break;
	}
	if (ret == 0 && !(copy = strdup(target)))
		ret = -ENOMEM;
	if (ret < 0) {
		if (ret == -ENOMEM)
			probe_seterr(err, errlen, "out of memory");
		free(path);
		free(symbol);
		free(function);
		free(system);
		free(event);
		return ret;
	}
	free(s->target);
	free(s->path);
	free(s->symbol);
	free(s->function);
	free(s->system);
	free(s->event);
	s->target = copy;
	s->path = path;
	s->symbol = symbol;
	s->function = function;
	s->system = system;
	s->event = event;
	s->resolved = false;
	s->file_offset = 0;
	if (is_uprobe(s))
		s->offset = offset;
	else if (is_kprobe(s))
		s->func_offset = offset;
	return 0;
}

static bool field_reserved(const char *name)
{
	return !strncmp(name, "common_", 7) || !strncmp(name, "__probe_", 8) ||
	       !strcmp(name, "maxactive");
}

static bool field_declared(const struct probe_spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nr_args; i++)
		if (!strcmp(s->args[i].field, name))
			return true;
	return false;
}

static int add_hint(struct probe_spec *s, const char *tok, const char *eq,
		    const char *w, char *err, size_t errlen)
{
	const char *field = tok + 7, *render = eq + 1;
	size_t flen = (size_t)(eq - field), i;
	struct probe_hint *h;

	if (!probe_ident_valid(field, flen, PROBE_NAME_MAX)) {
		probe_seterr(err, errlen, "%s: \"%s\": expected render.FIELD=HINT with FIELD a field name",
			     w, tok);
		return -EINVAL;
	}
	if (!*render || strlen(render) > 15 || !all_in_set(render, strlen(render), "_")) {
		probe_seterr(err, errlen, "%s: \"%s\": HINT is one of %s", w, tok, renders_hint);
		return -EINVAL;
	}
	for (i = 0; i < s->nr_hints; i++)
		if (strlen(s->hints[i].field) == flen && !strncmp(s->hints[i].field, field, flen)) {
			probe_seterr(err, errlen, "%s: render.%.*s is given twice", w, (int)flen, field);
			return -EINVAL;
		}
	h = realloc(s->hints, (s->nr_hints + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	s->hints = h;
	h += s->nr_hints;
	h->field = strndup(field, flen);
	h->render = strdup(render);
	if (!h->field || !h->render) {
		free(h->field);
		free(h->render);
		return -ENOMEM;
	}
	s->nr_hints++;
	return 0;
}

static int add_arg(struct probe_spec *s, const char *tok, const char *eq,
		   const char *w, char *err, size_t errlen)
{
	size_t flen = (size_t)(eq - tok);
	struct probe_arg *a;
	char field[PROBE_NAME_MAX + 1], msg[512];
	int ret;

	if (s->kind == PROBE_TRACEPOINT) {
		probe_seterr(err, errlen,
			     "%s: \"%s\": a tracepoint's fields are fixed; fetch arguments are for kprobes and uprobes",
			     w, tok);
		return -EINVAL;
	}
	if (!probe_ident_valid(tok, flen, PROBE_NAME_MAX)) {
		probe_seterr(err, errlen,
			     "%s: \"%s\": expected FIELD=FETCHARG[:TYPE], maxactive=N or render.FIELD=HINT (FIELD: letters, digits and _)",
			     w, tok);
		return -EINVAL;
	}
	memcpy(field, tok, flen);
	field[flen] = 0;
	if (field_reserved(field)) {
		probe_seterr(err, errlen, "%s: \"%s\": the field name %s is reserved (common_*, __probe_*, maxactive)",
			     w, tok, field);
		return -EINVAL;
	}
	if (field_declared(s, field)) {
		probe_seterr(err, errlen, "%s: the field %s is given twice", w, field);
		return -EINVAL;
	}
	if (s->nr_args >= PROBE_ARGS_MAX) {
		probe_seterr(err, errlen, "%s: more than %d fields", w, PROBE_ARGS_MAX);
		return -EINVAL;
	}
	ret = probe_fetcharg_check(s->kind, eq + 1, msg, sizeof(msg));
	if (ret < 0) {
		probe_seterr(err, errlen, "%s: %s: %s", w, field, msg);
		return ret;
	}
	a = realloc(s->args, (s->nr_args + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	s->args = a;
	a += s->nr_args;
	a->field = strdup(field);
	a->fetch = strdup(eq + 1);
	if (!a->field || !a->fetch) {
		free(a->field);
		free(a->fetch);
		return -ENOMEM;
	}
	s->nr_args++;
	return 0;
}

int probe_spec_add_token(struct probe_spec *s, const char *tok, char *err, size_t errlen)
{
	const char *eq = strchr(tok, '=');
	char w[96];
	uint64_t v;
	int ret;

	who(s, w, sizeof(w));
	ret = probe_text_check(w, tok, false, err, errlen);
	if (ret < 0)
		return ret;
	if (!eq || strchr(tok, ' ')) {
		probe_seterr(err, errlen,
			     "%s: \"%s\": expected FIELD=FETCHARG[:TYPE], maxactive=N or render.FIELD=HINT",
			     w, tok);
		return -EINVAL;
	}
	if (!strncmp(tok, "render.", 7))
		ret = add_hint(s, tok, eq, w, err, errlen);
	else if (!strncmp(tok, "maxactive=", 10)) {
		if (s->kind != PROBE_KRETPROBE) {
			probe_seterr(err, errlen, "%s: maxactive is for kretprobes", w);
			return -EINVAL;
		}
		if (parse_u64(eq + 1, strlen(eq + 1), &v) < 0 || v < 1 || v > PROBE_MAXACTIVE_MAX) {
			probe_seterr(err, errlen, "%s: maxactive=%s: a number from 1 to %d", w, eq + 1,
				     PROBE_MAXACTIVE_MAX);
			return -EINVAL;
		}
		s->maxactive = (unsigned)v;
		return 0;
	} else
		ret = add_arg(s, tok, eq, w, err, errlen);
	if (ret == -ENOMEM)
		probe_seterr(err, errlen, "out of memory");
	return ret;
}

int probe_spec_add_tokens(struct probe_spec *s, const char *tokens, char *err, size_t errlen)
{
	const char *p = tokens;
	char tok[2048], w[96];
	size_t n;
	int ret;

	ret = probe_text_check(who(s, w, sizeof(w)), tokens, true, err, errlen);
	if (ret < 0)
		return ret;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		n = strcspn(p, " \t");
		if (n >= sizeof(tok)) {
			probe_seterr(err, errlen, "%s: a token of %zu characters is too long", w, n);
			return -EINVAL;
		}
		memcpy(tok, p, n);
		tok[n] = 0;
		ret = probe_spec_add_token(s, tok, err, errlen);
		if (ret < 0)
			return ret;
		p += n;
	}
}

int probe_spec_check(const struct probe_spec *s, char *err, size_t errlen)
{
	char w[96];
	size_t i;

	who(s, w, sizeof(w));
	if (!s->target) {
		probe_seterr(err, errlen, "%s: no target", w);
		return -EINVAL;
	}
	if (s->kind == PROBE_TRACEPOINT)
		return 0;	/* the event's fields are checked when it is opened */
	for (i = 0; i < s->nr_hints; i++)
		if (!field_declared(s, s->hints[i].field) &&
		    strncmp(s->hints[i].field, "__probe_", 8)) {
			probe_seterr(err, errlen, "%s: render.%s: no field %s is fetched", w,
				     s->hints[i].field, s->hints[i].field);
			return -EINVAL;
		}
	return 0;
}

int probe_spec_parse(const char *text, struct probe_spec **out, char *err, size_t errlen)
{
	const char *p = text, *c1, *c2, *end;
	struct probe_spec *s = NULL;
	char name[PROBE_NAME_MAX + 2], *target = NULL;
	int kind, ret;

	*out = NULL;
	ret = probe_text_check("probe", text, true, err, errlen);
	if (ret < 0)
		return ret;
	if (strlen(text) >= PROBE_CMD_MAX) {
		probe_seterr(err, errlen, "probe: longer than %d characters", PROBE_CMD_MAX - 1);
		return -EINVAL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strcspn(p, " \t");
	c1 = memchr(p, ':', (size_t)(end - p));
	c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (!c1 || !c2) {
		probe_seterr(err, errlen,
			     "probe \"%.*s\": expected KIND:NAME:TARGET with KIND uprobe, uretprobe, kprobe, kretprobe or tracepoint",
			     (int)(end - p), p);
		return -EINVAL;
	}
	kind = probe_kind_parse(p, (size_t)(c1 - p));
	if (kind < 0) {
		probe_seterr(err, errlen,
			     "probe \"%.*s\": unknown kind \"%.*s\" (uprobe, uretprobe, kprobe, kretprobe or tracepoint)",
			     (int)(end - p), p, (int)(c1 - p), p);
		return -EINVAL;
	}
	if ((size_t)(c2 - c1 - 1) > PROBE_NAME_MAX) {
		probe_seterr(err, errlen, "probe \"%.*s\": the name is longer than %d characters",
			     (int)(c2 - c1 - 1), c1 + 1, PROBE_NAME_MAX);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	s = probe_spec_new((enum probe_kind)kind, name, err, errlen);
	if (!s)
		return -errno;
	target = strndup(c2 + 1, (size_t)(end - c2 - 1));
	if (!target) {
		ret = -ENOMEM;
		probe_seterr(err, errlen, "out of memory");
		goto fail;
	}
	ret = probe_spec_set_target(s, target, err, errlen);
	if (ret < 0)
		goto fail;
	ret = probe_spec_add_tokens(s, end, err, errlen);
	if (ret < 0)
		goto fail;
	ret = probe_spec_check(s, err, errlen);
	if (ret < 0)
		goto fail;
	free(target);
	*out = s;
	return 0;
fail:
	free(target);
	probe_spec_free(s);
	return ret;
}

int probe_spec_command(const struct probe_spec *s, const char *group,
		       char *buf, size_t len, char *err, size_t errlen)
{
	size_t off = 0, i;
	char w[96];
	int n;

	who(s, w, sizeof(w));
	if (!probe_ident_valid(group, strlen(group), PROBE_NAME_MAX)) {
		probe_seterr(err, errlen, "%s: bad group name", w);
		return -EINVAL;
	}
	if (len < 2) {
		probe_seterr(err, errlen, "%s: no room for the command", w);
		return -E2BIG;
	}
	switch (s->kind) {
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
		if (!s->resolved || !s->path) {
			probe_seterr(err, errlen, "%s: the uprobe is not resolved to a file offset", w);
			return -EINVAL;
		}
		n = snprintf(buf, len, "%c:%s/%s %s:0x%" PRIx64, s->kind == PROBE_UPROBE ? 'p' : 'r',
			     group, s->name, s->path, s->file_offset);
		break;
	case PROBE_KPROBE:
		if (!s->function)
			goto no_target;
		if (s->func_offset)
			n = snprintf(buf, len, "p:%s/%s %s+%" PRIu64, group, s->name, s->function,
				     s->func_offset);
		else
			n = snprintf(buf, len, "p:%s/%s %s", group, s->name, s->function);
		break;
	case PROBE_KRETPROBE:
		if (!s->function)
			goto no_target;
		if (s->maxactive)
			n = snprintf(buf, len, "r%u:%s/%s %s", s->maxactive, group, s->name, s->function);
		else
			n = snprintf(buf, len, "r:%s/%s %s", group, s->name, s->function);
		break;
	default:
		probe_seterr(err, errlen, "%s: a tracepoint is not created", w);
		return -EINVAL;
	}
	if (n < 0)
		return -EINVAL;
	off = (size_t)n;
	for (i = 0; i < s->nr_args && off < len; i++) {
		n = snprintf(buf + off, len - off, " %s=%s", s->args[i].field, s->args[i].fetch);
		if (n < 0)
			return -EINVAL;
		off += (size_t)n;
	}
	/* a tracefs line must fit the kernel's 4096-byte write buffer with its newline */
	if (off >= len || off > PROBE_CMD_MAX - 2) {
		probe_seterr(err, errlen, "%s: the tracefs command would be %zu characters, %d at most",
			     w, off, PROBE_CMD_MAX - 2);
		return -E2BIG;
	}
	/* belt and braces: the parts were checked, the whole is checked again */
	if (probe_text_check(w, buf, false, err, errlen) < 0 || (buf[0] != 'p' && buf[0] != 'r'))
		return -EINVAL;
	return (int)off;
no_target:
	probe_seterr(err, errlen, "%s: no target", w);
	return -EINVAL;
}

int probe_spec_resolve(struct probe_spec *s, char *err, size_t errlen)
{
	char *canon, w[96], msg[1024];
	uint64_t off;
	int ret;

	if (!is_uprobe(s) || s->resolved)
		return 0;
	who(s, w, sizeof(w));
	if (!s->path) {
		probe_seterr(err, errlen, "%s: no target", w);
		return -EINVAL;
	}
	canon = realpath(s->path, NULL);
	if (!canon) {
		ret = -errno;
		probe_seterr(err, errlen, "%s: %s: %s", w, s->path, strerror(-ret));
		return ret;
	}
	/* the kernel is given the canonical path: it must pass the same checks */
	if (strlen(canon) > PATH_LEN_MAX || !all_in_set(canon, strlen(canon), "_./+-@,~")) {
		probe_seterr(err, errlen,
			     "%s: %s resolves to a path with characters tracefs cannot take (letters, digits and _ . / + - @ , ~ only)",
			     w, s->path);
		free(canon);
		return -EINVAL;
	}
	ret = probe_uprobe_resolve(canon, s->symbol, s->offset, &off, msg, sizeof(msg));
	if (ret < 0) {
		probe_seterr(err, errlen, "%s: %s", w, msg);
		free(canon);
		return ret;
	}
	free(s->path);
	s->path = canon;
	s->file_offset = off;
	s->resolved = true;
	return 0;
}
