// SPDX-License-Identifier: MIT
/* itest.c - see itest.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"

const char *itest_skip_reason(void)
{
	if (geteuid() != 0)
		return "not root: integration tests need root and the real kernel";
	if (!getenv("TRACELOGD"))
		return "TRACELOGD is not set (run them with make check)";
	if (access("/sys/kernel/tracing/events", R_OK) != 0 &&
	    access("/sys/kernel/debug/tracing/events", R_OK) != 0) {
		/* tracelogd mounts tracefs itself; only say so */
	}
	return NULL;
}

bool itest_sanitized(void)
{
	const char *v = getenv("TRACELOGD_SANITIZED");

	return v && !strcmp(v, "1");
}

void tld_init(struct tld *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/tracelogd-itest.XXXXXX");
	if (!mkdtemp(t->dir)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(t->log, sizeof(t->log), "%s/events.jsonl", t->dir);
	snprintf(t->err, sizeof(t->err), "%s/stderr", t->dir);
}

static pid_t tld_spawn(struct tld *t, const char *const *args)
{
	const char *argv[128];
	size_t n = 0;
	pid_t pid;

	int has_output = 0;

	argv[n++] = getenv("TRACELOGD");
	for (; args && *args && n < 120; args++) {
		if (!strcmp(*args, "-o"))
			has_output = 1;
		argv[n++] = *args;
	}
	if (!has_output) {
		argv[n++] = "-o";
		argv[n++] = t->log;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(t->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		if (t->nofile) {
			struct rlimit rl = { (rlim_t)t->nofile, (rlim_t)t->nofile };
			struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
			struct __user_cap_data_struct d[2];

			/* without CAP_SYS_RESOURCE the hard limit cannot be raised */
			setrlimit(RLIMIT_NOFILE, &rl);
			if (syscall(SYS_capget, &h, d) == 0) {
				d[CAP_SYS_RESOURCE / 32].effective &= ~(1u << (CAP_SYS_RESOURCE % 32));
				d[CAP_SYS_RESOURCE / 32].permitted &= ~(1u << (CAP_SYS_RESOURCE % 32));
				syscall(SYS_capset, &h, d);
			}
		}
		if (t->uid && setresuid(t->uid, t->uid, t->uid) < 0)
			_exit(126);
		{
			union { const char **c; char **v; } u = { argv };

			execv(argv[0], u.v);
		}
		_exit(127);
	}
	return pid;
}

const char *tld_stderr(struct tld *t)
{
	static char buf[8192];
	FILE *f = fopen(t->err, "r");
	size_t n = 0;

	buf[0] = 0;
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

static int log_has_started(const char *path)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\"type\":\"daemon\"") && strstr(line, "\"state\":\"started\"")) {
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

int tld_start(struct tld *t, const char *const *args)
{
	return tld_start_log(t, args, NULL);
}

int tld_start_log(struct tld *t, const char *const *args, const char *log)
{
	int i, status;

	tld_init(t);
	if (log)
		snprintf(t->log, sizeof(t->log), "%s", log);
	t->pid = tld_spawn(t, args);
	for (i = 0; i < 6000; i++) {
		struct timespec ms = { 0, 10 * 1000000 };

		if (log_has_started(t->log))
			return 0;
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			fprintf(stderr, "tracelogd exited before starting: %s", tld_stderr(t));
			t->pid = 0;
			return -1;
		}
		nanosleep(&ms, NULL);
	}
	fprintf(stderr, "tracelogd did not start within 60 s: %s", tld_stderr(t));
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	t->pid = 0;
	return -1;
}

int tld_stop(struct tld *t)
{
	int status;

	if (t->pid <= 0)
		return -1;
	kill(t->pid, SIGINT);
	if (waitpid(t->pid, &status, 0) != t->pid)
		return -1;
	t->pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int tld_run(struct tld *t, const char *const *args)
{
	return tld_run_as(t, args, 0, 0);
}

int tld_run_as(struct tld *t, const char *const *args, uid_t uid, long nofile)
{
	int status;

	tld_init(t);
	t->uid = uid;
	t->nofile = nofile;
	t->pid = tld_spawn(t, args);
	if (waitpid(t->pid, &status, 0) != t->pid)
		return -1;
	t->pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

void tld_cleanup(struct tld *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
	unlink(t->log);
	unlink(t->err);
	rmdir(t->dir);
}

void tlog_read(struct tlog *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;

	memset(l, 0, sizeof(*l));
	if (!f)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *j;

		lineno++;
		if (line[len - 1] != '\n') {
			fprintf(stderr, "%s:%zu: line without a newline (torn)\n", path, lineno);
			l->bad++;
			continue;
		}
		j = json_loadb(line, (size_t)len, 0, &je);
		if (!j && strstr(je.text, "too big integer")) {
			/* valid JSON: an unsigned 64-bit value beyond jansson's json_int_t */
			j = json_loadb(line, (size_t)len, JSON_DECODE_INT_AS_REAL, &je);
		}
		if (!j || !json_is_object(j) || !json_is_string(json_object_get(j, "type"))) {
			fprintf(stderr, "%s:%zu: not a JSON object with a type: %s (%.200s)\n",
				path, lineno, je.text, line);
			l->bad++;
			json_decref(j);
			continue;
		}
		if (l->n % 4096 == 0)
			l->lines = realloc(l->lines, (l->n + 4096) * sizeof(*l->lines));
		l->lines[l->n++] = j;
	}
	free(line);
	fclose(f);
}

void tlog_free(struct tlog *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		json_decref(l->lines[i]);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

json_t *tlog_daemon(const struct tlog *l, const char *state)
{
	json_t *found = NULL;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(jstr(l->lines[i], "type"), "daemon") &&
		    !strcmp(jstr(l->lines[i], "state"), state))
			found = l->lines[i];
	return found;
}

size_t tlog_count(const struct tlog *l, const char *event, long tid)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		json_t *o = l->lines[i];

		if (strcmp(jstr(o, "type"), "event") || strcmp(jstr(o, "event"), event))
			continue;
		if (tid && json_integer_value(json_object_get(o, "tid")) != tid)
			continue;
		n++;
	}
	return n;
}

unsigned long long tlog_lost(const struct tlog *l)
{
	unsigned long long n = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(jstr(l->lines[i], "type"), "lost"))
			n += (unsigned long long)json_integer_value(json_object_get(l->lines[i], "count"));
	return n;
}

long long jget_int(json_t *o, const char *path)
{
	char key[128];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = o ? json_object_get(o, path) : NULL;
	if (!json_is_integer(o))
		return -1;
	return json_integer_value(o);
}

void itest_conf_new(char *path, size_t len)
{
	char dir[] = "/tmp/tracelogd-conf.XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(path, len, "%s/tracelogd.ini", dir);
}

void itest_conf_write(const char *path, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fchmod(fileno(f), 0600) < 0) {
		perror(tmp);
		abort();
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		perror(path);
		abort();
	}
}

void itest_conf_remove(const char *path)
{
	char dir[512], *slash;

	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		rmdir(dir);
	}
}

/*
 * The {"type":"daemon","state":STATE} lines of path from *off on, added to
 * *n; *off moves past the last whole line read.  One call reads no further
 * than the file's size when it began: a daemon writing a storm's lines
 * faster than we read them (a sanitized build of this file is the slower
 * one) would otherwise keep it reading, past any timeout.
 */
static void daemon_lines(const char *path, const char *state, long *off, size_t *n)
{
	char line[8192], want[96];
	FILE *f = fopen(path, "r");
	struct stat st;

	if (!f)
		return;
	snprintf(want, sizeof(want), "\"state\":\"%s\"", state);
	if (fstat(fileno(f), &st) == 0 && fseek(f, *off, SEEK_SET) == 0) {
		bool first = true, hit = false;	/* first: a line's first chunk */

		while (ftell(f) < st.st_size && fgets(line, sizeof(line), f)) {
			size_t len = strlen(line);

			if (first)
				hit = !strncmp(line, "{\"type\":\"daemon\",", 17) && strstr(line, want);
			first = line[len - 1] == '\n';
			if (!first && len < sizeof(line) - 1)
				break;		/* a line still being written */
			if (first) {
				*off = ftell(f);
				*n += hit;
			}
		}
	}
	fclose(f);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int tld_wait_daemon(struct tld *t, const char *state, size_t n, int ms)
{
	/* by the clock: reading a long log takes time of its own */
	uint64_t end = mono_ms() + (uint64_t)(ms > 0 ? ms : 0);
	size_t found = 0;
	long off = 0;

	for (;;) {
		struct timespec five = { 0, 5 * 1000000 };

		daemon_lines(t->log, state, &off, &found);
		if (found >= n)
			return 0;
		if (t->pid <= 0 || waitpid(t->pid, NULL, WNOHANG) == t->pid)
			return -1;
		if (mono_ms() >= end)
			return -1;
		nanosleep(&five, NULL);
	}
}

/* ------------------------------------------------------------------ */
/* Time and processes                                                  */

void itest_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

uint64_t itest_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool itest_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

int itest_fd_count(pid_t pid)
{
	char p[64];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "/proc/%d/fd", pid);
	d = opendir(p);
	ck_assert_msg(d != NULL, "%s: %s", p, strerror(errno));
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

long itest_rss_kib(pid_t pid)
{
	char p[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	ck_assert_msg(kib >= 0, "%s: no VmRSS", p);
	return kib;
}
