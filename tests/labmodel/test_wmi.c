/*
 * test_wmi.c - WMI, the registry and files on the lab's machines as
 * PowerShell 2.0 on a management host reaches them: what XP lacks, the
 * local Administrators group by SID in any language, DCOM's refusals, and
 * the logon that decides whether another machine can be reached at all.
 */
#include "model.h"

static t_model m;

static const char fixture[] =
	T_MODEL_LAB
	"groups:\n"
	"  - { name: 'CONTOSO\\Workstation Admins', members: ['CONTOSO\\Migration Team'] }\n"
	"  - { name: 'CONTOSO\\Migration Team', members: ['CONTOSO\\svc_targetmigrator'] }\n"
	"defaults:\n"
	"  domain: FABRIKAM\n"
	"  administrators: ['FABRIKAM\\Domain Admins', 'CONTOSO\\svc_targetmigrator']\n"
	"hosts:\n"
	"  - { name: MGMT01, role: management, port: 2200, os: 2008r2 }\n"
	"  - name: XP1\n"
	"    os: xp\n"
	"    user: bob\n"
	"    hotfixes: [KB944043-v3, KB968730]\n"
	"    registry_hotfixes: [KB944505, KB2535512]\n"
	"    nics: [{ name: Local Area Connection, kind: wired, enabled: true },\n"
	"           { name: Wireless Network Connection, kind: wireless, enabled: true }]\n"
	"  - { name: DE7, os: '7', language: de, user: carol,\n"
	"      administrators: ['CONTOSO\\Workstation Admins'] }\n"
	"  - { name: NOADMIN, os: '7', administrators: ['FABRIKAM\\Domain Admins'] }\n"
	"  - { name: ASLEEP, os: '7', power: asleep }\n"
	"  - { name: GPO, os: xp, firewall: { domain: false }, firewall_policy: { domain: true },\n"
	"      remote_admin: true }\n";

static void setup(void)
{
	t_model_load(&m, fixture);
}

static void teardown(void)
{
	t_model_done(&m);
}

TestSuite(wmi, .init = setup, .fini = teardown, .timeout = 30);

#define MIGRATOR "CONTOSO\\svc_targetmigrator"

static t_ps mgmt(const char *script)
{
	return t_ps_run(&m, "MGMT01", MIGRATOR, true, script);
}

Test(wmi, xp_has_no_netenabled_and_no_disable)
{
	t_ps r = mgmt("Get-WmiObject -Class Win32_NetworkAdapter -ComputerName XP1 "
		      "-Filter 'NetEnabled=True'\n");
	cr_assert(strstr(r.err, "Get-WmiObject : Invalid query"), "%s", r.err);
	cr_assert(strstr(r.err, "GetWMIManagementException,Microsoft.PowerShell.Commands."
			 "GetWmiObjectCommand"), "%s", r.err);
	t_ps_done(&r);
	r = mgmt("$ErrorActionPreference = 'Stop'\n"
		 "Get-WmiObject -Class Win32_NetworkAdapter -ComputerName XP1 "
		 "-Filter 'NetConnectionStatus IS NOT NULL' | ForEach-Object {\n"
		 "  '{0}|{1}|{2}' -f $_.NetConnectionID, $_.AdapterTypeId, $_.NetConnectionStatus\n"
		 "}\n"
		 "$w = Get-WmiObject -Class Win32_NetworkAdapter -ComputerName XP1 "
		 "-Filter \"NetConnectionID='Wireless Network Connection'\"\n"
		 "$w.Disable()\n");
	cr_assert_eq(r.exit, 1);
	cr_assert_str_eq(r.out, "Local Area Connection|0|2\nWireless Network Connection|0|2\n",
			 "%s", r.out);
	cr_assert(strstr(r.err, "Method invocation failed because [System.Management."
			 "ManagementObject#root\\cimv2\\Win32_NetworkAdapter] doesn't contain a method "
			 "named 'Disable'."), "%s", r.err);
	t_ps_done(&r);
}

Test(wmi, stdregprov_is_in_root_default_on_xp)
{
	t_ps r = mgmt("Get-WmiObject -List StdRegProv -Namespace root\\cimv2 -ComputerName XP1\n"
		      "'-'\n"
		      "$reg = Get-WmiObject -List StdRegProv -Namespace root\\default -ComputerName XP1\n"
		      "$k = $reg.EnumKey(2147483650, 'SOFTWARE\\Microsoft\\Updates\\Windows XP\\SP4')\n"
		      "$k.ReturnValue\n$k.sNames\n"
		      "$reg.GetDWORDValue(2147483650, 'SOFTWARE\\Nothing', 'x').ReturnValue\n");
	cr_assert_str_eq(r.out, "-\n0\nKB944505\nKB2535512\n2\n", "%s", r.out);
	cr_assert_str_eq(r.err, "", "%s", r.err);
	t_ps_done(&r);
}

Test(wmi, the_administrators_group_by_sid_in_german)
{
	t_ps r = mgmt("$ErrorActionPreference = 'Stop'\n"
		      "$g = Get-WmiObject -Class Win32_Group -ComputerName DE7 "
		      "-Filter \"LocalAccount=True AND SID='S-1-5-32-544'\"\n"
		      "$g.Name\n"
		      "$q = \"ASSOCIATORS OF {{Win32_Group.Domain='{0}',Name='{1}'}} WHERE "
		      "AssocClass=Win32_GroupUser Role=GroupComponent\" -f $g.Domain, $g.Name\n"
		      "Get-WmiObject -ComputerName DE7 -Query $q | ForEach-Object { "
		      "'{0}\\{1}|{2}' -f $_.Domain, $_.Name, $_.__CLASS }\n");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "Administratoren\nDE7\\Administrator|Win32_UserAccount\n"
			 "CONTOSO\\Workstation Admins|Win32_Group\n", "%s", r.out);
	t_ps_done(&r);
}

Test(wmi, a_key_logon_cannot_reach_another_machine)
{
	t_ps r = t_ps_run(&m, "MGMT01", MIGRATOR, false,
			  "Get-WmiObject -Class Win32_LogicalDisk -ComputerName DE7\n");
	cr_assert(strstr(r.err, "Get-WmiObject : Access is denied. (Exception from HRESULT: "
			 "0x80070005 (E_ACCESSDENIED))"), "%s", r.err);
	cr_assert(strstr(r.err, "UnauthorizedAccessException"), "%s", r.err);
	t_ps_done(&r);
	/* the same session on the machine itself is local */
	r = t_ps_run(&m, "DE7", MIGRATOR, false, "(Get-WmiObject Win32_LogicalDisk).DeviceID\n");
	cr_assert_str_eq(r.out, "C:\n", "%s", r.err);
	t_ps_done(&r);
}

Test(wmi, nested_group_membership_counts_and_a_non_admin_is_refused)
{
	/* the migrator is in Workstation Admins through Migration Team */
	t_ps r = mgmt("(Get-WmiObject -Class Win32_ComputerSystem -ComputerName DE7).Name\n"
		      "Get-WmiObject -Class Win32_ComputerSystem -ComputerName NOADMIN\n");
	cr_assert_str_eq(r.out, "DE7\n", "%s", r.out);
	cr_assert(strstr(r.err, "Access is denied."), "%s", r.err);
	t_ps_done(&r);
}

Test(wmi, a_sleeping_machine_is_an_rpc_failure)
{
	t_ps r = mgmt("$ErrorActionPreference = 'Stop'\n"
		      "Get-WmiObject -Class Win32_OperatingSystem -ComputerName ASLEEP\n");
	cr_assert_eq(r.exit, 1);
	cr_assert(strstr(r.err, "The RPC server is unavailable. (Exception from HRESULT: "
			 "0x800706BA)"), "%s", r.err);
	cr_assert(strstr(r.err, "GetWMICOMException"), "%s", r.err);
	t_ps_done(&r);
	r = mgmt("Test-Connection -ComputerName ASLEEP -Count 1 -Quiet\n"
		 "Test-Connection -ComputerName XP1 -Count 1 -Quiet\n");
	cr_assert_str_eq(r.out, "False\nTrue\n");
	t_ps_done(&r);
}

Test(wmi, group_policy_firewall_shows_in_its_own_key)
{
	t_ps r = mgmt("$reg = Get-WmiObject -List StdRegProv -Namespace root\\default "
		      "-ComputerName GPO\n"
		      "$reg.GetDWORDValue(2147483650, 'SYSTEM\\CurrentControlSet\\Services\\"
		      "SharedAccess\\Parameters\\FirewallPolicy\\DomainProfile', 'EnableFirewall').uValue\n"
		      "$reg.GetDWORDValue(2147483650, 'SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\"
		      "DomainProfile', 'EnableFirewall').uValue\n");
	cr_assert_str_eq(r.out, "0\n1\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
}

Test(wmi, hotfix_ids_keep_their_suffix)
{
	t_ps r = mgmt("Get-WmiObject -Class Win32_QuickFixEngineering -ComputerName XP1 | "
		      "ForEach-Object { $_.HotFixID }\n");
	cr_assert_str_eq(r.out, "KB944043-v3\nKB968730\n");
	t_ps_done(&r);
}

Test(wmi, the_hosts_file_over_the_admin_share)
{
	t_ps r = mgmt("$ErrorActionPreference = 'Stop'\n"
		      "$p = '\\\\XP1\\ADMIN$\\System32\\drivers\\etc\\hosts'\n"
		      "Add-Content -Path $p -Value '10.20.0.21 mail.fabrikam.com'\n"
		      "Get-Content -Path $p | Where-Object { $_ -notlike '#*' }\n");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "10.20.0.21 mail.fabrikam.com\n", "%s", r.out);
	t_ps_done(&r);
	r = t_ps_run(&m, "MGMT01", MIGRATOR, false,
		     "Get-Content -Path '\\\\XP1\\ADMIN$\\System32\\drivers\\etc\\hosts'\n");
	cr_assert(strstr(r.err, "Access to the path '\\\\XP1\\ADMIN$\\System32\\drivers\\etc\\"
			 "hosts' is denied."), "%s", r.err);
	t_ps_done(&r);
}
