/* SPDX-License-Identifier: MIT */
/* err-private.h - error messages for the caller's buffer (engine internal). */
#ifndef TRACELOGD_ERR_PRIVATE_H
#define TRACELOGD_ERR_PRIVATE_H

#include <stddef.h>

/* engine_seterr - format a one-line message into err (len bytes); NULL err is ok. */
void engine_seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
