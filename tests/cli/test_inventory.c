/*
 * test_inventory.c - carve inventory: the plan against the technician's
 * CSV.  Missing, extra and moved machines are findings, each logged; a
 * malformed file is refused with every problem's position.
 */
#include "carve.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *tmp, *db, *plan, *csv;

static void setup(void)
{
	tmp = t_tmpdir();
	db = t_path(tmp, "audit.db");
	csv = t_path(tmp, "floor.csv");
	plan = t_data("cli/site.yaml");
}

static void teardown(void)
{
	t_rm_rf(tmp);
	free(tmp);
	free(db);
	free(csv);
	free(plan);
}

TestSuite(inventory, .init = setup, .fini = teardown);

static t_result inventory(void)
{
	const char *argv[] = { CARVE_BIN, "inventory", plan, "--physical", csv, "--db", db, NULL };
	return t_run(argv, NULL);
}

Test(inventory, findings_are_printed_and_logged)
{
	t_write_file(csv, "Machine,Floor,Desk,Note\r\n"
			  "WS-01,F1,A1,\r\n"
			  "ws-02,F1,A4,\"moved to the window, by Bo\"\r\n"
			  "WS-09,F1,A3,under a desk\r\n"
			  "WS-04,F1,,\r\n");
	t_result r = inventory();
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "WS-03") && strstr(r.out, "not found on the floor (the plan puts "
						       "it on F1 at column 3, row 3)"), "%s", r.out);
	cr_assert(strstr(r.out, "ws-02") && strstr(r.out, "found on F1 at column 9, row 3; the "
						       "plan says F1 at column 9, row 2"), "%s", r.out);
	cr_assert(strstr(r.out, "WS-09") && strstr(r.out, "not in the plan"), "%s", r.out);
	cr_assert(strstr(r.out, "4 where the plan says") == NULL);
	cr_assert(strstr(r.out, "5 machines compared, 2 where the plan says, 3 findings"), "%s",
		  r.out);
	t_result_done(&r);

	const char *log[] = { CARVE_BIN, "log", "--db", db, "--format", "csv", "--phase",
			      "inventory", NULL };
	r = t_run(log, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ",wave1,WS-01,,inventory,floor,ok,"), "%s", r.out);
	cr_assert(strstr(r.out, ",wave2,WS-03,,inventory,floor,failed,"), "%s", r.out);
	cr_assert(strstr(r.out, ",,WS-09,,inventory,floor,warn,"), "%s", r.out);
	t_result_done(&r);
}

Test(inventory, a_chunk_at_a_time)
{
	t_write_file(csv, "machine,floor,x,y\nWS-01,F1,2,1\nWS-02,F1,8,1\nWS-03,F1,2,2\n");
	const char *argv[] = { CARVE_BIN, "inventory", plan, "--physical", csv, "--chunk",
			       "wave1", "--db", db, NULL };
	t_result r = t_run(argv, NULL);
	/* WS-03 belongs to wave2: neither extra nor missing here. */
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "2 machines compared, 2 where the plan says, 0 findings"), "%s",
		  r.out);
	t_result_done(&r);
}

Test(inventory, a_malformed_file_is_refused_with_positions)
{
	t_write_file(csv, "machine,floor,desk\nWS-01,F9,A1\n\"WS-02,F1,A2\nWS-01,F1,Z9\n");
	t_result r = inventory();
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, ":2:1: no floor 'F9' in the plan"), "%s", r.err);
	cr_assert(strstr(r.err, ":3:1: broken quoting"), "%s", r.err);
	cr_assert(strstr(r.err, ":4:1: desk 'Z9' is not on floor F1's map"), "%s", r.err);
	cr_assert(strstr(r.err, ":4:1: WS-01 is listed twice (line 2 too)"), "%s", r.err);
	t_result_done(&r);

	t_write_file(csv, "name,where\nWS-01,F1\n");
	r = inventory();
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, ":1:1: the header must name the columns machine and floor"), "%s",
		  r.err);
	t_result_done(&r);
}
