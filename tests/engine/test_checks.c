/*
 * test_checks.c - the pre-flight parsers on what Windows really sends: each
 * sample in CRLF, CR CR LF, bare LF, UTF-16LE with and without a BOM, with
 * trailing blanks, must give the same verdict and diagnosis; and the
 * scripts carve sends.
 */
#include "carve.h"
#include "checks.h"
#include "support.h"
#include "winps.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static carve_plan *plan;
static const carve_machine *xp, *win10;

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

static void expect(carve_check c, const carve_machine *m, const char *out, int exit_status,
		   const char *err, carve_status status, const char *diagnosis_part)
{
	for (form f = 0; f < FORMS; f++) {
		size_t out_len, err_len;
		char *o = as_form(out, f, &out_len), *e = as_form(err, f, &err_len);
		carve_check_result r = { 0 };
		cr_assert_eq(check_parse(&r, c, plan, m, o, out_len, e, err_len, exit_status), 0);
		cr_assert_eq(r.status, status, "%s form %d: %s", carve_check_name(c), f,
			     carve_status_name(r.status));
		if (diagnosis_part)
			cr_assert(r.diagnosis && strstr(r.diagnosis, diagnosis_part),
				  "%s form %d: %s", carve_check_name(c), f,
				  r.diagnosis ? r.diagnosis : "(none)");
		else
			cr_assert_null(r.diagnosis, "%s", r.diagnosis);
		cr_assert(r.evidence && r.evidence[0] == '{');
		free(r.evidence);
		free(r.diagnosis);
		free(o);
		free(e);
	}
}

Test(checks, disk)
{
	expect(CARVE_CHECK_DISK, win10, "21474836480\n", 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_DISK, win10, "536870912\n", 0, "", CARVE_STATUS_FAILED,
	       "only 0.5 GiB free on C:, ADMT needs 1.0 GiB");
	expect(CARVE_CHECK_DISK, win10, "", 0, "", CARVE_STATUS_FAILED, "could not read");
	expect(CARVE_CHECK_DISK, win10, "lots\n", 0, "", CARVE_STATUS_FAILED, "could not read");
}

Test(checks, hotfixes_name_the_missing_ones)
{
	cr_assert(check_applies(CARVE_CHECK_HOTFIXES, plan, xp));
	cr_assert_not(check_applies(CARVE_CHECK_HOTFIXES, plan, win10));
	expect(CARVE_CHECK_HOTFIXES, xp, "KB944043\nKB944505\nKB968730\nKB2535512\nKB123\n", 0,
	       "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_HOTFIXES, xp, "kb944043\nKB2535512\n", 0, "", CARVE_STATUS_FAILED,
	       "missing KB944505, KB968730:");
	expect(CARVE_CHECK_HOTFIXES, xp, "", 0, "", CARVE_STATUS_FAILED,
	       "missing KB944043, KB944505, KB968730, KB2535512");
}

Test(checks, admin_needs_the_target_migrator_itself)
{
	const char *ok = "\\\\WS-03\\root\\cimv2:Win32_UserAccount.Domain=\"WS-03\",Name=\"Administrator\"\n"
			 "\\\\WS-03\\root\\cimv2:Win32_UserAccount.Domain=\"CONTOSO\",Name=\"svc_targetmigrator\"\n";
	const char *source = "\\\\WS-03\\root\\cimv2:Win32_UserAccount.Domain=\"FABRIKAM\",Name=\"svc_targetmigrator\"\n"
			     "\\\\WS-03\\root\\cimv2:Win32_Group.Domain=\"FABRIKAM\",Name=\"Domain Admins\"\n";
	expect(CARVE_CHECK_ADMIN, win10, ok, 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_ADMIN, win10, source, 0, "", CARVE_STATUS_FAILED,
	       "CONTOSO\\svc_targetmigrator is not a member of the local Administrators group");
}

Test(checks, nics)
{
	expect(CARVE_CHECK_NICS, win10, "Ethernet|Intel(R) Ethernet Connection I217-LM|True|2\n"
	       "Wi-Fi|Intel(R) Centrino(R) Advanced-N 6205|False|0\n", 0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_NICS, win10, "Ethernet|Intel(R) Ethernet Connection I217-LM|True|2\n"
	       "Wireless Network Connection|Broadcom 802.11n|True|7\n", 0, "",
	       CARVE_STATUS_FAILED, "wireless adapter 'Wireless Network Connection' is enabled");
	expect(CARVE_CHECK_NICS, win10, "Ethernet|Intel(R) I217-LM|True|2\n"
	       "Ethernet 2|Realtek PCIe GBE Family Controller|True|2\n", 0, "",
	       CARVE_STATUS_FAILED, "secondary adapter 'Ethernet 2' is enabled (besides 'Ethernet')");
	/* XP: no NetEnabled, NetConnectionStatus 2 is connected. */
	expect(CARVE_CHECK_NICS, xp, "Local Area Connection|Intel(R) PRO/100 VE|  |2\n"
	       "Wireless Network Connection|Intel(R) PRO/Wireless 2200BG|  |0\n", 0, "",
	       CARVE_STATUS_OK, NULL);
}

Test(checks, firewall_every_profile)
{
	expect(CARVE_CHECK_FIREWALL, win10, "DomainProfile=0\nStandardProfile=0\nPublicProfile=0\n",
	       0, "", CARVE_STATUS_OK, NULL);
	expect(CARVE_CHECK_FIREWALL, win10, "DomainProfile=0\nStandardProfile=1\nPublicProfile=1\n",
	       0, "", CARVE_STATUS_FAILED, "on in the private, public profiles");
	expect(CARVE_CHECK_FIREWALL, xp, "DomainProfile=1\nStandardProfile=0\n", 0, "",
	       CARVE_STATUS_FAILED, "on in the domain profile:");
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
	const char *err = "Get-WmiObject : The RPC server is unavailable. (Exception from "
			  "HRESULT: 0x800706BA)\nAt line:2 char:1\n";
	for (carve_check c = CARVE_CHECK_DISK; c < CARVE_CHECK__COUNT; c++)
		expect(c, xp, "", 1, err, CARVE_STATUS_FAILED,
		       "The RPC server is unavailable. (Exception from HRESULT: 0x800706BA) (the "
		       "machine is off, asleep");
}

Test(checks, scripts_name_the_machine_only_when_asked_remotely)
{
	carve_buf s = CARVE_BUF_INIT;

	cr_assert_eq(check_script(&s, CARVE_CHECK_SERVICES, xp), 0);
	cr_assert(strstr(carve_buf_cstr(&s), "-ComputerName 'WS-01'"), "%s", carve_buf_cstr(&s));
	cr_assert(strstr(carve_buf_cstr(&s), "$ErrorActionPreference = 'Stop'"));
	s.len = 0;
	cr_assert_eq(check_script(&s, CARVE_CHECK_SERVICES, win10), 0);
	cr_assert_null(strstr(carve_buf_cstr(&s), "-ComputerName"), "%s", carve_buf_cstr(&s));
	/* Every script fits a cmd.exe command line once encoded. */
	for (carve_check c = 0; c < CARVE_CHECK__COUNT; c++) {
		carve_buf cmd = CARVE_BUF_INIT;
		s.len = 0;
		cr_assert_eq(check_script(&s, c, xp), 0);
		cr_assert_eq(carve_ps_command(&cmd, carve_buf_cstr(&s)), 0);
		cr_assert_lt(cmd.len, 8191, "%s: %zu", carve_check_name(c), cmd.len);
		carve_buf_done(&cmd);
	}
	carve_buf_done(&s);
}
