/*
 * test_names.c - the allow-lists for values that reach remote commands:
 * each boundary on both sides, each forbidden character on its own.
 */
#include "carve.h"
#include "plan_internal.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

typedef bool (*name_check)(const char *s, const char **why);

static void expect_ok(name_check check, const char *s)
{
	const char *why = "untouched";

	cr_expect(check(s, &why), "'%s' refused: %s", s, why);
}

static void expect_bad(name_check check, const char *s, const char *reason)
{
	const char *why = NULL;

	cr_expect_not(check(s, &why), "'%s' accepted", s);
	cr_expect_str_eq(why ? why : "(null)", reason, "'%s'", s);
	cr_expect_not(check(s, NULL), "'%s' accepted without why", s);
}

/* A string of n copies of c (n < 300). */
static const char *rep(char c, size_t n)
{
	static char buf[4][300];
	static int turn;
	char *s = buf[turn++ % 4];

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

Test(names, netbios)
{
	expect_ok(carve_name_netbios, "WS-0001");
	expect_ok(carve_name_netbios, "A");
	expect_ok(carve_name_netbios, "1WS");
	expect_ok(carve_name_netbios, "ws-1-a");
	expect_ok(carve_name_netbios, rep('W', 15));
	expect_bad(carve_name_netbios, rep('W', 16), "it is longer than 15 characters");
	expect_bad(carve_name_netbios, "", "it is empty");
	expect_bad(carve_name_netbios, NULL, "it is empty");
	expect_bad(carve_name_netbios, "-WS1", "it starts or ends with a hyphen");
	expect_bad(carve_name_netbios, "WS1-", "it starts or ends with a hyphen");
	expect_bad(carve_name_netbios, "-", "it starts or ends with a hyphen");
	expect_bad(carve_name_netbios, "12345", "it is all digits");
	expect_bad(carve_name_netbios, "0", "it is all digits");
	static const char *const bad[] = {
		"WS_1", "WS.1", "WS 1", "WS$", "WS\\1", "WS/1", "WS'1", "WS\"1",
		"WS;1", "WS&1", "WS\t1", "W\xc3\xa9S", "WS*", "WS@1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(carve_name_netbios, bad[i], "only letters, digits and hyphens are allowed");
}

Test(names, sam_account_name)
{
	expect_ok(carve_name_sam, "jsmith");
	expect_ok(carve_name_sam, "svc_targetmigrator");
	expect_ok(carve_name_sam, "John.Smith");
	expect_ok(carve_name_sam, "john smith");
	expect_ok(carve_name_sam, "j-smith@x");
	expect_ok(carve_name_sam, "O'Brien");
	expect_ok(carve_name_sam, ".a.");
	expect_ok(carve_name_sam, rep('a', 20));
	expect_bad(carve_name_sam, rep('a', 21), "it is longer than 20 characters");
	/* Characters, not bytes: twenty ü are forty bytes and fine. */
	char umlauts[64] = "";
	for (int i = 0; i < 20; i++)
		strcat(umlauts, "\xc3\xbc");
	expect_ok(carve_name_sam, umlauts);
	strcat(umlauts, "\xc3\xbc");
	expect_bad(carve_name_sam, umlauts, "it is longer than 20 characters");
	expect_bad(carve_name_sam, "", "it is empty");
	expect_bad(carve_name_sam, NULL, "it is empty");
	expect_bad(carve_name_sam, "...", "it is only dots and spaces");
	expect_bad(carve_name_sam, " . ", "it is only dots and spaces");
	expect_bad(carve_name_sam, " ", "it is only dots and spaces");
	expect_bad(carve_name_sam, "a\x01", "it contains a control character");
	expect_bad(carve_name_sam, "a\tb", "it contains a control character");
	expect_bad(carve_name_sam, "a\x7f", "it contains a control character");
	expect_bad(carve_name_sam, "a\xff", "it is not valid UTF-8");

	const char *forbidden = "\"/\\[]:;|=,+*?<>";
	for (const char *c = forbidden; *c; c++) {
		char name[8] = { 'a', *c, 'b', '\0' }, why[32];
		snprintf(why, sizeof(why), "it contains '%c'", *c);
		expect_bad(carve_name_sam, name, why);
	}
}

Test(names, dns)
{
	char name[300];

	expect_ok(carve_name_dns, "fabrikam.local");
	expect_ok(carve_name_dns, "mail-01.fabrikam.com");
	expect_ok(carve_name_dns, "localhost");
	expect_ok(carve_name_dns, "1.2.3.4");
	expect_ok(carve_name_dns, "xn--bcher-kva.example");
	snprintf(name, sizeof(name), "%s.com", rep('a', 63));
	expect_ok(carve_name_dns, name);
	snprintf(name, sizeof(name), "%s.com", rep('a', 64));
	expect_bad(carve_name_dns, name, "a label is longer than 63 characters");
	/* Three labels of 63, one of 59 and one of 1, four dots: 253; then 254. */
	snprintf(name, sizeof(name), "%s.%s.%s.%s.a", rep('a', 63), rep('b', 63), rep('c', 63),
		 rep('d', 59));
	cr_assert_eq(strlen(name), 253);
	expect_ok(carve_name_dns, name);
	snprintf(name, sizeof(name), "%s.%s.%s.%s.a", rep('a', 63), rep('b', 63), rep('c', 63),
		 rep('d', 60));
	expect_bad(carve_name_dns, name, "it is longer than 253 characters");
	expect_bad(carve_name_dns, "", "it is empty");
	expect_bad(carve_name_dns, NULL, "it is empty");
	expect_bad(carve_name_dns, "a..b", "it has an empty label");
	expect_bad(carve_name_dns, ".a", "it has an empty label");
	expect_bad(carve_name_dns, "a.", "it has an empty label");
	expect_bad(carve_name_dns, "-a.com", "a label starts or ends with a hyphen");
	expect_bad(carve_name_dns, "a.b-.com", "a label starts or ends with a hyphen");
	expect_bad(carve_name_dns, "a_b.com", "only letters, digits, hyphens and dots are allowed");
	expect_bad(carve_name_dns, "a b.com", "only letters, digits, hyphens and dots are allowed");
	expect_bad(carve_name_dns, "b\xc3\xbc" "cher.de",
		   "only letters, digits, hyphens and dots are allowed");
}

Test(names, hotfix)
{
	expect_ok(carve_name_hotfix, "KB1");
	expect_ok(carve_name_hotfix, "KB944043");
	expect_ok(carve_name_hotfix, "KB12345678");
	expect_bad(carve_name_hotfix, "KB123456789", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, "KB", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, "kb944043", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, "Q944043", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, "KB9440a3", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, " KB944043", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, "KB944043 ", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, "KB-944043", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, "", "it is not KB followed by 1 to 8 digits");
	expect_bad(carve_name_hotfix, NULL, "it is not KB followed by 1 to 8 digits");
}

/* The account an exec host logs on as: DOMAIN\sam, or a UPN whose prefix
 * may be longer than a sAMAccountName. */
Test(names, logon_account)
{
	char upn[100];

	expect_ok(plan_name_logon, "CONTOSO\\svc_targetmigrator");
	expect_ok(plan_name_logon, "contoso\\carve.ws");
	expect_ok(plan_name_logon, "svc_targetmigrator@contoso.com");
	snprintf(upn, sizeof(upn), "%s@contoso.com", rep('a', 64));
	expect_ok(plan_name_logon, upn);
	snprintf(upn, sizeof(upn), "%s@contoso.com", rep('a', 65));
	expect_bad(plan_name_logon, upn, "its name is longer than 64 characters");
	snprintf(upn, sizeof(upn), "CONTOSO\\%s", rep('a', 21));
	expect_bad(plan_name_logon, upn, "it is longer than 20 characters");
	expect_bad(plan_name_logon, "svc_targetmigrator",
		   "write it as DOMAIN\\user or user@dns.domain");
	expect_bad(plan_name_logon, "CONTOSO-CORPORATE\\x",
		   "the part before \\ is not a NetBIOS domain name");
	expect_bad(plan_name_logon, "\\x", "the part before \\ is not a NetBIOS domain name");
	expect_bad(plan_name_logon, "CONTOSO\\", "it is empty");
	expect_bad(plan_name_logon, "CONTOSO\\a:b", "it contains ':'");
	expect_bad(plan_name_logon, "x@contoso", "the part after @ is not a DNS domain name");
	expect_bad(plan_name_logon, "@contoso.com", "it is empty");
	expect_bad(plan_name_logon, "a;b@contoso.com", "it contains ';'");
}
