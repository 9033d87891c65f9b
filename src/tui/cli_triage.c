/*
 * cli_triage.c - carve triage: what is still failing now, grouped by cause
 * in the guide's order, each with its fix and the machines (desk, user,
 * evidence) that have it: the morning after's list, for a person, a
 * spreadsheet or a script.
 */
#include "cli.h"
#include "console.h"
#include "glyph.h"
#include "out.h"
#include "triage.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_text(const carve_plan *plan, const triage_list *t, const char *chunk)
{
	if (!t->group_count) {
		printf("nothing is failing%s%s\n", chunk ? " in " : "", chunk ? chunk : "");
		return;
	}
	/* what failed, and apart from it what people reported (warnings) */
	size_t reported = 0;
	for (size_t i = 0; i < t->count; i++)
		reported += !strcmp(t->items[i].phase, "reported");
	printf("%zu failing", t->count - reported);
	if (reported)
		printf(", %zu reported from the floor", reported);
	printf("; %zu cause%s, in the guide's order%s%s\n", t->group_count,
	       t->group_count == 1 ? "" : "s", chunk ? ", chunk " : "", chunk ? chunk : "");
	for (size_t g = 0; g < t->group_count; g++) {
		const triage_group *gr = &t->groups[g];
		const state_line *one = &t->items[gr->first];
		const char *fix = triage_fix(one);
		printf("\n%s %s  (%u)\n", glyph_status(one->status), gr->cause, gr->count);
		if (fix && *fix)
			printf("  fix: %s\n", fix);
		for (unsigned k = 0; k < gr->count; k++) {
			const state_line *s = &t->items[gr->first + k];
			char machine[64], desk[48], user[64];
			triage_where(plan, s, machine, sizeof(machine), desk, sizeof(desk), user,
				     sizeof(user));
			printf("  %-15s desk %-8s %-14s %-14s %s\n", machine[0] ? machine : s->object,
			       desk[0] ? desk : "-", user[0] ? user : "-", s->chunk, s->time);
			/* the case's own words, where the cause left its values out,
			 * and what was noted */
			if (strstr(gr->cause, "...") || !strcmp(s->phase, "reported"))
				printf("      %s\n", s->diagnosis);
			if (s->evidence[0])
				printf("      evidence %s\n", s->evidence);
		}
	}
}

int cli_triage(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *chunk = NULL, *db_opt = NULL;
	out_format format = OUT_TEXT;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': chunk = optarg; break;
		case 'd': db_opt = optarg; break;
		case 'f':
			if (out_format_parse(&format, optarg) < 0)
				return cli_usage_error("triage", "unknown format '%s' (text, csv"
						       " or json)", optarg);
			break;
		default: return cli_option_error("triage", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("triage", "name one PLAN");

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	triage_list t = { 0 };
	char *db = NULL;
	int status, err;

	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE)
		goto done;
	if (chunk && carve_plan_find_chunk(plan, chunk) == CARVE_NONE) {
		status = cli_usage_error("triage", "no chunk '%s' in %s", chunk,
					 carve_plan_path(plan));
		goto done;
	}
	if ((status = cli_open_audit(&audit, &db, "triage", db_opt, plan, true)) != EXIT_DONE)
		goto done;
	if (audit && (err = triage_collect(&t, audit, chunk, TRIAGE_GUIDE)) < 0) {
		status = cli_engine_error(err);
		goto done;
	}
	if (format == OUT_TEXT)
		print_text(plan, &t, chunk);
	else
		triage_write(stdout, plan, &t, format);
	status = t.count ? EXIT_FAILURES : EXIT_DONE;
done:
	triage_done(&t);
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(db);
	return status;
}
