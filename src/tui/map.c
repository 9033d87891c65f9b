/*
 * map.c - see map.h.
 */
#include "map.h"
#include "states.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The byte where column col of a UTF-8 row begins, or NULL past its end. */
static const char *column_at(const char *row, unsigned col)
{
	const char *p = states_skip_columns(row, col);

	return *p ? p : NULL;
}

static bool label_char(const char *p)
{
	return p && (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.');
}

bool floor_label(const carve_floor *f, unsigned x, unsigned y, unsigned *start, unsigned *len,
		 char *out, size_t cap)
{
	if (out && cap)
		out[0] = '\0';
	if (y >= f->row_count || !label_char(column_at(f->rows[y], x)))
		return false;
	unsigned a = x, b = x + 1;
	while (a > 0 && label_char(column_at(f->rows[y], a - 1)))
		a--;
	while (label_char(column_at(f->rows[y], b)))
		b++;
	*start = a;
	*len = b - a;
	if (out && cap) {
		const char *from = column_at(f->rows[y], a); /* labels are ASCII */
		snprintf(out, cap, "%.*s", (int)(b - a), from);
	}
	return true;
}

int map_scale(const carve_floor *f, int cols)
{
	int k = f->width ? cols / (int)f->width : 1;

	return k < 1 ? 1 : k > MAP_SCALE_MAX ? MAP_SCALE_MAX : k;
}

/* One UTF-8 row as code points, one a column; a broken byte is U+FFFD.
 * The count. */
static size_t decode(const char *s, uint32_t *out, size_t cap)
{
	size_t n = 0;

	while (*s && n < cap) {
		unsigned char b = (unsigned char)*s++;
		unsigned more = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
		uint32_t cp = more ? b & (0x3fu >> more) : b;
		if (b >= 0x80 && b < 0xc0)
			cp = 0xfffd, more = 0;
		for (; more; more--, s++) {
			if (((unsigned char)*s & 0xc0) != 0x80) {
				cp = 0xfffd;
				break;
			}
			cp = cp << 6 | ((unsigned char)*s & 0x3f);
		}
		out[n++] = cp;
	}
	return n;
}

static bool box(uint32_t c)
{
	return c >= 0x2500 && c <= 0x257f;
}

/* Whether a wall character has an arm to that side: ASCII walls and box
 * drawing, less the box characters with no arm that way (Unicode's Box
 * Drawing block, U+2500-U+257F). */
static bool arm(uint32_t c, bool right)
{
	static const uint32_t no_right[] = { 0x2502, 0x2503, 0x2551, 0x2524, 0x2510, 0x2518,
					     0x2561, 0x2562, 0x2555, 0x2556, 0x255b, 0x255c,
					     0x2563, 0x2557, 0x255d };
	static const uint32_t no_left[] = { 0x2502, 0x2503, 0x2551, 0x251c, 0x250c, 0x2514,
					    0x255e, 0x255f, 0x2552, 0x2553, 0x2558, 0x2559,
					    0x2560, 0x2554, 0x255a };
	const uint32_t *no = right ? no_right : no_left;

	if (c == '-' || c == '=' || c == '+')
		return true;
	if (!box(c))
		return false;
	for (size_t i = 0; i < sizeof(no_right) / sizeof(no_right[0]); i++)
		if (no[i] == c)
			return false;
	return true;
}

/* '-', '=' and '+' are walls when they meet another ("+----+"), text when
 * they stand alone ("Finance - open plan", "badge + key"). */
static bool wall(const uint32_t *r, size_t n, size_t x)
{
	uint32_t c = r[x];
	bool joined = (x > 0 && (arm(r[x - 1], true) && r[x - 1] != ' ')) ||
		      (x + 1 < n && arm(r[x + 1], false));

	if (c == '|' || box(c))
		return true;
	return (c == '-' || c == '=' || c == '+') && joined;
}

static bool text(const uint32_t *r, size_t n, size_t x)
{
	return x < n && r[x] != ' ' && !wall(r, n, x);
}

static void put(floor_canvas *cv, size_t y, size_t x, uint32_t c)
{
	if (x < cv->width) {
		cv->cell[y * cv->width + x] = c;
		cv->used[y * cv->width + x] = c != ' ';
	}
}

int map_build(floor_canvas *cv, const carve_floor *f, int scale)
{
	size_t k = (size_t)scale;

	memset(cv, 0, sizeof(*cv));
	cv->scale = scale;
	cv->rows = f->row_count;
	cv->in_width = f->width;
	cv->width = k * f->width;
	size_t cells = cv->rows * cv->width, in_cells = cv->rows * cv->in_width;
	uint32_t *r = malloc((cv->in_width ? cv->in_width : 1) * sizeof(*r));
	cv->cell = malloc((cells ? cells : 1) * sizeof(*cv->cell));
	cv->used = calloc(cells ? cells : 1, sizeof(*cv->used));
	cv->col = malloc((in_cells ? in_cells : 1) * sizeof(*cv->col));
	if (!r || !cv->cell || !cv->used || !cv->col) {
		free(r);
		map_done(cv);
		return CARVE_ENOMEM;
	}
	for (size_t i = 0; i < cells; i++)
		cv->cell[i] = ' ';
	for (size_t y = 0; y < cv->rows; y++) {
		size_t n = decode(f->rows[y], r, cv->in_width);
		int *col = &cv->col[y * cv->in_width];
		for (size_t x = 0; x < cv->in_width; x++)
			col[x] = (int)(k * x);
		for (size_t x = 0; x < n;) {
			if (text(r, n, x)) {
				/* a run of text, single spaces inside it, kept
				 * together where its first column falls */
				size_t s = x;
				while (text(r, n, x) || (x < n && r[x] == ' ' && text(r, n, x + 1) && x > s))
					x++;
				for (size_t i = s; i < x; i++) {
					col[i] = (int)(k * s + i - s);
					put(cv, y, (size_t)col[i], r[i]);
				}
				continue;
			}
			if (r[x] != ' ')
				put(cv, y, k * x, r[x]);
			/* a wall drawn out to the next column's wall */
			if (wall(r, n, x) && x + 1 < n && wall(r, n, x + 1) && arm(r[x], true) &&
			    arm(r[x + 1], false)) {
				uint32_t line = r[x] == '=' || r[x + 1] == '=' ? '='
						: box(r[x]) || box(r[x + 1]) ? 0x2500 : '-';
				for (size_t i = 1; i < k; i++)
					put(cv, y, k * x + i, line);
			}
			x++;
		}
	}
	free(r);
	return 0;
}

void map_done(floor_canvas *cv)
{
	free(cv->cell);
	free(cv->used);
	free(cv->col);
	memset(cv, 0, sizeof(*cv));
}

int map_col(const floor_canvas *cv, unsigned y, unsigned x)
{
	if (y < cv->rows && x < cv->in_width)
		return cv->col[y * cv->in_width + x];
	return cv->scale * (int)x;
}

/* Whether column col of the drawing's row is blank (a space, or past the
 * row's end). */
static bool blank_at(const char *row, int col)
{
	const char *p = col < 0 ? NULL : states_skip_columns(row, (unsigned)col);

	return p && (*p == ' ' || *p == '\0');
}

int map_glyph(floor_canvas *cv, const carve_floor *f, const carve_machine *m)
{
	unsigned start, len;
	int x;

	if (!floor_label(f, m->x, m->y, &start, &len, NULL, 0))
		x = map_col(cv, m->y, m->x);
	else if (blank_at(f->rows[m->y], (int)(start + len)))
		x = map_col(cv, m->y, start) + (int)len;
	else if (start > 0 && blank_at(f->rows[m->y], (int)start - 1))
		x = map_col(cv, m->y, start) - 1;
	else
		x = map_col(cv, m->y, m->x);
	if (m->y < cv->rows && x >= 0 && (size_t)x < cv->width)
		cv->used[m->y * cv->width + (size_t)x] = true;
	return x;
}

void map_take(floor_canvas *cv, size_t y, int x, int n)
{
	for (; n > 0 && y < cv->rows; n--, x++)
		if (x >= 0 && (size_t)x < cv->width)
			cv->used[y * cv->width + (size_t)x] = true;
}

/* Whether column x of row y can stand beside a name: blank, a wall, or
 * past the drawing's edge (only text and other names want a gap). */
static bool margin(const floor_canvas *cv, size_t y, int x)
{
	uint32_t c;

	if (x < 0 || (size_t)x >= cv->width || !cv->used[y * cv->width + (size_t)x])
		return true;
	c = cv->cell[y * cv->width + (size_t)x];
	return c == '|' || c == '+' || box(c);
}

/* Whether n columns from x of row y are blank, with a margin either side. */
static bool room(const floor_canvas *cv, size_t y, int x, size_t n)
{
	if (x < 0 || (size_t)x + n > cv->width || !margin(cv, y, x - 1) ||
	    !margin(cv, y, x + (int)n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (cv->used[y * cv->width + (size_t)x + i])
			return false;
	return true;
}

bool map_place(floor_canvas *cv, size_t y, int glyph, int label, const char *text_, int *at_y,
	       int *at_x)
{
	uint32_t t[64];
	size_t n = decode(text_, t, sizeof(t) / sizeof(t[0]));
	/* beside the glyph; else under the desk, from its label, or a few
	 * columns left of it when a wall or the next desk's name is close */
	struct {
		size_t y;
		int x;
	} spot[] = { { y, glyph + 2 }, { y + 1, label }, { y + 1, label - 1 },
		     { y + 1, label - 2 }, { y + 1, label - 3 } };

	if (!n || y >= cv->rows)
		return false;
	for (size_t i = 0; i < sizeof(spot) / sizeof(spot[0]); i++) {
		size_t sy = spot[i].y;
		int sx = spot[i].x;
		if (sy >= cv->rows || !room(cv, sy, sx, n))
			continue;
		for (size_t j = 0; j < n; j++)
			put(cv, (size_t)sy, (size_t)sx + j, t[j]);
		*at_y = (int)sy;
		*at_x = sx;
		return true;
	}
	return false;
}

/* Appends code point c to out as UTF-8 while it fits before cap. */
static size_t encode(uint32_t c, char *out, size_t at, size_t cap)
{
	char b[4];
	size_t n;

	if (c < 0x80)
		b[0] = (char)c, n = 1;
	else if (c < 0x800)
		b[0] = (char)(0xc0 | c >> 6), b[1] = (char)(0x80 | (c & 0x3f)), n = 2;
	else if (c < 0x10000)
		b[0] = (char)(0xe0 | c >> 12), b[1] = (char)(0x80 | (c >> 6 & 0x3f)),
		b[2] = (char)(0x80 | (c & 0x3f)), n = 3;
	else
		b[0] = (char)(0xf0 | c >> 18), b[1] = (char)(0x80 | (c >> 12 & 0x3f)),
		b[2] = (char)(0x80 | (c >> 6 & 0x3f)), b[3] = (char)(0x80 | (c & 0x3f)), n = 4;
	if (at + n >= cap)
		return at;
	memcpy(out + at, b, n);
	return at + n;
}

void map_row(const floor_canvas *cv, size_t y, size_t from, size_t n, char *out, size_t cap)
{
	size_t at = 0;

	if (!cap)
		return;
	for (size_t x = from; y < cv->rows && x < from + n && x < cv->width; x++)
		at = encode(cv->cell[y * cv->width + x], out, at, cap);
	out[at] = '\0';
}
