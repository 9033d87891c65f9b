/*
 * lab.h - carve-lab, a simulated Windows site served over SSH: the hosts'
 * state from a fixture, the SSH endpoints, the Windows commands they answer,
 * and the journal of everything they received.
 */
#ifndef CARVE_LAB_H
#define CARVE_LAB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "internal.h"
#include "plan_internal.h"

#define LAB_NAME 64
#define LAB_MAX_LIST 32

typedef enum { LAB_WORKSTATION, LAB_MANAGEMENT, LAB_ADMT, LAB_MAIL } lab_role;
typedef enum { LAB_AWAKE, LAB_ASLEEP, LAB_OFF } lab_power;

/* The four services ADMT's agent needs, in this order everywhere. */
enum { SVC_REMOTE_REGISTRY, SVC_SERVER, SVC_WORKSTATION, SVC_NETLOGON, SVC__COUNT };
extern const char *const lab_service_names[SVC__COUNT]; /* "RemoteRegistry", ... */

typedef struct {
	char name[LAB_NAME];  /* "Ethernet", "Wireless Network Connection" */
	char kind[16];        /* wired, wireless, secondary */
	bool enabled;
	bool unplugged;       /* enabled, no cable: NetConnectionStatus 7,
			       * "Media disconnected" (Win32_NetworkAdapter) */
} lab_nic;

/* A file on a host's disk, by its local path (C:\...), case ignored. */
typedef struct {
	char path[260];
	char *data;           /* owned */
	size_t len;
	time_t mtime;
} lab_file;

/* A domain group and its members (DOMAIN\name, users or groups). */
typedef struct {
	char name[LAB_NAME];  /* CONTOSO\Workstation Admins */
	char sid[64];
	char members[LAB_MAX_LIST][LAB_NAME];
	size_t member_count;
} lab_group;

/* A computer account in the source domain that no plan names (teardown
 * looks for these). */
typedef struct {
	char name[16];
	char os[40];
	unsigned last_logon_days; /* lastLogonTimestamp, days ago */
} lab_computer;

typedef struct {
	bool hang_after_auth;   /* authenticates, then never answers */
	bool auth_failure;      /* refuses every logon, key or password */
	bool changed_host_key;  /* presents a key other than its own */
	bool drop_mid_command;  /* closes the connection while a command runs */
	bool cut_output;        /* sends half the output and no exit status */
	bool wmi_hang;          /* WMI calls to it never return (winmgmt hung) */
	bool stdin_hang;        /* -Command - runs nothing until stdin ends */
	uint32_t latency_ms;    /* before each command's answer */
	uint32_t slow_output_ms;/* between bytes of output */
	int32_t reboot_s;       /* a restart takes this long; -1: never back */
	char admt_error[160];   /* ADMT fails it with this log line, or "" */
} lab_faults;

/* What the migration did to a host.  Kept across a fixture reload, which
 * changes a host's faults and preconditions, not its history. */
typedef struct {
	time_t boot_time;       /* last boot */
	char default_domain[16];/* Winlogon DefaultDomainName */
	char outlook_server[128]; /* the Outlook profile's server, "" for the namespace */
	time_t join_at;         /* ADMT joined it: in the target domain from then */
	time_t restart_at;      /* ADMT's restart after /RestartDelay, or 0 */
	bool profile_translated; /* ADMT translated its user's profile */
	lab_file *files;        /* what carve and ADMT wrote to its disk */
	size_t file_count;
} lab_progress;

typedef struct {
	char name[16];          /* NetBIOS name */
	int port;               /* 0: no SSH endpoint (reached via a management host) */
	lab_role role;
	char os[8];             /* xp, vista, 7, 8, 10, 11 */
	lab_power power;
	time_t back_at;         /* rebooting: awake again at this time (0: not) */
	uint64_t disk_free;     /* bytes free on C: */
	char hotfixes[LAB_MAX_LIST][16];
	size_t hotfix_count;
	bool service_running[SVC__COUNT];
	bool service_auto[SVC__COUNT];
	char admins[LAB_MAX_LIST][LAB_NAME]; /* DOMAIN\name */
	size_t admin_count;
	lab_nic nics[8];
	size_t nic_count;
	bool firewall[3];       /* domain, private, public: on */
	char domain[16];        /* NetBIOS domain the machine belongs to */
	bool locked_profile;
	unsigned outlook;       /* 0, 2003, 2007, ... */
	char outlook_profile[LAB_NAME]; /* its user's MAPI profile, the one
				 * DefaultProfile names ("Outlook" unless the fixture
				 * says otherwise: Outlook 2003 asks for a name on first
				 * run, so sites have others) */
	char hosts_file[LAB_MAX_LIST][128];
	size_t hosts_count;
	char user[LAB_NAME];    /* whose machine it is */
	bool logged_on_source;  /* that user is logged on to the source domain */
	uint64_t quota;         /* mail host: target database limit, bytes; 0: Unlimited */
	uint64_t move_rate;     /* mail host: bytes moved per second */
	char language[4];       /* en, de, fr: the local groups' names */
	int firewall_policy[3]; /* a Group Policy's EnableFirewall per profile; -1: none */
	bool remote_admin;      /* the firewall lets WMI and the admin shares through */
	char registry_hotfixes[LAB_MAX_LIST][24]; /* updates only under ...\Updates */
	size_t registry_hotfix_count;
	bool logged_on;         /* its user is logged on (their hive is loaded) */
	bool ad_module;         /* exec host: the Active Directory module is installed */
	bool exchange_tools;    /* exec host: the Exchange 2010 management tools */
	unsigned last_logon_days; /* its computer account's lastLogonTimestamp */
	lab_file *files;        /* the fixture's files (a file server's packages) */
	size_t file_count;
	lab_faults faults;
	lab_progress progress;
	char replay[512];       /* directory of canned answers, or "" */
	unsigned cores;         /* PowerShell starts it runs at once (costs) */
} lab_host;

typedef enum { MOVE_NONE, MOVE_IN_PROGRESS, MOVE_COMPLETED, MOVE_FAILED } lab_move_state;

/* A user's mailbox on the source, and its move. */
typedef struct {
	char user[LAB_NAME];
	uint64_t size;          /* bytes */
	uint64_t items;
	uint64_t bad_items;     /* corrupt items the move will meet */
	bool target_smtp;       /* the target mail-enabled user has the SMTP address */
	struct {
		lab_move_state state;
		struct timespec started;
		uint64_t bad_limit;
		char message[256];
		bool source_meu;    /* coexistence mail-enabled user created in the source */
		bool moved;         /* the mailbox is in the target (kept when the
				     * completed request is removed) */
		char remote_host[128]; /* where the move reads from */
	} move;                 /* kept across a reload */
} lab_mailbox;

/* A domain account the lab accepts a password for.  The lab never keeps
 * the password, only its SHA-256. */
typedef struct {
	char name[64];          /* as in the passwords file, or "" */
	char user[128];         /* CONTOSO\svc_x or svc_x@contoso.com */
	char sha256[65];        /* of the password, lowercase hex */
} lab_account;

/*
 * What Windows charges for the work carve asks of it, slept by the lab
 * (all zero unless the fixture says: a command then costs what an SSH
 * channel costs).  The figures and their sources are in carve-lab(1);
 * where no public measurement exists the fixture's value is an
 * assumption and says so.
 */
typedef struct {
	uint32_t powershell_start_ms; /* CPU one powershell.exe start takes on an
				       * exec host (queued on its cores) */
	uint32_t powershell_mib;      /* the memory one PowerShell process holds */
	uint32_t wmi_query_ms;        /* a remote WMI (DCOM) query to a live target */
	uint32_t rpc_timeout_ms;      /* the same to a target that is off or silent */
	uint32_t ping_timeout_ms;     /* one echo of Test-Connection that gets no
				       * answer (Win32_PingStatus.Timeout) */
	uint32_t exchange_ms;         /* an Exchange cmdlet, per mailbox it handles */
} lab_costs;

typedef struct {
	char path[1024];        /* the fixture file */
	char user[128];         /* the account every host accepts the key of */
	char authorized_key[1024]; /* public key file */
	char passwords[1024];   /* "name:password" lines for accounts with no
				 * password_sha256; made (0600, random) if missing */
	lab_account accounts[LAB_MAX_LIST];
	size_t account_count;
	char host_keys[1024];   /* directory of host keys, created if missing */
	lab_host *hosts;
	size_t host_count;
	lab_mailbox *mailboxes;
	size_t mailbox_count;
	char namespace[128];    /* the source Exchange namespace Outlook 2003 uses */
	char cas[128];          /* what Outlook reconfigures to after the move */
	char source_netbios[16], source_dns[64];
	char target_netbios[16], target_dns[64];
	unsigned source_exchange; /* 2003, 2007 or 2010 */
	char mrs_proxy[128];    /* 2010 source: the MRSProxy endpoint's name */
	char source_gc[128];    /* 2003/2007 source: a global catalog */
	char smtp_domain[128];  /* the users' source SMTP domain */
	unsigned admt_minute_ms; /* how long one of ADMT's /RestartDelay minutes lasts */
	lab_group *groups;
	size_t group_count;
	lab_computer *computers; /* source computer accounts outside the plan */
	size_t computer_count;
	lab_costs costs;
} lab_fixture;

/* Loads a fixture; on error prints FILE:LINE:COL: message lines to stderr
 * and returns -1. */
int lab_fixture_load(lab_fixture *out, const char *path);
void lab_fixture_done(lab_fixture *f);

/* The state every connection thread reads and commands change. */
typedef struct {
	pthread_mutex_t lock;
	lab_fixture fixture;
	char events[256][320];   /* the mail server's application log, a ring */
	size_t event_count;
	/* source accounts Disable-ADAccount disabled: a user by its
	 * sAMAccountName (alice), a computer by its sAMAccountName, the name
	 * and a '$' (WS7$), as the two share the ADAccount class */
	char (*disabled_users)[LAB_NAME];
	size_t disabled_count;
	/* the costs' runtime, by host name: PowerShell starts on its cores
	 * now, and processes alive (what their memory adds up to) */
	pthread_cond_t core_free;
	struct lab_load {
		char host[16];
		unsigned starting, processes, peak_processes;
	} *load;
	size_t load_count;
} lab_site;

lab_host *lab_find_host(lab_site *site, const char *name); /* lock held */
lab_mailbox *lab_find_mailbox(lab_site *site, const char *user); /* lock held */
/* Whether a host answers now (awake, and not in the middle of a reboot). */
bool lab_host_up(lab_host *h, time_t now);
/* Whether h's firewall is on in profile p (0 domain, 1 standard/private,
 * 2 public): a Group Policy's setting wins over the local one. */
bool lab_firewall_on(const lab_host *h, int p);
/* Whether account (DOMAIN\name) is in group, directly or through nested
 * groups. */
bool lab_group_has(const lab_site *site, const lab_group *g, const char *account);
lab_group *lab_find_group(lab_site *site, const char *name);
/* Whether account is a member of h's local Administrators, directly or
 * through a domain group. */
bool lab_host_admin(const lab_site *site, const lab_host *h, const char *account);
/* The DNS name of a NetBIOS domain the fixture knows, or the name itself. */
const char *lab_domain_dns(const lab_site *site, const char *netbios);
/* The NetBIOS name of a domain given either way, or NULL. */
const char *lab_domain_netbios(const lab_site *site, const char *name);

/* ---- costs (costs.c): lock held on entry and on return ---- */

/* Sleeps ms with the site's lock released. */
void lab_cost_sleep(lab_site *site, uint32_t ms);
/* A powershell.exe starts on host: it waits for one of its cores, takes
 * the start's CPU time there, and counts as a process alive (journal
 * event powershell: how long it waited, the processes and their memory)
 * until lab_powershell_end.  False (and nothing counted) without memory. */
bool lab_powershell_start(lab_site *site, const char *host, unsigned cores);
void lab_powershell_end(lab_site *site, const char *host);

/* ---- journal: JSON lines, one per event ---- */

void lab_journal_open(FILE *f);
/* Writes {"time":..,"host":..,"event":..,<fields>}; fields is a JSON object
 * body ("\"k\":\"v\"") or NULL. */
void lab_journal(const char *host, const char *event, const char *fields);

/* ---- commands ---- */

/* How a connection logged on: a key logon on Windows OpenSSH has no
 * network credentials (Win32-OpenSSH issues 518, 1264, 1047), a password or
 * delegated Kerberos logon does. */
typedef enum { LAB_LOGON_KEY, LAB_LOGON_PASSWORD, LAB_LOGON_GSSAPI } lab_logon_kind;

typedef struct {
	const char *user;            /* as it logged on */
	lab_logon_kind kind;
	bool network_credentials;    /* password or delegated Kerberos: true; key: false */
	const char *input;           /* what the client wrote on the channel's stdin */
	size_t input_len;
} lab_session;

typedef struct {
	char *out, *err;        /* raw bytes as Windows sends them (owned) */
	size_t out_len, err_len;
	int exit_status;
	bool reboot;            /* the host goes down after answering */
} lab_answer;

/* Answers an exec request on host, from a connection that logged on as
 * session says (lock not held). */
void lab_answer_command(lab_answer *a, lab_site *site, const char *host,
			const lab_session *session, const char *command);
void lab_answer_done(lab_answer *a);

/* Whether command starts a powershell.exe that reads its script from
 * stdin (-Command -, winps.h's CARVE_PS_HOST_COMMAND). */
bool lab_reads_script(const char *command);

/* Such a process on host (lock not held by the caller): it starts once
 * (its cost on the host's cores, its memory until closed), then runs each
 * line of stdin as PowerShell 2.0's console host does (ps.h, ps_host);
 * journal events "command" at the start and "line" (its length, never
 * its text) for each line. */
typedef struct lab_ps lab_ps;
lab_ps *lab_ps_open(lab_site *site, const char *host, const lab_session *session,
		    const char *command);
/* One line of its stdin; what it writes is appended to out and err (raw,
 * as Windows sends them).  False once exit has ended it. */
bool lab_ps_line(lab_ps *p, carve_buf *out, carve_buf *err, const char *line, size_t len);
/* The end of its stdin: frees p, returns its exit status. */
int lab_ps_close(lab_ps *p, bool *reboot);

/* ---- accounts (accounts.c) ---- */

/* Whether two ways of writing an account name the same one, ignoring
 * case: DOMAIN\name, or name@dns.domain whose first label is DOMAIN. */
bool lab_same_account(const char *a, const char *b);
/* The fixture account user logs on as with password (len bytes), or NULL
 * when none matches. */
const lab_account *lab_check_password(const lab_fixture *fx, const char *user,
				      const char *password, size_t len);
/* Reads the fixture's accounts: list (may be NULL) into fx, taking the
 * hashes of those without password_sha256 from fx->passwords (made with
 * random passwords when missing).  Problems go to diags. */
void lab_accounts_load(lab_fixture *fx, carve_diags *diags, const pnode *list);
/* Writes path (0600) with a random password for each of names that it
 * does not hold yet.  Returns 0, or -1 with a message on stderr. */
int lab_passwords_make(const char *path, const char *const *names, size_t n);

/* ---- server ---- */

/* Binds every endpoint, prints one line each and "ready", writes the
 * endpoints' keys as a known-hosts file when asked, serves until
 * SIGTERM/SIGINT; SIGHUP reloads the fixture.  Returns the exit status. */
int lab_serve(lab_site *site, const char *known_hosts_out);

/* ---- generator ---- */

typedef struct {
	unsigned long n;          /* machines */
	unsigned asleep_pct;      /* share asleep */
	unsigned failing_pct;     /* share failing a pre-flight check (and mailboxes) */
	unsigned long seed;
	int base_port;
	unsigned chunks;          /* 0: three, or one per 100 machines, at most 6 */
	const char *out;          /* the directory */
} lab_gen;

/* Writes DIR/lab-fixture.yaml, DIR/lab-site.yaml, and when missing the
 * client key pair (DIR/.lab/client, DIR/.lab/client.pub) and the lab's
 * throwaway passwords (DIR/.lab/passwords).  Returns an exit status. */
int lab_generate(const lab_gen *g);

/* The key pair a lab plan logs in with and the lab accepts
 * (DIR/.lab/client, .pub), made when missing.  0 or -1. */
int lab_client_key(const char *dir);

/* ---- rehearsal from a real site's audit log (from_audit.c) ---- */

/* Writes OUT/lab-fixture.yaml (the plan's machines and users as the audit
 * log db last recorded them) and OUT/lab-site.yaml (the plan, pointed at
 * the lab: ports from base), and the client key and throwaway passwords in
 * OUT/.lab.  Returns an exit status, having said why on stderr. */
int lab_from_audit(const char *db, const char *plan, const char *out, int base);

#endif
