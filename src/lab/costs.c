/*
 * costs.c - what Windows charges, slept by the lab: a PowerShell process's
 * start on an exec host's cores, and its memory while it lives.  The WMI
 * and Exchange costs are slept where those cmdlets run (ps_wmi.c,
 * ps_exchange.c).  Every wait releases the site's lock, so other hosts
 * and other connections go on meanwhile.
 */
#include "lab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void lab_cost_sleep(lab_site *site, uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (!ms)
		return;
	pthread_mutex_unlock(&site->lock);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&site->lock);
}

/* The host's load record, made on its first PowerShell (lock held). */
static struct lab_load *load_of(lab_site *site, const char *host)
{
	for (size_t i = 0; i < site->load_count; i++)
		if (!strcasecmp(site->load[i].host, host))
			return &site->load[i];
	struct lab_load *more = realloc(site->load, (site->load_count + 1) * sizeof(*more));
	if (!more)
		return NULL;
	site->load = more;
	struct lab_load *l = &site->load[site->load_count++];
	memset(l, 0, sizeof(*l));
	snprintf(l->host, sizeof(l->host), "%s", host);
	return l;
}

bool lab_powershell_start(lab_site *site, const char *host, unsigned cores)
{
	const lab_costs *c = &site->fixture.costs;
	int64_t asked = now_ms();
	struct lab_load *l = load_of(site, host);

	if (!l)
		return false;
	/* a start is CPU work: no more at once than the host has cores */
	while (l->starting >= (cores ? cores : 1)) {
		pthread_cond_wait(&site->core_free, &site->lock);
		l = load_of(site, host); /* the array may have moved */
	}
	l->starting++;
	l->processes++;
	if (l->processes > l->peak_processes)
		l->peak_processes = l->processes;
	unsigned alive = l->processes;
	int64_t waited = now_ms() - asked;
	lab_cost_sleep(site, c->powershell_start_ms);
	l = load_of(site, host);
	l->starting--;
	pthread_cond_broadcast(&site->core_free);
	char fields[200];
	snprintf(fields, sizeof(fields), "\"waited_ms\":%lld,\"cpu_ms\":%u,\"processes\":%u,"
		 "\"memory_mib\":%u", (long long)waited, c->powershell_start_ms, alive,
		 alive * c->powershell_mib);
	lab_journal(host, "powershell", fields);
	return true;
}

void lab_powershell_end(lab_site *site, const char *host)
{
	struct lab_load *l = load_of(site, host);

	if (l && l->processes)
		l->processes--;
}
