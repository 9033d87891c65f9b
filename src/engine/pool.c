/*
 * pool.c - a fixed set of worker threads that runs jobs with an overall
 * limit and a limit per group (an ADMT server takes a few sessions at once
 * while hundreds of workstations are reached in parallel).
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	size_t n, next_untaken, remaining;
	bool *taken;
	const size_t *group;
	const unsigned *group_limit;
	unsigned *group_running;
	carve_job_fn job;
	void *ctx;
} pool;

static bool fits(const pool *p, size_t i)
{
	size_t g = p->group ? p->group[i] : CARVE_NONE;

	return g == CARVE_NONE || p->group_running[g] < (p->group_limit[g] ? p->group_limit[g] : 1);
}

/* The lowest untaken job whose group has room, or CARVE_NONE.  Called with
 * the lock held. */
static size_t pick(pool *p)
{
	while (p->next_untaken < p->n && p->taken[p->next_untaken])
		p->next_untaken++;
	for (size_t i = p->next_untaken; i < p->n; i++)
		if (!p->taken[i] && fits(p, i))
			return i;
	return CARVE_NONE;
}

static void *worker(void *arg)
{
	pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		size_t i;
		while (p->remaining && (i = pick(p)) == CARVE_NONE)
			pthread_cond_wait(&p->changed, &p->lock);
		if (!p->remaining)
			break;
		size_t g = p->group ? p->group[i] : CARVE_NONE;
		p->taken[i] = true;
		p->remaining--;
		if (g != CARVE_NONE)
			p->group_running[g]++;
		pthread_mutex_unlock(&p->lock);
		p->job(i, p->ctx);
		pthread_mutex_lock(&p->lock);
		if (g != CARVE_NONE) {
			p->group_running[g]--;
			pthread_cond_broadcast(&p->changed);
		}
	}
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int carve_pool_run(size_t n, unsigned limit, const size_t *group,
		   const unsigned *group_limit, carve_job_fn job, void *ctx)
{
	pool p = { .n = n, .remaining = n, .group = group, .group_limit = group_limit,
		   .job = job, .ctx = ctx };
	size_t groups = 0, threads = limit ? limit : 1;
	pthread_t *tids = NULL;
	pthread_attr_t attr;
	size_t started = 0;
	int err = 0;

	if (n == 0)
		return 0;
	if (threads > n)
		threads = n;
	for (size_t i = 0; group && i < n; i++)
		if (group[i] != CARVE_NONE && group[i] + 1 > groups)
			groups = group[i] + 1;
	p.taken = calloc(n, sizeof(*p.taken));
	p.group_running = calloc(groups ? groups : 1, sizeof(*p.group_running));
	tids = calloc(threads, sizeof(*tids));
	if (!p.taken || !p.group_running || !tids) {
		err = carve_error_oom();
		goto done;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	pthread_attr_init(&attr);
	/* libssh and OpenSSL stay well inside this; hundreds of threads fit. */
	pthread_attr_setstacksize(&attr, 512 * 1024);
	for (; started < threads; started++)
		if (pthread_create(&tids[started], &attr, worker, &p) != 0)
			break;
	pthread_attr_destroy(&attr);
	if (started == 0) {
		/* No thread at all: run here rather than not at all. */
		worker(&p);
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.lock);
done:
	free(tids);
	free(p.taken);
	free(p.group_running);
	return err;
}
