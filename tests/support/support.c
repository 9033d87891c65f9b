/*
 * support.c - see support.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, nftw: beyond the project's POSIX baseline */
#endif
#include "support.h"
#include "carve.h"
#include "sshd.h" /* t_dies_with */

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *t_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = NULL;

	if (!base || !*base)
		base = "/tmp";
	cr_assert(asprintf(&path, "%s/carve-test.XXXXXX", base) > 0);
	cr_assert_not_null(mkdtemp(path), "mkdtemp: %s", strerror(errno));
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void t_rm_rf(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *t_path(const char *dir, const char *name)
{
	char *p = NULL;
	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

char *t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void t_write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(content, 1, strlen(content), f), strlen(content));
	cr_assert_eq(fclose(f), 0);
}

static void drain(int fd, char **buf, size_t *len, size_t *cap, int *open_)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0) {
		*open_ = 0;
		return;
	}
	if (*len + (size_t)n + 1 > *cap) {
		while (*len + (size_t)n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 8192;
		*buf = realloc(*buf, *cap);
		cr_assert_not_null(*buf);
	}
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
}

t_result t_run(const char *const argv[], const char *input)
{
	int in[2], out[2], err[2];
	t_result r = { -1, NULL, NULL };

	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	cr_assert_eq(pipe(err), 0);
	pid_t self = getpid(), pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		t_dies_with(self);
		/* No controlling terminal: carve must never wait at a prompt. */
		setsid();
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[0]); close(in[1]);
		close(out[0]); close(out[1]);
		close(err[0]); close(err[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (input) {
		signal(SIGPIPE, SIG_IGN);
		ssize_t ignored = write(in[1], input, strlen(input));
		(void)ignored;
	}
	close(in[1]);

	size_t olen = 0, ocap = 0, elen = 0, ecap = 0;
	int oopen = 1, eopen = 1;
	r.out = calloc(1, 1);
	r.err = calloc(1, 1);
	while (oopen || eopen) {
		struct pollfd p[2] = { { oopen ? out[0] : -1, POLLIN, 0 },
				       { eopen ? err[0] : -1, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (oopen && p[0].revents)
			drain(out[0], &r.out, &olen, &ocap, &oopen);
		if (eopen && p[1].revents)
			drain(err[0], &r.err, &elen, &ecap, &eopen);
	}
	close(out[0]);
	close(err[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

void t_result_done(t_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

struct carve_plan *t_one_host_plan(const char *account)
{
	static const char yaml[] =
		"site:\n"
		"  name: T\n"
		"  source: {netbios: FABRIKAM, dns: fabrikam.local}\n"
		"  target: {netbios: CONTOSO, dns: contoso.com, ou: \"OU=W,DC=contoso,DC=com\"}\n"
		"  migrator: svc_migrator\n"
		"accounts:\n"
		"  - %s\n"
		"exec_hosts:\n"
		"  - { name: MGMT01, role: management, address: 127.0.0.1, account: ops }\n"
		"floors:\n"
		"  - name: F1\n"
		"    map: |\n"
		"      A1\n"
		"chunks: [{ name: c, cutover: \"2026-12-05T22:00:00Z\" }]\n"
		"machines:\n"
		"  - { name: XP-1, address: 10.0.1.1, os: xp, floor: F1, marker: A1, chunk: c,"
		" reach: via, via: MGMT01 }\n";
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	char *text = NULL;

	cr_assert(asprintf(&text, yaml, account) > 0);
	int err = carve_plan_load_buffer(&plan, &diags, "one-host.yaml", text, strlen(text));
	if (err < 0 && carve_diags_count(diags))
		cr_log_error("%s", carve_diags_get(diags, 0)->message);
	cr_assert_eq(err, 0, "%s", carve_error_last()->message);
	free(text);
	return plan;
}

char *t_data(const char *rel)
{
	return t_path(CARVE_TEST_DATA, rel);
}
