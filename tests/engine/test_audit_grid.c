/*
 * test_audit_grid.c - the chunk x phase grid counted from the current state.
 */
#include "audit_test.h"
#include "internal.h"


static const char plan_yaml[] =
	"site:\n"
	"  name: Grid test\n"
	"  source: { netbios: FABRIKAM, dns: fabrikam.local }\n"
	"  target: { netbios: CONTOSO, dns: contoso.com, ou: \"OU=W,DC=contoso,DC=com\" }\n"
	"  migrator: svc_migrator\n"
	"accounts: [{ name: desk, user: 'FABRIKAM\\desk', auth: agent }]\n"
	"transport: { account: desk }\n"
	"floors:\n"
	"  - name: F1\n"
	"    map: |\n"
	"      A1 A2 A3 A4\n"
	"chunks:\n"
	"  - { name: wave1, cutover: 2026-12-05T22:00:00Z }\n"
	"  - { name: wave2, cutover: 2026-12-12T22:00:00Z }\n"
	"users:\n"
	"  - { name: alice, chunk: wave1 }\n"
	"  - { name: bob, chunk: wave1 }\n"
	"  - { name: carol, chunk: wave2 }\n"
	"machines:\n"
	"  - { name: WS-01, address: 10.0.0.1, os: xp, floor: F1, marker: A1, user: alice, chunk: wave1 }\n"
	"  - { name: WS-02, address: 10.0.0.2, os: 7, floor: F1, marker: A2, user: bob, chunk: wave1 }\n"
	"  - { name: WS-03, address: 10.0.0.3, os: 10, floor: F1, marker: A3, chunk: wave1 }\n"
	"  - { name: WS-04, address: 10.0.0.4, os: 10, floor: F1, marker: A4, user: carol, chunk: wave2 }\n"
	"teardown:\n"
	"  - { id: ex-mx, area: exchange, title: Point MX records to the target, verify: mx }\n"
	"  - { id: ad-trust, area: ad, title: Remove the trust to the source domain }\n";

static char *at_dir, *at_db;
static carve_plan *plan;

static carve_plan *load(const char *name, const char *yaml)
{
	carve_plan *p = NULL;
	carve_diags *diags = NULL;
	int err = carve_plan_load_buffer(&p, &diags, name, yaml, strlen(yaml));

	if (err < 0 && diags && carve_diags_count(diags)) {
		const carve_diag *d = carve_diags_get(diags, 0);
		cr_log_error("%s:%u:%u: %s", d->file, d->line, d->col, d->message);
	}
	cr_assert_eq(err, 0, "plan: %s", carve_error_last()->message);
	carve_diags_free(diags);
	return p;
}

static void setup(void)
{
	at_setup();
	plan = load("grid.yaml", plan_yaml);
}

static void teardown(void)
{
	carve_plan_free(plan);
	at_teardown();
}

TestSuite(audit_grid, .init = setup, .fini = teardown);

#define W1 0
#define W2 1
#define CELL(g, c, p, s) ((g).counts[c][CARVE_PHASE_##p][CARVE_STATUS_##s])

static unsigned cell_total(const carve_grid *g, size_t c, carve_phase p)
{
	unsigned n = 0;

	for (int s = 0; s < CARVE_STATUS__COUNT; s++)
		n += g->counts[c][p][s];
	return n;
}

static carve_event on_user(carve_event ev, const char *user)
{
	ev.user = user;
	return ev;
}

Test(audit_grid, counts_objects_by_worst_status)
{
	carve_audit *audit = at_open(at_db);
	int64_t run = 0;
	carve_grid g;

	cr_assert_eq(carve_audit_run_begin(&run, audit, plan, "run"), 0);
	carve_event ev[] = {
		at_step(run, "wave1", "WS-01", "preflight", "ping", CARVE_STATUS_OK),
		at_step(run, "wave1", "WS-01", "preflight", "disk", CARVE_STATUS_FAILED),
		at_step(run, "wave1", "ws-02", "preflight", "ping", CARVE_STATUS_OK),
		at_step(run, "wave1", "WS-02", "preflight", "disk", CARVE_STATUS_OK),
		at_step(run, "wave1", "WS-01", "restart", "down", CARVE_STATUS_RUNNING),
		at_step(run, "wave1", "WS-02", "restart", "up", CARVE_STATUS_INTERRUPTED),
		at_step(run, "wave2", "WS-04", "preflight", "hotfixes", CARVE_STATUS_WARN),
		/* not in the plan (any more): history, not a cell */
		at_step(run, "wave1", "WS-99", "preflight", "ping", CARVE_STATUS_FAILED),
		/* a machine has no mail cell; a chunk-wide job is not an object */
		at_step(run, "wave1", "WS-01", "mail", "outlook", CARVE_STATUS_FAILED),
		at_step(run, "wave1", NULL, "workstations", "admt", CARVE_STATUS_RUNNING),
		on_user(at_step(run, "wave1", NULL, "mail", "move", CARVE_STATUS_OK), "alice"),
		on_user(at_step(run, "wave1", NULL, "mail", "move", CARVE_STATUS_BLOCKED), "BOB"),
		at_step(run, NULL, NULL, "teardown", "ex-mx", CARVE_STATUS_FAILED),
		at_step(run, NULL, NULL, "teardown", "not-an-item", CARVE_STATUS_OK),
	};
	at_append(audit, ev, sizeof(ev) / sizeof(ev[0]));
	carve_event signoff = at_step(run, NULL, NULL, "teardown", "ad-trust", CARVE_STATUS_OK);
	signoff.kind = "signoff";
	signoff.actor = "alice";
	at_append(audit, &signoff, 1);

	cr_assert_eq(carve_audit_grid(&g, audit, plan), 0, "%s", carve_error_last()->message);
	cr_assert_eq(g.chunk_count, 2);
	cr_assert_eq(CELL(g, W1, PREFLIGHT, FAILED), 1);
	cr_assert_eq(CELL(g, W1, PREFLIGHT, OK), 1);
	cr_assert_eq(CELL(g, W1, PREFLIGHT, PENDING), 1, "WS-03 has no state");
	cr_assert_eq(CELL(g, W1, RESTART, RUNNING), 1);
	cr_assert_eq(CELL(g, W1, RESTART, INTERRUPTED), 1);
	cr_assert_eq(CELL(g, W1, RESTART, PENDING), 1);
	cr_assert_eq(CELL(g, W1, INVENTORY, PENDING), 3);
	cr_assert_eq(CELL(g, W1, WORKSTATIONS, PENDING), 3);
	cr_assert_eq(CELL(g, W1, CLIENTS, PENDING), 3);
	cr_assert_eq(CELL(g, W1, MAIL, OK), 1);
	cr_assert_eq(CELL(g, W1, MAIL, BLOCKED), 1);
	cr_assert_eq(CELL(g, W2, PREFLIGHT, WARN), 1);
	cr_assert_eq(CELL(g, W2, MAIL, PENDING), 1);
	for (size_t c = 0; c < 2; c++) {
		cr_assert_eq(CELL(g, c, TEARDOWN, FAILED), 1, "the site checklist, in every row");
		cr_assert_eq(CELL(g, c, TEARDOWN, OK), 1);
		cr_assert_eq(cell_total(&g, c, CARVE_PHASE_TEARDOWN), 2);
		for (int p = 0; p < CARVE_PHASE_TEARDOWN; p++) {
			unsigned want = p == CARVE_PHASE_MAIL ? (c == W1 ? 2 : 1)
							      : (c == W1 ? 3 : 1);
			cr_assert_eq(cell_total(&g, c, (carve_phase)p), want,
				     "chunk %zu phase %s", c, carve_phase_name((carve_phase)p));
		}
	}
	carve_grid_done(&g);
	cr_assert_null(g.counts);
	carve_audit_free(audit);

	/* the run recorded which plan it ran */
	sqlite3 *db = at_raw(at_db);
	at_text_is(db, "SELECT plan_sha256 FROM runs", carve_plan_hash(plan));
	sqlite3_close(db);
}

Test(audit_grid, worst_status_wins_in_the_documented_order)
{
	/* least to most urgent: each new step is worse than all before it */
	static const carve_status order[] = {
		CARVE_STATUS_OK, CARVE_STATUS_SKIPPED, CARVE_STATUS_PENDING,
		CARVE_STATUS_WARN, CARVE_STATUS_RUNNING, CARVE_STATUS_BLOCKED,
		CARVE_STATUS_INTERRUPTED, CARVE_STATUS_FAILED,
	};
	carve_audit *audit = at_open(at_db);

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char step[8];
		carve_grid g;
		snprintf(step, sizeof(step), "s%zu", i);
		carve_event ev = at_step(0, "wave1", "WS-03", "inventory", step, order[i]);
		at_append(audit, &ev, 1);
		cr_assert_eq(carve_audit_grid(&g, audit, plan), 0);
		cr_assert_eq(g.counts[W1][CARVE_PHASE_INVENTORY][order[i]],
			     order[i] == CARVE_STATUS_PENDING ? 3 : 1,
			     "after %s", carve_status_name(order[i]));
		carve_grid_done(&g);
	}
	carve_audit_free(audit);
}

Test(audit_grid, read_only_viewer_sees_the_grid)
{
	carve_audit *audit = at_open(at_db), *viewer;
	carve_event ev = at_step(0, "wave2", "WS-04", "clients", "hosts", CARVE_STATUS_OK);
	carve_grid g;

	at_append(audit, &ev, 1);
	viewer = at_open_ro(at_db);
	cr_assert_eq(carve_audit_grid(&g, viewer, plan), 0);
	cr_assert_eq(g.counts[W2][CARVE_PHASE_CLIENTS][CARVE_STATUS_OK], 1);
	carve_grid_done(&g);
	carve_audit_free(viewer);
	carve_audit_free(audit);
}

/* A plan of n machines, one user each, on one floor of desks 3 apart; the
 * chunks take consecutive blocks of machines. */
static char *big_plan(int n, int chunks)
{
	const int per_row = 100;
	carve_buf b = CARVE_BUF_INIT;

	carve_buf_printf(&b, "site:\n  name: Big\n"
		    "  source: { netbios: FABRIKAM, dns: fabrikam.local }\n"
		    "  target: { netbios: CONTOSO, dns: contoso.com, ou: \"OU=W,DC=contoso,DC=com\" }\n"
		    "  migrator: svc_migrator\n"
		    "accounts: [{ name: desk, user: 'FABRIKAM\\desk', auth: agent }]\n"
		    "transport: { account: desk }\n"
		    "floors:\n  - name: F1\n    map: |\n");
	for (int r = 0; r < (n + per_row - 1) / per_row; r++) {
		carve_buf_printf(&b, "      ");
		for (int c = 0; c < per_row; c++)
			carve_buf_printf(&b, "[ ]");
		carve_buf_printf(&b, "\n");
	}
	carve_buf_printf(&b, "chunks:\n");
	for (int c = 0; c < chunks; c++)
		carve_buf_printf(&b, "  - { name: c%d, cutover: 2026-12-05T22:00:00Z }\n", c);
	carve_buf_printf(&b, "users:\n");
	for (int i = 0; i < n; i++)
		carve_buf_printf(&b, "  - { name: u%05d, chunk: c%d }\n", i, i * chunks / n);
	carve_buf_printf(&b, "machines:\n");
	for (int i = 0; i < n; i++)
		carve_buf_printf(&b, "  - { name: WS-%05d, address: 10.1.%d.%d, os: 10,"
				 " floor: F1, at: [%d, %d], user: u%05d, chunk: c%d }\n",
				 i, i / 250, i % 250 + 1, 3 * (i % per_row) + 2,
				 i / per_row + 1, i, i * chunks / n);
	cr_assert_not(b.failed);
	return b.ptr;
}

Test(audit_grid, ten_thousand_machines, .timeout = 120)
{
	enum { N = 10000, CHUNKS = 20, STEPS = 3 };
	char *yaml = big_plan(N, CHUNKS);
	carve_plan *big = load("big.yaml", yaml);
	carve_audit *audit = at_open(at_db);
	static carve_event ev[N];
	static char names[N][16];
	static const char *const phases[] = { "inventory", "preflight", "restart",
					      "workstations", "clients" };
	static const char *const steps[STEPS] = { "a", "b", "c" };
	carve_grid g;

	for (int i = 0; i < N; i++)
		snprintf(names[i], sizeof(names[i]), "WS-%05d", i);
	for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++)
		for (int s = 0; s < STEPS; s++) {
			for (int i = 0; i < N; i++)
				ev[i] = at_step(0, NULL, names[i], phases[p], steps[s],
						i % 10 == s ? CARVE_STATUS_FAILED : CARVE_STATUS_OK);
			at_append(audit, ev, N);
		}

	cr_assert_eq(carve_audit_grid(&g, audit, big), 0, "%s", carve_error_last()->message);
	for (int c = 0; c < CHUNKS; c++) {
		/* machines whose index ends in 0, 1 or 2 failed one step */
		cr_assert_eq(g.counts[c][CARVE_PHASE_PREFLIGHT][CARVE_STATUS_FAILED],
			     N / CHUNKS * 3 / 10, "chunk %d", c);
		cr_assert_eq(g.counts[c][CARVE_PHASE_PREFLIGHT][CARVE_STATUS_OK],
			     N / CHUNKS * 7 / 10);
		cr_assert_eq(g.counts[c][CARVE_PHASE_MAIL][CARVE_STATUS_PENDING], N / CHUNKS);
	}
	carve_grid_done(&g);
	carve_audit_free(audit);
	carve_plan_free(big);
	free(yaml);
}
