/*
 * screen.c - see screen.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "screen.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char socket_name[64], *capture_dir;

void t_screen_init(const char *dir)
{
	snprintf(socket_name, sizeof(socket_name), "carve-test-%d", (int)getpid());
	capture_dir = strdup(dir);
}

void t_screen_done(void)
{
	t_tmux("kill-server");
	free(capture_dir);
	capture_dir = NULL;
}

void t_tmux(const char *fmt, ...)
{
	char args[2048], *cmd;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	cr_assert(asprintf(&cmd, "tmux -L %s %s >/dev/null 2>&1", socket_name, args) > 0);
	int rc = system(cmd);
	(void)rc; /* kill-server on a dead server fails, and that is fine */
	free(cmd);
}

void t_screen_start(const char *name, int cols, int rows, const char *env, const char *args)
{
	t_tmux("new-session -d -s %s -x %d -y %d '%s %s %s;"
	       " echo carve exited with status $?; sleep 60'", name, cols, rows, env, CARVE_BIN,
	       args);
}

char *t_screen(const char *name, bool escapes)
{
	char *cmd, *path = t_path(capture_dir, "screen.txt");

	cr_assert(asprintf(&cmd, "tmux -L %s capture-pane -p %s -t %s > %s 2>/dev/null",
			   socket_name, escapes ? "-e" : "", name, path) > 0);
	char *text = system(cmd) == 0 ? t_read_file(path, NULL) : NULL;
	free(cmd);
	free(path);
	return text;
}

void t_pause_ms(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000 * 1000 }, NULL);
}

char *t_screen_wait(const char *name, const char *text)
{
	char *s = NULL, *again = NULL;

	for (int i = 0; i < 300; i++) {
		free(s);
		s = t_screen(name, false);
		if (s && strstr(s, text)) {
			t_pause_ms(30);
			again = t_screen(name, false);
			if (again && strcmp(again, s) == 0) {
				free(again);
				return s;
			}
			free(again);
		}
		t_pause_ms(30);
	}
	cr_assert_fail("'%s' never appeared on %s's screen:\n%s", text, name, s ? s : "");
	return s;
}
