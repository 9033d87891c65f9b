/*
 * test_no_leak.c - a password goes to the host that asks for it and
 * nowhere else.  A whole chunk runs through carve run on carve-lab with
 * known passwords given on a descriptor; while it runs, carve's and the
 * lab's command lines and environments are sampled; afterwards the plan,
 * the audit database with its WAL and shared memory, the lab's journal
 * (every command decoded) and carve's output are searched for each
 * password, as bytes and as UTF-16LE (how Windows would carry it).
 */
#define _GNU_SOURCE /* memmem */
#include "carve.h"
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static t_site_host hosts[] = {
	{ "WS-01", "10", "wave1", "u-01", 2010, "", "", "iPhone" },
	{ "WS-02", "7", "wave1", "u-02", 2003, "", "", NULL },
	{ "XP-03", "xp", "wave1", "u-03", 2003, "", "", NULL },
	{ "WS-04", "10", "wave1", "u-04", 2010, "", "bad_items: 80", NULL },
};
#define N_HOSTS (sizeof(hosts) / sizeof(hosts[0]))

static t_lab lab;
static t_site_ports ports;
static char *plan;

static void setup(void)
{
	t_lab_site_start(&lab, &ports, &plan, hosts, N_HOSTS);
}

static void teardown(void)
{
	t_lab_site_stop(&lab, &ports, &plan);
}

TestSuite(no_leak, .init = setup, .fini = teardown, .timeout = 240);

/* Everything read from the places searched, one after the other. */
typedef struct {
	char *bytes;
	size_t len, cap;
	int samples;
} haystack;

static void add(haystack *h, const char *what, const char *data, size_t len)
{
	size_t need = strlen(what) + 2 + len;

	if (h->len + need > h->cap) {
		h->cap = (h->len + need) * 2;
		h->bytes = realloc(h->bytes, h->cap);
		cr_assert_not_null(h->bytes);
	}
	h->len += (size_t)sprintf(h->bytes + h->len, "\n%s\n", what);
	memcpy(h->bytes + h->len, data, len);
	h->len += len;
}

static void add_file(haystack *h, const char *path, bool must_exist)
{
	size_t len = 0;
	char *text = t_read_file(path, &len);

	cr_assert(text || !must_exist, "%s cannot be read", path);
	if (text)
		add(h, path, text, len);
	free(text);
}

/* A process's command line and environment, as anyone who can read /proc
 * sees them. */
static void sample(haystack *h, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	add_file(h, path, false);
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	add_file(h, path, false);
	h->samples++;
}

static void assert_absent(const haystack *h, const char *secret)
{
	size_t n = strlen(secret);
	char wide[128];

	cr_assert_null(memmem(h->bytes, h->len, secret, n), "%s found", secret);
	cr_assert_lt(2 * n, sizeof(wide));
	for (size_t i = 0; i < n; i++) {
		wide[2 * i] = secret[i];
		wide[2 * i + 1] = '\0';
	}
	cr_assert_null(memmem(h->bytes, h->len, wide, 2 * n), "%s found as UTF-16LE", secret);
}

Test(no_leak, a_whole_chunk_leaves_no_password_behind)
{
	char *out = t_path(lab.dir, "carve.out"), *err = t_path(lab.dir, "carve.err");
	char *db = t_path(lab.dir, "audit.db"), wal[1200], shm[1200];
	haystack h = { NULL, 0, 0, 0 };
	pid_t pid = t_lab_run_start(&lab, plan, "wave1", out, err);

	/* Sampled while carve logs on, runs and waits for the moves. */
	int status = 0;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		sample(&h, pid);
		sample(&h, lab.pid);
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) <= 1, "carve run: status %d", status);
	cr_assert_gt(h.samples, 10, "carve ran too briefly to be watched");

	/* It did log on with the passwords and did the work. */
	cr_assert_geq(t_lab_journal_count(&lab, "\"host\":\"ADMT01\"", "\"method\":\"password\"",
					  "\"result\":\"accepted\"", NULL), 1);
	cr_assert_geq(t_lab_journal_count(&lab, "\"host\":\"E2E01\"", "\"method\":\"password\"",
					  "\"result\":\"accepted\"", NULL), 1);
	cr_assert_geq(t_lab_journal_count(&lab, "\"event\":\"command\"", "admt", NULL), 1);
	char *output = t_read_file(out, NULL);
	cr_assert(output && strstr(output, "workstations"), "%s", output ? output : "");
	free(output);

	snprintf(wal, sizeof(wal), "%s-wal", db);
	snprintf(shm, sizeof(shm), "%s-shm", db);
	add_file(&h, plan, true);
	add_file(&h, db, true);
	add_file(&h, wal, false);
	add_file(&h, shm, false);
	add_file(&h, lab.journal, true);
	add_file(&h, lab.fixture, true);
	add_file(&h, out, true);
	add_file(&h, err, true);
	sample(&h, lab.pid);
	assert_absent(&h, T_LAB_MIGRATOR_PASSWORD);
	assert_absent(&h, T_LAB_SOURCE_PASSWORD);

	free(h.bytes);
	free(out);
	free(err);
	free(db);
}
