/*
 * audit_runs.c - runs: who ran carve, where, on which plan, doing what.
 *
 * Events name their run, so a run's record says who did what.  The record
 * carries its own hash, set when the run begins and again when it ends,
 * and each of those moments is a chained event (kind "run", step "start"
 * or "end") holding that hash: verify recomputes the record's hash and
 * finds it in the chain, so a run cannot be edited, added or removed
 * without breaking one or the other.
 */
#include "audit_internal.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

int audit_run_hash(unsigned char out[32], sqlite3_stmt *st, const char *ended)
{
	audit_hash_input in = { { 0, 0 }, { NULL }, { 0 }, 0, NULL };

	in.ints[0] = sqlite3_column_int64(st, 0);
	in.ints[1] = sqlite3_column_int64(st, 1);
	audit_hash_columns(&in, st, 2, 8);
	in.field[1] = ended;
	in.len[1] = ended ? strlen(ended) : 0;
	return audit_hash(out, &in);
}

void carve_operator(char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getlogin_r(out, size) == 0 && out[0])
		return;
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, size, "%s", res->pw_name);
	else
		snprintf(out, size, "uid %u", (unsigned)getuid());
}

static int insert_run(int64_t *run_id, char now[32], char who[256], carve_audit *audit,
		      const carve_plan *plan, const char *command)
{
	char host[256];
	sqlite3_stmt *st;
	int err = audit_stmt(&st, audit, AUDIT_ST_INSERT_RUN);

	if (err < 0)
		return err;
	carve_now_rfc3339(now);
	carve_operator(who, 256);
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)getpid());
	audit_bind_text(st, 5, plan ? carve_plan_hash(plan) : NULL);
	audit_bind_text(st, 6, plan ? carve_plan_path(plan) : NULL);
	sqlite3_bind_text(st, 7, CARVE_VERSION, -1, SQLITE_STATIC);
	audit_bind_text(st, 8, command);
	if (sqlite3_step(st) != SQLITE_ROW)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot record the run");
	else
		*run_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return err;
}

/* Sets a run's end (NULL while it runs) and the hash over its record, and
 * chains that moment: the event's time is the run's start or end. */
static int seal_run(carve_audit *audit, int64_t run_id, const char *who,
		    const char *time, const char *ended)
{
	unsigned char hash[32];
	char digest[65], evidence[96], actor[256];
	sqlite3_stmt *st;
	int err, rc;

	if ((err = audit_stmt(&st, audit, AUDIT_ST_OPEN_RUN)) < 0)
		return err;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		err = audit_run_hash(hash, st, ended);
		const char *w = who ? who : (const char *)sqlite3_column_text(st, 4);
		snprintf(actor, sizeof(actor), "%s", w ? w : "");
	}
	else if (rc == SQLITE_DONE)
		err = carve_error_set(CARVE_ENOTFOUND, "run %lld does not exist or has"
				      " already ended in audit database %s",
				      (long long)run_id, audit->path);
	else
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the run");
	sqlite3_reset(st);
	if (err < 0 || (err = audit_stmt(&st, audit, AUDIT_ST_SEAL_RUN)) < 0)
		return err;
	sqlite3_bind_int64(st, 1, run_id);
	audit_bind_text(st, 2, ended);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
	if ((err = audit_step_done(audit, st, "cannot seal the run")) < 0)
		return err;

	carve_event ev = CARVE_EVENT_INIT;
	carve_hex(digest, hash, 32);
	snprintf(evidence, sizeof(evidence), "{\"run_hash\":\"%s\"}", digest);
	ev.run = run_id;
	ev.actor = actor;
	ev.kind = "run";
	ev.step = ended ? "end" : "start";
	ev.status = ended ? CARVE_STATUS_OK : CARVE_STATUS_RUNNING;
	ev.evidence = evidence;
	return audit_append_in(NULL, audit, &ev, 1, time);
}

int carve_audit_run_begin(int64_t *run_id, carve_audit *audit,
			  const carve_plan *plan, const char *command)
{
	char now[32], who[256];
	int64_t id = 0;
	int err;

	*run_id = 0;
	if ((err = audit_begin(audit)) < 0)
		return err;
	if ((err = insert_run(&id, now, who, audit, plan, command)) == 0 &&
	    (err = seal_run(audit, id, who, now, NULL)) == 0)
		err = audit_commit(audit);
	if (err < 0)
		audit_rollback(audit);
	else
		*run_id = id;
	return err;
}

int carve_audit_run_end(carve_audit *audit, int64_t run_id)
{
	char now[32];
	int err;

	carve_now_rfc3339(now);
	if ((err = audit_begin(audit)) < 0)
		return err;
	if ((err = seal_run(audit, run_id, NULL, now, now)) == 0)
		err = audit_commit(audit);
	if (err < 0)
		audit_rollback(audit);
	return err;
}
