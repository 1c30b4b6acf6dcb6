/* SPDX-License-Identifier: MIT */
/*
 * probes.h - finding and creating the events tracelogd traces: tracepoints
 * by name or glob (and, later, dynamic kprobes and uprobes).
 * Library conventions as in engine.h: 0/positive or -errno, messages in an
 * err buffer, nothing printed.
 */
#ifndef TRACELOGD_PROBES_H
#define TRACELOGD_PROBES_H

#include <stddef.h>

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

#endif
