/*
 * preflight.c - runs the checks over a chunk's machines.
 *
 * First the probe says who is there (a paced ICMP sweep, a TCP connect,
 * or Test-Connection on a management host); a machine that does not
 * answer is recorded unreachable once and costs one timeout.  Then each
 * machine is a job on the worker pool: every applicable check in one
 * PowerShell script (remote_checks), on an SSH connection to the machine,
 * or, for a machine asked through an exec host with -ComputerName, on a
 * PowerShell kept up on that host (remote_ps: one start for many
 * machines, at most as many as the host takes sessions); each check's
 * result its own event, appended to the audit log in one transaction as
 * soon as the machine is done.  With fix set, each
 * failed check that has a known fix gets it on the same session, then is
 * checked again; the fix is logged between the two results.
 */
#include "remote.h"
#include "transport_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct carve_preflight {
	carve_preflight_machine *m;
	size_t n;
};

typedef struct {
	const carve_plan *plan;
	const carve_preflight_options *opts;
	carve_preflight *report;
	const bool *alive;       /* from the sweep, or NULL: probe per machine */
	const bool *migrating;   /* per plan machine: its workstations phase started */
	size_t management;       /* exec host for probe exec, or CARVE_NONE */
	check_context groups;    /* the migrator's groups, for the admin check */
	pthread_mutex_t audit_lock;
	remote_ctx remote;       /* the sessions: cancel, host-key events */
	int audit_err;           /* the first append that failed, and why */
	char audit_why[256];
	size_t unrecorded;       /* machines whose results did not reach the log */
	size_t unasked;          /* machines not asked after that */
	/* the PowerShells kept up on the exec hosts, idle between machines */
	pthread_mutex_t ps_lock;
	struct kept { size_t exec; remote_ps *ps; } *idle;
	size_t n_idle, max_idle;
	char **down;             /* per exec host: why it did not answer (a
				  * timeout, a refused logon), under ps_lock */
	atomic_bool *no_kept;    /* per exec host: its first kept PowerShell
				  * ended unasked; one process a machine */
} run;

static const carve_status worst_first[] = {
	CARVE_STATUS_FAILED, CARVE_STATUS_INTERRUPTED, CARVE_STATUS_BLOCKED,
	CARVE_STATUS_WARN, CARVE_STATUS_OK,
};

static carve_status machine_status(const carve_preflight_machine *pm)
{
	if (pm->unreachable)
		return CARVE_STATUS_FAILED;
	for (size_t w = 0; w < sizeof(worst_first) / sizeof(worst_first[0]); w++)
		for (int c = 0; c < CARVE_CHECK__COUNT; c++)
			if (pm->checks[c].status == worst_first[w])
				return worst_first[w];
	return CARVE_STATUS_PENDING;
}

/* The event fields every pre-flight event about m shares. */
static carve_event base_event(const run *r, const carve_machine *m)
{
	size_t n_chunks, n_users;
	const carve_chunk *chunks = carve_plan_chunks(r->plan, &n_chunks);
	const carve_user *users = carve_plan_users(r->plan, &n_users);
	carve_event e = CARVE_EVENT_INIT;

	e.run = r->opts->run;
	e.actor = "engine";
	e.chunk = chunks[m->chunk].name;
	e.machine = m->name;
	e.user = m->user != CARVE_NONE ? users[m->user].name : NULL;
	e.phase = carve_phase_name(CARVE_PHASE_PREFLIGHT);
	return e;
}

/* After an append (audit_lock held): the first failure and its reason
 * are kept, and every machine whose results did not reach the log is
 * counted. */
static void audit_failed(run *r, int err)
{
	if (err >= 0)
		return;
	if (!r->audit_err) {
		r->audit_err = err;
		snprintf(r->audit_why, sizeof(r->audit_why), "%s", carve_error_last()->message);
	}
	r->unrecorded++;
}

/* Whether the log can no longer be written: nothing more is asked of the
 * machines, since what they answer could not be kept. */
static bool log_lost(run *r)
{
	pthread_mutex_lock(&r->audit_lock);
	bool lost = r->audit_err != 0;
	r->unasked += lost;
	pthread_mutex_unlock(&r->audit_lock);
	return lost;
}

/* The checks of pm that apply and were not asked yet, a bit each. */
static unsigned not_asked(const carve_preflight_machine *pm)
{
	unsigned want = 0;

	for (int c = 0; c < CARVE_CHECK__COUNT; c++)
		if (pm->checks[c].status == CARVE_STATUS_BLOCKED)
			want |= 1u << c;
	return want;
}

/* The seed's order of likelihood, for the checks that have a fix. */
static const carve_check fixable[] = {
	CARVE_CHECK_HOTFIXES, CARVE_CHECK_ADMIN, CARVE_CHECK_NICS, CARVE_CHECK_FIREWALL,
	CARVE_CHECK_SERVICES,
};

static const char *fix_step(carve_check c)
{
	return c == CARVE_CHECK_HOTFIXES ? "fix-hotfixes" : c == CARVE_CHECK_ADMIN ? "fix-admin"
	       : c == CARVE_CHECK_NICS ? "fix-nics" : c == CARVE_CHECK_FIREWALL ? "fix-firewall"
	       : "fix-services";
}

/* A fix a killed carve left running is settled by the check's result,
 * logged with it: passing, the fix took; failing, it is interrupted (it
 * may not have run), and --fix runs it again. */
static size_t settle_fixes(carve_event *ev, run *r, const carve_preflight_machine *pm,
			   const carve_machine *m)
{
	size_t n = 0;

	for (size_t k = 0; k < CARVE_ARRAY_SIZE(fixable); k++) {
		carve_check c = fixable[k];
		carve_status st = CARVE_STATUS_PENDING;
		if (pm->checks[c].status == CARVE_STATUS_PENDING ||
		    pm->checks[c].status == CARVE_STATUS_BLOCKED ||
		    carve_audit_step_status(&st, r->opts->audit, "machine", m->name,
					    "preflight", fix_step(c)) < 0 ||
		    st != CARVE_STATUS_RUNNING)
			continue;
		bool took = pm->checks[c].status == CARVE_STATUS_OK ||
			    pm->checks[c].status == CARVE_STATUS_WARN;
		ev[n] = base_event(r, m);
		ev[n].step = fix_step(c);
		ev[n].status = took ? CARVE_STATUS_OK : CARVE_STATUS_INTERRUPTED;
		ev[n].evidence = pm->checks[c].evidence;
		ev[n++].diagnosis = took ? NULL : "carve stopped while this fix ran, and the"
					   " check still fails: run carve check --fix again";
	}
	return n;
}

/* Appends the machine's outcome: one event per check that ran, or the one
 * failure that stopped it. */
static void record(run *r, const carve_preflight_machine *pm)
{
	size_t n_machines;
	const carve_machine *m = &carve_plan_machines(r->plan, &n_machines)[pm->machine];
	carve_event ev[CARVE_CHECK__COUNT + 1 + CARVE_ARRAY_SIZE(fixable)];
	size_t n = 0;

	if (!r->opts->audit)
		return;
	for (int c = 0; c <= CARVE_CHECK__COUNT; c++) {
		bool connect = c == CARVE_CHECK__COUNT;
		if (connect ? !pm->unreachable
			    : pm->checks[c].status == CARVE_STATUS_PENDING ||
			      pm->checks[c].status == CARVE_STATUS_BLOCKED)
			continue;
		carve_event e = base_event(r, m);
		e.step = connect ? "connect" : carve_check_name((carve_check)c);
		e.status = connect ? CARVE_STATUS_FAILED : pm->checks[c].status;
		e.evidence = connect ? NULL : pm->checks[c].evidence;
		e.diagnosis = connect ? pm->unreachable : pm->checks[c].diagnosis;
		ev[n++] = e;
	}
	pthread_mutex_lock(&r->audit_lock);
	n += settle_fixes(ev + n, r, pm, m);
	int err = n ? carve_audit_append(NULL, r->opts->audit, ev, n) : 0;
	audit_failed(r, err);
	pthread_mutex_unlock(&r->audit_lock);
}

/* ---- fixes ---- */


/* Installs each missing hotfix the plan has a package for; *why (appended)
 * names the ones it has none for. */
static int fix_hotfixes(carve_buf *out, carve_buf *why, carve_ssh *ssh, const carve_plan *plan,
			const carve_machine *m, const char *evidence)
{
	const carve_policy *pol = carve_plan_policy(plan);
	const char *missing = evidence ? strstr(evidence, "\"missing\":[") : NULL;
	int err = 0;

	for (size_t i = 0; missing && i < pol->hotfix_count[m->os] && err == 0; i++) {
		const char *kb = pol->hotfixes[m->os][i];
		char quoted[40];
		snprintf(quoted, sizeof(quoted), "\"%s\"", kb);
		if (!strstr(missing, quoted))
			continue;
		const char *package = NULL;
		for (size_t k = 0; k < pol->hotfix_package_count; k++)
			if (pol->hotfix_package_ids[k] && !carve_strcasecmp(pol->hotfix_package_ids[k], kb))
				package = pol->hotfix_package_paths[k];
		if (!package) {
			carve_buf_printf(why, "%sno installer for %s in policy.hotfix_packages",
					 why->len ? "; " : "", kb);
			continue;
		}
		const char *values[] = { m->name, package };
		carve_buf_printf(out, "%s: ", kb);
		err = remote_run(out, ssh, plan, CMD_FIX_HOTFIX, values);
	}
	return err;
}

/* An update installer is copied from its share to the machine first; a
 * machine reached directly with a key logon has no network credentials to
 * read the share with, so the copy and the install run from the
 * management host instead (by the machine's name, as for XP). */
static int fix_hotfixes_from(carve_buf *out, carve_buf *why, carve_ssh *ssh, const run *r,
			     const carve_machine *m, const char *evidence)
{
	size_t n;
	const carve_account *acc = carve_plan_accounts(r->plan, &n);
	size_t own = carve_plan_transport(r->plan)->account;
	carve_ssh *relay = NULL;

	if (m->reach == CARVE_REACH_VIA || own >= n || carve_auth_delegates(acc[own].auth))
		return fix_hotfixes(out, why, ssh, r->plan, m, evidence);
	if (r->management == CARVE_NONE)
		return carve_error_set(CARVE_EINVALID, "the installers are on a share, which the "
				       "machine's key logon cannot read: add a management exec "
				       "host (carve installs from there) or give transport.account "
				       "a password or gssapi logon");
	int err = remote_open_exec(&relay, r->plan, r->management, &r->remote);
	if (err == 0)
		err = fix_hotfixes(out, why, relay, r->plan, m, evidence);
	carve_ssh_free(relay);
	return err;
}

static int run_fix(carve_buf *out, carve_buf *why, carve_ssh *ssh, const run *r,
		   const carve_machine *m, carve_check c, const char *evidence)
{
	const carve_plan *plan = r->plan;
	const carve_site *site = carve_plan_site(plan);
	const char *devcon = carve_plan_policy(plan)->devcon;
	const char *one[] = { m->name };
	const char *admin[] = { m->name, site->target.netbios, site->migrator };
	const char *nics[] = { m->name, carve_os_name(m->os), devcon ? devcon : "" };
	const char *firewall[] = { m->name, carve_os_name(m->os) };
	int err;

	switch (c) {
	case CARVE_CHECK_HOTFIXES: return fix_hotfixes_from(out, why, ssh, r, m, evidence);
	case CARVE_CHECK_ADMIN: return remote_run(out, ssh, plan, CMD_FIX_ADMIN, admin);
	case CARVE_CHECK_NICS:
		err = remote_run(out, ssh, plan, CMD_FIX_NICS, nics);
		/* XP has no Disable(): without devcon a person disables it */
		if (err == 0 && strstr(carve_buf_cstr(out), "manual|"))
			carve_buf_printf(why, "%sWindows XP cannot disable an adapter from a script "
					 "without devcon (policy.devcon): disable it in Network "
					 "Connections on the machine", why->len ? "; " : "");
		return err;
	case CARVE_CHECK_FIREWALL: return remote_run(out, ssh, plan, CMD_FIX_FIREWALL, firewall);
	case CARVE_CHECK_SERVICES: return remote_run(out, ssh, plan, CMD_FIX_SERVICES, one);
	default: return carve_error_set(CARVE_EINVALID, "no fix for this check");
	}
}

/* The durable "running" event a fix needs before it changes anything;
 * false (nothing to be done) when the log cannot take it. */
static bool fix_started(run *r, const carve_event *base, carve_check c, const char *before)
{
	carve_buf evidence = CARVE_BUF_INIT;
	carve_event ev = *base;
	int err = 0;

	if (!r->opts->audit)
		return true;
	carve_buf_printf(&evidence, "{\"before\":%s}", before ? before : "null");
	if (evidence.failed)
		err = carve_error_oom();
	ev.step = fix_step(c);
	ev.status = CARVE_STATUS_RUNNING;
	ev.evidence = carve_buf_cstr(&evidence);
	ev.diagnosis = NULL;
	pthread_mutex_lock(&r->audit_lock);
	if (err == 0)
		err = carve_audit_append(NULL, r->opts->audit, &ev, 1);
	audit_failed(r, err);
	pthread_mutex_unlock(&r->audit_lock);
	carve_buf_done(&evidence);
	return err == 0;
}

/* Fixes each failed check that has a fix, checks it again, and logs the
 * fix (with the evidence before and after) and the new result together;
 * each fix is preceded by its own "running" event. */
static void apply_fixes(run *r, carve_preflight_machine *pm, carve_ssh *ssh,
			const carve_machine *m, const carve_event *base)
{
	carve_event ev[2 * CARVE_ARRAY_SIZE(fixable)];
	carve_buf evidence[CARVE_ARRAY_SIZE(fixable)], diag[CARVE_ARRAY_SIZE(fixable)];
	size_t n = 0, nf = 0;

	for (size_t k = 0; k < CARVE_ARRAY_SIZE(fixable); k++) {
		carve_check c = fixable[k];
		carve_check_result *res = &pm->checks[c];
		if (res->status != CARVE_STATUS_FAILED || carve_cancel_fired(r->opts->cancel))
			continue;
		carve_buf out = CARVE_BUF_INIT, why = CARVE_BUF_INIT;
		char *before = res->evidence ? strdup(res->evidence) : NULL;
		/* in the log before it is done: after a kill, the check's next
		 * result against this "before" tells whether the fix took */
		if (!fix_started(r, base, c, before)) {
			free(before);
			break;
		}
		int err = run_fix(&out, &why, ssh, r, m, c, before);
		if (err == 0 && why.len && !out.len)
			err = carve_error_set(CARVE_EINVALID, "%s", why.ptr);
		if (err == 0)
			err = remote_check(res, ssh, c, r->plan, m, &r->groups);
		pm->fixed[c] = true;

		carve_buf *e = &evidence[nf], *d = &diag[nf];
		*e = (carve_buf)CARVE_BUF_INIT;
		*d = (carve_buf)CARVE_BUF_INIT;
		carve_buf_printf(e, "{\"before\":%s,\"output\":", before ? before : "null");
		carve_buf_json_string(e, carve_buf_cstr(&out));
		carve_buf_printf(e, ",\"after\":%s}", err == 0 && res->evidence ? res->evidence
									 : "null");
		bool ok = err == 0 && (res->status == CARVE_STATUS_OK || res->status == CARVE_STATUS_WARN);
		if (err < 0)
			carve_buf_printf(d, "the fix could not run: %s", carve_error_last()->message);
		else if (!ok)
			carve_buf_printf(d, "the fix ran, but the check still fails: %s%s%s",
					 res->diagnosis ? res->diagnosis : "", why.len ? "; " : "",
					 carve_buf_cstr(&why));
		ev[n] = *base;
		ev[n].step = fix_step(c);
		ev[n].status = ok ? CARVE_STATUS_OK : CARVE_STATUS_FAILED;
		ev[n].evidence = carve_buf_cstr(e);
		ev[n++].diagnosis = d->len ? d->ptr : NULL;
		if (err == 0) {
			ev[n] = *base;
			ev[n].step = carve_check_name(c);
			ev[n].status = res->status;
			ev[n].evidence = res->evidence;
			ev[n++].diagnosis = res->diagnosis;
		}
		nf++;
		free(before);
		carve_buf_done(&out);
		carve_buf_done(&why);
		if (remote_session_lost(err))
			break;
	}
	if (r->opts->audit && n) {
		pthread_mutex_lock(&r->audit_lock);
		int err = carve_audit_append(NULL, r->opts->audit, ev, n);
		audit_failed(r, err);
		pthread_mutex_unlock(&r->audit_lock);
	}
	for (size_t i = 0; i < nf; i++) {
		carve_buf_done(&evidence[i]);
		carve_buf_done(&diag[i]);
	}
}

static void set_unreachable(carve_preflight_machine *pm, const char *why)
{
	free(pm->unreachable);
	pm->unreachable = strdup(why);
}

/* A session to where m's commands go (itself, or the exec host that asks
 * it); NULL with the reason as pm's unreachable. */
static carve_ssh *open_to(run *r, carve_preflight_machine *pm, const carve_machine *m)
{
	carve_ssh *ssh = NULL;

	if (remote_open_machine(&ssh, r->plan, m, &r->remote) < 0)
		set_unreachable(pm, carve_error_last()->message);
	return ssh;
}

/* A kept PowerShell serves this many scripts, then a new one takes over:
 * each keeps its history (64 lines in 2.0) and $Error (256 records), and a
 * new start now and then costs little against leaks nobody has measured. */
enum { KEPT_SCRIPTS_MAX = 200 };

/* An idle PowerShell kept up on exec host e, or a new one.  NULL, the
 * error recorded, when it cannot be opened; *unusable when e was reached
 * but a PowerShell kept up there did not answer its first script. */
static remote_ps *take_ps(run *r, size_t e, bool *unusable)
{
	remote_ps *ps = NULL;

	*unusable = false;
	pthread_mutex_lock(&r->ps_lock);
	for (size_t k = r->n_idle; k-- > 0 && !ps;)
		if (r->idle[k].exec == e) {
			ps = r->idle[k].ps;
			r->idle[k] = r->idle[--r->n_idle];
		}
	pthread_mutex_unlock(&r->ps_lock);
	if (!ps && remote_ps_open(&ps, r->plan, e, &r->remote, unusable) < 0)
		ps = NULL;
	return ps;
}

/* Back to the idle ones when it can serve again, and e keeps no more idle
 * than it takes sessions at once (a machine asked through one host and
 * pinged from another holds one of each). */
static void give_ps(run *r, size_t e, remote_ps *ps)
{
	size_t n, held = 0;
	const carve_exec_host *h = carve_plan_exec_hosts(r->plan, &n);

	if (!remote_ps_usable(ps) || remote_ps_answered(ps) >= KEPT_SCRIPTS_MAX) {
		remote_ps_free(ps);
		return;
	}
	pthread_mutex_lock(&r->ps_lock);
	for (size_t k = 0; k < r->n_idle; k++)
		held += r->idle[k].exec == e;
	if (held < (h[e].concurrency ? h[e].concurrency : 1) && r->n_idle < r->max_idle) {
		r->idle[r->n_idle++] = (struct kept){ e, ps };
		ps = NULL;
	}
	pthread_mutex_unlock(&r->ps_lock);
	remote_ps_free(ps);
}

/*
 * Asks want about m from exec host e (the one m is asked through, or the
 * management host pinging it) in one script on a PowerShell kept up there.
 * A kept PowerShell that had answered before and is found gone (ended
 * while idle: an idle cut, an administrator) is replaced once.  Where a
 * new one does not answer its first script at all (PowerShell 2.0 over
 * Win32-OpenSSH was reported to wait for the end of its stdin: issues 780
 * and 1307), the rest of the run asks e one process a machine, as carve
 * did before issue 15.  False when e could not be reached (the reason in
 * why).
 */
/* Whether e was found not answering (its reason in why), and if err
 * (from reaching it) says so, records it: a host that times out or refuses
 * the logon does so for every machine, and the next would wait out the
 * same deadline.  A refused or dropped connection is not recorded: an SSH
 * server sheds connections beyond its MaxStartups, and the next gets in. */
static bool host_down(run *r, size_t e, int err, char *why, size_t why_size)
{
	bool down;

	pthread_mutex_lock(&r->ps_lock);
	if (!r->down[e] && (err == CARVE_ETIMEOUT || err == CARVE_EAUTH))
		r->down[e] = strdup(carve_error_last()->message);
	if ((down = r->down[e] != NULL))
		snprintf(why, why_size, "%s", r->down[e]);
	pthread_mutex_unlock(&r->ps_lock);
	return down;
}

static bool ask_on(run *r, carve_preflight_machine *pm, const carve_machine *m, size_t e,
		   unsigned want, char *why, size_t why_size)
{
	carve_ssh *ssh = NULL;
	int err;

	if (host_down(r, e, 0, why, why_size))
		return false;
	for (int tries = 0; tries < 2 && !atomic_load(&r->no_kept[e]); tries++) {
		bool unusable;
		remote_ps *ps = take_ps(r, e, &unusable);
		if (unusable) {
			atomic_store(&r->no_kept[e], true);
			break;
		}
		if (!ps) {
			snprintf(why, why_size, "%s", carve_error_last()->message);
			host_down(r, e, carve_error_last()->code, why, why_size);
			return false;
		}
		bool reused = remote_ps_answered(ps) > 0;
		err = remote_checks(pm->checks, want, NULL, ps, r->plan, m, &r->groups);
		give_ps(r, e, ps);
		if (!(err == CARVE_ENET && reused))
			return true;
	}
	if ((err = remote_open_exec(&ssh, r->plan, e, &r->remote)) < 0) {
		snprintf(why, why_size, "%s", carve_error_last()->message);
		host_down(r, e, err, why, why_size);
		return false;
	}
	remote_checks(pm->checks, want, ssh, NULL, r->plan, m, &r->groups);
	carve_ssh_free(ssh);
	return true;
}

static void machine_job(size_t i, void *ctx)
{
	run *r = ctx;
	carve_preflight_machine *pm = &r->report->m[i];
	size_t n;
	const carve_machine *m = &carve_plan_machines(r->plan, &n)[pm->machine];
	carve_ssh *ssh = NULL;
	const carve_transport *t = carve_plan_transport(r->plan);
	uint16_t port;
	bool asked = false; /* its checks were asked with its ping */

	for (int c = 0; c < CARVE_CHECK__COUNT; c++)
		pm->checks[c].status = check_applies((carve_check)c, r->plan, m)
					       ? CARVE_STATUS_BLOCKED : CARVE_STATUS_PENDING;
	if (carve_cancel_fired(r->opts->cancel) || log_lost(r)) {
		pm->status = CARVE_STATUS_BLOCKED;
		return;
	}

	/* Is it there? */
	carve_check_result *ping = &pm->checks[CARVE_CHECK_PING];
	if (r->alive) {
		check_set(ping, r->alive[i] ? CARVE_STATUS_OK : CARVE_STATUS_FAILED,
			  "{\"probe\":\"icmp\"}", r->alive[i] ? NULL
			  : "does not answer ping: find it on the floor (asleep, off, unplugged?)");
	} else if (t->probe == CARVE_PROBE_TCP) {
		/* Up means: its SSH port answers, or, for a machine asked through
		 * an exec host (WMI over RPC), its RPC endpoint mapper does. */
		port = m->reach == CARVE_REACH_VIA ? 135 : m->port ? m->port : t->port;
		int err = probe_tcp(m->address, port, t->connect_timeout_ms, r->opts->cancel);
		check_set(ping, err == 0 ? CARVE_STATUS_OK : CARVE_STATUS_FAILED,
			  "{\"probe\":\"tcp\"}", err == 0 ? NULL : carve_error_last()->message);
	} else if (r->management != CARVE_NONE) {
		/* Test-Connection on the management host; for a machine asked
		 * through that same host, its checks in the same script (run
		 * only if it answered) */
		char why[512];
		asked = m->reach == CARVE_REACH_VIA && m->via == r->management;
		if (!ask_on(r, pm, m, r->management, asked ? not_asked(pm)
				: 1u << CARVE_CHECK_PING, why, sizeof(why))) {
			/* the management host is the one that failed, not this
			 * machine: say so on the ping, not as its connect */
			char ping_why[600];
			snprintf(ping_why, sizeof(ping_why), "could not ping it from the management "
				 "host: %s", why);
			check_set(ping, CARVE_STATUS_FAILED, NULL, ping_why);
		}
	} else {
		check_set(ping, CARVE_STATUS_FAILED, NULL, "transport.probe is exec, but the "
			  "plan has no management exec host to ping from");
	}
	if (ping->status != CARVE_STATUS_OK) {
		pm->status = machine_status(pm);
		record(r, pm);
		if (r->opts->on_machine)
			r->opts->on_machine(pm, r->opts->ctx);
		return;
	}

	/* every check in one script: one start, not one a check (issue 15:
	 * a start is most of a check's cost on a management host) */
	unsigned want = asked ? 0 : not_asked(pm);
	char why[512];
	if (want && m->reach == CARVE_REACH_VIA) {
		if (!ask_on(r, pm, m, m->via, want, why, sizeof(why)))
			set_unreachable(pm, why);
	} else if (want && (ssh = open_to(r, pm, m)) &&
		   remote_session_lost(remote_checks(pm->checks, want, ssh, NULL, r->plan, m,
						     &r->groups))) {
		carve_ssh_free(ssh);
		ssh = NULL;
	}
	pm->status = machine_status(pm);
	record(r, pm);
	/* fixes run on a session of their own to where its commands go */
	if (r->opts->fix && pm->status == CARVE_STATUS_FAILED && !ssh && !pm->unreachable)
		ssh = open_to(r, pm, m);
	if (r->opts->fix && ssh && pm->status == CARVE_STATUS_FAILED) {
		if (r->migrating && r->migrating[pm->machine]) {
			pm->not_fixed = strdup("its workstation migration has started: fixes are"
					       " for a person now");
		} else {
			carve_event base = base_event(r, m);
			apply_fixes(r, pm, ssh, m, &base);
			pm->status = machine_status(pm);
		}
	}
	carve_ssh_free(ssh);
	if (r->opts->on_machine)
		r->opts->on_machine(pm, r->opts->ctx);
}

/* The machines to check, in plan order: the named ones (looked up once
 * each through the plan's index), else the chunk's, else all. */
static int select_machines(carve_preflight *p, const carve_plan *plan,
			   const carve_preflight_options *o)
{
	size_t n, chunk = CARVE_NONE;
	const carve_machine *m = carve_plan_machines(plan, &n);
	bool *named = NULL;

	if (o->chunk && (chunk = carve_plan_find_chunk(plan, o->chunk)) == CARVE_NONE)
		return carve_error_set(CARVE_EINVALID, "no chunk '%s' in the plan", o->chunk);
	if (!(p->m = calloc(n ? n : 1, sizeof(*p->m))) ||
	    (o->machines && !(named = calloc(n ? n : 1, sizeof(*named))))) {
		free(named);
		return carve_error_oom();
	}
	for (const char *const *name = o->machines; name && *name; name++) {
		size_t i = carve_plan_find_machine(plan, *name);
		if (i == CARVE_NONE) {
			free(named);
			return carve_error_set(CARVE_EINVALID, "no machine '%s' in the plan", *name);
		}
		named[i] = true;
	}
	for (size_t i = 0; i < n; i++)
		if ((chunk == CARVE_NONE || m[i].chunk == chunk) && (!named || named[i]))
			p->m[p->n++].machine = i;
	free(named);
	return 0;
}

typedef struct {
	const carve_plan *plan;
	bool *migrating;
} migrating_scan;

static int scan_migrating(const carve_state_row *row, void *ctx)
{
	migrating_scan *s = ctx;
	size_t m;

	if (!strcmp(row->object_kind, "machine") && !strcmp(row->phase, "workstations") &&
	    row->status != CARVE_STATUS_PENDING && row->status != CARVE_STATUS_BLOCKED &&
	    (m = carve_plan_find_machine(s->plan, row->object)) != CARVE_NONE)
		s->migrating[m] = true;
	return 0;
}

int carve_preflight_run(carve_preflight **out, const carve_plan *plan,
			const carve_preflight_options *opts)
{
	carve_preflight_options none = CARVE_PREFLIGHT_OPTIONS_INIT;
	carve_preflight *p = calloc(1, sizeof(*p));
	const carve_transport *t = carve_plan_transport(plan);
	size_t n_exec, n_machines;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n_exec);
	const carve_machine *machines = carve_plan_machines(plan, &n_machines);
	size_t *group = NULL;
	unsigned *limit = NULL;
	bool *alive = NULL;
	const char **addrs = NULL;
	int err;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (!p)
		return carve_error_oom();
	run r = { plan, opts, p, NULL, NULL, CARVE_NONE, { NULL, 0, NULL },
		  PTHREAD_MUTEX_INITIALIZER, { opts->cancel, opts->audit, opts->run, NULL }, 0,
		  "", 0, 0, PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, NULL, NULL };
	r.remote.lock = &r.audit_lock;
	if ((err = select_machines(p, plan, opts)) < 0)
		goto fail;
	r.management = remote_exec_host(plan, CARVE_ROLE_MANAGEMENT);
	if (opts->fix && opts->audit) {
		migrating_scan s = { plan, calloc(n_machines ? n_machines : 1, sizeof(bool)) };
		if (!s.migrating) {
			err = carve_error_oom();
			goto fail;
		}
		r.migrating = s.migrating;
		if ((err = carve_audit_states(opts->audit, opts->chunk, scan_migrating, &s)) < 0)
			goto fail;
	}

	if (t->probe == CARVE_PROBE_ICMP && p->n) {
		alive = calloc(p->n, sizeof(*alive));
		addrs = calloc(p->n, sizeof(*addrs));
		if (!alive || !addrs) {
			err = carve_error_oom();
			goto fail;
		}
		for (size_t i = 0; i < p->n; i++)
			addrs[i] = machines[p->m[i].machine].address;
		if ((err = probe_icmp(alive, addrs, p->n, t->connect_timeout_ms, t->sweep_interval_ms,
				      opts->cancel)) < 0)
			goto fail;
		r.alive = alive;
	}

	/* An exec host takes only so many sessions at once. */
	group = calloc(p->n ? p->n : 1, sizeof(*group));
	limit = calloc(n_exec ? n_exec : 1, sizeof(*limit));
	if (!group || !limit) {
		err = carve_error_oom();
		goto fail;
	}
	for (size_t g = 0; g < n_exec; g++)
		limit[g] = e[g].concurrency;
	for (size_t i = 0; i < p->n; i++) {
		const carve_machine *m = &machines[p->m[i].machine];
		group[i] = m->reach == CARVE_REACH_VIA ? m->via
			   : t->probe == CARVE_PROBE_EXEC ? r.management : CARVE_NONE;
	}
	/* The migrator may be an administrator through a domain group: its
	 * groups, once, from the ADMT server it logs on to. */
	if (p->n)
		remote_migrator_groups(&r.groups, plan, &r.remote);
	/* at most as many kept PowerShells as the exec hosts take sessions */
	size_t kept = 0;
	for (size_t g = 0; g < n_exec; g++)
		kept += e[g].concurrency ? e[g].concurrency : 1;
	r.max_idle = kept;
	r.idle = calloc(kept ? kept : 1, sizeof(*r.idle));
	r.no_kept = calloc(n_exec ? n_exec : 1, sizeof(*r.no_kept));
	r.down = calloc(n_exec ? n_exec : 1, sizeof(*r.down));
	if (!r.idle || !r.no_kept || !r.down) {
		err = carve_error_oom();
		goto fail;
	}
	err = carve_pool_run(p->n, t->concurrency, group, limit, machine_job, &r);
	for (size_t k = 0; k < r.n_idle; k++)
		remote_ps_free(r.idle[k].ps);
	r.n_idle = 0;
	if (err < 0)
		goto fail;
	if (r.audit_err) {
		err = carve_error_set(r.audit_err, "could not write the results to the audit log"
				      " (%s): the results of %zu machine%s are not recorded and"
				      " %zu %s not asked; free the space (or fix the cause), then"
				      " run carve check again", r.audit_why, r.unrecorded,
				      r.unrecorded == 1 ? "" : "s", r.unasked,
				      r.unasked == 1 ? "was" : "were");
		goto fail;
	}
	*out = p;
	p = NULL;
	err = 0;
fail:
	free(r.idle);
	free(r.no_kept);
	for (size_t g = 0; r.down && g < n_exec; g++)
		free(r.down[g]);
	free(r.down);
	free(group);
	free(limit);
	free(alive);
	free(addrs);
	free((bool *)r.migrating);
	check_context_done(&r.groups);
	carve_preflight_free(p);
	return err;
}

size_t carve_preflight_count(const carve_preflight *p)
{
	return p ? p->n : 0;
}

const carve_preflight_machine *carve_preflight_get(const carve_preflight *p, size_t i)
{
	return p && i < p->n ? &p->m[i] : NULL;
}

void carve_preflight_free(carve_preflight *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		for (int c = 0; c < CARVE_CHECK__COUNT; c++) {
			free(p->m[i].checks[c].evidence);
			free(p->m[i].checks[c].diagnosis);
		}
		free(p->m[i].unreachable);
		free(p->m[i].not_fixed);
	}
	free(p->m);
	free(p);
}
