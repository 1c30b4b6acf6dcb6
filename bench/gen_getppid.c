// SPDX-License-Identifier: MIT
/*
 * gen_getppid - the densest event storm: N getppid(2) system calls in a
 * tight loop.  Prints "getppid N calls ns_per_call X" on stdout.
 * usage: gen_getppid [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000000;
	struct timespec a, b;
	double ns;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("getppid %ld calls ns_per_call %.1f pid %d\n", n, ns / (double)n, getpid());
	return 0;
}
