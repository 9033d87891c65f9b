/*
 * step_workstations.c - STEP 2: ADMT's computer migration for the chunk at
 * once on the ADMT server, with the users' profiles, local groups and user
 * rights translated; carve's own check afterwards that each machine is in
 * the target domain is the verdict; then, per policy, the source *user*
 * accounts disabled or the default logon domain set.
 *
 * ADMT runs as the migrator account (the ADMT server's account in the
 * plan) with its own deadline (policy.admt_timeout): a migration of a
 * hundred machines takes a long time.  Its exit code says little (failures
 * are in its log, as the ADMT v2 help says of the command line), so carve
 * reads what ADMT wrote under %SystemRoot%\ADMT\Logs during the run: the
 * lines about each machine are the evidence, and the last one is quoted
 * when a machine did not join.  A machine joins the target domain when it
 * restarts, /RDL minutes after its agent ran: carve waits for each to say
 * so (Win32_ComputerSystem.Domain and PartOfDomain), up to the restart
 * delay plus policy.restart_timeout.
 *
 * A machine whose earlier attempt was interrupted (or failed) is asked for
 * its domain first: one already in the target domain is done, and ADMT is
 * not run for it again.  A failure is diagnosed in the seed's order of
 * likelihood by running the matching pre-flight checks on the machine;
 * when none holds, ADMT's last line about it is the diagnosis.
 */
#define _GNU_SOURCE /* strcasestr */
#include "pipeline.h"

#include <ctype.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define JOIN_POLL_MS 1000
#define LOG_LINES_KEPT 20

typedef struct {
	bool candidate;      /* ADMT is to run for it */
	bool watch;          /* waited for until it joins or join_by passes */
	time_t join_by;      /* when it should have joined if ADMT ran for it */
	bool resumed;        /* ADMT may have run for it before an interruption */
	bool joined;         /* in the target domain now */
	char domain[128];    /* what it last said its domain was */
	carve_buf log;       /* ADMT's lines about it, JSON strings, comma separated */
	unsigned log_count;
	char last_line[512]; /* the last of them */
	char last_err[512];  /* the last of them that is an error (ERR<n>:) */
	bool triage;         /* did not join: diagnose it */
} admt_machine;

typedef struct {
	admt_machine *m;
	size_t admt;         /* the ADMT exec host */
	char since[48];      /* the ADMT server's clock when the run began */
	char output[2048];   /* the end of ADMT's own output, for evidence */
	check_context groups; /* the migrator's groups, for triage's admin check */
} admt_phase;

#define LOST_PROFILE "in the target domain, but ADMT 3.2 cannot translate user profiles" \
	" past Windows 7 (KB 4089459): its user starts with a new profile"

static bool in_target(const carve_plan *plan, const char *domain)
{
	const carve_site *s = carve_plan_site(plan);
	return !strcasecmp(domain, s->target.dns) || !strcasecmp(domain, s->target.netbios);
}

/* Win32_ComputerSystem: Name|Domain|PartOfDomain|UserName.  *joined when
 * it is a member of the target domain. */
static int ask_domain(char *domain, size_t cap, bool *joined, pipeline *p,
		      const carve_machine *m)
{
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	const char *values[] = { m->name };
	int err = remote_open_machine(&ssh, p->plan, m, &p->remote);

	*joined = false;
	if (err == 0)
		err = remote_run(&text, ssh, p->plan, CMD_COMPUTER, values);
	if (err == 0) {
		char *f[4] = { NULL, NULL, NULL, NULL }, *line = text.ptr ? text.ptr : (char *)"";
		line[strcspn(line, "\n")] = '\0';
		size_t n = remote_fields(line, f, 4);
		if (n < 3 || !*f[1])
			err = carve_error_set(CARVE_ERROR, "Windows did not say its domain");
		snprintf(domain, cap, "%s", n >= 2 ? f[1] : "");
		*joined = err == 0 && in_target(p->plan, f[1]) && !strcasecmp(f[2], "True");
	}
	carve_ssh_free(ssh);
	carve_buf_done(&text);
	return err;
}

/* How long after ADMT's run a machine it migrated has joined: its restart
 * delay, then the restart itself. */
static time_t join_window(const pipeline *p)
{
	const carve_policy *pol = carve_plan_policy(p->plan);

	return (time_t)pol->admt_restart_delay * 60 + (time_t)(pol->restart_timeout_ms / 1000);
}

/* Records a machine found in the target domain without (another) ADMT run
 * of this one; Windows past 7 warns as after a run. */
static void record_joined(pipeline *p, pipe_object *o, const char *domain, const char *how)
{
	const carve_policy *pol = carve_plan_policy(p->plan);
	bool lost_profile = pol->translate_profiles && pipe_machine(p, o)->os > CARVE_OS_7;
	carve_buf b = CARVE_BUF_INIT;

	carve_buf_putc(&b, '{');
	pipe_json_str(&b, "domain", domain);
	pipe_json_str(&b, "verified", how);
	carve_buf_putc(&b, '}');
	pipe_record(p, o, SLOT_ADMT, lost_profile ? CARVE_STATUS_WARN : CARVE_STATUS_OK,
		    carve_buf_cstr(&b), lost_profile ? LOST_PROFILE : NULL);
	carve_buf_done(&b);
}

/* Before ADMT: which machines it runs for. */
static void verify_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	admt_phase *ph = p->phase;
	pipe_object *o = &p->machines[i];
	const carve_machine *m = pipe_machine(p, o);
	char domain[128];
	bool joined;

	if (!pipe_wants(p, o, SLOT_ADMT) || pipe_cancelled(p))
		return;
	/* A skipped restart (the lead's call) does not hold the migration up. */
	carve_status restart = o->s[SLOT_RESTART].status;
	if (!pipe_done(o, SLOT_RESTART) && restart != CARVE_STATUS_SKIPPED) {
		pipe_block(p, o, SLOT_ADMT, restart == CARVE_STATUS_BLOCKED
			   ? "not restarted: its pre-flight has not passed"
			   : restart == CARVE_STATUS_FAILED ? "its restart failed: see the restart phase"
			   : "not restarted yet: the restart phase comes first");
		return;
	}
	carve_status was = o->s[SLOT_ADMT].status;
	if (was == CARVE_STATUS_INTERRUPTED || was == CARVE_STATUS_FAILED) {
		/* ADMT may have done it already: never migrate twice. */
		if (ask_domain(domain, sizeof(domain), &joined, p, m) == 0 && joined) {
			record_joined(p, o, domain, "already in the target domain");
			return;
		}
		/* Interrupted after ADMT was started: the machine joins when it
		 * restarts, up to the restart delay later; wait for that first. */
		char started[32];
		if (was == CARVE_STATUS_INTERRUPTED &&
		    pipe_evidence_get(o->s[SLOT_ADMT].evidence, "admt_started", started,
				      sizeof(started))) {
			ph->m[i].resumed = ph->m[i].watch = true;
			ph->m[i].join_by = (time_t)strtoll(started, NULL, 10) + join_window(p);
			return;
		}
	}
	ph->m[i].candidate = true;
}

/* The target OU as admt computer's /TO takes it: the DN without the
 * domain's DC= components (ADMT's usage text calls it a relative OU path;
 * no public page shows an example, carve-plan(5) says so). */
static void relative_ou(char *out, size_t cap, const char *dn)
{
	const char *dc = strcasestr(dn, ",DC=");

	snprintf(out, cap, "%.*s", dc ? (int)(dc - dn) : (int)strlen(dn), dn);
	if (!out[0])
		snprintf(out, cap, "%s", dn);
}

typedef struct {
	char ou[512];
	char delay[8];
	const char *values[9];
} admt_values;

/* admt computer's values but the list of computers (values[0]). */
static void admt_values_init(admt_values *v, const carve_plan *plan)
{
	static const char *const modes[] = {
		[CARVE_TRANSLATE_REPLACE] = "REPLACE", [CARVE_TRANSLATE_ADD] = "ADD",
		[CARVE_TRANSLATE_REMOVE] = "REMOVE",
	};
	const carve_site *s = carve_plan_site(plan);
	const carve_policy *pol = carve_plan_policy(plan);

	relative_ou(v->ou, sizeof(v->ou), s->target_ou);
	snprintf(v->delay, sizeof(v->delay), "%u", pol->admt_restart_delay);
	const char *values[] = {
		NULL, s->source.dns, s->target.dns, v->ou, modes[pol->translation],
		pol->translate_profiles ? "YES" : "NO", pol->translate_local_groups ? "YES" : "NO",
		pol->translate_user_rights ? "YES" : "NO", v->delay,
	};
	memcpy(v->values, values, sizeof(values));
}

/* Appends "A,B,C" names to list from *next while the command line fits. */
static size_t next_batch(carve_buf *list, pipeline *p, size_t *next, carve_command c,
			 const char **values)
{
	admt_phase *ph = p->phase;
	size_t taken = 0;

	for (; *next < p->n_machines; (*next)++) {
		if (!ph->m[*next].candidate)
			continue;
		if (!cmd_list_add(list, pipe_machine(p, &p->machines[*next])->name, p->plan, c,
				  values))
			break; /* the next batch starts with this one */
		taken++;
	}
	return taken;
}

static void read_admt_output(char *line, void *ctx)
{
	admt_phase *ph = ctx;
	size_t len = strlen(ph->output), n = strlen(line);

	if (!strncmp(line, "start|", 6)) {
		if (!ph->since[0])
			snprintf(ph->since, sizeof(ph->since), "%s", line + 6);
		return;
	}
	/* keep the end of what ADMT said */
	if (len + n + 2 >= sizeof(ph->output)) {
		size_t drop = len + n + 2 - sizeof(ph->output);
		memmove(ph->output, ph->output + drop, len - drop + 1);
		len -= drop;
	}
	snprintf(ph->output + len, sizeof(ph->output) - len, "%s%s", len ? "\n" : "", line);
}

/* Runs ADMT for every candidate, in batches that fit a command line. */
static int run_admt(pipeline *p)
{
	admt_phase *ph = p->phase;
	carve_ssh *ssh = NULL;
	carve_buf list = CARVE_BUF_INIT, text = CARVE_BUF_INIT;
	admt_values v;
	size_t next = 0;
	int err;

	admt_values_init(&v, p->plan);
	if ((err = remote_open_exec(&ssh, p->plan, ph->admt, &p->remote)) < 0)
		return err;
	while (!pipe_cancelled(p) && next_batch(&list, p, &next, CMD_ADMT_MIGRATE, v.values)) {
		v.values[0] = carve_buf_cstr(&list);
		text.len = 0;
		err = remote_run_as(&text, ssh, p->plan, CMD_ADMT_MIGRATE, v.values, CARVE_NONE,
				    carve_plan_policy(p->plan)->admt_timeout_ms);
		if (err == 0)
			remote_lines(text.ptr, read_admt_output, ph);
		else
			read_admt_output((char *)carve_error_last()->message, ph);
		list.len = 0;
		if (remote_session_lost(err)) {
			carve_ssh_free(ssh);
			ssh = NULL;
			if (err == CARVE_ECANCELED ||
			    (err = remote_open_exec(&ssh, p->plan, ph->admt, &p->remote)) < 0)
				goto done;
		}
		/* A batch ADMT refused shows as machines that do not join. */
	}
	err = 0;
done:
	carve_ssh_free(ssh);
	carve_buf_done(&list);
	carve_buf_done(&text);
	return err;
}

/* One look at a watched machine that has not joined yet. */
static void join_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	admt_phase *ph = p->phase;
	admt_machine *am = &ph->m[i];
	bool joined;

	if (!am->watch || am->joined || time(NULL) > am->join_by || pipe_cancelled(p))
		return;
	if (ask_domain(am->domain, sizeof(am->domain), &joined, p,
		       pipe_machine(p, &p->machines[i])) == 0)
		am->joined = joined;
}

/* Waits until every watched machine is in the target domain or past its
 * join_by. */
static void wait_for_joins(pipeline *p)
{
	admt_phase *ph = p->phase;

	for (;;) {
		bool waiting = false;
		time_t now;
		pipe_each_machine(p, join_job);
		now = time(NULL);
		for (size_t i = 0; i < p->n_machines; i++)
			waiting |= ph->m[i].watch && !ph->m[i].joined && now <= ph->m[i].join_by;
		if (!waiting || !pipe_sleep(p, JOIN_POLL_MS))
			return;
	}
}

/* The machines an interrupted run may have migrated: those that joined
 * are done; ADMT runs again for the others. */
static void settle_resumed(pipeline *p)
{
	admt_phase *ph = p->phase;

	wait_for_joins(p);
	for (size_t i = 0; i < p->n_machines && !pipe_cancelled(p); i++) {
		admt_machine *am = &ph->m[i];
		if (!am->resumed)
			continue;
		if (am->joined)
			record_joined(p, &p->machines[i], am->domain,
				      "joined after an interrupted run");
		else
			am->candidate = true;
		am->watch = am->joined = false;
	}
}

static size_t machine_slot(pipeline *p, const char *name)
{
	size_t m = carve_plan_find_machine(p->plan, name);

	for (size_t i = 0; m != CARVE_NONE && i < p->n_machines; i++)
		if (p->machines[i].index == m)
			return i;
	return CARVE_NONE;
}

/* Whether an ADMT log line is an error: "ERR<n>:<code> ..." (the prefix
 * KB 4089459 shows; the rest of the format is not public). */
static bool admt_error_line(const char *line)
{
	const char *e = strstr(line, "ERR");

	while (e && !(isdigit((unsigned char)e[3]) &&
		      e[3 + strspn(e + 3, "0123456789")] == ':'))
		e = strstr(e + 3, "ERR");
	return e != NULL;
}

/* Whether a log line is dated before this run's ADMT began (since, the
 * server's clock as yyyy-MM-ddTHH:mm:ss): an earlier attempt's, which a
 * log appended to across runs still holds.  The date at the start of a
 * line ("2026-12-04 22:10:31 ERR3:...") is what the lab writes and what
 * ADMT is believed to; no public page shows a whole line (carve-plan(5)),
 * so a line without one is kept. */
static bool earlier_attempt(const char *line, const char *since)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	char stamp[sizeof(shape)];

	if (!since[0] || strlen(line) < sizeof(shape) - 1)
		return false;
	for (size_t k = 0; k < sizeof(shape) - 1; k++) {
		bool digit = isdigit((unsigned char)line[k]);
		if (shape[k] == 'd' ? !digit : line[k] != shape[k])
			return false;
		stamp[k] = line[k] == ' ' ? 'T' : line[k];
	}
	stamp[sizeof(shape) - 1] = '\0';
	return strncmp(stamp, since, sizeof(shape) - 1) < 0;
}

static void read_log_line(char *line, void *ctx)
{
	pipeline *p = ctx;
	admt_phase *ph = p->phase;
	char *f[2];

	if (remote_fields(line, f, 2) < 2)
		return;
	size_t i = machine_slot(p, f[0]);
	if (i == CARVE_NONE)
		return;
	admt_machine *am = &ph->m[i];
	if (earlier_attempt(f[1], ph->since))
		return;
	/* a line ADMT wrote to two logs (the migration log and the agent's)
	 * is kept once */
	carve_buf quoted = CARVE_BUF_INIT;
	carve_buf_json_string(&quoted, f[1]);
	bool seen = am->log.len && strstr(am->log.ptr, carve_buf_cstr(&quoted));
	carve_buf_done(&quoted);
	if (seen)
		return;
	snprintf(am->last_line, sizeof(am->last_line), "%s", f[1]);
	if (admt_error_line(f[1]))
		snprintf(am->last_err, sizeof(am->last_err), "%s", f[1]);
	/* the newest lines are the ones kept */
	if (am->log_count == LOG_LINES_KEPT) {
		const char *comma = strstr(am->log.ptr, "\",\"");
		size_t cut = comma ? (size_t)(comma - am->log.ptr) + 2 : am->log.len;
		memmove(am->log.ptr, am->log.ptr + cut, am->log.len - cut + 1);
		am->log.len -= cut;
		am->log_count--;
	}
	if (am->log.len)
		carve_buf_putc(&am->log, ',');
	carve_buf_json_string(&am->log, f[1]);
	am->log_count++;
}

/* What ADMT wrote during the run about the candidates. */
static int read_logs(pipeline *p)
{
	admt_phase *ph = p->phase;
	carve_ssh *ssh = NULL;
	carve_buf list = CARVE_BUF_INIT, text = CARVE_BUF_INIT;
	const char *values[] = { NULL, ph->since[0] ? ph->since : "2000-01-01T00:00:00" };
	size_t next = 0;
	int err;

	if ((err = remote_open_exec(&ssh, p->plan, ph->admt, &p->remote)) < 0)
		return err;
	while (err == 0 && !pipe_cancelled(p) &&
	       next_batch(&list, p, &next, CMD_ADMT_LOG, values)) {
		values[0] = carve_buf_cstr(&list);
		text.len = 0;
		if ((err = remote_run(&text, ssh, p->plan, CMD_ADMT_LOG, values)) == 0)
			remote_lines(text.ptr, read_log_line, p);
		list.len = 0;
	}
	carve_ssh_free(ssh);
	carve_buf_done(&list);
	carve_buf_done(&text);
	return err;
}

/* The seed's causes of a failed computer migration, most likely first. */
static const carve_check causes[] = {
	CARVE_CHECK_HOTFIXES, CARVE_CHECK_ADMIN, CARVE_CHECK_NICS, CARVE_CHECK_FIREWALL,
	CARVE_CHECK_SERVICES,
};

/* Why m did not join: the first known cause that holds, else ADMT's last
 * line about it. */
static void triage_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	admt_phase *ph = p->phase;
	admt_machine *am = &ph->m[i];
	const check_context *groups = &ph->groups;
	pipe_object *o = &p->machines[i];
	const carve_machine *m = pipe_machine(p, o);
	carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	carve_ssh *ssh = NULL;
	int err;

	if (!am->triage || pipe_cancelled(p))
		return;
	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "domain", am->domain[0] ? am->domain : "(no answer)");
	carve_buf_printf(&ev, ",\"admt_log\":[%s]", carve_buf_cstr(&am->log));
	if ((err = remote_open_machine(&ssh, p->plan, m, &p->remote)) < 0) {
		carve_buf_printf(&diag, "it is not in the target domain and does not answer (%s):"
				 " find it on the floor; ADMT's last line about it: %s",
				 carve_error_last()->message,
				 am->last_line[0] ? am->last_line : "none");
		goto record;
	}
	for (size_t k = 0; k < CARVE_ARRAY_SIZE(causes); k++) {
		carve_check_result r = { CARVE_STATUS_PENDING, NULL, NULL };
		if (!check_applies(causes[k], p->plan, m))
			continue;
		err = remote_check(&r, ssh, causes[k], p->plan, m, groups);
		bool holds = r.status == CARVE_STATUS_FAILED && r.diagnosis;
		if (holds) {
			pipe_json_str(&ev, "cause", carve_check_name(causes[k]));
			carve_buf_printf(&ev, ",\"check\":%s", r.evidence ? r.evidence : "{}");
			carve_buf_printf(&diag, "it did not join the target domain: %s (ADMT's last "
					 "line about it: %s)", r.diagnosis,
					 am->last_line[0] ? am->last_line : "none");
		}
		free(r.evidence);
		free(r.diagnosis);
		if (holds)
			goto record;
		if (remote_session_lost(err))
			break;
	}
	carve_buf_printf(&diag, "it did not join the target domain and none of the known causes"
			 " holds; ADMT's last line about it: %s", am->last_line[0] ? am->last_line
			 : "none (read C:\\Windows\\ADMT\\Logs on the ADMT server)");
record:
	carve_buf_putc(&ev, '}');
	pipe_record(p, o, SLOT_ADMT, CARVE_STATUS_FAILED, carve_buf_cstr(&ev),
		    carve_buf_cstr(&diag));
	carve_ssh_free(ssh);
	carve_buf_done(&ev);
	carve_buf_done(&diag);
}

/* The verdict for each candidate: is it in the target domain? */
static void judge(pipeline *p)
{
	admt_phase *ph = p->phase;
	const carve_policy *pol = carve_plan_policy(p->plan);

	for (size_t i = 0; i < p->n_machines && !pipe_cancelled(p); i++) {
		admt_machine *am = &ph->m[i];
		if (!am->candidate || !am->joined)
			continue;
		const carve_machine *m = pipe_machine(p, &p->machines[i]);
		bool lost_profile = pol->translate_profiles && m->os > CARVE_OS_7;
		/* Joined is the verdict, but an error ADMT logged about it (a
		 * profile it could not translate, as a locked one: ADMT 3.2
		 * guide, "verify that user profile translation succeeds for
		 * each user before that user is allowed to log on") is said. */
		char err_diag[768] = "";
		if (!lost_profile && am->last_err[0])
			snprintf(err_diag, sizeof(err_diag), "in the target domain, but ADMT logged"
				 " an error about it: %s; check that its user's profile was"
				 " translated before the user logs on", am->last_err);
		carve_buf ev = CARVE_BUF_INIT;
		carve_buf_putc(&ev, '{');
		pipe_json_str(&ev, "domain", am->domain);
		carve_buf_printf(&ev, ",\"admt_log\":[%s]", carve_buf_cstr(&am->log));
		pipe_json_str(&ev, "admt_output", ph->output);
		carve_buf_putc(&ev, '}');
		pipe_record(p, &p->machines[i], SLOT_ADMT,
			    lost_profile || err_diag[0] ? CARVE_STATUS_WARN : CARVE_STATUS_OK,
			    carve_buf_cstr(&ev), lost_profile ? LOST_PROFILE
			    : err_diag[0] ? err_diag : NULL);
		carve_buf_done(&ev);
	}
	for (size_t i = 0; i < p->n_machines; i++)
		ph->m[i].triage = ph->m[i].candidate && !ph->m[i].joined;
}

/* The machine's user's source account disabled (so nobody logs on to the
 * source domain and gets a new, empty profile: the seed's STEP 2), with
 * the source's credentials, or the default logon domain set. */
static void post_step(pipeline *p, pipe_object *o)
{
	admt_phase *ph = p->phase;
	const carve_machine *m = pipe_machine(p, o);
	const carve_site *s = carve_plan_site(p->plan);
	bool disable = carve_plan_policy(p->plan)->disable_source_accounts;
	const carve_user *u = o->peer != CARVE_NONE ? pipe_user(p, &p->users[o->peer]) : NULL;
	size_t n_acc, src = s->source.account;
	const carve_account *acc = carve_plan_accounts(p->plan, &n_acc);
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT, ev = CARVE_BUF_INIT;
	char why[768];
	int err;

	carve_buf_putc(&ev, '{');
	if (disable && !u) {
		pipe_json_str(&ev, "source_account", "none: the plan names no user for it");
		carve_buf_putc(&ev, '}');
		pipe_record(p, o, SLOT_POST, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
		goto done;
	}
	pipe_json_str(&ev, disable ? "disable" : "set_logon_domain", disable ? u->name
		      : s->target.netbios);
	carve_buf_putc(&ev, '}');
	/* in the log before it is done */
	if (pipe_record(p, o, SLOT_POST, CARVE_STATUS_RUNNING, carve_buf_cstr(&ev), NULL) < 0)
		goto done;
	ev.len = 0;
	if (disable) {
		const char *values[] = { u->name, s->source.dns, src < n_acc ? acc[src].user : "" };
		if (src == CARVE_NONE)
			err = carve_error_set(CARVE_EINVALID, "the plan has no site.source.account"
					      " to disable source accounts with");
		else if ((err = remote_open_exec(&ssh, p->plan, ph->admt, &p->remote)) == 0)
			err = remote_run_with(&text, ssh, p->plan, CMD_DISABLE_SOURCE, values, src);
	} else {
		const char *values[] = { m->name, s->target.netbios };
		if ((err = remote_open_machine(&ssh, p->plan, m, &p->remote)) == 0)
			err = remote_run(&text, ssh, p->plan, CMD_LOGON_DOMAIN, values);
	}
	char *answer = carve_trim(text.ptr ? text.ptr : (char *)"");
	answer[strcspn(answer, "\n")] = '\0';
	const char *want = disable ? "False" : s->target.netbios;
	if (err == 0 && strcasecmp(answer, want) != 0)
		err = carve_error_set(CARVE_ERROR, "Windows answered '%s', not '%s'", answer, want);
	if (err == CARVE_ECANCELED)
		goto done;
	carve_buf_putc(&ev, '{');
	if (disable)
		pipe_json_str(&ev, "user", u->name);
	pipe_json_str(&ev, disable ? "source_account_enabled" : "default_domain", answer);
	carve_buf_putc(&ev, '}');
	snprintf(why, sizeof(why), disable
		 ? "the source user account could not be disabled (%s): disable it in the"
		   " source domain by hand, or its user can log on there and get a new profile"
		 : "the default logon domain could not be set (%s): run the logon-domain"
		   " script on it, or users will log on to the source domain",
		 carve_error_last()->message);
	pipe_record(p, o, SLOT_POST, err == 0 ? CARVE_STATUS_OK : CARVE_STATUS_FAILED,
		    carve_buf_cstr(&ev), err == 0 ? NULL : why);
done:
	carve_ssh_free(ssh);
	carve_buf_done(&text);
	carve_buf_done(&ev);
}

static void after_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	admt_phase *ph = p->phase;
	pipe_object *o = &p->machines[i];

	if (pipe_cancelled(p))
		return;
	if (!ph->m[i].triage && pipe_done(o, SLOT_ADMT) && pipe_wants(p, o, SLOT_POST))
		post_step(p, o);
}

void phase_workstations(pipeline *p)
{
	admt_phase ph = { calloc(p->n_machines ? p->n_machines : 1, sizeof(admt_machine)),
			  remote_exec_host(p->plan, CARVE_ROLE_ADMT), "", "", { NULL, 0, NULL } };
	size_t n = 0;

	if (!ph.m) {
		carve_error_oom();
		pipe_stop(p, "workstations");
		return;
	}
	p->phase = &ph;
	pipe_each_machine(p, verify_job);
	settle_resumed(p);
	/* when ADMT started, for a run interrupted while it works */
	char started[48];
	snprintf(started, sizeof(started), "{\"admt_started\":%lld}", (long long)time(NULL));
	pipe_change *running = calloc(p->n_machines ? p->n_machines : 1, sizeof(*running));
	for (size_t i = 0; running && i < p->n_machines; i++)
		if (ph.m[i].candidate)
			running[n++] = (pipe_change){ &p->machines[i], SLOT_ADMT,
						      CARVE_STATUS_RUNNING, started, NULL };
	if (!running) {
		carve_error_oom();
		pipe_stop(p, "workstations");
	} else if (n && !pipe_cancelled(p) && pipe_record_all(p, running, n) == 0) {
		int err = ph.admt == CARVE_NONE
			  ? carve_error_set(CARVE_EINVALID, "the plan has no exec host with"
					    " role admt")
			  : run_admt(p);
		if (err < 0 && err != CARVE_ECANCELED) {
			char why[768];
			snprintf(why, sizeof(why), "ADMT could not be run: %s",
				 carve_error_last()->message);
			for (size_t i = 0; i < n; i++)
				pipe_record(p, running[i].obj, SLOT_ADMT, CARVE_STATUS_FAILED, NULL,
					    why);
		} else if (err == 0) {
			time_t join_by = time(NULL) + join_window(p);
			for (size_t i = 0; i < p->n_machines; i++)
				if (ph.m[i].candidate) {
					ph.m[i].watch = true;
					ph.m[i].join_by = join_by;
				}
			wait_for_joins(p);
			if (!pipe_cancelled(p))
				read_logs(p); /* evidence: without it the verdict stands */
			judge(p);
			bool any = false;
			for (size_t i = 0; i < p->n_machines; i++)
				any |= ph.m[i].triage;
			if (any && !pipe_cancelled(p)) {
				remote_migrator_groups(&ph.groups, p->plan, &p->remote);
				pipe_each_machine(p, triage_job);
				check_context_done(&ph.groups);
			}
		}
	}
	free(running);
	pipe_each_machine(p, after_job);
	p->phase = NULL;
	for (size_t i = 0; i < p->n_machines; i++)
		carve_buf_done(&ph.m[i].log);
	free(ph.m);
}
