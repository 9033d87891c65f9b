/*
 * pipeline.c - the runner: one chunk through the phases, with the audit log
 * as its state.
 *
 * A run takes the database's runner lock, reads the chunk's current state
 * into slots, records every step a killed carve left running as
 * interrupted, and then runs the phases in order.  Each phase acts only on
 * what the slots say is not done, so running a chunk again continues it;
 * steps that were interrupted are verified on the remote side before any
 * of them is repeated (see the step_*.c files).
 */
#include "pipeline.h"
#include "transport_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const struct {
	carve_phase phase;
	bool user; /* the slot belongs to users, not machines */
} slot_info[SLOT__COUNT] = {
	[SLOT_PREFLIGHT] = { CARVE_PHASE_PREFLIGHT, false },
	[SLOT_RESTART] = { CARVE_PHASE_RESTART, false },
	[SLOT_ADMT] = { CARVE_PHASE_WORKSTATIONS, false },
	[SLOT_POST] = { CARVE_PHASE_WORKSTATIONS, false },
	[SLOT_OUTLOOK] = { CARVE_PHASE_CLIENTS, false },
	[SLOT_LOGON] = { CARVE_PHASE_CLIENTS, false },
	[SLOT_MOVE] = { CARVE_PHASE_MAIL, true },
	[SLOT_ACTIVESYNC] = { CARVE_PHASE_CLIENTS, true },
};

static const char *slot_step(const carve_plan *plan, pipe_slot s)
{
	switch (s) {
	case SLOT_RESTART: return "restart";
	case SLOT_ADMT: return "admt";
	case SLOT_POST:
		return carve_plan_policy(plan)->disable_source_accounts ? "source-account"
									: "logon-domain";
	case SLOT_OUTLOOK: return "outlook";
	case SLOT_LOGON: return "logon";
	case SLOT_MOVE: return "move";
	case SLOT_ACTIVESYNC: return "activesync";
	default: return NULL;
	}
}

/* The slot a recorded (phase, step) belongs to, or SLOT__COUNT. */
static pipe_slot slot_of(const char *phase, const char *step, bool user)
{
	carve_phase ph;

	if (!phase || carve_phase_parse(&ph, phase) < 0)
		return SLOT__COUNT;
	if (ph == CARVE_PHASE_PREFLIGHT && !user)
		return SLOT_PREFLIGHT;
	for (int s = SLOT_RESTART; s < SLOT__COUNT; s++) {
		if (slot_info[s].phase != ph || slot_info[s].user != user || !step)
			continue;
		if (s == SLOT_POST ? !strcmp(step, "source-account") || !strcmp(step, "logon-domain")
				   : !strcmp(step, slot_step(NULL, (pipe_slot)s)))
			return (pipe_slot)s;
	}
	return SLOT__COUNT;
}

const carve_machine *pipe_machine(const pipeline *p, const pipe_object *o)
{
	size_t n;
	return &carve_plan_machines(p->plan, &n)[o->index];
}

const carve_user *pipe_user(const pipeline *p, const pipe_object *o)
{
	size_t n;
	return &carve_plan_users(p->plan, &n)[o->index];
}

/* ---- recording ---- */

int pipe_record_all(pipeline *p, const pipe_change *c, size_t n)
{
	size_t n_chunks;
	const carve_chunk *chunks = carve_plan_chunks(p->plan, &n_chunks);
	carve_event *ev = calloc(n ? n : 1, sizeof(*ev));
	int err;

	if (!ev)
		return carve_error_oom();
	for (size_t i = 0; i < n; i++) {
		bool user = slot_info[c[i].slot].user;
		carve_event e = CARVE_EVENT_INIT;
		e.run = p->opts->run;
		e.actor = "engine";
		/* every object's events go to its own chunk: a site-wide mail
		 * phase moves the users of other chunks too */
		if (user) {
			const carve_user *u = pipe_user(p, c[i].obj);
			e.user = u->name;
			e.chunk = chunks[u->chunk].name;
		} else {
			const carve_machine *m = pipe_machine(p, c[i].obj);
			e.machine = m->name;
			e.chunk = chunks[m->chunk].name;
			if (c[i].obj->peer != CARVE_NONE)
				e.user = pipe_user(p, &p->users[c[i].obj->peer])->name;
		}
		e.phase = carve_phase_name(slot_info[c[i].slot].phase);
		e.step = slot_step(p->plan, c[i].slot);
		e.status = c[i].status;
		e.evidence = c[i].evidence;
		e.diagnosis = c[i].diagnosis;
		ev[i] = e;
	}
	pthread_mutex_lock(&p->lock);
	err = n ? carve_audit_append(NULL, p->opts->audit, ev, n) : 0;
	if (err < 0) {
		pthread_mutex_unlock(&p->lock);
		pipe_stop(p, "could not write to the audit log");
		pthread_mutex_lock(&p->lock);
	} else {
		for (size_t i = 0; i < n; i++) {
			pipe_state *st = &c[i].obj->s[c[i].slot];
			char *copy = c[i].evidence ? strdup(c[i].evidence) : NULL;
			free(st->evidence);
			st->evidence = copy;
			st->status = c[i].status;
			if (p->opts->on_event)
				p->opts->on_event(&ev[i], p->opts->ctx);
		}
	}
	pthread_mutex_unlock(&p->lock);
	free(ev);
	return err;
}

int pipe_record(pipeline *p, pipe_object *o, pipe_slot slot, carve_status status,
		const char *evidence, const char *diagnosis)
{
	pipe_change c = { o, slot, status, evidence, diagnosis };
	return pipe_record_all(p, &c, 1);
}

/* Whether someone skipped the step while the run goes (carve skip from
 * another terminal, or the console): the log decides, not what the run
 * read when it started.  The slot learns it. */
static bool skipped_meanwhile(pipeline *p, pipe_object *o, pipe_slot slot)
{
	bool user = slot_info[slot].user;
	carve_status now = CARVE_STATUS_PENDING;

	if (slot == SLOT_PREFLIGHT || !p->opts->audit)
		return false;
	pthread_mutex_lock(&p->lock);
	int err = carve_audit_step_status(&now, p->opts->audit, user ? "user" : "machine",
					  user ? pipe_user(p, o)->name : pipe_machine(p, o)->name,
					  carve_phase_name(slot_info[slot].phase),
					  slot_step(p->plan, slot));
	if (err == 0 && now == CARVE_STATUS_SKIPPED)
		o->s[slot].status = CARVE_STATUS_SKIPPED;
	pthread_mutex_unlock(&p->lock);
	return err == 0 && now == CARVE_STATUS_SKIPPED;
}

bool pipe_wants(pipeline *p, pipe_object *o, pipe_slot slot)
{
	if (!o->selected || p->stop_err || carve_cancel_fired(p->opts->pause) ||
	    skipped_meanwhile(p, o, slot))
		return false;
	switch (o->s[slot].status) {
	case CARVE_STATUS_OK:
	case CARVE_STATUS_WARN:
	case CARVE_STATUS_SKIPPED:
		return false;
	case CARVE_STATUS_FAILED:
		return p->opts->retry_failed;
	default:
		return true;
	}
}

bool pipe_done(const pipe_object *o, pipe_slot slot)
{
	carve_status s = o->s[slot].status;
	return s == CARVE_STATUS_OK || s == CARVE_STATUS_WARN;
}

void pipe_block(pipeline *p, pipe_object *o, pipe_slot slot, const char *why)
{
	if (o->s[slot].status != CARVE_STATUS_BLOCKED)
		pipe_record(p, o, slot, CARVE_STATUS_BLOCKED, NULL, why);
}

void pipe_stop(pipeline *p, const char *what)
{
	const carve_error *e = carve_error_last();

	pthread_mutex_lock(&p->lock);
	if (!p->stop_err) {
		p->stop_err = e->code < 0 ? e->code : CARVE_ERROR;
		snprintf(p->stop_why, sizeof(p->stop_why), "%s: %s", what, e->message);
	}
	pthread_mutex_unlock(&p->lock);
}

bool pipe_cancelled(const pipeline *p)
{
	return carve_cancel_fired(p->opts->cancel) || p->stop_err;
}

bool pipe_sleep(pipeline *p, uint32_t ms)
{
	struct pollfd pfd = { cancel_fd(p->opts->cancel), POLLIN, 0 };

	if (pipe_cancelled(p))
		return false;
	if (pfd.fd < 0) {
		usleep(ms * 1000u);
		return true;
	}
	while (poll(&pfd, 1, (int)ms) < 0 && errno == EINTR)
		;
	return !pipe_cancelled(p);
}

void pipe_each_machine(pipeline *p, carve_job_fn job)
{
	size_t n_exec;
	const carve_exec_host *e = carve_plan_exec_hosts(p->plan, &n_exec);
	size_t *group = calloc(p->n_machines ? p->n_machines : 1, sizeof(*group));
	unsigned *limit = calloc(n_exec ? n_exec : 1, sizeof(*limit));

	if (!group || !limit) {
		carve_error_oom();
		pipe_stop(p, "cannot start the workers");
	} else {
		for (size_t g = 0; g < n_exec; g++)
			limit[g] = e[g].concurrency;
		for (size_t i = 0; i < p->n_machines; i++) {
			const carve_machine *m = pipe_machine(p, &p->machines[i]);
			group[i] = m->reach == CARVE_REACH_VIA ? m->via : CARVE_NONE;
		}
		if (carve_pool_run(p->n_machines, carve_plan_transport(p->plan)->concurrency,
				   group, limit, job, p) < 0)
			pipe_stop(p, "cannot start the workers");
	}
	free(group);
	free(limit);
}

/* ---- evidence ---- */

bool pipe_evidence_get(const char *evidence, const char *key, char *out, size_t cap)
{
	char needle[64];
	const char *at;
	size_t n = 0;

	if (!evidence || cap == 0)
		return false;
	snprintf(needle, sizeof(needle), "\"%s\":", key);
	if (!(at = strstr(evidence, needle)))
		return false;
	at += strlen(needle);
	if (*at == '"') {
		for (at++; *at && *at != '"' && n + 1 < cap; at++) {
			if (*at == '\\' && at[1])
				at++;
			out[n++] = *at;
		}
	} else {
		while (*at && *at != ',' && *at != '}' && n + 1 < cap)
			out[n++] = *at++;
	}
	out[n] = '\0';
	return true;
}

static void json_key(carve_buf *b, const char *key)
{
	if (b->len && b->ptr[b->len - 1] != '{')
		carve_buf_putc(b, ',');
	carve_buf_printf(b, "\"%s\":", key);
}

void pipe_json_str(carve_buf *b, const char *key, const char *value)
{
	json_key(b, key);
	carve_buf_json_string(b, value ? value : "");
}

void pipe_json_num(carve_buf *b, const char *key, double value)
{
	json_key(b, key);
	carve_buf_printf(b, "%.15g", value);
}

/* ---- reading the state ---- */

typedef struct {
	pipeline *p;
	size_t *machine_at; /* plan machine index -> index in p->machines, or NONE */
	size_t *user_at;
	int err;
} loader;

/* Pre-flight: the worst of the checks recorded. */
static const carve_status preflight_worst[] = {
	CARVE_STATUS_FAILED, CARVE_STATUS_INTERRUPTED, CARVE_STATUS_BLOCKED,
	CARVE_STATUS_RUNNING, CARVE_STATUS_WARN, CARVE_STATUS_OK,
};

static int rank(carve_status s)
{
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(preflight_worst); i++)
		if (preflight_worst[i] == s)
			return (int)i;
	return (int)CARVE_ARRAY_SIZE(preflight_worst);
}

static int load_row(const carve_state_row *row, void *ctx)
{
	loader *l = ctx;
	pipeline *p = l->p;
	bool user = !strcmp(row->object_kind, "user");
	size_t i = CARVE_NONE;
	pipe_object *o;

	if (user) {
		size_t u = carve_plan_find_user(p->plan, row->object);
		i = u == CARVE_NONE ? CARVE_NONE : l->user_at[u];
	} else if (!strcmp(row->object_kind, "machine")) {
		size_t m = carve_plan_find_machine(p->plan, row->object);
		i = m == CARVE_NONE ? CARVE_NONE : l->machine_at[m];
	}
	pipe_slot s = slot_of(row->phase, row->step, user);
	if (i == CARVE_NONE || s == SLOT__COUNT)
		return 0; /* another phase, or an object no longer in the plan */
	o = user ? &p->users[i] : &p->machines[i];
	if (s == SLOT_PREFLIGHT) {
		if (o->s[s].status == CARVE_STATUS_PENDING || rank(row->status) < rank(o->s[s].status))
			o->s[s].status = row->status;
		return 0;
	}
	o->s[s].status = row->status;
	free(o->s[s].evidence);
	o->s[s].evidence = row->evidence ? strdup(row->evidence) : NULL;
	if (row->evidence && !o->s[s].evidence)
		return l->err = carve_error_oom();
	return 0;
}

static bool named(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (carve_strcasecmp(*names, name) == 0)
			return true;
	return false;
}

/* The chunk's machines and users, paired, and which of them the run may
 * act on; with site_mail, every other user of the site too (for the mail
 * phase alone). */
static int gather(pipeline *p, loader *l, bool site_mail)
{
	size_t n_m, n_u;
	const carve_machine *m = carve_plan_machines(p->plan, &n_m);
	const carve_user *u = carve_plan_users(p->plan, &n_u);
	const char *const *names = p->opts->names;

	l->machine_at = malloc((n_m ? n_m : 1) * sizeof(size_t));
	l->user_at = malloc((n_u ? n_u : 1) * sizeof(size_t));
	p->machines = calloc(n_m ? n_m : 1, sizeof(*p->machines));
	p->users = calloc(n_u ? n_u : 1, sizeof(*p->users));
	if (!l->machine_at || !l->user_at || !p->machines || !p->users)
		return carve_error_oom();
	for (const char *const *n = names; n && *n; n++)
		if (carve_plan_find_machine(p->plan, *n) == CARVE_NONE &&
		    carve_plan_find_user(p->plan, *n) == CARVE_NONE)
			return carve_error_set(CARVE_EINVALID, "no machine or user '%s' in the plan",
					       *n);
	for (size_t i = 0; i < n_u; i++) {
		l->user_at[i] = CARVE_NONE;
		if (u[i].chunk != p->chunk)
			continue;
		l->user_at[i] = p->n_users;
		p->users[p->n_users++] = (pipe_object){ .index = i, .peer = CARVE_NONE,
							.selected = !names || named(names, u[i].name),
							.in_chunk = true };
	}
	/* The seed: "Email migrations for all users at each site should be
	 * performed all at once": the site's other users join the mail phase. */
	for (size_t i = 0; site_mail && i < n_u; i++) {
		if (u[i].chunk == p->chunk)
			continue;
		l->user_at[i] = p->n_users;
		p->users[p->n_users++] = (pipe_object){ .index = i, .peer = CARVE_NONE,
							.selected = !names, .in_chunk = false };
	}
	for (size_t i = 0; i < n_m; i++) {
		l->machine_at[i] = CARVE_NONE;
		if (m[i].chunk != p->chunk)
			continue;
		pipe_object *o = &p->machines[p->n_machines];
		*o = (pipe_object){ .index = i, .peer = CARVE_NONE,
				    .selected = !names || named(names, m[i].name), .in_chunk = true };
		if (m[i].user != CARVE_NONE && l->user_at[m[i].user] != CARVE_NONE) {
			pipe_object *uo = &p->users[l->user_at[m[i].user]];
			o->peer = l->user_at[m[i].user];
			uo->peer = p->n_machines;
			/* Naming a machine takes its user along, and the other way. */
			o->selected |= names && named(names, u[m[i].user].name);
			uo->selected |= o->selected;
		}
		l->machine_at[i] = p->n_machines++;
	}
	for (size_t i = 0; i < p->n_users; i++)
		if (p->users[i].selected && p->users[i].peer != CARVE_NONE)
			p->machines[p->users[i].peer].selected = true;
	return 0;
}

/* Steps a killed carve left running are recorded interrupted, keeping the
 * evidence they had (a restart's boot time before, for one). */
static int mark_interrupted(pipeline *p)
{
	size_t cap = 0, n = 0;
	pipe_change *c = NULL;
	int err = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < p->n_machines + p->n_users; k++) {
			pipe_object *o = k < p->n_machines ? &p->machines[k]
							   : &p->users[k - p->n_machines];
			for (int s = 0; s < SLOT__COUNT; s++) {
				if (o->s[s].status != CARVE_STATUS_RUNNING || s == SLOT_PREFLIGHT)
					continue;
				if (pass == 0)
					cap++;
				else
					c[n++] = (pipe_change){ o, (pipe_slot)s, CARVE_STATUS_INTERRUPTED,
								o->s[s].evidence,
								"carve stopped while this step ran; it"
								" is checked before anything is done"
								" again" };
			}
		}
		if (pass == 0 && !(c = calloc(cap ? cap : 1, sizeof(*c))))
			return carve_error_oom();
	}
	/* pipe_record_all replaces the evidence it is given: keep copies. */
	for (size_t i = 0; i < n && !err; i++)
		if (c[i].evidence && !(c[i].evidence = strdup(c[i].evidence)))
			err = carve_error_oom();
	if (!err && n)
		err = pipe_record_all(p, c, n);
	for (size_t i = 0; i < n; i++)
		free((char *)c[i].evidence);
	free(c);
	return err;
}

/* ---- the runner lock ---- */

static int lock_runner(int *fd_out, carve_audit *audit)
{
	carve_buf path = CARVE_BUF_INIT;
	char pid[32] = "";
	int fd, err = 0;

	carve_buf_printf(&path, "%s.runner", carve_audit_path(audit));
	if (path.failed)
		return carve_error_oom();
	fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = carve_error_set(CARVE_EIO, "cannot open %s: %s", path.ptr, strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t got = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[got > 0 ? got : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		err = carve_error_set(CARVE_EBUSY, "another carve (pid %s) is running steps on %s;"
				      " one runner per audit database", pid[0] ? pid : "?",
				      carve_audit_path(audit));
		close(fd);
		fd = -1;
	} else {
		/* The pid is a courtesy for the message above: a failure to
		 * write it changes nothing. */
		int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) != len)
			pid[0] = '\0';
	}
	carve_buf_done(&path);
	*fd_out = fd;
	return err;
}

/* ---- pre-flight for machines not yet checked ---- */

static void phase_preflight(pipeline *p)
{
	const char **names = calloc(p->n_machines + 1, sizeof(*names));
	size_t n = 0;
	carve_preflight *report = NULL;

	if (!names) {
		carve_error_oom();
		pipe_stop(p, "pre-flight");
		return;
	}
	for (size_t i = 0; i < p->n_machines; i++) {
		pipe_object *o = &p->machines[i];
		bool rerun = o->s[SLOT_PREFLIGHT].status == CARVE_STATUS_FAILED ||
			     o->s[SLOT_PREFLIGHT].status == CARVE_STATUS_BLOCKED ||
			     o->s[SLOT_PREFLIGHT].status == CARVE_STATUS_INTERRUPTED;
		if (o->selected && (o->s[SLOT_PREFLIGHT].status == CARVE_STATUS_PENDING ||
				    (rerun && p->opts->retry_failed)))
			names[n++] = pipe_machine(p, o)->name;
	}
	if (n) {
		carve_preflight_options po = CARVE_PREFLIGHT_OPTIONS_INIT;
		po.machines = names;
		po.audit = p->opts->audit;
		po.run = p->opts->run;
		po.cancel = p->opts->cancel;
		if (carve_preflight_run(&report, p->plan, &po) < 0) {
			pipe_stop(p, "pre-flight");
		} else {
			for (size_t i = 0; i < carve_preflight_count(report); i++) {
				const carve_preflight_machine *pm = carve_preflight_get(report, i);
				for (size_t k = 0; k < p->n_machines; k++)
					if (p->machines[k].index == pm->machine)
						p->machines[k].s[SLOT_PREFLIGHT].status = pm->status;
			}
		}
		carve_preflight_free(report);
	}
	free(names);
}

/* ---- the run ---- */

static void free_objects(pipe_object *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < SLOT__COUNT; s++)
			free(o[i].s[s].evidence);
	free(o);
}

int carve_run(carve_run_summary *out, const carve_plan *plan, const carve_run_options *opts)
{
	pipeline p = { .plan = plan, .opts = opts, .lock = PTHREAD_MUTEX_INITIALIZER };
	loader l = { &p, NULL, NULL, 0 };
	carve_grid grid = { 0, NULL };
	int fd = -1, err;

	memset(out, 0, sizeof(*out));
	if (!opts || !opts->audit || !opts->chunk)
		return carve_error_set(CARVE_EINVALID, "a run needs a chunk and an audit log");
	p.remote = (remote_ctx){ opts->cancel, opts->audit, opts->run, &p.lock };
	if ((p.chunk = carve_plan_find_chunk(plan, opts->chunk)) == CARVE_NONE)
		return carve_error_set(CARVE_EINVALID, "no chunk '%s' in the plan", opts->chunk);
	if (opts->phase != -1 && (opts->phase < CARVE_PHASE_PREFLIGHT ||
				  opts->phase > CARVE_PHASE_CLIENTS))
		return carve_error_set(CARVE_EINVALID, "carve runs the phases from preflight to"
				       " clients; teardown and inventory are checklists");
	if ((err = lock_runner(&fd, opts->audit)) < 0)
		return err;
	bool site_mail = carve_plan_mail(plan)->scope == CARVE_MAIL_SITE &&
			 (opts->phase == -1 || opts->phase == CARVE_PHASE_MAIL);
	if ((err = gather(&p, &l, site_mail)) < 0 ||
	    (err = carve_audit_states(opts->audit, site_mail ? NULL : opts->chunk, load_row,
				      &l)) < 0 ||
	    (err = l.err) < 0 || (err = mark_interrupted(&p)) < 0)
		goto done;

	static void (*const phases[])(pipeline *) = {
		[CARVE_PHASE_PREFLIGHT] = phase_preflight,
		[CARVE_PHASE_RESTART] = phase_restart,
		[CARVE_PHASE_WORKSTATIONS] = phase_workstations,
		[CARVE_PHASE_MAIL] = phase_mail,
		[CARVE_PHASE_CLIENTS] = phase_clients,
	};
	for (int ph = CARVE_PHASE_PREFLIGHT; ph <= CARVE_PHASE_CLIENTS; ph++) {
		if ((opts->phase == -1 || opts->phase == ph) && !pipe_cancelled(&p) &&
		    !carve_cancel_fired(opts->pause))
			phases[ph](&p);
	}
	if (p.stop_err) {
		err = carve_error_set(p.stop_err, "%s", p.stop_why);
	} else if (carve_cancel_fired(opts->cancel)) {
		err = carve_error_set(CARVE_ECANCELED, "the run was stopped");
	}
	if (carve_audit_grid(&grid, opts->audit, plan) == 0) {
		memcpy(out->counts, grid.counts[p.chunk], sizeof(out->counts));
		/* The mail of every chunk was this run's: so are its failures. */
		out->site_mail = site_mail;
		for (size_t k = 0; site_mail && k < grid.chunk_count; k++)
			for (int st = 0; k != p.chunk && st < CARVE_STATUS__COUNT; st++)
				out->counts[CARVE_PHASE_MAIL][st] +=
					grid.counts[k][CARVE_PHASE_MAIL][st];
		carve_grid_done(&grid);
	}
done:
	free_objects(p.machines, p.n_machines);
	free_objects(p.users, p.n_users);
	free(l.machine_at);
	free(l.user_at);
	if (fd >= 0)
		close(fd);
	return err;
}

/* ---- skip ---- */

/* A machine skipped for the rest of its chunk: the pre-flight checks it
 * failed are skipped with it, so they no longer hold the chunk back (the
 * checks run again when it is checked again). */
typedef struct {
	pipeline *p;
	carve_event *ev;
	size_t n, cap;
	int64_t run;
	const char *actor, *reason, *chunk;
} failed_checks;

static int take_failed_check(const carve_state_row *row, void *ctx)
{
	failed_checks *f = ctx;
	size_t i;

	if (strcmp(row->object_kind, "machine") != 0 || strcmp(row->phase, "preflight") != 0 ||
	    (row->status != CARVE_STATUS_FAILED && row->status != CARVE_STATUS_INTERRUPTED))
		return 0;
	for (i = 0; i < f->p->n_machines; i++)
		if (f->p->machines[i].selected &&
		    !strcasecmp(pipe_machine(f->p, &f->p->machines[i])->name, row->object))
			break;
	if (i == f->p->n_machines)
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		carve_event *ev = realloc(f->ev, cap * sizeof(*ev));
		if (!ev)
			return carve_error_oom();
		f->ev = ev;
		f->cap = cap;
	}
	pipe_object *obj = &f->p->machines[i];
	carve_event e = CARVE_EVENT_INIT;
	e.run = f->run;
	e.actor = f->actor;
	e.chunk = f->chunk;
	e.machine = pipe_machine(f->p, obj)->name;
	e.user = obj->peer != CARVE_NONE ? pipe_user(f->p, &f->p->users[obj->peer])->name : NULL;
	e.phase = "preflight";
	if (!(e.step = strdup(row->step))) /* the row's strings are the callback's */
		return carve_error_oom();
	e.status = CARVE_STATUS_SKIPPED;
	e.diagnosis = f->reason;
	f->ev[f->n++] = e;
	return 0;
}

int carve_skip(const carve_plan *plan, carve_audit *audit, int64_t run, const char *chunk,
	       carve_phase phase, const char *const *names, const char *actor,
	       const char *reason)
{
	carve_run_options o = CARVE_RUN_OPTIONS_INIT;
	pipeline p = { .plan = plan, .opts = &o, .lock = PTHREAD_MUTEX_INITIALIZER };
	loader l = { &p, NULL, NULL, 0 };
	failed_checks f = { &p, NULL, 0, 0, run, actor, reason, NULL };
	carve_event *ev = NULL;
	size_t n = 0, n_chunks;
	int err;

	if (!reason || !*reason)
		return carve_error_set(CARVE_EINVALID, "a skip needs a reason");
	bool every = phase == CARVE_PHASE__COUNT;
	if (!every && (phase < CARVE_PHASE_RESTART || phase > CARVE_PHASE_CLIENTS))
		return carve_error_set(CARVE_EINVALID, "only the restart, workstations, mail and"
				       " clients phases can be skipped");
	if (!chunk || (p.chunk = carve_plan_find_chunk(plan, chunk)) == CARVE_NONE)
		return carve_error_set(CARVE_EINVALID, "no chunk '%s' in the plan",
				       chunk ? chunk : "");
	o.chunk = chunk;
	o.names = names;
	o.audit = audit;
	if ((err = gather(&p, &l, false)) < 0 ||
	    (err = carve_audit_states(audit, chunk, load_row, &l)) < 0 || (err = l.err) < 0)
		goto done;
	/* the rest of the chunk for a machine is its user's too (the mail
	 * move, the device), and the other way round */
	for (size_t k = 0; every && names && k < p.n_machines; k++)
		if (p.machines[k].selected && p.machines[k].peer != CARVE_NONE)
			p.users[p.machines[k].peer].selected = true;
	for (size_t k = 0; every && names && k < p.n_users; k++)
		if (p.users[k].selected && p.users[k].peer != CARVE_NONE)
			p.machines[p.users[k].peer].selected = true;
	if (!(ev = calloc((p.n_machines + p.n_users) * SLOT__COUNT + 1, sizeof(*ev)))) {
		err = carve_error_oom();
		goto done;
	}
	for (size_t k = 0; k < p.n_machines + p.n_users; k++) {
		bool user = k >= p.n_machines;
		pipe_object *obj = user ? &p.users[k - p.n_machines] : &p.machines[k];
		for (int s = SLOT_RESTART; s < SLOT__COUNT; s++) {
			if ((!every && slot_info[s].phase != phase) || slot_info[s].user != user ||
			    !obj->selected || pipe_done(obj, (pipe_slot)s) ||
			    obj->s[s].status == CARVE_STATUS_SKIPPED)
				continue;
			carve_event e = CARVE_EVENT_INIT;
			e.run = run;
			e.actor = actor;
			e.chunk = carve_plan_chunks(plan, &n_chunks)[p.chunk].name;
			e.machine = user ? NULL : pipe_machine(&p, obj)->name;
			e.user = user ? pipe_user(&p, obj)->name
				 : obj->peer != CARVE_NONE ? pipe_user(&p, &p.users[obj->peer])->name
				 : NULL;
			e.phase = carve_phase_name(slot_info[s].phase);
			e.step = slot_step(plan, (pipe_slot)s);
			e.status = CARVE_STATUS_SKIPPED;
			e.diagnosis = reason;
			ev[n++] = e;
		}
	}
	/* and, for a machine skipped for the rest of the chunk, what it
	 * failed in the pre-flight, in the same transaction */
	f.chunk = carve_plan_chunks(plan, &n_chunks)[p.chunk].name;
	if (every && names && (err = carve_audit_states(audit, chunk, take_failed_check, &f)) < 0)
		goto done;
	if (f.n) {
		carve_event *all = realloc(ev, (n + f.n + 1) * sizeof(*ev));
		if (!all) {
			err = carve_error_oom();
			goto done;
		}
		ev = all;
		memcpy(ev + n, f.ev, f.n * sizeof(*ev));
	}
	err = n + f.n ? carve_audit_append(NULL, audit, ev, n + f.n) : 0;
done:
	for (size_t k = 0; k < f.n; k++)
		free((char *)f.ev[k].step);
	free(f.ev);
	free(ev);
	free_objects(p.machines, p.n_machines);
	free_objects(p.users, p.n_users);
	free(l.machine_at);
	free(l.user_at);
	return err;
}
