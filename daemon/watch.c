// SPDX-License-Identifier: MIT
/*
 * watch.c - a uprobe follows its binary when the file is replaced.
 *
 * The kernel's uprobe is on an inode, not on a path: when an upgrade puts a
 * new file at the path (written elsewhere, renamed over it), the probe stays
 * on the old inode, and the processes started from the new file are not
 * traced.  Nothing would say so.  The daemon watches the directory of each
 * uprobe's binary with inotify (a file replaced by rename sends no event on
 * the file itself) and, a little after an event names the binary, looks at
 * what the path names now:
 *
 *  - another file (a new inode), or the same file rewritten in place at
 *    another offset: the symbol is resolved in it again and the probe
 *    re-armed there.  The new uprobe is created and opened before the old
 *    one is closed and removed, so that no call is missed in between; as
 *    both cannot have the same tracefs name, the new one is GROUP/NAME__r,
 *    the next one GROUP/NAME again, and so on.  Log lines keep "probe":NAME;
 *    their "event" is the tracefs event that fired.  One "probe-rearmed"
 *    line says it, with the old and the new inode and offset.
 *  - a file where the symbol cannot be resolved (gone, not ELF): a
 *    "probe-stale" line with the reason.  The old probe stays while it is
 *    on another inode (the processes that still run the old file are traced
 *    correctly), and is closed when it is on this one, rewritten in place:
 *    its offset no longer names the function.  Other probes are not
 *    touched.
 *  - nothing (deleted, moved away): "probe-stale", once; the old probe
 *    stays for the processes that run the old file.  When the path names a
 *    file again it is checked as above.
 *  - the same file at the same offset (a chmod, a touch, the same bytes
 *    written again): nothing to do.
 *
 * Each path is checked once per change of the file it names (device, inode,
 * size, mtime), so a burst of events gives one line.  A directory that goes
 * away is looked for again every second, and its binaries checked when it
 * is back.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon-private.h"
#include "json.h"
#include "log.h"

/*
 * A file that was created or changed its attributes is looked at this long
 * after the last such event, so that a copy (IN_CREATE, then writes) is
 * looked at once, complete; but no longer than WAIT_MAX_NS after the first,
 * so that a file rewritten without end is still followed.  A rename, a
 * deletion or the end of a write says the file is what it will be: looked
 * at straight away, since new processes run it untraced until the re-arm.
 */
#define SETTLE_NS	(50ULL * 1000000ULL)
#define WAIT_MAX_NS	(500ULL * 1000000ULL)
#define RESYNC_NS	(1000ULL * 1000000ULL)

/* what a binary's directory sends that can change the file its path names */
#define WATCH_NOW	(IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE)
#define WATCH_MASK	(WATCH_NOW | IN_CREATE | IN_ATTRIB | IN_ONLYDIR)

/* the suffix of the other tracefs name a re-armed uprobe takes */
#define REARM_SUFFIX	"__r"

struct wdir {
	int wd;
	char *dir;
	bool used;		/* by a probe, at the last sync */
};

struct watch {
	int fd;
	struct wdir *dirs;
	size_t nr_dirs;
	uint64_t resync_at;	/* a directory to watch again then; 0: none */
};

static bool is_uprobe(const struct dprobe *dp)
{
	const struct probe_spec *ps = dprobe_spec(dp);

	return ps->kind == PROBE_UPROBE || ps->kind == PROBE_URETPROBE;
}

/*
 * The path the probe was given (its target up to the ':'; a path never
 * holds one), when it is absolute, else the canonical one it resolved to.
 * In buf.
 */
static const char *probe_path(const struct dprobe *dp, char *buf, size_t len)
{
	const char *target = dp->cp->spec->target, *colon = target ? strchr(target, ':') : NULL;

	if (colon && target[0] == '/' && (size_t)(colon - target) < len) {
		snprintf(buf, len, "%.*s", (int)(colon - target), target);
		return buf;
	}
	return dprobe_spec(dp)->path;
}

/* path's directory into dir, its last part into *base; false: no '/' */
static bool split_path(const char *path, char *dir, size_t len, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash || (size_t)(slash - path) >= len)
		return false;
	if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
	*base = slash + 1;
	return true;
}

static struct wdir *wdir_find(struct watch *w, const char *dir)
{
	size_t i;

	for (i = 0; i < w->nr_dirs; i++)
		if (!strcmp(w->dirs[i].dir, dir))
			return &w->dirs[i];
	return NULL;
}

/* watch dir (once); false with a warning when inotify refuses */
static bool wdir_add(struct watch *w, const char *dir)
{
	struct wdir *wd = wdir_find(w, dir), *v;
	int n;

	if (wd) {
		wd->used = true;
		return true;
	}
	n = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (n < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		/* the directory is gone for now: looked for again */
		w->resync_at = daemon_now_ns() + RESYNC_NS;
		return false;
	}
	if (n < 0) {
		log_warn("uprobe binaries: cannot watch %s: a binary replaced there is not followed",
			 dir);
		return false;
	}
	v = realloc(w->dirs, (w->nr_dirs + 1) * sizeof(*v));
	if (!v || !(v[w->nr_dirs].dir = strdup(dir))) {
		if (v)
			w->dirs = v;
		inotify_rm_watch(w->fd, n);
		log_warnx("uprobe binaries: out of memory watching %s", dir);
		return false;
	}
	w->dirs = v;
	v[w->nr_dirs].wd = n;
	v[w->nr_dirs].used = true;
	w->nr_dirs++;
	return true;
}

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

static void seen_set(struct dprobe_file *f, const struct stat *st)
{
	f->seen_dev = st->st_dev;
	f->seen_ino = st->st_ino;
	f->seen_size = st->st_size;
	f->seen_mtime_ns = mtime_ns(st);
}

static bool seen_is(const struct dprobe_file *f, const struct stat *st)
{
	return f->seen_dev == st->st_dev && f->seen_ino == st->st_ino &&
	       f->seen_size == st->st_size && f->seen_mtime_ns == mtime_ns(st);
}

void daemon_watch_sync(struct daemon *d)
{
	struct watch *w = d->watch;
	char pbuf[PATH_MAX], dir[PATH_MAX];
	const char *base;
	struct stat st;
	size_t i, k;
	bool any;

	for (i = 0; i < d->nr_probes; i++)
		if (is_uprobe(d->probes[i]))
			break;
	any = i < d->nr_probes;
	if (!any && !w)
		return;
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w) {
			log_warnx("uprobe binaries: out of memory: a binary replaced is not followed");
			return;
		}
		w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w->fd < 0) {
			log_warn("uprobe binaries: inotify: a binary replaced is not followed");
			free(w);
			return;
		}
		d->watch = w;
	}
	w->resync_at = 0;
	for (k = 0; k < w->nr_dirs; k++)
		w->dirs[k].used = false;
	for (i = 0; i < d->nr_probes; i++) {
		struct dprobe *dp = d->probes[i];
		const struct probe_spec *ps;
		const char *paths[2];

		if (!is_uprobe(dp))
			continue;
		ps = dprobe_spec(dp);
		paths[0] = ps->path;
		paths[1] = probe_path(dp, pbuf, sizeof(pbuf));
		/* a symlink given in the file: its directory too */
		for (k = 0; k < 2; k++)
			if (paths[k] && split_path(paths[k], dir, sizeof(dir), &base))
				wdir_add(w, dir);
		if (dp->file.known)
			continue;
		/*
		 * A probe opened at the start or by a reload is on the file
		 * its path names now; a change since its symbol was resolved
		 * is the next event's business.
		 */
		if (stat(paths[1], &st) == 0) {
			dp->file.armed_dev = st.st_dev;
			dp->file.armed_ino = st.st_ino;
			seen_set(&dp->file, &st);
		}
		dp->file.armed_offset = ps->file_offset;
		dp->file.known = true;
	}
	/* the directories no probe needs now */
	for (k = 0; k < w->nr_dirs;) {
		if (w->dirs[k].used) {
			k++;
			continue;
		}
		inotify_rm_watch(w->fd, w->dirs[k].wd);
		free(w->dirs[k].dir);
		w->dirs[k] = w->dirs[--w->nr_dirs];
	}
	/*
	 * The last uprobe gone (a reload removed it): its inotify descriptor
	 * goes too, so that reloads adding and removing uprobes leave the
	 * daemon with the descriptors it had.
	 */
	if (!any)
		daemon_watch_free(d);
}

int daemon_watch_fd(const struct daemon *d)
{
	return d->watch ? d->watch->fd : -1;
}

/*
 * A check of dp: now, or SETTLE_NS after this event but at most WAIT_MAX_NS
 * after the first.
 */
static void schedule(struct dprobe *dp, uint64_t now, bool settle)
{
	if (!dp->file.due)
		dp->file.first = now;
	if (!settle) {
		dp->file.due = now;
		return;
	}
	if (dp->file.due && dp->file.due <= now)
		return;		/* due already */
	dp->file.due = now + SETTLE_NS;
	if (dp->file.due > dp->file.first + WAIT_MAX_NS)
		dp->file.due = dp->file.first + WAIT_MAX_NS;
}

/* the uprobes whose path (given or canonical) is dir/name; name NULL: every one */
static void schedule_name(struct daemon *d, const char *dir, const char *name, uint64_t now,
			  bool settle)
{
	char pbuf[PATH_MAX], pdir[PATH_MAX];
	const char *base;
	size_t i, k;

	for (i = 0; i < d->nr_probes; i++) {
		struct dprobe *dp = d->probes[i];
		const char *paths[2];

		if (!is_uprobe(dp))
			continue;
		if (!dir) {
			schedule(dp, now, settle);
			continue;
		}
		paths[0] = dprobe_spec(dp)->path;
		paths[1] = probe_path(dp, pbuf, sizeof(pbuf));
		for (k = 0; k < 2; k++)
			if (paths[k] && split_path(paths[k], pdir, sizeof(pdir), &base) &&
			    !strcmp(pdir, dir) && (!name || !strcmp(base, name))) {
				schedule(dp, now, settle);
				break;
			}
	}
}

void daemon_watch_read(struct daemon *d, uint64_t now)
{
	struct watch *w = d->watch;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;
	size_t k;

	if (!w)
		return;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* events were lost: look at every binary */
				schedule_name(d, NULL, NULL, now, false);
				continue;
			}
			for (k = 0; k < w->nr_dirs && w->dirs[k].wd != ev->wd; k++)
				;
			if (k == w->nr_dirs)
				continue;
			if (ev->mask & IN_IGNORED) {
				/* the directory went: its binaries are gone; watched again if it comes back */
				schedule_name(d, w->dirs[k].dir, NULL, now, false);
				free(w->dirs[k].dir);
				w->dirs[k] = w->dirs[--w->nr_dirs];
				if (!w->resync_at)
					w->resync_at = now + RESYNC_NS;
				continue;
			}
			if (ev->len)
				schedule_name(d, w->dirs[k].dir, ev->name, now,
					      !(ev->mask & WATCH_NOW));
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		log_warn("uprobe binaries: reading inotify");
}

uint64_t daemon_watch_next(const struct daemon *d)
{
	uint64_t next = 0;
	size_t i;

	if (!d->watch)
		return 0;
	for (i = 0; i < d->nr_probes; i++) {
		uint64_t due = d->probes[i]->file.due;

		if (due && (!next || due < next))
			next = due;
	}
	if (d->watch->resync_at && (!next || d->watch->resync_at < next))
		next = d->watch->resync_at;
	return next;
}

/* ------------------------------------------------------------------ */
/* Log lines                                                           */

/* ,"probe":"..","path":".." */
static void put_probe(struct jbuf *b, const struct dprobe *dp, const char *path)
{
	json_put_raw(b, ",\"probe\":", 9);
	json_put_str(b, dp->name, strlen(dp->name));
	json_put_raw(b, ",\"path\":", 8);
	json_put_str(b, path, strlen(path));
}

/* ,"KEY":N */
static void put_u64(struct jbuf *b, const char *key, uint64_t v)
{
	json_put_raw(b, ",\"", 2);
	json_put_raw(b, key, strlen(key));
	json_put_raw(b, "\":", 2);
	json_put_u64(b, v);
}

/*
 * {"state":"probe-stale","probe":..,"path":..,"reason":..,["inode":N,]
 *  "traced":BOOL}: traced says whether the old probe still traces the
 * processes that run the old file.
 */
static void say_stale(struct daemon *d, const struct dprobe *dp, const char *path,
		      const char *reason, const struct stat *st, bool traced)
{
	struct jbuf b;

	log_warnx("%s; %s", reason, traced ?
		  "the old file's processes are still traced, new ones are not" :
		  "not traced until the file is right again");
	if (jbuf_init(&b, 256) < 0)
		return;
	put_probe(&b, dp, path);
	json_put_raw(&b, ",\"reason\":", 10);
	json_put_str(&b, reason, strlen(reason));
	if (st)
		put_u64(&b, "inode", (uint64_t)st->st_ino);
	json_put_raw(&b, traced ? ",\"traced\":true" : ",\"traced\":false",
		     traced ? 14 : 15);
	if (json_put_raw(&b, "\0", 1) == 0)
		jlog_write_daemon(d->jl, "probe-stale", b.p);
	jbuf_free(&b);
}

/* {"state":"probe-rearmed","probe":..,"path":..,"event":..,"old_inode":N,...} */
static void say_rearmed(struct daemon *d, const struct dprobe *old, const struct dprobe *dp,
			const char *path, bool gap)
{
	const struct dprobe_file *of = &old->file, *nf = &dp->file;
	struct jbuf b;

	log_info("uprobe %s: %s: re-armed on inode %ju at 0x%" PRIx64 " (was inode %ju at 0x%"
		 PRIx64 ")%s", dp->name, path, (uintmax_t)nf->armed_ino, nf->armed_offset,
		 (uintmax_t)of->armed_ino, of->armed_offset, gap ? ", with a gap" : "");
	if (jbuf_init(&b, 256) < 0)
		return;
	put_probe(&b, dp, path);
	json_put_raw(&b, ",\"event\":", 9);
	json_put_str(&b, dp->names[0], strlen(dp->names[0]));
	put_u64(&b, "old_inode", (uint64_t)of->armed_ino);
	put_u64(&b, "old_offset", of->armed_offset);
	put_u64(&b, "new_inode", (uint64_t)nf->armed_ino);
	put_u64(&b, "new_offset", nf->armed_offset);
	if (gap)
		json_put_raw(&b, ",\"gap\":true", 11);
	if (json_put_raw(&b, "\0", 1) == 0)
		jlog_write_daemon(d->jl, "probe-rearmed", b.p);
	jbuf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Re-arming                                                           */

/*
 * A copy of the configuration's spec ps named name, resolved again in the
 * file its path names now.  Returns 0 with *out (free with
 * probe_spec_free()), or -errno with the resolver's message.
 */
static int spec_again(const struct probe_spec *ps, const char *name, struct probe_spec **out,
		      char *err, size_t errlen)
{
	struct probe_spec *s = probe_spec_new(ps->kind, name, err, errlen);
	char tok[2048];
	size_t i;
	int ret;

	*out = NULL;
	if (!s)
		return -errno;
	ret = probe_spec_set_target(s, ps->target, err, errlen);
	for (i = 0; ret == 0 && i < ps->nr_args; i++) {
		snprintf(tok, sizeof(tok), "%s=%s", ps->args[i].field, ps->args[i].fetch);
		ret = probe_spec_add_token(s, tok, err, errlen);
	}
	for (i = 0; ret == 0 && i < ps->nr_hints; i++) {
		snprintf(tok, sizeof(tok), "render.%s=%s", ps->hints[i].field, ps->hints[i].render);
		ret = probe_spec_add_token(s, tok, err, errlen);
	}
	if (ret == 0)
		ret = probe_spec_resolve(s, err, errlen);
	if (ret < 0) {
		probe_spec_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

static bool is_live(const struct dprobe *dp)
{
	return dp->created && dp->evs[0];
}

/*
 * The tracefs name the next arming of dp takes: the other of NAME and
 * NAME__r, so that the new one can be live before the old one goes.  NULL
 * when that one cannot be had (a name too long, or another probe's): the
 * re-arm then has a gap.
 */
static const char *next_name(const struct daemon *d, const struct dprobe *dp, char *buf,
			     size_t len)
{
	const char *cur = dprobe_spec(dp)->name;

	if (!is_live(dp) || strcmp(cur, dp->name))
		return dp->name;
	if (strlen(dp->name) + strlen(REARM_SUFFIX) > PROBE_NAME_MAX)
		return NULL;
	snprintf(buf, len, "%s" REARM_SUFFIX, dp->name);
	if (daemon_probes_find(d, buf) || conf_probe_find(d->conf, buf))
		return NULL;
	return buf;
}

/* a dprobe like dp running spec (taken), or NULL */
static struct dprobe *dprobe_like(const struct daemon *d, const struct dprobe *dp,
				  struct probe_spec *spec)
{
	struct dprobe *nd = calloc(1, sizeof(*nd));

	if (!nd)
		goto fail;
	nd->spec = spec;
	nd->cp = dp->cp;
	nd->nr_names = 1;
	if (!(nd->name = strdup(dp->name)) || (dp->filter && !(nd->filter = strdup(dp->filter))) ||
	    !(nd->names = calloc(2, sizeof(*nd->names))) ||
	    !(nd->evs = calloc(2, sizeof(*nd->evs))) ||
	    asprintf(&nd->names[0], "%s/%s", d->group, spec->name) < 0) {
		if (nd->names)
			nd->names[0] = NULL;
		dprobe_free(nd);
		return NULL;
	}
	return nd;
fail:
	probe_spec_free(spec);
	return NULL;
}

static void probes_replace(struct daemon *d, struct dprobe *old, struct dprobe *dp)
{
	size_t i;

	for (i = 0; i < d->nr_probes; i++)
		if (d->probes[i] == old)
			d->probes[i] = dp;
}

/*
 * Look at what dp's path names now (see the top of the file).
 */
static void check(struct daemon *d, struct dprobe *dp)
{
	struct dprobe_file *f = &dp->file;
	struct probe_spec *spec = NULL;
	struct dprobe *nd;
	char pbuf[PATH_MAX], nbuf[PROBE_NAME_MAX + 8], err[1024];
	const char *path = probe_path(dp, pbuf, sizeof(pbuf)), *name;
	struct stat st, st2;
	bool same_inode, gap;
	int ret;

	f->due = 0;
	if (stat(path, &st) < 0) {
		int e = errno;

		if (!f->gone) {
			f->gone = true;
			snprintf(err, sizeof(err), "%s:%s: %s: %s", probe_kind_name(dprobe_spec(dp)->kind),
				 dp->name, path, e == ENOENT || e == ENOTDIR ? "the file is gone" :
				 strerror(e));
			say_stale(d, dp, path, err, NULL, is_live(dp));
		}
		return;
	}
	if (!f->gone && seen_is(f, &st))
		return;		/* looked at already: a chmod, a second event */
	f->gone = false;
	seen_set(f, &st);
	same_inode = st.st_dev == f->armed_dev && st.st_ino == f->armed_ino;

	/* the name the new probe takes; resolved against the file stat() saw */
	name = next_name(d, dp, nbuf, sizeof(nbuf));
	ret = spec_again(dp->cp->spec, name ? name : dp->name, &spec, err, sizeof(err));
	if (stat(path, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino ||
	    mtime_ns(&st2) != mtime_ns(&st)) {
		/* replaced again while it was read: its own event comes, look then */
		probe_spec_free(spec);
		f->seen_ino = 0;
		return;
	}
	if (ret < 0) {
		if (same_inode && is_live(dp)) {
			/* rewritten in place: the old offset is some other code now */
			dprobe_close(d, dp);
		}
		say_stale(d, dp, path, err, &st, is_live(dp));
		return;
	}
	if (same_inode && spec->file_offset == f->armed_offset && is_live(dp)) {
		log_debug("uprobe %s: %s changed, %s still at 0x%" PRIx64, dp->name, path,
			  spec->symbol ? spec->symbol : "the offset", spec->file_offset);
		probe_spec_free(spec);
		return;
	}

	nd = dprobe_like(d, dp, spec);
	if (!nd) {
		snprintf(err, sizeof(err), "%s:%s: out of memory", probe_kind_name(dp->cp->spec->kind),
			 dp->name);
		say_stale(d, dp, path, err, &st, is_live(dp));
		return;
	}
	nd->file = *f;
	nd->file.armed_dev = st.st_dev;
	nd->file.armed_ino = st.st_ino;
	nd->file.armed_offset = spec->file_offset;
	gap = !name && is_live(dp);
	if (gap)
		dprobe_close(d, dp);
	ret = dprobe_open(d, nd, true, err, sizeof(err));
	if (ret) {
		/* tracefs refused it: the old probe (if it is still there) traces on */
		say_stale(d, dp, path, err, &st, is_live(dp));
		dprobe_free(nd);
		return;
	}
	/* the new probe is live: the old one goes (what the rings hold of it is written) */
	dprobe_close(d, dp);
	probes_replace(d, dp, nd);
	say_rearmed(d, dp, nd, path, gap);
	dprobe_free(dp);
}

void daemon_watch_run(struct daemon *d, uint64_t now)
{
	size_t i;

	if (!d->watch)
		return;
	if (d->watch->resync_at && d->watch->resync_at <= now) {
		/* a directory came back, perhaps with its binary: look at every one */
		daemon_watch_sync(d);
		if (!d->watch)
			return;
		schedule_name(d, NULL, NULL, now, false);
	}
	/* check() replaces d->probes[i] in place: the walk stays valid */
	for (i = 0; i < d->nr_probes; i++) {
		struct dprobe *dp = d->probes[i];

		if (dp->file.due && dp->file.due <= now && is_uprobe(dp))
			check(d, dp);
	}
}

void daemon_watch_free(struct daemon *d)
{
	struct watch *w = d->watch;
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->nr_dirs; i++)
		free(w->dirs[i].dir);
	free(w->dirs);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	d->watch = NULL;
}
