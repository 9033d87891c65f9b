/*
 * report_html.c - carve report --format html: one self-contained file (no
 * scripts, fonts, images or links to fetch) for people who were not there:
 * first the verdict per chunk, then a timeline of the night, the grid with
 * durations, the failures with their diagnosis and evidence, every skip
 * with its reason and who, every floor note, the floor maps as SVG with
 * the machines named and coloured by status, the teardown checklist with
 * its sign-offs, and the verdict on the audit log.
 */
#include "glyph.h"
#include "out.h"
#include "report.h"
#include "states.h"

#include <stdlib.h>
#include <string.h>

#define CELL_W 8
#define CELL_H 16

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: putc(*s, f);
		}
	}
}

/* One table cell of escaped text. */
static void cell(FILE *f, const char *s)
{
	fputs("<td>", f);
	esc(f, s);
	fputs("</td>", f);
}

static void status_span(FILE *f, carve_status s)
{
	fprintf(f, "<span class=\"st\" style=\"color:%s\">%s %s</span>", report_colour(s),
		glyph_status_utf8(s), carve_status_name(s));
}

static void grid(FILE *f, const report *r)
{
	size_t n;
	const carve_chunk *chunks = carve_plan_chunks(r->plan, &n);

	fputs("<h2>Chunks and phases</h2>\n<table>\n<tr><th>chunk</th><th>cutover</th>", f);
	for (int p = 0; p < CARVE_PHASE__COUNT; p++)
		fprintf(f, "<th>%s</th>", carve_phase_name((carve_phase)p));
	fputs("</tr>\n", f);
	for (size_t c = 0; c < n && c < r->grid.chunk_count; c++) {
		fputs("<tr><th>", f);
		esc(f, chunks[c].name);
		fputs("</th><td>", f);
		esc(f, chunks[c].cutover_text);
		fputs("</td>", f);
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			const unsigned *k = r->grid.counts[c][p];
			fprintf(f, "<td>%u/%u done", cell_done(k), cell_total(k));
			for (int s = 0; s < CARVE_STATUS__COUNT; s++)
				if (k[s] && s != CARVE_STATUS_OK && s != CARVE_STATUS_PENDING)
					fprintf(f, "<br><span style=\"color:%s\">%s %u %s</span>",
						report_colour((carve_status)s),
						glyph_status_utf8((carve_status)s), k[s],
						carve_status_name((carve_status)s));
			char took[24];
			states_duration(took, report_seconds(&r->spans[c][p]), true);
			if (r->spans[c][p].first[0])
				fprintf(f, "<br><small>%s</small>", took);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Evidence for people: the JSON a member a line, and a line that repeats
 * the one before it (an ADMT log's retries) once, with how many times. */
static void readable(FILE *f, const char *evidence)
{
	carve_buf laid = CARVE_BUF_INIT;
	const char *prev = NULL;
	size_t prev_len = 0, repeats = 0;

	out_json_layout(&laid, evidence);
	for (const char *p = carve_buf_cstr(&laid); *p;) {
		size_t len = strcspn(p, "\n");
		if (prev && len == prev_len && !memcmp(p, prev, len)) {
			repeats++;
		} else {
			if (repeats)
				fprintf(f, "  (the line above %zu times more)\n", repeats);
			repeats = 0;
			char *line = strndup(p, len);
			esc(f, line);
			free(line);
			putc('\n', f);
			prev = p;
			prev_len = len;
		}
		p += len + (p[len] == '\n');
	}
	if (repeats)
		fprintf(f, "  (the line above %zu times more)\n", repeats);
	carve_buf_done(&laid);
}

static void failures(FILE *f, const report *r)
{
	fprintf(f, "<h2>Failures (%zu)</h2>\n", r->failure_count);
	if (!r->failure_count) {
		fputs("<p>None.</p>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>object</th><th>chunk</th><th>phase</th><th>step</th>"
	      "<th>status</th><th>diagnosis</th><th>evidence</th></tr>\n", f);
	for (size_t i = 0; i < r->failure_count; i++) {
		const report_failure *x = &r->failures[i];
		fputs("<tr>", f);
		cell(f, x->object);
		cell(f, x->chunk);
		cell(f, x->phase);
		cell(f, x->step);
		fputs("<td>", f);
		status_span(f, x->status);
		fputs("</td>", f);
		cell(f, x->diagnosis);
		fputs("<td>", f);
		if (x->evidence) {
			fputs("<details><summary>evidence</summary><pre>", f);
			readable(f, x->evidence);
			fputs("</pre></details>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The floor's drawing as text, each machine a coloured cell with its glyph
 * and its name and status as a tooltip. */
static void floor_svg(FILE *f, const report *r, size_t fl)
{
	size_t n_floors, n_machines;
	const carve_floor *floor = &carve_plan_floors(r->plan, &n_floors)[fl];
	const carve_machine *m = carve_plan_machines(r->plan, &n_machines);

	fputs("<h3>", f);
	esc(f, floor->title ? floor->title : floor->name);
	fprintf(f, "</h3>\n<svg width=\"%zu\" height=\"%zu\""
		" font-family=\"monospace\" font-size=\"13\">\n",
		(floor->width + 12) * CELL_W, (floor->row_count + 2) * CELL_H);
	for (size_t row = 0; row < floor->row_count; row++) {
		fprintf(f, "<text x=\"0\" y=\"%zu\" fill=\"#555\" xml:space=\"preserve\">",
			(row + 1) * CELL_H - 4);
		esc(f, floor->rows[row]);
		fputs("</text>\n", f);
	}
	for (size_t i = 0; i < n_machines; i++) {
		if (m[i].floor != fl)
			continue;
		carve_status s = r->machine_status[i];
		fputs("<g><title>", f);
		esc(f, m[i].name);
		fprintf(f, ": %s</title><rect x=\"%u\" y=\"%u\" width=\"%d\" height=\"%d\" rx=\"3\""
			" fill=\"%s\"/><text x=\"%u\" y=\"%u\" fill=\"#fff\" text-anchor=\"middle\">"
			"%s</text></g>\n", carve_status_name(s), m[i].x * CELL_W, m[i].y * CELL_H,
			2 * CELL_W, CELL_H, report_colour(s), m[i].x * CELL_W + CELL_W,
			(m[i].y + 1) * CELL_H - 4, glyph_status_utf8(s));
		/* the name under its desk, where the drawing leaves a row,
		 * squeezed to the room before the next desk of its row, or
		 * before the drawing's right edge */
		unsigned room = floor->width > m[i].x + 1 ? (unsigned)floor->width - 1 - m[i].x : 1;
		for (size_t k = 0; k < n_machines; k++)
			if (m[k].floor == fl && m[k].y == m[i].y && m[k].x > m[i].x &&
			    m[k].x - m[i].x < room)
				room = m[k].x - m[i].x;
		double natural = 5.4 * (double)strlen(m[i].name), fits = room * CELL_W - 4.0;
		fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"9\" fill=\"#222\"", m[i].x * CELL_W,
			(m[i].y + 1) * CELL_H + 9);
		if (natural > fits)
			fprintf(f, " textLength=\"%.0f\" lengthAdjust=\"spacingAndGlyphs\"", fits);
		putc('>', f);
		esc(f, m[i].name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

/* For people who were not there, first: can each chunk go ahead. */
static void verdicts(FILE *f, const report *r)
{
	size_t n;
	const carve_chunk *chunks = carve_plan_chunks(r->plan, &n);
	char text[512];

	fputs("<h2>Verdict</h2>\n<table>\n", f);
	for (size_t c = 0; c < n && c < r->grid.chunk_count; c++) {
		bool go = report_verdict(text, sizeof(text), &r->grid, c);
		fputs("<tr><th>", f);
		esc(f, chunks[c].name);
		fprintf(f, "</th><td style=\"color:%s\"><strong>",
			report_colour(go ? CARVE_STATUS_OK : CARVE_STATUS_FAILED));
		esc(f, text);
		fputs("</strong></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* A picture of the night: per chunk and phase, a bar from its first event
 * to its last, coloured by how the cell ended, and a red tick where each
 * failure standing now was recorded. */
static void timeline(FILE *f, const report *r)
{
	size_t n;
	const carve_chunk *chunks = carve_plan_chunks(r->plan, &n);
	double t0 = -1, t1 = -1;
	const char *start = "";
	const int left = 230, width = 640, bar = 12;

	for (size_t c = 0; c < n && c < r->grid.chunk_count; c++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			double a = states_time(r->spans[c][p].first);
			double b = states_time(r->spans[c][p].last);
			if (a >= 0 && (t0 < 0 || a < t0)) {
				t0 = a;
				start = r->spans[c][p].first;
			}
			if (b >= 0 && b > t1)
				t1 = b;
		}
	fputs("<h2>Timeline</h2>\n", f);
	if (t0 < 0) {
		fputs("<p>Nothing has run yet.</p>\n", f);
		return;
	}
	double span = t1 > t0 ? t1 - t0 : 1;
	size_t rows = 0;
	for (size_t c = 0; c < n && c < r->grid.chunk_count; c++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++)
			rows += r->spans[c][p].first[0] != 0;
	char total[24];
	states_duration(total, span, true);
	fprintf(f, "<svg width=\"%d\" height=\"%zu\" font-family=\"sans-serif\" font-size=\"11\">\n",
		left + width + 80, (rows + 2) * (bar + 6) + 10);
	fprintf(f, "<text x=\"%d\" y=\"12\">%.16s UTC</text><text x=\"%d\" y=\"12\""
		" text-anchor=\"end\">+%s</text>\n", left, start, left + width, total);
	size_t row = 0;
	for (size_t c = 0; c < n && c < r->grid.chunk_count; c++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			const report_span *sp = &r->spans[c][p];
			if (!sp->first[0])
				continue;
			double a = states_time(sp->first), b = states_time(sp->last);
			int y = 20 + (int)row++ * (bar + 6);
			int x = left + (int)((a - t0) / span * width);
			int w = (int)((b - a) / span * width);
			const unsigned *k = r->grid.counts[c][p];
			carve_status worst = k[CARVE_STATUS_FAILED] || k[CARVE_STATUS_INTERRUPTED]
					     ? CARVE_STATUS_FAILED : k[CARVE_STATUS_BLOCKED]
					     ? CARVE_STATUS_BLOCKED : CARVE_STATUS_OK;
			char took[24];
			states_duration(took, b - a, true);
			fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 6,
				y + bar - 2);
			esc(f, chunks[c].name);
			fprintf(f, " %s</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
				" fill=\"%s\"><title>%s</title></rect><text x=\"%d\" y=\"%d\">%s"
				"</text>\n", carve_phase_name((carve_phase)p), x, y, w < 2 ? 2 : w,
				bar, report_colour(worst), took, x + (w < 2 ? 2 : w) + 4, y + bar - 2,
				took);
			for (size_t i = 0; i < r->failure_count; i++) {
				const report_failure *x2 = &r->failures[i];
				carve_phase fp;
				if (!x2->chunk || strcmp(x2->chunk, chunks[c].name) ||
				    carve_phase_parse(&fp, x2->phase) < 0 || (int)fp != p)
					continue;
				int fx = left + (int)((states_time(x2->time) - t0) / span * width);
				fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\""
					" stroke=\"%s\" stroke-width=\"2\"/>\n", fx, fx, y - 2,
					y + bar + 2, report_colour(CARVE_STATUS_FAILED));
			}
		}
	fputs("</svg>\n", f);
}

/* Skips, with their reason and who decided; floor notes, with who. */
static void people(FILE *f, const char *title, const report_failure *list, size_t n,
		   bool skips)
{
	fprintf(f, "<h2>%s (%zu)</h2>\n", title, n);
	if (!n) {
		fputs("<p>None.</p>\n", f);
		return;
	}
	fprintf(f, "<table>\n<tr><th>object</th><th>chunk</th>%s<th>%s</th><th>by</th>"
		"<th>when</th></tr>\n", skips ? "<th>step</th>" : "", skips ? "why" : "note");
	for (size_t i = 0; i < n; i++) {
		const report_failure *x = &list[i];
		fputs("<tr>", f);
		cell(f, x->object);
		cell(f, x->chunk);
		if (skips) {
			fputs("<td>", f);
			esc(f, x->phase);
			fputs("/", f);
			esc(f, x->step);
			fputs("</td>", f);
		}
		cell(f, x->diagnosis);
		cell(f, x->actor);
		cell(f, x->time);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void legend(FILE *f)
{
	fputs("<p>", f);
	for (int s = 0; s < CARVE_STATUS__COUNT; s++) {
		status_span(f, (carve_status)s);
		fputs(" &nbsp; ", f);
	}
	fputs("</p>\n", f);
}

static void item_row(FILE *f, const char *id, const char *title, const report_item *it,
		     bool verified)
{
	fputs("<tr>", f);
	cell(f, id);
	cell(f, title);
	fputs("<td>", f);
	status_span(f, it->status);
	fputs("</td><td>", f);
	if (it->actor && strcmp(it->actor, "engine") != 0) {
		fputs("signed off by ", f);
		esc(f, it->actor);
		fputs(" at ", f);
		esc(f, it->time);
	} else if (it->status == CARVE_STATUS_OK) {
		fputs("verified by carve at ", f);
		esc(f, it->time);
	} else if (verified || it->diagnosis) {
		esc(f, it->diagnosis ? it->diagnosis : "not verified yet");
	} else {
		fputs("waiting for a sign-off", f);
	}
	if (it->diagnosis && it->actor && strcmp(it->actor, "engine") != 0) {
		fputs(": ", f);
		esc(f, it->diagnosis);
	}
	fputs("</td></tr>\n", f);
}

static void checklist(FILE *f, const report *r)
{
	size_t n, n_users;
	const carve_teardown_item *items = carve_plan_teardown(r->plan, &n);
	const carve_user *users = carve_plan_users(r->plan, &n_users);

	fputs("<h2>Teardown</h2>\n<table>\n<tr><th>item</th><th>what</th><th>status</th>"
	      "<th>by</th></tr>\n", f);
	for (size_t i = 0; i < n; i++)
		item_row(f, items[i].id, items[i].title, &r->teardown[i],
			 items[i].verify != CARVE_VERIFY_NONE);
	fputs("</table>\n<h2>ActiveSync devices</h2>\n<table>\n<tr><th>user</th><th>device</th>"
	      "<th>status</th><th>by</th></tr>\n", f);
	for (size_t i = 0; i < n_users; i++)
		if (users[i].activesync)
			item_row(f, users[i].name, users[i].activesync, &r->activesync[i], false);
	fputs("</table>\n", f);
}

void report_write_html(FILE *f, const report *r)
{
	const carve_site *site = carve_plan_site(r->plan);
	size_t n_floors;

	carve_plan_floors(r->plan, &n_floors);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	esc(f, site->name);
	fputs(" - carve report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:2em;color:#222}\n"
	      "table{border-collapse:collapse;margin-bottom:1em}\n"
	      "th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}\n"
	      "pre{white-space:pre-wrap;max-width:60em}\n.st{white-space:nowrap}\n"
	      "</style></head><body>\n<h1>", f);
	esc(f, site->name);
	fputs("</h1>\n<p>", f);
	esc(f, site->source.netbios);
	fputs(" &rarr; ", f);
	esc(f, site->target.netbios);
	fprintf(f, ". Report made %s by carve %s from ", r->generated, CARVE_VERSION);
	esc(f, carve_plan_path(r->plan));
	fputs(".</p>\n<p><strong>Audit log:</strong> ", f);
	if (!r->chain_checked)
		fputs("none yet.", f);
	else if (r->chain.ok)
		fprintf(f, "%lld events, verified (chain, derived tables and seals)."
			" Head <code>%lld:%s</code>: keep it to check this log later with"
			" <code>carve verify --head</code>.", (long long)r->chain.events,
			(long long)r->chain.head_seq, r->chain.head_hash);
	else {
		fprintf(f, "<span style=\"color:%s\">FAILED verification at event %lld: ",
			report_colour(CARVE_STATUS_FAILED), (long long)r->chain.bad_seq);
		esc(f, r->chain.reason);
		fputs("</span>", f);
	}
	fputs("</p>\n", f);
	verdicts(f, r);
	timeline(f, r);
	grid(f, r);
	failures(f, r);
	people(f, "Skipped", r->skips, r->skip_count, true);
	people(f, "Floor notes", r->notes, r->note_count, false);
	fputs("<h2>Floors</h2>\n", f);
	legend(f);
	for (size_t i = 0; i < n_floors; i++)
		floor_svg(f, r, i);
	checklist(f, r);
	fputs("</body></html>\n", f);
}
