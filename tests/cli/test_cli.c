/*
 * test_cli.c - the carve binary's subcommands, run for real: exit codes,
 * output formats, and the audit log read back through validate, status,
 * log and verify.
 */
#include "carve.h"
#include "support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;
static char *db;
static char *plan;

static void setup(void)
{
	tmp = t_tmpdir();
	db = t_path(tmp, "audit.db");
	plan = t_data("cli/site.yaml");
	/* The default database path lives under XDG_STATE_HOME. */
	setenv("XDG_STATE_HOME", tmp, 1);
	/* and the sealing keys under this test's directory */
	char *config = t_path(tmp, "config");
	setenv("XDG_CONFIG_HOME", config, 1);
	free(config);
}

static void teardown(void)
{
	t_rm_rf(tmp);
	free(tmp);
	free(db);
	free(plan);
}

TestSuite(cli, .init = setup, .fini = teardown);

static t_result run_carve(const char *const *argv)
{
	return t_run(argv, NULL);
}
#define CARVE(...) run_carve((const char *const[]){ CARVE_BIN, __VA_ARGS__, NULL })

/* Appends step events for the test plan straight through the engine. */
static void record(const char *chunk, const char *machine, const char *user,
		   const char *phase, const char *step, carve_status st,
		   const char *diagnosis)
{
	carve_audit *audit = NULL;
	int64_t run = 0;
	carve_event ev = CARVE_EVENT_INIT;

	cr_assert_eq(carve_audit_open(&audit, db, NULL), 0, "%s",
		     carve_error_last()->message);
	cr_assert_eq(carve_audit_run_begin(&run, audit, NULL, "test"), 0);
	ev.run = run;
	ev.actor = "engine";
	ev.chunk = chunk;
	ev.machine = machine;
	ev.user = user;
	ev.phase = phase;
	ev.step = step;
	ev.status = st;
	ev.evidence = "{\"exit\":0}";
	ev.diagnosis = diagnosis;
	cr_assert_eq(carve_audit_append(NULL, audit, &ev, 1), 0, "%s",
		     carve_error_last()->message);
	carve_audit_free(audit);
}

Test(cli, version_and_help)
{
	t_result r = CARVE("--version");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "carve " CARVE_VERSION "\n");
	t_result_done(&r);

	r = CARVE("--help");
	cr_assert_eq(r.status, 0);
	for (const char *const *c = (const char *const[]){ "validate", "status", "log",
							    "verify", NULL }; *c; c++)
		cr_assert(strstr(r.out, *c), "--help does not list %s", *c);
	t_result_done(&r);

	static const char *const cmds[] = { "validate", "status", "log", "verify" };
	for (size_t i = 0; i < 4; i++) {
		r = CARVE(cmds[i], "--help");
		cr_assert_eq(r.status, 0, "%s --help", cmds[i]);
		cr_assert(strstr(r.out, "usage: carve "), "%s --help: %s", cmds[i], r.out);
		t_result_done(&r);
	}
}

Test(cli, bad_usage_exits_2)
{
	t_result r = CARVE("frobnicate");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown command 'frobnicate'"));
	t_result_done(&r);

	r = CARVE("validate");
	cr_assert_eq(r.status, 2);
	t_result_done(&r);

	r = CARVE("status", plan, "--format", "xml");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown format 'xml'"));
	t_result_done(&r);

	r = CARVE("log", plan, "--phase", "lunch");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "no phase 'lunch'"), "%s", r.err);
	t_result_done(&r);
}

Test(cli, validate_summarises)
{
	t_result r = CARVE("validate", plan);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Test site"));
	cr_assert(strstr(r.out, "machines    4: Windows XP 1, Windows 7 1, Windows 10 2"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "wave2"));
	cr_assert(strstr(r.out, "2026-12-12T22:00:00+01:00"));
	cr_assert(strstr(r.out, "12 items (7 Exchange, 5 Active Directory"), "%s", r.out);
	/* Who carve logs on as and where each secret comes from. */
	cr_assert(strstr(r.out, "accounts    2:\n    ops              CONTOSO\\svc_targetmigrator"
			  "       password, asked once when carve starts (or --password-fd)\n"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "desk.key (no network credentials)\n"), "%s", r.out);
	cr_assert(strstr(r.out, "MGMT01 (management, 4 at once, as ops)"), "%s", r.out);
	cr_assert(strstr(r.out, "machines reached directly as desk"), "%s", r.out);
	/* The product versions the commands are made for. */
	cr_assert(strstr(r.out, "source Exchange 2010 via MRS proxy"), "%s", r.out);
	cr_assert(strstr(r.out, "(scope site)"), "%s", r.out);
	cr_assert(strstr(r.out, "ADMT 3.2, translation replace, user profiles, local groups,"
			  " user rights, running 4h at most"), "%s", r.out);
	cr_assert(strstr(r.out, "2 machines newer than Windows 7, where ADMT 3.2 cannot"
			  " translate profiles: not migrated"), "%s", r.out);
	t_result_done(&r);
}

Test(cli, invalid_plan_reports_every_error_and_writes_nothing)
{
	char *bad = t_path(tmp, "bad.yaml");
	char *text = t_read_file(plan, NULL);
	/* Two independent mistakes: an unknown OS and an unknown chunk. */
	char *p = strstr(text, "os: xp");
	memcpy(p, "os: xq", 6);
	p = strstr(text, "chunk: wave2 }\n  - { name: WS-04");
	cr_assert_not_null(p);
	memcpy(p, "chunk: wavX2", 12);
	t_write_file(bad, text);

	t_result r = CARVE("validate", bad);
	cr_assert_eq(r.status, 2);
	cr_assert_str_eq(r.out, "");
	/* Each error is FILE:LINE:COL: message, in file order. */
	char *first = strstr(r.err, ":30:");
	char *second = strstr(r.err, ":32:");
	cr_assert(first && second && first < second, "%s", r.err);
	cr_assert(strncmp(r.err, bad, strlen(bad)) == 0, "%s", r.err);

	DIR *d = opendir(tmp);
	struct dirent *e;
	while ((e = readdir(d)))
		cr_assert(e->d_name[0] == '.' || !strcmp(e->d_name, "bad.yaml"),
			  "validate wrote %s", e->d_name);
	closedir(d);
	t_result_done(&r);
	free(text);
	free(bad);
}

Test(cli, status_without_a_log_is_all_pending)
{
	t_result r = CARVE("status", plan);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "no audit log yet"));
	cr_assert(strstr(r.out, "wave1"));
	cr_assert(strstr(r.out, "0/2"), "%s", r.out);
	t_result_done(&r);
	/* status reads; it does not create the database. */
	char *def = t_path(tmp, "carve/site.db");
	struct stat st;
	cr_assert_neq(stat(def, &st), 0);
	free(def);
}

Test(cli, status_log_verify_read_the_audit_log)
{
	record("wave1", "WS-01", "anna.berg", "preflight", "hotfixes",
	       CARVE_STATUS_FAILED, "KB944043 missing");
	record("wave1", "WS-02", "bo.lind", "preflight", "hotfixes",
	       CARVE_STATUS_OK, NULL);
	record("wave2", "WS-03", "cai.wu", "preflight", "disk", CARVE_STATUS_OK, NULL);

	t_result r = CARVE("status", plan, "--db", db, "--format", "csv");
	cr_assert_eq(r.status, 1, "wave1 has a failure: %s", r.err);
	cr_assert(strstr(r.out, "wave1,2026-12-05T22:00:00Z,preflight,2,0,0,1,0,1,0,0,0\n"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "wave2,2026-12-12T22:00:00+01:00,preflight,2,1,0,1,0,0,0,0,0\n"),
		  "%s", r.out);
	t_result_done(&r);

	r = CARVE("status", plan, "--db", db);
	cr_assert_eq(r.status, 1);
	/* with how far it got, in the words the console and a run give */
	cr_assert(strstr(r.out, "wave1            cannot go ahead: 1 machine failing pre-flight"
			 " (1 of 10 done, 1 failed)"), "a verdict per chunk:\n%s", r.out);
	cr_assert(strstr(r.out, "wave2            going, nothing failed: "), "%s", r.out);
	t_result_done(&r);

	r = CARVE("status", plan, "--db", db, "--format", "json");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.out, "\"preflight\":{\"total\":2,\"pending\":0,\"running\":0,"
				"\"ok\":1,\"warn\":0,\"failed\":1"), "%s", r.out);
	t_result_done(&r);

	r = CARVE("log", plan, "--db", db, "--status", "failed");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "WS-01"));
	cr_assert(strstr(r.out, "KB944043 missing"));
	cr_assert_null(strstr(r.out, "WS-02"));
	t_result_done(&r);

	r = CARVE("log", "--db", db, "--machine", "ws-03", "--format", "json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "{\"seq\":6,"), "%s", r.out); /* each record() is a run */
	cr_assert(strstr(r.out, "\"machine\":\"WS-03\""), "%s", r.out);
	/* evidence is JSON, emitted as JSON (issue 14), not a string in a string */
	cr_assert(strstr(r.out, "\"evidence\":{\"exit\":0},"), "%s", r.out);
	t_result_done(&r);

	r = CARVE("log", plan, "--db", db, "--format", "csv", "--chunk", "wave1");
	cr_assert_eq(r.status, 0);
	cr_assert(!strncmp(r.out, "seq,time,run,actor,kind,chunk,machine,user,phase,step,"
				  "status,evidence,diagnosis\n", 80), "%s", r.out);
	cr_assert(strstr(r.out, ",\"{\"\"exit\"\":0}\","), "%s", r.out);
	cr_assert_null(strstr(r.out, "WS-03"));
	t_result_done(&r);

	r = CARVE("verify", plan, "--db", db);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "6 events, hash chain intact"), "%s", r.out);
	cr_assert(strstr(r.out, "derived     runs, state, notes and sign-offs match"), "%s",
		  r.out);
	cr_assert(strstr(r.out, "seals       every row sealed"), "%s", r.out);
	cr_assert(strstr(r.out, "head        6:"), "%s", r.out);
	cr_assert(strstr(r.out, "key         "), "%s", r.out);
	t_result_done(&r);
}

Test(cli, verify_names_an_edited_row)
{
	for (int i = 0; i < 5; i++)
		record("wave1", "WS-02", NULL, "preflight", "disk", CARVE_STATUS_OK, NULL);

	sqlite3 *h;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	/* Whoever edits the file can drop the append-only triggers too. */
	sqlite3_stmt *s;
	cr_assert_eq(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE "
				       "type='trigger'", -1, &s, NULL), SQLITE_OK);
	char drops[1024] = "";
	while (sqlite3_step(s) == SQLITE_ROW) {
		strcat(drops, "DROP TRIGGER \"");
		strcat(drops, (const char *)sqlite3_column_text(s, 0));
		strcat(drops, "\";");
	}
	sqlite3_finalize(s);
	cr_assert_eq(sqlite3_exec(h, drops, NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, "UPDATE events SET status='failed' WHERE seq=3",
				  NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);

	t_result r = CARVE("verify", "--db", db);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "FAILED"));
	cr_assert(strstr(r.out, "at row 3: "), "%s", r.out);
	t_result_done(&r);
	/* the database where the plan goes is named for what it is */
	r = CARVE("verify", db);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "is an audit database, not a plan: name it with --db"), "%s", r.err);
	t_result_done(&r);
}

/* A run that could do nothing (every restart blocked: the pre-flight has
 * not passed) is not a success. */
Test(cli, a_run_whose_steps_are_all_blocked_exits_1)
{
	const char *argv[] = { CARVE_BIN, "run", plan, "--chunk", "wave1", "--phase", "restart",
			       "--db", db, "--password-fd", "0", NULL };
	t_result r = t_run(argv, "ops:throwaway\n");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "pre-flight has not passed"), "%s", r.out);
	t_result_done(&r);
}

/* What a Windows host answered (or whoever controls one) is data: no
 * output path lets it set the title, clear the screen, switch screens,
 * reorder text with a bidi override, or hand a spreadsheet a formula. */
Test(cli, remote_text_is_shown_never_obeyed)
{
	static const char hostile[] = "\033]0;PWN\007\033[2J\033[?1049h x\xe2\x80\xae" "cod.exe"
				      "\xc2\x9b" "31m\r";
	record("wave1", "WS-01", "anna.berg", "preflight", "admin", CARVE_STATUS_FAILED, hostile);
	record("wave1", "WS-02", "bo.lind", "preflight", "admin", CARVE_STATUS_FAILED,
	       "=HYPERLINK(\"http://x\")");
	static const char *const formats[] = { "text", "csv", "json" };
	for (size_t f = 0; f < 3; f++) {
		t_result r = CARVE("log", plan, "--db", db, "--format", formats[f]);
		cr_assert_eq(r.status, 0, "%s", r.err);
		for (const char *p = r.out; *p; p++) {
			unsigned char c = (unsigned char)*p;
			bool ok = c == '\r' ? p[1] == '\n' /* CSV's line end only */
				  : c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f);
			cr_assert(ok, "%s: byte 0x%02x at %zu:\n%s", formats[f], c,
				  (size_t)(p - r.out), r.out);
		}
		cr_assert_null(strstr(r.out, "\xe2\x80\xae"), "%s: a bidi override", formats[f]);
		cr_assert_null(strstr(r.out, "\xc2\x9b"), "%s: a C1 CSI", formats[f]);
		cr_assert(strstr(r.out, "\\u001b]0;PWN\\u0007"), "%s: shown:\n%s", formats[f], r.out);
		cr_assert(strstr(r.out, "\\u202ecod.exe"), "%s:\n%s", formats[f], r.out);
		if (f == 1)
			cr_assert(strstr(r.out, ",\"'=HYPERLINK(\"\"http://x\"\")\""),
				  "a formula is neutralised:\n%s", r.out);
		t_result_done(&r);
	}
	t_result r = CARVE("status", plan, "--db", db);
	cr_assert_null(strchr(r.out, '\033'), "%s", r.out);
	t_result_done(&r);
}

/* One operator identity everywhere: with $USER unset and no terminal
 * (cron, a service), a skip is still recorded under the account's name. */
Test(cli, a_skip_is_recorded_under_the_operator_without_user)
{
	char expect[300];
	struct passwd *pw = getpwuid(getuid());

	cr_assert_not_null(pw);
	unsetenv("USER");
	t_result r = CARVE("skip", plan, "--chunk", "wave1", "--phase", "restart", "--reason",
			   "replaced on the floor", "--machine", "WS-01", "--db", db);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);
	r = CARVE("log", plan, "--db", db, "--format", "csv");
	snprintf(expect, sizeof(expect), ",%s,step,wave1,WS-01,", pw->pw_name);
	cr_assert(strstr(r.out, expect), "not by %s:\n%s", pw->pw_name, r.out);
	cr_assert_null(strstr(r.out, "unknown"), "%s", r.out);
	t_result_done(&r);
}

/* A truncated audit log is one that failed verification (3), not a
 * program that could not run (4), for every command that reads it. */
Test(cli, a_truncated_log_fails_verification)
{
	record("wave1", "WS-01", "anna.berg", "preflight", "admin", CARVE_STATUS_FAILED, "x");
	cr_assert_eq(truncate(db, 5000), 0);
	static const char *const cmds[] = { "verify", "status", "log" };
	for (size_t i = 0; i < 3; i++) {
		t_result r = CARVE(cmds[i], plan, "--db", db);
		cr_assert_eq(r.status, 3, "%s: %d %s", cmds[i], r.status, r.err);
		cr_assert(strstr(r.err, "malformed"), "%s", r.err);
		t_result_done(&r);
	}
	/* and one emptied to nothing (its -wal gone too) */
	cr_assert_eq(truncate(db, 0), 0);
	for (size_t i = 0; i < 3; i++) {
		t_result r = CARVE(cmds[i], plan, "--db", db);
		cr_assert_eq(r.status, 3, "%s: %d %s", cmds[i], r.status, r.err);
		cr_assert(strstr(r.err, "holds no log at all"), "%s", r.err);
		t_result_done(&r);
	}
}

/* Machine-readable output stays machine-readable: evidence that is JSON is
 * emitted as JSON, and evidence that is not (a tampered row) as a string,
 * never pasted raw into the document. */
static bool json_ok(const char *text)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	bool ok = false;

	cr_assert_eq(sqlite3_open(":memory:", &h), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(h, "SELECT json_valid(?1)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return ok;
}

Test(cli, json_outputs_hold_evidence_as_json)
{
	record("wave1", "WS-01", "anna.berg", "preflight", "disk", CARVE_STATUS_FAILED, "low");
	sqlite3 *h;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	/* not JSON: what an edited row could hold */
	cr_assert_eq(sqlite3_exec(h, "DROP TRIGGER events_no_update; UPDATE events SET"
				  " evidence = 'free: {12' WHERE step = 'disk'", NULL, NULL, NULL),
		     SQLITE_OK);
	sqlite3_close(h);
	record("wave1", "WS-02", "bo.lind", "preflight", "disk", CARVE_STATUS_OK, NULL);

	t_result r = CARVE("report", plan, "--db", db, "--format", "json");
	cr_assert_eq(r.status, 3, "the edit fails verification: %s", r.err);
	cr_assert(json_ok(r.out), "the report is not JSON:\n%s", r.out);
	cr_assert(strstr(r.out, "\"evidence\":\"free: {12\""), "%s", r.out);
	t_result_done(&r);

	r = CARVE("log", "--db", db, "--format", "json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert(json_ok(line), "not JSON: %s", line);
	t_result_done(&r);
}

/* A technician with a laptop records what they found, without the lead's
 * console: by machine or by its user. */
Test(cli, note_from_any_laptop)
{
	t_result r = CARVE("note", plan, "--db", db, "--machine", "ws-01", "--kind",
			   "powered off", "--text", "at the wall");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "on WS-01: powered off: at the wall"), "%s", r.out);
	t_result_done(&r);
	r = CARVE("note", plan, "--db", db, "--user", "bo.lind", "--kind", "asleep");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "on WS-02: asleep"), "%s", r.out);
	t_result_done(&r);

	r = CARVE("log", "--db", db, "--status", "warn");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "WS-01") && strstr(r.out, "powered off: at the wall"), "%s",
		  r.out);
	cr_assert(strstr(r.out, "WS-02") && strstr(r.out, "asleep"), "%s", r.out);
	t_result_done(&r);

	r = CARVE("note", plan, "--db", db, "--machine", "WS-01", "--kind", "on fire");
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--kind must be one of 'asleep', 'powered off'"), "%s", r.err);
	t_result_done(&r);
	r = CARVE("note", plan, "--db", db, "--machine", "WS-99", "--kind", "asleep");
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "no machine or user 'WS-99'"), "%s", r.err);
	t_result_done(&r);
	r = CARVE("verify", "--db", db);
	cr_assert_eq(r.status, 0, "%s", r.out);
	t_result_done(&r);
}

/* The morning after: what is failing now, by cause in the guide's order,
 * each with its fix and machines (desk, user); what was fixed since is not
 * there, unlike carve log --status failed. */
Test(cli, triage_lists_what_is_failing_now)
{
	record("wave1", "WS-02", "bo.lind", "workstations", "admt", CARVE_STATUS_FAILED,
	       "it did not join the target domain: Windows Firewall is on in the domain"
	       " profile: turn it off (ADMT's last line about it: 2026-12-02 10:11:12"
	       " ERR2:7006 Failed to change domain affiliation)");
	record("wave1", "WS-01", "anna.berg", "preflight", "ping", CARVE_STATUS_FAILED,
	       "does not answer ping: find it on the floor (asleep, off, unplugged?)");
	record("wave2", "WS-03", "cai.wu", "preflight", "disk", CARVE_STATUS_FAILED,
	       "500 MB free: free space on C:");
	record("wave2", "WS-03", "cai.wu", "preflight", "disk", CARVE_STATUS_OK, NULL);
	/* two mailboxes too big by different sizes: one cause, its fix after
	 * the bracketed limit, each named by its user's machine */
	record("wave1", NULL, "anna.berg", "mail", "move", CARVE_STATUS_FAILED,
	       "the mailbox holds 12.0 GiB, more than the target database allows (10.0 GiB):"
	       " raise the quota or move it to a larger database, then retry");
	record("wave1", NULL, "bo.lind", "mail", "move", CARVE_STATUS_FAILED,
	       "the mailbox holds 11.5 GiB, more than the target database allows (10.0 GiB):"
	       " raise the quota or move it to a larger database, then retry");

	/* a machine Windows would not answer for fails each check the same
	 * way: one cause, the machine once */
	for (int i = 0; i < 3; i++)
		record("wave1", "WS-04", "dora.sa", "preflight", i ? i == 1 ? "os" : "disk" : "nics",
		       CARVE_STATUS_FAILED, "Windows could not answer (Access is denied. (Exception"
		       " from HRESULT: 0x80070005 (E_ACCESSDENIED))): make the account carve logs"
		       " on as a local administrator there");

	t_result r = CARVE("triage", plan, "--db", db);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "5 failing; 4 causes, in the guide's order"), "%s", r.out);
	cr_assert(strstr(r.out, "preflight: Windows could not answer  (1)\n  fix: make the account"
			 " carve logs on as a local administrator there\n  WS-04 "), "%s", r.out);
	cr_assert(strstr(r.out, "mail/move: the mailbox holds ... GiB, more than the target"
			 " database allows  (2)\n  fix: raise the quota or move it to a larger"
			 " database, then retry\n  WS-01           desk A1       anna.berg"), "%s",
		  r.out);
	cr_assert(strstr(r.out, "WS-02           desk A2       bo.lind") &&
		  strstr(r.out, "the mailbox holds 11.5 GiB"), "%s", r.out);
	const char *ping = strstr(r.out, "preflight/ping: does not answer ping");
	/* the cause is the known cause that holds, not a cut of ADMT's line */
	const char *admt = strstr(r.out, "workstations/admt: it did not join the target"
				  " domain: Windows Firewall is on in the domain profile  (1)");
	cr_assert(ping && admt && ping < admt, "the pre-flight first:\n%s", r.out);
	cr_assert(strstr(r.out, "fix: turn it off (ADMT's last line about it: 2026-12-02"
			 " 10:11:12 ERR2:7006 Failed to change domain affiliation)"), "%s", r.out);
	cr_assert(strstr(r.out, "fix: find it on the floor"), "%s", r.out);
	cr_assert(strstr(r.out, "WS-01           desk A1       anna.berg"), "%s", r.out);
	cr_assert_null(strstr(r.out, "WS-03"), "fixed since, not failing now:\n%s", r.out);
	t_result_done(&r);

	r = CARVE("triage", plan, "--db", db, "--chunk", "wave1", "--format", "csv");
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.out, "cause,fix,chunk,object,machine,desk,user,status,time,diagnosis,"
				"evidence\r\n"), "%s", r.out);
	cr_assert(strstr(r.out, ",wave1,WS-02,WS-02,A2,bo.lind,failed,20"), "%s", r.out);
	cr_assert(strstr(r.out, ",wave1,bo.lind,WS-02,A2,bo.lind,failed,"), "%s", r.out);
	t_result_done(&r);

	r = CARVE("triage", plan, "--db", db, "--format", "json");
	/* the time as the log keeps it, for a script */
	cr_assert(strstr(r.out, "\"time\":\"20") && strstr(r.out, "Z\",\"diagnosis\""), "%s",
		  r.out);
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert(json_ok(line), "not JSON: %s", line);
	t_result_done(&r);

	r = CARVE("triage", plan, "--db", db, "--chunk", "wave2");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "nothing is failing in wave2"), "%s", r.out);
	t_result_done(&r);
}

/* A machine skipped for the rest of the chunk, in one action: every phase
 * it has left, and its user's; what is done stays done. */
Test(cli, skip_a_machine_for_the_rest_of_the_chunk)
{
	record("wave1", "WS-01", "anna.berg", "restart", "restart", CARVE_STATUS_OK, NULL);
	record("wave1", "WS-01", "anna.berg", "preflight", "disk", CARVE_STATUS_FAILED,
	       "only 0.4 GiB free on drive C (ADMT needs 1.0 GiB): free up disk space");
	t_result r = CARVE("skip", plan, "--db", db, "--chunk", "wave1", "--phase", "all",
			   "--machine", "WS-01", "--reason", "user on leave");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "skipped the rest of wave1"), "%s", r.out);
	t_result_done(&r);
	r = CARVE("log", "--db", db, "--status", "skipped", "--format", "csv");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ",WS-01,anna.berg,workstations,admt,skipped,"), "%s", r.out);
	cr_assert(strstr(r.out, ",WS-01,anna.berg,clients,outlook,skipped,"), "%s", r.out);
	cr_assert(strstr(r.out, ",,anna.berg,mail,move,skipped,"), "its user's move:\n%s", r.out);
	cr_assert_null(strstr(r.out, ",restart,restart,"), "a done restart re-skipped:\n%s", r.out);
	cr_assert_null(strstr(r.out, "WS-02"), "another machine skipped:\n%s", r.out);
	/* its failed check goes with it: the chunk is not held back by it */
	cr_assert(strstr(r.out, ",WS-01,anna.berg,preflight,disk,skipped,"), "%s", r.out);
	t_result_done(&r);
	r = CARVE("status", plan, "--db", db);
	cr_assert_null(strstr(r.out, "failing pre-flight"), "%s", r.out);
	t_result_done(&r);
	/* the report's CSV and JSON carry every skip with its reason, as the
	 * HTML does */
	r = CARVE("report", plan, "--db", db, "--format", "csv");
	cr_assert(strstr(r.out, "\r\nskip,wave1,workstations,WS-01,admt,skipped,,,") &&
		  strstr(r.out, "user on leave"), "%s", r.out);
	t_result_done(&r);
	r = CARVE("report", plan, "--db", db, "--format", "json");
	cr_assert(json_ok(r.out), "%s", r.out);
	cr_assert(strstr(r.out, "\"skips\":[") && strstr(r.out, "\"diagnosis\":\"user on leave\""),
		  "%s", r.out);
	t_result_done(&r);
}

/* --since takes the room's time: a time without a zone is local (TZ), one
 * with Z or an offset is what it says; the log keeps UTC. */
Test(cli, since_takes_local_time)
{
	record("wave1", "WS-01", "anna.berg", "preflight", "ping", CARVE_STATUS_OK, NULL);
	time_t now = time(NULL);
	struct tm tm;
	char local_before[32], local_after[32];
	/* an hour ahead of UTC (a POSIX TZ: no tzdata needed) */
	setenv("TZ", "CET-1", 1);
	tzset();
	time_t before = now - 60, after = now + 600;
	localtime_r(&before, &tm);
	strftime(local_before, sizeof(local_before), "%Y-%m-%dT%H:%M", &tm);
	localtime_r(&after, &tm);
	strftime(local_after, sizeof(local_after), "%Y-%m-%dT%H:%M", &tm);

	t_result r = CARVE("log", "--db", db, "--since", local_before);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "WS-01"), "%s: the event is after it, in CET:\n%s", local_before,
		  r.out);
	t_result_done(&r);
	r = CARVE("log", "--db", db, "--since", local_after);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "no events match"), "%s is later:\n%s", local_after, r.out);
	t_result_done(&r);
	unsetenv("TZ");
	tzset();
}

/* What the floor noted reaches the morning after: a machine powered off
 * is in triage until a later note says it was fixed. */
Test(cli, floor_notes_stand_in_triage_until_fixed)
{
	t_result r = CARVE("note", plan, "--db", db, "--machine", "WS-03", "--kind",
			   "powered off", "--text", "at the wall");
	cr_assert_eq(r.status, 0, "%s", r.err);
	t_result_done(&r);
	r = CARVE("triage", plan, "--db", db);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.out, "0 failing, 1 reported from the floor"), "%s", r.out);
	cr_assert(strstr(r.out, "floor noted: powered off  (1)") && strstr(r.out, "WS-03"), "%s",
		  r.out);
	/* what was noted is not a fix */
	cr_assert_null(strstr(r.out, "fix:"), "%s", r.out);
	cr_assert(strstr(r.out, "powered off: at the wall (noted by "), "%s", r.out);
	t_result_done(&r);
	r = CARVE("note", plan, "--db", db, "--machine", "WS-03", "--kind", "fixed");
	cr_assert_eq(r.status, 0, "%s", r.err);
	t_result_done(&r);
	r = CARVE("triage", plan, "--db", db);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "nothing is failing"), "%s", r.out);
	t_result_done(&r);
}
