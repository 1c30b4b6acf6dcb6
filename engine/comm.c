// SPDX-License-Identifier: MIT
/*
 * comm.c - tid -> task name, open addressing with linear probing and
 * backward-shift deletion (no tombstones).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comm-private.h"

static size_t comm_hash(uint32_t tid, size_t cap)
{
	return (size_t)((tid * 0x9E3779B1u) >> 7) & (cap - 1);
}

int comm_table_init(struct comm_table *t)
{
	t->cap = 4096;
	t->used = 0;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	return t->slots ? 0 : -ENOMEM;
}

void comm_table_fini(struct comm_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->used = 0;
}

static struct comm_slot *comm_find(const struct comm_table *t, uint32_t tid)
{
	size_t i = comm_hash(tid, t->cap);

	while (t->slots[i].tid) {
		if (t->slots[i].tid == tid)
			return &t->slots[i];
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

static int comm_grow(struct comm_table *t)
{
	struct comm_slot *old = t->slots;
	size_t oldcap = t->cap, i;

	t->slots = calloc(oldcap * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].tid)
			continue;
		j = comm_hash(old[i].tid, t->cap);
		while (t->slots[j].tid)
			j = (j + 1) & (t->cap - 1);
		t->slots[j] = old[i];
	}
	free(old);
	return 0;
}

static struct comm_slot *comm_insert(struct comm_table *t, uint32_t tid)
{
	struct comm_slot *s = comm_find(t, tid);
	size_t i;

	if (s)
		return s;
	if ((t->used + 1) * 2 > t->cap && comm_grow(t) < 0)
		return NULL;
	i = comm_hash(tid, t->cap);
	while (t->slots[i].tid)
		i = (i + 1) & (t->cap - 1);
	s = &t->slots[i];
	memset(s, 0, sizeof(*s));
	s->tid = tid;
	t->used++;
	return s;
}

static void slot_push(struct comm_slot *s, uint64_t time, const char *name, size_t len)
{
	unsigned i;

	/* a name older than the newest one we hold (a ring read late) goes in order */
	for (i = 0; i < s->n; i++)
		if (s->hist[i].time == time && !strncmp(s->hist[i].name, name, COMM_LEN))
			return;
	if (s->n == COMM_HISTORY) {
		memmove(&s->hist[0], &s->hist[1], sizeof(s->hist[0]) * (COMM_HISTORY - 1));
		s->n--;
	}
	i = s->n;
	while (i > 0 && s->hist[i - 1].time > time) {
		s->hist[i] = s->hist[i - 1];
		i--;
	}
	if (len >= COMM_LEN)
		len = COMM_LEN - 1;
	memset(s->hist[i].name, 0, COMM_LEN);
	memcpy(s->hist[i].name, name, len);
	s->hist[i].time = time;
	s->n++;
}

/*
 * Records reach us out of order across CPUs: a task's EXIT (read from its
 * CPU's ring) may come before its FORK (read from its parent's).  A name
 * dated after the recorded exit belongs to a new task that reuses the tid:
 * only then are the dead task's names dropped.
 */
static void new_life(struct comm_slot *s, uint64_t time)
{
	if (s->exit_time && time > s->exit_time) {
		s->n = 0;
		s->exit_time = 0;
	}
}

int comm_table_set(struct comm_table *t, uint32_t tid, uint64_t time,
		   const char *name, size_t len)
{
	struct comm_slot *s;

	if (!tid)
		return 0;
	s = comm_insert(t, tid);
	if (!s)
		return -ENOMEM;
	new_life(s, time);
	slot_push(s, time, name, strnlen(name, len));
	return 0;
}

int comm_table_fork(struct comm_table *t, uint32_t ptid, uint32_t tid, uint64_t time)
{
	char name[COMM_LEN];

	comm_table_get(t, ptid, time, name);
	return comm_table_set(t, tid, time, name, COMM_LEN);
}

void comm_table_exit(struct comm_table *t, uint32_t tid, uint64_t time)
{
	struct comm_slot *s = comm_find(t, tid);

	if (!s)
		return;
	/* an exit older than the newest name is a previous task's with this tid */
	if (s->n && time < s->hist[s->n - 1].time)
		return;
	if ((time ? time : 1) > s->exit_time)
		s->exit_time = time ? time : 1;
}

void comm_table_get_task(const struct comm_table *t, uint32_t tid, uint64_t time,
			 char out[COMM_LEN], uint32_t *tgid)
{
	const struct comm_slot *s = comm_find(t, tid);
	int i;

	memset(out, 0, COMM_LEN);
	*tgid = s ? s->tgid : 0;
	if (!s || !s->n)
		return;
	for (i = s->n - 1; i > 0; i--)
		if (s->hist[i].time <= time)
			break;
	memcpy(out, s->hist[i].name, COMM_LEN);
}

void comm_table_get(const struct comm_table *t, uint32_t tid, uint64_t time,
		    char out[COMM_LEN])
{
	uint32_t tgid;

	comm_table_get_task(t, tid, time, out, &tgid);
}

void comm_table_set_tgid(struct comm_table *t, uint32_t tid, uint32_t tgid)
{
	struct comm_slot *s;

	if (!tid || !tgid)
		return;
	s = comm_insert(t, tid);
	if (s)
		s->tgid = tgid;
}

static void comm_remove_at(struct comm_table *t, size_t i)
{
	size_t j = i;

	/* backward-shift deletion keeps every probe chain unbroken */
	for (;;) {
		size_t home;

		j = (j + 1) & (t->cap - 1);
		if (!t->slots[j].tid)
			break;
		home = comm_hash(t->slots[j].tid, t->cap);
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].tid = 0;
	t->used--;
}

void comm_table_expire(struct comm_table *t, uint64_t before)
{
	size_t i = 0;

	while (i < t->cap) {
		struct comm_slot *s = &t->slots[i];

		if (s->tid && s->exit_time && s->exit_time < before) {
			comm_remove_at(t, i);
			continue;	/* a shifted entry may now sit at i */
		}
		i++;
	}
}

int comm_table_seed(struct comm_table *t, const char *proc)
{
	char path[PATH_MAX + 64], name[COMM_LEN + 2];
	DIR *d = opendir(proc), *td;
	struct dirent *de, *te;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/task", proc, de->d_name);
		td = opendir(path);
		if (!td)
			continue;
		while ((te = readdir(td))) {
			ssize_t len;
			int fd;

			if (te->d_name[0] < '1' || te->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "%s/%s/task/%s/comm", proc, de->d_name, te->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			len = read(fd, name, sizeof(name) - 1);
			close(fd);
			if (len <= 0)
				continue;
			if (name[len - 1] == '\n')
				len--;
			if (comm_table_set(t, (uint32_t)strtoul(te->d_name, NULL, 10), 0, name, (size_t)len) == 0)
				n++;
			comm_table_set_tgid(t, (uint32_t)strtoul(te->d_name, NULL, 10),
					   (uint32_t)strtoul(de->d_name, NULL, 10));
		}
		closedir(td);
	}
	closedir(d);
	return n;
}
