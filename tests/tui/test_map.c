/*
 * test_map.c - a floor's drawing laid out for the screen: widened, it is
 * still the drawing (walls drawn out, text kept together, labels at their
 * columns), and a name goes only where it fits whole and reads as its
 * desk's.
 */
#include "map.h"

#include <criterion/criterion.h>
#include <string.h>

static const char *const rows[] = {
	"+-----+--+",
	"| A1   B2 |",
	"|         |",
	"| Room - A  x + y",
	"\xe2\x94\x8c\xe2\x94\x80\xe2\x94\x90 [ ]",
	"\xff ok",
};

static const carve_floor floor_ = { "F1", NULL, rows, sizeof(rows) / sizeof(rows[0]), 17 };

static char *row_of(const floor_canvas *cv, size_t y)
{
	static char out[256];

	map_row(cv, y, 0, cv->width, out, sizeof(out));
	/* the blank end of the row is not the drawing's */
	for (size_t n = strlen(out); n && out[n - 1] == ' '; n--)
		out[n - 1] = '\0';
	return out;
}

Test(map, at_its_own_width_the_drawing_is_as_written)
{
	floor_canvas cv;

	cr_assert_eq(map_scale(&floor_, 20), 1);
	cr_assert_eq(map_build(&cv, &floor_, 1), 0);
	for (size_t y = 0; y < 5; y++)
		cr_assert_str_eq(row_of(&cv, y), rows[y]);
	/* a broken byte is shown as U+FFFD, one column */
	cr_assert_str_eq(row_of(&cv, 5), "\xef\xbf\xbd ok");
	map_done(&cv);
}

Test(map, widened_walls_are_drawn_out_and_text_kept_together)
{
	floor_canvas cv;

	cr_assert_eq(map_scale(&floor_, 40), 2);
	cr_assert_eq(map_scale(&floor_, 400), MAP_SCALE_MAX);
	cr_assert_eq(map_build(&cv, &floor_, 2), 0);
	cr_assert_str_eq(row_of(&cv, 0), "+-----------+-----+");
	/* labels start at twice their column, letters together */
	cr_assert_str_eq(row_of(&cv, 1), "|   A1        B2    |");
	cr_assert_eq(map_col(&cv, 1, 2), 4);
	cr_assert_eq(map_col(&cv, 1, 3), 5);
	cr_assert_eq(map_col(&cv, 1, 7), 14);
	/* "Room - A" is one run of text (a lone - is text, not a wall), as is
	 * "x + y" */
	cr_assert_str_eq(row_of(&cv, 3), "|   Room - A            x + y");
	/* box drawing joined by its own line; a bracketed desk kept */
	cr_assert_str_eq(row_of(&cv, 4), "\xe2\x94\x8c\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
			 "\xe2\x94\x90   [ ]");
	map_done(&cv);
}

Test(map, a_name_goes_beside_or_under_its_desk_whole_or_not_at_all)
{
	floor_canvas cv;
	carve_machine a1 = { .name = "WS-1", .x = 2, .y = 1 };
	carve_machine b2 = { .name = "WS-222", .x = 7, .y = 1 };
	int y, x;

	cr_assert_eq(map_build(&cv, &floor_, 3), 0);
	/* A1 at column 6, its glyph after it at 8; B2 at 21, glyph at 23 */
	cr_assert_eq(map_glyph(&cv, &floor_, &a1), 8);
	cr_assert_eq(map_glyph(&cv, &floor_, &b2), 23);
	/* beside A1: columns 10-13, a blank kept before B2 */
	cr_assert(map_place(&cv, 1, 8, 6, "WS-1", &y, &x));
	cr_assert_eq(y, 1);
	cr_assert_eq(x, 10);
	/* beside B2 the wall is in the way (a name may touch a wall, not
	 * run into it): under it */
	cr_assert(map_place(&cv, 1, 23, 21, "WS-222", &y, &x));
	cr_assert_eq(y, 2);
	cr_assert_eq(x, 21);
	cr_assert_str_eq(row_of(&cv, 1), "|     A1  WS-1       B2       |");
	cr_assert_str_eq(row_of(&cv, 2), "|                    WS-222   |");
	/* too long for either: nowhere, and nothing written */
	cr_assert_not(map_place(&cv, 1, 8, 6, "A-NAME-FAR-TOO-LONG-FOR-THIS", &y, &x));
	cr_assert_str_eq(row_of(&cv, 1), "|     A1  WS-1       B2       |");
	map_done(&cv);
}
