// SPDX-License-Identifier: MIT
/*
 * plugin_fixture.c - plugins the loader must refuse or accept, built by
 * the Makefile once per variant into build/tests/plugins/:
 *   abi2.so      a descriptor for ABI 2
 *   nodesc.so    an event function, no descriptor
 *   initfail.so  an init that fails with a message
 *   good.so      init, fini and event functions that check the accessors
 *   undef.so     a descriptor, and a call to a function nothing defines
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracelogd-plugin.h"

int fixture_event(const struct tracelogd_event *ev, void *state);
int fixture_fail(const struct tracelogd_event *ev, void *state);

#if defined(FIXTURE_ABI2)

__attribute__((visibility("default")))
const struct tracelogd_plugin tracelogd_plugin = { .abi = 2, .name = "abi2" };

#elif defined(FIXTURE_UNDEF)

void tracelogd_fixture_nowhere(void);

TRACELOGD_PLUGIN_DEFINE(.name = "undef");

int fixture_event(const struct tracelogd_event *ev, void *state)
{
	(void)ev;
	(void)state;
	tracelogd_fixture_nowhere();
	return 0;
}

#elif defined(FIXTURE_INITFAIL)

static int fail_init(const struct tracelogd_plugin_info *info, void **state, char *err,
		     size_t errlen)
{
	(void)info;
	(void)state;
	snprintf(err, errlen, "no configuration for me");
	return -EINVAL;
}

TRACELOGD_PLUGIN_DEFINE(.name = "initfail", .init = fail_init);

#elif defined(FIXTURE_GOOD)

/*
 * The state records what the event function saw, so the test can read it
 * back through fixture_seen() (dlsym).
 */
struct seen {
	unsigned calls;
	unsigned workers;
	char text[1024];
};

static struct seen *last;

static int good_init(const struct tracelogd_plugin_info *info, void **state, char *err,
		     size_t errlen)
{
	struct seen *s = calloc(1, sizeof(*s));

	(void)err;
	(void)errlen;
	if (!s)
		return -ENOMEM;
	s->workers = info->workers;
	*state = s;
	last = s;
	return 0;
}

static void good_fini(void *state)
{
	if (last == state)
		last = NULL;
	free(state);
}

TRACELOGD_PLUGIN_DEFINE(.name = "good", .init = good_init, .fini = good_fini);

const char *fixture_seen(void);
const char *fixture_seen(void)
{
	return last ? last->text : NULL;
}

/* "probe event pid/tid cpu comm worker nr | name:type=value ..." */
int fixture_event(const struct tracelogd_event *ev, void *state)
{
	struct seen *s = state;
	size_t off;
	unsigned i;

	s->calls++;
	off = (size_t)snprintf(s->text, sizeof(s->text), "%s %s %u/%u %u %s %u %u %llu |",
			       ev->probe, ev->event, ev->pid, ev->tid, ev->cpu, ev->comm,
			       ev->worker, ev->nr_fields, (unsigned long long)ev->time_ns);
	for (i = 0; i < ev->nr_fields && off < sizeof(s->text); i++) {
		int type = tracelogd_field_type(ev, i);
		const char *str;
		size_t len, n, k;
		uint64_t v;

		off += (size_t)snprintf(s->text + off, sizeof(s->text) - off, " %s:%d=",
					tracelogd_field_name(ev, i), type);
		if (off >= sizeof(s->text))
			break;
		if (type == TRACELOGD_FIELD_STRING && tracelogd_field_str(ev, i, &str, &len) == 0)
			off += (size_t)snprintf(s->text + off, sizeof(s->text) - off, "%.*s",
						(int)len, str);
		else if (type == TRACELOGD_FIELD_ARRAY && tracelogd_field_count(ev, i, &n) == 0)
			for (k = 0; k < n && off < sizeof(s->text); k++) {
				tracelogd_field_int(ev, i, k, &v);
				off += (size_t)snprintf(s->text + off, sizeof(s->text) - off,
							"%s%llu", k ? "," : "", (unsigned long long)v);
			}
		else if (tracelogd_field_int(ev, i, 0, &v) == 0)
			off += (size_t)snprintf(s->text + off, sizeof(s->text) - off,
						tracelogd_field_signed(ev, i) == 1 ? "%lld" : "%llu",
						(long long)v);
		else
			off += (size_t)snprintf(s->text + off, sizeof(s->text) - off, "?");
	}
	if (off < sizeof(s->text))
		snprintf(s->text + off, sizeof(s->text) - off, " | idx(pid)=%d idx(nope)=%d",
			 tracelogd_field_index(ev, "pid"), tracelogd_field_index(ev, "nope"));
	return 0;
}

int fixture_fail(const struct tracelogd_event *ev, void *state)
{
	(void)ev;
	(void)state;
	return -EIO;
}

#endif

#if defined(FIXTURE_NODESC) || defined(FIXTURE_ABI2) || defined(FIXTURE_INITFAIL)
int fixture_event(const struct tracelogd_event *ev, void *state)
{
	(void)ev;
	(void)state;
	return 0;
}
#endif
