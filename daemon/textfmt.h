/* SPDX-License-Identifier: MIT */
/*
 * textfmt.h - field values as text for the text sinks (pretty, journald),
 * and the escaping that makes any byte string safe to print on a terminal.
 *
 * Escaping (textfmt_put_escaped) - what a terminal may see
 * ---------------------------------------------------------
 *
 * The bytes of a traced value come from whoever named the file or the
 * task: they must never reach a terminal as control sequences.  Output:
 *
 *   - printable ASCII (20..7E) as itself, except \ which becomes \\ ;
 *   - valid UTF-8 sequences (RFC 3629: shortest form, no surrogates,
 *     nothing above U+10FFFF) as themselves, except the code points below;
 *   - every other byte as \xNN (two lowercase hex digits): the C0 controls
 *     00..1F (ESC, CR, LF, BEL, ...) and DEL 7F, each byte of a sequence
 *     encoding a C1 control (U+0080..U+009F: 8-bit CSI, OSC, ...), a
 *     bidirectional or invisible formatting character (U+061C,
 *     U+200B..U+200F, U+2028..U+202E, U+2060..U+2069, U+FEFF: "Trojan
 *     Source" reordering, line and paragraph separators), and each byte
 *     that is not part of a valid sequence.
 *
 * So the output is valid UTF-8 holding no control character at all, it
 * reads the same as the input where the input was ordinary text, and it
 * is reversible (\\ and \xNN are the only escapes).
 */
#ifndef TRACELOGD_TEXTFMT_H
#define TRACELOGD_TEXTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "jlog.h"
#include "json.h"

/* bytes of a value a terminal is shown before "...[+N bytes]" */
#define TEXTFMT_VALUE_MAX	4096

/*
 * textfmt_put_escaped - append s[0..n) escaped as above.  When max is not
 * 0 and n > max, only the first max bytes (rounded up to the end of a
 * UTF-8 sequence) are written, followed by "...[+N bytes]" where N is the
 * count of bytes left out.  Returns 0, or -ENOMEM with b unchanged.
 */
int textfmt_put_escaped(struct jbuf *b, const char *s, size_t n, size_t max);

enum textfmt_strings {
	TEXTFMT_ESCAPE,		/* strings through textfmt_put_escaped() */
	TEXTFMT_RAW,		/* strings as their bytes (journald fields) */
};

/*
 * textfmt_put_field - append the value of f in rec: an integer in decimal
 * (signed per the format), a pointer as 0x hex, a string (escaped with
 * max, or raw), an array as "[1, 2, 3]"; a rendering hint as the JSON log
 * applies it (ipv4 "127.0.0.1", ipv6, hex "0x1f", errno "ENOENT", port).
 * Returns 0, -ERANGE when the record is too short for the field (b
 * unchanged: the caller says so its own way), or -ENOMEM (b unchanged).
 */
int textfmt_put_field(struct jbuf *b, const struct engine_field *f, enum jlog_render render,
		      const struct engine_record *rec, enum textfmt_strings strings, size_t max);

/*
 * textfmt_hints_resolve - one render per field of ev (out has
 * engine_event_nr_fields(ev) entries, set to JLOG_RENDER_DEFAULT but for
 * the hinted fields), each hint checked against its field's type as the
 * JSON log checks it.  Returns 0, or -ENOENT (no such field) or -EINVAL
 * (the field cannot take the hint) with a message naming probe in err.
 */
int textfmt_hints_resolve(const struct engine_event *ev, const char *probe,
			  const struct jlog_hint *hints, size_t nh, enum jlog_render *out,
			  char *err, size_t errlen);

#endif
