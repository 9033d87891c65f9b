/*
 * out.h - machine-readable output for the subcommands: CSV (RFC 4180) and
 * JSON, and the text/csv/json choice behind --format.
 */
#ifndef CARVE_OUT_H
#define CARVE_OUT_H

#include <stdio.h>

typedef enum { OUT_TEXT, OUT_CSV, OUT_JSON } out_format;

/* Parses a --format value; returns 0, or -1 when it is not one of ours. */
int out_format_parse(out_format *out, const char *name);

/* A CSV field, quoted when it holds a comma, quote, CR or LF.  NULL is an
 * empty field. */
void out_csv(FILE *f, const char *s);

/* A JSON string with its quotes; NULL is written as null. */
void out_json(FILE *f, const char *s);

#endif
