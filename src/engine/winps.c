/*
 * winps.c - what winps_encode.c and winps_decode.c share: UTF-8 in and out,
 * and the common exit that keeps a caller's buffer untouched on failure.
 */
#include "winps.h"

size_t carve_winps_utf8_decode(uint32_t *cp, const unsigned char *s, size_t len)
{
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* C0, C1 and F5..FF can only start overlong or out-of-range forms. */
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

void carve_winps_utf8_put(carve_buf *b, uint32_t cp)
{
	char s[4];

	if (cp < 0x80) {
		s[0] = (char)cp;
		carve_buf_put(b, s, 1);
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		carve_buf_put(b, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		carve_buf_put(b, s, 3);
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		carve_buf_put(b, s, 4);
	}
}

int carve_winps_finish(carve_buf *out, size_t mark, int err)
{
	/* carve_buf only remembers that an append failed; this is where that
	 * becomes an error the caller sees. */
	if (err == 0 && out->failed)
		err = carve_error_oom();
	if (err < 0 && out->len > mark) {
		out->len = mark;
		out->ptr[mark] = '\0';
	}
	return err;
}
