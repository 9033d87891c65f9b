/*
 * glyph.h - the status glyphs, in UTF-8 or ASCII as the locale allows.
 */
#ifndef CARVE_GLYPH_H
#define CARVE_GLYPH_H

#include "carve.h"

#include <stdbool.h>

/* Decides once, from the locale's codeset, whether UTF-8 glyphs can be
 * drawn.  Call after setlocale(). */
void glyph_init(void);

/* The glyph for a status: · ▶ ✓ ! ✗ ⊘ ↷ ↯, or . > + ! x # - ~ in ASCII.
 * Static string. */
const char *glyph_status(carve_status s);

/* Whether glyphs are drawn in UTF-8 (else ASCII). */
bool glyph_is_utf8(void);

/* How urgent a status is for a person, 0 (failed) to 7 (ok); anything
 * else (no status yet) is 99.  A machine shows its most urgent. */
int glyph_urgency(carve_status s);

/* The UTF-8 glyph whatever the locale (for files such as the HTML report). */
const char *glyph_status_utf8(carve_status s);

#endif
