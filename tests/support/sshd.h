/*
 * sshd.h - a real OpenSSH sshd on 127.0.0.1 for tests and benchmarks, with
 * its own config, host key and authorized key in a temporary directory.
 * Never the system service.
 */
#ifndef CARVE_TEST_SSHD_H
#define CARVE_TEST_SSHD_H

#include "carve.h"

#include <stddef.h>
#include <sys/types.h>

typedef struct {
	char *dir;             /* the temporary directory (owned) */
	int port;
	pid_t pid;
	char *user;            /* the login user: a throwaway account with /bin/sh */
	char *host_key;        /* sshd's private host key */
	char *client_key;      /* an unencrypted ed25519 key sshd accepts */
	char *other_key;       /* a key sshd does not accept */
	char error[512];       /* why start failed or was skipped */
} t_sshd;

/* Starts sshd and waits until it accepts connections.  extra_config lines
 * are appended to sshd_config (may be NULL).  Returns 0 when running, 1
 * when it cannot run here (not root, no sshd: error says why), -1 on
 * failure. */
int t_sshd_start(t_sshd *s, const char *extra_config);
/* Stops sshd (SIGTERM, then SIGKILL) and removes the directory. */
void t_sshd_stop(t_sshd *s);

/* Runs a shell command line; returns its exit status. */
int t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* In a child just forked from parent: it is killed when parent ends,
 * however parent ends (a crash, Criterion's timeout), so that no process a
 * test started outlives it.  Survives exec. */
void t_dies_with(pid_t parent);

/* A free TCP port on 127.0.0.1. */
int t_free_port(void);
/* Whether something accepts TCP connections on 127.0.0.1:port now. */
int t_port_accepts(int port);
/* Waits up to 5 s for *pid to accept connections on port: 0 when it
 * does, 2 when it exited first (*pid set to -1), -1 when time ran out. */
int t_wait_listening(pid_t *pid, int port);
/* n distinct free ports. */
void t_free_ports(int *ports, size_t n);
/* The first of n consecutive ports free on 127.0.0.1 now (a generated or
 * rebuilt lab site takes its ports from one base), or -1. */
int t_free_port_run(int n);

/* Options that reach s as its user with its client key, checking host keys
 * against known_hosts; timeouts and the rest are the caller's to set. */
carve_ssh_options t_sshd_options(const t_sshd *s, const char *known_hosts);

#endif
