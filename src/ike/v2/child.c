/* child: CHILD SAs (RFC 7296 1.3, 2.9, 2.17). Our offer from the policy's proposal and
 * selectors, the responder's choice of policy, proposal and narrowed selectors, the
 * keying material, and the installation of both SAs into the kernel with the reqid of
 * the policy ipsecd installed. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "tmpl.h"
#include "ts.h"
#include "v2.h"

/* Whether the kernel (ESP, AH) or OpenSSL (PFS) can do a CHILD SA's transform. */
static bool supported(uint8_t type, uint16_t id, uint16_t keylen)
{
	if (type == IKEV2_TRANS_DH)
		return crypto_dh_supported(id);
	if (type == IKEV2_TRANS_ENCR)
		return ike_kern_enc(id, keylen) != NULL;
	if (type == IKEV2_TRANS_INTEG)
		return ike_kern_integ(id) != NULL;
	return true;
}

static uint8_t ikev2_proto_of(uint8_t ipproto)
{
	return ipproto == IPPROTO_AH ? IKEV2_PROTO_AH : IKEV2_PROTO_ESP;
}

int ikev2_child_offer(struct ike_sa *sa, const struct conf_item *pol, bool with_pfs,
		      struct ikev2_sa *out)
{
	const struct conf_item *prop = ike_proposal_of(sa->eng->conf, pol);
	char err[160];

	if (!prop) {
		ike_sa_fail(sa, "policy has no proposal");
		return -ENOENT;
	}
	if (ike_offer_child(prop, ikev2_proto_of(ike_policy_ipproto(pol)), with_pfs, supported, out,
			    err, sizeof(err)) < 0) {
		ike_sa_fail(sa, "%s", err);
		return -EINVAL;
	}
	return 0;
}

/* --- keys and the kernel --- */

void ikev2_child_install_failed(struct ike_sa *sa, struct ike_child *c, int err, const char *msg)
{
	ike_sa_fail(sa, "CHILD SA #%u could not be installed in the kernel: %s", c->serial,
		    msg ? msg : strerror(-err));
	if (c->state > CHILD_STATE_INSTALLED)
		return; /* on its way out already */
	if (sa->rekeying == c)
		sa->rekeying = NULL;
	/* the peer installed its half: tell it, and delete ours once it answers */
	ikev2_queue_delete_child(sa, c);
}

/* 2.17: KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr); the exchange initiator's outbound keys
 * come first. i_am_initiator: we started this exchange. */
static int install(struct ike_child *c, bool i_am_initiator, const uint8_t *gir, size_t girlen,
		   const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct ike_sa *sa = c->ike;
	const struct kern_alg *ka =
		c->proto == IPPROTO_ESP ? ike_kern_enc(c->alg.encr, c->alg.encr_keylen) : NULL;
	const struct kern_alg *ia = c->alg.integ ? ike_kern_integ(c->alg.integ) : NULL;
	size_t ekl = ka ? ka->key_bits / 8 : 0, akl = ia ? ia->key_bits / 8 : 0;
	uint8_t km[2 * (64 + 64)];
	struct kern_sa k;

	if ((c->proto == IPPROTO_ESP && !ka) || (c->proto == IPPROTO_AH && !ia) ||
	    2 * (ekl + akl) > sizeof(km))
		return -EINVAL;
	if (ikev2_derive_child_keys(sa->v2->keys.prf, &sa->v2->keys.sk_d, gir, girlen, ni, nilen,
				    nr, nrlen, km, 2 * (ekl + akl)) < 0)
		return -EIO;
	const uint8_t *i_e = km, *i_a = km + ekl, *r_e = km + ekl + akl, *r_a = r_e + ekl;
	const uint8_t *in_e = i_am_initiator ? r_e : i_e, *in_a = i_am_initiator ? r_a : i_a;
	const uint8_t *out_e = i_am_initiator ? i_e : r_e, *out_a = i_am_initiator ? i_a : r_a;

	c->installed_in = c->installed_out = true;
	c->state = CHILD_STATE_INSTALLED;
	ike_acct_child_up(c);
	c->established = ike_now(sa->eng);
	ike_child_index(c);
	ike_child_kern_sa(c, true, in_e, ekl, in_a, akl, &k);
	ike_install_sa(c, &k, true); /* replaces the larval SA */
	ike_child_kern_sa(c, false, out_e, ekl, out_a, akl, &k);
	ike_install_sa(c, &k, false);
	kern_commit(sa->eng->d.kern);
	crypto_cleanse(&k, sizeof(k));
	crypto_cleanse(km, sizeof(km));
	return 0;
}

static void log_child(const struct ike_child *c, const struct ikev2_ts_set *tsi,
		      const struct ikev2_ts_set *tsr)
{
	char a[160], b[64], x[64];

	if (!log_enabled(LOG_IKE, LOG_LVL_INFO)) /* the text costs more than the rest */
		return;
	ike_chosen_str(&c->alg, a, sizeof(a));
	ike_ts_str(&tsi->ts[0], b, sizeof(b));
	ike_ts_str(&tsr->ts[0], x, sizeof(x));
	log_info(LOG_IKE, c->ike->ctx,
		 "CHILD SA #%u established: %s === %s, %s %s, spi in %08x out %08x", c->serial, b,
		 x, c->tunnel ? "tunnel" : "transport", a, c->spi_in, c->spi_out);
}

/* The kernel selector of the first TS pair (outbound view: local -> remote). */
static int sel_from_ts(const struct ikev2_ts *local, const struct ikev2_ts *remote,
		       struct kern_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (!ike_ts_to_prefix(local, &sel->family, sel->src, &sel->src_plen) ||
	    !ike_ts_to_prefix(remote, &sel->family, sel->dst, &sel->dst_plen))
		return -EINVAL;
	sel->proto = local->proto;
	sel->sport = local->start_port == local->end_port ? local->start_port : 0;
	sel->dport = remote->start_port == remote->end_port ? remote->start_port : 0;
	return 0;
}

/* The selectors of a generated policy set as TS sets: local sides, remote sides. */
static void ts_of_gpol(const struct ike_gpol *g, struct ikev2_ts_set *l, struct ikev2_ts_set *r)
{
	const struct kern_sel *sels;
	size_t n = ike_gpol_sels(g, &sels);

	l->n = r->n = 0;
	l->nunknown = r->nunknown = 0;
	for (size_t i = 0; i < n && i < IKEV2_MAX_TS; i++) {
		struct conf_addr a = {.family = sels[i].family};

		memcpy(a.bytes, sels[i].src, 16);
		a.plen = sels[i].src_plen;
		ike_ts_from_prefix(&l->ts[l->n++], &a, sels[i].proto ? sels[i].proto : -1,
				   sels[i].sport ? sels[i].sport : -1);
		memcpy(a.bytes, sels[i].dst, 16);
		a.plen = sels[i].dst_plen;
		ike_ts_from_prefix(&r->ts[r->n++], &a, sels[i].proto ? sels[i].proto : -1,
				   sels[i].dport ? sels[i].dport : -1);
	}
}

static bool prefix_holds(const struct conf_addr *outer, const struct kern_sel *s, bool dst)
{
	const uint8_t *b = dst ? s->dst : s->src;
	uint8_t plen = dst ? s->dst_plen : s->src_plen;

	if (outer->family != s->family || outer->plen > plen)
		return false;
	for (unsigned i = 0; i < outer->plen; i++)
		if ((outer->bytes[i / 8] ^ b[i / 8]) & (0x80u >> (i % 8)))
			return false;
	return true;
}

/* A mode-config client's policies: its address to each network the CHILD SA carries, or
 * to the split-include networks the gateway sent that lie within them. */
static struct ike_gpol *client_policies(struct ike_sa *sa, struct ike_child *c,
					const struct ikev2_ts_set *tsi,
					const struct ikev2_ts_set *tsr)
{
	struct kern_sel sels[IKEV2_MAX_TS];
	size_t n = 0;

	for (unsigned k = 0; k < tsr->n && n < IKEV2_MAX_TS; k++) {
		struct kern_sel s;

		if (sel_from_ts(&tsi->ts[0], &tsr->ts[k], &s) < 0)
			continue;
		if (!sa->nsplit) {
			sels[n++] = s;
			continue;
		}
		struct conf_addr carried = {.family = s.family, .plen = s.dst_plen};

		memcpy(carried.bytes, s.dst, 16);
		size_t before = n;

		for (unsigned j = 0; j < sa->nsplit && n < IKEV2_MAX_TS; j++) {
			struct kern_sel in = s;

			memcpy(in.dst, sa->split[j].bytes, 16);
			in.dst_plen = sa->split[j].plen;
			if (sa->split[j].family == s.family && prefix_holds(&carried, &in, true))
				sels[n++] = in;
		}
		if (n == before) /* the gateway's networks are wider than the SA's */
			sels[n++] = s;
	}
	if (!n) {
		ike_sa_fail(sa, "no network of the gateway's selectors can be routed to");
		return NULL;
	}
	return ike_gpol_new(sa, sels, n, c->tunnel, c->proto, sa->gen_group);
}

/* --- initiator --- */

int ikev2_child_put_offer(struct ike_sa *sa, struct ike_child *c, struct ikev2_enc *inner, bool pfs)
{
	static struct ikev2_sa o; /* 3.5 KiB, single-threaded */
	struct ikev2_sa *offer = &o;
	const struct conf_item *pol = ike_policy_by_id(sa->eng, c->policy_id);
	struct ikev2_ts_set l, r;

	if (!pol || ikev2_child_offer(sa, pol, pfs, offer) < 0)
		return -ENOENT;
	for (unsigned i = 0; i < offer->n; i++) {
		offer->p[i].spi_size = 4;
		offer->p[i].spi = c->spi_in;
	}
	if (c->gp)
		ts_of_gpol(c->gp, &l, &r);
	else if (conf_bool(pol, CONF_POLICY_TEMPLATE))
		ike_tmpl_ts(pol, &l, &r);
	else
		ike_ts_from_policy(pol, &l, &r);
	if (!c->tunnel)
		ikev2_put_notify(inner, 0, IKEV2_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	ikev2_put_sa(inner, offer);
	ikev2_put_ts(inner, IKEV2_PLD_TSI, &l);
	ikev2_put_ts(inner, IKEV2_PLD_TSR, &r);
	return 0;
}

int ikev2_child_complete(struct ike_sa *sa, struct ike_child *c, const struct ikev2_msg *m,
			 const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			 struct crypto_dh *dh)
{
	static struct ikev2_sa o;
	const struct ikev2_sa *offer = &o;
	const struct ikev2_notify *n = ikev2_error_notify(m);
	const struct conf_item *pol = ike_policy_by_id(sa->eng, c->policy_id);

	/* the offer again: the configuration it came from is the one in force */
	if (!pol || ikev2_child_offer(sa, pol, dh != NULL, &o) < 0)
		return -ENOENT;
	struct ikev2_ts_set l, r;
	struct crypto_chunk gir = {0};
	char ours[200];

	if (n || !ikev2_has(m, IKEV2_PLD_SA)) {
		ike_offer_str(offer, ours, sizeof(ours));
		ike_sa_fail(sa, "CHILD SA refused by the peer: %s (we offered %s)",
			    n ? ikev2_notify_name(n->type) : "no SA payload", ours);
		return -EPERM;
	}
	if (!pol || ike_accept(offer, &m->sa, &c->alg) < 0 || c->alg.spi_size != 4) {
		ike_sa_fail(sa, "peer chose a CHILD SA proposal we did not offer");
		return -EBADMSG;
	}
	if (c->gp)
		ts_of_gpol(c->gp, &l, &r);
	else if (conf_bool(pol, CONF_POLICY_TEMPLATE))
		ike_tmpl_ts(pol, &l, &r);
	else
		ike_ts_from_policy(pol, &l, &r);
	if (!ike_ts_subset(&m->tsi, &l) || !ike_ts_subset(&m->tsr, &r) ||
	    sel_from_ts(&m->tsi.ts[0], &m->tsr.ts[0], &c->sel) < 0) {
		ike_sa_fail(sa, "peer's traffic selectors are not within our policy's");
		return -EBADMSG;
	}
	if (!c->gp && conf_bool(pol, CONF_POLICY_TEMPLATE)) {
		/* a template's CHILD SA (a mode-config client): its policies are made now */
		if (!(c->gp = client_policies(sa, c, &m->tsi, &m->tsr)))
			return -ENOENT;
		c->reqid = ike_gpol_reqid(c->gp);
	}
	if (c->tunnel != !ikev2_notify_find(m, IKEV2_N_USE_TRANSPORT_MODE)) {
		ike_sa_fail(sa, "peer did not accept %s mode", c->tunnel ? "tunnel" : "transport");
		return -EBADMSG;
	}
	if (dh && (!ikev2_has(m, IKEV2_PLD_KE) || m->ke.group != crypto_dh_group(dh) ||
		   crypto_dh_shared(dh, m->ke.data.ptr, m->ke.data.len, &gir) < 0)) {
		ike_sa_fail(sa, "peer's PFS key exchange is missing or bad");
		return -EBADMSG;
	}
	c->spi_out = (uint32_t)c->alg.spi;
	c->pfs = dh != NULL;
	int err = install(c, true, gir.ptr, gir.len, ni, nilen, nr, nrlen);

	crypto_chunk_clear(&gir);
	if (err < 0) {
		ike_sa_fail(sa, "CHILD SA keys could not be made");
		return err;
	}
	ike_vip_route(sa, c->gp); /* a mode-config client's own traffic, from its address */
	log_child(c, &m->tsi, &m->tsr);
	return 0;
}

/* --- responder --- */

/* The first of the peer's policies whose selectors meet what the peer proposes (our
 * local side is its TSr). */
static const struct conf_item *pick_policy(struct ike_sa *sa, const struct ikev2_msg *m,
					   struct ikev2_ts_set *tsi, struct ikev2_ts_set *tsr)
{
	size_t n;
	const struct conf_item *const *pols = ike_view_policies(sa->eng->view, sa->peer, &n);

	for (size_t i = 0; i < n; i++) {
		const struct conf_item *pol = pols[i];
		struct ikev2_ts_set l, r;

		ike_ts_from_policy(pol, &l, &r);
		if (ike_ts_narrow(&r, &m->tsi, tsi) == 0 && ike_ts_narrow(&l, &m->tsr, tsr) == 0)
			return pol;
	}
	return NULL;
}

/* generate-policy: the peer's selectors narrowed against the templates of the identity's
 * group (its mode-config address, if it has one, as its side). */
static const struct conf_item *pick_template(struct ike_sa *sa, const struct ikev2_msg *m,
					     struct ikev2_ts_set *tsi, struct ikev2_ts_set *tsr)
{
	size_t n;
	const struct conf_item *const *t = ike_view_templates(sa->eng->view, sa->gen_group, &n);
	const struct conf_item *which = NULL;
	struct ikev2_ts_set ti = m->tsi;
	char why[400];

	if (sa->vip_leased || sa->vip_radius)
		ike_tmpl_own_address(&ti, &sa->vip, &sa->remote);
	if (ike_tmpl_narrow(t, n, (enum ike_gen_mode)sa->gen_mode, sa->vip.family ? &sa->vip : NULL,
			    &ti, &m->tsr, tsr, tsi, &which, why, sizeof(why)) < 0) {
		log_info(LOG_IKE, sa->ctx, "no template of group %s matches: %s", sa->gen_group,
			 why);
		return NULL;
	}
	return which;
}

/* A rekey of a CHILD SA with generated policies: the same selectors. */
static int pick_same(const struct ike_child *old, const struct ikev2_msg *m,
		     struct ikev2_ts_set *tsi, struct ikev2_ts_set *tsr)
{
	struct ikev2_ts_set l, r;

	ts_of_gpol(old->gp, &l, &r);
	if (ike_ts_narrow(&r, &m->tsi, tsi) || ike_ts_narrow(&l, &m->tsr, tsr))
		return -ENOENT;
	return 0;
}

int ikev2_child_respond(struct ike_sa *sa, const struct ikev2_msg *m, const uint8_t *ni,
			size_t nilen, const uint8_t *nr, size_t nrlen, struct crypto_dh *dh,
			const struct ike_child *old, struct ikev2_enc *inner,
			struct ike_child **out)
{
	static struct ikev2_sa ours, reply;
	struct ikev2_ts_set tsi, tsr;
	struct crypto_chunk gir = {0};
	char a[256], b[256];
	const struct conf_item *pol = NULL;
	bool generated = false;

	*out = NULL;
	if (old && old->gp) {
		pol = pick_same(old, m, &tsi, &tsr) ? NULL
						    : ike_policy_by_id(sa->eng, old->policy_id);
		generated = true;
	} else if (!(pol = pick_policy(sa, m, &tsi, &tsr)) && sa->gen_mode != IKE_GEN_NO) {
		pol = pick_template(sa, m, &tsi, &tsr);
		generated = true;
	}
	if (!pol) {
		if (!generated)
			log_info(LOG_IKE, sa->ctx,
				 "no policy of this peer matches the proposed selectors");
		return IKEV2_N_TS_UNACCEPTABLE;
	}
	bool pfs = dh != NULL;

	if (ikev2_child_offer(sa, pol, pfs, &ours) < 0)
		return IKEV2_N_NO_PROPOSAL_CHOSEN;
	struct ike_child *c = ike_child_new(sa, pol);

	if (!c)
		return IKEV2_N_TEMPORARY_FAILURE;
	if (ike_choose(&ours, &m->sa, pfs ? m->ke.group : 0, &c->alg) < 0 || c->alg.spi_size != 4 ||
	    (pfs && c->alg.dh != m->ke.group)) {
		ike_offer_str(&ours, a, sizeof(a));
		ike_offer_str(&m->sa, b, sizeof(b));
		ike_sa_fail(sa, "no CHILD SA proposal chosen: we accept %s, they offered %s", a, b);
		free(c);
		return IKEV2_N_NO_PROPOSAL_CHOSEN;
	}
	c->proto = c->alg.proto == IKEV2_PROTO_AH ? IPPROTO_AH : IPPROTO_ESP;
	/* a generated policy takes the mode the peer asks for */
	c->tunnel = generated ? !ikev2_notify_find(m, IKEV2_N_USE_TRANSPORT_MODE)
			      : conf_bool(pol, CONF_POLICY_TUNNEL);
	c->reqid = generated ? 0 : sa->eng->d.policy_reqid(sa->eng->d.arg, sa->eng->conf, pol);
	c->spi_out = (uint32_t)c->alg.spi;
	c->spi_in = sa->v2->spare_spi; /* taken only once the SA is installed */
	if (!c->spi_in || sel_from_ts(&tsr.ts[0], &tsi.ts[0], &c->sel) < 0 ||
	    (pfs && crypto_dh_shared(dh, m->ke.data.ptr, m->ke.data.len, &gir) < 0)) {
		ike_sa_fail(sa, "CHILD SA could not be set up (SPI, selectors or PFS)");
		free(c);
		return IKEV2_N_TEMPORARY_FAILURE;
	}
	if (generated && old && old->gp) {
		c->gp = old->gp;
		ike_gpol_hold(c->gp);
	} else if (generated &&
		   !(c->gp = ike_gpol_new(sa, &c->sel, 1, c->tunnel, c->proto, sa->gen_group))) {
		free(c);
		crypto_chunk_clear(&gir);
		return IKEV2_N_TS_UNACCEPTABLE;
	}
	if (c->gp)
		c->reqid = ike_gpol_reqid(c->gp);
	if (c->tunnel == !!ikev2_notify_find(m, IKEV2_N_USE_TRANSPORT_MODE)) {
		log_info(LOG_IKE, sa->ctx, "peer asks for %s mode, the policy says %s",
			 c->tunnel ? "transport" : "tunnel", c->tunnel ? "tunnel" : "transport");
		ike_gpol_put(c->gp, true);
		free(c);
		crypto_chunk_clear(&gir);
		return IKEV2_N_NO_PROPOSAL_CHOSEN;
	}
	c->pfs = pfs;
	int err = install(c, false, gir.ptr, gir.len, ni, nilen, nr, nrlen);

	crypto_chunk_clear(&gir);
	if (err < 0) {
		ike_gpol_put(c->gp, true);
		free(c);
		return IKEV2_N_TEMPORARY_FAILURE;
	}
	sa->v2->spare_spi = 0;
	if (!c->tunnel)
		ikev2_put_notify(inner, 0, IKEV2_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	ike_chosen_to_sa(&c->alg, 4, c->spi_in, &reply);
	ikev2_put_sa(inner, &reply);
	*out = c;
	log_child(c, &tsi, &tsr);
	(void)tsr;
	return 0;
}

/* Writes the narrowed selectors of a child the responder just made. */
void ikev2_child_put_ts(struct ike_child *c, struct ikev2_enc *inner)
{
	struct ikev2_ts_set l = {.n = 1}, r = {.n = 1};
	const struct kern_sel *s = &c->sel;
	struct conf_addr a = {.family = s->family};

	memcpy(a.bytes, s->src, 16);
	a.plen = s->src_plen;
	ike_ts_from_prefix(&l.ts[0], &a, s->proto ? s->proto : -1, s->sport ? s->sport : -1);
	memcpy(a.bytes, s->dst, 16);
	a.plen = s->dst_plen;
	ike_ts_from_prefix(&r.ts[0], &a, s->proto ? s->proto : -1, s->dport ? s->dport : -1);
	/* TSi is the initiator's side: the peer's (remote) */
	ikev2_put_ts(inner, IKEV2_PLD_TSI, &r);
	ikev2_put_ts(inner, IKEV2_PLD_TSR, &l);
}

void ikev2_child_attach(struct ike_sa *sa, struct ike_child *c)
{
	c->next = sa->children;
	sa->children = c;
	sa->nchildren++;
}

uint8_t ikev2_proto_ipproto(uint8_t ikev2_proto)
{
	return ikev2_proto == IKEV2_PROTO_AH ? IPPROTO_AH : IPPROTO_ESP;
}

uint8_t ikev2_policy_proto(const struct conf_item *pol)
{
	return ike_policy_ipproto(pol);
}
