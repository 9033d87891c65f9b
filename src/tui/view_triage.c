/*
 * view_triage.c - the morning after: every failure in the log, grouped by
 * cause, most common first.  A cause is the step and the first clause of
 * the diagnosis (what the engine names first is the cause, what follows
 * the fix), so the group line reads as what went wrong and what to do.
 * What users report the morning after (floor notes of those kinds) is
 * grouped the same way.  Enter opens the group's first machine.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	console *c;
	size_t cap;
} triage_scan;

/* "workstations/admt: CONTOSO\svc is not a member of ..." without the
 * machine-specific tail: up to the first ':' after the ADMT prefix. */
static void cause_of(char *out, size_t cap, const state_line *s)
{
	const char *d = s->diagnosis, *prefix = "ADMT's post-check says ";

	if (!strcmp(s->phase, "reported")) {
		snprintf(out, cap, "user reported: %s", s->step);
		return;
	}
	if (!strncmp(d, prefix, strlen(prefix)) && strchr(d, ':'))
		d = strchr(d, ':') + 2;
	size_t len = strcspn(d, ":(");
	while (len && d[len - 1] == ' ')
		len--;
	snprintf(out, cap, "%s/%s: %.*s", s->phase, s->step, (int)len, d);
}

static bool grow(triage_scan *t)
{
	console *c = t->c;

	if (c->failure_count < t->cap)
		return true;
	size_t cap = t->cap ? 2 * t->cap : 64;
	state_line *f = realloc(c->failures, cap * sizeof(*f));
	if (!f)
		return false;
	c->failures = f;
	t->cap = cap;
	return true;
}

static int take_failure(const carve_state_row *row, void *ctx)
{
	triage_scan *t = ctx;
	console *c = t->c;

	if (row->status != CARVE_STATUS_FAILED && row->status != CARVE_STATUS_INTERRUPTED)
		return 0;
	if (!grow(t))
		return CARVE_ENOMEM;
	console_state_line(&c->failures[c->failure_count++], row);
	return 0;
}

/* A note of a kind users report: "cannot log on", "application lost its
 * settings". */
static int take_report(const carve_event_row *row, void *ctx)
{
	triage_scan *t = ctx;
	static const char *const reported[] = { "cannot log on", "application lost its settings" };
	const char *ev = row->ev.evidence;

	if (!row->ev.kind || strcmp(row->ev.kind, "note") != 0 || !ev)
		return 0;
	for (size_t k = 0; k < sizeof(reported) / sizeof(reported[0]); k++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\"kind\":\"%s\"", reported[k]);
		if (!strstr(ev, needle) || !grow(t))
			continue;
		state_line *s = &t->c->failures[t->c->failure_count++];
		memset(s, 0, sizeof(*s));
		snprintf(s->object, sizeof(s->object), "%s", row->ev.machine ? row->ev.machine : "");
		snprintf(s->chunk, sizeof(s->chunk), "%s", row->ev.chunk ? row->ev.chunk : "");
		snprintf(s->phase, sizeof(s->phase), "reported");
		snprintf(s->step, sizeof(s->step), "%s", reported[k]);
		s->status = CARVE_STATUS_WARN;
		snprintf(s->diagnosis, sizeof(s->diagnosis), "%s (%s, %.16s)",
			 row->ev.diagnosis ? row->ev.diagnosis : reported[k],
			 row->ev.actor ? row->ev.actor : "", row->time ? row->time : "");
	}
	return 0;
}

static int by_cause(const void *a, const void *b)
{
	char ca[160], cb[160];

	cause_of(ca, sizeof(ca), a);
	cause_of(cb, sizeof(cb), b);
	return strcmp(ca, cb);
}

static int by_count(const void *a, const void *b)
{
	const triage_group *x = a, *y = b;
	return x->count != y->count ? (x->count < y->count ? 1 : -1) : strcmp(x->cause, y->cause);
}

void view_triage_load(console *c)
{
	triage_scan t = { c, c->failures ? c->failure_cap : 0 };

	c->failure_count = c->group_count = 0;
	if (!c->audit)
		return;
	carve_audit_states(c->audit, NULL, take_failure, &t);
	carve_audit_query(c->audit, NULL, take_report, &t);
	c->failure_cap = t.cap;
	if (c->failure_count) /* failures is NULL until something failed */
		qsort(c->failures, c->failure_count, sizeof(*c->failures), by_cause);
	free(c->groups);
	c->groups = calloc(c->failure_count ? c->failure_count : 1, sizeof(*c->groups));
	if (!c->groups)
		return;
	for (size_t i = 0; i < c->failure_count; i++) {
		char cause[160];
		cause_of(cause, sizeof(cause), &c->failures[i]);
		triage_group *g = c->group_count ? &c->groups[c->group_count - 1] : NULL;
		if (!g || strcmp(g->cause, cause) != 0) {
			g = &c->groups[c->group_count++];
			snprintf(g->cause, sizeof(g->cause), "%s", cause);
			g->first = i;
		}
		g->count++;
	}
	if (c->group_count)
		qsort(c->groups, c->group_count, sizeof(*c->groups), by_count);
	if (c->group >= c->group_count)
		c->group = c->group_count ? c->group_count - 1 : 0;
}

void view_triage_draw(console *c, int top, int rows, int cols)
{
	attron(A_BOLD);
	mvprintw(top, 1, "triage: %zu failures and reports, %zu causes, most common first",
		 c->failure_count, c->group_count);
	attroff(A_BOLD);
	if (!c->group_count) {
		mvaddstr(top + 2, 1, "nothing has failed");
		return;
	}
	int y = top + 2;
	for (size_t g = 0; g < c->group_count && y < top + rows - 1; g++) {
		const triage_group *gr = &c->groups[g];
		const state_line *first = &c->failures[gr->first];
		if (g == c->group)
			attron(A_REVERSE);
		attron(console_status_attr(c, first->status));
		mvaddstr(y, 1, console_glyph(first->status));
		attroff(console_status_attr(c, first->status));
		printw(" %4u  %.*s", gr->count, cols - 10 > 0 ? cols - 10 : 0, gr->cause);
		if (g == c->group)
			attroff(A_REVERSE);
		y++;
		if (g != c->group)
			continue;
		/* The selected cause: its fix (once) and who has it. */
		const char *fix = strchr(first->diagnosis, ':');
		if (fix && y < top + rows - 1)
			mvprintw(y++, 8, "%.*s", cols - 10 > 0 ? cols - 10 : 0, fix + 2);
		for (unsigned k = 0; k < gr->count && y < top + rows - 1; k++) {
			const state_line *s = &c->failures[gr->first + k];
			mvprintw(y++, 8, "%-15s %s", s->object, s->chunk);
		}
	}
}
