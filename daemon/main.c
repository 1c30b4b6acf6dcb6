// SPDX-License-Identifier: MIT
/*
 * main.c - the tracelogd command line: trace tracepoints, kprobes and
 * uprobes into a JSON-lines log until a signal or the end of --duration.
 *
 * Exit status: 0 on a clean stop, 1 for a runtime failure, 2 for a usage
 * error, an unknown event, an invalid probe, a missing symbol or a probe
 * the kernel refuses.
 *
 * Dynamic probes live in the instance's group (--group): created after
 * every probe was checked, removed at the end after the engine closed its
 * perf fds, on every path out of main() that follows their creation.
 */
#include <ctype.h>
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
	char *event;		/* as given to -e or -p */
	char *filter;		/* -f after it, or NULL */
	struct probe_spec *probe;	/* -p: the parsed probe; NULL for -e */
	struct jlog_hint *hints;	/* -p: its render.* tokens (fields point into probe) */
	size_t nr_hints;
};

struct options {
	struct spec *specs;
	size_t nr_specs;
	const char *output;
	const char *group;	/* dynamic events' group, "tracelogd" */
	double duration;	/* seconds, 0: until a signal */
	struct engine_opts eopts;
	int verbose;
};

static void usage(FILE *f)
{
	fputs(
"usage: tracelogd {-e SYSTEM/EVENT | -p PROBE} [-f FILTER] [-e ...] [-p ...] [--group NAME]\n"
"                 [-o FILE|-] [--duration SECONDS] [--ring-pages N] [--workers N]\n"
"                 [--queue-depth N] [--overflow drop|block]\n"
"       tracelogd -h | --version\n"
"\n"
"Trace kernel tracepoints, kprobes and uprobes into a JSON-lines log (one object\n"
"per line).\n"
"\n"
"  -e, --event SPEC        a tracepoint: system/event or system:event; globs allowed\n"
"                          (syscalls/sys_enter_*).  Repeat for more.\n"
"  -p, --probe PROBE       a probe, KIND:NAME:TARGET [TOKEN...] (below).  Repeat for more.\n"
"  -f, --filter EXPR       ftrace filter for the events of the -e or -p before it\n"
"                          (\"common_pid == 42\", \"filename ~ \\\"/usr/*\\\"\")\n"
"      --group NAME        the tracefs group of this instance's kprobes and uprobes\n"
"                          (default tracelogd); its leftovers are removed at start\n"
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
"PROBE (one argument; quote it):\n"
"  uprobe:NAME:BINARY:FUNCTION[@VERSION][+OFF] [FIELD=FETCHARG[:TYPE]...]\n"
"  uprobe:NAME:BINARY:0xFILEOFFSET ...\n"
"  uretprobe:NAME:BINARY:FUNCTION[@VERSION] ...     ($retval is the return value)\n"
"  kprobe:NAME:[MODULE:]FUNCTION[+OFF] ...          (or 0xADDRESS)\n"
"  kretprobe:NAME:[MODULE:]FUNCTION [maxactive=N] ...\n"
"  tracepoint:NAME:SYSTEM/EVENT [render...]\n"
"  NAME: letters, digits and _; it is the \"probe\" of each log line.\n"
"  FETCHARG: %REG (%di %si %dx %cx %r8 %r9 ...), $retval, $comm, $stack, $stackN,\n"
"    $argN (kprobes), @ADDR, @+FILEOFF (uprobes), @SYM[+-OFF] (kprobes),\n"
"    +OFF(FETCHARG) and -OFF(...) nested, +uOFF(...) for user memory, \\IMM.\n"
"  TYPE: u8 u16 u32 u64 s8..s64 x8..x64 char string ustring symbol symstr\n"
"    bWIDTH@OFFSET/CONTAINER, TYPE[N].\n"
"  render.FIELD=HINT: how the log writes FIELD: ipv4, ipv6, hex, errno, port.\n"
"  Examples:\n"
"    -p 'uprobe:readline:/bin/bash:readline'\n"
"    -p 'uretprobe:rl_ret:/bin/bash:readline line=+0($retval):string'\n"
"    -p 'uprobe:alloc:/lib/x86_64-linux-gnu/libc.so.6:malloc size=%di:u64'\n"
"    -p 'kprobe:open:do_sys_openat2 dfd=%di:s32 name=+0(%si):ustring'\n"
"    -p 'kretprobe:acc:inet_csk_accept daddr=+0($retval):u32 render.daddr=ipv4'\n"
"\n"
"Exit status: 0 clean stop, 1 runtime failure, 2 usage error, unknown event, invalid\n"
"probe, missing symbol or file, or a probe the kernel cannot or will not create.\n", f);
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

/* a hint for field unless one is given (s->hints has room) */
static void add_implicit_hint(struct spec *s, const char *field, enum jlog_render r)
{
	size_t i;

	for (i = 0; i < s->nr_hints; i++)
		if (!strcmp(s->hints[i].field, field))
			return;
	s->hints[s->nr_hints].field = field;
	s->hints[s->nr_hints++].render = r;
}

/* -p: parse and check the probe, resolve its rendering hints */
static void add_probe(struct options *o, const char *text)
{
	struct spec *s = realloc(o->specs, (o->nr_specs + 1) * sizeof(*s));
	struct probe_spec *ps;
	char err[1024];
	size_t i;

	if (!s)
		fatalx(1, "out of memory");
	o->specs = s;
	s += o->nr_specs;
	memset(s, 0, sizeof(*s));
	if (probe_spec_parse(text, &ps, err, sizeof(err)) < 0)
		fatalx(EXIT_USAGE, "-p: %s", err);
	for (i = 0; i < o->nr_specs; i++)
		if (o->specs[i].probe && !strcmp(o->specs[i].probe->name, ps->name))
			fatalx(EXIT_USAGE, "-p: two probes are named %s", ps->name);
	s->event = (char *)(uintptr_t)text;
	s->probe = ps;
	s->hints = calloc(ps->nr_hints + ps->nr_args + 2, sizeof(*s->hints));
	if (!s->hints)
		fatalx(1, "out of memory");
	for (i = 0; i < ps->nr_hints; i++) {
		int r = jlog_render_parse(ps->hints[i].render);

		if (r < 0)
			fatalx(EXIT_USAGE, "-p: %s:%s: render.%s=%s: the hints are " JLOG_RENDER_NAMES,
			       probe_kind_name(ps->kind), ps->name, ps->hints[i].field, ps->hints[i].render);
		s->hints[i].field = ps->hints[i].field;
		s->hints[i].render = (enum jlog_render)r;
	}
	s->nr_hints = ps->nr_hints;
	/*
	 * Implicit hex, unless a hint says otherwise: the x8..x64 fields (the
	 * format calls them u8..u64) and the probe's own addresses.
	 */
	for (i = 0; i < ps->nr_args; i++) {
		const char *type = strrchr(ps->args[i].fetch, ':');

		if (type && type[1] == 'x' && isdigit((unsigned char)type[2]))
			add_implicit_hint(s, ps->args[i].field, JLOG_RENDER_HEX);
	}
	if (ps->kind == PROBE_KPROBE || ps->kind == PROBE_UPROBE) {
		add_implicit_hint(s, "__probe_ip", JLOG_RENDER_HEX);
	} else if (ps->kind != PROBE_TRACEPOINT) {
		add_implicit_hint(s, "__probe_func", JLOG_RENDER_HEX);
		add_implicit_hint(s, "__probe_ret_ip", JLOG_RENDER_HEX);
	}
	o->nr_specs++;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_RING = 256, OPT_WORKERS, OPT_QUEUE, OPT_OVERFLOW, OPT_VERSION, OPT_GROUP };
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "probe", required_argument, NULL, 'p' },
		{ "group", required_argument, NULL, OPT_GROUP },
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
	o->group = "tracelogd";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:p:f:o:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': {
			struct spec *s = realloc(o->specs, (o->nr_specs + 1) * sizeof(*s));

			if (!s)
				fatalx(1, "out of memory");
			o->specs = s;
			memset(&s[o->nr_specs], 0, sizeof(*s));
			s[o->nr_specs].event = optarg;
			o->nr_specs++;
			break;
		}
		case 'p':
			add_probe(o, optarg);
			break;
		case OPT_GROUP:
			if (!probe_name_valid(optarg, strlen(optarg)) || isdigit((unsigned char)optarg[0]))
				fatalx(EXIT_USAGE, "--group: a group name is 1 to 63 letters, digits and _, not starting with a digit");
			o->group = optarg;
			break;
		case 'f':
			if (!o->nr_specs)
				fatalx(EXIT_USAGE, "-f %s: a filter follows the -e or -p it applies to", optarg);
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
		fatalx(EXIT_USAGE, "nothing to trace: give at least one -e SYSTEM/EVENT or -p PROBE (see -h)");
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

/* exit status for a -errno from probes/: the user's fault, or the machine's */
static int exit_code(int ret)
{
	switch (-ret) {
	case EINVAL:
	case ENOENT:
	case ENOEXEC:
	case E2BIG:
	case ERANGE:
	case EOPNOTSUPP:
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
		return EXIT_USAGE;
	default:
		return 1;
	}
}

/*
 * After engine_start() failed: perf's filter ioctl only says EINVAL, so ask
 * the kernel's filter parser for its words about each filter it refuses.
 */
static void explain_filters(char *err, size_t len, char **names, char **filters, size_t n)
{
	char why[512];
	size_t i, used;

	for (i = 0; i < n; i++) {
		char *slash = strchr(names[i], '/');

		if (!filters[i] || !slash)
			continue;
		*slash = 0;
		if (probe_filter_explain(names[i], slash + 1, filters[i], why, sizeof(why)) == -EINVAL &&
		    why[0]) {
			*slash = '/';
			used = strlen(err);
			snprintf(err + used, len - used, "; the kernel's filter parser on %s: %s",
				 names[i], why);
			return;
		}
		*slash = '/';
	}
}

static char *started_line;	/* members of the "started" line */

/* engine callback: every event enabled, no record handled yet */
static void on_started(void *arg)
{
	jlog_write_daemon(arg, "started", started_line);
}

int main(int argc, char **argv)
{
	struct options o;
	struct engine *e = NULL;
	struct jlog *jl = NULL;
	struct probe_group *grp = NULL;
	struct engine_stats es;
	struct jlog_stats js;
	char err[1024], extra[512];
	char **names = NULL, **filters = NULL;
	struct spec **owners = NULL;	/* the -e or -p each name comes from */
	size_t nr_names = 0, i;
	sigset_t mask;
	int sfd, status = 1, ret, dynamic = 0, loop_err = 0;
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

	/* everything that can be refused is checked before tracefs is changed */
	for (i = 0; i < o.nr_specs; i++) {
		struct probe_spec *ps = o.specs[i].probe;
		char **list;
		int n;

		if (ps) {
			ret = probe_kind_check(ps->kind, err, sizeof(err));
			if (ret < 0)
				fatalx(exit_code(ret), "%s:%s: %s", probe_kind_name(ps->kind), ps->name, err);
			ret = probe_spec_resolve(ps, err, sizeof(err));
			if (ret < 0)
				fatalx(exit_code(ret), "%s", err);
			list = calloc(2, sizeof(*list));
			if (!list || asprintf(&list[0], "%s/%s",
					      ps->kind == PROBE_TRACEPOINT ? ps->system : o.group,
					      ps->kind == PROBE_TRACEPOINT ? ps->event : ps->name) < 0)
				fatalx(1, "out of memory");
			n = 1;
			dynamic += probe_spec_is_dynamic(ps);
			if (ps->resolved)
				log_debug("%s:%s: %s at offset 0x%llx", probe_kind_name(ps->kind), ps->name,
					  ps->path, (unsigned long long)ps->file_offset);
		} else {
			n = probe_tracepoint_resolve(o.specs[i].event, &list, err, sizeof(err));
			if (n < 0)
				fatalx(EXIT_USAGE, "%s", err);
		}
		names = realloc(names, (nr_names + (size_t)n + 1) * sizeof(*names));
		filters = realloc(filters, (nr_names + (size_t)n + 1) * sizeof(*filters));
		owners = realloc(owners, (nr_names + (size_t)n + 1) * sizeof(*owners));
		if (!names || !filters || !owners)
			fatalx(1, "out of memory");
		for (int j = 0; j < n; j++) {
			filters[nr_names] = o.specs[i].filter;
			owners[nr_names] = &o.specs[i];
			names[nr_names++] = list[j];
		}
		free(list);	/* the strings moved to names */
	}

	jl = jlog_open(o.output, o.eopts.workers ? o.eopts.workers : 2, err, sizeof(err));
	if (!jl)
		fatalx(1, "%s", err);
	o.eopts.on_loss = jlog_on_loss;
	o.eopts.on_idle = jlog_on_idle;
	o.eopts.on_started = on_started;
	o.eopts.arg = jl;
	e = engine_new(&o.eopts, err, sizeof(err));
	if (!e)
		fatalx(1, "%s", err);

	if (dynamic) {
		unsigned removed;

		grp = probe_group_open(o.group, &removed, err, sizeof(err));
		if (!grp) {
			log_warnx("%s", err);
			status = errno == EINVAL ? EXIT_USAGE : 1;
			goto out;
		}
		if (removed)
			log_info("group %s: removed %u probe%s left by an earlier instance", o.group,
				 removed, removed == 1 ? "" : "s");
	}

	/* from here on, every way out goes through out: (the probes are removed) */
	for (i = 0; i < nr_names; i++) {
		char *slash = strchr(names[i], '/');
		struct probe_spec *ps = owners[i]->probe;
		struct engine_event *ev;
		size_t k;

		for (k = 0; k < i && strcmp(names[k], names[i]); k++)
			;
		if (k < i)
			continue;	/* named twice (overlapping globs) */
		if (ps && probe_spec_is_dynamic(ps)) {
			ret = probe_group_add(grp, ps, err, sizeof(err));
			if (ret < 0) {
				log_warnx("%s", err);
				status = exit_code(ret);
				goto out;
			}
		}
		*slash = 0;
		ev = engine_event_add(e, names[i], slash + 1, err, sizeof(err));
		*slash = '/';
		if (!ev) {
			log_warnx("%s", err);
			status = errno == ENOENT ? EXIT_USAGE : 1;
			goto out;
		}
		if (filters[i] && engine_event_set_filter(ev, filters[i]) < 0) {
			log_warnx("out of memory");
			goto out;
		}
		ret = jlog_add_event_hints(jl, ev, ps ? ps->name : engine_event_name(ev),
					   owners[i]->hints, owners[i]->nr_hints, err, sizeof(err));
		if (ret < 0) {
			log_warnx("%s", err);
			status = ret == -ENOMEM ? 1 : EXIT_USAGE;
			goto out;
		}
	}

	started_line = started_extra(names, nr_names);
	if (engine_start(e, err, sizeof(err)) < 0) {
		explain_filters(err, sizeof(err), names, filters, nr_names);
		log_warnx("%s", err);
		status = 1;
		goto out;
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
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			log_warn("poll");
			loop_err = 1;
			break;
		}
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
	status = loop_err ? 1 : 0;
out:
	engine_free(e);		/* closes the perf fds: the probes can go now */
	if (grp && probe_group_remove(grp, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		if (!status)
			status = 1;
	}
	probe_group_close(grp);
	jlog_close(jl);
	for (i = 0; i < nr_names; i++)
		free(names[i]);
	free(names);
	free(filters);
	free(owners);
	for (i = 0; i < o.nr_specs; i++) {
		probe_spec_free(o.specs[i].probe);
		free(o.specs[i].hints);
	}
	free(started_line);
	free(o.specs);
	close(sfd);
	return status;
}
