/* SPDX-License-Identifier: MIT */
/*
 * tracelogd-plugin.h - the C API of tracelogd handler plugins.  This is the
 * only header a plugin includes: it does not depend on tracelogd's engine
 * or on any of its other headers, and a plugin links against nothing of
 * tracelogd (build it with -fPIC -shared; -Wl,-z,defs works).
 *
 * Configuration
 * -------------
 *
 *   [tracepoint exec]
 *   event = sched/sched_process_exec
 *   handler = json, plugin:/usr/local/lib/tracelogd/count.so:count_event
 *
 * (or, on the command line, --handler plugin:/PATH.so:FUNCTION after the
 * -e or -p it applies to).  For every record of that probe tracelogd
 * calls FUNCTION(ev, state), after the handlers listed before it.
 *
 * What a plugin defines
 * ---------------------
 *
 *   #include "tracelogd-plugin.h"
 *
 *   static int count_init(const struct tracelogd_plugin_info *info,
 *                         void **state, char *err, size_t errlen);
 *   static void count_fini(void *state);
 *
 *   TRACELOGD_PLUGIN_DEFINE(.name = "count", .init = count_init, .fini = count_fini);
 *
 *   int count_event(const struct tracelogd_event *ev, void *state)
 *   {
 *           ... read ev->pid, ev->comm, tracelogd_field_int(ev, i, 0, &v) ...
 *           return 0;
 *   }
 *
 * TRACELOGD_PLUGIN_DEFINE() defines the descriptor `tracelogd_plugin`
 * (the symbol TRACELOGD_PLUGIN_SYMBOL) that marks the shared object as a
 * plugin and carries the ABI version it was compiled for.  Event functions
 * have the type tracelogd_event_fn and default visibility (in C++,
 * declare them extern "C"); one shared object may hold several, each named
 * by its own handler line.
 *
 * Loading (checked before the daemon starts tracing; any failure refuses
 * the configuration with a message naming the file and the symbol)
 * -------
 *
 * - PATH must be absolute, a regular file (not a symbolic link), owned by
 *   root and writable by its owner alone, like the configuration file.
 * - It is opened once, checked on the open descriptor, and loaded from that
 *   descriptor with dlopen(RTLD_NOW | RTLD_LOCAL): every undefined symbol
 *   must resolve at load, and the plugin's symbols do not leak into others.
 * - `tracelogd_plugin` must exist and its abi must equal the daemon's
 *   TRACELOGD_PLUGIN_ABI; FUNCTION must exist.
 * - A shared object named by several handlers (several functions, several
 *   probes) is loaded once: init runs once, one state serves them all.
 *   A reload (SIGHUP) keeps loaded plugins loaded, state and all: a new
 *   build of the file is loaded at the next start.
 * - tracelogd -n (checking a configuration) loads the plugin, runs init,
 *   looks the functions up and runs fini, without any event in between.
 *
 * Threading contract
 * ------------------
 *
 * - init runs once, on the daemon's main thread, before any event
 *   function; fini runs once, on the main thread, after the last event
 *   function has returned and every worker has stopped.  Neither runs
 *   concurrently with anything else of the plugin.
 * - Event functions run on the daemon's worker threads, CONCURRENTLY: up
 *   to info->workers calls at once, for different records, all with the
 *   same state.  The records of one thread (tid) always reach the same
 *   worker, in kernel order; no order holds across threads.  ev->worker
 *   (0 .. info->workers - 1) names the calling worker, and no two calls
 *   with the same ev->worker ever overlap: per-worker slots indexed by it
 *   need no lock.  Anything shared across workers needs atomics or a lock.
 * - An event function should return quickly and must not block for long:
 *   while it runs, its worker's queue fills, and a full queue drops records
 *   (counted and reported, but lost).  Do slow I/O in batches, or hand it
 *   to a thread of your own started in init and joined in fini.
 * - Do not call exit(), fork(), exec*(), dlclose() of yourself, or change
 *   the signal mask or signal dispositions: the daemon reads its signals
 *   with a signalfd and blocks them in every thread.  A thread a plugin
 *   starts inherits that mask; keep it.
 * - A plugin runs inside the daemon, as root: it is as trusted as the
 *   configuration file, and a crash in it is a crash of the daemon.
 *
 * Lifetime of what a call receives
 * --------------------------------
 *
 * ev and everything reached from it (strings, field values, the pointer
 * tracelogd_field_str() returns) are valid during the call only.  Copy
 * what you keep.  Strings are not NUL-terminated unless said so; they are
 * the kernel's bytes, not necessarily UTF-8, and may hold anything an
 * attacker put in a file name: escape them before printing to a terminal.
 *
 * Compatibility
 * -------------
 *
 * TRACELOGD_PLUGIN_ABI changes when a change breaks compiled plugins; the
 * daemon refuses a plugin compiled for another ABI.  Within one ABI,
 * struct tracelogd_event, struct tracelogd_plugin_info and struct
 * tracelogd_ops only grow at their end, and each carries its size: the
 * inline accessors below check it before using a newer member.
 */
#ifndef TRACELOGD_PLUGIN_H
#define TRACELOGD_PLUGIN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRACELOGD_PLUGIN_ABI	1

/* the name of the descriptor TRACELOGD_PLUGIN_DEFINE() defines */
#define TRACELOGD_PLUGIN_SYMBOL	"tracelogd_plugin"

struct tracelogd_event;

/* What a field holds, and so which accessor reads it. */
enum tracelogd_field_type {
	TRACELOGD_FIELD_INT = 1,	/* an integer: tracelogd_field_int(ev, i, 0, &v) */
	TRACELOGD_FIELD_POINTER = 2,	/* an address: tracelogd_field_int(ev, i, 0, &v) */
	TRACELOGD_FIELD_STRING = 3,	/* text (char[N], __data_loc char[]): tracelogd_field_str() */
	TRACELOGD_FIELD_ARRAY = 4,	/* integers: tracelogd_field_count(), then
					   tracelogd_field_int(ev, i, elem, &v) */
};

/*
 * The functions behind the accessors, filled by the daemon.  Call them
 * through the inline tracelogd_field_*() functions below.
 */
struct tracelogd_ops {
	uint32_t size;		/* sizeof(struct tracelogd_ops) in the daemon */
	int (*field_index)(const struct tracelogd_event *ev, const char *name);
	const char *(*field_name)(const struct tracelogd_event *ev, unsigned i);
	int (*field_type)(const struct tracelogd_event *ev, unsigned i);
	int (*field_signed)(const struct tracelogd_event *ev, unsigned i);
	int (*field_width)(const struct tracelogd_event *ev, unsigned i);
	int (*field_int)(const struct tracelogd_event *ev, unsigned i, size_t elem, uint64_t *v);
	int (*field_str)(const struct tracelogd_event *ev, unsigned i, const char **s, size_t *len);
	int (*field_count)(const struct tracelogd_event *ev, unsigned i, size_t *n);
};

/*
 * One record of a traced event, as an event function receives it.
 * Read-only; valid during the call only.
 */
struct tracelogd_event {
	uint32_t size;		/* sizeof(struct tracelogd_event) in the daemon */
	uint32_t abi;		/* TRACELOGD_PLUGIN_ABI of the daemon */
	const char *probe;	/* the probe's name ("exec"), NUL-terminated */
	const char *event;	/* "system/event" ("sched/sched_process_exec") */
	uint64_t time_ns;	/* wall-clock time, ns since the Unix epoch (UTC) */
	uint64_t mono_ns;	/* CLOCK_MONOTONIC, ns: the log's "mono_ns" */
	uint32_t pid;		/* process id (thread group), in the daemon's pid namespace */
	uint32_t tid;		/* thread id */
	uint32_t cpu;		/* the CPU the event happened on */
	unsigned worker;	/* the worker thread running this call: 0 .. info->workers - 1 */
	const char *comm;	/* the task's name at the time, NUL-terminated, <= 15 bytes */
	unsigned nr_fields;	/* the event's own fields (not common_*): indexes 0 .. nr_fields - 1 */
	const struct tracelogd_ops *ops;
	const void *priv;	/* the daemon's; do not touch */
};

/* What init receives. */
struct tracelogd_plugin_info {
	uint32_t size;		/* sizeof(struct tracelogd_plugin_info) in the daemon */
	uint32_t abi;		/* TRACELOGD_PLUGIN_ABI of the daemon */
	unsigned workers;	/* worker threads: ev->worker is below this */
	const char *path;	/* the shared object's path, as configured */
	const char *version;	/* the daemon's version ("0.1.0") */
};

/*
 * An event function: called for each record of the probes whose handler
 * names it, with the state init made (NULL without init).  Returns 0, or
 * a negative value (-errno) that the daemon counts as a failed call (in
 * its stats); the record goes on to the next handler either way.
 */
typedef int tracelogd_event_fn(const struct tracelogd_event *ev, void *state);

/* The descriptor: define it with TRACELOGD_PLUGIN_DEFINE(). */
struct tracelogd_plugin {
	uint32_t abi;		/* TRACELOGD_PLUGIN_ABI the plugin was compiled for */
	const char *name;	/* for messages; may be NULL */
	/*
	 * init (optional) - set *state (NULL before the call) for the event
	 * functions and fini.  Returns 0, or -errno with a one-line message in
	 * err (errlen bytes) that the daemon prints: the plugin is refused,
	 * and fini is not called (release what init made before failing).
	 */
	int (*init)(const struct tracelogd_plugin_info *info, void **state,
		    char *err, size_t errlen);
	/* fini (optional) - release state: the daemon is stopping. */
	void (*fini)(void *state);
};

#ifdef __cplusplus
#define TRACELOGD_EXTERN extern "C"
#else
#define TRACELOGD_EXTERN extern
#endif

#define TRACELOGD_PLUGIN_DEFINE(...)					\
	TRACELOGD_EXTERN __attribute__((visibility("default")))	\
	const struct tracelogd_plugin tracelogd_plugin;			\
	const struct tracelogd_plugin tracelogd_plugin = {		\
		.abi = TRACELOGD_PLUGIN_ABI, __VA_ARGS__		\
	}

/*
 * Field accessors.  i is a field index, 0 .. ev->nr_fields - 1, in the
 * order of the event's format file (tracelogd_field_index() finds one by
 * name: a linear scan, cheap for the few fields an event has).  Readers
 * return 0, or -EINVAL (no field i, or not of that type) or -ERANGE (the
 * record is too short, or a dynamic field points outside it): a malformed
 * record is never read out of bounds.
 */

/* tracelogd_field_index - the index of field name, or -ENOENT. */
static inline int tracelogd_field_index(const struct tracelogd_event *ev, const char *name)
{
	return ev->ops->field_index(ev, name);
}

/* tracelogd_field_name - field i's name (NUL-terminated), or NULL. */
static inline const char *tracelogd_field_name(const struct tracelogd_event *ev, unsigned i)
{
	return ev->ops->field_name(ev, i);
}

/* tracelogd_field_type - an enum tracelogd_field_type, or -EINVAL. */
static inline int tracelogd_field_type(const struct tracelogd_event *ev, unsigned i)
{
	return ev->ops->field_type(ev, i);
}

/* tracelogd_field_signed - 1 when the value (or each element) is signed, 0 if not, or -EINVAL. */
static inline int tracelogd_field_signed(const struct tracelogd_event *ev, unsigned i)
{
	return ev->ops->field_signed(ev, i);
}

/* tracelogd_field_width - bytes of the value or of each element (1, 2, 4, 8), or -EINVAL. */
static inline int tracelogd_field_width(const struct tracelogd_event *ev, unsigned i)
{
	return ev->ops->field_width(ev, i);
}

/*
 * tracelogd_field_int - an INT or POINTER field (elem 0), or element elem
 * of an ARRAY field.  Signed values are sign-extended: (int64_t)*v is the
 * value.
 */
static inline int tracelogd_field_int(const struct tracelogd_event *ev, unsigned i,
				      size_t elem, uint64_t *v)
{
	return ev->ops->field_int(ev, i, elem, v);
}

/*
 * tracelogd_field_str - a STRING field: *s points to its bytes (NOT
 * NUL-terminated), *len stops before the first NUL.  Valid during the call.
 */
static inline int tracelogd_field_str(const struct tracelogd_event *ev, unsigned i,
				      const char **s, size_t *len)
{
	return ev->ops->field_str(ev, i, s, len);
}

/* tracelogd_field_count - the number of elements of an ARRAY field. */
static inline int tracelogd_field_count(const struct tracelogd_event *ev, unsigned i, size_t *n)
{
	return ev->ops->field_count(ev, i, n);
}

#ifdef __cplusplus
}
#endif

#endif /* TRACELOGD_PLUGIN_H */
