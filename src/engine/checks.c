/*
 * checks.c - the pre-flight checks.
 *
 * The scripts use WMI (Get-WmiObject) and the registry through WMI's
 * StdRegProv, because those work the same on Windows PowerShell 2.0
 * (Windows 7) and later, and remotely with -ComputerName for XP, which has
 * no SSH server and is asked from a management host.  Every script stops at
 * its first error ($ErrorActionPreference = 'Stop'), so a machine that does
 * not answer WMI fails the check with Windows' own message.
 */
#define _GNU_SOURCE /* strcasestr */
#include "remote.h"
#include "winps.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	const char *query;  /* the pipeline's source, before any -ComputerName */
	const char *format; /* what follows it */
} check_text;

static const check_text texts[CARVE_CHECK__COUNT] = {
	[CARVE_CHECK_PING] = { "Test-Connection", " -Count 1 -Quiet" },
	[CARVE_CHECK_DISK] = {
		"Get-WmiObject -Class Win32_LogicalDisk -Filter \"DeviceID='C:'\"",
		" | ForEach-Object { $_.FreeSpace }" },
	[CARVE_CHECK_HOTFIXES] = {
		"Get-WmiObject -Class Win32_QuickFixEngineering",
		" | ForEach-Object { $_.HotFixID }" },
	[CARVE_CHECK_ADMIN] = {
		"Get-WmiObject -Class Win32_GroupUser",
		" | Where-Object { $_.GroupComponent -match 'Name=\"Administrators\"' }"
		" | ForEach-Object { $_.PartComponent }" },
	[CARVE_CHECK_NICS] = {
		"Get-WmiObject -Class Win32_NetworkAdapter -Filter \"PhysicalAdapter=True\"",
		" | ForEach-Object { '{0}|{1}|{2}|{3}' -f $_.NetConnectionID, $_.Name,"
		" $_.NetEnabled, $_.NetConnectionStatus }" },
	[CARVE_CHECK_FIREWALL] = {
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default",
		"\nforeach ($p in 'DomainProfile', 'StandardProfile', 'PublicProfile') {\n"
		"  $v = $reg.GetDWORDValue(2147483650, \"SYSTEM\\CurrentControlSet\\Services\\"
		"SharedAccess\\Parameters\\FirewallPolicy\\$p\", 'EnableFirewall')\n"
		"  if ($v.ReturnValue -eq 0) { \"$p=$($v.uValue)\" }\n"
		"}" },
	[CARVE_CHECK_SERVICES] = {
		"Get-WmiObject -Class Win32_Service -Filter \"Name='RemoteRegistry' OR "
		"Name='LanmanServer' OR Name='LanmanWorkstation' OR Name='Netlogon'\"",
		" | ForEach-Object { '{0}|{1}|{2}' -f $_.Name, $_.State, $_.StartMode }" },
};

const char *carve_check_name(carve_check c)
{
	static const char *const names[CARVE_CHECK__COUNT] = {
		"ping", "disk", "hotfixes", "admin", "nics", "firewall", "services",
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
	bool via = m->reach == CARVE_REACH_VIA;
	int err;

	carve_buf_puts(&tmpl, "$ErrorActionPreference = 'Stop'\n");
	carve_buf_puts(&tmpl, texts[c].query);
	if (via || c == CARVE_CHECK_PING)
		carve_buf_puts(&tmpl, " -ComputerName {{computer}}");
	carve_buf_puts(&tmpl, texts[c].format);
	if (tmpl.failed) {
		carve_buf_done(&tmpl);
		return carve_error_oom();
	}
	err = carve_ps_script(out, tmpl.ptr, names, values,
			      via || c == CARVE_CHECK_PING ? 1 : 0);
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

static void gib(char *out, size_t cap, uint64_t bytes)
{
	snprintf(out, cap, "%.1f GiB", (double)bytes / (double)((uint64_t)1 << 30));
}

static int parse_disk(carve_check_result *r, const carve_plan *plan, lines *l)
{
	const carve_policy *pol = carve_plan_policy(plan);
	char *end = NULL, have[32], need[32], diag[256], ev[160];
	uint64_t free_bytes = l->count ? strtoull(l->lines[0], &end, 10) : 0;

	if (!l->count || end == l->lines[0] || *end)
		return check_set(r, CARVE_STATUS_FAILED, NULL,
				 "could not read the free space on C: from Windows' answer");
	gib(have, sizeof(have), free_bytes);
	snprintf(ev, sizeof(ev), "{\"free_bytes\":%" PRIu64 ",\"min_bytes\":%" PRIu64
		 ",\"headroom_bytes\":%" PRIu64 "}", free_bytes, pol->min_free_disk,
		 pol->update_headroom);
	if (free_bytes < pol->min_free_disk) {
		gib(need, sizeof(need), pol->min_free_disk);
		snprintf(diag, sizeof(diag), "only %s free on C:, ADMT needs %s: free up disk "
			 "space (temporary files, old profiles) before the migration", have, need);
		return check_set(r, CARVE_STATUS_FAILED, ev, diag);
	}
	if (free_bytes < pol->min_free_disk + pol->update_headroom) {
		gib(need, sizeof(need), pol->min_free_disk + pol->update_headroom);
		snprintf(diag, sizeof(diag), "%s free on C:: enough for ADMT, but less than the "
			 "%s wanted for Windows updates after the migration", have, need);
		return check_set(r, CARVE_STATUS_WARN, ev, diag);
	}
	return check_set(r, CARVE_STATUS_OK, ev, NULL);
}

static int parse_hotfixes(carve_check_result *r, const carve_plan *plan,
			  const carve_machine *m, lines *l)
{
	const carve_policy *pol = carve_plan_policy(plan);
	carve_buf ev = CARVE_BUF_INIT, missing = CARVE_BUF_INIT;
	size_t n_missing = 0;
	int err;

	carve_buf_puts(&ev, "{\"installed\":[");
	for (size_t i = 0; i < l->count; i++) {
		carve_buf_puts(&ev, i ? "," : "");
		carve_buf_json_string(&ev, l->lines[i]);
	}
	carve_buf_puts(&ev, "],\"missing\":[");
	for (size_t k = 0; k < pol->hotfix_count[m->os]; k++) {
		const char *want = pol->hotfixes[m->os][k];
		bool found = false;
		for (size_t i = 0; i < l->count && !found; i++)
			found = strcasecmp(l->lines[i], want) == 0;
		if (found)
			continue;
		carve_buf_puts(&ev, n_missing ? "," : "");
		carve_buf_json_string(&ev, want);
		carve_buf_puts(&missing, n_missing++ ? ", " : "");
		carve_buf_puts(&missing, want);
	}
	carve_buf_puts(&ev, "]}");
	if (n_missing) {
		carve_buf diag = CARVE_BUF_INIT;
		carve_buf_printf(&diag, "missing %s: the ADMT migration of this machine will "
				 "fail until %s installed", carve_buf_cstr(&missing),
				 n_missing == 1 ? "it is" : "they are");
		err = check_set(r, CARVE_STATUS_FAILED, carve_buf_cstr(&ev), carve_buf_cstr(&diag));
		carve_buf_done(&diag);
	} else {
		err = check_set(r, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
	}
	carve_buf_done(&ev);
	carve_buf_done(&missing);
	return err;
}

/* Reads Domain="X",Name="Y" out of a Win32_GroupUser PartComponent. */
static bool account_of(const char *line, char *domain, char *name, size_t cap)
{
	const char *d = strstr(line, "Domain=\""), *n = strstr(line, "Name=\"");

	if (!d || !n)
		return false;
	d += 8;
	n += 6;
	size_t dl = strcspn(d, "\""), nl = strcspn(n, "\"");
	if (dl >= cap || nl >= cap)
		return false;
	memcpy(domain, d, dl);
	domain[dl] = '\0';
	memcpy(name, n, nl);
	name[nl] = '\0';
	return true;
}

static int parse_admin(carve_check_result *r, const carve_plan *plan, lines *l)
{
	const carve_site *site = carve_plan_site(plan);
	carve_buf ev = CARVE_BUF_INIT;
	bool member = false;
	int err;

	size_t shown = 0;

	carve_buf_puts(&ev, "{\"members\":[");
	for (size_t i = 0; i < l->count; i++) {
		char domain[128], name[128], who[260];
		if (!account_of(l->lines[i], domain, name, sizeof(domain)))
			continue;
		snprintf(who, sizeof(who), "%s\\%s", domain, name);
		carve_buf_puts(&ev, shown++ ? "," : "");
		carve_buf_json_string(&ev, who);
		member |= strcasecmp(domain, site->target.netbios) == 0 &&
			  strcasecmp(name, site->migrator) == 0;
	}
	carve_buf_puts(&ev, "]}");
	if (member) {
		err = check_set(r, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
	} else {
		carve_buf diag = CARVE_BUF_INIT;
		carve_buf_printf(&diag, "%s\\%s is not a member of the local Administrators "
				 "group: add it (net localgroup administrators %s\\%s /add)",
				 site->target.netbios, site->migrator, site->target.netbios,
				 site->migrator);
		err = check_set(r, CARVE_STATUS_FAILED, carve_buf_cstr(&ev), carve_buf_cstr(&diag));
		carve_buf_done(&diag);
	}
	carve_buf_done(&ev);
	return err;
}

static bool wireless(const char *connection, const char *hardware)
{
	static const char *const words[] = { "wireless", "wi-fi", "wifi", "wlan", "802.11",
					     "centrino" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(connection, words[i]) || strcasestr(hardware, words[i]))
			return true;
	return false;
}

static int parse_nics(carve_check_result *r, lines *l)
{
	carve_buf ev = CARVE_BUF_INIT, bad = CARVE_BUF_INIT;
	size_t wired_on = 0;
	const char *first_wired = NULL;
	int err;

	carve_buf_puts(&ev, "{\"adapters\":[");
	for (size_t i = 0; i < l->count; i++) {
		char *f[4] = { "", "", "", "" };
		remote_fields(l->lines[i], f, 4);
		/* XP has no NetEnabled: status 2 (connected) stands in for it. */
		bool on = !strcasecmp(f[2], "True") || (!f[2][0] && !strcmp(f[3], "2"));
		bool wifi = wireless(f[0], f[1]);
		bool first = true;
		carve_buf_puts(&ev, i ? ",{" : "{");
		json_pair(&ev, "connection", f[0], &first);
		json_pair(&ev, "adapter", f[1], &first);
		carve_buf_printf(&ev, ",\"enabled\":%s,\"wireless\":%s}", on ? "true" : "false",
				 wifi ? "true" : "false");
		if (!on)
			continue;
		if (wifi) {
			carve_buf_printf(&bad, "%swireless adapter '%s' is enabled", bad.len ? "; " : "",
					 f[0]);
		} else if (wired_on++) {
			carve_buf_printf(&bad, "%ssecondary adapter '%s' is enabled (besides '%s')",
					 bad.len ? "; " : "", f[0], first_wired);
		} else {
			first_wired = f[0];
		}
	}
	carve_buf_puts(&ev, "]}");
	if (bad.len) {
		carve_buf_puts(&bad, ": disable it before the migration");
		err = check_set(r, CARVE_STATUS_FAILED, carve_buf_cstr(&ev), carve_buf_cstr(&bad));
	} else if (!wired_on) {
		err = check_set(r, CARVE_STATUS_WARN, carve_buf_cstr(&ev),
				"no enabled wired adapter reported");
	} else {
		err = check_set(r, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
	}
	carve_buf_done(&ev);
	carve_buf_done(&bad);
	return err;
}

static int parse_firewall(carve_check_result *r, lines *l)
{
	static const struct { const char *key, *name; } profiles[] = {
		{ "DomainProfile", "domain" }, { "StandardProfile", "private" },
		{ "PublicProfile", "public" },
	};
	carve_buf ev = CARVE_BUF_INIT, on = CARVE_BUF_INIT;
	size_t seen = 0;
	int err;

	carve_buf_putc(&ev, '{');
	for (size_t i = 0; i < l->count; i++)
		for (size_t p = 0; p < 3; p++) {
			size_t kl = strlen(profiles[p].key);
			if (strncmp(l->lines[i], profiles[p].key, kl) != 0 || l->lines[i][kl] != '=')
				continue;
			bool enabled = strcmp(l->lines[i] + kl + 1, "0") != 0;
			carve_buf_printf(&ev, "%s\"%s\":%s", seen++ ? "," : "", profiles[p].name,
					 enabled ? "true" : "false");
			if (enabled)
				carve_buf_printf(&on, "%s%s", on.len ? ", " : "", profiles[p].name);
		}
	carve_buf_putc(&ev, '}');
	if (on.len) {
		carve_buf diag = CARVE_BUF_INIT;
		carve_buf_printf(&diag, "Windows Firewall is on in the %s profile%s: turn it off "
				 "in every profile (or open what the ADMT agent needs)",
				 carve_buf_cstr(&on), strchr(carve_buf_cstr(&on), ',') ? "s" : "");
		err = check_set(r, CARVE_STATUS_FAILED, carve_buf_cstr(&ev), carve_buf_cstr(&diag));
		carve_buf_done(&diag);
	} else if (!seen) {
		err = check_set(r, CARVE_STATUS_WARN, carve_buf_cstr(&ev),
				"the firewall settings could not be read from the registry");
	} else {
		err = check_set(r, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
	}
	carve_buf_done(&ev);
	carve_buf_done(&on);
	return err;
}

static int parse_services(carve_check_result *r, lines *l)
{
	static const struct { const char *name, *title; } wanted[] = {
		{ "RemoteRegistry", "Remote Registry" }, { "LanmanServer", "Server" },
		{ "LanmanWorkstation", "Workstation" }, { "Netlogon", "Netlogon" },
	};
	carve_buf ev = CARVE_BUF_INIT, bad = CARVE_BUF_INIT;
	int err;

	carve_buf_putc(&ev, '{');
	for (size_t w = 0; w < 4; w++) {
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
	if (bad.len) {
		carve_buf_puts(&bad, ": start it and set it to start automatically");
		err = check_set(r, CARVE_STATUS_FAILED, carve_buf_cstr(&ev), carve_buf_cstr(&bad));
	} else {
		err = check_set(r, CARVE_STATUS_OK, carve_buf_cstr(&ev), NULL);
	}
	carve_buf_done(&ev);
	carve_buf_done(&bad);
	return err;
}

/* Windows' first error line, e.g. "Get-WmiObject : The RPC server is
 * unavailable. (Exception from HRESULT: 0x800706BA)". */
static int script_failed(carve_check_result *r, lines *err_lines, int exit_status)
{
	carve_buf ev = CARVE_BUF_INIT, diag = CARVE_BUF_INIT;
	const char *first = err_lines->count ? err_lines->lines[0] : "(no message)";
	int err;

	carve_buf_printf(&ev, "{\"exit\":%d,\"stderr\":", exit_status);
	carve_buf_json_string(&ev, first);
	carve_buf_putc(&ev, '}');
	carve_buf_printf(&diag, "Windows could not answer: %s", first);
	if (strstr(first, "0x800706BA"))
		carve_buf_puts(&diag, " (the machine is off, asleep, or blocks RPC: check it "
				      "on the floor and its firewall)");
	else if (strstr(first, "0x80070005"))
		carve_buf_puts(&diag, " (access denied: the account carve uses is not an "
				      "administrator there)");
	err = check_set(r, CARVE_STATUS_FAILED, carve_buf_cstr(&ev), carve_buf_cstr(&diag));
	carve_buf_done(&ev);
	carve_buf_done(&diag);
	return err;
}

int check_parse(carve_check_result *r, carve_check c, const carve_plan *plan,
		const carve_machine *m, const char *out, size_t out_len, const char *err,
		size_t err_len, int exit_status)
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
	case CARVE_CHECK_DISK: rc = parse_disk(r, plan, &o); break;
	case CARVE_CHECK_HOTFIXES: rc = parse_hotfixes(r, plan, m, &o); break;
	case CARVE_CHECK_ADMIN: rc = parse_admin(r, plan, &o); break;
	case CARVE_CHECK_NICS: rc = parse_nics(r, &o); break;
	case CARVE_CHECK_FIREWALL: rc = parse_firewall(r, &o); break;
	case CARVE_CHECK_SERVICES: rc = parse_services(r, &o); break;
	default: rc = carve_error_set(CARVE_EINVALID, "no check %d", (int)c);
	}
	carve_buf_done(&o.text);
	carve_buf_done(&e.text);
	return rc;
}
