/*
 * checks.c - the pre-flight checks.
 *
 * The scripts are PowerShell 2.0 and use WMI (Get-WmiObject) and the
 * registry through WMI's StdRegProv, because those work the same from
 * Windows XP to 10 and remotely with -ComputerName: XP has no SSH server
 * and is asked from a management host.  A machine reached directly is
 * asked by its own name, which WMI takes as a local connection.  Every
 * script stops at its first error ($ErrorActionPreference = 'Stop'), so a
 * machine that does not answer WMI fails the check with Windows' own
 * message.
 *
 * What each reads, and why (WMI class pages of learn.microsoft.com
 * windows/win32/cimwin32prov, and the reference sheet's sources):
 *   os        Win32_OperatingSystem.Version: ADMT 3.2 cannot translate
 *             profiles past Windows 7 (KB 4089459).
 *   hotfixes  Win32_QuickFixEngineering's HotFixID, and on XP the
 *             HKLM\SOFTWARE\Microsoft\Updates\<product>\<SP>\<KB> keys too,
 *             where some updates show only; an ID may carry a suffix
 *             ("KB944043-v3"), so the KB number is what matches.
 *   admin     the local Administrators group by its SID S-1-5-32-544 (its
 *             name is translated: Administratoren, Administrateurs), its
 *             members through ASSOCIATORS OF ... Win32_GroupUser; the
 *             migrator counts through a domain group too (nested groups).
 *   nics      Win32_NetworkAdapter with a NetConnectionStatus (physical
 *             and connection-backed adapters; XP has no NetEnabled or
 *             PhysicalAdapter): enabled unless 0, 4 or 5.
 *   firewall  EnableFirewall under ...\FirewallPolicy\<profile> and under
 *             the Group Policy key HKLM\SOFTWARE\Policies\Microsoft\
 *             WindowsFirewall\<profile>, which wins when set.
 *   services  Win32_Service State and StartMode of the agent's four.
 */
#define _GNU_SOURCE /* strcasestr */
#include "remote.h"
#include "winps.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const scripts[CARVE_CHECK__COUNT] = {
	[CARVE_CHECK_PING] = "Test-Connection -ComputerName $computer -Count 1 -Quiet\n",
	[CARVE_CHECK_OS] =
		"Get-WmiObject -Class Win32_OperatingSystem -ComputerName $computer | ForEach-Object {"
		" '{0}|{1}' -f $_.Version, $_.Caption }\n",
	[CARVE_CHECK_DISK] =
		"Get-WmiObject -Class Win32_LogicalDisk -ComputerName $computer"
		" -Filter \"DeviceID='C:'\" | ForEach-Object { $_.FreeSpace }\n",
	[CARVE_CHECK_HOTFIXES] =
		"Get-WmiObject -Class Win32_QuickFixEngineering -ComputerName $computer |"
		" ForEach-Object { $_.HotFixID }\n"
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default -ComputerName $computer\n"
		"$u = 'SOFTWARE\\Microsoft\\Updates'\n"
		"$p = $reg.EnumKey(2147483650, $u)\n"
		"if ($p.sNames) { foreach ($a in $p.sNames) {\n"
		"  $s = $reg.EnumKey(2147483650, \"$u\\$a\")\n"
		"  if ($s.sNames) { foreach ($b in $s.sNames) {\n"
		"    $k = $reg.EnumKey(2147483650, \"$u\\$a\\$b\")\n"
		"    if ($k.sNames) { $k.sNames }\n"
		"  } }\n"
		"} }\n",
	[CARVE_CHECK_ADMIN] =
		"$g = Get-WmiObject -Class Win32_Group -ComputerName $computer"
		" -Filter \"LocalAccount=True AND SID='S-1-5-32-544'\"\n"
		"'group|{0}' -f $g.Name\n"
		"$q = 'ASSOCIATORS OF {Win32_Group.Domain=\"' + $g.Domain + '\",Name=\"' + $g.Name +"
		" '\"} WHERE AssocClass=Win32_GroupUser Role=GroupComponent'\n"
		"Get-WmiObject -ComputerName $computer -Query $q | ForEach-Object {"
		" 'member|{0}\\{1}|{2}' -f $_.Domain, $_.Name, $_.__CLASS }\n",
	[CARVE_CHECK_NICS] =
		"Get-WmiObject -Class Win32_NetworkAdapter -ComputerName $computer"
		" -Filter 'NetConnectionStatus IS NOT NULL' | ForEach-Object {"
		" '{0}|{1}|{2}|{3}' -f $_.NetConnectionID, $_.Name, $_.AdapterTypeId,"
		" $_.NetConnectionStatus }\n",
	[CARVE_CHECK_FIREWALL] =
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default -ComputerName $computer\n"
		"foreach ($p in 'DomainProfile', 'StandardProfile', 'PublicProfile') {\n"
		"  $v = $reg.GetDWORDValue(2147483650, \"SYSTEM\\CurrentControlSet\\Services\\"
		"SharedAccess\\Parameters\\FirewallPolicy\\$p\", 'EnableFirewall')\n"
		"  if ($v.ReturnValue -eq 0) { 'local|{0}|{1}' -f $p, $v.uValue }\n"
		"}\n"
		"foreach ($p in 'DomainProfile', 'StandardProfile', 'PrivateProfile', 'PublicProfile') {\n"
		"  $v = $reg.GetDWORDValue(2147483650, \"SOFTWARE\\Policies\\Microsoft\\"
		"WindowsFirewall\\$p\", 'EnableFirewall')\n"
		"  if ($v.ReturnValue -eq 0) { 'policy|{0}|{1}' -f $p, $v.uValue }\n"
		"}\n",
	[CARVE_CHECK_SERVICES] =
		"Get-WmiObject -Class Win32_Service -ComputerName $computer -Filter \"Name='RemoteRegistry'"
		" OR Name='LanmanServer' OR Name='LanmanWorkstation' OR Name='Netlogon'\" |"
		" ForEach-Object { '{0}|{1}|{2}' -f $_.Name, $_.State, $_.StartMode }\n",
};

const char *carve_check_name(carve_check c)
{
	static const char *const names[CARVE_CHECK__COUNT] = {
		"ping", "os", "disk", "hotfixes", "admin", "nics", "firewall", "services",
	};
	return (unsigned)c < CARVE_CHECK__COUNT ? names[c] : "?";
}

bool check_applies(carve_check c, const carve_plan *plan, const carve_machine *m)
{
	if (c == CARVE_CHECK_HOTFIXES)
		return carve_plan_policy(plan)->hotfix_count[m->os] > 0;
	return true;
}

int check_script(carve_buf *out, carve_check c, const carve_machine *m)
{
	carve_buf tmpl = CARVE_BUF_INIT;
	const char *names[] = { "computer" };
	const char *values[] = { m->name };
	int err;

	carve_buf_puts(&tmpl, "$ErrorActionPreference = 'Stop'\n$computer = {{computer}}\n");
	carve_buf_puts(&tmpl, scripts[c]);
	if (tmpl.failed) {
		carve_buf_done(&tmpl);
		return carve_error_oom();
	}
	err = carve_ps_script(out, tmpl.ptr, names, values, 1);
	carve_buf_done(&tmpl);
	return err;
}

int check_set(carve_check_result *r, carve_status status, const char *evidence,
	      const char *diagnosis)
{
	free(r->evidence);
	free(r->diagnosis);
	r->status = status;
	r->evidence = strdup(evidence ? evidence : "{}");
	r->diagnosis = diagnosis ? strdup(diagnosis) : NULL;
	if (!r->evidence || (diagnosis && !r->diagnosis))
		return carve_error_oom();
	return 0;
}

/* Sets r from two buffers (the evidence and, unless empty, the diagnosis)
 * and frees them. */
static int check_set_bufs(carve_check_result *r, carve_status status, carve_buf *ev,
			  carve_buf *diag)
{
	int err = check_set(r, status, carve_buf_cstr(ev), diag && diag->len ? diag->ptr : NULL);

	carve_buf_done(ev);
	if (diag)
		carve_buf_done(diag);
	return err;
}

/* ---- reading Windows' output ---- */

typedef struct {
	carve_buf text;  /* decoded, LF line ends */
	char *lines[256];
	size_t count;
} lines;

static void split(lines *l, const char *raw, size_t len)
{
	char *p;

	carve_win_decode(&l->text, (const unsigned char *)raw, len, CARVE_OEM_437);
	l->count = 0;
	p = l->text.ptr;
	while (p && *p && l->count < 256) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p)
			l->lines[l->count++] = p;
		p = nl ? nl + 1 : NULL;
	}
}

static void json_pair(carve_buf *b, const char *key, const char *value, bool *first)
{
	carve_buf_printf(b, "%s\"%s\":", *first ? "" : ",", key);
	carve_buf_json_string(b, value);
	*first = false;
}

static void json_list_item(carve_buf *b, const char *value)
{
	if (b->len && b->ptr[b->len - 1] != '[')
		carve_buf_putc(b, ',');
	carve_buf_json_string(b, value);
}

static void gib(char *out, size_t cap, uint64_t bytes)
{
	snprintf(out, cap, "%.1f GiB", (double)bytes / (double)((uint64_t)1 << 30));
}

/* The Windows a Win32_OperatingSystem.Version is, as the plan names it. */
static bool os_of_version(const char *version, carve_os *os)
{
	unsigned major = 0, minor = 0, build = 0;

	if (sscanf(version, "%u.%u.%u", &major, &minor, &build) < 2)
		return false;
	if (major == 5)
		*os = CARVE_OS_XP;
	else if (major == 6 && minor == 0)
		*os = CARVE_OS_VISTA;
	else if (major == 6 && minor == 1)
		*os = CARVE_OS_7;
	else if (major == 6)
		*os = CARVE_OS_8;
	else if (major == 10 && build >= 22000)
		*os = CARVE_OS_11;
	else if (major == 10)
		*os = CARVE_OS_10;
	else
		return false;
	return true;
}

static int parse_os(carve_check_result *r, const carve_plan *plan, const carve_machine *m,
		    lines *l)
{
	const carve_policy *pol = carve_plan_policy(plan);
	carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	char *f[2] = { "", "" };
	carve_os os;
	bool first = true;

	if (!l->count)
		return check_set(r, CARVE_STATUS_FAILED, NULL,
				 "Windows did not say which version it is");
	remote_fields(l->lines[0], f, 2);
	carve_buf_putc(&ev, '{');
	json_pair(&ev, "version", f[0], &first);
	json_pair(&ev, "caption", f[1], &first);
	json_pair(&ev, "plan", carve_os_name(m->os), &first);
	carve_buf_putc(&ev, '}');
	if (!os_of_version(f[0], &os)) {
		carve_buf_printf(&diag, "Windows reports version '%s', which carve does not know",
				 f[0]);
		return check_set_bufs(r, CARVE_STATUS_FAILED, &ev, &diag);
	}
	if (os != m->os) {
		carve_buf_printf(&diag, "the plan says Windows %s but the machine runs %s (%s): "
				 "correct the plan (the XP hotfixes and how carve reaches it "
				 "depend on it)", carve_os_name(m->os), f[1], f[0]);
		return check_set_bufs(r, CARVE_STATUS_FAILED, &ev, &diag);
	}
	if (os > CARVE_OS_7 && pol->translate_profiles) {
		bool block = pol->newer_than_7 == CARVE_BEYOND7_BLOCK;
		carve_buf_printf(&diag, "ADMT 3.2 cannot translate user profiles on Windows %s "
				 "(Microsoft KB 4089459): %s", carve_os_name(os), block
				 ? "its user would start with a new, empty profile, so it is not "
				   "migrated (policy.newer_than_windows_7: block); migrate it by "
				   "hand, or set migrate to accept new profiles"
				 : "it is migrated and its user starts with a new profile "
				   "(policy.newer_than_windows_7: migrate)");
		return check_set_bufs(r, block ? CARVE_STATUS_FAILED : CARVE_STATUS_WARN, &ev, &diag);
	}
	return check_set_bufs(r, CARVE_STATUS_OK, &ev, NULL);
}

static int parse_disk(carve_check_result *r, const carve_plan *plan, lines *l)
{
	const carve_policy *pol = carve_plan_policy(plan);
	char *end = NULL, have[32], need[32], diag[256], ev[160];
	uint64_t free_bytes = l->count ? strtoull(l->lines[0], &end, 10) : 0;

	if (!l->count || end == l->lines[0] || *end)
		return check_set(r, CARVE_STATUS_FAILED, NULL,
				 "could not read the free space on drive C from Windows' answer");
	gib(have, sizeof(have), free_bytes);
	snprintf(ev, sizeof(ev), "{\"free_bytes\":%" PRIu64 ",\"min_bytes\":%" PRIu64
		 ",\"headroom_bytes\":%" PRIu64 "}", free_bytes, pol->min_free_disk,
		 pol->update_headroom);
	if (free_bytes < pol->min_free_disk) {
		gib(need, sizeof(need), pol->min_free_disk);
		/* "cause (details): fix", as every diagnosis reads; the drive
		 * named without a colon that would cut it short */
		snprintf(diag, sizeof(diag), "only %s free on drive C (ADMT needs %s): free up disk "
			 "space (temporary files, old profiles) before the migration", have, need);
		return check_set(r, CARVE_STATUS_FAILED, ev, diag);
	}
	if (free_bytes < pol->min_free_disk + pol->update_headroom) {
		gib(need, sizeof(need), pol->min_free_disk + pol->update_headroom);
		snprintf(diag, sizeof(diag), "%s free on drive C, enough for ADMT but less than"
			 " the %s wanted for Windows updates after the migration", have, need);
		return check_set(r, CARVE_STATUS_WARN, ev, diag);
	}
	return check_set(r, CARVE_STATUS_OK, ev, NULL);
}

/* Whether id (a HotFixID or an Updates key: "KB944043-v3", "KB944043")
 * is update kb ("KB944043"): the same number, whatever follows it. */
static bool same_update(const char *id, const char *kb)
{
	size_t n = strlen(kb);

	return !strncasecmp(id, kb, n) && !isdigit((unsigned char)id[n]);
}

static int parse_hotfixes(carve_check_result *r, const carve_plan *plan,
			  const carve_machine *m, lines *l)
{
	const carve_policy *pol = carve_plan_policy(plan);
	carve_buf ev = CARVE_BUF_INIT, missing = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	size_t n_missing = 0;

	carve_buf_puts(&ev, "{\"installed\":[");
	for (size_t i = 0; i < l->count; i++)
		json_list_item(&ev, l->lines[i]);
	carve_buf_puts(&ev, "],\"missing\":[");
	for (size_t k = 0; k < pol->hotfix_count[m->os]; k++) {
		const char *want = pol->hotfixes[m->os][k];
		bool found = false;
		for (size_t i = 0; i < l->count && !found; i++)
			found = same_update(l->lines[i], want);
		if (found)
			continue;
		json_list_item(&ev, want);
		carve_buf_printf(&missing, "%s%s", n_missing++ ? ", " : "", want);
	}
	carve_buf_puts(&ev, "]}");
	if (n_missing)
		carve_buf_printf(&diag, "missing %s (the ADMT migration of this machine fails"
				 " until %s installed): install %s (carve check --fix does)",
				 carve_buf_cstr(&missing), n_missing == 1 ? "it is" : "they are",
				 n_missing == 1 ? "it" : "them");
	carve_buf_done(&missing);
	return check_set_bufs(r, n_missing ? CARVE_STATUS_FAILED : CARVE_STATUS_OK, &ev, &diag);
}

/* Whether name can go between double quotes on a cmd.exe command line
 * and mean itself: no quote, no %, ^, &, |, <, >, no control character. */
static bool cmd_safe(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || strchr("\"%^&|<>!", *p))
			return false;
	return *name != '\0';
}

/* Whether account (DOMAIN\name) is the migrator, or a group it is in. */
static const char *admin_through(const carve_plan *plan, const check_context *ctx,
				 const char *account, bool group)
{
	const carve_site *s = carve_plan_site(plan);
	size_t dl = strlen(s->target.netbios);

	if (!strncasecmp(account, s->target.netbios, dl) && account[dl] == '\\' &&
	    !strcasecmp(account + dl + 1, s->migrator))
		return "directly";
	for (size_t i = 0; group && ctx && i < ctx->migrator_group_count; i++)
		if (!strcasecmp(ctx->migrator_groups[i], account))
			return "through a group";
	return NULL;
}

static int parse_admin(carve_check_result *r, const carve_plan *plan,
		       const check_context *ctx, lines *l)
{
	const carve_site *site = carve_plan_site(plan);
	carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	const char *via = NULL, *group = "Administrators";
	char found[256] = "";

	carve_buf_puts(&ev, "{\"members\":[");
	for (size_t i = 0; i < l->count; i++) {
		char *f[3] = { "", "", "" };
		size_t n = remote_fields(l->lines[i], f, 3);
		if (!strcmp(f[0], "group") && n >= 2) {
			group = f[1];
			continue;
		}
		if (strcmp(f[0], "member") != 0 || n < 2)
			continue;
		json_list_item(&ev, f[1]);
		const char *how = via ? NULL
				  : admin_through(plan, ctx, f[1], !strcasecmp(f[2], "Win32_Group"));
		if (how) {
			via = how;
			snprintf(found, sizeof(found), "%s", f[1]);
		}
	}
	carve_buf_puts(&ev, "],\"group\":");
	carve_buf_json_string(&ev, group);
	if (via) {
		carve_buf_puts(&ev, ",\"migrator_via\":");
		carve_buf_json_string(&ev, found);
	}
	if (ctx && ctx->groups_unread) {
		carve_buf_puts(&ev, ",\"migrator_groups_unread\":");
		carve_buf_json_string(&ev, ctx->groups_unread);
	}
	carve_buf_putc(&ev, '}');
	if (via)
		return check_set_bufs(r, CARVE_STATUS_OK, &ev, NULL);
	/* The hint is a cmd.exe command line someone will paste: the account
	 * comes from the validated plan, but the group's name from the
	 * machine, so a name cmd.exe would read specially is not repeated. */
	if (!cmd_safe(group))
		group = "Administrators";
	carve_buf_printf(&diag, "%s\\%s is not a member of the local Administrators group,"
			 " directly or through a group (%s): add it: net localgroup \"%s\" "
			 "\"%s\\%s\" /add", site->target.netbios, site->migrator, group, group,
			 site->target.netbios, site->migrator);
	if (ctx && ctx->groups_unread)
		carve_buf_printf(&diag, " (its groups could not be read from the ADMT server, "
				 "so only a direct membership counted: %s)", ctx->groups_unread);
	return check_set_bufs(r, CARVE_STATUS_FAILED, &ev, &diag);
}

static bool wireless(const char *connection, const char *hardware)
{
	static const char *const words[] = { "wireless", "wi-fi", "wifi", "wlan", "802.11",
					     "centrino" };

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(words); i++)
		if (strcasestr(connection, words[i]) || strcasestr(hardware, words[i]))
			return true;
	return false;
}

/* NetConnectionStatus: 0 disconnected (a disabled connection), 4 hardware
 * not present, 5 hardware disabled; anything else is a live adapter. */
static bool adapter_enabled(const char *status)
{
	return strcmp(status, "0") && strcmp(status, "4") && strcmp(status, "5") && *status;
}

/* The wired adapter the machine works through: the first that is
 * connected (NetConnectionStatus 2), else the first enabled one.  An
 * enabled adapter without a cable (7, "Media disconnected": an onboard
 * NIC of a docked laptop) is not it, even when WMI lists it first. */
static size_t primary_wired(lines *l)
{
	size_t first_on = CARVE_NONE;

	for (size_t i = 0; i < l->count; i++) {
		char line[512], *f[4] = { "", "", "", "" };
		snprintf(line, sizeof(line), "%s", l->lines[i]);
		remote_fields(line, f, 4);
		if (!adapter_enabled(f[3]) || wireless(f[0], f[1]) || !strcmp(f[2], "9"))
			continue;
		if (!strcmp(f[3], "2"))
			return i;
		if (first_on == CARVE_NONE)
			first_on = i;
	}
	return first_on;
}

static int parse_nics(carve_check_result *r, lines *l)
{
	carve_buf ev = CARVE_BUF_INIT, bad = CARVE_BUF_INIT;
	size_t primary = primary_wired(l);
	char primary_name[128] = "";

	if (primary != CARVE_NONE) {
		char line[512], *f[4] = { "", "", "", "" };
		snprintf(line, sizeof(line), "%s", l->lines[primary]);
		remote_fields(line, f, 4);
		snprintf(primary_name, sizeof(primary_name), "%s", f[0]);
	}
	carve_buf_puts(&ev, "{\"adapters\":[");
	for (size_t i = 0; i < l->count; i++) {
		char *f[4] = { "", "", "", "" };
		remote_fields(l->lines[i], f, 4);
		bool on = adapter_enabled(f[3]), wifi = wireless(f[0], f[1]) || !strcmp(f[2], "9");
		bool first = true;
		carve_buf_puts(&ev, i ? ",{" : "{");
		json_pair(&ev, "connection", f[0], &first);
		json_pair(&ev, "adapter", f[1], &first);
		json_pair(&ev, "status", f[3], &first);
		carve_buf_printf(&ev, ",\"enabled\":%s,\"wireless\":%s,\"primary\":%s}",
				 on ? "true" : "false", wifi ? "true" : "false",
				 i == primary ? "true" : "false");
		if (!on || i == primary)
			continue;
		if (wifi)
			carve_buf_printf(&bad, "%swireless adapter '%s' is enabled", bad.len ? "; " : "",
					 f[0]);
		else
			carve_buf_printf(&bad, "%ssecondary adapter '%s' is enabled (besides '%s')",
					 bad.len ? "; " : "", f[0], primary_name);
	}
	carve_buf_puts(&ev, "]}");
	if (bad.len) {
		carve_buf_puts(&bad, ": disable it before the migration");
		return check_set_bufs(r, CARVE_STATUS_FAILED, &ev, &bad);
	}
	carve_buf_done(&bad);
	if (primary == CARVE_NONE) {
		int err = check_set(r, CARVE_STATUS_WARN, carve_buf_cstr(&ev),
				    "no enabled wired adapter reported");
		carve_buf_done(&ev);
		return err;
	}
	return check_set_bufs(r, CARVE_STATUS_OK, &ev, NULL);
}

/* Profile slots: 0 domain, 1 standard (XP) or private (Vista on), 2 public. */
static int profile_slot(const char *key)
{
	if (!strcmp(key, "DomainProfile"))
		return 0;
	if (!strcmp(key, "StandardProfile") || !strcmp(key, "PrivateProfile"))
		return 1;
	if (!strcmp(key, "PublicProfile"))
		return 2;
	return -1;
}

static int parse_firewall(carve_check_result *r, lines *l)
{
	static const char *const slot_names[] = { "domain", "private", "public" };
	int local[3] = { -1, -1, -1 }, policy[3] = { -1, -1, -1 };
	carve_buf ev = CARVE_BUF_INIT, on = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	bool by_policy = false, seen = false;

	for (size_t i = 0; i < l->count; i++) {
		char *f[3] = { "", "", "" };
		if (remote_fields(l->lines[i], f, 3) < 3)
			continue;
		int slot = profile_slot(f[1]);
		if (slot < 0)
			continue;
		int value = strcmp(f[2], "0") != 0;
		if (!strcmp(f[0], "local"))
			local[slot] = value;
		else if (!strcmp(f[0], "policy"))
			policy[slot] = value;
	}
	carve_buf_putc(&ev, '{');
	for (int s = 0; s < 3; s++) {
		int effective = policy[s] >= 0 ? policy[s] : local[s];
		if (effective < 0)
			continue;
		carve_buf_printf(&ev, "%s\"%s\":{\"on\":%s,\"by\":\"%s\"}", seen ? "," : "",
				 slot_names[s], effective ? "true" : "false",
				 policy[s] >= 0 ? "group policy" : "local");
		seen = true;
		if (effective) {
			carve_buf_printf(&on, "%s%s", on.len ? ", " : "", slot_names[s]);
			by_policy |= policy[s] > 0;
		}
	}
	carve_buf_putc(&ev, '}');
	if (on.len) {
		carve_buf_printf(&diag, "Windows Firewall is on in the %s profile%s: %s",
				 carve_buf_cstr(&on), strchr(carve_buf_cstr(&on), ',') ? "s" : "",
				 by_policy ? "a Group Policy turns it on, so change the GPO (a "
					     "local change does not hold)"
					   : "turn it off in every profile (or open what the ADMT "
					     "agent needs)");
		carve_buf_done(&on);
		return check_set_bufs(r, CARVE_STATUS_FAILED, &ev, &diag);
	}
	carve_buf_done(&on);
	carve_buf_done(&diag);
	if (!seen) {
		int err = check_set(r, CARVE_STATUS_WARN, carve_buf_cstr(&ev),
				    "the firewall settings could not be read from the registry");
		carve_buf_done(&ev);
		return err;
	}
	return check_set_bufs(r, CARVE_STATUS_OK, &ev, NULL);
}

static int parse_services(carve_check_result *r, lines *l)
{
	static const struct { const char *name, *title; } wanted[] = {
		{ "RemoteRegistry", "Remote Registry" }, { "LanmanServer", "Server" },
		{ "LanmanWorkstation", "Workstation" }, { "Netlogon", "Netlogon" },
	};
	carve_buf ev = CARVE_BUF_INIT, bad = CARVE_BUF_INIT;

	carve_buf_putc(&ev, '{');
	for (size_t w = 0; w < CARVE_ARRAY_SIZE(wanted); w++) {
		const char *state = "missing", *mode = "";
		for (size_t i = 0; i < l->count; i++) {
			char copy[256], *f[3] = { "", "", "" };
			snprintf(copy, sizeof(copy), "%s", l->lines[i]);
			remote_fields(copy, f, 3);
			if (strcasecmp(f[0], wanted[w].name) == 0) {
				state = strcasecmp(f[1], "Running") == 0 ? "running"
					: strcasecmp(f[1], "Stopped") == 0 ? "stopped" : "other";
				mode = strcasecmp(f[2], "Disabled") == 0 ? "disabled"
				       : strcasecmp(f[2], "Auto") == 0 ? "automatic" : "manual";
			}
		}
		carve_buf_printf(&ev, "%s\"%s\":{\"state\":\"%s\",\"start\":\"%s\"}", w ? "," : "",
				 wanted[w].name, state, mode);
		if (strcmp(state, "running") != 0)
			carve_buf_printf(&bad, "%s%s is %s%s", bad.len ? ", " : "", wanted[w].title,
					 state, !strcmp(mode, "disabled") ? " (disabled)" : "");
	}
	carve_buf_putc(&ev, '}');
	if (bad.len)
		carve_buf_puts(&bad, ": start it and set it to start automatically");
	return check_set_bufs(r, bad.len ? CARVE_STATUS_FAILED : CARVE_STATUS_OK, &ev, &bad);
}

char *check_windows_message(char *line)
{
	static const char stop[] = "Command execution stopped because the preference variable "
				   "\"ErrorActionPreference\" or common parameter is set to Stop: ";
	char *sep = strstr(line, " : ");
	char *wrapped = strstr(line, stop);

	if (wrapped)
		return wrapped + strlen(stop);
	/* "Get-WmiObject : The RPC server..." */
	if (sep && !memchr(line, ' ', (size_t)(sep - line)))
		return sep + 3;
	return line;
}

/* Windows' first error line, e.g. "Get-WmiObject : The RPC server is
 * unavailable. (Exception from HRESULT: 0x800706BA)". */
static int script_failed(carve_check_result *r, lines *err_lines, int exit_status)
{
	carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	char *first = err_lines->count ? err_lines->lines[0] : (char *)"(no message)";
	const char *message = check_windows_message(first);

	carve_buf_printf(&ev, "{\"exit\":%d,\"stderr\":", exit_status);
	carve_buf_json_string(&ev, first);
	carve_buf_putc(&ev, '}');
	/* "cause (Windows' words): fix", as every diagnosis reads */
	carve_buf_printf(&diag, CARVE_DIAG_NO_ANSWER " (%s)", message);
	if (strstr(message, "0x800706BA"))
		carve_buf_puts(&diag, ": it is off, asleep, or blocks RPC; find it on the floor"
				      " and check its firewall");
	else if (strstr(message, "0x80070005"))
		carve_buf_puts(&diag, ": make the account carve logs on as a local administrator"
				      " there, with a logon that carries network credentials");
	return check_set_bufs(r, CARVE_STATUS_FAILED, &ev, &diag);
}

/* What Windows sent, decoded, appended to the evidence as "raw": what the
 * verdict was read from, for triage and for carve-lab --from-audit to
 * rebuild the machine as it answered.  Each stream is kept up to
 * RAW_KEEP bytes. */
#define RAW_KEEP 8192

static void raw_stream(carve_buf *ev, const char *key, const char *bytes, size_t len)
{
	carve_buf text = CARVE_BUF_INIT;

	carve_win_decode(&text, (const unsigned char *)bytes, len, CARVE_OEM_437);
	if (text.len > RAW_KEEP) {
		size_t cut = RAW_KEEP;
		while (cut && ((unsigned char)text.ptr[cut] & 0xc0) == 0x80)
			cut--; /* not inside a UTF-8 sequence */
		text.ptr[cut] = '\0';
		text.len = cut;
	}
	carve_buf_printf(ev, ",\"%s\":", key);
	carve_buf_json_string(ev, carve_buf_cstr(&text));
	carve_buf_done(&text);
}

static int add_raw(carve_check_result *r, const char *out, size_t out_len, const char *err,
		   size_t err_len, int exit_status)
{
	size_t n = r->evidence ? strlen(r->evidence) : 0;
	carve_buf ev = CARVE_BUF_INIT;

	if (!n || r->evidence[n - 1] != '}')
		return 0;
	carve_buf_put(&ev, r->evidence, n - 1);
	carve_buf_printf(&ev, "%s\"raw\":{\"exit\":%d", n > 2 ? "," : "", exit_status);
	raw_stream(&ev, "out", out, out_len);
	raw_stream(&ev, "err", err, err_len);
	carve_buf_puts(&ev, "}}");
	if (ev.failed) {
		carve_buf_done(&ev);
		return carve_error_oom();
	}
	free(r->evidence);
	r->evidence = ev.ptr;
	return 0;
}

int check_parse(carve_check_result *r, carve_check c, const carve_plan *plan,
		const carve_machine *m, const check_context *ctx, const char *out,
		size_t out_len, const char *err, size_t err_len, int exit_status)
{
	lines o = { CARVE_BUF_INIT, { 0 }, 0 }, e = { CARVE_BUF_INIT, { 0 }, 0 };
	int rc;

	split(&o, out, out_len);
	split(&e, err, err_len);
	if (o.text.failed || e.text.failed)
		rc = carve_error_oom();
	else if (exit_status != 0)
		rc = script_failed(r, &e, exit_status);
	else switch (c) {
	case CARVE_CHECK_PING:
		rc = o.count && !strcasecmp(o.lines[0], "True")
			? check_set(r, CARVE_STATUS_OK, "{\"probe\":\"exec\"}", NULL)
			: check_set(r, CARVE_STATUS_FAILED, "{\"probe\":\"exec\"}",
				    "does not answer ping: find it on the floor (asleep, off, "
				    "unplugged?)");
		break;
	case CARVE_CHECK_OS: rc = parse_os(r, plan, m, &o); break;
	case CARVE_CHECK_DISK: rc = parse_disk(r, plan, &o); break;
	case CARVE_CHECK_HOTFIXES: rc = parse_hotfixes(r, plan, m, &o); break;
	case CARVE_CHECK_ADMIN: rc = parse_admin(r, plan, ctx, &o); break;
	case CARVE_CHECK_NICS: rc = parse_nics(r, &o); break;
	case CARVE_CHECK_FIREWALL: rc = parse_firewall(r, &o); break;
	case CARVE_CHECK_SERVICES: rc = parse_services(r, &o); break;
	default: rc = carve_error_set(CARVE_EINVALID, "no check %d", (int)c);
	}
	if (rc == 0)
		rc = add_raw(r, out, out_len, err, err_len, exit_status);
	carve_buf_done(&o.text);
	carve_buf_done(&e.text);
	return rc;
}
