/*
 * ssh_session.c - connect, check the host key, authenticate: every step
 * with a deadline, none able to prompt.
 *
 * libssh runs non-blocking on a socket carve connected itself (so that name
 * resolution and TCP connect have deadlines too); each SSH_AGAIN waits on
 * the socket and the cancel pipe for what is left of the step's deadline.
 * SSH_OPTIONS_TIMEOUT is not used: it bounds each blocking call, not a step.
 */
#include "secret_internal.h"
#include "transport_internal.h"

#include <errno.h>
#include <libssh/callbacks.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libssh asks through this when it wants a passphrase: never answer. */
static int refuse_prompt(const char *prompt, char *buf, size_t len, int echo,
			 int verify, void *userdata)
{
	(void)prompt, (void)echo, (void)verify;
	if (userdata)
		*(bool *)userdata = true;
	if (buf && len)
		buf[0] = '\0';
	return -1;
}

static struct ssh_callbacks_struct no_prompts = {
	.userdata = NULL,
	.auth_function = refuse_prompt,
};

static pthread_once_t libssh_once = PTHREAD_ONCE_INIT;

static void libssh_init(void)
{
	ssh_init();
	ssh_callbacks_init(&no_prompts);
}

int ssh_fail(carve_ssh *ssh, int code, const char *what)
{
	return carve_error_set(code, "%s: %s: %s", ssh->label, what,
			       ssh_get_error(ssh->session));
}

/* Waits for libssh's socket after SSH_AGAIN.  The slice caps each wait so
 * that work libssh already holds is never left waiting for the deadline. */
static int wait_session(carve_ssh *ssh, const deadline *d, const char *what)
{
	short events = POLLIN;
	char label[512];

	if (ssh_get_poll_flags(ssh->session) & SSH_WRITE_PENDING)
		events |= POLLOUT;
	snprintf(label, sizeof(label), "%s: %s", ssh->label, what);
	int rc = wait_fd(ssh->fd, events, d, ssh->cancel, 50, label);
	return rc < 0 ? rc : 0;
}

/*
 * The user as the SSH protocol carries it: DOMAIN\name travels as
 * name@DOMAIN.  libssh refuses a backslash in a user name (0.11's syntax
 * check, which Debian's 0.10.6 backports), and Windows OpenSSH takes
 * name@DOMAIN for the same domain account (Win32-OpenSSH wiki, ssh.exe
 * examples: "ssh -l user@domain host").  Owned; NULL when out of memory.
 */
static char *wire_user(const char *user)
{
	const char *slash = strchr(user, '\\');
	carve_buf b = CARVE_BUF_INIT;

	if (!slash)
		return strdup(user);
	carve_buf_printf(&b, "%s@%.*s", slash + 1, (int)(slash - user), user);
	if (b.failed) {
		carve_buf_done(&b);
		return NULL;
	}
	return b.ptr;
}

static int set_options(carve_ssh *ssh, const carve_ssh_options *o, uint16_t port)
{
	ssh_session s = ssh->session;
	int off = 0, on = 1, err = 0;
	unsigned int uport = port;
	char *user = NULL;

	/* Read ~/.ssh/config first when asked, so that what follows wins:
	 * the config must not be able to turn host key checking off. */
	if (ssh_options_set(s, SSH_OPTIONS_HOST, o->host) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &off) < 0)
		return ssh_fail(ssh, CARVE_EINVALID, "bad host");
	if (o->use_ssh_config && ssh_options_parse_config(s, NULL) < 0)
		return ssh_fail(ssh, CARVE_EINVALID, "cannot read ~/.ssh/config");
	if (o->user && !(user = wire_user(o->user)))
		return carve_error_oom();
	if (user && ssh_options_set(s, SSH_OPTIONS_USER, user) < 0)
		err = ssh_fail(ssh, CARVE_EINVALID, "libssh refuses this user name");
	free(user);
	if (err < 0)
		return err;
	if (ssh_options_set(s, SSH_OPTIONS_PORT, &uport) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, ssh->known_hosts) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, ssh->known_hosts) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &on) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_NODELAY, &on) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_FD, &ssh->fd) < 0)
		return ssh_fail(ssh, CARVE_EINVALID, "cannot set options");
	if (o->key_exchange && ssh_options_set(s, SSH_OPTIONS_KEY_EXCHANGE, o->key_exchange) < 0)
		return ssh_fail(ssh, CARVE_EINVALID, "bad key exchange list");
	int delegate = o->auth == CARVE_AUTH_GSSAPI && o->gssapi_delegate;
	if (ssh_options_set(s, SSH_OPTIONS_GSSAPI_DELEGATE_CREDENTIALS, &delegate) < 0)
		return ssh_fail(ssh, CARVE_EINVALID, "cannot set Kerberos delegation");
	return 0;
}

/* TCP, then the SSH handshake up to the host key, within connect_timeout. */
static int open_session(carve_ssh **out, const carve_ssh_options *o, const deadline *d)
{
	uint16_t port = o->port ? o->port : 22;
	carve_ssh *ssh = calloc(1, sizeof(*ssh));
	carve_buf label = CARVE_BUF_INIT;
	int err = 0, rc;

	*out = NULL;
	pthread_once(&libssh_once, libssh_init);
	carve_buf_printf(&label, "%s%s%s:%u", o->user ? o->user : "", o->user ? "@" : "", o->host,
			 port);
	if (!ssh || label.failed) {
		free(ssh);
		carve_buf_done(&label);
		return carve_error_oom();
	}
	ssh->label = label.ptr;
	ssh->fd = -1;
	ssh->known_hosts = o->known_hosts ? strdup(o->known_hosts)
					  : carve_known_hosts_default_path();
	if (!ssh->known_hosts) {
		err = carve_error_oom();
		goto done;
	}
	ssh->cancel = o->cancel;
	if ((ssh->fd = net_connect(o->host, port, d, o->cancel)) < 0) {
		err = ssh->fd;
		goto done;
	}
	if (!(ssh->session = ssh_new())) {
		err = carve_error_oom();
		goto done;
	}
	ssh_set_callbacks(ssh->session, &no_prompts);
	if ((err = set_options(ssh, o, port)) < 0)
		goto done;
	ssh_set_blocking(ssh->session, 0);
	ssh->fd_handed = true;
	while ((rc = ssh_connect(ssh->session)) == SSH_AGAIN)
		if ((err = wait_session(ssh, d, "no SSH banner/key exchange")) < 0)
			goto done;
	if (rc != SSH_OK)
		err = ssh_fail(ssh, CARVE_ENET, "SSH handshake failed");
done:
	if (err < 0)
		carve_ssh_free(ssh);
	else
		*out = ssh;
	return err;
}

static int describe_key(carve_ssh *ssh, carve_hostkey *key)
{
	ssh_key pub = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL, *entry = NULL;
	int err = 0;

	if (ssh_get_server_publickey(ssh->session, &pub) < 0 ||
	    ssh_get_publickey_hash(pub, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0 ||
	    !(fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) ||
	    ssh_session_export_known_hosts_entry(ssh->session, &entry) < 0) {
		err = ssh_fail(ssh, CARVE_ERROR, "cannot read the host key");
		goto done;
	}
	snprintf(key->type, sizeof(key->type), "%s", ssh_key_type_to_char(ssh_key_type(pub)));
	snprintf(key->fingerprint, sizeof(key->fingerprint), "%s", fp);
	snprintf(key->entry, sizeof(key->entry), "%s", entry);
	key->entry[strcspn(key->entry, "\r\n")] = '\0';
done:
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(pub);
	free(entry);
	return err;
}

static int classify_key(carve_ssh *ssh, carve_hostkey *key)
{
	int err = describe_key(ssh, key);

	if (err < 0)
		return err;
	switch (ssh_session_is_known_server(ssh->session)) {
	case SSH_KNOWN_HOSTS_OK: key->state = CARVE_HOSTKEY_KNOWN; return 0;
	case SSH_KNOWN_HOSTS_CHANGED: key->state = CARVE_HOSTKEY_CHANGED; return 0;
	case SSH_KNOWN_HOSTS_OTHER: key->state = CARVE_HOSTKEY_OTHER; return 0;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND: key->state = CARVE_HOSTKEY_UNKNOWN; return 0;
	default: return ssh_fail(ssh, CARVE_EIO, "cannot read the known-hosts file");
	}
}

/* Applies the plan's host-key policy to what classify_key found. */
static int enforce_key(carve_ssh *ssh, carve_hostkey *key, const carve_ssh_options *o)
{
	int err = 0;

	switch (key->state) {
	case CARVE_HOSTKEY_KNOWN:
		break;
	case CARVE_HOSTKEY_UNKNOWN:
		if (o->host_keys == CARVE_HOSTKEYS_ACCEPT_NEW) {
			if ((err = carve_known_hosts_add(ssh->known_hosts, key->entry)) == 0)
				key->state = CARVE_HOSTKEY_ADDED;
			break;
		}
		/* carve trust takes the plan's names, not addresses */
		err = carve_error_set(CARVE_EHOSTKEY,
				      "%s: unknown host key %s %s; check it and record it "
				      "with: carve trust PLAN%s%s", ssh->label, key->type,
				      key->fingerprint, o->name ? " " : "", o->name ? o->name : "");
		break;
	case CARVE_HOSTKEY_CHANGED:
	case CARVE_HOSTKEY_OTHER:
		if (o->on_bad_hostkey)
			o->on_bad_hostkey(o->host, o->port ? o->port : 22, key, o->ctx);
		err = carve_error_set(CARVE_EHOSTKEY,
				      "%s: HOST KEY %s: the host now presents %s %s, which "
				      "does not match %s; refusing to connect", ssh->label,
				      key->state == CARVE_HOSTKEY_CHANGED ? "CHANGED"
				      : "OF ANOTHER TYPE", key->type, key->fingerprint,
				      ssh->known_hosts);
		break;
	default:
		err = carve_error_set(CARVE_EHOSTKEY, "%s: no host key", ssh->label);
	}
	return err;
}

static int load_key_file(ssh_key *key, const char *path)
{
	bool asked = false;

	if (!path || access(path, R_OK) < 0)
		return carve_error_set(CARVE_EAUTH, "cannot read the key file %s: %s",
				       path ? path : "(none)", strerror(errno));
	if (ssh_pki_import_privkey_file(path, NULL, refuse_prompt, &asked, key) == SSH_OK)
		return 0;
	if (asked)
		return carve_error_set(CARVE_EAUTH, "the key file %s is encrypted: load it "
				       "into ssh-agent (ssh-add %s) and use auth: agent",
				       path, path);
	return carve_error_set(CARVE_EAUTH, "%s is not a private key libssh can read", path);
}

/* Runs one libssh authentication call to its end within the deadline. */
#define AUTH_LOOP(rc, err, ssh, d, call) \
	while (((rc) = (call)) == SSH_AUTH_AGAIN) \
		if (((err) = wait_session((ssh), (d), "authentication")) < 0) \
			break

/* Whether the host takes passwords at all: asked first, so that a host
 * that does not is never taken for one that refused this password. */
static int offers_password(carve_ssh *ssh, const deadline *d, bool *done)
{
	int rc, err = 0;

	*done = false;
	AUTH_LOOP(rc, err, ssh, d, ssh_userauth_none(ssh->session, NULL));
	if (err < 0)
		return err;
	if (rc == SSH_AUTH_SUCCESS) {
		*done = true;
		return 0;
	}
	if (rc == SSH_AUTH_ERROR)
		return ssh_fail(ssh, CARVE_EAUTH, "authentication failed");
	if (!(ssh_userauth_list(ssh->session, NULL) & SSH_AUTH_METHOD_PASSWORD))
		return carve_error_set(CARVE_EAUTH, "%s: the host does not accept password "
				       "logons (PasswordAuthentication no in its sshd_config?)",
				       ssh->label);
	return 0;
}

static int password_logon(carve_ssh *ssh, const carve_ssh_options *o, const deadline *d,
			  int *rc)
{
	bool first = false, done = false;
	int err;

	*rc = SSH_AUTH_ERROR;
	if (!o->password || !o->password_len)
		return carve_error_set(CARVE_EAUTH, "%s: no password for this account: give it "
				       "at carve's prompt, with --password-fd or in the account's "
				       "password_file", ssh->label);
	if ((err = offers_password(ssh, d, &done)) < 0)
		return err;
	if (done) {
		*rc = SSH_AUTH_SUCCESS;
		return 0;
	}
	if ((err = logon_gate_enter(o->gate, &first, (uint32_t)deadline_left_ms(d), ssh->cancel,
				    ssh->label)) < 0)
		return err;
	AUTH_LOOP(*rc, err, ssh, d, ssh_userauth_password(ssh->session, NULL, o->password));
	logon_gate_leave(o->gate, first,
			 err < 0 ? LOGON_UNKNOWN
			 : *rc == SSH_AUTH_SUCCESS ? LOGON_ACCEPTED
			 : *rc == SSH_AUTH_DENIED || *rc == SSH_AUTH_PARTIAL ? LOGON_DENIED
			 : LOGON_UNKNOWN, ssh->label);
	return err;
}

static int authenticate(carve_ssh *ssh, const carve_ssh_options *o, const deadline *d)
{
	static const char *const how[] = {
		[CARVE_AUTH_PASSWORD] = "the password",
		[CARVE_AUTH_GSSAPI] = "the Kerberos ticket",
		[CARVE_AUTH_KEY] = "the key file",
		[CARVE_AUTH_AGENT] = "the agent's keys",
	};
	ssh_key key = NULL;
	int rc = SSH_AUTH_ERROR, err = 0;

	switch (o->auth) {
	case CARVE_AUTH_PASSWORD:
		err = password_logon(ssh, o, d, &rc);
		break;
	case CARVE_AUTH_KEY:
		if ((err = load_key_file(&key, o->key_file)) == 0)
			AUTH_LOOP(rc, err, ssh, d, ssh_userauth_publickey(ssh->session, NULL, key));
		break;
	case CARVE_AUTH_AGENT:
		if (!getenv("SSH_AUTH_SOCK"))
			return carve_error_set(CARVE_EAUTH, "%s: no ssh-agent (SSH_AUTH_SOCK is not "
					       "set)", ssh->label);
		AUTH_LOOP(rc, err, ssh, d, ssh_userauth_agent(ssh->session, NULL));
		break;
	case CARVE_AUTH_GSSAPI:
		/* The ticket comes from the credential cache (KRB5CCNAME). */
		AUTH_LOOP(rc, err, ssh, d, ssh_userauth_gssapi(ssh->session));
		break;
	}
	ssh_key_free(key);
	if (err < 0)
		return err;
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (o->auth == CARVE_AUTH_GSSAPI && (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL))
		return carve_error_set(CARVE_EAUTH, "%s: authentication refused: the host did "
				       "not accept a Kerberos ticket (is there one? kinit -f, then "
				       "klist): %s", ssh->label, ssh_get_error(ssh->session));
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL)
		return carve_error_set(CARVE_EAUTH, "%s: authentication refused: the host "
				       "did not accept %s", ssh->label, how[o->auth]);
	return ssh_fail(ssh, CARVE_EAUTH, "authentication failed");
}

int carve_ssh_connect(carve_ssh **out, carve_hostkey *key, const carve_ssh_options *o)
{
	carve_hostkey local;
	carve_ssh *ssh = NULL;
	deadline d;
	int err;

	*out = NULL;
	if (!key)
		key = &local;
	memset(key, 0, sizeof(*key));
	deadline_in(&d, o->connect_timeout_ms ? o->connect_timeout_ms : 5000);
	if ((err = open_session(&ssh, o, &d)) < 0)
		return err;
	if ((err = classify_key(ssh, key)) < 0 || (err = enforce_key(ssh, key, o)) < 0)
		goto fail;
	deadline_in(&d, o->auth_timeout_ms ? o->auth_timeout_ms : 10000);
	if ((err = authenticate(ssh, o, &d)) < 0)
		goto fail;
	*out = ssh;
	return 0;
fail:
	carve_ssh_free(ssh);
	return err;
}

int carve_ssh_scan(carve_hostkey *key, const carve_ssh_options *o)
{
	carve_ssh *ssh = NULL;
	deadline d;
	int err;

	memset(key, 0, sizeof(*key));
	deadline_in(&d, o->connect_timeout_ms ? o->connect_timeout_ms : 5000);
	if ((err = open_session(&ssh, o, &d)) == 0)
		err = classify_key(ssh, key);
	carve_ssh_free(ssh);
	return err;
}

/*
 * libssh 0.10 sends a packet at once only when its own poll has just seen
 * the socket writable; otherwise it queues it for the next poll, and
 * ssh_disconnect drops the queue with the socket.  Without this, sshd never
 * receives the channel close or the disconnect, takes its "connection
 * closed" error path, and spends about half as much CPU again on every
 * connection.  So: flush what is queued, let one poll see the socket
 * writable, then disconnect.  Bounded: a healthy peer on a socket that
 * accepts writes; at most about 100 ms otherwise.
 */
void ssh_goodbye(ssh_session session)
{
	ssh_event ev = ssh_event_new();

	ssh_blocking_flush(session, 80);
	if (ev && ssh_event_add_session(ev, session) == SSH_OK) {
		ssh_event_dopoll(ev, 20);
		ssh_event_remove_session(ev, session);
	}
	ssh_event_free(ev);
	ssh_disconnect(session);
}

/*
 * Who closes the socket, as libssh 0.10 behaves: before ssh_connect, carve
 * does.  ssh_disconnect leaves a socket given with SSH_OPTIONS_FD open
 * (carve closes it after), while ssh_free, and libssh's own error paths,
 * close the socket libssh still holds.
 */
void carve_ssh_free(carve_ssh *ssh)
{
	bool close_fd;

	if (!ssh)
		return;
	close_fd = !ssh->fd_handed;
	if (ssh->session) {
		/* A clean goodbye only when the peer is healthy; never wait. */
		if (ssh->fd_handed && !ssh->broken && ssh_is_connected(ssh->session) &&
		    ssh_get_fd(ssh->session) != SSH_INVALID_SOCKET) {
			ssh_goodbye(ssh->session);
			close_fd = true;
		}
		ssh_free(ssh->session);
	}
	if (close_fd && ssh->fd >= 0)
		close(ssh->fd);
	free(ssh->known_hosts);
	free(ssh->label);
	free(ssh);
}

void carve_ssh_options_from_plan(carve_ssh_options *o, const carve_plan *plan,
				 size_t account, const char *host, uint16_t port)
{
	const carve_transport *t = carve_plan_transport(plan);
	size_t n;
	const carve_account *a = carve_plan_accounts(plan, &n);

	*o = (carve_ssh_options)CARVE_SSH_OPTIONS_INIT;
	o->host = host;
	o->port = port ? port : t->port;
	if (account < n) {
		o->user = a[account].user;
		o->auth = a[account].auth;
		o->key_file = a[account].key_file;
		o->password = plan_password(plan, account, &o->password_len);
		o->gate = o->auth == CARVE_AUTH_PASSWORD ? plan_logon_gate(plan, account) : NULL;
		o->gssapi_delegate = o->auth == CARVE_AUTH_GSSAPI;
	}
	o->known_hosts = t->known_hosts;
	o->host_keys = t->host_keys;
	o->use_ssh_config = t->use_ssh_config;
	o->connect_timeout_ms = t->connect_timeout_ms;
	o->auth_timeout_ms = t->auth_timeout_ms;
}
