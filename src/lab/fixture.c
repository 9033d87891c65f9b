/*
 * fixture.c - the lab fixture: a YAML file describing each simulated host's
 * state and faults.  Read with the plan loader's YAML tree (positions,
 * duplicate keys, anchors refused), so a mistake is reported as
 * FILE:LINE:COL like a plan's.
 *
 *   lab:       { user, authorized_key, host_keys, passwords }
 *   accounts:  [ { name, user, password_sha256 } ]  (accounts.c)
 *   site:      { namespace, cas (Outlook 2003's old and new server),
 *                source, target: { netbios, dns }, source_exchange,
 *                mrs_proxy, source_gc, smtp_domain, admt_minute }
 *   groups:    [ { name, sid, members } ]  (domain groups, nested)
 *   computers: [ { name, os, last_logon_days } ]  (source computer
 *                accounts no host plays)
 *   defaults:  any host field, applied to every host first
 *   hosts:     [ { name, port, role, os, power, disk_free, hotfixes,
 *                  registry_hotfixes, services, administrators, nics,
 *                  firewall, firewall_policy, remote_admin, domain,
 *                  language, locked_profile, outlook, outlook_profile,
 *                  hosts_file, user,
 *                  logged_on, logged_on_source, last_logon_days,
 *                  ad_module, exchange_tools, files, quota, move_rate,
 *                  faults, replay } ]
 *   mailboxes: [ { user, size, items, bad_items, target_smtp } ]
 *   costs:     { powershell_start, powershell_memory, wmi_query,
 *                rpc_timeout, ping_timeout, exchange_cmdlet }  (and a
 *                host's cores)
 */
#include "lab.h"
#include "plan_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const lab_service_names[SVC__COUNT] = {
	"RemoteRegistry", "LanmanServer", "LanmanWorkstation", "Netlogon",
};

typedef struct {
	carve_diags *diags;
	const char *dir; /* the fixture's directory, for relative paths */
} loader;

static void bad(loader *l, const pnode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bad(loader *l, const pnode *n, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	carve_diags_add(l->diags, n ? n->line : 1, n ? n->col : 1, "%s", message);
}

static const char *scalar(loader *l, const pnode *n, const char *what)
{
	if (!n || n->kind != PNODE_SCALAR) {
		bad(l, n, "'%s' must be a single value", what);
		return NULL;
	}
	return n->u.str;
}

static void copy(loader *l, char *dst, size_t cap, const pnode *n, const char *what)
{
	const char *s = scalar(l, n, what);

	if (!s)
		return;
	if (strlen(s) >= cap) {
		bad(l, n, "'%s' is too long", what);
		return;
	}
	memcpy(dst, s, strlen(s) + 1);
}

static void path_of(loader *l, char *dst, size_t cap, const pnode *n, const char *what)
{
	char rel[1024] = "";

	copy(l, rel, sizeof(rel), n, what);
	if (rel[0] == '/' || !rel[0])
		snprintf(dst, cap, "%s", rel);
	else
		snprintf(dst, cap, "%s/%s", l->dir, rel);
}

static bool boolean(loader *l, const pnode *n, const char *what)
{
	const char *s = scalar(l, n, what);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		return true;
	if (s && strcmp(s, "false") && strcmp(s, "no") && strcmp(s, "off"))
		bad(l, n, "'%s' must be true or false", what);
	return false;
}

/* 20GiB, 512MiB, 1000000 (bytes). */
static uint64_t size_of(loader *l, const pnode *n, const char *what)
{
	const char *s = scalar(l, n, what);
	char *end;

	if (!s)
		return 0;
	double v = strtod(s, &end);
	static const struct { const char *unit; double mul; } units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1024.0 }, { "MiB", 1048576.0 },
		{ "GiB", 1073741824.0 }, { "TiB", 1099511627776.0 },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end != s && v >= 0 && strcmp(end, units[i].unit) == 0)
			return (uint64_t)(v * units[i].mul);
	bad(l, n, "'%s' must be a size such as 20GiB or 512MiB", what);
	return 0;
}

/* 250ms, 5s, 2m; "never" gives -1 when allowed. */
static int64_t ms_of(loader *l, const pnode *n, const char *what, bool never_ok)
{
	const char *s = scalar(l, n, what);
	char *end;

	if (!s)
		return 0;
	if (never_ok && strcmp(s, "never") == 0)
		return -1;
	long v = strtol(s, &end, 10);
	if (end != s && v >= 0) {
		if (!strcmp(end, "ms"))
			return v;
		if (!strcmp(end, "s"))
			return v * 1000L;
		if (!strcmp(end, "m"))
			return v * 60000L;
	}
	bad(l, n, "'%s' must be a duration such as 250ms, 5s or 2m", what);
	return 0;
}

typedef void (*item_fn)(loader *l, lab_host *h, const pnode *item, size_t i);

static void each(loader *l, lab_host *h, const pnode *seq, const char *what, size_t max,
		 size_t *count, item_fn fn)
{
	if (!seq || seq->kind != PNODE_SEQ) {
		bad(l, seq, "'%s' must be a list", what);
		return;
	}
	if (seq->len > max) {
		bad(l, seq, "'%s' has too many items", what);
		return;
	}
	for (size_t i = 0; i < seq->len; i++)
		fn(l, h, seq->u.kids[i], i);
	*count = seq->len;
}

static void hotfix_item(loader *l, lab_host *h, const pnode *n, size_t i)
{
	copy(l, h->hotfixes[i], sizeof(h->hotfixes[i]), n, "hotfixes");
}

static void admin_item(loader *l, lab_host *h, const pnode *n, size_t i)
{
	copy(l, h->admins[i], sizeof(h->admins[i]), n, "administrators");
}

static void hosts_item(loader *l, lab_host *h, const pnode *n, size_t i)
{
	copy(l, h->hosts_file[i], sizeof(h->hosts_file[i]), n, "hosts_file");
}

static void registry_hotfix_item(loader *l, lab_host *h, const pnode *n, size_t i)
{
	copy(l, h->registry_hotfixes[i], sizeof(h->registry_hotfixes[i]), n, "registry_hotfixes");
}

/* A file the fixture puts on a host's disk (a file server's update
 * packages): its local path; its content is a stand-in. */
static void file_item(loader *l, lab_host *h, const pnode *n, size_t i)
{
	lab_file *f = &h->files[i];

	memset(f, 0, sizeof(*f));
	copy(l, f->path, sizeof(f->path), n, "files");
	for (char *p = f->path; *p; p++)
		if (*p == '/')
			*p = '\\';
	if (!(f->path[0] && f->path[1] == ':' && f->path[2] == '\\'))
		bad(l, n, "a file's path must be a local Windows path (C:\\...), not '%s'", f->path);
	f->data = strdup("MZ");
	f->len = f->data ? 2 : 0;
	f->mtime = time(NULL) - 86400;
}

static void nic_item(loader *l, lab_host *h, const pnode *n, size_t i)
{
	lab_nic *nic = &h->nics[i];

	if (n->kind != PNODE_MAP) {
		bad(l, n, "'%s' items must be mappings", "nics");
		return;
	}
	*nic = (lab_nic){ "", "wired", true, false };
	for (size_t k = 0; k + 1 < n->len; k += 2) {
		const char *key = n->u.kids[k]->u.str;
		const pnode *v = n->u.kids[k + 1];
		if (!strcmp(key, "name"))
			copy(l, nic->name, sizeof(nic->name), v, "name");
		else if (!strcmp(key, "kind"))
			copy(l, nic->kind, sizeof(nic->kind), v, "kind");
		else if (!strcmp(key, "enabled"))
			nic->enabled = boolean(l, v, "enabled");
		else if (!strcmp(key, "unplugged"))
			nic->unplugged = boolean(l, v, "unplugged");
		else
			bad(l, n->u.kids[k], "unknown nic key '%s'", key);
	}
	if (strcmp(nic->kind, "wired") && strcmp(nic->kind, "wireless") &&
	    strcmp(nic->kind, "secondary"))
		bad(l, n, "nic kind must be wired, wireless or secondary, not '%s'", nic->kind);
}

static void apply_services(loader *l, lab_host *h, const pnode *map)
{
	if (!map || map->kind != PNODE_MAP) {
		bad(l, map, "'%s' must be a mapping of service: running|stopped|disabled",
		    "services");
		return;
	}
	for (size_t k = 0; k + 1 < map->len; k += 2) {
		const char *name = map->u.kids[k]->u.str;
		const char *state = scalar(l, map->u.kids[k + 1], name);
		int s = 0;
		while (s < SVC__COUNT && strcasecmp(lab_service_names[s], name) != 0)
			s++;
		if (s == SVC__COUNT || !state) {
			bad(l, map->u.kids[k], "unknown service '%s'", name);
			continue;
		}
		h->service_running[s] = !strcmp(state, "running");
		h->service_auto[s] = strcmp(state, "disabled") != 0;
		if (strcmp(state, "running") && strcmp(state, "stopped") && strcmp(state, "disabled"))
			bad(l, map->u.kids[k + 1], "service state must be running, stopped or "
			    "disabled, not '%s'", state);
	}
}

static void apply_faults(loader *l, lab_host *h, const pnode *map)
{
	lab_faults *f = &h->faults;

	if (!map || map->kind != PNODE_MAP) {
		bad(l, map, "'%s' must be a mapping", "faults");
		return;
	}
	for (size_t k = 0; k + 1 < map->len; k += 2) {
		const char *key = map->u.kids[k]->u.str;
		const pnode *v = map->u.kids[k + 1];
		if (!strcmp(key, "hang_after_auth"))
			f->hang_after_auth = boolean(l, v, key);
		else if (!strcmp(key, "auth_failure"))
			f->auth_failure = boolean(l, v, key);
		else if (!strcmp(key, "changed_host_key"))
			f->changed_host_key = boolean(l, v, key);
		else if (!strcmp(key, "drop_mid_command"))
			f->drop_mid_command = boolean(l, v, key);
		else if (!strcmp(key, "cut_output"))
			f->cut_output = boolean(l, v, key);
		else if (!strcmp(key, "wmi_hang"))
			f->wmi_hang = boolean(l, v, key);
		else if (!strcmp(key, "stdin_hang"))
			f->stdin_hang = boolean(l, v, key);
		else if (!strcmp(key, "latency"))
			f->latency_ms = (uint32_t)ms_of(l, v, key, false);
		else if (!strcmp(key, "slow_output"))
			f->slow_output_ms = (uint32_t)ms_of(l, v, key, false);
		else if (!strcmp(key, "reboot")) {
			int64_t ms = ms_of(l, v, key, true);
			f->reboot_s = ms < 0 ? -1 : (int32_t)(ms / 1000);
		} else if (!strcmp(key, "admt_error"))
			copy(l, f->admt_error, sizeof(f->admt_error), v, key);
		else
			bad(l, map->u.kids[k], "unknown fault '%s'", key);
	}
}

/* Applies one mapping of host fields (the defaults, then the host's own). */
static void apply(loader *l, lab_host *h, const pnode *map)
{
	static const char *const roles[] = { "workstation", "management", "admt", "mail" };
	static const char *const powers[] = { "awake", "asleep", "off" };

	for (size_t k = 0; k + 1 < map->len; k += 2) {
		const char *key = map->u.kids[k]->u.str;
		const pnode *v = map->u.kids[k + 1];
		char word[32] = "";

		if (!strcmp(key, "name")) {
			copy(l, h->name, sizeof(h->name), v, key);
		} else if (!strcmp(key, "port")) {
			const char *s = scalar(l, v, key);
			h->port = s ? atoi(s) : 0;
			if (s && (h->port < 1024 || h->port > 65535))
				bad(l, v, "'%s' must be a port from 1024 to 65535", key);
		} else if (!strcmp(key, "role") || !strcmp(key, "power")) {
			bool role = !strcmp(key, "role");
			const char *const *names = role ? roles : powers;
			size_t n = role ? 4 : 3, i = 0;
			copy(l, word, sizeof(word), v, key);
			while (i < n && strcmp(names[i], word) != 0)
				i++;
			if (i == n)
				bad(l, v, "unknown value '%s'", word);
			else if (role)
				h->role = (lab_role)i;
			else
				h->power = (lab_power)i;
		} else if (!strcmp(key, "os")) {
			copy(l, h->os, sizeof(h->os), v, key);
		} else if (!strcmp(key, "disk_free")) {
			h->disk_free = size_of(l, v, key);
		} else if (!strcmp(key, "hotfixes")) {
			each(l, h, v, key, LAB_MAX_LIST, &h->hotfix_count, hotfix_item);
		} else if (!strcmp(key, "administrators")) {
			each(l, h, v, key, LAB_MAX_LIST, &h->admin_count, admin_item);
		} else if (!strcmp(key, "hosts_file")) {
			each(l, h, v, key, LAB_MAX_LIST, &h->hosts_count, hosts_item);
		} else if (!strcmp(key, "nics")) {
			each(l, h, v, key, 8, &h->nic_count, nic_item);
		} else if (!strcmp(key, "services")) {
			apply_services(l, h, v);
		} else if (!strcmp(key, "firewall")) {
			static const char *const profiles[] = { "domain", "private", "public" };
			for (int p = 0; p < 3; p++) {
				const pnode *on = v && v->kind == PNODE_MAP ? pnode_get(v, profiles[p]) : NULL;
				if (on)
					h->firewall[p] = boolean(l, on, profiles[p]);
			}
			if (!v || v->kind != PNODE_MAP)
				bad(l, v, "'%s' must be a mapping of domain/private/public: "
				    "true|false", key);
		} else if (!strcmp(key, "domain")) {
			copy(l, h->domain, sizeof(h->domain), v, key);
		} else if (!strcmp(key, "locked_profile")) {
			h->locked_profile = boolean(l, v, key);
		} else if (!strcmp(key, "outlook")) {
			const char *s = scalar(l, v, key);
			h->outlook = s ? (unsigned)atoi(s) : 0;
		} else if (!strcmp(key, "outlook_profile")) {
			copy(l, h->outlook_profile, sizeof(h->outlook_profile), v, key);
			if (!h->outlook_profile[0] || strpbrk(h->outlook_profile, "\\"))
				bad(l, v, "outlook_profile must be a registry key name (no '\\')");
		} else if (!strcmp(key, "user")) {
			copy(l, h->user, sizeof(h->user), v, key);
		} else if (!strcmp(key, "logged_on_source")) {
			h->logged_on_source = boolean(l, v, key);
		} else if (!strcmp(key, "cores")) {
			const char *n = scalar(l, v, key);
			h->cores = n ? (unsigned)strtoul(n, NULL, 10) : 0;
			if (!h->cores || h->cores > 256)
				bad(l, v, "cores must be from 1 to 256");
		} else if (!strcmp(key, "quota")) {
			h->quota = size_of(l, v, key);
		} else if (!strcmp(key, "move_rate")) {
			h->move_rate = size_of(l, v, key);
		} else if (!strcmp(key, "firewall_policy")) {
			static const char *const profiles[] = { "domain", "private", "public" };
			for (int p = 0; p < 3; p++) {
				const pnode *on = v && v->kind == PNODE_MAP ? pnode_get(v, profiles[p]) : NULL;
				if (on)
					h->firewall_policy[p] = boolean(l, on, profiles[p]);
			}
			if (!v || v->kind != PNODE_MAP)
				bad(l, v, "'%s' must be a mapping of domain/private/public: "
				    "true|false", key);
		} else if (!strcmp(key, "remote_admin")) {
			h->remote_admin = boolean(l, v, key);
		} else if (!strcmp(key, "registry_hotfixes")) {
			each(l, h, v, key, LAB_MAX_LIST, &h->registry_hotfix_count, registry_hotfix_item);
		} else if (!strcmp(key, "language")) {
			copy(l, h->language, sizeof(h->language), v, key);
			if (strcmp(h->language, "en") && strcmp(h->language, "de") &&
			    strcmp(h->language, "fr"))
				bad(l, v, "language must be en, de or fr, not '%s'", h->language);
		} else if (!strcmp(key, "logged_on")) {
			h->logged_on = boolean(l, v, key);
		} else if (!strcmp(key, "ad_module")) {
			h->ad_module = boolean(l, v, key);
		} else if (!strcmp(key, "exchange_tools")) {
			h->exchange_tools = boolean(l, v, key);
		} else if (!strcmp(key, "last_logon_days")) {
			const char *d = scalar(l, v, key);
			h->last_logon_days = d ? (unsigned)strtoul(d, NULL, 10) : 0;
		} else if (!strcmp(key, "files")) {
			if (v && v->kind == PNODE_SEQ && v->len &&
			    !(h->files = calloc(v->len, sizeof(*h->files)))) {
				bad(l, v, "%s", "out of memory");
				continue;
			}
			each(l, h, v, key, 256, &h->file_count, file_item);
		} else if (!strcmp(key, "faults")) {
			apply_faults(l, h, v);
		} else if (!strcmp(key, "replay")) {
			path_of(l, h->replay, sizeof(h->replay), v, key);
		} else {
			bad(l, map->u.kids[k], "unknown host key '%s'", key);
		}
	}
}

static void host_defaults(lab_host *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->os, "10");
	h->disk_free = (uint64_t)20 << 30;
	for (int s = 0; s < SVC__COUNT; s++)
		h->service_running[s] = h->service_auto[s] = true;
	h->nics[0] = (lab_nic){ "Ethernet", "wired", true, false };
	h->nic_count = 1;
	h->faults.reboot_s = 5;
	h->quota = (uint64_t)10 << 30;
	h->move_rate = (uint64_t)1 << 30;
	h->progress.boot_time = time(NULL) - 3600;
	strcpy(h->language, "en");
	h->firewall_policy[0] = h->firewall_policy[1] = h->firewall_policy[2] = -1;
	h->remote_admin = true;
	h->cores = 2;
	h->logged_on = true;
	h->last_logon_days = 1;
	strcpy(h->outlook_profile, "Outlook");
}

/* The exec hosts' tools: the ADMT server has the AD module, the mail
 * server the Exchange tools and the AD module, unless the fixture says
 * otherwise. */
static void role_defaults(lab_host *h, const pnode *defaults, const pnode *item)
{
	bool said_ad = pnode_get(item, "ad_module") ||
		       (defaults && defaults->kind == PNODE_MAP && pnode_get(defaults, "ad_module"));
	bool said_ex = pnode_get(item, "exchange_tools") ||
		       (defaults && defaults->kind == PNODE_MAP &&
			pnode_get(defaults, "exchange_tools"));

	if (!said_ad)
		h->ad_module = h->role == LAB_ADMT || h->role == LAB_MAIL;
	if (!said_ex)
		h->exchange_tools = h->role == LAB_MAIL;
}

static void load_mailboxes(loader *l, lab_fixture *fx, const pnode *seq)
{
	if (seq->kind != PNODE_SEQ) {
		bad(l, seq, "'%s' must be a list", "mailboxes");
		return;
	}
	if (!(fx->mailboxes = calloc(seq->len ? seq->len : 1, sizeof(*fx->mailboxes)))) {
		bad(l, seq, "%s", "out of memory");
		return;
	}
	fx->mailbox_count = seq->len;
	for (size_t i = 0; i < seq->len; i++) {
		const pnode *item = seq->u.kids[i];
		lab_mailbox *mb = &fx->mailboxes[i];
		mb->size = (uint64_t)500 << 20;
		mb->items = 5000;
		mb->target_smtp = true;
		if (item->kind != PNODE_MAP) {
			bad(l, item, "%s must be mappings", "mailboxes");
			continue;
		}
		for (size_t k = 0; k + 1 < item->len; k += 2) {
			const char *key = item->u.kids[k]->u.str;
			const pnode *v = item->u.kids[k + 1];
			const char *s;
			if (!strcmp(key, "user"))
				copy(l, mb->user, sizeof(mb->user), v, key);
			else if (!strcmp(key, "size"))
				mb->size = size_of(l, v, key);
			else if ((!strcmp(key, "items") || !strcmp(key, "bad_items")) &&
				 (s = scalar(l, v, key)))
				*(key[0] == 'i' ? &mb->items : &mb->bad_items) = strtoull(s, NULL, 10);
			else if (!strcmp(key, "target_smtp"))
				mb->target_smtp = boolean(l, v, key);
			else if (strcmp(key, "items") && strcmp(key, "bad_items"))
				bad(l, item->u.kids[k], "unknown mailbox key '%s'", key);
		}
		if (!mb->user[0])
			bad(l, item, "a mailbox needs a %s", "user");
	}
}

static void load_domain(loader *l, lab_fixture *fx, const pnode *map, bool source)
{
	if (!map || map->kind != PNODE_MAP) {
		bad(l, map, "'%s' must be a mapping of netbios and dns", source ? "source" : "target");
		return;
	}
	const pnode *nb = pnode_get(map, "netbios"), *dns = pnode_get(map, "dns");
	if (nb)
		copy(l, source ? fx->source_netbios : fx->target_netbios, sizeof(fx->source_netbios),
		     nb, "netbios");
	if (dns)
		copy(l, source ? fx->source_dns : fx->target_dns, sizeof(fx->source_dns), dns, "dns");
}

/* groups: [{ name: 'CONTOSO\Workstation Admins', sid: S-1-5-21-..., members: [...] }] */
static void load_groups(loader *l, lab_fixture *fx, const pnode *seq)
{
	if (seq->kind != PNODE_SEQ) {
		bad(l, seq, "'%s' must be a list", "groups");
		return;
	}
	if (!(fx->groups = calloc(seq->len ? seq->len : 1, sizeof(*fx->groups)))) {
		bad(l, seq, "%s", "out of memory");
		return;
	}
	fx->group_count = seq->len;
	for (size_t i = 0; i < seq->len; i++) {
		const pnode *item = seq->u.kids[i];
		lab_group *g = &fx->groups[i];
		if (item->kind != PNODE_MAP) {
			bad(l, item, "%s must be mappings", "groups");
			continue;
		}
		const pnode *name = pnode_get(item, "name"), *sid = pnode_get(item, "sid");
		const pnode *members = pnode_get(item, "members");
		if (name)
			copy(l, g->name, sizeof(g->name), name, "name");
		if (sid)
			copy(l, g->sid, sizeof(g->sid), sid, "sid");
		else
			snprintf(g->sid, sizeof(g->sid), "S-1-5-21-3318230751-1525349227-3004412345-%zu",
				 1100 + i);
		if (!strchr(g->name, '\\'))
			bad(l, item, "a group's name is DOMAIN\\name, not '%s'", g->name);
		if (members && members->kind == PNODE_SEQ) {
			for (size_t k = 0; k < members->len && k < LAB_MAX_LIST; k++)
				copy(l, g->members[k], sizeof(g->members[k]), members->u.kids[k], "members");
			g->member_count = members->len < LAB_MAX_LIST ? members->len : LAB_MAX_LIST;
		} else if (members) {
			bad(l, members, "'%s' must be a list", "members");
		}
	}
}

/* computers: [{ name, os, last_logon_days }]: source computer accounts no
 * plan names. */
static void load_computers(loader *l, lab_fixture *fx, const pnode *seq)
{
	if (seq->kind != PNODE_SEQ) {
		bad(l, seq, "'%s' must be a list", "computers");
		return;
	}
	if (!(fx->computers = calloc(seq->len ? seq->len : 1, sizeof(*fx->computers)))) {
		bad(l, seq, "%s", "out of memory");
		return;
	}
	fx->computer_count = seq->len;
	for (size_t i = 0; i < seq->len; i++) {
		const pnode *item = seq->u.kids[i];
		lab_computer *k = &fx->computers[i];
		snprintf(k->os, sizeof(k->os), "Windows 7 Enterprise");
		k->last_logon_days = 1;
		if (item->kind != PNODE_MAP) {
			bad(l, item, "%s must be mappings", "computers");
			continue;
		}
		const pnode *name = pnode_get(item, "name"), *os = pnode_get(item, "os");
		const pnode *days = pnode_get(item, "last_logon_days");
		if (name)
			copy(l, k->name, sizeof(k->name), name, "name");
		else
			bad(l, item, "a computer needs a %s", "name");
		if (os)
			copy(l, k->os, sizeof(k->os), os, "os");
		if (days) {
			const char *d = scalar(l, days, "last_logon_days");
			k->last_logon_days = d ? (unsigned)strtoul(d, NULL, 10) : 1;
		}
	}
}

static void load_tree(loader *l, lab_fixture *fx, const pnode *root)
{
	const pnode *lab = pnode_get(root, "lab");
	const pnode *defaults = pnode_get(root, "defaults");
	const pnode *hosts = pnode_get(root, "hosts");

	const pnode *site = pnode_get(root, "site"), *mailboxes = pnode_get(root, "mailboxes");

	snprintf(fx->user, sizeof(fx->user), "carve");
	snprintf(fx->namespace, sizeof(fx->namespace), "mail.fabrikam.com");
	snprintf(fx->cas, sizeof(fx->cas), "outlook.contoso.com");
	snprintf(fx->source_netbios, sizeof(fx->source_netbios), "FABRIKAM");
	snprintf(fx->source_dns, sizeof(fx->source_dns), "fabrikam.local");
	snprintf(fx->target_netbios, sizeof(fx->target_netbios), "CONTOSO");
	snprintf(fx->target_dns, sizeof(fx->target_dns), "contoso.com");
	fx->source_exchange = 2010;
	fx->admt_minute_ms = 1000;
	snprintf(fx->mrs_proxy, sizeof(fx->mrs_proxy), "mail.fabrikam.com");
	snprintf(fx->source_gc, sizeof(fx->source_gc), "dc01.fabrikam.local");
	const pnode *groups = pnode_get(root, "groups");
	const pnode *computers = pnode_get(root, "computers");
	if (groups)
		load_groups(l, fx, groups);
	if (computers)
		load_computers(l, fx, computers);
	if (site && site->kind == PNODE_MAP) {
		for (size_t k = 0; k + 1 < site->len; k += 2) {
			const char *key = site->u.kids[k]->u.str;
			const pnode *v = site->u.kids[k + 1];
			if (!strcmp(key, "namespace"))
				copy(l, fx->namespace, sizeof(fx->namespace), v, key);
			else if (!strcmp(key, "cas"))
				copy(l, fx->cas, sizeof(fx->cas), v, key);
			else if (!strcmp(key, "source") || !strcmp(key, "target"))
				load_domain(l, fx, v, !strcmp(key, "source"));
			else if (!strcmp(key, "source_exchange")) {
				const char *ver = scalar(l, v, key);
				fx->source_exchange = ver ? (unsigned)atoi(ver) : 0;
				if (fx->source_exchange != 2003 && fx->source_exchange != 2007 &&
				    fx->source_exchange != 2010)
					bad(l, v, "source_exchange must be 2003, 2007 or 2010");
			} else if (!strcmp(key, "mrs_proxy"))
				copy(l, fx->mrs_proxy, sizeof(fx->mrs_proxy), v, key);
			else if (!strcmp(key, "source_gc"))
				copy(l, fx->source_gc, sizeof(fx->source_gc), v, key);
			else if (!strcmp(key, "smtp_domain"))
				copy(l, fx->smtp_domain, sizeof(fx->smtp_domain), v, key);
			else if (!strcmp(key, "admt_minute")) {
				int64_t ms = ms_of(l, v, key, false);
				fx->admt_minute_ms = ms > 0 ? (unsigned)ms : 1;
			} else
				bad(l, site->u.kids[k], "unknown site key '%s'", key);
		}
	} else if (site) {
		bad(l, site, "'%s' must be a mapping", "site");
	}
	if (!fx->smtp_domain[0]) {
		const char *dot = strchr(fx->namespace, '.');
		snprintf(fx->smtp_domain, sizeof(fx->smtp_domain), "%s", dot ? dot + 1 : fx->namespace);
	}
	if (mailboxes)
		load_mailboxes(l, fx, mailboxes);
	const pnode *costs = pnode_get(root, "costs");
	if (costs && costs->kind != PNODE_MAP)
		bad(l, costs, "'%s' must be a mapping", "costs");
	for (size_t k = 0; costs && costs->kind == PNODE_MAP && k + 1 < costs->len; k += 2) {
		const char *key = costs->u.kids[k]->u.str;
		const pnode *v = costs->u.kids[k + 1];
		lab_costs *c = &fx->costs;
		if (!strcmp(key, "powershell_start"))
			c->powershell_start_ms = (uint32_t)ms_of(l, v, key, false);
		else if (!strcmp(key, "powershell_memory"))
			c->powershell_mib = (uint32_t)(size_of(l, v, key) >> 20);
		else if (!strcmp(key, "wmi_query"))
			c->wmi_query_ms = (uint32_t)ms_of(l, v, key, false);
		else if (!strcmp(key, "rpc_timeout"))
			c->rpc_timeout_ms = (uint32_t)ms_of(l, v, key, false);
		else if (!strcmp(key, "ping_timeout"))
			c->ping_timeout_ms = (uint32_t)ms_of(l, v, key, false);
		else if (!strcmp(key, "exchange_cmdlet"))
			c->exchange_ms = (uint32_t)ms_of(l, v, key, false);
		else
			bad(l, costs->u.kids[k], "unknown cost '%s'", key);
	}
	if (lab && lab->kind == PNODE_MAP) {
		for (size_t k = 0; k + 1 < lab->len; k += 2) {
			const char *key = lab->u.kids[k]->u.str;
			const pnode *v = lab->u.kids[k + 1];
			if (!strcmp(key, "user"))
				copy(l, fx->user, sizeof(fx->user), v, key);
			else if (!strcmp(key, "authorized_key"))
				path_of(l, fx->authorized_key, sizeof(fx->authorized_key), v, key);
			else if (!strcmp(key, "host_keys"))
				path_of(l, fx->host_keys, sizeof(fx->host_keys), v, key);
			else if (!strcmp(key, "passwords"))
				path_of(l, fx->passwords, sizeof(fx->passwords), v, key);
			else
				bad(l, lab->u.kids[k], "unknown lab key '%s'", key);
		}
	}
	if (!fx->authorized_key[0] || !fx->host_keys[0])
		bad(l, lab ? lab : root, "%s needs authorized_key and host_keys", "lab");
	lab_accounts_load(fx, l->diags, pnode_get(root, "accounts"));
	if (defaults && defaults->kind != PNODE_MAP)
		bad(l, defaults, "'%s' must be a mapping", "defaults");
	if (!hosts || hosts->kind != PNODE_SEQ || hosts->len == 0) {
		bad(l, hosts ? hosts : root, "'%s' must be a list of at least one host", "hosts");
		return;
	}
	fx->hosts = calloc(hosts->len, sizeof(*fx->hosts));
	if (!fx->hosts) {
		bad(l, root, "%s", "out of memory");
		return;
	}
	fx->host_count = hosts->len;
	for (size_t i = 0; i < hosts->len; i++) {
		lab_host *h = &fx->hosts[i];
		const pnode *item = hosts->u.kids[i];
		host_defaults(h);
		if (item->kind != PNODE_MAP) {
			bad(l, item, "%s must be mappings", "hosts");
			continue;
		}
		if (defaults && defaults->kind == PNODE_MAP)
			apply(l, h, defaults);
		h->name[0] = '\0';
		apply(l, h, item);
		role_defaults(h, defaults, item);
		if (!h->name[0])
			bad(l, item, "a host needs a %s", "name");
		if (h->role != LAB_WORKSTATION && !h->port)
			bad(l, item, "%s: an exec host needs a port", h->name);
		for (size_t j = 0; j < i; j++) {
			if (!strcasecmp(fx->hosts[j].name, h->name))
				bad(l, item, "host '%s' is listed twice", h->name);
			else if (h->port && fx->hosts[j].port == h->port)
				bad(l, item, "port taken twice (%s)", h->name);
		}
	}
}

int lab_fixture_load(lab_fixture *out, const char *path)
{
	char *buf = NULL, *dir_copy = strdup(path);
	size_t len = 0;
	carve_arena arena;
	pnode *root = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", path);
	if (carve_file_read(&buf, &len, path, PLAN_MAX_BYTES) < 0) {
		fprintf(stderr, "carve-lab: %s\n", carve_error_last()->message);
		free(dir_copy);
		return -1;
	}
	loader l = { carve_diags_new(path), dirname(dir_copy) };
	carve_arena_init(&arena, 64 * 1024);
	if (l.diags && plan_yaml_parse(&root, &arena, l.diags, buf, len) == 0 && root) {
		if (root->kind == PNODE_MAP)
			load_tree(&l, out, root);
		else
			bad(&l, root, "%s", "the fixture must be a mapping");
	}
	carve_diags_finish(l.diags);
	size_t n = carve_diags_count(l.diags);
	for (size_t i = 0; i < n; i++) {
		const carve_diag *d = carve_diags_get(l.diags, i);
		fprintf(stderr, "%s:%u:%u: %s\n", d->file, d->line, d->col, d->message);
	}
	if (l.diags && n == 0 && root)
		rc = 0;
	carve_diags_free(l.diags);
	carve_arena_done(&arena);
	free(buf);
	free(dir_copy);
	if (rc < 0)
		lab_fixture_done(out);
	return rc;
}

void lab_fixture_done(lab_fixture *f)
{
	for (size_t i = 0; i < f->host_count; i++) {
		lab_host *h = &f->hosts[i];
		for (size_t k = 0; k < h->file_count; k++)
			free(h->files[k].data);
		free(h->files);
		for (size_t k = 0; k < h->progress.file_count; k++)
			free(h->progress.files[k].data);
		free(h->progress.files);
	}
	free(f->hosts);
	free(f->mailboxes);
	free(f->groups);
	free(f->computers);
	f->hosts = NULL;
	f->mailboxes = NULL;
	f->groups = NULL;
	f->computers = NULL;
	f->host_count = f->mailbox_count = f->group_count = f->account_count = 0;
	f->computer_count = 0;
}

lab_mailbox *lab_find_mailbox(lab_site *site, const char *user)
{
	for (size_t i = 0; i < site->fixture.mailbox_count; i++)
		if (strcasecmp(site->fixture.mailboxes[i].user, user) == 0)
			return &site->fixture.mailboxes[i];
	return NULL;
}

lab_host *lab_find_host(lab_site *site, const char *name)
{
	for (size_t i = 0; i < site->fixture.host_count; i++)
		if (strcasecmp(site->fixture.hosts[i].name, name) == 0)
			return &site->fixture.hosts[i];
	return NULL;
}

bool lab_host_up(lab_host *h, time_t now)
{
	if (h->progress.restart_at && now >= h->progress.restart_at) {
		/* ADMT's restart after /RestartDelay */
		h->back_at = h->progress.restart_at + (h->faults.reboot_s > 0 ? h->faults.reboot_s : 1);
		if (h->faults.reboot_s < 0)
			h->power = LAB_OFF;
		h->progress.restart_at = 0;
		lab_journal(h->name, "state", "\"change\":\"restart\",\"detail\":\"ADMT\"");
	}
	if (h->back_at && now >= h->back_at) {
		h->progress.boot_time = h->back_at;
		h->back_at = 0;
		h->power = LAB_AWAKE;
		h->locked_profile = false;
	}
	return h->power == LAB_AWAKE && !h->back_at;
}

bool lab_firewall_on(const lab_host *h, int p)
{
	return h->firewall_policy[p] >= 0 ? h->firewall_policy[p] != 0 : h->firewall[p];
}

lab_group *lab_find_group(lab_site *site, const char *name)
{
	for (size_t i = 0; i < site->fixture.group_count; i++)
		if (!strcasecmp(site->fixture.groups[i].name, name))
			return &site->fixture.groups[i];
	return NULL;
}

/* DOMAIN\\name from either form of an account name; *buf holds it. */
static const char *canonical_account(const lab_site *site, const char *account, char *buf,
				     size_t cap)
{
	const char *at = strchr(account, '@');

	if (!at || strchr(account, '\\')) {
		snprintf(buf, cap, "%s", account);
		return buf;
	}
	const char *nb = lab_domain_netbios(site, at + 1);
	snprintf(buf, cap, "%s\\%.*s", nb ? nb : at + 1, (int)(at - account), account);
	return buf;
}

static bool group_has(const lab_site *site, const lab_group *g, const char *account, int depth)
{
	if (depth > 8)
		return false;
	for (size_t i = 0; i < g->member_count; i++) {
		if (!strcasecmp(g->members[i], account))
			return true;
		for (size_t k = 0; k < site->fixture.group_count; k++)
			if (!strcasecmp(site->fixture.groups[k].name, g->members[i]) &&
			    group_has(site, &site->fixture.groups[k], account, depth + 1))
				return true;
	}
	return false;
}

bool lab_group_has(const lab_site *site, const lab_group *g, const char *account)
{
	char buf[LAB_NAME * 2];

	return group_has(site, g, canonical_account(site, account, buf, sizeof(buf)), 0);
}

bool lab_host_admin(const lab_site *site, const lab_host *h, const char *account)
{
	char buf[LAB_NAME * 2];
	const char *who = canonical_account(site, account, buf, sizeof(buf));

	for (size_t i = 0; i < h->admin_count; i++) {
		if (!strcasecmp(h->admins[i], who))
			return true;
		for (size_t k = 0; k < site->fixture.group_count; k++)
			if (!strcasecmp(site->fixture.groups[k].name, h->admins[i]) &&
			    group_has(site, &site->fixture.groups[k], who, 0))
				return true;
	}
	return false;
}

const char *lab_domain_dns(const lab_site *site, const char *netbios)
{
	const lab_fixture *f = &site->fixture;

	if (!strcasecmp(netbios, f->source_netbios))
		return f->source_dns;
	if (!strcasecmp(netbios, f->target_netbios))
		return f->target_dns;
	return netbios;
}

const char *lab_domain_netbios(const lab_site *site, const char *name)
{
	const lab_fixture *f = &site->fixture;

	if (!strcasecmp(name, f->source_netbios) || !strcasecmp(name, f->source_dns))
		return f->source_netbios;
	if (!strcasecmp(name, f->target_netbios) || !strcasecmp(name, f->target_dns))
		return f->target_netbios;
	return NULL;
}
