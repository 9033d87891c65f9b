/*
 * lab.c - see lab.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "lab.h"
#include "internal.h"
#include "sshd.h"
#include "support.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char t_lab_plan_accounts[] =
	"accounts:\n"
	"  - { name: migrator, user: 'CONTOSO\\svc_targetmigrator' }\n"
	"  - { name: source, user: 'FABRIKAM\\carve-src' }\n"
	"  - { name: desk, user: '" T_LAB_KEY_USER "', auth: key, key_file: client }\n";

const char t_lab_passwords[] = "migrator:" T_LAB_MIGRATOR_PASSWORD "\n"
			       "source:" T_LAB_SOURCE_PASSWORD "\n";

const char *t_lab_fixture_accounts(void)
{
	static char text[512];
	char mig[65], src[65];

	cr_assert_eq(carve_sha256_hex(mig, T_LAB_MIGRATOR_PASSWORD,
				      strlen(T_LAB_MIGRATOR_PASSWORD)), 0);
	cr_assert_eq(carve_sha256_hex(src, T_LAB_SOURCE_PASSWORD,
				      strlen(T_LAB_SOURCE_PASSWORD)), 0);
	snprintf(text, sizeof(text),
		 "accounts:\n"
		 "  - { user: 'CONTOSO\\svc_targetmigrator', password_sha256: %s }\n"
		 "  - { user: 'FABRIKAM\\carve-src', password_sha256: %s }\n", mig, src);
	return text;
}

void t_lab_plan_passwords(carve_plan *plan)
{
	cr_assert_eq(carve_plan_set_password(plan, carve_plan_find_account(plan, "migrator"),
					     T_LAB_MIGRATOR_PASSWORD,
					     strlen(T_LAB_MIGRATOR_PASSWORD)), 0);
	cr_assert_eq(carve_plan_set_password(plan, carve_plan_find_account(plan, "source"),
					     T_LAB_SOURCE_PASSWORD,
					     strlen(T_LAB_SOURCE_PASSWORD)), 0);
}

void t_lab_init(t_lab *lab)
{
	char *cmd;

	memset(lab, 0, sizeof(*lab));
	lab->pid = -1;
	lab->dir = t_tmpdir();
	lab->fixture = t_path(lab->dir, "fixture.yaml");
	lab->journal = t_path(lab->dir, "journal.jsonl");
	lab->known_hosts = t_path(lab->dir, "known_hosts");
	lab->client_key = t_path(lab->dir, "client");
	lab->passwords = t_path(lab->dir, "passwords");
	t_write_file(lab->passwords, t_lab_passwords);
	cr_assert_eq(chmod(lab->passwords, 0600), 0);
	cr_assert(asprintf(&cmd, "ssh-keygen -q -t ed25519 -N '' -f %s", lab->client_key) > 0);
	cr_assert_eq(system(cmd), 0, "ssh-keygen failed");
	free(cmd);
}

bool t_lab_try_start(t_lab *lab)
{
	int out[2];
	char line[512];
	bool ready = false;

	cr_assert_eq(pipe(out), 0);
	pid_t self = getpid();
	lab->pid = fork();
	if (lab->pid == 0) {
		/* A test that crashes must not leave its lab behind. */
		t_dies_with(self);
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execl(CARVE_LAB_BIN, "carve-lab", "--fixture", lab->fixture, "--journal",
		      lab->journal, "--known-hosts", lab->known_hosts, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	FILE *f = fdopen(out[0], "r");
	while (!ready && fgets(line, sizeof(line), f))
		ready = strncmp(line, "ready", 5) == 0;
	if (!ready) {
		fclose(f);
		waitpid(lab->pid, NULL, 0);
		lab->pid = -1;
		return false;
	}
	/* Drain its stdout so it never blocks; the drainer ends with the lab. */
	if (fork() == 0) {
		t_dies_with(self);
		while (fgets(line, sizeof(line), f))
			;
		_exit(0);
	}
	fclose(f);
	return true;
}

void t_lab_start(t_lab *lab)
{
	cr_assert(t_lab_try_start(lab), "carve-lab did not get ready");
}

void t_lab_reload(t_lab *lab)
{
	int before = t_lab_journal_count(lab, "\"event\":\"reload\"", NULL);

	kill(lab->pid, SIGHUP);
	for (int i = 0; i < 250; i++) {
		if (t_lab_journal_count(lab, "\"event\":\"reload\",\"result\":\"ok\"", NULL) > before)
			return;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	cr_assert_fail("carve-lab did not reload");
}

void t_lab_done(t_lab *lab)
{
	if (lab->pid > 0) {
		kill(lab->pid, SIGTERM);
		waitpid(lab->pid, NULL, 0);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		; /* the stdout drainer */
	if (lab->dir)
		t_rm_rf(lab->dir);
	free(lab->dir);
	free(lab->fixture);
	free(lab->journal);
	free(lab->known_hosts);
	free(lab->client_key);
	free(lab->passwords);
	memset(lab, 0, sizeof(*lab));
}

pid_t t_lab_carve_start(const t_lab *lab, const char *const *args, const char *out,
			const char *err)
{
	pid_t self = getpid(), pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char *argv[32] = { "carve" };
		size_t n = 1;
		for (; args[n - 1] && n < 28; n++)
			argv[n] = (char *)args[n - 1];
		argv[n++] = "--password-fd";
		argv[n++] = "3";
		argv[n] = NULL;
		t_dies_with(self);
		int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = !err ? open("/dev/null", O_WRONLY)
			: out && !strcmp(err, out) ? o
			: open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int pw = open(lab->passwords, O_RDONLY);
		dup2(o, 1);
		dup2(e, 2);
		dup2(pw, 3);
		setsid();
		execv(CARVE_BIN, argv);
		_exit(127);
	}
	return pid;
}

pid_t t_lab_run_start(const t_lab *lab, const char *plan, const char *chunk, const char *out,
		      const char *err)
{
	const char *args[] = { "run", plan, "--chunk", chunk, NULL };

	return t_lab_carve_start(lab, args, out, err);
}

typedef struct {
	const char *object, *step;
	t_state *out;
} state_query;

static int find_state(const carve_state_row *row, void *ctx)
{
	state_query *q = ctx;

	if (strcasecmp(row->object, q->object) || strcmp(row->step, q->step))
		return 0;
	q->out->found = true;
	q->out->status = row->status;
	snprintf(q->out->diagnosis, sizeof(q->out->diagnosis), "%s",
		 row->diagnosis ? row->diagnosis : "");
	snprintf(q->out->evidence, sizeof(q->out->evidence), "%s",
		 row->evidence ? row->evidence : "");
	return 0;
}

t_state t_lab_state(const t_lab *lab, const char *chunk, const char *object, const char *step)
{
	t_state st = { false, CARVE_STATUS_PENDING, "", "" };
	state_query q = { object, step, &st };
	carve_audit_options o = CARVE_AUDIT_OPTIONS_INIT;
	carve_audit *audit = NULL;
	char *db = t_path(lab->dir, "audit.db");

	o.read_only = true;
	cr_assert_eq(carve_audit_open(&audit, db, &o), 0, "%s", carve_error_last()->message);
	cr_assert_eq(carve_audit_states(audit, chunk, find_state, &q), 0);
	carve_audit_free(audit);
	free(db);
	return st;
}

int t_lab_journal_count(const t_lab *lab, ...)
{
	char *text = t_read_file(lab->journal, NULL);
	int n = 0;

	for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		va_list ap;
		const char *frag;
		bool all = true;
		va_start(ap, lab);
		while (all && (frag = va_arg(ap, const char *)))
			all = strstr(line, frag) != NULL;
		va_end(ap);
		n += all;
	}
	free(text);
	return n;
}

int t_lab_journal_about(const t_lab *lab, const char *key, const char *who,
			const char *event, const char *what)
{
	char k[160], e[80];

	snprintf(k, sizeof(k), "\"%s\":\"%s\"", key, who);
	snprintf(e, sizeof(e), "\"event\":\"%s\"", event);
	return t_lab_journal_count(lab, k, e, what, NULL);
}

/* The side effects the lab journals, each with the step whose "running"
 * event must be in the audit log before it. */
const t_side_effect t_side_effects[] = {
	{ "state", "\"change\":\"restart\",\"detail\":\"Restart-Computer\"", "host", "restart",
	  "restart" },
	{ "admt", "\"result\":\"migrated\"", "host", "workstations", "admt" },
	{ "source_account", "\"change\":\"user disabled\"", "user", "workstations",
	  "source-account" },
	{ "state", "DefaultDomainName", "host", "workstations", "logon-domain" },
	{ "move", "\"result\":\"started\"", "user", "mail", "move" },
	{ "file", "drivers\\\\etc\\\\hosts\",\"by\":\"Set-Content\"", "host", "clients",
	  "outlook" },
	{ "state", "\"change\":\"service started\"", "host", "preflight", "fix-services" },
	{ NULL, NULL, NULL, NULL, NULL },
};

/* The quoted value after "key":" in line, into out. */
static bool json_field(char *out, size_t cap, const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *at = strstr(line, pat);
	if (!at)
		return false;
	at += strlen(pat);
	size_t n = strcspn(at, "\"");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), at);
	return true;
}

int t_lab_check_logged_first(const t_lab *lab, int *seen)
{
	char *db_path = t_path(lab->dir, "audit.db");
	char *text = t_read_file(lab->journal, NULL);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int checked = 0;

	cr_assert_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM events WHERE status = 'running'"
					" AND phase = ?1 AND step = ?2 AND time <= ?3 AND"
					" (machine = ?4 COLLATE NOCASE OR user = ?4 COLLATE NOCASE)",
					-1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		for (int k = 0; t_side_effects[k].event; k++) {
			const t_side_effect *e = &t_side_effects[k];
			char event[64], when[40], who[128];
			snprintf(event, sizeof(event), "\"event\":\"%s\"", e->event);
			if (!strstr(line, event) || !strstr(line, e->fragment))
				continue;
			cr_assert(json_field(when, sizeof(when), line, "time") &&
				  json_field(who, sizeof(who), line, e->key), "%s", line);
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, e->phase, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, e->step, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, when, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, who, -1, SQLITE_STATIC);
			cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
			cr_assert_gt(sqlite3_column_int(st, 0), 0, "the lab did this with no \"running\""
				     " %s/%s event for %s in the audit log before it:\n%s",
				     e->phase, e->step, who, line);
			if (seen)
				seen[k]++;
			checked++;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(text);
	free(db_path);
	return checked;
}

static void write_fixture(const t_lab *lab, const int *port, const t_site_host *h, size_t n)
{
	FILE *f = fopen(lab->fixture, "w");

	cr_assert_not_null(f);
	fprintf(f, "lab: { user: '" T_LAB_KEY_USER "', authorized_key: client.pub, host_keys: keys }\n"
		   "%s"
		   "site: { namespace: mail.fabrikam.com, cas: outlook.contoso.com,"
		   " admt_minute: 200ms }\n"
		   "defaults:\n"
		   "  domain: FABRIKAM\n"
		   "  administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\svc_targetmigrator']\n"
		   "  faults: { reboot: 1s }\n"
		   "hosts:\n"
		   "  - { name: MGMT01, role: management, port: %d }\n"
		   "  - { name: ADMT01, role: admt, port: %d }\n"
		   "  - { name: E2E01, role: mail, port: %d, quota: 1GiB, move_rate: 2GiB }\n",
		t_lab_fixture_accounts(), port[0], port[1], port[2]);
	for (size_t i = 0; i < n; i++) {
		bool xp = !strcmp(h[i].os, "xp");
		fprintf(f, "  - { name: %s, os: \"%s\"", h[i].name, h[i].os);
		if (!xp)
			fprintf(f, ", port: %d", port[3 + i]);
		else if (!strstr(h[i].fixture, "hotfixes"))
			fprintf(f, ", hotfixes: [KB944043, KB944505, KB968730, KB2535512]");
		if (h[i].user)
			fprintf(f, ", user: %s", h[i].user);
		if (h[i].outlook)
			fprintf(f, ", outlook: %u", h[i].outlook);
		fprintf(f, "%s%s }\n", h[i].fixture[0] ? ", " : "", h[i].fixture);
	}
	fprintf(f, "mailboxes:\n");
	for (size_t i = 0; i < n; i++)
		if (h[i].user)
			fprintf(f, "  - { user: %s, items: 900%s%s%s }\n", h[i].user,
				strstr(h[i].mailbox, "size:") ? "" : ", size: 50MiB",
				h[i].mailbox[0] ? ", " : "", h[i].mailbox);
	cr_assert_eq(fclose(f), 0);
}

static void write_plan(const char *path, const t_lab *lab, const int *port,
		       const t_site_host *h, size_t n)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f, "site:\n"
		   "  name: Lab pipeline\n"
		   "  source: { netbios: FABRIKAM, dns: fabrikam.local, account: source }\n"
		   "  target: { netbios: CONTOSO, dns: contoso.com, ou: \"OU=M,DC=contoso,DC=com\" }\n"
		   "  migrator: svc_targetmigrator\n"
		   "  database: %s/audit.db\n"
		   "mail:\n"
		   "  scope: chunk\n"
		   "  source_namespace: mail.fabrikam.com\n"
		   "  mrs_proxy: mail.fabrikam.com\n"
		   "  target_delivery_domain: contoso.com\n"
		   "  target_mailbox_server: 10.20.0.21\n"
		   "  target_cas: outlook.contoso.com\n"
		   "  poll_interval: 300ms\n"
		   "  move_timeout: 60s\n"
		   "  outlook_timeout: 5s\n"
		   "policy: { restart_timeout: 6s, admt_timeout: 60s, newer_than_windows_7: migrate }\n"
		   "%s"
		   "transport:\n"
		   "  account: desk\n"
		   "  known_hosts: known_hosts\n"
		   "  probe: exec\n"
		   "  timeouts: { connect: 1s, auth: 2s, command: 5s }\n"
		   "  concurrency: 16\n"
		   "exec_hosts:\n"
		   "  - { name: MGMT01, role: management, address: 127.0.0.1, port: %d, concurrency: 8,"
		   " account: migrator }\n"
		   "  - { name: ADMT01, role: admt, address: 127.0.0.1, port: %d, concurrency: 2,"
		   " account: migrator }\n"
		   "  - { name: E2E01, role: mail, address: 127.0.0.1, port: %d, concurrency: 2,"
		   " account: migrator }\n"
		   "floors:\n"
		   "  - name: F1\n"
		   "    map: |\n"
		   "      +%0*d+\n"
		   "      |%*s|\n"
		   "      +%0*d+\n"
		   "chunks:\n", lab->dir, t_lab_plan_accounts, port[0], port[1], port[2], (int)(2 * n + 2), 0,
		(int)(2 * n + 2), "", (int)(2 * n + 2), 0);
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(h[j].chunk, h[i].chunk);
		if (!seen)
			fprintf(f, "  - { name: %s, cutover: \"2026-12-05T22:00:00Z\" }\n", h[i].chunk);
	}
	fprintf(f, "users:\n");
	for (size_t i = 0; i < n; i++)
		if (h[i].user)
			fprintf(f, "  - { name: %s, email: %s@fabrikam.com, chunk: %s%s%s }\n",
				h[i].user, h[i].user, h[i].chunk,
				h[i].activesync ? ", activesync: " : "",
				h[i].activesync ? h[i].activesync : "");
	fprintf(f, "machines:\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  - { name: %s, address: 127.0.0.1, os: \"%s\", floor: F1, at: [%zu, 1],"
			   " chunk: %s", h[i].name, h[i].os, 1 + 2 * i, h[i].chunk);
		if (h[i].user)
			fprintf(f, ", user: %s", h[i].user);
		if (h[i].outlook)
			fprintf(f, ", outlook: \"%u\"", h[i].outlook);
		if (!strcmp(h[i].os, "xp"))
			fprintf(f, ", reach: via, via: MGMT01 }\n");
		else
			fprintf(f, ", port: %d }\n", port[3 + i]);
	}
	cr_assert_eq(fclose(f), 0);
}

char *t_lab_write_site(t_lab *lab, t_site_ports *ports, const t_site_host *hosts, size_t n)
{
	if (!ports->port) {
		ports->n = n + 3;
		ports->port = calloc(ports->n, sizeof(int));
		cr_assert_not_null(ports->port);
		t_free_ports(ports->port, ports->n);
	}
	cr_assert_eq(ports->n, n + 3);
	write_fixture(lab, ports->port, hosts, n);
	char *plan = t_path(lab->dir, "site.yaml");
	write_plan(plan, lab, ports->port, hosts, n);
	return plan;
}

void t_lab_site_start(t_lab *lab, t_site_ports *ports, char **plan, const t_site_host *hosts,
		      size_t n)
{
	t_lab_init(lab);
	/* A free port can be taken (by any connection's local end) before
	 * the lab binds it: then the lab refuses to start, and new ports are
	 * picked. */
	for (int tries = 0; tries < 5; tries++) {
		*plan = t_lab_write_site(lab, ports, hosts, n);
		if (t_lab_try_start(lab))
			return;
		free(*plan);
		free(ports->port);
		ports->port = NULL;
	}
	cr_assert_fail("carve-lab did not get ready on five sets of free ports");
}

void t_lab_site_stop(t_lab *lab, t_site_ports *ports, char **plan)
{
	t_lab_done(lab);
	free(*plan);
	free(ports->port);
	*plan = NULL;
	ports->port = NULL;
}
