/*
 * cli_validate.c - carve validate: load the plan, report every problem, or
 * summarise the site on one screen.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const os_titles[CARVE_OS__COUNT] = {
	[CARVE_OS_XP] = "Windows XP", [CARVE_OS_VISTA] = "Windows Vista",
	[CARVE_OS_7] = "Windows 7",   [CARVE_OS_8] = "Windows 8",
	[CARVE_OS_10] = "Windows 10", [CARVE_OS_11] = "Windows 11",
};

static const char *const probe_names[] = {
	[CARVE_PROBE_ICMP] = "ICMP echo",
	[CARVE_PROBE_TCP] = "TCP connect",
	[CARVE_PROBE_EXEC] = "ping from an exec host",
};

#define LABEL "  %-12s"

static void summarise_machines(const carve_plan *plan)
{
	size_t n, per_os[CARVE_OS__COUNT] = { 0 }, via = 0;
	const carve_machine *m = carve_plan_machines(plan, &n);
	const char *sep = ": ";

	for (size_t i = 0; i < n; i++) {
		per_os[m[i].os]++;
		via += m[i].reach == CARVE_REACH_VIA;
	}
	printf(LABEL "%zu", "machines", n);
	for (int os = 0; os < CARVE_OS__COUNT; os++)
		if (per_os[os]) {
			printf("%s%s %zu", sep, os_titles[os], per_os[os]);
			sep = ", ";
		}
	if (via)
		printf(" (%zu reached via an exec host)", via);
	putchar('\n');
}

static void summarise_chunks(const carve_plan *plan)
{
	size_t n_chunks, n_machines, n_users;
	const carve_chunk *c = carve_plan_chunks(plan, &n_chunks);
	const carve_machine *m = carve_plan_machines(plan, &n_machines);
	const carve_user *u = carve_plan_users(plan, &n_users);

	printf(LABEL "%zu\n", "chunks", n_chunks);
	for (size_t i = 0; i < n_chunks; i++) {
		size_t machines = 0, users = 0;
		for (size_t j = 0; j < n_machines; j++)
			machines += m[j].chunk == i;
		for (size_t j = 0; j < n_users; j++)
			users += u[j].chunk == i;
		printf("    %-16s cutover %-26s %4zu machines %4zu users%s%s\n", c[i].name,
		       c[i].cutover_text, machines, users, c[i].title ? "  " : "",
		       c[i].title ? c[i].title : "");
	}
}

static void summarise_rest(const carve_plan *plan)
{
	size_t n;
	const carve_floor *f = carve_plan_floors(plan, &n);
	printf(LABEL "%zu:", "floors", n);
	for (size_t i = 0; i < n; i++)
		printf("%s %s (%zu x %zu)", i ? "," : "", f[i].name, f[i].width,
		       f[i].row_count);
	putchar('\n');

	summarise_machines(plan);

	const carve_user *u = carve_plan_users(plan, &n);
	size_t activesync = 0;
	for (size_t i = 0; i < n; i++)
		activesync += u[i].activesync != NULL;
	printf(LABEL "%zu (%zu with an ActiveSync device)\n", "users", n, activesync);

	summarise_chunks(plan);

	size_t n_accounts;
	const carve_account *a = carve_plan_accounts(plan, &n_accounts);
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n);
	printf(LABEL "%zu%s", "exec hosts", n, n ? ":" : "");
	for (size_t i = 0; i < n; i++)
		printf("%s %s (%s, %u at once, as %s)", i ? "," : "", e[i].name,
		       carve_exec_role_name(e[i].role), e[i].concurrency, a[e[i].account].name);
	putchar('\n');

	const carve_teardown_item *t = carve_plan_teardown(plan, &n);
	size_t exchange = 0, verified = 0;
	for (size_t i = 0; i < n; i++) {
		exchange += t[i].area == CARVE_AREA_EXCHANGE;
		verified += t[i].verify != CARVE_VERIFY_NONE;
	}
	printf(LABEL "%zu items (%zu Exchange, %zu Active Directory; %zu verified by "
	       "carve)\n", "teardown", n, exchange, n - exchange, verified);
}

/* Each account, and where its secret comes from: never the secret. */
static void summarise_accounts(const carve_plan *plan)
{
	size_t n;
	const carve_account *a = carve_plan_accounts(plan, &n);

	printf(LABEL "%zu%s\n", "accounts", n, n ? ":" : "");
	for (size_t i = 0; i < n; i++) {
		printf("    %-16s %-32s ", a[i].name, a[i].user);
		switch (a[i].auth) {
		case CARVE_AUTH_PASSWORD:
			if (a[i].password_file)
				printf("password, from %s\n", a[i].password_file);
			else
				printf("password, asked once when carve starts (or --password-fd)\n");
			break;
		case CARVE_AUTH_GSSAPI:
			printf("Kerberos, the ticket from kinit -f, delegated\n");
			break;
		case CARVE_AUTH_KEY:
			printf("key file %s (no network credentials)\n", a[i].key_file);
			break;
		case CARVE_AUTH_AGENT:
			printf("ssh-agent's keys (no network credentials)\n");
			break;
		}
	}
}

/* The product versions and choices the commands are made for: what a
 * Windows engineer checks against the site before the night. */
static void summarise_products(const carve_plan *plan)
{
	static const char *const translation[] = { "replace", "add", "remove" };
	const carve_mail *mail = carve_plan_mail(plan);
	const carve_policy *pol = carve_plan_policy(plan);
	size_t n, newer = 0;
	const carve_machine *m = carve_plan_machines(plan, &n);

	printf(LABEL "source Exchange %u", "", mail->source_version);
	if (mail->source_version >= 2010)
		printf(" via MRS proxy %s", mail->mrs_proxy ? mail->mrs_proxy : "(none named)");
	else
		printf(" (-RemoteLegacy) via global catalog %s",
		       mail->remote_gc ? mail->remote_gc : "(none named)");
	printf(", delivery domain %s\n",
	       mail->delivery_domain ? mail->delivery_domain : "(none named: moves cannot start)");
	printf(LABEL "cmdlets from %s; %s\n", "",
	       mail->exchange_uri ? mail->exchange_uri : "the Exchange 2010 snap-in on the mail host",
	       mail->scope == CARVE_MAIL_SITE ? "the whole site's mailboxes at once (scope site)"
					      : "each chunk's mailboxes with the chunk (scope chunk)");
	for (size_t i = 0; i < n; i++)
		newer += m[i].os > CARVE_OS_7;
	uint32_t t = pol->admt_timeout_ms / 1000;
	printf(LABEL "ADMT 3.2, translation %s%s%s%s, running %u%s at most\n", "admt",
	       translation[pol->translation], pol->translate_profiles ? ", user profiles" : "",
	       pol->translate_local_groups ? ", local groups" : "",
	       pol->translate_user_rights ? ", user rights" : "",
	       t % 3600 == 0 ? t / 3600 : t % 60 == 0 ? t / 60 : t,
	       t % 3600 == 0 ? "h" : t % 60 == 0 ? "m" : "s");
	if (newer)
		printf(LABEL "%zu machine%s newer than Windows 7, where ADMT 3.2 cannot translate"
		       " profiles: %s\n", "", newer, newer == 1 ? "" : "s",
		       pol->newer_than_7 == CARVE_BEYOND7_BLOCK
		       ? "not migrated (policy.newer_than_windows_7: block)"
		       : "migrated, their users get new profiles (newer_than_windows_7: migrate)");
}

static void summarise(const carve_plan *plan)
{
	const carve_site *s = carve_plan_site(plan);
	const carve_transport *t = carve_plan_transport(plan);
	const carve_mail *mail = carve_plan_mail(plan);

	printf("%s\n", s->name);
	size_t n_accounts;
	const carve_account *a = carve_plan_accounts(plan, &n_accounts);
	printf(LABEL "%s (%s%s%s) -> %s (%s)\n", "domains", s->source.netbios, s->source.dns,
	       s->source.account != CARVE_NONE ? ", its credentials: account " : "",
	       s->source.account != CARVE_NONE ? a[s->source.account].name : "",
	       s->target.netbios, s->target.dns);
	printf(LABEL "%s\n", "target OU", s->target_ou);
	printf(LABEL "%s\n", "migrator", s->migrator);
	summarise_accounts(plan);
	if (mail->source_namespace)
		printf(LABEL "%s -> %s, bad item limit %u\n", "mail",
		       mail->source_namespace,
		       mail->target_cas ? mail->target_cas : "(no target CAS)",
		       mail->bad_item_limit);
	summarise_products(plan);
	summarise_rest(plan);
	printf(LABEL "machines reached directly as %s, host keys %s, %u sessions at once, "
	       "probe by %s\n", "transport",
	       t->account != CARVE_NONE ? a[t->account].name : "(no account: none is)",
	       t->host_keys == CARVE_HOSTKEYS_STRICT ? "strict" : "accept-new",
	       t->concurrency, probe_names[t->probe]);

	char *db = carve_audit_default_path(plan);
	printf(LABEL "%s\n", "audit log", db ? db : "(unknown)");
	free(db);
}

int cli_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":q", longopts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else
			return cli_option_error("validate", c, argv);
	}
	if (argc - optind != 1)
		return cli_usage_error("validate", "name one PLAN");

	carve_plan *plan = NULL;
	int status = cli_load_plan(&plan, argv[optind]);
	/* A password file is part of the plan: one others can read, or an
	 * empty one, is refused now, not when the run starts.  What it holds
	 * is read into locked memory and wiped with the plan. */
	int err;
	if (status == EXIT_DONE && (err = carve_plan_read_password_files(plan)) < 0)
		status = cli_engine_error(err);
	if (status == EXIT_DONE && !quiet)
		summarise(plan);
	carve_plan_free(plan);
	return status;
}
