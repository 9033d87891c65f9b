/*
 * from_audit.c - carve-lab --from-audit DB --plan PLAN --out DIR: a
 * rehearsal of the next chunk against the site as it really answered.
 *
 * carve's audit log keeps, for every machine it checked, what Windows said
 * (each check's evidence, with the raw answer) and, for every step, how it
 * ended and why.  From the current state of each object (the v_state view)
 * this writes a fixture whose hosts are the plan's machines in that state
 * (OS, free space, updates, local administrators and their group's name,
 * adapters, firewall profiles, services, asleep, a restart that never
 * ended, the ADMT failure that no pre-flight cause explained) and whose
 * mailboxes are the users' as the moves found them, and a copy of the plan
 * that points at the lab: the same machines, users, chunks, floors, policy
 * and command templates, every address 127.0.0.1 with a port of its own.
 *
 * What the lab cannot reproduce (an error it has no model of) is written
 * into the fixture as a comment beside the host, never dropped silently.
 * The evidence is JSON carve wrote; SQLite's JSON functions read it.
 */
#include "lab.h"
#include "commands.h"
#include "plan_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A machine as the log shows it. */
typedef struct {
	char os[8];            /* the fixture's os, from what Windows reported */
	uint64_t disk_free;    /* 0: not known */
	carve_buf hotfixes;    /* YAML flow items */
	bool have_hotfixes;
	carve_buf admins;
	bool have_admins;
	char language[4];
	carve_buf nics;
	bool have_nics;
	int firewall[3], policy[3]; /* -1: not known */
	carve_buf services;
	const char *power;     /* NULL, "asleep" or "off" */
	carve_buf faults;      /* YAML flow items */
	bool remote_admin_off, not_logged_on, logged_on_source;
	carve_buf notes;       /* what the lab does not reproduce */
} host_state;

/* A user's mailbox as the move found it. */
typedef struct {
	uint64_t bytes;
	uint64_t items, bad_items;
	bool no_smtp;
} box_state;

typedef struct {
	const carve_plan *plan;
	sqlite3 *db;
	host_state *hosts;
	box_state *boxes;
	uint64_t quota;        /* the target database's, 0: not known */
	size_t unchecked;      /* machines no check ever answered for */
	carve_buf err;
} rebuild;

/* Whether no check of the machine's is in the log. */
static bool never_checked(const host_state *h)
{
	return !h->os[0] && !h->disk_free && !h->have_hotfixes && !h->have_admins &&
	       !h->have_nics && !h->power && !h->services.len && h->firewall[0] < 0 &&
	       h->firewall[1] < 0 && h->firewall[2] < 0 && !h->faults.len && !h->notes.len;
}

/* ---------------------------------------------------------------- YAML */

/* A single-quoted YAML scalar: nothing in it is special but the quote. */
static void yq(carve_buf *b, const char *s)
{
	carve_buf_putc(b, '\'');
	for (; s && *s; s++) {
		if (*s == '\'')
			carve_buf_putc(b, '\'');
		if ((unsigned char)*s >= 0x20 || *s == '\t')
			carve_buf_putc(b, *s);
	}
	carve_buf_putc(b, '\'');
}

static void item(carve_buf *list, const char *text)
{
	carve_buf_puts(list, list->len ? ", " : "");
	carve_buf_puts(list, text);
}

static void item_quoted(carve_buf *list, const char *s)
{
	carve_buf_puts(list, list->len ? ", " : "");
	yq(list, s);
}

/* ---------------------------------------------------------------- JSON */

/* json_extract(json, path) as text into out; false when it is not there. */
static bool jtext(rebuild *r, char *out, size_t cap, const char *json, const char *path)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	*out = '\0';
	if (!json || sqlite3_prepare_v2(r->db, "SELECT json_extract(?1, ?2)", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

static uint64_t jnum(rebuild *r, const char *json, const char *path)
{
	char v[64];

	return jtext(r, v, sizeof(v), json, path) ? strtoull(v, NULL, 10) : 0;
}

/* Calls fn for each element of the array or object at path: its key (NULL
 * in an array) and its value as JSON text. */
static void jeach(rebuild *r, const char *json, const char *path,
		  void (*fn)(rebuild *r, const char *key, const char *value, void *ctx), void *ctx)
{
	sqlite3_stmt *st = NULL;

	if (!json || sqlite3_prepare_v2(r->db, "SELECT key, CASE WHEN type IN ('object', 'array')"
				       " THEN value ELSE json_quote(value) END FROM json_each(?1, ?2)",
				       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(r, sqlite3_column_type(st, 0) == SQLITE_TEXT
		      ? (const char *)sqlite3_column_text(st, 0) : NULL,
		   (const char *)sqlite3_column_text(st, 1), ctx);
	sqlite3_finalize(st);
}

/* ---------------------------------------------------------------- checks */

static void os_from_version(host_state *h, const char *version)
{
	unsigned major = 0, minor = 0, build = 0;

	if (sscanf(version, "%u.%u.%u", &major, &minor, &build) < 2)
		return;
	const char *os = major == 5 ? "xp" : major == 6 && minor == 0 ? "vista"
		       : major == 6 && minor == 1 ? "7" : major == 6 ? "8"
		       : major == 10 && build >= 22000 ? "11" : major == 10 ? "10" : NULL;
	if (os)
		snprintf(h->os, sizeof(h->os), "%s", os);
}

static void each_hotfix(rebuild *r, const char *key, const char *value, void *ctx)
{
	char id[64];

	(void)key;
	if (jtext(r, id, sizeof(id), value, "$"))
		item_quoted(&((host_state *)ctx)->hotfixes, id);
}

static void each_member(rebuild *r, const char *key, const char *value, void *ctx)
{
	char who[256];

	(void)key;
	if (jtext(r, who, sizeof(who), value, "$"))
		item_quoted(&((host_state *)ctx)->admins, who);
}

static void each_adapter(rebuild *r, const char *key, const char *value, void *ctx)
{
	host_state *h = ctx;
	char name[128], enabled[8], wireless[8];
	carve_buf nic = CARVE_BUF_INIT;

	(void)key;
	jtext(r, name, sizeof(name), value, "$.connection");
	jtext(r, enabled, sizeof(enabled), value, "$.enabled");
	jtext(r, wireless, sizeof(wireless), value, "$.wireless");
	carve_buf_puts(&nic, "{ name: ");
	yq(&nic, name);
	carve_buf_printf(&nic, ", kind: %s, enabled: %s }", strcmp(wireless, "1") ? "wired"
			 : "wireless", strcmp(enabled, "1") ? "false" : "true");
	item(&h->nics, carve_buf_cstr(&nic));
	carve_buf_done(&nic);
}

static void each_service(rebuild *r, const char *key, const char *value, void *ctx)
{
	host_state *h = ctx;
	char state[16], start[16], line[96];

	size_t s = 0;
	while (key && s < SVC__COUNT && strcmp(lab_service_names[s], key))
		s++;
	if (!key || s == SVC__COUNT) /* not a service: the raw answer */
		return;
	jtext(r, state, sizeof(state), value, "$.state");
	jtext(r, start, sizeof(start), value, "$.start");
	if (!strcmp(state, "missing"))
		return;
	snprintf(line, sizeof(line), "%s: %s", key, !strcmp(start, "disabled") ? "disabled"
		 : !strcmp(state, "running") ? "running" : "stopped");
	item(&h->services, line);
}

/* The machine as check step's evidence shows it. */
static void apply_check(rebuild *r, host_state *h, const char *step, const char *ev)
{
	char v[128];

	if (!strcmp(step, "os") && jtext(r, v, sizeof(v), ev, "$.version")) {
		os_from_version(h, v);
	} else if (!strcmp(step, "disk") && jtext(r, v, sizeof(v), ev, "$.free_bytes")) {
		h->disk_free = jnum(r, ev, "$.free_bytes");
	} else if (!strcmp(step, "hotfixes") && jtext(r, v, sizeof(v), ev, "$.installed")) {
		h->hotfixes.len = 0;
		h->have_hotfixes = true;
		jeach(r, ev, "$.installed", each_hotfix, h);
	} else if (!strcmp(step, "admin") && jtext(r, v, sizeof(v), ev, "$.members")) {
		h->admins.len = 0;
		h->have_admins = true;
		jeach(r, ev, "$.members", each_member, h);
		if (jtext(r, v, sizeof(v), ev, "$.group"))
			snprintf(h->language, sizeof(h->language), "%s",
				 !strcasecmp(v, "Administratoren") ? "de"
				 : !strcasecmp(v, "Administrateurs") ? "fr" : "en");
	} else if (!strcmp(step, "nics") && jtext(r, v, sizeof(v), ev, "$.adapters")) {
		h->nics.len = 0;
		h->have_nics = true;
		jeach(r, ev, "$.adapters", each_adapter, h);
	} else if (!strcmp(step, "firewall")) {
		static const char *const profiles[] = { "domain", "private", "public" };
		for (int p = 0; p < 3; p++) {
			char path[32], by[32];
			snprintf(path, sizeof(path), "$.%s.on", profiles[p]);
			if (!jtext(r, v, sizeof(v), ev, path))
				continue;
			snprintf(path, sizeof(path), "$.%s.by", profiles[p]);
			jtext(r, by, sizeof(by), ev, path);
			int *slot = !strcmp(by, "group policy") ? h->policy : h->firewall;
			slot[p] = !strcmp(v, "1");
		}
	} else if (!strcmp(step, "services") && jtext(r, v, sizeof(v), ev, "$.RemoteRegistry")) {
		h->services.len = 0;
		jeach(r, ev, "$", each_service, h);
	}
}

/* What a failed check's or connection's diagnosis says about the machine
 * beyond its evidence. */
static void apply_failure(host_state *h, const char *step, const char *diag)
{
	if (!diag)
		return;
	if (!strcmp(step, "ping")) {
		h->power = "asleep";
	} else if (strstr(diag, "HOST KEY CHANGED")) {
		item(&h->faults, "changed_host_key: true");
	} else if (strstr(diag, "logged in, then no answer")) {
		item(&h->faults, "hang_after_auth: true");
	} else if (strstr(diag, "refused the logon") || strstr(diag, "authentication failed") ||
		   strstr(diag, "Access denied for")) {
		item(&h->faults, "auth_failure: true");
	} else if (strstr(diag, "0x800706BA")) {
		h->power = "off"; /* WMI's RPC server is unavailable: off, as far as it tells */
	} else if (strstr(diag, "0x80070005")) {
		h->remote_admin_off = true;
	} else if (strstr(diag, "Windows could not answer") || strstr(diag, "could not")) {
		carve_buf_printf(&h->notes, "#   %s: %s\n", step, diag);
	}
}

/* ---------------------------------------------------------------- the log */

static host_state *host_of(rebuild *r, const char *name)
{
	size_t m = carve_plan_find_machine(r->plan, name);

	return m == CARVE_NONE ? NULL : &r->hosts[m];
}

static void read_machine(rebuild *r, const char *name, const char *phase, const char *step,
			 const char *status, const char *diag, const char *ev)
{
	host_state *h = host_of(r, name);
	bool failed = !strcmp(status, "failed");

	if (!h)
		return;
	if (!strcmp(phase, "preflight")) {
		if (!strncmp(step, "fix-", 4)) {
			return; /* the check after the fix holds the state */
		}
		apply_check(r, h, step, ev);
		if (failed)
			apply_failure(h, step, diag);
	} else if (!strcmp(phase, "restart") && failed && diag &&
		   strstr(diag, "did not come back")) {
		item(&h->faults, "reboot: never");
	} else if (!strcmp(phase, "workstations") && !strcmp(step, "admt") && failed) {
		char cause[32] = "", line[512];
		/* a known cause: the machine as triage found it; none: ADMT's
		 * own last line, which the lab writes for it again */
		if (jtext(r, cause, sizeof(cause), ev, "$.cause") && cause[0]) {
			char *check = NULL;
			sqlite3_stmt *st = NULL;
			if (sqlite3_prepare_v2(r->db, "SELECT json_extract(?1, '$.check')", -1, &st,
					       NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, ev, -1, SQLITE_STATIC);
				if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
					check = strdup((const char *)sqlite3_column_text(st, 0));
				sqlite3_finalize(st);
			}
			apply_check(r, h, cause, check);
			free(check);
		} else if (diag && strstr(diag, "ADMT's last line about it: ")) {
			const char *at = strstr(diag, "ADMT's last line about it: ") + 27;
			snprintf(line, sizeof(line), "%s", at);
			carve_buf fault = CARVE_BUF_INIT;
			carve_buf_puts(&fault, "admt_error: ");
			yq(&fault, line);
			item(&h->faults, carve_buf_cstr(&fault));
			carve_buf_done(&fault);
		} else if (diag) {
			carve_buf_printf(&h->notes, "#   ADMT: %s\n", diag);
		}
	} else if (!strcmp(phase, "clients")) {
		if (!strcmp(step, "outlook") && diag && strstr(diag, "nobody is logged on"))
			h->not_logged_on = true;
		else if (!strcmp(step, "logon") && diag && strstr(diag, "logged on to the source"))
			h->logged_on_source = true;
	}
}

static void read_user(rebuild *r, const char *name, const char *phase, const char *step,
		      const char *status, const char *diag, const char *ev)
{
	size_t u = carve_plan_find_user(r->plan, name);

	if (u == CARVE_NONE || strcmp(phase, "mail") || strcmp(step, "move") || !ev)
		return;
	box_state *b = &r->boxes[u];
	if (jnum(r, ev, "$.bytes"))
		b->bytes = jnum(r, ev, "$.bytes");
	if (jnum(r, ev, "$.items"))
		b->items = jnum(r, ev, "$.items");
	b->bad_items = jnum(r, ev, "$.bad_items");
	if (jnum(r, ev, "$.target_quota_bytes"))
		r->quota = jnum(r, ev, "$.target_quota_bytes");
	b->no_smtp = !strcmp(status, "failed") && diag && strstr(diag, "no SMTP address");
}

static int read_log(rebuild *r)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* phases in the order they happen, so what a later step found wins */
	if (sqlite3_prepare_v2(r->db,
			       "SELECT object_kind, object, phase, step, status, diagnosis, evidence"
			       " FROM v_state ORDER BY CASE phase WHEN 'preflight' THEN 0"
			       " WHEN 'restart' THEN 1 WHEN 'workstations' THEN 2 WHEN 'mail' THEN 3"
			       " WHEN 'clients' THEN 4 ELSE 5 END, seq", -1, &st, NULL) != SQLITE_OK) {
		carve_buf_printf(&r->err, "not a carve audit log: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col[7];
		for (int i = 0; i < 7; i++)
			col[i] = (const char *)sqlite3_column_text(st, i);
		if (!col[0] || !col[1] || !col[2] || !col[3] || !col[4])
			continue;
		if (!strcmp(col[0], "machine"))
			read_machine(r, col[1], col[2], col[3], col[4], col[5], col[6]);
		else if (!strcmp(col[0], "user"))
			read_user(r, col[1], col[2], col[3], col[4], col[5], col[6]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		carve_buf_printf(&r->err, "reading the log: %s", sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- output */

static const char *os_token(carve_os os)
{
	static const char *const t[CARVE_OS__COUNT] = {
		[CARVE_OS_XP] = "xp", [CARVE_OS_VISTA] = "vista", [CARVE_OS_7] = "7",
		[CARVE_OS_8] = "8", [CARVE_OS_10] = "10", [CARVE_OS_11] = "11",
	};
	return (unsigned)os < CARVE_OS__COUNT && t[os] ? t[os] : "10";
}

static const char *role_token(carve_exec_role role)
{
	return role == CARVE_ROLE_ADMT ? "admt" : role == CARVE_ROLE_MAIL ? "mail" : "management";
}

/* Whether the host of uri (http://e2e01.contoso.com/PowerShell/) is one of
 * the plan's exec hosts, which the lab plays. */
static bool plays_server(const carve_plan *plan, const char *uri)
{
	size_t n;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n);
	const char *h = strstr(uri, "://");

	h = h ? h + 3 : uri;
	size_t len = strcspn(h, ".:/");
	for (size_t i = 0; i < n; i++)
		if (strlen(e[i].name) == len && strncasecmp(e[i].name, h, len) == 0)
			return true;
	return false;
}

/* Ports: the exec hosts from base, the machines reached directly after. */
static int port_of_exec(int base, size_t e)
{
	return base + (int)e;
}

static void write_fixture(carve_buf *f, rebuild *r, const char *db_path, int base)
{
	const carve_plan *plan = r->plan;
	const carve_site *site = carve_plan_site(plan);
	const carve_mail *mail = carve_plan_mail(plan);
	const carve_transport *t = carve_plan_transport(plan);
	size_t n_acc, n_exec, n_m, n_u;
	const carve_account *acc = carve_plan_accounts(plan, &n_acc);
	const carve_exec_host *exec = carve_plan_exec_hosts(plan, &n_exec);
	const carve_machine *m = carve_plan_machines(plan, &n_m);
	const carve_user *u = carve_plan_users(plan, &n_u);
	int next_port = base + (int)n_exec;

	carve_buf_printf(f, "# carve-lab fixture rebuilt from %s by carve-lab --from-audit:\n"
			 "# each machine as the site last answered carve.\n", db_path);
	carve_buf_puts(f, "lab:\n  user: ");
	yq(f, t->account != CARVE_NONE ? acc[t->account].user : "carve");
	carve_buf_puts(f, "\n  authorized_key: .lab/client.pub\n  host_keys: .lab/keys\n"
		       "  passwords: .lab/passwords   # throwaway, made on first start\n");
	carve_buf_puts(f, "accounts:\n");
	for (size_t i = 0; i < n_acc; i++) {
		if (acc[i].auth == CARVE_AUTH_KEY || acc[i].auth == CARVE_AUTH_AGENT)
			continue;
		carve_buf_printf(f, "  - { name: %s, user: ", acc[i].name);
		yq(f, acc[i].user);
		carve_buf_puts(f, " }\n");
	}
	carve_buf_puts(f, "site:\n");
	if (mail->source_namespace)
		carve_buf_printf(f, "  namespace: %s\n", mail->source_namespace);
	if (mail->target_cas)
		carve_buf_printf(f, "  cas: %s\n", mail->target_cas);
	carve_buf_printf(f, "  source: { netbios: %s, dns: %s }\n  target: { netbios: %s, dns: %s }\n"
			 "  source_exchange: %u\n", site->source.netbios, site->source.dns,
			 site->target.netbios, site->target.dns, mail->source_version);
	if (mail->mrs_proxy)
		carve_buf_printf(f, "  mrs_proxy: %s\n", mail->mrs_proxy);
	if (mail->remote_gc)
		carve_buf_printf(f, "  source_gc: %s\n", mail->remote_gc);
	if (mail->smtp_domain)
		carve_buf_printf(f, "  smtp_domain: %s\n", mail->smtp_domain);
	/* by default the source's Domain Admins and the migrator administer a
	 * machine; the log's members replace them where it has them */
	carve_buf who = CARVE_BUF_INIT;
	carve_buf_printf(&who, "%s\\Domain Admins", site->source.netbios);
	carve_buf_printf(f, "defaults:\n  domain: %s\n  administrators: [", site->source.netbios);
	yq(f, carve_buf_cstr(&who));
	who.len = 0;
	carve_buf_printf(&who, "%s\\%s", site->target.netbios, site->migrator);
	carve_buf_puts(f, ", ");
	yq(f, carve_buf_cstr(&who));
	carve_buf_puts(f, "]\nhosts:\n");
	carve_buf_done(&who);
	for (size_t e = 0; e < n_exec; e++) {
		carve_buf_printf(f, "  - { name: %s, role: %s, os: 2008r2, port: %d", exec[e].name,
				 role_token(exec[e].role), port_of_exec(base, e));
		if (exec[e].role == CARVE_ROLE_MAIL && r->quota)
			carve_buf_printf(f, ", quota: %llu", (unsigned long long)r->quota);
		carve_buf_puts(f, " }\n");
	}
	for (size_t i = 0; i < n_m; i++) {
		host_state *h = &r->hosts[i];
		if (h->notes.len)
			carve_buf_printf(f, "  # %s answered what the lab does not model:\n%s",
					 m[i].name, carve_buf_cstr(&h->notes));
		/* Nothing was asked of it (its chunk has not run): the lab
		 * plays it as the plan requires, said so, rather than with
		 * the lab's bare defaults (an XP machine without the updates
		 * the plan asks for would fail for a reason it may not have). */
		if (never_checked(h)) {
			carve_buf_printf(f, "  # %s was never checked by carve: played healthy, with"
					 " the updates the plan requires\n", m[i].name);
			const carve_policy *pol = carve_plan_policy(plan);
			h->hotfixes.len = 0;
			for (size_t k = 0; k < pol->hotfix_count[m[i].os]; k++)
				item_quoted(&h->hotfixes, pol->hotfixes[m[i].os][k]);
			h->have_hotfixes = true;
			r->unchecked++;
		}
		carve_buf_printf(f, "  - { name: %s, os: \"%s\"", m[i].name,
				 h->os[0] ? h->os : os_token(m[i].os));
		if (m[i].reach == CARVE_REACH_DIRECT)
			carve_buf_printf(f, ", port: %d", next_port++);
		if (m[i].user != CARVE_NONE)
			carve_buf_printf(f, ", user: %s", u[m[i].user].name);
		if (m[i].outlook)
			carve_buf_printf(f, ", outlook: %u", m[i].outlook);
		if (h->power)
			carve_buf_printf(f, ", power: %s", h->power);
		if (h->disk_free)
			carve_buf_printf(f, ", disk_free: %llu", (unsigned long long)h->disk_free);
		if (h->have_hotfixes)
			carve_buf_printf(f, ", hotfixes: [%s]", carve_buf_cstr(&h->hotfixes));
		if (h->have_admins)
			carve_buf_printf(f, ", administrators: [%s]", carve_buf_cstr(&h->admins));
		if (h->language[0] && strcmp(h->language, "en"))
			carve_buf_printf(f, ", language: %s", h->language);
		if (h->have_nics)
			carve_buf_printf(f, ", nics: [%s]", carve_buf_cstr(&h->nics));
		static const char *const profiles[] = { "domain", "private", "public" };
		for (int pass = 0; pass < 2; pass++) {
			const int *v = pass ? h->policy : h->firewall;
			bool any = false;
			for (int p = 0; p < 3; p++) {
				if (v[p] < 0)
					continue;
				carve_buf_printf(f, "%s%s: %s", any ? ", "
						 : pass ? ", firewall_policy: { " : ", firewall: { ",
						 profiles[p], v[p] ? "true" : "false");
				any = true;
			}
			if (any)
				carve_buf_puts(f, " }");
		}
		if (h->services.len)
			carve_buf_printf(f, ", services: { %s }", carve_buf_cstr(&h->services));
		if (h->remote_admin_off)
			carve_buf_puts(f, ", remote_admin: false");
		if (h->not_logged_on)
			carve_buf_puts(f, ", logged_on: false");
		if (h->logged_on_source)
			carve_buf_puts(f, ", logged_on_source: true");
		if (h->faults.len)
			carve_buf_printf(f, ", faults: { %s }", carve_buf_cstr(&h->faults));
		carve_buf_puts(f, " }\n");
	}
	carve_buf_puts(f, "mailboxes:\n");
	for (size_t i = 0; i < n_u; i++) {
		box_state *b = &r->boxes[i];
		carve_buf_printf(f, "  - { user: %s", u[i].name);
		if (b->bytes)
			carve_buf_printf(f, ", size: %llu", (unsigned long long)b->bytes);
		if (b->items)
			carve_buf_printf(f, ", items: %llu", (unsigned long long)b->items);
		if (b->bad_items)
			carve_buf_printf(f, ", bad_items: %llu", (unsigned long long)b->bad_items);
		if (b->no_smtp)
			carve_buf_puts(f, ", target_smtp: false");
		carve_buf_puts(f, " }\n");
	}
}

/* key: a literal block, kept byte for byte (PowerShell's lines and their
 * indentation), with its indentation given so a first line's blanks stay. */
static void literal(carve_buf *b, const char *before, const char *key, const char *text)
{
	size_t len = strlen(text);

	carve_buf_printf(b, "%s  %s: |2%s\n", before, key,
			 len && text[len - 1] == '\n' ? (len > 1 && text[len - 2] == '\n' ? "+" : "")
							: "-");
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		carve_buf_printf(b, n ? "    %.*s\n" : "\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
}

static void duration(carve_buf *b, const char *key, uint32_t ms)
{
	carve_buf_printf(b, "  %s: %ums\n", key, (unsigned)ms);
}

static void write_plan(carve_buf *f, rebuild *r, const char *db_path, int base)
{
	const carve_plan *plan = r->plan;
	const carve_site *site = carve_plan_site(plan);
	const carve_mail *mail = carve_plan_mail(plan);
	const carve_policy *pol = carve_plan_policy(plan);
	const carve_transport *t = carve_plan_transport(plan);
	size_t n_acc, n_exec, n_fl, n_ch, n_m, n_u;
	const carve_account *acc = carve_plan_accounts(plan, &n_acc);
	const carve_exec_host *exec = carve_plan_exec_hosts(plan, &n_exec);
	const carve_floor *fl = carve_plan_floors(plan, &n_fl);
	const carve_chunk *ch = carve_plan_chunks(plan, &n_ch);
	const carve_machine *m = carve_plan_machines(plan, &n_m);
	const carve_user *u = carve_plan_users(plan, &n_u);
	int next_port = base + (int)n_exec;
	static const char *const modes[] = { "replace", "add", "remove" };

	carve_buf_printf(f, "# %s, rehearsed on carve-lab: the machines as %s recorded them\n"
			 "# (carve-lab --from-audit).  Start the lab on lab-fixture.yaml, then\n"
			 "#   carve run lab-site.yaml --chunk C --password-fd 3 3<.lab/passwords\n",
			 site->name, db_path);
	carve_buf name = CARVE_BUF_INIT;
	carve_buf_printf(&name, "%s (rehearsal)", site->name);
	carve_buf_puts(f, "site:\n  name: ");
	yq(f, carve_buf_cstr(&name));
	carve_buf_done(&name);
	carve_buf_printf(f, "\n  source: { netbios: %s, dns: %s", site->source.netbios,
			 site->source.dns);
	if (site->source.account != CARVE_NONE)
		carve_buf_printf(f, ", account: %s", acc[site->source.account].name);
	carve_buf_printf(f, " }\n  target: { netbios: %s, dns: %s, ou: ", site->target.netbios,
			 site->target.dns);
	yq(f, site->target_ou);
	/* its own log: never the real site's */
	carve_buf_printf(f, " }\n  migrator: %s\n  database: .lab/rehearsal.db\n", site->migrator);
	/* the lab has no Kerberos: a gssapi account logs on with a password
	 * there, and every key account with the lab's key */
	carve_buf_puts(f, "accounts:\n");
	for (size_t i = 0; i < n_acc; i++) {
		bool key = acc[i].auth == CARVE_AUTH_KEY || acc[i].auth == CARVE_AUTH_AGENT;
		carve_buf_printf(f, "  - { name: %s, user: ", acc[i].name);
		yq(f, acc[i].user);
		carve_buf_puts(f, key ? ", auth: key, key_file: .lab/client }\n"
				      : ", auth: password }\n");
	}
	carve_buf_puts(f, "mail:\n");
	if (mail->source_namespace)
		carve_buf_printf(f, "  source_namespace: %s\n", mail->source_namespace);
	if (mail->target_mailbox_server)
		carve_buf_printf(f, "  target_mailbox_server: %s\n", mail->target_mailbox_server);
	if (mail->target_cas)
		carve_buf_printf(f, "  target_cas: %s\n", mail->target_cas);
	if (mail->smtp_domain)
		carve_buf_printf(f, "  smtp_domain: %s\n", mail->smtp_domain);
	if (mail->mrs_proxy)
		carve_buf_printf(f, "  mrs_proxy: %s\n", mail->mrs_proxy);
	if (mail->remote_gc)
		carve_buf_printf(f, "  remote_global_catalog: %s\n", mail->remote_gc);
	if (mail->delivery_domain)
		carve_buf_printf(f, "  target_delivery_domain: %s\n", mail->delivery_domain);
	/* The same way to the cmdlets when the lab plays that server (an exec
	 * host of the plan); otherwise the snap-in on the mail host. */
	if (mail->exchange_uri)
		carve_buf_printf(f, "  %sexchange_uri: %s%s\n",
				 plays_server(plan, mail->exchange_uri) ? "" : "# ",
				 mail->exchange_uri,
				 plays_server(plan, mail->exchange_uri) ? ""
				 : "   # not an exec host, so not in the lab: the snap-in instead");
	carve_buf_printf(f, "  scope: %s\n  source_version: %u\n  bad_item_limit: %u\n",
			 mail->scope == CARVE_MAIL_SITE ? "site" : "chunk", mail->source_version,
			 mail->bad_item_limit);
	/* the lab's moves take seconds: poll as often */
	carve_buf_puts(f, "  poll_interval: 2s\n");
	duration(f, "move_timeout", mail->move_timeout_ms);
	duration(f, "outlook_timeout", mail->outlook_timeout_ms);
	carve_buf_printf(f, "policy:\n  min_free_disk: %lluB\n  update_headroom: %lluB\n",
			 (unsigned long long)pol->min_free_disk,
			 (unsigned long long)pol->update_headroom);
	carve_buf_puts(f, "  hotfixes:\n");
	for (int os = 0; os < CARVE_OS__COUNT; os++) {
		carve_buf_printf(f, "    \"%s\": [", os_token((carve_os)os));
		for (size_t k = 0; k < pol->hotfix_count[os]; k++)
			carve_buf_printf(f, "%s%s", k ? ", " : "", pol->hotfixes[os][k]);
		carve_buf_puts(f, "]\n");
	}
	if (pol->hotfix_package_count) {
		carve_buf_puts(f, "  hotfix_packages:\n");
		for (size_t k = 0; k < pol->hotfix_package_count; k++) {
			carve_buf_printf(f, "    %s: ", pol->hotfix_package_ids[k]);
			yq(f, pol->hotfix_package_paths[k]);
			carve_buf_putc(f, '\n');
		}
	}
	carve_buf_printf(f, "  disable_source_accounts: %s\n",
			 pol->disable_source_accounts ? "true" : "false");
	duration(f, "restart_timeout", pol->restart_timeout_ms);
	duration(f, "admt_timeout", pol->admt_timeout_ms);
	carve_buf_printf(f, "  admt_restart_minutes: %u\n"
			 "  translation: { mode: %s, user_profiles: %s, local_groups: %s,"
			 " user_rights: %s }\n  newer_than_windows_7: %s\n"
			 "  active_within_days: %u\n", pol->admt_restart_delay,
			 modes[pol->translation], pol->translate_profiles ? "true" : "false",
			 pol->translate_local_groups ? "true" : "false",
			 pol->translate_user_rights ? "true" : "false",
			 pol->newer_than_7 == CARVE_BEYOND7_MIGRATE ? "migrate" : "block",
			 pol->active_within_days);
	if (pol->devcon) {
		carve_buf_puts(f, "  devcon: ");
		yq(f, pol->devcon);
		carve_buf_putc(f, '\n');
	}
	carve_buf_puts(f, "transport:\n");
	if (t->account != CARVE_NONE)
		carve_buf_printf(f, "  account: %s\n", acc[t->account].name);
	carve_buf_printf(f, "  known_hosts: .lab/known_hosts\n  probe: exec\n"
			 "  timeouts: { connect: %ums, auth: %ums, command: %ums }\n"
			 "  concurrency: %u\n", (unsigned)t->connect_timeout_ms,
			 (unsigned)t->auth_timeout_ms, (unsigned)t->command_timeout_ms,
			 (unsigned)t->concurrency);
	carve_buf_puts(f, "exec_hosts:\n");
	for (size_t e = 0; e < n_exec; e++)
		carve_buf_printf(f, "  - { name: %s, role: %s, address: 127.0.0.1, port: %d,"
				 " concurrency: %u, account: %s }\n", exec[e].name,
				 role_token(exec[e].role), port_of_exec(base, e),
				 (unsigned)exec[e].concurrency, acc[exec[e].account].name);
	carve_buf_puts(f, "floors:\n");
	for (size_t i = 0; i < n_fl; i++) {
		carve_buf_printf(f, "  - name: %s\n", fl[i].name);
		if (fl[i].title) {
			carve_buf_puts(f, "    title: ");
			yq(f, fl[i].title);
			carve_buf_putc(f, '\n');
		}
		carve_buf_puts(f, "    map: |2\n"); /* rows may start with blanks */
		for (size_t k = 0; k < fl[i].row_count; k++)
			carve_buf_printf(f, "      %s\n", fl[i].rows[k]);
	}
	carve_buf_puts(f, "chunks:\n");
	for (size_t i = 0; i < n_ch; i++) {
		carve_buf_printf(f, "  - { name: %s, cutover: \"%s\"", ch[i].name, ch[i].cutover_text);
		if (ch[i].title) {
			carve_buf_puts(f, ", title: ");
			yq(f, ch[i].title);
		}
		carve_buf_puts(f, " }\n");
	}
	carve_buf_puts(f, n_u ? "users:\n" : "");
	for (size_t i = 0; i < n_u; i++) {
		carve_buf_printf(f, "  - { name: %s, chunk: %s", u[i].name, ch[u[i].chunk].name);
		if (u[i].email)
			carve_buf_printf(f, ", email: %s", u[i].email);
		if (u[i].display_name) {
			carve_buf_puts(f, ", display_name: ");
			yq(f, u[i].display_name);
		}
		if (u[i].activesync) {
			carve_buf_puts(f, ", activesync: ");
			yq(f, u[i].activesync);
		}
		carve_buf_puts(f, " }\n");
	}
	carve_buf_puts(f, "machines:\n");
	for (size_t i = 0; i < n_m; i++) {
		/* at: is 1-based, the plan keeps 0-based */
		carve_buf_printf(f, "  - { name: %s, address: 127.0.0.1, os: \"%s\", floor: %s,"
				 " at: [%u, %u], chunk: %s", m[i].name, os_token(m[i].os),
				 fl[m[i].floor].name, m[i].x + 1, m[i].y + 1, ch[m[i].chunk].name);
		if (m[i].user != CARVE_NONE)
			carve_buf_printf(f, ", user: %s", u[m[i].user].name);
		if (m[i].outlook)
			carve_buf_printf(f, ", outlook: \"%u\"", m[i].outlook);
		if (m[i].reach == CARVE_REACH_VIA)
			carve_buf_printf(f, ", reach: via, via: %s }\n", exec[m[i].via].name);
		else
			carve_buf_printf(f, ", port: %d }\n", next_port++);
	}
	bool any = false;
	for (int c = 0; c < CMD__COUNT; c++) {
		if (!plan->commands[c])
			continue;
		literal(f, any ? "" : "commands:\n", cmd_key((carve_command)c), plan->commands[c]);
		any = true;
	}
}

static int write_file(const char *path, const carve_buf *b)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	bool ok = fwrite(b->ptr, 1, b->len, f) == b->len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The throwaway passwords of the plan's password accounts, made once. */
static int passwords_for(const char *dir, const carve_plan *plan)
{
	size_t n, k = 0;
	const carve_account *acc = carve_plan_accounts(plan, &n);
	const char **names = calloc(n ? n : 1, sizeof(*names));
	char path[1200];

	if (!names)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (acc[i].auth == CARVE_AUTH_PASSWORD || acc[i].auth == CARVE_AUTH_GSSAPI)
			names[k++] = acc[i].name;
	snprintf(path, sizeof(path), "%s/.lab/passwords", dir);
	int rc = lab_passwords_make(path, names, k);
	free(names);
	return rc;
}

int lab_from_audit(const char *db_path, const char *plan_path, const char *out, int base)
{
	rebuild r = { NULL, NULL, NULL, NULL, 0, 0, CARVE_BUF_INIT };
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	carve_buf fixture = CARVE_BUF_INIT, site = CARVE_BUF_INIT;
	size_t n_m, n_u, n_exec;
	char path[1200];
	int status = 1;

	if (carve_plan_load(&plan, &diags, plan_path) < 0) {
		fprintf(stderr, "carve-lab: %s is not a valid plan (carve validate %s says why)\n",
			plan_path, plan_path);
		carve_diags_free(diags);
		return 2;
	}
	carve_diags_free(diags);
	carve_plan_machines(plan, &n_m);
	carve_plan_users(plan, &n_u);
	carve_plan_exec_hosts(plan, &n_exec);
	if (base < 1024 || base + (int)(n_exec + n_m) > 65535) {
		fprintf(stderr, "carve-lab: the ports from %d do not fit below 65536\n", base);
		status = 2;
		goto done;
	}
	r.plan = plan;
	r.hosts = calloc(n_m ? n_m : 1, sizeof(*r.hosts));
	r.boxes = calloc(n_u ? n_u : 1, sizeof(*r.boxes));
	if (!r.hosts || !r.boxes) {
		fprintf(stderr, "carve-lab: out of memory\n");
		goto done;
	}
	for (size_t i = 0; i < n_m; i++)
		for (int p = 0; p < 3; p++)
			r.hosts[i].firewall[p] = r.hosts[i].policy[p] = -1;
	if (sqlite3_open_v2(db_path, &r.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "carve-lab: cannot open the audit log %s: %s\n", db_path,
			r.db ? sqlite3_errmsg(r.db) : "out of memory");
		status = 2;
		goto done;
	}
	if (read_log(&r) < 0) {
		fprintf(stderr, "carve-lab: %s: %s\n", db_path, carve_buf_cstr(&r.err));
		status = 2;
		goto done;
	}
	write_fixture(&fixture, &r, db_path, base);
	write_plan(&site, &r, db_path, base);
	if (fixture.failed || site.failed) {
		fprintf(stderr, "carve-lab: out of memory\n");
		goto done;
	}
	mkdir(out, 0755);
	snprintf(path, sizeof(path), "%s/lab-fixture.yaml", out);
	if (write_file(path, &fixture) < 0)
		goto cannot;
	snprintf(path, sizeof(path), "%s/lab-site.yaml", out);
	if (write_file(path, &site) < 0)
		goto cannot;
	snprintf(path, sizeof(path), "%s/.lab", out);
	if (lab_client_key(out) < 0 || passwords_for(out, plan) < 0)
		goto cannot;
	/* what was written must load: the plan carve will read, the fixture
	 * the lab will */
	snprintf(path, sizeof(path), "%s/lab-site.yaml", out);
	carve_plan *check = NULL;
	lab_fixture fx;
	if (carve_plan_load(&check, &diags, path) < 0) {
		for (size_t i = 0; i < carve_diags_count(diags); i++) {
			const carve_diag *d = carve_diags_get(diags, i);
			fprintf(stderr, "%s:%u:%u: %s\n", d->file, d->line, d->col, d->message);
		}
		fprintf(stderr, "carve-lab: the rehearsal plan it wrote does not load: a bug\n");
		carve_diags_free(diags);
		goto done;
	}
	carve_diags_free(diags);
	carve_plan_free(check);
	snprintf(path, sizeof(path), "%s/lab-fixture.yaml", out);
	if (lab_fixture_load(&fx, path) < 0) {
		fprintf(stderr, "carve-lab: the fixture it wrote does not load: a bug\n");
		goto done;
	}
	lab_fixture_done(&fx);
	printf("wrote %s/lab-fixture.yaml and %s/lab-site.yaml (%zu machines, %zu users as %s"
	       " recorded them)\n", out, out, n_m, n_u, db_path);
	if (r.unchecked)
		printf("%zu of the machines were never checked by carve: the lab plays them"
		       " healthy (each marked in the fixture); run carve check on their chunk"
		       " first to rehearse against what they really are\n", r.unchecked);
	status = 0;
	goto done;
cannot:
	fprintf(stderr, "carve-lab: cannot write %s\n", path);
done:
	for (size_t i = 0; r.hosts && i < n_m; i++) {
		host_state *h = &r.hosts[i];
		carve_buf_done(&h->hotfixes);
		carve_buf_done(&h->admins);
		carve_buf_done(&h->nics);
		carve_buf_done(&h->services);
		carve_buf_done(&h->faults);
		carve_buf_done(&h->notes);
	}
	free(r.hosts);
	free(r.boxes);
	carve_buf_done(&r.err);
	carve_buf_done(&fixture);
	carve_buf_done(&site);
	if (r.db)
		sqlite3_close(r.db);
	carve_plan_free(plan);
	return status;
}
