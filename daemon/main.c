// SPDX-License-Identifier: MIT
/*
 * main.c - the tracelogd command line: trace tracepoints, kprobes and
 * uprobes into a JSON-lines log until a signal or the end of --duration,
 * as the options (-e, -p, -f, ...) or the INI file of -c say.
 *
 * Both ways become a struct conf (the options through cli_conf()), which
 * daemon.c runs (daemon_run) or checks (-n: daemon_check).
 *
 * Exit status: 0 on a clean stop, 1 for a runtime failure, 2 for a usage
 * error, a configuration error, an unknown event, an invalid probe, a
 * missing symbol or a probe the kernel refuses.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "daemon.h"
#include "engine.h"
#include "jlog.h"
#include "log.h"
#include "probes.h"

#define EXIT_USAGE 2

struct spec {
	char *event;		/* as given to -e or -p */
	char *filter;		/* -f after it, or NULL */
	struct probe_spec *probe;	/* -p: the parsed probe; NULL for -e */
};

struct options {
	struct spec *specs;
	size_t nr_specs;
	const char *output;
	const char *group;	/* dynamic events' group, "tracelogd" */
	double duration;	/* seconds, 0: until a signal */
	struct engine_opts eopts;
	struct jlog_opts jopts;	/* rotation, flush policy */
	double stats_interval;	/* seconds, 0: no stats lines */
	const char *metrics_file;	/* NULL: none */
	int verbose;
	const char *conf_path;	/* -c FILE */
	bool check;		/* -n */
	bool output_given;	/* -o: with -c, it replaces the file's log */
	int not_with_c;		/* the first option -c does not take (its code), or 0 */
};

static void usage(FILE *f)
{
	fputs(
"usage: tracelogd {-e SYSTEM/EVENT | -p PROBE} [-f FILTER] [-e ...] [-p ...] [--group NAME]\n"
"                 [-o FILE|-] [--duration SECONDS] [--ring-pages N] [--workers N]\n"
"                 [--queue-depth N] [--overflow drop|block] [--clock perf|monotonic]\n"
"                 [--rotate-size SIZE] [--rotate-keep N] [--flush idle|interval|line]\n"
"                 [--flush-interval SECONDS] [--stats-interval SECONDS]\n"
"                 [--metrics-file FILE]\n"
"       tracelogd -c FILE [-n] [-o FILE|-] [--duration SECONDS] [-v]\n"
"       tracelogd -h | --version\n"
"\n"
"Trace kernel tracepoints, kprobes and uprobes into a JSON-lines log (one object\n"
"per line).\n"
"\n"
"  -c, --config FILE       trace as the INI file says (tracelogd.ini(5)); SIGHUP\n"
"                          reads it again and applies what changed.  -o replaces\n"
"                          its log; -e, -p, -f and the options below it sets are refused\n"
"  -n, --check             check the configuration (-c FILE, or the options) against\n"
"                          this kernel, print \"configuration OK\" or every error\n"
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
"      --clock CLOCK       what stamps the events: perf (perf's clock plus the offset to\n"
"                          CLOCK_MONOTONIC, measured every 100 ms; cheapest, the default)\n"
"                          or monotonic (the kernel's CLOCK_MONOTONIC: exact, dearer)\n"
"      --rotate-size SIZE  rotate the log file before it passes SIZE bytes (K, M, G\n"
"                          suffixes; 0: never, the default): FILE.1 .. FILE.N\n"
"      --rotate-keep N     rotated files kept (default 8; 0: none)\n"
"      --flush POLICY      when log lines are written: idle (when a worker has no more\n"
"                          records, and every --flush-interval; the default),\n"
"                          interval, or line (each line at once)\n"
"      --flush-interval S  the longest a line waits in a buffer (default 1)\n"
"      --stats-interval S  a \"stats\" line every S seconds (default 0: none)\n"
"      --metrics-file FILE the same counters in Prometheus text format, rewritten\n"
"                          every --stats-interval (node_exporter's textfile collector)\n"
"  SIGUSR1 reopens the log file (for logrotate).\n"
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

/*
 * The index of s in names (NULL-terminated), whose order is the option's
 * enum; text lists them for the message, as the configuration says it.
 */
static int parse_choice(const char *opt, const char *s, const char *const *names,
			const char *text)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	fatalx(EXIT_USAGE, "%s: \"%s\" is not %s", opt, s, text);
}

/* a byte count with an optional K, M or G (powers of 1024) */
static uint64_t parse_size(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (errno || end == s || *end || s[0] == '-' || v > (UINT64_MAX >> shift))
		fatalx(EXIT_USAGE, "%s: \"%s\" is not a size (bytes, or with K, M or G)", opt, s);
	return (uint64_t)v << shift;
}

/* seconds, from min to max (fractions allowed) */
static double parse_seconds(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min) || v > max)
		fatalx(EXIT_USAGE, "%s: \"%s\" is not a number of seconds from %g to %g", opt, s, min, max);
	return v;
}

/* -p: parse and check the probe and its rendering hints */
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
	/* the implicit hex hints are the daemon's (daemon.c) */
	for (i = 0; i < ps->nr_hints; i++)
		if (jlog_render_parse(ps->hints[i].render) < 0)
			fatalx(EXIT_USAGE, "-p: %s:%s: render.%s=%s: the hints are " JLOG_RENDER_NAMES,
			       probe_kind_name(ps->kind), ps->name, ps->hints[i].field, ps->hints[i].render);
	o->nr_specs++;
}

/* "-e", "--ring-pages": the name of the option of code c */
static const char *opt_name(const struct option *longopts, int c)
{
	static char buf[64];

	for (; longopts->name; longopts++)
		if (longopts->val == c)
			break;
	if (c < 256 && isalpha(c))
		snprintf(buf, sizeof(buf), "-%c", c);
	else
		snprintf(buf, sizeof(buf), "--%s", longopts->name ? longopts->name : "?");
	return buf;
}

/*
 * A path of the command line may be relative, but it holds no control
 * character (tab included), C1 control or bidirectional formatting
 * character, nor bytes that are not UTF-8: the file's rule for text.
 */
static void path_text_check(const char *opt, const char *s)
{
	char msg[256];

	if (conf_text_check(s, strlen(s), msg, sizeof(msg)) < 0)
		fatalx(EXIT_USAGE, "%s: %s", opt, msg);
	if (strchr(s, '\t'))
		fatalx(EXIT_USAGE, "%s: a tab in a path", opt);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_RING = 256, OPT_WORKERS, OPT_QUEUE, OPT_OVERFLOW, OPT_VERSION, OPT_GROUP,
	       OPT_ROTATE_SIZE, OPT_ROTATE_KEEP, OPT_FLUSH, OPT_FLUSH_INTERVAL, OPT_STATS,
	       OPT_METRICS, OPT_CLOCK };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
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
		{ "clock", required_argument, NULL, OPT_CLOCK },
		{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
		{ "rotate-keep", required_argument, NULL, OPT_ROTATE_KEEP },
		{ "flush", required_argument, NULL, OPT_FLUSH },
		{ "flush-interval", required_argument, NULL, OPT_FLUSH_INTERVAL },
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "metrics-file", required_argument, NULL, OPT_METRICS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	char msg[512];
	int c;

	memset(o, 0, sizeof(*o));
	o->output = "-";
	o->group = "tracelogd";
	o->jopts.rotate_keep = 8;
	o->jopts.flush_interval_ms = 1000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:ne:p:f:o:d:vh", longopts, NULL)) != -1) {
		/* with -c the file says what the other options would */
		if (c == 'o')
			o->output_given = true;
		else if (c != 'c' && c != 'n' && c != 'd' && c != 'v' && c != ':' && c != '?' &&
			 !o->not_with_c)
			o->not_with_c = c;
		switch (c) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'n':
			o->check = true;
			break;
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
			/* what the file's filter key is refused for */
			if (conf_text_check(optarg, strlen(optarg), msg, sizeof(msg)) < 0 ||
			    conf_value_filter(optarg, msg, sizeof(msg)))
				fatalx(EXIT_USAGE, "-f: %s", msg);
			o->specs[o->nr_specs - 1].filter = optarg;
			break;
		case 'o':
			path_text_check("-o", optarg);
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
		case OPT_OVERFLOW: {
			static const char *const names[] = {
				[ENGINE_OVERFLOW_DROP] = "drop", [ENGINE_OVERFLOW_BLOCK] = "block", NULL
			};

			o->eopts.overflow = (enum engine_overflow)parse_choice("--overflow", optarg,
									      names, "drop or block");
			break;
		}
		case OPT_CLOCK: {
			static const char *const names[] = {
				[ENGINE_CLOCK_PERF] = "perf", [ENGINE_CLOCK_MONOTONIC] = "monotonic", NULL
			};

			o->eopts.clock = (enum engine_clock_source)parse_choice("--clock", optarg, names,
										"perf or monotonic");
			break;
		}
		case OPT_ROTATE_SIZE:
			o->jopts.rotate_size = parse_size("--rotate-size", optarg);
			break;
		case OPT_ROTATE_KEEP:
			o->jopts.rotate_keep = (unsigned)parse_num("--rotate-keep", optarg, 0, 1000);
			break;
		case OPT_FLUSH: {
			static const char *const names[] = {
				[JLOG_FLUSH_IDLE] = "idle", [JLOG_FLUSH_INTERVAL] = "interval",
				[JLOG_FLUSH_LINE] = "line", NULL
			};

			o->jopts.flush = (enum jlog_flush)parse_choice("--flush", optarg, names,
								       "idle, interval or line");
			break;
		}
		case OPT_FLUSH_INTERVAL:
			o->jopts.flush_interval_ms =
				(uint64_t)(parse_seconds("--flush-interval", optarg, 0.01, 3600) * 1000);
			break;
		case OPT_STATS:
			o->stats_interval = parse_seconds("--stats-interval", optarg, 0, 86400);
			if (o->stats_interval > 0 && o->stats_interval < 0.1)
				fatalx(EXIT_USAGE, "--stats-interval: at least 0.1 s (or 0: none)");
			break;
		case OPT_METRICS:
			path_text_check("--metrics-file", optarg);
			o->metrics_file = optarg;
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
	if (o->conf_path) {
		if (o->not_with_c)
			fatalx(EXIT_USAGE, "%s: -c FILE says what to trace and how: only -o, -d, -n and -v go with it",
			       opt_name(longopts, o->not_with_c));
		return;
	}
	if (!o->nr_specs)
		fatalx(EXIT_USAGE, "nothing to trace: give at least one -e SYSTEM/EVENT or -p PROBE (see -h)");
	if (o->metrics_file && !o->stats_interval)
		fatalx(EXIT_USAGE, "--metrics-file: it is written every --stats-interval, which is not set");
}

/* a list of one handler, json (the CLI's only one) */
static void json_handler(struct conf_handler **list, size_t *n)
{
	*list = calloc(1, sizeof(**list));
	if (!*list)
		fatalx(1, "out of memory");
	(*list)->kind = CONF_HANDLER_JSON;
	*n = 1;
}

static struct conf_probe *conf_probe_push(struct conf *c)
{
	struct conf_probe *p = realloc(c->probes, (c->nr_probes + 1) * sizeof(*p));

	if (!p)
		fatalx(1, "out of memory");
	c->probes = p;
	p += c->nr_probes++;
	memset(p, 0, sizeof(*p));
	p->enabled = true;
	json_handler(&p->handlers, &p->nr_handlers);
	return p;
}

/*
 * cli_conf - the options as a configuration, built the way conf_load()
 * builds one (conf_free() frees it).  An -e becomes one tracepoint probe
 * per event it names, each logged under the event's name; an event named
 * twice is traced once.  The -p specs move into it.
 */
static struct conf *cli_conf(struct options *o)
{
	struct conf *c = calloc(1, sizeof(*c));
	struct conf_daemon *d;
	char err[1024];
	size_t i, k, n_e = 0;

	if (!c || !(c->file = strdup("the command line")))
		fatalx(1, "out of memory");
	/* the -e are looked up in tracefs: not without it (or without root) */
	if (!engine_tracefs_dir(err, sizeof(err)))
		fatalx(1, "%s", err);
	d = &c->daemon;
	d->log = strdup(o->output);
	d->group = strdup(o->group);
	d->metrics_file = o->metrics_file ? strdup(o->metrics_file) : NULL;
	if (!d->log || !d->group || (o->metrics_file && !d->metrics_file))
		fatalx(1, "out of memory");
	d->rotate_size = o->jopts.rotate_size;
	d->rotate_keep = o->jopts.rotate_keep;
	d->workers = o->eopts.workers ? o->eopts.workers : 2;
	d->ring_pages = o->eopts.ring_pages ? o->eopts.ring_pages : 256;
	d->queue_depth = o->eopts.queue_depth ? o->eopts.queue_depth : 65536;
	d->overflow = o->eopts.overflow == ENGINE_OVERFLOW_BLOCK ? CONF_OVERFLOW_BLOCK :
								   CONF_OVERFLOW_DROP;
	d->clock = o->eopts.clock == ENGINE_CLOCK_MONOTONIC ? CONF_CLOCK_MONOTONIC : CONF_CLOCK_PERF;
	d->flush = (enum conf_flush)o->jopts.flush;
	d->flush_interval_ms = o->jopts.flush_interval_ms;
	d->stats_interval_ms = (uint64_t)(o->stats_interval * 1000);
	json_handler(&d->handlers, &d->nr_handlers);

	for (i = 0; i < o->nr_specs; i++) {
		struct spec *s = &o->specs[i];
		struct conf_probe *p;
		char **list;
		int n, j;

		if (s->probe) {
			p = conf_probe_push(c);
			p->spec = s->probe;
			p->name = s->probe->name;
			s->probe = NULL;
			if (s->filter && !(p->filter = strdup(s->filter)))
				fatalx(1, "out of memory");
			continue;
		}
		/* every error is found before tracefs changes, as for -p */
		n = probe_tracepoint_resolve(s->event, &list, err, sizeof(err));
		if (n < 0)
			fatalx(n == -ENOMEM ? 1 : EXIT_USAGE, "%s", err);
		for (j = 0; j < n; j++) {
			char name[32];

			for (k = 0; k < c->nr_probes; k++)
				if (c->probes[k].event_names && !strcmp(c->probes[k].spec->target, list[j]))
					break;
			if (k < c->nr_probes)
				continue;	/* named twice (overlapping globs) */
			p = conf_probe_push(c);
			snprintf(name, sizeof(name), "e%zu", ++n_e);
			p->spec = probe_spec_new(PROBE_TRACEPOINT, name, err, sizeof(err));
			if (!p->spec || probe_spec_set_target(p->spec, list[j], err, sizeof(err)) < 0)
				fatalx(errno == ENOMEM ? 1 : EXIT_USAGE, "%s", err);
			p->name = p->spec->name;
			p->event_names = true;
			if (s->filter && !(p->filter = strdup(s->filter)))
				fatalx(1, "out of memory");
		}
		probe_list_free(list);
	}
	free(o->specs);
	o->specs = NULL;
	o->nr_specs = 0;
	return c;
}

/* conf_load()'s errors on stderr, each "FILE:LINE: message" */
static void conf_errors_print(const char *path, const struct conf_errors *errs, int ret)
{
	size_t i, n = errs ? conf_errors_count(errs) : 0;

	for (i = 0; i < n; i++)
		fprintf(stderr, "%s\n", conf_errors_text(errs, i));
	if (errs && conf_errors_dropped(errs))
		fprintf(stderr, "%s: %zu more errors\n", path, conf_errors_dropped(errs));
	if (!n)
		fprintf(stderr, "%s: %s\n", path, strerror(-ret));
}

int main(int argc, char **argv)
{
	struct options o;
	struct daemon_opts dopts = { 0 };
	struct conf *conf;
	int ret;

	/*
	 * Whatever the parent's umask: the log, its rotations, the metrics
	 * and the lock are 0640 at most, and so is anything a library or a
	 * plugin creates.  Traced data is never world-readable.
	 */
	umask(027);
	log_init(argv[0], 0);
	parse_args(argc, argv, &o);
	log_init(argv[0], o.verbose);
	if (!o.check)
		daemon_signals_block(NULL);	/* a stop while the probes are made waits for them */
	dopts.duration = o.duration;
	if (o.conf_path) {
		struct conf_errors *errs = NULL;

		ret = conf_load(o.conf_path, &conf, &errs);
		if (ret < 0) {
			conf_errors_print(o.conf_path, errs, ret);
			conf_errors_free(errs);
			return ret == -ENOMEM ? 1 : EXIT_USAGE;
		}
		dopts.conf_path = o.conf_path;
		dopts.log = o.output_given ? o.output : NULL;
		if (daemon_conf_override(conf, &dopts) < 0)
			fatalx(1, "out of memory");
	} else {
		conf = cli_conf(&o);
	}
	if (o.check) {
		ret = daemon_check(conf, &dopts);
		conf_free(conf);
		return ret;
	}
	return daemon_run(conf, &dopts);
}
