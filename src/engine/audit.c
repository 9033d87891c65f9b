/*
 * audit.c - the audit database handle: opening the connection, its pragmas,
 * the statements it caches, and the transactions writers use.
 */
#include "audit_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const stmt_sql[AUDIT_ST__COUNT] = {
	[AUDIT_ST_BEGIN] = "BEGIN IMMEDIATE",
	[AUDIT_ST_COMMIT] = "COMMIT",
	[AUDIT_ST_ROLLBACK] = "ROLLBACK",
	[AUDIT_ST_LAST_EVENT] =
		"SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
	[AUDIT_ST_INSERT_EVENT] =
		"INSERT INTO events(seq, time, run, actor, kind, chunk, machine,"
		" user, phase, step, status, evidence, diagnosis, prev_hash, hash)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15)",
	[AUDIT_ST_UPSERT_STATE] =
		"INSERT INTO state(object_kind, object, phase, step, chunk, status,"
		" seq, time, diagnosis)"
		" SELECT ?2, ?3, coalesce(phase, ''), coalesce(step, ''), chunk,"
		" status, seq, time, diagnosis FROM events WHERE seq = ?1"
		" ON CONFLICT(object_kind, object, phase, step) DO UPDATE SET"
		" chunk = excluded.chunk, status = excluded.status,"
		" seq = excluded.seq, time = excluded.time,"
		" diagnosis = excluded.diagnosis",
	[AUDIT_ST_INSERT_NOTE] =
		"INSERT INTO notes(seq, time, actor, chunk, machine, user, phase,"
		" step, status, text)"
		" SELECT seq, time, actor, chunk, machine, user, phase, step, status,"
		" " AUDIT_NOTE_TEXT_SQL " FROM events WHERE seq = ?1",
	[AUDIT_ST_INSERT_SIGNOFF] =
		"INSERT INTO signoffs(seq, time, who, chunk, machine, user, phase,"
		" item, status, text)"
		" SELECT seq, time, actor, chunk, machine, user, phase, step, status,"
		" " AUDIT_NOTE_TEXT_SQL " FROM events WHERE seq = ?1",
	[AUDIT_ST_INSERT_RUN] =
		"INSERT INTO runs(started, who, host, pid, plan_sha256, plan_path,"
		" carve_version, command, hash)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, zeroblob(32)) RETURNING id",
	[AUDIT_ST_OPEN_RUN] =
		("SELECT " AUDIT_RUN_COLUMNS " FROM runs WHERE id = ?1 AND ended IS NULL"),
	[AUDIT_ST_SEAL_RUN] =
		"UPDATE runs SET ended = ?2, hash = ?3 WHERE id = ?1 AND ended IS NULL",
	[AUDIT_ST_STEP_STATUS] =
		"SELECT status FROM state WHERE object_kind = ?1 AND object = ?2"
		" AND phase = ?3 AND step = ?4",
	[AUDIT_ST_INSERT_SEAL] =
		"INSERT INTO seals(seq, epoch, signature) VALUES (?1, ?2, ?3)",
};

int carve_audit_step_status(carve_status *out, carve_audit *audit, const char *object_kind,
			    const char *object, const char *phase, const char *step)
{
	sqlite3_stmt *st;
	int err = audit_stmt(&st, audit, AUDIT_ST_STEP_STATUS);

	*out = CARVE_STATUS_PENDING;
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, object_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, phase, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, step, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		carve_status_parse(out, (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read a step's state");
	sqlite3_reset(st);
	return err;
}

int audit_sqlite_error(carve_audit *audit, int code, const char *what)
{
	int rc = sqlite3_errcode(audit->db) & 0xff;

	if (rc == SQLITE_NOTADB)
		code = CARVE_EINVALID; /* not an audit log at all: the wrong file */
	/* an audit log whose pages no longer hold together (truncated,
	 * overwritten): what verification exists to catch */
	if (rc == SQLITE_CORRUPT)
		code = CARVE_ETAMPERED;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return carve_error_set(CARVE_EBUSY,
				       "%s: audit database %s stayed locked by another"
				       " carve process past the busy timeout (%s)",
				       what, audit->path, sqlite3_errmsg(audit->db));
	return carve_error_set(code, "%s: audit database %s: %s", what,
			       audit->path, sqlite3_errmsg(audit->db));
}

int audit_stmt(sqlite3_stmt **out, carve_audit *audit, audit_stmt_id id)
{
	sqlite3_stmt **st = &audit->stmts[id];

	if (!*st && sqlite3_prepare_v3(audit->db, stmt_sql[id], -1,
				       SQLITE_PREPARE_PERSISTENT, st,
				       NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot prepare a statement");
	sqlite3_reset(*st);
	sqlite3_clear_bindings(*st);
	*out = *st;
	return 0;
}

int audit_step_done(carve_audit *audit, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : audit_sqlite_error(audit, CARVE_EIO, what);
}

void audit_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static int first_row(sqlite3_stmt **st, carve_audit *audit, const char *sql,
		     const char *what)
{
	if (sqlite3_prepare_v2(audit->db, sql, -1, st, NULL) != SQLITE_OK ||
	    sqlite3_step(*st) != SQLITE_ROW)
		return audit_sqlite_error(audit, CARVE_EIO, what);
	return 0;
}

int audit_query_text(char *out, size_t size, carve_audit *audit, const char *sql,
		     const char *what)
{
	sqlite3_stmt *st = NULL;
	int err = first_row(&st, audit, sql, what);

	if (err == 0) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		snprintf(out, size, "%s", text ? text : "");
	}
	sqlite3_finalize(st);
	return err;
}

int audit_query_int(int64_t *out, carve_audit *audit, const char *sql,
		    const char *what)
{
	sqlite3_stmt *st = NULL;
	int err = first_row(&st, audit, sql, what);

	if (err == 0)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return err;
}

static int exec_cached(carve_audit *audit, audit_stmt_id id, const char *what)
{
	sqlite3_stmt *st = NULL;
	int err = audit_stmt(&st, audit, id);

	return err < 0 ? err : audit_step_done(audit, st, what);
}

int audit_begin(carve_audit *audit)
{
	if (audit->read_only)
		return carve_error_set(CARVE_EINVALID,
				       "audit database %s is open read-only",
				       audit->path);
	return exec_cached(audit, AUDIT_ST_BEGIN, "cannot start a write transaction");
}

int audit_commit(carve_audit *audit)
{
	int err = exec_cached(audit, AUDIT_ST_COMMIT, "cannot commit");

	/* a failed COMMIT is rolled back by the caller, who settles it */
	if (err == 0)
		audit_seal_settle(audit, true);
	return err;
}

void audit_rollback(carve_audit *audit)
{
	audit_seal_settle(audit, false);
	/* Keeps the caller's error: a failed ROLLBACK after a failed write
	 * adds nothing a person could act on. */
	if (sqlite3_get_autocommit(audit->db))
		return;
	sqlite3_stmt *st;
	if (audit_stmt(&st, audit, AUDIT_ST_ROLLBACK) == 0) {
		sqlite3_step(st);
		sqlite3_reset(st);
	}
}

static int connect_db(carve_audit *audit, unsigned busy_timeout_ms)
{
	int flags = audit->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	/* synchronous=FULL: in WAL mode NORMAL may lose the last commits on
	 * power loss, and a committed step outcome must never be lost.
	 * trusted_schema=OFF: a doctored file cannot make its views call
	 * functions with side effects. */
	const char *pragmas = audit->read_only
		? "PRAGMA trusted_schema=OFF;"
		: "PRAGMA trusted_schema=OFF; PRAGMA synchronous=FULL;"
		  " PRAGMA foreign_keys=ON;";

	if (sqlite3_open_v2(audit->path, &audit->db, flags, NULL) != SQLITE_OK) {
		if (!audit->db)
			return carve_error_oom();
		return audit_sqlite_error(audit, CARVE_EIO, "cannot open");
	}
	sqlite3_extended_result_codes(audit->db, 1);
	sqlite3_busy_timeout(audit->db, (int)(busy_timeout_ms > INT32_MAX
					      ? INT32_MAX : busy_timeout_ms));
	if (sqlite3_exec(audit->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot configure the connection");
	return 0;
}

/* WAL: the viewer reads while the runner writes, and a commit is one
 * append to one file. */
static int use_wal(carve_audit *audit, unsigned busy_timeout_ms)
{
	char mode[16];
	int err;

	/* Two processes opening one new database race to switch it to WAL, and
	 * SQLite answers BUSY at once instead of waiting (waiting there could
	 * deadlock): so wait here, up to the busy timeout. */
	for (unsigned waited = 0;; waited += 10) {
		err = audit_query_text(mode, sizeof(mode), audit, "PRAGMA journal_mode=WAL",
				       "cannot switch to WAL mode");
		if (err != CARVE_EBUSY || waited >= busy_timeout_ms)
			break;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}

	if (err == 0 && strcmp(mode, "wal") != 0)
		err = carve_error_set(CARVE_EIO,
				      "audit database %s could not be switched to WAL"
				      " mode (journal mode is %s)", audit->path, mode);
	return err;
}

int carve_audit_open(carve_audit **out, const char *path,
		     const carve_audit_options *opts)
{
	const carve_audit_options defaults = CARVE_AUDIT_OPTIONS_INIT;
	carve_audit *audit = NULL;
	int err;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (!path || !*path)
		return carve_error_set(CARVE_EINVALID, "no audit database path given");
	if ((err = audit_prepare_files(path, opts->read_only)) < 0)
		return err;
	if (!(audit = calloc(1, sizeof(*audit))) || !(audit->path = strdup(path))) {
		err = carve_error_oom();
		goto done;
	}
	audit->read_only = opts->read_only;
	if ((err = connect_db(audit, opts->busy_timeout_ms)) < 0)
		goto done;
	if (audit->read_only)
		err = audit_schema_check(audit);
	else if ((err = use_wal(audit, opts->busy_timeout_ms)) == 0)
		err = audit_schema_ensure(audit);
done:
	if (err < 0)
		carve_audit_free(audit);
	else
		*out = audit;
	return err;
}

void carve_audit_free(carve_audit *audit)
{
	if (!audit)
		return;
	for (size_t i = 0; i < AUDIT_ST__COUNT; i++)
		sqlite3_finalize(audit->stmts[i]);
	sqlite3_close(audit->db);
	audit_seal_free(audit->seal);
	free(audit->path);
	free(audit);
}

const char *carve_audit_path(const carve_audit *audit)
{
	return audit->path;
}

/* A read left open on a handle (a statement stepped and never reset, or
 * a transaction never ended) keeps it on that moment's snapshot: it would
 * never see another commit, and a viewer would go on showing an old log
 * as if nothing happened.  Between calls nothing of the handle's may be
 * open, so whatever is, is ended here. */
static void end_reads(carve_audit *audit)
{
	for (sqlite3_stmt *st = sqlite3_next_stmt(audit->db, NULL); st;
	     st = sqlite3_next_stmt(audit->db, st))
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	if (audit->read_only && !sqlite3_get_autocommit(audit->db))
		sqlite3_exec(audit->db, "ROLLBACK", NULL, NULL, NULL);
}

int carve_audit_changed(bool *changed, carve_audit *audit)
{
	int64_t version = 0;
	int err;

	end_reads(audit);
	err = audit_query_int(&version, audit, "PRAGMA data_version",
			      "cannot ask whether the log changed");

	*changed = err == 0 && version != audit->data_version;
	if (err == 0)
		audit->data_version = version;
	return err;
}
