/*
 * fuzz_plan.c - any bytes given to the site plan loader give either a plan
 * or diagnostics, never a crash or a leak.
 *
 * Checks, on every input:
 *   - the result is a plan (and no diagnostics) or CARVE_EINVALID with at
 *     least one diagnostic, each with a 1-based position, in order;
 *   - in a plan, every index refers to an existing item and every machine
 *     sits on its floor's drawing.
 * A failed check aborts.
 */
#include "carve.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_diags(const carve_diags *diags)
{
	unsigned line = 0, col = 0;

	check(carve_diags_count(diags) > 0);
	for (size_t i = 0; i < carve_diags_count(diags); i++) {
		const carve_diag *d = carve_diags_get(diags, i);
		check(d->line >= 1 && d->col >= 1 && d->message[0] != '\0');
		check(d->line > line || (d->line == line && d->col >= col));
		line = d->line;
		col = d->col;
	}
}

static void check_plan(const carve_plan *plan)
{
	size_t floors, machines, users, chunks, execs;
	const carve_floor *f = carve_plan_floors(plan, &floors);
	const carve_machine *m = carve_plan_machines(plan, &machines);
	const carve_user *u = carve_plan_users(plan, &users);
	const carve_chunk *c = carve_plan_chunks(plan, &chunks);

	carve_plan_exec_hosts(plan, &execs);
	check(strlen(carve_plan_hash(plan)) == 64 && floors > 0 && chunks > 0);
	for (size_t i = 0; i < users; i++)
		check(u[i].chunk < chunks && carve_plan_find_user(plan, u[i].name) == i);
	for (size_t i = 0; i < machines; i++) {
		check(m[i].floor < floors && m[i].chunk < chunks);
		check(m[i].user == CARVE_NONE || (m[i].user < users && u[m[i].user].chunk == m[i].chunk));
		check((m[i].reach == CARVE_REACH_VIA) == (m[i].via != CARVE_NONE));
		check(m[i].via == CARVE_NONE || m[i].via < execs);
		check(m[i].y < f[m[i].floor].row_count);
		check(m[i].x < strlen(f[m[i].floor].rows[m[i].y]));
		check(carve_plan_find_machine(plan, m[i].name) == i);
	}
	for (size_t i = 0; i < chunks; i++)
		check(carve_plan_find_chunk(plan, c[i].name) == i);

	/* Every logon names an account, and one that reaches other machines
	 * carries network credentials. */
	size_t accounts;
	const carve_account *a = carve_plan_accounts(plan, &accounts);
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &execs);
	size_t direct = carve_plan_transport(plan)->account, source = carve_plan_site(plan)->source.account;
	for (size_t i = 0; i < accounts; i++)
		check(carve_plan_find_account(plan, a[i].name) == i && a[i].user &&
		      (a[i].auth == CARVE_AUTH_KEY) == (a[i].key_file != NULL));
	for (size_t i = 0; i < execs; i++)
		check(e[i].account < accounts &&
		      (!carve_exec_host_reaches_others(plan, i, NULL) ||
		       carve_auth_delegates(a[e[i].account].auth)));
	check(direct == CARVE_NONE || direct < accounts);
	check(source == CARVE_NONE || (source < accounts && a[source].auth == CARVE_AUTH_PASSWORD));
	for (size_t i = 0; i < machines; i++)
		check(m[i].reach == CARVE_REACH_VIA || direct != CARVE_NONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	int err = carve_plan_load_buffer(&plan, &diags, "fuzz.yaml", (const char *)data, size);

	check((err == 0) == (plan != NULL));
	if (err == 0) {
		check(diags == NULL);
		check_plan(plan);
	} else if (err == CARVE_EINVALID) {
		check_diags(diags);
	}
	carve_plan_free(plan);
	carve_diags_free(diags);
	return 0;
}
