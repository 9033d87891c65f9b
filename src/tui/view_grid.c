/*
 * view_grid.c - the home view: every chunk against every phase.  Each cell
 * shows the most urgent status among its objects (glyph and colour), how
 * many are done of how many, and a progress bar; the line under the grid
 * spells out the selected cell.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "glyph.h"
#include "report.h"
#include "states.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define NAME_W 18 /* the chunk names' column, where there is room */
#define CELL_W 7  /* the narrowest a phase's column gets */

/* The names' column: narrower on a narrow terminal, so every phase, the
 * teardown's too, stays on screen. */
static int name_width(int cols)
{
	int room = cols - CELL_W * CARVE_PHASE__COUNT;

	return room < NAME_W ? room : NAME_W;
}

static int cell_width(int cols)
{
	int cw = (cols - name_width(cols)) / CARVE_PHASE__COUNT;

	return cw < CELL_W ? CELL_W : cw;
}

static void bar(console *c, int y, int x, int w, unsigned done, unsigned total, carve_status s)
{
	int filled = total ? (int)((long)w * done / total) : 0;
	bool u = glyph_is_utf8();

	attron(console_status_attr(c, s));
	for (int i = 0; i < w; i++)
		mvaddstr(y, x + i, i < filled ? (u ? "\u2588" : "#") : (u ? "\u2591" : "."));
	attroff(console_status_attr(c, s));
}

/* "1h05m", "12m", "40s". */

/* A chunk's time: how long it has been going and, at the rate so far over
 * the phases carve runs, about how long is left; or, once no step is left
 * to run (each done, failed or blocked), how long it took.  Brief for the
 * grid's rows, in full for the line under the grid. */
static void chunk_time(console *c, size_t chunk, char *out, size_t cap, bool brief)
{
	carve_progress pr;
	char spent[24], left[24], words[128];

	carve_progress_chunk(&pr, console_grid(c), chunk);
	unsigned open = pr.todo, running = 0;
	bool ended = pr.total && !open;
	size_t n_chunks;
	const carve_chunk *chunks = carve_plan_chunks(c->plan, &n_chunks);
	bool ours = runner_busy(&c->engine) && !strcmp(c->engine.chunk, chunks[chunk].name);
	for (int ph = CARVE_PHASE_PREFLIGHT; ph <= CARVE_PHASE_CLIENTS; ph++)
		running += console_grid(c)->counts[chunk][ph][CARVE_STATUS_RUNNING];
	/* steps left, but none running here or in any carve that writes the
	 * log: it is not going, and no clock or estimate should say so */
	bool stopped = !ended && !running && !ours;
	double secs = console_chunk_elapsed(c, chunk, ended || stopped);
	if (secs < 0) {
		snprintf(out, cap, "not started");
		return;
	}
	carve_progress_text(words, sizeof(words), &pr);
	states_duration(spent, secs, false);
	if (stopped) {
		bool paused = c->engine.paused && !strcmp(c->engine.chunk, chunks[chunk].name);
		if (brief)
			snprintf(out, cap, "%s", paused ? "paused" : "stopped");
		else
			snprintf(out, cap, "%s after %s: %s (s or a %s)", paused ? "paused" : "stopped",
				 spent, words, paused ? "resumes" : "goes on");
		return;
	}
	if (ended && brief)
		snprintf(out, cap, pr.done == pr.total ? "done in %s" : "%s, %u not done", spent,
			 pr.total - pr.done);
	else if (ended)
		snprintf(out, cap, "%s after %s: %s", pr.done == pr.total ? "done" : "ended", spent,
			 words);
	if (ended)
		return;
	/* the rate up to the last step that got done, so the estimate holds
	 * still while nothing moves instead of growing */
	chunk_span *sp = &c->spans[chunk];
	if (pr.done != sp->done_seen) {
		sp->done_seen = pr.done;
		sp->done_at = secs;
	}
	left[0] = '\0';
	if (pr.done)
		states_duration(left, sp->done_at * open / pr.done, false);
	if (brief)
		snprintf(out, cap, "%s%s%s%s", spent, left[0] ? ", ~" : "", left,
			 left[0] ? " left" : "");
	else
		snprintf(out, cap, "going for %s; %s%s%s%s", spent, words,
			 left[0] ? ", about " : "", left, left[0] ? " left" : "");
}

/* "wave1 restart: 17 ok, 3 blocked" for the selected cell. */
/* What a phase carve does not run waits for, while nothing of it is
 * recorded: said in the cell (short) and under the grid (long). */
static const char *waits_for(carve_phase phase, const unsigned *k, bool full)
{
	if (k[CARVE_STATUS_PENDING] != cell_total(k))
		return NULL;
	if (phase == CARVE_PHASE_INVENTORY)
		return full ? "waits for the floor walk (carve inventory --physical)"
			    : "floor walk";
	if (phase == CARVE_PHASE_TEARDOWN)
		return full ? "waits for the last chunk; then T, the checklist" : "after chunks";
	return NULL;
}

static void describe(console *c, int y, int cols)
{
	size_t n;
	const carve_chunk *ch = &carve_plan_chunks(c->plan, &n)[c->grid_chunk];
	const unsigned *k = console_grid(c)->counts[c->grid_chunk][c->grid_phase];
	const char *phase = carve_phase_name((carve_phase)c->grid_phase);
	char what[400], when[40], line[1024];
	int len = 0;

	/* what the cell waits for first: its counts are all pending then,
	 * and where the line is cut they go first */
	const char *waits = waits_for((carve_phase)c->grid_phase, k, true);
	what[0] = '\0';
	if (waits)
		len = snprintf(what, sizeof(what), " %s;", waits);
	for (int s = 0; s < CARVE_STATUS__COUNT && len < (int)sizeof(what) - 32; s++)
		if (k[s])
			len += snprintf(what + len, sizeof(what) - (size_t)len, " %u %s", k[s],
					carve_status_name((carve_status)s));
	/* the cutover where it fits: the chunk's row shows it anyway, and
	 * what the cell waits for matters more at 80 columns */
	console_moment(when, sizeof(when), ch->cutover, false);
	snprintf(line, sizeof(line), "%s %s (cutover %s):%s", ch->name, phase, when, what);
	if ((int)strlen(line) > cols - 2)
		snprintf(line, sizeof(line), "%s %s:%s", ch->name, phase, what);
	mvaddnstr(y, 1, line, cols - 2);
}

/* Chunks the grid has room for: three lines each, under a heading and a
 * line for "more above", over the chunk's time and the cell's
 * description. */
static size_t chunks_shown(int rows)
{
	return rows > 7 ? (size_t)(rows - 4) / 3 : 1;
}

static void grid_draw(console *c, int top, int rows, int cols)
{
	size_t n;
	const carve_chunk *chunks = carve_plan_chunks(c->plan, &n);
	int nw = name_width(cols), cw = cell_width(cols);
	size_t shown = chunks_shown(rows);
	size_t first = console_scroll(&c->grid_top, c->grid_chunk, shown);

	if (!console_grid(c)->counts) {
		mvaddnstr(top + 1, 1, "the grid cannot be read (the status line says why)",
			  cols - 2);
		return;
	}
	attron(A_BOLD);
	mvaddstr(top, 1, "chunk");
	for (int p = 0; p < CARVE_PHASE__COUNT; p++)
		mvaddnstr(top, nw + p * cw, carve_phase_name((carve_phase)p), cw - 1);
	attroff(A_BOLD);
	if (first)
		mvprintw(top + 1, 1, "(%zu more above)", first);
	int y = top + 2;
	for (size_t ch = first; ch < n && ch < console_grid(c)->chunk_count && ch < first + shown; ch++) {
		char spent[64];
		chunk_time(c, ch, spent, sizeof(spent), true);
		mvaddnstr(y, 1, chunks[ch].name, nw - 2);
		/* the cutover in the room's time, as every time on the screen */
		char when[40];
		console_moment(when, sizeof(when), chunks[ch].cutover, nw - 2 < 20);
		mvaddnstr(y + 1, 1, when, nw - 2);
		attron(A_DIM);
		mvaddnstr(y + 2, 1, spent, nw - 2);
		attroff(A_DIM);
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			const unsigned *k = console_grid(c)->counts[ch][p];
			carve_status s = cell_status(k);
			char text[32];
			bool here = ch == c->grid_chunk && (size_t)p == c->grid_phase;
			int x = nw + p * cw;
			snprintf(text, sizeof(text), " %u/%u", cell_done(k), cell_total(k));
			if (here)
				attron(A_REVERSE);
			attron(console_status_attr(c, s));
			mvaddstr(y, x, console_glyph(s));
			attroff(console_status_attr(c, s));
			addnstr(text, cw - 2);
			if (here)
				attroff(A_REVERSE);
			const char *waits = waits_for((carve_phase)p, k, false);
			if (waits) {
				attron(A_DIM);
				mvaddnstr(y + 1, x, waits, cw - 2);
				attroff(A_DIM);
			} else {
				bar(c, y + 1, x, cw - 2, cell_done(k), cell_total(k), s);
			}
		}
		y += 3;
	}
	/* the selected chunk's verdict first when it cannot go ahead (what
	 * carve status and the report say), then its time */
	char line[1024], verdict[256], when[256];
	chunk_time(c, c->grid_chunk, when, sizeof(when), false);
	if (!report_verdict(verdict, sizeof(verdict), console_grid(c), c->grid_chunk))
		snprintf(line, sizeof(line), "%s %s; %s", chunks[c->grid_chunk].name, verdict, when);
	else
		snprintf(line, sizeof(line), "%s", when);
	mvaddnstr(top + rows - 2, 1, line, cols - 2);
	describe(c, top + rows - 1, cols);
}

static void grid_click(console *c, int x, int y)
{
	int nw = name_width(COLS), cw = cell_width(COLS);
	long chunk = (y - 3) / 3 + (long)c->grid_top,
	     phase = x < nw ? -1 : (x - nw) / cw;

	/* Rows: the title, the heading, a blank, then three per chunk. */
	if (y >= 3 && chunk >= 0 && (size_t)chunk < console_grid(c)->chunk_count)
		c->grid_chunk = (size_t)chunk;
	if (phase >= 0 && phase < CARVE_PHASE__COUNT)
		c->grid_phase = (size_t)phase;
}

static void grid_move(console *c, long dx, long dy)
{
	long chunk = (long)c->grid_chunk + dy, phase = (long)c->grid_phase + dx;
	long last = console_grid(c)->chunk_count ? (long)console_grid(c)->chunk_count - 1 : 0;

	c->grid_chunk = (size_t)(chunk < 0 ? 0 : chunk > last ? last : chunk);
	if (phase >= 0 && phase < CARVE_PHASE__COUNT)
		c->grid_phase = (size_t)phase;
}

static bool grid_key(console *c, key_command cmd)
{
	long page = (long)chunks_shown(LINES - 2);

	switch (cmd) {
	case CMD_LEFT: grid_move(c, -1, 0); break;
	case CMD_RIGHT: grid_move(c, 1, 0); break;
	case CMD_UP: grid_move(c, 0, -1); break;
	case CMD_DOWN: grid_move(c, 0, 1); break;
	case CMD_PAGE_UP: grid_move(c, 0, -page); break;
	case CMD_PAGE_DOWN: grid_move(c, 0, page); break;
	case CMD_OPEN:
		console_show(c, c->grid_phase == CARVE_PHASE_TEARDOWN ? VIEW_TEARDOWN : VIEW_LIST);
		break;
	case CMD_START: action_start(c, false, false); break;
	case CMD_START_ALL: action_start(c, true, false); break;
	case CMD_RETRY: action_start(c, false, true); break;
	case CMD_SKIP: action_skip(c); break;
	default: return false;
	}
	return true;
}

/* After a resize the grid starts from the top again, as far as the
 * selected chunk lets it. */
static void grid_resize(console *c)
{
	c->grid_top = 0;
}

const view_ops view_grid = {
	.name = "chunks",
	.needs = VIEW_NEEDS_GRID,
	.draw = grid_draw,
	.key = grid_key,
	.resize = grid_resize,
	.click = grid_click,
};
