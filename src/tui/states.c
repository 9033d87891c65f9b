/*
 * states.c - see states.h.
 */
#include "states.h"
#include "glyph.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	const carve_plan *plan;
	item_state *out;
} teardown_scan;

static int take_item(const carve_state_row *row, void *ctx)
{
	teardown_scan *s = ctx;
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(s->plan, &n);

	if (strcmp(row->phase, "teardown") != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(items[i].id, row->step) != 0)
			continue;
		item_state *it = &s->out[i];
		it->status = row->status;
		snprintf(it->actor, sizeof(it->actor), "%s", row->actor ? row->actor : "");
		snprintf(it->time, sizeof(it->time), "%.16s", row->time ? row->time : "");
		snprintf(it->diagnosis, sizeof(it->diagnosis), "%s",
			 row->diagnosis ? row->diagnosis : "");
	}
	return 0;
}

void states_teardown(item_state *out, const carve_plan *plan, carve_audit *audit)
{
	size_t n;
	teardown_scan s = { plan, out };

	carve_plan_teardown(plan, &n);
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i].status = CARVE_STATUS_PENDING;
	if (audit)
		carve_audit_site_states(audit, take_item, &s);
}

typedef struct {
	const carve_plan *plan;
	carve_status *out;
} machine_scan;

static int take_machine(const carve_state_row *row, void *ctx)
{
	machine_scan *s = ctx;
	size_t i;

	if ((i = carve_plan_find_machine(s->plan, row->object)) != CARVE_NONE &&
	    glyph_urgency(row->status) < glyph_urgency(s->out[i]))
		s->out[i] = row->status;
	return 0;
}

int states_machines(carve_status *out, const carve_plan *plan, carve_audit *audit)
{
	size_t n;
	machine_scan s = { plan, out };
	int err = 0;

	carve_plan_machines(plan, &n);
	/* No state yet: any recorded one replaces it, and it ends pending. */
	for (size_t i = 0; i < n; i++)
		out[i] = CARVE_STATUS__COUNT;
	if (audit)
		err = carve_audit_machine_states(audit, take_machine, &s);
	for (size_t i = 0; i < n; i++)
		if (out[i] == CARVE_STATUS__COUNT)
			out[i] = CARVE_STATUS_PENDING;
	return err;
}
