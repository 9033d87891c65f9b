/*
 * lab.c - see lab.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "lab.h"
#include "support.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void t_lab_init(t_lab *lab)
{
	char *cmd;

	memset(lab, 0, sizeof(*lab));
	lab->pid = -1;
	lab->dir = t_tmpdir();
	lab->fixture = t_path(lab->dir, "fixture.yaml");
	lab->journal = t_path(lab->dir, "journal.jsonl");
	lab->known_hosts = t_path(lab->dir, "known_hosts");
	lab->client_key = t_path(lab->dir, "client");
	cr_assert(asprintf(&cmd, "ssh-keygen -q -t ed25519 -N '' -f %s", lab->client_key) > 0);
	cr_assert_eq(system(cmd), 0, "ssh-keygen failed");
	free(cmd);
}

void t_lab_start(t_lab *lab)
{
	int out[2];
	char line[512];
	bool ready = false;

	cr_assert_eq(pipe(out), 0);
	lab->pid = fork();
	if (lab->pid == 0) {
		/* A test that crashes must not leave its lab behind. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execl(CARVE_LAB_BIN, "carve-lab", "--fixture", lab->fixture, "--journal",
		      lab->journal, "--known-hosts", lab->known_hosts, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	FILE *f = fdopen(out[0], "r");
	while (!ready && fgets(line, sizeof(line), f))
		ready = strncmp(line, "ready", 5) == 0;
	cr_assert(ready, "carve-lab did not get ready");
	/* Drain its stdout so it never blocks; the drainer ends with the lab. */
	if (fork() == 0) {
		while (fgets(line, sizeof(line), f))
			;
		_exit(0);
	}
	fclose(f);
}

void t_lab_reload(t_lab *lab)
{
	int before = t_lab_journal_count(lab, "\"event\":\"reload\"", NULL);

	kill(lab->pid, SIGHUP);
	for (int i = 0; i < 250; i++) {
		if (t_lab_journal_count(lab, "\"event\":\"reload\",\"result\":\"ok\"", NULL) > before)
			return;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	cr_assert_fail("carve-lab did not reload");
}

void t_lab_done(t_lab *lab)
{
	if (lab->pid > 0) {
		kill(lab->pid, SIGTERM);
		waitpid(lab->pid, NULL, 0);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		; /* the stdout drainer */
	if (lab->dir)
		t_rm_rf(lab->dir);
	free(lab->dir);
	free(lab->fixture);
	free(lab->journal);
	free(lab->known_hosts);
	free(lab->client_key);
	memset(lab, 0, sizeof(*lab));
}

int t_lab_journal_count(const t_lab *lab, ...)
{
	char *text = t_read_file(lab->journal, NULL);
	int n = 0;

	for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		va_list ap;
		const char *frag;
		bool all = true;
		va_start(ap, lab);
		while (all && (frag = va_arg(ap, const char *)))
			all = strstr(line, frag) != NULL;
		va_end(ap);
		n += all;
	}
	free(text);
	return n;
}
