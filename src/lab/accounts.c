/*
 * accounts.c - the domain accounts the lab accepts passwords for, as a
 * domain controller would: it keeps each password's SHA-256, never the
 * password.  A fixture gives the hash (password_sha256), or names the
 * account in its passwords file, a throwaway "name:password" file the lab
 * makes with random passwords the first time (like its host keys), so that
 * a checked-in fixture works on a fresh checkout: carve reads the same file
 * with --password-fd.
 *
 * An account may log on as DOMAIN\name or as name@dns.domain: the two are
 * the same when the DNS name's first label is the NetBIOS name, ignoring
 * case (CONTOSO\svc_x and svc_x@contoso.com), as in a real forest whose
 * NetBIOS name is its first label.
 */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* The domain and name parts of an account, as pointers into s. */
typedef struct {
	const char *domain, *name;
	size_t domain_len, name_len;
} account_parts;

static account_parts parts_of(const char *s)
{
	const char *slash = strchr(s, '\\'), *at = strrchr(s, '@');

	if (slash)
		return (account_parts){ s, slash + 1, (size_t)(slash - s), strlen(slash + 1) };
	if (at)
		return (account_parts){ at + 1, s, strcspn(at + 1, "."), (size_t)(at - s) };
	return (account_parts){ "", s, 0, strlen(s) };
}

bool lab_same_account(const char *a, const char *b)
{
	account_parts x = parts_of(a), y = parts_of(b);

	return x.domain_len == y.domain_len && x.name_len == y.name_len &&
	       strncasecmp(x.domain, y.domain, x.domain_len) == 0 &&
	       strncasecmp(x.name, y.name, x.name_len) == 0;
}

/* Compares every byte, whatever the first difference. */
static bool same_digest(const char *a, const char *b)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < 64; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

const lab_account *lab_check_password(const lab_fixture *fx, const char *user,
				      const char *password, size_t len)
{
	const lab_account *found = NULL;
	char digest[65];

	if (carve_sha256_hex(digest, password, len) < 0)
		return NULL;
	for (size_t i = 0; i < fx->account_count && !found; i++)
		if (lab_same_account(fx->accounts[i].user, user) &&
		    same_digest(fx->accounts[i].sha256, digest))
			found = &fx->accounts[i];
	explicit_bzero(digest, sizeof(digest));
	return found;
}

/* ------------------------------------------------------------ passwords file */

/* Reads the passwords file, or "" when it does not exist.  Owned; the
 * caller wipes it. */
static char *read_passwords(const char *path, size_t *len)
{
	char *text = NULL;

	*len = 0;
	if (access(path, F_OK) < 0)
		return calloc(1, 1);
	return carve_file_read(&text, len, path, 64 * 1024) == 0 ? text : NULL;
}

/* The password of name in text ("name:password" lines), or NULL; *len
 * gets its length. */
static const char *password_of(const char *text, const char *name, size_t *len)
{
	size_t n = strlen(name);

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t line_len = nl ? (size_t)(nl - line) : strlen(line);
		if (line_len > n + 1 && strncmp(line, name, n) == 0 && line[n] == ':') {
			*len = line_len - n - 1;
			if (*len && line[n + *len] == '\r')
				(*len)--;
			return line + n + 1;
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* A throwaway password Windows' complexity rules accept. */
static int random_password(char out[21])
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	unsigned char bytes[16];

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return -1;
	memcpy(out, "Lab-", 4);
	for (size_t i = 0; i < sizeof(bytes); i++)
		out[4 + i] = alphabet[bytes[i] % (sizeof(alphabet) - 1)];
	out[20] = '\0';
	explicit_bzero(bytes, sizeof(bytes));
	return 0;
}

int lab_passwords_make(const char *path, const char *const *names, size_t n)
{
	size_t len;
	char *text = read_passwords(path, &len), *dir = strdup(path), pw[21];
	int fd = -1, rc = -1;

	if (!text || !dir)
		goto done;
	mkdir(dirname(dir), 0700);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0)
		goto done;
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t have;
		if (password_of(text, names[i], &have))
			continue;
		char line[128];
		int k = random_password(pw) < 0 ? -1
			: snprintf(line, sizeof(line), "%s:%s\n", names[i], pw);
		rc = k > 0 && (size_t)k < sizeof(line) && write(fd, line, (size_t)k) == k ? 0 : -1;
		explicit_bzero(line, sizeof(line));
	}
done:
	if (rc < 0)
		fprintf(stderr, "carve-lab: cannot write the passwords file %s: %s\n", path,
			strerror(errno));
	if (fd >= 0 && close(fd) < 0)
		rc = -1;
	explicit_bzero(pw, sizeof(pw));
	if (text)
		explicit_bzero(text, len);
	free(text);
	free(dir);
	return rc;
}

/* ------------------------------------------------------------ the fixture's list */

#define DIAG(d, n, ...) carve_diags_add((d), (n)->line, (n)->col, __VA_ARGS__)

static bool hex_digest(char out[65], const char *s)
{
	if (strlen(s) != 64 || strspn(s, "0123456789abcdefABCDEF") != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
	out[64] = '\0';
	return true;
}

/* One item of accounts:; true when it still needs its password's hash. */
static bool load_one(lab_account *a, carve_diags *d, const pnode *item)
{
	for (size_t k = 0; k + 1 < item->len; k += 2) {
		const pnode *key = item->u.kids[k], *v = item->u.kids[k + 1];
		const char *s = v->kind == PNODE_SCALAR ? v->u.str : NULL;
		char *dst = !strcmp(key->u.str, "name") ? a->name
			    : !strcmp(key->u.str, "user") ? a->user : NULL;
		size_t cap = dst == a->name ? sizeof(a->name) : sizeof(a->user);
		if (!s)
			DIAG(d, v, "account '%s' must be a single value", key->u.str);
		else if (dst && strlen(s) >= cap)
			DIAG(d, v, "account '%s' is too long", key->u.str);
		else if (dst)
			memcpy(dst, s, strlen(s) + 1);
		else if (strcmp(key->u.str, "password_sha256"))
			DIAG(d, key, "unknown account key '%s'", key->u.str);
		else if (!hex_digest(a->sha256, s))
			DIAG(d, v, "%s must be 64 hexadecimal digits", "password_sha256");
	}
	if (!a->user[0])
		DIAG(d, item, "an account needs a %s", "user");
	if (!a->sha256[0] && !a->name[0])
		DIAG(d, item, "an account needs a password_sha256, or a %s to find its password "
			      "in lab.passwords", "name");
	return !a->sha256[0] && a->name[0];
}

/* Hashes the passwords file's password of every account still without. */
static void hash_from_file(lab_fixture *fx, carve_diags *d, const pnode *list,
			   const bool *from_file)
{
	size_t len = 0, pw_len;
	char *text = read_passwords(fx->passwords, &len);

	for (size_t i = 0; i < fx->account_count; i++) {
		const char *pw = from_file[i] && text ? password_of(text, fx->accounts[i].name,
								     &pw_len) : NULL;
		if (pw && carve_sha256_hex(fx->accounts[i].sha256, pw, pw_len) == 0)
			continue;
		if (from_file[i])
			DIAG(d, list->u.kids[i], "no password for account '%s' in lab.passwords",
			     fx->accounts[i].name);
	}
	if (text)
		explicit_bzero(text, len);
	free(text);
}

void lab_accounts_load(lab_fixture *fx, carve_diags *d, const pnode *list)
{
	const char *names[LAB_MAX_LIST];
	bool from_file[LAB_MAX_LIST] = { false };
	size_t n_names = 0;

	if (!list)
		return;
	if (list->kind != PNODE_SEQ || list->len > LAB_MAX_LIST) {
		DIAG(d, list, "'%s' must be a list of at most 32 accounts", "accounts");
		return;
	}
	fx->account_count = list->len;
	for (size_t i = 0; i < list->len; i++) {
		const pnode *item = list->u.kids[i];
		if (item->kind != PNODE_MAP) {
			DIAG(d, item, "'%s' items must be mappings", "accounts");
			continue;
		}
		if ((from_file[i] = load_one(&fx->accounts[i], d, item)))
			names[n_names++] = fx->accounts[i].name;
	}
	if (!n_names)
		return;
	if (!fx->passwords[0]) {
		DIAG(d, list, "accounts without password_sha256 need lab.%s", "passwords");
		return;
	}
	if (lab_passwords_make(fx->passwords, names, n_names) < 0) {
		DIAG(d, list, "cannot write the passwords file %s", fx->passwords);
		return;
	}
	hash_from_file(fx, d, list, from_file);
}
