/*
 * dns.h - asking one DNS resolver for one kind of record, within a
 * deadline (glibc's libresolv with its own resolver state, so it is
 * thread-safe and never reads the system's search list).
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
 * (ns_t_mx, ns_t_cname, ns_t_srv or ns_t_a).  A name without such records
 * gives 0 and no answers; CARVE_ETIMEOUT when the resolver did not answer
 * within timeout_ms (rounded up to seconds); CARVE_ENET when it failed.
 */
int dns_query(dns_answers *out, const char *resolver, uint16_t port, const char *name,
	      ns_type type, uint32_t timeout_ms);

#endif
