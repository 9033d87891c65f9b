/*
 * test_passwords.c - where carve's commands get the passwords they log on
 * with: without a terminal a missing one stops the command before anything
 * is connected or written; --password-fd and password files, refused with
 * the reason and never the secret; and on a real terminal (tmux) one
 * prompt per distinct account, nothing echoed, the echo back after Ctrl-C.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "screen.h"
#include "support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *tmp, *plan;

static void setup(void)
{
	tmp = t_tmpdir();
	plan = t_data("cli/site.yaml");
	/* The default audit database would land here. */
	setenv("XDG_STATE_HOME", tmp, 1);
	t_screen_init(tmp);
}

static void teardown(void)
{
	t_screen_done();
	t_rm_rf(tmp);
	free(tmp);
	free(plan);
}

TestSuite(passwords, .init = setup, .fini = teardown, .timeout = 60);

/* Nothing but the files the test itself wrote in tmp. */
static void assert_nothing_written(const char *mine)
{
	DIR *d = opendir(tmp);
	struct dirent *e;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		cr_assert(e->d_name[0] == '.' || (mine && strstr(mine, e->d_name)),
			  "carve wrote %s", e->d_name);
	closedir(d);
}

static const char missing[] =
	"carve: account ops (CONTOSO\\svc_targetmigrator) needs a password: run carve on a "
	"terminal, or give it with --password-fd or a password_file\n";

Test(passwords, no_terminal_and_no_password_stops_before_anything)
{
	const char *check[] = { CARVE_BIN, "check", plan, NULL };
	const char *run[] = { CARVE_BIN, "run", plan, "--chunk", "wave1", NULL };
	t_result r = t_run(check, NULL);

	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_str_eq(r.err, missing);
	cr_assert_str_eq(r.out, "");
	t_result_done(&r);
	r = t_run(run, NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_str_eq(r.err, missing);
	t_result_done(&r);
	assert_nothing_written(NULL);
}

Test(passwords, the_descriptor_refused_by_line_never_by_text)
{
	const char *bad_fd[] = { CARVE_BIN, "check", plan, "--password-fd", "x", NULL };
	const char *closed_fd[] = { CARVE_BIN, "check", plan, "--password-fd", "9", NULL };
	const char *fd0[] = { CARVE_BIN, "check", plan, "--password-fd", "0", NULL };
	t_result r = t_run(bad_fd, NULL);

	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--password-fd needs a file descriptor number, not 'x'"), "%s",
		  r.err);
	t_result_done(&r);
	r = t_run(closed_fd, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--password-fd 9: no such open file descriptor"), "%s", r.err);
	t_result_done(&r);

	r = t_run(fd0, "ops:Ops-Pw-1\nopz:Typo-Secret-9\n");
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_str_eq(r.err, "carve: password descriptor, line 2: it names no account of the "
				"plan that logs on with a password (ops)\n");
	cr_assert(!strstr(r.err, "opz"), "what the line named is not repeated");
	t_result_done(&r);
	assert_nothing_written(NULL);
}

Test(passwords, a_password_file_others_can_read_is_refused)
{
	char *site = t_read_file(plan, NULL), *text, *copy = t_path(tmp, "site.yaml");
	char *pw = t_path(tmp, "ops.pw");
	const char *check[] = { CARVE_BIN, "check", copy, NULL };
	const char *from = "{ name: ops, user: 'CONTOSO\\svc_targetmigrator' }";
	char *at = strstr(site, from);

	cr_assert_not_null(at);
	*at = '\0';
	cr_assert(asprintf(&text, "%s{ name: ops, user: 'CONTOSO\\svc_targetmigrator', "
			   "password_file: ops.pw }%s", site, at + strlen(from)) > 0);
	t_write_file(copy, text);
	t_write_file(pw, "Ops-Pw-File-2\n");
	cr_assert_eq(chmod(pw, 0644), 0);
	t_result r = t_run(check, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, pw), "the file is named: %s", r.err);
	cr_assert(strstr(r.err, "can be read or written by others (mode 0644): chmod 600"), "%s",
		  r.err);
	cr_assert_null(strstr(r.err, "Ops-Pw-File"));
	t_result_done(&r);
	/* validate says so too, before the night */
	const char *validate[] = { CARVE_BIN, "validate", copy, NULL };
	r = t_run(validate, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "can be read or written by others (mode 0644): chmod 600"), "%s",
		  r.err);
	cr_assert_null(strstr(r.err, "Ops-Pw-File"));
	cr_assert_null(strstr(r.out, "Ops-Pw-File"));
	t_result_done(&r);
	assert_nothing_written("site.yaml ops.pw");
	free(text);
	free(site);
	free(copy);
	free(pw);
}

/* A plan whose lead console needs three passwords, two of them for the
 * same domain account: two prompts. */
static char *three_account_plan(void)
{
	char *site = t_read_file(plan, NULL), *text, *copy = t_path(tmp, "three.yaml");
	char *accounts = strstr(site, "accounts:\n"), *execs = strstr(site, "exec_hosts:\n");

	cr_assert(accounts && execs);
	*accounts = '\0';
	*execs = '\0';
	cr_assert(asprintf(&text,
			   "%saccounts:\n"
			   "  - { name: ops, user: 'CONTOSO\\svc_targetmigrator' }\n"
			   "  - { name: ops2, user: 'contoso\\SVC_targetmigrator' }\n"
			   "  - { name: src, user: 'FABRIKAM\\carve-src' }\n"
			   "  - { name: desk, user: carve-ws@fabrikam.local, auth: key, key_file: k }\n"
			   "transport: { account: desk }\n"
			   "exec_hosts:\n"
			   "  - { name: MGMT01, role: management, address: 127.0.0.1, account: ops }\n"
			   "  - { name: MGMT02, role: management, address: 127.0.0.1, account: ops2 }\n"
			   "%s",
			   site, strstr(execs + 1, "\nfloors:") + 1) > 0);
	cr_assert_not_null(strstr(text, "floors:"));
	/* The source organisation's account. */
	char *src = strstr(text, "dns: fabrikam.local }");
	cr_assert_not_null(src);
	char *final;
	*src = '\0';
	cr_assert(asprintf(&final, "%sdns: fabrikam.local, account: src }%s", text,
			   src + strlen("dns: fabrikam.local }")) > 0);
	t_write_file(copy, final);
	free(final);
	free(text);
	free(site);
	return copy;
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

Test(passwords, one_prompt_per_account_and_nothing_echoed)
{
	char *copy = three_account_plan(), *db = t_path(tmp, "audit.db"), args[2048], *s;

	snprintf(args, sizeof(args), "--db %s %s", db, copy);
	t_screen_start("p", 100, 30, "LANG=C.UTF-8", args);
	free(t_screen_wait("p", "Password for CONTOSO\\svc_targetmigrator (accounts ops, ops2):"));
	t_tmux("send-keys -t p -l Typed-Secret-One");
	t_pause_ms(200);
	s = t_screen("p", false);
	cr_assert_null(strstr(s, "Typed-Secret"), "echoed:\n%s", s);
	free(s);
	t_tmux("send-keys -t p Enter");
	free(t_screen_wait("p", "Password for FABRIKAM\\carve-src (account src):"));
	t_tmux("send-keys -t p -l Typed-Secret-Two");
	t_tmux("send-keys -t p Enter");
	/* Both given: the console opens on the plan. */
	s = t_screen_wait("p", "wave1");
	cr_assert_null(strstr(s, "Typed-Secret"), "%s", s);
	cr_assert_null(strstr(s, "Password for"), "the console draws over the prompts:\n%s", s);
	free(s);
	/* Back on the shell's screen: two prompts for three accounts, and
	 * nothing that was typed. */
	t_tmux("send-keys -t p Q");
	s = t_screen_wait("p", "carve exited with status 0");
	cr_assert_eq(count(s, "Password for"), 2, "%s", s);
	cr_assert_null(strstr(s, "Typed-Secret"), "%s", s);
	free(s);
	free(copy);
	free(db);
}

Test(passwords, ctrl_c_at_the_prompt_gives_the_echo_back)
{
	char *copy = three_account_plan(), args[2048], *s;

	/* What the terminal's echo is once carve has gone.  The shell
	 * ignores Ctrl-C, as an interactive one would, and carve takes it
	 * anyway. */
	snprintf(args, sizeof(args), "%s; echo status=$?; stty -a | tr \" ;\" \"\\n\\n\" | "
		 "grep -x -e echo -e -echo | sed s/^/tty-/", copy);
	t_screen_start("c", 100, 30, "trap \"\" INT; LANG=C.UTF-8", args);
	free(t_screen_wait("c", "Password for CONTOSO\\svc_targetmigrator"));
	t_tmux("send-keys -t c -l Half-Typed");
	t_tmux("send-keys -t c C-c");
	s = t_screen_wait("c", "tty-");
	cr_assert(strstr(s, "status=130"), "%s", s);
	cr_assert(strstr(s, "tty-echo"), "echo still off after Ctrl-C:\n%s", s);
	cr_assert_null(strstr(s, "tty--echo"), "%s", s);
	cr_assert_null(strstr(s, "Half-Typed"), "%s", s);
	free(s);
	free(copy);
}
