/*
 * test_pipeline.c - carve run end to end on carve-lab: a chunk of 30
 * machines and users with every failure the seed names injected runs to
 * the end; each failure carries the expected diagnosis; fixing the faults
 * in the lab and running with --retry-failed completes only those.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK "wave1"
#define HEALTHY(n, os, u) { n, os, CHUNK, u, 2010, "", "", NULL }

/* The site before the migration: healthy but for the restart that never
 * ends and the three mailboxes the move will fail on. */
static t_site_host hosts[] = {
	{ "WS-NOBOOT", "10", CHUNK, "u-noboot", 2010, "faults: { reboot: never }", "", NULL },
	{ "XP-HOTFIX", "xp", CHUNK, "u-hotfix", 2010, "", "", NULL },
	{ "WS-ADMIN", "10", CHUNK, "u-admin", 2010, "", "", NULL },
	{ "WS-WIFI", "7", CHUNK, "u-wifi", 2010, "", "", NULL },
	{ "WS-FW", "10", CHUNK, "u-fw", 2010, "", "", NULL },
	{ "WS-SVC", "7", CHUNK, "u-svc", 2010, "", "", NULL },
	{ "WS-ODD", "10", CHUNK, "u-odd", 2010, "", "", NULL },
	{ "WS-SMTP", "10", CHUNK, "u-smtp", 2010, "", "target_smtp: false", NULL },
	{ "WS-BAD", "7", CHUNK, "u-bad", 2010, "", "bad_items: 80", NULL },
	{ "WS-BIG", "10", CHUNK, "u-big", 2010, "", "size: 2GiB", NULL },
	{ "WS-SOURCE", "10", CHUNK, "u-source", 2010, "logged_on_source: true", "", NULL },
	{ "WS-OL1", "10", CHUNK, "u-ol1", 2003, "", "", "iPhone" },
	{ "XP-OL2", "xp", CHUNK, "u-ol2", 2003, "", "", NULL },
	{ "WS-OL3", "7", CHUNK, "u-ol3", 2003, "", "", NULL },
	HEALTHY("WS-01", "10", "u-01"), HEALTHY("WS-02", "7", "u-02"),
	HEALTHY("WS-03", "10", "u-03"), HEALTHY("XP-04", "xp", "u-04"),
	HEALTHY("WS-05", "10", "u-05"), HEALTHY("WS-06", "7", "u-06"),
	HEALTHY("WS-07", "10", "u-07"), HEALTHY("XP-08", "xp", "u-08"),
	HEALTHY("WS-09", "10", "u-09"), HEALTHY("WS-10", "7", "u-10"),
	HEALTHY("WS-11", "10", "u-11"), HEALTHY("WS-12", "10", "u-12"),
	HEALTHY("WS-13", "7", "u-13"), HEALTHY("XP-14", "xp", "u-14"),
	HEALTHY("WS-15", "10", "u-15"), HEALTHY("WS-16", "10", "u-16"),
};
#define N_HOSTS (sizeof(hosts) / sizeof(hosts[0]))

/* What went wrong on the machines between the pre-flight and ADMT. */
static const struct { const char *name, *fixture; } admt_faults[] = {
	{ "XP-HOTFIX", "hotfixes: [KB944043]" },
	{ "WS-ADMIN", "administrators: ['FABRIKAM\\Domain Admins']" },
	{ "WS-WIFI", "nics: [{ name: Ethernet, kind: wired, enabled: true },"
		     " { name: Wi-Fi, kind: wireless, enabled: true }]" },
	{ "WS-FW", "firewall: { domain: true }" },
	{ "WS-SVC", "services: { RemoteRegistry: stopped }" },
	{ "WS-ODD", "faults: { admt_error: 'The trust relationship between this workstation"
		    " and the primary domain failed.' }" },
};

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

TestSuite(pipeline, .init = setup, .fini = teardown, .timeout = 240);

static t_result run_carve(const char *extra1, const char *extra2)
{
	const char *argv[] = { CARVE_BIN, "run", plan, "--chunk", CHUNK, "--password-fd", "0",
			       extra1, extra2, NULL };
	return t_run(argv, t_lab_passwords);
}

static void expect(const char *object, const char *step, carve_status status,
		   const char *words)
{
	t_state l = t_lab_state(&lab, CHUNK, object, step);

	cr_assert(l.found, "%s %s: no state", object, step);
	cr_assert_eq(l.status, status, "%s %s: %s, not %s (%s)", object, step,
		     carve_status_name(l.status), carve_status_name(status), l.diagnosis);
	cr_assert(!words || strstr(l.diagnosis, words) || strstr(l.evidence, words),
		  "%s %s: '%s' not in %s | %s", object, step, words, l.diagnosis, l.evidence);
}

/* Migrated: in the target domain, a warning on Windows 10 (ADMT 3.2
 * cannot translate its profiles; the plan says migrate). */
static void expect_migrated(const t_site_host *h)
{
	expect(h->name, "admt", strcmp(h->os, "10") ? CARVE_STATUS_OK : CARVE_STATUS_WARN,
	       "\"domain\":\"contoso.com\"");
}

static const t_site_host *host_named(const char *name)
{
	for (size_t k = 0; k < N_HOSTS; k++)
		if (!strcmp(hosts[k].name, name))
			return &hosts[k];
	cr_assert_fail("no host %s", name);
	return NULL;
}

/* carve's own restarts, not ADMT's after the join */
#define CARVE_RESTART "\"change\":\"restart\",\"detail\":\"Restart-Computer\""

static int journal(const char *host, const char *event, const char *what)
{
	char h[80], e[80];

	snprintf(h, sizeof(h), "\"host\":\"%s\"", host);
	snprintf(e, sizeof(e), "\"event\":\"%s\"", event);
	return t_lab_journal_count(&lab, h, e, what, NULL);
}

static int moves_started(const char *user)
{
	char u[80];

	snprintf(u, sizeof(u), "\"user\":\"%s\"", user);
	return t_lab_journal_count(&lab, "\"event\":\"move\"", u, "\"result\":\"started\"", NULL);
}

static t_result report(const char *format)
{
	const char *argv[] = { CARVE_BIN, "report", plan, "--format", format, NULL };
	t_result r = t_run(argv, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	return r;
}

/* The report as a manager opens it: Debian's chromium renders it headless
 * at 1280 wide into a PNG, and what it parsed holds the verdict and the
 * named floor map. */
static void check_in_a_browser(const char *html)
{
	char *page = t_path(lab.dir, "report.html"), *png = t_path(lab.dir, "report.png");
	char *profile = t_path(lab.dir, "chromium"), url[4200], shot[4200], data[4200];

	t_write_file(page, html);
	snprintf(url, sizeof(url), "file://%s", page);
	snprintf(shot, sizeof(shot), "--screenshot=%s", png);
	snprintf(data, sizeof(data), "--user-data-dir=%s", profile);
	const char *capture[] = { "/usr/bin/chromium", "--headless", "--no-sandbox",
				  "--disable-gpu", "--hide-scrollbars", data,
				  "--window-size=1280,1600", shot, url, NULL };
	t_result r = t_run(capture, NULL);
	cr_assert_eq(r.status, 0, "chromium: %s", r.err);
	t_result_done(&r);
	size_t len = 0;
	unsigned char *p = (unsigned char *)t_read_file(png, &len);
	/* a PNG, and its IHDR says 1280 pixels wide */
	cr_assert(p && len > 24 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8), "no PNG from chromium");
	unsigned width = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
	cr_assert_eq(width, 1280);
	cr_assert_gt(len, 20000, "a blank page? (%zu bytes)", len);
	free(p);

	const char *dom[] = { "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
			      data, "--dump-dom", url, NULL };
	r = t_run(dom, NULL);
	cr_assert_eq(r.status, 0, "chromium: %s", r.err);
	cr_assert(strstr(r.out, "cannot go ahead:"), "the browser has no verdict");
	cr_assert(strstr(r.out, ">WS-ADMIN</text>"), "the browser's floor names nobody");
	t_result_done(&r);
	free(profile);
	free(png);
	free(page);
}

/* The reports carry the failures, the maps and the chain's verdict. */
static void check_reports(void)
{
	t_result r = report("html");
	cr_assert(strstr(r.out, "<svg"), "no floor map");
	cr_assert_null(strstr(r.out, "http"), "the HTML refers to the network");
	cr_assert_null(strstr(r.out, "<script"), "the HTML has a script");
	cr_assert(strstr(r.out, "<title>WS-ADMIN: failed</title>"), "WS-ADMIN not on the map");
	cr_assert(strstr(r.out, "svc_targetmigrator is not a member"), "no diagnosis");
	cr_assert(strstr(r.out, "verified (chain, derived tables and seals)"),
		  "no verdict on the log");
	/* for people who were not there: the verdict first, then the night */
	const char *verdict = strstr(r.out, "<h2>Verdict</h2>");
	cr_assert(verdict && verdict < strstr(r.out, "<h2>Chunks and phases</h2>"),
		  "the verdict is not first");
	cr_assert(strstr(r.out, "<strong>cannot go ahead: ") && strstr(verdict, "not migrated") &&
		  strstr(verdict, "mailboxes not moved"), "%s", verdict);
	cr_assert(strstr(r.out, "<h2>Timeline</h2>\n<svg"), "no timeline");
	cr_assert(strstr(r.out, ">WS-ADMIN</text>"), "the floor map does not name the machines");
	cr_assert(strstr(r.out, "<pre>{\n  &quot;"), "the evidence is not laid out for people");
	check_in_a_browser(r.out);
	cr_assert(strstr(r.out, "Head <code>"), "no head to keep");
	t_result_done(&r);
	r = report("csv");
	cr_assert(strstr(r.out, "\r\nfailure,wave1,workstations,WS-ADMIN,admt,failed,"), "%s", r.out);
	cr_assert(strstr(r.out, "\r\nfailure,wave1,mail,u-bad,move,failed,"), "%s", r.out);
	cr_assert(strstr(r.out, "\r\nmachine,wave1,,WS-02,,ok,"), "%s", r.out);
	cr_assert(strstr(r.out, "\r\nmachine,wave1,,WS-01,,warn,"), "%s", r.out);
	cr_assert(strstr(r.out, "\r\nchain,,,,,ok,"), "%s", r.out);
	t_result_done(&r);
	r = report("json");
	cr_assert(strstr(r.out, "{\"machine\":\"WS-FW\",\"chunk\":\"wave1\",\"phase\":"
			 "\"workstations\",\"step\":\"admt\",\"status\":\"failed\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"chain\":{\"ok\":true,"), "%s", r.out);
	t_result_done(&r);
}

Test(pipeline, diagnoses_every_failure_and_retries_only_those)
{
	/* The pre-flight and the restarts on the site as it was checked. */
	t_result r = run_carve("--phase", "preflight");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);
	r = run_carve("--phase", "restart");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	t_result_done(&r);
	expect("WS-NOBOOT", "restart", CARVE_STATUS_FAILED, "did not come back");
	expect("WS-01", "restart", CARVE_STATUS_OK, "\"boot_after\"");
	expect("XP-04", "restart", CARVE_STATUS_OK, NULL);

	/* Then things change on the floor before ADMT runs. */
	for (size_t i = 0; i < sizeof(admt_faults) / sizeof(admt_faults[0]); i++)
		for (size_t k = 0; k < N_HOSTS; k++)
			if (!strcmp(hosts[k].name, admt_faults[i].name))
				hosts[k].fixture = admt_faults[i].fixture;
	free(t_lab_write_site(&lab, &ports, hosts, N_HOSTS));
	t_lab_reload(&lab);

	r = run_carve(NULL, NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	t_result_done(&r);

	/* Workstations: each cause in the seed's order, or ADMT's own log. */
	expect("XP-HOTFIX", "admt", CARVE_STATUS_FAILED, "missing KB944505");
	expect("WS-ADMIN", "admt", CARVE_STATUS_FAILED, "svc_targetmigrator is not a member");
	expect("WS-WIFI", "admt", CARVE_STATUS_FAILED, "wireless adapter 'Wi-Fi' is enabled");
	expect("WS-FW", "admt", CARVE_STATUS_FAILED, "\"cause\":\"firewall\"");
	expect("WS-SVC", "admt", CARVE_STATUS_FAILED, "Remote Registry is stopped");
	expect("WS-ODD", "admt", CARVE_STATUS_FAILED, "ADMT's last line about it: ");
	expect("WS-ODD", "admt", CARVE_STATUS_FAILED, "The trust relationship");
	expect("WS-NOBOOT", "admt", CARVE_STATUS_BLOCKED, NULL);
	expect("WS-01", "admt", CARVE_STATUS_WARN, "its user starts with a new profile");
	expect_migrated(host_named("WS-02"));
	expect_migrated(host_named("XP-04"));
	expect("WS-01", "source-account", CARVE_STATUS_OK, NULL);

	/* Mail: each of the seed's three causes. */
	expect("u-smtp", "move", CARVE_STATUS_FAILED, "no SMTP address u-smtp@fabrikam.com");
	expect("u-bad", "move", CARVE_STATUS_FAILED, "80 bad items, more than the bad item"
	       " limit of 50");
	expect("u-big", "move", CARVE_STATUS_FAILED, "more than the target database allows");
	expect("u-01", "move", CARVE_STATUS_OK, "\"source_mail_user\":true");

	/* Clients: Outlook 2003 re-pointed through the hosts file, a logon to
	 * the source flagged, the phone waiting for its person. */
	expect("WS-OL1", "outlook", CARVE_STATUS_OK, "outlook.contoso.com");
	expect("XP-OL2", "outlook", CARVE_STATUS_OK, "\"hosts_entry_removed\":\"removed\"");
	expect("WS-01", "outlook", CARVE_STATUS_OK, "autodiscover");
	expect("WS-SOURCE", "logon", CARVE_STATUS_WARN, "logged on to the source domain");
	expect("u-ol1", "activesync", CARVE_STATUS_PENDING, "sign it off");
	expect("WS-ADMIN", "outlook", CARVE_STATUS_BLOCKED, NULL);
	/* the hosts file written twice: the entry added, then removed */
	cr_assert_eq(journal("WS-OL1", "file", "drivers\\\\etc\\\\hosts\",\"by\":\"Set-Content\""), 2);
	check_reports();

	/* Fix everything in the lab and retry only what failed. */
	for (size_t k = 0; k < N_HOSTS; k++) {
		if (strcmp(hosts[k].name, "WS-SOURCE"))
			hosts[k].fixture = "";
		hosts[k].mailbox = "";
	}
	free(t_lab_write_site(&lab, &ports, hosts, N_HOSTS));
	t_lab_reload(&lab);
	r = run_carve("--retry-failed", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);

	const char *fixed[] = { "WS-NOBOOT", "XP-HOTFIX", "WS-ADMIN", "WS-WIFI", "WS-FW",
				"WS-SVC", "WS-ODD" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		expect_migrated(host_named(fixed[i]));
		cr_assert_eq(journal(fixed[i], "admt", "\"result\":\"migrated\""), 1, "%s", fixed[i]);
	}
	cr_assert_eq(journal("WS-NOBOOT", "state", CARVE_RESTART), 2);
	expect("WS-NOBOOT", "restart", CARVE_STATUS_OK, NULL);
	const char *fixed_users[] = { "u-smtp", "u-bad", "u-big" };
	for (size_t i = 0; i < 3; i++) {
		expect(fixed_users[i], "move", CARVE_STATUS_OK, NULL);
		cr_assert_eq(moves_started(fixed_users[i]), 2, "%s", fixed_users[i]);
	}

	/* What had succeeded was not touched again. */
	for (size_t k = 0; k < N_HOSTS; k++) {
		const char *n = hosts[k].name;
		bool refixed = false;
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			refixed |= !strcmp(fixed[i], n);
		if (!refixed)
			cr_assert_eq(journal(n, "state", CARVE_RESTART), 1, "%s", n);
		cr_assert_eq(journal(n, "admt", "\"result\":\"migrated\""), 1, "%s", n);
		bool moved_again = false;
		for (size_t i = 0; i < 3; i++)
			moved_again |= !strcmp(fixed_users[i], hosts[k].user);
		if (!moved_again)
			cr_assert_eq(moves_started(hosts[k].user), 1, "%s", hosts[k].user);
	}
	expect("WS-SOURCE", "logon", CARVE_STATUS_WARN, NULL);

	const char *verify[] = { CARVE_BIN, "verify", plan, NULL };
	r = t_run(verify, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);
}
