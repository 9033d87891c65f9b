/*
 * view_teardown.c - the end-of-coexistence checklist: each item's state,
 * what is wrong with it, or who signed it off and when.  v verifies what
 * carve can check; o signs off the selected item.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "states.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void view_teardown_draw(console *c, int top, int rows, int cols)
{
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(c->plan, &n);
	int y = top + 1;

	attron(A_BOLD);
	mvaddstr(top, 1, c->read_only ? "teardown: the end of coexistence"
				       : "teardown: the end of coexistence (v verifies, o signs off)");
	attroff(A_BOLD);
	item_state *state = calloc(n ? n : 1, sizeof(*state));

	if (!state)
		return;
	if (c->item >= n && n)
		c->item = n - 1;
	states_teardown(state, c->plan, c->audit);
	for (size_t i = 0; i < n && y < top + rows - 1; i++) {
		const item_state st = state[i];
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
		char why[700];
		if (st.status == CARVE_STATUS_OK && strcmp(st.actor, "engine") != 0)
			snprintf(why, sizeof(why), "signed off by %s at %s%s%s", st.actor, st.time,
				 st.diagnosis[0] ? ": " : "", st.diagnosis);
		else if (st.status == CARVE_STATUS_OK)
			snprintf(why, sizeof(why), "verified by carve at %s", st.time);
		else if (st.diagnosis[0])
			snprintf(why, sizeof(why), "%s", st.diagnosis);
		else
			snprintf(why, sizeof(why), items[i].verify != CARVE_VERIFY_NONE
				 ? "not verified yet (v)" : "waiting for a sign-off (o)");
		if (y < top + rows - 1)
			mvaddnstr(y++, 9, why, cols - 10);
	}
	free(state);
}
