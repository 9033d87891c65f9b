/*
 * test_checks.c - the pre-flight parsers on what Windows really sends: each
 * sample in CRLF, CR CR LF, bare LF, UTF-16LE with and without a BOM, with
 * trailing blanks, must give the same verdict and diagnosis; and the
 * scripts carve sends.
 */
#include "carve.h"
#include "checks.h"
#include "remote.h"
#include "support.h"
#include "winps.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static carve_plan *plan;
static const carve_machine *xp, *win7, *win10;
/* The migrator's groups as the ADMT server read them. */
static const char *const migrator_groups[] = { "CONTOSO\\Workstation Admins",
					       "CONTOSO\\Domain Users" };
static const check_context groups_read = { migrator_groups, 2, NULL };

static void setup(void)
{
	carve_diags *diags = NULL;
	char *path = t_data("cli/site.yaml");
	size_t n;

	cr_assert_eq(carve_plan_load(&plan, &diags, path), 0);
	carve_diags_free(diags);
	free(path);
	const carve_machine *m = carve_plan_machines(plan, &n);
	xp = &m[0];    /* WS-01, XP, via MGMT01 */
	win7 = &m[1];  /* WS-02 */
	win10 = &m[2]; /* WS-03 */
	cr_assert_eq(xp->os, CARVE_OS_XP);
}

static void teardown(void)
{
	carve_plan_free(plan);
}

TestSuite(checks, .init = setup, .fini = teardown);

typedef enum { CRLF, CRCRLF, LF, UTF16_BOM, UTF16, TRAILING, FORMS } form;

/* text uses \n; returns it as Windows might send it. */
static char *as_form(const char *text, form f, size_t *len)
{
	carve_buf b = CARVE_BUF_INIT;

	if (f == UTF16_BOM)
		carve_buf_put(&b, "\xff\xfe", 2);
	for (const char *p = text; *p; p++) {
		const char *piece = NULL;
		if (*p == '\n')
			piece = f == LF ? "\n" : f == CRCRLF ? "\r\r\n" : f == TRAILING ? "  \t\r\n"
											 : "\r\n";
		if (f == UTF16 || f == UTF16_BOM) {
			const char *s = *p == '\n' ? "\r\n" : (char[]){ *p, 0 };
			for (; *s; s++) {
				carve_buf_putc(&b, *s);
				carve_buf_putc(&b, '\0');
			}
		} else if (piece) {
			carve_buf_puts(&b, piece);
		} else {
			carve_buf_putc(&b, *p);
		}
	}
	*len = b.len;
	return b.ptr ? b.ptr : strdup("");
}

static void expect_with(const check_context *ctx, carve_check c, const carve_machine *m,
			const char *out, int exit_status, const char *err, carve_status status,
			const char *diagnosis_part)
{
	for (form f = 0; f < FORMS; f++) {
		size_t out_len, err_len;
		char *o = as_form(out, f, &out_len), *e = as_form(err, f, &err_len);
		carve_check_result r = { 0 };
		cr_assert_eq(check_parse(&r, c, plan, m, ctx, o, out_len, e, err_len, exit_status),
			     0);
		cr_assert_eq(r.status, status, "%s form %d: %s", carve_check_name(c), f,
			     carve_status_name(r.status));
		if (diagnosis_part)
			cr_assert(r.diagnosis && strstr(r.diagnosis, diagnosis_part),
				  "%s form %d: %s", carve_check_name(c), f,
				  r.diagnosis ? r.diagnosis : "(none)");
		else
			cr_assert_null(r.diagnosis, "%s", r.diagnosis);
		cr_assert(r.evidence && r.evidence[0] == '{');
		/* what Windows sent is kept, decoded, whatever the form */
		char raw[64];
		snprintf(raw, sizeof(raw), "\"raw\":{\"exit\":%d,\"out\":\"", exit_status);
		cr_assert(strstr(r.evidence, raw), "%s", r.evidence);
		free(r.evidence);
		free(r.diagnosis);
		free(o);
		free(e);
	}
}

static void expect(carve_check c, const carve_machine *m, const char *out, int exit_status,
		   const char *err, carve_status status, const char *diagnosis_part)
{
	expect_with(&groups_read, c, m, out, exit_status, err, status, diagnosis_part);
}

Test(checks, os_matches_the_plan_and_admt_limits)
{
	expect(CARVE_CHECK_OS, xp, "5.1.2600|Microsoft Windows XP Professional\n", 0, "",
	       CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_OS, win7, "6.1.7601|Microsoft Windows 7 Enterprise \n", 0, "",
	       CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_OS, xp, "6.1.7601|Microsoft Windows 7 Enterprise\n", 0, "",
	       CARVE_STATUS_FAILED, "the plan says Windows xp but the machine runs");
	/* policy.newer_than_windows_7 defaults to block: the profile would be lost */
	expect(CARVE_CHECK_OS, win10, "10.0.19045|Microsoft Windows 10 Enterprise\n", 0, "",
	       CARVE_STATUS_FAILED, "ADMT 3.2 cannot translate user profiles on Windows 10");
	expect(CARVE_CHECK_OS, win10, "4.0|Windows NT\n", 0, "", CARVE_STATUS_FAILED,
	       "which carve does not know");
	expect(CARVE_CHECK_OS, win10, "", 0, "", CARVE_STATUS_FAILED, "did not say");
}

Test(checks, the_raw_answer_is_kept_decoded)
{
	carve_check_result r = { 0 };
	size_t len;
	char *utf16 = as_form("536870912\n", UTF16_BOM, &len);

	cr_assert_eq(check_parse(&r, CARVE_CHECK_DISK, plan, win10, NULL, utf16, len, "", 0, 0), 0);
	cr_assert(strstr(r.evidence, ",\"raw\":{\"exit\":0,\"out\":\"536870912\\n\",\"err\":\"\"}}"),
		  "%s", r.evidence);
	free(r.evidence);
	free(r.diagnosis);
	free(utf16);
}

Test(checks, disk)
{
	expect(CARVE_CHECK_DISK, win10, "21474836480\n", 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_DISK, win10, "536870912\n", 0, "", CARVE_STATUS_FAILED,
	       "only 0.5 GiB free on drive C (ADMT needs 1.0 GiB): free up disk space");
	expect(CARVE_CHECK_DISK, win10, "", 0, "", CARVE_STATUS_FAILED, "could not read");
	expect(CARVE_CHECK_DISK, win10, "lots\n", 0, "", CARVE_STATUS_FAILED, "could not read");
}

Test(checks, hotfixes_from_qfe_and_the_updates_key)
{
	cr_assert(check_applies(CARVE_CHECK_HOTFIXES, plan, xp));
	cr_assert_not(check_applies(CARVE_CHECK_HOTFIXES, plan, win10));
	expect(CARVE_CHECK_HOTFIXES, xp, "KB944043\nKB944505\nKB968730\nKB2535512\nKB123\n", 0,
	       "", CARVE_STATUS_OK, NULL);
	/* an ID with a suffix is the update; one only in the Updates key counts;
	 * a longer number is another update */
	expect(CARVE_CHECK_HOTFIXES, xp, "KB944043-v3\nKB944505\nFile 1\nKB9687301\n"
	       "KB2535512\n", 0, "", CARVE_STATUS_FAILED, "missing KB968730 (the ADMT");
	expect(CARVE_CHECK_HOTFIXES, xp, "kb944043\nKB2535512\n", 0, "", CARVE_STATUS_FAILED,
	       "missing KB944505, KB968730 (the ADMT migration of this machine fails until they"
	       " are installed): install them");
	expect(CARVE_CHECK_HOTFIXES, xp, "", 0, "", CARVE_STATUS_FAILED,
	       "missing KB944043, KB944505, KB968730, KB2535512");
}

Test(checks, admin_by_sid_directly_or_through_a_group)
{
	const char *direct = "group|Administratoren\nmember|WS-03\\Administrator|Win32_UserAccount\n"
			     "member|CONTOSO\\svc_targetmigrator|Win32_UserAccount\n";
	const char *nested = "group|Administrators\nmember|WS-03\\Administrator|Win32_UserAccount\n"
			     "member|CONTOSO\\Workstation Admins|Win32_Group\n";
	const char *source = "group|Administrators\n"
			     "member|FABRIKAM\\svc_targetmigrator|Win32_UserAccount\n"
			     "member|FABRIKAM\\Domain Admins|Win32_Group\n";
	/* a user account named like one of the groups is not the group */
	const char *lookalike = "group|Administrators\n"
				"member|CONTOSO\\Workstation Admins|Win32_UserAccount\n";
	const check_context unread = { NULL, 0, "Access is denied." };

	expect(CARVE_CHECK_ADMIN, win10, direct, 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_ADMIN, win10, nested, 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_ADMIN, win10, source, 0, "", CARVE_STATUS_FAILED,
	       "CONTOSO\\svc_targetmigrator is not a member of the local Administrators group, "
	       "directly or through a group (Administrators): add it: net localgroup "
	       "\"Administrators\" \"CONTOSO\\svc_targetmigrator\" /add");
	expect(CARVE_CHECK_ADMIN, win10, lookalike, 0, "", CARVE_STATUS_FAILED, "not a member");
	expect_with(&unread, CARVE_CHECK_ADMIN, win10, nested, 0, "", CARVE_STATUS_FAILED,
		    "only a direct membership counted: Access is denied.");
	expect_with(NULL, CARVE_CHECK_ADMIN, win10, direct, 0, "", CARVE_STATUS_OK, NULL);
	/* the group's name comes from the machine: never pasted into cmd.exe as is */
	expect(CARVE_CHECK_ADMIN, win10, "group|Admins\" & format c: & \"\n", 0, "",
	       CARVE_STATUS_FAILED, "net localgroup \"Administrators\" ");
}

Test(checks, nics)
{
	expect(CARVE_CHECK_NICS, win10, "Ethernet|Intel(R) Ethernet Connection I217-LM|0|2\n"
	       "Wi-Fi|Intel(R) Centrino(R) Advanced-N 6205|9|0\n", 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_NICS, win10, "Ethernet|Intel(R) Ethernet Connection I217-LM|0|2\n"
	       "Wireless Network Connection|Broadcom 802.11n|0|7\n", 0, "",
	       CARVE_STATUS_FAILED, "wireless adapter 'Wireless Network Connection' is enabled");
	expect(CARVE_CHECK_NICS, win10, "Ethernet|Intel(R) I217-LM|0|2\n"
	       "Ethernet 2|Realtek PCIe GBE Family Controller|0|2\n", 0, "",
	       CARVE_STATUS_FAILED, "secondary adapter 'Ethernet 2' is enabled (besides 'Ethernet')");
	/* XP: disabled connections report 0, missing hardware 4, disabled hardware 5 */
	expect(CARVE_CHECK_NICS, xp, "Local Area Connection|Intel(R) PRO/100 VE|0|2\n"
	       "Wireless Network Connection|Intel(R) PRO/Wireless 2200BG|0|5\n"
	       "Local Area Connection 2|Realtek RTL8139|0|4\n", 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_NICS, xp, "Local Area Connection|Intel(R) PRO/100 VE|0|0\n", 0, "",
	       CARVE_STATUS_WARN, "no enabled wired adapter");
}

Test(checks, firewall_local_and_group_policy)
{
	expect(CARVE_CHECK_FIREWALL, win10, "local|DomainProfile|0\nlocal|StandardProfile|0\n"
	       "local|PublicProfile|0\n", 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_FIREWALL, win10, "local|DomainProfile|0\nlocal|StandardProfile|1\n"
	       "local|PublicProfile|1\n", 0, "", CARVE_STATUS_FAILED,
	       "on in the private, public profiles: turn it off");
	expect(CARVE_CHECK_FIREWALL, xp, "local|DomainProfile|1\nlocal|StandardProfile|0\n", 0, "",
	       CARVE_STATUS_FAILED, "on in the domain profile:");
	/* a GPO wins over the local setting, either way */
	expect(CARVE_CHECK_FIREWALL, win10, "local|DomainProfile|0\npolicy|DomainProfile|1\n", 0,
	       "", CARVE_STATUS_FAILED, "a Group Policy turns it on, so change the GPO");
	expect(CARVE_CHECK_FIREWALL, xp, "local|DomainProfile|1\npolicy|DomainProfile|0\n", 0, "",
	       CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_FIREWALL, win10, "", 0, "", CARVE_STATUS_WARN, "could not be read");
}

Test(checks, services)
{
	expect(CARVE_CHECK_SERVICES, win10, "RemoteRegistry|Running|Auto\nLanmanServer|Running|Auto\n"
	       "LanmanWorkstation|Running|Auto\nNetlogon|Running|Auto\n", 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_SERVICES, win10, "RemoteRegistry|Stopped|Manual\nLanmanServer|Running|Auto\n"
	       "LanmanWorkstation|Running|Auto\n", 0, "", CARVE_STATUS_FAILED,
	       "Remote Registry is stopped, Netlogon is missing");
}

Test(checks, a_script_windows_could_not_run_fails_with_its_message)
{
	/* PowerShell 2.0 with $ErrorActionPreference = 'Stop' wraps the message */
	const char *err = "Get-WmiObject : Command execution stopped because the preference "
			  "variable \"ErrorActionPreference\" or common parameter is set to Stop: "
			  "The RPC server is unavailable. (Exception from HRESULT: 0x800706BA)\n"
			  "At line:3 char:14\n";
	for (carve_check c = CARVE_CHECK_OS; c < CARVE_CHECK__COUNT; c++)
		expect(c, xp, "", 1, err, CARVE_STATUS_FAILED,
		       "Windows could not answer (The RPC server is unavailable. (Exception from "
		       "HRESULT: 0x800706BA)): it is off, asleep, or blocks RPC");
	expect(CARVE_CHECK_DISK, win10, "", 1, "Get-WmiObject : Access is denied. (Exception from "
	       "HRESULT: 0x80070005 (E_ACCESSDENIED))\n", CARVE_STATUS_FAILED,
	       "(E_ACCESSDENIED))): make the account carve logs on as a local administrator");
}

Test(checks, scripts_always_name_the_machine)
{
	carve_buf s = CARVE_BUF_INIT;

	/* WMI takes the machine's own name as a local connection, so every
	 * script names it, reached directly or through a management host */
	for (carve_check c = CARVE_CHECK_PING; c < CARVE_CHECK__COUNT; c++) {
		carve_buf cmd = CARVE_BUF_INIT;
		s.len = 0;
		cr_assert_eq(check_script(&s, c, xp), 0);
		cr_assert(strstr(carve_buf_cstr(&s), "$computer = 'WS-01'"), "%s", carve_buf_cstr(&s));
		cr_assert(strstr(carve_buf_cstr(&s), "-ComputerName $computer"), "%s",
			  carve_buf_cstr(&s));
		cr_assert(strstr(carve_buf_cstr(&s), "$ErrorActionPreference = 'Stop'"));
		/* every script fits a cmd.exe command line once encoded */
		cr_assert_eq(carve_ps_command(&cmd, carve_buf_cstr(&s)), 0);
		cr_assert_lt(cmd.len, 8191, "%s: %zu", carve_check_name(c), cmd.len);
		carve_buf_done(&cmd);
	}
	carve_buf_done(&s);
}

/* The one-process pre-flight's output: each check's section between its
 * markers, its error after the error marker; a marker with another nonce
 * (a machine's answer made to look like one) is only output; a check the
 * process never finished is said so. */
Test(checks, one_process_s_sections)
{
	static const char raw[] =
		"carve-00ff|begin|os\r\n"
		"10.0.19045|Microsoft Windows 10 Pro\r\n"
		"carve-00ff|end|os\r\n"
		"carve-00ff|begin|nics\r\n"
		"carve-1234|end|nics\r\n" /* another nonce: the machine's words */
		"Ethernet|Intel|0|2\r\n"
		"carve-00ff|end|nics\r\n"
		"carve-00ff|begin|disk\r\n"
		"carve-00ff|error\r\n"
		"Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))\r\n"
		"carve-00ff|end|disk\r\n"
		"carve-00ff|begin|services\r\n"
		"RemoteRegistry|Running|Auto\r\n";
	check_section sec[CARVE_CHECK__COUNT];

	remote_check_sections(sec, raw, strlen(raw), "carve-00ff");
	cr_assert(sec[CARVE_CHECK_OS].ran && !sec[CARVE_CHECK_OS].failed);
	cr_assert_eq(sec[CARVE_CHECK_OS].out_len, strlen("10.0.19045|Microsoft Windows 10 Pro\r\n"));
	cr_assert(!strncmp(sec[CARVE_CHECK_OS].out, "10.0.19045|", 11));
	cr_assert(sec[CARVE_CHECK_NICS].ran);
	cr_assert_eq(sec[CARVE_CHECK_NICS].out_len,
		     strlen("carve-1234|end|nics\r\nEthernet|Intel|0|2\r\n"),
		     "a marker with another nonce is output");
	cr_assert(sec[CARVE_CHECK_DISK].ran && sec[CARVE_CHECK_DISK].failed);
	cr_assert_eq(sec[CARVE_CHECK_DISK].out_len, 0);
	cr_assert(!strncmp(sec[CARVE_CHECK_DISK].err, "Access is denied.", 17));
	cr_assert_not(sec[CARVE_CHECK_SERVICES].ran, "its end never came");
	cr_assert_not(sec[CARVE_CHECK_FIREWALL].ran, "never begun");
}
