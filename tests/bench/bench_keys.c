/*
 * bench_keys - the console's key-to-screen latency while the engine has
 * many sessions in flight: the real carve runs as the lead on a
 * pseudo-terminal (160x50) with a 500-machine chunk of carve-lab under way
 * at 500 sessions at once; a key that moves the grid's cursor is sent, and
 * the time until the terminal shows the line naming the new cell is taken
 * (the bytes carve writes are played on a VT100 model, vt.h).
 * Prints the median and 95th percentile against the 50 ms target.
 *
 * Then the console shows the log (L) and the time from an outcome being
 * logged to its line (its "#seq") showing on the terminal is taken for every
 * outcome of the next seconds: a reader polls the database every 2 ms, so
 * an outcome counts as logged up to that much late.  Outcomes that scroll
 * past within one frame never reach the screen and are counted apart.
 * Against the 200 ms target.
 *
 *   bench_keys [MACHINES [KEYS]]     (default 500 machines, 200 keys)
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
static const char *awaited; /* the text the screen must show next */
static bool found;
static vt screen;           /* what the terminal shows */

/* When each event's line ("#seq") first showed on the screen, and when the
 * reader saw it logged (ms; 0: not yet), by seq. */
#define MAX_SEQ (1 << 20)
static double *shown_at, *logged_at;

/* Every whole "#seq" on the screen. */
static void note_shown(double at)
{
	for (int r = 0; r < VT_ROWS; r++)
		for (const char *p = screen.cell[r]; (p = strchr(p, '#')); p++) {
			char *end;
			long seq = strtol(p + 1, &end, 10);
			if (end > p + 1 && *end == ' ' && seq > 0 && seq < MAX_SEQ && !shown_at[seq])
				shown_at[seq] = at;
		}
}

static bool on_screen(const char *text)
{
	for (int r = 0; r < VT_ROWS; r++)
		if (strstr(screen.cell[r], text))
			return true;
	return false;
}

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];
	ssize_t got;

	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		pthread_mutex_lock(&lock);
		vt_write(&screen, buf, (size_t)got);
		note_shown(now_ms());
		if (awaited && !found && on_screen(awaited)) {
			found = true;
			pthread_cond_signal(&seen);
		}
		pthread_mutex_unlock(&lock);
	}
	return NULL;
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

/* The log view: every outcome from logged to on the terminal. */
static void outcomes(int master, const char *db)
{
	carve_audit_options o = CARVE_AUDIT_OPTIONS_INIT;
	carve_log_filter f = CARVE_LOG_FILTER_INIT;
	carve_audit *audit = NULL;
	size_t count = 0, missed = 0;

	o.read_only = true;
	if (write(master, "L", 1) != 1 || carve_audit_open(&audit, db, &o) < 0)
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
	char dir[] = "/tmp/carve-bench-keys.XXXXXX", plan[256], db[256], fixture[256], kh[256];
	pid_t lab, console;
	int master;
	struct winsize ws = { 50, 160, 0, 0 };

	if (!mkdtemp(dir) || keys < 10)
		return 1;
	if (t_sh("%s --generate %lu --chunks 1 --asleep 0 --failing 0 --base-port 32000 --out %s"
		 " >/dev/null && sed -i 's/^  concurrency: 64/  concurrency: %lu/;"
		 " s/concurrency: 32 }/concurrency: %lu }/' %s/lab-site.yaml", CARVE_LAB_BIN, n, dir,
		 n, n, dir) != 0)
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

	/* The real console, as the lead, with the chunk started. */
	console = forkpty(&master, NULL, NULL, &ws);
	if (console == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		execl(CARVE_BIN, "carve", "--run", "wave1-finance", "--db", db, plan, (char *)NULL);
		_exit(127);
	}
	shown_at = calloc(MAX_SEQ, sizeof(*shown_at));
	logged_at = calloc(MAX_SEQ, sizeof(*logged_at));
	if (!shown_at || !logged_at)
		return 1;
	vt_init(&screen);
	pthread_t drainer;
	pthread_create(&drainer, NULL, drain, &master);
	sleep(3); /* the pre-flight is over: restarts and their polls in flight */

	double *ms = calloc((size_t)keys, sizeof(double));
	int timeouts = 0;
	for (int k = 0; k < keys; k++) {
		/* l and h move the cursor between two cells; the line under the
		 * grid names the cell. */
		const char *key = k % 2 ? "h" : "l";
		pthread_mutex_lock(&lock);
		awaited = k % 2 ? "finance inventory" : "finance preflight";
		found = false;
		double t0 = now_ms();
		if (write(master, key, 1) != 1)
			break;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		while (!found && pthread_cond_timedwait(&seen, &lock, &until) == 0)
			;
		ms[k] = now_ms() - t0;
		timeouts += !found;
		awaited = NULL;
		pthread_mutex_unlock(&lock);
		usleep(20 * 1000);
	}
	qsort(ms, (size_t)keys, sizeof(double), cmp);
	printf("bench_keys: %lu machines, %lu sessions at once, carve as the lead on a pty\n", n, n);
	printf("  key to screen: median %.1f ms, p95 %.1f ms, max %.1f ms over %d keys"
	       " (%.2fx the 50 ms target)%s\n", ms[keys / 2], ms[keys * 95 / 100], ms[keys - 1],
	       keys, ms[keys * 95 / 100] / 50.0, timeouts ? "; some keys never showed" : "");

	outcomes(master, db);

	kill(console, SIGTERM);
	waitpid(console, NULL, 0);
	close(master);
	pthread_join(drainer, NULL);
	kill(lab, SIGTERM);
	waitpid(lab, NULL, 0);
	t_sh("rm -rf %s", dir);
	free(ms);
	free(shown_at);
	free(logged_at);
	return 0;
}
