/*
 * test_templates.c - a plan's own template is judged by what it does on
 * the site, not by what it prints: an admt_migrate that does nothing, or
 * only mentions admt.exe in a string, migrates no machine on carve-lab,
 * and carve records each machine as not migrated, because its verdict is
 * what it reads on the machine (the target domain), not ADMT's console.
 */
#include "carve.h"
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK "wave1"

static const t_site_host hosts[] = {
	{ "WS-01", "7", CHUNK, "u-01", 2010, "", "", NULL },
	{ "WS-02", "10", CHUNK, "u-02", 2010, "", "", NULL },
};
#define N_HOSTS (sizeof(hosts) / sizeof(hosts[0]))

static t_lab lab;
static t_site_ports ports;
static char *plan;

static void start(const char *admt_migrate)
{
	t_lab_site_start(&lab, &ports, &plan, hosts, N_HOSTS);
	/* the plan with the site's own admt_migrate.  carve waits for each
	 * machine to join for ADMT's restart delay (a minute at least:
	 * policy.admt_restart_minutes) and the restart_timeout; the latter is
	 * cut to what the lab's 1 s reboot needs */
	char *text = t_read_file(plan, NULL), *with = NULL;
	cr_assert_not_null(text);
	char *timeout = strstr(text, "restart_timeout: 6s");
	cr_assert_not_null(timeout);
	memcpy(timeout, "restart_timeout: 3s", 19);
	size_t len = strlen(text) + strlen(admt_migrate) + 64;
	with = malloc(len);
	cr_assert_not_null(with);
	snprintf(with, len, "%scommands:\n  admt_migrate: |-\n    %s\n", text, admt_migrate);
	t_write_file(plan, with);
	free(with);
	free(text);
}

static void teardown(void)
{
	t_lab_site_stop(&lab, &ports, &plan);
}

TestSuite(templates, .fini = teardown, .timeout = 120);

/* Runs the workstations phase and checks nothing was migrated, in the
 * lab and in carve's audit log. */
static t_result run_phase(const char *phase)
{
	const char *argv[] = { CARVE_BIN, "run", plan, "--chunk", CHUNK, "--phase", phase,
			       "--password-fd", "0", NULL };
	return t_run(argv, t_lab_passwords);
}

static void migrates_nothing(void)
{
	/* ADMT comes after the pre-flight and the restart that clears
	 * locked profiles */
	const char *before[] = { "preflight", "restart" };
	t_result r;
	for (size_t i = 0; i < 2; i++) {
		r = run_phase(before[i]);
		cr_assert_eq(r.status, 0, "%s: %s%s", before[i], r.out, r.err);
		t_result_done(&r);
	}
	r = run_phase("workstations");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	t_result_done(&r);

	/* the template ran on the ADMT server, and admt.exe never did */
	cr_assert_geq(t_lab_journal_count(&lab, "\"host\":\"ADMT01\"", "\"event\":\"command\"",
					  "Migration completed", NULL), 1);
	cr_assert_eq(t_lab_journal_count(&lab, "\"event\":\"admt\"", NULL), 0);
	for (size_t i = 0; i < N_HOSTS; i++) {
		t_state l = t_lab_state(&lab, CHUNK, hosts[i].name, "admt");
		cr_assert(l.found, "%s: no admt state", hosts[i].name);
		cr_assert_eq(l.status, CARVE_STATUS_FAILED, "%s: %s (%s)", hosts[i].name,
			     carve_status_name(l.status), l.diagnosis);
		cr_assert(strstr(l.diagnosis, "did not join the target domain"), "%s: %s",
			  hosts[i].name, l.diagnosis);
	}
}

Test(templates, an_admt_template_that_does_nothing_migrates_nothing)
{
	start("$null = 'admt.exe computer /n x'; 'Migration completed'");
	migrates_nothing();
}

Test(templates, an_admt_template_that_only_mentions_admt_migrates_nothing)
{
	start("'start|{0:s}' -f (Get-Date); \"& admt.exe computer /N $computers /SD:$source_domain"
	      " /TD:$target_domain\"; 'Migration completed'; 'exit|0'");
	migrates_nothing();
}
