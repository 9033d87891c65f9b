/*
 * view_log.c - the audit log's tail, newest at the bottom, live: new
 * events appear as they are committed (by this carve or another).  Up and
 * PgUp go back in time, the selected line with them, and Enter opens the
 * whole event in the pager.  / filters as carve log does (the
 * console reads the log again through the filter, so it covers the whole
 * log, not only what was kept).
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void log_draw(console *c, int top, int rows, int cols)
{
	int lines = rows - 1;

	console_heading(top, cols, "audit log: %zu %sevents kept%s, times %s%s%s", c->log_count,
		 c->log_filter.text[0] ? "matching " : "",
		 c->log_top ? " (scrolled back; Down/PgDn for newer)" : ", newest last",
		 console_zone(), c->log_filter.text[0] ? "; filter: " : "", c->log_filter.text);
	if (!c->log_count) {
		mvaddstr(top + 2, 1, c->log_filter.text[0] ? "no events match" : "nothing logged yet");
		return;
	}
	/* The selected line, log_top back from the newest: at the bottom of
	 * the newest lines, or where it is when every line fits */
	size_t sel = c->log_count - 1 - (c->log_top < c->log_count ? c->log_top : 0);
	size_t last = c->log_count <= (size_t)lines ? c->log_count - 1 : sel;
	size_t first = last + 1 > (size_t)lines ? last + 1 - (size_t)lines : 0;
	for (size_t i = first, y = (size_t)top + 1; i <= last; i++) {
		const log_line *l = &c->log[(c->log_head + i) % LOG_KEEP];
		char line[512];
		/* The event's number (as carve log and carve verify give it) and
		 * its chunk only where there is room for them. */
		char seq[48] = "";
		if (cols >= 120)
			snprintf(seq, sizeof(seq), " #%-7" PRId64 " %-15.15s", l->seq, l->chunk);
		snprintf(line, sizeof(line), "%s %-15s %-20s %s", seq, l->object, l->where,
			 l->text[0] ? l->text : carve_status_name(l->status));
		int selected = i == sel ? A_REVERSE : 0;
		attron(selected);
		mvprintw((int)y, 0, "%.8s ", l->time + 11);
		attron(console_status_attr(c, l->status));
		addstr(console_glyph(l->status));
		attroff(console_status_attr(c, l->status));
		attron(selected);
		addnstr(line, cols - 11 > 0 ? cols - 11 : 0);
		attroff(selected);
		y++;
	}
}

static void log_scroll(console *c, int lines)
{
	long top = (long)c->log_top + lines;

	if (top < 0)
		top = 0;
	if (c->log_count && (size_t)top >= c->log_count)
		top = (long)c->log_count - 1;
	c->log_top = (size_t)top;
}

static bool log_key(console *c, key_command cmd)
{
	int page = LINES - 4;

	switch (cmd) {
	case CMD_UP: log_scroll(c, 1); break;
	case CMD_DOWN: log_scroll(c, -1); break;
	case CMD_PAGE_UP: log_scroll(c, page); break;
	case CMD_PAGE_DOWN: log_scroll(c, -page); break;
	case CMD_FILTER: action_log_filter(c); break;
	case CMD_OPEN:
		if (c->log_count) {
			size_t last = c->log_count - 1 - (c->log_top < c->log_count ? c->log_top : 0);
			const log_line *l = &c->log[(c->log_head + last) % LOG_KEEP];
			char title[160];
			snprintf(title, sizeof(title), "#%lld %s %s", (long long)l->seq, l->object,
				 l->where);
			console_page_event(c, l->seq, title);
		}
		break;
	default: return false;
	}
	return true;
}

const view_ops view_log = {
	.name = "log",
	.draw = log_draw,
	.key = log_key,
};
