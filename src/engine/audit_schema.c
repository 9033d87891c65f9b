/*
 * audit_schema.c - the audit database's tables, triggers and views.
 *
 * events is the evidence: append-only and hash-chained.  state, notes and
 * signoffs are derived from it in the same transaction, so readers (the
 * console, the sqlite3 shell) never replay the log.  The v_* views are the
 * documented way to read the file by hand.
 */
#include "audit_internal.h"

#include <stdio.h>
#include <string.h>

static const char schema_sql[] =
	"CREATE TABLE meta ("
	" key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL"
	") WITHOUT ROWID;"

	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" started TEXT NOT NULL,"
	" ended TEXT,"
	" who TEXT NOT NULL,"
	" host TEXT NOT NULL,"
	" pid INTEGER NOT NULL,"
	" plan_sha256 TEXT,"
	" plan_path TEXT,"
	" carve_version TEXT NOT NULL,"
	" command TEXT,"
	" hash BLOB NOT NULL"
	");"

	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY,"
	" time TEXT NOT NULL,"
	" run INTEGER REFERENCES runs(id),"
	" actor TEXT,"
	" kind TEXT,"
	" chunk TEXT,"
	" machine TEXT,"
	" user TEXT,"
	" phase TEXT,"
	" step TEXT,"
	" status TEXT NOT NULL,"
	" evidence TEXT,"
	" diagnosis TEXT,"
	" prev_hash BLOB NOT NULL,"
	" hash BLOB NOT NULL"
	");"
	"CREATE INDEX events_machine ON events(machine COLLATE NOCASE);"
	"CREATE INDEX events_chunk ON events(chunk);"
	"CREATE INDEX events_time ON events(time);"
	"CREATE INDEX events_run ON events(run);"

	/* object_kind: machine, user, chunk (an event naming only a chunk) or
	 * site (an event naming none of them, e.g. a teardown item). */
	"CREATE TABLE state ("
	" object_kind TEXT NOT NULL,"
	" object TEXT NOT NULL COLLATE NOCASE,"
	" phase TEXT NOT NULL,"
	" step TEXT NOT NULL,"
	" chunk TEXT,"
	" status TEXT NOT NULL,"
	" seq INTEGER NOT NULL REFERENCES events(seq),"
	" time TEXT NOT NULL,"
	" diagnosis TEXT,"
	" PRIMARY KEY (object_kind, object, phase, step)"
	") WITHOUT ROWID;"

	"CREATE TABLE notes ("
	" seq INTEGER PRIMARY KEY REFERENCES events(seq),"
	" time TEXT NOT NULL,"
	" actor TEXT,"
	" chunk TEXT,"
	" machine TEXT,"
	" user TEXT,"
	" phase TEXT,"
	" step TEXT,"
	" status TEXT,"
	" text TEXT"
	");"

	"CREATE TABLE signoffs ("
	" seq INTEGER PRIMARY KEY REFERENCES events(seq),"
	" time TEXT NOT NULL,"
	" who TEXT,"
	" chunk TEXT,"
	" machine TEXT,"
	" user TEXT,"
	" phase TEXT,"
	" item TEXT,"
	" status TEXT,"
	" text TEXT"
	");"

	/* Defence in depth against a slip in the sqlite3 shell; carve verify
	 * is what catches someone who drops these first.  A run's record
	 * changes once more, when it ends. */
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN"
	" SELECT RAISE(ABORT, 'the audit log is append-only: events cannot be changed');"
	" END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN"
	" SELECT RAISE(ABORT, 'the audit log is append-only: events cannot be deleted');"
	" END;"
	"CREATE TRIGGER notes_no_update BEFORE UPDATE ON notes BEGIN"
	" SELECT RAISE(ABORT, 'notes are append-only');"
	" END;"
	"CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes BEGIN"
	" SELECT RAISE(ABORT, 'notes are append-only');"
	" END;"
	"CREATE TRIGGER signoffs_no_update BEFORE UPDATE ON signoffs BEGIN"
	" SELECT RAISE(ABORT, 'sign-offs are append-only');"
	" END;"
	"CREATE TRIGGER signoffs_no_delete BEFORE DELETE ON signoffs BEGIN"
	" SELECT RAISE(ABORT, 'sign-offs are append-only');"
	" END;"
	"CREATE TRIGGER runs_no_update BEFORE UPDATE OF id, started, who, host,"
	" pid, plan_sha256, plan_path, carve_version, command ON runs BEGIN"
	" SELECT RAISE(ABORT, 'a run''s description cannot be changed');"
	" END;"
	"CREATE TRIGGER runs_end_once BEFORE UPDATE OF ended, hash ON runs"
	" WHEN OLD.ended IS NOT NULL BEGIN"
	" SELECT RAISE(ABORT, 'a run ends once');"
	" END;"
	"CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs BEGIN"
	" SELECT RAISE(ABORT, 'runs cannot be deleted');"
	" END;"

	"CREATE VIEW v_events AS SELECT seq, time, run, actor, kind, chunk,"
	" machine, user, phase, step, status, evidence, diagnosis,"
	" lower(hex(prev_hash)) AS prev_hash, lower(hex(hash)) AS hash"
	" FROM events;"
	"CREATE VIEW v_state AS SELECT s.object_kind, s.object, s.chunk,"
	" s.phase, s.step, s.status, s.time, s.diagnosis, e.evidence,"
	" e.actor, e.run, s.seq"
	" FROM state s JOIN events e ON e.seq = s.seq;"
	"CREATE VIEW v_failures AS SELECT * FROM v_state"
	" WHERE status IN ('failed', 'interrupted');"
	"CREATE VIEW v_notes AS SELECT seq, time, actor, chunk, machine, user,"
	" phase, step, status, text FROM notes;"
	"CREATE VIEW v_signoffs AS SELECT seq, time, who, chunk, machine, user,"
	" phase, item, status, text FROM signoffs;"
	"CREATE VIEW v_runs AS SELECT r.id, r.started, r.ended, r.who, r.host,"
	" r.pid, r.command, r.plan_path, r.plan_sha256, r.carve_version,"
	" (SELECT count(*) FROM events e WHERE e.run = r.id) AS events,"
	" (SELECT count(*) FROM events e WHERE e.run = r.id"
	"  AND e.status = 'failed') AS failures"
	" FROM runs r;";

/* Version 2: the seals (audit_seal.c).  Each epoch's public key, certified
 * by the previous epoch's secret, and each write's head signed by its
 * epoch's secret. */
static const char seal_sql[] =
	"CREATE TABLE seal_keys ("
	" epoch INTEGER PRIMARY KEY,"
	" public_key BLOB NOT NULL,"
	" certificate BLOB"
	");"
	"CREATE TABLE seals ("
	" seq INTEGER PRIMARY KEY REFERENCES events(seq),"
	" epoch INTEGER NOT NULL REFERENCES seal_keys(epoch),"
	" signature BLOB NOT NULL"
	");"
	"CREATE TRIGGER seal_keys_no_change BEFORE UPDATE ON seal_keys BEGIN"
	" SELECT RAISE(ABORT, 'sealing keys cannot be changed');"
	" END;"
	"CREATE TRIGGER seal_keys_no_delete BEFORE DELETE ON seal_keys BEGIN"
	" SELECT RAISE(ABORT, 'sealing keys cannot be deleted');"
	" END;"
	"CREATE TRIGGER seals_no_change BEFORE UPDATE ON seals BEGIN"
	" SELECT RAISE(ABORT, 'seals cannot be changed');"
	" END;"
	"CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals BEGIN"
	" SELECT RAISE(ABORT, 'seals cannot be deleted');"
	" END;";

/* Written into meta so a person holding only the file can re-check the
 * hashes by hand. */
static const char chain_description[] =
	"events.hash = sha256 over: seq and run (0 for none) as u64 big-endian,"
	" then time actor kind chunk machine user phase step status evidence"
	" diagnosis each as a presence byte (0/1), a u32 big-endian length and"
	" the UTF-8 bytes, then prev_hash (the previous row's hash; 32 zero"
	" bytes for seq 1).  runs.hash = sha256 over id and pid, then started"
	" ended who host plan_sha256 plan_path carve_version command, encoded"
	" the same way, not chained";

static int user_version(int64_t *out, carve_audit *audit)
{
	return audit_query_int(out, audit, "PRAGMA user_version",
			       "cannot read the schema version");
}

int audit_schema_check(carve_audit *audit)
{
	int64_t version = 0;
	int err = user_version(&version, audit);

	if (err < 0)
		return err;
	if (version == 0) {
		int64_t objects = 0;
		if ((err = audit_query_int(&objects, audit, "SELECT count(*) FROM sqlite_master",
					   "cannot read the schema")) < 0)
			return err;
		/* carve never leaves a log it opened without its schema */
		if (objects == 0)
			return carve_error_set(CARVE_ETAMPERED,
					       "audit database %s holds no log at all (emptied or"
					       " truncated, or its -wal file removed after a"
					       " crash?)", audit->path);
		return carve_error_set(CARVE_EINVALID,
				       "%s is not a carve audit database (it has no schema)",
				       audit->path);
	}
	if (version > AUDIT_SCHEMA_VERSION)
		return carve_error_set(CARVE_EUNSUPPORTED,
				       "audit database %s has schema version %lld; this"
				       " carve knows only up to %d -- use a newer carve",
				       audit->path, (long long)version, AUDIT_SCHEMA_VERSION);
	return 0;
}

/* A file SQLite opens but carve did not create (another program's
 * database given by mistake) is left alone. */
static int check_empty(carve_audit *audit)
{
	int64_t objects = 0;
	int err = audit_query_int(&objects, audit, "SELECT count(*) FROM sqlite_master",
				  "cannot read the schema");

	if (err == 0 && objects != 0)
		err = carve_error_set(CARVE_EINVALID,
				      "%s is not a carve audit database (it holds"
				      " other tables); refusing to add carve's",
				      audit->path);
	return err;
}

static int create_schema(carve_audit *audit)
{
	char now[32], version_sql[64];
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_exec(audit->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(audit->db, seal_sql, NULL, NULL, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot create the schema");
	carve_now_rfc3339(now);
	if (sqlite3_prepare_v2(audit->db,
			       "INSERT INTO meta(key, value) VALUES ('created', ?1),"
			       " ('created_by', 'carve ' || ?2), ('chain', ?3)",
			       -1, &st, NULL) != SQLITE_OK) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot create the schema");
		goto done;
	}
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, CARVE_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, chain_description, -1, SQLITE_STATIC);
	snprintf(version_sql, sizeof(version_sql), "PRAGMA user_version=%d",
		 AUDIT_SCHEMA_VERSION);
	if (sqlite3_step(st) != SQLITE_DONE ||
	    sqlite3_exec(audit->db, version_sql, NULL, NULL, NULL) != SQLITE_OK)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot create the schema");
done:
	sqlite3_finalize(st);
	return err;
}

int audit_schema_ensure(carve_audit *audit)
{
	int64_t version = 0;
	int err;

	/* Under the write lock, so two carves opening a new file at once
	 * cannot both create the schema. */
	if ((err = audit_begin(audit)) < 0)
		return err;
	if ((err = user_version(&version, audit)) < 0)
		goto done;
	if (version == 0) {
		if ((err = check_empty(audit)) == 0)
			err = create_schema(audit);
	} else if (version == 1) {
		if (sqlite3_exec(audit->db, seal_sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(audit->db, "PRAGMA user_version=2", NULL, NULL,
				 NULL) != SQLITE_OK)
			err = audit_sqlite_error(audit, CARVE_EIO, "cannot add the seals");
	} else {
		err = audit_schema_check(audit);
	}
	if (err == 0)
		err = audit_commit(audit);
done:
	if (err < 0)
		audit_rollback(audit);
	return err;
}

/* The tables and views carve made, compared with a fresh copy of its own
 * schema: a table dropped or renamed, or a view redefined (v_failures is
 * what a person doing triage reads by hand), is tampering.  Triggers are
 * not compared: dropping them changes nothing that is stored, and whatever
 * was done once they were gone shows in the rows. */
int audit_schema_verify(carve_verify_result *result, carve_audit *audit)
{
	static const char objects[] =
		"SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view')"
		" AND name NOT LIKE 'sqlite_%' ORDER BY name";
	sqlite3 *ref = NULL;
	sqlite3_stmt *want = NULL, *have = NULL;
	int err = 0;

	if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(ref, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ref, seal_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ref, objects, -1, &want, NULL) != SQLITE_OK) {
		err = carve_error_set(CARVE_ERROR, "cannot build carve's own schema: %s",
				      ref ? sqlite3_errmsg(ref) : "out of memory");
		goto done;
	}
	if (sqlite3_prepare_v2(audit->db, "SELECT sql FROM sqlite_master WHERE type = ?1"
			       " AND name = ?2", -1, &have, NULL) != SQLITE_OK) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the schema");
		goto done;
	}
	while (result->ok && sqlite3_step(want) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(want, 0);
		const char *name = (const char *)sqlite3_column_text(want, 1);
		const char *sql = (const char *)sqlite3_column_text(want, 2);
		sqlite3_reset(have);
		sqlite3_bind_text(have, 1, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(have, 2, name, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(have);
		if (rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(have, 0), sql))
			continue;
		if (rc == SQLITE_ROW)
			audit_verify_fail(result, 0, "the %s %s is not the one carve made"
					  " (redefined: what it shows cannot be trusted)",
					  type, name);
		else if (rc == SQLITE_DONE)
			audit_verify_fail(result, 0, "the %s %s is missing (dropped or"
					  " renamed)", type, name);
		else
			err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the schema");
	}
done:
	sqlite3_finalize(have);
	sqlite3_finalize(want);
	sqlite3_close(ref);
	return err;
}
