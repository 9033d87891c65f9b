/*
 * test_audit_verify.c - carve verify finds what was done to the log.
 *
 * Each test builds a log of 100 events through libcarve, then tampers with
 * it the way a person with the sqlite3 shell would: drop the triggers that
 * stand in the way, edit, delete or swap rows.
 */
#define _GNU_SOURCE /* memmem */
#include "audit_test.h"

#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EVENTS 100

static void setup(void)
{
	at_setup();
	carve_audit *audit = at_open(at_db);
	int64_t run = at_run(audit, "run --chunk wave1");
	for (int i = 1; i <= EVENTS; i++) {
		char machine[16], evidence[64];
		snprintf(machine, sizeof(machine), "WS-%04d", i);
		snprintf(evidence, sizeof(evidence), "{\"free_bytes\":%d}", i * 1000);
		carve_event ev = at_step(run, "wave1", machine, "preflight", "disk",
					 i % 7 ? CARVE_STATUS_OK : CARVE_STATUS_FAILED);
		ev.evidence = evidence;
		at_append(audit, &ev, 1);
	}
	carve_audit_free(audit);
}

TestSuite(audit_verify, .init = setup, .fini = at_teardown);

/* Opens the file raw and drops every trigger, as a tamperer would. */
static sqlite3 *tamper(void)
{
	sqlite3 *db = at_raw(at_db);
	sqlite3_stmt *st = NULL;
	char sql[256];

	for (;;) {
		cr_assert_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master"
						" WHERE type = 'trigger' LIMIT 1",
						-1, &st, NULL), SQLITE_OK);
		if (sqlite3_step(st) != SQLITE_ROW)
			break;
		snprintf(sql, sizeof(sql), "DROP TRIGGER \"%s\"", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		at_exec(db, sql);
	}
	sqlite3_finalize(st);
	return db;
}

static void put_be(EVP_MD_CTX *ctx, uint64_t v, int n)
{
	unsigned char b[8];

	for (int i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	cr_assert(EVP_DigestUpdate(ctx, b, (size_t)n));
}

/* The hash of the row sql selects (two integers, then n text fields, then
 * the previous hash when chained), computed here from the format's
 * description rather than with libcarve's code. */
static void rehash(unsigned char out[32], sqlite3 *db, const char *sql, int n,
		   bool chained)
{
	sqlite3_stmt *st = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL));
	put_be(ctx, (uint64_t)sqlite3_column_int64(st, 0), 8);
	put_be(ctx, (uint64_t)sqlite3_column_int64(st, 1), 8);
	for (int col = 2; col < 2 + n; col++) {
		bool present = sqlite3_column_type(st, col) != SQLITE_NULL;
		const unsigned char *text = sqlite3_column_text(st, col);
		int bytes = sqlite3_column_bytes(st, col);
		put_be(ctx, present, 1);
		put_be(ctx, present ? (uint64_t)bytes : 0, 4);
		cr_assert(EVP_DigestUpdate(ctx, text, present ? (size_t)bytes : 0));
	}
	if (chained) {
		cr_assert_eq(sqlite3_column_bytes(st, 2 + n), 32);
		cr_assert(EVP_DigestUpdate(ctx, sqlite3_column_blob(st, 2 + n), 32));
	}
	cr_assert(EVP_DigestFinal_ex(ctx, out, &len));
	cr_assert_eq(len, 32);
	EVP_MD_CTX_free(ctx);
	sqlite3_finalize(st);
}

static void rehash_event(unsigned char out[32], sqlite3 *db, int seq)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT seq, coalesce(run, 0), time, actor, kind,"
		 " chunk, machine, user, phase, step, status, evidence, diagnosis,"
		 " prev_hash FROM events WHERE seq = %d", seq);
	rehash(out, db, sql, 11, true);
}

static const char *hex(const unsigned char h[32])
{
	static char out[65];

	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return out;
}

/* Runs sql on the file with the triggers out of the way. */
static void tamper_with(const char *sql)
{
	sqlite3 *db = tamper();

	at_exec(db, sql);
	sqlite3_close(db);
}

static carve_verify_result verify(void)
{
	carve_verify_result r;
	carve_audit *audit = at_open_ro(at_db);

	cr_assert_eq(carve_audit_verify(&r, audit, NULL), 0, "%s", carve_error_last()->message);
	carve_audit_free(audit);
	return r;
}

static void expect_bad(int64_t seq, const char *words)
{
	carve_verify_result r = verify();
	char row[32];

	cr_assert_not(r.ok, "tampering went unnoticed");
	cr_log_info("verify: %s", r.reason);
	cr_assert_eq(r.bad_seq, seq, "bad_seq %lld, want %lld: %s",
		     (long long)r.bad_seq, (long long)seq, r.reason);
	snprintf(row, sizeof(row), "row %lld", (long long)seq);
	cr_assert_not_null(strstr(r.reason, row), "reason does not name %s: %s", row, r.reason);
	cr_assert_not_null(strstr(r.reason, words), "reason lacks '%s': %s", words, r.reason);
	cr_assert_str_eq(r.integrity, "ok");
}

Test(audit_verify, untouched_log_is_ok)
{
	carve_verify_result r = verify();

	cr_assert(r.ok, "%s", r.reason);
	cr_assert_eq(r.events, EVENTS + 1, "the run's start and the steps");
	cr_assert_eq(r.bad_seq, 0);
	cr_assert_eq(r.head_seq, EVENTS + 1);
	cr_assert_eq(strlen(r.head_hash), 64);
	cr_assert_eq(r.seal_epochs, 1);
	cr_assert_neq(r.verify_key[0], '\0', "the verification key to keep");
	cr_assert_str_eq(r.reason, "");
	cr_assert_str_eq(r.integrity, "ok");

	/* verify through a read-write handle that keeps appending after it */
	carve_audit *audit = at_open(at_db);
	carve_event ev = at_step(1, "wave1", "WS-0002", "preflight", "ping", CARVE_STATUS_OK);
	at_append(audit, &ev, 1);
	cr_assert_eq(carve_audit_verify(&r, audit, NULL), 0);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_eq(r.events, EVENTS + 2);
	carve_audit_free(audit);
}

Test(audit_verify, an_empty_log_is_ok)
{
	char *path = t_path(at_dir, "empty.db");
	carve_audit *audit = at_open(path);
	carve_verify_result r;

	cr_assert_eq(carve_audit_verify(&r, audit, NULL), 0);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_eq(r.events, 0);
	carve_audit_free(audit);
	free(path);
}

Test(audit_verify, edited_row)
{
	tamper_with("UPDATE events SET evidence = '{\"free_bytes\":2000000000}' WHERE seq = 57");
	expect_bad(57, "content does not match its hash (edited)");
}

Test(audit_verify, edited_status_only)
{
	tamper_with("UPDATE events SET status = 'ok' WHERE seq = 71");
	expect_bad(71, "edited");
}

Test(audit_verify, deleted_row)
{
	tamper_with("DELETE FROM events WHERE seq = 57");
	expect_bad(58, "row 57 deleted?");
}

Test(audit_verify, deleted_rows_renumbered)
{
	tamper_with("DELETE FROM events WHERE seq = 57;"
		    "UPDATE events SET seq = seq - 1 WHERE seq > 57");
	expect_bad(57, "renumbered");
}

Test(audit_verify, swapped_rows)
{
	/* whole rows, hashes included: each is intact but out of place */
	tamper_with("CREATE TEMP TABLE t AS SELECT * FROM events WHERE seq IN (30, 40);"
		    "UPDATE events SET (time, run, actor, kind, chunk, machine, user,"
		    " phase, step, status, evidence, diagnosis, prev_hash, hash) ="
		    " (SELECT time, run, actor, kind, chunk, machine, user, phase, step,"
		    " status, evidence, diagnosis, prev_hash, hash FROM t"
		    " WHERE t.seq = 70 - events.seq) WHERE seq IN (30, 40)");
	expect_bad(30, "neither its content nor its link to row 29 match");
}

Test(audit_verify, swapped_contents)
{
	tamper_with("CREATE TEMP TABLE t AS SELECT * FROM events WHERE seq IN (30, 40);"
		    "UPDATE events SET (machine, status, evidence) ="
		    " (SELECT machine, status, evidence FROM t"
		    " WHERE t.seq = 70 - events.seq) WHERE seq IN (30, 40)");
	expect_bad(30, "does not match its hash");
}

Test(audit_verify, deleted_first_row)
{
	tamper_with("DELETE FROM events WHERE seq = 1");
	expect_bad(2, "starts here instead of at row 1 (row 1 deleted?)");
}

Test(audit_verify, deleted_last_rows)
{
	tamper_with("DELETE FROM events WHERE seq > 97");
	expect_bad(98, "says the log reached row 101, but it ends at row 97 (rows deleted");
}

Test(audit_verify, replaced_hash)
{
	tamper_with("UPDATE events SET hash = x'00' WHERE seq = 12");
	expect_bad(12, "malformed");
}

Test(audit_verify, hash_follows_the_documented_serialisation)
{
	sqlite3 *db = at_raw(at_db);
	unsigned char want[32];

	for (int seq = 1; seq <= 3; seq++) {
		rehash_event(want, db, seq);
		char sql[160];
		snprintf(sql, sizeof(sql), "SELECT hash = x'%s' FROM events WHERE seq = %d",
			 hex(want), seq);
		cr_assert_eq(at_int(db, sql), 1, "row %d's hash is not SHA-256 over the"
			     " serialisation carve(1) documents", seq);
	}
	rehash(want, db, "SELECT id, pid, started, ended, who, host, plan_sha256,"
		   " plan_path, carve_version, command FROM runs", 8, false);
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT hash = x'%s' FROM runs", hex(want));
	cr_assert_eq(at_int(db, sql), 1, "the run's hash");
	sqlite3_close(db);
}

Test(audit_verify, edited_row_with_its_hash_recomputed)
{
	/* Whoever recomputes the edited row's hash breaks the next row's link. */
	unsigned char hash[32];
	char sql[160];
	sqlite3 *db = tamper();

	at_exec(db, "UPDATE events SET status = 'ok', evidence = '{}' WHERE seq = 44");
	rehash_event(hash, db, 44);
	snprintf(sql, sizeof(sql), "UPDATE events SET hash = x'%s' WHERE seq = 44", hex(hash));
	at_exec(db, sql);
	sqlite3_close(db);
	expect_bad(45, "previous hash does not match row 44's hash");
}

/* The newest row, its time moved before its run began and its hash
 * recomputed (no later row links to it): only its run's times show it. */
Test(audit_verify, a_row_dated_outside_its_run)
{
	unsigned char hash[32];
	char sql[200];
	sqlite3 *db = tamper();
	int64_t last = at_int(db, "SELECT max(seq) FROM events");

	snprintf(sql, sizeof(sql), "UPDATE events SET time = '2000-01-01T00:00:00.000Z'"
		 " WHERE seq = %lld", (long long)last);
	at_exec(db, sql);
	rehash_event(hash, db, last);
	snprintf(sql, sizeof(sql), "UPDATE events SET hash = x'%s' WHERE seq = %lld", hex(hash),
		 (long long)last);
	at_exec(db, sql);
	sqlite3_close(db);
	expect_bad(last, "dated outside run");
}

Test(audit_verify, edited_run_description)
{
	tamper_with("UPDATE runs SET who = 'mallory'");
	expect_bad(1, "run 1, whose record in the runs table does not match its hash");
}

Test(audit_verify, edited_run_end)
{
	carve_audit *audit = at_open(at_db);
	cr_assert_eq(carve_audit_run_end(audit, 1), 0);
	carve_audit_free(audit);

	tamper_with("UPDATE runs SET ended = '2026-01-01T00:00:00.000Z'");
	expect_bad(1, "does not match its hash");
}

Test(audit_verify, deleted_run)
{
	tamper_with("DELETE FROM runs");
	expect_bad(1, "missing from the runs table");
}

Test(audit_verify, damaged_file)
{
	/* Rewrite the machine names inside the events_machine index page: the
	 * b-tree stays well-formed, but its keys no longer match the table. */
	sqlite3 *db = at_raw(at_db);
	int64_t page = at_int(db, "SELECT rootpage FROM sqlite_master WHERE name = 'events_machine'");
	int64_t page_size = at_int(db, "PRAGMA page_size");
	sqlite3_close(db);

	FILE *f = fopen(at_db, "r+b");
	cr_assert_not_null(f);
	char *buf = malloc((size_t)page_size);
	cr_assert_eq(fseek(f, (long)((page - 1) * page_size), SEEK_SET), 0);
	cr_assert_eq(fread(buf, 1, (size_t)page_size, f), (size_t)page_size);
	int changed = 0;
	for (int64_t i = 0; i + 3 <= page_size; i++)
		if (memcmp(buf + i, "WS-", 3) == 0) {
			buf[i] = 'X';
			changed++;
		}
	cr_assert_gt(changed, 0);
	cr_assert_eq(fseek(f, (long)((page - 1) * page_size), SEEK_SET), 0);
	cr_assert_eq(fwrite(buf, 1, (size_t)page_size, f), (size_t)page_size);
	cr_assert_eq(fclose(f), 0);
	free(buf);

	carve_verify_result r = verify();
	cr_log_info("verify: %s", r.reason);
	cr_assert_not(r.ok);
	cr_assert_str_neq(r.integrity, "ok");
	cr_assert_not_null(strstr(r.reason, "the database file is damaged"), "%s", r.reason);
}

/* ---- what carve shows and decides from ---- */

Test(audit_verify, state_edited_to_clean)
{
	/* issue 13: this made carve status show a clean chunk, verify passing */
	tamper_with("UPDATE state SET status = 'ok', diagnosis = NULL WHERE status = 'failed'");
	expect_bad(8, "the state table says it holds the current state of machine WS-0007");
}

Test(audit_verify, state_row_deleted)
{
	tamper_with("DELETE FROM state WHERE object = 'WS-0050'");
	expect_bad(51, "the state table lacks it");
}

Test(audit_verify, state_row_inserted)
{
	tamper_with("INSERT INTO state(object_kind, object, phase, step, chunk, status, seq,"
		    " time) SELECT 'machine', 'WS-9999', 'preflight', 'disk', 'wave1', 'ok',"
		    " seq, time FROM events WHERE seq = 30");
	expect_bad(30, "the state table says it holds the current state of machine WS-9999");
}

static void add_note_and_signoff(void)
{
	carve_audit *audit = at_open(at_db);
	carve_event ev[2] = { CARVE_EVENT_INIT, CARVE_EVENT_INIT };

	ev[0].kind = "note";
	ev[0].actor = "alice";
	ev[0].machine = "WS-0007";
	ev[0].evidence = "{\"text\":\"powered off at the wall\"}";
	ev[1].kind = "signoff";
	ev[1].actor = "bob";
	ev[1].step = "ad-trust";
	ev[1].status = CARVE_STATUS_OK;
	ev[1].evidence = "{\"text\":\"trust removed\"}";
	at_append(audit, ev, 2);
	carve_audit_free(audit);
}

Test(audit_verify, notes_and_signoffs_edited_deleted_or_forged)
{
	add_note_and_signoff();
	carve_verify_result r = verify();
	cr_assert(r.ok, "%s", r.reason);

	tamper_with("UPDATE notes SET text = 'all fine'");
	expect_bad(EVENTS + 2, "the notes table's note for it does not match");
	tamper_with("UPDATE notes SET text = 'powered off at the wall'");
	cr_assert(verify().ok);

	tamper_with("DELETE FROM signoffs");
	expect_bad(EVENTS + 3, "its sign-off is missing from the sign-offs table");
	tamper_with("INSERT INTO signoffs SELECT seq, time, actor, chunk, machine, user,"
		    " phase, step, status, 'trust removed' FROM events WHERE seq = 103");
	cr_assert(verify().ok);

	tamper_with("INSERT INTO notes(seq, time, actor, text) VALUES (40,"
		    " (SELECT time FROM events WHERE seq = 40), 'mallory', 'forged')");
	expect_bad(40, "the notes table's note for it does not match");
}

Test(audit_verify, a_run_added_or_its_events_removed)
{
	tamper_with("INSERT INTO runs(started, who, host, pid, carve_version, command, hash)"
		    " SELECT started, 'mallory', host, pid, carve_version, 'run', hash"
		    " FROM runs");
	carve_verify_result r = verify();
	cr_assert_not(r.ok);
	cr_assert_not_null(strstr(r.reason, "run 2"), "%s", r.reason);
}

/* The newest rows cut off with their state rows and seals: only what
 * lives outside the database (the head file) still knows they existed. */
Test(audit_verify, newest_rows_deleted_with_everything_that_points_at_them)
{
	tamper_with("DELETE FROM seals WHERE seq > 95; DELETE FROM state WHERE seq > 95;"
		    " DELETE FROM events WHERE seq > 95");
	expect_bad(96, "the head file beside the sealing key says the log reached row 101");
}

Test(audit_verify, every_row_of_every_table_deleted)
{
	tamper_with("DELETE FROM seals; DELETE FROM seal_keys; DELETE FROM state;"
		    " DELETE FROM notes; DELETE FROM signoffs; DELETE FROM events;"
		    " DELETE FROM runs");
	expect_bad(1, "says the log reached row 101");
}

Test(audit_verify, an_empty_log_whose_runs_say_otherwise)
{
	tamper_with("DELETE FROM seals; DELETE FROM state; DELETE FROM events");
	carve_verify_result r = verify();
	cr_assert_not(r.ok, "an empty log with a run verified");
	cr_log_info("verify: %s", r.reason);
}

/* ---- the seals ---- */

/* Recomputes every row's link and hash from seq on, as someone who knows
 * the documented serialisation (but not the key) would. */
static void rehash_from(sqlite3 *db, int from)
{
	int64_t last = at_int(db, "SELECT max(seq) FROM events");
	unsigned char hash[32];
	char sql[200];

	for (int seq = from; seq <= last; seq++) {
		if (seq > 1) {
			snprintf(sql, sizeof(sql), "UPDATE events SET prev_hash = (SELECT hash"
				 " FROM events WHERE seq = %d) WHERE seq = %d", seq - 1, seq);
			at_exec(db, sql);
		}
		rehash_event(hash, db, seq);
		snprintf(sql, sizeof(sql), "UPDATE events SET hash = x'%s' WHERE seq = %d",
			 hex(hash), seq);
		at_exec(db, sql);
	}
}

Test(audit_verify, whole_chain_rewritten_without_the_key)
{
	/* issue 13: every failed row made ok and the chain recomputed */
	sqlite3 *db = tamper();
	at_exec(db, "UPDATE events SET status = 'ok' WHERE status = 'failed';"
		    "UPDATE state SET status = 'ok' WHERE status = 'failed'");
	rehash_from(db, 1);
	sqlite3_close(db);
	expect_bad(8, "its seal does not match"); /* the first failed row */
}

Test(audit_verify, a_forged_signoff_appended_without_the_key)
{
	sqlite3 *db = tamper();
	at_exec(db, "INSERT INTO events(seq, time, run, actor, kind, step, status,"
		    " evidence, prev_hash, hash) SELECT 102, time, 1, 'lead', 'signoff',"
		    " 'ad-trust', 'ok', '{\"text\":\"done\"}', hash, x'00' FROM events"
		    " WHERE seq = 101;"
		    "INSERT INTO signoffs SELECT seq, time, actor, chunk, machine, user,"
		    " phase, step, status, 'done' FROM events WHERE seq = 102;"
		    "INSERT INTO state(object_kind, object, phase, step, status, seq, time)"
		    " SELECT 'site', '', '', 'ad-trust', 'ok', seq, time FROM events"
		    " WHERE seq = 102");
	rehash_from(db, 102);
	sqlite3_close(db);
	expect_bad(102, "not sealed");
}

static char *key_file_of(const char *path)
{
	sqlite3 *db = at_raw(path);
	sqlite3_stmt *st = NULL;
	char leaf[128];

	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'log_id'",
					-1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(leaf, sizeof(leaf), "config/carve/seal/%s.key", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return t_path(at_dir, leaf);
}

static char *key_file(void)
{
	return key_file_of(at_db);
}

Test(audit_verify, the_key_lives_outside_the_database_0600)
{
	char *key = key_file();
	struct stat st;

	cr_assert_eq(stat(key, &st), 0, "no key at %s", key);
	cr_assert_eq(st.st_mode & 0777, 0600);
	/* its secret is nowhere in the database */
	size_t len = 0, db_len = 0;
	char *text = t_read_file(key, &len);
	char *secret = strstr(text, "secret ");
	cr_assert_not_null(secret);
	secret[7 + 64] = '\0';
	char *dbtext = t_read_file(at_db, &db_len);
	cr_assert_null(memmem(dbtext, db_len, secret + 7, 64));
	free(dbtext);
	free(text);
	free(key);
}

Test(audit_verify, a_person_s_verification_key_and_a_lost_key_file)
{
	carve_verify_result r = verify();
	char kept[128];
	snprintf(kept, sizeof(kept), "%s", r.verify_key);

	char *key = key_file();
	cr_assert_eq(unlink(key), 0);

	/* without the key nothing can be proven, and nothing is added */
	r = verify();
	cr_assert_not(r.ok);
	cr_assert_not_null(strstr(r.reason, "--verify-key"), "%s", r.reason);
	carve_audit *audit = at_open(at_db);
	carve_event ev = at_step(1, "wave1", "WS-0002", "preflight", "ping", CARVE_STATUS_OK);
	cr_assert_eq(carve_audit_append(NULL, audit, &ev, 1), CARVE_EINVALID);
	cr_assert_not_null(strstr(carve_error_last()->message, "sealing key"), "%s",
			   carve_error_last()->message);

	/* the key a person kept proves it from anywhere */
	carve_verify_options opts = { kept, NULL, NULL };
	cr_assert_eq(carve_audit_verify(&r, audit, &opts), 0);
	cr_assert(r.ok, "%s", r.reason);
	kept[0] = kept[0] == 'a' ? 'b' : 'a';
	cr_assert_eq(carve_audit_verify(&r, audit, &opts), 0);
	cr_assert_not(r.ok);
	cr_assert_not_null(strstr(r.reason, "not sealed with this verification key"), "%s",
			   r.reason);
	opts.verify_key = "not a key";
	cr_assert_eq(carve_audit_verify(&r, audit, &opts), CARVE_EINVALID);
	carve_audit_free(audit);
	free(key);
}

Test(audit_verify, a_recorded_head_is_still_part_of_the_log)
{
	carve_verify_result r = verify();
	char head[96];
	snprintf(head, sizeof(head), "%lld:%s", (long long)r.head_seq, r.head_hash);

	carve_audit *audit = at_open(at_db);
	carve_event ev = at_step(1, "wave1", "WS-0002", "preflight", "ping", CARVE_STATUS_OK);
	at_append(audit, &ev, 1);
	carve_verify_options opts = { NULL, head, NULL };
	cr_assert_eq(carve_audit_verify(&r, audit, &opts), 0);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_eq(r.head_seq, EVENTS + 2);

	head[strlen(head) - 1] = head[strlen(head) - 1] == '0' ? '1' : '0';
	cr_assert_eq(carve_audit_verify(&r, audit, &opts), 0);
	cr_assert_not(r.ok);
	cr_assert_not_null(strstr(r.reason, "not the one the head you gave recorded"), "%s",
			   r.reason);
	opts.head = "900:00";
	cr_assert_eq(carve_audit_verify(&r, audit, &opts), CARVE_EINVALID);
	carve_audit_free(audit);
}

/* Keys evolve: each epoch's secret replaces the last on disk, certified by
 * it, and verify walks the certificates back to the first key. */
Test(audit_verify, the_key_evolves_and_old_secrets_are_gone)
{
	char *path = t_path(at_dir, "epochs.db");
	setenv("CARVE_SEAL_EPOCH_SECONDS", "1", 1);
	carve_audit *audit = at_open(path);
	int64_t run = at_run(audit, "run");
	carve_verify_result r;
	size_t len;
	char *key = NULL, *first = NULL;

	for (int i = 0; i < 3; i++) {
		carve_event ev = at_step(run, "wave1", "WS-1", "preflight", "ping",
					 CARVE_STATUS_OK);
		at_append(audit, &ev, 1);
		if (!key) {
			key = key_file_of(path);
			first = t_read_file(key, &len);
		}
		usleep(1100 * 1000); /* the epoch is the thing under test */
	}
	char *last = t_read_file(key, &len);
	cr_assert_not_null(strstr(first, "\nepoch 0\n"), "%s", first);
	char *secret = strstr(first, "secret ");
	secret[7 + 64] = '\0';
	cr_assert_null(strstr(last, secret), "the first epoch's secret is still in the"
		       " key file:\n%s", last);
	cr_assert_eq(carve_audit_verify(&r, audit, NULL), 0);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_geq(r.seal_epochs, 3, "%lld keys", (long long)r.seal_epochs);
	free(first);
	free(last);
	free(key);
	carve_audit_free(audit);

	/* the key file holds one secret, the latest epoch's */
	sqlite3 *db = at_raw(path);
	int64_t epochs = at_int(db, "SELECT count(*) FROM seal_keys");
	cr_assert_eq(at_int(db, "SELECT count(*) FROM seal_keys WHERE certificate IS NULL"), 1,
		     "only the first key is uncertified");
	sqlite3_close(db);
	cr_assert_geq(epochs, 3);
	free(path);
	unsetenv("CARVE_SEAL_EPOCH_SECONDS");
}

/* ---- found by trying it cold, as an attacker ---- */

Test(audit_verify, a_view_redefined)
{
	/* v_failures is what triage reads by hand: one failure hidden */
	tamper_with("DROP VIEW v_failures; CREATE VIEW v_failures AS SELECT * FROM v_state"
		    " WHERE status IN ('failed', 'interrupted') AND object <> 'WS-0007'");
	carve_verify_result r = verify();
	cr_assert_not(r.ok);
	cr_assert_not_null(strstr(r.reason, "the view v_failures is not the one carve made"),
			   "%s", r.reason);
}

Test(audit_verify, a_dropped_table_is_tampering_not_an_error)
{
	tamper_with("DROP TABLE seals");
	carve_verify_result r = verify();
	cr_assert_not(r.ok);
	cr_assert_not_null(strstr(r.reason, "the table seals is missing"), "%s", r.reason);
}

Test(audit_verify, an_emptied_log_is_tampering)
{
	cr_assert_eq(truncate(at_db, 0), 0);
	char *wal = t_path(at_dir, "site.db-wal");
	unlink(wal);
	free(wal);
	carve_audit_options opts = CARVE_AUDIT_OPTIONS_INIT;
	carve_audit *audit = NULL;
	opts.read_only = true;
	cr_assert_eq(carve_audit_open(&audit, at_db, &opts), CARVE_ETAMPERED);
	cr_assert_not_null(strstr(carve_error_last()->message, "holds no log at all"), "%s",
			   carve_error_last()->message);
}

Test(audit_verify, a_damaged_key_file_is_a_verdict_with_the_way_out)
{
	char *key = key_file();
	t_write_file(key, "garbage\n");
	chmod(key, 0600);
	carve_verify_result r = verify();
	cr_assert_not(r.ok);
	cr_assert_not_null(strstr(r.reason, "is damaged") && strstr(r.reason, "--verify-key"),
			   "%s", r.reason);
	free(key);
}

Test(audit_verify, another_log_s_key_is_refused_before_it_seals_anything)
{
	char *other = t_path(at_dir, "other.db");
	carve_audit *audit = at_open(other);
	at_run(audit, "other");
	carve_audit_free(audit);
	char *mine = key_file(), *theirs = key_file_of(other);
	size_t len = 0;
	char *text = t_read_file(theirs, &len);
	t_write_file(mine, text);
	chmod(mine, 0600);

	audit = at_open(at_db);
	carve_event ev = at_step(1, "wave1", "WS-0002", "preflight", "ping", CARVE_STATUS_OK);
	cr_assert_eq(carve_audit_append(NULL, audit, &ev, 1), CARVE_EINVALID);
	cr_assert_not_null(strstr(carve_error_last()->message, "copied from another log"), "%s",
			   carve_error_last()->message);
	carve_audit_free(audit);
	free(text);
	free(theirs);
	free(mine);
	free(other);
}

/* A copy of the log is for reading: written to while the log itself is
 * there, its head would replace the log's in the head file and the log
 * would look cut short to verify (found in a cold try).  A log that ends
 * before the head (an older copy put back) is refused too; a log moved
 * away from where it was is still the log. */
static void copy_file(const char *from, const char *to)
{
	size_t len = 0;
	char *bytes = t_read_file(from, &len);
	FILE *f = fopen(to, "we");
	cr_assert(bytes && f && fwrite(bytes, 1, len, f) == len && fclose(f) == 0);
	free(bytes);
}

static int append_one(const char *path)
{
	carve_audit *audit = at_open(path);
	carve_event ev = at_step(1, "wave1", "WS-0002", "preflight", "ping", CARVE_STATUS_OK);
	int err = carve_audit_append(NULL, audit, &ev, 1);
	carve_audit_free(audit);
	return err;
}

Test(audit_verify, a_copy_of_the_log_is_not_written_to)
{
	char *copy = t_path(at_dir, "copy.db"), *older = t_path(at_dir, "older.db"),
	     *newest = t_path(at_dir, "newest.db"), *moved = t_path(at_dir, "moved.db");

	copy_file(at_db, copy); /* setup() closed it: no -wal left */
	cr_assert_eq(append_one(copy), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "is a copy of") &&
		  strstr(carve_error_last()->message, "site.db"), "%s", carve_error_last()->message);
	/* the log itself goes on, and verifies */
	cr_assert_eq(append_one(at_db), 0, "%s", carve_error_last()->message);
	carve_verify_result r = verify();
	cr_assert(r.ok, "%s", r.reason);

	/* an older state of it put back in its place ends before the head */
	copy_file(at_db, older);
	cr_assert_eq(append_one(at_db), 0, "%s", carve_error_last()->message);
	copy_file(at_db, newest);
	copy_file(older, at_db);
	cr_assert_eq(append_one(at_db), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "does not hold row"), "%s",
		  carve_error_last()->message);

	/* moved to another file with nothing left where it was: still the log */
	copy_file(newest, moved);
	cr_assert_eq(unlink(at_db), 0);
	cr_assert_eq(append_one(moved), 0, "%s", carve_error_last()->message);
	free(older);
	free(newest);
	free(copy);
	free(moved);
}
