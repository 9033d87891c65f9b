/*
 * test_ssh.c - the SSH transport against a real OpenSSH sshd on 127.0.0.1:
 * exit codes and signals, output caps, deadlines, channels on one
 * connection, host keys (known, unknown, accept-new, changed, other type),
 * every way to authenticate, a refused password tried once, and standard
 * input.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "sshd.h"
#include "support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static t_sshd sshd;
static char *known_hosts;
static char *host_entry; /* the known-hosts line for sshd's real key */

static char *entry_for(const char *pub_path)
{
	char *pub = t_read_file(pub_path, NULL);
	cr_assert_not_null(pub);
	pub[strcspn(pub, "\n")] = '\0';
	/* "ssh-ed25519 AAAA... comment" -> "[127.0.0.1]:PORT ssh-ed25519 AAAA..." */
	char *sp = strchr(strchr(pub, ' ') + 1, ' ');
	if (sp)
		*sp = '\0';
	char *line;
	cr_assert(asprintf(&line, "[127.0.0.1]:%d %s", sshd.port, pub) > 0);
	free(pub);
	return line;
}

static void setup(void)
{
	int rc = t_sshd_start(&sshd, NULL);
	if (rc == 1)
		cr_skip_test("%s", sshd.error);
	cr_assert_eq(rc, 0, "%s", sshd.error);
	known_hosts = t_path(sshd.dir, "carve_known_hosts");
	char *pub;
	cr_assert(asprintf(&pub, "%s.pub", sshd.host_key) > 0);
	host_entry = entry_for(pub);
	free(pub);
	char *text;
	cr_assert(asprintf(&text, "%s\n", host_entry) > 0);
	t_write_file(known_hosts, text);
	free(text);
	unsetenv("SSH_AUTH_SOCK");
}

static void teardown(void)
{
	t_sshd_stop(&sshd);
	free(known_hosts);
	free(host_entry);
}

TestSuite(ssh, .init = setup, .fini = teardown, .timeout = 60);

static carve_ssh_options opts(void)
{
	carve_ssh_options o = t_sshd_options(&sshd, known_hosts);

	o.connect_timeout_ms = 3000;
	o.auth_timeout_ms = 3000;
	return o;
}

static carve_ssh *connect_ok(const carve_ssh_options *o)
{
	carve_ssh *ssh = NULL;
	carve_hostkey key;
	int err = carve_ssh_connect(&ssh, &key, o);

	cr_assert_eq(err, 0, "%s", carve_error_last()->message);
	cr_assert_eq(key.state, CARVE_HOSTKEY_KNOWN);
	return ssh;
}

Test(ssh, exit_codes_stdout_stderr_and_signals)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = connect_ok(&o);
	carve_ssh_result r;

	cr_assert_eq(carve_ssh_exec(&r, ssh, "echo hello; echo oops >&2", 5000, 0), 0, "%s",
		     carve_error_last()->message);
	cr_assert(r.exited);
	cr_assert_eq(r.exit_status, 0);
	cr_assert_str_eq(r.out, "hello\n");
	cr_assert_str_eq(r.err, "oops\n");
	carve_ssh_result_done(&r);

	cr_assert_eq(carve_ssh_exec(&r, ssh, "exit 1", 5000, 0), 0);
	cr_assert(r.exited);
	cr_assert_eq(r.exit_status, 1);
	carve_ssh_result_done(&r);

	cr_assert_eq(carve_ssh_exec(&r, ssh, "kill -KILL $$", 5000, 0), 0, "%s",
		     carve_error_last()->message);
	cr_assert_not(r.exited && r.exit_status == 0, "death by signal read as success");
	cr_assert_str_eq(r.signal, "KILL");
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
}

Test(ssh, channels_share_one_connection)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = connect_ok(&o);
	char *first = NULL;

	for (int i = 0; i < 5; i++) {
		carve_ssh_result r;
		/* SSH_CONNECTION names the client's port: one connection, one port. */
		cr_assert_eq(carve_ssh_exec(&r, ssh, "echo $SSH_CONNECTION", 5000, 0), 0);
		if (!first)
			first = strdup(r.out);
		else
			cr_assert_str_eq(r.out, first);
		carve_ssh_result_done(&r);
	}
	free(first);
	carve_ssh_free(ssh);
}

Test(ssh, output_over_the_cap_is_truncated_and_flagged)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = connect_ok(&o);
	carve_ssh_result r;

	/* 3 MiB out, 100 KiB err, capped at 1 MiB and 64 KiB. */
	cr_assert_eq(carve_ssh_exec(&r, ssh, "head -c 3145728 /dev/zero | tr '\\0' a;"
				    "head -c 102400 /dev/zero | tr '\\0' e >&2", 10000,
				    1024 * 1024), 0, "%s", carve_error_last()->message);
	cr_assert_eq(r.out_len, 1024 * 1024);
	cr_assert(r.out_truncated);
	cr_assert_eq(r.out[0], 'a');
	cr_assert_eq(r.err_len, 102400);
	cr_assert_not(r.err_truncated);
	cr_assert_eq(r.exit_status, 0);
	carve_ssh_result_done(&r);

	cr_assert_eq(carve_ssh_exec(&r, ssh, "head -c 70000 /dev/zero", 5000, 65536), 0);
	cr_assert_eq(r.out_len, 65536);
	cr_assert(r.out_truncated);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

Test(ssh, a_command_past_its_deadline_is_abandoned)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = connect_ok(&o);
	carve_ssh_result r;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(carve_ssh_exec(&r, ssh, "echo started; sleep 8", 500, 0), CARVE_ETIMEOUT);
	double ms = ms_since(&t0);
	cr_assert(ms >= 450 && ms < 5000, "%.0f ms", ms);
	cr_assert_str_eq(r.out, "started\n", "output before the deadline is kept");
	cr_assert_not(r.exited);
	carve_ssh_result_done(&r);
	/* The session is not reused after an abandoned command. */
	cr_assert_neq(carve_ssh_exec(&r, ssh, "true", 1000, 0), 0);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
}

static void *fire_later(void *arg)
{
	nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
	carve_cancel_fire(arg);
	return NULL;
}

Test(ssh, cancel_interrupts_at_once)
{
	carve_ssh_options o = opts();
	carve_cancel *cancel;
	cr_assert_eq(carve_cancel_new(&cancel), 0);
	o.cancel = cancel;
	carve_ssh *ssh = connect_ok(&o);
	carve_ssh_result r;
	pthread_t t;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&t, NULL, fire_later, cancel);
	cr_assert_eq(carve_ssh_exec(&r, ssh, "sleep 8", 20000, 0), CARVE_ECANCELED);
	double ms = ms_since(&t0);
	pthread_join(t, NULL);
	cr_assert(ms < 2000, "cancel took %.0f ms", ms);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);

	/* A fired cancel stops new connections too. */
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), CARVE_ECANCELED);
	carve_cancel_free(cancel);
}

Test(ssh, a_dropped_connection_is_a_failure_not_success)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = connect_ok(&o);
	carve_ssh_result r;

	/* The shell's parent is the session's sshd: kill it mid-command. */
	int err = carve_ssh_exec(&r, ssh, "echo partial; kill -KILL $PPID; sleep 5", 5000, 0);
	cr_assert(err == CARVE_ENET || err == CARVE_ERROR, "err %d: %s", err,
		  carve_error_last()->message);
	cr_assert_not(r.exited && r.exit_status == 0);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
}

Test(ssh, unknown_host_key_is_refused_with_its_fingerprint)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;
	carve_hostkey key;

	t_write_file(known_hosts, "");
	cr_assert_eq(carve_ssh_connect(&ssh, &key, &o), CARVE_EHOSTKEY);
	cr_assert_null(ssh);
	cr_assert_eq(key.state, CARVE_HOSTKEY_UNKNOWN);
	const char *msg = carve_error_last()->message;
	cr_assert(strstr(msg, key.fingerprint) && !strncmp(key.fingerprint, "SHA256:", 7), "%s", msg);
	/* what to run, with the plan's name for the host (trust takes names,
	 * not addresses), or every host when it has none */
	cr_assert(strstr(msg, "with: carve trust PLAN") && !strstr(msg, "PLAN 127.0.0.1"), "%s",
		  msg);
	o.name = "MGMT01";
	cr_assert_eq(carve_ssh_connect(&ssh, &key, &o), CARVE_EHOSTKEY);
	cr_assert(strstr(carve_error_last()->message, "with: carve trust PLAN MGMT01"), "%s",
		  carve_error_last()->message);
	char *text = t_read_file(known_hosts, NULL);
	cr_assert_str_eq(text, "", "a refused key must not be recorded");
	free(text);
}

Test(ssh, accept_new_records_the_key_once)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;
	carve_hostkey key;

	unlink(known_hosts);
	o.host_keys = CARVE_HOSTKEYS_ACCEPT_NEW;
	cr_assert_eq(carve_ssh_connect(&ssh, &key, &o), 0, "%s", carve_error_last()->message);
	cr_assert_eq(key.state, CARVE_HOSTKEY_ADDED);
	carve_ssh_free(ssh);
	cr_assert_eq(carve_ssh_connect(&ssh, &key, &o), 0);
	cr_assert_eq(key.state, CARVE_HOSTKEY_KNOWN);
	carve_ssh_free(ssh);

	char *text = t_read_file(known_hosts, NULL);
	char *expect;
	cr_assert(asprintf(&expect, "%s\n", host_entry) > 0);
	cr_assert_str_eq(text, expect);
	free(expect);
	free(text);
}

typedef struct {
	int calls;
	carve_hostkey key;
} seen_bad;

static void on_bad(const char *host, uint16_t port, const carve_hostkey *key, void *ctx)
{
	seen_bad *s = ctx;

	cr_assert_str_eq(host, "127.0.0.1");
	cr_assert_eq(port, sshd.port);
	s->calls++;
	s->key = *key;
}

static void expect_refused(carve_hostkey_state state)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;
	carve_hostkey key;
	seen_bad seen = { 0 };

	/* Even accept-new never accepts a changed key. */
	o.host_keys = CARVE_HOSTKEYS_ACCEPT_NEW;
	o.on_bad_hostkey = on_bad;
	o.ctx = &seen;
	cr_assert_eq(carve_ssh_connect(&ssh, &key, &o), CARVE_EHOSTKEY);
	cr_assert_null(ssh);
	cr_assert_eq(key.state, state);
	cr_assert_eq(seen.calls, 1);
	cr_assert_str_eq(seen.key.fingerprint, key.fingerprint);
	cr_assert(strstr(carve_error_last()->message, "HOST KEY"), "%s",
		  carve_error_last()->message);
}

Test(ssh, changed_host_key_is_refused_and_reported)
{
	char *pub, *line, *text;

	cr_assert(asprintf(&pub, "%s.pub", sshd.other_key) > 0);
	line = entry_for(pub);
	cr_assert(asprintf(&text, "%s\n", line) > 0);
	t_write_file(known_hosts, text);
	expect_refused(CARVE_HOSTKEY_CHANGED);
	free(pub);
	free(line);
	free(text);
}

Test(ssh, a_key_of_another_type_is_refused_and_reported)
{
	char *key = t_path(sshd.dir, "ecdsa"), *pub, *line, *text;

	cr_assert_eq(t_sh("ssh-keygen -q -t ecdsa -N '' -f %s", key), 0);
	cr_assert(asprintf(&pub, "%s.pub", key) > 0);
	line = entry_for(pub);
	cr_assert(asprintf(&text, "%s\n", line) > 0);
	t_write_file(known_hosts, text);
	expect_refused(CARVE_HOSTKEY_OTHER);
	free(key);
	free(pub);
	free(line);
	free(text);
}

Test(ssh, wrong_key_is_refused_clearly)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;

	o.key_file = sshd.other_key;
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), CARVE_EAUTH);
	cr_assert(strstr(carve_error_last()->message, "authentication refused"), "%s",
		  carve_error_last()->message);
}

Test(ssh, an_encrypted_key_file_points_at_the_agent)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;
	char *enc = t_path(sshd.dir, "encrypted");

	cr_assert_eq(t_sh("cp %s %s && ssh-keygen -q -p -N secret-pass -f %s >/dev/null", sshd.client_key,
			  enc, enc), 0);
	o.key_file = enc;
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), CARVE_EAUTH);
	cr_assert(strstr(carve_error_last()->message, "ssh-agent"), "%s",
		  carve_error_last()->message);
	free(enc);
}

Test(ssh, agent_authentication)
{
	carve_ssh_options o = opts();
	char *sock = t_path(sshd.dir, "agent.sock");
	carve_ssh *ssh = NULL;

	/* The agent ends itself even if an assertion below ends the test. */
	cr_assert_eq(t_sh("(timeout 60 ssh-agent -D -a %s >/dev/null 2>&1 &);"
			  " for i in $(seq 100); do [ -S %s ] && exit 0; sleep 0.05; done;"
			  " exit 1", sock, sock), 0);
	cr_assert_eq(t_sh("SSH_AUTH_SOCK=%s ssh-add -q %s 2>/dev/null", sock, sshd.client_key), 0);
	o.auth = CARVE_AUTH_AGENT;
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), CARVE_EAUTH, "no agent: refused");
	setenv("SSH_AUTH_SOCK", sock, 1);
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), 0, "%s", carve_error_last()->message);
	carve_ssh_result r;
	cr_assert_eq(carve_ssh_exec(&r, ssh, "id -un", 5000, 0), 0);
	cr_assert_eq(strncmp(r.out, sshd.user, strlen(sshd.user)), 0);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
	t_sh("pkill -f 'ssh-agent -D -a %s'", sock);
	unsetenv("SSH_AUTH_SOCK");
	free(sock);
}

Test(ssh, scan_reports_without_enforcing)
{
	carve_ssh_options o = opts();
	carve_hostkey key;

	cr_assert_eq(carve_ssh_scan(&key, &o), 0, "%s", carve_error_last()->message);
	cr_assert_eq(key.state, CARVE_HOSTKEY_KNOWN);
	cr_assert_str_eq(key.entry, host_entry);
	t_write_file(known_hosts, "");
	cr_assert_eq(carve_ssh_scan(&key, &o), 0);
	cr_assert_eq(key.state, CARVE_HOSTKEY_UNKNOWN);
	cr_assert_str_eq(key.type, "ssh-ed25519");
}

#define PASSWORD "Carve-Test-9"

static void set_password(void)
{
	cr_assert_eq(t_sh("flock /tmp/carve-sshd-test.lock sh -c \"echo '%s:" PASSWORD "' | "
			  "chpasswd\"", sshd.user), 0);
}

Test(ssh, password_logon)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;
	carve_ssh_result r;

	set_password();
	o.auth = CARVE_AUTH_PASSWORD;
	o.key_file = NULL;
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), CARVE_EAUTH, "no password: refused");
	cr_assert(strstr(carve_error_last()->message, "no password"), "%s",
		  carve_error_last()->message);
	o.password = "Wrong-Guess-4";
	o.password_len = strlen(o.password);
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), CARVE_EAUTH);
	cr_assert(strstr(carve_error_last()->message, "did not accept the password"), "%s",
		  carve_error_last()->message);
	cr_assert_null(strstr(carve_error_last()->message, "Wrong-Guess"), "a password in a message");
	o.password = PASSWORD;
	o.password_len = strlen(PASSWORD);
	cr_assert_eq(carve_ssh_connect(&ssh, NULL, &o), 0, "%s", carve_error_last()->message);
	cr_assert_eq(carve_ssh_exec(&r, ssh, "id -un", 5000, 0), 0);
	cr_assert_eq(strncmp(r.out, sshd.user, strlen(sshd.user)), 0);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
}

/* A plan whose one account logs on to the test sshd with a password. */
static carve_plan *password_plan(void)
{
	return t_one_host_plan("{ name: ops, user: 'CONTOSO\\carve-sshd-test' }");
}

/* Options from the plan, to the test sshd as its local user. */
static carve_ssh_options plan_opts(const carve_plan *plan)
{
	carve_ssh_options o;

	carve_ssh_options_from_plan(&o, plan, 0, "127.0.0.1", (uint16_t)sshd.port);
	o.user = sshd.user; /* sshd knows no CONTOSO */
	o.known_hosts = known_hosts;
	return o;
}

typedef struct {
	const carve_plan *plan;
	int err;
	char message[512];
} logon_try;

static void *try_logon(void *arg)
{
	logon_try *t = arg;
	carve_ssh_options o = plan_opts(t->plan);
	carve_ssh *ssh = NULL;

	t->err = carve_ssh_connect(&ssh, NULL, &o);
	snprintf(t->message, sizeof(t->message), "%s", t->err ? carve_error_last()->message : "");
	carve_ssh_free(ssh);
	return NULL;
}

Test(ssh, a_refused_password_is_tried_once_not_once_per_host)
{
	carve_plan *plan = password_plan();
	logon_try tries[6];
	pthread_t threads[6];
	int refused = 0, not_tried = 0;

	set_password();
	cr_assert_eq(carve_plan_set_password(plan, 0, "Wrong-Guess-4", 13), 0);
	for (int i = 0; i < 6; i++) {
		tries[i] = (logon_try){ plan, 0, "" };
		cr_assert_eq(pthread_create(&threads[i], NULL, try_logon, &tries[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(threads[i], NULL);
		cr_assert_eq(tries[i].err, CARVE_EAUTH, "%s", tries[i].message);
		cr_assert_null(strstr(tries[i].message, "Wrong-Guess"));
		refused += strstr(tries[i].message, "did not accept the password") != NULL;
		not_tried += strstr(tries[i].message, "not tried") != NULL;
	}
	cr_assert_eq(refused, 1, "one logon tried the password, %d did", refused);
	cr_assert_eq(not_tried, 5);

	/* A new password is tried again, and then by everyone at once. */
	cr_assert_eq(carve_plan_set_password(plan, 0, PASSWORD, strlen(PASSWORD)), 0);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, try_logon, &tries[i]), 0);
	for (int i = 0; i < 6; i++) {
		pthread_join(threads[i], NULL);
		cr_assert_eq(tries[i].err, 0, "%s", tries[i].message);
	}
	carve_plan_free(plan);
}

Test(ssh, standard_input_reaches_the_command_and_ends)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = connect_ok(&o);
	carve_ssh_result r;
	size_t big_len = 300 * 1000;
	char *big = malloc(big_len);

	cr_assert_eq(carve_ssh_exec_input(&r, ssh, "cat", "line one\nline two\n", 18, 5000, 0), 0,
		     "%s", carve_error_last()->message);
	cr_assert_str_eq(r.out, "line one\nline two\n");
	carve_ssh_result_done(&r);

	/* More than one window's worth comes back whole. */
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	cr_assert_eq(carve_ssh_exec_input(&r, ssh, "cat", big, big_len, 10000, 0), 0, "%s",
		     carve_error_last()->message);
	cr_assert_eq(r.out_len, big_len);
	cr_assert_eq(memcmp(r.out, big, big_len), 0);
	carve_ssh_result_done(&r);

	/* Without input, standard input is closed at once: cat ends. */
	cr_assert_eq(carve_ssh_exec(&r, ssh, "cat; echo done", 5000, 0), 0, "%s",
		     carve_error_last()->message);
	cr_assert_str_eq(r.out, "done\n");
	carve_ssh_result_done(&r);

	/* A command that reads nothing still ends cleanly. */
	cr_assert_eq(carve_ssh_exec_input(&r, ssh, "exit 3", "ignored\n", 8, 5000, 0), 0);
	cr_assert_eq(r.exit_status, 3);
	carve_ssh_result_done(&r);
	carve_ssh_free(ssh);
	free(big);
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

Test(ssh, no_socket_outlives_its_session)
{
	carve_ssh_options o = opts();
	carve_ssh *ssh = NULL;
	carve_ssh_result r;
	int before = open_fds();

	for (int i = 0; i < 3; i++) {
		/* clean: connect, run, disconnect */
		ssh = connect_ok(&o);
		cr_assert_eq(carve_ssh_exec(&r, ssh, "true", 5000, 0), 0);
		carve_ssh_result_done(&r);
		carve_ssh_free(ssh);
		/* abandoned: the command outlives its deadline */
		ssh = connect_ok(&o);
		cr_assert_eq(carve_ssh_exec(&r, ssh, "sleep 8", 100, 0), CARVE_ETIMEOUT);
		carve_ssh_result_done(&r);
		carve_ssh_free(ssh);
		/* refused at authentication, and at key exchange */
		carve_ssh_options bad = o;
		bad.key_file = sshd.other_key;
		cr_assert_eq(carve_ssh_connect(&ssh, NULL, &bad), CARVE_EAUTH);
		bad = o;
		bad.key_exchange = "diffie-hellman-group1-sha1";
		cr_assert_lt(carve_ssh_connect(&ssh, NULL, &bad), 0);
	}
	cr_assert_eq(open_fds(), before, "%d descriptors before, %d after", before, open_fds());
}
