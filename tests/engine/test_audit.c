/*
 * test_audit.c - the audit log: appending, reading back, runs, the derived
 * tables and views, and the append-only triggers.
 */
#include "audit_internal.h" /* a handle's connection, to leave a read open */
#include "audit_test.h"

#include <time.h>
#include <unistd.h>

/* A copy of the rows a query returned. */
typedef struct {
	size_t n;
	struct {
		int64_t seq, run;
		carve_status status;
		char *time, *actor, *kind, *chunk, *machine, *user, *phase, *step,
			*status_text, *evidence, *diagnosis;
	} row[256];
} rows;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect(const carve_event_row *r, void *ctx)
{
	rows *out = ctx;

	cr_assert_lt(out->n, 256);
	__typeof__(out->row[0]) *o = &out->row[out->n++];
	o->seq = r->seq;
	o->run = r->run;
	o->status = r->ev.status;
	o->time = dup_or_null(r->time);
	o->actor = dup_or_null(r->ev.actor);
	o->kind = dup_or_null(r->ev.kind);
	o->chunk = dup_or_null(r->ev.chunk);
	o->machine = dup_or_null(r->ev.machine);
	o->user = dup_or_null(r->ev.user);
	o->phase = dup_or_null(r->ev.phase);
	o->step = dup_or_null(r->ev.step);
	o->status_text = dup_or_null(r->status_text);
	o->evidence = dup_or_null(r->ev.evidence);
	o->diagnosis = dup_or_null(r->ev.diagnosis);
	cr_assert_eq(r->ev.run, r->run);
	return 0;
}

/* Frees the rows and r itself. */
static void rows_free(rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->row[i].time);
		free(r->row[i].actor);
		free(r->row[i].kind);
		free(r->row[i].chunk);
		free(r->row[i].machine);
		free(r->row[i].user);
		free(r->row[i].phase);
		free(r->row[i].step);
		free(r->row[i].status_text);
		free(r->row[i].evidence);
		free(r->row[i].diagnosis);
	}
	free(r);
}

static rows *query(carve_audit *audit, const carve_log_filter *f)
{
	rows *r = calloc(1, sizeof(*r));

	cr_assert_not_null(r);
	cr_assert_eq(carve_audit_query(audit, f, collect, r), 0, "query: %s",
		     carve_error_last()->message);
	return r;
}

TestSuite(audit, .init = at_setup, .fini = at_teardown);

Test(audit, append_and_read_back_every_field)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "check --chunk wave1"), first = 0;
	carve_event ev[2] = { CARVE_EVENT_INIT, CARVE_EVENT_INIT };

	ev[0].run = run;
	ev[0].actor = "engine";
	ev[0].kind = "step";
	ev[0].chunk = "wave1";
	ev[0].machine = "WS-0001";
	ev[0].user = "jsmith";
	ev[0].phase = "preflight";
	ev[0].step = "disk";
	ev[0].status = CARVE_STATUS_FAILED;
	ev[0].evidence = "{\"free\":524288000,\"need\":1073741824}";
	ev[0].diagnosis = "500 MB free; ADMT needs 1 GB: free space on C:";
	ev[1].kind = NULL; /* every string absent, no run */
	ev[1].status = CARVE_STATUS_INTERRUPTED;
	cr_assert_eq(carve_audit_append(&first, audit, ev, 2), 0, "%s",
		     carve_error_last()->message);
	cr_assert_eq(first, 2, "row 1 is the run's start");
	cr_assert_eq(carve_audit_append(&first, audit, ev, 1), 0);
	cr_assert_eq(first, 4);

	rows *r = query(audit, NULL);
	cr_assert_eq(r->n, 4);
	/* the run's start is in the chain, with the hash of its record */
	cr_assert_str_eq(r->row[0].kind, "run");
	cr_assert_str_eq(r->row[0].step, "start");
	cr_assert_eq(r->row[0].run, run);
	cr_assert_eq(r->row[0].status, CARVE_STATUS_RUNNING);
	cr_assert_not_null(strstr(r->row[0].evidence, "\"run_hash\":\""));
	cr_assert_eq(r->row[1].seq, 2);
	cr_assert_eq(r->row[1].run, run);
	cr_assert_str_eq(r->row[1].actor, "engine");
	cr_assert_str_eq(r->row[1].kind, "step");
	cr_assert_str_eq(r->row[1].chunk, "wave1");
	cr_assert_str_eq(r->row[1].machine, "WS-0001");
	cr_assert_str_eq(r->row[1].user, "jsmith");
	cr_assert_str_eq(r->row[1].phase, "preflight");
	cr_assert_str_eq(r->row[1].step, "disk");
	cr_assert_eq(r->row[1].status, CARVE_STATUS_FAILED);
	cr_assert_str_eq(r->row[1].status_text, "failed");
	cr_assert_str_eq(r->row[1].evidence, ev[0].evidence);
	cr_assert_str_eq(r->row[1].diagnosis, ev[0].diagnosis);
	/* 2026-11-23T19:18:18.123Z */
	cr_assert_eq(strlen(r->row[1].time), 24, "%s", r->row[1].time);
	cr_assert_eq(r->row[1].time[10], 'T');
	cr_assert_eq(r->row[1].time[23], 'Z');

	cr_assert_eq(r->row[2].seq, 3);
	cr_assert_eq(r->row[2].run, 0);
	cr_assert_null(r->row[2].actor);
	cr_assert_null(r->row[2].kind);
	cr_assert_null(r->row[2].machine);
	cr_assert_null(r->row[2].evidence);
	cr_assert_eq(r->row[2].status, CARVE_STATUS_INTERRUPTED);
	cr_assert_str_eq(r->row[2].time, r->row[1].time, "one batch, one time");

	cr_assert_eq(r->row[3].seq, 4);
	cr_assert_str_eq(r->row[3].step, "disk");
	rows_free(r);
	carve_audit_free(audit);
}

Test(audit, events_survive_reopening_in_order)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run");

	for (int i = 0; i < 20; i++) {
		char step[16];
		snprintf(step, sizeof(step), "s%02d", i);
		carve_event ev = at_step(run, "wave1", "WS-1", "preflight", step,
					 CARVE_STATUS_OK);
		at_append(audit, &ev, 1);
	}
	carve_audit_free(audit);

	audit = at_open_ro(at_db);
	rows *r = query(audit, NULL);
	cr_assert_eq(r->n, 21, "the run's start and 20 steps");
	for (size_t i = 0; i < r->n; i++)
		cr_assert_eq(r->row[i].seq, (int64_t)i + 1);
	cr_assert_str_eq(r->row[20].step, "s19");
	rows_free(r);
	carve_audit_free(audit);
}

static void fill_for_filters(carve_audit *audit, int64_t run)
{
	carve_event ev[] = {
		at_step(run, "wave1", "WS-0001", "preflight", "ping", CARVE_STATUS_OK),
		at_step(run, "wave1", "WS-0001", "preflight", "disk", CARVE_STATUS_FAILED),
		at_step(run, "wave1", "WS-0002", "preflight", "ping", CARVE_STATUS_OK),
		at_step(run, "wave2", "WS-0100", "preflight", "ping", CARVE_STATUS_FAILED),
		at_step(run, "wave2", "WS-0100", "restart", "down", CARVE_STATUS_OK),
	};
	at_append(audit, ev, sizeof(ev) / sizeof(ev[0]));
}

Test(audit, filters)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run");
	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	rows *r;

	fill_for_filters(audit, run);

	f.machine = "ws-0001"; /* NetBIOS names ignore case */
	r = query(audit, &f);
	cr_assert_eq(r->n, 2);
	cr_assert_str_eq(r->row[0].step, "ping");
	cr_assert_str_eq(r->row[1].step, "disk");
	rows_free(r);

	f = (carve_log_filter)CARVE_LOG_FILTER_INIT;
	f.chunk = "wave2";
	r = query(audit, &f);
	cr_assert_eq(r->n, 2);
	cr_assert_str_eq(r->row[0].machine, "WS-0100");
	rows_free(r);

	f = (carve_log_filter)CARVE_LOG_FILTER_INIT;
	f.phase = "preflight";
	f.status = "failed";
	r = query(audit, &f);
	cr_assert_eq(r->n, 2);
	cr_assert_str_eq(r->row[0].machine, "WS-0001");
	cr_assert_str_eq(r->row[1].machine, "WS-0100");
	rows_free(r);

	f = (carve_log_filter)CARVE_LOG_FILTER_INIT;
	f.after_seq = 2; /* 1 is the run's start */
	r = query(audit, &f);
	cr_assert_eq(r->n, 4);
	cr_assert_eq(r->row[0].seq, 3);
	rows_free(r);

	f.limit = 2;
	r = query(audit, &f);
	cr_assert_eq(r->n, 2);
	cr_assert_eq(r->row[0].seq, 3);
	cr_assert_eq(r->row[1].seq, 4);
	rows_free(r);

	f = (carve_log_filter)CARVE_LOG_FILTER_INIT;
	f.machine = "WS-9999";
	r = query(audit, &f);
	cr_assert_eq(r->n, 0);
	rows_free(r);
	carve_audit_free(audit);
}

/* time + hours as RFC 3339 with a +HH:00 offset, the same instant. */
static void with_offset(char out[40], const char *utc, int hours)
{
	struct tm tm = { 0 };

	cr_assert_eq(sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
			    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm) + hours * 3600;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, "%.4s+%02d:00", utc + 19, hours);
}

Test(audit, since_filter)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run");
	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	carve_event early = at_step(run, "wave1", "WS-1", "preflight", "early", CARVE_STATUS_OK);
	carve_event late = at_step(run, "wave1", "WS-1", "preflight", "late", CARVE_STATUS_OK);
	char since[40];
	rows *r;

	at_append(audit, &early, 1);
	usleep(30 * 1000);
	at_append(audit, &late, 1);
	f.after_seq = 2; /* the run's start, then early */
	r = query(audit, &f);
	cr_assert_eq(r->n, 1);
	char *late_time = strdup(r->row[0].time);
	rows_free(r);

	f = (carve_log_filter)CARVE_LOG_FILTER_INIT;
	f.since = late_time; /* the full time: that event and later */
	r = query(audit, &f);
	cr_assert_eq(r->n, 1);
	cr_assert_str_eq(r->row[0].step, "late");
	rows_free(r);

	with_offset(since, late_time, 2); /* the same instant two hours east */
	f.since = since;
	r = query(audit, &f);
	cr_assert_eq(r->n, 1, "since %s", since);
	cr_assert_str_eq(r->row[0].step, "late");
	rows_free(r);

	f.since = "2000-01-01"; /* a date: everything from then */
	r = query(audit, &f);
	cr_assert_eq(r->n, 3, "the run's start, early and late");
	rows_free(r);

	f.since = "2999-12-31 23:59"; /* ' ' for 'T' */
	r = query(audit, &f);
	cr_assert_eq(r->n, 0);
	rows_free(r);

	static const char *const bad[] = {
		"yesterday", "2026-13-01", "2026-11-23T", "2026-11-23+01:00",
		"2026-11-23T19:00:00.Z", "2026-11-23T25:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.since = bad[i];
		cr_assert_eq(carve_audit_query(audit, &f, collect, NULL), CARVE_EINVALID,
			     "since %s", bad[i]);
		cr_assert_not_null(strstr(carve_error_last()->message, bad[i]));
	}
	free(late_time);
	carve_audit_free(audit);
}

static int stop_after_two(const carve_event_row *row, void *ctx)
{
	int *seen = ctx;

	(void)row;
	return ++*seen == 2 ? 7 : 0;
}

Test(audit, callback_stops_the_walk)
{
	carve_audit *audit = at_open(at_db);
	int seen = 0;

	fill_for_filters(audit, at_run(audit, "run"));
	cr_assert_eq(carve_audit_query(audit, NULL, stop_after_two, &seen), 7);
	cr_assert_eq(seen, 2);
	carve_audit_free(audit);
}

Test(audit, runs_record_who_where_and_what)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run --chunk wave1");
	carve_event ev = at_step(run, "wave1", "WS-1", "preflight", "ping", CARVE_STATUS_OK);

	at_append(audit, &ev, 1);
	cr_assert_eq(carve_audit_run_end(audit, run), 0, "%s", carve_error_last()->message);
	cr_assert_eq(carve_audit_run_end(audit, run), CARVE_ENOTFOUND);
	cr_assert_not_null(strstr(carve_error_last()->message, "already ended"));
	cr_assert_eq(carve_audit_run_end(audit, 999), CARVE_ENOTFOUND);
	carve_audit_free(audit);

	sqlite3 *db = at_raw(at_db);
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	at_text_is(db, "SELECT host FROM runs", host);
	cr_assert_eq(at_int(db, "SELECT pid FROM runs"), getpid());
	cr_assert_eq(at_int(db, "SELECT plan_sha256 IS NULL AND plan_path IS NULL FROM runs"), 1);
	cr_assert_eq(at_int(db, "SELECT length(who) > 0 FROM runs"), 1);
	cr_assert_eq(at_int(db, "SELECT ended >= started FROM runs"), 1);
	cr_assert_eq(at_int(db, "SELECT length(hash) FROM runs"), 32);
	cr_assert_eq(at_int(db, "SELECT events FROM v_runs"), 3, "start, the step, end");
	at_text_is(db, "SELECT group_concat(step || ' ' || status, ', ') FROM events"
		       " WHERE kind = 'run'", "start running, end ok");
	at_text_is(db, "SELECT command FROM v_runs", "run --chunk wave1");
	sqlite3_close(db);
}

Test(audit, a_bad_event_appends_nothing)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run");
	carve_event ev[2] = {
		at_step(run, "wave1", "WS-1", "preflight", "ping", CARVE_STATUS_OK),
		at_step(run + 40, "wave1", "WS-1", "preflight", "disk", CARVE_STATUS_OK),
	};
	rows *r;

	cr_assert_eq(carve_audit_append(NULL, audit, ev, 2), CARVE_EINVALID);
	cr_assert_not_null(strstr(carve_error_last()->message, "event 1: run"),
			   "%s", carve_error_last()->message);
	ev[1].run = run;
	ev[1].status = (carve_status)42;
	cr_assert_eq(carve_audit_append(NULL, audit, ev, 2), CARVE_EINVALID);
	cr_assert_not_null(strstr(carve_error_last()->message, "invalid status"));

	r = query(audit, NULL);
	cr_assert_eq(r->n, 1, "the batches were rolled back: only the run's start");
	rows_free(r);
	ev[1].status = CARVE_STATUS_OK;
	at_append(audit, ev, 2);
	r = query(audit, NULL);
	cr_assert_eq(r->n, 3);
	cr_assert_eq(r->row[2].seq, 3);
	rows_free(r);
	carve_audit_free(audit);
}

Test(audit, state_tracks_the_latest_result_per_step)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run");
	carve_event ev[] = {
		at_step(run, "wave1", "WS-1", "preflight", "disk", CARVE_STATUS_FAILED),
		at_step(run, "wave1", "ws-1", "preflight", "disk", CARVE_STATUS_OK),
		at_step(run, "wave1", NULL, "mail", "move", CARVE_STATUS_RUNNING),
		at_step(run, "wave1", NULL, "workstations", "admt", CARVE_STATUS_RUNNING),
		at_step(run, NULL, NULL, "teardown", "ex-mx", CARVE_STATUS_OK),
		at_step(run, "wave1", "WS-2", "restart", "up", CARVE_STATUS_INTERRUPTED),
	};
	ev[0].diagnosis = "not enough free disk";
	ev[2].user = "jsmith";
	at_append(audit, ev, sizeof(ev) / sizeof(ev[0]));
	carve_audit_free(audit);

	sqlite3 *db = at_raw(at_db);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM state"), 5);
	cr_assert_eq(at_int(db, "SELECT seq FROM state WHERE object_kind = 'machine'"
				" AND object = 'WS-1' AND phase = 'preflight'"
				" AND step = 'disk'"), 3, "the later of rows 2 and 3");
	/* the newer result replaces the diagnosis too */
	at_text_is(db, "SELECT status || '|' || coalesce(diagnosis, '-')"
		       " FROM state WHERE object = 'ws-1'", "ok|-");
	cr_assert_eq(at_int(db, "SELECT count(*) FROM state WHERE object_kind = 'user'"
				" AND object = 'jsmith' AND phase = 'mail'"), 1);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM state WHERE object_kind = 'chunk'"
				" AND object = 'wave1' AND step = 'admt'"), 1);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM state WHERE object_kind = 'site'"
				" AND object = '' AND step = 'ex-mx'"), 1);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM v_failures"), 1);
	at_text_is(db, "SELECT object || ' ' || status FROM v_failures", "WS-2 interrupted");
	sqlite3_close(db);
}

static int collect_state(const carve_state_row *row, void *ctx)
{
	char *out = ctx;

	snprintf(out + strlen(out), 256 - strlen(out), "%s:%s/%s=%s%s;", row->object, row->phase,
		 row->step, carve_status_name(row->status), row->evidence ? "+evidence" : "");
	return 0;
}

Test(audit, reads_of_the_failed_and_of_the_machines_states)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run");
	carve_event ev[] = {
		at_step(run, "wave1", "WS-1", "preflight", "disk", CARVE_STATUS_FAILED),
		at_step(run, "wave1", "WS-2", "preflight", "disk", CARVE_STATUS_OK),
		at_step(run, "wave1", "WS-3", "restart", "up", CARVE_STATUS_INTERRUPTED),
		at_step(run, "wave1", NULL, "mail", "move", CARVE_STATUS_FAILED),
	};
	ev[0].evidence = "{\"free_gb\":1}";
	ev[3].user = "jsmith";
	at_append(audit, ev, sizeof(ev) / sizeof(ev[0]));

	char got[256] = "";
	cr_assert_eq(carve_audit_failed_states(audit, collect_state, got), 0);
	cr_assert_str_eq(got, "WS-1:preflight/disk=failed+evidence;WS-3:restart/up=interrupted;"
			      "jsmith:mail/move=failed;");
	got[0] = '\0';
	cr_assert_eq(carve_audit_machine_states(audit, collect_state, got), 0);
	cr_assert(strstr(got, "WS-1:preflight/disk=failed;") && strstr(got, "WS-2:") &&
		  strstr(got, "WS-3:") && strstr(got, "jsmith:mail/move=failed;") &&
		  !strstr(got, "+evidence"), "machines and users, without evidence: %s", got);
	carve_audit_free(audit);
}

Test(audit, the_kind_filter_reads_only_that_kind)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "console");
	carve_event ev[2] = {
		at_step(run, "wave1", "WS-1", "preflight", "disk", CARVE_STATUS_OK),
		CARVE_EVENT_INIT,
	};
	ev[1].run = run;
	ev[1].actor = "alice";
	ev[1].kind = "note";
	ev[1].machine = "WS-1";
	ev[1].evidence = "{\"kind\":\"asleep\"}";
	at_append(audit, ev, 2);

	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	f.kind = "note";
	rows *r = query(audit, &f);
	cr_assert_eq(r->n, 1);
	cr_assert_str_eq(r->row[0].kind, "note");
	rows_free(r);
	carve_audit_free(audit);
}

Test(audit, notes_and_signoffs)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "console");
	carve_event ev[3] = { CARVE_EVENT_INIT, CARVE_EVENT_INIT, CARVE_EVENT_INIT };

	ev[0].run = run;
	ev[0].actor = "alice";
	ev[0].kind = "note";
	ev[0].machine = "WS-0007";
	ev[0].evidence = "{\"text\":\"asleep; woke it with the power button\"}";
	ev[1] = ev[0];
	ev[1].evidence = "powered off at the wall";
	ev[2].run = run;
	ev[2].actor = "bob";
	ev[2].kind = "signoff";
	ev[2].phase = "teardown";
	ev[2].step = "ad-trust";
	ev[2].status = CARVE_STATUS_OK;
	ev[2].evidence = "{\"text\":\"trust removed by FABRIKAM admins\"}";
	at_append(audit, ev, 3);
	carve_audit_free(audit);

	sqlite3 *db = at_raw(at_db);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM v_notes"), 2);
	at_text_is(db, "SELECT actor || ': ' || text FROM v_notes ORDER BY seq",
		   "alice: asleep; woke it with the power button");
	at_text_is(db, "SELECT text FROM v_notes ORDER BY seq DESC", "powered off at the wall");
	at_text_is(db, "SELECT who || ' ' || item || ' ' || status || ' ' || text"
		       " FROM v_signoffs", "bob ad-trust ok trust removed by FABRIKAM admins");
	cr_assert_eq(at_int(db, "SELECT count(*) FROM state WHERE object_kind = 'site'"
				" AND step = 'ad-trust' AND status = 'ok'"), 1,
		     "a sign-off is the item's state");
	cr_assert_eq(at_int(db, "SELECT count(*) FROM state WHERE object = 'WS-0007'"), 0,
		     "a note is not a result");
	sqlite3_close(db);
}

Test(audit, views_are_readable_by_hand)
{
	carve_audit *audit = at_open(at_db);
	fill_for_filters(audit, at_run(audit, "run"));
	carve_audit_free(audit);

	sqlite3 *db = at_raw(at_db);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM v_events"), 6, "the run's start and 5");
	cr_assert_eq(at_int(db, "SELECT length(hash) FROM v_events WHERE seq = 2"), 64);
	cr_assert_eq(at_int(db, "SELECT prev_hash = (SELECT hash FROM v_events"
				" WHERE seq = 1) FROM v_events WHERE seq = 2"), 1);
	cr_assert_eq(at_int(db, "SELECT prev_hash = printf('%064d', 0) FROM v_events"
				" WHERE seq = 1"), 1);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM v_state"), 5);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM v_failures"), 2);
	cr_assert_eq(at_int(db, "SELECT failures FROM v_runs"), 2);
	cr_assert_eq(at_int(db, "PRAGMA user_version"), 2);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM seals"), 2, "one per write");
	cr_assert_eq(at_int(db, "SELECT instr(value, 'sha256') > 0 FROM meta"
				" WHERE key = 'chain'"), 1);
	sqlite3_close(db);
}

Test(audit, triggers_refuse_update_and_delete)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run");
	fill_for_filters(audit, run);
	cr_assert_eq(carve_audit_run_end(audit, run), 0);
	carve_audit_free(audit);

	static const char *const refused[] = {
		"UPDATE events SET evidence = 'x' WHERE seq = 2",
		"DELETE FROM events WHERE seq = 2",
		"UPDATE runs SET who = 'mallory'",
		"UPDATE runs SET ended = NULL",
		"DELETE FROM runs",
		"DELETE FROM seals",
		"UPDATE seal_keys SET public_key = x'00'",
	};
	sqlite3 *db = at_raw(at_db);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cr_assert_eq(sqlite3_exec(db, refused[i], NULL, NULL, NULL) & 0xff,
			     SQLITE_CONSTRAINT, "%s was allowed", refused[i]);
	}
	cr_assert_eq(at_int(db, "SELECT count(*) FROM events"), 7);
	sqlite3_close(db);
}

Test(audit, schema_creation_is_idempotent)
{
	carve_audit *a = at_open(at_db), *b = at_open(at_db);

	at_run(a, "a");
	at_run(b, "b");
	carve_audit_free(a);
	carve_audit_free(b);
	a = at_open(at_db);
	at_run(a, "a again");
	carve_audit_free(a);
	sqlite3 *db = at_raw(at_db);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM runs"), 3);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM meta WHERE key = 'created'"), 1);
	at_text_is(db, "PRAGMA journal_mode", "wal");
	sqlite3_close(db);
}

/* A read left open on a viewer's handle (a statement stepped and never
 * reset, a transaction never ended) held it on that moment's snapshot: the
 * console went on showing an old log as if nothing happened (found in a
 * cold try).  The next look for changes ends it and sees the new commit. */
Test(audit, a_read_left_open_does_not_freeze_a_viewer)
{
	carve_audit *writer = at_open(at_db), *viewer = at_open_ro(at_db);
	int64_t run = at_run(writer, "run");
	carve_event one = at_step(run, "wave1", "WS-1", "preflight", "disk", CARVE_STATUS_OK);
	bool changed;

	at_append(writer, &one, 1);
	cr_assert_eq(carve_audit_changed(&changed, viewer), 0);
	for (int left = 0; left < 2; left++) {
		sqlite3_stmt *st = NULL;
		sqlite3 *db = viewer->db;
		if (left == 0) {
			cr_assert_eq(sqlite3_prepare_v2(db, "SELECT seq FROM events", -1, &st, NULL),
				     SQLITE_OK);
			cr_assert_eq(sqlite3_step(st), SQLITE_ROW); /* and never reset */
		} else {
			cr_assert_eq(sqlite3_exec(db, "BEGIN; SELECT count(*) FROM events;", NULL,
						  NULL, NULL), SQLITE_OK);
		}
		at_append(writer, &one, 1);
		cr_assert_eq(carve_audit_changed(&changed, viewer), 0);
		cr_assert(changed, "case %d: the viewer did not see the commit", left);
		sqlite3_finalize(st);
	}
	carve_audit_free(viewer);
	carve_audit_free(writer);
}
