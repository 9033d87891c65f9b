/*
 * inventory.c - the plan against the floor: the technician's physical
 * inventory (a CSV) reconciled with the plan's machines and places.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

enum { COL_MACHINE, COL_FLOOR, COL_DESK, COL_X, COL_Y, COL__COUNT };

typedef struct {
	char *fields[32];
	size_t count;
} csv_row;

/* Splits one CSV record in place (RFC 4180 quotes; no line breaks inside
 * quotes, which an inventory has no use for).  False on a broken quote. */
static bool split_row(csv_row *r, char *line)
{
	char *out = line, *p = line;

	r->count = 0;
	for (;;) {
		if (r->count == 32)
			return false;
		r->fields[r->count++] = out;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return false;
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		if (*p != ',' && *p)
			return false;
		bool more = *p == ',';
		*out++ = '\0';
		if (!more)
			return true;
		p++;
	}
}

/* Where marker appears on the floor's map: column in characters, row. */
static bool find_marker(const carve_floor *f, const char *marker, unsigned *x, unsigned *y)
{
	for (size_t r = 0; r < f->row_count; r++) {
		const char *at = strstr(f->rows[r], marker);
		if (!at)
			continue;
		unsigned col = 0;
		for (const char *p = f->rows[r]; p < at; p++)
			col += ((unsigned char)*p & 0xc0) != 0x80;
		*x = col;
		*y = (unsigned)r;
		return true;
	}
	return false;
}

static const carve_floor *floor_named(const carve_plan *plan, const char *name)
{
	size_t n;
	const carve_floor *f = carve_plan_floors(plan, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

static bool number(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > 100000)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Reads one data row into a finding; problems go to diags. */
static void read_row(carve_inventory_finding *f, csv_row *r, const int *col, unsigned line,
		     const carve_plan *plan, carve_diags *diags)
{
	const char *name = carve_trim(r->fields[col[COL_MACHINE]]);
	const char *floor = col[COL_FLOOR] >= 0 && (size_t)col[COL_FLOOR] < r->count
				    ? carve_trim(r->fields[col[COL_FLOOR]]) : "";

	memset(f, 0, sizeof(*f));
	f->line = line;
	f->machine = carve_plan_find_machine(plan, name);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->floor, sizeof(f->floor), "%s", floor);
	const carve_floor *fl = floor_named(plan, floor);
	if (*floor && !fl)
		carve_diags_add(diags, line, 1, "no floor '%s' in the plan", floor);
	if (col[COL_DESK] >= 0 && (size_t)col[COL_DESK] < r->count &&
	    *carve_trim(r->fields[col[COL_DESK]])) {
		const char *desk = carve_trim(r->fields[col[COL_DESK]]);
		if (fl && !(f->placed = find_marker(fl, desk, &f->x, &f->y)))
			carve_diags_add(diags, line, 1, "desk '%s' is not on floor %s's map", desk,
					floor);
	} else if (col[COL_X] >= 0 && col[COL_Y] >= 0 && (size_t)col[COL_X] < r->count &&
		   (size_t)col[COL_Y] < r->count && *carve_trim(r->fields[col[COL_X]])) {
		if (!number(carve_trim(r->fields[col[COL_X]]), &f->x) ||
		    !number(carve_trim(r->fields[col[COL_Y]]), &f->y))
			carve_diags_add(diags, line, 1, "x and y must be whole numbers");
		else
			f->placed = true;
	}
}

static int header(int *col, csv_row *r, carve_diags *diags)
{
	static const char *const names[COL__COUNT] = { "machine", "floor", "desk", "x", "y" };

	for (int c = 0; c < COL__COUNT; c++)
		col[c] = -1;
	for (size_t i = 0; i < r->count; i++)
		for (int c = 0; c < COL__COUNT; c++)
			if (carve_strcasecmp(carve_trim(r->fields[i]), names[c]) == 0)
				col[c] = (int)i;
	if (col[COL_MACHINE] < 0 || col[COL_FLOOR] < 0) {
		carve_diags_add(diags, 1, 1, "the header must name the columns machine and floor "
				"(and desk, or x and y)");
		return -1;
	}
	return 0;
}

int carve_inventory_reconcile(carve_inventory_finding **out, size_t *count,
			      carve_diags **diags_out, const carve_plan *plan,
			      const char *csv_path, const char *chunk)
{
	size_t n_machines, n_floors;
	const carve_machine *machines = carve_plan_machines(plan, &n_machines);
	const carve_floor *floors = carve_plan_floors(plan, &n_floors);
	size_t chunk_index = CARVE_NONE, *row_of = NULL;
	carve_diags *diags = carve_diags_new(csv_path);
	carve_inventory_finding *rows = NULL, *res = NULL;
	size_t n_rows = 0, n_res = 0, cap = 0;
	char line[4096];
	unsigned lineno = 0;
	int col[COL__COUNT], err = 0;
	FILE *f = NULL;

	*out = NULL;
	*count = 0;
	*diags_out = diags;
	if (!diags)
		return carve_error_oom();
	if (chunk && (chunk_index = carve_plan_find_chunk(plan, chunk)) == CARVE_NONE)
		return carve_error_set(CARVE_EINVALID, "no chunk '%s' in the plan", chunk);
	/* The CSV row that found each plan machine, CARVE_NONE until one does. */
	if (!(row_of = malloc((n_machines ? n_machines : 1) * sizeof(*row_of))))
		return carve_error_oom();
	for (size_t i = 0; i < n_machines; i++)
		row_of[i] = CARVE_NONE;
	if (!(f = fopen(csv_path, "r"))) {
		err = carve_error_set(CARVE_EIO, "cannot read %s", csv_path);
		goto done;
	}
	while (fgets(line, sizeof(line), f)) {
		csv_row r;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!*carve_trim(line))
			continue;
		if (!split_row(&r, line)) {
			carve_diags_add(diags, lineno, 1, "broken quoting or too many columns");
			continue;
		}
		if (lineno == 1) {
			if (header(col, &r, diags) < 0)
				break;
			continue;
		}
		if ((size_t)col[COL_MACHINE] >= r.count || !*carve_trim(r.fields[col[COL_MACHINE]])) {
			carve_diags_add(diags, lineno, 1, "no machine name");
			continue;
		}
		if (n_rows == cap) {
			cap = cap ? cap * 2 : 64;
			carve_inventory_finding *grown = realloc(rows, cap * sizeof(*rows));
			if (!grown) {
				err = carve_error_oom();
				goto done;
			}
			rows = grown;
		}
		carve_inventory_finding *row = &rows[n_rows];
		read_row(row, &r, col, lineno, plan, diags);
		size_t twice = CARVE_NONE;
		if (row->machine != CARVE_NONE && (twice = row_of[row->machine]) == CARVE_NONE)
			row_of[row->machine] = n_rows;
		/* Names the plan does not know are few: compare those by hand. */
		for (size_t k = 0; row->machine == CARVE_NONE && k < n_rows; k++)
			if (rows[k].machine == CARVE_NONE &&
			    carve_strcasecmp(rows[k].name, row->name) == 0)
				twice = k;
		if (twice != CARVE_NONE)
			carve_diags_add(diags, lineno, 1, "%s is listed twice (line %u too)",
					row->name, rows[twice].line);
		n_rows++;
	}
	if (lineno == 0)
		carve_diags_add(diags, 1, 1, "the file is empty");
	if ((err = carve_diags_finish(diags)) < 0)
		goto done;
	if (carve_diags_count(diags)) {
		err = carve_error_set(CARVE_EINVALID, "%s has %zu problem%s", csv_path,
				      carve_diags_count(diags),
				      carve_diags_count(diags) == 1 ? "" : "s");
		goto done;
	}

	if (!(res = calloc(n_machines + n_rows + 1, sizeof(*res)))) {
		err = carve_error_oom();
		goto done;
	}
	for (size_t i = 0; i < n_machines; i++) {
		if (chunk_index != CARVE_NONE && machines[i].chunk != chunk_index)
			continue;
		carve_inventory_finding *fd = &res[n_res++];
		size_t k = row_of[i];
		if (k == CARVE_NONE) {
			memset(fd, 0, sizeof(*fd));
			fd->kind = CARVE_INVENTORY_MISSING;
			fd->machine = i;
			snprintf(fd->name, sizeof(fd->name), "%s", machines[i].name);
			continue;
		}
		*fd = rows[k];
		bool same_floor = strcmp(rows[k].floor, floors[machines[i].floor].name) == 0;
		bool same_desk = !rows[k].placed ||
				 (rows[k].x == machines[i].x && rows[k].y == machines[i].y);
		fd->kind = same_floor && same_desk ? CARVE_INVENTORY_MATCH : CARVE_INVENTORY_MOVED;
	}
	/* Only a name the plan does not know is extra: another chunk's machine
	 * is just not this chunk's (and no name is listed twice by now). */
	for (size_t k = 0; k < n_rows; k++)
		if (rows[k].machine == CARVE_NONE) {
			res[n_res] = rows[k];
			res[n_res++].kind = CARVE_INVENTORY_EXTRA;
		}
	*out = res;
	*count = n_res;
	res = NULL;
done:
	free(res);
	free(rows);
	free(row_of);
	if (f)
		fclose(f);
	return err;
}
