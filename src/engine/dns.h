/*
 * dns.h - asking one DNS resolver for one kind of record, within a
 * deadline and stopped at once by a cancel.  libresolv builds the query
 * and parses the answer (its own resolver state: thread-safe, and the
 * system's search list is never applied); the exchange is carve's, since
 * res_nquery() waits in a poll() nothing can interrupt.
 */
#ifndef CARVE_DNS_H
#define CARVE_DNS_H

#include "internal.h"

#include <arpa/nameser.h>

#define DNS_MAX_ANSWERS 16

typedef struct {
	size_t count;
	char value[DNS_MAX_ANSWERS][256]; /* MX exchange, CNAME or SRV target, A address */
	unsigned priority[DNS_MAX_ANSWERS]; /* MX preference, SRV priority */
} dns_answers;

/*
 * Asks resolver (an IPv4 address) at port for name's records of type
 * (ns_t_mx, ns_t_cname, ns_t_srv or ns_t_a), over UDP and, when the answer
 * does not fit, over TCP.  A name without such records gives 0 and no
 * answers; CARVE_ETIMEOUT when no answer came within timeout_ms;
 * CARVE_ECANCELED as soon as cancel (may be NULL) fires; CARVE_ENET when
 * the resolver failed or refused.
 */
int dns_query(dns_answers *out, const char *resolver, uint16_t port, const char *name,
	      ns_type type, uint32_t timeout_ms, const carve_cancel *cancel);

#endif
