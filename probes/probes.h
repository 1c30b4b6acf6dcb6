/* SPDX-License-Identifier: MIT */
/*
 * probes.h - finding and creating the events tracelogd traces: tracepoints
 * by name or glob, and dynamic kprobes, kretprobes, uprobes and uretprobes
 * created through tracefs in a group the instance owns.
 * Library conventions as in engine.h: 0/positive or -errno, messages in an
 * err buffer, nothing printed.
 */
#ifndef TRACELOGD_PROBES_H
#define TRACELOGD_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * probe_tracepoint_resolve - the tracepoints a spec names: "system/event",
 * "system:event", or a glob on either part ("syscalls/sys_enter_*").
 * On success *list holds "system/event" strings, sorted, NULL-terminated
 * (free with probe_list_free()) and the count is returned.  A spec that
 * names nothing returns -ENOENT with a message giving the closest names;
 * a malformed spec -EINVAL.
 */
int probe_tracepoint_resolve(const char *spec, char ***list, char *err, size_t errlen);

/* probe_list_free - free a list from probe_tracepoint_resolve(); NULL is ok. */
void probe_list_free(char **list);

/*
 * probe_name_valid - a name tracefs accepts for a group, event or probe:
 * [A-Za-z0-9_], 1 to 63 characters, not starting with a digit... (digits
 * are allowed first for tracepoints the kernel defines).
 */
int probe_name_valid(const char *name, size_t len);

/* ------------------------------------------------------------------ */
/* Probe specs                                                         */

/*
 * The text of a probe, the same on the command line (-p) and, later, in
 * the INI file:
 *
 *   KIND:NAME:TARGET [TOKEN ...]
 *
 *   uprobe:NAME:PATH:SYMBOL[@VERSION][+OFF] | PATH:0xFILEOFFSET
 *   uretprobe:NAME:PATH:SYMBOL[@VERSION] | PATH:0xFILEOFFSET
 *   kprobe:NAME:[MODULE:]FUNCTION[+OFF] | 0xADDRESS
 *   kretprobe:NAME:[MODULE:]FUNCTION | 0xADDRESS
 *   tracepoint:NAME:SYSTEM/EVENT
 *
 * and each TOKEN is one of
 *
 *   FIELD=FETCHARG[:TYPE]	a field fetched by the kernel (not tracepoints)
 *   maxactive=N		kretprobe: instances in flight (1..4096)
 *   render.FIELD=HINT		how the log writes a field (ipv4, ipv6, hex,
 *				errno, port): checked by the log, kept here
 *
 * FETCHARG and TYPE are the kernel's (Documentation/trace/kprobetrace.rst,
 * uprobetracer.rst), checked by probe_fetcharg_check().  Every byte is
 * printable ASCII; tokens are separated by spaces or tabs.
 */
enum probe_kind {
	PROBE_TRACEPOINT,
	PROBE_KPROBE,
	PROBE_KRETPROBE,
	PROBE_UPROBE,
	PROBE_URETPROBE,
};

#define PROBE_NAME_MAX		63	/* the kernel's MAX_EVENT_NAME_LEN - 1 */
#define PROBE_ARGS_MAX		128	/* the kernel's MAX_TRACE_ARGS */
#define PROBE_MAXACTIVE_MAX	4096	/* the kernel's KRETPROBE_MAXACTIVE_MAX */
#define PROBE_CMD_MAX		4096	/* a tracefs write is parsed in 4096-byte lines */

struct probe_arg {
	char *field;		/* "line" */
	char *fetch;		/* "+0($retval):string": fetch argument and type */
};

struct probe_hint {
	char *field;		/* "daddr" */
	char *render;		/* "ipv4", as written */
};

/*
 * A parsed probe.  Plain data: read the fields, change them only through
 * the functions below.  Strings are owned by the spec.
 */
struct probe_spec {
	enum probe_kind kind;
	char *name;		/* the probe's name: the dynamic event's name */
	char *target;		/* TARGET as written */

	/* uprobe, uretprobe */
	char *path;		/* as written; canonical after probe_spec_resolve() */
	char *symbol;		/* "malloc@GLIBC_2.2.5"; NULL for PATH:0xOFFSET */
	uint64_t offset;	/* SYMBOL+OFF, or the file offset of PATH:0xOFFSET */
	bool resolved;		/* file_offset is known */
	uint64_t file_offset;	/* where the uprobe goes in PATH */

	/* kprobe, kretprobe */
	char *function;		/* "[MODULE:]FUNCTION" or "0xADDRESS" */
	uint64_t func_offset;	/* +OFF (kprobe) */
	unsigned maxactive;	/* kretprobe; 0: the kernel's default */

	/* tracepoint */
	char *system, *event;

	struct probe_arg *args;
	size_t nr_args;
	struct probe_hint *hints;
	size_t nr_hints;
};

/* probe_kind_name - "uprobe", "kretprobe", ... (static, do not free) */
const char *probe_kind_name(enum probe_kind kind);

/* probe_kind_parse - the kind named s (len bytes), or -EINVAL. */
int probe_kind_parse(const char *s, size_t len);

/*
 * probe_spec_parse - parse "KIND:NAME:TARGET [TOKEN ...]".
 * Returns 0 with *spec set (free with probe_spec_free()), or -EINVAL with
 * *spec NULL and a one-line message naming the probe and the fault, or
 * -ENOMEM.  Nothing is read from the file system or the kernel.
 */
int probe_spec_parse(const char *text, struct probe_spec **spec, char *err, size_t errlen);

/*
 * Building a spec piece by piece (the INI file's keys):
 * probe_spec_new - a spec of kind with name, NULL with errno (EINVAL: bad
 * name, message in err) otherwise.  Free with probe_spec_free().
 * probe_spec_set_target - TARGET as in the syntax above.
 * probe_spec_add_token - one TOKEN (a field, maxactive=N, render.F=H).
 * probe_spec_add_tokens - several, separated by spaces or tabs.
 * Each returns 0, or -EINVAL (message in err) / -ENOMEM and leaves the
 * spec as it was.
 */
struct probe_spec *probe_spec_new(enum probe_kind kind, const char *name,
				  char *err, size_t errlen);
int probe_spec_set_target(struct probe_spec *spec, const char *target,
			  char *err, size_t errlen);
int probe_spec_add_token(struct probe_spec *spec, const char *token,
			 char *err, size_t errlen);
int probe_spec_add_tokens(struct probe_spec *spec, const char *tokens,
			  char *err, size_t errlen);

/*
 * probe_spec_check - the checks that need the whole spec (a target is set;
 * every render hint names a field for kprobes and uprobes).  0 or -EINVAL.
 */
int probe_spec_check(const struct probe_spec *spec, char *err, size_t errlen);

/* probe_spec_free - free a spec; NULL is ok. */
void probe_spec_free(struct probe_spec *spec);

/*
 * probe_spec_is_dynamic - a kprobe, kretprobe, uprobe or uretprobe: an
 * event probe_group_add() creates (tracepoints exist already).
 */
bool probe_spec_is_dynamic(const struct probe_spec *spec);

/*
 * probe_spec_command - the tracefs line that creates spec in group, with
 * no newline: "p:tracelogd/readline /usr/bin/bash:0xc6c20 x=%di:s32".
 * A uprobe must be resolved first.  Returns its length, or -EINVAL (not
 * resolved, a tracepoint, a bad group) or -E2BIG (longer than
 * PROBE_CMD_MAX - 1) with a message.
 */
int probe_spec_command(const struct probe_spec *spec, const char *group,
		       char *buf, size_t len, char *err, size_t errlen);

/*
 * probe_fetcharg_check - check FETCHARG[:TYPE] against the kernel's fetch
 * syntax for a probe of kind: %reg, $retval, $comm, $stack, $stackN,
 * $argN, @ADDR, @+FILEOFF (uprobes), @SYM[+-OFF] (kprobes),
 * [+-][u]OFF(FETCHARG) nested, \IMM; types u8..u64, s8..s64, x8..x64,
 * char, string, ustring, symbol, symstr, %pd, %pD, bW@O/C and TYPE[N].
 * Refuses what the kind cannot do ($retval on an entry probe, $argN on a
 * uprobe, symbols on a uprobe).  Returns 0 or -EINVAL with a message.
 */
int probe_fetcharg_check(enum probe_kind kind, const char *fetch, char *err, size_t errlen);

/*
 * probe_spec_resolve - what needs the file system: a uprobe's symbol
 * becomes a file offset (probe_uprobe_resolve()) and its path canonical.
 * Nothing to do for other kinds.  Returns 0, or -errno with a message
 * (as probe_uprobe_resolve()).
 */
int probe_spec_resolve(struct probe_spec *spec, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* uprobe targets: ELF symbols to file offsets                         */

/*
 * probe_uprobe_resolve - the file offset of symbol (+ offset) in the ELF
 * file path, where a uprobe on it goes: st_value - p_vaddr + p_offset of
 * the executable PT_LOAD holding it.  .symtab is searched first, then
 * .dynsym.  "name@VERSION" picks a version; a plain name matches any
 * version, the default one (name@@VERSION) first.  symbol NULL: offset is
 * a file offset already, checked to lie in executable code.
 * Returns 0 with *file_offset set, or
 *   -ENOENT  no such file, or no such symbol (the message lists close names)
 *   -ENOEXEC not an ELF file, or a corrupt one (a truncated file whose
 *            headers put the offset past its end)
 *   -EINVAL  not a function (data, an IFUNC), ambiguous, outside its code,
 *            not a regular file
 *   -ENOMEM
 * with a message naming the path and the symbol.
 */
int probe_uprobe_resolve(const char *path, const char *symbol, uint64_t offset,
			 uint64_t *file_offset, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* The running kernel                                                  */

/*
 * probe_kind_check - can this kernel create probes of kind?  Looks for
 * kprobe_events / uprobe_events in tracefs.  Returns 0, -EOPNOTSUPP with
 * the reason (naming the missing file and the kernel option) or -ENOENT
 * when tracefs is not found.
 */
int probe_kind_check(enum probe_kind kind, char *err, size_t errlen);

/*
 * probe_filter_explain - the kernel's reason for refusing filter on
 * system/event, as its error_log words it.  perf's SET_FILTER ioctl only
 * says EINVAL, so the filter is written to the event in a private tracefs
 * instance made and removed for the purpose (only on the error path).
 * Returns 0 when the kernel accepts the filter, -EINVAL with the reason
 * in msg ("event filter parse error: error: Field not found (at \"==\")"),
 * or another -errno when it could not tell (msg empty).
 */
int probe_filter_explain(const char *system, const char *event, const char *filter,
			 char *msg, size_t msglen);

/* ------------------------------------------------------------------ */
/* The instance's group of dynamic events                              */

struct probe_group;

/*
 * probe_group_open - own the dynamic event group name (default
 * "tracelogd"): lock it against another tracelogd with the same group
 * (/run/tracelogd/NAME.lock while it is open, when /run is writable), then
 * remove the kprobes and uprobes left in the group by an instance that
 * died, and only those.  *removed (may be NULL) is their count.
 * Returns the group, to be closed with probe_group_close(), or NULL with
 * errno: EINVAL (bad name), EBUSY (another process holds the group, or a
 * leftover is still open), EEXIST (the group holds events that are not
 * kprobes or uprobes: "sched"), ENOENT (no tracefs), and a message.
 */
struct probe_group *probe_group_open(const char *name, unsigned *removed,
				     char *err, size_t errlen);

/* probe_group_name - the group's name (do not free). */
const char *probe_group_name(const struct probe_group *g);

/*
 * probe_group_add - create spec's dynamic event GROUP/NAME (a uprobe is
 * resolved first if it was not).  It is then a tracepoint the engine can
 * open: engine_event_add(e, probe_group_name(g), spec->name, ...).
 * Returns 0, or -errno with a message naming the probe:
 *   -EOPNOTSUPP  the kernel lacks the kind
 *   -EINVAL, -ENOENT, -E2BIG...  tracefs refused it; the message quotes the
 *               kernel's error_log entry
 *   -EEXIST      GROUP/NAME exists already
 */
int probe_group_add(struct probe_group *g, const struct probe_spec *spec,
		    char *err, size_t errlen);

/*
 * probe_group_remove - remove every event probe_group_add() created,
 * newest first.  Call it after the engine closed its perf fds
 * (engine_stop() or engine_free()): an open event cannot be removed.
 * Returns 0, or the first -errno (-EBUSY: still open) with a message; the
 * others are still tried, and what failed is tried again by a later call.
 */
int probe_group_remove(struct probe_group *g, char *err, size_t errlen);

/*
 * probe_group_delete - remove the one event NAME that probe_group_add()
 * created (a reload dropped or changed its probe), after the engine closed
 * its perf fds.  Returns 0 (also when tracefs had lost it already),
 * -ENOENT when the group did not create NAME, or -errno (-EBUSY: still
 * open) with a message; a failed removal stays in the group's list, for
 * probe_group_remove() to try again.
 */
int probe_group_delete(struct probe_group *g, const char *name, char *err, size_t errlen);

/*
 * probe_group_close - remove what is left (as probe_group_remove(),
 * silently), release the lock, free.  NULL is ok.
 */
void probe_group_close(struct probe_group *g);

#endif
