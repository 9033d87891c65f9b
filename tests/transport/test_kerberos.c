/*
 * test_kerberos.c - auth: gssapi against a real MIT KDC and a real OpenSSH
 * sshd with GSSAPIAuthentication, both on 127.0.0.1 and started here: the
 * logon with a forwardable ticket delegates it (the session holds a TGT,
 * the network credentials Windows needs to reach other machines), without
 * delegation it does not, and without a ticket the refusal says what to do.
 */
#include "carve.h"
#include "kdc.h"
#include "sshd.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static t_kdc kdc;
static t_sshd sshd;

static void setup(void)
{
	int rc = t_kdc_start(&kdc, "carve-sshd-test");
	if (rc == 1)
		cr_skip_test("%s", kdc.error);
	cr_assert_eq(rc, 0, "%s", kdc.error);
	/* sshd inherits KRB5_CONFIG and KRB5_KTNAME (its host keytab). */
	rc = t_sshd_start(&sshd, "GSSAPIAuthentication yes\n"
				 "GSSAPIStrictAcceptorCheck no\n"
				 "GSSAPICleanupCredentials yes\n");
	if (rc == 1)
		cr_skip_test("%s", sshd.error);
	cr_assert_eq(rc, 0, "%s", sshd.error);
	unsetenv("SSH_AUTH_SOCK");
}

static void teardown(void)
{
	t_sshd_stop(&sshd);
	t_kdc_stop(&kdc);
}

TestSuite(kerberos, .init = setup, .fini = teardown, .timeout = 60);

static carve_ssh_options opts(void)
{
	carve_ssh_options o = t_sshd_options(&sshd, NULL);

	o.host_keys = CARVE_HOSTKEYS_ACCEPT_NEW;
	o.known_hosts = t_path(sshd.dir, "known_hosts");
	o.auth = CARVE_AUTH_GSSAPI;
	o.key_file = NULL;
	o.gssapi_delegate = true;
	o.connect_timeout_ms = 3000;
	o.auth_timeout_ms = 5000;
	return o;
}

/* What klist says in a session logged on with o. */
static char *klist_in_session(const carve_ssh_options *o, int *status)
{
	carve_ssh *ssh = NULL;
	carve_ssh_result r;

	cr_assert_eq(carve_ssh_connect(&ssh, NULL, o), 0, "%s", carve_error_last()->message);
	cr_assert_eq(carve_ssh_exec(&r, ssh, "klist", 5000, 0), 0, "%s",
		     carve_error_last()->message);
	*status = r.exit_status;
	char *out = strdup(r.out);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
	return out;
}

Test(kerberos, a_delegated_ticket_gives_the_session_network_credentials)
{
	carve_ssh_options o = opts();
	int status;

	cr_assert_eq(t_kdc_kinit(&kdc, "carve-sshd-test"), 0, "kinit failed");
	char *out = klist_in_session(&o, &status);
	cr_assert_eq(status, 0, "%s", out);
	cr_assert(strstr(out, "Default principal: carve-sshd-test@" T_KDC_REALM), "%s", out);
	cr_assert(strstr(out, "krbtgt/" T_KDC_REALM "@" T_KDC_REALM), "no forwarded TGT:\n%s", out);
	free(out);

	/* Logged on, but nothing forwarded: no credentials to reach further. */
	o.gssapi_delegate = false;
	out = klist_in_session(&o, &status);
	cr_assert_neq(status, 0, "a ticket without delegation:\n%s", out);
	cr_assert_null(strstr(out, "krbtgt/"), "%s", out);
	free(out);
	free((char *)o.known_hosts);
}

Test(kerberos, no_ticket_is_refused_with_what_to_do)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;

	char *empty = t_path(kdc.dir, "empty-ccache");
	setenv("KRB5CCNAME", empty, 1);
	free(empty);
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), CARVE_EAUTH);
	cr_assert(strstr(carve_error_last()->message, "did not accept a Kerberos ticket"), "%s",
		  carve_error_last()->message);
	cr_assert(strstr(carve_error_last()->message, "kinit -f"), "%s",
		  carve_error_last()->message);
	free((char *)o.known_hosts);
}

/* A plan's gssapi account: no password asked, delegation on. */
Test(kerberos, a_plan_account_logs_on_with_its_ticket)
{
	carve_plan *plan = t_one_host_plan("{ name: ops, user: carve-sshd-test@carve.test, "
					   "auth: gssapi }");
	carve_ssh_options o;

	cr_assert_eq(carve_plan_missing_passwords(NULL, 0, plan, CARVE_WORK_MIGRATION), 0,
		     "a Kerberos account needs no password");
	carve_ssh_options_from_plan(&o, plan, 0, "127.0.0.1", (uint16_t)sshd.port);
	cr_assert_eq(o.auth, CARVE_AUTH_GSSAPI);
	cr_assert(o.gssapi_delegate);
	cr_assert_null(o.password);
	/* sshd knows the account by its local name. */
	o.user = sshd.user;
	o.host_keys = CARVE_HOSTKEYS_ACCEPT_NEW;
	o.known_hosts = t_path(sshd.dir, "known_hosts");
	cr_assert_eq(t_kdc_kinit(&kdc, "carve-sshd-test"), 0);
	int status;
	char *out = klist_in_session(&o, &status);
	cr_assert(strstr(out, "krbtgt/" T_KDC_REALM), "%s", out);
	free(out);
	free((char *)o.known_hosts);
	carve_plan_free(plan);
}
