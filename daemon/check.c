// SPDX-License-Identifier: MIT
/*
 * check.c - tracelogd -n: a configuration checked against this kernel
 * (see daemon_check() in daemon.h).  Messages are sorted by the line of
 * the probe they concern and printed at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon-private.h"
#include "journald.h"
#include "textfmt.h"

struct check_msg {
	unsigned line;		/* of the probe's section; 0: the whole file */
	size_t seq;
	char *text;
};

struct check {
	const struct daemon_opts *o;
	struct conf *conf;
	struct check_msg *msgs;
	size_t nr_msgs;
	unsigned errors;
};

/* a message, printed in the order of the file's lines at the end */
static void check_note(struct check *c, const struct conf_probe *cp, bool error, const char *msg)
{
	struct check_msg *v = realloc(c->msgs, (c->nr_msgs + 1) * sizeof(*v));
	char wb[512];

	c->errors += error;
	if (!v || asprintf(&v[c->nr_msgs].text, "%s%s",
			   cp ? daemon_where(c->o, c->conf, cp, wb, sizeof(wb)) : "", msg) < 0) {
		/* no room to sort it: said now */
		fprintf(stderr, "%s\n", msg);
		if (v)
			c->msgs = v;
		return;
	}
	c->msgs = v;
	v[c->nr_msgs].line = cp && c->o->conf_path ? cp->line : 0;
	v[c->nr_msgs].seq = c->nr_msgs;
	c->nr_msgs++;
}

static void check_error(struct check *c, const struct conf_probe *cp, const char *msg)
{
	check_note(c, cp, true, msg);
}

static int check_msg_cmp(const void *a, const void *b)
{
	const struct check_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The log's directory: a warning when it is missing, as it is before the
 * first start under systemd (LogsDirectory= makes it then).
 */
static void check_log(struct check *c)
{
	const char *log = c->conf->daemon.log, *slash;
	char dir[4096], msg[8400];
	struct stat st;

	if (!log || !strcmp(log, "-") || !(slash = strrchr(log, '/')))
		return;
	snprintf(dir, sizeof(dir), "%.*s", slash == log ? 1 : (int)(slash - log), log);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		bool missing = errno == ENOENT;

		snprintf(msg, sizeof(msg), "%s: %slog = %s: %s %s", c->conf->file,
			 missing ? "warning: " : "", log, dir,
			 missing ? "does not exist (yet: systemd's LogsDirectory= makes it)" :
				   "is not a directory");
		check_note(c, NULL, !missing, msg);
	}
}

/*
 * The check group: the daemon's group with _check, so that a running
 * daemon keeps its own.  At most 63 characters.
 */
static void check_group_name(const char *group, char *out, size_t len)
{
	size_t n = strlen(group);

	if (n > PROBE_NAME_MAX - 6)
		n = PROBE_NAME_MAX - 6;
	snprintf(out, len, "%.*s_check", (int)n, group);
}

int daemon_check(struct conf *conf, const struct daemon_opts *o)
{
	struct check c = { .o = o, .conf = conf };
	struct handler_ctx *hc = NULL;
	struct dprobe **prep = NULL;
	struct engine *e = NULL;
	struct probe_group *cg = NULL;
	char err[1024], group[PROBE_NAME_MAX + 1];
	size_t i, j, k;
	bool dynamic = false;
	int ret;

	if (!engine_tracefs_dir(err, sizeof(err))) {
		check_error(&c, NULL, err);
		goto out;
	}
	{
		struct handler_opts ho = { .workers = conf->daemon.workers };

		hc = handler_ctx_new(&ho, err, sizeof(err));
		if (!hc) {
			check_error(&c, NULL, err);
			goto out;
		}
	}
	check_group_name(conf->daemon.group ? conf->daemon.group : "tracelogd", group, sizeof(group));
	prep = calloc(conf->nr_probes + 1, sizeof(*prep));
	if (!prep) {
		check_error(&c, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < conf->nr_probes; i++) {
		const struct conf_probe *cp = &conf->probes[i];

		if (dprobe_prepare(cp, group, &prep[i], err, sizeof(err))) {
			check_error(&c, cp, err);
			continue;
		}
		dynamic |= probe_spec_is_dynamic(cp->spec);
	}
	check_log(&c);
	if (conf->daemon.journald) {
		struct journald *jd = journald_open(NULL, conf->daemon.workers, err, sizeof(err));

		if (!jd) {
			char msg[1200];

			snprintf(msg, sizeof(msg), "%s: journald = yes: %s", conf->file, err);
			check_error(&c, NULL, msg);
		}
		journald_close(jd);
	}

	/* the kernel's word: create, read the formats, try the filters, remove */
	e = engine_new(NULL, err, sizeof(err));
	if (!e) {
		check_error(&c, NULL, err);
		goto out;
	}
	if (dynamic) {
		unsigned removed;

		cg = probe_group_open(group, &removed, err, sizeof(err));
		if (!cg) {
			check_error(&c, NULL, err);
			goto out;
		}
	}
	for (i = 0; i < conf->nr_probes; i++) {
		struct dprobe *dp = prep[i];
		const struct conf_probe *cp = &conf->probes[i];
		struct jlog_hint *hints = NULL;
		size_t nh = 0, traced = 0;

		if (!dp)
			continue;
		if (dprobe_hints_build(cp->spec, &hints, &nh, err, sizeof(err)) < 0) {
			check_error(&c, cp, err);
			continue;
		}
		if (probe_spec_is_dynamic(cp->spec)) {
			ret = probe_group_add(cg, cp->spec, err, sizeof(err));
			if (ret < 0) {
				check_error(&c, cp, err);
				free(hints);
				continue;
			}
			dp->created = true;
		}
		for (j = 0; j < dp->nr_names; j++) {
			char *slash = strchr(dp->names[j], '/');
			struct engine_event *ev;
			enum jlog_render *renders;
			bool twice = false;

			/* traced by an earlier enabled probe: it would have it */
			for (k = 0; k < i && cp->enabled && !twice; k++) {
				size_t m;

				for (m = 0; prep[k] && conf->probes[k].enabled && m < prep[k]->nr_names; m++)
					if (!strcmp(prep[k]->names[m], dp->names[j]))
						twice = true;
			}
			if (twice)
				continue;
			traced++;
			*slash = 0;
			ev = engine_event_add(e, dp->names[j], slash + 1, err, sizeof(err));
			if (ev && dp->filter) {
				char why[512];

				ret = probe_filter_explain(dp->names[j], slash + 1, dp->filter, why,
							   sizeof(why));
				if (ret < 0) {
					char msg[1200];

					snprintf(msg, sizeof(msg), "%s:%s: filter \"%s\" on %s/%s: %s",
						 probe_kind_name(cp->spec->kind), cp->name, dp->filter,
						 dp->names[j], slash + 1,
						 why[0] ? why : strerror(-ret));
					check_error(&c, cp, msg);
				}
			}
			*slash = '/';
			if (!ev) {
				check_error(&c, cp, err);
				continue;
			}
			renders = calloc(engine_event_nr_fields(ev) + 1, sizeof(*renders));
			if (!renders ||
			    textfmt_hints_resolve(ev, cp->name, hints, nh, renders, err, sizeof(err)) < 0)
				check_error(&c, cp, renders ? err : "out of memory");
			free(renders);
			/* plugins: loaded (their init runs), their functions looked up */
			for (k = 0; k < cp->nr_handlers; k++) {
				const struct conf_handler *hd = &cp->handlers[k];

				if (hd->kind == CONF_HANDLER_PLUGIN &&
				    handler_attach_conf(hc, ev, cp->name, hd, hints, nh, err, sizeof(err)) < 0)
					check_error(&c, cp, err);
			}
		}
		free(hints);
		if (!traced && cp->enabled && !cp->event_names) {
			snprintf(err, sizeof(err), "%s:%s: every event it names is traced by an earlier probe",
				 probe_kind_name(cp->spec->kind), cp->name);
			check_error(&c, cp, err);
		}
	}
out:
	engine_free(e);		/* before the plugins (their bindings) and the group */
	if (cg && probe_group_remove(cg, err, sizeof(err)) < 0)
		check_error(&c, NULL, err);
	probe_group_close(cg);
	handler_ctx_free(hc);
	if (prep)
		for (i = 0; i < conf->nr_probes; i++)
			dprobe_free(prep[i]);
	free(prep);
	if (c.nr_msgs)
		qsort(c.msgs, c.nr_msgs, sizeof(*c.msgs), check_msg_cmp);
	for (i = 0; i < c.nr_msgs; i++) {
		fprintf(stderr, "%s\n", c.msgs[i].text);
		free(c.msgs[i].text);
	}
	free(c.msgs);
	if (c.errors)
		return EXIT_USAGE;
	printf("configuration OK\n");
	return 0;
}

