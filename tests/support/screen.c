/*
 * screen.c - see screen.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "screen.h"
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

static char socket_name[64], *capture_dir;
static pid_t reaper = -1;

/* tmux's server leaves its parent at once, so t_dies_with() cannot hold
 * it: a reaper does.  It waits for the test process to end and, should
 * t_screen_done() never run (a crash, Criterion's timeout), stops the
 * server and every console in it. */
static void start_reaper(void)
{
	pid_t self = getpid();
	sigset_t hup;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, NULL); /* waited for, not delivered */
	reaper = fork();
	if (reaper == 0) {
		int sig;
		prctl(PR_SET_PDEATHSIG, SIGHUP);
		if (getppid() == self)
			sigwait(&hup, &sig);
		execlp("tmux", "tmux", "-L", socket_name, "kill-server", (char *)NULL);
		_exit(127);
	}
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
}

void t_screen_init(const char *dir)
{
	snprintf(socket_name, sizeof(socket_name), "carve-test-%d", (int)getpid());
	capture_dir = strdup(dir);
	start_reaper();
}

void t_screen_done(void)
{
	t_tmux("kill-server");
	if (reaper > 0) {
		kill(reaper, SIGKILL);
		waitpid(reaper, NULL, 0);
		reaper = -1;
	}
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
	/* The shell outlives carve and leaves with its terminal.  It must not
	 * go first: carve's process group would be orphaned, and the kernel's
	 * SIGCONT to an orphaned group cancels the SIGSTOP with which
	 * LeakSanitizer's exit-time check stops carve, which then spins for
	 * ever (seen: a carve at 80%% of a core, its terminal long gone). */
	t_tmux("new-session -d -s %s -x %d -y %d 'trap \"\" HUP; %s %s %s;"
	       " echo carve exited with status $?; read -r _'", name, cols, rows, env, CARVE_BIN,
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

char *t_screen_title(const char *name)
{
	char *cmd, *path = t_path(capture_dir, "title.txt");

	cr_assert(asprintf(&cmd, "tmux -L %s display-message -p -t %s '#{pane_title}' > %s"
			   " 2>/dev/null", socket_name, name, path) > 0);
	char *text = system(cmd) == 0 ? t_read_file(path, NULL) : strdup("");
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
