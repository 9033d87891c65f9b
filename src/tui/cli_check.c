/*
 * cli_check.c - carve check: the pre-flight over a chunk (or named
 * machines), every result in the audit log, a summary per check and the
 * list of machines that are not ready with why.
 */
#include "cli.h"
#include "glyph.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	const carve_plan *plan;
	size_t total;
	size_t done; /* under the pool's threads: only for progress */
	bool tty;
} progress;

static void on_machine(const carve_preflight_machine *pm, void *ctx)
{
	progress *p = ctx;
	size_t n;
	const carve_machine *m = &carve_plan_machines(p->plan, &n)[pm->machine];
	size_t done = __atomic_add_fetch(&p->done, 1, __ATOMIC_RELAXED);

	/* carve's own line, rewritten in place: straight to the terminal,
	 * past the guard that escapes carriage returns in what it prints
	 * (out.h); the name is the plan's, checked when it was loaded */
	if (p->tty)
		dprintf(STDERR_FILENO, "\r[%zu/%zu] %s %-15s", done, p->total,
			glyph_status(pm->status), m->name);
}

static bool ready(carve_status s)
{
	return s == CARVE_STATUS_OK || s == CARVE_STATUS_WARN;
}

static void summarise(const carve_plan *plan, const carve_preflight *report, double secs)
{
	size_t n = carve_preflight_count(report), not_ready = 0, machines;
	const carve_machine *m = carve_plan_machines(plan, &machines);
	unsigned counts[CARVE_CHECK__COUNT][CARVE_STATUS__COUNT] = { { 0 } };

	for (size_t i = 0; i < n; i++) {
		const carve_preflight_machine *pm = carve_preflight_get(report, i);
		not_ready += !ready(pm->status);
		for (int c = 0; c < CARVE_CHECK__COUNT; c++)
			counts[c][pm->checks[c].status]++;
	}
	printf("pre-flight of %zu machine%s in %.1f s: %zu ready, %zu not ready\n\n", n,
	       n == 1 ? "" : "s", secs, n - not_ready, not_ready);
	printf("%-10s %6s %6s %7s %8s %8s\n", "check", "ok", "warn", "failed", "blocked",
	       "n/a");
	for (int c = 0; c < CARVE_CHECK__COUNT; c++)
		printf("%-10s %6u %6u %7u %8u %8u\n", carve_check_name((carve_check)c),
		       counts[c][CARVE_STATUS_OK], counts[c][CARVE_STATUS_WARN],
		       counts[c][CARVE_STATUS_FAILED] + counts[c][CARVE_STATUS_INTERRUPTED],
		       counts[c][CARVE_STATUS_BLOCKED], counts[c][CARVE_STATUS_PENDING]);
	if (!not_ready && n)
		printf("\nevery machine is ready\n");
	if (not_ready)
		printf("\nnot ready:\n");
	for (size_t i = 0; i < n; i++) {
		const carve_preflight_machine *pm = carve_preflight_get(report, i);
		const char *name = m[pm->machine].name;
		if (pm->unreachable)
			printf("  %s %-15s %-9s %s\n", glyph_status(CARVE_STATUS_FAILED), name,
			       "connect", pm->unreachable);
		for (int c = 0; c < CARVE_CHECK__COUNT; c++) {
			const carve_check_result *r = &pm->checks[c];
			if (r->status == CARVE_STATUS_FAILED || r->status == CARVE_STATUS_INTERRUPTED)
				printf("  %s %-15s %-9s %s\n", glyph_status(r->status), name,
				       carve_check_name((carve_check)c),
				       r->diagnosis ? r->diagnosis : "");
		}
	}
	bool fixed = false;
	for (size_t i = 0; i < n; i++) {
		const carve_preflight_machine *pm = carve_preflight_get(report, i);
		for (int c = 0; c < CARVE_CHECK__COUNT; c++) {
			if (!pm->fixed[c])
				continue;
			if (!fixed)
				printf("\nfixed (checked again after the fix):\n");
			fixed = true;
			printf("  %s %-15s %-9s %s\n", glyph_status(pm->checks[c].status),
			       m[pm->machine].name, carve_check_name((carve_check)c),
			       ready(pm->checks[c].status) ? "fixed" : "the fix did not help");
		}
		if (pm->not_fixed) {
			if (!fixed)
				printf("\nfixed (checked again after the fix):\n");
			fixed = true;
			printf("  %s %-15s %-9s %s\n", glyph_status(CARVE_STATUS_SKIPPED),
			       m[pm->machine].name, "fix", pm->not_fixed);
		}
	}
	bool warned = false;
	for (size_t i = 0; i < n; i++) {
		const carve_preflight_machine *pm = carve_preflight_get(report, i);
		for (int c = 0; c < CARVE_CHECK__COUNT; c++)
			if (pm->checks[c].status == CARVE_STATUS_WARN) {
				if (!warned)
					printf("\nwarnings:\n");
				warned = true;
				printf("  %s %-15s %-9s %s\n", glyph_status(CARVE_STATUS_WARN),
				       m[pm->machine].name, carve_check_name((carve_check)c),
				       pm->checks[c].diagnosis ? pm->checks[c].diagnosis : "");
			}
	}
}

int cli_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "machine", required_argument, NULL, 'm' },
		{ "db", required_argument, NULL, 'd' },
		{ "fix", no_argument, NULL, 'f' },
		{ "password-fd", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *chunk = NULL, *db_opt = NULL;
	bool fix = false;
	int password_fd = -1;
	const char **machines = calloc((size_t)argc + 1, sizeof(*machines));
	size_t n_machines = 0;
	int c, status;

	if (!machines)
		return EXIT_RUNTIME;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': chunk = optarg; break;
		case 'm': machines[n_machines++] = optarg; break;
		case 'd': db_opt = optarg; break;
		case 'f': fix = true; break;
		case 'P':
			if ((status = cli_password_fd(&password_fd, "check", optarg)) != EXIT_DONE) {
				free(machines);
				return status;
			}
			break;
		default: free(machines); return cli_option_error("check", c, argv);
		}
	}
	if (argc - optind != 1) {
		free(machines);
		return cli_usage_error("check", "name one PLAN");
	}

	carve_plan *plan = NULL;
	carve_cancel *stop = NULL;
	carve_audit *audit = NULL;
	carve_preflight *report = NULL;
	char command[256];
	int64_t run = 0;
	int err;

	snprintf(command, sizeof(command), "check%s%s%s", chunk ? " --chunk " : "",
		 chunk ? chunk : "", fix ? " --fix" : "");
	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE ||
	    (status = cli_gather_passwords(plan, password_fd, CARVE_WORK_PREFLIGHT)) != EXIT_DONE ||
	    (status = cli_begin_run(&audit, &run, db_opt, plan, command)) != EXIT_DONE)
		goto done;
	if (!(stop = cli_stop_on_signals(NULL))) {
		status = EXIT_RUNTIME;
		goto done;
	}

	carve_preflight_options o = CARVE_PREFLIGHT_OPTIONS_INIT;
	progress p = { plan, n_machines, 0, isatty(2) };
	if (!n_machines) {
		size_t count, want = chunk ? carve_plan_find_chunk(plan, chunk) : CARVE_NONE;
		const carve_machine *all = carve_plan_machines(plan, &count);
		for (size_t i = 0; i < count; i++)
			p.total += want == CARVE_NONE || all[i].chunk == want;
	}
	o.chunk = chunk;
	o.machines = n_machines ? machines : NULL;
	o.audit = audit;
	o.run = run;
	o.cancel = stop;
	o.fix = fix;
	o.on_machine = on_machine;
	o.ctx = &p;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = carve_preflight_run(&report, plan, &o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (p.tty)
		dprintf(STDERR_FILENO, "\r\033[K");
	if (err < 0) {
		status = cli_engine_error(err);
		cli_end_run(audit, run);
		goto done;
	}
	summarise(plan, report, (double)(t1.tv_sec - t0.tv_sec) +
				(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	status = EXIT_DONE;
	for (size_t i = 0; i < carve_preflight_count(report); i++)
		if (!ready(carve_preflight_get(report, i)->status))
			status = EXIT_FAILURES;
	if (carve_cancel_fired(stop))
		printf("\nstopped: unfinished checks are recorded as interrupted\n");
	cli_end_run(audit, run);
done:
	cli_stop_done();
	carve_preflight_free(report);
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(machines);
	return status;
}
