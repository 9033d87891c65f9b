/*
 * test_pool.c - the worker pool's limits: overall and per group.
 */
#include "carve.h"

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <time.h>

enum { JOBS = 40, LIMIT = 8, ADMT = 0, ADMT_LIMIT = 2 };

static atomic_int running, admt_running, max_running, max_admt;
static atomic_int runs[JOBS];
static size_t group[JOBS];

static void raise_max(atomic_int *max, int v)
{
	int m = atomic_load(max);
	while (v > m && !atomic_compare_exchange_weak(max, &m, v))
		;
}

static void job(size_t i, void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&runs[i], 1);
	raise_max(&max_running, atomic_fetch_add(&running, 1) + 1);
	if (group[i] == ADMT)
		raise_max(&max_admt, atomic_fetch_add(&admt_running, 1) + 1);
	nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	if (group[i] == ADMT)
		atomic_fetch_sub(&admt_running, 1);
	atomic_fetch_sub(&running, 1);
}

Test(pool, limits_overall_and_per_group)
{
	unsigned limits[1] = { ADMT_LIMIT };

	for (size_t i = 0; i < JOBS; i++)
		group[i] = i < 10 ? ADMT : CARVE_NONE;
	cr_assert_eq(carve_pool_run(JOBS, LIMIT, group, limits, job, NULL), 0);
	for (size_t i = 0; i < JOBS; i++)
		cr_assert_eq(atomic_load(&runs[i]), 1, "job %zu ran %d times", i,
			     atomic_load(&runs[i]));
	cr_assert_eq(atomic_load(&max_admt), ADMT_LIMIT, "ADMT peak %d", atomic_load(&max_admt));
	cr_assert_leq(atomic_load(&max_running), LIMIT);
	/* The ADMT queue did not hold up the workstations. */
	cr_assert_eq(atomic_load(&max_running), LIMIT, "peak %d", atomic_load(&max_running));
}

Test(pool, no_jobs_and_one_thread)
{
	cr_assert_eq(carve_pool_run(0, 4, NULL, NULL, job, NULL), 0);
	atomic_store(&max_running, 0);
	for (size_t i = 0; i < JOBS; i++) {
		atomic_store(&runs[i], 0);
		group[i] = CARVE_NONE;
	}
	cr_assert_eq(carve_pool_run(5, 1, NULL, NULL, job, NULL), 0);
	cr_assert_eq(atomic_load(&max_running), 1);
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(atomic_load(&runs[i]), 1);
}
