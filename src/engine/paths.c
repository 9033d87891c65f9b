/*
 * paths.c - where carve keeps its files when the plan does not say.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* dir/carve/<stem>.db where dir is $XDG_STATE_HOME or ~/.local/state. */
char *carve_audit_default_path(const carve_plan *plan)
{
	const carve_site *site = carve_plan_site(plan);
	const char *path = carve_plan_path(plan);
	const char *base, *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	carve_buf b = CARVE_BUF_INIT;

	if (site->database)
		return strdup(site->database);

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t stem = strlen(base);
	for (const char *ext = strrchr(base, '.'); ext && ext != base; ext = NULL)
		if (!strcmp(ext, ".yaml") || !strcmp(ext, ".yml"))
			stem = (size_t)(ext - base);

	if (state && state[0] == '/')
		carve_buf_puts(&b, state);
	else
		carve_buf_printf(&b, "%s/.local/state", home && *home ? home : "/tmp");
	carve_buf_puts(&b, "/carve/");
	carve_buf_put(&b, base, stem);
	carve_buf_puts(&b, ".db");
	if (b.failed) {
		carve_buf_done(&b);
		carve_error_oom();
		return NULL;
	}
	return b.ptr;
}
