/* tmpl: generate-policy (identity generate-policy, policy-template-group): the peer's
 * proposed traffic selectors narrowed (RFC 7296 2.9) against the template=yes policies of
 * a policy group. Version-neutral and pure: IKEv2 narrows TSi/TSr through it, IKEv1 its
 * quick mode IDci/IDcr as one-selector sets.
 *
 * A template's src-address/src-port are our side, dst-address/dst-port the peer's, its
 * protocol both. The first template (in configuration order) that leaves something of
 * both sides wins. port-strict keeps the ports the peer proposed (they must lie within
 * the template's); port-override makes the generated policy's ports the template's
 * (any port unless the template names one). A client given a virtual address by
 * mode-config gets that one address as its side, whatever it proposed (it must have
 * proposed a range that holds it, or 0.0.0.0/0 and ::/0 as clients do). */
#ifndef IPSECD_IKE_TMPL_H
#define IPSECD_IKE_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "ipsecd/conf.h"
#include "ipsecd/net.h"
#include "ipsecd/wire.h"

enum ike_gen_mode { IKE_GEN_NO, IKE_GEN_PORT_OVERRIDE, IKE_GEN_PORT_STRICT };

/* A template's two sides as one TS each (an unset address is every address): what a
 * mode-config client offers. False when the two are of different families. */
bool ike_tmpl_ts(const struct conf_item *t, struct ikev2_ts_set *local,
		 struct ikev2_ts_set *remote);

/* identity generate-policy of an identity item. */
enum ike_gen_mode ike_gen_mode_of(const struct conf_item *identity);

/* A mode-config client proposes, before it has its address, the one it has: Libreswan
 * 4.10's TSi is its IKE address alone. A TS of tsi that is the peer's address peer
 * alone (ports and protocol aside) becomes vip, the address it was just given. */
void ike_tmpl_own_address(struct ikev2_ts_set *tsi, const struct net_addr *vip,
			  const struct net_addr *peer);

/* theirs_r: the peer's proposal of our side (IKEv2 TSr), theirs_i: of its own side
 * (TSi); vip: the address mode-config gave the peer, or NULL. On success 0, *which the
 * template that matched, and out_local/out_remote the narrowed selectors (our side, the
 * peer's), one TS each, the first of which the kernel policy uses. -ENOENT when no
 * template matches (TS_UNACCEPTABLE); why then says, for the log, what was proposed
 * and which templates were tried (truncated to why_len). */
int ike_tmpl_narrow(const struct conf_item *const *templates, size_t n, enum ike_gen_mode mode,
		    const struct net_addr *vip, const struct ikev2_ts_set *theirs_i,
		    const struct ikev2_ts_set *theirs_r, struct ikev2_ts_set *out_local,
		    struct ikev2_ts_set *out_remote, const struct conf_item **which, char *why,
		    size_t why_len);

#endif
