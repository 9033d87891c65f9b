/*
 * journal.c - the lab's own record, one JSON object per line: every
 * connection, every command (decoded) and every state change.  Tests read
 * it to prove what carve did and did not do.
 */
#include "lab.h"
#include "internal.h"

static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *journal_file;

void lab_journal_open(FILE *f)
{
	journal_file = f;
}

void lab_journal(const char *host, const char *event, const char *fields)
{
	char when[32];
	carve_buf name = CARVE_BUF_INIT;

	if (!journal_file)
		return;
	carve_now_rfc3339(when);
	carve_buf_json_string(&name, host ? host : "");
	pthread_mutex_lock(&journal_lock);
	fprintf(journal_file, "{\"time\":\"%s\",\"host\":%s,\"event\":\"%s\"%s%s}\n", when,
		carve_buf_cstr(&name), event, fields ? "," : "", fields ? fields : "");
	fflush(journal_file);
	pthread_mutex_unlock(&journal_lock);
	carve_buf_done(&name);
}
