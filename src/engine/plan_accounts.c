/*
 * plan_accounts.c - the rules on who carve logs on as.  On Windows OpenSSH
 * a key logon gets a network logon token with no credentials to pass on
 * (Win32-OpenSSH issues 518, 1264, 1047: by design), so an exec host that
 * reaches other machines - ADMT's agents, Active Directory, Exchange, the
 * machines asked through it - must log on with a password or with Kerberos
 * and delegation.  The ADMT server runs as the migrator the pre-flight
 * checks is a local administrator, and the source organisation's account
 * is of the source domain.
 */
#include "plan_internal.h"

#include <string.h>
#include <strings.h>

static const char *reach_reason(carve_exec_role role, bool asked_through)
{
	switch (role) {
	case CARVE_ROLE_ADMT: return "ADMT's agents and Active Directory";
	case CARVE_ROLE_MAIL: return "Exchange and Active Directory";
	default: return asked_through ? "the machines asked through it: remote WMI and registry"
				      : NULL;
	}
}

bool carve_exec_host_reaches_others(const carve_plan *plan, size_t e, const char **why)
{
	bool asked_through = false;

	for (size_t i = 0; i < plan->machine_count && !asked_through; i++)
		asked_through = plan->machines[i].reach == CARVE_REACH_VIA &&
				plan->machines[i].via == e;
	const char *reason = e < plan->exec_host_count
			     ? reach_reason(plan->exec_hosts[e].role, asked_through) : NULL;
	if (why)
		*why = reason;
	return reason != NULL;
}

/* user is DOMAIN\name or name@dns, with domain the NetBIOS name or dns
 * the DNS name given (ignoring case); *name (may be NULL) gets where the
 * name starts and *name_len its length. */
static bool of_domain(const char *user, const char *netbios, const char *dns,
		      const char **name, size_t *name_len)
{
	const char *slash = strchr(user, '\\'), *at = strrchr(user, '@');
	size_t nb = netbios ? strlen(netbios) : 0;

	if (slash && netbios && (size_t)(slash - user) == nb &&
	    strncasecmp(user, netbios, nb) == 0) {
		if (name)
			*name = slash + 1, *name_len = strlen(slash + 1);
		return true;
	}
	if (!slash && at && dns && carve_strcasecmp(at + 1, dns) == 0) {
		if (name)
			*name = user, *name_len = (size_t)(at - user);
		return true;
	}
	return false;
}

static const plan_account_raw *account_at(plan_load *ld, size_t a)
{
	return a == CARVE_NONE ? NULL : (const plan_account_raw *)ld->accounts.items + a;
}

/* Which exec hosts some machine is asked through. */
static bool *asked_through(plan_load *ld)
{
	bool *used = plan_scratch(ld, ld->exec_hosts.count, sizeof(bool));

	for (size_t i = 0; used && i < ld->machines.count; i++) {
		const carve_machine *m = &((const plan_machine_raw *)ld->machines.items)[i].pub;
		if (m->reach == CARVE_REACH_VIA && m->via != CARVE_NONE)
			used[m->via] = true;
	}
	return used;
}

static void check_exec_host(plan_load *ld, const plan_exec_raw *e, bool via_used)
{
	const plan_account_raw *a = account_at(ld, e->pub.account);
	const carve_site *site = &ld->site.pub;
	const char *why = reach_reason(e->pub.role, via_used), *name;
	size_t len;

	if (!a || !a->pub.user)
		return;
	if (why && (a->pub.auth == CARVE_AUTH_KEY || a->pub.auth == CARVE_AUTH_AGENT))
		plan_diag(ld, e->account, "exec host %s reaches other machines (%s), but a key "
			  "logon on Windows OpenSSH carries no network credentials "
			  "(Win32-OpenSSH issues 518, 1264, 1047): give account '%s' auth: "
			  "password or gssapi", plan_quote(ld, e->pub.name ? e->pub.name : "?"),
			  why, plan_quote(ld, a->pub.name));
	if (e->pub.role != CARVE_ROLE_ADMT || !site->migrator || !site->target.netbios)
		return;
	if (!of_domain(a->pub.user, site->target.netbios, site->target.dns, &name, &len) ||
	    strlen(site->migrator) != len || strncasecmp(name, site->migrator, len) != 0)
		plan_diag(ld, e->account, "the ADMT server must run as %s\\%s, the account the "
			  "pre-flight checks is a local administrator (site.migrator), but "
			  "account '%s' is %s", site->target.netbios, site->migrator,
			  plan_quote(ld, a->pub.name), plan_quote(ld, a->pub.user));
}

/* The source organisation's account: of the source domain, with a
 * password carve can pass on, and there when something needs it. */
static void check_source(plan_load *ld)
{
	const carve_domain *src = &ld->site.pub.source;
	const plan_account_raw *a = account_at(ld, src->account);
	bool admt = false, mail = false;

	for (size_t i = 0; i < ld->exec_hosts.count; i++) {
		carve_exec_role role = ((const plan_exec_raw *)ld->exec_hosts.items)[i].pub.role;
		admt |= role == CARVE_ROLE_ADMT;
		mail |= role == CARVE_ROLE_MAIL;
	}
	if (a && a->pub.user && src->netbios &&
	    !of_domain(a->pub.user, src->netbios, src->dns, NULL, NULL))
		plan_diag(ld, ld->site.source_account, "site.source.account must be an account of "
			  "the source domain (%s\\user or user@%s), but account '%s' is %s",
			  src->netbios, src->dns ? src->dns : "?", plan_quote(ld, a->pub.name),
			  plan_quote(ld, a->pub.user));
	if (a && a->pub.auth != CARVE_AUTH_PASSWORD)
		plan_diag(ld, ld->site.source_account, "site.source.account '%s' must have auth: "
			  "password: carve passes it to the source organisation as a credential "
			  "(-RemoteCredential), which a key or a Kerberos ticket cannot be",
			  plan_quote(ld, a->pub.name));
	if (ld->site.source_account || !ld->site.source)
		return;
	if (mail)
		plan_diag(ld, ld->site.source, "source is missing 'account': cross-forest mailbox "
			  "moves pass the source organisation's credentials (-RemoteCredential)");
	else if (admt && ld->policy.disable_source_accounts)
		plan_diag(ld, ld->site.source, "source is missing 'account': with "
			  "policy.disable_source_accounts the source user accounts are disabled "
			  "with source-domain credentials");
}

/* Machines reached directly are logged on to as transport.account. */
static void check_direct(plan_load *ld)
{
	const plan_machine_raw *first = NULL;
	size_t direct = 0;

	if (ld->transport.account)
		return;
	for (size_t i = 0; i < ld->machines.count; i++) {
		const plan_machine_raw *m = (const plan_machine_raw *)ld->machines.items + i;
		if (m->pub.reach == CARVE_REACH_DIRECT && m->name) {
			first = first ? first : m;
			direct++;
		}
	}
	if (!first)
		return;
	plan_diag(ld, ld->transport.node ? ld->transport.node : first->name,
		  "transport is missing 'account': carve logs on to the machines reached "
		  "directly (%s%s) as that account", plan_quote(ld, first->pub.name),
		  direct > 1 ? " and others" : "");
}

void plan_check_accounts(plan_load *ld)
{
	bool *via_used = asked_through(ld);

	if (!via_used)
		return;
	for (size_t i = 0; i < ld->exec_hosts.count; i++)
		check_exec_host(ld, (const plan_exec_raw *)ld->exec_hosts.items + i, via_used[i]);
	check_source(ld);
	check_direct(ld);
}
