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
	VIEW_GRID,     /* chunks x phases (home) */
	VIEW_FLOOR,    /* the floor map */
	VIEW_LOG,      /* the audit log's tail */
	VIEW_LIST,     /* a grid cell's machines or users */
	VIEW_DETAIL,   /* one machine and its user: steps, evidence, trail */
	VIEW_TRIAGE,   /* every failure, grouped by cause, most common first */
	VIEW_TEARDOWN, /* the site checklist */
	VIEW_HELP,     /* generated from the key table */
	VIEW_PAGER,    /* a step's whole diagnosis and evidence, scrolled */
	VIEW__COUNT
} view_id;

/* What a key asks for.  Keys map to these in one table (keys.c); a view's
 * key() sees only commands, never keys. */
typedef enum {
	CMD_HELP,
	CMD_GRID,
	CMD_FLOOR,
	CMD_LOG,
	CMD_TRIAGE,
	CMD_TEARDOWN,
	CMD_NEXT_PROBLEM, /* the next problem machine on the map */
	CMD_WALK,         /* the walking order through the floor's problems */
	CMD_DESK_USERS,   /* the map's desks name users, or machines again */
	CMD_FILTER,
	CMD_COMMAND,      /* the : line */
	CMD_OPEN,         /* Enter */
	CMD_MAP,          /* the selected machine on the floor map */
	CMD_LEFT,
	CMD_RIGHT,
	CMD_UP,
	CMD_DOWN,
	CMD_PAGE_UP,
	CMD_PAGE_DOWN,
	CMD_START,        /* the selected phase for the chunk */
	CMD_START_ALL,    /* every phase for the chunk */
	CMD_RETRY,        /* what failed: the phase, or one machine's step */
	CMD_PAUSE,
	CMD_SKIP,         /* with a reason: the phase, or one machine's step */
	CMD_SKIP_REST,    /* with a reason: a machine for the rest of the chunk */
	CMD_EXPORT,       /* triage to a CSV file, as carve triage writes it */
	CMD_NOTE,         /* a floor note */
	CMD_SIGNOFF,
	CMD_VERIFY,       /* the teardown checks carve can make */
	CMD_BACK,
	CMD_QUIT,
	CMD_REDRAW,
	CMD__COUNT
} key_command;

/* A step of the machine (or its user) in the detail view, or a failure in
 * the triage view: a current state, copied out of SQLite. */
/* Who the console is for: the lead runs the chunks; the floor (a
 * technician's laptop) records notes and sign-offs and runs nothing; a
 * viewer changes nothing. */
typedef enum { ROLE_LEAD, ROLE_FLOOR, ROLE_VIEWER } console_role;

typedef struct {
	char object[64];
	bool user;          /* the object is the machine's user */
	char chunk[64];
	char phase[24], step[32];
	carve_status status;
	char time[32], actor[32]; /* local time with its zone (console_time) */
	char utc[32];       /* the time as the log keeps it (RFC 3339 UTC) */
	char diagnosis[512];
	char evidence[1024];
	int64_t seq;        /* the event that set it (what the pager reads) */
} state_line;

/* A cause in triage: the failures that share it. */
typedef struct {
	char cause[160];    /* phase/step and the diagnosis's first clause */
	size_t first;       /* its first failure in the triage list */
	unsigned count;
	int rank;           /* where the guide puts it (triage.c) */
} triage_group;

/* Every failure still standing, grouped by cause (triage.c). */
typedef struct {
	state_line *items;  /* sorted by cause */
	size_t count, cap;
	triage_group *groups;
	size_t group_count;
} triage_list;

typedef enum {
	TRIAGE_COMMON, /* most common cause first (the console) */
	TRIAGE_GUIDE,  /* in the guide's order (carve triage) */
} triage_order;

/* Reads the failed and interrupted states and the users' reports (of chunk,
 * NULL: all) into t, grouped and ordered. */
int triage_collect(triage_list *t, carve_audit *audit, const char *chunk, triage_order order);
void triage_done(triage_list *t);
/* The cause a failure is grouped under; what follows the diagnosis's first
 * ':' is the fix (NULL without one). */
void triage_cause(char *out, size_t cap, const state_line *s);
const char *triage_fix(const state_line *s);

/* An event of the log's tail, copied out of SQLite. */
typedef struct {
	int64_t seq;
	char time[32];  /* local time with its zone (console_time) */
	char actor[24];
	char chunk[40];
	char object[64];
	char where[48]; /* phase/step */
	carve_status status;
	char text[256]; /* the diagnosis */
} log_line;

#define LOG_KEEP 2000

/* The log view's filter, as typed, and the carve log filter it makes. */
typedef struct {
	char text[128];        /* "" for none */
	char words[128];       /* text cut up; filter's strings point here */
	char since[40];        /* since with the local offset (log_filter_local) */
	carve_log_filter filter;
} log_filter_state;

typedef struct view_ops view_ops;

/* A machine's floor note while it stands (note_stands): what the map and
 * the lead see until someone notes it fixed. */
typedef struct {
	const char *kind; /* a note_kinds string; NULL: none stands */
	char text[160];   /* what was written: "powered off: dead PSU" */
	char by[24];
	char time[32];    /* local time with its zone (console_time) */
} machine_note;

/* When a chunk began and, once no step is left to run, ended ("" unknown). */
typedef struct {
	char began[32], ended[32];
	unsigned long looked; /* the read of the log it was last looked up in */
	unsigned done_seen;   /* steps done when last drawn ... */
	double done_at;       /* ... and how long it had been going when that
			       * count was first seen: the rate for the estimate */
} chunk_span;

typedef struct console {
	const carve_plan *plan;
	carve_audit *audit;
	const char *db_path;
	console_role role;
	bool mouse;                   /* clicks select (off unless asked for) */
	bool colour;
	bool quit;
	view_id view;
	view_id back[8];              /* the views Esc goes back through, last */
	size_t back_depth;            /* on top (the oldest dropped when full) */

	/* the snapshot (the grid and machine_status through their getters) */
	carve_grid grid;
	bool grid_stale, machines_stale;
	chunk_span *spans;            /* per plan chunk */
	unsigned long reloads;        /* reads of the log so far */
	carve_status *machine_status; /* per plan machine: its worst, a
				       * standing floor note counting as warn */
	machine_note *notes;          /* per plan machine */
	int64_t notes_seq;            /* the last note read into them */
	log_line *log;                /* a ring of the last LOG_KEEP matching events */
	size_t log_count, log_head;
	int64_t last_seq;
	log_filter_state log_filter;
	bool stale;                   /* the log changed since it was read */
	bool dirty;                   /* the screen needs a frame */
	long long reloaded_at;        /* when it was read (monotonic ms) */

	/* the detail view's machine: its steps and its audit trail */
	state_line *steps;
	size_t step_count, step_cap;
	char want_step[128];          /* object/phase/step to land on when it opens */
	log_line *trail;              /* a ring of its last LOG_KEEP events */
	size_t trail_count, trail_head;

	/* the list view: the selected grid cell's objects */
	state_line *cell;
	size_t cell_count, cell_cap, cell_row, list_top;

	/* the triage view: failures sorted by cause, and the causes */
	triage_list triage;

	/* the teardown view: each checklist item's state */
	struct item_state *items;

	/* where each view's cursor is, and how far it has scrolled */
	size_t grid_chunk, grid_phase, grid_top;
	size_t floor, machine;        /* machine: plan index, CARVE_NONE if none */
	int floor_dx, floor_dy;       /* the map's top left corner on the drawing */
	size_t log_top;               /* lines scrolled up from the newest */
	size_t step, step_top;        /* detail rows */
	size_t item, item_top;        /* teardown items */
	size_t group, member;         /* triage: the cause, and its failure */
	size_t triage_top;
	size_t help_top;
	char *pager_text;             /* the pager's text (owned), and where */
	char pager_title[160];
	size_t pager_top;

	char message[512];            /* the status line's message */
	char filter[64];              /* the map: chunk, status or part of a name */
	bool desk_users;              /* the map's desks show users, not machines */
	size_t *walk;                 /* the walking order on the floor, or NULL */
	size_t walk_count;
	runner engine;                /* the lead's runs (not in read-only) */
	char who[64];                 /* for notes and sign-offs */
} console;

/* Runs the console on plan until the user quits; returns an exit status.
 * start_chunk (may be NULL): every phase of that chunk starts at once. */
int console_run(const carve_plan *plan, const char *db_path, console_role role,
		const char *start_chunk, bool mouse);

/* ---- the key table (keys.c) ---- */

/* What a key changes, against who may: a viewer (--read-only) changes
 * nothing, the floor (--floor) records notes and sign-offs, the lead
 * also runs and skips steps. */
typedef enum {
	WRITE_NONE,
	WRITE_NOTE,  /* a floor note or a sign-off */
	WRITE_RUN,   /* starts, pauses, retries or skips steps */
} key_write;

typedef struct {
	int key;
	const char *name;  /* as help shows it: "q", "Enter", "^L" */
	key_command cmd;
	unsigned views;    /* bit per view_id it works in */
	key_write writes;  /* what it changes: refused by roles below it */
	const char *hint;  /* its word on the status line, or NULL */
	const char *help;  /* NULL: another name for the line above */
} key_binding;

/* The table, ending with a NULL name. */
const key_binding *keys_table(void);
/* Whether this console's role may use b. */
bool keys_allowed(const console *c, const key_binding *b);
/* Whether b does something in the current view now: not a write in a
 * read-only console, not a start while a run goes, not a pause without. */
bool keys_available(const console *c, const key_binding *b);
/* The one place keys are dispatched; read-only is enforced here. */
void keys_dispatch(console *c, int key);
/* The views a binding works in, by name ("chunks, machine"), or "" when it
 * works in all or all but one of them. */
void keys_where(char *out, size_t cap, unsigned views);
/* The status line's hints for the current view, from the table, in at
 * most width columns: ?:help and Q:quit always, the least used dropped
 * first. */
void keys_hints(const console *c, char *out, size_t cap, size_t width);

/* ---- views: one file each, each an ops table ---- */

/* What a view draws from the snapshot, read with the log when it is shown
 * (so a key's frame never waits for the database). */
enum { VIEW_NEEDS_GRID = 1, VIEW_NEEDS_MACHINES = 2 };

struct view_ops {
	const char *name; /* the title line's */
	unsigned needs;   /* VIEW_NEEDS_* */
	/* Reads what the view shows: when it is shown and whenever the log
	 * changed while it is (NULL: it draws from the snapshot). */
	void (*open)(console *c);
	/* Draws rows lines from top, cols wide. */
	void (*draw)(console *c, int top, int rows, int cols);
	/* A command the view acts on; false leaves it to the console. */
	bool (*key)(console *c, key_command cmd);
	/* The terminal changed size (NULL: nothing kept depends on it). */
	void (*resize)(console *c);
	/* A click at screen column x, row y (NULL: clicks do nothing). */
	void (*click)(console *c, int x, int y);
	/* Frees what open read (NULL: nothing). */
	void (*done)(console *c);
};

extern const view_ops view_grid, view_floor, view_log, view_list, view_detail, view_triage,
	view_teardown, view_help, view_pager;

/* The pager on event seq, read again from the log: its whole diagnosis
 * and its evidence, laid out, under title. */
void console_page_event(console *c, int64_t seq, const char *title);

/* The view's ops. */
const view_ops *console_view_ops(view_id v);
/* Shows view v (q goes back to the one before), reading what it shows. */
void console_show(console *c, view_id v);
/* Esc and q: the view before this one (the grid when there is none). */
void console_back(console *c);
/* Opens plan machine i (its floor too) in view v: the map or the detail. */
void console_show_machine(console *c, size_t i, view_id v);
/* The same for a machine by name, or a user's machine; false (with a
 * message) when the plan has none. */
bool console_show_object(console *c, const char *object, bool user, view_id v);
/* The machine view of s's machine (or its user's), with the cursor on s's
 * step: where a failure, or a cell's object, opens. */
void console_show_step(console *c, const state_line *s);
/* A list cursor moved by dy within count rows. */
void console_list_move(size_t *row, size_t count, int dy);
/* The first row to draw so that row is among the lines shown, keeping
 * *top where it is when it can. */
size_t console_scroll(size_t *top, size_t row, size_t lines);

/* The map's machine filter (chunk, status, or part of its name). */
bool view_floor_matches(console *c, size_t i);
/* Selects a machine the filter matches (the selected one if it does),
 * changing floor if need be. */
void view_floor_find(console *c);
/* The machine selected on the map (the floor's first until one is picked),
 * or CARVE_NONE on an empty floor. */
size_t view_floor_selected(console *c);
void view_floor_next_problem(console *c);

/* ---- actions that write (actions.c) ---- */

void action_start(console *c, bool all_phases, bool retry);
void action_pause(console *c);
void action_skip(console *c);
void action_note(console *c);
/* The detail view's selected step: run again, skip (asks why). */
void action_retry_step(console *c);
void action_skip_step(console *c);
void action_skip_rest(console *c);
void action_export_triage(console *c);
/* Sign off the selected teardown item or ActiveSync step (asks for a note). */
void action_signoff(console *c);
/* Verify the teardown checklist (DNS, the log). */
void action_verify_teardown(console *c);
/* / on the map asks for its filter, in the log for the log's. */
void action_filter(console *c);
void action_log_filter(console *c);
/* : asks for a command (machine, floor, chunk, help, quit). */
void action_command(console *c);
/* Q: asks first while a run is going. */
void action_quit(console *c);

/* ---- console.c ---- */

/* The console's pieces, for console_run and the frame benchmark: state for
 * plan (no screen yet), the screen set up on the current ncurses terminal
 * (and the first snapshot read), one frame, and the end. */
int console_init(console *c, const carve_plan *plan, const char *db_path,
		 console_role role);
void console_start_screen(console *c);
void console_draw(console *c);
void console_done(console *c);

/* Copies a current-state row into s (the object is a user when the row's
 * object kind says so). */
void console_state_line(state_line *s, const carve_state_row *row);

/* Asks for a line at the bottom of the screen: 1 with the answer in out,
 * 0 for an empty one (Enter alone), -1 when cancelled (Esc, ^G, Ctrl-C,
 * or the terminal went away). */
int console_prompt(console *c, const char *question, char *out, size_t cap);
/* The same, Tab calling complete on what is typed so far: it completes
 * line (cap bytes) in place and says in hint what it found. */
typedef void (*console_completer)(console *c, char *line, size_t cap, char *hint, size_t hint_cap);
int console_prompt_completing(console *c, const char *question, char *out, size_t cap,
			      console_completer complete);
/* Up, Down, PgUp and PgDn move a scrolled text's first line; false for
 * any other command. */
bool console_scroll_key(size_t *top, key_command cmd);

/* The length of text's next screen line of at most width bytes: up to a
 * line feed, else cut after a space when it can be, never inside a
 * character. */
size_t console_line_len(const char *p, size_t width);
/* Draws text wrapped to width from row y, column x, at most max_rows
 * rows; returns the rows it took (max_rows < 0: counts, draws nothing). */
size_t console_wrapped(int y, int x, int max_rows, const char *text, size_t width);

/* An audit log time (RFC 3339 UTC) as the people in the room read it:
 * local time with its zone, "2026-12-04 23:10:05 CET"; the database keeps
 * UTC.  Text that is not such a time is kept as it is. */
void console_time(char *out, size_t cap, const char *utc);
/* A moment (a cutover) in the room's time with its zone: "2026-12-04
 * 22:00 CET", or without the year when brief. */
void console_moment(char *out, size_t cap, time_t t, bool brief);
/* The machine's Windows as people write it: "XP", "7", "10". */
const char *console_windows(carve_os os);
/* The local zone's name ("CET"), for headings over bare times. */
const char *console_zone(void);

/* A question answered with one key: the key (ERR for a signal or a
 * terminal gone). */
int console_choose(console *c, const char *question);
/* A y/N question answered with one key: true for y or Y, false for any
 * other (Enter, Esc, n). */
bool console_confirm(console *c, const char *question);
/* Reads the log again now. */
void console_reload(console *c);
/* Reads the log's tail again from the start, after its filter changed. */
void console_reload_log(console *c);

/* The chunk x phase counts, and each plan machine's most urgent status,
 * as of the last look at the log (read now if it changed since). */
const carve_grid *console_grid(console *c);
const carve_status *console_machines(console *c);

/* Seconds since chunk began (-1: not yet), or when finished (every step
 * done) the seconds it took. */
double console_chunk_elapsed(console *c, size_t chunk, bool finished);

/* ---- drawing helpers (console.c) ---- */

/* A view's first line, in bold, cut at the screen's edge. */
void console_heading(int y, int cols, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The colour pair attribute for a status (0 without colour). */
int console_status_attr(const console *c, carve_status s);
/* The status glyph for the screen (ASCII when the locale is not UTF-8). */
const char *console_glyph(carve_status s);

#endif
