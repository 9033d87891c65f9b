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

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The machine a failure is about, for its user: the object, or the user's
 * machine when the object is a user. */
static const char *user_of(char *out, size_t cap, const carve_plan *plan, const state_line *s)
{
	size_t n, nu;
	const carve_machine *m = carve_plan_machines(plan, &n);
	const carve_user *u = carve_plan_users(plan, &nu);

	out[0] = '\0';
	if (s->user) {
		snprintf(out, cap, "%s", s->object);
	} else {
		size_t i = carve_plan_find_machine(plan, s->object);
		if (i != CARVE_NONE && m[i].user != CARVE_NONE && m[i].user < nu)
			snprintf(out, cap, "%s", u[m[i].user].name);
	}
	return out;
}

static void print_text(const carve_plan *plan, const triage_list *t, const char *chunk)
{
	if (!t->group_count) {
		printf("nothing is failing%s%s\n", chunk ? " in " : "", chunk ? chunk : "");
		return;
	}
	printf("%zu failing, %zu cause%s, in the guide's order%s%s\n", t->count, t->group_count,
	       t->group_count == 1 ? "" : "s", chunk ? ", chunk " : "", chunk ? chunk : "");
	for (size_t g = 0; g < t->group_count; g++) {
		const triage_group *gr = &t->groups[g];
		const state_line *one = &t->items[gr->first];
		const char *fix = triage_fix(one->diagnosis);
		printf("\n%s %s  (%u)\n", glyph_status(one->status), gr->cause, gr->count);
		if (fix && *fix)
			printf("  fix: %s\n", fix);
		for (unsigned k = 0; k < gr->count; k++) {
			const state_line *s = &t->items[gr->first + k];
			char desk[32], user[64];
			triage_desk(desk, sizeof(desk), plan, s->object, s->user);
			user_of(user, sizeof(user), plan, s);
			printf("  %-15s desk %-6s %-14s %-14s %.19s\n", s->object, desk[0] ? desk : "-",
			       user[0] ? user : "-", s->chunk, s->time);
			if (s->evidence[0])
				printf("      evidence %s\n", s->evidence);
		}
	}
}

static void print_rows(const carve_plan *plan, const triage_list *t, out_format format)
{
	if (format == OUT_CSV)
		fputs("cause,fix,chunk,object,desk,user,status,time,diagnosis,evidence\r\n", stdout);
	for (size_t g = 0; g < t->group_count; g++) {
		const triage_group *gr = &t->groups[g];
		for (unsigned k = 0; k < gr->count; k++) {
			const state_line *s = &t->items[gr->first + k];
			const char *fix = triage_fix(s->diagnosis);
			char desk[32], user[64];
			triage_desk(desk, sizeof(desk), plan, s->object, s->user);
			user_of(user, sizeof(user), plan, s);
			const char *fields[] = { gr->cause, fix, s->chunk, s->object, desk, user,
						 carve_status_name(s->status), s->time, s->diagnosis,
						 s->evidence };
			static const char *const names[] = { "cause", "fix", "chunk", "object", "desk",
							     "user", "status", "time", "diagnosis" };
			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
				if (format == OUT_CSV) {
					if (i)
						putchar(',');
					out_csv(stdout, fields[i] && *fields[i] ? fields[i] : NULL);
					continue;
				}
				printf(i ? ",\"%s\":" : "{\"%s\":", i < 9 ? names[i] : "evidence");
				/* a state's evidence is JSON (audit_read.c) */
				if (i == 9)
					fputs(s->evidence[0] ? s->evidence : "null", stdout);
				else
					out_json(stdout, fields[i] && *fields[i] ? fields[i] : NULL);
			}
			fputs(format == OUT_CSV ? "\r\n" : "}\n", stdout);
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
		print_rows(plan, &t, format);
	status = t.count ? EXIT_FAILURES : EXIT_DONE;
done:
	triage_done(&t);
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(db);
	return status;
}
