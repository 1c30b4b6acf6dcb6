// SPDX-License-Identifier: MIT
/*
 * gen_exec - an exec storm: N fork + exec of /bin/true, one at a time.
 * Prints "exec N runs us_per_exec X pid P".
 * usage: gen_exec [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	struct timespec a, b;
	double us;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
	printf("exec %ld runs us_per_exec %.1f pid %d\n", n, us / (double)n, getpid());
	return 0;
}
