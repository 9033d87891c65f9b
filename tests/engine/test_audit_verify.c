/*
 * test_audit_verify.c - carve verify finds what was done to the log.
 *
 * Each test builds a log of 100 events through libcarve, then tampers with
 * it the way a person with the sqlite3 shell would: drop the triggers that
 * stand in the way, edit, delete or swap rows.
 */
#include "audit_test.h"

#include <openssl/evp.h>

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

	cr_assert_eq(carve_audit_verify(&r, audit), 0, "%s", carve_error_last()->message);
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
	cr_assert_eq(r.events, EVENTS);
	cr_assert_eq(r.bad_seq, 0);
	cr_assert_str_eq(r.reason, "");
	cr_assert_str_eq(r.integrity, "ok");

	/* verify through a read-write handle that keeps appending after it */
	carve_audit *audit = at_open(at_db);
	carve_event ev = at_step(1, "wave1", "WS-0002", "preflight", "ping", CARVE_STATUS_OK);
	at_append(audit, &ev, 1);
	cr_assert_eq(carve_audit_verify(&r, audit), 0);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_eq(r.events, EVENTS + 1);
	carve_audit_free(audit);
}

Test(audit_verify, an_empty_log_is_ok)
{
	char *path = t_path(at_dir, "empty.db");
	carve_audit *audit = at_open(path);
	carve_verify_result r;

	cr_assert_eq(carve_audit_verify(&r, audit), 0);
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
	tamper_with("UPDATE events SET status = 'ok' WHERE seq = 70");
	expect_bad(70, "edited");
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
	expect_bad(98, "last rows deleted?");
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
