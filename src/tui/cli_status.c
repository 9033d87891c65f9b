/*
 * cli_status.c - carve status: the chunk x phase grid, counted from the
 * audit log, as text for a person or CSV/JSON for a script.
 */
#include "cli.h"
#include "console.h"
#include "report.h"
#include "glyph.h"
#include "out.h"
#include "states.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef const unsigned (*cell_counts)[CARVE_STATUS__COUNT];

static void print_text(const carve_plan *plan, const carve_grid *g, const char *db,
		       bool have_log)
{
	size_t n_chunks;
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);

	printf("%s\n", carve_plan_site(plan)->name);
	if (have_log)
		printf("audit log %s\n\n", db);
	else
		printf("no audit log yet (%s): everything is pending\n\n", db);

	printf("%-16s %-26s", "chunk", "cutover (local)");
	for (int p = 0; p < CARVE_PHASE__COUNT; p++)
		printf(p + 1 < CARVE_PHASE__COUNT ? " %-12s" : " %s",
		       carve_phase_name((carve_phase)p));
	putchar('\n');
	for (size_t c = 0; c < n_chunks; c++) {
		char when[40];
		console_moment(when, sizeof(when), chunks[c].cutover, false);
		printf("%-16s %-26s", chunks[c].name, when);
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			const unsigned *n = g->counts[c][p];
			char cell[32];
			snprintf(cell, sizeof(cell), "%u/%u", cell_done(n), cell_total(n));
			printf(p + 1 < CARVE_PHASE__COUNT ? " %s %-10s" : " %s %s",
			       glyph_status(cell_status(n)), cell);
		}
		putchar('\n');
	}

	bool header = false;
	for (size_t c = 0; c < n_chunks; c++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			const unsigned *n = g->counts[c][p];
			unsigned problems = n[CARVE_STATUS_FAILED] + n[CARVE_STATUS_BLOCKED] +
					    n[CARVE_STATUS_INTERRUPTED];
			if (!problems)
				continue;
			if (!header)
				printf("\nneeds attention (carve triage):\n");
			header = true;
			printf("  %s %s:", chunks[c].name, carve_phase_name((carve_phase)p));
			for (int s = CARVE_STATUS_FAILED; s <= CARVE_STATUS_INTERRUPTED; s++)
				if (s != CARVE_STATUS_SKIPPED && n[s])
					printf(" %u %s", n[s], carve_status_name((carve_status)s));
			putchar('\n');
		}
	/* each chunk's verdict, in the words the console and the report use */
	putchar('\n');
	for (size_t c = 0; c < n_chunks; c++) {
		char verdict[512];
		report_verdict(verdict, sizeof(verdict), g, c);
		printf("%-16s %s\n", chunks[c].name, verdict);
	}
}

static void print_csv(const carve_plan *plan, const carve_grid *g)
{
	size_t n_chunks;
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);

	fputs("chunk,cutover,phase,total", stdout);
	for (int s = 0; s < CARVE_STATUS__COUNT; s++)
		printf(",%s", carve_status_name((carve_status)s));
	putchar('\n');
	for (size_t c = 0; c < n_chunks; c++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			out_csv(stdout, chunks[c].name);
			putchar(',');
			out_csv(stdout, chunks[c].cutover_text);
			printf(",%s,%u", carve_phase_name((carve_phase)p),
			       cell_total(g->counts[c][p]));
			for (int s = 0; s < CARVE_STATUS__COUNT; s++)
				printf(",%u", g->counts[c][p][s]);
			putchar('\n');
		}
}

static void print_json(const carve_plan *plan, const carve_grid *g, const char *db,
		       bool have_log)
{
	size_t n_chunks;
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);

	fputs("{\"site\":", stdout);
	out_json(stdout, carve_plan_site(plan)->name);
	fputs(",\"database\":", stdout);
	out_json(stdout, db);
	printf(",\"log_exists\":%s,\"chunks\":[", have_log ? "true" : "false");
	for (size_t c = 0; c < n_chunks; c++) {
		printf("%s{\"name\":", c ? "," : "");
		out_json(stdout, chunks[c].name);
		fputs(",\"cutover\":", stdout);
		out_json(stdout, chunks[c].cutover_text);
		fputs(",\"phases\":{", stdout);
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			printf("%s\"%s\":{\"total\":%u", p ? "," : "",
			       carve_phase_name((carve_phase)p), cell_total(g->counts[c][p]));
			for (int s = 0; s < CARVE_STATUS__COUNT; s++)
				printf(",\"%s\":%u", carve_status_name((carve_status)s),
				       g->counts[c][p][s]);
			putchar('}');
		}
		fputs("}}", stdout);
	}
	fputs("]}\n", stdout);
}

int cli_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_opt = NULL;
	out_format format = OUT_TEXT;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'd')
			db_opt = optarg;
		else if (c == 'f' && out_format_parse(&format, optarg) < 0)
			return cli_usage_error("status", "unknown format '%s' (text, csv "
					       "or json)", optarg);
		else if (c != 'f')
			return cli_option_error("status", c, argv);
	}
	if (argc - optind != 1)
		return cli_usage_error("status", "name one PLAN");

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	carve_grid grid = { 0, NULL };
	char *db = NULL;
	int status, err;

	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE ||
	    (status = cli_open_audit(&audit, &db, "status", db_opt, plan, true)) != EXIT_DONE)
		goto done;
	if ((err = carve_audit_grid(&grid, audit, plan)) < 0) {
		status = cli_engine_error(err);
		goto done;
	}
	if (format == OUT_CSV)
		print_csv(plan, &grid);
	else if (format == OUT_JSON)
		print_json(plan, &grid, db, audit != NULL);
	else
		print_text(plan, &grid, db, audit != NULL);
	/* a script (or a lead's watch loop) asks the exit status: a chunk
	 * with a failure cannot go ahead */
	for (size_t k = 0; k < grid.chunk_count; k++)
		for (int ph = 0; ph < CARVE_PHASE__COUNT; ph++)
			if (grid.counts[k][ph][CARVE_STATUS_FAILED] ||
			    grid.counts[k][ph][CARVE_STATUS_INTERRUPTED])
				status = EXIT_FAILURES;
done:
	carve_grid_done(&grid);
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(db);
	return status;
}
