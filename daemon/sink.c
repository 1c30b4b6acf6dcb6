// SPDX-License-Identifier: MIT
/*
 * sink.c - the log's file: whole lines in, size-based rotation between
 * lines, reopen, and no torn line after a failed write.
 *
 * A write that fails part-way (ENOSPC on a full disk writes what fits,
 * then fails) leaves the front of a line in the file.  The offset after
 * our last write is the file's end (O_APPEND, one writer under the log's
 * lock), so the cut line is removed with ftruncate() to that offset minus
 * the cut bytes: measured at the failure, not from a size we track, which
 * logrotate's copytruncate would have made wrong.
 *
 * A line can also be torn by the death of the writer: kill -9 (or a crash
 * of the machine) in the middle of a write(2) leaves the front of a line
 * at the end of the file, without its newline.  Appending after it would
 * glue our first line to it and make one invalid line that stops jq.  So
 * sink_open() cuts a file's unterminated tail back to its last newline
 * when that tail is the front of one of our lines, and reports the bytes
 * it cut (sink_stats.tail_cut) for the daemon to say in a line of its
 * own; a tail that is not ours is kept and ended with a newline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink.h"

struct sink {
	char *path;		/* NULL: standard output */
	int fd;			/* -1: down (no file could be opened) */
	bool own_fd;
	bool regular;		/* a regular file: a cut line can be truncated */
	bool torn;		/* a pipe holds a cut line: end it before the next */
	bool rotate_hold;	/* a rotation failed: none before sink_check() */
	struct sink_opts o;
	uint64_t size;		/* bytes in the file */
	int err;		/* 0, or the errno of the current failure */
	enum sink_op op;
	uint64_t failures;
	uint64_t rotations, reopens, torn_count;
	uint64_t tail_cut;	/* bytes of a torn last line cut at open */
};

/*
 * The longest tail looked at for a newline.  A torn line is the front of
 * one of our lines, far shorter (a record is at most 64 KiB, escaped at
 * most six times); a longer tail is not ours to cut.
 */
#define TAIL_MAX	(4u << 20)

const char *sink_op_name(enum sink_op op)
{
	switch (op) {
	case SINK_OP_WRITE: return "write";
	case SINK_OP_OPEN: return "open";
	case SINK_OP_ROTATE: return "rotate";
	case SINK_OP_NONE: break;
	}
	return "";
}

static void fail(struct sink *s, enum sink_op op, int err)
{
	if (!s->err)
		s->failures++;
	s->err = err;
	s->op = op;
}

/* op worked: a failure of that kind is over */
static void ok(struct sink *s, enum sink_op op)
{
	if (s->err && s->op == op) {
		s->err = 0;
		s->op = SINK_OP_NONE;
	}
}

/* path for appending: the fd, or -errno.  A file we create is 0640. */
static int open_file(const char *path)
{
	int tries, fd;

	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
		if (fd >= 0) {
			/* the umask may have taken bits away; a file system
			   without modes refuses: the log is still written */
			if (fchmod(fd, 0640) < 0) {
			}
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT)
			return -errno;
		/* removed between the two opens: create it again */
	}
	return -ENOENT;
}

static void attach(struct sink *s, int fd)
{
	struct stat st;

	s->fd = fd;
	s->torn = false;
	s->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	s->size = s->regular ? (uint64_t)st.st_size : 0;
}

/*
 * A regular file that does not end in a newline: when its tail (after
 * the last newline, at most TAIL_MAX bytes) is the front of one of our
 * lines ({"type":"...), cut it off; any other tail is not ours to remove
 * and gets a newline, so that our lines stay lines.  Returns the bytes
 * cut (0: none) or -errno.
 */
static int64_t cut_torn_tail(int fd, const char *path)
{
	static const char head[] = "{\"type\":\"";
	char buf[4096];
	struct stat st, rst;
	off_t end, pos;
	ssize_t n = 0, i = -1;
	int64_t ret = 0;
	size_t cmp;
	int rfd;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	/* fd is write-only: read through a second open of the same file */
	rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (rfd < 0)
		return 0;	/* unreadable: appended to as it is */
	if (fstat(rfd, &rst) < 0 || rst.st_dev != st.st_dev || rst.st_ino != st.st_ino)
		goto out;	/* replaced in between: the next open sees it */
	end = st.st_size;
	if (pread(rfd, buf, 1, end - 1) != 1 || buf[0] == '\n')
		goto out;
	for (pos = end; pos > 0 && end - pos < (off_t)TAIL_MAX; pos -= n) {
		n = pos < (off_t)sizeof(buf) ? (ssize_t)pos : (ssize_t)sizeof(buf);
		if (pread(rfd, buf, (size_t)n, pos - n) != n) {
			ret = -EIO;
			goto out;
		}
		for (i = n - 1; i >= 0; i--)
			if (buf[i] == '\n')
				break;
		if (i >= 0) {
			pos -= n - i - 1;	/* just after the newline */
			break;
		}
	}
	cmp = end - pos < (off_t)sizeof(head) - 1 ? (size_t)(end - pos) : sizeof(head) - 1;
	if ((pos == 0 || i >= 0) && pread(rfd, buf, cmp, pos) == (ssize_t)cmp &&
	    !memcmp(buf, head, cmp)) {
		ret = ftruncate(fd, pos) < 0 ? -errno : (int64_t)(end - pos);
		goto out;
	}
	if (write(fd, "\n", 1) != 1)
		ret = -errno;
out:
	close(rfd);
	return ret;
}

struct sink *sink_open(const char *path, const struct sink_opts *o, char *err, size_t errlen)
{
	int64_t cut;
	struct sink *s = calloc(1, sizeof(*s));
	int fd;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (o)
		s->o = *o;
	if (!strcmp(path, "-")) {
		attach(s, STDOUT_FILENO);
		return s;
	}
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	fd = open_file(path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the log %s: %s", path, strerror(-fd));
		free(s->path);
		free(s);
		errno = -fd;
		return NULL;
	}
	cut = cut_torn_tail(fd, path);
	if (cut < 0) {
		snprintf(err, errlen, "cannot open the log %s: its torn last line: %s", path,
			 strerror((int)-cut));
		close(fd);
		free(s->path);
		free(s);
		errno = (int)-cut;
		return NULL;
	}
	s->tail_cut = (uint64_t)cut;
	s->own_fd = true;
	attach(s, fd);
	return s;
}

void sink_close(struct sink *s)
{
	if (!s)
		return;
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

void sink_set_opts(struct sink *s, const struct sink_opts *o)
{
	s->o = *o;
	s->rotate_hold = false;
}

/* write all of p; 0 or -errno, *done = bytes written */
static int write_all(int fd, const char *p, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = write(fd, p + *done, len - *done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*done += (size_t)n;
	}
	return 0;
}

/* cut bytes of a line were written before a failure: take them back */
static void undo(struct sink *s, size_t cut)
{
	off_t end;

	if (s->regular) {
		end = lseek(s->fd, 0, SEEK_CUR);
		/*
		 * The offset is where the cut bytes end (O_APPEND writes at the
		 * end, under the log's lock).  The seek matters for a standard
		 * output redirected without O_APPEND, whose next write would
		 * otherwise leave a hole.
		 */
		if (end >= (off_t)cut && ftruncate(s->fd, end - (off_t)cut) == 0) {
			if (lseek(s->fd, end - (off_t)cut, SEEK_SET) < 0) {
				/* O_APPEND writes go to the end anyway */
			}
			return;
		}
	}
	/* a pipe or a terminal cannot take bytes back: end the line later */
	s->torn = true;
	s->torn_count++;
}

/* n bytes of whole lines to the file; 0 or -errno with *done whole-line bytes */
static int write_lines(struct sink *s, const char *p, size_t n, size_t *done)
{
	const char *nl;
	size_t w, whole;
	int ret;

	*done = 0;
	if (s->torn) {
		ret = write_all(s->fd, "\n", 1, &w);
		if (ret < 0) {
			fail(s, SINK_OP_WRITE, -ret);
			return ret;
		}
		s->torn = false;
	}
	ret = write_all(s->fd, p, n, &w);
	if (ret == 0) {
		s->size += n;
		ok(s, SINK_OP_WRITE);
		*done = n;
		return 0;
	}
	nl = w ? memrchr(p, '\n', w) : NULL;
	whole = nl ? (size_t)(nl + 1 - p) : 0;
	if (w > whole)
		undo(s, w - whole);
	s->size += whole;
	fail(s, SINK_OP_WRITE, -ret);
	*done = whole;
	return ret;
}

/* the sink's file under path, anew; on failure the sink is down */
static int reopen(struct sink *s)
{
	int fd = open_file(s->path);

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (fd < 0) {
		fail(s, SINK_OP_OPEN, -fd);
		return fd;
	}
	attach(s, fd);
	ok(s, SINK_OP_OPEN);
	return 0;
}

/*
 * PATH.(N-1) -> PATH.N ... PATH -> PATH.1, then a new PATH.  A rename onto
 * PATH.N replaces the oldest file.  A file that is not there (removed by
 * hand) is skipped.
 */
static void rotate(struct sink *s)
{
	size_t len = strlen(s->path) + 16;
	char *from = malloc(len), *to = malloc(len);
	unsigned i;
	int r;

	if (!from || !to) {
		fail(s, SINK_OP_ROTATE, ENOMEM);
		s->rotate_hold = true;
		goto out;
	}
	for (i = s->o.rotate_keep; i >= 2; i--) {
		snprintf(from, len, "%s.%u", s->path, i - 1);
		snprintf(to, len, "%s.%u", s->path, i);
		if (rename(from, to) < 0) {
			/* a gap in the chain, or the error the last rename sees too */
		}
	}
	if (s->o.rotate_keep) {
		snprintf(to, len, "%s.1", s->path);
		r = rename(s->path, to);
	} else {
		r = unlink(s->path);
	}
	if (r < 0 && errno != ENOENT) {
		/* the file stays the log, past rotate_size, until the next check */
		fail(s, SINK_OP_ROTATE, errno);
		s->rotate_hold = true;
		goto out;
	}
	s->rotations++;
	ok(s, SINK_OP_ROTATE);
	reopen(s);
out:
	free(from);
	free(to);
}

static bool rotating(const struct sink *s)
{
	return s->path && s->regular && s->o.rotate_size && !s->rotate_hold;
}

size_t sink_write(struct sink *s, const char *p, size_t len)
{
	size_t off = 0, n, done;
	bool fresh = false;	/* just rotated: the first line goes in whatever its size */

	while (off < len && s->fd >= 0) {
		n = len - off;
		if (rotating(s) && s->size + n > s->o.rotate_size) {
			uint64_t room = s->size < s->o.rotate_size ? s->o.rotate_size - s->size : 0;
			const char *nl = room ? memrchr(p + off, '\n', room < n ? (size_t)room : n) : NULL;

			if (nl) {
				n = (size_t)(nl + 1 - (p + off));
			} else if (s->size > 0 && !fresh) {
				rotate(s);
				fresh = true;
				continue;
			} else {
				/* one line longer than rotate_size: a file of its own */
				nl = memchr(p + off, '\n', n);
				if (nl)
					n = (size_t)(nl + 1 - (p + off));
			}
		}
		fresh = false;
		if (write_lines(s, p + off, n, &done) < 0)
			return off + done;
		off += n;
	}
	return off;
}

int sink_reopen(struct sink *s)
{
	if (!s->path)
		return 0;
	s->reopens++;
	return reopen(s);
}

void sink_check(struct sink *s)
{
	struct stat st;

	s->rotate_hold = false;
	if (!s->path)
		return;
	if (s->fd < 0) {
		reopen(s);
		return;
	}
	if (fstat(s->fd, &st) < 0)
		return;
	if (st.st_nlink == 0) {
		/* deleted (or its directory): lines written there are gone */
		s->reopens++;
		reopen(s);
		return;
	}
	if (s->regular)
		s->size = (uint64_t)st.st_size;
}

bool sink_is_up(const struct sink *s)
{
	return s->fd >= 0;
}

int sink_health(const struct sink *s, enum sink_op *op, uint64_t *failures)
{
	if (op)
		*op = s->op;
	if (failures)
		*failures = s->failures;
	return s->err;
}

void sink_stats_get(const struct sink *s, struct sink_stats *st)
{
	st->bytes = s->size;
	st->rotations = s->rotations;
	st->reopens = s->reopens;
	st->torn = s->torn_count;
	st->tail_cut = s->tail_cut;
}
