/*
 * step_mail.c - STEP 3: a mailbox move for each of the chunk's users on the
 * mail migration server, with the plan's bad item limit, polled until each
 * completes or fails.
 *
 * The moves that exist on the server are read first, every time: a user
 * whose move is already complete is done, one in progress is followed, and
 * only a user with no move (or a failed one, when retrying) gets a new
 * one, so a move is never started twice.  Failures are diagnosed in the
 * seed's order: the target mail-enabled user lacks the SMTP address, too
 * many bad items for the limit, a mailbox larger than the target database
 * allows; otherwise the application log's lines about the user.
 */
#include "pipeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef enum { MOVE_NONE, MOVE_ACTIVE, MOVE_DONE, MOVE_FAILED } move_kind;

typedef struct {
	move_kind kind;
	bool tracked;          /* this run follows it */
	char status[32];       /* as Exchange says it */
	unsigned percent;
	uint64_t bytes;
	uint64_t items;
	uint64_t bad_items;
	char message[512];
} move_info;

typedef struct {
	move_info *u;
	carve_ssh *ssh;
	size_t host;
	uint64_t poll_ms;      /* how long the last poll took */
} mail_phase;

static move_kind kind_of(const char *status)
{
	if (!strncasecmp(status, "Completed", 9))
		return MOVE_DONE;
	if (!strcasecmp(status, "Failed"))
		return MOVE_FAILED;
	return MOVE_ACTIVE; /* Queued, InProgress, CompletionInProgress, ... */
}

static size_t user_slot(pipeline *p, const char *name)
{
	size_t u = carve_plan_find_user(p->plan, name);

	for (size_t i = 0; u != CARVE_NONE && i < p->n_users; i++)
		if (p->users[i].index == u)
			return i;
	return CARVE_NONE;
}

/* User|Status|Percent|Bytes|Items|BadItems|Message */
static void read_move(char *line, void *ctx)
{
	pipeline *p = ctx;
	mail_phase *ph = p->phase;
	char *f[7] = { NULL };
	size_t n = remote_fields(line, f, 7), i;

	if (n < 2 || (i = user_slot(p, f[0])) == CARVE_NONE)
		return;
	move_info *mi = &ph->u[i];
	snprintf(mi->status, sizeof(mi->status), "%s", f[1]);
	mi->kind = kind_of(f[1]);
	mi->percent = n > 2 ? (unsigned)strtoul(f[2], NULL, 10) : 0;
	mi->bytes = n > 3 ? strtoull(f[3], NULL, 10) : 0;
	mi->items = n > 4 ? strtoull(f[4], NULL, 10) : 0;
	mi->bad_items = n > 5 ? strtoull(f[5], NULL, 10) : 0;
	snprintf(mi->message, sizeof(mi->message), "%s", n > 6 ? f[6] : "");
}

/* The source organisation's account, whose password the commands that
 * reach the source (a move's -RemoteCredential, reads of source AD) read
 * from their standard input. */
static size_t source_account(const pipeline *p)
{
	return carve_plan_site(p->plan)->source.account;
}

/* Runs c on the mail server, reconnecting once if the session was lost
 * while asking (never for starting moves: those may have gone out); with
 * the source account's password on stdin when secret is set. */
static int mail_run(pipeline *p, carve_buf *text, carve_command c, const char *const *values,
		    bool secret)
{
	mail_phase *ph = p->phase;
	int err = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (!ph->ssh && (err = remote_open_exec(&ph->ssh, p->plan, ph->host,
							&p->remote)) < 0)
			return err;
		text->len = 0;
		err = remote_run_with(text, ph->ssh, p->plan, c, values,
				      secret ? source_account(p) : CARVE_NONE);
		if (remote_session_lost(err)) {
			carve_ssh_free(ph->ssh);
			ph->ssh = NULL;
		}
		if (err == 0 || !remote_session_lost(err) || err == CARVE_ECANCELED ||
		    c == CMD_MOVE_START)
			break;
	}
	return err;
}

/* The Exchange shell's URI, "" for the snap-in. */
static const char *exchange_uri(const pipeline *p)
{
	const char *uri = carve_plan_mail(p->plan)->exchange_uri;

	return uri ? uri : "";
}

/* The user name the source account logs on as, for its credential. */
static const char *source_user(const pipeline *p)
{
	size_t n, a = source_account(p);
	const carve_account *acc = carve_plan_accounts(p->plan, &n);

	return a < n ? acc[a].user : "";
}

static int for_users(pipeline *p, carve_command c, const char **values, const bool *which,
		     bool secret, void (*read)(char *line, void *ctx), void *ctx);

/* What the server has for each tracked user: a user it has no request
 * for keeps MOVE_NONE. */
static int poll_moves(pipeline *p)
{
	mail_phase *ph = p->phase;
	const char *values[] = { NULL, exchange_uri(p) };
	bool *which = calloc(p->n_users ? p->n_users : 1, sizeof(*which));

	if (!which)
		return carve_error_oom();
	for (size_t i = 0; i < p->n_users; i++)
		which[i] = ph->u[i].tracked;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int err = for_users(p, CMD_MOVE_STATUS, values, which, false, read_move, p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ph->poll_ms = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000 +
		      (uint64_t)((t1.tv_nsec - t0.tv_nsec) / 1000000);
	free(which);
	return err;
}

static void move_evidence(carve_buf *ev, const move_info *mi)
{
	carve_buf_putc(ev, '{');
	pipe_json_str(ev, "status", mi->status);
	pipe_json_num(ev, "percent", mi->percent);
	pipe_json_num(ev, "bytes", (double)mi->bytes);
	pipe_json_num(ev, "items", (double)mi->items);
	pipe_json_num(ev, "bad_items", (double)mi->bad_items);
	if (mi->message[0])
		pipe_json_str(ev, "message", mi->message);
}

static const char *smtp_of(pipeline *p, const carve_user *u, char *buf, size_t cap)
{
	if (u->email)
		return u->email;
	snprintf(buf, cap, "%s@%s", u->name, carve_plan_site(p->plan)->source.dns);
	return buf;
}

typedef struct {
	bool smtp_known, smtp;
	uint64_t quota;
	carve_buf events; /* JSON strings, comma separated */
	char first_event[512];
} triage_info;

static void read_triage(char *line, void *ctx)
{
	triage_info *t = ctx;
	char *f[4] = { NULL };
	size_t n = remote_fields(line, f, 4);

	if (n >= 2 && !strcmp(f[0], "smtp")) {
		t->smtp_known = true;
		t->smtp = !strcasecmp(f[1], "True");
	} else if (n >= 3 && !strcmp(f[0], "quota")) {
		/* "Unlimited" is no limit at all */
		char *end;
		uint64_t q = strtoull(f[2], &end, 10);
		if (q && !*end && (!t->quota || q < t->quota))
			t->quota = q;
	} else if (n >= 4 && !strcmp(f[0], "event")) {
		carve_buf_puts(&t->events, t->events.len ? "," : "");
		carve_buf_json_string(&t->events, f[3]);
		if (!t->first_event[0])
			snprintf(t->first_event, sizeof(t->first_event), "%s", f[3]);
	}
}

static void gib(char *out, size_t cap, uint64_t bytes)
{
	snprintf(out, cap, "%.1f GiB", (double)bytes / (double)((uint64_t)1 << 30));
}

/* Records u's failed move with the first of the seed's causes that holds. */
static void fail_move(pipeline *p, size_t i)
{
	mail_phase *ph = p->phase;
	move_info *mi = &ph->u[i];
	const carve_user *u = pipe_user(p, &p->users[i]);
	unsigned limit = carve_plan_mail(p->plan)->bad_item_limit;
	char smtp_buf[320], have[32], allowed[32];
	const char *smtp = smtp_of(p, u, smtp_buf, sizeof(smtp_buf));
	const char *values[] = { u->name, smtp, exchange_uri(p) };
	carve_buf text = CARVE_BUF_INIT, ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	triage_info t = { false, false, 0, CARVE_BUF_INIT, "" };
	int err = mail_run(p, &text, CMD_MAIL_TRIAGE, values, false);

	if (err == 0)
		remote_lines(text.ptr, read_triage, &t);
	move_evidence(&ev, mi);
	pipe_json_num(&ev, "bad_item_limit", limit);
	if (t.smtp_known)
		carve_buf_printf(&ev, ",\"target_has_smtp\":%s", t.smtp ? "true" : "false");
	if (t.quota)
		pipe_json_num(&ev, "target_quota_bytes", (double)t.quota);
	carve_buf_printf(&ev, ",\"events\":[%s]}", carve_buf_cstr(&t.events));

	if (t.smtp_known && !t.smtp) {
		carve_buf_printf(&diag, "the target mail-enabled user has no SMTP address %s:"
				 " add it to the target user, then retry the move", smtp);
	} else if (mi->bad_items > limit) {
		carve_buf_printf(&diag, "the move met %" PRIu64 " bad items, more than the bad"
				 " item limit of %u: raise mail.bad_item_limit (the items"
				 " over it are lost), then retry", mi->bad_items, limit);
	} else if (t.quota && mi->bytes > t.quota) {
		gib(have, sizeof(have), mi->bytes);
		gib(allowed, sizeof(allowed), t.quota);
		carve_buf_printf(&diag, "the mailbox holds %s, more than the target database"
				 " allows (%s): raise the quota or move it to a larger"
				 " database, then retry", have, allowed);
	} else if (err < 0) {
		carve_buf_printf(&diag, "the move failed (%s); the mail server could not be asked"
				 " why (%s): read its application event log",
				 mi->message[0] ? mi->message : mi->status,
				 carve_error_last()->message);
	} else {
		carve_buf_printf(&diag, "the move failed (%s) for none of the known causes;"
				 " the application event log says: %s",
				 mi->message[0] ? mi->message : mi->status,
				 t.first_event[0] ? t.first_event : "nothing about this user");
	}
	pipe_record(p, &p->users[i], SLOT_MOVE, CARVE_STATUS_FAILED, carve_buf_cstr(&ev),
		    carve_buf_cstr(&diag));
	mi->tracked = false;
	carve_buf_done(&text);
	carve_buf_done(&ev);
	carve_buf_done(&diag);
	carve_buf_done(&t.events);
}

typedef struct {
	pipeline *p;
	bool *meu;
} meu_ctx;

static void read_meu(char *line, void *ctx)
{
	meu_ctx *m = ctx;
	char *f[2];
	size_t i;

	if (remote_fields(line, f, 2) == 2 && (i = user_slot(m->p, f[0])) != CARVE_NONE)
		m->meu[i] = !strcasecmp(f[1], "True");
}

/* Records the completed moves, with whether the coexistence mail-enabled
 * user now exists in the source. */
static void finish_done(pipeline *p)
{
	mail_phase *ph = p->phase;
	bool *meu = calloc(p->n_users ? p->n_users : 1, sizeof(*meu)),
	     *done = calloc(p->n_users ? p->n_users : 1, sizeof(*done));
	const char *source = carve_plan_site(p->plan)->source.dns;
	size_t n = 0;

	for (size_t i = 0; done && i < p->n_users; i++)
		n += done[i] = ph->u[i].tracked && ph->u[i].kind == MOVE_DONE;
	if (!n || !meu)
		goto out;
	/* as many users a command as its line holds (Windows' 8191
	 * characters), as for every list */
	const char *values[] = { NULL, source, source_user(p) };
	meu_ctx m = { p, meu };
	char unread[512] = "";
	bool asked = for_users(p, CMD_SOURCE_MEU, values, done, true, read_meu, &m) == 0;
	if (!asked)
		snprintf(unread, sizeof(unread), "%s", carve_error_last()->message);
	for (size_t i = 0; i < p->n_users; i++) {
		move_info *mi = &ph->u[i];
		if (!mi->tracked || mi->kind != MOVE_DONE)
			continue;
		carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
		move_evidence(&ev, mi);
		if (asked)
			carve_buf_printf(&ev, ",\"source_mail_user\":%s", meu[i] ? "true" : "false");
		else
			pipe_json_str(&ev, "source_read_failed", unread);
		carve_buf_putc(&ev, '}');
		/* A source that could not be read is a failure, not "no mail
		 * user": retried, the completed request is found again and only
		 * the read is repeated. */
		carve_status status = CARVE_STATUS_WARN;
		if (strcasecmp(mi->status, "Completed") != 0) {
			carve_buf_puts(&diag, "the move completed with warnings: read its report on"
				       " the mail server");
		} else if (!asked) {
			status = CARVE_STATUS_FAILED;
			carve_buf_printf(&diag, "the mailbox moved, but the source organisation could"
					 " not be read to confirm its mail-enabled user there (%s):"
					 " check the source account (site.source.account), then run"
					 " the chunk with --retry-failed (the mailbox is not moved"
					 " again)", unread);
		} else if (!meu[i]) {
			carve_buf_puts(&diag, "the mailbox moved, but the source has no mail-enabled"
				       " user for it: mail sent inside the source organisation will"
				       " not reach the new mailbox until one is created");
		}
		pipe_record(p, &p->users[i], SLOT_MOVE, diag.len ? status : CARVE_STATUS_OK,
			    carve_buf_cstr(&ev), diag.len ? diag.ptr : NULL);
		carve_buf_done(&ev);
		carve_buf_done(&diag);
		mi->tracked = false;
	}
out:
	free(meu);
	free(done);
}

static void read_started(char *line, void *ctx)
{
	pipeline *p = ctx;
	mail_phase *ph = p->phase;
	char *f[3] = { NULL };
	size_t i;

	if (remote_fields(line, f, 3) < 2 || (i = user_slot(p, f[0])) == CARVE_NONE)
		return;
	if (!strcasecmp(f[1], "Failed")) {
		ph->u[i].kind = MOVE_FAILED;
		snprintf(ph->u[i].status, sizeof(ph->u[i].status), "Failed");
		snprintf(ph->u[i].message, sizeof(ph->u[i].message), "%s",
			 f[2] ? check_windows_message(f[2]) : "");
	} else {
		ph->u[i].kind = MOVE_ACTIVE;
	}
}

/* Runs c (whose first value is a list of users) for the users marked in
 * which[], as many per command as fit on a Windows command line; each
 * answer's lines go to read. */
static int for_users(pipeline *p, carve_command c, const char **values, const bool *which,
		     bool secret, void (*read)(char *line, void *ctx), void *ctx)
{
	carve_buf list = CARVE_BUF_INIT, text = CARVE_BUF_INIT;
	int err = 0;

	for (size_t i = 0; i <= p->n_users && err == 0 && !pipe_cancelled(p); i++) {
		bool last = i == p->n_users;
		const char *name = last ? NULL : pipe_user(p, &p->users[i])->name;
		if (!last && (!which[i] || cmd_list_add(&list, name, p->plan, c, values)))
			continue;
		/* Full (or at the end): send what fitted, then start the next
		 * batch with this user. */
		values[0] = carve_buf_cstr(&list);
		if (list.len && (err = mail_run(p, &text, c, values, secret)) == 0 && read)
			remote_lines(text.ptr, read, ctx);
		list.len = 0;
		if (!last)
			cmd_list_add(&list, name, p->plan, c, values);
	}
	carve_buf_done(&list);
	carve_buf_done(&text);
	return err;
}

/* Starts the moves of the users marked in start[]: a cross-forest move,
 * -Remote from a 2010 source's MRSProxy or -RemoteLegacy from 2003/2007,
 * with the source's credential.  A failed request of one of them is
 * removed first: Exchange refuses a second request for a mailbox. */
static int start_moves(pipeline *p, const bool *start, const bool *remove)
{
	const carve_mail *mail = carve_plan_mail(p->plan);
	char limit[16], version[8];
	const char *removals[] = { NULL, exchange_uri(p) };
	const char *values[] = { NULL, limit, version, mail->mrs_proxy ? mail->mrs_proxy : "",
				 mail->remote_gc ? mail->remote_gc : "",
				 mail->delivery_domain,
				 exchange_uri(p), source_user(p) };
	int err;

	snprintf(limit, sizeof(limit), "%u", mail->bad_item_limit);
	snprintf(version, sizeof(version), "%u", mail->source_version);
	if ((err = for_users(p, CMD_MOVE_REMOVE, removals, remove, false, NULL, NULL)) < 0)
		return err;
	return for_users(p, CMD_MOVE_START, values, start, true, read_started, p);
}

static void fail_all(pipeline *p, const char *why)
{
	mail_phase *ph = p->phase;

	for (size_t i = 0; i < p->n_users; i++)
		if (ph->u[i].tracked)
			pipe_record(p, &p->users[i], SLOT_MOVE, CARVE_STATUS_FAILED, NULL, why);
}

static void follow(pipeline *p)
{
	mail_phase *ph = p->phase;
	const carve_mail *mail = carve_plan_mail(p->plan);
	struct timespec t0, now;
	char why[768];

	/* a poll asks Exchange one Get-MoveRequestStatistics a mailbox, one
	 * after another on one session; the next waits at least as long as
	 * the last took (the phase's first one too), so carve keeps that
	 * session busy half the time at most however many moves there are
	 * (issue 15) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool active = false;
		for (size_t i = 0; i < p->n_users; i++) {
			if (ph->u[i].tracked && ph->u[i].kind == MOVE_FAILED)
				fail_move(p, i);
			active |= ph->u[i].tracked && ph->u[i].kind == MOVE_ACTIVE;
		}
		finish_done(p);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!active || pipe_cancelled(p))
			return;
		if ((uint64_t)(now.tv_sec - t0.tv_sec) * 1000 > mail->move_timeout_ms) {
			snprintf(why, sizeof(why), "the move is still running after %us: look at it"
				 " on the mail server (stalled, throttled?)",
				 mail->move_timeout_ms / 1000);
			fail_all(p, why);
			return;
		}
		uint64_t wait_ms = ph->poll_ms > mail->poll_interval_ms ? ph->poll_ms
							 : mail->poll_interval_ms;
		if (!pipe_sleep(p, (uint32_t)(wait_ms < UINT32_MAX ? wait_ms : UINT32_MAX)))
			return;
		int polled = poll_moves(p);
		if (polled < 0 && carve_error_last()->code != CARVE_ECANCELED) {
			snprintf(why, sizeof(why), "the mail server could not be asked how the move"
				 " goes: %s", carve_error_last()->message);
			fail_all(p, why);
			return;
		}
	}
}

void phase_mail(pipeline *p)
{
	mail_phase ph = { calloc(p->n_users ? p->n_users : 1, sizeof(move_info)), NULL,
			  remote_exec_host(p->plan, CARVE_ROLE_MAIL), 0 };
	bool *start = calloc(p->n_users ? p->n_users : 1, sizeof(*start));
	bool *remove = calloc(p->n_users ? p->n_users : 1, sizeof(*remove));
	pipe_change *running = calloc(p->n_users ? p->n_users : 1, sizeof(*running));
	size_t n = 0;
	char why[768];

	if (!ph.u || !start || !remove || !running) {
		carve_error_oom();
		pipe_stop(p, "mail");
		goto done;
	}
	p->phase = &ph;
	for (size_t i = 0; i < p->n_users; i++)
		ph.u[i].tracked = pipe_wants(p, &p->users[i], SLOT_MOVE);
	for (size_t i = 0; i < p->n_users; i++)
		n += ph.u[i].tracked;
	if (!n)
		goto done;
	/* With a mail host, the plan loaded only with what New-MoveRequest
	 * needs (site.source.account, the delivery domain, the MRS proxy or
	 * global catalog: plan_check); without one there is nowhere to move. */
	if (ph.host == CARVE_NONE) {
		fail_all(p, "the plan has no exec host with role mail, which mailbox moves need");
		goto done;
	}
	/* What the server already has decides what is started. */
	if (poll_moves(p) < 0) {
		snprintf(why, sizeof(why), "the mail server could not be asked for its moves: %s",
			 carve_error_last()->message);
		if (carve_error_last()->code != CARVE_ECANCELED)
			fail_all(p, why);
		goto done;
	}
	n = 0;
	for (size_t i = 0; i < p->n_users; i++) {
		move_info *mi = &ph.u[i];
		if (!mi->tracked)
			continue;
		bool retry = mi->kind == MOVE_FAILED &&
			     p->users[i].s[SLOT_MOVE].status != CARVE_STATUS_INTERRUPTED;
		start[i] = mi->kind == MOVE_NONE || retry;
		remove[i] = retry;
		if (start[i])
			mi->kind = MOVE_NONE;
		running[n++] = (pipe_change){ &p->users[i], SLOT_MOVE, CARVE_STATUS_RUNNING,
					      NULL, NULL };
	}
	if (pipe_record_all(p, running, n) < 0)
		goto done;
	if (start_moves(p, start, remove) < 0 && carve_error_last()->code != CARVE_ECANCELED) {
		snprintf(why, sizeof(why), "the moves could not be started: %s",
			 carve_error_last()->message);
		for (size_t i = 0; i < p->n_users; i++)
			if (start[i] && ph.u[i].kind == MOVE_NONE)
				pipe_record(p, &p->users[i], SLOT_MOVE, CARVE_STATUS_FAILED, NULL, why);
		for (size_t i = 0; i < p->n_users; i++)
			ph.u[i].tracked &= !(start[i] && ph.u[i].kind == MOVE_NONE);
	}
	follow(p);
done:
	carve_ssh_free(ph.ssh);
	p->phase = NULL;
	free(ph.u);
	free(start);
	free(remove);
	free(running);
}
