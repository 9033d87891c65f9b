/*
 * test_secret.c - where passwords live: locked and left out of core dumps
 * (as the kernel reports it in /proc/self/smaps), wiped, gone once freed;
 * the plan's store and where it fills from (password files, refused when
 * others could read them; "account:password" lines on a descriptor), and
 * which accounts a command needs a password for.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "secret_internal.h"
#include "support.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The VmFlags of the mapping holding p ("" when none does). */
static char *vm_flags(const void *p)
{
	static char flags[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false;

	flags[0] = '\0';
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) { /* a mapping's first line */
			inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		} else if (inside && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, sizeof(flags), "%s", line + 8);
			break;
		}
	}
	fclose(f);
	return flags;
}

static bool has_flag(const char *flags, const char *flag)
{
	char padded[600], want[8];

	snprintf(padded, sizeof(padded), " %s", flags);
	padded[strcspn(padded, "\n")] = ' ';
	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(padded, want) != NULL;
}

static bool mapped(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	cr_assert_not_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		found = sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
			(uintptr_t)p >= lo && (uintptr_t)p < hi;
	}
	fclose(f);
	return found;
}

Test(secret, locked_kept_out_of_core_dumps_wiped_and_unmapped)
{
	carve_secret *s = NULL;

	cr_assert_eq(carve_secret_new(&s, 64), 0, "%s", carve_error_last()->message);
	char *bytes = carve_secret_bytes(s);
	cr_assert_eq(carve_secret_cap(s), 64);
	memcpy(bytes, "Hunter-2-Hunter", 15);
	const char *flags = vm_flags(bytes);
	cr_assert(has_flag(flags, "dd"), "not excluded from core dumps: %s", flags);
	cr_assert(carve_secret_locked(s), "mlock refused (running as root, it should not be)");
	cr_assert(has_flag(flags, "lo"), "not locked: %s", flags);

	carve_secret_wipe(s);
	for (size_t i = 0; i < 64; i++)
		cr_assert_eq(bytes[i], 0, "byte %zu survived the wipe", i);
	cr_assert(mapped(bytes));
	carve_secret_free(s);
	cr_assert_not(mapped(bytes), "the secret's page is still mapped after free");
	carve_secret_free(NULL);
}

static const char yaml[] =
	"site:\n"
	"  name: T\n"
	"  source: {netbios: FABRIKAM, dns: fabrikam.local, account: src}\n"
	"  target: {netbios: CONTOSO, dns: contoso.com, ou: \"OU=W,DC=contoso,DC=com\"}\n"
	"  migrator: svc_migrator\n"
	"accounts:\n"
	"  - { name: migrator, user: 'CONTOSO\\svc_migrator', password_file: %s }\n"
	"  - { name: src, user: 'FABRIKAM\\carve-src' }\n"
	"  - { name: ops, user: 'CONTOSO\\carve-ops' }\n"
	"  - { name: desk, user: 'FABRIKAM\\carve-ws', auth: key, key_file: k }\n"
	"transport: { account: desk, probe: icmp }\n"
	"exec_hosts:\n"
	"  - { name: ADMT01, role: admt, address: 10.0.0.5, account: migrator }\n"
	"  - { name: MGMT01, role: management, address: 10.0.0.6, account: ops }\n"
	"floors:\n"
	"  - name: F1\n"
	"    map: |\n"
	"      A1 A2\n"
	"chunks: [{ name: c, cutover: \"2026-12-05T22:00:00Z\" }]\n"
	"machines:\n"
	"  - { name: XP-1, address: 10.0.1.1, os: xp, floor: F1, marker: A1, chunk: c,"
	" reach: via, via: MGMT01 }\n"
	"  - { name: W10-1, address: 10.0.1.2, os: \"10\", floor: F1, marker: A2, chunk: c }\n";

static char *dir;

static void setup(void)
{
	dir = t_tmpdir();
}

static void teardown(void)
{
	t_rm_rf(dir);
	free(dir);
}

static carve_plan *load(void)
{
	char *text, *pw = t_path(dir, "migrator.pw");
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;

	cr_assert(asprintf(&text, yaml, pw) > 0);
	cr_assert_eq(carve_plan_load_buffer(&plan, &diags, "t.yaml", text, strlen(text)), 0,
		     "%s", carve_error_last()->message);
	free(text);
	free(pw);
	return plan;
}

TestSuite(plan_secrets, .init = setup, .fini = teardown);

Test(plan_secrets, kept_locked_and_borrowed_never_copied)
{
	carve_plan *plan = load();
	size_t len = 0;

	cr_assert_not(carve_plan_has_password(plan, 1));
	cr_assert_null(plan_password(plan, 1, &len));
	cr_assert_eq(carve_plan_set_password(plan, 1, "Src-Pw-1x", 9), 0);
	const char *pw = plan_password(plan, 1, &len);
	cr_assert_eq(len, 9);
	cr_assert_str_eq(pw, "Src-Pw-1x", "NUL-terminated for libssh");
	cr_assert(has_flag(vm_flags(pw), "lo") && has_flag(vm_flags(pw), "dd"), "%s", vm_flags(pw));
	cr_assert(carve_plan_passwords_locked(plan));

	/* Refused, and the message names the account, not the value. */
	cr_assert_eq(carve_plan_set_password(plan, 3, "Key-Pw-2y", 9), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "account desk logs on with key"), "%s",
		  carve_error_last()->message);
	cr_assert_eq(carve_plan_set_password(plan, 1, "Nul\0Byte", 8), CARVE_EINVALID);
	cr_assert_null(strstr(carve_error_last()->message, "Nul"));
	cr_assert_eq(carve_plan_set_password(plan, 1, "", 0), CARVE_EINVALID);
	cr_assert_str_eq(plan_password(plan, 1, &len), "Src-Pw-1x", "a refusal keeps the old one");

	carve_plan_free(plan);
	cr_assert_not(mapped(pw), "the store outlived the plan");
}

/* Reads text as --password-fd would, from a file's descriptor. */
static int from_fd(carve_plan *plan, const char *text)
{
	char *path = t_path(dir, "fd-input");
	t_write_file(path, text);
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0);
	int err = carve_plan_read_passwords_fd(plan, fd);
	close(fd);
	free(path);
	return err;
}

Test(plan_secrets, lines_on_a_descriptor)
{
	carve_plan *plan = load();
	size_t len;

	cr_assert_eq(from_fd(plan, "# the lab's\n\nsrc:Src:Pw:3\r\nops:Ops-Pw-4\n"), 0, "%s",
		     carve_error_last()->message);
	cr_assert_str_eq(plan_password(plan, 1, &len), "Src:Pw:3", "split at the first colon");
	cr_assert_str_eq(plan_password(plan, 2, &len), "Ops-Pw-4");

	static const struct {
		const char *text, *message;
	} bad[] = {
		{ "src:A-1\nintruder:Secret-Value\n",
		  "password descriptor, line 2: it names no account of the plan that logs on "
		  "with a password" },
		{ "desk:Secret-Value\n", "password descriptor, line 1: it names no account" },
		{ "\nSecret-Value\n", "password descriptor, line 2: not account-name:password" },
		{ "src:\n", "password descriptor, line 1: the password of account src is empty" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(from_fd(plan, bad[i].text), CARVE_EINVALID, "%s", bad[i].text);
		cr_assert(strstr(carve_error_last()->message, bad[i].message), "%s",
			  carve_error_last()->message);
		cr_assert_null(strstr(carve_error_last()->message, "Secret"), "%s",
			       carve_error_last()->message);
	}
	char *huge = malloc(70 * 1024);
	memset(huge, 'x', 70 * 1024 - 1);
	huge[70 * 1024 - 1] = '\0';
	cr_assert_eq(from_fd(plan, huge), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "holds more than"), "%s",
		  carve_error_last()->message);
	free(huge);
	carve_plan_free(plan);
}

Test(plan_secrets, password_files_only_their_owner_can_read)
{
	carve_plan *plan = load();
	char *pw = t_path(dir, "migrator.pw");
	size_t len;

	cr_assert_eq(carve_plan_read_password_files(plan), CARVE_EINVALID, "missing file");
	cr_assert(strstr(carve_error_last()->message, pw), "%s", carve_error_last()->message);

	t_write_file(pw, "Mig-Pw-5z\n");
	cr_assert_eq(chmod(pw, 0644), 0);
	cr_assert_eq(carve_plan_read_password_files(plan), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, pw), "names the file: %s",
		  carve_error_last()->message);
	cr_assert(strstr(carve_error_last()->message, "account migrator"));
	cr_assert(strstr(carve_error_last()->message, "(mode 0644)"), "%s",
		  carve_error_last()->message);
	cr_assert_null(strstr(carve_error_last()->message, "Mig-Pw"));
	cr_assert_not(carve_plan_has_password(plan, 0));

	cr_assert_eq(chmod(pw, 0600), 0);
	cr_assert_eq(chown(pw, 65534, 65534), 0);
	cr_assert_eq(carve_plan_read_password_files(plan), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "owned by uid 65534"), "%s",
		  carve_error_last()->message);

	cr_assert_eq(chown(pw, 0, 0), 0);
	t_write_file(pw, "Mig-Pw-5z\nsecond line\n");
	cr_assert_eq(carve_plan_read_password_files(plan), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "more than one line"));
	t_write_file(pw, "\n");
	cr_assert_eq(carve_plan_read_password_files(plan), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "is empty"));

	t_write_file(pw, "Mig-Pw-5z\r\n");
	cr_assert_eq(carve_plan_read_password_files(plan), 0, "%s", carve_error_last()->message);
	cr_assert_str_eq(plan_password(plan, 0, &len), "Mig-Pw-5z");

	cr_assert_eq(unlink(pw), 0);
	cr_assert_eq(mkdir(pw, 0700), 0);
	carve_plan_free(plan);
	plan = load();
	cr_assert_eq(carve_plan_read_password_files(plan), CARVE_EINVALID);
	cr_assert(strstr(carve_error_last()->message, "not a regular file"), "%s",
		  carve_error_last()->message);
	carve_plan_free(plan);
	free(pw);
}

Test(plan_secrets, what_each_command_needs)
{
	carve_plan *plan = load();
	size_t need[8];

	/* The pre-flight: the machine asked through MGMT01 (ops), the ADMT
	 * server for the migrator's groups; the one reached directly logs on
	 * with a key. */
	cr_assert_eq(carve_plan_missing_passwords(need, 8, plan, CARVE_WORK_PREFLIGHT), 2);
	cr_assert(need[0] == 0 && need[1] == 2);
	/* Teardown: the ADMT server and the source, for the source's
	 * computers. */
	cr_assert_eq(carve_plan_missing_passwords(need, 8, plan, CARVE_WORK_TEARDOWN), 2);
	cr_assert(need[0] == 0 && need[1] == 1);
	/* A migration: the ADMT server's migrator and the source's too. */
	cr_assert_eq(carve_plan_missing_passwords(need, 8, plan, CARVE_WORK_MIGRATION), 3);
	cr_assert(need[0] == 0 && need[1] == 1 && need[2] == 2);
	cr_assert_eq(carve_plan_missing_passwords(NULL, 0, plan, CARVE_WORK_MIGRATION), 3);
	cr_assert_eq(carve_plan_set_password(plan, 0, "Mig-Pw-6", 8), 0);
	cr_assert_eq(carve_plan_missing_passwords(need, 8, plan, CARVE_WORK_MIGRATION), 2);
	cr_assert(need[0] == 1 && need[1] == 2);
	carve_plan_free(plan);
}
