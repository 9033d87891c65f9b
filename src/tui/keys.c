/*
 * keys.c - the console's key table: what each key does in which views,
 * whether it writes to the log, and its help line.  keys_dispatch() is
 * the only place a key is acted on, so read-only mode is enforced here and
 * the help (view_help.c) is generated from the same table.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <stdio.h>

#define ALL ((1u << VIEW__COUNT) - 1)
#define IN(v) (1u << (v))

static void go(console *c, view_id v)
{
	if (c->view != v)
		c->back = c->view;
	c->view = v;
}

static void open_view(console *c, view_id v)
{
	go(c, v);
	console_reload(c); /* the detail and triage rows */
}

static void do_help(console *c) { go(c, VIEW_HELP); }
static void do_triage(console *c) { open_view(c, VIEW_TRIAGE); }
static void do_teardown(console *c) { go(c, VIEW_TEARDOWN); }
static void do_retry_step(console *c) { action_retry_step(c); }
static void do_skip_step(console *c) { action_skip_step(c); }
static void do_signoff(console *c) { action_signoff(c); }
static void do_verify(console *c) { action_verify_teardown(c); }
static void do_filter(console *c) { action_filter(c); }
static void do_command(console *c) { action_command(c); }
static void do_walk(console *c) { view_floor_walk(c); }
static void do_grid(console *c) { go(c, VIEW_GRID); }
static void do_floor(console *c) { go(c, VIEW_FLOOR); }
static void do_log(console *c) { go(c, VIEW_LOG); }

static void do_back(console *c)
{
	if (c->view == VIEW_GRID)
		action_quit(c);
	else
		c->view = c->back != c->view ? c->back : VIEW_GRID;
	c->back = VIEW_GRID;
}

static void do_quit(console *c) { action_quit(c); }
static void do_start(console *c) { action_start(c, false, false); }
static void do_start_all(console *c) { action_start(c, true, false); }
static void do_retry(console *c) { action_start(c, false, true); }
static void do_pause(console *c) { action_pause(c); }
static void do_skip(console *c) { action_skip(c); }
static void do_note(console *c) { action_note(c); }
static void do_redraw(console *c) { (void)c; clearok(curscr, TRUE); }

/* A list cursor moved by dy within count rows. */
static void list_move(size_t *row, size_t count, int dy)
{
	long r = (long)*row + dy;

	*row = r < 0 || !count ? 0 : (size_t)r >= count ? count - 1 : (size_t)r;
}

static void move_by(console *c, int dx, int dy)
{
	size_t n;

	switch (c->view) {
	case VIEW_GRID: view_grid_move(c, dx, dy); break;
	case VIEW_FLOOR: view_floor_move(c, dx, dy); break;
	case VIEW_LOG: view_log_scroll(c, -dy); break;
	case VIEW_LIST: list_move(&c->cell_row, c->cell_count, dy); break;
	case VIEW_DETAIL: list_move(&c->step, c->step_count, dy); break;
	case VIEW_TRIAGE: list_move(&c->group, c->group_count, dy); break;
	case VIEW_TEARDOWN:
		carve_plan_teardown(c->plan, &n);
		list_move(&c->item, n, dy);
		break;
	default: break;
	}
}

static void do_left(console *c) { move_by(c, -1, 0); }
static void do_right(console *c) { move_by(c, 1, 0); }
static void do_up(console *c) { move_by(c, 0, -1); }
static void do_down(console *c) { move_by(c, 0, 1); }

static void do_page_up(console *c)
{
	if (c->view == VIEW_LOG)
		view_log_scroll(c, LINES - 4);
	else if (c->view == VIEW_FLOOR)
		view_floor_move(c, 0, -1000);
}

static void do_page_down(console *c)
{
	if (c->view == VIEW_LOG)
		view_log_scroll(c, -(LINES - 4));
	else if (c->view == VIEW_FLOOR)
		view_floor_move(c, 0, 1000);
}

static void do_next_problem(console *c)
{
	go(c, VIEW_FLOOR);
	view_floor_next_problem(c);
}

/* The machine of object (a machine, or a user's machine) in the detail
 * view; false (with a message) when there is none. */
static bool open_machine(console *c, const char *object, bool user)
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
	c->machine = i;
	c->floor = m[i].floor;
	open_view(c, VIEW_DETAIL);
	return true;
}

/* Enter: on the grid, the cell's machines or users; in that list, on the
 * map and in triage, the machine's detail. */
static void do_open(console *c)
{
	size_t n;
	carve_plan_machines(c->plan, &n);

	if (c->view == VIEW_FLOOR && view_floor_selected(c) < n) {
		open_view(c, VIEW_DETAIL);
		return;
	}
	if (c->view == VIEW_TRIAGE && c->group < c->group_count) {
		const state_line *s = &c->failures[c->groups[c->group].first];
		open_machine(c, s->object, s->user);
	} else if (c->view == VIEW_LIST && c->cell_row < c->cell_count) {
		open_machine(c, c->cell[c->cell_row].object, c->cell[c->cell_row].user);
	} else if (c->view == VIEW_GRID) {
		if (c->grid_phase == CARVE_PHASE_TEARDOWN)
			go(c, VIEW_TEARDOWN);
		else
			open_view(c, VIEW_LIST);
	}
}

static const key_binding table[] = {
	{ '?', "?", ALL, false, "this help", do_help },
	{ 'g', "g", ALL, false, "the chunk grid (home)", do_grid },
	{ 'f', "f", ALL, false, "the floor map", do_floor },
	{ 'L', "L", ALL, false, "the audit log's tail", do_log },
	{ 't', "t", ALL, false, "triage: every failure by cause, most common first", do_triage },
	{ 'T', "T", ALL, false, "the teardown checklist", do_teardown },
	{ '\t', "Tab", ALL, false, "next problem machine on the floor map", do_next_problem },
	{ 'w', "w", IN(VIEW_FLOOR), false, "walking order through the floor's problem machines,"
	  " nearest first from the selected one (again: off)", do_walk },
	{ '/', "/", IN(VIEW_FLOOR) | IN(VIEW_LOG), false, "filter by chunk, status or name",
	  do_filter },
	{ ':', ":", ALL, false, "command: machine NAME, chunk NAME, floor NAME, help, quit",
	  do_command },
	{ '\r', "Enter", IN(VIEW_GRID) | IN(VIEW_FLOOR) | IN(VIEW_TRIAGE) | IN(VIEW_LIST), false,
	  "open: a cell's machines or users, a machine, a cause's first machine", do_open },
	{ KEY_ENTER, "Enter", IN(VIEW_GRID) | IN(VIEW_FLOOR) | IN(VIEW_TRIAGE) | IN(VIEW_LIST),
	  false, NULL, do_open },
	{ KEY_LEFT, "Left/h", ALL, false, "move left", do_left },
	{ 'h', "h", ALL, false, NULL, do_left },
	{ KEY_RIGHT, "Right/l", IN(VIEW_GRID) | IN(VIEW_FLOOR), false, "move right", do_right },
	{ 'l', "l", IN(VIEW_GRID) | IN(VIEW_FLOOR), false, NULL, do_right },
	{ KEY_UP, "Up/k", ALL, false, "move up (log: older)", do_up },
	{ 'k', "k", ALL, false, NULL, do_up },
	{ KEY_DOWN, "Down/j", ALL, false, "move down (log: newer)", do_down },
	{ 'j', "j", ALL, false, NULL, do_down },
	{ KEY_PPAGE, "PgUp", IN(VIEW_LOG) | IN(VIEW_FLOOR), false,
	  "log: a page older; floor map: the floor above", do_page_up },
	{ KEY_NPAGE, "PgDn", IN(VIEW_LOG) | IN(VIEW_FLOOR), false,
	  "log: a page newer; floor map: the floor below", do_page_down },
	{ 's', "s", IN(VIEW_GRID), true, "start the selected phase for the chunk", do_start },
	{ 'a', "a", IN(VIEW_GRID), true, "start every phase for the chunk, in order", do_start_all },
	{ 'r', "r", IN(VIEW_GRID), true, "retry what failed in the selected phase", do_retry },
	{ 'p', "p", ALL, true, "pause the run: what runs finishes, nothing new starts",
	  do_pause },
	{ 'x', "x", IN(VIEW_GRID), true, "skip the selected phase for the chunk (asks why)",
	  do_skip },
	{ 'n', "n", IN(VIEW_FLOOR) | IN(VIEW_DETAIL), true,
	  "a floor note on the selected machine (asks what)", do_note },
	{ 'r', "r", IN(VIEW_DETAIL), true, "run the selected step's phase again for this machine",
	  do_retry_step },
	{ 'x', "x", IN(VIEW_DETAIL), true, "skip the selected step's phase for this machine"
	  " (asks why)", do_skip_step },
	{ 'o', "o", IN(VIEW_DETAIL) | IN(VIEW_TEARDOWN), true,
	  "sign off the teardown item or ActiveSync step (asks for a note)", do_signoff },
	{ 'v', "v", IN(VIEW_TEARDOWN), true, "verify what carve can check (the log, DNS)",
	  do_verify },
	{ 'q', "q", ALL, false, "back (on the grid: quit)", do_back },
	{ 27, "Esc", ALL & ~IN(VIEW_GRID), false, "back", do_back },
	{ 'Q', "Q", ALL, false, "quit (asks first while steps are running)", do_quit },
	{ 12, "^L", ALL, false, "redraw the screen", do_redraw },
	{ 0, NULL, 0, false, NULL, NULL },
};

const key_binding *keys_table(void)
{
	return table;
}

static void click(console *c)
{
	MEVENT e;

	if (getmouse(&e) != OK)
		return;
	if (c->view == VIEW_GRID)
		view_grid_click(c, e.x, e.y);
	else if (c->view == VIEW_FLOOR)
		view_floor_click(c, e.x, e.y);
}

void keys_dispatch(console *c, int key)
{
	if (key == KEY_MOUSE) {
		if (c->mouse)
			click(c);
		return;
	}
	for (const key_binding *b = table; b->name; b++) {
		if (b->key != key || !(b->views & IN(c->view)))
			continue;
		if (b->writes && c->read_only) {
			snprintf(c->message, sizeof(c->message),
				 "read-only: '%s' would change the audit log", b->name);
			return;
		}
		b->run(c);
		return;
	}
}
