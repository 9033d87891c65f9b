/*
 * view_list.c - a grid cell opened: the chunk's machines (users, for mail)
 * in that phase, most urgent first, each with its worst step and why.
 * Enter opens the machine (a user's machine).
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "glyph.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	console *c;
	const char *phase;
	bool users;
} list_scan;

static state_line *row_for(console *c, const char *name)
{
	for (size_t i = 0; i < c->cell_count; i++)
		if (!strcasecmp(c->cell[i].object, name))
			return &c->cell[i];
	return NULL;
}

static int take_row(const carve_state_row *row, void *ctx)
{
	list_scan *l = ctx;
	state_line *s;

	if (strcmp(row->phase, l->phase) != 0 ||
	    strcmp(row->object_kind, l->users ? "user" : "machine") != 0 ||
	    !(s = row_for(l->c, row->object)))
		return 0;
	/* Pending is the starting point: anything recorded replaces it. */
	if (s->step[0] && glyph_urgency(row->status) >= glyph_urgency(s->status))
		return 0;
	s->status = row->status;
	snprintf(s->step, sizeof(s->step), "%s", row->step);
	snprintf(s->diagnosis, sizeof(s->diagnosis), "%s", row->diagnosis ? row->diagnosis : "");
	return 0;
}

static int by_urgency(const void *a, const void *b)
{
	const state_line *x = a, *y = b;
	int ux = glyph_urgency(x->status), uy = glyph_urgency(y->status);

	return ux != uy ? (ux < uy ? -1 : 1) : strcasecmp(x->object, y->object);
}

static void list_open(console *c)
{
	size_t n_m, n_u, n_chunks;
	const carve_machine *m = carve_plan_machines(c->plan, &n_m);
	const carve_user *u = carve_plan_users(c->plan, &n_u);
	const carve_chunk *ch = carve_plan_chunks(c->plan, &n_chunks);
	bool users = c->grid_phase == CARVE_PHASE_MAIL;
	size_t n = users ? n_u : n_m;

	c->cell_count = 0;
	if (c->cell_cap < n) {
		state_line *cell = realloc(c->cell, (n ? n : 1) * sizeof(*cell));
		if (!cell)
			return;
		c->cell = cell;
		c->cell_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		size_t chunk = users ? u[i].chunk : m[i].chunk;
		if (chunk != c->grid_chunk)
			continue;
		state_line *s = &c->cell[c->cell_count++];
		memset(s, 0, sizeof(*s));
		snprintf(s->object, sizeof(s->object), "%s", users ? u[i].name : m[i].name);
		snprintf(s->chunk, sizeof(s->chunk), "%s", ch[chunk].name);
		s->user = users;
		s->status = CARVE_STATUS_PENDING;
	}
	list_scan l = { c, carve_phase_name((carve_phase)c->grid_phase), users };
	if (c->audit)
		carve_audit_states(c->audit, ch[c->grid_chunk].name, take_row, &l);
	if (c->cell_count)
		qsort(c->cell, c->cell_count, sizeof(*c->cell), by_urgency);
	if (c->cell_row >= c->cell_count)
		c->cell_row = c->cell_count ? c->cell_count - 1 : 0;
}

static void list_draw(console *c, int top, int rows, int cols)
{
	size_t n;
	const carve_chunk *ch = carve_plan_chunks(c->plan, &n);
	size_t first = console_scroll(&c->list_top, c->cell_row, (size_t)(rows - 1));

	console_heading(top, cols, "%s %s: %zu %s, most urgent first", ch[c->grid_chunk].name,
		 carve_phase_name((carve_phase)c->grid_phase), c->cell_count,
		 c->grid_phase == CARVE_PHASE_MAIL ? "users" : "machines");
	for (size_t i = first, y = (size_t)top + 1; i < c->cell_count && y < (size_t)(top + rows);
	     i++, y++) {
		const state_line *s = &c->cell[i];
		if (i == c->cell_row)
			attron(A_REVERSE);
		mvprintw((int)y, 1, "%s", i == c->cell_row ? ">" : " ");
		attron(console_status_attr(c, s->status));
		addstr(console_glyph(s->status));
		attroff(console_status_attr(c, s->status));
		printw(" %-16s %-11s %-14s %.*s", s->object, carve_status_name(s->status), s->step,
		       cols - 48 > 0 ? cols - 48 : 0, s->diagnosis);
		if (i == c->cell_row)
			attroff(A_REVERSE);
	}
}

static bool list_key(console *c, key_command cmd)
{
	int page = LINES - 4;

	switch (cmd) {
	case CMD_UP: console_list_move(&c->cell_row, c->cell_count, -1); break;
	case CMD_DOWN: console_list_move(&c->cell_row, c->cell_count, 1); break;
	case CMD_PAGE_UP: console_list_move(&c->cell_row, c->cell_count, -page); break;
	case CMD_PAGE_DOWN: console_list_move(&c->cell_row, c->cell_count, page); break;
	case CMD_OPEN:
		if (c->cell_row < c->cell_count)
			console_show_step(c, &c->cell[c->cell_row]);
		break;
	default: return false;
	}
	return true;
}

static void list_done(console *c)
{
	free(c->cell);
	c->cell = NULL;
	c->cell_count = c->cell_cap = 0;
}

const view_ops view_list = {
	.name = "cell",
	.open = list_open,
	.draw = list_draw,
	.key = list_key,
	.done = list_done,
};
