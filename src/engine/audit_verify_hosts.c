/*
 * audit_verify_hosts.c - the host keys carve decides from, held to the log.
 *
 * carve's known-hosts file decides which machine carve will talk to, and it
 * is a file anyone with the account can edit.  Every key carve records
 * (carve trust after a person confirmed it, accept-new on first contact) is
 * a hostkey event carrying the line it wrote.  For each host the log
 * recorded a key for, every line the file has for that host must be the
 * line recorded last: a replaced key (someone readying a machine in the
 * middle) fails verify and names the host.  Lines for hosts the log never
 * recorded (written by hand, or by a lab) are not carve's to judge.
 */
#include "audit_internal.h"

#include <stdlib.h>
#include <string.h>

/* The host field of a known-hosts line ("[127.0.0.1]:2222"), into out. */
static void host_of(char *out, size_t cap, const char *line)
{
	size_t n = strcspn(line, " \t");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), line);
}

/* The entry the log recorded last for host, or NULL (owned). */
static char *recorded_entry(sqlite3_stmt *st, const char *host, char *name, size_t cap)
{
	char *entry = NULL;

	sqlite3_reset(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(st, 1);
		char h[512];
		if (!e)
			continue;
		host_of(h, sizeof(h), e);
		if (strcmp(h, host) != 0)
			continue;
		free(entry);
		entry = strdup(e);
		const char *m = (const char *)sqlite3_column_text(st, 0);
		snprintf(name, cap, "%s", m ? m : host);
	}
	return entry;
}

int audit_verify_known_hosts(carve_verify_result *result, carve_audit *audit,
			     const char *path)
{
	static const char sql[] =
		"SELECT machine, json_extract(evidence, '$.entry') FROM events"
		" WHERE kind = 'hostkey' AND status = 'ok' AND json_valid(evidence)"
		" ORDER BY seq";
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	size_t len = 0;
	int err;

	if (!path)
		return 0;
	if ((err = carve_file_read(&text, &len, path, 16 * 1024 * 1024)) < 0)
		return err == CARVE_EINVALID ? 0 : err; /* no file: nothing decided from it */
	if (sqlite3_prepare_v2(audit->db, sql, -1, &st, NULL) != SQLITE_OK) {
		err = audit_sqlite_error(audit, CARVE_EIO, "cannot read the host-key events");
		goto done;
	}
	unsigned lineno = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && result->ok;
	     line = strtok_r(NULL, "\n", &save)) {
		char host[512], name[512];
		lineno++;
		line = carve_trim(line);
		if (!*line || *line == '#')
			continue;
		host_of(host, sizeof(host), line);
		char *entry = recorded_entry(st, host, name, sizeof(name));
		if (entry && strcmp(entry, line) != 0)
			audit_verify_fail(result, 0, "%s, line %u: the key on file for %s (%s) is"
					  " not the one carve recorded for it (replaced by hand,"
					  " or by someone in the middle?)", path, lineno, name,
					  host);
		free(entry);
	}
done:
	sqlite3_finalize(st);
	free(text);
	return err;
}
