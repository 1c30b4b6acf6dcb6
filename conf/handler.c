// SPDX-License-Identifier: MIT
/*
 * handler.c - handler lists: "json", "pretty", "plugin:/PATH.so:FUNCTION",
 * comma-separated, in the order the events are to be handed to them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

#define HANDLER_SYNTAX	"json, pretty or plugin:/PATH.so:FUNCTION"

static bool ident_valid(const char *s)
{
	size_t i;

	if (!s[0] || (s[0] >= '0' && s[0] <= '9') || strlen(s) > 127)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static bool handler_equal(const struct conf_handler *a, const struct conf_handler *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind != CONF_HANDLER_PLUGIN)
		return true;
	return !strcmp(a->path, b->path) && !strcmp(a->function, b->function);
}

void conf_handlers_free(struct conf_handler *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].path);
		free(list[i].function);
	}
	free(list);
}

/* one handler, item (trimmed), into h */
static int handler_parse(struct conf_handler *h, const char *item, char *msg, size_t msglen)
{
	const char *why, *colon;
	char *path;

	memset(h, 0, sizeof(*h));
	if (!strcmp(item, "json")) {
		h->kind = CONF_HANDLER_JSON;
		return 0;
	}
	if (!strcmp(item, "pretty")) {
		h->kind = CONF_HANDLER_PRETTY;
		return 0;
	}
	if (strncmp(item, "plugin:", 7)) {
		snprintf(msg, msglen, "handler: \"%s\" is not " HANDLER_SYNTAX, item);
		return -EINVAL;
	}
	colon = strrchr(item + 7, ':');
	if (!colon || !ident_valid(colon + 1)) {
		snprintf(msg, msglen,
			 "handler: \"%s\": expected plugin:/PATH.so:FUNCTION (FUNCTION: letters, digits and _)",
			 item);
		return -EINVAL;
	}
	path = strndup(item + 7, (size_t)(colon - item - 7));
	if (!path)
		return -ENOMEM;
	why = conf_value_path(path);
	if (why) {
		snprintf(msg, msglen, "handler: plugin \"%s\" %s", path, why);
		free(path);
		return -EINVAL;
	}
	h->kind = CONF_HANDLER_PLUGIN;
	h->path = path;
	h->function = strdup(colon + 1);
	if (!h->function) {
		free(path);
		return -ENOMEM;
	}
	return 0;
}

int conf_handlers_add(struct conf_handler **list, size_t *n, const char *value,
		      char *msg, size_t msglen)
{
	struct conf_handler *v = NULL, h;
	size_t nv = 0, i;
	const char *p = value;
	char *item = NULL;
	int ret = 0;

	for (;;) {
		size_t len = strcspn(p, ","), b = 0, e = len;
		struct conf_handler *nl;

		while (b < e && (p[b] == ' ' || p[b] == '\t'))
			b++;
		while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (b == e) {
			snprintf(msg, msglen, "handler: an empty name in \"%s\"", value);
			ret = -EINVAL;
			break;
		}
		item = strndup(p + b, e - b);
		if (!item) {
			ret = -ENOMEM;
			break;
		}
		ret = handler_parse(&h, item, msg, msglen);
		if (ret < 0)
			break;
		for (i = 0; i < *n + nv; i++)
			if (handler_equal(i < *n ? &(*list)[i] : &v[i - *n], &h))
				break;
		if (i < *n + nv) {
			snprintf(msg, msglen, "handler: %s is given twice", item);
			free(h.path);
			free(h.function);
			ret = -EINVAL;
			break;
		}
		nl = realloc(v, (nv + 1) * sizeof(*nl));
		if (!nl) {
			free(h.path);
			free(h.function);
			ret = -ENOMEM;
			break;
		}
		v = nl;
		v[nv++] = h;
		free(item);
		item = NULL;
		if (!p[len])
			break;
		p += len + 1;
	}
	free(item);
	if (ret == 0) {
		struct conf_handler *nl = realloc(*list, (*n + nv) * sizeof(*nl));

		if (nl) {
			memcpy(nl + *n, v, nv * sizeof(*v));
			*list = nl;
			*n += nv;
			free(v);
			return 0;
		}
		ret = -ENOMEM;
	}
	conf_handlers_free(v, nv);
	if (ret == -ENOMEM)
		snprintf(msg, msglen, "out of memory");
	return ret;
}

int conf_handlers_copy(struct conf_handler **dst, size_t *dn,
		       const struct conf_handler *src, size_t sn)
{
	struct conf_handler *v;
	size_t i;

	*dst = NULL;
	*dn = 0;
	if (!sn)
		return 0;
	v = calloc(sn, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < sn; i++) {
		v[i].kind = src[i].kind;
		if (src[i].kind != CONF_HANDLER_PLUGIN)
			continue;
		v[i].path = strdup(src[i].path);
		v[i].function = strdup(src[i].function);
		if (!v[i].path || !v[i].function) {
			conf_handlers_free(v, i + 1);
			return -ENOMEM;
		}
	}
	*dst = v;
	*dn = sn;
	return 0;
}

bool conf_handlers_equal(const struct conf_handler *a, size_t an,
			 const struct conf_handler *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return false;
	for (i = 0; i < an; i++)
		if (!handler_equal(&a[i], &b[i]))
			return false;
	return true;
}
