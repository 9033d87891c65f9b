/*
 * remote.h - what the steps share for talking to Windows: a session to
 * where a machine's commands go (the machine, or the exec host that asks
 * it), to an exec host by role, and running a step's command or a check on
 * it with the plan's deadline.
 */
#ifndef CARVE_REMOTE_H
#define CARVE_REMOTE_H

#include "checks.h"
#include "commands.h"

#include <pthread.h>

/* The first exec host with role, or CARVE_NONE. */
size_t remote_exec_host(const carve_plan *plan, carve_exec_role role);

/* Where machine m's commands go: itself, or the exec host via (when not
 * CARVE_NONE). */
void remote_target(const carve_plan *plan, const carve_machine *m, size_t via,
		   const char **host, uint16_t *port);

/* What a session is opened for: the run that may cancel it, and where its
 * host-key events go (a key accept-new recorded, a changed key refused:
 * carve-plan(5)), appended under lock.  audit may be NULL; a NULL
 * remote_ctx is a session nothing cancels and nothing logs. */
typedef struct {
	carve_cancel *cancel;
	carve_audit *audit;
	int64_t run;
	pthread_mutex_t *lock;
} remote_ctx;

/* A session to m (direct, as transport.account) or to the exec host that
 * asks it (via, as that host's account). */
int remote_open_machine(carve_ssh **out, const carve_plan *plan, const carve_machine *m,
			const remote_ctx *ctx);
/* A session to exec host e, as its account. */
int remote_open_exec(carve_ssh **out, const carve_plan *plan, size_t e, const remote_ctx *ctx);

/*
 * Runs command c with values on ssh within the plan's command timeout.
 * *text (appended) gets stdout decoded to UTF-8 with LF line ends.
 * Returns 0 when the script ended with exit status 0; otherwise a negative
 * code whose message is the transport error or Windows' first error line.
 * Transport errors (CARVE_ETIMEOUT, CARVE_ENET, CARVE_ECANCELED) leave the
 * session unusable.
 */
int remote_run(carve_buf *text, carve_ssh *ssh, const carve_plan *plan, carve_command c,
	       const char *const *values);

/* The same, writing secret_account's password and "\n" to the script's
 * standard input (CARVE_NONE: nothing), for a script that passes a
 * credential on (a mailbox move's -RemoteCredential, source AD calls): it
 * reads it as the first line of $input (PS_CREDENTIAL in commands.h).  The password is never part of
 * the command line.  CARVE_EAUTH when the account has no password. */
int remote_run_with(carve_buf *text, carve_ssh *ssh, const carve_plan *plan, carve_command c,
		    const char *const *values, size_t secret_account);

/* The same with the command's own deadline instead of the transport's
 * command_timeout (ADMT's, which waits for the agents it dispatches). */
int remote_run_as(carve_buf *text, carve_ssh *ssh, const carve_plan *plan, carve_command c,
		  const char *const *values, size_t secret_account, uint32_t timeout_ms);

/* Runs check c about m on ssh into res (checks.h); ctx may be NULL.
 * Returns what carve_ssh_exec returned. */
int remote_check(carve_check_result *res, carve_ssh *ssh, carve_check c,
		 const carve_plan *plan, const carve_machine *m, const check_context *ctx);

/*
 * A PowerShell kept running on a session of its own to an exec host
 * (winps.h's CARVE_PS_HOST_COMMAND) and given one script after another: on
 * a management host asking XP machines, a PowerShell start is most of what
 * a check costs, and this pays it once for many machines (issue 15).  Not
 * thread-safe: one user at a time.
 */
typedef struct remote_ps remote_ps;
/* Opens one and has it run a first script of its own; *unusable when the
 * host was reached but that script got no answer within the command
 * deadline (a host where this cannot work). */
int remote_ps_open(remote_ps **out, const carve_plan *plan, size_t exec_host,
		   const remote_ctx *ctx, bool *unusable);
/* Runs script within timeout_ms as if it were a process of its own: r's
 * out is what it wrote, and a script that failed as a whole (one that
 * does not parse) has exit status 1 and its error as r's err.  A timeout,
 * a cancel or a lost connection leaves ps unusable (remote_ps_usable):
 * free it, the process with it. */
int remote_ps_run(carve_ssh_result *r, remote_ps *ps, const char *script, uint32_t timeout_ms);
bool remote_ps_usable(const remote_ps *ps);
/* How many scripts it has run to their end. */
unsigned remote_ps_answered(const remote_ps *ps);
void remote_ps_free(remote_ps *ps);

/*
 * Runs every check in want (a bit per carve_check) about m as one
 * PowerShell script: in a new process on ssh, or (ps not NULL) on ps.
 * One start instead of one a check, or none at all with ps (on a
 * management host asking XP machines, PowerShell's start is most of what a
 * check costs).  Each check runs in its own try block between markers
 * carrying a random nonce, so what a machine answers cannot end a check's
 * section early; its section is parsed as if it had run alone (its output,
 * its error as stderr with exit 1), each result its own event as before.
 * A check the process never reached takes the process's own failure.
 * With the ping in want, the rest run only when it answered; otherwise
 * they are left as they were (not asked).
 * Returns what carve_ssh_exec (or remote_ps_run) returned.
 */
int remote_checks(carve_check_result *res, unsigned want, carve_ssh *ssh, remote_ps *ps,
		  const carve_plan *plan, const carve_machine *m, const check_context *ctx);

/* The combined script's sections (exposed for the tests): fills, for
 * check c, [out, out+out_len) and [err, err+err_len) of raw and whether it
 * ran (its end marker seen) and failed (its error marker). */
typedef struct {
	const char *out, *err;
	size_t out_len, err_len;
	bool ran, failed;
} check_section;
void remote_check_sections(check_section sections[CARVE_CHECK__COUNT], const char *raw,
			   size_t len, const char *nonce);

/* Reads the groups of the account the ADMT server runs as (the migrator)
 * into ctx (free with check_context_done).  When they cannot be read,
 * ctx->groups_unread says why and no group counts. */
void remote_migrator_groups(check_context *ctx, const carve_plan *plan, const remote_ctx *rc);
void check_context_done(check_context *ctx);

/* Whether err means the session can no longer be used. */
bool remote_session_lost(int err);

/* Splits text (LF lines) in place: calls fn for each non-blank line. */
void remote_lines(char *text, void (*fn)(char *line, void *ctx), void *ctx);

/* Splits "a|b|c" in place into at most n fields, blanks trimmed; the last
 * field keeps any further '|'.  Returns the number of fields. */
size_t remote_fields(char *line, char **f, size_t n);

#endif
