/*
 * test_plan.c - the site plan loader: every valid plan loads with the
 * values it says (and the spec's defaults where it says nothing); every
 * invalid plan gives exactly the diagnostics in its .expect file; hostile
 * inputs are refused quickly.
 */
#include "commands.h"
#include "internal.h"
#include "plan_internal.h"
#include "support.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PLANS CARVE_TEST_DATA "/plans"

/* ------------------------------------------------------------- helpers */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static carve_plan *load_ok(const char *path)
{
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	int err = carve_plan_load(&plan, &diags, path);

	for (size_t i = 0; i < carve_diags_count(diags); i++) {
		const carve_diag *d = carve_diags_get(diags, i);
		cr_log_error("%s:%u:%u: %s", d->file, d->line, d->col, d->message);
	}
	cr_assert_eq(err, 0, "%s: %s", path, carve_error_last()->message);
	cr_assert_not_null(plan);
	cr_assert_null(diags);
	return plan;
}

/* The diagnostics as "LINE:COL: message\n" lines (owned), each checked to
 * name file. */
static char *diag_lines(const carve_diags *diags, const char *file)
{
	carve_buf out = CARVE_BUF_INIT;

	carve_buf_puts(&out, ""); /* "" rather than NULL when there are none */
	for (size_t i = 0; i < carve_diags_count(diags); i++) {
		const carve_diag *d = carve_diags_get(diags, i);
		cr_expect_str_eq(d->file, file);
		carve_buf_printf(&out, "%u:%u: %s\n", d->line, d->col, d->message);
	}
	return out.ptr;
}

/* Loads buf, expecting it refused; returns diag_lines(). */
static char *load_bad(const char *buf, size_t len, double *seconds)
{
	carve_plan *plan = (carve_plan *)1;
	carve_diags *diags = NULL;
	double t0 = now_s();
	int err = carve_plan_load_buffer(&plan, &diags, "bad.yaml", buf, len);

	if (seconds)
		*seconds = now_s() - t0;
	cr_assert_eq(err, CARVE_EINVALID);
	cr_assert_null(plan);
	cr_assert_gt(carve_diags_count(diags), 0);
	char *lines = diag_lines(diags, "bad.yaml");
	carve_diags_free(diags);
	return lines;
}

static const char *const minimal_head =
	"site:\n"
	"  name: Test\n"
	"  source: {netbios: FABRIKAM, dns: fabrikam.local}\n"
	"  target: {netbios: CONTOSO, dns: contoso.com, ou: \"OU=W,DC=contoso,DC=com\"}\n"
	"  migrator: svc_migrator\n"
	"floors:\n"
	"  - name: F1\n"
	"    map: |\n"
	"      [A1] [A2]\n"
	"machines: []\n"
	"chunks:\n"
	"  - {name: wave1, cutover: \"2026-12-05T22:00:00Z\"}\n";

/* ------------------------------------------------------------- valid */

Test(plan, every_valid_plan_loads)
{
	DIR *dir = opendir(PLANS "/valid");
	struct dirent *e;
	unsigned n = 0;

	cr_assert_not_null(dir);
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		char *path = t_path(PLANS "/valid", e->d_name);
		carve_plan *plan = load_ok(path);
		cr_expect_str_eq(carve_plan_path(plan), path);
		cr_expect_eq(strlen(carve_plan_hash(plan)), 64);
		carve_plan_free(plan);
		free(path);
		n++;
	}
	closedir(dir);
	cr_assert_geq(n, 2);
}

Test(plan, full_plan_values)
{
	carve_plan *plan = load_ok(PLANS "/valid/full.yaml");
	const carve_site *site = carve_plan_site(plan);
	const carve_mail *mail = carve_plan_mail(plan);
	const carve_policy *pol = carve_plan_policy(plan);
	const carve_transport *t = carve_plan_transport(plan);
	size_t n;

	cr_expect_str_eq(site->name, "Fabrikam carve-out");
	cr_expect_str_eq(site->source.netbios, "FABRIKAM");
	cr_expect_str_eq(site->source.dns, "fabrikam.local");
	cr_expect_str_eq(site->target.dns, "contoso.com");
	cr_expect_str_eq(site->target_ou, "OU=Migrated,OU=Workstations,DC=contoso,DC=com");
	cr_expect_str_eq(site->migrator, "svc_targetmigrator");
	cr_expect_str_eq(site->database, PLANS "/valid/state/carve.db");

	cr_expect_str_eq(mail->source_namespace, "mail.fabrikam.com");
	cr_expect_str_eq(mail->target_mailbox_server, "10.20.0.15");
	cr_expect_str_eq(mail->target_cas, "outlook.contoso.com");
	cr_expect_eq(mail->bad_item_limit, 200);

	cr_expect_eq(pol->min_free_disk, UINT64_C(2) << 30);
	cr_expect_eq(pol->update_headroom, UINT64_C(500000000));
	cr_assert_eq(pol->hotfix_count[CARVE_OS_XP], 2);
	cr_expect_str_eq(pol->hotfixes[CARVE_OS_XP][1], "KB944505");
	cr_assert_eq(pol->hotfix_count[CARVE_OS_7], 1);
	cr_expect_str_eq(pol->hotfixes[CARVE_OS_7][0], "KB2999226");
	cr_expect_eq(pol->hotfix_count[CARVE_OS_10], 0);
	cr_expect_not(pol->disable_source_accounts);

	const carve_account *acc = carve_plan_accounts(plan, &n);
	cr_assert_eq(n, 4);
	cr_expect_str_eq(acc[0].name, "migrator");
	cr_expect_str_eq(acc[0].user, "CONTOSO\\svc_targetmigrator");
	cr_expect_eq(acc[0].auth, CARVE_AUTH_PASSWORD);
	cr_expect_str_eq(acc[0].password_file, PLANS "/valid/secrets/migrator.pw");
	cr_expect_null(acc[0].key_file);
	cr_expect_str_eq(acc[1].user, "carve-src@fabrikam.local");
	cr_expect_eq(acc[1].auth, CARVE_AUTH_PASSWORD, "password is the default");
	cr_expect_null(acc[1].password_file);
	cr_expect_eq(acc[2].auth, CARVE_AUTH_KEY);
	cr_expect_str_eq(acc[2].key_file, PLANS "/valid/keys/carve_ed25519");
	cr_expect_eq(acc[3].auth, CARVE_AUTH_AGENT);
	cr_expect_eq(carve_plan_find_account(plan, "desk"), 2);
	cr_expect_eq(carve_plan_find_account(plan, "Desk"), CARVE_NONE, "ids keep their case");
	cr_expect_eq(site->source.account, 1);
	cr_expect_eq(site->target.account, CARVE_NONE);
	cr_expect_eq(t->account, 2);
	cr_expect_str_eq(t->known_hosts, "/etc/carve/known_hosts");
	cr_expect_eq(t->host_keys, CARVE_HOSTKEYS_ACCEPT_NEW);
	cr_expect(t->use_ssh_config);
	cr_expect_eq(t->port, 2222);
	cr_expect_eq(t->connect_timeout_ms, 1500);
	cr_expect_eq(t->auth_timeout_ms, 20000);
	cr_expect_eq(t->command_timeout_ms, 300000);
	cr_expect_eq(t->concurrency, 128);
	cr_expect_eq(t->probe, CARVE_PROBE_TCP);
	cr_expect_eq(t->sweep_interval_ms, 2);

	const carve_exec_host *ex = carve_plan_exec_hosts(plan, &n);
	cr_assert_eq(n, 3);
	cr_expect_eq(ex[0].role, CARVE_ROLE_ADMT);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(ex[i].account, 0);
	cr_expect_eq(ex[0].concurrency, 4);
	cr_expect_eq(ex[0].port, 0);
	cr_expect_eq(ex[1].port, 2022);
	cr_expect_eq(ex[1].concurrency, 2);
	cr_expect_str_eq(ex[2].address, "fd00::10");

	const carve_floor *fl = carve_plan_floors(plan, &n);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(fl[0].title, "First floor");
	cr_assert_eq(fl[0].row_count, 4);
	cr_expect_str_eq(fl[0].rows[2], "| B1   B2   Ø3   |");
	cr_expect_eq(fl[0].width, 18);
	cr_expect_null(fl[1].title);
	cr_expect_eq(fl[1].row_count, 1);

	const carve_machine *m = carve_plan_machines(plan, &n);
	cr_assert_eq(n, 4);
	/* marker A1: row 2, column 3 (0-based 2, 1) */
	cr_expect_eq(m[0].x, 2);
	cr_expect_eq(m[0].y, 1);
	cr_expect_eq(m[0].os, CARVE_OS_XP);
	cr_expect_eq(m[0].reach, CARVE_REACH_VIA);
	cr_expect_eq(m[0].via, 2);
	cr_expect_eq(m[0].user, 0);
	cr_expect_eq(m[0].outlook, 2003);
	/* at: [8, 2] */
	cr_expect_eq(m[1].x, 7);
	cr_expect_eq(m[1].y, 1);
	cr_expect_eq(m[1].os, CARVE_OS_10);
	cr_expect_eq(m[1].user, 1, "user ADoe resolves to adoe ignoring case");
	cr_expect_eq(m[1].via, CARVE_NONE);
	cr_expect_eq(m[1].port, 2200);
	cr_expect_eq(m[1].outlook, 0);
	/* marker Ø3 after a multi-byte character: columns count characters */
	cr_expect_eq(m[2].x, 12);
	cr_expect_eq(m[2].y, 2);
	cr_expect_eq(m[2].user, CARVE_NONE);
	cr_expect_eq(m[2].chunk, 1);
	cr_expect_eq(m[3].floor, 1);
	cr_expect_eq(m[3].x, 9);
	cr_expect_eq(m[3].y, 0);

	const carve_user *u = carve_plan_users(plan, &n);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(u[0].display_name, "John Smith");
	cr_expect_str_eq(u[0].email, "jsmith@fabrikam.com");
	cr_expect_str_eq(u[0].activesync, "iPhone");
	cr_expect_null(u[1].email);
	cr_expect_eq(u[2].chunk, 1);

	const carve_chunk *c = carve_plan_chunks(plan, &n);
	cr_assert_eq(n, 2);
	cr_expect_eq(c[0].cutover, (time_t)1796508000); /* 2026-12-05T22:00:00Z */
	cr_expect_str_eq(c[0].cutover_text, "2026-12-05T22:00:00Z");
	cr_expect_eq(c[1].cutover, (time_t)1797114600); /* 2026-12-12T22:30:00Z */
	cr_expect_null(c[1].title);

	const carve_teardown_item *td = carve_plan_teardown(plan, &n);
	cr_assert_eq(n, 2);
	cr_expect_eq(td[0].verify, CARVE_VERIFY_MX);
	cr_expect_eq(td[1].area, CARVE_AREA_AD);
	cr_expect_eq(td[1].verify, CARVE_VERIFY_NONE);

	cr_expect_eq(carve_plan_find_machine(plan, "ws-0001"), 0);
	cr_expect_eq(carve_plan_find_machine(plan, "WS-0002"), 1);
	cr_expect_eq(carve_plan_find_machine(plan, "laptop-7"), 3);
	cr_expect_eq(carve_plan_find_machine(plan, "ADMT01"), CARVE_NONE);
	cr_expect_eq(carve_plan_find_user(plan, "BWayne"), 2);
	cr_expect_eq(carve_plan_find_user(plan, "nobody"), CARVE_NONE);
	cr_expect_eq(carve_plan_find_chunk(plan, "wave2"), 1);
	cr_expect_eq(carve_plan_find_chunk(plan, "wave3"), CARVE_NONE);
	carve_plan_free(plan);
}

Test(plan, defaults)
{
	carve_plan *plan = load_ok(PLANS "/valid/minimal.yaml");
	const carve_policy *pol = carve_plan_policy(plan);
	const carve_transport *t = carve_plan_transport(plan);
	static const char *const xp[] = { "KB944043", "KB944505", "KB968730", "KB2535512" };
	static const struct {
		const char *id;
		carve_teardown_area area;
		carve_teardown_verify verify;
	} teardown[] = {
		{ "ex-mailboxes", CARVE_AREA_EXCHANGE, CARVE_VERIFY_MAILBOXES },
		{ "ex-groups", CARVE_AREA_EXCHANGE, CARVE_VERIFY_NONE },
		{ "ex-authoritative", CARVE_AREA_EXCHANGE, CARVE_VERIFY_NONE },
		{ "ex-mx", CARVE_AREA_EXCHANGE, CARVE_VERIFY_MX },
		{ "ex-autodiscover", CARVE_AREA_EXCHANGE, CARVE_VERIFY_AUTODISCOVER },
		{ "ex-send-connector", CARVE_AREA_EXCHANGE, CARVE_VERIFY_NONE },
		{ "ex-source-connector", CARVE_AREA_EXCHANGE, CARVE_VERIFY_NONE },
		{ "ad-fileshares", CARVE_AREA_AD, CARVE_VERIFY_NONE },
		{ "ad-forwarders", CARVE_AREA_AD, CARVE_VERIFY_NONE },
		{ "ad-source-forwarders", CARVE_AREA_AD, CARVE_VERIFY_NONE },
		{ "ad-workstations", CARVE_AREA_AD, CARVE_VERIFY_WORKSTATIONS },
		{ "ad-trust", CARVE_AREA_AD, CARVE_VERIFY_NONE },
	};
	size_t n;

	cr_expect_null(carve_plan_site(plan)->database);
	cr_expect_null(carve_plan_mail(plan)->source_namespace);
	cr_expect_eq(carve_plan_mail(plan)->bad_item_limit, 50);
	cr_expect_eq(pol->min_free_disk, UINT64_C(1) << 30);
	cr_expect_eq(pol->update_headroom, 0);
	cr_assert_eq(pol->hotfix_count[CARVE_OS_XP], 4);
	for (size_t i = 0; i < 4; i++)
		cr_expect_str_eq(pol->hotfixes[CARVE_OS_XP][i], xp[i]);
	for (int os = CARVE_OS_VISTA; os < CARVE_OS__COUNT; os++)
		cr_expect_eq(pol->hotfix_count[os], 0);
	cr_expect(pol->disable_source_accounts);
	cr_expect_eq(t->account, CARVE_NONE);
	cr_expect_eq(carve_plan_site(plan)->source.account, CARVE_NONE);
	carve_plan_accounts(plan, &n);
	cr_expect_eq(n, 0);
	cr_expect_null(t->known_hosts);
	cr_expect_eq(t->host_keys, CARVE_HOSTKEYS_STRICT);
	cr_expect_not(t->use_ssh_config);
	cr_expect_eq(t->port, 22);
	cr_expect_eq(t->connect_timeout_ms, 5000);
	cr_expect_eq(t->auth_timeout_ms, 10000);
	cr_expect_eq(t->command_timeout_ms, 120000);
	cr_expect_eq(t->concurrency, 64);
	cr_expect_eq(t->probe, CARVE_PROBE_ICMP);
	cr_expect_eq(t->sweep_interval_ms, 10, "fping's default -i");
	carve_plan_exec_hosts(plan, &n);
	cr_expect_eq(n, 0);
	carve_plan_machines(plan, &n);
	cr_expect_eq(n, 0);
	const carve_teardown_item *td = carve_plan_teardown(plan, &n);
	cr_assert_eq(n, CARVE_ARRAY_SIZE(teardown));
	for (size_t i = 0; i < n; i++) {
		cr_expect_str_eq(td[i].id, teardown[i].id);
		cr_expect_eq(td[i].area, teardown[i].area, "%s", td[i].id);
		cr_expect_eq(td[i].verify, teardown[i].verify, "%s", td[i].id);
		cr_expect_gt(strlen(td[i].title), 20);
	}
	cr_expect_str_eq(td[0].title,
			 "Confirm that there are no outstanding mailboxes which need to be migrated");
	carve_plan_free(plan);
}

Test(plan, hash_is_sha256_of_the_bytes)
{
	size_t len;
	char *bytes = t_read_file(PLANS "/valid/full.yaml", &len), want[65];
	carve_plan *plan = load_ok(PLANS "/valid/full.yaml");

	cr_assert_eq(carve_sha256_hex(want, bytes, len), 0);
	cr_expect_str_eq(carve_plan_hash(plan), want);
	carve_plan_free(plan);
	free(bytes);
}

Test(plan, cutover_without_offset_is_local_time)
{
	carve_buf b = CARVE_BUF_INIT;
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = 6, .tm_mday = 1,
			 .tm_hour = 9, .tm_min = 15, .tm_isdst = -1 };
	size_t n;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	carve_buf_puts(&b, minimal_head);
	carve_buf_puts(&b, "  - {name: wave2, cutover: \"2026-07-01T09:15\"}\n"
			   "  - {name: wave3, cutover: \"2026-07-01T09:15:30-04:30\"}\n");
	cr_assert_eq(carve_plan_load_buffer(&plan, &diags, NULL, b.ptr, b.len), 0);
	const carve_chunk *c = carve_plan_chunks(plan, &n);
	cr_assert_eq(n, 3);
	cr_expect_eq(c[1].cutover, mktime(&tm));
	cr_expect_eq(c[1].cutover, (time_t)1782890100); /* 07:15Z: CEST is +2 */
	cr_expect_eq(c[2].cutover, (time_t)1782913530); /* 13:45:30Z */
	cr_expect_null(carve_plan_path(plan));
	carve_plan_free(plan);
	carve_buf_done(&b);
}

/* A commands: template is a script: its line breaks and tabs are kept,
 * and what a run would refuse is refused at its own line. */
Test(plan, a_template_is_a_script_of_several_lines)
{
	carve_buf b = CARVE_BUF_INIT;
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;

	carve_buf_puts(&b, minimal_head);
	carve_buf_puts(&b, "commands:\n"
			   "  boot_time: \"$os = Get-WmiObject Win32_OperatingSystem\\\n"
			   "    \\ -ComputerName $computer\\n\\tif ($os) {\\r\\n 'up' }\"\n");
	cr_assert_eq(carve_plan_load_buffer(&plan, &diags, NULL, b.ptr, b.len), 0,
		     "%s", carve_diags_count(diags) ? carve_diags_get(diags, 0)->message : "");
	cr_expect_str_eq(plan->commands[CMD_BOOT_TIME],
			 "$os = Get-WmiObject Win32_OperatingSystem -ComputerName $computer\n"
			 "\tif ($os) {\r\n 'up' }");
	carve_plan_free(plan);

	b.len = 0;
	carve_buf_puts(&b, minimal_head);
	carve_buf_puts(&b, "commands:\n  boot_time: |\n    $x = 1\n    Get-Thing {{computer}}\n");
	char *got = load_bad(b.ptr, b.len, NULL);
	cr_expect_str_eq(got, "14:14: commands: boot_time: unknown placeholder {{computer}} at"
			      " line 2: a template reads its values as variables ($computer)\n");
	free(got);
	carve_buf_done(&b);
}

Test(plan, paths_resolve_against_the_plan_directory)
{
	char *dir = t_tmpdir(), *sub = t_path(dir, "site"), *path = NULL, cwd[4096];
	carve_buf b = CARVE_BUF_INIT;
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;

	cr_assert_eq(mkdir(sub, 0700), 0);
	carve_buf_puts(&b, minimal_head);
	carve_buf_puts(&b, "accounts:\n"
			   "  - { name: a, user: 'CONTOSO\\x', password_file: secrets/pw }\n"
			   "  - { name: k, user: 'CONTOSO\\y', auth: key, key_file: /abs/key }\n"
			   "transport:\n"
			   "  known_hosts: ~/.config/carve/known_hosts\n");
	path = t_path(sub, "plan.yaml");
	t_write_file(path, b.ptr);
	setenv("HOME", "/home/alice", 1);

	/* By path: against the file's directory. */
	cr_assert_eq(carve_plan_load(&plan, &diags, path), 0);
	char *want = t_path(sub, "secrets/pw");
	cr_expect_str_eq(carve_plan_accounts(plan, NULL)[0].password_file, want);
	cr_expect_str_eq(carve_plan_transport(plan)->known_hosts,
			 "/home/alice/.config/carve/known_hosts");
	cr_expect_str_eq(carve_plan_accounts(plan, NULL)[1].key_file, "/abs/key");
	carve_plan_free(plan);

	/* From a buffer named relative to the current directory. */
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(carve_plan_load_buffer(&plan, &diags, "site/plan.yaml", b.ptr, b.len), 0);
	cr_expect_str_eq(carve_plan_accounts(plan, NULL)[0].password_file, want);
	carve_plan_free(plan);
	cr_assert_eq(carve_plan_load_buffer(&plan, &diags, "plan.yaml", b.ptr, b.len), 0);
	char *flat = t_path(dir, "secrets/pw");
	cr_expect_str_eq(carve_plan_accounts(plan, NULL)[0].password_file, flat);
	carve_plan_free(plan);
	cr_assert_eq(chdir(cwd), 0);

	free(flat);
	free(want);
	free(path);
	free(sub);
	carve_buf_done(&b);
	t_rm_rf(dir);
	free(dir);
}

/* A path that names no plan file is bad input (carve(1): exit 2), and a
 * FIFO is refused at once instead of waiting for a writer for ever. */
Test(plan, a_missing_directory_or_fifo_plan_is_bad_input)
{
	char *dir = t_tmpdir(), *fifo = t_path(dir, "plan.yaml");
	const char *paths[] = { PLANS "/no-such-plan.yaml", dir, fifo };
	const char *why[] = { "No such file", "it is a directory", "it is a FIFO" };

	cr_assert_eq(mkfifo(fifo, 0600), 0);
	for (int i = 0; i < 3; i++) {
		carve_plan *plan = (carve_plan *)1;
		carve_diags *diags = (carve_diags *)1;
		cr_expect_eq(carve_plan_load(&plan, &diags, paths[i]), CARVE_EINVALID, "%s", paths[i]);
		cr_expect_null(plan);
		cr_expect_null(diags);
		cr_expect_neq(strstr(carve_error_last()->message, why[i]), NULL, "%s",
			      carve_error_last()->message);
	}
	t_rm_rf(dir);
	free(dir);
	free(fifo);
}

/* ------------------------------------------------------------- invalid */

static void free_names(struct criterion_test_params *params)
{
	char **names = params->params;
	for (size_t i = 0; i < params->length; i++)
		cr_free(names[i]);
	cr_free(names);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

ParameterizedTestParameters(plan, invalid)
{
	DIR *dir = opendir(PLANS "/invalid");
	struct dirent *e;
	char **names = cr_malloc(256 * sizeof(*names));
	size_t n = 0;

	while (dir && (e = readdir(dir)) && n < 256) {
		size_t len = strlen(e->d_name);
		if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) {
			names[n] = cr_malloc(len - 4);
			memcpy(names[n], e->d_name, len - 5);
			names[n++][len - 5] = '\0';
		}
	}
	if (dir)
		closedir(dir);
	qsort(names, n, sizeof(*names), by_name);
	return cr_make_param_array(char *, names, n, free_names);
}

ParameterizedTest(char **name, plan, invalid)
{
	char yaml[512], expect_path[512], *expected, *got;
	carve_plan *plan = (carve_plan *)1;
	carve_diags *diags = NULL;

	snprintf(yaml, sizeof(yaml), PLANS "/invalid/%s.yaml", *name);
	snprintf(expect_path, sizeof(expect_path), PLANS "/invalid/%s.expect", *name);
	expected = t_read_file(expect_path, NULL);
	cr_assert_not_null(expected, "%s is missing", expect_path);
	cr_assert_eq(carve_plan_load(&plan, &diags, yaml), CARVE_EINVALID, "%s", *name);
	cr_assert_null(plan);
	got = diag_lines(diags, yaml);
	cr_expect_str_eq(got, expected, "%s: got\n%s\nexpected\n%s", *name, got, expected);
	carve_diags_free(diags);
	free(got);
	free(expected);
}

Test(plan, enough_invalid_cases)
{
	DIR *dir = opendir(PLANS "/invalid");
	struct dirent *e;
	unsigned yaml = 0, expect = 0;

	cr_assert_not_null(dir);
	while ((e = readdir(dir))) {
		yaml += strstr(e->d_name, ".yaml") != NULL;
		expect += strstr(e->d_name, ".expect") != NULL;
	}
	closedir(dir);
	cr_expect_geq(yaml, 35);
	cr_expect_eq(yaml, expect, "every case has its .expect");
}

/* ------------------------------------------------------------- hostile input */

Test(plan, larger_than_16_mib_is_refused_unread)
{
	size_t len = ((size_t)16 << 20) + 1;
	char *buf = malloc(len), *dir = t_tmpdir(), *path = t_path(dir, "big.yaml");
	double secs;
	FILE *f;

	cr_assert_not_null(buf);
	memset(buf, '#', len);
	char *got = load_bad(buf, len, &secs);
	cr_expect_str_eq(got, "1:1: plan file is larger than 16 MiB\n");
	cr_expect_lt(secs, 10.0, "%.3f s", secs); /* a bound on a blow-up, not a clock */
	free(got);

	/* Exactly 16 MiB is read and parsed: a comment-only plan. */
	got = load_bad(buf, len - 1, NULL);
	cr_expect_str_eq(got, "1:1: site plan is empty\n");
	free(got);

	cr_assert_not_null(f = fopen(path, "wb"));
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	cr_assert_eq(carve_plan_load(&plan, &diags, path), CARVE_EINVALID);
	cr_assert_eq(carve_diags_count(diags), 1);
	cr_expect_str_eq(carve_diags_get(diags, 0)->message, "plan file is larger than 16 MiB");
	carve_diags_free(diags);
	t_rm_rf(dir);
	free(path);
	free(dir);
	free(buf);
}

Test(plan, billion_laughs_is_refused_without_expansion)
{
	carve_buf b = CARVE_BUF_INIT;
	double secs;

	carve_buf_puts(&b, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (char c = 'b'; c <= 'z'; c++) {
		carve_buf_printf(&b, "%c: &%c [", c, c);
		for (int i = 0; i < 9; i++)
			carve_buf_printf(&b, "%s*%c", i ? "," : "", c - 1);
		carve_buf_puts(&b, "]\n");
	}
	char *got = load_bad(b.ptr, b.len, &secs);
	cr_expect_lt(secs, 10.0, "%.3f s", secs); /* a bound on a blow-up, not a clock */
	const char *first = strstr(got, "1:4: anchors and aliases are not allowed in a site plan\n");
	cr_assert_not_null(first, "%s", got);
	/* Reported once, not once per alias. */
	cr_expect_null(strstr(first + 10, "anchors and aliases"));
	free(got);
	carve_buf_done(&b);
}

Test(plan, deep_nesting_is_refused_early)
{
	size_t depth = 1000000;
	char *buf = malloc(2 * depth + 16);
	double secs;

	cr_assert_not_null(buf);
	memcpy(buf, "a: ", 3);
	memset(buf + 3, '[', depth);
	memset(buf + 3 + depth, ']', depth);
	char *got = load_bad(buf, 3 + 2 * depth, &secs);
	/* The root mapping is level 1: the 32nd '[' is level 33. */
	cr_expect_str_eq(got, "1:35: nesting deeper than 32 levels\n");
	cr_expect_lt(secs, 10.0, "%.3f s", secs); /* a bound on a blow-up, not a clock */
	free(got);

	/* 32 levels are allowed: only the unknown key is left to report. */
	carve_buf b = CARVE_BUF_INIT;
	carve_buf_puts(&b, minimal_head);
	carve_buf_puts(&b, "extra: ");
	for (int i = 0; i < 31; i++)
		carve_buf_putc(&b, '[');
	for (int i = 0; i < 31; i++)
		carve_buf_putc(&b, ']');
	got = load_bad(b.ptr, b.len, NULL);
	cr_expect_str_eq(got, "13:1: unknown key 'extra' in site plan\n");
	free(got);
	carve_buf_done(&b);
	free(buf);
}

/* The best of three loads of a mapping of n keys with one duplicate, in
 * seconds; *got (when not NULL) gets the last diagnostics. */
static double load_keys(int n, char **got)
{
	carve_buf b = CARVE_BUF_INIT;
	double best = 0;

	carve_buf_puts(&b, "extra:\n");
	for (int i = 0; i < n; i++)
		carve_buf_printf(&b, "  k%d: %d\n", i, i);
	carve_buf_puts(&b, "  k5: again\n");
	for (int run = 0; run < 3; run++) {
		double secs;
		char *text = load_bad(b.ptr, b.len, &secs);
		best = run == 0 || secs < best ? secs : best;
		if (got && run == 2)
			*got = text;
		else
			free(text);
	}
	carve_buf_done(&b);
	return best;
}

Test(plan, duplicate_keys_in_a_huge_mapping_are_not_quadratic)
{
	/* Sixteen times the keys must cost about sixteen times as long, not
	 * 256: a ratio, and one far from both (64, the geometric middle), so
	 * a loaded machine, a sanitizer's allocator or a cache that no longer
	 * holds the larger mapping does not make it fail (at 4x and a
	 * threshold of 8, ASan on a busy machine measured 8.4). */
	char *got = NULL;
	double small = load_keys(10000, NULL), large = load_keys(160000, &got);

	cr_expect_lt(large / small, 64.0, "10k keys %.3f s, 160k keys %.3f s", small, large);
	cr_expect_neq(strstr(got, "160002:3: duplicate key 'k5' (first at 7:3)\n"), NULL, "%s",
		      got);
	free(got);
}

Test(plan, huge_scalars_and_truncated_input)
{
	size_t len = (size_t)8 << 20;
	char *buf = malloc(len + 16);
	double secs;

	cr_assert_not_null(buf);
	memcpy(buf, "site: ", 6);
	memset(buf + 6, 'x', len);
	char *got = load_bad(buf, len + 6, &secs);
	cr_expect_lt(secs, 10.0, "%.3f s", secs); /* a bound on a blow-up, not a clock */
	cr_expect_neq(strstr(got, "1:1: site plan is missing required key 'floors'\n"), NULL);
	cr_expect_neq(strstr(got, "1:7: 'site' must be a mapping\n"), NULL);
	free(got);
	free(buf);

	/* Every prefix of a valid plan: refused or loaded, never a crash. */
	size_t full_len;
	char *full = t_read_file(PLANS "/valid/full.yaml", &full_len);
	for (size_t n = 0; n < full_len; n += 7) {
		carve_plan *plan = NULL;
		carve_diags *diags = NULL;
		int err = carve_plan_load_buffer(&plan, &diags, "cut.yaml", full, n);
		cr_expect(err == 0 || err == CARVE_EINVALID);
		cr_expect((err == 0) == (plan != NULL));
		carve_plan_free(plan);
		carve_diags_free(diags);
	}
	free(full);
}

/* ------------------------------------------------------------- scale */

Test(plan, thousands_of_machines_resolve)
{
	enum { N = 3000 };
	carve_buf b = CARVE_BUF_INIT;
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	size_t n;
	double t0;

	carve_buf_puts(&b, "site:\n  name: Big\n"
			   "  source: {netbios: FABRIKAM, dns: fabrikam.local}\n"
			   "  target: {netbios: CONTOSO, dns: contoso.com, ou: \"OU=W,DC=c,DC=com\"}\n"
			   "  migrator: svc\n"
			   "accounts: [{name: desk, user: 'FABRIKAM\\desk', auth: agent}]\n"
			   "transport: {account: desk}\n"
			   "floors:\n  - name: F1\n    map: |\n");
	/* 30 rows of 100 desks: "[d0000]" ... */
	for (int r = 0; r < N / 100; r++) {
		carve_buf_puts(&b, "      ");
		for (int c = 0; c < 100; c++)
			carve_buf_printf(&b, "[d%04d]", r * 100 + c);
		carve_buf_putc(&b, '\n');
	}
	carve_buf_puts(&b, "machines:\n");
	for (int i = 0; i < N; i++) {
		if (i % 2)
			carve_buf_printf(&b, "  - {name: WS-%04d, address: 10.0.%d.%d, os: \"10\", "
					 "floor: F1, marker: \"[d%04d]\", user: u%04d, chunk: c%d}\n",
					 i, i / 256, i % 256, i, i, i % 3);
		else
			carve_buf_printf(&b, "  - {name: WS-%04d, address: 10.0.%d.%d, os: \"10\", "
					 "floor: F1, at: [%d, %d], user: u%04d, chunk: c%d}\n",
					 i, i / 256, i % 256, (i % 100) * 7 + 2, i / 100 + 1, i, i % 3);
	}
	carve_buf_puts(&b, "users:\n");
	for (int i = 0; i < N; i++)
		carve_buf_printf(&b, "  - {name: u%04d, chunk: c%d}\n", i, i % 3);
	carve_buf_puts(&b, "chunks:\n");
	for (int i = 0; i < 3; i++)
		carve_buf_printf(&b, "  - {name: c%d, cutover: \"2026-12-0%dT22:00Z\"}\n", i, i + 1);

	t0 = now_s();
	cr_assert_eq(carve_plan_load_buffer(&plan, &diags, "big.yaml", b.ptr, b.len), 0);
	cr_expect_lt(now_s() - t0, 10.0); /* a bound on quadratic work, not a clock */
	const carve_machine *m = carve_plan_machines(plan, &n);
	cr_assert_eq(n, N);
	for (size_t i = 0; i < n; i++) {
		/* Desk i is at column 7 * (i % 100) + 1, 0-based; "at" names the
		 * 'd' of the desk, the marker its '['. */
		cr_assert_eq(m[i].x, (i % 100) * 7 + (i % 2 ? 0 : 1), "%zu", i);
		cr_assert_eq(m[i].y, i / 100, "%zu", i);
		cr_assert_eq(m[i].user, i);
		cr_assert_eq(m[i].chunk, i % 3);
	}
	char name[16];
	snprintf(name, sizeof(name), "ws-%04d", N - 1);
	cr_expect_eq(carve_plan_find_machine(plan, name), N - 1);
	carve_plan_free(plan);
	carve_buf_done(&b);
}
