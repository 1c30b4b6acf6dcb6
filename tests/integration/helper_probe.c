// SPDX-License-Identifier: MIT
/*
 * helper_probe.c - the program the uprobe integration tests probe
 * (check_dynprobes.c).  Built with -O1 -g; the probed functions are noipa so
 * that they keep the x86_64 calling convention (arguments in %di, %si).
 *
 *   helper_probe calls N      tl_probe_target(i, "item-<i>") for i < N
 *   helper_probe getpid N     N calls of libc's getpid()
 *   helper_probe sockaddr N   N calls of tl_probe_sockaddr(127.0.0.1:22, [::1]:443)
 *   helper_probe wait         block until standard input closes
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tl_probe_target(int n, const char *s);
int tl_probe_sockaddr(const struct sockaddr_in *a, const struct sockaddr_in6 *b);

/* returns 2n + strlen(s): the tests check the return value of every call */
__attribute__((noipa)) int tl_probe_target(int n, const char *s)
{
	return 2 * n + (int)strlen(s);
}

__attribute__((noipa)) int tl_probe_sockaddr(const struct sockaddr_in *a,
					     const struct sockaddr_in6 *b)
{
	return a->sin_port + b->sin6_port;
}

int main(int argc, char **argv)
{
	volatile long sink = 0;
	long n = argc > 2 ? atol(argv[2]) : 0, i;
	char buf[32];

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "calls")) {
		for (i = 0; i < n; i++) {
			snprintf(buf, sizeof(buf), "item-%ld", i);
			sink += tl_probe_target((int)i, buf);
		}
	} else if (!strcmp(argv[1], "getpid")) {
		for (i = 0; i < n; i++)
			sink += getpid();
	} else if (!strcmp(argv[1], "sockaddr")) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(22) };
		struct sockaddr_in6 b = { .sin6_family = AF_INET6, .sin6_port = htons(443) };

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		b.sin6_addr = in6addr_loopback;
		for (i = 0; i < n; i++)
			sink += tl_probe_sockaddr(&a, &b);
	} else if (!strcmp(argv[1], "wait")) {
		while (read(0, buf, sizeof(buf)) > 0)
			;
	} else {
		return 2;
	}
	(void)sink;
	return 0;
}
