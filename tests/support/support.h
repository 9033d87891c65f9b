/*
 * support.h - helpers shared by the Criterion suites: temporary directories,
 * files, and running the real carve binary.
 */
#ifndef CARVE_TEST_SUPPORT_H
#define CARVE_TEST_SUPPORT_H

#include <stddef.h>

/* A fresh directory under $TMPDIR (or /tmp); owned, remove with t_rm_rf. */
char *t_tmpdir(void);
/* Removes a directory tree. */
void t_rm_rf(const char *path);
/* Joins dir and name into an owned path. */
char *t_path(const char *dir, const char *name);
/* Reads a whole file (NUL-terminated); NULL if it cannot be read. */
char *t_read_file(const char *path, size_t *len);
/* Writes a file, aborting the test on failure. */
void t_write_file(const char *path, const char *content);

typedef struct {
	int status;   /* exit status, or 128+signal */
	char *out;    /* captured stdout (owned) */
	char *err;    /* captured stderr (owned) */
} t_result;

/* Runs argv (argv[0] a path) with optional stdin text; waits for it. */
t_result t_run(const char *const argv[], const char *input);
void t_result_done(t_result *r);

/* Path of a file under tests/data. Owned. */
char *t_data(const char *rel);

/* A plan whose management exec host MGMT01 on 127.0.0.1 logs on as
 * account (a flow mapping of accounts: named ops, such as "{ name: ops,
 * user: 'CONTOSO\\x' }"), with one XP machine asked through it.  Owned
 * (carve_plan_free); the test fails if it does not load. */
struct carve_plan *t_one_host_plan(const char *account);

#endif
