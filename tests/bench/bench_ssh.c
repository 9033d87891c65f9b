/*
 * bench_ssh - what reaching many hosts costs, against OpenSSH's own client
 * and pdsh, all against one real sshd on 127.0.0.1 in the same run.
 *
 *   bench_ssh [-n PER_HOST_RUNS] [-h HOSTS,...] [-c CONCURRENCY,...]
 *
 * Per host: handshake + authentication + one command ("true") + close,
 * repeated sequentially: carve against "ssh -o BatchMode=yes HOST true".
 * Fan-out: one command to HOSTS endpoints (h001.. all mapped to the sshd
 * by an ssh_config) at each CONCURRENCY: carve's worker pool of blocking
 * sessions, carve's transport driven instead by one thread and libssh's
 * ssh_event loop, and "pdsh -R ssh".  Key exchange curve25519-sha256 for
 * all, and pdsh again with OpenSSH's default (what users get).  Wall time
 * and client CPU (user+system of carve's process, or of the ssh/pdsh
 * process tree) are printed with carve's ratio to the peer.
 *
 * Needs root (the sshd runs as a throwaway user), sshd, ssh and pdsh.
 */
#define _GNU_SOURCE /* asprintf */
#include "bench.h"
#include "carve.h"
#include "sshd.h"
#include "transport_internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define KEX "curve25519-sha256"

static t_sshd sshd;
static char *known_hosts, *config_curve, *config_default;

typedef struct {
	double wall_ms, cpu_ms, server_ms;
	unsigned failures;
} figure;

/* CPU of sshd and the per-connection processes it has reaped, from /proc. */
static double server_cpu_ms(void)
{
	char path[64];
	unsigned long long v[4] = { 0 };

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)sshd.pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	/* Fields 14-17: utime stime cutime cstime; skip "pid (comm) state ...". */
	int n = fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
		       &v[0], &v[1], &v[2], &v[3]);
	fclose(f);
	return n == 4 ? (double)(v[0] + v[1] + v[2] + v[3]) * 1e3 / (double)sysconf(_SC_CLK_TCK)
		      : 0;
}

/* ---- carve, worker pool ---- */

static carve_ssh_options carve_opts(void)
{
	carve_ssh_options o = t_sshd_options(&sshd, known_hosts);

	o.key_exchange = KEX;
	o.connect_timeout_ms = 30000;
	o.auth_timeout_ms = 30000;
	return o;
}

static unsigned carve_one(void)
{
	carve_ssh_options o = carve_opts();
	carve_ssh *ssh = NULL;
	carve_ssh_result r;
	unsigned failed = 1;

	if (carve_ssh_connect(&ssh, NULL, &o) == 0 &&
	    carve_ssh_exec(&r, ssh, "true", 30000, 0) == 0) {
		failed = !(r.exited && r.exit_status == 0);
		carve_ssh_result_done(&r);
	} else if (getenv("BENCH_VERBOSE")) {
		fprintf(stderr, "carve: %s\n", carve_error_last()->message);
	}
	carve_ssh_free(ssh);
	return failed;
}

static unsigned pool_failures;

static void pool_job(size_t i, void *ctx)
{
	(void)i, (void)ctx;
	if (carve_one())
		__atomic_add_fetch(&pool_failures, 1, __ATOMIC_RELAXED);
}

static figure carve_pool(unsigned hosts, unsigned conc)
{
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_SELF);

	pool_failures = 0;
	carve_pool_run(hosts, conc, NULL, NULL, pool_job, NULL);
	return (figure){ .wall_ms = now_ms() - t0, .cpu_ms = cpu_ms(RUSAGE_SELF) - c0,
			 .failures = pool_failures };
}

/* ---- libssh's ssh_event loop on one thread ---- */

typedef enum { E_CONNECT, E_AUTH, E_OPEN, E_EXEC, E_WAIT } estate;

typedef struct {
	ssh_session s;
	ssh_channel ch;
	int fd;
	estate st;
	bool eof, closed, exited;
	int status;
	struct ssh_channel_callbacks_struct cb;
} eslot;

static void ev_eof(ssh_session s, ssh_channel c, void *u)
{
	(void)s, (void)c;
	((eslot *)u)->eof = true;
}

static void ev_close(ssh_session s, ssh_channel c, void *u)
{
	(void)s, (void)c;
	((eslot *)u)->closed = true;
}

static void ev_exit(ssh_session s, ssh_channel c, int status, void *u)
{
	(void)s, (void)c;
	((eslot *)u)->exited = true;
	((eslot *)u)->status = status;
}

static bool ev_start(eslot *e, ssh_event ev)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)sshd.port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, off = 0;
	unsigned port = (unsigned)sshd.port;

	memset(e, 0, sizeof(*e));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	e->fd = fd;
	e->s = ssh_new();
	ssh_options_set(e->s, SSH_OPTIONS_HOST, "127.0.0.1");
	ssh_options_set(e->s, SSH_OPTIONS_PROCESS_CONFIG, &off);
	ssh_options_set(e->s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(e->s, SSH_OPTIONS_USER, sshd.user);
	ssh_options_set(e->s, SSH_OPTIONS_KNOWNHOSTS, known_hosts);
	ssh_options_set(e->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, known_hosts);
	ssh_options_set(e->s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &one);
	ssh_options_set(e->s, SSH_OPTIONS_KEY_EXCHANGE, KEX);
	ssh_options_set(e->s, SSH_OPTIONS_FD, &fd);
	ssh_set_blocking(e->s, 0);
	if (ssh_connect(e->s) == SSH_ERROR)
		return false;
	ssh_event_add_session(ev, e->s);
	e->st = E_CONNECT;
	return true;
}

/* Advances one session as far as it can go; 1 done, -1 failed, 0 waiting. */
static int ev_step(eslot *e, ssh_key key)
{
	int rc;

	switch (e->st) {
	case E_CONNECT:
		if ((rc = ssh_connect(e->s)) == SSH_AGAIN)
			return 0;
		if (rc != SSH_OK || ssh_session_is_known_server(e->s) != SSH_KNOWN_HOSTS_OK)
			return -1;
		e->st = E_AUTH;
		/* fall through */
	case E_AUTH:
		if ((rc = ssh_userauth_publickey(e->s, NULL, key)) == SSH_AUTH_AGAIN)
			return 0;
		if (rc != SSH_AUTH_SUCCESS || !(e->ch = ssh_channel_new(e->s)))
			return -1;
		e->st = E_OPEN;
		/* fall through */
	case E_OPEN:
		if ((rc = ssh_channel_open_session(e->ch)) == SSH_AGAIN)
			return 0;
		if (rc != SSH_OK)
			return -1;
		e->cb = (struct ssh_channel_callbacks_struct){
			.userdata = e, .channel_eof_function = ev_eof,
			.channel_close_function = ev_close,
			.channel_exit_status_function = ev_exit };
		ssh_callbacks_init(&e->cb);
		ssh_set_channel_callbacks(e->ch, &e->cb);
		e->st = E_EXEC;
		/* fall through */
	case E_EXEC:
		if ((rc = ssh_channel_request_exec(e->ch, "true")) == SSH_AGAIN)
			return 0;
		if (rc != SSH_OK)
			return -1;
		e->st = E_WAIT;
		/* fall through */
	case E_WAIT:
		if (!(ssh_get_status(e->s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) &&
		    !e->closed && !(e->eof && e->exited))
			return 0;
		return e->exited && e->status == 0 ? 1 : -1;
	}
	return -1;
}

static void ev_finish(eslot *e, ssh_event ev)
{
	if (e->ch)
		ssh_channel_free(e->ch);
	/* As carve_ssh_free: libssh 0.10's disconnect leaves a socket set with
	 * SSH_OPTIONS_FD open; its error paths have closed it already. */
	bool held = ssh_get_fd(e->s) != SSH_INVALID_SOCKET;
	ssh_event_remove_session(ev, e->s);
	if (held)
		ssh_goodbye(e->s); /* the same goodbye as carve's */
	ssh_free(e->s);
	if (held)
		close(e->fd);
	e->s = NULL;
}

static figure carve_event_loop(unsigned hosts, unsigned conc)
{
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_SELF);
	eslot *slots = calloc(conc, sizeof(*slots));
	ssh_event ev = ssh_event_new();
	ssh_key key = NULL;
	unsigned started = 0, finished = 0, failures = 0;

	ssh_pki_import_privkey_file(sshd.client_key, NULL, NULL, NULL, &key);
	while (finished < hosts) {
		for (unsigned i = 0; i < conc && started < hosts; i++)
			if (!slots[i].s) {
				started++;
				if (!ev_start(&slots[i], ev)) {
					failures++;
					finished++;
					if (slots[i].s) {
						ssh_free(slots[i].s);
						slots[i].s = NULL;
					}
				}
			}
		ssh_event_dopoll(ev, 100);
		for (unsigned i = 0; i < conc; i++) {
			if (!slots[i].s)
				continue;
			int rc = ev_step(&slots[i], key);
			if (rc == 0)
				continue;
			failures += rc < 0;
			finished++;
			ev_finish(&slots[i], ev);
		}
	}
	ssh_key_free(key);
	ssh_event_free(ev);
	free(slots);
	return (figure){ .wall_ms = now_ms() - t0, .cpu_ms = cpu_ms(RUSAGE_SELF) - c0,
			 .failures = failures };
}

/* ---- OpenSSH and pdsh ---- */

/* Runs a client to completion; failures are its non-zero exit, or for pdsh
 * the hosts it reports on stderr. */
static figure spawn(char *const argv[], bool per_host_errors)
{
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_CHILDREN);
	posix_spawn_file_actions_t fa;
	char *errors;
	pid_t pid;
	int status = -1;

	if (asprintf(&errors, "%s/client.err", sshd.dir) < 0)
		exit(1);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	figure f = { .wall_ms = now_ms() - t0, .cpu_ms = cpu_ms(RUSAGE_CHILDREN) - c0,
		     .failures = !(WIFEXITED(status) && WEXITSTATUS(status) == 0) };
	if (per_host_errors) {
		char line[1024];
		FILE *e = fopen(errors, "r");
		f.failures = 0;
		while (e && fgets(line, sizeof(line), e))
			f.failures += strstr(line, "exited with exit code") != NULL;
		if (e)
			fclose(e);
	}
	if (f.failures && getenv("BENCH_VERBOSE"))
		t_sh("head -5 %s >&2", errors);
	free(errors);
	return f;
}

static figure ssh_one(const char *config)
{
	char *argv[] = { "ssh", "-F", (char *)config, "-o", "BatchMode=yes", "h001", "true", NULL };
	return spawn(argv, false);
}

static figure pdsh(unsigned hosts, unsigned conc, const char *config)
{
	char fan[16], range[32], args[512];

	snprintf(fan, sizeof(fan), "%u", conc);
	snprintf(range, sizeof(range), "h[001-%03u]", hosts);
	/* pdsh's ssh module runs "ssh $PDSH_SSH_ARGS"; point it at our config. */
	snprintf(args, sizeof(args), "-F %s -2 -a -x -l%%u %%h", config);
	setenv("PDSH_SSH_ARGS", args, 1);
	char *argv[] = { "pdsh", "-R", "ssh", "-l", sshd.user, "-f", fan, "-w", range, "true",
			 NULL };
	return spawn(argv, true);
}

/* ---- set-up and report ---- */

/* Processes whose parent is sshd's listener: its connections in flight. */
static int sshd_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[300];
		int ppid = 0;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (f && fscanf(f, "%*d %*s %*c %d", &ppid) == 1 && ppid == (int)sshd.pid)
			n++;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* sshd's time, once every connection so far has ended and been reaped, so
 * that each figure gets exactly its own server time. */
static double settled_server_ms(void)
{
	for (int i = 0; i < 500 && sshd_children() > 0; i++)
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	return server_cpu_ms();
}

static figure measure(figure (*fn)(const char *), const char *config)
{
	double s0 = settled_server_ms();
	figure f = fn(config);

	f.server_ms = settled_server_ms() - s0;
	return f;
}

static void add(figure *sum, figure f)
{
	sum->wall_ms += f.wall_ms;
	sum->cpu_ms += f.cpu_ms;
	sum->server_ms += f.server_ms;
	sum->failures += f.failures;
}

static char *write_config(const char *name, const char *kex)
{
	char *path, *text;

	if (asprintf(&path, "%s/%s", sshd.dir, name) < 0 ||
	    asprintf(&text,
		     "Host h*\n"
		     "  HostName 127.0.0.1\n"
		     "  Port %d\n"
		     "  User %s\n"
		     "  IdentityFile %s\n"
		     "  IdentitiesOnly yes\n"
		     "  UserKnownHostsFile %s\n"
		     "  GlobalKnownHostsFile /dev/null\n"
		     "  StrictHostKeyChecking yes\n"
		     "  BatchMode yes\n"
		     "  ControlMaster no\n"
		     "  LogLevel ERROR\n"
		     "%s%s%s",
		     sshd.port, sshd.user, sshd.client_key, known_hosts,
		     kex ? "  KexAlgorithms " : "", kex ? kex : "", kex ? "\n" : "") < 0)
		exit(1);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		exit(1);
	free(text);
	return path;
}

static unsigned fan_hosts, fan_conc;

static figure fan_pool(const char *unused)
{
	(void)unused;
	return carve_pool(fan_hosts, fan_conc);
}

static figure fan_loop(const char *unused)
{
	(void)unused;
	return carve_event_loop(fan_hosts, fan_conc);
}

static figure fan_pdsh(const char *config)
{
	return pdsh(fan_hosts, fan_conc, config);
}

static void row(const char *what, figure f, unsigned n)
{
	printf("  %-38s wall %8.1f ms  cpu %8.1f ms  per host: wall %6.2f cpu %6.2f"
	       " sshd %6.2f\n", what, f.wall_ms, f.cpu_ms, f.wall_ms / n, f.cpu_ms / n,
	       f.server_ms / n);
	if (f.failures)
		printf("  %-38s %u FAILED\n", "", f.failures);
}

static void ratio(const char *what, figure carve, figure peer)
{
	printf("  %-38s wall %.2fx  cpu %.3fx\n", what, carve.wall_ms / peer.wall_ms,
	       carve.cpu_ms / peer.cpu_ms);
}

static unsigned parse_list(unsigned *out, unsigned max, char *s)
{
	unsigned n = 0;

	for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ","))
		if ((out[n] = (unsigned)strtoul(tok, NULL, 10)) > 0 && out[n] <= 999)
			n++;
	return n;
}

int main(int argc, char **argv)
{
	unsigned per_host = 30, hosts[8] = { 200, 500 }, concs[8] = { 32, 64 };
	unsigned n_hosts = 2, n_concs = 2;
	int opt;

	while ((opt = getopt(argc, argv, "n:h:c:")) != -1) {
		if (opt == 'n')
			per_host = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'h')
			n_hosts = parse_list(hosts, 8, optarg);
		else if (opt == 'c')
			n_concs = parse_list(concs, 8, optarg);
		else {
			fprintf(stderr, "usage: bench_ssh [-n PER_HOST_RUNS] [-h HOSTS,...] "
				"[-c CONCURRENCY,...]\n");
			return 2;
		}
	}
	if (per_host == 0 || n_hosts == 0 || n_concs == 0)
		return 2;
	if (t_sshd_start(&sshd, NULL) != 0) {
		fprintf(stderr, "bench_ssh: %s\n", sshd.error);
		return 1;
	}
	if (asprintf(&known_hosts, "%s/known_hosts", sshd.dir) < 0 ||
	    t_sh("printf '[127.0.0.1]:%d ' > %s && cut -d' ' -f1,2 %s.pub >> %s", sshd.port,
		 known_hosts, sshd.host_key, known_hosts) != 0)
		return 1;
	config_curve = write_config("ssh_config_curve", KEX);
	config_default = write_config("ssh_config_default", NULL);

	printf("sshd on 127.0.0.1:%d as %s; %ld cores\n\n", sshd.port, sshd.user,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("per host, %u sequential connections (handshake + auth + 'true' + close)\n",
	       per_host);
	figure c = { 0 }, s = { 0 }, d = { 0 };
	for (unsigned i = 0; i < per_host; i++) {
		double s0 = settled_server_ms(), t0 = now_ms(), c0 = cpu_ms(RUSAGE_SELF);
		c.failures += carve_one();
		c.wall_ms += now_ms() - t0;
		c.cpu_ms += cpu_ms(RUSAGE_SELF) - c0;
		c.server_ms += settled_server_ms() - s0;
		add(&s, measure(ssh_one, config_curve));
		add(&d, measure(ssh_one, config_default));
	}
	row("carve (" KEX ")", c, per_host);
	row("ssh -o BatchMode=yes (" KEX ")", s, per_host);
	row("ssh -o BatchMode=yes (default kex)", d, per_host);
	ratio("carve / ssh, same kex", c, s);
	ratio("carve / ssh, default kex", c, d);

	for (unsigned h = 0; h < n_hosts; h++)
		for (unsigned k = 0; k < n_concs; k++) {
			printf("\nfan-out: 'true' on %u endpoints, %u at once\n", hosts[h], concs[k]);
			fan_hosts = hosts[h];
			fan_conc = concs[k];
			figure pool = measure(fan_pool, NULL);
			figure loop = measure(fan_loop, NULL);
			figure pc = measure(fan_pdsh, config_curve);
			figure pd = measure(fan_pdsh, config_default);
			row("carve, worker pool", pool, hosts[h]);
			row("libssh ssh_event loop, one thread", loop, hosts[h]);
			row("pdsh -R ssh (" KEX ")", pc, hosts[h]);
			row("pdsh -R ssh (default kex)", pd, hosts[h]);
			ratio("carve pool / pdsh, same kex", pool, pc);
			ratio("carve pool / pdsh, default kex", pool, pd);
			ratio("event loop / worker pool", loop, pool);
		}
	t_sshd_stop(&sshd);
	return 0;
}
