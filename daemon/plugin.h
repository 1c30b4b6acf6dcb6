/* SPDX-License-Identifier: MIT */
/*
 * plugin.h - handler plugins: shared objects loaded with dlopen whose
 * functions run on the worker threads for the records of the probes that
 * name them (the plugin side of the API is tracelogd-plugin.h).
 */
#ifndef TRACELOGD_PLUGIN_PRIVATE_H
#define TRACELOGD_PLUGIN_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"

struct plugin;

/*
 * plugin_load - open path as a plugin may be opened (absolute, a regular
 * file, not a symbolic link, owned by owner - root: 0 - and writable by
 * its owner alone), load it from the checked descriptor with
 * dlopen(RTLD_NOW | RTLD_LOCAL), check its descriptor and ABI version, and
 * run its init with workers (the engine's worker count).
 * Returns the plugin, to be freed with plugin_unload(), or NULL with errno
 * (EPERM, ELOOP, ENOENT, ENOEXEC: not a plugin or the wrong ABI, or the
 * -errno init returned) and a message naming path in err.
 */
struct plugin *plugin_load(const char *path, uid_t owner, unsigned workers,
			   char *err, size_t errlen);

/*
 * plugin_unload - run the plugin's fini, then dlclose it and free what
 * plugin_attach() made.  Only once no worker can call it any more (after
 * engine_stop()).  NULL is ok.
 */
void plugin_unload(struct plugin *p);

/* plugin_path - the path it was loaded from (owned by p). */
const char *plugin_path(const struct plugin *p);

/*
 * plugin_attach - call function (looked up now with dlsym) for each
 * record of ev, as probe.  Returns 0, or -ENOENT (no such symbol: the
 * message names the file and the symbol) or -ENOMEM, with a message.
 */
int plugin_attach(struct plugin *p, struct engine_event *ev, const char *probe,
		  const char *function, char *err, size_t errlen);

/*
 * plugin_call - run function of p on rec directly, as a worker would (for
 * tests and tools).  offset_ns: realtime - monotonic.  Returns what the
 * function returned, or -ENOENT when p has no such function.
 */
int plugin_call(struct plugin *p, const char *function, const struct engine_record *rec,
		const char *probe, unsigned worker, int64_t offset_ns);

struct plugin_stats {
	uint64_t calls;		/* event function calls */
	uint64_t failures;	/* calls that returned a negative value */
};

void plugin_stats_get(const struct plugin *p, struct plugin_stats *st);

/* plugin_clock_set - realtime - monotonic, for ev->time_ns (any thread). */
void plugin_clock_set(struct plugin *p, int64_t offset_ns);

#endif
