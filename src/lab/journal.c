/*
 * journal.c - the lab's own record, one JSON object per line: every
 * connection, every command (decoded) and every state change.  Tests read
 * it to prove what carve did and did not do.
 */
#include "lab.h"

#include <string.h>
#include <sys/time.h>

static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *journal_file;

void lab_journal_open(FILE *f)
{
	journal_file = f;
}

void lab_json_str(char *buf, size_t cap, const char *s)
{
	size_t n = 0;

	if (cap < 3)
		return;
	buf[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 8 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)*p;
		} else if (*p < 0x20) {
			n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", *p);
		} else {
			buf[n++] = (char)*p;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
}

void lab_journal(const char *host, const char *event, const char *fields)
{
	struct timeval tv;
	struct tm tm;
	char when[40], name[80];

	if (!journal_file)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	lab_json_str(name, sizeof(name), host ? host : "");
	pthread_mutex_lock(&journal_lock);
	fprintf(journal_file, "{\"time\":\"%s.%03ldZ\",\"host\":%s,\"event\":\"%s\"%s%s}\n",
		when, (long)(tv.tv_usec / 1000), name, event, fields ? "," : "",
		fields ? fields : "");
	fflush(journal_file);
	pthread_mutex_unlock(&journal_lock);
}
