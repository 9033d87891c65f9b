/*
 * step_clients.c - STEP 4: mail clients after the move.
 *
 * Outlook 2003 does not use autodiscover, so for each machine that has it
 * carve adds a hosts entry pointing the source Exchange namespace at a
 * target mailbox server, waits until Outlook has reconfigured itself to the
 * target CAS, and removes the entry (the seed's "poor man's autodiscover").
 * The add and the remove each look first, so running them again changes
 * nothing.  Each migrated machine is also asked who is logged on: a user
 * back on the source domain gets a new, empty profile, which is flagged.
 * ActiveSync devices are re-pointed by a person, who signs each off.
 */
#include "pipeline.h"

#include <string.h>
#include <strings.h>
#include <time.h>

static int on_machine(carve_buf *text, pipeline *p, const carve_machine *m, carve_command c,
		      const char *const *values)
{
	carve_ssh *ssh = NULL;
	int err = remote_open_machine(&ssh, p->plan, m, &p->remote);

	text->len = 0;
	if (err == 0)
		err = remote_run(text, ssh, p->plan, c, values);
	carve_ssh_free(ssh);
	return err;
}

static char *first_line(carve_buf *text)
{
	char *line = carve_trim(text->ptr ? text->ptr : (char *)"");
	line[strcspn(line, "\n")] = '\0';
	return line;
}

typedef enum { PROFILE_UNREAD, PROFILE_SERVER, PROFILE_NONE, PROFILE_NOBODY } profile_state;

/* What outlook_server printed: server|SID|NAME for the logged-on user's
 * default profile, noprofile|SID when that user has none, nobody when no
 * user's hive is loaded. */
static profile_state read_profile(const char *text, char *server, size_t cap)
{
	profile_state st = PROFILE_UNREAD;
	char copy[1024], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", text);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[3] = { "", "", "" };
		size_t n = remote_fields(line, f, 3);
		if (!strcmp(f[0], "server") && n == 3) {
			snprintf(server, cap, "%s", f[2]);
			return PROFILE_SERVER;
		}
		if (!strcmp(f[0], "noprofile"))
			st = PROFILE_NONE;
		else if (!strcmp(f[0], "nobody") && st == PROFILE_UNREAD)
			st = PROFILE_NOBODY;
	}
	return st;
}

static void outlook(pipeline *p, pipe_object *o)
{
	const carve_machine *m = pipe_machine(p, o);
	const carve_mail *mail = carve_plan_mail(p->plan);
	carve_buf text = CARVE_BUF_INIT, ev = CARVE_BUF_INIT;
	char why[768], added[16] = "", server[256] = "";
	const char *values[] = { m->name, mail->target_mailbox_server, mail->source_namespace };
	const char *one[] = { m->name };
	struct timespec t0, now;
	int err;

	if (m->outlook != 2003) {
		carve_buf_putc(&ev, '{');
		pipe_json_num(&ev, "outlook", m->outlook);
		pipe_json_str(&ev, "action", m->outlook ? "none: Outlook 2007 and later find the"
			      " target by autodiscover" : "none: no Outlook");
		carve_buf_putc(&ev, '}');
		pipe_record(p, o, SLOT_OUTLOOK, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
		goto done;
	}
	if (o->peer == CARVE_NONE || !pipe_done(&p->users[o->peer], SLOT_MOVE)) {
		pipe_block(p, o, SLOT_OUTLOOK, "its user's mailbox has not moved yet: Outlook"
			   " 2003 is re-pointed after the move");
		goto done;
	}
	if (!mail->target_mailbox_server || !mail->source_namespace || !mail->target_cas) {
		pipe_record(p, o, SLOT_OUTLOOK, CARVE_STATUS_FAILED, NULL, "the plan's mail section"
			    " needs source_namespace, target_mailbox_server and target_cas to"
			    " re-point Outlook 2003");
		goto done;
	}
	/* in the log before the hosts file changes: after a kill, the next
	 * run reads the profile's server and the hosts file again first */
	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "hosts_entry_add", mail->source_namespace);
	pipe_json_str(&ev, "address", mail->target_mailbox_server);
	pipe_json_str(&ev, "removed_once_outlook_uses", mail->target_cas);
	carve_buf_putc(&ev, '}');
	err = pipe_record(p, o, SLOT_OUTLOOK, CARVE_STATUS_RUNNING, carve_buf_cstr(&ev), NULL);
	ev.len = 0;
	if (err < 0)
		goto done;
	/* Outlook may have reconfigured already (an earlier run was stopped
	 * after the entry did its work): then the entry is only removed. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (bool asked = false;; asked = true) {
		profile_state st = PROFILE_UNREAD;
		if ((err = on_machine(&text, p, m, CMD_OUTLOOK_SERVER, one)) == 0) {
			st = read_profile(carve_buf_cstr(&text), server, sizeof(server));
			if (st == PROFILE_SERVER && !strcasecmp(server, mail->target_cas))
				break;
			if (st == PROFILE_NONE) {
				snprintf(server, sizeof(server), "(no Outlook profile)");
				break; /* nothing to re-point */
			}
		}
		if (!asked) {
			if ((err = on_machine(&text, p, m, CMD_HOSTS_ADD, values)) < 0) {
				snprintf(why, sizeof(why), "the hosts entry could not be added: %s",
					 carve_error_last()->message);
				goto failed;
			}
			snprintf(added, sizeof(added), "%s", first_line(&text));
			continue; /* Outlook reconfigures on its next connection */
		}
		if (st == PROFILE_NOBODY) {
			/* Outlook reconfigures itself when its user runs it: the
			 * entry stays, and the next run of the chunk looks again */
			carve_buf_putc(&ev, '{');
			pipe_json_str(&ev, "hosts_entry", added);
			pipe_json_str(&ev, "waiting", "nobody is logged on");
			carve_buf_putc(&ev, '}');
			pipe_record(p, o, SLOT_OUTLOOK, CARVE_STATUS_PENDING, carve_buf_cstr(&ev),
				    "nobody is logged on, so carve cannot read the Outlook profile (it"
				    " lives in the user's hive, loaded at logon): the hosts entry stays;"
				    " run the chunk again after the user has logged on and started"
				    " Outlook once");
			goto done;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - t0.tv_sec) * 1000 > mail->outlook_timeout_ms) {
			snprintf(why, sizeof(why), "Outlook still points at %s after %us: have the"
				 " user start Outlook once (the hosts entry stays until it has"
				 " reconfigured)", server[0] ? server : "its old server",
				 mail->outlook_timeout_ms / 1000);
			goto failed;
		}
		if (!pipe_sleep(p, mail->poll_interval_ms))
			goto done; /* recorded running: the next run checks again */
	}
	if ((err = on_machine(&text, p, m, CMD_HOSTS_REMOVE, values)) < 0) {
		snprintf(why, sizeof(why), "Outlook reconfigured, but the hosts entry could not be"
			 " removed: %s", carve_error_last()->message);
		goto failed;
	}
	carve_buf_putc(&ev, '{');
	pipe_json_num(&ev, "outlook", 2003);
	pipe_json_str(&ev, "hosts_entry", added[0] ? added : "not needed: already reconfigured");
	pipe_json_str(&ev, "server", server);
	pipe_json_str(&ev, "hosts_entry_removed", first_line(&text));
	carve_buf_putc(&ev, '}');
	pipe_record(p, o, SLOT_OUTLOOK, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
	goto done;
failed:
	if (carve_error_last()->code != CARVE_ECANCELED || !pipe_cancelled(p)) {
		carve_buf_putc(&ev, '{');
		pipe_json_str(&ev, "hosts_entry", added);
		pipe_json_str(&ev, "server", server);
		carve_buf_putc(&ev, '}');
		pipe_record(p, o, SLOT_OUTLOOK, CARVE_STATUS_FAILED, carve_buf_cstr(&ev), why);
	}
done:
	carve_buf_done(&text);
	carve_buf_done(&ev);
}

/* Who is logged on: someone on the source domain got a new profile. */
static void logon(pipeline *p, pipe_object *o)
{
	const carve_machine *m = pipe_machine(p, o);
	const carve_site *s = carve_plan_site(p->plan);
	carve_buf text = CARVE_BUF_INIT, ev = CARVE_BUF_INIT;
	const char *values[] = { m->name };
	char why[768];
	int err = on_machine(&text, p, m, CMD_COMPUTER, values);

	if (err == CARVE_ECANCELED)
		goto done;
	if (err < 0) {
		snprintf(why, sizeof(why), "could not ask who is logged on: %s",
			 carve_error_last()->message);
		pipe_record(p, o, SLOT_LOGON, CARVE_STATUS_FAILED, NULL, why);
		goto done;
	}
	char *f[4] = { NULL, NULL, NULL, NULL };
	size_t n = remote_fields(first_line(&text), f, 4);
	const char *who = n >= 4 ? f[3] : "";
	size_t dl = strlen(s->source.netbios);
	bool source = !strncasecmp(who, s->source.netbios, dl) && who[dl] == '\\';
	carve_buf_putc(&ev, '{');
	pipe_json_str(&ev, "logged_on", who);
	pipe_json_str(&ev, "domain", n >= 2 ? f[1] : "");
	carve_buf_putc(&ev, '}');
	snprintf(why, sizeof(why), "%s is logged on to the source domain %s: that makes a new,"
		 " empty profile; have them log on to %s (disable the source account, or set"
		 " the default logon domain)", who, s->source.netbios, s->target.netbios);
	pipe_record(p, o, SLOT_LOGON, source ? CARVE_STATUS_WARN : CARVE_STATUS_OK,
		    carve_buf_cstr(&ev), source ? why : NULL);
done:
	carve_buf_done(&text);
	carve_buf_done(&ev);
}

static void clients_job(size_t i, void *ctx)
{
	pipeline *p = ctx;
	pipe_object *o = &p->machines[i];
	bool migrated = pipe_done(o, SLOT_ADMT);

	if (pipe_cancelled(p))
		return;
	if (pipe_wants(p, o, SLOT_OUTLOOK)) {
		if (migrated)
			outlook(p, o);
		else
			pipe_block(p, o, SLOT_OUTLOOK, "the workstation has not migrated yet");
	}
	if (pipe_wants(p, o, SLOT_LOGON) && !pipe_cancelled(p)) {
		if (migrated)
			logon(p, o);
		else
			pipe_block(p, o, SLOT_LOGON, "the workstation has not migrated yet");
	}
}

/* A device a person re-points: recorded once as waiting for their
 * sign-off, with what to do. */
static void activesync(pipeline *p)
{
	const carve_mail *mail = carve_plan_mail(p->plan);
	const carve_site *s = carve_plan_site(p->plan);

	for (size_t i = 0; i < p->n_users && !pipe_cancelled(p); i++) {
		pipe_object *o = &p->users[i];
		const carve_user *u = pipe_user(p, o);
		if (!o->in_chunk || !u->activesync || !pipe_wants(p, o, SLOT_ACTIVESYNC) ||
		    (o->s[SLOT_ACTIVESYNC].status == CARVE_STATUS_PENDING &&
		     o->s[SLOT_ACTIVESYNC].evidence))
			continue;
		if (!pipe_done(o, SLOT_MOVE)) {
			pipe_block(p, o, SLOT_ACTIVESYNC, "the mailbox has not moved yet");
			continue;
		}
		carve_buf ev = CARVE_BUF_INIT;
		char why[512];
		carve_buf_putc(&ev, '{');
		pipe_json_str(&ev, "device", u->activesync);
		carve_buf_putc(&ev, '}');
		snprintf(why, sizeof(why), "waiting for a person: set the %s's Exchange server to"
			 " %s and the account to %s\\%s, then sign it off", u->activesync,
			 mail->target_cas ? mail->target_cas : "the target CAS",
			 s->target.netbios, u->name);
		pipe_record(p, o, SLOT_ACTIVESYNC, CARVE_STATUS_PENDING, carve_buf_cstr(&ev), why);
		carve_buf_done(&ev);
	}
}

void phase_clients(pipeline *p)
{
	pipe_each_machine(p, clients_job);
	activesync(p);
}
