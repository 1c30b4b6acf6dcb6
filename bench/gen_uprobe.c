// SPDX-License-Identifier: MIT
/*
 * gen_uprobe - a uprobe storm: N calls of bench_target(), a function a
 * uprobe can be put on.  Prints "uprobe N calls ns_per_call X pid P".
 * usage: gen_uprobe [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline, used)) int bench_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	struct timespec a, b;
	volatile int sink = 0;
	double ns;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		sink += bench_target((int)i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("uprobe %ld calls ns_per_call %.1f pid %d\n", n, ns / (double)n, getpid());
	return 0;
}
