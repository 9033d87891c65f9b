/*
 * teardown.c - the end of coexistence: the seed's checklist, verified by
 * carve where it can be and signed off by people where it cannot, and the
 * sign-offs of the steps people do (ActiveSync devices).
 *
 * An item carve verifies cannot be signed off until its last verification
 * passed: the sign-off confirms evidence, it does not replace it.
 *
 * "Verify that all workstations were migrated" is two questions: did every
 * machine of the plan migrate (the audit log says), and is anyone still
 * using a machine the plan does not know: the source domain's enabled
 * workstation accounts that logged on within policy.active_within_days
 * (lastLogonTimestamp, which Active Directory replicates up to 14 days
 * late: adschema a-lastlogontimestamp), read from the ADMT server with
 * the source's credentials.
 */
#define _GNU_SOURCE /* strptime, strcasestr */
#include "commands.h"
#include "dns.h"
#include "internal.h"
#include "remote.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- what the audit log says ---- */

typedef struct {
	const carve_plan *plan;
	bool *done;         /* per machine (admt ok) or per user (move ok) */
	bool users;
} log_scan;

static int scan_row(const carve_state_row *row, void *ctx)
{
	log_scan *s = ctx;
	bool ok = row->status == CARVE_STATUS_OK || row->status == CARVE_STATUS_WARN;

	if (s->users && !strcmp(row->object_kind, "user") && !strcmp(row->phase, "mail") &&
	    !strcmp(row->step, "move") && ok) {
		size_t u = carve_plan_find_user(s->plan, row->object);
		if (u != CARVE_NONE)
			s->done[u] = true;
	} else if (!s->users && !strcmp(row->object_kind, "machine") &&
		   !strcmp(row->phase, "workstations") && !strcmp(row->step, "admt") && ok) {
		size_t m = carve_plan_find_machine(s->plan, row->object);
		if (m != CARVE_NONE)
			s->done[m] = true;
	}
	return 0;
}

/* Every user moved (users) or every machine migrated, from the log. */
static int verify_from_log(carve_buf *ev, carve_buf *diag, const carve_plan *plan,
			   carve_audit *audit, bool users)
{
	size_t n;
	const char *name0 = NULL;
	const carve_machine *m = carve_plan_machines(plan, &n);
	const carve_user *u = users ? carve_plan_users(plan, &n) : NULL;
	log_scan s = { plan, calloc(n ? n : 1, sizeof(bool)), users };
	size_t missing = 0;
	int err;

	if (!s.done)
		return carve_error_oom();
	if ((err = carve_audit_states(audit, NULL, scan_row, &s)) < 0)
		goto done;
	carve_buf_puts(ev, users ? "{\"outstanding_mailboxes\":[" : "{\"outstanding_workstations\":[");
	for (size_t i = 0; i < n; i++) {
		if (s.done[i])
			continue;
		const char *name = users ? u[i].name : m[i].name;
		if (missing < 50) {
			carve_buf_puts(ev, missing ? "," : "");
			carve_buf_json_string(ev, name);
		}
		if (!missing)
			name0 = name;
		missing++;
	}
	carve_buf_printf(ev, "],\"count\":%zu,\"of\":%zu}", missing, n);
	if (missing)
		carve_buf_printf(diag, "%zu of %zu %s not %s yet (%s%s): finish them before ending"
				 " coexistence", missing, n, users ? "mailboxes are" : "workstations are",
				 users ? "moved" : "migrated", name0, missing > 1 ? ", ..." : "");
done:
	free(s.done);
	return err;
}

/* ---- what the source domain says ---- */

typedef struct {
	const carve_plan *plan;
	time_t after;        /* logged on since then: in use */
	carve_buf *ev;       /* the names, JSON strings */
	size_t count;
	char first[64];
} unplanned_scan;

/* Whether the plan names the computer, as a machine or an exec host. */
static bool known_host(const carve_plan *plan, const char *name)
{
	size_t n;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(e[i].name, name))
			return true;
	return carve_plan_find_machine(plan, name) != CARVE_NONE;
}

/* Name|Enabled|LastLogon|OperatingSystem, LastLogon as yyyy-MM-ddTHH:mm:ss
 * UTC or empty (never); servers (their OperatingSystem says so) are not
 * workstations. */
static void unplanned_line(char *line, void *ctx)
{
	unplanned_scan *s = ctx;
	char *f[4] = { "", "", "", "" };
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (remote_fields(line, f, 4) < 3 || !*f[0] || strcasecmp(f[1], "True") ||
	    strcasestr(f[3], "Server") || known_host(s->plan, f[0]))
		return;
	const char *end = *f[2] ? strptime(f[2], "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end || *end || timegm(&tm) < s->after)
		return;
	if (s->count < 50) {
		carve_buf_puts(s->ev, s->count ? "," : "");
		carve_buf_json_string(s->ev, f[0]);
	}
	if (!s->count)
		snprintf(s->first, sizeof(s->first), "%s", f[0]);
	s->count++;
}

/* Appends ,"unplanned":[...] to ev (an open JSON object) and, when the
 * source domain has machines in use the plan does not know, or cannot be
 * read, says so in diag.  Returns CARVE_ECANCELED when stopped, else 0. */
static int verify_unplanned(carve_buf *ev, carve_buf *diag, const carve_plan *plan,
			     const remote_ctx *rc)
{
	const carve_site *site = carve_plan_site(plan);
	const carve_policy *pol = carve_plan_policy(plan);
	size_t admt = remote_exec_host(plan, CARVE_ROLE_ADMT), n_acc;
	const carve_account *acc = carve_plan_accounts(plan, &n_acc);
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	unplanned_scan scan = { plan, time(NULL) - (time_t)pol->active_within_days * 86400, ev, 0,
				"" };
	const char *sep = diag->len ? "; " : "";

	carve_buf_printf(ev, ",\"active_within_days\":%u,\"unplanned\":", pol->active_within_days);
	if (site->source.account == CARVE_NONE || admt == CARVE_NONE) {
		carve_buf_puts(ev, "null");
		carve_buf_printf(diag, "%scarve cannot look for machines the plan does not know: it "
				 "reads the source domain's computers from the ADMT server with the "
				 "source's credentials, so the plan needs an exec host with role admt "
				 "and site.source.account", sep);
		return 0;
	}
	const char *values[] = { site->source.dns, acc[site->source.account].user };
	int err = remote_open_exec(&ssh, plan, admt, rc);
	if (err == 0)
		err = remote_run_with(&text, ssh, plan, CMD_SOURCE_COMPUTERS, values,
				      site->source.account);
	carve_ssh_free(ssh);
	if (err == CARVE_ECANCELED) { /* stopped: no verdict */
		carve_buf_done(&text);
		return err;
	}
	if (err < 0) {
		carve_buf_puts(ev, "null");
		carve_buf_printf(diag, "%scould not read the source domain's computers: %s", sep,
				 carve_error_last()->message);
		carve_buf_done(&text);
		return 0;
	}
	carve_buf_putc(ev, '[');
	remote_lines(text.ptr, unplanned_line, &scan);
	carve_buf_printf(ev, "],\"unplanned_count\":%zu", scan.count);
	if (scan.count)
		carve_buf_printf(diag, "%s%zu computer%s the plan does not know logged on to %s in "
				 "the last %u days (%s%s): migrate %s or account for %s", sep,
				 scan.count, scan.count == 1 ? "" : "s", site->source.netbios,
				 pol->active_within_days, scan.first, scan.count > 1 ? ", ..." : "",
				 scan.count == 1 ? "it" : "them", scan.count == 1 ? "it" : "them");
	carve_buf_done(&text);
	return 0;
}

/* ---- what DNS says ---- */

static const char *smtp_domain(const carve_plan *plan)
{
	size_t n;
	const carve_user *u = carve_plan_users(plan, &n);
	const carve_mail *mail = carve_plan_mail(plan);

	if (mail->smtp_domain)
		return mail->smtp_domain;
	for (size_t i = 0; i < n; i++)
		if (u[i].email)
			return strchr(u[i].email, '@') + 1;
	return carve_plan_site(plan)->source.dns;
}

/* Whether host is in the DNS domain (or is it). */
static bool under(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (h && host[h - 1] == '.')
		h--;
	if (h == d)
		return !strncasecmp(host, domain, d);
	return h > d && host[h - d - 1] == '.' && !strncasecmp(host + h - d, domain, d);
}

static bool same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && !strncasecmp(a, b, la);
}

static void answers_json(carve_buf *ev, const char *key, const dns_answers *a)
{
	carve_buf_printf(ev, ",\"%s\":[", key);
	for (size_t i = 0; i < a->count; i++) {
		carve_buf_puts(ev, i ? "," : "");
		carve_buf_json_string(ev, a->value[i]);
	}
	carve_buf_putc(ev, ']');
}

/* Asks mail.resolver, within the connect timeout; a cancel ends the wait. */
static int ask(dns_answers *a, const carve_plan *plan, const char *name, ns_type type,
	       const carve_cancel *cancel)
{
	const carve_mail *mail = carve_plan_mail(plan);

	return dns_query(a, mail->resolver, mail->resolver_port, name, type,
			 carve_plan_transport(plan)->connect_timeout_ms, cancel);
}

static int verify_mx(carve_buf *ev, carve_buf *diag, const carve_plan *plan,
		     const carve_cancel *cancel)
{
	const carve_mail *mail = carve_plan_mail(plan);
	const char *domain = smtp_domain(plan), *target = carve_plan_site(plan)->target.dns;
	dns_answers a;
	int err = ask(&a, plan, domain, ns_t_mx, cancel);

	/* a check that was stopped has no verdict to record */
	if (err == CARVE_ECANCELED)
		return err;
	carve_buf_puts(ev, "{");
	carve_buf_printf(ev, "\"domain\":");
	carve_buf_json_string(ev, domain);
	if (err < 0) {
		carve_buf_puts(ev, "}");
		carve_buf_printf(diag, "could not ask DNS for the MX of %s: %s", domain,
				 carve_error_last()->message);
		return 0;
	}
	answers_json(ev, "mx", &a);
	carve_buf_puts(ev, "}");
	if (!a.count) {
		carve_buf_printf(diag, "%s has no MX record: point it at the target Exchange"
				 " servers", domain);
		return 0;
	}
	for (size_t i = 0; i < a.count; i++) {
		bool ok = mail->target_mx ? same_host(a.value[i], mail->target_mx)
					  : under(a.value[i], target);
		if (!ok) {
			carve_buf_printf(diag, "the MX of %s still includes %s (preference %u): point"
					 " every MX at %s", domain, a.value[i], a.priority[i],
					 mail->target_mx ? mail->target_mx : target);
			return 0;
		}
	}
	return 0;
}

/* Whether any address in a is also in b. */
static bool share_address(const dns_answers *a, const dns_answers *b)
{
	for (size_t i = 0; i < a->count; i++)
		for (size_t k = 0; k < b->count; k++)
			if (!strcmp(a->value[i], b->value[k]))
				return true;
	return false;
}

/* Autodiscover may be a CNAME of the CAS, an SRV record naming it, or an
 * A record with the CAS's own address. */
static int verify_autodiscover(carve_buf *ev, carve_buf *diag, const carve_plan *plan,
			       const carve_cancel *cancel)
{
	const carve_mail *mail = carve_plan_mail(plan);
	const char *domain = smtp_domain(plan);
	char name[300], srv[320];
	dns_answers cname, service, addr, cas;
	int err;

	snprintf(name, sizeof(name), "autodiscover.%s", domain);
	snprintf(srv, sizeof(srv), "_autodiscover._tcp.%s", domain);
	carve_buf_puts(ev, "{\"name\":");
	carve_buf_json_string(ev, name);
	if (!mail->target_cas) {
		carve_buf_puts(ev, "}");
		carve_buf_puts(diag, "the plan has no mail.target_cas to compare the autodiscover"
			       " record with");
		return 0;
	}
	if ((err = ask(&cname, plan, name, ns_t_cname, cancel)) < 0 ||
	    (err = ask(&service, plan, srv, ns_t_srv, cancel)) < 0 ||
	    (err = ask(&addr, plan, name, ns_t_a, cancel)) < 0 ||
	    (addr.count && !cname.count &&
	     (err = ask(&cas, plan, mail->target_cas, ns_t_a, cancel)) < 0)) {
		if (err == CARVE_ECANCELED)
			return err;
		carve_buf_puts(ev, "}");
		carve_buf_printf(diag, "could not ask DNS for %s: %s", name,
				 carve_error_last()->message);
		return 0;
	}
	answers_json(ev, "cname", &cname);
	answers_json(ev, "srv", &service);
	answers_json(ev, "a", &addr);
	if (addr.count && !cname.count)
		answers_json(ev, "target_cas_a", &cas);
	carve_buf_puts(ev, "}");
	for (size_t i = 0; i < cname.count; i++)
		if (same_host(cname.value[i], mail->target_cas))
			return 0;
	for (size_t i = 0; i < service.count; i++)
		if (same_host(service.value[i], mail->target_cas))
			return 0;
	/* a resolver answers an A query for a CNAME with the chain: only an A
	 * record of the name itself counts here */
	if (addr.count && !cname.count && share_address(&addr, &cas))
		return 0;
	if (cname.count || service.count)
		carve_buf_printf(diag, "%s points at %s, not the target CAS %s: change the record",
				 cname.count ? name : srv,
				 cname.count ? cname.value[0] : service.value[0], mail->target_cas);
	else if (addr.count)
		carve_buf_printf(diag, "%s has the address %s, which is not the target CAS %s's:"
				 " change the record", name, addr.value[0], mail->target_cas);
	else
		carve_buf_printf(diag, "there is no public autodiscover record for %s: publish %s"
				 " as a CNAME of %s (or an A record with its address)", domain, name,
				 mail->target_cas);
	return 0;
}

int carve_teardown_check(const carve_plan *plan, carve_audit *audit, int64_t run,
			 carve_cancel *cancel)
{
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(plan, &n);
	const remote_ctx rc = { cancel, audit, run, NULL };
	int err = 0;

	for (size_t i = 0; i < n && err == 0; i++) {
		carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
		switch (items[i].verify) {
		case CARVE_VERIFY_NONE:
			continue;
		case CARVE_VERIFY_MAILBOXES:
			err = verify_from_log(&ev, &diag, plan, audit, true);
			break;
		case CARVE_VERIFY_WORKSTATIONS:
			err = verify_from_log(&ev, &diag, plan, audit, false);
			if (err == 0 && ev.len) {
				ev.ptr[--ev.len] = '\0'; /* reopen the object */
				err = verify_unplanned(&ev, &diag, plan, &rc);
				carve_buf_putc(&ev, '}');
			}
			break;
		case CARVE_VERIFY_MX:
		case CARVE_VERIFY_AUTODISCOVER:
			if (!carve_plan_mail(plan)->resolver) {
				carve_buf_puts(&ev, "{}");
				carve_buf_puts(&diag, "the plan names no mail.resolver to ask: set it"
					       " to a resolver that answers for the public zone");
			} else {
				err = items[i].verify == CARVE_VERIFY_MX
				      ? verify_mx(&ev, &diag, plan, cancel)
				      : verify_autodiscover(&ev, &diag, plan, cancel);
			}
			break;
		}
		if (err == 0 && (ev.failed || diag.failed))
			err = carve_error_oom();
		if (err == 0) {
			carve_event e = CARVE_EVENT_INIT;
			e.run = run;
			e.actor = "engine";
			e.phase = carve_phase_name(CARVE_PHASE_TEARDOWN);
			e.step = items[i].id;
			e.status = diag.len ? CARVE_STATUS_FAILED : CARVE_STATUS_OK;
			e.evidence = carve_buf_cstr(&ev);
			e.diagnosis = diag.len ? diag.ptr : NULL;
			err = carve_audit_append(NULL, audit, &e, 1);
		}
		carve_buf_done(&ev);
		carve_buf_done(&diag);
	}
	return err;
}

/* ---- sign-offs ---- */

typedef struct {
	const char *id;
	carve_status status;
	bool found;
	char diagnosis[512];
} item_scan;

static int scan_item(const carve_state_row *row, void *ctx)
{
	item_scan *s = ctx;

	if (!strcmp(row->phase, "teardown") && !strcmp(row->step, s->id)) {
		s->found = true;
		s->status = row->status;
		snprintf(s->diagnosis, sizeof(s->diagnosis), "%s", row->diagnosis ? row->diagnosis : "");
	}
	return 0;
}

static int signoff_item(carve_event *e, const carve_plan *plan, carve_audit *audit,
			const char *id)
{
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(plan, &n);
	item_scan s = { id, CARVE_STATUS_PENDING, false, "" };
	size_t i = 0;
	int err;

	while (i < n && strcmp(items[i].id, id) != 0)
		i++;
	if (i == n)
		return carve_error_set(CARVE_EINVALID, "the plan's teardown has no item '%s'", id);
	if (items[i].verify != CARVE_VERIFY_NONE) {
		if ((err = carve_audit_site_states(audit, scan_item, &s)) < 0)
			return err;
		if (!s.found)
			return carve_error_set(CARVE_EINVALID, "'%s' is verified by carve and has not"
					       " been yet: run carve teardown first", id);
		if (s.status != CARVE_STATUS_OK)
			return carve_error_set(CARVE_EINVALID, "'%s' cannot be signed off while its"
					       " verification fails: %s", id, s.diagnosis);
	}
	e->phase = carve_phase_name(CARVE_PHASE_TEARDOWN);
	e->step = items[i].id;
	return 0;
}

int carve_signoff_record(const carve_plan *plan, carve_audit *audit, int64_t run,
			 const carve_signoff *s)
{
	carve_event e = CARVE_EVENT_INIT;
	size_t n_users, n_chunks;
	const carve_user *users = carve_plan_users(plan, &n_users);
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);
	int err;

	if (!s->who || !*s->who)
		return carve_error_set(CARVE_EINVALID, "a sign-off needs who signs");
	e.run = run;
	e.actor = s->who;
	e.kind = "signoff";
	e.status = CARVE_STATUS_OK;
	e.diagnosis = s->note;
	if (s->item) {
		if ((err = signoff_item(&e, plan, audit, s->item)) < 0)
			return err;
	} else if (s->user && s->step && !strcmp(s->step, "activesync")) {
		size_t u = carve_plan_find_user(plan, s->user);
		if (u == CARVE_NONE)
			return carve_error_set(CARVE_EINVALID, "no user '%s' in the plan", s->user);
		if (!users[u].activesync)
			return carve_error_set(CARVE_EINVALID, "the plan gives %s no ActiveSync"
					       " device", users[u].name);
		e.chunk = chunks[users[u].chunk].name;
		e.user = users[u].name;
		e.phase = carve_phase_name(CARVE_PHASE_CLIENTS);
		e.step = "activesync";
	} else {
		return carve_error_set(CARVE_EINVALID, "sign off a teardown item, or a user's"
				       " activesync step");
	}
	return carve_audit_append(NULL, audit, &e, 1);
}
