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

/* Key b's help line: what it does, and where. */
static void help_text(char text[400], const key_binding *b)
{
	char in[160];

	keys_where(in, sizeof(in), b->views);
	snprintf(text, 400, "%s%s%s%s", b->help, in[0] ? " [" : "", in, in[0] ? "]" : "");
}

static void help_draw(console *c, int top, int rows, int cols)
{
	size_t line = 0, width = cols > 24 ? (size_t)cols - 14 : 10;
	bool more = false;

	/* each key's help wraps, under its text, instead of being cut; the
	 * rows each takes are counted once */
	size_t need[128], count = 0, tail = 4, last_top; /* the glyphs take two lines */
	for (const key_binding *b = keys_table(); b->name && count < 128; b++)
		if (listed(c, b)) {
			char text[400];
			help_text(text, b);
			need[count++] = console_wrapped(0, 0, -1, text, width);
		}
	/* scrolled no further than a last screen that is full: the keys from
	 * there to the end, and the status glyphs under them */
	for (last_top = count; last_top > 0 && tail + need[last_top - 1] <= (size_t)rows - 1;)
		tail += need[--last_top];
	if (c->help_top > last_top)
		c->help_top = last_top;
	int y = top + 1;
	for (const key_binding *b = keys_table(); b->name && line < count; b++) {
		if (!listed(c, b) || line++ < c->help_top)
			continue;
		if (y + (int)need[line - 1] > top + rows) {
			more = true;
			break;
		}
		char text[400];
		help_text(text, b);
		mvprintw(y, 3, "%-8s ", b->name);
		y += (int)console_wrapped(y, 12, (int)need[line - 1], text, width);
	}
	console_heading(top, cols, "keys%s", more ? " (Down for more)" : "");
	if (more || y + 2 >= top + rows)
		return;
	y++;
	attron(A_BOLD);
	mvaddstr(y++, 1, "status");
	attroff(A_BOLD);
	move(y, 3);
	for (int s = 0; s < CARVE_STATUS__COUNT; s++) {
		/* every glyph, on the next line when the line is full */
		if (getcurx(stdscr) + 4 + (int)strlen(carve_status_name((carve_status)s)) > cols) {
			if (++y >= top + rows)
				break;
			move(y, 3);
		}
		attron(console_status_attr(c, (carve_status)s));
		addstr(console_glyph((carve_status)s));
		attroff(console_status_attr(c, (carve_status)s));
		printw(" %s  ", carve_status_name((carve_status)s));
	}
}

static bool help_key(console *c, key_command cmd)
{
	return console_scroll_key(&c->help_top, cmd);
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
