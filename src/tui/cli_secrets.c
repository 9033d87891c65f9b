/*
 * cli_secrets.c - the passwords a command will log on with, gathered before
 * it starts: each account's password_file, then --password-fd, then one
 * prompt per account still without one on the terminal (/dev/tty), without
 * echo.  What is typed goes from read() into locked memory, is handed to
 * the plan and wiped.  Without a terminal a missing password is an error
 * before anything is connected or logged.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

enum { TYPED_MAX = 1024 };

/* What the signal handlers need to give the terminal its echo back. */
static volatile sig_atomic_t prompt_tty = -1;
static struct termios prompt_saved;

static void restore_and_die(int sig)
{
	int fd = prompt_tty;

	if (fd >= 0) {
		tcsetattr(fd, TCSAFLUSH, &prompt_saved);
		(void)!write(fd, "\n", 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int prompt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* Reads one line without echo into s: *len bytes, newline dropped.
 * Returns EXIT_DONE, or EXIT_USAGE after saying why. */
static int read_hidden(carve_secret *s, size_t *len, int tty, const char *prompt)
{
	struct sigaction act = { .sa_handler = restore_and_die }, old[4], old_tstp;
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	struct termios quiet;
	char *buf = carve_secret_bytes(s);
	size_t cap = carve_secret_cap(s), n = 0;
	bool line = false, too_long = false;

	*len = 0;
	if (tcgetattr(tty, &prompt_saved) < 0) {
		fprintf(stderr, "carve: cannot turn echo off on the terminal: %s\n",
			strerror(errno));
		return EXIT_RUNTIME;
	}
	quiet = prompt_saved;
	quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON | ISIG;
	prompt_tty = tty;
	for (size_t i = 0; i < 4; i++)
		sigaction(prompt_signals[i], &act, &old[i]);
	sigaction(SIGTSTP, &ignore, &old_tstp); /* no shell with echo off */
	tcsetattr(tty, TCSAFLUSH, &quiet);
	if (write(tty, prompt, strlen(prompt)) < 0)
		line = true; /* nothing to read from a terminal we cannot write */
	while (!line) {
		char c;
		ssize_t got = read(tty, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || c == '\n')
			break;
		if (n < cap)
			buf[n++] = c;
		else
			too_long = true;
	}
	tcsetattr(tty, TCSAFLUSH, &prompt_saved);
	(void)!write(tty, "\n", 1); /* the newline the user typed was not echoed */
	prompt_tty = -1;
	for (size_t i = 0; i < 4; i++)
		sigaction(prompt_signals[i], &old[i], NULL);
	sigaction(SIGTSTP, &old_tstp, NULL);
	if (n && buf[n - 1] == '\r')
		n--;
	if (too_long || n == 0) {
		fprintf(stderr, "carve: %s\n", too_long ? "that password is too long"
							: "no password given");
		return EXIT_USAGE;
	}
	*len = n;
	return EXIT_DONE;
}

/* Asks for the password of missing[i] and gives it to every missing
 * account with the same user: one prompt per distinct account. */
static int ask(carve_plan *plan, int tty, const size_t *missing, bool *done, size_t n, size_t i)
{
	const carve_account *a = carve_plan_accounts(plan, NULL);
	const char *user = a[missing[i]].user;
	carve_secret *s = NULL;
	size_t len = 0, names = 0;
	char text[512];
	int status, err;

	for (size_t j = i; j < n; j++)
		names += !done[j] && strcasecmp(a[missing[j]].user, user) == 0;
	int k = snprintf(text, sizeof(text), "Password for %s (account%s", user,
			 names > 1 ? "s" : "");
	for (size_t j = i, first = 1; j < n && k > 0 && (size_t)k < sizeof(text); j++)
		if (!done[j] && strcasecmp(a[missing[j]].user, user) == 0) {
			k += snprintf(text + k, sizeof(text) - (size_t)k, "%s %s",
				      first ? "" : ",", a[missing[j]].name);
			first = 0;
		}
	if (k > 0 && (size_t)k < sizeof(text))
		snprintf(text + k, sizeof(text) - (size_t)k, "): ");
	if ((err = carve_secret_new(&s, TYPED_MAX)) < 0)
		return cli_engine_error(err);
	status = read_hidden(s, &len, tty, text);
	for (size_t j = i; status == EXIT_DONE && j < n; j++) {
		if (done[j] || strcasecmp(a[missing[j]].user, user) != 0)
			continue;
		if ((err = carve_plan_set_password(plan, missing[j], carve_secret_bytes(s), len)) < 0)
			status = cli_engine_error(err);
		done[j] = true;
	}
	carve_secret_free(s);
	return status;
}

static int refuse(const carve_plan *plan, const size_t *missing, size_t n)
{
	const carve_account *a = carve_plan_accounts(plan, NULL);

	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "carve: account %s (%s) needs a password: run carve on a "
			"terminal, or give it with --password-fd or a password_file\n",
			a[missing[i]].name, a[missing[i]].user);
	return EXIT_USAGE;
}

int cli_gather_passwords(carve_plan *plan, int fd, carve_work work)
{
	size_t n, *missing = NULL;
	bool *done = NULL;
	int status = EXIT_DONE, err, tty = -1;

	if ((err = carve_plan_read_password_files(plan)) < 0 ||
	    (fd >= 0 && (err = carve_plan_read_passwords_fd(plan, fd)) < 0)) {
		if (fd >= 0)
			close(fd);
		return cli_engine_error(err);
	}
	if (fd >= 0)
		close(fd);
	if ((n = carve_plan_missing_passwords(NULL, 0, plan, work)) == 0)
		goto done;
	missing = calloc(n, sizeof(*missing));
	done = calloc(n, sizeof(*done));
	if (!missing || !done) {
		status = cli_engine_error(CARVE_ENOMEM);
		goto done;
	}
	carve_plan_missing_passwords(missing, n, plan, work);
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (tty < 0) {
		status = refuse(plan, missing, n);
		goto done;
	}
	for (size_t i = 0; i < n && status == EXIT_DONE; i++)
		if (!done[i])
			status = ask(plan, tty, missing, done, n, i);
done:
	if (status == EXIT_DONE && !carve_plan_passwords_locked(plan))
		fprintf(stderr, "carve: warning: the passwords could not be locked in memory "
			"(RLIMIT_MEMLOCK, see ulimit -l): they are kept out of core dumps, "
			"but may be swapped out\n");
	if (tty >= 0)
		close(tty);
	free(missing);
	free(done);
	return status;
}

int cli_password_fd(int *fd, const char *cmd, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg < '0' || *arg > '9' || *end || v > 1024 * 1024)
		return cli_usage_error(cmd, "--password-fd needs a file descriptor number, "
				       "not '%s'", arg);
	if (fcntl((int)v, F_GETFD) < 0)
		return cli_usage_error(cmd, "--password-fd %ld: no such open file descriptor", v);
	*fd = (int)v;
	return EXIT_DONE;
}
