/*
 * map.h - a floor's drawing laid out for a screen: the desks' labels
 * found, and, where the screen is wider than the drawing, the drawing
 * widened so each desk has room for its machine's name.
 *
 * Widening keeps the drawing a drawing: walls are drawn out, text keeps
 * its letters together and starts where its column falls, and the room
 * that opens between desks is blank.  Every drawing column has one screen
 * column (map_col), so a machine's place, a click and the scrolling all
 * go through one map.  No curses here: the views draw the rows it gives.
 */
#ifndef CARVE_MAP_H
#define CARVE_MAP_H

#include "carve.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The widest a drawing is widened: three times leaves desks a plan draws
 * a few columns apart room for a NetBIOS name. */
#define MAP_SCALE_MAX 3

typedef struct {
	int scale;             /* screen columns per drawing column */
	size_t rows;
	size_t width;          /* in screen columns */
	size_t in_width;       /* in drawing columns */
	uint32_t *cell;        /* rows x width code points */
	bool *used;            /* rows x width: drawn, a glyph's or a name's */
	int *col;              /* rows x in_width: each drawing column's screen column */
} floor_canvas;

/* The label drawn on floor f around column x of row y (letters, digits,
 * - _ .): its first column and width, and (out, may be NULL) its text;
 * false when no label is drawn there. */
bool floor_label(const carve_floor *f, unsigned x, unsigned y, unsigned *start, unsigned *len,
		 char *out, size_t cap);

/* How many times f's drawing is widened on a screen cols wide. */
int map_scale(const carve_floor *f, int cols);

/* Lays f out at scale into cv.  0, or CARVE_ENOMEM (cv left empty). */
int map_build(floor_canvas *cv, const carve_floor *f, int scale);
void map_done(floor_canvas *cv);

/* The screen column of column x of row y of the drawing. */
int map_col(const floor_canvas *cv, unsigned y, unsigned x);

/* The screen column of m's glyph: beside its desk's label (after it, or
 * before it, on a blank), so the drawing keeps "A01" and not "x01"; over
 * the label only when it has no room; at its place when no label is drawn
 * there.  The cell is taken (map_place writes no name over it). */
int map_glyph(floor_canvas *cv, const carve_floor *f, const carve_machine *m);

/* Takes n cells of row y from column x: no name is written there. */
void map_take(floor_canvas *cv, size_t y, int x, int n);

/* Writes text (UTF-8) into the blank room near the glyph at column glyph
 * of row y, whose desk label starts at column label: beside the glyph, or
 * on the blank row under the desk, a blank column kept either side (a
 * name over a desk would read as the name of the desk above it).  Only whole: false when it fits nowhere.  *at_y, *at_x get where. */
bool map_place(floor_canvas *cv, size_t y, int glyph, int label, const char *text, int *at_y,
	       int *at_x);

/* Appends row y's columns from..from+n (as far as the row goes) as UTF-8
 * to out (NUL-terminated, cut at cap). */
void map_row(const floor_canvas *cv, size_t y, size_t from, size_t n, char *out, size_t cap);

#endif
