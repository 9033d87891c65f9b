/*
 * test_probe.c - the ICMP sweep: loopback answers; an address nobody holds
 * stays silent and costs the sweep one timeout, not one per address.  The
 * silent addresses live in a network namespace the test makes for itself
 * (as root; skipped with the reason otherwise).
 */
#define _GNU_SOURCE /* unshare */
#include "carve.h"
#include "transport_internal.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

Test(probe, loopback_answers)
{
	const char *hosts[] = { "127.0.0.1", "127.0.0.2", "not-an-address" };
	bool alive[3];
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	int err = probe_icmp(alive, hosts, 3, 2000, 10, NULL);
	if (err == CARVE_EUNSUPPORTED)
		cr_skip_test("%s", carve_error_last()->message);
	cr_assert_eq(err, 0, "%s", carve_error_last()->message);
	cr_assert(alive[0] && alive[1]);
	cr_assert_not(alive[2], "a name is not swept");
}

/* A namespace of our own where 10.77.0.1 is ours and the rest of
 * 10.77.0.0/24 is routed but held by nobody: requests go out, nothing
 * comes back.  Criterion runs each test in its own process. */
static void silent_network(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to make a network namespace");
	/* Criterion runs each test in its own process: the namespace is ours. */
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("cannot make a network namespace here: %s", strerror(errno));
	/* 10.77.0.1 is ours; the rest of 10.77.0.0/24 is routed but held by
	 * nobody, so requests go out and nothing comes back. */
	cr_assert_eq(system("ip link set lo up && ip addr add 10.77.0.1/32 dev lo && "
			    "ip route add 10.77.0.0/24 dev lo"), 0,
		     "ip failed (is iproute2 installed?)");
}

Test(probe, silent_addresses_cost_one_timeout, .timeout = 30)
{
	silent_network();
	enum { N = 200 };
	static char names[N][32];
	const char *hosts[N];
	bool alive[N];
	for (int i = 0; i < N; i++) {
		/* The first answers (our own address); the rest nobody holds. */
		snprintf(names[i], sizeof(names[i]), i ? "10.77.0.%d" : "10.77.0.1", i + 1);
		hosts[i] = names[i];
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int err = probe_icmp(alive, hosts, N, 700, 1, NULL);
	if (err == CARVE_EUNSUPPORTED)
		cr_skip_test("%s", carve_error_last()->message);
	cr_assert_eq(err, 0, "%s", carve_error_last()->message);
	double ms = ms_since(&t0);
	cr_assert(alive[0]);
	for (int i = 1; i < N; i++)
		cr_assert_not(alive[i], "%s answered", hosts[i]);
	/* one timeout, and two rounds of requests 1 ms apart (at least 398
	 * ms of them: not a burst), not one timeout per address (that would
	 * be 140 s); the upper bound is generous, for a loaded machine */
	cr_assert(ms >= 700 + 2 * (N - 1) * 1 - 50 && ms < 5000, "%d silent addresses took %.0f ms",
		  N - 1, ms);
}

/* The requests are paced (fping's -i): 40 silent addresses at 25 ms
 * take two rounds of at least 39 gaps each, never one burst. */
Test(probe, requests_are_paced, .timeout = 30)
{
	silent_network();
	enum { N = 40 };
	static char names[N][32];
	const char *hosts[N];
	bool alive[N];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "10.77.0.%d", i + 2);
		hosts[i] = names[i];
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int err = probe_icmp(alive, hosts, N, 100, 25, NULL);
	if (err == CARVE_EUNSUPPORTED)
		cr_skip_test("%s", carve_error_last()->message);
	cr_assert_eq(err, 0, "%s", carve_error_last()->message);
	double ms = ms_since(&t0);
	cr_assert(ms >= 2 * (N - 1) * 25, "%d requests twice at 25 ms took only %.0f ms", N, ms);
}

Test(probe, tcp)
{
	cr_assert_lt(probe_tcp("127.0.0.1", 1, 1000, NULL), 0, "port 1 is closed");
}
