/*
 * probe.c - is the machine there at all?  An ICMP echo sweep from the
 * console over one socket, as fping does: one request every
 * transport.sweep_interval (fping's -i, 10 ms by default as fping's; never
 * a burst that an IDS or a switch would punish), twice for the ones that
 * stay silent, replies matched by sequence number and source address and
 * read while the next request waits, and the whole sweep costs one timeout
 * after its last request however many machines do not answer.
 *
 * An unprivileged datagram ICMP socket is used where the system allows it
 * (net.ipv4.ping_group_range), a raw socket as root.  IPv4 only.
 */
#include "transport_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint16_t checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int open_icmp(bool *raw)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	int size = 4 << 20;

	*raw = fd < 0;
	if (fd < 0)
		fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd >= 0) {
		/* A thousand replies arrive in a burst: room for all of them (the
		 * forced size needs CAP_NET_ADMIN; the plain one is capped). */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		return fd;
	}
	return carve_error_set(CARVE_EUNSUPPORTED, "ICMP ping is not permitted here (%s): "
			       "run as root, allow it with sysctl net.ipv4.ping_group_range, "
			       "or set transport.probe to tcp or exec", strerror(errno));
}

static void receive(int fd, bool raw, const struct in_addr *addr, bool *alive, size_t n,
		    uint16_t id, size_t *answered);

static int64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Reads replies until the clock reaches at_us (poll's milliseconds are
 * rounded up, then the rest of the wait goes by in the loop). */
static int read_until(int fd, bool raw, const struct in_addr *addr, bool *alive, size_t n,
		      uint16_t id, size_t *answered, int64_t at_us, const carve_cancel *cancel)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { cancel_fd(cancel), POLLIN, 0 } };

	for (int64_t left; (left = at_us - now_us()) > 0;) {
		if (carve_cancel_fired(cancel))
			return carve_error_set(CARVE_ECANCELED, "ping sweep: cancelled");
		int rc = poll(p, p[1].fd >= 0 ? 2 : 1, (int)((left + 999) / 1000));
		if (rc < 0 && errno != EINTR)
			return carve_error_set(CARVE_ERROR, "ping sweep: poll: %s", strerror(errno));
		if (rc > 0 && (p[0].revents & POLLIN))
			receive(fd, raw, addr, alive, n, id, answered);
	}
	return 0;
}

/* Sends to every silent address, one every interval_ms counted from the
 * round's start (no drift), reading the replies while it waits. */
static int send_round(int fd, bool raw, const struct in_addr *addr, bool *alive, size_t n,
		      uint16_t id, size_t *answered, uint32_t interval_ms,
		      const carve_cancel *cancel)
{
	int64_t next = now_us();

	for (size_t i = 0; i < n; i++) {
		if (alive[i] || addr[i].s_addr == 0)
			continue;
		int err = read_until(fd, raw, addr, alive, n, id, answered, next, cancel);
		if (err < 0)
			return err;
		next += (int64_t)interval_ms * 1000;
		struct {
			struct icmphdr h;
			char payload[16];
		} pkt;
		memset(&pkt, 0, sizeof(pkt));
		pkt.h.type = ICMP_ECHO;
		pkt.h.un.echo.id = htons(id); /* a datagram socket sets its own */
		pkt.h.un.echo.sequence = htons((uint16_t)i);
		memcpy(pkt.payload, "carve-preflight", 15);
		if (raw)
			pkt.h.checksum = checksum(&pkt, sizeof(pkt));
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = addr[i] };
		(void)sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
	}
	return 0;
}

static void receive(int fd, bool raw, const struct in_addr *addr, bool *alive, size_t n,
		    uint16_t id, size_t *answered)
{
	unsigned char buf[1500];
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	ssize_t got;

	while ((got = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len)) > 0) {
		size_t off = 0;
		if (raw) {
			off = (size_t)(((const struct ip *)buf)->ip_hl) * 4;
			if ((size_t)got < off + sizeof(struct icmphdr))
				continue;
		}
		const struct icmphdr *h = (const struct icmphdr *)(buf + off);
		uint16_t seq = ntohs(h->un.echo.sequence);
		if (h->type != ICMP_ECHOREPLY || seq >= n || (raw && ntohs(h->un.echo.id) != id))
			continue;
		if (from.sin_addr.s_addr == addr[seq].s_addr && !alive[seq]) {
			alive[seq] = true;
			(*answered)++;
		}
		len = sizeof(from);
	}
}

int probe_icmp(bool *alive, const char *const *hosts, size_t n, uint32_t timeout_ms,
	       uint32_t interval_ms, carve_cancel *cancel)
{
	struct in_addr *addr = calloc(n ? n : 1, sizeof(*addr));
	size_t answered = 0, wanted = 0;
	uint16_t id = (uint16_t)(getpid() & 0xffff);
	bool raw;
	int fd, err = 0;

	if (!addr)
		return carve_error_oom();
	for (size_t i = 0; i < n; i++) {
		alive[i] = false;
		/* Names need the resolver: only addresses are swept. */
		if (inet_pton(AF_INET, hosts[i], &addr[i]) == 1)
			wanted++;
		else
			addr[i].s_addr = 0;
	}
	if ((fd = open_icmp(&raw)) < 0) {
		free(addr);
		return fd;
	}
	deadline d;
	int retry_at = (int)timeout_ms / 2;
	bool retried = false;
	/* the timeout runs from the last request, as fping's per target */
	if ((err = send_round(fd, raw, addr, alive, n, id, &answered, interval_ms, cancel)) < 0)
		goto done;
	deadline_in(&d, timeout_ms);
	while (answered < wanted) {
		int left = deadline_left_ms(&d);
		if (!retried && left <= retry_at) {
			if ((err = send_round(fd, raw, addr, alive, n, id, &answered, interval_ms,
					      cancel)) < 0)
				break;
			retried = true;
			/* the last of the second round has its half too */
			if (deadline_left_ms(&d) < retry_at)
				deadline_in(&d, (uint32_t)retry_at);
			continue;
		}
		int wait = retried ? left : left - retry_at;
		int rc = wait_fd(fd, POLLIN, &d, cancel, wait > 0 ? wait : 1, "ping sweep");
		if (rc == CARVE_ETIMEOUT)
			break; /* the silent ones are the answer */
		if (rc < 0) {
			err = rc;
			break;
		}
		receive(fd, raw, addr, alive, n, id, &answered);
	}
done:
	close(fd);
	free(addr);
	return err;
}

int probe_tcp(const char *host, uint16_t port, uint32_t timeout_ms, carve_cancel *cancel)
{
	deadline d;
	int fd;

	deadline_in(&d, timeout_ms);
	if ((fd = net_connect(host, port, &d, cancel)) < 0)
		return fd;
	close(fd);
	return 0;
}
