/*
 * cli_inventory.c - carve inventory: the plan against what the technician
 * found on the floor, every finding printed and logged.
 */
#include "cli.h"
#include "glyph.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static carve_status status_of(carve_inventory_kind k)
{
	switch (k) {
	case CARVE_INVENTORY_MATCH: return CARVE_STATUS_OK;
	case CARVE_INVENTORY_MISSING: return CARVE_STATUS_FAILED;
	default: return CARVE_STATUS_WARN;
	}
}

/* The finding in words, for the screen and the log. */
static void describe(char *out, size_t cap, const carve_plan *plan,
		     const carve_inventory_finding *f)
{
	size_t n;
	const carve_machine *m = f->machine != CARVE_NONE ? &carve_plan_machines(plan, &n)[f->machine]
							  : NULL;
	const carve_floor *floors = carve_plan_floors(plan, &n);
	char found[96] = "";

	if (f->placed)
		snprintf(found, sizeof(found), " at column %u, row %u", f->x + 1, f->y + 1);
	switch (f->kind) {
	case CARVE_INVENTORY_MATCH:
		snprintf(out, cap, "found where the plan says");
		break;
	case CARVE_INVENTORY_MISSING:
		snprintf(out, cap, "not found on the floor (the plan puts it on %s at column %u, "
			 "row %u): find it, or take it out of the plan", floors[m->floor].name,
			 m->x + 1, m->y + 1);
		break;
	case CARVE_INVENTORY_MOVED:
		snprintf(out, cap, "found on %s%s; the plan says %s at column %u, row %u: "
			 "update the plan", f->floor, found, floors[m->floor].name, m->x + 1,
			 m->y + 1);
		break;
	case CARVE_INVENTORY_EXTRA:
		snprintf(out, cap, "found on %s%s (inventory line %u) but not in the plan: "
			 "add it to a chunk or account for it", f->floor, found, f->line);
		break;
	}
}

int cli_inventory(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "physical", required_argument, NULL, 'p' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *physical = NULL, *chunk = NULL, *db_opt = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': physical = optarg; break;
		case 'c': chunk = optarg; break;
		case 'd': db_opt = optarg; break;
		default: return cli_option_error("inventory", c, argv);
		}
	}
	if (argc - optind != 1 || !physical)
		return cli_usage_error("inventory", "name one PLAN and --physical FILE.csv");

	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	carve_inventory_finding *found = NULL;
	carve_audit *audit = NULL;
	size_t n = 0, problems = 0;
	int64_t run = 0;
	int status, err;

	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE)
		goto done;
	err = carve_inventory_reconcile(&found, &n, &diags, plan, physical, chunk);
	for (size_t i = 0; i < carve_diags_count(diags); i++) {
		const carve_diag *d = carve_diags_get(diags, i);
		fprintf(stderr, "%s:%u:%u: %s\n", d->file, d->line, d->col, d->message);
	}
	if (err < 0) {
		status = carve_diags_count(diags) ? EXIT_USAGE : cli_engine_error(err);
		goto done;
	}
	if ((status = cli_begin_run(&audit, &run, db_opt, plan, "inventory")) != EXIT_DONE)
		goto done;

	size_t machines, chunks;
	const carve_machine *m = carve_plan_machines(plan, &machines);
	const carve_chunk *ch = carve_plan_chunks(plan, &chunks);
	carve_event *ev = calloc(n ? n : 1, sizeof(*ev));
	char (*why)[512] = calloc(n ? n : 1, sizeof(*why));
	if (!ev || !why) {
		free(ev);
		free(why);
		status = cli_engine_error(CARVE_ENOMEM);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const carve_inventory_finding *f = &found[i];
		describe(why[i], sizeof(why[i]), plan, f);
		problems += f->kind != CARVE_INVENTORY_MATCH;
		ev[i] = (carve_event)CARVE_EVENT_INIT;
		ev[i].run = run;
		ev[i].actor = "engine";
		ev[i].chunk = f->machine != CARVE_NONE ? ch[m[f->machine].chunk].name : NULL;
		ev[i].machine = f->name;
		ev[i].phase = carve_phase_name(CARVE_PHASE_INVENTORY);
		ev[i].step = "floor";
		ev[i].status = status_of(f->kind);
		ev[i].diagnosis = f->kind == CARVE_INVENTORY_MATCH ? NULL : why[i];
		if (f->kind != CARVE_INVENTORY_MATCH)
			printf("  %s %-15s %s\n", glyph_status(ev[i].status), f->name, why[i]);
	}
	err = n ? carve_audit_append(NULL, audit, ev, n) : 0;
	free(ev);
	free(why);
	if (err < 0) {
		status = cli_engine_error(err);
		cli_end_run(audit, run);
		goto done;
	}
	printf("inventory: %zu machines compared, %zu where the plan says, %zu findings\n", n,
	       n - problems, problems);
	cli_end_run(audit, run);
	status = problems ? EXIT_FAILURES : EXIT_DONE;
done:
	free(found);
	carve_diags_free(diags);
	carve_audit_free(audit);
	carve_plan_free(plan);
	return status;
}
