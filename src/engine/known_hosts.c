/*
 * known_hosts.c - carve's own known-hosts file.
 *
 * libssh appends to a known-hosts file without a lock; carve writes the
 * file itself, under flock(), so that many sessions accepting new keys at
 * once (accept-new) or two carve processes never interleave or duplicate
 * lines.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether the file already holds exactly this line. */
static bool has_line(int fd, const char *line)
{
	struct stat st;
	size_t want = strlen(line);
	bool found = false;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > 64 * 1024 * 1024)
		return false;
	char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		return false;
	ssize_t n = pread(fd, text, (size_t)st.st_size, 0);
	if (n > 0) {
		text[n] = '\0';
		for (char *p = text; p && *p && !found; ) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			found = len == want && memcmp(p, line, len) == 0;
			p = nl ? nl + 1 : NULL;
		}
	}
	free(text);
	return found;
}

int carve_known_hosts_add(const char *path, const char *entry)
{
	size_t len = strlen(entry);
	int fd, err = 0;

	while (len && (entry[len - 1] == '\n' || entry[len - 1] == '\r'))
		len--;
	if (len == 0 || memchr(entry, '\n', len))
		return carve_error_set(CARVE_EINVALID, "not a known-hosts line");
	char *line = strndup(entry, len);
	if (!line)
		return carve_error_oom();
	if ((err = carve_make_parent(path)) < 0)
		goto done;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = carve_error_set(CARVE_EIO, "cannot open %s: %s", path, strerror(errno));
		goto done;
	}
	if (flock(fd, LOCK_EX) < 0) {
		err = carve_error_set(CARVE_EIO, "cannot lock %s: %s", path, strerror(errno));
	} else if (!has_line(fd, line)) {
		line[len] = '\n'; /* strndup left room for the NUL: reuse it */
		if (write(fd, line, len + 1) != (ssize_t)(len + 1) || fsync(fd) < 0)
			err = carve_error_set(CARVE_EIO, "cannot write %s: %s", path,
					      strerror(errno));
	}
	close(fd); /* drops the lock */
done:
	free(line);
	return err;
}

int carve_audit_hostkey(carve_audit *audit, int64_t run, const char *chunk, const char *name,
			const char *address, uint16_t port, const carve_hostkey *key)
{
	bool refused = key->state == CARVE_HOSTKEY_CHANGED || key->state == CARVE_HOSTKEY_OTHER;
	const char *what = key->state == CARVE_HOSTKEY_ADDED ? "accepted on first contact"
			   : key->state == CARVE_HOSTKEY_CHANGED ? "changed"
			   : key->state == CARVE_HOSTKEY_OTHER ? "other type"
			   : "recorded by carve trust";
	carve_buf evidence = CARVE_BUF_INIT;
	carve_event ev = CARVE_EVENT_INIT;
	int err;

	carve_buf_puts(&evidence, "{\"address\":");
	carve_buf_json_string(&evidence, address);
	carve_buf_printf(&evidence, ",\"port\":%u,\"type\":", (unsigned)port);
	carve_buf_json_string(&evidence, key->type);
	carve_buf_puts(&evidence, ",\"fingerprint\":");
	carve_buf_json_string(&evidence, key->fingerprint);
	carve_buf_puts(&evidence, ",\"known_hosts\":");
	carve_buf_json_string(&evidence, what);
	if (!refused) { /* the line written: verify holds the file to it */
		carve_buf_puts(&evidence, ",\"entry\":");
		carve_buf_json_string(&evidence, key->entry);
	}
	carve_buf_putc(&evidence, '}');
	if (evidence.failed) {
		carve_buf_done(&evidence);
		return carve_error_oom();
	}
	ev.run = run;
	ev.actor = "engine";
	ev.kind = "hostkey";
	ev.chunk = chunk;
	ev.machine = name;
	ev.step = "hostkey";
	ev.status = refused ? CARVE_STATUS_FAILED : CARVE_STATUS_OK;
	ev.evidence = evidence.ptr;
	ev.diagnosis = refused ? "the host presents a key that does not match carve's"
				 " known-hosts file: refused" : NULL;
	err = carve_audit_append(NULL, audit, &ev, 1);
	carve_buf_done(&evidence);
	return err;
}
