/* modecfg: what a mode-config gateway hands out and a client takes, whatever the IKE
 * version: the lease from the identity's pool, the DNS servers (static-dns, or the host's
 * own from /etc/resolv.conf with system-dns, read when the configuration is applied) and
 * the split-include networks. The IKEv2 CP payload (v2/cp.c) and IKEv1's mode-config
 * exchange encode it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ike_internal.h"
#include "pool.h"

#define RESOLV_CONF "/etc/resolv.conf"

void ike_modecfg_load_system_dns(struct ike *eng)
{
	FILE *f = fopen(RESOLV_CONF, "re");
	char line[256];

	eng->nsys_dns = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && eng->nsys_dns < IKE_MODECFG_MAX_DNS) {
		char word[16], addr[64];
		struct conf_addr *a = &eng->sys_dns[eng->nsys_dns];

		if (sscanf(line, "%15s %63s", word, addr) != 2 || strcmp(word, "nameserver"))
			continue;
		memset(a, 0, sizeof(*a));
		if (inet_pton(AF_INET, addr, a->bytes) == 1)
			a->family = AF_INET, a->plen = 32;
		else if (inet_pton(AF_INET6, addr, a->bytes) == 1)
			a->family = AF_INET6, a->plen = 128;
		else
			continue;
		/* a local stub resolver means nothing to the client */
		if ((a->family == AF_INET && a->bytes[0] == 127) ||
		    (a->family == AF_INET6 && !memcmp(a->bytes, &in6addr_loopback, 16)))
			continue;
		eng->nsys_dns++;
	}
	fclose(f);
}

static size_t ranges_to(const struct conf_item *mc, int prop, bool prefixes, struct conf_addr *out,
			size_t max)
{
	const struct conf_ranges *r = mc->v[prop].rng;
	size_t n = 0;

	for (uint32_t i = 0; r && i < r->n && n < max; i++) {
		int plen = prefixes ? conf_range_prefix(&r->r[i]) : -1;

		out[n] = r->r[i].lo;
		out[n].plen = plen >= 0 ? (uint8_t)plen : (r->r[i].lo.family == AF_INET ? 32 : 128);
		n++;
	}
	return n;
}

int ike_modecfg_serve(struct ike_sa *sa, const struct conf_item *mc, bool want4, bool want6,
		      struct ike_modecfg *out)
{
	struct ike *eng = sa->eng;
	const char *pool = conf_str(mc, CONF_MODECONF_ADDRESS_POOL);
	const char *owner = sa->remote_id ? sa->remote_id : "";
	const char *from = NULL;
	int err = -ENOENT;

	memset(out, 0, sizeof(*out));
	if (conf_is_set(mc, CONF_MODECONF_STATIC_DNS))
		out->ndns = ranges_to(mc, CONF_MODECONF_STATIC_DNS, false, out->dns,
				      IKE_MODECFG_MAX_DNS);
	else if (!conf_is_set(mc, CONF_MODECONF_SYSTEM_DNS) ||
		 conf_bool(mc, CONF_MODECONF_SYSTEM_DNS)) {
		out->ndns = eng->nsys_dns;
		memcpy(out->dns, eng->sys_dns, eng->nsys_dns * sizeof(out->dns[0]));
	}
	out->nsplit =
		ranges_to(mc, CONF_MODECONF_SPLIT_INCLUDE, true, out->split, IKE_MODECFG_MAX_SPLIT);
	out->plen = conf_is_set(mc, CONF_MODECONF_ADDRESS_PREFIX_LENGTH)
			    ? (uint8_t)conf_int(mc, CONF_MODECONF_ADDRESS_PREFIX_LENGTH)
			    : 0;
	if (!want4 && !want6)
		return 0;
	if (want4 && ike_acct_framed_ip(sa, &out->addr)) { /* RADIUS overrides the pool */
		char a[INET6_ADDRSTRLEN];

		sa->vip = out->addr;
		sa->vip_radius = true;
		ike_sa_index_vip(sa);
		inet_ntop(AF_INET, out->addr.bytes, a, sizeof(a));
		log_info(LOG_IKE, sa->ctx, "mode-config: %s given to %s (RADIUS Framed-IP-Address)",
			 a, owner);
		return 0;
	}
	if (!pool || !*pool || !strcmp(pool, "none")) {
		log_info(LOG_IKE, sa->ctx, "mode-config %s has no address-pool: no address for %s",
			 conf_str(mc, CONF_MODECONF_NAME), owner);
		return -ENOENT;
	}
	if (want4)
		err = ike_pools_take(eng->pools, pool, AF_INET, owner, &out->addr, &from);
	if (err < 0 && want6)
		err = ike_pools_take(eng->pools, pool, AF_INET6, owner, &out->addr, &from);
	if (err < 0) {
		log_info(LOG_IKE, sa->ctx, "mode-config: pool %s%s has no free address for %s%s",
			 pool, err == -ENOENT ? " does not exist or" : " (and its next-pools)",
			 owner, err == -ENOMEM ? " (out of memory)" : "");
		return err;
	}
	sa->vip = out->addr;
	sa->vip_leased = true;
	ike_sa_index_vip(sa);
	char a[INET6_ADDRSTRLEN];

	inet_ntop(out->addr.family, out->addr.bytes, a, sizeof(a));
	log_info(LOG_IKE, sa->ctx, "mode-config: %s leased to %s from pool %s", a, owner, from);
	return 0;
}

void ike_modecfg_release(struct ike_sa *sa)
{
	if (sa->vip_leased)
		ike_pools_release(sa->eng->pools, &sa->vip);
	sa->vip_leased = sa->vip_radius = false;
	memset(&sa->vip, 0, sizeof(sa->vip));
	ike_sa_index_vip(sa);
}
