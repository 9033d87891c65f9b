/*
 * bench.h - clocks shared by the benchmarks.
 */
#ifndef CARVE_BENCH_H
#define CARVE_BENCH_H

#include "carve.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

/* The lab's throwaway passwords (DIR/.lab/passwords, written by carve-lab
 * --generate DIR), opened for --password-fd: the descriptor, or -1. */
static inline int bench_passwords_fd(const char *dir)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/.lab/passwords", dir);
	return open(path, O_RDONLY);
}

/* Gives a plan generated in DIR the lab's passwords; 0 or a CARVE_E code. */
static inline int bench_lab_passwords(carve_plan *plan, const char *dir)
{
	int fd = bench_passwords_fd(dir), err;

	if (fd < 0)
		return CARVE_EIO;
	err = carve_plan_read_passwords_fd(plan, fd);
	close(fd);
	return err;
}

/* Prints the costs the lab generated in DIR charges (its fixture's costs:
 * and the management host's cores), so a figure says what it ran on. */
static inline void bench_lab_costs(const char *dir)
{
	char path[1200], line[256];

	snprintf(path, sizeof(path), "%s/lab-fixture.yaml", dir);
	FILE *f = fopen(path, "r");
	bool in = false;
	printf("  lab costs (carve-lab(1) costs):");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#\n")] = '\0';
		if (!strncmp(line, "costs:", 6))
			in = true;
		else if (in && line[0] != ' ')
			in = false;
		else if (in && line[0])
			printf(" %s", line + strspn(line, " "));
		if (strstr(line, "role: management") && strstr(line, "cores:"))
			printf(" management host cores: %ld",
			       strtol(strstr(line, "cores:") + 6, NULL, 10));
	}
	printf("\n");
	if (f)
		fclose(f);
}

#endif
