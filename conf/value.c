// SPDX-License-Identifier: MIT
/*
 * value.c - the values of the file: numbers, sizes, durations, booleans,
 * paths, and the bytes a line may hold.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf-private.h"

/* digits [s, s + len): the whole of them */
static int digits(const char *s, size_t len, uint64_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

int conf_value_uint(const char *s, uint64_t *v)
{
	return digits(s, strlen(s), v);
}

int conf_value_uint_hex(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return conf_value_uint(s, v);
	if (!s[2])
		return -EINVAL;
	for (i = 2; s[i]; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -EINVAL;
		if (n > (UINT64_MAX - d) / 16)
			return -ERANGE;
		n = n * 16 + d;
	}
	*v = n;
	return 0;
}

/* the number of s, then a unit from units (multipliers in mult) or none (1) */
static int with_unit(const char *s, const char *const *units, const uint64_t *mult,
		     uint64_t *v)
{
	size_t len = strspn(s, "0123456789"), i;
	uint64_t n;
	int ret;

	ret = digits(s, len, &n);
	if (ret == -EINVAL)
		return ret;
	for (i = 0; units[i]; i++)
		if (!strcmp(s + len, units[i]))
			break;
	if (!units[i])
		return -EINVAL;
	if (ret < 0 || (n && mult[i] > UINT64_MAX / n))
		return -ERANGE;
	*v = n * mult[i];
	return 0;
}

int conf_value_size(const char *s, uint64_t *v)
{
	static const char *const units[] = { "", "K", "k", "M", "m", "G", "g", NULL };
	static const uint64_t mult[] = { 1, 1ull << 10, 1ull << 10, 1ull << 20, 1ull << 20,
					 1ull << 30, 1ull << 30 };

	return with_unit(s, units, mult, v);
}

int conf_value_duration(const char *s, uint64_t *ms)
{
	static const char *const units[] = { "", "ms", "s", "m", "h", NULL };
	static const uint64_t mult[] = { 1000, 1, 1000, 60 * 1000, 3600 * 1000 };

	return with_unit(s, units, mult, ms);
}

int conf_value_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = false;
			return 0;
		}
	}
	return -EINVAL;
}

static void format_units(uint64_t v, const char *const *units, const uint64_t *mult,
			 size_t n, char *buf, size_t len)
{
	size_t i;

	for (i = n; i-- > 1;)
		if (v && v % mult[i] == 0)
			break;
	snprintf(buf, len, "%" PRIu64 "%s", v / mult[i], units[i]);
}

void conf_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "", "K", "M", "G" };
	static const uint64_t mult[] = { 1, 1ull << 10, 1ull << 20, 1ull << 30 };

	format_units(bytes, units, mult, 4, buf, len);
}

void conf_format_duration(uint64_t ms, char *buf, size_t len)
{
	static const char *const units[] = { "ms", "s", "m", "h" };
	static const uint64_t mult[] = { 1, 1000, 60 * 1000, 3600 * 1000 };

	if (!ms) {
		snprintf(buf, len, "0");
		return;
	}
	format_units(ms, units, mult, 4, buf, len);
}

const char *conf_value_path(const char *s)
{
	const char *p;

	if (s[0] != '/')
		return "is not an absolute path";
	if (strlen(s) >= PATH_MAX)
		return "is too long for a path";
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return *p == '\t' ? "has a tab in it" : "has a control character in it";
	for (p = s; *p; ) {
		size_t n;

		p++;	/* the '/' */
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "has a \"..\" component";
		if (!n)
			return p[0] ? "has an empty component (//)" : "ends with /";
		p += n;
	}
	return NULL;
}

/* the length of the UTF-8 sequence at s (up to end), or 0 when invalid */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;	/* a continuation byte, 0xc0, 0xc1 or past 0xf4 */
	}
	if ((size_t)(end - s) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* the code point of the valid sequence of n bytes at s */
static uint32_t utf8_cp(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_mask[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * Characters that are valid UTF-8 but make a line look other than it is:
 * C1 controls (U+009B is a terminal's CSI) and the bidirectional
 * formatting characters ("Trojan Source": a reversed run can hide what a
 * value really holds from whoever reviews the file).  No configuration
 * value needs them, comments included.
 */
static const char *invisible_name(uint32_t cp)
{
	if (cp >= 0x80 && cp <= 0x9f)
		return "C1 control character";
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c)
		return "bidirectional formatting character";
	return NULL;
}

int conf_text_check(const char *text, size_t len, char *msg, size_t msglen)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len, *p;

	for (p = s; p < end; ) {
		size_t n;

		if (*p == 0) {
			snprintf(msg, msglen, "column %zu: NUL byte", (size_t)(p - s) + 1);
			return -EINVAL;
		}
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(msg, msglen, "column %zu: control character 0x%02x",
				 (size_t)(p - s) + 1, *p);
			return -EINVAL;
		}
		n = utf8_seq(p, end);
		if (!n) {
			snprintf(msg, msglen, "column %zu: byte 0x%02x is not valid UTF-8",
				 (size_t)(p - s) + 1, *p);
			return -EINVAL;
		}
		if (n > 1 && invisible_name(utf8_cp(p, n))) {
			snprintf(msg, msglen, "column %zu: %s U+%04X", (size_t)(p - s) + 1,
				 invisible_name(utf8_cp(p, n)), (unsigned)utf8_cp(p, n));
			return -EINVAL;
		}
		p += n;
	}
	return 0;
}

const char *conf_value_filter(const char *s, char *msg, size_t msglen)
{
	const char *p;
	char quote = 0;

	/* the kernel's filter parser takes strings in "..." or '...' */
	for (p = s; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == ';') {
			snprintf(msg, msglen,
				 "';' at byte %zu is not part of a filter (one expression: && and || join conditions; quote it in a string)",
				 (size_t)(p - s) + 1);
			return msg;
		}
	}
	return NULL;
}
