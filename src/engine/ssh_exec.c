/*
 * ssh_exec.c - one command on its own channel of a session: output kept up
 * to a cap, exit status or signal, one deadline for the whole command.
 *
 * The channel's callbacks collect everything; an ssh_event drives the
 * session and watches the cancel pipe, so a stopped phase wakes every
 * waiting command at once.
 */
#define _GNU_SOURCE /* memmem */
#include "transport_internal.h"

#include <libssh/callbacks.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	carve_ssh_result *r;
	carve_buf out, err;
	size_t cap;
	bool eof, closed;
	const char *input;  /* what is left to write to standard input */
	size_t input_left;
	bool input_closed;  /* all written (and EOF sent, unless keep_open) */
	bool keep_open;     /* a shell: stdin stays open for the next request */
	const char *until;  /* a shell's reply ends with a line holding this */
	size_t scanned;     /* how much of out was searched for it */
} exec_state;

static void keep(carve_buf *b, bool *truncated, size_t cap, const void *data, size_t len)
{
	size_t room = b->len < cap ? cap - b->len : 0;

	if (len > room) {
		*truncated = true;
		len = room;
	}
	if (len)
		carve_buf_put(b, data, len);
}

static int on_data(ssh_session session, ssh_channel channel, void *data, uint32_t len,
		   int is_stderr, void *userdata)
{
	exec_state *x = userdata;

	(void)session, (void)channel;
	if (is_stderr)
		keep(&x->err, &x->r->err_truncated, x->cap, data, len);
	else
		keep(&x->out, &x->r->out_truncated, x->cap, data, len);
	return (int)len; /* all consumed: the window keeps opening */
}

static void on_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	(void)session, (void)channel;
	((exec_state *)userdata)->eof = true;
}

static void on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	(void)session, (void)channel;
	((exec_state *)userdata)->closed = true;
}

static void on_exit_status(ssh_session session, ssh_channel channel, int status,
			   void *userdata)
{
	exec_state *x = userdata;

	(void)session, (void)channel;
	x->r->exit_status = status;
	x->r->exited = true;
}

static void on_exit_signal(ssh_session session, ssh_channel channel, const char *signal,
			   int core, const char *errmsg, const char *lang, void *userdata)
{
	exec_state *x = userdata;

	(void)session, (void)channel, (void)core, (void)errmsg, (void)lang;
	snprintf(x->r->signal, sizeof(x->r->signal), "%s", signal ? signal : "?");
}

static int on_cancel(socket_t fd, int revents, void *userdata)
{
	(void)fd, (void)revents, (void)userdata;
	return 0; /* the loop sees carve_cancel_fired() */
}

static bool finished(const exec_state *x)
{
	return x->closed || (x->eof && (x->r->exited || x->r->signal[0]));
}

/* The end of the line in out that holds x->until, or 0 (searching only
 * what arrived since the last look). */
static size_t reply_end(exec_state *x)
{
	size_t from = x->scanned, n = strlen(x->until);

	/* a line holding it may have begun before what was scanned */
	while (from > 0 && x->out.ptr[from - 1] != '\n')
		from--;
	for (size_t at = from; at < x->out.len;) {
		const char *eol = memchr(x->out.ptr + at, '\n', x->out.len - at);
		if (!eol)
			break;
		size_t end = (size_t)(eol - x->out.ptr) + 1;
		if (memmem(x->out.ptr + at, end - at, x->until, n))
			return end;
		at = end;
	}
	x->scanned = x->out.len;
	return 0;
}

/* A shell's reply is there, or more came than the cap keeps (waiting on
 * would only run out the deadline). */
static bool answered(exec_state *x)
{
	return x->until ? reply_end(x) > 0 || x->r->out_truncated : false;
}

/* Opens the channel, with cb watching it, and starts the command. */
static int start(ssh_channel *out, carve_ssh *ssh, const char *command,
		 struct ssh_channel_callbacks_struct *cb, const deadline *d)
{
	ssh_channel ch = ssh_channel_new(ssh->session);
	int rc, err;
	char what[512];

	*out = NULL;
	if (!ch)
		return ssh_fail(ssh, CARVE_ENET, "cannot open a channel");
	/* Before anything is sent: a quick command's exit status and EOF can
	 * arrive while the exec request is still being confirmed. */
	if (ssh_set_channel_callbacks(ch, cb) != SSH_OK) {
		err = carve_error_set(CARVE_ERROR, "%s: cannot watch the channel", ssh->label);
		goto fail;
	}
	snprintf(what, sizeof(what), "%s: opening a channel (logged in, then no answer)",
		 ssh->label);
	while ((rc = ssh_channel_open_session(ch)) == SSH_AGAIN)
		if ((err = wait_fd(ssh->fd, POLLIN, d, ssh->cancel, 50, what)) < 0)
			goto fail;
	if (rc != SSH_OK) {
		err = ssh_fail(ssh, CARVE_ENET, "cannot open a channel");
		goto fail;
	}
	*out = ch;
	snprintf(what, sizeof(what), "%s: starting the command", ssh->label);
	while ((rc = ssh_channel_request_exec(ch, command)) == SSH_AGAIN)
		if ((err = wait_fd(ssh->fd, POLLIN, d, ssh->cancel, 50, what)) < 0)
			return err;
	if (rc != SSH_OK)
		return ssh_fail(ssh, CARVE_ENET, "the host refused to run the command");
	return 0;
fail:
	ssh_remove_channel_callbacks(ch, cb);
	ssh_channel_free(ch);
	return err;
}

/* Writes as much of the input as the peer's window takes, then EOF.  The
 * event loop in drive() brings the window adjustments in between. */
static int feed(carve_ssh *ssh, ssh_channel ch, exec_state *x)
{
	while (x->input_left > 0 && !x->closed) {
		uint32_t room = ssh_channel_window_size(ch);
		uint32_t n = x->input_left < room ? (uint32_t)x->input_left : room;
		if (n == 0)
			return 0;
		int rc = ssh_channel_write(ch, x->input, n > 32768 ? 32768 : n);
		if (rc < 0)
			return ssh_fail(ssh, CARVE_ENET, "cannot write the command's input");
		x->input += rc;
		x->input_left -= (size_t)rc;
		if (rc == 0)
			return 0;
	}
	/* A command that ended without reading its input needs no EOF. */
	if (!x->closed && !x->keep_open && ssh_channel_send_eof(ch) == SSH_ERROR)
		return ssh_fail(ssh, CARVE_ENET, "cannot close the command's input");
	x->input_closed = true;
	return 0;
}

static int drive(carve_ssh *ssh, ssh_channel ch, exec_state *x, const deadline *d)
{
	ssh_event ev = ssh_event_new();
	int err = 0;

	if (!ev)
		return carve_error_oom();
	if (ssh_event_add_session(ev, ssh->session) != SSH_OK ||
	    (ssh->cancel && ssh_event_add_fd(ev, cancel_fd(ssh->cancel), POLLIN,
					     on_cancel, NULL) != SSH_OK)) {
		err = carve_error_set(CARVE_ERROR, "%s: cannot watch the session", ssh->label);
		goto done;
	}
	while (!finished(x) && !answered(x)) {
		if (!x->input_closed && (err = feed(ssh, ch, x)) < 0)
			break;
		if (carve_cancel_fired(ssh->cancel)) {
			err = carve_error_set(CARVE_ECANCELED, "%s: command interrupted",
					      ssh->label);
			break;
		}
		int left = deadline_left_ms(d);
		if (left == 0) {
			err = carve_error_set(CARVE_ETIMEOUT, "%s: the command did not finish "
					      "in time", ssh->label);
			break;
		}
		if (ssh_event_dopoll(ev, left > 1000 ? 1000 : left) == SSH_ERROR ||
		    !ssh_is_connected(ssh->session) ||
		    (ssh_get_status(ssh->session) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
			if (finished(x))
				break;
			err = carve_error_set(CARVE_ENET, "%s: connection lost during the "
					      "command: %s", ssh->label,
					      ssh_get_error(ssh->session));
			break;
		}
	}
	if (ssh->cancel)
		ssh_event_remove_fd(ev, cancel_fd(ssh->cancel));
	ssh_event_remove_session(ev, ssh->session);
done:
	ssh_event_free(ev);
	return err;
}

int carve_ssh_exec(carve_ssh_result *r, carve_ssh *ssh, const char *command,
		   uint32_t timeout_ms, size_t cap)
{
	return carve_ssh_exec_input(r, ssh, command, NULL, 0, timeout_ms, cap);
}

int carve_ssh_exec_input(carve_ssh_result *r, carve_ssh *ssh, const char *command,
			 const char *input, size_t input_len, uint32_t timeout_ms, size_t cap)
{
	exec_state x = { .r = r, .out = CARVE_BUF_INIT, .err = CARVE_BUF_INIT,
			 .cap = cap ? cap : 1024 * 1024, .input = input,
			 .input_left = input ? input_len : 0 };
	struct ssh_channel_callbacks_struct cb = {
		.userdata = &x,
		.channel_data_function = on_data,
		.channel_eof_function = on_eof,
		.channel_close_function = on_close,
		.channel_exit_status_function = on_exit_status,
		.channel_exit_signal_function = on_exit_signal,
	};
	ssh_channel ch = NULL;
	struct timespec t0, t1;
	deadline d;
	int err;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ssh->broken)
		return carve_error_set(CARVE_ENET, "%s: the session was abandoned by an "
				       "earlier command", ssh->label);
	deadline_in(&d, timeout_ms ? timeout_ms : 120000);
	ssh_callbacks_init(&cb);
	if ((err = start(&ch, ssh, command, &cb, &d)) == 0)
		err = drive(ssh, ch, &x, &d);
	if (err == 0 && !r->exited && !r->signal[0])
		err = carve_error_set(CARVE_ERROR, "%s: the command ended without an exit "
				      "status", ssh->label);
	if (err == CARVE_ETIMEOUT || err == CARVE_ECANCELED || err == CARVE_ENET)
		ssh->broken = true;
	if (ch) {
		/* libssh keeps a freed channel until the peer's close arrives and
		 * would then call cb, which lives on this stack: unhook it first. */
		ssh_remove_channel_callbacks(ch, &cb);
		if (!ssh->broken && !x.closed)
			ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	r->out = x.out.ptr ? x.out.ptr : strdup("");
	r->err = x.err.ptr ? x.err.ptr : strdup("");
	r->out_len = x.out.len;
	r->err_len = x.err.len;
	if (x.out.failed || x.err.failed || !r->out || !r->err)
		err = err ? err : carve_error_oom();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return err;
}

void carve_ssh_result_done(carve_ssh_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* ------------------------------------------------- a command kept running */

struct carve_ssh_shell {
	carve_ssh *ssh;
	ssh_channel ch;
	carve_ssh_result r;
	exec_state x;
	struct ssh_channel_callbacks_struct cb;
};

int carve_ssh_shell_open(carve_ssh_shell **out, carve_ssh *ssh, const char *command,
			 uint32_t timeout_ms)
{
	carve_ssh_shell *sh = calloc(1, sizeof(*sh));
	deadline d;
	int err;

	*out = NULL;
	if (!sh)
		return carve_error_oom();
	if (ssh->broken) {
		free(sh);
		return carve_error_set(CARVE_ENET, "%s: the session was abandoned by an earlier "
				       "command", ssh->label);
	}
	sh->ssh = ssh;
	sh->x = (exec_state){ .r = &sh->r, .out = CARVE_BUF_INIT, .err = CARVE_BUF_INIT,
			      .cap = 1024 * 1024, .input_closed = true, .keep_open = true };
	sh->cb = (struct ssh_channel_callbacks_struct){
		.userdata = &sh->x,
		.channel_data_function = on_data,
		.channel_eof_function = on_eof,
		.channel_close_function = on_close,
		.channel_exit_status_function = on_exit_status,
		.channel_exit_signal_function = on_exit_signal,
	};
	ssh_callbacks_init(&sh->cb);
	deadline_in(&d, timeout_ms ? timeout_ms : 120000);
	if ((err = start(&sh->ch, ssh, command, &sh->cb, &d)) < 0) {
		if (err == CARVE_ETIMEOUT || err == CARVE_ECANCELED)
			ssh->broken = true;
		carve_ssh_shell_free(sh);
		return err;
	}
	*out = sh;
	return 0;
}

/* The command's stderr up to its first line end, for a message: the
 * length to print with "%.*s". */
static int first_err_line(carve_ssh_shell *sh, const char **s)
{
	*s = carve_buf_cstr(&sh->x.err);
	return (int)strcspn(*s, "\r\n");
}

int carve_ssh_shell_ask(carve_ssh_shell *sh, carve_buf *reply, const char *input, size_t len,
			const char *until, uint32_t timeout_ms)
{
	carve_ssh *ssh = sh->ssh;
	exec_state *x = &sh->x;
	deadline d;
	int err;

	const char *said;
	int said_len = first_err_line(sh, &said);
	if (ssh->broken || finished(x))
		return carve_error_set(CARVE_ENET, "%s: the command has ended%s%.*s", ssh->label,
				       said_len ? ": " : "", said_len, said);
	x->input = input;
	x->input_left = len;
	x->input_closed = false;
	x->until = until;
	x->scanned = 0;
	x->err.len = 0; /* what it said on stderr for this request only */
	x->r->out_truncated = false;
	deadline_in(&d, timeout_ms ? timeout_ms : 120000);
	err = drive(ssh, sh->ch, x, &d);
	size_t end = err == 0 ? reply_end(x) : 0;
	if (err == 0 && x->r->out_truncated) {
		/* what follows the cut cannot be told apart from the next
		 * reply: the command is never asked again */
		err = carve_error_set(CARVE_ERROR, "%s: the answer was more than %zu bytes",
				      ssh->label, x->cap);
		ssh->broken = true;
		end = 0;
	} else if (err == 0 && !end) {
		said_len = first_err_line(sh, &said);
		err = carve_error_set(CARVE_ENET, "%s: the command ended before it answered%s%.*s",
				      ssh->label, said_len ? ": " : "", said_len, said);
	}
	if (err == CARVE_ETIMEOUT || err == CARVE_ECANCELED || err == CARVE_ENET)
		ssh->broken = true; /* it may still be running: never reused */
	/* the reply is all of it up to the line that ends it; the rest (none,
	 * when the command waits for the next request) stays for the next */
	carve_buf_put(reply, x->out.ptr ? x->out.ptr : "", end ? end : x->out.len);
	if (end < x->out.len && end)
		memmove(x->out.ptr, x->out.ptr + end, x->out.len - end);
	x->out.len = end ? x->out.len - end : 0;
	x->input = NULL;
	x->input_left = 0;
	x->until = NULL;
	if (reply->failed)
		err = err ? err : carve_error_oom();
	return err;
}

void carve_ssh_shell_free(carve_ssh_shell *sh)
{
	if (!sh)
		return;
	if (sh->ch) {
		ssh_remove_channel_callbacks(sh->ch, &sh->cb);
		/* its stdin's end ends a PowerShell reading it */
		if (!sh->ssh->broken && !sh->x.closed) {
			ssh_channel_send_eof(sh->ch);
			ssh_channel_close(sh->ch);
		}
		ssh_channel_free(sh->ch);
	}
	carve_buf_done(&sh->x.out);
	carve_buf_done(&sh->x.err);
	free(sh);
}
