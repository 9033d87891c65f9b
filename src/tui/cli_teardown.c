/*
 * cli_teardown.c - carve teardown: the end-of-coexistence checklist, with
 * what carve can verify checked again, and carve signoff: a person's
 * confirmation of a checklist item or of a step people do.
 */
#include "cli.h"
#include "glyph.h"
#include "states.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prints the checklist; returns how many items are not done. */
static size_t print_checklist(const carve_plan *plan, carve_audit *audit)
{
	size_t n, open = 0;
	const carve_teardown_item *items = carve_plan_teardown(plan, &n);
	item_state *state = calloc(n ? n : 1, sizeof(*state));

	if (!state)
		return n;
	states_teardown(state, plan, audit);
	for (int area = CARVE_AREA_EXCHANGE; area <= CARVE_AREA_AD; area++) {
		printf("%s%s\n", area == CARVE_AREA_EXCHANGE ? "" : "\n",
		       area == CARVE_AREA_EXCHANGE ? "Exchange" : "Active Directory");
		for (size_t i = 0; i < n; i++) {
			if ((int)items[i].area != area)
				continue;
			const item_state it = state[i];
			bool signed_off = it.status == CARVE_STATUS_OK && strcmp(it.actor, "engine");
			printf("  %s %-22s %s\n", glyph_status(it.status), items[i].id, items[i].title);
			if (signed_off)
				printf("      signed off by %s at %.16s UTC%s%s\n", it.actor, it.time,
				       it.diagnosis[0] ? ": " : "", it.diagnosis);
			else if (it.status == CARVE_STATUS_OK)
				printf("      verified by carve at %.16s UTC\n", it.time);
			else if (it.diagnosis[0])
				printf("      %s\n", it.diagnosis);
			else
				printf("      waiting for a sign-off: carve signoff PLAN --item %s\n",
				       items[i].id);
			open += it.status != CARVE_STATUS_OK;
		}
	}
	printf("\n%zu of %zu items done\n", n - open, n);
	free(state);
	return open;
}

int cli_teardown(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "password-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_opt = NULL;
	int c, status, password_fd = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'd')
			db_opt = optarg;
		else if (c != 'p')
			return cli_option_error("teardown", c, argv);
		else if ((status = cli_password_fd(&password_fd, "teardown", optarg)) != EXIT_DONE)
			return status;
	}
	if (argc - optind != 1)
		return cli_usage_error("teardown", "name one PLAN");

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	int64_t run = 0;
	int err;

	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE ||
	    (status = cli_gather_passwords(plan, password_fd, CARVE_WORK_TEARDOWN)) != EXIT_DONE ||
	    (status = cli_begin_run(&audit, &run, db_opt, plan, "teardown")) != EXIT_DONE)
		goto done;
	carve_cancel *stop = cli_stop_on_signals(NULL);
	if (!stop) {
		status = EXIT_RUNTIME;
		cli_end_run(audit, run);
		goto done;
	}
	/* Ctrl-C stops a check that waits on a silent resolver at once */
	err = carve_teardown_check(plan, audit, run, stop);
	if (err == CARVE_ECANCELED) {
		printf("stopped: the items checked so far keep their verdicts; run it again for"
		       " the rest\n");
		status = EXIT_FAILURES;
	} else if (err < 0) {
		status = cli_engine_error(err);
	} else {
		status = print_checklist(plan, audit) ? EXIT_FAILURES : EXIT_DONE;
	}
	cli_end_run(audit, run);
done:
	cli_stop_done();
	carve_audit_free(audit);
	carve_plan_free(plan);
	return status;
}

int cli_signoff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "item", required_argument, NULL, 'i' },
		{ "user", required_argument, NULL, 'u' },
		{ "step", required_argument, NULL, 's' },
		{ "who", required_argument, NULL, 'w' },
		{ "note", required_argument, NULL, 'n' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	carve_signoff s = { NULL, NULL, NULL, NULL, NULL };
	const char *db_opt = NULL;
	char login[64] = "";
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': s.item = optarg; break;
		case 'u': s.user = optarg; break;
		case 's': s.step = optarg; break;
		case 'w': s.who = optarg; break;
		case 'n': s.note = optarg; break;
		case 'd': db_opt = optarg; break;
		default: return cli_option_error("signoff", c, argv);
		}
	}
	if (argc - optind != 1 || (!s.item == !s.user) || (s.user && !s.step))
		return cli_usage_error("signoff", "name one PLAN and either --item ID or --user U"
				       " --step activesync");
	if (!s.who) {
		carve_operator(login, sizeof(login));
		s.who = login;
	}

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	char command[256];
	int64_t run = 0;
	int err;

	snprintf(command, sizeof(command), "signoff %s%s", s.item ? "--item " : "--user ",
		 s.item ? s.item : s.user);
	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE ||
	    (status = cli_begin_run(&audit, &run, db_opt, plan, command)) != EXIT_DONE)
		goto done;
	err = carve_signoff_record(plan, audit, run, &s);
	if (err == CARVE_EINVALID) {
		/* Refused, not broken: the item is not ready to be signed. */
		fprintf(stderr, "carve signoff: %s\n", carve_error_last()->message);
		status = EXIT_FAILURES;
	} else if (err < 0) {
		status = cli_engine_error(err);
	} else {
		printf("signed off %s%s%s by %s\n", s.item ? s.item : s.user,
		       s.item ? "" : " ", s.item ? "" : s.step, s.who);
	}
	cli_end_run(audit, run);
done:
	carve_audit_free(audit);
	carve_plan_free(plan);
	return status;
}
