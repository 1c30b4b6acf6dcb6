// SPDX-License-Identifier: MIT
/*
 * sample_cost - what each perf sample field costs the traced program.
 *
 * Opens syscalls/sys_enter_getppid on CPU 0 with one sample_type/clock
 * variant at a time, drains the ring from a thread on CPU 1 (discarding),
 * and times N getppid calls on CPU 0.  Prints ns per call per variant,
 * the median of R rounds, rounds interleaved so that noise hits all alike.
 * "counted" opens the tracepoint as a counting event: the kernel takes the
 * tracepoint and its perf path but writes no sample, the part of the cost
 * that no sample_type can remove.
 * With -v KEY only the variant KEY runs, once: bench/run.sh uses it for the
 * floors of its table (tracelogd's sample and perf record's, each drained by
 * a consumer that does nothing else).
 * usage: sample_cost [N] [R]   |   sample_cost -v KEY [N]   (root)
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdint.h>
#include <pthread.h>
#include <stdbool.h>
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
	const char *key;
	const char *name;
	unsigned long long sample_type;
	int clock;		/* -1: perf's default clock */
	int traced;
};

/*
 * Clocks: perf's default (local_clock), and the two NMI-safe ones a
 * tracepoint may ask for; CLOCK_REALTIME, BOOTTIME and TAI are refused
 * for tracepoints (EINVAL on 6.18).
 */
static const struct variant variants[] = {
	{ "untraced", "untraced", 0, -1, 0 },
	{ "counted", "tracepoint counted, no sample", 0, -1, 1 },
	{ "raw", "RAW", PERF_SAMPLE_RAW, -1, 1 },
	{ "raw_tid", "RAW|TID", PERF_SAMPLE_RAW | PERF_SAMPLE_TID, -1, 1 },
	{ "tracelogd", "RAW|TIME (default clock): tracelogd", PERF_SAMPLE_RAW | PERF_SAMPLE_TIME, -1, 1 },
	{ "raw_time_mono", "RAW|TIME (CLOCK_MONOTONIC): tracelogd --clock monotonic", PERF_SAMPLE_RAW | PERF_SAMPLE_TIME, CLOCK_MONOTONIC, 1 },
	{ "raw_time_mono_raw", "RAW|TIME (CLOCK_MONOTONIC_RAW)", PERF_SAMPLE_RAW | PERF_SAMPLE_TIME, CLOCK_MONOTONIC_RAW, 1 },
	{ "raw_tid_time", "RAW|TID|TIME (default clock)", PERF_SAMPLE_RAW | PERF_SAMPLE_TID | PERF_SAMPLE_TIME, -1, 1 },
	{ "raw_tid_time_cpu_id_mono", "RAW|TID|TIME|CPU|IDENTIFIER (CLOCK_MONOTONIC)", PERF_SAMPLE_RAW | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER, CLOCK_MONOTONIC, 1 },
	{ "perf", "perf record's IP|TID|TIME|CPU|PERIOD|RAW|IDENTIFIER", PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW | PERF_SAMPLE_IDENTIFIER, -1, 1 },
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
		bool sampled = v->sample_type != 0;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (unsigned long long)id;
		a.sample_period = sampled ? 1 : 0;
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
		if (!sampled)
			goto run;
		m = mmap(NULL, (PAGES + 1) * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		meta = m;
		stop = 0;
		pthread_create(&th, NULL, drain, NULL);
	}
run:
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (m) {
		stop = 1;
		pthread_join(th, NULL);
		munmap(m, (PAGES + 1) * 4096);
	}
	if (fd >= 0)
		close(fd);
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int only(const char *key, long n, int id)
{
	size_t v;

	for (v = 0; v < NV; v++)
		if (!strcmp(variants[v].key, key)) {
			one(&variants[v], n / 10, id);	/* warm the path up */
			printf("%s %ld calls ns_per_call %.1f\n", key, n, one(&variants[v], n, id));
			return 0;
		}
	fprintf(stderr, "sample_cost: no variant %s; one of:", key);
	for (v = 0; v < NV; v++)
		fprintf(stderr, " %s", variants[v].key);
	fprintf(stderr, "\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *key = NULL;
	long n;
	int r, id = tp_id(), i;
	double res[NV][64];
	size_t v;

	if (argc > 2 && !strcmp(argv[1], "-v")) {
		key = argv[2];
		argv += 2;
		argc -= 2;
	}
	n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	r = argc > 2 ? atoi(argv[2]) : 5;
	if (id < 0) {
		fprintf(stderr, "no sys_enter_getppid tracepoint (root? tracefs?)\n");
		return 1;
	}
	if (n <= 0 || r < 1 || r > 64) {
		fprintf(stderr, "usage: sample_cost [N] [R<=64] | sample_cost -v KEY [N]\n");
		return 2;
	}
	pin(0);
	if (key)
		return only(key, n, id);
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
