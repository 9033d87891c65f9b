/*
 * names.c - allow-lists for plan values that end up on remote command lines
 * or in directory objects.  Each check returns true when the value is
 * acceptable, else false with a static reason that reads after "invalid
 * NetBIOS name 'X': ".
 */
#include "plan_internal.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

static bool fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return false;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

bool carve_name_netbios(const char *s, const char **why)
{
	size_t len = s ? strlen(s) : 0;
	bool digits = true;

	if (len == 0)
		return fail(why, "it is empty");
	if (len > 15)
		return fail(why, "it is longer than 15 characters");
	for (size_t i = 0; i < len; i++) {
		if (!is_alnum(s[i]) && s[i] != '-')
			return fail(why, "only letters, digits and hyphens are allowed");
		digits = digits && s[i] >= '0' && s[i] <= '9';
	}
	if (s[0] == '-' || s[len - 1] == '-')
		return fail(why, "it starts or ends with a hyphen");
	if (digits)
		return fail(why, "it is all digits");
	return true;
}

/* A sAMAccountName, or a UPN's prefix, of at most max characters. */
static bool logon_name(const char *s, size_t len, size_t max, const char **why)
{
	/* Characters Active Directory refuses in a pre-Windows 2000 logon
	 * name, each with its own reason so the message names the culprit. */
	static const char forbidden[] = "\"/\\[]:;|=,+*?<>";
	static const char *const forbidden_why[] = {
		"it contains '\"'", "it contains '/'", "it contains '\\'",
		"it contains '['", "it contains ']'", "it contains ':'",
		"it contains ';'", "it contains '|'", "it contains '='",
		"it contains ','", "it contains '+'", "it contains '*'",
		"it contains '?'", "it contains '<'", "it contains '>'",
	};
	size_t chars = 0;
	bool dots_spaces = true;

	_Static_assert(CARVE_ARRAY_SIZE(forbidden_why) == sizeof(forbidden) - 1,
		       "one reason per forbidden character");
	if (len == 0)
		return fail(why, "it is empty");
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = plan_utf8_seq(s + i, len - i);
		const char *bad = c ? strchr(forbidden, c) : NULL;

		if (n == 0)
			return fail(why, "it is not valid UTF-8");
		if (c < 0x20 || c == 0x7f)
			return fail(why, "it contains a control character");
		if (bad)
			return fail(why, forbidden_why[bad - forbidden]);
		dots_spaces = dots_spaces && (c == '.' || c == ' ');
		chars++;
		i += n;
	}
	if (chars > max)
		return fail(why, max == 20 ? "it is longer than 20 characters"
					   : "its name is longer than 64 characters");
	if (dots_spaces)
		return fail(why, "it is only dots and spaces");
	return true;
}

bool carve_name_sam(const char *s, const char **why)
{
	return logon_name(s, s ? strlen(s) : 0, 20, why);
}

bool carve_name_dns(const char *s, const char **why)
{
	size_t len = s ? strlen(s) : 0, label = 0;

	if (len == 0)
		return fail(why, "it is empty");
	if (len > 253)
		return fail(why, "it is longer than 253 characters");
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0)
				return fail(why, "it has an empty label");
			if (label > 63)
				return fail(why, "a label is longer than 63 characters");
			if (s[i - 1] == '-' || s[i - label] == '-')
				return fail(why, "a label starts or ends with a hyphen");
			label = 0;
		} else if (is_alnum(s[i]) || s[i] == '-') {
			label++;
		} else {
			return fail(why, "only letters, digits, hyphens and dots are allowed");
		}
	}
	return true;
}

bool carve_name_hotfix(const char *s, const char **why)
{
	size_t digits = s && strncmp(s, "KB", 2) == 0 ? strspn(s + 2, "0123456789") : 0;

	if (digits < 1 || digits > 8 || s[2 + digits] != '\0')
		return fail(why, "it is not KB followed by 1 to 8 digits");
	return true;
}

/* Floor, chunk and teardown names: short, and safe in any file name. */
bool plan_name_ident(const char *s, const char **why)
{
	size_t len = strlen(s);

	if (len < 1 || len > 32 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len)
		return fail(why, "use 1 to 32 letters, digits, '-' or '_'");
	return true;
}

/* A domain's DNS name: a single label is a host, not a domain. */
bool plan_name_domain(const char *s, const char **why)
{
	if (!carve_name_dns(s, why))
		return false;
	if (!strchr(s, '.'))
		return fail(why, "it needs at least two labels, as in fabrikam.local");
	return true;
}

bool plan_name_address(const char *s, const char **why)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 ||
	       inet_pton(AF_INET6, s, addr) == 1 || carve_name_dns(s, why);
}

bool plan_name_ipv4(const char *s, const char **why)
{
	unsigned char addr[4];

	if (inet_pton(AF_INET, s, addr) != 1)
		return fail(why, "it must be an IPv4 address such as 10.0.0.53");
	return true;
}

/* An installer the fix starts through Win32_Process, so it becomes part of
 * a command line: a UNC or drive path of plain characters, an .exe. */
bool plan_name_package(const char *s, const char **why)
{
	size_t len = strlen(s);
	bool unc = s[0] == '\\' && s[1] == '\\';
	bool drive = ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') && s[1] == ':' && s[2] == '\\';

	if (!unc && !drive)
		return fail(why, "it must be a UNC path (\\\\server\\share\\...) or a drive path");
	if (len < 5 || strcasecmp(s + len - 4, ".exe") != 0)
		return fail(why, "it must name an .exe installer");
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		      "\\:._- $()") != len)
		return fail(why, "only letters, digits, spaces and \\ : . _ - $ ( ) are allowed");
	return true;
}

/* A Client Access server's PowerShell endpoint, as New-PSSession
 * -ConnectionUri takes it: http(s)://server.dns.name/PowerShell/ */
bool plan_name_exchange_uri(const char *s, const char **why)
{
	const char *host = !strncmp(s, "http://", 7) ? s + 7 : !strncmp(s, "https://", 8) ? s + 8
			   : NULL;
	char name[256];

	if (!host)
		return fail(why, "it must start with http:// or https://");
	size_t n = strcspn(host, "/:");
	if (n == 0 || n >= sizeof(name))
		return fail(why, "it needs a server name, as in http://cas01.contoso.com/PowerShell/");
	memcpy(name, host, n);
	name[n] = '\0';
	if (!carve_name_dns(name, why))
		return false;
	if (strcasecmp(host + n + strspn(host + n, ":0123456789"), "/PowerShell/") &&
	    strcasecmp(host + n + strspn(host + n, ":0123456789"), "/PowerShell"))
		return fail(why, "Exchange's endpoint is the /PowerShell/ virtual directory");
	return true;
}

bool plan_name_email(const char *s, const char **why)
{
	const char *at = strchr(s, '@');
	size_t local = at ? (size_t)(at - s) : 0;

	if (!at || local == 0 || local > 64 || strpbrk(s, " \"(),:;<>[\\]") ||
	    !carve_name_dns(at + 1, NULL))
		return fail(why, "it does not look like name@example.com");
	return true;
}

/* A name or title people read: carve prints it on one line of a terminal
 * or a report, so it is kept to what one can hold. */
bool plan_name_text(const char *s, const char **why)
{
	if (plan_utf8_count(s, strlen(s)) > 256)
		return fail(why, "it is longer than 256 characters");
	return true;
}

bool plan_name_dn(const char *s, const char **why)
{
	if (!strchr(s, '='))
		return fail(why, "it needs '=', as in OU=Workstations,DC=contoso,DC=com");
	/* It reaches ADMT's command line, which Windows PowerShell re-quotes
	 * without escaping double quotes. */
	if (strpbrk(s, "\"`$\r\n\t"))
		return fail(why, "it must not contain \", `, $ or control characters");
	/* Active Directory takes an OU or CN name of at most 64 characters
	 * (the ou and cn attributes' rangeUpper, adschema "Organizational-
	 * Unit-Name" and "Common-Name"); a DNS label 63.  The whole name goes
	 * on ADMT's command line beside the computers: 512 leaves them room. */
	if (plan_utf8_count(s, strlen(s)) > 512)
		return fail(why, "it is longer than 512 characters, more than an OU path needs"
			    " and more than ADMT's command line leaves room for");
	for (const char *rdn = s; *rdn;) {
		const char *eq = strchr(rdn, '='), *end = rdn;
		while (*end && *end != ',')
			end += *end == '\\' && end[1] ? 2 : 1;
		if (!eq || eq > end)
			return fail(why, "each part needs '=', as in OU=Workstations");
		size_t chars = plan_utf8_count(eq + 1, (size_t)(end - eq - 1));
		bool dc = eq - rdn == 2 && !strncasecmp(rdn, "DC", 2);
		if (chars == 0 || chars > (dc ? 63u : 64u))
			return fail(why, dc ? "a DC= part must be 1 to 63 characters (a DNS label)"
				    : "each OU= or CN= name must be 1 to 64 characters, as Active"
				      " Directory allows");
		rdn = *end ? end + 1 : end;
	}
	return true;
}

/* The account an exec host logs on as, as Windows OpenSSH takes it:
 * DOMAIN\sAMAccountName, or a UPN sam@dns.name (whose prefix may be
 * longer than a sAMAccountName, as UPNs are). */
bool plan_name_logon(const char *s, const char **why)
{
	const char *slash = strchr(s, '\\'), *at = strrchr(s, '@');
	char domain[16];

	if (slash && (size_t)(slash - s) < sizeof(domain)) {
		memcpy(domain, s, (size_t)(slash - s));
		domain[slash - s] = '\0';
		if (!carve_name_netbios(domain, NULL))
			return fail(why, "the part before \\ is not a NetBIOS domain name");
		return carve_name_sam(slash + 1, why);
	}
	if (slash)
		return fail(why, "the part before \\ is not a NetBIOS domain name");
	if (at) {
		if (!plan_name_domain(at + 1, NULL))
			return fail(why, "the part after @ is not a DNS domain name");
		return logon_name(s, (size_t)(at - s), 64, why);
	}
	return fail(why, "write it as DOMAIN\\user or user@dns.domain");
}

/* Markers are found by sliding over the drawing once per marker length;
 * the cap keeps that bounded. */
bool plan_name_marker(const char *s, const char **why)
{
	if (plan_utf8_count(s, strlen(s)) > 32)
		return fail(why, "it is longer than 32 characters");
	return true;
}
