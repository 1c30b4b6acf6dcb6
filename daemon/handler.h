/* SPDX-License-Identifier: MIT */
/*
 * handler.h - attaching a probe's handlers to its engine event: "json" (the
 * JSON-lines log, jlog.h), "pretty" (pretty.h), "journald" (journald.h)
 * and "plugin:/PATH.so:FUNCTION" (plugin.h, tracelogd-plugin.h).
 *
 * A handler context holds what the probes share: the log, the one pretty
 * output, the one journald connection, each plugin loaded once (by path)
 * with its state.  The sinks are opened at the first probe that names
 * them, so that a configuration without "journald" never needs journald.
 *
 * Lifetime: handlers hold pointers into the context, so free it only
 * after engine_free() (engine_stop() is not enough on its own for reloads:
 * a closed event keeps its handlers until engine_free()).  Plugins' fini
 * run in handler_ctx_free().
 */
#ifndef TRACELOGD_HANDLER_H
#define TRACELOGD_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "engine.h"
#include "jlog.h"

struct handler_ctx;

struct handler_opts {
	struct jlog *jlog;		/* the "json" handler's log (not owned); NULL: json refused */
	unsigned workers;		/* the engine's worker count (0: 2, the engine's default) */
	const char *pretty_path;	/* NULL or "-": standard output */
	/*
	 * Batch the pretty blocks of each worker: the caller then runs
	 * handler_ctx_on_idle() from the engine's on_idle.  Off: one write per
	 * block, as it is made.
	 */
	bool pretty_batch;
	const char *journal_socket;	/* NULL: JOURNALD_SOCKET (tests) */
	uid_t plugin_owner;		/* who must own a plugin's file: 0 (root) but in tests */
};

/*
 * handler_ctx_new - a context; opts is copied (its strings must outlive
 * the context).  Returns it (free with handler_ctx_free()) or NULL with
 * errno and a message in err.
 */
struct handler_ctx *handler_ctx_new(const struct handler_opts *opts, char *err, size_t errlen);

/*
 * handler_ctx_free - run the plugins' fini and unload them, write what the
 * pretty output holds, close the sinks.  Only after engine_free() (see
 * above).  The log (opts.jlog) is not closed.  NULL is ok.
 */
void handler_ctx_free(struct handler_ctx *ctx);

enum handler_kind {
	HANDLER_JSON,
	HANDLER_PRETTY,
	HANDLER_JOURNALD,
	HANDLER_PLUGIN,
};

/*
 * handler_spec_parse - spec ("json", "pretty", "journald" or
 * "plugin:/ABS/PATH.so:FUNCTION", split at the last colon) into its kind
 * and, for a plugin, *path and *function (malloc'ed, for the caller to
 * free; NULL otherwise).  Returns 0, or -EINVAL with a message, or -ENOMEM.
 */
int handler_spec_parse(const char *spec, enum handler_kind *kind, char **path,
		       char **function, char *err, size_t errlen);

/*
 * handler_attach - add the handler spec names to ev, for probe (its name
 * in every output), after the handlers ev already has.  hints (n of them,
 * may be NULL when 0) are the probe's rendering hints: json, pretty and
 * journald apply them.  Opens the sink, or loads the plugin, at first use.
 * Returns 0, or -errno with a message naming the probe, and the file and
 * symbol for a plugin: -EINVAL (bad spec, bad hint), -ENOENT (no such
 * file, field or function), -EPERM (plugin file owner or mode), -ENOEXEC
 * (not a plugin, wrong ABI), -ENOTSOCK / -ECONNREFUSED (no journald),
 * -ENOMEM.  On failure ev's handlers are as they were.
 */
int handler_attach(struct handler_ctx *ctx, struct engine_event *ev, const char *probe,
		   const char *spec, const struct jlog_hint *hints, size_t nh,
		   char *err, size_t errlen);

/*
 * handler_attach_conf - handler_attach() for a handler of the
 * configuration file (conf.h).  journald is not a conf_handler: the
 * daemon attaches "journald" to every probe when [daemon] journald is on.
 */
int handler_attach_conf(struct handler_ctx *ctx, struct engine_event *ev, const char *probe,
			const struct conf_handler *h, const struct jlog_hint *hints, size_t nh,
			char *err, size_t errlen);

/* handler_ctx_clock_update - re-measure realtime - monotonic for pretty, journald, plugins. */
void handler_ctx_clock_update(struct handler_ctx *ctx);

/*
 * Engine callbacks, to chain from the daemon's own (they do nothing for a
 * sink not opened): on_idle writes a worker's batched pretty blocks,
 * on_loss prints the loss on the pretty output.
 */
void handler_ctx_on_idle(unsigned worker, void *ctx);
void handler_ctx_on_loss(const struct engine_loss *loss, void *ctx);

/* handler_ctx_flush - write batched output (only when the workers are stopped). */
void handler_ctx_flush(struct handler_ctx *ctx);

struct handler_stats {
	uint64_t pretty_written;	/* blocks */
	uint64_t pretty_dropped;
	uint64_t journald_sent;		/* entries */
	uint64_t journald_dropped;
	uint64_t plugin_calls;		/* event function calls, all plugins */
	uint64_t plugin_failures;	/* calls that returned < 0 */
	unsigned plugins;		/* plugins loaded */
};

/* handler_ctx_stats_get - a snapshot of the counters (any thread). */
void handler_ctx_stats_get(struct handler_ctx *ctx, struct handler_stats *st);

#endif
