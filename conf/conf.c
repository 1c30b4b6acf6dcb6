// SPDX-License-Identifier: MIT
/*
 * conf.c - reading the INI file: lines, sections and keys, then the
 * sections checked (daemon.c, probe.c) into a struct conf.
 *
 * Why libinih (Debian's libinih-dev) and not a parser of our own: it is a
 * small, well-kept, widely used parser of the INI dialect operators know
 * (comments, whitespace, name = value), that reports line numbers and
 * leaves the meaning of keys and values to its caller, which is what we
 * want: we validate on top.  Checked here, not by libinih: the bytes of
 * every line, section headers (libinih ignores text after "]" and does
 * not report empty sections), lines that are not "key = value" (libinih
 * returns only the first bad line), unknown and duplicate keys, and every
 * value.
 *
 * The reader gives libinih one line at a time, already checked, with its
 * indentation removed, so that a key's line is the reader's line number
 * and an indented line is never a continuation of the previous value:
 * values are one line.  Errors are collected, not returned at the first:
 * the operator sees them all, as "FILE:LINE: message".
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-private.h"

#define SECTIONS_HINT \
	"[daemon], [tracepoint NAME], [kprobe NAME], [kretprobe NAME], [uprobe NAME] or [uretprobe NAME]"

struct parser {
	struct conf_errors *errs;
	const char *text;
	size_t len, pos;
	unsigned line;		/* the line being handed to libinih */
	char *feed;		/* what libinih gets of it */
	size_t feed_len, feed_pos;
	bool mid;		/* the feed is partly handed over */
	bool content;		/* a key line: libinih should call on_key() */
	bool handled;		/* it did */
	bool tainted;		/* the line's bytes were refused */
	struct conf_section *sections;
	size_t nr_sections;
	bool in_section;	/* sections[nr_sections - 1] is the current one */
	bool nomem;
};

/*
 * Debian builds libinih with its options as variables, set here for each
 * parse (they are process-wide, hence not thread-safe): the line buffer on
 * the heap growing up to our longest line (3 more for "\r\n\0"), one-line
 * values, ';' and '#' comments at the start of a line and ';' after a
 * space inside one (DESIGN.md's examples use them), nothing else.
 * Upstream inih has these as compile-time macros only: elsewhere, build
 * with a libinih made with INI_USE_STACK=0, INI_ALLOW_REALLOC=1 and
 * INI_MAX_LINE >= CONF_LINE_MAX + 3.
 */
static char start_comments[] = ";#";
static char inline_comments[] = ";";

static void inih_setup(void)
{
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_initial_alloc = 256;
	ini_max_line = CONF_LINE_MAX + 3;
	ini_allow_multiline = false;
	ini_allow_bom = false;		/* the reader skips it */
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = inline_comments;
	ini_start_comment_prefixes = start_comments;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */

static void section_release(struct conf_section *sec)
{
	size_t i;

	for (i = 0; i < sec->nr_entries; i++) {
		free(sec->entries[i].key);
		free(sec->entries[i].value);
	}
	free(sec->entries);
	free(sec->name);
	free(sec->title);
}

static struct conf_section *section_push(struct parser *ps, enum conf_section_type type,
					 unsigned line)
{
	struct conf_section *s = realloc(ps->sections, (ps->nr_sections + 1) * sizeof(*s));

	if (!s) {
		ps->nomem = true;
		ps->in_section = false;
		return NULL;
	}
	ps->sections = s;
	s += ps->nr_sections++;
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->line = line;
	ps->in_section = true;
	return s;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* a header line "[ ... ]" (s, len: from the '[', indentation removed) */
static void section_start(struct parser *ps, const char *s, size_t len)
{
	const char *close = memchr(s, ']', len), *in, *end, *w2;
	struct conf_errors *errs = ps->errs;
	struct conf_section *sec;
	size_t i, w1len;
	int kind;
	char *title;

	if (ps->tainted) {	/* its bytes were reported: ignore what follows */
		section_push(ps, CONF_SECTION_BAD, ps->line);
		return;
	}
	if (!close) {
		conf_error_add(errs, ps->line, "a section header without \"]\"");
		section_push(ps, CONF_SECTION_BAD, ps->line);
		return;
	}
	for (end = close + 1; end < s + len && is_blank(*end); end++)
		;
	if (end < s + len && *end != ';' && *end != '#') {
		conf_error_add(errs, ps->line, "text after the section header: \"%.*s\"",
			       (int)(s + len - end), end);
		section_push(ps, CONF_SECTION_BAD, ps->line);
		return;
	}
	for (in = s + 1; in < close && is_blank(*in); in++)
		;
	for (end = close; end > in && is_blank(end[-1]); end--)
		;
	if (in == end) {
		conf_error_add(errs, ps->line, "an empty section name \"[]\": expected " SECTIONS_HINT);
		section_push(ps, CONF_SECTION_BAD, ps->line);
		return;
	}
	for (w1len = 0; in + w1len < end && !is_blank(in[w1len]); w1len++)
		;
	for (w2 = in + w1len; w2 < end && is_blank(*w2); w2++)
		;
	if (asprintf(&title, "[%.*s]", (int)(end - in), in) < 0) {
		ps->nomem = true;
		ps->in_section = false;
		return;
	}
	kind = probe_kind_parse(in, w1len);
	if (w2 == end && w1len == 6 && !memcmp(in, "daemon", 6)) {
		for (i = 0; i < ps->nr_sections; i++)
			if (ps->sections[i].type == CONF_SECTION_DAEMON)
				break;
		if (i < ps->nr_sections) {
			conf_error_add(errs, ps->line, "a second [daemon] section (the first is at line %u)",
				       ps->sections[i].line);
			sec = section_push(ps, CONF_SECTION_BAD, ps->line);
		} else {
			sec = section_push(ps, CONF_SECTION_DAEMON, ps->line);
		}
	} else if (w2 == end && kind >= 0) {
		conf_error_add(errs, ps->line, "%s needs a probe name: [%.*s NAME]", title,
			       (int)w1len, in);
		sec = section_push(ps, CONF_SECTION_BAD, ps->line);
	} else if (kind < 0 || memchr(w2, ' ', (size_t)(end - w2)) ||
		   memchr(w2, '\t', (size_t)(end - w2))) {
		conf_error_add(errs, ps->line, "unknown section %s: expected " SECTIONS_HINT, title);
		sec = section_push(ps, CONF_SECTION_BAD, ps->line);
	} else {
		for (i = 0; i < ps->nr_sections; i++)
			if (ps->sections[i].type == CONF_SECTION_PROBE &&
			    strlen(ps->sections[i].name) == (size_t)(end - w2) &&
			    !memcmp(ps->sections[i].name, w2, (size_t)(end - w2)))
				break;
		if (i < ps->nr_sections) {
			conf_error_add(errs, ps->line,
				       "a second probe named \"%.*s\" (the first is %s at line %u)",
				       (int)(end - w2), w2, ps->sections[i].title,
				       ps->sections[i].line);
			sec = section_push(ps, CONF_SECTION_BAD, ps->line);
		} else {
			sec = section_push(ps, CONF_SECTION_PROBE, ps->line);
			if (sec) {
				sec->kind = (enum probe_kind)kind;
				sec->name = strndup(w2, (size_t)(end - w2));
				if (!sec->name)
					ps->nomem = true;
			}
		}
	}
	if (sec)
		sec->title = title;
	else
		free(title);
}

const struct conf_entry *conf_section_find(const struct conf_section *sec, const char *key)
{
	size_t i;

	for (i = 0; i < sec->nr_entries; i++)
		if (!strcmp(sec->entries[i].key, key))
			return &sec->entries[i];
	return NULL;
}

static bool key_in(const char *key, const char *const *keys)
{
	size_t i, n;

	for (i = 0; keys && keys[i]; i++) {
		n = strlen(keys[i]);
		if (n && keys[i][n - 1] == '.') {
			if (!strncmp(key, keys[i], n) && key[n])
				return true;
		} else if (!strcmp(key, keys[i])) {
			return true;
		}
	}
	return false;
}

void conf_section_check_keys(const struct conf_section *sec, const char *const *keys,
			     const char *const *repeatable, bool *skip,
			     struct conf_errors *errs)
{
	size_t i, j;

	for (i = 0; i < sec->nr_entries; i++) {
		const struct conf_entry *e = &sec->entries[i];

		skip[i] = e->tainted;
		if (e->tainted)
			continue;
		if (!key_in(e->key, keys)) {
			conf_error_add(errs, e->line, "unknown key \"%s\" in %s", e->key, sec->title);
			skip[i] = true;
			continue;
		}
		if (key_in(e->key, repeatable))
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(sec->entries[j].key, e->key))
				break;
		if (j < i) {
			conf_error_add(errs, e->line, "duplicate key \"%s\" in %s (first at line %u)",
				       e->key, sec->title, sec->entries[j].line);
			skip[i] = true;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

/* the end of a line: a key line libinih did not take is not "key = value" */
static void line_done(struct parser *ps)
{
	if (ps->content && !ps->handled && !ps->tainted)
		conf_error_add(ps->errs, ps->line,
			       "expected KEY = VALUE, a [section] or a comment (values are one line)");
	ps->content = false;
}

static void feed_set(struct parser *ps, const char *s, size_t len)
{
	memcpy(ps->feed, s, len);
	ps->feed[len] = '\n';
	ps->feed_len = len + 1;
	ps->feed_pos = 0;
}

/* the next line of the text, checked, into the feed */
static void line_next(struct parser *ps)
{
	const char *raw = ps->text + ps->pos, *eol, *p;
	size_t len = ps->len - ps->pos, i;
	char msg[128];

	eol = memchr(raw, '\n', len);
	if (eol)
		len = (size_t)(eol - raw);
	ps->pos += len + (eol != NULL);
	ps->line++;
	ps->tainted = false;
	ps->handled = false;
	if (ps->line == 1 && len >= 3 && !memcmp(raw, "\xef\xbb\xbf", 3)) {
		raw += 3;	/* a UTF-8 byte order mark */
		len -= 3;
	}
	if (len && raw[len - 1] == '\r')
		len--;
	if (len > CONF_LINE_MAX) {
		conf_error_add(ps->errs, ps->line, "the line is longer than %d bytes", CONF_LINE_MAX);
		ps->tainted = true;
		len = CONF_LINE_MAX;
	} else if (conf_text_check(raw, len, msg, sizeof(msg)) < 0) {
		conf_error_add(ps->errs, ps->line, "%s", msg);
		ps->tainted = true;
	}
	for (p = raw; p < raw + len && is_blank(*p); p++)
		;
	len -= (size_t)(p - raw);
	if (!len || *p == ';' || *p == '#') {
		feed_set(ps, "", 0);
	} else if (*p == '[') {
		section_start(ps, p, len);
		feed_set(ps, "[]", 2);
	} else {
		feed_set(ps, p, len);
		/* a NUL would end libinih's line early, the others are reported */
		for (i = 0; i < len; i++)
			if ((unsigned char)ps->feed[i] < 0x20 && ps->feed[i] != '\t')
				ps->feed[i] = '?';
		ps->content = true;
	}
}

/* libinih's reader: fgets() on our lines */
static char *reader(char *buf, int num, void *arg)
{
	struct parser *ps = arg;
	size_t n;

	if (!ps->mid) {
		line_done(ps);
		if (ps->pos >= ps->len || num < 2)
			return NULL;
		line_next(ps);
	}
	n = ps->feed_len - ps->feed_pos;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(buf, ps->feed + ps->feed_pos, n);
	buf[n] = 0;
	ps->feed_pos += n;
	ps->mid = ps->feed_pos < ps->feed_len;
	return buf;
}

/* libinih's handler: one key of the current line (section: ours, not libinih's) */
static int on_key(void *arg, const char *section, const char *name, const char *value)
{
	struct parser *ps = arg;
	struct conf_section *sec;
	struct conf_entry *e;

	(void)section;
	ps->handled = true;
	if (!*name) {
		if (!ps->tainted)
			conf_error_add(ps->errs, ps->line, "no key before \"=\"");
		return 1;
	}
	if (!ps->in_section) {
		if (!ps->tainted && !ps->nomem)
			conf_error_add(ps->errs, ps->line,
				       "key \"%s\" before the first section: expected " SECTIONS_HINT,
				       name);
		return 1;
	}
	sec = &ps->sections[ps->nr_sections - 1];
	if (sec->type == CONF_SECTION_BAD)
		return 1;
	e = realloc(sec->entries, (sec->nr_entries + 1) * sizeof(*e));
	if (!e) {
		ps->nomem = true;
		return 1;
	}
	sec->entries = e;
	e += sec->nr_entries;
	e->key = strdup(name);
	e->value = strdup(value);
	e->line = ps->line;
	e->tainted = ps->tainted;
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		ps->nomem = true;
		return 1;
	}
	sec->nr_entries++;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The configuration                                                   */

static void probes_free(struct conf_probe *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		conf_probe_release(&v[i]);
	free(v);
}

void conf_free(struct conf *conf)
{
	if (!conf)
		return;
	probes_free(conf->probes, conf->nr_probes);
	conf_daemon_release(&conf->daemon);
	free(conf->file);
	free(conf);
}

const struct conf_probe *conf_probe_find(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nr_probes; i++)
		if (!strcmp(conf->probes[i].name, name))
			return &conf->probes[i];
	return NULL;
}

/* the checked sections into conf: 0 or -ENOMEM */
static int sections_build(struct conf *conf, struct parser *ps)
{
	const struct conf_section *daemon = NULL;
	bool any_probe = false;
	size_t i;
	int ret;

	for (i = 0; i < ps->nr_sections; i++) {
		if (ps->sections[i].type == CONF_SECTION_DAEMON)
			daemon = &ps->sections[i];
		/* a refused section may have been meant as a probe: no cascade */
		if (ps->sections[i].type != CONF_SECTION_DAEMON)
			any_probe = true;
	}
	ret = conf_daemon_parse(&conf->daemon, daemon, ps->errs);
	if (ret < 0)
		return ret;
	for (i = 0; i < ps->nr_sections; i++) {
		struct conf_probe *p;

		if (ps->sections[i].type != CONF_SECTION_PROBE)
			continue;
		p = realloc(conf->probes, (conf->nr_probes + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		conf->probes = p;
		p += conf->nr_probes;
		memset(p, 0, sizeof(*p));
		ret = conf_probe_parse(p, &ps->sections[i], ps->errs);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		conf->nr_probes++;
		if (!p->nr_handlers &&
		    conf_handlers_copy(&p->handlers, &p->nr_handlers, conf->daemon.handlers,
				       conf->daemon.nr_handlers) < 0)
			return -ENOMEM;
	}
	if (!any_probe)
		conf_error_add(ps->errs, 0,
			       "no probe section: nothing to trace (add [tracepoint NAME] with event = SYSTEM/EVENT)");
	return 0;
}

/* parse into a fresh conf; errors go to errs */
static int parse(const char *name, const char *text, size_t len, struct conf **out,
		 struct conf_errors *errs)
{
	struct parser ps = { .errs = errs, .text = text, .len = len };
	struct conf *conf = NULL;
	size_t i;
	int ret = 0;

	*out = NULL;
	if (len > CONF_FILE_MAX) {
		conf_error_add(errs, 0, "larger than %d bytes", CONF_FILE_MAX);
		return -EINVAL;
	}
	ps.feed = malloc(CONF_LINE_MAX + 2);
	conf = calloc(1, sizeof(*conf));
	if (!ps.feed || !conf || !(conf->file = strdup(name))) {
		ret = -ENOMEM;
		goto out;
	}
	inih_setup();
	if (ini_parse_stream(reader, &ps, on_key, &ps) == -2)
		ps.nomem = true;
	line_done(&ps);
	if (ps.nomem) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sections_build(conf, &ps);
	if (ret == 0 && errs->nomem)
		ret = -ENOMEM;
	if (ret == 0 && (errs->n || errs->dropped))
		ret = -EINVAL;
out:
	for (i = 0; i < ps.nr_sections; i++)
		section_release(&ps.sections[i]);
	free(ps.sections);
	free(ps.feed);
	if (ret < 0) {
		if (ret == -ENOMEM)
			conf_error_add(errs, 0, "out of memory");
		conf_free(conf);
		return ret;
	}
	*out = conf;
	return 0;
}

/* hand the errors over on failure, free them on success or when unwanted */
static int finish(int ret, struct conf_errors *list, struct conf_errors **errs)
{
	if (list)
		conf_errors_sort(list);
	if (ret < 0 && errs)
		*errs = list;
	else
		conf_errors_free(list);
	return ret;
}

int conf_parse_text(const char *name, const char *text, size_t len,
		    struct conf **out, struct conf_errors **errs)
{
	struct conf_errors *list;

	*out = NULL;
	if (errs)
		*errs = NULL;
	list = conf_errors_new(name);
	if (!list)
		return -ENOMEM;
	return finish(parse(name, text, len, out, list), list, errs);
}

int conf_file_open(const char *path, uid_t owner, char *err, size_t errlen)
{
	mode_t bad;
	struct stat st;
	int fd, ret;

	/* O_NONBLOCK: a FIFO in its place must not hang the daemon */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ELOOP)
			snprintf(err, errlen, "is a symbolic link: name the file itself");
		else
			snprintf(err, errlen, "%s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(-ret));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "is not a regular file");
		goto fail;
	}
	if (st.st_uid != owner) {
		ret = -EPERM;
		if (owner == 0)
			snprintf(err, errlen, "is owned by uid %u, not root: chown root it",
				 (unsigned)st.st_uid);
		else
			snprintf(err, errlen, "is owned by uid %u, not uid %u", (unsigned)st.st_uid,
				 (unsigned)owner);
		goto fail;
	}
	bad = st.st_mode & (S_IWGRP | S_IWOTH);
	if (bad) {
		ret = -EPERM;
		snprintf(err, errlen, "is %s-writable (mode %04o): chmod go-w it",
			 bad == (S_IWGRP | S_IWOTH) ? "group- and world" :
			 bad == S_IWGRP ? "group" : "world", (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}

/* all of fd, at most CONF_FILE_MAX bytes: 0, -EFBIG or -errno */
static int read_all(int fd, char **text, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > CONF_FILE_MAX + 1)
				cap = CONF_FILE_MAX + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > CONF_FILE_MAX) {
			free(buf);
			return -EFBIG;
		}
	}
	*text = buf;
	*len = n;
	return 0;
}

int conf_load_owner(const char *path, uid_t owner, struct conf **out,
		    struct conf_errors **errs)
{
	struct conf_errors *list;
	char msg[256], *text = NULL;
	size_t len = 0;
	int fd, ret;

	*out = NULL;
	if (errs)
		*errs = NULL;
	list = conf_errors_new(path);
	if (!list)
		return -ENOMEM;
	fd = conf_file_open(path, owner, msg, sizeof(msg));
	if (fd < 0) {
		conf_error_add(list, 0, "%s", msg);
		return finish(fd, list, errs);
	}
	ret = read_all(fd, &text, &len);
	close(fd);
	if (ret == -EFBIG)
		conf_error_add(list, 0, "larger than %d bytes", CONF_FILE_MAX);
	else if (ret < 0)
		conf_error_add(list, 0, "%s", strerror(-ret));
	else
		ret = parse(path, text, len, out, list);
	free(text);
	return finish(ret, list, errs);
}

int conf_load(const char *path, struct conf **out, struct conf_errors **errs)
{
	return conf_load_owner(path, 0, out, errs);
}
