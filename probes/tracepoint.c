// SPDX-License-Identifier: MIT
/*
 * tracepoint.c - tracepoints by name or glob, and close names for a typo.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <tracefs.h>

#include "probes-private.h"

int probe_name_valid(const char *name, size_t len)
{
	size_t i;

	if (!len || len > 63)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* a glob part: the name characters plus * ? [ ] */
static int glob_part_valid(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 63)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '*' || c == '?' ||
		      c == '[' || c == ']' || c == '-' || c == '!'))
			return 0;
	}
	return 1;
}

void probe_list_free(char **list)
{
	char **p;

	if (!list)
		return;
	for (p = list; *p; p++)
		free(*p);
	free(list);
}

static int list_push(char ***list, size_t *n, const char *sys, const char *ev)
{
	char **l = realloc(*list, (*n + 2) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	*list = l;
	if (asprintf(&l[*n], "%s/%s", sys, ev) < 0)
		return -ENOMEM;
	l[++*n] = NULL;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* up to three close "system/event" names, into buf */
static void suggest(const char *sys, const char *ev, char *buf, size_t len)
{
	char **systems = tracefs_event_systems(NULL);
	struct { size_t d; char name[160]; } best[3];
	size_t nbest = 0, i, k, off = 0;
	char full[160];

	buf[0] = 0;
	if (!systems)
		return;
	snprintf(full, sizeof(full), "%s/%s", sys, ev);
	for (i = 0; systems[i]; i++) {
		char **events = tracefs_system_events(NULL, systems[i]);
		size_t j;

		for (j = 0; events && events[j]; j++) {
			char cand[160];
			size_t d;

			snprintf(cand, sizeof(cand), "%s/%s", systems[i], events[j]);
			d = probe_edit_distance(full, cand);
			/* the right event in another system is close too */
			if (!strcmp(events[j], ev))
				d = d < 2 ? d : 2;
			if (d > 4 + strlen(full) / 8)
				continue;
			if (nbest < 3) {
				best[nbest].d = d;
				snprintf(best[nbest].name, sizeof(best[nbest].name), "%s", cand);
				nbest++;
			} else {
				size_t worst = 0;

				for (k = 1; k < 3; k++)
					if (best[k].d > best[worst].d)
						worst = k;
				if (d < best[worst].d) {
					best[worst].d = d;
					snprintf(best[worst].name, sizeof(best[worst].name), "%s", cand);
				}
			}
		}
		tracefs_list_free(events);
	}
	tracefs_list_free(systems);
	/* closest first */
	for (i = 0; i < nbest; i++)
		for (k = i + 1; k < nbest; k++)
			if (best[k].d < best[i].d) {
				typeof(best[0]) t = best[i];

				best[i] = best[k];
				best[k] = t;
			}
	for (i = 0; i < nbest && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", best[i].name);
}

int probe_tracepoint_resolve(const char *spec, char ***list, char *err, size_t errlen)
{
	const char *sep = strpbrk(spec, "/:");
	char sys[64], ev[64], close_names[512];
	char **systems = NULL, **out = NULL;
	size_t n = 0, i;
	int ret = 0;

	*list = NULL;
	if (!sep || strpbrk(sep + 1, "/:") ||
	    !glob_part_valid(spec, (size_t)(sep - spec)) ||
	    !glob_part_valid(sep + 1, strlen(sep + 1))) {
		snprintf(err, errlen,
			 "event \"%s\": expected SYSTEM/EVENT or SYSTEM:EVENT (letters, digits, _ and globs * ? [])",
			 spec);
		return -EINVAL;
	}
	snprintf(sys, sizeof(sys), "%.*s", (int)(sep - spec), spec);
	snprintf(ev, sizeof(ev), "%s", sep + 1);

	/*
	 * A name without a glob is one stat: listing every system and event
	 * (about a thousand stats) for each of 720 probes took 20 s of start-up.
	 */
	if (!strpbrk(spec, "*?[")) {
		const char *dir = tracefs_tracing_dir();
		char path[PATH_MAX];
		struct stat st;

		if (dir && snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, sys, ev) <
			   (int)sizeof(path) && stat(path, &st) == 0) {
			out = calloc(2, sizeof(*out));
			if (!out || asprintf(&out[0], "%s/%s", sys, ev) < 0) {
				free(out);
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			*list = out;
			return 1;
		}
	}

	systems = tracefs_event_systems(NULL);
	if (!systems) {
		snprintf(err, errlen, "cannot list the tracing events (is tracefs mounted?)");
		return -ENOENT;
	}
	for (i = 0; systems[i]; i++) {
		char **events;
		size_t j;

		if (fnmatch(sys, systems[i], 0))
			continue;
		events = tracefs_system_events(NULL, systems[i]);
		for (j = 0; events && events[j]; j++) {
			if (fnmatch(ev, events[j], 0))
				continue;
			ret = list_push(&out, &n, systems[i], events[j]);
			if (ret < 0)
				break;
		}
		tracefs_list_free(events);
		if (ret < 0)
			break;
	}
	tracefs_list_free(systems);
	if (ret < 0) {
		probe_list_free(out);
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	if (!n) {
		suggest(sys, ev, close_names, sizeof(close_names));
		if (close_names[0])
			snprintf(err, errlen, "event \"%s\" not found; close names: %s", spec, close_names);
		else
			snprintf(err, errlen, "event \"%s\" not found", spec);
		return -ENOENT;
	}
	qsort(out, n, sizeof(*out), cmp_str);
	*list = out;
	return (int)n;
}
