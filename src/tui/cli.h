/*
 * cli.h - the carve subcommands that run without the console: validate,
 * status, log and verify.  Each returns the process exit status.
 */
#ifndef CARVE_CLI_H
#define CARVE_CLI_H

#include "carve.h"

/* Exit statuses, documented in carve(1). */
enum {
	EXIT_DONE = 0,     /* success */
	EXIT_FAILURES = 1, /* the run worked and found failures */
	EXIT_USAGE = 2,    /* bad command line or invalid plan */
	EXIT_TAMPERED = 3, /* the audit log failed verification */
	EXIT_RUNTIME = 4,  /* a database, file or system error */
};

typedef struct {
	const char *name;
	const char *summary; /* one line for carve --help */
	const char *usage;   /* the full "usage: ..." text for CMD --help */
	int (*run)(int argc, char **argv);
} cli_command;

/* Finds a subcommand by name; NULL when there is none. */
const cli_command *cli_find(const char *name);
/* The table, ending with a NULL name. */
const cli_command *cli_commands(void);

int cli_validate(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_log(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_trust(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_inventory(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_skip(int argc, char **argv);
int cli_note(int argc, char **argv);
int cli_triage(int argc, char **argv);
int cli_teardown(int argc, char **argv);
int cli_signoff(int argc, char **argv);
int cli_report(int argc, char **argv);
/* carve [--read-only] [--db FILE] PLAN: not in the command table. */
int cli_console(int argc, char **argv);

/* Prints "carve CMD: message" and "try 'carve CMD --help'"; returns
 * EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reports what getopt_long (run with a leading ':' in optstring) returned
 * for a bad option; returns EXIT_USAGE. */
int cli_option_error(const char *cmd, int c, char **argv);

/* Prints the engine's last error as "carve: message" and returns the exit
 * status that matches err. */
int cli_engine_error(int err);

/* Loads a plan, printing every diagnostic to stderr.  Returns EXIT_DONE or
 * the exit status to return. */
int cli_load_plan(carve_plan **out, const char *path);

/*
 * Picks the audit database: the --db path if given, else the plan's.  Opens
 * it read-only into *audit; when it does not exist and missing_ok is set,
 * *audit is NULL and EXIT_DONE is returned.  *path is owned.
 */
int cli_open_audit(carve_audit **audit, char **path, const char *cmd,
		   const char *db_opt, const carve_plan *plan, bool missing_ok);

/* Opens the audit database for writing (the --db path if given, else the
 * plan's, created if missing) and begins a run described by command.
 * Returns EXIT_DONE, or the exit status after printing the error. */
int cli_begin_run(carve_audit **audit, int64_t *run, const char *db_opt,
		  const carve_plan *plan, const char *command);

/* Ends the run (a chained, sealed event) and prints the log's head, the
 * line a person keeps to prove this log later.  Call it after reporting
 * the run's own error: a failure to record the end (a full disk) is
 * reported here, and must not replace the error that caused it. */
int cli_end_run(carve_audit *audit, int64_t run);

/* A cancellation that Ctrl-C and SIGTERM fire, for a command's engine
 * calls; NULL (after printing why) when it cannot be made.  With pause not
 * NULL, *pause gets one the first Ctrl-C fires instead (start nothing new,
 * let what runs finish) and the second fires the stop.  End it with
 * cli_stop_done(). */
carve_cancel *cli_stop_on_signals(carve_cancel **pause);
void cli_stop_done(void);

/*
 * Gathers the passwords the command's work will log on with: each
 * account's password_file, then the "account:password" lines on fd (-1:
 * none; closed after), then one prompt per account still without one on
 * the terminal, without echo.  Returns EXIT_DONE, or the exit status after
 * printing why (no terminal and a password missing: EXIT_USAGE, naming
 * the account, never a password).
 */
int cli_gather_passwords(carve_plan *plan, int fd, carve_work work);
/* Parses the value of --password-fd into *fd: EXIT_DONE or EXIT_USAGE. */
int cli_password_fd(int *fd, const char *cmd, const char *arg);

/* Handles --help for a subcommand: true when argv asks for it (and the
 * usage has been printed). */
bool cli_wants_help(const cli_command *cmd, int argc, char **argv);

#endif
