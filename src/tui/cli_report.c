/*
 * cli_report.c - carve report: the state of the migration for people who
 * were not there, as CSV or JSON (one record per row or object) or as one
 * self-contained HTML file (report_html.c).
 */
#include "cli.h"
#include "out.h"
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* record,chunk,phase,object,step,status,count,seconds,who,time,text,evidence */
static void csv_row(FILE *f, const char *record, const char *chunk, const char *phase,
		    const char *object, const char *step, const char *status, long count,
		    double seconds, const char *who, const char *time, const char *text,
		    const char *evidence)
{
	const char *fields[] = { record, chunk, phase, object, step, status };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		out_csv(f, fields[i]);
		putc(',', f);
	}
	if (count >= 0)
		fprintf(f, "%ld", count);
	putc(',', f);
	if (seconds >= 0)
		fprintf(f, "%.3f", seconds);
	const char *rest[] = { who, time, text, evidence };
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
		putc(',', f);
		out_csv(f, rest[i]);
	}
	fputs("\r\n", f);
}

static const char *signer(const report_item *it)
{
	return it->actor && strcmp(it->actor, "engine") != 0 ? it->actor : NULL;
}

static void write_csv(FILE *f, const report *r)
{
	size_t n_chunks, n_machines, n_floors, n_items, n_users;
	const carve_chunk *chunks = carve_plan_chunks(r->plan, &n_chunks);
	const carve_machine *m = carve_plan_machines(r->plan, &n_machines);
	const carve_floor *floors = carve_plan_floors(r->plan, &n_floors);
	const carve_teardown_item *items = carve_plan_teardown(r->plan, &n_items);
	const carve_user *users = carve_plan_users(r->plan, &n_users);
	char where[96], head[96];

	snprintf(head, sizeof(head), "head %lld:%s", (long long)r->chain.head_seq,
		 r->chain.head_hash);
	fputs("record,chunk,phase,object,step,status,count,seconds,who,time,text,evidence\r\n", f);
	csv_row(f, "chain", NULL, NULL, NULL, NULL,
		!r->chain_checked ? "none" : r->chain.ok ? "ok" : "failed",
		r->chain_checked ? (long)r->chain.events : -1, -1, NULL, r->generated,
		!r->chain_checked ? NULL : r->chain.ok ? head : r->chain.reason, NULL);
	for (size_t c = 0; c < n_chunks && c < r->grid.chunk_count; c++) {
		char verdict[512];
		bool go = report_verdict(verdict, sizeof(verdict), &r->grid, c);
		csv_row(f, "verdict", chunks[c].name, NULL, NULL, NULL, go ? "ok" : "failed", -1,
			-1, NULL, NULL, verdict, NULL);
	}
	for (size_t c = 0; c < n_chunks && c < r->grid.chunk_count; c++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++)
			for (int s = 0; s < CARVE_STATUS__COUNT; s++)
				if (r->grid.counts[c][p][s])
					csv_row(f, "phase", chunks[c].name,
						carve_phase_name((carve_phase)p), NULL, NULL,
						carve_status_name((carve_status)s),
						(long)r->grid.counts[c][p][s],
						report_seconds(&r->spans[c][p]), NULL, NULL, NULL, NULL);
	/* what failed, what people skipped (who, why) and what the floor noted */
	const struct {
		const char *record;
		const report_failure *list;
		size_t count;
	} lists[] = { { "failure", r->failures, r->failure_count },
		      { "skip", r->skips, r->skip_count },
		      { "note", r->notes, r->note_count } };
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; i < lists[l].count; i++) {
			const report_failure *x = &lists[l].list[i];
			csv_row(f, lists[l].record, x->chunk, x->phase, x->object, x->step,
				carve_status_name(x->status), -1, -1,
				l ? x->actor : NULL, x->time, x->diagnosis, x->evidence);
		}
	for (size_t i = 0; i < n_machines; i++) {
		snprintf(where, sizeof(where), "%s %u,%u", floors[m[i].floor].name, m[i].x + 1,
			 m[i].y + 1);
		csv_row(f, "machine", chunks[m[i].chunk].name, NULL, m[i].name, NULL,
			carve_status_name(r->machine_status[i]), -1, -1, NULL, NULL, where, NULL);
	}
	for (size_t i = 0; i < n_items; i++) {
		const report_item *it = &r->teardown[i];
		csv_row(f, "teardown", NULL, "teardown", NULL, items[i].id,
			carve_status_name(it->status), -1, -1, signer(it), it->time,
			it->diagnosis ? it->diagnosis : items[i].title, NULL);
	}
	for (size_t i = 0; i < n_users; i++) {
		const report_item *it = &r->activesync[i];
		if (users[i].activesync)
			csv_row(f, "activesync", chunks[users[i].chunk].name, "clients",
				users[i].name, "activesync", carve_status_name(it->status), -1, -1,
				signer(it), it->time, users[i].activesync, NULL);
	}
}

/* ,"key":value, the value as a JSON string (null for NULL) */
static void member(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",\"%s\":", key);
	out_json(f, value);
}

static void json_item(FILE *f, const char *key, const char *name, const char *what,
		      const report_item *it, bool first)
{
	fprintf(f, "%s\n  {\"%s\":", first ? "" : ",", key);
	out_json(f, name);
	member(f, "what", what);
	member(f, "status", carve_status_name(it->status));
	member(f, "signed_by", signer(it));
	member(f, "time", it->time);
	member(f, "note", it->diagnosis);
	putc('}', f);
}

/* ",\n"key":[...]": failures, skips or notes, each with who recorded it
 * (the engine, or the person who skipped or noted) */
static void json_list(FILE *f, const char *key, const report_failure *list, size_t count)
{
	fprintf(f, "],\n\"%s\":[", key);
	for (size_t i = 0; i < count; i++) {
		const report_failure *x = &list[i];
		fprintf(f, "%s\n  {\"%s\":", i ? "," : "", x->object_kind);
		out_json(f, x->object);
		member(f, "chunk", x->chunk);
		member(f, "phase", x->phase);
		member(f, "step", x->step);
		member(f, "status", carve_status_name(x->status));
		member(f, "time", x->time);
		member(f, "by", x->actor);
		member(f, "diagnosis", x->diagnosis);
		fputs(",\"evidence\":", f);
		fputs(x->evidence ? x->evidence : "null", f);
		putc('}', f);
	}
}

static void write_json(FILE *f, const report *r)
{
	size_t n_chunks, n_machines, n_floors, n_items, n_users;
	const carve_chunk *chunks = carve_plan_chunks(r->plan, &n_chunks);
	const carve_machine *m = carve_plan_machines(r->plan, &n_machines);
	const carve_floor *floors = carve_plan_floors(r->plan, &n_floors);
	const carve_teardown_item *items = carve_plan_teardown(r->plan, &n_items);
	const carve_user *users = carve_plan_users(r->plan, &n_users);
	bool first = true;

	fputs("{\"site\":", f);
	out_json(f, carve_plan_site(r->plan)->name);
	fprintf(f, ",\"generated\":\"%s\",\"carve\":\"%s\",\n\"chain\":", r->generated,
		CARVE_VERSION);
	if (!r->chain_checked)
		fputs("null", f);
	else {
		fprintf(f, "{\"ok\":%s,\"events\":%lld,\"bad_seq\":%lld,"
			"\"head\":\"%lld:%s\",\"reason\":", r->chain.ok ? "true" : "false",
			(long long)r->chain.events, (long long)r->chain.bad_seq,
			(long long)r->chain.head_seq, r->chain.head_hash);
		out_json(f, r->chain.ok ? NULL : r->chain.reason);
		putc('}', f);
	}
	fputs(",\n\"verdicts\":[", f);
	for (size_t c = 0; c < n_chunks && c < r->grid.chunk_count; c++) {
		char verdict[512];
		bool go = report_verdict(verdict, sizeof(verdict), &r->grid, c);
		fprintf(f, "%s\n  {\"chunk\":", c ? "," : "");
		out_json(f, chunks[c].name);
		fprintf(f, ",\"go\":%s,\"text\":", go ? "true" : "false");
		out_json(f, verdict);
		putc('}', f);
	}
	fputs("],\n\"phases\":[", f);
	for (size_t c = 0; c < n_chunks && c < r->grid.chunk_count; c++)
		for (int p = 0; p < CARVE_PHASE__COUNT; p++) {
			fprintf(f, "%s\n  {\"chunk\":", first ? "" : ",");
			out_json(f, chunks[c].name);
			fprintf(f, ",\"phase\":\"%s\",\"seconds\":%.3f,\"counts\":{",
				carve_phase_name((carve_phase)p), report_seconds(&r->spans[c][p]));
			for (int s = 0; s < CARVE_STATUS__COUNT; s++)
				fprintf(f, "%s\"%s\":%u", s ? "," : "", carve_status_name((carve_status)s),
					r->grid.counts[c][p][s]);
			fputs("}}", f);
			first = false;
		}
	json_list(f, "failures", r->failures, r->failure_count);
	json_list(f, "skips", r->skips, r->skip_count);
	json_list(f, "notes", r->notes, r->note_count);
	fputs("],\n\"machines\":[", f);
	for (size_t i = 0; i < n_machines; i++) {
		fprintf(f, "%s\n  {\"name\":", i ? "," : "");
		out_json(f, m[i].name);
		fputs(",\"floor\":", f);
		out_json(f, floors[m[i].floor].name);
		fprintf(f, ",\"column\":%u,\"row\":%u,\"status\":\"%s\"}", m[i].x + 1, m[i].y + 1,
			carve_status_name(r->machine_status[i]));
	}
	fputs("],\n\"teardown\":[", f);
	for (size_t i = 0; i < n_items; i++)
		json_item(f, "item", items[i].id, items[i].title, &r->teardown[i], i == 0);
	fputs("],\n\"activesync\":[", f);
	first = true;
	for (size_t i = 0; i < n_users; i++)
		if (users[i].activesync) {
			json_item(f, "user", users[i].name, users[i].activesync, &r->activesync[i],
				  first);
			first = false;
		}
	fputs("]}\n", f);
}

int cli_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "html", *out_path = NULL, *db_opt = NULL;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': out_path = optarg; break;
		case 'd': db_opt = optarg; break;
		default: return cli_option_error("report", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("report", "name one PLAN");
	if (strcmp(format, "html") && strcmp(format, "csv") && strcmp(format, "json"))
		return cli_usage_error("report", "--format must be html, csv or json, not '%s'",
				       format);

	carve_plan *plan = NULL;
	carve_audit *audit = NULL;
	char *db = NULL;
	report r;
	FILE *f = stdout;
	int err;

	memset(&r, 0, sizeof(r));
	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE ||
	    (status = cli_open_audit(&audit, &db, "report", db_opt, plan, true)) != EXIT_DONE)
		goto done;
	if ((err = report_gather(&r, plan, audit)) < 0) {
		status = cli_engine_error(err);
		goto done;
	}
	if (out_path && !(f = fopen(out_path, "w"))) {
		perror(out_path);
		status = EXIT_RUNTIME;
		goto done;
	}
	if (!strcmp(format, "html"))
		report_write_html(f, &r);
	else if (!strcmp(format, "csv"))
		write_csv(f, &r);
	else
		write_json(f, &r);
	if ((f != stdout ? fclose(f) : fflush(f)) != 0) {
		perror(out_path ? out_path : "stdout");
		status = EXIT_RUNTIME;
		goto done;
	}
	/* The report says so too; the exit status lets a script notice. */
	status = r.chain_checked && !r.chain.ok ? EXIT_TAMPERED : EXIT_DONE;
done:
	if (r.plan)
		report_done(&r);
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(db);
	return status;
}
