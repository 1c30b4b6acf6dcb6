// SPDX-License-Identifier: MIT
/*
 * kprobe.c - kernel functions for kprobes: when tracefs refuses a kprobe,
 * whether the function exists at all, with close names from
 * /proc/kallsyms when it does not.  The kernel's own message for an
 * unknown symbol is only "Failed to register probe event".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes-private.h"

/* the whole of /proc/kallsyms (a proc file: read until EOF); NULL with errno */
static char *read_kallsyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			nb = realloc(buf, cap + (1 << 20));
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap += 1 << 20;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	buf[len] = 0;
	return buf;
}

int probe_kprobe_explain(const char *function, const char *kallsyms, char *out, size_t len)
{
	const char *colon = strchr(function, ':'), *sym = colon ? colon + 1 : function, *p;
	size_t modlen = colon ? (size_t)(colon - function) : 0;
	struct probe_close close;
	char *owned = NULL, names[512];

	if (len)
		out[0] = 0;
	if (!strncmp(function, "0x", 2))
		return 0;	/* an address: nothing to look up */
	if (!kallsyms) {
		owned = read_kallsyms();
		if (!owned)
			return -errno;
		kallsyms = owned;
	}
	probe_close_init(&close, sym);
	/* "ffffffff81000000 T _stext" or "... t name\t[module]" */
	for (p = kallsyms; *p;) {
		const char *eol = strchr(p, '\n'), *t, *name, *mod;
		char nm[128];
		size_t nlen;

		if (!eol)
			eol = p + strlen(p);
		t = memchr(p, ' ', (size_t)(eol - p));
		if (!t || t + 3 >= eol || t[2] != ' ')
			goto next;
		if (t[1] != 't' && t[1] != 'T')
			goto next;
		name = t + 3;
		nlen = strcspn(name, "\t \n");
		if (nlen >= sizeof(nm))
			goto next;
		mod = name + nlen;
		while (mod < eol && (*mod == '\t' || *mod == ' '))
			mod++;
		if (modlen && (mod >= eol || *mod != '[' || (size_t)(eol - mod) < modlen + 2 ||
			       strncmp(mod + 1, function, modlen) || mod[modlen + 1] != ']'))
			goto next;
		memcpy(nm, name, nlen);
		nm[nlen] = 0;
		if (!strcmp(nm, sym)) {
			free(owned);
			return 0;
		}
		probe_close_add(&close, nm);
next:
		p = *eol ? eol + 1 : eol;
	}
	free(owned);
	probe_close_format(&close, names, sizeof(names));
	snprintf(out, len, "no kernel function %s in /proc/kallsyms%s%s", function,
		 names[0] ? "; close names: " : "", names);
	return -ENOENT;
}
