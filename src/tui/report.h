/*
 * report.h - what carve report writes, gathered once from the plan and the
 * audit log: counts and durations per chunk and phase, every failure with
 * its diagnosis and evidence, each machine's worst status (for the floor
 * maps), the teardown checklist with its sign-offs, and the verdict on the
 * hash chain.
 */
#ifndef CARVE_REPORT_H
#define CARVE_REPORT_H

#include "carve.h"

#include <stdio.h>

/* A failure, a skip (diagnosis: the reason) or a floor note (diagnosis:
 * what was noted). */
typedef struct {
	char *object_kind, *object, *chunk, *phase, *step;
	carve_status status;
	char *time, *diagnosis, *evidence, *actor;
} report_failure;

typedef struct {
	carve_status status;
	char *actor, *time, *diagnosis; /* of its latest event; NULL when none */
} report_item;

typedef struct {
	char first[32], last[32]; /* first and last event, "" when none */
} report_span;

typedef struct {
	const carve_plan *plan;
	char generated[32];
	carve_grid grid;
	carve_verify_result chain;
	bool chain_checked;
	report_span (*spans)[CARVE_PHASE__COUNT]; /* per chunk */
	carve_status *machine_status;              /* per plan machine: the worst */
	report_failure *failures;
	size_t failure_count;
	report_failure *skips;                     /* current skipped steps */
	size_t skip_count;
	report_failure *notes;                     /* every floor note */
	size_t note_count;
	report_item *teardown;                     /* per plan teardown item */
	report_item *activesync;                   /* per plan user */
} report;

/* Reads everything; audit may be NULL (no log yet: all pending). */
int report_gather(report *r, const carve_plan *plan, carve_audit *audit);
void report_done(report *r);

/* Seconds between a span's first and last event (0 when unknown). */
double report_seconds(const report_span *s);

/* Whether chunk c can go ahead, and why not, in one line: "can go ahead:
 * every step done", or "cannot go ahead: 2 machines failing pre-flight, 1
 * mailbox not moved".  Returns true when it can (nothing failed). */
bool report_verdict(char *out, size_t cap, const carve_grid *grid, size_t c);

/* Colour for a status, as CSS. */
const char *report_colour(carve_status s);

void report_write_html(FILE *f, const report *r);

#endif
