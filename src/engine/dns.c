/*
 * dns.c - see dns.h.
 *
 * One query, one resolver: a UDP socket connected to it, so the kernel
 * hands over only datagrams from the resolver's address and port, and an
 * answer must also carry the query's ID and question before it counts.
 * Every wait is a poll() on the socket and the cancel's pipe, bounded by
 * the one deadline the whole exchange has, TCP fallback included.
 */
#include "dns.h"
#include "transport_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* RFC 1035 7.2 asks for a retransmission interval of 2-5 seconds: a
 * datagram lost on the way costs one interval, not the whole deadline. */
#define RESEND_MS 2000

/* RFC 1035 4.1.1: the header's flags and counts. */
#define HDR_QR(m) ((m)[2] & 0x80)
#define HDR_TC(m) ((m)[2] & 0x02)
#define HDR_QDCOUNT(m) ((unsigned)((m)[4] << 8 | (m)[5]))

typedef struct {
	const char *resolver; /* for messages */
	struct in_addr addr;
	uint16_t port;
	deadline d;
	const carve_cancel *cancel;
	const unsigned char *query;
	size_t qlen;
	char what[320]; /* for wait_fd's messages */
} exchange;

static void take(dns_answers *out, const ns_msg *msg, const ns_rr *rr, ns_type type)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t len = ns_rr_rdlen(*rr), skip = type == ns_t_mx ? 2 : type == ns_t_srv ? 6 : 0;
	char *value = out->value[out->count];

	if (type == ns_t_a) {
		if (len != 4 || !inet_ntop(AF_INET, rd, value, sizeof(out->value[0])))
			return;
	} else {
		if (len < skip + 1 ||
		    ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), rd + skip, value,
				       sizeof(out->value[0])) < 0)
			return;
		out->priority[out->count] = skip ? (unsigned)(rd[0] << 8 | rd[1]) : 0;
	}
	out->count++;
}

/*
 * Whether m answers x's query (RFC 1035 7.3): a response with the query's
 * ID and, unless the resolver left the question out (some do when they
 * refuse), the same question.  The query's name is the message's first
 * and so never compressed; a resolver echoes it, its case aside (2.3.3).
 */
static bool answers(const exchange *x, const unsigned char *m, size_t len)
{
	size_t name_end = x->qlen - 4; /* QTYPE and QCLASS follow the name */

	if (len < NS_HFIXEDSZ || m[0] != x->query[0] || m[1] != x->query[1] || !HDR_QR(m))
		return false;
	if (HDR_QDCOUNT(m) == 0)
		return true;
	if (HDR_QDCOUNT(m) != 1 || len < x->qlen)
		return false;
	for (size_t i = NS_HFIXEDSZ; i < name_end; i++)
		if (tolower(m[i]) != tolower(x->query[i]))
			return false;
	return !memcmp(m + name_end, x->query + name_end, 4);
}

static int net_fail(const exchange *x, const char *how, int e)
{
	return carve_error_set(CARVE_ENET, "the resolver %s:%u %s: %s", x->resolver, x->port,
			       how, strerror(e));
}

/* Sends the query over UDP and waits for its answer, sending it again
 * every RESEND_MS.  Returns the answer's length or a negative error. */
static int ask_udp(unsigned char *ans, size_t cap, const exchange *x)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(x->port),
				  .sin_addr = x->addr };
	deadline resend;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return net_fail(x, "cannot be asked", errno);
	if (connect(fd, (const struct sockaddr *)&to, sizeof(to)) < 0) {
		err = net_fail(x, "cannot be asked", errno);
		goto done;
	}
	for (;;) {
		/* A refusal (ICMP port unreachable) of the last datagram is
		 * reported here or by recv(): nothing listens there. */
		if (send(fd, x->query, x->qlen, 0) < 0 && errno != EAGAIN && errno != EINTR) {
			err = net_fail(x, "did not take the query", errno);
			goto done;
		}
		deadline_in(&resend, RESEND_MS);
		for (;;) {
			const deadline *until = deadline_left_ms(&resend) < deadline_left_ms(&x->d)
						? &resend : &x->d;
			err = wait_fd(fd, POLLIN, until, x->cancel, 0, x->what);
			if (err == CARVE_ETIMEOUT && until == &resend)
				break;
			if (err < 0)
				goto done;
			ssize_t n = recv(fd, ans, cap, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n < 0) {
				err = net_fail(x, "did not take the query", errno);
				goto done;
			}
			if (answers(x, ans, (size_t)n)) {
				err = (int)n;
				goto done;
			}
			/* not the answer to this query: dropped, as 7.3 says */
		}
	}
done:
	close(fd);
	return err;
}

/* All of buf through the TCP connection, one way or the other. */
static int stream(int fd, unsigned char *buf, size_t len, bool out, const exchange *x)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = out ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
				: recv(fd, buf + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return carve_error_set(CARVE_ENET, "the resolver %s:%u closed the TCP"
					       " connection before its answer", x->resolver,
					       x->port);
		if (errno != EAGAIN && errno != EINTR)
			return net_fail(x, out ? "did not take the query over TCP"
					       : "broke off its answer over TCP", errno);
		int err = wait_fd(fd, out ? POLLOUT : POLLIN, &x->d, x->cancel, 0, x->what);
		if (err < 0)
			return err;
	}
	return 0;
}

/* RFC 1035 4.2.2: over TCP each message is preceded by its length in two
 * bytes.  Returns the answer's length or a negative error. */
static int ask_tcp(unsigned char *ans, size_t cap, const exchange *x)
{
	unsigned char msg[2 + NS_PACKETSZ];
	size_t len;
	int fd = net_connect(x->resolver, x->port, &x->d, x->cancel), err;

	if (fd < 0)
		return fd;
	msg[0] = (unsigned char)(x->qlen >> 8);
	msg[1] = (unsigned char)x->qlen;
	memcpy(msg + 2, x->query, x->qlen);
	if ((err = stream(fd, msg, 2 + x->qlen, true, x)) < 0 ||
	    (err = stream(fd, msg, 2, false, x)) < 0)
		goto done;
	len = (size_t)(msg[0] << 8 | msg[1]);
	if (len < NS_HFIXEDSZ || len > cap) {
		err = carve_error_set(CARVE_ENET, "the resolver %s:%u sent a malformed answer",
				      x->resolver, x->port);
		goto done;
	}
	if ((err = stream(fd, ans, len, false, x)) < 0)
		goto done;
	/* one query on the connection: anything else is the resolver's fault */
	err = answers(x, ans, len)
	      ? (int)len
	      : carve_error_set(CARVE_ENET, "the resolver %s:%u answered another query over"
				" TCP", x->resolver, x->port);
done:
	close(fd);
	return err;
}

/* RFC 1035 4.1.1's response codes by name, later RFCs' by number. */
static const char *rcode_name(char *buf, size_t cap, int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP", "REFUSED" };

	if (rcode >= 0 && (size_t)rcode < CARVE_ARRAY_SIZE(names))
		return names[rcode];
	snprintf(buf, cap, "rcode %d", rcode);
	return buf;
}

int dns_query(dns_answers *out, const char *resolver, uint16_t port, const char *name,
	      ns_type type, uint32_t timeout_ms, const carve_cancel *cancel)
{
	struct __res_state st;
	unsigned char query[NS_PACKETSZ], answer[NS_MAXMSG];
	exchange x = { .resolver = resolver, .port = port, .cancel = cancel,
		       .query = query };
	ns_msg msg;
	char rcode_buf[16];
	int len;

	memset(out, 0, sizeof(*out));
	deadline_in(&x.d, timeout_ms);
	snprintf(x.what, sizeof(x.what), "asking the resolver %s:%u for %s", resolver, port,
		 name);
	if (inet_pton(AF_INET, resolver, &x.addr) != 1)
		return carve_error_set(CARVE_EINVALID, "the resolver '%s' is not an IPv4 address",
				       resolver);
	if (carve_cancel_fired(cancel))
		return carve_error_set(CARVE_ECANCELED, "%s: cancelled", x.what);
	/* for its options only: recursion desired, as the system asks */
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0)
		return carve_error_set(CARVE_ERROR, "cannot set up a DNS resolver");
	len = res_nmkquery(&st, ns_o_query, name, ns_c_in, (int)type, NULL, 0, NULL, query,
			   sizeof(query));
	res_nclose(&st);
	if (len < NS_HFIXEDSZ + 4)
		return carve_error_set(CARVE_EINVALID, "cannot ask DNS for '%s': not a valid name",
				       name);
	x.qlen = (size_t)len;

	len = ask_udp(answer, sizeof(answer), &x);
	/* RFC 1035 4.2.1: an answer longer than a datagram allows comes
	 * truncated with TC set; the whole of it is asked for over TCP. */
	if (len >= 0 && HDR_TC(answer))
		len = ask_tcp(answer, sizeof(answer), &x);
	if (len == CARVE_ETIMEOUT)
		return carve_error_set(CARVE_ETIMEOUT, "the resolver %s:%u did not answer for %s"
				       " within %u ms", resolver, port, name, timeout_ms);
	if (len < 0)
		return len;
	if (ns_initparse(answer, len, &msg) < 0)
		return carve_error_set(CARVE_ENET, "the resolver %s:%u sent a malformed answer",
				       resolver, port);
	/* RFC 1035 4.1.1: name error (3) means the name does not exist, so
	 * it has no records; any other error is the resolver's failure. */
	int rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain)
		return 0;
	if (rcode != ns_r_noerror)
		return carve_error_set(CARVE_ENET, "the resolver %s:%u refused the query for %s"
				       " (%s)", resolver, port, name,
				       rcode_name(rcode_buf, sizeof(rcode_buf), rcode));
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && out->count < DNS_MAX_ANSWERS; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 && ns_rr_type(rr) == type)
			take(out, &msg, &rr, type);
	}
	return 0;
}
