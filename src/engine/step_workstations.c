/*
 * step_workstations.c - STEP 2: ADMT's computer migration for the chunk at
 * once on the ADMT server, the post-check status as the verdict, a
 * diagnosis for each failure, and the source account disabled or the
 * default logon domain set, per policy.
 *
 * A machine whose earlier attempt was interrupted (or failed) is asked for
 * its domain first: one already in the target domain is done, and ADMT is
 * not run for it again.  A failure is diagnosed in the seed's order of
 * likelihood by running the matching pre-flight checks on the machine;
 * when none holds, ADMT's own log lines about it are fetched instead.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	bool candidate;    /* ADMT is to run for it */
	char status[48];   /* its post-check status, after the run */
	bool triage;       /* failed in this run: diagnose it */
} admt_machine;

typedef struct {
	admt_machine *m;
	size_t admt;       /* the ADMT exec host */
	char output[2048]; /* the end of ADMT's own output, for evidence */
} admt_phase;

static bool in_target(const carve_plan *plan, const char *domain)
{
	const carve_site *s = carve_plan_site(plan);
	return !strcasecmp(domain, s->target.dns) || !strcasecmp(domain, s->target.netbios);
}

/* Win32_ComputerSystem: name|domain|user logged on. */
static int ask_computer(char *domain, char *user, size_t cap, pipeline *p,
			const carve_machine *m)
{
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	const char *values[] = { m->name };
	int err = remote_open_machine(&ssh, p->plan, m, p->opts->cancel);

	if (err == 0)
		err = remote_run(&text, ssh, p->plan, CMD_COMPUTER, values);
	if (err == 0) {
		char *f[3] = { NULL, NULL, NULL }, *line = text.ptr ? text.ptr : (char *)"";
		line[strcspn(line, "\n")] = '\0';
		size_t n = remote_fields(line, f, 3);
		if (n < 2 || !*f[1])
			err = carve_error_set(CARVE_ERROR, "Windows did not say its domain");
		snprintf(domain, cap, "%s", n >= 2 ? f[1] : "");
		snprintf(user, cap, "%s", n >= 3 ? f[2] : "");
	}
	carve_ssh_free(ssh);
	carve_buf_done(&text);
	return err;
}

/* Before ADMT: which machines it runs for. */
static void verify_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	admt_phase *ph = p->phase;
	pipe_object *o = &p->machines[i];
	const carve_machine *m = pipe_machine(p, o);
	char domain[128], user[128], ev[512];

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
		if (ask_computer(domain, user, sizeof(domain), p, m) == 0 && in_target(p->plan, domain)) {
			carve_buf b = CARVE_BUF_INIT;
			carve_buf_putc(&b, '{');
			pipe_json_str(&b, "domain", domain);
			pipe_json_str(&b, "verified", "already in the target domain");
			carve_buf_putc(&b, '}');
			snprintf(ev, sizeof(ev), "%s", carve_buf_cstr(&b));
			carve_buf_done(&b);
			pipe_record(p, o, SLOT_ADMT, CARVE_STATUS_OK, ev, NULL);
			return;
		}
	}
	ph->m[i].candidate = true;
}

/* Appends "A,B,C" names to list from *next while the command line fits. */
static size_t next_batch(carve_buf *list, pipeline *p, size_t *next)
{
	admt_phase *ph = p->phase;
	const carve_site *s = carve_plan_site(p->plan);
	size_t taken = 0;

	const char *values[] = { NULL, s->source.dns, s->target.dns, s->target_ou };

	for (; *next < p->n_machines; (*next)++) {
		if (!ph->m[*next].candidate)
			continue;
		if (!cmd_list_add(list, pipe_machine(p, &p->machines[*next])->name, p->plan,
				  CMD_ADMT_MIGRATE, values))
			break; /* the next batch starts with this one */
		taken++;
	}
	return taken;
}

static void keep_output(admt_phase *ph, const char *text)
{
	size_t len = strlen(text), cap = sizeof(ph->output) - 1;
	const char *tail = len > cap ? text + len - cap : text;

	snprintf(ph->output, sizeof(ph->output), "%s", tail);
}

static void read_status(char *line, void *ctx)
{
	pipeline *p = ctx;
	admt_phase *ph = p->phase;
	char *f[2];

	if (remote_fields(line, f, 2) < 2)
		return;
	size_t m = carve_plan_find_machine(p->plan, f[0]);
	for (size_t i = 0; m != CARVE_NONE && i < p->n_machines; i++)
		if (p->machines[i].index == m && ph->m[i].candidate)
			snprintf(ph->m[i].status, sizeof(ph->m[i].status), "%s", f[1]);
}

static bool still_running(const char *status)
{
	return !strcasecmp(status, "Running") || !strcasecmp(status, "In Progress");
}

/* Runs ADMT for every candidate and reads each one's post-check status. */
static int run_admt(pipeline *p)
{
	admt_phase *ph = p->phase;
	carve_ssh *ssh = NULL;
	carve_buf list = CARVE_BUF_INIT, text = CARVE_BUF_INIT;
	const carve_site *s = carve_plan_site(p->plan);
	size_t next = 0;
	int err;

	if ((err = remote_open_exec(&ssh, p->plan, ph->admt, p->opts->cancel)) < 0)
		return err;
	while (!pipe_cancelled(p) && next_batch(&list, p, &next)) {
		const char *values[] = { carve_buf_cstr(&list), s->source.dns, s->target.dns,
					 s->target_ou };
		text.len = 0;
		err = remote_run(&text, ssh, p->plan, CMD_ADMT_MIGRATE, values);
		keep_output(ph, err == 0 ? carve_buf_cstr(&text) : carve_error_last()->message);
		list.len = 0;
		if (remote_session_lost(err)) {
			carve_ssh_free(ssh);
			ssh = NULL;
			if (err == CARVE_ECANCELED ||
			    (err = remote_open_exec(&ssh, p->plan, ph->admt, p->opts->cancel)) < 0)
				goto done;
		}
		/* A batch ADMT refused shows in the post-check status. */
	}
	/* ADMT's agents report while they work: wait for them to finish. */
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool running = false;
		text.len = 0;
		if ((err = remote_run(&text, ssh, p->plan, CMD_ADMT_STATUS, NULL)) < 0)
			goto done;
		remote_lines(text.ptr, read_status, p);
		for (size_t i = 0; i < p->n_machines; i++)
			running |= ph->m[i].candidate && still_running(ph->m[i].status);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!running || (now.tv_sec - t0.tv_sec) * 1000 >
					carve_plan_policy(p->plan)->restart_timeout_ms ||
		    !pipe_sleep(p, carve_plan_mail(p->plan)->poll_interval_ms))
			break;
	}
done:
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

static void collect_line(char *line, void *ctx)
{
	carve_buf *b = ctx;

	carve_buf_puts(b, b->len && b->ptr[b->len - 1] != '[' ? "," : "");
	carve_buf_json_string(b, line);
}

/* Why ADMT failed for m: the first known cause that holds, else its log. */
static void triage(pipeline *p, pipe_object *o, const char *status)
{
	admt_phase *ph = p->phase;
	const carve_machine *m = pipe_machine(p, o);
	carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT, text = CARVE_BUF_INIT;
	carve_ssh *ssh = NULL;
	int err;

	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "post_check", status);
	if ((err = remote_open_machine(&ssh, p->plan, m, p->opts->cancel)) < 0) {
		carve_buf_printf(&diag, "ADMT's post-check says %s, and the machine does not answer"
				 " (%s): find it on the floor", status, carve_error_last()->message);
		goto record;
	}
	for (size_t k = 0; k < CARVE_ARRAY_SIZE(causes); k++) {
		carve_check_result r = { CARVE_STATUS_PENDING, NULL, NULL };
		if (!check_applies(causes[k], p->plan, m))
			continue;
		err = remote_check(&r, ssh, causes[k], p->plan, m);
		bool holds = r.status == CARVE_STATUS_FAILED && r.diagnosis;
		if (holds) {
			pipe_json_str(&ev, "cause", carve_check_name(causes[k]));
			carve_buf_printf(&ev, ",\"check\":%s", r.evidence ? r.evidence : "{}");
			carve_buf_printf(&diag, "ADMT's post-check says %s: %s", status, r.diagnosis);
		}
		free(r.evidence);
		free(r.diagnosis);
		if (holds)
			goto record;
		if (remote_session_lost(err))
			break;
	}
	/* None of the known causes: what ADMT itself wrote about it. */
	carve_ssh_free(ssh);
	ssh = NULL;
	const char *values[] = { m->name };
	if ((err = remote_open_exec(&ssh, p->plan, ph->admt, p->opts->cancel)) == 0)
		err = remote_run(&text, ssh, p->plan, CMD_ADMT_LOG, values);
	if (err < 0) {
		carve_buf_printf(&diag, "ADMT's post-check says %s and none of the known causes"
				 " holds; its log could not be read (%s): look in"
				 " C:\\Windows\\ADMT\\Logs on the ADMT server",
				 status, carve_error_last()->message);
		goto record;
	}
	carve_buf_puts(&ev, ",\"admt_log\":[");
	remote_lines(text.ptr, collect_line, &ev);
	carve_buf_putc(&ev, ']');
	const char *last = text.ptr ? strrchr(carve_trim(text.ptr), '\n') : NULL;
	last = last ? last + 1 : text.ptr && *text.ptr ? text.ptr : "no lines about it";
	carve_buf_printf(&diag, "ADMT's post-check says %s and none of the known causes holds;"
			 " ADMT's log says: %s", status, last);
record:
	carve_buf_putc(&ev, '}');
	pipe_record(p, o, SLOT_ADMT, CARVE_STATUS_FAILED, carve_buf_cstr(&ev),
		    carve_buf_cstr(&diag));
	carve_ssh_free(ssh);
	carve_buf_done(&ev);
	carve_buf_done(&diag);
	carve_buf_done(&text);
}

/* The source computer account disabled, or the default logon domain set. */
static void post_step(pipeline *p, pipe_object *o)
{
	admt_phase *ph = p->phase;
	const carve_machine *m = pipe_machine(p, o);
	const carve_site *s = carve_plan_site(p->plan);
	bool disable = carve_plan_policy(p->plan)->disable_source_accounts;
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT, ev = CARVE_BUF_INIT;
	char why[768];
	int err;

	if (disable) {
		const char *values[] = { m->name, s->source.dns };
		if ((err = remote_open_exec(&ssh, p->plan, ph->admt, p->opts->cancel)) == 0)
			err = remote_run(&text, ssh, p->plan, CMD_DISABLE_SOURCE, values);
	} else {
		const char *values[] = { m->name, s->target.netbios };
		if ((err = remote_open_machine(&ssh, p->plan, m, p->opts->cancel)) == 0)
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
	pipe_json_str(&ev, disable ? "source_account_enabled" : "default_domain", answer);
	carve_buf_putc(&ev, '}');
	snprintf(why, sizeof(why), disable
		 ? "the source computer account could not be disabled (%s): disable it in"
		   " the source domain by hand, or users can log on there again"
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
	if (ph->m[i].triage)
		triage(p, o, ph->m[i].status[0] ? ph->m[i].status : "Not Started");
	else if (pipe_done(o, SLOT_ADMT) && pipe_wants(p, o, SLOT_POST))
		post_step(p, o);
}

/* The verdict for each candidate from its post-check status. */
static void judge(pipeline *p)
{
	admt_phase *ph = p->phase;

	for (size_t i = 0; i < p->n_machines && !pipe_cancelled(p); i++) {
		admt_machine *am = &ph->m[i];
		if (!am->candidate)
			continue;
		carve_buf ev = CARVE_BUF_INIT;
		carve_buf_putc(&ev, '{');
		pipe_json_str(&ev, "post_check", am->status[0] ? am->status : "Not Started");
		pipe_json_str(&ev, "admt_output", ph->output);
		carve_buf_putc(&ev, '}');
		if (!strcasecmp(am->status, "Completed"))
			pipe_record(p, &p->machines[i], SLOT_ADMT, CARVE_STATUS_OK,
				    carve_buf_cstr(&ev), NULL);
		else if (!strncasecmp(am->status, "Completed", 9))
			pipe_record(p, &p->machines[i], SLOT_ADMT, CARVE_STATUS_WARN,
				    carve_buf_cstr(&ev), "ADMT finished with warnings: read its"
				    " log for this machine");
		else
			am->triage = true; /* Failed, or stuck at Not Started */
		carve_buf_done(&ev);
	}
}

void phase_workstations(pipeline *p)
{
	admt_phase ph = { calloc(p->n_machines ? p->n_machines : 1, sizeof(admt_machine)),
			  remote_exec_host(p->plan, CARVE_ROLE_ADMT), "" };
	size_t n = 0;

	if (!ph.m) {
		carve_error_oom();
		pipe_stop(p, "workstations");
		return;
	}
	p->phase = &ph;
	pipe_each_machine(p, verify_job);
	pipe_change *running = calloc(p->n_machines ? p->n_machines : 1, sizeof(*running));
	for (size_t i = 0; running && i < p->n_machines; i++)
		if (ph.m[i].candidate)
			running[n++] = (pipe_change){ &p->machines[i], SLOT_ADMT,
						      CARVE_STATUS_RUNNING, NULL, NULL };
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
			judge(p);
		}
	}
	free(running);
	pipe_each_machine(p, after_job);
	p->phase = NULL;
	free(ph.m);
}
