/*
 * audit_grid.c - the lead's chunk x phase grid, counted from the state table.
 *
 * A cell counts the chunk's objects by status: its machines in the
 * inventory, preflight, restart, workstations and clients phases, its users
 * in the mail phase.  An object's status in a phase is the worst over its
 * steps there; an object with no state yet is pending.  Teardown is one
 * site-wide checklist, so every chunk's teardown cell holds the same counts
 * of the plan's teardown items.
 */
#include "audit_internal.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

/* Least to most urgent: the cell shows what needs a person first. */
static const carve_status by_severity[] = {
	CARVE_STATUS_OK, CARVE_STATUS_SKIPPED, CARVE_STATUS_PENDING,
	CARVE_STATUS_WARN, CARVE_STATUS_RUNNING, CARVE_STATUS_BLOCKED,
	CARVE_STATUS_INTERRUPTED, CARVE_STATUS_FAILED,
};

typedef enum { OBJ_NONE, OBJ_MACHINE, OBJ_USER } object_kind;

static object_kind phase_object(carve_phase p)
{
	switch (p) {
	case CARVE_PHASE_MAIL: return OBJ_USER;
	case CARVE_PHASE_TEARDOWN: return OBJ_NONE;
	default: return OBJ_MACHINE;
	}
}

static bool phase_of(carve_phase *out, const char *text)
{
	for (int p = 0; p < CARVE_PHASE__COUNT; p++)
		if (text && strcmp(text, carve_phase_name((carve_phase)p)) == 0) {
			*out = (carve_phase)p;
			return true;
		}
	return false;
}

/* Every object starts pending; recorded states move it out of pending. */
static void count_objects(carve_grid *grid, const carve_plan *plan)
{
	size_t n_machines, n_users;
	const carve_machine *machines = carve_plan_machines(plan, &n_machines);
	const carve_user *users = carve_plan_users(plan, &n_users);

	for (size_t i = 0; i < n_machines; i++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++)
			if (machines[i].chunk < grid->chunk_count &&
			    phase_object((carve_phase)p) == OBJ_MACHINE)
				grid->counts[machines[i].chunk][p][CARVE_STATUS_PENDING]++;
	for (size_t i = 0; i < n_users; i++)
		if (users[i].chunk < grid->chunk_count)
			grid->counts[users[i].chunk][CARVE_PHASE_MAIL][CARVE_STATUS_PENDING]++;
}

static int prepare_states(sqlite3_stmt **out, carve_audit *audit)
{
	carve_buf sql = CARVE_BUF_INIT;
	size_t pending = 0;
	int err = 0;

	carve_buf_puts(&sql, "SELECT object_kind, object, phase, CASE status");
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(by_severity); i++) {
		carve_buf_printf(&sql, " WHEN '%s' THEN %zu",
				 carve_status_name(by_severity[i]), i);
		if (by_severity[i] == CARVE_STATUS_PENDING)
			pending = i;
	}
	/* A status this carve does not know says nothing is done yet.  The
	 * order is the table's key, so SQLite does not sort and each object's
	 * steps in a phase come together. */
	carve_buf_printf(&sql, " ELSE %zu END FROM state"
			 " WHERE object_kind IN ('machine', 'user')"
			 " ORDER BY object_kind, object, phase", pending);
	if (sql.failed)
		err = carve_error_oom();
	else if (sqlite3_prepare_v2(audit->db, sql.ptr, -1, out, NULL) != SQLITE_OK)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the current state");
	carve_buf_done(&sql);
	return err;
}

/* One object's status in one phase, folded over its steps. */
typedef struct {
	size_t chunk; /* CARVE_NONE: the plan no longer has the object */
	int phase;    /* -1 before the first row */
	size_t worst; /* index into by_severity */
} cell_fold;

static void fold_done(carve_grid *grid, const cell_fold *f)
{
	/* State for an object the plan no longer has is history, not a cell
	 * of this grid. */
	if (f->phase < 0 || f->chunk >= grid->chunk_count)
		return;
	grid->counts[f->chunk][f->phase][CARVE_STATUS_PENDING]--;
	grid->counts[f->chunk][f->phase][by_severity[f->worst]]++;
}

static size_t chunk_of(const carve_plan *plan, object_kind kind, const char *name)
{
	size_t n, i;

	if (kind == OBJ_MACHINE) {
		const carve_machine *machines = carve_plan_machines(plan, &n);
		i = carve_plan_find_machine(plan, name);
		return i == CARVE_NONE ? CARVE_NONE : machines[i].chunk;
	}
	const carve_user *users = carve_plan_users(plan, &n);
	i = carve_plan_find_user(plan, name);
	return i == CARVE_NONE ? CARVE_NONE : users[i].chunk;
}

/* Folding in C rather than with GROUP BY: grouping 150,000 rows under
 * NOCASE costs SQLite more than the whole walk. */
static int count_states(carve_grid *grid, carve_audit *audit, const carve_plan *plan)
{
	carve_buf object = CARVE_BUF_INIT;
	object_kind kind = OBJ_NONE;
	cell_fold fold = { CARVE_NONE, -1, 0 };
	sqlite3_stmt *st = NULL;
	int err, rc;

	if ((err = prepare_states(&st, audit)) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *row_kind = (const char *)sqlite3_column_text(st, 0);
		const char *row_object = (const char *)sqlite3_column_text(st, 1);
		object_kind ok = strcmp(row_kind, "machine") == 0 ? OBJ_MACHINE : OBJ_USER;
		size_t rank = (size_t)sqlite3_column_int(st, 3);
		carve_phase phase;

		if (!phase_of(&phase, (const char *)sqlite3_column_text(st, 2)) ||
		    phase_object(phase) != ok)
			continue;
		/* The key ignores case, so may the comparison. */
		bool same_object = ok == kind && object.len &&
				   carve_strcasecmp(object.ptr, row_object) == 0;
		if (!same_object || (int)phase != fold.phase) {
			fold_done(grid, &fold);
			if (!same_object) {
				kind = ok;
				object.len = 0;
				carve_buf_puts(&object, row_object);
				if (object.failed) {
					err = carve_error_oom();
					goto done;
				}
				fold.chunk = chunk_of(plan, kind, row_object);
			}
			fold.phase = (int)phase;
			fold.worst = 0;
		}
		if (rank > fold.worst)
			fold.worst = rank;
	}
	fold_done(grid, &fold);
	if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the current state");
done:
	carve_buf_done(&object);
	sqlite3_finalize(st);
	return err;
}

static int count_teardown(carve_grid *grid, carve_audit *audit, const carve_plan *plan)
{
	size_t n_items;
	const carve_teardown_item *items = carve_plan_teardown(plan, &n_items);
	unsigned site[CARVE_STATUS__COUNT] = { 0 };
	sqlite3_stmt *st = NULL;
	int err = 0, rc = SQLITE_ERROR;

	site[CARVE_STATUS_PENDING] = (unsigned)n_items;
	if (sqlite3_prepare_v2(audit->db,
			       "SELECT step, status FROM state WHERE object_kind = 'site'"
			       " AND phase = 'teardown'", -1, &st, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *status = (const char *)sqlite3_column_text(st, 1);
			for (size_t i = 0; i < n_items; i++)
				if (strcmp(items[i].id, id) == 0) {
					site[CARVE_STATUS_PENDING]--;
					site[audit_status_of(status)]++;
					break;
				}
		}
	if (rc != SQLITE_DONE)
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the teardown state");
	for (size_t c = 0; c < grid->chunk_count; c++)
		memcpy(grid->counts[c][CARVE_PHASE_TEARDOWN], site, sizeof(site));
	sqlite3_finalize(st);
	return err;
}

int carve_audit_grid(carve_grid *out, carve_audit *audit, const carve_plan *plan)
{
	carve_grid grid = { 0, NULL };
	int err;

	memset(out, 0, sizeof(*out));
	carve_plan_chunks(plan, &grid.chunk_count);
	if (grid.chunk_count &&
	    !(grid.counts = calloc(grid.chunk_count, sizeof(*grid.counts))))
		return carve_error_oom();
	count_objects(&grid, plan);
	if (!audit) {
		size_t n_items;
		carve_plan_teardown(plan, &n_items);
		for (size_t c = 0; c < grid.chunk_count; c++)
			grid.counts[c][CARVE_PHASE_TEARDOWN][CARVE_STATUS_PENDING] =
				(unsigned)n_items;
		*out = grid;
		return 0;
	}
	/* One snapshot for both reads, so a cell never mixes two moments. */
	if (sqlite3_exec(audit->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot start reading");
		goto done;
	}
	if ((err = count_states(&grid, audit, plan)) == 0)
		err = count_teardown(&grid, audit, plan);
	/* a read transaction that stayed open would hold this moment's
	 * snapshot for every later read of the handle */
	if (sqlite3_exec(audit->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(audit->db, "ROLLBACK", NULL, NULL, NULL);
done:
	if (err < 0)
		carve_grid_done(&grid);
	else
		*out = grid;
	return err;
}

void carve_grid_done(carve_grid *grid)
{
	free(grid->counts);
	grid->counts = NULL;
	grid->chunk_count = 0;
}

void carve_progress_add(carve_progress *p, const unsigned *counts)
{
	p->done += counts[CARVE_STATUS_OK] + counts[CARVE_STATUS_WARN] +
		   counts[CARVE_STATUS_SKIPPED];
	p->failed += counts[CARVE_STATUS_FAILED] + counts[CARVE_STATUS_INTERRUPTED];
	p->blocked += counts[CARVE_STATUS_BLOCKED];
	p->todo += counts[CARVE_STATUS_PENDING] + counts[CARVE_STATUS_RUNNING];
	for (int s = 0; s < CARVE_STATUS__COUNT; s++)
		p->total += counts[s];
}

void carve_progress_chunk(carve_progress *p, const carve_grid *grid, size_t chunk)
{
	memset(p, 0, sizeof(*p));
	for (int ph = CARVE_PHASE_PREFLIGHT; chunk < grid->chunk_count && ph <= CARVE_PHASE_CLIENTS;
	     ph++)
		carve_progress_add(p, grid->counts[chunk][ph]);
}

int carve_audit_chunk_progress(carve_progress *p, carve_audit *audit, const carve_plan *plan,
			       const char *chunk)
{
	carve_grid grid = { 0 };
	int err = carve_audit_grid(&grid, audit, plan);

	memset(p, 0, sizeof(*p));
	if (err == 0)
		carve_progress_chunk(p, &grid, carve_plan_find_chunk(plan, chunk));
	carve_grid_done(&grid);
	return err;
}

void carve_progress_text(char *out, size_t cap, const carve_progress *p)
{
	if (!p->total) {
		snprintf(out, cap, "nothing to do");
		return;
	}
	if (p->done == p->total) {
		snprintf(out, cap, "all %u done", p->total);
		return;
	}
	int len = snprintf(out, cap, "%u of %u done", p->done, p->total);
	if (p->failed && len >= 0 && (size_t)len < cap)
		len += snprintf(out + len, cap - (size_t)len, ", %u failed", p->failed);
	if (p->blocked && len >= 0 && (size_t)len < cap)
		snprintf(out + len, cap - (size_t)len, ", %u blocked", p->blocked);
}
