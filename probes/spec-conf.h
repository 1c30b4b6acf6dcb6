/* SPDX-License-Identifier: MIT */
/*
 * spec-conf.h - additions to probes.h for the INI file's probe sections,
 * kept apart while probes.h is being edited: move these into probes.h.
 */
#ifndef TRACELOGD_PROBES_SPEC_CONF_H
#define TRACELOGD_PROBES_SPEC_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "probes.h"

/*
 * probe_spec_set_event - a tracepoint's target from "SYSTEM/EVENT" (or
 * "SYSTEM:EVENT", kept as "SYSTEM/EVENT") where either part may be a glob:
 * letters, digits, _ and * ? [ ] - !.  Without a glob character this is
 * probe_spec_set_target().  A glob names the events that match it when
 * the probe is opened: probe_tracepoint_resolve(spec->target, ...); the
 * spec's system and event are then the patterns.
 * Returns 0, or -EINVAL (not a tracepoint, a malformed name; message in
 * err) / -ENOMEM, and leaves the spec as it was.
 */
int probe_spec_set_event(struct probe_spec *spec, const char *event, char *err, size_t errlen);

/* probe_spec_is_glob - a tracepoint spec whose target is a glob. */
bool probe_spec_is_glob(const struct probe_spec *spec);

#endif
