// SPDX-License-Identifier: MIT
/*
 * check_replace.c - a uprobe's binary replaced on disk while tracelogd
 * traces it, the way a package upgrade does (a new file renamed over the
 * path), then replaced by a file without the symbol, deleted, restored and
 * rewritten in place, with and without the symbol.  The kernel's uprobe stays on the old inode; tracelogd
 * must follow the path: "probe-rearmed" with the new offset, "probe-stale"
 * with the reason, and every call of every binary the probe is armed on is
 * counted, exactly.  A second uprobe on another file traces on through it
 * all.  Then, from a configuration file: a binary named through a symlink,
 * upgraded by renaming a new symlink over the old one, a reload that keeps
 * the re-armed probe, one that makes it anew, and the file the symlink
 * names replaced in its own directory.  Root and the real kernel; the
 * probes live in the group check_replace, which is empty again at the end.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "integration/itest.h"

#define GROUP	"check_replace"
#define TRACEFS	"/sys/kernel/tracing"
#define CALLS	1000		/* per run: a few pages of the ring, never a loss */
#define OTHER	300		/* the other probe's calls per stage */
#define WAIT_MS	20000

static const char *skip;
static char helper[PATH_MAX], helper2[PATH_MAX];
static struct tld t;		/* the daemon under test */

/*
 * A failed assertion ends the test's process with exit(): the daemon it
 * started is stopped then (by its pid), so that it removes its probes.
 */
static void stop_leftover(void)
{
	if (t.pid > 0)
		tld_stop(&t);
}

/* the whole of path (tracefs files have no size), NUL-terminated; free() it */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap + 1);

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_ptr_nonnull(buf);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
	}
	ck_assert_msg(!ferror(f), "%s: read error", path);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		ck_assert_msg(n > 0, "write: %s", strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
}

/* buf as the file path, the upgrade's way: a temporary file renamed over it */
static void install(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX + 8];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ck_assert_msg(fd >= 0, "%s: %s", tmp, strerror(errno));
	write_all(fd, buf, len);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_msg(rename(tmp, path) == 0, "rename %s: %s", tmp, strerror(errno));
}

/* buf written over path in place: the same inode, new bytes */
static void overwrite(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	write_all(fd, buf, len);
	ck_assert_int_eq(close(fd), 0);
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_ino;
}

/* run path MODE N to its end; returns its pid */
static pid_t run(const char *path, const char *mode, long n)
{
	char num[32];
	int status;
	pid_t pid;

	snprintf(num, sizeof(num), "%ld", n);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(path, "helper_probe", mode, num, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s %s %ld: status 0x%x",
		      path, mode, n, status);
	return pid;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* event lines of probe (any pid: 0); with event, the tracefs event of the first */
static size_t events(const struct tlog *l, const char *probe, pid_t pid, const char **event)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		json_t *o = l->lines[i];

		if (strcmp(jstr(o, "type"), "event") || strcmp(jstr(o, "probe"), probe))
			continue;
		if (pid && json_integer_value(json_object_get(o, "pid")) != pid)
			continue;
		if (event && !n)
			*event = jstr(o, "event");
		n++;
	}
	return n;
}

/* the n-th (from 1) daemon line of state, or NULL */
static json_t *daemon_line(const struct tlog *l, const char *state, size_t nth)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		json_t *o = l->lines[i];

		if (!strcmp(jstr(o, "type"), "daemon") && !strcmp(jstr(o, "state"), state) &&
		    !--nth)
			return o;
	}
	return NULL;
}

/* lines of this group in uprobe_events */
static size_t group_probes(void)
{
	size_t len, n = 0;
	char *u = read_file(TRACEFS "/uprobe_events", &len), *p = u;

	while ((p = strstr(p, ":" GROUP "/"))) {
		n++;
		p++;
	}
	free(u);
	return n;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

/* wait for the daemon's n-th line of state; prints how long it took after t0 */
static void wait_line(const char *state, size_t n, const char *what, const struct timespec *t0)
{
	ck_assert_msg(tld_wait_daemon(&t, state, n, WAIT_MS) == 0, "%s: no %zu-th %s line: %s",
		      what, n, state, tld_stderr(&t));
	printf("replace: %s: %s after %.1f ms\n", what, state, ms_since(t0));
}

START_TEST(test_replace)
{
	char bin[PATH_MAX], other[PATH_MAX], dir[] = "/tmp/check_replace.XXXXXX";
	char *spec_rp, *spec_other, *v1, *v2, *nosym, *p;
	size_t len1, len2, len3, n_written, i;
	pid_t pid1, pid2, pid3, pid4, pid5, pid6, pid7, opid[6];
	ino_t ino1, ino2, ino4;
	const char *event2 = "", *event4 = "";
	struct timespec t0;
	struct tlog l;
	json_t *o, *st;
	int patched = 0;

	if (skip) {
		printf("SKIP: %s\n", skip);
		return;
	}
	ck_assert_uint_eq(group_probes(), 0);
	atexit(stop_leftover);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	snprintf(other, sizeof(other), "%s/other", dir);

	v1 = read_file(helper, &len1);
	v2 = read_file(helper2, &len2);
	/* a build where the function is gone (renamed): the same bytes, another name */
	nosym = read_file(helper, &len3);
	for (p = nosym; (p = memmem(p, len3 - (size_t)(p - nosym), "tl_probe_target", 15)); p += 15) {
		memcpy(p, "tl_probe_tarxet", 15);
		patched++;
	}
	ck_assert_int_gt(patched, 0);
	install(bin, v1, len1);
	install(other, v1, len1);
	ino1 = inode_of(bin);

	ck_assert_int_ge(asprintf(&spec_rp, "uprobe:rp:%s:tl_probe_target n=%%di:s32", bin), 0);
	ck_assert_int_ge(asprintf(&spec_other, "uprobe:other:%s:tl_probe_sockaddr", other), 0);
	{
		const char *args[] = { "--group", GROUP, "-p", spec_rp, "-p", spec_other, NULL };

		ck_assert_msg(tld_start(&t, args) == 0, "tracelogd did not start: %s", tld_stderr(&t));
	}
	ck_assert_uint_eq(group_probes(), 2);

	/* 1: the binary it was started on */
	pid1 = run(bin, "calls", CALLS);
	opid[0] = run(other, "sockaddr", OTHER);

	/* 2: upgraded: a new file, the function at another offset, renamed over it */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	install(bin, v2, len2);
	ino2 = inode_of(bin);
	ck_assert_uint_ne(ino1, ino2);
	wait_line("probe-rearmed", 1, "renamed over", &t0);
	pid2 = run(bin, "calls", CALLS);
	opid[1] = run(other, "sockaddr", OTHER);

	/* 3: a new file without the function: stale, the other probe unharmed */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	install(bin, nosym, len3);
	wait_line("probe-stale", 1, "no symbol", &t0);
	pid3 = run(bin, "calls", CALLS);
	opid[2] = run(other, "sockaddr", OTHER);

	/* 4: deleted, then back (the first build again, a new inode) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(unlink(bin), 0);
	wait_line("probe-stale", 2, "deleted", &t0);
	opid[3] = run(other, "sockaddr", OTHER);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	install(bin, v1, len1);
	ino4 = inode_of(bin);
	wait_line("probe-rearmed", 2, "restored", &t0);
	pid4 = run(bin, "calls", CALLS);
	opid[4] = run(other, "sockaddr", OTHER);

	/* 5: rewritten in place (nothing runs it): the same inode, another offset */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	overwrite(bin, v2, len2);
	ck_assert_uint_eq(inode_of(bin), ino4);
	wait_line("probe-rearmed", 3, "rewritten in place", &t0);
	pid5 = run(bin, "calls", CALLS);
	opid[5] = run(other, "sockaddr", OTHER);

	/* 6: rewritten in place without the function: the probe's offset is other code now */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	overwrite(bin, nosym, len3);
	wait_line("probe-stale", 3, "rewritten in place, no symbol", &t0);
	pid6 = run(bin, "calls", CALLS);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	overwrite(bin, v1, len1);
	ck_assert_uint_eq(inode_of(bin), ino4);
	wait_line("probe-rearmed", 4, "rewritten in place again", &t0);
	pid7 = run(bin, "calls", CALLS);

	ck_assert_uint_eq(group_probes(), 2);
	ck_assert_int_eq(tld_stop(&t), 0);
	ck_assert_uint_eq(group_probes(), 0);

	tlog_read(&l, t.log);
	ck_assert_uint_eq(l.bad, 0);
	st = tlog_daemon(&l, "stopped");
	ck_assert_msg(st != NULL, "no stopped line");
	n_written = (size_t)jget_int(st, "written");

	/* the lines that say what happened, with what changed */
	o = daemon_line(&l, "probe-rearmed", 1);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(jstr(o, "probe"), "rp");
	ck_assert_str_eq(jstr(o, "path"), bin);
	ck_assert_int_eq(jget_int(o, "old_inode"), (long long)ino1);
	ck_assert_int_eq(jget_int(o, "new_inode"), (long long)ino2);
	ck_assert_int_ne(jget_int(o, "old_offset"), jget_int(o, "new_offset"));
	printf("replace: rearmed 1: inode %lld -> %lld, offset 0x%llx -> 0x%llx, event %s\n",
	       jget_int(o, "old_inode"), jget_int(o, "new_inode"), jget_int(o, "old_offset"),
	       jget_int(o, "new_offset"), jstr(o, "event"));
	o = daemon_line(&l, "probe-stale", 1);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(jstr(o, "probe"), "rp");
	ck_assert_msg(strstr(jstr(o, "reason"), "no function tl_probe_target"), "reason: %s",
		      jstr(o, "reason"));
	ck_assert(json_is_true(json_object_get(o, "traced")));
	printf("replace: stale 1: %s\n", jstr(o, "reason"));
	o = daemon_line(&l, "probe-stale", 2);
	ck_assert_ptr_nonnull(o);
	ck_assert_msg(strstr(jstr(o, "reason"), "the file is gone"), "reason: %s", jstr(o, "reason"));
	printf("replace: stale 2: %s\n", jstr(o, "reason"));
	o = daemon_line(&l, "probe-rearmed", 2);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(jget_int(o, "new_inode"), (long long)ino4);
	printf("replace: rearmed 2: inode %lld -> %lld, offset 0x%llx -> 0x%llx, event %s\n",
	       jget_int(o, "old_inode"), jget_int(o, "new_inode"), jget_int(o, "old_offset"),
	       jget_int(o, "new_offset"), jstr(o, "event"));
	o = daemon_line(&l, "probe-rearmed", 3);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(jget_int(o, "old_inode"), (long long)ino4);
	ck_assert_int_eq(jget_int(o, "new_inode"), (long long)ino4);
	ck_assert_int_ne(jget_int(o, "old_offset"), jget_int(o, "new_offset"));
	printf("replace: rearmed 3: inode %lld -> %lld, offset 0x%llx -> 0x%llx, event %s\n",
	       jget_int(o, "old_inode"), jget_int(o, "new_inode"), jget_int(o, "old_offset"),
	       jget_int(o, "new_offset"), jstr(o, "event"));
	o = daemon_line(&l, "probe-stale", 3);
	ck_assert_ptr_nonnull(o);
	ck_assert_msg(strstr(jstr(o, "reason"), "no function tl_probe_target"), "reason: %s",
		      jstr(o, "reason"));
	ck_assert_int_eq(jget_int(o, "inode"), (long long)ino4);
	ck_assert(json_is_false(json_object_get(o, "traced")));
	printf("replace: stale 3: %s\n", jstr(o, "reason"));
	o = daemon_line(&l, "probe-rearmed", 4);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(jget_int(o, "new_inode"), (long long)ino4);
	printf("replace: rearmed 4: inode %lld -> %lld, offset 0x%llx -> 0x%llx, event %s\n",
	       jget_int(o, "old_inode"), jget_int(o, "new_inode"), jget_int(o, "old_offset"),
	       jget_int(o, "new_offset"), jstr(o, "event"));
	ck_assert_ptr_null(daemon_line(&l, "probe-rearmed", 5));
	ck_assert_ptr_null(daemon_line(&l, "probe-stale", 4));

	/* every call on a file the probe was armed on, and none on the one without it */
	printf("replace: run 1 (first file): %d calls, %zu events\n", CALLS,
	       events(&l, "rp", pid1, NULL));
	printf("replace: run 2 (renamed over): %d calls, %zu events\n", CALLS,
	       events(&l, "rp", pid2, &event2));
	printf("replace: run 3 (no symbol): %d calls, %zu events\n", CALLS,
	       events(&l, "rp", pid3, NULL));
	printf("replace: run 4 (restored): %d calls, %zu events\n", CALLS,
	       events(&l, "rp", pid4, &event4));
	printf("replace: run 5 (rewritten in place): %d calls, %zu events\n", CALLS,
	       events(&l, "rp", pid5, NULL));
	printf("replace: run 6 (in place, no symbol): %d calls, %zu events\n", CALLS,
	       events(&l, "rp", pid6, NULL));
	printf("replace: run 7 (in place, back): %d calls, %zu events\n", CALLS,
	       events(&l, "rp", pid7, NULL));
	printf("replace: other probe: %d calls, %zu events\n", 6 * OTHER,
	       events(&l, "other", 0, NULL));
	printf("replace: written %zu, lost ring %lld queue %lld sink %lld total %lld\n", n_written,
	       jget_int(st, "lost.ring"), jget_int(st, "lost.queue"), jget_int(st, "lost.sink"),
	       jget_int(st, "lost.total"));

	/* exact accounting: emitted by the kernel = written + lost */
	ck_assert_int_eq((long long)n_written + jget_int(st, "lost.total"), 5 * CALLS + 6 * OTHER);
	ck_assert_uint_eq(events(&l, "rp", 0, NULL) + events(&l, "other", 0, NULL), n_written);
	ck_assert_uint_eq(tlog_lost(&l), (unsigned long long)jget_int(st, "lost.total"));
	/* a few pages per run in a ring of 256 pages per CPU: nothing can be lost */
	ck_assert_int_eq(jget_int(st, "lost.total"), 0);
	ck_assert_uint_eq(events(&l, "rp", pid1, NULL), CALLS);
	ck_assert_uint_eq(events(&l, "rp", pid2, NULL), CALLS);
	ck_assert_uint_eq(events(&l, "rp", pid3, NULL), 0);
	ck_assert_uint_eq(events(&l, "rp", pid4, NULL), CALLS);
	ck_assert_uint_eq(events(&l, "rp", pid5, NULL), CALLS);
	ck_assert_uint_eq(events(&l, "rp", pid6, NULL), 0);
	ck_assert_uint_eq(events(&l, "rp", pid7, NULL), CALLS);
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(events(&l, "other", opid[i], NULL), OTHER);
	/* the re-armed probe fires under its other tracefs name, then the first again */
	ck_assert_str_eq(event2, GROUP "/rp__r");
	ck_assert_str_eq(event4, GROUP "/rp");

	tlog_free(&l);
	tld_cleanup(&t);
	unlink(bin);
	unlink(other);
	rmdir(dir);
	free(spec_rp);
	free(spec_other);
	free(v1);
	free(v2);
	free(nosym);
}
END_TEST

/* the probe through a symlink, from a configuration file, across reloads */
#define CONF_FMT "[daemon]\ngroup = " GROUP "\n\n[uprobe rp]\nbinary = %s\n" \
		 "function = tl_probe_target\nfetch = %s\n"

/* a symlink at path to target, made elsewhere and renamed over it */
static void relink(const char *target, const char *path)
{
	char tmp[PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	ck_assert_msg(symlink(target, tmp) == 0, "symlink %s: %s", tmp, strerror(errno));
	ck_assert_msg(rename(tmp, path) == 0, "rename %s: %s", tmp, strerror(errno));
}

static size_t names_of(json_t *o, const char *key, const char *name)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i, n = 0;

	json_array_foreach(a, i, v)
		n += json_is_string(v) && !strcmp(json_string_value(v), name);
	return n;
}

START_TEST(test_symlink_reload)
{
	char dir[] = "/tmp/check_replace.XXXXXX", store[64], link[64];
	char v1path[PATH_MAX], v2path[PATH_MAX], conf[PATH_MAX];
	const char *ev[4] = { "", "", "", "" };
	char *v1, *v2;
	size_t len1, len2, i;
	pid_t pid[4];
	struct timespec t0;
	struct tlog l;
	json_t *o, *st;

	if (skip) {
		printf("SKIP: %s\n", skip);
		return;
	}
	ck_assert_uint_eq(group_probes(), 0);
	atexit(stop_leftover);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(store, sizeof(store), "%s/store", dir);
	ck_assert_int_eq(mkdir(store, 0755), 0);
	snprintf(link, sizeof(link), "%s/bin", dir);
	snprintf(v1path, sizeof(v1path), "%s/v1", store);
	snprintf(v2path, sizeof(v2path), "%s/v2", store);
	v1 = read_file(helper, &len1);
	v2 = read_file(helper2, &len2);
	install(v1path, v1, len1);
	install(v2path, v2, len2);
	relink("store/v1", link);

	itest_conf_new(conf, sizeof(conf));
	itest_conf_write(conf, CONF_FMT, link, "n=%di:s32");
	{
		const char *args[] = { "-c", conf, NULL };

		ck_assert_msg(tld_start(&t, args) == 0, "tracelogd did not start: %s", tld_stderr(&t));
	}

	/* 1: the symlink now names the new build: its own directory says so */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	relink("store/v2", link);
	wait_line("probe-rearmed", 1, "symlink renamed over", &t0);
	pid[0] = run(link, "calls", CALLS);

	/* 2: a reload that does not change the probe keeps it as it is */
	ck_assert_int_eq(kill(t.pid, SIGHUP), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wait_line("reloaded", 1, "reload, unchanged", &t0);
	pid[1] = run(link, "calls", CALLS);

	/* 3: one that changes it makes it anew, from the file the symlink names */
	itest_conf_write(conf, CONF_FMT, link, "n=%di:s32 s=+0(%si):ustring");
	ck_assert_int_eq(kill(t.pid, SIGHUP), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wait_line("reloaded", 2, "reload, changed", &t0);
	pid[2] = run(link, "calls", CALLS);

	/* 4: the file itself replaced in its directory (the first build again) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	install(v2path, v1, len1);
	wait_line("probe-rearmed", 2, "target renamed over", &t0);
	pid[3] = run(link, "calls", CALLS);

	ck_assert_uint_eq(group_probes(), 1);
	ck_assert_int_eq(tld_stop(&t), 0);
	ck_assert_uint_eq(group_probes(), 0);

	tlog_read(&l, t.log);
	ck_assert_uint_eq(l.bad, 0);
	st = tlog_daemon(&l, "stopped");
	ck_assert_msg(st != NULL, "no stopped line");
	o = daemon_line(&l, "probe-rearmed", 1);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(jstr(o, "path"), link);
	ck_assert_int_ne(jget_int(o, "old_offset"), jget_int(o, "new_offset"));
	o = daemon_line(&l, "reloaded", 1);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "changed")), 0);
	o = daemon_line(&l, "reloaded", 2);
	ck_assert_uint_eq(names_of(o, "recreated", "rp"), 1);
	o = daemon_line(&l, "probe-rearmed", 2);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_ne(jget_int(o, "old_inode"), jget_int(o, "new_inode"));
	ck_assert_int_ne(jget_int(o, "old_offset"), jget_int(o, "new_offset"));
	ck_assert_ptr_null(daemon_line(&l, "probe-rearmed", 3));
	ck_assert_ptr_null(daemon_line(&l, "probe-stale", 1));

	for (i = 0; i < 4; i++) {
		size_t n = events(&l, "rp", pid[i], &ev[i]);

		printf("replace: symlink run %zu: %d calls, %zu events (%s)\n", i + 1, CALLS, n,
		       ev[i]);
	}
	printf("replace: symlink: written %lld, lost total %lld\n", jget_int(st, "written"),
	       jget_int(st, "lost.total"));
	ck_assert_int_eq(jget_int(st, "written") + jget_int(st, "lost.total"), 4 * CALLS);
	ck_assert_uint_eq(events(&l, "rp", 0, NULL), (size_t)jget_int(st, "written"));
	ck_assert_int_eq(jget_int(st, "lost.total"), 0);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(events(&l, "rp", pid[i], NULL), CALLS);
	/* re-armed, kept by the reload, made anew under its own name, re-armed again */
	ck_assert_str_eq(ev[0], GROUP "/rp__r");
	ck_assert_str_eq(ev[1], GROUP "/rp__r");
	ck_assert_str_eq(ev[2], GROUP "/rp");
	ck_assert_str_eq(ev[3], GROUP "/rp__r");

	tlog_free(&l);
	tld_cleanup(&t);
	itest_conf_remove(conf);
	unlink(link);
	unlink(v1path);
	unlink(v2path);
	rmdir(store);
	rmdir(dir);
	free(v1);
	free(v2);
}
END_TEST

int main(void)
{
	const char *dir = getenv("HELPERS");
	Suite *s = suite_create("replace");
	TCase *tc = tcase_create("binary replaced");
	SRunner *sr;
	int failed;

	skip = itest_skip_reason();
	if (!skip && !dir)
		skip = "HELPERS is not set (run it with make check-faults)";
	if (!skip) {
		snprintf(helper, sizeof(helper), "%s/helper_probe", dir);
		snprintf(helper2, sizeof(helper2), "%s/helper_probe2", dir);
		if (access(helper, X_OK) || access(helper2, X_OK))
			skip = "no helper_probe or helper_probe2 in HELPERS";
	}
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_symlink_reload);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
