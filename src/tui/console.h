/*
 * console.h - the interactive console: one UI thread, one screen, views
 * that draw from a snapshot of the audit log, and one key table that both
 * dispatches keys and writes the help.
 *
 * The snapshot is read again whenever the database changes (another carve
 * committed), so several consoles on one database all stay live.
 */
#ifndef CARVE_CONSOLE_H
#define CARVE_CONSOLE_H

#include "carve.h"
#include "runner.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	VIEW_GRID,  /* chunks x phases (home) */
	VIEW_FLOOR, /* the floor map */
	VIEW_LOG,   /* the audit log's tail */
	VIEW_LIST,     /* a grid cell's machines or users */
	VIEW_DETAIL,   /* one machine and its user: steps, evidence, trail */
	VIEW_TRIAGE,   /* every failure, grouped by cause, most common first */
	VIEW_TEARDOWN, /* the site checklist */
	VIEW_HELP,  /* generated from the key table */
	VIEW__COUNT
} view_id;

/* A step of the machine (or its user) in the detail view, or a failure in
 * the triage view: a current state, copied out of SQLite. */
typedef struct {
	char object[64];
	bool user;          /* the object is the machine's user */
	char chunk[64];
	char phase[24], step[32];
	carve_status status;
	char time[24], actor[32];
	char diagnosis[512];
	char evidence[1024];
} state_line;

/* A cause in the triage view: the failures that share it. */
typedef struct {
	char cause[160];    /* phase/step and the diagnosis's first clause */
	size_t first;       /* its first failure in the triage list */
	unsigned count;
} triage_group;

/* An event of the log's tail, copied out of SQLite. */
typedef struct {
	int64_t seq;
	char time[24];
	char actor[24];
	char chunk[40];
	char object[64];
	char where[48]; /* phase/step */
	carve_status status;
	char text[256]; /* the diagnosis */
} log_line;

#define LOG_KEEP 2000

typedef struct console {
	const carve_plan *plan;
	carve_audit *audit;
	const char *db_path;
	bool read_only;
	bool mouse;                   /* clicks select (off unless asked for) */
	bool colour;
	bool quit;
	view_id view, back;

	/* the snapshot */
	carve_grid grid;
	char chunk_first[32];         /* the selected chunk's first event ("" none) */
	size_t chunk_first_of;        /* which chunk that is; CARVE_NONE: read again */
	carve_status *machine_status; /* per plan machine: its worst */
	log_line *log;                /* a ring of the last LOG_KEEP events */
	size_t log_count, log_head;
	int64_t last_seq;

	/* the detail view's machine: its steps and its audit trail */
	state_line *steps;
	size_t step_count, step_cap;
	log_line *trail;
	size_t trail_count;

	/* the list view: the selected grid cell's objects */
	state_line *cell;
	size_t cell_count, cell_cap, cell_row;

	/* the triage view: failures sorted by cause, and the causes */
	state_line *failures;
	size_t failure_count, failure_cap;
	triage_group *groups;
	size_t group_count;

	/* where each view's cursor is */
	size_t grid_chunk, grid_phase;
	size_t floor, machine;        /* machine: plan index, CARVE_NONE if none */
	size_t log_top;               /* lines scrolled up from the newest */
	size_t step, group, item;     /* detail, triage and teardown rows */

	char message[512];            /* the status line's message */
	char filter[64];              /* map and log: chunk, status or text; "" for all */
	size_t *walk;                 /* the walking order on the floor, or NULL */
	size_t walk_count;
	runner engine;                /* the lead's runs (not in read-only) */
	char who[64];                 /* for notes and sign-offs */
} console;

/* Runs the console on plan until the user quits; returns an exit status.
 * start_chunk (may be NULL): every phase of that chunk starts at once. */
int console_run(const carve_plan *plan, const char *db_path, bool read_only,
		const char *start_chunk, bool mouse);

/* ---- the key table (keys.c) ---- */

typedef struct {
	int key;
	const char *name;  /* as help shows it: "q", "Enter", "^L" */
	unsigned views;    /* bit per view_id it works in */
	bool writes;       /* changes the log: refused with --read-only */
	const char *help;
	void (*run)(console *c);
} key_binding;

/* The table, ending with a NULL name. */
const key_binding *keys_table(void);
/* The one place keys are dispatched; read-only is enforced here. */
void keys_dispatch(console *c, int key);

/* ---- views: each draws the whole of its area ---- */

void view_grid_draw(console *c, int top, int rows, int cols);
void view_floor_draw(console *c, int top, int rows, int cols);
void view_log_draw(console *c, int top, int rows, int cols);
void view_list_draw(console *c, int top, int rows, int cols);
void view_detail_draw(console *c, int top, int rows, int cols);
void view_triage_draw(console *c, int top, int rows, int cols);
void view_teardown_draw(console *c, int top, int rows, int cols);
void view_help_draw(console *c, int top, int rows, int cols);

/* Read what the detail and triage views show (console_reload calls them). */
void view_list_load(console *c);
void view_detail_load(console *c);
void view_triage_load(console *c);

/* Moves on the views (keys.c calls them). */
void view_grid_move(console *c, int dx, int dy);
void view_floor_move(console *c, int dx, int dy);
void view_floor_next_problem(console *c);
/* Whether machine i passes the filter (chunk, status, or part of its name). */
bool view_floor_matches(console *c, size_t i);
/* w: the walking order through the floor's problem machines, nearest first
 * from the selected machine (where the technician stands); again: off. */
void view_floor_walk(console *c);

/* The machine selected on the map (the floor's first until one is picked),
 * or CARVE_NONE on an empty floor. */
size_t view_floor_selected(console *c);
void view_log_scroll(console *c, int lines);
/* A click at screen column x, row y: selects what is there. */
void view_grid_click(console *c, int x, int y);
void view_floor_click(console *c, int x, int y);

/* ---- actions that write (actions.c) ---- */

void action_start(console *c, bool all_phases, bool retry);
void action_pause(console *c);
void action_skip(console *c);
void action_note(console *c);
/* The detail view's selected step: run again, skip (asks why). */
void action_retry_step(console *c);
void action_skip_step(console *c);
/* Sign off the selected teardown item or ActiveSync step (asks for a note). */
void action_signoff(console *c);
/* Verify the teardown checklist (DNS, the log). */
void action_verify_teardown(console *c);
/* / asks for the filter; : for a command (machine, floor, chunk, help, quit). */
void action_filter(console *c);
void action_command(console *c);
/* Q: asks first while a run is going. */
void action_quit(console *c);

/* ---- console.c ---- */

/* The console's pieces, for console_run and the frame benchmark: state for
 * plan (no screen yet), the screen set up on the current ncurses terminal
 * (and the first snapshot read), one frame, and the end. */
int console_init(console *c, const carve_plan *plan, const char *db_path, bool read_only);
void console_start_screen(console *c);
void console_draw(console *c);
void console_done(console *c);

/* Copies a current-state row into s (the object is a user when the row's
 * object kind says so). */
void console_state_line(state_line *s, const carve_state_row *row);

/* Asks for a line on the status line; false when cancelled (Esc) or empty. */
bool console_prompt(console *c, const char *question, char *out, size_t cap);
/* Reads the log again now. */
void console_reload(console *c);

/* Seconds since the grid's selected chunk began (-1: not yet). */
double console_chunk_elapsed(console *c);

/* ---- drawing helpers (console.c) ---- */

/* The colour pair attribute for a status (0 without colour). */
int console_status_attr(const console *c, carve_status s);
/* The status glyph for the screen (ASCII when the locale is not UTF-8). */
const char *console_glyph(carve_status s);

#endif
