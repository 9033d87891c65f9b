/*
 * sshd.c - see sshd.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf: beyond the project's POSIX baseline */
#endif
#include "sshd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A system account whose shell is /bin/sh: root's login shell runs slow
 * start-up files that would distort benchmarks. */
#define TEST_USER "carve-sshd-test"

int t_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int t_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Whether n consecutive ports from base are all free on 127.0.0.1 now. */
static bool free_run(int base, int n)
{
	for (int p = base; p < base + n; p++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		if (!ok)
			return false;
	}
	return true;
}

int t_free_port_run(int n)
{
	for (int tries = 0; tries < 50; tries++) {
		int p = t_free_port();
		if (p > 0 && p + n < 65000 && free_run(p, n))
			return p;
	}
	return -1;
}

void t_dies_with(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* it ended before the line above */
		_exit(127);
}

int t_wait_listening(pid_t *pid, int port)
{
	for (int i = 0; i < 500; i++) {
		if (t_port_accepts(port))
			return 0;
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = -1;
			return 2;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return -1;
}

void t_free_ports(int *ports, size_t n)
{
	for (size_t i = 0; i < n;) {
		bool again = false;
		ports[i] = t_free_port();
		for (size_t j = 0; j < i; j++)
			again |= ports[j] == ports[i];
		i += !again;
	}
}

carve_ssh_options t_sshd_options(const t_sshd *s, const char *known_hosts)
{
	carve_ssh_options o = CARVE_SSH_OPTIONS_INIT;

	o.host = "127.0.0.1";
	o.port = (uint16_t)s->port;
	o.user = s->user;
	o.auth = CARVE_AUTH_KEY;
	o.key_file = s->client_key;
	o.known_hosts = known_hosts;
	return o;
}

static char *join(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

int t_port_accepts(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int fail(t_sshd *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return rc;
}

/* Writes sshd_config for a free port and starts sshd on it: 0 when it
 * accepts connections, 2 when it exited at start (as when the port was
 * taken before it could bind it), -1 otherwise. */
static int launch(t_sshd *s, const char *extra_config)
{
	s->port = t_free_port();
	char *conf = join(s->dir, "sshd_config");
	FILE *f = fopen(conf, "w");
	if (!f) {
		free(conf);
		return fail(s, -1, "cannot write sshd_config");
	}
	fprintf(f,
		"Port %d\n"
		"ListenAddress 127.0.0.1\n"
		"HostKey %s\n"
		"PidFile %s/sshd.pid\n"
		"AuthorizedKeysFile %s/authorized_keys\n"
		"StrictModes no\n"
		"UsePAM no\n"
		"PasswordAuthentication yes\n" /* only the password test sets one */
		"KbdInteractiveAuthentication no\n"
		"PermitRootLogin no\n"
		"AllowUsers " TEST_USER "\n"
		/* the default 10:30:100 drops connections at concurrency 32 */
		"MaxStartups 2000\n"
		"MaxSessions 64\n"
		"LoginGraceTime 30\n"
		"PrintMotd no\n"
		"PrintLastLog no\n"
		"LogLevel ERROR\n"
		"%s\n",
		s->port, s->host_key, s->dir, s->dir, extra_config ? extra_config : "");
	fclose(f);

	pid_t self = getpid();
	s->pid = fork();
	if (s->pid == 0) {
		t_dies_with(self);
		char *log = join(s->dir, "sshd.log");
		if (!freopen("/dev/null", "r", stdin) || !freopen(log, "a", stdout) ||
		    !freopen(log, "a", stderr))
			_exit(126);
		execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", conf, (char *)NULL);
		_exit(127);
	}
	free(conf);
	int rc = t_wait_listening(&s->pid, s->port);
	if (rc == 2)
		return fail(s, 2, "sshd exited at start (see %s/sshd.log)", s->dir);
	return rc < 0 ? fail(s, -1, "sshd did not accept connections within 5 s") : 0;
}

int t_sshd_start(t_sshd *s, const char *extra_config)
{
	char tmpl[] = "/tmp/carve-sshd.XXXXXX";

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	if (geteuid() != 0)
		return fail(s, 1, "sshd tests need root (to run sshd and add a test user)");
	if (access("/usr/sbin/sshd", X_OK) != 0)
		return fail(s, 1, "/usr/sbin/sshd is not installed (openssh-server)");
	/* Suites start sshd in parallel: one at a time through the account
	 * files.  Without PAM, sshd refuses a locked ("!") account even for
	 * keys; a missing home directory puts a warning on every stderr. */
	if (t_sh("flock /tmp/carve-sshd-test.lock sh -c '"
		 "id -u " TEST_USER " >/dev/null 2>&1 || useradd --system --no-create-home "
		 "--home-dir / --shell /bin/sh " TEST_USER " || exit 1; "
		 "getent shadow " TEST_USER " | cut -d: -f2 | grep -qv \"^!\" || "
		 "usermod -p \"*\" " TEST_USER " || exit 1; "
		 "[ \"$(getent passwd " TEST_USER " | cut -d: -f6)\" = / ] || "
		 "usermod -d / " TEST_USER "'") != 0)
		return fail(s, -1, "cannot create the test user " TEST_USER);
	if (!mkdtemp(tmpl))
		return fail(s, -1, "mkdtemp: %s", strerror(errno));
	s->dir = strdup(tmpl);
	s->user = strdup(TEST_USER);
	s->host_key = join(s->dir, "host_ed25519");
	s->client_key = join(s->dir, "client_ed25519");
	s->other_key = join(s->dir, "other_ed25519");
	/* sshd reads authorized_keys as the user: the directory must be open. */
	chmod(s->dir, 0755);
	mkdir("/run/sshd", 0755);
	if (t_sh("ssh-keygen -q -t ed25519 -N '' -C host -f %s && "
		 "ssh-keygen -q -t ed25519 -N '' -C client -f %s && "
		 "ssh-keygen -q -t ed25519 -N '' -C other -f %s && "
		 "cp %s.pub %s/authorized_keys && chmod 644 %s/authorized_keys",
		 s->host_key, s->client_key, s->other_key, s->client_key, s->dir,
		 s->dir) != 0)
		return fail(s, -1, "ssh-keygen failed");

	/* A free port can be taken before sshd binds it: try others. */
	int rc = 2;
	for (int tries = 0; tries < 5 && rc == 2; tries++)
		rc = launch(s, extra_config);
	return rc == 2 ? -1 : rc;
}

void t_sshd_stop(t_sshd *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (int i = 0; i < 200 && waitpid(s->pid, NULL, WNOHANG) == 0; i++)
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->dir)
		t_sh("rm -rf '%s'", s->dir);
	free(s->dir);
	free(s->user);
	free(s->host_key);
	free(s->client_key);
	free(s->other_key);
	memset(s, 0, sizeof(*s));
	s->pid = -1;
}
