/*
 * cli_verify.c - carve verify: SQLite's integrity check, the hash chain,
 * the tables rebuilt from it, the seals; the first row that does not
 * match named, and the head to keep.
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "verify-key", required_argument, NULL, 'k' },
		{ "head", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	carve_verify_options opts = { NULL, NULL, NULL };
	const char *db_opt = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db_opt = optarg; break;
		case 'k': opts.verify_key = optarg; break;
		case 'H': opts.head = optarg; break;
		default: return cli_option_error("verify", c, argv);
		}
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
	/* with a plan, its known-hosts file is held to the keys the log has */
	char *known_hosts = NULL;
	if (plan && !(known_hosts = carve_plan_transport(plan)->known_hosts
				    ? strdup(carve_plan_transport(plan)->known_hosts)
				    : carve_known_hosts_default_path())) {
		status = cli_engine_error(CARVE_ENOMEM);
		goto done;
	}
	opts.known_hosts = known_hosts;
	err = carve_audit_verify(&result, audit, &opts);
	free(known_hosts);
	if (err < 0) {
		status = cli_engine_error(err);
		goto done;
	}
	printf("%s\n", db);
	printf("  integrity   %s\n", result.integrity);
	if (result.ok) {
		printf("  chain       %" PRId64 " events, hash chain intact\n", result.events);
		printf("  derived     runs, state, notes and sign-offs match the events\n");
		if (result.events)
			printf("  seals       every row sealed, %" PRId64 " key%s since the"
			       " first\n", result.seal_epochs,
			       result.seal_epochs == 1 ? "" : "s");
		if (opts.head)
			printf("  recorded    %s is part of this log\n", opts.head);
		status = EXIT_DONE;
	} else {
		if (result.bad_seq)
			printf("  FAILED      at row %" PRId64 ": %s\n",
				   result.bad_seq, result.reason);
		else
			printf("  FAILED      %s\n", result.reason);
		printf("  %" PRId64 " rows read; the log cannot be trusted%s\n",
		       result.events, result.bad_seq ? " from that row on" : "");
		status = EXIT_TAMPERED;
	}
	/* a head to keep only from a log that verified */
	if (result.ok && result.head_seq)
		printf("  head        %" PRId64 ":%s\n", result.head_seq, result.head_hash);
	if (result.verify_key[0] && result.key_file[0])
		printf("  key         %s  (verification key of %s)\n", result.verify_key,
		       result.key_file);
	else if (result.verify_key[0])
		printf("  key         %s\n", result.verify_key);
	if (result.ok && result.verify_key[0] && result.key_file[0])
		printf("              keep the key and the head on paper or another"
		       " machine: carve verify --verify-key KEY --head SEQ:HASH\n");
done:
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(db);
	return status;
}
