// SPDX-License-Identifier: MIT
/*
 * fuzz_probe_spec.c - libFuzzer harness for the probe specs (probes/spec.c)
 * and the fetch-argument checker (probes/fetcharg.c): no crash, no leak,
 * -EINVAL with a one-line message when refused, and an accepted spec makes
 * one well-formed tracefs command (fuzz_probe.h).
 *
 * Input: byte 0 picks the entry point (low 2 bits) and a probe kind (bits
 * 2-4, modulo 5); the rest is text:
 *   0, 3  probe_spec_parse(text): "KIND:NAME:TARGET [TOKEN ...]"
 *   1     probe_fetcharg_check(kind, text)
 *   2     the INI file's way: lines NAME, TARGET (or, for a tracepoint,
 *         an event glob), then one token per line, each given to
 *         probe_spec_new / set_target (set_event) / add_token, then
 *         probe_spec_check
 * Nothing touches the file system or the kernel.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes.h"
#include "spec-conf.h"
#include "fuzz.h"
#include "fuzz_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a refusal: the right errno, and a message of one line */
static void check_refusal(int r, const char *err)
{
	size_t i;

	FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "ret %d", r);
	FUZZ_CHECK(err[0], "no message (ret %d)", r);
	for (i = 0; err[i]; i++)
		FUZZ_CHECK(err[i] != '\n', "a newline in the message: %s", err);
}

/* mode 2: the spec built key by key */
static void build(enum probe_kind kind, char *text)
{
	char *line[3] = { NULL, NULL, NULL }, *p = text, *nl, err[1024];
	struct probe_spec *s;
	int i, r;

	for (i = 0; i < 2 && p; i++) {
		line[i] = p;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
	}
	if (!line[1])
		return;
	err[0] = '\0';
	s = probe_spec_new(kind, line[0], err, sizeof(err));
	if (!s) {
		check_refusal(-errno, err);
		return;
	}
	err[0] = '\0';
	if (kind == PROBE_TRACEPOINT)
		r = probe_spec_set_event(s, line[1], err, sizeof(err));
	else
		r = probe_spec_set_target(s, line[1], err, sizeof(err));
	if (r < 0) {
		check_refusal(r, err);
		goto out;
	}
	/* one token per line; a refused one leaves the spec as it was */
	while (p) {
		line[2] = p;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
		err[0] = '\0';
		r = probe_spec_add_token(s, line[2], err, sizeof(err));
		if (r < 0)
			check_refusal(r, err);
	}
	err[0] = '\0';
	r = probe_spec_check(s, err, sizeof(err));
	if (r < 0) {
		check_refusal(r, err);
		goto out;
	}
	fuzz_check_spec(s);
out:
	probe_spec_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum probe_kind kind;
	struct probe_spec *s;
	char *text, err[1024];
	int r;

	if (!size)
		return 0;
	kind = (enum probe_kind)(((data[0] >> 2) & 7) % 5);
	text = fuzz_cstr(data + 1, size - 1);
	err[0] = '\0';
	switch (data[0] & 3) {
	case 1:
		r = probe_fetcharg_check(kind, text, err, sizeof(err));
		if (r < 0) {
			/*
			 * Its callers check the bytes first (probe_text_check):
			 * alone, it quotes what it is given, newlines included.
			 */
			FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "ret %d", r);
			FUZZ_CHECK(err[0], "no message (ret %d)", r);
			FUZZ_NOTE(!strchr(err, '\n'), "probe_fetcharg_check quotes a newline: %s", err);
		} else {
			FUZZ_CHECK(r == 0, "ret %d", r);
			FUZZ_NOTE(!strpbrk(text, " \t\n"), "probe_fetcharg_check accepts a blank: \"%s\"",
				  text);
		}
		break;
	case 2:
		build(kind, text);
		break;
	default:
		r = probe_spec_parse(text, &s, err, sizeof(err));
		if (r < 0) {
			FUZZ_CHECK(s == NULL, "a spec with an error");
			check_refusal(r, err);
			break;
		}
		FUZZ_CHECK(r == 0 && s, "ret %d", r);
		fuzz_check_spec(s);
		probe_spec_free(s);
		break;
	}
	free(text);
	return 0;
}
