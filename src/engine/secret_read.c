/*
 * secret_read.c - where the plan's passwords come from without a person:
 * each account's password_file, and "account:password" lines on a file
 * descriptor (--password-fd).  Bytes go from read() straight into locked
 * memory; no stdio buffer, no copy on the heap.  Errors name the file, the
 * account or the line number, never what the line says.
 */
#include "plan_internal.h"
#include "remote.h"
#include "secret_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	FILE_MAX = 4096,      /* a password file */
	FD_MAX = 64 * 1024,   /* everything on --password-fd */
};

/* Reads fd to EOF into s; *len gets the byte count.  CARVE_EINVALID when
 * there is more than s holds. */
static int read_all(carve_secret *s, size_t *len, int fd, const char *what)
{
	char *buf = carve_secret_bytes(s);
	size_t cap = carve_secret_cap(s), n = 0;

	for (;;) {
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return carve_error_set(CARVE_EINVALID, "cannot read %s: %s", what,
					       strerror(errno));
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == cap)
			return carve_error_set(CARVE_EINVALID, "%s holds more than %zu bytes", what,
					       cap - 1);
	}
	*len = n;
	return 0;
}

/* Refuses a password file that others could have read or replaced. */
static int check_file(int fd, const char *path, const carve_account *a)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return carve_error_set(CARVE_EINVALID, "cannot read the password file %s of "
				       "account %s: %s", path, a->name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return carve_error_set(CARVE_EINVALID, "the password file %s of account %s is "
				       "not a regular file", path, a->name);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return carve_error_set(CARVE_EINVALID, "the password file %s of account %s is "
				       "owned by uid %u, neither you nor root: anyone who owns "
				       "it can change it", path, a->name, (unsigned)st.st_uid);
	if (st.st_mode & 077)
		return carve_error_set(CARVE_EINVALID, "the password file %s of account %s can "
				       "be read or written by others (mode %04o): chmod 600 %s",
				       path, a->name, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

static int read_password_file(carve_plan *plan, size_t i)
{
	const carve_account *a = &plan->accounts[i];
	carve_secret *s = NULL;
	size_t len = 0;
	char what[1200];
	int fd = open(a->password_file, O_RDONLY | O_CLOEXEC | O_NOCTTY), err;

	if (fd < 0)
		return carve_error_set(CARVE_EINVALID, "cannot read the password file %s of "
				       "account %s: %s", a->password_file, a->name,
				       strerror(errno));
	snprintf(what, sizeof(what), "the password file %s of account %s", a->password_file,
		 a->name);
	if ((err = check_file(fd, a->password_file, a)) < 0 ||
	    (err = carve_secret_new(&s, FILE_MAX)) < 0 ||
	    (err = read_all(s, &len, fd, what)) < 0)
		goto done;
	char *text = carve_secret_bytes(s);
	if (len && text[len - 1] == '\n')
		len--;
	if (len && text[len - 1] == '\r')
		len--;
	if (memchr(text, '\n', len))
		err = carve_error_set(CARVE_EINVALID, "%s holds more than one line", what);
	else if (len == 0)
		err = carve_error_set(CARVE_EINVALID, "%s is empty", what);
	else
		err = carve_plan_set_password(plan, i, text, len);
done:
	carve_secret_free(s);
	close(fd);
	return err;
}

int carve_plan_read_password_files(carve_plan *plan)
{
	int err = 0;

	for (size_t i = 0; i < plan->account_count && err == 0; i++) {
		const carve_account *a = &plan->accounts[i];
		if (a->auth == CARVE_AUTH_PASSWORD && a->password_file &&
		    !carve_plan_has_password(plan, i))
			err = read_password_file(plan, i);
	}
	return err;
}

/* One "name:password" line (without its newline) of --password-fd. */
static int take_line(carve_plan *plan, char *line, size_t len, unsigned number)
{
	char *colon = memchr(line, ':', len);
	size_t account;

	if (len && line[len - 1] == '\r')
		len--;
	if (len == 0 || line[0] == '#')
		return 0;
	if (!colon)
		return carve_error_set(CARVE_EINVALID, "password descriptor, line %u: not "
				       "account-name:password", number);
	*colon = '\0';
	account = carve_plan_find_account(plan, line);
	if (account == CARVE_NONE || plan->accounts[account].auth != CARVE_AUTH_PASSWORD) {
		/* What the line named is not repeated: a line written the
		 * wrong way round would show its password. */
		char names[512] = "";
		size_t at = 0;
		for (size_t i = 0; i < plan->account_count && at < sizeof(names); i++)
			if (plan->accounts[i].auth == CARVE_AUTH_PASSWORD)
				at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
						       at ? ", " : "", plan->accounts[i].name);
		return carve_error_set(CARVE_EINVALID, "password descriptor, line %u: it names "
				       "no account of the plan that logs on with a password (%s)",
				       number, names[0] ? names : "there is none");
	}
	if (colon + 1 == line + len)
		return carve_error_set(CARVE_EINVALID, "password descriptor, line %u: the "
				       "password of account %s is empty", number,
				       plan->accounts[account].name);
	return carve_plan_set_password(plan, account, colon + 1, (size_t)(line + len - colon - 1));
}

int carve_plan_read_passwords_fd(carve_plan *plan, int fd)
{
	carve_secret *s = NULL;
	size_t len = 0;
	unsigned number = 0;
	int err;

	if ((err = carve_secret_new(&s, FD_MAX)) < 0 ||
	    (err = read_all(s, &len, fd, "the password descriptor")) < 0)
		goto done;
	for (char *line = carve_secret_bytes(s), *end = line + len; line < end && err == 0;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		err = take_line(plan, line, n, ++number);
		line += n + 1;
	}
done:
	carve_secret_free(s);
	return err;
}

/* ------------------------------------------------------------ who is needed */

static void need(bool *needed, size_t account)
{
	if (account != CARVE_NONE)
		needed[account] = true;
}

/* The password accounts in needed (NULL: all) without a password. */
static size_t list_missing(size_t *out, size_t cap, const carve_plan *plan, const bool *needed)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->account_count; i++) {
		if ((needed && !needed[i]) || plan->accounts[i].auth != CARVE_AUTH_PASSWORD ||
		    carve_plan_has_password(plan, i))
			continue;
		if (n < cap)
			out[n] = i;
		n++;
	}
	return n;
}

/* Whether teardown reads the source's computers (an item verifies the
 * workstations). */
static bool verifies_workstations(const carve_plan *plan)
{
	size_t n;
	const carve_teardown_item *items = carve_plan_teardown(plan, &n);

	for (size_t i = 0; i < n; i++)
		if (items[i].verify == CARVE_VERIFY_WORKSTATIONS)
			return true;
	return false;
}

size_t carve_plan_missing_passwords(size_t *out, size_t cap, const carve_plan *plan,
				    carve_work work)
{
	bool *needed = calloc(plan->account_count ? plan->account_count : 1, sizeof(bool));
	size_t n;

	if (!needed) /* ask for every password rather than miss one */
		return list_missing(out, cap, plan, NULL);
	for (size_t i = 0; work != CARVE_WORK_TEARDOWN && i < plan->machine_count; i++) {
		const carve_machine *m = &plan->machines[i];
		need(needed, m->reach == CARVE_REACH_VIA ? plan->exec_hosts[m->via].account
							 : plan->transport.account);
	}
	/* the pre-flight reads the migrator's groups on the ADMT server, and
	 * pings, and installs updates for key-logon machines, from the
	 * management host */
	if (work != CARVE_WORK_TEARDOWN) {
		size_t e = remote_exec_host(plan, CARVE_ROLE_MANAGEMENT);
		if (e != CARVE_NONE)
			need(needed, plan->exec_hosts[e].account);
		if ((e = remote_exec_host(plan, CARVE_ROLE_ADMT)) != CARVE_NONE)
			need(needed, plan->exec_hosts[e].account);
	}
	if (work == CARVE_WORK_MIGRATION) {
		for (size_t e = 0; e < plan->exec_host_count; e++)
			need(needed, plan->exec_hosts[e].account);
		need(needed, plan->site.source.account);
	}
	if (work == CARVE_WORK_TEARDOWN && verifies_workstations(plan)) {
		size_t e = remote_exec_host(plan, CARVE_ROLE_ADMT);
		if (e != CARVE_NONE)
			need(needed, plan->exec_hosts[e].account);
		need(needed, plan->site.source.account);
	}
	n = list_missing(out, cap, plan, needed);
	free(needed);
	return n;
}
