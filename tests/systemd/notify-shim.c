/*
 * notify-shim - a stand-in for the sd_notify side of tracelogd, so that the
 * systemd harness's notify, reload and watchdog checks can be proved before the
 * daemon speaks sd_notify itself (run.sh -m shim).  Not installed, not shipped.
 *
 *   notify-shim LOGFILE COMMAND [ARG...]
 *
 * Runs COMMAND (the current tracelogd, with -o LOGFILE) as its child and speaks
 * for it on $NOTIFY_SOCKET, the way the daemon is meant to:
 *   READY=1 + STATUS=...        once COMMAND has written a new "started" line
 *   WATCHDOG=1                  every $WATCHDOG_USEC / 2
 *   RELOADING=1, then READY=1   on SIGHUP (forwarded to COMMAND)
 *   STOPPING=1                  on SIGTERM or SIGINT (forwarded; waits for COMMAND)
 * It exits with COMMAND's status (1 when COMMAND was killed by a signal).
 * Stopping the shim (SIGSTOP) stops the pings, which is what the watchdog test
 * does to a hung daemon.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract socket */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		fprintf(stderr, "notify-shim: sendto %s: %s\n", path, strerror(errno));
	close(fd);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* whether LOG holds a "started" line past byte offset FROM */
static int started_since(const char *log, off_t from)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen(log, "re");

	if (!f)
		return 0;
	if (fseeko(f, from, SEEK_SET) == 0)
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, "\"state\":\"started\"") != NULL;
	fclose(f);
	return found;
}

static int exit_status(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
}

int main(int argc, char **argv)
{
	const char *log, *wd = getenv("WATCHDOG_USEC");
	long long interval = wd ? atoll(wd) / 2000 : 0, next_ping = 0;
	struct stat st;
	off_t from = 0;
	sigset_t mask;
	pid_t child;
	int sfd, ready = 0, ws;

	if (argc < 3) {
		fprintf(stderr, "usage: notify-shim LOGFILE COMMAND [ARG...]\n");
		return 2;
	}
	log = argv[1];
	if (stat(log, &st) == 0)
		from = st.st_size;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("notify-shim: signalfd");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("notify-shim: fork");
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_UNBLOCK, &mask, NULL);
		execv(argv[2], argv + 2);
		fprintf(stderr, "notify-shim: exec %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}

	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		long long t = now_ms();
		int timeout = ready ? 1000 : 50;

		if (!ready && started_since(log, from)) {
			notify("READY=1\nSTATUS=tracing (notify-shim)");
			ready = 1;
		}
		if (ready && interval > 0) {
			if (t >= next_ping) {
				notify("WATCHDOG=1");
				next_ping = t + interval;
			}
			if (next_ping - t < timeout)
				timeout = (int)(next_ping - t);
		}
		if (poll(&pfd, 1, timeout) <= 0)
			continue;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGHUP:
			notify("RELOADING=1\nSTATUS=reloading (notify-shim)");
			kill(child, SIGHUP);
			usleep(200 * 1000);
			notify("READY=1\nSTATUS=tracing (notify-shim)");
			break;
		case SIGTERM:
		case SIGINT:
			notify("STOPPING=1\nSTATUS=stopping (notify-shim)");
			kill(child, SIGTERM);
			if (waitpid(child, &ws, 0) < 0)
				return 1;
			return exit_status(ws);
		case SIGCHLD:
			if (waitpid(child, &ws, WNOHANG) == child) {
				fprintf(stderr, "notify-shim: the daemon exited on its own\n");
				return exit_status(ws) ? exit_status(ws) : 1;
			}
			break;
		}
	}
}
