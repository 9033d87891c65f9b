/*
 * logfilter.h - the audit log's filters as people type them: carve log's
 * options and the console's log view both come through here, so both take
 * the same chunk, machine, phase, status and since, with the same messages.
 */
#ifndef CARVE_LOGFILTER_H
#define CARVE_LOGFILTER_H

#include "carve.h"

#include <stdbool.h>
#include <stddef.h>

/* Whether f can be used: its phase and status exist, since is an RFC 3339
 * time (or a prefix of one), and with a plan its chunk and machine are in
 * it.  On false, why says what is wrong. */
bool log_filter_check(char *why, size_t cap, const carve_log_filter *f, const carve_plan *plan);

/* Fills f from words such as "chunk=wave1 status=failed" or bare ones
 * ("wave1 failed 2026-12-04T22"): a bare word is whichever of chunk,
 * machine, phase, status or time it names.  f's strings point into words,
 * which is cut up.  On false, why says which word was not understood. */
bool log_filter_parse(carve_log_filter *f, char *words, const carve_plan *plan, char *why,
		      size_t cap);

/* since as the log compares it: a date or time written without a zone is
 * the local time (TZ's) and gets its offset; one with Z or an offset is
 * kept.  Returns since or out. */
const char *log_filter_local(char out[40], const char *since);

#endif
