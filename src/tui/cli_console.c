/*
 * cli_console.c - carve [--read-only | --run CHUNK] [--db FILE] PLAN: the
 * console on the plan's audit database.
 */
#include "cli.h"
#include "console.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_console(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ "floor", no_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'R' },
		{ "mouse", no_argument, NULL, 'm' },
		{ "password-fd", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_opt = NULL, *start = NULL;
	console_role role = ROLE_LEAD;
	bool mouse = false;
	int password_fd = -1;
	int c, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': role = ROLE_VIEWER; break;
		case 'f': role = ROLE_FLOOR; break;
		case 'd': db_opt = optarg; break;
		case 'R': start = optarg; break;
		case 'm': mouse = true; break;
		case 'P':
			if ((status = cli_password_fd(&password_fd, "console", optarg)) != EXIT_DONE)
				return status;
			break;
		default: return cli_option_error("console", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("console", "name one PLAN");
	if (!isatty(0) || !isatty(1)) {
		fputs("carve: the console needs a terminal; the subcommands (carve --help) run"
		      " without one\n", stderr);
		return EXIT_USAGE;
	}

	carve_plan *plan = NULL;
	char *db = NULL;

	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE)
		return status;
	if (start && (role != ROLE_LEAD || carve_plan_find_chunk(plan, start) == CARVE_NONE)) {
		carve_plan_free(plan);
		return cli_usage_error("console", role == ROLE_VIEWER
				       ? "--run cannot go with --read-only"
				       : role == ROLE_FLOOR ? "--run cannot go with --floor"
				       : "the plan has no chunk '%s'", start);
	}
	/* The lead's console logs on; the floor and a viewer never do. */
	if (role != ROLE_LEAD && password_fd >= 0)
		close(password_fd);
	if (role == ROLE_LEAD &&
	    (status = cli_gather_passwords(plan, password_fd, CARVE_WORK_MIGRATION)) != EXIT_DONE) {
		carve_plan_free(plan);
		return status;
	}
	db = db_opt ? strdup(db_opt) : carve_audit_default_path(plan);
	if (!db) {
		status = cli_engine_error(CARVE_ENOMEM);
	} else {
		status = console_run(plan, db, role, start, mouse);
	}
	free(db);
	carve_plan_free(plan);
	return status;
}
