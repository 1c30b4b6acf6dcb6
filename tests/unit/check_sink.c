// SPDX-License-Identifier: MIT
/*
 * check_sink.c - the log's file and its observability, without root:
 * rotation with exact line counts across the files, the kept files and
 * the oldest removed, a line longer than the rotation size, file modes
 * whatever the umask, reopen (SIGUSR1) with the lines split exactly
 * between the old and the new file, the flush policies (idle, interval,
 * line) and jlog_tick()'s hand-off of a parked or a busy worker's buffer,
 * write failures (RLIMIT_FSIZE cuts a write part-way as a full disk does,
 * /dev/full, a pipe) with no torn line and exact loss accounting, the log
 * directory removed and recreated, and the stats line and Prometheus
 * metrics file.  Records are hand-built and the handler is called
 * directly, as a worker would.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "event-private.h"	/* the handler jlog added; counters */
#include "jlog.h"
#include "stats.h"

static const char fmt_seq[] =
	"name: seqev\n"
	"ID: 3001\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:u64 seq;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:char text[64];\toffset:16;\tsize:64;\tsigned:0;\n"
	"\n"
	"print fmt: \"%llu\", REC->seq\n";

#define RAW_SIZE 80

static char dir[64], path[128];
static char err[1024];
static struct engine_event *ev;
static struct engine_record *rec;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_sink.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	ev = engine_event_parse("test", fmt_seq, strlen(fmt_seq), err, sizeof(err));
	ck_assert_msg(ev != NULL, "%s", err);
	rec = calloc(1, sizeof(*rec) + RAW_SIZE);
	ck_assert_ptr_nonnull(rec);
	rec->event = ev;
	rec->raw_size = RAW_SIZE;
	rec->pid = rec->tid = 42;
	rec->time = 1000000000;
	strcpy(rec->comm, "test");
	{
		uint16_t type = 3001;

		memcpy(rec->raw, &type, 2);
		memcpy(rec->raw + 16, "some text to give the line a little weight", 43);
	}
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(rec);
	engine_event_free(ev);
}

static struct jlog *open_log(const struct jlog_opts *o)
{
	struct jlog *jl = jlog_open_opts(path, 1, o, err, sizeof(err));

	ck_assert_msg(jl != NULL, "%s", err);
	ck_assert_int_eq(jlog_add_event(jl, ev, "seq"), 0);
	return jl;
}

/* one line of sequence number seq, as worker 0 would write it */
static void put(uint64_t seq)
{
	memcpy(rec->raw + 8, &seq, 8);
	ev->handlers[ev->nr_handlers - 1].fn(rec, 0, ev->handlers[ev->nr_handlers - 1].arg);
}

static void idle(struct jlog *jl)
{
	jlog_on_idle(0, jl);
}

struct file_lines {
	size_t lines, events, lost_lines;
	uint64_t lost_sink;
	long long seq[4096];	/* of the events, in file order */
	size_t bytes;
};

/* every line of p: complete, JSON; events' seq numbers in order */
static void read_lines(const char *p, struct file_lines *fl)
{
	FILE *f = fopen(p, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	memset(fl, 0, sizeof(*fl));
	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *j;
		const char *type;

		fl->bytes += (size_t)len;
		ck_assert_msg(line[len - 1] == '\n', "%s: a torn last line: %s", p, line);
		j = json_loadb(line, (size_t)len, 0, &je);
		ck_assert_msg(j != NULL, "%s: not JSON: %s (%s)", p, line, je.text);
		type = json_string_value(json_object_get(j, "type"));
		ck_assert_ptr_nonnull(type);
		fl->lines++;
		if (!strcmp(type, "event")) {
			json_t *s = json_object_get(json_object_get(j, "fields"), "seq");

			ck_assert(json_is_integer(s));
			if (fl->events < 4096)
				fl->seq[fl->events] = json_integer_value(s);
			fl->events++;
		} else if (!strcmp(type, "lost")) {
			fl->lost_lines++;
			if (!strcmp(json_string_value(json_object_get(j, "stage")), "sink"))
				fl->lost_sink += (uint64_t)json_integer_value(json_object_get(j, "count"));
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

/* lines in path and path.1 .. path.keep: seqs in order (oldest file first) */
static size_t check_rotated(unsigned keep, uint64_t limit, uint64_t first, uint64_t n,
			    size_t *files)
{
	static struct file_lines fl;
	char p[160];
	long long next = (long long)first;
	size_t total = 0, i;
	unsigned k;

	*files = 0;
	for (k = keep + 1; k-- > 0;) {
		if (k)
			snprintf(p, sizeof(p), "%s.%u", path, k);
		else
			snprintf(p, sizeof(p), "%s", path);
		if (!exists(p))
			continue;
		read_lines(p, &fl);
		(*files)++;
		ck_assert_msg(fl.bytes <= limit, "%s: %zu bytes, over %llu", p, fl.bytes,
			      (unsigned long long)limit);
		for (i = 0; i < fl.events && i < 4096; i++)
			ck_assert_int_eq(fl.seq[i], next++);
		total += fl.events;
	}
	ck_assert_int_eq(next, (long long)(first + n));
	return total;
}

/* ------------------------------------------------------------------ */
/* Rotation                                                            */

/* lines of ~260 bytes, files of at most 4 KiB: batches split at lines */
static void rotate_counts(enum jlog_flush flush, unsigned batch)
{
	struct jlog_opts o = { .rotate_size = 4096, .rotate_keep = 1000, .flush = flush };
	struct jlog *jl = open_log(&o);
	struct jlog_stats js;
	size_t files, n = 1000, i;

	for (i = 0; i < n; i++) {
		put(i);
		if (batch && i % batch == batch - 1)
			idle(jl);
	}
	jlog_flush_all(jl);
	jlog_stats_get(jl, &js);
	jlog_close(jl);
	ck_assert_uint_eq(check_rotated(1000, 4096, 0, n, &files), n);
	ck_assert_uint_gt(files, 50);
	ck_assert_uint_eq(js.rotations + 1, files);
	ck_assert_uint_eq(js.events_written, n);
}

START_TEST(test_rotate_lines)
{
	rotate_counts(JLOG_FLUSH_LINE, 0);
}
END_TEST

START_TEST(test_rotate_batches)
{
	/* 37 lines (about 9.6 KB) a batch: each one crosses two boundaries */
	rotate_counts(JLOG_FLUSH_IDLE, 37);
}
END_TEST

START_TEST(test_rotate_big_buffer)
{
	/* the whole run in one buffer, written at close */
	rotate_counts(JLOG_FLUSH_INTERVAL, 0);
}
END_TEST

START_TEST(test_rotate_keep)
{
	struct jlog_opts o = { .rotate_size = 4096, .rotate_keep = 2, .flush = JLOG_FLUSH_IDLE };
	struct jlog *jl = open_log(&o);
	struct file_lines *fl = malloc(sizeof(*fl));
	char p[160];
	size_t files, total, i;

	for (i = 0; i < 500; i++) {
		put(i);
		if (i % 10 == 9)
			idle(jl);
	}
	jlog_close(jl);
	snprintf(p, sizeof(p), "%s.3", path);
	ck_assert(!exists(p));
	/* the newest lines, in order, end with the last one */
	read_lines(path, fl);
	total = fl->events;
	snprintf(p, sizeof(p), "%s.1", path);
	read_lines(p, fl);
	total += fl->events;
	snprintf(p, sizeof(p), "%s.2", path);
	read_lines(p, fl);
	total += fl->events;
	ck_assert_uint_eq(check_rotated(2, 4096, 500 - total, total, &files), total);
	ck_assert_uint_eq(files, 3);
	ck_assert_uint_gt(total, 30);
	free(fl);
}
END_TEST

START_TEST(test_rotate_keep_none)
{
	struct jlog_opts o = { .rotate_size = 4096, .rotate_keep = 0, .flush = JLOG_FLUSH_LINE };
	struct jlog *jl = open_log(&o);
	struct file_lines *fl = malloc(sizeof(*fl));
	char p[160];
	size_t i;

	for (i = 0; i < 100; i++)
		put(i);
	jlog_close(jl);
	snprintf(p, sizeof(p), "%s.1", path);
	ck_assert(!exists(p));
	read_lines(path, fl);
	ck_assert_uint_gt(fl->events, 0);
	ck_assert_int_eq(fl->seq[fl->events - 1], 99);
	free(fl);
}
END_TEST

/* a line longer than rotate_size: one file per line, none empty */
START_TEST(test_rotate_long_line)
{
	struct jlog_opts o = { .rotate_size = 100, .rotate_keep = 100, .flush = JLOG_FLUSH_IDLE };
	struct jlog *jl = open_log(&o);
	struct file_lines *fl = malloc(sizeof(*fl));
	char p[160];
	size_t i, files;

	for (i = 0; i < 20; i++)
		put(i);
	idle(jl);
	jlog_close(jl);
	ck_assert_uint_eq(check_rotated(100, 400, 0, 20, &files), 20);
	ck_assert_uint_eq(files, 20);
	for (i = 1; i <= 19; i++) {
		snprintf(p, sizeof(p), "%s.%zu", path, i);
		read_lines(p, fl);
		ck_assert_uint_eq(fl->lines, 1);
	}
	free(fl);
}
END_TEST

static void check_mode(const char *p, mode_t want)
{
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == want, "%s: mode %o, want %o", p,
		      st.st_mode & 07777, want);
}

START_TEST(test_mode_umask)
{
	struct jlog_opts o = { .rotate_size = 4096, .rotate_keep = 5, .flush = JLOG_FLUSH_LINE };
	mode_t old = umask(0);
	struct jlog *jl = open_log(&o);
	char p[160];
	size_t i;

	for (i = 0; i < 20; i++)
		put(i);
	umask(0077);
	for (i = 0; i < 20; i++)
		put(i);
	jlog_close(jl);
	umask(old);
	check_mode(path, 0640);
	snprintf(p, sizeof(p), "%s.1", path);
	check_mode(p, 0640);
	snprintf(p, sizeof(p), "%s.2", path);
	check_mode(p, 0640);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reopen                                                              */

START_TEST(test_reopen)
{
	struct jlog *jl = open_log(NULL);
	struct file_lines *fl = malloc(sizeof(*fl));
	char old[160];
	size_t i;

	snprintf(old, sizeof(old), "%s.old", path);
	for (i = 0; i < 50; i++)
		put(i);
	idle(jl);
	/* 30 more in the worker's buffer while the file is renamed away */
	for (; i < 80; i++)
		put(i);
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(jlog_reopen(jl), 0);
	for (; i < 100; i++)
		put(i);
	idle(jl);
	jlog_close(jl);
	read_lines(old, fl);
	ck_assert_uint_eq(fl->events, 50);
	ck_assert_int_eq(fl->seq[49], 49);
	read_lines(path, fl);
	ck_assert_uint_eq(fl->events, 50);
	ck_assert_int_eq(fl->seq[0], 50);
	ck_assert_int_eq(fl->seq[49], 99);
	check_mode(path, 0640);
	free(fl);
}
END_TEST

START_TEST(test_reopen_stdout)
{
	struct jlog *jl = jlog_open("-", 1, err, sizeof(err));

	ck_assert_ptr_nonnull(jl);
	ck_assert_int_eq(jlog_reopen(jl), 0);
	jlog_close(jl);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Flush policies                                                      */

static size_t events_in(const char *p)
{
	struct file_lines *fl = malloc(sizeof(*fl));
	size_t n;

	read_lines(p, fl);
	n = fl->events;
	free(fl);
	return n;
}

START_TEST(test_flush_line)
{
	struct jlog_opts o = { .flush = JLOG_FLUSH_LINE };
	struct jlog *jl = open_log(&o);

	put(0);
	ck_assert_uint_eq(events_in(path), 1);
	put(1);
	ck_assert_uint_eq(events_in(path), 2);
	jlog_close(jl);
}
END_TEST

START_TEST(test_flush_idle)
{
	struct jlog_opts o = { .flush = JLOG_FLUSH_IDLE, .flush_interval_ms = 1000 };
	struct jlog *jl = open_log(&o);

	put(0);
	put(1);
	ck_assert_uint_eq(events_in(path), 0);
	idle(jl);
	ck_assert_uint_eq(events_in(path), 2);
	/*
	 * A busy worker (this thread holds the buffer): the tick cannot take
	 * it and asks; the worker's next line writes the buffer.
	 */
	put(2);
	put(3);
	ck_assert_int_eq(jlog_tick(jl, 1500000000, NULL), 0);	/* 0.5 s old */
	put(4);
	ck_assert_uint_eq(events_in(path), 2);
	ck_assert_int_eq(jlog_tick(jl, 2000000000, NULL), 0);	/* 1 s old */
	ck_assert_uint_eq(events_in(path), 2);
	put(5);
	ck_assert_uint_eq(events_in(path), 6);
	jlog_close(jl);
}
END_TEST

START_TEST(test_flush_interval)
{
	struct jlog_opts o = { .flush = JLOG_FLUSH_INTERVAL, .flush_interval_ms = 200 };
	struct jlog *jl = open_log(&o);

	put(0);
	put(1);
	idle(jl);	/* parked, not written */
	ck_assert_uint_eq(events_in(path), 0);
	jlog_tick(jl, 1100000000, NULL);
	ck_assert_uint_eq(events_in(path), 0);
	/* 200 ms after the oldest line (rec->time): the tick writes it */
	jlog_tick(jl, 1200000000, NULL);
	ck_assert_uint_eq(events_in(path), 2);
	/* nothing buffered: nothing to do */
	jlog_tick(jl, 5000000000, NULL);
	ck_assert_uint_eq(events_in(path), 2);
	put(2);
	idle(jl);
	jlog_close(jl);
	ck_assert_uint_eq(events_in(path), 3);
}
END_TEST

/* jlog_set_opts: line, then interval, from the next line on */
START_TEST(test_flush_set_opts)
{
	struct jlog_opts o = { .flush = JLOG_FLUSH_LINE };
	struct jlog *jl = open_log(&o);

	put(0);
	ck_assert_uint_eq(events_in(path), 1);
	o.flush = JLOG_FLUSH_INTERVAL;
	o.flush_interval_ms = 100;
	idle(jl);
	jlog_set_opts(jl, &o);
	put(1);
	idle(jl);
	ck_assert_uint_eq(events_in(path), 1);
	jlog_tick(jl, 1100000000, NULL);
	ck_assert_uint_eq(events_in(path), 2);
	jlog_close(jl);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Failures                                                            */

/*
 * RLIMIT_FSIZE makes write(2) write what fits under the limit, then fail
 * (EFBIG): what a full disk does with ENOSPC.  Batches of 10 lines cut
 * part-way; then the limit goes and the losses are told.
 */
START_TEST(test_disk_full)
{
	struct jlog_opts o = { .flush = JLOG_FLUSH_IDLE };
	struct jlog *jl = open_log(&o);
	struct file_lines *fl = malloc(sizeof(*fl));
	struct jlog_health h;
	struct jlog_stats js;
	struct rlimit old, lim;
	size_t i;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 10000;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 100; i++) {
		put(i);
		if (i % 10 == 9)
			idle(jl);
	}
	ck_assert_int_eq(jlog_tick(jl, 1000000000, &h), 1);
	ck_assert_int_eq(h.error, EFBIG);
	ck_assert_str_eq(h.op, "write");
	jlog_stats_get(jl, &js);
	ck_assert_uint_eq(js.events_written + js.sink_dropped, 100);
	ck_assert_uint_gt(js.sink_dropped, 50);
	ck_assert_uint_gt(js.events_written, 20);
	/* a cut batch keeps its whole lines, and no part of the next */
	read_lines(path, fl);
	ck_assert_uint_eq(fl->events, js.events_written);
	ck_assert_uint_le(fl->bytes, 10000);
	ck_assert_uint_gt(fl->bytes, 10000 - 300);
	/* still full: no change to tell */
	ck_assert_int_eq(jlog_tick(jl, 1000000000, &h), 0);

	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	for (; i < 110; i++)
		put(i);
	idle(jl);
	ck_assert_int_eq(jlog_tick(jl, 1000000000, &h), 1);
	ck_assert_int_eq(h.error, 0);
	ck_assert_int_eq(h.last_error, EFBIG);
	ck_assert_uint_eq(h.lost, js.sink_dropped);
	jlog_close(jl);
	read_lines(path, fl);
	ck_assert_uint_eq(fl->events, js.events_written + 10);
	/*
	 * A "lost" line may also have fitted in what a cut left, between two
	 * failed batches: the lines add up to the losses all the same.
	 */
	ck_assert_uint_ge(fl->lost_lines, 1);
	ck_assert_uint_eq(fl->lost_sink, js.sink_dropped);
	/* the lost line comes before the lines written after the gap */
	ck_assert_int_eq(fl->seq[js.events_written], 100);
	free(fl);
}
END_TEST

/* the lost line itself waits for space; engine losses too */
START_TEST(test_disk_full_pending)
{
	struct jlog *jl = open_log(NULL);
	struct file_lines *fl = malloc(sizeof(*fl));
	struct engine_loss loss = { ENGINE_STAGE_RING, 1, 7 };
	struct jlog_stats js;
	struct rlimit old, lim;
	size_t i;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 2000;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 20; i++)
		put(i);
	idle(jl);
	jlog_on_loss(&loss, jl);
	ck_assert_int_eq(jlog_write_daemon(jl, "test", NULL), -EIO);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* the tick writes what is due, before any other line */
	jlog_tick(jl, 0, NULL);
	jlog_stats_get(jl, &js);
	ck_assert_uint_eq(js.lost_reported[ENGINE_STAGE_RING], 7);
	ck_assert_uint_eq(js.other_dropped, 1);
	jlog_close(jl);
	read_lines(path, fl);
	ck_assert_uint_eq(fl->lost_lines, 2);
	ck_assert_uint_eq(fl->events + fl->lost_sink, 20);
	free(fl);
}
END_TEST

START_TEST(test_dev_full)
{
	struct jlog *jl = jlog_open("/dev/full", 1, err, sizeof(err));
	struct jlog_health h;
	struct jlog_stats js;
	size_t i;

	ck_assert_msg(jl != NULL, "%s", err);
	ck_assert_int_eq(jlog_add_event(jl, ev, "seq"), 0);
	for (i = 0; i < 10; i++)
		put(i);
	idle(jl);
	ck_assert_int_eq(jlog_tick(jl, 0, &h), 1);
	ck_assert_int_eq(h.error, ENOSPC);
	ck_assert_uint_eq(h.lost, 10);
	jlog_stats_get(jl, &js);
	ck_assert_uint_eq(js.sink_dropped, 10);
	ck_assert_uint_eq(js.events_written, 0);
	ck_assert_uint_eq(js.torn, 0);
	jlog_close(jl);
}
END_TEST

/*
 * A pipe cannot take back the front of a cut line: the sink ends it with
 * a newline before its next write, and counts it.  A non-blocking pipe of
 * one page takes 4096 bytes of a 10 KB batch, then says EAGAIN.
 */
START_TEST(test_pipe_torn)
{
	int p[2], saved = dup(STDOUT_FILENO);
	struct jlog *jl;
	struct jlog_stats js;
	char *buf = malloc(1 << 16);
	ssize_t n, got;
	size_t i, lines = 0;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ge(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	fflush(stdout);
	ck_assert_int_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
	jl = jlog_open("-", 1, err, sizeof(err));
	ck_assert_ptr_nonnull(jl);
	ck_assert_int_eq(jlog_add_event(jl, ev, "seq"), 0);
	for (i = 0; i < 40; i++)
		put(i);
	idle(jl);
	jlog_stats_get(jl, &js);
	n = read(p[0], buf, 1 << 16);
	ck_assert_int_ge(n, 4096);
	/* the pipe holds the front of a line, unless its page ended one */
	ck_assert_uint_eq(js.torn, buf[n - 1] != '\n' ? 1 : 0);
	for (i = 0; i < (size_t)n; i++)
		lines += buf[i] == '\n';
	ck_assert_uint_eq(js.events_written, lines);
	ck_assert_uint_eq(js.events_written + js.sink_dropped, 40);
	/* room again: a newline ends the cut line, then the lost line, then ours */
	put(40);
	idle(jl);
	got = read(p[0], buf, 1 << 16);
	ck_assert_int_gt(got, 2);
	if (js.torn)
		ck_assert_int_eq(buf[0], '\n');
	ck_assert_ptr_nonnull(strstr(buf, "\"stage\":\"sink\""));
	jlog_close(jl);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(p[0]);
	close(p[1]);
	free(buf);
}
END_TEST

/*
 * The log's directory removed while the log runs: the next tick finds the
 * file deleted and cannot create it again, so the log is down and counts
 * event lines lost; once the directory is back, a tick opens the file and
 * the first line in it tells the loss.
 */
START_TEST(test_dir_removed)
{
	struct jlog_opts o = { .flush = JLOG_FLUSH_LINE };
	struct file_lines *fl = malloc(sizeof(*fl));
	struct jlog_health h;
	struct jlog_stats js;
	struct jlog *jl;
	char sub[96];
	size_t i;

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/events.jsonl", sub);
	jl = open_log(&o);
	for (i = 0; i < 10; i++)
		put(i);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(jlog_tick(jl, 0, &h), 1);
	ck_assert_int_eq(h.error, ENOENT);
	ck_assert_str_eq(h.op, "open");
	for (; i < 15; i++)
		put(i);
	ck_assert_int_eq(jlog_tick(jl, 0, &h), 0);	/* still down: said once */
	jlog_stats_get(jl, &js);
	ck_assert(!js.up);
	ck_assert_uint_eq(js.sink_dropped, 5);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(jlog_tick(jl, 0, &h), 1);
	ck_assert_int_eq(h.error, 0);
	ck_assert_int_eq(h.last_error, ENOENT);
	ck_assert_uint_eq(h.lost, 5);
	for (; i < 18; i++)
		put(i);
	jlog_stats_get(jl, &js);
	ck_assert_uint_eq(js.events_written, 13);
	ck_assert_uint_eq(js.reopens, 1);
	jlog_close(jl);
	read_lines(path, fl);
	ck_assert_uint_eq(fl->lost_sink, 5);
	ck_assert_uint_eq(fl->events, 3);
	ck_assert_int_eq(fl->seq[0], 15);
	check_mode(path, 0640);
	free(fl);
}
END_TEST

/* the file alone deleted: created again at the next tick, nothing lost after */
START_TEST(test_file_deleted)
{
	struct jlog_opts o = { .flush = JLOG_FLUSH_LINE };
	struct jlog *jl = open_log(&o);
	struct jlog_health h;
	size_t i;

	for (i = 0; i < 5; i++)
		put(i);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(jlog_tick(jl, 0, &h), 0);
	for (; i < 8; i++)
		put(i);
	jlog_close(jl);
	ck_assert_uint_eq(events_in(path), 3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Stats and metrics                                                   */

/*
 * Each line is "# HELP name text", "# TYPE name type" (HELP then TYPE
 * before a family's samples) or "name{label="value",...} value".
 */
static void check_metrics_format(const char *text)
{
	regex_t sample, help, type;
	char family[128] = "", name[128];
	const char *line = text, *nl;
	size_t samples = 0;

	ck_assert_int_eq(regcomp(&sample, "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
				 "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\""
				 "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\")*\\})? "
				 "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$", REG_EXTENDED), 0);
	ck_assert_int_eq(regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* [^\n]+$", REG_EXTENDED), 0);
	ck_assert_int_eq(regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$",
				 REG_EXTENDED), 0);
	for (; *line; line = nl + 1) {
		char l[512];
		regmatch_t m[2];

		nl = strchr(line, '\n');
		ck_assert_msg(nl != NULL, "the file does not end with a newline");
		ck_assert_int_lt(nl - line, (long)sizeof(l));
		memcpy(l, line, (size_t)(nl - line));
		l[nl - line] = 0;
		if (!strncmp(l, "# HELP ", 7)) {
			ck_assert_msg(regexec(&help, l, 0, NULL, 0) == 0, "bad HELP: %s", l);
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			ck_assert_msg(regexec(&type, l, 2, m, 0) == 0, "bad TYPE: %s", l);
			snprintf(family, sizeof(family), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
				 l + m[1].rm_so);
			continue;
		}
		ck_assert_msg(regexec(&sample, l, 2, m, 0) == 0, "not a sample: \"%s\"", l);
		snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), l + m[1].rm_so);
		ck_assert_msg(!strcmp(name, family), "%s without its # TYPE line", name);
		samples++;
	}
	ck_assert_uint_gt(samples, 10);
	regfree(&sample);
	regfree(&help);
	regfree(&type);
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 65536);

	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

START_TEST(test_stats)
{
	struct engine *e = engine_new(NULL, err, sizeof(err));
	struct engine_event *ev2 = engine_event_parse("test", fmt_seq, strlen(fmt_seq), err, sizeof(err));
	struct jlog *jl = open_log(NULL);
	char metrics[160], tmp[170], *text;
	struct stats *st;
	struct stat sb;
	json_t *j = NULL, *p;
	FILE *f;
	char line[4096];

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(ev2);
	snprintf(metrics, sizeof(metrics), "%s/tracelogd.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", metrics);
	st = stats_new(e, jl, metrics, 1000000000);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(stats_probe_add(st, "seq", ev), 0);
	ck_assert_int_eq(stats_probe_add(st, "we\"ird\\name", ev2), 0);
	ev->count = 1000;
	ev->dropped = 5;
	stats_update(st, 2000000000);
	ev->count = 3000;
	put(1);
	idle(jl);
	stats_update(st, 4000000000);	/* 2000 events in 2 s */
	ck_assert_int_eq(stats_write_line(st), 0);
	ck_assert_int_eq(stats_write_metrics(st, true, err, sizeof(err)), 0);
	ck_assert(!exists(tmp));
	ck_assert_int_eq(stat(metrics, &sb), 0);
	/* never world-readable; the directory's group reads it */
	ck_assert_int_eq(sb.st_mode & 0777, 0640);
	{
		struct stat sd;

		ck_assert_int_eq(stat(dir, &sd), 0);
		ck_assert_uint_eq(sb.st_gid, sd.st_gid);
	}

	text = slurp(metrics);
	check_metrics_format(text);
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_up 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_events_total{probe=\"seq\"} 3000\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_events_per_second{probe=\"seq\"} 1000.000\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_probe_lost_total{probe=\"seq\",stage=\"queue\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_probe_lost_total{probe=\"seq\",stage=\"ring\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_events_total{probe=\"we\\\"ird\\\\name\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_written_total 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_lost_total{stage=\"sink\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_queue_bytes{worker=\"0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_log_up 1\n"));
	free(text);

	/* a clean stop says so */
	ck_assert_int_eq(stats_write_metrics(st, false, err, sizeof(err)), 0);
	text = slurp(metrics);
	check_metrics_format(text);
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_up 0\n"));
	free(text);

	stats_free(st);
	jlog_close(jl);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *l = json_loads(line, 0, NULL);

		ck_assert_ptr_nonnull(l);
		if (!strcmp(json_string_value(json_object_get(l, "type")), "stats")) {
			ck_assert_ptr_null(j);
			j = l;
		} else {
			json_decref(l);
		}
	}
	fclose(f);
	ck_assert_ptr_nonnull(j);
	p = json_object_get(json_object_get(j, "probes"), "seq");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "events")), 3000);
	ck_assert(json_real_value(json_object_get(p, "rate")) == 1000.0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(p, "lost"), "queue")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(p, "lost"), "ring")), 0);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(j, "probes"), "we\"ird\\name"));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "written")), 1);
	ck_assert(json_real_value(json_object_get(j, "interval_s")) == 2.0);
	ck_assert(json_is_true(json_object_get(json_object_get(j, "log"), "up")));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "log"), "error")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "lost"), "total")), 0);
	json_decref(j);
	engine_free(e);
	engine_event_free(ev2);
}
END_TEST

START_TEST(test_stats_remove)
{
	struct engine_event *ev2 = engine_event_parse("test", fmt_seq, strlen(fmt_seq), err, sizeof(err));
	char metrics[160], *text;
	struct stats *st;

	snprintf(metrics, sizeof(metrics), "%s/m.prom", dir);
	st = stats_new(NULL, NULL, metrics, 0);
	ck_assert_int_eq(stats_probe_add(st, "a", ev), 0);
	ck_assert_int_eq(stats_probe_add(st, "a", ev2), 0);	/* one probe, two events */
	ck_assert_int_eq(stats_probe_add(st, "b", ev2), 0);
	ev->count = 3;
	ev2->count = 4;
	stats_update(st, 1000000000);
	ck_assert_int_eq(stats_write_metrics(st, true, err, sizeof(err)), 0);
	text = slurp(metrics);
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_events_total{probe=\"a\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_events_total{probe=\"b\"} 4\n"));
	free(text);
	stats_probe_remove(st, ev2);
	stats_update(st, 2000000000);
	ck_assert_int_eq(stats_write_metrics(st, true, err, sizeof(err)), 0);
	text = slurp(metrics);
	ck_assert_ptr_nonnull(strstr(text, "\ntracelogd_events_total{probe=\"a\"} 3\n"));
	ck_assert_ptr_null(strstr(text, "probe=\"b\""));
	free(text);
	ck_assert_int_eq(stats_write_line(st), 0);	/* no log: nothing */
	stats_free(st);
	engine_event_free(ev2);
}
END_TEST

START_TEST(test_metrics_unwritable)
{
	struct stats *st = stats_new(NULL, NULL, "/nonexistent/dir/t.prom", 0);

	stats_update(st, 1);
	ck_assert_int_eq(stats_write_metrics(st, true, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/t.prom"));
	stats_free(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sink");
	struct {
		const char *name;
		const TTest *tests[8];
	} cases[] = {
		{ "rotation", { test_rotate_lines, test_rotate_batches, test_rotate_big_buffer,
				test_rotate_keep, test_rotate_keep_none, test_rotate_long_line,
				test_mode_umask } },
		{ "reopen", { test_reopen, test_reopen_stdout } },
		{ "flush", { test_flush_line, test_flush_idle, test_flush_interval,
			     test_flush_set_opts } },
		{ "failures", { test_disk_full, test_disk_full_pending, test_dev_full,
				test_pipe_torn, test_dir_removed, test_file_deleted } },
		{ "stats", { test_stats, test_stats_remove, test_metrics_unwritable } },
	};
	SRunner *sr;
	size_t i, k;
	int failed;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 60);
		for (k = 0; k < 8 && cases[i].tests[k]; k++)
			tcase_add_test(tc, cases[i].tests[k]);
		suite_add_tcase(s, tc);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
