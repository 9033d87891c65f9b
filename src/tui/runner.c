/*
 * runner.c - the engine working for the console: carve_run on its own
 * thread and its own database connection, one chunk and phase (or all) at
 * a time.  Every outcome the engine logs wakes the UI thread through a
 * pipe, which then reads the log again: the UI shows only what is durable.
 */
#define _GNU_SOURCE /* gettid */
#include "runner.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* How much lower the engine runs than the UI (nice(1) steps). */
#define ENGINE_NICE 5

static void wake(runner *r)
{
	char b = 1;

	/* A full pipe already holds a wake-up: dropping this one is fine. */
	if (write(r->pipe[1], &b, 1) < 0)
		return;
}

static void on_event(const carve_event *ev, void *ctx)
{
	(void)ev;
	wake(ctx);
}

/* "wave1: the run ended: 57 of 80 done, 3 failed (t: triage)": the
 * chunk's progress, the grid's words and counts. */
static void summarise(char *out, size_t cap, runner *r, carve_audit *audit)
{
	carve_progress pr;
	char words[128];
	const char *chunk = r->chunk;

	if (carve_audit_chunk_progress(&pr, audit, r->plan, chunk) < 0) {
		snprintf(out, cap, "%s: the run ended (%s)", chunk, carve_error_last()->message);
		return;
	}
	carve_progress_text(words, sizeof(words), &pr);
	if (r->name[0]) /* one machine retried: its end, and where its chunk stands */
		snprintf(out, cap, "%s: its run ended (Enter shows each step); %s: %s", r->name,
			 chunk, words);
	else
		snprintf(out, cap, "%s: the run ended: %s%s", chunk, words,
			 pr.failed ? " (t: triage)" : "");
}

/* The run: carve_run over the chunk, its outcome for the status line. */
static int do_run(runner *r, carve_audit *audit, int64_t run)
{
	carve_run_options o = CARVE_RUN_OPTIONS_INIT;
	carve_run_summary summary;
	const char *names[] = { r->name, NULL };
	int err;

	o.chunk = r->chunk;
	o.phase = r->phase;
	o.retry_failed = r->retry;
	o.names = r->name[0] ? names : NULL;
	o.audit = audit;
	o.run = run;
	o.cancel = r->cancel;
	o.pause = r->pause;
	o.on_event = on_event;
	o.ctx = r;
	err = carve_run(&summary, r->plan, &o);
	char ended[sizeof(r->result)];
	if (err == 0) /* read before the lock: the UI thread takes it every frame */
		summarise(ended, sizeof(ended), r, audit);
	pthread_mutex_lock(&r->lock);
	if (err == CARVE_ECANCELED)
		snprintf(r->result, sizeof(r->result), "%s stopped: start it again to continue"
			 " (steps that were running are checked first)", r->chunk);
	else if (err == 0 && carve_cancel_fired(r->pause))
		snprintf(r->result, sizeof(r->result), "%s paused: start it again to resume",
			 r->chunk);
	else if (err == 0)
		snprintf(r->result, sizeof(r->result), "%s", ended);
	pthread_mutex_unlock(&r->lock);
	return err == CARVE_ECANCELED ? 0 : err;
}

/* The teardown checks: the log, and DNS (each query has its deadline). */
static int do_teardown(runner *r, carve_audit *audit, int64_t run)
{
	int err = carve_teardown_check(r->plan, audit, run, r->cancel);

	pthread_mutex_lock(&r->lock);
	if (err == 0)
		snprintf(r->result, sizeof(r->result), "teardown verified: see each item");
	else if (err == CARVE_ECANCELED) /* quitting is no failed verification */
		snprintf(r->result, sizeof(r->result), "teardown checks stopped: v checks again");
	pthread_mutex_unlock(&r->lock);
	return err == CARVE_ECANCELED ? 0 : err;
}

static void *work(void *arg)
{
	runner *r = arg;
	carve_audit *audit = NULL;
	int64_t run = 0;
	char command[256];
	int err;

	/* The engine's threads (this one and the workers it starts, which
	 * inherit it) give way to the UI thread when the cores are busy, so
	 * keys and outcomes reach the screen at once even with hundreds of
	 * sessions in flight.  Failing to lower it costs only that. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), ENGINE_NICE);
	if (r->teardown)
		snprintf(command, sizeof(command), "console: teardown");
	else
		snprintf(command, sizeof(command), "console: run --chunk %s%s%s%s%s%s", r->chunk,
			 r->phase >= 0 ? " --phase " : "",
			 r->phase >= 0 ? carve_phase_name((carve_phase)r->phase) : "",
			 r->retry ? " --retry-failed" : "", r->name[0] ? " --machine " : "",
			 r->name);
	char why[400] = "", head[65];
	int64_t seq = 0;
	if ((err = carve_audit_open(&audit, r->db_path, NULL)) == 0 &&
	    (err = carve_audit_run_begin(&run, audit, r->plan, command)) == 0) {
		err = r->teardown ? do_teardown(r, audit, run) : do_run(r, audit, run);
		/* the run's own failure first: recording its end may fail too */
		if (err < 0)
			snprintf(why, sizeof(why), "%s", carve_error_last()->message);
		if (carve_audit_run_end(audit, run) == 0)
			carve_audit_head(&seq, head, audit);
	}
	if (err < 0 && !why[0])
		snprintf(why, sizeof(why), "%s", carve_error_last()->message);
	pthread_mutex_lock(&r->lock);
	if (err < 0)
		snprintf(r->result, sizeof(r->result), "%s: %s", r->chunk, why);
	else if (seq) /* the head a person keeps, as carve run prints it */
		snprintf(r->result + strlen(r->result), sizeof(r->result) - strlen(r->result),
			 "; log head %lld:%.12s", (long long)seq, head);
	r->finished = true;
	pthread_mutex_unlock(&r->lock);
	carve_audit_free(audit);
	wake(r);
	return NULL;
}

int runner_init(runner *r, const carve_plan *plan, const char *db_path)
{
	memset(r, 0, sizeof(*r));
	r->plan = plan;
	r->db_path = db_path;
	r->pipe[0] = r->pipe[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	if (pipe(r->pipe) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(r->pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(r->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

bool runner_busy(const runner *r)
{
	return r->started && !r->joined;
}

/* Starts work on its thread, with the job set up in r. */
static int start(runner *r)
{
	r->finished = false;
	r->paused = false;
	r->result[0] = '\0';
	if (carve_cancel_new(&r->cancel) < 0 || carve_cancel_new(&r->pause) < 0 ||
	    pthread_create(&r->thread, NULL, work, r) != 0) {
		carve_cancel_free(r->cancel);
		carve_cancel_free(r->pause);
		r->cancel = r->pause = NULL;
		return -1;
	}
	r->started = true;
	r->joined = false;
	return 0;
}

int runner_start(runner *r, const char *chunk, int phase, bool retry, const char *name)
{
	if (runner_busy(r))
		return -1;
	snprintf(r->chunk, sizeof(r->chunk), "%s", chunk);
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	r->phase = phase;
	r->retry = retry;
	r->teardown = false;
	return start(r);
}

int runner_start_teardown(runner *r)
{
	if (runner_busy(r))
		return -1;
	snprintf(r->chunk, sizeof(r->chunk), "the teardown checks");
	r->name[0] = '\0';
	r->teardown = true;
	return start(r);
}

void runner_pause(runner *r)
{
	if (runner_busy(r))
		carve_cancel_fire(r->pause);
}

void runner_stop(runner *r)
{
	if (runner_busy(r))
		carve_cancel_fire(r->cancel);
}

bool runner_reap(runner *r, char *message, size_t cap)
{
	bool done;

	pthread_mutex_lock(&r->lock);
	done = r->started && !r->joined && r->finished;
	if (done)
		snprintf(message, cap, "%s", r->result);
	pthread_mutex_unlock(&r->lock);
	if (done) {
		pthread_join(r->thread, NULL);
		r->joined = true;
		r->paused = !r->teardown && carve_cancel_fired(r->pause) &&
			    !carve_cancel_fired(r->cancel);
		carve_cancel_free(r->cancel);
		carve_cancel_free(r->pause);
		r->cancel = r->pause = NULL;
	}
	return done;
}

void runner_drain(runner *r)
{
	char buf[256];

	while (read(r->pipe[0], buf, sizeof(buf)) > 0)
		;
}

void runner_done(runner *r)
{
	runner_stop(r);
	if (runner_busy(r)) {
		pthread_join(r->thread, NULL);
		r->joined = true;
	}
	carve_cancel_free(r->cancel);
	carve_cancel_free(r->pause);
	for (int i = 0; i < 2; i++)
		if (r->pipe[i] >= 0)
			close(r->pipe[i]);
	pthread_mutex_destroy(&r->lock);
}
