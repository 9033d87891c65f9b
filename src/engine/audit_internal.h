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
	AUDIT_ST_INSERT_SEAL,
	AUDIT_ST__COUNT
} audit_stmt_id;

typedef struct audit_seal audit_seal;

struct carve_audit {
	sqlite3 *db;
	char *path;
	bool read_only;
	int64_t data_version; /* PRAGMA data_version when last asked */
	sqlite3_stmt *stmts[AUDIT_ST__COUNT];
	audit_seal *seal;     /* the sealing key, loaded on the first write */
	/* the head the open write transaction sealed, for the head file once
	 * it commits */
	bool head_pending;
	int64_t head_seq;
	unsigned char head_hash[32];
};

/* Version of the schema below, kept in PRAGMA user_version.  2 added the
 * seals; a version 1 file gains them on its next write. */
#define AUDIT_SCHEMA_VERSION 2

/* A note's or sign-off's text: the evidence's "text" member when the
 * evidence is a JSON object that has one, else the evidence as written.
 * Shared by the writer and verify, which rebuilds the notes from it. */
#define AUDIT_NOTE_TEXT_SQL                                             \
	"CASE WHEN json_valid(evidence) AND json_type(evidence, '$.text') = 'text'" \
	" THEN json_extract(evidence, '$.text') ELSE evidence END"

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

/* Refuses a file without carve's schema (CARVE_ETAMPERED when it holds
 * nothing at all: a log emptied) or with a newer one. */
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

/* Appends events inside an open write transaction, chains them and seals
 * the new head; time NULL: now.  The head file follows audit_commit. */
int audit_append_in(int64_t *first_seq, carve_audit *audit, const carve_event *events,
		    size_t n, const char *time);

/* ---- sealing (audit_seal.c) ---- */

#define AUDIT_SEAL_MESSAGE_MAX 96
#define AUDIT_VERIFY_KEY_MAX 128

/* Signs the head (seq, hash, written at time) with the current epoch's
 * key, evolving the key first when time is in a later epoch; makes the
 * key on a log's first write. */
int audit_seal_head(carve_audit *audit, int64_t seq, const unsigned char hash[32],
		    const char *time);
/* The open write transaction ended (committed or rolled back): what the
 * seal cached follows it, and a committed head goes to the head file. */
void audit_seal_settle(carve_audit *audit, bool committed);
/* The log's id from meta (id_hex "" when it has none); *valid when it is
 * 32 hex digits. */
int audit_log_id(bool *valid, unsigned char id[16], char id_hex[33], carve_audit *audit);
void audit_seal_free(audit_seal *seal);

/* What verify trusts: the first epoch's public key and the epoch clock,
 * from the key file on this machine or a verification key a person kept;
 * with the key file, also the last head carve sealed. */
typedef struct {
	bool have_key;
	unsigned char root[32];
	int64_t start, seconds;
	bool have_head;
	int64_t head_seq;
	unsigned char head_hash[32];
	char key_path[4096]; /* where the key file is (or would be) */
} audit_seal_trust;

int audit_seal_local(audit_seal_trust *out, carve_audit *audit);
int audit_seal_parse_key(audit_seal_trust *out, const char *text);
void audit_seal_format_key(char out[AUDIT_VERIFY_KEY_MAX], const unsigned char root[32],
			   int64_t start, int64_t seconds);
size_t audit_seal_message(unsigned char out[AUDIT_SEAL_MESSAGE_MAX],
			  const unsigned char log_id[16], int64_t epoch, int64_t seq,
			  const unsigned char hash[32]);
size_t audit_seal_cert_message(unsigned char out[AUDIT_SEAL_MESSAGE_MAX],
			       const unsigned char log_id[16], int64_t epoch,
			       const unsigned char pub[32]);
bool audit_seal_signature_ok(const unsigned char pub[32], const unsigned char *sig,
			     size_t sig_len, const unsigned char *msg, size_t len);
/* Unix seconds of an RFC 3339 UTC time, -1 when it is not one. */
int64_t audit_time_seconds(const char *rfc3339);
/* The epoch time falls in, -1 before the first. */
int64_t audit_seal_epoch_of(int64_t start, int64_t seconds, const char *time);

/* ---- verify (audit_verify*.c) ---- */

/* Records the first problem; later ones are ignored. */
void audit_verify_fail(carve_verify_result *result, int64_t seq, const char *fmt, ...)
	CARVE_PRINTF(3, 4);

/* Fails result unless the file's tables and views are carve's own. */
int audit_schema_verify(carve_verify_result *result, carve_audit *audit);

/* What verify trusts (audit_seal_trust), read before verify's snapshot
 * begins: the head file follows each commit, so read first it can only
 * lag the snapshot. */
int audit_verify_trust(audit_seal_trust *trust, carve_verify_result *result,
		       carve_audit *audit, const carve_verify_options *opts);

/* The known-hosts file at path held to the keys the log recorded
 * (audit_verify_hosts.c); no file, nothing to hold. */
int audit_verify_known_hosts(carve_verify_result *result, carve_audit *audit,
			     const char *path);

/* Rows cut off the end, told by the head file, first: missing rows would
 * otherwise read as a run record or state that no longer matches. */
int audit_verify_reach(carve_verify_result *result, carve_audit *audit,
		       const carve_verify_options *opts, const audit_seal_trust *trust,
		       int64_t last_seq);

/* The seals, the head file and opts->head, after the chain and the
 * derived tables held. */
int audit_verify_seals(carve_verify_result *result, carve_audit *audit,
		       const carve_verify_options *opts, const audit_seal_trust *trust,
		       int64_t last_seq);

/* Everything about the files that must hold before SQLite touches them:
 * a local filesystem, 0600 files (the -wal and -shm too), parent
 * directories (0700) created; read_only needs an existing file instead. */
int audit_prepare_files(const char *path, bool read_only);

/* The filesystem's name when f_type (from statfs) is one on which SQLite's
 * locking cannot be trusted, else NULL. */
const char *carve_fs_network_name(long f_type);

#endif
