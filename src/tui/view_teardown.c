/*
 * view_teardown.c - the end-of-coexistence checklist: each item's state,
 * what is wrong with it, or who signed it off and when.  v verifies what
 * carve can check; o signs off the selected item.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	const char *id;
	state_line *out;
	bool found;
} item_scan;

static int take_item(const carve_state_row *row, void *ctx)
{
	item_scan *s = ctx;

	if (strcmp(row->object_kind, "site") || strcmp(row->phase, "teardown") ||
	    strcmp(row->step, s->id))
		return 0;
	s->found = true;
	s->out->status = row->status;
	snprintf(s->out->actor, sizeof(s->out->actor), "%s", row->actor ? row->actor : "");
	snprintf(s->out->time, sizeof(s->out->time), "%.16s", row->time ? row->time : "");
	snprintf(s->out->diagnosis, sizeof(s->out->diagnosis), "%s",
		 row->diagnosis ? row->diagnosis : "");
	return 0;
}

void view_teardown_draw(console *c, int top, int rows, int cols)
{
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(c->plan, &n);
	int y = top + 1;

	attron(A_BOLD);
	mvaddstr(top, 1, c->read_only ? "teardown: the end of coexistence"
				       : "teardown: the end of coexistence (v verifies, o signs off)");
	attroff(A_BOLD);
	if (c->item >= n && n)
		c->item = n - 1;
	for (size_t i = 0; i < n && y < top + rows - 1; i++) {
		state_line st;
		memset(&st, 0, sizeof(st));
		st.status = CARVE_STATUS_PENDING;
		item_scan s = { items[i].id, &st, false };
		if (c->audit)
			carve_audit_states(c->audit, NULL, take_item, &s);
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
		char why[600];
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
}
