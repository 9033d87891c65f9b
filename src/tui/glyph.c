/*
 * glyph.c - status glyphs.  Every status also has a colour in the console,
 * but the glyph alone must tell them apart (NO_COLOR, printouts, logs).
 */
#include "glyph.h"

#include <langinfo.h>
#include <string.h>
#include <strings.h>

static bool utf8;

void glyph_init(void)
{
	const char *codeset = nl_langinfo(CODESET);

	utf8 = codeset && (strcasecmp(codeset, "UTF-8") == 0 ||
			   strcasecmp(codeset, "utf8") == 0);
}

const char *glyph_status_utf8(carve_status s)
{
	static const char *const fancy[CARVE_STATUS__COUNT] = {
		[CARVE_STATUS_PENDING] = "\u00b7", [CARVE_STATUS_RUNNING] = "\u25b6",
		[CARVE_STATUS_OK] = "\u2713",      [CARVE_STATUS_WARN] = "!",
		[CARVE_STATUS_FAILED] = "\u2717",  [CARVE_STATUS_BLOCKED] = "\u2298",
		[CARVE_STATUS_SKIPPED] = "\u21b7", [CARVE_STATUS_INTERRUPTED] = "\u21af",
	};

	return (unsigned)s < CARVE_STATUS__COUNT ? fancy[s] : "?";
}

const char *glyph_status(carve_status s)
{
	static const char *const plain[CARVE_STATUS__COUNT] = {
		[CARVE_STATUS_PENDING] = ".", [CARVE_STATUS_RUNNING] = ">",
		[CARVE_STATUS_OK] = "+",      [CARVE_STATUS_WARN] = "!",
		[CARVE_STATUS_FAILED] = "x",  [CARVE_STATUS_BLOCKED] = "#",
		[CARVE_STATUS_SKIPPED] = "-", [CARVE_STATUS_INTERRUPTED] = "~",
	};

	if ((unsigned)s >= CARVE_STATUS__COUNT)
		return "?";
	return utf8 ? glyph_status_utf8(s) : plain[s];
}

int glyph_urgency(carve_status s)
{
	static const carve_status order[] = {
		CARVE_STATUS_FAILED, CARVE_STATUS_INTERRUPTED, CARVE_STATUS_BLOCKED,
		CARVE_STATUS_WARN, CARVE_STATUS_RUNNING, CARVE_STATUS_PENDING,
		CARVE_STATUS_SKIPPED, CARVE_STATUS_OK,
	};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] == s)
			return (int)i;
	return 99;
}

bool glyph_is_utf8(void)
{
	return utf8;
}
