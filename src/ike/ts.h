/* ts: traffic selectors (RFC 7296 3.13): from policies, the responder's narrowing (2.9),
 * the initiator's subset check, the prefixes and ports the kernel's selectors need, and
 * their text for logs. Pure. */
#ifndef IPSECD_IKE_TS_H
#define IPSECD_IKE_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/conf.h"
#include "ipsecd/wire.h"

/* A TS from a prefix (host bits ignored), IP protocol (-1 or 0: any) and port (-1: any,
 * 0..65535) (RFC 7296 3.13.1). */
void ike_ts_from_prefix(struct ikev2_ts *ts, const struct conf_addr *prefix, int proto, int port);
/* From a policy item (CONF_M_POLICY): the local side (src-address, src-port) and the remote
 * side (dst-address, dst-port), both with the policy's protocol; one TS each. */
void ike_ts_from_policy(const struct conf_item *policy, struct ikev2_ts_set *local,
			struct ikev2_ts_set *remote);
/* RFC 7296 2.9 narrowing on the responder: out = the non-empty intersections of a TS of
 * theirs with a TS of ours (same type), in their order, leaving out any that another one
 * holds entirely (the kernel gets out->ts[0], so a host picked out of a network must not
 * come before the network). When their first TS is one address (the packet that caused
 * the request), the first intersection holding all of it goes first. 0, or -ENOENT when
 * none is left (TS_UNACCEPTABLE). */
int ike_ts_narrow(const struct ikev2_ts_set *ours, const struct ikev2_ts_set *theirs,
		  struct ikev2_ts_set *out);
/* Every TS of inner lies within some TS of outer (the initiator checks the responder's
 * narrowed set); an empty inner is refused. */
bool ike_ts_subset(const struct ikev2_ts_set *inner, const struct ikev2_ts_set *outer);
/* The kernel needs prefixes: the largest prefix-aligned block of ts's address range that
 * starts at its start address, as family (AF_INET/AF_INET6), addr (16 bytes, zero-padded)
 * and plen. True when that block is the whole range; false when the range is not exactly
 * one prefix (the caller logs and narrows or refuses). */
bool ike_ts_to_prefix(const struct ikev2_ts *ts, uint8_t *family, uint8_t addr[16], uint8_t *plen);
/* The kernel's selector port of ts's port range: its one port, or 0 (any) for the whole
 * range. False (port 0) for a partial range or OPAQUE (3.13.1), which a selector cannot
 * hold. */
bool ike_ts_to_port(const struct ikev2_ts *ts, uint16_t *port);
/* "10.0.0.0/24[tcp/80]" for logs: the prefix, or "start-end" when the range is not one;
 * then protocol and ports when they are not any. Like snprintf: terminated when len > 0,
 * returns the length the whole text needs. */
size_t ike_ts_str(const struct ikev2_ts *ts, char *buf, size_t len);

#endif
