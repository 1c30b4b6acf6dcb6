// SPDX-License-Identifier: MIT
/*
 * main.c - the tracelogd command line: trace tracepoints into a JSON-lines
 * log until a signal or the end of --duration.
 *
 * Exit status: 0 on a clean stop, 1 for a runtime failure, 2 for a usage
 * error or an unknown event.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "jlog.h"
#include "json.h"
#include "log.h"
#include "probes.h"

#define EXIT_USAGE 2

struct spec {
	char *event;		/* as given to -e */
	char *filter;		/* -f after it, or NULL */
};

struct options {
	struct spec *specs;
	size_t nr_specs;
	const char *output;
	double duration;	/* seconds, 0: until a signal */
	struct engine_opts eopts;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: tracelogd -e SYSTEM/EVENT [-f FILTER] [-e ...] [-o FILE|-] [--duration SECONDS]\n"
"                 [--ring-pages N] [--workers N] [--queue-depth N] [--overflow drop|block]\n"
"       tracelogd -h | --version\n"
"\n"
"Trace kernel tracepoints into a JSON-lines log (one object per line).\n"
"\n"
"  -e, --event SPEC        a tracepoint: system/event or system:event; globs allowed\n"
"                          (syscalls/sys_enter_*).  Repeat for more.\n"
"  -f, --filter EXPR       ftrace filter for the events of the -e before it\n"
"                          (\"common_pid == 42\", \"filename ~ \\\"/usr/*\\\"\")\n"
"  -o, --output FILE       where the log goes; - is standard output (default)\n"
"  -d, --duration SECONDS  stop after this long (default: at SIGINT or SIGTERM)\n"
"      --ring-pages N      perf ring size per CPU, in pages, a power of two (256)\n"
"      --workers N         handler threads (2)\n"
"      --queue-depth N     records each worker queue holds (65536)\n"
"      --overflow POLICY   full queue: drop (count and drop) or block (default drop)\n"
"  -v, --verbose           more diagnostics on stderr\n"
"  -h, --help              this text\n"
"      --version           the version\n"
"\n"
"Exit status: 0 clean stop, 1 runtime failure, 2 usage error or unknown event.\n");
}

static unsigned long parse_num(const char *opt, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || s[0] == '-')
		fatalx(EXIT_USAGE, "%s: \"%s\" is not a number from %lu to %lu", opt, s, min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_RING = 256, OPT_WORKERS, OPT_QUEUE, OPT_OVERFLOW, OPT_VERSION };
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "filter", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "ring-pages", required_argument, NULL, OPT_RING },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "queue-depth", required_argument, NULL, OPT_QUEUE },
		{ "overflow", required_argument, NULL, OPT_OVERFLOW },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->output = "-";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:f:o:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': {
			struct spec *s = realloc(o->specs, (o->nr_specs + 1) * sizeof(*s));

			if (!s)
				fatalx(1, "out of memory");
			o->specs = s;
			s[o->nr_specs].event = optarg;
			s[o->nr_specs].filter = NULL;
			o->nr_specs++;
			break;
		}
		case 'f':
			if (!o->nr_specs)
				fatalx(EXIT_USAGE, "-f %s: a filter follows the -e it applies to", optarg);
			if (strchr(optarg, '\n'))
				fatalx(EXIT_USAGE, "-f: a filter is one line");
			o->specs[o->nr_specs - 1].filter = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'd': {
			char *end;

			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->duration > 0) || o->duration > 1e9)
				fatalx(EXIT_USAGE, "--duration: \"%s\" is not a positive number of seconds", optarg);
			break;
		}
		case OPT_RING:
			o->eopts.ring_pages = (unsigned)parse_num("--ring-pages", optarg, 1, 1u << 20);
			if (o->eopts.ring_pages & (o->eopts.ring_pages - 1))
				fatalx(EXIT_USAGE, "--ring-pages: %u is not a power of two", o->eopts.ring_pages);
			break;
		case OPT_WORKERS:
			o->eopts.workers = (unsigned)parse_num("--workers", optarg, 1, 256);
			break;
		case OPT_QUEUE:
			o->eopts.queue_depth = (unsigned)parse_num("--queue-depth", optarg, 16, 1u << 24);
			break;
		case OPT_OVERFLOW:
			if (!strcmp(optarg, "drop"))
				o->eopts.overflow = ENGINE_OVERFLOW_DROP;
			else if (!strcmp(optarg, "block"))
				o->eopts.overflow = ENGINE_OVERFLOW_BLOCK;
			else
				fatalx(EXIT_USAGE, "--overflow: \"%s\" is neither drop nor block", optarg);
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("tracelogd %s\n", TRACELOGD_VERSION);
			exit(0);
		case ':':
			fatalx(EXIT_USAGE, "option %s needs a value (see -h)", argv[optind - 1]);
		default:
			fatalx(EXIT_USAGE, "unknown option %s (see -h)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		fatalx(EXIT_USAGE, "unexpected argument \"%s\" (see -h)", argv[optind]);
	if (!o->nr_specs)
		fatalx(EXIT_USAGE, "nothing to trace: give at least one -e SYSTEM/EVENT (see -h)");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ,"version":"..","pid":N,"probes":[...] */
static char *started_extra(char **names, size_t n)
{
	struct jbuf b;
	char *p;
	size_t i;

	if (jbuf_init(&b, 256) < 0)
		return NULL;
	json_put_raw(&b, ",\"version\":\"" TRACELOGD_VERSION "\",\"pid\":",
		     strlen(",\"version\":\"" TRACELOGD_VERSION "\",\"pid\":"));
	json_put_u64(&b, (uint64_t)getpid());
	json_put_raw(&b, ",\"probes\":[", 11);
	for (i = 0; i < n; i++) {
		if (i)
			json_put_raw(&b, ",", 1);
		json_put_str(&b, names[i], strlen(names[i]));
	}
	if (json_put_raw(&b, "]\0", 2) < 0) {
		jbuf_free(&b);
		return NULL;
	}
	p = b.p;
	return p;
}

/* ,"emitted":N,"written":N,"lost":{"ring":N,...} */
static void stopped_extra(char *buf, size_t len, const struct engine_stats *es,
			  const struct jlog_stats *js)
{
	uint64_t lost = es->lost[ENGINE_STAGE_RING] + es->lost[ENGINE_STAGE_QUEUE] +
			es->lost[ENGINE_STAGE_INVALID] + js->sink_dropped;

	snprintf(buf, len,
		 ",\"emitted\":%llu,\"written\":%llu,\"lost\":{\"ring\":%llu,\"queue\":%llu,"
		 "\"invalid\":%llu,\"sink\":%llu,\"total\":%llu},\"sideband_lost\":%llu",
		 (unsigned long long)(js->events_written + lost),
		 (unsigned long long)js->events_written,
		 (unsigned long long)es->lost[ENGINE_STAGE_RING],
		 (unsigned long long)es->lost[ENGINE_STAGE_QUEUE],
		 (unsigned long long)es->lost[ENGINE_STAGE_INVALID],
		 (unsigned long long)js->sink_dropped,
		 (unsigned long long)lost,
		 (unsigned long long)es->lost[ENGINE_STAGE_SIDEBAND]);
}

int main(int argc, char **argv)
{
	struct options o;
	struct engine *e = NULL;
	struct jlog *jl = NULL;
	struct engine_stats es;
	struct jlog_stats js;
	char err[1024], extra[512];
	char **names = NULL, **filters = NULL;
	size_t nr_names = 0, i;
	sigset_t mask;
	int sfd, status = 1;
	double deadline = 0;

	log_init(argv[0], 0);
	parse_args(argc, argv, &o);
	log_init(argv[0], o.verbose);

	/* the threads inherit this mask; signals are read from the signalfd */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fatal(1, "signalfd");

	if (!engine_tracefs_dir(err, sizeof(err)))
		fatalx(1, "%s", err);

	for (i = 0; i < o.nr_specs; i++) {
		char **list;
		int n = probe_tracepoint_resolve(o.specs[i].event, &list, err, sizeof(err));

		if (n < 0)
			fatalx(EXIT_USAGE, "%s", err);
		names = realloc(names, (nr_names + (size_t)n + 1) * sizeof(*names));
		filters = realloc(filters, (nr_names + (size_t)n + 1) * sizeof(*filters));
		if (!names || !filters)
			fatalx(1, "out of memory");
		for (int j = 0; j < n; j++) {
			filters[nr_names] = o.specs[i].filter;
			names[nr_names++] = list[j];
		}
		free(list);	/* the strings moved to names */
	}

	jl = jlog_open(o.output, o.eopts.workers ? o.eopts.workers : 2, err, sizeof(err));
	if (!jl)
		fatalx(1, "%s", err);
	o.eopts.on_loss = jlog_on_loss;
	o.eopts.on_idle = jlog_on_idle;
	o.eopts.arg = jl;
	e = engine_new(&o.eopts, err, sizeof(err));
	if (!e)
		fatalx(1, "%s", err);

	for (i = 0; i < nr_names; i++) {
		char *slash = strchr(names[i], '/');
		struct engine_event *ev;
		size_t k;

		for (k = 0; k < i && strcmp(names[k], names[i]); k++)
			;
		if (k < i)
			continue;	/* named twice (overlapping globs) */
		*slash = 0;
		ev = engine_event_add(e, names[i], slash + 1, err, sizeof(err));
		*slash = '/';
		if (!ev) {
			log_warnx("%s", err);
			status = errno == ENOENT ? EXIT_USAGE : 1;
			goto out;
		}
		if (filters[i] && engine_event_set_filter(ev, filters[i]) < 0)
			fatalx(1, "out of memory");
		if (jlog_add_event(jl, ev, engine_event_name(ev)) < 0)
			fatalx(1, "out of memory");
	}

	if (engine_start(e, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		status = 1;
		goto out;
	}
	{
		char *x = started_extra(names, nr_names);

		jlog_write_daemon(jl, "started", x);
		free(x);
	}
	log_debug("tracing %zu events", nr_names);

	if (o.duration > 0)
		deadline = now_s() + o.duration;
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int timeout = 1000;
		struct signalfd_siginfo si;

		if (deadline) {
			double left = deadline - now_s();

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			fatal(1, "poll");
		jlog_clock_update(jl);
		if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
				break;
		}
	}
	engine_stop(e);
	jlog_flush_all(jl);
	engine_stats_get(e, &es);
	jlog_stats_get(jl, &js);
	stopped_extra(extra, sizeof(extra), &es, &js);
	jlog_write_daemon(jl, "stopped", extra);
	status = 0;
out:
	engine_free(e);
	jlog_close(jl);
	for (i = 0; i < nr_names; i++)
		free(names[i]);
	free(names);
	free(filters);
	free(o.specs);
	close(sfd);
	return status;
}
