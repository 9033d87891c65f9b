/*
 * view_pager.c - a text in full, wrapped and scrolled (as tig's pager):
 * an event's whole diagnosis and evidence, read again from the log, where
 * the views have room for one cut line.  Evidence is JSON, laid out one
 * member a line.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "out.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text from the log, line by line through out_escape: its line breaks kept,
 * nothing in it obeyed. */
static void put_lines(carve_buf *b, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");
		out_escape(b, text, n, true, NULL);
		carve_buf_putc(b, '\n');
		text += n + (text[n] == '\n');
	}
}

static int page_event(const carve_event_row *row, void *ctx)
{
	carve_buf *b = ctx;
	char when[32], head[512];

	console_time(when, sizeof(when), row->time);
	snprintf(head, sizeof(head), "%s%s%s  %s%s%s  %s  %s by %s, event #%lld of run %lld",
		 row->ev.machine ? row->ev.machine : row->ev.user ? row->ev.user : "",
		 row->ev.machine && row->ev.user ? " / " : "",
		 row->ev.machine && row->ev.user ? row->ev.user : "",
		 row->ev.phase ? row->ev.phase : row->ev.kind ? row->ev.kind : "",
		 row->ev.step ? "/" : "", row->ev.step ? row->ev.step : "",
		 row->status_text ? row->status_text : "", when,
		 row->ev.actor ? row->ev.actor : "", (long long)row->seq, (long long)row->run);
	put_lines(b, head);
	carve_buf_putc(b, '\n');
	if (row->ev.diagnosis && row->ev.diagnosis[0]) {
		put_lines(b, row->ev.diagnosis);
		carve_buf_putc(b, '\n');
	}
	if (row->ev.evidence && row->ev.evidence[0]) {
		carve_buf laid = CARVE_BUF_INIT;
		carve_buf_puts(b, "evidence:\n");
		out_json_layout(&laid, row->ev.evidence);
		put_lines(b, laid.failed ? "(out of memory)" : laid.ptr ? laid.ptr : "");
		carve_buf_done(&laid);
	}
	return 1; /* the one event asked for */
}

void console_page_event(console *c, int64_t seq, const char *title)
{
	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	carve_buf b = CARVE_BUF_INIT;

	/* the event itself, read again: every line of it, however long, not
	 * the cut copy the view keeps */
	f.after_seq = seq - 1;
	f.limit = 1;
	int err = c->audit ? carve_audit_query(c->audit, &f, page_event, &b) : 0;
	if (err < 0 || !b.ptr || b.failed) {
		carve_buf_done(&b);
		snprintf(c->message, sizeof(c->message), "cannot read event #%lld: %s",
			 (long long)seq, err < 0 ? carve_error_last()->message
			 : "it is not in the log");
		return;
	}
	free(c->pager_text);
	c->pager_text = b.ptr;
	snprintf(c->pager_title, sizeof(c->pager_title), "%s", title);
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
