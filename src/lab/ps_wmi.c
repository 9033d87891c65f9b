/*
 * ps_wmi.c - WMI on the simulated hosts, as PowerShell 2.0 reaches it:
 * Get-WmiObject (-Class, -Filter, -Query with SELECT and ASSOCIATORS OF,
 * -List, -Namespace, -ComputerName), Invoke-WmiMethod, Test-Connection,
 * Restart-Computer, the [wmiclass] and [wmi] casts, [adsi] for the WinNT
 * provider's group objects, and the registry through StdRegProv.
 *
 * Each class lists its properties with the Windows versions that have
 * them, after the class pages of the WMI reference
 * (learn.microsoft.com/windows/win32/cimwin32prov/<class>) and their
 * "Windows XP: This property is not available" notes: on XP,
 * Win32_NetworkAdapter has no NetEnabled, PhysicalAdapter or GUID and no
 * Enable()/Disable() methods ("Windows Vista" is the minimum in the method
 * pages), and Win32_OperatingSystem no OSArchitecture.  A WQL query that
 * names a property the class does not have on that machine fails with
 * "Invalid query" (0x80041017), a class it does not have with "Invalid
 * class" (systeminformation issue 526 shows XP's wmic answering so for
 * NetEnabled).  StdRegProv is in root\default everywhere and in
 * root\cimv2 only from Vista on.
 *
 * Reaching another machine is DCOM: the target must be up (else "The RPC
 * server is unavailable. (Exception from HRESULT: 0x800706BA)"), its
 * firewall must let remote administration through, the session must carry
 * network credentials and its account must be a local administrator there
 * (else "Access is denied. (Exception from HRESULT: 0x80070005
 * (E_ACCESSDENIED))").
 */
#include "ps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NPARAMS(p) CARVE_ARRAY_SIZE(p)
#define ALL 0u

enum { OS_XP = 1, OS_NT6 = 2, OS_ANY = 3 };

static unsigned os_bit(const lab_host *h)
{
	return !strcmp(h->os, "xp") ? OS_XP : OS_NT6;
}

typedef struct {
	const char *name;
	unsigned os;
} wmi_prop;

typedef struct wmi_class wmi_class;

/* An instance's state, behind its ps_obj. */
typedef struct {
	const wmi_class *cls;
	lab_host *host;
	size_t index; /* which NIC, service, ... */
} wmi_inst;

struct wmi_class {
	ps_class ps;            /* the instances' behaviour and type name */
	ps_class class_ps;      /* the class object's (ManagementClass) */
	const char *name;
	const char *ns;         /* root\cimv2 */
	unsigned ns_os;         /* where else: StdRegProv in root\cimv2 from Vista */
	const wmi_prop *props;
	size_t n_props;
	/* the instances on h, appended to out */
	void (*enumerate)(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out);
	/* an instance method; 0 when there is none of that name on h */
	int (*method)(ps_ctx *c, wmi_inst *in, const char *m, const pv *args, size_t n, pv *out);
	/* a static (class) method; 0 when there is none */
	int (*static_method)(ps_ctx *c, lab_host *h, const char *m, const pv *args, size_t n,
			     pv *out);
	const char *methods_nt6; /* methods that exist from Vista on only, "Enable,Disable" */
};

/* ------------------------------------------------------------ connecting */

static bool is_self(const lab_host *self, const char *name)
{
	size_t n = strcspn(name, ".");

	return !*name || !strcmp(name, ".") || !strcasecmp(name, "localhost") ||
	       (strlen(self->name) == n && !strncasecmp(self->name, name, n));
}

typedef enum { WMI_OK, WMI_RPC, WMI_DENIED } wmi_status;

/* The host a WMI connection to name reaches, or why not. */
static wmi_status wmi_connect(ps_ctx *c, const char *name, lab_host **out)
{
	lab_host *self = c->env->self;

	if (is_self(self, name)) {
		*out = self;
		return WMI_OK;
	}
	char label[64];
	snprintf(label, sizeof(label), "%.*s", (int)strcspn(name, "."), name);
	lab_host *h = lab_find_host(c->env->site, label);
	bool silent = !h || !lab_host_up(h, time(NULL)) ||
		      (lab_firewall_on(h, 0) && !h->remote_admin);
	/* DCOM to another machine: a round trip when it answers; when it is
	 * off, or its firewall drops RPC, the connect's SYN retries run out
	 * first (the fixture's rpc_timeout) */
	const lab_costs *k = &c->env->site->fixture.costs;
	uint32_t cost = silent ? k->rpc_timeout_ms : k->wmi_query_ms;
	if (cost)
		ps_sleep(c, cost);
	if (silent || !(h = lab_find_host(c->env->site, label))) /* the lock was let go */
		return WMI_RPC;
	if (h->faults.wmi_hang) {
		/* connected, and the call never returns: Get-WmiObject has no
		 * timeout of its own (its source sets none; ManagementOptions.
		 * Timeout "has no effect on the Connect() method"), so the
		 * caller waits until it gives up.  Ten minutes stand in for
		 * never. */
		ps_sleep(c, 600000);
		return WMI_RPC;
	}
	if (!ps_network_credentials(c) || !lab_host_admin(c->env->site, h, ps_session_user(c)))
		return WMI_DENIED;
	*out = h;
	return WMI_OK;
}

static int connect_error(ps_ctx *c, ps_call *call, wmi_status st)
{
	const char *cmd = call->cmd->name, *type = call->cmd->type_name;
	char category[256], id[256];

	if (st == WMI_RPC) {
		snprintf(category, sizeof(category), "InvalidOperation: (:) [%s], COMException", cmd);
		snprintf(id, sizeof(id), "%s,%s", !strcmp(cmd, "Get-WmiObject") ? "GetWMICOMException"
			 : "InvokeWMICOMException", type);
		return ps_write_error(c, call, "System.Runtime.InteropServices.COMException",
				      carve_arena_strdup(&c->arena, category),
				      carve_arena_strdup(&c->arena, id),
				      "The RPC server is unavailable. (Exception from HRESULT: "
				      "0x800706BA)");
	}
	snprintf(category, sizeof(category), "NotSpecified: (:) [%s], UnauthorizedAccessException",
		 cmd);
	snprintf(id, sizeof(id), "System.UnauthorizedAccessException,%s", type);
	return ps_write_error(c, call, "System.UnauthorizedAccessException",
			      carve_arena_strdup(&c->arena, category), carve_arena_strdup(&c->arena, id),
			      "Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))");
}

static int management_error(ps_ctx *c, ps_call *call, const char *message)
{
	char category[256], id[256];
	const char *cmd = call->cmd->name;

	snprintf(category, sizeof(category), "InvalidOperation: (:) [%s], ManagementException", cmd);
	snprintf(id, sizeof(id), "%s,%s", !strcmp(cmd, "Get-WmiObject") ? "GetWMIManagementException"
		 : "InvokeWMIManagementException", call->cmd->type_name);
	return ps_write_error(c, call, "System.Management.ManagementException",
			      carve_arena_strdup(&c->arena, category), carve_arena_strdup(&c->arena, id),
			      "%s", message);
}

/* ------------------------------------------------------------ instances */

/* CIM_DATETIME: yyyymmddHHMMSS.mmmmmmsUUU (learn.microsoft.com wmisdk
 * cim-datetime); the lab's hosts keep UTC. */
static pv cim_datetime(ps_ctx *c, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	return pv_strf(c, "%04d%02d%02d%02d%02d%02d.500000+000", tm.tm_year + 1900, tm.tm_mon + 1,
		       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static ps_obj *new_instance(ps_ctx *c, const wmi_class *cls, lab_host *h, size_t index)
{
	ps_obj *o = ps_obj_new(c, &cls->ps);
	wmi_inst *in = carve_arena_calloc(&c->arena, 1, sizeof(*in));

	if (!o || !in)
		return NULL;
	in->cls = cls;
	in->host = h;
	in->index = index;
	o->data = in;
	ps_obj_set(c, o, "__CLASS", pv_str(c, cls->name));
	ps_obj_set(c, o, "__SERVER", pv_str(c, h->name));
	ps_obj_set(c, o, "__NAMESPACE", pv_str(c, cls->ns));
	return o;
}

/* Sets a property only if the class has it on this host's Windows. */
static void prop(ps_ctx *c, ps_obj *o, const char *name, pv v)
{
	const wmi_inst *in = o->data;
	unsigned os = os_bit(in->host);

	for (size_t i = 0; i < in->cls->n_props; i++)
		if (!strcasecmp(in->cls->props[i].name, name)) {
			if (in->cls->props[i].os & os)
				ps_obj_set(c, o, in->cls->props[i].name, v);
			return;
		}
}

static void set_path(ps_ctx *c, ps_obj *o, const char *relpath)
{
	const wmi_inst *in = o->data;
	carve_buf b = CARVE_BUF_INIT;

	carve_buf_printf(&b, "\\\\%s\\%s:%s", in->host->name, in->cls->ns, relpath);
	ps_obj_set(c, o, "__RELPATH", pv_str(c, relpath));
	ps_obj_set(c, o, "__PATH", pv_str(c, carve_buf_cstr(&b)));
	carve_buf_done(&b);
}

static pv return_value(ps_ctx *c, int64_t code)
{
	ps_obj *o = ps_obj_new(c, &ps_class_psobject);

	ps_obj_set(c, o, "__GENUS", pv_int(2));
	ps_obj_set(c, o, "__CLASS", pv_str(c, "__PARAMETERS"));
	ps_obj_set(c, o, "ReturnValue", pv_int(code));
	return pv_obj(o);
}

static void journal_host(const lab_host *h, const char *change, const char *detail)
{
	carve_buf j = CARVE_BUF_INIT;

	carve_buf_puts(&j, "\"change\":");
	carve_buf_json_string(&j, change);
	if (detail) {
		carve_buf_puts(&j, ",\"detail\":");
		carve_buf_json_string(&j, detail);
	}
	lab_journal(h->name, "state", carve_buf_cstr(&j));
	carve_buf_done(&j);
}

/* ---- Win32_OperatingSystem ---- */

static const wmi_prop os_props[] = {
	{ "Caption", OS_ANY }, { "Version", OS_ANY }, { "BuildNumber", OS_ANY },
	{ "CSName", OS_ANY }, { "LastBootUpTime", OS_ANY }, { "LocalDateTime", OS_ANY },
	{ "WindowsDirectory", OS_ANY }, { "SystemDrive", OS_ANY },
	{ "ServicePackMajorVersion", OS_ANY }, { "OSArchitecture", OS_NT6 },
	{ "FreePhysicalMemory", OS_ANY }, { "Name", OS_ANY },
};

/* Win32_OperatingSystem.Caption, Version and service pack of each Windows
 * the lab plays: "Microsoft " and the product name, a client edition for
 * a client (learn.microsoft.com win32-operatingsystem; "Microsoft Windows
 * 7 Enterprise" in msinfo32 output, gist adelina1985a); Windows 11 reports
 * "Microsoft Windows 11 Enterprise" though its registry ProductName still
 * says Windows 10 (damienvanrobaeys/About_my_device issue 14).  The
 * trailing space after Vista's and 7's is widely seen in scripts that
 * .Trim() it; no Microsoft page shows it.  "8" plays Windows 8.1. */
static const struct {
	const char *os, *caption, *version;
	int sp;
} os_names[] = {
	{ "xp", "Microsoft Windows XP Professional", "5.1.2600", 3 },
	{ "vista", "Microsoft Windows Vista Business ", "6.0.6002", 2 },
	{ "7", "Microsoft Windows 7 Enterprise ", "6.1.7601", 1 },
	{ "8", "Microsoft Windows 8.1 Enterprise", "6.3.9600", 0 },
	{ "10", "Microsoft Windows 10 Enterprise", "10.0.19045", 0 },
	{ "11", "Microsoft Windows 11 Enterprise", "10.0.22631", 0 },
};

const char *lab_os_caption(const lab_host *h)
{
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(os_names); i++)
		if (!strcmp(os_names[i].os, h->os) && h->role == LAB_WORKSTATION)
			return os_names[i].caption;
	return "Microsoft Windows Server 2008 R2 Enterprise ";
}

static void os_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	const char *caption = lab_os_caption(h), *version = "6.1.7601";
	int sp = 1;
	ps_obj *o = new_instance(c, cls, h, 0);

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(os_names); i++)
		if (!strcmp(os_names[i].os, h->os) && h->role == LAB_WORKSTATION) {
			version = os_names[i].version;
			sp = os_names[i].sp;
		}
	prop(c, o, "Caption", pv_str(c, caption));
	prop(c, o, "Version", pv_str(c, version));
	prop(c, o, "BuildNumber", pv_str(c, strrchr(version, '.') + 1));
	prop(c, o, "CSName", pv_str(c, h->name));
	prop(c, o, "LastBootUpTime", cim_datetime(c, h->progress.boot_time));
	prop(c, o, "LocalDateTime", cim_datetime(c, time(NULL)));
	prop(c, o, "WindowsDirectory", pv_str(c, lab_windows_dir(h)));
	prop(c, o, "SystemDrive", pv_str(c, "C:"));
	prop(c, o, "ServicePackMajorVersion", pv_int(sp));
	prop(c, o, "OSArchitecture", pv_str(c, "64-bit"));
	prop(c, o, "FreePhysicalMemory", pv_int(1048576));
	prop(c, o, "Name", pv_strf(c, "%s|%s\\Device\\Harddisk0\\Partition1", caption,
				   lab_windows_dir(h)));
	set_path(c, o, "Win32_OperatingSystem=@");
	pv_list_push(c, out, pv_obj(o));
}

/* A restart: the host goes down at once and is back after its fault's
 * delay (or never). */
static void restart_host(ps_ctx *c, lab_host *h, const char *by)
{
	time_t now = time(NULL);

	if (h->faults.reboot_s < 0)
		h->power = LAB_OFF;
	else
		h->back_at = now + (h->faults.reboot_s ? h->faults.reboot_s : 1);
	h->progress.restart_at = 0;
	journal_host(h, "restart", by);
	if (h == c->env->self)
		c->reboot = true;
}

static int os_method(ps_ctx *c, wmi_inst *in, const char *m, const pv *args, size_t n, pv *out)
{
	int64_t flags = 0;

	if (!strcasecmp(m, "Reboot") && n == 0) {
		restart_host(c, in->host, "Win32_OperatingSystem.Reboot");
		*out = return_value(c, 0);
		return 1;
	}
	if (!strcasecmp(m, "Win32Shutdown") && n >= 1) {
		if (pv_to_int(c, args[0], &flags) < 0)
			return PS_THROW;
		if (flags & 2) /* reboot */
			restart_host(c, in->host, "Win32_OperatingSystem.Win32Shutdown");
		*out = return_value(c, 0);
		return 1;
	}
	return 0;
}

/* ---- Win32_ComputerSystem ---- */

static const wmi_prop cs_props[] = {
	{ "Name", OS_ANY }, { "Domain", OS_ANY }, { "PartOfDomain", OS_ANY },
	{ "UserName", OS_ANY }, { "Workgroup", OS_ANY }, { "DomainRole", OS_ANY },
	{ "Manufacturer", OS_ANY }, { "Model", OS_ANY }, { "DNSHostName", OS_ANY },
};

/* The NetBIOS name of the domain h is in now. */
static const char *current_domain(const lab_site *site, const lab_host *h)
{
	if (h->progress.join_at && time(NULL) >= h->progress.join_at)
		return site->fixture.target_netbios;
	return h->domain;
}

static void cs_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	ps_obj *o = new_instance(c, cls, h, 0);
	const lab_site *site = c->env->site;
	const char *netbios = current_domain(site, h);

	prop(c, o, "Name", pv_str(c, h->name));
	prop(c, o, "Domain", pv_str(c, lab_domain_dns(site, netbios)));
	prop(c, o, "PartOfDomain", pv_bool(true));
	/* the console user: after the migration, in the domain they log on to */
	if (h->user[0] && h->logged_on) {
		const char *logon = h->logged_on_source ? site->fixture.source_netbios : netbios;
		prop(c, o, "UserName", pv_strf(c, "%s\\%s", logon, h->user));
	} else {
		prop(c, o, "UserName", PV_NULL_VALUE);
	}
	prop(c, o, "Workgroup", PV_NULL_VALUE);
	prop(c, o, "DomainRole", pv_int(h->role == LAB_WORKSTATION ? 1 : 3));
	prop(c, o, "Manufacturer", pv_str(c, "Dell Inc."));
	prop(c, o, "Model", pv_str(c, "OptiPlex 755"));
	prop(c, o, "DNSHostName", pv_str(c, h->name));
	set_path(c, o, carve_arena_strdup(&c->arena, "Win32_ComputerSystem.Name=\"\""));
	pv_list_push(c, out, pv_obj(o));
}

/* ---- Win32_LogicalDisk ---- */

static const wmi_prop disk_props[] = {
	{ "DeviceID", OS_ANY }, { "FreeSpace", OS_ANY }, { "Size", OS_ANY },
	{ "DriveType", OS_ANY }, { "FileSystem", OS_ANY }, { "VolumeName", OS_ANY },
};

static void disk_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	ps_obj *o = new_instance(c, cls, h, 0);

	prop(c, o, "DeviceID", pv_str(c, "C:"));
	prop(c, o, "FreeSpace", pv_int((int64_t)h->disk_free));
	prop(c, o, "Size", pv_int((int64_t)h->disk_free + ((int64_t)60 << 30)));
	prop(c, o, "DriveType", pv_int(3));
	prop(c, o, "FileSystem", pv_str(c, "NTFS"));
	prop(c, o, "VolumeName", pv_str(c, ""));
	set_path(c, o, "Win32_LogicalDisk.DeviceID=\"C:\"");
	pv_list_push(c, out, pv_obj(o));
}

/* ---- Win32_QuickFixEngineering ---- */

static const wmi_prop qfe_props[] = {
	{ "HotFixID", OS_ANY }, { "Description", OS_ANY }, { "Caption", OS_ANY },
	{ "InstalledOn", OS_ANY }, { "ServicePackInEffect", OS_ANY }, { "CSName", OS_ANY },
};

static void qfe_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	for (size_t i = 0; i < h->hotfix_count; i++) {
		ps_obj *o = new_instance(c, cls, h, i);
		prop(c, o, "HotFixID", pv_str(c, h->hotfixes[i]));
		prop(c, o, "Description", pv_str(c, "Update"));
		prop(c, o, "Caption", pv_strf(c, "http://support.microsoft.com/?kbid=%s",
					       h->hotfixes[i] + 2));
		prop(c, o, "InstalledOn", pv_str(c, ""));
		prop(c, o, "ServicePackInEffect", pv_str(c, !strcmp(h->os, "xp") ? "SP4" : ""));
		prop(c, o, "CSName", pv_str(c, h->name));
		pv_list_push(c, out, pv_obj(o));
	}
}

/* ---- accounts and groups: Win32_Group, Win32_UserAccount ---- */

static const wmi_prop account_props[] = {
	{ "Name", OS_ANY }, { "Domain", OS_ANY }, { "SID", OS_ANY }, { "LocalAccount", OS_ANY },
	{ "Caption", OS_ANY }, { "Description", OS_ANY }, { "SIDType", OS_ANY },
};

/* The local Administrators and Users groups, named in the host's language
 * (German VORDEFINIERT\Administratoren, French Administrateurs): scripts
 * must find them by SID (reference sheet section 5). */
static const char *local_group_name(const lab_host *h, bool admins)
{
	if (!strcmp(h->language, "de"))
		return admins ? "Administratoren" : "Benutzer";
	if (!strcmp(h->language, "fr"))
		return admins ? "Administrateurs" : "Utilisateurs";
	return admins ? "Administrators" : "Users";
}

static const wmi_class *find_class(const char *name);

/* An account instance for DOMAIN\name (a group when the fixture knows it
 * as one, or its name says so). */
static ps_obj *account_instance(ps_ctx *c, lab_host *h, const char *account)
{
	char domain[64], name[LAB_NAME];
	const char *slash = strchr(account, '\\');

	snprintf(domain, sizeof(domain), "%.*s", slash ? (int)(slash - account) : 0, account);
	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : account);
	bool group = lab_find_group(c->env->site, account) || strcasestr(name, "Admins") ||
		     strcasestr(name, "Users") || strcasestr(name, "Group");
	const wmi_class *cls = find_class(group ? "Win32_Group" : "Win32_UserAccount");
	ps_obj *o = new_instance(c, cls, h, 0);
	lab_group *g = lab_find_group(c->env->site, account);
	prop(c, o, "Name", pv_str(c, name));
	prop(c, o, "Domain", pv_str(c, domain));
	prop(c, o, "LocalAccount", pv_bool(!strcasecmp(domain, h->name)));
	prop(c, o, "Caption", pv_str(c, account));
	prop(c, o, "SID", g ? pv_str(c, g->sid)
			     : pv_strf(c, "S-1-5-21-1004336348-1177238915-682003330-%u",
				       (unsigned)(strlen(name) * 97 + (unsigned char)name[0])));
	prop(c, o, "SIDType", pv_int(group ? 2 : 1));
	carve_buf rel = CARVE_BUF_INIT;
	carve_buf_printf(&rel, "%s.Domain=\"%s\",Name=\"%s\"", cls->name, domain, name);
	set_path(c, o, carve_arena_strdup(&c->arena, carve_buf_cstr(&rel)));
	carve_buf_done(&rel);
	return o;
}

static void group_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	static const struct { bool admins; const char *sid, *description; } locals[] = {
		{ true, "S-1-5-32-544", "Administrators have complete and unrestricted access to "
		  "the computer/domain" },
		{ false, "S-1-5-32-545", "Users are prevented from making accidental or intentional "
		  "system-wide changes." },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(locals); i++) {
		ps_obj *o = new_instance(c, cls, h, i);
		const char *name = local_group_name(h, locals[i].admins);
		prop(c, o, "Name", pv_str(c, name));
		prop(c, o, "Domain", pv_str(c, h->name));
		prop(c, o, "SID", pv_str(c, locals[i].sid));
		prop(c, o, "LocalAccount", pv_bool(true));
		prop(c, o, "Caption", pv_strf(c, "%s\\%s", h->name, name));
		prop(c, o, "Description", pv_str(c, locals[i].description));
		prop(c, o, "SIDType", pv_int(4));
		carve_buf rel = CARVE_BUF_INIT;
		carve_buf_printf(&rel, "Win32_Group.Domain=\"%s\",Name=\"%s\"", h->name, name);
		set_path(c, o, carve_arena_strdup(&c->arena, carve_buf_cstr(&rel)));
		carve_buf_done(&rel);
		pv_list_push(c, out, pv_obj(o));
	}
	/* a domain member lists the domain's groups too */
	for (size_t i = 0; i < c->env->site->fixture.group_count; i++)
		pv_list_push(c, out, pv_obj(account_instance(c, h, c->env->site->fixture.groups[i].name)));
}

static void user_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	(void)cls;
	carve_buf a = CARVE_BUF_INIT;

	carve_buf_printf(&a, "%s\\Administrator", h->name);
	pv_list_push(c, out, pv_obj(account_instance(c, h, carve_buf_cstr(&a))));
	carve_buf_done(&a);
}

/* The members of the local group named domain\name on h. */
static void group_members(ps_ctx *c, lab_host *h, const char *domain, const char *name,
			  pv_list *out)
{
	if (strcasecmp(domain, h->name) != 0)
		return;
	if (!strcasecmp(name, local_group_name(h, true))) {
		char local[LAB_NAME];
		snprintf(local, sizeof(local), "%s\\Administrator", h->name);
		pv_list_push(c, out, pv_obj(account_instance(c, h, local)));
		for (size_t i = 0; i < h->admin_count; i++) {
			char account[LAB_NAME * 2];
			snprintf(account, sizeof(account), "%s%s%s", strchr(h->admins[i], '\\')
				 ? "" : h->name, strchr(h->admins[i], '\\') ? "" : "\\", h->admins[i]);
			pv_list_push(c, out, pv_obj(account_instance(c, h, account)));
		}
	}
}

/* ---- Win32_NetworkAdapter ---- */

static const wmi_prop nic_props[] = {
	{ "AdapterType", OS_ANY }, { "AdapterTypeId", OS_ANY }, { "Caption", OS_ANY },
	{ "Description", OS_ANY }, { "DeviceID", OS_ANY }, { "Index", OS_ANY },
	{ "MACAddress", OS_ANY }, { "Manufacturer", OS_ANY }, { "Name", OS_ANY },
	{ "NetConnectionID", OS_ANY }, { "NetConnectionStatus", OS_ANY },
	{ "PNPDeviceID", OS_ANY }, { "ProductName", OS_ANY }, { "ServiceName", OS_ANY },
	{ "Speed", OS_ANY }, { "GUID", OS_NT6 }, { "NetEnabled", OS_NT6 },
	{ "PhysicalAdapter", OS_NT6 },
};

static const char *nic_hardware(const lab_nic *n)
{
	if (!strcmp(n->kind, "wireless"))
		return "Intel(R) Centrino(R) Advanced-N 6205";
	if (!strcmp(n->kind, "secondary"))
		return "Realtek PCIe GBE Family Controller";
	return "Intel(R) 82566DM-2 Gigabit Network Connection";
}

void lab_nic_pnp_id(char *out, size_t cap, const lab_host *h, size_t i)
{
	snprintf(out, cap, "PCI\\VEN_8086&DEV_10%02zX&SUBSYS_02111028&REV_02\\4&%X&0&%02zX", i,
		 (unsigned)(strlen(h->name) * 2654435761u), i * 8);
}

static void nic_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	char pnp[128];

	for (size_t i = 0; i < h->nic_count; i++) {
		const lab_nic *n = &h->nics[i];
		ps_obj *o = new_instance(c, cls, h, i);
		const char *hw = nic_hardware(n);
		prop(c, o, "AdapterType", pv_str(c, "Ethernet 802.3"));
		/* Wi-Fi adapters present themselves to NDIS as 802.3 too:
		 * only their names tell them apart. */
		prop(c, o, "AdapterTypeId", pv_int(0));
		prop(c, o, "Caption", pv_strf(c, "[%08zu] %s", i + 1, hw));
		prop(c, o, "Description", pv_str(c, hw));
		prop(c, o, "DeviceID", pv_strf(c, "%zu", i + 1));
		prop(c, o, "Index", pv_int((int64_t)i + 1));
		prop(c, o, "MACAddress", pv_strf(c, "00:1A:A0:%02zX:%02X:%02X", i,
						 (unsigned)h->name[0], (unsigned)strlen(h->name)));
		prop(c, o, "Manufacturer", pv_str(c, "Intel"));
		prop(c, o, "Name", pv_str(c, hw));
		prop(c, o, "NetConnectionID", pv_str(c, n->name));
		prop(c, o, "NetConnectionStatus", pv_int(!n->enabled ? 0 : n->unplugged ? 7 : 2));
		lab_nic_pnp_id(pnp, sizeof(pnp), h, i);
		prop(c, o, "PNPDeviceID", pv_str(c, pnp));
		prop(c, o, "ProductName", pv_str(c, hw));
		prop(c, o, "ServiceName", pv_str(c, !strcmp(n->kind, "wireless") ? "NETw5x64" : "e1express"));
		prop(c, o, "Speed", n->enabled && !n->unplugged ? pv_int(100000000) : PV_NULL_VALUE);
		prop(c, o, "GUID", pv_strf(c, "{4D36E972-E325-11CE-BFC1-08002BE103%02zX}", i));
		prop(c, o, "NetEnabled", pv_bool(n->enabled));
		prop(c, o, "PhysicalAdapter", pv_bool(true));
		set_path(c, o, pv_to_str(c, pv_strf(c, "Win32_NetworkAdapter.DeviceID=\"%zu\"", i + 1)));
		pv_list_push(c, out, pv_obj(o));
	}
	/* the virtual adapters every Windows has: no connection, no status */
	static const char *const virtuals[] = { "RAS Async Adapter", "WAN Miniport (IP)" };
	for (size_t v = 0; v < CARVE_ARRAY_SIZE(virtuals); v++) {
		ps_obj *o = new_instance(c, cls, h, 100 + v);
		prop(c, o, "Name", pv_str(c, virtuals[v]));
		prop(c, o, "Description", pv_str(c, virtuals[v]));
		prop(c, o, "DeviceID", pv_strf(c, "%zu", 30 + v));
		prop(c, o, "Index", pv_int(30 + (int64_t)v));
		prop(c, o, "NetConnectionID", PV_NULL_VALUE);
		prop(c, o, "NetConnectionStatus", PV_NULL_VALUE);
		prop(c, o, "AdapterTypeId", v ? pv_int(3) : PV_NULL_VALUE);
		prop(c, o, "NetEnabled", pv_bool(false));
		prop(c, o, "PhysicalAdapter", pv_bool(false));
		set_path(c, o, pv_to_str(c, pv_strf(c, "Win32_NetworkAdapter.DeviceID=\"%zu\"", 30 + v)));
		pv_list_push(c, out, pv_obj(o));
	}
}

/* Enable()/Disable(): Windows Vista and later only (the methods' pages in
 * the WMI reference); XP has neither, and the caller sees PowerShell's
 * "doesn't contain a method named" because methods_nt6 hides them. */
static int nic_method(ps_ctx *c, wmi_inst *in, const char *m, const pv *args, size_t n, pv *out)
{
	(void)args;
	bool disable = !strcasecmp(m, "Disable");

	if ((!disable && strcasecmp(m, "Enable")) || n != 0 || in->index >= in->host->nic_count)
		return 0;
	lab_nic *nic = &in->host->nics[in->index];
	if (nic->enabled == !disable) {
		*out = return_value(c, 0);
		return 1;
	}
	nic->enabled = !disable;
	journal_host(in->host, disable ? "nic disabled" : "nic enabled", nic->name);
	*out = return_value(c, 0);
	return 1;
}

/* ---- Win32_Service ---- */

static const wmi_prop service_props[] = {
	{ "Name", OS_ANY }, { "DisplayName", OS_ANY }, { "State", OS_ANY },
	{ "StartMode", OS_ANY }, { "Started", OS_ANY }, { "Status", OS_ANY },
	{ "ProcessId", OS_ANY }, { "PathName", OS_ANY }, { "ServiceType", OS_ANY },
};

static const char *const service_titles[SVC__COUNT] = {
	"Remote Registry", "Server", "Workstation", "Netlogon",
};

static void service_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	for (size_t s = 0; s < SVC__COUNT + 2; s++) {
		ps_obj *o = new_instance(c, cls, h, s);
		bool ours = s < SVC__COUNT;
		const char *name = ours ? lab_service_names[s] : s == SVC__COUNT ? "Spooler" : "W32Time";
		bool running = ours ? h->service_running[s] : true;
		const char *mode = !ours ? "Auto" : !h->service_auto[s] ? "Disabled"
				   : s == SVC_REMOTE_REGISTRY && !running ? "Manual" : "Auto";
		prop(c, o, "Name", pv_str(c, name));
		prop(c, o, "DisplayName", pv_str(c, ours ? service_titles[s]
						  : s == SVC__COUNT ? "Print Spooler" : "Windows Time"));
		prop(c, o, "State", pv_str(c, running ? "Running" : "Stopped"));
		prop(c, o, "StartMode", pv_str(c, mode));
		prop(c, o, "Started", pv_bool(running));
		prop(c, o, "Status", pv_str(c, "OK"));
		prop(c, o, "ProcessId", pv_int(running ? 1000 + (int64_t)s * 4 : 0));
		prop(c, o, "PathName", pv_str(c, "C:\\Windows\\system32\\svchost.exe -k netsvcs"));
		prop(c, o, "ServiceType", pv_str(c, "Share Process"));
		set_path(c, o, pv_to_str(c, pv_strf(c, "Win32_Service.Name=\"%s\"", name)));
		pv_list_push(c, out, pv_obj(o));
	}
}

/* StartService returns 14 for a disabled service, 10 when it runs;
 * ChangeStartMode takes Boot, System, Automatic, Manual, Disabled
 * (cimwin32prov changestartmode-method / startservice-method pages). */
static int service_method(ps_ctx *c, wmi_inst *in, const char *m, const pv *args, size_t n,
			  pv *out)
{
	lab_host *h = in->host;
	size_t s = in->index;

	if (!strcasecmp(m, "StartService") && n == 0) {
		if (s >= SVC__COUNT) {
			*out = return_value(c, 10);
		} else if (!h->service_auto[s]) {
			*out = return_value(c, 14);
		} else {
			bool was = h->service_running[s];
			h->service_running[s] = true;
			if (!was)
				journal_host(h, "service started", lab_service_names[s]);
			*out = return_value(c, was ? 10 : 0);
		}
		return 1;
	}
	if (!strcasecmp(m, "StopService") && n == 0) {
		if (s < SVC__COUNT && h->service_running[s]) {
			h->service_running[s] = false;
			journal_host(h, "service stopped", lab_service_names[s]);
		}
		*out = return_value(c, 0);
		return 1;
	}
	if (!strcasecmp(m, "ChangeStartMode") && n == 1) {
		const char *mode = pv_to_str(c, args[0]);
		static const char *const modes[] = { "Boot", "System", "Automatic", "Manual", "Disabled" };
		size_t k = 0;
		while (k < CARVE_ARRAY_SIZE(modes) && strcasecmp(modes[k], mode))
			k++;
		if (k == CARVE_ARRAY_SIZE(modes)) {
			*out = return_value(c, 21);
			return 1;
		}
		if (s < SVC__COUNT) {
			h->service_auto[s] = k != 4;
			journal_host(h, "service start mode", mode);
		}
		*out = return_value(c, 0);
		return 1;
	}
	return 0;
}

/* ---- Win32_Process ---- */

static const wmi_prop process_props[] = {
	{ "Name", OS_ANY }, { "ProcessId", OS_ANY }, { "CommandLine", OS_ANY },
	{ "ExecutablePath", OS_ANY },
};

static void process_enum(ps_ctx *c, const wmi_class *cls, lab_host *h, pv_list *out)
{
	static const struct { const char *name; int pid; } procs[] = {
		{ "System", 4 }, { "smss.exe", 380 }, { "winlogon.exe", 640 }, { "explorer.exe", 1888 },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(procs); i++) {
		ps_obj *o = new_instance(c, cls, h, i);
		prop(c, o, "Name", pv_str(c, procs[i].name));
		prop(c, o, "ProcessId", pv_int(procs[i].pid));
		prop(c, o, "CommandLine", PV_NULL_VALUE);
		set_path(c, o, pv_to_str(c, pv_strf(c, "Win32_Process.Handle=\"%d\"", procs[i].pid)));
		pv_list_push(c, out, pv_obj(o));
	}
}

/* Create(CommandLine, CurrentDirectory, ProcessStartupInformation): the
 * process runs as the caller, without the caller's network credentials
 * (a remote WMI call is one hop; the process cannot take a second one to a
 * file share), so a program on a UNC path does not start: copy it to the
 * machine first.  Return values per the create-method page: 0 success,
 * 2 access denied, 9 path not found. */
static int process_create(ps_ctx *c, lab_host *h, const char *m, const pv *args, size_t n,
			  pv *out)
{
	if (strcasecmp(m, "Create") || n < 1)
		return 0;
	const char *line = pv_to_str(c, args[0]);
	ps_obj *r = ps_obj_new(c, &ps_class_psobject);
	int code;
	int64_t rv;

	while (*line == ' ')
		line++;
	const char *exe = line[0] == '"' ? line + 1 : line;
	if (exe[0] == '\\' && exe[1] == '\\')
		rv = 2;
	else if (!lab_process_run(c, h, line, false, &code))
		rv = 9;
	else
		rv = 0;
	carve_buf j = CARVE_BUF_INIT;
	carve_buf_puts(&j, "\"command_line\":");
	carve_buf_json_string(&j, line);
	carve_buf_printf(&j, ",\"return\":%lld", (long long)rv);
	lab_journal(h->name, "process", carve_buf_cstr(&j));
	carve_buf_done(&j);
	ps_obj_set(c, r, "__GENUS", pv_int(2));
	ps_obj_set(c, r, "__CLASS", pv_str(c, "__PARAMETERS"));
	ps_obj_set(c, r, "ProcessId", rv == 0 ? pv_int(3000 + (int64_t)(c->steps % 1000))
					      : PV_NULL_VALUE);
	ps_obj_set(c, r, "ReturnValue", pv_int(rv));
	*out = pv_obj(r);
	return 1;
}

/* ---- Win32_PingStatus ---- */

static const wmi_prop ping_props[] = {
	{ "Address", OS_ANY }, { "StatusCode", OS_ANY }, { "ResponseTime", OS_ANY },
	{ "ProtocolAddress", OS_ANY },
};

/* ------------------------------------------------------------ registry */

#define HKCR 2147483648u
#define HKCU 2147483649u
#define HKLM 2147483650u
#define HKU 2147483651u

typedef enum { RV_NONE, RV_SZ, RV_DWORD, RV_BINARY } rv_type;

typedef struct {
	rv_type type;
	const char *s;
	int64_t dword;
	const unsigned char *bin;
	size_t bin_len;
} reg_value;

static const char *const fw_local_profiles[] = { "DomainProfile", "StandardProfile",
						 "PublicProfile" };
static const char *const fw_policy_profiles[] = { "DomainProfile", "StandardProfile",
						  "PrivateProfile", "PublicProfile" };

#define FW_LOCAL "SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy"
#define FW_POLICY "SOFTWARE\\Policies\\Microsoft\\WindowsFirewall"
#define WINLOGON "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"
#define UPDATES "SOFTWARE\\Microsoft\\Updates"
#define MAPI_PROFILES "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging " \
	"Subsystem\\Profiles"
#define MAPI_GLOBAL "13dbb0c8aa05101a9bb000aa002fc45a"

/* Whether a policy profile key exists on this Windows: XP's policy has
 * DomainProfile and StandardProfile, Vista's DomainProfile, PrivateProfile
 * and PublicProfile (MS-GPFAS 2.2.3). */
static bool policy_key_on(const char *name, bool xp)
{
	if (!strcmp(name, "StandardProfile"))
		return xp;
	if (!strcmp(name, "PrivateProfile") || !strcmp(name, "PublicProfile"))
		return !xp;
	return true;
}

/* The policy profile index of a key name: XP's StandardProfile and
 * Vista's PrivateProfile are the same slot. */
static int policy_slot(const char *name)
{
	if (!strcasecmp(name, "DomainProfile"))
		return 0;
	if (!strcasecmp(name, "StandardProfile") || !strcasecmp(name, "PrivateProfile"))
		return 1;
	if (!strcasecmp(name, "PublicProfile"))
		return 2;
	return -1;
}

/* The user's SID in the domain their profile belongs to now. */
static const char *user_sid(ps_ctx *c, const lab_host *h)
{
	const lab_site *site = c->env->site;
	bool target = h->progress.join_at && h->progress.profile_translated;
	unsigned rid = 1100;

	for (const char *p = h->user; *p; p++)
		rid = rid * 31 + (unsigned char)*p;
	return pv_to_str(c, pv_strf(c, "S-1-5-21-%u-%u-%u-%u", target ? 3318230751u : 1177238915u,
				    target ? 1525349227u : 682003330u,
				    (unsigned)strlen(target ? site->fixture.target_netbios
						     : site->fixture.source_netbios) * 1000003u,
				    1000 + rid % 90000));
}

/* Outlook 2003 reconfigures itself on its next connection when the hosts
 * entry leads its old server name to a target mailbox server and the
 * mailbox is there (the seed's "poor man's autodiscover"). */
static void outlook_follow(ps_ctx *c, lab_host *h)
{
	lab_site *site = c->env->site;
	lab_progress *pr = &h->progress;
	size_t len = strlen(site->fixture.namespace);

	if (h->outlook != 2003 || pr->outlook_server[0] || !h->logged_on)
		return;
	lab_mailbox *mb = h->user[0] ? lab_find_mailbox(site, h->user) : NULL;
	for (size_t i = 0; i < h->hosts_count && mb && mb->move.state == MOVE_COMPLETED; i++) {
		size_t hl = strlen(h->hosts_file[i]);
		if (hl > len && !strcasecmp(h->hosts_file[i] + hl - len, site->fixture.namespace)) {
			snprintf(pr->outlook_server, sizeof(pr->outlook_server), "%s",
				 site->fixture.cas);
			journal_host(h, "outlook reconfigured", site->fixture.cas);
		}
	}
}

/* The subkeys of key in hive, into names; false when key does not exist. */
static bool reg_subkeys(ps_ctx *c, lab_host *h, uint32_t hive, const char *key, pv_list *names)
{
	bool xp = !strcmp(h->os, "xp");

	if (hive == HKU && !*key) {
		static const char *const fixed[] = { ".DEFAULT", "S-1-5-19", "S-1-5-20", "S-1-5-18" };
		for (size_t i = 0; i < CARVE_ARRAY_SIZE(fixed); i++)
			pv_list_push(c, names, pv_str(c, fixed[i]));
		if (h->user[0] && h->logged_on) {
			const char *sid = user_sid(c, h);
			pv_list_push(c, names, pv_str(c, sid));
			pv_list_push(c, names, pv_strf(c, "%s_Classes", sid));
		}
		/* An SSH session on this machine has its account's profile
		 * loaded (Win32-OpenSSH loads it, as HKCU works there), so
		 * its hive is under HKU too, with no Outlook profile. */
		if (h == c->env->self) {
			const char *me = ps_session_sid(c);
			pv_list_push(c, names, pv_str(c, me));
			pv_list_push(c, names, pv_strf(c, "%s_Classes", me));
		}
		return true;
	}
	if (hive == HKU && h->user[0] && h->logged_on && h->outlook) {
		const char *sid = user_sid(c, h);
		char base[300];
		snprintf(base, sizeof(base), "%s\\" MAPI_PROFILES, sid);
		if (!strcasecmp(key, base)) {
			pv_list_push(c, names, pv_str(c, h->outlook_profile));
			return true;
		}
		snprintf(base, sizeof(base), "%s\\" MAPI_PROFILES "\\%s", sid, h->outlook_profile);
		if (!strcasecmp(key, base)) {
			pv_list_push(c, names, pv_str(c, MAPI_GLOBAL));
			pv_list_push(c, names, pv_str(c, "9207f3e0a3b11019908b08002b2a56c2"));
			return true;
		}
	}
	if (hive != HKLM)
		return false;
	if (!strcasecmp(key, FW_LOCAL)) {
		for (int p = 0; p < (xp ? 2 : 3); p++)
			pv_list_push(c, names, pv_str(c, fw_local_profiles[p]));
		return true;
	}
	if (!strcasecmp(key, FW_POLICY)) {
		for (size_t p = 0; p < CARVE_ARRAY_SIZE(fw_policy_profiles); p++) {
			int slot = policy_slot(fw_policy_profiles[p]);
			if (h->firewall_policy[slot] >= 0 && policy_key_on(fw_policy_profiles[p], xp))
				pv_list_push(c, names, pv_str(c, fw_policy_profiles[p]));
		}
		return true;
	}
	if (xp && !strcasecmp(key, UPDATES)) {
		if (h->registry_hotfix_count)
			pv_list_push(c, names, pv_str(c, "Windows XP"));
		return true;
	}
	if (xp && !strcasecmp(key, UPDATES "\\Windows XP")) {
		pv_list_push(c, names, pv_str(c, "SP4"));
		return true;
	}
	if (xp && !strcasecmp(key, UPDATES "\\Windows XP\\SP4")) {
		for (size_t i = 0; i < h->registry_hotfix_count; i++)
			pv_list_push(c, names, pv_str(c, h->registry_hotfixes[i]));
		return true;
	}
	return !strcasecmp(key, WINLOGON) || !strcasecmp(key, "SOFTWARE") ||
	       !strcasecmp(key, "SYSTEM");
}

static bool reg_get(ps_ctx *c, lab_host *h, uint32_t hive, const char *key, const char *name,
		    reg_value *v)
{
	bool xp = !strcmp(h->os, "xp");

	memset(v, 0, sizeof(*v));
	if (hive == HKLM) {
		char k[300];
		for (int p = 0; p < (xp ? 2 : 3); p++) {
			snprintf(k, sizeof(k), FW_LOCAL "\\%s", fw_local_profiles[p]);
			if (!strcasecmp(key, k) && !strcasecmp(name, "EnableFirewall")) {
				v->type = RV_DWORD;
				v->dword = h->firewall[p];
				return true;
			}
		}
		for (size_t p = 0; p < CARVE_ARRAY_SIZE(fw_policy_profiles); p++) {
			int slot = policy_slot(fw_policy_profiles[p]);
			snprintf(k, sizeof(k), FW_POLICY "\\%s", fw_policy_profiles[p]);
			if (!strcasecmp(key, k) && !strcasecmp(name, "EnableFirewall") &&
			    h->firewall_policy[slot] >= 0 && policy_key_on(fw_policy_profiles[p], xp)) {
				v->type = RV_DWORD;
				v->dword = h->firewall_policy[slot];
				return true;
			}
		}
		if (!strcasecmp(key, WINLOGON) && !strcasecmp(name, "DefaultDomainName")) {
			v->type = RV_SZ;
			v->s = h->progress.default_domain[0] ? h->progress.default_domain : h->domain;
			return true;
		}
		if (!strncasecmp(key, UPDATES "\\Windows XP\\SP4\\", strlen(UPDATES) + 16) && xp &&
		    !strcasecmp(name, "Description")) {
			const char *kb = key + strlen(UPDATES) + 16;
			for (size_t i = 0; i < h->registry_hotfix_count; i++)
				if (!strcasecmp(kb, h->registry_hotfixes[i])) {
					v->type = RV_SZ;
					v->s = pv_to_str(c, pv_strf(c, "Update for Windows XP (%s)", kb));
					return true;
				}
		}
		return false;
	}
	if (hive == HKU && h->user[0] && h->logged_on && h->outlook) {
		const char *sid = user_sid(c, h);
		char base[300];
		snprintf(base, sizeof(base), "%s\\" MAPI_PROFILES, sid);
		if (!strcasecmp(key, base) && !strcasecmp(name, "DefaultProfile")) {
			v->type = RV_SZ;
			v->s = h->outlook_profile;
			return true;
		}
		snprintf(base, sizeof(base), "%s\\" MAPI_PROFILES "\\%s\\" MAPI_GLOBAL, sid,
			 h->outlook_profile);
		if (!strcasecmp(key, base) && !strcasecmp(name, "001e6602")) {
			/* PR_PROFILE_HOME_SERVER, PT_STRING8: the ANSI name and a
			 * NUL, stored as REG_BINARY like every MAPI property */
			outlook_follow(c, h);
			const char *server = h->progress.outlook_server[0]
					     ? h->progress.outlook_server : c->env->site->fixture.namespace;
			size_t n = strlen(server) + 1;
			unsigned char *bin = carve_arena_alloc(&c->arena, n);
			if (bin)
				memcpy(bin, server, n);
			v->type = RV_BINARY;
			v->bin = bin;
			v->bin_len = bin ? n : 0;
			return true;
		}
	}
	return false;
}

/* Writes a value; returns the Win32 code StdRegProv answers (0, 2, 5). */
static int reg_set(ps_ctx *c, lab_host *h, uint32_t hive, const char *key, const char *name,
		   const reg_value *v)
{
	bool xp = !strcmp(h->os, "xp");
	char k[300];

	(void)c;
	if (hive != HKLM)
		return 2;
	for (int p = 0; p < (xp ? 2 : 3); p++) {
		snprintf(k, sizeof(k), FW_LOCAL "\\%s", fw_local_profiles[p]);
		if (!strcasecmp(key, k) && !strcasecmp(name, "EnableFirewall") && v->type == RV_DWORD) {
			h->firewall[p] = v->dword != 0;
			journal_host(h, "registry", k);
			return 0;
		}
	}
	if (!strcasecmp(key, WINLOGON) && !strcasecmp(name, "DefaultDomainName") && v->type == RV_SZ) {
		snprintf(h->progress.default_domain, sizeof(h->progress.default_domain), "%s", v->s);
		journal_host(h, "registry", WINLOGON "\\DefaultDomainName");
		return 0;
	}
	if (!strncasecmp(key, FW_POLICY, strlen(FW_POLICY)))
		return 5; /* Group Policy's keys: only the policy engine writes them */
	return reg_subkeys(c, h, hive, key, &(pv_list){ 0 }) ? 0 : 2;
}

static int regprov_method(ps_ctx *c, lab_host *h, const char *m, const pv *args, size_t n,
			  pv *out)
{
	static const char *const methods[] = {
		"EnumKey", "EnumValues", "GetStringValue", "GetExpandedStringValue", "GetDWORDValue",
		"GetBinaryValue", "SetStringValue", "SetDWORDValue", "CreateKey", "DeleteValue",
		"DeleteKey", "GetMultiStringValue", "CheckAccess",
	};
	size_t k = 0;
	int64_t hive;

	while (k < CARVE_ARRAY_SIZE(methods) && strcasecmp(methods[k], m))
		k++;
	if (k == CARVE_ARRAY_SIZE(methods))
		return 0;
	if (n < 2)
		return ps_throw(c, "System.Management.Automation.MethodException",
				"NotSpecified: (:) [], MethodException", "MethodCountCouldNotFindBest",
				"Cannot find an overload for \"%s\" and the argument count: \"%zu\".", m,
				n);
	if (pv_to_int(c, args[0], &hive) < 0)
		return PS_THROW;
	const char *key = pv_to_str(c, args[1]), *name = n > 2 ? pv_to_str(c, args[2]) : "";
	ps_obj *r = ps_obj_new(c, &ps_class_psobject);
	ps_obj_set(c, r, "__GENUS", pv_int(2));
	ps_obj_set(c, r, "__CLASS", pv_str(c, "__PARAMETERS"));
	reg_value v;
	int rv = 0;
	const char *verb = methods[k];
	if (!strcasecmp(verb, "EnumKey")) {
		pv_list names = { 0 };
		rv = reg_subkeys(c, h, (uint32_t)hive, key, &names) ? 0 : 2;
		/* a key without subkeys answers sNames = $null, not an empty array */
		ps_array *a = ps_array_new(c);
		for (size_t i = 0; i < names.n; i++)
			ps_array_push(c, a, names.v[i]);
		ps_obj_set(c, r, "sNames", rv == 0 && names.n ? pv_array(a) : PV_NULL_VALUE);
	} else if (!strcasecmp(verb, "GetStringValue") || !strcasecmp(verb, "GetExpandedStringValue")) {
		rv = reg_get(c, h, (uint32_t)hive, key, name, &v) ? (v.type == RV_SZ ? 0 : 1) : 2;
		ps_obj_set(c, r, "sValue", rv == 0 ? pv_str(c, v.s) : PV_NULL_VALUE);
	} else if (!strcasecmp(verb, "GetDWORDValue")) {
		rv = reg_get(c, h, (uint32_t)hive, key, name, &v) ? (v.type == RV_DWORD ? 0 : 1) : 2;
		ps_obj_set(c, r, "uValue", rv == 0 ? pv_int(v.dword) : PV_NULL_VALUE);
	} else if (!strcasecmp(verb, "GetBinaryValue")) {
		rv = reg_get(c, h, (uint32_t)hive, key, name, &v) ? (v.type == RV_BINARY ? 0 : 1) : 2;
		if (rv == 0) {
			ps_array *a = ps_array_new(c);
			for (size_t i = 0; i < v.bin_len; i++)
				ps_array_push(c, a, pv_int(v.bin[i]));
			ps_obj_set(c, r, "uValue", pv_array(a));
		} else {
			ps_obj_set(c, r, "uValue", PV_NULL_VALUE);
		}
	} else if (!strcasecmp(verb, "SetStringValue") || !strcasecmp(verb, "SetDWORDValue")) {
		reg_value nv = { 0 };
		bool dword = !strcasecmp(verb, "SetDWORDValue");
		nv.type = dword ? RV_DWORD : RV_SZ;
		if (n < 4)
			return ps_throw(c, "System.Management.Automation.MethodException",
					"NotSpecified: (:) [], MethodException",
					"MethodCountCouldNotFindBest", "Cannot find an overload for \"%s\" "
					"and the argument count: \"%zu\".", m, n);
		if (dword) {
			if (pv_to_int(c, args[3], &nv.dword) < 0)
				return PS_THROW;
		} else {
			nv.s = pv_to_str(c, args[3]);
		}
		rv = reg_set(c, h, (uint32_t)hive, key, name, &nv);
	} else if (!strcasecmp(verb, "CheckAccess")) {
		ps_obj_set(c, r, "bGranted", pv_bool(true));
	} else {
		rv = reg_subkeys(c, h, (uint32_t)hive, key, &(pv_list){ 0 }) ? 0 : 2;
	}
	ps_obj_set(c, r, "ReturnValue", pv_int(rv));
	*out = pv_obj(r);
	return 1;
}

/* ------------------------------------------------------------ classes */

#define INSTANCE_CLASS(n) "System.Management.ManagementObject#root\\cimv2\\" n
#define CLASS_CLASS(ns, n) "System.Management.ManagementClass#" ns "\\" n

static int instance_get(ps_ctx *c, ps_obj *o, const char *name, pv *out);
static int instance_call(ps_ctx *c, ps_obj *o, const char *m, const pv *args, size_t n, pv *out);
static int class_call(ps_ctx *c, ps_obj *o, const char *m, const pv *args, size_t n, pv *out);
static const char *instance_string(ps_ctx *c, ps_obj *o);

#define WMI_CLASS(cname, ns, nsos, props, en, meth, smeth, nt6) \
	{ { INSTANCE_CLASS(cname), instance_get, NULL, instance_call, instance_string, true }, \
	  { CLASS_CLASS(ns, cname), NULL, NULL, class_call, instance_string, false }, \
	  cname, ns, nsos, props, CARVE_ARRAY_SIZE(props), en, meth, smeth, nt6 }

static const wmi_prop no_props[] = { { "__CLASS", OS_ANY } };

static const wmi_class classes[] = {
	WMI_CLASS("Win32_OperatingSystem", "root\\cimv2", 0, os_props, os_enum, os_method, NULL,
		  NULL),
	WMI_CLASS("Win32_ComputerSystem", "root\\cimv2", 0, cs_props, cs_enum, NULL, NULL, NULL),
	WMI_CLASS("Win32_LogicalDisk", "root\\cimv2", 0, disk_props, disk_enum, NULL, NULL, NULL),
	WMI_CLASS("Win32_QuickFixEngineering", "root\\cimv2", 0, qfe_props, qfe_enum, NULL, NULL,
		  NULL),
	WMI_CLASS("Win32_Group", "root\\cimv2", 0, account_props, group_enum, NULL, NULL, NULL),
	WMI_CLASS("Win32_UserAccount", "root\\cimv2", 0, account_props, user_enum, NULL, NULL, NULL),
	WMI_CLASS("Win32_NetworkAdapter", "root\\cimv2", 0, nic_props, nic_enum, nic_method, NULL,
		  "Enable,Disable"),
	WMI_CLASS("Win32_Service", "root\\cimv2", 0, service_props, service_enum, service_method,
		  NULL, NULL),
	WMI_CLASS("Win32_Process", "root\\cimv2", 0, process_props, process_enum, NULL,
		  process_create, NULL),
	WMI_CLASS("Win32_PingStatus", "root\\cimv2", 0, ping_props, NULL, NULL, NULL, NULL),
	WMI_CLASS("Win32_GroupUser", "root\\cimv2", 0, no_props, NULL, NULL, NULL, NULL),
	WMI_CLASS("StdRegProv", "root\\default", OS_NT6, no_props, NULL, NULL, regprov_method, NULL),
};

static const wmi_class *find_class(const char *name)
{
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(classes); i++)
		if (!strcasecmp(classes[i].name, name))
			return &classes[i];
	return NULL;
}

/* Whether the class is in namespace ns on h. */
static bool class_in(const wmi_class *cls, const char *ns, const lab_host *h)
{
	if (!strcasecmp(cls->ns, ns))
		return true;
	return cls->ns_os && (cls->ns_os & os_bit(h)) && !strcasecmp(ns, "root\\cimv2");
}

static bool method_hidden(const wmi_class *cls, const lab_host *h, const char *m)
{
	if (!cls->methods_nt6 || os_bit(h) == OS_NT6)
		return false;
	for (const char *p = cls->methods_nt6; *p;) {
		size_t len = strcspn(p, ",");
		if (strlen(m) == len && !strncasecmp(p, m, len))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static int instance_get(ps_ctx *c, ps_obj *o, const char *name, pv *out)
{
	(void)c, (void)o, (void)name;
	*out = PV_NULL_VALUE; /* a property the class lacks on this Windows reads $null */
	return 0;
}

static int instance_call(ps_ctx *c, ps_obj *o, const char *m, const pv *args, size_t n, pv *out)
{
	wmi_inst *in = o->data;

	if (method_hidden(in->cls, in->host, m) || !in->cls->method)
		return 0;
	if (!lab_host_up(in->host, time(NULL)))
		return ps_throw(c, "System.Management.Automation.MethodInvocationException",
				"NotSpecified: (:) [], MethodInvocationException", "DotNetMethodException",
				"Exception calling \"%s\" : \"The RPC server is unavailable. (Exception "
				"from HRESULT: 0x800706BA)\"", m);
	return in->cls->method(c, in, m, args, n, out);
}

static int class_call(ps_ctx *c, ps_obj *o, const char *m, const pv *args, size_t n, pv *out)
{
	wmi_inst *in = o->data;

	if (!in->cls->static_method)
		return 0;
	if (!lab_host_up(in->host, time(NULL)))
		return ps_throw(c, "System.Management.Automation.MethodInvocationException",
				"NotSpecified: (:) [], MethodInvocationException", "DotNetMethodException",
				"Exception calling \"%s\" : \"The RPC server is unavailable. (Exception "
				"from HRESULT: 0x800706BA)\"", m);
	return in->cls->static_method(c, in->host, m, args, n, out);
}

static const char *instance_string(ps_ctx *c, ps_obj *o)
{
	pv path;

	ps_member_get(c, pv_obj(o), "__PATH", &path);
	return path.k == PV_NULL ? ((wmi_inst *)o->data)->cls->name : pv_to_str(c, path);
}

static pv class_object(ps_ctx *c, const wmi_class *cls, lab_host *h)
{
	ps_obj *o = ps_obj_new(c, &cls->class_ps);
	wmi_inst *in = carve_arena_calloc(&c->arena, 1, sizeof(*in));

	in->cls = cls;
	in->host = h;
	o->data = in;
	ps_obj_set(c, o, "__CLASS", pv_str(c, cls->name));
	ps_obj_set(c, o, "__PATH", pv_strf(c, "\\\\%s\\%s:%s", h->name, cls->ns, cls->name));
	return pv_obj(o);
}

/* ------------------------------------------------------------ WQL */

typedef struct {
	const char *s;
	size_t pos;
	bool bad;
} wql;

static void wql_ws(wql *q)
{
	while (isspace((unsigned char)q->s[q->pos]))
		q->pos++;
}

static bool wql_word(wql *q, const char *w)
{
	size_t n = strlen(w);

	wql_ws(q);
	if (!strncasecmp(q->s + q->pos, w, n) && !isalnum((unsigned char)q->s[q->pos + n]) &&
	    q->s[q->pos + n] != '_') {
		q->pos += n;
		return true;
	}
	return false;
}

static const char *wql_ident(ps_ctx *c, wql *q)
{
	wql_ws(q);
	size_t from = q->pos;
	while (isalnum((unsigned char)q->s[q->pos]) || q->s[q->pos] == '_')
		q->pos++;
	if (from == q->pos) {
		q->bad = true;
		return "";
	}
	return carve_arena_strndup(&c->arena, q->s + from, q->pos - from);
}

/* A literal: 'x', "x", a number, TRUE, FALSE, NULL. */
static pv wql_literal(ps_ctx *c, wql *q)
{
	wql_ws(q);
	char ch = q->s[q->pos];
	if (ch == '\'' || ch == '"') {
		carve_buf b = CARVE_BUF_INIT;
		q->pos++;
		while (q->s[q->pos] && q->s[q->pos] != ch) {
			if (q->s[q->pos] == '\\' && q->s[q->pos + 1])
				q->pos++;
			carve_buf_putc(&b, q->s[q->pos++]);
		}
		if (q->s[q->pos] != ch)
			q->bad = true;
		else
			q->pos++;
		pv v = pv_str(c, carve_buf_cstr(&b));
		carve_buf_done(&b);
		return v;
	}
	if (wql_word(q, "TRUE"))
		return pv_bool(true);
	if (wql_word(q, "FALSE"))
		return pv_bool(false);
	if (wql_word(q, "NULL"))
		return PV_NULL_VALUE;
	char *end;
	long long v = strtoll(q->s + q->pos, &end, 10);
	if (end == q->s + q->pos) {
		q->bad = true;
		return PV_NULL_VALUE;
	}
	q->pos = (size_t)(end - q->s);
	return pv_int(v);
}

/* WQL LIKE: % any run, _ one character, [..] a set. */
static bool wql_like(const char *s, const char *p)
{
	carve_buf b = CARVE_BUF_INIT;

	for (; *p; p++)
		carve_buf_putc(&b, *p == '%' ? '*' : *p == '_' ? '?' : *p);
	bool r = ps_like(s, carve_buf_cstr(&b), false);
	carve_buf_done(&b);
	return r;
}

static bool has_prop(const wmi_class *cls, const lab_host *h, const char *name)
{
	if (name[0] == '_' && name[1] == '_')
		return true;
	for (size_t i = 0; i < cls->n_props; i++)
		if (!strcasecmp(cls->props[i].name, name))
			return (cls->props[i].os & os_bit(h)) != 0;
	return false;
}

static bool wql_or(ps_ctx *c, wql *q, const wmi_class *cls, const lab_host *h, pv inst);

static bool wql_primary(ps_ctx *c, wql *q, const wmi_class *cls, const lab_host *h, pv inst)
{
	wql_ws(q);
	if (wql_word(q, "NOT"))
		return !wql_primary(c, q, cls, h, inst);
	if (q->s[q->pos] == '(') {
		q->pos++;
		bool r = wql_or(c, q, cls, h, inst);
		wql_ws(q);
		if (q->s[q->pos] != ')')
			q->bad = true;
		else
			q->pos++;
		return r;
	}
	const char *name = wql_ident(c, q);
	if (q->bad)
		return false;
	if (!has_prop(cls, h, name)) {
		q->bad = true; /* an unknown property: "Invalid query" */
		return false;
	}
	pv v = PV_NULL_VALUE;
	if (inst.k == PV_OBJ)
		ps_member_get(c, inst, name, &v);
	if (wql_word(q, "IS")) {
		bool not = wql_word(q, "NOT");
		if (!wql_word(q, "NULL"))
			q->bad = true;
		return (v.k == PV_NULL) != not;
	}
	if (wql_word(q, "LIKE")) {
		pv pat = wql_literal(c, q);
		return v.k != PV_NULL && wql_like(pv_to_str(c, v), pv_to_str(c, pat));
	}
	wql_ws(q);
	static const char *const ops[] = { "<>", "!=", "<=", ">=", "=", "<", ">" };
	size_t k = 0;
	while (k < CARVE_ARRAY_SIZE(ops) && strncmp(q->s + q->pos, ops[k], strlen(ops[k])))
		k++;
	if (k == CARVE_ARRAY_SIZE(ops)) {
		q->bad = true;
		return false;
	}
	q->pos += strlen(ops[k]);
	pv lit = wql_literal(c, q);
	if (v.k == PV_NULL || lit.k == PV_NULL)
		return false;
	int r = pv_compare(c, v.k == PV_BOOL ? v : v, lit, false);
	switch (k) {
	case 0: case 1: return r != 0;
	case 2: return r == 0 || r == -1;
	case 3: return r == 0 || r == 1;
	case 4: return r == 0;
	case 5: return r == -1;
	default: return r == 1;
	}
}

static bool wql_and(ps_ctx *c, wql *q, const wmi_class *cls, const lab_host *h, pv inst)
{
	bool r = wql_primary(c, q, cls, h, inst);

	while (!q->bad && wql_word(q, "AND"))
		r = wql_primary(c, q, cls, h, inst) && r;
	return r;
}

static bool wql_or(ps_ctx *c, wql *q, const wmi_class *cls, const lab_host *h, pv inst)
{
	bool r = wql_and(c, q, cls, h, inst);

	while (!q->bad && wql_word(q, "OR"))
		r = wql_and(c, q, cls, h, inst) || r;
	return r;
}

/* Whether where (a WQL condition, or NULL) holds for inst; *bad when the
 * condition does not parse or names a property the class lacks. */
static bool wql_where(ps_ctx *c, const char *where, const wmi_class *cls, const lab_host *h,
		      pv inst, bool *bad)
{
	if (!where || !*where)
		return true;
	wql q = { where, 0, false };
	bool r = wql_or(c, &q, cls, h, inst);
	wql_ws(&q);
	if (q.s[q.pos])
		q.bad = true;
	*bad = q.bad;
	return r && !q.bad;
}

/* ------------------------------------------------------------ Get-WmiObject */

static const char *const gwmi_sets[] = { "query", "list", "WQLQuery", NULL };
static const ps_param gwmi_params[] = {
	{ "Class", NULL, PP_STRING, 0, 0x3, 0x1, false },
	{ "Property", NULL, PP_STRINGS, 1, 0x1, 0, false },
	{ "Filter", NULL, PP_STRING, -1, 0x1, 0, false },
	{ "List", NULL, PP_SWITCH, -1, 0x2, 0x2, false },
	{ "Recurse", NULL, PP_SWITCH, -1, 0x2, 0, false },
	{ "Query", NULL, PP_STRING, -1, 0x4, 0x4, false },
	{ "Namespace", "NS", PP_STRING, -1, ALL, 0, false },
	{ "ComputerName", "Cn", PP_STRINGS, -1, ALL, 0, false },
	{ "Credential", NULL, PP_CREDENTIAL, -1, ALL, 0, false },
	{ "Authentication", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Impersonation", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Authority", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Locale", NULL, PP_STRING, -1, ALL, 0, false },
	{ "EnableAllPrivileges", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Amended", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "DirectRead", NULL, PP_SWITCH, -1, 0x5, 0, false },
	{ "AsJob", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "ThrottleLimit", NULL, PP_INT, -1, ALL, 0, false },
};

static int asjob_not_modelled(ps_ctx *c, ps_call *call)
{
	return ps_throw_cmd(c, call->cmd->name, "System.NotImplementedException",
			    "NotImplemented: (:) [], NotImplementedException", "CarveLabNotModelled",
			    "carve-lab does not model background jobs (-AsJob)");
}

/* "ASSOCIATORS OF {Win32_Group.Domain='X',Name='Y'} WHERE ..." */
static int associators(ps_ctx *c, ps_call *call, lab_host *h, const char *q, pv_list *out)
{
	const char *open = strchr(q, '{'), *close = open ? strchr(open, '}') : NULL;

	if (!open || !close)
		return management_error(c, call, "Invalid query");
	char path[512];
	snprintf(path, sizeof(path), "%.*s", (int)(close - open - 1), open + 1);
	if (strncasecmp(path, "Win32_Group.", 12) != 0 || !strcasestr(close, "Win32_GroupUser"))
		return management_error(c, call, "Invalid query");
	char domain[64] = "", name[128] = "";
	for (const char *p = path + 12; *p;) {
		const char *eq = strchr(p, '=');
		if (!eq)
			break;
		char key[32];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - p), p);
		char quote = eq[1];
		if (quote != '\'' && quote != '"')
			return management_error(c, call, "Invalid object path ");
		const char *end = strchr(eq + 2, quote);
		if (!end)
			return management_error(c, call, "Invalid object path ");
		if (!strcasecmp(key, "Domain"))
			snprintf(domain, sizeof(domain), "%.*s", (int)(end - eq - 2), eq + 2);
		else if (!strcasecmp(key, "Name"))
			snprintf(name, sizeof(name), "%.*s", (int)(end - eq - 2), eq + 2);
		p = end + 1;
		if (*p == ',')
			p++;
	}
	group_members(c, h, domain, name, out);
	return 0;
}

static int select_query(ps_ctx *c, ps_call *call, lab_host *h, const char *ns, const char *q,
			const char *class_name, const char *filter, pv_list *out)
{
	char cls_name[128] = "";
	const char *where = filter;

	if (q) {
		wql w = { q, 0, false };
		if (wql_word(&w, "ASSOCIATORS")) {
			if (!wql_word(&w, "OF"))
				return management_error(c, call, "Invalid query");
			return associators(c, call, h, q + w.pos, out);
		}
		if (!wql_word(&w, "SELECT"))
			return management_error(c, call, "Invalid query");
		wql_ws(&w);
		while (w.s[w.pos] && !wql_word(&w, "FROM"))
			w.pos++;
		snprintf(cls_name, sizeof(cls_name), "%s", wql_ident(c, &w));
		if (w.bad)
			return management_error(c, call, "Invalid query");
		where = wql_word(&w, "WHERE") ? q + w.pos : NULL;
		wql_ws(&w);
		if (!where && w.s[w.pos])
			return management_error(c, call, "Invalid query");
	} else {
		snprintf(cls_name, sizeof(cls_name), "%s", class_name);
	}
	const wmi_class *cls = find_class(cls_name);
	if (!cls || !class_in(cls, ns, h))
		return management_error(c, call, "Invalid class");
	if (!cls->enumerate)
		return 0;
	pv_list all = { 0 };
	cls->enumerate(c, cls, h, &all);
	for (size_t i = 0; i < all.n; i++) {
		bool bad = false;
		bool hit = wql_where(c, where, cls, h, all.v[i], &bad);
		if (bad)
			return management_error(c, call, "Invalid query");
		if (hit)
			pv_list_push(c, out, all.v[i]);
	}
	/* an empty class list still checks the condition's names */
	if (!all.n && where) {
		bool bad = false;
		wql_where(c, where, cls, h, PV_NULL_VALUE, &bad);
		if (bad)
			return management_error(c, call, "Invalid query");
	}
	return 0;
}

static int run_gwmi(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)in;
	const pv *computers = ps_arg(call, "ComputerName");
	const char *ns = ps_arg_str(c, call, "Namespace");
	const char *cls = ps_arg_str(c, call, "Class"), *q = ps_arg_str(c, call, "Query");
	size_t n = computers ? computers->u.a->n : 1;

	if (ps_arg_switch(call, "AsJob"))
		return asjob_not_modelled(c, call);
	if (!ns)
		ns = "root\\cimv2";
	if (strcasecmp(ns, "root\\cimv2") && strcasecmp(ns, "root\\default"))
		return management_error(c, call, "Invalid namespace ");
	for (size_t i = 0; i < n; i++) {
		const char *name = computers ? pv_to_str(c, computers->u.a->v[i]) : ".";
		lab_host *h;
		wmi_status st = wmi_connect(c, name, &h);
		if (st != WMI_OK) {
			if (connect_error(c, call, st) < 0)
				return PS_THROW;
			continue;
		}
		if (ps_arg_switch(call, "List")) {
			for (size_t k = 0; k < CARVE_ARRAY_SIZE(classes); k++) {
				const wmi_class *wc = &classes[k];
				if (class_in(wc, ns, h) && (!cls || ps_like(wc->name, cls, false)))
					pv_list_push(c, out, class_object(c, wc, h));
			}
			continue;
		}
		if (select_query(c, call, h, ns, q, cls, ps_arg_str(c, call, "Filter"), out) < 0)
			return PS_THROW;
	}
	return 0;
}

static const ps_cmdlet get_wmiobject = {
	"Get-WmiObject", "Microsoft.PowerShell.Commands.GetWmiObjectCommand", gwmi_sets, 0,
	gwmi_params, NPARAMS(gwmi_params), run_gwmi, NULL, false,
};

/* ------------------------------------------------------------ Invoke-WmiMethod */

static const char *const iwmi_sets[] = { "class", "object", "path", NULL };
static const ps_param iwmi_params[] = {
	{ "Class", NULL, PP_STRING, 0, 0x1, 0x1, false },
	{ "Name", NULL, PP_STRING, 1, ALL, 0x7, false },
	{ "InputObject", NULL, PP_ANY, -1, 0x2, 0x2, true },
	{ "Path", NULL, PP_STRING, -1, 0x4, 0x4, false },
	{ "ArgumentList", "Args", PP_OBJECTS, 2, ALL, 0, false },
	{ "ComputerName", "Cn", PP_STRINGS, -1, 0x5, 0, false },
	{ "Namespace", "NS", PP_STRING, -1, 0x5, 0, false },
	{ "Credential", NULL, PP_CREDENTIAL, -1, 0x5, 0, false },
	{ "Authentication", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Impersonation", NULL, PP_STRING, -1, ALL, 0, false },
	{ "EnableAllPrivileges", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "AsJob", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "ThrottleLimit", NULL, PP_INT, -1, ALL, 0, false },
};

static int run_iwmi(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const char *method = ps_arg_str(c, call, "Name");
	const pv *argl = ps_arg(call, "ArgumentList");
	size_t na;
	const pv *args = pv_items(argl, &na);

	if (ps_arg_switch(call, "AsJob"))
		return asjob_not_modelled(c, call);
	if (ps_arg(call, "Path"))
		return ps_throw_cmd(c, call->cmd->name, "System.NotImplementedException",
				    "NotImplemented: (:) [], NotImplementedException",
				    "CarveLabNotModelled", "carve-lab does not model Invoke-WmiMethod -Path");
	const char *class_name = ps_arg_str(c, call, "Class");
	if (!class_name) {
		const pv *io = ps_arg(call, "InputObject");
		pv_list items = { 0 };
		if (io)
			pv_list_write(c, &items, *io);
		else
			items = *in;
		for (size_t i = 0; i < items.n; i++) {
			pv r;
			if (items.v[i].k != PV_OBJ || ps_member_get(c, items.v[i], "__CLASS", &r) < 0)
				continue;
			int rc = items.v[i].u.o->cls->call
				 ? items.v[i].u.o->cls->call(c, items.v[i].u.o, method, args, na, &r) : 0;
			if (rc < 0)
				return PS_THROW;
			if (rc == 0 && management_error(c, call, "Method not found ") < 0)
				return PS_THROW;
			if (rc > 0)
				pv_list_push(c, out, r);
		}
		return 0;
	}
	const pv *computers = ps_arg(call, "ComputerName");
	const char *ns = ps_arg_str(c, call, "Namespace");
	size_t n = computers ? computers->u.a->n : 1;
	for (size_t i = 0; i < n; i++) {
		lab_host *h;
		wmi_status st = wmi_connect(c, computers ? pv_to_str(c, computers->u.a->v[i]) : ".", &h);
		if (st != WMI_OK) {
			if (connect_error(c, call, st) < 0)
				return PS_THROW;
			continue;
		}
		const wmi_class *cls = find_class(class_name);
		if (!cls || !class_in(cls, ns ? ns : "root\\cimv2", h)) {
			if (management_error(c, call, "Invalid class ") < 0)
				return PS_THROW;
			continue;
		}
		pv r;
		int rc = cls->static_method ? cls->static_method(c, h, method, args, na, &r) : 0;
		if (rc < 0)
			return PS_THROW;
		if (rc == 0) {
			if (management_error(c, call, "Invalid method Parameter(s) ") < 0)
				return PS_THROW;
			continue;
		}
		pv_list_push(c, out, r);
	}
	return 0;
}

static const ps_cmdlet invoke_wmimethod = {
	"Invoke-WmiMethod", "Microsoft.PowerShell.Commands.InvokeWmiMethod", iwmi_sets, 0,
	iwmi_params, NPARAMS(iwmi_params), run_iwmi, NULL, true,
};

/* ------------------------------------------------------------ Test-Connection */

/* PowerShell 2.0's Test-Connection (dd315259(v=technet.10)): -ComputerName
 * is mandatory, -Authentication not yet -DcomAuthentication, no -Protocol.
 * It pings through Win32_PingStatus on the local machine. */
static const ps_param ping_params_cmd[] = {
	{ "ComputerName", "CN,IPAddress,__SERVER,Server,Destination", PP_STRINGS, 0, ALL, 1, true },
	{ "Source", "FCN,SRC", PP_STRINGS, 1, ALL, 0, false },
	{ "Count", NULL, PP_INT, -1, ALL, 0, false },
	{ "Quiet", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "BufferSize", "Size,Bytes,BS", PP_INT, -1, ALL, 0, false },
	{ "Delay", NULL, PP_INT, -1, ALL, 0, false },
	{ "TimeToLive", "TTL", PP_INT, -1, ALL, 0, false },
	{ "Authentication", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Impersonation", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Credential", NULL, PP_CREDENTIAL, -1, ALL, 0, false },
	{ "ThrottleLimit", NULL, PP_INT, -1, ALL, 0, false },
	{ "AsJob", NULL, PP_SWITCH, -1, ALL, 0, false },
};

static int run_ping(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const pv *names = ps_arg(call, "ComputerName");
	pv_list items = { 0 };

	if (ps_arg_switch(call, "AsJob"))
		return asjob_not_modelled(c, call);
	if (names)
		pv_list_write(c, &items, *names);
	else
		items = *in;
	/* -Count echoes (4 by default), -Delay seconds apart (1); each that
	 * gets no answer waits Win32_PingStatus's Timeout (1000 ms: its
	 * class definition; the fixture's ping_timeout) */
	const pv *count = ps_arg(call, "Count"), *delay = ps_arg(call, "Delay");
	int64_t echoes = count && count->u.i > 0 ? count->u.i : 4,
		gap_s = delay && delay->u.i > 0 ? delay->u.i : 1;
	for (size_t i = 0; i < items.n; i++) {
		const char *name = pv_to_str(c, items.v[i]);
		char label[64];
		snprintf(label, sizeof(label), "%.*s", (int)strcspn(name, "."), name);
		lab_host *h = is_self(c->env->self, name) ? c->env->self
			      : lab_find_host(c->env->site, label);
		bool up = h && lab_host_up(h, time(NULL));
		uint64_t wait = (uint64_t)(echoes - 1) * (uint64_t)gap_s * 1000 +
				(up ? 0 : (uint64_t)echoes * c->env->site->fixture.costs.ping_timeout_ms);
		if (wait)
			ps_sleep(c, (uint32_t)(wait > 600000 ? 600000 : wait));
		h = is_self(c->env->self, name) ? c->env->self /* the lock was let go */
		    : lab_find_host(c->env->site, label);
		if (ps_arg_switch(call, "Quiet")) {
			pv_list_push(c, out, pv_bool(up));
			continue;
		}
		if (!up) {
			char category[256];
			snprintf(category, sizeof(category), "ResourceUnavailable: (%s:String) "
				 "[Test-Connection], PingException", name);
			if (ps_write_error(c, call, "System.Net.NetworkInformation.PingException",
					   carve_arena_strdup(&c->arena, category),
					   "TestConnectionException,Microsoft.PowerShell.Commands."
					   "TestConnectionCommand", "Testing connection to computer '%s' "
					   "failed: Error due to lack of resources", name) < 0)
				return PS_THROW;
			continue;
		}
		const wmi_class *cls = find_class("Win32_PingStatus");
		ps_obj *o = new_instance(c, cls, c->env->self, i);
		prop(c, o, "Address", pv_str(c, name));
		prop(c, o, "StatusCode", pv_int(0));
		prop(c, o, "ResponseTime", pv_int(1));
		prop(c, o, "ProtocolAddress", pv_str(c, "10.0.0.1"));
		pv_list_push(c, out, pv_obj(o));
	}
	return 0;
}

static const ps_cmdlet test_connection = {
	"Test-Connection", "Microsoft.PowerShell.Commands.TestConnectionCommand", NULL, 0,
	ping_params_cmd, NPARAMS(ping_params_cmd), run_ping, NULL, false,
};

/* ------------------------------------------------------------ Restart-Computer */

/* PowerShell 2.0 (dd315301(v=technet.10)): -ComputerName, -Credential,
 * -Force, -AsJob, -Authentication, -Impersonation, -ThrottleLimit; no -Wait,
 * -For, -Timeout (3.0).  Without -Force a machine with a user logged on
 * refuses. */
static const ps_param restart_params[] = {
	{ "ComputerName", "CN,__SERVER,Server,IPAddress", PP_STRINGS, 0, ALL, 0, true },
	{ "Credential", NULL, PP_CREDENTIAL, 1, ALL, 0, false },
	{ "Force", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "AsJob", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Authentication", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Impersonation", NULL, PP_STRING, -1, ALL, 0, false },
	{ "ThrottleLimit", NULL, PP_INT, -1, ALL, 0, false },
};

static int run_restart(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)out;
	const pv *names = ps_arg(call, "ComputerName");
	pv_list items = { 0 };

	if (ps_arg_switch(call, "AsJob"))
		return asjob_not_modelled(c, call);
	if (names)
		pv_list_write(c, &items, *names);
	else if (in->n)
		items = *in;
	else
		pv_list_push(c, &items, pv_str(c, "."));
	for (size_t i = 0; i < items.n; i++) {
		const char *name = pv_to_str(c, items.v[i]);
		lab_host *h;
		wmi_status st = wmi_connect(c, name, &h);
		if (st != WMI_OK) {
			char category[256];
			snprintf(category, sizeof(category), "OperationStopped: (%s:String) "
				 "[Restart-Computer], InvalidOperationException", name);
			if (ps_write_error(c, call, "System.InvalidOperationException",
					   carve_arena_strdup(&c->arena, category),
					   "RestartcomputerFailed,Microsoft.PowerShell.Commands."
					   "RestartComputerCommand", "This command cannot be run on target "
					   "computer('%s') due to following error: %s", name,
					   st == WMI_RPC ? "The RPC server is unavailable. (Exception from "
					   "HRESULT: 0x800706BA)" : "Access is denied. (Exception from "
					   "HRESULT: 0x80070005 (E_ACCESSDENIED))") < 0)
				return PS_THROW;
			continue;
		}
		if (!ps_arg_switch(call, "Force") && h->user[0] && h->logged_on) {
			char category[256];
			snprintf(category, sizeof(category), "OperationStopped: (%s:String) "
				 "[Restart-Computer], InvalidOperationException", name);
			if (ps_write_error(c, call, "System.InvalidOperationException",
					   carve_arena_strdup(&c->arena, category),
					   "RestartcomputerFailed,Microsoft.PowerShell.Commands."
					   "RestartComputerCommand", "This command cannot be run on target "
					   "computer('%s') due to following error: The system shutdown "
					   "cannot be initiated because there are other users logged on to "
					   "the computer.", name) < 0)
				return PS_THROW;
			continue;
		}
		restart_host(c, h, "Restart-Computer");
	}
	return 0;
}

static const ps_cmdlet restart_computer = {
	"Restart-Computer", "Microsoft.PowerShell.Commands.RestartComputerCommand", NULL, 0,
	restart_params, NPARAMS(restart_params), run_restart, NULL, true,
};

const ps_cmdlet *const ps_wmi_cmdlets[] = {
	&get_wmiobject, &invoke_wmimethod, &test_connection, &restart_computer, NULL,
};

/* ------------------------------------------------------------ casts */

/* [wmiclass]'\\HOST\root\default:StdRegProv' and [wmi]'\\HOST\root\cimv2:
 * Win32_Service.Name="x"' */
static int parse_wmi_path(ps_ctx *c, const char *path, lab_host **h, const wmi_class **cls,
			  const char **key)
{
	char host[64] = ".", ns[64] = "root\\cimv2";
	const char *p = path;

	if (p[0] == '\\' && p[1] == '\\') {
		const char *slash = strchr(p + 2, '\\');
		if (!slash)
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(slash - p - 2), p + 2);
		p = slash + 1;
	}
	const char *colon = strchr(p, ':');
	if (colon) {
		snprintf(ns, sizeof(ns), "%.*s", (int)(colon - p), p);
		p = colon + 1;
	}
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, ".="), p);
	*key = p + strlen(name);
	wmi_status st = wmi_connect(c, host, h);
	if (st != WMI_OK)
		return st == WMI_RPC ? -2 : -3;
	*cls = find_class(name);
	if (!*cls || !class_in(*cls, ns, *h))
		return -4;
	return 0;
}

static int cast_failure(ps_ctx *c, pv in, const char *type, int why)
{
	static const char *const reasons[] = {
		"", "Invalid object path ",
		"The RPC server is unavailable. (Exception from HRESULT: 0x800706BA)",
		"Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))",
		"Not found ",
	};
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			"NotSpecified: (:) [], RuntimeException", "RuntimeException",
			"Cannot convert value \"%s\" to type \"%s\". Error: \"%s\"", pv_to_str(c, in),
			type, reasons[-why]);
}

static int to_wmiclass(ps_ctx *c, pv in, pv *out)
{
	lab_host *h;
	const wmi_class *cls;
	const char *key;
	int r = parse_wmi_path(c, pv_to_str(c, in), &h, &cls, &key);

	if (r < 0)
		return cast_failure(c, in, "System.Management.ManagementClass", r);
	*out = class_object(c, cls, h);
	return 0;
}

static int to_wmi(ps_ctx *c, pv in, pv *out)
{
	lab_host *h;
	const wmi_class *cls;
	const char *key;
	int r = parse_wmi_path(c, pv_to_str(c, in), &h, &cls, &key);

	if (r < 0)
		return cast_failure(c, in, "System.Management.ManagementObject", r);
	pv_list all = { 0 };
	char want[256];
	snprintf(want, sizeof(want), "%s%s", cls->name, key);
	if (cls->enumerate)
		cls->enumerate(c, cls, h, &all);
	for (size_t i = 0; i < all.n; i++) {
		pv rel;
		ps_member_get(c, all.v[i], "__RELPATH", &rel);
		if (!strcasecmp(pv_to_str(c, rel), want)) {
			*out = all.v[i];
			return 0;
		}
	}
	return cast_failure(c, in, "System.Management.ManagementObject", -4);
}

static bool is_wmi(pv v)
{
	return v.k == PV_OBJ && v.u.o->cls->call == instance_call;
}

static const char *const wmiclass_aliases[] = { "wmiclass", "Management.ManagementClass", NULL };
static const char *const wmi_aliases[] = { "wmi", "Management.ManagementObject", NULL };

static const ps_type wmiclass_type = {
	"System.Management.ManagementClass", wmiclass_aliases, to_wmiclass, NULL, NULL, NULL,
};
static const ps_type wmi_type = {
	"System.Management.ManagementObject", wmi_aliases, to_wmi, NULL, NULL, is_wmi,
};

/* ManagementDateTimeConverter.ToDateTime(CIM_DATETIME) */
static int dtconv_call(ps_ctx *c, const char *m, const pv *args, size_t n, pv *out)
{
	struct tm tm;

	if (strcasecmp(m, "ToDateTime") || n != 1)
		return 0;
	const char *s = pv_to_str(c, args[0]);
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 14 || sscanf(s, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
				     &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return ps_throw(c, "System.Management.Automation.MethodInvocationException",
				"NotSpecified: (:) [], MethodInvocationException",
				"DotNetMethodException", "Exception calling \"ToDateTime\" with \"1\" "
				"argument(s): \"Specified argument was out of the range of valid "
				"values.\r\nParameter name: dmtfDate\"");
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = ps_datetime(c, timegm(&tm));
	return 1;
}

static const ps_type dtconv_type = {
	"System.Management.ManagementDateTimeConverter", NULL, NULL, NULL, dtconv_call, NULL,
};

/* ---- [adsi]'WinNT://HOST/Group,group': the group's Add() ---- */

typedef struct {
	lab_host *host;
	char group[LAB_NAME];
} adsi_group;

static int adsi_call(ps_ctx *c, ps_obj *o, const char *m, const pv *args, size_t n, pv *out)
{
	adsi_group *g = o->data;

	if (!strcasecmp(m, "Add") && n == 1) {
		const char *path = pv_to_str(c, args[0]);
		char account[LAB_NAME * 2];
		if (strncasecmp(path, "WinNT://", 8) != 0)
			return ps_throw(c, "System.Management.Automation.MethodInvocationException",
					"NotSpecified: (:) [], MethodInvocationException",
					"CatchFromBaseAdapterMethodInvokeTI", "Exception calling \"Add\" "
					"with \"1\" argument(s): \"An invalid directory pathname was "
					"passed\r\n\"");
		snprintf(account, sizeof(account), "%s", path + 8);
		account[strcspn(account, ",")] = '\0';
		for (char *p = account; *p; p++)
			if (*p == '/')
				*p = '\\';
		lab_host *h = g->host;
		for (size_t i = 0; i < h->admin_count; i++)
			if (!strcasecmp(h->admins[i], account))
				return ps_throw(c, "System.Management.Automation.MethodInvocationException",
						"NotSpecified: (:) [], MethodInvocationException",
						"CatchFromBaseAdapterMethodInvokeTI", "Exception calling "
						"\"Add\" with \"1\" argument(s): \"The specified account "
						"name is already a member of the group.\r\n\"");
		if (h->admin_count < LAB_MAX_LIST && strlen(account) < sizeof(h->admins[0]))
			memcpy(h->admins[h->admin_count++], account, strlen(account) + 1);
		journal_host(h, "administrators add", account);
		*out = PV_NULL_VALUE;
		return 1;
	}
	return 0;
}

static const ps_class adsi_class = {
	"System.DirectoryServices.DirectoryEntry", NULL, NULL, adsi_call, NULL, true,
};

/* The WinNT provider binds with the caller's own token (KB 321538): the
 * target must be reachable and the caller an administrator there. */
static int to_adsi(ps_ctx *c, pv in, pv *out)
{
	const char *path = pv_to_str(c, in);
	char host[64], group[LAB_NAME];

	if (strncasecmp(path, "WinNT://", 8) || sscanf(path + 8, "%63[^/]/%63[^,]", host, group) != 2)
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"NotSpecified: (:) [], RuntimeException", "RuntimeException",
				"carve-lab models only WinNT://HOST/Group,group for [adsi], not %s", path);
	lab_host *h;
	wmi_status st = wmi_connect(c, host, &h);
	if (st != WMI_OK)
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"NotSpecified: (:) [], RuntimeException", "RuntimeException",
				"Cannot convert value \"%s\" to type \"System.DirectoryServices."
				"DirectoryEntry\". Error: \"%s\"", path, st == WMI_RPC
				? "The network path was not found.\r\n"
				: "Access is denied.\r\n");
	if (strcasecmp(group, local_group_name(h, true)) && strcasecmp(group, local_group_name(h, false)))
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"NotSpecified: (:) [], RuntimeException", "RuntimeException",
				"The following exception occurred while retrieving member \"Add\": "
				"\"The group name could not be found.\r\n\"");
	ps_obj *o = ps_obj_new(c, &adsi_class);
	adsi_group *g = carve_arena_calloc(&c->arena, 1, sizeof(*g));
	g->host = h;
	snprintf(g->group, sizeof(g->group), "%s", group);
	o->data = g;
	ps_obj_set(c, o, "Name", pv_str(c, group));
	ps_obj_set(c, o, "Path", pv_str(c, path));
	*out = pv_obj(o);
	return 0;
}

static const char *const adsi_aliases[] = { "adsi", "DirectoryServices.DirectoryEntry", NULL };
static const ps_type adsi_type = {
	"System.DirectoryServices.DirectoryEntry", adsi_aliases, to_adsi, NULL, NULL, NULL,
};

const ps_type *const ps_wmi_types[] = {
	&wmiclass_type, &wmi_type, &dtconv_type, &adsi_type, NULL,
};
