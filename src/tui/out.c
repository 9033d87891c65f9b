/*
 * out.c - CSV and JSON writers for the subcommands' --format, and the
 * guard that keeps remote text from driving the terminal.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fopencookie */
#endif
#include "out.h"
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int out_format_parse(out_format *out, const char *name)
{
	static const char *const names[] = { "text", "csv", "json" };

	for (int i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (out_format)i;
			return 0;
		}
	return -1;
}

void out_csv(FILE *f, const char *s)
{
	if (!s)
		return;
	bool formula = *s && strchr("=+-@\t\r", *s);
	if (!formula && !s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	if (formula)
		putc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

void out_json(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
	}
	putc('"', f);
}

/* ------------------------------------------------------------ the guard */

/* The length of the UTF-8 sequence at s (n bytes available) and its code
 * point: 0 when more bytes are needed, -1 when it is not valid UTF-8. */
static int utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	int len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		  : (s[0] & 0xf8) == 0xf0 ? 4 : -1;
	uint32_t c;

	if (len < 0 || s[0] == 0xc0 || s[0] == 0xc1 || s[0] > 0xf4)
		return -1;
	c = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, past U+10FFFF */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return -1;
	*cp = c;
	return len;
}

static bool printable(uint32_t c)
{
	if (c < 0x20)
		return c == '\t' || c == '\n';
	if (c >= 0x7f && c <= 0x9f)
		return false;
	return !(c == 0x61c || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
		 (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029 || c == 0xfeff ||
		 (c >= 0xfff9 && c <= 0xfffb));
}

void out_escape(carve_buf *b, const char *s, size_t n, bool final, size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t c = 0;
		int len = utf8_next(u + i, n - i, &c);
		if (len == 0 && !final)
			break; /* the rest of the character is still to come */
		if (u[i] == '\r') {
			if (i + 1 == n && !final)
				break; /* a line end, perhaps */
			if (i + 1 < n && u[i + 1] == '\n') {
				carve_buf_put(b, "\r\n", 2);
				i += 2;
				continue;
			}
		}
		if (len <= 0) {
			carve_buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
		} else if (printable(c)) {
			carve_buf_put(b, s + i, (size_t)len);
			i += (size_t)len;
		} else {
			carve_buf_printf(b, "\\u%04x", (unsigned)c);
			i += (size_t)len;
		}
	}
	if (used)
		*used = i;
}

typedef struct {
	int fd;
	unsigned char pending[4]; /* a character or CR cut by the last write */
	size_t n_pending;
} guard;

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static ssize_t guard_write(void *cookie, const char *buf, size_t size)
{
	guard *g = cookie;
	carve_buf in = CARVE_BUF_INIT, out = CARVE_BUF_INIT;
	size_t used = 0;

	carve_buf_put(&in, (const char *)g->pending, g->n_pending);
	carve_buf_put(&in, buf, size);
	out_escape(&out, in.ptr, in.len, false, &used);
	g->n_pending = in.len - used; /* at most 3 bytes of a character, or a CR */
	memcpy(g->pending, in.ptr + in.len - g->n_pending, g->n_pending);
	bool ok = !in.failed && !out.failed && write_all(g->fd, out.ptr, out.len);
	carve_buf_done(&in);
	carve_buf_done(&out);
	return ok ? (ssize_t)size : -1;
}

static int guard_close(void *cookie)
{
	guard *g = cookie;
	carve_buf out = CARVE_BUF_INIT;
	size_t used;

	out_escape(&out, (const char *)g->pending, g->n_pending, true, &used);
	write_all(g->fd, out.ptr ? out.ptr : "", out.len);
	carve_buf_done(&out);
	close(g->fd);
	g->fd = -1;
	return 0;
}

/* One guard for each stream, for the life of the process. */
static guard guards[2];

static FILE *guarded(guard *g, FILE *f, int mode)
{
	cookie_io_functions_t io = { NULL, guard_write, NULL, guard_close };
	FILE *out;

	fflush(f);
	/* its own descriptor, so closing the guard leaves 1 and 2 open */
	if ((g->fd = dup(fileno(f))) < 0 || !(out = fopencookie(g, "w", io))) {
		if (g->fd >= 0)
			close(g->fd);
		return NULL;
	}
	setvbuf(out, NULL, mode, BUFSIZ);
	return out;
}

bool out_guard_streams(void)
{
	FILE *o = guarded(&guards[0], stdout, _IOLBF), *e = guarded(&guards[1], stderr, _IONBF);

	if (!o || !e) {
		if (o)
			fclose(o);
		if (e)
			fclose(e);
		return false;
	}
	stdout = o;
	stderr = e;
	return true;
}

void out_textf(char *dst, size_t cap, const char *fmt, ...)
{
	carve_buf shown = CARVE_BUF_INIT;
	char *raw = NULL;
	size_t used;
	va_list ap;

	if (cap == 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0 && (raw = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(raw, (size_t)n + 1, fmt, ap);
		va_end(ap);
		out_escape(&shown, raw, (size_t)n, true, &used);
	}
	/* cut where a character begins, never inside one */
	size_t len = shown.len < cap - 1 ? shown.len : cap - 1;
	while (len > 0 && len < shown.len && ((unsigned char)shown.ptr[len] & 0xc0) == 0x80)
		len--;
	if (len > 0 && len < shown.len && shown.ptr[len - 1] == '\r')
		len--; /* its line feed was cut off */
	if (len)
		memcpy(dst, shown.ptr, len);
	dst[len] = '\0';
	free(raw);
	carve_buf_done(&shown);
}

/* JSON one member or element a line, indented by depth; text that is not
 * JSON comes out as it is. */
void out_json_layout(carve_buf *b, const char *json)
{
	int depth = 0;
	bool in_string = false;

	for (const char *p = json; *p; p++) {
		char ch = *p;
		if (in_string) {
			carve_buf_putc(b, ch);
			if (ch == '\\' && p[1])
				carve_buf_putc(b, *++p);
			else if (ch == '"')
				in_string = false;
			continue;
		}
		switch (ch) {
		case '"':
			in_string = true;
			carve_buf_putc(b, ch);
			break;
		case '{':
		case '[':
			carve_buf_putc(b, ch);
			carve_buf_printf(b, "\n%*s", 2 * ++depth, "");
			break;
		case '}':
		case ']':
			depth = depth > 0 ? depth - 1 : 0;
			carve_buf_printf(b, "\n%*s%c", 2 * depth, "", ch);
			break;
		case ',':
			carve_buf_printf(b, ",\n%*s", 2 * depth, "");
			break;
		case ':':
			carve_buf_puts(b, ": ");
			break;
		default:
			carve_buf_putc(b, ch);
		}
	}
}
