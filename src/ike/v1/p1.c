/* p1: IKEv1 phase 1, the ISAKMP SA (RFC 2409 5): main mode (identity protection, six
 * messages) and aggressive mode (three), with pre-shared keys or signatures (p1_sig.c
 * signs and checks: SIG and CERT take the place of HASH); base mode, four, is in base.c
 * and shares the pieces at the end of this file; vendor IDs, NAT discovery and the move
 * to port 4500 are p1_nat.c's. The peer is found by address; which of its identities
 * serves a responder is p1_id.c's (by the initiator's ID, except main mode with a
 * pre-shared key: the key must be known before the ID, which travels encrypted under
 * it, so it is the first identity's, as RouterOS does). Aggressive mode shows the ID in
 * the clear and so lets a listener try keys offline: a warning says so once per peer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v1.h"

/* --- the chosen algorithms in IKEv1's numbers --- */

static uint16_t encr_v1(uint16_t v2)
{
	switch (v2) {
	case IKE_ENCR_AES_CBC:
		return IKEV1_ENCR_AES_CBC;
	case IKE_ENCR_3DES:
		return IKEV1_ENCR_3DES_CBC;
	case IKE_ENCR_CAMELLIA_CBC:
		return IKEV1_ENCR_CAMELLIA_CBC;
	case IKE_ENCR_DES:
		return IKEV1_ENCR_DES_CBC;
	case IKE_ENCR_BLOWFISH:
		return IKEV1_ENCR_BLOWFISH_CBC;
	default:
		return 0;
	}
}

static uint16_t hash_v1(uint16_t prf_v2)
{
	switch (prf_v2) {
	case 1: /* PRF_HMAC_MD5 */
		return IKEV1_HASH_MD5;
	case 2: /* PRF_HMAC_SHA1 */
		return IKEV1_HASH_SHA1;
	case 5:
		return IKEV1_HASH_SHA2_256;
	case 6:
		return IKEV1_HASH_SHA2_384;
	case 7:
		return IKEV1_HASH_SHA2_512;
	default:
		return 0;
	}
}

/* The identity's authentication method as IKEv1 names it; 0 (logged) for those this
 * version does not do over IKEv1 yet. */
static uint16_t auth_method(struct ike_sa *sa, const struct conf_item *id)
{
	enum ike_auth m = ike_auth_of(id);

	if (m == IKE_AUTH_PSK)
		return IKEV1_AUTH_PSK;
	if (m == IKE_AUTH_PSK_XAUTH) /* the initiator is the XAuth client */
		return IKEV1_AUTH_XAUTH_INIT_PSK;
	if (ikev1_sig_used(id))
		return ikev1_sig_method(sa, id);
	ike_sa_fail(sa,
		    "auth-method=%s is not done by IKEv1 (pre-shared-key, pre-shared-key-xauth, "
		    "digital-signature, rsa-key and rsa-signature-hybrid are)",
		    ike_choice(id, CONF_IDENTITY_AUTH_METHOD));
	return 0;
}

/* --- keys --- */

static void p1_bytes(const struct ike_sa *sa, struct ikev1_p1 *p)
{
	const struct ikev1_state *v = sa->v1;

	memset(p, 0, sizeof(*p));
	p->hash = v->hash;
	p->gxi = (struct crypto_iov){v->gxi.ptr, v->gxi.len};
	p->gxr = (struct crypto_iov){v->gxr.ptr, v->gxr.len};
	p->ni = (struct crypto_iov){sa->ni.ptr, sa->ni.len};
	p->nr = (struct crypto_iov){sa->nr.ptr, sa->nr.len};
	ikev1_cookie_bytes(sa->spi_i, p->cky_i);
	ikev1_cookie_bytes(sa->spi_r, p->cky_r);
	p->sai_b = (struct crypto_iov){v->sai_b.ptr, v->sai_b.len};
}

/* Once both KE and nonces are known: SKEYID and its children, the cipher, phase 1's IV. */
static int make_keys(struct ike_sa *sa, const uint8_t *peer_pub, size_t peer_len)
{
	struct ikev1_state *v = sa->v1;
	struct crypto_chunk gxy = {0}, skeyid = {0};
	uint16_t encr = encr_v1(sa->alg.encr);
	size_t klen = crypto_v1_encr_key_len(encr, sa->alg.encr_keylen);
	struct ikev1_p1 p;
	int r;

	if (!klen || crypto_dh_shared(sa->dh, peer_pub, peer_len, &gxy) < 0)
		return -EBADMSG;
	p1_bytes(sa, &p);
	/* RFC 2409 5: SKEYID of signatures does without a shared secret */
	r = ikev1_auth_is_sig(v->auth_method)
		    ? ikev1_skeyid_sig(&p, gxy.ptr, gxy.len, &skeyid)
		    : ikev1_skeyid_psk(&p, v->psk.ptr, v->psk.len, &skeyid);
	if (r == 0)
		r = ikev1_derive_keys(&p, &skeyid, gxy.ptr, gxy.len, klen, &v->keys);
	crypto_chunk_clear(&skeyid);
	crypto_chunk_clear(&gxy);
	crypto_chunk_clear(&v->psk);
	if (r < 0)
		return r;
	v->cbc = crypto_v1_cbc_new(encr, sa->alg.encr_keylen, v->keys.enc_key.ptr,
				   v->keys.enc_key.len);
	if (!v->cbc)
		return -EINVAL;
	return ikev1_ivs_init(&v->ivs, &p, crypto_v1_cbc_block_len(v->cbc));
}

static int hash_of(struct ike_sa *sa, bool initiator, const struct crypto_chunk *id_b, uint8_t *out)
{
	struct ikev1_p1 p;
	struct crypto_iov id = {id_b->ptr, id_b->len};

	p1_bytes(sa, &p);
	return initiator ? ikev1_hash_i(&p, &sa->v1->keys.skeyid, &id, out)
			 : ikev1_hash_r(&p, &sa->v1->keys.skeyid, &id, out);
}

static int keep(struct crypto_chunk *c, const void *p, size_t len)
{
	crypto_chunk_clear(c);
	if (!(c->ptr = malloc(len ? len : 1)))
		return -ENOMEM;
	memcpy(c->ptr, p, len);
	c->len = len;
	return 0;
}

static int new_nonce(struct crypto_chunk *n)
{
	crypto_chunk_clear(n);
	n->ptr = malloc(IKEV1_NONCE_LEN);
	n->len = IKEV1_NONCE_LEN;
	return n->ptr && crypto_random(n->ptr, n->len) == 0 ? 0 : -ENOMEM;
}

static int load_psk(struct ike_sa *sa, const struct conf_item *id)
{
	if (ikev1_sig_used(id)) /* auth_method() checked the certificate or key */
		return 0;
	if (ike_psk(id, &sa->v1->psk) < 0) {
		ike_sa_fail(sa, "the identity has no secret");
		return -ENOENT;
	}
	return 0;
}

/* The offer for this SA's identity. */
static int offer(struct ike_sa *sa, const struct conf_item *id, struct ikev1_sa_buf *out)
{
	static char err[200];
	uint16_t m = auth_method(sa, id);
	const struct conf_item *prof = ikev1_profile(sa);

	if (!m || !prof)
		return -EINVAL;
	if (ikev1_offer_p1(prof, m, ikev1_p1_supported, out, err, sizeof(err)) < 0) {
		ike_sa_fail(sa, "%s", err);
		return -EINVAL;
	}
	sa->v1->auth_method = m;
	return 0;
}

/* Takes the chosen transform: algorithms, hash, lifetime. */
static int take_choice(struct ike_sa *sa, const struct ike_chosen *ch, uint32_t life)
{
	struct ikev1_state *v = sa->v1;
	const struct conf_item *prof = ikev1_profile(sa);
	uint32_t ours = prof ? (uint32_t)conf_int(prof, CONF_PROFILE_LIFETIME) : 86400;

	sa->alg = *ch;
	v->hash = hash_v1(ch->prf);
	v->life = life && (!ours || life < ours) ? life : ours;
	if (!crypto_v1_hash_supported(v->hash) || !encr_v1(ch->encr))
		return -EINVAL;
	return 0;
}

static const char *mode_name(uint8_t exch)
{
	return exch == IKEV1_EXCH_AGGRESSIVE ? "aggressive mode"
	       : exch == IKEV1_EXCH_BASE     ? "base mode"
					     : "main mode";
}

static void established(struct ike_sa *sa)
{
	struct ikev1_state *v = sa->v1;

	v->p1 = IKEV1_P1_DONE;
	wbuf_free(&sa->req_pkt);
	loop_timer_free(sa->rtx);
	sa->rtx = NULL;
	crypto_chunk_clear(&v->gxi);
	crypto_chunk_clear(&v->gxr);
	crypto_chunk_clear(&v->sai_b);
	ike_half_del(sa);
	sa->last_error[0] = '\0';
	ike_sa_established(sa);
	/* the ISAKMP SA lives its negotiated lifetime, not the profile's */
	sa->rekey_at = v->life ? sa->established + v->life * (sa->initiator ? 0.90 : 0.95) : 0;
	ike_sa_schedule(sa);
	log_info(LOG_IKE, sa->ctx, "ISAKMP SA established (%s, %s) with %s", mode_name(v->exch),
		 sa->initiator ? "initiator" : "responder", sa->remote_id ? sa->remote_id : "?");
	ikev1_take_held(sa);
	if (v->replaces)
		ikev1_p1_take_over(sa);
	ikev1_cfg_start(sa);
	if (sa->pending_policy && !ikev1_cfg_busy(sa)) {
		sa->tasks |= IKE_TASK_CHILD_CREATE;
		sa->ops->run_tasks(sa);
	}
}

/* Our proof over our HASH h: the HASH itself, or [CERT,] SIG with signatures. */
static int put_proof(struct ike_sa *sa, struct ikev1_enc *e, const uint8_t *h)
{
	const struct conf_item *id;
	size_t hl = crypto_v1_hash_len(sa->v1->hash);

	if (!ikev1_sig_signs(sa->v1->auth_method, sa->initiator)) {
		ikev1_put_hash(e, h, hl);
		return 0;
	}
	return (id = ikev1_p1_identity(sa)) ? ikev1_sig_put(sa, id, h, hl, e) : -ENOENT;
}

/* The peer's proof over our computation h of its HASH: the HASH, or its SIG (p1_sig.c
 * checks the ID in id_b and the certificate too). what: "HASH_I" or "HASH_R". */
static int check_proof(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_msg *m,
		       const struct crypto_chunk *id_b, const uint8_t *h, const char *what)
{
	size_t hl = crypto_v1_hash_len(sa->v1->hash);

	if (ikev1_sig_signs(sa->v1->auth_method, !sa->initiator))
		return ikev1_sig_check(sa, id, m, id_b, h, hl);
	if (!m->nhash)
		return -EBADMSG;
	if (m->hash[0].len != hl || !crypto_memeq(m->hash[0].ptr, h, hl)) {
		ike_sa_fail(sa, "the peer's %s is wrong: %s", what,
			    ikev1_auth_is_sig(sa->v1->auth_method) ? "the keys differ"
								   : "the pre-shared keys differ");
		return -EPERM;
	}
	return 1; /* the ID is the caller's to check */
}

/* A message in the clear: header, then what build puts in. 0, or -EIO when build failed
 * (nothing is sent). */
static int send_plain(struct ike_sa *sa, uint8_t exch, bool expect_reply,
		      void (*build)(struct ike_sa *sa, struct ikev1_enc *e, void *arg), void *arg)
{
	struct wbuf w;
	struct ikev1_enc e;
	struct ikev1_hdr h;

	wbuf_init(&w);
	ikev1_hdr_for(sa, exch, 0, false, &h);
	ikev1_enc_begin(&e, &w, &h);
	build(sa, &e, arg);
	ikev1_enc_end(&e);
	bool ok = !w.err;

	if (ok)
		ikev1_send_p1(sa, &w, expect_reply);
	wbuf_free(&w);
	return ok ? 0 : -EIO;
}

/* An encrypted phase 1 message: [ID,] HASH [, NAT-D...] [, INITIAL-CONTACT]. id_b: the
 * ID of the hash; sent when send_id (main mode), not in aggressive mode's third message,
 * which carries the NAT-D payloads instead. */
static int send_id_hash(struct ike_sa *sa, uint8_t exch, const struct crypto_chunk *id_b,
			bool send_id, bool initiator, bool initial_contact, bool expect_reply)
{
	uint8_t h[CRYPTO_V1_MAX_HASH];
	struct wbuf plain, out;
	struct ikev1_enc e;
	struct ikev1_hdr hdr;
	int r = hash_of(sa, initiator, id_b, h);

	if (r < 0)
		return r;
	wbuf_init(&plain);
	wbuf_init(&out);
	plain.secret = true;
	ikev1_enc_chain_begin(&e, &plain);
	if (send_id)
		ikev1_p1_put_id(&e, id_b);
	if ((r = put_proof(sa, &e, h)) < 0) {
		wbuf_free(&plain);
		return r;
	}
	if (!send_id)
		ikev1_p1_put_natd(sa, &e);
	if (initial_contact) {
		uint8_t spi[16];

		ikev1_cookie_bytes(sa->spi_i, spi);
		ikev1_cookie_bytes(sa->spi_r, spi + 8);
		ikev1_put_notify(&e, IKEV1_DOI_IPSEC, IKEV1_PROTO_ISAKMP, IKEV1_N_INITIAL_CONTACT,
				 spi, 16, NULL, 0);
	}
	ikev1_hdr_for(sa, exch, 0, true, &hdr);
	r = ikev1_seal(sa, &hdr, e.first, &plain, &out);
	if (r == 0)
		ikev1_send_p1(sa, &out, expect_reply);
	wbuf_free(&plain);
	wbuf_free(&out);
	return r;
}

/* --- initiator --- */

struct first {
	const struct ikev1_sa *sa;
	const struct crypto_chunk *id_b; /* aggressive mode */
};

static void build_first(struct ike_sa *sa, struct ikev1_enc *e, void *arg)
{
	const struct first *f = arg;
	size_t off = ikev1_put_sa(e, f->sa);
	size_t len = (size_t)e->w->p[off + 2] << 8 | e->w->p[off + 3];

	if (!e->w->err)
		keep(&sa->v1->sai_b, e->w->p + off + 4, len - 4);
	if (f->id_b) {
		size_t publen;
		const uint8_t *pub = crypto_dh_public(sa->dh, &publen);

		ikev1_put_ke(e, pub, publen);
		ikev1_put_nonce(e, sa->ni.ptr, sa->ni.len);
		ikev1_p1_put_id(e, f->id_b);
		ikev1_sig_put_certreq(sa, e);
		keep(&sa->v1->gxi, pub, publen);
	}
	ikev1_p1_put_vids(sa, e);
}

int ikev1_p1_start(struct ike_sa *sa)
{
	static struct ikev1_sa_buf o;
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = ikev1_p1_identity(sa);
	struct first f = {.sa = &o.sa};

	if (!id || offer(sa, id, &o) < 0 || load_psk(sa, id) < 0)
		return -EINVAL;
	if (v->exch == IKEV1_EXCH_BASE)
		return ikev1_base_start(sa, &o.sa);
	if (v->exch == IKEV1_EXCH_AGGRESSIVE) {
		/* the group is the profile's first: there is no second try in aggressive mode */
		uint16_t group = 0;

		for (unsigned i = 0; i < o.sa.t[0].nattr; i++)
			if (o.sa.a[o.sa.t[0].first_attr + i].type == IKEV1_P1_GROUP_DESC)
				group = o.sa.a[o.sa.t[0].first_attr + i].val;
		if (!(sa->dh = crypto_dh_new(group)) || new_nonce(&sa->ni) < 0 ||
		    ikev1_p1_my_id(sa, id, &v->idi_b) < 0)
			return -ENOMEM;
		f.id_b = &v->idi_b;
		if (!ikev1_auth_is_sig(v->auth_method))
			log_warn(LOG_IKE, sa->ctx,
				 "aggressive mode with a pre-shared key: its hash can be captured "
				 "and the key guessed offline");
	}
	v->p1 = v->exch == IKEV1_EXCH_AGGRESSIVE ? IKEV1_AM_I1 : IKEV1_MM_I1;
	sa->state = IKE_STATE_INIT_SENT;
	send_plain(sa, v->exch, true, build_first, &f);
	log_info(LOG_IKE, sa->ctx, "initiating %s to %s",
		 v->exch == IKEV1_EXCH_AGGRESSIVE ? "aggressive mode" : "main mode",
		 sa->peer ? sa->peer : "?");
	return 0;
}

static void build_ke(struct ike_sa *sa, struct ikev1_enc *e, void *arg)
{
	size_t publen;
	const uint8_t *pub = crypto_dh_public(sa->dh, &publen);
	struct crypto_chunk *mine = arg;

	ikev1_put_ke(e, pub, publen);
	ikev1_put_nonce(e, sa->initiator ? sa->ni.ptr : sa->nr.ptr, IKEV1_NONCE_LEN);
	ikev1_sig_put_certreq(sa, e);
	ikev1_p1_put_natd(sa, e);
	keep(mine, pub, publen);
}

static void mm_i_r1(struct ike_sa *sa, const struct ikev1_msg *m)
{
	static struct ikev1_sa_buf o;
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = ikev1_p1_identity(sa);
	struct ike_chosen ch;
	uint32_t life;

	if (!ikev1_has(m, IKEV1_PLD_SA) || !id || offer(sa, id, &o) < 0 ||
	    ikev1_accept_p1(&o.sa, &m->sa, &ch, &life) < 0 || take_choice(sa, &ch, life) < 0) {
		ike_sa_fail(sa, "the peer's phase 1 answer is not one we offered");
		ike_sa_destroy(sa, false);
		return;
	}
	sa->spi_r = m->hdr.rcookie;
	ikev1_p1_read_vids(sa, m);
	if (!(sa->dh = crypto_dh_new(ch.dh)) || new_nonce(&sa->ni) < 0) {
		ike_sa_destroy(sa, false);
		return;
	}
	v->p1 = IKEV1_MM_I2;
	send_plain(sa, IKEV1_EXCH_IDPROT, true, build_ke, &v->gxi);
}

static void mm_i_r2(struct ike_sa *sa, const struct ikev1_msg *m)
{
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = ikev1_p1_identity(sa);

	if (!ikev1_has(m, IKEV1_PLD_KE) || !ikev1_has(m, IKEV1_PLD_NONCE) || !id ||
	    keep(&sa->nr, m->nonce.ptr, m->nonce.len) < 0 ||
	    keep(&v->gxr, m->ke.ptr, m->ke.len) < 0 || make_keys(sa, m->ke.ptr, m->ke.len) < 0 ||
	    ikev1_p1_my_id(sa, id, &v->idi_b) < 0) {
		ike_sa_fail(sa, "the peer's key exchange is missing or bad");
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_p1_read_natd(sa, m);
	ikev1_p1_float(sa);
	v->p1 = IKEV1_MM_I3;
	sa->state = IKE_STATE_AUTH_SENT;
	if (send_id_hash(sa, IKEV1_EXCH_IDPROT, &v->idi_b, true, true, ikev1_p1_wants_ic(sa),
			 true) < 0)
		ike_sa_destroy(sa, false);
}

/* The responder's ID and HASH_R (main mode's last message, aggressive mode's second). */
static int check_hash_r(struct ike_sa *sa, const struct ikev1_msg *m)
{
	const struct conf_item *id = ikev1_p1_identity(sa);
	uint8_t h[CRYPTO_V1_MAX_HASH];
	int r;

	if (!m->nid || !id)
		return -EBADMSG;
	if (keep(&sa->v1->idr_b, m->id[0].body.ptr, m->id[0].body.len) < 0 ||
	    hash_of(sa, false, &sa->v1->idr_b, h) < 0)
		return -ENOMEM;
	r = check_proof(sa, id, m, &sa->v1->idr_b, h, "HASH_R");
	return r == 1 ? ikev1_p1_check_id(sa, id, &m->id[0]) : r;
}

/* Aggressive mode's answer: SA, KE, Nr, IDir, HASH_R; then HDR*, HASH_I and NAT-D. */
static void aggressive_i(struct ike_sa *sa, const struct ikev1_msg *m)
{
	static struct ikev1_sa_buf o;
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = ikev1_p1_identity(sa);
	struct ike_chosen ch;
	uint32_t life;
	int r = -EBADMSG;

	if (ikev1_has(m, IKEV1_PLD_SA) && ikev1_has(m, IKEV1_PLD_KE) &&
	    ikev1_has(m, IKEV1_PLD_NONCE) && id && offer(sa, id, &o) == 0 &&
	    ikev1_accept_p1(&o.sa, &m->sa, &ch, &life) == 0 && ch.dh == crypto_dh_group(sa->dh) &&
	    take_choice(sa, &ch, life) == 0) {
		sa->spi_r = m->hdr.rcookie;
		ikev1_p1_read_vids(sa, m);
		if (keep(&sa->nr, m->nonce.ptr, m->nonce.len) == 0 &&
		    keep(&v->gxr, m->ke.ptr, m->ke.len) == 0 &&
		    make_keys(sa, m->ke.ptr, m->ke.len) == 0)
			r = check_hash_r(sa, m);
	} else {
		ike_sa_fail(sa, "the peer's aggressive mode answer is not one we offered");
	}
	if (r < 0) {
		if (r == -EPERM)
			sa->eng->st.rx_auth_failed++;
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_p1_read_natd(sa, m);
	ikev1_p1_float(sa);
	if (send_id_hash(sa, IKEV1_EXCH_AGGRESSIVE, &v->idi_b, false, true, ikev1_p1_wants_ic(sa),
			 false) < 0) {
		ike_sa_destroy(sa, false);
		return;
	}
	established(sa);
}

/* --- responder --- */

static void build_r1(struct ike_sa *sa, struct ikev1_enc *e, void *arg)
{
	ikev1_put_sa(e, arg);
	ikev1_p1_put_vids(sa, e);
}

struct am_r1 {
	const struct ikev1_sa *sa;
};

static void build_am_r1(struct ike_sa *sa, struct ikev1_enc *e, void *arg)
{
	struct ikev1_state *v = sa->v1;
	uint8_t h[CRYPTO_V1_MAX_HASH];
	size_t publen;
	const uint8_t *pub = crypto_dh_public(sa->dh, &publen);

	ikev1_put_sa(e, arg);
	ikev1_put_ke(e, pub, publen);
	ikev1_put_nonce(e, sa->nr.ptr, sa->nr.len);
	ikev1_p1_put_id(e, &v->idr_b);
	if (hash_of(sa, false, &v->idr_b, h) < 0 || put_proof(sa, e, h) < 0)
		e->w->err = true;
	ikev1_sig_put_certreq(sa, e);
	ikev1_p1_put_vids(sa, e);
	ikev1_p1_put_natd(sa, e);
}

static const struct conf_item *peer_for(struct ike *eng, const struct net_pkt *p, uint8_t exch)
{
	const struct conf_item *peer = ike_peer_for_addr(eng, &p->remote, &p->local, 1);
	const char *mode = peer ? ike_choice(peer, CONF_PEER_EXCHANGE_MODE) : NULL;
	char a[64];

	if (!peer) {
		log_info(LOG_IKE, NULL, "IKEv1 from %s: no IKEv1 peer matches",
			 net_addr_str(&p->remote, a, sizeof(a)));
		return NULL;
	}
	if (strncmp(mode, mode_name(exch), strlen(mode))) { /* "main" for "main mode" */
		log_info(LOG_IKE, NULL, "IKEv1 %s from %s: peer %s has exchange-mode=%s",
			 ikev1_exch_name(exch), net_addr_str(&p->remote, a, sizeof(a)),
			 conf_str(peer, CONF_PEER_NAME), mode);
		return NULL;
	}
	return peer;
}

/* Our phase 1 offer as a human reads it (the profile's, in IKEv2's names), for logs. */
static void our_offer_str(const struct ike_sa *sa, char *buf, size_t len)
{
	static struct ikev2_sa o;
	const struct conf_item *prof = ikev1_profile(sa);
	char err[160];

	snprintf(buf, len, "?");
	if (prof && ike_offer_ike(prof, ikev1_p1_supported, &o, err, sizeof(err)) == 0)
		ike_offer_str(&o, buf, len);
}

static void no_proposal_chosen(struct ike_sa *sa, const struct ikev1_sa *theirs)
{
	char mine[256], their[512];

	our_offer_str(sa, mine, sizeof(mine));
	ikev1_p1_str(theirs, their, sizeof(their));
	ike_sa_fail(sa, "no proposal chosen: we accept %s, they offered %s", mine, their);
}

/* The first message of a peer: a new ISAKMP SA, half-open until phase 1 completes. */
static void respond_first(struct ike *eng, const struct net_pkt *p, const struct ikev1_msg *m)
{
	static struct ikev1_sa_buf ours;
	static struct ikev1_sa reply;
	const struct conf_item *peer;
	struct ike_sa *sa;
	struct ike_chosen ch;
	uint32_t life;
	unsigned trans;
	bool clash;

	if ((sa = ike_half_find(eng, m->hdr.icookie, &p->remote, &clash))) {
		if (sa->resp_pkt.len) /* our answer was lost */
			ikev1_send(sa, &sa->resp_pkt);
		return;
	}
	if (clash || m->hdr.msgid || !ikev1_has(m, IKEV1_PLD_SA) ||
	    ike_half_admit(eng, &p->remote) < 0 || !(peer = peer_for(eng, p, m->hdr.exch))) {
		eng->st.rx_dropped++;
		return;
	}
	sa = ike_sa_new(eng, &ikev1_ops, conf_str(peer, CONF_PEER_NAME), false, &p->local,
			&p->remote);
	if (!sa || !(sa->v1 = calloc(1, sizeof(*sa->v1)))) {
		if (sa)
			ike_sa_destroy(sa, false);
		return;
	}
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id;

	sa->spi_i = m->hdr.icookie;
	sa->natt = p->natt;
	sa->rx_packets++;
	sa->rx_bytes += p->len;
	v->exch = m->hdr.exch;
	/* aggressive and base mode show the initiator's ID in the clear: it picks the
	 * identity, and so the key; main mode's comes later, encrypted (p1_id.c) */
	if (v->exch != IKEV1_EXCH_IDPROT && m->nid == 1 && ikev1_p1_choose(sa, m, true) < 0) {
		eng->st.rx_auth_failed++;
		ikev1_notify_plain(eng, p, &m->hdr, IKEV1_N_INVALID_ID_INFORMATION);
		ike_sa_destroy(sa, false);
		return;
	}
	id = ikev1_p1_identity(sa);
	ikev1_p1_read_vids(sa, m);
	if (!id || offer(sa, id, &ours) < 0 || load_psk(sa, id) < 0 ||
	    ikev1_choose_p1(&ours.sa, &m->sa, v->auth_method, &ch, &life, &trans) < 0 ||
	    take_choice(sa, &ch, life) < 0 || keep(&v->sai_b, m->sa_body.ptr, m->sa_body.len) < 0 ||
	    ike_half_add(sa) < 0) {
		if (sa->last_error[0] == '\0')
			no_proposal_chosen(sa, &m->sa);
		ikev1_notify_plain(eng, p, &m->hdr, IKEV1_N_NO_PROPOSAL_CHOSEN);
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_reply_p1(&m->sa, trans, &reply);
	sa->state = IKE_STATE_INIT_DONE;
	if (v->exch == IKEV1_EXCH_BASE) {
		ikev1_base_respond(sa, m, &reply);
		return;
	}
	if (v->exch == IKEV1_EXCH_IDPROT) {
		v->p1 = IKEV1_MM_R1;
		send_plain(sa, IKEV1_EXCH_IDPROT, false, build_r1, &reply);
		return;
	}
	/* aggressive: KE, Ni and the ID came along */
	if (!ikev1_auth_is_sig(v->auth_method))
		log_warn(LOG_IKE, sa->ctx,
			 "aggressive mode with a pre-shared key: its hash can be captured and the "
			 "key guessed offline");
	if (!ikev1_has(m, IKEV1_PLD_KE) || !ikev1_has(m, IKEV1_PLD_NONCE) || !m->nid ||
	    m->nid > 1 || !(sa->dh = ike_responder_dh(sa->eng, ch.dh)) || new_nonce(&sa->nr) < 0 ||
	    keep(&sa->ni, m->nonce.ptr, m->nonce.len) < 0 ||
	    keep(&v->gxi, m->ke.ptr, m->ke.len) < 0 ||
	    keep(&v->idi_b, m->id[0].body.ptr, m->id[0].body.len) < 0 ||
	    ikev1_p1_check_id(sa, id, &m->id[0]) < 0 || ikev1_p1_my_id(sa, id, &v->idr_b) < 0) {
		if (sa->last_error[0] == '\0')
			ike_sa_fail(sa, "the aggressive mode request lacks KE, nonce or ID");
		ike_sa_destroy(sa, false);
		return;
	}
	size_t publen;
	const uint8_t *pub = crypto_dh_public(sa->dh, &publen);

	if (keep(&v->gxr, pub, publen) < 0 || make_keys(sa, m->ke.ptr, m->ke.len) < 0) {
		ike_sa_fail(sa, "the peer's key exchange is bad");
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_p1_read_natd(sa, m);
	v->p1 = IKEV1_AM_R1;
	send_plain(sa, IKEV1_EXCH_AGGRESSIVE, false, build_am_r1, &reply);
}

static void mm_r_i2(struct ike_sa *sa, const struct ikev1_msg *m)
{
	struct ikev1_state *v = sa->v1;

	if (!ikev1_has(m, IKEV1_PLD_KE) || !ikev1_has(m, IKEV1_PLD_NONCE) ||
	    !(sa->dh = ike_responder_dh(sa->eng, sa->alg.dh)) || new_nonce(&sa->nr) < 0 ||
	    keep(&sa->ni, m->nonce.ptr, m->nonce.len) < 0 ||
	    keep(&v->gxi, m->ke.ptr, m->ke.len) < 0) {
		ike_sa_fail(sa, "the peer's key exchange is missing");
		ike_sa_destroy(sa, false);
		return;
	}
	size_t publen;
	const uint8_t *pub = crypto_dh_public(sa->dh, &publen);

	if (keep(&v->gxr, pub, publen) < 0 || make_keys(sa, m->ke.ptr, m->ke.len) < 0) {
		ike_sa_fail(sa, "the peer's key exchange is bad");
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_p1_read_natd(sa, m);
	v->p1 = IKEV1_MM_R2;
	send_plain(sa, IKEV1_EXCH_IDPROT, false, build_ke, &v->gxr);
}

/* The initiator's ID and HASH_I (main mode's fifth message, aggressive mode's third). */
static int check_hash_i(struct ike_sa *sa, const struct ikev1_msg *m, bool with_id)
{
	const struct conf_item *id;
	uint8_t h[CRYPTO_V1_MAX_HASH];
	int r;

	/* main mode with signatures: the ID (and certificate) now in hand picks the identity;
	 * with a pre-shared key it cannot, the key had to decrypt them (p1_id.c) */
	if (with_id && ikev1_auth_is_sig(sa->v1->auth_method) && ikev1_p1_choose(sa, m, false) < 0)
		return -EPERM;
	if (!(id = ikev1_p1_identity(sa)) || (with_id && !m->nid))
		return -EBADMSG;
	if (with_id && keep(&sa->v1->idi_b, m->id[0].body.ptr, m->id[0].body.len) < 0)
		return -ENOMEM;
	if (hash_of(sa, true, &sa->v1->idi_b, h) < 0)
		return -ENOMEM;
	if ((r = check_proof(sa, id, m, &sa->v1->idi_b, h, "HASH_I")) != 1)
		return r;
	return with_id ? ikev1_p1_check_id(sa, id, &m->id[0]) : 0;
}

/* The same message as the last one taken: its answer was lost, and a responder sends that
 * again (an encrypted repeat would not even decrypt: phase 1's IV has moved on). An
 * initiator's own retransmissions take care of the reverse. */
static bool p1_repeat(struct ike_sa *sa, const struct net_pkt *p)
{
	struct ikev1_state *v = sa->v1;
	struct crypto_iov iov = {p->data, p->len};
	uint8_t d[20];

	if (crypto_sha1(&iov, 1, d) < 0)
		return false;
	if (v->have_p1_rx && !memcmp(d, v->p1_rx, sizeof(d))) {
		if (sa->initiator)
			sa->eng->st.rx_dropped++;
		else if (sa->resp_pkt.len)
			ikev1_send(sa, &sa->resp_pkt);
		return true;
	}
	memcpy(v->p1_rx, d, sizeof(d));
	v->have_p1_rx = true;
	return false;
}

/* --- the encrypted phase 1 messages --- */

/* Opens an encrypted phase 1 message with phase 1's IV chain. */
static int open_p1(struct ike_sa *sa, const struct ikev1_msg *in, struct ikev1_msg *m,
		   uint8_t **plain)
{
	struct ikev1_state *v = sa->v1;
	uint8_t iv[CRYPTO_V1_MAX_BLOCK], next[CRYPTO_V1_MAX_BLOCK];

	if (!v->cbc || !in->enc.len || ikev1_ivs_get(&v->ivs, 0, iv) < 0 ||
	    !(*plain = malloc(in->enc.len)))
		return -EINVAL;
	if (crypto_v1_cbc_decrypt(v->cbc, iv, in->enc.ptr, in->enc.len, *plain, next) < 0 ||
	    ikev1_decode_chain(*plain, in->enc.len, in->hdr.next, m) < 0)
		return -EBADMSG;
	ikev1_ivs_set(&v->ivs, 0, next);
	return 0;
}

void ikev1_p1_recv(struct ike *eng, struct ike_sa *sa, const struct net_pkt *p,
		   const struct ikev1_msg *m)
{
	static struct ikev1_msg dec;
	uint8_t *plain = NULL;
	int r = 0;

	if (!sa) {
		if (!m->hdr.rcookie)
			respond_first(eng, p, m);
		return;
	}
	struct ikev1_state *v = sa->v1;

	if (m->hdr.exch != v->exch || m->hdr.msgid) {
		eng->st.rx_dropped++;
		return;
	}
	if (p1_repeat(sa, p))
		return;
	ikev1_p1_follow_float(sa, p);
	if (m->hdr.flags & IKEV1_FLAG_ENCRYPTION) {
		memcpy(&dec, m, sizeof(dec));
		r = open_p1(sa, m, &dec, &plain);
		m = &dec;
		if (r < 0 &&
		    (v->p1 == IKEV1_MM_R2 || v->p1 == IKEV1_MM_I3 || v->p1 == IKEV1_AM_R1)) {
			/* the first message under the new keys: garbage means other keys */
			eng->st.rx_auth_failed++;
			ike_sa_fail(sa,
				    "the peer's encrypted %s message does not decrypt (%s): the "
				    "pre-shared keys differ",
				    ikev1_exch_name(v->exch), dec.why ? dec.why : "no payloads");
			free(plain);
			ike_sa_destroy(sa, false);
			return;
		}
		if (r < 0) {
			eng->st.rx_malformed++;
			log_debug(LOG_IKE, sa->ctx, "encrypted phase 1 message dropped: %s",
				  dec.why ? dec.why : "it does not decrypt");
			free(plain);
			return;
		}
	}
	switch (v->p1) {
	case IKEV1_MM_I1:
		mm_i_r1(sa, m);
		break;
	case IKEV1_MM_R1:
		if (ikev1_has(m, IKEV1_PLD_SA) && sa->resp_pkt.len) /* I1 again */
			ikev1_send(sa, &sa->resp_pkt);
		else
			mm_r_i2(sa, m);
		break;
	case IKEV1_MM_I2:
		mm_i_r2(sa, m);
		break;
	case IKEV1_MM_R2:
		if (!(m->hdr.flags & IKEV1_FLAG_ENCRYPTION)) { /* I2 again */
			if (sa->resp_pkt.len)
				ikev1_send(sa, &sa->resp_pkt);
			break;
		}
		if (check_hash_i(sa, m, true) < 0) {
			ikev1_notify_plain(eng, p, &m->hdr, IKEV1_N_AUTHENTICATION_FAILED);
			sa->eng->st.rx_auth_failed++;
			ike_sa_destroy(sa, false);
			break;
		}
		ikev1_p1_initial_contact_rx(sa, m);
		if (ikev1_p1_my_id(sa, ikev1_p1_identity(sa), &v->idr_b) < 0 ||
		    send_id_hash(sa, IKEV1_EXCH_IDPROT, &v->idr_b, true, false, false, false) < 0) {
			ike_sa_destroy(sa, false);
			break;
		}
		established(sa);
		break;
	case IKEV1_MM_I3:
		if ((r = check_hash_r(sa, m)) < 0) {
			sa->eng->st.rx_auth_failed++;
			ike_sa_destroy(sa, false);
			break;
		}
		established(sa);
		break;
	case IKEV1_AM_I1:
		aggressive_i(sa, m);
		break;
	case IKEV1_AM_R1:
		if (ikev1_has(m, IKEV1_PLD_SA)) { /* the first message again */
			if (sa->resp_pkt.len)
				ikev1_send(sa, &sa->resp_pkt);
			break;
		}
		if (check_hash_i(sa, m, false) < 0) {
			sa->eng->st.rx_auth_failed++;
			ike_sa_destroy(sa, false);
			break;
		}
		/* RFC 3947 3.2: the initiator's NAT-D come with its last message, which it
		 * already sent from port 4500 when it found a NAT */
		ikev1_p1_read_natd(sa, m);
		ikev1_p1_follow_float(sa, p);
		ikev1_p1_initial_contact_rx(sa, m);
		established(sa);
		break;
	case IKEV1_BM_I1:
	case IKEV1_BM_R1:
	case IKEV1_BM_I2:
		ikev1_base_recv(sa, p, m);
		break;
	case IKEV1_P1_DONE:
		/* the peer did not get our last message */
		if (!sa->initiator && sa->resp_pkt.len)
			ikev1_send(sa, &sa->resp_pkt);
		break;
	}
	if (plain) {
		crypto_cleanse(plain, dec.enc.len ? dec.enc.len : 0);
		free(plain);
	}
}

/* RFC 2408 5.5, 3.14.1: an unprotected informational with an error notify during phase 1
 * (strongSwan sends NO-PROPOSAL-CHOSEN or AUTHENTICATION-FAILED so, in the clear, as its
 * keys are not there yet). Nothing authenticates it, but phase 1 cannot go on anyway once
 * the peer has given up: the negotiation ends with the peer's reason in the log. */
void ikev1_p1_notified(struct ike_sa *sa, const struct ikev1_msg *m)
{
	char ours[256];

	for (unsigned i = 0; i < m->nnotify; i++) {
		uint16_t t = m->notify[i].type;

		if (!t || t >= 16384) /* status types, not errors */
			continue;
		if (t == IKEV1_N_NO_PROPOSAL_CHOSEN) {
			our_offer_str(sa, ours, sizeof(ours));
			ike_sa_fail(sa, "peer says NO-PROPOSAL-CHOSEN: we offered %s", ours);
		} else if (t == IKEV1_N_AUTHENTICATION_FAILED) {
			ike_sa_fail(sa, "peer says AUTHENTICATION-FAILED: %s%s",
				    ikev1_auth_is_sig(sa->v1->auth_method)
					    ? "it refused our certificate, signature or ID"
					    : "the pre-shared keys or the IDs differ",
				    sa->v1->exch == IKEV1_EXCH_AGGRESSIVE
					    ? ", or the peer refuses aggressive mode"
					    : "");
		} else {
			ike_sa_fail(sa, "peer says %s during phase 1", ikev1_notify_name(t));
		}
		ike_sa_destroy(sa, false);
		return;
	}
	log_debug(LOG_IKE, sa->ctx, "unprotected informational without an error notify ignored");
}

int ikev1_initiate(struct ike *eng, const struct conf_item *peer, const struct conf_item *policy,
		   const struct kern_sel *acquired)
{
	const char *mode = ike_choice(peer, CONF_PEER_EXCHANGE_MODE);
	const char *name = conf_str(peer, CONF_PEER_NAME);
	struct net_addr local, remote;
	struct ike_sa *sa;
	int r;

	(void)acquired;
	if ((r = ike_peer_endpoints(eng, peer, &local, &remote)) < 0)
		return r;
	if (!(sa = ike_sa_new(eng, &ikev1_ops, name, true, &local, &remote)))
		return -ENOMEM;
	if (!(sa->v1 = calloc(1, sizeof(*sa->v1)))) {
		ike_sa_destroy(sa, false);
		return -ENOMEM;
	}
	sa->v1->exch = !strcmp(mode, "aggressive") ? IKEV1_EXCH_AGGRESSIVE
		       : !strcmp(mode, "base")	   ? IKEV1_EXCH_BASE
						   : IKEV1_EXCH_IDPROT;
	sa->pending_policy = policy ? policy->id : 0;
	if ((r = ikev1_p1_start(sa)) < 0)
		ike_sa_destroy(sa, false);
	return r;
}

/* --- the pieces base mode (base.c) shares with main and aggressive mode --- */

int ikev1_p1_offer(struct ike_sa *sa, const struct conf_item *id, struct ikev1_sa_buf *out)
{
	return offer(sa, id, out);
}

int ikev1_p1_take_choice(struct ike_sa *sa, const struct ike_chosen *ch, uint32_t life)
{
	return take_choice(sa, ch, life);
}

int ikev1_p1_keep(struct crypto_chunk *c, const void *p, size_t len)
{
	return keep(c, p, len);
}

int ikev1_p1_new_nonce(struct crypto_chunk *n)
{
	return new_nonce(n);
}

int ikev1_p1_send_plain(struct ike_sa *sa, uint8_t exch, bool expect_reply,
			void (*build)(struct ike_sa *sa, struct ikev1_enc *e, void *arg), void *arg)
{
	return send_plain(sa, exch, expect_reply, build, arg);
}

void ikev1_p1_bytes(const struct ike_sa *sa, struct ikev1_p1 *p)
{
	p1_bytes(sa, p);
}

int ikev1_p1_make_keys(struct ike_sa *sa, const uint8_t *peer_pub, size_t peer_len)
{
	return make_keys(sa, peer_pub, peer_len);
}

int ikev1_p1_hash(struct ike_sa *sa, bool initiator, const struct crypto_chunk *id_b, uint8_t *out)
{
	return hash_of(sa, initiator, id_b, out);
}

void ikev1_p1_established(struct ike_sa *sa)
{
	established(sa);
}

int ikev1_p1_put_proof(struct ike_sa *sa, struct ikev1_enc *e, const uint8_t *h)
{
	return put_proof(sa, e, h);
}

int ikev1_p1_check_proof(struct ike_sa *sa, const struct conf_item *id, const struct ikev1_msg *m,
			 const struct crypto_chunk *id_b, const uint8_t *h, const char *what)
{
	return check_proof(sa, id, m, id_b, h, what);
}
