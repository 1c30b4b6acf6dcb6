// SPDX-License-Identifier: MIT
/*
 * reload.c - SIGHUP: the configuration file read again and the difference
 * applied while the daemon traces.
 *
 * An invalid file changes nothing: its errors are logged on stderr and in
 * a {"type":"daemon","state":"reload-failed","errors":[...]} line.  The
 * probes to add or recreate are prepared before anything changes, so that
 * a probe the kernel cannot have (no such binary, no such tracepoint)
 * fails the reload as a whole.  Then removed probes are closed, a probe
 * whose filter alone changed gets the new filter with no gap
 * (engine_event_update_filter), any other change closes the probe and
 * opens it anew (a gap: named in "recreated"), and probes that did not
 * change are not touched: their events trace on.  What tracefs refuses at
 * that stage (a fetch argument, a filter) is reported as "failed", the
 * rest applies, and a later reload tries it again.  [daemon] values that
 * cannot change while tracing keep their running values, named in
 * "restart_needed".  The line:
 *
 *   {"type":"daemon","state":"reloaded","added":[..],"removed":[..],
 *    "changed":[..],"recreated":[..],"failed":[{"probe":..,"error":..}],
 *    "restart_needed":["workers",..]}
 *
 * (the last three only when not empty).  systemd hears RELOADING=1 at the
 * start and READY=1 at the end, whatever the outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-private.h"
#include "json.h"
#include "log.h"
#include "notify.h"

/* ,"NAME":["a","b"] */
static void put_names(struct jbuf *b, const char *key, char *const *names, size_t n)
{
	size_t i;

	json_put_raw(b, ",\"", 2);
	json_put_raw(b, key, strlen(key));
	json_put_raw(b, "\":[", 3);
	for (i = 0; i < n; i++) {
		if (i)
			json_put_raw(b, ",", 1);
		json_put_str(b, names[i], strlen(names[i]));
	}
	json_put_raw(b, "]", 1);
}

enum plan {
	PLAN_KEEP,		/* untouched */
	PLAN_OPEN,		/* traces from now on */
	PLAN_CLOSE,		/* traces no more */
	PLAN_FILTER,		/* a new filter, no gap */
	PLAN_RECREATE,		/* closed and opened anew */
};

struct step {
	enum plan plan;
	struct dprobe *old;		/* running, or NULL */
	const struct conf_probe *cp;	/* in the new configuration, or NULL */
	struct dprobe *new;		/* prepared, for OPEN and RECREATE */
};

/* only the filter differs between what dp runs and cp */
static enum plan plan_change(const struct dprobe *dp, const struct conf_probe *cp)
{
	struct conf_probe running = *dp->cp, wanted = *cp;

	if (dp->stale)
		return PLAN_RECREATE;
	running.filter = dp->filter;
	if (conf_probe_equal(&running, cp))
		return PLAN_KEEP;
	wanted.filter = dp->filter;
	return conf_probe_equal(&running, &wanted) ? PLAN_FILTER : PLAN_RECREATE;
}

struct names {
	char **v;
	size_t n;
};

static void names_add(struct names *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return;
	l->v = v;
	if ((v[l->n] = strdup(s)))
		l->n++;
}

static void names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ,"failed":[{"probe":"x","error":"..."}] from pairs of names */
static void put_failed(struct jbuf *b, const struct names *f)
{
	size_t i;

	json_put_raw(b, ",\"failed\":[", 11);
	for (i = 0; i + 1 < f->n; i += 2) {
		if (i)
			json_put_raw(b, ",", 1);
		json_put_raw(b, "{\"probe\":", 9);
		json_put_str(b, f->v[i], strlen(f->v[i]));
		json_put_raw(b, ",\"error\":", 9);
		json_put_str(b, f->v[i + 1], strlen(f->v[i + 1]));
		json_put_raw(b, "}", 1);
	}
	json_put_raw(b, "]", 1);
}

static void reload_failed(struct daemon *d, const struct names *errors)
{
	struct jbuf b;

	if (jbuf_init(&b, 256) == 0) {
		put_names(&b, "errors", errors->v, errors->n);
		if (json_put_raw(&b, "\0", 1) == 0)
			jlog_write_daemon(d->jl, "reload-failed", b.p);
		jbuf_free(&b);
	}
}

static bool str_differs(const char *a, const char *b)
{
	return (a || b) && (!a || !b || strcmp(a, b));
}

/*
 * The [daemon] values: those that apply live go to the log; the others
 * keep their running values in nc (named in restart).
 */
static void reload_daemon(struct daemon *d, struct conf *nc, struct names *restart)
{
	struct conf_daemon *o = &d->conf->daemon, *n = &nc->daemon;
	char *tmp;

	if (o->workers != n->workers) {
		names_add(restart, "workers");
		n->workers = o->workers;
	}
	if (o->ring_pages != n->ring_pages) {
		names_add(restart, "ring_pages");
		n->ring_pages = o->ring_pages;
	}
	if (o->queue_depth != n->queue_depth) {
		names_add(restart, "queue_depth");
		n->queue_depth = o->queue_depth;
	}
	if (o->overflow != n->overflow) {
		names_add(restart, "overflow");
		n->overflow = o->overflow;
	}
	if (o->clock != n->clock) {
		names_add(restart, "clock");
		n->clock = o->clock;
	}
	if (o->journald != n->journald) {
		names_add(restart, "journald");
		n->journald = o->journald;
	}
	/* the strings change places: each configuration frees its own */
	if (str_differs(o->group, n->group)) {
		names_add(restart, "group");
		tmp = o->group, o->group = n->group, n->group = tmp;
	}
	if (str_differs(o->metrics_file, n->metrics_file)) {
		/* the stats were made with the file's path */
		names_add(restart, "metrics_file");
		tmp = o->metrics_file, o->metrics_file = n->metrics_file, n->metrics_file = tmp;
	}
	if (str_differs(o->log, n->log)) {
		/* the log has no way to move to another path while it runs */
		names_add(restart, "log");
		tmp = o->log, o->log = n->log, n->log = tmp;
	}
	if (o->rotate_size != n->rotate_size || o->rotate_keep != n->rotate_keep ||
	    o->flush != n->flush || o->flush_interval_ms != n->flush_interval_ms) {
		struct jlog_opts jo = {
			.rotate_size = n->rotate_size,
			.rotate_keep = n->rotate_keep,
			.flush = (enum jlog_flush)n->flush,
			.flush_interval_ms = n->flush_interval_ms,
		};

		jlog_set_opts(d->jl, &jo);
	}
}

void daemon_reload(struct daemon *d)
{
	struct conf *nc = NULL;
	struct conf_errors *errs = NULL;
	struct conf_diff *diff = NULL;
	struct step *steps = NULL;
	struct names errors = { 0 }, added = { 0 }, removed = { 0 }, changed = { 0 },
		     recreated = { 0 }, failed = { 0 }, restart = { 0 };
	size_t nsteps = 0, i, j;
	char err[1024], wb[512];
	struct jbuf b;
	int ret;

	notify_reloading();
	log_info("SIGHUP: reloading %s", d->o->conf_path);
	ret = conf_load(d->o->conf_path, &nc, &errs);
	if (ret == 0)
		ret = daemon_conf_override(nc, d->o);
	if (ret < 0) {
		size_t n = errs ? conf_errors_count(errs) : 0;

		for (i = 0; i < n; i++) {
			log_warnx("%s", conf_errors_text(errs, i));
			names_add(&errors, conf_errors_text(errs, i));
		}
		if (errs && conf_errors_dropped(errs)) {
			snprintf(err, sizeof(err), "%s: %zu more errors", d->o->conf_path,
				 conf_errors_dropped(errs));
			log_warnx("%s", err);
			names_add(&errors, err);
		}
		if (!n) {
			snprintf(err, sizeof(err), "%s: %s", d->o->conf_path, strerror(-ret));
			log_warnx("%s", err);
			names_add(&errors, err);
		}
		goto failed;
	}
	if (conf_diff(d->conf, nc, &diff) < 0) {
		names_add(&errors, "out of memory");
		goto failed;
	}

	/* what to do with each probe; nothing changes yet */
	steps = calloc(diff->nr_items + d->nr_probes + 1, sizeof(*steps));
	if (!steps) {
		names_add(&errors, "out of memory");
		goto failed;
	}
	for (i = 0; i < diff->nr_items; i++) {
		const struct conf_diff_item *it = &diff->items[i];
		const char *name = it->new ? it->new->name : it->old->name;
		struct step *s = &steps[nsteps];

		s->old = daemon_probes_find(d, name);
		s->cp = it->new;
		if (!it->new || !it->new->enabled)
			s->plan = s->old ? PLAN_CLOSE : PLAN_KEEP;
		else if (!s->old)
			s->plan = PLAN_OPEN;	/* new, enabled, or failed before */
		else
			s->plan = plan_change(s->old, it->new);
		if (s->plan == PLAN_OPEN || s->plan == PLAN_RECREATE) {
			ret = dprobe_prepare(it->new, d->group, &s->new, err, sizeof(err));
			if (ret) {
				char line[1600];

				snprintf(line, sizeof(line), "%s%s", daemon_where(d->o, nc, it->new, wb, sizeof(wb)), err);
				log_warnx("%s", line);
				names_add(&errors, line);
			}
		}
		nsteps++;
	}
	if (errors.n)
		goto failed;

	/* the [daemon] section */
	reload_daemon(d, nc, &restart);

	/* 1: close what goes, and what is made anew */
	for (i = 0; i < nsteps; i++) {
		struct step *s = &steps[i];

		if (s->plan != PLAN_CLOSE && s->plan != PLAN_RECREATE)
			continue;
		dprobe_close(d, s->old);
		daemon_probes_drop(d, s->old);
		if (s->plan == PLAN_CLOSE)
			names_add(&removed, s->old->name);
		dprobe_free(s->old);
		s->old = NULL;
	}
	/* 2: new filters, no gap */
	for (i = 0; i < nsteps; i++) {
		struct step *s = &steps[i];
		struct dprobe *dp = s->old;
		bool ok = true, some = false;

		if (s->plan != PLAN_FILTER)
			continue;
		for (j = 0; j < dp->nr_names && ok; j++) {
			if (!dp->evs[j])
				continue;
			ret = engine_event_update_filter(d->e, dp->evs[j], s->cp->filter, err, sizeof(err));
			daemon_keepalive(d);
			if (ret == 0) {
				some = true;
				continue;
			}
			/* the old filter stays in force on this event and the next ones */
			dprobe_filter_explain(err, sizeof(err), dp->names[j], s->cp->filter);
			log_warnx("reload: %s: %s", dp->name, err);
			names_add(&failed, dp->name);
			names_add(&failed, err);
			ok = false;
			/* a glob's events that took it differ from the others: made anew next time */
			dp->stale = some;
		}
		if (ok) {
			char *f = s->cp->filter ? strdup(s->cp->filter) : NULL;

			if (s->cp->filter && !f) {
				dp->stale = true;
			} else {
				free(dp->filter);
				dp->filter = f;
			}
			names_add(&changed, dp->name);
		}
	}
	/* 3: open what comes, in the new file's order */
	for (i = 0; i < nsteps; i++) {
		struct step *s = &steps[i];

		if (s->plan != PLAN_OPEN && s->plan != PLAN_RECREATE)
			continue;
		ret = dprobe_open(d, s->new, true, err, sizeof(err));
		if (ret == 0 && daemon_probes_push(d, s->new) < 0) {
			dprobe_close(d, s->new);
			snprintf(err, sizeof(err), "out of memory");
			ret = 1;
		}
		if (ret) {
			log_warnx("reload: %s", err);
			names_add(&failed, s->new->name);
			names_add(&failed, err);
			if (s->plan == PLAN_RECREATE)
				names_add(&removed, s->new->name);
			dprobe_free(s->new);
		} else if (s->plan == PLAN_RECREATE) {
			names_add(&changed, s->new->name);
			names_add(&recreated, s->new->name);
		} else {
			names_add(&added, s->new->name);
		}
		s->new = NULL;
	}
	/* every probe that traces now points into the new configuration */
	for (i = 0; i < d->nr_probes; i++) {
		const struct conf_probe *cp = conf_probe_find(nc, d->probes[i]->name);

		if (cp)
			d->probes[i]->cp = cp;
	}
	conf_free(d->conf);
	d->conf = nc;
	nc = NULL;
	/* the binaries of the uprobes added or made anew */
	daemon_watch_sync(d);

	if (jbuf_init(&b, 512) == 0) {
		put_names(&b, "added", added.v, added.n);
		put_names(&b, "removed", removed.v, removed.n);
		put_names(&b, "changed", changed.v, changed.n);
		if (recreated.n)
			put_names(&b, "recreated", recreated.v, recreated.n);
		if (failed.n)
			put_failed(&b, &failed);
		if (restart.n)
			put_names(&b, "restart_needed", restart.v, restart.n);
		if (json_put_raw(&b, "\0", 1) == 0)
			jlog_write_daemon(d->jl, "reloaded", b.p);
		jbuf_free(&b);
	}
	log_info("reloaded: %zu added, %zu removed, %zu changed (%zu recreated), %zu failed%s",
		 added.n, removed.n, changed.n, recreated.n, failed.n / 2,
		 restart.n ? "; some [daemon] values apply at the next start" : "");
	for (i = 0; i < restart.n; i++)
		log_warnx("reload: [daemon] %s: the new value applies at the next start", restart.v[i]);
	goto out;
failed:
	reload_failed(d, &errors);
	log_warnx("reload failed: the configuration in force is unchanged");
out:
	for (i = 0; i < nsteps; i++)
		dprobe_free(steps[i].new);
	free(steps);
	conf_diff_free(diff);
	conf_free(nc);
	conf_errors_free(errs);
	names_free(&errors);
	names_free(&added);
	names_free(&removed);
	names_free(&changed);
	names_free(&recreated);
	names_free(&failed);
	names_free(&restart);
	d->st_next = 0;
	notify_ready(daemon_status_text(d, daemon_now_ns()));
}

