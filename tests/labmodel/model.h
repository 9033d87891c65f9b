/*
 * model.h - runs PowerShell scripts against carve-lab's site model in
 * process, without SSH: a fixture from text, a host, a session (who, and
 * whether its logon carries network credentials), stdin.  For the
 * labmodel suites only (they link the lab's library).
 */
#ifndef CARVE_TEST_MODEL_H
#define CARVE_TEST_MODEL_H

#include "commands.h"
#include "lab.h"
#include "ps.h"
#include "support.h"
#include "winps.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	lab_site site;
	char *dir;
} t_model;

/* The fixture's lab: section, which the loader requires. */
#define T_MODEL_LAB "lab: { user: carve, authorized_key: none.pub, host_keys: keys }\n"

static inline void t_model_load(t_model *m, const char *fixture)
{
	memset(m, 0, sizeof(*m));
	m->dir = t_tmpdir();
	char *path = t_path(m->dir, "fixture.yaml");
	t_write_file(path, fixture);
	pthread_mutex_init(&m->site.lock, NULL);
	pthread_cond_init(&m->site.core_free, NULL);
	cr_assert_eq(lab_fixture_load(&m->site.fixture, path), 0, "the fixture did not load");
	free(path);
}

static inline void t_model_done(t_model *m)
{
	lab_fixture_done(&m->site.fixture);
	free(m->site.disabled_users);
	pthread_mutex_destroy(&m->site.lock);
	pthread_cond_destroy(&m->site.core_free);
	free(m->site.load);
	t_rm_rf(m->dir);
	free(m->dir);
}

typedef struct {
	char *out, *err; /* as UTF-8, line ends LF */
	int exit;
	bool reboot;
} t_ps;

/* What a Windows process wrote (raw, as it sends it) as t_ps's text. */
static inline t_ps t_ps_decoded(const carve_buf *out, const carve_buf *err, int exit, bool reboot)
{
	carve_buf o = CARVE_BUF_INIT, e = CARVE_BUF_INIT;
	t_ps r = { NULL, NULL, exit, reboot };

	carve_win_decode(&o, (const unsigned char *)(out->ptr ? out->ptr : ""), out->len,
			 CARVE_OEM_437);
	carve_win_decode(&e, (const unsigned char *)(err->ptr ? err->ptr : ""), err->len,
			 CARVE_OEM_437);
	r.out = strdup(carve_buf_cstr(&o));
	r.err = strdup(carve_buf_cstr(&e));
	carve_buf_done(&o);
	carve_buf_done(&e);
	return r;
}

/* Runs script on host as user; network says whether the logon carries
 * network credentials (a password logon) or not (a key logon). */
static inline t_ps t_ps_run_input(t_model *m, const char *host, const char *user, bool network,
				  const char *input, const char *script)
{
	carve_buf out = CARVE_BUF_INIT, err = CARVE_BUF_INIT;
	lab_session session = { user, network ? LAB_LOGON_PASSWORD : LAB_LOGON_KEY, network,
				input, input ? strlen(input) : 0 };
	int exit = 0;
	bool reboot = false;

	pthread_mutex_lock(&m->site.lock);
	lab_host *h = lab_find_host(&m->site, host);
	cr_assert_not_null(h, "no host %s in the fixture", host);
	ps_env env = { &m->site, h, &session };
	ps_run(&out, &err, &exit, &reboot, &env, script);
	pthread_mutex_unlock(&m->site.lock);
	t_ps r = t_ps_decoded(&out, &err, exit, reboot);
	carve_buf_done(&out);
	carve_buf_done(&err);
	return r;
}

static inline t_ps t_ps_run(t_model *m, const char *host, const char *user, bool network,
			    const char *script)
{
	return t_ps_run_input(m, host, user, network, NULL, script);
}

static inline void t_ps_done(t_ps *r)
{
	free(r->out);
	free(r->err);
}

/*
 * Runs carve's own command c on host: the very line carve sends (cmd_line
 * on a plan without commands: overrides, values in commands.h's order), as
 * the lab answers an exec request.  input is the command's stdin (the
 * password a credential is made from), or NULL.
 */
static inline t_ps t_cmd_run_input(t_model *m, const char *host, const char *user, bool network,
				   const char *input, carve_command c, const char *const *values)
{
	static const carve_plan no_overrides; /* cmd_line reads only its commands */
	carve_buf line = CARVE_BUF_INIT, o = CARVE_BUF_INIT, e = CARVE_BUF_INIT;
	lab_session session = { user, network ? LAB_LOGON_PASSWORD : LAB_LOGON_KEY, network,
				input, input ? strlen(input) : 0 };
	lab_answer a;
	t_ps r = { NULL, NULL, 0, false };

	cr_assert_eq(cmd_line(&line, &no_overrides, c, values), 0, "%s: %s", cmd_key(c),
		     carve_error_last()->message);
	lab_answer_command(&a, &m->site, host, &session, carve_buf_cstr(&line));
	carve_win_decode(&o, (const unsigned char *)(a.out ? a.out : ""), a.out_len, CARVE_OEM_437);
	carve_win_decode(&e, (const unsigned char *)(a.err ? a.err : ""), a.err_len, CARVE_OEM_437);
	r.out = strdup(carve_buf_cstr(&o));
	r.err = strdup(carve_buf_cstr(&e));
	r.exit = a.exit_status;
	r.reboot = a.reboot;
	lab_answer_done(&a);
	carve_buf_done(&line);
	carve_buf_done(&o);
	carve_buf_done(&e);
	return r;
}

#define t_cmd_run(m, host, user, network, c, ...) \
	t_cmd_run_input(m, host, user, network, NULL, c, (const char *const[]){ __VA_ARGS__, NULL })

#endif
