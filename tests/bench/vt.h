/*
 * vt.h - just enough of a VT100 to know what is on a terminal's screen from
 * what a program writes to it: cursor addressing, erasing, the scrolling
 * region, index and reverse index, inserting, deleting and repeating
 * characters, save and restore (what ncurses uses on xterm).  Attributes and
 * character sets are ignored; a character outside ASCII takes one cell and
 * shows as '?'.  For benchmarks that wait for text to be on screen, which
 * the byte stream alone cannot tell: curses sends only the cells that
 * changed, so a line's text may never pass as one string.
 */
#ifndef CARVE_BENCH_VT_H
#define CARVE_BENCH_VT_H

#include <stdbool.h>
#include <string.h>

#define VT_ROWS 50
#define VT_COLS 160

typedef struct {
	char cell[VT_ROWS][VT_COLS + 1]; /* each row NUL-terminated */
	int row, col, top, bottom;       /* bottom: the region's last row */
	int saved_row, saved_col;
	int state;                       /* 0 text, 1 after ESC, 2 in CSI, 3 skip one */
	int param[8], params;
	bool question;                   /* CSI ? ... (modes: ignored) */
	char last;                       /* the last character put, for REP */
} vt;

static inline void vt_init(vt *t)
{
	memset(t, 0, sizeof(*t));
	memset(t->cell, ' ', sizeof(t->cell));
	for (int r = 0; r < VT_ROWS; r++)
		t->cell[r][VT_COLS] = '\0';
	t->bottom = VT_ROWS - 1;
}

static inline int vt_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static inline void vt_blank(vt *t, int r, int from, int to)
{
	if (from <= to)
		memset(&t->cell[r][from], ' ', (size_t)(to - from + 1));
}

/* Lines top..bottom move up by one (n > 0) or down by one (n < 0). */
static inline void vt_scroll(vt *t, int n)
{
	int rows = t->bottom - t->top;

	if (rows < 0)
		return;
	if (n > 0) {
		memmove(t->cell[t->top], t->cell[t->top + 1], (size_t)rows * sizeof(t->cell[0]));
		vt_blank(t, t->bottom, 0, VT_COLS - 1);
	} else {
		memmove(t->cell[t->top + 1], t->cell[t->top], (size_t)rows * sizeof(t->cell[0]));
		vt_blank(t, t->top, 0, VT_COLS - 1);
	}
}

static inline void vt_put(vt *t, char ch)
{
	t->cell[t->row][t->col] = ch;
	t->last = ch;
	if (t->col < VT_COLS - 1)
		t->col++;
}

static inline void vt_csi(vt *t, char final)
{
	int a = t->params > 0 ? t->param[0] : 0, b = t->params > 1 ? t->param[1] : 0;
	int n = a ? a : 1;

	if (t->question)
		return;
	switch (final) {
	case 'H':
	case 'f':
		t->row = vt_clamp((a ? a : 1) - 1, 0, VT_ROWS - 1);
		t->col = vt_clamp((b ? b : 1) - 1, 0, VT_COLS - 1);
		break;
	case 'A': t->row = vt_clamp(t->row - n, 0, VT_ROWS - 1); break;
	case 'B': t->row = vt_clamp(t->row + n, 0, VT_ROWS - 1); break;
	case 'C': t->col = vt_clamp(t->col + n, 0, VT_COLS - 1); break;
	case 'D': t->col = vt_clamp(t->col - n, 0, VT_COLS - 1); break;
	case 'G': t->col = vt_clamp(n - 1, 0, VT_COLS - 1); break;
	case 'd': t->row = vt_clamp(n - 1, 0, VT_ROWS - 1); break;
	case 'K':
		if (a == 0)
			vt_blank(t, t->row, t->col, VT_COLS - 1);
		else if (a == 1)
			vt_blank(t, t->row, 0, t->col);
		else
			vt_blank(t, t->row, 0, VT_COLS - 1);
		break;
	case 'J':
		if (a == 0) {
			vt_blank(t, t->row, t->col, VT_COLS - 1);
			for (int r = t->row + 1; r < VT_ROWS; r++)
				vt_blank(t, r, 0, VT_COLS - 1);
		} else {
			for (int r = 0; r < VT_ROWS; r++)
				vt_blank(t, r, 0, VT_COLS - 1);
		}
		break;
	case 'X': vt_blank(t, t->row, t->col, vt_clamp(t->col + n - 1, 0, VT_COLS - 1)); break;
	case 'S':
	case 'T':
		for (int i = 0; i < n; i++)
			vt_scroll(t, final == 'S' ? 1 : -1);
		break;
	case 'b':
		for (int i = 0; i < n; i++)
			vt_put(t, t->last);
		break;
	case '@':
	case 'P': {
		char *line = t->cell[t->row];
		int k = vt_clamp(n, 0, VT_COLS - t->col);
		if (final == '@') {
			memmove(line + t->col + k, line + t->col, (size_t)(VT_COLS - t->col - k));
			vt_blank(t, t->row, t->col, t->col + k - 1);
		} else {
			memmove(line + t->col, line + t->col + k, (size_t)(VT_COLS - t->col - k));
			vt_blank(t, t->row, VT_COLS - k, VT_COLS - 1);
		}
		break;
	}
	case 'r':
		t->top = vt_clamp((a ? a : 1) - 1, 0, VT_ROWS - 1);
		t->bottom = vt_clamp((b ? b : VT_ROWS) - 1, t->top, VT_ROWS - 1);
		t->row = t->col = 0;
		break;
	case 'L':
	case 'M':
		if (t->row >= t->top && t->row <= t->bottom) {
			int top = t->top;
			t->top = t->row;
			for (int i = 0; i < n; i++)
				vt_scroll(t, final == 'M' ? 1 : -1);
			t->top = top;
		}
		break;
	default: break; /* attributes, modes */
	}
}

static inline void vt_down(vt *t)
{
	if (t->row == t->bottom)
		vt_scroll(t, 1);
	else if (t->row < VT_ROWS - 1)
		t->row++;
}

static inline void vt_write(vt *t, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (t->state) {
		case 1:
			t->state = 0;
			if (ch == '[') {
				t->state = 2;
				t->params = 0;
				t->question = false;
				memset(t->param, 0, sizeof(t->param));
			} else if (ch == 'M') {
				if (t->row == t->top)
					vt_scroll(t, -1);
				else if (t->row > 0)
					t->row--;
			} else if (ch == 'D') {
				vt_down(t);
			} else if (ch == '7') {
				t->saved_row = t->row;
				t->saved_col = t->col;
			} else if (ch == '8') {
				t->row = t->saved_row;
				t->col = t->saved_col;
			} else if (ch == '(' || ch == ')') {
				t->state = 3;
			}
			continue;
		case 2:
			if (ch == '?' || ch == '>') {
				t->question = true;
			} else if (ch >= '0' && ch <= '9') {
				if (!t->params)
					t->params = 1;
				t->param[t->params - 1] = t->param[t->params - 1] * 10 + (ch - '0');
			} else if (ch == ';') {
				if (!t->params)
					t->params = 1;
				if (t->params < 8)
					t->params++;
			} else if (ch >= 0x40 && ch <= 0x7e) {
				vt_csi(t, (char)ch);
				t->state = 0;
			}
			continue;
		case 3:
			t->state = 0;
			continue;
		default: break;
		}
		if (ch == 27)
			t->state = 1;
		else if (ch == '\r')
			t->col = 0;
		else if (ch == '\n')
			vt_down(t);
		else if (ch == '\b')
			t->col = t->col > 0 ? t->col - 1 : 0;
		else if (ch == '\t')
			t->col = vt_clamp((t->col / 8 + 1) * 8, 0, VT_COLS - 1);
		else if (ch < 0x20 || ch == 0x7f || (ch & 0xc0) == 0x80)
			continue; /* controls, and UTF-8's continuation bytes */
		else
			vt_put(t, ch < 0x80 ? (char)ch : '?');
	}
}

#endif
