/*
 * console.c - the console's screen and loop: ncurses set up the way people
 * expect (short Esc delay, no mouse, colour only with NO_COLOR unset and
 * always with a glyph beside it, ASCII when the locale is not UTF-8), a
 * title line, the current view, a status line, and a snapshot of the audit
 * log read again whenever another carve commits to it.
 *
 * Each frame is drawn into ncurses' virtual screen and sent with one
 * doupdate(), so only what changed reaches the terminal.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "out.h"
#include "glyph.h"
#include "notes.h"
#include "states.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIN_COLS 60
#define MIN_ROWS 16
/* How often other writers' commits are looked for: well inside the 1 s in
 * which viewers must show them.  The lead's own outcomes wake it at once. */
#define LOOK_MS 250
/* Outcomes logged within this long of the last read wait for the next:
 * a burst costs one read, and each outcome is still on screen well inside
 * 200 ms. */
#define MERGE_MS 50

static const view_ops *const views[VIEW__COUNT] = {
	[VIEW_GRID] = &view_grid,         [VIEW_FLOOR] = &view_floor,
	[VIEW_LOG] = &view_log,           [VIEW_LIST] = &view_list,
	[VIEW_DETAIL] = &view_detail,     [VIEW_TRIAGE] = &view_triage,
	[VIEW_TEARDOWN] = &view_teardown, [VIEW_HELP] = &view_help,
	[VIEW_PAGER] = &view_pager,
};

const view_ops *console_view_ops(view_id v)
{
	return views[v];
}

static void show(console *c, view_id v)
{
	c->view = v;
	if (views[v]->open)
		views[v]->open(c);
}

void console_show(console *c, view_id v)
{
	size_t keep = sizeof(c->back) / sizeof(c->back[0]);

	if (c->view != v) {
		if (c->back_depth == keep) /* the oldest goes */
			memmove(c->back, c->back + 1, (keep - 1) * sizeof(c->back[0]));
		else
			c->back_depth++;
		c->back[c->back_depth - 1] = c->view;
	}
	show(c, v);
}

void console_back(console *c)
{
	/* read again: the machine or cell may have changed meanwhile */
	show(c, c->back_depth ? c->back[--c->back_depth] : VIEW_GRID);
}

void console_show_machine(console *c, size_t i, view_id v)
{
	size_t n;
	const carve_machine *m = carve_plan_machines(c->plan, &n);

	if (i >= n)
		return;
	c->machine = i;
	c->floor = m[i].floor;
	console_show(c, v);
}

void console_show_step(console *c, const state_line *s)
{
	snprintf(c->want_step, sizeof(c->want_step), "%s/%s/%s", s->object, s->phase, s->step);
	if (!console_show_object(c, s->object, s->user, VIEW_DETAIL))
		c->want_step[0] = '\0';
}

bool console_show_object(console *c, const char *object, bool user, view_id v)
{
	size_t n;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	size_t i = user ? CARVE_NONE : carve_plan_find_machine(c->plan, object);
	size_t u = user ? carve_plan_find_user(c->plan, object) : CARVE_NONE;

	for (size_t k = 0; i == CARVE_NONE && u != CARVE_NONE && k < n; k++)
		if (m[k].user == u)
			i = k;
	if (i == CARVE_NONE) {
		snprintf(c->message, sizeof(c->message), "%s has no machine in the plan", object);
		return false;
	}
	console_show_machine(c, i, v);
	return true;
}

void console_list_move(size_t *row, size_t count, int dy)
{
	long r = (long)*row + dy;

	*row = r < 0 || !count ? 0 : (size_t)r >= count ? count - 1 : (size_t)r;
}

size_t console_scroll(size_t *top, size_t row, size_t lines)
{
	if (!lines)
		lines = 1;
	if (row < *top)
		*top = row;
	else if (row >= *top + lines)
		*top = row - lines + 1;
	return *top;
}

int console_status_attr(const console *c, carve_status s)
{
	return c->colour ? (int)COLOR_PAIR(1 + (int)s) : 0;
}

const char *console_glyph(carve_status s)
{
	return glyph_status(s);
}

static void setup_colours(console *c)
{
	static const short fg[CARVE_STATUS__COUNT] = {
		[CARVE_STATUS_PENDING] = COLOR_WHITE, [CARVE_STATUS_RUNNING] = COLOR_CYAN,
		[CARVE_STATUS_OK] = COLOR_GREEN,      [CARVE_STATUS_WARN] = COLOR_YELLOW,
		[CARVE_STATUS_FAILED] = COLOR_RED,    [CARVE_STATUS_BLOCKED] = COLOR_MAGENTA,
		[CARVE_STATUS_SKIPPED] = COLOR_BLUE,  [CARVE_STATUS_INTERRUPTED] = COLOR_MAGENTA,
	};
	const char *no_colour = getenv("NO_COLOR");

	/* https://no-color.org: set and not empty. */
	c->colour = has_colors() && !(no_colour && *no_colour);
	if (!c->colour)
		return;
	start_color();
	use_default_colors();
	for (int s = 0; s < CARVE_STATUS__COUNT; s++)
		init_pair((short)(1 + s), fg[s], -1);
}

/* ---- the snapshot ---- */

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int take_event(const carve_event_row *row, void *ctx)
{
	console *c = ctx;
	log_line *l = &c->log[(c->log_head + c->log_count) % LOG_KEEP];
	const carve_event *e = &row->ev;

	if (c->log_count < LOG_KEEP)
		c->log_count++;
	else
		c->log_head = (c->log_head + 1) % LOG_KEEP;
	l->seq = row->seq;
	console_time(l->time, sizeof(l->time), row->time);
	out_textf(l->actor, sizeof(l->actor), "%s", e->actor ? e->actor : "");
	out_textf(l->chunk, sizeof(l->chunk), "%s", e->chunk ? e->chunk : "");
	out_textf(l->object, sizeof(l->object), "%s",
		 e->machine ? e->machine : e->user ? e->user : "");
	out_textf(l->where, sizeof(l->where), "%s%s%s", e->phase ? e->phase : "",
		 e->step ? "/" : "", e->step ? e->step : "");
	l->status = e->status;
	out_textf(l->text, sizeof(l->text), "%s", e->diagnosis ? e->diagnosis : "");
	c->last_seq = row->seq;
	return 0;
}

/* A machine's latest note, which stands or clears what stood. */
static int take_note(const carve_event_row *row, void *ctx)
{
	console *c = ctx;
	size_t i = row->ev.machine ? carve_plan_find_machine(c->plan, row->ev.machine) : CARVE_NONE;
	const char *kind = note_kind_of(row->ev.diagnosis);

	c->notes_seq = row->seq;
	if (i == CARVE_NONE)
		return 0;
	machine_note *n = &c->notes[i];
	n->kind = note_stands(kind) ? kind : NULL;
	out_textf(n->text, sizeof(n->text), "%s", row->ev.diagnosis ? row->ev.diagnosis : "");
	out_textf(n->by, sizeof(n->by), "%s", row->ev.actor ? row->ev.actor : "");
	console_time(n->time, sizeof(n->time), row->time);
	return 0;
}

/* Seconds from an audit log time to now; 0 for a time a moment ahead (the
 * log has milliseconds, time() only seconds). */
static double seconds_since(const char *t)
{
	double at = states_time(t), now = (double)time(NULL);

	return at < 0 || at > now ? 0 : now - at;
}

double console_chunk_elapsed(console *c, size_t chunk, bool finished)
{
	size_t n;
	const carve_chunk *chunks = carve_plan_chunks(c->plan, &n);
	chunk_span *sp = &c->spans[chunk];
	char first[32], last[32];

	if (!finished)
		sp->ended[0] = '\0'; /* retried since: it ends again later */
	/* When it began never changes once known; when it ended is taken the
	 * first time it is seen finished.  At most one look per read of the
	 * log, so drawing never waits for the database. */
	if ((!sp->began[0] || (finished && !sp->ended[0])) && c->audit &&
	    sp->looked != c->reloads) {
		sp->looked = c->reloads;
		if (carve_audit_chunk_span(first, last, c->audit, chunks[chunk].name) == 0 &&
		    first[0]) {
			snprintf(sp->began, sizeof(sp->began), "%s", first);
			if (finished)
				snprintf(sp->ended, sizeof(sp->ended), "%s", last);
		}
	}
	if (!sp->began[0])
		return -1;
	if (finished && sp->ended[0])
		return seconds_since(sp->began) - seconds_since(sp->ended);
	return seconds_since(sp->began);
}

/* Reads what changed: the log's new events on top of what is kept, and
 * what the view shows.  The grid and the machines' states are read again
 * only for a view that draws them, so the log view, say, does not pay for
 * them on every outcome. */
void console_reload(console *c)
{
	carve_log_filter f = c->log_filter.filter;
	char done[512];

	/* A run that ended is collected with the read that shows its end,
	 * whichever read that is. */
	if (runner_reap(&c->engine, done, sizeof(done)))
		snprintf(c->message, sizeof(c->message), "%s", done);

	if (!c->audit) {
		carve_audit_options o = CARVE_AUDIT_OPTIONS_INIT;
		o.read_only = true;
		if (carve_audit_open(&c->audit, c->db_path, &o) < 0)
			c->audit = NULL; /* not written yet: everything is pending */
	}
	c->grid_stale = c->machines_stale = true;
	c->reloads++; /* the chunks' times may be looked up again */
	if (c->audit) {
		f.after_seq = c->last_seq;
		/* a log that cannot be read says so: the screen must not pass
		 * for live when it is not */
		if (carve_audit_query(c->audit, &f, take_event, c) < 0 ||
		    carve_audit_notes(c->audit, c->notes_seq, take_note, c) < 0)
			snprintf(c->message, sizeof(c->message), "cannot read the log: %s",
				 carve_error_last()->message);
	}
	/* What the view draws is read now; the rest when a view needs it. */
	if (views[c->view]->needs & VIEW_NEEDS_GRID)
		console_grid(c);
	if (views[c->view]->needs & VIEW_NEEDS_MACHINES)
		console_machines(c);
	if (views[c->view]->open)
		views[c->view]->open(c);
	c->stale = false;
	c->reloaded_at = now_ms();
	c->dirty = true;
}

const carve_grid *console_grid(console *c)
{
	if (c->grid_stale) {
		carve_grid_done(&c->grid);
		if (carve_audit_grid(&c->grid, c->audit, c->plan) < 0) {
			/* The message says why; the grid shows the plan, all
			 * pending, until the log reads again. */
			snprintf(c->message, sizeof(c->message), "%s",
				 carve_error_last()->message);
			carve_audit_grid(&c->grid, NULL, c->plan);
		}
		c->grid_stale = false;
	}
	return &c->grid;
}

const carve_status *console_machines(console *c)
{
	if (c->machines_stale) {
		size_t n;
		states_machines(c->machine_status, c->plan, c->audit);
		carve_plan_machines(c->plan, &n);
		for (size_t i = 0; i < n; i++)
			if (c->notes[i].kind &&
			    glyph_urgency(CARVE_STATUS_WARN) < glyph_urgency(c->machine_status[i]))
				c->machine_status[i] = CARVE_STATUS_WARN;
		c->machines_stale = false;
	}
	return c->machine_status;
}

void console_reload_log(console *c)
{
	c->log_count = c->log_head = 0;
	c->log_top = 0;
	c->last_seq = 0;
	console_reload(c);
}

static bool changed(console *c)
{
	bool yes = false;

	if (!c->audit)
		return true; /* until the log exists, look for it */
	return carve_audit_changed(&yes, c->audit) == 0 && yes;
}

/* ---- the frame ---- */

static void draw_title(console *c, int cols)
{
	const carve_site *site = carve_plan_site(c->plan);
	char right[64];

	attron(A_REVERSE);
	mvhline(0, 0, ' ', cols);
	mvprintw(0, 1, "carve  %.*s", cols > 40 ? cols - 40 : 10, site->name);
	snprintf(right, sizeof(right), "%s%s ", views[c->view]->name,
		 c->role == ROLE_VIEWER ? "  [read-only]" : c->role == ROLE_FLOOR ? "  [floor]"
		 : "");
	mvaddstr(0, cols - (int)strlen(right), right);
	attroff(A_REVERSE);
}

static void draw_status(console *c, int rows, int cols)
{
	char hints[512];

	keys_hints(c, hints, sizeof(hints), cols > 2 ? (size_t)cols - 2 : 0);
	attron(A_REVERSE);
	mvhline(rows - 1, 0, ' ', cols);
	mvaddnstr(rows - 1, 1, c->message[0] ? c->message : hints, cols - 2);
	attroff(A_REVERSE);
}

/* The frame, not yet on the terminal. */
static void draw_frame(console *c)
{
	int rows = LINES, cols = COLS;

	erase();
	if (cols < MIN_COLS || rows < MIN_ROWS) {
		mvprintw(rows / 2, 0, "terminal too small: %dx%d, carve needs %dx%d", cols, rows,
			 MIN_COLS, MIN_ROWS);
	} else {
		draw_title(c, cols);
		views[c->view]->draw(c, 1, rows - 2, cols);
		draw_status(c, rows, cols);
	}
}

void console_draw(console *c)
{
	draw_frame(c);
	wnoutrefresh(stdscr);
	doupdate();
}

void console_heading(int y, int cols, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	attron(A_BOLD);
	mvaddnstr(y, 1, line, cols - 2);
	attroff(A_BOLD);
}

void console_state_line(state_line *s, const carve_state_row *row)
{
	out_textf(s->object, sizeof(s->object), "%s", row->object);
	s->user = strcmp(row->object_kind, "user") == 0;
	out_textf(s->chunk, sizeof(s->chunk), "%s", row->chunk ? row->chunk : "");
	out_textf(s->phase, sizeof(s->phase), "%s", row->phase);
	out_textf(s->step, sizeof(s->step), "%s", row->step);
	s->status = row->status;
	console_time(s->time, sizeof(s->time), row->time);
	out_textf(s->utc, sizeof(s->utc), "%s", row->time ? row->time : "");
	out_textf(s->actor, sizeof(s->actor), "%s", row->actor ? row->actor : "");
	out_textf(s->diagnosis, sizeof(s->diagnosis), "%s", row->diagnosis ? row->diagnosis : "");
	out_textf(s->evidence, sizeof(s->evidence), "%s", row->evidence ? row->evidence : "");
	s->seq = row->seq;
}

/* SIGINT (Ctrl-C) asks like Q; SIGTERM and SIGHUP (the terminal went
 * away) end the console the orderly way, so the terminal is restored and
 * a run is stopped cleanly. */
static volatile sig_atomic_t signalled;

static void on_signal(int sig)
{
	signalled = sig;
}

/* The question and the answer so far at the bottom: on the status line
 * when both fit, else the question wrapped on the lines above it. */
static void draw_question(const char *question, const char *answer)
{
	int width = COLS - 2 > 1 ? COLS - 2 : 1;
	int qlen = (int)strlen(question), alen = (int)strlen(answer);

	attron(A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	if (qlen + 1 + alen <= width) {
		mvprintw(LINES - 1, 1, "%s %s", question, answer);
	} else {
		/* wrapped at spaces, on the lines above the answer */
		int lines = (int)console_wrapped(0, 0, -1, question, (size_t)width);
		if (lines > LINES - 1)
			lines = LINES - 1;
		for (int k = 0; k < lines; k++)
			mvhline(LINES - 1 - lines + k, 0, ' ', COLS);
		console_wrapped(LINES - 1 - lines, 1, lines, question, (size_t)width);
		/* The end of the answer, where the typing is. */
		mvaddstr(LINES - 1, 1, alen > width ? answer + alen - width : answer);
	}
	attroff(A_REVERSE);
}

const char *console_windows(carve_os os)
{
	return os == CARVE_OS_XP ? "XP" : carve_os_name(os);
}

void console_moment(char *out, size_t cap, time_t t, bool brief)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(out, cap, brief ? "%m-%d %H:%M %Z" : "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(out, cap, "?");
}

void console_time(char *out, size_t cap, const char *utc)
{
	double t = utc ? states_time(utc) : -1;
	time_t when = (time_t)t;
	struct tm tm;

	if (t < 0 || !localtime_r(&when, &tm) ||
	    !strftime(out, cap, "%Y-%m-%d %H:%M:%S %Z", &tm))
		out_textf(out, cap, "%s", utc ? utc : "");
}

const char *console_zone(void)
{
	static char zone[16];
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || !strftime(zone, sizeof(zone), "%Z", &tm))
		snprintf(zone, sizeof(zone), "local time");
	return zone;
}

bool console_scroll_key(size_t *top, key_command cmd)
{
	long page = LINES - 4, at = (long)*top;

	switch (cmd) {
	case CMD_UP: at--; break;
	case CMD_DOWN: at++; break;
	case CMD_PAGE_UP: at -= page; break;
	case CMD_PAGE_DOWN: at += page; break;
	default: return false;
	}
	*top = at < 0 ? 0 : (size_t)at; /* the view's draw keeps it short of the end */
	return true;
}

size_t console_line_len(const char *p, size_t width)
{
	size_t n = strcspn(p, "\n");

	if (n <= width)
		return n;
	size_t cut = width;
	while (cut > width / 2 && p[cut] != ' ')
		cut--;
	if (p[cut] != ' ')
		for (cut = width; cut > 0 && ((unsigned char)p[cut] & 0xc0) == 0x80; cut--)
			;
	return cut;
}

size_t console_wrapped(int y, int x, int max_rows, const char *text, size_t width)
{
	size_t rows = 0;

	for (const char *p = text; *p && (max_rows < 0 || rows < (size_t)max_rows); rows++) {
		size_t n = console_line_len(p, width);
		if (max_rows >= 0 && n) /* addnstr with 0 would take the whole string */
			mvaddnstr(y + (int)rows, x, p, (int)n);
		p += n;
		if (*p == '\n' || *p == ' ')
			p++;
	}
	return rows;
}

static void wait_input(console *c);

/* The key answering a question.  While it waits the screen goes on showing
 * what happens (the log is read, the view drawn again under the question).
 * ERR for a signal (Ctrl-C cancels the question, the others are left for
 * the loop to end the console) or a terminal gone: so is the console. */
static int question_key(console *c, const char *question, const char *answer)
{
	for (;;) {
		draw_frame(c);
		draw_question(question, answer);
		wnoutrefresh(stdscr);
		doupdate();
		int key = getch(); /* timeout(0): a key typed, or none yet */
		if (key != ERR)
			return key;
		if (signalled == SIGINT) {
			signalled = 0;
			return ERR;
		}
		if (signalled || c->quit)
			return ERR;
		wait_input(c);
		if (c->quit)
			return ERR;
	}
}

int console_choose(console *c, const char *question)
{
	curs_set(1);
	int key = question_key(c, question, "");
	curs_set(0);
	timeout(0);
	c->dirty = true;
	return key;
}

bool console_confirm(console *c, const char *question)
{
	int key = console_choose(c, question);

	return key == 'y' || key == 'Y';
}

int console_prompt(console *c, const char *question, char *out, size_t cap)
{
	return console_prompt_completing(c, question, out, cap, NULL);
}

int console_prompt_completing(console *c, const char *question, char *out, size_t cap,
			      console_completer complete)
{
	size_t len = 0;
	int key, answered = -1;
	char shown[512], hint[256] = "";

	out[0] = '\0';
	curs_set(1);
	for (;;) {
		/* what Tab found, until the next key */
		snprintf(shown, sizeof(shown), "%s%s%s%s", hint[0] ? "(" : "", hint,
			 hint[0] ? ") " : "", question);
		if ((key = question_key(c, shown, out)) == ERR)
			break;
		hint[0] = '\0';
		if (key == '\t' && complete) {
			complete(c, out, cap, hint, sizeof(hint));
			len = strlen(out);
			continue;
		}
		if (key == 27 || key == 7 /* ^G */)
			break;
		if (key == '\r' || key == '\n' || key == KEY_ENTER) {
			answered = len > 0;
			break;
		}
		if (key == 21 /* ^U, as a shell's line */) {
			len = 0;
			out[0] = '\0';
		} else if ((key == KEY_BACKSPACE || key == 127 || key == 8) && len) {
			/* Back over one UTF-8 character. */
			do
				len--;
			while (len && ((unsigned char)out[len] & 0xc0) == 0x80);
			out[len] = '\0';
		} else if (key >= 0x20 && key < 0x100 && key != 127 && len + 1 < cap) {
			out[len++] = (char)key;
			out[len] = '\0';
		}
	}
	if (answered < 0)
		out[0] = '\0';
	curs_set(0);
	timeout(0);
	c->dirty = true; /* the lines the question took */
	return answered;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void handle_signal(console *c)
{
	int sig = signalled;

	if (!sig)
		return;
	signalled = 0;
	c->dirty = true;
	if (sig == SIGINT)
		action_quit(c);
	else if (sig)
		c->quit = true;
}

/* Waits for a key, the engine's wake-up or the next look at the log.
 * Outcomes that come close together are read once per MERGE_MS: once the
 * log is known to have changed, the engine's pipe is left alone until
 * then, so a burst costs one read and one frame, not one per outcome.
 * Keys go first: a read never starts while a key waits. */
static void wait_input(console *c)
{
	struct pollfd fds[2] = { { 0, POLLIN, 0 }, { c->engine.pipe[0], POLLIN, 0 } };
	long long due = c->reloaded_at + MERGE_MS - now_ms();
	int wait = LOOK_MS;

	if (c->stale) {
		fds[1].fd = -1;
		wait = due > 0 ? (int)due : 0;
	}
	if (poll(fds, 2, wait) < 0 && errno != EINTR)
		return;
	if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
		c->quit = true; /* the terminal is gone */
		return;
	}
	if (fds[1].revents & POLLIN) {
		runner_drain(&c->engine);
		c->stale = true;
	} else if (!c->stale && !(fds[0].revents & POLLIN) && changed(c)) {
		c->stale = true;
	}
	if (c->stale && !(fds[0].revents & POLLIN) && now_ms() - c->reloaded_at >= MERGE_MS)
		console_reload(c);
}

int console_init(console *c, const carve_plan *plan, const char *db_path,
		 console_role role)
{
	size_t n;

	memset(c, 0, sizeof(*c));
	c->plan = plan;
	c->db_path = db_path;
	c->role = role;
	c->machine = CARVE_NONE;
	carve_operator(c->who, sizeof(c->who));
	carve_plan_machines(plan, &n);
	c->machine_status = calloc(n ? n : 1, sizeof(*c->machine_status));
	c->notes = calloc(n ? n : 1, sizeof(*c->notes));
	carve_plan_chunks(plan, &n);
	c->spans = calloc(n ? n : 1, sizeof(*c->spans));
	c->log = calloc(LOG_KEEP, sizeof(*c->log));
	if (!c->machine_status || !c->notes || !c->spans || !c->log ||
	    runner_init(&c->engine, plan, db_path) < 0) {
		free(c->machine_status);
		free(c->notes);
		free(c->spans);
		free(c->log);
		return -1;
	}
	return 0;
}

void console_start_screen(console *c)
{
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	mousemask(0, NULL);
	timeout(0);
	setup_colours(c);
	console_reload(c);
	changed(c);
}

void console_done(console *c)
{
	runner_done(&c->engine);
	carve_grid_done(&c->grid);
	carve_audit_free(c->audit);
	free(c->machine_status);
	free(c->notes);
	free(c->spans);
	free(c->log);
	for (int v = 0; v < VIEW__COUNT; v++)
		if (views[v]->done)
			views[v]->done(c);
}

int console_run(const carve_plan *plan, const char *db_path, console_role role,
		const char *start_chunk, bool mouse)
{
	console c;

	if (console_init(&c, plan, db_path, role) < 0) {
		fputs("carve: out of memory\n", stderr);
		return 4;
	}
	SCREEN *screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		fputs("carve: this terminal cannot run the console (is TERM set?)\n", stderr);
		console_done(&c);
		return 4;
	}
	console_start_screen(&c);
	catch_signals();
	c.mouse = mouse;
	if (mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	if (start_chunk) {
		c.grid_chunk = carve_plan_find_chunk(plan, start_chunk);
		action_start(&c, true, false);
	}
	for (time_t drawn = 0; !c.quit;) {
		/* A frame when something changed, and each second for the
		 * clocks on the grid. */
		if (c.dirty || time(NULL) != drawn) {
			console_draw(&c);
			c.dirty = false;
			drawn = time(NULL);
		}
		wait_input(&c);
		handle_signal(&c);
		/* Every key that arrived, then one frame. */
		for (int key; !c.quit && (key = getch()) != ERR;) {
			c.dirty = true;
			if (key == KEY_RESIZE) {
				/* ncurses has the new size: the next frame uses it */
				for (int v = 0; v < VIEW__COUNT; v++)
					if (views[v]->resize)
						views[v]->resize(&c);
				continue;
			}
			c.message[0] = '\0';
			keys_dispatch(&c, key);
		}
	}
	endwin();
	delscreen(screen);
	console_done(&c);
	return 0;
}
