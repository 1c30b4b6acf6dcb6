// SPDX-License-Identifier: MIT
/*
 * dynevent.c - the instance's group of dynamic events in tracefs: what the
 * kernel supports, creating kprobes and uprobes, removing them, and the
 * leftovers of a crash.
 *
 * The tracefs files are written directly, one command per write(2), so
 * that each command is exactly the line probe_spec_command() built and
 * checked.  libtracefs 1.6.4 is not used for this: tracefs_dynevent_
 * destroy_all() has no group filter and get_all(KPROBE, ...) also returns
 * uprobes, so neither would keep us to our own group.
 *
 * Files: kprobe_events and uprobe_events exist when the kernel was built
 * with CONFIG_KPROBE_EVENTS / CONFIG_UPROBE_EVENTS; dynamic_events (since
 * 4.17) lists every kind and removes any of them.  A definition is written
 * to its kind's file; "-:GROUP/NAME" removes.  A removal fails with EBUSY
 * while a perf fd of the event is open.  Opening these files for writing
 * without O_TRUNC leaves the other definitions alone (O_TRUNC would remove
 * them all).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tracefs.h>

#include "probes-private.h"

#define LOCK_DIR	"/run/tracelogd"

struct created {
	char *name;
	const char *file;	/* where it was defined: kprobe_events, uprobe_events */
};

struct probe_group {
	char *name;
	int lock_fd;
	char *lock_path;		/* removed at close, while still locked */
	struct created *created;
	size_t nr_created;
};

static const char *tracefs_dir(void)
{
	return tracefs_tracing_dir();
}

static bool tracefs_has(const char *file)
{
	const char *dir = tracefs_dir();
	char path[512];

	if (!dir)
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* the whole of a tracefs file, NUL-terminated; free() it; NULL with errno */
static char *tracefs_read(const char *file)
{
	const char *dir = tracefs_dir();
	char path[512], *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if (!dir) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 4097) {
			nb = realloc(buf, cap + 65536);
			if (!nb) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* one command line to a tracefs file; 0 or -errno */
static int tracefs_command(const char *file, const char *cmd)
{
	const char *dir = tracefs_dir();
	char path[512], line[PROBE_CMD_MAX + 1];
	size_t len = strlen(cmd);
	ssize_t n;
	int fd, ret = 0;

	if (!dir)
		return -ENOENT;
	if (len + 1 >= sizeof(line))
		return -E2BIG;
	memcpy(line, cmd, len);
	line[len++] = '\n';
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int probe_kind_check(enum probe_kind kind, char *err, size_t errlen)
{
	const char *dir = tracefs_dir(), *file, *option, *what;

	switch (kind) {
	case PROBE_TRACEPOINT:
		return 0;
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		file = "kprobe_events";
		option = "CONFIG_KPROBE_EVENTS";
		what = "kprobes and kretprobes";
		break;
	default:
		file = "uprobe_events";
		option = "CONFIG_UPROBE_EVENTS";
		what = "uprobes and uretprobes";
		break;
	}
	if (!dir) {
		probe_seterr(err, errlen, "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
		return -ENOENT;
	}
	if (tracefs_has(file))
		return 0;
	probe_seterr(err, errlen,
		     "this kernel cannot create %s: %s/%s does not exist (built without %s%s)",
		     what, dir, file, option,
		     tracefs_has("dynamic_events") ? "; dynamic_events exists but takes only the kinds built in" : "");
	return -EOPNOTSUPP;
}

/* ------------------------------------------------------------------ */
/* error_log                                                           */

#define CMD_PREFIX "  Command: "

int probe_error_log_explain(const char *log, const char *cmd, char *out, size_t len)
{
	const char *p = log, *found_msg = NULL, *found_cmd = NULL, *found_caret = NULL;
	size_t msg_len = 0, cmd_len = 0, caret_len = 0;

	if (len)
		out[0] = 0;
	/*
	 * Entries (kernel/trace/trace.c, tracing_err_log_seq_show):
	 *   [ 1827.033862] trace_uprobe: error: Invalid register name
	 *     Command: p:g/n /usr/bin/bash:0x1 x=%zz
	 *                                        ^
	 */
	while (p && *p) {
		const char *eol = strchr(p, '\n'), *l2, *e2, *l3, *e3, *ts_end;

		if (!eol)
			break;
		if (*p != '[' || !(ts_end = memchr(p, ']', (size_t)(eol - p)))) {
			p = eol + 1;
			continue;
		}
		l2 = eol + 1;
		e2 = strchr(l2, '\n');
		if (!e2 || strncmp(l2, CMD_PREFIX, strlen(CMD_PREFIX))) {
			p = eol + 1;
			continue;
		}
		l3 = e2 + 1;
		e3 = strchr(l3, '\n');
		if (!e3)
			e3 = l3 + strlen(l3);
		l2 += strlen(CMD_PREFIX);
		if (!cmd || ((size_t)(e2 - l2) == strlen(cmd) && !strncmp(l2, cmd, (size_t)(e2 - l2)))) {
			found_msg = ts_end + 1 + (ts_end[1] == ' ');
			msg_len = (size_t)(eol - found_msg);
			found_cmd = l2;
			cmd_len = (size_t)(e2 - l2);
			found_caret = l3;
			caret_len = (size_t)(e3 - l3);
		}
		p = *e3 ? e3 + 1 : e3;
	}
	if (!found_msg)
		return -ENOENT;
	{
		const char *caret = memchr(found_caret, '^', caret_len);
		size_t pos, tok;

		if (caret && (size_t)(caret - found_caret) >= strlen(CMD_PREFIX) &&
		    (pos = (size_t)(caret - found_caret) - strlen(CMD_PREFIX)) < cmd_len) {
			/* the word the caret points into */
			while (pos && found_cmd[pos - 1] != ' ')
				pos--;
			tok = strcspn(found_cmd + pos, " ");
			if (pos + tok > cmd_len)
				tok = cmd_len - pos;
			snprintf(out, len, "%.*s (at \"%.*s\")", (int)msg_len, found_msg, (int)tok,
				 found_cmd + pos);
		} else {
			snprintf(out, len, "%.*s", (int)msg_len, found_msg);
		}
	}
	return 0;
}

/* the kernel's words for a refused command, or strerror */
static void kernel_words(const char *cmd, int ret, char *out, size_t len)
{
	char *log = tracefs_read("error_log");

	if (!log || probe_error_log_explain(log, cmd, out, len) < 0)
		snprintf(out, len, "%s (error_log has no entry for it)", strerror(-ret));
	free(log);
}

/* ------------------------------------------------------------------ */
/* The group                                                           */

/*
 * The leftovers of group in a listing (dynamic_events, kprobe_events or
 * uprobe_events text): kprobe and uprobe lines, "p:GROUP/NAME ...",
 * "r:..." or "r16:...".  Each is removed by "-:GROUP/NAME" written to
 * file.  Returns the count removed, or -errno with a message.
 */
static int remove_leftovers(const char *group, const char *listing, const char *file,
			    char *err, size_t errlen)
{
	const char *p = listing;
	size_t glen = strlen(group);
	int removed = 0, ret;

	while (p && *p) {
		const char *eol = strchr(p, '\n'), *colon, *slash, *name;
		char cmd[PROBE_NAME_MAX * 2 + 8];
		size_t nlen, i;

		if (!eol)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || (p[0] != 'p' && p[0] != 'r'))
			goto next;
		for (i = 1; p + i < colon; i++)
			if (p[0] != 'r' || p[i] < '0' || p[i] > '9')
				goto next;
		slash = memchr(colon, '/', (size_t)(eol - colon));
		if (!slash || (size_t)(slash - colon - 1) != glen || strncmp(colon + 1, group, glen))
			goto next;
		name = slash + 1;
		nlen = strcspn(name, " \n");
		if (!probe_ident_valid(name, nlen, PROBE_NAME_MAX))
			goto next;
		snprintf(cmd, sizeof(cmd), "-:%s/%.*s", group, (int)nlen, name);
		ret = tracefs_command(file, cmd);
		if (ret == -EBUSY) {
			probe_seterr(err, errlen,
				     "group %s: %s/%.*s is in use (its events are open): is another tracelogd running with this --group?",
				     group, group, (int)nlen, name);
			return ret;
		}
		if (ret < 0 && ret != -ENOENT) {
			probe_seterr(err, errlen, "group %s: cannot remove the leftover %s/%.*s: %s",
				     group, group, (int)nlen, name, strerror(-ret));
			return ret;
		}
		if (ret == 0)
			removed++;
next:
		p = *eol ? eol + 1 : eol;
	}
	return removed;
}

static int group_clean(struct probe_group *g, char *err, size_t errlen)
{
	static const char *const files[] = { "dynamic_events", "kprobe_events", "uprobe_events" };
	int total = 0, ret;
	size_t i;

	for (i = 0; i < 3; i++) {
		char *text;

		if (!tracefs_has(files[i]))
			continue;
		text = tracefs_read(files[i]);
		if (!text) {
			ret = -errno;
			probe_seterr(err, errlen, "cannot read %s: %s", files[i], strerror(-ret));
			return ret;
		}
		ret = remove_leftovers(g->name, text, files[i], err, errlen);
		free(text);
		if (ret < 0)
			return ret;
		total += ret;
		if (i == 0)
			break;	/* dynamic_events lists them all */
	}
	return total;
}

/*
 * After the leftovers went, the group must be empty: a group holding the
 * kernel's own tracepoints ("sched") or someone else's events (a synthetic
 * event, an eprobe) is not ours to put probes in.
 */
static int group_foreign(struct probe_group *g, char *err, size_t errlen)
{
	char **events = tracefs_system_events(NULL, g->name);
	int ret = 0;

	if (events && events[0]) {
		probe_seterr(err, errlen,
			     "group %s holds events that are not tracelogd's (%s%s): give another --group",
			     g->name, events[0], events[1] ? ", ..." : "");
		ret = -EEXIST;
	}
	tracefs_list_free(events);
	return ret;
}

/*
 * The group's lock file: refused when another process holds it.  The file
 * is removed at close, so a lock taken on a file that was unlinked in the
 * meantime is worthless: the path must still name the locked inode.
 */
static int group_lock(struct probe_group *g, char *err, size_t errlen)
{
	char path[128], pid[32];
	struct stat a, b;
	ssize_t n;
	int fd, tries;

	if (mkdir(LOCK_DIR, 0755) < 0 && errno != EEXIST)
		return 0;	/* no writable /run: go without the lock */
	snprintf(path, sizeof(path), LOCK_DIR "/%s.lock", g->name);
	for (tries = 0; tries < 10; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (fd < 0)
			return 0;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			n = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = 0;
			pid[strcspn(pid, "\n")] = 0;
			probe_seterr(err, errlen,
				     "group %s is in use by another tracelogd%s%s%s (see %s); give another --group",
				     g->name, pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "", path);
			close(fd);
			return -EBUSY;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			break;
		close(fd);	/* unlinked by its last owner: take the new one */
		fd = -1;
	}
	if (fd < 0)
		return 0;
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* the pid is only for the message above */
	}
	g->lock_fd = fd;
	g->lock_path = strdup(path);
	return 0;
}

struct probe_group *probe_group_open(const char *name, unsigned *removed,
				     char *err, size_t errlen)
{
	struct probe_group *g;
	int ret;

	if (removed)
		*removed = 0;
	if (!probe_ident_valid(name, strlen(name), PROBE_NAME_MAX)) {
		probe_seterr(err, errlen,
			     "group \"%.80s\": a group name is 1 to %d letters, digits and _, not starting with a digit",
			     name, PROBE_NAME_MAX);
		errno = EINVAL;
		return NULL;
	}
	if (!tracefs_dir()) {
		probe_seterr(err, errlen, "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
		errno = ENOENT;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g || !(g->name = strdup(name))) {
		free(g);
		probe_seterr(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	g->lock_fd = -1;
	ret = group_lock(g, err, errlen);
	if (ret == 0)
		ret = group_clean(g, err, errlen);
	if (ret >= 0 && group_foreign(g, err, errlen) < 0)
		ret = -EEXIST;
	if (ret < 0) {
		probe_group_close(g);
		errno = -ret;
		return NULL;
	}
	if (removed)
		*removed = (unsigned)ret;
	return g;
}

const char *probe_group_name(const struct probe_group *g)
{
	return g->name;
}

int probe_group_add(struct probe_group *g, const struct probe_spec *spec,
		    char *err, size_t errlen)
{
	char cmd[PROBE_CMD_MAX], words[768], w[96];
	const char *file;
	struct created *c;
	size_t i;
	int ret;

	snprintf(w, sizeof(w), "%s:%s", probe_kind_name(spec->kind), spec->name);
	if (!probe_spec_is_dynamic(spec)) {
		probe_seterr(err, errlen, "%s: a tracepoint is not created", w);
		return -EINVAL;
	}
	ret = probe_kind_check(spec->kind, words, sizeof(words));
	if (ret < 0) {
		probe_seterr(err, errlen, "%s: %s", w, words);
		return ret;
	}
	for (i = 0; i < g->nr_created; i++)
		if (!strcmp(g->created[i].name, spec->name)) {
			probe_seterr(err, errlen, "%s: a probe of this name exists already", w);
			return -EEXIST;
		}
	if (!spec->resolved && (spec->kind == PROBE_UPROBE || spec->kind == PROBE_URETPROBE)) {
		/* resolve a copy: the caller's spec is const */
		struct probe_spec tmp = *spec;

		tmp.path = strdup(spec->path);
		if (!tmp.path)
			return -ENOMEM;
		ret = probe_spec_resolve(&tmp, err, errlen);
		if (ret == 0)
			ret = probe_spec_command(&tmp, g->name, cmd, sizeof(cmd), err, errlen);
		free(tmp.path);
	} else {
		ret = probe_spec_command(spec, g->name, cmd, sizeof(cmd), err, errlen);
	}
	if (ret < 0)
		return ret;
	file = spec->kind == PROBE_KPROBE || spec->kind == PROBE_KRETPROBE ?
	       "kprobe_events" : "uprobe_events";
	c = realloc(g->created, (g->nr_created + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	g->created = c;
	c += g->nr_created;
	c->name = strdup(spec->name);
	c->file = file;
	if (!c->name)
		return -ENOMEM;
	ret = tracefs_command(file, cmd);
	if (ret < 0) {
		free(c->name);
		if (ret == -EEXIST) {
			probe_seterr(err, errlen, "%s: %s/%s exists already in tracefs", w, g->name,
				     spec->name);
			return ret;
		}
		kernel_words(cmd, ret, words, sizeof(words));
		if (spec->kind == PROBE_KPROBE || spec->kind == PROBE_KRETPROBE) {
			char why[512];

			if (probe_kprobe_explain(spec->function, NULL, why, sizeof(why)) == -ENOENT) {
				probe_seterr(err, errlen, "%s: tracefs refused \"%s\": %s; %s", w, cmd,
					     words, why);
				return ret;
			}
		}
		probe_seterr(err, errlen, "%s: tracefs refused \"%s\": %s", w, cmd, words);
		return ret;
	}
	g->nr_created++;
	return 0;
}

int probe_group_remove(struct probe_group *g, char *err, size_t errlen)
{
	int first = 0, ret;
	size_t i, k;

	if (!g)
		return 0;
	for (i = g->nr_created; i-- > 0;) {
		char cmd[PROBE_NAME_MAX * 2 + 8];

		snprintf(cmd, sizeof(cmd), "-:%s/%s", g->name, g->created[i].name);
		ret = tracefs_command(g->created[i].file, cmd);
		if (ret == -ENOENT)
			ret = 0;	/* gone already (removed by hand) */
		if (ret < 0) {
			if (!first) {
				first = ret;
				probe_seterr(err, errlen, "cannot remove %s/%s: %s%s", g->name,
					     g->created[i].name, strerror(-ret),
					     ret == -EBUSY ? " (its perf events are still open)" : "");
			}
			continue;
		}
		free(g->created[i].name);
		g->created[i].name = NULL;
	}
	for (i = k = 0; i < g->nr_created; i++)
		if (g->created[i].name)
			g->created[k++] = g->created[i];
	g->nr_created = k;
	return first;
}

int probe_group_delete(struct probe_group *g, const char *name, char *err, size_t errlen)
{
	char cmd[PROBE_NAME_MAX * 2 + 8];
	size_t i;
	int ret;

	for (i = 0; i < g->nr_created; i++)
		if (!strcmp(g->created[i].name, name))
			break;
	if (i == g->nr_created) {
		probe_seterr(err, errlen, "%s/%s: not a probe of this instance", g->name, name);
		return -ENOENT;
	}
	snprintf(cmd, sizeof(cmd), "-:%s/%s", g->name, name);
	ret = tracefs_command(g->created[i].file, cmd);
	if (ret == -ENOENT)
		ret = 0;	/* gone already (removed by hand) */
	if (ret < 0) {
		probe_seterr(err, errlen, "cannot remove %s/%s: %s%s", g->name, name, strerror(-ret),
			     ret == -EBUSY ? " (its perf events are still open)" : "");
		return ret;
	}
	free(g->created[i].name);
	/* keep the order: probe_group_remove() goes newest first */
	memmove(&g->created[i], &g->created[i + 1], (g->nr_created - i - 1) * sizeof(*g->created));
	g->nr_created--;
	return 0;
}

void probe_group_close(struct probe_group *g)
{
	size_t i;

	if (!g)
		return;
	probe_group_remove(g, NULL, 0);
	for (i = 0; i < g->nr_created; i++)
		free(g->created[i].name);
	free(g->created);
	if (g->lock_fd >= 0) {
		if (g->lock_path)
			unlink(g->lock_path);
		close(g->lock_fd);
	}
	free(g->lock_path);
	free(g->name);
	free(g);
}
