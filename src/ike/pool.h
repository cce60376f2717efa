/* pool: /ip pool address pools and the leases mode-config hands out from them (RFC 7296
 * 3.15, and IKEv1 mode-config alike). Version-neutral: IKEv2 and IKEv1 lease through it.
 *
 * A lease belongs to an owner (the client's authenticated ID as text). A released
 * address remembers its last owner, so a client that comes back gets the same address
 * while nobody else took it; free addresses are handed out never-used first, then the
 * longest-free first. Taking and releasing cost the same whatever the pool's size: no
 * call scans a pool. A pool that runs out continues in its next-pool.
 *
 * Every address of a range is handed out, a prefix's first and last (.0, .255) included:
 * RouterOS does the same (a lease is a single address), and "10.0.0.0/24" is stored as
 * the range 10.0.0.0-10.0.0.255 anyway. An owner may hold several leases (one client,
 * several IKE SAs): a take never returns an address held now, so an owner whose
 * remembered address is held gets another one. */
#ifndef IPSECD_IKE_POOL_H
#define IPSECD_IKE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecd/conf.h"
#include "ipsecd/ike.h"
#include "ipsecd/net.h"

struct ike_pools;

struct ike_pools *ike_pools_new(void);
/* Frees everything, leases included. Accepts NULL. */
void ike_pools_free(struct ike_pools *p);
/* The /ip pool items of c are the pools now (c is borrowed until the next call). Leases
 * survive when their address is still in a pool of the same name; the others stay held
 * by their clients (shown, released as usual) but are never handed out again by their
 * old pool: released, such an address joins the configured pool whose ranges have it
 * now, if any. Remembered (free) addresses outside their pool are forgotten. 0, or
 * -ENOMEM (the pools are as before). */
int ike_pools_apply(struct ike_pools *p, const struct conf *c);
/* A lease from pool (then its next-pools, in order, each once) for owner, of the
 * address family family (AF_INET or AF_INET6). 0 with *addr (port 0) and *from (the
 * name of the pool it came from, valid until the next ike_pools_apply); -ENOENT: no
 * such pool; -ENOSPC: the pool and its next-pools have no free address of that family;
 * -EINVAL: family is neither; -ENOMEM. The owner's remembered address anywhere in the
 * chain comes first, while free; then, pool by pool, a never-used address, else the
 * longest-free one. */
int ike_pools_take(struct ike_pools *p, const char *pool, int family, const char *owner,
		   struct net_addr *addr, const char **from);
/* Gives a leased address back (no-op when not leased). */
void ike_pools_release(struct ike_pools *p, const struct net_addr *addr);
/* Every lease, in no particular order (ike_lease_info in ipsecd/ike.h). */
void ike_pools_walk(const struct ike_pools *p,
		    void (*fn)(void *arg, const struct ike_lease_info *l), void *arg);
/* Leases held now. */
size_t ike_pools_used(const struct ike_pools *p);

#endif
