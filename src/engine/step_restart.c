/*
 * step_restart.c - STEP 1's restart: every machine that passed pre-flight
 * is restarted to clear locked profiles, and carve waits until it is back.
 *
 * "Back" means it answers with a later boot time than it had before, which
 * proves it went down and came up without comparing clocks.  The boot time
 * before is recorded with the running step, so a carve killed mid-restart
 * can tell, when it starts again, whether the restart took effect before
 * sending another.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESTART_POLL_MS 1000

/* The machine's LastBootUpTime, as Windows prints it. */
static int boot_time(char *out, size_t cap, pipeline *p, const carve_machine *m)
{
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	const char *values[] = { m->name };
	int err = remote_open_machine(&ssh, p->plan, m, p->opts->cancel);

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

typedef enum { BACK, SAME, GONE, STOPPED } wait_result;

/*
 * Polls until the machine answers with a boot time other than before
 * (BACK), until ms passed (GONE, or SAME when it answered throughout with
 * the old boot time), or the run is stopped.
 */
static wait_result wait_back(pipeline *p, const carve_machine *m, const char *before,
			     char *after, size_t cap, uint32_t ms, bool *down_seen)
{
	struct timespec t0;
	bool answered_same = false;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int err = boot_time(after, cap, p, m);
		if (err == 0 && strcmp(after, before) != 0)
			return BACK;
		if (err == CARVE_ECANCELED)
			return STOPPED;
		if (err == 0)
			answered_same = true;
		else
			*down_seen = true;
		if (since(&t0) * 1000.0 >= ms)
			return answered_same && !*down_seen ? SAME : GONE;
		if (!pipe_sleep(p, RESTART_POLL_MS))
			return STOPPED;
	}
}

static void finish(pipeline *p, pipe_object *o, carve_status status, const char *before,
		   const char *after, bool down_seen, double seconds, const char *how,
		   const char *diagnosis)
{
	carve_buf ev = CARVE_BUF_INIT;

	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "boot_before", before);
	if (after)
		pipe_json_str(&ev, "boot_after", after);
	carve_buf_printf(&ev, ",\"down_seen\":%s", down_seen ? "true" : "false");
	pipe_json_num(&ev, "seconds", seconds);
	if (how)
		pipe_json_str(&ev, "verified", how);
	carve_buf_putc(&ev, '}');
	pipe_record(p, o, SLOT_RESTART, status, carve_buf_cstr(&ev), diagnosis);
	carve_buf_done(&ev);
}

static void restart_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	pipe_object *o = &p->machines[i];
	const carve_machine *m = pipe_machine(p, o);
	const carve_policy *pol = carve_plan_policy(p->plan);
	char before[64] = "", after[64] = "", why[768];
	bool down_seen = false;
	struct timespec t0;
	wait_result w;

	if (!pipe_wants(p, o, SLOT_RESTART) || pipe_cancelled(p))
		return;
	if (!pipe_done(o, SLOT_PREFLIGHT)) {
		pipe_block(p, o, SLOT_RESTART, "pre-flight has not passed: fix what it found"
			   " and run the chunk again");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o->s[SLOT_RESTART].status == CARVE_STATUS_INTERRUPTED &&
	    pipe_evidence_get(o->s[SLOT_RESTART].evidence, "boot_before", before,
			      sizeof(before))) {
		/* The restart may have gone out: a machine that is told to
		 * restart stops answering within seconds, so a short wait
		 * tells whether it did. */
		uint32_t grace = 2 * carve_plan_transport(p->plan)->connect_timeout_ms + 2000;
		w = wait_back(p, m, before, after, sizeof(after), grace, &down_seen);
		if (w == GONE && down_seen)
			w = wait_back(p, m, before, after, sizeof(after), pol->restart_timeout_ms,
				      &down_seen);
		if (w == BACK) {
			finish(p, o, CARVE_STATUS_OK, before, after, down_seen, since(&t0),
			       "the restart sent before carve stopped took effect", NULL);
			return;
		}
		if (w == STOPPED)
			return;
		if (w == GONE) {
			snprintf(why, sizeof(why), "did not come back after the restart (waited"
				 " %us): find it on the floor (stuck at shutdown, a BIOS"
				 " prompt, powered off?)", pol->restart_timeout_ms / 1000);
			finish(p, o, CARVE_STATUS_FAILED, before, NULL, down_seen, since(&t0),
			       NULL, why);
			return;
		}
		/* SAME: the restart never went out. */
	} else if (boot_time(before, sizeof(before), p, m) < 0) {
		if (carve_error_last()->code == CARVE_ECANCELED)
			return;
		snprintf(why, sizeof(why), "could not ask it before restarting: %s",
			 carve_error_last()->message);
		pipe_record(p, o, SLOT_RESTART, CARVE_STATUS_FAILED, NULL, why);
		return;
	}

	carve_buf ev = CARVE_BUF_INIT;
	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "boot_before", before);
	carve_buf_putc(&ev, '}');
	int err = pipe_record(p, o, SLOT_RESTART, CARVE_STATUS_RUNNING, carve_buf_cstr(&ev), NULL);
	carve_buf_done(&ev);
	if (err < 0)
		return;

	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	const char *values[] = { m->name };
	err = remote_open_machine(&ssh, p->plan, m, p->opts->cancel);
	if (err == 0)
		err = remote_run(&text, ssh, p->plan, CMD_RESTART, values);
	carve_ssh_free(ssh);
	carve_buf_done(&text);
	/* A machine restarting itself drops the connection as it goes. */
	if (err < 0 && err != CARVE_ENET && err != CARVE_ECANCELED) {
		snprintf(why, sizeof(why), "the restart was refused: %s",
			 carve_error_last()->message);
		finish(p, o, CARVE_STATUS_FAILED, before, NULL, false, since(&t0), NULL, why);
		return;
	}
	w = wait_back(p, m, before, after, sizeof(after), pol->restart_timeout_ms, &down_seen);
	if (w == STOPPED) {
		finish(p, o, CARVE_STATUS_INTERRUPTED, before, NULL, down_seen, since(&t0), NULL,
		       "stopped while waiting for it to come back");
	} else if (w == BACK) {
		finish(p, o, CARVE_STATUS_OK, before, after, down_seen, since(&t0), NULL, NULL);
	} else {
		snprintf(why, sizeof(why), w == SAME
			 ? "it kept running after the restart (same boot time for %us): a"
			   " program may be blocking the shutdown; restart it by hand"
			 : "did not come back after the restart (waited %us): find it on the"
			   " floor (stuck at shutdown, a BIOS prompt, powered off?)",
			 pol->restart_timeout_ms / 1000);
		finish(p, o, CARVE_STATUS_FAILED, before, NULL, down_seen, since(&t0), NULL, why);
	}
}

void phase_restart(pipeline *p)
{
	pipe_each_machine(p, restart_job);
}
