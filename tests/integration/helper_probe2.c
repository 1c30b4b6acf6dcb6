// SPDX-License-Identifier: MIT
/*
 * helper_probe2.c - helper_probe built again with a function placed before
 * tl_probe_target, so that tl_probe_target lies at another file offset:
 * the binary a package upgrade would put in place of helper_probe
 * (tests/faults/check_replace.c).  Same modes as helper_probe.
 */
#include <stdio.h>

int tl_probe_padding(int n);

/* never called: only moves what follows; noipa and used keep it whole */
__attribute__((noipa, used)) int tl_probe_padding(int n)
{
	volatile int acc = 0;
	int i;

	for (i = 0; i < n; i++)
		acc += i * 7 + (i >> 2);
	return acc;
}

#include "helper_probe.c"
