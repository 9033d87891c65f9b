/*
 * test_logons.c - the plan's accounts logging on to carve-lab as Windows
 * OpenSSH takes them: the exec hosts with the migrator's password (as
 * DOMAIN\name, which travels as name@DOMAIN, or as a UPN), the machines
 * reached directly with the key account; a wrong password refused and
 * journalled without its value; a credential a script needs arriving on
 * its standard input, never on its command line or in the journal; and a
 * generated site's throwaway passwords, kept in one private file.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "lab.h"
#include "commands.h"
#include "remote.h"
#include "sshd.h" /* t_free_port */
#include "support.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static t_site_host hosts[] = {
	{ "WS-01", "10", "wave1", "u-01", 2010, "", "", NULL },
	{ "XP-02", "xp", "wave1", "u-02", 2003, "", "", NULL },
};

static t_lab lab;
static t_site_ports ports;
static char *plan_path;
static carve_plan *plan;

static void setup(void)
{
	carve_diags *diags = NULL;

	t_lab_site_start(&lab, &ports, &plan_path, hosts, 2);
	cr_assert_eq(carve_plan_load(&plan, &diags, plan_path), 0, "%s",
		     carve_error_last()->message);
	t_lab_plan_passwords(plan);
}

static void teardown(void)
{
	carve_plan_free(plan);
	t_lab_site_stop(&lab, &ports, &plan_path);
}

TestSuite(logons, .init = setup, .fini = teardown, .timeout = 60);

static size_t exec_host(const char *name)
{
	size_t n;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return i;
	cr_assert_fail("no exec host %s", name);
	return CARVE_NONE;
}

static void assert_journal_clean(void)
{
	char *journal = t_read_file(lab.journal, NULL);

	cr_assert_not_null(journal);
	cr_assert_null(strstr(journal, T_LAB_MIGRATOR_PASSWORD));
	cr_assert_null(strstr(journal, T_LAB_SOURCE_PASSWORD));
	cr_assert_null(strstr(journal, "Wrong-Guess"));
	free(journal);
}

Test(logons, passwords_for_exec_hosts_and_a_key_for_the_desks)
{
	carve_ssh *ssh = NULL;
	size_t n;
	const carve_machine *m = carve_plan_machines(plan, &n);

	cr_assert_eq(remote_open_exec(&ssh, plan, exec_host("ADMT01"), NULL), 0, "%s",
		     carve_error_last()->message);
	carve_ssh_free(ssh);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"ADMT01\"", "\"event\":\"auth\"",
					 "\"user\":\"svc_targetmigrator@CONTOSO\"",
					 "\"method\":\"password\"", "\"result\":\"accepted\"", NULL), 1);

	/* XP-02 is asked through MGMT01, as the migrator too. */
	cr_assert_eq(remote_open_machine(&ssh, plan, &m[1], NULL), 0, "%s",
		     carve_error_last()->message);
	carve_ssh_free(ssh);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"MGMT01\"", "\"method\":\"password\"",
					 "\"result\":\"accepted\"", NULL), 1);

	cr_assert_eq(remote_open_machine(&ssh, plan, &m[0], NULL), 0, "%s",
		     carve_error_last()->message);
	carve_ssh_free(ssh);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"WS-01\"", "\"user\":\"carve-ws@FABRIKAM\"",
					 "\"method\":\"publickey\"", "\"result\":\"accepted\"",
					 NULL), 1);

	/* The same account as a UPN is the same account. */
	carve_ssh_options o;
	carve_ssh_options_from_plan(&o, plan, carve_plan_find_account(plan, "migrator"),
				    "127.0.0.1", (uint16_t)ports.port[2]);
	o.user = "SVC_TargetMigrator@contoso.com";
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), 0, "%s", carve_error_last()->message);
	carve_ssh_free(ssh);

	/* A wrong password: refused, journalled, never written anywhere. */
	cr_assert_eq(carve_plan_set_password(plan, carve_plan_find_account(plan, "migrator"),
					     "Wrong-Guess-7", 13), 0);
	cr_assert_eq(remote_open_exec(&ssh, plan, exec_host("E2E01"), NULL), CARVE_EAUTH);
	cr_assert(strstr(carve_error_last()->message, "CONTOSO\\svc_targetmigrator@127.0.0.1"),
		  "%s", carve_error_last()->message);
	cr_assert_null(strstr(carve_error_last()->message, "Wrong"));
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"E2E01\"", "\"method\":\"password\"",
					 "\"result\":\"refused\"", NULL), 1);
	assert_journal_clean();
}

Test(logons, a_credential_travels_on_stdin_only)
{
	carve_ssh *ssh = NULL;
	carve_buf out = CARVE_BUF_INIT;
	char bytes[64];
	size_t source = carve_plan_site(plan)->source.account;
	const char *status[] = { "u-01", "" };
	const char *meu[] = { "u-01", "fabrikam.local", "FABRIKAM\\carve-src" };

	cr_assert_eq(remote_open_exec(&ssh, plan, exec_host("E2E01"), NULL), 0, "%s",
		     carve_error_last()->message);
	cr_assert_eq(remote_run(&out, ssh, plan, CMD_MOVE_STATUS, status), 0, "%s",
		     carve_error_last()->message);
	cr_assert_eq(t_lab_journal_count(&lab, "\"event\":\"stdin\"", NULL), 0,
		     "nothing on stdin without a credential");
	/* the source's AD, read with the source's credentials */
	out.len = 0;
	cr_assert_eq(remote_run_with(&out, ssh, plan, CMD_SOURCE_MEU, meu, source), 0, "%s",
		     carve_error_last()->message);
	cr_assert_str_eq(carve_buf_cstr(&out), "u-01|False\n");
	snprintf(bytes, sizeof(bytes), "\"bytes\":%zu", strlen(T_LAB_SOURCE_PASSWORD) + 1);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"E2E01\"", "\"event\":\"stdin\"", bytes,
					 NULL), 1, "the password and a newline, on stdin");
	assert_journal_clean();

	/* a wrong password is a failed read, not "not mail-enabled" */
	cr_assert_eq(carve_plan_set_password(plan, source, "Wrong-Guess-9", 13), 0);
	cr_assert_lt(remote_run_with(&out, ssh, plan, CMD_SOURCE_MEU, meu, source), 0);
	cr_assert(strstr(carve_error_last()->message, "rejected"), "%s",
		  carve_error_last()->message);
	assert_journal_clean();

	/* An account with no password to pass on says so, by name. */
	size_t desk = carve_plan_find_account(plan, "desk");
	cr_assert_eq(remote_run_with(&out, ssh, plan, CMD_SOURCE_MEU, meu, desk), CARVE_EAUTH);
	cr_assert(strstr(carve_error_last()->message, "account desk"), "%s",
		  carve_error_last()->message);
	carve_buf_done(&out);
	carve_ssh_free(ssh);
}

Test(logons, a_generated_site_logs_on_with_its_throwaway_passwords)
{
	t_lab gen;
	int base;
	char port[16], *passwords, *again, *fixture, *site;
	struct stat st;

	t_lab_init(&gen);
	base = t_free_port_run(13);
	cr_assert_gt(base, 0, "no 13 free ports in a row");
	snprintf(port, sizeof(port), "%d", base);
	const char *argv[] = { CARVE_LAB_BIN, "--generate", "3", "--chunks", "1", "--base-port",
			       port, "--out", gen.dir, NULL };
	t_result r = t_run(argv, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	t_result_done(&r);

	/* The throwaway passwords: private, one line per account, made once. */
	char *path = t_path(gen.dir, ".lab/passwords");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	passwords = t_read_file(path, NULL);
	cr_assert(!strncmp(passwords, "migrator:Lab-", 13) && strstr(passwords, "\nsource:Lab-"),
		  "%s", passwords);
	r = t_run(argv, NULL);
	cr_assert_eq(r.status, 0);
	t_result_done(&r);
	again = t_read_file(path, NULL);
	cr_assert_str_eq(again, passwords, "generating again changed the passwords");

	/* Neither the fixture nor the plan holds one; the plan validates. */
	free(gen.fixture);
	gen.fixture = t_path(gen.dir, "lab-fixture.yaml");
	fixture = t_read_file(gen.fixture, NULL);
	char *plan2 = t_path(gen.dir, "lab-site.yaml");
	site = t_read_file(plan2, NULL);
	cr_assert_null(strstr(fixture, "Lab-"));
	cr_assert_null(strstr(site, "Lab-"));
	cr_assert(strstr(fixture, "passwords: .lab/passwords"));
	const char *validate[] = { CARVE_BIN, "validate", "-q", plan2, NULL };
	r = t_run(validate, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	t_result_done(&r);

	/* The lab takes the passwords in the file, and carve logs on with them. */
	t_lab_start(&gen);
	carve_plan *p = NULL;
	carve_diags *diags = NULL;
	carve_ssh *ssh = NULL;
	cr_assert_eq(carve_plan_load(&p, &diags, plan2), 0, "%s", carve_error_last()->message);
	int fd = open(path, O_RDONLY);
	cr_assert_eq(carve_plan_read_passwords_fd(p, fd), 0, "%s", carve_error_last()->message);
	close(fd);
	/* The known-hosts file is the one the lab wrote for the test. */
	char *kh = t_read_file(gen.known_hosts, NULL), *plan_kh = t_path(gen.dir, ".lab/known_hosts");
	t_write_file(plan_kh, kh);
	cr_assert_eq(remote_open_exec(&ssh, p, 1, NULL), 0, "%s", carve_error_last()->message);
	carve_ssh_free(ssh);
	carve_plan_free(p);
	t_lab_done(&gen);
	free(kh);
	free(plan_kh);
	free(plan2);
	free(site);
	free(fixture);
	free(again);
	free(passwords);
	free(path);
}
