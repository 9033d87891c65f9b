/*
 * view_help.c - the help screen, written from the key table that dispatches
 * the keys (so it cannot drift): each key, what it does, and the views it
 * works in; then the status glyphs.  Up, Down and the page keys scroll.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

/* The keys help lists: aliases and what this console's role refuses are
 * left out. */
static bool listed(const console *c, const key_binding *b)
{
	return b->help && keys_allowed(c, b);
}

static size_t key_lines(const console *c)
{
	size_t n = 0;

	for (const key_binding *b = keys_table(); b->name; b++)
		n += listed(c, b);
	return n;
}

static void help_draw(console *c, int top, int rows, int cols)
{
	size_t total = key_lines(c) + 3; /* and a blank, the heading, the glyphs */
	size_t shown = (size_t)rows - 1;

	if (c->help_top + shown > total)
		c->help_top = total > shown ? total - shown : 0;
	console_heading(top, cols, "keys%s", c->help_top + shown < total ? " (Down for more)" : "");
	size_t line = 0;
	int y = top + 1;
	for (const key_binding *b = keys_table(); b->name && y < top + rows; b++) {
		if (!listed(c, b) || line++ < c->help_top)
			continue;
		char in[160], text[400];
		keys_where(in, sizeof(in), b->views);
		snprintf(text, sizeof(text), "%s%s%s%s", b->help, in[0] ? " [" : "", in,
			 in[0] ? "]" : "");
		mvprintw(y++, 3, "%-8s %.*s", b->name, cols - 14 > 0 ? cols - 14 : 0, text);
	}
	if (y + 2 >= top + rows)
		return;
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

static bool help_key(console *c, key_command cmd)
{
	long page = LINES - 4, top = (long)c->help_top;

	switch (cmd) {
	case CMD_UP: top--; break;
	case CMD_DOWN: top++; break;
	case CMD_PAGE_UP: top -= page; break;
	case CMD_PAGE_DOWN: top += page; break;
	default: return false;
	}
	c->help_top = top < 0 ? 0 : (size_t)top; /* the draw keeps it short of the end */
	return true;
}

static void help_resize(console *c)
{
	c->help_top = 0;
}

const view_ops view_help = {
	.name = "help",
	.draw = help_draw,
	.key = help_key,
	.resize = help_resize,
};
