/* qm: IKEv1 quick mode (RFC 2409 5.5): the IPsec SAs of a policy, with PFS when its
 * proposal has a pfs-group, the client IDs (RFC 2407 4.6.2) from the policy's selectors,
 * tunnel or transport mode, UDP-encapsulated when a NAT was found (RFC 3947 5).
 *
 *   initiator: HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]
 *   responder: HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr] [, N(RESPONDER-LIFETIME)]
 *   initiator: HDR*, HASH(3)
 *
 * The responder needs an inbound SPI from the kernel before it can answer: the request's
 * payloads are kept until the kernel gives one. It installs its inbound SA when it
 * answers and the outbound one on HASH(3); the initiator installs both on the answer. A
 * finished exchange is kept a while, so that a repeated message is answered again. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../tmpl.h"
#include "../ts.h"
#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v1.h"

#define QM_KEEP 30.0 /* seconds a finished quick mode is kept for repeats */

/* --- IDs and selectors --- */

/* A client ID as a traffic selector. */
static int id_to_ts(const struct ikev1_id *id, struct ikev2_ts *ts)
{
	size_t n;

	memset(ts, 0, sizeof(*ts));
	switch (id->type) {
	case IKEV1_ID_IPV4_ADDR:
	case IKEV1_ID_IPV4_ADDR_SUBNET:
	case IKEV1_ID_IPV4_ADDR_RANGE:
		ts->type = IKEV2_TS_IPV4_ADDR_RANGE;
		n = 4;
		break;
	case IKEV1_ID_IPV6_ADDR:
	case IKEV1_ID_IPV6_ADDR_SUBNET:
	case IKEV1_ID_IPV6_ADDR_RANGE:
		ts->type = IKEV2_TS_IPV6_ADDR_RANGE;
		n = 16;
		break;
	default:
		return -EINVAL;
	}
	memcpy(ts->start, id->addr, n);
	if (id->type == IKEV1_ID_IPV4_ADDR || id->type == IKEV1_ID_IPV6_ADDR) {
		memcpy(ts->end, id->addr, n);
	} else if (id->type == IKEV1_ID_IPV4_ADDR_RANGE || id->type == IKEV1_ID_IPV6_ADDR_RANGE) {
		memcpy(ts->end, id->addr2, n);
	} else {
		for (size_t i = 0; i < n; i++) {
			ts->start[i] = id->addr[i] & id->addr2[i];
			ts->end[i] = (uint8_t)(ts->start[i] | ~id->addr2[i]);
		}
	}
	ts->proto = id->proto;
	ts->start_port = id->port;
	ts->end_port = id->port ? id->port : 65535;
	return 0;
}

/* A selector as a client ID: one address, a subnet, or else a range. */
static void put_ts_id(struct ikev1_enc *e, const struct ikev2_ts *ts)
{
	bool v6 = ts->type == IKEV2_TS_IPV6_ADDR_RANGE;
	size_t n = v6 ? 16 : 4;
	uint8_t data[32], family, addr[16], plen;
	uint16_t port = ts->start_port == ts->end_port ? ts->start_port : 0;

	if (!memcmp(ts->start, ts->end, n)) {
		ikev1_put_id(e, v6 ? IKEV1_ID_IPV6_ADDR : IKEV1_ID_IPV4_ADDR, ts->proto, port,
			     ts->start, n);
		return;
	}
	if (ike_ts_to_prefix(ts, &family, addr, &plen)) {
		memcpy(data, addr, n);
		memset(data + n, 0, n);
		for (unsigned i = 0; i < plen; i++)
			data[n + i / 8] |= (uint8_t)(0x80u >> (i % 8));
		ikev1_put_id(e, v6 ? IKEV1_ID_IPV6_ADDR_SUBNET : IKEV1_ID_IPV4_ADDR_SUBNET,
			     ts->proto, port, data, 2 * n);
		return;
	}
	memcpy(data, ts->start, n);
	memcpy(data + n, ts->end, n);
	ikev1_put_id(e, v6 ? IKEV1_ID_IPV6_ADDR_RANGE : IKEV1_ID_IPV4_ADDR_RANGE, ts->proto, port,
		     data, 2 * n);
}

/* The kernel selector of the pair (outbound view). */
static int sel_of(const struct ikev2_ts *l, const struct ikev2_ts *r, struct kern_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (!ike_ts_to_prefix(l, &sel->family, sel->src, &sel->src_plen) ||
	    !ike_ts_to_prefix(r, &sel->family, sel->dst, &sel->dst_plen))
		return -EINVAL;
	sel->proto = l->proto;
	sel->sport = l->start_port == l->end_port ? l->start_port : 0;
	sel->dport = r->start_port == r->end_port ? r->start_port : 0;
	return 0;
}

/* Without IDs the selectors are the two ends' addresses (RFC 2409 5.5). */
static void host_ts(const struct net_addr *a, struct ikev2_ts_set *s)
{
	struct conf_addr p = {.family = a->family, .plen = a->family == AF_INET ? 32 : 128};

	memcpy(p.bytes, a->bytes, 16);
	memset(s, 0, sizeof(*s));
	s->n = 1;
	ike_ts_from_prefix(&s->ts[0], &p, -1, -1);
}

/* --- the exchange's state --- */

void ikev1_qm_free(struct ikev1_qm *qm, bool delete_kernel)
{
	if (qm->child)
		ike_child_free(qm->child, delete_kernel);
	crypto_chunk_clear(&qm->ni);
	crypto_chunk_clear(&qm->nr);
	crypto_chunk_clear(&qm->gqm);
	crypto_dh_free(qm->dh);
	wbuf_free(&qm->last);
	wbuf_free(&qm->held);
	free(qm);
}

static void qm_unlink(struct ike_sa *sa, struct ikev1_qm *qm)
{
	for (struct ikev1_qm **pp = &sa->v1->qms; *pp; pp = &(*pp)->next)
		if (*pp == qm) {
			*pp = qm->next;
			sa->v1->nqms--;
			break;
		}
	ikev1_ivs_forget(&sa->v1->ivs, qm->mid);
}

static void qm_drop(struct ike_sa *sa, struct ikev1_qm *qm)
{
	qm_unlink(sa, qm);
	ikev1_qm_free(qm, true);
}

/* Finished exchanges past their keeping time go. */
static void prune(struct ike_sa *sa)
{
	double now = ike_now(sa->eng);

	for (struct ikev1_qm *qm = sa->v1->qms, *next; qm; qm = next) {
		next = qm->next;
		if (qm->done && now - qm->done_at > QM_KEEP)
			qm_drop(sa, qm);
	}
}

static struct ikev1_qm *qm_new(struct ike_sa *sa, uint32_t mid, bool initiator)
{
	struct ikev1_qm *qm;

	prune(sa);
	if (sa->v1->nqms >= IKEV1_QM_MAX || !(qm = calloc(1, sizeof(*qm))))
		return NULL;
	qm->mid = mid;
	qm->initiator = initiator;
	wbuf_init(&qm->last);
	wbuf_init(&qm->held);
	qm->next = sa->v1->qms;
	sa->v1->qms = qm;
	sa->v1->nqms++;
	return qm;
}

static int nonce(struct crypto_chunk *n)
{
	n->ptr = malloc(IKEV1_NONCE_LEN);
	n->len = IKEV1_NONCE_LEN;
	return n->ptr && crypto_random(n->ptr, n->len) == 0 ? 0 : -ENOMEM;
}

static int keep(struct crypto_chunk *c, const struct wire_bytes *b)
{
	crypto_chunk_clear(c);
	if (!(c->ptr = malloc(b->len ? b->len : 1)))
		return -ENOMEM;
	memcpy(c->ptr, b->ptr, b->len);
	c->len = b->len;
	return 0;
}

static struct ikev1_mode mode_of(const struct ike_sa *sa, bool tunnel)
{
	struct ikev1_mode m = {
		.tunnel = tunnel, .udp = ike_sa_udp_encap(sa), .draft = sa->v1->nat_draft};

	return m;
}

static uint16_t pfs_group(const struct conf_item *pol, const struct ike_sa *sa)
{
	const struct conf_item *prop = ike_proposal_of(sa->eng->conf, pol);
	const char *g = prop ? ike_choice(prop, CONF_PROPOSAL_PFS_GROUP) : "none";

	uint16_t id = 0, keylen;

	return strcmp(g, "none") && ike_alg_id(IKEV2_TRANS_DH, g, &id, &keylen) ? id : 0;
}

/* --- keys --- */

/* Both directions' keys from KEYMAT, into the kernel. */
static int install(struct ike_sa *sa, struct ikev1_qm *qm, bool inbound, bool outbound)
{
	struct ike_child *c = qm->child;
	const struct kern_alg *ka =
		c->proto == IPPROTO_ESP ? ike_kern_enc(c->alg.encr, c->alg.encr_keylen) : NULL;
	const struct kern_alg *ia = c->alg.integ ? ike_kern_integ(c->alg.integ) : NULL;
	size_t ekl = ka ? ka->key_bits / 8 : 0, akl = ia ? ia->key_bits / 8 : 0;
	uint8_t km[64 + 64], spi[4];
	struct crypto_iov ni = {qm->ni.ptr, qm->ni.len}, nr = {qm->nr.ptr, qm->nr.len};
	uint8_t proto = c->proto == IPPROTO_AH ? IKEV1_PROTO_AH : IKEV1_PROTO_ESP;
	struct kern_sa k;

	if ((c->proto == IPPROTO_ESP && !ka) || ekl + akl > sizeof(km))
		return -EINVAL;
	for (int dir = 0; dir < 2; dir++) {
		bool in = dir == 0;
		uint32_t s = in ? c->spi_in : c->spi_out;

		if ((in && !inbound) || (!in && !outbound))
			continue;
		spi[0] = (uint8_t)(s >> 24), spi[1] = (uint8_t)(s >> 16);
		spi[2] = (uint8_t)(s >> 8), spi[3] = (uint8_t)s;
		if (ikev1_keymat(sa->v1->hash, &sa->v1->keys.skeyid_d, qm->gqm.ptr, qm->gqm.len,
				 proto, spi, 4, &ni, &nr, km, ekl + akl) < 0)
			return -EIO;
		ike_child_kern_sa(c, in, km, ekl, km + ekl, akl, &k);
		ike_install_sa(c, &k, in); /* inbound replaces the larval SA */
		if (in)
			c->installed_in = true;
		else
			c->installed_out = true;
	}
	kern_commit(sa->eng->d.kern);
	crypto_cleanse(&k, sizeof(k));
	crypto_cleanse(km, sizeof(km));
	return 0;
}

static void established(struct ike_sa *sa, struct ikev1_qm *qm)
{
	struct ike_child *c = qm->child;
	char a[64], b[64], x[160];

	qm->child = NULL;
	c->state = CHILD_STATE_INSTALLED;
	c->established = ike_now(sa->eng);
	ike_child_index(c);
	ike_acct_child_up(c); /* an XAuth user's first IPsec SA starts accounting */
	c->next = sa->children;
	sa->children = c;
	sa->nchildren++;
	if (qm->rekeys && qm->rekeys->state == CHILD_STATE_INSTALLED) {
		qm->rekeys->replaced_by = c;
		qm->rekeys->state = CHILD_STATE_REKEYED;
		/* a pair of the ISAKMP SA this one replaces goes a little later, under this
		 * one (strongSwan moves a CHILD_SA to the IKE_SA that rekeys it): replace.c */
		if (qm->initiator && qm->rekeys->ike == sa)
			ikev1_delete_child(sa, qm->rekeys);
	}
	qm->rekeys = NULL;
	if (sa->v1->replaces)
		ikev1_p1_retire_soon(sa);
	crypto_chunk_clear(&qm->gqm);
	if (log_enabled(LOG_IKE, LOG_LVL_INFO)) {
		ike_chosen_str(&c->alg, x, sizeof(x));
		ike_ts_str(&qm->ts_l.ts[0], a, sizeof(a));
		ike_ts_str(&qm->ts_r.ts[0], b, sizeof(b));
		log_info(LOG_IKE, sa->ctx,
			 "IPsec SA #%u established (quick mode): %s === %s, %s %s, spi in %08x out "
			 "%08x",
			 c->serial, a, b, c->tunnel ? "tunnel" : "transport", x, c->spi_in,
			 c->spi_out);
	}
}

static void finish(struct ike_sa *sa, struct ikev1_qm *qm)
{
	qm->done = true;
	qm->done_at = ike_now(sa->eng);
	if (qm->initiator)
		wbuf_free(
			&qm->last); /* nothing more to retransmit; HASH(3) goes again on a repeat */
}

/* --- initiator --- */

static struct ikev1_qm *waiting_spi(struct ike_sa *sa)
{
	for (struct ikev1_qm *qm = sa->v1->qms; qm; qm = qm->next)
		if (qm->child && !qm->child->spi_in && !qm->done && !qm->spi_failed)
			return qm;
	return NULL;
}

struct qm1 {
	struct ike_sa *sa;
	struct ikev1_qm *qm;
	const struct ikev1_sa *offer;
	const uint8_t *ke;
	size_t kelen;
};

static void build_qm1(struct ikev1_enc *e, void *arg)
{
	const struct qm1 *q = arg;

	ikev1_put_sa(e, q->offer);
	ikev1_put_nonce(e, q->qm->ni.ptr, q->qm->ni.len);
	if (q->ke)
		ikev1_put_ke(e, q->ke, q->kelen);
	put_ts_id(e, &q->qm->ts_l.ts[0]);
	put_ts_id(e, &q->qm->ts_r.ts[0]);
}

/* Like ikev1_send_hashed, with HASH(2) or (1) as the caller says, keeping what was sent. */
static int send_qm(struct ike_sa *sa, struct ikev1_qm *qm, const struct crypto_chunk *ni_for_hash,
		   void (*build)(struct ikev1_enc *e, void *arg), void *arg, bool expect_reply)
{
	struct ikev1_state *v = sa->v1;
	size_t hl = crypto_v1_hash_len(v->hash), off;
	uint8_t zero[CRYPTO_V1_MAX_HASH] = {0};
	struct crypto_iov ni = {ni_for_hash ? ni_for_hash->ptr : NULL,
				ni_for_hash ? ni_for_hash->len : 0};
	struct wbuf plain, out;
	struct ikev1_enc e;
	struct ikev1_hdr h;
	int r;

	wbuf_init(&plain);
	wbuf_init(&out);
	plain.secret = true;
	ikev1_enc_chain_begin(&e, &plain);
	off = ikev1_put_hash(&e, zero, hl);
	build(&e, arg);
	r = plain.err ? -ENOMEM : 0;
	if (r == 0)
		r = ikev1_hash_mid(v->hash, &v->keys.skeyid_a, qm->mid, ni_for_hash ? &ni : NULL,
				   plain.p + off + 4 + hl, plain.len - off - 4 - hl,
				   plain.p + off + 4);
	ikev1_hdr_for(sa, IKEV1_EXCH_QUICK, qm->mid, true, &h);
	if (r == 0)
		r = ikev1_seal(sa, &h, IKEV1_PLD_HASH, &plain, &out);
	if (r == 0)
		ikev1_send_qm(sa, qm, &out, expect_reply);
	wbuf_free(&plain);
	wbuf_free(&out);
	return r;
}

static void qm1_spi(struct ike_sa *sa, int err, uint32_t spi)
{
	static struct ikev1_sa_buf o;
	static char why[200];
	struct ikev1_qm *qm = waiting_spi(sa);
	const struct conf_item *pol;
	struct qm1 q = {.sa = sa, .offer = &o.sa};
	struct ikev1_mode mode;

	if (!qm)
		return;
	pol = ike_policy_by_id(sa->eng, qm->child->policy_id);
	if (err < 0 || !pol) {
		qm->spi_failed = true;
		log_error(LOG_KERNEL, sa->ctx, "no SPI from the kernel: %s", strerror(-err));
		qm_drop(sa, qm);
		return;
	}
	qm->child->spi_in = spi;
	mode = mode_of(sa, qm->child->tunnel);
	if (ikev1_offer_p2(ike_proposal_of(sa->eng->conf, pol),
			   qm->child->proto == IPPROTO_AH ? IKEV1_PROTO_AH : IKEV1_PROTO_ESP,
			   qm->pfs != 0, &mode, spi, ikev1_p2_supported, &o, why,
			   sizeof(why)) < 0) {
		ike_sa_fail(sa, "%s", why);
		qm_drop(sa, qm);
		return;
	}
	if (qm->pfs) {
		if (!(qm->dh = crypto_dh_new(qm->pfs))) {
			qm_drop(sa, qm);
			return;
		}
		q.ke = crypto_dh_public(qm->dh, &q.kelen);
	}
	q.qm = qm;
	if (send_qm(sa, qm, NULL, build_qm1, &q, true) < 0)
		qm_drop(sa, qm);
}

/* A mode-config client's IDs from its template: its address (the template's protocol and
 * port) to the template's dst-address. Quick mode cannot narrow, so IDci is exactly the
 * address the gateway gave. */
static int client_ids(struct ike_sa *sa, const struct conf_item *tmpl, struct ikev1_qm *qm)
{
	struct ikev2_ts_set l;

	if (!sa->vip.family || !ike_tmpl_ts(tmpl, &l, &qm->ts_r) ||
	    l.ts[0].type != qm->ts_r.ts[0].type) {
		log_info(LOG_IKE, sa->ctx,
			 "template %u: no mode-config address of its family: "
			 "no IPsec SA",
			 tmpl->id);
		return -EINVAL;
	}
	host_ts(&sa->vip, &qm->ts_l);
	qm->ts_l.ts[0].proto = l.ts[0].proto;
	qm->ts_l.ts[0].start_port = l.ts[0].start_port;
	qm->ts_l.ts[0].end_port = l.ts[0].end_port;
	return 0;
}

void ikev1_qm_start(struct ike_sa *sa, const struct conf_item *pol, struct ike_child *rekeys)
{
	struct ikev1_qm *qm;
	struct ike_child *c;

	if (!pol || !(qm = qm_new(sa, ikev1_new_mid(sa), true)))
		return;
	c = ike_child_new(sa, pol);
	if (!c || nonce(&qm->ni) < 0) {
		free(c);
		qm_drop(sa, qm);
		return;
	}
	qm->child = c;
	qm->rekeys = rekeys;
	c->proto = ike_policy_ipproto(pol);
	c->tunnel = conf_bool(pol, CONF_POLICY_TUNNEL);
	qm->pfs = pfs_group(pol, sa);
	if (conf_bool(pol, CONF_POLICY_TEMPLATE)) {
		/* a mode-config client: tunnel mode, its policy made from the template once
		 * the SA is up (qm2_recv), so the reqid comes then */
		c->tunnel = true;
		if (client_ids(sa, pol, qm) < 0) {
			qm_drop(sa, qm);
			return;
		}
		ike_alloc_spi(sa, c->proto, qm1_spi);
		return;
	}
	c->reqid = sa->eng->d.policy_reqid(sa->eng->d.arg, sa->eng->conf, pol);
	ike_ts_from_policy(pol, &qm->ts_l, &qm->ts_r);
	if (!c->reqid) {
		log_info(LOG_IKE, sa->ctx, "policy has no kernel policies installed: no IPsec SA");
		qm_drop(sa, qm);
		return;
	}
	ike_alloc_spi(sa, c->proto, qm1_spi);
}

static int check_hash2(struct ike_sa *sa, struct ikev1_qm *qm, const struct ikev1_msg *m)
{
	const struct wire_bytes *h = &m->hash[0];
	const uint8_t *rest = h->ptr + h->len;
	size_t restlen = (size_t)(m->chain.ptr + m->chain.len - rest);
	uint8_t want[CRYPTO_V1_MAX_HASH];
	struct crypto_iov ni = {qm->ni.ptr, qm->ni.len};
	size_t hl = crypto_v1_hash_len(sa->v1->hash);

	if (ikev1_hash_mid(sa->v1->hash, &sa->v1->keys.skeyid_a, qm->mid, &ni, rest, restlen,
			   want) < 0 ||
	    h->len != hl || !crypto_memeq(h->ptr, want, hl))
		return -EPERM;
	return 0;
}

static void build_qm3(struct ikev1_enc *e, void *arg)
{
	(void)e;
	(void)arg;
}

static int send_qm3(struct ike_sa *sa, struct ikev1_qm *qm)
{
	struct ikev1_state *v = sa->v1;
	size_t hl = crypto_v1_hash_len(v->hash);
	uint8_t hash[CRYPTO_V1_MAX_HASH];
	struct crypto_iov ni = {qm->ni.ptr, qm->ni.len}, nr = {qm->nr.ptr, qm->nr.len};
	struct wbuf plain, out;
	struct ikev1_enc e;
	struct ikev1_hdr h;
	int r = ikev1_hash_qm3(v->hash, &v->keys.skeyid_a, qm->mid, &ni, &nr, hash);

	(void)build_qm3;
	wbuf_init(&plain);
	wbuf_init(&out);
	ikev1_enc_chain_begin(&e, &plain);
	ikev1_put_hash(&e, hash, hl);
	ikev1_hdr_for(sa, IKEV1_EXCH_QUICK, qm->mid, true, &h);
	if (r == 0)
		r = ikev1_seal(sa, &h, IKEV1_PLD_HASH, &plain, &out);
	if (r == 0) {
		ikev1_send(sa, &out);
		wbuf_free(&qm->last);
		qm->last = out; /* sent again if the answer comes again */
		wbuf_init(&out);
	}
	wbuf_free(&plain);
	wbuf_free(&out);
	return r;
}

static uint32_t responder_lifetime(const struct ikev1_msg *m, uint32_t life)
{
	for (unsigned i = 0; i < m->nnotify; i++) {
		const struct ikev1_notify *n = &m->notify[i];
		const uint8_t *d = n->data.ptr;

		if (n->type != IKEV1_N_RESPONDER_LIFETIME)
			continue;
		/* data: SA attributes; SA Life Type seconds then SA Life Duration */
		for (size_t off = 0; off + 4 <= n->data.len;) {
			uint16_t t = (uint16_t)(d[off] << 8 | d[off + 1]);
			bool tv = t & IKEV1_ATTR_AF;
			uint16_t l = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
			uint64_t val = 0;

			if (tv) {
				val = l;
				off += 4;
			} else {
				if (off + 4 + l > n->data.len || l > 8)
					break;
				for (uint16_t k = 0; k < l; k++)
					val = val << 8 | d[off + 4 + k];
				off += 4 + (size_t)l;
			}
			if ((t & ~IKEV1_ATTR_AF) == IKEV1_P2_SA_LIFE_DURATION && val && val < life)
				life = (uint32_t)val;
		}
	}
	return life;
}

static int qm2_recv(struct ike_sa *sa, struct ikev1_qm *qm, const struct ikev1_msg *m)
{
	static struct ikev1_sa_buf o;
	static char why[200];
	struct ike_child *c = qm->child;
	const struct conf_item *pol = ike_policy_by_id(sa->eng, c->policy_id);
	struct ikev1_mode mode = mode_of(sa, c->tunnel);
	struct ikev2_ts_set ti = {.n = 1}, tr = {.n = 1};
	uint32_t life;

	if (qm->done) { /* our HASH(3) was lost */
		if (qm->last.len)
			ikev1_send(sa, &qm->last);
		return 0;
	}
	if (check_hash2(sa, qm, m) < 0)
		return -EPERM;
	for (unsigned i = 0; i < m->nnotify; i++)
		if (m->notify[i].type < 16384) {
			ike_sa_fail(sa, "quick mode refused by the peer: %s",
				    ikev1_notify_name(m->notify[i].type));
			qm_drop(sa, qm);
			return 0;
		}
	if (!pol || !ikev1_has(m, IKEV1_PLD_SA) || !ikev1_has(m, IKEV1_PLD_NONCE) ||
	    ikev1_offer_p2(ike_proposal_of(sa->eng->conf, pol),
			   c->proto == IPPROTO_AH ? IKEV1_PROTO_AH : IKEV1_PROTO_ESP, qm->pfs != 0,
			   &mode, c->spi_in, ikev1_p2_supported, &o, why, sizeof(why)) < 0 ||
	    ikev1_accept_p2(&o.sa, &m->sa, &c->alg, &life) < 0 || c->alg.spi_size != 4) {
		ike_sa_fail(sa, "the peer's quick mode answer is not one we offered");
		qm_drop(sa, qm);
		return 0;
	}
	if (m->nid == 2 &&
	    (id_to_ts(&m->id[0], &ti.ts[0]) < 0 || id_to_ts(&m->id[1], &tr.ts[0]) < 0 ||
	     !ike_ts_subset(&ti, &qm->ts_l) || !ike_ts_subset(&tr, &qm->ts_r))) {
		ike_sa_fail(sa, "the peer's quick mode IDs are not within our policy's");
		qm_drop(sa, qm);
		return 0;
	}
	if (m->nid == 2) {
		qm->ts_l = ti;
		qm->ts_r = tr;
	}
	c->spi_out = (uint32_t)c->alg.spi;
	c->life = responder_lifetime(m, life);
	if (keep(&qm->nr, &m->nonce) < 0 ||
	    (qm->dh && (!ikev1_has(m, IKEV1_PLD_KE) ||
			crypto_dh_shared(qm->dh, m->ke.ptr, m->ke.len, &qm->gqm) < 0)) ||
	    sel_of(&qm->ts_l.ts[0], &qm->ts_r.ts[0], &c->sel) < 0) {
		ike_sa_fail(sa, "the peer's quick mode nonce, PFS key or IDs are bad");
		qm_drop(sa, qm);
		return 0;
	}
	c->pfs = qm->dh != NULL;
	if (!c->gp && conf_bool(pol, CONF_POLICY_TEMPLATE)) {
		/* a template's IPsec SA (a mode-config client): its policies are made now, or
		 * (a rekey) shared with the SA it replaces */
		if (!(c->gp = ike_gpol_new(sa, &c->sel, 1, c->tunnel, c->proto, sa->gen_group))) {
			ike_sa_fail(sa, "the client's policies could not be made");
			qm_drop(sa, qm);
			return 0;
		}
		c->reqid = ike_gpol_reqid(c->gp);
	}
	if (send_qm3(sa, qm) < 0 || install(sa, qm, true, true) < 0) {
		ike_sa_fail(sa, "IPsec SA keys could not be made");
		qm_drop(sa, qm);
		return 0;
	}
	established(sa, qm);
	ike_vip_route(sa, c->gp); /* a mode-config client's own traffic, from its address */
	finish(sa, qm);
	return 0;
}

/* --- responder --- */

/* The first of the peer's policies whose selectors hold what it proposes. */
static const struct conf_item *pick_policy(struct ike_sa *sa, const struct ikev2_ts_set *ti,
					   const struct ikev2_ts_set *tr)
{
	size_t n;
	const struct conf_item *const *pols = ike_view_policies(sa->eng->view, sa->peer, &n);

	for (size_t i = 0; i < n; i++) {
		struct ikev2_ts_set l, r;

		ike_ts_from_policy(pols[i], &l, &r);
		if (ike_ts_subset(ti, &r) && ike_ts_subset(tr, &l))
			return pols[i];
	}
	return NULL;
}

/* The Encapsulation Mode of their first transform: tunnel unless it says transport. */
static bool their_mode_tunnel(const struct ikev1_sa *theirs)
{
	const struct ikev1_transform *t =
		theirs->nprop ? ikev1_prop_trans(theirs, &theirs->p[0], 0) : NULL;

	for (unsigned i = 0; t && i < t->nattr; i++) {
		const struct ikev1_attr *a = ikev1_trans_attr(theirs, t, i);

		if (a->type == IKEV1_P2_ENCAP_MODE && a->tv)
			return a->val != IKEV1_ENCAP_TRANSPORT &&
			       a->val != IKEV1_ENCAP_UDP_TRANSPORT &&
			       a->val != IKEV1_ENCAP_UDP_TRANSPORT_DRAFT;
	}
	return true;
}

/* generate-policy: a template of the identity's group that holds the IDs exactly as the
 * client proposed them (IKEv1's responder cannot narrow), the address mode-config gave it
 * as its side. */
static bool same_hosts(const struct ikev2_ts *a, const struct ikev2_ts *b)
{
	return a->type == b->type && a->proto == b->proto && !memcmp(a->start, b->start, 16) &&
	       !memcmp(a->end, b->end, 16);
}

/* l, r: the generated policy's selectors (port-override gives the template's ports). */
static const struct conf_item *pick_template(struct ike_sa *sa, const struct ikev2_ts_set *ti,
					     const struct ikev2_ts_set *tr, struct ikev2_ts_set *l,
					     struct ikev2_ts_set *r, char *why, size_t whylen)
{
	size_t n;
	const struct conf_item *const *t = ike_view_templates(sa->eng->view, sa->gen_group, &n);
	const struct conf_item *which = NULL;

	if (ike_tmpl_narrow(t, n, (enum ike_gen_mode)sa->gen_mode, sa->vip.family ? &sa->vip : NULL,
			    ti, tr, l, r, &which, why, whylen) < 0)
		return NULL;
	if (!same_hosts(&l->ts[0], &tr->ts[0]) || !same_hosts(&r->ts[0], &ti->ts[0])) {
		snprintf(why, whylen,
			 "the IDs are wider than template %u allows (quick mode "
			 "cannot narrow them)",
			 which ? which->id : 0);
		return NULL;
	}
	return which;
}

struct qm2 {
	struct ikev1_qm *qm;
	const struct ikev1_sa *reply;
	const uint8_t *ke;
	size_t kelen;
	bool ids;
	uint32_t responder_life; /* 0: none */
	uint32_t spi_in;
};

static void build_qm2(struct ikev1_enc *e, void *arg)
{
	const struct qm2 *q = arg;

	ikev1_put_sa(e, q->reply);
	ikev1_put_nonce(e, q->qm->nr.ptr, q->qm->nr.len);
	if (q->ke)
		ikev1_put_ke(e, q->ke, q->kelen);
	if (q->ids) {
		put_ts_id(e, &q->qm->ts_r.ts[0]); /* IDci: the initiator's side */
		put_ts_id(e, &q->qm->ts_l.ts[0]);
	}
	if (q->responder_life) {
		uint8_t d[12] = {0x80, IKEV1_P2_SA_LIFE_TYPE,	  0, IKEV1_LIFE_SECONDS,
				 0,    IKEV1_P2_SA_LIFE_DURATION, 0, 4};
		uint8_t spi[4] = {(uint8_t)(q->spi_in >> 24), (uint8_t)(q->spi_in >> 16),
				  (uint8_t)(q->spi_in >> 8), (uint8_t)q->spi_in};

		d[8] = (uint8_t)(q->responder_life >> 24);
		d[9] = (uint8_t)(q->responder_life >> 16);
		d[10] = (uint8_t)(q->responder_life >> 8);
		d[11] = (uint8_t)q->responder_life;
		ikev1_put_notify(e, IKEV1_DOI_IPSEC, IKEV1_PROTO_ESP, IKEV1_N_RESPONDER_LIFETIME,
				 spi, 4, d, sizeof(d));
	}
}

static void refuse(struct ike_sa *sa, struct ikev1_qm *qm, uint16_t type, const char *why)
{
	log_info(LOG_IKE, sa->ctx, "quick mode %08x refused (%s): %s", qm->mid,
		 ikev1_notify_name(type), why);
	ikev1_notify_protected(sa, type);
	qm_drop(sa, qm);
}

/* The request, with an inbound SPI from the kernel now. */
static void respond(struct ike_sa *sa, struct ikev1_qm *qm, const struct ikev1_msg *m)
{
	static struct ikev1_sa_buf ours, reply;
	static char why[300];
	const struct conf_item *pol, *prof = ikev1_profile(sa);
	struct ike_child *c = qm->child;
	struct ikev2_ts_set ti, tr;
	struct ike_chosen ch;
	struct ikev1_mode mode;
	struct qm2 q = {.qm = qm, .reply = &reply.sa, .ids = m->nid == 2};
	unsigned trans;
	uint32_t life;
	bool rl = false, generated = false;
	struct ikev2_ts_set gl, gr;

	memset(&ti, 0, sizeof(ti));
	memset(&tr, 0, sizeof(tr));
	if (m->nid == 2) {
		ti.n = tr.n = 1;
		if (id_to_ts(&m->id[0], &ti.ts[0]) < 0 || id_to_ts(&m->id[1], &tr.ts[0]) < 0) {
			refuse(sa, qm, IKEV1_N_INVALID_ID_INFORMATION,
			       "IDs of a type not an address");
			return;
		}
	} else {
		host_ts(&sa->remote, &ti);
		host_ts(&sa->local, &tr);
	}
	if (!(pol = pick_policy(sa, &ti, &tr)) && sa->gen_mode != IKE_GEN_NO)
		generated = (pol = pick_template(sa, &ti, &tr, &gl, &gr, why, sizeof(why))) != NULL;
	if (!pol) {
		char a[64], b[64];

		ike_ts_str(&ti.ts[0], a, sizeof(a));
		ike_ts_str(&tr.ts[0], b, sizeof(b));
		if (sa->gen_mode == IKE_GEN_NO)
			snprintf(why, sizeof(why), "no policy of this peer holds %s === %s", a, b);
		refuse(sa, qm, IKEV1_N_INVALID_ID_INFORMATION, why);
		return;
	}
	c->policy_id = pol->id;
	c->proto = ike_policy_ipproto(pol);
	c->reqid = generated ? 0 : sa->eng->d.policy_reqid(sa->eng->d.arg, sa->eng->conf, pol);
	/* the mode is the peer's to propose; a static policy's must agree, a generated one
	 * takes the peer's */
	c->tunnel = generated ? their_mode_tunnel(&m->sa) : conf_bool(pol, CONF_POLICY_TUNNEL);
	mode = mode_of(sa, c->tunnel);
	qm->pfs = ikev1_has(m, IKEV1_PLD_KE) ? pfs_group(pol, sa) : 0;
	if (ikev1_offer_p2(ike_proposal_of(sa->eng->conf, pol),
			   c->proto == IPPROTO_AH ? IKEV1_PROTO_AH : IKEV1_PROTO_ESP, qm->pfs != 0,
			   &mode, c->spi_in, ikev1_p2_supported, &ours, why, sizeof(why)) < 0 ||
	    ikev1_choose_p2(&ours.sa, &m->sa, &mode, qm->pfs, ikev1_life_check_of(prof), &ch, &life,
			    &rl, &trans, why, sizeof(why)) < 0) {
		refuse(sa, qm, IKEV1_N_NO_PROPOSAL_CHOSEN, why);
		return;
	}
	c->alg = ch;
	c->spi_out = (uint32_t)ch.spi;
	c->life = life;
	qm->ts_l = tr;
	qm->ts_r = ti;
	if (sel_of(generated ? &gl.ts[0] : &tr.ts[0], generated ? &gr.ts[0] : &ti.ts[0], &c->sel) <
		    0 ||
	    (generated &&
	     !(c->gp = ike_gpol_new(sa, &c->sel, 1, c->tunnel, c->proto, sa->gen_group)))) {
		refuse(sa, qm, IKEV1_N_INVALID_ID_INFORMATION,
		       "the IDs are no prefixes, or another client has them");
		return;
	}
	if (c->gp)
		c->reqid = ike_gpol_reqid(c->gp);
	if (!c->reqid || nonce(&qm->nr) < 0 || keep(&qm->ni, &m->nonce) < 0) {
		refuse(sa, qm, IKEV1_N_INVALID_ID_INFORMATION, "the policy has no kernel policies");
		return;
	}
	/* a group they propose is taken even when our proposal has none (RouterOS, racoon) */
	if (ikev1_has(m, IKEV1_PLD_KE) && !(qm->pfs = ch.dh)) {
		refuse(sa, qm, IKEV1_N_NO_PROPOSAL_CHOSEN, "a KE payload without a PFS group");
		return;
	}
	if (qm->pfs) {
		if (!(qm->dh = ike_responder_dh(sa->eng, qm->pfs)) ||
		    crypto_dh_shared(qm->dh, m->ke.ptr, m->ke.len, &qm->gqm) < 0) {
			refuse(sa, qm, IKEV1_N_INVALID_KEY_INFORMATION, "the PFS key is bad");
			return;
		}
		q.ke = crypto_dh_public(qm->dh, &q.kelen);
		c->pfs = true;
	}
	ikev1_reply_p2(&m->sa, trans, c->spi_in, rl ? life : 0, &reply);
	q.responder_life = rl ? life : 0;
	q.spi_in = c->spi_in;
	if (send_qm(sa, qm, &qm->ni, build_qm2, &q, false) < 0 ||
	    install(sa, qm, true, false) < 0) {
		ike_sa_fail(sa, "quick mode could not be answered");
		qm_drop(sa, qm);
		return;
	}
	qm->answered = true;
}

static void qm1_spi_ready(struct ike_sa *sa, int err, uint32_t spi)
{
	static struct ikev1_msg m;
	struct ikev1_qm *qm = waiting_spi(sa);

	if (!qm)
		return;
	if (err < 0) {
		qm->spi_failed = true;
		log_error(LOG_KERNEL, sa->ctx, "no SPI from the kernel: %s", strerror(-err));
		qm_drop(sa, qm);
		return;
	}
	qm->child->spi_in = spi;
	memset(&m, 0, sizeof(m)); /* ikev1_decode_chain adds to what it is given */
	if (ikev1_decode_chain(qm->held.p, qm->held.len, IKEV1_PLD_HASH, &m) < 0) {
		qm_drop(sa, qm);
		return;
	}
	/* the request's payloads leave qm: respond may drop qm, and m points into them */
	struct wbuf held = qm->held;

	wbuf_init(&qm->held);
	respond(sa, qm, &m);
	wbuf_free(&held);
}

static int check_hash1(struct ike_sa *sa, uint32_t mid, const struct ikev1_msg *m)
{
	const struct wire_bytes *h = &m->hash[0];
	const uint8_t *rest = h->ptr + h->len;
	size_t restlen = (size_t)(m->chain.ptr + m->chain.len - rest);
	uint8_t want[CRYPTO_V1_MAX_HASH];
	size_t hl = crypto_v1_hash_len(sa->v1->hash);

	if (ikev1_hash_mid(sa->v1->hash, &sa->v1->keys.skeyid_a, mid, NULL, rest, restlen, want) <
		    0 ||
	    h->len != hl || !crypto_memeq(h->ptr, want, hl))
		return -EPERM;
	return 0;
}

static int qm3_recv(struct ike_sa *sa, struct ikev1_qm *qm, const struct ikev1_msg *m)
{
	uint8_t want[CRYPTO_V1_MAX_HASH];
	struct crypto_iov ni = {qm->ni.ptr, qm->ni.len}, nr = {qm->nr.ptr, qm->nr.len};
	size_t hl = crypto_v1_hash_len(sa->v1->hash);

	if (ikev1_hash_qm3(sa->v1->hash, &sa->v1->keys.skeyid_a, qm->mid, &ni, &nr, want) < 0 ||
	    m->hash[0].len != hl || !crypto_memeq(m->hash[0].ptr, want, hl))
		return -EPERM;
	if (install(sa, qm, false, true) < 0) {
		ike_sa_fail(sa, "IPsec SA keys could not be made");
		qm_drop(sa, qm);
		return 0;
	}
	established(sa, qm);
	/* the last message of the exchange: nothing of it can come again, nothing is kept */
	qm_drop(sa, qm);
	return 0;
}

int ikev1_qm_recv(struct ike_sa *sa, const struct ikev1_msg *m)
{
	struct ikev1_qm *qm;
	struct ike_child *c;

	for (qm = sa->v1->qms; qm; qm = qm->next)
		if (qm->mid == m->hdr.msgid)
			break;
	if (qm && qm->initiator)
		return qm2_recv(sa, qm, m);
	if (qm) {
		if (qm->done || !qm->answered) /* a repeat, or the kernel has yet to answer */
			return 0;
		return qm3_recv(sa, qm, m);
	}
	/* a new exchange of the peer's */
	if (check_hash1(sa, m->hdr.msgid, m) < 0)
		return -EPERM;
	if (ikev1_cfg_busy(sa) && sa->v1->xauth_pending) {
		log_info(LOG_IKE, sa->ctx, "quick mode %08x before XAuth passed: dropped",
			 m->hdr.msgid);
		return 0;
	}
	if (!ikev1_has(m, IKEV1_PLD_SA) || !ikev1_has(m, IKEV1_PLD_NONCE) ||
	    (m->nid != 0 && m->nid != 2) || !m->sa.nprop) {
		sa->eng->st.rx_malformed++;
		log_info(LOG_IKE, sa->ctx, "quick mode %08x dropped: SA, nonce or IDs missing",
			 m->hdr.msgid);
		return 0;
	}
	if (!(qm = qm_new(sa, m->hdr.msgid, false))) {
		sa->eng->st.rx_dropped++;
		log_info(LOG_IKE, sa->ctx, "quick mode %08x dropped: %u in progress", m->hdr.msgid,
			 IKEV1_QM_MAX);
		return 0;
	}
	if (!(c = ike_child_new(sa, NULL))) {
		qm_drop(sa, qm);
		return 0;
	}
	qm->child = c;
	c->proto = m->sa.p[0].proto == IKEV1_PROTO_AH ? IPPROTO_AH : IPPROTO_ESP;
	/* the payloads wait for the kernel's SPI */
	wbuf_bytes(&qm->held, m->chain.ptr, m->chain.len);
	qm->held.secret = true;
	ike_alloc_spi(sa, c->proto, qm1_spi_ready);
	return 0;
}

/* Our offer for qm's policy as a human reads it (IKEv2's names), for logs. */
static void offer_str(struct ike_sa *sa, const struct ikev1_qm *qm, char *buf, size_t len)
{
	static struct ikev2_sa o;
	const struct conf_item *pol = ike_policy_by_id(sa->eng, qm->child->policy_id);
	uint8_t proto = qm->child->proto == IPPROTO_AH ? IKEV2_PROTO_AH : IKEV2_PROTO_ESP;
	char err[160];

	snprintf(buf, len, "?");
	if (pol && ike_offer_child(ike_proposal_of(sa->eng->conf, pol), proto, qm->pfs != 0,
				   ikev1_p2_supported, &o, err, sizeof(err)) == 0)
		ike_offer_str(&o, buf, len);
}

void ikev1_qm_refused(struct ike_sa *sa, const struct ikev1_notify *n)
{
	struct ikev1_qm *qm = NULL, *only = NULL;
	unsigned waiting = 0;
	uint32_t spi = 0;
	char ours[256];

	if (n->spi.len == 4)
		spi = (uint32_t)n->spi.ptr[0] << 24 | (uint32_t)n->spi.ptr[1] << 16 |
		      (uint32_t)n->spi.ptr[2] << 8 | n->spi.ptr[3];
	for (struct ikev1_qm *q = sa->v1->qms; q; q = q->next) {
		if (!q->initiator || q->done || !q->child)
			continue;
		waiting++;
		only = q;
		if (spi && q->child->spi_in == spi)
			qm = q;
	}
	if (!qm && !spi && waiting == 1)
		qm = only;
	if (!qm) {
		log_info(LOG_IKE, sa->ctx, "peer says: %s", ikev1_notify_name(n->type));
		return;
	}
	offer_str(sa, qm, ours, sizeof(ours));
	ike_sa_fail(sa, "quick mode %08x refused by the peer: %s (we offered %s)", qm->mid,
		    ikev1_notify_name(n->type), ours);
	qm_drop(sa, qm);
	ikev1_disarm(sa);
}

void ikev1_child_install_failed(struct ike_sa *sa, struct ike_child *c, int err, const char *msg)
{
	ike_sa_fail(sa, "IPsec SA #%u could not be installed in the kernel: %s", c->serial,
		    msg ? msg : strerror(-err));
	if (c->state <= CHILD_STATE_INSTALLED)
		ikev1_delete_child(sa, c);
}
