/*
 * generate.c - carve-lab --generate: a lab fixture and the site plan that
 * points at it, for N machines with a chosen share asleep and a chosen
 * share failing one pre-flight check each (spread over every check), for
 * benchmarks, rehearsals and the bundled demo site.
 *
 * Machines are spread over two or more floors of at most 120 desks, and three or
 * more chunks, named by department and OS (FIN-W10-001); a third of every
 * department runs XP, reached through the management host MGMT01.  Each
 * machine has a user with a mailbox; every fifth runs Outlook 2003 and every
 * seventh user has an ActiveSync phone.  A third of the failing share also
 * has a mailbox the move will fail on (no SMTP address on the target user,
 * too many bad items, larger than the target database allows).  XP reports
 * its updates as it does on a real site (an ID with its package's suffix,
 * some only in the registry), every eleventh machine is German, some are
 * administered through a nested group, and some Outlook 2003 users are not
 * logged on.  A file server FS01 holds the XP updates and devcon.  The exec
 * hosts log on as the migrator with a password (they reach other
 * machines), the workstations reached directly with a key.  The YAML is a
 * pure function of the arguments; the throwaway passwords are not, and
 * live in .lab/passwords, never in either file.
 */
#include "lab.h"

#include <libssh/libssh.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef lab_gen gen;

static const struct { const char *prefix, *chunk, *title; } departments[] = {
	{ "FIN", "wave1-finance", "Finance and Payroll" },
	{ "HR", "wave2-hr-legal", "HR and Legal" },
	{ "OPS", "wave3-ops", "Operations and Service desk" },
	{ "SAL", "wave4-sales", "Sales" },
	{ "ENG", "wave5-eng", "Engineering" },
	{ "MKT", "wave6-marketing", "Marketing" },
};
#define DESKS_PER_ROW 12
#define DESKS_PER_FLOOR 120

/* At least two floors, at most 120 desks each, machines spread evenly. */
static unsigned long floors_for(unsigned long n)
{
	unsigned long f = (n + DESKS_PER_FLOOR - 1) / DESKS_PER_FLOOR;
	return f < 2 ? 2 : f;
}

static unsigned long per_floor(unsigned long n)
{
	unsigned long f = floors_for(n);
	return (n + f - 1) / f;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static size_t chunks_for(const gen *g)
{
	size_t c = g->chunks ? g->chunks : g->n < 300 ? 3 : g->n / 100;
	return c > 6 ? 6 : c;
}

static void machine_name(char *out, size_t cap, const gen *g, unsigned long i, bool *xp)
{
	size_t chunks = chunks_for(g), dept = i % chunks;
	unsigned long k = i / chunks;

	*xp = k % 3 == 2;
	snprintf(out, cap, "%s-%s-%03lu", departments[dept].prefix,
		 *xp ? "XP" : k % 3 ? "W7" : "W10", k + 1);
}

/* What is wrong with machine i: 0 nothing, 1 asleep, 2.. a failing check. */
static unsigned fault_of(const gen *g, unsigned long i, bool xp)
{
	uint64_t r = mix(g->seed * 1000003ULL + i) % 100;

	if (r < g->asleep_pct)
		return 1;
	if (r < g->asleep_pct + g->failing_pct) {
		unsigned f = 2 + (unsigned)(mix(i + 7) % 6);
		return f == 3 && !xp ? 4 : f; /* hotfixes only fail on XP */
	}
	return 0;
}

static bool outlook_2003(unsigned long i)
{
	return i % 5 == 4;
}

/* The mailbox of user i: its size in MiB, and what will fail its move
 * (0 nothing, 1 no SMTP address, 2 bad items, 3 too large). */
static unsigned mailbox_of(const gen *g, unsigned long i, unsigned *mib)
{
	uint64_t r = mix(g->seed * 7919ULL + i);

	*mib = 100 + (unsigned)(r % 2900);
	if (r / 4096 % 300 < g->failing_pct)
		return 1 + (unsigned)(r / 7 % 3);
	return 0;
}

static void write_mailboxes(FILE *f, const gen *g)
{
	fprintf(f, "mailboxes:\n");
	for (unsigned long i = 0; i < g->n; i++) {
		unsigned mib, fault = mailbox_of(g, i, &mib);
		fprintf(f, "  - { user: user%05lu, size: %uMiB, items: %u", i + 1,
			fault == 3 ? 12288 : mib, mib * 12);
		if (fault == 1)
			fprintf(f, ", target_smtp: false");
		else if (fault == 2)
			fprintf(f, ", bad_items: 80");
		fprintf(f, " }\n");
	}
}

static void write_fixture(FILE *f, const gen *g)
{
	fprintf(f, "# carve-lab fixture: %lu simulated machines (carve-lab --generate)\n"
		   "lab:\n"
		   "  user: 'FABRIKAM\\carve-ws'   # logs on to the workstations with the key\n"
		   "  authorized_key: .lab/client.pub\n"
		   "  host_keys: .lab/keys\n"
		   "  passwords: .lab/passwords   # throwaway, made on first start; only hashes kept\n"
		   "accounts:\n"
		   "  - { name: migrator, user: 'CONTOSO\\svc_targetmigrator' }\n"
		   "  - { name: source, user: 'FABRIKAM\\carve-src' }\n"
		   "site:\n"
		   "  namespace: mail.fabrikam.com   # Outlook 2003's server before the move\n"
		   "  cas: outlook.contoso.com       # and after it\n"
		   "  source: { netbios: FABRIKAM, dns: fabrikam.local }\n"
		   "  target: { netbios: CONTOSO, dns: contoso.com }\n"
		   "  source_exchange: 2010\n"
		   "  mrs_proxy: mail.fabrikam.com\n"
		   "costs:   # what Windows charges, small enough for the demo's minute;\n"
		   "         # carve-lab(1) gives the figures of a real site and their sources\n"
		   "  powershell_start: 40ms   # a real 2008 R2 host: 0.6-1.5 s (an assumption)\n"
		   "  powershell_memory: 45MiB\n"
		   "  wmi_query: 15ms          # a real LAN: 0.15-0.5 s (an assumption)\n"
		   "  rpc_timeout: 1s          # a real XP that is off: 21-42 s\n"
		   "  ping_timeout: 100ms      # Windows: 1 s an echo (Win32_PingStatus)\n"
		   "  exchange_cmdlet: 10ms    # Exchange 2010: 0.3-1.5 s (an assumption)\n"
		   "groups:\n"
		   "  - { name: 'FABRIKAM\\Domain Admins', members: ['FABRIKAM\\carve-src'] }\n"
		   "  - { name: 'CONTOSO\\Workstation Admins', members: ['CONTOSO\\svc_targetmigrator'] }\n"
		   "computers:   # in the source domain, named by no plan\n"
		   "  - { name: FIN-W7-900, os: Windows 7 Enterprise, last_logon_days: 3 }\n"
		   "  - { name: OLD-XP-017, os: Windows XP Professional, last_logon_days: 400 }\n"
		   "defaults:\n"
		   "  domain: FABRIKAM\n"
		   "  disk_free: 24GiB\n"
		   "  administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\svc_targetmigrator']\n"
		   "hosts:\n"
		   "  - { name: MGMT01, role: management, port: %d, cores: 4 }\n"
		   "  - { name: ADMT01, role: admt, port: %d }\n"
		   "  - { name: E2E01, role: mail, port: %d, quota: 10GiB, move_rate: 200MiB }\n"
		   "  - { name: FS01, os: 2008r2, files: ['C:\\patches\\WindowsXP-KB944043-v3-x86-ENU.exe',"
		   " 'C:\\patches\\WindowsXP-KB944505-x86-ENU.exe',"
		   " 'C:\\patches\\WindowsXP-KB968730-x86-ENU.exe',"
		   " 'C:\\patches\\WindowsXP-KB2535512-x86-ENU.exe', 'C:\\tools\\devcon.exe'] }\n",
		g->n, g->base_port, g->base_port + 1, g->base_port + 2);
	for (unsigned long i = 0; i < g->n; i++) {
		char name[32];
		bool xp;
		machine_name(name, sizeof(name), g, i, &xp);
		fprintf(f, "  - { name: %s", name);
		if (!xp)
			fprintf(f, ", port: %lu", (unsigned long)g->base_port + 10 + i);
		fprintf(f, ", os: \"%s\", user: user%05lu", xp ? "xp" : strstr(name, "-W7-") ? "7" : "10",
			i + 1);
		if (outlook_2003(i))
			fprintf(f, ", outlook: 2003");
		unsigned fault = fault_of(g, i, xp);
		/* as XP reports them: a package's suffix on the ID, and on some
		 * machines an update seen only under HKLM\SOFTWARE\Microsoft\Updates */
		if (xp && fault != 3)
			fprintf(f, i % 2 ? ", hotfixes: [KB944043-v3, KB944505, KB968730],"
					   " registry_hotfixes: [KB2535512]"
					 : ", hotfixes: [KB944043-v3, KB944505, KB968730, KB2535512]");
		if (i % 11 == 5)
			fprintf(f, ", language: de");
		if (outlook_2003(i) && i % 10 == 9)
			fprintf(f, ", logged_on: false");
		switch (fault) {
		case 1: fprintf(f, ", power: asleep"); break;
		case 2: fprintf(f, ", disk_free: 700MiB"); break;
		case 3: fprintf(f, ", hotfixes: [KB944043-v3, KB968730]"); break;
		case 4: fprintf(f, ", administrators: ['FABRIKAM\\Domain Admins']"); break;
		case 0:
			/* some are administered through a target group, nested */
			if (i % 4 == 1)
				fprintf(f, ", administrators: ['FABRIKAM\\Domain Admins', "
					   "'CONTOSO\\Workstation Admins']");
			break;
		case 5: fprintf(f, ", nics: [{ name: Ethernet, kind: wired, enabled: true }, "
				   "{ name: Wireless Network Connection, kind: wireless, "
				   "enabled: true }]"); break;
		case 6: fprintf(f, ", firewall: { domain: true }"); break;
		case 7: fprintf(f, ", services: { RemoteRegistry: stopped }"); break;
		}
		fprintf(f, " }\n");
	}
	write_mailboxes(f, g);
}

static void write_plan(FILE *f, const gen *g)
{
	size_t chunks = chunks_for(g);
	unsigned long floors = floors_for(g->n), desks = per_floor(g->n);
	unsigned long rows = (desks + DESKS_PER_ROW - 1) / DESKS_PER_ROW;

	fprintf(f, "# The site plan for lab-fixture.yaml: %lu machines on carve-lab\n"
		   "# (carve-lab --generate).  Start the lab first, then give carve the lab's\n"
		   "# throwaway passwords on a descriptor:\n"
		   "#   carve-lab --fixture lab-fixture.yaml --known-hosts .lab/known_hosts\n"
		   "#   carve run lab-site.yaml --chunk ... --password-fd 3 3<.lab/passwords\n"
		   "site:\n"
		   "  name: Fabrikam carve-out rehearsal (carve-lab)\n"
		   "  source: { netbios: FABRIKAM, dns: fabrikam.local, account: source }\n"
		   "  target: { netbios: CONTOSO, dns: contoso.com,"
		   " ou: \"OU=Migrated,OU=Workstations,DC=contoso,DC=com\" }\n"
		   "  migrator: svc_targetmigrator\n"
		   "accounts:\n"
		   "  - { name: migrator, user: 'CONTOSO\\svc_targetmigrator', auth: password }\n"
		   "  - { name: source, user: 'FABRIKAM\\carve-src', auth: password }\n"
		   "  - { name: desk, user: 'FABRIKAM\\carve-ws', auth: key, key_file: .lab/client }\n"
		   "mail:\n"
		   "  scope: site             # every user's mailbox at once, as the guide says\n"
		   "  source_version: 2010\n"
		   "  source_namespace: mail.fabrikam.com\n"
		   "  mrs_proxy: mail.fabrikam.com\n"
		   "  target_delivery_domain: contoso.com\n"
		   "  target_mailbox_server: 10.20.0.21\n"
		   "  target_cas: outlook.contoso.com\n"
		   "  poll_interval: 2s       # the lab's moves take seconds, not hours\n"
		   "  move_timeout: 10m\n"
		   "  outlook_timeout: 1m\n"
		   "policy:\n"
		   "  update_headroom: 2GiB\n"
		   "  restart_timeout: 2m      # the lab's machines restart in 5 s\n"
		   "  admt_timeout: 30m\n"
		   "  newer_than_windows_7: migrate   # their users start with a new profile\n"
		   "  devcon: '\\\\fs01\\tools\\devcon.exe'   # disables adapters on XP\n"
		   "  hotfix_packages:         # what carve check --fix installs on XP\n"
		   "    KB944043: '\\\\fs01\\patches\\WindowsXP-KB944043-v3-x86-ENU.exe'\n"
		   "    KB944505: '\\\\fs01\\patches\\WindowsXP-KB944505-x86-ENU.exe'\n"
		   "    KB968730: '\\\\fs01\\patches\\WindowsXP-KB968730-x86-ENU.exe'\n"
		   "    KB2535512: '\\\\fs01\\patches\\WindowsXP-KB2535512-x86-ENU.exe'\n"
		   "transport:\n"
		   "  account: desk           # the machines reached directly: local checks only\n"
		   "  known_hosts: .lab/known_hosts\n"
		   "  probe: exec             # the lab answers Test-Connection truthfully\n"
		   "  timeouts: { connect: 2s, auth: 5s, command: 20s }\n"
		   "  concurrency: 64\n"
		   "exec_hosts:\n"
		   "  - { name: MGMT01, role: management, address: 127.0.0.1, port: %d,"
		   " concurrency: 32, account: migrator }\n"
		   "  - { name: ADMT01, role: admt, address: 127.0.0.1, port: %d, concurrency: 2,"
		   " account: migrator }\n"
		   "  - { name: E2E01, role: mail, address: 127.0.0.1, port: %d, concurrency: 4,"
		   " account: migrator }\n"
		   "floors:\n", g->n, g->base_port, g->base_port + 1, g->base_port + 2);
	for (unsigned long fl = 0; fl < floors; fl++) {
		unsigned long width = DESKS_PER_ROW * 6 + 3;
		fprintf(f, "  - name: F%lu\n    title: Floor %lu\n    map: |\n      +", fl + 1, fl);
		for (unsigned long x = 0; x < width - 2; x++)
			fputc('-', f);
		fprintf(f, "+\n");
		for (unsigned long r = 0; r < rows; r++) {
			fprintf(f, "      |");
			for (unsigned long d = 0; d < DESKS_PER_ROW; d++)
				fprintf(f, " [  ] ");
			fprintf(f, "|\n      |%*s|\n", (int)(width - 2), "");
		}
		fprintf(f, "      +");
		for (unsigned long x = 0; x < width - 2; x++)
			fputc('-', f);
		fprintf(f, "+\n");
	}
	fprintf(f, "chunks:\n");
	for (size_t c = 0; c < chunks; c++) {
		/* Fridays a week apart from 4 December 2026. */
		struct tm day = { .tm_year = 126, .tm_mon = 11, .tm_mday = 4 + 7 * (int)c };
		time_t t = timegm(&day);
		char date[16];
		gmtime_r(&t, &day);
		strftime(date, sizeof(date), "%Y-%m-%d", &day);
		fprintf(f, "  - { name: %s, title: %s, cutover: \"%sT22:00:00+01:00\" }\n",
			departments[c].chunk, departments[c].title, date);
	}
	fprintf(f, "users:\n");
	for (unsigned long i = 0; i < g->n; i++)
		fprintf(f, "  - { name: user%05lu, email: user%05lu@fabrikam.com, chunk: %s%s }\n",
			i + 1, i + 1, departments[i % chunks].chunk,
			i % 7 == 6 ? ", activesync: iPhone" : "");
	fprintf(f, "machines:\n");
	for (unsigned long i = 0; i < g->n; i++) {
		char name[32];
		bool xp;
		unsigned long desk = i % desks;
		machine_name(name, sizeof(name), g, i, &xp);
		fprintf(f, "  - { name: %s, address: 127.0.0.1, os: \"%s\", floor: F%lu,"
			   " at: [%lu, %lu], user: user%05lu, chunk: %s", name,
			xp ? "xp" : strstr(name, "-W7-") ? "7" : "10", i / desks + 1,
			4 + (desk % DESKS_PER_ROW) * 6, 2 + (desk / DESKS_PER_ROW) * 2, i + 1,
			departments[i % chunks].chunk);
		fprintf(f, ", outlook: \"%s\"", outlook_2003(i) ? "2003" : "2010");
		if (xp)
			fprintf(f, ", reach: via, via: MGMT01 }\n");
		else
			fprintf(f, ", port: %lu }\n", (unsigned long)g->base_port + 10 + i);
	}
}

/* The key pair the plan logs in with and the lab accepts, made once. */
int lab_client_key(const char *dir)
{
	char priv[1200], pub[1200];
	ssh_key key = NULL;
	char *b64 = NULL;

	snprintf(priv, sizeof(priv), "%s/.lab/client", dir);
	snprintf(pub, sizeof(pub), "%s/.lab/client.pub", dir);
	if (access(priv, R_OK) == 0 && access(pub, R_OK) == 0)
		return 0;
	snprintf(pub, sizeof(pub), "%s/.lab", dir);
	mkdir(pub, 0700);
	snprintf(pub, sizeof(pub), "%s/.lab/client.pub", dir);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_file(key, NULL, NULL, NULL, priv) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		ssh_key_free(key);
		return -1;
	}
	FILE *f = fopen(pub, "w");
	int rc = f && fprintf(f, "ssh-ed25519 %s carve-lab client\n", b64) > 0 && fclose(f) == 0
		 ? 0 : -1;
	chmod(priv, 0600);
	free(b64);
	ssh_key_free(key);
	return rc;
}

/* The accounts the fixture takes from .lab/passwords. */
static const char *const account_names[] = { "migrator", "source" };

int lab_generate(const lab_gen *gp)
{
	gen g = *gp;
	const char *out = g.out;
	unsigned long n = g.n;
	char path[1200];
	FILE *f;

	if (n == 0 || n > 20000 || g.asleep_pct + g.failing_pct > 100 || g.base_port < 1024 ||
	    g.base_port + 10 + (long)n > 65535 || g.chunks > 6) {
		fprintf(stderr, "carve-lab: --generate wants 1 to 20000 machines, shares that add "
			"up to at most 100%%, ports that fit below 65536 and at most 6 chunks\n");
		return 2;
	}
	mkdir(out, 0755);
	snprintf(path, sizeof(path), "%s/lab-fixture.yaml", out);
	if (!(f = fopen(path, "w")))
		goto fail;
	write_fixture(f, &g);
	if (fclose(f) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/lab-site.yaml", out);
	if (!(f = fopen(path, "w")))
		goto fail;
	write_plan(f, &g);
	if (fclose(f) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s", out);
	if (lab_client_key(out) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/.lab/passwords", out);
	if (lab_passwords_make(path, account_names, 2) < 0)
		goto fail;
	printf("wrote %s/lab-fixture.yaml and %s/lab-site.yaml (%lu machines)\n", out, out, n);
	return 0;
fail:
	fprintf(stderr, "carve-lab: cannot write %s\n", path);
	return 1;
}
