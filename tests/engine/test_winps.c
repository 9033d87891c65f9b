/*
 * test_winps.c - the Windows command-line and output layer: PowerShell
 * literals checked against a reference tokenizer, scripts round-tripped
 * through -EncodedCommand, and real Windows output samples decoded.
 */
#include "winps.h"
#include "support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- helpers */

/* UTF-8 sequence length from the lead byte; the inputs here are valid. */
static size_t seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Written from PowerShell's tokenizer (ScanStringLiteral), independently of
 * winps_encode.c: these five characters all open and close a literal. */
static bool ref_is_quote(const char *s, size_t n)
{
	return (n == 1 && s[0] == '\'') ||
	       (n == 3 && memcmp(s, "\xE2\x80", 2) == 0 &&
		(unsigned char)s[2] >= 0x98 && (unsigned char)s[2] <= 0x9B);
}

/*
 * Reads one single-quoted literal at the start of lit as PowerShell would:
 * a quote followed by a quote appends the second and goes on, a quote
 * followed by anything else ends the literal.  Returns the value (owned) and
 * sets *consumed to the bytes the literal spans; NULL if it never ends.
 */
static char *ref_read_literal(const char *lit, size_t *consumed)
{
	size_t len = strlen(lit), i, n;
	carve_buf value = CARVE_BUF_INIT;

	if (len == 0 || !ref_is_quote(lit, seq_len((unsigned char)lit[0])))
		return NULL;
	i = seq_len((unsigned char)lit[0]);
	while (i < len) {
		n = seq_len((unsigned char)lit[i]);
		if (ref_is_quote(lit + i, n)) {
			size_t m = i + n < len ? seq_len((unsigned char)lit[i + n]) : 0;

			if (!m || !ref_is_quote(lit + i + n, m)) {
				char *result = strdup(carve_buf_cstr(&value));

				*consumed = i + n;
				carve_buf_done(&value);
				return result;
			}
			i += n; /* the doubled pair: keep the second */
			n = m;
		}
		carve_buf_put(&value, lit + i, n);
		i += n;
	}
	carve_buf_done(&value);
	return NULL;
}

/* Quotes value, checks the literal against expected (if given) and that the
 * reference tokenizer reads back exactly value from the whole literal. */
static void check_quote(const char *value, const char *expected)
{
	carve_buf out = CARVE_BUF_INIT;
	size_t consumed = 0;
	char *back;

	cr_assert_eq(carve_ps_quote(&out, value), 0, "quote failed: %s",
		     carve_error_last()->message);
	if (expected)
		cr_assert_str_eq(out.ptr, expected, "quote(%s) = %s, want %s",
				 value, out.ptr, expected);
	back = ref_read_literal(out.ptr, &consumed);
	cr_assert_not_null(back, "literal %s never ends", out.ptr);
	cr_assert_eq(consumed, out.len,
		     "literal for %s ends at byte %zu of %zu: the value escapes",
		     value, consumed, out.len);
	cr_assert_str_eq(back, value, "tokenizer read back %s from %s", back, out.ptr);
	free(back);
	carve_buf_done(&out);
}

static char *script_of(const char *tmpl, const char *const *names,
		       const char *const *values, size_t n)
{
	carve_buf out = CARVE_BUF_INIT;

	cr_assert_eq(carve_ps_script(&out, tmpl, names, values, n), 0,
		     "script failed: %s", carve_error_last()->message);
	return out.ptr;
}

/* carve_ps_command then carve_ps_decode_command must give back script. */
static void check_round_trip(const char *script)
{
	carve_buf cmd = CARVE_BUF_INIT, back = CARVE_BUF_INIT;
	size_t prefix = strlen(CARVE_PS_COMMAND_PREFIX);

	cr_assert_eq(carve_ps_command(&cmd, script), 0, "command failed: %s",
		     carve_error_last()->message);
	cr_assert(strncmp(cmd.ptr, CARVE_PS_COMMAND_PREFIX, prefix) == 0,
		  "command line starts %.60s", cmd.ptr);
	cr_assert_eq(strspn(cmd.ptr + prefix,
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
		     cmd.len - prefix, "base64 part has a character cmd.exe could see");
	cr_assert_eq(carve_ps_decode_command(&back, cmd.ptr), 0, "decode failed: %s",
		     carve_error_last()->message);
	cr_assert_eq(back.len, strlen(script), "decoded %zu bytes, want %zu",
		     back.len, strlen(script));
	cr_assert(memcmp(back.ptr, script, back.len) == 0, "decoded script differs");
	carve_buf_done(&cmd);
	carve_buf_done(&back);
}

/* Every expected failure must leave what was already in the buffer. */
#define KEEP "kept:"

static void expect_einvalid(int rc, carve_buf *out, const char *what,
			    const char *message_part)
{
	cr_assert_eq(rc, CARVE_EINVALID, "%s: rc %d, want CARVE_EINVALID", what, rc);
	cr_assert_str_eq(carve_buf_cstr(out), KEEP, "%s: buffer changed to %s", what,
			 carve_buf_cstr(out));
	cr_assert(strstr(carve_error_last()->message, message_part),
		  "%s: message '%s' lacks '%s'", what, carve_error_last()->message,
		  message_part);
}

/* ------------------------------------------------------- carve_ps_quote */

/* Each value with the literal it must become.  Only the five single quotes
 * are doubled; everything else, however dangerous elsewhere, is kept. */
static const struct {
	const char *value;
	const char *literal;
} hostile[] = {
	{ "", "''" },
	{ "plain", "'plain'" },
	{ "O'Brien", "'O''Brien'" },
	{ "'", "''''" },
	{ "''", "''''''" },
	{ "\xE2\x80\x98x\xE2\x80\x99", "'\xE2\x80\x98\xE2\x80\x98x\xE2\x80\x99\xE2\x80\x99'" },
	{ "\xE2\x80\x9A low \xE2\x80\x9B rev", "'\xE2\x80\x9A\xE2\x80\x9A low \xE2\x80\x9B\xE2\x80\x9B rev'" },
	{ "x' ; Remove-Item C:\\ -Recurse ; '", "'x'' ; Remove-Item C:\\ -Recurse ; '''" },
	{ "\xE2\x80\x99; calc; \xE2\x80\x98", "'\xE2\x80\x99\xE2\x80\x99; calc; \xE2\x80\x98\xE2\x80\x98'" },
	{ "say \"hi\"", "'say \"hi\"'" },
	{ "\xE2\x80\x9C" "curly double" "\xE2\x80\x9D", "'\xE2\x80\x9C" "curly double" "\xE2\x80\x9D'" },
	{ "$(Get-Process)", "'$(Get-Process)'" },
	{ "$env:USERPROFILE ${x}", "'$env:USERPROFILE ${x}'" },
	{ "back`tick`'", "'back`tick`'''" },
	{ "%PATH% & | ; < > ^", "'%PATH% & | ; < > ^'" },
	{ "line1\rline2", "'line1\rline2'" },
	{ "line1\nline2", "'line1\nline2'" },
	{ "line1\r\n'@\r\nevil", "'line1\r\n''@\r\nevil'" },
	{ "tab\there", "'tab\there'" },
	{ "# not a comment", "'# not a comment'" },
	{ "Zo\xC3\xAB", "'Zo\xC3\xAB'" },
	{ "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "'\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E'" },
	{ "\xF0\x9F\x98\x80 grin", "'\xF0\x9F\x98\x80 grin'" },
	{ "\x01\x1B[31m\x7F", "'\x01\x1B[31m\x7F'" },
};

Test(winps_quote, hostile_values_become_exact_literals)
{
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(hostile); i++)
		check_quote(hostile[i].value, hostile[i].literal);
}

/* Random strings built from the pieces most likely to break out of a
 * literal; the reference tokenizer must read each back whole. */
Test(winps_quote, random_hostile_strings_never_escape)
{
	static const char *const pieces[] = {
		"'", "''", "\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x9A", "\xE2\x80\x9B",
		"\"", "\xE2\x80\x9C", "`", "$", "(", ")", "@", "#", "\r", "\n", "\t",
		"a", " ", "\xC3\xAB", "\xF0\x9F\x98\x80", "%", "&",
	};
	uint32_t state = 0x9E3779B9u;

	for (int round = 0; round < 3000; round++) {
		char value[256];
		size_t len = 0;
		int pieces_in = (int)(state % 12);

		for (int k = 0; k < pieces_in; k++) {
			state ^= state << 13, state ^= state >> 17, state ^= state << 5;
			const char *p = pieces[state % CARVE_ARRAY_SIZE(pieces)];
			memcpy(value + len, p, strlen(p));
			len += strlen(p);
		}
		value[len] = '\0';
		state ^= state << 13, state ^= state >> 17, state ^= state << 5;
		check_quote(value, NULL);
	}
}

Test(winps_quote, appends_to_what_is_there)
{
	carve_buf out = CARVE_BUF_INIT;

	carve_buf_puts(&out, "Get-Item -LiteralPath ");
	cr_assert_eq(carve_ps_quote(&out, "C:\\it's"), 0);
	cr_assert_str_eq(out.ptr, "Get-Item -LiteralPath 'C:\\it''s'");
	carve_buf_done(&out);
}

Test(winps_quote, refuses_invalid_utf8)
{
	static const char *const bad[] = {
		"\x80",                  /* lone continuation byte */
		"ok\xC3",                /* truncated sequence at the end */
		"\xC0\x80",              /* overlong NUL */
		"\xC1\xBF",              /* overlong ASCII */
		"\xE0\x80\xA7",          /* overlong quote */
		"\xED\xA0\x80",          /* UTF-16 surrogate D800 */
		"\xF4\x90\x80\x80",      /* above U+10FFFF */
		"\xF5\x80\x80\x80",      /* never a lead byte */
		"\xE2\x80",              /* half a curly quote */
		"caf\xE9",               /* Latin-1, not UTF-8 */
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(bad); i++) {
		carve_buf out = CARVE_BUF_INIT;

		carve_buf_puts(&out, KEEP);
		expect_einvalid(carve_ps_quote(&out, bad[i]), &out, bad[i], "UTF-8");
		carve_buf_done(&out);
	}
}

/* ------------------------------------------------------ carve_ps_script */

Test(winps_script, hostile_values_round_trip_through_encoded_command)
{
	static const char *const names[] = { "path", "value" };

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(hostile); i++) {
		const char *values[] = { "C:\\Temp\\x.txt", hostile[i].value };
		carve_buf want = CARVE_BUF_INIT;
		char *script;

		script = script_of("Set-Content -LiteralPath {{path}} -Value {{value}}\r\n"
				   "Write-Output {{path}}", names, values, 2);
		carve_buf_printf(&want, "Set-Content -LiteralPath 'C:\\Temp\\x.txt' -Value %s\r\n"
				 "Write-Output 'C:\\Temp\\x.txt'", hostile[i].literal);
		cr_assert_str_eq(script, want.ptr, "script for %s", hostile[i].value);
		check_round_trip(script);
		free(script);
		carve_buf_done(&want);
	}
}

Test(winps_script, long_values_round_trip)
{
	static const char *const chunk = "O'Brien \xE2\x80\x98$(x)\xE2\x80\x99 `\r\n"
					 "\xE6\x97\xA5\xF0\x9F\x98\x80%PATH%|&;<>\t";
	static const char *const names[] = { "big" };
	size_t n = strlen(chunk), reps = 100 * 1024 / n + 1, consumed = 0;
	char *big = malloc(reps * n + 1), *script, *back;
	const char *values[1];
	carve_buf lit = CARVE_BUF_INIT;

	cr_assert_not_null(big);
	for (size_t i = 0; i < reps; i++)
		memcpy(big + i * n, chunk, n);
	big[reps * n] = '\0';
	cr_assert_geq(strlen(big), 100 * 1024u);
	values[0] = big;
	script = script_of("$v = {{big}}; $v.Length", names, values, 1);
	check_round_trip(script);
	cr_assert_eq(carve_ps_quote(&lit, big), 0);
	back = ref_read_literal(lit.ptr, &consumed);
	cr_assert_not_null(back);
	cr_assert_eq(consumed, lit.len, "100 KB literal ends early");
	cr_assert_str_eq(back, big, "100 KB literal reads back differently");
	free(back);
	free(script);
	free(big);
	carve_buf_done(&lit);
}

Test(winps_script, placeholders_repeat_and_trusted_text_is_kept)
{
	static const char *const names[] = { "svc", "n" };
	static const char *const values[] = { "Netlogon", "it's" };
	char *script = script_of(
		"# it's a comment with 'quotes' and {braces}\n"
		"$s = Get-Service -Name {{svc}} # trailing 'comment'\n"
		"<# block 'comment' \" #> Write-Host 'it''s' \"a `\" b\" {{n}}\n"
		"$h = @'\n"
		"here 'quoted' \"text\"\n"
		"'@\n"
		"if ($s) { Restart-Service -Name {{svc}} }",
		names, values, 2);

	cr_assert_str_eq(script,
			 "# it's a comment with 'quotes' and {braces}\n"
			 "$s = Get-Service -Name 'Netlogon' # trailing 'comment'\n"
			 "<# block 'comment' \" #> Write-Host 'it''s' \"a `\" b\" 'it''s'\n"
			 "$h = @'\n"
			 "here 'quoted' \"text\"\n"
			 "'@\n"
			 "if ($s) { Restart-Service -Name 'Netlogon' }");
	free(script);
}

Test(winps_script, no_values)
{
	char *script = script_of("Get-Date", NULL, NULL, 0);

	cr_assert_str_eq(script, "Get-Date");
	free(script);
}

Test(winps_script, refuses_bad_templates)
{
	static const char *const names[] = { "a", "b" };
	static const char *const values[] = { "x", "y" };
	static const struct {
		const char *tmpl;
		size_t n;
		const char *message_part;
	} cases[] = {
		{ "Write-Output {{a}} {{c}}", 1, "unknown placeholder {{c}} at line 1" },
		{ "Write-Output {{a}}", 2, "value {{b}} is not used" },
		{ "Write-Output {{a}}\n{{ a}}", 1, "malformed placeholder at line 2" },
		{ "Write-Output {{a}\n", 1, "malformed placeholder" },
		{ "Write-Output {{1a}}", 1, "malformed placeholder" },
		{ "Write-Output '{{a}}'", 1, "inside a single-quoted string" },
		{ "Write-Output 'x {{a}} y'", 1, "inside a single-quoted string" },
		{ "Write-Output \"{{a}}\"", 1, "inside a double-quoted string" },
		{ "Write-Output \xE2\x80\x9C{{a}}\xE2\x80\x9D", 1, "inside a double-quoted string" },
		{ "Write-Output \"`\"{{a}}\"", 1, "inside a double-quoted string" },
		{ "$x = @\"\n{{a}}\n\"@", 1, "inside a here-string" },
		{ "$x = @'\n{{a}}\n'@", 1, "inside a here-string" },
		{ "$x = @\"\n'@ {{a}}\n\"@", 1, "inside a here-string" },
		{ "$x = @'\n '@\n{{a}}\n'@", 1, "inside a here-string" },
		{ "Get-Date # {{a}}", 1, "inside a comment" },
		{ "<# {{a}} #>", 1, "inside a comment" },
		{ "icacls.exe --% C:\\x {{a}}", 1, "inside a --% line" },
		{ "Write-Output \xE2\x80\x98{{a}}", 1, "inside a single-quoted string" },
		{ "Write-Output x'{{a}}'", 1, "inside a single-quoted string" },
		{ "Write-Output `{{a}}", 1, "touches a quote" },
		{ "Write-Output @{{a}}", 1, "touches a quote" },
		{ "Write-Output {{a}}{{b}}", 2, "touches a quote" },
		{ "Write-Output {{a}}'x'", 1, "touches a quote" },
		{ "Write-Output {{a}}\xE2\x80\x99x\xE2\x80\x99", 1, "touches a quote" },
		{ "Write-Output 'unterminated", 0, "ends inside a single-quoted string" },
		{ "Write-Output \"unterminated", 0, "ends inside a double-quoted string" },
		{ "<# unterminated", 0, "ends inside a comment" },
		{ "Write-Output \xC3", 0, "not valid UTF-8" },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(cases); i++) {
		carve_buf out = CARVE_BUF_INIT;

		carve_buf_puts(&out, KEEP);
		expect_einvalid(carve_ps_script(&out, cases[i].tmpl, names, values, cases[i].n),
				&out, cases[i].tmpl, cases[i].message_part);
		carve_buf_done(&out);
	}
}

Test(winps_script, refuses_bad_values_and_names)
{
	static const char *const dup_names[] = { "a", "a" };
	static const char *const values[] = { "x", "y" };
	static const char *const names[] = { "a" };
	static const char *const bad_values[] = { "ok\xFF" };
	carve_buf out = CARVE_BUF_INIT;

	carve_buf_puts(&out, KEEP);
	expect_einvalid(carve_ps_script(&out, "Write-Output {{a}}", dup_names, values, 2),
			&out, "duplicate name", "{{a}} is given twice");
	expect_einvalid(carve_ps_script(&out, "Write-Output {{a}}", names, bad_values, 1),
			&out, "bad value", "value of {{a}} is not valid UTF-8 (byte 2)");
	carve_buf_done(&out);
}

/* ---------------------------------------------------- carve_ps_command */

Test(winps_command, known_vectors)
{
	static const struct {
		const char *script;
		const char *base64;
	} vectors[] = {
		/* The example in powershell.exe's own help. */
		{ "Get-Date", "RwBlAHQALQBEAGEAdABlAA==" },
		{ "a", "YQA=" },
		{ "ab", "YQBiAA==" },
		{ "abc", "YQBiAGMA" },
		{ "Zo\xC3\xAB", "WgBvAOsA" },
		/* U+1F600 as the surrogate pair D83D DE00. */
		{ "\xF0\x9F\x98\x80", "PdgA3g==" },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(vectors); i++) {
		carve_buf out = CARVE_BUF_INIT, want = CARVE_BUF_INIT;

		carve_buf_printf(&want, "%s%s", CARVE_PS_COMMAND_PREFIX, vectors[i].base64);
		cr_assert_eq(carve_ps_command(&out, vectors[i].script), 0);
		cr_assert_str_eq(out.ptr, want.ptr, "command for %s", vectors[i].script);
		cr_assert_str_eq(out.ptr + strlen(CARVE_PS_COMMAND_PREFIX), vectors[i].base64);
		carve_buf_done(&out);
		carve_buf_done(&want);
	}
	cr_assert_str_eq(CARVE_PS_COMMAND_PREFIX,
			 "powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass"
			 " -EncodedCommand ");
}

Test(winps_command, refuses_empty_and_invalid_scripts)
{
	carve_buf out = CARVE_BUF_INIT;

	carve_buf_puts(&out, KEEP);
	expect_einvalid(carve_ps_command(&out, ""), &out, "empty script", "empty");
	expect_einvalid(carve_ps_command(&out, "Get-Date \xED\xB0\x80"), &out,
			"encoded surrogate", "not valid UTF-8 (byte 9)");
	carve_buf_done(&out);
}

Test(winps_command, decode_accepts_powershell_spellings)
{
	static const char *const lines[] = {
		"powershell -NoProfile -NonInteractive -EncodedCommand RwBlAHQALQBEAGEAdABlAA==",
		"powershell.exe -enc RwBlAHQALQBEAGEAdABlAA==",
		"PowerShell.EXE -E RwBlAHQALQBEAGEAdABlAA==",
		"POWERSHELL -ec RwBlAHQALQBEAGEAdABlAA==",
		"powershell -encodedcommand RwBlAHQALQBEAGEAdABlAA==",
		"powershell -EncodedC RwBlAHQALQBEAGEAdABlAA==",
		"powershell /nop /noni /enc RwBlAHQALQBEAGEAdABlAA==",
		("  powershell\t-NoLogo  -nop -ExecutionPolicy Bypass -ep Bypass -ex Bypass"
		 "   -e\tRwBlAHQALQBEAGEAdABlAA==  "),
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(lines); i++) {
		carve_buf out = CARVE_BUF_INIT;

		carve_buf_puts(&out, KEEP);
		cr_assert_eq(carve_ps_decode_command(&out, lines[i]), 0, "%s: %s", lines[i],
			     carve_error_last()->message);
		cr_assert_str_eq(out.ptr, KEEP "Get-Date", "decoded from %s", lines[i]);
		carve_buf_done(&out);
	}
}

/* A PowerShell reading its scripts from stdin: the command line carve
 * sends and its spellings, and a frame: one line, base64 of the UTF-8
 * script between the nonce's markers, an empty line after it. */
Test(winps_command, stdin_host_and_its_frames)
{
	static const char *const lines[] = {
		CARVE_PS_HOST_COMMAND, "powershell.exe -nop -noni -c -", "powershell -Com -",
	};
	carve_buf out = CARVE_BUF_INIT;

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(lines); i++) {
		cr_assert_eq(carve_ps_decode_command(&out, lines[i]), CARVE_PS_STDIN, "%s: %s",
			     lines[i], carve_error_last()->message);
		cr_assert_eq(out.len, 0);
	}
	cr_assert_eq(carve_ps_frame(&out, "'\xc3\xa4'\n\n1", "carve-ab"), 0);
	cr_assert_str_eq(out.ptr, "& { 'carve-ab|frame'; try { Invoke-Expression ([Text.Encoding]"
			 "::UTF8.GetString([Convert]::FromBase64String('J8OkJwoKMQ=='))) } catch { "
			 "'carve-ab|failed'; $_.Exception.Message }; 'carve-ab|done' }\n\n");
	carve_buf_done(&out);
	carve_buf_puts(&out, KEEP);
	expect_einvalid(carve_ps_frame(&out, "", "n"), &out, "empty", "empty PowerShell script");
	expect_einvalid(carve_ps_frame(&out, "a\xff", "n"), &out, "bad", "not valid UTF-8 (byte 1)");
	carve_buf_done(&out);
}

Test(winps_command, decode_refuses_malformed_command_lines)
{
	static const struct {
		const char *line;
		const char *message_part;
	} cases[] = {
		{ "", "not a powershell command line" },
		{ "pwsh -enc RwBlAHQALQBEAGEAdABlAA==", "not a powershell command line" },
		{ "cmd /c powershell -enc RwBlAHQALQBEAGEAdABlAA==", "not a powershell command line" },
		{ "powershellx -enc RwBlAHQALQBEAGEAdABlAA==", "not a powershell command line" },
		{ "powershell -NoProfile", "no -EncodedCommand" },
		{ "powershell -Command Get-Date", "-Command takes only \"-\"" },
		{ "powershell -Command - Get-Date", "-Command takes only \"-\"" },
		{ "powershell -enc YQA= -Command -", "both -Command and -EncodedCommand" },
		{ "powershell -no -enc RwBlAHQALQBEAGEAdABlAA==", "unexpected argument '-no'" },
		{ "powershell -enc RwBlAHQALQBEAGEAdABlAA== extra", "unexpected argument 'extra'" },
		{ "powershell \x1B[2J\xC3\xA4 -enc YQA=", "unexpected argument '?[2J?" "?' to" }, /* not a trigraph */
		{ "powershell -enc", "'-enc' needs an argument" },
		{ "powershell -enc YQA= -e YQA=", "two encoded commands" },
		{ "powershell -enc RwBlAHQALQBEAGEAdABlAA=", "not a multiple of 4" },
		{ "powershell -enc RwBlAHQALQBEAGE*dABlAA==", "'*' at base64 character 15" },
		{ "powershell -enc RwBl=HQALQBEAGEAdABlAA==", "'=' at base64 character 4" },
		{ "powershell -enc YQA=YQA=", "'=' at base64 character 3" },
		{ "powershell -enc YQ=A", "'=' at base64 character 2" },
		{ "powershell -enc YQB=", "non-canonical" },
		{ "powershell -enc YR==", "non-canonical" },
		{ "powershell -enc YQBi", "odd number" },
		{ "powershell -enc PdhhAA==", "unpaired surrogate at byte 0" },
		{ "powershell -enc AN5hAA==", "unpaired surrogate at byte 0" },
		{ "powershell -enc YQA92A==", "unpaired surrogate at byte 2" },
		{ "powershell -enc AAA=", "U+0000" },
		{ "powershell -enc \"YQBiAA\"", "'\"' at base64 character 0" },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(cases); i++) {
		carve_buf out = CARVE_BUF_INIT;

		carve_buf_puts(&out, KEEP);
		expect_einvalid(carve_ps_decode_command(&out, cases[i].line), &out,
				cases[i].line, cases[i].message_part);
		carve_buf_done(&out);
	}
}

/* --------------------------------------------------- carve_win_decode */

static char *decode_sample(const char *name, carve_oem_codepage cp)
{
	carve_buf out = CARVE_BUF_INIT, rel = CARVE_BUF_INIT;
	char *path, *raw;
	size_t len = 0;

	carve_buf_printf(&rel, "winps/%s", name);
	path = t_data(rel.ptr);
	raw = t_read_file(path, &len);
	cr_assert_not_null(raw, "cannot read %s", path);
	cr_assert_eq(carve_win_decode(&out, (const unsigned char *)raw, len, cp), 0);
	free(raw);
	free(path);
	carve_buf_done(&rel);
	return out.ptr ? out.ptr : strdup("");
}

static void check_sample(const char *name, carve_oem_codepage cp, const char *want)
{
	char *got = decode_sample(name, cp);

	cr_assert_str_eq(got, want, "%s decoded to:\n%s\nwant:\n%s", name, got, want);
	free(got);
}

#define WMIC_TEXT \
	"Caption  FreeSpace     Size\n" \
	"C:       52228907008   255953203200\n" \
	"D:\n" \
	"E:       1073741824    8587833344\n"

Test(winps_decode, wmic_cr_cr_lf)
{
	check_sample("wmic_logicaldisk_win7_en.crcrlf.txt", CARVE_OEM_437, WMIC_TEXT);
}

Test(winps_decode, wmic_utf16le_with_bom)
{
	check_sample("wmic_logicaldisk_win10_en.utf16bom.txt", CARVE_OEM_437, WMIC_TEXT);
}

Test(winps_decode, hotfix_utf16le_without_bom)
{
	check_sample("get_hotfix_win10_en.utf16nobom.txt", CARVE_OEM_437,
		     "\n"
		     "Source        Description      HotFixID      InstalledBy          InstalledOn\n"
		     "------        -----------      --------      -----------          -----------\n"
		     "WS-0142       Update           KB5031988     NT AUTHORITY\\SYSTEM  11/14/2023 12:00:00 AM\n"
		     "WS-0142       Security Update  KB5032189     NT AUTHORITY\\SYSTEM  11/15/2023 12:00:00 AM\n"
		     "WS-0142       Update           KB5032907                          12/13/2023 12:00:00 AM\n");
}

Test(winps_decode, hotfix_german_oem_850)
{
	check_sample("get_hotfix_win10_de.cp850.txt", CARVE_OEM_850,
		     "\n"
		     "Source        Description      HotFixID      InstalledBy          InstalledOn\n"
		     "------        -----------      --------      -----------          -----------\n"
		     "PC-BUCHHALT   Update           KB5031988     NT-AUTORITÄT\\SYSTEM  14.11.2023 00:00:00\n"
		     "PC-BUCHHALT   Security Update  KB5032189     NT-AUTORITÄT\\SYSTEM  15.11.2023 00:00:00\n");
}

Test(winps_decode, sc_query_trailing_blanks)
{
	check_sample("sc_query_netlogon_xp_en.txt", CARVE_OEM_437,
		     "\n"
		     "SERVICE_NAME: Netlogon\n"
		     "        TYPE               : 20  WIN32_SHARE_PROCESS\n"
		     "        STATE              : 4  RUNNING\n"
		     "                                (STOPPABLE, PAUSABLE, ACCEPTS_SHUTDOWN)\n"
		     "        WIN32_EXIT_CODE    : 0  (0x0)\n"
		     "        SERVICE_EXIT_CODE  : 0  (0x0)\n"
		     "        CHECKPOINT         : 0x0\n"
		     "        WAIT_HINT          : 0x0\n");
}

Test(winps_decode, net_localgroup_english)
{
	check_sample("net_localgroup_win7_en.txt", CARVE_OEM_437,
		     "Alias name     Administrators\n"
		     "Comment        Administrators have complete and unrestricted access to the computer/domain\n"
		     "\n"
		     "Members\n"
		     "\n"
		     "-------------------------------------------------------------------------------\n"
		     "Administrator\n"
		     "CORP\\Domain Admins\n"
		     "CORP\\svc-deploy\n"
		     "The command completed successfully.\n");
}

Test(winps_decode, net_localgroup_german_oem_850)
{
	check_sample("net_localgroup_win7_de.cp850.txt", CARVE_OEM_850,
		     "Aliasname     Administratoren\n"
		     "Beschreibung  Administratoren haben uneingeschränkten Vollzugriff auf den Computer bzw. die Domäne.\n"
		     "\n"
		     "Mitglieder\n"
		     "\n"
		     "-------------------------------------------------------------------------------\n"
		     "Administrator\n"
		     "CORP\\Domänen-Admins\n"
		     "CORP\\jürgen.müller\n"
		     "CORP\\Björn.Größer\n"
		     "Der Befehl wurde erfolgreich ausgeführt.\n");
}

#define DIR_XP_HEAD \
	" Volume in drive C has no label.\n" \
	" Volume Serial Number is 4C3A-91F2\n" \
	"\n" \
	" Directory of C:\\Shares\n" \
	"\n" \
	"03/14/2009  09:12 AM    <DIR>          .\n" \
	"03/14/2009  09:12 AM    <DIR>          ..\n" \
	"11/02/2008  04:55 PM            18,432 Café Menü.doc\n" \
	"01/20/2009  10:03 AM             2,048 Übersicht ½.txt\n"
#define DIR_XP_TAIL \
	"               3 File(s)         20,992 bytes\n" \
	"               2 Dir(s)   8,421,376,000 bytes free\n"

/* 0x9B is where the two code pages part: '¢' in 437, 'ø' in 850. */
Test(winps_decode, dir_oem_437_and_the_wrong_page)
{
	check_sample("dir_shares_xp_en.cp437.txt", CARVE_OEM_437,
		     DIR_XP_HEAD "02/02/2009  08:40 AM               512 Coffee 50¢.txt\n" DIR_XP_TAIL);
	check_sample("dir_shares_xp_en.cp437.txt", CARVE_OEM_850,
		     DIR_XP_HEAD "02/02/2009  08:40 AM               512 Coffee 50ø.txt\n" DIR_XP_TAIL);
}

Test(winps_decode, utf8_with_bom)
{
	check_sample("get_localgroupmember_win10_de.utf8bom.txt", CARVE_OEM_850,
		     "\n"
		     "ObjectClass Name                         PrincipalSource\n"
		     "----------- ----                         ---------------\n"
		     "Benutzer    PC-BUCHHALT\\Administrator    Local\n"
		     "Gruppe      CORP\\Domänen-Admins          ActiveDirectory\n"
		     "Benutzer    CORP\\jürgen.müller           ActiveDirectory\n");
}

Test(winps_decode, mixed_line_ends_from_a_batch)
{
	check_sample("batch_mixed_win7_en.txt", CARVE_OEM_437,
		     "\n"
		     "C:\\Users\\deploy>echo Checking disks\n"
		     "Checking disks\n"
		     "\n"
		     "C:\\Users\\deploy>wmic logicaldisk where \"DeviceID='C:'\" get freespace\n"
		     "FreeSpace\n"
		     "52228907008\n"
		     "\n"
		     "\n"
		     "Verifying: 10 percent complete.\n"
		     "Verifying: 100 percent complete.\n"
		     "Done.\n");
}

static void check_raw(const char *raw, size_t len, carve_oem_codepage cp,
		      const char *want, const char *what)
{
	carve_buf out = CARVE_BUF_INIT;
	/* A heap copy of exactly len bytes, so ASan sees any read past it. */
	unsigned char *copy = malloc(len ? len : 1);

	cr_assert_not_null(copy);
	memcpy(copy, raw, len);
	carve_buf_puts(&out, KEEP);
	cr_assert_eq(carve_win_decode(&out, copy, len, cp), 0, "%s", what);
	free(copy);
	cr_assert_eq(out.len, strlen(KEEP) + strlen(want), "%s: got '%s'", what, out.ptr);
	cr_assert_str_eq(out.ptr + strlen(KEEP), want, "%s", what);
	carve_buf_done(&out);
}
#define CHECK_RAW(raw, cp, want) check_raw(raw, sizeof(raw) - 1, cp, want, #raw)

Test(winps_decode, line_end_rules)
{
	CHECK_RAW("", CARVE_OEM_437, "");
	CHECK_RAW(" \t\r\n\r\r\n  \r", CARVE_OEM_437, "");
	CHECK_RAW("a", CARVE_OEM_437, "a\n");
	CHECK_RAW("a\r\n", CARVE_OEM_437, "a\n");
	CHECK_RAW("a\r\r\nb", CARVE_OEM_437, "a\nb\n");
	CHECK_RAW("a\r\r\r\nb", CARVE_OEM_437, "a\nb\n");
	CHECK_RAW("a\rb", CARVE_OEM_437, "a\nb\n");
	CHECK_RAW("a\r\rb", CARVE_OEM_437, "a\n\nb\n");
	CHECK_RAW("a\n\r\nb", CARVE_OEM_437, "a\n\nb\n");
	CHECK_RAW("\r\n\r\nx \t\r\n\t\r\n", CARVE_OEM_437, "\n\nx\n");
	CHECK_RAW("a \t b\t \r\n", CARVE_OEM_437, "a \t b\n");
	CHECK_RAW("a\0bc\r\n\0", CARVE_OEM_437, "abc\n");
	CHECK_RAW("a\r\0\nb\0\0\0\0", CARVE_OEM_437, "a\nb\n");
	CHECK_RAW("\x1B[32mok\x1B[0m\f", CARVE_OEM_437, "\x1B[32mok\x1B[0m\f\n");
}

Test(winps_decode, encodings)
{
	/* UTF-16LE: BOM dropped; a pair joined; lone halves and a dangling
	 * byte replaced. */
	CHECK_RAW("\xFF\xFE" "a\0\r\0\n\0", CARVE_OEM_437, "a\n");
	CHECK_RAW("\xFF\xFE" "=\xD8\0\xDE", CARVE_OEM_437, "\xF0\x9F\x98\x80\n");
	CHECK_RAW("\xFF\xFE" "=\xD8" "a\0", CARVE_OEM_437, "\xEF\xBF\xBD" "a\n");
	CHECK_RAW("\xFF\xFE" "\0\xDE" "a\0", CARVE_OEM_437, "\xEF\xBF\xBD" "a\n");
	CHECK_RAW("\xFF\xFE" "a\0=\xD8", CARVE_OEM_437, "a\xEF\xBF\xBD\n");
	CHECK_RAW("\xFF\xFE" "a\0b", CARVE_OEM_437, "a\xEF\xBF\xBD\n");
	CHECK_RAW("\xFF\xFE" "=\xD8\xDE", CARVE_OEM_437, "\xEF\xBF\xBD\xEF\xBF\xBD\n");
	CHECK_RAW("\xFF\xFE", CARVE_OEM_437, "");
	CHECK_RAW("o\0k\0\xE4\0", CARVE_OEM_437, "ok\xC3\xA4\n");
	CHECK_RAW("a\0", CARVE_OEM_437, "a\n");
	/* One NUL among many bytes is not UTF-16. */
	CHECK_RAW("abc\0defg", CARVE_OEM_437, "abcdefg\n");
	/* UTF-8 with and without BOM is kept. */
	CHECK_RAW("\xEF\xBB\xBF" "Zo\xC3\xAB", CARVE_OEM_437, "Zo\xC3\xAB\n");
	CHECK_RAW("\xE6\x97\xA5\xE6\x9C\xAC", CARVE_OEM_850, "\xE6\x97\xA5\xE6\x9C\xAC\n");
	/* One invalid byte sends the whole text to the OEM page. */
	CHECK_RAW("\xC3\xAB \x81", CARVE_OEM_850, "\xE2\x94\x9C\xC2\xBD \xC3\xBC\n");
	CHECK_RAW("\xEF\xBB\xBF\x94", CARVE_OEM_850, "\xC3\xB6\n");
}

Test(winps_decode, oem_tables)
{
	static const struct {
		unsigned char byte;
		const char *cp437, *cp850;
	} cells[] = {
		{ 0x80, "Ç", "Ç" }, { 0x81, "ü", "ü" }, { 0x84, "ä", "ä" },
		{ 0x8E, "Ä", "Ä" }, { 0x94, "ö", "ö" }, { 0x99, "Ö", "Ö" },
		{ 0x9A, "Ü", "Ü" }, { 0x9B, "¢", "ø" }, { 0x9D, "¥", "Ø" },
		{ 0x9E, "₧", "×" }, { 0xA9, "⌐", "®" }, { 0xB5, "╡", "Á" },
		{ 0xC4, "─", "─" }, { 0xD5, "╒", "ı" }, { 0xE1, "ß", "ß" },
		{ 0xE6, "µ", "µ" }, { 0xEE, "ε", "¯" }, { 0xF2, "≥", "‗" },
		{ 0xFD, "²", "²" }, { 0xFE, "■", "■" },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(cells); i++) {
		char raw[2] = { (char)cells[i].byte, 'x' };
		carve_buf want = CARVE_BUF_INIT;

		carve_buf_printf(&want, "%sx\n", cells[i].cp437);
		check_raw(raw, 2, CARVE_OEM_437, want.ptr, "cp437 cell");
		want.len = 0;
		carve_buf_printf(&want, "%sx\n", cells[i].cp850);
		check_raw(raw, 2, CARVE_OEM_850, want.ptr, "cp850 cell");
		carve_buf_done(&want);
	}
	/* 0xFF is a no-break space: text, so not stripped at a line end. */
	CHECK_RAW("1\xFF", CARVE_OEM_850, "1\xC2\xA0\n");
}

/* Every byte through both tables gives valid UTF-8 and no NUL. */
Test(winps_decode, every_oem_byte_is_text)
{
	unsigned char raw[128 * 2];

	for (int i = 0; i < 128; i++) {
		raw[2 * i] = (unsigned char)(0x80 + i);
		raw[2 * i + 1] = 'x';
	}
	for (int cp = CARVE_OEM_437; cp <= CARVE_OEM_850; cp++) {
		carve_buf out = CARVE_BUF_INIT;
		size_t i = 0, chars = 0;

		cr_assert_eq(carve_win_decode(&out, raw, sizeof(raw), (carve_oem_codepage)cp), 0);
		while (i < out.len) {
			uint32_t c;
			size_t n = carve_winps_utf8_decode(&c, (const unsigned char *)out.ptr + i,
							   out.len - i);

			cr_assert_gt(n, 0, "cp %d: invalid UTF-8 at %zu", cp, i);
			cr_assert_neq(c, 0);
			chars++;
			i += n;
		}
		cr_assert_eq(chars, 128 * 2 + 1, "cp %d: %zu characters", cp, chars);
		carve_buf_done(&out);
	}
}
