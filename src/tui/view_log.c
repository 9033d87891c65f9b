/*
 * view_log.c - the audit log's tail, newest at the bottom, live: new
 * events appear as they are committed (by this carve or another).  Up and
 * PgUp go back in time.
 */
#define _GNU_SOURCE /* strcasestr */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

static bool log_matches(const console *c, const log_line *l)
{
	return !c->filter[0] || strcasestr(l->object, c->filter) || strcasestr(l->chunk, c->filter) ||
	       strcasestr(l->where, c->filter) || strcasestr(l->text, c->filter) ||
	       !strcmp(carve_status_name(l->status), c->filter);
}

void view_log_draw(console *c, int top, int rows, int cols)
{
	int lines = rows - 1;

	attron(A_BOLD);
	mvprintw(top, 1, "audit log: %zu events kept%s%s%s", c->log_count,
		 c->log_top ? " (scrolled back; Down/PgDn for newer)" : ", newest last",
		 c->filter[0] ? "; filter: " : "", c->filter);
	attroff(A_BOLD);
	if (!c->log_count) {
		mvaddstr(top + 2, 1, "nothing logged yet");
		return;
	}
	/* The lines that pass the filter, newest last, scrolled by log_top. */
	size_t last = c->log_count - 1 - (c->log_top < c->log_count ? c->log_top : 0);
	size_t first = last + 1, shown = 0;
	while (first > 0 && shown < (size_t)lines) {
		first--;
		shown += log_matches(c, &c->log[(c->log_head + first) % LOG_KEEP]);
	}
	for (size_t i = first, y = (size_t)top + 1; i <= last; i++) {
		const log_line *l = &c->log[(c->log_head + i) % LOG_KEEP];
		if (!log_matches(c, l))
			continue;
		char line[512];
		/* The chunk only where there is room for it. */
		snprintf(line, sizeof(line), " %-15s %-*.*s%s%-20s %s", l->object,
			 cols >= 120 ? 15 : 0, cols >= 120 ? 15 : 0, l->chunk,
			 cols >= 120 ? " " : "", l->where,
			 l->text[0] ? l->text : carve_status_name(l->status));
		mvprintw((int)y, 0, "%.8s ", l->time + 11);
		attron(console_status_attr(c, l->status));
		addstr(console_glyph(l->status));
		attroff(console_status_attr(c, l->status));
		addnstr(line, cols - 11 > 0 ? cols - 11 : 0);
		y++;
	}
}

void view_log_scroll(console *c, int lines)
{
	long top = (long)c->log_top + lines;

	if (top < 0)
		top = 0;
	if (c->log_count && (size_t)top >= c->log_count)
		top = (long)c->log_count - 1;
	c->log_top = (size_t)top;
}
