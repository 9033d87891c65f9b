/*
 * test_audit_crash.c - the log under kill -9 and under two processes.
 *
 * Real processes, a real file in WAL mode: a writer killed at random
 * moments must leave whole batches only, and a runner appending while a
 * viewer reads must never surface SQLITE_BUSY.
 */
#include "audit_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 50

TestSuite(audit_crash, .init = at_setup, .fini = at_teardown);

/* Appends batches until killed or until max_batches; exits non-zero on any
 * error.  Runs in a forked child: no Criterion asserts here. */
static void writer(int max_batches, int size, const char *who, int ready_fd)
{
	carve_audit *audit = NULL;
	carve_event ev[BATCH];
	char evidence[BATCH][64];
	int64_t run = 0;

	if (carve_audit_open(&audit, at_db, NULL) < 0 ||
	    carve_audit_run_begin(&run, audit, NULL, who) < 0)
		goto fail;
	for (int b = 0; max_batches < 0 || b < max_batches; b++) {
		for (int i = 0; i < size; i++) {
			snprintf(evidence[i], sizeof(evidence[i]),
				 "{\"batch\":%d,\"i\":%d}", b, i);
			ev[i] = (carve_event)CARVE_EVENT_INIT;
			ev[i].run = run;
			ev[i].actor = who;
			ev[i].machine = "WS-0001";
			ev[i].phase = "preflight";
			ev[i].step = "ping";
			ev[i].status = CARVE_STATUS_OK;
			ev[i].evidence = evidence[i];
		}
		if (carve_audit_append(NULL, audit, ev, (size_t)size) < 0)
			goto fail;
		/* Tell the parent a batch is in, so its kill lands mid-stream
		 * however slow this machine is. */
		if (b == 0 && ready_fd >= 0 && write(ready_fd, "x", 1) != 1)
			goto fail;
	}
	carve_audit_free(audit);
	_exit(0);
fail:
	fprintf(stderr, "%s: %s\n", who, carve_error_last()->message);
	_exit(1);
}

typedef struct {
	int64_t next_seq;
	int64_t run, batch, count; /* the batch being read */
	int64_t steps;
	size_t batch_size;
} batch_check;

/* Each run's batches must come whole, in order, one after another. */
static int check_row(const carve_event_row *row, void *ctx)
{
	batch_check *c = ctx;
	int batch = -1, i = -1;

	cr_assert_eq(row->seq, c->next_seq, "seq %lld after %lld", (long long)row->seq,
		     (long long)c->next_seq - 1);
	c->next_seq++;
	if (row->ev.kind && strcmp(row->ev.kind, "run") == 0)
		return 0; /* a run's start or end: one event, whole by itself */
	cr_assert_eq(sscanf(row->ev.evidence, "{\"batch\":%d,\"i\":%d}", &batch, &i), 2);
	if (row->run != c->run || batch != c->batch) {
		cr_assert(c->batch < 0 || c->count == (int64_t)c->batch_size,
			  "run %lld batch %lld has %lld events: a half batch survived",
			  (long long)c->run, (long long)c->batch, (long long)c->count);
		c->run = row->run;
		c->batch = batch;
		c->count = 0;
	}
	cr_assert_eq(i, c->count, "run %lld batch %d: event %d where %lld was due",
		     (long long)row->run, batch, i, (long long)c->count);
	c->count++;
	c->steps++;
	return 0;
}

static int64_t check_log(size_t batch_size)
{
	batch_check c = { 1, 0, -1, 0, 0, batch_size };
	carve_audit *audit = at_open_ro(at_db);
	carve_verify_result vr;

	cr_assert_eq(carve_audit_query(audit, NULL, check_row, &c), 0);
	cr_assert_eq(c.count, (int64_t)batch_size, "the last batch is %lld events",
		     (long long)c.count);
	cr_assert_eq(carve_audit_verify(&vr, audit, NULL), 0);
	cr_assert(vr.ok, "%s", vr.reason);
	cr_assert_eq(vr.events, c.next_seq - 1);
	carve_audit_free(audit);
	return c.steps;
}

Test(audit_crash, kill_9_leaves_only_whole_batches, .timeout = 120)
{
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

	cr_log_info("seed %u", seed);
	for (int round = 0; round < 10; round++) {
		int ready[2];
		char c;
		cr_assert_eq(pipe(ready), 0);
		pid_t pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0)
			writer(-1, BATCH, "writer", ready[1]);
		close(ready[1]);
		cr_assert_eq(read(ready[0], &c, 1), 1, "round %d: the writer never committed",
			     round);
		close(ready[0]);
		usleep((useconds_t)(rand_r(&seed) % 40) * 1000);
		kill(pid, SIGKILL);
		int st = 0;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			  "round %d: the writer stopped on its own (status %d)", round, st);
	}
	int64_t steps = check_log(BATCH);
	cr_log_info("%lld events in whole batches survived 10 kills", (long long)steps);
	cr_assert_gt(steps, 0, "no batch was ever committed");
}

Test(audit_crash, runner_and_viewer_in_two_processes, .timeout = 120)
{
	enum { CHILD_BATCHES = 200, PARENT_BATCHES = 50, SIZE = 10 };
	char evidence[SIZE][64];
	carve_event ev[SIZE];

	/* Fork first: a SQLite connection must not cross a fork. */
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0)
		writer(CHILD_BATCHES, SIZE, "child", -1);
	carve_audit *audit = at_open(at_db);
	carve_audit *viewer = at_open_ro(at_db);
	int64_t run = at_run(audit, "parent");

	for (int b = 0; b < PARENT_BATCHES; b++) {
		for (int i = 0; i < SIZE; i++) {
			snprintf(evidence[i], sizeof(evidence[i]), "{\"batch\":%d,\"i\":%d}", b, i);
			ev[i] = at_step(run, "wave1", "WS-0002", "preflight", "ping",
					CARVE_STATUS_OK);
			ev[i].evidence = evidence[i];
		}
		at_append(audit, ev, SIZE);
		batch_check c = { 1, 0, -1, 0, 0, SIZE };
		cr_assert_eq(carve_audit_query(viewer, NULL, check_row, &c), 0, "%s",
			     carve_error_last()->message);
		carve_verify_result vr;
		cr_assert_eq(carve_audit_verify(&vr, viewer, NULL), 0, "%s",
			     carve_error_last()->message);
		cr_assert(vr.ok, "%s", vr.reason);
	}
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child writer failed");
	cr_assert_eq(check_log(SIZE), (CHILD_BATCHES + PARENT_BATCHES) * SIZE);
	carve_audit_free(viewer);
	carve_audit_free(audit);
}
