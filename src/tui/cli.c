/*
 * cli.c - what the subcommands share: the command table, usage errors,
 * engine errors, loading the plan and opening the audit log.
 */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const cli_command commands[] = {
	{ "validate", "check a site plan and summarise it",
	  "usage: carve validate [-q] PLAN\n"
	  "\n"
	  "Checks the site plan and prints a one-screen summary.  Every problem is\n"
	  "reported as FILE:LINE:COL: message; nothing is written.\n"
	  "\n"
	  "  -q, --quiet   print nothing on success\n"
	  "\n"
	  "Exit status: 0 valid, 2 invalid.\n",
	  cli_validate },
	{ "status", "show the chunk x phase grid from the audit log",
	  "usage: carve status PLAN [--db FILE] [--format text|csv|json]\n"
	  "\n"
	  "Counts every chunk's machines (users, for mail) by status in each phase,\n"
	  "from the audit log.  Without a log everything is pending; status never\n"
	  "creates one.\n"
	  "\n"
	  "  --db FILE      the audit database (default: the plan's)\n"
	  "  --format FMT   text (default), csv or json\n"
	  "\n"
	  "Exit status: 0, or 1 when any chunk has a failed or interrupted object.\n",
	  cli_status },
	{ "log", "list audit events, filtered",
	  "usage: carve log (PLAN | --db FILE) [filters] [--format text|csv|json]\n"
	  "\n"
	  "Prints the audit log's events in order.\n"
	  "\n"
	  "  --db FILE        the audit database (default: the plan's)\n"
	  "  --chunk NAME     only this chunk\n"
	  "  --machine NAME   only this machine (case ignored)\n"
	  "  --phase NAME     inventory, preflight, restart, workstations, mail,\n"
	  "                   clients or teardown\n"
	  "  --status NAME    pending, running, ok, warn, failed, blocked, skipped\n"
	  "                   or interrupted\n"
	  "  --since TIME     events at or after TIME: 2026-12-04, 2026-12-04T22:30\n"
	  "                   (local time), or with Z or an offset (...+01:00)\n"
	  "  --limit N        at most N events\n"
	  "  --format FMT     text (default), csv or json (one object per line)\n",
	  cli_log },
	{ "triage", "what is still failing, grouped by cause, with each fix",
	  "usage: carve triage PLAN [--chunk C] [--db FILE] [--format text|csv|json]\n"
	  "\n"
	  "Lists what is failing now (not what failed and was fixed since): every\n"
	  "failed or interrupted step and what users reported on the floor, grouped\n"
	  "by cause in the guide's order (the pre-flight's checks, ADMT's causes in\n"
	  "order of likelihood, the mail moves'), each cause with its fix and its\n"
	  "machines or users: desk on the floor map, user, chunk, time, evidence.\n"
	  "\n"
	  "  --chunk C      only chunk C's\n"
	  "  --db FILE      the audit database (default: the plan's)\n"
	  "  --format FMT   text (default), csv or json (one object per failure)\n"
	  "\n"
	  "Exit status: 0 nothing failing, 1 something is.\n",
	  cli_triage },
	{ "verify", "prove the audit log is the one carve wrote",
	  "usage: carve verify (PLAN | --db FILE) [--verify-key KEY] [--head SEQ:HASH]\n"
	  "\n"
	  "Runs SQLite's integrity check, walks the hash chain over every event,\n"
	  "rebuilds the runs, state, notes and sign-offs from the events and compares,\n"
	  "checks every seal against the verification key, and that the head carve\n"
	  "last sealed here is still in the log; with a PLAN, that its known-hosts\n"
	  "file holds the keys the log recorded.  Names the first row that does not\n"
	  "match; prints the head and the verification key to keep.\n"
	  "\n"
	  "  --db FILE          the audit database (default: the plan's)\n"
	  "  --verify-key KEY   the verification key you kept (ROOT/START/SECONDS),\n"
	  "                     instead of this machine's key file\n"
	  "  --head SEQ:HASH    prove a head recorded earlier is still in the log\n"
	  "\n"
	  "Exit status: 0 intact, 3 tampered, damaged or unprovable, 4 unreadable.\n",
	  cli_verify },
	{ "check", "run the pre-flight checks and log every result",
	  "usage: carve check PLAN [--chunk C] [--machine M]... [--fix] [--db FILE]\n"
	  "                   [--password-fd N]\n"
	  "\n"
	  "Runs the pre-flight on the chunk's machines (default: every machine):\n"
	  "ping, the Windows version (as the plan says; past Windows 7 ADMT 3.2\n"
	  "cannot translate profiles), free disk, XP hotfixes, the migrator in local\n"
	  "Administrators, wireless and secondary adapters, the firewall, and the\n"
	  "Remote Registry, Server, Workstation and Netlogon services.  Every result\n"
	  "goes to the audit log; the summary counts each check's outcomes and lists\n"
	  "every machine that is not ready with the cause and the fix.  Ctrl-C stops\n"
	  "at once; unfinished checks are recorded as interrupted.\n"
	  "\n"
	  "  --chunk C      only chunk C\n"
	  "  --machine M    only machine M (repeat for more)\n"
	  "  --fix          apply the known fix to each failed check, then check it\n"
	  "                 again: start the services (and set them automatic),\n"
	  "                 disable wireless and secondary adapters, turn the\n"
	  "                 firewall off in every profile, add the migrator to local\n"
	  "                 Administrators, install missing hotfixes from\n"
	  "                 policy.hotfix_packages.  Each fix is logged with the\n"
	  "                 evidence before and after; none runs on a machine whose\n"
	  "                 workstation migration has started.\n"
	  "  --db FILE      the audit database (default: the plan's)\n"
	  "  --password-fd N  read account:password lines from descriptor N; the\n"
	  "                 passwords still missing are asked for on the terminal\n"
	  "\n"
	  "Exit status: 0 every machine ready, 1 some are not, 2 bad usage or a\n"
	  "password missing with no terminal to ask on, 4 could not run.\n",
	  cli_check },
	{ "inventory", "reconcile the plan with the physical inventory",
	  "usage: carve inventory PLAN --physical FILE.csv [--chunk C] [--db FILE]\n"
	  "\n"
	  "Compares the plan's machines (of chunk C, or all) with what the\n"
	  "technician found on the floor.  The CSV has a header row naming the\n"
	  "columns machine and floor, and desk (a label drawn on that floor's map)\n"
	  "or x and y (0-based column and row); other columns are ignored.\n"
	  "Machines missing, extra, or found elsewhere are printed and every\n"
	  "machine's outcome is logged (phase inventory).\n"
	  "\n"
	  "Exit status: 0 everything where the plan says, 1 findings, 2 bad usage\n"
	  "or a malformed file (every problem as FILE:LINE:COL).\n",
	  cli_inventory },
	{ "trust", "fetch hosts' SSH keys and record them after you confirm",
	  "usage: carve trust PLAN [--chunk C | HOST...] [--yes] [--db FILE]\n"
	  "\n"
	  "Connects to each host (no login), shows its key's SHA-256 fingerprint,\n"
	  "and records the new ones in carve's known-hosts file (transport.known_hosts,\n"
	  "else ~/.config/carve/known_hosts) after you confirm.  A key that does not\n"
	  "match the file is never replaced: it is reported and written to the audit\n"
	  "log.  Without HOST or --chunk: every exec host and every machine reached\n"
	  "over SSH.\n"
	  "\n"
	  "  --chunk C   the exec hosts and chunk C's machines\n"
	  "  HOST...     machine or exec host names from the plan\n"
	  "  -y, --yes   record new keys without asking\n"
	  "  --db FILE   the audit database for changed keys (default: the plan's)\n"
	  "\n"
	  "Exit status: 0 every key known or recorded, 1 a key changed, a host was\n"
	  "unreachable or you declined, 2 bad usage.\n",
	  cli_trust },
	{ "run", "drive a chunk through the migration phases",
	  "usage: carve run PLAN --chunk C [--phase P] [--retry-failed]\n"
	  "                 [--machine M]... [--user U]... [--db FILE] [--password-fd N]\n"
	  "\n"
	  "Takes chunk C through pre-flight (machines not yet checked), restart,\n"
	  "workstations (ADMT), mail (mailbox moves) and clients (Outlook 2003,\n"
	  "logons, ActiveSync), from where the audit log says it is: run it again to\n"
	  "continue.  Steps a stopped or killed carve left running are checked on the\n"
	  "machines first, so nothing with side effects is done twice.  Each outcome\n"
	  "is printed as it is logged; at the end, the counts per phase and every\n"
	  "failure with its diagnosis.  Ctrl-C pauses: what is running finishes,\n"
	  "nothing new starts (run it again to resume); a second Ctrl-C stops at once.\n"
	  "\n"
	  "  --chunk C        the chunk (required)\n"
	  "  --phase P        only phase P: preflight, restart, workstations, mail or\n"
	  "                   clients (default: all, in that order)\n"
	  "  --retry-failed   run failed steps again (otherwise they stay failed)\n"
	  "  --machine M      only machine M and its user (repeat for more)\n"
	  "  --user U         only user U and their machine (repeat for more)\n"
	  "  --db FILE        the audit database (default: the plan's)\n"
	  "  --password-fd N  read account:password lines from descriptor N; the\n"
	  "                   passwords still missing are asked for on the terminal\n"
	  "\n"
	  "Exit status: 0 nothing failed, 1 something failed or the run was\n"
	  "stopped, 2 bad usage or a password missing with no terminal, 4 could\n"
	  "not run (another carve runs steps on the same database, the database\n"
	  "cannot be written).\n",
	  cli_run },
	{ "skip", "record a phase as skipped, with the reason",
	  "usage: carve skip PLAN --chunk C --phase P --reason TEXT\n"
	  "                  [--machine M]... [--user U]... [--db FILE]\n"
	  "\n"
	  "Records the phase's steps that are not done as skipped by you, with the\n"
	  "reason, for the chunk or only the named machines and users.  carve run\n"
	  "then leaves them, a run already going too (it asks the log again before\n"
	  "each step acts).  A skipped restart lets the workstation migrate anyway;\n"
	  "other skipped steps block what depends on them.  --phase all skips the\n"
	  "rest of the chunk: every phase a named machine has left, and its user's;\n"
	  "the next run leaves them alone.\n"
	  "\n"
	  "  --phase P       restart, workstations, mail, clients or all\n"
	  "  --reason TEXT   why (required; it goes to the audit log)\n",
	  cli_skip },
	{ "note", "record what the floor found at a machine, from any laptop",
	  "usage: carve note PLAN (--machine M | --user U) --kind KIND [--text TEXT]\n"
	  "                  [--db FILE]\n"
	  "\n"
	  "Records a floor note about the machine (or the machine of the user named)\n"
	  "by you, as the console's n does: triage and the floor map show it.  It\n"
	  "runs no step.\n"
	  "\n"
	  "  --kind KIND   asleep, 'powered off', fixed, missing, moved, 'cannot log\n"
	  "                on', 'application lost its settings' or other\n"
	  "  --text TEXT   what you found (at most 256 characters)\n",
	  cli_note },
	{ "teardown", "check and show the end-of-coexistence checklist",
	  "usage: carve teardown PLAN [--db FILE] [--password-fd N]\n"
	  "\n"
	  "Verifies the checklist items carve can check and records each result: no\n"
	  "outstanding mailbox and every workstation migrated (from the audit log),\n"
	  "no computer the plan does not know logged on to the source domain within\n"
	  "policy.active_within_days (read from the ADMT server with the source\n"
	  "account's credentials, so their passwords are asked for first), the MX and\n"
	  "autodiscover records of mail.smtp_domain (asked of mail.resolver).  Then\n"
	  "prints the seed's checklist, Exchange first, with each item's state, what\n"
	  "is wrong, or who signed it off and when.\n"
	  "\n"
	  "  --password-fd N  read account:password lines from descriptor N\n"
	  "\n"
	  "Exit status: 0 every item done, 1 items open, 2 bad usage.\n",
	  cli_teardown },
	{ "signoff", "record a person's sign-off",
	  "usage: carve signoff PLAN (--item ID | --user U --step activesync)\n"
	  "                     [--who NAME] [--note TEXT] [--db FILE]\n"
	  "\n"
	  "Records that a person did and checked a teardown item (trust removed,\n"
	  "forwarders removed, ...) or re-pointed a user's ActiveSync device.  An\n"
	  "item carve verifies can be signed off only after its verification passed.\n"
	  "\n"
	  "  --item ID     a teardown item of the plan (carve teardown lists them)\n"
	  "  --user U      with --step activesync: U's device was re-pointed\n"
	  "  --who NAME    who signs (default: your login name)\n"
	  "  --note TEXT   a remark kept with the sign-off\n"
	  "\n"
	  "Exit status: 0 recorded, 1 refused (the item's verification fails),\n"
	  "2 bad usage.\n",
	  cli_signoff },
	{ "report", "write the migration's report: html, csv or json",
	  "usage: carve report PLAN [--format html|csv|json] [--out FILE] [--db FILE]\n"
	  "\n"
	  "Writes, from the audit log: the counts and durations of every chunk and\n"
	  "phase, every failure with its diagnosis and evidence, each machine's worst\n"
	  "status (as SVG floor maps in HTML, with the glyphs drawn too), the teardown\n"
	  "checklist and ActiveSync devices with who signed what, and the result of\n"
	  "verifying the hash chain.  The HTML is one file that fetches nothing.\n"
	  "\n"
	  "  --format FMT   html (default), csv (one record per row) or json\n"
	  "  --out FILE     write there instead of to standard output\n"
	  "  --db FILE      the audit database (default: the plan's)\n"
	  "\n"
	  "Exit status: 0 written, 3 written but the audit log failed verification,\n"
	  "2 bad usage, 4 could not be written.\n",
	  cli_report },
	{ NULL, NULL, NULL, NULL },
};

const cli_command *cli_find(const char *name)
{
	for (const cli_command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const cli_command *cli_commands(void)
{
	return commands;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "carve %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'carve %s --help'\n", cmd);
	return EXIT_USAGE;
}

int cli_option_error(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	if (optopt)
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_engine_error(int err)
{
	fprintf(stderr, "carve: %s\n", carve_error_last()->message);
	switch (err) {
	case CARVE_EINVALID:
	case CARVE_ENOTFOUND:
		return EXIT_USAGE;
	case CARVE_ETAMPERED:
		return EXIT_TAMPERED;
	default:
		return EXIT_RUNTIME;
	}
}

/* Whether path is an SQLite database (its header string, SQLite's file
 * format section 1.3.1): an audit log named where a plan goes. */
static bool is_database(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	struct stat st;
	/* only a regular file is opened here: a FIFO would block (the plan
	 * loader refuses it with its own words) */
	FILE *f = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? fopen(path, "rbe") : NULL;
	bool yes = f && fread(head, 1, sizeof(head), f) == sizeof(head) &&
		   !memcmp(head, magic, sizeof(magic));

	if (f)
		fclose(f);
	return yes;
}

int cli_load_plan(carve_plan **out, const char *path)
{
	carve_diags *diags = NULL;

	*out = NULL;
	if (is_database(path)) {
		fprintf(stderr, "carve: %s is an audit database, not a plan: name it with --db"
			" FILE (and the plan, where the command needs one)\n", path);
		return EXIT_USAGE;
	}
	int err = carve_plan_load(out, &diags, path);

	size_t n = carve_diags_count(diags);

	for (size_t i = 0; i < n; i++) {
		const carve_diag *d = carve_diags_get(diags, i);
		fprintf(stderr, "%s:%u:%u: %s\n", d->file, d->line, d->col, d->message);
	}
	carve_diags_free(diags);
	if (err == CARVE_EINVALID && n > 0)
		return EXIT_USAGE;
	return err < 0 ? cli_engine_error(err) : EXIT_DONE;
}

int cli_open_audit(carve_audit **audit, char **path, const char *cmd,
		   const char *db_opt, const carve_plan *plan, bool missing_ok)
{
	carve_audit_options opts = CARVE_AUDIT_OPTIONS_INIT;
	int err;

	*audit = NULL;
	if (db_opt)
		*path = strdup(db_opt);
	else if (plan)
		*path = carve_audit_default_path(plan);
	else
		return cli_usage_error(cmd, "name a PLAN or an audit database (--db FILE)");
	if (!*path) {
		fprintf(stderr, "carve: out of memory\n");
		return EXIT_RUNTIME;
	}
	opts.read_only = true;
	err = carve_audit_open(audit, *path, &opts);
	if (err == CARVE_ENOTFOUND && missing_ok)
		return EXIT_DONE;
	if (err == CARVE_ENOTFOUND) {
		fprintf(stderr, "carve: no audit log at %s (nothing has run yet?)\n", *path);
		return EXIT_RUNTIME;
	}
	return err < 0 ? cli_engine_error(err) : EXIT_DONE;
}

int cli_begin_run(carve_audit **audit, int64_t *run, const char *db_opt,
		  const carve_plan *plan, const char *command)
{
	char *path = db_opt ? strdup(db_opt) : carve_audit_default_path(plan);
	int err;

	*audit = NULL;
	*run = 0;
	if (!path)
		return cli_engine_error(CARVE_ENOMEM);
	if ((err = carve_audit_open(audit, path, NULL)) == 0 &&
	    (err = carve_audit_run_begin(run, *audit, plan, command)) < 0) {
		carve_audit_free(*audit);
		*audit = NULL;
	}
	free(path);
	return err < 0 ? cli_engine_error(err) : EXIT_DONE;
}

int cli_end_run(carve_audit *audit, int64_t run)
{
	char hash[65];
	int64_t seq = 0;
	int err = carve_audit_run_end(audit, run);

	if (err < 0) {
		fprintf(stderr, "carve: the end of this run is not in the audit log: %s\n",
			carve_error_last()->message);
		return err;
	}
	if (carve_audit_head(&seq, hash, audit) == 0 && seq)
		printf("audit log head %lld:%s (keep it: carve verify --head proves the"
		       " log still holds it)\n", (long long)seq, hash);
	return 0;
}

bool cli_wants_help(const cli_command *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(cmd->usage, stdout);
			return true;
		}
	}
	return false;
}

static carve_cancel *stop, *pausing_on;

static void on_interrupt(int sig)
{
	static const char pausing[] = "\ncarve: pausing: what is running finishes, nothing new"
				      " starts (Ctrl-C again to stop now)\n";

	/* Only writes to pipes and to stderr: safe here. */
	if (sig == SIGINT && pausing_on && !carve_cancel_fired(pausing_on)) {
		carve_cancel_fire(pausing_on);
		if (write(2, pausing, sizeof(pausing) - 1) < 0)
			return;
		return;
	}
	carve_cancel_fire(stop);
}

carve_cancel *cli_stop_on_signals(carve_cancel **pause_out)
{
	int err = carve_cancel_new(&stop);

	if (err == 0 && pause_out && (err = carve_cancel_new(&pausing_on)) == 0)
		*pause_out = pausing_on;
	if (err < 0) {
		cli_engine_error(err);
		cli_stop_done();
		return NULL;
	}
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	return stop;
}

void cli_stop_done(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	carve_cancel_free(stop);
	carve_cancel_free(pausing_on);
	stop = pausing_on = NULL;
}
