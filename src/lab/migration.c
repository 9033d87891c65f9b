/*
 * migration.c - what the simulated site answers to the migration steps.
 *
 * The ADMT server's "admt computer" moves a machine to the target domain
 * only when the seed's preconditions hold (XP hotfixes, the migrator a
 * local administrator, no wireless or secondary NIC, firewall off, the
 * four services running) and otherwise fails it as ADMT does: a post-check
 * status of Failed or Not Started and an ADMT-style log line.  The mail
 * server's moves progress with time at the host's move rate and fail for
 * the seed's reasons (no SMTP address on the target user, more bad items
 * than the limit, a mailbox over the target database's quota).  Machines
 * keep a hosts file and an Outlook profile that reconfigures once the
 * hosts entry leads it to the moved mailbox.  Every change is journalled.
 */
#include "lab.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const xp_hotfixes[] = { "KB944043", "KB944505", "KB968730", "KB2535512" };

/* Now in UTC, as ADMT's logs write it or (iso) as the event log does. */
static void stamp(char *out, size_t cap, bool iso)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (iso)
		strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	else
		strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static void admt_log(lab_site *site, const char *text)
{
	char when[32];

	stamp(when, sizeof(when), false);
	snprintf(site->admt_log[site->admt_log_count++ % 256], sizeof(site->admt_log[0]),
		 "%s %s", when, text);
}

static void journal_pair(const char *host, const char *event, const char *k1, const char *v1,
			 const char *k2, const char *v2)
{
	carve_buf f = CARVE_BUF_INIT;

	carve_buf_printf(&f, "\"%s\":", k1);
	carve_buf_json_string(&f, v1);
	carve_buf_printf(&f, ",\"%s\":", k2);
	carve_buf_json_string(&f, v2);
	lab_journal(host, event, carve_buf_cstr(&f));
	carve_buf_done(&f);
}

/* ---- ADMT ---- */

static bool has_hotfix(const lab_host *h, const char *kb)
{
	for (size_t i = 0; i < h->hotfix_count; i++)
		if (!strcasecmp(h->hotfixes[i], kb))
			return true;
	return false;
}

static bool target_admin(const lab_host *h, const char *target_netbios)
{
	size_t n = strlen(target_netbios);

	for (size_t i = 0; i < h->admin_count; i++)
		if (!strncasecmp(h->admins[i], target_netbios, n) && h->admins[i][n] == '\\')
			return true;
	return false;
}

/* Why ADMT cannot migrate h, as its log says it (into line), with the
 * post-check status it leaves; NULL when it can. */
static const char *admt_refuses(const lab_host *h, const char *target_netbios, char *line,
				size_t cap)
{
	if (!strcmp(h->os, "xp"))
		for (size_t i = 0; i < 4; i++)
			if (!has_hotfix(h, xp_hotfixes[i])) {
				snprintf(line, cap, "ERR3:7075 Failed to change domain affiliation of"
					 " \\\\%s, hr=8007054b The specified domain either does not"
					 " exist or could not be contacted.", h->name);
				return "Failed";
			}
	if (!target_admin(h, target_netbios)) {
		snprintf(line, cap, "ERR2:7014 Unable to dispatch the agent to \\\\%s,"
			 " hr=80070005 Access is denied.", h->name);
		return "Not Started";
	}
	for (size_t i = 0; i < h->nic_count; i++)
		if (h->nics[i].enabled && strcmp(h->nics[i].kind, "wired") != 0) {
			snprintf(line, cap, "ERR3:7070 Unable to join \\\\%s to the domain,"
				 " hr=80070035 The network path was not found.", h->name);
			return "Failed";
		}
	for (int p = 0; p < 3; p++)
		if (h->firewall[p]) {
			snprintf(line, cap, "ERR2:7006 Failed to dispatch the agent to \\\\%s,"
				 " hr=800706ba The RPC server is unavailable.", h->name);
			return "Not Started";
		}
	for (int s = 0; s < SVC__COUNT; s++)
		if (!h->service_running[s]) {
			snprintf(line, cap, "ERR2:7006 Failed to dispatch the agent to \\\\%s,"
				 " hr=80070035 The network path was not found.", h->name);
			return "Not Started";
		}
	if (h->locked_profile) {
		snprintf(line, cap, "ERR3:7859 Failed to translate the local profile on \\\\%s,"
			 " hr=80070020 The process cannot access the file because it is being"
			 " used by another process.", h->name);
		return "Failed";
	}
	if (h->faults.admt_error[0]) {
		snprintf(line, cap, "ERR3:7000 \\\\%s: %s", h->name, h->faults.admt_error);
		return "Failed";
	}
	return NULL;
}

static void admt_migrate(carve_buf *out, lab_site *site, const char *script)
{
	char names[8192], td[64], netbios[64];
	time_t now = time(NULL);

	if (!lab_script_var(names, sizeof(names), script, "computers") ||
	    !lab_script_var(td, sizeof(td), script, "target_domain") || !td[0]) {
		carve_buf_puts(out, "ADMT: the command line is incomplete\r\n");
		return;
	}
	size_t n = strcspn(td, ".");
	for (size_t i = 0; i < n && i + 1 < sizeof(netbios); i++)
		netbios[i] = (char)toupper((unsigned char)td[i]);
	netbios[n < sizeof(netbios) ? n : sizeof(netbios) - 1] = '\0';

	unsigned ok = 0, failed = 0;
	for (char *save = NULL, *name = strtok_r(names, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		lab_host *h = lab_find_host(site, name);
		const char *status = "Not Started";
		char line[224];

		if (!h || !lab_host_up(h, now))
			snprintf(line, sizeof(line), "ERR2:7006 Failed to dispatch the agent to"
				 " \\\\%s, hr=800706ba The RPC server is unavailable.", name);
		else
			status = admt_refuses(h, netbios, line, sizeof(line));
		if (!h) {
			admt_log(site, line);
			failed++;
			continue;
		}
		if (status) {
			admt_log(site, line);
			snprintf(h->progress.admt_status, sizeof(h->progress.admt_status), "%s", status);
			journal_pair(h->name, "admt", "result", "failed", "status", status);
			failed++;
			continue;
		}
		snprintf(h->progress.domain, sizeof(h->progress.domain), "%s", td);
		snprintf(h->progress.admt_status, sizeof(h->progress.admt_status), "Completed");
		snprintf(line, sizeof(line), "Computer \\\\%s migrated to %s", h->name, td);
		admt_log(site, line);
		journal_pair(h->name, "admt", "result", "migrated", "domain", td);
		ok++;
	}
	carve_buf_printf(out, "Migration completed: %u computer(s) migrated, %u failed.\r\n"
			 "See the migration log in C:\\Windows\\ADMT\\Logs for details.\r\n",
			 ok, failed);
}

static void admt_status(carve_buf *out, lab_site *site)
{
	for (size_t i = 0; i < site->fixture.host_count; i++) {
		const lab_host *h = &site->fixture.hosts[i];
		if (h->progress.admt_status[0])
			carve_buf_printf(out, "%s|%s\r\n", h->name, h->progress.admt_status);
	}
}

static void admt_log_lines(carve_buf *out, lab_site *site, const char *script)
{
	char name[64];
	size_t n = site->admt_log_count < 256 ? site->admt_log_count : 256;

	if (!lab_script_var(name, sizeof(name), script, "computer"))
		return;
	for (size_t k = site->admt_log_count - n; k < site->admt_log_count; k++)
		if (strcasestr(site->admt_log[k % 256], name))
			carve_buf_printf(out, "%s\r\n", site->admt_log[k % 256]);
}

/* ---- mail ---- */

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void mail_event(lab_site *site, const char *user, const char *message)
{
	char when[32];

	stamp(when, sizeof(when), true);
	snprintf(site->events[site->event_count++ % 256], sizeof(site->events[0]),
		 "%s|MSExchange Mailbox Replication|The move request for '%s' failed: %s",
		 when, user, message);
}

static void move_fail(lab_site *site, lab_mailbox *mb, const char *message)
{
	mb->move.state = MOVE_FAILED;
	snprintf(mb->move.message, sizeof(mb->move.message), "%s", message);
	mail_event(site, mb->user, message);
	journal_pair(NULL, "move", "user", mb->user, "result", "failed");
}

/* Moves the move on to where time has taken it; returns bytes copied. */
static uint64_t move_advance(lab_site *site, lab_mailbox *mb, const lab_host *mail)
{
	double moved = seconds_since(&mb->move.started) * (double)mail->move_rate;
	uint64_t copied = moved >= (double)mb->size ? mb->size : (uint64_t)moved;
	char message[256];

	if (mb->move.state != MOVE_IN_PROGRESS)
		return mb->move.state == MOVE_COMPLETED ? mb->size : copied;
	if (!mb->target_smtp) {
		snprintf(message, sizeof(message), "The target mail user '%s' doesn't have an SMTP"
			 " proxy matching the source address.", mb->user);
		move_fail(site, mb, message);
	} else if (mb->bad_items > mb->move.bad_limit && copied >= mb->size / 2) {
		snprintf(message, sizeof(message), "TooManyBadItemsPermanentException: The limit of"
			 " %llu bad items was exceeded.", (unsigned long long)mb->move.bad_limit);
		move_fail(site, mb, message);
	} else if (copied > mail->quota) {
		move_fail(site, mb, "MapiExceptionShutoffQuotaExceeded: Unable to save changes."
			  " (hr=0x80004005, ec=1245)");
	} else if (copied >= mb->size) {
		mb->move.state = MOVE_COMPLETED;
		mb->move.source_meu = true;
		journal_pair(NULL, "move", "user", mb->user, "result", "completed");
	}
	return copied;
}

static void move_start(carve_buf *out, lab_site *site, const char *script)
{
	char users[8192], limit[32] = "0";

	if (!lab_script_var(users, sizeof(users), script, "users"))
		return;
	lab_script_var(limit, sizeof(limit), script, "bad_item_limit");
	for (char *save = NULL, *u = strtok_r(users, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
		lab_mailbox *mb = lab_find_mailbox(site, u);
		if (!mb) {
			carve_buf_printf(out, "%s|Failed|Couldn't find a mailbox that matches '%s'.\r\n",
					 u, u);
		} else if (mb->move.state == MOVE_IN_PROGRESS || mb->move.state == MOVE_COMPLETED) {
			carve_buf_printf(out, "%s|Failed|The user '%s' already has a move request.\r\n",
					 u, u);
		} else {
			mb->move.state = MOVE_IN_PROGRESS;
			mb->move.bad_limit = strtoull(limit, NULL, 10);
			mb->move.message[0] = '\0';
			clock_gettime(CLOCK_REALTIME, &mb->move.started);
			journal_pair(NULL, "move", "user", mb->user, "result", "started");
			carve_buf_printf(out, "%s|Queued|\r\n", u);
		}
	}
}

static void move_status(carve_buf *out, lab_site *site, const lab_host *mail)
{
	static const char *const names[] = { "", "InProgress", "Completed", "Failed" };

	for (size_t i = 0; i < site->fixture.mailbox_count; i++) {
		lab_mailbox *mb = &site->fixture.mailboxes[i];
		if (mb->move.state == MOVE_NONE)
			continue;
		uint64_t copied = move_advance(site, mb, mail);
		unsigned pct = mb->size ? (unsigned)(copied * 100 / mb->size) : 100;
		uint64_t bad = mb->bad_items;
		if (mb->move.state == MOVE_IN_PROGRESS && copied < mb->size / 2)
			bad = 0; /* met on the way */
		carve_buf_printf(out, "%s|%s|%u|%llu|%llu|%llu|%s\r\n", mb->user,
				 names[mb->move.state], pct, (unsigned long long)mb->size,
				 (unsigned long long)mb->items, (unsigned long long)bad,
				 mb->move.message);
	}
}

static void source_meu(carve_buf *out, lab_site *site, const char *script)
{
	char users[8192];

	if (!lab_script_var(users, sizeof(users), script, "users"))
		return;
	for (char *save = NULL, *u = strtok_r(users, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
		lab_mailbox *mb = lab_find_mailbox(site, u);
		carve_buf_printf(out, "%s|%s\r\n", u, mb && mb->move.source_meu ? "True" : "False");
	}
}

static void mail_triage(carve_buf *out, lab_site *site, const lab_host *mail,
			const char *script)
{
	char user[64];
	size_t n = site->event_count < 256 ? site->event_count : 256;

	if (!lab_script_var(user, sizeof(user), script, "user"))
		return;
	lab_mailbox *mb = lab_find_mailbox(site, user);
	carve_buf_printf(out, "smtp|%s\r\n", mb && mb->target_smtp ? "True" : "False");
	carve_buf_printf(out, "quota|DB01|%llu\r\n", (unsigned long long)mail->quota);
	for (size_t k = site->event_count - n; k < site->event_count; k++) {
		char quoted[80];
		snprintf(quoted, sizeof(quoted), "'%s'", user);
		if (strcasestr(site->events[k % 256], quoted))
			carve_buf_printf(out, "event|%s\r\n", site->events[k % 256]);
	}
}

/* ---- the workstation side ---- */

static void hosts_edit(lab_answer *a, carve_buf *out, carve_buf *err, lab_site *site,
		       const char *script, bool add)
{
	char name[64], address[48], ns[72], line[128];
	time_t now = time(NULL);

	if (!lab_script_var(name, sizeof(name), script, "computer") ||
	    !lab_script_var(address, sizeof(address), script, "address") ||
	    !lab_script_var(ns, sizeof(ns), script, "namespace"))
		return;
	lab_host *h = lab_find_host(site, name);
	if (!h || !lab_host_up(h, now)) {
		carve_buf_printf(err, "Get-Content : Cannot find path '\\\\%s\\C$\\Windows\\System32"
				 "\\drivers\\etc\\hosts' because it does not exist.\r\n", name);
		a->exit_status = 1;
		return;
	}
	snprintf(line, sizeof(line), "%s %s", address, ns);
	size_t at = 0;
	while (at < h->hosts_count && strcmp(h->hosts_file[at], line) != 0)
		at++;
	bool present = at < h->hosts_count;
	if (add && !present && h->hosts_count < LAB_MAX_LIST) {
		snprintf(h->hosts_file[h->hosts_count++], sizeof(h->hosts_file[0]), "%s", line);
		journal_pair(h->name, "hosts", "change", "add", "line", line);
	} else if (!add && present) {
		memmove(&h->hosts_file[at], &h->hosts_file[at + 1],
			(h->hosts_count - at - 1) * sizeof(h->hosts_file[0]));
		h->hosts_count--;
		journal_pair(h->name, "hosts", "change", "remove", "line", line);
	}
	carve_buf_puts(out, add ? (present ? "present\r\n" : "added\r\n")
				: (present ? "removed\r\n" : "absent\r\n"));
}

/* Outlook 2003 follows a hosts entry for its server's name to a target
 * mailbox server, which redirects it to the CAS once the mailbox is there. */
static void outlook_server(carve_buf *out, lab_site *site, lab_host *h)
{
	lab_progress *pr = &h->progress;

	if (h->outlook != 2003)
		return;
	if (!pr->outlook_server[0]) {
		lab_mailbox *mb = h->user[0] ? lab_find_mailbox(site, h->user) : NULL;
		size_t len = strlen(site->fixture.namespace);
		for (size_t i = 0; i < h->hosts_count && mb && mb->move.state == MOVE_COMPLETED; i++) {
			size_t hl = strlen(h->hosts_file[i]);
			if (hl > len && !strcasecmp(h->hosts_file[i] + hl - len, site->fixture.namespace)) {
				snprintf(pr->outlook_server, sizeof(pr->outlook_server), "%s",
					 site->fixture.cas);
				journal_pair(h->name, "outlook", "server", site->fixture.cas, "via",
					     h->hosts_file[i]);
			}
		}
	}
	carve_buf_printf(out, "%s\r\n", pr->outlook_server[0] ? pr->outlook_server
							       : site->fixture.namespace);
}

/* ---- pre-flight fixes ---- */

static void fix_journal(const lab_host *h, const char *fix)
{
	journal_pair(h->name, "fix", "fix", fix, "os", h->os);
}

/* Applies the fix script to h; false when script is not a fix. */
static bool fix(carve_buf *out, carve_buf *err, lab_answer *a, lab_host *h, const char *script)
{
	if (strcasestr(script, "ChangeStartMode")) {
		for (int s = 0; s < SVC__COUNT; s++) {
			if (!h->service_running[s])
				carve_buf_printf(out, "started %s\r\n", lab_service_names[s]);
			h->service_running[s] = h->service_auto[s] = true;
		}
		fix_journal(h, "services");
	} else if (strcasestr(script, "Win32_NetworkAdapter") && strstr(script, ".Disable()")) {
		bool wired = false;
		for (size_t i = 0; i < h->nic_count; i++) {
			lab_nic *n = &h->nics[i];
			if (!n->enabled)
				continue;
			if (!strcmp(n->kind, "wired") && !wired) {
				wired = true;
				continue;
			}
			n->enabled = false;
			carve_buf_printf(out, "disabled %s\r\n", n->name);
		}
		fix_journal(h, "nics");
	} else if (strcasestr(script, "SetDWORDValue") && strcasestr(script, "FirewallPolicy")) {
		memset(h->firewall, 0, sizeof(h->firewall));
		carve_buf_puts(out, "off\r\n");
		fix_journal(h, "firewall");
	} else if (strstr(script, "WinNT://")) {
		char domain[16], account[40];
		if (!lab_script_var(domain, sizeof(domain), script, "target_netbios") ||
		    !lab_script_var(account, sizeof(account), script, "migrator"))
			return false;
		if (h->admin_count < LAB_MAX_LIST)
			snprintf(h->admins[h->admin_count++], sizeof(h->admins[0]), "%s\\%s", domain,
				 account);
		carve_buf_puts(out, "added\r\n");
		fix_journal(h, "admin");
	} else if (strcasestr(script, "Win32_Process") && strcasestr(script, "/quiet")) {
		char package[256];
		const char *kb;
		if (!lab_script_var(package, sizeof(package), script, "package"))
			return false;
		if (!(kb = strcasestr(package, "KB")) || h->hotfix_count >= LAB_MAX_LIST) {
			carve_buf_printf(err, "Invoke-WmiMethod : the installer %s failed\r\n", package);
			a->exit_status = 1;
			return true;
		}
		size_t n = strspn(kb + 2, "0123456789");
		snprintf(h->hotfixes[h->hotfix_count++], sizeof(h->hotfixes[0]), "KB%.*s", (int)n,
			 kb + 2);
		carve_buf_puts(out, "installed\r\n");
		fix_journal(h, "hotfix");
	} else {
		return false;
	}
	return true;
}

static void boot_time(carve_buf *out, const lab_host *h)
{
	struct tm tm;

	gmtime_r(&h->progress.boot_time, &tm);
	carve_buf_printf(out, "%04d%02d%02d%02d%02d%02d.500000+000\r\n", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool lab_migration(lab_answer *a, carve_buf *out, carve_buf *err, lab_site *site,
		   lab_host *self, lab_host *target, const char *script)
{
	char name[64];

	lab_host *named = lab_script_var(name, sizeof(name), script, "computer")
			  ? lab_find_host(site, name) : NULL;

	if (fix(out, err, a, named ? named : target, script)) {
		/* a pre-flight fix */
	} else if (strcasestr(script, "Win32_OperatingSystem")) {
		boot_time(out, target);
	} else if (strcasestr(script, "Windows Messaging Subsystem")) {
		outlook_server(out, site, target);
	} else if (strcasestr(script, "DefaultDomainName")) {
		if (lab_script_var(target->progress.default_domain,
				   sizeof(target->progress.default_domain), script, "target_netbios"))
			journal_pair(target->name, "logon_domain", "value",
				     target->progress.default_domain, "by", self->name);
		carve_buf_printf(out, "%s\r\n", target->progress.default_domain);
	} else if (strstr(script, "drivers\\etc\\hosts")) {
		hosts_edit(a, out, err, site, script, strcasestr(script, "Add-Content") != NULL);
	} else if (self->role == LAB_ADMT && strcasestr(script, "admt.exe computer")) {
		admt_migrate(out, site, script);
	} else if (self->role == LAB_ADMT && strcasestr(script, "PostCheckStatus")) {
		admt_status(out, site);
	} else if (self->role == LAB_ADMT && strcasestr(script, "ADMT\\Logs")) {
		admt_log_lines(out, site, script);
	} else if (self->role == LAB_ADMT && strcasestr(script, "Disable-ADAccount")) {
		lab_host *h = lab_script_var(name, sizeof(name), script, "computer")
			      ? lab_find_host(site, name) : NULL;
		if (!h) {
			carve_buf_printf(err, "Disable-ADAccount : Cannot find an object with"
					 " identity: '%s$'\r\n", name);
			a->exit_status = 1;
		} else {
			if (!h->progress.source_disabled)
				journal_pair(h->name, "source_account", "change", "disabled", "by",
					     self->name);
			h->progress.source_disabled = true;
			carve_buf_puts(out, "False\r\n");
		}
	} else if (self->role == LAB_MAIL && strcasestr(script, "New-MoveRequest")) {
		move_start(out, site, script);
	} else if (self->role == LAB_MAIL && strcasestr(script, "Get-EventLog")) {
		mail_triage(out, site, self, script);
	} else if (self->role == LAB_MAIL && strcasestr(script, "Get-MoveRequestStatistics")) {
		move_status(out, site, self);
	} else if (self->role == LAB_MAIL && strcasestr(script, "-DomainController")) {
		source_meu(out, site, script);
	} else {
		return false;
	}
	return true;
}
