/*
 * view_triage.c - the morning after: every failure still standing, grouped
 * by cause (triage.c), most common first, so the group line reads as what
 * went wrong and what to do.  The selected cause opens to its fix and the
 * machines that have it; the selected one's diagnosis and evidence are at
 * the bottom.  Enter opens that machine, m shows it on the floor map.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The selected cause and object, to find again after a read. */
typedef struct {
	char cause[160], object[64];
} triage_mark;

static void mark_selected(triage_mark *m, const console *c)
{
	m->cause[0] = m->object[0] = '\0';
	if (c->group >= c->triage.group_count || c->member >= c->triage.groups[c->group].count)
		return;
	const state_line *s = &c->triage.items[c->triage.groups[c->group].first + c->member];
	triage_cause(m->cause, sizeof(m->cause), s);
	snprintf(m->object, sizeof(m->object), "%s", s->object);
}

/* Puts the cursor back on the marked failure, or its cause, when they are
 * still there: groups move as their counts change. */
static void find_mark(console *c, const triage_mark *m)
{
	for (size_t g = 0; m->cause[0] && g < c->triage.group_count; g++) {
		if (strcmp(c->triage.groups[g].cause, m->cause) != 0)
			continue;
		c->group = g;
		c->member = 0;
		for (unsigned k = 0; k < c->triage.groups[g].count; k++)
			if (!strcmp(c->triage.items[c->triage.groups[g].first + k].object, m->object))
				c->member = k;
		return;
	}
}

static void triage_open(console *c)
{
	triage_mark mark;

	mark_selected(&mark, c);
	c->triage.count = c->triage.group_count = 0;
	if (!c->audit || triage_collect(&c->triage, c->audit, NULL, TRIAGE_COMMON) < 0)
		return;
	find_mark(c, &mark);
	if (c->group >= c->triage.group_count)
		c->group = c->triage.group_count ? c->triage.group_count - 1 : 0;
	if (c->triage.group_count && c->member >= c->triage.groups[c->group].count)
		c->member = c->triage.groups[c->group].count - 1;
}

/* The selected failure, or NULL. */
static const state_line *selected(const console *c)
{
	if (c->group >= c->triage.group_count || c->member >= c->triage.groups[c->group].count)
		return NULL;
	return &c->triage.items[c->triage.groups[c->group].first + c->member];
}

/* The selected failure in full, from row y to row end: where, when, why
 * and the evidence, wrapped, not cut at the edge; what does not fit is a
 * pager away. */
static void draw_selected(console *c, int y, int end, int cols)
{
	const state_line *s = selected(c);
	size_t w = cols > 8 ? (size_t)cols - 4 : 4;

	if (!s || y + 2 >= end)
		return;
	char line[256];

	snprintf(line, sizeof(line), "%s %s  %s/%s  %s  %s%s%s", s->object, s->chunk, s->phase,
		 s->step, carve_status_name(s->status), s->time, s->actor[0] ? " by " : "",
		 s->actor);
	mvhline(y++, 1, ACS_HLINE, cols - 2);
	mvaddnstr(y++, 1, line, cols - 2);
	const char *evidence = s->evidence[0] ? s->evidence : "no evidence recorded";
	size_t need = console_wrapped(0, 0, -1, s->diagnosis, w) +
		      console_wrapped(0, 0, -1, evidence, w);
	bool cut = y + (int)need > end;
	y += (int)console_wrapped(y, 3, end - y - (cut ? 1 : 0), s->diagnosis, w);
	if (y < end - (cut ? 1 : 0))
		y += (int)console_wrapped(y, 3, end - y - (cut ? 1 : 0), evidence, w);
	if (cut)
		mvaddnstr(end - 1, 3, "... Enter: its machine, Enter again: all of it", (int)w);
}

#define PANEL 4 /* lines kept under the list for the selected failure */

static void triage_draw(console *c, int top, int rows, int cols)
{
	int w = cols - 10 > 0 ? cols - 10 : 0;

	console_heading(top, cols, "triage: %zu failures and reports, %zu causes, most common first",
		 c->triage.count, c->triage.group_count);
	if (!c->triage.group_count) {
		mvaddstr(top + 2, 1, "nothing has failed");
		return;
	}
	/* The list's lines: a line per cause, and under the selected one its
	 * fix and its failures. */
	size_t shown = rows - 2 - PANEL > 1 ? (size_t)(rows - 2 - PANEL) : 1;
	size_t cursor = c->group + 2 + c->member;
	size_t first = console_scroll(&c->triage_top, cursor, shown), line = 0;
	int y = top + 1;
	for (size_t g = 0; g < c->triage.group_count && y < top + 1 + (int)shown; g++) {
		const triage_group *gr = &c->triage.groups[g];
		const state_line *one = &c->triage.items[gr->first];
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
		const char *fix = triage_fix(one);
		if (line++ >= first && y < top + 1 + (int)shown)
			mvprintw(y++, 8, "%.*s", w, fix && *fix ? fix : one->diagnosis);
		for (unsigned k = 0; k < gr->count && y < top + 1 + (int)shown; k++) {
			const state_line *s = &c->triage.items[gr->first + k];
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
	/* right under the list, with what it leaves */
	draw_selected(c, y, top + rows, cols);
}

/* Down walks the selected cause's failures, then on to the next cause. */
static void triage_move(console *c, int dy)
{
	if (!c->triage.group_count)
		return;
	if (dy > 0 && c->member + 1 < c->triage.groups[c->group].count) {
		c->member++;
	} else if (dy > 0 && c->group + 1 < c->triage.group_count) {
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
	console_list_move(&c->group, c->triage.group_count, by);
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
		if (s)
			console_show_step(c, s);
		break;
	case CMD_EXPORT: action_export_triage(c); break;
	case CMD_MAP:
		if (s)
			console_show_object(c, s->object, s->user, VIEW_FLOOR);
		break;
	default: return false;
	}
	return true;
}

static void triage_close(console *c)
{
	triage_done(&c->triage);
}

const view_ops view_triage = {
	.name = "triage",
	.open = triage_open,
	.draw = triage_draw,
	.key = triage_key,
	.done = triage_close,
};
