/* sa_init: the IKE_SA_INIT exchange (RFC 7296 1.2). The initiator offers the profile's
 * algorithms with a KE of its first group, retries with the group the responder asks for
 * (INVALID_KE_PAYLOAD, 1.2) and with a cookie (2.6); the responder chooses by its own
 * preference, asks for cookies when many IKE SAs are half-open (2.6), and answers
 * retransmitted requests from its cache. Both ends detect NATs (2.23) and derive the IKE
 * SA's keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v2.h"

#define MAX_INIT_RETRIES 3 /* cookie and INVALID_KE round trips */

bool ikev2_ike_supported(uint8_t type, uint16_t id, uint16_t keylen)
{
	switch (type) {
	case IKEV2_TRANS_ENCR:
		return crypto_encr_supported(id, keylen);
	case IKEV2_TRANS_PRF:
		return crypto_prf_supported(id);
	case IKEV2_TRANS_INTEG:
		return crypto_integ_supported(id);
	case IKEV2_TRANS_DH:
		return crypto_dh_supported(id);
	default:
		return true;
	}
}

/* Our IKE offer from the peer's profile. */
static int ike_offer(const struct conf *c, const char *peer, struct ikev2_sa *out, char *err,
		     size_t errlen)
{
	const struct conf_item *p = ike_peer_find(c, peer);
	const struct conf_item *prof = p ? ike_profile_of(c, p) : NULL;

	if (!prof) {
		snprintf(err, errlen, "peer %s has no profile", peer);
		return -ENOENT;
	}
	return ike_offer_ike(prof, ikev2_ike_supported, out, err, errlen);
}

void ikev2_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct net_addr *a, uint8_t out[20])
{
	uint8_t spis[16], port[2] = {(uint8_t)(a->port >> 8), (uint8_t)a->port};

	for (int i = 0; i < 8; i++) {
		spis[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		spis[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	struct crypto_iov iov[] = {
		{spis, 16}, {a->bytes, a->family == AF_INET ? 4u : 16u}, {port, 2}};

	crypto_sha1(iov, 3, out);
}

static void put_natd(struct ikev2_enc *e, const struct ike_sa *sa, uint64_t spi_r)
{
	uint8_t h[20];

	ikev2_natd_hash(sa->spi_i, spi_r, &sa->local, h);
	ikev2_put_notify(e, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP, NULL, 0, h, sizeof(h));
	ikev2_natd_hash(sa->spi_i, spi_r, &sa->remote, h);
	ikev2_put_notify(e, 0, IKEV2_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, h, sizeof(h));
}

/* 2.23: the peer's SOURCE hash against its address as we see it (a NAT in front of it),
 * its DESTINATION hash against our address (a NAT in front of us). */
static void detect_nat(struct ike_sa *sa, const struct ikev2_msg *m)
{
	uint8_t src[20], dst[20];
	bool any_src = false, src_ok = false;
	/* the request's hashes were made before the responder had an SPI: SPIr = 0 */
	uint64_t spi_r = m->hdr.flags & IKEV2_FLAG_RESPONSE ? sa->spi_r : 0;

	ikev2_natd_hash(sa->spi_i, spi_r, &sa->remote, src);
	ikev2_natd_hash(sa->spi_i, spi_r, &sa->local, dst);
	for (unsigned i = 0; i < m->nnotify; i++) {
		const struct ikev2_notify *n = &m->notify[i];

		if (n->type == IKEV2_N_NAT_DETECTION_SOURCE_IP) {
			any_src = true;
			src_ok |= n->data.len == 20 && crypto_memeq(n->data.ptr, src, 20);
		} else if (n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP) {
			sa->nat_here = n->data.len != 20 || !crypto_memeq(n->data.ptr, dst, 20);
		}
	}
	sa->nat_there = any_src && !src_ok;
	if (sa->nat_here || sa->nat_there)
		log_info(LOG_IKE, sa->ctx, "NAT detected %s%s%s",
			 sa->nat_here ? "in front of us" : "",
			 sa->nat_here && sa->nat_there ? " and " : "",
			 sa->nat_there ? "in front of the peer" : "");
}

static bool natt_enabled(const struct ike_sa *sa)
{
	const struct conf_item *p = ike_peer_find(sa->eng->conf, sa->peer);
	const struct conf_item *prof = p ? ike_profile_of(sa->eng->conf, p) : NULL;

	return !prof || conf_bool(prof, CONF_PROFILE_NAT_TRAVERSAL);
}

int ikev2_sa_keys(struct ike_sa *sa, const uint8_t *peer_ke, size_t len,
		  const struct ikev2_keys *old)
{
	struct crypto_chunk gir = {0};
	size_t ekl = crypto_encr_key_len(sa->alg.encr, sa->alg.encr_keylen);
	size_t ikl = sa->alg.integ ? crypto_integ_key_len(sa->alg.integ) : 0;
	int r = crypto_dh_shared(sa->dh, peer_ke, len, &gir);

	if (r < 0)
		return r;
	r = ikev2_derive_ike_keys(sa->alg.prf, old ? &old->sk_d : NULL, old ? old->prf : 0, gir.ptr,
				  gir.len, sa->ni.ptr, sa->ni.len, sa->nr.ptr, sa->nr.len,
				  sa->spi_i, sa->spi_r, ekl, ikl, &sa->v2->keys);
	crypto_chunk_clear(&gir);
	if (r < 0)
		return r;
	const struct ikev2_keys *k = &sa->v2->keys;
	const struct crypto_chunk *eo = sa->initiator ? &k->sk_ei : &k->sk_er;
	const struct crypto_chunk *ao = sa->initiator ? &k->sk_ai : &k->sk_ar;
	const struct crypto_chunk *ei = sa->initiator ? &k->sk_er : &k->sk_ei;
	const struct crypto_chunk *ai = sa->initiator ? &k->sk_ar : &k->sk_ai;

	sa->v2->sk_out = crypto_sk_new(sa->alg.encr, sa->alg.encr_keylen, sa->alg.integ, eo->ptr,
				       eo->len, ao->ptr, ao->len);
	sa->v2->sk_in = crypto_sk_new(sa->alg.encr, sa->alg.encr_keylen, sa->alg.integ, ei->ptr,
				      ei->len, ai->ptr, ai->len);
	/* the SK contexts hold their own copies; only SK_d (CHILD SAs, rekeys) and SK_p
	 * (AUTH) are used from here on */
	crypto_chunk_clear(&sa->v2->keys.sk_ai);
	crypto_chunk_clear(&sa->v2->keys.sk_ar);
	crypto_chunk_clear(&sa->v2->keys.sk_ei);
	crypto_chunk_clear(&sa->v2->keys.sk_er);
	return sa->v2->sk_in && sa->v2->sk_out ? 0 : -EIO;
}

static int new_nonce(struct crypto_chunk *n)
{
	n->ptr = malloc(IKEV2_NONCE_LEN);
	n->len = IKEV2_NONCE_LEN;
	return n->ptr ? crypto_random(n->ptr, n->len) : -ENOMEM;
}

/* --- initiator --- */

static int send_init(struct ike_sa *sa)
{
	struct ikev2_sa offer;
	struct ikev2_hdr h;
	struct ikev2_enc e;
	struct wbuf w;
	size_t publen;
	char err[160];

	if (ike_offer(sa->eng->conf, sa->peer, &offer, err, sizeof(err)) < 0) {
		ike_sa_fail(sa, "%s", err);
		return -EINVAL;
	}
	if (!sa->dh || crypto_dh_group(sa->dh) != sa->v2->dh_group) {
		crypto_dh_free(sa->dh);
		sa->dh = crypto_dh_new(sa->v2->dh_group);
		if (!sa->dh) {
			ike_sa_fail(sa, "DH group %u is not available", sa->v2->dh_group);
			return -EINVAL;
		}
	}
	const uint8_t *pub = crypto_dh_public(sa->dh, &publen);

	wbuf_init(&w);
	ikev2_hdr_for(sa, IKEV2_EXCH_IKE_SA_INIT, false, 0, &h);
	ikev2_enc_begin(&e, &w, &h);
	if (sa->v2->cookie.len) /* 2.6: the cookie goes first */
		ikev2_put_notify(&e, 0, IKEV2_N_COOKIE, NULL, 0, sa->v2->cookie.ptr,
				 sa->v2->cookie.len);
	ikev2_put_sa(&e, &offer);
	ikev2_put_ke(&e, sa->v2->dh_group, pub, publen);
	ikev2_put_nonce(&e, sa->ni.ptr, sa->ni.len);
	if (natt_enabled(sa))
		put_natd(&e, sa, 0);
	ikev2_authn_put_init(sa, &e, false);
	ikev2_frag_put_init(sa, &e);
	ikev2_enc_end(&e);
	if (w.err) {
		wbuf_free(&w);
		return -ENOMEM;
	}
	wbuf_reset(&sa->v2->init_ours);
	wbuf_bytes(&sa->v2->init_ours, w.p, w.len);
	ikev2_send_request(sa, IKE_REQ_SA_INIT, &w);
	return 0;
}

int ikev2_sa_init_start(struct ike_sa *sa)
{
	struct ikev2_sa offer;
	char err[160];

	if (ike_offer(sa->eng->conf, sa->peer, &offer, err, sizeof(err)) < 0) {
		ike_sa_fail(sa, "%s", err);
		return -EINVAL;
	}
	for (unsigned i = 0; !sa->v2->dh_group && i < offer.p[0].ntrans; i++)
		if (offer.p[0].t[i].type == IKEV2_TRANS_DH)
			sa->v2->dh_group = offer.p[0].t[i].id;
	if (new_nonce(&sa->ni) < 0)
		return -ENOMEM;
	sa->state = IKE_STATE_INIT_SENT;
	log_info(LOG_IKE, sa->ctx, "initiating to %s", net_addr_str(&sa->remote, err, sizeof(err)));
	return send_init(sa);
}

/* The responder asked for another group or a cookie: the same request again, changed. */
static bool retry_init(struct ike_sa *sa, const struct ikev2_msg *m)
{
	const struct ikev2_notify *n;

	if (sa->rtx_count > MAX_INIT_RETRIES)
		return false;
	if ((n = ikev2_notify_find(m, IKEV2_N_COOKIE)) && n->data.len >= 1 && n->data.len <= 64) {
		crypto_chunk_clear(&sa->v2->cookie);
		sa->v2->cookie.ptr = malloc(n->data.len);
		if (!sa->v2->cookie.ptr)
			return false;
		memcpy(sa->v2->cookie.ptr, n->data.ptr, n->data.len);
		sa->v2->cookie.len = n->data.len;
	} else if ((n = ikev2_notify_find(m, IKEV2_N_INVALID_KE_PAYLOAD)) && n->data.len == 2) {
		uint16_t g = (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]);

		log_info(LOG_IKE, sa->ctx, "peer wants DH group %u instead of %u", g,
			 sa->v2->dh_group);
		if (g == sa->v2->dh_group || !crypto_dh_supported(g))
			return false;
		sa->v2->dh_group = g;
	} else {
		return false;
	}
	unsigned tries = sa->rtx_count + 1;

	if (send_init(sa) < 0)
		return false;
	sa->rtx_count = tries; /* counts the round trips, for the cap above */
	return true;
}

static void init_refused(struct ike_sa *sa, const struct ikev2_msg *m)
{
	const struct ikev2_notify *n = ikev2_error_notify(m);
	struct ikev2_sa offer;
	char ours[200] = "?", err[160];

	if (ike_offer(sa->eng->conf, sa->peer, &offer, err, sizeof(err)) == 0)
		ike_offer_str(&offer, ours, sizeof(ours));
	if (n && n->type == IKEV2_N_NO_PROPOSAL_CHOSEN)
		ike_sa_fail(sa, "peer says NO_PROPOSAL_CHOSEN: we offered %s", ours);
	else
		ike_sa_fail(sa, "IKE_SA_INIT refused: %s",
			    n ? ikev2_notify_name(n->type) : "no usable answer");
}

static int init_complete(struct ike_sa *sa, const struct ikev2_msg *m, const struct net_pkt *p)
{
	struct ikev2_sa offer;
	char err[160];

	if (ike_offer(sa->eng->conf, sa->peer, &offer, err, sizeof(err)) < 0 ||
	    ike_accept(&offer, &m->sa, &sa->alg) < 0) {
		ike_sa_fail(sa, "peer chose a proposal we did not offer");
		return -EBADMSG;
	}
	if (m->ke.group != sa->alg.dh || sa->alg.dh != sa->v2->dh_group) {
		ike_sa_fail(sa, "peer's KE group %u does not match the chosen %u", m->ke.group,
			    sa->alg.dh);
		return -EBADMSG;
	}
	sa->spi_r = m->hdr.spi_r;
	sa->nr.ptr = malloc(m->nonce.len);
	if (!sa->nr.ptr)
		return -ENOMEM;
	memcpy(sa->nr.ptr, m->nonce.ptr, m->nonce.len);
	sa->nr.len = m->nonce.len;
	if (ikev2_sa_keys(sa, m->ke.data.ptr, m->ke.data.len, NULL) < 0) {
		ike_sa_fail(sa, "key exchange failed (bad KE data from the peer)");
		return -EBADMSG;
	}
	wbuf_reset(&sa->v2->init_theirs);
	wbuf_bytes(&sa->v2->init_theirs, p->data, p->len);
	ikev2_authn_read_init(sa, m);
	ikev2_frag_read_init(sa, m);
	if (natt_enabled(sa)) {
		detect_nat(sa, m);
		if ((sa->nat_here || sa->nat_there) && !sa->natt) {
			sa->natt = true; /* 2.23: move to port 4500 */
			sa->local.port = net_port(sa->eng->d.net, true);
			if (sa->remote.port == 500)
				sa->remote.port = 4500;
		}
	}
	return 0;
}

void ikev2_sa_init_reply(struct ike_sa *sa, const struct ikev2_msg *m, const struct net_pkt *p)
{
	const char *why;
	char ours[200] = "", buf[64];

	if (ikev2_check_rules(m, false, &why) < 0) {
		sa->eng->st.rx_malformed++;
		log_debug(LOG_IKE, sa->ctx, "malformed IKE_SA_INIT response dropped: %s", why);
		return;
	}
	sa->last_seen = ike_now(sa->eng);
	sa->rx_packets++;
	sa->rx_bytes += p->len;
	if (!ikev2_has(m, IKEV2_PLD_SA)) {
		if (!retry_init(sa, m)) {
			init_refused(sa, m);
			ike_sa_destroy(sa, true);
		}
		return;
	}
	if (init_complete(sa, m, p) < 0) {
		ike_sa_destroy(sa, true);
		return;
	}
	ike_chosen_str(&sa->alg, ours, sizeof(ours));
	log_info(LOG_IKE, sa->ctx, "IKE_SA_INIT done with %s: %s%s",
		 net_addr_str(&sa->remote, buf, sizeof(buf)), ours, sa->natt ? ", NAT-T" : "");
	loop_timer_free(sa->rtx);
	sa->rtx = NULL;
	sa->v2->req = IKE_REQ_NONE;
	sa->v2->msgid_out = 1;
	/* the SPI table knows us by spi_i, which did not change */
	ikev2_auth_start(sa);
}

/* --- responder --- */

/* An unprotected answer to the request whose header is req: one notify. */
static void answer_plain(struct ike *eng, const struct net_pkt *p, const struct ikev2_hdr *req,
			 uint16_t type, const uint8_t *data, size_t len)
{
	struct ikev2_hdr h = {.spi_i = req->spi_i,
			      .spi_r = req->exch == IKEV2_EXCH_IKE_SA_INIT ? 0 : req->spi_r,
			      .version = IKEV2_VERSION,
			      .exch = req->exch,
			      .msgid = req->msgid,
			      .flags = IKEV2_FLAG_RESPONSE};
	struct ikev2_enc e;
	struct wbuf w;

	wbuf_init(&w);
	ikev2_enc_begin(&e, &w, &h);
	ikev2_put_notify(&e, 0, type, NULL, 0, data, len);
	ikev2_enc_end(&e);
	if (!w.err)
		net_send(eng->d.net, &p->local, &p->remote, p->natt, w.p, w.len);
	wbuf_free(&w);
}

static void respond_plain(struct ike *eng, const struct net_pkt *p, const struct ikev2_msg *m,
			  uint16_t type, const uint8_t *data, size_t len)
{
	answer_plain(eng, p, &m->hdr, type, data, len);
}

/* 2.5: a request of a higher major version is dropped, with an unauthenticated
 * INVALID_MAJOR_VERSION that names ours (in its header). */
void ikev2_answer_major_version(struct ike *eng, const struct net_pkt *p,
				const struct ikev2_hdr *req)
{
	struct ikev2_hdr h = *req;
	char a[NET_ADDR_STRLEN];

	log_debug(LOG_IKE, NULL, "message of IKE version %u.%u from %s: INVALID_MAJOR_VERSION",
		  req->version >> 4, req->version & 15, net_addr_str(&p->remote, a, sizeof(a)));
	if ((req->version >> 4) <= (IKEV2_VERSION >> 4) || (req->flags & IKEV2_FLAG_RESPONSE))
		return;
	h.exch = IKEV2_EXCH_INFORMATIONAL;
	answer_plain(eng, p, &h, IKEV2_N_INVALID_MAJOR_VERSION, NULL, 0);
}

/* --- cookies (2.6) --- */

#define COOKIE_LEN	   36	 /* the secret's version, then the SHA-256 */
#define COOKIE_SECRET_LIFE 120.0 /* seconds; a cookie stays good 2-6 minutes */

/* A new secret when cur has served its time; both new when prev has too. */
static int cookie_secret_fresh(struct ike *eng)
{
	double now = ike_now(eng);
	double age = now - eng->cookie.made;

	if (eng->cookie.made && age < COOKIE_SECRET_LIFE)
		return 0;
	eng->cookie.have_prev = eng->cookie.made && age < 2 * COOKIE_SECRET_LIFE;
	memcpy(eng->cookie.prev, eng->cookie.cur, sizeof(eng->cookie.prev));
	eng->cookie.version++;
	eng->cookie.made = now;
	return crypto_random(eng->cookie.cur, sizeof(eng->cookie.cur));
}

/* RFC 7296 2.6's suggestion: Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi |
 * <secret>), with SHA-256 and the address family before IPi. The secret comes last, so
 * that no one who lacks it can extend another's hash; and a plain hash has no key to set
 * up, so under a flood a cookie costs two SHA-256 blocks and no PRF made per packet. */
static int cookie_make(const uint8_t secret[32], uint32_t version, const struct ikev2_msg *m,
		       const struct net_addr *from, uint8_t out[COOKIE_LEN])
{
	uint8_t spi[8];
	struct crypto_iov in[] = {{m->nonce.ptr, m->nonce.len},
				  {&from->family, 1},
				  {from->bytes, from->family == AF_INET6 ? 16 : 4},
				  {spi, sizeof(spi)},
				  {secret, 32}};

	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(m->hdr.spi_i >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(version >> (24 - 8 * i));
	return crypto_sha256(in, sizeof(in) / sizeof(in[0]), out + 4);
}

/* Whether the request carries a cookie we made for it, under a secret still good. */
static bool cookie_valid(struct ike *eng, const struct ikev2_msg *m, const struct net_addr *from)
{
	const struct ikev2_notify *n = ikev2_notify_find(m, IKEV2_N_COOKIE);
	uint8_t want[COOKIE_LEN];
	uint32_t version = 0;
	const uint8_t *secret = NULL;
	struct rbuf rb;
	bool ok;

	if (!n || n->data.len != COOKIE_LEN)
		return false;
	rbuf_init(&rb, n->data.ptr, n->data.len);
	if (!rbuf_u32(&rb, &version))
		return false;
	if (version == eng->cookie.version && eng->cookie.made)
		secret = eng->cookie.cur;
	else if (version == eng->cookie.version - 1 && eng->cookie.have_prev)
		secret = eng->cookie.prev;
	if (!secret || cookie_make(secret, version, m, from, want) < 0)
		return false;
	ok = crypto_memeq(want, n->data.ptr, COOKIE_LEN);
	crypto_cleanse(want, sizeof(want));
	return ok;
}

/* Under load (2.6), the request goes on only with a valid cookie; without one, it is
 * answered with a fresh cookie and forgotten. */
static bool cookie_passes(struct ike *eng, const struct net_pkt *p, const struct ikev2_msg *m)
{
	uint8_t c[COOKIE_LEN];
	char a[64];

	if (!ike_half_cookie_needed(eng))
		return true;
	if (cookie_secret_fresh(eng) < 0)
		return false;
	if (cookie_valid(eng, m, &p->remote))
		return true;
	if (cookie_make(eng->cookie.cur, eng->cookie.version, m, &p->remote, c) == 0) {
		log_debug(LOG_IKE, NULL, "%zu half-open IKE SAs: asking %s for a cookie",
			  eng->half.n, net_addr_str(&p->remote, a, sizeof(a)));
		respond_plain(eng, p, m, IKEV2_N_COOKIE, c, sizeof(c));
	}
	return false;
}

static void on_half_open_timeout(struct loop_timer *w, void *arg)
{
	struct ike_sa *sa = arg;

	(void)w;
	if (sa->state == IKE_STATE_INIT_DONE) {
		ike_sa_fail(sa, "no IKE_AUTH from the peer within %.0f s",
			    sa->eng->lim.half_open_timeout);
		ike_sa_destroy(sa, false);
	}
}

static int respond_init(struct ike_sa *sa, const struct ikev2_msg *m, const struct net_pkt *p)
{
	struct ikev2_sa reply;
	struct ikev2_hdr h;
	struct ikev2_enc e;
	struct wbuf w;
	size_t publen;

	sa->dh = ike_responder_dh(sa->eng, sa->alg.dh);
	if (!sa->dh || new_nonce(&sa->nr) < 0)
		return -ENOMEM;
	sa->ni.ptr = malloc(m->nonce.len);
	if (!sa->ni.ptr)
		return -ENOMEM;
	memcpy(sa->ni.ptr, m->nonce.ptr, m->nonce.len);
	sa->ni.len = m->nonce.len;
	if (ikev2_sa_keys(sa, m->ke.data.ptr, m->ke.data.len, NULL) < 0)
		return -EBADMSG;
	if (natt_enabled(sa) && ikev2_notify_find(m, IKEV2_N_NAT_DETECTION_SOURCE_IP))
		detect_nat(sa, m);
	const uint8_t *pub = crypto_dh_public(sa->dh, &publen);

	wbuf_init(&w);
	ikev2_hdr_for(sa, IKEV2_EXCH_IKE_SA_INIT, true, 0, &h);
	ikev2_enc_begin(&e, &w, &h);
	ike_chosen_to_sa(&sa->alg, 0, 0, &reply);
	ikev2_put_sa(&e, &reply);
	ikev2_put_ke(&e, sa->alg.dh, pub, publen);
	ikev2_put_nonce(&e, sa->nr.ptr, sa->nr.len);
	if (natt_enabled(sa) && ikev2_notify_find(m, IKEV2_N_NAT_DETECTION_SOURCE_IP))
		put_natd(&e, sa, sa->spi_r);
	ikev2_authn_read_init(sa, m);
	ikev2_authn_put_init(sa, &e, true);
	ikev2_frag_read_init(sa, m);
	ikev2_frag_put_init(sa, &e);
	ikev2_enc_end(&e);
	/* a half-open SA keeps what IKE_AUTH needs and no more: the key exchange is done,
	 * and the response is kept once, as init_ours, which also answers retransmissions */
	crypto_dh_free(sa->dh);
	sa->dh = NULL;
	if (w.err) {
		wbuf_free(&w);
		return -ENOMEM;
	}
	wbuf_bytes(&sa->v2->init_theirs, p->data, p->len);
	wbuf_free(&sa->v2->init_ours);
	sa->v2->init_ours = w;
	sa->v2->msgid_in++;
	ikev2_send_raw(sa, &sa->v2->init_ours);
	return 0;
}

/* Picks the peer and the proposal; answers errors itself. NULL: nothing more to do. */
static const struct conf_item *choose(struct ike *eng, const struct net_pkt *p,
				      const struct ikev2_msg *m, struct ike_chosen *ch)
{
	const struct conf_item *peer = ike_peer_for_addr(eng, &p->remote, &p->local, 2);
	struct ikev2_sa ours;
	char err[160], a[64], theirs[256], mine[256];

	if (!peer) { /* (the view offers only exchange-mode=ike2 peers for major 2) */
		log_info(LOG_IKE, NULL, "IKE_SA_INIT from %s: no ike2 peer matches it",
			 net_addr_str(&p->remote, a, sizeof(a)));
		return NULL;
	}
	const char *name = conf_str(peer, CONF_PEER_NAME);

	if (ike_offer(eng->conf, name, &ours, err, sizeof(err)) < 0) {
		log_info(LOG_IKE, NULL, "peer %s: %s", name, err);
		return NULL;
	}
	if (ike_choose(&ours, &m->sa, m->ke.group, ch) < 0) {
		ike_offer_str(&m->sa, theirs, sizeof(theirs));
		ike_offer_str(&ours, mine, sizeof(mine));
		log_info(LOG_IKE, NULL,
			 "peer %s: no proposal chosen: we accept %s, they offered %s", name, mine,
			 theirs);
		eng->st.failed++;
		respond_plain(eng, p, m, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return NULL;
	}
	if (ch->dh != m->ke.group) {
		uint8_t g[2] = {(uint8_t)(ch->dh >> 8), (uint8_t)ch->dh};

		log_info(LOG_IKE, NULL, "peer %s: asking for DH group %u instead of %u", name,
			 ch->dh, m->ke.group);
		respond_plain(eng, p, m, IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return NULL;
	}
	return peer;
}

void ikev2_sa_init_request(struct ike *eng, const struct net_pkt *p, const struct ikev2_msg *m)
{
	bool clash;
	struct ike_sa *sa = ike_half_find(eng, m->hdr.spi_i, &p->remote, &clash);
	struct ike_chosen ch;
	const char *why;
	char a[NET_ADDR_STRLEN];
	int r;

	if (sa) {
		/* a retransmission (2.1): our response again; an IKEv1 SA's: dropped */
		if (sa->v2 && sa->v2->init_ours.len)
			ikev2_send_raw(sa, &sa->v2->init_ours);
		return;
	}
	if (clash) {
		eng->st.rx_dropped++;
		log_debug(LOG_IKE, NULL, "IKE_SA_INIT from %s dropped: its half-open key is taken",
			  net_addr_str(&p->remote, a, sizeof(a)));
		return;
	}
	why = NULL;
	if (m->hdr.spi_r || m->hdr.msgid)
		why = "SPIr or message ID not zero";
	else if (ikev2_check_rules(m, false, &why) < 0)
		why = why ? why : "payloads against RFC 7296 rules";
	else if (!ikev2_has(m, IKEV2_PLD_SA) || !ikev2_has(m, IKEV2_PLD_KE) ||
		 !ikev2_has(m, IKEV2_PLD_NONCE))
		why = "SA, KE or Nonce missing";
	if (why) {
		eng->st.rx_malformed++;
		log_debug(LOG_IKE, NULL, "IKE_SA_INIT from %s dropped: %s",
			  net_addr_str(&p->remote, a, sizeof(a)), why);
		return;
	}
	if (eng->lim.half_open_limit && eng->half.n >= eng->lim.half_open_limit) {
		eng->st.half_open_refused_total++;
		log_debug(LOG_IKE, NULL,
			  "IKE_SA_INIT from %s dropped: %zu IKE SAs half-open "
			  "(half-open-limit)",
			  net_addr_str(&p->remote, a, sizeof(a)), eng->half.n);
		return;
	}
	if (!cookie_passes(eng, p, m))
		return;
	if ((r = ike_half_admit(eng, &p->remote)) < 0) {
		if (r == -EMLINK)
			eng->st.half_open_refused_address++;
		else
			eng->st.half_open_refused_total++;
		log_debug(LOG_IKE, NULL, "IKE_SA_INIT from %s dropped: %s",
			  net_addr_str(&p->remote, a, sizeof(a)),
			  r == -EMLINK ? "half-open-per-address reached for its address"
				       : "half-open-limit reached");
		return;
	}
	if (m->unsupported_critical) { /* 2.5 */
		respond_plain(eng, p, m, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD,
			      &m->unsupported_critical, 1);
		return;
	}
	const struct conf_item *peer = choose(eng, p, m, &ch);

	if (!peer)
		return;
	sa = ike_sa_new(eng, &ikev2_ops, conf_str(peer, CONF_PEER_NAME), false, &p->local,
			&p->remote);
	if (!sa)
		return;
	sa->spi_i = m->hdr.spi_i;
	sa->alg = ch;
	sa->natt = p->natt;
	sa->rx_packets++;
	sa->rx_bytes += p->len;
	sa->state = IKE_STATE_INIT_DONE;
	if ((r = ike_half_add(sa)) == 0)
		r = respond_init(sa, m, p);
	if (r == -EBADMSG) {
		ike_sa_fail(sa,
			    "IKE_SA_INIT from %s refused: its KE is not a valid public value "
			    "of group %u (%zu bytes)",
			    net_addr_str(&p->remote, a, sizeof(a)), m->ke.group, m->ke.data.len);
		respond_plain(eng, p, m, IKEV2_N_INVALID_SYNTAX, NULL, 0);
	} else if (r < 0) {
		ike_sa_fail(sa, "IKE_SA_INIT from the peer could not be answered: %s",
			    strerror(-r));
	}
	if (r < 0) {
		ike_sa_destroy(sa, false);
		return;
	}
	sa->life = loop_timer_new(eng->d.loop, eng->lim.half_open_timeout, 0, on_half_open_timeout,
				  sa);
	log_debug(LOG_IKE, sa->ctx, "IKE_SA_INIT answered");
}
