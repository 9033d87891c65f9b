/*
 * server.c - the lab's SSH endpoints: one listening socket on 127.0.0.1
 * per simulated host, each with its own host key, served by libssh's
 * server API on a thread per connection.
 *
 * A host that is asleep or off accepts the TCP connection and never sends
 * a banner, as a machine behind a switch that answers nothing would look
 * to a client with a deadline: no instant refusal.
 */
#include "lab.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	int listen_fd;
	ssh_bind bind;     /* with the host's own key */
	ssh_bind impostor; /* with another key, for the changed-key fault */
	char fingerprint[128];
	char entry[512];   /* known-hosts line */
} endpoint;

typedef struct {
	lab_site *site;
	char host[16];
	ssh_session session; /* NULL: the host sleeps; fd is held silent */
	int fd;
	ssh_key authorized;
	char user[128];      /* as it logged on */
	lab_logon_kind logon;
} conn;

static int signal_pipe[2];

static void on_signal(int sig)
{
	char c = (char)sig;
	(void)!write(signal_pipe[1], &c, 1);
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A sleeping host: keep the connection, say nothing, until the client
 * gives up. */
static void hold_silently(int fd)
{
	char buf[256];
	struct pollfd p = { fd, POLLIN, 0 };

	while (poll(&p, 1, -1) > 0 && read(fd, buf, sizeof(buf)) > 0)
		;
}

/* {"user":...,"method":...,"result":...}: who tried to log on and how,
 * never with what. */
static void journal_auth(const conn *c, const char *user, const char *method, bool ok)
{
	carve_buf f = CARVE_BUF_INIT;

	carve_buf_puts(&f, "\"user\":");
	carve_buf_json_string(&f, user ? user : "");
	carve_buf_printf(&f, ",\"method\":\"%s\",\"result\":\"%s\"", method,
			 ok ? "accepted" : "refused");
	lab_journal(c->host, "auth", carve_buf_cstr(&f));
	carve_buf_done(&f);
}

/* libssh 0.10 marks the message-based authentication calls deprecated in
 * favour of server callbacks, which would need an event loop per
 * connection; the blocking message loop keeps each connection's thread
 * simple. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* The password logon: accepted when a fixture account is this user and
 * the password hashes to its SHA-256.  libssh wipes the message's copy of
 * the password when the message is freed. */
static bool password_ok(conn *c, ssh_message m, const lab_faults *faults)
{
	const char *user = ssh_message_auth_user(m), *pw = ssh_message_auth_password(m);
	bool ok;

	pthread_mutex_lock(&c->site->lock);
	ok = !faults->auth_failure && user && pw &&
	     lab_check_password(&c->site->fixture, user, pw, strlen(pw)) != NULL;
	pthread_mutex_unlock(&c->site->lock);
	return ok;
}

static bool authenticate(conn *c, ssh_session s, const lab_faults *faults, const char *key_user)
{
	const int methods = SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD;
	ssh_message m;

	while ((m = ssh_message_get(s))) {
		bool done = false;
		const char *user = ssh_message_auth_user(m);
		int type = ssh_message_type(m), sub = ssh_message_subtype(m);
		if (type == SSH_REQUEST_AUTH && sub == SSH_AUTH_METHOD_PUBLICKEY) {
			ssh_key key = ssh_message_auth_pubkey(m);
			bool ok = !faults->auth_failure && c->authorized && key && user &&
				  lab_same_account(user, key_user) &&
				  ssh_key_cmp(key, c->authorized, SSH_KEY_CMP_PUBLIC) == 0;
			int state = ssh_message_auth_publickey_state(m);
			if (ok && state == SSH_PUBLICKEY_STATE_NONE) {
				ssh_message_auth_reply_pk_ok_simple(m);
			} else if (ok && state == SSH_PUBLICKEY_STATE_VALID) {
				ssh_message_auth_reply_success(m, 0);
				done = true;
				c->logon = LAB_LOGON_KEY;
			} else {
				journal_auth(c, user, "publickey", false);
				ssh_message_auth_set_methods(m, methods);
				ssh_message_reply_default(m);
			}
		} else if (type == SSH_REQUEST_AUTH && sub == SSH_AUTH_METHOD_PASSWORD) {
			if ((done = password_ok(c, m, faults))) {
				ssh_message_auth_reply_success(m, 0);
				c->logon = LAB_LOGON_PASSWORD;
			} else {
				journal_auth(c, user, "password", false);
				ssh_message_auth_set_methods(m, methods);
				ssh_message_reply_default(m);
			}
		} else {
			ssh_message_auth_set_methods(m, methods);
			ssh_message_reply_default(m);
		}
		if (done) {
			snprintf(c->user, sizeof(c->user), "%s", user);
			journal_auth(c, user, c->logon == LAB_LOGON_KEY ? "publickey" : "password",
				     true);
		}
		ssh_message_free(m);
		if (done)
			return true;
	}
	return false;
}
#pragma GCC diagnostic pop

/* Writes output the way the host's faults say. */
static bool send_output(ssh_channel ch, const char *data, size_t len, bool err,
			const lab_faults *f)
{
	if (!len)
		return true;
	if (f->slow_output_ms) {
		for (size_t i = 0; i < len; i++) {
			int rc = err ? ssh_channel_write_stderr(ch, data + i, 1)
				     : ssh_channel_write(ch, data + i, 1);
			if (rc < 0)
				return false;
			sleep_ms(f->slow_output_ms);
		}
		return true;
	}
	return (err ? ssh_channel_write_stderr(ch, data, (uint32_t)len)
		    : ssh_channel_write(ch, data, (uint32_t)len)) >= 0;
}

/* What the client writes on a command's standard input, until its EOF; a
 * client that never sends one is answered after a second of silence, as
 * a command that does not read its input would be. */
static size_t read_input(conn *c, ssh_channel ch, char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap && !ssh_channel_is_eof(ch)) {
		int got = ssh_channel_read_timeout(ch, buf + n, (uint32_t)(cap - n), 0, 1000);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (n) {
		char fields[64];
		snprintf(fields, sizeof(fields), "\"bytes\":%zu", n);
		lab_journal(c->host, "stdin", fields); /* how much, never what */
	}
	return n;
}

/* Runs what stdin holds in [*at, end) up to its last LF (all of it at
 * the end of the input) on p a line at a time, sending what each writes;
 * moves *at past what it ran.  *more goes false once exit has ended p. */
static bool run_lines(lab_ps *p, ssh_channel ch, const lab_faults *f, const char *in,
		      size_t *at, size_t end, bool at_eof, bool *more)
{
	bool ok = true;

	while (*more && ok && *at < end) {
		const char *line = in + *at, *eol = memchr(line, '\n', end - *at);
		if (!eol && !at_eof)
			break;
		size_t n = eol ? (size_t)(eol - line) : end - *at;
		*at += n + (eol ? 1 : 0);
		if (n && line[n - 1] == '\r')
			n--;
		carve_buf out = CARVE_BUF_INIT, err = CARVE_BUF_INIT;
		*more = lab_ps_line(p, &out, &err, line, n);
		if (f->latency_ms && (out.len || err.len))
			sleep_ms(f->latency_ms);
		ok = send_output(ch, out.ptr, out.len, false, f) &&
		     send_output(ch, err.ptr, err.len, true, f);
		carve_buf_done(&out);
		carve_buf_done(&err);
	}
	return ok;
}

/* Runs a PowerShell that reads its script from stdin, a line at a time
 * as the client sends it, each statement's output sent as it ends, until
 * the client's EOF (or exit); false when the connection must end.  With
 * the stdin_hang fault it runs nothing until the input ends. */
static bool answer_stdin(conn *c, ssh_session s, ssh_channel ch, const char *command,
			 const lab_faults *f)
{
	lab_session session = { c->user, c->logon, c->logon != LAB_LOGON_KEY, NULL, 0 };
	lab_ps *p = lab_ps_open(c->site, c->host, &session, command);
	carve_buf in = CARVE_BUF_INIT;
	size_t at = 0;
	char buf[16384];
	bool more = p != NULL, ok = true, reboot = false;

	while (more && ok) {
		int got = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0, 1000);
		if (got == SSH_AGAIN || (got == 0 && !ssh_channel_is_eof(ch) &&
					 !ssh_channel_is_closed(ch)))
			continue; /* nothing yet: stdin stays open */
		if (got <= 0)
			break;
		carve_buf_put(&in, buf, (size_t)got);
		if (!f->stdin_hang)
			ok = run_lines(p, ch, f, in.ptr, &at, in.len, false, &more);
		if (at) { /* what ran goes; a line not ended yet stays */
			memmove(in.ptr, in.ptr + at, in.len - at);
			in.len -= at;
			at = 0;
		}
	}
	/* the end of the input: what is left, the last line without its LF
	 * a line too */
	if (p && more && ok)
		ok = run_lines(p, ch, f, carve_buf_cstr(&in), &at, in.len, true, &more);
	carve_buf_done(&in);
	int status = p ? lab_ps_close(p, &reboot) : 1;
	if (ok && !ssh_channel_is_closed(ch)) {
		ssh_channel_request_send_exit_status(ch, status);
		ssh_channel_send_eof(ch);
		ssh_channel_close(ch);
	}
	if (reboot) {
		sleep_ms(50);
		shutdown(ssh_get_fd(s), SHUT_RDWR);
		return false;
	}
	return ok;
}

/* Runs one exec request; false when the connection must end. */
static bool answer(conn *c, ssh_session s, ssh_channel ch, const char *command)
{
	static const size_t input_cap = 64 * 1024;
	char *input = malloc(input_cap);
	lab_faults f;
	lab_answer a;

	pthread_mutex_lock(&c->site->lock);
	lab_host *h = lab_find_host(c->site, c->host);
	f = h ? h->faults : (lab_faults){ 0 };
	pthread_mutex_unlock(&c->site->lock);
	if (lab_reads_script(command)) {
		free(input);
		return answer_stdin(c, s, ch, command, &f);
	}

	lab_session session = { c->user, c->logon, c->logon != LAB_LOGON_KEY, input,
				input ? read_input(c, ch, input, input_cap) : 0 };
	lab_answer_command(&a, c->site, c->host, &session, command);
	if (input) {
		explicit_bzero(input, session.input_len); /* it may be a password */
		free(input);
	}
	if (f.latency_ms)
		sleep_ms(f.latency_ms);
	if (f.drop_mid_command || f.cut_output) {
		send_output(ch, a.out, a.out_len / 2, false, &f);
		lab_journal(c->host, "fault", f.drop_mid_command ? "\"fault\":\"drop_mid_command\""
								  : "\"fault\":\"cut_output\"");
		if (f.drop_mid_command) {
			shutdown(ssh_get_fd(s), SHUT_RDWR);
			lab_answer_done(&a);
			return false;
		}
		ssh_channel_send_eof(ch);
		ssh_channel_close(ch);
		lab_answer_done(&a);
		return true;
	}
	bool ok = send_output(ch, a.out, a.out_len, false, &f) &&
		  send_output(ch, a.err, a.err_len, true, &f);
	if (ok) {
		ssh_channel_request_send_exit_status(ch, a.exit_status);
		ssh_channel_send_eof(ch);
		ssh_channel_close(ch);
	}
	bool reboot = a.reboot;
	lab_answer_done(&a);
	if (reboot) {
		/* The machine goes down: the connection ends with it. */
		sleep_ms(50);
		shutdown(ssh_get_fd(s), SHUT_RDWR);
		return false;
	}
	return ok;
}

static void serve_session(conn *c, ssh_session s, const lab_faults *faults)
{
	ssh_message m;
	ssh_channel channels[64];
	size_t n_channels = 0;

	if (faults->hang_after_auth) {
		lab_journal(c->host, "fault", "\"fault\":\"hang_after_auth\"");
		while ((m = ssh_message_get(s)))
			ssh_message_free(m); /* never answered */
		return;
	}
	while ((m = ssh_message_get(s))) {
		int type = ssh_message_type(m), sub = ssh_message_subtype(m);
		bool go_on = true;
		if (type == SSH_REQUEST_CHANNEL_OPEN && sub == SSH_CHANNEL_SESSION &&
		    n_channels < 64) {
			channels[n_channels] = ssh_message_channel_request_open_reply_accept(m);
			if (channels[n_channels])
				n_channels++;
		} else if (type == SSH_REQUEST_CHANNEL && sub == SSH_CHANNEL_REQUEST_EXEC) {
			ssh_channel ch = ssh_message_channel_request_channel(m);
			char *cmd = strdup(ssh_message_channel_request_command(m));
			ssh_message_channel_request_reply_success(m);
			go_on = cmd && answer(c, s, ch, cmd);
			free(cmd);
		} else if (type == SSH_REQUEST_CHANNEL && sub == SSH_CHANNEL_REQUEST_ENV) {
			ssh_message_channel_request_reply_success(m);
		} else {
			ssh_message_reply_default(m);
		}
		ssh_message_free(m);
		if (!go_on)
			break;
	}
	for (size_t i = 0; i < n_channels; i++)
		ssh_channel_free(channels[i]);
}

static void *connection(void *arg)
{
	conn *c = arg;
	lab_faults faults;
	char user[128];

	if (!c->session) {
		lab_journal(c->host, "connect", "\"result\":\"asleep\"");
		hold_silently(c->fd);
		close(c->fd);
		free(c);
		return NULL;
	}
	pthread_mutex_lock(&c->site->lock);
	lab_host *h = lab_find_host(c->site, c->host);
	faults = h ? h->faults : (lab_faults){ 0 };
	snprintf(user, sizeof(user), "%s", c->site->fixture.user);
	pthread_mutex_unlock(&c->site->lock);

	lab_journal(c->host, "connect", faults.changed_host_key
					? "\"result\":\"ok\",\"host_key\":\"impostor\""
					: "\"result\":\"ok\"");
	if (ssh_handle_key_exchange(c->session) == SSH_OK &&
	    authenticate(c, c->session, &faults, user))
		serve_session(c, c->session, &faults);
	lab_journal(c->host, "disconnect", NULL);
	ssh_disconnect(c->session); /* closes the accepted socket */
	ssh_free(c->session);
	free(c);
	return NULL;
}

/* The host's key from the keys directory, made on first use. */
static int host_key(ssh_key *key, const char *dir, const char *name)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, key) == SSH_OK)
		return 0;
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, key) != SSH_OK ||
	    ssh_pki_export_privkey_file(*key, NULL, NULL, NULL, path) != SSH_OK) {
		fprintf(stderr, "carve-lab: cannot create the host key %s\n", path);
		return -1;
	}
	chmod(path, 0600);
	return 0;
}

static int describe(endpoint *e, ssh_key key, int port)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *b64 = NULL, *fp = NULL;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0 ||
	    !(fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) ||
	    ssh_pki_export_pubkey_base64(key, &b64) < 0) {
		ssh_clean_pubkey_hash(&hash);
		return -1;
	}
	snprintf(e->fingerprint, sizeof(e->fingerprint), "%s", fp);
	snprintf(e->entry, sizeof(e->entry), "[127.0.0.1]:%d %s %s", port,
		 ssh_key_type_to_char(ssh_key_type(key)), b64);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	free(b64);
	return 0;
}

static ssh_bind make_bind(ssh_key key)
{
	ssh_bind b = ssh_bind_new();

	/* The bind owns the key from here. */
	if (b && ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK) {
		ssh_bind_free(b);
		return NULL;
	}
	return b;
}

static int open_endpoint(endpoint *e, const lab_fixture *fx, const lab_host *h)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)h->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ssh_key key = NULL, other = NULL;
	int one = 1;

	e->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(e->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (e->listen_fd < 0 || bind(e->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(e->listen_fd, 256) < 0) {
		fprintf(stderr, "carve-lab: %s: cannot listen on 127.0.0.1:%d: %s\n", h->name,
			h->port, strerror(errno));
		return -1;
	}
	if (host_key(&key, fx->host_keys, h->name) < 0 || describe(e, key, h->port) < 0 ||
	    ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &other) != SSH_OK ||
	    !(e->bind = make_bind(key)) || !(e->impostor = make_bind(other))) {
		fprintf(stderr, "carve-lab: %s: cannot set up its host key\n", h->name);
		return -1;
	}
	return 0;
}

static void reload(lab_site *site)
{
	lab_fixture next;

	if (lab_fixture_load(&next, site->fixture.path) < 0) {
		lab_journal(NULL, "reload", "\"result\":\"refused\"");
		return;
	}
	pthread_mutex_lock(&site->lock);
	for (size_t i = 0; i < next.host_count; i++) {
		lab_host *h = lab_find_host(site, next.hosts[i].name);
		if (h) {
			/* Endpoints stay where they are, and what the migration
			 * did stays done. */
			lab_host old = *h;
			*h = next.hosts[i];
			h->port = old.port;
			h->progress = old.progress;
			h->back_at = old.back_at;
			memcpy(h->hosts_file, old.hosts_file, sizeof(h->hosts_file));
			h->hosts_count = old.hosts_count;
			/* the old host's fixture files go with next, to be freed */
			next.hosts[i].files = old.files;
			next.hosts[i].file_count = old.file_count;
		}
	}
	for (size_t i = 0; i < next.mailbox_count; i++) {
		lab_mailbox *mb = lab_find_mailbox(site, next.mailboxes[i].user);
		if (mb)
			next.mailboxes[i].move = mb->move;
	}
	lab_mailbox *swap = site->fixture.mailboxes;
	size_t swap_count = site->fixture.mailbox_count;
	site->fixture.mailboxes = next.mailboxes;
	site->fixture.mailbox_count = next.mailbox_count;
	next.mailboxes = swap;
	next.mailbox_count = swap_count;
	lab_fixture *f = &site->fixture;
#define SWAP_LIST(list, count) do { \
		void *p_ = f->list; size_t n_ = f->count; \
		f->list = next.list; f->count = next.count; \
		next.list = p_; next.count = n_; \
	} while (0)
	SWAP_LIST(groups, group_count);
	SWAP_LIST(computers, computer_count);
#undef SWAP_LIST
	memcpy(f->namespace, next.namespace, sizeof(next.namespace));
	memcpy(f->cas, next.cas, sizeof(next.cas));
	memcpy(f->user, next.user, sizeof(next.user));
	memcpy(f->accounts, next.accounts, sizeof(next.accounts));
	f->account_count = next.account_count;
	memcpy(f->mrs_proxy, next.mrs_proxy, sizeof(next.mrs_proxy));
	memcpy(f->source_gc, next.source_gc, sizeof(next.source_gc));
	memcpy(f->smtp_domain, next.smtp_domain, sizeof(next.smtp_domain));
	f->source_exchange = next.source_exchange;
	f->admt_minute_ms = next.admt_minute_ms;
	pthread_mutex_unlock(&site->lock);
	lab_fixture_done(&next);
	lab_journal(NULL, "reload", "\"result\":\"ok\"");
	fprintf(stdout, "reloaded %s\n", site->fixture.path);
	fflush(stdout);
}

/* Gives up on a connection before its thread runs.  Once the session holds
 * the socket, ssh_free closes it. */
static void drop(conn *c)
{
	bool held = c->session && ssh_get_fd(c->session) == c->fd;

	ssh_free(c->session);
	if (!held)
		close(c->fd);
	free(c);
}

static void accept_one(lab_site *site, const endpoint *e, const lab_host *h, ssh_key authorized)
{
	int fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	conn *c;
	pthread_t t;
	pthread_attr_t attr;

	if (fd < 0 || !(c = calloc(1, sizeof(*c)))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	c->site = site;
	c->fd = fd;
	c->authorized = authorized;
	pthread_mutex_lock(&site->lock);
	snprintf(c->host, sizeof(c->host), "%s", h->name);
	bool up = lab_host_up((lab_host *)h, time(NULL));
	bool impostor = h->faults.changed_host_key;
	pthread_mutex_unlock(&site->lock);
	if (up) {
		c->session = ssh_new();
		if (!c->session ||
		    ssh_bind_accept_fd(impostor ? e->impostor : e->bind, c->session, fd) != SSH_OK) {
			drop(c);
			return;
		}
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	if (pthread_create(&t, &attr, connection, c) != 0)
		drop(c);
	pthread_attr_destroy(&attr);
}

/* Connection threads read the authorized key until the process ends. */
static ssh_key authorized;

int lab_serve(lab_site *site, const char *known_hosts_out)
{
	lab_fixture *fx = &site->fixture;
	endpoint *ep = calloc(fx->host_count, sizeof(*ep));
	struct pollfd *pfd = calloc(fx->host_count + 1, sizeof(*pfd));
	size_t *host_of = calloc(fx->host_count + 1, sizeof(*host_of));
	size_t n = 0;
	int status = 1;
	FILE *kh = NULL;

	if (!ep || !pfd || !host_of || pipe2(signal_pipe, O_CLOEXEC) < 0)
		goto done;
	if (ssh_pki_import_pubkey_file(fx->authorized_key, &authorized) != SSH_OK) {
		fprintf(stderr, "carve-lab: cannot read the authorized key %s\n",
			fx->authorized_key);
		goto done;
	}
	mkdir(fx->host_keys, 0700);
	if (known_hosts_out && !(kh = fopen(known_hosts_out, "w"))) {
		fprintf(stderr, "carve-lab: cannot write %s\n", known_hosts_out);
		goto done;
	}
	for (size_t i = 0; i < fx->host_count; i++) {
		lab_host *h = &fx->hosts[i];
		if (!h->port)
			continue;
		if (open_endpoint(&ep[n], fx, h) < 0)
			goto done;
		printf("%-15s 127.0.0.1:%-5d %s\n", h->name, h->port, ep[n].fingerprint);
		if (kh)
			fprintf(kh, "%s\n", ep[n].entry);
		pfd[n] = (struct pollfd){ ep[n].listen_fd, POLLIN, 0 };
		host_of[n++] = i;
	}
	if (kh && fclose(kh) != 0) {
		kh = NULL;
		fprintf(stderr, "carve-lab: cannot write %s\n", known_hosts_out);
		goto done;
	}
	kh = NULL;
	pfd[n] = (struct pollfd){ signal_pipe[0], POLLIN, 0 };
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	printf("ready %zu endpoints, %zu hosts\n", n, fx->host_count);
	fflush(stdout);
	lab_journal(NULL, "ready", NULL);

	for (;;) {
		if (poll(pfd, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[n].revents) {
			char sig = 0;
			(void)!read(signal_pipe[0], &sig, 1);
			if (sig == SIGHUP) {
				reload(site);
				continue;
			}
			status = 0;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (pfd[i].revents)
				accept_one(site, &ep[i], &fx->hosts[host_of[i]], authorized);
	}
	lab_journal(NULL, "stop", NULL);
	printf("stopped\n");
	fflush(stdout);
done:
	if (kh)
		fclose(kh);
	/* Sessions hold copies of the keys: the binds can go. */
	for (size_t i = 0; ep && i < fx->host_count; i++) {
		if (ep[i].listen_fd > 0)
			close(ep[i].listen_fd);
		ssh_bind_free(ep[i].bind);
		ssh_bind_free(ep[i].impostor);
	}
	free(ep);
	free(pfd);
	free(host_of);
	return status;
}
