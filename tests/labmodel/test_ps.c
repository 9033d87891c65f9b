/*
 * test_ps.c - carve-lab's PowerShell 2.0 model: the language, the way
 * PowerShell 2.0 binds parameters and reports errors, and what 2.0 does
 * not have.  Every expected error text is PowerShell's own (see ps.h and
 * the files it names for where each comes from).
 */
#include "model.h"

static t_model m;

static const char fixture[] =
	T_MODEL_LAB
	"hosts:\n"
	"  - { name: MGMT01, role: management, port: 2200, os: 2008r2 }\n"
	"  - { name: WS7, port: 2201, os: '7', user: alice }\n";

static void setup(void)
{
	t_model_load(&m, fixture);
}

static void teardown(void)
{
	t_model_done(&m);
}

TestSuite(ps, .init = setup, .fini = teardown, .timeout = 30);

#define RUN(script) t_ps_run(&m, "MGMT01", "CONTOSO\\svc_targetmigrator", true, script)

Test(ps, values_operators_and_format)
{
	t_ps r = RUN("$x = 2; $y = 'b'\n"
		     "$x + 3\n"
		     "'a' + $x\n"
		     "\"v=$x$y `$x\"\n"
		     "'{0}|{1,3}|{2:N0}' -f 'a', 7, 1234567\n"
		     "5 / 2\n"
		     "(1, 2, 3) -join ','\n"
		     "'a,b,,c' -split ','\n"
		     "'Hello' -replace 'l+', 'L'\n"
		     "if ('abc' -match 'b(c)') { $matches[1] }\n"
		     "[int]'42' + 1\n"
		     "1kb\n");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "5\na2\nv=2b $x\na|  7|1,234,567\n2.5\n1,2,3\na\nb\n\nc\nHeLo\nc\n43\n"
			 "1024\n");
	t_ps_done(&r);
}

Test(ps, foreach_runs_once_over_null_as_in_powershell_2)
{
	t_ps r = RUN("$n = 0; foreach ($x in $null) { $n++ }; $n\n"
		     "$k = 0; foreach ($x in @()) { $k++ }; $k\n");
	cr_assert_str_eq(r.out, "1\n0\n");
	t_ps_done(&r);
}

/* An expression is assigned as it is, a pipeline's output collected. */
Test(ps, an_empty_array_assigned_stays_an_array)
{
	t_ps r = RUN("$a = @(); $a += 'x'; $a.Count\n"
		     "$b = @(7); \"[$($b.Count)]\"\n"
		     "$c = Write-Output 7; \"[$($c.Count)]\"\n"
		     "$d = @() | ForEach-Object { $_ }; $d -eq $null\n");
	/* PowerShell 2.0: a scalar has no Count */
	cr_assert_str_eq(r.out, "1\n[1]\n[]\nTrue\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
}

Test(ps, no_member_enumeration_in_powershell_2)
{
	t_ps r = RUN("$a = @((New-Object psobject -Property @{ N = 1 }), "
		     "(New-Object psobject -Property @{ N = 2 }))\n"
		     "\"[$($a.N)]\"\n"
		     "$a.Count\n"
		     "($a | ForEach-Object { $_.N }) -join '+'\n");
	cr_assert_str_eq(r.out, "[]\n2\n1+2\n", "%s", r.out);
	t_ps_done(&r);
}

Test(ps, a_parse_error_runs_nothing)
{
	t_ps r = RUN("'before'\n$x = 1\nif ($x -in @(1, 2)) { 'in' }\n");
	cr_assert_eq(r.exit, 1);
	cr_assert_str_eq(r.out, "");
	cr_assert(strstr(r.err, "You must provide a value expression on the right-hand side of "
			 "the '-' operator."), "%s", r.err);
	cr_assert(strstr(r.err, "At line:3 char:"), "%s", r.err);
	cr_assert(strstr(r.err, "<<<<"), "%s", r.err);
	cr_assert(strstr(r.err, "FullyQualifiedErrorId : ExpectedValueExpression"), "%s", r.err);
	t_ps_done(&r);
}

Test(ps, an_unknown_command_is_not_recognized)
{
	t_ps r = RUN("$ErrorActionPreference = 'Stop'\nConvertTo-Json @{ a = 1 }\n'after'\n");
	cr_assert_eq(r.exit, 1);
	cr_assert_str_eq(r.out, "");
	cr_assert(strstr(r.err, "ConvertTo-Json : The term 'ConvertTo-Json' is not recognized as the "
			 "name of a cmdlet, function, script file, or operable program."), "%s", r.err);
	cr_assert(strstr(r.err, "CommandNotFoundException"), "%s", r.err);
	t_ps_done(&r);
}

Test(ps, without_stop_the_next_statement_runs)
{
	t_ps r = RUN("Get-Nothing\n'after'\n");
	cr_assert_eq(r.exit, 0);
	cr_assert_str_eq(r.out, "after\n");
	cr_assert(strstr(r.err, "is not recognized"), "%s", r.err);
	t_ps_done(&r);
}

Test(ps, parameters_bind_by_name_prefix_and_position)
{
	t_ps r = RUN("(Get-WmiObject -Clas Win32_LogicalDisk -Fil \"DeviceID='C:'\").DeviceID\n"
		     "(Get-WmiObject Win32_LogicalDisk).DeviceID\n");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "C:\nC:\n");
	t_ps_done(&r);
}

Test(ps, unknown_and_ambiguous_parameters)
{
	t_ps r = RUN("Get-WmiObject -Klass Win32_LogicalDisk\n"
		     "Get-WmiObject -C Win32_LogicalDisk\n");
	cr_assert(strstr(r.err, "Get-WmiObject : A parameter cannot be found that matches parameter "
			 "name 'Klass'."), "%s", r.err);
	cr_assert(strstr(r.err, "NamedParameterNotFound,Microsoft.PowerShell.Commands."
			 "GetWmiObjectCommand"), "%s", r.err);
	cr_assert(strstr(r.err, "Parameter cannot be processed because the parameter name 'C' is "
			 "ambiguous. Possible matches include: -Class -ComputerName -Credential."),
		  "%s", r.err);
	t_ps_done(&r);
}

Test(ps, where_object_has_no_simplified_syntax_in_2)
{
	t_ps r = RUN("$ErrorActionPreference = 'Stop'\n"
		     "Get-WmiObject Win32_Service | Where-Object Name -eq 'Netlogon'\n");
	cr_assert_eq(r.exit, 1);
	cr_assert(strstr(r.err, "A parameter cannot be found that matches parameter name 'eq'."),
		  "%s", r.err);
	t_ps_done(&r);
}

Test(ps, later_types_are_unknown)
{
	t_ps r = RUN("$ErrorActionPreference = 'Stop'\n[pscustomobject]@{ a = 1 }\n");
	cr_assert_eq(r.exit, 1);
	cr_assert(strstr(r.err, "Unable to find type [pscustomobject]: make sure that the assembly "
			 "containing this type is loaded."), "%s", r.err);
	t_ps_done(&r);
}

Test(ps, method_errors_read_as_in_2)
{
	t_ps r = RUN("$null.Trim()\n'x'.Frobnicate()\n");
	cr_assert(strstr(r.err, "You cannot call a method on a null-valued expression."), "%s",
		  r.err);
	cr_assert(strstr(r.err, "Method invocation failed because [System.String] doesn't contain a "
			 "method named 'Frobnicate'."), "%s", r.err);
	cr_assert(strstr(r.err, "InvalidOperation: (Frobnicate:String) [], RuntimeException"), "%s",
		  r.err);
	t_ps_done(&r);
}

Test(ps, stop_makes_a_cmdlet_error_terminating_and_catchable)
{
	t_ps r = RUN("$ErrorActionPreference = 'Stop'\n"
		     "try { Get-Content 'C:\\nothing.txt' } catch { 'caught: ' + $_.Exception.Message }\n"
		     "try { throw 'boom' } catch { \"caught: $_\" } finally { 'finally' }\n");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "caught: Command execution stopped because the preference variable "
			 "\"ErrorActionPreference\" or common parameter is set to Stop: Cannot find "
			 "path 'C:\\nothing.txt' because it does not exist.\ncaught: boom\nfinally\n",
			 "%s", r.out);
	t_ps_done(&r);
}

Test(ps, exit_codes)
{
	t_ps r = RUN("'a'\nexit 7\n'b'\n");
	cr_assert_eq(r.exit, 7);
	cr_assert_str_eq(r.out, "a\n");
	t_ps_done(&r);
	r = RUN("throw 'no'\n");
	cr_assert_eq(r.exit, 1);
	cr_assert(strstr(r.err, "no\nAt line:1 char:"), "%s", r.err);
	t_ps_done(&r);
}

Test(ps, a_string_that_mentions_a_command_does_nothing)
{
	t_ps r = RUN("$null = 'Restart-Computer -ComputerName WS7 -Force'; 'did nothing'\n");
	cr_assert_str_eq(r.out, "did nothing\n");
	cr_assert_not(r.reboot);
	t_ps_done(&r);
	pthread_mutex_lock(&m.site.lock);
	lab_host *ws = lab_find_host(&m.site, "WS7");
	cr_assert(lab_host_up(ws, time(NULL)), "WS7 must not have restarted");
	pthread_mutex_unlock(&m.site.lock);
}

Test(ps, stdin_is_input_and_console_in_is_drained)
{
	t_ps r = t_ps_run_input(&m, "MGMT01", "CONTOSO\\svc_targetmigrator", true,
				"first line\nsecond\n",
				"@($input)[0]\n[Console]::In.ReadLine() -eq $null\n");
	cr_assert_str_eq(r.out, "first line\nTrue\n", "%s", r.out);
	t_ps_done(&r);
}

Test(ps, splatting_hashtables_and_functions)
{
	t_ps r = RUN("$p = @{ Class = 'Win32_LogicalDisk'; Filter = \"DeviceID='C:'\" }\n"
		     "(Get-WmiObject @p).DeviceID\n"
		     "function Twice { param($v) $v * 2 }\n"
		     "Twice 21\n"
		     "$h = @{}; $h['k'] = 'v'; $h.k\n");
	cr_assert_eq(r.exit, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "C:\n42\nv\n");
	t_ps_done(&r);
}

/* powershell.exe -Command - on MGMT01: stdin fed a line at a time as the
 * lab's server does; what it wrote, decoded, and its exit status. */
static t_ps host_run(const char *stdin_text)
{
	lab_session session = { "CONTOSO\\svc_targetmigrator", LAB_LOGON_PASSWORD, true, NULL, 0 };
	carve_buf out = CARVE_BUF_INIT, err = CARVE_BUF_INIT;
	lab_ps *p = lab_ps_open(&m.site, "MGMT01", &session, CARVE_PS_HOST_COMMAND);
	bool reboot = false;

	cr_assert_not_null(p);
	for (const char *s = stdin_text; *s;) {
		size_t n = strcspn(s, "\n");
		if (!lab_ps_line(p, &out, &err, s, n))
			break;
		s += n + (s[n] == '\n');
	}
	int exit = lab_ps_close(p, &reboot);
	t_ps r = t_ps_decoded(&out, &err, exit, reboot);
	carve_buf_done(&out);
	carve_buf_done(&err);
	return r;
}

/* A statement at a time, as typed: the session's variables last; a
 * statement left open waits for an empty line, and at the end of the input
 * it is dropped; a line that does not parse prints its error and the next
 * runs; exit ends the process with its code. */
Test(ps, command_dash_reads_stdin_a_statement_at_a_time)
{
	t_ps r = host_run("$x = 2\n"
			  "$x + 1\n"
			  "if ($x) {\n"
			  "  'in block'\n"
			  "}\n"
			  "'after the block, before the empty line'\n"
			  "\n"
			  "$y = (1 +\n"
			  "2)\n"
			  "\n"
			  "$y\n"
			  "'unparsed' -in 1\n"
			  "'next'\n"
			  "foreach ($i in 1..2) {\n"
			  "  $i\n");
	cr_assert_str_eq(r.out, "3\nin block\nafter the block, before the empty line\n3\nnext\n",
			 "%s", r.out);
	cr_assert(strstr(r.err, "ExpectedValueExpression"), "%s", r.err);
	cr_assert_eq(r.exit, 0);
	t_ps_done(&r);

	r = host_run("'a'\nexit 5\n'b'\n");
	cr_assert_str_eq(r.out, "a\n");
	cr_assert_eq(r.exit, 5);
	t_ps_done(&r);

	r = host_run("Get-Nothing\n");
	cr_assert_eq(r.exit, 1, "the last statement failed: %s", r.err);
	t_ps_done(&r);
}

/* carve's frame: Invoke-Expression of base64 UTF-8 text, in a scope of its
 * own, a script that does not parse caught as one error. */
Test(ps, a_frame_runs_its_script_in_its_own_scope)
{
	carve_buf in = CARVE_BUF_INIT;

	cr_assert_eq(carve_ps_frame(&in, "$v = 'ü'\n\n$v\n$global:seen = 1", "carve-1"), 0);
	cr_assert_eq(carve_ps_frame(&in, "'$v is' + \" [$v]\"; $seen", "carve-2"), 0);
	cr_assert_eq(carve_ps_frame(&in, "'x' -in 1", "carve-3"), 0);
	t_ps r = host_run(carve_buf_cstr(&in));
	cr_assert_str_eq(r.out, "carve-1|frame\nü\ncarve-1|done\n"
			 "carve-2|frame\n$v is []\n1\ncarve-2|done\n"
			 "carve-3|frame\ncarve-3|failed\nYou must provide a value expression on the "
			 "right-hand side of the '-' operator.\ncarve-3|done\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
	carve_buf_done(&in);

	r = RUN("[Convert]::FromBase64String('QUI=') -join ','\n"
		"[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(' w6Q= '))\n"
		"try { [Convert]::FromBase64String('QUI') } catch { $_.Exception.Message }\n"
		"try { [Convert]::FromBase64String('Q=I=') } catch { $_.Exception.Message }\n");
	cr_assert_str_eq(r.out, "65,66\nä\nException calling \"FromBase64String\" with \"1\" "
			 "argument(s): \"Invalid length for a Base-64 char array.\"\n"
			 "Exception calling \"FromBase64String\" with \"1\" argument(s): \"Invalid "
			 "character in a Base-64 string.\"\n", "%s%s", r.out, r.err);
	t_ps_done(&r);
}
