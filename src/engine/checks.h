/*
 * checks.h - the pre-flight checks (the seed's STEP 1 and the known causes
 * of ADMT failure): for each, whether it applies to a machine, the
 * PowerShell that asks the machine (directly, or from an exec host with
 * -ComputerName), and the parser that turns what Windows printed into a
 * verdict with evidence and, when not ok, a diagnosis that names the fix.
 */
#ifndef CARVE_CHECKS_H
#define CARVE_CHECKS_H

#include "internal.h"

/* Whether check c applies to machine m under the plan's policy. */
bool check_applies(carve_check c, const carve_plan *plan, const carve_machine *m);

/* The script for check c on m: direct, or naming m with -ComputerName when
 * m is reached via an exec host.  Appends to out. */
int check_script(carve_buf *out, carve_check c, const carve_machine *m);

/*
 * Reads what the check's script printed (raw bytes as Windows sent them)
 * into a verdict.  r->evidence (JSON) and r->diagnosis are malloc'd.
 * exit_status is the script's; a failing script is a failed check whose
 * diagnosis quotes Windows' first error line.
 */
int check_parse(carve_check_result *r, carve_check c, const carve_plan *plan,
		const carve_machine *m, const char *out, size_t out_len, const char *err,
		size_t err_len, int exit_status);

/* Sets a result from text (copied); evidence may be NULL for "{}". */
int check_set(carve_check_result *r, carve_status status, const char *evidence,
	      const char *diagnosis);

#endif
