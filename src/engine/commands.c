/*
 * commands.c - the built-in templates of the migration steps' PowerShell
 * and how a command line is made from one.
 *
 * The defaults use what Windows PowerShell 2.0 and later have (WMI,
 * StdRegProv, the admin share), the ADMT command line, the ActiveDirectory
 * module on the ADMT server and the Exchange cmdlets on the mail migration
 * server.  Sites whose tools differ (another mailbox mover, another way to
 * read ADMT's post-check status) replace them in the plan.
 */
#include "commands.h"
#include "plan_internal.h"
#include "winps.h"

#include <string.h>

typedef struct {
	const char *key;
	const char *params[5];
	const char *body;
} command_def;

#define ADMT_LOGS "C:\\Windows\\ADMT\\Logs"
#define PROFILE_KEY "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging " \
	"Subsystem\\Profiles\\Outlook\\13dbb0c8aa05101a9bb000aa002fc45a"

static const command_def defs[CMD__COUNT] = {
	[CMD_BOOT_TIME] = { "boot_time", { "computer" },
		"Get-WmiObject -Class Win32_OperatingSystem -ComputerName $computer"
		" | ForEach-Object { $_.LastBootUpTime }\n" },
	[CMD_RESTART] = { "restart", { "computer" },
		"Restart-Computer -ComputerName $computer -Force\n" },
	[CMD_COMPUTER] = { "computer", { "computer" },
		"Get-WmiObject -Class Win32_ComputerSystem -ComputerName $computer"
		" | ForEach-Object { '{0}|{1}|{2}' -f $_.Name, $_.Domain, $_.UserName }\n" },
	[CMD_ADMT_MIGRATE] = { "admt_migrate",
		{ "computers", "source_domain", "target_domain", "target_ou" },
		"$names = $computers -split ','\n"
		"& admt.exe computer /n $names /sd:$source_domain /td:$target_domain"
		" /to:$target_ou /rdl:1\n"
		"exit $LASTEXITCODE\n" },
	[CMD_ADMT_STATUS] = { "admt_status", { NULL },
		"Invoke-Sqlcmd -ServerInstance '.\\MS_ADMT' -Database 'ADMT' -Query"
		" 'SELECT c.SourceName AS Name, a.PostCheckStatus AS Status FROM AgentStatus a"
		" JOIN Computers c ON c.ComputerId = a.ComputerId'"
		" | ForEach-Object { '{0}|{1}' -f $_.Name, $_.Status }\n" },
	[CMD_ADMT_LOG] = { "admt_log", { "computer" },
		"Get-ChildItem -Path '" ADMT_LOGS "' -Recurse -Filter '*.log'"
		" | Sort-Object LastWriteTime -Descending | Select-Object -First 5"
		" | Select-String -SimpleMatch -Pattern $computer | Select-Object -Last 20"
		" | ForEach-Object { $_.Line }\n" },
	[CMD_DISABLE_SOURCE] = { "disable_source", { "computer", "source_domain" },
		"Disable-ADAccount -Identity \"$computer`$\" -Server $source_domain\n"
		"(Get-ADComputer -Identity \"$computer`$\" -Server $source_domain).Enabled\n" },
	[CMD_LOGON_DOMAIN] = { "logon_domain", { "computer", "target_netbios" },
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default"
		" -ComputerName $computer\n"
		"$key = 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon'\n"
		"$null = $reg.SetStringValue(2147483650, $key, 'DefaultDomainName', $target_netbios)\n"
		"$reg.GetStringValue(2147483650, $key, 'DefaultDomainName').sValue\n" },
	[CMD_MOVE_START] = { "move_start",
		{ "users", "bad_item_limit", "source_namespace", "target_domain" },
		"foreach ($u in ($users -split ',')) {\n"
		"  try {\n"
		"    $null = New-MoveRequest -Identity $u -Remote -RemoteHostName $source_namespace"
		" -TargetDeliveryDomain $target_domain -BadItemLimit $bad_item_limit\n"
		"    '{0}|Queued|' -f $u\n"
		"  } catch {\n"
		"    '{0}|Failed|{1}' -f $u, $_.Exception.Message\n"
		"  }\n"
		"}\n" },
	[CMD_MOVE_STATUS] = { "move_status", { NULL },
		"Get-MoveRequest | Get-MoveRequestStatistics | ForEach-Object {"
		" '{0}|{1}|{2}|{3}|{4}|{5}|{6}' -f $_.Alias, $_.Status, $_.PercentComplete,"
		" $_.TotalMailboxSize.ToBytes(), $_.TotalMailboxItemCount, $_.BadItemsEncountered,"
		" $_.Message }\n" },
	[CMD_SOURCE_MEU] = { "source_meu", { "users", "source_domain" },
		"foreach ($u in ($users -split ',')) {\n"
		"  $m = Get-MailUser -Identity $u -DomainController $source_domain"
		" -ErrorAction SilentlyContinue\n"
		"  '{0}|{1}' -f $u, [bool]$m\n"
		"}\n" },
	[CMD_MAIL_TRIAGE] = { "mail_triage", { "user", "smtp" },
		"$mu = Get-MailUser -Identity $user\n"
		"'smtp|{0}' -f [bool]($mu.EmailAddresses | Where-Object { \"$_\" -eq \"smtp:$smtp\" })\n"
		"Get-MailboxDatabase | ForEach-Object { 'quota|{0}|{1}' -f $_.Name,"
		" $_.ProhibitSendReceiveQuota.Value.ToBytes() }\n"
		"Get-EventLog -LogName Application -Newest 200"
		" | Where-Object { $_.Message -like \"*$user*\" } | Select-Object -First 10"
		" | ForEach-Object { 'event|{0:s}|{1}|{2}' -f $_.TimeGenerated, $_.Source,"
		" ($_.Message -replace '\\s+', ' ') }\n" },
	[CMD_HOSTS_ADD] = { "hosts_add", { "computer", "address", "namespace" },
		"$path = '\\\\{0}\\C$\\Windows\\System32\\drivers\\etc\\hosts' -f $computer\n"
		"$line = '{0} {1}' -f $address, $namespace\n"
		"if (Get-Content -Path $path | Where-Object { $_.Trim() -eq $line }) { 'present' }"
		" else { Add-Content -Path $path -Value $line; 'added' }\n" },
	[CMD_HOSTS_REMOVE] = { "hosts_remove", { "computer", "address", "namespace" },
		"$path = '\\\\{0}\\C$\\Windows\\System32\\drivers\\etc\\hosts' -f $computer\n"
		"$line = '{0} {1}' -f $address, $namespace\n"
		"$all = @(Get-Content -Path $path)\n"
		"$keep = @($all | Where-Object { $_.Trim() -ne $line })\n"
		"if ($keep.Count -eq $all.Count) { 'absent' }"
		" else { Set-Content -Path $path -Value $keep; 'removed' }\n" },
	[CMD_OUTLOOK_SERVER] = { "outlook_server", { "computer" },
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default"
		" -ComputerName $computer\n"
		"foreach ($sid in $reg.EnumKey(2147483651, '').sNames) {\n"
		"  $v = $reg.GetStringValue(2147483651, \"$sid\\" PROFILE_KEY "\", '001e6602')\n"
		"  if ($v.ReturnValue -eq 0) { $v.sValue }\n"
		"}\n" },
	[CMD_FIX_SERVICES] = { "fix_services", { "computer" },
		"foreach ($name in 'RemoteRegistry', 'LanmanServer', 'LanmanWorkstation', 'Netlogon') {\n"
		"  $s = Get-WmiObject -Class Win32_Service -ComputerName $computer"
		" -Filter \"Name='$name'\"\n"
		"  if ($s.StartMode -ne 'Auto') { $null = $s.ChangeStartMode('Automatic') }\n"
		"  if ($s.State -ne 'Running') { $null = $s.StartService(); \"started $name\" }\n"
		"}\n" },
	[CMD_FIX_NICS] = { "fix_nics", { "computer" },
		"$wired = 0\n"
		"Get-WmiObject -Class Win32_NetworkAdapter -ComputerName $computer"
		" -Filter \"PhysicalAdapter=True\" | ForEach-Object {\n"
		"  if (-not $_.NetEnabled -and $_.NetConnectionStatus -ne 2) { return }\n"
		"  $wifi = \"$($_.NetConnectionID) $($_.Name)\" -match"
		" 'wireless|wi-fi|wifi|wlan|802\\.11|centrino'\n"
		"  if (-not $wifi -and $wired++ -eq 0) { return }\n"
		"  $null = $_.Disable()\n"
		"  \"disabled $($_.NetConnectionID)\"\n"
		"}\n" },
	[CMD_FIX_FIREWALL] = { "fix_firewall", { "computer" },
		"$reg = Get-WmiObject -List StdRegProv -Namespace root\\default"
		" -ComputerName $computer\n"
		"foreach ($p in 'DomainProfile', 'StandardProfile', 'PublicProfile') {\n"
		"  $key = \"SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\"
		"FirewallPolicy\\$p\"\n"
		"  $null = $reg.SetDWORDValue(2147483650, $key, 'EnableFirewall', 0)\n"
		"}\n"
		"'off'\n" },
	[CMD_FIX_ADMIN] = { "fix_admin", { "computer", "target_netbios", "migrator" },
		"$group = [ADSI]\"WinNT://$computer/Administrators,group\"\n"
		"$group.Add(\"WinNT://$target_netbios/$migrator,user\")\n"
		"'added'\n" },
	[CMD_FIX_HOTFIX] = { "fix_hotfix", { "computer", "package" },
		"$line = '\"{0}\" /quiet /norestart' -f $package\n"
		"$p = Invoke-WmiMethod -ComputerName $computer -Class Win32_Process -Name Create"
		" -ArgumentList $line\n"
		"if ($p.ReturnValue -ne 0) { throw \"the installer did not start ($($p.ReturnValue))\" }\n"
		"while (Get-WmiObject -Class Win32_Process -ComputerName $computer"
		" -Filter \"ProcessId=$($p.ProcessId)\") { Start-Sleep -Seconds 5 }\n"
		"'installed'\n" },
};

const char *cmd_key(carve_command c)
{
	return (unsigned)c < CMD__COUNT ? defs[c].key : "?";
}

/* A value reaches the line as an assignment, so the body gets this much
 * less than the whole line; 2.7 is base64 of UTF-16. */
#define BODY_MAX 2400

bool cmd_template_ok(const char *text, const char **why)
{
	size_t len = strlen(text);

	if (strspn(text, " \t\r\n") == len) {
		*why = "the template is blank";
		return false;
	}
	if (len > BODY_MAX) {
		*why = "the template is longer than 2400 bytes, which leaves no room on a"
		       " Windows command line (8191 characters) for its values";
		return false;
	}
	return true;
}

bool cmd_list_add(carve_buf *list, const char *name, const carve_plan *plan, carve_command c,
		  const char *const *values)
{
	const char *v[CARVE_ARRAY_SIZE(defs[0].params)] = { NULL };
	carve_buf line = CARVE_BUF_INIT;
	size_t mark = list->len;

	carve_buf_printf(list, "%s%s", mark ? "," : "", name);
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(v) && defs[c].params[i]; i++)
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
	const char *body = plan->commands[c] ? plan->commands[c] : d->body;
	carve_buf tmpl = CARVE_BUF_INIT, script = CARVE_BUF_INIT;
	size_t n = 0, mark = out->len;
	int err = 0;

	carve_buf_puts(&tmpl, "$ErrorActionPreference = 'Stop'\n");
	for (; n < CARVE_ARRAY_SIZE(d->params) && d->params[n]; n++) {
		if (!values[n]) {
			err = carve_error_set(CARVE_EINVALID, "the plan gives no value for $%s,"
					      " which the %s command needs", d->params[n], d->key);
			goto done;
		}
		carve_buf_printf(&tmpl, "$%s = {{%s}}\n", d->params[n], d->params[n]);
	}
	carve_buf_puts(&tmpl, body);
	if (tmpl.failed) {
		err = carve_error_oom();
		goto done;
	}
	if ((err = carve_ps_script(&script, tmpl.ptr, d->params, values, n)) < 0 ||
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
	carve_buf_done(&tmpl);
	carve_buf_done(&script);
	return err;
}
