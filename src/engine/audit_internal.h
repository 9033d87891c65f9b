/*
 * audit_internal.h - what the audit log's modules (audit*.c) share: the
 * handle, its cached statements, and the serialisation its hashes cover.
 */
#ifndef CARVE_AUDIT_INTERNAL_H
#define CARVE_AUDIT_INTERNAL_H

#include "internal.h"

#include <sqlite3.h>

/* The statements append and the runs use, prepared once per handle
 * because a busy runner appends thousands of times. */
typedef enum {
	AUDIT_ST_BEGIN,
	AUDIT_ST_COMMIT,
	AUDIT_ST_ROLLBACK,
	AUDIT_ST_LAST_EVENT,
	AUDIT_ST_INSERT_EVENT,
	AUDIT_ST_UPSERT_STATE,
	AUDIT_ST_INSERT_NOTE,
	AUDIT_ST_INSERT_SIGNOFF,
	AUDIT_ST_INSERT_RUN,
	AUDIT_ST_OPEN_RUN,
	AUDIT_ST_SEAL_RUN,
	AUDIT_ST_STEP_STATUS,
	AUDIT_ST__COUNT
} audit_stmt_id;

struct carve_audit {
	sqlite3 *db;
	char *path;
	bool read_only;
	int64_t data_version; /* PRAGMA data_version when last asked */
	sqlite3_stmt *stmts[AUDIT_ST__COUNT];
};

/* Version of the schema below, kept in PRAGMA user_version. */
#define AUDIT_SCHEMA_VERSION 1

/* A run's record in the order audit_run_hash reads it. */
#define AUDIT_RUN_COLUMNS                                                  \
	"id, pid, started, ended, who, host, plan_sha256, plan_path,"      \
	" carve_version, command"

/* Records "what: <SQLite's message>" and returns code; SQLITE_BUSY and
 * SQLITE_LOCKED become CARVE_EBUSY and "not a database" CARVE_EINVALID
 * whatever code says. */
int audit_sqlite_error(carve_audit *audit, int code, const char *what);

/* Creates the tables, views and triggers when the database has none yet,
 * in one BEGIN IMMEDIATE transaction; refuses a newer schema. */
int audit_schema_ensure(carve_audit *audit);

/* Refuses a file without carve's schema or with a newer one. */
int audit_schema_check(carve_audit *audit);

/* The cached statement, reset and with its bindings cleared. */
int audit_stmt(sqlite3_stmt **out, carve_audit *audit, audit_stmt_id id);

/* The first column of sql's first row, as text (cut to size) or integer;
 * what says what failed otherwise. */
int audit_query_text(char *out, size_t size, carve_audit *audit, const char *sql,
		     const char *what);
int audit_query_int(int64_t *out, carve_audit *audit, const char *sql,
		    const char *what);

/* Steps a statement that returns no row, and resets it. */
int audit_step_done(carve_audit *audit, sqlite3_stmt *st, const char *what);

/* Binds s, or NULL when s is NULL. */
void audit_bind_text(sqlite3_stmt *st, int i, const char *s);

/* A stored status; one this carve does not know reads as pending, since
 * nothing says it is done. */
carve_status audit_status_of(const char *text);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK with the cached statements. */
int audit_begin(carve_audit *audit);
int audit_commit(carve_audit *audit);
void audit_rollback(carve_audit *audit);

/*
 * What a hash covers: integers as 8-byte big-endian, then each text field
 * as a presence byte (0 or 1), a 4-byte big-endian length and the bytes,
 * then the previous row's 32-byte hash when chained.
 *   event: seq, run (0 for none); time actor kind chunk machine user phase
 *          step status evidence diagnosis; prev_hash (zeros for row 1)
 *   run:   id, pid; started ended who host plan_sha256 plan_path
 *          carve_version command; not chained
 */
typedef struct {
	int64_t ints[2];
	const char *field[11]; /* NULL: absent */
	size_t len[11];
	size_t field_count;
	const unsigned char *prev_hash; /* 32 bytes, or NULL */
} audit_hash_input;

int audit_hash(unsigned char out[32], const audit_hash_input *in);

/* Fills n fields of in from st's text columns from col on. */
void audit_hash_columns(audit_hash_input *in, sqlite3_stmt *st, int col, size_t n);

/* The hash of the run record at st's current row (AUDIT_RUN_COLUMNS), with
 * ended in place of the row's own. */
int audit_run_hash(unsigned char out[32], sqlite3_stmt *st, const char *ended);

/* Everything about the files that must hold before SQLite touches them:
 * a local filesystem, 0600 files (the -wal and -shm too), parent
 * directories (0700) created; read_only needs an existing file instead. */
int audit_prepare_files(const char *path, bool read_only);

/* The filesystem's name when f_type (from statfs) is one on which SQLite's
 * locking cannot be trusted, else NULL. */
const char *carve_fs_network_name(long f_type);

#endif
