/*
 * pipeline.h - the runner's shared state (pipeline.c) and the phases that
 * act on it (step_restart.c, step_workstations.c, step_mail.c,
 * step_clients.c).
 *
 * The runner reads the chunk's current state from the audit log into one
 * slot per object and step, and each phase decides from the slots what to
 * do.  Every change goes through pipe_record(), which appends to the log
 * first and updates the slot after, so what the runner acts on is always
 * what the log says.
 */
#ifndef CARVE_PIPELINE_H
#define CARVE_PIPELINE_H

#include "remote.h"

#include <pthread.h>

typedef enum {
	SLOT_PREFLIGHT,  /* machine: the worst of its pre-flight checks */
	SLOT_RESTART,    /* machine */
	SLOT_ADMT,       /* machine: ADMT's computer migration */
	SLOT_POST,       /* machine: source account disabled, or logon domain set */
	SLOT_OUTLOOK,    /* machine: Outlook 2003 re-pointed */
	SLOT_LOGON,      /* machine: nobody logs on to the source domain */
	SLOT_MOVE,       /* user: mailbox move */
	SLOT_ACTIVESYNC, /* user: device re-pointed, signed off by a person */
	SLOT__COUNT
} pipe_slot;

typedef struct {
	carve_status status; /* PENDING when nothing is recorded */
	char *evidence;      /* of the latest event, owned; may be NULL */
} pipe_state;

typedef struct {
	size_t index;    /* into the plan's machines or users */
	size_t peer;     /* a machine's user, a user's machine (index into the
			  * pipeline's other list), or CARVE_NONE */
	bool selected;   /* the run may act on it */
	bool in_chunk;   /* of the run's chunk; a user of another chunk is
			  * there only for a site-wide mail phase */
	pipe_state s[SLOT__COUNT];
} pipe_object;

typedef struct {
	const carve_plan *plan;
	const carve_run_options *opts;
	size_t chunk;
	pipe_object *machines, *users;
	size_t n_machines, n_users;
	pthread_mutex_t lock; /* appends, slots and callbacks */
	remote_ctx remote;    /* the run's sessions: cancel, host-key events */
	void *phase;          /* the running phase's own state */
	int stop_err;         /* what stopped the run (a failed append), or 0 */
	char stop_why[512];
} pipeline;

/* One change to record. */
typedef struct {
	pipe_object *obj;
	pipe_slot slot;
	carve_status status;
	const char *evidence;  /* JSON or NULL */
	const char *diagnosis; /* NULL when there is nothing to say */
} pipe_change;

/* Appends the changes in one transaction, then updates the slots.  Thread-
 * safe.  Returns 0 or the append's error, which also stops the run. */
int pipe_record_all(pipeline *p, const pipe_change *c, size_t n);
int pipe_record(pipeline *p, pipe_object *o, pipe_slot slot, carve_status status,
		const char *evidence, const char *diagnosis);

/* Whether the run should act on slot of o: selected, not done (failed only
 * when retrying), not skipped (the log is asked again: a skip recorded
 * while the run goes counts), and the run not paused.  Called just before
 * the step's side effect. */
bool pipe_wants(pipeline *p, pipe_object *o, pipe_slot slot);
/* Whether slot holds a finished, usable result (ok or warn). */
bool pipe_done(const pipe_object *o, pipe_slot slot);
/* Records slot blocked with why, unless it already is. */
void pipe_block(pipeline *p, pipe_object *o, pipe_slot slot, const char *why);

const carve_machine *pipe_machine(const pipeline *p, const pipe_object *o);
const carve_user *pipe_user(const pipeline *p, const pipe_object *o);

/* Stops the run with the error last recorded on this thread. */
void pipe_stop(pipeline *p, const char *what);

/* Runs job(i, p) for every machine of the chunk on the worker pool, at
 * most the plan's concurrency at once and each exec host's for machines
 * asked through it.  Returns when all have returned. */
void pipe_each_machine(pipeline *p, carve_job_fn job);

/* Sleeps ms, or less when the run is cancelled; false when cancelled. */
bool pipe_sleep(pipeline *p, uint32_t ms);
bool pipe_cancelled(const pipeline *p);

/* Reads "key":"value" or "key":number from the flat JSON evidence into out
 * (unescaped only for plain text); false when absent. */
bool pipe_evidence_get(const char *evidence, const char *key, char *out, size_t cap);

/* Appends "key":value JSON pairs to b. */
void pipe_json_str(carve_buf *b, const char *key, const char *value);
void pipe_json_num(carve_buf *b, const char *key, double value);

/* The phases, each over the whole chunk. */
void phase_restart(pipeline *p);
void phase_workstations(pipeline *p);
void phase_mail(pipeline *p);
void phase_clients(pipeline *p);

#endif
