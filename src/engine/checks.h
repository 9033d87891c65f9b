/*
 * checks.h - the pre-flight checks (the seed's STEP 1 and the known causes
 * of ADMT failure): for each, whether it applies to a machine, the
 * PowerShell that asks the machine by name (from the machine itself, or
 * from the exec host that asks it), and the parser that turns what Windows
 * printed into a verdict with evidence and, when not ok, a diagnosis that
 * names the fix.
 */
#ifndef CARVE_CHECKS_H
#define CARVE_CHECKS_H

#include "internal.h"

/* What a check's verdict also depends on, learnt once per pre-flight. */
typedef struct {
	/* The groups the migrator account is in, nested ones too, as
	 * DOMAIN\name (from the ADMT server, which logs on as it); NULL when
	 * they could not be read: then only a direct membership counts. */
	const char *const *migrator_groups;
	size_t migrator_group_count;
	const char *groups_unread; /* why they could not be read, or NULL */
} check_context;

/* Whether check c applies to machine m under the plan's policy. */
bool check_applies(carve_check c, const carve_plan *plan, const carve_machine *m);

/* The script for check c on m, naming it with -ComputerName (WMI takes
 * the machine's own name as a local connection).  Appends to out. */
int check_script(carve_buf *out, carve_check c, const carve_machine *m);

/*
 * Reads what the check's script printed (raw bytes as Windows sent them)
 * into a verdict.  r->evidence (JSON) and r->diagnosis are malloc'd.
 * exit_status is the script's; a failing script is a failed check whose
 * diagnosis quotes Windows' first error line.  ctx may be NULL.
 */
int check_parse(carve_check_result *r, carve_check c, const carve_plan *plan,
		const carve_machine *m, const check_context *ctx, const char *out,
		size_t out_len, const char *err, size_t err_len, int exit_status);

/* Sets a result from text (copied); evidence may be NULL for "{}". */
int check_set(carve_check_result *r, carve_status status, const char *evidence,
	      const char *diagnosis);

/* Windows' message from its first error line, without PowerShell 2.0's
 * "Command execution stopped because the preference variable ... is set
 * to Stop: " wrapping and the "Cmdlet : " before it.  In place. */
char *check_windows_message(char *line);

#endif
