/*
 * remote.c - sessions and commands shared by the pre-flight and the
 * migration steps.
 */
#include "remote.h"
#include "secret_internal.h"
#include "transport_internal.h"
#include "winps.h"

#include <stdlib.h>
#include <sys/random.h>
#include <string.h>

size_t remote_exec_host(const carve_plan *plan, carve_exec_role role)
{
	size_t n;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n);

	for (size_t i = 0; i < n; i++)
		if (e[i].role == role)
			return i;
	return CARVE_NONE;
}

void remote_target(const carve_plan *plan, const carve_machine *m, size_t via,
		   const char **host, uint16_t *port)
{
	size_t n;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n);

	if (via != CARVE_NONE) {
		*host = e[via].address;
		*port = e[via].port;
	} else {
		*host = m->address;
		*port = m->port;
	}
}

/* accept-new's recording and a refused changed key are evidence: each is
 * an event of the run that met it. */
static void log_hostkey(const remote_ctx *ctx, const char *chunk, const char *name,
			const char *host, uint16_t port, const carve_hostkey *key)
{
	if (!ctx->audit || (key->state != CARVE_HOSTKEY_ADDED &&
			    key->state != CARVE_HOSTKEY_CHANGED &&
			    key->state != CARVE_HOSTKEY_OTHER))
		return;
	if (ctx->lock)
		pthread_mutex_lock(ctx->lock);
	/* the step's own result carries a refusal too; a failure here only
	 * loses this copy of it */
	carve_audit_hostkey(ctx->audit, ctx->run, chunk, name, host, port ? port : 22, key);
	if (ctx->lock)
		pthread_mutex_unlock(ctx->lock);
}

static int open_to(carve_ssh **out, const carve_plan *plan, size_t account, const char *chunk,
		   const char *name, const char *host, uint16_t port, const remote_ctx *ctx)
{
	static const remote_ctx none = { NULL, NULL, 0, NULL };
	carve_ssh_options o;
	carve_hostkey key;

	if (!ctx)
		ctx = &none;
	carve_ssh_options_from_plan(&o, plan, account, host, port);
	o.cancel = ctx->cancel;
	o.name = name;
	int err = carve_ssh_connect(out, &key, &o);
	log_hostkey(ctx, chunk, name, host, port, &key);
	return err;
}

int remote_open_machine(carve_ssh **out, const carve_plan *plan, const carve_machine *m,
			const remote_ctx *ctx)
{
	size_t n, n_chunks, via = m->reach == CARVE_REACH_VIA ? m->via : CARVE_NONE;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n);
	const carve_chunk *chunks = carve_plan_chunks(plan, &n_chunks);
	const char *host;
	uint16_t port;

	remote_target(plan, m, via, &host, &port);
	if (via != CARVE_NONE)
		return open_to(out, plan, e[via].account, NULL, e[via].name, host, port, ctx);
	return open_to(out, plan, carve_plan_transport(plan)->account,
		       m->chunk < n_chunks ? chunks[m->chunk].name : NULL, m->name, host, port,
		       ctx);
}

int remote_open_exec(carve_ssh **out, const carve_plan *plan, size_t e, const remote_ctx *ctx)
{
	size_t n;
	const carve_exec_host *h = carve_plan_exec_hosts(plan, &n);

	*out = NULL;
	if (e >= n)
		return carve_error_set(CARVE_EINVALID, "the plan has no exec host for this step");
	return open_to(out, plan, h[e].account, NULL, h[e].name, h[e].address, h[e].port, ctx);
}

bool remote_session_lost(int err)
{
	return err == CARVE_ETIMEOUT || err == CARVE_ENET || err == CARVE_ECANCELED;
}

/* "carve-" and 16 hex digits, fresh from the kernel; false without
 * randomness. */
static bool make_nonce(char nonce[24])
{
	unsigned char random[8];

	if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random))
		return false;
	strcpy(nonce, "carve-");
	carve_hex(nonce + 6, random, sizeof(random));
	return true;
}

struct remote_ps {
	carve_ssh *ssh;
	carve_ssh_shell *shell;
	unsigned answered;  /* scripts it ran to their end */
	unsigned long pid;  /* powershell.exe's process id, for messages */
	char host[64];      /* the exec host's name */
};

int remote_ps_open(remote_ps **out, const carve_plan *plan, size_t exec_host,
		   const remote_ctx *ctx, bool *unusable)
{
	remote_ps *ps = calloc(1, sizeof(*ps));
	carve_ssh_result hello;
	carve_buf script = CARVE_BUF_INIT;
	uint32_t timeout_ms = carve_plan_transport(plan)->command_timeout_ms;
	int err;

	size_t n;
	const carve_exec_host *h = carve_plan_exec_hosts(plan, &n);

	*out = NULL;
	*unusable = false;
	if (!ps)
		return carve_error_oom();
	snprintf(ps->host, sizeof(ps->host), "%s", exec_host < n ? h[exec_host].name : "?");
	if ((err = remote_open_exec(&ps->ssh, plan, exec_host, ctx)) < 0 ||
	    (err = carve_ssh_shell_open(&ps->shell, ps->ssh, CARVE_PS_HOST_COMMAND,
					timeout_ms)) < 0) {
		remote_ps_free(ps);
		return err;
	}
	/* Its first script says whether it works here at all, before any
	 * machine's: one longer than 1 KiB (Win32-OpenSSH before November
	 * 2017 cut stdin into 1 KiB pieces, issue 908) that prints its
	 * process id.  One that ends or says nothing within the command
	 * deadline makes the host unusable for kept PowerShells. */
	carve_buf_puts(&script, "# carve: is a PowerShell kept up on stdin answering? ");
	for (int i = 0; i < 1100; i++)
		carve_buf_putc(&script, '.');
	carve_buf_puts(&script, "\n$PID\n");
	err = script.failed ? carve_error_oom()
			    : remote_ps_run(&hello, ps, carve_buf_cstr(&script), timeout_ms);
	if (err == 0)
		ps->pid = strtoul(hello.out, NULL, 10);
	else if (err == CARVE_ENET || err == CARVE_ETIMEOUT)
		*unusable = true;
	carve_ssh_result_done(&hello);
	carve_buf_done(&script);
	if (err < 0) {
		remote_ps_free(ps);
		return err;
	}
	ps->answered = 0; /* machines' scripts only */
	*out = ps;
	return 0;
}

unsigned remote_ps_answered(const remote_ps *ps)
{
	return ps->answered;
}

bool remote_ps_usable(const remote_ps *ps)
{
	return ps && ps->shell && !ps->ssh->broken;
}

void remote_ps_free(remote_ps *ps)
{
	if (!ps)
		return;
	carve_ssh_shell_free(ps->shell);
	carve_ssh_free(ps->ssh);
	free(ps);
}

/* The line in [*at, end) that holds marker ("<nonce>|what"), its start
 * in *line; moves *at past it.  Anything before the marker on its line
 * (a prompt, were a host to print one) does not count. */
static bool find_marker(const char *text, size_t end, size_t *at, const char *marker,
			size_t *line)
{
	size_t n = strlen(marker);

	while (*at < end) {
		const char *s = text + *at, *eol = memchr(s, '\n', end - *at);
		size_t len = eol ? (size_t)(eol - s) : end - *at, body = len;
		while (body && s[body - 1] == '\r')
			body--;
		*line = *at;
		*at += len + (eol ? 1 : 0);
		if (body >= n && !memcmp(s + body - n, marker, n))
			return true;
	}
	return false;
}

/* len bytes of s and a NUL, or NULL. */
static char *copy_bytes(const char *s, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		memcpy(c, s, len);
		c[len] = '\0';
	}
	return c;
}

int remote_ps_run(carve_ssh_result *r, remote_ps *ps, const char *script, uint32_t timeout_ms)
{
	carve_buf frame = CARVE_BUF_INIT, reply = CARVE_BUF_INIT;
	char nonce[24], frame_at[40], failed[40], done[40];
	struct timespec t0, t1;
	int err;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!make_nonce(nonce)) {
		err = carve_error_set(CARVE_ERROR, "no randomness to mark a script's answer with");
		goto done;
	}
	snprintf(frame_at, sizeof(frame_at), "%s|frame", nonce);
	snprintf(failed, sizeof(failed), "%s|failed", nonce);
	snprintf(done, sizeof(done), "%s|done", nonce);
	if ((err = carve_ps_frame(&frame, script, nonce)) < 0)
		goto done;
	err = carve_ssh_shell_ask(ps->shell, &reply, frame.ptr, frame.len, done, timeout_ms);
	/* its output: the lines between the frame's first marker and its
	 * done (or failed) one; after failed, the error */
	const char *text = carve_buf_cstr(&reply);
	size_t at = 0, begin = 0, line = 0, out_end, err_from = 0, err_end = 0;
	if (find_marker(text, reply.len, &at, frame_at, &line))
		begin = at;
	at = begin;
	bool whole = find_marker(text, reply.len, &at, done, &line);
	out_end = whole ? line : reply.len;
	if (err == 0 && whole)
		ps->answered++;
	size_t f_at = begin, f_line;
	if (find_marker(text, out_end, &f_at, failed, &f_line)) {
		err_from = f_at;
		err_end = out_end;
		out_end = f_line;
		r->exit_status = 1;
	}
	r->exited = err == 0;
	/* copied by length: an answer may hold a NUL */
	r->out = copy_bytes(text + begin, out_end - begin);
	r->err = copy_bytes(text + err_from, err_end - err_from);
	r->out_len = out_end - begin;
	r->err_len = err_end - err_from;
	if (!r->out || !r->err)
		err = err ? err : carve_error_oom();
done:
	if (!r->out) {
		r->out = strdup("");
		r->out_len = 0;
	}
	if (!r->err) {
		r->err = strdup("");
		r->err_len = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	carve_buf_done(&frame);
	carve_buf_done(&reply);
	return err;
}

/* Windows' first error line, its message without PowerShell 2.0's
 * "Cmdlet : " and Stop wrapping (check_windows_message). */
static int script_error(const carve_ssh_result *r)
{
	carve_buf err = CARVE_BUF_INIT;
	char *line;
	int code;

	carve_win_decode(&err, (const unsigned char *)r->err, r->err_len, CARVE_OEM_437);
	line = carve_trim(err.ptr ? err.ptr : (char *)"");
	line[strcspn(line, "\n")] = '\0';
	line = check_windows_message(line);
	if (!r->exited)
		code = carve_error_set(CARVE_ERROR, "the command ended without an exit status%s%s",
				       *line ? ": " : "", line);
	else if (*line)
		code = carve_error_set(CARVE_ERROR, "%s", line);
	else
		code = carve_error_set(CARVE_ERROR, "the command failed with exit status %d",
				       r->exit_status);
	carve_buf_done(&err);
	return code;
}

/* account's password and a newline, in locked memory, for a script's
 * standard input. */
static int credential_input(carve_secret **out, size_t *len, const carve_plan *plan,
			    size_t account)
{
	size_t n, pw_len;
	const carve_account *a = carve_plan_accounts(plan, &n);
	const char *pw = account < n ? plan_password(plan, account, &pw_len) : NULL;
	int err;

	*out = NULL;
	if (!pw)
		return carve_error_set(CARVE_EAUTH, "account %s (%s) has no password to pass on",
				       account < n ? a[account].name : "?",
				       account < n ? a[account].user : "?");
	if ((err = carve_secret_new(out, pw_len + 1)) < 0)
		return err;
	memcpy(carve_secret_bytes(*out), pw, pw_len);
	carve_secret_bytes(*out)[pw_len] = '\n';
	*len = pw_len + 1;
	return 0;
}

int remote_run(carve_buf *text, carve_ssh *ssh, const carve_plan *plan, carve_command c,
	       const char *const *values)
{
	return remote_run_as(text, ssh, plan, c, values, CARVE_NONE,
			     carve_plan_transport(plan)->command_timeout_ms);
}

int remote_run_with(carve_buf *text, carve_ssh *ssh, const carve_plan *plan, carve_command c,
		    const char *const *values, size_t secret_account)
{
	return remote_run_as(text, ssh, plan, c, values, secret_account,
			     carve_plan_transport(plan)->command_timeout_ms);
}

int remote_run_as(carve_buf *text, carve_ssh *ssh, const carve_plan *plan, carve_command c,
		  const char *const *values, size_t secret_account, uint32_t timeout_ms)
{
	carve_buf cmd = CARVE_BUF_INIT;
	carve_secret *input = NULL;
	size_t input_len = 0;
	carve_ssh_result r;
	int err;

	memset(&r, 0, sizeof(r));
	if ((err = cmd_line(&cmd, plan, c, values)) < 0 ||
	    (secret_account != CARVE_NONE &&
	     (err = credential_input(&input, &input_len, plan, secret_account)) < 0))
		goto done;
	err = carve_ssh_exec_input(&r, ssh, carve_buf_cstr(&cmd),
				   input ? carve_secret_bytes(input) : NULL, input_len,
				   timeout_ms, 0);
	if (err == 0 && (!r.exited || r.exit_status != 0))
		err = script_error(&r);
	else if (err == 0 && r.out_truncated)
		err = carve_error_set(CARVE_ERROR, "the %s command's output was cut short",
				      cmd_key(c));
	if (err == 0 && carve_win_decode(text, (const unsigned char *)r.out, r.out_len,
					 CARVE_OEM_437) < 0)
		err = carve_error_oom();
done:
	carve_secret_free(input);
	carve_ssh_result_done(&r);
	carve_buf_done(&cmd);
	return err;
}

int remote_check(carve_check_result *res, carve_ssh *ssh, carve_check c,
		 const carve_plan *plan, const carve_machine *m, const check_context *ctx)
{
	carve_buf script = CARVE_BUF_INIT, cmd = CARVE_BUF_INIT;
	carve_ssh_result out;
	int err;

	memset(&out, 0, sizeof(out));
	if ((err = check_script(&script, c, m)) < 0 ||
	    (err = carve_ps_command(&cmd, carve_buf_cstr(&script))) < 0) {
		check_set(res, CARVE_STATUS_FAILED, NULL, carve_error_last()->message);
		goto done;
	}
	err = carve_ssh_exec(&out, ssh, carve_buf_cstr(&cmd),
			     carve_plan_transport(plan)->command_timeout_ms, 0);
	if (err == CARVE_ECANCELED) {
		check_set(res, CARVE_STATUS_INTERRUPTED, NULL, "stopped by the lead");
	} else if (err < 0) {
		check_set(res, CARVE_STATUS_FAILED, NULL, carve_error_last()->message);
	} else {
		err = check_parse(res, c, plan, m, ctx, out.out, out.out_len, out.err,
				  out.err_len, out.exited ? out.exit_status : -1);
	}
done:
	carve_ssh_result_done(&out);
	carve_buf_done(&script);
	carve_buf_done(&cmd);
	return err;
}

/* The marker lines of the combined script: "<nonce>|begin|<check>",
 * "<nonce>|error", "<nonce>|end|<check>". */
void remote_check_sections(check_section sections[CARVE_CHECK__COUNT], const char *raw,
			   size_t len, const char *nonce)
{
	size_t nl = strlen(nonce);
	int in = -1;          /* the check whose section this is */
	bool error = false;

	memset(sections, 0, CARVE_CHECK__COUNT * sizeof(*sections));
	for (size_t at = 0; at < len;) {
		const char *line = raw + at, *eol = memchr(line, '\n', len - at);
		size_t n = eol ? (size_t)(eol - line) + 1 : len - at, body = n;
		while (body && (line[body - 1] == '\n' || line[body - 1] == '\r'))
			body--;
		at += n;
		if (body > nl + 1 && !memcmp(line, nonce, nl) && line[nl] == '|') {
			const char *what = line + nl + 1;
			size_t wl = body - nl - 1;
			for (int c = 0; c < CARVE_CHECK__COUNT; c++) {
				const char *name = carve_check_name((carve_check)c);
				size_t cl = strlen(name);
				if (wl == 6 + cl && !memcmp(what, "begin|", 6) && !memcmp(what + 6, name, cl)) {
					in = c;
					error = false;
					sections[c].out = sections[c].err = raw + at;
				} else if (in == c && wl == 4 + cl && !memcmp(what, "end|", 4) &&
					   !memcmp(what + 4, name, cl)) {
					sections[c].ran = true;
					in = -1;
				}
			}
			if (in >= 0 && wl == 5 && !memcmp(what, "error", 5)) {
				error = sections[in].failed = true;
				sections[in].err = raw + at;
			}
			continue;
		}
		if (in < 0)
			continue;
		/* the lines of the section so far: the output, then after an
		 * error marker the error */
		if (error)
			sections[in].err_len += n;
		else
			sections[in].out_len += n;
	}
}

int remote_checks(carve_check_result *res, unsigned want, carve_ssh *ssh, remote_ps *ps,
		  const carve_plan *plan, const carve_machine *m, const check_context *ctx)
{
	carve_buf script = CARVE_BUF_INIT, cmd = CARVE_BUF_INIT;
	carve_ssh_result out;
	char nonce[24];
	int err = 0;

	memset(&out, 0, sizeof(out));
	if (!make_nonce(nonce)) {
		/* no randomness: each check on its own, as carve always could;
		 * a kept PowerShell's answers cannot be told apart without one */
		if (ps)
			err = carve_error_set(CARVE_ERROR, "no randomness to mark the answers with");
		for (int c = 0; c < CARVE_CHECK__COUNT; c++) {
			if (!(want & (1u << c)))
				continue;
			if (ps)
				check_set(&res[c], CARVE_STATUS_FAILED, NULL, carve_error_last()->message);
			else if (err >= 0)
				err = remote_check(&res[c], ssh, (carve_check)c, plan, m, ctx);
		}
		return err;
	}
	bool gate = want & (1u << CARVE_CHECK_PING), opened = false;
	for (int c = 0; c < CARVE_CHECK__COUNT && err >= 0; c++) {
		if (!(want & (1u << c)))
			continue;
		/* each check as it would run alone, in its own scope: its error
		 * stops it, not the ones after it (try/catch and $_, the
		 * ErrorRecord, are PowerShell 2.0's: about_Try_Catch_Finally);
		 * with the ping asked too, the rest only when it answered, so a
		 * machine that is off costs no WMI timeouts */
		if (gate && c != CARVE_CHECK_PING && !opened) {
			carve_buf_puts(&script, "if (\"$carve_up\" -eq 'True') {\n");
			opened = true;
		}
		carve_buf_printf(&script, "'%s|begin|%s'\ntry { %s& {\n", nonce,
				 carve_check_name((carve_check)c),
				 c == CARVE_CHECK_PING ? "$carve_up = " : "");
		err = check_script(&script, (carve_check)c, m);
		carve_buf_printf(&script, "}%s } catch { '%s|error'; $_.Exception.Message }\n"
				 "'%s|end|%s'\n", c == CARVE_CHECK_PING ? "; $carve_up" : "", nonce,
				 nonce, carve_check_name((carve_check)c));
	}
	if (opened)
		carve_buf_puts(&script, "}\n");
	if (err < 0 || (!ps && (err = carve_ps_command(&cmd, carve_buf_cstr(&script))) < 0)) {
		for (int c = 0; c < CARVE_CHECK__COUNT; c++)
			if (want & (1u << c))
				check_set(&res[c], CARVE_STATUS_FAILED, NULL, carve_error_last()->message);
		goto done;
	}
	/* one script, one deadline: a machine that hangs costs it once */
	uint32_t timeout_ms = carve_plan_transport(plan)->command_timeout_ms;
	err = ps ? remote_ps_run(&out, ps, carve_buf_cstr(&script), timeout_ms)
		 : carve_ssh_exec(&out, ssh, carve_buf_cstr(&cmd), timeout_ms, 0);
	check_section sec[CARVE_CHECK__COUNT];
	remote_check_sections(sec, out.out ? out.out : "", out.out_len, nonce);
	if (gate && sec[CARVE_CHECK_PING].ran) {
		check_parse(&res[CARVE_CHECK_PING], CARVE_CHECK_PING, plan, m, ctx,
			    sec[CARVE_CHECK_PING].out, sec[CARVE_CHECK_PING].out_len,
			    sec[CARVE_CHECK_PING].err, sec[CARVE_CHECK_PING].err_len,
			    sec[CARVE_CHECK_PING].failed ? 1 : 0);
		want &= ~(1u << CARVE_CHECK_PING);
		/* it did not answer: the rest were not asked, and stay so */
		if (res[CARVE_CHECK_PING].status != CARVE_STATUS_OK)
			want = 0;
	} else if (gate) {
		want = 1u << CARVE_CHECK_PING; /* not even the ping answered: it says why */
	}
	if (err == CARVE_ETIMEOUT && ps)
		/* in triage's form, cause (details): fix.  Closing the session
		 * may not end the PowerShell: Win32-OpenSSH leaves a session's
		 * processes running when it has no terminal (its issue 1751) */
		carve_error_set(CARVE_ETIMEOUT, "no answer within %us, asked through %s (its WMI "
				"service may hang; the PowerShell that asked, process %lu on %s, may be "
				"left waiting: Stop-Process -Id %lu there ends it): restart the machine's "
				"Windows Management Instrumentation service, or the machine, then check "
				"again", (timeout_ms + 999) / 1000, ps->host, ps->pid, ps->host, ps->pid);
	for (int c = 0; c < CARVE_CHECK__COUNT; c++) {
		if (!(want & (1u << c)))
			continue;
		if (err == CARVE_ECANCELED && !sec[c].ran)
			check_set(&res[c], CARVE_STATUS_INTERRUPTED, NULL, "stopped by the lead");
		else if (err < 0 && !sec[c].ran)
			check_set(&res[c], CARVE_STATUS_FAILED, NULL, carve_error_last()->message);
		else if (!sec[c].ran) /* the process ended before it: its own failure */
			check_parse(&res[c], (carve_check)c, plan, m, ctx, "", 0, out.err, out.err_len,
				    out.exited && out.exit_status ? out.exit_status : 1);
		else
			check_parse(&res[c], (carve_check)c, plan, m, ctx, sec[c].out, sec[c].out_len,
				    sec[c].err, sec[c].err_len, sec[c].failed ? 1 : 0);
	}
done:
	carve_ssh_result_done(&out);
	carve_buf_done(&script);
	carve_buf_done(&cmd);
	return err;
}

typedef struct {
	carve_buf names; /* NUL-separated */
	size_t count;
} group_list;

static void read_group(char *line, void *ctx)
{
	group_list *g = ctx;
	char *f[2];

	if (remote_fields(line, f, 2) == 2 && !strcmp(f[0], "group")) {
		carve_buf_put(&g->names, f[1], strlen(f[1]) + 1);
		g->count++;
	}
}

void remote_migrator_groups(check_context *ctx, const carve_plan *plan, const remote_ctx *rc)
{
	size_t admt = remote_exec_host(plan, CARVE_ROLE_ADMT);
	carve_ssh *ssh = NULL;
	carve_buf text = CARVE_BUF_INIT;
	group_list g = { CARVE_BUF_INIT, 0 };
	int err;

	memset(ctx, 0, sizeof(*ctx));
	if (admt == CARVE_NONE)
		err = carve_error_set(CARVE_EINVALID, "the plan has no ADMT server to ask");
	else if ((err = remote_open_exec(&ssh, plan, admt, rc)) == 0)
		err = remote_run(&text, ssh, plan, CMD_MIGRATOR_GROUPS, NULL);
	carve_ssh_free(ssh);
	if (err == 0)
		remote_lines(text.ptr, read_group, &g);
	const char **list = err == 0 && !g.names.failed ? calloc(g.count + 1, sizeof(*list)) : NULL;
	if (list) {
		const char *p = g.names.ptr;
		for (size_t i = 0; i < g.count; i++, p += strlen(p) + 1)
			list[i] = p;
		ctx->migrator_groups = list;
		ctx->migrator_group_count = g.count;
		g.names.ptr = NULL; /* owned by the list now: list[0] */
	} else {
		ctx->groups_unread = strdup(err < 0 ? carve_error_last()->message : "out of memory");
	}
	carve_buf_done(&g.names);
	carve_buf_done(&text);
}

void check_context_done(check_context *ctx)
{
	if (ctx->migrator_groups) {
		free((char *)ctx->migrator_groups[0]);
		free((void *)ctx->migrator_groups);
	}
	free((char *)ctx->groups_unread);
	memset(ctx, 0, sizeof(*ctx));
}

void remote_lines(char *text, void (*fn)(char *line, void *ctx), void *ctx)
{
	char *p = text;

	while (p && *p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		char *line = carve_trim(p);
		if (*line)
			fn(line, ctx);
		p = nl ? nl + 1 : NULL;
	}
}

size_t remote_fields(char *line, char **f, size_t n)
{
	size_t k = 0;

	f[k++] = line;
	for (char *p = line; *p && k < n; p++)
		if (*p == '|') {
			*p = '\0';
			f[k++] = p + 1;
		}
	for (size_t i = 0; i < k; i++)
		f[i] = carve_trim(f[i]);
	return k;
}
