/*
 * cli_skip.c - carve skip: a phase of a chunk (or of some of its machines
 * and users) recorded as skipped, with the reason and who decided.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_skip(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "phase", required_argument, NULL, 'p' },
		{ "machine", required_argument, NULL, 'm' },
		{ "user", required_argument, NULL, 'm' },
		{ "reason", required_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *chunk = NULL, *db_opt = NULL, *phase_name = NULL, *reason = NULL;
	const char **names = calloc((size_t)argc + 1, sizeof(*names));
	size_t n_names = 0;
	carve_phase phase;
	int c, status;

	if (!names)
		return EXIT_RUNTIME;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': chunk = optarg; break;
		case 'p': phase_name = optarg; break;
		case 'm': names[n_names++] = optarg; break;
		case 'r': reason = optarg; break;
		case 'd': db_opt = optarg; break;
		default: free(names); return cli_option_error("skip", c, argv);
		}
	}
	if (argc - optind != 1 || !chunk || !phase_name || !reason || !*reason) {
		free(names);
		return cli_usage_error("skip", "name one PLAN, a --chunk, a --phase and a --reason");
	}
	if (!strcmp(phase_name, "all")) {
		phase = CARVE_PHASE__COUNT; /* the rest of the chunk */
	} else if (carve_phase_parse(&phase, phase_name) < 0 || phase < CARVE_PHASE_RESTART ||
		   phase > CARVE_PHASE_CLIENTS) {
		free(names);
		return cli_usage_error("skip", "--phase must be restart, workstations, mail,"
				       " clients or all, not '%s'", phase_name);
	}

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	char command[256], who[64] = "";
	int64_t run = 0;
	int err;

	snprintf(command, sizeof(command), "skip --chunk %s --phase %s", chunk, phase_name);
	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE)
		goto done;
	if (carve_plan_find_chunk(plan, chunk) == CARVE_NONE) {
		status = cli_usage_error("skip", "the plan has no chunk '%s'", chunk);
		goto done;
	}
	if ((status = cli_begin_run(&audit, &run, db_opt, plan, command)) != EXIT_DONE)
		goto done;
	carve_operator(who, sizeof(who));
	err = carve_skip(plan, audit, run, chunk, phase, n_names ? names : NULL, who, reason);
	if (err < 0)
		status = cli_engine_error(err);
	else if (phase == CARVE_PHASE__COUNT)
		printf("skipped the rest of %s%s: %s\n", chunk, n_names ? " for the named machines"
		       " and users (and theirs)" : "", reason);
	else
		printf("skipped the %s phase of %s%s: %s\n", phase_name, chunk,
		       n_names ? " for the named machines and users" : "", reason);
	cli_end_run(audit, run);
done:
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(names);
	return status;
}
