/*
 * bench_preflight - carve's full pre-flight on carve-lab against pdsh and
 * clush running one equivalent combined command per host, in the same run;
 * the cost of sleeping machines; issue 15's management-host site; and the
 * ICMP sweep against fping.
 *
 *   bench_preflight [-n HOSTS,...] [-c CONCURRENCY] [-m SITE] [-s SCALE]
 *
 * For each HOSTS (default 500,1000; 0: none) a lab is generated (carve-lab
 * --generate, a quarter of the machines failing one check) and started.
 * carve runs every check on every machine reached over SSH, all of a
 * machine's checks in one PowerShell script; pdsh -R ssh and clush run
 * all the checks' scripts as one PowerShell command per host on the same
 * machines.  Then the lab is generated again with 20% asleep, to show what
 * sleeping machines add.  Then a site of SITE machines (default 600; 0:
 * none) is generated and its XP third pre-flighted through the management
 * host on a real site's costs divided by SCALE (default 10), against the
 * designs carve did not take and a site script.  Last, 1000 loopback
 * addresses are swept by carve's ICMP probe and by fping.
 *
 * Needs pdsh, clush and fping (.ci/setup installs them); the sweep needs
 * root or net.ipv4.ping_group_range.
 */
#define _GNU_SOURCE /* asprintf */
#include "bench.h"
#include "carve.h"
#include "checks.h"
#include "remote.h"
#include "sshd.h"
#include "transport_internal.h"
#include "winps.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct {
	double wall_ms, cpu_ms;
	unsigned failures;
} figure;

static pid_t lab_pid = -1;

static void die(const char *what)
{
	fprintf(stderr, "bench_preflight: %s\n", what);
	if (lab_pid > 0)
		kill(lab_pid, SIGTERM);
	exit(1);
}

/* Runs argv to the end with stdout and stderr to files in dir; the CPU of
 * the whole process tree. */
static figure spawn(char *const argv[], const char *dir)
{
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_CHILDREN);
	posix_spawn_file_actions_t fa;
	char out[1200], err[1200];
	pid_t pid;
	int status = -1;

	snprintf(out, sizeof(out), "%s/peer.out", dir);
	snprintf(err, sizeof(err), "%s/peer.err", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	return (figure){ .wall_ms = now_ms() - t0, .cpu_ms = cpu_ms(RUSAGE_CHILDREN) - c0,
			 .failures = !(WIFEXITED(status) && WEXITSTATUS(status) == 0) };
}

static pid_t start_lab(const char *dir)
{
	char fixture[1200], kh[1200], ready[1200];
	pid_t pid;

	snprintf(fixture, sizeof(fixture), "%s/lab-fixture.yaml", dir);
	snprintf(kh, sizeof(kh), "%s/.lab/known_hosts", dir);
	snprintf(ready, sizeof(ready), "%s/lab.out", dir);
	if ((pid = fork()) == 0) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		execl(CARVE_LAB_BIN, "carve-lab", "--fixture", fixture, "--known-hosts", kh,
		      (char *)NULL);
		_exit(127);
	}
	lab_pid = pid;
	for (int i = 0; i < 300; i++) {
		if (t_sh("grep -q '^ready' %s", ready) == 0)
			return pid;
		usleep(50 * 1000);
	}
	die("carve-lab did not start");
	return -1;
}

static void stop_lab(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	lab_pid = -1;
}

/* The machines with their own SSH endpoint (borrowed from plan). */
static size_t direct_machines(const char **names, const carve_plan *plan)
{
	size_t count, n = 0;
	const carve_machine *m = carve_plan_machines(plan, &count);

	for (size_t i = 0; i < count; i++)
		if (m[i].reach == CARVE_REACH_DIRECT)
			names[n++] = m[i].name;
	names[n] = NULL;
	return n;
}

/* The generated lab's key account (FABRIKAM\carve-ws) as its UPN, which
 * the lab takes for the same account and ssh_config and pdsh take as is. */
#define LAB_KEY_USER "carve-ws@fabrikam.local"

/* carve's pre-flight of the named machines; alive (may be NULL) gets the
 * names of those it reached, NULL-ended. */
static figure run_carve_alive(const carve_plan *plan, const char *const *names, const char *dir,
			      const char **alive)
{
	char db[1200];
	carve_audit *audit = NULL;
	carve_preflight *report = NULL;
	carve_preflight_options o = CARVE_PREFLIGHT_OPTIONS_INIT;
	int64_t run;
	figure f = { 0 };

	snprintf(db, sizeof(db), "%s/audit.db", dir);
	unlink(db);
	if (carve_audit_open(&audit, db, NULL) < 0 ||
	    carve_audit_run_begin(&run, audit, plan, "bench") < 0)
		die(carve_error_last()->message);
	o.machines = names;
	o.audit = audit;
	o.run = run;
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_SELF);
	if (carve_preflight_run(&report, plan, &o) < 0)
		die(carve_error_last()->message);
	f.wall_ms = now_ms() - t0;
	f.cpu_ms = cpu_ms(RUSAGE_SELF) - c0;
	size_t n_alive = 0, count;
	const carve_machine *m = carve_plan_machines(plan, &count);
	for (size_t i = 0; i < carve_preflight_count(report); i++) {
		const carve_preflight_machine *pm = carve_preflight_get(report, i);
		bool reached = !pm->unreachable && pm->checks[CARVE_CHECK_PING].status ==
							 CARVE_STATUS_OK;
		f.failures += pm->unreachable != NULL;
		if (alive && reached)
			alive[n_alive++] = m[pm->machine].name;
	}
	if (alive)
		alive[n_alive] = NULL;
	carve_preflight_free(report);
	carve_audit_free(audit);
	return f;
}

static figure run_carve(const carve_plan *plan, const char *const *names, const char *dir)
{
	return run_carve_alive(plan, names, dir, NULL);
}

/* All the checks' scripts as one command, as a pdsh user would send it. */
static char *combined_command(const carve_machine *m)
{
	carve_buf script = CARVE_BUF_INIT, cmd = CARVE_BUF_INIT;

	for (int c = CARVE_CHECK_DISK; c < CARVE_CHECK__COUNT; c++) {
		check_script(&script, (carve_check)c, m);
		carve_buf_putc(&script, '\n');
	}
	if (carve_ps_command(&cmd, carve_buf_cstr(&script)) < 0)
		die(carve_error_last()->message);
	carve_buf_done(&script);
	return cmd.ptr;
}

static void report(const char *what, figure f, size_t n)
{
	printf("  %-34s wall %8.1f ms  cpu %8.1f ms  (per host %6.2f / %6.2f)%s\n", what,
	       f.wall_ms, f.cpu_ms, f.wall_ms / (double)n, f.cpu_ms / (double)n,
	       f.failures ? "  [some hosts failed]" : "");
}

/* A lab of n machines generated into dir with options, then the shell
 * command edit run on it (may be NULL), and its plan with the lab's
 * passwords. */
static carve_plan *generate(const char *dir, unsigned long n, const char *options,
			    const char *edit)
{
	char plan_path[1200];
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;

	if (t_sh("%s --generate %lu --out %s %s >/dev/null%s%s", CARVE_LAB_BIN, n, dir, options,
		 edit ? " && " : "", edit ? edit : "") != 0)
		die("carve-lab --generate failed");
	snprintf(plan_path, sizeof(plan_path), "%s/lab-site.yaml", dir);
	if (carve_plan_load(&plan, &diags, plan_path) < 0 || bench_lab_passwords(plan, dir) < 0)
		die(carve_error_last()->message);
	carve_diags_free(diags);
	return plan;
}

static void bench_size(unsigned long n, unsigned conc, const char *base)
{
	char dir[1024], cfg[1200], hosts[1200], args[1400];

	snprintf(dir, sizeof(dir), "%s/lab-%lu", base, n);
	carve_plan *plan = generate(dir, n, "--asleep 0 --failing 25 --base-port 30000", NULL);

	/* The machines with their own SSH endpoint, and an ssh_config for them. */
	size_t count, direct = 0;
	const carve_machine *m = carve_plan_machines(plan, &count);
	const char **names = calloc(count + 1, sizeof(*names));
	snprintf(cfg, sizeof(cfg), "%s/ssh_config", dir);
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	FILE *c = fopen(cfg, "w"), *h = fopen(hosts, "w");
	if (!names || !c || !h)
		die("cannot write the peers' files");
	direct = direct_machines(names, plan);
	for (size_t i = 0; i < count; i++) {
		if (m[i].reach != CARVE_REACH_DIRECT)
			continue;
		fprintf(c, "Host %s\n  Port %u\n", m[i].name, m[i].port);
		fprintf(h, "%s\n", m[i].name);
	}
	fprintf(c, "Host *\n  HostName 127.0.0.1\n  User " LAB_KEY_USER "\n  IdentityFile %s/.lab/client\n"
		   "  IdentitiesOnly yes\n  UserKnownHostsFile %s/.lab/known_hosts\n"
		   "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n"
		   "  BatchMode yes\n  LogLevel ERROR\n  KexAlgorithms curve25519-sha256\n", dir, dir);
	fclose(c);
	fclose(h);

	pid_t lab = start_lab(dir);
	printf("\npre-flight of %zu machines with their own endpoint (of %lu), %u at once\n",
	       direct, n, conc);
	bench_lab_costs(dir);
	figure fc = run_carve(plan, names, dir);
	char *cmd = combined_command(&m[0]);
	char fan[16];
	snprintf(fan, sizeof(fan), "%u", conc);
	/* -n: stdin at EOF at once, as carve's commands have it; the lab
	 * answers a command whose stdin stays open only after a second. */
	snprintf(args, sizeof(args), "-F %s -n -2 -a -x -l%%u %%h", cfg);
	setenv("PDSH_SSH_ARGS", args, 1);
	char wlist[1300];
	snprintf(wlist, sizeof(wlist), "^%s", hosts);
	char *pdsh_argv[] = { "pdsh", "-R", "ssh", "-l", LAB_KEY_USER, "-f", fan, "-w", wlist, cmd,
			      NULL };
	figure fp = spawn(pdsh_argv, dir);
	snprintf(args, sizeof(args), "-F %s -n", cfg);
	char hostfile[1300];
	snprintf(hostfile, sizeof(hostfile), "--hostfile=%s", hosts);
	char *clush_argv[] = { "clush", "-q", "-S", "-f", fan, hostfile, "-l", LAB_KEY_USER, "-o",
			       args, cmd, NULL };
	figure fl = spawn(clush_argv, dir);
	stop_lab(lab);

	report("carve: every check, audited", fc, direct);
	report("pdsh -R ssh: one combined command", fp, direct);
	report("clush: one combined command", fl, direct);
	printf("  %-34s wall %.2fx  cpu %.3fx   (target: wall at most 0.5x pdsh)\n",
	       "carve / pdsh", fc.wall_ms / fp.wall_ms, fc.cpu_ms / fp.cpu_ms);
	printf("  %-34s wall %.2fx  cpu %.3fx\n", "carve / clush", fc.wall_ms / fl.wall_ms,
	       fc.cpu_ms / fl.cpu_ms);

	/* The same site with a fifth of it asleep. */
	carve_plan_free(plan);
	plan = generate(dir, n, "--asleep 20 --failing 25 --base-port 30000", NULL);
	direct_machines(names, plan);
	lab = start_lab(dir);
	figure fs = run_carve(plan, names, dir);
	stop_lab(lab);
	report("carve, 20% asleep", fs, direct);
	printf("  %-34s %+.0f ms (one connect deadline is %u ms)\n", "time added by sleepers",
	       fs.wall_ms - fc.wall_ms, carve_plan_transport(plan)->connect_timeout_ms);
	free(cmd);
	free(names);
	carve_plan_free(plan);
}

/* The designs carve did not take, each over as many sessions to the
 * management host as carve keeps PowerShells there: a new PowerShell for
 * every check on the machines carve found up (carve before issue 15), and
 * a new session and PowerShell for each machine, its ping and checks in one
 * script (carve during issue 15). */
typedef struct {
	const carve_plan *plan;
	const char *const *names;
	size_t exec_host;
	bool per_machine;
	atomic_size_t next;
} peer_design;

static void *peer_worker(void *arg)
{
	peer_design *w = arg;
	carve_ssh *ssh = NULL;
	size_t n;
	const carve_machine *all = carve_plan_machines(w->plan, &n);

	if (!w->per_machine && remote_open_exec(&ssh, w->plan, w->exec_host, NULL) < 0)
		return NULL;
	for (size_t k; w->names[k = atomic_fetch_add(&w->next, 1)];) {
		const carve_machine *m = &all[carve_plan_find_machine(w->plan, w->names[k])];
		carve_check_result r[CARVE_CHECK__COUNT];
		unsigned want = 0;
		memset(r, 0, sizeof(r));
		for (int c = 0; c < CARVE_CHECK__COUNT; c++)
			if (check_applies((carve_check)c, w->plan, m))
				want |= 1u << c;
		if (w->per_machine) {
			if (remote_open_exec(&ssh, w->plan, w->exec_host, NULL) == 0)
				remote_checks(r, want, ssh, NULL, w->plan, m, NULL);
			carve_ssh_free(ssh);
			ssh = NULL;
		} else {
			for (int c = CARVE_CHECK_PING + 1; c < CARVE_CHECK__COUNT; c++)
				if (want & (1u << c))
					remote_check(&r[c], ssh, (carve_check)c, w->plan, m, NULL);
		}
		for (int c = 0; c < CARVE_CHECK__COUNT; c++) {
			free(r[c].evidence);
			free(r[c].diagnosis);
		}
	}
	carve_ssh_free(ssh);
	return NULL;
}

static figure run_peer_design(const carve_plan *plan, const char *const *names, size_t e,
			      unsigned sessions, bool per_machine)
{
	peer_design w = { plan, names, e, per_machine, 0 };
	pthread_t *t = calloc(sessions, sizeof(*t));
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_SELF);

	for (unsigned k = 0; t && k < sessions; k++)
		pthread_create(&t[k], NULL, peer_worker, &w);
	for (unsigned k = 0; t && k < sessions; k++)
		pthread_join(t[k], NULL);
	free(t);
	return (figure){ now_ms() - t0, cpu_ms(RUSAGE_SELF) - c0, 0 };
}

/*
 * Issue 15's site: the XP machines of a generated site, every one asked
 * through the management host MGMT01 (4 cores), a tenth of them asleep,
 * on a real site's costs (carve-lab(1): a 1 s PowerShell start, 0.3 s a
 * WMI query, 42 s to a machine that is off, 1 s an unanswered echo)
 * divided by scale.  carve against the checks done as a site script does
 * them (one PowerShell session walking the machines one at a time), the
 * two designs it did not take, and the floor the cost model allows.
 */
static void bench_management(unsigned long n, unsigned scale, const char *base)
{
	enum { CORES = 4, QUERIES = 9 };
	unsigned start_ms = 1000 / scale, wmi_ms = 300 / scale, rpc_ms = 42000 / scale,
		 ping_ms = 1000 / scale;
	char dir[1024], costs[1800];

	snprintf(dir, sizeof(dir), "%s/mgmt-%lu", base, n);
	snprintf(costs, sizeof(costs), "sed -i -e 's/^  powershell_start: .*/  powershell_start: %ums/'"
		 " -e 's/^  wmi_query: .*/  wmi_query: %ums/' -e 's/^  rpc_timeout: .*/  rpc_timeout:"
		 " %ums/' -e 's/^  ping_timeout: .*/  ping_timeout: %ums/' -e 's/name: MGMT01, role:"
		 " management, port: \\([0-9]*\\), cores: 4/name: MGMT01, role: management, port:"
		 " \\1, cores: %d/' %s/lab-fixture.yaml", start_ms, wmi_ms, rpc_ms, ping_ms, CORES,
		 dir);
	carve_plan *plan = generate(dir, n, "--asleep 10 --failing 0 --base-port 20000", costs);
	size_t count, via = 0;
	const carve_machine *m = carve_plan_machines(plan, &count);
	const char **names = calloc(count + 1, sizeof(*names)),
		   **alive = calloc(count + 1, sizeof(*alive));
	if (!names || !alive)
		die("out of memory");
	for (size_t i = 0; i < count; i++)
		if (m[i].reach == CARVE_REACH_VIA)
			names[via++] = m[i].name;
	pid_t lab = start_lab(dir);
	printf("\npre-flight of %zu XP machines through MGMT01 (%d cores), a tenth asleep,"
	       " real costs divided by %u\n", via, CORES, scale);
	bench_lab_costs(dir);

	figure fc = run_carve_alive(plan, names, dir, alive);
	size_t live = 0;
	while (alive[live])
		live++;

	/* the site script: one session, one PowerShell, machine after machine
	 * (a loop over the names: Windows takes no command line over 32,767
	 * characters, CreateProcess) */
	size_t e = remote_exec_host(plan, CARVE_ROLE_MANAGEMENT);
	carve_buf script = CARVE_BUF_INIT, cmd = CARVE_BUF_INIT, body = CARVE_BUF_INIT;
	const carve_machine *x = &m[carve_plan_find_machine(plan, names[0])];
	for (int c = CARVE_CHECK_PING + 1; c < CARVE_CHECK__COUNT; c++)
		if (check_applies((carve_check)c, plan, x))
			check_script(&body, (carve_check)c, x);
	carve_buf_puts(&script, "foreach ($name in @(");
	for (size_t k = 0; k < via; k++)
		carve_buf_printf(&script, "%s'%s'", k ? "," : "", names[k]);
	carve_buf_puts(&script, ")) {\ntry { & {\n");
	/* the checks' scripts name the machine in one line each: $computer */
	for (char *line = strtok(body.ptr, "\n"); line; line = strtok(NULL, "\n"))
		carve_buf_printf(&script, "%s\n", strncmp(line, "$computer = ", 12) ? line
						 : "$computer = $name");
	carve_buf_puts(&script, "} } catch { }\n}\n");
	carve_buf_done(&body);
	carve_ssh *ssh = NULL;
	carve_ssh_result out = { 0 };
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_SELF);
	if (carve_ps_command(&cmd, carve_buf_cstr(&script)) < 0 ||
	    remote_open_exec(&ssh, plan, e, NULL) < 0 ||
	    carve_ssh_exec(&out, ssh, carve_buf_cstr(&cmd), 4 * 3600 * 1000, 0) < 0)
		printf("  the site script: %s\n", carve_error_last()->message);
	figure fs = { now_ms() - t0, cpu_ms(RUSAGE_SELF) - c0, 0 };
	carve_ssh_result_done(&out);
	carve_ssh_free(ssh);
	carve_buf_done(&script);
	carve_buf_done(&cmd);

	unsigned sessions = carve_plan_exec_hosts(plan, &(size_t){ 0 })[e].concurrency;
	figure fm = run_peer_design(plan, names, e, sessions, true);
	figure fp = run_peer_design(plan, alive, e, sessions, false);
	stop_lab(lab);

	/* the floor: one PowerShell start, then every live machine's queries
	 * and every sleeping one's unanswered echo shared out over the
	 * sessions the host holds at once */
	double work = (double)live * QUERIES * wmi_ms + (double)(via - live) * ping_ms,
	       floor = start_ms + work / sessions;
	report("carve: PowerShells kept up", fc, via);
	report("site script, machine by machine", fs, via);
	report("a PowerShell a machine", fm, via);
	report("a PowerShell a check", fp, live);
	printf("  %-34s %.0f ms (a start %u ms; %zu live x %d queries x %u ms and %zu echoes x"
	       " %u ms over %u sessions)\n", "floor of the cost model", floor, start_ms, live,
	       QUERIES, wmi_ms, via - live, ping_ms, sessions);
	printf("  %-34s wall %.3fx   (target: at most 0.05x)\n", "carve / site script",
	       fc.wall_ms / fs.wall_ms);
	printf("  %-34s wall %.2fx\n", "carve / a PowerShell a machine", fc.wall_ms / fm.wall_ms);
	printf("  %-34s wall %.2fx\n", "carve / a PowerShell a check", fc.wall_ms / fp.wall_ms);
	printf("  %-34s wall %.2fx   (target: within 1.5x)\n", "carve / floor", fc.wall_ms / floor);
	free(names);
	free(alive);
	carve_plan_free(plan);
}

static void bench_sweep(const char *base)
{
	enum { N = 1000 };
	static char addr[N][20];
	const char *hosts[N];
	bool alive[N];
	char list[1200];

	snprintf(list, sizeof(list), "%s/addresses", base);
	FILE *f = fopen(list, "w");
	if (!f)
		die("cannot write the address list");
	for (int i = 0; i < N; i++) {
		snprintf(addr[i], sizeof(addr[i]), "127.0.%d.%d", 1 + i / 250, 1 + i % 250);
		hosts[i] = addr[i];
		fprintf(f, "%s\n", addr[i]);
	}
	fclose(f);
	printf("\nping sweep of %d loopback addresses, carve and fping at the same pace\n", N);
	char file[1300];
	snprintf(file, sizeof(file), "--file=%s", list);
	/* fping spaces its requests 10 ms apart by default (carve's default
	 * transport.sweep_interval too); -i 1 is the fastest the brief allows
	 * a plan to ask for */
	static const struct {
		uint32_t interval_ms;
		const char *i;
	} paces[] = { { 10, "10" }, { 1, "1" } };
	for (size_t k = 0; k < sizeof(paces) / sizeof(paces[0]); k++) {
		double t0 = now_ms(), c0 = cpu_ms(RUSAGE_SELF);
		int err = probe_icmp(alive, hosts, N, 2000, paces[k].interval_ms, NULL);
		figure fc = { now_ms() - t0, cpu_ms(RUSAGE_SELF) - c0, 0 };
		if (err < 0) {
			printf("  carve: %s\n", carve_error_last()->message);
			return;
		}
		for (int i = 0; i < N; i++)
			fc.failures += !alive[i];
		char *fping_argv[] = { "fping", "-q", "-r", "1", "-t", "2000", "-i",
				       (char *)paces[k].i, file, NULL };
		figure ff = spawn(fping_argv, base);
		char what[64];
		printf("  at %u ms between requests: carve %u of %d answered\n",
		       paces[k].interval_ms, N - fc.failures, N);
		snprintf(what, sizeof(what), "carve, interval %u ms", paces[k].interval_ms);
		report(what, fc, N);
		snprintf(what, sizeof(what), "fping -i %s", paces[k].i);
		report(what, ff, N);
		printf("  %-34s wall %.2fx  cpu %.2fx   (target: within 1.2x)\n", "carve / fping",
		       fc.wall_ms / ff.wall_ms, fc.cpu_ms / ff.cpu_ms);
	}
}

int main(int argc, char **argv)
{
	char sizes[64] = "500,1000", base[] = "/tmp/carve-bench-preflight.XXXXXX";
	unsigned conc = 64, scale = 10;
	unsigned long mgmt = 600; /* a third of a generated site is XP through MGMT01 */
	int opt;

	while ((opt = getopt(argc, argv, "n:c:m:s:")) != -1) {
		if (opt == 'n')
			snprintf(sizes, sizeof(sizes), "%s", optarg);
		else if (opt == 'm')
			mgmt = strtoul(optarg, NULL, 10);
		else if (opt == 's' && strtoul(optarg, NULL, 10) >= 1)
			scale = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'c')
			conc = (unsigned)strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: bench_preflight [-n HOSTS,...] [-c CONCURRENCY]"
				" [-m SITE] [-s SCALE]\n");
			return 2;
		}
	}
	if (!mkdtemp(base))
		die("mkdtemp");
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	for (char *tok = strtok(sizes, ","); tok; tok = strtok(NULL, ","))
		if (strtoul(tok, NULL, 10))
			bench_size(strtoul(tok, NULL, 10), conc, base);
	if (mgmt)
		bench_management(mgmt, scale, base);
	bench_sweep(base);
	t_sh("rm -rf %s", base);
	return 0;
}
