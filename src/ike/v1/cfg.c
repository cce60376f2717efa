/* cfg: the IKEv1 transaction exchange (draft-ietf-ipsec-isakmp-mode-cfg-05) after phase
 * 1: XAuth (draft-beaulieu-ike-xauth-02) and mode-config.
 *
 * XAuth (auth-method=pre-shared-key-xauth: phase 1's method is XAuthInitPreShared): the
 * gateway (the responder, a passive peer) asks for a user name and password, has them
 * checked (xauth.c: /ip ipsec user, or RADIUS), and says whether they passed (SET
 * XAUTH_STATUS, answered by an ACK); the client (an active peer) answers with its
 * identity's username and password. A user who fails is told so and the ISAKMP SA goes. No
 * quick mode is taken or started before XAuth passed.
 *
 * Mode-config: by pull, as strongSwan, Libreswan and the Cisco-style clients do by
 * default, the client asks (REQUEST) for an address, DNS and networks and the gateway
 * answers (REPLY) from the identity's mode-config, the address from the user's own
 * `address`, RADIUS's Framed-IP-Address, or else leased from the pool, split-include as
 * INTERNAL_IP4_SUBNET and Cisco Unity's UNITY_SPLIT_INCLUDE. A client that waits to be
 * told (push: strongSwan's pull=no, older Cisco-style clients) gets the same attributes in
 * a SET, answered by an ACK, once it has neither asked nor started a quick mode for
 * PUSH_AFTER seconds after phase 1 (or XAuth) was done: a pulling client asks at once, so
 * it never sees one. Every message is HDR*, HASH(1), ATTR. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tmpl.h"
#include "ipsecd/loop.h"
#include "ipsecd/log.h"
#include "v1.h"

#define PUSH_AFTER 2.0 /* seconds */

static void attr_tv(struct ikev1_cfg *c, uint16_t type, uint16_t val)
{
	if (c->n < IKEV1_MAX_CFG_ATTR) {
		c->a[c->n] = (struct ikev1_attr){.type = type, .tv = true, .val = val};
		c->n++;
	}
}

static void attr_tlv(struct ikev1_cfg *c, uint16_t type, const void *p, size_t len)
{
	if (c->n < IKEV1_MAX_CFG_ATTR) {
		c->a[c->n] = (struct ikev1_attr){.type = type, .value = {p, len}};
		c->n++;
	}
}

static void build_cfg(struct ikev1_enc *e, void *arg)
{
	ikev1_put_cfg(e, arg);
}

/* Sends one ATTR of the transaction exchange mid; expect_reply keeps it for
 * retransmission until the answer. */
static int send_cfg(struct ike_sa *sa, uint32_t mid, const struct ikev1_cfg *c, bool expect_reply)
{
	int r = ikev1_send_hashed(sa, IKEV1_EXCH_TRANSACTION, mid, build_cfg, (void *)c,
				  expect_reply ? &sa->v1->cfg_last : NULL);

	if (r == 0 && expect_reply) {
		sa->v1->cfg_mid = mid;
		sa->v1->cfg_waiting = true;
		ikev1_arm(sa);
	}
	return r;
}

static const struct conf_item *identity(const struct ike_sa *sa)
{
	return ikev1_identity(sa);
}

/* The identity's mode-config item, and whether it asks (client) or serves (gateway). */
static const struct conf_item *modecfg(const struct ike_sa *sa, bool *client)
{
	const struct conf_item *id = identity(sa);
	const char *name = id ? conf_str(id, CONF_IDENTITY_MODE_CONFIG) : NULL;
	const struct conf_item *mc;

	*client = false;
	if (!name || !*name || !strcmp(name, "none"))
		return NULL;
	if (!strcmp(name, "request-only")) {
		*client = true;
		return ike_view_mode_config(sa->eng->view, name);
	}
	mc = ike_view_mode_config(sa->eng->view, name);
	*client = mc && !conf_bool(mc, CONF_MODECONF_RESPONDER);
	return mc;
}

/* Quick modes may start: XAuth passed (or was not asked) and a client has its address. */
static void ready(struct ike_sa *sa)
{
	struct ikev1_state *v = sa->v1;

	v->cfg_waiting = false;
	wbuf_free(&v->cfg_last);
	ikev1_disarm(sa);
	if (v->xauth_pending || v->cfg_pending)
		return;
	if (sa->pending_policy)
		sa->tasks |= IKE_TASK_CHILD_CREATE;
	sa->ops->run_tasks(sa);
}

/* --- the client --- */

static void pull(struct ike_sa *sa)
{
	static struct ikev1_cfg c;

	memset(&c, 0, sizeof(c));
	c.type = IKEV1_CFG_REQUEST;
	if (crypto_random(&c.ident, sizeof(c.ident)) < 0)
		c.ident = 1;
	attr_tlv(&c, IKEV1_CFG_INTERNAL_IP4_ADDRESS, NULL, 0);
	attr_tlv(&c, IKEV1_CFG_INTERNAL_IP4_NETMASK, NULL, 0);
	attr_tlv(&c, IKEV1_CFG_INTERNAL_IP4_DNS, NULL, 0);
	attr_tlv(&c, IKEV1_CFG_INTERNAL_IP4_SUBNET, NULL, 0);
	attr_tlv(&c, IKEV1_CFG_UNITY_SPLIT_INCLUDE, NULL, 0);
	if (send_cfg(sa, ikev1_new_mid(sa), &c, true) < 0)
		log_error(LOG_IKE, sa->ctx, "mode-config request could not be sent");
}

/* The gateway's REPLY (or SET, pushed): our address, DNS, networks. */
static void take(struct ike_sa *sa, const struct ikev1_cfg *c)
{
	char a[INET6_ADDRSTRLEN], text[300] = "";
	size_t tl = 0;

	memset(&sa->vip, 0, sizeof(sa->vip));
	ike_sa_index_vip(sa);
	for (unsigned i = 0; i < c->n; i++) {
		const struct ikev1_attr *at = &c->a[i];

		if (at->tv)
			continue;
		if (at->type == IKEV1_CFG_INTERNAL_IP4_ADDRESS && at->value.len == 4 &&
		    !sa->vip.family) {
			sa->vip.family = AF_INET;
			memcpy(sa->vip.bytes, at->value.ptr, 4);
			ike_sa_index_vip(sa);
		} else if (at->type == IKEV1_CFG_INTERNAL_IP4_DNS && at->value.len == 4) {
			inet_ntop(AF_INET, at->value.ptr, a, sizeof(a));
			tl += (size_t)snprintf(text + tl, tl < sizeof(text) ? sizeof(text) - tl : 0,
					       " dns %s", a);
		} else if ((at->type == IKEV1_CFG_INTERNAL_IP4_SUBNET && at->value.len == 8) ||
			   (at->type == IKEV1_CFG_UNITY_SPLIT_INCLUDE && at->value.len >= 8)) {
			inet_ntop(AF_INET, at->value.ptr, a, sizeof(a));
			tl += (size_t)snprintf(text + tl, tl < sizeof(text) ? sizeof(text) - tl : 0,
					       " split %s", a);
		}
	}
	if (!sa->vip.family) {
		ike_sa_fail(sa, "mode-config: the gateway's answer has no address");
		return;
	}
	inet_ntop(AF_INET, sa->vip.bytes, a, sizeof(a));
	log_info(LOG_IKE, sa->ctx, "mode-config: the gateway gave us %s%s", a, text);
	ike_vip_install(sa);
}

static void client_rx(struct ike_sa *sa, uint32_t mid, const struct ikev1_cfg *c)
{
	static struct ikev1_cfg out;
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = identity(sa);
	bool status_seen = false, ok = false;

	memset(&out, 0, sizeof(out));
	out.ident = c->ident;
	if (c->type == IKEV1_CFG_REQUEST) { /* XAuth: who are we */
		const char *user = id ? conf_str(id, CONF_IDENTITY_USERNAME) : NULL;
		const char *pass = id ? conf_str(id, CONF_IDENTITY_PASSWORD) : NULL;

		out.type = IKEV1_CFG_REPLY;
		for (unsigned i = 0; i < c->n; i++) {
			if (c->a[i].type == IKEV1_CFG_XAUTH_TYPE)
				attr_tv(&out, IKEV1_CFG_XAUTH_TYPE, 0);
			else if (c->a[i].type == IKEV1_CFG_XAUTH_USER_NAME)
				attr_tlv(&out, IKEV1_CFG_XAUTH_USER_NAME, user ? user : "",
					 user ? strlen(user) : 0);
			else if (c->a[i].type == IKEV1_CFG_XAUTH_USER_PASSWORD)
				attr_tlv(&out, IKEV1_CFG_XAUTH_USER_PASSWORD, pass ? pass : "",
					 pass ? strlen(pass) : 0);
		}
		log_info(LOG_IKE, sa->ctx, "XAuth: the gateway asks who we are: user %s",
			 user ? user : "(none)");
		send_cfg(sa, mid, &out, false);
		return;
	}
	if (c->type == IKEV1_CFG_SET) {
		for (unsigned i = 0; i < c->n; i++)
			if (c->a[i].type == IKEV1_CFG_XAUTH_STATUS && c->a[i].tv) {
				status_seen = true;
				ok = c->a[i].val == IKEV1_XAUTH_STATUS_OK;
			}
		out.type = IKEV1_CFG_ACK;
		if (status_seen) {
			attr_tv(&out, IKEV1_CFG_XAUTH_STATUS, ok);
			send_cfg(sa, mid, &out, false);
			if (!ok) {
				ike_sa_fail(sa,
					    "XAuth: the gateway refused our user name or password");
				return; /* the gateway deletes the ISAKMP SA */
			}
			log_info(LOG_IKE, sa->ctx, "XAuth: the gateway accepted us");
			v->xauth_pending = false;
			if (v->cfg_pending)
				pull(sa);
			else
				ready(sa);
			return;
		}
		/* a push of attributes */
		send_cfg(sa, mid, &out, false);
		take(sa, c);
		v->cfg_pending = false;
		ready(sa);
		return;
	}
	if (c->type == IKEV1_CFG_REPLY && v->cfg_waiting && mid == v->cfg_mid) {
		take(sa, c);
		v->cfg_pending = false;
		ready(sa);
	}
}

/* --- the gateway --- */

static void xauth_ask(struct ike_sa *sa)
{
	static struct ikev1_cfg c;

	memset(&c, 0, sizeof(c));
	c.type = IKEV1_CFG_REQUEST;
	if (crypto_random(&c.ident, sizeof(c.ident)) < 0)
		c.ident = 1;
	attr_tv(&c, IKEV1_CFG_XAUTH_TYPE, 0); /* generic */
	attr_tlv(&c, IKEV1_CFG_XAUTH_USER_NAME, NULL, 0);
	attr_tlv(&c, IKEV1_CFG_XAUTH_USER_PASSWORD, NULL, 0);
	if (send_cfg(sa, ikev1_new_mid(sa), &c, true) < 0)
		log_error(LOG_IKE, sa->ctx, "XAuth request could not be sent");
}

/* The identity's mode-config as attributes in out (its address only when want4); false,
 * logged, when it serves none or none can be given. */
static bool modecfg_attrs(struct ike_sa *sa, bool want4, struct ikev1_cfg *out)
{
	static uint8_t addr[4], mask[4], dns[IKE_MODECFG_MAX_DNS][4], sub[IKE_MODECFG_MAX_SPLIT][8],
		unity[IKE_MODECFG_MAX_SPLIT * 14];
	bool client;
	const struct conf_item *mc = modecfg(sa, &client);
	const struct conf_item *u = ikev1_xauth_local_user(sa);
	struct ike_modecfg g;
	size_t nu = 0;

	if (!mc || client) {
		log_info(LOG_IKE, sa->ctx, "mode-config asked for; the identity serves none");
		return false;
	}
	const struct conf_addr *ua =
		u && conf_is_set(u, CONF_USER_ADDRESS) ? conf_addr(u, CONF_USER_ADDRESS) : NULL;

	/* the user's own address first, else a lease */
	if (ike_modecfg_serve(sa, mc, want4 && !ua, false, &g) < 0)
		return false; /* (an empty answer: the client gives up) */
	if (ua && ua->family == AF_INET) {
		sa->vip.family = AF_INET;
		memcpy(sa->vip.bytes, ua->bytes, 4);
		ike_sa_index_vip(sa);
		g.addr = sa->vip;
	}
	if (g.addr.family == AF_INET) {
		memcpy(addr, g.addr.bytes, 4);
		attr_tlv(out, IKEV1_CFG_INTERNAL_IP4_ADDRESS, addr, 4);
		uint32_t m = g.plen ? ~0u << (32 - g.plen) : 0xffffffffu;

		mask[0] = (uint8_t)(m >> 24), mask[1] = (uint8_t)(m >> 16);
		mask[2] = (uint8_t)(m >> 8), mask[3] = (uint8_t)m;
		attr_tlv(out, IKEV1_CFG_INTERNAL_IP4_NETMASK, mask, 4);
	}
	for (size_t i = 0; i < g.ndns; i++)
		if (g.dns[i].family == AF_INET) {
			memcpy(dns[i], g.dns[i].bytes, 4);
			attr_tlv(out, IKEV1_CFG_INTERNAL_IP4_DNS, dns[i], 4);
		}
	for (size_t i = 0; i < g.nsplit; i++) {
		const struct conf_addr *s = &g.split[i];
		uint32_t m = s->plen ? ~0u << (32 - s->plen) : 0;

		if (s->family != AF_INET)
			continue;
		memcpy(sub[i], s->bytes, 4);
		sub[i][4] = (uint8_t)(m >> 24), sub[i][5] = (uint8_t)(m >> 16);
		sub[i][6] = (uint8_t)(m >> 8), sub[i][7] = (uint8_t)m;
		attr_tlv(out, IKEV1_CFG_INTERNAL_IP4_SUBNET, sub[i], 8);
		/* Cisco Unity: address, mask, protocol, source and destination port (0: any) */
		memcpy(unity + 14 * nu, sub[i], 8);
		memset(unity + 14 * nu + 8, 0, 6);
		nu++;
	}
	if (nu)
		attr_tlv(out, IKEV1_CFG_UNITY_SPLIT_INCLUDE, unity, 14 * nu);
	return true;
}

static void serve_modecfg(struct ike_sa *sa, uint32_t mid, const struct ikev1_cfg *req)
{
	static struct ikev1_cfg out;
	bool want4 = false;

	memset(&out, 0, sizeof(out));
	out.type = IKEV1_CFG_REPLY;
	out.ident = req->ident;
	for (unsigned i = 0; i < req->n; i++)
		want4 |= req->a[i].type == IKEV1_CFG_INTERNAL_IP4_ADDRESS;
	ikev1_cfg_no_push(sa);
	if (!modecfg_attrs(sa, want4, &out))
		out.n = 0;
	send_cfg(sa, mid, &out, false);
}

/* The client has not asked: it waits to be told (push). A SET, an exchange of its own. */
static void on_push(struct loop_timer *w, void *arg)
{
	static struct ikev1_cfg out;
	struct ike_sa *sa = arg;
	struct ikev1_state *v = sa->v1;

	(void)w;
	loop_timer_free(v->push);
	v->push = NULL;
	if (v->cfg_waiting || v->qms || sa->children)
		return; /* busy with another exchange, or the client went on without */
	memset(&out, 0, sizeof(out));
	out.type = IKEV1_CFG_SET;
	if (crypto_random(&out.ident, sizeof(out.ident)) < 0)
		out.ident = 1;
	if (!modecfg_attrs(sa, true, &out) || !out.n)
		return;
	log_info(LOG_IKE, sa->ctx, "mode-config: the client has not asked; pushing it");
	if (send_cfg(sa, ikev1_new_mid(sa), &out, true) == 0)
		v->pushing = true;
}

static void push_later(struct ike_sa *sa)
{
	bool client;

	if (!sa->initiator && modecfg(sa, &client) && !client && !sa->v1->push)
		sa->v1->push = loop_timer_new(sa->eng->d.loop, PUSH_AFTER, 0, on_push, sa);
}

void ikev1_cfg_no_push(struct ike_sa *sa)
{
	if (!sa->v1)
		return;
	loop_timer_free(sa->v1->push);
	sa->v1->push = NULL;
}

void ikev1_xauth_verdict(struct ike_sa *sa, bool ok)
{
	static struct ikev1_cfg out;
	struct ikev1_state *v = sa->v1;

	memset(&out, 0, sizeof(out));
	out.type = IKEV1_CFG_SET;
	out.ident = v->xauth_ident;
	attr_tv(&out, IKEV1_CFG_XAUTH_STATUS, ok);
	v->xauth_ok = ok;
	v->xauth_status_sent = true;
	send_cfg(sa, ikev1_new_mid(sa), &out, true); /* SET/ACK: an exchange of its own */
	if (ok)
		log_info(LOG_IKE, sa->ctx, "XAuth: user %s logged in", v->xauth_user);
}

/* The client's name and password: no more REQUESTs of ours; the check answers. */
static void xauth_reply(struct ike_sa *sa, uint32_t mid, const struct ikev1_cfg *c)
{
	struct ikev1_state *v = sa->v1;
	const struct wire_bytes *name = NULL, *pw = NULL;

	for (unsigned i = 0; i < c->n; i++) {
		if (c->a[i].type == IKEV1_CFG_XAUTH_USER_NAME && !c->a[i].tv)
			name = &c->a[i].value;
		if (c->a[i].type == IKEV1_CFG_XAUTH_USER_PASSWORD && !c->a[i].tv)
			pw = &c->a[i].value;
	}
	v->xauth_ident = c->ident;
	ikev1_ivs_forget(&v->ivs, mid);
	v->cfg_waiting = false; /* repeats of the REPLY are dropped while RADIUS answers */
	wbuf_free(&v->cfg_last);
	ikev1_disarm(sa);
	ikev1_xauth_check(sa, name, pw);
}

/* 1 when the ISAKMP SA is gone (a user who failed XAuth). */
static int gateway_rx(struct ike_sa *sa, uint32_t mid, const struct ikev1_cfg *c)
{
	struct ikev1_state *v = sa->v1;

	if (c->type == IKEV1_CFG_REPLY && v->xauth_pending && v->cfg_waiting && mid == v->cfg_mid &&
	    !v->xauth_status_sent) {
		xauth_reply(sa, mid, c);
		return 0;
	}
	/* the STATUS answered by anything but an ACK (strongSwan without an XAuth method
	 * sends an empty REPLY): XAuth failed, and no new STATUS goes out for it */
	if (v->xauth_status_sent && v->xauth_pending && v->cfg_waiting && mid == v->cfg_mid) {
		if (c->type != IKEV1_CFG_ACK || !v->xauth_ok) {
			log_info(LOG_IKE, sa->ctx, "XAuth failed%s: deleting the ISAKMP SA",
				 c->type != IKEV1_CFG_ACK ? " (the client did not ACK our STATUS)"
							  : "");
			ikev1_send_delete_isakmp(sa);
			ike_sa_destroy(sa, true);
			return 1;
		}
		v->xauth_pending = false;
		ready(sa);
		push_later(sa);
		return 0;
	}
	if (c->type == IKEV1_CFG_ACK && v->pushing && v->cfg_waiting && mid == v->cfg_mid) {
		v->pushing = false;
		log_info(LOG_IKE, sa->ctx, "mode-config: the client took what we pushed");
		ready(sa);
		return 0;
	}
	if (c->type == IKEV1_CFG_REQUEST) {
		if (v->xauth_pending) {
			log_info(LOG_IKE, sa->ctx, "mode-config request before XAuth: ignored");
			return 0;
		}
		serve_modecfg(sa, mid, c);
		v->cfg_pending = false;
	}
	return 0;
}

/* --- the exchange --- */

int ikev1_cfg_recv(struct ike_sa *sa, const struct ikev1_msg *m)
{
	const struct wire_bytes *h = &m->hash[0];
	const uint8_t *rest = h->ptr + h->len;
	size_t restlen = (size_t)(m->chain.ptr + m->chain.len - rest);
	uint8_t want[CRYPTO_V1_MAX_HASH];
	size_t hl = crypto_v1_hash_len(sa->v1->hash);

	if (ikev1_hash_mid(sa->v1->hash, &sa->v1->keys.skeyid_a, m->hdr.msgid, NULL, rest, restlen,
			   want) < 0 ||
	    h->len != hl || !crypto_memeq(h->ptr, want, hl))
		return -EPERM;
	if (!ikev1_has(m, IKEV1_PLD_ATTR))
		return 0;
	if (sa->initiator) {
		client_rx(sa, m->hdr.msgid, &m->cfg);
		return 0;
	}
	return gateway_rx(sa, m->hdr.msgid, &m->cfg);
}

/* After phase 1: what the identity and the negotiated method ask of the exchange. */
void ikev1_cfg_start(struct ike_sa *sa)
{
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = identity(sa);
	bool client = false;

	/* the initiator is the XAuth client (hybrid: its only proof) */
	v->xauth_pending = v->auth_method == IKEV1_AUTH_XAUTH_INIT_PSK ||
			   v->auth_method == IKEV1_AUTH_HYBRID_INIT_RSA;
	v->cfg_pending = modecfg(sa, &client) && client;
	if (id && !sa->initiator) {
		const char *group = conf_str(id, CONF_IDENTITY_POLICY_TEMPLATE_GROUP);

		sa->gen_mode = (uint8_t)ike_gen_mode_of(id);
		free(sa->gen_group);
		sa->gen_group = strdup(group && *group ? group : "default");
		if (!sa->gen_group)
			sa->gen_mode = IKE_GEN_NO;
	}
	if (v->xauth_pending && !sa->initiator)
		xauth_ask(sa);
	else if (!v->xauth_pending && v->cfg_pending)
		pull(sa);
	else if (!v->xauth_pending)
		push_later(sa);
}

/* Quick mode waits for this. */
bool ikev1_cfg_busy(const struct ike_sa *sa)
{
	return sa->v1 && (sa->v1->xauth_pending || sa->v1->cfg_pending);
}
