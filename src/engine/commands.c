/*
 * commands.c - the built-in templates of the migration steps' PowerShell
 * and how a command line is made from one.
 *
 * Every template is PowerShell 2.0, the shell of a Windows Server 2008 R2
 * exec host: no [pscustomobject], no -in, no member enumeration (a
 * property of an array is $null in 2.0), no module auto-loading; Windows
 * PowerShell 2.0's cmdlet help (learn.microsoft.com previous-versions
 * "(v=technet.10)") is the reference for the parameters used.  Each
 * template names the documentation of what it calls.  They reach other
 * machines by name: WMI (Get-WmiObject -ComputerName, DCOM), the admin
 * share ADMIN$, the Active Directory module, Exchange 2010's cmdlets, so
 * the exec host's logon must carry network credentials (carve-plan(5)).
 * A machine that carve reaches directly is asked by its own name, which
 * WMI treats as a local connection.
 *
 * Sites whose tools differ replace templates in the plan's commands:
 * section; the values each template receives are listed in commands.h.
 */
#include "commands.h"
#include "plan_internal.h"
#include "winps.h"

#include <string.h>

typedef struct {
	const char *key;
	const char *params[CMD_MAX_VALUES + 1];
	const char *body;
} command_def;

/* A credential from the password on the command's standard input:
 * powershell.exe -Command reads a redirected stdin as $input, a line a
 * string (about_PowerShell_exe; PowerShell 2.0 reads it before the script
 * runs, so [Console]::In would find nothing). */
#define PS_CREDENTIAL \
	"$password = @($input)[0]\n" \
	"$credential = New-Object System.Management.Automation.PSCredential($credential_user," \
	" (ConvertTo-SecureString -String $password -AsPlainText -Force))\n" \
	"$password = $null\n"

/* Exchange 2010's cmdlets: the supported way is a remote session to a
 * Client Access server's /PowerShell/ endpoint (New-PSSession
 * -ConfigurationName Microsoft.Exchange, then Import-PSSession;
 * blog.rmilne.ca 2015-01-28); on a server with the management tools the
 * snap-in Microsoft.Exchange.Management.PowerShell.E2010 also loads them. */
#define PS_EXCHANGE \
	"if ($exchange_uri) {\n" \
	"  $s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $exchange_uri" \
	" -Authentication Kerberos\n" \
	"  $null = Import-PSSession -Session $s -AllowClobber\n" \
	"} else { Add-PSSnapin -Name Microsoft.Exchange.Management.PowerShell.E2010 }\n"

/* A size as its bytes: a ByteQuantifiedSize prints "1.333 GB (1,430,999,724
 * bytes)" (microsoft/CSS-Exchange issue 901), and through a remote session
 * PowerShell 2.0 receives only that string, so .ToBytes() is not used; the
 * group separator depends on the server's culture. */
#define PS_BYTES(expr, var) \
	"$t = \"$(" expr ")\"; if ($t -match '\\(([\\d,.]+) bytes\\)') { " var \
	" = $matches[1] -replace '[,.]', '' } else { " var " = $t }\n"

/* Starts $line on $computer through Win32_Process.Create and waits for it
 * to end (Win32_Process "Create method" page: 0 is success).  The process
 * runs without the caller's network credentials, so what it runs must be
 * on the machine's own disk. */
#define PS_RUN_AND_WAIT \
	"$p = Invoke-WmiMethod -ComputerName $computer -Class Win32_Process -Name Create" \
	" -ArgumentList $line\n" \
	"if ($p.ReturnValue -ne 0) { throw ('Win32_Process.Create returned {0} for {1}' -f" \
	" $p.ReturnValue, $line) }\n" \
	"while (Get-WmiObject -Class Win32_Process -ComputerName $computer -Filter" \
	" ('ProcessId={0}' -f $p.ProcessId)) { Start-Sleep -Seconds 2 }\n"

/* A file of $computer's Windows directory: locally, or over ADMIN$. */
#define PS_WINDIR_PATH(var, rest) \
	"if ($computer -eq $env:COMPUTERNAME) { " var " = Join-Path $env:SystemRoot '" rest "' }" \
	" else { " var " = '\\\\{0}\\ADMIN$\\" rest "' -f $computer }\n"

static const command_def defs[CMD__COUNT] = {
	/* Win32_OperatingSystem.LastBootUpTime, a CIM_DATETIME string */
	[CMD_BOOT_TIME] = { "boot_time", { "computer" },
		"(Get-WmiObject -Class Win32_OperatingSystem -ComputerName $computer).LastBootUpTime\n" },
	/* Restart-Computer, PowerShell 2.0 (dd315301): -Force, as a user is
	 * logged on; no -Wait in 2.0, carve waits by the boot time */
	[CMD_RESTART] = { "restart", { "computer" },
		"Restart-Computer -ComputerName $computer -Force\n" },
	/* Win32_ComputerSystem: Domain is the DNS name, PartOfDomain tells a
	 * domain from a workgroup, UserName the console user */
	[CMD_COMPUTER] = { "computer", { "computer" },
		"Get-WmiObject -Class Win32_ComputerSystem -ComputerName $computer | ForEach-Object {"
		" '{0}|{1}|{2}|{3}' -f $_.Name, $_.Domain, $_.PartOfDomain, $_.UserName }\n" },
	/* admt computer, ADMT 3.2 help (DomainMig.chm, systemmanager.ru
	 * mirror 051050fb-...): /N with the names as separate arguments,
	 * /SD /TD /TO; the security translation (/TOT /TUP /TLG /TUR) and
	 * /RDL switches as migration scripts pass them (no public copy of
	 * their help page: carve-plan(5) says so).  The server's clock before
	 * the run tells which log lines are this run's. */
	[CMD_ADMT_MIGRATE] = { "admt_migrate",
		{ "computers", "source_domain", "target_domain", "target_ou", "translation",
		  "user_profiles", "local_groups", "user_rights", "restart_delay" },
		"'start|{0:s}' -f (Get-Date)\n"
		"$names = $computers -split ','\n"
		"& admt.exe computer /N $names /SD:$source_domain /TD:$target_domain /TO:$target_ou"
		" /TOT:$translation /TUP:$user_profiles /TLG:$local_groups /TUR:$user_rights"
		" /RDL:$restart_delay\n"
		"'exit|{0}' -f $LASTEXITCODE\n" },
	/* ADMT's logs under %SystemRoot%\ADMT\Logs (KB 322981: Migration.log;
	 * ERR<n>:<code> lines, KB 4089459): every .log written since the run
	 * began, the lines that name one of the computers as a word (PC1 is
	 * not in a line about PC10; a NetBIOS name has no regex specials but
	 * '-', which \b treats as a boundary, as ADMT's lines do) */
	[CMD_ADMT_LOG] = { "admt_log", { "computers", "since" },
		"$names = $computers -split ','\n"
		"$after = [DateTime]::Parse($since)\n"
		"Get-ChildItem -Path (Join-Path $env:SystemRoot 'ADMT\\Logs') -Recurse -Include '*.log'"
		" | Where-Object { $_.LastWriteTime -ge $after } | ForEach-Object {\n"
		"  foreach ($line in @(Get-Content -Path $_.FullName)) {\n"
		"    foreach ($n in $names) { if ($line -match ('\\b{0}\\b' -f $n)) {"
		" '{0}|{1}' -f $n, $line } }\n"
		"  }\n"
		"}\n" },
	/* The groups in the token of the account the ADMT server runs as,
	 * nested ones included (WindowsIdentity.GetCurrent().Groups) */
	[CMD_MIGRATOR_GROUPS] = { "migrator_groups", { NULL },
		"$id = [Security.Principal.WindowsIdentity]::GetCurrent()\n"
		"'user|{0}' -f $id.Name\n"
		"foreach ($g in $id.Groups) {\n"
		"  try { 'group|{0}' -f $g.Translate([Security.Principal.NTAccount]).Value }"
		" catch { 'sid|{0}' -f $g.Value }\n"
		"}\n" },
	/* Disable-ADAccount and Get-ADUser, AD module for 2008 R2 (ee617192
	 * family): the source user account, with the source's credentials */
	[CMD_DISABLE_SOURCE] = { "disable_source", { "user", "source_domain", "credential_user" },
		"Import-Module ActiveDirectory\n"
		PS_CREDENTIAL
		"Disable-ADAccount -Identity $user -Server $source_domain -Credential $credential\n"
		"(Get-ADUser -Identity $user -Server $source_domain -Credential $credential).Enabled\n" },
	/* StdRegProv (root\default, XP's only namespace for it):
	 * SetStringValue / GetStringValue on HKLM (2147483650) */
	[CMD_LOGON_DOMAIN] = { "logon_domain", { "computer", "target_netbios" },
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default -ComputerName $computer\n"
		"$key = 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon'\n"
		"$r = $reg.SetStringValue(2147483650, $key, 'DefaultDomainName', $target_netbios)\n"
		"if ($r.ReturnValue -ne 0) { throw ('SetStringValue returned {0}' -f $r.ReturnValue) }\n"
		"$reg.GetStringValue(2147483650, $key, 'DefaultDomainName').sValue\n" },
	/* New-MoveRequest, Exchange 2010 SP3 (c28ca2ce-...): -Remote with
	 * -RemoteHostName for a 2010 source (its MRSProxy endpoint), or
	 * -RemoteLegacy with -RemoteGlobalCatalog for 2003/2007, both with the
	 * source's -RemoteCredential; 51 or more bad items need
	 * -AcceptLargeDataLoss */
	[CMD_MOVE_START] = { "move_start",
		{ "users", "bad_item_limit", "source_version", "mrs_proxy", "remote_gc",
		  "delivery_domain", "exchange_uri", "credential_user" },
		PS_EXCHANGE
		PS_CREDENTIAL
		"foreach ($u in ($users -split ',')) {\n"
		"  $a = @{ Identity = $u; RemoteCredential = $credential;"
		" TargetDeliveryDomain = $delivery_domain; BadItemLimit = $bad_item_limit }\n"
		"  if ($source_version -eq '2010') { $a['Remote'] = $true; $a['RemoteHostName'] = $mrs_proxy }\n"
		"  else { $a['RemoteLegacy'] = $true; $a['RemoteGlobalCatalog'] = $remote_gc }\n"
		"  if ([int]$bad_item_limit -gt 50) { $a['AcceptLargeDataLoss'] = $true }\n"
		"  try { $null = New-MoveRequest @a; '{0}|Queued|' -f $u }\n"
		"  catch { '{0}|Failed|{1}' -f $u, ($_.Exception.Message -replace '[\\r\\n|]+', ' ') }\n"
		"}\n" },
	/* Get-MoveRequestStatistics (Exchange 2010): Status, PercentComplete,
	 * TotalMailboxSize, TotalMailboxItemCount, BadItemsEncountered,
	 * Message, asked for each of carve's users by the identity carve gave
	 * New-MoveRequest (an Alias need not be it), so only carve's moves are
	 * read.  One cmdlet at a time, never one pipeline into another: a
	 * remote Exchange session runs one pipeline at once ("Pipeline not
	 * executed because a pipeline is already executing", Exchange 2010
	 * PowerShell Cookbook, "Dealing with concurrent pipelines in remote
	 * PowerShell").  A user without a request is
	 * ManagementObjectNotFoundException and no line; any other error
	 * stops the script. */
	[CMD_MOVE_STATUS] = { "move_status", { "users", "exchange_uri" },
		PS_EXCHANGE
		"foreach ($u in ($users -split ',')) {\n"
		"  try { $s = Get-MoveRequestStatistics -Identity $u }\n"
		"  catch { if (\"$($_.CategoryInfo)\" -like '*ManagementObjectNotFoundException*')"
		" { continue }; throw }\n"
		"  " PS_BYTES("$s.TotalMailboxSize", "$b")
		"  '{0}|{1}|{2}|{3}|{4}|{5}|{6}' -f $u, $s.Status, $s.PercentComplete, $b,"
		" $s.TotalMailboxItemCount, $s.BadItemsEncountered,"
		" (\"$($s.Message)\" -replace '[\\r\\n|]+', ' ')\n"
		"}\n" },
	/* Remove-MoveRequest: a failed request must go before a new one
	 * (KB 4502865); it asks for confirmation, which -NonInteractive
	 * cannot give, hence -Confirm:$false */
	[CMD_MOVE_REMOVE] = { "move_remove", { "users", "exchange_uri" },
		PS_EXCHANGE
		"foreach ($u in ($users -split ',')) {"
		" Remove-MoveRequest -Identity $u -Confirm:$false; 'removed|{0}' -f $u }\n" },
	/* The source organisation, read with its own credentials: after a
	 * cross-forest move the source mailbox user is mail-enabled, with a
	 * targetAddress and no homeMDB (AD module Get-ADUser -Properties) */
	[CMD_SOURCE_MEU] = { "source_meu", { "users", "source_domain", "credential_user" },
		"Import-Module ActiveDirectory\n"
		PS_CREDENTIAL
		"foreach ($u in ($users -split ',')) {\n"
		"  $o = Get-ADUser -Identity $u -Server $source_domain -Credential $credential"
		" -Properties targetAddress, homeMDB\n"
		"  '{0}|{1}' -f $u, [bool]($o.targetAddress -and -not $o.homeMDB)\n"
		"}\n" },
	/* Why a move failed, in the seed's order: the target mail user's
	 * addresses (Get-MailUser EmailAddresses), the databases' quota
	 * (ProhibitSendReceiveQuota, "Unlimited" when unlimited), and the
	 * Application log (Get-EventLog, PowerShell 2.0) */
	[CMD_MAIL_TRIAGE] = { "mail_triage", { "user", "smtp", "exchange_uri" },
		PS_EXCHANGE
		"$mu = Get-MailUser -Identity $user -ErrorAction SilentlyContinue\n"
		"if ($mu) { $has = $false; foreach ($a in $mu.EmailAddresses) {"
		" if (\"$a\" -eq \"smtp:$smtp\") { $has = $true } }; 'smtp|{0}' -f $has }\n"
		"Get-MailboxDatabase | ForEach-Object {\n"
		"  " PS_BYTES("$_.ProhibitSendReceiveQuota", "$q")
		"  'quota|{0}|{1}' -f $_.Name, $q\n"
		"}\n"
		"Get-EventLog -LogName Application -Newest 200 | Where-Object { $_.Message -like"
		" \"*$user*\" } | Select-Object -First 10 | ForEach-Object { 'event|{0:s}|{1}|{2}' -f"
		" $_.TimeGenerated, $_.Source, ($_.Message -replace '\\s+', ' ') }\n" },
	/* The hosts file under %SystemRoot%\System32\drivers\etc, rewritten
	 * whole (Set-Content), so a last line without a line end cannot run
	 * into the new entry; -Force writes it even when read-only, as tools
	 * that "immunise" it leave it (Set-Content help: "-Force ... even if
	 * the file is read-only") */
	[CMD_HOSTS_ADD] = { "hosts_add", { "computer", "address", "namespace" },
		PS_WINDIR_PATH("$path", "System32\\drivers\\etc\\hosts")
		"$line = '{0} {1}' -f $address, $namespace\n"
		"$all = @(Get-Content -Path $path)\n"
		"if (@($all | Where-Object { $_.Trim() -eq $line }).Count) { 'present' }\n"
		"else { Set-Content -Path $path -Value ($all + $line) -Force; 'added' }\n" },
	[CMD_HOSTS_REMOVE] = { "hosts_remove", { "computer", "address", "namespace" },
		PS_WINDIR_PATH("$path", "System32\\drivers\\etc\\hosts")
		"$line = '{0} {1}' -f $address, $namespace\n"
		"$all = @(Get-Content -Path $path)\n"
		"$keep = @($all | Where-Object { $_.Trim() -ne $line })\n"
		"if ($keep.Count -eq $all.Count) { 'absent' }"
		" else { Set-Content -Path $path -Value $keep -Force; 'removed' }\n" },
	/* Outlook 2003's profile, in the logged-on user's hive (HKU, 2147483651):
	 * the profile named by DefaultProfile, its Exchange global section
	 * 13dbb0c8aa05101a9bb000aa002fc45a, PR_PROFILE_HOME_SERVER 001e6602 as
	 * REG_BINARY (ANSI and a NUL); a user not logged on has no hive there,
	 * and the hive of carve's own session on the machine (reached
	 * directly, its profile loaded) is not the user's */
	[CMD_OUTLOOK_SERVER] = { "outlook_server", { "computer" },
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default -ComputerName $computer\n"
		"$pr = 'Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem"
		"\\Profiles'\n"
		"$found = $false\n"
		"$me = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value\n"
		"$hives = $reg.EnumKey(2147483651, '')\n"
		"if ($hives.sNames) { foreach ($sid in $hives.sNames) {\n"
		"  if ($sid -notlike 'S-1-5-21-*' -or $sid -like '*_Classes' -or $sid -eq $me)"
		" { continue }\n"
		"  $found = $true\n"
		"  $d = $reg.GetStringValue(2147483651, \"$sid\\$pr\", 'DefaultProfile')\n"
		"  if ($d.ReturnValue -ne 0) { 'noprofile|{0}' -f $sid; continue }\n"
		"  $k = '{0}\\{1}\\{2}\\13dbb0c8aa05101a9bb000aa002fc45a' -f $sid, $pr, $d.sValue\n"
		"  $v = $reg.GetBinaryValue(2147483651, $k, '001e6602')\n"
		"  if ($v.ReturnValue -ne 0) { 'noprofile|{0}' -f $sid; continue }\n"
		"  'server|{0}|{1}' -f $sid, (-join ($v.uValue | Where-Object { $_ -ne 0 } |"
		" ForEach-Object { [char]$_ }))\n"
		"} }\n"
		"if (-not $found) { 'nobody' }\n" },
	/* Get-ADComputer -Filter * with lastLogonTimestamp (a FILETIME,
	 * replicated with a lag of up to 14 days: adschema
	 * a-lastlogontimestamp) and OperatingSystem, in the source domain */
	[CMD_SOURCE_COMPUTERS] = { "source_computers", { "source_domain", "credential_user" },
		"Import-Module ActiveDirectory\n"
		PS_CREDENTIAL
		"Get-ADComputer -Filter '*' -Server $source_domain -Credential $credential"
		" -Properties lastLogonTimestamp, OperatingSystem | ForEach-Object {\n"
		"  if ($_.lastLogonTimestamp) {"
		" $l = [DateTime]::FromFileTimeUtc($_.lastLogonTimestamp).ToString('s') } else { $l = '' }\n"
		"  '{0}|{1}|{2}|{3}' -f $_.Name, $_.Enabled, $l, $_.OperatingSystem\n"
		"}\n" },
	/* Win32_Service ChangeStartMode('Automatic') and StartService()
	 * (return 0 on success; 14: the service is disabled) */
	[CMD_FIX_SERVICES] = { "fix_services", { "computer" },
		"foreach ($n in 'RemoteRegistry', 'LanmanServer', 'LanmanWorkstation', 'Netlogon') {\n"
		"  $s = Get-WmiObject -Class Win32_Service -ComputerName $computer"
		" -Filter (\"Name='{0}'\" -f $n)\n"
		"  if ($s.StartMode -ne 'Auto') { 'mode|{0}|{1}' -f $n,"
		" $s.ChangeStartMode('Automatic').ReturnValue }\n"
		"  if ($s.State -ne 'Running') { 'start|{0}|{1}' -f $n, $s.StartService().ReturnValue }\n"
		"}\n" },
	/* The adapters the pre-flight finds (NetConnectionStatus not 0, 4 or
	 * 5: disconnected, absent, disabled); Win32_NetworkAdapter.Disable()
	 * from Windows Vista on; XP has no such method, so there devcon
	 * ("devcon disable @<instance id>", valid only on the local machine)
	 * is copied over and run, when the plan gives one; netsh cannot
	 * disable a LAN or wireless connection on XP (carve-plan(5)).  The
	 * wired adapter that is connected (NetConnectionStatus 2; 7 is
	 * "Media disconnected", Win32_NetworkAdapter class page) is the one
	 * the machine works through and is never disabled. */
	[CMD_FIX_NICS] = { "fix_nics", { "computer", "os", "devcon" },
		"$all = @(Get-WmiObject -Class Win32_NetworkAdapter -ComputerName $computer"
		" -Filter 'NetConnectionStatus IS NOT NULL')\n"
		"$on = @(); $wired = @()\n"
		"foreach ($a in $all) {\n"
		"  if (@(0, 4, 5) -contains $a.NetConnectionStatus) { continue }\n"
		"  $on += $a\n"
		"  if (-not (('{0} {1}' -f $a.NetConnectionID, $a.Name) -match"
		" 'wireless|wi-fi|wifi|wlan|802\\.11|centrino' -or $a.AdapterTypeId -eq 9))"
		" { $wired += $a }\n"
		"}\n"
		/* the one the machine works through stays: connected (2), not
		 * merely enabled with no cable (7, Media disconnected) */
		"$keep = @($wired | Where-Object { $_.NetConnectionStatus -eq 2 })\n"
		"if ($keep.Count) { $keep = $keep[0] } elseif ($wired.Count) { $keep = $wired[0] }"
		" else { $keep = $null }\n"
		"foreach ($a in $on) {\n"
		"  if ($keep -and $a.DeviceID -eq $keep.DeviceID) { continue }\n"
		"  if ($os -ne 'xp') { 'disable|{0}|{1}' -f $a.NetConnectionID, $a.Disable().ReturnValue;"
		" continue }\n"
		"  if (-not $devcon) { 'manual|{0}' -f $a.NetConnectionID; continue }\n"
		"  " PS_WINDIR_PATH("$to", "Temp\\devcon.exe")
		"  Copy-Item -Path $devcon -Destination $to -Force\n"
		"  $win = (Get-WmiObject -Class Win32_OperatingSystem -ComputerName $computer)"
		".WindowsDirectory\n"
		"  $line = '\"{0}\\Temp\\devcon.exe\" disable \"@{1}\"' -f $win, $a.PNPDeviceID\n"
		"  " PS_RUN_AND_WAIT
		"  'devcon|{0}' -f $a.NetConnectionID\n"
		"}\n" },
	/* netsh firewall set opmode mode=DISABLE profile=ALL on XP SP2 (KB
	 * 875356), netsh advfirewall set allprofiles state off from Vista on;
	 * a Group Policy setting still wins, which the check afterwards shows */
	[CMD_FIX_FIREWALL] = { "fix_firewall", { "computer", "os" },
		"if ($os -eq 'xp') { $line = 'netsh firewall set opmode mode=DISABLE profile=ALL' }\n"
		"else { $line = 'netsh advfirewall set allprofiles state off' }\n"
		PS_RUN_AND_WAIT
		"'off'\n" },
	/* The local Administrators group by its SID S-1-5-32-544 (its name is
	 * translated: Administratoren, Administrateurs), then the WinNT
	 * provider's group Add() */
	[CMD_FIX_ADMIN] = { "fix_admin", { "computer", "target_netbios", "migrator" },
		"$g = Get-WmiObject -Class Win32_Group -ComputerName $computer"
		" -Filter \"LocalAccount=True AND SID='S-1-5-32-544'\"\n"
		"$group = [ADSI]('WinNT://{0}/{1},group' -f $computer, $g.Name)\n"
		"$group.Add(('WinNT://{0}/{1},user' -f $target_netbios, $migrator))\n"
		"'added'\n" },
	/* An update package copied to the machine first (the process
	 * Win32_Process starts has no network credentials), then run with the
	 * package switches /quiet /norestart (KB 262841) */
	[CMD_FIX_HOTFIX] = { "fix_hotfix", { "computer", "package" },
		"$name = Split-Path -Path $package -Leaf\n"
		PS_WINDIR_PATH("$to", "Temp")
		"Copy-Item -Path $package -Destination (Join-Path $to $name) -Force\n"
		"$win = (Get-WmiObject -Class Win32_OperatingSystem -ComputerName $computer)"
		".WindowsDirectory\n"
		"$line = '\"{0}\\Temp\\{1}\" /quiet /norestart' -f $win, $name\n"
		PS_RUN_AND_WAIT
		"'installed'\n" },
};

const char *cmd_key(carve_command c)
{
	return (unsigned)c < CMD__COUNT ? defs[c].key : "?";
}

const char *const *cmd_params(carve_command c)
{
	static const char *const none[] = { NULL };

	return (unsigned)c < CMD__COUNT ? defs[c].params : none;
}

/* A value reaches the line as an assignment, so the body gets this much
 * less than the whole line; 2.7 is base64 of UTF-16. */
#define BODY_MAX 2400

/* The script for c with body: an assignment of each value above it. */
static int render(carve_buf *script, carve_command c, const char *body, const char *const *values)
{
	const command_def *d = &defs[c];
	carve_buf tmpl = CARVE_BUF_INIT;
	size_t n = 0;
	int err;

	carve_buf_puts(&tmpl, "$ErrorActionPreference = 'Stop'\n");
	for (; n < CMD_MAX_VALUES && d->params[n]; n++) {
		if (!values[n]) {
			carve_buf_done(&tmpl);
			return carve_error_set(CARVE_EINVALID, "the plan gives no value for $%s,"
					       " which the %s command needs", d->params[n], d->key);
		}
		carve_buf_printf(&tmpl, "$%s = {{%s}}\n", d->params[n], d->params[n]);
	}
	carve_buf_puts(&tmpl, body);
	err = tmpl.failed ? carve_error_oom()
			  : carve_ps_script(script, tmpl.ptr, d->params, values, n);
	carve_buf_done(&tmpl);
	return err;
}

bool cmd_template_ok(const char *key, const char *text, const char **why)
{
	size_t len = strlen(text);
	int c = 0;

	while (c < CMD__COUNT && strcmp(defs[c].key, key))
		c++;
	if (c == CMD__COUNT) {
		*why = "no such command";
		return false;
	}
	if (strspn(text, " \t\r\n") == len) {
		*why = "the template is blank";
		return false;
	}
	if (len > BODY_MAX) {
		*why = "the template is longer than 2400 bytes, which leaves no room on a"
		       " Windows command line (8191 characters) for its values";
		return false;
	}
	/* Scanned as a run would, without the values' assignments above it so
	 * a line number is the template's own: a quote left open or a {{ }}
	 * (values are variables, not placeholders) shows now. */
	carve_buf script = CARVE_BUF_INIT;
	int err = carve_ps_script(&script, text, defs[c].params, NULL, 0);
	carve_buf_done(&script);
	if (err < 0) {
		static _Thread_local char msg[512];
		carve_buf vars = CARVE_BUF_INIT;
		for (size_t i = 0; i < CMD_MAX_VALUES && defs[c].params[i]; i++)
			carve_buf_printf(&vars, "%s$%s", i ? ", " : "", defs[c].params[i]);
		*why = carve_error_last()->message;
		if (strncmp(*why, "unknown placeholder", 19) == 0) {
			snprintf(msg, sizeof(msg), "%s: %s%s%s", *why,
				 vars.len ? "a template reads its values as variables ("
					  : "this command has no values",
				 vars.len ? carve_buf_cstr(&vars) : "", vars.len ? ")" : "");
			*why = msg;
		}
		carve_buf_done(&vars);
		return false;
	}
	return true;
}

bool cmd_list_add(carve_buf *list, const char *name, const carve_plan *plan, carve_command c,
		  const char *const *values)
{
	const char *v[CMD_MAX_VALUES] = { NULL };
	carve_buf line = CARVE_BUF_INIT;
	size_t mark = list->len;

	carve_buf_printf(list, "%s%s", mark ? "," : "", name);
	for (size_t i = 0; i < CMD_MAX_VALUES && defs[c].params[i]; i++)
		v[i] = values[i];
	v[0] = carve_buf_cstr(list);
	bool fits = cmd_line(&line, plan, c, v) == 0 || mark == 0;
	carve_buf_done(&line);
	if (!fits) {
		list->len = mark;
		list->ptr[mark] = '\0';
	}
	return fits;
}

int cmd_line(carve_buf *out, const carve_plan *plan, carve_command c,
	     const char *const *values)
{
	const command_def *d = &defs[c];
	carve_buf script = CARVE_BUF_INIT;
	size_t mark = out->len;
	int err;

	if ((err = render(&script, c, plan->commands[c] ? plan->commands[c] : d->body,
			  values)) < 0 ||
	    (err = carve_ps_command(out, carve_buf_cstr(&script))) < 0)
		goto done;
	if (out->len - mark > CMD_LINE_MAX) {
		size_t len = out->len - mark;
		out->len = mark;
		out->ptr[mark] = '\0';
		err = carve_error_set(CARVE_EINVALID, "the %s command would be %zu characters"
				      " long, more than Windows takes (%d)", d->key, len,
				      CMD_LINE_MAX);
	}
done:
	carve_buf_done(&script);
	return err;
}
