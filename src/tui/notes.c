/*
 * notes.c - floor notes, the same from the console and from carve note.
 */
#include "notes.h"
#include "out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const note_kinds[] = {
	"asleep", "powered off", "fixed", "missing", "moved", "cannot log on",
	"application lost its settings", "other",
};
const size_t note_kind_count = sizeof(note_kinds) / sizeof(note_kinds[0]);

const char *note_kind(const char *name)
{
	for (size_t k = 0; name && k < note_kind_count; k++)
		if (!strcmp(note_kinds[k], name))
			return note_kinds[k];
	return NULL;
}

const char *note_kind_of(const char *text)
{
	for (size_t k = 0; text && k < note_kind_count; k++) {
		size_t n = strlen(note_kinds[k]);
		if (!strncmp(text, note_kinds[k], n) && (text[n] == '\0' || text[n] == ':'))
			return note_kinds[k];
	}
	return NULL;
}

bool note_stands(const char *kind)
{
	return kind && strcmp(kind, "fixed") != 0;
}

int note_record(const carve_plan *plan, carve_audit *audit, int64_t run, size_t machine,
		const char *who, const char *kind, const char *text)
{
	size_t n, n_chunks, n_users;
	const carve_machine *m = &carve_plan_machines(plan, &n)[machine];
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);
	const carve_user *users = carve_plan_users(plan, &n_users);
	carve_event e = CARVE_EVENT_INIT;
	char line[400], *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	int err;

	if (!f)
		return CARVE_ENOMEM;
	snprintf(line, sizeof(line), "%s%s%s", kind, text && text[0] ? ": " : "",
		 text ? text : "");
	fputs("{\"kind\":", f);
	out_json(f, kind);
	fputs(",\"text\":", f);
	out_json(f, line);
	fputs("}", f);
	if (fclose(f) != 0) {
		free(json);
		return CARVE_ENOMEM;
	}
	e.run = run;
	e.actor = who;
	e.kind = "note";
	e.chunk = chunks[m->chunk].name;
	e.machine = m->name;
	e.user = m->user != CARVE_NONE ? users[m->user].name : NULL;
	/* what the console shows as ! is what carve log --status warn finds:
	 * anything but "fixed" is something for someone to look at */
	e.status = strcmp(kind, "fixed") ? CARVE_STATUS_WARN : CARVE_STATUS_OK;
	e.evidence = json;
	e.diagnosis = line; /* what the log shows */
	err = carve_audit_append(NULL, audit, &e, 1);
	free(json);
	return err;
}
