/* cp: mode-config in IKE_AUTH (RFC 7296 2.19, 3.15). A gateway answers the client's
 * CFG_REQUEST with a CFG_REPLY: the leased address (INTERNAL_IP4/IP6_ADDRESS, with
 * INTERNAL_IP4_NETMASK when address-prefix-length is set), DNS servers and the
 * split-include networks (INTERNAL_IP4/IP6_SUBNET); attributes it does not serve are left
 * out (3.15.4). A client (identity mode-config=request-only, or a mode-config with
 * responder=no) asks for an address and DNS, and keeps what it is given: the address goes
 * on the interface towards the gateway while the IKE SA lives, and the networks its
 * policies carry are routed from that address (in IKEV2_CP_TABLE, through the next hop
 * towards the gateway), or its own traffic would leave from its physical address, which
 * no policy of its matches. The gateway's own address is never routed into the tunnel: a
 * network that holds it gets a host route for it from the physical address next to it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "v2.h"

/* The identity's mode-config item; *builtin_request: it is the built-in request-only. */
static const struct conf_item *modecfg_of(const struct ike_sa *sa, const struct conf_item *id,
					  bool *request_only)
{
	const char *name = conf_str(id, CONF_IDENTITY_MODE_CONFIG);

	*request_only = name && !strcmp(name, "request-only");
	if (!name || !*name || !strcmp(name, "none") || *request_only)
		return NULL;
	return ike_view_mode_config(sa->eng->view, name);
}

/* --- gateway --- */

static void put_addr_attr(struct ikev2_cp *cp, uint16_t type, const uint8_t *v, size_t len)
{
	if (cp->n < IKEV2_MAX_CP_ATTR) {
		cp->a[cp->n].type = type;
		cp->a[cp->n].value.ptr = v;
		cp->a[cp->n].value.len = len;
		cp->n++;
	}
}

static void mask_of(uint8_t plen, uint8_t out[4])
{
	uint32_t m = plen ? ~0u << (32 - plen) : 0;

	out[0] = (uint8_t)(m >> 24);
	out[1] = (uint8_t)(m >> 16);
	out[2] = (uint8_t)(m >> 8);
	out[3] = (uint8_t)m;
}

int ikev2_cp_respond(struct ike_sa *sa, const struct conf_item *id, const struct ikev2_msg *m,
		     struct ikev2_enc *e)
{
	bool request_only, want4 = false, want6 = false;
	const struct conf_item *mc = modecfg_of(sa, id, &request_only);
	struct ike_modecfg g;
	struct ikev2_cp reply = {.type = IKEV2_CFG_REPLY};
	/* values the reply points into: address and mask, DNS, subnets (addr+mask/plen) */
	uint8_t addr[17], mask[4], dns[IKE_MODECFG_MAX_DNS][16];
	uint8_t sub[IKE_MODECFG_MAX_SPLIT][17];

	if (!ikev2_has(m, IKEV2_PLD_CP) || m->cp.type != IKEV2_CFG_REQUEST)
		return 0;
	if (!mc || !conf_bool(mc, CONF_MODECONF_RESPONDER)) {
		log_debug(LOG_IKE, sa->ctx,
			  "the peer asks for mode-config; its identity serves none");
		return 0;
	}
	for (unsigned i = 0; i < m->cp.n; i++) {
		want4 |= m->cp.a[i].type == IKEV2_CFG_IP4_ADDRESS;
		want6 |= m->cp.a[i].type == IKEV2_CFG_IP6_ADDRESS;
	}
	if (ike_modecfg_serve(sa, mc, want4, want6, &g) < 0)
		return IKEV2_N_INTERNAL_ADDRESS_FAILURE;
	if (g.addr.family == AF_INET) {
		memcpy(addr, g.addr.bytes, 4);
		put_addr_attr(&reply, IKEV2_CFG_IP4_ADDRESS, addr, 4);
		if (g.plen) {
			mask_of(g.plen, mask);
			put_addr_attr(&reply, IKEV2_CFG_IP4_NETMASK, mask, 4);
		}
	} else if (g.addr.family == AF_INET6) {
		memcpy(addr, g.addr.bytes, 16);
		addr[16] = g.plen && g.plen <= 128 ? g.plen : 128;
		put_addr_attr(&reply, IKEV2_CFG_IP6_ADDRESS, addr, 17);
	}
	for (size_t i = 0; i < g.ndns; i++) {
		bool v4 = g.dns[i].family == AF_INET;

		memcpy(dns[i], g.dns[i].bytes, 16);
		put_addr_attr(&reply, v4 ? IKEV2_CFG_IP4_DNS : IKEV2_CFG_IP6_DNS, dns[i],
			      v4 ? 4 : 16);
	}
	for (size_t i = 0; i < g.nsplit; i++) {
		const struct conf_addr *s = &g.split[i];

		memcpy(sub[i], s->bytes, 16);
		if (s->family == AF_INET) {
			mask_of(s->plen, sub[i] + 4);
			put_addr_attr(&reply, IKEV2_CFG_IP4_SUBNET, sub[i], 8);
		} else {
			sub[i][16] = s->plen;
			put_addr_attr(&reply, IKEV2_CFG_IP6_SUBNET, sub[i], 17);
		}
	}
	ikev2_put_cp(e, &reply);
	return 0;
}

/* --- client --- */

bool ikev2_cp_asks(const struct ike_sa *sa, const struct conf_item *id)
{
	bool request_only;
	const struct conf_item *mc = modecfg_of(sa, id, &request_only);

	return request_only || (mc && !conf_bool(mc, CONF_MODECONF_RESPONDER));
}

void ikev2_cp_put_request(struct ike_sa *sa, struct ikev2_enc *e)
{
	struct ikev2_cp req = {.type = IKEV2_CFG_REQUEST};
	static const uint16_t ask[] = {IKEV2_CFG_IP4_ADDRESS, IKEV2_CFG_IP4_DNS, IKEV2_CFG_IP6_DNS,
				       IKEV2_CFG_IP4_SUBNET};

	(void)sa;
	for (size_t i = 0; i < sizeof(ask) / sizeof(ask[0]); i++)
		put_addr_attr(&req, ask[i], NULL, 0);
	ikev2_put_cp(e, &req);
}

static int plen_of_mask(const uint8_t m[4])
{
	uint32_t v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	int n = 0;

	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	return (n == 32 || !(v << n)) ? n : -1; /* contiguous only */
}

static void add_split(struct ike_sa *sa, struct conf_addr *tmp, size_t *n, int family,
		      const uint8_t *bytes, int plen)
{
	if (plen < 0 || *n >= IKE_MODECFG_MAX_SPLIT)
		return;
	memset(&tmp[*n], 0, sizeof(tmp[*n]));
	tmp[*n].family = (uint8_t)family;
	tmp[*n].plen = (uint8_t)plen;
	memcpy(tmp[*n].bytes, bytes, family == AF_INET ? 4 : 16);
	(*n)++;
	(void)sa;
}

int ikev2_cp_take_reply(struct ike_sa *sa, const struct ikev2_msg *m)
{
	struct conf_addr split[IKE_MODECFG_MAX_SPLIT];
	size_t nsplit = 0;
	char a[INET6_ADDRSTRLEN], text[400] = "";
	size_t tl = 0;

	if (!ikev2_has(m, IKEV2_PLD_CP) || m->cp.type != IKEV2_CFG_REPLY) {
		ike_sa_fail(sa, "mode-config: the gateway sent no address (no CFG_REPLY)");
		return -ENOENT;
	}
	memset(&sa->vip, 0, sizeof(sa->vip));
	ike_sa_index_vip(sa);
	for (unsigned i = 0; i < m->cp.n; i++) {
		const struct ikev2_cp_attr *at = &m->cp.a[i];
		const uint8_t *v = at->value.ptr;
		size_t len = at->value.len;

		switch (at->type) {
		case IKEV2_CFG_IP4_ADDRESS:
		case IKEV2_CFG_IP6_ADDRESS:
			if (sa->vip.family || len != (at->type == IKEV2_CFG_IP4_ADDRESS ? 4u : 17u))
				break;
			sa->vip.family = at->type == IKEV2_CFG_IP4_ADDRESS ? AF_INET : AF_INET6;
			memcpy(sa->vip.bytes, v, len == 4 ? 4 : 16);
			ike_sa_index_vip(sa);
			break;
		case IKEV2_CFG_IP4_DNS:
		case IKEV2_CFG_IP6_DNS:
			if (len == 4 || len == 16) {
				inet_ntop(len == 4 ? AF_INET : AF_INET6, v, a, sizeof(a));
				tl += (size_t)snprintf(text + tl,
						       tl < sizeof(text) ? sizeof(text) - tl : 0,
						       " dns %s", a);
			}
			break;
		case IKEV2_CFG_IP4_SUBNET:
			if (len == 8)
				add_split(sa, split, &nsplit, AF_INET, v, plen_of_mask(v + 4));
			break;
		case IKEV2_CFG_IP6_SUBNET:
			if (len == 17 && v[16] <= 128)
				add_split(sa, split, &nsplit, AF_INET6, v, v[16]);
			break;
		default:
			break; /* 3.15.4: what we do not use is ignored */
		}
	}
	if (!sa->vip.family) {
		ike_sa_fail(sa, "mode-config: the gateway's CFG_REPLY has no address");
		return -ENOENT;
	}
	free(sa->split);
	sa->split = NULL;
	sa->nsplit = 0;
	if (nsplit && (sa->split = malloc(nsplit * sizeof(*split)))) {
		memcpy(sa->split, split, nsplit * sizeof(*split));
		sa->nsplit = (uint8_t)nsplit;
	}
	for (size_t i = 0; i < nsplit; i++) {
		inet_ntop(split[i].family, split[i].bytes, a, sizeof(a));
		tl += (size_t)snprintf(text + tl, tl < sizeof(text) ? sizeof(text) - tl : 0,
				       " split %s/%u", a, split[i].plen);
	}
	inet_ntop(sa->vip.family, sa->vip.bytes, a, sizeof(a));
	log_info(LOG_IKE, sa->ctx, "mode-config: the gateway gave us %s%s", a, text);
	ike_vip_install(sa);
	return 0;
}
