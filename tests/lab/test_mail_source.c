/*
 * test_mail_source.c - after a cross-forest move carve reads the source
 * organisation, with its credentials, for the mail-enabled user the move
 * leaves there.  A read that fails is a failure, never "no mail user";
 * retried, only the read is repeated: the mailbox is not moved again.
 * The guide moves a site's mail at once (mail.scope site): a run of one
 * chunk moves every chunk's users and answers for all of them.
 */
#include "carve.h"
#include "internal.h"
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const t_site_host hosts[] = {
	{ "WS-01", "7", "wave1", "u-01", 2010, "", "", NULL },
	{ "WS-02", "7", "wave1", "u-02", 2010, "", "", NULL },
	{ "WS-03", "7", "wave2", "u-03", 2010, "", "", NULL },
};
#define N_HOSTS (sizeof(hosts) / sizeof(hosts[0]))

static t_lab lab;
static t_site_ports ports;
static char *plan;

/* The lab's plans move mail chunk by chunk; this one as the guide does. */
static void write_plan(void)
{
	char *p = t_lab_write_site(&lab, &ports, hosts, N_HOSTS), *text = t_read_file(p, NULL);
	char *at = strstr(text, "scope: chunk");

	cr_assert_not_null(at);
	memcpy(at, "scope: site ", strlen("scope: site "));
	t_write_file(p, text);
	free(text);
	free(plan);
	plan = p;
}

static void setup(void)
{
	t_lab_init(&lab);
	write_plan();
}

static void teardown(void)
{
	t_lab_done(&lab);
	free(plan);
	free(ports.port);
}

TestSuite(mail_source, .init = setup, .fini = teardown, .timeout = 120);

/* The mail server without the Active Directory module, so the source
 * cannot be read from it. */
static void without_ad_module(void)
{
	char *text = t_read_file(lab.fixture, NULL);
	carve_buf b = CARVE_BUF_INIT;
	const char *at = strstr(text, "move_rate: 2GiB }");

	cr_assert_not_null(at, "%s", text);
	carve_buf_put(&b, text, (size_t)(at - text));
	carve_buf_puts(&b, "move_rate: 2GiB, ad_module: false }");
	carve_buf_puts(&b, at + strlen("move_rate: 2GiB }"));
	t_write_file(lab.fixture, carve_buf_cstr(&b));
	carve_buf_done(&b);
	free(text);
}

static t_result mail(const char *extra)
{
	const char *argv[] = { CARVE_BIN, "run", plan, "--chunk", "wave1", "--phase", "mail",
			       "--password-fd", "0", extra, NULL };
	return t_run(argv, t_lab_passwords);
}

Test(mail_source, a_source_that_cannot_be_read_is_a_failure_and_only_the_read_is_retried)
{
	without_ad_module();
	t_lab_start(&lab);
	t_result r = mail(NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "the mailbox moved, but the source organisation could not be"
			 " read"), "%s", r.out);
	cr_assert(strstr(r.out, "ActiveDirectory"), "Windows' reason is kept: %s", r.out);
	/* The site's mail was this run's, wave2's failure too. */
	cr_assert(strstr(r.out, "mail (site)"), "%s", r.out);
	cr_assert(strstr(r.out, "u-03") && strstr(r.out, "(wave2)"), "%s", r.out);
	t_result_done(&r);

	write_plan();
	t_lab_reload(&lab);
	r = mail("--retry-failed");
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);
	const char *log[] = { CARVE_BIN, "log", plan, "--phase", "mail", "--status", "ok", "--format",
			      "csv", NULL };
	r = t_run(log, NULL);
	cr_assert(strstr(r.out, "\"\"source_mail_user\"\":true"), "%s%s", r.out, r.err);
	t_result_done(&r);
	for (int u = 1; u <= (int)N_HOSTS; u++) {
		char who[32];
		snprintf(who, sizeof(who), "\"user\":\"u-%02d\"", u);
		cr_assert_eq(t_lab_journal_count(&lab, "\"event\":\"move\"", who,
						 "\"result\":\"started\"", NULL), 1, "u-%02d", u);
	}
}

/* Milliseconds of the day of a journal line's "time" (RFC 3339 UTC). */
static double journal_ms(const char *line)
{
	const char *t = strstr(line, "\"time\":\"");
	int h, m;
	double s;

	cr_assert(t && sscanf(t + 8 + 11, "%d:%d:%lfZ", &h, &m, &s) == 3, "%s", line);
	return ((h * 60 + m) * 60 + s) * 1000;
}

/* Asking how the moves go costs Exchange a cmdlet a mailbox: with
 * hundreds of moves a poll outlasts poll_interval, and carve then waits as
 * long as the last poll took, keeping the mail server's session busy half
 * the time at most (issue 15).  Here three mailboxes at 200 ms a cmdlet
 * make a poll of 600 ms against the plan's 300 ms: the polls start 1.2 s
 * apart at least (more on a loaded machine, never less). */
Test(mail_source, a_slow_poll_is_followed_by_as_long_a_wait)
{
	char *text = t_read_file(lab.fixture, NULL), *at = strstr(text, "move_rate: 2GiB }");
	carve_buf b = CARVE_BUF_INIT;

	cr_assert_not_null(at, "%s", text);
	carve_buf_puts(&b, "costs: { exchange_cmdlet: 200ms }\n");
	carve_buf_put(&b, text, (size_t)(at - text));
	carve_buf_puts(&b, "move_rate: 15MiB }"); /* 50 MiB: over 3 s a move */
	carve_buf_puts(&b, at + strlen("move_rate: 2GiB }"));
	t_write_file(lab.fixture, carve_buf_cstr(&b));
	carve_buf_done(&b);
	free(text);
	t_lab_start(&lab);
	t_result r = mail(NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	t_result_done(&r);

	/* the polls: the phase's first (what to start), then the moves', each
	 * after a rest as long as the last took */
	double at_ms[64];
	size_t n = 0;
	text = t_read_file(lab.journal, NULL);
	for (char *line = strtok(text, "\n"); line && n < 64; line = strtok(NULL, "\n"))
		if (strstr(line, "\"event\":\"command\"") && strstr(line, "Get-MoveRequestStatistics"))
			at_ms[n++] = journal_ms(line);
	free(text);
	cr_assert_geq(n, 4, "%zu polls", n);
	for (size_t k = 1; k < n; k++)
		cr_assert_geq(at_ms[k] - at_ms[k - 1], 2 * 600 - 20, "polls %zu and %zu %.0f ms apart",
			      k - 1, k, at_ms[k] - at_ms[k - 1]);
}
