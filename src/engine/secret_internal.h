/*
 * secret_internal.h - the engine's side of the password store: borrowing a
 * password for a logon or a credential, and the logon gate (secret.c).
 */
#ifndef CARVE_SECRET_INTERNAL_H
#define CARVE_SECRET_INTERNAL_H

#include "internal.h"

#include <pthread.h>

typedef enum {
	GATE_UNTRIED, /* no logon with this password has said anything yet */
	GATE_TRYING,  /* one is under way: the others wait for it */
	GATE_GOOD,    /* a host accepted it */
	GATE_REFUSED, /* a host refused it: never tried again this run */
} gate_state;

struct carve_logon_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	gate_state state;
	char refused_by[160]; /* "CONTOSO\svc@10.0.0.5:22" */
};

typedef enum {
	LOGON_ACCEPTED,
	LOGON_DENIED,  /* the host refused the credential */
	LOGON_UNKNOWN, /* the logon ended some other way (timeout, network) */
} logon_outcome;

/* The plan's password store, made when the plan is assembled and wiped by
 * carve_plan_free. */
int secret_store_init(carve_plan *plan);
void secret_store_done(carve_plan *plan);

/* account's password, NUL-terminated, *len bytes; NULL when it has none.
 * Borrowed from the plan's locked store: never copy it anywhere else. */
const char *plan_password(const carve_plan *plan, size_t account, size_t *len);
carve_logon_gate *plan_logon_gate(const carve_plan *plan, size_t account);

/*
 * Before a password logon.  Returns 0 to go ahead, with *first set when
 * this logon decides for the others (it must call logon_gate_leave);
 * CARVE_EAUTH when a host refused the password earlier (the message says
 * which, never the password); CARVE_ECANCELED.  Waits at most wait_ms for
 * a first logon under way, then goes ahead anyway.  g may be NULL.
 */
int logon_gate_enter(carve_logon_gate *g, bool *first, uint32_t wait_ms,
		     carve_cancel *cancel, const char *label);
/* After it: what the host said (where: "user@host:port"). */
void logon_gate_leave(carve_logon_gate *g, bool first, logon_outcome outcome,
		      const char *where);

#endif
