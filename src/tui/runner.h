/*
 * runner.h - the console's engine thread (runner.c): one carve_run, or the
 * teardown checks, at a time, so the UI thread never waits on the network;
 * outcomes wake it through a pipe it polls.
 */
#ifndef CARVE_RUNNER_H
#define CARVE_RUNNER_H

#include "carve.h"

#include <pthread.h>

typedef struct {
	const carve_plan *plan;
	const char *db_path;
	int pipe[2];          /* [0]: the UI polls it; [1]: the engine writes */
	pthread_t thread;
	pthread_mutex_t lock; /* finished and result */
	bool started, joined, finished;
	bool paused;          /* the last run ended paused (until the next starts) */
	carve_cancel *cancel, *pause;
	bool teardown;        /* the teardown checks, not a run */
	char chunk[64];       /* what runs, for messages */
	int phase;            /* a carve_phase, or -1 for all */
	bool retry;
	char name[64];        /* only this machine or user, or "" */
	char result[512];     /* how the run ended, for the status line */
} runner;

int runner_init(runner *r, const carve_plan *plan, const char *db_path);
void runner_done(runner *r); /* stops a run (steps left running are
			      * re-verified next time) and frees */
/* Whether a run is going. */
bool runner_busy(const runner *r);
/* Starts chunk's phase (-1: all), for one machine or user when name is not
 * NULL; -1 when a run is going or it could not. */
int runner_start(runner *r, const char *chunk, int phase, bool retry, const char *name);
/* Starts the teardown checks (the log, DNS); -1 when a run is going. */
int runner_start_teardown(runner *r);
/* Nothing new starts; what runs finishes. */
void runner_pause(runner *r);
/* Stops at once. */
void runner_stop(runner *r);
/* When the run has ended: joins it, copies how it ended, true. */
bool runner_reap(runner *r, char *message, size_t cap);
/* Empties the wake-up pipe. */
void runner_drain(runner *r);

#endif
