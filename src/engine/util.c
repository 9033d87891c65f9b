/*
 * util.c - arena, growable buffer and small helpers used across the engine.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

struct carve_arena_block {
	carve_arena_block *next;
	size_t used;
	size_t size;
	_Alignas(max_align_t) unsigned char data[];
};

void carve_arena_init(carve_arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
}

void carve_arena_done(carve_arena *a)
{
	carve_arena_block *b = a->head;

	while (b) {
		carve_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}

void *carve_arena_alloc(carve_arena *a, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	carve_arena_block *b = a->head;
	size_t need = (size + align - 1) & ~(align - 1);

	if (need < size)
		return NULL;
	if (!b || b->size - b->used < need) {
		size_t bsize = need > a->block_size ? need : a->block_size;
		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->size = bsize;
		b->used = 0;
		/* An oversized block goes behind the head so the head's free
		 * space is not wasted. */
		if (a->head && need > a->block_size) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += need;
	return p;
}

void *carve_arena_calloc(carve_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = carve_arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *carve_arena_strndup(carve_arena *a, const char *s, size_t len)
{
	char *p = carve_arena_alloc(a, len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *carve_arena_strdup(carve_arena *a, const char *s)
{
	return carve_arena_strndup(a, s, strlen(s));
}

static bool buf_grow(carve_buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->ptr, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->ptr = p;
	b->cap = cap;
	return true;
}

void carve_buf_put(carve_buf *b, const char *s, size_t len)
{
	if (!buf_grow(b, len))
		return;
	memcpy(b->ptr + b->len, s, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void carve_buf_puts(carve_buf *b, const char *s)
{
	carve_buf_put(b, s, strlen(s));
}

void carve_buf_putc(carve_buf *b, char c)
{
	carve_buf_put(b, &c, 1);
}

void carve_buf_printf(carve_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		carve_buf_put(b, small, (size_t)n);
		return;
	}
	if (!buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (s[0] == 0xE0 && s[1] < 0xA0)
			return 0;
		if (s[0] == 0xED && s[1] > 0x9F)
			return 0;
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (s[0] == 0xF0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xF4 && s[1] > 0x8F)
			return 0;
		return 4;
	}
	return 0;
}

void carve_buf_json_string(carve_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	carve_buf_putc(b, '"');
	while (*p) {
		unsigned char c = *p;
		switch (c) {
		case '"': carve_buf_puts(b, "\\\""); p++; continue;
		case '\\': carve_buf_puts(b, "\\\\"); p++; continue;
		case '\n': carve_buf_puts(b, "\\n"); p++; continue;
		case '\r': carve_buf_puts(b, "\\r"); p++; continue;
		case '\t': carve_buf_puts(b, "\\t"); p++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7F) {
			carve_buf_printf(b, "\\u%04x", c);
			p++;
			continue;
		}
		size_t n = utf8_seq(p);
		if (n == 0) {
			carve_buf_puts(b, "\\ufffd");
			p++;
		} else {
			carve_buf_put(b, (const char *)p, n);
			p += n;
		}
	}
	carve_buf_putc(b, '"');
}

const char *carve_buf_cstr(carve_buf *b)
{
	return b->ptr ? b->ptr : "";
}

void carve_buf_done(carve_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void carve_hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

bool carve_unhex(unsigned char *out, size_t n, const char *in)
{
	if (strlen(in) != 2 * n)
		return false;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = in[i];
		int v = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (v < 0)
			return false;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return true;
}

int carve_sha256_hex(char out[65], const void *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return carve_error_set(CARVE_ERROR, "SHA-256 failed");
	carve_hex(out, md, 32);
	return 0;
}

int carve_strcasecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || !ca)
			return ca - cb;
	}
}

void carve_now_rfc3339(char out[32])
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(tv.tv_usec / 1000) % 1000);
}

int carve_file_read(char **out, size_t *len, const char *path, size_t max)
{
	/* O_NONBLOCK: opening a FIFO would wait for a writer for ever */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), err = 0;
	struct stat st;
	size_t cap = 64 * 1024, n = 0;
	char *buf = NULL;

	*out = NULL;
	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		/* a path that names nothing readable is bad input, not a fault */
		bool input = errno == ENOENT || errno == EACCES || errno == ENOTDIR ||
			     errno == ELOOP || errno == ENAMETOOLONG;
		err = carve_error_set(input ? CARVE_EINVALID : CARVE_EIO, "cannot read %s: %s",
				      path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = carve_error_set(CARVE_EINVALID, "cannot read %s: %s", path,
				      S_ISDIR(st.st_mode) ? "it is a directory"
				      : S_ISFIFO(st.st_mode) ? "it is a FIFO, not a file"
				      : "it is not a regular file");
		goto done;
	}
	if ((uint64_t)st.st_size >= cap)
		cap = (uint64_t)st.st_size < max ? (size_t)st.st_size + 1 : max;
	if (cap > max)
		cap = max;
	if (!(buf = malloc(cap + 1))) {
		err = carve_error_oom();
		goto done;
	}
	for (;;) {
		if (n == cap) {
			char *p;
			if (cap == max)
				break;
			cap = cap * 2 < max ? cap * 2 : max;
			if (!(p = realloc(buf, cap + 1))) {
				err = carve_error_oom();
				goto done;
			}
			buf = p;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = carve_error_set(CARVE_EIO, "cannot read %s: %s", path, strerror(errno));
			goto done;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

char *carve_trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		s[--len] = '\0';
	return s;
}
