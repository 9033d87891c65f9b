/*
 * test_teardown.c - carve teardown and carve signoff against a real DNS
 * resolver on loopback: dnsmasq, started here on a free port, first with
 * the source's MX and autodiscover records still in place, then with the
 * target's.  An item whose verification fails cannot be signed off.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "dns.h"
#include "sshd.h"
#include "support.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *tmp, *db, *plan;
static int port;
static pid_t dnsmasq = -1;

static void setup(void)
{
	char *site = t_read_file(CARVE_TEST_DATA "/cli/site.yaml", NULL), *text;

	cr_assert_not_null(site);
	tmp = t_tmpdir();
	db = t_path(tmp, "audit.db");
	plan = t_path(tmp, "site.yaml");
	t_free_ports(&port, 1);
	cr_assert(asprintf(&text, "%s"
			   "mail:\n"
			   "  source_namespace: mail.fabrikam.com\n"
			   "  target_cas: outlook.contoso.com\n"
			   "  smtp_domain: fabrikam.com\n"
			   "  target_mx: mx.contoso.com\n"
			   "  resolver: 127.0.0.1\n"
			   "  resolver_port: %d\n", site, port) > 0);
	t_write_file(plan, text);
	free(text);
	free(site);
}

static void stop_dns(void)
{
	if (dnsmasq > 0) {
		kill(dnsmasq, SIGTERM);
		waitpid(dnsmasq, NULL, 0);
	}
	dnsmasq = -1;
}

static void teardown(void)
{
	stop_dns();
	t_rm_rf(tmp);
	free(tmp);
	free(db);
	free(plan);
}

TestSuite(teardown, .init = setup, .fini = teardown, .timeout = 60);

/* Serves fabrikam.com with its MX at mx and autodiscover.fabrikam.com as
 * a CNAME of cas, or (cas "=ADDRESS") an A record; both zones are answered
 * locally, nothing upstream. */
static void start_dns(const char *mx, const char *cas)
{
	char port_opt[32], mx_opt[128], cname_opt[128];
	dns_answers a;

	cr_assert_eq(access("/usr/sbin/dnsmasq", X_OK), 0, "dnsmasq is not installed (.ci/setup"
		     " installs dnsmasq-base)");
	snprintf(port_opt, sizeof(port_opt), "--port=%d", port);
	snprintf(mx_opt, sizeof(mx_opt), "--mx-host=fabrikam.com,%s,10", mx);
	if (cas[0] == '=')
		snprintf(cname_opt, sizeof(cname_opt), "--host-record=autodiscover.fabrikam.com,%s",
			 cas + 1);
	else
		snprintf(cname_opt, sizeof(cname_opt), "--cname=autodiscover.fabrikam.com,%s", cas);
	dnsmasq = fork();
	cr_assert_neq(dnsmasq, -1);
	if (dnsmasq == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl("/usr/sbin/dnsmasq", "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
		      port_opt, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
		      "--no-hosts", "--pid-file=", "--log-facility=/dev/null",
		      "--local=/fabrikam.com/", "--local=/contoso.com/",
		      "--host-record=mail.fabrikam.com,10.0.0.5",
		      "--host-record=mx.contoso.com,10.20.0.25",
		      "--host-record=outlook.contoso.com,10.20.0.30", mx_opt, cname_opt,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 250; i++) {
		if (dns_query(&a, "127.0.0.1", (uint16_t)port, "fabrikam.com", ns_t_mx, 200, NULL) == 0 &&
		    a.count)
			return;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	cr_assert_fail("dnsmasq did not answer on port %d", port);
}

static t_result carve(const char *cmd, const char *a1, const char *a2, const char *a3,
		      const char *a4)
{
	const char *argv[] = { CARVE_BIN, cmd, plan, "--db", db, a1, a2, a3, a4, NULL };
	return t_run(argv, NULL);
}

/* The checklist line of item and the line under it. */
static char *item(const char *out, const char *id)
{
	static char found[1024];
	const char *p = strstr(out, id), *end;

	cr_assert_not_null(p, "no %s in\n%s", id, out);
	end = strchr(p, '\n');
	end = end ? strchr(end + 1, '\n') : NULL;
	snprintf(found, sizeof(found), "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
	return found;
}

Test(teardown, verifies_dns_and_refuses_to_sign_what_fails)
{
	start_dns("mail.fabrikam.com", "mail.fabrikam.com");
	t_result r = carve("teardown", NULL, NULL, NULL, NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(item(r.out, "ex-mx"), "the MX of fabrikam.com still includes"
		  " mail.fabrikam.com"), "%s", r.out);
	cr_assert(strstr(item(r.out, "ex-autodiscover"), "autodiscover.fabrikam.com points at"
		  " mail.fabrikam.com, not the target CAS outlook.contoso.com"), "%s", r.out);
	cr_assert(strstr(item(r.out, "ex-mailboxes"), "4 of 4 mailboxes are not moved yet"),
		  "%s", r.out);
	cr_assert(strstr(item(r.out, "ad-workstations"), "4 of 4 workstations are not migrated"),
		  "%s", r.out);
	/* this plan gives carve no way to read the source's computers: it says so */
	cr_assert(strstr(r.out, "carve cannot look for machines the plan does not know"),
		  "%s", r.out);
	cr_assert(strstr(item(r.out, "ad-trust"), "waiting for a sign-off"), "%s", r.out);
	cr_assert(strstr(r.out, "0 of 12 items done"), "%s", r.out);
	t_result_done(&r);

	/* Not while its verification fails; a person's item at any time. */
	r = carve("signoff", "--item", "ex-mx", "--who", "alice");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "cannot be signed off while its verification fails"), "%s", r.err);
	t_result_done(&r);
	r = carve("signoff", "--item", "ad-trust", "--who", "alice");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);

	/* The records now point at the target. */
	stop_dns();
	start_dns("mx.contoso.com", "outlook.contoso.com");
	r = carve("teardown", NULL, NULL, NULL, NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(item(r.out, "ex-mx"), "verified by carve"), "%s", r.out);
	cr_assert(strstr(item(r.out, "ex-autodiscover"), "verified by carve"), "%s", r.out);
	cr_assert(strstr(item(r.out, "ad-trust"), "signed off by alice"), "%s", r.out);
	cr_assert(strstr(r.out, "3 of 12 items done"), "%s", r.out);
	t_result_done(&r);
	r = carve("signoff", "--item", "ex-mx", "--who", "bob");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);

	/* Autodiscover as an A record: right with the CAS's address only. */
	stop_dns();
	start_dns("mx.contoso.com", "=10.0.0.5");
	r = carve("teardown", NULL, NULL, NULL, NULL);
	cr_assert(strstr(item(r.out, "ex-autodiscover"), "autodiscover.fabrikam.com has the address"
		  " 10.0.0.5, which is not the target CAS outlook.contoso.com's"), "%s", r.out);
	t_result_done(&r);
	stop_dns();
	start_dns("mx.contoso.com", "=10.20.0.30");
	r = carve("teardown", NULL, NULL, NULL, NULL);
	cr_assert(strstr(item(r.out, "ex-autodiscover"), "verified by carve"), "%s", r.out);
	t_result_done(&r);

	/* Who signed what is in the log's sign-off list. */
	char *sql;
	cr_assert(asprintf(&sql, "sqlite3 %s \"SELECT who || ':' || item FROM v_signoffs"
			   " ORDER BY seq\" > %s/signoffs.txt", db, tmp) > 0);
	cr_assert_eq(system(sql), 0);
	free(sql);
	char *path = t_path(tmp, "signoffs.txt"), *text = t_read_file(path, NULL);
	cr_assert_str_eq(text, "alice:ad-trust\nbob:ex-mx\n");
	free(text);
	free(path);
}

Test(teardown, a_dead_resolver_costs_one_timeout)
{
	/* Nothing listens on the port: each DNS item fails with the reason. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_result r = carve("teardown", NULL, NULL, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(item(r.out, "ex-mx"), "could not ask DNS for the MX of fabrikam.com"),
		  "%s", r.out);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 30);
	t_result_done(&r);
}
