/*
 * diags.c - the list of problems found in an input file, reported at once.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct carve_diags {
	char *file;
	carve_diag *items;
	size_t count;
	size_t cap;
	bool failed;
};

carve_diags *carve_diags_new(const char *file)
{
	carve_diags *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->file = strdup(file ? file : "<input>");
	if (!d->file) {
		free(d);
		return NULL;
	}
	return d;
}

void carve_diags_add(carve_diags *d, unsigned line, unsigned col,
		     const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!d || d->failed)
		return;
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		carve_diag *items = realloc(d->items, cap * sizeof(*items));
		if (!items) {
			d->failed = true;
			return;
		}
		d->items = items;
		d->cap = cap;
	}
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(msg = malloc((size_t)n + 1))) {
		d->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	d->items[d->count++] = (carve_diag){ d->file, line, col, msg };
}

static int diag_cmp(const void *a, const void *b)
{
	const carve_diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

int carve_diags_finish(carve_diags *d)
{
	if (!d)
		return carve_error_oom();
	if (d->failed)
		return carve_error_oom();
	/* Stable bottom-up merge sort: diagnostics at one position keep the
	 * order they were found in. */
	carve_diag *tmp = d->count > 1 ? malloc(d->count * sizeof(*tmp)) : NULL;
	if (d->count > 1 && !tmp)
		return carve_error_oom();
	carve_diag *src = d->items, *dst = tmp;
	for (size_t width = 1; width < d->count; width *= 2) {
		for (size_t lo = 0; lo < d->count; lo += 2 * width) {
			size_t mid = lo + width < d->count ? lo + width : d->count;
			size_t hi = lo + 2 * width < d->count ? lo + 2 * width : d->count;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = diag_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		carve_diag *t = src;
		src = dst;
		dst = t;
	}
	if (src != d->items)
		memcpy(d->items, src, d->count * sizeof(*src));
	free(tmp);
	return 0;
}

size_t carve_diags_count(const carve_diags *d)
{
	return d ? d->count : 0;
}

const carve_diag *carve_diags_get(const carve_diags *d, size_t i)
{
	return d && i < d->count ? &d->items[i] : NULL;
}

void carve_diags_free(carve_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->count; i++)
		free((char *)d->items[i].message);
	free(d->items);
	free(d->file);
	free(d);
}
