/*
 * out.h - machine-readable output for the subcommands: CSV (RFC 4180) and
 * JSON, and the text/csv/json choice behind --format.
 */
#ifndef CARVE_OUT_H
#define CARVE_OUT_H

#include "internal.h" /* carve_buf */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { OUT_TEXT, OUT_CSV, OUT_JSON } out_format;

/* Parses a --format value; returns 0, or -1 when it is not one of ours. */
int out_format_parse(out_format *out, const char *name);

/* A CSV field, quoted when it holds a comma, quote, CR or LF.  NULL is an
 * empty field.  A field that starts with = + - @ (or a tab or carriage
 * return) is a formula to a spreadsheet: it gets a leading ' (OWASP's
 * "CSV injection" advice), so it shows as the text it is. */
void out_csv(FILE *f, const char *s);

/* A JSON string with its quotes; NULL is written as null. */
void out_json(FILE *f, const char *s);

/*
 * Text from a remote host (or anyone who can write to the audit log) is
 * data, never terminal control.  out_escape appends to b the n bytes of s
 * with everything that is not printable text written as \uXXXX (a form
 * JSON reads as the same character): C0 controls but tab and line feed
 * (a carriage return only before a line feed, as CSV's line ends), DEL,
 * C1 controls, the bidirectional controls (U+061C, U+200E-U+200F,
 * U+202A-U+202E, U+2066-U+2069), the invisible U+200B-U+200D, U+2028,
 * U+2029, U+FEFF and U+FFF9-U+FFFB; a byte that is not part of valid
 * UTF-8 becomes U+FFFD.  A multi-byte character or a carriage return cut
 * by the end of s is left unconsumed unless final: *used (may be NULL) says
 * how much was.
 */
void out_escape(carve_buf *b, const char *s, size_t n, bool final, size_t *used);

/* What the console keeps of text from the log: fmt formatted, then
 * through out_escape, cut to cap at a character's start.  The console
 * draws only what came through here, so a hostile evidence string shows
 * as \u001b...  instead of moving the cursor or reversing the line. */
void out_textf(char *dst, size_t cap, const char *fmt, ...) CARVE_PRINTF(3, 4);

/* JSON laid out for people: one member or element a line, indented by
 * depth (text that is not JSON comes out as it is), appended to b. */
void out_json_layout(carve_buf *b, const char *json);

/* Sends everything carve writes to stdout and stderr through out_escape,
 * for the subcommands (the console draws with ncurses on the terminal
 * itself).  False when the streams could not be replaced. */
bool out_guard_streams(void);

#endif
