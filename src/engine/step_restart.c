/*
 * step_restart.c - STEP 1's restart: every machine that passed pre-flight
 * is restarted to clear locked profiles, and carve waits until it is back.
 *
 * "Back" means it answers with a later boot time than it had before, which
 * proves it went down and came up without comparing clocks.  The boot time
 * before is recorded with the running step, so a carve killed mid-restart
 * can tell, when it starts again, whether the restart took effect before
 * sending another.
 *
 * The restarts go out first, as fast as the worker pool allows; then carve
 * polls every machine still away, a round at a time, so a slow machine
 * holds no worker while it boots and the phase takes about as long as its
 * slowest machine.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESTART_POLL_MS 1000

typedef struct {
	bool waiting;          /* sent (or maybe sent): polled until back */
	bool resumed;          /* an earlier carve may have sent it */
	bool down_seen;        /* a poll found it not answering */
	bool answered_same;    /* a poll found it up with the old boot time */
	struct timespec since; /* when the wait began */
	char before[64];       /* LastBootUpTime before the restart */
} restart_machine;

static restart_machine *state_of(pipeline *p, size_t i)
{
	return &((restart_machine *)p->phase)[i];
}

/* The machine's LastBootUpTime, as Windows prints it. */
static int boot_time(char *out, size_t cap, pipeline *p, const carve_machine *m)
{
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	const char *values[] = { m->name };
	int err = remote_open_machine(&ssh, p->plan, m, &p->remote);

	if (err == 0)
		err = remote_run(&text, ssh, p->plan, CMD_BOOT_TIME, values);
	if (err == 0) {
		char *line = carve_trim(text.ptr ? text.ptr : (char *)"");
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			err = carve_error_set(CARVE_ERROR, "Windows gave no boot time");
		else
			snprintf(out, cap, "%s", line);
	}
	carve_ssh_free(ssh);
	carve_buf_done(&text);
	return err;
}

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void finish(pipeline *p, size_t i, carve_status status, const char *after,
		   const char *how, const char *diagnosis)
{
	restart_machine *rm = state_of(p, i);
	carve_buf ev = CARVE_BUF_INIT;

	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "boot_before", rm->before);
	if (after)
		pipe_json_str(&ev, "boot_after", after);
	carve_buf_printf(&ev, ",\"down_seen\":%s", rm->down_seen ? "true" : "false");
	pipe_json_num(&ev, "seconds", since(&rm->since));
	if (how)
		pipe_json_str(&ev, "verified", how);
	carve_buf_putc(&ev, '}');
	pipe_record(p, &p->machines[i], SLOT_RESTART, status, carve_buf_cstr(&ev), diagnosis);
	carve_buf_done(&ev);
	rm->waiting = false;
}

/* Sends the restart; false (recorded failed) when Windows refused it. */
static bool send_restart(pipeline *p, size_t i)
{
	const carve_machine *m = pipe_machine(p, &p->machines[i]);
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	const char *values[] = { m->name };
	char why[768];
	int err = remote_open_machine(&ssh, p->plan, m, &p->remote);

	if (err == 0)
		err = remote_run(&text, ssh, p->plan, CMD_RESTART, values);
	carve_ssh_free(ssh);
	carve_buf_done(&text);
	/* A machine restarting itself drops the connection as it goes. */
	if (err < 0 && err != CARVE_ENET && err != CARVE_ECANCELED) {
		snprintf(why, sizeof(why), "the restart was refused: %s",
			 carve_error_last()->message);
		finish(p, i, CARVE_STATUS_FAILED, NULL, NULL, why);
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &state_of(p, i)->since);
	return true;
}

static void send_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	pipe_object *o = &p->machines[i];
	restart_machine *rm = state_of(p, i);
	char why[768];

	if (!pipe_wants(p, o, SLOT_RESTART) || pipe_cancelled(p))
		return;
	if (!pipe_done(o, SLOT_PREFLIGHT)) {
		pipe_block(p, o, SLOT_RESTART, "pre-flight has not passed: fix what it found"
			   " and run the chunk again");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &rm->since);
	if (o->s[SLOT_RESTART].status == CARVE_STATUS_INTERRUPTED &&
	    pipe_evidence_get(o->s[SLOT_RESTART].evidence, "boot_before", rm->before,
			      sizeof(rm->before))) {
		/* The restart may have gone out: the wait tells. */
		rm->resumed = rm->waiting = true;
		return;
	}
	if (boot_time(rm->before, sizeof(rm->before), p, pipe_machine(p, o)) < 0) {
		if (carve_error_last()->code == CARVE_ECANCELED)
			return;
		snprintf(why, sizeof(why), "could not ask it before restarting: %s",
			 carve_error_last()->message);
		pipe_record(p, o, SLOT_RESTART, CARVE_STATUS_FAILED, NULL, why);
		return;
	}
	carve_buf ev = CARVE_BUF_INIT;
	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "boot_before", rm->before);
	carve_buf_putc(&ev, '}');
	int err = pipe_record(p, o, SLOT_RESTART, CARVE_STATUS_RUNNING, carve_buf_cstr(&ev), NULL);
	carve_buf_done(&ev);
	if (err == 0 && send_restart(p, i))
		rm->waiting = true;
}

/* One look at a machine that is away. */
static void poll_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	restart_machine *rm = state_of(p, i);
	const carve_policy *pol = carve_plan_policy(p->plan);
	char after[64], why[768];

	if (!rm->waiting || pipe_cancelled(p))
		return;
	int err = boot_time(after, sizeof(after), p, pipe_machine(p, &p->machines[i]));
	if (err == CARVE_ECANCELED)
		return;
	if (err == 0 && strcmp(after, rm->before) != 0) {
		finish(p, i, CARVE_STATUS_OK, after, rm->resumed
		       ? "the restart sent before carve stopped took effect" : NULL, NULL);
		return;
	}
	if (err == 0)
		rm->answered_same = true;
	else
		rm->down_seen = true;
	/* A machine told to restart stops answering within seconds: one that
	 * an earlier carve may have told, still up on its old boot, was not. */
	uint32_t grace = 2 * carve_plan_transport(p->plan)->connect_timeout_ms + 2000;
	if (rm->resumed && !rm->down_seen && since(&rm->since) * 1000.0 >= grace) {
		rm->resumed = false;
		rm->answered_same = false;
		send_restart(p, i);
		return;
	}
	if (since(&rm->since) * 1000.0 < pol->restart_timeout_ms)
		return;
	snprintf(why, sizeof(why), rm->answered_same && !rm->down_seen
		 ? "it kept running after the restart (same boot time for %us): a program may"
		   " be blocking the shutdown; restart it by hand"
		 : "did not come back after the restart (waited %us): find it on the floor"
		   " (stuck at shutdown, a BIOS prompt, powered off?)",
		 pol->restart_timeout_ms / 1000);
	finish(p, i, CARVE_STATUS_FAILED, NULL, NULL, why);
}

void phase_restart(pipeline *p)
{
	restart_machine *rm = calloc(p->n_machines ? p->n_machines : 1, sizeof(*rm));
	bool away = true;

	if (!rm) {
		carve_error_oom();
		pipe_stop(p, "restart");
		return;
	}
	p->phase = rm;
	pipe_each_machine(p, send_job);
	while (away && !pipe_cancelled(p)) {
		pipe_each_machine(p, poll_job);
		away = false;
		for (size_t i = 0; i < p->n_machines; i++)
			away |= rm[i].waiting;
		if (away && !pipe_sleep(p, RESTART_POLL_MS))
			break;
	}
	/* Stopped while waiting: the next run picks the wait up again. */
	for (size_t i = 0; i < p->n_machines; i++)
		if (rm[i].waiting && !p->stop_err)
			finish(p, i, CARVE_STATUS_INTERRUPTED, NULL, NULL,
			       "stopped while waiting for it to come back");
	p->phase = NULL;
	free(rm);
}
