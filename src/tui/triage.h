/*
 * triage.h - writing the triage list (console.h's triage_list) for a
 * spreadsheet or a script: carve triage, and the console's export.
 */
#ifndef CARVE_TRIAGE_H
#define CARVE_TRIAGE_H

#include "console.h"
#include "out.h"

#include <stdio.h>

/* Where a failure is on the floor: its machine (the object, or the
 * machine of the user it is), the desk ("A02", or "F2 58,2" where the
 * drawing has no label) and the user ("" for what is not known). */
void triage_where(const carve_plan *plan, const state_line *s, char *machine, size_t mcap,
		  char *desk, size_t dcap, char *user, size_t ucap);

/* One record per failure, group by group: CSV with its header row, or
 * JSON lines (the evidence as JSON). */
void triage_write(FILE *f, const carve_plan *plan, const triage_list *t, out_format format);

#endif
