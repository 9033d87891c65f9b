/*
 * bench_plan_load - time loading and validating a site plan.
 *
 *   bench_plan_load PLAN [N]
 *
 * Loads PLAN N times (default 10) with carve_plan_load, reading the file
 * each time as carve does, and prints the minimum and median wall time and
 * the process's peak resident set, each with its ratio to the budget for a
 * 10,000-machine plan (150 ms, 64 MiB).  As a peer, measured in the same
 * run, libyaml alone reads the same file event by event and builds nothing:
 * the floor under any loader built on it.  Make a plan with gen_plan.
 */
#include "bench.h"
#include "carve.h"

#include <stdbool.h>
#include <stdio.h>
#include <yaml.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define BUDGET_MS 150.0
#define BUDGET_MIB 64.0

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The peer: read the file and pull every libyaml event, nothing else. */
static double libyaml_only_ms(const char *path)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t parser;
	yaml_event_t ev;
	double t0 = now_ms();
	bool done = false;

	if (!f || !yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_file(&parser, f);
	while (!done && yaml_parser_parse(&parser, &ev)) {
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return done ? now_ms() - t0 : -1;
}

int main(int argc, char **argv)
{
	long runs = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
	double *ms;
	size_t machines = 0;
	struct rusage ru;

	if (argc < 2 || argc > 3 || runs < 1 || runs > 100000) {
		fprintf(stderr, "usage: bench_plan_load PLAN [N]\n");
		return 2;
	}
	if (!(ms = calloc((size_t)runs, sizeof(*ms))))
		return 1;
	for (long i = 0; i < runs; i++) {
		carve_plan *plan = NULL;
		carve_diags *diags = NULL;
		double t0 = now_ms();
		int err = carve_plan_load(&plan, &diags, argv[1]);

		ms[i] = now_ms() - t0;
		if (err < 0) {
			fprintf(stderr, "%s: %s\n", argv[1], carve_error_last()->message);
			for (size_t d = 0; d < carve_diags_count(diags) && d < 10; d++) {
				const carve_diag *g = carve_diags_get(diags, d);
				fprintf(stderr, "%s:%u:%u: %s\n", g->file, g->line, g->col, g->message);
			}
			carve_diags_free(diags);
			free(ms);
			return 1;
		}
		carve_plan_machines(plan, &machines);
		carve_plan_free(plan);
	}
	qsort(ms, (size_t)runs, sizeof(*ms), by_value);
	getrusage(RUSAGE_SELF, &ru);
	double median = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
	double rss_mib = (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB */

	printf("plan      %s (%zu machines), %ld loads\n", argv[1], machines, runs);
	printf("time      min %.1f ms, median %.1f ms  (budget %.0f ms: median %.2fx)\n",
	       ms[0], median, BUDGET_MS, median / BUDGET_MS);
	printf("peak RSS  %.1f MiB  (budget %.0f MiB: %.2fx)\n", rss_mib, BUDGET_MIB,
	       rss_mib / BUDGET_MIB);
	double peer = 1e9;
	for (long i = 0; i < runs; i++) {
		double t = libyaml_only_ms(argv[1]);
		peer = t >= 0 && t < peer ? t : peer;
	}
	printf("peer      libyaml events only: min %.1f ms  (carve min %.2fx of it)\n",
	       peer, ms[0] / peer);
	free(ms);
	return 0;
}
