/*
 * test_trust.c - carve trust against a real sshd: new keys are shown and
 * recorded only after confirmation, known keys are left alone, and a
 * changed key is refused, never recorded, and written to the audit log.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "sshd.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static t_sshd sshd;
static char *plan, *known_hosts, *db;

static void setup(void)
{
	int rc = t_sshd_start(&sshd, NULL);
	if (rc == 1)
		cr_skip_test("%s", sshd.error);
	cr_assert_eq(rc, 0, "%s", sshd.error);
	plan = t_path(sshd.dir, "site.yaml");
	known_hosts = t_path(sshd.dir, "known_hosts");
	db = t_path(sshd.dir, "audit.db");
	char *text;
	cr_assert(asprintf(&text,
		"site:\n"
		"  name: Trust test\n"
		"  source: { netbios: FABRIKAM, dns: fabrikam.local }\n"
		"  target: { netbios: CONTOSO, dns: contoso.com, ou: \"OU=M,DC=contoso,DC=com\" }\n"
		"  migrator: svc_migrator\n"
		"accounts:\n"
		"  - { name: desk, user: 'FABRIKAM\\%s', auth: key, key_file: %s }\n"
		"transport:\n"
		"  account: desk\n"
		"  known_hosts: known_hosts\n"
		"  timeouts: { connect: 3s }\n"
		"exec_hosts:\n"
		"  - { name: MGMT01, role: management, address: 127.0.0.1, port: %d,"
		" account: desk }\n"
		"floors:\n"
		"  - name: F1\n"
		"    map: |\n"
		"      +------+\n"
		"      | A1   |\n"
		"      +------+\n"
		"chunks:\n"
		"  - { name: wave1, cutover: \"2026-12-05T22:00:00Z\" }\n"
		"users:\n"
		"  - { name: anna.berg, chunk: wave1 }\n"
		"machines:\n"
		"  - { name: WS-01, address: 127.0.0.1, port: %d, os: \"10\", floor: F1,"
		" marker: A1, user: anna.berg, chunk: wave1 }\n",
		sshd.user, sshd.client_key, sshd.port, sshd.port) > 0);
	t_write_file(plan, text);
	free(text);
}

static void teardown(void)
{
	t_sshd_stop(&sshd);
	free(plan);
	free(known_hosts);
	free(db);
}

TestSuite(trust, .init = setup, .fini = teardown, .timeout = 60);

static t_result trust(const char *input, const char *extra)
{
	const char *argv[] = { CARVE_BIN, "trust", plan, "--db", db, extra, NULL };
	return t_run(argv, input);
}

Test(trust, new_keys_need_confirmation)
{
	t_result r = trust("n\n", NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "SHA256:"), "%s", r.out);
	cr_assert(strstr(r.out, "2 hosts: 0 known, 2 new"), "%s", r.out);
	cr_assert(strstr(r.out, "nothing recorded"), "%s", r.out);
	char *text = t_read_file(known_hosts, NULL);
	cr_assert_null(text, "declined, yet the file was written");
	t_result_done(&r);

	r = trust("y\n", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "recorded 2 keys"), "%s", r.out);
	t_result_done(&r);
	text = t_read_file(known_hosts, NULL);
	cr_assert_not_null(text);
	/* Both hosts are the same endpoint here: one line, not two. */
	cr_assert_eq(strchr(text, '\n'), text + strlen(text) - 1, "%s", text);
	cr_assert(strstr(text, "ssh-ed25519 "));
	free(text);

	r = trust("", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "2 hosts: 2 known, 0 new"), "%s", r.out);
	t_result_done(&r);
}

Test(trust, a_changed_key_is_refused_and_audited)
{
	char *line, *pub_path;
	cr_assert(asprintf(&pub_path, "%s.pub", sshd.other_key) > 0);
	char *pub = t_read_file(pub_path, NULL);
	cr_assert_not_null(pub);
	free(pub_path);
	*strrchr(pub, ' ') = '\0'; /* drop the comment */
	cr_assert(asprintf(&line, "[127.0.0.1]:%d %s\n", sshd.port, pub) > 0);
	t_write_file(known_hosts, line);

	t_result r = trust("y\n", "--yes");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "CHANGED"), "%s", r.out);
	cr_assert(strstr(r.err, "audit log"), "%s", r.err);
	t_result_done(&r);
	char *text = t_read_file(known_hosts, NULL);
	cr_assert_str_eq(text, line, "a changed key must never be replaced");
	free(text);

	const char *log[] = { CARVE_BIN, "log", "--db", db, "--format", "csv", NULL };
	r = t_run(log, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ",hostkey,wave1,WS-01,"), "%s", r.out);
	cr_assert(strstr(r.out, ",hostkey,,MGMT01,"), "%s", r.out);
	t_result_done(&r);
	free(line);
	free(pub);
}

Test(trust, names_must_come_from_the_plan)
{
	const char *argv[] = { CARVE_BIN, "trust", plan, "WS-99", NULL };
	t_result r = t_run(argv, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "no machine or exec host 'WS-99'"), "%s", r.err);
	t_result_done(&r);
}
