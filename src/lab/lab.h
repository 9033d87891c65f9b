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
} lab_nic;

typedef struct {
	bool hang_after_auth;   /* authenticates, then never answers */
	bool auth_failure;      /* refuses every key */
	bool changed_host_key;  /* presents a key other than its own */
	bool drop_mid_command;  /* closes the connection while a command runs */
	bool cut_output;        /* sends half the output and no exit status */
	uint32_t latency_ms;    /* before each command's answer */
	uint32_t slow_output_ms;/* between bytes of output */
	int32_t reboot_s;       /* a restart takes this long; -1: never back */
} lab_faults;

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
	char hosts_file[LAB_MAX_LIST][128];
	size_t hosts_count;
	lab_faults faults;
	char replay[512];       /* directory of canned answers, or "" */
} lab_host;

typedef struct {
	char path[1024];        /* the fixture file */
	char user[64];          /* the login every host accepts */
	char authorized_key[1024]; /* public key file */
	char host_keys[1024];   /* directory of host keys, created if missing */
	lab_host *hosts;
	size_t host_count;
} lab_fixture;

/* Loads a fixture; on error prints FILE:LINE:COL: message lines to stderr
 * and returns -1. */
int lab_fixture_load(lab_fixture *out, const char *path);
void lab_fixture_done(lab_fixture *f);

/* The state every connection thread reads and commands change. */
typedef struct {
	pthread_mutex_t lock;
	lab_fixture fixture;
} lab_site;

lab_host *lab_find_host(lab_site *site, const char *name); /* lock held */
/* Whether a host answers now (awake, and not in the middle of a reboot). */
bool lab_host_up(lab_host *h, time_t now);

/* ---- journal: JSON lines, one per event ---- */

void lab_journal_open(FILE *f);
/* Writes {"time":..,"host":..,"event":..,<fields>}; fields is a JSON object
 * body ("\"k\":\"v\"") or NULL. */
void lab_journal(const char *host, const char *event, const char *fields);

/* ---- commands ---- */

typedef struct {
	char *out, *err;        /* raw bytes as Windows sends them (owned) */
	size_t out_len, err_len;
	int exit_status;
	bool reboot;            /* the host goes down after answering */
} lab_answer;

/* Answers an exec request on host h (lock not held). */
void lab_answer_command(lab_answer *a, lab_site *site, const char *host, const char *command);
void lab_answer_done(lab_answer *a);

/* ---- server ---- */

/* Binds every endpoint, prints one line each and "ready", writes the
 * endpoints' keys as a known-hosts file when asked, serves until
 * SIGTERM/SIGINT; SIGHUP reloads the fixture.  Returns the exit status. */
int lab_serve(lab_site *site, const char *known_hosts_out);

/* ---- generator ---- */

/* Writes DIR/lab-fixture.yaml, DIR/lab-site.yaml and the client key pair
 * (DIR/.lab/client, DIR/.lab/client.pub) when missing.  Returns an exit status. */
int lab_generate(unsigned long n, unsigned asleep_pct, unsigned failing_pct,
		 unsigned long seed, int base_port, const char *out);

#endif
