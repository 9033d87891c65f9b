/*
 * carve.h - the whole public surface of libcarve, the carve engine.
 *
 * libcarve loads a site plan, runs checks and migration steps, and keeps the
 * audit log.  It never touches the terminal.  Conventions (after libgit2):
 *
 *   - functions return 0 or a negative CARVE_E* code; the detail of the last
 *     error on this thread is read with carve_error_last();
 *   - out-parameters come first and are owned by the caller unless the
 *     comment says "borrowed";
 *   - heap objects have _new/_free (or _open/_free, _load/_free);
 *   - option structs have an _INIT macro so new fields do not break callers.
 */
#ifndef CARVE_H
#define CARVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARVE_VERSION "0.1.0"

/* ------------------------------------------------------------------ errors */

enum {
	CARVE_OK = 0,
	CARVE_ERROR = -1,      /* generic failure */
	CARVE_ENOMEM = -2,     /* out of memory */
	CARVE_EINVALID = -3,   /* bad input: the plan, an argument, a file */
	CARVE_EIO = -4,        /* a file or database could not be read/written */
	CARVE_ENOTFOUND = -5,  /* a named object does not exist */
	CARVE_EBUSY = -6,      /* the database stayed locked past the timeout */
	CARVE_ETAMPERED = -7,  /* the audit log failed verification */
	CARVE_EUNSUPPORTED = -8, /* e.g. a database on a network filesystem */
	CARVE_ETIMEOUT = -9,   /* a deadline passed */
	CARVE_ENET = -10,      /* no route, refused, reset, connection lost */
	CARVE_EHOSTKEY = -11,  /* the host key is unknown, changed or of another type */
	CARVE_EAUTH = -12,     /* authentication refused or impossible */
	CARVE_ECANCELED = -13, /* stopped by carve_cancel_fire() */
};

typedef struct {
	int code;            /* one of the CARVE_E* values */
	const char *message; /* never NULL; "" when there is no detail */
} carve_error;

/* The last error recorded on this thread.  Borrowed: valid until the next
 * libcarve call on this thread. */
const carve_error *carve_error_last(void);

/* ------------------------------------------------------------ diagnostics */

/* One problem found in an input file, 1-based line and column. */
typedef struct {
	const char *file;    /* the path as given */
	unsigned line;
	unsigned col;
	const char *message; /* "unknown key 'flor' (did you mean 'floor'?)" */
} carve_diag;

typedef struct carve_diags carve_diags;

/* Diagnostics are kept sorted by line, then column. */
size_t carve_diags_count(const carve_diags *d);
/* Borrowed: valid until carve_diags_free(). */
const carve_diag *carve_diags_get(const carve_diags *d, size_t i);
void carve_diags_free(carve_diags *d);

/* ------------------------------------------------------------ the plan */

/* Marks "no such index" in the size_t references below. */
#define CARVE_NONE ((size_t)-1)

typedef enum {
	CARVE_OS_XP,
	CARVE_OS_VISTA,
	CARVE_OS_7,
	CARVE_OS_8,
	CARVE_OS_10,
	CARVE_OS_11,
	CARVE_OS__COUNT
} carve_os;

/* "xp", "vista", "7", "8", "10", "11".  Static string. */
const char *carve_os_name(carve_os os);

typedef struct {
	const char *netbios; /* FABRIKAM */
	const char *dns;     /* fabrikam.local */
	size_t account;      /* the source's: whose credentials carve passes to
			      * source-domain calls (carve_plan_accounts()), or
			      * CARVE_NONE; always CARVE_NONE for the target */
} carve_domain;

typedef struct {
	const char *name;     /* display name of the site */
	carve_domain source;
	carve_domain target;
	const char *target_ou; /* OU=Workstations,DC=contoso,DC=com */
	const char *migrator;  /* sAMAccountName in the target domain */
	const char *database;  /* audit database path (absolute), or NULL */
} carve_site;

typedef enum {
	CARVE_MAIL_SITE,  /* every user of the site at once, as the seed says (default) */
	CARVE_MAIL_CHUNK, /* the chunk's users with the chunk */
} carve_mail_scope;

typedef struct {
	const char *source_namespace;      /* mail.fabrikam.com */
	const char *target_mailbox_server; /* address the hosts entry points at */
	const char *target_cas;            /* outlook.contoso.com */
	unsigned bad_item_limit;           /* default 50 */
	uint32_t move_timeout_ms;          /* a mailbox move may take, default 24h */
	uint32_t poll_interval_ms;         /* between status polls, default 30s */
	uint32_t outlook_timeout_ms;       /* for Outlook 2003 to reconfigure, default 1h */
	const char *smtp_domain;           /* fabrikam.com: whose MX and autodiscover
					    * teardown checks; NULL: from the users' email */
	const char *target_mx;             /* the MX host the domain must end on; NULL:
					    * any host in the target's DNS domain */
	const char *resolver;              /* IPv4 address teardown asks, or NULL */
	uint16_t resolver_port;            /* default 53 */
	carve_mail_scope scope;            /* whose mailboxes a chunk's mail phase
					    * moves */
	unsigned source_version;           /* the source's Exchange: 2003, 2007 or
					    * 2010 (default) */
	const char *mrs_proxy;             /* 2010 source: the name of its MRSProxy
					    * endpoint (-RemoteHostName) */
	const char *remote_gc;             /* 2003/2007 source: one of its global
					    * catalogs (-RemoteGlobalCatalog) */
	const char *delivery_domain;       /* -TargetDeliveryDomain: the target's mail
					    * domain the source's mail users forward
					    * to; moves need it */
	const char *exchange_uri;          /* a Client Access server's
					    * http://.../PowerShell/ for a remote
					    * session; NULL: the E2010 snap-in */
} carve_mail;

/* ADMT's security translation mode (/TranslationOption). */
typedef enum {
	CARVE_TRANSLATE_REPLACE, /* the target SID replaces the source's (default) */
	CARVE_TRANSLATE_ADD,     /* the target SID beside the source's */
	CARVE_TRANSLATE_REMOVE,  /* the source SID removed */
} carve_translation;

typedef enum {
	CARVE_BEYOND7_BLOCK,   /* failed: not migrated (default) */
	CARVE_BEYOND7_MIGRATE, /* warned: migrated, the users get new profiles */
} carve_beyond7;

typedef struct {
	uint64_t min_free_disk;   /* bytes, default 1 GiB */
	uint64_t update_headroom; /* bytes, default 0 */
	/* Required hotfixes per OS ("KB944043"); XP defaults to the seed's four. */
	const char *const *hotfixes[CARVE_OS__COUNT];
	size_t hotfix_count[CARVE_OS__COUNT];
	bool disable_source_accounts; /* else set the default logon domain */
	uint32_t restart_timeout_ms;  /* for a restarted machine to return, default 15m */
	/* Where --fix installs a missing hotfix from: ids[i] from paths[i]. */
	const char *const *hotfix_package_ids;
	const char *const *hotfix_package_paths;
	size_t hotfix_package_count;
	uint32_t admt_timeout_ms;     /* how long ADMT may run, default 4h */
	unsigned admt_restart_delay;  /* minutes until ADMT restarts a machine (/RDL,
				       * 1 to 10), default 1 */
	carve_translation translation; /* /TOT, default replace */
	bool translate_profiles;      /* /TUP: the users keep their profiles (default) */
	bool translate_local_groups;  /* /TLG, default true */
	bool translate_user_rights;   /* /TUR, default true */
	/* ADMT 3.2 cannot translate profiles on anything newer than Windows 7
	 * (KB 4089459): what the pre-flight does with such machines. */
	carve_beyond7 newer_than_7;
	const char *devcon;           /* devcon.exe (x86) to disable NICs on XP, or NULL */
	unsigned active_within_days;  /* teardown: a source computer account used within
				       * this many days is a workstation in use, default 30 */
} carve_policy;

/* How an account logs on.  On Windows OpenSSH only a password logon or a
 * Kerberos logon with delegated credentials carries network credentials; a
 * key logon (key file or agent) cannot reach other machines (WMI, shares,
 * AD, Exchange): Win32-OpenSSH issues 518, 1264, 1047. */
typedef enum {
	CARVE_AUTH_PASSWORD, /* the account's password (default) */
	CARVE_AUTH_GSSAPI,   /* Kerberos: the ticket in the credential cache
			      * (kinit -f), delegated to the host */
	CARVE_AUTH_KEY,      /* an unencrypted private key file */
	CARVE_AUTH_AGENT,    /* the keys in ssh-agent */
} carve_auth;

/* "password", "gssapi", "key", "agent".  Static string. */
const char *carve_auth_name(carve_auth auth);

/* Whether a logon this way carries network credentials on Windows. */
bool carve_auth_delegates(carve_auth auth);

/* A domain account carve logs on as.  The plan names where its secret
 * comes from, never the secret. */
typedef struct {
	const char *name;          /* the plan's identifier: "migrator" */
	const char *user;          /* as the plan writes it: CONTOSO\svc_x or
				    * svc_x@contoso.com */
	carve_auth auth;
	const char *key_file;      /* CARVE_AUTH_KEY: absolute path, else NULL */
	const char *password_file; /* CARVE_AUTH_PASSWORD: absolute path, or NULL */
} carve_account;

typedef enum {
	CARVE_HOSTKEYS_STRICT,     /* unknown keys refused (default) */
	CARVE_HOSTKEYS_ACCEPT_NEW, /* unknown keys recorded, changed refused */
} carve_hostkeys;

typedef enum {
	CARVE_PROBE_ICMP, /* ICMP echo from the console (default) */
	CARVE_PROBE_TCP,  /* TCP connect to the SSH port */
	CARVE_PROBE_EXEC, /* ping run on a management exec host */
} carve_probe;

typedef struct {
	size_t account;            /* for machines reached directly, or CARVE_NONE */
	const char *known_hosts;   /* absolute path, or NULL for the default */
	carve_hostkeys host_keys;
	bool use_ssh_config;       /* read ~/.ssh/config (default false) */
	uint16_t port;             /* default 22 */
	uint32_t connect_timeout_ms; /* default 5000 */
	uint32_t auth_timeout_ms;    /* default 10000 */
	uint32_t command_timeout_ms; /* default 120000 */
	uint32_t concurrency;        /* default 64 */
	carve_probe probe;
	uint32_t sweep_interval_ms;  /* between ICMP requests; default 10 (fping's -i) */
} carve_transport;

typedef enum {
	CARVE_ROLE_ADMT,
	CARVE_ROLE_MAIL,
	CARVE_ROLE_MANAGEMENT,
} carve_exec_role;

const char *carve_exec_role_name(carve_exec_role role);

typedef struct {
	const char *name;    /* NetBIOS name */
	carve_exec_role role;
	const char *address; /* IP address or DNS name */
	uint16_t port;       /* 0: the transport default */
	uint32_t concurrency; /* sessions at once to this host, default 4 */
	size_t account;      /* who carve logs on as there (carve_plan_accounts()) */
} carve_exec_host;


typedef struct {
	const char *name;
	const char *title;       /* may be NULL */
	const char *const *rows; /* the drawing, one string per row, no newline */
	size_t row_count;
	size_t width;            /* longest row, in columns */
} carve_floor;

typedef enum {
	CARVE_REACH_DIRECT, /* SSH to the machine itself */
	CARVE_REACH_VIA,    /* queried remotely from an exec host */
} carve_reach;

typedef struct {
	const char *name;    /* NetBIOS name, as written in the plan */
	const char *address; /* IP address or DNS name */
	carve_os os;
	size_t floor;        /* index into carve_plan_floors() */
	unsigned x, y;       /* 0-based column and row on the floor drawing */
	size_t user;         /* index into carve_plan_users(), or CARVE_NONE */
	size_t chunk;        /* index into carve_plan_chunks() */
	carve_reach reach;
	size_t via;          /* exec host index when reach is VIA, else NONE */
	uint16_t port;       /* 0: the transport default */
	unsigned outlook;    /* 0 (none), 2003, 2007, 2010, 2013, 2016, 2019 */
} carve_machine;

typedef struct {
	const char *name;         /* sAMAccountName */
	const char *display_name; /* may be NULL */
	const char *email;        /* primary SMTP address, may be NULL */
	size_t chunk;             /* index into carve_plan_chunks() */
	const char *activesync;   /* the device, e.g. "iPhone", or NULL */
} carve_user;

typedef struct {
	const char *name;
	const char *title;   /* may be NULL */
	time_t cutover;      /* UTC */
	const char *cutover_text; /* as written in the plan */
} carve_chunk;

typedef enum {
	CARVE_AREA_EXCHANGE,
	CARVE_AREA_AD,
} carve_teardown_area;

typedef enum {
	CARVE_VERIFY_NONE,         /* a person signs it off */
	CARVE_VERIFY_MAILBOXES,    /* no outstanding mailbox (audit log) */
	CARVE_VERIFY_WORKSTATIONS, /* every workstation migrated (audit log) */
	CARVE_VERIFY_MX,           /* MX of the namespace points to the target */
	CARVE_VERIFY_AUTODISCOVER, /* autodiscover record points to the target */
} carve_teardown_verify;

const char *carve_teardown_verify_name(carve_teardown_verify v);

typedef struct {
	const char *id;
	carve_teardown_area area;
	const char *title;
	carve_teardown_verify verify;
} carve_teardown_item;

typedef struct carve_plan carve_plan;

/*
 * Load and validate a site plan.  On success *out is an immutable plan
 * (free with carve_plan_free) and returns 0.  On invalid input returns
 * CARVE_EINVALID with every problem in *diags (free with carve_diags_free);
 * *diags may be set on success too (NULL when there is nothing to say).
 * Either out pointer may be NULL-initialised by the caller; both are set.
 */
int carve_plan_load(carve_plan **out, carve_diags **diags, const char *path);

/* The same from memory; name is used in diagnostics. */
int carve_plan_load_buffer(carve_plan **out, carve_diags **diags,
			   const char *name, const char *buf, size_t len);

void carve_plan_free(carve_plan *plan);

/* Everything below is borrowed from the plan and lives as long as it. */
const char *carve_plan_path(const carve_plan *plan);
/* SHA-256 of the plan file's bytes, as 64 lowercase hex digits. */
const char *carve_plan_hash(const carve_plan *plan);
const carve_site *carve_plan_site(const carve_plan *plan);
const carve_mail *carve_plan_mail(const carve_plan *plan);
const carve_policy *carve_plan_policy(const carve_plan *plan);
const carve_transport *carve_plan_transport(const carve_plan *plan);
const carve_exec_host *carve_plan_exec_hosts(const carve_plan *plan, size_t *count);
const carve_floor *carve_plan_floors(const carve_plan *plan, size_t *count);
const carve_machine *carve_plan_machines(const carve_plan *plan, size_t *count);
const carve_user *carve_plan_users(const carve_plan *plan, size_t *count);
const carve_chunk *carve_plan_chunks(const carve_plan *plan, size_t *count);
const carve_teardown_item *carve_plan_teardown(const carve_plan *plan, size_t *count);
const carve_account *carve_plan_accounts(const carve_plan *plan, size_t *count);

/* Look-ups by name; CARVE_NONE when absent.  Machine names ignore case. */
size_t carve_plan_find_machine(const carve_plan *plan, const char *name);
size_t carve_plan_find_user(const carve_plan *plan, const char *name);
size_t carve_plan_find_chunk(const carve_plan *plan, const char *name);
size_t carve_plan_find_account(const carve_plan *plan, const char *name);

/* Whether exec host e reaches other machines from its sessions (ADMT's
 * agents, Active Directory, Exchange, or the machines asked through it),
 * so that its logon must carry network credentials.  why (may be NULL)
 * gets a static phrase: "ADMT's agents and Active Directory". */
bool carve_exec_host_reaches_others(const carve_plan *plan, size_t e, const char **why);

/* ------------------------------------------------------------ secrets */

/*
 * Memory for a secret: its own page-aligned mapping, locked against
 * swapping (mlock) where the system allows it and left out of core dumps
 * (MADV_DONTDUMP), wiped (explicit_bzero) and unmapped when freed.  When
 * mlock is refused (RLIMIT_MEMLOCK for an unprivileged user) the secret is
 * still kept, still left out of core dumps, and carve_secret_locked() says
 * so, so that the caller can warn: it is never swap-unsafe silently.
 */
typedef struct carve_secret carve_secret;

/* A zeroed secret of cap bytes.  Owned: free with carve_secret_free. */
int carve_secret_new(carve_secret **out, size_t cap);
/* The bytes, cap of them.  Borrowed: valid until carve_secret_free. */
char *carve_secret_bytes(carve_secret *s);
size_t carve_secret_cap(const carve_secret *s);
bool carve_secret_locked(const carve_secret *s);
/* Zeroes every byte. */
void carve_secret_wipe(carve_secret *s);
/* Wipes and unmaps; NULL is fine. */
void carve_secret_free(carve_secret *s);

/*
 * The plan keeps the passwords of its accounts in secrets of its own, from
 * which sessions borrow them (carve_plan_free wipes them).  Set them before
 * any session starts: these calls are not safe against sessions in flight.
 * A password never reaches the audit log, a command line, the environment,
 * an encoded command or an error message: errors name the account only.
 */

/* Copies len bytes of secret into locked memory as account's password
 * (replacing any).  CARVE_EINVALID for an account that does not log on with
 * a password, an empty password, or one holding a NUL byte. */
int carve_plan_set_password(carve_plan *plan, size_t account, const char *secret, size_t len);
bool carve_plan_has_password(const carve_plan *plan, size_t account);
/* False when some password could not be locked in memory (see
 * carve_secret_locked). */
bool carve_plan_passwords_locked(const carve_plan *plan);

/* Reads the password_file of every password account that has one and no
 * password yet.  Refuses (CARVE_EINVALID, naming the file, the account and
 * why) a file that is not a regular file, is not owned by the user running
 * carve or root, or can be read or written by group or others, and an
 * empty or multi-line file. */
int carve_plan_read_password_files(carve_plan *plan);

/* Reads "account-name:password" lines from fd until EOF, straight into
 * locked memory (never through stdio buffers); blank lines and lines
 * starting with '#' are skipped, a trailing CR is dropped.  A line naming
 * no password account of the plan, or malformed, is CARVE_EINVALID naming
 * the line number, never its text.  Does not close fd. */
int carve_plan_read_passwords_fd(carve_plan *plan, int fd);

/* What a command is about to do, for the accounts it will need. */
typedef enum {
	CARVE_WORK_PREFLIGHT, /* carve check: the machines, the exec hosts that
			       * ask them, the management host (pings, update
			       * installs) and the ADMT server (the migrator's
			       * groups) */
	CARVE_WORK_MIGRATION, /* carve run, the console: every session of every
			       * phase, and the source account */
	CARVE_WORK_TEARDOWN,  /* carve teardown: when an item verifies the
			       * workstations, the ADMT server and the source
			       * account, to read the source's computers */
} carve_work;

/* Which accounts work will log on with a password (or pass on as a
 * credential) and the plan has no password for yet: their indexes, in plan
 * order, into out (room for cap); returns how many there are. */
size_t carve_plan_missing_passwords(size_t *out, size_t cap, const carve_plan *plan,
				    carve_work work);

/* ------------------------------------------------------------ names */

/* Allow-lists for values that reach remote commands.  Each returns true when
 * the value is acceptable; on false, *why (if not NULL) gets a static
 * explanation. */
bool carve_name_netbios(const char *s, const char **why);
bool carve_name_sam(const char *s, const char **why);
bool carve_name_dns(const char *s, const char **why);
bool carve_name_hotfix(const char *s, const char **why);

/* ------------------------------------------------------------ steps */

typedef enum {
	CARVE_PHASE_INVENTORY,
	CARVE_PHASE_PREFLIGHT,
	CARVE_PHASE_RESTART,
	CARVE_PHASE_WORKSTATIONS,
	CARVE_PHASE_MAIL,
	CARVE_PHASE_CLIENTS,
	CARVE_PHASE_TEARDOWN,
	CARVE_PHASE__COUNT
} carve_phase;

/* Static strings: "inventory", "preflight", ... */
const char *carve_phase_name(carve_phase p);
/* Returns 0 and sets *out, or CARVE_ENOTFOUND. */
int carve_phase_parse(carve_phase *out, const char *name);

typedef enum {
	CARVE_STATUS_PENDING,
	CARVE_STATUS_RUNNING,
	CARVE_STATUS_OK,
	CARVE_STATUS_WARN,
	CARVE_STATUS_FAILED,
	CARVE_STATUS_BLOCKED,
	CARVE_STATUS_SKIPPED,
	CARVE_STATUS_INTERRUPTED,
	CARVE_STATUS__COUNT
} carve_status;

/* Static strings: "pending", "running", ... */
const char *carve_status_name(carve_status s);
int carve_status_parse(carve_status *out, const char *name);

/* ------------------------------------------------------------ audit log */

typedef struct carve_audit carve_audit;

typedef struct {
	bool read_only;          /* open an existing database for reading */
	unsigned busy_timeout_ms; /* default 5000 */
} carve_audit_options;

#define CARVE_AUDIT_OPTIONS_INIT { false, 5000 }

/*
 * Open (creating if needed, mode 0600) the audit database at path.  Refuses
 * a path on a network filesystem with CARVE_EUNSUPPORTED.  opts may be NULL.
 */
int carve_audit_open(carve_audit **out, const char *path,
		     const carve_audit_options *opts);
void carve_audit_free(carve_audit *audit);

/* The database file's path.  Borrowed. */
const char *carve_audit_path(const carve_audit *audit);

/* Sets *changed when another connection (another carve, another process)
 * committed since the last call on this handle; cheap enough to poll a few
 * times a second. */
int carve_audit_changed(bool *changed, carve_audit *audit);

/* The database path to use for a plan: the plan's site.database, else
 * $XDG_STATE_HOME/carve/<plan file stem>.db (~/.local/state/...).  Owned. */
char *carve_audit_default_path(const carve_plan *plan);

/* The person running carve, the one identity every run, note, skip and
 * sign-off is recorded under: the login name (it survives sudo), else the
 * account of the real user id (cron, services, no terminal), else "uid N";
 * never from the environment ($USER may be unset or anything). */
void carve_operator(char *out, size_t size);

/* Start a run: who (carve_operator), host and carve version are filled in
 * by the engine.  command describes what the run does ("check --chunk A"). */
int carve_audit_run_begin(int64_t *run_id, carve_audit *audit,
			  const carve_plan *plan, const char *command);
int carve_audit_run_end(carve_audit *audit, int64_t run_id);

/* An event to append.  All strings may be NULL.  evidence is JSON text. */
typedef struct {
	int64_t run;
	const char *actor;   /* "engine", or the person ("alice") */
	const char *kind;    /* "step", "note", "signoff", "hostkey", ... */
	const char *chunk;
	const char *machine;
	const char *user;
	const char *phase;
	const char *step;
	carve_status status;
	const char *evidence;
	const char *diagnosis;
} carve_event;

#define CARVE_EVENT_INIT { 0, NULL, "step", NULL, NULL, NULL, NULL, NULL, \
			   CARVE_STATUS_PENDING, NULL, NULL }

/* Append n events in one BEGIN IMMEDIATE transaction, chaining each to the
 * previous; updates the current-state table in the same transaction.  When
 * it returns 0 the events are durable.  *first_seq (may be NULL) gets the
 * first new sequence number. */
int carve_audit_append(int64_t *first_seq, carve_audit *audit,
		       const carve_event *events, size_t n);

/* A stored event, as read back.  Strings are borrowed for the callback. */
typedef struct {
	int64_t seq;
	int64_t run;
	const char *time; /* RFC 3339 UTC with milliseconds */
	carve_event ev;
	const char *status_text;
	bool evidence_is_json; /* ev.evidence parses as JSON (SQLite's json_valid):
				* it may be embedded as it is */
} carve_event_row;

typedef struct {
	const char *chunk;   /* NULL: any */
	const char *machine; /* case-insensitive; NULL: any */
	const char *phase;
	const char *status;
	const char *since;   /* RFC 3339 prefix compare, NULL: any */
	int64_t after_seq;   /* only events with seq > after_seq */
	size_t limit;        /* 0: no limit */
	const char *kind;    /* "step", "note", "signoff", ...; NULL: any */
} carve_log_filter;

#define CARVE_LOG_FILTER_INIT { NULL, NULL, NULL, NULL, NULL, 0, 0, NULL }

/* Calls cb for each matching event in seq order; a non-zero return from cb
 * stops the walk and is returned. */
typedef int (*carve_event_cb)(const carve_event_row *row, void *ctx);
int carve_audit_query(carve_audit *audit, const carve_log_filter *filter,
		      carve_event_cb cb, void *ctx);

/* An object's current state in one step: the latest event about it. */
typedef struct {
	const char *object_kind; /* "machine", "user", "chunk" or "site" */
	const char *object;      /* its name ("" for the site) */
	const char *chunk;       /* may be NULL */
	const char *phase;
	const char *step;
	carve_status status;
	const char *time;
	const char *diagnosis;   /* may be NULL */
	const char *evidence;    /* JSON (text that was not is given as a JSON
				  * string of it), may be NULL */
	const char *actor;       /* "engine", or the person who signed it off */
	int64_t seq;             /* the event that set it */
	int64_t run;
} carve_state_row;

/* Calls cb for each current state of chunk's objects (NULL: every object),
 * ordered by object kind, object, phase and step; strings are borrowed for
 * the call.  A non-zero return from cb stops the walk and is returned. */
typedef int (*carve_state_cb)(const carve_state_row *row, void *ctx);
int carve_audit_states(carve_audit *audit, const char *chunk, carve_state_cb cb, void *ctx);
/* The current status of one step of one object ("machine" or "user"):
 * CARVE_STATUS_PENDING when nothing is recorded. */
int carve_audit_step_status(carve_status *out, carve_audit *audit, const char *object_kind,
			    const char *object, const char *phase, const char *step);

/* The same for the site's own objects only (the teardown checklist):
 * cheap, whatever the number of machines. */
int carve_audit_site_states(carve_audit *audit, carve_state_cb cb, void *ctx);

/* The current states that failed or were interrupted, with their
 * evidence (what triage shows), in the order carve_audit_states gives. */
int carve_audit_failed_states(carve_audit *audit, carve_state_cb cb, void *ctx);

/* Every machine's and every user's current states, in no particular order
 * and without what the events table holds (evidence, actor: NULL; run: 0):
 * the cheap walk for a status per desk, however much evidence the log
 * has. */
int carve_audit_machine_states(carve_audit *audit, carve_state_cb cb, void *ctx);

/* Calls cb for each note after after_seq, in seq order, from the notes
 * table (cheap, however long the log): ev.diagnosis is the note's text
 * ("powered off: cable pulled"), ev.evidence NULL; run 0. */
int carve_audit_notes(carve_audit *audit, int64_t after_seq, carve_event_cb cb, void *ctx);

/* The first and last event of a chunk (RFC 3339 UTC), "" when it has none:
 * how long its cutover has been going. */
int carve_audit_chunk_span(char first[32], char last[32], carve_audit *audit,
			   const char *chunk);

/* What verify found.  Only the first problem is reported: everything after
 * it is suspect. */
typedef struct {
	bool ok;
	int64_t events;       /* rows checked */
	int64_t bad_seq;      /* first bad row's seq (0 when ok, or not a row) */
	char reason[256];     /* what is wrong with it */
	char integrity[256];  /* PRAGMA integrity_check's first line */
	int64_t head_seq;     /* the log's last row (0: empty) ... */
	char head_hash[65];   /* ... and its hash, hex: "SEQ:HASH" to keep */
	int64_t seal_epochs;  /* sealing keys the log was sealed with */
	char verify_key[128]; /* the verification key the seals were checked
			       * against ("" when none was at hand) */
	char key_file[4096];  /* the key file it came from ("" when given) */
} carve_verify_result;

typedef struct {
	const char *verify_key; /* ROOT/START/SECONDS a person kept; NULL: the
				 * key file on this machine */
	const char *head;       /* SEQ:HASH recorded earlier; NULL: none */
	const char *known_hosts; /* the plan's known-hosts file, held to the
				  * keys the log recorded; NULL: not checked */
} carve_verify_options;

/*
 * Is the log still the one carve wrote?  SQLite's integrity check; the
 * hash chain over every event; the runs, the current state, notes and
 * sign-offs rebuilt from the events and compared; the seals against the
 * verification key; the head carve last sealed still in the log;
 * opts->head, when given, still part of it; and each key in the
 * known-hosts file for a host the log recorded a key for, that key.  Returns 0 when the checks
 * could be made (read result->ok for the verdict).  opts may be NULL.
 */
int carve_audit_verify(carve_verify_result *result, carve_audit *audit,
		       const carve_verify_options *opts);

/* The log's head: its last row and that row's hash (hex), 0 and "" when
 * it is empty.  What a person writes down to check later with
 * carve verify --head. */
int carve_audit_head(int64_t *seq, char hash[65], carve_audit *audit);

/* Counts of the current state per chunk and phase: counts[chunk][phase][status]
 * for the plan's chunks, objects with no recorded state counted as pending.
 * audit may be NULL (no log yet): everything is pending. */
typedef struct {
	size_t chunk_count;
	unsigned (*counts)[CARVE_PHASE__COUNT][CARVE_STATUS__COUNT];
} carve_grid;

int carve_audit_grid(carve_grid *out, carve_audit *audit, const carve_plan *plan);
void carve_grid_done(carve_grid *grid);

/*
 * How far a set of steps has got, in the one vocabulary every screen uses
 * (the grid, carve status, a run's summary, the report): done (ok, warn
 * or skipped), failed (failed or interrupted), blocked (waiting on a
 * failure) and to do (pending or running), out of total.
 */
typedef struct {
	unsigned done, failed, blocked, todo, total;
} carve_progress;

/* Adds a cell's counts (counts[CARVE_STATUS__COUNT]). */
void carve_progress_add(carve_progress *p, const unsigned *counts);
/* "61 of 80 done, 6 failed, 13 blocked" (what is zero left out), "all 80
 * done", or "nothing to do". */
void carve_progress_text(char *out, size_t cap, const carve_progress *p);

/* A chunk's progress, the one every screen gives for it: the steps carve
 * runs for the chunk, pre-flight to clients, its own users' mailboxes
 * only (inventory and teardown are people's work and wait for them). */
void carve_progress_chunk(carve_progress *p, const carve_grid *grid, size_t chunk);
/* The same read from the log. */
int carve_audit_chunk_progress(carve_progress *p, carve_audit *audit, const carve_plan *plan,
			       const char *chunk);

/* ------------------------------------------------------------ transport */

/*
 * Cancellation shared by many sessions: once fired, every blocking call that
 * was given it returns CARVE_ECANCELED at once.  Thread-safe.
 */
typedef struct carve_cancel carve_cancel;

int carve_cancel_new(carve_cancel **out);
void carve_cancel_fire(carve_cancel *c);
bool carve_cancel_fired(const carve_cancel *c);
void carve_cancel_free(carve_cancel *c);

/* What the host presented, filled in by carve_ssh_connect and carve_ssh_scan
 * whenever the key exchange got that far. */
typedef enum {
	CARVE_HOSTKEY_NONE,    /* no key seen (the connection failed earlier) */
	CARVE_HOSTKEY_KNOWN,   /* matches the known-hosts file */
	CARVE_HOSTKEY_UNKNOWN, /* not in the file */
	CARVE_HOSTKEY_ADDED,   /* was unknown, recorded (accept-new) */
	CARVE_HOSTKEY_CHANGED, /* the file has another key of this type */
	CARVE_HOSTKEY_OTHER,   /* the file has keys of other types only */
} carve_hostkey_state;

typedef struct {
	carve_hostkey_state state;
	char type[32];         /* "ssh-ed25519" */
	char fingerprint[128]; /* "SHA256:..." */
	char entry[4096];      /* the known-hosts line that would record it */
} carve_hostkey;

/* Called when a host presents a changed key or a key of another type, so the
 * caller can write the audit event (from the session's thread). */
typedef void (*carve_hostkey_cb)(const char *host, uint16_t port,
				 const carve_hostkey *key, void *ctx);

/* Serialises the first password logons of an account until one tells
 * whether the password works: a mistyped password is refused by one host,
 * then not tried again, rather than once per machine (the domain's lockout
 * policy would lock the account out on cutover night).  Owned by the plan;
 * carve_ssh_options_from_plan sets it. */
typedef struct carve_logon_gate carve_logon_gate;

typedef struct {
	const char *host;            /* address or DNS name */
	uint16_t port;               /* 0: 22 */
	const char *user;            /* CONTOSO\svc_x, svc_x@contoso.com, or a local name */
	carve_auth auth;
	const char *key_file;        /* CARVE_AUTH_KEY */
	const char *password;        /* CARVE_AUTH_PASSWORD: NUL-terminated, borrowed */
	size_t password_len;
	const char *known_hosts;     /* NULL: carve_known_hosts_default_path() */
	carve_hostkeys host_keys;
	bool use_ssh_config;         /* let libssh read ~/.ssh/config */
	uint32_t connect_timeout_ms; /* resolve + TCP + key exchange; 0: 5000 */
	uint32_t auth_timeout_ms;    /* 0: 10000 */
	const char *key_exchange;    /* libssh KEX list, NULL: libssh's default */
	carve_cancel *cancel;        /* may be NULL */
	carve_hostkey_cb on_bad_hostkey; /* may be NULL */
	void *ctx;
	carve_logon_gate *gate;      /* may be NULL */
	bool gssapi_delegate;        /* CARVE_AUTH_GSSAPI: forward the ticket, so the
				      * session has network credentials */
	const char *name;            /* the host's name in the plan, for messages
				      * (carve trust takes it), or NULL */
} carve_ssh_options;

#define CARVE_SSH_OPTIONS_INIT { NULL, 0, NULL, CARVE_AUTH_PASSWORD, NULL, NULL, 0, \
				 NULL, CARVE_HOSTKEYS_STRICT, false, 0, 0, \
				 NULL, NULL, NULL, NULL, NULL, false, NULL }

/* Fills SSH options from the plan for host:port, logging on as account
 * (CARVE_NONE: no credential, for carve_ssh_scan).  The password, when the
 * account has one, is borrowed from the plan and lives as long as it. */
void carve_ssh_options_from_plan(carve_ssh_options *opts, const carve_plan *plan,
				 size_t account, const char *host, uint16_t port);

typedef struct carve_ssh carve_ssh;

/*
 * Connects, checks the host key and authenticates, each within its deadline.
 * *key (may be NULL) says what the host presented.  Errors: CARVE_ETIMEOUT,
 * CARVE_ENET, CARVE_EHOSTKEY (the message carries the fingerprint and the
 * command that trusts it), CARVE_EAUTH, CARVE_ECANCELED.
 */
int carve_ssh_connect(carve_ssh **out, carve_hostkey *key, const carve_ssh_options *opts);

/* Records what happened to a host's key as an event (kind and step
 * "hostkey") of run: accepted on first contact (CARVE_HOSTKEY_ADDED),
 * recorded by carve trust (CARVE_HOSTKEY_UNKNOWN, after a person confirmed
 * it), or refused because it changed (CHANGED, OTHER: failed).  name is the
 * plan's name for the host; chunk may be NULL. */
int carve_audit_hostkey(carve_audit *audit, int64_t run, const char *chunk, const char *name,
			const char *address, uint16_t port, const carve_hostkey *key);

/* Connects only as far as the host key, and reports it against the
 * known-hosts file without enforcing anything (for carve trust). */
int carve_ssh_scan(carve_hostkey *key, const carve_ssh_options *opts);

/* Disconnects cleanly and frees. */
void carve_ssh_free(carve_ssh *ssh);

typedef struct {
	int exit_status;       /* valid when exited */
	bool exited;           /* an exit status arrived */
	char signal[32];       /* "KILL" when killed by a signal, else "" */
	char *out, *err;       /* NUL-terminated, owned; free with _done */
	size_t out_len, err_len;
	bool out_truncated, err_truncated;
	double ms;             /* wall time of the command */
} carve_ssh_result;

void carve_ssh_result_done(carve_ssh_result *r);

/*
 * Runs command on a new channel of the session and waits for it to end,
 * keeping at most cap bytes of stdout and of stderr (0: 1 MiB).  Returns 0
 * when an exit status or signal arrived; CARVE_ETIMEOUT when timeout_ms
 * passed (0: 120000), CARVE_ECANCELED when cancelled (both: the command is
 * interrupted and the session is no longer usable), CARVE_ENET when the
 * connection dropped, CARVE_ERROR when the channel closed without an exit
 * status.  r holds whatever output arrived in every case.
 */
int carve_ssh_exec(carve_ssh_result *r, carve_ssh *ssh, const char *command,
		   uint32_t timeout_ms, size_t cap);

/* The same, writing input_len bytes of input to the command's standard
 * input first (input may be NULL when input_len is 0).  Standard input is
 * closed (EOF) after it, as it is by carve_ssh_exec: a Windows PowerShell
 * that reads it never waits for more. */
int carve_ssh_exec_input(carve_ssh_result *r, carve_ssh *ssh, const char *command,
			 const char *input, size_t input_len, uint32_t timeout_ms, size_t cap);

/* The default known-hosts file: $XDG_CONFIG_HOME/carve/known_hosts, else
 * ~/.config/carve/known_hosts.  Owned. */
char *carve_known_hosts_default_path(void);

/* Appends a line (carve_hostkey.entry) to a known-hosts file under an
 * exclusive lock, creating it 0600 (and its directory 0700). */
int carve_known_hosts_add(const char *path, const char *entry);

/* ------------------------------------------------------------ worker pool */

/* Runs job(i, ctx) for i in [0, n) on up to limit threads at once.  When
 * group is not NULL, job i belongs to group[i] (or none when CARVE_NONE), and
 * at most group_limit[g] jobs of group g run at once.  Returns when every
 * job has returned. */
typedef void (*carve_job_fn)(size_t i, void *ctx);
int carve_pool_run(size_t n, unsigned limit, const size_t *group,
		   const unsigned *group_limit, carve_job_fn job, void *ctx);

/* ------------------------------------------------------------ pre-flight */

/* The seed's STEP 1 checks, in the order they run. */
typedef enum {
	CARVE_CHECK_PING,     /* answers at all */
	CARVE_CHECK_OS,       /* the Windows the plan says; ADMT 3.2 can translate its
			       * profiles (up to Windows 7) */
	CARVE_CHECK_DISK,     /* free space on C: >= policy (warn below + headroom) */
	CARVE_CHECK_HOTFIXES, /* the policy's hotfixes for its OS (XP by default) */
	CARVE_CHECK_ADMIN,    /* the migrator is in local Administrators */
	CARVE_CHECK_NICS,     /* no wireless or secondary adapter enabled */
	CARVE_CHECK_FIREWALL, /* off in every profile */
	CARVE_CHECK_SERVICES, /* Remote Registry, Server, Workstation, Netlogon running */
	CARVE_CHECK__COUNT
} carve_check;

/* "ping", "os", "disk", "hotfixes", "admin", "nics", "firewall", "services". */
const char *carve_check_name(carve_check c);

typedef struct {
	carve_status status; /* PENDING: does not apply; BLOCKED: not run */
	char *evidence;      /* JSON; owned by the report */
	char *diagnosis;     /* cause and fix when not ok, else NULL */
} carve_check_result;

/* How a check's diagnosis begins when Windows answered none of it (the
 * script failed: RPC unavailable, access denied): the machine's cause, not
 * the check's, so triage groups it once whatever the check. */
#define CARVE_DIAG_NO_ANSWER "Windows could not answer"

typedef struct {
	size_t machine;      /* index into carve_plan_machines() */
	carve_status status; /* the worst of its checks */
	carve_check_result checks[CARVE_CHECK__COUNT];
	char *unreachable;   /* why carve could not reach it over SSH, or NULL */
	bool fixed[CARVE_CHECK__COUNT]; /* a fix ran (checks[] holds the check after it) */
	char *not_fixed;     /* why fixes were not offered (its migration started), or NULL */
} carve_preflight_machine;

typedef struct carve_preflight carve_preflight;

typedef struct {
	const char *chunk;            /* only this chunk; NULL: all */
	const char *const *machines;  /* only these (NULL-terminated); NULL: all */
	carve_audit *audit;           /* every result is appended here; may be NULL */
	int64_t run;                  /* the audit run the events belong to */
	carve_cancel *cancel;         /* may be NULL */
	/* Apply the known fix for each failed check (services, adapters,
	 * firewall, local Administrators, hotfixes from
	 * policy.hotfix_packages) and check again; each fix is logged with the
	 * evidence before and after.  Never on a machine whose workstations
	 * phase has started. */
	bool fix;
	/* Called from worker threads as each machine finishes; may be NULL. */
	void (*on_machine)(const carve_preflight_machine *m, void *ctx);
	void *ctx;
} carve_preflight_options;

#define CARVE_PREFLIGHT_OPTIONS_INIT { NULL, NULL, NULL, 0, NULL, false, NULL, NULL }

/*
 * Runs every applicable check on the selected machines: a machine that does
 * not answer is recorded unreachable once and its other checks blocked; all
 * of a machine's checks share one SSH connection (to the machine, or to the
 * exec host that queries it).  Concurrency as the plan's transport and exec
 * hosts say.  Returns 0 when the run was carried out (read the report for
 * the verdicts); CARVE_EINVALID for a filter naming nothing in the plan.
 */
int carve_preflight_run(carve_preflight **out, const carve_plan *plan,
			const carve_preflight_options *opts);
size_t carve_preflight_count(const carve_preflight *p);
/* Borrowed; in plan order. */
const carve_preflight_machine *carve_preflight_get(const carve_preflight *p, size_t i);
void carve_preflight_free(carve_preflight *p);

/* ------------------------------------------------------------ inventory */

/* What the floor walk found for a machine, against the plan. */
typedef enum {
	CARVE_INVENTORY_MATCH,   /* where the plan says */
	CARVE_INVENTORY_MISSING, /* in the plan, not found on the floor */
	CARVE_INVENTORY_EXTRA,   /* on the floor, not in the plan */
	CARVE_INVENTORY_MOVED,   /* found on another floor or at another desk */
} carve_inventory_kind;

typedef struct {
	carve_inventory_kind kind;
	size_t machine;     /* index into carve_plan_machines(), CARVE_NONE when extra */
	char name[64];      /* as the technician wrote it */
	char floor[64];     /* where it was found ("" when missing) */
	unsigned x, y;      /* position found, when placed */
	bool placed;
	unsigned line;      /* CSV line, 0 when missing */
} carve_inventory_finding;

/*
 * Compares the physical inventory (a CSV with a header row naming the
 * columns machine, floor and either desk (a marker drawn on that floor's
 * map) or x and y; other columns are ignored) with the plan's machines of
 * chunk (NULL: all).  *out gets one finding per machine of either side, in
 * plan order then CSV order (free with free()).  A malformed file gives
 * CARVE_EINVALID with every problem in *diags.
 */
int carve_inventory_reconcile(carve_inventory_finding **out, size_t *count,
			      carve_diags **diags, const carve_plan *plan,
			      const char *csv_path, const char *chunk);

/* ------------------------------------------------------------ pipeline */

/*
 * The migration of a chunk, phase by phase: preflight (for machines not yet
 * checked), restart, workstations, mail and clients.  The state is the
 * audit log: a run starts from what the log says, so a chunk is driven by
 * running it again until it is done.  Steps that a killed carve left
 * running are recorded interrupted and re-verified (did the machine restart,
 * join the target domain, is the move complete, is the hosts entry there?)
 * before anything is done again; no step with side effects runs twice for
 * the same object without that check.  One runner per audit database at a
 * time (CARVE_EBUSY otherwise).
 */
typedef struct {
	const char *chunk;           /* required */
	int phase;                   /* a carve_phase, or -1: every phase in order */
	bool retry_failed;           /* run failed steps again (else they stay) */
	const char *const *names;    /* only these machines and users
				      * (NULL-terminated); NULL: all of the chunk */
	carve_audit *audit;          /* required: the state and the record */
	int64_t run;
	carve_cancel *cancel;        /* stops at once (may be NULL) */
	carve_cancel *pause;         /* starts nothing new, lets what runs finish:
				      * the next run resumes (may be NULL) */
	/* Called after each event is durable, from any thread; may be NULL. */
	void (*on_event)(const carve_event *ev, void *ctx);
	void *ctx;
} carve_run_options;

#define CARVE_RUN_OPTIONS_INIT { NULL, -1, false, NULL, NULL, 0, NULL, NULL, NULL, NULL }

/* The chunk's objects by phase and status when the run ended (objects of
 * the phase: machines, or users for mail).  site_mail: the run moved the
 * mail of every chunk's users (mail.scope site), and the mail counts are
 * the whole site's. */
typedef struct {
	unsigned counts[CARVE_PHASE__COUNT][CARVE_STATUS__COUNT];
	bool site_mail;
} carve_run_summary;

/* Returns 0 when the run was carried out (read the summary for failures);
 * CARVE_EINVALID for options naming nothing in the plan; CARVE_EBUSY when
 * another carve runs on the database; CARVE_ECANCELED when cancelled. */
int carve_run(carve_run_summary *out, const carve_plan *plan, const carve_run_options *opts);

/* Records the steps of phase for the chunk's objects (or only names) as
 * skipped by actor, with reason (required).  Steps already done are left.
 * phase CARVE_PHASE__COUNT skips every phase from restart to clients: the
 * rest of the chunk, for a named machine its user's steps too, and the
 * pre-flight checks it failed (so they no longer hold the chunk back). */
int carve_skip(const carve_plan *plan, carve_audit *audit, int64_t run, const char *chunk,
	       carve_phase phase, const char *const *names, const char *actor,
	       const char *reason);

/* ------------------------------------------------------------ teardown */

/*
 * Checks the teardown items carve can verify and records each result
 * (phase teardown, step the item's id): no outstanding mailbox and every
 * workstation migrated (from the audit log), no computer the plan does not
 * know in use in the source domain (asked of the ADMT server with the
 * source's credentials), the MX and autodiscover records of
 * mail.smtp_domain (asked of mail.resolver).  Returns 0 when the checks
 * were carried out; read the verdicts with carve_audit_states.  Returns
 * CARVE_ECANCELED as soon as cancel (may be NULL) fires: the item being
 * checked then has no verdict recorded, those before it keep theirs.
 */
int carve_teardown_check(const carve_plan *plan, carve_audit *audit, int64_t run,
			 carve_cancel *cancel);

/* A person's sign-off: a teardown item, or a step a person does (an
 * ActiveSync device re-pointed: user and step "activesync"). */
typedef struct {
	const char *who;  /* required */
	const char *item; /* a teardown item's id, or NULL */
	const char *user; /* with step */
	const char *step;
	const char *note; /* may be NULL */
} carve_signoff;

/* Records the sign-off.  CARVE_EINVALID when it names nothing in the plan,
 * or an item carve verifies whose last verification did not pass (it
 * cannot be signed off while its verification fails). */
int carve_signoff_record(const carve_plan *plan, carve_audit *audit, int64_t run,
			 const carve_signoff *s);

#ifdef __cplusplus
}
#endif

#endif
