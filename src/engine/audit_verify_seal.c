/*
 * audit_verify_seal.c - verify's last word: the seals, the head carve last
 * sealed, and a head a person wrote down.
 *
 * The chain proves the rows hold together; anyone can recompute it.  The
 * seals prove who wrote them: each epoch's key is certified by the one
 * before, back to the verification key, and every write transaction's
 * last row is signed by the key of the epoch it is dated in.  So:
 *   - a row changed after it was sealed breaks that seal (and the chain
 *     after it), and only the secret of its epoch, destroyed when the
 *     epoch ended, could seal it again;
 *   - rows added without the key are unsealed;
 *   - every row shares its time with the sealed row that closes its
 *     transaction, and that time lies in the seal's epoch.
 */
#include "audit_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int64_t epoch;
	unsigned char pub[32];
	bool used;
} epoch_key;

int audit_verify_trust(audit_seal_trust *trust, carve_verify_result *result,
		       carve_audit *audit, const carve_verify_options *opts)
{
	int err;

	if (opts->verify_key)
		return audit_seal_parse_key(trust, opts->verify_key);
	if ((err = audit_seal_local(trust, audit)) == CARVE_EINVALID) {
		/* a damaged or exposed key file proves nothing: the verdict */
		audit_verify_fail(result, 0, "%s; give the verification key you kept with"
				  " --verify-key", carve_error_last()->message);
		return 0;
	}
	if (err < 0)
		return err;
	if (trust->have_key)
		snprintf(result->key_file, sizeof(result->key_file), "%s", trust->key_path);
	return 0;
}

/* The sealing keys, each certified by the one before, the first the
 * verification key; *n 0 when the chain of keys is broken. */
static int load_keys(epoch_key **out, size_t *n, carve_verify_result *result,
		     carve_audit *audit, const unsigned char log_id[16],
		     const audit_seal_trust *trust)
{
	unsigned char msg[AUDIT_SEAL_MESSAGE_MAX];
	sqlite3_stmt *st = NULL;
	epoch_key *keys = NULL;
	size_t count = 0, cap = 0;
	int err = 0, rc = SQLITE_ERROR;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(audit->db, "SELECT epoch, public_key, certificate"
			       " FROM seal_keys ORDER BY epoch", -1, &st, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t epoch = sqlite3_column_int64(st, 0);
			if (count == cap) {
				cap = cap ? 2 * cap : 16;
				epoch_key *grown = realloc(keys, cap * sizeof(*keys));
				if (!grown) {
					err = carve_error_oom();
					goto done;
				}
				keys = grown;
			}
			epoch_key *k = &keys[count];
			k->epoch = epoch;
			k->used = false;
			if (sqlite3_column_bytes(st, 1) != 32) {
				audit_verify_fail(result, 0, "sealing key of epoch %" PRId64
						  " is malformed (edited)", epoch);
				goto done;
			}
			memcpy(k->pub, sqlite3_column_blob(st, 1), 32);
			if (count == 0 && (epoch != 0 || memcmp(k->pub, trust->root, 32))) {
				audit_verify_fail(result, 0, "the log was not sealed with this"
						  " verification key: its first sealing key"
						  " differs (the log rewritten and sealed"
						  " anew, or another log's key?)");
				goto done;
			}
			if (count > 0) {
				size_t len = audit_seal_cert_message(msg, log_id, epoch, k->pub);
				if (!audit_seal_signature_ok(keys[count - 1].pub,
							     sqlite3_column_blob(st, 2),
							     (size_t)sqlite3_column_bytes(st, 2),
							     msg, len)) {
					audit_verify_fail(result, 0, "sealing key of epoch %"
							  PRId64 " is not certified by the"
							  " key before it (a key added by"
							  " someone else?)", epoch);
					goto done;
				}
			}
			count++;
		}
	if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the sealing keys");
done:
	sqlite3_finalize(st);
	if (err < 0 || !result->ok) {
		free(keys);
		return err;
	}
	*out = keys;
	*n = count;
	return 0;
}

/* Each seal in seq order, against its epoch's key. */
static int check_seals(int64_t *last_sealed, carve_verify_result *result,
		       carve_audit *audit, const unsigned char log_id[16],
		       const audit_seal_trust *trust, epoch_key *keys, size_t n)
{
	unsigned char msg[AUDIT_SEAL_MESSAGE_MAX];
	sqlite3_stmt *st = NULL;
	size_t k = 0;
	int err = 0, rc = SQLITE_ERROR;

	*last_sealed = 0;
	if (sqlite3_prepare_v2(audit->db, "SELECT s.seq, s.epoch, s.signature, e.time,"
			       " e.hash FROM seals s LEFT JOIN events e ON e.seq = s.seq"
			       " ORDER BY s.seq", -1, &st, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t seq = sqlite3_column_int64(st, 0);
			int64_t epoch = sqlite3_column_int64(st, 1);
			const char *time = (const char *)sqlite3_column_text(st, 3);

			while (k < n && keys[k].epoch < epoch)
				k++;
			if (!time || sqlite3_column_bytes(st, 4) != 32) {
				audit_verify_fail(result, seq, "row %lld: sealed, but missing"
						  " from the log (deleted?)", (long long)seq);
				break;
			}
			if (k == n || keys[k].epoch != epoch) {
				audit_verify_fail(result, seq, "row %lld: sealed in epoch %"
						  PRId64 ", which has no key or comes before"
						  " an earlier seal's (seals edited?)",
						  (long long)seq, epoch);
				break;
			}
			size_t len = audit_seal_message(msg, log_id, epoch, seq,
							sqlite3_column_blob(st, 4));
			if (!audit_seal_signature_ok(keys[k].pub, sqlite3_column_blob(st, 2),
						     (size_t)sqlite3_column_bytes(st, 2), msg,
						     len)) {
				audit_verify_fail(result, seq, "row %lld: its seal does not match"
						  " (the row, or a row before it, changed"
						  " after it was sealed)", (long long)seq);
				break;
			}
			if (audit_seal_epoch_of(trust->start, trust->seconds, time) != epoch) {
				audit_verify_fail(result, seq, "row %lld: dated %s, outside"
						  " epoch %" PRId64 " of the key that sealed"
						  " it (re-dated, sealed with a later key, or"
						  " the clock set back)", (long long)seq, time,
						  epoch);
				break;
			}
			keys[k].used = true;
			*last_sealed = seq;
		}
	if (result->ok && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the seals");
	sqlite3_finalize(st);
	return err;
}

/* Every row was written in the transaction its next seal closes, so it
 * shares that row's time. */
static int check_unsealed(carve_verify_result *result, carve_audit *audit)
{
	static const char sql[] =
		"SELECT e.seq, e.time, h.seq, h.time FROM events e"
		" JOIN events h ON h.seq = (SELECT min(seq) FROM seals s"
		"  WHERE s.seq >= e.seq)"
		" WHERE e.time <> h.time ORDER BY e.seq LIMIT 1";
	sqlite3_stmt *st = NULL;
	int err = 0, rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(audit->db, sql, -1, &st, NULL) == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		audit_verify_fail(result, sqlite3_column_int64(st, 0), "row %lld: dated %s,"
				  " but sealed with row %lld, dated %s (added without"
				  " the key?)", (long long)sqlite3_column_int64(st, 0),
				  (const char *)sqlite3_column_text(st, 1),
				  (long long)sqlite3_column_int64(st, 2),
				  (const char *)sqlite3_column_text(st, 3));
	else if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the seals");
	sqlite3_finalize(st);
	return err;
}

/* A head recorded earlier (the head file, or a person's note) must still
 * be a row of this log with the same hash. */
static int check_head(carve_verify_result *result, carve_audit *audit, int64_t seq,
		      const unsigned char hash[32], int64_t last_seq, const char *whose)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (seq > last_seq) {
		audit_verify_fail(result, last_seq + 1, "row %lld and after: missing; %s"
				  " says the log reached row %lld, but it ends at row"
				  " %lld (rows deleted, or a copy of this log written"
				  " to?)", (long long)(last_seq + 1), whose, (long long)seq,
				  (long long)last_seq);
		return 0;
	}
	if (sqlite3_prepare_v2(audit->db, "SELECT hash FROM events WHERE seq = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot read the events");
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32 ||
		    memcmp(sqlite3_column_blob(st, 0), hash, 32) != 0)
			audit_verify_fail(result, seq, "row %lld: its hash is not the one"
					  " %s recorded (the log rewritten up to here)",
					  (long long)seq, whose);
	} else if (rc == SQLITE_DONE && seq > 0) {
		audit_verify_fail(result, seq, "row %lld: missing, but %s recorded it",
				  (long long)seq, whose);
	} else if (rc != SQLITE_DONE) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the events");
	}
	sqlite3_finalize(st);
	return err;
}

int audit_verify_reach(carve_verify_result *result, carve_audit *audit,
		       const carve_verify_options *opts, const audit_seal_trust *trust,
		       int64_t last_seq)
{
	if (opts->verify_key || !trust->have_head || trust->head_seq <= last_seq)
		return 0;
	return check_head(result, audit, trust->head_seq, trust->head_hash, last_seq,
			  "the head file beside the sealing key");
}

/* The head carve last sealed on this machine: the rows a chain cannot see
 * cut off its end. */
static int check_head_file(carve_verify_result *result, carve_audit *audit,
			   const carve_verify_options *opts,
			   const audit_seal_trust *trust, int64_t last_seq)
{
	if (opts->verify_key || !trust->have_head)
		return 0;
	return check_head(result, audit, trust->head_seq, trust->head_hash, last_seq,
			  "the head file beside the sealing key");
}

static int check_given_head(carve_verify_result *result, carve_audit *audit,
			    const char *head, int64_t last_seq)
{
	unsigned char hash[32];
	char digest[65], tail;
	long long seq = 0;

	if (sscanf(head, "%lld:%64[0-9a-fA-F]%c", &seq, digest, &tail) != 2 || seq < 1 ||
	    !carve_unhex(hash, 32, digest))
		return carve_error_set(CARVE_EINVALID, "\"%s\" is not a head (it reads"
				       " SEQ:HASH, as carve verify prints it)", head);
	return check_head(result, audit, seq, hash, last_seq, "the head you gave");
}

int audit_verify_seals(carve_verify_result *result, carve_audit *audit,
		       const carve_verify_options *opts, const audit_seal_trust *trust,
		       int64_t last_seq)
{
	unsigned char log_id[16];
	char id_hex[33] = "";
	epoch_key *keys = NULL;
	size_t n = 0;
	int64_t version = 0, last_sealed = 0;
	int err;

	if (trust->have_key)
		audit_seal_format_key(result->verify_key, trust->root, trust->start,
				      trust->seconds);
	if (opts->head && (err = check_given_head(result, audit, opts->head, last_seq)) < 0)
		return err;
	if (!result->ok)
		return 0;
	if (last_seq == 0) /* nothing to prove, unless it once held rows */
		return check_head_file(result, audit, opts, trust, 0);
	if ((err = audit_query_int(&version, audit, "PRAGMA user_version",
				   "cannot read the schema version")) < 0)
		return err;
	if (version < 2) {
		audit_verify_fail(result, 1, "rows 1 to %lld are not sealed (written by"
				  " a carve before sealing; it proves only the chain)",
				  (long long)last_seq);
		return 0;
	}
	bool valid;
	if ((err = audit_log_id(&valid, log_id, id_hex, audit)) < 0)
		return err;
	if (!valid) {
		audit_verify_fail(result, 0, "the log's id (meta.log_id) is missing or"
				  " malformed: edited, so its seals cannot be found");
		return 0;
	}
	if (!trust->have_key) {
		audit_verify_fail(result, 0, "the seals cannot be checked: no sealing"
				  " key at %s; give the verification key you kept with"
				  " --verify-key", trust->key_path[0] ? trust->key_path
				  : "this machine");
		return 0;
	}
	if ((err = load_keys(&keys, &n, result, audit, log_id, trust)) < 0 || !result->ok)
		goto done;
	if ((err = check_seals(&last_sealed, result, audit, log_id, trust, keys, n)) < 0 ||
	    !result->ok)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (!keys[i].used) {
			audit_verify_fail(result, 0, "sealing key of epoch %" PRId64 " sealed"
					  " nothing that is left (its rows deleted, and"
					  " the log sealed again?)", keys[i].epoch);
			goto done;
		}
	result->seal_epochs = (int64_t)n;
	if (last_sealed < last_seq) {
		if (last_sealed + 1 == last_seq)
			audit_verify_fail(result, last_seq, "row %lld is not sealed (added"
					  " without the key?)", (long long)last_seq);
		else
			audit_verify_fail(result, last_sealed + 1, "rows %lld to %lld are"
					  " not sealed (added without the key?)",
					  (long long)(last_sealed + 1), (long long)last_seq);
		goto done;
	}
	if ((err = check_unsealed(result, audit)) == 0 && result->ok)
		err = check_head_file(result, audit, opts, trust, last_seq);
done:
	free(keys);
	return err;
}
