/*
 * view_detail.c - one machine and its user: every step's current result
 * with its diagnosis, the selected step's evidence, and the audit trail
 * (steps, notes, sign-offs) newest last.  From here the lead retries or
 * skips a step, anyone not read-only writes a floor note or signs off a
 * person's step, and m shows the machine on the floor map.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "map.h"
#include "out.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	console *c;
	const char *machine, *user;
	size_t cap;
} detail_scan;

static int take_step(const carve_state_row *row, void *ctx)
{
	detail_scan *d = ctx;
	console *c = d->c;
	bool machine = !strcmp(row->object_kind, "machine") && !strcasecmp(row->object, d->machine);
	bool user = d->user && !strcmp(row->object_kind, "user") && !strcasecmp(row->object, d->user);

	if (!machine && !user)
		return 0;
	if (c->step_count == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 32;
		state_line *s = realloc(c->steps, cap * sizeof(*s));
		if (!s)
			return CARVE_ENOMEM;
		c->steps = s;
		c->step_cap = d->cap = cap;
	}
	console_state_line(&c->steps[c->step_count++], row);
	return 0;
}

static int take_trail(const carve_event_row *row, void *ctx)
{
	console *c = ctx;

	/* A ring: past LOG_KEEP events the oldest go, the newest stay. */
	log_line *l = &c->trail[(c->trail_head + c->trail_count) % LOG_KEEP];
	if (c->trail_count < LOG_KEEP)
		c->trail_count++;
	else
		c->trail_head = (c->trail_head + 1) % LOG_KEEP;
	memset(l, 0, sizeof(*l));
	l->seq = row->seq;
	console_time(l->time, sizeof(l->time), row->time);
	out_textf(l->actor, sizeof(l->actor), "%s", row->ev.actor ? row->ev.actor : "");
	out_textf(l->where, sizeof(l->where), "%s%s%s", row->ev.phase ? row->ev.phase : "",
		 row->ev.step ? "/" : "", row->ev.step ? row->ev.step : "");
	if (row->ev.kind && strcmp(row->ev.kind, "step") != 0)
		out_textf(l->where, sizeof(l->where), "%s", row->ev.kind);
	l->status = row->ev.status;
	out_textf(l->text, sizeof(l->text), "%s", row->ev.diagnosis ? row->ev.diagnosis : "");
	return 0;
}

/* Steps in the order the phases run, the machine's before its user's. */
static int by_phase(const void *a, const void *b)
{
	const state_line *x = a, *y = b;
	carve_phase px = CARVE_PHASE__COUNT, py = CARVE_PHASE__COUNT;

	carve_phase_parse(&px, x->phase);
	carve_phase_parse(&py, y->phase);
	if (px != py)
		return px < py ? -1 : 1;
	if (x->user != y->user)
		return x->user ? 1 : -1;
	return strcmp(x->step, y->step);
}

static void detail_open(console *c)
{
	size_t n, n_users;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	const carve_user *u = carve_plan_users(c->plan, &n_users);
	carve_log_filter f = CARVE_LOG_FILTER_INIT;

	/* The selected step, to find again in what is read. */
	char was[sizeof(c->want_step)] = "";
	if (c->want_step[0]) /* opened on a failure: that step */
		snprintf(was, sizeof(was), "%s", c->want_step);
	else if (c->step < c->step_count)
		snprintf(was, sizeof(was), "%s/%s/%s", c->steps[c->step].object,
			 c->steps[c->step].phase, c->steps[c->step].step);
	c->want_step[0] = '\0';
	c->step_count = 0;
	c->trail_count = c->trail_head = 0;
	if (c->machine >= n || !c->audit ||
	    (!c->trail && !(c->trail = calloc(LOG_KEEP, sizeof(*c->trail)))))
		return;
	/* steps grows as it is filled; it is kept between loads. */
	detail_scan d = { c, m[c->machine].name,
			  m[c->machine].user != CARVE_NONE ? u[m[c->machine].user].name : NULL,
			  c->step_cap };
	size_t n_chunks;
	const carve_chunk *chunks = carve_plan_chunks(c->plan, &n_chunks);
	/* Its rows and its user's are in its chunk: read only that chunk's. */
	carve_audit_states(c->audit, chunks[m[c->machine].chunk].name, take_step, &d);
	if (c->step_count) /* steps is NULL until a machine had one */
		qsort(c->steps, c->step_count, sizeof(*c->steps), by_phase);
	for (size_t i = 0; was[0] && i < c->step_count; i++) {
		char is[sizeof(was)];
		snprintf(is, sizeof(is), "%s/%s/%s", c->steps[i].object, c->steps[i].phase,
			 c->steps[i].step);
		if (!strcmp(is, was))
			c->step = i;
	}
	f.machine = m[c->machine].name;
	carve_audit_query(c->audit, &f, take_trail, c);
	if (c->step >= c->step_count)
		c->step = c->step_count ? c->step_count - 1 : 0;
}

static void detail_draw(console *c, int top, int rows, int cols)
{
	size_t n, n_chunks, n_users;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	const carve_chunk *ch = carve_plan_chunks(c->plan, &n_chunks);
	const carve_user *u = carve_plan_users(c->plan, &n_users);

	if (c->machine >= n) {
		mvaddstr(top + 1, 1, "no machine selected: pick one on the floor map (f)");
		return;
	}
	const carve_machine *mm = &m[c->machine];
	size_t n_floors;
	const carve_floor *fl = carve_plan_floors(c->plan, &n_floors);
	char desk[48] = "";
	unsigned start, len;
	if (mm->floor < n_floors &&
	    !floor_label(&fl[mm->floor], mm->x, mm->y, &start, &len, desk, sizeof(desk)))
		snprintf(desk, sizeof(desk), "%u,%u", mm->x + 1, mm->y + 1);
	console_heading(top, cols, "%s  %s  Windows %s  chunk %s  user %s  desk %s on %s",
			console_glyph(console_machines(c)[c->machine]), mm->name,
			console_windows(mm->os), ch[mm->chunk].name,
			mm->user != CARVE_NONE ? u[mm->user].name : "(none)", desk,
			mm->floor < n_floors ? fl[mm->floor].name : "?");

	int y = top + 2, steps_end = top + rows / 2;
	size_t first = console_scroll(&c->step_top, c->step, (size_t)(steps_end - y));
	if (!c->step_count)
		mvaddstr(y++, 3, "nothing recorded yet");
	for (size_t i = first; i < c->step_count && y < steps_end; i++, y++) {
		const state_line *s = &c->steps[i];
		char where[64];
		snprintf(where, sizeof(where), "%s%s/%s", s->user ? "user " : "", s->phase, s->step);
		if (i == c->step)
			attron(A_REVERSE);
		mvprintw(y, 1, "%s", i == c->step ? ">" : " ");
		attron(console_status_attr(c, s->status));
		addstr(console_glyph(s->status));
		attroff(console_status_attr(c, s->status));
		printw(" %-28.28s %-11s %.*s", where, carve_status_name(s->status),
		       cols - 46 > 0 ? cols - 46 : 0, s->diagnosis);
		if (i == c->step)
			attroff(A_REVERSE);
	}
	int t = steps_end + 1;
	if (c->step < c->step_count) {
		/* the selected step's diagnosis whole, wrapped (at 80 columns
		 * the list cuts it), then the start of its evidence; Enter
		 * shows everything */
		const state_line *s = &c->steps[c->step];
		size_t width = cols > 6 ? (size_t)cols - 4 : 2;
		mvprintw(steps_end, 1, "%s/%s, %s by %s (Enter: all of it):", s->phase, s->step,
			 s->time, s->actor);
		if (s->diagnosis[0])
			t += (int)console_wrapped(t, 3, 3, s->diagnosis, width);
		mvaddnstr(t++, 3, s->evidence[0] ? s->evidence : "no evidence", cols - 4);
	}
	t++;
	attron(A_BOLD);
	mvprintw(t++, 1, "audit trail (times %s)", console_zone());
	attroff(A_BOLD);
	size_t show = (size_t)(top + rows - t);
	size_t oldest = c->trail_count > show ? c->trail_count - show : 0;
	for (size_t i = oldest; i < c->trail_count && t < top + rows; i++, t++) {
		const log_line *l = &c->trail[(c->trail_head + i) % LOG_KEEP];
		mvprintw(t, 1, "%.8s ", l->time + 11);
		attron(console_status_attr(c, l->status));
		addstr(console_glyph(l->status));
		attroff(console_status_attr(c, l->status));
		printw(" %-10.10s %-22.22s %.*s", l->actor, l->where, cols - 46 > 0 ? cols - 46 : 0,
		       l->text);
	}
}

static bool detail_key(console *c, key_command cmd)
{
	int page = LINES / 2 - 3;

	switch (cmd) {
	case CMD_UP: console_list_move(&c->step, c->step_count, -1); break;
	case CMD_DOWN: console_list_move(&c->step, c->step_count, 1); break;
	case CMD_PAGE_UP: console_list_move(&c->step, c->step_count, -page); break;
	case CMD_PAGE_DOWN: console_list_move(&c->step, c->step_count, page); break;
	case CMD_RETRY: action_retry_step(c); break;
	case CMD_SKIP: action_skip_step(c); break;
	case CMD_SKIP_REST: action_skip_rest(c); break;
	case CMD_NOTE: action_note(c); break;
	case CMD_SIGNOFF: action_signoff(c); break;
	case CMD_MAP: console_show_machine(c, c->machine, VIEW_FLOOR); break;
	case CMD_OPEN:
		if (c->step < c->step_count) {
			const state_line *s = &c->steps[c->step];
			char title[160];
			snprintf(title, sizeof(title), "%s %s/%s", s->object, s->phase, s->step);
			console_page_event(c, s->seq, title);
		}
		break;
	default: return false;
	}
	return true;
}

static void detail_done(console *c)
{
	free(c->steps);
	free(c->trail);
	c->steps = NULL;
	c->trail = NULL;
	c->step_count = c->step_cap = c->trail_count = c->trail_head = 0;
}

const view_ops view_detail = {
	.name = "machine",
	.needs = VIEW_NEEDS_MACHINES,
	.open = detail_open,
	.draw = detail_draw,
	.key = detail_key,
	.done = detail_done,
};
