/*
 * bench.h - clocks shared by the benchmarks.
 */
#ifndef CARVE_BENCH_H
#define CARVE_BENCH_H

#include <sys/resource.h>
#include <time.h>

/* Wall clock, in milliseconds, for differences. */
static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* User + system CPU of RUSAGE_SELF or RUSAGE_CHILDREN, in milliseconds. */
static inline double cpu_ms(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

#endif
