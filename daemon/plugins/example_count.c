// SPDX-License-Identifier: MIT
/*
 * example_count.c - an example tracelogd handler plugin: counts records by
 * probe and task name (and, for events with a "ret" field such as the
 * syscall exits, how many returned an error), and writes a summary when
 * the daemon stops:
 *
 *   # example_count: 200003 records
 *   200000	0	getppid	check_handlers
 *   3	0	getppid	sh
 *
 * one line per (probe, comm), most frequent first: count, errors, probe,
 * comm (tab-separated; bytes other than printable ASCII as \xNN).
 *
 *   handler = json, plugin:/usr/local/lib/tracelogd/example_count.so:example_count_event
 *
 * The summary goes to the file named by the environment variable
 * EXAMPLE_COUNT_OUTPUT (created 0640), else to standard error.
 *
 * It shows the threading contract of tracelogd-plugin.h: each worker counts
 * in its own table (ev->worker indexes them), so the event function takes
 * no lock; fini, which runs once every worker has stopped, merges them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracelogd-plugin.h"

#define SLOTS		1024	/* per worker, a power of two */
#define PROBE_MAX	64

struct slot {
	uint64_t count;		/* 0: free */
	uint64_t errors;
	char probe[PROBE_MAX];
	char comm[16];
};

struct table {
	struct slot slots[SLOTS];
	uint64_t overflow;	/* records of keys that found no free slot */
};

struct state {
	unsigned workers;
	struct table *tables;	/* one per worker */
};

int example_count_event(const struct tracelogd_event *ev, void *state);

static uint32_t hash(const char *probe, const char *comm)
{
	uint32_t h = 2166136261u;

	while (*probe)
		h = (h ^ (unsigned char)*probe++) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	while (*comm)
		h = (h ^ (unsigned char)*comm++) * 16777619u;
	return h;
}

int example_count_event(const struct tracelogd_event *ev, void *state)
{
	struct state *st = state;
	struct table *t;
	uint32_t h, i;
	int ret_idx;
	uint64_t v;

	if (!st || ev->worker >= st->workers)
		return -EINVAL;
	t = &st->tables[ev->worker];
	h = hash(ev->probe, ev->comm);
	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &t->slots[(h + i) & (SLOTS - 1)];

		if (!s->count) {
			snprintf(s->probe, sizeof(s->probe), "%s", ev->probe);
			snprintf(s->comm, sizeof(s->comm), "%s", ev->comm);
		} else if (strncmp(s->probe, ev->probe, sizeof(s->probe) - 1) ||
			   strcmp(s->comm, ev->comm)) {
			continue;
		}
		s->count++;
		/* a field by name: a signed "ret" below zero is a failed call */
		ret_idx = tracelogd_field_index(ev, "ret");
		if (ret_idx >= 0 && tracelogd_field_type(ev, (unsigned)ret_idx) == TRACELOGD_FIELD_INT &&
		    tracelogd_field_signed(ev, (unsigned)ret_idx) == 1 &&
		    tracelogd_field_int(ev, (unsigned)ret_idx, 0, &v) == 0 && (int64_t)v < 0)
			s->errors++;
		return 0;
	}
	t->overflow++;
	return 0;
}

static int count_init(const struct tracelogd_plugin_info *info, void **state,
		      char *err, size_t errlen)
{
	struct state *st = calloc(1, sizeof(*st));

	if (st)
		st->tables = calloc(info->workers, sizeof(*st->tables));
	if (!st || !st->tables) {
		free(st);
		snprintf(err, errlen, "out of memory for %u tables", info->workers);
		return -ENOMEM;
	}
	st->workers = info->workers;
	*state = st;
	return 0;
}

static int by_count(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->probe, y->probe) ? strcmp(x->probe, y->probe) : strcmp(x->comm, y->comm);
}

/* s with bytes other than printable ASCII (and \) as \xNN */
static void put_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static void count_fini(void *state)
{
	struct state *st = state;
	struct slot *all;
	size_t n = 0, i, k;
	uint64_t total = 0, overflow = 0;
	const char *path = getenv("EXAMPLE_COUNT_OUTPUT");
	FILE *f = stderr;
	unsigned w;

	if (!st)
		return;
	all = calloc((size_t)st->workers * SLOTS, sizeof(*all));
	for (w = 0; all && w < st->workers; w++) {
		overflow += st->tables[w].overflow;
		for (i = 0; i < SLOTS; i++) {
			const struct slot *s = &st->tables[w].slots[i];

			if (!s->count)
				continue;
			total += s->count;
			/* a thread's records stay on one worker, a comm's need not */
			for (k = 0; k < n; k++)
				if (!strcmp(all[k].probe, s->probe) && !strcmp(all[k].comm, s->comm))
					break;
			if (k == n)
				all[n++] = *s;
			else {
				all[k].count += s->count;
				all[k].errors += s->errors;
			}
		}
	}
	if (path) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f) {
			if (fd >= 0)
				close(fd);
			f = stderr;
			fprintf(f, "example_count: cannot write %s\n", path);
		}
	}
	if (all) {
		qsort(all, n, sizeof(*all), by_count);
		fprintf(f, "# example_count: %llu records\n",
			(unsigned long long)(total + overflow));
		for (i = 0; i < n; i++) {
			fprintf(f, "%llu\t%llu\t", (unsigned long long)all[i].count,
				(unsigned long long)all[i].errors);
			put_safe(f, all[i].probe);
			fputc('\t', f);
			put_safe(f, all[i].comm);
			fputc('\n', f);
		}
		if (overflow)
			fprintf(f, "%llu\t0\t-\t(table full)\n", (unsigned long long)overflow);
	} else {
		fprintf(f, "# example_count: out of memory for the summary\n");
	}
	if (f != stderr)
		fclose(f);
	free(all);
	free(st->tables);
	free(st);
}

TRACELOGD_PLUGIN_DEFINE(.name = "example_count", .init = count_init, .fini = count_fini);
