/*
 * test_costs.c - the lab pays what Windows pays: a powershell.exe start
 * takes the fixture's CPU time on one of its host's cores (starts queue
 * beyond them), a WMI query to a live machine its round trip and to one
 * that is off the RPC timeout, an echo to it the ping timeout; a
 * PowerShell kept up reading stdin starts once.  Lower bounds only (and
 * for the kept one, a count): a loaded machine may be
 * slower, never faster.
 */
#include "model.h"

#include <pthread.h>
#include <time.h>

static t_model m;

static const char fixture[] =
	T_MODEL_LAB
	"costs: { powershell_start: 150ms, powershell_memory: 45MiB, wmi_query: 80ms,\n"
	"         rpc_timeout: 300ms, ping_timeout: 200ms }\n"
	"defaults:\n"
	"  domain: FABRIKAM\n"
	"  administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\svc_targetmigrator']\n"
	"hosts:\n"
	"  - { name: MGMT01, role: management, port: 2200, os: 2008r2, cores: 1 }\n"
	"  - { name: XP1, os: xp }\n"
	"  - { name: OFF1, os: xp, power: off }\n";

static void setup(void)
{
	t_model_load(&m, fixture);
}

static void teardown(void)
{
	t_model_done(&m);
}

TestSuite(costs, .init = setup, .fini = teardown, .timeout = 30);

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* One exec request as carve sends it: powershell.exe -EncodedCommand. */
static void *exec_one(void *arg)
{
	(void)arg;
	carve_buf cmd = CARVE_BUF_INIT;
	lab_session session = { "CONTOSO\\svc_targetmigrator", LAB_LOGON_PASSWORD, true, NULL, 0 };
	lab_answer a;

	cr_assert_eq(carve_ps_command(&cmd, "Write-Output 1"), 0);
	lab_answer_command(&a, &m.site, "MGMT01", &session, carve_buf_cstr(&cmd));
	lab_answer_done(&a);
	carve_buf_done(&cmd);
	return NULL;
}

Test(costs, powershell_starts_queue_on_the_host_s_cores)
{
	pthread_t t[3];
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, exec_one, NULL), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	/* one core: three starts of 150 ms one after another */
	double ms = ms_since(&t0);
	cr_assert_geq(ms, 3 * 150 - 5, "three starts on one core took only %.0f ms", ms);
}

Test(costs, wmi_to_a_live_machine_costs_a_round_trip_to_one_off_the_rpc_timeout)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_ps r = t_ps_run(&m, "MGMT01", "CONTOSO\\svc_targetmigrator", true,
			  "(Get-WmiObject Win32_OperatingSystem -ComputerName XP1).Caption");
	double live = ms_since(&t0);
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_geq(live, 80 - 5, "a live query took only %.0f ms", live);
	t_ps_done(&r);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = t_ps_run(&m, "MGMT01", "CONTOSO\\svc_targetmigrator", true,
		     "Get-WmiObject Win32_OperatingSystem -ComputerName OFF1");
	double off = ms_since(&t0);
	cr_assert(strstr(r.err, "The RPC server is unavailable"), "%s", r.err);
	cr_assert_geq(off, 300 - 5, "a machine that is off answered in %.0f ms", off);
	t_ps_done(&r);

	/* the machine itself pays no DCOM */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = t_ps_run(&m, "XP1", "CONTOSO\\svc_targetmigrator", true,
		     "(Get-WmiObject Win32_OperatingSystem).Caption");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	t_ps_done(&r);
}

Test(costs, an_echo_to_a_machine_that_is_off_waits_the_ping_timeout)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_ps r = t_ps_run(&m, "MGMT01", "CONTOSO\\svc_targetmigrator", true,
			  "Test-Connection -ComputerName OFF1 -Count 2 -Quiet");
	double off = ms_since(&t0);
	cr_assert_str_eq(r.out, "False\n");
	/* two echoes unanswered, a second apart (-Delay's default) */
	cr_assert_geq(off, 2 * 200 + 1000 - 5, "two echoes to a machine that is off: %.0f ms", off);
	t_ps_done(&r);
}

/* powershell.exe -Command -: one start, however many scripts it reads */
Test(costs, a_powershell_kept_up_starts_once)
{
	lab_session session = { "CONTOSO\\svc_targetmigrator", LAB_LOGON_PASSWORD, true, NULL, 0 };
	carve_buf out = CARVE_BUF_INIT, err = CARVE_BUF_INIT;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	lab_ps *p = lab_ps_open(&m.site, "MGMT01", &session, CARVE_PS_HOST_COMMAND);
	cr_assert_not_null(p);
	cr_assert_geq(ms_since(&t0), 150 - 5, "the start is paid when it opens");
	for (int i = 0; i < 5; i++)
		cr_assert(lab_ps_line(p, &out, &err, "'x'", 3));
	/* one process all along, never a second start */
	cr_assert_eq(m.site.load_count, 1);
	cr_assert_eq(m.site.load[0].processes, 1);
	cr_assert_eq(m.site.load[0].peak_processes, 1);
	cr_assert_eq(lab_ps_close(p, &(bool){ false }), 0);
	cr_assert_eq(m.site.load[0].processes, 0);
	cr_assert_str_eq(carve_buf_cstr(&out), "x\r\nx\r\nx\r\nx\r\nx\r\n");
	carve_buf_done(&out);
	carve_buf_done(&err);
}
