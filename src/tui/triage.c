/*
 * triage.c - the morning after's list: every failure still standing (the
 * current state's failed and interrupted steps, and what users reported on
 * the floor), grouped by cause.  A cause is the step and the first clause
 * of the diagnosis (what the engine names first is the cause, what
 * follows the fix).  The console's triage view shows it most common
 * first; carve triage in the guide's order.
 */
#include "console.h"
#include "map.h"
#include "notes.h"
#include "out.h"
#include "triage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool users_report(const char *kind)
{
	return !strcmp(kind, "cannot log on") || !strcmp(kind, "application lost its settings");
}

/* How much of a diagnosis names the cause: its first clause, up to a ':'
 * or '('; when it says a workstation did not join, the clause after that
 * too (the known cause that holds: the admin check's, the firewall's). */
static size_t cause_len(const char *d)
{
	static const char nested[] = "it did not join the target domain: ";
	size_t skip = strncmp(d, nested, strlen(nested)) ? 0 : strlen(nested);
	size_t len = skip + strcspn(d + skip, ":(");

	return len;
}

const char *triage_fix(const state_line *s)
{
	/* a note says what was found, not what to do */
	if (!strcmp(s->phase, "reported"))
		return NULL;
	const char *p = s->diagnosis + cause_len(s->diagnosis);

	/* the details in brackets the cause leaves out ("allows (10.0 GiB):
	 * raise the quota"), brackets in them too, come before the fix */
	for (int depth = 0; *p == '(' || *p == ' ' || depth;) {
		if (!*p)
			return NULL;
		depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
		p++;
	}
	if (*p != ':')
		return NULL;
	for (p++; *p == ' '; p++)
		;
	return p;
}

/* Whether the n bytes at w are one case's value, not the cause's words: a
 * number ("12.0", "3,200") or an address ("anna@fabrikam.com"). */
static bool value_word(const char *w, size_t n)
{
	bool digit = false, other = false;

	if (memchr(w, '@', n))
		return true;
	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)w[i]))
			digit = true;
		else if (w[i] != '.' && w[i] != ',')
			other = true;
	}
	return digit && !other;
}

void triage_cause(char *out, size_t cap, const state_line *s)
{
	const char *d = s->diagnosis;

	if (!strcmp(s->phase, "reported")) {
		snprintf(out, cap, "%s: %s", users_report(s->step) ? "user reported"
			 : "floor noted", s->step);
		return;
	}
	size_t len = cause_len(d);
	while (len && d[len - 1] == ' ')
		len--;
	/* one cause for every case of it: its values left out, so two
	 * mailboxes too big by different sizes are one cause.  A machine
	 * Windows would not answer for fails every check it has the same
	 * way: one cause of the pre-flight, not one per check */
	bool whole = !strcmp(s->phase, "preflight") &&
		     !strncmp(d, CARVE_DIAG_NO_ANSWER, strlen(CARVE_DIAG_NO_ANSWER));
	int at = whole ? snprintf(out, cap, "%s: ", s->phase)
		       : snprintf(out, cap, "%s/%s: ", s->phase, s->step);
	for (size_t i = 0; i < len && at >= 0 && (size_t)at + 4 < cap;) {
		size_t n = strcspn(d + i, " ");
		if (n > len - i)
			n = len - i;
		/* a trailing comma or full stop is the sentence's */
		size_t word = n;
		while (word && (d[i + word - 1] == ',' || d[i + word - 1] == '.'))
			word--;
		if (word && value_word(d + i, word))
			at += snprintf(out + at, cap - (size_t)at, "...%.*s", (int)(n - word),
				       d + i + word);
		else
			at += snprintf(out + at, cap - (size_t)at, "%.*s", (int)n, d + i);
		i += n;
		for (; i < len && d[i] == ' ' && (size_t)at + 1 < cap; i++)
			out[at++] = ' ', out[at] = '\0';
	}
}

static bool grow(triage_list *t)
{
	if (t->count < t->cap)
		return true;
	size_t cap = t->cap ? 2 * t->cap : 64;
	state_line *f = realloc(t->items, cap * sizeof(*f));
	if (!f)
		return false;
	t->items = f;
	t->cap = cap;
	return true;
}

typedef struct {
	triage_list *t;
	const char *chunk;
	size_t first_report; /* the reports begin here in t */
} scan;

static int take_failure(const carve_state_row *row, void *ctx)
{
	scan *sc = ctx;

	if (sc->chunk && (!row->chunk || strcmp(row->chunk, sc->chunk) != 0))
		return 0;
	if (!grow(sc->t))
		return CARVE_ENOMEM;
	console_state_line(&sc->t->items[sc->t->count++], row);
	return 0;
}

static int take_report(const carve_event_row *row, void *ctx)
{
	scan *sc = ctx;
	const char *kind = note_kind_of(row->ev.diagnosis);
	char object[64];

	/* what the floor and the users report, each machine's latest note,
	 * stands until a later one on the machine says otherwise */
	if (sc->chunk && (!row->ev.chunk || strcmp(row->ev.chunk, sc->chunk) != 0))
		return 0;
	if (!note_stands(kind))
		kind = NULL;
	out_textf(object, sizeof(object), "%s", row->ev.machine ? row->ev.machine : "");
	state_line *s = NULL;
	for (size_t i = sc->first_report; i < sc->t->count && !s; i++)
		if (!strcmp(sc->t->items[i].object, object))
			s = &sc->t->items[i];
	if (!kind) { /* fixed, or other: what stood on the machine stands no more */
		if (s)
			s->phase[0] = '\0';
		return 0;
	}
	if (!s) {
		if (!grow(sc->t))
			return CARVE_ENOMEM;
		s = &sc->t->items[sc->t->count++];
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->object, sizeof(s->object), "%s", object);
	out_textf(s->chunk, sizeof(s->chunk), "%s", row->ev.chunk ? row->ev.chunk : "");
	out_textf(s->phase, sizeof(s->phase), "reported");
	out_textf(s->step, sizeof(s->step), "%s", kind);
	s->status = CARVE_STATUS_WARN;
	console_time(s->time, sizeof(s->time), row->time);
	out_textf(s->utc, sizeof(s->utc), "%s", row->time ? row->time : "");
	out_textf(s->actor, sizeof(s->actor), "%s", row->ev.actor ? row->ev.actor : "");
	out_textf(s->diagnosis, sizeof(s->diagnosis), "%s (noted by %s, %s)",
		  row->ev.diagnosis ? row->ev.diagnosis : kind,
		  row->ev.actor ? row->ev.actor : "", s->time);
	return 0;
}

/* A failure with its cause worked out once, for sorting and grouping. */
typedef struct {
	char cause[160];
	const state_line *s;
} keyed;

static int by_cause(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	int by = strcmp(x->cause, y->cause);

	return by ? by : strcmp(x->s->object, y->s->object);
}

/*
 * The guide's order (the seed, STEP 1 to 3): the phases in order; in the
 * pre-flight its checks as the guide lists them, then the causes of a
 * failed ADMT migration "in order of likelihood"; in the mail phase a
 * missing SMTP address, the bad item limit, then size.  What the guide
 * does not name comes after what it does, in each phase.
 */
static int guide_rank(const state_line *s)
{
	static const char *const phases[] = { "inventory", "preflight", "restart", "workstations",
					      "mail", "clients", "teardown", "reported" };
	static const char *const steps[] = {
		"connect", "ping", "os", "disk", "hotfixes", "fix-hotfixes", "admin", "fix-admin",
		"nics", "fix-nics", "firewall", "fix-firewall", "services", "fix-services",
		"restart", "admt", "source-account", "logon-domain", "move", "outlook", "logon",
		"activesync",
	};
	static const char *const mail_causes[] = { "SMTP address", "bad item", "holds" };
	int rank = 0, phase = 8, step = 30, cause = 0;

	for (int i = 0; i < 8; i++)
		if (!strcmp(s->phase, phases[i]))
			phase = i;
	for (int i = 0; i < (int)(sizeof(steps) / sizeof(steps[0])); i++)
		if (!strcmp(s->step, steps[i]))
			step = i;
	if (!strcmp(s->step, "move")) {
		cause = 3;
		for (int i = 0; i < 3; i++)
			if (strstr(s->diagnosis, mail_causes[i])) {
				cause = i;
				break;
			}
	}
	rank = phase * 1000 + step * 10 + cause;
	return rank;
}

static triage_order sort_order;

static int by_order(const void *a, const void *b)
{
	const triage_group *x = a, *y = b;

	if (sort_order == TRIAGE_GUIDE && x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->cause, y->cause);
}

int triage_collect(triage_list *t, carve_audit *audit, const char *chunk, triage_order order)
{
	scan sc = { t, chunk, 0 };
	int err;

	t->count = t->group_count = 0;
	if ((err = carve_audit_failed_states(audit, take_failure, &sc)) < 0)
		return err;
	sc.first_report = t->count;
	if ((err = carve_audit_notes(audit, 0, take_report, &sc)) < 0)
		return err;
	size_t kept = sc.first_report; /* the reports a later note took back */
	for (size_t i = sc.first_report; i < t->count; i++)
		if (t->items[i].phase[0])
			t->items[kept++] = t->items[i];
	t->count = kept;
	/* each cause worked out once, then sorted by it, grouped, and a
	 * machine kept once per cause (every check Windows would not answer) */
	keyed *k = calloc(t->count ? t->count : 1, sizeof(*k));
	state_line *sorted = calloc(t->count ? t->count : 1, sizeof(*sorted));
	free(t->groups);
	t->groups = calloc(t->count ? t->count : 1, sizeof(*t->groups));
	if (!k || !sorted || !t->groups) {
		free(k);
		free(sorted);
		return carve_error_oom();
	}
	for (size_t i = 0; i < t->count; i++) {
		triage_cause(k[i].cause, sizeof(k[i].cause), &t->items[i]);
		k[i].s = &t->items[i];
	}
	if (t->count)
		qsort(k, t->count, sizeof(*k), by_cause);
	kept = 0;
	for (size_t i = 0; i < t->count; i++) {
		if (i && by_cause(&k[i - 1], &k[i]) == 0)
			continue;
		triage_group *g = t->group_count ? &t->groups[t->group_count - 1] : NULL;
		if (!g || strcmp(g->cause, k[i].cause) != 0) {
			g = &t->groups[t->group_count++];
			snprintf(g->cause, sizeof(g->cause), "%s", k[i].cause);
			g->first = kept;
			g->rank = guide_rank(k[i].s);
		}
		g->count++;
		sorted[kept++] = *k[i].s;
	}
	free(k);
	free(t->items);
	t->items = sorted;
	t->count = t->cap = kept;
	sort_order = order; /* qsort has no context: one triage sorts at a time */
	if (t->group_count)
		qsort(t->groups, t->group_count, sizeof(*t->groups), by_order);
	return 0;
}

void triage_done(triage_list *t)
{
	free(t->items);
	free(t->groups);
	memset(t, 0, sizeof(*t));
}

void triage_where(const carve_plan *plan, const state_line *s, char *machine, size_t mcap,
		  char *desk, size_t dcap, char *user, size_t ucap)
{
	size_t n, n_floors, n_users;
	const carve_machine *m = carve_plan_machines(plan, &n);
	const carve_floor *floors = carve_plan_floors(plan, &n_floors);
	const carve_user *u = carve_plan_users(plan, &n_users);
	size_t i = s->user ? CARVE_NONE : carve_plan_find_machine(plan, s->object);
	unsigned start, len;

	machine[0] = desk[0] = user[0] = '\0';
	if (s->user) {
		size_t k = carve_plan_find_user(plan, s->object);
		for (size_t j = 0; k != CARVE_NONE && j < n; j++)
			if (m[j].user == k)
				i = j;
		snprintf(user, ucap, "%s", s->object);
	} else if (i != CARVE_NONE && m[i].user != CARVE_NONE && m[i].user < n_users) {
		snprintf(user, ucap, "%s", u[m[i].user].name);
	}
	if (i == CARVE_NONE)
		return;
	snprintf(machine, mcap, "%s", m[i].name);
	/* the label drawn at the desk; a desk drawn without one by where it
	 * is on the floor's drawing (1-based, as the plan's at:) */
	if (m[i].floor < n_floors &&
	    !floor_label(&floors[m[i].floor], m[i].x, m[i].y, &start, &len, desk, dcap))
		snprintf(desk, dcap, "%s %u,%u", floors[m[i].floor].name, m[i].x + 1, m[i].y + 1);
}

void triage_write(FILE *f, const carve_plan *plan, const triage_list *t, out_format format)
{
	if (format == OUT_CSV)
		fputs("cause,fix,chunk,object,machine,desk,user,status,time,diagnosis,evidence\r\n",
		      f);
	for (size_t g = 0; g < t->group_count; g++) {
		const triage_group *gr = &t->groups[g];
		for (unsigned k = 0; k < gr->count; k++) {
			const state_line *s = &t->items[gr->first + k];
			const char *fix = triage_fix(s);
			char machine[64], desk[48], user[64];
			triage_where(plan, s, machine, sizeof(machine), desk, sizeof(desk), user,
				     sizeof(user));
			/* the time as the log keeps it: UTC, RFC 3339 */
			const char *fields[] = { gr->cause, fix, s->chunk, s->object, machine, desk,
						 user, carve_status_name(s->status), s->utc,
						 s->diagnosis, s->evidence };
			static const char *const names[] = { "cause", "fix", "chunk", "object",
							     "machine", "desk", "user", "status",
							     "time", "diagnosis" };
			const size_t last = sizeof(fields) / sizeof(fields[0]) - 1;
			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
				if (format == OUT_CSV) {
					if (i)
						putc(',', f);
					out_csv(f, fields[i] && *fields[i] ? fields[i] : NULL);
					continue;
				}
				fprintf(f, i ? ",\"%s\":" : "{\"%s\":", i < last ? names[i] : "evidence");
				/* a state's evidence is JSON (audit_read.c) */
				if (i == last)
					fputs(s->evidence[0] ? s->evidence : "null", f);
				else
					out_json(f, fields[i] && *fields[i] ? fields[i] : NULL);
			}
			fputs(format == OUT_CSV ? "\r\n" : "}\n", f);
		}
	}
}

