/*
 * model.c - names of the domain's enumerations, shared by every front end.
 */
#include "internal.h"

#include <string.h>

static const char *const os_names[CARVE_OS__COUNT] = {
	"xp", "vista", "7", "8", "10", "11",
};

static const char *const phase_names[CARVE_PHASE__COUNT] = {
	"inventory", "preflight", "restart", "workstations",
	"mail", "clients", "teardown",
};

static const char *const status_names[CARVE_STATUS__COUNT] = {
	"pending", "running", "ok", "warn",
	"failed", "blocked", "skipped", "interrupted",
};

const char *carve_os_name(carve_os os)
{
	return (unsigned)os < CARVE_OS__COUNT ? os_names[os] : "?";
}

const char *carve_phase_name(carve_phase p)
{
	return (unsigned)p < CARVE_PHASE__COUNT ? phase_names[p] : "?";
}

const char *carve_status_name(carve_status s)
{
	return (unsigned)s < CARVE_STATUS__COUNT ? status_names[s] : "?";
}

static int parse_name(int *out, const char *const *names, int n,
		      const char *what, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (name && strcmp(names[i], name) == 0) {
			*out = i;
			return 0;
		}
	}
	return carve_error_set(CARVE_ENOTFOUND, "unknown %s '%s'", what,
			       name ? name : "");
}

int carve_phase_parse(carve_phase *out, const char *name)
{
	int v = 0, err = parse_name(&v, phase_names, CARVE_PHASE__COUNT, "phase", name);
	if (!err)
		*out = (carve_phase)v;
	return err;
}

int carve_status_parse(carve_status *out, const char *name)
{
	int v = 0, err = parse_name(&v, status_names, CARVE_STATUS__COUNT, "status", name);
	if (!err)
		*out = (carve_status)v;
	return err;
}

const char *carve_exec_role_name(carve_exec_role role)
{
	switch (role) {
	case CARVE_ROLE_ADMT: return "admt";
	case CARVE_ROLE_MAIL: return "mail";
	case CARVE_ROLE_MANAGEMENT: return "management";
	}
	return "?";
}

const char *carve_auth_name(carve_auth auth)
{
	switch (auth) {
	case CARVE_AUTH_PASSWORD: return "password";
	case CARVE_AUTH_GSSAPI: return "gssapi";
	case CARVE_AUTH_KEY: return "key";
	case CARVE_AUTH_AGENT: return "agent";
	}
	return "?";
}

bool carve_auth_delegates(carve_auth auth)
{
	return auth == CARVE_AUTH_PASSWORD || auth == CARVE_AUTH_GSSAPI;
}

const char *carve_teardown_verify_name(carve_teardown_verify v)
{
	switch (v) {
	case CARVE_VERIFY_NONE: return "none";
	case CARVE_VERIFY_MAILBOXES: return "mailboxes";
	case CARVE_VERIFY_WORKSTATIONS: return "workstations";
	case CARVE_VERIFY_MX: return "mx";
	case CARVE_VERIFY_AUTODISCOVER: return "autodiscover";
	}
	return "?";
}
