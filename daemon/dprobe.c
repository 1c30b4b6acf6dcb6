// SPDX-License-Identifier: MIT
/*
 * dprobe.c - a probe of the configuration as it traces (struct dprobe).
 *
 * A probe is first prepared (everything that can be refused without
 * touching tracefs: the kernel's support for the kind, a uprobe's symbol,
 * a tracepoint's existence), then opened (the dynamic event created, the
 * engine events added with their filter and handlers, and opened when the
 * engine runs already), and closed (engine events closed, then the
 * dynamic event removed: the kernel refuses to remove an open one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-private.h"
#include "log.h"

/* "FILE:LINE: " for a probe of a file, "" for the command line's */
const char *daemon_where(const struct daemon_opts *o, const struct conf *conf,
			 const struct conf_probe *cp, char *buf, size_t len)
{
	if (!o->conf_path || !cp->line)
		return "";
	snprintf(buf, len, "%s:%u: ", conf->file, cp->line);
	return buf;
}

/* exit status for a -errno from probes/: the user's fault, or the machine's */
static int exit_code(int ret)
{
	switch (-ret) {
	case EINVAL:
	case ENOENT:
	case ENOEXEC:
	case E2BIG:
	case ERANGE:
	case EOPNOTSUPP:
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
		return EXIT_USAGE;
	default:
		return 1;
	}
}

/* ------------------------------------------------------------------ */
/* Render hints                                                        */

/* a hint for field unless one is given (h has room) */
static void hint_implicit(struct jlog_hint *h, size_t *n, const char *field, enum jlog_render r)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(h[i].field, field))
			return;
	h[*n].field = field;
	h[(*n)++].render = r;
}

/*
 * The log's hints for spec: its render.FIELD tokens, then implicit hex for
 * the x8..x64 fields (the format calls them u8..u64) and the probe's own
 * addresses.  *out points into spec: free() it, not its strings.
 * 0, -EINVAL (a hint the log does not know, message) or -ENOMEM.
 */
int dprobe_hints_build(const struct probe_spec *ps, struct jlog_hint **out, size_t *n,
		       char *err, size_t errlen)
{
	struct jlog_hint *h = calloc(ps->nr_hints + ps->nr_args + 2, sizeof(*h));
	size_t nh = 0, i;

	*out = NULL;
	*n = 0;
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < ps->nr_hints; i++) {
		int r = jlog_render_parse(ps->hints[i].render);

		if (r < 0) {
			snprintf(err, errlen, "%s:%s: render.%s=%s: the hints are " JLOG_RENDER_NAMES,
				 probe_kind_name(ps->kind), ps->name, ps->hints[i].field,
				 ps->hints[i].render);
			free(h);
			return -EINVAL;
		}
		h[nh].field = ps->hints[i].field;
		h[nh++].render = (enum jlog_render)r;
	}
	for (i = 0; i < ps->nr_args; i++) {
		const char *type = strrchr(ps->args[i].fetch, ':');

		if (type && type[1] == 'x' && type[2] >= '0' && type[2] <= '9')
			hint_implicit(h, &nh, ps->args[i].field, JLOG_RENDER_HEX);
	}
	if (ps->kind == PROBE_KPROBE || ps->kind == PROBE_UPROBE) {
		hint_implicit(h, &nh, "__probe_ip", JLOG_RENDER_HEX);
	} else if (ps->kind != PROBE_TRACEPOINT) {
		hint_implicit(h, &nh, "__probe_func", JLOG_RENDER_HEX);
		hint_implicit(h, &nh, "__probe_ret_ip", JLOG_RENDER_HEX);
	}
	*out = h;
	*n = nh;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Probes: prepare, open, close                                        */

void dprobe_free(struct dprobe *dp)
{
	if (!dp)
		return;
	probe_list_free(dp->names);
	free(dp->evs);
	free(dp->filter);
	free(dp->name);
	probe_spec_free(dp->spec);
	free(dp);
}

/*
 * dprobe_prepare - what can be refused before tracefs changes: the kind's
 * support, a uprobe's symbol (resolved into cp's spec: the daemon owns the
 * configuration), a tracepoint's (or glob's) events.  Dynamic events are
 * named group/NAME.  Returns 0 with *out set, or an exit status (1, 2)
 * with a message.
 */
int dprobe_prepare(const struct conf_probe *cp, const char *group, struct dprobe **out,
			  char *err, size_t errlen)
{
	struct probe_spec *ps = (struct probe_spec *)(uintptr_t)cp->spec;
	struct dprobe *dp;
	char msg[768];
	int ret, n;

	*out = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp || !(dp->name = strdup(cp->name)) || (cp->filter && !(dp->filter = strdup(cp->filter))))
		goto nomem;
	dp->cp = cp;
	if (probe_spec_is_dynamic(ps)) {
		ret = probe_kind_check(ps->kind, msg, sizeof(msg));
		if (ret < 0) {
			snprintf(err, errlen, "%s:%s: %s", probe_kind_name(ps->kind), ps->name, msg);
			dprobe_free(dp);
			return exit_code(ret);
		}
		if (!ps->resolved) {
			ret = probe_spec_resolve(ps, err, errlen);
			if (ret < 0) {
				dprobe_free(dp);
				return exit_code(ret);
			}
		}
		if (ps->resolved)
			log_debug("%s:%s: %s at offset 0x%llx", probe_kind_name(ps->kind), ps->name,
				  ps->path, (unsigned long long)ps->file_offset);
		dp->names = calloc(2, sizeof(*dp->names));
		if (!dp->names || asprintf(&dp->names[0], "%s/%s", group, ps->name) < 0)
			goto nomem;
		n = 1;
	} else {
		n = probe_tracepoint_resolve(ps->target, &dp->names, err, errlen);
		if (n < 0) {
			dprobe_free(dp);
			return n == -ENOMEM ? 1 : EXIT_USAGE;
		}
	}
	dp->nr_names = (size_t)n;
	dp->evs = calloc((size_t)n + 1, sizeof(*dp->evs));
	if (!dp->evs)
		goto nomem;
	*out = dp;
	return 0;
nomem:
	dprobe_free(dp);
	snprintf(err, errlen, "out of memory");
	return 1;
}

/* the probe (other than self) that traces name, or NULL */
static const struct dprobe *claimed_by(const struct daemon *d, const struct dprobe *self,
				       const char *name)
{
	size_t i, j;

	for (i = 0; i < d->nr_probes; i++) {
		const struct dprobe *dp = d->probes[i];

		if (dp == self)
			continue;
		for (j = 0; j < dp->nr_names; j++)
			if (dp->evs[j] && !strcmp(dp->names[j], name))
				return dp;
	}
	return NULL;
}

/* the probe's name in the log (and every output) for its event ev */
static const char *probe_log_name(const struct conf_probe *cp, const struct engine_event *ev)
{
	return cp->event_names ? engine_event_name(ev) : cp->name;
}

/* ev's handlers, in the probe's order; 0 or an exit status with a message */
static int handlers_attach(struct daemon *d, const struct conf_probe *cp, struct engine_event *ev,
			   const struct jlog_hint *h, size_t nh, char *err, size_t errlen)
{
	const char *probe = probe_log_name(cp, ev);
	size_t i;
	int ret = 0;

	for (i = 0; i < cp->nr_handlers && ret == 0; i++)
		ret = handler_attach_conf(d->hc, ev, probe, &cp->handlers[i], h, nh, err, errlen);
	/* [daemon] journald: every probe goes to the journal too */
	if (ret == 0 && d->conf->daemon.journald)
		ret = handler_attach(d->hc, ev, probe, "journald", h, nh, err, errlen);
	if (ret == 0 && d->st && stats_probe_add(d->st, probe, ev) < 0)
		ret = -ENOMEM;
	if (ret < 0)
		return ret == -ENOMEM ? 1 : EXIT_USAGE;
	return 0;
}

/*
 * After a filter was refused: perf's ioctl only says EINVAL, so ask the
 * kernel's filter parser for its words (appended to err).
 */
void dprobe_filter_explain(char *err, size_t errlen, const char *name, const char *filter)
{
	char sys[128], why[512];
	const char *slash = strchr(name, '/');
	size_t used;

	if (!filter || !slash || (size_t)(slash - name) >= sizeof(sys))
		return;
	snprintf(sys, sizeof(sys), "%.*s", (int)(slash - name), name);
	if (probe_filter_explain(sys, slash + 1, filter, why, sizeof(why)) == -EINVAL && why[0]) {
		used = strlen(err);
		snprintf(err + used, errlen - used, "; the kernel's filter parser on %s: %s", name, why);
	}
}

void dprobe_close(struct daemon *d, struct dprobe *dp);

/*
 * dprobe_open - create the probe's dynamic event, add its events with
 * their filter and handlers, and open them when the engine runs (live).
 * Events another probe traces already are left to it.  On failure
 * nothing of the probe stays.  Returns 0, or an exit status with a
 * message.
 */
int dprobe_open(struct daemon *d, struct dprobe *dp, bool live, char *err, size_t errlen)
{
	const struct probe_spec *ps = dprobe_spec(dp);
	struct jlog_hint *hints = NULL;
	size_t nh = 0, i, traced = 0;
	const struct dprobe *other = NULL;
	int ret, status = 0;

	ret = dprobe_hints_build(ps, &hints, &nh, err, errlen);
	if (ret < 0)
		return ret == -ENOMEM ? 1 : EXIT_USAGE;
	if (probe_spec_is_dynamic(ps)) {
		ret = probe_group_add(d->grp, ps, err, errlen);
		if (ret < 0) {
			free(hints);
			return exit_code(ret);
		}
		dp->created = true;
	}
	for (i = 0; i < dp->nr_names; i++) {
		char *slash = strchr(dp->names[i], '/');
		struct engine_event *ev;
		const struct dprobe *o = claimed_by(d, dp, dp->names[i]);

		if (o) {
			/* overlapping globs, or an event named twice: the first probe has it */
			other = o;
			continue;
		}
		*slash = 0;
		ev = engine_event_add(d->e, dp->names[i], slash + 1, err, errlen);
		*slash = '/';
		if (!ev) {
			status = errno == ENOENT ? EXIT_USAGE : 1;
			goto fail;
		}
		dp->evs[i] = ev;
		if (dp->filter && engine_event_set_filter(ev, dp->filter) < 0) {
			snprintf(err, errlen, "out of memory");
			status = 1;
			goto fail;
		}
		status = handlers_attach(d, dp->cp, ev, hints, nh, err, errlen);
		if (status)
			goto fail;
		if (live) {
			ret = engine_event_open(d->e, ev, err, errlen);
			if (ret < 0) {
				dprobe_filter_explain(err, errlen, dp->names[i], dp->filter);
				status = 1;
				goto fail;
			}
			daemon_keepalive(d);	/* a glob of many events takes a while */
		}
		traced++;
	}
	free(hints);
	if (!traced && !dp->cp->event_names) {
		snprintf(err, errlen, "%s:%s: %s is traced by the probe %s already",
			 probe_kind_name(ps->kind), ps->name,
			 dp->nr_names == 1 ? dp->names[0] : "every event it names",
			 other ? other->name : "?");
		dprobe_close(d, dp);
		return EXIT_USAGE;
	}
	return 0;
fail:
	free(hints);
	dprobe_close(d, dp);
	return status;
}

/*
 * dprobe_close - close the probe's events (what the rings hold of them
 * still reaches their handlers), then remove its dynamic event.
 */
void dprobe_close(struct daemon *d, struct dprobe *dp)
{
	char err[512];
	size_t i;

	for (i = 0; i < dp->nr_names; i++) {
		if (!dp->evs[i])
			continue;
		engine_event_close(d->e, dp->evs[i]);
		if (d->st)
			stats_probe_remove(d->st, dp->evs[i]);
		dp->evs[i] = NULL;
		daemon_keepalive(d);
	}
	if (dp->created) {
		/* a failure stays in the group's list: removed at exit */
		if (probe_group_delete(d->grp, dprobe_spec(dp)->name, err, sizeof(err)) < 0)
			log_warnx("%s", err);
		dp->created = false;
	}
}

int daemon_probes_push(struct daemon *d, struct dprobe *dp)
{
	struct dprobe **v = realloc(d->probes, (d->nr_probes + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	d->probes = v;
	v[d->nr_probes++] = dp;
	return 0;
}

struct dprobe *daemon_probes_find(const struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nr_probes; i++)
		if (!strcmp(d->probes[i]->name, name))
			return d->probes[i];
	return NULL;
}

void daemon_probes_drop(struct daemon *d, struct dprobe *dp)
{
	size_t i;

	for (i = 0; i < d->nr_probes; i++)
		if (d->probes[i] == dp) {
			memmove(&d->probes[i], &d->probes[i + 1],
				(d->nr_probes - i - 1) * sizeof(*d->probes));
			d->nr_probes--;
			return;
		}
}

