/*
 * dns.c - see dns.h.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

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

int dns_query(dns_answers *out, const char *resolver, uint16_t port, const char *name,
	      ns_type type, uint32_t timeout_ms)
{
	struct __res_state st;
	unsigned char answer[NS_MAXMSG];
	ns_msg msg;
	int len, err = 0;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0)
		return carve_error_set(CARVE_ERROR, "cannot set up a DNS resolver");
	st.nscount = 1;
	memset(&st.nsaddr_list[0], 0, sizeof(st.nsaddr_list[0]));
	st.nsaddr_list[0].sin_family = AF_INET;
	st.nsaddr_list[0].sin_port = htons(port);
	if (inet_pton(AF_INET, resolver, &st.nsaddr_list[0].sin_addr) != 1) {
		err = carve_error_set(CARVE_EINVALID, "the resolver '%s' is not an IPv4 address",
				      resolver);
		goto done;
	}
	st.retrans = (int)((timeout_ms + 999) / 1000);
	st.retry = 1;
	st.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	len = res_nquery(&st, name, ns_c_in, (int)type, answer, sizeof(answer));
	if (len < 0) {
		if (st.res_h_errno == HOST_NOT_FOUND || st.res_h_errno == NO_DATA)
			goto done; /* no such records */
		err = st.res_h_errno == TRY_AGAIN
		      ? carve_error_set(CARVE_ETIMEOUT, "the resolver %s:%u did not answer for %s"
					" within %u ms", resolver, port, name, timeout_ms)
		      : carve_error_set(CARVE_ENET, "the resolver %s:%u refused the query for %s",
					resolver, port, name);
		goto done;
	}
	if (ns_initparse(answer, len, &msg) < 0) {
		err = carve_error_set(CARVE_ENET, "the resolver %s:%u sent a malformed answer",
				      resolver, port);
		goto done;
	}
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && out->count < DNS_MAX_ANSWERS; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 && ns_rr_type(rr) == type)
			take(out, &msg, &rr, type);
	}
done:
	res_nclose(&st);
	return err;
}
