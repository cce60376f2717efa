/* base: IKEv1 base mode (RFC 2408 4.8), four messages in the clear:
 *   I: SA, Ni, IDii [, CERTREQ]      R: SA, Nr, IDir [, CERTREQ]
 *   I: KE, HASH_I | [CERT,] SIG_I    R: KE, HASH_R | [CERT,] SIG_R   (and NAT-D)
 * The group is negotiated before anyone sends a KE (aggressive mode's initiator must guess
 * it), and the nonces and IDs travel first, so the initiator's hash cannot cover g^xr. It
 * is draft-ietf-ipsec-ike-base-mode's as racoon computes it (keymat.c):
 *   HASH_I = prf(K, g^xi | CKY-I | CKY-R | SAi_b | IDii_b), with K = SKEYID for a
 *   pre-shared key (which needs only the nonces, so the initiator has it after the
 *   second message), and K = hash(Nr_b | Ni_b) with signatures (SKEYID needs g^xy);
 *   HASH_R is main mode's with a pre-shared key; with signatures
 *   prf(hash(Ni_b | Nr_b), g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
 * Signatures are p1_sig.c's as in main mode: digital-signature and rsa-key both ways,
 * rsa-signature-hybrid with the initiator's HASH_I in place of its SIG (XAuth follows).
 * The responder's identity is chosen by IDii in p1.c (p1_id.c). NAT-D go with the third
 * and fourth (racoon's choice); the initiator moves to port 4500 after the fourth, with its
 * first quick mode. No message is encrypted, so INITIAL-CONTACT goes in a protected
 * informational once the ISAKMP SA is up (as racoon sends it). The rest (choice, IDs,
 * keys, the established SA) is main mode's, from p1.c. */
#include <errno.h>
#include <string.h>

#include "ipsecd/log.h"
#include "v1.h"

static bool with_sig(const struct ike_sa *sa)
{
	return ikev1_auth_is_sig(sa->v1->auth_method);
}

/* The IDs are in the clear and HASH_I covers only values a listener sees but the key:
 * like aggressive mode, base mode with a pre-shared key lets the key be guessed offline. */
static void warn_offline(struct ike_sa *sa)
{
	if (!with_sig(sa))
		log_warn(LOG_IKE, sa->ctx,
			 "base mode with a pre-shared key: its hash can be captured and the key "
			 "guessed offline");
}

/* HASH_I of the initiator's KE and ID; with a key, under a SKEYID made for it and wiped. */
static int hash_base_i(struct ike_sa *sa, uint8_t *out)
{
	struct ikev1_state *v = sa->v1;
	struct crypto_chunk skeyid = {0};
	struct crypto_iov id = {v->idi_b.ptr, v->idi_b.len};
	struct ikev1_p1 p;
	int r;

	ikev1_p1_bytes(sa, &p);
	if (with_sig(sa))
		return ikev1_hash_base_i(&p, NULL, &id, out);
	r = ikev1_skeyid_psk(&p, v->psk.ptr, v->psk.len, &skeyid);
	if (r == 0)
		r = ikev1_hash_base_i(&p, &skeyid, &id, out);
	crypto_chunk_clear(&skeyid);
	return r;
}

/* HASH_R, once the keys are made (and before the KEs are let go). */
static int hash_base_r(struct ike_sa *sa, uint8_t *out)
{
	struct ikev1_state *v = sa->v1;
	struct crypto_iov id = {v->idi_b.ptr, v->idi_b.len};
	struct ikev1_p1 p;

	if (!with_sig(sa))
		return ikev1_p1_hash(sa, false, &v->idr_b, out);
	ikev1_p1_bytes(sa, &p);
	return ikev1_hash_base_r_sig(&p, &id, out);
}

/* The second message of each side: KE, the proof over hash h, NAT-D. */
static void build_ke_proof(struct ike_sa *sa, struct ikev1_enc *e, void *arg)
{
	struct ikev1_state *v = sa->v1;
	const struct crypto_chunk *ke = sa->initiator ? &v->gxi : &v->gxr;

	ikev1_put_ke(e, ke->ptr, ke->len);
	if (ikev1_p1_put_proof(sa, e, arg) < 0)
		e->w->err = true;
	ikev1_p1_put_natd(sa, e);
}

/* --- initiator --- */

static void build_i1(struct ike_sa *sa, struct ikev1_enc *e, void *arg)
{
	size_t off = ikev1_put_sa(e, arg);
	size_t len = (size_t)e->w->p[off + 2] << 8 | e->w->p[off + 3];

	if (!e->w->err && ikev1_p1_keep(&sa->v1->sai_b, e->w->p + off + 4, len - 4) < 0)
		e->w->err = true;
	ikev1_put_nonce(e, sa->ni.ptr, sa->ni.len);
	ikev1_p1_put_id(e, &sa->v1->idi_b);
	ikev1_sig_put_certreq(sa, e);
	ikev1_p1_put_vids(sa, e);
}

int ikev1_base_start(struct ike_sa *sa, const struct ikev1_sa *offer)
{
	struct ikev1_state *v = sa->v1;

	if (ikev1_p1_new_nonce(&sa->ni) < 0 ||
	    ikev1_p1_my_id(sa, ikev1_p1_identity(sa), &v->idi_b) < 0)
		return -ENOMEM;
	warn_offline(sa);
	v->p1 = IKEV1_BM_I1;
	sa->state = IKE_STATE_INIT_SENT;
	ikev1_p1_send_plain(sa, IKEV1_EXCH_BASE, true, build_i1, (void *)offer);
	log_info(LOG_IKE, sa->ctx, "initiating base mode to %s", sa->peer ? sa->peer : "?");
	return 0;
}

/* The responder's choice, nonce and ID: the group is known, our KE and HASH_I go. */
static void i_r1(struct ike_sa *sa, const struct ikev1_msg *m)
{
	static struct ikev1_sa_buf o;
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = ikev1_p1_identity(sa);
	uint8_t h[CRYPTO_V1_MAX_HASH];
	struct ike_chosen ch;
	uint32_t life;
	size_t publen;
	const uint8_t *pub;
	int r;

	if (!ikev1_has(m, IKEV1_PLD_SA) || !ikev1_has(m, IKEV1_PLD_NONCE) || m->nid != 1 || !id ||
	    ikev1_p1_offer(sa, id, &o) < 0 || ikev1_accept_p1(&o.sa, &m->sa, &ch, &life) < 0 ||
	    ikev1_p1_take_choice(sa, &ch, life) < 0) {
		ike_sa_fail(sa, "the peer's base mode answer is not one we offered");
		ike_sa_destroy(sa, false);
		return;
	}
	sa->spi_r = m->hdr.rcookie;
	ikev1_p1_read_vids(sa, m);
	if (ikev1_p1_check_id(sa, id, &m->id[0]) < 0 ||
	    ikev1_p1_keep(&sa->nr, m->nonce.ptr, m->nonce.len) < 0 ||
	    ikev1_p1_keep(&v->idr_b, m->id[0].body.ptr, m->id[0].body.len) < 0 ||
	    !(sa->dh = crypto_dh_new(ch.dh)) || !(pub = crypto_dh_public(sa->dh, &publen)) ||
	    ikev1_p1_keep(&v->gxi, pub, publen) < 0 || hash_base_i(sa, h) < 0) {
		ike_sa_destroy(sa, false);
		return;
	}
	v->p1 = IKEV1_BM_I2;
	sa->state = IKE_STATE_AUTH_SENT;
	r = ikev1_p1_send_plain(sa, IKEV1_EXCH_BASE, true, build_ke_proof, h);
	crypto_cleanse(h, sizeof(h));
	if (r < 0) /* our SIG could not be made (logged) */
		ike_sa_destroy(sa, false);
}

/* The responder's KE and HASH_R (or SIG_R): the keys, then the proof it has the same. */
static void i_r2(struct ike_sa *sa, const struct ikev1_msg *m)
{
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = ikev1_p1_identity(sa);
	uint8_t h[CRYPTO_V1_MAX_HASH];
	int r;

	if (!id || !ikev1_has(m, IKEV1_PLD_KE) ||
	    ikev1_p1_keep(&v->gxr, m->ke.ptr, m->ke.len) < 0 ||
	    ikev1_p1_make_keys(sa, m->ke.ptr, m->ke.len) < 0 || hash_base_r(sa, h) < 0) {
		ike_sa_fail(sa, "the peer's key exchange is missing or bad");
		ike_sa_destroy(sa, false);
		return;
	}
	if ((r = ikev1_p1_check_proof(sa, id, m, &v->idr_b, h, "HASH_R")) < 0) {
		if (r == -EPERM)
			sa->eng->st.rx_auth_failed++;
		else
			ike_sa_fail(sa, "the peer's base mode answer lacks its HASH_R");
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_p1_read_natd(sa, m);
	ikev1_p1_float(sa);
	ikev1_p1_established(sa);
	if (ikev1_p1_wants_ic(sa))
		ikev1_notify_protected(sa, IKEV1_N_INITIAL_CONTACT);
}

/* --- responder --- */

static void build_r1(struct ike_sa *sa, struct ikev1_enc *e, void *arg)
{
	ikev1_put_sa(e, arg);
	ikev1_put_nonce(e, sa->nr.ptr, sa->nr.len);
	ikev1_p1_put_id(e, &sa->v1->idr_b);
	ikev1_sig_put_certreq(sa, e);
	ikev1_p1_put_vids(sa, e);
}

void ikev1_base_respond(struct ike_sa *sa, const struct ikev1_msg *m, const struct ikev1_sa *reply)
{
	struct ikev1_state *v = sa->v1;
	const struct conf_item *id = ikev1_p1_identity(sa);

	if (!ikev1_has(m, IKEV1_PLD_NONCE) || m->nid != 1 || !id ||
	    ikev1_p1_keep(&sa->ni, m->nonce.ptr, m->nonce.len) < 0 ||
	    ikev1_p1_keep(&v->idi_b, m->id[0].body.ptr, m->id[0].body.len) < 0 ||
	    ikev1_p1_check_id(sa, id, &m->id[0]) < 0 || ikev1_p1_new_nonce(&sa->nr) < 0 ||
	    ikev1_p1_my_id(sa, id, &v->idr_b) < 0) {
		if (sa->last_error[0] == '\0')
			ike_sa_fail(sa, "the base mode request lacks a nonce or an ID");
		ike_sa_destroy(sa, false);
		return;
	}
	warn_offline(sa);
	v->p1 = IKEV1_BM_R1;
	ikev1_p1_send_plain(sa, IKEV1_EXCH_BASE, false, build_r1, (void *)reply);
}

/* The initiator's HASH_I or SIG_I, checked before the keys are made (with a pre-shared
 * key, which that wipes). 0, -EPERM (logged) or another -errno. */
static int check_i(struct ike_sa *sa, const struct ikev1_msg *m)
{
	const struct conf_item *id = ikev1_p1_identity(sa);
	uint8_t h[CRYPTO_V1_MAX_HASH];
	int r;

	if (!id || hash_base_i(sa, h) < 0)
		return -ENOMEM;
	r = ikev1_p1_check_proof(sa, id, m, &sa->v1->idi_b, h, "HASH_I");
	return r == 1 ? 0 : r; /* a HASH's ID was checked with the first message */
}

/* The initiator's KE and proof: ours, HASH_R or SIG_R, and the ISAKMP SA is up. */
static void r_i2(struct ike_sa *sa, const struct net_pkt *p, const struct ikev1_msg *m)
{
	struct ikev1_state *v = sa->v1;
	uint8_t h[CRYPTO_V1_MAX_HASH];
	size_t publen;
	const uint8_t *pub;
	int r = -EBADMSG;

	if (ikev1_has(m, IKEV1_PLD_KE) && ikev1_p1_keep(&v->gxi, m->ke.ptr, m->ke.len) == 0)
		r = check_i(sa, m);
	if (r == -EPERM) {
		sa->eng->st.rx_auth_failed++;
		ikev1_notify_plain(sa->eng, p, &m->hdr, IKEV1_N_AUTHENTICATION_FAILED);
	}
	if (r == 0 &&
	    (!(sa->dh = ike_responder_dh(sa->eng, sa->alg.dh)) ||
	     !(pub = crypto_dh_public(sa->dh, &publen)) ||
	     ikev1_p1_keep(&v->gxr, pub, publen) < 0 ||
	     ikev1_p1_make_keys(sa, m->ke.ptr, m->ke.len) < 0 || hash_base_r(sa, h) < 0)) {
		ike_sa_fail(sa, "the peer's key exchange is bad");
		r = -EBADMSG;
	}
	if (r < 0) {
		if (sa->last_error[0] == '\0')
			ike_sa_fail(sa, "the peer's base mode KE or HASH_I is missing");
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_p1_read_natd(sa, m);
	r = ikev1_p1_send_plain(sa, IKEV1_EXCH_BASE, false, build_ke_proof, h);
	crypto_cleanse(h, sizeof(h));
	if (r < 0) { /* our SIG could not be made (logged) */
		ike_sa_destroy(sa, false);
		return;
	}
	ikev1_p1_established(sa);
}

void ikev1_base_recv(struct ike_sa *sa, const struct net_pkt *p, const struct ikev1_msg *m)
{
	switch (sa->v1->p1) {
	case IKEV1_BM_I1:
		i_r1(sa, m);
		break;
	case IKEV1_BM_R1:
		if (ikev1_has(m, IKEV1_PLD_SA)) { /* the first message again */
			if (sa->resp_pkt.len)
				ikev1_send(sa, &sa->resp_pkt);
			break;
		}
		r_i2(sa, p, m);
		break;
	case IKEV1_BM_I2:
		i_r2(sa, m);
		break;
	default:
		break;
	}
}
