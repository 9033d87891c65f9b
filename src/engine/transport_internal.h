/*
 * transport_internal.h - what the SSH transport's files share: deadlines,
 * waiting on a socket with cancellation, and the session handle.
 */
#ifndef CARVE_TRANSPORT_INTERNAL_H
#define CARVE_TRANSPORT_INTERNAL_H

#include "internal.h"

#include <libssh/libssh.h>
#include <time.h>

/* A point in CLOCK_MONOTONIC time by which something must be done. */
typedef struct {
	struct timespec at;
} deadline;

void deadline_in(deadline *d, uint32_t ms);
/* Milliseconds left, 0 when passed. */
int deadline_left_ms(const deadline *d);

/* The read end of the cancel pipe: readable once fired; -1 for NULL. */
int cancel_fd(const carve_cancel *c);

/*
 * Waits until fd is ready for events, the deadline passes or cancel fires,
 * sleeping at most slice_ms (0: no cap) so callers can retry work a library
 * keeps buffered.  Returns 1 ready (or slice over), CARVE_ETIMEOUT or
 * CARVE_ECANCELED (error recorded with what).
 */
int wait_fd(int fd, short events, const deadline *d, const carve_cancel *cancel,
	    int slice_ms, const char *what);

/* Resolves host and opens a TCP connection with TCP_NODELAY, all within
 * the deadline.  Returns the connected socket or a negative error. */
int net_connect(const char *host, uint16_t port, const deadline *d,
		const carve_cancel *cancel);

/* ICMP echo sweep: alive[i] for each IPv4 address in hosts (names are not
 * resolved and count as silent), one request every interval_ms, within
 * timeout_ms of the last. */
int probe_icmp(bool *alive, const char *const *hosts, size_t n, uint32_t timeout_ms,
	       uint32_t interval_ms, carve_cancel *cancel);

/* A TCP connection to host:port within timeout_ms (closed at once). */
int probe_tcp(const char *host, uint16_t port, uint32_t timeout_ms, carve_cancel *cancel);

struct carve_ssh {
	ssh_session session;
	int fd;
	carve_cancel *cancel;
	bool fd_handed; /* ssh_connect has run: libssh's socket holds fd */
	bool broken; /* a command was abandoned: the session is not reused */
	char *label; /* "user@host:port" for messages */
	char *known_hosts; /* the file host keys are checked against */
};

/* Ends a healthy session so the peer sees the channel close and the
 * disconnect (see ssh_session.c for why that needs more than
 * ssh_disconnect).  Leaves the socket open, as libssh 0.10 does. */
void ssh_goodbye(ssh_session session);

/* Records a libssh error as a carve error with the session's label. */
int ssh_fail(carve_ssh *ssh, int code, const char *what);

#endif
