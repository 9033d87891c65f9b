/*
 * test_skip_live.c - a skip recorded while a run goes is obeyed: someone
 * on the floor runs carve skip for a machine's clients phase while the
 * lead's run waits for that machine to restart; when the run gets to the
 * clients phase it adds no hosts entry there, and the log says skipped.
 */
#include "carve.h"
#include "internal.h"
#include "lab.h"
#include "screen.h" /* t_pause_ms */
#include "support.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Outlook 2003 machines: the clients phase adds a hosts entry on each.
 * WS-01 takes a while to come back from its restart. */
static const t_site_host hosts[] = {
	{ "WS-01", "7", "wave1", "u-01", 2003, "faults: { reboot: 4s }", "", NULL },
	{ "WS-02", "7", "wave1", "u-02", 2003, "", "", NULL },
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

TestSuite(skip_live, .init = setup, .fini = teardown, .timeout = 180);

Test(skip_live, a_skip_recorded_during_the_run_is_obeyed)
{
	char *out = t_path(lab.dir, "run.out");
	pid_t pid = t_lab_run_start(&lab, plan, "wave1", out, out);

	/* WS-01 is restarting: its clients phase is far off */
	for (int i = 0; i < 600 && !t_lab_journal_count(&lab, "\"host\":\"WS-01\"",
							"\"change\":\"restart\"", NULL); i++)
		t_pause_ms(50);
	cr_assert_geq(t_lab_journal_count(&lab, "\"host\":\"WS-01\"", "\"change\":\"restart\"",
					  NULL), 1, "the run never restarted WS-01");
	const char *skip[] = { CARVE_BIN, "skip", plan, "--chunk", "wave1", "--phase", "clients",
			       "--machine", "WS-01", "--reason", "the user is on leave", NULL };
	t_result r = t_run(skip, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);

	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	char *text = t_read_file(out, NULL);
	cr_assert(WIFEXITED(status), "%s", text);
	/* WS-02 got its entry; WS-01, skipped meanwhile, none */
	cr_assert_geq(t_lab_journal_count(&lab, "\"host\":\"WS-02\"", "\"event\":\"file\"",
					  "hosts", NULL), 1, "%s", text);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"WS-01\"", "\"event\":\"file\"", "hosts",
					 NULL), 0, "%s", text);
	t_state st = t_lab_state(&lab, "wave1", "WS-01", "outlook");
	cr_assert(st.found && st.status == CARVE_STATUS_SKIPPED, "%s: %s", carve_status_name(st.status),
		  text);
	free(text);
	free(out);
}
