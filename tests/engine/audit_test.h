/*
 * audit_test.h - helpers shared by the audit log suites (test_audit*.c).
 */
#ifndef CARVE_AUDIT_TEST_H
#define CARVE_AUDIT_TEST_H

#include "carve.h"
#include "support.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The suite's fresh directory and a database path in it, for each test. */
static char *at_dir, *at_db;

static inline void at_setup(void)
{
	at_dir = t_tmpdir();
	at_db = t_path(at_dir, "site.db");
	/* the sealing keys of this test's logs, gone with it */
	char *config = t_path(at_dir, "config");
	setenv("XDG_CONFIG_HOME", config, 1);
	free(config);
}

static inline void at_teardown(void)
{
	t_rm_rf(at_dir);
	free(at_db);
	free(at_dir);
}

static inline carve_audit *at_open(const char *path)
{
	carve_audit *audit = NULL;
	int err = carve_audit_open(&audit, path, NULL);

	cr_assert_eq(err, 0, "open %s: %s", path, carve_error_last()->message);
	cr_assert_not_null(audit);
	return audit;
}

static inline carve_audit *at_open_ro(const char *path)
{
	carve_audit_options opts = CARVE_AUDIT_OPTIONS_INIT;
	carve_audit *audit = NULL;

	opts.read_only = true;
	cr_assert_eq(carve_audit_open(&audit, path, &opts), 0, "open %s read-only: %s",
		     path, carve_error_last()->message);
	return audit;
}

static inline int64_t at_run(carve_audit *audit, const char *command)
{
	int64_t run = 0;

	cr_assert_eq(carve_audit_run_begin(&run, audit, NULL, command), 0, "%s",
		     carve_error_last()->message);
	cr_assert_gt(run, 0);
	return run;
}

/* A step result for machine in the given phase. */
static inline carve_event at_step(int64_t run, const char *chunk,
				  const char *machine, const char *phase,
				  const char *step, carve_status status)
{
	carve_event ev = CARVE_EVENT_INIT;

	ev.run = run;
	ev.actor = "engine";
	ev.chunk = chunk;
	ev.machine = machine;
	ev.phase = phase;
	ev.step = step;
	ev.status = status;
	return ev;
}

static inline void at_append(carve_audit *audit, const carve_event *ev, size_t n)
{
	cr_assert_eq(carve_audit_append(NULL, audit, ev, n), 0, "append: %s",
		     carve_error_last()->message);
}

/* A raw SQLite connection, as someone with the sqlite3 shell would have. */
static inline sqlite3 *at_raw(const char *path)
{
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* A new, empty SQLite database that carve did not create. */
static inline sqlite3 *at_raw_create(const char *path)
{
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				     NULL), SQLITE_OK);
	return db;
}

static inline void at_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_free(msg);
}

/* The first column of the first row of sql as an integer. */
static inline int64_t at_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s",
		     sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Asserts that the first column of the first row of sql is want. */
static inline void at_text_is(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s",
		     sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	const char *got = (const char *)sqlite3_column_text(st, 0);
	cr_assert_str_eq(got ? got : "(null)", want, "%s", sql);
	sqlite3_finalize(st);
}

#endif
