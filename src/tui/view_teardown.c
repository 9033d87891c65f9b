/*
 * view_teardown.c - the end-of-coexistence checklist: each item's state,
 * what is wrong with it, or who signed it off and when.  v verifies what
 * carve can check; o signs off the selected item (the status line says
 * so, from the key table).
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "states.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void teardown_open(console *c)
{
	size_t n;

	carve_plan_teardown(c->plan, &n);
	if (!c->items && !(c->items = calloc(n ? n : 1, sizeof(*c->items))))
		return;
	states_teardown(c->items, c->plan, c->audit);
	if (c->item >= n)
		c->item = n ? n - 1 : 0;
}

static void teardown_draw(console *c, int top, int rows, int cols)
{
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(c->plan, &n);
	size_t first = console_scroll(&c->item_top, c->item, (size_t)(rows - 1) / 2);
	int y = top + 1;

	attron(A_BOLD);
	mvaddstr(top, 1, "teardown: the end of coexistence");
	attroff(A_BOLD);
	if (!c->items)
		return;
	for (size_t i = first; i < n && y < top + rows - 1; i++) {
		const item_state st = c->items[i];
		if (i == c->item)
			attron(A_REVERSE);
		mvprintw(y, 1, "%s ", i == c->item ? ">" : " ");
		attron(console_status_attr(c, st.status));
		addstr(console_glyph(st.status));
		attroff(console_status_attr(c, st.status));
		printw(" %-3s %-22s %.*s", items[i].area == CARVE_AREA_EXCHANGE ? "EX" : "AD",
		       items[i].id, cols - 34 > 0 ? cols - 34 : 0, items[i].title);
		if (i == c->item)
			attroff(A_REVERSE);
		y++;
		char why[700], when[32];
		console_time(when, sizeof(when), st.time);
		if (st.status == CARVE_STATUS_OK && strcmp(st.actor, "engine") != 0)
			snprintf(why, sizeof(why), "signed off by %s at %s%s%s", st.actor, when,
				 st.diagnosis[0] ? ": " : "", st.diagnosis);
		else if (st.status == CARVE_STATUS_OK)
			snprintf(why, sizeof(why), "verified by carve at %s", when);
		else if (st.diagnosis[0])
			snprintf(why, sizeof(why), "%s", st.diagnosis);
		else
			snprintf(why, sizeof(why), items[i].verify != CARVE_VERIFY_NONE
				 ? "not verified yet" : "waiting for a sign-off");
		if (y < top + rows)
			mvaddnstr(y++, 9, why, cols - 10);
	}
}

static bool teardown_key(console *c, key_command cmd)
{
	size_t n;

	carve_plan_teardown(c->plan, &n);
	switch (cmd) {
	case CMD_UP: console_list_move(&c->item, n, -1); break;
	case CMD_DOWN: console_list_move(&c->item, n, 1); break;
	case CMD_PAGE_UP: console_list_move(&c->item, n, -(LINES - 4) / 2); break;
	case CMD_PAGE_DOWN: console_list_move(&c->item, n, (LINES - 4) / 2); break;
	case CMD_SIGNOFF: action_signoff(c); break;
	case CMD_VERIFY: action_verify_teardown(c); break;
	default: return false;
	}
	return true;
}

static void teardown_done(console *c)
{
	free(c->items);
	c->items = NULL;
}

const view_ops view_teardown = {
	.name = "teardown",
	.open = teardown_open,
	.draw = teardown_draw,
	.key = teardown_key,
	.done = teardown_done,
};
