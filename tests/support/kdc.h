/*
 * kdc.h - a real MIT Kerberos KDC on 127.0.0.1 for the tests, with its own
 * realm, database, configuration and keytabs in a temporary directory; the
 * process environment (KRB5_CONFIG, KRB5_KTNAME) points at it, so that an
 * sshd started afterwards and carve's libssh both use it.  The client's
 * KRB5CCNAME is set by t_kdc_kinit only: an sshd that inherited it would
 * store the tickets delegated to it there, not in the session.
 */
#ifndef CARVE_TEST_KDC_H
#define CARVE_TEST_KDC_H

#include <sys/types.h>

#define T_KDC_REALM "CARVE.TEST"

typedef struct {
	char *dir;          /* the temporary directory (owned) */
	int port;           /* UDP and TCP */
	pid_t pid;
	char *host_keytab;  /* host/127.0.0.1, for sshd (KRB5_KTNAME) */
	char *user_keytab;  /* the user's key, for kinit -k */
	char *ccache;       /* the client's credential cache (KRB5CCNAME) */
	char error[512];    /* why start failed or was skipped */
} t_kdc;

/* Makes the realm with principals host/127.0.0.1 and user, starts the KDC
 * and sets the environment.  Returns 0 when running, 1 when it cannot run
 * here (error says why: the krb5-kdc packages are missing), -1 on failure. */
int t_kdc_start(t_kdc *k, const char *user);
/* Points KRB5CCNAME at k->ccache and gets a forwardable ticket for user
 * into it (kinit -f -k): 0 or kinit's exit status.  Start sshd first. */
int t_kdc_kinit(const t_kdc *k, const char *user);
/* Stops the KDC, removes the directory, unsets the environment. */
void t_kdc_stop(t_kdc *k);

#endif
