/*
 * paths.c - where carve keeps its files when the plan does not say, after
 * the XDG base directories.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* $<env>/carve/<leaf>; else ~/<home_dir>/carve/<leaf>; else, without a
 * home, <no_home>/carve/<leaf>.  Owned. */
static char *xdg_path(const char *env, const char *home_dir, const char *no_home,
		      const char *leaf)
{
	const char *dir = getenv(env), *home = getenv("HOME");
	carve_buf b = CARVE_BUF_INIT;

	if (dir && dir[0] == '/')
		carve_buf_puts(&b, dir);
	else if (home && home[0] == '/')
		carve_buf_printf(&b, "%s/%s", home, home_dir);
	else
		carve_buf_puts(&b, no_home);
	carve_buf_printf(&b, "/carve/%s", leaf);
	if (b.failed) {
		carve_buf_done(&b);
		carve_error_oom();
		return NULL;
	}
	return b.ptr;
}

/* <state>/carve/<plan file stem>.db */
char *carve_audit_default_path(const carve_plan *plan)
{
	const carve_site *site = carve_plan_site(plan);
	const char *path = carve_plan_path(plan), *base;

	if (site->database)
		return strdup(site->database);
	/* A plan loaded from memory has no file name to take a stem from. */
	base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path ? path : "plan";
	size_t stem = strlen(base);
	const char *ext = strrchr(base, '.');
	if (ext && ext != base && (!strcmp(ext, ".yaml") || !strcmp(ext, ".yml")))
		stem = (size_t)(ext - base);
	char leaf[512];
	snprintf(leaf, sizeof(leaf), "%.*s.db", (int)(stem < 400 ? stem : 400), base);
	return xdg_path("XDG_STATE_HOME", ".local/state", "/tmp/.local/state", leaf);
}

char *carve_config_path(const char *leaf)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "/etc", leaf);
}

char *carve_known_hosts_default_path(void)
{
	return carve_config_path("known_hosts");
}
