/*
 * cli_verify.c - carve verify: SQLite's integrity check and the hash chain,
 * with the first row that does not match named.
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int cli_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_opt = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c != 'd')
			return cli_option_error("verify", c, argv);
		db_opt = optarg;
	}
	if (argc - optind > 1)
		return cli_usage_error("verify", "name at most one PLAN");

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	carve_verify_result result;
	char *db = NULL;
	int status, err;

	if ((optind < argc && (status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE) ||
	    (status = cli_open_audit(&audit, &db, "verify", db_opt, plan, false)) != EXIT_DONE)
		goto done;
	if ((err = carve_audit_verify(&result, audit)) < 0) {
		status = cli_engine_error(err);
		goto done;
	}
	printf("%s\n", db);
	printf("  integrity   %s\n", result.integrity);
	if (result.ok) {
		printf("  chain       %" PRId64 " events, hash chain intact\n", result.events);
		status = EXIT_DONE;
	} else {
		printf("  chain       FAILED at seq %" PRId64 ": %s\n", result.bad_seq,
		       result.reason);
		printf("  %" PRId64 " rows checked; the log cannot be trusted from seq %"
		       PRId64 " on\n", result.events, result.bad_seq);
		status = EXIT_TAMPERED;
	}
done:
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(db);
	return status;
}
