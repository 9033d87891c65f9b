/*
 * audit_verify.c - carve verify: is the log still the one carve wrote?
 *
 * The triggers stop accidents; this stops nobody but finds what was done:
 * each row's hash is recomputed from its content and its predecessor's
 * hash, so an edited, deleted, inserted or moved row breaks the chain at
 * that row.  The derived tables are checked against the chain to find rows
 * cut from its end, and each run's record against its own hash.
 */
#include "audit_internal.h"

#include <stdarg.h>
#include <string.h>

/* Only the first problem is reported: everything after it is suspect. */
static void fail(carve_verify_result *result, int64_t seq, const char *fmt, ...)
	CARVE_PRINTF(3, 4);

static void fail(carve_verify_result *result, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (!result->ok)
		return;
	result->ok = false;
	result->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(result->reason, sizeof(result->reason), fmt, ap);
	va_end(ap);
}

static int check_integrity(carve_verify_result *result, carve_audit *audit)
{
	int err = audit_query_text(result->integrity, sizeof(result->integrity), audit,
				   "PRAGMA integrity_check", "cannot check integrity");

	if (err == 0 && strcmp(result->integrity, "ok") != 0)
		fail(result, 0, "the database file is damaged: %s", result->integrity);
	return err;
}

/* Where a row went wrong, in words for the person doing triage. */
static void judge_row(carve_verify_result *result, int64_t seq, int64_t prev_seq,
		      bool content_ok, bool link_ok)
{
	if (!content_ok && !link_ok)
		fail(result, seq, "row %lld: neither its content nor its link to row"
		     " %lld match (rows moved, renumbered or inserted?)",
		     (long long)seq, (long long)prev_seq);
	else if (!content_ok)
		fail(result, seq, "row %lld: content does not match its hash (edited)",
		     (long long)seq);
	else if (seq == 1)
		fail(result, seq, "row 1: its previous hash is not the start of a chain"
		     " (row replaced?)");
	else if (!link_ok)
		fail(result, seq, "row %lld: previous hash does not match row %lld's"
		     " hash (row %lld edited and re-hashed, or replaced?)",
		     (long long)seq, (long long)prev_seq, (long long)prev_seq);
}

static void judge_gap(carve_verify_result *result, int64_t seq, int64_t prev_seq)
{
	char missing[64];

	if (seq == prev_seq + 2)
		snprintf(missing, sizeof(missing), "row %lld", (long long)(seq - 1));
	else
		snprintf(missing, sizeof(missing), "rows %lld to %lld",
			 (long long)(prev_seq + 1), (long long)(seq - 1));
	if (prev_seq == 0)
		fail(result, seq, "row %lld: the log starts here instead of at row 1"
		     " (%s deleted?)", (long long)seq, missing);
	else
		fail(result, seq, "row %lld: previous hash does not match row %lld"
		     " (%s deleted?)", (long long)seq, (long long)prev_seq, missing);
}

static int walk_chain(int64_t *last_seq, carve_verify_result *result,
		      carve_audit *audit)
{
	static const char sql[] =
		"SELECT seq, run, time, actor, kind, chunk, machine, user, phase,"
		" step, status, evidence, diagnosis, prev_hash, hash"
		" FROM events ORDER BY seq";
	unsigned char prev[32] = { 0 }, hash[32];
	sqlite3_stmt *st = NULL;
	int64_t prev_seq = 0;
	int err = 0, rc;

	if (sqlite3_prepare_v2(audit->db, sql, -1, &st, NULL) != SQLITE_OK) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the events");
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		audit_hash_input in;
		int64_t seq = sqlite3_column_int64(st, 0);

		in.ints[0] = seq;
		in.ints[1] = sqlite3_column_int64(st, 1);
		audit_hash_columns(&in, st, 2, 11);
		in.prev_hash = sqlite3_column_blob(st, 13);
		bool prev_ok = sqlite3_column_bytes(st, 13) == 32;
		const void *stored = sqlite3_column_blob(st, 14);
		bool stored_ok = sqlite3_column_bytes(st, 14) == 32;
		result->events++;

		if (seq != prev_seq + 1) {
			judge_gap(result, seq, prev_seq);
			break;
		}
		if (!prev_ok || !stored_ok) {
			fail(result, seq, "row %lld: its hash is missing or malformed"
			     " (edited)", (long long)seq);
			break;
		}
		if ((err = audit_hash(hash, &in)) < 0)
			goto done;
		bool content_ok = memcmp(hash, stored, 32) == 0;
		bool link_ok = memcmp(in.prev_hash, prev, 32) == 0;
		if (!content_ok || !link_ok) {
			judge_row(result, seq, prev_seq, content_ok, link_ok);
			break;
		}
		memcpy(prev, stored, 32);
		prev_seq = seq;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the events");
	*last_seq = prev_seq;
done:
	sqlite3_finalize(st);
	return err;
}

/* Runs a query returning (a, b) integers; *found is false when it returns
 * no row. */
static int query_pair(bool *found, int64_t *a, int64_t *b, carve_audit *audit,
		      const char *sql)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(audit->db, sql, -1, &st, NULL) == SQLITE_OK)
		rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		*a = sqlite3_column_int64(st, 0);
		*b = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot cross-check the log");
	}
	sqlite3_finalize(st);
	return err;
}

/* A chain cannot see its own end cut off, but state, notes and sign-offs
 * point at the events they came from. */
static int check_tail(carve_verify_result *result, carve_audit *audit,
		      int64_t last_seq)
{
	static const char sql[] =
		"SELECT coalesce(max(seq), 0), 0 FROM (SELECT max(seq) AS seq FROM state"
		" UNION ALL SELECT max(seq) FROM notes"
		" UNION ALL SELECT max(seq) FROM signoffs)";
	int64_t wanted = 0, unused;
	bool found;
	int err = query_pair(&found, &wanted, &unused, audit, sql);

	if (err == 0 && wanted > last_seq)
		fail(result, last_seq + 1, "row %lld and after: missing; the log ends"
		     " at row %lld but the current state refers to row %lld (last"
		     " rows deleted?)", (long long)(last_seq + 1), (long long)last_seq,
		     (long long)wanted);
	return err;
}

/* Who did what rests on the runs table: each record must match its own
 * hash, and every event's run must exist. */
static int check_runs(carve_verify_result *result, carve_audit *audit)
{
	static const char runs_sql[] =
		"SELECT " AUDIT_RUN_COLUMNS ", hash,"
		" (SELECT min(seq) FROM events e WHERE e.run = runs.id)"
		" FROM runs ORDER BY id";
	static const char missing_sql[] =
		"SELECT seq, run FROM events e WHERE run IS NOT NULL"
		" AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run)"
		" ORDER BY seq LIMIT 1";
	/* every time is carve_now_rfc3339's, fixed width: text order is time
	 * order */
	static const char outside_sql[] =
		"SELECT e.seq, e.run FROM events e JOIN runs r ON r.id = e.run"
		" WHERE e.time < r.started OR (r.ended IS NOT NULL AND e.time > r.ended)"
		" ORDER BY e.seq LIMIT 1";
	unsigned char hash[32];
	sqlite3_stmt *st = NULL;
	int64_t run = 0, seq = 0;
	bool found;
	int err = 0, rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(audit->db, runs_sql, -1, &st, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *ended = (const char *)sqlite3_column_text(st, 3);
			if ((err = audit_run_hash(hash, st, ended)) < 0)
				goto done;
			if (sqlite3_column_bytes(st, 10) == 32 &&
			    memcmp(hash, sqlite3_column_blob(st, 10), 32) == 0)
				continue;
			run = sqlite3_column_int64(st, 0);
			seq = sqlite3_column_int64(st, 11);
			if (seq)
				fail(result, seq, "row %lld: belongs to run %lld, whose record"
				     " in the runs table does not match its hash (who, host"
				     " or command edited?)", (long long)seq, (long long)run);
			else
				fail(result, 0, "run %lld: its record in the runs table does"
				     " not match its hash (edited)", (long long)run);
			goto done;
		}
	if (rc != SQLITE_DONE) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the runs");
		goto done;
	}
	if ((err = query_pair(&found, &seq, &run, audit, missing_sql)) == 0 && found) {
		fail(result, seq, "row %lld: belongs to run %lld, which is missing from"
		     " the runs table (deleted?)", (long long)seq, (long long)run);
		goto done;
	}
	if (err == 0 && (err = query_pair(&found, &seq, &run, audit, outside_sql)) == 0 && found)
		fail(result, seq, "row %lld: dated outside run %lld, which it belongs to"
		     " (its time edited, or the run's?)", (long long)seq, (long long)run);
done:
	sqlite3_finalize(st);
	return err;
}

int carve_audit_verify(carve_verify_result *result, carve_audit *audit)
{
	int64_t last_seq = 0;
	int err;

	memset(result, 0, sizeof(*result));
	result->ok = true;
	/* One snapshot: a runner appending meanwhile must not look like a
	 * state row pointing past the end of the log. */
	if (sqlite3_exec(audit->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot start reading");
	if ((err = check_integrity(result, audit)) < 0 ||
	    (err = walk_chain(&last_seq, result, audit)) < 0)
		goto done;
	if (result->ok && (err = check_tail(result, audit, last_seq)) == 0)
		err = check_runs(result, audit);
done:
	sqlite3_exec(audit->db, "COMMIT", NULL, NULL, NULL);
	/* A damaged file may not even be walkable; the verdict stands. */
	if (err < 0 && strcmp(result->integrity, "ok") != 0 && result->integrity[0])
		err = 0;
	return err;
}
