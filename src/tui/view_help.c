/*
 * view_help.c - the help screen, written from the key table that dispatches
 * the keys (so it cannot drift), and the status glyphs.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>

void view_help_draw(console *c, int top, int rows, int cols)
{
	int y = top + 1;

	attron(A_BOLD);
	mvaddstr(top, 1, "keys");
	attroff(A_BOLD);
	for (const key_binding *b = keys_table(); b->name && y < top + rows - 3; b++) {
		if (!b->help || (b->writes && c->read_only))
			continue; /* aliases, and what read-only mode refuses */
		mvprintw(y++, 3, "%-8s %.*s", b->name, cols - 14, b->help);
	}
	y++;
	attron(A_BOLD);
	mvaddstr(y++, 1, "status");
	attroff(A_BOLD);
	move(y, 3);
	for (int s = 0; s < CARVE_STATUS__COUNT && getcurx(stdscr) < cols - 16; s++) {
		attron(console_status_attr(c, (carve_status)s));
		addstr(console_glyph((carve_status)s));
		attroff(console_status_attr(c, (carve_status)s));
		printw(" %s  ", carve_status_name((carve_status)s));
	}
}
