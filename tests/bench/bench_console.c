/*
 * bench_console - the console's frame time: drawing the chunk grid and the
 * floor map and sending the frame (doupdate) to a pseudo-terminal whose
 * other end is read as fast as it comes, for sites of 200, 2,000 and 10,000
 * machines (gen_plan), each machine with a status in the audit log.  The
 * cursor moves every frame, so every frame changes the screen.  Prints the
 * median and 95th percentile against the 5 ms budget, what reading the
 * snapshot again costs (done when an outcome is logged), and the peak RSS.
 *
 *   bench_console [FRAMES]     (default 300 per view and size)
 */
#define _GNU_SOURCE
#include "bench.h"
#include "console.h"
#include "sshd.h"

#include <curses.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Every machine gets a status: most ok, some failed or running. */
static void fill_log(const carve_plan *plan, const char *db)
{
	size_t n, n_chunks;
	const carve_machine *m = carve_plan_machines(plan, &n);
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);
	carve_event *ev = calloc(n, sizeof(*ev));
	carve_audit *audit = NULL;
	static const carve_status mix[] = {
		CARVE_STATUS_OK, CARVE_STATUS_OK, CARVE_STATUS_OK, CARVE_STATUS_FAILED,
		CARVE_STATUS_RUNNING, CARVE_STATUS_OK, CARVE_STATUS_WARN,
	};

	if (!ev || carve_audit_open(&audit, db, NULL) < 0) {
		fprintf(stderr, "bench_console: cannot write %s\n", db);
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		carve_event e = CARVE_EVENT_INIT;
		e.actor = "engine";
		e.chunk = chunks[m[i].chunk].name;
		e.machine = m[i].name;
		e.phase = "restart";
		e.step = "restart";
		e.status = mix[i % (sizeof(mix) / sizeof(mix[0]))];
		ev[i] = e;
	}
	carve_audit_append(NULL, audit, ev, n);
	carve_audit_free(audit);
	free(ev);
}

/* The peer: ncurses alone repainting the whole 160x50 screen (every cell
 * changes each frame), the most a frame can cost it. */
static double full_repaint;

static void measure_full_repaint(int frames)
{
	double *ms = calloc((size_t)frames, sizeof(double));

	for (int i = 0; ms && i < frames; i++) {
		double t0 = now_ms();
		for (int y = 0; y < LINES; y++) {
			move(y, 0);
			for (int x = 0; x < COLS; x++)
				addch((chtype)('a' + (x + y + i) % 26));
		}
		wnoutrefresh(stdscr);
		doupdate();
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)frames, sizeof(double), cmp);
	full_repaint = ms ? ms[frames / 2] : 0;
	printf("  peer: ncurses repainting every cell, median %.2f ms a frame\n", full_repaint);
	free(ms);
}

static void measure(console *c, view_id view, int frames, const char *label, size_t n)
{
	double *ms = calloc((size_t)frames, sizeof(double));
	size_t machines;

	carve_plan_machines(c->plan, &machines);
	c->view = view;
	for (int i = 0; i < 5; i++)
		console_draw(c);
	for (int i = 0; i < frames; i++) {
		/* Move the cursor: the next frame differs from this one. */
		if (view == VIEW_GRID)
			c->grid_phase = (size_t)i % CARVE_PHASE__COUNT;
		else
			c->machine = (size_t)i * 7 % machines;
		double t0 = now_ms();
		console_draw(c);
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)frames, sizeof(double), cmp);
	double median = ms[frames / 2], p95 = ms[frames * 95 / 100];
	printf("  %-9s %6zu machines: median %6.2f ms, p95 %6.2f ms  (%.2fx the 5 ms budget,"
	       " %.2fx the full repaint)\n", label, n, median, p95, median / 5.0,
	       median / full_repaint);
	free(ms);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 200, 2000, 10000 };
	int frames = argc > 1 ? atoi(argv[1]) : 300;
	char dir[] = "/tmp/carve-bench-console.XXXXXX";

	if (frames < 20 || !mkdtemp(dir))
		return 1;
	printf("bench_console: %d frames per view, a 160x50 pseudo-terminal\n", frames);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char plan_path[256], db[256];
		carve_plan *plan = NULL;
		carve_diags *diags = NULL;
		console c;
		int master, slave;
		struct winsize ws = { 50, 160, 0, 0 };
		pthread_t drainer;

		snprintf(plan_path, sizeof(plan_path), "%s/plan-%zu.yaml", dir, sizes[k]);
		snprintf(db, sizeof(db), "%s/audit-%zu.db", dir, sizes[k]);
		if (t_sh("%s %zu > %s", GEN_PLAN_BIN, sizes[k], plan_path) != 0 ||
		    carve_plan_load(&plan, &diags, plan_path) < 0) {
			fprintf(stderr, "bench_console: no plan for %zu machines\n", sizes[k]);
			return 1;
		}
		carve_diags_free(diags);
		fill_log(plan, db);
		if (openpty(&master, &slave, NULL, NULL, &ws) < 0)
			return 1;
		pthread_create(&drainer, NULL, drain, &master);
		FILE *out = fdopen(slave, "w"), *in = fdopen(dup(slave), "r");
		SCREEN *screen = newterm("xterm-256color", out, in);
		if (!screen || console_init(&c, plan, db, true) < 0)
			return 1;
		console_start_screen(&c);
		if (k == 0)
			measure_full_repaint(frames);
		measure(&c, VIEW_GRID, frames, "grid", sizes[k]);
		measure(&c, VIEW_FLOOR, frames, "floor map", sizes[k]);
		/* What a new outcome costs before the next frame: the log's new
		 * rows and what the view draws read again (the grid's counts, or
		 * every machine's most urgent state). */
		static const struct {
			view_id view;
			const char *label;
		} reads[] = { { VIEW_GRID, "grid" }, { VIEW_FLOOR, "floor map" } };
		for (size_t r = 0; r < sizeof(reads) / sizeof(reads[0]); r++) {
			c.view = reads[r].view;
			double t0 = now_ms();
			for (int i = 0; i < 20; i++)
				console_reload(&c);
			printf("  reload    %6zu machines: %.2f ms per read for the %s\n", sizes[k],
			       (now_ms() - t0) / 20, reads[r].label);
		}
		endwin();
		delscreen(screen);
		console_done(&c);
		fclose(out);
		fclose(in);
		pthread_join(drainer, NULL); /* the read ends with the terminal */
		close(master);
		carve_plan_free(plan);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("  peak RSS %.1f MiB (target under 100 MiB with 10,000 machines: %.2fx)\n",
	       (double)ru.ru_maxrss / 1024.0, (double)ru.ru_maxrss / 1024.0 / 100.0);
	t_sh("rm -rf %s", dir);
	return 0;
}
