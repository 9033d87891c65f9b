/*
 * test_audit_open.c - opening the audit database: file modes, read-only
 * handles, files that are not carve's, network filesystems, lock timeouts.
 */
#include "audit_test.h"
#include "audit_internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/vfs.h>
#include <unistd.h>

/*
 * No NFS server in a unit test: this definition takes the place of libc's
 * statfs for the test binary (libcarve is linked statically), and reports
 * NFS for any directory named "nfs-mount".
 */
int statfs(const char *path, struct statfs *buf)
{
	int rc = (int)syscall(SYS_statfs, path, buf);
	size_t n = strlen(path);

	if (rc == 0 && n >= 9 && strcmp(path + n - 9, "nfs-mount") == 0)
		buf->f_type = 0x6969;
	return rc;
}

TestSuite(audit_open, .init = at_setup, .fini = at_teardown);

static off_t t_file_size(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "stat %s", path);
	return st.st_size;
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "stat %s", path);
	return st.st_mode & 07777;
}

Test(audit_open, files_are_private_whatever_the_umask)
{
	char *path = t_path(at_dir, "state/carve/site.db");
	char *parent = t_path(at_dir, "state"), wal[4096], shm[4096];
	mode_t old = umask(0);

	carve_audit *audit = at_open(path);
	umask(old);
	carve_event ev = at_step(at_run(audit, "run"), "wave1", "WS-1", "preflight",
				 "ping", CARVE_STATUS_OK);
	at_append(audit, &ev, 1);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	cr_assert_eq(mode_of(path), 0600, "db is %o", mode_of(path));
	cr_assert_eq(mode_of(wal), 0600, "-wal is %o", mode_of(wal));
	cr_assert_eq(mode_of(shm), 0600, "-shm is %o", mode_of(shm));
	cr_assert_eq(mode_of(parent), 0700, "created directories are private");
	carve_audit_free(audit);
	free(parent);
	free(path);
}

Test(audit_open, loose_files_left_by_a_crash_are_made_private)
{
	char *wal = t_path(at_dir, "site.db-wal"), *shm = t_path(at_dir, "site.db-shm");

	/* A writer that dies without closing leaves its -wal and -shm behind. */
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		carve_audit *audit = NULL;
		carve_event ev = CARVE_EVENT_INIT;
		_exit(carve_audit_open(&audit, at_db, NULL) < 0 ||
		      carve_audit_append(NULL, audit, &ev, 1) < 0);
	}
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_gt(t_file_size(wal), 0, "the crash left a -wal to recover");
	chmod(at_db, 0644);
	chmod(wal, 0644);
	chmod(shm, 0666);

	carve_audit *audit = at_open(at_db);
	cr_assert_eq(mode_of(at_db), 0600);
	cr_assert_eq(mode_of(wal), 0600);
	cr_assert_eq(mode_of(shm), 0600);
	carve_verify_result vr;
	cr_assert_eq(carve_audit_verify(&vr, audit, NULL), 0);
	cr_assert_eq(vr.events, 1, "the committed event survived the crash");
	carve_audit_free(audit);
	free(shm);
	free(wal);
}

Test(audit_open, read_only_needs_an_existing_file)
{
	char *path = t_path(at_dir, "missing.db");
	carve_audit_options opts = CARVE_AUDIT_OPTIONS_INIT;
	carve_audit *audit = (carve_audit *)1;

	opts.read_only = true;
	cr_assert_eq(carve_audit_open(&audit, path, &opts), CARVE_ENOTFOUND);
	cr_assert_null(audit);
	cr_assert_not_null(strstr(carve_error_last()->message, path));
	cr_assert_neq(access(path, F_OK), 0, "a read-only open created the file");
	free(path);
}

Test(audit_open, read_only_handle_cannot_write)
{
	const char *path = at_db;
	carve_audit *rw = at_open(path);
	int64_t run = at_run(rw, "run"), id = 0;
	carve_event ev = at_step(run, "wave1", "WS-1", "preflight", "ping", CARVE_STATUS_OK);
	at_append(rw, &ev, 1);
	carve_audit_free(rw);

	carve_audit *ro = at_open_ro(path);
	cr_assert_eq(carve_audit_append(NULL, ro, &ev, 1), CARVE_EINVALID);
	cr_assert_not_null(strstr(carve_error_last()->message, "read-only"));
	cr_assert_eq(carve_audit_run_begin(&id, ro, NULL, "x"), CARVE_EINVALID);
	cr_assert_eq(carve_audit_run_end(ro, run), CARVE_EINVALID);
	carve_verify_result vr;
	cr_assert_eq(carve_audit_verify(&vr, ro, NULL), 0);
	cr_assert(vr.ok, "%s", vr.reason);
	cr_assert_eq(vr.events, 2, "the run's start and the step");
	carve_audit_free(ro);
}

Test(audit_open, refuses_files_that_are_not_carve_databases)
{
	char *text = t_path(at_dir, "notes.txt"), *other = t_path(at_dir, "other.db");
	char *empty = t_path(at_dir, "empty.db");
	carve_audit *audit = NULL;

	t_write_file(text, "this is not a database, it is a text file of some length\n");
	cr_assert_eq(carve_audit_open(&audit, text, NULL), CARVE_EINVALID);
	cr_assert_not_null(strstr(carve_error_last()->message, "not a database"),
			   "%s", carve_error_last()->message);

	sqlite3 *db = at_raw_create(other);
	at_exec(db, "CREATE TABLE inventory(name TEXT)");
	sqlite3_close(db);
	cr_assert_eq(carve_audit_open(&audit, other, NULL), CARVE_EINVALID);
	cr_assert_not_null(strstr(carve_error_last()->message, "not a carve audit database"));
	db = at_raw(other);
	cr_assert_eq(at_int(db, "SELECT count(*) FROM sqlite_master"), 1, "left alone");
	sqlite3_close(db);

	close(open(empty, O_CREAT | O_WRONLY, 0600));
	carve_audit_options opts = CARVE_AUDIT_OPTIONS_INIT;
	opts.read_only = true;
	/* carve never leaves a file it made without its schema: one that
	 * holds nothing was emptied */
	cr_assert_eq(carve_audit_open(&audit, empty, &opts), CARVE_ETAMPERED);
	cr_assert_not_null(strstr(carve_error_last()->message, "holds no log at all"));
	cr_assert_null(audit);
	free(empty);
	free(other);
	free(text);
}

Test(audit_open, refuses_a_newer_schema)
{
	const char *path = at_db;
	carve_audit *audit = NULL;

	carve_audit_free(at_open(path));
	sqlite3 *db = at_raw(path);
	at_exec(db, "PRAGMA user_version = 99");
	sqlite3_close(db);
	cr_assert_eq(carve_audit_open(&audit, path, NULL), CARVE_EUNSUPPORTED);
	cr_assert_not_null(strstr(carve_error_last()->message, "newer carve"));
}

Test(audit_open, refuses_a_network_filesystem)
{
	char *mount = t_path(at_dir, "nfs-mount"), *sub = t_path(mount, "carve");
	char *path = t_path(sub, "site.db");
	carve_audit *audit = NULL;
	char want[512];

	cr_assert_eq(mkdir(mount, 0700), 0);
	cr_assert_eq(carve_audit_open(&audit, path, NULL), CARVE_EUNSUPPORTED);
	cr_assert_null(audit);
	snprintf(want, sizeof(want), "audit database %s is on a network filesystem"
		 " (nfs); SQLite locking is not reliable there", path);
	cr_assert_not_null(strstr(carve_error_last()->message, want), "%s",
			   carve_error_last()->message);
	cr_assert_not_null(strstr(carve_error_last()->message, "local disk"));
	cr_assert_neq(access(sub, F_OK), 0, "nothing is created on the share");
	free(path);
	free(sub);
	free(mount);
}

Test(audit_open, classifies_filesystems)
{
	cr_assert_str_eq(carve_fs_network_name(0x6969), "nfs");
	cr_assert_str_eq(carve_fs_network_name(0x517B), "smb");
	cr_assert_str_eq(carve_fs_network_name((long)0xFE534D42), "smb2");
	cr_assert_str_eq(carve_fs_network_name((long)0xFF534D42), "cifs");
	/* f_type is a signed 32-bit field on some ABIs */
	cr_assert_str_eq(carve_fs_network_name((long)(int32_t)0xFF534D42), "cifs");
	cr_assert_null(carve_fs_network_name(0xEF53));     /* ext4 */
	cr_assert_null(carve_fs_network_name(0x58465342)); /* xfs */
	cr_assert_null(carve_fs_network_name(0x01021994)); /* tmpfs */
	cr_assert_null(carve_fs_network_name(0x9123683E)); /* btrfs */
}

Test(audit_open, a_held_lock_gives_ebusy_not_a_hang)
{
	const char *path = at_db;
	carve_audit_options opts = CARVE_AUDIT_OPTIONS_INIT;
	carve_audit *audit = at_open(path), *other = NULL;
	int64_t run = at_run(audit, "run");
	carve_event ev = at_step(run, "wave1", "WS-1", "preflight", "ping", CARVE_STATUS_OK);

	opts.busy_timeout_ms = 100;
	cr_assert_eq(carve_audit_open(&other, path, &opts), 0);
	sqlite3 *db = at_raw(path);
	at_exec(db, "BEGIN IMMEDIATE"); /* another writer holds the lock */
	cr_assert_eq(carve_audit_append(NULL, other, &ev, 1), CARVE_EBUSY);
	cr_assert_not_null(strstr(carve_error_last()->message, "locked"), "%s",
			   carve_error_last()->message);
	at_exec(db, "COMMIT");
	at_append(other, &ev, 1);
	sqlite3_close(db);
	carve_audit_free(other);
	carve_audit_free(audit);
}
