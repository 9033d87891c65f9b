/*
 * winps_encode.c - building what carve sends to Windows: PowerShell literals,
 * scripts from templates, and the -EncodedCommand command line.
 *
 * Untrusted values only ever reach PowerShell inside single-quoted literals,
 * and the whole script travels as base64, so neither cmd.exe (OpenSSH's
 * default shell) nor powershell.exe's own argument parsing sees them.
 */
#include "winps.h"

#include <stdlib.h>
#include <string.h>

/* PowerShell's tokenizer (SpecialChars in tokenizer.cs) takes all of these
 * as quote characters, not only the ASCII ones. */
static bool is_single_quote(uint32_t c)
{
	return c == '\'' || (c >= 0x2018 && c <= 0x201B);
}

static bool is_double_quote(uint32_t c)
{
	return c == '"' || (c >= 0x201C && c <= 0x201E);
}

/*
 * Appends value as a single-quoted literal.  Returns SIZE_MAX, or the offset
 * of the first byte that is not valid UTF-8.  Control characters are kept on
 * purpose: a single-quoted literal takes CR, LF and TAB verbatim and may span
 * lines, values such as multi-line descriptions need them, and NUL cannot
 * reach us in a C string (nor as an overlong C0 80, which is invalid UTF-8).
 */
static size_t quote_literal(carve_buf *out, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t len = strlen(value), i = 0;

	carve_buf_putc(out, '\'');
	while (i < len) {
		uint32_t c;
		size_t n = carve_winps_utf8_decode(&c, s + i, len - i);

		if (n == 0)
			return i;
		carve_buf_put(out, value + i, n);
		/* The tokenizer keeps the second of a doubled pair, so doubling
		 * a curly quote with itself preserves it. */
		if (is_single_quote(c))
			carve_buf_put(out, value + i, n);
		i += n;
	}
	carve_buf_putc(out, '\'');
	return SIZE_MAX;
}

int carve_ps_quote(carve_buf *out, const char *value)
{
	size_t mark = out->len, bad;
	int err = 0;

	if (!value)
		return carve_error_set(CARVE_EINVALID, "no value to quote");
	if ((bad = quote_literal(out, value)) != SIZE_MAX)
		err = carve_error_set(CARVE_EINVALID,
				      "value is not valid UTF-8 (byte %zu)", bad);
	return carve_winps_finish(out, mark, err);
}

/* ------------------------------------------------------------ templates */

/* Where the template scan stands; placeholders are only allowed in code. */
typedef enum {
	TPL_CODE,
	TPL_SINGLE,        /* '...' */
	TPL_DOUBLE,        /* "..." : $ and ` are live here */
	TPL_HERE_SINGLE,   /* @'<newline> ... <newline>'@ */
	TPL_HERE_DOUBLE,   /* @"<newline> ... <newline>"@ */
	TPL_LINE_COMMENT,  /* # ... */
	TPL_BLOCK_COMMENT, /* <# ... #> */
	TPL_VERBATIM,      /* --% hands the rest of the line to a native program */
} tpl_context;

static const char *const tpl_context_names[] = {
	"code", "single-quoted string", "double-quoted string",
	"here-string", "here-string", "comment", "comment", "--% line",
};

/* Stands in tpl_scan.prev for "the last thing emitted was a literal". */
#define TPL_PREV_PLACEHOLDER 0xFFFFFFFFu

typedef struct {
	const char *s;
	size_t len;
	size_t pos;
	unsigned line;
	tpl_context ctx;
	uint32_t prev; /* last code point copied; 0 at the start */
} tpl_scan;

/* The code point at pos, or 0 (and length 0) at the end or on bad UTF-8,
 * which the next step reports. */
static size_t tpl_char(const tpl_scan *t, size_t pos, uint32_t *c)
{
	*c = 0;
	if (pos >= t->len)
		return 0;
	return carve_winps_utf8_decode(c, (const unsigned char *)t->s + pos,
				       t->len - pos);
}

/* Is the rest of the line from pos blank?  A here-string header must be. */
static bool tpl_rest_blank(const tpl_scan *t, size_t pos)
{
	while (pos < t->len && (t->s[pos] == ' ' || t->s[pos] == '\t'))
		pos++;
	return pos < t->len && (t->s[pos] == '\r' || t->s[pos] == '\n');
}

/* Does a '#' after prev start a comment?  Inside a bare word (a#b) it does
 * not; after a separator, a closing quote or a placeholder it does. */
static bool tpl_comment_starts(uint32_t prev)
{
	return prev == 0 || prev == TPL_PREV_PLACEHOLDER ||
	       (prev < 0x80 && strchr(" \t\r\n;|&(){}=,", (int)prev)) ||
	       is_single_quote(prev) || is_double_quote(prev);
}

/* Copies one character of the template (two or three where the context
 * depends on what follows) and moves the context on. */
static int tpl_step(carve_buf *out, tpl_scan *t)
{
	uint32_t c, next = 0;
	size_t n = tpl_char(t, t->pos, &c);
	size_t m = n ? tpl_char(t, t->pos + n, &next) : 0;
	size_t take = n;
	bool at_line_start = t->prev == '\n' || t->prev == '\r';

	if (n == 0)
		return carve_error_set(CARVE_EINVALID,
				       "template is not valid UTF-8 (line %u, byte %zu)",
				       t->line, t->pos);
	switch (t->ctx) {
	case TPL_CODE:
		if (c == '`' && next != '{') {
			take += m; /* the escaped character is plain text */
		} else if (c == '#' && tpl_comment_starts(t->prev)) {
			t->ctx = TPL_LINE_COMMENT;
		} else if (c == '<' && next == '#') {
			take += m;
			t->ctx = TPL_BLOCK_COMMENT;
		} else if (c == '@' && m && (is_single_quote(next) || is_double_quote(next)) &&
			   tpl_rest_blank(t, t->pos + n + m)) {
			take += m;
			t->ctx = is_single_quote(next) ? TPL_HERE_SINGLE : TPL_HERE_DOUBLE;
		} else if (is_single_quote(c)) {
			t->ctx = TPL_SINGLE;
		} else if (is_double_quote(c)) {
			t->ctx = TPL_DOUBLE;
		} else if (c == '-' && t->len - t->pos >= 3 &&
			   memcmp(t->s + t->pos, "--%", 3) == 0) {
			take = 3;
			t->ctx = TPL_VERBATIM;
		}
		break;
	case TPL_SINGLE:
		if (is_single_quote(c)) {
			if (is_single_quote(next))
				take += m;
			else
				t->ctx = TPL_CODE;
		}
		break;
	case TPL_DOUBLE:
		if (c == '`' || (is_double_quote(c) && is_double_quote(next)))
			take += m;
		else if (is_double_quote(c))
			t->ctx = TPL_CODE;
		break;
	case TPL_HERE_SINGLE:
	case TPL_HERE_DOUBLE:
		if (at_line_start && next == '@' &&
		    (t->ctx == TPL_HERE_SINGLE ? is_single_quote(c) : is_double_quote(c))) {
			take += m;
			t->ctx = TPL_CODE;
		}
		break;
	case TPL_LINE_COMMENT:
	case TPL_VERBATIM:
		if (c == '\r' || c == '\n')
			t->ctx = TPL_CODE;
		break;
	case TPL_BLOCK_COMMENT:
		if (c == '#' && next == '>') {
			take += m;
			t->ctx = TPL_CODE;
		}
		break;
	}
	carve_buf_put(out, t->s + t->pos, take);
	for (size_t i = 0; i < take; i++)
		t->line += t->s[t->pos + i] == '\n';
	/* The last code point taken; every multi-character take ends in a
	 * one-byte character except an escape, whose target is plain text. */
	t->prev = take == n ? c : (take == n + m ? next : '%');
	t->pos += take;
	return 0;
}

static bool is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Replaces the placeholder at t->pos ("{{" seen) with its value. */
static int tpl_placeholder(carve_buf *out, tpl_scan *t, const char *const *names,
			   const char *const *values, size_t n, bool *used)
{
	const char *name = t->s + t->pos + 2;
	size_t len = 0, end, i, bad;
	uint32_t after;

	while (t->pos + 2 + len < t->len && is_name_char(name[len]))
		len++;
	end = t->pos + 2 + len;
	if (len == 0 || !is_name_start(name[0]) || t->len - end < 2 ||
	    memcmp(t->s + end, "}}", 2) != 0)
		return carve_error_set(CARVE_EINVALID,
				       "malformed placeholder at line %u: '{{' must start {{name}}",
				       t->line);
	end += 2;
	if (t->ctx != TPL_CODE)
		return carve_error_set(CARVE_EINVALID,
				       "placeholder {{%.*s}} at line %u is inside a %s; "
				       "values may only stand where code does",
				       (int)len, name, t->line, tpl_context_names[t->ctx]);
	tpl_char(t, end, &after);
	if (t->prev == TPL_PREV_PLACEHOLDER || is_single_quote(t->prev) ||
	    t->prev == '`' || t->prev == '@' || is_single_quote(after))
		return carve_error_set(CARVE_EINVALID,
				       "placeholder {{%.*s}} at line %u touches a quote, "
				       "backtick, '@' or another placeholder; its literal "
				       "would merge with them",
				       (int)len, name, t->line);
	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			break;
	if (i == n)
		return carve_error_set(CARVE_EINVALID,
				       "unknown placeholder {{%.*s}} at line %u",
				       (int)len, name, t->line);
	if ((bad = quote_literal(out, values[i])) != SIZE_MAX)
		return carve_error_set(CARVE_EINVALID,
				       "value of {{%s}} is not valid UTF-8 (byte %zu)",
				       names[i], bad);
	used[i] = true;
	t->prev = TPL_PREV_PLACEHOLDER;
	t->pos = end;
	return 0;
}

static int tpl_check_names(const char *const *names, const char *const *values,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !values[i])
			return carve_error_set(CARVE_EINVALID,
					       "template value %zu has no name or no value", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return carve_error_set(CARVE_EINVALID,
						       "template value {{%s}} is given twice",
						       names[i]);
	}
	return 0;
}

int carve_ps_script(carve_buf *out, const char *tmpl, const char *const *names,
		    const char *const *values, size_t n)
{
	tpl_scan t = { tmpl, 0, 0, 1, TPL_CODE, 0 };
	size_t mark = out->len;
	bool *used = NULL;
	int err = 0;

	if (!tmpl || (n && (!names || !values))) {
		err = carve_error_set(CARVE_EINVALID, "no template or no values");
		goto done;
	}
	t.len = strlen(tmpl);
	if ((err = tpl_check_names(names, values, n)) < 0)
		goto done;
	if (n && !(used = calloc(n, sizeof(*used)))) {
		err = carve_error_oom();
		goto done;
	}
	while (t.pos < t.len) {
		if (t.len - t.pos >= 2 && memcmp(tmpl + t.pos, "{{", 2) == 0)
			err = tpl_placeholder(out, &t, names, values, n, used);
		else
			err = tpl_step(out, &t);
		if (err < 0)
			goto done;
	}
	if (t.ctx != TPL_CODE && t.ctx != TPL_LINE_COMMENT && t.ctx != TPL_VERBATIM) {
		err = carve_error_set(CARVE_EINVALID, "template ends inside a %s",
				      tpl_context_names[t.ctx]);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (!used[i]) {
			err = carve_error_set(CARVE_EINVALID,
					      "value {{%s}} is not used by the template",
					      names[i]);
			goto done;
		}
	}
done:
	free(used);
	return carve_winps_finish(out, mark, err);
}

/* --------------------------------------------------------- command line */

static void base64_put(carve_buf *out, const unsigned char *s, size_t len)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char quad[4];

	for (size_t i = 0; i < len; i += 3) {
		size_t left = len - i;
		uint32_t v = (uint32_t)s[i] << 16;

		if (left > 1)
			v |= (uint32_t)s[i + 1] << 8;
		if (left > 2)
			v |= s[i + 2];
		quad[0] = digits[v >> 18];
		quad[1] = digits[(v >> 12) & 63];
		quad[2] = left > 1 ? digits[(v >> 6) & 63] : '=';
		quad[3] = left > 2 ? digits[v & 63] : '=';
		carve_buf_put(out, quad, 4);
	}
}

static void utf16le_put_unit(carve_buf *out, uint32_t unit)
{
	char le[2] = { (char)(unit & 0xFF), (char)(unit >> 8) };

	carve_buf_put(out, le, 2);
}

/* Appends s as UTF-16LE; SIZE_MAX, or the offset of the first bad byte. */
static size_t utf16le_put(carve_buf *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;

	while (i < len) {
		uint32_t c;
		size_t n = carve_winps_utf8_decode(&c, u + i, len - i);

		if (n == 0)
			return i;
		if (c >= 0x10000) {
			c -= 0x10000;
			utf16le_put_unit(out, 0xD800 | (c >> 10));
			utf16le_put_unit(out, 0xDC00 | (c & 0x3FF));
		} else {
			utf16le_put_unit(out, c);
		}
		i += n;
	}
	return SIZE_MAX;
}

int carve_ps_command(carve_buf *out, const char *script)
{
	carve_buf utf16 = CARVE_BUF_INIT;
	size_t mark = out->len, bad;
	int err = 0;

	/* powershell.exe stops with "missing argument" on an empty one. */
	if (!script || !*script) {
		err = carve_error_set(CARVE_EINVALID, "empty PowerShell script");
		goto done;
	}
	if ((bad = utf16le_put(&utf16, script)) != SIZE_MAX) {
		err = carve_error_set(CARVE_EINVALID,
				      "script is not valid UTF-8 (byte %zu)", bad);
		goto done;
	}
	if (utf16.failed) {
		err = carve_error_oom();
		goto done;
	}
	carve_buf_puts(out, CARVE_PS_COMMAND_PREFIX);
	base64_put(out, (const unsigned char *)utf16.ptr, utf16.len);
done:
	carve_buf_done(&utf16);
	return carve_winps_finish(out, mark, err);
}

int carve_ps_frame(carve_buf *out, const char *script, const char *nonce)
{
	size_t mark = out->len, len = script ? strlen(script) : 0;
	uint32_t cp;
	int err = 0;

	if (!len) {
		err = carve_error_set(CARVE_EINVALID, "empty PowerShell script");
		goto done;
	}
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = carve_winps_utf8_decode(&cp, (const unsigned char *)script + i,
						  len - i))) {
			err = carve_error_set(CARVE_EINVALID,
					      "script is not valid UTF-8 (byte %zu)", i);
			goto done;
		}
	carve_buf_printf(out, "& { '%s|frame'; try { Invoke-Expression ([Text.Encoding]::UTF8."
			 "GetString([Convert]::FromBase64String('", nonce);
	base64_put(out, (const unsigned char *)script, len);
	carve_buf_printf(out, "'))) } catch { '%s|failed'; $_.Exception.Message }; '%s|done' }"
			 "\n\n", nonce, nonce);
done:
	return carve_winps_finish(out, mark, err);
}
