/*
 * audit_seal.c - sealing the log with a key the database does not hold.
 *
 * After systemd-journald's Forward Secure Sealing (journalctl
 * --setup-keys / --verify-key): time is cut into epochs (15 minutes by
 * default) and each epoch has its own Ed25519 key.  Every write
 * transaction signs the chain's new head (seq and hash) with the current
 * epoch's key.  When a write falls in a later epoch carve makes a new key,
 * signs the new public key with the old secret (a certificate stored in
 * the log) and destroys the old secret, so a thief of today's key file
 * cannot sign anything dated in an earlier epoch: rewriting a sealed row
 * breaks a seal nobody can make again.
 *
 * The key file lives outside the database, 0600, under
 * $XDG_CONFIG_HOME/carve/seal/<log id>.key.  Its verification side is the
 * first epoch's public key with the epoch clock ("ROOT/START/SECONDS"),
 * which verify prints for a person to keep; with it verify needs nothing
 * from this machine.  Beside the key, <log id>.head holds the last head
 * carve sealed, so cutting rows off the end of the log shows even though a
 * chain cannot see its own end.  The head file also names the database
 * file it was written for (device, inode, path): a copy of the log is for
 * reading, and a writer refuses one whose original is still there, and a
 * log that ends before the head (an older copy), since either would make
 * the log this machine seals look cut short.
 *
 * Like journald's, this proves no row sealed in an earlier epoch was
 * changed or removed; it cannot stop whoever holds the current key from
 * adding rows dated now, nor a person who deletes the key file, the head
 * file and the log together.  carve(1) says so.
 */
#include "audit_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEAL_EPOCH_SECONDS 900 /* journald's default sealing interval */
#define HEAD_RECORD 512        /* fixed size: one pwrite, one sector */

struct audit_seal {
	char *key_path;
	char *head_path;
	int64_t start;         /* epoch 0 begins here (Unix time) */
	int64_t seconds;       /* epoch length */
	int64_t epoch;         /* the secret's epoch */
	unsigned char secret[32];
	unsigned char root[32]; /* epoch 0's public key */
	unsigned char cert[64]; /* this epoch's key signed by the previous one */
	bool has_cert;
	unsigned char pub[32];  /* the secret's public key */
	unsigned char log_id[16];
	bool id_pending;        /* the log's id was written by the open
				 * transaction: gone with it if it rolls back */
	int64_t recorded_epoch; /* the epoch whose key the log is known to hold */
	bool key_pending;       /* the open transaction records the key */
};

/* ---- Ed25519 ---- */

static int public_of(unsigned char pub[32], const unsigned char secret[32])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, secret, 32);
	size_t len = 32;
	int ok = k && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == 32;

	EVP_PKEY_free(k);
	return ok ? 0 : carve_error_set(CARVE_ERROR, "Ed25519 key derivation failed");
}

static int sign(unsigned char sig[64], const unsigned char secret[32],
		const unsigned char *msg, size_t len)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, secret, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = 64;
	int ok = k && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
		 EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == 64;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok ? 0 : carve_error_set(CARVE_ERROR, "Ed25519 signing failed");
}

bool audit_seal_signature_ok(const unsigned char pub[32], const unsigned char *sig,
			     size_t sig_len, const unsigned char *msg, size_t len)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = k && ctx && sig_len == 64 &&
		  EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
		  EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok;
}

/* ---- what is signed ---- */

static void put_be64(unsigned char *out, int64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
}

size_t audit_seal_message(unsigned char out[AUDIT_SEAL_MESSAGE_MAX],
			  const unsigned char log_id[16], int64_t epoch, int64_t seq,
			  const unsigned char hash[32])
{
	static const char tag[] = "carve-seal"; /* with its NUL */

	memcpy(out, tag, sizeof(tag));
	memcpy(out + sizeof(tag), log_id, 16);
	put_be64(out + sizeof(tag) + 16, epoch);
	put_be64(out + sizeof(tag) + 24, seq);
	memcpy(out + sizeof(tag) + 32, hash, 32);
	return sizeof(tag) + 64;
}

size_t audit_seal_cert_message(unsigned char out[AUDIT_SEAL_MESSAGE_MAX],
			       const unsigned char log_id[16], int64_t epoch,
			       const unsigned char pub[32])
{
	static const char tag[] = "carve-seal-key";

	memcpy(out, tag, sizeof(tag));
	memcpy(out + sizeof(tag), log_id, 16);
	put_be64(out + sizeof(tag) + 16, epoch);
	memcpy(out + sizeof(tag) + 24, pub, 32);
	return sizeof(tag) + 56;
}

/* ---- epochs ---- */

int64_t audit_time_seconds(const char *rfc3339)
{
	struct tm tm = { 0 };

	if (!rfc3339 || sscanf(rfc3339, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
			       &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

int64_t audit_seal_epoch_of(int64_t start, int64_t seconds, const char *time)
{
	int64_t t = audit_time_seconds(time);

	if (t < start || seconds <= 0)
		return -1;
	return (t - start) / seconds;
}

/* ---- the key file ---- */

int audit_log_id(bool *valid, unsigned char id[16], char id_hex[33], carve_audit *audit)
{
	int err = audit_query_text(id_hex, 33, audit,
				   "SELECT coalesce((SELECT value FROM meta"
				   " WHERE key = 'log_id'), '')",
				   "cannot read the log's id");

	*valid = err == 0 && carve_unhex(id, 16, id_hex);
	return err;
}

static char *seal_path(const char *id_hex, const char *suffix)
{
	char leaf[64];

	snprintf(leaf, sizeof(leaf), "seal/%s.%s", id_hex, suffix);
	return carve_config_path(leaf);
}

void audit_seal_free(audit_seal *seal)
{
	if (!seal)
		return;
	OPENSSL_cleanse(seal->secret, sizeof(seal->secret));
	free(seal->key_path);
	free(seal->head_path);
	free(seal);
}

static int parse_key(audit_seal *seal, char *text)
{
	bool have[6] = { false };
	char *save = NULL;

	if (strncmp(text, "carve sealing key 1\n", 20) != 0)
		return -1;
	for (char *line = strtok_r(text + 20, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *value = strchr(line, ' ');
		if (!value)
			return -1;
		*value++ = '\0';
		if (!strcmp(line, "start"))
			have[0] = sscanf(value, "%" SCNd64, &seal->start) == 1;
		else if (!strcmp(line, "seconds"))
			have[1] = sscanf(value, "%" SCNd64, &seal->seconds) == 1 &&
				  seal->seconds > 0;
		else if (!strcmp(line, "epoch"))
			have[2] = sscanf(value, "%" SCNd64, &seal->epoch) == 1 &&
				  seal->epoch >= 0;
		else if (!strcmp(line, "secret"))
			have[3] = carve_unhex(seal->secret, 32, value);
		else if (!strcmp(line, "root"))
			have[4] = carve_unhex(seal->root, 32, value);
		else if (!strcmp(line, "cert"))
			have[5] = seal->has_cert = carve_unhex(seal->cert, 64, value);
	}
	have[5] = have[5] || seal->epoch == 0;
	for (size_t i = 0; i < 6; i++)
		if (!have[i])
			return -1;
	return 0;
}

static int read_key(audit_seal *seal)
{
	struct stat st;
	char *text = NULL;
	size_t len;
	int err = carve_file_read(&text, &len, seal->key_path, 4096);

	if (err < 0)
		return err;
	if (stat(seal->key_path, &st) == 0 && (st.st_mode & 077))
		err = carve_error_set(CARVE_EINVALID, "sealing key %s can be read by"
				      " others (mode %04o): chmod 600 it", seal->key_path,
				      (unsigned)(st.st_mode & 07777));
	else if (parse_key(seal, text) < 0)
		err = carve_error_set(CARVE_EINVALID, "sealing key %s is damaged"
				      " (not a carve sealing key)", seal->key_path);
	else
		err = public_of(seal->pub, seal->secret);
	OPENSSL_cleanse(text, len);
	free(text);
	return err;
}

/* Written whole to a new file and renamed over the old one: a crash
 * leaves one key or the other, never half of each, and the old secret
 * is gone once the rename is durable. */
static int write_key(const audit_seal *seal)
{
	char secret[65], root[65], cert[129], tmp[4096];
	carve_buf b = CARVE_BUF_INIT;
	int err = 0, fd = -1;

	carve_hex(secret, seal->secret, 32);
	carve_hex(root, seal->root, 32);
	carve_hex(cert, seal->cert, 64);
	carve_buf_printf(&b, "carve sealing key 1\nstart %" PRId64 "\nseconds %" PRId64
			 "\nepoch %" PRId64 "\nsecret %s\nroot %s\n", seal->start,
			 seal->seconds, seal->epoch, secret, root);
	if (seal->has_cert)
		carve_buf_printf(&b, "cert %s\n", cert);
	OPENSSL_cleanse(secret, sizeof(secret));
	snprintf(tmp, sizeof(tmp), "%s.new", seal->key_path);
	if (b.failed) {
		err = carve_error_oom();
		goto done;
	}
	if ((err = carve_make_parent(seal->key_path)) < 0)
		goto done;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, b.ptr, b.len) != (ssize_t)b.len || fsync(fd) < 0 ||
	    rename(tmp, seal->key_path) < 0) {
		err = carve_error_set(CARVE_EIO, "cannot write the sealing key %s: %s",
				      seal->key_path, strerror(errno));
		unlink(tmp);
		goto done;
	}
	char *dir = strdup(seal->key_path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	free(dir);
done:
	if (fd >= 0)
		close(fd);
	if (b.ptr)
		OPENSSL_cleanse(b.ptr, b.cap);
	carve_buf_done(&b);
	return err;
}

static int new_secret(unsigned char secret[32])
{
	if (getrandom(secret, 32, 0) != 32)
		return carve_error_set(CARVE_ERROR, "no randomness for a sealing key: %s",
				       strerror(errno));
	return 0;
}

/* Epoch length: CARVE_SEAL_EPOCH_SECONDS when set (tests use a short one to
 * see keys evolve), else journald's 15 minutes.  Read only when a key is
 * made: afterwards the key file and the verification key carry it. */
static int64_t epoch_seconds(void)
{
	const char *env = getenv("CARVE_SEAL_EPOCH_SECONDS");
	long long v = env ? atoll(env) : 0;

	return v > 0 && v <= 86400 ? v : SEAL_EPOCH_SECONDS;
}

static int create_key(audit_seal *seal, int64_t now)
{
	int err;

	seal->start = now;
	seal->seconds = epoch_seconds();
	seal->epoch = 0;
	seal->has_cert = false;
	if ((err = new_secret(seal->secret)) < 0 ||
	    (err = public_of(seal->root, seal->secret)) < 0)
		return err;
	memcpy(seal->pub, seal->root, 32);
	return write_key(seal);
}

/* Moves the key forward to epoch: a new secret whose public key the old
 * one certifies, then the old secret is overwritten on disk. */
static int evolve_key(audit_seal *seal, const unsigned char log_id[16], int64_t epoch)
{
	unsigned char next[32], pub[32], msg[AUDIT_SEAL_MESSAGE_MAX];
	int err;

	if ((err = new_secret(next)) < 0 || (err = public_of(pub, next)) < 0)
		goto done;
	size_t len = audit_seal_cert_message(msg, log_id, epoch, pub);
	if ((err = sign(seal->cert, seal->secret, msg, len)) < 0)
		goto done;
	memcpy(seal->secret, next, 32);
	memcpy(seal->pub, pub, 32);
	seal->epoch = epoch;
	seal->has_cert = true;
	err = write_key(seal);
done:
	OPENSSL_cleanse(next, sizeof(next));
	return err;
}

/* ---- sealing ---- */

static int count(int64_t *out, carve_audit *audit, const char *sql)
{
	return audit_query_int(out, audit, sql, "cannot read the seals");
}

/* The log's id, made on its first write (*made then). */
static int ensure_log_id(unsigned char id[16], char id_hex[33], bool *made, carve_audit *audit)
{
	sqlite3_stmt *st = NULL;
	bool valid;
	int err = audit_log_id(&valid, id, id_hex, audit);

	*made = false;
	if (err < 0 || valid)
		return err;
	if (id_hex[0])
		return carve_error_set(CARVE_ETAMPERED, "audit database %s: its log id \"%s\""
				       " is not 32 hex digits (edited?)", audit->path, id_hex);
	if (getrandom(id, 16, 0) != 16)
		return carve_error_set(CARVE_ERROR, "no randomness for a log id: %s",
				       strerror(errno));
	carve_hex(id_hex, id, 16);
	if (sqlite3_prepare_v2(audit->db, "INSERT INTO meta(key, value) VALUES"
			       " ('log_id', ?1)", -1, &st, NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot record the log's id");
	sqlite3_bind_text(st, 1, id_hex, -1, SQLITE_STATIC);
	err = audit_step_done(audit, st, "cannot record the log's id");
	sqlite3_finalize(st);
	*made = err == 0;
	return err;
}

/* A key file must be this log's, and no older than its seals: sealing
 * with another log's key, or a restored older one, would make the log
 * fail verification for ever. */
static int key_fits(carve_audit *audit, const audit_seal *seal)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(audit->db, "SELECT (SELECT public_key FROM seal_keys WHERE"
			       " epoch = 0), (SELECT max(epoch) FROM seal_keys)", -1, &st,
			       NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the sealing keys");
	else if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
		 (sqlite3_column_bytes(st, 0) != 32 ||
		  memcmp(sqlite3_column_blob(st, 0), seal->root, 32) != 0))
		err = carve_error_set(CARVE_EINVALID, "sealing key %s is not the key of audit"
				      " database %s (copied from another log?); carve adds"
				      " nothing with it", seal->key_path, audit->path);
	else if (sqlite3_column_int64(st, 1) > seal->epoch)
		err = carve_error_set(CARVE_EINVALID, "sealing key %s is older than the seals"
				      " of audit database %s (restored from a backup?); carve"
				      " adds nothing with it", seal->key_path, audit->path);
	sqlite3_finalize(st);
	return err;
}

/* The head file's record: the head, and the file it was written for
 * (dev 0 when the record names none: written by an older carve). */
typedef struct {
	int64_t seq;
	unsigned char hash[32];
	unsigned long long dev, ino;
	char path[HEAD_RECORD];
} head_record;

static bool read_head(head_record *out, const char *path)
{
	char record[HEAD_RECORD + 1] = { 0 }, digest[65] = { 0 };
	FILE *f = fopen(path, "re");
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (!f)
		return false;
	if (fgets(record, sizeof(record), f) &&
	    sscanf(record, "%" SCNd64 ":%64[0-9a-f]", &out->seq, digest) == 2 &&
	    carve_unhex(out->hash, 32, digest)) {
		ok = true;
		/* "SEQ:HASH DEV:INO PATH", the path to the end of the line */
		int at = 0;
		if (sscanf(record, "%*[0-9]:%*64[0-9a-f] %llu:%llu %n", &out->dev, &out->ino,
			   &at) == 2 && at > 0) {
			snprintf(out->path, sizeof(out->path), "%s", record + at);
			out->path[strcspn(out->path, "\n")] = '\0';
			for (size_t n = strlen(out->path); n && out->path[n - 1] == ' '; n--)
				out->path[n - 1] = '\0';
		}
	}
	fclose(f);
	return ok;
}

/* A writer adds to the log this machine seals, never to a copy of it
 * while the original is there, nor to a log that ends before the head
 * last sealed: the head file would then describe the copy, and the log
 * itself would look cut short to verify. */
static int head_fits(carve_audit *audit, const audit_seal *seal)
{
	head_record h;
	struct stat here, there;
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (!read_head(&h, seal->head_path) || stat(audit->path, &here) != 0)
		return 0; /* no head yet, or nothing to compare: verify says */
	if (h.dev && ((unsigned long long)here.st_dev != h.dev ||
		      (unsigned long long)here.st_ino != h.ino) &&
	    h.path[0] && stat(h.path, &there) == 0 &&
	    (unsigned long long)there.st_dev == h.dev && (unsigned long long)there.st_ino == h.ino)
		return carve_error_set(CARVE_EINVALID, "audit database %s is a copy of %s, the log"
				       " carve seals on this machine: carve adds nothing to a"
				       " copy (read it with --read-only, carve report or carve"
				       " verify)", audit->path, h.path);
	if (sqlite3_prepare_v2(audit->db, "SELECT hash FROM events WHERE seq = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot read the log's head");
	sqlite3_bind_int64(st, 1, h.seq);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the log's head");
	else if (rc == SQLITE_DONE || sqlite3_column_bytes(st, 0) != 32 ||
		 memcmp(sqlite3_column_blob(st, 0), h.hash, 32) != 0)
		err = carve_error_set(CARVE_EINVALID, "audit database %s does not hold row %" PRId64
				      ", the head carve last sealed on this machine (%s): it is"
				      " an older copy of the log, or rows were cut off its end"
				      " (carve verify says which); carve adds nothing to it",
				      audit->path, h.seq, seal->head_path);
	sqlite3_finalize(st);
	return err;
}

/* The key for this log, loaded once per handle (with the log's id); made
 * when the log has never been sealed. */
static int load(carve_audit *audit, int64_t now)
{
	unsigned char log_id[16];
	char id_hex[33];
	int64_t keys = 0;
	bool made;
	int err;

	if (audit->seal)
		return 0;
	if ((err = ensure_log_id(log_id, id_hex, &made, audit)) < 0)
		return err;
	audit_seal *seal = calloc(1, sizeof(*seal));
	if (!seal || !(seal->key_path = seal_path(id_hex, "key")) ||
	    !(seal->head_path = seal_path(id_hex, "head"))) {
		audit_seal_free(seal);
		return carve_error_oom();
	}
	memcpy(seal->log_id, log_id, 16);
	seal->id_pending = made;
	seal->recorded_epoch = -1;
	if (access(seal->key_path, F_OK) == 0) {
		if ((err = read_key(seal)) == 0 && (err = key_fits(audit, seal)) == 0)
			err = head_fits(audit, seal);
	} else if ((err = count(&keys, audit, "SELECT count(*) FROM seal_keys")) == 0) {
		if (keys == 0)
			err = create_key(seal, now);
		else
			err = carve_error_set(CARVE_EINVALID,
					      "audit database %s is sealed, but its sealing"
					      " key %s is missing: restore that file (carve"
					      " adds nothing to a sealed log without its key)",
					      audit->path, seal->key_path);
	}
	if (err < 0)
		audit_seal_free(seal);
	else
		audit->seal = seal;
	return err;
}

/* The key row for the secret's epoch, certified by the previous one. */
static int record_key(carve_audit *audit, const audit_seal *seal)
{
	sqlite3_stmt *st = NULL;
	int err;

	if (sqlite3_prepare_v2(audit->db, "INSERT OR IGNORE INTO seal_keys(epoch,"
			       " public_key, certificate) VALUES (?1, ?2, ?3)", -1, &st,
			       NULL) != SQLITE_OK)
		return audit_sqlite_error(audit, CARVE_EIO, "cannot record a sealing key");
	sqlite3_bind_int64(st, 1, seal->epoch);
	sqlite3_bind_blob(st, 2, seal->pub, 32, SQLITE_STATIC);
	if (seal->has_cert)
		sqlite3_bind_blob(st, 3, seal->cert, 64, SQLITE_STATIC);
	err = audit_step_done(audit, st, "cannot record a sealing key");
	sqlite3_finalize(st);
	return err;
}

int audit_seal_head(carve_audit *audit, int64_t seq, const unsigned char hash[32],
		    const char *time)
{
	unsigned char msg[AUDIT_SEAL_MESSAGE_MAX], sig[64];
	sqlite3_stmt *st;
	int err;

	if ((err = load(audit, audit_time_seconds(time))) < 0)
		return err;
	audit_seal *seal = audit->seal;
	int64_t epoch = audit_seal_epoch_of(seal->start, seal->seconds, time);
	/* a clock set back seals with the key it has; verify names the rows */
	if (epoch > seal->epoch && (err = evolve_key(seal, seal->log_id, epoch)) < 0)
		return err;
	/* the key's row once per epoch, not once per write */
	if (seal->recorded_epoch != seal->epoch) {
		if ((err = record_key(audit, seal)) < 0)
			return err;
		seal->key_pending = true;
	}
	size_t len = audit_seal_message(msg, seal->log_id, seal->epoch, seq, hash);
	if ((err = sign(sig, seal->secret, msg, len)) < 0)
		return err;
	if ((err = audit_stmt(&st, audit, AUDIT_ST_INSERT_SEAL)) < 0)
		return err;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, seal->epoch);
	sqlite3_bind_blob(st, 3, sig, 64, SQLITE_STATIC);
	if ((err = audit_step_done(audit, st, "cannot seal the log")) < 0)
		return err;
	audit->head_pending = true;
	audit->head_seq = seq;
	memcpy(audit->head_hash, hash, 32);
	return 0;
}

/* The open transaction's end.  Committed: what it recorded is the log's
 * (the key's row, the id), and the head goes to the head file, which may
 * lag the log (a crash between the two, or before the page cache reached
 * the disk: it is not synced, since lagging is harmless and a second fsync
 * per commit is not), never lead it; its failure loses no event, only some
 * of verify's power to see rows cut off the end, so it is nobody's error.
 * Rolled back: what it recorded is gone, and a log id it made means the
 * key loaded for it is not this log's. */
void audit_seal_settle(carve_audit *audit, bool committed)
{
	audit_seal *seal = audit->seal;
	bool head = audit->head_pending;
	char record[HEAD_RECORD], digest[65];

	audit->head_pending = false;
	if (!seal)
		return;
	if (!committed) {
		seal->key_pending = false;
		if (seal->id_pending) {
			audit_seal_free(seal);
			audit->seal = NULL;
		}
		return;
	}
	seal->id_pending = false;
	if (seal->key_pending)
		seal->recorded_epoch = seal->epoch;
	seal->key_pending = false;
	if (!head)
		return;
	carve_hex(digest, audit->head_hash, 32);
	memset(record, ' ', sizeof(record));
	/* the head, and the file it is this log's head in */
	struct stat here;
	char *where = realpath(audit->path, NULL);
	int n = snprintf(record, sizeof(record), "%" PRId64 ":%s", audit->head_seq, digest);
	if (stat(audit->path, &here) == 0 && where &&
	    n + 48 + strlen(where) < sizeof(record) - 1 && !strchr(where, '\n'))
		n += snprintf(record + n, sizeof(record) - (size_t)n, " %llu:%llu %s",
			      (unsigned long long)here.st_dev, (unsigned long long)here.st_ino,
			      where);
	free(where);
	record[n] = ' ';
	record[sizeof(record) - 1] = '\n';
	int fd = open(seal->head_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	/* a failed or short write leaves a record verify cannot read: no
	 * head, no check of the end; nothing else is lost */
	ssize_t written = pwrite(fd, record, sizeof(record), 0);
	(void)written;
	close(fd);
}

/* ---- what verify needs ---- */

int audit_seal_local(audit_seal_trust *out, carve_audit *audit)
{
	unsigned char log_id[16];
	char id_hex[33];
	int err;

	memset(out, 0, sizeof(*out));
	bool valid;
	/* never sealed, or its id edited: verify says which */
	if ((err = audit_log_id(&valid, log_id, id_hex, audit)) < 0 || !valid)
		return err;
	audit_seal seal = { 0 };
	if (!(seal.key_path = seal_path(id_hex, "key")) ||
	    !(seal.head_path = seal_path(id_hex, "head"))) {
		err = carve_error_oom();
		goto done;
	}
	snprintf(out->key_path, sizeof(out->key_path), "%s", seal.key_path);
	if (access(seal.key_path, F_OK) != 0)
		goto done;
	if ((err = read_key(&seal)) < 0)
		goto done;
	out->have_key = true;
	memcpy(out->root, seal.root, 32);
	out->start = seal.start;
	out->seconds = seal.seconds;

	head_record h;
	if (read_head(&h, seal.head_path)) {
		out->have_head = true;
		out->head_seq = h.seq;
		memcpy(out->head_hash, h.hash, 32);
	}
done:
	OPENSSL_cleanse(seal.secret, sizeof(seal.secret));
	free(seal.key_path);
	free(seal.head_path);
	return err;
}

void audit_seal_format_key(char out[AUDIT_VERIFY_KEY_MAX], const unsigned char root[32],
			   int64_t start, int64_t seconds)
{
	char digest[65];

	carve_hex(digest, root, 32);
	snprintf(out, AUDIT_VERIFY_KEY_MAX, "%s/%" PRId64 "/%" PRId64, digest, start,
		 seconds);
}

int audit_seal_parse_key(audit_seal_trust *out, const char *text)
{
	char digest[65];
	char tail;

	memset(out, 0, sizeof(*out));
	if (sscanf(text, "%64[0-9a-fA-F]/%" SCNd64 "/%" SCNd64 "%c", digest, &out->start,
		   &out->seconds, &tail) != 3 || !carve_unhex(out->root, 32, digest) ||
	    out->seconds <= 0 || out->start < 0)
		return carve_error_set(CARVE_EINVALID, "\"%s\" is not a verification key"
				       " (it reads HEX/START/SECONDS, as carve verify"
				       " prints it)", text);
	out->have_key = true;
	return 0;
}
