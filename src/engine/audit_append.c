/*
 * audit_append.c - writing the log: events, each chained to the one before,
 * and the state, notes and sign-offs derived from them.
 */
#include "audit_internal.h"

#include <stdio.h>
#include <string.h>

/* The hashed fields of an event about to be stored. */
static void hash_input_of(audit_hash_input *in, int64_t seq, const char *time,
			  const carve_event *ev)
{
	const char *fields[CARVE_ARRAY_SIZE(in->field)] = {
		time, ev->actor, ev->kind, ev->chunk, ev->machine, ev->user,
		ev->phase, ev->step, carve_status_name(ev->status), ev->evidence,
		ev->diagnosis,
	};

	in->ints[0] = seq;
	in->ints[1] = ev->run;
	in->field_count = CARVE_ARRAY_SIZE(fields);
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(fields); i++) {
		in->field[i] = fields[i];
		in->len[i] = fields[i] ? strlen(fields[i]) : 0;
	}
}

static int last_event(int64_t *seq, unsigned char hash[32], carve_audit *audit)
{
	sqlite3_stmt *st;
	int err = audit_stmt(&st, audit, AUDIT_ST_LAST_EVENT), rc;

	if (err < 0)
		return err;
	*seq = 0;
	memset(hash, 0, 32);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) != 32)
			err = carve_error_set(CARVE_ETAMPERED,
					      "audit database %s: row %lld has no valid hash;"
					      " run carve verify", audit->path,
					      (long long)*seq);
		else
			memcpy(hash, sqlite3_column_blob(st, 1), 32);
	} else if (rc != SQLITE_DONE) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the last event");
	}
	sqlite3_reset(st);
	return err;
}

static int insert_event(carve_audit *audit, size_t index,
			const audit_hash_input *in, const carve_event *ev,
			const unsigned char hash[32])
{
	sqlite3_stmt *st;
	int err = audit_stmt(&st, audit, AUDIT_ST_INSERT_EVENT);

	if (err < 0)
		return err;
	sqlite3_bind_int64(st, 1, in->ints[0]);
	audit_bind_text(st, 2, in->field[0]);
	if (ev->run)
		sqlite3_bind_int64(st, 3, ev->run);
	for (int i = 1; i < (int)in->field_count; i++)
		audit_bind_text(st, 3 + i, in->field[i]);
	sqlite3_bind_blob(st, 14, in->prev_hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 15, hash, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (sqlite3_extended_errcode(audit->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
		return carve_error_set(CARVE_EINVALID,
				       "event %zu: run %lld does not exist in audit"
				       " database %s", index, (long long)ev->run,
				       audit->path);
	return audit_sqlite_error(audit, CARVE_EIO, "cannot append an event");
}

/* The derived tables: a step (or a person's sign-off) is the object's new
 * state for that step; notes and sign-offs get their own lists. */
static int derive(carve_audit *audit, int64_t seq, const carve_event *ev)
{
	const char *kind = ev->kind ? ev->kind : "";
	bool is_signoff = strcmp(kind, "signoff") == 0;
	sqlite3_stmt *st;
	int err;

	if (strcmp(kind, "note") == 0) {
		if ((err = audit_stmt(&st, audit, AUDIT_ST_INSERT_NOTE)) < 0)
			return err;
		sqlite3_bind_int64(st, 1, seq);
		return audit_step_done(audit, st, "cannot record a note");
	}
	if (is_signoff) {
		if ((err = audit_stmt(&st, audit, AUDIT_ST_INSERT_SIGNOFF)) < 0)
			return err;
		sqlite3_bind_int64(st, 1, seq);
		if ((err = audit_step_done(audit, st, "cannot record a sign-off")) < 0)
			return err;
	}
	if (!is_signoff && strcmp(kind, "step") != 0)
		return 0;

	const char *object_kind = "site", *object = "";
	if (ev->machine)
		object_kind = "machine", object = ev->machine;
	else if (ev->user)
		object_kind = "user", object = ev->user;
	else if (ev->chunk)
		object_kind = "chunk", object = ev->chunk;
	if ((err = audit_stmt(&st, audit, AUDIT_ST_UPSERT_STATE)) < 0)
		return err;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, object_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, object, -1, SQLITE_STATIC);
	return audit_step_done(audit, st, "cannot update the current state");
}

/* Inside the write transaction, so no other writer can take a seq. */
int audit_append_in(int64_t *first_seq, carve_audit *audit, const carve_event *events,
		    size_t n, const char *time)
{
	unsigned char prev[32], hash[32];
	char now[32];
	int64_t seq;
	int err;

	if (first_seq)
		*first_seq = 0;
	if (n == 0)
		return 0;
	if ((err = last_event(&seq, prev, audit)) < 0)
		return err;
	if (first_seq)
		*first_seq = seq + 1;
	/* One time for the whole batch: its events become true together. */
	if (time)
		snprintf(now, sizeof(now), "%s", time);
	else
		carve_now_rfc3339(now);
	for (size_t i = 0; i < n; i++) {
		audit_hash_input in;

		if ((unsigned)events[i].status >= CARVE_STATUS__COUNT)
			return carve_error_set(CARVE_EINVALID, "event %zu: invalid status %d",
					       i, (int)events[i].status);
		hash_input_of(&in, ++seq, now, &events[i]);
		in.prev_hash = prev;
		if ((err = audit_hash(hash, &in)) < 0 ||
		    (err = insert_event(audit, i, &in, &events[i], hash)) < 0 ||
		    (err = derive(audit, seq, &events[i])) < 0)
			return err;
		memcpy(prev, hash, 32);
	}
	return audit_seal_head(audit, seq, hash, now);
}

int carve_audit_append(int64_t *first_seq, carve_audit *audit,
		       const carve_event *events, size_t n)
{
	int err;

	if (first_seq)
		*first_seq = 0;
	if (n == 0)
		return 0;
	if ((err = audit_begin(audit)) < 0)
		return err;
	if ((err = audit_append_in(first_seq, audit, events, n, NULL)) == 0)
		err = audit_commit(audit);
	if (err < 0) {
		audit_rollback(audit);
		if (first_seq)
			*first_seq = 0;
	}
	return err;
}
