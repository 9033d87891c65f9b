/*
 * windows.c - what a simulated Windows host answers.
 *
 * A command arrives as OpenSSH for Windows passes it on: a cmd.exe line,
 * which carve always makes "powershell -NoProfile -NonInteractive
 * -EncodedCommand <base64>".  The script is decoded and recognised by the
 * WMI class, registry key or cmdlet it uses; "-ComputerName 'X'" makes a
 * management host answer for machine X (that is how XP, which has no SSH
 * server, is reached).  Answers are what Windows prints: CRLF line ends,
 * PowerShell's error records on stderr, exit status 1 when a script stops.
 * A host with a replay directory answers from canned raw bytes first.
 */
#include "lab.h"
#include "internal.h"
#include "winps.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void put(carve_buf *b, const char *s)
{
	carve_buf_puts(b, s);
}

/* A PowerShell error record as powershell.exe prints it, for a cmdlet that
 * stopped the script. */
static void ps_error(lab_answer *a, carve_buf *err, const char *cmdlet, const char *message,
		     const char *category, const char *id)
{
	carve_buf_printf(err, "%s : %s\r\nAt line:1 char:1\r\n+ %s ...\r\n"
			 "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n"
			 "    + CategoryInfo          : %s\r\n"
			 "    + FullyQualifiedErrorId : %s\r\n \r\n",
			 cmdlet, message, cmdlet, category, id);
	a->exit_status = 1;
}

bool lab_script_var(char *out, size_t cap, const char *script, const char *name)
{
	char needle[80];
	const char *p;
	size_t n = 0;

	snprintf(needle, sizeof(needle), "$%s = '", name);
	for (p = strstr(script, needle); p; p = strstr(p + 1, needle))
		if (p == script || p[-1] == '\n')
			break;
	if (!p)
		return false;
	for (p += strlen(needle); *p && n + 1 < cap; p++) {
		if (*p == '\'') {
			if (p[1] != '\'')
				break;
			p++; /* a doubled quote stands for one */
		}
		out[n++] = *p;
	}
	out[n] = '\0';
	return true;
}

/* The value of "-ComputerName 'X'" (or "X", or $var), or "" when absent. */
static void computer_name(char *out, size_t cap, const char *script)
{
	const char *p = strcasestr(script, "-ComputerName");
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen("-ComputerName");
	while (*p == ' ')
		p++;
	if (*p == '$') {
		char var[32];
		if (sscanf(p + 1, "%31[A-Za-z0-9_]", var) == 1 &&
		    lab_script_var(out, cap, script, var))
			return;
		out[0] = '\0';
		return;
	}
	char quote = (*p == '\'' || *p == '"') ? *p++ : 0;
	while (*p && n + 1 < cap && (quote ? *p != quote : !isspace((unsigned char)*p)))
		out[n++] = *p++;
	out[n] = '\0';
}

static const char *nic_hardware(const lab_nic *n)
{
	if (!strcmp(n->kind, "wireless"))
		return "Intel(R) Centrino(R) Advanced-N 6205";
	if (!strcmp(n->kind, "secondary"))
		return "Realtek PCIe GBE Family Controller";
	return "Intel(R) Ethernet Connection I217-LM";
}

static void split_account(const char *account, char *domain, char *name, const char *host)
{
	const char *slash = strchr(account, '\\');

	if (slash) {
		snprintf(domain, 64, "%.*s", (int)(slash - account), account);
		snprintf(name, 64, "%s", slash + 1);
	} else {
		snprintf(domain, 64, "%s", host);
		snprintf(name, 64, "%s", account);
	}
}

typedef void (*query_fn)(carve_buf *out, const lab_host *h);

static void q_disk(carve_buf *out, const lab_host *h)
{
	carve_buf_printf(out, "%llu\r\n", (unsigned long long)h->disk_free);
}

static void q_hotfixes(carve_buf *out, const lab_host *h)
{
	for (size_t i = 0; i < h->hotfix_count; i++)
		carve_buf_printf(out, "%s\r\n", h->hotfixes[i]);
}

static void q_admins(carve_buf *out, const lab_host *h)
{
	for (size_t i = 0; i < h->admin_count; i++) {
		char domain[64], name[64];
		split_account(h->admins[i], domain, name, h->name);
		bool group = strcasestr(name, "Admins") || strcasestr(name, "Users");
		carve_buf_printf(out, "\\\\%s\\root\\cimv2:%s.Domain=\"%s\",Name=\"%s\"\r\n",
				 h->name, group ? "Win32_Group" : "Win32_UserAccount", domain, name);
	}
}

static void q_nics(carve_buf *out, const lab_host *h)
{
	/* NetConnectionID|Name|NetEnabled|NetConnectionStatus; XP's WMI has no
	 * NetEnabled, and 2 is "connected", 0 "disconnected". */
	bool xp = !strcmp(h->os, "xp");

	for (size_t i = 0; i < h->nic_count; i++)
		carve_buf_printf(out, "%s|%s|%s|%d\r\n", h->nics[i].name, nic_hardware(&h->nics[i]),
				 xp ? "" : h->nics[i].enabled ? "True" : "False",
				 h->nics[i].enabled ? 2 : 0);
}

static void q_services(carve_buf *out, const lab_host *h)
{
	for (int s = 0; s < SVC__COUNT; s++)
		carve_buf_printf(out, "%s|%s|%s\r\n", lab_service_names[s],
				 h->service_running[s] ? "Running" : "Stopped",
				 !h->service_auto[s] ? "Disabled"
				 : s == SVC_REMOTE_REGISTRY && !h->service_running[s] ? "Manual" : "Auto");
}

static void q_firewall(carve_buf *out, const lab_host *h)
{
	/* FirewallPolicy under HKLM; XP has no public profile. */
	static const char *const keys[] = { "DomainProfile", "StandardProfile", "PublicProfile" };
	int n = !strcmp(h->os, "xp") ? 2 : 3;

	for (int p = 0; p < n; p++)
		carve_buf_printf(out, "%s=%d\r\n", keys[p], h->firewall[p] ? 1 : 0);
}

static void q_system(carve_buf *out, const lab_host *h)
{
	/* After ADMT the user logs on to the target (the NetBIOS name is the
	 * first label of its DNS name), unless the fixture says otherwise. */
	char logon[64];
	const char *domain = h->progress.domain[0] && !h->logged_on_source
			     ? h->progress.domain : h->domain;
	size_t n = strcspn(domain, ".");

	for (size_t i = 0; i < n && i + 1 < sizeof(logon); i++)
		logon[i] = (char)toupper((unsigned char)domain[i]);
	logon[n < sizeof(logon) ? n : sizeof(logon) - 1] = '\0';
	carve_buf_printf(out, "%s|%s|", h->name, lab_host_domain(h));
	if (h->user[0])
		carve_buf_printf(out, "%s\\%s", logon, h->user);
	carve_buf_puts(out, "\r\n");
}

/*
 * Answers the WMI and registry queries in a script about h, in the order
 * the script makes them (one script may make several).  Returns false when
 * it asks for nothing the lab knows.
 */
static bool query(carve_buf *out, const lab_host *h, const char *script)
{
	static const struct { const char *needle; query_fn fn; } queries[] = {
		{ "Win32_LogicalDisk", q_disk },       { "Win32_QuickFixEngineering", q_hotfixes },
		{ "Win32_GroupUser", q_admins },       { "Win32_NetworkAdapter", q_nics },
		{ "Win32_Service", q_services },       { "EnableFirewall", q_firewall },
		{ "Win32_ComputerSystem", q_system },
	};
	enum { N = sizeof(queries) / sizeof(queries[0]) };
	const char *at[N];
	bool any = false;

	for (size_t i = 0; i < N; i++)
		any |= (at[i] = strcasestr(script, queries[i].needle)) != NULL;
	for (;;) {
		size_t next = N;
		for (size_t i = 0; i < N; i++)
			if (at[i] && (next == N || at[i] < at[next]))
				next = i;
		if (next == N)
			break;
		queries[next].fn(out, h);
		at[next] = NULL;
	}
	return any;
}

static bool replay(lab_answer *a, const lab_host *h, const char *script)
{
	DIR *d = h->replay[0] ? opendir(h->replay) : NULL;
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 7 || strcmp(e->d_name + len - 6, ".match") != 0)
			continue;
		char path[1400];
		snprintf(path, sizeof(path), "%s/%s", h->replay, e->d_name);
		char *match = NULL;
		size_t mlen;
		if (carve_file_read(&match, &mlen, path, 512) == 0)
			match[strcspn(match, "\r\n")] = '\0';
		bool hit = match && match[0] && strstr(script, match);
		free(match);
		if (!hit)
			continue;
		found = true;
		static const char *const ext[] = { ".out", ".err", ".exit" };
		for (int k = 0; k < 3; k++) {
			char *data = NULL;
			size_t n = 0;
			snprintf(path, sizeof(path), "%s/%.*s%s", h->replay, (int)(len - 6),
				 e->d_name, ext[k]);
			/* A missing part is empty output (or exit status 0). */
			carve_file_read(&data, &n, path, 64 << 20);
			if (k == 0) {
				a->out = data, a->out_len = n;
			} else if (k == 1) {
				a->err = data, a->err_len = n;
			} else {
				a->exit_status = data ? atoi(data) : 0;
				free(data);
			}
		}
	}
	if (d)
		closedir(d);
	return found;
}

static void run_script(lab_answer *a, carve_buf *out, carve_buf *err, lab_site *site,
		       lab_host *self, const char *script)
{
	char target_name[64];
	lab_host *target = self;
	time_t now = time(NULL);

	computer_name(target_name, sizeof(target_name), script);
	if (target_name[0] && strcasecmp(target_name, self->name) != 0 &&
	    strcasecmp(target_name, "localhost") != 0) {
		target = lab_find_host(site, target_name);
		if (strcasestr(script, "Test-Connection")) {
			put(out, target && lab_host_up(target, now) ? "True\r\n" : "False\r\n");
			return;
		}
		if (!target || !lab_host_up(target, now)) {
			ps_error(a, err, "Get-WmiObject", "The RPC server is unavailable. "
				 "(Exception from HRESULT: 0x800706BA)",
				 "InvalidOperation: (:) [Get-WmiObject], COMException",
				 "GetWMICOMException,Microsoft.PowerShell.Commands."
				 "GetWmiObjectCommand");
			return;
		}
	}
	if (strcasestr(script, "Restart-Computer")) {
		if (target->faults.reboot_s < 0) {
			target->power = LAB_OFF; /* never comes back */
		} else {
			target->back_at = now + (target->faults.reboot_s ? target->faults.reboot_s : 1);
		}
		lab_journal(target->name, "state", "\"change\":\"restart\"");
		a->reboot = target == self;
		return;
	}
	if (strcasestr(script, "Test-Connection")) {
		put(out, "True\r\n");
		return;
	}
	if (lab_migration(a, out, err, site, self, target, script))
		return;
	if (!query(out, target, script)) {
		/* The first word PowerShell would fail to resolve. */
		char word[64] = "";
		sscanf(script, " %63[^ \r\n;(]", word);
		carve_buf_printf(err, "%s : The term '%s' is not recognized as the name of a "
				 "cmdlet, function, script file, or operable program. Check the "
				 "spelling of the name, or if a path was included, verify that "
				 "the path is correct and try again.\r\n", word, word);
		carve_buf_printf(err, "At line:1 char:1\r\n+ %s\r\n+ ~~~~\r\n"
				 "    + CategoryInfo          : ObjectNotFound: (%s:String) [], "
				 "CommandNotFoundException\r\n"
				 "    + FullyQualifiedErrorId : CommandNotFoundException\r\n \r\n",
				 word, word);
		a->exit_status = 1;
	}
}

void lab_answer_command(lab_answer *a, lab_site *site, const char *host,
			const lab_session *session, const char *command)
{
	carve_buf out = CARVE_BUF_INIT, err = CARVE_BUF_INIT, script = CARVE_BUF_INIT;

	(void)session;
	memset(a, 0, sizeof(*a));
	pthread_mutex_lock(&site->lock);
	lab_host *self = lab_find_host(site, host);
	bool decoded = carve_ps_decode_command(&script, command) == 0;
	const char *text = decoded ? carve_buf_cstr(&script) : command;

	carve_buf fields = CARVE_BUF_INIT;
	carve_buf_printf(&fields, "\"powershell\":%s,\"command\":", decoded ? "true" : "false");
	carve_buf_json_string(&fields, text);
	lab_journal(host, "command", carve_buf_cstr(&fields));
	carve_buf_done(&fields);

	if (self && replay(a, self, text)) {
		/* answered byte for byte from the capture */
	} else if (!self) {
		a->exit_status = 1;
	} else if (decoded) {
		run_script(a, &out, &err, site, self, text);
	} else if (strcasecmp(command, "hostname") == 0) {
		carve_buf_printf(&out, "%s\r\n", self->name);
	} else {
		char word[64] = "";
		sscanf(command, "%63s", word);
		carve_buf_printf(&err, "'%s' is not recognized as an internal or external "
				 "command,\r\noperable program or batch file.\r\n", word);
		a->exit_status = 1;
	}
	pthread_mutex_unlock(&site->lock);
	if (!a->out) {
		a->out = out.ptr, a->out_len = out.len;
		a->err = err.ptr, a->err_len = err.len;
	} else {
		carve_buf_done(&out);
		carve_buf_done(&err);
	}
	carve_buf_done(&script);
}

void lab_answer_done(lab_answer *a)
{
	free(a->out);
	free(a->err);
	memset(a, 0, sizeof(*a));
}
