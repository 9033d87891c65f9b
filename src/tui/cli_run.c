/*
 * cli_run.c - carve run: a chunk through the migration phases without the
 * console.  Each outcome is printed as it is logged; at the end, the
 * chunk's counts per phase and every failure with its diagnosis.
 */
#include "cli.h"
#include "glyph.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Called with the engine's lock held: events arrive one at a time. */
static void on_event(const carve_event *ev, void *ctx)
{
	char when[16];
	time_t now = time(NULL);
	struct tm tm;

	(void)ctx;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s %s %-12s %-14s %-15s %s\n", when, glyph_status(ev->status),
	       ev->phase ? ev->phase : "", ev->step ? ev->step : "",
	       ev->machine ? ev->machine : ev->user ? ev->user : "",
	       ev->diagnosis ? ev->diagnosis : carve_status_name(ev->status));
	fflush(stdout);
}

typedef struct {
	const char *chunk; /* the run's */
	bool site_mail;    /* and the mail failures of every chunk */
	bool any;
} failures;

static int print_failure(const carve_state_row *row, void *ctx)
{
	failures *f = ctx;
	carve_phase ph;

	if (row->status != CARVE_STATUS_FAILED && row->status != CARVE_STATUS_INTERRUPTED)
		return 0;
	if (!row->phase || carve_phase_parse(&ph, row->phase) < 0 ||
	    ph < CARVE_PHASE_PREFLIGHT || ph > CARVE_PHASE_CLIENTS)
		return 0;
	bool ours = row->chunk && strcmp(row->chunk, f->chunk) == 0;
	if (!ours && !(f->site_mail && ph == CARVE_PHASE_MAIL))
		return 0;
	if (!f->any)
		printf("\nfailures:\n");
	f->any = true;
	printf("  %s %-15s %-12s %-14s %s%s%s%s\n", glyph_status(row->status), row->object,
	       row->phase, row->step, ours ? "" : "(", ours ? "" : row->chunk ? row->chunk : "",
	       ours ? "" : ") ", row->diagnosis ? row->diagnosis : "");
	return 0;
}

static void summarise(const carve_run_summary *s, const carve_plan *plan, carve_audit *audit,
		      const char *chunk)
{
	static const carve_status cols[] = {
		CARVE_STATUS_OK, CARVE_STATUS_WARN, CARVE_STATUS_FAILED, CARVE_STATUS_INTERRUPTED,
		CARVE_STATUS_BLOCKED, CARVE_STATUS_RUNNING, CARVE_STATUS_PENDING,
		CARVE_STATUS_SKIPPED,
	};
	failures f = { chunk, s->site_mail, false };

	printf("\n%-13s", "phase");
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		printf(" %11s", carve_status_name(cols[c]));
	printf("\n");
	for (int ph = CARVE_PHASE_PREFLIGHT; ph <= CARVE_PHASE_CLIENTS; ph++) {
		printf("%-13s", ph == CARVE_PHASE_MAIL && s->site_mail ? "mail (site)"
				: carve_phase_name((carve_phase)ph));
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			printf(" %11u", s->counts[ph][cols[c]]);
		printf("\n");
	}
	carve_progress pr;
	char words[128];
	/* the words and the counts the console and the report give the chunk
	 * (its own mailboxes, even when this run moved the site's) */
	if (carve_audit_chunk_progress(&pr, audit, plan, chunk) == 0) {
		carve_progress_text(words, sizeof(words), &pr);
		printf("%s: %s\n", chunk, words);
	}
	carve_audit_states(audit, s->site_mail ? NULL : chunk, print_failure, &f);
}

int cli_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "phase", required_argument, NULL, 'p' },
		{ "retry-failed", no_argument, NULL, 'r' },
		{ "machine", required_argument, NULL, 'm' },
		{ "user", required_argument, NULL, 'm' },
		{ "db", required_argument, NULL, 'd' },
		{ "password-fd", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *chunk = NULL, *db_opt = NULL, *phase_name = NULL;
	int password_fd = -1;
	const char **names = calloc((size_t)argc + 1, sizeof(*names));
	size_t n_names = 0;
	bool retry = false;
	int c, status;

	if (!names)
		return EXIT_RUNTIME;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': chunk = optarg; break;
		case 'p': phase_name = optarg; break;
		case 'r': retry = true; break;
		case 'm': names[n_names++] = optarg; break;
		case 'd': db_opt = optarg; break;
		case 'P':
			if ((status = cli_password_fd(&password_fd, "run", optarg)) != EXIT_DONE) {
				free(names);
				return status;
			}
			break;
		default: free(names); return cli_option_error("run", c, argv);
		}
	}
	carve_phase phase = CARVE_PHASE_PREFLIGHT;
	if (argc - optind != 1 || !chunk) {
		free(names);
		return cli_usage_error("run", "name one PLAN and a --chunk");
	}
	if (phase_name && (carve_phase_parse(&phase, phase_name) < 0 ||
			   phase < CARVE_PHASE_PREFLIGHT || phase > CARVE_PHASE_CLIENTS)) {
		free(names);
		return cli_usage_error("run", "--phase must be preflight, restart, workstations,"
				       " mail or clients, not '%s'", phase_name);
	}

	carve_plan *plan = NULL;
	carve_cancel *stop = NULL;
	carve_audit *audit = NULL;
	carve_run_summary summary;
	char command[256];
	int64_t run = 0;
	int err;

	snprintf(command, sizeof(command), "run --chunk %s%s%s%s", chunk,
		 phase_name ? " --phase " : "", phase_name ? phase_name : "",
		 retry ? " --retry-failed" : "");
	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE)
		goto done;
	if (carve_plan_find_chunk(plan, chunk) == CARVE_NONE) {
		status = cli_usage_error("run", "the plan has no chunk '%s'", chunk);
		goto done;
	}
	if ((status = cli_gather_passwords(plan, password_fd, CARVE_WORK_MIGRATION)) != EXIT_DONE ||
	    (status = cli_begin_run(&audit, &run, db_opt, plan, command)) != EXIT_DONE)
		goto done;
	carve_cancel *pause_run = NULL;
	if (!(stop = cli_stop_on_signals(&pause_run))) {
		status = EXIT_RUNTIME;
		goto done;
	}

	carve_run_options o = CARVE_RUN_OPTIONS_INIT;
	o.chunk = chunk;
	o.phase = phase_name ? (int)phase : -1;
	o.retry_failed = retry;
	o.names = n_names ? names : NULL;
	o.audit = audit;
	o.run = run;
	o.cancel = stop;
	o.pause = pause_run;
	o.on_event = on_event;
	err = carve_run(&summary, plan, &o);
	if (err < 0 && err != CARVE_ECANCELED) {
		status = cli_engine_error(err);
		cli_end_run(audit, run);
		goto done;
	}
	summarise(&summary, plan, audit, chunk);
	status = EXIT_DONE;
	/* Not done is not success: a failure, or a step blocked by one (the
	 * pre-flight a restart waits for), in the phases this run ran. */
	for (int ph = CARVE_PHASE_PREFLIGHT; ph <= CARVE_PHASE_CLIENTS; ph++)
		if ((!phase_name || ph == (int)phase) &&
		    (summary.counts[ph][CARVE_STATUS_FAILED] ||
		     summary.counts[ph][CARVE_STATUS_INTERRUPTED] ||
		     summary.counts[ph][CARVE_STATUS_BLOCKED]))
			status = EXIT_FAILURES;
	if (err == CARVE_ECANCELED || carve_cancel_fired(pause_run)) {
		printf("\n%s: run it again to continue where it %s\n",
		       err == CARVE_ECANCELED ? "stopped" : "paused",
		       err == CARVE_ECANCELED ? "stopped" : "paused");
		status = EXIT_FAILURES;
	}
	cli_end_run(audit, run);
done:
	cli_stop_done();
	carve_audit_free(audit);
	carve_plan_free(plan);
	free(names);
	return status;
}
