/*
 * test_pipeline_crash.c - kill -9 the runner at random points while it
 * takes chunks through the pipeline on carve-lab.  After each restart the
 * run goes on from the audit log; in the end every chunk is done, carve
 * verify passes, the lab's journal shows no restart, ADMT migration,
 * mailbox move or hosts entry applied twice to the same object, and each
 * of them logged as running before the lab saw it.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILLS 20
#define CHUNKS 5
#define PER_CHUNK 6

static const t_site_host hosts[] = {
	{ "A-01", "10", "wave-a", "a01", 2003, "", "", "iPhone" },
	{ "A-02", "7", "wave-a", "a02", 2010, "", "", NULL },
	{ "A-03", "xp", "wave-a", "a03", 2003, "", "", NULL },
	{ "A-04", "10", "wave-a", "a04", 2010, "", "", NULL },
	{ "A-05", "xp", "wave-a", "a05", 2010, "", "", NULL },
	{ "A-06", "7", "wave-a", "a06", 2003, "", "", NULL },
	{ "B-01", "10", "wave-b", "b01", 2003, "", "", NULL },
	{ "B-02", "xp", "wave-b", "b02", 2010, "", "", "Android" },
	{ "B-03", "7", "wave-b", "b03", 2010, "", "", NULL },
	{ "B-04", "10", "wave-b", "b04", 2003, "", "", NULL },
	{ "B-05", "10", "wave-b", "b05", 2010, "", "", NULL },
	{ "B-06", "xp", "wave-b", "b06", 2003, "", "", NULL },
	{ "C-01", "10", "wave-c", "c01", 2003, "", "", NULL },
	{ "C-02", "7", "wave-c", "c02", 2010, "", "", NULL },
	{ "C-03", "xp", "wave-c", "c03", 2010, "", "", NULL },
	{ "C-04", "10", "wave-c", "c04", 2003, "", "", NULL },
	{ "C-05", "7", "wave-c", "c05", 2010, "", "", NULL },
	{ "C-06", "xp", "wave-c", "c06", 2003, "", "", NULL },
	{ "D-01", "7", "wave-d", "d01", 2010, "", "", NULL },
	{ "D-02", "10", "wave-d", "d02", 2003, "", "", "iPhone" },
	{ "D-03", "xp", "wave-d", "d03", 2003, "", "", NULL },
	{ "D-04", "10", "wave-d", "d04", 2010, "", "", NULL },
	{ "D-05", "7", "wave-d", "d05", 2010, "", "", NULL },
	{ "D-06", "10", "wave-d", "d06", 2010, "", "", NULL },
	{ "E-01", "10", "wave-e", "e01", 2003, "", "", NULL },
	{ "E-02", "xp", "wave-e", "e02", 2010, "", "", NULL },
	{ "E-03", "7", "wave-e", "e03", 2010, "", "", "iPhone" },
	{ "E-04", "10", "wave-e", "e04", 2003, "", "", NULL },
	{ "E-05", "xp", "wave-e", "e05", 2003, "", "", NULL },
	{ "E-06", "7", "wave-e", "e06", 2010, "", "", NULL },
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

TestSuite(crash, .init = setup, .fini = teardown, .timeout = 240);

static pid_t start_run(const char *chunk)
{
	return t_lab_run_start(&lab, plan, chunk, NULL, NULL);
}

/* Waits up to ms for pid; true (with *status) when it ended. */
static bool wait_for(pid_t pid, int ms, int *status)
{
	for (int waited = 0; waited < ms; waited += 10) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return waitpid(pid, status, WNOHANG) == pid;
}

/* How many of a phase's objects are done (ok or warn) in carve run's
 * summary table. */
static unsigned done_in(const char *out, carve_phase ph)
{
	char head[32];
	unsigned ok = 0, warn = 0;

	snprintf(head, sizeof(head), "\n%s ", carve_phase_name(ph));
	const char *row = strstr(out, head);
	if (row && sscanf(row + strlen(head), "%u %u", &ok, &warn) == 2)
		return ok + warn;
	return 0;
}

/* carve's own restarts, not ADMT's after the join */
#define CARVE_RESTART "\"change\":\"restart\",\"detail\":\"Restart-Computer\""
#define HOSTS_WRITE "drivers\\\\etc\\\\hosts\",\"by\":\"Set-Content\""

Test(crash, kill_nine_at_random_points_loses_nothing_and_repeats_nothing)
{
	static const char *const chunks[CHUNKS] = { "wave-a", "wave-b", "wave-c", "wave-d",
						    "wave-e" };
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int kills = 0;

	cr_log_info("seed %u", seed);
	srand(seed);
	for (size_t c = 0; c < CHUNKS; c++) {
		/* The k-th kill of a chunk falls anywhere in a window that
		 * widens with k, so kills reach every phase as the chunk goes on
		 * (a restarted run first re-verifies what was interrupted).  A
		 * chunk that ends early leaves its share of the kills to the
		 * next; after its share the run is left to finish. */
		int share = (KILLS + 2 - kills + (int)(CHUNKS - c) - 1) / (int)(CHUNKS - c);
		for (int k = 0;; k++) {
			int status, delay = k < share ? 20 + rand() % (400 + 300 * k) : 600000;
			pid_t pid = start_run(chunks[c]);
			if (wait_for(pid, delay, &status)) {
				cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
					  "%s: the run ended with %d (seed %u)", chunks[c], status, seed);
				break;
			}
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			kills++;
		}
	}
	cr_log_info("%d kills", kills);

	/* Nothing lost: every chunk is done, and the chain is intact. */
	const char *verify[] = { CARVE_BIN, "verify", plan, NULL };
	t_result r = t_run(verify, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);
	for (size_t c = 0; c < CHUNKS; c++) {
		const char *again[] = { CARVE_BIN, "run", plan, "--chunk", chunks[c],
					"--password-fd", "0", NULL };
		r = t_run(again, t_lab_passwords);
		cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
		for (int ph = CARVE_PHASE_PREFLIGHT; ph <= CARVE_PHASE_CLIENTS; ph++)
			cr_assert_eq(done_in(r.out, (carve_phase)ph), PER_CHUNK, "%s not all done:\n%s",
				     chunks[c], r.out);
		t_result_done(&r);
	}

	/* Nothing done twice. */
	for (size_t k = 0; k < N_HOSTS; k++) {
		const char *n = hosts[k].name;
		cr_assert_eq(t_lab_journal_about(&lab, "host", n, "state", CARVE_RESTART), 1,
			     "%s restarted %d times (seed %u)", n,
			     t_lab_journal_about(&lab, "host", n, "state", CARVE_RESTART), seed);
		cr_assert_eq(t_lab_journal_about(&lab, "host", n, "admt", "\"result\":\"migrated\""), 1,
			     "%s migrated twice (seed %u)", n, seed);
		cr_assert_eq(t_lab_journal_about(&lab, "user", hosts[k].user, "move", "\"result\":\"started\""), 1,
			     "%s's mailbox moved twice (seed %u)", hosts[k].user, seed);
		/* the hosts entry added once and removed once: a repeat finds it
		 * present (or gone) and writes nothing */
		cr_assert_eq(t_lab_journal_about(&lab, "host", n, "file", HOSTS_WRITE),
			     hosts[k].outlook == 2003 ? 2 : 0, "%s hosts file (seed %u)", n, seed);
	}
	cr_assert_geq(kills, KILLS, "only %d kills (seed %u)", kills, seed);

	/* and each change was in the log, running, before the lab saw it */
	cr_assert_gt(t_lab_check_logged_first(&lab, NULL), 0);
}
