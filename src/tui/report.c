/*
 * report.c - gathering what carve report writes (report.h).
 */
#define _GNU_SOURCE /* gmtime_r */
#include "report.h"
#include "states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int push(report_failure **list, size_t *count, report_failure x)
{
	report_failure *f = realloc(*list, (*count + 1) * sizeof(*f));

	if (!f)
		return CARVE_ENOMEM;
	*list = f;
	f[(*count)++] = x;
	return 0;
}

static int take_state(const carve_state_row *row, void *ctx)
{
	report *r = ctx;
	size_t i;

	report_item *item = NULL;
	size_t n;
	const carve_teardown_item *td = carve_plan_teardown(r->plan, &n);
	if (!strcmp(row->object_kind, "site") && !strcmp(row->phase, "teardown")) {
		for (i = 0; i < n; i++)
			if (!strcmp(td[i].id, row->step))
				item = &r->teardown[i];
	} else if (!strcmp(row->object_kind, "user") && !strcmp(row->step, "activesync")) {
		i = carve_plan_find_user(r->plan, row->object);
		item = i == CARVE_NONE ? NULL : &r->activesync[i];
	}
	if (item) {
		item->status = row->status;
		item->actor = dup_or_null(row->actor);
		item->time = dup_or_null(row->time);
		item->diagnosis = dup_or_null(row->diagnosis);
	}
	bool skipped = row->status == CARVE_STATUS_SKIPPED;
	if (!skipped && row->status != CARVE_STATUS_FAILED &&
	    row->status != CARVE_STATUS_INTERRUPTED)
		return 0;
	return push(skipped ? &r->skips : &r->failures, skipped ? &r->skip_count
		    : &r->failure_count, (report_failure){
		dup_or_null(row->object_kind), dup_or_null(row->object), dup_or_null(row->chunk),
		dup_or_null(row->phase), dup_or_null(row->step), row->status,
		dup_or_null(row->time), dup_or_null(row->diagnosis), dup_or_null(row->evidence),
		dup_or_null(row->actor),
	});
}

static int take_event(const carve_event_row *row, void *ctx)
{
	report *r = ctx;
	carve_phase ph;
	size_t c;

	if (row->ev.kind && !strcmp(row->ev.kind, "note"))
		return push(&r->notes, &r->note_count, (report_failure){
			strdup("machine"), dup_or_null(row->ev.machine), dup_or_null(row->ev.chunk),
			NULL, NULL, row->ev.status, dup_or_null(row->time),
			dup_or_null(row->ev.diagnosis), NULL, dup_or_null(row->ev.actor),
		});
	/* how long a phase ran is its steps' time: a skip or a sign-off
	 * recorded the morning after does not stretch it */
	if (!row->ev.kind || strcmp(row->ev.kind, "step") != 0 ||
	    row->ev.status == CARVE_STATUS_SKIPPED)
		return 0;
	if (!row->ev.chunk || !row->ev.phase || !row->time ||
	    (c = carve_plan_find_chunk(r->plan, row->ev.chunk)) == CARVE_NONE ||
	    carve_phase_parse(&ph, row->ev.phase) < 0)
		return 0;
	report_span *s = &r->spans[c][ph];
	if (!s->first[0])
		snprintf(s->first, sizeof(s->first), "%s", row->time);
	snprintf(s->last, sizeof(s->last), "%s", row->time);
	return 0;
}


bool report_verdict(char *out, size_t cap, const carve_grid *grid, size_t c)
{
	static const struct {
		carve_phase phase;
		const char *one, *many, *what;
	} words[] = {
		{ CARVE_PHASE_PREFLIGHT, "machine", "machines", "failing pre-flight" },
		{ CARVE_PHASE_RESTART, "machine", "machines", "not restarted" },
		{ CARVE_PHASE_WORKSTATIONS, "machine", "machines", "not migrated" },
		{ CARVE_PHASE_MAIL, "mailbox", "mailboxes", "not moved" },
		{ CARVE_PHASE_CLIENTS, "machine", "machines", "with clients not re-pointed" },
	};
	carve_progress pr;
	char progress[128];
	size_t len = 0;

	out[0] = '\0';
	if (c >= grid->chunk_count)
		return false;
	carve_progress_chunk(&pr, grid, c);
	carve_progress_text(progress, sizeof(progress), &pr);
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		const unsigned *n = grid->counts[c][words[k].phase];
		unsigned bad = n[CARVE_STATUS_FAILED] + n[CARVE_STATUS_INTERRUPTED];
		if (bad)
			len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%u %s %s",
						len ? ", " : "cannot go ahead: ", bad,
						bad == 1 ? words[k].one : words[k].many,
						words[k].what);
	}
	if (len) {
		/* and how far it got, in the words every screen uses */
		snprintf(out + len, len < cap ? cap - len : 0, " (%s)", progress);
		return false;
	}
	if (pr.done == pr.total)
		snprintf(out, cap, "can go ahead: %s", progress);
	else if (pr.todo == pr.total)
		snprintf(out, cap, "not started");
	else
		snprintf(out, cap, "going, nothing failed: %s", progress);
	return true;
}

double report_seconds(const report_span *s)
{
	double a = states_time(s->first), b = states_time(s->last);

	return a < 0 || b < 0 ? 0 : b - a;
}

int report_gather(report *r, const carve_plan *plan, carve_audit *audit)
{
	size_t n_chunks, n_machines, n_items, n_users;
	int err;

	memset(r, 0, sizeof(*r));
	r->plan = plan;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(r->generated, sizeof(r->generated), "%Y-%m-%dT%H:%M:%SZ", &tm);
	carve_plan_chunks(plan, &n_chunks);
	carve_plan_machines(plan, &n_machines);
	carve_plan_teardown(plan, &n_items);
	carve_plan_users(plan, &n_users);
	r->spans = calloc(n_chunks ? n_chunks : 1, sizeof(*r->spans));
	r->machine_status = malloc((n_machines ? n_machines : 1) * sizeof(*r->machine_status));
	r->teardown = calloc(n_items ? n_items : 1, sizeof(*r->teardown));
	r->activesync = calloc(n_users ? n_users : 1, sizeof(*r->activesync));
	if (!r->spans || !r->machine_status || !r->teardown || !r->activesync)
		return CARVE_ENOMEM;
	if ((err = carve_audit_grid(&r->grid, audit, plan)) < 0 ||
	    (err = states_machines(r->machine_status, plan, audit)) < 0)
		return err;
	if (audit && ((err = carve_audit_states(audit, NULL, take_state, r)) < 0 ||
		      (err = carve_audit_query(audit, NULL, take_event, r)) < 0 ||
		      (err = carve_audit_verify(&r->chain, audit, NULL)) < 0))
		return err;
	r->chain_checked = audit != NULL;
	return 0;
}

static void item_done(report_item *it)
{
	free(it->actor);
	free(it->time);
	free(it->diagnosis);
}

static void free_list(report_failure *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		report_failure *f = &list[i];
		free(f->object_kind);
		free(f->object);
		free(f->chunk);
		free(f->phase);
		free(f->step);
		free(f->time);
		free(f->diagnosis);
		free(f->evidence);
		free(f->actor);
	}
	free(list);
}

void report_done(report *r)
{
	size_t n;

	free_list(r->failures, r->failure_count);
	free_list(r->skips, r->skip_count);
	free_list(r->notes, r->note_count);
	carve_plan_teardown(r->plan, &n);
	for (size_t i = 0; r->teardown && i < n; i++)
		item_done(&r->teardown[i]);
	carve_plan_users(r->plan, &n);
	for (size_t i = 0; r->activesync && i < n; i++)
		item_done(&r->activesync[i]);
	free(r->teardown);
	free(r->activesync);
	free(r->spans);
	free(r->machine_status);
	carve_grid_done(&r->grid);
}

const char *report_colour(carve_status s)
{
	static const char *const colours[CARVE_STATUS__COUNT] = {
		[CARVE_STATUS_PENDING] = "#9e9e9e", [CARVE_STATUS_RUNNING] = "#1565c0",
		[CARVE_STATUS_OK] = "#2e7d32",      [CARVE_STATUS_WARN] = "#ef8f00",
		[CARVE_STATUS_FAILED] = "#c62828",  [CARVE_STATUS_BLOCKED] = "#6a1b9a",
		[CARVE_STATUS_SKIPPED] = "#546e7a", [CARVE_STATUS_INTERRUPTED] = "#ad1457",
	};
	return (unsigned)s < CARVE_STATUS__COUNT ? colours[s] : "#000000";
}
