/*
 * secret.c - where passwords live: each in a mapping of its own, locked in
 * memory (mlock) so that it is never written to swap, left out of core
 * dumps (MADV_DONTDUMP) and of a forked child (MADV_WIPEONFORK where the
 * kernel has it), wiped with explicit_bzero before it is unmapped.
 *
 * mlock can be refused (RLIMIT_MEMLOCK for an unprivileged user, often
 * 64 KiB or 8 MiB): the secret is kept anyway, since a migration cannot
 * wait for a limit to be raised, but carve_secret_locked() says so and the
 * command line warns.  Nothing here is ever swap-unsafe silently.
 *
 * The plan's password store (one secret per account) and the logon gate
 * that keeps a wrong password from being tried once per machine are here
 * too; reading passwords from files and descriptors is in secret_read.c.
 */
#include "plan_internal.h"
#include "secret_internal.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* mlock and munlock through the system call itself: a sanitizer's libc
 * interceptor turns mlock into a no-op that reports success, and a secret
 * must never claim to be locked when it is not. */
static bool lock_pages(void *p, size_t len)
{
	return syscall(SYS_mlock, p, len) == 0;
}

static void unlock_pages(void *p, size_t len)
{
	(void)syscall(SYS_munlock, p, len);
}

struct carve_secret {
	size_t map_len; /* the whole mapping, this header included */
	size_t cap;
	bool locked;
	char bytes[];
};

int carve_secret_new(carve_secret **out, size_t cap)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t unit = page > 0 ? (size_t)page : 4096;
	size_t need = sizeof(carve_secret) + cap + 1;
	size_t len = (need + unit - 1) / unit * unit;
	carve_secret *s;

	*out = NULL;
	if (cap == 0 || cap > ((size_t)1 << 20))
		return carve_error_set(CARVE_EINVALID, "a secret of %zu bytes", cap);
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return carve_error_set(CARVE_ENOMEM, "cannot map memory for a secret: %s",
				       strerror(errno));
	/* Before a byte of the secret is written. */
	if (madvise(s, len, MADV_DONTDUMP) < 0) {
		munmap(s, len);
		return carve_error_set(CARVE_ERROR, "cannot keep a secret out of core dumps: %s",
				       strerror(errno));
	}
#ifdef MADV_WIPEONFORK
	(void)madvise(s, len, MADV_WIPEONFORK); /* Linux 4.14 and later */
#endif
	s->map_len = len;
	s->cap = cap;
	s->locked = lock_pages(s, len);
	*out = s;
	return 0;
}

char *carve_secret_bytes(carve_secret *s)
{
	return s->bytes;
}

size_t carve_secret_cap(const carve_secret *s)
{
	return s->cap;
}

bool carve_secret_locked(const carve_secret *s)
{
	return s->locked;
}

void carve_secret_wipe(carve_secret *s)
{
	explicit_bzero(s->bytes, s->cap + 1);
}

void carve_secret_free(carve_secret *s)
{
	size_t len;

	if (!s)
		return;
	len = s->map_len;
	explicit_bzero(s, len);
	unlock_pages(s, len);
	munmap(s, len);
}

/* ------------------------------------------------------------ the plan's */

enum { PASSWORD_MAX = 1024 };

int secret_store_init(carve_plan *plan)
{
	size_t n = plan->account_count ? plan->account_count : 1;

	plan->passwords = carve_arena_calloc(&plan->arena, n, sizeof(*plan->passwords));
	plan->password_lens = carve_arena_calloc(&plan->arena, n, sizeof(*plan->password_lens));
	plan->gates = carve_arena_calloc(&plan->arena, n, sizeof(*plan->gates));
	if (!plan->passwords || !plan->password_lens || !plan->gates)
		return carve_error_oom();
	for (size_t i = 0; i < plan->account_count; i++) {
		pthread_mutex_init(&plan->gates[i].lock, NULL);
		pthread_cond_init(&plan->gates[i].cond, NULL);
	}
	plan->gate_count = plan->account_count;
	return 0;
}

void secret_store_done(carve_plan *plan)
{
	for (size_t i = 0; plan->passwords && i < plan->account_count; i++)
		carve_secret_free(plan->passwords[i]);
	for (size_t i = 0; plan->gates && i < plan->gate_count; i++) {
		pthread_mutex_destroy(&plan->gates[i].lock);
		pthread_cond_destroy(&plan->gates[i].cond);
	}
}

static int check_account(const carve_plan *plan, size_t account)
{
	if (account >= plan->account_count)
		return carve_error_set(CARVE_EINVALID, "no such account");
	if (plan->accounts[account].auth != CARVE_AUTH_PASSWORD)
		return carve_error_set(CARVE_EINVALID, "account %s logs on with %s, not a password",
				       plan->accounts[account].name,
				       carve_auth_name(plan->accounts[account].auth));
	return 0;
}

int carve_plan_set_password(carve_plan *plan, size_t account, const char *secret, size_t len)
{
	carve_secret *s = NULL;
	int err;

	if ((err = check_account(plan, account)) < 0)
		return err;
	if (len == 0)
		return carve_error_set(CARVE_EINVALID, "the password of account %s is empty",
				       plan->accounts[account].name);
	if (len > PASSWORD_MAX)
		return carve_error_set(CARVE_EINVALID, "the password of account %s is longer "
				       "than %d bytes", plan->accounts[account].name, PASSWORD_MAX);
	if (memchr(secret, '\0', len))
		return carve_error_set(CARVE_EINVALID, "the password of account %s holds a NUL "
				       "byte, which SSH cannot carry", plan->accounts[account].name);
	if ((err = carve_secret_new(&s, len)) < 0)
		return err;
	memcpy(s->bytes, secret, len);
	carve_secret_free(plan->passwords[account]);
	plan->passwords[account] = s;
	plan->password_lens[account] = len;
	/* A new password deserves a new first try. */
	pthread_mutex_lock(&plan->gates[account].lock);
	plan->gates[account].state = GATE_UNTRIED;
	pthread_mutex_unlock(&plan->gates[account].lock);
	return 0;
}

bool carve_plan_has_password(const carve_plan *plan, size_t account)
{
	return account < plan->account_count && plan->passwords[account] != NULL;
}

const char *plan_password(const carve_plan *plan, size_t account, size_t *len)
{
	if (!carve_plan_has_password(plan, account)) {
		*len = 0;
		return NULL;
	}
	*len = plan->password_lens[account];
	return plan->passwords[account]->bytes;
}

bool carve_plan_passwords_locked(const carve_plan *plan)
{
	for (size_t i = 0; i < plan->account_count; i++)
		if (plan->passwords[i] && !plan->passwords[i]->locked)
			return false;
	return true;
}

carve_logon_gate *plan_logon_gate(const carve_plan *plan, size_t account)
{
	return account < plan->gate_count ? &plan->gates[account] : NULL;
}

/* ------------------------------------------------------------ logon gate */

int logon_gate_enter(carve_logon_gate *g, bool *first, uint32_t wait_ms,
		     carve_cancel *cancel, const char *label)
{
	struct timespec now, until;
	int err = 0;

	*first = false;
	if (!g)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&g->lock);
	for (;;) {
		if (g->state == GATE_REFUSED) {
			err = carve_error_set(CARVE_EAUTH, "%s: not tried: %s refused this password "
					      "earlier in this run, and trying it on every host "
					      "would lock the account out; give the right one and "
					      "run again", label, g->refused_by);
			break;
		}
		if (g->state == GATE_GOOD)
			break;
		if (g->state == GATE_UNTRIED) {
			g->state = GATE_TRYING;
			*first = true;
			break;
		}
		if (carve_cancel_fired(cancel)) {
			err = carve_error_set(CARVE_ECANCELED, "%s: authentication stopped", label);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > until.tv_sec ||
		    (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
			break; /* the first logon hangs somewhere: do not wait for it */
		/* The condition variable waits on the realtime clock: slices
		 * short enough to see a cancel and the monotonic deadline. */
		struct timespec slice;
		clock_gettime(CLOCK_REALTIME, &slice);
		slice.tv_nsec += 50 * 1000000L;
		if (slice.tv_nsec >= 1000000000L) {
			slice.tv_sec++;
			slice.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cond, &g->lock, &slice);
	}
	pthread_mutex_unlock(&g->lock);
	return err;
}

void logon_gate_leave(carve_logon_gate *g, bool first, logon_outcome outcome,
		      const char *where)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	if (outcome == LOGON_DENIED) {
		g->state = GATE_REFUSED;
		snprintf(g->refused_by, sizeof(g->refused_by), "%s", where);
	} else if (outcome == LOGON_ACCEPTED && g->state != GATE_REFUSED) {
		g->state = GATE_GOOD;
	} else if (first && g->state == GATE_TRYING) {
		g->state = GATE_UNTRIED; /* undecided: the next logon tries */
	}
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}
