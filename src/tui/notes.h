/*
 * notes.h - a floor note: what a technician found at a machine (asleep,
 * powered off, moved...) or what a user reported the morning after,
 * recorded as an event of kind note by the console and by carve note.
 */
#ifndef CARVE_NOTES_H
#define CARVE_NOTES_H

#include "carve.h"

/* The kinds a note can be, in the console's order; the last three are
 * what users report (triage groups those). */
extern const char *const note_kinds[];
extern const size_t note_kind_count;

/* The kind named (exact), or NULL. */
const char *note_kind(const char *name);

/* The kind a note's text begins with ("powered off: cable pulled" is
 * "powered off"), or NULL. */
const char *note_kind_of(const char *text);

/* Whether a note of kind stands on its machine until a later note says
 * otherwise: everything the floor found and users report ("other" too:
 * someone thought it worth writing down), not "fixed". */
bool note_stands(const char *kind);

/* Appends the note about plan machine index machine, by who, as an event
 * of run: status warn (ok for "fixed"), the evidence {"kind","text"}, the
 * diagnosis the line the log shows ("asleep: woke it"). */
int note_record(const carve_plan *plan, carve_audit *audit, int64_t run, size_t machine,
		const char *who, const char *kind, const char *text);

#endif
