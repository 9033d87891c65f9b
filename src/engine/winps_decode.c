/*
 * winps_decode.c - reading what crosses the wire from the other direction:
 * an -EncodedCommand line back into its script (for the lab server), and a
 * Windows program's output into clean UTF-8 text.
 */
#include "winps.h"

#include <string.h>

#define REPLACEMENT_CHAR 0xFFFDu

/* ------------------------------------------------- encoded command lines */

enum { SW_ENCODED, SW_FLAG, SW_POLICY, SW_COMMAND };

/* powershell.exe accepts any prefix of a switch at least min long (its
 * CommandLineParameterParser.MatchSwitch), plus the two short aliases. */
static const struct {
	const char *name;
	size_t min;
	int kind;
} ps_switches[] = {
	{ "encodedcommand", 1, SW_ENCODED },
	{ "ec", 2, SW_ENCODED },
	{ "noprofile", 3, SW_FLAG },
	{ "noninteractive", 4, SW_FLAG },
	{ "nologo", 3, SW_FLAG },
	{ "executionpolicy", 2, SW_POLICY },
	{ "ep", 2, SW_POLICY },
	{ "command", 1, SW_COMMAND },
};

static bool next_token(const char **p, const char **tok, size_t *len)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	*tok = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return *len > 0;
}

/* A token as it may appear in an error message: the line comes from a
 * client, so at most 40 bytes, anything but printable ASCII as '?'. */
static const char *token_for_message(char shown[41], const char *tok, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 40; i++)
		shown[i] = tok[i] >= 0x20 && tok[i] < 0x7F ? tok[i] : '?';
	shown[i] = '\0';
	return shown;
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Is tok (len bytes) a prefix of word, ignoring ASCII case? */
static bool is_prefix_ci(const char *tok, size_t len, const char *word)
{
	if (len > strlen(word))
		return false;
	for (size_t i = 0; i < len; i++)
		if (ascii_lower((unsigned char)tok[i]) != word[i])
			return false;
	return true;
}

static bool is_program(const char *tok, size_t len)
{
	return (len == 10 && is_prefix_ci(tok, len, "powershell")) ||
	       (len == 14 && is_prefix_ci(tok, len, "powershell.exe"));
}

/* The kind of switch tok is, or -1. */
static int switch_kind(const char *tok, size_t len)
{
	if (len < 2 || (tok[0] != '-' && tok[0] != '/'))
		return -1;
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(ps_switches); i++)
		if (len - 1 >= ps_switches[i].min &&
		    is_prefix_ci(tok + 1, len - 1, ps_switches[i].name))
			return ps_switches[i].kind;
	return -1;
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict: padded to a multiple of four, '=' only at the very end, unused
 * bits zero.  Anything carve did not produce itself is refused. */
static int base64_decode(carve_buf *out, const char *s, size_t len)
{
	if (len % 4 != 0)
		return carve_error_set(CARVE_EINVALID,
				       "encoded command is %zu base64 characters, "
				       "not a multiple of 4", len);
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (c == '=' && last && k >= 2 && (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = base64_value(c)) < 0) {
				return carve_error_set(CARVE_EINVALID,
						       "encoded command has '%c' at base64 "
						       "character %zu", c >= 0x20 && c < 0x7F ? c : '?',
						       i + (size_t)k);
			}
		}
		if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15)))
			return carve_error_set(CARVE_EINVALID,
					       "encoded command ends in non-canonical base64");
		uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
				(uint32_t)v[2] << 6 | (uint32_t)v[3];
		char bytes[3] = { (char)(bits >> 16), (char)(bits >> 8), (char)bits };
		carve_buf_put(out, bytes, 3 - (size_t)pad);
	}
	return 0;
}

static bool is_surrogate(uint32_t c)
{
	return c >= 0xD800 && c <= 0xDFFF;
}

/* The next character of UTF-16LE text at s[*i] (two bytes must be there),
 * joining a surrogate pair.  A lone surrogate comes back as itself for the
 * caller to refuse or replace.  Moves *i past what it read. */
static uint32_t utf16le_next(const unsigned char *s, size_t len, size_t *i)
{
	uint32_t c = s[*i] | (uint32_t)s[*i + 1] << 8;

	*i += 2;
	if (c >= 0xD800 && c <= 0xDBFF && *i + 1 < len) {
		uint32_t lo = s[*i] | (uint32_t)s[*i + 1] << 8;

		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			*i += 2;
		}
	}
	return c;
}

/* Strict UTF-16LE: what carve_ps_command made, or an error. */
static int utf16le_decode_strict(carve_buf *out, const unsigned char *s, size_t len)
{
	if (len % 2 != 0)
		return carve_error_set(CARVE_EINVALID,
				       "encoded command is %zu bytes, an odd number for UTF-16",
				       len);
	for (size_t i = 0; i < len;) {
		size_t at = i;
		uint32_t c = utf16le_next(s, len, &i);

		if (is_surrogate(c))
			return carve_error_set(CARVE_EINVALID,
					       "encoded command has an unpaired surrogate "
					       "at byte %zu", at);
		if (c == 0)
			return carve_error_set(CARVE_EINVALID,
					       "encoded command has U+0000 at byte %zu", at);
		carve_winps_utf8_put(out, c);
	}
	return 0;
}

int carve_ps_decode_command(carve_buf *script_out, const char *command_line)
{
	carve_buf bytes = CARVE_BUF_INIT;
	const char *p = command_line, *tok, *encoded = NULL;
	size_t len, encoded_len = 0, mark = script_out->len;
	bool stdin_script = false;
	int err = 0;

	if (!command_line || !next_token(&p, &tok, &len) || !is_program(tok, len)) {
		err = carve_error_set(CARVE_EINVALID, "not a powershell command line");
		goto done;
	}
	while (next_token(&p, &tok, &len)) {
		int kind = switch_kind(tok, len);
		const char *arg;
		size_t arg_len;
		char shown[41];

		if (kind < 0) {
			err = carve_error_set(CARVE_EINVALID,
					      "unexpected argument '%s' to powershell",
					      token_for_message(shown, tok, len));
			goto done;
		}
		if (kind == SW_FLAG)
			continue;
		if (!next_token(&p, &arg, &arg_len)) {
			err = carve_error_set(CARVE_EINVALID, "'%s' needs an argument",
					      token_for_message(shown, tok, len));
			goto done;
		}
		if (kind == SW_COMMAND) {
			/* the rest of the line is the command: carve's is "-" */
			const char *rest;
			size_t rest_len;
			if (arg_len != 1 || arg[0] != '-' || next_token(&p, &rest, &rest_len)) {
				err = carve_error_set(CARVE_EINVALID, "powershell -Command takes "
						      "only \"-\" here (the script on standard "
						      "input)");
				goto done;
			}
			stdin_script = true;
		}
		if (kind == SW_ENCODED) {
			if (encoded) {
				err = carve_error_set(CARVE_EINVALID,
						      "powershell command line has two encoded commands");
				goto done;
			}
			encoded = arg;
			encoded_len = arg_len;
		}
	}
	if (stdin_script && encoded) {
		err = carve_error_set(CARVE_EINVALID, "powershell command line has both "
				      "-Command and -EncodedCommand");
		goto done;
	}
	if (stdin_script) {
		err = CARVE_PS_STDIN;
		goto done;
	}
	if (!encoded) {
		err = carve_error_set(CARVE_EINVALID,
				      "powershell command line has no -EncodedCommand");
		goto done;
	}
	if ((err = base64_decode(&bytes, encoded, encoded_len)) < 0)
		goto done;
	if (bytes.failed) {
		err = carve_error_oom();
		goto done;
	}
	err = utf16le_decode_strict(script_out, (const unsigned char *)bytes.ptr,
				    bytes.len);
done:
	carve_buf_done(&bytes);
	return carve_winps_finish(script_out, mark, err);
}

/* ------------------------------------------------------- program output */

/* The upper halves of the OEM code pages, as Windows' own tables have them
 * (0x00-0x7F are ASCII in both). */
static const uint16_t oem_437[128] = {
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, /* 80 */
	0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5, /* 88 */
	0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, /* 90 */
	0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, /* 98 */
	0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, /* A0 */
	0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, /* A8 */
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, /* B0 */
	0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510, /* B8 */
	0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, /* C0 */
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, /* C8 */
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, /* D0 */
	0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, /* D8 */
	0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, /* E0 */
	0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229, /* E8 */
	0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, /* F0 */
	0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0, /* F8 */
};

static const uint16_t oem_850[128] = {
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, /* 80 */
	0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5, /* 88 */
	0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, /* 90 */
	0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, /* 98 */
	0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, /* A0 */
	0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, /* A8 */
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, /* B0 */
	0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510, /* B8 */
	0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3, /* C0 */
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4, /* C8 */
	0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x0131, 0x00CD, 0x00CE, /* D0 */
	0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580, /* D8 */
	0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, /* E0 */
	0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4, /* E8 */
	0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8, /* F0 */
	0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0, /* F8 */
};

/*
 * Writes decoded text line by line, cleaning as it goes.  Positions are
 * offsets into out, so trailing blanks are dropped by truncating rather than
 * by buffering them.
 */
typedef struct {
	carve_buf *out;
	size_t line_end;   /* after the last non-blank character of this line */
	size_t text_end;   /* after the last non-blank character so far */
	size_t start;      /* where this call's text begins */
	size_t pending_cr; /* CRs not yet known to be part of a CR...CR LF */
} line_writer;

static void writer_truncate(line_writer *w, size_t len)
{
	if (w->out->len > len) {
		w->out->len = len;
		w->out->ptr[len] = '\0';
	}
}

static void writer_newline(line_writer *w)
{
	writer_truncate(w, w->line_end);
	carve_buf_putc(w->out, '\n');
	w->line_end = w->out->len;
}

static void writer_put(line_writer *w, uint32_t c)
{
	if (c == 0)
		return;
	if (c == '\r') {
		w->pending_cr++;
		return;
	}
	if (c == '\n') {
		w->pending_cr = 0;
		writer_newline(w);
		return;
	}
	for (; w->pending_cr > 0; w->pending_cr--)
		writer_newline(w);
	carve_winps_utf8_put(w->out, c);
	if (c != ' ' && c != '\t')
		w->line_end = w->text_end = w->out->len;
}

static void writer_finish(line_writer *w)
{
	writer_truncate(w, w->text_end);
	if (w->text_end > w->start)
		carve_buf_putc(w->out, '\n');
}

/* No BOM: UTF-16LE if most code units look like Latin-1 text, i.e. have a
 * NUL high byte and a non-NUL low byte.  8-bit text has no NULs at all. */
static bool looks_utf16le(const unsigned char *s, size_t len)
{
	size_t units = (len < 512 ? len : 512) / 2, latin = 0;

	for (size_t i = 0; i < units; i++)
		latin += s[2 * i] != 0 && s[2 * i + 1] == 0;
	return units > 0 && latin * 2 > units;
}

/* Lenient UTF-16LE: output is text to show and parse, not to execute, so
 * damage becomes U+FFFD instead of an error. */
static void decode_utf16le(line_writer *w, const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i + 1 < len) {
		uint32_t c = utf16le_next(s, len, &i);

		writer_put(w, is_surrogate(c) ? REPLACEMENT_CHAR : c);
	}
	if (i < len)
		writer_put(w, REPLACEMENT_CHAR);
}

static bool is_utf8(const unsigned char *s, size_t len)
{
	uint32_t c;

	for (size_t i = 0, n; i < len; i += n)
		if ((n = carve_winps_utf8_decode(&c, s + i, len - i)) == 0)
			return false;
	return true;
}

static void decode_utf8(line_writer *w, const unsigned char *s, size_t len)
{
	uint32_t c;

	for (size_t i = 0, n; i < len; i += n) {
		n = carve_winps_utf8_decode(&c, s + i, len - i);
		writer_put(w, c);
	}
}

static void decode_oem(line_writer *w, const unsigned char *s, size_t len,
		       const uint16_t *table)
{
	for (size_t i = 0; i < len; i++)
		writer_put(w, s[i] < 0x80 ? s[i] : table[s[i] - 0x80]);
}

int carve_win_decode(carve_buf *out, const unsigned char *raw, size_t len,
		     carve_oem_codepage cp)
{
	line_writer w = { out, out->len, out->len, out->len, 0 };

	if (!raw)
		len = 0;
	if (len >= 2 && raw[0] == 0xFF && raw[1] == 0xFE) {
		decode_utf16le(&w, raw + 2, len - 2);
	} else if (looks_utf16le(raw, len)) {
		decode_utf16le(&w, raw, len);
	} else {
		if (len >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF) {
			raw += 3;
			len -= 3;
		}
		if (is_utf8(raw, len))
			decode_utf8(&w, raw, len);
		else
			decode_oem(&w, raw, len, cp == CARVE_OEM_850 ? oem_850 : oem_437);
	}
	writer_finish(&w);
	return carve_winps_finish(out, w.start, 0);
}
