/*
 * view_floor.c - the floor map: the plan's drawing with every machine at
 * its place, shown by the glyph and colour of its most urgent status.
 * Arrows and hjkl move to the nearest machine that way, Tab to the next
 * problem machine (on any floor), PgUp/PgDn between floors.  The drawing
 * scrolls to keep the selected machine in view.
 */
#define _GNU_SOURCE /* strcasestr */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "glyph.h"
#include "map.h"
#include "states.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool problem(carve_status s)
{
	return s == CARVE_STATUS_FAILED || s == CARVE_STATUS_INTERRUPTED ||
	       s == CARVE_STATUS_BLOCKED || s == CARVE_STATUS_WARN;
}

bool view_floor_matches(console *c, size_t i)
{
	size_t n, n_chunks;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	const carve_chunk *ch = carve_plan_chunks(c->plan, &n_chunks);

	size_t n_users, n_floors;
	const carve_user *u = carve_plan_users(c->plan, &n_users);
	const carve_floor *fl = carve_plan_floors(c->plan, &n_floors);
	char desk[64];
	unsigned start, len;

	if (!c->filter[0] || !strcasecmp(ch[m[i].chunk].name, c->filter) ||
	    !strcmp(carve_status_name(console_machines(c)[i]), c->filter) ||
	    strcasestr(m[i].name, c->filter))
		return true;
	/* the floor asks by desk ("P02") and by person ("fatima") too */
	if (m[i].user != CARVE_NONE && m[i].user < n_users &&
	    (strcasestr(u[m[i].user].name, c->filter) ||
	     (u[m[i].user].display_name && strcasestr(u[m[i].user].display_name, c->filter))))
		return true;
	return m[i].floor < n_floors &&
	       floor_label(&fl[m[i].floor], m[i].x, m[i].y, &start, &len, desk, sizeof(desk)) &&
	       !strcasecmp(desk, c->filter);
}

void view_floor_find(console *c)
{
	size_t n;
	const carve_machine *m = carve_plan_machines(c->plan, &n);

	/* the selected machine if it matches, else the first that does, on
	 * whatever floor it is */
	if (c->machine < n && view_floor_matches(c, c->machine))
		return;
	for (size_t i = 0; i < n; i++)
		if (view_floor_matches(c, i)) {
			c->machine = i;
			c->floor = m[i].floor;
			return;
		}
}

/* Desks are a few columns apart in a row and two rows apart: a step
 * between rows costs about as much as crossing three desks. */
static long distance(const carve_machine *a, const carve_machine *b)
{
	return labs((long)a->x - (long)b->x) + 6 * labs((long)a->y - (long)b->y);
}

/* The floor's problem machines in walking order: from start (NULL: the
 * drawing's top left), each time the nearest not yet walked to.  *count
 * of them into order (n long). */
static void walking_order(console *c, size_t floor, const carve_machine *start, size_t *order,
			  size_t *count)
{
	size_t n;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	const carve_machine corner = { .x = 0, .y = 0 };
	const carve_machine *from = start ? start : &corner;
	bool *taken = calloc(n ? n : 1, sizeof(*taken));

	*count = 0;
	for (;;) {
		size_t best = CARVE_NONE;
		for (size_t i = 0; taken && i < n; i++)
			if (!taken[i] && m[i].floor == floor && problem(console_machines(c)[i]) &&
			    view_floor_matches(c, i) &&
			    (best == CARVE_NONE || distance(from, &m[i]) < distance(from, &m[best])))
				best = i;
		if (best == CARVE_NONE)
			break;
		taken[best] = true;
		order[(*count)++] = best;
		from = &m[best];
	}
	free(taken);
}

static void walk(console *c)
{
	size_t n;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	size_t here = view_floor_selected(c);

	free(c->walk);
	c->walk = NULL;
	if (c->walk_count) {
		c->walk_count = 0;
		snprintf(c->message, sizeof(c->message), "walking order off");
		return;
	}
	if (here == CARVE_NONE || !(c->walk = calloc(n, sizeof(*c->walk))))
		return;
	walking_order(c, c->floor, &m[here], c->walk, &c->walk_count);
	snprintf(c->message, sizeof(c->message), "%zu problem machine%s to walk to from %s",
		 c->walk_count, c->walk_count == 1 ? "" : "s", m[here].name);
}

/* The selected machine, or the first one on the floor. */
size_t view_floor_selected(console *c)
{
	size_t n;
	const carve_machine *m = carve_plan_machines(c->plan, &n);

	if (c->machine < n && m[c->machine].floor == c->floor)
		return c->machine;
	for (size_t i = 0; i < n; i++)
		if (m[i].floor == c->floor)
			return c->machine = i;
	return CARVE_NONE;
}

/* What a desk shows where there is room: the floor note that stands on
 * the machine (note) first, then its name, or its user's (u). */
static const char *desk_text(console *c, size_t i, bool note)
{
	size_t n, n_users;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	const carve_user *u = carve_plan_users(c->plan, &n_users);

	if (note)
		return c->notes[i].kind;
	if (c->desk_users)
		return m[i].user != CARVE_NONE && m[i].user < n_users ? u[m[i].user].name : "";
	return m[i].name;
}

/* Floor f's drawing in area rows from top, scrolled down dy rows and
 * across *scroll columns (NULL: none), widened when the screen has room:
 * each machine at its place, the label kept, the glyph beside it, and
 * where there is room its name (or user, or standing floor note).  The
 * map scrolls across only when the selected machine would leave the
 * screen, and then brings it to the middle. */
static void draw_map(console *c, size_t f, int top, int area, int cols, int *scroll, int dy,
		     size_t sel)
{
	size_t n_floors, n;
	const carve_floor *fl = &carve_plan_floors(c->plan, &n_floors)[f];
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	floor_canvas cv;
	char row[2048];

	if (map_build(&cv, fl, map_scale(fl, cols)) < 0)
		return;
	/* every glyph's cell first, so no name is written over one */
	int *glyph = malloc((n ? n : 1) * sizeof(*glyph));
	for (size_t i = 0; glyph && i < n; i++)
		glyph[i] = m[i].floor == f ? map_glyph(&cv, fl, &m[i]) : -1;
	if (!glyph) {
		map_done(&cv);
		return;
	}
	if (scroll && sel < n && m[sel].floor == f &&
	    (glyph[sel] < *scroll || glyph[sel] + 2 >= *scroll + cols))
		*scroll = glyph[sel] + 2 >= cols ? glyph[sel] - cols / 2 : 0;
	int dx = scroll ? *scroll : 0;
	/* the walking order's numbers go right after the glyphs */
	for (size_t k = 0; f == c->floor && k < c->walk_count; k++) {
		char number[24];
		size_t i = c->walk[k];
		map_take(&cv, m[i].y, glyph[i] + 1,
			 snprintf(number, sizeof(number), "%zu", k + 1));
	}
	typedef struct { size_t machine; bool note; int y, x; } name_at;
	name_at *names = malloc((n ? 2 * n : 1) * sizeof(*names));
	size_t named = 0;
	/* names only on a widened drawing: squeezed between desks drawn for
	 * labels, a name is as likely read as its neighbour's.  A standing
	 * note is placed first: where only one fits, the note is what the
	 * lead needs to see (the status line names the machine) */
	for (size_t i = 0; names && cv.scale > 1 && i < n; i++) {
		unsigned start, len;
		int y, x;
		if (m[i].floor != f)
			continue;
		int label = floor_label(fl, m[i].x, m[i].y, &start, &len, NULL, 0)
			    ? map_col(&cv, m[i].y, start) : glyph[i];
		for (int note = c->notes[i].kind ? 1 : 0; note >= 0; note--)
			if (map_place(&cv, m[i].y, glyph[i], label, desk_text(c, i, note), &y, &x))
				names[named++] = (name_at){ i, note, y, x };
	}
	for (int r = 0; r < area && (size_t)(r + dy) < cv.rows; r++) {
		map_row(&cv, (size_t)(r + dy), (size_t)dx, (size_t)cols, row, sizeof(row));
		mvaddstr(top + r, 0, row);
	}
	/* a standing note and the selected machine's name stand out */
	for (size_t k = 0; k < named; k++) {
		size_t i = names[k].machine;
		int y = names[k].y - dy, x = names[k].x - dx;
		if ((i != sel && !names[k].note) || y < 0 || y >= area || x < 0 || x >= cols)
			continue;
		int attr = names[k].note ? console_status_attr(c, CARVE_STATUS_WARN) : (int)A_BOLD;
		attron(attr);
		mvaddnstr(top + y, x, desk_text(c, i, names[k].note), cols - x);
		attroff(attr);
	}
	for (size_t k = 0; f == c->floor && k < c->walk_count; k++) {
		size_t i = c->walk[k];
		int y = (int)m[i].y - dy, x = glyph[i] + 1 - dx;
		if (y >= 0 && y < area && x >= 0 && x + 2 < cols) {
			attron(A_BOLD);
			mvprintw(top + y, x, "%zu", k + 1);
			attroff(A_BOLD);
		}
	}
	for (size_t i = 0; i < n; i++) {
		int y = (int)m[i].y - dy, x = glyph[i] - dx;
		if (m[i].floor != f || y < 0 || y >= area)
			continue;
		int attr = console_status_attr(c, console_machines(c)[i]) |
			   (i == sel ? A_REVERSE | A_BOLD : 0) |
			   (view_floor_matches(c, i) ? 0 : A_DIM);
		char label[64];
		unsigned start, len;
		attron(attr);
		/* the drawing's label stays, in the status's colour */
		if (floor_label(fl, m[i].x, m[i].y, &start, &len, label, sizeof(label))) {
			int lx = map_col(&cv, m[i].y, start) - dx;
			if (lx >= 0 && lx < cols)
				mvaddnstr(top + y, lx, label, cols - lx);
		}
		if (x >= 0 && x < cols)
			mvaddstr(top + y, x, view_floor_matches(c, i)
				 ? console_glyph(console_machines(c)[i]) : " ");
		attroff(attr);
	}
	free(names);
	free(glyph);
	map_done(&cv);
}

static size_t floor_problems(console *c, size_t f)
{
	size_t n, problems = 0;
	const carve_machine *m = carve_plan_machines(c->plan, &n);

	for (size_t i = 0; i < n; i++)
		problems += m[i].floor == f && problem(console_machines(c)[i]);
	return problems;
}

static void floor_draw(console *c, int top, int rows, int cols)
{
	size_t n_floors, n;
	const carve_floor *floors = carve_plan_floors(c->plan, &n_floors);
	const carve_floor *fl = &floors[c->floor];
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	size_t sel = view_floor_selected(c), problems = floor_problems(c, c->floor);
	int area = rows - 2; /* a heading above, the machine's line below */

	/* on a tall terminal the floors after this one follow, whole, while
	 * they fit: the room used, the selected floor first */
	if ((size_t)area > fl->row_count + 2)
		area = (int)fl->row_count;
	/* which floor of how many first: a long title is what gets cut */
	console_heading(top, cols, "%s (floor %zu of %zu, %zu problem machine%s%s)%s%s  %s",
			fl->name, c->floor + 1, n_floors, problems, problems == 1 ? "" : "s",
			n_floors > 1 ? "; PgUp/PgDn" : "", c->filter[0] ? "  filter: " : "",
			c->filter, fl->title ? fl->title : "");

	/* Scroll down only when the selected machine would leave the
	 * screen, and then bring it to the middle (across: draw_map). */
	if (sel != CARVE_NONE) {
		int y = (int)m[sel].y;
		if (y < c->floor_dy || y >= c->floor_dy + area)
			c->floor_dy = y >= area ? y - area / 2 : 0;
	}
	draw_map(c, c->floor, top + 1, area, cols, &c->floor_dx, c->floor_dy, sel);
	int y = top + 1 + area + 1;
	for (size_t k = 1; k < n_floors; k++) {
		size_t f = (c->floor + k) % n_floors;
		if (y + 1 + (int)floors[f].row_count > top + rows - 1)
			break;
		size_t more = floor_problems(c, f);
		console_heading(y, cols, "%s%s%s  (floor %zu of %zu, %zu problem machine%s;"
				" PgDn goes there)", floors[f].name, floors[f].title ? ": " : "",
				floors[f].title ? floors[f].title : "", f + 1, n_floors, more,
				more == 1 ? "" : "s");
		draw_map(c, f, y + 1, (int)floors[f].row_count, cols, NULL, 0, CARVE_NONE);
		y += 2 + (int)floors[f].row_count;
	}
	if (sel != CARVE_NONE) {
		size_t n_chunks, n_users;
		const carve_chunk *ch = carve_plan_chunks(c->plan, &n_chunks);
		const carve_user *u = carve_plan_users(c->plan, &n_users);
		char line[512];
		char desk[64], where[96];
		unsigned start, len;
		if (floor_label(fl, m[sel].x, m[sel].y, &start, &len, desk, sizeof(desk)))
			snprintf(where, sizeof(where), "desk %s", desk);
		else
			snprintf(where, sizeof(where), "at column %u row %u", m[sel].x + 1,
				 m[sel].y + 1);
		/* a standing floor note first: it is what the floor needs */
		char noted[256] = "";
		if (c->notes[sel].kind)
			snprintf(noted, sizeof(noted), "noted %s by %s at %s, ", c->notes[sel].text,
				 c->notes[sel].by, c->notes[sel].time);
		snprintf(line, sizeof(line), "%s %s  %s%s, chunk %s, Windows %s, %s",
			 console_glyph(console_machines(c)[sel]), m[sel].name, noted,
			 carve_status_name(console_machines(c)[sel]), ch[m[sel].chunk].name,
			 console_windows(m[sel].os), where);
		if (m[sel].user != CARVE_NONE)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ", user %s",
				 u[m[sel].user].name);
		mvaddnstr(top + rows - 1, 1, line, cols - 2);
	}
}

/* PgUp/PgDn: the floor above or below. */
static void change_floor(console *c, int by)
{
	size_t n_floors;
	long f = (long)c->floor + by;

	carve_plan_floors(c->plan, &n_floors);
	if (f >= 0 && (size_t)f < n_floors) {
		c->floor = (size_t)f;
		c->machine = CARVE_NONE;
	}
}

static void floor_move(console *c, int dx, int dy)
{
	size_t n;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	size_t sel = view_floor_selected(c), best = CARVE_NONE;
	long best_score = 0;

	if (sel == CARVE_NONE)
		return;
	/* The nearest machine in that direction, sideways distance counting
	 * double so a move stays in its row or column when it can. */
	for (size_t i = 0; i < n; i++) {
		if (i == sel || m[i].floor != c->floor)
			continue;
		long ddx = (long)m[i].x - (long)m[sel].x, ddy = (long)m[i].y - (long)m[sel].y;
		long along = dx ? ddx * dx : ddy * dy, across = dx ? labs(ddy) : labs(ddx);
		if (along <= 0)
			continue;
		long score = along + 2 * across * (dx ? 6 : 1);
		if (best == CARVE_NONE || score < best_score) {
			best = i;
			best_score = score;
		}
	}
	if (best != CARVE_NONE)
		c->machine = best;
}

static void floor_click(console *c, int x, int y)
{
	size_t n, n_floors;
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	const carve_floor *fl = &carve_plan_floors(c->plan, &n_floors)[c->floor];

	/* The drawing starts under the heading; a click may land beside the
	 * glyph, inside the desk. */
	floor_canvas cv;
	y += c->floor_dy;
	x += c->floor_dx;
	if (map_build(&cv, fl, map_scale(fl, COLS)) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned start = m[i].x, len = 1;
		if (m[i].floor != c->floor || (int)m[i].y != y - 2)
			continue;
		int glyph = map_glyph(&cv, fl, &m[i]);
		floor_label(fl, m[i].x, m[i].y, &start, &len, NULL, 0);
		int from = map_col(&cv, m[i].y, start);
		/* on the label, its glyph, or a column beside them */
		if ((x >= from - 1 && x <= from + (int)len) || abs(x - glyph) <= 1) {
			c->machine = i;
			break;
		}
	}
	map_done(&cv);
}

void view_floor_next_problem(console *c)
{
	size_t n, n_floors, count = 0;
	const carve_machine *m = carve_plan_machines(c->plan, &n);

	carve_plan_floors(c->plan, &n_floors);
	/* w's order when it is shown: the next stop after this machine */
	if (c->walk_count) {
		size_t k = 0;
		while (k < c->walk_count && c->walk[k] != c->machine)
			k++;
		c->machine = c->walk[k < c->walk_count ? (k + 1) % c->walk_count : 0];
		c->floor = m[c->machine].floor;
		return;
	}
	/* else the same order, this floor first, then the next floors */
	size_t *order = calloc(n ? n : 1, sizeof(*order));
	for (size_t f = 0; order && f < n_floors; f++) {
		size_t floor = (c->floor + f) % n_floors;
		walking_order(c, floor, NULL, order, &count);
		size_t k = 0;
		if (f == 0 && c->machine < n && m[c->machine].floor == floor) {
			while (k < count && order[k] != c->machine)
				k++;
			k = k < count ? k + 1 : 0; /* after this machine */
		}
		if (k < count) {
			c->machine = order[k];
			c->floor = floor;
			free(order);
			return;
		}
	}
	/* round again on this floor, from its first stop */
	if (order && n_floors) {
		walking_order(c, c->floor, NULL, order, &count);
		if (count && order[0] != c->machine) {
			c->machine = order[0];
			free(order);
			return;
		}
	}
	free(order);
	snprintf(c->message, sizeof(c->message), c->machine < n &&
		 problem(console_machines(c)[c->machine]) ? "no other problem machine"
		 : "no problem machines");
}

static bool floor_key(console *c, key_command cmd)
{
	switch (cmd) {
	case CMD_BACK:
		/* Esc on a filtered map clears the filter first */
		if (!c->filter[0])
			return false;
		c->filter[0] = '\0';
		snprintf(c->message, sizeof(c->message), "no filter");
		break;
	case CMD_LEFT: floor_move(c, -1, 0); break;
	case CMD_RIGHT: floor_move(c, 1, 0); break;
	case CMD_UP: floor_move(c, 0, -1); break;
	case CMD_DOWN: floor_move(c, 0, 1); break;
	case CMD_PAGE_UP: change_floor(c, -1); break;
	case CMD_PAGE_DOWN: change_floor(c, 1); break;
	case CMD_OPEN:
		if (view_floor_selected(c) != CARVE_NONE)
			console_show(c, VIEW_DETAIL);
		break;
	case CMD_WALK: walk(c); break;
	case CMD_DESK_USERS:
		c->desk_users = !c->desk_users;
		snprintf(c->message, sizeof(c->message), "desks name their %s where there is room",
			 c->desk_users ? "users" : "machines");
		break;
	case CMD_NOTE:
		view_floor_selected(c);
		action_note(c);
		break;
	case CMD_FILTER: action_filter(c); break;
	default: return false;
	}
	return true;
}

/* The drawing is placed again around the selected machine. */
static void floor_resize(console *c)
{
	c->floor_dx = c->floor_dy = 0;
}

static void floor_done(console *c)
{
	free(c->walk);
	c->walk = NULL;
	c->walk_count = 0;
}

const view_ops view_floor = {
	.name = "floor map",
	.needs = VIEW_NEEDS_MACHINES,
	.draw = floor_draw,
	.key = floor_key,
	.resize = floor_resize,
	.click = floor_click,
	.done = floor_done,
};
