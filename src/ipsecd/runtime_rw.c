/* runtime_rw: road warriors as ipsecctl sees them: /ip pool used print (mode-config's
 * leases) and the dynamic entries of /ip ipsec policy print (the policies generated for
 * CHILD SAs, flag D). Both come from the IKE engine's walks. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>

#include "runtime.h"

static void set_ip(struct conf *c, struct conf_item *it, int prop, const struct net_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family && inet_ntop(a->family, a->bytes, buf, sizeof(buf)))
		conf_set_text(c, it, prop, buf);
}

static void one_lease(void *arg, const struct ike_lease_info *l)
{
	struct conf *into = arg;
	struct conf_item *it = conf_runtime_add(into, CONF_M_POOL_USED);

	conf_set_text(into, it, CONF_PUSED_POOL, l->pool);
	set_ip(into, it, CONF_PUSED_ADDRESS, &l->addr);
	if (l->owner && *l->owner)
		conf_set_text(into, it, CONF_PUSED_OWNER, l->owner);
	conf_set_text(into, it, CONF_PUSED_INFO, l->held ? "active" : "kept");
}

int runtime_fill_leases(struct runtime *r, struct conf *into, struct conf_diags *ds)
{
	if (!r->ike) {
		conf_diag_add(ds, CONF_ERROR, "ipsecctl", 1, 1,
			      "pool used print: the IKE engine is not running");
		return -ENOTSUP;
	}
	ike_lease_walk(r->ike, one_lease, into);
	return 0;
}

static void set_prefix(struct conf *c, struct conf_item *it, int prop, uint8_t family,
		       const uint8_t *bytes, uint8_t plen)
{
	char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 4];

	if (!inet_ntop(family, bytes, ip, sizeof(ip)))
		return;
	snprintf(buf, sizeof(buf), "%s/%u", ip, plen);
	conf_set_text(c, it, prop, buf);
}

static void one_gen_policy(void *arg, const struct ike_gen_policy_info *g)
{
	struct conf *into = arg;
	struct conf_item *it = conf_runtime_add(into, CONF_M_POLICY);

	it->dynamic = 1;
	set_prefix(into, it, CONF_POLICY_SRC_ADDRESS, g->sel.family, g->sel.src, g->sel.src_plen);
	set_prefix(into, it, CONF_POLICY_DST_ADDRESS, g->sel.family, g->sel.dst, g->sel.dst_plen);
	conf_set_int(into, it, CONF_POLICY_PROTOCOL, g->sel.proto);
	if (g->sel.sport)
		conf_set_int(into, it, CONF_POLICY_SRC_PORT, g->sel.sport);
	if (g->sel.dport)
		conf_set_int(into, it, CONF_POLICY_DST_PORT, g->sel.dport);
	conf_set_text(into, it, CONF_POLICY_ACTION, "encrypt");
	conf_set_text(into, it, CONF_POLICY_IPSEC_PROTOCOLS, g->proto == IPPROTO_AH ? "ah" : "esp");
	conf_set_text(into, it, CONF_POLICY_TUNNEL, g->tunnel ? "yes" : "no");
	set_ip(into, it, CONF_POLICY_SA_SRC_ADDRESS, &g->sa_src);
	set_ip(into, it, CONF_POLICY_SA_DST_ADDRESS, &g->sa_dst);
	if (g->peer && *g->peer)
		conf_set_text(into, it, CONF_POLICY_PEER, g->peer);
	if (g->group && *g->group)
		conf_set_text(into, it, CONF_POLICY_GROUP, g->group);
	conf_set_int(into, it, CONF_POLICY_DYNAMIC, 1);
	conf_set_int(into, it, CONF_POLICY_ACTIVE, g->installed);
	conf_set_text(into, it, CONF_POLICY_PH2_STATE, g->installed ? "established" : "no-phase2");
	conf_set_int(into, it, CONF_POLICY_PH2_COUNT, g->installed);
}

void runtime_gen_policies(struct runtime *r, struct conf *into)
{
	if (r->ike)
		ike_gen_policy_walk(r->ike, one_gen_policy, into);
}
