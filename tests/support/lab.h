/*
 * lab.h - carve-lab for the tests: a fixture written from a template, the
 * lab started on it, its journal read back.
 */
#ifndef CARVE_TEST_LAB_H
#define CARVE_TEST_LAB_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
	char *dir;          /* temporary directory (owned) */
	char *fixture;      /* dir/fixture.yaml */
	char *journal;      /* dir/journal.jsonl */
	char *known_hosts;  /* dir/known_hosts, written by the lab */
	char *client_key;   /* dir/client, the key the lab accepts */
	pid_t pid;
} t_lab;

/* Makes the directory and the client key pair (client, client.pub). */
void t_lab_init(t_lab *lab);
/* Starts carve-lab on lab->fixture and waits for "ready". */
void t_lab_start(t_lab *lab);
/* Sends SIGHUP and waits until the journal shows the reload. */
void t_lab_reload(t_lab *lab);
/* Stops the lab and removes the directory. */
void t_lab_done(t_lab *lab);
/* How many journal lines hold every one of the given fragments (NULL-ended). */
int t_lab_journal_count(const t_lab *lab, ...);

#endif
