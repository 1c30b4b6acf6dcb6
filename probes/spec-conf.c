// SPDX-License-Identifier: MIT
/*
 * spec-conf.c - what the INI file's probe sections need beyond the
 * command line's specs: a tracepoint target that may be a glob, as -e
 * takes ("event = syscalls/sys_enter_accept*").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probes-private.h"
#include "spec-conf.h"

#define GLOB_CHARS	"*?[]!-"

/* a part of SYSTEM/EVENT: the characters probe_tracepoint_resolve() takes */
static bool glob_part_valid(const char *s, size_t len)
{
	size_t i;

	if (!len || len > PROBE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || (c && strchr(GLOB_CHARS, c))))
			return false;
	}
	return true;
}

bool probe_spec_is_glob(const struct probe_spec *spec)
{
	return spec->kind == PROBE_TRACEPOINT && spec->target &&
	       strpbrk(spec->target, "*?[");
}

int probe_spec_set_event(struct probe_spec *s, const char *event, char *err, size_t errlen)
{
	char *target = NULL, *system = NULL, *ev = NULL, *sep;
	int ret;

	if (s->kind != PROBE_TRACEPOINT) {
		probe_seterr(err, errlen, "%s:%s: an event is a tracepoint's target",
			     probe_kind_name(s->kind), s->name);
		return -EINVAL;
	}
	ret = probe_text_check("event", event, false, err, errlen);
	if (ret < 0)
		return ret;
	target = strdup(event);
	if (!target)
		goto nomem;
	sep = strchr(target, ':');
	if (sep && !strchr(target, '/'))
		*sep = '/';
	/* - and ! only mean something inside [ ] */
	if (!strpbrk(target, "*?[")) {
		ret = probe_spec_set_target(s, target, err, errlen);
		free(target);
		return ret;
	}
	sep = strchr(target, '/');
	if (!sep || strchr(sep + 1, '/') || strchr(target, ':') ||
	    !glob_part_valid(target, (size_t)(sep - target)) ||
	    !glob_part_valid(sep + 1, strlen(sep + 1))) {
		probe_seterr(err, errlen,
			     "tracepoint:%s: \"%s\": expected SYSTEM/EVENT (letters, digits, _ and globs * ? [ ])",
			     s->name, event);
		free(target);
		return -EINVAL;
	}
	system = strndup(target, (size_t)(sep - target));
	ev = strdup(sep + 1);
	if (!system || !ev)
		goto nomem;
	free(s->target);
	free(s->system);
	free(s->event);
	s->target = target;
	s->system = system;
	s->event = ev;
	return 0;
nomem:
	free(target);
	free(system);
	free(ev);
	probe_seterr(err, errlen, "out of memory");
	return -ENOMEM;
}
