/*
 * test_console_live.c - one runner and two read-only viewers on one audit
 * database: carve run takes a carve-lab chunk through the pipeline while
 * two consoles watch its log; at every moment sampled, each viewer shows
 * every outcome logged so far within a second, one of them while its
 * terminal is resized mid-run.
 */
#define _GNU_SOURCE
#include "carve.h"
#include "lab.h"
#include "screen.h"
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

static const t_site_host hosts[] = {
	{ "L-01", "10", "wave1", "l01", 2003, "", "", NULL },
	{ "L-02", "7", "wave1", "l02", 2010, "", "", NULL },
	{ "L-03", "xp", "wave1", "l03", 2010, "", "", NULL },
	{ "L-04", "10", "wave1", "l04", 2010, "", "", "iPhone" },
	{ "L-05", "7", "wave1", "l05", 2003, "", "", NULL },
	{ "L-06", "xp", "wave1", "l06", 2010, "", "", NULL },
};

static t_lab lab;
static t_site_ports ports;
static char *plan, *db;

static void setup(void)
{
	t_lab_site_start(&lab, &ports, &plan, hosts, sizeof(hosts) / sizeof(hosts[0]));
	db = t_path(lab.dir, "audit.db");
	t_screen_init(lab.dir);
}

static void teardown(void)
{
	t_screen_done();
	t_lab_site_stop(&lab, &ports, &plan);
	free(db);
}

TestSuite(live, .init = setup, .fini = teardown, .timeout = 120);

static int count(const carve_event_row *row, void *ctx)
{
	(void)row;
	++*(long *)ctx;
	return 0;
}

static long events_now(void)
{
	carve_audit *audit = NULL;
	carve_audit_options o = CARVE_AUDIT_OPTIONS_INIT;
	long n = 0;

	o.read_only = true;
	if (carve_audit_open(&audit, db, &o) < 0)
		return 0; /* not created yet */
	carve_audit_query(audit, NULL, count, &n);
	carve_audit_free(audit);
	return n;
}

/* How many events the viewer's log says it holds, or -1. */
static long shown(const char *viewer)
{
	char *s = t_screen(viewer, false), *at = s ? strstr(s, "audit log: ") : NULL;
	long n = -1;

	if (at)
		sscanf(at, "audit log: %ld", &n);
	free(s);
	return n;
}

Test(live, two_viewers_keep_up_with_a_real_runner)
{
	char args[1024];

	snprintf(args, sizeof(args), "--read-only %s", plan);
	t_screen_start("v1", 120, 30, "LANG=C.UTF-8", args);
	t_screen_start("v2", 80, 24, "LANG=C.UTF-8", args);
	free(t_screen_wait("v1", "wave1"));
	free(t_screen_wait("v2", "wave1"));
	t_tmux("send-keys -t v1 L");
	t_tmux("send-keys -t v2 L");
	free(t_screen_wait("v1", "audit log:"));
	free(t_screen_wait("v2", "audit log:"));

	pid_t runner = t_lab_run_start(&lab, plan, "wave1", NULL, NULL);
	int samples = 0, status = 0;
	bool running = true;
	while (running) {
		running = waitpid(runner, &status, WNOHANG) == 0;
		long now = events_now();
		struct timespec t0, t1;
		double secs = 0;
		bool ok[2] = { false, false };
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (!(ok[0] && ok[1]) && secs < 1.0) {
			ok[0] = ok[0] || shown("v1") >= now;
			ok[1] = ok[1] || shown("v2") >= now;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		}
		cr_assert(ok[0] && ok[1], "%ld events logged, not on both viewers within 1 s"
			  " (v1 %ld, v2 %ld)", now, shown("v1"), shown("v2"));
		samples++;
		/* Resize the second viewer mid-run, larger then smaller. */
		if (samples == 2)
			t_tmux("resize-window -t v2 -x 160 -y 50");
		else if (samples == 4)
			t_tmux("resize-window -t v2 -x 64 -y 18");
		t_pause_ms(200);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the runner ended with %d",
		  status);
	cr_assert_geq(samples, 5, "the run was too short to sample");
	cr_assert_geq(events_now(), 40);

	/* The grid: how long the chunk took, on its row and under the grid. */
	t_tmux("send-keys -t v1 g");
	char *s = t_screen_wait("v1", ": all 30 done");
	cr_assert(strstr(s, "done after ") && strstr(s, "done in "), "%s", s);
	free(s);
}

/* The lead pauses: what runs finishes, and the chunk says it is paused,
 * not going (issue 14: after p the header said ended, the chunk never
 * said paused). */
static void a_paused_chunk_says_so(int cols, int rows)
{
	char args[1024];

	snprintf(args, sizeof(args), "--run wave1 --password-fd 3 %s 3<%s", plan, lab.passwords);
	t_screen_start("lead", cols, rows, "LANG=C.UTF-8", args);
	free(t_screen_wait("lead", "every phase: started"));
	t_tmux("send-keys -t lead p");
	char *s = t_screen_wait("lead", "paused after ");
	cr_assert(strstr(s, "s or a resumes"), "%s", s);
	cr_assert(strstr(s, "wave1 paused: start it again to resume"), "%s", s);
	free(s);
	t_tmux("send-keys -t lead Q");
	free(t_screen_wait("lead", "carve exited with status 0"));
}

Test(live, a_paused_chunk_says_so_at_80x24)
{
	a_paused_chunk_says_so(80, 24);
}

Test(live, a_paused_chunk_says_so_at_200x60)
{
	a_paused_chunk_says_so(200, 60);
}
