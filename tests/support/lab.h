/*
 * lab.h - carve-lab for the tests: a fixture written from a template, the
 * lab started on it, its journal read back.
 */
#ifndef CARVE_TEST_LAB_H
#define CARVE_TEST_LAB_H

#include "carve.h"

#include <stdbool.h>
#include <sys/types.h>

/* The lab's accounts in every test site: the migrator the exec hosts log
 * on as and the source organisation's account, each with a known test
 * password, and the key account for the machines reached directly. */
#define T_LAB_MIGRATOR_PASSWORD "Mig-Pw-8fQ2zK7wLx"
#define T_LAB_SOURCE_PASSWORD "Src-Pw-3vN9hT5cRm"
#define T_LAB_KEY_USER "FABRIKAM\\carve-ws"

/* The fixture's accounts: list, with the passwords' SHA-256 (static). */
const char *t_lab_fixture_accounts(void);
/* The plan's accounts: list (key_file: client, next to the plan). */
extern const char t_lab_plan_accounts[];
/* "migrator:...\nsource:...\n", as --password-fd reads it. */
extern const char t_lab_passwords[];
/* Gives a loaded plan the passwords, as the engine-level tests do. */
void t_lab_plan_passwords(carve_plan *plan);

typedef struct {
	char *dir;          /* temporary directory (owned) */
	char *fixture;      /* dir/fixture.yaml */
	char *journal;      /* dir/journal.jsonl */
	char *known_hosts;  /* dir/known_hosts, written by the lab */
	char *client_key;   /* dir/client, the key the lab accepts */
	char *passwords;    /* dir/passwords (0600): t_lab_passwords */
	pid_t pid;
} t_lab;

/* Makes the directory and the client key pair (client, client.pub). */
void t_lab_init(t_lab *lab);
/* Starts carve-lab on lab->fixture and waits for "ready". */
void t_lab_start(t_lab *lab);
/* The same, false (the lab gone) when it did not get ready, as when a port
 * it was to listen on was taken meanwhile. */
bool t_lab_try_start(t_lab *lab);
/* Sends SIGHUP and waits until the journal shows the reload. */
void t_lab_reload(t_lab *lab);
/* Stops the lab and removes the directory. */
void t_lab_done(t_lab *lab);
/* How many journal lines hold every one of the given fragments (NULL-ended). */
int t_lab_journal_count(const t_lab *lab, ...);
/* How many journal lines of event have "key":"who" and hold what. */
int t_lab_journal_about(const t_lab *lab, const char *key, const char *who,
			const char *event, const char *what);

/* A side effect the lab journals (a line with "event":"<event>" and the
 * fragment), its object in the line's <key> field, and the step of carve's
 * that does it. */
typedef struct {
	const char *event, *fragment, *key, *phase, *step;
} t_side_effect;
extern const t_side_effect t_side_effects[]; /* ends with a NULL event */

/* Asserts that every side effect in the lab's journal has its step's
 * "running" event in the audit log (lab->dir/audit.db) dated no later:
 * carve logged it before sending the command.  Counts them per kind into
 * seen (may be NULL); returns how many were checked. */
int t_lab_check_logged_first(const t_lab *lab, int *seen);

/* Starts "carve run PLAN --chunk CHUNK" in the background, the lab's
 * passwords on its descriptor 3, in a session of its own, standard output
 * to out and standard error to err (NULL: /dev/null; the same path for
 * both: both there).  It dies with the test; wait for it with waitpid. */
pid_t t_lab_run_start(const t_lab *lab, const char *plan, const char *chunk, const char *out,
		      const char *err);
/* The same for any "carve ARGS... --password-fd 3" (args NULL-ended). */
pid_t t_lab_carve_start(const t_lab *lab, const char *const *args, const char *out,
			const char *err);

/* The current state of object in step (its chunk's), from the audit log
 * carve wrote in lab->dir/audit.db. */
typedef struct {
	bool found;
	carve_status status;
	char diagnosis[1024];
	char evidence[4096];
} t_state;
t_state t_lab_state(const t_lab *lab, const char *chunk, const char *object, const char *step);

/* A machine of a migration site: its lab host, its plan entry, its user. */
typedef struct {
	const char *name;
	const char *os;       /* "10", "7" or "xp" (xp is asked through MGMT01) */
	const char *chunk;
	const char *user;     /* its user (each user has a mailbox), or NULL */
	unsigned outlook;     /* 0, 2003 or 2010 */
	const char *fixture;  /* more lab host fields ("faults: {...}"), or "" */
	const char *mailbox;  /* more mailbox fields for its user, or "" */
	const char *activesync; /* the user's device, or NULL */
} t_site_host;

/* The ports of a site: MGMT01, ADMT01, E2E01, then one per host. */
typedef struct {
	int *port;
	size_t n;
} t_site_ports;

/*
 * Writes lab->fixture and returns the plan (dir/site.yaml, owned) for a
 * site with a management, an ADMT and a mail exec host and these machines,
 * timeouts cut to what the lab needs.  The first call picks free ports into
 * *ports; later calls (a fixture with other faults) keep them.  The audit
 * database is dir/audit.db.
 */
char *t_lab_write_site(t_lab *lab, t_site_ports *ports, const t_site_host *hosts, size_t n);

/* A suite's site: t_lab_init, t_lab_write_site into *plan, t_lab_start;
 * and the way back (the plan and the ports freed, the lab stopped). */
void t_lab_site_start(t_lab *lab, t_site_ports *ports, char **plan, const t_site_host *hosts,
		      size_t n);
void t_lab_site_stop(t_lab *lab, t_site_ports *ports, char **plan);

#endif
