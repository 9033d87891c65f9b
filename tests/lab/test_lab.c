/*
 * test_lab.c - carve-lab driven through carve's own transport: endpoints
 * and host keys, Windows answers decoded from -EncodedCommand, remote
 * queries through a management host, the faults, reload, and the journal.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "internal.h"
#include "lab.h"
#include "sshd.h"
#include "support.h"
#include "winps.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

static t_lab lab;
static int ports[7]; /* MGMT01, WS-OK, WS-SLEEP, WS-HANG, WS-KEY, WS-DROP, WS-DENY */

static const char fixture_text[] =
	"lab:\n"
	"  user: carve\n"
	"  authorized_key: client.pub\n"
	"  host_keys: keys\n"
	"%s"
	"defaults:\n"
	"  domain: FABRIKAM\n"
	"  administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\svc_targetmigrator']\n"
	"hosts:\n"
	"  - { name: MGMT01, role: management, port: %d }\n"
	"  - name: WS-OK\n"
	"    port: %d\n"
	"    disk_free: 12GiB\n"
	"    nics: [{ name: Ethernet, kind: wired, enabled: true },\n"
	"           { name: Wi-Fi, kind: wireless, enabled: %s }]\n"
	"  - { name: WS-SLEEP, port: %d, power: asleep }\n"
	"  - { name: WS-HANG, port: %d, faults: { hang_after_auth: true } }\n"
	"  - { name: WS-KEY, port: %d, faults: { changed_host_key: true } }\n"
	"  - { name: WS-DROP, port: %d, faults: { drop_mid_command: true } }\n"
	"  - { name: WS-DENY, port: %d, faults: { auth_failure: true } }\n"
	"  - name: XP-01\n"
	"    os: xp\n"
	"    hotfixes: [KB944043, KB968730]\n"
	"    services: { RemoteRegistry: stopped }\n"
	"    firewall: { domain: true }\n"
	"  - { name: XP-OFF, os: xp, power: off }\n";

static void write_fixture(const char *wifi)
{
	char *text;
	cr_assert(asprintf(&text, fixture_text, t_lab_fixture_accounts(), ports[0], ports[1], wifi,
			   ports[2], ports[3], ports[4], ports[5], ports[6]) > 0);
	t_write_file(lab.fixture, text);
	free(text);
}

static void setup(void)
{
	t_lab_init(&lab);
	/* New free ports when one was taken before the lab could bind it. */
	for (int tries = 0; tries < 5; tries++) {
		t_free_ports(ports, 7);
		write_fixture("true");
		if (t_lab_try_start(&lab))
			return;
	}
	cr_assert_fail("carve-lab did not get ready on five sets of free ports");
}

static void teardown(void)
{
	t_lab_done(&lab);
}

TestSuite(lab, .init = setup, .fini = teardown, .timeout = 60);

static carve_ssh_options opts(int port)
{
	carve_ssh_options o = CARVE_SSH_OPTIONS_INIT;
	o.host = "127.0.0.1";
	o.port = (uint16_t)port;
	o.user = "carve";
	o.auth = CARVE_AUTH_KEY;
	o.key_file = lab.client_key;
	o.known_hosts = lab.known_hosts;
	o.connect_timeout_ms = 1000;
	o.auth_timeout_ms = 1000;
	return o;
}

/* Runs a PowerShell script the way carve sends one, logged on with the
 * key (no network credentials) or, as the migrator, with its password;
 * returns the result. */
static int run_ps_as(carve_ssh_result *r, int port, bool password, const char *script,
		     uint32_t timeout_ms)
{
	carve_ssh_options o = opts(port);
	carve_ssh *ssh = NULL;

	if (password) {
		o.user = "CONTOSO\\svc_targetmigrator";
		o.auth = CARVE_AUTH_PASSWORD;
		o.key_file = NULL;
		o.password = T_LAB_MIGRATOR_PASSWORD;
		o.password_len = strlen(T_LAB_MIGRATOR_PASSWORD);
	}
	carve_buf cmd = CARVE_BUF_INIT;
	int err = carve_ssh_connect(&ssh, NULL, &o);

	memset(r, 0, sizeof(*r));
	if (err < 0)
		return err;
	cr_assert_eq(carve_ps_command(&cmd, script), 0);
	err = carve_ssh_exec(r, ssh, carve_buf_cstr(&cmd), timeout_ms, 0);
	carve_buf_done(&cmd);
	carve_ssh_free(ssh);
	return err;
}

static int run_ps(carve_ssh_result *r, int port, const char *script, uint32_t timeout_ms)
{
	return run_ps_as(r, port, false, script, timeout_ms);
}

#define ADAPTERS "Get-WmiObject -Class Win32_NetworkAdapter -Filter 'NetConnectionStatus IS NOT " \
	"NULL' | ForEach-Object { '{0}|{1}' -f $_.NetConnectionID, $_.NetConnectionStatus }"

Test(lab, answers_wmi_queries_with_windows_line_ends)
{
	carve_ssh_result r;

	cr_assert_eq(run_ps(&r, ports[1], "(Get-WmiObject -Class Win32_LogicalDisk "
			    "-Filter \"DeviceID='C:'\").FreeSpace", 5000), 0, "%s",
		     carve_error_last()->message);
	cr_assert_str_eq(r.out, "12884901888\r\n");
	cr_assert_eq(r.exit_status, 0);
	carve_ssh_result_done(&r);

	cr_assert_eq(run_ps(&r, ports[1], ADAPTERS, 5000), 0);
	cr_assert_str_eq(r.out, "Ethernet|2\r\nWi-Fi|2\r\n");
	carve_ssh_result_done(&r);

	cr_assert_eq(run_ps(&r, ports[1], "Get-Frobnicator", 5000), 0);
	cr_assert_eq(r.exit_status, 1);
	cr_assert(strstr(r.err, "The term 'Get-Frobnicator' is not recognized"), "%s", r.err);
	carve_ssh_result_done(&r);
}

Test(lab, a_management_host_answers_for_xp)
{
	carve_ssh_result r;

	cr_assert_eq(run_ps_as(&r, ports[0], true, "Get-WmiObject -Class Win32_QuickFixEngineering "
			       "-ComputerName 'XP-01' | ForEach-Object { $_.HotFixID }", 5000), 0);
	cr_assert_str_eq(r.out, "KB944043\r\nKB968730\r\n", "%s", r.err);
	carve_ssh_result_done(&r);

	cr_assert_eq(run_ps_as(&r, ports[0], true, "Get-WmiObject -Class Win32_Service -ComputerName "
			       "'XP-01' -Filter \"Name='RemoteRegistry'\" | ForEach-Object { $_.State }",
			       5000), 0);
	cr_assert_str_eq(r.out, "Stopped\r\n", "%s", r.err);
	carve_ssh_result_done(&r);

	cr_assert_eq(run_ps_as(&r, ports[0], true, "$reg = Get-WmiObject -ComputerName 'XP-01' "
			       "-List StdRegProv -Namespace root\\default\n"
			       "$reg.GetDWORDValue(2147483650, 'SYSTEM\\CurrentControlSet\\Services\\"
			       "SharedAccess\\Parameters\\FirewallPolicy\\DomainProfile', "
			       "'EnableFirewall').uValue", 5000), 0);
	cr_assert_str_eq(r.out, "1\r\n", "%s", r.err);
	carve_ssh_result_done(&r);

	/* The same from a key logon: no network credentials, so DCOM says no
	 * (Win32-OpenSSH issues 518, 1047). */
	cr_assert_eq(run_ps(&r, ports[0], "$ErrorActionPreference = 'Stop'\n"
			    "Get-WmiObject -Class Win32_Service -ComputerName 'XP-01'", 5000), 0);
	cr_assert_eq(r.exit_status, 1);
	cr_assert(strstr(r.err, "Access is denied. (Exception from HRESULT: 0x80070005 "
			 "(E_ACCESSDENIED))"), "%s", r.err);
	carve_ssh_result_done(&r);

	/* A machine that is off: WMI's RPC error, and the script stops. */
	cr_assert_eq(run_ps_as(&r, ports[0], true, "$ErrorActionPreference = 'Stop'\n"
			       "Get-WmiObject -Class Win32_Service -ComputerName 'XP-OFF'", 5000), 0);
	cr_assert_eq(r.exit_status, 1);
	cr_assert(strstr(r.err, "The RPC server is unavailable"), "%s", r.err);
	carve_ssh_result_done(&r);

	cr_assert_eq(run_ps_as(&r, ports[0], true, "Test-Connection -ComputerName 'XP-OFF' -Count 1 "
			       "-Quiet", 5000), 0);
	cr_assert_str_eq(r.out, "False\r\n");
	carve_ssh_result_done(&r);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

Test(lab, faults_look_like_the_real_thing)
{
	carve_ssh_result r;
	struct timespec t0;

	/* Asleep: TCP accepted, no banner, so the connect deadline decides. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(run_ps(&r, ports[2], "hostname", 5000), CARVE_ETIMEOUT, "%s",
		     carve_error_last()->message);
	cr_assert(ms_since(&t0) >= 900, "%.0f ms", ms_since(&t0));
	/* Hangs after authentication: the command deadline decides. */
	cr_assert_eq(run_ps(&r, ports[3], "hostname", 500), CARVE_ETIMEOUT, "%s",
		     carve_error_last()->message);
	carve_ssh_result_done(&r);
	/* Another host key than the one on file. */
	cr_assert_eq(run_ps(&r, ports[4], "hostname", 5000), CARVE_EHOSTKEY);
	/* Dropped mid-command: a failure, never a success. */
	int err = run_ps(&r, ports[5], "Get-WmiObject -Class Win32_Service", 5000);
	cr_assert(err == CARVE_ENET || err == CARVE_ERROR, "%d %s", err,
		  carve_error_last()->message);
	carve_ssh_result_done(&r);
	/* Refuses the key. */
	cr_assert_eq(run_ps(&r, ports[6], "hostname", 5000), CARVE_EAUTH);
}

Test(lab, reload_changes_state_and_the_journal_records_everything)
{
	carve_ssh_result r;

	write_fixture("false");
	t_lab_reload(&lab);
	cr_assert_eq(run_ps(&r, ports[1], ADAPTERS, 5000), 0);
	cr_assert_str_eq(r.out, "Ethernet|2\r\nWi-Fi|0\r\n");
	carve_ssh_result_done(&r);

	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"WS-OK\",\"event\":\"command\","
					 "\"powershell\":true,\"command\":\"Get-WmiObject -Class "
					 "Win32_NetworkAdapter -Filter", NULL), 1);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"WS-OK\"", "\"result\":\"accepted\"",
					 NULL), 1);
}

/* A second lab with the faults that take time, and a replay host. */
static void timing_fixture(const char *extra)
{
	char *text;
	cr_assert(asprintf(&text,
			   "lab: { user: carve, authorized_key: client.pub, host_keys: keys }\n"
			   "hosts:\n"
			   "  - { name: WS-SLOW, port: %d, faults: { latency: 300ms } }\n"
			   "  - { name: WS-CUT, port: %d, faults: { cut_output: true } }\n"
			   "  - { name: WS-BOOT, port: %d, faults: { reboot: 2s } }\n"
			   "  - { name: WS-REPLAY, port: %d, replay: replay }\n"
			   "  - { name: WS-TRICKLE, port: %d, faults: { slow_output: 100ms } }\n"
			   "  - { name: WS-GONE, port: %d, faults: { reboot: never } }\n%s",
			   ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], extra) > 0);
	t_write_file(lab.fixture, text);
	free(text);
}

Test(lab, timed_faults_reboots_and_replay)
{
	carve_ssh_result r;
	struct timespec t0;

	/* Restart this lab on a fixture of its own. */
	t_lab_done(&lab);
	t_lab_init(&lab);
	timing_fixture("");
	char *replay = t_path(lab.dir, "replay");
	mkdir(replay, 0755);
	char *f = t_path(replay, "date.match");
	t_write_file(f, "Get-Date\n");
	free(f);
	/* What a real machine sent: UTF-16LE with a BOM, CR CR LF. */
	static const char raw[] = "\xff\xfe" "2\0" "9\0" "/\0" "1\0" "1\0" "\r\0\r\0\n\0";
	f = t_path(replay, "date.out");
	FILE *out = fopen(f, "wb");
	cr_assert_not_null(out);
	fwrite(raw, 1, sizeof(raw) - 1, out);
	fclose(out);
	free(f);
	f = t_path(replay, "date.exit");
	t_write_file(f, "0\n");
	free(f);
	free(replay);
	t_lab_start(&lab);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(run_ps(&r, ports[0], "Get-WmiObject -Class Win32_LogicalDisk", 5000), 0);
	cr_assert(ms_since(&t0) >= 300, "%.0f ms", ms_since(&t0));
	carve_ssh_result_done(&r);

	/* Half the output and no exit status: a failure, never a success. */
	int err = run_ps(&r, ports[1], "Get-WmiObject -Class Win32_Service", 5000);
	cr_assert(err < 0 && !r.exited, "err %d", err);
	cr_assert(strlen(r.out) > 0 && !strstr(r.out, "Netlogon"), "%s", r.out);
	carve_ssh_result_done(&r);

	/* Byte for byte from the capture. */
	cr_assert_eq(run_ps(&r, ports[3], "Get-Date -Format 'yy/MM'", 5000), 0);
	cr_assert_eq(r.out_len, sizeof(raw) - 1);
	cr_assert_eq(memcmp(r.out, raw, r.out_len), 0);
	carve_ssh_result_done(&r);

	/* A byte every 100 ms: the deadline ends it, with what came so far. */
	cr_assert_eq(run_ps(&r, ports[4], "Get-WmiObject -Class Win32_LogicalDisk", 450),
		     CARVE_ETIMEOUT);
	cr_assert(r.out_len >= 2 && r.out_len <= 6, "%zu bytes", r.out_len);
	carve_ssh_result_done(&r);

	/* A restart: down (no banner) for its two seconds, then back; one that
	 * never comes back stays down. */
	run_ps(&r, ports[2], "Restart-Computer -Force", 5000);
	carve_ssh_result_done(&r);
	run_ps(&r, ports[5], "Restart-Computer -Force", 5000);
	carve_ssh_result_done(&r);
	cr_assert_eq(run_ps(&r, ports[2], "hostname", 5000), CARVE_ETIMEOUT);
	nanosleep(&(struct timespec){ 1, 500 * 1000 * 1000 }, NULL);
	cr_assert_eq(run_ps(&r, ports[2], "Get-WmiObject -Class Win32_LogicalDisk", 5000), 0,
		     "%s", carve_error_last()->message);
	carve_ssh_result_done(&r);
	cr_assert_eq(run_ps(&r, ports[5], "hostname", 5000), CARVE_ETIMEOUT);
	cr_assert_eq(t_lab_journal_count(&lab, "\"host\":\"WS-BOOT\"", "\"change\":\"restart\"",
					 NULL), 1);
}
