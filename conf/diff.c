// SPDX-License-Identifier: MIT
/*
 * diff.c - what a reload changes: the probes of two configurations
 * matched by name and compared on everything that defines them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool hint_in(const struct probe_hint *h, const struct probe_spec *s)
{
	size_t i;

	for (i = 0; i < s->nr_hints; i++)
		if (!strcmp(s->hints[i].field, h->field))
			return !strcmp(s->hints[i].render, h->render);
	return false;
}

static bool spec_equal(const struct probe_spec *a, const struct probe_spec *b)
{
	size_t i;

	if (a->kind != b->kind || !str_equal(a->name, b->name) ||
	    !str_equal(a->target, b->target) || a->maxactive != b->maxactive ||
	    a->nr_args != b->nr_args || a->nr_hints != b->nr_hints)
		return false;
	/* the order of the fields is the order of the event's format */
	for (i = 0; i < a->nr_args; i++)
		if (strcmp(a->args[i].field, b->args[i].field) ||
		    strcmp(a->args[i].fetch, b->args[i].fetch))
			return false;
	for (i = 0; i < a->nr_hints; i++)
		if (!hint_in(&a->hints[i], b))
			return false;
	return true;
}

bool conf_probe_equal(const struct conf_probe *a, const struct conf_probe *b)
{
	return spec_equal(a->spec, b->spec) && str_equal(a->filter, b->filter) &&
	       a->enabled == b->enabled &&
	       conf_handlers_equal(a->handlers, a->nr_handlers, b->handlers, b->nr_handlers);
}

const char *conf_change_name(enum conf_change change)
{
	static const char *const names[] = {
		[CONF_ADDED] = "added", [CONF_REMOVED] = "removed",
		[CONF_CHANGED] = "changed", [CONF_UNCHANGED] = "unchanged",
	};

	if ((unsigned)change < sizeof(names) / sizeof(names[0]))
		return names[change];
	return "?";
}

void conf_diff_free(struct conf_diff *diff)
{
	if (!diff)
		return;
	free(diff->items);
	free(diff);
}

int conf_diff(const struct conf *old, const struct conf *new, struct conf_diff **out)
{
	struct conf_diff *d;
	size_t i;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->items = calloc(old->nr_probes + new->nr_probes + 1, sizeof(*d->items));
	if (!d->items) {
		free(d);
		return -ENOMEM;
	}
	for (i = 0; i < old->nr_probes; i++) {
		const struct conf_probe *o = &old->probes[i];

		if (conf_probe_find(new, o->name))
			continue;
		d->items[d->nr_items++] = (struct conf_diff_item){ CONF_REMOVED, o, NULL };
		d->count[CONF_REMOVED]++;
	}
	for (i = 0; i < new->nr_probes; i++) {
		const struct conf_probe *n = &new->probes[i], *o = conf_probe_find(old, n->name);
		enum conf_change ch = !o ? CONF_ADDED :
				      conf_probe_equal(o, n) ? CONF_UNCHANGED : CONF_CHANGED;

		d->items[d->nr_items++] = (struct conf_diff_item){ ch, o, n };
		d->count[ch]++;
	}
	d->daemon_changed = !conf_daemon_equal(&old->daemon, &new->daemon);
	*out = d;
	return 0;
}
