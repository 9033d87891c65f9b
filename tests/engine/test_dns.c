/*
 * test_dns.c - dns_query against resolvers on loopback that this file
 * plays: one that never answers (a cancel must end the wait at once, not
 * the deadline), one whose answer does not fit a datagram (the records
 * come over TCP), one that is spoofed before it answers, and one that
 * fails; and the teardown checks, which ask it, end when cancelled.  The
 * server runs on a thread, on one UDP and one TCP socket bound to the same
 * port, and reports what it received under a lock: the tests wait on that,
 * never on a clock.
 */
#define _GNU_SOURCE /* asprintf */
#include "carve.h"
#include "dns.h"
#include "support.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef enum {
	SILENT,      /* reads and drops */
	TRUNCATED,   /* UDP: TC set; TCP: the whole answer */
	TCP_SILENT,  /* UDP: TC set; TCP: reads the query, never answers */
	SPOOFED,     /* a datagram from another port, one with another ID, then the answer */
	RCODE,       /* answers with rcode and no records */
} behaviour;

typedef struct {
	behaviour how;
	int rcode;
	int udp, tcp, stop[2];
	int held; /* TCP_SILENT's connection, open until the end */
	uint16_t port;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned udp_queries, tcp_queries; /* under lock */
} server;

static server srv = { .udp = -1, .tcp = -1, .stop = { -1, -1 }, .held = -1,
		      .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

/* An MX answer to query q (qlen bytes), naming exchange, with id (the
 * query's when -1) and rcode; returns its length. */
static size_t answer(unsigned char *a, const unsigned char *q, size_t qlen, int id, int rcode,
		     bool tc, const char *exchange)
{
	size_t n = qlen;

	memcpy(a, q, qlen);
	if (id >= 0) {
		a[0] = (unsigned char)(id >> 8);
		a[1] = (unsigned char)id;
	}
	a[2] = (unsigned char)(0x80 | (q[2] & 0x01) | (tc ? 0x02 : 0)); /* QR, RD, TC */
	a[3] = (unsigned char)(0x80 | rcode);                           /* RA, RCODE */
	a[6] = a[7] = a[8] = a[9] = a[10] = a[11] = 0;
	if (!exchange)
		return n;
	a[7] = 1; /* ANCOUNT */
	static const unsigned char rr[] = { 0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0x0e, 0x10 };
	memcpy(a + n, rr, sizeof(rr)); /* the question's name, MX, IN, TTL 3600 */
	n += sizeof(rr);
	size_t rdlength_at = n;
	n += 2;
	a[n++] = 0;
	a[n++] = 10; /* preference */
	for (const char *label = exchange; *label;) {
		size_t len = strcspn(label, ".");
		a[n++] = (unsigned char)len;
		memcpy(a + n, label, len);
		n += len;
		label += len + (label[len] == '.');
	}
	a[n++] = 0;
	a[rdlength_at] = (unsigned char)((n - rdlength_at - 2) >> 8);
	a[rdlength_at + 1] = (unsigned char)(n - rdlength_at - 2);
	return n;
}

static void count(unsigned *counter)
{
	pthread_mutex_lock(&srv.lock);
	(*counter)++;
	pthread_cond_broadcast(&srv.changed);
	pthread_mutex_unlock(&srv.lock);
}

static bool read_all(int fd, unsigned char *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

static void serve_udp(void)
{
	unsigned char q[512], a[1024];
	struct sockaddr_in from;
	socklen_t from_len = sizeof(from);
	ssize_t qlen = recvfrom(srv.udp, q, sizeof(q), 0, (struct sockaddr *)&from, &from_len);
	size_t n;

	if (qlen < 12)
		return;
	count(&srv.udp_queries);
	switch (srv.how) {
	case SILENT:
		return;
	case TRUNCATED:
	case TCP_SILENT:
		n = answer(a, q, (size_t)qlen, -1, 0, true, "udp.fabrikam.test");
		break;
	case SPOOFED: {
		/* what an attacker off the resolver's port might send first */
		int other = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		n = answer(a, q, (size_t)qlen, -1, 0, false, "other-port.evil.test");
		if (other >= 0) {
			sendto(other, a, n, 0, (struct sockaddr *)&from, from_len);
			close(other);
		}
		n = answer(a, q, (size_t)qlen, (q[0] << 8 | q[1]) ^ 0x5a5a, 0, false,
			   "other-id.evil.test");
		sendto(srv.udp, a, n, 0, (struct sockaddr *)&from, from_len);
		n = answer(a, q, (size_t)qlen, -1, 0, false, "mx.contoso.test");
		break;
	}
	case RCODE:
	default:
		n = answer(a, q, (size_t)qlen, -1, srv.rcode, false, NULL);
		break;
	}
	sendto(srv.udp, a, n, 0, (struct sockaddr *)&from, from_len);
}

/* RFC 1035 4.2.2: two bytes of length, then the message. */
static void serve_tcp(void)
{
	unsigned char len2[2], q[512], a[2 + 1024];
	int fd = accept(srv.tcp, NULL, NULL);
	size_t qlen, n;

	if (fd < 0)
		return;
	if (!read_all(fd, len2, 2) || (qlen = (size_t)(len2[0] << 8 | len2[1])) > sizeof(q) ||
	    qlen < 12 || !read_all(fd, q, qlen)) {
		close(fd);
		return;
	}
	if (srv.how == TCP_SILENT) {
		srv.held = fd;
		count(&srv.tcp_queries);
		return;
	}
	n = answer(a + 2, q, qlen, -1, 0, false, "tcp.fabrikam.test");
	a[0] = (unsigned char)(n >> 8);
	a[1] = (unsigned char)n;
	/* no assertions on this thread: the client's result tells */
	(void)!write(fd, a, n + 2);
	close(fd);
	count(&srv.tcp_queries);
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[3] = { { srv.udp, POLLIN, 0 }, { srv.tcp, POLLIN, 0 },
				       { srv.stop[0], POLLIN, 0 } };
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[2].revents)
			break;
		if (p[0].revents)
			serve_udp();
		if (p[1].revents)
			serve_tcp();
	}
	return NULL;
}

static void start(behaviour how, int rcode)
{
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(at);

	srv.how = how;
	srv.rcode = rcode;
	srv.udp_queries = srv.tcp_queries = 0;
	/* a UDP port whose TCP twin is free too */
	for (int tries = 0; srv.tcp < 0 && tries < 50; tries++) {
		at.sin_port = 0;
		srv.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		cr_assert_eq(bind(srv.udp, (struct sockaddr *)&at, sizeof(at)), 0);
		cr_assert_eq(getsockname(srv.udp, (struct sockaddr *)&at, &len), 0);
		srv.tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (bind(srv.tcp, (struct sockaddr *)&at, sizeof(at)) == 0 && listen(srv.tcp, 4) == 0)
			break;
		close(srv.tcp);
		close(srv.udp);
		srv.tcp = srv.udp = -1;
	}
	cr_assert_geq(srv.tcp, 0, "no port free for both UDP and TCP");
	srv.port = ntohs(at.sin_port);
	cr_assert_eq(pipe(srv.stop), 0);
	cr_assert_eq(pthread_create(&srv.thread, NULL, serve, NULL), 0);
	srv.running = true;
}

/* Ends the server's thread; its sockets stay open. */
static void halt(void)
{
	if (srv.running) {
		cr_assert_eq(write(srv.stop[1], "x", 1), 1);
		pthread_join(srv.thread, NULL);
		srv.running = false;
	}
}

static void stop(void)
{
	halt();
	int *fds[] = { &srv.udp, &srv.tcp, &srv.stop[0], &srv.stop[1], &srv.held };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

TestSuite(dns, .fini = stop, .timeout = 30);

static unsigned queries(const unsigned *counter)
{
	pthread_mutex_lock(&srv.lock);
	unsigned n = *counter;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* Until the server has received a query (counter is one of its own). */
static void wait_for_query(const unsigned *counter)
{
	pthread_mutex_lock(&srv.lock);
	while (*counter == 0)
		pthread_cond_wait(&srv.changed, &srv.lock);
	pthread_mutex_unlock(&srv.lock);
}

static long ms_between(const struct timespec *t0, const struct timespec *t1)
{
	return (t1->tv_sec - t0->tv_sec) * 1000 + (t1->tv_nsec - t0->tv_nsec) / 1000000;
}

static int ask_mx(dns_answers *a, uint32_t timeout_ms)
{
	return dns_query(a, "127.0.0.1", srv.port, "fabrikam.test", ns_t_mx, timeout_ms, NULL);
}

/* ---- a query on its own thread, so the test can cancel it ---- */

typedef struct {
	carve_cancel *cancel;
	dns_answers out;
	int err;
	char message[512];
	struct timespec ended;
} query_job;

static void *run_query(void *arg)
{
	query_job *j = arg;

	j->err = dns_query(&j->out, "127.0.0.1", srv.port, "fabrikam.test", ns_t_mx, 10000,
			   j->cancel);
	snprintf(j->message, sizeof(j->message), "%s", j->err < 0 ? carve_error_last()->message : "");
	clock_gettime(CLOCK_MONOTONIC, &j->ended);
	return NULL;
}

/* Starts the query, waits until the server holds it (counter reached
 * 1), cancels, and returns how long the query went on after the cancel. */
static long cancel_once_received(query_job *j, unsigned *counter)
{
	pthread_t t;
	struct timespec fired;

	cr_assert_eq(carve_cancel_new(&j->cancel), 0);
	cr_assert_eq(pthread_create(&t, NULL, run_query, j), 0);
	wait_for_query(counter);
	clock_gettime(CLOCK_MONOTONIC, &fired);
	carve_cancel_fire(j->cancel);
	pthread_join(t, NULL);
	carve_cancel_free(j->cancel);
	return ms_between(&fired, &j->ended);
}

Test(dns, a_cancel_ends_the_wait_for_a_silent_resolver)
{
	query_job j = { 0 };

	start(SILENT, 0);
	long after = cancel_once_received(&j, &srv.udp_queries);
	cr_assert_eq(j.err, CARVE_ECANCELED, "%d: %s", j.err, j.message);
	cr_assert(strstr(j.message, "cancelled"), "%s", j.message);
	/* the deadline is 10 s: the cancel, not the clock, ended it */
	cr_assert_lt(after, 1000, "the query went on for %ld ms after the cancel", after);
}

Test(dns, a_cancel_ends_the_wait_over_tcp_too)
{
	query_job j = { 0 };

	start(TCP_SILENT, 0);
	long after = cancel_once_received(&j, &srv.tcp_queries);
	cr_assert_eq(j.err, CARVE_ECANCELED, "%d: %s", j.err, j.message);
	cr_assert_lt(after, 1000, "the query went on for %ld ms after the cancel", after);
	cr_assert_eq(queries(&srv.udp_queries), 1);
}

Test(dns, a_cancel_fired_before_sends_nothing)
{
	carve_cancel *c;
	dns_answers a;

	start(SILENT, 0);
	cr_assert_eq(carve_cancel_new(&c), 0);
	carve_cancel_fire(c);
	cr_assert_eq(dns_query(&a, "127.0.0.1", srv.port, "fabrikam.test", ns_t_mx, 10000, c),
		     CARVE_ECANCELED);
	carve_cancel_free(c);
	/* loopback delivers at send(): a datagram would be read or waiting */
	halt();
	struct pollfd p = { srv.udp, POLLIN, 0 };
	cr_assert_eq(poll(&p, 1, 0), 0, "a query was sent after the cancel");
	cr_assert_eq(srv.udp_queries, 0);
}

Test(dns, a_silent_resolver_costs_the_deadline)
{
	dns_answers a;
	struct timespec t0, t1;

	start(SILENT, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(ask_mx(&a, 300), CARVE_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert(strstr(carve_error_last()->message, "did not answer for fabrikam.test within"
			 " 300 ms"), "%s", carve_error_last()->message);
	long took = ms_between(&t0, &t1);
	cr_assert(took >= 290 && took < 5000, "%ld ms", took);
}

Test(dns, a_truncated_answer_is_asked_again_over_tcp)
{
	dns_answers a;

	start(TRUNCATED, 0);
	cr_assert_eq(ask_mx(&a, 10000), 0,
		     "%s", carve_error_last()->message);
	cr_assert_eq(a.count, 1);
	cr_assert_str_eq(a.value[0], "tcp.fabrikam.test");
	cr_assert_eq(a.priority[0], 10);
	cr_assert_eq(queries(&srv.udp_queries), 1);
	cr_assert_eq(queries(&srv.tcp_queries), 1);
}

Test(dns, only_the_resolvers_answer_to_this_query_counts)
{
	dns_answers a;

	start(SPOOFED, 0);
	cr_assert_eq(ask_mx(&a, 10000), 0,
		     "%s", carve_error_last()->message);
	cr_assert_eq(a.count, 1);
	cr_assert_str_eq(a.value[0], "mx.contoso.test");
	cr_assert_eq(queries(&srv.udp_queries), 1);
}

Test(dns, a_name_without_records_is_no_error)
{
	dns_answers a;

	start(RCODE, ns_r_nxdomain);
	cr_assert_eq(ask_mx(&a, 10000), 0,
		     "%s", carve_error_last()->message);
	cr_assert_eq(a.count, 0);
	stop();
	start(RCODE, ns_r_noerror);
	cr_assert_eq(ask_mx(&a, 10000), 0,
		     "%s", carve_error_last()->message);
	cr_assert_eq(a.count, 0);
}

Test(dns, a_failing_resolver_refuses)
{
	static const int rcodes[] = { ns_r_servfail, ns_r_refused };
	static const char *const names[] = { "SERVFAIL", "REFUSED" };
	dns_answers a;

	for (size_t i = 0; i < 2; i++) {
		start(RCODE, rcodes[i]);
		cr_assert_eq(ask_mx(&a, 10000),
			     CARVE_ENET);
		const char *m = carve_error_last()->message;
		cr_assert(strstr(m, "refused the query for fabrikam.test") && strstr(m, names[i]),
			  "%s", m);
		stop();
	}
}

/* ---- the teardown checks, which ask the resolver ---- */

typedef struct {
	const carve_plan *plan;
	carve_audit *audit;
	int64_t run;
	carve_cancel *cancel;
	int err;
	struct timespec ended;
} teardown_job;

static void *run_teardown(void *arg)
{
	teardown_job *j = arg;

	j->err = carve_teardown_check(j->plan, j->audit, j->run, j->cancel);
	clock_gettime(CLOCK_MONOTONIC, &j->ended);
	return NULL;
}

static int dns_verdicts(const carve_state_row *row, void *ctx)
{
	if (!strcmp(row->phase, "teardown") && !strncmp(row->step, "ex-", 3) &&
	    strcmp(row->step, "ex-mailboxes"))
		(*(int *)ctx)++;
	return 0;
}

static int mailbox_verdicts(const carve_state_row *row, void *ctx)
{
	if (!strcmp(row->phase, "teardown") && !strcmp(row->step, "ex-mailboxes"))
		(*(int *)ctx)++;
	return 0;
}

Test(dns, the_teardown_checks_end_when_cancelled)
{
	char *site = t_read_file(CARVE_TEST_DATA "/cli/site.yaml", NULL), *text, *cut;
	static const char transport[] = "transport: { account: desk }\n";
	carve_plan *plan = NULL;
	carve_diags *diags = NULL;
	teardown_job j = { 0 };
	struct timespec fired;
	pthread_t t;
	int dns = 0, mailboxes = 0;

	start(SILENT, 0);
	cr_assert_not_null(site);
	cr_assert_not_null(cut = strstr(site, transport));
	*cut = '\0';
	/* a deadline no test waits for: only the cancel can end the query */
	cr_assert(asprintf(&text, "%stransport: { account: desk, timeouts: { connect: 60s } }\n%s"
			   "mail:\n  target_cas: outlook.contoso.com\n  smtp_domain: fabrikam.com\n"
			   "  resolver: 127.0.0.1\n  resolver_port: %u\n", site,
			   cut + strlen(transport), srv.port) > 0);
	cr_assert_eq(carve_plan_load_buffer(&plan, &diags, "site.yaml", text, strlen(text)), 0);
	carve_diags_free(diags);
	char *tmp = t_tmpdir(), *db = t_path(tmp, "audit.db");
	cr_assert_eq(carve_audit_open(&j.audit, db, NULL), 0);
	cr_assert_eq(carve_audit_run_begin(&j.run, j.audit, plan, "teardown"), 0);
	cr_assert_eq(carve_cancel_new(&j.cancel), 0);
	j.plan = plan;

	cr_assert_eq(pthread_create(&t, NULL, run_teardown, &j), 0);
	wait_for_query(&srv.udp_queries);
	clock_gettime(CLOCK_MONOTONIC, &fired);
	carve_cancel_fire(j.cancel);
	pthread_join(t, NULL);
	long after = ms_between(&fired, &j.ended);

	cr_assert_eq(j.err, CARVE_ECANCELED, "%d: %s", j.err, carve_error_last()->message);
	cr_assert_lt(after, 1000, "the checks went on for %ld ms after the cancel", after);
	/* an interrupted check is no verdict; the log's, before it, stands */
	cr_assert_eq(carve_audit_states(j.audit, NULL, dns_verdicts, &dns), 0);
	cr_assert_eq(dns, 0, "a DNS item was recorded after the cancel");
	cr_assert_eq(carve_audit_states(j.audit, NULL, mailbox_verdicts, &mailboxes), 0);
	cr_assert_eq(mailboxes, 1);
	cr_assert_eq(queries(&srv.udp_queries), 1);

	carve_cancel_free(j.cancel);
	carve_audit_free(j.audit);
	carve_plan_free(plan);
	t_rm_rf(tmp);
	free(tmp);
	free(db);
	free(text);
	free(site);
}
