/*
 * fuzz_output.c - whatever bytes a remote host answers, every text output
 * carve prints shows them and obeys none (out.h).
 *
 * Each input goes through the guard at once and cut at every point (as
 * stdio hands it over), through a CSV field and a JSON string behind the
 * guard, and as the console keeps it (out_textf).  The result must be valid UTF-8 with no control character but
 * tab, line feed and a carriage return before a line feed, no C1 control,
 * bidi control or invisible character; the same however it was cut; a
 * CSV field that is a formula must start with '.  A failed check aborts.
 */
#define _GNU_SOURCE /* open_memstream */
#include "out.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_output: %s\n", what);
		abort();
	}
}

/* The guard's invariants on out (n bytes). */
static void clean(const char *out, size_t n)
{
	const unsigned char *u = (const unsigned char *)out;

	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		int len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
		check(c < 0x80 || (c >= 0xc2 && c <= 0xf4), "a byte that cannot start UTF-8");
		check(i + (size_t)len <= n, "a character cut at the end");
		uint32_t cp = len == 1 ? c : c & (0x7f >> len);
		for (int k = 1; k < len; k++) {
			check((u[i + k] & 0xc0) == 0x80, "a broken UTF-8 sequence");
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		if (cp == '\r')
			check(i + 1 < n && u[i + 1] == '\n', "a carriage return not before a line feed");
		else if (cp < 0x20)
			check(cp == '\t' || cp == '\n', "a C0 control");
		check(cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f), "DEL or a C1 control");
		check(!(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069) &&
		      cp != 0x200e && cp != 0x200f && cp != 0x61c, "a bidi control");
		check(cp != 0x2028 && cp != 0x2029 && cp != 0xfeff && !(cp >= 0x200b && cp <= 0x200d),
		      "an invisible character");
		i += (size_t)len;
	}
}

static void guard_all(carve_buf *out, const char *s, size_t n)
{
	size_t used;
	out_escape(out, s, n, true, &used);
	check(used == n, "final input not all consumed");
}

/* Through the guard in two writes cut at k, as its stream does. */
static void guard_cut(carve_buf *out, const char *s, size_t n, size_t k)
{
	carve_buf in = CARVE_BUF_INIT;
	size_t used;

	carve_buf_put(&in, s, k);
	out_escape(out, in.ptr ? in.ptr : "", in.len, false, &used);
	check(in.len - used <= 3, "more than a character held back");
	carve_buf tail = CARVE_BUF_INIT;
	carve_buf_put(&tail, in.ptr + used, in.len - used);
	carve_buf_put(&tail, s + k, n - k);
	out_escape(out, tail.ptr ? tail.ptr : "", tail.len, true, &used);
	check(used == tail.len, "the rest not consumed");
	carve_buf_done(&tail);
	carve_buf_done(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	carve_buf once = CARVE_BUF_INIT;

	guard_all(&once, s, size);
	check(!once.failed, "out of memory");
	clean(once.ptr ? once.ptr : "", once.len);
	/* every cut of a short input; of a long one, every cut near a
	 * multi-byte character or CR is covered by the short ones */
	for (size_t k = 0; k <= size; k += size <= 48 ? 1 : size / 24) {
		carve_buf cut = CARVE_BUF_INIT;
		guard_cut(&cut, s, size, k);
		check(cut.len == once.len && (!cut.len || !memcmp(cut.ptr, once.ptr, cut.len)),
		      "the output depends on where the input was cut");
		carve_buf_done(&cut);
	}

	/* a CSV field and a JSON string of it (NUL ends a C string: up to it) */
	char *field = strndup(s, size), *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	check(field && f, "out of memory");
	out_csv(f, field);
	fputc('\n', f);
	out_json(f, field);
	fclose(f);
	if (field[0] && strchr("=+-@\t\r", field[0]))
		check(text[0] == '"' && text[1] == '\'', "a CSV formula not neutralised");
	carve_buf shown = CARVE_BUF_INIT;
	guard_all(&shown, text, len);
	clean(shown.ptr ? shown.ptr : "", shown.len);
	carve_buf_done(&shown);
	free(text);

	/* what the console keeps of it, in a field of every size up to 40 */
	for (size_t cap = 1; cap <= 40; cap++) {
		char kept[40];
		out_textf(kept, cap, "%s", field);
		check(strlen(kept) < cap, "the console's copy overran its field");
		clean(kept, strlen(kept));
	}
	free(field);
	carve_buf_done(&once);
	return 0;
}
