/*
 * view_pager.c - a text in full, wrapped and scrolled (as tig's pager):
 * a step's whole diagnosis and evidence, where the machine view has room
 * for one cut line.  Evidence is JSON, laid out one member a line.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "out.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void console_page_step(console *c, const state_line *s)
{
	carve_buf b = CARVE_BUF_INIT;

	carve_buf_printf(&b, "%s  %s/%s  %s  %s by %s\n\n", s->object, s->phase, s->step,
			 carve_status_name(s->status), s->time, s->actor);
	if (s->diagnosis[0])
		carve_buf_printf(&b, "%s\n\n", s->diagnosis);
	if (s->evidence[0]) {
		carve_buf_puts(&b, "evidence:\n");
		out_json_layout(&b, s->evidence);
		carve_buf_putc(&b, '\n');
	}
	free(c->pager_text);
	c->pager_text = b.failed ? NULL : b.ptr;
	if (b.failed)
		carve_buf_done(&b);
	snprintf(c->pager_title, sizeof(c->pager_title), "%s %s/%s", s->object, s->phase,
		 s->step);
	c->pager_top = 0;
	console_show(c, VIEW_PAGER);
}

/* Walks the text's screen lines: counts them, and draws those in view. */
static size_t walk_lines(const console *c, size_t width, int top, int rows, bool draw)
{
	size_t line = 0;

	for (const char *p = c->pager_text ? c->pager_text : ""; *p;) {
		size_t n = console_line_len(p, width);
		/* n 0 (a blank line) draws nothing: addnstr would take the
		 * whole string */
		if (draw && n && line >= c->pager_top && line < c->pager_top + (size_t)rows)
			mvaddnstr(top + (int)(line - c->pager_top), 1, p, (int)n);
		line++;
		p += n;
		if (*p == '\n' || *p == ' ')
			p++;
	}
	return line;
}

static void pager_draw(console *c, int top, int rows, int cols)
{
	size_t width = cols > 4 ? (size_t)cols - 2 : 2, shown = (size_t)rows - 1;
	size_t total = walk_lines(c, width, 0, 0, false);

	if (c->pager_top + shown > total)
		c->pager_top = total > shown ? total - shown : 0;
	console_heading(top, cols, "%s  (lines %zu-%zu of %zu%s)", c->pager_title,
			total ? c->pager_top + 1 : 0, c->pager_top + shown < total
			? c->pager_top + shown : total, total,
			c->pager_top + shown < total ? ", Down for more" : "");
	walk_lines(c, width, top + 1, (int)shown, true);
}

static bool pager_key(console *c, key_command cmd)
{
	return console_scroll_key(&c->pager_top, cmd);
}

static void pager_done(console *c)
{
	free(c->pager_text);
	c->pager_text = NULL;
}

const view_ops view_pager = {
	.name = "evidence",
	.draw = pager_draw,
	.key = pager_key,
	.done = pager_done,
};
