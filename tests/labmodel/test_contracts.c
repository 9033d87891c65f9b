/*
 * test_contracts.c - issue 12, section 2: each command a real site refused,
 * as an older template sent it, gets the real product's answer from the
 * lab; the template carve sends now (cmd_line, exactly as it goes out) is
 * accepted, changes the lab's state, and carve's next check reads that
 * state.  Where an expected text is the lab's own because the product's
 * is not public, the comment says so; the sources are in the lab files
 * the texts come from and in windows-contracts.md.
 */
#define _GNU_SOURCE /* asprintf */
#include "checks.h"
#include "lab.h"
#include "model.h"

#include <stdio.h>
#include <time.h>

static t_model m;
static carve_plan *plan; /* tests/data/cli/site.yaml: WS-01 xp, WS-02 7, WS-03/04 10 */

#define MIGRATOR "CONTOSO\\svc_targetmigrator"
#define SOURCE_ACCOUNT "FABRIKAM\\carve-src"
#define SOURCE_PASSWORD T_LAB_SOURCE_PASSWORD "\n"
#define EXCHANGE_URI "http://E2E01.contoso.com/PowerShell/"

/* The site: an ADMT server, a mail server, a management host and the
 * machines each item needs, named as the plan names them where carve's
 * checks read them. */
static const char site[] =
	"site: { admt_minute: 50ms }\n"
	"groups:\n"
	"  - { name: 'CONTOSO\\Workstation Admins', members: ['CONTOSO\\Migration Team'] }\n"
	"  - { name: 'CONTOSO\\Migration Team', members: ['CONTOSO\\svc_targetmigrator'] }\n"
	"defaults:\n"
	"  domain: FABRIKAM\n"
	"  administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\svc_targetmigrator']\n"
	"  faults: { reboot: 1s }\n"
	"hosts:\n"
	"  - { name: MGMT01, role: management, port: 2200,\n"
	"      files: ['C:\\Packages\\WindowsXP-KB968730-x86-ENU.exe', 'C:\\Tools\\devcon.exe'] }\n"
	"  - { name: ADMT01, role: admt, port: 2201 }\n"
	"  - { name: E2E01, role: mail, port: 2202, quota: 0 }\n"
	"  - { name: WS7A, os: '7', user: u7a }\n"
	"  - { name: WS7B, os: '7', user: u7b }\n"
	"  - { name: WS-03, os: '10', user: u10 }\n"
	"  - { name: WSFW, os: '7', user: ufw, firewall: { domain: true } }\n"
	"  - name: WS-01\n"
	"    os: xp\n"
	"    user: uxp\n"
	"    outlook: 2003\n"
	"    outlook_profile: Default Outlook Profile\n"
	"    hotfixes: [KB944043-v3, KB968730, KB2535512]\n"
	"    registry_hotfixes: [KB944505]\n"
	"    nics: [{ name: Local Area Connection, kind: wired, enabled: true },\n"
	"           { name: Wireless Network Connection, kind: wireless, enabled: true }]\n"
	"  - { name: XP2, os: xp, user: uxp2, hotfixes: [KB944043, KB944505, KB2535512] }\n"
	"  - name: DOCKED\n"
	"    os: '7'\n"
	"    user: udock\n"
	"    nics: [{ name: Local Area Connection, kind: wired, enabled: true, unplugged: true },\n"
	"           { name: Local Area Connection 2, kind: secondary, enabled: true }]\n"
	"  - { name: WS-02, os: '7', language: de, user: ude,\n"
	"      administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\Workstation Admins'] }\n"
	"  - { name: WS-04, os: '10', user: ugpo, firewall: { domain: false, private: false,\n"
	"      public: false }, firewall_policy: { domain: true } }\n"
	"  - { name: OL7, os: '7', user: uol, outlook: 2003, logged_on: false }\n"
	"  - { name: VISTA1, os: vista, user: uvista, last_logon_days: 2 }\n"
	"  - { name: WIN8, os: '8', user: u8 }\n"
	"  - { name: WIN11, os: '11', user: u11 }\n"
	"mailboxes:\n"
	"  - { user: u7a }\n"
	"  - { user: u7b, target_smtp: false }\n"
	"  - { user: u10 }\n";

static void load(const char *site_text)
{
	char *fixture = NULL;

	cr_assert_neq(asprintf(&fixture, "%s%s%s", T_MODEL_LAB, t_lab_fixture_accounts(), site_text),
		      -1);
	t_model_load(&m, fixture);
	free(fixture);
}

static void setup(void)
{
	carve_diags *diags = NULL;
	char *path = t_data("cli/site.yaml");

	load(site);
	cr_assert_eq(carve_plan_load(&plan, &diags, path), 0);
	carve_diags_free(diags);
	free(path);
}

static void teardown(void)
{
	carve_plan_free(plan);
	t_model_done(&m);
}

TestSuite(contracts, .init = setup, .fini = teardown, .timeout = 60);

static t_ps on(const char *host, const char *script)
{
	return t_ps_run(&m, host, MIGRATOR, true, script);
}

static lab_host *host(const char *name)
{
	lab_host *h = lab_find_host(&m.site, name);
	cr_assert_not_null(h, "no host %s", name);
	return h;
}

/* What CMD_COMPUTER (carve's verdict on a migration) reads from the
 * management host once the machine is in the target domain, after ADMT's
 * restart: "Name|Domain|PartOfDomain|UserName".  Waits for that answer,
 * not a time; fails the test if it never comes. */
static char *computer_after_restart(const char *name)
{
	time_t deadline = time(NULL) + 15;

	for (;;) {
		t_ps r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_COMPUTER, name);
		if (r.exit == 0 && strstr(r.out, "|contoso.com|")) {
			free(r.err);
			return r.out;
		}
		cr_assert(time(NULL) < deadline, "%s never joined: %s%s", name, r.out, r.err);
		t_ps_done(&r);
		struct timespec pause = { 0, 100 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
}

/* carve's verdict of a pre-flight check on the plan's machine named, its
 * script run where carve runs it for that machine (the management host). */
static carve_check_result check(carve_check c, const char *machine, const char *as_host)
{
	size_t count, i = carve_plan_find_machine(plan, machine);
	const carve_machine *pm = carve_plan_machines(plan, &count);
	static const char *const groups[] = { "CONTOSO\\Migration Team",
					      "CONTOSO\\Workstation Admins" };
	check_context ctx = { groups, 2, NULL };
	carve_check_result r;
	carve_buf script = CARVE_BUF_INIT;

	cr_assert_neq(i, CARVE_NONE, "%s is not in the plan", machine);
	carve_machine mm = pm[i];
	mm.name = as_host ? as_host : pm[i].name;
	cr_assert_eq(check_script(&script, c, &mm), 0);
	t_ps out = on("MGMT01", carve_buf_cstr(&script));
	memset(&r, 0, sizeof(r));
	cr_assert_eq(check_parse(&r, c, plan, &mm, &ctx, out.out, strlen(out.out), out.err,
				 strlen(out.err), out.exit), 0);
	carve_buf_done(&script);
	t_ps_done(&out);
	return r;
}

static void check_done(carve_check_result *r)
{
	free(r->evidence);
	free(r->diagnosis);
}

#define ADMT_VALUES(names) \
	names, "FABRIKAM", "CONTOSO", "OU=Migrated,DC=contoso,DC=com", "REPLACE", "YES", "YES", \
	"YES", "1"

/* ---------------------------------------------------------------- ADMT */

Test(contracts, admt_without_translation_leaves_the_profile_behind)
{
	/* the old template: no security translation, so ADMT joins the
	 * machine and its user's profile stays with the source account */
	t_ps r = on("ADMT01", "& admt.exe computer /N WS7A /SD:FABRIKAM /TD:CONTOSO "
		    "/TO:'OU=Migrated,DC=contoso,DC=com' /RDL:1\n");
	cr_assert(strstr(r.out, "1 computer(s) joined, 0 failed"), "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert(host("WS7A")->progress.join_at, "ADMT did not migrate WS7A");
	cr_assert_not(host("WS7A")->progress.profile_translated);

	/* carve's: /TOT /TUP /TLG /TUR; the profile goes with the user */
	r = t_cmd_run(&m, "ADMT01", MIGRATOR, true, CMD_ADMT_MIGRATE, ADMT_VALUES("WS7B"));
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert(strstr(r.out, "start|"), "%s", r.out);
	cr_assert(strstr(r.out, "1 computer(s) joined, 0 failed"), "%s", r.out);
	cr_assert(strstr(r.out, "exit|0"), "%s", r.out);
	t_ps_done(&r);
	cr_assert(host("WS7B")->progress.profile_translated);
	/* and carve's verdict reads the machine: in the target domain */
	char *seen = computer_after_restart("WS7B");
	cr_assert(strstr(seen, "WS7B|contoso.com|True|"), "%s", seen);
	free(seen);
}

Test(contracts, admt_32_cannot_translate_profiles_past_windows_7)
{
	/* KB 4089459: ADMT 3.2 joins a Windows 10 machine, its console says
	 * so, and only the log says the profiles were not translated */
	t_ps r = t_cmd_run(&m, "ADMT01", MIGRATOR, true, CMD_ADMT_MIGRATE, ADMT_VALUES("WS-03"));
	cr_assert(strstr(r.out, "1 computer(s) joined, 0 failed"), "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert_not(host("WS-03")->progress.profile_translated);
	r = t_cmd_run(&m, "ADMT01", MIGRATOR, true, CMD_ADMT_LOG, "WS-03", "2000-01-01T00:00:00");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert(strstr(r.out, "WS-03|") && strstr(r.out, "WRN1:7880 Unable to translate the user "
						    "profiles on \\\\WS-03"), "%s", r.out);
	t_ps_done(&r);
}

Test(contracts, admt_outcome_is_in_its_logs_not_in_a_guessed_database)
{
	/* ADMT 3.2's database is SQL's, and no table of it is documented;
	 * Invoke-Sqlcmd is not even there without SQL Server's snap-in on
	 * PowerShell 2.0 (windows-contracts.md section 8) */
	t_ps r = on("ADMT01", "$ErrorActionPreference = 'Stop'\n"
		    "Invoke-Sqlcmd -ServerInstance '.\\SQLEXPRESS' -Database ADMT "
		    "-Query 'SELECT * FROM MigratedObjects'\n");
	cr_assert_eq(r.exit, 1);
	cr_assert(strstr(r.err, "Invoke-Sqlcmd : The term 'Invoke-Sqlcmd' is not recognized as the "
			 "name of a cmdlet, function, script file, or operable program. Check the "
			 "spelling of the name, or if a path was included, verify that the path is "
			 "correct and try again."), "%s", r.err);
	t_ps_done(&r);

	/* carve's: the ERR lines of ADMT's logs about each machine */
	r = t_cmd_run(&m, "ADMT01", MIGRATOR, true, CMD_ADMT_MIGRATE, ADMT_VALUES("WSFW"));
	cr_assert(strstr(r.out, "0 computer(s) joined, 1 failed"), "%s%s", r.out, r.err);
	t_ps_done(&r);
	r = t_cmd_run(&m, "ADMT01", MIGRATOR, true, CMD_ADMT_LOG, "WSFW", "2000-01-01T00:00:00");
	cr_assert(strstr(r.out, "WSFW|") && strstr(r.out, "ERR2:7006 Failed to dispatch the agent "
						   "to \\\\WSFW, hr=800706ba The RPC server is "
						   "unavailable."), "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* a name that is a prefix of another is not in that one's lines */
	r = t_cmd_run(&m, "ADMT01", MIGRATOR, true, CMD_ADMT_LOG, "WSF", "2000-01-01T00:00:00");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "", "%s", r.out);
	t_ps_done(&r);
	cr_assert_eq(host("WSFW")->progress.join_at, 0);
}

Test(contracts, a_template_that_only_mentions_admt_migrates_nothing)
{
	t_ps r = on("ADMT01", "$null = 'admt.exe computer /n WS7A /sd:FABRIKAM /td:CONTOSO'\n"
		    "'Migration completed'\n");
	cr_assert_str_eq(r.out, "Migration completed\n");
	t_ps_done(&r);
	cr_assert_eq(host("WS7A")->progress.join_at, 0, "a string migrated WS7A");
	/* so carve's verdict, read on the machine, is "not in the target" */
	r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_COMPUTER, "WS7A");
	cr_assert_str_eq(r.out, "WS7A|fabrikam.local|True|FABRIKAM\\u7a\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
}

/* ------------------------------------------------------ source accounts */

Test(contracts, disabling_the_source_disables_the_user_not_the_computer)
{
	/* the old template disabled the machines' source computer accounts:
	 * Disable-ADAccount takes one as readily as a user (ADAccount) */
	t_ps r = t_ps_run_input(&m, "ADMT01", MIGRATOR, true, SOURCE_PASSWORD,
				"$ErrorActionPreference = 'Stop'\nImport-Module ActiveDirectory\n"
				"$c = New-Object System.Management.Automation.PSCredential("
				"'" SOURCE_ACCOUNT "', (ConvertTo-SecureString -String @($input)[0]"
				" -AsPlainText -Force))\n"
				"Get-ADComputer -Identity WS7A -Server fabrikam.local -Credential $c |"
				" Disable-ADAccount -Server fabrikam.local -Credential $c\n"
				"(Get-ADComputer WS7A -Server fabrikam.local -Credential $c).Enabled\n"
				"(Get-ADUser u7a -Server fabrikam.local -Credential $c).Enabled\n");
	cr_assert_str_eq(r.out, "False\nTrue\n", "%s%s", r.out, r.err);
	t_ps_done(&r);

	/* without the source's credentials the source refuses (8344) */
	r = on("ADMT01", "Import-Module ActiveDirectory\n"
	       "Disable-ADAccount -Identity u7a -Server fabrikam.local\n");
	cr_assert(strstr(r.err, "Disable-ADAccount : Insufficient access rights to perform the "
			 "operation"), "%s", r.err);
	t_ps_done(&r);

	/* carve's: the user, with the source's credentials; it prints Enabled */
	r = t_cmd_run_input(&m, "ADMT01", MIGRATOR, true, SOURCE_PASSWORD, CMD_DISABLE_SOURCE,
			    (const char *const[]){ "u7a", "fabrikam.local", SOURCE_ACCOUNT, NULL });
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "False\n", "%s", r.err);
	t_ps_done(&r);
	bool user = false, computer = false;
	for (size_t i = 0; i < m.site.disabled_count; i++) {
		user |= !strcmp(m.site.disabled_users[i], "u7a");
		computer |= !strcmp(m.site.disabled_users[i], "WS7A$");
	}
	cr_assert(user && computer);
}

/* ------------------------------------------------------------ Exchange */

#define MOVE_VALUES(users, version) \
	users, "50", version, "mail.fabrikam.com", "dc01.fabrikam.local", "contoso.com", \
	EXCHANGE_URI, SOURCE_ACCOUNT

static t_ps move_start(const char *users, const char *version)
{
	return t_cmd_run_input(&m, "E2E01", MIGRATOR, true, SOURCE_PASSWORD, CMD_MOVE_START,
			       (const char *const[]){ MOVE_VALUES(users, version), NULL });
}

Test(contracts, exchange_cmdlets_must_be_loaded_first)
{
	/* PowerShell 2.0 loads no snap-in by itself */
	t_ps r = on("E2E01", "New-MoveRequest -Identity u7a -Remote -RemoteHostName "
		    "mail.fabrikam.com -TargetDeliveryDomain contoso.com\n");
	cr_assert(strstr(r.err, "New-MoveRequest : The term 'New-MoveRequest' is not recognized as "
			 "the name of a cmdlet, function, script file, or operable program. Check "
			 "the spelling of the name, or if a path was included, verify that the path "
			 "is correct and try again."), "%s", r.err);
	cr_assert(strstr(r.err, "CommandNotFoundException"), "%s", r.err);
	t_ps_done(&r);
	cr_assert_eq(lab_find_mailbox(&m.site, "u7a")->move.state, MOVE_NONE);

	/* carve's, through a remote session to the CAS */
	r = move_start("u7a", "2010");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "u7a|Queued|\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert_eq(lab_find_mailbox(&m.site, "u7a")->move.state, MOVE_IN_PROGRESS);
	/* and carve's status poll sees the request */
	r = t_cmd_run(&m, "E2E01", MIGRATOR, true, CMD_MOVE_STATUS, "u7a,u10", EXCHANGE_URI);
	cr_assert(!strncmp(r.out, "u7a|InProgress|", 15) || !strncmp(r.out, "u7a|Completed|", 14),
		  "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* the snap-in, on a server with the management tools, works too */
	r = t_cmd_run_input(&m, "E2E01", MIGRATOR, true, SOURCE_PASSWORD, CMD_MOVE_START,
			    (const char *const[]){ "u10", "50", "2010", "mail.fabrikam.com",
						   "dc01.fabrikam.local", "contoso.com", "",
						   SOURCE_ACCOUNT, NULL });
	cr_assert_str_eq(r.out, "u10|Queued|\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
}

Test(contracts, a_cross_forest_move_needs_the_remote_set_and_credential)
{
	const char *load = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n";
	char *script = NULL;

	/* no -Remote: the local set cannot reach another forest (the lab's
	 * text: Exchange's is not public) */
	cr_assert_neq(asprintf(&script, "%sNew-MoveRequest -Identity u7a\n", load), -1);
	t_ps r = on("E2E01", script);
	free(script);
	cr_assert(strstr(r.err, "The source mailbox is in another forest"), "%s", r.err);
	t_ps_done(&r);
	/* -Remote without -RemoteCredential: the source refuses the target's
	 * account (the lab's text, for the same reason) */
	cr_assert_neq(asprintf(&script, "%sNew-MoveRequest -Identity u7a -Remote -RemoteHostName "
			       "mail.fabrikam.com -TargetDeliveryDomain contoso.com\n", load), -1);
	r = on("E2E01", script);
	free(script);
	cr_assert(strstr(r.err, "rejected the credentials"), "%s", r.err);
	t_ps_done(&r);
	/* -Remote and -RemoteLegacy together fit no parameter set */
	cr_assert_neq(asprintf(&script, "%sNew-MoveRequest -Identity u7a -Remote -RemoteLegacy "
			       "-RemoteHostName mail.fabrikam.com\n", load), -1);
	r = on("E2E01", script);
	free(script);
	cr_assert(strstr(r.err, "Parameter set cannot be resolved using the specified named "
			 "parameters."), "%s", r.err);
	t_ps_done(&r);
	cr_assert_eq(lab_find_mailbox(&m.site, "u7a")->move.state, MOVE_NONE);

	r = move_start("u7a", "2010");
	cr_assert_str_eq(r.out, "u7a|Queued|\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert_str_eq(lab_find_mailbox(&m.site, "u7a")->move.remote_host, "mail.fabrikam.com");
}

Test(contracts, a_failed_request_is_removed_before_it_is_made_again)
{
	t_ps r = move_start("u7b", "2010");
	cr_assert_str_eq(r.out, "u7b|Queued|\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* the target mail user has no SMTP address: the move fails */
	r = t_cmd_run(&m, "E2E01", MIGRATOR, true, CMD_MOVE_STATUS, "u7b", EXCHANGE_URI);
	cr_assert(strstr(r.out, "u7b|Failed|"), "%s%s", r.out, r.err);
	t_ps_done(&r);
	lab_find_mailbox(&m.site, "u7b")->target_smtp = true; /* fixed on the floor */

	/* made again as it was: the failed request is still there (KB 4502865) */
	r = move_start("u7b", "2010");
	cr_assert(!strncmp(r.out, "u7b|Failed|", 11) &&
		  strstr(r.out, "Mailbox 'u7b' is already being moved to "), "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* Remove-MoveRequest asks first, which a -NonInteractive shell cannot */
	r = on("E2E01", "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"
	       "Remove-MoveRequest -Identity u7b\n");
	cr_assert(strstr(r.err, "Windows PowerShell is in NonInteractive mode. Read and Prompt "
			 "functionality is not available."), "%s", r.err);
	t_ps_done(&r);
	cr_assert_eq(lab_find_mailbox(&m.site, "u7b")->move.state, MOVE_FAILED);

	/* carve's: removed without a question, then made */
	r = t_cmd_run(&m, "E2E01", MIGRATOR, true, CMD_MOVE_REMOVE, "u7b", EXCHANGE_URI);
	cr_assert_str_eq(r.out, "removed|u7b\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	r = move_start("u7b", "2010");
	cr_assert_str_eq(r.out, "u7b|Queued|\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert_eq(lab_find_mailbox(&m.site, "u7b")->move.state, MOVE_IN_PROGRESS);
}

Test(contracts, a_remote_session_runs_one_pipeline_at_a_time)
{
	t_ps r = move_start("u7a", "2010");
	cr_assert_str_eq(r.out, "u7a|Queued|\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* the old poll: one imported command piped into another */
	r = on("E2E01", "$s = New-PSSession -ConfigurationName Microsoft.Exchange "
	       "-ConnectionUri '" EXCHANGE_URI "' -Authentication Kerberos\n"
	       "$null = Import-PSSession -Session $s -AllowClobber\n"
	       "Get-MoveRequest | ForEach-Object { Get-MoveRequestStatistics -Identity $_.Identity }\n");
	cr_assert(strstr(r.err, "Pipeline not executed because a pipeline is already executing. "
			 "Pipelines cannot be executed concurrently."), "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* the same with the snap-in, in one runspace of its own, is fine */
	r = on("E2E01", "Add-PSSnapin -Name Microsoft.Exchange.Management.PowerShell.E2010\n"
	       "Get-MoveRequest | ForEach-Object { (Get-MoveRequestStatistics -Identity"
	       " $_.Alias).Status }\n");
	cr_assert_eq(r.exit, 0, "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* carve's: one user at a time, a user without a request is no line */
	r = t_cmd_run(&m, "E2E01", MIGRATOR, true, CMD_MOVE_STATUS, "u7a,u10", EXCHANGE_URI);
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert(!strncmp(r.out, "u7a|", 4) && !strstr(r.out, "u10|"), "%s%s", r.out, r.err);
	t_ps_done(&r);
}

Test(contracts, an_unlimited_database_quota_is_read_as_unlimited)
{
	/* through the remote session a quota is a string; .ToBytes() fails */
	t_ps r = on("E2E01", "$s = New-PSSession -ConfigurationName Microsoft.Exchange "
		    "-ConnectionUri '" EXCHANGE_URI "' -Authentication Kerberos\n"
		    "$null = Import-PSSession -Session $s -AllowClobber\n"
		    "(Get-MailboxDatabase).ProhibitSendReceiveQuota.Value.ToBytes()\n");
	cr_assert(strstr(r.err, "You cannot call a method on a null-valued expression."), "%s",
		  r.err);
	t_ps_done(&r);
	/* carve's triage reads "Unlimited" as such */
	r = t_cmd_run(&m, "E2E01", MIGRATOR, true, CMD_MAIL_TRIAGE, "u7a", "u7a@fabrikam.com",
		      EXCHANGE_URI);
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert(strstr(r.out, "quota|DB01|Unlimited\n"), "%s", r.out);
	t_ps_done(&r);
}

Test(contracts, the_source_is_read_with_its_credentials_and_a_failed_read_fails)
{
	/* the old read: the target's account, errors swallowed, so a source
	 * it could not read looked like "not yet a mail user" */
	t_ps r = t_ps_run(&m, "E2E01", MIGRATOR, false,
			  "Import-Module ActiveDirectory\n"
			  "$o = Get-ADUser -Identity u7a -Server fabrikam.local -Properties "
			  "targetAddress -ErrorAction SilentlyContinue\n"
			  "'u7a|{0}' -f [bool]$o.targetAddress\n");
	cr_assert_str_eq(r.out, "u7a|False\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	r = t_ps_run(&m, "E2E01", MIGRATOR, false,
		     "Import-Module ActiveDirectory\nGet-ADUser -Identity u7a -Server fabrikam.local\n");
	cr_assert(strstr(r.err, "Get-ADUser : Unable to contact the server. This may be because "
			 "this server does not exist, it is currently down, or it does not have the "
			 "Active Directory Web Services running."), "%s", r.err);
	t_ps_done(&r);

	/* carve's: a wrong source password is a failed command, not "False" */
	r = t_cmd_run_input(&m, "E2E01", MIGRATOR, true, "wrong\n", CMD_SOURCE_MEU,
			    (const char *const[]){ "u7a", "fabrikam.local", SOURCE_ACCOUNT, NULL });
	cr_assert_neq(r.exit, 0);
	cr_assert_str_eq(r.out, "", "%s", r.out);
	cr_assert(strstr(r.err, "The server has rejected the client credentials."), "%s", r.err);
	t_ps_done(&r);
	/* and once the mailbox has moved, the source user is a mail user */
	lab_mailbox *mb = lab_find_mailbox(&m.site, "u7a");
	mb->move.state = MOVE_COMPLETED, mb->move.moved = mb->move.source_meu = true;
	r = t_cmd_run_input(&m, "E2E01", MIGRATOR, true, SOURCE_PASSWORD, CMD_SOURCE_MEU,
			    (const char *const[]){ "u7a", "fabrikam.local", SOURCE_ACCOUNT, NULL });
	cr_assert_str_eq(r.out, "u7a|True\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
}

/* ---------------------------------------------------------- Windows XP */

Test(contracts, xp_adapters_by_connection_status_disabled_with_devcon)
{
	t_ps r = on("MGMT01", "Get-WmiObject -Class Win32_NetworkAdapter -ComputerName WS-01 "
		    "-Filter \"NetEnabled=true\"\n");
	cr_assert(strstr(r.err, "Get-WmiObject : Invalid query"), "%s", r.err);
	t_ps_done(&r);
	r = on("MGMT01", "Get-WmiObject -Class Win32_NetworkAdapter -ComputerName WS-01 "
	       "-Filter \"PhysicalAdapter=true\"\n");
	cr_assert(strstr(r.err, "Get-WmiObject : Invalid query"), "%s", r.err);
	t_ps_done(&r);
	carve_check_result c = check(CARVE_CHECK_NICS, "WS-01", NULL);
	cr_assert_eq(c.status, CARVE_STATUS_FAILED, "%s", c.diagnosis);
	check_done(&c);

	/* carve's: devcon copied to the machine, run there by Win32_Process */
	r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_FIX_NICS, "WS-01", "xp",
		      "\\\\MGMT01\\C$\\Tools\\devcon.exe");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "devcon|Wireless Network Connection\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert_not(host("WS-01")->nics[1].enabled);
	cr_assert(host("WS-01")->nics[0].enabled);
	c = check(CARVE_CHECK_NICS, "WS-01", NULL);
	cr_assert_eq(c.status, CARVE_STATUS_OK, "%s", c.diagnosis);
	check_done(&c);
}

/* A docked laptop: its onboard adapter, first in WMI's list, has no cable;
 * the dock's carries the machine.  The old rule kept the first enabled
 * wired adapter and disabled the dock's, cutting the machine off. */
Test(contracts, the_adapter_the_machine_works_through_is_never_disabled)
{
	carve_check_result c = check(CARVE_CHECK_NICS, "WS-02", "DOCKED");
	cr_assert_eq(c.status, CARVE_STATUS_FAILED, "%s", c.diagnosis);
	cr_assert(strstr(c.diagnosis, "secondary adapter 'Local Area Connection' is enabled"
			 " (besides 'Local Area Connection 2')"), "%s", c.diagnosis);
	check_done(&c);
	t_ps r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_FIX_NICS, "DOCKED", "7", "");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "disable|Local Area Connection|0\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert_not(host("DOCKED")->nics[0].enabled);
	cr_assert(host("DOCKED")->nics[1].enabled);
	c = check(CARVE_CHECK_NICS, "WS-02", "DOCKED");
	cr_assert_eq(c.status, CARVE_STATUS_OK, "%s", c.diagnosis);
	check_done(&c);
}

Test(contracts, xp_hotfix_ids_carry_suffixes_and_some_are_only_in_the_registry)
{
	/* an exact HotFixID finds nothing where the ID is KB944043-v3, and
	 * KB944505 is only under HKLM\SOFTWARE\Microsoft\Updates */
	t_ps r = on("MGMT01", "@(Get-WmiObject -Class Win32_QuickFixEngineering -ComputerName "
		    "WS-01 -Filter \"HotFixID='KB944043' OR HotFixID='KB944505'\").Count\n");
	cr_assert_str_eq(r.out, "0\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	carve_check_result c = check(CARVE_CHECK_HOTFIXES, "WS-01", NULL);
	cr_assert_eq(c.status, CARVE_STATUS_OK, "%s", c.diagnosis);
	cr_assert(strstr(c.evidence, "KB944043-v3"), "%s", c.evidence);
	check_done(&c);
}

Test(contracts, installers_are_copied_to_the_machine_before_they_run)
{
	/* started from the share: the process has no network credentials */
	t_ps r = on("MGMT01", "(Invoke-WmiMethod -ComputerName XP2 -Class Win32_Process -Name "
		    "Create -ArgumentList '\\\\MGMT01\\C$\\Packages\\WindowsXP-KB968730-x86-ENU.exe "
		    "/quiet /norestart').ReturnValue\n");
	cr_assert_str_eq(r.out, "2\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	carve_check_result c = check(CARVE_CHECK_HOTFIXES, "WS-01", "XP2");
	cr_assert_eq(c.status, CARVE_STATUS_FAILED, "%s", c.diagnosis);
	cr_assert(strstr(c.diagnosis, "KB968730"), "%s", c.diagnosis);
	check_done(&c);

	r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_FIX_HOTFIX, "XP2",
		      "\\\\MGMT01\\C$\\Packages\\WindowsXP-KB968730-x86-ENU.exe");
	cr_assert_str_eq(r.out, "installed\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	c = check(CARVE_CHECK_HOTFIXES, "WS-01", "XP2");
	cr_assert_eq(c.status, CARVE_STATUS_OK, "%s", c.diagnosis);
	check_done(&c);
}

Test(contracts, administrators_by_sid_in_german_and_nested_membership_counts)
{
	/* the English name finds no group on German Windows; the WinNT
	 * provider's message comes from the exec host, in its language */
	t_ps r = on("MGMT01", "@(Get-WmiObject -Class Win32_Group -ComputerName WS-02 "
		    "-Filter \"LocalAccount=True AND Name='Administrators'\").Count\n"
		    "$g = [ADSI]'WinNT://WS-02/Administrators,group'\n"
		    "$g.Add('WinNT://CONTOSO/svc_new,user')\n");
	cr_assert(!strncmp(r.out, "0\n", 2), "%s", r.out);
	cr_assert(strstr(r.err, "The group name could not be found."), "%s", r.err);
	t_ps_done(&r);
	/* carve's check: by S-1-5-32-544, the migrator in it through two
	 * nested domain groups */
	carve_check_result c = check(CARVE_CHECK_ADMIN, "WS-02", NULL);
	cr_assert_eq(c.status, CARVE_STATUS_OK, "%s", c.diagnosis);
	cr_assert(strstr(c.evidence, "Administratoren"), "%s", c.evidence);
	check_done(&c);
	/* carve's fix finds the group by its SID too */
	r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_FIX_ADMIN, "WS-02", "CONTOSO", "svc_new");
	cr_assert_str_eq(r.out, "added\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert(lab_host_admin(&m.site, host("WS-02"), "CONTOSO\\svc_new"));
}

Test(contracts, the_firewall_check_reads_the_group_policy_key)
{
	/* the local key alone says off */
	t_ps r = on("MGMT01", "$reg = Get-WmiObject -List StdRegProv -Namespace root\\default "
		    "-ComputerName WS-04\n"
		    "$reg.GetDWORDValue(2147483650, 'SYSTEM\\CurrentControlSet\\Services\\"
		    "SharedAccess\\Parameters\\FirewallPolicy\\DomainProfile', 'EnableFirewall')"
		    ".uValue\n");
	cr_assert_str_eq(r.out, "0\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert(lab_firewall_on(host("WS-04"), 0));
	carve_check_result c = check(CARVE_CHECK_FIREWALL, "WS-04", NULL);
	cr_assert_eq(c.status, CARVE_STATUS_FAILED, "%s", c.diagnosis);
	cr_assert(strstr(c.diagnosis, "Group Policy"), "%s", c.diagnosis);
	check_done(&c);
}

/* ---------------------------------------------------------- Outlook 2003 */

#define PROFILES "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging " \
	"Subsystem\\Profiles"

Test(contracts, outlook_2003_profile_named_by_default_profile_in_binary)
{
	/* the old read: a profile called Outlook, its server as a string */
	t_ps r = on("MGMT01", "$reg = Get-WmiObject -List StdRegProv -Namespace root\\default "
		    "-ComputerName WS-01\n"
		    "$sid = @($reg.EnumKey(2147483651, '').sNames | Where-Object { $_ -like "
		    "'S-1-5-21-*' -and $_ -notlike '*_Classes' })[0]\n"
		    "$g = '13dbb0c8aa05101a9bb000aa002fc45a'\n"
		    "$reg.GetBinaryValue(2147483651, \"$sid\\" PROFILES "\\Outlook\\$g\", "
		    "'001e6602').ReturnValue\n"
		    "$name = $reg.GetStringValue(2147483651, \"$sid\\" PROFILES "\", "
		    "'DefaultProfile').sValue\n"
		    "$name\n"
		    "$v = $reg.GetStringValue(2147483651, \"$sid\\" PROFILES "\\$name\\$g\", "
		    "'001e6602')\n"
		    "$v.ReturnValue -ne 0\n"
		    "$v.sValue -eq $null\n");
	cr_assert_str_eq(r.out, "2\nDefault Outlook Profile\nTrue\nTrue\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* carve's: DefaultProfile's profile, PR_PROFILE_HOME_SERVER as bytes */
	r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_OUTLOOK_SERVER, "WS-01");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert(!strncmp(r.out, "server|S-1-5-21-", 16) &&
		  strstr(r.out, "|mail.fabrikam.com\n"), "%s%s", r.out, r.err);
	t_ps_done(&r);
}

Test(contracts, a_user_not_logged_on_has_no_hive)
{
	t_ps r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_OUTLOOK_SERVER, "OL7");
	cr_assert_str_eq(r.out, "nobody\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	/* reached directly, carve's own session has a hive there: it is not
	 * the user's, and "no Outlook profile" would skip the machine */
	r = t_ps_run(&m, "OL7", "FABRIKAM\\svc_carvedesk", false,
		     "$reg = Get-WmiObject -List StdRegProv -Namespace root\\default -ComputerName OL7\n"
		     "@($reg.EnumKey(2147483651, '').sNames | Where-Object { $_ -like 'S-1-5-21-*' }).Count\n");
	cr_assert_str_eq(r.out, "2\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	r = t_cmd_run(&m, "OL7", "FABRIKAM\\svc_carvedesk", false, CMD_OUTLOOK_SERVER, "OL7");
	cr_assert_str_eq(r.out, "nobody\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	host("OL7")->logged_on = true;
	r = t_cmd_run(&m, "MGMT01", MIGRATOR, true, CMD_OUTLOOK_SERVER, "OL7");
	cr_assert(strstr(r.out, "|mail.fabrikam.com\n"), "%s%s", r.out, r.err);
	t_ps_done(&r);
}

/* ------------------------------------------------------------ teardown */

/* (autodiscover published as an A record rather than a CNAME is DNS, which
 * the lab does not serve: tests/cli/test_teardown.c checks carve's reading
 * of both against a real resolver.) */

Test(contracts, source_computers_logged_on_recently_read_with_source_credentials)
{
	/* from a key logon, or without the source's credentials, nothing */
	t_ps r = t_ps_run(&m, "ADMT01", MIGRATOR, false,
			  "Import-Module ActiveDirectory\n"
			  "Get-ADComputer -Filter '*' -Server fabrikam.local\n");
	cr_assert(strstr(r.err, "Get-ADComputer : Unable to contact the server."), "%s", r.err);
	t_ps_done(&r);
	r = t_cmd_run_input(&m, "ADMT01", MIGRATOR, true, SOURCE_PASSWORD, CMD_SOURCE_COMPUTERS,
			    (const char *const[]){ "fabrikam.local", SOURCE_ACCOUNT, NULL });
	cr_assert_eq(r.exit, 0, "%s", r.err);
	/* a client is no "Server" edition, which teardown skips */
	cr_assert(strstr(r.out, "VISTA1|True|") && strstr(r.out, "|Windows Vista Business\n"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "|Windows 8.1 Enterprise\n"), "%s", r.out);
	cr_assert(strstr(r.out, "WIN11|True|") && strstr(r.out, "|Windows 11 Enterprise\n"), "%s",
		  r.out);
	cr_assert(strstr(r.out, "WS-01|True|") && strstr(r.out, "|Windows XP Professional\n"), "%s",
		  r.out);
	t_ps_done(&r);
}

Test(contracts, os_caption_is_a_client_edition)
{
	t_ps r = on("MGMT01", "foreach ($n in 'VISTA1', 'WIN8', 'WIN11', 'WS-01', 'WS7A') {\n"
		    "  (Get-WmiObject -Class Win32_OperatingSystem -ComputerName $n).Caption }\n");
	/* (the host's output drops the blank after Vista's and 7's) */
	cr_assert_str_eq(r.out, "Microsoft Windows Vista Business\nMicrosoft Windows 8.1 "
			 "Enterprise\nMicrosoft Windows 11 Enterprise\nMicrosoft Windows XP "
			 "Professional\nMicrosoft Windows 7 Enterprise\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
}

/* ------------------------------------------------------------- logons */

Test(contracts, a_key_logon_has_no_network_credentials)
{
	struct { const char *script, *error; } denied[] = {
		{ "Get-WmiObject -Class Win32_ComputerSystem -ComputerName WS7A\n",
		  "Get-WmiObject : Access is denied. (Exception from HRESULT: 0x80070005 "
		  "(E_ACCESSDENIED))" },
		{ "Get-Content -Path '\\\\WS7A\\C$\\Windows\\System32\\drivers\\etc\\hosts'\n",
		  "Access to the path '\\\\WS7A\\C$\\Windows\\System32\\drivers\\etc\\hosts' is "
		  "denied." },
		{ "Import-Module ActiveDirectory\nGet-ADUser -Identity u7a\n",
		  "Get-ADUser : Unable to contact the server." },
		{ "New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri '"
		  EXCHANGE_URI "'\n", "Connecting to remote server failed with the following error "
		  "message : Access is denied." },
	};
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		t_ps r = t_ps_run(&m, "ADMT01", MIGRATOR, false, denied[i].script);
		cr_assert(strstr(r.err, denied[i].error), "%zu: %s", i, r.err);
		t_ps_done(&r);
		/* a password logon carries them */
		r = on("ADMT01", denied[i].script);
		cr_assert_null(strstr(r.err, denied[i].error), "%zu: %s", i, r.err);
		t_ps_done(&r);
	}
	t_ps r = t_cmd_run(&m, "MGMT01", MIGRATOR, false, CMD_COMPUTER, "WS7A");
	cr_assert_neq(r.exit, 0);
	cr_assert(strstr(r.err, "E_ACCESSDENIED"), "%s", r.err);
	t_ps_done(&r);
}

/* ------------------------------------------------ a 2007 source forest */

/* Its own site, loaded by the test; unloaded here however it ends. */
static void legacy_done(void)
{
	t_model_done(&m);
}

TestSuite(legacy_source, .fini = legacy_done, .timeout = 30);

Test(legacy_source, a_2007_source_needs_remote_legacy_and_its_global_catalog)
{
	load("site: { source_exchange: 2007, source_gc: dc01.fabrikam.local }\n"
	     "hosts:\n"
	     "  - { name: E2E01, role: mail, port: 2202 }\n"
	     "mailboxes:\n"
	     "  - { user: u1 }\n");
	/* -Remote reaches for an MRSProxy endpoint a 2007 forest does not have */
	t_ps r = on("E2E01", "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"
		    "$c = New-Object System.Management.Automation.PSCredential('" SOURCE_ACCOUNT
		    "', (ConvertTo-SecureString -String '" T_LAB_SOURCE_PASSWORD "' -AsPlainText "
		    "-Force))\n"
		    "New-MoveRequest -Identity u1 -Remote -RemoteHostName mail.fabrikam.com "
		    "-RemoteCredential $c -TargetDeliveryDomain contoso.com\n");
	cr_assert(strstr(r.err, "The call to 'https://mail.fabrikam.com/EWS/mrsproxy.svc' failed"),
		  "%s", r.err);
	t_ps_done(&r);
	cr_assert_eq(lab_find_mailbox(&m.site, "u1")->move.state, MOVE_NONE);

	r = t_cmd_run_input(&m, "E2E01", MIGRATOR, true, SOURCE_PASSWORD, CMD_MOVE_START,
			    (const char *const[]){ MOVE_VALUES("u1", "2007"), NULL });
	cr_assert_str_eq(r.out, "u1|Queued|\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	cr_assert_str_eq(lab_find_mailbox(&m.site, "u1")->move.remote_host, "dc01.fabrikam.local");
}
