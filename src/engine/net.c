/*
 * net.c - deadlines, cancellation and TCP connections with a deadline.
 *
 * getaddrinfo() blocks for as long as the resolver likes, even for callers
 * that use non-blocking sockets.  A name is therefore resolved on a detached
 * thread that reports through a pipe; a caller that gives up at its deadline
 * leaves the thread to finish and free what it holds.
 */
#define _GNU_SOURCE /* pipe2: atomically close-on-exec pipes */
#include "transport_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct carve_cancel {
	int pipe[2];
	atomic_bool fired;
};

int carve_cancel_new(carve_cancel **out)
{
	carve_cancel *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return carve_error_oom();
	if (pipe2(c->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(c);
		return carve_error_set(CARVE_ERROR, "cannot make a pipe: %s", strerror(errno));
	}
	atomic_init(&c->fired, false);
	*out = c;
	return 0;
}

void carve_cancel_fire(carve_cancel *c)
{
	/* The pipe stays readable, so every waiter sees it, now or later. */
	if (c && !atomic_exchange(&c->fired, true))
		(void)!write(c->pipe[1], "x", 1);
}

bool carve_cancel_fired(const carve_cancel *c)
{
	return c && atomic_load(&c->fired);
}

void carve_cancel_free(carve_cancel *c)
{
	if (!c)
		return;
	close(c->pipe[0]);
	close(c->pipe[1]);
	free(c);
}

int cancel_fd(const carve_cancel *c)
{
	return c ? c->pipe[0] : -1;
}

void deadline_in(deadline *d, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, &d->at);
	d->at.tv_sec += ms / 1000;
	d->at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (d->at.tv_nsec >= 1000000000L) {
		d->at.tv_sec++;
		d->at.tv_nsec -= 1000000000L;
	}
}

int deadline_left_ms(const deadline *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (long long)(d->at.tv_sec - now.tv_sec) * 1000 +
		       (d->at.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > 1000000000 ? 1000000000 : (int)ms;
}

int wait_fd(int fd, short events, const deadline *d, const carve_cancel *cancel,
	    int slice_ms, const char *what)
{
	struct pollfd p[2] = { { fd, events, 0 }, { cancel_fd(cancel), POLLIN, 0 } };

	for (;;) {
		if (carve_cancel_fired(cancel))
			return carve_error_set(CARVE_ECANCELED, "%s: cancelled", what);
		int left = deadline_left_ms(d);
		if (left == 0)
			return carve_error_set(CARVE_ETIMEOUT, "%s: timed out", what);
		if (slice_ms > 0 && left > slice_ms)
			left = slice_ms;
		int n = poll(p, p[1].fd >= 0 ? 2 : 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return carve_error_set(CARVE_ERROR, "%s: poll: %s", what, strerror(errno));
		if (n > 0 && p[1].revents)
			continue; /* reported by the check at the top */
		if (n > 0 || slice_ms > 0)
			return 1;
	}
}

/* ---- resolution on a thread ---- */

typedef struct {
	atomic_int refs; /* the caller and the thread */
	int pipe[2];
	char *host;
	char port[8];
	struct addrinfo *result;
	int rc;
} resolve_job;

static void resolve_release(resolve_job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	close(j->pipe[0]);
	close(j->pipe[1]);
	if (j->result)
		freeaddrinfo(j->result);
	free(j->host);
	free(j);
}

static void *resolve_thread(void *arg)
{
	resolve_job *j = arg;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG };

	j->rc = getaddrinfo(j->host, j->port, &hints, &j->result);
	(void)!write(j->pipe[1], "x", 1);
	resolve_release(j);
	return NULL;
}

static int resolve(struct addrinfo **out, resolve_job **job, const char *host,
		   uint16_t port, const deadline *d, const carve_cancel *cancel)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	char service[8];
	pthread_t t;
	pthread_attr_t attr;
	int err;

	*job = NULL;
	snprintf(service, sizeof(service), "%u", port);
	/* An address needs no resolver and no thread. */
	if (getaddrinfo(host, service, &hints, out) == 0)
		return 0;

	resolve_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->host = strdup(host))) {
		free(j);
		return carve_error_oom();
	}
	memcpy(j->port, service, sizeof(service));
	atomic_init(&j->refs, 2);
	if (pipe2(j->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(j->host);
		free(j);
		return carve_error_set(CARVE_ERROR, "cannot make a pipe: %s", strerror(errno));
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, resolve_thread, j) != 0) {
		pthread_attr_destroy(&attr);
		atomic_store(&j->refs, 1);
		resolve_release(j);
		return carve_error_set(CARVE_ERROR, "cannot start a resolver thread");
	}
	pthread_attr_destroy(&attr);
	*job = j;

	char what[320];
	snprintf(what, sizeof(what), "resolving %s", host);
	if ((err = wait_fd(j->pipe[0], POLLIN, d, cancel, 0, what)) < 0)
		return err;
	if (j->rc != 0)
		return carve_error_set(CARVE_ENET, "cannot resolve %s: %s", host,
				       gai_strerror(j->rc));
	*out = j->result;
	return 0;
}

static int try_connect(const struct addrinfo *ai, const deadline *d, const carve_cancel *cancel,
		       const char *label)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int one = 1, soerr = 0, err;
	socklen_t len = sizeof(soerr);

	if (fd < 0)
		return carve_error_set(CARVE_ENET, "%s: socket: %s", label, strerror(errno));
	/* Nagle plus delayed ACKs add tens of milliseconds to each handshake. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		err = carve_error_set(CARVE_ENET, "%s: %s", label, strerror(errno));
		close(fd);
		return err;
	}
	char what[320];
	snprintf(what, sizeof(what), "%s: connecting", label);
	if ((err = wait_fd(fd, POLLOUT, d, cancel, 0, what)) < 0) {
		close(fd);
		return err;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != 0) {
		err = carve_error_set(CARVE_ENET, "%s: %s", label,
				      strerror(soerr ? soerr : errno));
		close(fd);
		return err;
	}
	return fd;
}

int net_connect(const char *host, uint16_t port, const deadline *d,
		const carve_cancel *cancel)
{
	struct addrinfo *list = NULL;
	resolve_job *job = NULL;
	char label[300];
	int fd;

	snprintf(label, sizeof(label), "%s:%u", host, port);
	fd = resolve(&list, &job, host, port, d, cancel);
	if (fd == 0) {
		fd = carve_error_set(CARVE_ENET, "%s: no address", label);
		for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
			fd = try_connect(ai, d, cancel, label);
			if (fd >= 0 || fd == CARVE_ETIMEOUT || fd == CARVE_ECANCELED)
				break;
		}
	}
	if (job)
		resolve_release(job); /* owns list */
	else if (list)
		freeaddrinfo(list);
	return fd;
}
