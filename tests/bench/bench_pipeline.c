/*
 * bench_pipeline - one chunk through the whole pipeline on carve-lab:
 * wall time per phase, and the audit log's size and write rate.
 *
 *   bench_pipeline [MACHINES]      (default 500)
 *
 * The lab is generated with every machine in one chunk and nothing
 * failing (carve-lab --generate N --chunks 1 --asleep 0 --failing 0), so
 * the figures are the pipeline's own: the plan's default concurrency (64
 * sessions, 32 on the management host, 2 on the ADMT server, 4 on the mail
 * server), the lab's 5 s restarts, mailbox moves of 100 MiB to 3 GiB at
 * 200 MiB/s polled every 2 s.  Waiting on Windows dominates: the figures
 * to compare are how close each phase comes to its slowest machine.
 */
#include "bench.h"
#include "carve.h"
#include "sshd.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t lab_pid = -1;

static void die(const char *what)
{
	fprintf(stderr, "bench_pipeline: %s\n", what);
	if (lab_pid > 0)
		kill(lab_pid, SIGTERM);
	exit(1);
}

static void start_lab(const char *dir)
{
	char fixture[1200], kh[1200], out[1200], journal[1200];

	snprintf(fixture, sizeof(fixture), "%s/lab-fixture.yaml", dir);
	snprintf(kh, sizeof(kh), "%s/.lab/known_hosts", dir);
	snprintf(out, sizeof(out), "%s/lab.out", dir);
	snprintf(journal, sizeof(journal), "%s/journal.jsonl", dir);
	if ((lab_pid = fork()) == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		execl(CARVE_LAB_BIN, "carve-lab", "--fixture", fixture, "--known-hosts", kh,
		      "--journal", journal, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) {
		if (t_sh("grep -q '^ready' %s", out) == 0)
			return;
		usleep(50 * 1000);
	}
	die("carve-lab did not start");
}

typedef struct {
	const char *chunk;
	char first[CARVE_PHASE__COUNT][32], last[CARVE_PHASE__COUNT][32];
	unsigned events;
	char failure[CARVE_PHASE__COUNT][300]; /* a failure's diagnosis, the last */
} spans;

static int take(const carve_event_row *row, void *ctx)
{
	spans *s = ctx;
	carve_phase p;

	s->events++;
	if (!row->ev.phase || carve_phase_parse(&p, row->ev.phase) < 0)
		return 0;
	if (!s->first[p][0])
		snprintf(s->first[p], sizeof(s->first[p]), "%s", row->time);
	if (row->ev.status == CARVE_STATUS_FAILED && row->ev.diagnosis)
		snprintf(s->failure[p], sizeof(s->failure[p]), "%s", row->ev.diagnosis);
	snprintf(s->last[p], sizeof(s->last[p]), "%s", row->time);
	return 0;
}

/* Seconds from a to b, both RFC 3339 UTC with milliseconds. */
static double between(const char *a, const char *b)
{
	int h1, m1, h2, m2;
	double s1, s2;

	if (sscanf(a + 11, "%d:%d:%lf", &h1, &m1, &s1) != 3 ||
	    sscanf(b + 11, "%d:%d:%lf", &h2, &m2, &s2) != 3)
		return 0;
	double d = (h2 - h1) * 3600.0 + (m2 - m1) * 60.0 + (s2 - s1);
	return d < 0 ? d + 86400.0 : d;
}

/* The mail phase's questions to Exchange, from the lab's journal: the
 * scripts that asked Get-MoveRequestStatistics, and the mailboxes they
 * asked it for (the users in each script's $users), one cmdlet each. */
static void mail_questions(const char *dir, unsigned *scripts, unsigned long *cmdlets)
{
	char path[1300], *line = NULL;
	size_t cap = 0;

	*scripts = 0;
	*cmdlets = 0;
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	FILE *f = fopen(path, "r");
	while (f && getline(&line, &cap, f) > 0) {
		const char *users = strstr(line, "$users = '");
		if (!strstr(line, "\"event\":\"command\"") ||
		    !strstr(line, "Get-MoveRequestStatistics") || !users)
			continue;
		++*scripts;
		++*cmdlets;
		for (const char *c = users + 10; *c && *c != '\''; c++)
			*cmdlets += *c == ',';
	}
	free(line);
	if (f)
		fclose(f);
}

/* A cost of the lab's fixture in ms ("exchange_cmdlet: 10ms"), 0 if none. */
static double fixture_ms(const char *dir, const char *key)
{
	char path[1300], line[256];
	double ms = 0;

	snprintf(path, sizeof(path), "%s/lab-fixture.yaml", dir);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		const char *at = strstr(line, key);
		char unit[8] = "";
		if (at && sscanf(at + strlen(key), ": %lf%7[a-z]", &ms, unit) >= 1) {
			ms *= !strcmp(unit, "s") ? 1000 : 1;
			break;
		}
	}
	if (f)
		fclose(f);
	return ms;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 500;
	char dir[] = "/tmp/carve-bench-pipeline.XXXXXX", plan_path[1200], db[1200];
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;

	if (!n || !mkdtemp(dir))
		die("cannot make a directory");
	if (t_sh("%s --generate %lu --chunks 1 --asleep 0 --failing 0 --base-port 31000"
		 " --out %s >/dev/null", CARVE_LAB_BIN, n, dir) != 0)
		die("carve-lab --generate failed");
	bench_lab_costs(dir);
	start_lab(dir);
	snprintf(plan_path, sizeof(plan_path), "%s/lab-site.yaml", dir);
	snprintf(db, sizeof(db), "%s/audit.db", dir);
	if (carve_plan_load(&plan, &diags, plan_path) < 0)
		die("the generated plan does not load");
	carve_diags_free(diags);

	/* The real carve, as the lead would run it. */
	char carve_bin[1200];
	snprintf(carve_bin, sizeof(carve_bin), "%s", CARVE_BIN);
	char *args[] = { carve_bin, "run", plan_path, "--chunk", "wave1-finance", "--db", db,
			 "--password-fd", "3", NULL };
	posix_spawn_file_actions_t fa;
	char out[1300];
	pid_t pid;
	int status = -1;
	snprintf(out, sizeof(out), "%s/run.out", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char passwords[1300];
	snprintf(passwords, sizeof(passwords), "%s/.lab/passwords", dir);
	posix_spawn_file_actions_addopen(&fa, 3, passwords, O_RDONLY, 0);
	double t0 = now_ms(), c0 = cpu_ms(RUSAGE_CHILDREN);
	if (posix_spawn(&pid, carve_bin, &fa, NULL, args, environ) != 0)
		die("cannot start carve");
	waitpid(pid, &status, 0);
	double wall = now_ms() - t0, cpu = cpu_ms(RUSAGE_CHILDREN) - c0;
	posix_spawn_file_actions_destroy(&fa);

	carve_audit *audit = NULL;
	carve_audit_options ro = CARVE_AUDIT_OPTIONS_INIT;
	spans s = { "wave1-finance", { { 0 } }, { { 0 } }, 0, { { 0 } } };
	carve_run_summary summary;
	ro.read_only = true;
	if (carve_audit_open(&audit, db, &ro) < 0 || carve_audit_query(audit, NULL, take, &s) < 0)
		die("cannot read the audit log");
	carve_grid grid;
	if (carve_audit_grid(&grid, audit, plan) < 0)
		die("cannot count the grid");
	memcpy(summary.counts, grid.counts[0], sizeof(summary.counts));
	carve_grid_done(&grid);
	carve_audit_free(audit);

	printf("bench_pipeline: %lu machines and users in one chunk on carve-lab, carve run"
	       " exit %d\n", n, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("  whole run: wall %.1f s, carve's CPU %.2f s (%.1f ms per machine)\n",
	       wall / 1e3, cpu / 1e3, cpu / (double)n);
	printf("  %-13s %9s %6s %7s\n", "phase", "wall s", "ok", "failed");
	for (int p = CARVE_PHASE_PREFLIGHT; p <= CARVE_PHASE_CLIENTS; p++)
		printf("  %-13s %9.1f %6u %7u\n", carve_phase_name((carve_phase)p),
		       s.first[p][0] ? between(s.first[p], s.last[p]) : 0.0,
		       summary.counts[p][CARVE_STATUS_OK] + summary.counts[p][CARVE_STATUS_WARN],
		       summary.counts[p][CARVE_STATUS_FAILED]);
	for (int p = CARVE_PHASE_PREFLIGHT; p <= CARVE_PHASE_CLIENTS; p++)
		if (summary.counts[p][CARVE_STATUS_FAILED])
			printf("  %s failed, the last: %s\n", carve_phase_name((carve_phase)p),
			       s.failure[p]);
	/* the polls' load on Exchange by the cost model: a cmdlet a mailbox,
	 * one at a time on one session (Exchange 2010 lets an account hold
	 * 18: PowerShellMaxConcurrency) */
	unsigned scripts;
	unsigned long cmdlets;
	mail_questions(dir, &scripts, &cmdlets);
	double per = fixture_ms(dir, "exchange_cmdlet"),
	       mail_s = s.first[CARVE_PHASE_MAIL][0]
			? between(s.first[CARVE_PHASE_MAIL], s.last[CARVE_PHASE_MAIL]) : 0.0;
	printf("  mail polling: %lu Get-MoveRequestStatistics in %u scripts, one session:"
	       " %.1f s of Exchange at %.0f ms each over the mail phase's %.1f s (%.0f%% of one"
	       " session, of the 18 Exchange lets an account hold; carve waits at least as"
	       " long as a poll took: at most 50%%)\n", cmdlets, scripts, (double)cmdlets * per / 1e3,
	       per, mail_s, mail_s > 0 ? (double)cmdlets * per / 1e3 / mail_s * 100 : 0.0);
	char wal[1300];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	long bytes = file_size(db) + file_size(wal);
	printf("  audit log: %u events, %.1f MiB (%.0f bytes per event, database + WAL),"
	       " %.0f events/s over the run\n", s.events, (double)bytes / 1048576.0,
	       s.events ? (double)bytes / s.events : 0.0, s.events / (wall / 1e3));

	kill(lab_pid, SIGTERM);
	waitpid(lab_pid, NULL, 0);
	carve_plan_free(plan);
	t_sh("rm -rf %s", dir);
	return 0;
}
