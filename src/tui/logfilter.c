/*
 * logfilter.c - checking and reading the audit log's filters.
 */
#include "logfilter.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* An RFC 3339 prefix: 2026-12-04, 2026-12-04T22:30, ...Z, ...+01:00; a
 * space for the T.  The engine checks the rest. */
static bool time_prefix(const char *s)
{
	if (strlen(s) < 4)
		return false;
	for (size_t i = 0; s[i]; i++)
		if (i < 4 ? !isdigit((unsigned char)s[i]) : !strchr("0123456789-T:.Z+ ", s[i]))
			return false;
	return true;
}

const char *log_filter_local(char out[40], const char *since)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n;
	char sep = 'T', tail = 0;

	/* a zone written (Z, +hh:mm, -hh:mm after the time): as it is */
	if (strlen(since) > 16 && strpbrk(since + 16, "Z+-"))
		return since;
	n = sscanf(since, "%4d-%2d-%2d%c%2d:%2d:%2d%c", &y, &mo, &d, &sep, &h, &mi, &sec, &tail);
	if ((n != 3 && n != 6 && n != 7) || (n > 3 && sep != 'T' && sep != ' '))
		return since; /* the engine says what is wrong with it */
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = sec, .tm_isdst = -1 };
	time_t t = mktime(&tm);
	struct tm local;
	if (t == (time_t)-1 || !localtime_r(&t, &local))
		return since;
	long off = local.tm_gmtoff, a = off < 0 ? -off : off;
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", y, mo, d, h, mi, sec,
		 off < 0 ? '-' : '+', a / 3600 % 100, a % 3600 / 60);
	return out;
}

bool log_filter_check(char *why, size_t cap, const carve_log_filter *f, const carve_plan *plan)
{
	carve_phase phase;
	carve_status status;

	char names[160] = "";
	if (f->phase && carve_phase_parse(&phase, f->phase) < 0) {
		for (int p = 0; p < CARVE_PHASE__COUNT; p++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 p ? ", " : "", carve_phase_name((carve_phase)p));
		snprintf(why, cap, "no phase '%s' (the phases: %s)", f->phase, names);
	} else if (f->status && carve_status_parse(&status, f->status) < 0) {
		for (int s = 0; s < CARVE_STATUS__COUNT; s++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 s ? ", " : "", carve_status_name((carve_status)s));
		snprintf(why, cap, "no status '%s' (the statuses: %s)", f->status, names);
	}
	else if (f->since && !time_prefix(f->since))
		snprintf(why, cap, "since wants a date or time such as 2026-12-04T22:30 (local"
			 " time) or 2026-12-04T22:30:00Z, not '%s'", f->since);
	else if (plan && f->chunk && carve_plan_find_chunk(plan, f->chunk) == CARVE_NONE)
		snprintf(why, cap, "no chunk '%s' in %s", f->chunk, carve_plan_path(plan));
	else if (plan && f->machine && carve_plan_find_machine(plan, f->machine) == CARVE_NONE)
		snprintf(why, cap, "no machine '%s' in %s", f->machine, carve_plan_path(plan));
	else
		return true;
	return false;
}

/* Which of f's fields a bare word names, or NULL. */
static const char **field_of_word(carve_log_filter *f, const char *word, const carve_plan *plan)
{
	carve_phase phase;
	carve_status status;

	if (carve_plan_find_chunk(plan, word) != CARVE_NONE)
		return &f->chunk;
	if (carve_plan_find_machine(plan, word) != CARVE_NONE)
		return &f->machine;
	if (carve_phase_parse(&phase, word) == 0)
		return &f->phase;
	if (carve_status_parse(&status, word) == 0)
		return &f->status;
	if (time_prefix(word))
		return &f->since;
	return NULL;
}

static const char **field_named(carve_log_filter *f, const char *name)
{
	if (!strcmp(name, "chunk"))
		return &f->chunk;
	if (!strcmp(name, "machine"))
		return &f->machine;
	if (!strcmp(name, "phase"))
		return &f->phase;
	if (!strcmp(name, "status"))
		return &f->status;
	if (!strcmp(name, "since"))
		return &f->since;
	return NULL;
}

bool log_filter_parse(carve_log_filter *f, char *words, const carve_plan *plan, char *why,
		      size_t cap)
{
	char *save = NULL;

	for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');
		const char **field;
		if (eq) {
			*eq = '\0';
			if (!(field = field_named(f, w))) {
				snprintf(why, cap, "no filter '%s' (chunk, machine, phase, status,"
					 " since)", w);
				return false;
			}
			*field = eq + 1;
		} else if ((field = field_of_word(f, w, plan))) {
			*field = w;
		} else {
			snprintf(why, cap, "'%s' is no chunk, machine, phase, status or time", w);
			return false;
		}
	}
	return log_filter_check(why, cap, f, plan);
}
