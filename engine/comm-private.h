/* SPDX-License-Identifier: MIT */
/*
 * comm-private.h - task names by tid, as the kernel reported them
 * (PERF_RECORD_COMM, PERF_RECORD_FORK, PERF_RECORD_EXIT), each name with the
 * time it took effect so that a record read late gets the name its task had
 * when the event happened.  One thread (the reader) uses a table.
 */
#ifndef TRACELOGD_COMM_PRIVATE_H
#define TRACELOGD_COMM_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#define COMM_LEN 16
#define COMM_HISTORY 4

struct comm_slot {
	uint32_t tid;			/* 0: empty */
	uint32_t tgid;			/* its process, 0: unknown */
	uint8_t n;			/* names in hist */
	uint64_t exit_time;		/* 0: alive */
	struct {
		uint64_t time;
		char name[COMM_LEN];
	} hist[COMM_HISTORY];		/* oldest first */
};

struct comm_table {
	struct comm_slot *slots;
	size_t cap;			/* power of two */
	size_t used;
};

int comm_table_init(struct comm_table *t);
void comm_table_fini(struct comm_table *t);

/* comm_table_set - tid took name at time.  Returns 0 or -ENOMEM. */
int comm_table_set(struct comm_table *t, uint32_t tid, uint64_t time,
		   const char *name, size_t len);

/* comm_table_set_tgid - tid belongs to process tgid (0 is ignored). */
void comm_table_set_tgid(struct comm_table *t, uint32_t tid, uint32_t tgid);

/* comm_table_fork - child inherits parent's name at time. */
int comm_table_fork(struct comm_table *t, uint32_t ptid, uint32_t tid, uint64_t time);

/* comm_table_exit - tid exited at time; forgotten by a later expire. */
void comm_table_exit(struct comm_table *t, uint32_t tid, uint64_t time);

/*
 * comm_table_get - the name tid had at time, copied into out (NUL-padded).
 * An unknown tid gives "".
 */
void comm_table_get(const struct comm_table *t, uint32_t tid, uint64_t time,
		    char out[COMM_LEN]);

/*
 * comm_table_get_task - comm_table_get, and the tid's process in *tgid
 * (0 when unknown), with one look-up.
 */
void comm_table_get_task(const struct comm_table *t, uint32_t tid, uint64_t time,
			 char out[COMM_LEN], uint32_t *tgid);

/* comm_table_expire - forget tasks that exited before `before`. */
void comm_table_expire(struct comm_table *t, uint64_t before);

/* comm_table_seed - names of the tasks alive now, from /proc. */
int comm_table_seed(struct comm_table *t, const char *proc);

#endif
