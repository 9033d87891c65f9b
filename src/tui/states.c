/*
 * states.c - see states.h.
 */
#define _GNU_SOURCE /* timegm */
#include "states.h"
#include "glyph.h"
#include "out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		out_textf(it->actor, sizeof(it->actor), "%s", row->actor ? row->actor : "");
		out_textf(it->time, sizeof(it->time), "%.19s", row->time ? row->time : "");
		out_textf(it->diagnosis, sizeof(it->diagnosis), "%s",
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
	size_t *desk;   /* per plan user: the machine at their desk */
} machine_scan;

static int take_machine(const carve_state_row *row, void *ctx)
{
	machine_scan *s = ctx;
	size_t i;

	/* the user's steps (their mailbox) count at their machine's desk */
	if (!strcmp(row->object_kind, "user"))
		i = (i = carve_plan_find_user(s->plan, row->object)) != CARVE_NONE ? s->desk[i]
									    : CARVE_NONE;
	else
		i = carve_plan_find_machine(s->plan, row->object);
	if (i != CARVE_NONE && glyph_urgency(row->status) < glyph_urgency(s->out[i]))
		s->out[i] = row->status;
	return 0;
}

int states_machines(carve_status *out, const carve_plan *plan, carve_audit *audit)
{
	size_t n, n_users;
	const carve_machine *m = carve_plan_machines(plan, &n);
	machine_scan s = { plan, out, NULL };
	int err = 0;

	carve_plan_users(plan, &n_users);
	if (!(s.desk = malloc((n_users ? n_users : 1) * sizeof(*s.desk))))
		return CARVE_ENOMEM;
	for (size_t u = 0; u < n_users; u++)
		s.desk[u] = CARVE_NONE;
	for (size_t i = 0; i < n; i++)
		if (m[i].user != CARVE_NONE && m[i].user < n_users)
			s.desk[m[i].user] = i;
	/* No state yet: any recorded one replaces it, and it ends pending. */
	for (size_t i = 0; i < n; i++)
		out[i] = CARVE_STATUS__COUNT;
	if (audit)
		err = carve_audit_machine_states(audit, take_machine, &s);
	free(s.desk);
	for (size_t i = 0; i < n; i++)
		if (out[i] == CARVE_STATUS__COUNT)
			out[i] = CARVE_STATUS_PENDING;
	return err;
}

/* What done means is the engine's (carve_progress): one definition. */
unsigned cell_total(const unsigned *n)
{
	carve_progress p = { 0 };

	carve_progress_add(&p, n);
	return p.total;
}

unsigned cell_done(const unsigned *n)
{
	carve_progress p = { 0 };

	carve_progress_add(&p, n);
	return p.done;
}

const char *states_skip_columns(const char *row, unsigned n)
{
	for (; n > 0 && *row; n--) {
		unsigned char lead = (unsigned char)*row++;
		while (lead >= 0xc0 && ((unsigned char)*row & 0xc0) == 0x80)
			row++;
	}
	return row;
}

void states_duration(char out[24], double seconds, bool with_seconds)
{
	/* a cutover is hours, a migration weeks: clamp at 1000 hours */
	/* the console truncates (it counts up), a report rounds */
	double at = seconds + (with_seconds ? 0.5 : 0);
	unsigned s = at < 0 ? 0 : at > 3.6e6 ? 3600000u : (unsigned)at;

	if (s < 60)
		snprintf(out, 24, "%us", s);
	else if (s >= 3600)
		snprintf(out, 24, "%uh%02um", s / 3600, s % 3600 / 60);
	else if (with_seconds)
		snprintf(out, 24, "%um%02us", s / 60, s % 60);
	else
		snprintf(out, 24, "%um", s / 60);
}

carve_status cell_status(const unsigned *n)
{
	static const carve_status urgent[] = {
		CARVE_STATUS_FAILED, CARVE_STATUS_INTERRUPTED, CARVE_STATUS_BLOCKED,
		CARVE_STATUS_RUNNING, CARVE_STATUS_WARN,
	};
	unsigned total = cell_total(n);

	for (size_t i = 0; i < sizeof(urgent) / sizeof(urgent[0]); i++)
		if (n[urgent[i]])
			return urgent[i];
	if (n[CARVE_STATUS_PENDING] == total)
		return CARVE_STATUS_PENDING;
	if (n[CARVE_STATUS_SKIPPED] == total)
		return CARVE_STATUS_SKIPPED;
	/* Some done and some not started: pending, with its count; running
	 * only says a step runs (a skip of one machine is no run) */
	return n[CARVE_STATUS_PENDING] ? CARVE_STATUS_PENDING : CARVE_STATUS_OK;
}

double states_time(const char *t)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (!t || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + ms / 1000.0;
}
