/*
 * audit_files.c - the database's files before SQLite opens them: where
 * they live (a local disk), who may read them (the owner), and the
 * directories they need.
 */
#include "audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Filesystems whose byte-range locks SQLite cannot rely on: two carve
 * processes on two hosts would both think they hold the write lock. */
static const struct {
	long magic;
	const char *name;
} network_fs[] = {
	{ 0x6969, "nfs" },
	{ 0x517B, "smb" },
	{ (long)0xFE534D42, "smb2" },
	{ (long)0xFF534D42, "cifs" },
	{ 0x5346414F, "afs" },
	{ 0x73757245, "coda" },
	{ 0x564C, "ncp" },
	{ 0x01021997, "9p" },
	{ 0x00C36400, "ceph" },
};

const char *carve_fs_network_name(long f_type)
{
	/* f_type is signed on some ABIs: compare the low 32 bits. */
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(network_fs); i++)
		if ((uint32_t)network_fs[i].magic == (uint32_t)f_type)
			return network_fs[i].name;
	return NULL;
}

int carve_make_dirs(const char *dir)
{
	char *p = strdup(dir);
	int err = 0;

	if (!p)
		return carve_error_oom();
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		struct stat st;
		if (stat(p, &st) < 0 && mkdir(p, 0700) < 0 && errno != EEXIST) {
			err = carve_error_set(CARVE_EIO, "cannot create directory %s: %s",
					      p, strerror(errno));
			goto done;
		}
		*s = saved;
		if (!saved)
			break;
	}
done:
	free(p);
	return err;
}

int carve_make_parent(const char *path)
{
	char *copy = strdup(path);
	int err;

	if (!copy)
		return carve_error_oom();
	err = carve_make_dirs(dirname(copy));
	free(copy);
	return err;
}

/* Creates path if needed and makes it 0600 whatever the umask or a previous
 * owner left: the log names people, machines and what went wrong. */
static int make_private_file(const char *path)
{
	struct stat st;
	int err = 0;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return carve_error_set(CARVE_EIO, "cannot create %s: %s", path,
				       strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = carve_error_set(CARVE_EINVALID, "%s is not a regular file", path);
		goto done;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
		err = carve_error_set(CARVE_EIO, "cannot make %s private (mode 0600): %s",
				      path, strerror(errno));
done:
	close(fd);
	return err;
}

/* Checked on the deepest directory that exists, before any is created,
 * so a refused path leaves nothing behind on the network share. */
static int check_local_fs(const char *path, const char *dir)
{
	struct statfs fs;
	char *probe = strdup(dir), *at = probe;
	int err = 0;

	if (!probe)
		return carve_error_oom();
	while (statfs(at, &fs) < 0) {
		if (errno != ENOENT || strcmp(at, "/") == 0 || strcmp(at, ".") == 0) {
			err = carve_error_set(CARVE_EIO, "cannot examine the filesystem"
					      " of %s: %s", dir, strerror(errno));
			goto done;
		}
		at = dirname(at);
	}
	const char *name = carve_fs_network_name((long)fs.f_type);
	if (name)
		err = carve_error_set(CARVE_EUNSUPPORTED,
				      "audit database %s is on a network filesystem (%s);"
				      " SQLite locking is not reliable there -- put it"
				      " on a local disk", path, name);
done:
	free(probe);
	return err;
}

int audit_prepare_files(const char *path, bool read_only)
{
	char *copy = strdup(path);
	carve_buf sidecar = CARVE_BUF_INIT;
	int err = 0;

	if (!copy)
		return carve_error_oom();
	const char *dir = dirname(copy);
	if (read_only) {
		struct stat st;
		if (stat(path, &st) < 0) {
			err = carve_error_set(errno == ENOENT ? CARVE_ENOTFOUND : CARVE_EIO,
					      "cannot open audit database %s: %s",
					      path, strerror(errno));
			goto done;
		}
		if (!S_ISREG(st.st_mode)) {
			err = carve_error_set(CARVE_EINVALID, "audit database %s is not a"
					      " file", path);
			goto done;
		}
		err = check_local_fs(path, dir);
		goto done;
	}
	if ((err = check_local_fs(path, dir)) < 0 || (err = carve_make_dirs(dir)) < 0 ||
	    (err = make_private_file(path)) < 0)
		goto done;
	/* SQLite gives new -wal and -shm files the database's mode, but a pair
	 * left behind by a crash keeps whatever mode it had. */
	static const char *const suffixes[] = { "-wal", "-shm" };
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(suffixes); i++) {
		sidecar.len = 0;
		carve_buf_puts(&sidecar, path);
		carve_buf_puts(&sidecar, suffixes[i]);
		if (sidecar.failed) {
			err = carve_error_oom();
			goto done;
		}
		if ((err = make_private_file(sidecar.ptr)) < 0)
			goto done;
	}
done:
	carve_buf_done(&sidecar);
	free(copy);
	return err;
}
