/*
 * bench_audit - what the audit log costs, against bare SQLite in the same
 * run.
 *
 *   bench_audit PLAN [DIR]
 *
 * Three figures, each with its peer:
 *   - a batch of 1,000 events in one append, against 1,000 INSERTs of the
 *     same columns in one transaction into a plain WAL table with the same
 *     synchronous=FULL (the peer has no hash chain, no state table, no
 *     triggers);
 *   - 200 single-event appends, each durable on return, against 200
 *     one-row transactions;
 *   - the chunk x phase grid after every machine of PLAN has 15 recorded
 *     steps, against a bare "SELECT count(*) ... GROUP BY" over the same
 *     state rows;
 *   - carve verify of that log (chain, derived tables rebuilt, every seal's
 *     signature), against the least a hash-chain check does: SQLite's
 *     integrity_check and one SHA-256 over every event's columns.
 * Each write is sealed (Ed25519), as in use; the sealing key goes under
 * DIR, not the home directory.
 * Make a big plan with gen_plan.  DIR (default /tmp) holds the databases.
 */
#include "bench.h"
#include "carve.h"

#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "bench_audit: %s: %s\n", what, carve_error_last()->message);
	exit(1);
}

static sqlite3 *peer_open(const char *path)
{
	sqlite3 *db;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE events(seq INTEGER PRIMARY KEY, time TEXT,"
			 " run INTEGER, actor TEXT, kind TEXT, chunk TEXT, machine TEXT,"
			 " user TEXT, phase TEXT, step TEXT, status TEXT, evidence TEXT,"
			 " diagnosis TEXT)", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_audit: peer: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	return db;
}

static void peer_insert(sqlite3 *db, const carve_event *ev, size_t n)
{
	sqlite3_stmt *st;

	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO events(time, run, actor, kind, chunk,"
			   " machine, user, phase, step, status, evidence, diagnosis)"
			   " VALUES(strftime('%Y-%m-%dT%H:%M:%fZ'),?,?,?,?,?,?,?,?,?,?,?)",
			   -1, &st, NULL);
	for (size_t i = 0; i < n; i++) {
		const char *text[] = { ev[i].actor, ev[i].kind, ev[i].chunk, ev[i].machine,
				       ev[i].user,  ev[i].phase, ev[i].step,
				       carve_status_name(ev[i].status), ev[i].evidence,
				       ev[i].diagnosis };
		sqlite3_bind_int64(st, 1, ev[i].run);
		for (int c = 0; c < 10; c++)
			sqlite3_bind_text(st, c + 2, text[c], -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

/* The least a hash-chain check does: SQLite's own check, then a SHA-256
 * over each event's columns. */
static void peer_verify(sqlite3 *db)
{
	unsigned char digest[32];
	unsigned len;
	sqlite3_stmt *st;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	sqlite3_exec(db, "PRAGMA integrity_check", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "SELECT seq, run, time, actor, kind, chunk, machine, user, phase,"
			   " step, status, evidence, diagnosis, prev_hash FROM events ORDER BY seq",
			   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		for (int c = 0; c < 14; c++)
			EVP_DigestUpdate(ctx, sqlite3_column_blob(st, c),
					 (size_t)sqlite3_column_bytes(st, c));
		EVP_DigestFinal_ex(ctx, digest, &len);
	}
	sqlite3_finalize(st);
	EVP_MD_CTX_free(ctx);
}

static void report(const char *what, double carve_ms, double peer_ms)
{
	printf("%-36s carve %9.2f ms   sqlite peer %9.2f ms   ratio %5.2fx\n", what,
	       carve_ms, peer_ms, carve_ms / peer_ms);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	char path[4096], peer_path[4096];
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	carve_audit *audit = NULL;
	int64_t run;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_audit PLAN [DIR]\n");
		return 2;
	}
	if (carve_plan_load(&plan, &diags, argv[1]) < 0)
		die(argv[1]);
	carve_diags_free(diags);
	snprintf(path, sizeof(path), "%s/bench-audit-config", dir);
	setenv("XDG_CONFIG_HOME", path, 1);
	snprintf(path, sizeof(path), "%s/bench-audit.db", dir);
	snprintf(peer_path, sizeof(peer_path), "%s/bench-audit-peer.db", dir);
	unlink(path);
	if (carve_audit_open(&audit, path, NULL) < 0 ||
	    carve_audit_run_begin(&run, audit, plan, "bench") < 0)
		die(path);
	sqlite3 *peer = peer_open(peer_path);

	size_t n_machines, n_chunks;
	const carve_machine *m = carve_plan_machines(plan, &n_machines);
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);
	carve_event *ev = calloc(n_machines, sizeof(*ev));
	if (!ev)
		return 1;
	for (size_t i = 0; i < n_machines; i++) {
		ev[i] = (carve_event)CARVE_EVENT_INIT;
		ev[i].run = run;
		ev[i].actor = "engine";
		ev[i].chunk = chunks[m[i].chunk].name;
		ev[i].machine = m[i].name;
		ev[i].phase = "preflight";
		ev[i].step = "ping";
		ev[i].status = CARVE_STATUS_OK;
		ev[i].evidence = "{\"rtt_ms\":3}";
	}

	size_t batch = n_machines < 1000 ? n_machines : 1000;
	double t0 = now_ms();
	if (carve_audit_append(NULL, audit, ev, batch) < 0)
		die("append");
	double carve_ms = now_ms() - t0;
	t0 = now_ms();
	peer_insert(peer, ev, batch);
	char label[64];
	snprintf(label, sizeof(label), "one append of %zu events", batch);
	report(label, carve_ms, now_ms() - t0);

	double peer_ms = 0;
	carve_ms = 0;
	for (int i = 0; i < 200; i++) {
		t0 = now_ms();
		if (carve_audit_append(NULL, audit, &ev[(size_t)i % n_machines], 1) < 0)
			die("append");
		carve_ms += now_ms() - t0;
		t0 = now_ms();
		peer_insert(peer, &ev[(size_t)i % n_machines], 1);
		peer_ms += now_ms() - t0;
	}
	report("200 single-event appends", carve_ms, peer_ms);

	static const char *const phases[] = { "inventory", "preflight", "restart",
					      "workstations", "clients" };
	static const char *const steps[] = { "a", "b", "c" };
	for (size_t p = 0; p < 5; p++)
		for (size_t s = 0; s < 3; s++) {
			for (size_t i = 0; i < n_machines; i++) {
				ev[i].phase = phases[p];
				ev[i].step = steps[s];
				ev[i].status = i % 10 == s ? CARVE_STATUS_FAILED : CARVE_STATUS_OK;
			}
			if (carve_audit_append(NULL, audit, ev, n_machines) < 0)
				die("append");
		}
	carve_grid grid;
	carve_ms = 1e9;
	for (int round = 0; round < 3; round++) {
		t0 = now_ms();
		if (carve_audit_grid(&grid, audit, plan) < 0)
			die("grid");
		double ms = now_ms() - t0;
		carve_ms = ms < carve_ms ? ms : carve_ms;
		carve_grid_done(&grid);
	}
	sqlite3 *raw;
	sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL);
	peer_ms = 1e9;
	for (int round = 0; round < 3; round++) {
		t0 = now_ms();
		sqlite3_exec(raw, "SELECT chunk, phase, status, count(*) FROM state"
			     " GROUP BY chunk, phase, status", NULL, NULL, NULL);
		double ms = now_ms() - t0;
		peer_ms = ms < peer_ms ? ms : peer_ms;
	}
	snprintf(label, sizeof(label), "grid, %zu machines x 15 steps", n_machines);
	report(label, carve_ms, peer_ms);

	carve_verify_result vr;
	t0 = now_ms();
	if (carve_audit_verify(&vr, audit, NULL) < 0 || !vr.ok)
		die(vr.ok ? "verify" : vr.reason);
	carve_ms = now_ms() - t0;
	t0 = now_ms();
	peer_verify(raw);
	snprintf(label, sizeof(label), "verify, %lld events", (long long)vr.events);
	report(label, carve_ms, now_ms() - t0);

	sqlite3_close(raw);
	sqlite3_close(peer);
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(ev);
	unlink(path);
	unlink(peer_path);
	return 0;
}
