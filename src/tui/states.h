/*
 * states.h - what the console and the subcommands read from the audit
 * log's current-state table: each machine's most urgent status (its colour
 * on the maps), the teardown checklist's items, a grid cell's counts and
 * status, and the log's times.
 */
#ifndef CARVE_STATES_H
#define CARVE_STATES_H

#include "carve.h"

/* A teardown item's latest state. */
typedef struct item_state {
	carve_status status; /* pending when nothing is recorded */
	char actor[64];      /* "engine" (verified) or who signed it off */
	char time[32];       /* RFC 3339 UTC, to the second */
	char diagnosis[512]; /* what is wrong, or the sign-off's note */
} item_state;

/* out[i] for the plan's teardown item i, in one look at the site's rows;
 * audit may be NULL (all pending). */
void states_teardown(item_state *out, const carve_plan *plan, carve_audit *audit);

/* out[i] for plan machine i: its most urgent status over every step of it
 * and of its user (pending when nothing is recorded); audit may be NULL. */
int states_machines(carve_status *out, const carve_plan *plan, carve_audit *audit);

/* A chunk x phase cell's counts (carve_grid.counts[chunk][phase]): every
 * object in it, those done (ok, warn or skipped), and the status it shows,
 * what needs a person first.  carve status, the report and the console
 * all show a cell this way. */
unsigned cell_total(const unsigned *n);
unsigned cell_done(const unsigned *n);
carve_status cell_status(const unsigned *n);

/* row (UTF-8, as the plan holds it) after its first n columns. */
const char *states_skip_columns(const char *row, unsigned n);

/* A duration as people read it: 45s, 5m (5m08s with_seconds), 2h03m. */
void states_duration(char out[24], double seconds, bool with_seconds);

/* An audit log time (RFC 3339 UTC, milliseconds optional) as seconds since
 * the epoch; -1 when it is not one. */
double states_time(const char *t);

#endif
