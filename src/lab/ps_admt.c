/*
 * ps_admt.c - the native programs the lab models: ADMT 3.2's admt.exe on
 * the ADMT server, and what Win32_Process.Create starts on a workstation
 * (netsh, devcon, a Windows update package).
 *
 * admt computer (ADMT 3.2 help, DomainMig.chm, "admt computer", mirrored
 * at systemmanager.ru/domainmig.en/html/051050fb-...htm):
 *   admt computer /N "name" ["name2" ...] /SD:source /TD:target [/TO:ou]
 *                 [/O:"option file"] [/IF:{YES|NO}] ...
 * every option with a short and a long name.  The security translation
 * and restart options (/TOT:{REPLACE|ADD|REMOVE}, /TUP /TLG /TUR /TFF /TSS
 * /TRG /TPS :{YES|NO}, /RDL:minutes) are the ones third-party migration
 * scripts pass; no public copy of the 3.2 help page for them was found,
 * so their spelling here is corroborated, not cited.  What ADMT prints for
 * an option it does not know, and its exit code, are not documented
 * either: the lab's texts for them say "carve-lab" and admt.exe exits 0,
 * failures being in the migration log (the ADMT v2 help: "If this message
 * does not appear ... check the migration log").
 *
 * A computer migrates when the seed's preconditions hold: the XP hotfixes,
 * the account running ADMT a local administrator there (and a logon that
 * carries network credentials, or the agent cannot be dispatched), no
 * wireless or secondary NIC, the firewall off, the four services running.
 * ADMT 3.2 cannot translate user profiles on anything newer than Windows 7
 * (Microsoft KB 4089459): such a machine joins, its user's profile stays
 * behind.  The machine restarts /RDL minutes later (each lasting
 * fixture.admt_minute_ms) and is in the target domain from then.
 *
 * The log: ADMT writes Migration.log under %SystemRoot%\ADMT\Logs (KB
 * 322981) with ERR<n>:<code> and WRN<n>:<code> lines (KB 4089459, KB
 * 976659).  Which other files it writes and how it stamps a line are not
 * public: the lab writes a line per machine to Migration.log and to
 * Logs\Agents\<COMPUTER>.log, each "YYYY-MM-DD HH:MM:SS <text>", and carve
 * reads every .log there, so it depends on neither layout.
 */
#include "ps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const xp_hotfixes[] = { "KB944043", "KB944505", "KB968730", "KB2535512" };

/* Whether h has the update kb: its HotFixID or an ...\Updates key, any
 * suffix after the number ("KB944043-v3"). */
static bool has_update(const lab_host *h, const char *kb)
{
	size_t n = strlen(kb);

	for (size_t i = 0; i < h->hotfix_count; i++)
		if (!strncasecmp(h->hotfixes[i], kb, n) && !isdigit((unsigned char)h->hotfixes[i][n]))
			return true;
	for (size_t i = 0; i < h->registry_hotfix_count; i++)
		if (!strncasecmp(h->registry_hotfixes[i], kb, n) &&
		    !isdigit((unsigned char)h->registry_hotfixes[i][n]))
			return true;
	return false;
}

static void stamp(char *out, size_t cap)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Appends a line to one of ADMT's logs on the ADMT server. */
static void admt_log(lab_host *admt, const char *file, const char *text)
{
	char path[300], when[32], line[600];

	snprintf(path, sizeof(path), "%s\\ADMT\\Logs\\%s", lab_windows_dir(admt), file);
	stamp(when, sizeof(when));
	int n = snprintf(line, sizeof(line), "%s %s\r\n", when, text);
	lab_file_write(admt, path, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1),
		       true);
}

static void machine_log(lab_host *admt, const char *machine, const char *text)
{
	char agent[96];

	admt_log(admt, "Migration.log", text);
	snprintf(agent, sizeof(agent), "Agents\\%s.log", machine);
	admt_log(admt, agent, text);
}

typedef struct {
	const char *task;
	const char *const *names;
	size_t n_names;
	const char *sd, *td, *to;
	const char *tot;           /* REPLACE, ADD, REMOVE, or NULL */
	bool tup;                  /* translate user profiles */
	long rdl;                  /* restart delay, minutes */
} admt_args;

/* The options of admt computer: short and long names; value kinds. */
typedef enum { OPT_NAMES, OPT_TEXT, OPT_YESNO, OPT_TOT, OPT_MINUTES, OPT_UNMODELLED } opt_kind;

static const struct {
	const char *shortname, *longname;
	opt_kind kind;
} options[] = {
	{ "N", "INCLUDENAME", OPT_NAMES }, { "SD", "SOURCEDOMAIN", OPT_TEXT },
	{ "TD", "TARGETDOMAIN", OPT_TEXT }, { "TO", "TARGETOU", OPT_TEXT },
	{ "SO", "SOURCEOU", OPT_TEXT }, { "IF", "INTRAFOREST", OPT_YESNO },
	{ "SDC", "SOURCEDOMAINCONTROLLER", OPT_TEXT }, { "TDC", "TARGETDOMAINCONTROLLER", OPT_TEXT },
	{ "TOT", "TRANSLATIONOPTION", OPT_TOT }, { "TFF", "TRANSLATEFILESANDFOLDERS", OPT_YESNO },
	{ "TLG", "TRANSLATELOCALGROUPS", OPT_YESNO }, { "TPS", "TRANSLATEPRINTERS", OPT_YESNO },
	{ "TRG", "TRANSLATEREGISTRY", OPT_YESNO }, { "TSS", "TRANSLATESHARES", OPT_YESNO },
	{ "TUP", "TRANSLATEUSERPROFILES", OPT_YESNO }, { "TUR", "TRANSLATEUSERRIGHTS", OPT_YESNO },
	{ "RDL", "RESTARTDELAY", OPT_MINUTES }, { "O", "OPTIONFILE", OPT_UNMODELLED },
	{ "F", "INCLUDEFILE", OPT_UNMODELLED }, { "EF", "EXCLUDEFILE", OPT_UNMODELLED },
	{ "D", "INCLUDEDOMAIN", OPT_UNMODELLED },
};

static int admt_refuse(ps_ctx *c, pv_list *out, const char *fmt, ...) CARVE_PRINTF(3, 4);

/* An argument admt.exe does not take: the lab says what, exit status 1. */
static int admt_refuse(ps_ctx *c, pv_list *out, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pv_list_push(c, out, pv_str(c, line));
	c->exit_status = 1;
	return 0;
}

static int parse_admt(ps_ctx *c, const char *const *argv, size_t argc, admt_args *a, pv_list *out)
{
	const char **names = carve_arena_calloc(&c->arena, argc + 1, sizeof(char *));
	bool in_names = false;

	memset(a, 0, sizeof(*a));
	a->rdl = 5; /* the wizard's default (cc974426(v=ws.10)) */
	a->names = names;
	if (argc < 1)
		return admt_refuse(c, out, "carve-lab: admt.exe needs a task (%s)", "computer");
	a->task = argv[0];
	for (size_t i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (arg[0] != '/' && arg[0] != '-') {
			if (!in_names)
				return admt_refuse(c, out, "carve-lab: admt.exe: '%s' is not an option "
						   "(options start with /)", arg);
			names[a->n_names++] = arg;
			continue;
		}
		in_names = false;
		char name[64];
		const char *colon = strchr(arg, ':');
		snprintf(name, sizeof(name), "%.*s", (int)(colon ? (size_t)(colon - arg - 1)
							   : strlen(arg) - 1), arg + 1);
		const char *value = colon ? colon + 1 : NULL;
		size_t k = 0;
		while (k < CARVE_ARRAY_SIZE(options) && strcasecmp(options[k].shortname, name) &&
		       strcasecmp(options[k].longname, name))
			k++;
		if (k == CARVE_ARRAY_SIZE(options))
			return admt_refuse(c, out, "carve-lab: admt.exe does not know the option /%s", name);
		switch (options[k].kind) {
		case OPT_NAMES:
			in_names = true;
			if (value && *value)
				names[a->n_names++] = value;
			break;
		case OPT_UNMODELLED:
			return admt_refuse(c, out, "carve-lab does not model ADMT's /%s option", name);
		case OPT_YESNO:
			if (!value || (strcasecmp(value, "YES") && strcasecmp(value, "NO")))
				return admt_refuse(c, out, "carve-lab: admt.exe: /%s takes YES or NO", name);
			if (!strcasecmp(options[k].shortname, "TUP"))
				a->tup = !strcasecmp(value, "YES");
			break;
		case OPT_TOT:
			if (!value || (strcasecmp(value, "REPLACE") && strcasecmp(value, "ADD") &&
				       strcasecmp(value, "REMOVE")))
				return admt_refuse(c, out, "carve-lab: admt.exe: /%s takes REPLACE, ADD "
						   "or REMOVE", name);
			a->tot = value;
			break;
		case OPT_MINUTES: {
			char *end;
			long v = value ? strtol(value, &end, 10) : -1;
			if (!value || *end || v < 1 || v > 10)
				return admt_refuse(c, out, "carve-lab: admt.exe: /%s takes minutes, 1 to "
						   "10", name);
			a->rdl = v;
			break;
		}
		case OPT_TEXT:
			if (!value || !*value)
				return admt_refuse(c, out, "carve-lab: admt.exe: /%s needs a value", name);
			if (!strcasecmp(options[k].shortname, "SD"))
				a->sd = value;
			else if (!strcasecmp(options[k].shortname, "TD"))
				a->td = value;
			else if (!strcasecmp(options[k].shortname, "TO"))
				a->to = value;
			break;
		}
	}
	return 1;
}

/* Why the agent cannot migrate h (the log line), or NULL when it can. */
static const char *refusal(ps_ctx *c, lab_host *h, char *line, size_t cap)
{
	const char *who = ps_session_user(c);

	if (!strcmp(h->os, "xp"))
		for (size_t i = 0; i < CARVE_ARRAY_SIZE(xp_hotfixes); i++)
			if (!has_update(h, xp_hotfixes[i])) {
				snprintf(line, cap, "ERR3:7075 Failed to change domain affiliation of "
					 "\\\\%s, hr=8007054b The specified domain either does not exist "
					 "or could not be contacted.", h->name);
				return line;
			}
	if (!ps_network_credentials(c) || !lab_host_admin(c->env->site, h, who)) {
		snprintf(line, cap, "ERR2:7014 Unable to dispatch the agent to \\\\%s, hr=80070005 "
			 "Access is denied.", h->name);
		return line;
	}
	for (size_t i = 0; i < h->nic_count; i++)
		if (h->nics[i].enabled && strcmp(h->nics[i].kind, "wired") != 0) {
			snprintf(line, cap, "ERR3:7070 Unable to join \\\\%s to the domain, hr=80070035 "
				 "The network path was not found.", h->name);
			return line;
		}
	for (int p = 0; p < 3; p++)
		if (lab_firewall_on(h, p)) {
			snprintf(line, cap, "ERR2:7006 Failed to dispatch the agent to \\\\%s, "
				 "hr=800706ba The RPC server is unavailable.", h->name);
			return line;
		}
	for (int s = 0; s < SVC__COUNT; s++)
		if (!h->service_running[s]) {
			snprintf(line, cap, "ERR2:7006 Failed to dispatch the agent to \\\\%s, "
				 "hr=80070035 The network path was not found.", h->name);
			return line;
		}
	if (h->locked_profile) {
		snprintf(line, cap, "ERR3:7859 Failed to translate the local profile on \\\\%s, "
			 "hr=80070020 The process cannot access the file because it is being used by "
			 "another process.", h->name);
		return line;
	}
	if (h->faults.admt_error[0]) {
		snprintf(line, cap, "ERR3:7000 \\\\%s: %s", h->name, h->faults.admt_error);
		return line;
	}
	return NULL;
}

static bool names_domain(const lab_site *site, const char *given, const char *netbios)
{
	const char *nb = lab_domain_netbios(site, given);

	return nb && !strcasecmp(nb, netbios);
}

static int run_admt(ps_ctx *c, const char *const *argv, size_t argc, pv_list *out)
{
	lab_site *site = c->env->site;
	lab_host *admt = c->env->self;
	admt_args a;
	char line[400];
	time_t now = time(NULL);
	int r = parse_admt(c, argv, argc, &a, out);

	if (r <= 0)
		return r;
	if (strcasecmp(a.task, "computer"))
		return admt_refuse(c, out, "carve-lab models only the computer task of admt.exe, "
				   "not %s", a.task);
	if (!a.n_names || !a.sd || !a.td)
		return admt_refuse(c, out, "carve-lab: admt computer needs /N, /SD and /TD");
	if (!names_domain(site, a.sd, site->fixture.source_netbios) ||
	    !names_domain(site, a.td, site->fixture.target_netbios)) {
		snprintf(line, sizeof(line), "ERR3:7015 Unable to access domain %s. hr=8007054b The "
			 "specified domain either does not exist or could not be contacted.",
			 names_domain(site, a.sd, site->fixture.source_netbios) ? a.td : a.sd);
		admt_log(admt, "Migration.log", line);
		pv_list_push(c, out, pv_str(c, line));
		return 0;
	}
	{
		carve_buf hdr = CARVE_BUF_INIT;
		carve_buf_printf(&hdr, "Computer migration: %zu computer(s) from %s to %s, run by %s",
				 a.n_names, a.sd, a.td, ps_session_user(c));
		admt_log(admt, "Migration.log", carve_buf_cstr(&hdr));
		carve_buf_done(&hdr);
	}
	unsigned ok = 0, failed = 0;
	unsigned minute = site->fixture.admt_minute_ms ? site->fixture.admt_minute_ms : 1000;
	for (size_t i = 0; i < a.n_names; i++) {
		const char *name = a.names[i];
		lab_host *h = lab_find_host(site, name);
		const char *why;
		carve_buf j = CARVE_BUF_INIT;
		if (!h || !lab_host_up(h, now)) {
			snprintf(line, sizeof(line), "ERR2:7006 Failed to dispatch the agent to \\\\%s, "
				 "hr=800706ba The RPC server is unavailable.", name);
			why = line;
		} else {
			why = refusal(c, h, line, sizeof(line));
		}
		if (why) {
			machine_log(admt, name, why);
			failed++;
			carve_buf_puts(&j, "\"result\":\"failed\",\"line\":");
			carve_buf_json_string(&j, why);
			lab_journal(h ? h->name : name, "admt", carve_buf_cstr(&j));
			carve_buf_done(&j);
			continue;
		}
		bool profiles = a.tup && strcmp(h->os, "xp") && strcmp(h->os, "vista") &&
				strcmp(h->os, "7");
		h->progress.restart_at = now + (time_t)((a.rdl * minute + 999) / 1000);
		h->progress.join_at = h->progress.restart_at;
		h->progress.profile_translated = a.tup && !profiles;
		snprintf(line, sizeof(line), "Post-check: \\\\%s joined %s; restarting in %ld "
			 "minute(s)", h->name, a.td, a.rdl);
		machine_log(admt, h->name, line);
		if (profiles) {
			/* ADMT 3.2 was never updated past Windows 7 (KB 4089459) */
			snprintf(line, sizeof(line), "WRN1:7880 Unable to translate the user profiles on "
				 "\\\\%s: the operating system is not supported.", h->name);
			machine_log(admt, h->name, line);
		}
		carve_buf_printf(&j, "\"result\":\"migrated\",\"domain\":");
		carve_buf_json_string(&j, a.td);
		carve_buf_printf(&j, ",\"profiles\":%s,\"restart_in_s\":%ld",
				 h->progress.profile_translated ? "true" : "false",
				 (long)(h->progress.restart_at - now));
		lab_journal(h->name, "admt", carve_buf_cstr(&j));
		carve_buf_done(&j);
		ok++;
	}
	snprintf(line, sizeof(line), "Migration finished: %u computer(s) joined, %u failed; see "
		 "the migration log", ok, failed);
	admt_log(admt, "Migration.log", line);
	pv_list_push(c, out, pv_str(c, line));
	return 0;
}

static int run_hostname(ps_ctx *c, const char *const *argv, size_t argc, pv_list *out)
{
	(void)argv, (void)argc;
	pv_list_push(c, out, pv_str(c, c->env->self->name));
	return 0;
}

/* Programs of Windows the lab does not model: said as such. */
static int run_unmodelled(ps_ctx *c, const char *const *argv, size_t argc, pv_list *out)
{
	(void)argv, (void)argc, (void)out;
	return ps_throw(c, "System.NotImplementedException", "NotImplemented: (:) [], "
			"NotImplementedException", "CarveLabNotModelled",
			"carve-lab does not model the native program %s",
			c->cur && c->cur->name ? c->cur->name : "(this one)");
}

static const char *leaf_of(const char *path)
{
	const char *s = strrchr(path, '\\');

	return s ? s + 1 : path;
}

ps_native_fn ps_admt_native(ps_ctx *c, const char *name)
{
	static const char *const windows_programs[] = {
		"netsh", "ipconfig", "ping", "net", "sc", "reg", "wmic", "cmd", "devcon", "shutdown",
		"nltest", "klist", "whoami", "certutil", "robocopy", "xcopy",
	};
	const char *leaf = leaf_of(name);
	char base[64];

	snprintf(base, sizeof(base), "%s", leaf);
	size_t n = strlen(base);
	if (n > 4 && !strcasecmp(base + n - 4, ".exe"))
		base[n - 4] = '\0';
	if (!strcasecmp(base, "admt") && c->env->self->role == LAB_ADMT)
		return run_admt;
	if (!strcasecmp(base, "hostname"))
		return run_hostname;
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(windows_programs); i++)
		if (!strcasecmp(base, windows_programs[i]))
			return run_unmodelled;
	return NULL;
}

/* ------------------------------------------------------------ processes */

/* Splits a command line the way the C runtime does (quotes group). */
static size_t split_command_line(ps_ctx *c, const char *line, const char **argv, size_t cap)
{
	size_t n = 0;
	const char *p = line;

	while (*p && n < cap) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		carve_buf b = CARVE_BUF_INIT;
		bool quoted = false;
		for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				carve_buf_putc(&b, *p);
		}
		argv[n++] = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
		carve_buf_done(&b);
	}
	return n;
}

static void journal_change(const lab_host *h, const char *change, const char *detail)
{
	carve_buf j = CARVE_BUF_INIT;

	carve_buf_puts(&j, "\"change\":");
	carve_buf_json_string(&j, change);
	carve_buf_puts(&j, ",\"detail\":");
	carve_buf_json_string(&j, detail);
	lab_journal(h->name, "state", carve_buf_cstr(&j));
	carve_buf_done(&j);
}

/* netsh firewall (XP SP2: "netsh firewall set opmode mode=DISABLE
 * [profile=...]", KB 875356 and the netsh firewall reference), netsh
 * advfirewall (Vista and later), netsh interface set interface (Vista and
 * later: on XP it is believed to work only for dial-up interfaces, not
 * LAN or wireless ones; no public page says so, and the lab refuses it on
 * XP with netsh's generic answer). */
static int netsh(lab_host *h, const char *const *argv, size_t argc)
{
	bool xp = !strcmp(h->os, "xp");

	if (argc >= 5 && !strcasecmp(argv[1], "firewall") && !strcasecmp(argv[2], "set") &&
	    !strcasecmp(argv[3], "opmode")) {
		const char *mode = NULL, *profile = "CURRENT";
		for (size_t i = 4; i < argc; i++) {
			if (!strncasecmp(argv[i], "mode=", 5))
				mode = argv[i] + 5;
			else if (!strncasecmp(argv[i], "profile=", 8))
				profile = argv[i] + 8;
			else if (i == 4)
				mode = argv[i];
		}
		if (!mode || (strcasecmp(mode, "DISABLE") && strcasecmp(mode, "ENABLE")))
			return 1;
		bool on = !strcasecmp(mode, "ENABLE");
		bool all = !strcasecmp(profile, "ALL");
		if (all || !strcasecmp(profile, "DOMAIN") || !strcasecmp(profile, "CURRENT"))
			h->firewall[0] = on;
		if (all || !strcasecmp(profile, "STANDARD"))
			h->firewall[1] = on;
		if (all && !xp)
			h->firewall[2] = on;
		journal_change(h, on ? "firewall on" : "firewall off", profile);
		return 0;
	}
	if (!xp && argc >= 5 && !strcasecmp(argv[1], "advfirewall") && !strcasecmp(argv[2], "set") &&
	    !strcasecmp(argv[4], "state") && argc >= 6) {
		bool on = !strcasecmp(argv[5], "on");
		const char *which = argv[3];
		if (!strcasecmp(which, "allprofiles"))
			h->firewall[0] = h->firewall[1] = h->firewall[2] = on;
		else if (!strcasecmp(which, "domainprofile"))
			h->firewall[0] = on;
		else if (!strcasecmp(which, "privateprofile"))
			h->firewall[1] = on;
		else if (!strcasecmp(which, "publicprofile"))
			h->firewall[2] = on;
		else
			return 1;
		journal_change(h, on ? "firewall on" : "firewall off", which);
		return 0;
	}
	if (argc >= 4 && !strcasecmp(argv[1], "interface") && !strcasecmp(argv[2], "set") &&
	    !strcasecmp(argv[3], "interface")) {
		const char *name = NULL, *admin = NULL;
		for (size_t i = 4; i < argc; i++) {
			if (!strncasecmp(argv[i], "name=", 5))
				name = argv[i] + 5;
			else if (!strncasecmp(argv[i], "admin=", 6))
				admin = argv[i] + 6;
		}
		if (xp || !name || !admin)
			return 1;
		for (size_t i = 0; i < h->nic_count; i++)
			if (!strcasecmp(h->nics[i].name, name)) {
				h->nics[i].enabled = strncasecmp(admin, "disable", 7) != 0;
				journal_change(h, h->nics[i].enabled ? "nic enabled" : "nic disabled",
					       name);
				return 0;
			}
		return 1;
	}
	return 1;
}

/* devcon disable "@<device instance id>" (devcon reference: "Disables
 * devices on the computer. Valid only on the local computer."). */
static int devcon(lab_host *h, const char *const *argv, size_t argc)
{
	if (argc < 3 || strcasecmp(argv[1], "disable"))
		return 1;
	int found = 1;
	for (size_t a = 2; a < argc; a++) {
		const char *id = argv[a][0] == '@' ? argv[a] + 1 : argv[a];
		for (size_t i = 0; i < h->nic_count; i++) {
			char pnp[128];
			lab_nic_pnp_id(pnp, sizeof(pnp), h, i);
			if (!strcasecmp(pnp, id) && h->nics[i].enabled) {
				h->nics[i].enabled = false;
				journal_change(h, "nic disabled", h->nics[i].name);
				found = 0;
			}
		}
	}
	return found;
}

/* A Windows update package: "WindowsXP-KB944043-v3-x86-ENU.exe /quiet
 * /norestart" installs KB944043-v3 (the package switches of KB 262841). */
static int update_package(lab_host *h, const char *file, const char *const *argv, size_t argc)
{
	const char *kb = strcasestr(file, "KB");
	bool quiet = false;

	for (size_t i = 1; i < argc; i++)
		quiet |= !strcasecmp(argv[i], "/quiet") || !strcasecmp(argv[i], "/passive") ||
			 !strcasecmp(argv[i], "/q");
	if (!kb || !isdigit((unsigned char)kb[2]))
		return 1;
	if (!quiet)
		return 0; /* it waits for a click nobody can give, and installs nothing */
	char id[sizeof(h->hotfixes[0])];
	size_t n = 2 + strspn(kb + 2, "0123456789");
	if (kb[n] == '-' && (kb[n + 1] == 'v' || kb[n + 1] == 'V') && isdigit((unsigned char)kb[n + 2]))
		n += 2 + strspn(kb + n + 2, "0123456789");
	if (n >= sizeof(id))
		return 1;
	memcpy(id, kb, n);
	id[n] = '\0';
	for (size_t i = 0; i < h->hotfix_count; i++)
		if (!strcasecmp(h->hotfixes[i], id))
			return 0;
	if (h->hotfix_count < LAB_MAX_LIST)
		memcpy(h->hotfixes[h->hotfix_count++], id, sizeof(id));
	journal_change(h, "update installed", id);
	return 0;
}

bool lab_process_run(ps_ctx *c, lab_host *h, const char *command_line, bool network,
		     int *exit_code)
{
	const char *argv[32];
	size_t argc = split_command_line(c, command_line, argv, CARVE_ARRAY_SIZE(argv));
	const char *data;
	size_t len;

	(void)network;
	*exit_code = 0;
	if (!argc)
		return false;
	char base[128];
	snprintf(base, sizeof(base), "%s", leaf_of(argv[0]));
	size_t n = strlen(base);
	if (n > 4 && !strcasecmp(base + n - 4, ".exe"))
		base[n - 4] = '\0';
	bool pathed = strchr(argv[0], '\\') != NULL;
	if (!strcasecmp(base, "netsh") && !pathed) {
		*exit_code = netsh(h, argv, argc);
		return true;
	}
	if (!strcasecmp(base, "cmd") && !pathed)
		return true; /* it exists; what it runs is not modelled */
	/* anything else is a program file on the machine's own disk */
	if (!pathed || !lab_file_read(c, h, argv[0], &data, &len))
		return false;
	if (!strcasecmp(base, "devcon"))
		*exit_code = devcon(h, argv, argc);
	else
		*exit_code = update_package(h, argv[0], argv, argc);
	return true;
}
