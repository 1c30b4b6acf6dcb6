// SPDX-License-Identifier: MIT
/*
 * sample_cost - what each perf sample field costs the traced program.
 *
 * Opens syscalls/sys_enter_getppid on CPU 0 with one sample_type/clock
 * variant at a time, drains the ring from a thread on CPU 1 (discarding),
 * and times N getppid calls on CPU 0.  Prints ns per call per variant,
 * the median of R rounds, rounds interleaved so that noise hits all alike.
 * usage: sample_cost [N] [R]   (root)
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGES 256

struct variant {
	const char *name;
	unsigned long long sample_type;
	int clock;		/* -1: perf's default clock */
	int traced;
};

static const struct variant variants[] = {
	{ "untraced", 0, -1, 0 },
	{ "RAW", PERF_SAMPLE_RAW, -1, 1 },
	{ "RAW|TID", PERF_SAMPLE_RAW | PERF_SAMPLE_TID, -1, 1 },
	{ "RAW|TIME (default clock)", PERF_SAMPLE_RAW | PERF_SAMPLE_TIME, -1, 1 },
	{ "RAW|TIME (CLOCK_MONOTONIC)", PERF_SAMPLE_RAW | PERF_SAMPLE_TIME, CLOCK_MONOTONIC, 1 },
	{ "RAW|TID|TIME (default clock)", PERF_SAMPLE_RAW | PERF_SAMPLE_TID | PERF_SAMPLE_TIME, -1, 1 },
	{ "RAW|TID|TIME (CLOCK_MONOTONIC)", PERF_SAMPLE_RAW | PERF_SAMPLE_TID | PERF_SAMPLE_TIME, CLOCK_MONOTONIC, 1 },
	{ "RAW|TID|TIME|CPU|IDENTIFIER (CLOCK_MONOTONIC)", PERF_SAMPLE_RAW | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER, CLOCK_MONOTONIC, 1 },
	{ "perf record's IP|TID|TIME|CPU|PERIOD|RAW|IDENTIFIER", PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW | PERF_SAMPLE_IDENTIFIER, -1, 1 },
};
#define NV (sizeof(variants) / sizeof(variants[0]))

static volatile int stop;
static struct perf_event_mmap_page *meta;

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static void *drain(void *arg)
{
	(void)arg;
	pin(1);
	while (!stop) {
		uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);

		__atomic_store_n(&meta->data_tail, head, __ATOMIC_RELEASE);
		usleep(200);
	}
	return NULL;
}

static int tp_id(void)
{
	FILE *f = fopen("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id", "r");
	int id = -1;

	if (f) {
		if (fscanf(f, "%d", &id) != 1)
			id = -1;
		fclose(f);
	}
	return id;
}

static double one(const struct variant *v, long n, int id)
{
	struct perf_event_attr a;
	struct timespec t0, t1;
	pthread_t th;
	void *m = NULL;
	int fd = -1;
	long i;

	if (v->traced) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (unsigned long long)id;
		a.sample_period = 1;
		a.sample_type = v->sample_type;
		a.watermark = 1;
		a.wakeup_watermark = PAGES * 4096 / 4;
		if (v->clock >= 0) {
			a.use_clockid = 1;
			a.clockid = v->clock;
		}
		fd = (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			perror("perf_event_open");
			exit(1);
		}
		m = mmap(NULL, (PAGES + 1) * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		meta = m;
		stop = 0;
		pthread_create(&th, NULL, drain, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (v->traced) {
		stop = 1;
		pthread_join(th, NULL);
		munmap(m, (PAGES + 1) * 4096);
		close(fd);
	}
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	int r = argc > 2 ? atoi(argv[2]) : 5, id = tp_id(), i;
	double res[NV][64];
	size_t v;

	if (id < 0 || r > 64) {
		fprintf(stderr, "no sys_enter_getppid tracepoint (root? tracefs?)\n");
		return 1;
	}
	pin(0);
	for (i = 0; i < r; i++)
		for (v = 0; v < NV; v++)
			res[v][i] = one(&variants[v], n, id);
	printf("| sample_type | ns per getppid (median of %d) | overhead ns | vs perf record's |\n|---|---|---|---|\n", r);
	for (v = 0; v < NV; v++)
		qsort(res[v], (size_t)r, sizeof(double), cmp);
	for (v = 0; v < NV; v++) {
		double med = res[v][r / 2], base = res[0][r / 2], perf = res[NV - 1][r / 2];

		printf("| %s | %.0f | %.0f | %.2f |\n", variants[v].name, med, med - base,
		       v ? (med - base) / (perf - base) : 0.0);
	}
	return 0;
}
