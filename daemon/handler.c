// SPDX-License-Identifier: MIT
/*
 * handler.c - a probe's handlers, by name, onto its engine event (see
 * handler.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handler.h"
#include "journald.h"
#include "plugin.h"
#include "pretty.h"

#define HANDLER_SYNTAX	"json, pretty, journald or plugin:/PATH.so:FUNCTION"

struct handler_ctx {
	struct handler_opts opts;
	struct pretty *pretty;
	struct journald *journald;
	struct plugin **plugins;
	size_t nr_plugins;
	int64_t offset_ns;		/* realtime - monotonic, at the last update */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* realtime - monotonic, from the tightest of three brackets */
static int64_t clock_offset(void)
{
	int64_t best = INT64_MAX, off = 0;
	int i;

	for (i = 0; i < 3; i++) {
		int64_t m1 = clock_ns(CLOCK_MONOTONIC);
		int64_t r = clock_ns(CLOCK_REALTIME);
		int64_t m2 = clock_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best) {
			best = m2 - m1;
			off = r - (m1 + (m2 - m1) / 2);
		}
	}
	return off;
}

void handler_ctx_clock_update(struct handler_ctx *ctx)
{
	size_t i;

	ctx->offset_ns = clock_offset();
	if (ctx->pretty)
		pretty_clock_set(ctx->pretty, ctx->offset_ns);
	if (ctx->journald)
		journald_clock_set(ctx->journald, ctx->offset_ns);
	for (i = 0; i < ctx->nr_plugins; i++)
		plugin_clock_set(ctx->plugins[i], ctx->offset_ns);
}

struct handler_ctx *handler_ctx_new(const struct handler_opts *opts, char *err, size_t errlen)
{
	struct handler_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (opts)
		ctx->opts = *opts;
	if (!ctx->opts.workers)
		ctx->opts.workers = 2;
	ctx->offset_ns = clock_offset();
	return ctx;
}

void handler_ctx_free(struct handler_ctx *ctx)
{
	size_t i;

	if (!ctx)
		return;
	for (i = 0; i < ctx->nr_plugins; i++)
		plugin_unload(ctx->plugins[i]);
	free(ctx->plugins);
	pretty_close(ctx->pretty);
	journald_close(ctx->journald);
	free(ctx);
}

static bool ident_valid(const char *s)
{
	size_t i;

	if (!s[0] || (s[0] >= '0' && s[0] <= '9') || strlen(s) > 127)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int handler_spec_parse(const char *spec, enum handler_kind *kind, char **path,
		       char **function, char *err, size_t errlen)
{
	const char *colon;

	*path = *function = NULL;
	if (!strcmp(spec, "json")) {
		*kind = HANDLER_JSON;
		return 0;
	}
	if (!strcmp(spec, "pretty")) {
		*kind = HANDLER_PRETTY;
		return 0;
	}
	if (!strcmp(spec, "journald")) {
		*kind = HANDLER_JOURNALD;
		return 0;
	}
	if (strncmp(spec, "plugin:", 7)) {
		snprintf(err, errlen, "handler \"%s\" is not " HANDLER_SYNTAX, spec);
		return -EINVAL;
	}
	colon = strrchr(spec + 7, ':');
	if (!colon || !ident_valid(colon + 1)) {
		snprintf(err, errlen,
			 "handler \"%s\": expected plugin:/PATH.so:FUNCTION (FUNCTION: letters, digits and _)",
			 spec);
		return -EINVAL;
	}
	if (spec[7] != '/') {
		snprintf(err, errlen, "handler \"%s\": the plugin's path must be absolute", spec);
		return -EINVAL;
	}
	*path = strndup(spec + 7, (size_t)(colon - spec - 7));
	*function = strdup(colon + 1);
	if (!*path || !*function) {
		free(*path);
		free(*function);
		*path = *function = NULL;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*kind = HANDLER_PLUGIN;
	return 0;
}

/* the plugin loaded from path, loading it at first use */
static int plugin_get(struct handler_ctx *ctx, const char *path, struct plugin **out,
		      char *err, size_t errlen)
{
	struct plugin **v, *p;
	size_t i;

	for (i = 0; i < ctx->nr_plugins; i++)
		if (!strcmp(plugin_path(ctx->plugins[i]), path)) {
			*out = ctx->plugins[i];
			return 0;
		}
	v = realloc(ctx->plugins, (ctx->nr_plugins + 1) * sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ctx->plugins = v;
	p = plugin_load(path, ctx->opts.plugin_owner, ctx->opts.workers, err, errlen);
	if (!p)
		return -errno;
	plugin_clock_set(p, ctx->offset_ns);
	ctx->plugins[ctx->nr_plugins++] = p;
	*out = p;
	return 0;
}

/* "probe NAME: " in front of a message made by a sink */
static void prefix_probe(char *err, size_t errlen, const char *probe)
{
	char tmp[1024];

	if (!errlen || !strncmp(err, "probe ", 6))
		return;
	snprintf(tmp, sizeof(tmp), "%s", err);
	snprintf(err, errlen, "probe %s: %s", probe, tmp);
}

static int attach(struct handler_ctx *ctx, struct engine_event *ev, const char *probe,
		  enum handler_kind kind, const char *path, const char *function,
		  const struct jlog_hint *hints, size_t nh, char *err, size_t errlen)
{
	struct plugin *p = NULL;
	int ret;

	switch (kind) {
	case HANDLER_JSON:
		if (!ctx->opts.jlog) {
			snprintf(err, errlen, "probe %s: handler json: no log is open", probe);
			return -EINVAL;
		}
		ret = jlog_add_event_hints(ctx->opts.jlog, ev, probe, hints, nh, err, errlen);
		if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		break;
	case HANDLER_PRETTY:
		if (!ctx->pretty) {
			ctx->pretty = pretty_open(ctx->opts.pretty_path, ctx->opts.workers,
						  ctx->opts.pretty_batch, err, errlen);
			if (!ctx->pretty) {
				ret = -errno;
				prefix_probe(err, errlen, probe);
				return ret;
			}
			pretty_clock_set(ctx->pretty, ctx->offset_ns);
		}
		ret = pretty_add_event(ctx->pretty, ev, probe, hints, nh, err, errlen);
		break;
	case HANDLER_JOURNALD:
		if (!ctx->journald) {
			ctx->journald = journald_open(ctx->opts.journal_socket, ctx->opts.workers,
						      err, errlen);
			if (!ctx->journald) {
				ret = -errno;
				prefix_probe(err, errlen, probe);
				return ret;
			}
			journald_clock_set(ctx->journald, ctx->offset_ns);
		}
		ret = journald_add_event(ctx->journald, ev, probe, hints, nh, err, errlen);
		break;
	case HANDLER_PLUGIN:
		ret = plugin_get(ctx, path, &p, err, errlen);
		if (!ret)
			ret = plugin_attach(p, ev, probe, function, err, errlen);
		break;
	default:
		snprintf(err, errlen, "probe %s: unknown handler kind %d", probe, (int)kind);
		return -EINVAL;
	}
	if (ret < 0)
		prefix_probe(err, errlen, probe);
	return ret < 0 ? ret : 0;
}

int handler_attach(struct handler_ctx *ctx, struct engine_event *ev, const char *probe,
		   const char *spec, const struct jlog_hint *hints, size_t nh,
		   char *err, size_t errlen)
{
	enum handler_kind kind;
	char *path, *function;
	int ret;

	ret = handler_spec_parse(spec, &kind, &path, &function, err, errlen);
	if (ret < 0) {
		prefix_probe(err, errlen, probe);
		return ret;
	}
	ret = attach(ctx, ev, probe, kind, path, function, hints, nh, err, errlen);
	free(path);
	free(function);
	return ret;
}

int handler_attach_conf(struct handler_ctx *ctx, struct engine_event *ev, const char *probe,
			const struct conf_handler *h, const struct jlog_hint *hints, size_t nh,
			char *err, size_t errlen)
{
	switch (h->kind) {
	case CONF_HANDLER_JSON:
		return attach(ctx, ev, probe, HANDLER_JSON, NULL, NULL, hints, nh, err, errlen);
	case CONF_HANDLER_PRETTY:
		return attach(ctx, ev, probe, HANDLER_PRETTY, NULL, NULL, hints, nh, err, errlen);
	case CONF_HANDLER_PLUGIN:
		return attach(ctx, ev, probe, HANDLER_PLUGIN, h->path, h->function, hints, nh,
			      err, errlen);
	}
	snprintf(err, errlen, "probe %s: unknown handler kind %d", probe, (int)h->kind);
	return -EINVAL;
}

void handler_ctx_on_idle(unsigned worker, void *arg)
{
	struct handler_ctx *ctx = arg;

	if (ctx && ctx->pretty)
		pretty_on_idle(worker, ctx->pretty);
}

void handler_ctx_on_loss(const struct engine_loss *loss, void *arg)
{
	struct handler_ctx *ctx = arg;

	if (ctx && ctx->pretty)
		pretty_on_loss(loss, ctx->pretty);
}

void handler_ctx_flush(struct handler_ctx *ctx)
{
	if (ctx->pretty)
		pretty_flush_all(ctx->pretty);
}

void handler_ctx_stats_get(struct handler_ctx *ctx, struct handler_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (ctx->pretty) {
		struct pretty_stats ps;

		pretty_stats_get(ctx->pretty, &ps);
		st->pretty_written = ps.written;
		st->pretty_dropped = ps.dropped;
	}
	if (ctx->journald) {
		struct journald_stats js;

		journald_stats_get(ctx->journald, &js);
		st->journald_sent = js.sent;
		st->journald_dropped = js.dropped;
	}
	for (i = 0; i < ctx->nr_plugins; i++) {
		struct plugin_stats ps;

		plugin_stats_get(ctx->plugins[i], &ps);
		st->plugin_calls += ps.calls;
		st->plugin_failures += ps.failures;
	}
	st->plugins = (unsigned)ctx->nr_plugins;
}
