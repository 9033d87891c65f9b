/*
 * cli_log.c - carve log: the audit log's events, filtered, as text, CSV or
 * JSON lines.
 */
#include "cli.h"
#include "console.h"
#include "glyph.h"
#include "logfilter.h"
#include "out.h"

#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	out_format format;
	size_t shown;
} log_walk;

static int print_text(const carve_event_row *row, log_walk *w)
{
	const carve_event *e = &row->ev;
	const char *object = e->machine ? e->machine : e->user ? e->user : "-";
	char when[40], where[96];

	/* the room's time with its zone; CSV and JSON keep the log's UTC */
	console_time(when, sizeof(when), row->time);
	snprintf(where, sizeof(where), "%s%s%s", e->phase ? e->phase : "-", e->step ? "/" : "",
		 e->step ? e->step : "");
	printf("%6" PRId64 " %s %s %-11s %-14s %-15s %-28s", row->seq, when,
	       glyph_status(e->status), row->status_text ? row->status_text : "-",
	       e->chunk ? e->chunk : "-", object, where);
	if (e->kind && strcmp(e->kind, "step") != 0)
		printf(" [%s by %s]", e->kind, e->actor ? e->actor : "?");
	if (e->diagnosis)
		printf("  %s", e->diagnosis);
	putchar('\n');
	w->shown++;
	return 0;
}

static int print_csv(const carve_event_row *row)
{
	const carve_event *e = &row->ev;
	const char *fields[] = { e->actor, e->kind,  e->chunk, e->machine, e->user,
				 e->phase, e->step,  row->status_text, e->evidence,
				 e->diagnosis };

	printf("%" PRId64 ",%s,", row->seq, row->time);
	if (row->run)
		printf("%" PRId64, row->run);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		putchar(',');
		out_csv(stdout, fields[i]);
	}
	putchar('\n');
	return 0;
}

static int print_json(const carve_event_row *row)
{
	const carve_event *e = &row->ev;
	const char *names[] = { "actor", "kind", "chunk", "machine", "user", "phase",
				"step", "status", "evidence", "diagnosis" };
	const char *fields[] = { e->actor, e->kind,  e->chunk, e->machine, e->user,
				 e->phase, e->step,  row->status_text, e->evidence,
				 e->diagnosis };

	printf("{\"seq\":%" PRId64 ",\"time\":", row->seq);
	out_json(stdout, row->time);
	if (row->run)
		printf(",\"run\":%" PRId64, row->run);
	else
		fputs(",\"run\":null", stdout);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		printf(",\"%s\":", names[i]);
		/* evidence is JSON: as itself, not a string inside a string;
		 * text that is not (a tampered row) stays a string */
		if (fields[i] == e->evidence && e->evidence && row->evidence_is_json)
			fputs(e->evidence, stdout);
		else
			out_json(stdout, fields[i]);
	}
	fputs("}\n", stdout);
	return 0;
}

static int print_row(const carve_event_row *row, void *ctx)
{
	log_walk *w = ctx;

	switch (w->format) {
	case OUT_CSV: return print_csv(row);
	case OUT_JSON: return print_json(row);
	default: return print_text(row, w);
	}
}

static int check_filter(const carve_log_filter *f, const carve_plan *plan)
{
	char why[512];

	if (!log_filter_check(why, sizeof(why), f, plan))
		return cli_usage_error("log", "%s", why);
	return EXIT_DONE;
}

int cli_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "machine", required_argument, NULL, 'm' },
		{ "phase", required_argument, NULL, 'p' },
		{ "status", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	carve_log_filter filter = CARVE_LOG_FILTER_INIT;
	log_walk walk = { OUT_TEXT, 0 };
	const char *db_opt = NULL;
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db_opt = optarg; break;
		case 'c': filter.chunk = optarg; break;
		case 'm': filter.machine = optarg; break;
		case 'p': filter.phase = optarg; break;
		case 's': filter.status = optarg; break;
		case 't': filter.since = optarg; break;
		case 'l':
			filter.limit = strtoul(optarg, &end, 10);
			if (!isdigit((unsigned char)*optarg) || *end || filter.limit == 0)
				return cli_usage_error("log", "--limit wants a positive "
						       "number, not '%s'", optarg);
			break;
		case 'f':
			if (out_format_parse(&walk.format, optarg) < 0)
				return cli_usage_error("log", "unknown format '%s' (text, "
						       "csv or json)", optarg);
			break;
		default:
			return cli_option_error("log", c, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("log", "name at most one PLAN");

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	char *db = NULL, since[40];
	int status, err;

	if (filter.since) /* a time without a zone is the room's */
		filter.since = log_filter_local(since, filter.since);
	if ((optind < argc && (status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE) ||
	    (status = check_filter(&filter, plan)) != EXIT_DONE ||
	    (status = cli_open_audit(&audit, &db, "log", db_opt, plan, false)) != EXIT_DONE)
		goto done;
	if (walk.format == OUT_CSV)
		puts("seq,time,run,actor,kind,chunk,machine,user,phase,step,status,"
		     "evidence,diagnosis");
	if ((err = carve_audit_query(audit, &filter, print_row, &walk)) < 0)
		status = cli_engine_error(err);
	else if (walk.format == OUT_TEXT && walk.shown == 0)
		printf("no events match\n");
done:
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(db);
	return status;
}
