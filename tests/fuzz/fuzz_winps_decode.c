/*
 * fuzz_winps_decode.c - whatever a Windows machine (or a client of the lab
 * server) sends must decode to clean UTF-8 or be refused cleanly.
 *
 * Checks, on every input:
 *   - carve_win_decode, with both code pages, succeeds and gives valid UTF-8
 *     with no NUL, no CR, no blank at a line end, and one final LF; decoding
 *     its own output again changes nothing;
 *   - carve_ps_decode_command either refuses or gives valid UTF-8 that
 *     carve_ps_command encodes and carve_ps_decode_command reads back as is.
 * A failed check aborts.
 */
#include "winps.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Written apart from winps.c so that a bug there is not a bug here. */
static int valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 2, cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 3, cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 4, cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i < n)
			return 0;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n;
	}
	return 1;
}

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_clean_text(const carve_buf *b)
{
	const char *s = carve_buf_cstr((carve_buf *)b);

	check(valid_utf8((const unsigned char *)s, b->len));
	check(strlen(s) == b->len);
	check(strchr(s, '\r') == NULL);
	check(b->len == 0 || s[b->len - 1] == '\n');
	check(b->len < 2 || s[b->len - 2] != '\n');
	for (size_t i = 1; i < b->len; i++)
		check(s[i] != '\n' || (s[i - 1] != ' ' && s[i - 1] != '\t'));
}

static void fuzz_win_decode(const uint8_t *data, size_t size, carve_oem_codepage cp)
{
	carve_buf out = CARVE_BUF_INIT, again = CARVE_BUF_INIT;

	check(carve_win_decode(&out, data, size, cp) == 0);
	check_clean_text(&out);
	/* A U+FEFF at the start would be taken for a BOM the second time. */
	if (out.len < 3 || memcmp(out.ptr, "\xEF\xBB\xBF", 3) != 0) {
		check(carve_win_decode(&again, (const unsigned char *)out.ptr, out.len, cp) == 0);
		check(again.len == out.len &&
		      memcmp(carve_buf_cstr(&again), carve_buf_cstr(&out), out.len) == 0);
	}
	carve_buf_done(&out);
	carve_buf_done(&again);
}

static void fuzz_decode_command(const uint8_t *data, size_t size)
{
	carve_buf script = CARVE_BUF_INIT, cmd = CARVE_BUF_INIT, back = CARVE_BUF_INIT;
	char *line = malloc(size + 1);

	if (!line)
		return;
	memcpy(line, data, size);
	line[size] = '\0';
	if (carve_ps_decode_command(&script, line) == 0) {
		check(script.len > 0);
		check(valid_utf8((const unsigned char *)script.ptr, script.len));
		check(strlen(script.ptr) == script.len);
		check(carve_ps_command(&cmd, script.ptr) == 0);
		check(carve_ps_decode_command(&back, cmd.ptr) == 0);
		check(back.len == script.len && memcmp(back.ptr, script.ptr, back.len) == 0);
	} else {
		check(script.len == 0);
	}
	free(line);
	carve_buf_done(&script);
	carve_buf_done(&cmd);
	carve_buf_done(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_win_decode(data, size, CARVE_OEM_437);
	fuzz_win_decode(data, size, CARVE_OEM_850);
	fuzz_decode_command(data, size);
	return 0;
}
