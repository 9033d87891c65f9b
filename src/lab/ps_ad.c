/*
 * ps_ad.c - the Active Directory module for Windows PowerShell, as it is
 * on a Windows Server 2008 R2 exec host once "Import-Module ActiveDirectory"
 * ran (PowerShell 2.0 loads no module by itself): Get-ADUser,
 * Get-ADComputer and Disable-ADAccount against the source and target
 * domains of the fixture.
 *
 * Parameters: the 2008 R2 help (Get-ADComputer: learn.microsoft.com
 * previous-versions ee617192(v=technet.10); Get-ADUser and
 * Disable-ADAccount share its Identity/Filter/LDAPFilter shape): -Identity
 * (position 0), -Filter, -LDAPFilter, -Properties, -Server, -Credential,
 * -AuthType, -SearchBase, -SearchScope, -ResultSetSize, -ResultPageSize;
 * Disable-ADAccount -PassThru.
 *
 * Errors (copies of real output in Orange-Cyberdefense/GOAD issue 288 and
 * microsoft/CSS-Exchange issues 530 and 2247): an unknown identity gives
 * "Cannot find an object with identity: 'x' under: 'DC=...'."
 * (ADIdentityNotFoundException); a domain controller that cannot be
 * reached, or reached without network credentials (a key logon on Windows
 * OpenSSH: Win32-OpenSSH issue 1264), gives "Unable to contact the server.
 * This may be because this server does not exist, it is currently down, or
 * it does not have the Active Directory Web Services running."
 * (ADServerDownException).  A change in the source domain needs an account
 * of that domain: anyone else gets ERROR_DS_INSUFF_ACCESS_RIGHTS (8344).
 */
#include "ps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NPARAMS(p) CARVE_ARRAY_SIZE(p)
#define ALL 0u

static bool ad_available(ps_ctx *c)
{
	return c->ad_module;
}

/* "DC=fabrikam,DC=local" */
static const char *domain_dn(ps_ctx *c, const char *dns)
{
	carve_buf b = CARVE_BUF_INIT;

	for (const char *p = dns; *p;) {
		size_t n = strcspn(p, ".");
		carve_buf_printf(&b, "%sDC=%.*s", b.len ? "," : "", (int)n, p);
		p += n + (p[n] == '.');
	}
	const char *s = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
	carve_buf_done(&b);
	return s ? s : "";
}

/* The domain (NetBIOS) a call works on: -Server names a domain or one of
 * its controllers (dc01.fabrikam.local); without it, the exec host's own. */
static const char *call_domain(ps_ctx *c, ps_call *call)
{
	const lab_site *site = c->env->site;
	const char *server = ps_arg_str(c, call, "Server");

	if (!server)
		return site->fixture.target_netbios;
	const char *nb = lab_domain_netbios(site, server);
	if (nb)
		return nb;
	const char *dot = strchr(server, '.');
	return dot ? lab_domain_netbios(site, dot + 1) : NULL;
}

/* An error of the module, its category "kind: (target:type) [cmdlet],
 * exception" as the module writes it. */
static int ad_error(ps_ctx *c, ps_call *call, const char *exception, const char *kind,
		    const char *type, const char *target, const char *id, const char *message)
{
	char cat[512], fqid[512];

	snprintf(cat, sizeof(cat), "%s: (%s:%s) [%s], %s", kind, target ? target : "", type,
		 call->cmd->name, strrchr(exception, '.') + 1);
	snprintf(fqid, sizeof(fqid), "%s,%s", id, call->cmd->type_name);
	return ps_write_error(c, call, exception, carve_arena_strdup(&c->arena, cat),
			      carve_arena_strdup(&c->arena, fqid), "%s", message);
}

static int server_down(ps_ctx *c, ps_call *call, const char *type)
{
	return ad_error(c, call, "Microsoft.ActiveDirectory.Management.ADServerDownException",
			"ResourceUnavailable", type, NULL, "ActiveDirectoryServer:0", "Unable to "
			"contact the server. This may be because this server does not exist, it is "
			"currently down, or it does not have the Active Directory Web Services running.");
}

/*
 * Checks who the call acts as: its -Credential (checked against the
 * fixture's accounts), else the session, which must carry network
 * credentials to reach a domain controller at all.  *actor gets the
 * account.  Returns 1 to go on, 0 when an error was written, PS_THROW.
 */
static int authenticate(ps_ctx *c, ps_call *call, const char *kind, const char **actor)
{
	const pv *cred = ps_arg(call, "Credential");

	if (cred) {
		pv user;
		ps_member_get(c, *cred, "UserName", &user);
		const char *u = pv_to_str(c, user);
		const char *secret = cred->u.o->data ? (const char *)cred->u.o->data : "";
		if (!lab_check_password(&c->env->site->fixture, u, secret, strlen(secret))) {
			int r = ad_error(c, call, "System.Security.Authentication.AuthenticationException",
					 "SecurityError", kind, NULL, "ActiveDirectoryCmdlet:System."
					 "Security.Authentication.AuthenticationException", "The server "
					 "has rejected the client credentials.");
			return r < 0 ? r : 0;
		}
		*actor = u;
		return 1;
	}
	if (!ps_network_credentials(c)) {
		int r = server_down(c, call, kind);
		return r < 0 ? r : 0;
	}
	*actor = ps_session_user(c);
	return 1;
}

/* The NetBIOS domain of an account written DOMAIN\name or name@dns. */
static const char *account_domain(ps_ctx *c, const char *account)
{
	const char *slash = strchr(account, '\\'), *at = strchr(account, '@');

	if (slash)
		return lab_domain_netbios(c->env->site,
					  carve_arena_strndup(&c->arena, account, (size_t)(slash - account)));
	if (at)
		return lab_domain_netbios(c->env->site, at + 1);
	return NULL;
}

/* ------------------------------------------------------------ objects */

static const ps_class aduser_class = {
	"Microsoft.ActiveDirectory.Management.ADUser", NULL, NULL, NULL, NULL, true,
};
static const ps_class adcomputer_class = {
	"Microsoft.ActiveDirectory.Management.ADComputer", NULL, NULL, NULL, NULL, true,
};

static bool user_disabled(const lab_site *site, const char *user)
{
	for (size_t i = 0; i < site->disabled_count; i++)
		if (!strcasecmp(site->disabled_users[i], user))
			return true;
	return false;
}

/* Whether user is an account of the domain (users of the fixture: those
 * with a mailbox or a machine; in both domains, ADMT having migrated the
 * accounts before the workstations). */
static bool user_exists(lab_site *site, const char *user)
{
	if (lab_find_mailbox(site, user))
		return true;
	for (size_t i = 0; i < site->fixture.host_count; i++)
		if (!strcasecmp(site->fixture.hosts[i].user, user))
			return true;
	return false;
}

static bool wants(const pv *props, const char *name)
{
	for (size_t i = 0; props && i < props->u.a->n; i++) {
		const char *p = props->u.a->v[i].u.s;
		if (!strcmp(p, "*") || !strcasecmp(p, name))
			return true;
	}
	return false;
}

static pv user_object(ps_ctx *c, const char *domain, const char *user, const pv *props)
{
	lab_site *site = c->env->site;
	const char *dns = lab_domain_dns(site, domain);
	bool source = !strcasecmp(domain, site->fixture.source_netbios);
	ps_obj *o = ps_obj_new(c, &aduser_class);
	lab_mailbox *mb = lab_find_mailbox(site, user);

	ps_obj_set(c, o, "DistinguishedName", pv_strf(c, "CN=%s,OU=Users,%s", user,
						      domain_dn(c, dns)));
	ps_obj_set(c, o, "Enabled", pv_bool(!(source && user_disabled(site, user))));
	ps_obj_set(c, o, "Name", pv_str(c, user));
	ps_obj_set(c, o, "ObjectClass", pv_str(c, "user"));
	ps_obj_set(c, o, "SamAccountName", pv_str(c, user));
	ps_obj_set(c, o, "UserPrincipalName", pv_strf(c, "%s@%s", user, dns));
	if (wants(props, "mail"))
		ps_obj_set(c, o, "mail", pv_strf(c, "%s@%s", user, site->fixture.smtp_domain));
	/* after a cross-forest move the source mailbox is a mail-enabled user:
	 * a targetAddress and no homeMDB */
	bool meu = source && mb && mb->move.source_meu;
	if (wants(props, "targetAddress"))
		ps_obj_set(c, o, "targetAddress", meu ? pv_strf(c, "SMTP:%s@%s", user,
								site->fixture.target_dns)
						      : PV_NULL_VALUE);
	if (wants(props, "homeMDB"))
		ps_obj_set(c, o, "homeMDB", source && mb && !meu
			   ? pv_strf(c, "CN=Mailbox Database,CN=Databases,CN=Exchange Administrative "
				     "Group,CN=Administrative Groups,CN=Fabrikam,CN=Microsoft Exchange,"
				     "CN=Services,CN=Configuration,%s", domain_dn(c, dns))
			   : PV_NULL_VALUE);
	return pv_obj(o);
}

/* ---- -Filter: the subset of the AD module's filter language modelled ---- */

typedef struct {
	const char *prop;
	bool like, ne;
	const char *value;
} ad_term;

/* "*", "Name -like 'FIN*'", "Enabled -eq $true", joined by -and. */
static int parse_filter(ps_ctx *c, const char *f, ad_term *terms, size_t *n)
{
	*n = 0;
	while (isspace((unsigned char)*f))
		f++;
	if (!strcmp(f, "*"))
		return 0;
	while (*f && *n < 8) {
		char prop[64], op[16], value[128];
		int used = 0;
		if (sscanf(f, " %63[A-Za-z] -%15[A-Za-z] %n", prop, op, &used) != 2)
			return -1;
		f += used;
		char q = *f;
		if (q == '\'' || q == '"') {
			const char *end = strchr(f + 1, q);
			if (!end)
				return -1;
			snprintf(value, sizeof(value), "%.*s", (int)(end - f - 1), f + 1);
			f = end + 1;
		} else {
			size_t len = strcspn(f, " ");
			snprintf(value, sizeof(value), "%.*s", (int)len, f);
			f += len;
		}
		if (strcasecmp(op, "eq") && strcasecmp(op, "like") && strcasecmp(op, "ne"))
			return -1;
		terms[*n].prop = carve_arena_strdup(&c->arena, prop);
		terms[*n].like = !strcasecmp(op, "like");
		terms[*n].ne = !strcasecmp(op, "ne");
		terms[*n].value = carve_arena_strdup(&c->arena, value);
		(*n)++;
		while (isspace((unsigned char)*f))
			f++;
		if (!strncasecmp(f, "-and", 4)) {
			f += 4;
			continue;
		}
		if (*f)
			return -1;
	}
	return 0;
}

static bool matches(ps_ctx *c, pv obj, const ad_term *terms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pv v;
		ps_member_get(c, obj, terms[i].prop, &v);
		const char *want = terms[i].value;
		if (!strcasecmp(want, "$true") || !strcasecmp(want, "true"))
			want = "True";
		else if (!strcasecmp(want, "$false") || !strcasecmp(want, "false"))
			want = "False";
		const char *have = pv_to_str(c, v);
		bool hit = terms[i].like ? ps_like(have, want, false) : !strcasecmp(have, want);
		if (hit == terms[i].ne)
			return false;
	}
	return true;
}

static int filter_not_modelled(ps_ctx *c, ps_call *call, const char *f)
{
	return ps_throw_cmd(c, call->cmd->name, "System.NotImplementedException",
			    "NotImplemented: (:) [], NotImplementedException", "CarveLabNotModelled",
			    "carve-lab models -Filter as '*' or terms 'Property -eq|-ne|-like value' "
			    "joined by -and, not: %s", f);
}

/* ------------------------------------------------------------ cmdlets */

static const char *const get_sets[] = { "Filter", "Identity", "LDAPFilter", NULL };

#define AD_COMMON_PARAMS \
	{ "AuthType", NULL, PP_STRING, -1, ALL, 0, false }, \
	{ "Credential", NULL, PP_CREDENTIAL, -1, ALL, 0, false }, \
	{ "Server", NULL, PP_STRING, -1, ALL, 0, false }, \
	{ "Partition", NULL, PP_STRING, -1, ALL, 0, false }

static const ps_param get_params[] = {
	{ "Filter", NULL, PP_STRING, -1, 0x1, 0x1, false },
	{ "Identity", NULL, PP_ANY, 0, 0x2, 0x2, true },
	{ "LDAPFilter", NULL, PP_STRING, -1, 0x4, 0x4, false },
	{ "Properties", "Property", PP_STRINGS, -1, ALL, 0, false },
	{ "SearchBase", NULL, PP_STRING, -1, 0x5, 0, false },
	{ "SearchScope", NULL, PP_STRING, -1, 0x5, 0, false },
	{ "ResultSetSize", NULL, PP_ANY, -1, 0x5, 0, false },
	{ "ResultPageSize", NULL, PP_INT, -1, 0x5, 0, false },
	AD_COMMON_PARAMS,
};

static const char *identity_of(ps_ctx *c, const ps_call *call, const pv_list *in, size_t i,
			       size_t *count)
{
	const pv *id = ps_arg(call, "Identity");

	*count = id ? 1 : in->n;
	if (id)
		return pv_to_str(c, *id);
	pv v = in->v[i], name;
	if (v.k == PV_OBJ && ps_member_get(c, v, "SamAccountName", &name) == 0 && name.k != PV_NULL)
		return pv_to_str(c, name);
	return pv_to_str(c, v);
}

static int not_found(ps_ctx *c, ps_call *call, const char *identity, const char *domain,
		     const char *kind)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "Cannot find an object with identity: '%s' under: '%s'.",
		 identity, domain_dn(c, lab_domain_dns(c->env->site, domain)));
	return ad_error(c, call, "Microsoft.ActiveDirectory.Management.ADIdentityNotFoundException",
			"ObjectNotFound", kind, identity, "ActiveDirectoryCmdlet:Microsoft."
			"ActiveDirectory.Management.ADIdentityNotFoundException", msg);
}

static int run_get_aduser(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const char *domain = call_domain(c, call), *actor;
	const pv *props = ps_arg(call, "Properties");
	lab_site *site = c->env->site;
	size_t count;

	if (ps_arg(call, "LDAPFilter"))
		return filter_not_modelled(c, call, ps_arg_str(c, call, "LDAPFilter"));
	int r = authenticate(c, call, "ADUser", &actor);
	if (r <= 0)
		return r;
	if (!domain)
		return server_down(c, call, "ADUser");
	const char *filter = ps_arg_str(c, call, "Filter");
	if (filter) {
		ad_term terms[8];
		size_t n;
		if (parse_filter(c, filter, terms, &n) < 0)
			return filter_not_modelled(c, call, filter);
		for (size_t i = 0; i < site->fixture.mailbox_count; i++) {
			pv u = user_object(c, domain, site->fixture.mailboxes[i].user, props);
			if (matches(c, u, terms, n))
				pv_list_push(c, out, u);
		}
		return 0;
	}
	identity_of(c, call, in, 0, &count);
	for (size_t i = 0; i < count; i++) {
		const char *id = identity_of(c, call, in, i, &count);
		const char *sam = strchr(id, '\\') ? strchr(id, '\\') + 1 : id;
		if (!user_exists(site, sam)) {
			if (not_found(c, call, id, domain, "ADUser") < 0)
				return PS_THROW;
			continue;
		}
		pv_list_push(c, out, user_object(c, domain, sam, props));
	}
	return 0;
}

static const ps_cmdlet get_aduser = {
	"Get-ADUser", "Microsoft.ActiveDirectory.Management.Commands.GetADUser", get_sets, 0,
	get_params, NPARAMS(get_params), run_get_aduser, ad_available, false,
};

/* lastLogonTimestamp is a FILETIME (100 ns since 1601), replicated with a
 * lag of up to about 14 days (adschema a-lastlogontimestamp). */
static pv filetime_days_ago(unsigned days)
{
	time_t t = time(NULL) - (time_t)days * 86400;

	return pv_int(((int64_t)t + 11644473600LL) * 10000000LL);
}

static pv computer_object(ps_ctx *c, const char *domain, const char *name, const char *os,
			  unsigned last_logon_days, const pv *props)
{
	const char *dns = lab_domain_dns(c->env->site, domain);
	ps_obj *o = ps_obj_new(c, &adcomputer_class);

	ps_obj_set(c, o, "DistinguishedName", pv_strf(c, "CN=%s,CN=Computers,%s", name,
						      domain_dn(c, dns)));
	ps_obj_set(c, o, "DNSHostName", pv_strf(c, "%s.%s", name, dns));
	char sam[LAB_NAME];
	snprintf(sam, sizeof(sam), "%s$", name);
	bool source = !strcasecmp(domain, c->env->site->fixture.source_netbios);
	ps_obj_set(c, o, "Enabled", pv_bool(!(source && user_disabled(c->env->site, sam))));
	ps_obj_set(c, o, "Name", pv_str(c, name));
	ps_obj_set(c, o, "ObjectClass", pv_str(c, "computer"));
	ps_obj_set(c, o, "SamAccountName", pv_strf(c, "%s$", name));
	if (wants(props, "OperatingSystem"))
		ps_obj_set(c, o, "OperatingSystem", pv_str(c, os));
	if (wants(props, "lastLogonTimestamp"))
		ps_obj_set(c, o, "lastLogonTimestamp", filetime_days_ago(last_logon_days));
	return pv_obj(o);
}

/* A computer's operatingSystem attribute: Windows writes its product
 * name there when it joins and at each start, as Win32_OperatingSystem
 * names it without "Microsoft " (lab_os_caption); a client is never a
 * "Server" edition, which is how teardown tells servers apart.  (Vista's
 * value is believed to read "Windows Vista(TM) Business" with a trademark
 * sign; no public page shows the attribute's value for it.) */
static const char *os_attribute(ps_ctx *c, const lab_host *h)
{
	const char *s = lab_os_caption(h);
	size_t n;

	if (!strncmp(s, "Microsoft ", 10))
		s += 10;
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	return carve_arena_strndup(&c->arena, s, n);
}

/* The computer accounts of domain: the fixture's machines (they stay in
 * the source domain after ADMT moves them: the seed says it "does not
 * disable or remove the Source objects"), and those no plan names. */
static void computers_of(ps_ctx *c, const char *domain, const pv *props, pv_list *out)
{
	lab_site *site = c->env->site;
	bool source = !strcasecmp(domain, site->fixture.source_netbios);

	for (size_t i = 0; i < site->fixture.host_count; i++) {
		lab_host *h = &site->fixture.hosts[i];
		bool joined = h->progress.join_at && time(NULL) >= h->progress.join_at;
		if (source ? strcasecmp(h->domain, domain) != 0 : !joined)
			continue;
		pv_list_push(c, out, computer_object(c, domain, h->name, os_attribute(c, h),
						     h->last_logon_days, props));
	}
	for (size_t i = 0; source && i < site->fixture.computer_count; i++) {
		const lab_computer *k = &site->fixture.computers[i];
		pv_list_push(c, out, computer_object(c, domain, k->name, k->os, k->last_logon_days,
						     props));
	}
}

static int run_get_adcomputer(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const char *domain = call_domain(c, call), *actor;
	const pv *props = ps_arg(call, "Properties");
	size_t count;

	if (ps_arg(call, "LDAPFilter"))
		return filter_not_modelled(c, call, ps_arg_str(c, call, "LDAPFilter"));
	int r = authenticate(c, call, "ADComputer", &actor);
	if (r <= 0)
		return r;
	if (!domain)
		return server_down(c, call, "ADComputer");
	pv_list all = { 0 };
	computers_of(c, domain, props, &all);
	const char *filter = ps_arg_str(c, call, "Filter");
	if (filter) {
		ad_term terms[8];
		size_t n;
		if (parse_filter(c, filter, terms, &n) < 0)
			return filter_not_modelled(c, call, filter);
		for (size_t i = 0; i < all.n; i++)
			if (matches(c, all.v[i], terms, n))
				pv_list_push(c, out, all.v[i]);
		return 0;
	}
	identity_of(c, call, in, 0, &count);
	for (size_t i = 0; i < count; i++) {
		const char *id = identity_of(c, call, in, i, &count);
		char name[64];
		/* the module looks up sAMAccountName, adding the '$' itself */
		snprintf(name, sizeof(name), "%s", id);
		name[strcspn(name, "$")] = '\0';
		bool found = false;
		for (size_t k = 0; k < all.n && !found; k++) {
			pv n;
			ps_member_get(c, all.v[k], "Name", &n);
			if (!strcasecmp(pv_to_str(c, n), name)) {
				pv_list_push(c, out, all.v[k]);
				found = true;
			}
		}
		if (!found && not_found(c, call, id, domain, "ADComputer") < 0)
			return PS_THROW;
	}
	return 0;
}

static const ps_cmdlet get_adcomputer = {
	"Get-ADComputer", "Microsoft.ActiveDirectory.Management.Commands.GetADComputer", get_sets,
	0, get_params, NPARAMS(get_params), run_get_adcomputer, ad_available, false,
};

/* Whether domain has a computer account named name (no '$'). */
static bool computer_exists(ps_ctx *c, const char *domain, const char *name)
{
	pv_list all = { 0 };

	computers_of(c, domain, NULL, &all);
	for (size_t k = 0; k < all.n; k++) {
		pv n;
		ps_member_get(c, all.v[k], "Name", &n);
		if (!strcasecmp(pv_to_str(c, n), name))
			return true;
	}
	return false;
}

static const ps_param disable_params[] = {
	{ "Identity", NULL, PP_ANY, 0, ALL, 1, true },
	{ "PassThru", NULL, PP_SWITCH, -1, ALL, 0, false },
	AD_COMMON_PARAMS,
};

static int run_disable(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	lab_site *site = c->env->site;
	const char *domain = call_domain(c, call), *actor;
	size_t count;

	int r = authenticate(c, call, "ADAccount", &actor);
	if (r <= 0)
		return r;
	if (!domain)
		return server_down(c, call, "ADAccount");
	identity_of(c, call, in, 0, &count);
	for (size_t i = 0; i < count; i++) {
		const char *id = identity_of(c, call, in, i, &count);
		const char *sam = strchr(id, '\\') ? strchr(id, '\\') + 1 : id;
		size_t len = strlen(sam);
		/* an ADAccount is a user or a computer: a computer's
		 * sAMAccountName is its name and a '$' (what Get-ADComputer
		 * passes down the pipeline), and Disable-ADAccount disables it
		 * as readily as a user, which is how disabling "the source
		 * accounts" went wrong on a site */
		bool computer = len > 1 && sam[len - 1] == '$' &&
				computer_exists(c, domain, carve_arena_strndup(&c->arena, sam, len - 1));
		if (!computer && !user_exists(site, sam)) {
			if (not_found(c, call, id, domain, "ADAccount") < 0)
				return PS_THROW;
			continue;
		}
		const char *actor_domain = account_domain(c, actor);
		if (!actor_domain || strcasecmp(actor_domain, domain) != 0) {
			if (ad_error(c, call, "Microsoft.ActiveDirectory.Management.ADException",
				     "NotSpecified", "ADAccount", id, "ActiveDirectoryServer:8344",
				     "Insufficient access rights to perform the operation") < 0)
				return PS_THROW;
			continue;
		}
		if (!strcasecmp(domain, site->fixture.source_netbios) && !user_disabled(site, sam)) {
			char (*more)[LAB_NAME] = realloc(site->disabled_users,
							 (site->disabled_count + 1) * sizeof(*more));
			if (!more)
				return ps_throw(c, "System.OutOfMemoryException", "", "OutOfMemory",
						"carve-lab ran out of memory");
			site->disabled_users = more;
			snprintf(site->disabled_users[site->disabled_count++], LAB_NAME, "%s", sam);
			carve_buf j = CARVE_BUF_INIT;
			carve_buf_printf(&j, "\"change\":\"%s disabled\",\"user\":",
					 computer ? "computer" : "user");
			carve_buf_json_string(&j, sam);
			carve_buf_puts(&j, ",\"by\":");
			carve_buf_json_string(&j, actor);
			lab_journal(NULL, "source_account", carve_buf_cstr(&j));
			carve_buf_done(&j);
		}
		if (ps_arg_switch(call, "PassThru") && !computer)
			pv_list_push(c, out, user_object(c, domain, sam, NULL));
	}
	return 0;
}

static const ps_cmdlet disable_adaccount = {
	"Disable-ADAccount", "Microsoft.ActiveDirectory.Management.Commands.DisableADAccount",
	NULL, 0, disable_params, NPARAMS(disable_params), run_disable, ad_available, true,
};

const ps_cmdlet *const ps_ad_cmdlets[] = {
	&get_aduser, &get_adcomputer, &disable_adaccount, NULL,
};

const ps_type *const ps_ad_types[] = { NULL };
