/*
 * actions.c - what the console's write keys do: start, pause, retry or
 * skip a phase of a chunk, a floor note, quitting while steps run.  The key
 * table marks these as writing, so read-only consoles never get here.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "console.h"
#include "notes.h"
#include "triage.h"

#include "logfilter.h"
#include "out.h"
#include "states.h"

#include <ctype.h>
#include <curses.h>
#include <unistd.h>
#include <time.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The grid's phase, when it is one carve runs. */
static bool runnable(const console *c)
{
	return c->grid_phase >= CARVE_PHASE_PREFLIGHT && c->grid_phase <= CARVE_PHASE_CLIENTS;
}

static const char *selected_chunk(const console *c)
{
	size_t n;
	return carve_plan_chunks(c->plan, &n)[c->grid_chunk].name;
}

/* Whether a start would do anything: an object of the phase (or of any,
 * phase -1) not done yet, or a failed one when retrying.  If not, the
 * status line says so and what would. */
static bool something_to_start(console *c, int phase, bool retry)
{
	const carve_grid *g = console_grid(c);
	unsigned waiting = 0, failed = 0;

	if (!g || c->grid_chunk >= g->chunk_count)
		return true; /* no log yet: everything waits */
	for (int ph = CARVE_PHASE_PREFLIGHT; ph <= CARVE_PHASE_CLIENTS; ph++) {
		if (phase >= 0 && ph != phase)
			continue;
		const unsigned *n = g->counts[c->grid_chunk][ph];
		waiting += n[CARVE_STATUS_PENDING] + n[CARVE_STATUS_RUNNING] +
			   n[CARVE_STATUS_INTERRUPTED];
		failed += n[CARVE_STATUS_FAILED] + n[CARVE_STATUS_BLOCKED];
	}
	if (waiting || (retry && failed))
		return true;
	if (failed)
		snprintf(c->message, sizeof(c->message), "%s has nothing to start%s: %u failed or"
			 " blocked (r retries what failed)", selected_chunk(c),
			 phase >= 0 ? " in this phase" : "", failed);
	else
		snprintf(c->message, sizeof(c->message), "%s has nothing to start%s: everything"
			 " is done or skipped", selected_chunk(c), phase >= 0 ? " in this phase" : "");
	return false;
}

void action_start(console *c, bool all_phases, bool retry)
{
	int phase = all_phases ? -1 : (int)c->grid_phase;

	if (runner_busy(&c->engine)) {
		snprintf(c->message, sizeof(c->message), "a run is going (%s): p pauses it",
			 c->engine.chunk);
		return;
	}
	if (!all_phases && !runnable(c)) {
		snprintf(c->message, sizeof(c->message), "%s is not a phase carve runs: pick"
			 " preflight to clients, or a for all", carve_phase_name(c->grid_phase));
		return;
	}
	if (!something_to_start(c, phase, retry))
		return;
	if (runner_start(&c->engine, selected_chunk(c), phase, retry, NULL) < 0) {
		snprintf(c->message, sizeof(c->message), "could not start the run");
		return;
	}
	snprintf(c->message, sizeof(c->message), "%s %s%s: started", selected_chunk(c),
		 all_phases ? "every phase" : carve_phase_name((carve_phase)phase),
		 retry ? " (retrying what failed)" : "");
}

void action_pause(console *c)
{
	if (!runner_busy(&c->engine) || c->engine.teardown) {
		snprintf(c->message, sizeof(c->message), "no run is going");
		return;
	}
	runner_pause(&c->engine);
	snprintf(c->message, sizeof(c->message), "pausing %s: what runs finishes, nothing new"
		 " starts", c->engine.chunk);
}

/* Runs fn on a writable connection inside a run of its own. */
static int with_log(console *c, const char *command,
		    int (*fn)(console *c, carve_audit *audit, int64_t run, void *arg), void *arg)
{
	carve_audit *audit = NULL;
	int64_t run = 0;
	int err;

	char why[sizeof(c->message)] = "";

	if ((err = carve_audit_open(&audit, c->db_path, NULL)) == 0 &&
	    (err = carve_audit_run_begin(&run, audit, c->plan, command)) == 0) {
		err = fn(c, audit, run, arg);
		/* the action's own failure first: recording the end may fail too */
		if (err < 0)
			snprintf(why, sizeof(why), "%s", carve_error_last()->message);
		carve_audit_run_end(audit, run);
	}
	if (err < 0)
		snprintf(c->message, sizeof(c->message), "%s",
			 why[0] ? why : carve_error_last()->message);
	carve_audit_free(audit);
	console_reload(c);
	return err;
}

static int skip(console *c, carve_audit *audit, int64_t run, void *reason)
{
	return carve_skip(c->plan, audit, run, selected_chunk(c), (carve_phase)c->grid_phase,
			  NULL, c->who, reason);
}

static const char *skip_consequence(carve_phase phase);

void action_skip(console *c)
{
	char reason[200], command[128];

	if (c->grid_phase < CARVE_PHASE_RESTART || c->grid_phase > CARVE_PHASE_CLIENTS) {
		snprintf(c->message, sizeof(c->message), "only restart, workstations, mail and"
			 " clients can be skipped");
		return;
	}
	/* the question says what the answer will do */
	char question[300];
	const unsigned *k = console_grid(c)->counts[c->grid_chunk][c->grid_phase];
	snprintf(question, sizeof(question), "skip %s for the %u of %s not done yet (%s): why?",
		 carve_phase_name((carve_phase)c->grid_phase), cell_total(k) - cell_done(k),
		 selected_chunk(c), skip_consequence((carve_phase)c->grid_phase));
	if (console_prompt(c, question, reason, sizeof(reason)) <= 0) {
		snprintf(c->message, sizeof(c->message), "not skipped (a reason is required)");
		return;
	}
	snprintf(command, sizeof(command), "console: skip --chunk %s --phase %s",
		 selected_chunk(c), carve_phase_name((carve_phase)c->grid_phase));
	if (with_log(c, command, skip, reason) == 0)
		snprintf(c->message, sizeof(c->message), "skipped: %s", reason);
}

typedef struct {
	const char *kind;
	const char *text;
} floor_note;

static int note(console *c, carve_audit *audit, int64_t run, void *arg)
{
	const floor_note *nt = arg;

	return note_record(c->plan, audit, run, c->machine, c->who, nt->kind, nt->text);
}

void action_note(console *c)
{
	char text[300];
	size_t n;

	carve_plan_machines(c->plan, &n);
	if (c->machine >= n) {
		snprintf(c->message, sizeof(c->message), "pick a machine on the floor map first");
		return;
	}
	char question[300];
	int len = snprintf(question, sizeof(question), "note:");
	for (size_t k = 0; k < note_kind_count; k++)
		len += snprintf(question + len, sizeof(question) - (size_t)len, " %zu %s", k + 1,
				note_kinds[k]);
	/* one key picks the kind, as y/N is one key */
	int key = console_choose(c, question);
	if (key == ERR || key == 27) {
		snprintf(c->message, sizeof(c->message), "no note");
		return;
	}
	size_t k = key >= '1' && key <= '9' ? (size_t)(key - '0') : 0;
	if (k < 1 || k > note_kind_count) {
		snprintf(c->message, sizeof(c->message), "no note: pick 1 to %zu",
			 note_kind_count);
		return;
	}
	if (console_prompt(c, "details (Enter for none):", text, sizeof(text)) < 0) {
		snprintf(c->message, sizeof(c->message), "no note");
		return;
	}
	floor_note nt = { note_kinds[k - 1], text };
	if (with_log(c, "console: note", note, &nt) == 0)
		snprintf(c->message, sizeof(c->message), "noted by %s: %s", c->who, nt.kind);
}

void action_quit(console *c)
{
	if (runner_busy(&c->engine) &&
	    !console_confirm(c, "steps are running: stop them and quit? (y/N)"))
		return;
	c->quit = true;
}

/* The detail view's selected step, and its phase. */
static const state_line *selected_step(console *c, carve_phase *phase)
{
	if (c->step >= c->step_count) {
		snprintf(c->message, sizeof(c->message), "no step selected");
		return NULL;
	}
	const state_line *s = &c->steps[c->step];
	if (carve_phase_parse(phase, s->phase) < 0 || *phase < CARVE_PHASE_PREFLIGHT ||
	    *phase > CARVE_PHASE_CLIENTS) {
		snprintf(c->message, sizeof(c->message), "%s is not a phase carve runs", s->phase);
		return NULL;
	}
	return s;
}

void action_retry_step(console *c)
{
	carve_phase phase;
	const state_line *s = selected_step(c, &phase);

	if (!s)
		return;
	if (runner_busy(&c->engine)) {
		snprintf(c->message, sizeof(c->message), "a run is going (%s): p pauses it",
			 c->engine.chunk);
		return;
	}
	if (runner_start(&c->engine, s->chunk, (int)phase, true, s->object) < 0) {
		snprintf(c->message, sizeof(c->message), "could not start the run");
		return;
	}
	snprintf(c->message, sizeof(c->message), "%s %s: started again", s->object, s->phase);
}

typedef struct {
	const state_line *step;
	carve_phase phase;
	const char *reason;
} skip_one;

static int skip_step(console *c, carve_audit *audit, int64_t run, void *arg)
{
	skip_one *k = arg;
	const char *names[] = { k->step->object, NULL };

	return carve_skip(c->plan, audit, run, k->step->chunk, k->phase, names, c->who, k->reason);
}

/* What skipping a phase does to what comes after it, for the prompt. */
static const char *skip_consequence(carve_phase phase)
{
	switch (phase) {
	case CARVE_PHASE_RESTART: return "the migration goes on without it once the pre-flight"
					 " has passed";
	case CARVE_PHASE_WORKSTATIONS: return "its clients phase waits";
	case CARVE_PHASE_MAIL: return "its Outlook is not re-pointed";
	default: return "nothing else waits on it";
	}
}

void action_skip_step(console *c)
{
	char reason[200], command[256], question[300];
	skip_one k;

	/* refused before asking why when the step cannot be skipped */
	if (!(k.step = selected_step(c, &k.phase)))
		return;
	if (k.phase < CARVE_PHASE_RESTART) {
		snprintf(c->message, sizeof(c->message), "%s cannot be skipped: only restart,"
			 " workstations, mail and clients can (X skips the whole machine)",
			 k.step->phase);
		return;
	}
	snprintf(question, sizeof(question), "skip %s of %s (%s): why?",
		 carve_phase_name(k.phase), k.step->object, skip_consequence(k.phase));
	if (console_prompt(c, question, reason, sizeof(reason)) <= 0) {
		snprintf(c->message, sizeof(c->message), "not skipped (a reason is required)");
		return;
	}
	k.reason = reason;
	snprintf(command, sizeof(command), "console: skip --chunk %s --phase %s --machine %s",
		 k.step->chunk, k.step->phase, k.step->object);
	if (with_log(c, command, skip_step, &k) == 0)
		snprintf(c->message, sizeof(c->message), "skipped: %s", reason);
}

static int skip_rest(console *c, carve_audit *audit, int64_t run, void *arg)
{
	size_t n, n_chunks;
	const carve_machine *m = &carve_plan_machines(c->plan, &n)[c->machine];
	const char *names[] = { m->name, NULL };

	return carve_skip(c->plan, audit, run, carve_plan_chunks(c->plan, &n_chunks)[m->chunk].name,
			  CARVE_PHASE__COUNT, names, c->who, arg);
}

void action_skip_rest(console *c)
{
	char reason[200], command[256], question[300];
	size_t n, n_chunks;
	const carve_machine *all = carve_plan_machines(c->plan, &n);

	if (c->machine >= n) {
		snprintf(c->message, sizeof(c->message), "pick a machine first");
		return;
	}
	const carve_machine *m = &all[c->machine];
	const char *chunk = carve_plan_chunks(c->plan, &n_chunks)[m->chunk].name;
	snprintf(question, sizeof(question), "skip %s and its user for the rest of %s (no"
		 " restart, migration, mail or clients; what is done stays): why?", m->name,
		 chunk);
	if (console_prompt(c, question, reason, sizeof(reason)) <= 0) {
		snprintf(c->message, sizeof(c->message), "not skipped (a reason is required)");
		return;
	}
	snprintf(command, sizeof(command), "console: skip --chunk %s --phase all --machine %s",
		 chunk, m->name);
	if (with_log(c, command, skip_rest, reason) == 0)
		snprintf(c->message, sizeof(c->message), "skipped %s for the rest of %s: %s",
			 m->name, chunk, reason);
}

static int sign(console *c, carve_audit *audit, int64_t run, void *arg)
{
	return carve_signoff_record(c->plan, audit, run, arg);
}

void action_signoff(console *c)
{
	carve_signoff s = { c->who, NULL, NULL, NULL, NULL };
	char note_text[200], command[160];
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(c->plan, &n);

	if (c->view == VIEW_TEARDOWN) {
		if (c->item >= n)
			return;
		s.item = items[c->item].id;
	} else if (c->step < c->step_count && c->steps[c->step].user &&
		   !strcmp(c->steps[c->step].step, "activesync")) {
		s.user = c->steps[c->step].object;
		s.step = "activesync";
	} else {
		snprintf(c->message, sizeof(c->message), "pick a teardown item or an ActiveSync"
			 " step to sign off");
		return;
	}
	int answered = console_prompt(c, "sign off: a note (Enter for none):", note_text,
				      sizeof(note_text));
	if (answered < 0) {
		snprintf(c->message, sizeof(c->message), "not signed off");
		return;
	}
	if (answered > 0)
		s.note = note_text;
	snprintf(command, sizeof(command), "console: signoff %s", s.item ? s.item : s.user);
	if (with_log(c, command, sign, &s) == 0)
		snprintf(c->message, sizeof(c->message), "signed off by %s", c->who);
}

void action_verify_teardown(console *c)
{
	if (runner_busy(&c->engine)) {
		snprintf(c->message, sizeof(c->message), "%s is going: p pauses it",
			 c->engine.chunk);
		return;
	}
	if (runner_start_teardown(&c->engine) < 0) {
		snprintf(c->message, sizeof(c->message), "could not start the checks");
		return;
	}
	snprintf(c->message, sizeof(c->message), "verifying: the log, and DNS (each query has"
		 " its deadline)");
}

void action_filter(console *c)
{
	char text[64];

	if (console_prompt(c, "find (a machine, desk or user; a chunk; a status such as"
			   " failed; Enter clears):", text, sizeof(text)) < 0)
		return; /* the filter in use stays */
	size_t n, matches = 0;
	carve_plan_machines(c->plan, &n);
	snprintf(c->filter, sizeof(c->filter), "%s", text);
	for (size_t i = 0; text[0] && i < n; i++)
		matches += view_floor_matches(c, i);
	if (text[0] && !matches) {
		/* a find that finds nothing blanks nothing: the filter in use
		 * goes, and the map stays as it was */
		c->filter[0] = '\0';
		snprintf(c->message, sizeof(c->message), "nothing on the map matches '%s'", text);
		return;
	}
	if (text[0])
		view_floor_find(c);
	snprintf(c->message, sizeof(c->message), "%s%s%s", text[0] ? "filter: " : "no filter",
		 text, text[0] ? " (Esc clears it)" : "");
}

void action_log_filter(console *c)
{
	log_filter_state *lf = &c->log_filter;
	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	char text[sizeof(lf->text)], words[sizeof(lf->words)], why[512];

	int answered = console_prompt(c, "filter (chunk= machine= phase= status= since=, or"
				      " just the names; Enter clears):", text, sizeof(text));
	if (answered < 0)
		return; /* the filter in use stays */
	if (answered > 0) {
		memcpy(words, text, sizeof(words));
		if (!log_filter_parse(&f, words, c->plan, why, sizeof(why))) {
			snprintf(c->message, sizeof(c->message), "%s", why);
			return; /* the filter in use stays */
		}
	}
	/* The filter keeps its strings in lf->words: read it again there. */
	memcpy(lf->text, text, sizeof(lf->text));
	memcpy(lf->words, text, sizeof(lf->words));
	lf->filter = (carve_log_filter)CARVE_LOG_FILTER_INIT;
	if (text[0])
		log_filter_parse(&lf->filter, lf->words, c->plan, why, sizeof(why));
	if (lf->filter.since)
		lf->filter.since = log_filter_local(lf->since, lf->filter.since);
	console_reload_log(c);
	snprintf(c->message, sizeof(c->message), "%s%s", text[0] ? "filter: " : "no filter", text);
}

/* Adds name to the few a message lists ("WS-01 WS-02 ..."), while they
 * fit in cap. */
static void list_name(char *some, size_t cap, const char *name)
{
	if (strlen(some) + strlen(name) + 2 < cap - 4)
		snprintf(some + strlen(some), cap - strlen(some), " %s", name);
	else if (!strstr(some, "..."))
		strcat(some, " ...");
}

/* The machine name names, or the machine of the user it names; else the
 * one machine or user whose name begins with it (what completing it would
 * give).  None or several: the status line says which. */
static size_t find_machine(console *c, const char *name)
{
	size_t n, nu, found = CARVE_NONE, matches = 0, len = strlen(name);
	const carve_machine *m = carve_plan_machines(c->plan, &n);
	const carve_user *u = carve_plan_users(c->plan, &nu);
	size_t i = carve_plan_find_machine(c->plan, name), k = carve_plan_find_user(c->plan, name);
	char some[160] = "";

	for (size_t j = 0; i == CARVE_NONE && k != CARVE_NONE && j < n; j++)
		if (m[j].user == k)
			i = j;
	if (i != CARVE_NONE)
		return i;
	for (size_t j = 0; len && j < n; j++) {
		bool by_user = m[j].user != CARVE_NONE && m[j].user < nu &&
			       !strncasecmp(u[m[j].user].name, name, len);
		if (strncasecmp(m[j].name, name, len) && !by_user)
			continue;
		if (!matches++)
			found = j;
		list_name(some, sizeof(some), m[j].name);
	}
	if (matches == 1)
		return found;
	if (matches)
		snprintf(c->message, sizeof(c->message), "'%s': %zu machines match:%s", name,
			 matches, some);
	else
		snprintf(c->message, sizeof(c->message), "no machine or user '%s' in the plan", name);
	return CARVE_NONE;
}

/* One name for Tab: kept when it begins with what was typed. */
typedef struct {
	const char *typed;
	size_t len;
	char common[96];   /* what every kept name begins with */
	unsigned count;
	char some[160];    /* the first few, for the hint */
} completion;

static void offer(completion *k, const char *name)
{
	if (!name || strncasecmp(name, k->typed, k->len))
		return;
	if (!k->count++) {
		snprintf(k->common, sizeof(k->common), "%s", name);
	} else {
		size_t i = 0;
		while (k->common[i] && tolower((unsigned char)k->common[i]) ==
					     tolower((unsigned char)name[i]))
			i++;
		k->common[i] = '\0';
	}
	list_name(k->some, sizeof(k->some), name);
}

/* Tab on the : line: the command, or the machine, user, chunk or floor
 * name after it, as far as the names that begin so agree. */
static void complete_command(console *c, char *line, size_t cap, char *hint, size_t hint_cap)
{
	static const char *const commands[] = { "machine", "chunk", "floor", "help", "quit" };
	char *space = strchr(line, ' ');
	const char *arg = space ? space + 1 + strspn(space + 1, " ") : line;
	completion k = { .typed = arg, .len = strlen(arg) };
	size_t word = space ? (size_t)(space - line) : 0, n;

	if (!space) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			offer(&k, commands[i]);
	} else if (!strncmp(line, "machine", word) || !strncmp(line, "m", word)) {
		const carve_machine *m = carve_plan_machines(c->plan, &n);
		for (size_t i = 0; i < n; i++)
			offer(&k, m[i].name);
		const carve_user *u = carve_plan_users(c->plan, &n);
		for (size_t i = 0; i < n; i++)
			offer(&k, u[i].name);
	} else if (!strncmp(line, "chunk", word)) {
		const carve_chunk *ch = carve_plan_chunks(c->plan, &n);
		for (size_t i = 0; i < n; i++)
			offer(&k, ch[i].name);
	} else if (!strncmp(line, "floor", word)) {
		const carve_floor *fl = carve_plan_floors(c->plan, &n);
		for (size_t i = 0; i < n; i++)
			offer(&k, fl[i].name);
	}
	if (!k.count) {
		snprintf(hint, hint_cap, "nothing begins '%s'", arg);
		return;
	}
	size_t at = (size_t)(arg - line);
	snprintf(line + at, cap - at, "%s%s", k.common, k.count == 1 && !space ? " " : "");
	if (k.count > 1)
		snprintf(hint, hint_cap, "%u:%s", k.count, k.some);
}

void action_command(console *c)
{
	char line[128], word[32] = "", arg[96] = "";

	if (console_prompt_completing(c, ":", line, sizeof(line), complete_command) <= 0)
		return;
	sscanf(line, " %31s %95[^\n]", word, arg);
	if (!strcmp(word, "q") || !strcmp(word, "quit")) {
		action_quit(c);
	} else if (!strcmp(word, "help")) {
		console_show(c, VIEW_HELP);
	} else if (!strcmp(word, "machine") || !strcmp(word, "m")) {
		size_t i = find_machine(c, arg);
		if (i != CARVE_NONE)
			console_show_machine(c, i, VIEW_DETAIL);
	} else if (!strcmp(word, "chunk")) {
		size_t i = carve_plan_find_chunk(c->plan, arg);
		if (i == CARVE_NONE) {
			snprintf(c->message, sizeof(c->message), "no chunk '%s' in the plan", arg);
			return;
		}
		c->grid_chunk = i;
		console_show(c, VIEW_GRID);
	} else if (!strcmp(word, "floor")) {
		size_t nf;
		const carve_floor *fl = carve_plan_floors(c->plan, &nf);
		for (size_t i = 0; i < nf; i++)
			if (!strcmp(fl[i].name, arg)) {
				c->floor = i;
				c->machine = CARVE_NONE;
				console_show(c, VIEW_FLOOR);
				return;
			}
		snprintf(c->message, sizeof(c->message), "no floor '%s' in the plan", arg);
	} else {
		snprintf(c->message, sizeof(c->message), "commands: machine NAME (or a user), chunk NAME,"
			 " floor NAME, help, quit");
	}
}

void action_export_triage(console *c)
{
	triage_list t = { 0 };
	char path[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(path, sizeof(path), "triage-%Y%m%dT%H%M%SZ.csv", &tm);
	if (!c->audit || triage_collect(&t, c->audit, NULL, TRIAGE_GUIDE) < 0) {
		snprintf(c->message, sizeof(c->message), "nothing to export: %s",
			 c->audit ? carve_error_last()->message : "no audit log yet");
		triage_done(&t);
		return;
	}
	/* what it lists is the log's: private, as the log is */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(c->message, sizeof(c->message), "cannot write %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		triage_write(f, c->plan, &t, OUT_CSV);
		if (fclose(f) != 0)
			snprintf(c->message, sizeof(c->message), "cannot write %s: %s", path,
				 strerror(errno));
		else
			snprintf(c->message, sizeof(c->message), "wrote %s: %zu row%s by cause,"
				 " in the guide's order", path, t.count, t.count == 1 ? "" : "s");
	}
	triage_done(&t);
}
