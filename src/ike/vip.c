/* vip: a mode-config client's address on its side, whatever the IKE version: on the
 * interface towards the gateway while the IKE SA lives, and its traffic to the networks
 * the SA carries routed from it (table 220 with src = the address, via the next hop
 * towards the gateway, and the rule that looks the table up), all gone with the SA. The
 * gateway's own address is never routed into the tunnel. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_internal.h"
#include "ipsecd/log.h"

void ike_vip_install(struct ike_sa *sa)
{
	struct kern_addr local = {.family = sa->local.family}, vip = {.family = sa->vip.family};
	int ifindex;

	memcpy(local.bytes, sa->local.bytes, 16);
	memcpy(vip.bytes, sa->vip.bytes, 16);
	ifindex = kern_ifindex_of(&local);
	if (ifindex <= 0) {
		log_error(LOG_IKE, sa->ctx,
			  "no interface holds our address: the mode-config address is not set");
		return;
	}
	kern_ifaddr_add(sa->eng->d.kern, ifindex, &vip, vip.family == AF_INET ? 32 : 128, NULL,
			NULL);
	kern_commit(sa->eng->d.kern);
	sa->vip_on_if = true;
	sa->vip_ifindex = ifindex;
}

static void to_kaddr(struct kern_addr *k, const struct net_addr *a)
{
	k->family = a->family;
	memcpy(k->bytes, a->bytes, sizeof(k->bytes));
}

static void routed(void *arg, int err, const char *msg)
{
	(void)arg;
	if (err)
		log_error(LOG_KERNEL, NULL, "mode-config client: %s", msg ? msg : strerror(-err));
}

static void unrouted(void *arg, int err, const char *msg)
{
	(void)arg;
	/* gone already: the kernel drops an IPv4 route with its source address */
	if (err && err != -ESRCH)
		log_warn(LOG_KERNEL, NULL, "mode-config client: %s", msg ? msg : strerror(-err));
}

/* Where the routes go: the next hop towards the gateway, asked for once per SA (before
 * any route of ours can answer). */
static void next_hop(struct ike_sa *sa, struct kern_route *base)
{
	struct kern_addr remote, src;
	int err;

	memset(base, 0, sizeof(*base));
	base->table = IKE_VIP_TABLE;
	if (sa->nroutes) {
		base->gateway = sa->routes[0].gateway;
		base->ifindex = sa->routes[0].ifindex;
		return;
	}
	to_kaddr(&remote, &sa->remote);
	err = kern_route_get(&remote, &base->gateway, &base->ifindex, &src);
	if (err < 0 || base->ifindex <= 0) {
		log_warn(LOG_KERNEL, sa->ctx, "no route towards the gateway (%s): routing on %d",
			 strerror(err < 0 ? -err : ENODEV), sa->vip_ifindex);
		memset(&base->gateway, 0, sizeof(base->gateway));
		base->ifindex = sa->vip_ifindex;
	}
}

static bool prefix_holds(const struct kern_addr *net, uint8_t plen, const struct kern_addr *a)
{
	if (net->family != a->family)
		return false;
	for (unsigned i = 0; i < plen; i++)
		if ((net->bytes[i / 8] ^ a->bytes[i / 8]) & (0x80u >> (i % 8)))
			return false;
	return true;
}

/* Adds r unless the SA has routed its network already. */
static void add_route(struct ike_sa *sa, const struct kern_route *r)
{
	struct kern_route *more;

	for (size_t i = 0; i < sa->nroutes; i++)
		if (sa->routes[i].plen == r->plen &&
		    !memcmp(&sa->routes[i].dst, &r->dst, sizeof(r->dst)))
			return;
	if (sa->nroutes == UINT8_MAX ||
	    !(more = realloc(sa->routes, (sa->nroutes + 1u) * sizeof(*more)))) {
		log_error(LOG_IKE, sa->ctx, "out of memory routing the mode-config networks");
		return;
	}
	sa->routes = more;
	if (!sa->nroutes)
		sa->eng->routed_sas++;
	sa->routes[sa->nroutes++] = *r;
	kern_route_add(sa->eng->d.kern, r, routed, NULL);
}

/* A network of ours that holds the gateway: its address goes the way it went before,
 * from our physical address, which no policy of the client's carries. */
static void except_gateway(struct ike_sa *sa, const struct kern_route *base)
{
	struct kern_route r = *base;

	to_kaddr(&r.dst, &sa->remote);
	r.plen = r.dst.family == AF_INET ? 32 : 128;
	to_kaddr(&r.src, &sa->local);
	add_route(sa, &r);
}

void ike_vip_route(struct ike_sa *sa, const struct ike_gpol *gp)
{
	const struct kern_sel *sels;
	size_t n = gp ? ike_gpol_sels(gp, &sels) : 0;
	struct kern_addr gw, vip;
	struct kern_route base;
	uint8_t before = sa->nroutes;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!sa->vip_on_if || !n)
		return;
	to_kaddr(&vip, &sa->vip);
	to_kaddr(&gw, &sa->remote);
	next_hop(sa, &base);
	for (size_t i = 0; i < n; i++) {
		struct kern_route r = base;

		if (sels[i].family != vip.family)
			continue;
		r.dst.family = sels[i].family;
		memcpy(r.dst.bytes, sels[i].dst, 16);
		r.plen = sels[i].dst_plen;
		r.src = vip;
		if (prefix_holds(&r.dst, r.plen, &gw)) {
			except_gateway(sa, &base);
			if (r.plen == (gw.family == AF_INET ? 32 : 128))
				continue; /* the gateway alone: nothing to route */
		}
		add_route(sa, &r);
	}
	if (sa->nroutes > before) {
		inet_ntop(vip.family, vip.bytes, a, sizeof(a));
		if (!base.gateway.family ||
		    !inet_ntop(base.gateway.family, base.gateway.bytes, b, sizeof(b)))
			snprintf(b, sizeof(b), "the link");
		log_info(LOG_IKE, sa->ctx, "mode-config: %u route(s) from %s in table %u, via %s",
			 sa->nroutes - before, a, IKE_VIP_TABLE, b);
	}
	if (sa->nroutes && !sa->eng->rw_rule) {
		int err = kern_rule_ensure(sa->eng->d.kern, IKE_VIP_TABLE, IKE_VIP_RULE_PRIORITY);

		if (err < 0)
			log_error(LOG_KERNEL, sa->ctx,
				  "mode-config client: the rule \"priority %u lookup %u\" could "
				  "not be added: %s",
				  IKE_VIP_RULE_PRIORITY, IKE_VIP_TABLE, strerror(-err));
		else
			sa->eng->rw_rule = true;
	}
	kern_commit(sa->eng->d.kern);
}

static void rule_off(struct ike *eng)
{
	int err;

	if (!eng->rw_rule)
		return;
	eng->rw_rule = false;
	err = kern_rule_remove(eng->d.kern, IKE_VIP_TABLE, IKE_VIP_RULE_PRIORITY);
	if (err < 0)
		log_warn(LOG_KERNEL, NULL,
			 "mode-config client: the rule \"priority %u lookup %u\" "
			 "could not be removed: %s",
			 IKE_VIP_RULE_PRIORITY, IKE_VIP_TABLE, strerror(-err));
}

/* The SA's routes out of the kernel; the rule too when no client SA has any left. */
static void unroute(struct ike_sa *sa)
{
	if (!sa->nroutes)
		return;
	for (size_t i = 0; i < sa->nroutes; i++)
		kern_route_del(sa->eng->d.kern, &sa->routes[i], unrouted, NULL);
	free(sa->routes);
	sa->routes = NULL;
	sa->nroutes = 0;
	if (--sa->eng->routed_sas == 0)
		rule_off(sa->eng);
}

void ike_vip_stop(struct ike *eng)
{
	rule_off(eng);
}

void ike_vip_remove(struct ike_sa *sa)
{
	struct kern_addr vip = {.family = sa->vip.family};

	unroute(sa);
	if (!sa->vip_on_if)
		return;
	memcpy(vip.bytes, sa->vip.bytes, 16);
	kern_ifaddr_del(sa->eng->d.kern, sa->vip_ifindex, &vip, vip.family == AF_INET ? 32 : 128,
			NULL, NULL);
	kern_commit(sa->eng->d.kern);
	sa->vip_on_if = false;
}
