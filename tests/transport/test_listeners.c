/*
 * test_listeners.c - hosts that misbehave before SSH starts: a listener
 * that never sends a banner, one that closes mid-handshake, one that
 * trickles a byte a second, and a closed port.  Each must end at its
 * deadline (or at once) and never hold up anything else.
 */
#include "carve.h"
#include "sshd.h"

#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef enum { SILENT, CLOSE_AFTER_BANNER, TRICKLE } behaviour;

static int listener;
static int port;
static behaviour mode;
static pthread_t thread;
static atomic_bool stop;

static void *serve(void *arg)
{
	(void)arg;
	int fd = accept(listener, NULL, NULL);
	if (fd < 0)
		return NULL;
	static const char banner[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
	switch (mode) {
	case SILENT:
		break;
	case CLOSE_AFTER_BANNER:
		(void)!write(fd, banner, strlen(banner));
		close(fd);
		return NULL;
	case TRICKLE:
		for (size_t i = 0; i < strlen(banner) && !atomic_load(&stop); i++) {
			(void)!write(fd, banner + i, 1);
			sleep(1);
		}
		break;
	}
	while (!atomic_load(&stop))
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	close(fd);
	return NULL;
}

static void start(behaviour b)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	mode = b;
	atomic_store(&stop, false);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(listener, 8), 0);
	getsockname(listener, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	pthread_create(&thread, NULL, serve, NULL);
}

static void finish(void)
{
	atomic_store(&stop, true);
	shutdown(listener, SHUT_RDWR);
	close(listener);
	pthread_join(thread, NULL);
}

static int try_connect(double *ms)
{
	carve_ssh_options o = CARVE_SSH_OPTIONS_INIT;
	carve_ssh *ssh = NULL;
	struct timespec t0, t1;

	o.host = "127.0.0.1";
	o.port = (uint16_t)port;
	o.known_hosts = "/nonexistent/known_hosts";
	o.connect_timeout_ms = 600;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int err = carve_ssh_connect(&ssh, NULL, &o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_assert_null(ssh);
	return err;
}

Test(listeners, no_banner_ends_at_the_deadline, .timeout = 20)
{
	double ms;

	start(SILENT);
	cr_assert_eq(try_connect(&ms), CARVE_ETIMEOUT, "%s", carve_error_last()->message);
	cr_assert(ms >= 550 && ms < 3000, "%.0f ms", ms);
	finish();
}

Test(listeners, trickle_ends_at_the_deadline, .timeout = 20)
{
	double ms;

	start(TRICKLE);
	cr_assert_eq(try_connect(&ms), CARVE_ETIMEOUT, "%s", carve_error_last()->message);
	cr_assert(ms >= 550 && ms < 3000, "%.0f ms", ms);
	finish();
}

Test(listeners, close_mid_handshake_fails_at_once, .timeout = 20)
{
	double ms;

	start(CLOSE_AFTER_BANNER);
	cr_assert_eq(try_connect(&ms), CARVE_ENET, "%s", carve_error_last()->message);
	cr_assert(ms < 550, "%.0f ms", ms);
	finish();
}

Test(listeners, closed_port_fails_at_once, .timeout = 20)
{
	double ms;

	port = t_free_port();
	cr_assert_eq(try_connect(&ms), CARVE_ENET, "%s", carve_error_last()->message);
	cr_assert(strstr(carve_error_last()->message, "refused"), "%s",
		  carve_error_last()->message);
	cr_assert(ms < 550, "%.0f ms", ms);
}
