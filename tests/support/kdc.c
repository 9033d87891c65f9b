/*
 * kdc.c - see kdc.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "kdc.h"
#include "sshd.h" /* t_sh, t_free_port, t_wait_listening, t_dies_with */
#include "support.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fail(t_kdc *k, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->error, sizeof(k->error), fmt, ap);
	va_end(ap);
	return rc;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* krb5.conf and kdc.conf for k->port. */
static int write_configs(const t_kdc *k)
{
	char *krb5 = t_path(k->dir, "krb5.conf"), *kdc = t_path(k->dir, "kdc.conf"), *text = NULL;
	int rc = -1;

	/* No DNS at all: names stay as written, 127.0.0.1 included. */
	if (asprintf(&text, "[libdefaults]\n default_realm = %s\n dns_lookup_kdc = false\n"
			    " dns_lookup_realm = false\n dns_canonicalize_hostname = false\n"
			    " rdns = false\n forwardable = true\n"
			    "[realms]\n %s = {\n  kdc = 127.0.0.1:%d\n }\n"
			    "[domain_realm]\n 127.0.0.1 = %s\n",
		     T_KDC_REALM, T_KDC_REALM, k->port, T_KDC_REALM) < 0 ||
	    write_text(krb5, text) < 0)
		goto done;
	free(text);
	text = NULL;
	if (asprintf(&text, "[kdcdefaults]\n kdc_ports = %d\n kdc_tcp_ports = %d\n"
			    "[realms]\n %s = {\n  database_name = %s/principal\n"
			    "  key_stash_file = %s/stash\n  acl_file = %s/kadm5.acl\n }\n"
			    "[logging]\n kdc = FILE:%s/kdc.log\n",
		     k->port, k->port, T_KDC_REALM, k->dir, k->dir, k->dir, k->dir) < 0 ||
	    write_text(kdc, text) < 0)
		goto done;
	setenv("KRB5_CONFIG", krb5, 1);
	setenv("KRB5_KDC_PROFILE", kdc, 1);
	rc = 0;
done:
	free(text);
	free(krb5);
	free(kdc);
	return rc;
}

/* Starts krb5kdc on a free port: 0 when it accepts connections, 2 when it
 * exited at start (as when the port was taken before it bound it). */
static int launch(t_kdc *k)
{
	k->port = t_free_port();
	if (write_configs(k) < 0)
		return fail(k, -1, "cannot write the Kerberos configuration in %s", k->dir);
	pid_t self = getpid();
	k->pid = fork();
	if (k->pid == 0) {
		t_dies_with(self);
		if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout) ||
		    !freopen("/dev/null", "w", stderr))
			_exit(126);
		execl("/usr/sbin/krb5kdc", "krb5kdc", "-n", (char *)NULL);
		_exit(127);
	}
	int rc = t_wait_listening(&k->pid, k->port);
	if (rc == 2)
		return fail(k, 2, "krb5kdc exited at start (see %s/kdc.log)", k->dir);
	return rc < 0 ? fail(k, -1, "krb5kdc did not accept connections within 5 s") : 0;
}

int t_kdc_start(t_kdc *k, const char *user)
{
	char tmpl[] = "/tmp/carve-kdc.XXXXXX";

	memset(k, 0, sizeof(*k));
	k->pid = -1;
	if (access("/usr/sbin/krb5kdc", X_OK) != 0 || access("/usr/sbin/kadmin.local", X_OK) != 0 ||
	    access("/usr/bin/kinit", X_OK) != 0)
		return fail(k, 1, "no MIT Kerberos here (krb5-kdc, krb5-admin-server, krb5-user)");
	if (!mkdtemp(tmpl))
		return fail(k, -1, "mkdtemp: %s", strerror(errno));
	k->dir = strdup(tmpl);
	/* sshd's session, as the test user, reads krb5.conf here when it
	 * stores the tickets delegated to it; keytabs and the database stay
	 * 0600. */
	chmod(k->dir, 0755);
	k->host_keytab = t_path(k->dir, "host.keytab");
	k->user_keytab = t_path(k->dir, "user.keytab");
	k->ccache = t_path(k->dir, "ccache");
	setenv("KRB5_KTNAME", k->host_keytab, 1);
	if (write_configs(k) < 0 ||
	    t_sh("cd %s && touch kadm5.acl && kdb5_util -r %s -P carve-kdc-master create -s"
		 " >/dev/null 2>&1 && kadmin.local -r %s -q 'addprinc -randkey host/127.0.0.1'"
		 " >/dev/null 2>&1 && kadmin.local -r %s -q 'ktadd -k %s host/127.0.0.1'"
		 " >/dev/null 2>&1 && kadmin.local -r %s -q 'addprinc -randkey %s'"
		 " >/dev/null 2>&1 && kadmin.local -r %s -q 'ktadd -k %s %s' >/dev/null 2>&1",
		 k->dir, T_KDC_REALM, T_KDC_REALM, T_KDC_REALM, k->host_keytab, T_KDC_REALM, user,
		 T_KDC_REALM, k->user_keytab, user) != 0)
		return fail(k, -1, "cannot make the realm %s in %s", T_KDC_REALM, k->dir);
	/* A free port can be taken before the KDC binds it: try others. */
	int rc = 2;
	for (int tries = 0; tries < 5 && rc == 2; tries++)
		rc = launch(k);
	return rc == 2 ? -1 : rc;
}

int t_kdc_kinit(const t_kdc *k, const char *user)
{
	setenv("KRB5CCNAME", k->ccache, 1);
	return t_sh("kinit -f -k -t %s %s@%s >/dev/null 2>&1", k->user_keytab, user, T_KDC_REALM);
}

void t_kdc_stop(t_kdc *k)
{
	if (k->pid > 0) {
		kill(k->pid, SIGTERM);
		waitpid(k->pid, NULL, 0);
	}
	if (k->dir)
		t_sh("rm -rf '%s'", k->dir);
	unsetenv("KRB5_CONFIG");
	unsetenv("KRB5_KDC_PROFILE");
	unsetenv("KRB5_KTNAME");
	unsetenv("KRB5CCNAME");
	free(k->dir);
	free(k->host_keytab);
	free(k->user_keytab);
	free(k->ccache);
	memset(k, 0, sizeof(*k));
	k->pid = -1;
}
