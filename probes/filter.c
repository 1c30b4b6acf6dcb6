// SPDX-License-Identifier: MIT
/*
 * filter.c - the kernel's reason for refusing an event filter.
 *
 * perf's PERF_EVENT_IOC_SET_FILTER only answers EINVAL and logs nothing to
 * error_log.  Writing the same filter to the event's "filter" file does log
 * the parser's words, but the top instance's filter file is global state;
 * a private instance (instances/tracelogd_filter_PID) is made, written,
 * read and removed instead.  Only on the error path: an instance costs a
 * ring buffer per CPU while it exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "probes-private.h"

static char *read_file(const char *path)
{
	char *buf = malloc(65536);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	n = read(fd, buf, 65535);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

int probe_filter_explain(const char *system, const char *event, const char *filter,
			 char *msg, size_t msglen)
{
	const char *dir = tracefs_tracing_dir();
	char inst[300], path[600], *log;
	size_t len = strlen(filter);
	ssize_t n;
	int fd, ret;

	if (msglen)
		msg[0] = 0;
	if (!dir)
		return -ENOENT;
	if (!probe_name_valid(system, strlen(system)) || !probe_name_valid(event, strlen(event)) ||
	    strchr(filter, '\n'))
		return -EINVAL;
	snprintf(inst, sizeof(inst), "%s/instances/tracelogd_filter_%d", dir, (int)getpid());
	if (mkdir(inst, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/events/%s/%s/filter", inst, system, event);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	n = write(fd, filter, len);
	ret = n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	if (ret == -EINVAL) {
		snprintf(path, sizeof(path), "%s/error_log", inst);
		log = read_file(path);
		if (!log || probe_error_log_explain(log, NULL, msg, msglen) < 0)
			ret = -ENODATA;
		free(log);
	}
out:
	rmdir(inst);
	return ret;
}
