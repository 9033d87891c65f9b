/*
 * test_preflight.c - carve check end to end on carve-lab: a site where one
 * machine fails each check, one is asleep, one hangs after authentication
 * and one presents a changed host key.  The run must name exactly those
 * causes, finish within its deadlines, log every result, and reach each
 * machine over one connection.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "lab.h"
#include "sshd.h"
#include "support.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static t_lab lab;
static char *plan, *db;

/* name, fixture line (after name and port), plan os, reach via MGMT01 */
static const struct {
	const char *name, *fixture, *os;
	bool via;
} hosts[] = {
	{ "WS-READY", "disk_free: 30GiB", "10", false },
	{ "WS-DISK", "disk_free: 512MiB", "10", false },
	{ "WS-LOWISH", "disk_free: 1536MiB", "7", false },
	{ "WS-ADMIN", "administrators: ['FABRIKAM\\Domain Admins']", "10", false },
	{ "WS-WIFI", "nics: [{ name: Ethernet, kind: wired, enabled: true }, "
		     "{ name: Wi-Fi, kind: wireless, enabled: true }]", "7", false },
	{ "WS-FW", "firewall: { domain: true, public: true }", "10", false },
	{ "WS-SVC", "services: { RemoteRegistry: stopped, Netlogon: disabled }", "7", false },
	{ "WS-SLEEP", "power: asleep", "10", false },
	{ "WS-HANG", "faults: { hang_after_auth: true }", "10", false },
	{ "WS-KEY", "faults: { changed_host_key: true }", "10", false },
	/* as XP reports them: a package's suffix, an update only in the registry */
	{ "XP-READY", "os: xp, hotfixes: [KB944043-v3, KB944505, KB968730], "
		      "registry_hotfixes: [KB2535512]", "xp", true },
	{ "XP-HOTFIX", "os: xp, hotfixes: [KB944043-v3]", "xp", true },
	/* answers ping, and its WMI never answers */
	{ "XP-HANG", "os: xp, faults: { wmi_hang: true }", "xp", true },
};
#define N_HOSTS (sizeof(hosts) / sizeof(hosts[0]))

static void write_site(void)
{
	FILE *fx = fopen(lab.fixture, "w"), *pl;
	int port[N_HOSTS + 1];

	t_free_ports(port, N_HOSTS + 1);
	int mgmt = port[N_HOSTS];

	cr_assert_not_null(fx);
	fprintf(fx, "lab: { user: '" T_LAB_KEY_USER "', authorized_key: client.pub,"
		    " host_keys: keys }\n"
		    "%s"
		    "defaults:\n"
		    "  domain: FABRIKAM\n"
		    "  administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\svc_targetmigrator']\n"
		    "hosts:\n"
		    "  - { name: MGMT01, role: management, port: %d }\n"
		    "  - { name: FS01, os: 2008r2, files: ["
		    "'C:\\patches\\WindowsXP-KB944505-x86-ENU.exe', "
		    "'C:\\patches\\WindowsXP-KB968730-x86-ENU.exe', "
		    "'C:\\patches\\WindowsXP-KB2535512-x86-ENU.exe'] }\n", t_lab_fixture_accounts(),
		mgmt);
	for (size_t i = 0; i < N_HOSTS; i++) {
		if (hosts[i].via)
			fprintf(fx, "  - { name: %s, %s }\n", hosts[i].name, hosts[i].fixture);
		else
			fprintf(fx, "  - { name: %s, port: %d, os: \"%s\", %s }\n", hosts[i].name,
				port[i], hosts[i].os, hosts[i].fixture);
	}
	fclose(fx);

	cr_assert(asprintf(&plan, "%s/site.yaml", lab.dir) > 0);
	cr_assert(asprintf(&db, "%s/audit.db", lab.dir) > 0);
	pl = fopen(plan, "w");
	cr_assert_not_null(pl);
	fprintf(pl,
		"site:\n"
		"  name: Lab pre-flight\n"
		"  source: { netbios: FABRIKAM, dns: fabrikam.local }\n"
		"  target: { netbios: CONTOSO, dns: contoso.com, ou: \"OU=M,DC=contoso,DC=com\" }\n"
		"  migrator: svc_targetmigrator\n"
		"  database: %s\n"
		"policy:\n"
		"  update_headroom: 1GiB\n"
		"  newer_than_windows_7: migrate\n"
		"  hotfix_packages:\n"
		"    KB944505: '\\\\fs01\\patches\\WindowsXP-KB944505-x86-ENU.exe'\n"
		"    KB968730: '\\\\fs01\\patches\\WindowsXP-KB968730-x86-ENU.exe'\n"
		"    KB2535512: '\\\\fs01\\patches\\WindowsXP-KB2535512-x86-ENU.exe'\n"
		"%s"
		"transport:\n"
		"  account: desk\n"
		"  known_hosts: known_hosts\n"
		"  probe: exec\n"
		"  timeouts: { connect: 1s, auth: 2s, command: 2s }\n"
		"exec_hosts:\n"
		"  - { name: MGMT01, role: management, address: 127.0.0.1, port: %d,"
		" account: migrator }\n"
		"floors:\n"
		"  - name: F1\n"
		"    map: |\n"
		"      +--------------------------+\n"
		"      |                          |\n"
		"      +--------------------------+\n"
		"chunks:\n"
		"  - { name: wave1, cutover: \"2026-12-05T22:00:00Z\" }\n"
		"machines:\n", db, t_lab_plan_accounts, mgmt);
	for (size_t i = 0; i < N_HOSTS; i++) {
		fprintf(pl, "  - { name: %s, address: 127.0.0.1, os: \"%s\", floor: F1, at: [%zu, 1],"
			    " chunk: wave1", hosts[i].name, hosts[i].os, 1 + 2 * i);
		if (hosts[i].via)
			fprintf(pl, ", reach: via, via: MGMT01 }\n");
		else
			fprintf(pl, ", port: %d }\n", port[i]);
	}
	fclose(pl);
}

static void setup(void)
{
	t_lab_init(&lab);
	/* New free ports when one was taken before the lab could bind it. */
	for (int tries = 0; tries < 5; tries++) {
		write_site();
		if (t_lab_try_start(&lab))
			return;
		free(plan);
		free(db);
	}
	cr_assert_fail("carve-lab did not get ready on five sets of free ports");
}

static void teardown(void)
{
	t_lab_done(&lab);
	free(plan);
	free(db);
}

TestSuite(preflight, .init = setup, .fini = teardown, .timeout = 120);

/* The "not ready" line for a machine and check, or NULL. */
static const char *line_for(const char *out, const char *machine, const char *check)
{
	static char found[1024];
	const char *p = out;

	while ((p = strstr(p, machine))) {
		const char *start = p, *end = strchr(p, '\n');
		while (start > out && start[-1] != '\n')
			start--;
		size_t len = end ? (size_t)(end - start) : strlen(start);
		snprintf(found, sizeof(found), "%.*s", (int)len, start);
		if (strstr(found, check) && (strstr(found, " x ") || strstr(found, "\u2717")))
			return found;
		p += strlen(machine);
	}
	return NULL;
}

Test(preflight, names_every_cause_within_its_deadlines)
{
	const char *argv[] = { CARVE_BIN, "check", plan, "--password-fd", "0", NULL };
	struct timespec t0, t1;

	setenv("LANG", "C", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_result r = t_run(argv, t_lab_passwords);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	/* Bounded by the deadlines (the hung machine alone would wait forever):
	 * one command deadline and one connect deadline, side by side, plus
	 * room for a slow machine running the sanitizers. */
	cr_assert_lt(secs, 2.0 + 1.0 + 3.0, "took %.1f s", secs);

	struct { const char *machine, *check, *words; } expect[] = {
		{ "WS-DISK", "disk", "0.5 GiB free on drive C (ADMT needs 1.0 GiB)" },
		{ "WS-ADMIN", "admin", "CONTOSO\\svc_targetmigrator is not a member" },
		{ "WS-WIFI", "nics", "wireless adapter 'Wi-Fi' is enabled" },
		{ "WS-FW", "firewall", "on in the domain, public profiles" },
		{ "WS-SVC", "services", "Remote Registry is stopped, Netlogon is stopped (disabled)" },
		{ "WS-SLEEP", "ping", "does not answer ping" },
		{ "WS-HANG", "os", "opening a channel (logged in, then no answer): timed out" },
		{ "WS-KEY", "connect", "HOST KEY CHANGED" },
		{ "XP-HOTFIX", "hotfixes", "missing KB944505, KB968730, KB2535512" },
		/* which check says so: the lab writes a statement's output when
		 * it ends, so even the ping's section has not come */
		{ "XP-HANG", "", "no answer within 2s, asked through MGMT01 (its WMI service may hang" },
	};
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		const char *line = line_for(r.out, expect[i].machine, expect[i].check);
		cr_assert(line && strstr(line, expect[i].words), "%s %s: %s\n%s", expect[i].machine,
			  expect[i].check, line ? line : "(no line)", r.out);
	}
	/* Nothing else failed, and the low disk is a warning, not a failure. */
	cr_assert(strstr(r.out, "3 ready, 10 not ready"), "%s", r.out);
	cr_assert_null(line_for(r.out, "WS-READY", ""), "%s", r.out);
	cr_assert_null(line_for(r.out, "XP-READY", ""), "%s", r.out);
	cr_assert(strstr(r.out, "! WS-LOWISH"), "%s", r.out);
	t_result_done(&r);

	/* Every result is in the audit log. */
	const char *log[] = { CARVE_BIN, "log", "--db", db, "--format", "csv", NULL };
	r = t_run(log, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ",WS-READY,,preflight,services,ok,"), "%s", r.out);
	cr_assert(strstr(r.out, ",XP-HOTFIX,,preflight,hotfixes,failed,"), "%s", r.out);
	cr_assert(strstr(r.out, ",WS-KEY,,preflight,connect,failed,"), "%s", r.out);
	/* the refused key is an event of its own, as carve-plan(5) says */
	cr_assert(strstr(r.out, ",hostkey,wave1,WS-KEY,,,hostkey,failed,") &&
		  strstr(r.out, "\"\"known_hosts\"\":\"\"changed\"\"}\""), "%s", r.out);
	cr_assert(strstr(r.out, ",WS-SLEEP,,preflight,ping,failed,"), "%s", r.out);
	cr_assert_null(strstr(r.out, ",WS-SLEEP,,preflight,disk,"), "%s", r.out);
	t_result_done(&r);

	/* An XP machine's checks were asked of MGMT01 in one PowerShell
	 * process (issue 15): one command holds them all, and besides it only
	 * the probe's Test-Connection named the machine */
	cr_assert_eq(t_lab_journal_count(&lab, "\"event\":\"command\"", "XP-HOTFIX",
					 "Win32_OperatingSystem", "Win32_QuickFixEngineering",
					 "Win32_Service", NULL), 1);
	cr_assert_leq(t_lab_journal_count(&lab, "\"event\":\"command\"", "XP-HOTFIX", NULL), 2);
	/* Every machine was pinged from MGMT01 and the XP ones asked there,
	 * all on PowerShells kept up (-Command -): no more starts than MGMT01
	 * takes sessions at once (4, the plan's default) and one for the
	 * PowerShell left waiting on XP-HANG, one script a machine */
	int starts = t_lab_journal_about(&lab, "host", "MGMT01", "powershell", "\"cpu_ms\"");
	cr_assert(starts >= 1 && starts <= 5, "%d PowerShell starts on MGMT01", starts);
	cr_assert_eq(t_lab_journal_about(&lab, "host", "MGMT01", "command", "Test-Connection"),
		     (int)N_HOSTS);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"MGMT01\"", "\"invoke_expression\":true",
					 "Test-Connection", NULL), (int)N_HOSTS);
	const char *verify[] = { CARVE_BIN, "verify", "--db", db, NULL };
	r = t_run(verify, NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	t_result_done(&r);

	/* Each machine that answered was reached over exactly one connection;
	 * the sleeping one never. */
	for (size_t i = 0; i < N_HOSTS; i++) {
		if (hosts[i].via)
			continue;
		char host[64];
		snprintf(host, sizeof(host), "\"host\":\"%s\"", hosts[i].name);
		int n = t_lab_journal_count(&lab, host, "\"event\":\"connect\"", NULL);
		cr_assert_eq(n, strcmp(hosts[i].name, "WS-SLEEP") ? 1 : 0, "%s: %d connections",
			     hosts[i].name, n);
	}
}

/* Records that machine's workstation migration has started. */
static void migration_started(const char *machine)
{
	carve_audit *audit = NULL;
	carve_event e = CARVE_EVENT_INIT;

	cr_assert_eq(carve_audit_open(&audit, db, NULL), 0, "%s", carve_error_last()->message);
	e.actor = "engine";
	e.chunk = "wave1";
	e.machine = machine;
	e.phase = "workstations";
	e.step = "admt";
	e.status = CARVE_STATUS_RUNNING;
	cr_assert_eq(carve_audit_append(NULL, audit, &e, 1), 0);
	carve_audit_free(audit);
}

Test(preflight, fix_repairs_what_it_can_and_logs_before_and_after)
{
	const char *argv[] = { CARVE_BIN, "check", plan, "--fix", "--password-fd", "0", NULL };

	setenv("LANG", "C", 1);
	migration_started("WS-SVC");
	t_result r = t_run(argv, t_lab_passwords);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	/* Fixed and checked again: the four causes a fix exists for. */
	/* What changed on each is what Windows did with carve's command: the
	 * migrator added, the wireless adapter disabled, netsh turning the
	 * firewall off, each of XP-HOTFIX's three missing updates installed. */
	const struct { const char *machine, *check, *change; int n; } fixed[] = {
		{ "WS-ADMIN", "admin", "administrators add", 1 },
		{ "WS-WIFI", "nics", "nic disabled", 1 },
		{ "WS-FW", "firewall", "firewall off", 1 },
		{ "XP-HOTFIX", "hotfixes", "update installed", 3 },
	};
	for (size_t i = 0; i < 4; i++) {
		char line[128], host[64], change[64];
		snprintf(line, sizeof(line), "+ %-15s %-9s fixed", fixed[i].machine, fixed[i].check);
		cr_assert(strstr(r.out, line), "%s not fixed:\n%s", fixed[i].machine, r.out);
		snprintf(host, sizeof(host), "\"host\":\"%s\"", fixed[i].machine);
		snprintf(change, sizeof(change), "\"change\":\"%s\"", fixed[i].change);
		int n = t_lab_journal_count(&lab, host, "\"event\":\"state\"", change, NULL);
		cr_assert_eq(n, fixed[i].n, "%s: %d times %s", fixed[i].machine, n, fixed[i].change);
	}
	/* Not on a machine whose migration started; nothing to do for disk. */
	cr_assert(strstr(r.out, "WS-SVC          fix       its workstation migration has started"),
		  "%s", r.out);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"WS-SVC\"", "\"event\":\"state\"",
					 NULL), 0);
	cr_assert(strstr(r.out, "7 ready, 6 not ready"), "%s", r.out);
	t_result_done(&r);

	/* The log holds the failure, the fix with both sides, then the pass. */
	const char *log[] = { CARVE_BIN, "log", "--db", db, "--machine", "WS-FW", "--format",
			      "json", NULL };
	r = t_run(log, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	const char *failed = strstr(r.out, "\"step\":\"firewall\",\"status\":\"failed\"");
	const char *fix = strstr(r.out, "\"step\":\"fix-firewall\",\"status\":\"ok\"");
	const char *ok = fix ? strstr(fix, "\"step\":\"firewall\",\"status\":\"ok\"") : NULL;
	cr_assert(failed && fix && ok && failed < fix, "%s", r.out);
	/* the evidence is JSON in the JSON */
	cr_assert(strstr(fix, "\"evidence\":{\"before\":{\"domain\":{\"on\":true,"), "%s", fix);
	cr_assert(strstr(fix, "\"after\":{\"domain\":{\"on\":false,"), "%s", fix);
	/* and the fix was in the log as running before it changed anything */
	const char *running = strstr(r.out, "\"step\":\"fix-firewall\",\"status\":\"running\"");
	cr_assert(running && running < fix, "%s", r.out);
	t_result_done(&r);
}

/* The largest of the database's files. */
static long long largest(const char *path)
{
	long long max = 0;
	const char *suffix[] = { "", "-wal" };

	for (int i = 0; i < 2; i++) {
		char name[4096];
		struct stat st;
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		if (stat(name, &st) == 0 && st.st_size > max)
			max = st.st_size;
	}
	return max;
}

/* The disk fills during the pre-flight: carve says why (SQLite's reason),
 * what was lost, and stops asking machines whose answers it cannot keep. */
Test(preflight, a_full_disk_says_why_and_stops_asking)
{
	const char *argv[] = { CARVE_BIN, "check", plan, "--password-fd", "0", NULL };
	t_result r = t_run(argv, t_lab_passwords);
	t_result_done(&r);

	/* What a whole pre-flight left in the database once checkpointed: a
	 * file-size limit (EFBIG, as a full disk's ENOSPC, fails SQLite's
	 * write) that the run's start and first results fit in, and that the
	 * write-ahead log, which grows by every commit's pages, outgrows. */
	char limit[64], *small = t_path(lab.dir, "small.db");
	long long full_size = largest(db);
	snprintf(limit, sizeof(limit), "--fsize=%lld", full_size);
	signal(SIGXFSZ, SIG_IGN); /* inherited: the write fails, carve lives */
	const char *full[] = { "/usr/bin/prlimit", limit, CARVE_BIN, "check", plan, "--db", small,
			       "--password-fd", "0", NULL };
	r = t_run(full, t_lab_passwords);
	cr_assert_neq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "could not write the results to the audit log (") &&
		  strstr(r.err, "are not recorded") && strstr(r.err, "were not asked") &&
		  strstr(r.err, "run carve check again"),
		  "%s%s", r.out, r.err);
	cr_assert_null(strstr(r.err, "log ()"), "SQLite's reason is given: %s", r.err);
	t_result_done(&r);
	free(small);
}

/* host_keys: accept-new records a key met for the first time, and says so
 * in the audit log (carve-plan(5)); the second time it is known, and
 * nothing more is written. */
Test(preflight, accept_new_logs_each_key_it_records)
{
	size_t len = 0;
	char *text = t_read_file(plan, &len), *accept = NULL;
	char *at = strstr(text, "  known_hosts: known_hosts\n");
	cr_assert_not_null(at);
	*at = '\0';
	cr_assert(asprintf(&accept, "%s  known_hosts: fresh_known_hosts\n  host_keys: accept-new\n%s",
			   text, at + strlen("  known_hosts: known_hosts\n")) > 0);
	char *accept_plan = t_path(lab.dir, "accept.yaml");
	t_write_file(accept_plan, accept);

	const char *argv[] = { CARVE_BIN, "check", accept_plan, "--machine", "WS-READY",
			       "--password-fd", "0", NULL };
	for (int round = 0; round < 2; round++) {
		t_result r = t_run(argv, t_lab_passwords);
		cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
		t_result_done(&r);
	}
	const char *log[] = { CARVE_BIN, "log", "--db", db, "--format", "csv", NULL };
	t_result r = t_run(log, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ",hostkey,wave1,WS-READY,,,hostkey,ok,"), "%s", r.out);
	cr_assert(strstr(r.out, ",hostkey,,MGMT01,,,hostkey,ok,"), "%s", r.out);
	cr_assert(strstr(r.out, "accepted on first contact"), "%s", r.out);
	const char *first = strstr(r.out, ",hostkey,wave1,WS-READY,");
	cr_assert_null(strstr(first + 1, ",hostkey,wave1,WS-READY,"),
		       "the known key was logged again:\n%s", r.out);
	t_result_done(&r);

	/* the file carve decides from is held to what the log recorded */
	const char *verify[] = { CARVE_BIN, "verify", accept_plan, NULL };
	r = t_run(verify, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);
	char *hosts_path = t_path(lab.dir, "fresh_known_hosts");
	char *on_file = t_read_file(hosts_path, &len);
	char *two = strchr(on_file, '\n');
	cr_assert(two && two[1], "two keys on file:\n%s", on_file);
	/* the second host's key material under the first host's name */
	char *key1 = strchr(on_file, ' '), *key2 = strchr(two + 1, ' ');
	cr_assert(key1 && key2 && key1 < two);
	char *swapped = NULL;
	cr_assert(asprintf(&swapped, "%.*s%s", (int)(key1 - on_file), on_file, key2) > 0);
	t_write_file(hosts_path, swapped);
	r = t_run(verify, NULL);
	cr_assert_eq(r.status, 3, "a replaced key verified:\n%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "is not the one carve recorded for it"), "%s", r.out);
	t_result_done(&r);
	free(swapped);
	free(on_file);
	free(hosts_path);
	free(accept_plan);
	free(accept);
	free(text);
}

/* Gives MGMT01 fault (a fixture fault taking true), reloads the lab and
 * runs carve check on the whole site. */
static t_result check_with_mgmt01_fault(const char *fault)
{
	char *text = t_read_file(lab.fixture, NULL), *at;

	cr_assert_not_null(text);
	cr_assert(at = strstr(text, "role: management, port: "));
	at = strchr(at, '}');
	FILE *fx = fopen(lab.fixture, "w");
	cr_assert_not_null(fx);
	fprintf(fx, "%.*s, faults: { %s: true } %s", (int)(at - text), text, fault, at);
	fclose(fx);
	free(text);
	t_lab_reload(&lab);

	const char *argv[] = { CARVE_BIN, "check", plan, "--password-fd", "0", NULL };
	return t_run(argv, t_lab_passwords);
}

/* An exec host on which a PowerShell kept up on stdin does not work (the
 * lab's stdin_hang: it runs nothing until its stdin ends, as PowerShell 2.0
 * over Win32-OpenSSH was reported to): the pre-flight finds out from a kept
 * PowerShell's first script, within one command deadline, and asks that
 * host one process a machine for the rest of the run; every cause is
 * still named. */
Test(preflight, an_exec_host_without_a_kept_powershell_gets_a_process_a_machine)
{
	t_result r = check_with_mgmt01_fault("stdin_hang");
	cr_assert(r.status == 1, "exit %d: %s%s", r.status, r.out, r.err);
	cr_assert(strstr(r.out, "3 ready, 10 not ready"), "%s%s", r.out, r.err);
	const char *l = line_for(r.out, "XP-HOTFIX", "hotfixes");
	cr_assert(l && strstr(l, "missing KB944505"), "%s", r.out);
	cr_assert_null(line_for(r.out, "WS-READY", ""), "%s", r.out);
	t_result_done(&r);

	/* at most one kept PowerShell a session tried (4 at once), then one
	 * process a machine: every machine's ping in a command of its own, and
	 * no machine's script ever reached a kept one */
	int kept = t_lab_journal_about(&lab, "host", "MGMT01", "command", "\"stdin\":true");
	cr_assert(kept >= 1 && kept <= 4, "%d kept PowerShells tried", kept);
	cr_assert_geq(t_lab_journal_about(&lab, "host", "MGMT01", "command", "Test-Connection"),
		      (int)N_HOSTS);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"MGMT01\"", "\"invoke_expression\":true",
					 "Test-Connection", NULL), 0);
}

/* A management host that lets carve log on and then never answers: the
 * first machines asked through it (four at once, MGMT01's sessions) wait
 * out the deadline, and the rest are not sent after them; every machine
 * says why, in the same words (one cause in triage). */
Test(preflight, a_management_host_that_hangs_costs_one_deadline)
{
	t_result r = check_with_mgmt01_fault("hang_after_auth");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	const char *first = line_for(r.out, "WS-READY", "ping");
	cr_assert(first && strstr(first, "could not ping it from the management host"), "%s",
		  r.out);
	const char *why = strstr(first, "host: ");
	for (size_t i = 0; i < N_HOSTS; i++) {
		const char *l = line_for(r.out, hosts[i].name, "ping");
		cr_assert(l && strstr(l, why), "%s: %s", hosts[i].name, r.out);
	}
	t_result_done(&r);
	int connects = t_lab_journal_about(&lab, "host", "MGMT01", "connect", "");
	cr_assert(connects >= 1 && connects <= 4, "%d connections to MGMT01", connects);
}
