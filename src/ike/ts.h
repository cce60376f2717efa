/* ts: traffic selectors (RFC 7296 3.13): from policies, narrowing on the responder (2.9),
 * the initiator's subset check, and the prefixes the kernel's selectors need. Pure. */
#ifndef IPSECD_IKE_TS_H
#define IPSECD_IKE_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/conf.h"
#include "ipsecd/wire.h"

/* A TS for a prefix, IP protocol (<= 0: any) and port (< 0: any). */
void ike_ts_from_prefix(struct ikev2_ts *ts, const struct conf_addr *prefix, int proto, int port);
/* A policy item's local (src-address, src-port) and remote (dst-address, dst-port) TS. */
void ike_ts_from_policy(const struct conf_item *policy, struct ikev2_ts_set *local,
			struct ikev2_ts_set *remote);
/* out = the non-empty intersections of their TS with ours, in their order. 0 or -ENOENT. */
int ike_ts_narrow(const struct ikev2_ts_set *ours, const struct ikev2_ts_set *theirs,
		  struct ikev2_ts_set *out);
/* Every TS of inner lies within some TS of outer. */
bool ike_ts_subset(const struct ikev2_ts_set *inner, const struct ikev2_ts_set *outer);
/* The range as one prefix; false if it is not exactly one. */
bool ike_ts_to_prefix(const struct ikev2_ts *ts, uint8_t *family, uint8_t addr[16], uint8_t *plen);
size_t ike_ts_str(const struct ikev2_ts *ts, char *buf, size_t len);

#endif
