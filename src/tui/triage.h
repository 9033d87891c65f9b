/*
 * triage.h - writing the triage list (console.h's triage_list) for a
 * spreadsheet or a script: carve triage, and the console's export.
 */
#ifndef CARVE_TRIAGE_H
#define CARVE_TRIAGE_H

#include "console.h"
#include "out.h"

#include <stdio.h>

/* The user a failure concerns: its object when that is a user, else the
 * machine's user ("" without one).  Returns out. */
const char *triage_user(char *out, size_t cap, const carve_plan *plan, const state_line *s);

/* One record per failure, group by group: CSV with its header row, or
 * JSON lines (the evidence as JSON). */
void triage_write(FILE *f, const carve_plan *plan, const triage_list *t, out_format format);

#endif
