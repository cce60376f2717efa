/* v1: the IKEv1 engine's entry points (its struct ike_version_ops), finding the ISAKMP SA
 * of a message by its cookies, taking it apart (decryption with the exchange's IV,
 * duplicates answered from what was sent), and sending: phase 1 messages and quick modes
 * are retransmitted until the exchange moves on (RFC 2408 has no request/response pairs:
 * each side repeats its last message until the next one comes). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/log.h"
#include "ipsecd/loop.h"
#include "v1.h"

/* MD5("RFC 3947"), draft-ietf-ipsec-nat-t-ike-02\n and -03, RFC 3706 */
const uint8_t ikev1_vid_natt_rfc[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
					0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
const uint8_t ikev1_vid_natt_02[16] = {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
				       0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};
const uint8_t ikev1_vid_natt_03[16] = {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
				       0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};
const uint8_t ikev1_vid_dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
				   0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};

const struct conf_item *ikev1_profile(const struct ike_sa *sa)
{
	const struct conf_item *peer = ike_peer_find(sa->eng->conf, sa->peer);

	return peer ? ike_profile_of(sa->eng->conf, peer) : NULL;
}

bool ikev1_p1_supported(uint8_t type, uint16_t id, uint16_t keylen)
{
	if (type == IKEV2_TRANS_DH)
		return crypto_dh_supported(id);
	if (type == IKEV2_TRANS_ENCR)
		return crypto_encr_supported(id, keylen);
	if (type == IKEV2_TRANS_PRF)
		return crypto_prf_supported(id);
	return true;
}

bool ikev1_p2_supported(uint8_t type, uint16_t id, uint16_t keylen)
{
	if (type == IKEV2_TRANS_DH)
		return crypto_dh_supported(id);
	if (type == IKEV2_TRANS_ENCR)
		return ike_kern_enc(id, keylen) != NULL;
	if (type == IKEV2_TRANS_INTEG)
		return ike_kern_integ(id) != NULL;
	return true;
}

/* --- sending --- */

void ikev1_hdr_for(const struct ike_sa *sa, uint8_t exch, uint32_t mid, bool encrypted,
		   struct ikev1_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->icookie = sa->spi_i;
	h->rcookie = sa->spi_r;
	h->version = IKEV1_VERSION;
	h->exch = exch;
	h->flags = encrypted ? IKEV1_FLAG_ENCRYPTION : 0;
	h->msgid = mid;
}

int ikev1_seal(struct ike_sa *sa, const struct ikev1_hdr *h, uint8_t first,
	       const struct wbuf *plain, struct wbuf *out)
{
	struct ikev1_state *v = sa->v1;
	size_t block = crypto_v1_cbc_block_len(v->cbc), ctlen;
	uint8_t iv[CRYPTO_V1_MAX_BLOCK], *ct;
	struct ikev1_enc e;
	int r;

	if (plain->err || ikev1_ivs_get(&v->ivs, h->msgid, iv) < 0)
		return -EINVAL;
	ctlen = crypto_v1_cbc_sealed_len(v->cbc, plain->len);
	if (!(ct = malloc(ctlen)))
		return -ENOMEM;
	r = crypto_v1_cbc_encrypt(v->cbc, iv, plain->p, plain->len, ct, ctlen, iv);
	if (r == 0) {
		ikev1_ivs_set(&v->ivs, h->msgid, iv);
		ikev1_enc_begin(&e, out, h);
		ikev1_put_encrypted(&e, first, ct, ctlen);
		ikev1_enc_end(&e);
		r = out->err ? -EINVAL : 0;
	}
	crypto_cleanse(iv, block);
	free(ct);
	return r;
}

void ikev1_send(struct ike_sa *sa, const struct wbuf *out)
{
	int r;

	if (ikev1_frag_wanted(sa, out->len) && ikev1_frag_send(sa, out) == 0)
		return;
	r = net_send(sa->eng->d.net, &sa->local, &sa->remote, sa->natt, out->p, out->len);
	if (r < 0) {
		log_debug(LOG_NET, sa->ctx, "send of %zu bytes failed: %s", out->len, strerror(-r));
		return;
	}
	sa->tx_packets++;
	sa->tx_bytes += out->len;
}

static unsigned rtx_max(const struct ike_sa *sa)
{
	const struct conf_item *prof = ikev1_profile(sa);

	return prof ? (unsigned)conf_int(prof, CONF_PROFILE_DPD_MAXIMUM_FAILURES) : 5;
}

static double rtx_wait(unsigned count)
{
	return count >= 5 ? 64.0 : IKEV1_RTX_BASE * (double)(1u << count);
}

/* What the SA waits an answer for: phase 1's last message, its quick modes', an
 * R-U-THERE. All go again; the peer answers a duplicate with its last message. */
static void on_retransmit(struct loop_timer *w, void *arg)
{
	struct ike_sa *sa = arg;
	bool any = false;

	(void)w;
	if (sa->rtx_count >= rtx_max(sa)) {
		ike_sa_fail(sa, "no answer from the peer after %u retransmissions: peer is dead",
			    sa->rtx_count);
		ike_sa_destroy(sa, true);
		return;
	}
	sa->rtx_count++;
	sa->eng->st.retransmits++;
	if (sa->req_pkt.len) {
		ikev1_send(sa, &sa->req_pkt);
		any = true;
	}
	for (struct ikev1_qm *qm = sa->v1->qms; qm; qm = qm->next)
		if (qm->last.len && qm->initiator) {
			ikev1_send(sa, &qm->last);
			any = true;
		}
	if (sa->v1->dpd_out) {
		ikev1_dpd_start(sa); /* a new R-U-THERE, the sequence number on */
		any = true;
	}
	if (sa->v1->cfg_waiting && sa->v1->cfg_last.len) {
		ikev1_send(sa, &sa->v1->cfg_last);
		any = true;
	}
	if (any)
		loop_timer_again(sa->rtx, rtx_wait(sa->rtx_count));
}

void ikev1_arm(struct ike_sa *sa)
{
	sa->rtx_count = 0;
	if (!sa->rtx)
		sa->rtx = loop_timer_new(sa->eng->d.loop, IKEV1_RTX_BASE, 0, on_retransmit, sa);
	else
		loop_timer_again(sa->rtx, IKEV1_RTX_BASE);
}

/* Nothing waits any more: the timer stops. */
void ikev1_disarm(struct ike_sa *sa)
{
	if (sa->req_pkt.len || sa->v1->dpd_out || sa->v1->cfg_waiting)
		return;
	for (struct ikev1_qm *qm = sa->v1->qms; qm; qm = qm->next)
		if (qm->initiator && qm->last.len)
			return;
	loop_timer_free(sa->rtx);
	sa->rtx = NULL;
}

void ikev1_send_p1(struct ike_sa *sa, struct wbuf *out, bool expect_reply)
{
	ikev1_send(sa, out);
	if (expect_reply) {
		wbuf_free(&sa->req_pkt);
		sa->req_pkt = *out;
		wbuf_init(out);
		ikev1_arm(sa);
	} else { /* a responder's: sent again when the peer repeats itself */
		wbuf_free(&sa->resp_pkt);
		sa->resp_pkt = *out;
		wbuf_init(out);
		wbuf_free(&sa->req_pkt);
		ikev1_disarm(sa);
	}
}

void ikev1_send_qm(struct ike_sa *sa, struct ikev1_qm *qm, struct wbuf *out, bool expect_reply)
{
	ikev1_send(sa, out);
	wbuf_free(&qm->last);
	qm->last = *out;
	wbuf_init(out);
	if (expect_reply)
		ikev1_arm(sa);
}

uint32_t ikev1_new_mid(struct ike_sa *sa)
{
	uint32_t mid;

	do {
		if (crypto_random(&mid, sizeof(mid)) < 0)
			mid = (uint32_t)(sa->serial * 2654435761u + sa->eng->next_serial);
		for (struct ikev1_qm *qm = sa->v1->qms; qm; qm = qm->next)
			if (qm->mid == mid)
				mid = 0;
	} while (!mid);
	return mid;
}

struct hashed {
	void (*build)(struct ikev1_enc *e, void *arg);
	void *arg;
};

int ikev1_send_hashed(struct ike_sa *sa, uint8_t exch, uint32_t mid,
		      void (*build)(struct ikev1_enc *e, void *arg), void *arg, struct wbuf *keep)
{
	struct ikev1_state *v = sa->v1;
	size_t hl = crypto_v1_hash_len(v->hash), off;
	uint8_t zero[CRYPTO_V1_MAX_HASH] = {0};
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
		r = ikev1_hash_mid(v->hash, &v->keys.skeyid_a, mid, NULL, plain.p + off + 4 + hl,
				   plain.len - off - 4 - hl, plain.p + off + 4);
	ikev1_hdr_for(sa, exch, mid, true, &h);
	if (r == 0)
		r = ikev1_seal(sa, &h, IKEV1_PLD_HASH, &plain, &out);
	if (r == 0)
		ikev1_send(sa, &out);
	if (r == 0 && keep) {
		wbuf_free(keep);
		*keep = out;
		wbuf_init(&out);
	}
	wbuf_free(&plain);
	wbuf_free(&out);
	return r;
}

/* --- receiving --- */

/* Our cookie is the responder's when we answered, the initiator's when we started. */
static struct ike_sa *find_sa(struct ike *eng, const struct ikev1_hdr *h)
{
	struct ike_sa *sa;

	if (h->rcookie && (sa = ike_tab_get(&eng->sas, h->rcookie)) && sa->v1 && !sa->initiator &&
	    sa->spi_i == h->icookie)
		return sa;
	sa = ike_tab_get(&eng->sas, h->icookie);
	if (sa && sa->v1 && sa->initiator && (!sa->spi_r || sa->spi_r == h->rcookie))
		return sa;
	return NULL;
}

static void digest(const struct net_pkt *p, uint8_t out[20])
{
	struct crypto_iov iov = {p->data, p->len};

	if (crypto_sha1(&iov, 1, out) < 0)
		memset(out, 0, 20);
}

/* An encrypted message after phase 1: decrypted with its exchange's IV; the handler checks
 * its HASH and, when it holds, the IV moves on. */
static void recv_protected(struct ike_sa *sa, const struct net_pkt *p, struct ikev1_msg *m)
{
	struct ikev1_state *v = sa->v1;
	uint8_t iv[CRYPTO_V1_MAX_BLOCK], next[CRYPTO_V1_MAX_BLOCK];
	uint8_t *plain = NULL;
	uint8_t d[20];
	int r;

	digest(p, d);
	for (struct ikev1_qm *qm = v->qms; qm; qm = qm->next)
		if (qm->mid == m->hdr.msgid && v->have_last_rx && !memcmp(d, v->last_rx, 20)) {
			/* the peer did not get our answer: the same again */
			if (qm->last.len)
				ikev1_send(sa, &qm->last);
			return;
		}
	if (!m->enc.len || ikev1_ivs_get(&v->ivs, m->hdr.msgid, iv) < 0 ||
	    !(plain = malloc(m->enc.len)) ||
	    crypto_v1_cbc_decrypt(v->cbc, iv, m->enc.ptr, m->enc.len, plain, next) < 0 ||
	    ikev1_decode_chain(plain, m->enc.len, m->hdr.next, m) < 0 || !m->nhash ||
	    m->hdr.next != IKEV1_PLD_HASH) {
		sa->eng->st.rx_malformed++;
		log_debug(LOG_IKE, sa->ctx, "%s message %08x dropped: %s",
			  ikev1_exch_name(m->hdr.exch), m->hdr.msgid,
			  m->why ? m->why : "it does not decrypt to payloads led by a HASH");
		free(plain);
		return;
	}
	/* the IV moves on now (an answer is sealed with it); back when the HASH fails */
	ikev1_ivs_set(&v->ivs, m->hdr.msgid, next);
	/* a base mode initiator behind a NAT moves to port 4500 only after phase 1 (main
	 * mode's follows it there with phase 1's last message) */
	ikev1_p1_follow_float(sa, p);
	switch (m->hdr.exch) {
	case IKEV1_EXCH_QUICK:
		r = ikev1_qm_recv(sa, m);
		break;
	case IKEV1_EXCH_INFORMATIONAL:
		r = ikev1_info_recv(sa, m);
		break;
	case IKEV1_EXCH_TRANSACTION:
		r = ikev1_cfg_recv(sa, m);
		break;
	default:
		sa->eng->st.rx_dropped++;
		log_info(LOG_IKE, sa->ctx, "%s exchange not implemented: message dropped",
			 ikev1_exch_name(m->hdr.exch));
		r = -EOPNOTSUPP;
		break;
	}
	if (r == 1) { /* the ISAKMP SA is gone */
		crypto_cleanse(plain, m->enc.len);
		free(plain);
		return;
	}
	if (r == -EPERM) { /* its HASH is wrong: not the peer's, or not for this IV */
		sa->eng->st.rx_auth_failed++;
		log_info(LOG_IKE, sa->ctx, "%s message %08x dropped: wrong HASH",
			 ikev1_exch_name(m->hdr.exch), m->hdr.msgid);
		ikev1_ivs_set(&v->ivs, m->hdr.msgid, iv);
	} else {
		memcpy(v->last_rx, d, 20);
		v->have_last_rx = true;
		sa->last_seen = ike_now(sa->eng);
	}
	crypto_cleanse(plain, m->enc.len);
	free(plain);
}

static void recv_one(struct ike *eng, const struct net_pkt *p, bool reassembled);

/* A message in fragments: once whole, handled as if it had come so (not fragments again). */
static void recv_fragment(struct ike *eng, const struct net_pkt *p, const struct ikev1_msg *m,
			  bool reassembled)
{
	struct net_pkt whole = *p;
	uint8_t *buf = NULL;

	if (reassembled) {
		eng->st.rx_malformed++;
		log_debug(LOG_IKE, NULL, "IKEv1 message reassembled into a fragment dropped");
		return;
	}
	if (ikev1_frag_recv(eng, p, m, &buf, &whole.len) != 0)
		return;
	whole.data = buf;
	if (whole.len >= IKEV1_HDR_LEN)
		recv_one(eng, &whole, true);
	else
		eng->st.rx_malformed++;
	free(buf);
}

void ikev1_recv(struct ike *eng, const struct net_pkt *p)
{
	recv_one(eng, p, false);
}

static void recv_one(struct ike *eng, const struct net_pkt *p, bool reassembled)
{
	static struct ikev1_msg m; /* single-threaded; 29 KiB kept off the stack */
	struct ike_sa *sa;
	int r = ikev1_decode(p->data, p->len, &m);

	if (r < 0) {
		eng->st.rx_malformed++;
		log_debug(LOG_IKE, NULL, "malformed IKEv1 message dropped: %s",
			  m.why ? m.why : strerror(-r));
		return;
	}
	if (m.hdr.next == IKEV1_PLD_FRAGMENT) {
		recv_fragment(eng, p, &m, reassembled);
		return;
	}
	sa = find_sa(eng, &m.hdr);
	if (sa && sa->state == IKE_STATE_DEAD)
		sa = NULL;
	if (m.hdr.exch == IKEV1_EXCH_IDPROT || m.hdr.exch == IKEV1_EXCH_AGGRESSIVE ||
	    m.hdr.exch == IKEV1_EXCH_BASE) {
		if (!sa && m.hdr.rcookie) {
			eng->st.rx_no_sa++;
			return;
		}
		if (sa)
			sa->rx_packets++, sa->rx_bytes += p->len;
		ikev1_p1_recv(eng, sa, p, &m);
		return;
	}
	if (!sa) {
		eng->st.rx_no_sa++;
		log_debug(LOG_IKE, NULL, "IKEv1 %s for unknown ISAKMP SA %016llx/%016llx dropped",
			  ikev1_exch_name(m.hdr.exch), (unsigned long long)m.hdr.icookie,
			  (unsigned long long)m.hdr.rcookie);
		return;
	}
	sa->rx_packets++;
	sa->rx_bytes += p->len;
	if (sa->v1->p1 != IKEV1_P1_DONE && m.hdr.exch == IKEV1_EXCH_INFORMATIONAL &&
	    !(m.hdr.flags & IKEV1_FLAG_ENCRYPTION)) {
		ikev1_p1_notified(sa, &m);
		return;
	}
	if (sa->v1->p1 != IKEV1_P1_DONE || !(m.hdr.flags & IKEV1_FLAG_ENCRYPTION) || !m.hdr.msgid) {
		/* quick mode before phase 1 completes, or anything in the clear after it */
		eng->st.rx_dropped++;
		log_debug(LOG_IKE, sa->ctx, "%s %s dropped", ikev1_exch_name(m.hdr.exch),
			  sa->v1->p1 != IKEV1_P1_DONE ? "before phase 1 completed"
						      : "not encrypted or with message ID 0");
		return;
	}
	recv_protected(sa, p, &m);
}

/* --- state --- */

void ikev1_state_free(struct ike_sa *sa)
{
	struct ikev1_state *v = sa->v1;

	if (!v)
		return;
	while (v->qms) {
		struct ikev1_qm *qm = v->qms;

		v->qms = qm->next;
		ikev1_qm_free(qm, true);
	}
	ikev1_keys_clear(&v->keys);
	crypto_v1_cbc_free(v->cbc);
	ikev1_ivs_clear(&v->ivs);
	crypto_chunk_clear(&v->sai_b);
	crypto_chunk_clear(&v->gxi);
	crypto_chunk_clear(&v->gxr);
	crypto_chunk_clear(&v->idi_b);
	crypto_chunk_clear(&v->idr_b);
	crypto_chunk_clear(&v->psk);
	wbuf_free(&v->cfg_last);
	loop_timer_free(v->push);
	loop_timer_free(v->retire);
	ikev1_xauth_cancel(sa);
	free(v->xauth_user);
	free(v);
	sa->v1 = NULL;
}

static void sa_free(struct ike_sa *sa, bool delete_kernel)
{
	(void)delete_kernel;
	ikev1_state_free(sa);
}

static bool rekeys_under(const struct ike_sa *sa, const struct ike_child *c)
{
	for (const struct ikev1_qm *qm = sa->v1 ? sa->v1->qms : NULL; qm; qm = qm->next)
		if (qm->rekeys == c && !qm->done)
			return true;
	return false;
}

/* Whether a quick mode of ours already replaces c: under its own ISAKMP SA, or under one
 * that replaces it (ikev1_p1_take_over), which is established between the same two
 * identities (the index of ike_sa_next_same_id: no walk over every SA). */
static bool rekey_running(const struct ike_child *c)
{
	const struct ike_sa *sa = NULL;

	if (rekeys_under(c->ike, c))
		return true;
	while ((sa = ike_sa_next_same_id(c->ike, sa)))
		if (rekeys_under(sa, c))
			return true;
	return false;
}

static void run_tasks(struct ike_sa *sa)
{
	if (sa->state != IKE_STATE_ESTABLISHED || !sa->v1 || sa->v1->p1 != IKEV1_P1_DONE)
		return;
	if (sa->tasks & IKE_TASK_DELETE) {
		sa->tasks = 0;
		ikev1_send_delete_isakmp(sa);
		ike_sa_destroy(sa, true);
		return;
	}
	if (sa->tasks & IKE_TASK_IKE_REKEY) {
		/* IKEv1 has no rekey of an ISAKMP SA: the initiator makes a new one, which
		 * takes the IPsec SAs over (ikev1_p1_replace) */
		sa->tasks &= ~IKE_TASK_IKE_REKEY;
		if (sa->initiator && ike_peer_find(sa->eng->conf, sa->peer))
			ikev1_p1_replace(sa);
	}
	if (sa->tasks & IKE_TASK_CHILD_REKEY) {
		struct ike_child *old = sa->rekeying;

		sa->tasks &= ~IKE_TASK_CHILD_REKEY;
		sa->rekeying = NULL;
		/* both SAs of the pair reach their soft lifetime: one quick mode for the two */
		if (old && old->state == CHILD_STATE_INSTALLED && !rekey_running(old))
			ikev1_qm_start(sa, ike_policy_by_id(sa->eng, old->policy_id), old);
	}
	if ((sa->tasks & IKE_TASK_CHILD_CREATE) && !ikev1_cfg_busy(sa)) {
		const struct conf_item *pol = ike_policy_by_id(sa->eng, sa->pending_policy);

		sa->tasks &= ~IKE_TASK_CHILD_CREATE;
		sa->pending_policy = 0;
		if (pol)
			ikev1_qm_start(sa, pol, NULL);
	}
	if (sa->tasks & IKE_TASK_DPD) {
		sa->tasks &= ~IKE_TASK_DPD;
		ikev1_dpd_start(sa);
	}
}

static void engine_free(struct ike *eng)
{
	ikev1_frag_engine_free(eng);
}

const struct ike_version_ops ikev1_ops = {
	.major = 1,
	.recv = ikev1_recv,
	.initiate = ikev1_initiate,
	.run_tasks = run_tasks,
	.send_delete = ikev1_send_delete_isakmp,
	.delete_child = ikev1_delete_child,
	.child_install_failed = ikev1_child_install_failed,
	.sa_free = sa_free,
	.engine_free = engine_free,
};
