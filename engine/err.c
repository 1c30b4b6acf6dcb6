// SPDX-License-Identifier: MIT
/* err.c - the engine's one way of handing a message back to its caller. */
#include <stdarg.h>
#include <stdio.h>

#include "err-private.h"

void engine_seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}
