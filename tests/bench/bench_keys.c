/*
 * bench_keys - the console's key-to-screen latency while the engine has
 * many sessions in flight: the real carve runs as the lead on a
 * pseudo-terminal (160x50) with a 500-machine chunk of carve-lab under way
 * at 500 sessions at once; a key that moves the grid's cursor is sent, and
 * the time until the terminal shows the line naming the new cell is taken
 * (the bytes carve writes are played on a VT100 model, vt.h).
 * Prints the median and 95th percentile against the 50 ms target, and
 * against the same measure of less, paging a file on a terminal of its own
 * beside carve through the same seconds: the floor of key-to-screen on this
 * machine under this load.
 *
 * Then the console shows the log (L) and the time from an outcome being
 * logged to its line (its "#seq") showing on the terminal is taken for every
 * outcome of the next seconds: a reader polls the database every 2 ms, so
 * an outcome counts as logged up to that much late.  Outcomes that scroll
 * past within one frame never reach the screen and are counted apart.
 * Against the 200 ms target.
 *
 * With "preflight", the keys are sent from the moment the console starts,
 * while the chunk's pre-flight runs (issue 15: through the management
 * host for its XP machines, on the lab's costs), and the bench says how
 * many pre-flight results were logged before the first key, by the last
 * and after it: results after the last key mean every key was timed while
 * the pre-flight ran.
 *
 *   bench_keys [MACHINES [KEYS [preflight]]]   (default 500 machines, 200 keys)
 */
#define _GNU_SOURCE
#include "bench.h"
#include "carve.h"
#include "sshd.h"
#include "vt.h"

#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmp.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t seen = PTHREAD_COND_INITIALIZER;

/* A program on a pseudo-terminal, and what its screen shows. */
typedef struct {
	int master;
	pid_t pid;
	vt screen;
	pthread_t drainer;
	bool seqs;           /* carve's log: note when each #seq shows */
	const char *awaited; /* the text the screen must show next */
	int awaited_row;     /* on that row, or -1 for any */
	bool found;
} term;

/* When each event's line ("#seq") first showed on carve's screen, and
 * when the reader saw it logged (ms; 0: not yet), by seq. */
#define MAX_SEQ (1 << 20)
static double *shown_at, *logged_at;

/* Every whole "#seq" on the screen. */
static void note_shown(const term *t, double at)
{
	for (int r = 0; r < VT_ROWS; r++)
		for (const char *p = t->screen.cell[r]; (p = strchr(p, '#')); p++) {
			char *end;
			long seq = strtol(p + 1, &end, 10);
			if (end > p + 1 && *end == ' ' && seq > 0 && seq < MAX_SEQ && !shown_at[seq])
				shown_at[seq] = at;
		}
}

static bool on_screen(const term *t)
{
	for (int r = 0; r < VT_ROWS; r++)
		if ((t->awaited_row < 0 || r == t->awaited_row) && strstr(t->screen.cell[r], t->awaited))
			return true;
	return false;
}

static void *drain(void *arg)
{
	term *t = arg;
	char buf[65536];
	ssize_t got;

	while ((got = read(t->master, buf, sizeof(buf))) > 0) {
		pthread_mutex_lock(&lock);
		vt_write(&t->screen, buf, (size_t)got);
		if (t->seqs)
			note_shown(t, now_ms());
		if (t->awaited && !t->found && on_screen(t)) {
			t->found = true;
			pthread_cond_broadcast(&seen);
		}
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* Runs argv on a new 160x50 pseudo-terminal with env (NAME=VALUE, NULL
 * ended) and starts watching its screen. */
static int term_start(term *t, char *const argv[], const char *const env[])
{
	struct winsize ws = { VT_ROWS, VT_COLS, 0, 0 };

	vt_init(&t->screen);
	t->pid = forkpty(&t->master, NULL, NULL, &ws);
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		for (size_t i = 0; env[i]; i++)
			putenv((char *)env[i]);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pthread_create(&t->drainer, NULL, drain, t) == 0 ? 0 : -1;
}

static void term_stop(term *t)
{
	kill(t->pid, SIGTERM);
	waitpid(t->pid, NULL, 0);
	close(t->master);
	pthread_join(t->drainer, NULL);
}

/* Sends key and waits (up to 2 s) for text on row (-1: any): the ms it
 * took, or -1 when it never showed. */
static double key_to_screen(term *t, const char *key, const char *text, int row)
{
	struct timespec until;

	pthread_mutex_lock(&lock);
	t->awaited = text;
	t->awaited_row = row;
	t->found = false;
	double t0 = now_ms();
	if (write(t->master, key, strlen(key)) != (ssize_t)strlen(key)) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	while (!t->found && pthread_cond_timedwait(&seen, &lock, &until) == 0)
		;
	double ms = t->found ? now_ms() - t0 : -1;
	t->awaited = NULL;
	pthread_mutex_unlock(&lock);
	return ms;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int take_logged(const carve_event_row *row, void *ctx)
{
	int64_t *last = ctx;

	if (row->seq < MAX_SEQ) {
		pthread_mutex_lock(&lock);
		logged_at[row->seq] = now_ms();
		pthread_mutex_unlock(&lock);
	}
	*last = row->seq;
	return 0;
}

static int count_row(const carve_event_row *row, void *ctx)
{
	(void)row;
	++*(size_t *)ctx;
	return 0;
}

/* How many pre-flight results the log holds now. */
static size_t preflight_logged(const char *db)
{
	carve_audit_options o = CARVE_AUDIT_OPTIONS_INIT;
	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	carve_audit *audit = NULL;
	size_t n = 0;

	o.read_only = true;
	f.phase = "preflight";
	if (carve_audit_open(&audit, db, &o) == 0)
		carve_audit_query(audit, &f, count_row, &n);
	carve_audit_free(audit);
	return n;
}

/* The log view: every outcome from logged to on the terminal. */
static void outcomes(term *carve, const char *db)
{
	carve_audit_options o = CARVE_AUDIT_OPTIONS_INIT;
	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	carve_audit *audit = NULL;
	size_t count = 0, missed = 0;

	o.read_only = true;
	if (write(carve->master, "L", 1) != 1 || carve_audit_open(&audit, db, &o) < 0)
		return;
	usleep(300 * 1000);
	carve_audit_query(audit, &f, take_logged, &f.after_seq); /* what was there */
	int64_t from = f.after_seq;
	for (double until = now_ms() + 8000; now_ms() < until;) {
		carve_audit_query(audit, &f, take_logged, &f.after_seq);
		usleep(2000);
	}
	usleep(500 * 1000); /* the last outcomes' frames */
	double *ms = calloc((size_t)(f.after_seq - from) + 1, sizeof(double));
	pthread_mutex_lock(&lock);
	for (int64_t seq = from + 1; ms && seq <= f.after_seq && seq < MAX_SEQ; seq++) {
		if (!shown_at[seq])
			missed++;
		else
			ms[count++] = shown_at[seq] > logged_at[seq] ? shown_at[seq] - logged_at[seq] : 0;
	}
	pthread_mutex_unlock(&lock);
	if (count) {
		qsort(ms, count, sizeof(double), cmp);
		printf("  outcome to screen (log view): median %.1f ms, p95 %.1f ms, max %.1f ms over"
		       " %zu outcomes in 8 s (%.2fx the 200 ms target); %zu scrolled past within a"
		       " frame\n", ms[count / 2], ms[count * 95 / 100], ms[count - 1], count,
		       ms[count * 95 / 100] / 200.0, missed);
	} else {
		printf("  outcome to screen: no outcome was logged in 8 s\n");
	}
	free(ms);
	carve_audit_free(audit);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 500;
	int keys = argc > 2 ? atoi(argv[2]) : 200;
	bool during_preflight = argc > 3 && !strcmp(argv[3], "preflight");
	char dir[] = "/tmp/carve-bench-keys.XXXXXX", plan[256], db[256], fixture[256], kh[256];
	pid_t lab;

	if (!mkdtemp(dir) || keys < 10)
		return 1;
	/* n sessions at once; the management host keeps its 32 for the
	 * pre-flight, as a real one would */
	if (t_sh("%s --generate %lu --chunks 1 --asleep 0 --failing 0 --base-port 22000 --out %s"
		 " >/dev/null && sed -i 's/^  concurrency: 64/  concurrency: %lu/;"
		 " s/concurrency: 32 }/concurrency: %lu }/' %s/lab-site.yaml", CARVE_LAB_BIN, n, dir,
		 n, during_preflight ? 32 : n, dir) != 0)
		return 1;
	snprintf(plan, sizeof(plan), "%s/lab-site.yaml", dir);
	snprintf(db, sizeof(db), "%s/audit.db", dir);
	snprintf(fixture, sizeof(fixture), "%s/lab-fixture.yaml", dir);
	snprintf(kh, sizeof(kh), "%s/.lab/known_hosts", dir);
	if ((lab = fork()) == 0) {
		int out = open("/dev/null", O_WRONLY);
		dup2(out, 1);
		/* The lab does on these two cores what 500 machines would do on
		 * their own: it gives way to carve, as they would not be here. */
		if (nice(10) < 0)
			perror("nice");
		execl(CARVE_LAB_BIN, "carve-lab", "--fixture", fixture, "--known-hosts", kh,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600 && access(kh, R_OK) != 0; i++)
		usleep(50 * 1000);
	usleep(500 * 1000);

	/* The real console, as the lead, with the chunk started; beside it
	 * the peer, less on a file of numbered lines, under the same load. */
	/* The lab's passwords on a descriptor the console inherits. */
	char pw_fd[16];
	snprintf(pw_fd, sizeof(pw_fd), "%d", bench_passwords_fd(dir));
	char lines[300], *carve_argv[] = { CARVE_BIN, "--run", "wave1-finance", "--db", db,
					   "--password-fd", pw_fd, plan, NULL };
	char *less_argv[] = { "less", lines, NULL };
	static const char *const env[] = { "TERM=xterm-256color", "LANG=C.UTF-8", "LESS=",
					   NULL };
	term carve = { .seqs = true }, less = { 0 };
	snprintf(lines, sizeof(lines), "%s/lines.txt", dir);
	shown_at = calloc(MAX_SEQ, sizeof(*shown_at));
	logged_at = calloc(MAX_SEQ, sizeof(*logged_at));
	if (!shown_at || !logged_at ||
	    t_sh("seq -f 'line %%05g of a file less pages through' 1 1000 > %s", lines) != 0 ||
	    term_start(&carve, (char *const *)carve_argv, (const char *const *)env) < 0)
		return 1;
	bool peer = term_start(&less, (char *const *)less_argv, (const char *const *)env) == 0;
	size_t before = 0, by_last = 0;
	if (during_preflight) {
		/* its first frame drawn, the pre-flight under way */
		key_to_screen(&carve, "", "finance", -1);
		before = preflight_logged(db);
	} else {
		sleep(3); /* the pre-flight is over: restarts and their polls in flight */
	}

	/* Keys to each in turn: l and h move carve's cursor between two cells
	 * (the line under the grid names the cell), j and k scroll less by a
	 * line (its top line names it). */
	double *ms = calloc((size_t)keys, sizeof(double)), *peer_ms = calloc((size_t)keys, sizeof(double));
	int lost = 0, peer_lost = 0;
	for (int k = 0; ms && peer_ms && k < keys; k++) {
		ms[k] = key_to_screen(&carve, k % 2 ? "h" : "l",
				      k % 2 ? "finance inventory" : "finance preflight", -1);
		if (peer)
			peer_ms[k] = key_to_screen(&less, k % 2 ? "k" : "j",
						   k % 2 ? "line 00001" : "line 00002", 0);
		/* One that never showed counts as the 2 s waited for it. */
		if (ms[k] < 0) {
			lost++;
			ms[k] = 2000;
		}
		if (peer && peer_ms[k] < 0) {
			peer_lost++;
			peer_ms[k] = 2000;
		}
		usleep(20 * 1000);
	}
	if (during_preflight) {
		by_last = preflight_logged(db);
		sleep(2);
	}
	qsort(ms, (size_t)keys, sizeof(double), cmp);
	qsort(peer_ms, (size_t)keys, sizeof(double), cmp);
	printf("bench_keys: %lu machines, %lu sessions at once, carve as the lead on a pty\n", n, n);
	if (during_preflight) {
		size_t after = preflight_logged(db);
		printf("  keys during the pre-flight: %zu results logged before the first key, %zu by"
		       " the last, %zu more after it%s\n", before, by_last, after - by_last,
		       after > by_last ? " (every key was timed while it ran)"
				       : " (it ended before the last key)");
	}
	printf("  key to screen: median %.1f ms, p95 %.1f ms, max %.1f ms over %d keys"
	       " (%.2fx the 50 ms target)%s\n", ms[keys / 2], ms[keys * 95 / 100], ms[keys - 1],
	       keys, ms[keys * 95 / 100] / 50.0, lost ? "; some keys never showed" : "");
	if (peer)
		printf("  less, same load: median %.1f ms, p95 %.1f ms, max %.1f ms"
		       " (carve's p95 %.2fx less's)%s\n", peer_ms[keys / 2], peer_ms[keys * 95 / 100],
		       peer_ms[keys - 1], ms[keys * 95 / 100] / peer_ms[keys * 95 / 100],
		       peer_lost ? "; some keys never showed" : "");
	else
		printf("  less: not run (is it installed?)\n");

	outcomes(&carve, db);

	term_stop(&carve);
	if (peer)
		term_stop(&less);
	free(peer_ms);
	kill(lab, SIGTERM);
	waitpid(lab, NULL, 0);
	t_sh("rm -rf %s", dir);
	free(ms);
	free(shown_at);
	free(logged_at);
	return 0;
}
