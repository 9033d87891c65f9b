/*
 * view_triage.c - the morning after: every failure in the log, grouped by
 * cause, most common first.  A cause is the step and the first clause of
 * the diagnosis (what the engine names first is the cause, what follows
 * the fix), so the group line reads as what went wrong and what to do.
 * What users report the morning after (floor notes of those kinds) is
 * grouped the same way.  The selected cause opens to its fix and the
 * machines that have it; the selected one's diagnosis and evidence are at
 * the bottom.  Enter opens that machine, m shows it on the floor map.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "out.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	console *c;
	size_t cap;
} triage_scan;

/* What follows the first ':' of s, spaces skipped; NULL without one. */
static const char *after_colon(const char *s)
{
	const char *p = strchr(s, ':');

	if (!p)
		return NULL;
	for (p++; *p == ' '; p++)
		;
	return p;
}

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
		d = after_colon(d);
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
		out_textf(s->object, sizeof(s->object), "%s", row->ev.machine ? row->ev.machine : "");
		out_textf(s->chunk, sizeof(s->chunk), "%s", row->ev.chunk ? row->ev.chunk : "");
		out_textf(s->phase, sizeof(s->phase), "reported");
		out_textf(s->step, sizeof(s->step), "%s", reported[k]);
		s->status = CARVE_STATUS_WARN;
		out_textf(s->diagnosis, sizeof(s->diagnosis), "%s (%s, %.16s)",
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

/* The selected cause and object, to find again after a read. */
typedef struct {
	char cause[160], object[64];
} triage_mark;

static void mark_selected(triage_mark *m, const console *c)
{
	m->cause[0] = m->object[0] = '\0';
	if (c->group >= c->group_count || c->member >= c->groups[c->group].count)
		return;
	const state_line *s = &c->failures[c->groups[c->group].first + c->member];
	cause_of(m->cause, sizeof(m->cause), s);
	snprintf(m->object, sizeof(m->object), "%s", s->object);
}

/* Puts the cursor back on the marked failure, or its cause, when they are
 * still there: groups move as their counts change. */
static void find_mark(console *c, const triage_mark *m)
{
	for (size_t g = 0; m->cause[0] && g < c->group_count; g++) {
		if (strcmp(c->groups[g].cause, m->cause) != 0)
			continue;
		c->group = g;
		c->member = 0;
		for (unsigned k = 0; k < c->groups[g].count; k++)
			if (!strcmp(c->failures[c->groups[g].first + k].object, m->object))
				c->member = k;
		return;
	}
}

static void triage_open(console *c)
{
	triage_scan t = { c, c->failures ? c->failure_cap : 0 };
	triage_mark mark;

	mark_selected(&mark, c);
	c->failure_count = c->group_count = 0;
	if (!c->audit)
		return;
	carve_log_filter notes = CARVE_LOG_FILTER_INIT;
	notes.kind = "note";
	carve_audit_failed_states(c->audit, take_failure, &t);
	carve_audit_query(c->audit, &notes, take_report, &t);
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
	find_mark(c, &mark);
	if (c->group >= c->group_count)
		c->group = c->group_count ? c->group_count - 1 : 0;
	if (c->group_count && c->member >= c->groups[c->group].count)
		c->member = c->groups[c->group].count - 1;
}

/* The selected failure, or NULL. */
static const state_line *selected(const console *c)
{
	if (c->group >= c->group_count || c->member >= c->groups[c->group].count)
		return NULL;
	return &c->failures[c->groups[c->group].first + c->member];
}

/* The selected failure in full: where, when, why, and the evidence. */
static void draw_selected(console *c, int y, int cols)
{
	const state_line *s = selected(c);
	int w = cols - 4 > 0 ? cols - 4 : 0;

	if (!s)
		return;
	char line[256];

	snprintf(line, sizeof(line), "%s %s  %s/%s  %s  %s%s%s", s->object, s->chunk, s->phase,
		 s->step, carve_status_name(s->status), s->time, s->actor[0] ? " by " : "",
		 s->actor);
	mvhline(y++, 1, ACS_HLINE, cols - 2);
	mvaddnstr(y++, 1, line, cols - 2);
	mvaddnstr(y++, 3, s->diagnosis, w);
	mvaddnstr(y, 3, s->evidence[0] ? s->evidence : "no evidence recorded", w);
}

#define PANEL 4 /* lines under the list for the selected failure */

static void triage_draw(console *c, int top, int rows, int cols)
{
	int w = cols - 10 > 0 ? cols - 10 : 0;

	console_heading(top, cols, "triage: %zu failures and reports, %zu causes, most common first",
		 c->failure_count, c->group_count);
	if (!c->group_count) {
		mvaddstr(top + 2, 1, "nothing has failed");
		return;
	}
	/* The list's lines: a line per cause, and under the selected one its
	 * fix and its failures. */
	size_t shown = rows - 2 - PANEL > 1 ? (size_t)(rows - 2 - PANEL) : 1;
	size_t cursor = c->group + 2 + c->member;
	size_t first = console_scroll(&c->triage_top, cursor, shown), line = 0;
	int y = top + 1;
	for (size_t g = 0; g < c->group_count && y < top + 1 + (int)shown; g++) {
		const triage_group *gr = &c->groups[g];
		const state_line *one = &c->failures[gr->first];
		bool open = g == c->group;
		if (line++ >= first) {
			if (open)
				attron(A_BOLD);
			attron(console_status_attr(c, one->status));
			mvaddstr(y, 1, console_glyph(one->status));
			attroff(console_status_attr(c, one->status));
			printw(" %4u  %.*s", gr->count, w, gr->cause);
			if (open)
				attroff(A_BOLD);
			y++;
		}
		if (!open)
			continue;
		const char *fix = after_colon(one->diagnosis);
		if (line++ >= first && y < top + 1 + (int)shown)
			mvprintw(y++, 8, "%.*s", w, fix && *fix ? fix : one->diagnosis);
		for (unsigned k = 0; k < gr->count && y < top + 1 + (int)shown; k++) {
			const state_line *s = &c->failures[gr->first + k];
			if (line++ < first)
				continue;
			if (k == c->member)
				attron(A_REVERSE);
			mvprintw(y++, 6, "%s %-15s %-14s %.*s", k == c->member ? ">" : " ", s->object,
				 s->chunk, cols - 40 > 0 ? cols - 40 : 0, s->time);
			if (k == c->member)
				attroff(A_REVERSE);
		}
	}
	draw_selected(c, top + rows - PANEL, cols);
}

/* Down walks the selected cause's failures, then on to the next cause. */
static void triage_move(console *c, int dy)
{
	if (!c->group_count)
		return;
	if (dy > 0 && c->member + 1 < c->groups[c->group].count) {
		c->member++;
	} else if (dy > 0 && c->group + 1 < c->group_count) {
		c->group++;
		c->member = 0;
	} else if (dy < 0 && c->member > 0) {
		c->member--;
	} else if (dy < 0 && c->group > 0) {
		c->group--;
		c->member = 0;
	}
}

/* PgUp/PgDn: a cause at a time. */
static void triage_page(console *c, int by)
{
	console_list_move(&c->group, c->group_count, by);
	c->member = 0;
}

static bool triage_key(console *c, key_command cmd)
{
	const state_line *s = selected(c);

	switch (cmd) {
	case CMD_UP: triage_move(c, -1); break;
	case CMD_DOWN: triage_move(c, 1); break;
	case CMD_PAGE_UP: triage_page(c, -1); break;
	case CMD_PAGE_DOWN: triage_page(c, 1); break;
	case CMD_OPEN:
	case CMD_MAP:
		if (s)
			console_show_object(c, s->object, s->user,
					    cmd == CMD_MAP ? VIEW_FLOOR : VIEW_DETAIL);
		break;
	default: return false;
	}
	return true;
}

static void triage_done(console *c)
{
	free(c->failures);
	free(c->groups);
	c->failures = NULL;
	c->groups = NULL;
	c->failure_count = c->failure_cap = c->group_count = 0;
}

const view_ops view_triage = {
	.name = "triage",
	.open = triage_open,
	.draw = triage_draw,
	.key = triage_key,
	.done = triage_done,
};
