/*
 * test_teardown.c - "verify that all workstations were migrated" on
 * carve-lab: besides the plan's machines in the audit log, the source
 * domain's computers, read from the ADMT server with the source's
 * credentials, show the machines in use that no plan names; a stale
 * computer account and a disabled one do not count.
 */
#include "carve.h"
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const t_site_host hosts[] = {
	{ "WS-01", "7", "wave1", "u-01", 2010, "", "", NULL },
	{ "XP-02", "xp", "wave1", "u-02", 2010, "", "", NULL },
};

static t_lab lab;
static t_site_ports ports;
static char *plan;

static void setup(void)
{
	t_lab_init(&lab);
	plan = t_lab_write_site(&lab, &ports, hosts, 2);
	char *fixture = t_read_file(lab.fixture, NULL), *text = NULL;
	cr_assert_not_null(fixture);
	/* top-level keys may come in any order: the computers no plan names */
	size_t len = strlen(fixture) + 512;
	text = malloc(len);
	cr_assert_not_null(text);
	snprintf(text, len, "%s"
		 "computers:\n"
		 "  - { name: FIN-W7-900, os: Windows 7 Enterprise, last_logon_days: 3 }\n"
		 "  - { name: OLD-XP-017, os: Windows XP Professional, last_logon_days: 400 }\n",
		 fixture);
	t_write_file(lab.fixture, text);
	free(text);
	free(fixture);
	t_lab_start(&lab);
}

static void teardown(void)
{
	t_lab_done(&lab);
	free(plan);
	free(ports.port);
}

TestSuite(teardown_lab, .init = setup, .fini = teardown, .timeout = 60);

Test(teardown_lab, finds_the_machines_no_plan_names)
{
	const char *argv[] = { CARVE_BIN, "teardown", plan, "--password-fd", "0", NULL };
	t_result r = t_run(argv, t_lab_passwords);

	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "2 of 2 workstations are not migrated yet (WS-01, ...)"), "%s",
		  r.out);
	cr_assert(strstr(r.out, "1 computer the plan does not know logged on to FABRIKAM in the"
			 " last 30 days (FIN-W7-900): migrate it or account for it"), "%s", r.out);
	cr_assert_null(strstr(r.out, "OLD-XP-017"), "%s", r.out);
	t_result_done(&r);
	/* read on the ADMT server, the source's password on stdin only */
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"ADMT01\"", "\"event\":\"command\"",
					 "Get-ADComputer", NULL), 1);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"ADMT01\"", "\"event\":\"stdin\"",
					 NULL), 1);
	char *journal = t_read_file(lab.journal, NULL);
	cr_assert_null(strstr(journal, T_LAB_SOURCE_PASSWORD));
	free(journal);

	/* The evidence lists it, for the report and the morning after. */
	const char *log[] = { CARVE_BIN, "log", plan, "--format", "csv", NULL };
	r = t_run(log, NULL);
	cr_assert(strstr(r.out, "\"\"unplanned\"\":[\"\"FIN-W7-900\"\"]"), "%s", r.out);
	t_result_done(&r);
}
