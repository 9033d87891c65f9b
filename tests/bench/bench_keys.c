/*
 * bench_keys - the console's key-to-screen latency while the engine has
 * many sessions in flight: the real carve runs as the lead on a
 * pseudo-terminal (160x50) with a 500-machine chunk of carve-lab under way
 * at 500 sessions at once; a key that moves the grid's cursor is sent, and
 * the time until the terminal receives the redrawn cell's text is taken.
 * Prints the median and 95th percentile against the 50 ms target.
 *
 *   bench_keys [MACHINES [KEYS]]     (default 500 machines, 60 keys)
 */
#define _GNU_SOURCE
#include "bench.h"
#include "sshd.h"

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
static const char *awaited; /* the text the next frame must carry */
static bool found;
static char tail[256];      /* the end of what came, across reads */

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536 + sizeof(tail)];
	ssize_t got;

	while ((got = read(fd, buf + strlen(tail), 65536)) > 0) {
		size_t keep = strlen(tail);
		memcpy(buf, tail, keep);
		buf[keep + (size_t)got] = '\0';
		pthread_mutex_lock(&lock);
		if (awaited && !found && memmem(buf, keep + (size_t)got, awaited, strlen(awaited))) {
			found = true;
			pthread_cond_signal(&seen);
		}
		pthread_mutex_unlock(&lock);
		size_t len = keep + (size_t)got, t = len < sizeof(tail) - 1 ? len : sizeof(tail) - 1;
		memcpy(tail, buf + len - t, t);
		tail[t] = '\0';
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 500;
	int keys = argc > 2 ? atoi(argv[2]) : 60;
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
		awaited = k % 2 ? "inventory" : "preflight";
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

	kill(console, SIGTERM);
	waitpid(console, NULL, 0);
	close(master);
	pthread_join(drainer, NULL);
	kill(lab, SIGTERM);
	waitpid(lab, NULL, 0);
	t_sh("rm -rf %s", dir);
	free(ms);
	return 0;
}
