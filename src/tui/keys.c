/*
 * keys.c - the console's key table: which command each key is in which
 * views, whether it writes to the log, its word on the status line and its
 * help line.  keys_dispatch() is the only place a key is looked at, so
 * read-only mode is enforced here; the help screen, the status line's hints
 * and the man page's list of keys (checked by a test) come from the table.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define ALL ((1u << VIEW__COUNT) - 1)
#define IN(v) (1u << (v))
#define LISTS (IN(VIEW_LIST) | IN(VIEW_DETAIL) | IN(VIEW_TRIAGE) | IN(VIEW_TEARDOWN))
#define OPENS (IN(VIEW_GRID) | IN(VIEW_FLOOR) | IN(VIEW_TRIAGE) | IN(VIEW_LIST) | IN(VIEW_DETAIL) | \
	       IN(VIEW_LOG))
#define MOVES (IN(VIEW_GRID) | IN(VIEW_FLOOR) | IN(VIEW_LOG) | IN(VIEW_HELP) | IN(VIEW_PAGER) | \
	       LISTS)

/* In the order the status line offers them: what the view is for first. */
static const key_binding table[] = {
	{ 's', "s", CMD_START, IN(VIEW_GRID), WRITE_RUN, "start",
	  "start the selected phase for the chunk" },
	{ 'a', "a", CMD_START_ALL, IN(VIEW_GRID), WRITE_RUN, "all phases",
	  "start every phase for the chunk, in order" },
	{ 'r', "r", CMD_RETRY, IN(VIEW_GRID), WRITE_RUN, "retry failed",
	  "retry what failed in the selected phase" },
	{ 'r', "r", CMD_RETRY, IN(VIEW_DETAIL), WRITE_RUN, "retry",
	  "run the selected step's phase again for this machine" },
	{ 'p', "p", CMD_PAUSE, ALL, WRITE_RUN, "pause",
	  "pause the run: what runs finishes, nothing new starts" },
	{ 'x', "x", CMD_SKIP, IN(VIEW_GRID), WRITE_RUN, "skip",
	  "skip the selected phase for the chunk (asks why)" },
	{ 'x', "x", CMD_SKIP, IN(VIEW_DETAIL), WRITE_RUN, "skip",
	  "skip the selected step's phase for this machine (asks why)" },
	{ 'X', "X", CMD_SKIP_REST, IN(VIEW_DETAIL), WRITE_RUN, "skip all",
	  "skip this machine and its user for the rest of the chunk (asks why)" },
	{ 'n', "n", CMD_NOTE, IN(VIEW_FLOOR) | IN(VIEW_DETAIL), WRITE_NOTE, "note",
	  "a floor note on the machine: asleep, powered off, fixed, missing, moved,"
	  " or what its user reports (asks which)" },
	{ 'o', "o", CMD_SIGNOFF, IN(VIEW_DETAIL) | IN(VIEW_TEARDOWN), WRITE_NOTE, "sign off",
	  "sign off the teardown item or the user's ActiveSync step (asks for a note)" },
	{ 'v', "v", CMD_VERIFY, IN(VIEW_TEARDOWN), WRITE_RUN, "verify",
	  "verify what carve can check: the log, DNS" },
	{ '\r', "Enter", CMD_OPEN, OPENS, WRITE_NONE, "open",
	  "open: a cell's machines or users, a machine, a failure's machine, the whole"
	  " evidence of a step or of the log's selected line" },
	{ KEY_ENTER, "Enter", CMD_OPEN, OPENS, WRITE_NONE, NULL, NULL },
	{ 'e', "e", CMD_EXPORT, IN(VIEW_TRIAGE), WRITE_NONE, "export",
	  "write what is failing to a CSV file here, as carve triage does" },
	{ 'm', "m", CMD_MAP, IN(VIEW_DETAIL) | IN(VIEW_TRIAGE), WRITE_NONE, "on the map",
	  "the machine on the floor map" },
	{ 'w', "w", CMD_WALK, IN(VIEW_FLOOR), WRITE_NONE, "walk",
	  "walking order through the floor's problem machines, nearest first from the"
	  " selected one (again: off)" },
	{ 'u', "u", CMD_DESK_USERS, IN(VIEW_FLOOR), WRITE_NONE, "users",
	  "desks name their users where the map has room, not their machines (again:"
	  " machines)" },
	{ '/', "/", CMD_FILTER, IN(VIEW_FLOOR), WRITE_NONE, "find",
	  "find on the map: a machine, a desk (P02) or a user (fatima); or filter by"
	  " chunk or status" },
	{ '/', "/", CMD_FILTER, IN(VIEW_LOG), WRITE_NONE, "filter",
	  "filter the log as carve log does: chunk=, machine=, phase=, status=, since=" },
	{ '\t', "Tab", CMD_NEXT_PROBLEM, ALL, WRITE_NONE, "next problem",
	  "the next problem machine on the floor map" },
	{ 'g', "g", CMD_GRID, ALL & ~IN(VIEW_GRID), WRITE_NONE, "chunks", "the chunk grid (home)" },
	{ 'f', "f", CMD_FLOOR, ALL & ~IN(VIEW_FLOOR), WRITE_NONE, "floor", "the floor map" },
	{ 't', "t", CMD_TRIAGE, ALL & ~IN(VIEW_TRIAGE), WRITE_NONE, "triage",
	  "triage: every failure and report by cause, most common first" },
	{ 'T', "T", CMD_TEARDOWN, ALL & ~IN(VIEW_TEARDOWN), WRITE_NONE, "teardown",
	  "the teardown checklist" },
	{ 'L', "L", CMD_LOG, ALL & ~IN(VIEW_LOG), WRITE_NONE, "log", "the audit log's tail" },
	{ '?', "?", CMD_HELP, ALL & ~IN(VIEW_HELP), WRITE_NONE, "help", "this help" },
	{ ':', ":", CMD_COMMAND, ALL, WRITE_NONE, NULL,
	  "command: machine NAME (a machine or its user; the start of one will do; Tab"
	  " completes), chunk NAME, floor NAME, help, quit" },
	{ KEY_LEFT, "Left/h", CMD_LEFT, IN(VIEW_GRID) | IN(VIEW_FLOOR), WRITE_NONE, NULL, "move left" },
	{ 'h', "h", CMD_LEFT, IN(VIEW_GRID) | IN(VIEW_FLOOR), WRITE_NONE, NULL, NULL },
	{ KEY_RIGHT, "Right/l", CMD_RIGHT, IN(VIEW_GRID) | IN(VIEW_FLOOR), WRITE_NONE, NULL,
	  "move right" },
	{ 'l', "l", CMD_RIGHT, IN(VIEW_GRID) | IN(VIEW_FLOOR), WRITE_NONE, NULL, NULL },
	{ KEY_UP, "Up/k", CMD_UP, MOVES, WRITE_NONE, NULL, "move up (the log: older)" },
	{ 'k', "k", CMD_UP, MOVES, WRITE_NONE, NULL, NULL },
	{ KEY_DOWN, "Down/j", CMD_DOWN, MOVES, WRITE_NONE, NULL, "move down (the log: newer)" },
	{ 'j', "j", CMD_DOWN, MOVES, WRITE_NONE, NULL, NULL },
	{ KEY_PPAGE, "PgUp", CMD_PAGE_UP, MOVES, WRITE_NONE, NULL,
	  "a page up; the floor map: the floor above" },
	{ KEY_NPAGE, "PgDn", CMD_PAGE_DOWN, MOVES, WRITE_NONE, NULL,
	  "a page down; the floor map: the floor below" },
	{ 'q', "q", CMD_BACK, ALL, WRITE_NONE, "back", "back (on the grid: quit)" },
	{ 27, "Esc", CMD_BACK, ALL & ~IN(VIEW_GRID), WRITE_NONE, NULL, "back" },
	{ 'Q', "Q", CMD_QUIT, ALL, WRITE_NONE, "quit", "quit (asks first while steps are running)" },
	{ 12, "^L", CMD_REDRAW, ALL, WRITE_NONE, NULL, "redraw the screen" },
	{ 0, NULL, CMD__COUNT, 0, WRITE_NONE, NULL, NULL },
};

const key_binding *keys_table(void)
{
	return table;
}

bool keys_allowed(const console *c, const key_binding *b)
{
	return c->role == ROLE_LEAD || b->writes == WRITE_NONE ||
	       (c->role == ROLE_FLOOR && b->writes == WRITE_NOTE);
}

bool keys_available(const console *c, const key_binding *b)
{
	bool busy = runner_busy(&c->engine);

	if (!(b->views & IN(c->view)) || !keys_allowed(c, b))
		return false;
	switch (b->cmd) {
	case CMD_PAUSE: return busy && !c->engine.teardown; /* the checks end by themselves */
	case CMD_START:
	case CMD_START_ALL:
	case CMD_RETRY:
	case CMD_VERIFY: return !busy;
	default: return true;
	}
}

void keys_hints(const console *c, char *out, size_t cap, size_t width)
{
	char last[64] = "";
	size_t len = 0, tail;

	out[0] = '\0';
	if (runner_busy(&c->engine))
		len = (size_t)snprintf(out, cap, "running %s  ", c->engine.chunk);
	/* help and quit are always there, last; the others in the table's
	 * order (the most used first) while they fit */
	for (const key_binding *b = table; b->name; b++)
		if (b->hint && (b->cmd == CMD_HELP || b->cmd == CMD_QUIT) && keys_available(c, b))
			snprintf(last + strlen(last), sizeof(last) - strlen(last), "%s:%s  ",
				 b->name, b->hint);
	tail = strlen(last);
	for (const key_binding *b = table; b->name && len < cap; b++) {
		if (!b->hint || b->cmd == CMD_HELP || b->cmd == CMD_QUIT || !keys_available(c, b))
			continue;
		size_t need = strlen(b->name) + strlen(b->hint) + 3;
		if (len + need + tail > width)
			continue; /* a shorter one may still fit */
		len += (size_t)snprintf(out + len, cap - len, "%s:%s  ", b->name, b->hint);
	}
	if (len < cap)
		snprintf(out + len, cap - len, "%s", last);
}

void keys_where(char *out, size_t cap, unsigned views)
{
	size_t len = 0;
	int count = 0;

	out[0] = '\0';
	for (int v = 0; v < VIEW__COUNT; v++)
		count += (views >> v) & 1;
	if (count >= VIEW__COUNT - 1)
		return;
	for (int v = 0; v < VIEW__COUNT && len < cap; v++)
		if (views & IN(v))
			len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "",
						console_view_ops((view_id)v)->name);
}

/* What a command does when the view leaves it: the same in every view. */
static void run_everywhere(console *c, key_command cmd)
{
	switch (cmd) {
	case CMD_HELP: console_show(c, VIEW_HELP); break;
	case CMD_GRID: console_show(c, VIEW_GRID); break;
	case CMD_FLOOR: console_show(c, VIEW_FLOOR); break;
	case CMD_LOG: console_show(c, VIEW_LOG); break;
	case CMD_TRIAGE: console_show(c, VIEW_TRIAGE); break;
	case CMD_TEARDOWN: console_show(c, VIEW_TEARDOWN); break;
	case CMD_NEXT_PROBLEM:
		console_show(c, VIEW_FLOOR);
		view_floor_next_problem(c);
		break;
	case CMD_COMMAND: action_command(c); break;
	case CMD_PAUSE: action_pause(c); break;
	case CMD_BACK:
		if (c->view == VIEW_GRID)
			action_quit(c);
		else
			console_back(c);
		break;
	case CMD_QUIT: action_quit(c); break;
	case CMD_REDRAW: clearok(curscr, TRUE); break;
	default: break;
	}
}

void keys_dispatch(console *c, int key)
{
	const view_ops *v = console_view_ops(c->view);

	if (key == KEY_MOUSE) {
		MEVENT e;
		if (c->mouse && v->click && getmouse(&e) == OK)
			v->click(c, e.x, e.y);
		return;
	}
	for (const key_binding *b = table; b->name; b++) {
		if (b->key != key || !(b->views & IN(c->view)))
			continue;
		if (!keys_allowed(c, b)) {
			/* what the key does, in the help's words, is the lead's */
			if (c->role == ROLE_FLOOR)
				snprintf(c->message, sizeof(c->message), "floor: '%s' (%s) is"
					 " the lead's to do, from the lead's console", b->name,
					 b->help ? b->help : b->hint ? b->hint : "");
			else
				snprintf(c->message, sizeof(c->message),
					 "read-only: '%s' would change the audit log", b->name);
			return;
		}
		if (!v->key || !v->key(c, b->cmd))
			run_everywhere(c, b->cmd);
		return;
	}
}
