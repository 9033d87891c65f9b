/*
 * cli_note.c - carve note: what a technician found at a machine, or what
 * its user reported, from any laptop, without the lead's console.
 */
#include "cli.h"
#include "notes.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The machine named, or the machine of the user named; CARVE_NONE. */
static size_t find_machine(const carve_plan *plan, const char *name)
{
	size_t m = carve_plan_find_machine(plan, name), n;

	if (m != CARVE_NONE)
		return m;
	size_t u = carve_plan_find_user(plan, name);
	const carve_machine *all = carve_plan_machines(plan, &n);
	for (size_t i = 0; u != CARVE_NONE && i < n; i++)
		if (all[i].user == u)
			return i;
	return CARVE_NONE;
}

int cli_note(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "machine", required_argument, NULL, 'm' },
		{ "user", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "text", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *kind_name = NULL, *text = "", *db_opt = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': name = optarg; break;
		case 'k': kind_name = optarg; break;
		case 't': text = optarg; break;
		case 'd': db_opt = optarg; break;
		default: return cli_option_error("note", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("note", "name one PLAN");
	if (!name)
		return cli_usage_error("note", "name the machine (--machine) or its user (--user)");
	const char *kind = note_kind(kind_name);
	if (!kind) {
		char kinds[256] = "";
		for (size_t k = 0; k < note_kind_count; k++)
			snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s'%s'",
				 k ? ", " : "", note_kinds[k]);
		return cli_usage_error("note", "--kind must be one of %s", kinds);
	}
	if (strlen(text) > 256)
		return cli_usage_error("note", "--text is %zu characters; at most 256",
				       strlen(text));

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	char who[256];
	int64_t run = 0;
	int status, err;

	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE)
		goto done;
	size_t m = find_machine(plan, name);
	if (m == CARVE_NONE) {
		status = cli_usage_error("note", "no machine or user '%s' in %s", name,
					 carve_plan_path(plan));
		goto done;
	}
	if ((status = cli_begin_run(&audit, &run, db_opt, plan, "note")) != EXIT_DONE)
		goto done;
	carve_operator(who, sizeof(who));
	size_t n;
	const carve_machine *machines = carve_plan_machines(plan, &n);
	if ((err = note_record(plan, audit, run, m, who, kind, text)) < 0)
		status = cli_engine_error(err);
	else
		printf("noted by %s on %s: %s%s%s\n", who, machines[m].name, kind,
		       text[0] ? ": " : "", text);
	cli_end_run(audit, run);
done:
	carve_audit_free(audit);
	carve_plan_free(plan);
	return status;
}
