/*
 * teardown.c - the end of coexistence: the seed's checklist, verified by
 * carve where it can be and signed off by people where it cannot, and the
 * sign-offs of the steps people do (ActiveSync devices).
 *
 * An item carve verifies cannot be signed off until its last verification
 * passed: the sign-off confirms evidence, it does not replace it.
 */
#include "dns.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static int verify_mx(carve_buf *ev, carve_buf *diag, const carve_plan *plan)
{
	const carve_mail *mail = carve_plan_mail(plan);
	const char *domain = smtp_domain(plan), *target = carve_plan_site(plan)->target.dns;
	dns_answers a;
	int err = dns_query(&a, mail->resolver, mail->resolver_port, domain, ns_t_mx,
			    carve_plan_transport(plan)->connect_timeout_ms);

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

static int verify_autodiscover(carve_buf *ev, carve_buf *diag, const carve_plan *plan)
{
	const carve_mail *mail = carve_plan_mail(plan);
	const char *domain = smtp_domain(plan);
	uint32_t t = carve_plan_transport(plan)->connect_timeout_ms;
	char name[300], srv[320];
	dns_answers cname, service;

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
	if (dns_query(&cname, mail->resolver, mail->resolver_port, name, ns_t_cname, t) < 0 ||
	    dns_query(&service, mail->resolver, mail->resolver_port, srv, ns_t_srv, t) < 0) {
		carve_buf_puts(ev, "}");
		carve_buf_printf(diag, "could not ask DNS for %s: %s", name,
				 carve_error_last()->message);
		return 0;
	}
	answers_json(ev, "cname", &cname);
	answers_json(ev, "srv", &service);
	carve_buf_puts(ev, "}");
	for (size_t i = 0; i < cname.count; i++)
		if (same_host(cname.value[i], mail->target_cas))
			return 0;
	for (size_t i = 0; i < service.count; i++)
		if (same_host(service.value[i], mail->target_cas))
			return 0;
	if (cname.count || service.count)
		carve_buf_printf(diag, "%s points at %s, not the target CAS %s: change the record",
				 cname.count ? name : srv,
				 cname.count ? cname.value[0] : service.value[0], mail->target_cas);
	else
		carve_buf_printf(diag, "there is no public autodiscover record for %s: publish %s"
				 " as a CNAME of %s", domain, name, mail->target_cas);
	return 0;
}

int carve_teardown_check(const carve_plan *plan, carve_audit *audit, int64_t run)
{
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(plan, &n);
	int err = 0;

	for (size_t i = 0; i < n && err == 0; i++) {
		carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
		switch (items[i].verify) {
		case CARVE_VERIFY_NONE:
			continue;
		case CARVE_VERIFY_MAILBOXES:
		case CARVE_VERIFY_WORKSTATIONS:
			err = verify_from_log(&ev, &diag, plan, audit,
					      items[i].verify == CARVE_VERIFY_MAILBOXES);
			break;
		case CARVE_VERIFY_MX:
		case CARVE_VERIFY_AUTODISCOVER:
			if (!carve_plan_mail(plan)->resolver) {
				carve_buf_puts(&ev, "{}");
				carve_buf_puts(&diag, "the plan names no mail.resolver to ask: set it"
					       " to a resolver that answers for the public zone");
			} else {
				err = items[i].verify == CARVE_VERIFY_MX
				      ? verify_mx(&ev, &diag, plan)
				      : verify_autodiscover(&ev, &diag, plan);
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
