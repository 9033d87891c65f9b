/*
 * ps_exchange.c - the Exchange 2010 cmdlets of a mailbox move, as the mail
 * migration server has them once they are loaded (Add-PSSnapin
 * Microsoft.Exchange.Management.PowerShell.E2010, or a remote session to
 * a Client Access server imported with Import-PSSession): New-MoveRequest,
 * Get-MoveRequest, Get-MoveRequestStatistics, Remove-MoveRequest,
 * Get-MailUser, Get-MailboxDatabase; and Get-EventLog for the server's
 * Application log.
 *
 * New-MoveRequest's parameter sets are those of the Exchange 2010 SP3 help
 * (unifiedpeople.ru/exch2010help.en c28ca2ce-...): Local (-Identity
 * [-TargetDatabase]), Remote (-Remote -RemoteHostName, optional
 * -RemoteCredential -RemoteGlobalCatalog -TargetDeliveryDomain) for a 2010
 * source with MRSProxy, RemoteLegacy (-RemoteLegacy -RemoteCredential
 * -RemoteGlobalCatalog, required) for a 2003 or 2007 source (technet
 * dd876952(v=exchg.140)).  A BadItemLimit of 51 or more needs
 * -AcceptLargeDataLoss (office-docs-powershell New-MoveRequest.md); the
 * refusal's exact wording is not public and the lab's text says so.  A
 * mailbox that already has a request is refused with the texts of KB
 * 3050691 (a completed one) and KB 4502865 (one under way or failed):
 * completed requests are not removed by Exchange 2010 itself.
 *
 * Sizes are ByteQuantifiedSize values printing "1.333 GB (1,430,999,724
 * bytes)" (microsoft/CSS-Exchange issue 901); quotas are
 * Unlimited<ByteQuantifiedSize>, "Unlimited" when unlimited.  Through a
 * remote session PowerShell 2.0 gets them deserialized as strings, so
 * .ToBytes() fails there (cunninghamp/Get-DailyBackupAlerts.ps1 issue 5).
 * Get-MoveRequest returns the first 1000 requests unless -ResultSize says
 * otherwise, with Exchange's warning.
 */
#include "ps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NPARAMS(p) CARVE_ARRAY_SIZE(p)
#define ALL 0u

static bool exchange_loaded(ps_ctx *c)
{
	return c->exchange;
}

static lab_host *mail_server(ps_ctx *c)
{
	lab_site *site = c->env->site;

	for (size_t i = 0; i < site->fixture.host_count; i++)
		if (site->fixture.hosts[i].role == LAB_MAIL)
			return &site->fixture.hosts[i];
	return c->env->self;
}

/* ---- sizes ---- */

typedef struct {
	uint64_t bytes;
	bool unlimited;
} size_data;

static const char *size_string(ps_ctx *c, ps_obj *o)
{
	const size_data *d = o->data;
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	double v = (double)d->bytes;
	size_t u = 0;
	char num[32], digits[32];
	carve_buf b = CARVE_BUF_INIT;

	if (d->unlimited)
		return "Unlimited";
	while (v >= 1024 && u + 1 < CARVE_ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	/* three significant digits, as Exchange prints them */
	snprintf(num, sizeof(num), "%.*f", v >= 100 ? 0 : v >= 10 ? 1 : u ? 3 : 0, v);
	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)d->bytes);
	carve_buf_printf(&b, "%s %s (", num, units[u]);
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			carve_buf_putc(&b, ',');
		carve_buf_putc(&b, digits[i]);
	}
	carve_buf_puts(&b, " bytes)");
	const char *s = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
	carve_buf_done(&b);
	return s ? s : "";
}

static int size_get(ps_ctx *c, ps_obj *o, const char *name, pv *out)
{
	size_data *d = o->data;

	if (!strcasecmp(name, "IsUnlimited")) {
		*out = pv_bool(d->unlimited);
		return 1;
	}
	if (!strcasecmp(name, "Value")) {
		if (d->unlimited) {
			*out = PV_NULL_VALUE;
		} else {
			/* Unlimited<T>.Value: the ByteQuantifiedSize itself */
			size_data *v = carve_arena_alloc(&c->arena, sizeof(*v));
			*v = *d;
			ps_obj *bq = ps_obj_new(c, o->cls);
			bq->data = v;
			*out = pv_obj(bq);
		}
		return 1;
	}
	return 0;
}

static int size_call(ps_ctx *c, ps_obj *o, const char *m, const pv *args, size_t n, pv *out)
{
	size_data *d = o->data;
	static const struct { const char *name; int shift; } to[] = {
		{ "ToBytes", 0 }, { "ToKB", 10 }, { "ToMB", 20 }, { "ToGB", 30 },
	};

	(void)c, (void)args;
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(to) && !d->unlimited; i++)
		if (!strcasecmp(m, to[i].name) && n == 0) {
			*out = pv_int((int64_t)(d->bytes >> to[i].shift));
			return 1;
		}
	return 0;
}

static const ps_class size_class = {
	"Microsoft.Exchange.Data.ByteQuantifiedSize", size_get, NULL, size_call, size_string, false,
};

/* A size as the cmdlet's caller receives it: the live value in a local
 * shell, its string through a remote session. */
static pv size_value(ps_ctx *c, uint64_t bytes, bool unlimited)
{
	ps_obj *o = ps_obj_new(c, &size_class);
	size_data *d = carve_arena_alloc(&c->arena, sizeof(*d));

	d->bytes = bytes;
	d->unlimited = unlimited;
	o->data = d;
	return c->exchange_remote ? pv_str(c, size_string(c, o)) : pv_obj(o);
}

/* ---- moves ---- */

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void stamp_iso(char *out, size_t cap)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
}

static void move_journal(const lab_mailbox *mb, const char *result)
{
	carve_buf j = CARVE_BUF_INIT;

	carve_buf_puts(&j, "\"user\":");
	carve_buf_json_string(&j, mb->user);
	carve_buf_puts(&j, ",\"result\":");
	carve_buf_json_string(&j, result);
	lab_journal(NULL, "move", carve_buf_cstr(&j));
	carve_buf_done(&j);
}

static void move_fail(lab_site *site, lab_mailbox *mb, const char *message)
{
	char when[32];

	mb->move.state = MOVE_FAILED;
	snprintf(mb->move.message, sizeof(mb->move.message), "%s", message);
	stamp_iso(when, sizeof(when));
	snprintf(site->events[site->event_count++ % 256], sizeof(site->events[0]),
		 "%s|MSExchange Mailbox Replication|The move request for '%s' failed: %s", when,
		 mb->user, message);
	move_journal(mb, "failed");
}

/* Moves the move on to where time has taken it; returns bytes copied.
 * It fails for the seed's reasons: no SMTP address on the target user,
 * more bad items than the limit, more than the target database holds. */
static uint64_t move_advance(lab_site *site, lab_mailbox *mb, const lab_host *mail)
{
	double moved = seconds_since(&mb->move.started) * (double)mail->move_rate;
	uint64_t copied = moved >= (double)mb->size ? mb->size : (uint64_t)moved;
	char message[256];

	if (mb->move.state != MOVE_IN_PROGRESS)
		return mb->move.state == MOVE_COMPLETED ? mb->size : copied;
	if (!mb->target_smtp) {
		snprintf(message, sizeof(message), "The target mail user '%s' doesn't have an SMTP "
			 "proxy matching the source address.", mb->user);
		move_fail(site, mb, message);
	} else if (mb->bad_items > mb->move.bad_limit && copied >= mb->size / 2) {
		snprintf(message, sizeof(message), "TooManyBadItemsPermanentException: The limit of "
			 "%llu bad items was exceeded.", (unsigned long long)mb->move.bad_limit);
		move_fail(site, mb, message);
	} else if (mail->quota && copied > mail->quota) {
		move_fail(site, mb, "MapiExceptionShutoffQuotaExceeded: Unable to save changes. "
			  "(hr=0x80004005, ec=1245)");
	} else if (copied >= mb->size) {
		mb->move.state = MOVE_COMPLETED;
		mb->move.moved = true;
		mb->move.source_meu = true;
		move_journal(mb, "completed");
	}
	return copied;
}

static const char *status_name(const lab_mailbox *mb)
{
	switch (mb->move.state) {
	case MOVE_IN_PROGRESS: return "InProgress";
	case MOVE_COMPLETED: return "Completed";
	case MOVE_FAILED: return "Failed";
	default: return "None";
	}
}

static int not_found(ps_ctx *c, ps_call *call, const char *identity, const char *type)
{
	char cat[256], id[256];

	snprintf(cat, sizeof(cat), "NotSpecified: (%s:%s) [%s], ManagementObjectNotFoundException",
		 identity, type, call->cmd->name);
	snprintf(id, sizeof(id), "%s,%s", "9C6B5C3F", call->cmd->type_name);
	return ps_write_error(c, call, "Microsoft.Exchange.Configuration.Tasks."
			      "ManagementObjectNotFoundException", carve_arena_strdup(&c->arena, cat),
			      carve_arena_strdup(&c->arena, id), "The operation couldn't be performed "
			      "because object '%s' couldn't be found on 'dc01.%s'.", identity,
			      c->env->site->fixture.target_dns);
}

/* The objects a cmdlet acts on: its -Identity (an array of them
 * enumerated), else what the pipeline gave it. */
static pv_list identities(ps_ctx *c, const pv *id, const pv_list *in)
{
	pv_list ids = { 0 };

	if (!id)
		return *in;
	pv_list_write(c, &ids, *id);
	return ids;
}

static lab_mailbox *find_mailbox(ps_ctx *c, pv identity)
{
	pv alias;
	const char *id;

	if (identity.k == PV_OBJ && ps_member_get(c, identity, "Alias", &alias) == 0 &&
	    alias.k != PV_NULL)
		id = pv_to_str(c, alias);
	else
		id = pv_to_str(c, identity);
	/* an identity may be an alias, DOMAIN\\name, a UPN or SMTP address, or
	 * the canonical name Get-MoveRequest reports (contoso.com/Users/name) */
	const char *slash = strrchr(id, '\\'), *cn = strrchr(id, '/');
	if (cn && (!slash || cn > slash))
		slash = cn;
	const char *name = slash ? slash + 1 : id, *at = strchr(name, '@');
	char user[LAB_NAME];
	snprintf(user, sizeof(user), "%.*s", at ? (int)(at - name) : (int)strlen(name), name);
	return lab_find_mailbox(c->env->site, user);
}

static const ps_class request_class = {
	"Microsoft.Exchange.Management.RecipientTasks.MoveRequest", NULL, NULL, NULL, NULL, true,
};

static pv request_object(ps_ctx *c, const lab_mailbox *mb)
{
	ps_obj *o = ps_obj_new(c, &request_class);

	ps_obj_set(c, o, "DisplayName", pv_str(c, mb->user));
	ps_obj_set(c, o, "Alias", pv_str(c, mb->user));
	ps_obj_set(c, o, "Status", pv_str(c, status_name(mb)));
	ps_obj_set(c, o, "RemoteHostName", pv_str(c, mb->move.remote_host));
	ps_obj_set(c, o, "TargetDatabase", pv_str(c, "DB01"));
	ps_obj_set(c, o, "Identity", pv_strf(c, "%s/Users/%s", c->env->site->fixture.target_dns,
					     mb->user));
	return pv_obj(o);
}

/* ------------------------------------------------------------ New-MoveRequest */

enum { SET_LOCAL = 1u << 0, SET_REMOTE = 1u << 1, SET_LEGACY = 1u << 2 };

static const char *const move_sets[] = { "MigrationLocal", "MigrationRemote",
					 "MigrationRemoteLegacy", NULL };
static const ps_param new_move_params[] = {
	{ "Identity", NULL, PP_ANY, 0, ALL, 0x7, true },
	{ "Remote", NULL, PP_SWITCH, -1, SET_REMOTE, SET_REMOTE, false },
	{ "RemoteHostName", NULL, PP_STRING, -1, SET_REMOTE, SET_REMOTE, false },
	{ "RemoteLegacy", NULL, PP_SWITCH, -1, SET_LEGACY, SET_LEGACY, false },
	{ "RemoteCredential", NULL, PP_CREDENTIAL, -1, SET_REMOTE | SET_LEGACY, SET_LEGACY, false },
	{ "RemoteGlobalCatalog", NULL, PP_STRING, -1, SET_REMOTE | SET_LEGACY, SET_LEGACY, false },
	{ "RemoteTargetDatabase", NULL, PP_STRING, -1, SET_REMOTE | SET_LEGACY, 0, false },
	{ "TargetDeliveryDomain", NULL, PP_STRING, -1, SET_REMOTE | SET_LEGACY, 0, false },
	{ "TargetDatabase", NULL, PP_STRING, -1, ALL, 0, false },
	{ "ArchiveDomain", NULL, PP_STRING, -1, SET_REMOTE, 0, false },
	{ "ArchiveOnly", NULL, PP_SWITCH, -1, SET_LOCAL | SET_REMOTE, 0, false },
	{ "PrimaryOnly", NULL, PP_SWITCH, -1, SET_LOCAL | SET_REMOTE, 0, false },
	{ "BadItemLimit", NULL, PP_STRING, -1, ALL, 0, false },
	{ "AcceptLargeDataLoss", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "AllowLargeItems", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "BatchName", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Priority", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Suspend", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "SuspendComment", NULL, PP_STRING, -1, ALL, 0, false },
	{ "SuspendWhenReadyToComplete", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "MRSServer", NULL, PP_STRING, -1, ALL, 0, false },
	{ "IgnoreRuleLimitErrors", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "DomainController", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Protect", NULL, PP_SWITCH, -1, ALL, 0, false },
};

static int task_error(ps_ctx *c, ps_call *call, const char *exception, const char *kind,
		      const char *target, const char *message)
{
	char cat[512], id[256];

	snprintf(cat, sizeof(cat), "%s: (%s:MailboxOrMailUserIdParameter) [%s], %s", kind, target,
		 call->cmd->name, strrchr(exception, '.') + 1);
	snprintf(id, sizeof(id), "%s,%s", "1C8CA39B", call->cmd->type_name);
	return ps_write_error(c, call, exception, carve_arena_strdup(&c->arena, cat),
			      carve_arena_strdup(&c->arena, id), "%s", message);
}

/* Whether the move's remote end is reachable with what was given: the
 * source's version decides between MRSProxy (2010) and a legacy move. */
static const char *remote_problem(ps_ctx *c, ps_call *call, char *buf, size_t cap)
{
	const lab_site *site = c->env->site;
	bool legacy = ps_arg_switch(call, "RemoteLegacy");
	const pv *cred = ps_arg(call, "RemoteCredential");
	unsigned version = site->fixture.source_exchange;

	if (!legacy) {
		const char *host = ps_arg_str(c, call, "RemoteHostName");
		if (version < 2010 || strcasecmp(host, site->fixture.mrs_proxy)) {
			snprintf(buf, cap, "The call to 'https://%s/EWS/mrsproxy.svc' failed because no "
				 "service was listening on the specified endpoint.", host);
			return buf;
		}
	} else {
		const char *gc = ps_arg_str(c, call, "RemoteGlobalCatalog");
		if (version >= 2010) {
			snprintf(buf, cap, "RemoteLegacy moves need a source forest on Exchange 2003 or "
				 "2007; this one runs Exchange 2010: use -Remote (carve-lab's text)");
			return buf;
		}
		if (strcasecmp(gc, site->fixture.source_gc)) {
			snprintf(buf, cap, "Active Directory server %s is not available. Error message: "
				 "The LDAP server is unavailable.", gc);
			return buf;
		}
	}
	if (!cred) {
		snprintf(buf, cap, "The remote server %s rejected the credentials of the account "
			 "running the move: give -RemoteCredential for the source forest "
			 "(carve-lab's text)", legacy ? ps_arg_str(c, call, "RemoteGlobalCatalog")
			 : ps_arg_str(c, call, "RemoteHostName"));
		return buf;
	}
	pv user;
	ps_member_get(c, *cred, "UserName", &user);
	const char *secret = cred->u.o->data ? (const char *)cred->u.o->data : "";
	if (!lab_check_password(&c->env->site->fixture, pv_to_str(c, user), secret, strlen(secret))) {
		snprintf(buf, cap, "The remote server rejected the credentials for %s: Access is "
			 "denied.", pv_to_str(c, user));
		return buf;
	}
	return NULL;
}

/* What an Exchange cmdlet costs for the mailboxes it handles (the
 * fixture's exchange_cmdlet each), slept before it answers. */
static void exchange_cost(ps_ctx *c, size_t mailboxes)
{
	uint64_t ms = (uint64_t)c->env->site->fixture.costs.exchange_ms * (mailboxes ? mailboxes : 1);

	if (ms)
		ps_sleep(c, (uint32_t)(ms > 600000 ? 600000 : ms));
}

static int run_new_move(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	lab_site *site = c->env->site;
	const pv *id = ps_arg(call, "Identity");
	pv_list ids = { 0 };
	char buf[400];

	if (id)
		pv_list_push(c, &ids, *id);
	else
		ids = *in;
	exchange_cost(c, ids.n);
	const char *limit_text = ps_arg_str(c, call, "BadItemLimit");
	uint64_t limit = 0;
	if (limit_text && strcasecmp(limit_text, "Unlimited")) {
		char *end;
		limit = strtoull(limit_text, &end, 10);
		if (*end) {
			char msg[300];
			snprintf(msg, sizeof(msg), "Cannot bind parameter 'BadItemLimit'. Cannot convert "
				 "value \"%s\" to type \"Microsoft.Exchange.Data.Unlimited`1[System."
				 "Int32]\". Error: \"Input string was not in a correct format.\"",
				 limit_text);
			return ps_throw_cmd(c, call->cmd->name,
					    "System.Management.Automation.ParameterBindingException",
					    "InvalidArgument: (:) [New-MoveRequest], ParameterBindingException",
					    "CannotConvertArgumentNoMessage,Microsoft.Exchange.Management."
					    "RecipientTasks.NewMoveRequest", "%s", msg);
		}
	} else if (limit_text) {
		limit = UINT64_MAX;
	}
	for (size_t i = 0; i < ids.n; i++) {
		const char *name = pv_to_str(c, ids.v[i]);
		lab_mailbox *mb = find_mailbox(c, ids.v[i]);
		if (!mb) {
			if (not_found(c, call, name, "MailboxOrMailUserIdParameter") < 0)
				return PS_THROW;
			continue;
		}
		if (limit > 50 && !ps_arg_switch(call, "AcceptLargeDataLoss")) {
			if (task_error(c, call, "Microsoft.Exchange.Management.RecipientTasks."
				       "BadItemLimitNeedsAcceptLargeDataLossException", "InvalidArgument",
				       name, "The BadItemLimit is greater than 50: to accept that many "
				       "items may be lost, use -AcceptLargeDataLoss (carve-lab's wording; "
				       "Exchange's is not public)") < 0)
				return PS_THROW;
			continue;
		}
		if (mb->move.state == MOVE_COMPLETED) {
			snprintf(buf, sizeof(buf), "Mailbox '%s' has a completed move request associated "
				 "with it. Before you create a new move request for the mailbox, run the "
				 "Remove-MoveRequest cmdlet to clear the completed move request.", mb->user);
			if (task_error(c, call, "Microsoft.Exchange.Management.Tasks."
				       "ManagementObjectAlreadyExistsException", "InvalidArgument", name,
				       buf) < 0)
				return PS_THROW;
			continue;
		}
		if (mb->move.state != MOVE_NONE) {
			snprintf(buf, sizeof(buf), "Mailbox '%s' is already being moved to '%s'.",
				 mb->user, mb->move.remote_host[0] ? mb->move.remote_host : "DB01");
			if (task_error(c, call, "Microsoft.Exchange.Management.Tasks."
				       "ManagementObjectAlreadyExistsException", "InvalidArgument", name,
				       buf) < 0)
				return PS_THROW;
			continue;
		}
		if (mb->move.moved) {
			snprintf(buf, sizeof(buf), "The mailbox '%s' is already in the target forest "
				 "(carve-lab's text)", mb->user);
			if (task_error(c, call, "Microsoft.Exchange.Management.Tasks."
				       "RecipientTaskException", "InvalidArgument", name, buf) < 0)
				return PS_THROW;
			continue;
		}
		if (call->set == 0) {
			if (task_error(c, call, "Microsoft.Exchange.Management.Tasks.RecipientTaskException",
				       "InvalidArgument", name, "The source mailbox is in another "
				       "forest: a local move cannot reach it (use -Remote or "
				       "-RemoteLegacy; carve-lab's text)") < 0)
				return PS_THROW;
			continue;
		}
		const char *problem = remote_problem(c, call, buf, sizeof(buf));
		if (problem) {
			if (task_error(c, call, "Microsoft.Exchange.MailboxReplicationService."
				       "RemoteTransientException", "NotSpecified", name, problem) < 0)
				return PS_THROW;
			continue;
		}
		mb->move.state = MOVE_IN_PROGRESS;
		mb->move.bad_limit = limit;
		mb->move.message[0] = '\0';
		snprintf(mb->move.remote_host, sizeof(mb->move.remote_host), "%s",
			 ps_arg_switch(call, "RemoteLegacy") ? ps_arg_str(c, call, "RemoteGlobalCatalog")
			 : ps_arg_str(c, call, "RemoteHostName"));
		clock_gettime(CLOCK_REALTIME, &mb->move.started);
		move_journal(mb, "started");
		pv_list_push(c, out, request_object(c, mb));
	}
	(void)site;
	return 0;
}

static const ps_cmdlet new_move_request = {
	"New-MoveRequest", "Microsoft.Exchange.Management.RecipientTasks.NewMoveRequest", move_sets,
	0, new_move_params, NPARAMS(new_move_params), run_new_move, exchange_loaded, true,
};

/* ------------------------------------------------------------ Get-MoveRequest */

static const ps_param get_move_params[] = {
	{ "Identity", NULL, PP_ANY, 0, ALL, 0, true },
	{ "MoveStatus", NULL, PP_STRING, -1, ALL, 0, false },
	{ "BatchName", NULL, PP_STRING, -1, ALL, 0, false },
	{ "ResultSize", NULL, PP_STRING, -1, ALL, 0, false },
	{ "DomainController", NULL, PP_STRING, -1, ALL, 0, false },
};

static int run_get_move(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	lab_site *site = c->env->site;
	const pv *id = ps_arg(call, "Identity");
	const char *status = ps_arg_str(c, call, "MoveStatus");
	const char *size = ps_arg_str(c, call, "ResultSize");
	size_t max = 1000, shown = 0;
	bool more = false;

	(void)in;
	if (size && !strcasecmp(size, "Unlimited"))
		max = SIZE_MAX;
	else if (size)
		max = (size_t)strtoull(size, NULL, 10);
	size_t requests = 0;
	for (size_t i = 0; !id && i < site->fixture.mailbox_count; i++)
		requests += site->fixture.mailboxes[i].move.state != MOVE_NONE;
	exchange_cost(c, id ? 1 : requests);
	if (id) {
		lab_mailbox *mb = find_mailbox(c, *id);
		if (!mb || mb->move.state == MOVE_NONE)
			return not_found(c, call, pv_to_str(c, *id), "MoveRequestIdParameter");
		pv_list_push(c, out, request_object(c, mb));
		return 0;
	}
	for (size_t i = 0; i < site->fixture.mailbox_count; i++) {
		lab_mailbox *mb = &site->fixture.mailboxes[i];
		if (mb->move.state == MOVE_NONE)
			continue;
		move_advance(site, mb, mail_server(c));
		if (status && strcasecmp(status, status_name(mb)))
			continue;
		if (shown == max) {
			more = true;
			break;
		}
		pv_list_push(c, out, request_object(c, mb));
		shown++;
	}
	if (more && !size)
		carve_buf_puts(c->out, "WARNING: By default only the first 1000 items are returned. "
			       "Use the ResultSize parameter to specify the number of items returned. "
			       "To return all items, specify \"-ResultSize Unlimited\". Be aware that, "
			       "depending on the actual number of items, returning all items can take "
			       "a long time and consume a large amount of memory. Also, we don't "
			       "recommend storing the results in a variable. Instead, pipe the results "
			       "to another task or script to perform batch changes.\r\n");
	return 0;
}

static const ps_cmdlet get_move_request = {
	"Get-MoveRequest", "Microsoft.Exchange.Management.RecipientTasks.GetMoveRequest", NULL, 0,
	get_move_params, NPARAMS(get_move_params), run_get_move, exchange_loaded, false,
};

/* ------------------------------------------------------------ statistics */

static const ps_class stats_class = {
	"Microsoft.Exchange.Management.MailboxReplicationService.MoveRequestStatistics", NULL,
	NULL, NULL, NULL, true,
};

static const ps_param stats_params[] = {
	{ "Identity", NULL, PP_ANY, 0, ALL, 1, true },
	{ "IncludeReport", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "DomainController", NULL, PP_STRING, -1, ALL, 0, false },
};

static int run_stats(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	lab_site *site = c->env->site;
	const pv *id = ps_arg(call, "Identity");
	pv_list ids = identities(c, id, in);

	exchange_cost(c, ids.n);
	for (size_t i = 0; i < ids.n; i++) {
		lab_mailbox *mb = find_mailbox(c, ids.v[i]);
		if (!mb || mb->move.state == MOVE_NONE) {
			if (not_found(c, call, pv_to_str(c, ids.v[i]), "MoveRequestIdParameter") < 0)
				return PS_THROW;
			continue;
		}
		uint64_t copied = move_advance(site, mb, mail_server(c));
		unsigned pct = mb->size ? (unsigned)(copied * 100 / mb->size) : 100;
		uint64_t bad = mb->move.state == MOVE_IN_PROGRESS && copied < mb->size / 2
			       ? 0 : mb->bad_items;
		ps_obj *o = ps_obj_new(c, &stats_class);
		ps_obj_set(c, o, "DisplayName", pv_str(c, mb->user));
		ps_obj_set(c, o, "Alias", pv_str(c, mb->user));
		ps_obj_set(c, o, "Status", pv_str(c, status_name(mb)));
		ps_obj_set(c, o, "StatusDetail", pv_str(c, mb->move.state == MOVE_FAILED
							 ? "FailedOther" : status_name(mb)));
		ps_obj_set(c, o, "PercentComplete", pv_int(pct));
		ps_obj_set(c, o, "TotalMailboxSize", size_value(c, mb->size, false));
		ps_obj_set(c, o, "TotalMailboxItemCount", pv_int((int64_t)mb->items));
		ps_obj_set(c, o, "BadItemsEncountered", pv_int((int64_t)bad));
		ps_obj_set(c, o, "BadItemLimit", mb->move.bad_limit == UINT64_MAX
			   ? pv_str(c, "Unlimited") : pv_int((int64_t)mb->move.bad_limit));
		ps_obj_set(c, o, "Message", pv_str(c, mb->move.message));
		ps_obj_set(c, o, "FailureType", mb->move.state == MOVE_FAILED
			   ? pv_str(c, strncmp(mb->move.message, "TooMany", 7) ? "MapiException"
				    : "TooManyBadItemsPermanentException") : PV_NULL_VALUE);
		pv_list_push(c, out, pv_obj(o));
	}
	return 0;
}

static const ps_cmdlet get_move_stats = {
	"Get-MoveRequestStatistics",
	"Microsoft.Exchange.Management.RecipientTasks.GetMoveRequestStatistics", NULL, 0,
	stats_params, NPARAMS(stats_params), run_stats, exchange_loaded, false,
};

/* ------------------------------------------------------------ Remove-MoveRequest */

static const ps_param remove_move_params[] = {
	{ "Identity", NULL, PP_ANY, 0, ALL, 1, true },
	{ "DomainController", NULL, PP_STRING, -1, ALL, 0, false },
	{ "MoveRequestQueue", NULL, PP_STRING, -1, ALL, 0, false },
	{ "MailboxGuid", NULL, PP_STRING, -1, ALL, 0, false },
};

/* Remove-MoveRequest asks for confirmation; in a -NonInteractive shell
 * the question itself fails unless -Confirm:$false. */
static int run_remove_move(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const pv *id = ps_arg(call, "Identity");
	pv_list ids = identities(c, id, in);

	(void)out;
	exchange_cost(c, ids.n);
	if (!call->no_confirm)
		return ps_throw_cmd(c, call->cmd->name, "System.Management.Automation.Host.HostException",
				    "ResourceUnavailable: (:) [Remove-MoveRequest], HostException",
				    "HostFunctionNotImplemented,Microsoft.Exchange.Management."
				    "RecipientTasks.RemoveMoveRequest", "Windows PowerShell is in "
				    "NonInteractive mode. Read and Prompt functionality is not "
				    "available.");
	for (size_t i = 0; i < ids.n; i++) {
		lab_mailbox *mb = find_mailbox(c, ids.v[i]);
		if (!mb || mb->move.state == MOVE_NONE) {
			if (not_found(c, call, pv_to_str(c, ids.v[i]), "MoveRequestIdParameter") < 0)
				return PS_THROW;
			continue;
		}
		mb->move.state = MOVE_NONE;
		move_journal(mb, "removed");
	}
	return 0;
}

static const ps_cmdlet remove_move_request = {
	"Remove-MoveRequest", "Microsoft.Exchange.Management.RecipientTasks.RemoveMoveRequest",
	NULL, 0, remove_move_params, NPARAMS(remove_move_params), run_remove_move, exchange_loaded, true,
};

/* ------------------------------------------------------------ recipients */

static const ps_class mailuser_class = {
	"Microsoft.Exchange.Data.Directory.Management.MailUser", NULL, NULL, NULL, NULL, true,
};

static const ps_param get_mailuser_params[] = {
	{ "Identity", NULL, PP_ANY, 0, ALL, 0, true },
	{ "ResultSize", NULL, PP_STRING, -1, ALL, 0, false },
	{ "DomainController", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Filter", NULL, PP_STRING, -1, ALL, 0, false },
};

/* The target forest's mail-enabled users that Prepare-MoveRequest.ps1
 * made: one per mailbox not yet moved (a moved one is a mailbox). */
static int run_get_mailuser(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	lab_site *site = c->env->site;
	const pv *id = ps_arg(call, "Identity");
	pv_list ids = identities(c, id, in);

	exchange_cost(c, ids.n);
	for (size_t i = 0; i < ids.n; i++) {
		lab_mailbox *mb = find_mailbox(c, ids.v[i]);
		if (!mb || mb->move.moved) {
			if (not_found(c, call, pv_to_str(c, ids.v[i]), "MailUserIdParameter") < 0)
				return PS_THROW;
			continue;
		}
		ps_obj *o = ps_obj_new(c, &mailuser_class);
		ps_array *addresses = ps_array_new(c);
		ps_array_push(c, addresses, pv_strf(c, "SMTP:%s@%s", mb->user, site->fixture.target_dns));
		if (mb->target_smtp)
			ps_array_push(c, addresses, pv_strf(c, "smtp:%s@%s", mb->user,
							    site->fixture.smtp_domain));
		ps_obj_set(c, o, "Name", pv_str(c, mb->user));
		ps_obj_set(c, o, "Alias", pv_str(c, mb->user));
		ps_obj_set(c, o, "PrimarySmtpAddress", pv_strf(c, "%s@%s", mb->user,
							       site->fixture.target_dns));
		ps_obj_set(c, o, "ExternalEmailAddress", pv_strf(c, "SMTP:%s@%s", mb->user,
								 site->fixture.smtp_domain));
		/* a ProxyAddressCollection prints as its addresses; remotely it
		 * arrives as the strings */
		ps_obj_set(c, o, "EmailAddresses", pv_array(addresses));
		pv_list_push(c, out, pv_obj(o));
	}
	return 0;
}

static const ps_cmdlet get_mailuser = {
	"Get-MailUser", "Microsoft.Exchange.Management.RecipientTasks.GetMailUser", NULL, 0,
	get_mailuser_params, NPARAMS(get_mailuser_params), run_get_mailuser, exchange_loaded, false,
};

static const ps_class database_class = {
	"Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxDatabase", NULL, NULL, NULL,
	NULL, true,
};

static const ps_param get_db_params[] = {
	{ "Identity", NULL, PP_ANY, 0, ALL, 0, true },
	{ "Server", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Status", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "DomainController", NULL, PP_STRING, -1, ALL, 0, false },
};

static int run_get_db(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	lab_host *mail = mail_server(c);
	ps_obj *o = ps_obj_new(c, &database_class);

	(void)call, (void)in;
	ps_obj_set(c, o, "Name", pv_str(c, "DB01"));
	ps_obj_set(c, o, "Server", pv_str(c, mail->name));
	ps_obj_set(c, o, "ProhibitSendReceiveQuota", size_value(c, mail->quota, mail->quota == 0));
	ps_obj_set(c, o, "ProhibitSendQuota", size_value(c, mail->quota, mail->quota == 0));
	pv_list_push(c, out, pv_obj(o));
	return 0;
}

static const ps_cmdlet get_mailbox_database = {
	"Get-MailboxDatabase", "Microsoft.Exchange.Management.SystemConfigurationTasks."
	"GetMailboxDatabase", NULL, 0, get_db_params, NPARAMS(get_db_params), run_get_db,
	exchange_loaded, false,
};

/* ------------------------------------------------------------ Get-EventLog */

static const ps_class event_class = {
	"System.Diagnostics.EventLogEntry", NULL, NULL, NULL, NULL, true,
};

/* PowerShell 2.0's Get-EventLog (derived from the 3.0 reference): -LogName
 * (position 0), -InstanceId, -Newest, -After, -Before, -EntryType,
 * -Source, -Message, -ComputerName, -List.  The lab keeps an Application
 * log on the mail server: the Mailbox Replication service's failures. */
static const ps_param eventlog_params[] = {
	{ "LogName", NULL, PP_STRING, 0, ALL, 1, false },
	{ "InstanceId", NULL, PP_OBJECTS, 1, ALL, 0, false },
	{ "Newest", NULL, PP_INT, -1, ALL, 0, false },
	{ "After", NULL, PP_ANY, -1, ALL, 0, false },
	{ "Before", NULL, PP_ANY, -1, ALL, 0, false },
	{ "EntryType", NULL, PP_STRINGS, -1, ALL, 0, false },
	{ "Source", NULL, PP_STRINGS, -1, ALL, 0, false },
	{ "Message", NULL, PP_STRING, -1, ALL, 0, false },
	{ "ComputerName", "Cn", PP_STRINGS, -1, ALL, 0, false },
};

static int run_eventlog(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	lab_site *site = c->env->site;
	const char *log = ps_arg_str(c, call, "LogName");
	const pv *newest = ps_arg(call, "Newest");
	size_t n = site->event_count < 256 ? site->event_count : 256;
	size_t limit = newest ? (size_t)newest->u.i : SIZE_MAX, shown = 0;

	(void)in;
	if (strcasecmp(log, "Application")) {
		if (strcasecmp(log, "System") && strcasecmp(log, "Security"))
			return ps_throw_cmd(c, "Get-EventLog", "System.InvalidOperationException",
					    "NotSpecified: (:) [Get-EventLog], InvalidOperationException",
					    "System.InvalidOperationException,Microsoft.PowerShell."
					    "Commands.GetEventLogCommand", "The event log '%s' on "
					    "computer '.' does not exist.", log);
		return 0;
	}
	if (c->env->self->role != LAB_MAIL)
		return 0;
	for (size_t k = site->event_count; k-- > site->event_count - n && shown < limit;) {
		char copy[320], *f[3] = { NULL, NULL, NULL };
		snprintf(copy, sizeof(copy), "%s", site->events[k % 256]);
		f[0] = copy;
		f[1] = strchr(copy, '|');
		if (!f[1])
			continue;
		*f[1]++ = '\0';
		f[2] = strchr(f[1], '|');
		if (!f[2])
			continue;
		*f[2]++ = '\0';
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		strptime(f[0], "%Y-%m-%dT%H:%M:%S", &tm);
		ps_obj *o = ps_obj_new(c, &event_class);
		ps_obj_set(c, o, "Index", pv_int((int64_t)k + 1));
		ps_obj_set(c, o, "TimeGenerated", ps_datetime(c, timegm(&tm)));
		ps_obj_set(c, o, "EntryType", pv_str(c, "Error"));
		ps_obj_set(c, o, "Source", pv_str(c, f[1]));
		ps_obj_set(c, o, "InstanceId", pv_int(1100));
		ps_obj_set(c, o, "Message", pv_str(c, f[2]));
		pv_list_push(c, out, pv_obj(o));
		shown++;
	}
	return 0;
}

static const ps_cmdlet get_eventlog = {
	"Get-EventLog", "Microsoft.PowerShell.Commands.GetEventLogCommand", NULL, 0,
	eventlog_params, NPARAMS(eventlog_params), run_eventlog, NULL, false,
};

const ps_cmdlet *const ps_exchange_cmdlets[] = {
	&new_move_request, &get_move_request, &get_move_stats, &remove_move_request, &get_mailuser,
	&get_mailbox_database, &get_eventlog, NULL,
};
