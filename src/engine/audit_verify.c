/*
 * audit_verify.c - carve verify: is the log still the one carve wrote?
 *
 * The triggers stop accidents; this stops nobody but finds what was done:
 * each row's hash is recomputed from its content and its predecessor's
 * hash, so an edited, deleted, inserted or moved row breaks the chain at
 * that row.  Everything carve shows or decides from is then rebuilt from
 * the chain and compared: the current state, the notes, the sign-offs,
 * and each run's record (whose hash its chained start and end events
 * carry).  The seals (audit_verify_seal.c) finish the job: a chain anyone
 * can recompute proves nothing without them.
 */
#include "audit_internal.h"

#include <stdarg.h>
#include <string.h>

void audit_verify_fail(carve_verify_result *result, int64_t seq, const char *fmt, ...)
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
		audit_verify_fail(result, 0, "the database file is damaged: %s", result->integrity);
	return err;
}

/* Where a row went wrong, in words for the person doing triage. */
static void judge_row(carve_verify_result *result, int64_t seq, int64_t prev_seq,
		      bool content_ok, bool link_ok)
{
	if (!content_ok && !link_ok)
		audit_verify_fail(result, seq, "row %lld: neither its content nor its link to row"
				  " %lld match (rows moved, renumbered or inserted?)",
				  (long long)seq, (long long)prev_seq);
	else if (!content_ok)
		audit_verify_fail(result, seq, "row %lld: content does not match its hash (edited)",
				  (long long)seq);
	else if (seq == 1)
		audit_verify_fail(result, seq, "row 1: its previous hash is not the start of a"
				  " chain (row replaced?)");
	else if (!link_ok)
		audit_verify_fail(result, seq, "row %lld: previous hash does not match row %lld's"
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
		audit_verify_fail(result, seq, "row %lld: the log starts here instead of at row 1"
				  " (%s deleted?)", (long long)seq, missing);
	else
		audit_verify_fail(result, seq, "row %lld: previous hash does not match row %lld"
				  " (%s deleted?)", (long long)seq, (long long)prev_seq, missing);
}

static int walk_chain(int64_t *last_seq, unsigned char last_hash[32],
		      carve_verify_result *result,
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
			audit_verify_fail(result, seq, "row %lld: its hash is missing or malformed"
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
	memcpy(last_hash, prev, 32);
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
		audit_verify_fail(result, last_seq + 1, "row %lld and after: missing; the log ends"
				  " at row %lld but the current state refers to row %lld (last"
				  " rows deleted?)", (long long)(last_seq + 1), (long long)last_seq,
				  (long long)wanted);
	return err;
}

/* Who did what rests on the runs table: each record must match its own
 * hash, that hash must be the one its latest chained run event carries,
 * and every event's run must exist. */
static int check_runs(carve_verify_result *result, carve_audit *audit)
{
	static const char runs_sql[] =
		"SELECT " AUDIT_RUN_COLUMNS ", hash,"
		" (SELECT min(seq) FROM events e WHERE e.run = runs.id),"
		" (SELECT seq FROM events e WHERE e.run = runs.id AND e.kind = 'run'"
		"  ORDER BY seq DESC LIMIT 1)"
		" FROM runs ORDER BY id";
	static const char chained_sql[] =
		"SELECT CASE WHEN json_valid(evidence)"
		" THEN json_extract(evidence, '$.run_hash') END FROM events WHERE seq = ?1";
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
	char digest[65];
	sqlite3_stmt *st = NULL, *chained = NULL;
	int64_t run = 0, seq = 0;
	bool found;
	int err = 0, rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(audit->db, runs_sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(audit->db, chained_sql, -1, &chained, NULL) != SQLITE_OK) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the runs");
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ended = (const char *)sqlite3_column_text(st, 3);
		if ((err = audit_run_hash(hash, st, ended)) < 0)
			goto done;
		run = sqlite3_column_int64(st, 0);
		seq = sqlite3_column_int64(st, 11);
		if (sqlite3_column_bytes(st, 10) != 32 ||
		    memcmp(hash, sqlite3_column_blob(st, 10), 32) != 0) {
			if (seq)
				audit_verify_fail(result, seq, "row %lld: belongs to run %lld,"
						  " whose record in the runs table does not"
						  " match its hash (who, host or command"
						  " edited?)", (long long)seq, (long long)run);
			else
				audit_verify_fail(result, 0, "run %lld: its record in the"
						  " runs table does not match its hash"
						  " (edited)", (long long)run);
			goto done;
		}
		int64_t at = sqlite3_column_int64(st, 12);
		if (!at) {
			audit_verify_fail(result, 0, "run %lld: the runs table has it but no"
					  " event in the chain records it (its events"
					  " deleted, or the run added?)", (long long)run);
			goto done;
		}
		sqlite3_reset(chained);
		sqlite3_bind_int64(chained, 1, at);
		const char *carried = sqlite3_step(chained) == SQLITE_ROW
			? (const char *)sqlite3_column_text(chained, 0) : NULL;
		carve_hex(digest, hash, 32);
		if (!carried || strcmp(carried, digest) != 0) {
			audit_verify_fail(result, at, "row %lld: records run %lld with another"
					  " hash than the runs table's record (the"
					  " record edited and re-hashed?)", (long long)at,
					  (long long)run);
			goto done;
		}
	}
	if (rc != SQLITE_DONE) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the runs");
		goto done;
	}
	if ((err = query_pair(&found, &seq, &run, audit, missing_sql)) == 0 && found) {
		audit_verify_fail(result, seq, "row %lld: belongs to run %lld, which is"
				  " missing from the runs table (deleted?)", (long long)seq,
				  (long long)run);
		goto done;
	}
	if (err == 0 && (err = query_pair(&found, &seq, &run, audit, outside_sql)) == 0 &&
	    found)
		audit_verify_fail(result, seq, "row %lld: dated outside run %lld, which it"
				  " belongs to (its time edited, or the run's?)",
				  (long long)seq, (long long)run);
done:
	sqlite3_finalize(chained);
	sqlite3_finalize(st);
	return err;
}

/* ---- the tables derived from the events ---- */

/* The state table as the events make it: per object and step, the
 * latest step or sign-off (audit_append.c's derive, over the whole log). */
#define STATE_DERIVED                                                          \
	"SELECT object_kind, object COLLATE NOCASE AS object, phase, step, chunk," \
	" status, seq, time, diagnosis FROM (SELECT *, row_number() OVER"       \
	" (PARTITION BY object_kind, object COLLATE NOCASE, phase, step"        \
	" ORDER BY seq DESC) AS rn FROM (SELECT seq, chunk, status, time,"      \
	" diagnosis, coalesce(phase, '') AS phase, coalesce(step, '') AS step," \
	" CASE WHEN machine IS NOT NULL THEN 'machine'"                         \
	" WHEN user IS NOT NULL THEN 'user'"                                    \
	" WHEN chunk IS NOT NULL THEN 'chunk' ELSE 'site' END AS object_kind,"  \
	" coalesce(machine, user, chunk, '') AS object FROM events"             \
	" WHERE kind IN ('step', 'signoff'))) WHERE rn = 1"
#define STATE_STORED                                                     \
	"SELECT object_kind, object, phase, step, chunk, status, seq, time," \
	" diagnosis FROM state"
#define NOTES_DERIVED                                                   \
	"SELECT seq, time, actor, chunk, machine, user, phase, step, status," \
	" " AUDIT_NOTE_TEXT_SQL " FROM events WHERE kind = "
#define NOTES_STORED(who, what)                                             \
	"SELECT seq, time, " who ", chunk, machine, user, phase, " what ","     \
	" status, text FROM "

typedef struct {
	const char *sql;     /* first row: seq, then what names the object */
	const char *problem; /* what is wrong with that row */
	bool names_object;
} derived_check;

static const derived_check derived_checks[] = {
	{ "SELECT seq, object_kind, object, phase, step FROM (" STATE_STORED
	  " EXCEPT " STATE_DERIVED ") ORDER BY seq LIMIT 1",
	  "the state table says it holds the current state of", true },
	{ "SELECT seq, object_kind, object, phase, step FROM (" STATE_DERIVED
	  " EXCEPT " STATE_STORED ") ORDER BY seq LIMIT 1",
	  "the state table lacks it, or differs from it, as the current state of",
	  true },
	{ "SELECT seq FROM (" NOTES_STORED("actor", "step") "notes EXCEPT "
	  NOTES_DERIVED "'note') ORDER BY seq LIMIT 1",
	  "the notes table's note for it does not match it (edited, or inserted?)",
	  false },
	{ "SELECT seq FROM (" NOTES_DERIVED "'note' EXCEPT "
	  NOTES_STORED("actor", "step") "notes) ORDER BY seq LIMIT 1",
	  "its note is missing from the notes table, or differs there (deleted or"
	  " edited?)", false },
	{ "SELECT seq FROM (" NOTES_STORED("who", "item") "signoffs EXCEPT "
	  NOTES_DERIVED "'signoff') ORDER BY seq LIMIT 1",
	  "the sign-offs table's entry for it does not match it (edited, or"
	  " inserted?)", false },
	{ "SELECT seq FROM (" NOTES_DERIVED "'signoff' EXCEPT "
	  NOTES_STORED("who", "item") "signoffs) ORDER BY seq LIMIT 1",
	  "its sign-off is missing from the sign-offs table, or differs there"
	  " (deleted or edited?)", false },
};

static void judge_derived(carve_verify_result *result, const derived_check *check,
			  sqlite3_stmt *st)
{
	long long seq = sqlite3_column_int64(st, 0);
	const char *w[4];

	if (!check->names_object) {
		audit_verify_fail(result, seq, "row %lld: %s", seq, check->problem);
		return;
	}
	for (int c = 0; c < 4; c++) {
		w[c] = (const char *)sqlite3_column_text(st, c + 1);
		w[c] = w[c] ? w[c] : "";
	}
	audit_verify_fail(result, seq, "row %lld: %s %s %s in %s/%s (state table"
			  " edited, or a row inserted or deleted?)", seq, check->problem,
			  w[0], w[1], w[2], w[3]);
}

static int check_derived(carve_verify_result *result, carve_audit *audit)
{
	int err = 0;

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(derived_checks) && result->ok; i++) {
		sqlite3_stmt *st = NULL;
		int rc = SQLITE_ERROR;

		if (sqlite3_prepare_v2(audit->db, derived_checks[i].sql, -1, &st,
				       NULL) == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			judge_derived(result, &derived_checks[i], st);
		else if (rc != SQLITE_DONE)
			err = audit_sqlite_error(audit, CARVE_EIO,
						 "cannot compare the derived tables");
		sqlite3_finalize(st);
		if (err < 0)
			break;
	}
	return err;
}

int carve_audit_head(int64_t *seq, char hash[65], carve_audit *audit)
{
	sqlite3_stmt *st;
	int err = audit_stmt(&st, audit, AUDIT_ST_LAST_EVENT), rc;

	*seq = 0;
	hash[0] = '\0';
	if (err < 0)
		return err;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32) {
		*seq = sqlite3_column_int64(st, 0);
		carve_hex(hash, sqlite3_column_blob(st, 1), 32);
	} else if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the log's head");
	}
	sqlite3_reset(st);
	return err;
}

int carve_audit_verify(carve_verify_result *result, carve_audit *audit,
		       const carve_verify_options *opts)
{
	const carve_verify_options none = { NULL, NULL, NULL };
	unsigned char last_hash[32] = { 0 };
	audit_seal_trust trust;
	int64_t last_seq = 0;
	int err;

	memset(result, 0, sizeof(*result));
	result->ok = true;
	if (!opts)
		opts = &none;
	if ((err = audit_verify_trust(&trust, result, audit, opts)) < 0)
		return err;
	/* One snapshot: a runner appending meanwhile must not look like a
	 * state row pointing past the end of the log. */
	if (sqlite3_exec(audit->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot start reading");
	if ((err = check_integrity(result, audit)) < 0 ||
	    (result->ok && (err = audit_schema_verify(result, audit)) < 0) || !result->ok ||
	    (err = walk_chain(&last_seq, last_hash, result, audit)) < 0)
		goto done;
	if (result->ok) {
		result->head_seq = last_seq;
		if (last_seq)
			carve_hex(result->head_hash, last_hash, 32);
	}
	if (result->ok && (err = audit_verify_reach(result, audit, opts, &trust, last_seq)) < 0)
		goto done;
	if (result->ok && (err = check_tail(result, audit, last_seq)) == 0 &&
	    (err = check_runs(result, audit)) == 0 && result->ok &&
	    (err = check_derived(result, audit)) == 0 && result->ok)
		err = audit_verify_seals(result, audit, opts, &trust, last_seq);
	if (err == 0 && result->ok)
		err = audit_verify_known_hosts(result, audit, opts->known_hosts);
done:
	sqlite3_exec(audit->db, "COMMIT", NULL, NULL, NULL);
	/* A damaged file may not even be walkable; the verdict stands. */
	if (err < 0 && strcmp(result->integrity, "ok") != 0 && result->integrity[0])
		err = 0;
	return err;
}
