/*
 * test_logged_first.c - every side effect is in the audit log before it
 * happens.  carve is killed -9 inside each step that changes something on
 * carve-lab (a pre-flight fix, a restart, the ADMT migration, the source
 * account disabled, a mailbox move, the hosts entry): the moment the
 * lab's journal shows the change, before carve can record how it went.
 * The log must already hold that step's "running" event; the next run
 * finishes the chunk without doing anything twice.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const t_site_host hosts[] = {
	{ "K-01", "xp", "wave-k", "k01", 2003, "services: { RemoteRegistry: stopped }", "",
	  NULL },
	{ "K-02", "7", "wave-k", "k02", 2010, "", "", NULL },
	{ "K-03", "10", "wave-k", "k03", 2003, "", "", NULL },
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

TestSuite(logged_first, .init = setup, .fini = teardown, .timeout = 240);

static int effect_index(const char *step)
{
	for (int k = 0; t_side_effects[k].event; k++)
		if (!strcmp(t_side_effects[k].step, step))
			return k;
	cr_assert_fail("no side effect for %s", step);
	return -1;
}

static int effect_count(int k)
{
	char event[64];

	snprintf(event, sizeof(event), "\"event\":\"%s\"", t_side_effects[k].event);
	return t_lab_journal_count(&lab, event, t_side_effects[k].fragment, NULL);
}

/* Starts carve with args and kills it -9 the moment the journal shows one
 * more of side effect k. */
static void kill_inside(const char *const *args, const char *step)
{
	int k = effect_index(step), before = effect_count(k), status;
	pid_t pid = t_lab_carve_start(&lab, args, NULL, NULL);

	for (;;) {
		if (effect_count(k) > before)
			break;
		cr_assert_neq(waitpid(pid, &status, WNOHANG), pid,
			      "carve %s ended (status %d) before it did any %s", args[0], status,
			      step);
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	cr_log_info("killed carve %s inside %s", args[0], step);
}

static t_result finish(const char *verb)
{
	const char *argv[] = { CARVE_BIN, verb, plan, "--chunk", "wave-k", "--password-fd", "0",
			       verb[0] == 'c' ? "--fix" : NULL, NULL };
	t_result r = t_run(argv, t_lab_passwords);
	cr_assert_eq(r.status, 0, "carve %s after the kills: %s%s", verb, r.out, r.err);
	return r;
}

Test(logged_first, a_kill_inside_each_side_effect_finds_it_logged)
{
	static const char *const check[] = { "check", "PLAN", "--chunk", "wave-k", "--fix", NULL };
	static const char *const run_steps[] = { "restart", "admt", "source-account", "move",
						 "outlook" };
	const char *args[6];
	int seen[16] = { 0 };

	memcpy(args, check, sizeof(check));
	args[1] = plan;
	kill_inside(args, "fix-services");
	t_result r = finish("check");
	t_result_done(&r);

	const char *run[] = { "run", plan, "--chunk", "wave-k", NULL };
	for (size_t i = 0; i < sizeof(run_steps) / sizeof(run_steps[0]); i++)
		kill_inside(run, run_steps[i]);
	r = finish("run");
	t_result_done(&r);

	/* every change the lab saw was logged as running before it */
	int checked = t_lab_check_logged_first(&lab, seen);
	cr_log_info("%d side effects checked", checked);
	cr_assert_gt(seen[effect_index("fix-services")], 0);
	for (size_t i = 0; i < sizeof(run_steps) / sizeof(run_steps[0]); i++)
		cr_assert_gt(seen[effect_index(run_steps[i])], 0, "no %s in the journal",
			     run_steps[i]);

	/* and the runs after each kill did none of them twice */
	const char *restart = t_side_effects[effect_index("restart")].fragment;
	const char *hosts_file = t_side_effects[effect_index("outlook")].fragment;
	for (size_t k = 0; k < N_HOSTS; k++) {
		const char *n = hosts[k].name, *u = hosts[k].user;
		int restarts = t_lab_journal_about(&lab, "host", n, "state", restart);
		int migrations = t_lab_journal_about(&lab, "host", n, "admt",
						     "\"result\":\"migrated\"");
		int disables = t_lab_journal_about(&lab, "user", u, "source_account",
						   "user disabled");
		int moves = t_lab_journal_about(&lab, "user", u, "move", "\"result\":\"started\"");
		int writes = t_lab_journal_about(&lab, "host", n, "file", hosts_file);
		cr_assert_eq(restarts, 1, "%s restarted %d times", n, restarts);
		cr_assert_eq(migrations, 1, "%s migrated %d times", n, migrations);
		cr_assert_eq(disables, 1, "%s's source account disabled %d times", u, disables);
		cr_assert_eq(moves, 1, "%s's mailbox moved %d times", u, moves);
		cr_assert_eq(writes, hosts[k].outlook == 2003 ? 2 : 0, "%s's hosts file written"
			     " %d times", n, writes);
	}
	cr_assert_eq(t_lab_journal_about(&lab, "host", "K-01", "state", "service started"), 1,
		     "the service fix ran twice");

	const char *verify[] = { CARVE_BIN, "verify", plan, NULL };
	r = t_run(verify, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);
}

/* The other way to keep users off the source domain: the default logon
 * domain written on each machine, killed inside too. */
Test(logged_first, a_kill_inside_the_logon_domain_step_finds_it_logged)
{
	size_t len = 0;
	char *text = t_read_file(plan, &len), *edited = NULL;
	char *at = strstr(text, "policy: { ");
	cr_assert_not_null(at);
	at += strlen("policy: { ");
	cr_assert(asprintf(&edited, "%.*sdisable_source_accounts: false, %s", (int)(at - text),
			   text, at) > 0);
	t_write_file(plan, edited);
	free(edited);
	free(text);

	t_result r = finish("check"); /* K-01's service, fixed */
	t_result_done(&r);
	const char *run[] = { "run", plan, "--chunk", "wave-k", NULL };
	kill_inside(run, "logon-domain");
	r = finish("run");
	t_result_done(&r);

	int seen[16] = { 0 };
	t_lab_check_logged_first(&lab, seen);
	cr_assert_gt(seen[effect_index("logon-domain")], 0);
	cr_assert_eq(seen[effect_index("source-account")], 0, "accounts disabled anyway");
	for (size_t k = 0; k < N_HOSTS; k++) {
		int writes = t_lab_journal_about(&lab, "host", hosts[k].name, "state",
						 "DefaultDomainName");
		cr_assert_geq(writes, 1, "%s: no default logon domain", hosts[k].name);
	}
}
